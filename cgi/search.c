/* search.c - search posts (prompt, caption, tags: MariaDB FULLTEXT) and
 * people (name prefix). /search?q= and GET /api/v1/search?q=. */
#include "app.h"
#include "db.h"
#include "feed.h"
#include "feedview.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

#define SEARCH_MAX_CHARS 200

/* LIKE pattern for a name prefix: %, _ and \ are taken literally. */
static char *like_prefix(struct arena *a, const char *q)
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

/* The words of q as a boolean-mode query that requires every word:
 * "+sunset +sea". Only letters, digits, _ and non-ASCII bytes make words
 * (InnoDB's parser chokes on some punctuation, and operators typed by a
 * person must stay text); words under 3 bytes are below InnoDB's token size
 * and are left out. Requiring all words keeps the hit list (and its sort)
 * small on a big site. NULL when no word is left. */
static char *fulltext_words(struct arena *a, const char *q)
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

int search_show(struct ctx *c)
{
	const char *q = kv_get(&c->req->query, "q"), *clean, *why;
	c->title = "Search";
	cJSON *d = ctx_data(c);
	if (!q || !*q) {
		if (c->api)
			return ctx_fail(c, 400, "missing_query", "Search for something: ?q=...");
		return 200; /* the empty search page */
	}
	if (text_clean(c->a, q, strlen(q), SEARCH_MAX_CHARS, &clean, &why))
		return ctx_fail(c, 400, "bad_query", arena_printf(c->a, "Search: %s", why));
	if (!*clean)
		return ctx_fail(c, 400, "missing_query", "Search for something: ?q=...");
	int64_t before;
	int st;
	if ((st = feed_id_cursor(c, &before)))
		return st;
	cJSON_AddStringToObject(d, "q", clean);
	c->title = arena_printf(c->a, "Search: %s", clean);
	/* Natural language mode: quotes, +, -, * are plain text, never syntax. */
	struct db_res r = {0};
	const char *words = fulltext_words(c->a, clean);
	if (words &&
	    db_exec(c->app->db, c->a, &r,
		    "SELECT id FROM posts WHERE MATCH (prompt, caption, tags) "
		    "AGAINST (? IN BOOLEAN MODE) AND id < ? ORDER BY id DESC LIMIT ?",
		    "sii", words, before > 0 ? before : INT64_MAX, (int64_t)FEED_PAGE + 1) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	struct feed_page pg = {0};
	size_t n = r.nrows > FEED_PAGE ? FEED_PAGE : r.nrows;
	pg.items = arena_zalloc(c->a, (n + 1) * sizeof(*pg.items));
	pg.n = n;
	for (size_t i = 0; i < n; i++) {
		pg.items[i].id = db_int(&r, i, 0);
		pg.items[i].reason = "matches your search";
	}
	cJSON *posts = cJSON_AddArrayToObject(d, "posts");
	if (feed_render_items(c, &pg, posts))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (r.nrows > FEED_PAGE) {
		char *next = arena_printf(c->a, "%lld", (long long)pg.items[n - 1].id);
		cJSON_AddStringToObject(d, "next", next);
		if (!c->api)
			cJSON_AddStringToObject(d, "more_url",
						arena_printf(c->a, "/search?q=%s&cursor=%s",
							     url_encode(c->a, clean), next));
	} else {
		cJSON_AddNullToObject(d, "next");
	}
	cJSON *users = cJSON_AddArrayToObject(d, "users");
	if (!before) {
		if (db_exec(c->app->db, c->a, &r,
			    "SELECT username, follower_count, post_count FROM users "
			    "WHERE username LIKE ? ORDER BY follower_count DESC, id LIMIT 10",
			    "s", like_prefix(c->a, clean)) != DB_OK)
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		for (size_t i = 0; i < r.nrows; i++) {
			cJSON *u = cJSON_CreateObject();
			cJSON_AddStringToObject(u, "username", db_str(&r, i, 0));
			cJSON_AddStringToObject(u, "url",
						arena_printf(c->a, "/u/%s", db_str(&r, i, 0)));
			cJSON_AddNumberToObject(u, "follower_count", (double)db_int(&r, i, 1));
			cJSON_AddNumberToObject(u, "post_count", (double)db_int(&r, i, 2));
			cJSON_AddItemToArray(users, u);
		}
	}
	if (!c->api)
		cJSON_AddBoolToObject(
		    d, "nothing", cJSON_GetArraySize(posts) == 0 && cJSON_GetArraySize(users) == 0);
	return 200;
}
