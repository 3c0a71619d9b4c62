/* social.c - likes, comments and follows: pages (forms) and API. */
#include "apfollow.h"
#include "app.h"
#include "followreq.h"
#include "cachekey.h"
#include "cache.h"
#include "commentin.h"
#include "db.h"
#include "feedview.h"
#include "foryou_pre.h"
#include "moderation.h"
#include "myfilters.h"
#include "post.h"
#include "profile.h"
#include "social.h"
#include "syndicate.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* HTML forms come back to where they were sent from (a same-site path). */
static const char *back_to(struct ctx *c, const char *fallback)
{
	const char *next = ctx_local_path(kv_get(&c->req->form, "next"));
	return next ? next : fallback;
}

static int like_set(struct ctx *c, int on)
{
	int64_t count;
	int changed, st;
	struct social_check chk;
	if ((st = post_write_check(c, c->params[0], 0, on, &chk)))
		return st;
	/* a remote post's like is sent to its author: the Undo names the Like */
	int64_t stamp = on ? 0 : apfollow_like_stamp(c->app->db, c->a, c->me->id, c->params[0]);
	st = social_like(c->app->db, c->a, c->me->id, c->params[0], on, &chk, &count, &changed);
	if (!st && changed && (on || stamp > 0))
		apfollow_like(c->app->db, c->a, site_origin(c), c->me->id, c->params[0], on, stamp);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (changed) /* the cached post carries like_count */
		feed_post_changed(c, c->params[0]);
	cJSON *d = ctx_data(c);
	cJSON_AddNumberToObject(d, "post_id", (double)c->params[0]);
	cJSON_AddNumberToObject(d, "like_count", (double)count);
	cJSON_AddBoolToObject(d, "liked_by_me", on);
	cJSON_AddBoolToObject(d, "changed", changed);
	return ctx_done(c, 200, back_to(c, arena_printf(c->a, "/p/%lld", (long long)c->params[0])));
}

int like_put(struct ctx *c)
{
	return like_set(c, 1);
}

int like_delete(struct ctx *c)
{
	return like_set(c, 0);
}

/* The page's form: one endpoint, like=1 or like=0. */
int like_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "like");
	return like_set(c, !v || strcmp(v, "0"));
}

int comments_list(struct ctx *c)
{
	const char *cur = kv_get(&c->req->query, "cursor");
	uint64_t after = 0;
	if (cur && *cur && str_to_u64(cur, INT64_MAX, &after))
		return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
	/* The comments of a post are seen by whoever may see the post. */
	int st = post_visible_to(c->app->db, c->a, c->app->cfg.media_url, c->params[0],
				 c->me ? c->me->id : 0, ctx_is_mod(c));
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (st == 410)
		return ctx_fail(c, 410, "removed", "This post was removed by the moderators.");
	if (st)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	int64_t next;
	cJSON *items = social_comments(c->app->db, c->a, c->params[0], (int64_t)after, COMMENT_PAGE,
				       c->me ? c->me->id : 0, &next);
	if (!items)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON_AddItemToObject(d, "items", items);
	if (next)
		cJSON_AddStringToObject(d, "next", arena_printf(c->a, "%lld", (long long)next));
	else
		cJSON_AddNullToObject(d, "next");
	return 200;
}

int comment_create(struct ctx *c)
{
	const char *clean, *code, *why;
	uint64_t parent = 0;
	/* The same text check and write as a reply from another server
	 * (lib/commentin.h). */
	if (commentin_text(c->a, word_filter(c), ctx_param(c, "text"), &clean, &code, &why))
		return ctx_fail(c, 400, code, why);
	if (ctx_param_u64(c, "parent_id", INT64_MAX, &parent) < 0)
		return ctx_fail(c, 400, "bad_parent", "parent_id must be a comment id.");
	int64_t id, created_at;
	int held;
	struct social_check chk;
	int st = post_write_check(c, c->params[0], (int64_t)parent, 1, &chk);
	if (st)
		return st;
	st = commentin_write(c->app->db, c->app->cache, &c->app->cfg, c->a, c->me->id, c->params[0],
			     &chk, clean, &id, &created_at, &held);
	if (st == 404)
		return ctx_fail(c, 404, "not_found",
				parent ? "There is no such comment on this post."
				       : "There is no such post.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save the comment; try again.");
	feed_post_changed(c, c->params[0]); /* comment_count moved */
	if (!held) /* a comment on a remote post is a reply sent to its author */
		apfollow_comment(c->app->db, c->a, site_origin(c), c->me->id, c->params[0], id,
				 (int64_t)parent, clean, created_at);
	if (c->api) {
		cJSON *cm =
		    social_comment_new_json(c->a, id, c->params[0], chk.parent_root, c->me->id,
					    c->me->username, clean, created_at, held);
		cJSON_AddItemToObject(ctx_data(c), "comment", cm);
		cJSON_AddBoolToObject(ctx_data(c), "held", held);
	}
	return ctx_done(
	    c, 201,
	    arena_printf(c->a, "/p/%lld#comment-%lld", (long long)c->params[0], (long long)id));
}

int comment_delete(struct ctx *c)
{
	int64_t post_id = 0;
	int st = social_comment_delete(c->app->db, c->a, c->me->id, c->params[0], &post_id);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such comment.");
	if (st == 403 && ctx_is_mod(c))
		return ctx_fail(c, 403, "moderation_action",
				"Only its author deletes a comment: remove it as a moderation "
				"action, with a reason (POST /api/v1/admin/actions).");
	if (st == 403)
		return ctx_fail(c, 403, "forbidden", "You can delete only your own comments.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not delete; try again.");
	feed_post_changed(c, post_id); /* comment_count moved */
	apfollow_comment_deleted(c->app->db, c->a, site_origin(c), c->me->id, post_id,
				 c->params[0]);
	if (c->api) {
		cJSON_AddTrueToObject(ctx_data(c), "deleted");
		cJSON_AddNumberToObject(ctx_data(c), "post_id", (double)post_id);
	}
	return ctx_done(c, 200, arena_printf(c->a, "/p/%lld#comments", (long long)post_id));
}

/* The person's "following" feed is cached under a version of their follows:
 * a new follow or unfollow must show at once (in "for you" too). */
static void follows_changed(struct ctx *c)
{
	cache_bump(c->app->cache, cachekey_follows_version(c->a, c->me->id));
	/* ... and their "for you" candidates are gathered again before use */
	foryou_pre_changed(c->app->db, c->a, c->me->id);
	cache_bump(c->app->cache, cachekey_foryou_version(c->a, c->me->id));
}

/* A follow of a person here who locked their account, not followed yet:
 * a request for them to approve (lib/followreq.h), *requested 1. 0, or
 * the status of ctx_fail. */
static int locked_follow(struct ctx *c, int64_t id, int *requested)
{
	struct db *db = c->app->db;
	int locked = id == c->me->id ? 0 : followreq_locked(db, c->a, id);
	*requested = 0;
	if (locked < 0)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (!locked)
		return 0;
	int following = social_follows(db, c->a, c->me->id, id), created;
	if (following < 0)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (following)
		return 0;
	if (followreq_add_local(db, c->a, id, c->me->id, &created))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	*requested = 1;
	return 0;
}

static int follow_user_set(struct ctx *c, int on)
{
	int64_t id;
	int st, changed = 0, requested = 0;
	if ((st = person_lookup(c, c->sparams[0], &id)) || (on && (st = block_check(c, id))))
		return st;
	int remote = apfollow_is_remote(c->app->db, c->a, id);
	if (remote < 0)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (remote) {
		/* A Follow is sent; the follow is made when they accept. */
		st = apfollow_set(c->app->db, c->a, site_origin(c), c->me->id, id, on, &changed);
		if (st == 403)
			return ctx_fail(c, 403, "defederated",
					"This site does not federate with that server.");
	} else if (on && (st = locked_follow(c, id, &requested))) {
		return st;
	} else if (!requested) {
		st = social_follow_user(c->app->db, c->a, c->me->id, id, on, &changed);
		int withdrawn = 0;
		if (!st && !on &&
		    followreq_cancel_local(c->app->db, c->a, c->me->id, id, &withdrawn))
			st = 503;
		changed = changed || withdrawn;
	}
	if (st == 400)
		return ctx_fail(c, 400, "self_follow", "You cannot follow yourself.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (changed && !requested)
		follows_changed(c);
	const char *state = remote	? apfollow_state(c->app->db, c->a, c->me->id, id)
			    : requested ? "requested"
					: NULL;
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "username", c->sparams[0]);
	cJSON_AddBoolToObject(d, "following", state ? !strcmp(state, "following") : on);
	if (remote || requested)
		cJSON_AddBoolToObject(d, "requested", state && !strcmp(state, "requested"));
	cJSON_AddBoolToObject(d, "changed", changed);
	return ctx_done(c, 200,
			back_to(c, arena_printf(c->a, "/u/%s", url_encode(c->a, c->sparams[0]))));
}

/* GET /api/v1/lookup?acct=bob@host: the person, looked up on their server
 * when not known here (person_lookup), as the profile shows them. */
int person_lookup_show(struct ctx *c)
{
	const char *acct = kv_get(&c->req->query, "acct");
	int64_t id;
	int st;
	if (!acct || !*acct)
		return ctx_fail(c, 400, "missing_acct", "Name someone: ?acct=name@host.");
	if (strlen(acct) > 600)
		return ctx_fail(c, 400, "bad_handle",
				"Write a person of another server as name@host.");
	if (*acct == '@')
		acct++;
	if (!strncmp(acct, "acct:", 5))
		acct += 5;
	if ((st = person_lookup(c, acct, &id)))
		return st;
	cJSON *u = profile_user_json(c->app->db, c->a, c->app->cfg.media_url, c->me->id, id, &st);
	if (!u)
		return ctx_fail(c, st == 404 ? 404 : 503, st == 404 ? "not_found" : "unavailable",
				st == 404 ? "There is nobody by that name."
					  : "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	return 200;
}

int follow_user_put(struct ctx *c)
{
	return follow_user_set(c, 1);
}

int follow_user_delete(struct ctx *c)
{
	return follow_user_set(c, 0);
}

int follow_user_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "follow");
	return follow_user_set(c, !v || strcmp(v, "0"));
}

static int follow_tag_set(struct ctx *c, int on)
{
	int64_t id;
	int st, changed;
	if ((st = tag_lookup(c, c->sparams[0], &id)))
		return st;
	if (social_follow_tag(c->app->db, c->a, c->me->id, id, on, &changed))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (changed)
		follows_changed(c);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "tag", c->sparams[0]);
	cJSON_AddBoolToObject(d, "following", on);
	cJSON_AddBoolToObject(d, "changed", changed);
	return ctx_done(c, 200,
			back_to(c, arena_printf(c->a, "/t/%s", url_encode(c->a, c->sparams[0]))));
}

int follow_tag_put(struct ctx *c)
{
	return follow_tag_set(c, 1);
}

int follow_tag_delete(struct ctx *c)
{
	return follow_tag_set(c, 0);
}

int follow_tag_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "follow");
	return follow_tag_set(c, !v || strcmp(v, "0"));
}

static int mute_user_set(struct ctx *c, int on)
{
	int64_t id;
	int st, changed;
	if ((st = user_lookup(c, c->sparams[0], &id)))
		return st;
	st = social_mute(c->app->db, c->a, c->me->id, id, on, &changed);
	if (st == 400)
		return ctx_fail(c, 400, "self_mute", "You cannot mute yourself.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "username", c->sparams[0]);
	cJSON_AddBoolToObject(d, "muted", on);
	cJSON_AddBoolToObject(d, "changed", changed);
	cache_delete(c->app->cache, social_unread_key(c->a, c->me->id));
	myfilters_changed(c, c->me->id);
	cache_bump(c->app->cache, cachekey_foryou_version(c->a, c->me->id));
	return ctx_done(c, 200,
			back_to(c, arena_printf(c->a, "/u/%s", url_encode(c->a, c->sparams[0]))));
}

int mute_user_put(struct ctx *c)
{
	return mute_user_set(c, 1);
}

int mute_user_delete(struct ctx *c)
{
	return mute_user_set(c, 0);
}

int mute_user_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "mute");
	return mute_user_set(c, !v || strcmp(v, "0"));
}
