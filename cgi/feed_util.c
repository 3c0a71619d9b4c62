/* feed_util.c - what the feed pages share (a helper: it uses no handler):
 * rendering a page of ids into posts, cursors, the tabs, and the for-you
 * page that both /foryou and /api/v1/feed?kind=foryou show. The ids and
 * the cached posts come from lib/feed.h and lib/foryou.h. */
#include "app.h"
#include "auth.h"
#include "feed.h"
#include "feedview.h"
#include "foryou.h"
#include "myfilters.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

void feed_post_changed(struct ctx *c, int64_t post_id)
{
	feed_post_forget(c->app->cache, c->a, post_id);
}

int feed_render_items(struct ctx *c, const struct feed_page *pg, cJSON *items)
{
	int64_t *ids = arena_alloc(c->a, (pg->n + 1) * sizeof(*ids));
	cJSON **posts = arena_alloc(c->a, (pg->n + 1) * sizeof(*posts));
	int *liked = arena_alloc(c->a, (pg->n + 1) * sizeof(*liked));
	for (size_t i = 0; i < pg->n; i++)
		ids[i] = pg->items[i].id;
	/* What the viewer liked comes with the posts (its key is theirs, their
	 * version's and these ids'), else from MariaDB. It is extra: without
	 * the database a cached page is still served, only without
	 * liked_by_me. */
	struct feed_also also = {
	    .key = c->me ? social_liked_key(c->app->cache, c->a, c->me->id, ids, pg->n) : NULL};
	if (feed_hydrate(c->app->db, c->app->cache, c->a, c->app->cfg.media_url, ids, pg->n, posts,
			 &also))
		return -1;
	int mine = c->me && !social_liked_cached(c->app->db, c->app->cache, c->a, c->me->id, ids,
						 pg->n, also.key, also.val, also.len, liked);
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

void feed_next(struct ctx *c, const char *next, const char *base)
{
	cJSON *d = ctx_data(c);
	if (next)
		cJSON_AddStringToObject(d, "next", next);
	else
		cJSON_AddNullToObject(d, "next");
	if (!c->api && next)
		cJSON_AddStringToObject(d, "more_url",
					arena_printf(c->a, "%s%scursor=%s", base,
						     strchr(base, '?') ? "&" : "?",
						     url_encode(c->a, next)));
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

void feed_tabs(struct ctx *c, const char *current)
{
	if (c->api)
		return;
	static const char *const tabs[][3] = {
	    {"latest", "Latest", "/"},
	    {"foryou", "For you", "/foryou"},
	    {"following", "Following", "/following"},
	    {"top", "Top", "/top"},
	};
	cJSON *arr = cJSON_AddArrayToObject(ctx_data(c), "tabs");
	for (size_t i = 0; i < ARRAY_LEN(tabs); i++) {
		if (!c->me && (!strcmp(tabs[i][0], "foryou") || !strcmp(tabs[i][0], "following")))
			continue;
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "label", tabs[i][1]);
		cJSON_AddStringToObject(t, "url", tabs[i][2]);
		cJSON_AddBoolToObject(t, "current", !strcmp(tabs[i][0], current));
		cJSON_AddItemToArray(arr, t);
	}
	cJSON_AddStringToObject(ctx_data(c), "feed_kind", current);
}

/* base64url(payload) "." first 16 chars of MAC(secret, payload) */
char *cursor_make(struct ctx *c, const char *payload)
{
	size_t n = strlen(payload);
	size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *b64 = arena_alloc(c->a, b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)payload, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char mac[AUTH_TOKEN_LEN + 1];
	auth_mac(c->app->cfg.site_secret, payload, mac);
	mac[16] = '\0';
	return arena_printf(c->a, "%s.%s", b64, mac);
}

const char *cursor_open(struct ctx *c, const char *cursor)
{
	const char *dot = strchr(cursor, '.');
	size_t blen = dot ? (size_t)(dot - cursor) : 0;
	if (!dot || blen == 0 || blen > 400 || strlen(dot + 1) != 16)
		return NULL;
	unsigned char *bin = arena_alloc(c->a, blen + 1);
	size_t n = 0;
	if (sodium_base642bin(bin, blen, cursor, blen, NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return NULL;
	bin[n] = '\0';
	if (memchr(bin, '\0', n))
		return NULL;
	char mac[AUTH_TOKEN_LEN + 1];
	auth_mac(c->app->cfg.site_secret, (const char *)bin, mac);
	mac[16] = '\0';
	return auth_str_equal(mac, dot + 1) ? (const char *)bin : NULL;
}

int foryou_show(struct ctx *c)
{
	if (!c->me)
		return ctx_fail(c, 401, "unauthorized", "Log in for a feed made for you.");
	/* Cursor "fy:PAGE:SEED", signed. A fresh visit gets a new seed every
	 * ten minutes, so reloading shows the same page for a while. */
	uint64_t seed = foryou_seed(c->me->id, now_unix());
	long long page = 0;
	const char *cur = kv_get(&c->req->query, "cursor");
	if (cur && *cur) {
		const char *payload = cursor_open(c, cur);
		unsigned long long s;
		char extra;
		if (!payload || sscanf(payload, "fy:%lld:%llu%c", &page, &s, &extra) != 2 ||
		    page < 1 || page > 1000)
			return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
		seed = s;
	}
	struct feed_page pg = {0};
	if (foryou_ids(c->app->db, c->app->cache, c->a, &c->app->cfg, c->me->id, seed, page, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON *items = cJSON_AddArrayToObject(d, "items");
	if (feed_render_items(c, &pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	char *next = pg.n ? cursor_make(c, arena_printf(c->a, "fy:%lld:%llu", page + 1,
							(unsigned long long)seed))
			  : NULL;
	feed_next(c, next, "/foryou");
	if (!c->api) {
		cJSON_AddBoolToObject(d, "empty", pg.n == 0);
		cJSON_AddBoolToObject(d, "first_page", page == 0);
		cJSON_AddBoolToObject(d, "show_less", 1);
		feed_tabs(c, "foryou");
		c->title = "For you";
	}
	return 200;
}
