/* search.c - search posts and people (see search.h). */
#include "search.h"
#include "db.h"
#include "feed.h"
#include "post.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

char *search_like_prefix(struct arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, 2 * n + 2), *o = out;
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

char *search_fulltext_words(struct arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, 2 * n + 2), *o = out;
	int words = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n &&
		       (isalnum((unsigned char)q[j]) || q[j] == '_' || (unsigned char)q[j] >= 0x80))
			j++;
		if (j - i >= 3 && words < 12) {
			if (words)
				*o++ = ' ';
			*o++ = '+';
			memcpy(o, q + i, j - i);
			o += j - i;
			words++;
		}
		i = j > i ? j : i + 1;
	}
	*o = '\0';
	return words ? out : NULL;
}

int search_posts(struct db *db, struct arena *a, const char *q, int64_t before,
		 struct feed_page *pg)
{
	/* What a person typed is only words: quotes, +, -, * are plain text,
	 * never syntax. */
	struct db_res r = {0};
	const char *words = search_fulltext_words(a, q);
	if (words &&
	    db_read(
		db, a, &r,
		"SELECT id FROM posts WHERE MATCH (prompt, caption, tags) "
		"AGAINST (? IN BOOLEAN MODE) AND id < ? AND remote = 0 ORDER BY id DESC LIMIT ?",
		"sii", words, before > 0 ? before : INT64_MAX, (int64_t)FEED_PAGE + 1) != DB_OK)
		return -1;
	size_t n = r.nrows > FEED_PAGE ? FEED_PAGE : r.nrows;
	pg->items = arena_zalloc(a, (n + 1) * sizeof(*pg->items));
	pg->n = n;
	for (size_t i = 0; i < n; i++) {
		pg->items[i].id = db_int(&r, i, 0);
		pg->items[i].reason = "matches your search";
	}
	pg->next_id = r.nrows > FEED_PAGE ? pg->items[n - 1].id : 0;
	pg->next_likes = 0;
	return 0;
}

cJSON *search_people(struct db *db, struct arena *a, const char *q)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT username, follower_count, post_count FROM users "
		    "WHERE username LIKE ? ORDER BY follower_count DESC, id LIMIT 10",
		    "s", search_like_prefix(a, q)) != DB_OK)
		return NULL;
	cJSON *users = cJSON_CreateArray();
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "username", db_str(&r, i, 0));
		cJSON_AddStringToObject(u, "url", arena_printf(a, "/u/%s", db_str(&r, i, 0)));
		cJSON_AddNumberToObject(u, "follower_count", (double)db_int(&r, i, 1));
		cJSON_AddNumberToObject(u, "post_count", (double)db_int(&r, i, 2));
		cJSON_AddItemToArray(users, u);
	}
	return users;
}
