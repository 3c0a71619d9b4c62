/* apin_social.c - remote people acting on local content (apin.h,
 * docs/FEDERATION.md "Likes, replies and the rest"): a Like of a local
 * post and its Undo, a reply (Create of a Note inReplyTo a local post or
 * comment, or a remote comment here) as a comment through the same checks
 * as a local one (lib/commentin.h), Update and Delete of such a comment,
 * Delete of the actor itself, Announce (not acted on). What is refused
 * (a block, the word filter, a rate limit, an activity by someone other
 * than the object's author) is logged and its inbox row marked ignored. */
#include "apin.h"
#include "apaccount.h"
#include "apin_social.h"
#include "apremote.h"
#include "apreply.h"
#include "commentin.h"
#include "db.h"
#include "feed.h"
#include "log.h"
#include "ratelimit.h"
#include "session.h"
#include "social.h"
#include "util.h"
#include "wordfilter.h"

#include <cjson/cJSON.h>
#include <string.h>

/* Set once at start-up (apin_social_setup), read-only afterwards. */
static struct apin_social_env *env;

void apin_social_setup(struct apin_social_env *e)
{
	env = e;
}

/* Mine, and not taken: logged, the row marked ignored. */
static int refuse(const struct apin *in, const char *why)
{
	log_info("apin: %s %.200s from %.200s refused: %s", in->act->type,
		 *in->act->id ? in->act->id : "(no id)", in->who->uri, why);
	return db_exec(in->db, in->a, NULL, "UPDATE ap_inbox SET state = 'ignored' WHERE id = ?",
		       "i", in->row) == DB_OK
		   ? 0
		   : 503;
}

/* who's users row (apaccount_user) and its age: 0 with *uid and
 * *created_at; 1 when refused (a defederated host; an account the
 * moderators banned or suspended acts here no more than a local one
 * would); or 503. */
static int account(const struct apin *in, int64_t *uid, int64_t *created_at)
{
	struct db_res r;
	int st = apaccount_user(in->db, in->a, in->who, uid);
	if (st == 403)
		return refuse(in, "their server is defederated") ? 503 : 1;
	if (st)
		return st;
	if (db_exec(in->db, in->a, &r,
		    "SELECT created_at, banned_at IS NOT NULL, IFNULL(suspended_until, 0) > ? FROM "
		    "users WHERE id = ?",
		    "ii", now_unix(), *uid) != DB_OK)
		return 503;
	if (!r.nrows || db_int(&r, 0, 1))
		return refuse(in, "their account here is banned") ? 503 : 1;
	if (db_int(&r, 0, 2))
		return refuse(in, "their account here is suspended") ? 503 : 1;
	*created_at = db_int(&r, 0, 0);
	return 0;
}

/* One event of a rate-limit class for uid (created_at: its account's), counted
 * as a local person's (the new-account rule too), by account only: their
 * server's address is not theirs. 0, or 429. */
static int limited(const struct apin *in, const char *klass, int64_t uid, int64_t created_at)
{
	struct ratelimit_who w = {.user_id = uid, .created_at = created_at, .no_address = 1};
	struct ratelimit_refusal no;
	return ratelimit_take(env->cache, in->db, in->a, env->cfg, klass, &w, &no) ? 429 : 0;
}

/* The check a local like or comment makes (social_write_check), without a
 * session. 0 or 503. */
static int write_check(const struct apin *in, int64_t uid, int64_t post_id, int64_t parent_id,
		       struct social_check *chk)
{
	struct session_limits lim;
	struct db_res r;
	memset(&lim, 0, sizeof(lim));
	if (social_write_check(in->db, in->a, uid, post_id, parent_id, NULL, &lim, chk))
		return 503;
	/* a remote post's likes and replies are its own server's: not taken
	 * here through our copy's URL */
	if (chk->post) {
		if (db_exec(in->db, in->a, &r, "SELECT remote FROM posts WHERE id = ?", "i",
			    post_id) != DB_OK)
			return 503;
		if (r.nrows && db_int(&r, 0, 0))
			chk->post = 0;
	}
	return 0;
}

/* The ap_objects row of uri of kind: 1 with *actor and *local, 0 when
 * none, -1 (database). */
static int object_find(const struct apin *in, const char *uri, const char *kind, int64_t *actor,
		       int64_t *local)
{
	struct db_res r;
	if (!uri || !*uri)
		return 0;
	if (db_exec(in->db, in->a, &r,
		    "SELECT actor_id, local_id FROM ap_objects WHERE uri = ? AND kind = ?", "ss",
		    uri, kind) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	*actor = db_int(&r, 0, 0);
	*local = db_int(&r, 0, 1);
	return 1;
}

static int object_add(const struct apin *in, const char *uri, const char *kind, int64_t local)
{
	if (!uri || !*uri)
		return 0;
	return db_exec(in->db, in->a, NULL,
		       "INSERT IGNORE INTO ap_objects (uri, actor_id, kind, local_id, created_at) "
		       "VALUES (?, ?, ?, ?, ?)",
		       "sisii", uri, in->who->id, kind, local, now_unix()) == DB_OK
		   ? 0
		   : 503;
}

static void post_changed(const struct apin *in, int64_t post_id)
{
	feed_post_forget(env->cache, in->a, post_id);
}

/* ---- Like ---------------------------------------------------------------- */

static int on_like(const struct apin *in)
{
	int64_t post_id, cid, uid, count, since;
	int changed, st;
	if (apreply_local(in->base, in->act->object_id, &post_id, &cid) || cid)
		return 404; /* not a post of ours (comments have no likes) */
	if ((st = account(in, &uid, &since)))
		return st == 1 ? 0 : st;
	struct social_check chk;
	if (write_check(in, uid, post_id, 0, &chk))
		return 503;
	if (!chk.post)
		return refuse(in, "no such post, or it is not shown");
	if (chk.blocker)
		return refuse(in, "the post's author and they block one another");
	if (!chk.liked && limited(in, "like", uid, since))
		return refuse(in, "rate limited (like)");
	st = social_like(in->db, in->a, uid, post_id, 1, &chk, &count, &changed);
	if (st == 404)
		return refuse(in, "no such post, or it is not shown");
	if (st || object_add(in, in->act->id, "like", post_id))
		return 503;
	if (changed)
		post_changed(in, post_id);
	log_info("apin: %s likes post %lld (%lld likes)", in->who->uri, (long long)post_id,
		 (long long)count);
	return 0;
}

/* Undo of a Like: by its id (ap_objects), or embedded (its object is the
 * post). Only the liker's own. */
static int on_undo_like(const struct apin *in)
{
	int64_t actor = 0, post_id = 0, cid, count;
	int changed;
	int found = object_find(in, in->act->object_id, "like", &actor, &post_id);
	if (found < 0)
		return 503;
	if (found && actor != in->who->id)
		return refuse(in, "the Like is someone else's");
	if (!found && (strcmp(in->act->object_type, "Like") ||
		       apreply_local(in->base, in->act->object_object, &post_id, &cid) || cid))
		return 404;
	if (!in->who->user_id)
		return refuse(in, "they like nothing here");
	if (social_like(in->db, in->a, in->who->user_id, post_id, 0, NULL, &count, &changed) ==
		503 ||
	    db_exec(in->db, in->a, NULL,
		    "DELETE FROM ap_objects WHERE kind = 'like' AND actor_id = ? AND local_id = ?",
		    "ii", in->who->id, post_id) != DB_OK)
		return 503;
	if (changed)
		post_changed(in, post_id);
	log_info("apin: %s no longer likes post %lld", in->who->uri, (long long)post_id);
	return 0;
}

/* ---- replies ------------------------------------------------------------- */

/* The post and comment a reply answers: a post or comment of ours by its
 * id, or a remote comment here by its Note's id. 0, 404 (none), 503. */
static int reply_target(const struct apin *in, const char *irt, int64_t *post_id,
			int64_t *comment_id)
{
	int64_t actor;
	struct db_res r;
	if (!apreply_local(in->base, irt, post_id, comment_id))
		return 0;
	int found = object_find(in, irt, "comment", &actor, comment_id);
	if (found <= 0)
		return found < 0 ? 503 : 404;
	if (db_exec(in->db, in->a, &r, "SELECT post_id FROM comments WHERE id = ?", "i",
		    *comment_id) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	*post_id = db_int(&r, 0, 0);
	return 0;
}

/* The Note's text as a comment's: plain, without the leading mentions of
 * the people it answers (the post's author, the comment's). */
static const char *reply_text(const struct apin *in, const struct ap_note *n,
			      const struct social_check *chk)
{
	struct db_res r;
	const char *s = apaccount_plain(in->a, n->content, 4 * COMMENT_MAX_CHARS + 4);
	if (db_read(in->db, in->a, &r, "SELECT username FROM users WHERE id IN (?, ?)", "ii",
		    chk->author, chk->parent_author) != DB_OK)
		return s;
	for (const char *prev = NULL; prev != s;) {
		prev = s;
		for (size_t i = 0; i < r.nrows; i++)
			s = apreply_unmention(s, db_str(&r, i, 0));
	}
	return s;
}

/* The Note of a Create or an Update, by its actor: 0, 404 (not a Note),
 * or refused (1). */
static int read_note(const struct apin *in, struct ap_note *n)
{
	const char *why;
	if (strcmp(in->act->object_type, "Note"))
		return 404;
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(in->json, "object");
	if (apreply_note(obj, n, &why))
		return 404;
	if (*n->attributed_to && strcmp(n->attributed_to, in->who->uri))
		return refuse(in, "the Note is not the actor's") ? 503 : 1;
	return 0;
}

static int on_create(const struct apin *in)
{
	struct ap_note n;
	int64_t post_id, parent_id, uid, id, created_at, actor, had, since;
	int held, st = read_note(in, &n);
	const char *clean, *code, *why;
	if (st)
		return st == 1 ? 0 : st;
	if (!n.in_reply_to || (st = reply_target(in, n.in_reply_to, &post_id, &parent_id)))
		return n.in_reply_to ? st : 404;
	int found = object_find(in, n.id, "comment", &actor, &had);
	if (found)
		return found < 0 ? 503 : 0; /* taken already */
	if (!n.is_public)
		return refuse(in, "the reply is not public (a comment here is)");
	if ((st = account(in, &uid, &since)))
		return st == 1 ? 0 : st;
	struct social_check chk;
	if (write_check(in, uid, post_id, parent_id, &chk))
		return 503;
	if (!chk.post || !chk.parent)
		return refuse(in, "no such post or comment, or it is not shown");
	if (chk.blocker)
		return refuse(in, "the author answered and they block one another");
	if (commentin_text(in->a, env->filter, reply_text(in, &n, &chk), &clean, &code, &why))
		return refuse(in, arena_printf(in->a, "%s: %s", code, why));
	if (limited(in, "comment", uid, since))
		return refuse(in, "rate limited (comment)");
	st = commentin_write(in->db, env->cache, env->cfg, in->a, uid, post_id, &chk, clean, &id,
			     &created_at, &held);
	if (st == 403 || st == 404)
		return refuse(in, "the post or the comment answered is gone, or blocked");
	if (st || object_add(in, n.id, "comment", id))
		return 503;
	post_changed(in, post_id);
	log_info("apin: %s commented on post %lld (comment %lld%s)", in->who->uri,
		 (long long)post_id, (long long)id, held ? ", held" : "");
	return 0;
}

/* A remote comment's Note again: its text replaced, through the same
 * checks (a text the word filter refuses leaves the old one). */
static int on_update(const struct apin *in)
{
	struct ap_note n;
	int64_t actor, cid, uid, since;
	const char *clean, *code, *why;
	struct db_res r;
	int st = read_note(in, &n);
	if (st)
		return st == 1 ? 0 : st;
	int found = object_find(in, n.id, "comment", &actor, &cid);
	if (found <= 0)
		return found < 0 ? 503 : 404;
	if (actor != in->who->id)
		return refuse(in, "the comment is someone else's");
	if ((st = account(in, &uid, &since)))
		return st == 1 ? 0 : st;
	if (db_exec(in->db, in->a, &r,
		    "SELECT c.post_id, p.user_id, IFNULL(pc.user_id, 0) FROM comments c JOIN "
		    "posts p ON p.id = c.post_id LEFT JOIN comments pc ON pc.id = c.parent_id "
		    "WHERE c.id = ? AND c.deleted = 0",
		    "i", cid) != DB_OK)
		return 503;
	if (!r.nrows)
		return refuse(in, "the comment was deleted");
	struct social_check chk = {.author = db_int(&r, 0, 1), .parent_author = db_int(&r, 0, 2)};
	int64_t post_id = db_int(&r, 0, 0);
	if (commentin_text(in->a, env->filter, reply_text(in, &n, &chk), &clean, &code, &why))
		return refuse(in, arena_printf(in->a, "%s: %s", code, why));
	if (db_exec(in->db, in->a, NULL,
		    "UPDATE comments SET text = ? WHERE id = ? AND deleted = 0", "si", clean,
		    cid) != DB_OK)
		return 503;
	int held = commentin_classify(in->db, env->cache, env->cfg, in->a, cid, clean);
	post_changed(in, post_id);
	log_info("apin: %s edited comment %lld%s", in->who->uri, (long long)cid,
		 held ? " (held)" : "");
	return 0;
}

/* ---- Delete -------------------------------------------------------------- */

/* The actor is gone: their comments and likes here go as their own
 * deletes would take them, the follows of them from here end, and their
 * account is banned (kept, so that
 * its name is never given to another; a banned person's posts are shown
 * nowhere). */
static int actor_gone(const struct apin *in)
{
	struct db_res r;
	int64_t uid = in->who->user_id, post_id, count;
	int changed;
	if (!uid)
		return 404; /* nothing of theirs here */
	if (db_exec(in->db, in->a, &r, "SELECT id FROM comments WHERE user_id = ? AND deleted = 0",
		    "i", uid) != DB_OK)
		return 503;
	for (size_t i = 0; i < r.nrows; i++) {
		int st = social_comment_delete(in->db, in->a, uid, db_int(&r, i, 0), &post_id);
		if (st == 503)
			return 503;
		if (!st)
			post_changed(in, post_id);
	}
	if (db_exec(in->db, in->a, &r, "SELECT post_id FROM likes WHERE user_id = ?", "i", uid) !=
	    DB_OK)
		return 503;
	for (size_t i = 0; i < r.nrows; i++) {
		post_id = db_int(&r, i, 0);
		if (social_like(in->db, in->a, uid, post_id, 0, NULL, &count, &changed) == 503)
			return 503;
		if (changed)
			post_changed(in, post_id);
	}
	/* people here who followed them no longer do (counts kept right) */
	if (db_exec(in->db, in->a, &r, "SELECT follower_id FROM follows WHERE followee_id = ?", "i",
		    uid) != DB_OK)
		return 503;
	for (size_t i = 0; i < r.nrows; i++)
		if (social_follow_user(in->db, in->a, db_int(&r, i, 0), uid, 0, &changed) == 503)
			return 503;
	if (db_exec(in->db, in->a, NULL, "DELETE FROM ap_follows_out WHERE actor_id = ?", "i",
		    in->who->id) != DB_OK ||
	    db_exec(in->db, in->a, NULL,
		    "UPDATE users SET banned_at = ? WHERE id = ? AND domain <> '' AND banned_at "
		    "IS NULL",
		    "ii", now_unix(), uid) != DB_OK ||
	    db_exec(in->db, in->a, NULL,
		    "DELETE FROM ap_objects WHERE actor_id = ? AND kind IN ('comment', 'like')",
		    "i", in->who->id) != DB_OK)
		return 503;
	log_info("apin: %s deleted their account: their comments and likes are gone, the "
		 "account is banned",
		 in->who->uri);
	return 0;
}

static int on_delete(const struct apin *in)
{
	int64_t actor, cid, post_id;
	if (!strcmp(in->act->object_id, in->who->uri))
		return actor_gone(in);
	int found = object_find(in, in->act->object_id, "comment", &actor, &cid);
	if (found <= 0)
		return found < 0 ? 503 : 404;
	if (actor != in->who->id || !in->who->user_id)
		return refuse(in, "the comment is someone else's");
	int st = social_comment_delete(in->db, in->a, in->who->user_id, cid, &post_id);
	if (st == 403)
		return refuse(in, "the comment is someone else's");
	if (st == 503)
		return 503;
	if (db_exec(in->db, in->a, NULL,
		    "DELETE FROM ap_objects WHERE uri = ? AND kind = 'comment'", "s",
		    in->act->object_id) != DB_OK)
		return 503;
	if (!st)
		post_changed(in, post_id);
	log_info("apin: %s deleted comment %lld", in->who->uri, (long long)cid);
	return 0;
}

/* ---- Announce ------------------------------------------------------------ */

/* imagier has no boosts: an Announce of a post of ours is not shown nor
 * counted (docs/FEDERATION.md says why). */
static int on_announce(const struct apin *in)
{
	int64_t post_id, cid;
	if (apreply_local(in->base, in->act->object_id, &post_id, &cid))
		return 404;
	return refuse(in, "imagier has no boosts");
}

int apin_social(const struct apin *in)
{
	const char *t = in->act->type;
	if (!env)
		return 404;
	if (wordfilter_refresh(in->db, env->cache, in->a, &env->keep, &env->filter,
			       &env->filter_version, &env->filter_loaded_at) &&
	    (!strcmp(t, "Create") || !strcmp(t, "Update")))
		return 503; /* no word filter yet: try again */
	if (!strcmp(t, "Like"))
		return on_like(in);
	if (!strcmp(t, "Undo"))
		return on_undo_like(in);
	if (!strcmp(t, "Create"))
		return on_create(in);
	if (!strcmp(t, "Update"))
		return on_update(in);
	if (!strcmp(t, "Delete"))
		return on_delete(in);
	if (!strcmp(t, "Announce"))
		return on_announce(in);
	return 404;
}
