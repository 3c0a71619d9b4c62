/* moderator.c - actions on posts, comments, people and appeals, and role
 * changes (see moderator.h). */
#include "moderator.h"

#include "audit.h"
#include "cache.h"
#include "cachekey.h"
#include "classifier.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "imghash.h"
#include "log.h"
#include "session.h"
#include "social.h"
#include "util.h"
#include "withhold.h"

#include <stdlib.h>
#include <string.h>

static const struct mod_kind kinds[] = {
    {"dismiss", MOD_ON_CONTENT | MOD_ON_USER, 0},
    {"hide", MOD_ON_CONTENT, 1},
    {"remove", MOD_ON_CONTENT, 1},
    {"restore", MOD_ON_CONTENT, 1},
    {"label", MOD_ON_POST_ONLY, 1},
    {"warn", MOD_ON_CONTENT | MOD_ON_USER, 1},
    {"suspend", MOD_ON_CONTENT | MOD_ON_USER, 1},
    {"unsuspend", MOD_ON_CONTENT | MOD_ON_USER, 1},
    {"ban", MOD_ON_CONTENT | MOD_ON_USER, 1},
    {"unban", MOD_ON_CONTENT | MOD_ON_USER, 1},
    {"uphold", MOD_ON_APPEAL, 1},
    {"overturn", MOD_ON_APPEAL, 1},
};

const struct mod_kind *mod_kind_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

int mod_target_type_ok(const char *t)
{
	return t && (!strcmp(t, "post") || !strcmp(t, "comment") || !strcmp(t, "user") ||
		     !strcmp(t, "appeal"));
}

int mod_role_known(const char *role)
{
	return role &&
	       (!strcmp(role, "user") || !strcmp(role, "moderator") || !strcmp(role, "admin"));
}

int64_t mod_parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || n > MOD_SUSPEND_MAX)
		return -1;
	long long unit = 1;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end == 'w')
		unit = 7 * 86400;
	else if (*end)
		return -1;
	if (*end && end[1])
		return -1;
	if (n > MOD_SUSPEND_MAX / unit || n * unit < MOD_SUSPEND_MIN)
		return -1;
	return n * unit;
}

/* The status of a lookup: 0 (a row), 404 (none), 503 (the database). */
static int found(int rc, const struct db_res *r)
{
	return rc != DB_OK ? 503 : r->nrows ? 0 : 404;
}

/* Find the person a target is about (and lock the content row). 0, 404, 503. */
static int find_subject(struct db *db, struct arena *a, struct mod_decision *d)
{
	struct db_res r;
	int rc;
	if (!strcmp(d->type, "post")) {
		rc = db_exec(db, a, &r,
			     "SELECT p.user_id, u.username, u.role, p.content_warning, p.mod_state "
			     "FROM posts p "
			     "JOIN users u ON u.id = p.user_id WHERE p.id = ? FOR UPDATE",
			     "i", d->id);
		d->post_id = d->id;
	} else if (!strcmp(d->type, "comment")) {
		rc = db_exec(
		    db, a, &r,
		    "SELECT c.user_id, u.username, u.role, c.post_id FROM comments c JOIN "
		    "users u ON u.id = c.user_id WHERE c.id = ? AND c.deleted = 0 FOR UPDATE",
		    "i", d->id);
		d->comment_id = d->id;
	} else if (!strcmp(d->type, "user")) {
		rc = db_exec(db, a, &r,
			     "SELECT id, username, role FROM users WHERE id = ? FOR UPDATE", "i",
			     d->id);
	} else {
		rc = db_exec(
		    db, a, &r,
		    "SELECT a.user_id, u.username, u.role, m.id, m.action, m.target_type, "
		    "m.target_id, m.detail FROM appeals a JOIN users u ON u.id = a.user_id JOIN "
		    "mod_actions m ON m.id = a.action_id WHERE a.id = ? AND a.decided_at "
		    "IS NULL FOR UPDATE",
		    "i", d->id);
	}
	if ((rc = found(rc, &r)))
		return rc;
	d->subject = db_int(&r, 0, 0);
	d->subject_name = db_str(&r, 0, 1);
	d->subject_role = db_str(&r, 0, 2);
	if (!strcmp(d->type, "comment"))
		d->post_id = db_int(&r, 0, 3);
	if (!strcmp(d->type, "post")) {
		d->prev_cw = db_str(&r, 0, 3);
		d->prev_state = db_str(&r, 0, 4);
	}
	if (!strcmp(d->type, "appeal")) {
		d->appeal_action = db_int(&r, 0, 3);
		d->appeal_kind = db_str(&r, 0, 4);
		d->appeal_type = db_str(&r, 0, 5);
		d->appeal_target = db_int(&r, 0, 6);
		d->appeal_detail = db_str(&r, 0, 7);
		if (!strcmp(d->appeal_type, "post"))
			d->post_id = d->appeal_target;
	}
	return 0;
}

static int set_state(struct db *db, struct arena *a, const char *type, int64_t id,
		     const char *state)
{
	const char *sql = !strcmp(type, "post") ? "UPDATE posts SET mod_state = ? WHERE id = ?"
						: "UPDATE comments SET mod_state = ? WHERE id = ?";
	return db_exec(db, a, NULL, sql, "si", state, id) == DB_OK ? 0 : -1;
}

static int set_user(struct db *db, struct arena *a, const char *assignment, int64_t user,
		    int64_t value)
{
	char *sql = arena_printf(a, "UPDATE users SET %s WHERE id = ?", assignment);
	if (value >= 0)
		return db_exec(db, a, NULL, sql, "ii", value, user) == DB_OK ? 0 : -1;
	return db_exec(db, a, NULL, sql, "i", user) == DB_OK ? 0 : -1;
}

/* The content warning a label replaced, from its audit detail "content
 * warning: NEW (before: OLD)" ("" when there was none). */
static const char *label_before(struct arena *a, const char *detail)
{
	const char *b = detail ? strstr(detail, " (before: ") : NULL;
	if (!b)
		return "";
	b += 10;
	size_t n = strlen(b);
	return arena_strndup(a, b, n && b[n - 1] == ')' ? n - 1 : n);
}

/* The change an action (or the reversal of one, for an overturned appeal:
 * d NULL, undo_detail the appealed action's detail) makes to its target or
 * person. 0 or -1. */
static int apply(struct db *db, struct arena *a, const char *action, const char *type, int64_t id,
		 int64_t subject, const struct mod_decision *d, const char *undo_detail,
		 int64_t *until)
{
	int64_t now = now_unix();
	if (!strcmp(action, "hide"))
		return set_state(db, a, type, id, "hidden");
	if (!strcmp(action, "remove"))
		return set_state(db, a, type, id, "removed");
	if (!strcmp(action, "restore"))
		return set_state(db, a, type, id, "visible");
	if (!strcmp(action, "dismiss")) { /* a held post the filter got wrong goes out */
		if (!strcmp(type, "user"))
			return 0;
		const char *sql =
		    !strcmp(type, "post")
			? "UPDATE posts SET mod_state = 'visible' WHERE id = ? AND "
			  "mod_state = 'held'"
			: "UPDATE comments SET mod_state = 'visible' WHERE id = ? AND "
			  "mod_state = 'held'";
		return db_exec(db, a, NULL, sql, "i", id) == DB_OK ? 0 : -1;
	}
	if (!strcmp(action, "label"))
		return db_exec(db, a, NULL, "UPDATE posts SET content_warning = ? WHERE id = ?",
			       "si", d ? d->label : label_before(a, undo_detail), id) == DB_OK
			   ? 0
			   : -1;
	if (!strcmp(action, "warn"))
		return set_user(db, a, "warnings = warnings + 1", subject, -1);
	if (!strcmp(action, "unwarn"))
		return set_user(db, a, "warnings = GREATEST(warnings, 1) - 1", subject, -1);
	if (!strcmp(action, "suspend")) {
		*until = now + (d ? d->duration : 0);
		return set_user(db, a, "suspended_until = ?", subject, *until);
	}
	if (!strcmp(action, "unsuspend"))
		return set_user(db, a, "suspended_until = NULL", subject, -1);
	if (!strcmp(action, "ban")) /* sessions: see after_commit() */
		return set_user(db, a, "banned_at = ?", subject, now);
	if (!strcmp(action, "unban"))
		return set_user(db, a, "banned_at = NULL", subject, -1);
	return -1;
}

/* What undoes an action when its appeal is accepted. */
static const char *reversal(const char *action)
{
	static const char *const pairs[][2] = {
	    {"hide", "restore"}, {"remove", "restore"},	   {"label", "label"},
	    {"warn", "unwarn"},	 {"suspend", "unsuspend"}, {"ban", "unban"},
	};
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
		if (!strcmp(action, pairs[i][0]))
			return pairs[i][1];
	return NULL;
}

/* 1 if a later decision of the same kind replaced the appealed one (a hide
 * appealed after the post was removed, a suspension after a longer one):
 * undoing it would undo the later one too. */
static int superseded(struct db *db, struct arena *a, const struct mod_decision *d)
{
	struct db_res r;
	if (!strcmp(d->appeal_kind, "warn"))
		return 0; /* warnings add up: undoing one never undoes another */
	const char *which = !strcmp(d->appeal_kind, "suspend") ? "'suspend','unsuspend'"
			    : !strcmp(d->appeal_kind, "ban")   ? "'ban','unban'"
							     : "'hide','remove','restore','label'";
	int rc =
	    !strcmp(d->appeal_kind, "suspend") || !strcmp(d->appeal_kind, "ban")
		? db_exec(db, a, &r,
			  arena_printf(a,
				       "SELECT COUNT(*) FROM mod_actions WHERE subject_id = ? "
				       "AND action IN (%s) AND id > ?",
				       which),
			  "ii", d->subject, d->appeal_action)
		: db_exec(db, a, &r,
			  arena_printf(a,
				       "SELECT COUNT(*) FROM mod_actions WHERE target_type = ? "
				       "AND target_id = ? AND action IN (%s) AND id > ?",
				       which),
			  "sii", d->appeal_type, d->appeal_target, d->appeal_action);
	return rc != DB_OK || db_int(&r, 0, 0) > 0;
}

void moderation_forget_sessions(struct db *db, struct arena *a, struct cache *cache,
				int64_t user_id, int ended)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = ?", "i",
		    user_id) != DB_OK)
		return;
	if (ended)
		session_forget(cache, a, &r);
	else
		for (size_t i = 0; i < r.nrows; i++)
			cache_delete(cache, cachekey_session(a, db_str(&r, i, 0)));
	cache_bump(cache, cachekey_user_version(a, user_id));
}

/* A ban hides (and unbanning shows) all of a person's posts: their cached
 * copies go, newest first (older copies expire with the post cache). */
static void posts_forget(struct db *db, struct arena *a, struct cache *cache, int64_t user)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT id FROM posts WHERE user_id = ? ORDER BY id DESC LIMIT 5000",
		    "i", user) != DB_OK)
		return;
	for (size_t i = 0; i < r.nrows; i++)
		cache_delete(cache, cachekey_post(a, db_int(&r, i, 0)));
}

static int refuse(struct mod_decision *d, enum mod_why why, int status)
{
	d->why = why;
	return status;
}

static int roll_back(struct db *db, struct mod_decision *d, enum mod_why why, int status)
{
	db_rollback(db);
	return refuse(d, why, status);
}

/* The change itself, inside the transaction: the target's or person's new
 * state (or its reversal), the appeal decided, the reports answered, the
 * audit row and the notice. 0, or the status (rolled back). */
static int carry_out(struct db *db, struct arena *a, const struct mod_actor *me,
		     struct mod_decision *d)
{
	const struct mod_kind *k = d->kind;
	int64_t until = 0;
	const char *detail = "";
	if (!strcmp(k->name, "overturn") && superseded(db, a, d))
		return roll_back(db, d, MOD_SUPERSEDED, 409);
	if (!strcmp(k->name, "overturn")) {
		const char *undo = reversal(d->appeal_kind);
		if (undo && apply(db, a, undo, d->appeal_type, d->appeal_target, d->subject, NULL,
				  d->appeal_detail, &until))
			return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
		detail = arena_printf(a, "appeal against action %lld: %s undone",
				      (long long)d->appeal_action, d->appeal_kind);
	} else if (!strcmp(k->name, "uphold")) {
		detail = arena_printf(a, "appeal against action %lld: %s stands",
				      (long long)d->appeal_action, d->appeal_kind);
	} else {
		if (apply(db, a, k->name, d->type, d->id, d->subject, d, NULL, &until))
			return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
		if (!strcmp(k->name, "suspend"))
			detail = arena_printf(a, "for %lld s", (long long)d->duration);
		else if (!strcmp(k->name, "label"))
			detail = arena_printf(a, "content warning: %s (before: %s)", d->label,
					      d->prev_cw ? d->prev_cw : "");
	}
	if (!strcmp(d->type, "appeal") &&
	    db_exec(db, a, NULL,
		    "UPDATE appeals SET decided_at = ?, decision = ?, decided_by = ? WHERE id = ?",
		    "isii", now_unix(), !strcmp(k->name, "overturn") ? "overturned" : "upheld",
		    me->id, d->id) != DB_OK)
		return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
	/* The reports about this target are answered by this decision. */
	if (strcmp(d->type, "appeal") &&
	    db_exec(db, a, NULL,
		    "UPDATE reports SET resolved_at = ?, resolution = ? WHERE target_type = ? AND "
		    "target_id = ? AND resolved_at IS NULL",
		    "issi", now_unix(), k->name, d->type, d->id) != DB_OK)
		return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
	d->action_id = mod_log(db, a, me, k->name, d->type, d->id, d->subject,
			       d->reason ? d->reason : "", detail, until);
	if (d->action_id < 0)
		return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
	/* The person hears of it from "the moderators" (actor: themselves, so
	 * no mute can hide it). */
	if (k->tells &&
	    db_exec(
		db, a, NULL,
		"INSERT INTO notifications (user_id, actor_id, kind, post_id, comment_id, "
		"action_id, created_at) VALUES (?, ?, 'moderation', NULLIF(?, 0), NULLIF(?, 0), "
		"?, ?)",
		"iiiiii", d->subject, d->subject, d->post_id, d->comment_id, d->action_id,
		now_unix()) != DB_OK)
		return roll_back(db, d, MOD_DB_ROLLED_BACK, 503);
	return 0;
}

/* After the commit: caches, sessions, and what the automatic filters learn. */
static void after_commit(struct db *db, struct arena *a, struct cache *cache,
			 const struct config *cfg, const struct mod_decision *d)
{
	const struct mod_kind *k = d->kind;
	const char *eff = !strcmp(k->name, "overturn") ? reversal(d->appeal_kind) : k->name;
	const char *etype = !strcmp(d->type, "appeal") ? d->appeal_type : d->type;
	if (d->post_id) {
		cache_delete(cache, cachekey_post(a, d->post_id));
		cache_bump(cache, CACHEKEY_FEED_VERSION);
	}
	/* Hidden or removed: its files leave the served store first thing (and come
	 * back when it is restored). A worker killed before this leaves them
	 * where they were; sweep-media puts them right. */
	if (eff && !strcmp(etype, "post") &&
	    (!strcmp(eff, "hide") || !strcmp(eff, "remove") || !strcmp(eff, "restore")))
		withhold_post(db, a, cfg->media_dir, d->post_id);
	if (eff && (!strcmp(eff, "suspend") || !strcmp(eff, "unsuspend") || !strcmp(eff, "ban") ||
		    !strcmp(eff, "unban"))) {
		moderation_forget_sessions(db, a, cache, d->subject, !strcmp(eff, "ban"));
		cache_bump(cache, CACHEKEY_FEED_VERSION);
	}
	/* Banned: the files of their posts leave the served store as their posts
	 * leave view (a picture another post still shows stays); unbanned, those
	 * now in view come back. sweep-media puts right a move that never ran. */
	if (eff && (!strcmp(eff, "ban") || !strcmp(eff, "unban"))) {
		posts_forget(db, a, cache, d->subject);
		withhold_user(db, a, cfg->media_dir, d->subject);
	}
	/* Banned: logged out everywhere (the session query refuses a banned
	 * person already; the rows go once their cached copies are gone). */
	if (eff && !strcmp(eff, "ban"))
		db_exec(db, a, NULL, "DELETE FROM sessions WHERE user_id = ?", "i", d->subject);
	cache_delete(cache, social_unread_key(a, d->subject));
	if (strcmp(etype, "user") && strcmp(etype, "appeal")) {
		if (!strcmp(k->name, "remove"))
			classifier_learn(db, a, cache, d->type, d->id, 1);
		else if (!strcmp(k->name, "dismiss"))
			classifier_learn(db, a, cache, d->type, d->id, 0);
	}
	if (!strcmp(k->name, "remove") && !strcmp(d->type, "post"))
		imghash_block_picture(db, a, cfg, d->id, d->action_id);
	/* Taken back (restored, or an appeal won): the picture may come back and
	 * the classifier unlearns "bad" for it. */
	if (eff && !strcmp(eff, "restore") && strcmp(etype, "user")) {
		int64_t target = !strcmp(d->type, "appeal") ? d->appeal_target : d->id;
		if (!strcmp(etype, "post"))
			imghash_allow_picture(db, a, cfg->mod_block_distance, target);
		classifier_learn(db, a, cache, etype, target, 0);
	}
	/* A held post let out: a moderator allowed its picture too. */
	if (!strcmp(k->name, "dismiss") && !strcmp(d->type, "post") && d->prev_state &&
	    !strcmp(d->prev_state, "held"))
		imghash_allow_picture(db, a, cfg->mod_block_distance, d->id);
}

int moderation_act(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		   const struct mod_actor *me, struct mod_decision *d)
{
	const struct mod_kind *k = d->kind;
	unsigned on = !strcmp(d->type, "user")	   ? MOD_ON_USER
		      : !strcmp(d->type, "appeal") ? MOD_ON_APPEAL
		      : !strcmp(d->type, "post")   ? MOD_ON_CONTENT | MOD_ON_POST_ONLY
						   : MOD_ON_CONTENT;
	d->why = MOD_DONE;
	if (!(k->on & on))
		return refuse(d, MOD_BAD_TARGET, 400);
	if (db_begin(db) != DB_OK)
		return refuse(d, MOD_DB_DOWN, 503);
	int st = find_subject(db, a, d);
	if (st)
		return roll_back(db, d, st == 404 ? MOD_NOT_FOUND : MOD_DB_ROLLED_BACK, st);
	if (d->subject == me->id)
		return roll_back(db, d, MOD_OWN_CASE, 403);
	if (strcmp(d->subject_role, "user") && strcmp(me->role, "admin"))
		return roll_back(db, d, MOD_NOT_ADMIN, 403);
	if ((st = carry_out(db, a, me, d)))
		return st;
	if (db_commit(db) != DB_OK)
		return refuse(d, MOD_DB_DOWN, 503);
	after_commit(db, a, cache, cfg, d);
	log_info("moderation: %s %s %s %lld (action %lld)", me->name, k->name, d->type,
		 (long long)d->id, (long long)d->action_id);
	return 0;
}

int mod_user_find(struct db *db, struct arena *a, const char *username, int64_t *id,
		  const char **role)
{
	struct db_res r;
	int st = found(
	    db_read(db, a, &r, "SELECT id, role FROM users WHERE username = ?", "s", username), &r);
	if (st)
		return st;
	*id = db_int(&r, 0, 0);
	*role = db_str(&r, 0, 1);
	return 0;
}

static int role_refused(enum mod_why *why, enum mod_why w, int status)
{
	*why = w;
	return status;
}

int moderation_set_role(struct db *db, struct arena *a, struct cache *cache,
			const struct mod_actor *me, const char *username, const char *role,
			const char *reason, const char **old_role, enum mod_why *why)
{
	const char *clean, *bad;
	int64_t id;
	int st;
	*why = MOD_DONE;
	if (strcmp(me->role, "admin"))
		return role_refused(why, MOD_NOT_ADMIN, 403);
	if (!mod_role_known(role))
		return role_refused(why, MOD_BAD_ROLE, 400);
	if (!reason || text_clean(a, reason, strlen(reason), MOD_REASON_CHARS, &clean, &bad) ||
	    !*clean)
		return role_refused(why, MOD_NO_REASON, 400);
	if ((st = mod_user_find(db, a, username, &id, old_role)))
		return role_refused(why, st == 404 ? MOD_NOT_FOUND : MOD_DB_DOWN, st);
	if (id == me->id)
		return role_refused(why, MOD_OWN_ROLE, 400);
	/* people of other servers never moderate here (they never log in) */
	struct db_res d;
	if (db_read(db, a, &d, "SELECT domain <> '' FROM users WHERE id = ?", "i", id) != DB_OK)
		return role_refused(why, MOD_DB_DOWN, 503);
	if (d.nrows && db_int(&d, 0, 0) && strcmp(role, "user"))
		return role_refused(why, MOD_REMOTE_ROLE, 409);
	if (!strcmp(*old_role, role))
		return role_refused(why, MOD_SAME_ROLE, 409);
	/* The site keeps an admin: the active admins' rows are locked, so two
	 * admins demoting each other at once cannot both succeed. A banned
	 * admin is not one of them: demoting them leaves the count as it is. */
	struct db_res n;
	if (db_begin(db) != DB_OK ||
	    db_exec(db, a, &n,
		    "SELECT COUNT(*), IFNULL(SUM(id = ?), 0) FROM users WHERE role = 'admin' AND "
		    "banned_at IS NULL FOR UPDATE",
		    "i", id) != DB_OK) {
		db_rollback(db);
		return role_refused(why, MOD_DB_DOWN, 503);
	}
	if (!strcmp(*old_role, "admin") && db_int(&n, 0, 1) && db_int(&n, 0, 0) <= 1) {
		db_rollback(db);
		return role_refused(why, MOD_LAST_ADMIN, 409);
	}
	if (db_exec(db, a, NULL, "UPDATE users SET role = ? WHERE id = ?", "si", role, id) !=
		DB_OK ||
	    mod_log(db, a, me, "role", "user", id, id, clean,
		    arena_printf(a, "%s -> %s", *old_role, role), 0) < 0 ||
	    db_commit(db) != DB_OK) {
		db_rollback(db);
		return role_refused(why, MOD_DB_DOWN, 503);
	}
	moderation_forget_sessions(db, a, cache, id, 0);
	return 0;
}

int mod_admin_find(struct db *db, struct arena *a, const char *name, struct mod_actor *out)
{
	struct db_res r;
	int rc = name ? db_read(db, a, &r,
				"SELECT id, username, role, banned_at IS NOT NULL FROM users "
				"WHERE username = ? AND domain = ''",
				"s", name)
		      : db_read(db, a, &r,
				"SELECT id, username, role, 0 FROM users WHERE role = 'admin' AND "
				"banned_at IS NULL ORDER BY id LIMIT 1",
				"");
	if ((rc = found(rc, &r)))
		return rc;
	out->id = db_int(&r, 0, 0);
	out->name = db_str(&r, 0, 1);
	out->role = db_str(&r, 0, 2);
	return strcmp(out->role, "admin") || db_int(&r, 0, 3) ? 403 : 0;
}
