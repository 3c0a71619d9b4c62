/* feed.c - the feeds: latest, following, top (and tag/user pages use the same
 * machinery). Ids per page are cached under versioned keys; posts are cached
 * one by one; what belongs to the viewer (liked_by_me) is added last. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "feed.h"
#include "feedview.h"
#include "log.h"
#include "myfilters.h"
#include "post.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POST_CACHE_TTL 600
#define IDS_CACHE_TTL  300
#define TOP_CACHE_TTL  60

char *feed_post_key(struct arena *a, int64_t id)
{
	return arena_printf(a, "imagier:post:%lld", (long long)id);
}

void feed_post_changed(struct ctx *c, int64_t post_id)
{
	cache_delete(c->app->cache, feed_post_key(c->a, post_id));
}

/* Posts for ids, from memcached where present, else one query (and then
 * cached). NULL entries for posts that are gone. 0 or -1. */
static int hydrate(struct ctx *c, const int64_t *ids, size_t n, cJSON **posts)
{
	const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
	char **vals = arena_alloc(c->a, (n + 1) * sizeof(*vals));
	size_t *lens = arena_alloc(c->a, (n + 1) * sizeof(*lens));
	for (size_t i = 0; i < n; i++)
		keys[i] = feed_post_key(c->a, ids[i]);
	cache_get_multi(c->app->cache, c->a, keys, n, vals, lens);
	int64_t *miss = arena_alloc(c->a, (n + 1) * sizeof(*miss));
	size_t nmiss = 0;
	for (size_t i = 0; i < n; i++) {
		posts[i] = vals[i] ? cJSON_ParseWithLength(vals[i], lens[i]) : NULL;
		if (posts[i] && !cJSON_IsObject(posts[i])) {
			/* a tombstone: gone, or not to be shown (moderation) */
			cJSON_Delete(posts[i]);
			posts[i] = NULL;
			continue;
		}
		if (!posts[i])
			miss[nmiss++] = ids[i];
	}
	if (!nmiss)
		return 0;
	cJSON **loaded = arena_alloc(c->a, nmiss * sizeof(*loaded));
	if (post_load_many(c->app->db, c->a, c->app->cfg.media_url, miss, nmiss, loaded)) {
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
			cache_set(c->app->cache, feed_post_key(c->a, miss[k]), "0", 1,
				  POST_CACHE_TTL);
			continue;
		}
		char *s = cJSON_PrintUnformatted(loaded[k]);
		cache_set(c->app->cache, feed_post_key(c->a, miss[k]), s, strlen(s),
			  POST_CACHE_TTL);
		free(s);
		for (; i < n; i++)
			if (ids[i] == miss[k] && !posts[i]) {
				posts[i] = loaded[k];
				break;
			}
	}
	return 0;
}

int feed_render_items(struct ctx *c, const struct feed_page *pg, cJSON *items)
{
	int64_t *ids = arena_alloc(c->a, (pg->n + 1) * sizeof(*ids));
	cJSON **posts = arena_alloc(c->a, (pg->n + 1) * sizeof(*posts));
	int *liked = arena_alloc(c->a, (pg->n + 1) * sizeof(*liked));
	for (size_t i = 0; i < pg->n; i++)
		ids[i] = pg->items[i].id;
	if (hydrate(c, ids, pg->n, posts))
		return -1;
	/* What the viewer liked is extra: without the database a cached page is
	 * still served, only without liked_by_me. */
	int mine = c->me && !social_liked_map(c->app->db, c->a, c->me->id, ids, pg->n, liked);
	struct myfilters flt;
	myfilters_load(c, &flt);
	for (size_t i = 0; i < pg->n; i++) {
		if (!posts[i])
			continue; /* deleted since the ids were cached */
		/* People the viewer muted or blocked (or who blocked them), muted
		 * words and tags, hidden content warnings leave every feed. */
		if (myfilters_apply(c, &flt, posts[i])) {
			cJSON_Delete(posts[i]);
			continue;
		}
		cJSON_AddStringToObject(posts[i], "reason", pg->items[i].reason);
		if (mine)
			cJSON_AddBoolToObject(posts[i], "liked_by_me", liked[i]);
		cJSON_AddItemToArray(items, posts[i]);
	}
	return 0;
}

int feed_page_decode(struct ctx *c, const char *text, size_t len, struct feed_page *pg)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	cJSON *its = cJSON_GetObjectItemCaseSensitive(j, "i");
	if (!cJSON_IsArray(its)) {
		cJSON_Delete(j);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(its);
	pg->items = arena_zalloc(c->a, (n + 1) * sizeof(*pg->items));
	pg->n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, its)
	{
		cJSON *id = cJSON_GetArrayItem(e, 0), *why = cJSON_GetArrayItem(e, 1);
		if (!cJSON_IsNumber(id) || !cJSON_IsString(why))
			continue;
		pg->items[pg->n].id = (int64_t)id->valuedouble;
		pg->items[pg->n++].reason = arena_strdup(c->a, why->valuestring);
	}
	pg->next_id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "n"));
	pg->next_likes = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "l"));
	cJSON_Delete(j);
	return 0;
}

void feed_page_store(struct ctx *c, const char *key, int ttl, const struct feed_page *pg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *its = cJSON_AddArrayToObject(j, "i");
	for (size_t i = 0; i < pg->n; i++) {
		cJSON *e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)pg->items[i].id));
		cJSON_AddItemToArray(e, cJSON_CreateString(pg->items[i].reason));
		cJSON_AddItemToArray(its, e);
	}
	cJSON_AddNumberToObject(j, "n", (double)pg->next_id);
	cJSON_AddNumberToObject(j, "l", (double)pg->next_likes);
	char *s = cJSON_PrintUnformatted(j);
	cache_set(c->app->cache, key, s, strlen(s), ttl);
	free(s);
	cJSON_Delete(j);
}

/* The ids of one page, through memcached under key (NULL: no caching). */
static int cached_ids(struct ctx *c, const char *key, int ttl, struct feed_page *pg,
		      int (*load)(struct ctx *, void *, struct feed_page *), void *arg)
{
	char *hit;
	size_t len;
	if (key && cache_get(c->app->cache, c->a, key, &hit, &len) == 0 &&
	    feed_page_decode(c, hit, len, pg) == 0)
		return 0;
	if (load(c, arg, pg))
		return -1;
	if (key)
		feed_page_store(c, key, ttl, pg);
	return 0;
}

struct feed_args {
	int64_t before, after_likes, id;
	int64_t window;
	const char *name;
};

/* A page of a feed everybody sees alike (latest, tag, user): cached under
 * the feed version, so a new post makes every such list stale at once. */
static int shared_ids(struct ctx *c, const char *kind, struct feed_args *f,
		      int (*load)(struct ctx *, void *, struct feed_page *), struct feed_page *pg)
{
	uint64_t ver = cache_version(c->app->cache, FEED_VERSION_KEY);
	char *key =
	    ver ? arena_printf(c->a, "imagier:ids:%s:%lld:%llu:%lld", kind, (long long)f->id,
			       (unsigned long long)ver, (long long)f->before)
		: NULL;
	return cached_ids(c, key, IDS_CACHE_TTL, pg, load, f);
}

static int load_latest(struct ctx *c, void *arg, struct feed_page *pg)
{
	struct feed_args *f = arg;
	return feed_ids_latest(c->app->db, c->a, f->before, FEED_PAGE, pg);
}

static int load_following(struct ctx *c, void *arg, struct feed_page *pg)
{
	struct feed_args *f = arg;
	return feed_ids_following(c->app->db, c->a, c->me->id, f->before, FEED_PAGE, pg);
}

static int load_top(struct ctx *c, void *arg, struct feed_page *pg)
{
	struct feed_args *f = arg;
	return feed_ids_top(c->app->db, c->a, f->window, f->name, f->after_likes, f->before,
			    FEED_PAGE, pg);
}

static int load_tag(struct ctx *c, void *arg, struct feed_page *pg)
{
	struct feed_args *f = arg;
	return feed_ids_tag(c->app->db, c->a, f->id, f->name, f->before, FEED_PAGE, pg);
}

static int load_user(struct ctx *c, void *arg, struct feed_page *pg)
{
	struct feed_args *f = arg;
	return feed_ids_user(c->app->db, c->a, f->id, f->name, f->before, FEED_PAGE, pg);
}

/* {"items":[...],"next":cursor|null} into c's view; HTML gets more_url. */
static int feed_finish(struct ctx *c, const struct feed_page *pg, const char *next,
		       const char *more_base)
{
	cJSON *d = ctx_data(c);
	cJSON *items = cJSON_AddArrayToObject(d, "items");
	if (feed_render_items(c, pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (next)
		cJSON_AddStringToObject(d, "next", next);
	else
		cJSON_AddNullToObject(d, "next");
	if (!c->api) {
		if (next)
			cJSON_AddStringToObject(d, "more_url",
						arena_printf(c->a, "%s%scursor=%s", more_base,
							     strchr(more_base, '?') ? "&" : "?",
							     url_encode(c->a, next)));
		cJSON_AddBoolToObject(d, "empty", cJSON_GetArraySize(items) == 0);
		cJSON_AddBoolToObject(d, "first_page", !kv_get(&c->req->query, "cursor"));
	}
	return 200;
}

static char *id_cursor(struct ctx *c, int64_t id)
{
	return id ? arena_printf(c->a, "%lld", (long long)id) : NULL;
}

/* A plain id cursor (latest, following, tag, user): 0 or a failed status. */
int feed_id_cursor(struct ctx *c, int64_t *before)
{
	const char *cur = kv_get(&c->req->query, "cursor");
	uint64_t v = 0;
	if (cur && *cur && (str_to_u64(cur, INT64_MAX, &v) || v == 0))
		return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
	*before = (int64_t)v;
	return 0;
}

static int show_latest(struct ctx *c)
{
	struct feed_args f = {0};
	struct feed_page pg;
	int st;
	if ((st = feed_id_cursor(c, &f.before)))
		return st;
	if (shared_ids(c, "latest", &f, load_latest, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = f.before ? "Older posts" : NULL;
	feed_tabs(c, "latest");
	return feed_finish(c, &pg, id_cursor(c, pg.next_id), c->api ? "" : "/");
}

static int show_following(struct ctx *c)
{
	struct feed_args f = {0};
	struct feed_page pg;
	int st;
	if (!c->me)
		return ctx_fail(c, 401, "unauthorized", "Log in to see who you follow.");
	if ((st = feed_id_cursor(c, &f.before)))
		return st;
	/* Per person; new posts bump the shared version, follows the person's. */
	uint64_t ver = cache_version(c->app->cache, FEED_VERSION_KEY);
	uint64_t uver = cache_version(
	    c->app->cache, arena_printf(c->a, "imagier:v:follows:%lld", (long long)c->me->id));
	char *key = ver && uver ? arena_printf(c->a, "imagier:ids:following:%lld:%llu:%llu:%lld",
					       (long long)c->me->id, (unsigned long long)ver,
					       (unsigned long long)uver, (long long)f.before)
				: NULL;
	if (cached_ids(c, key, IDS_CACHE_TTL, &pg, load_following, &f))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = "Following";
	feed_tabs(c, "following");
	return feed_finish(c, &pg, id_cursor(c, pg.next_id), c->api ? "" : "/following");
}

static int show_top(struct ctx *c)
{
	struct feed_args f = {0};
	struct feed_page pg;
	const char *w = kv_get(&c->req->query, "window");
	if (!w || !*w)
		w = "week";
	if (!strcmp(w, "day"))
		f.window = 86400;
	else if (!strcmp(w, "week"))
		f.window = 7 * 86400;
	else if (!strcmp(w, "all"))
		f.window = 0;
	else
		return ctx_fail(c, 400, "bad_window", "The window is day, week or all.");
	f.name = !strcmp(w, "all") ? "of all time" : !strcmp(w, "day") ? "today" : "this week";
	/* Signed cursor "likes:id": a tampered one is refused. */
	const char *cur = kv_get(&c->req->query, "cursor");
	if (cur && *cur) {
		const char *payload = cursor_open(c, cur);
		long long likes, id;
		char extra;
		if (!payload || sscanf(payload, "top:%lld:%lld%c", &likes, &id, &extra) != 2 ||
		    likes < 0 || id <= 0)
			return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
		f.after_likes = likes;
		f.before = id;
	}
	char *key = arena_printf(c->a, "imagier:ids:top:%s:%lld:%lld", w, (long long)f.after_likes,
				 (long long)f.before);
	if (cached_ids(c, key, TOP_CACHE_TTL, &pg, load_top, &f))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	char *next =
	    pg.next_id
		? cursor_make(c, arena_printf(c->a, "top:%lld:%lld", (long long)pg.next_likes,
					      (long long)pg.next_id))
		: NULL;
	c->title = arena_printf(c->a, "Top %s", f.name);
	feed_tabs(c, "top");
	if (!c->api) {
		cJSON *d = ctx_data(c);
		cJSON *ws = cJSON_AddArrayToObject(d, "windows");
		static const char *const names[][2] = {
		    {"day", "Today"}, {"week", "This week"}, {"all", "All time"}};
		for (size_t i = 0; i < 3; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "value", names[i][0]);
			cJSON_AddStringToObject(o, "label", names[i][1]);
			cJSON_AddBoolToObject(o, "current", !strcmp(names[i][0], w));
			cJSON_AddItemToArray(ws, o);
		}
	}
	return feed_finish(c, &pg, next, c->api ? "" : arena_printf(c->a, "/top?window=%s", w));
}

int feed_show(struct ctx *c)
{
	const char *kind = kv_get(&c->req->query, "kind");
	if (!kind || !*kind || !strcmp(kind, "latest"))
		return show_latest(c);
	if (!strcmp(kind, "following"))
		return show_following(c);
	if (!strcmp(kind, "top"))
		return show_top(c);
	if (!strcmp(kind, "foryou"))
		return foryou_show(c);
	return ctx_fail(c, 400, "bad_kind",
			"Unknown feed kind; try latest, following, top or foryou.");
}

int feed_following_page(struct ctx *c)
{
	return show_following(c);
}

int feed_top_page(struct ctx *c)
{
	return show_top(c);
}

int tag_posts(struct ctx *c)
{
	struct feed_args f = {0};
	struct feed_page pg;
	int st;
	if ((st = tag_lookup(c, c->sparams[0], &f.id)) || (st = feed_id_cursor(c, &f.before)))
		return st;
	f.name = c->sparams[0];
	if (shared_ids(c, "tag", &f, load_tag, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api && tag_header(c, f.id, f.name))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = arena_printf(c->a, "#%s", f.name);
	return feed_finish(c, &pg, id_cursor(c, pg.next_id),
			   c->api ? "" : arena_printf(c->a, "/t/%s", url_encode(c->a, f.name)));
}

int user_posts(struct ctx *c)
{
	struct feed_args f = {0};
	struct feed_page pg;
	int st;
	if ((st = user_lookup(c, c->sparams[0], &f.id)) || (st = feed_id_cursor(c, &f.before)))
		return st;
	f.name = c->sparams[0];
	if (shared_ids(c, "user", &f, load_user, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api && (st = profile_header(c, f.id)))
		return st;
	return feed_finish(c, &pg, id_cursor(c, pg.next_id),
			   c->api ? "" : arena_printf(c->a, "/u/%s", url_encode(c->a, f.name)));
}
