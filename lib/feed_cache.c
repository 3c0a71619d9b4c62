/* feed_cache.c - the feeds through memcached: pages of ids under versioned
 * keys (a new post makes every shared list stale at once), and posts cached
 * one by one (a like, a comment or moderation drops one post's copy). What
 * belongs to a viewer is never cached here. */
#include "buf.h"
#include "cache.h"
#include "json.h"
#include "cachekey.h"
#include "feed.h"
#include "post.h"
#include "timeline.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define POST_CACHE_TTL 600
#define IDS_CACHE_TTL  300
#define TOP_CACHE_TTL  60

void feed_post_forget(struct cache *cache, struct arena *a, int64_t post_id)
{
	cache_delete(cache, cachekey_post(a, post_id));
}

/* ---- a post's copy -----------------------------------------------------------
 * The post's tree in json_pack's form (read back without parsing: parsing
 * two dozen JSON posts was a quarter of a first view's work in the worker),
 * or "0" for a post not shown. A copy in JSON text (written by an older
 * worker during a deploy) is still read. */

/* The tree of a copy's bytes; NULL for "0" or bytes that are no post's
 * tree (then it is a miss, and the post is loaded and stored again). */
static cJSON *post_copy_tree(const char *val, size_t len)
{
	cJSON *j =
	    json_is_packed(val, len) ? json_unpack(val, len) : cJSON_ParseWithLength(val, len);
	if (j &&
	    (!cJSON_IsObject(j) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "id")) ||
	     !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "url")) ||
	     !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "author")))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

/* The tombstone: the post is gone or not shown (moderation). */
static int post_copy_is_tombstone(const char *val, size_t len)
{
	return len == 1 && val[0] == '0';
}

static void post_copy_put(struct cache *cache, struct arena *a, int64_t post_id, const cJSON *post)
{
	struct buf b = {0};
	json_pack(post, &b);
	cache_set(cache, cachekey_post(a, post_id), b.data, b.len, POST_CACHE_TTL);
	buf_free(&b);
}

int feed_post_cached(struct cache *cache, struct arena *a, int64_t post_id, cJSON **post)
{
	char *val;
	size_t len;
	if (cache_get(cache, a, cachekey_post(a, post_id), &val, &len))
		return -1;
	*post = post_copy_tree(val, len);
	return *post || post_copy_is_tombstone(val, len) ? 0 : -1;
}

/* ---- pages of ids ----------------------------------------------------------
 * Cached as {"r":["reason",...],"i":[id,r,id,r,...],"n":next_id,"l":next_likes}:
 * each id with the index of its reason in "r" (a page's 24 posts have a
 * handful of reasons between them: listed once, the value is a third of
 * what it was, and a person's first page rides in every warm page's one
 * multi-get). */

/* A page's ids from the cached text (len bytes, NUL-terminated after them),
 * under stamp (NULL: none): 0, or -1 when it is not one. */
static int feed_page_parse(struct arena *a, char *text, size_t len, const char *stamp,
			   struct feed_page *pg)
{
	if (stamp) {
		size_t sl = strlen(stamp);
		if (len <= sl || memcmp(text, stamp, sl) || text[sl] != '\n')
			return -1;
		text += sl + 1;
		len -= sl + 1;
	}
	cJSON *j = cJSON_ParseWithLength(text, len);
	cJSON *its = cJSON_GetObjectItemCaseSensitive(j, "i");
	cJSON *rs = cJSON_GetObjectItemCaseSensitive(j, "r");
	if (!cJSON_IsArray(its) || !cJSON_IsArray(rs)) {
		cJSON_Delete(j);
		return -1;
	}
	size_t nr = (size_t)cJSON_GetArraySize(rs), n = (size_t)cJSON_GetArraySize(its) / 2;
	const char **why = arena_zalloc(a, (nr + 1) * sizeof(*why));
	size_t k = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, rs) why[k++] =
	    cJSON_IsString(e) ? arena_strdup(a, e->valuestring) : NULL;
	pg->items = arena_zalloc(a, (n + 1) * sizeof(*pg->items));
	pg->n = 0;
	for (e = its->child; e && e->next; e = e->next->next) {
		const cJSON *r = e->next;
		if (!cJSON_IsNumber(e) || !cJSON_IsNumber(r) || r->valuedouble < 0 ||
		    r->valuedouble >= (double)nr || !why[(size_t)r->valuedouble])
			continue;
		pg->items[pg->n].id = (int64_t)e->valuedouble;
		pg->items[pg->n++].reason = why[(size_t)r->valuedouble];
	}
	pg->next_id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "n"));
	pg->next_likes = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "l"));
	cJSON_Delete(j);
	return 0;
}

int feed_page_get(struct cache *cache, struct arena *a, const char *key, const char *stamp,
		  struct feed_page *pg)
{
	char *text;
	size_t len;
	if (cache_get(cache, a, key, &text, &len))
		return -1;
	return feed_page_parse(a, text, len, stamp, pg);
}

void feed_page_put(struct cache *cache, const char *key, const char *stamp, int ttl,
		   const struct feed_page *pg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *rs = cJSON_AddArrayToObject(j, "r");
	cJSON *its = cJSON_AddArrayToObject(j, "i");
	size_t nr = 0;
	for (size_t i = 0; i < pg->n; i++) {
		const char *why = pg->items[i].reason ? pg->items[i].reason : "";
		size_t r = 0;
		const cJSON *e = rs->child;
		while (e && strcmp(e->valuestring, why))
			e = e->next, r++;
		if (!e) {
			cJSON_AddItemToArray(rs, cJSON_CreateString(why));
			r = nr++;
		}
		cJSON_AddItemToArray(its, cJSON_CreateNumber((double)pg->items[i].id));
		cJSON_AddItemToArray(its, cJSON_CreateNumber((double)r));
	}
	cJSON_AddNumberToObject(j, "n", (double)pg->next_id);
	cJSON_AddNumberToObject(j, "l", (double)pg->next_likes);
	char *s = json_print(j);
	if (stamp) {
		struct buf b = {0};
		buf_printf(&b, "%s\n%s", stamp, s);
		cache_set(cache, key, b.data, b.len, ttl);
		buf_free(&b);
	} else {
		cache_set(cache, key, s, strlen(s), ttl);
	}
	free(s);
	cJSON_Delete(j);
}

/* Which query a page comes from. */
enum ids_kind { IDS_LATEST, IDS_FOLLOWING, IDS_TOP, IDS_TAG, IDS_USER };

struct ids_query {
	enum ids_kind kind;
	int64_t id; /* following: the person; tag, user: the tag, the author */
	const char *name;
	int64_t before, after_likes, window;
	int limit;
};

static int ids_load(struct db *db, struct arena *a, const struct ids_query *q, struct feed_page *pg)
{
	switch (q->kind) {
	case IDS_LATEST:
		return feed_ids_latest(db, a, q->before, q->limit, pg);
	case IDS_FOLLOWING:
		return timeline_ids(db, a, q->id, q->before, q->limit, pg);
	case IDS_TOP:
		return feed_ids_top(db, a, q->window, q->name, q->after_likes, q->before, q->limit,
				    pg);
	case IDS_TAG:
		return feed_ids_tag(db, a, q->id, q->name, q->before, q->limit, pg);
	case IDS_USER:
		return feed_ids_user(db, a, q->id, q->name, q->before, q->limit, pg);
	}
	return -1;
}

/* The ids of one page, through memcached under key (NULL: no caching),
 * under stamp (see feed_page_get; NULL: none). */
static int ids_cached(struct db *db, struct cache *cache, struct arena *a, const char *key,
		      const char *stamp, int ttl, const struct ids_query *q, struct feed_page *pg)
{
	if (key && feed_page_get(cache, a, key, stamp, pg) == 0)
		return 0;
	if (ids_load(db, a, q, pg))
		return -1;
	if (key)
		feed_page_put(cache, key, stamp, ttl, pg);
	return 0;
}

/* A page of a feed everybody sees alike (latest, tag, user): cached under
 * the feed version, so a new post makes every such list stale at once. */
static int ids_shared(struct db *db, struct cache *cache, struct arena *a, const char *kind,
		      const struct ids_query *q, struct feed_page *pg)
{
	uint64_t ver = cache_version(cache, CACHEKEY_FEED_VERSION);
	char *key = ver ? arena_printf(a, "imagier:ids2:%s:%lld:%llu:%lld", kind, (long long)q->id,
				       (unsigned long long)ver, (long long)q->before)
			: NULL;
	return ids_cached(db, cache, a, key, NULL, IDS_CACHE_TTL, q, pg);
}

int feed_page_latest(struct db *db, struct cache *cache, struct arena *a, int64_t before,
		     struct feed_page *pg)
{
	struct ids_query q = {.kind = IDS_LATEST, .before = before, .limit = FEED_PAGE};
	if (before != 0)
		return ids_shared(db, cache, a, "latest", &q, pg);
	/* The first page (everyone's first view of the site) under one key,
	 * stamped with the feed version and fetched with it: one round trip
	 * (none when the request prefetched both: a logged-in page). */
	const char *keys[2] = {CACHEKEY_FEED_VERSION, cachekey_first_ids(a, "latest", 0)};
	char *vals[2];
	size_t lens[2];
	cache_get_multi(cache, a, keys, 2, vals, lens);
	uint64_t ver = vals[0] ? strtoull(vals[0], NULL, 10) : 0;
	if (!ver)
		ver = cache_version(cache, CACHEKEY_FEED_VERSION);
	char *stamp = arena_printf(a, "%llu", (unsigned long long)ver);
	if (ver && vals[1] && feed_page_parse(a, vals[1], lens[1], stamp, pg) == 0)
		return 0;
	if (ids_load(db, a, &q, pg))
		return -1;
	if (ver)
		feed_page_put(cache, keys[1], stamp, IDS_CACHE_TTL, pg);
	return 0;
}

int feed_page_tag(struct db *db, struct cache *cache, struct arena *a, int64_t tag_id,
		  const char *tag_name, int64_t before, struct feed_page *pg)
{
	struct ids_query q = {
	    .kind = IDS_TAG, .id = tag_id, .name = tag_name, .before = before, .limit = FEED_PAGE};
	return ids_shared(db, cache, a, "tag", &q, pg);
}

int feed_page_user(struct db *db, struct cache *cache, struct arena *a, int64_t author_id,
		   const char *author_name, int64_t before, struct feed_page *pg)
{
	struct ids_query q = {.kind = IDS_USER,
			      .id = author_id,
			      .name = author_name,
			      .before = before,
			      .limit = FEED_PAGE};
	return ids_shared(db, cache, a, "user", &q, pg);
}

int feed_page_following(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
			int64_t before, struct feed_page *pg)
{
	struct ids_query q = {
	    .kind = IDS_FOLLOWING, .id = user_id, .before = before, .limit = FEED_PAGE};
	/* Per person; new posts bump the shared version, follows the person's. */
	uint64_t ver = cache_version(cache, CACHEKEY_FEED_VERSION);
	uint64_t uver = cache_version(cache, cachekey_follows_version(a, user_id));
	if (!ver || !uver)
		return ids_cached(db, cache, a, NULL, NULL, IDS_CACHE_TTL, &q, pg);
	/* The first page under the person's one key (fetched with their
	 * session: one round trip less for a first view), the rest under
	 * keys naming their versions. */
	if (before == 0)
		return ids_cached(
		    db, cache, a, cachekey_first_ids(a, "following", user_id),
		    arena_printf(a, "%llu:%llu", (unsigned long long)ver, (unsigned long long)uver),
		    IDS_CACHE_TTL, &q, pg);
	char *key =
	    arena_printf(a, "imagier:ids2:following:%lld:%llu:%llu:%lld", (long long)user_id,
			 (unsigned long long)ver, (unsigned long long)uver, (long long)before);
	return ids_cached(db, cache, a, key, NULL, IDS_CACHE_TTL, &q, pg);
}

int feed_top_window(const char *window_key, int64_t *seconds, const char **words)
{
	static const struct {
		const char *key, *words;
		int64_t seconds;
	} windows[] = {
	    {"day", "today", 86400}, {"week", "this week", 7 * 86400}, {"all", "of all time", 0}};
	for (size_t i = 0; i < ARRAY_LEN(windows); i++)
		if (!strcmp(window_key, windows[i].key)) {
			*seconds = windows[i].seconds;
			*words = windows[i].words;
			return 0;
		}
	return -1;
}

int feed_page_top(struct db *db, struct cache *cache, struct arena *a, const char *window_key,
		  int64_t after_likes, int64_t after_id, struct feed_page *pg)
{
	struct ids_query q = {
	    .kind = IDS_TOP, .after_likes = after_likes, .before = after_id, .limit = FEED_PAGE};
	if (feed_top_window(window_key, &q.window, &q.name))
		return -1;
	/* Not under the feed version: likes move it more than new posts do. */
	char *key = arena_printf(a, "imagier:ids2:top:%s:%lld:%lld", window_key,
				 (long long)after_likes, (long long)after_id);
	return ids_cached(db, cache, a, key, NULL, TOP_CACHE_TTL, &q, pg);
}

int feed_page_newest(struct db *db, struct cache *cache, struct arena *a, int user, int64_t id,
		     const char *name, int limit, struct feed_page *pg)
{
	struct ids_query q = {
	    .kind = user ? IDS_USER : IDS_TAG, .id = id, .name = name, .limit = limit};
	uint64_t ver = cache_version(cache, CACHEKEY_FEED_VERSION);
	char *key = ver ? arena_printf(a, "imagier:ids2:synd:%c:%lld:%llu", user ? 'u' : 't',
				       (long long)id, (unsigned long long)ver)
			: NULL;
	return ids_cached(db, cache, a, key, NULL, IDS_CACHE_TTL, &q, pg);
}

/* ---- posts ---------------------------------------------------------------- */

int feed_hydrate(struct db *db, struct cache *cache, struct arena *a, const char *media_url,
		 const int64_t *ids, size_t n, cJSON **posts, struct feed_also *also)
{
	const char **keys = arena_alloc(a, (n + 2) * sizeof(*keys));
	char **vals = arena_alloc(a, (n + 2) * sizeof(*vals));
	size_t *lens = arena_alloc(a, (n + 2) * sizeof(*lens));
	for (size_t i = 0; i < n; i++)
		keys[i] = cachekey_post(a, ids[i]);
	size_t nk = n;
	if (also && also->key)
		keys[nk++] = also->key;
	cache_get_multi(cache, a, keys, nk, vals, lens);
	if (also) {
		also->val = nk > n ? vals[n] : NULL;
		also->len = nk > n ? lens[n] : 0;
	}
	int64_t *miss = arena_alloc(a, (n + 1) * sizeof(*miss));
	size_t nmiss = 0;
	for (size_t i = 0; i < n; i++) {
		posts[i] = vals[i] ? post_copy_tree(vals[i], lens[i]) : NULL;
		if (!posts[i] && vals[i] && post_copy_is_tombstone(vals[i], lens[i]))
			continue;
		if (!posts[i])
			miss[nmiss++] = ids[i];
	}
	if (!nmiss)
		return 0;
	cJSON **loaded = arena_alloc(a, nmiss * sizeof(*loaded));
	if (post_load_many(db, a, media_url, miss, nmiss, loaded)) {
		for (size_t i = 0; i < n; i++) { /* the hits parsed so far */
			cJSON_Delete(posts[i]);
			posts[i] = NULL;
		}
		return -1;
	}
	for (size_t k = 0, i = 0; k < nmiss; k++) {
		if (!loaded[k]) {
			/* Remember that it is not shown, so pages that still list it
			 * (cached lists of ids) need no query for it; moderation and
			 * deletion drop this key like any cached post. */
			cache_set(cache, cachekey_post(a, miss[k]), "0", 1, POST_CACHE_TTL);
			continue;
		}
		post_copy_put(cache, a, miss[k], loaded[k]);
		for (; i < n; i++)
			if (ids[i] == miss[k] && !posts[i]) {
				posts[i] = loaded[k];
				break;
			}
	}
	return 0;
}
