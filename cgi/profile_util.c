/* profile_util.c - people and tags as several pages show them (a helper: it
 * uses no handler): name lookups, the profile and tag headers above their
 * posts, and the viewer's unread count in the page header. The data comes
 * from lib/profile.h and lib/social.h. */
#include "apfollow.h"
#include "app.h"
#include "cache.h"
#include "feedview.h"
#include "profile.h"
#include "social.h"
#include "syndicate.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A lookup's status as the page's: 404 saying what is missing, or 503. */
static int lookup_status(struct ctx *c, int st, const char *missing)
{
	if (st == 404)
		return ctx_fail(c, 404, "not_found", missing);
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return 0;
}

int user_lookup(struct ctx *c, const char *name, int64_t *id)
{
	return lookup_status(c, profile_user_id(c->app->db, c->a, name, id),
			     "There is nobody by that name.");
}

int person_lookup(struct ctx *c, const char *name, int64_t *id)
{
	int st = profile_user_id(c->app->db, c->a, name, id);
	if (st == 404 && c->me && strchr(name, '@')) {
		const char *why;
		/* asking another server counts as a follow (the search box's and
		 * Mastodon's lookups have no class of their own) */
		if ((!c->route->limit || strcmp(c->route->limit, "follow")) &&
		    (st = ratelimit_check(c, "follow")))
			return st;
		st = apfollow_resolve(c->app->db, c->a, site_origin(c), name, id, &why);
		if (st == 400)
			return ctx_fail(c, 400, "bad_handle",
					"Write a person of another server as name@host.");
		if (st == 403)
			return ctx_fail(c, 403, "defederated",
					"This site does not federate with that server.");
		if (st == 404)
			return ctx_fail(
			    c, 404, "not_found",
			    *why ? arena_printf(c->a, "Nobody found as %s (%s).", name, why)
				 : "There is nobody by that name.");
	}
	return lookup_status(c, st, "There is nobody by that name.");
}

int tag_lookup(struct ctx *c, const char *name, int64_t *id)
{
	return lookup_status(c, profile_tag_id(c->app->db, c->a, name, id),
			     "No post carries that tag yet.");
}

int profile_header(struct ctx *c, int64_t user_id)
{
	int st;
	cJSON *u = profile_user_json(c->app->db, c->a, c->app->cfg.media_url, c->me ? c->me->id : 0,
				     user_id, &st);
	if (!u)
		return st == 404
			   ? ctx_fail(c, 404, "not_found", "There is nobody by that name.")
			   : ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	c->title = arena_printf(c->a, "@%s", cJSON_GetObjectItem(u, "username")->valuestring);
	if (!cJSON_GetObjectItem(u, "remote")) /* no feeds of others' posts */
		syndicate_feed_links(c, 'u', cJSON_GetObjectItem(u, "username")->valuestring);
	return 0;
}

int tag_header(struct ctx *c, int64_t tag_id, const char *name)
{
	cJSON *t = profile_tag_json(c->app->db, c->a, tag_id, name);
	if (!t)
		return -1;
	cJSON_AddItemToObject(ctx_data(c), "tag", t);
	syndicate_feed_links(c, 't', name);
	if (c->me) {
		int followed = profile_tag_followed(c->app->db, c->a, c->me->id, tag_id);
		if (followed < 0)
			return -1;
		cJSON_AddBoolToObject(t, "followed_by_me", followed);
	}
	return 0;
}

int64_t unread_count(struct ctx *c)
{
	char *hit;
	size_t len;
	if (c->unread_known) /* read already (the page cache's multi-get) */
		return c->unread;
	const char *key = social_unread_key(c->a, c->me->id);
	if (cache_get(c->app->cache, c->a, key, &hit, &len) == 0)
		return strtoll(hit, NULL, 10);
	int64_t n = social_unread(c->app->db, c->a, c->me->id);
	if (n >= 0) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		cache_set(c->app->cache, key, buf, strlen(buf), 15);
	}
	return n;
}
