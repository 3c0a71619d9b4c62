/* apremix.c - remixes across servers (apremix.h). */
#include "apremix.h"
#include "db.h"

#include <cjson/cJSON.h>
#include <string.h>

/* s when it is an http(s) URL within the limit, without blanks or
 * control bytes; else NULL. */
static const char *url_ok(const char *s)
{
	if (!s || (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)))
		return NULL;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (n >= APREMIX_MAX_URI || *p <= 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

static const char *id_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return url_ok(v->valuestring);
	if (cJSON_IsObject(v)) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
		return cJSON_IsString(id) ? url_ok(id->valuestring) : NULL;
	}
	return NULL;
}

static int is_str(const cJSON *v, const char *want)
{
	return cJSON_IsString(v) && !strcmp(v->valuestring, want);
}

/* rel is APREMIX_REL, or an array holding it (among its first few). */
static int rel_is_remix(const cJSON *rel)
{
	if (is_str(rel, APREMIX_REL))
		return 1;
	if (!cJSON_IsArray(rel))
		return 0;
	int n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, rel)
	{
		if (++n > 8)
			break;
		if (is_str(r, APREMIX_REL))
			return 1;
	}
	return 0;
}

static const char *link_href(const cJSON *t)
{
	if (!cJSON_IsObject(t) || !is_str(cJSON_GetObjectItemCaseSensitive(t, "type"), "Link") ||
	    !rel_is_remix(cJSON_GetObjectItemCaseSensitive(t, "rel")))
		return NULL;
	const cJSON *href = cJSON_GetObjectItemCaseSensitive(t, "href");
	return cJSON_IsString(href) ? url_ok(href->valuestring) : NULL;
}

const char *apremix_of(const cJSON *note)
{
	if (!cJSON_IsObject(note))
		return NULL;
	const char *u = id_of(cJSON_GetObjectItemCaseSensitive(note, "imagier:remixOf"));
	if (u)
		return u;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(note, "tag");
	if (cJSON_IsObject(tags))
		return link_href(tags);
	if (!cJSON_IsArray(tags))
		return NULL;
	int n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		if (++n > APREMIX_MAX_TAGS)
			break;
		if ((u = link_href(t)))
			return u;
	}
	return NULL;
}

/* The post id of {base}/p/{id} (digits to the end, no leading 0), or 0. */
static int64_t our_post(const char *base, const char *url)
{
	size_t bl = strlen(base);
	if (!bl || strncmp(url, base, bl) || strncmp(url + bl, "/p/", 3))
		return 0;
	const char *p = url + bl + 3;
	int64_t id = 0;
	int digits = 0;
	if (*p == '0')
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || ++digits > 18)
			return 0;
		id = id * 10 + (*p - '0');
	}
	return id;
}

int64_t apremix_parent(struct db *db, struct arena *a, const char *base, const char *url,
		       int *local)
{
	struct db_res r;
	int64_t ours = our_post(base, url);
	if (local)
		*local = ours > 0;
	if (ours > 0) {
		if (db_exec(db, a, &r,
			    "SELECT id FROM posts WHERE id = ? AND remote = 0 AND mod_state = "
			    "'visible'",
			    "i", ours) != DB_OK)
			return -1;
		return r.nrows ? ours : 0;
	}
	if (db_exec(db, a, &r,
		    "SELECT p.id FROM ap_objects o JOIN posts p ON p.id = o.local_id WHERE o.uri = "
		    "? AND o.kind = 'post' AND p.remote = 1 AND p.mod_state = 'visible'",
		    "s", url) != DB_OK)
		return -1;
	return r.nrows ? db_int(&r, 0, 0) : 0;
}

int apremix_link(struct db *db, struct arena *a, int64_t post_id, int64_t parent,
		 int64_t *parent_author)
{
	struct db_res r;
	*parent_author = 0;
	if (parent <= 0 || parent == post_id)
		return 0;
	/* the parent locked, as publish_generation does (its count moves) */
	if (db_exec(db, a, &r,
		    "SELECT IFNULL(root_id, id), depth, user_id FROM posts WHERE id = ? FOR UPDATE",
		    "i", parent) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	int64_t root = db_int(&r, 0, 0), depth = db_int(&r, 0, 1) + 1, author = db_int(&r, 0, 2);
	if (db_exec(db, a, NULL,
		    "UPDATE posts SET parent_id = ?, root_id = ?, depth = ? WHERE id = ? AND "
		    "parent_id IS NULL",
		    "iiii", parent, root, depth, post_id) != DB_OK ||
	    db_exec(db, a, NULL, "UPDATE posts SET remix_count = remix_count + 1 WHERE id = ?", "i",
		    parent) != DB_OK)
		return -1;
	*parent_author = author;
	return 0;
}
