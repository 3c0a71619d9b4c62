/* moderate.c - what moderators do: actions on posts, comments and people
 * (POST /api/v1/admin/actions, one target or many), the append-only audit
 * log (/admin/audit) and the users pages with roles and history
 * (/admin/users). Every action is one transaction: the state change, the
 * reports it resolves, its audit row and the notice to the person. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "feedview.h"
#include "log.h"
#include "moderation.h"
#include "post.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define REASON_CHARS   1000
#define BULK_MAX       100
#define AUDIT_PAGE     50
#define USERS_PAGE     50
#define HISTORY_ROWS   100
#define SUSPEND_MIN    60
#define SUSPEND_MAX    (365 * 86400)
#define CW_LABEL_CHARS 40

/* What each action may be applied to. */
enum { ON_CONTENT = 1, ON_USER = 2, ON_APPEAL = 4, ON_POST_ONLY = 8 };

static const struct action_kind {
	const char *name;
	unsigned on;
	int tells; /* the person it is about is told why: a reason is required */
} kinds[] = {
    {"dismiss", ON_CONTENT | ON_USER, 0},
    {"hide", ON_CONTENT, 1},
    {"remove", ON_CONTENT, 1},
    {"restore", ON_CONTENT, 1},
    {"label", ON_POST_ONLY, 1},
    {"warn", ON_CONTENT | ON_USER, 1},
    {"suspend", ON_CONTENT | ON_USER, 1},
    {"unsuspend", ON_CONTENT | ON_USER, 1},
    {"ban", ON_CONTENT | ON_USER, 1},
    {"unban", ON_CONTENT | ON_USER, 1},
    {"uphold", ON_APPEAL, 1},
    {"overturn", ON_APPEAL, 1},
};

static const struct action_kind *kind_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

/* One decision about one target, filled in as it is checked. */
struct decision {
	const struct action_kind *kind;
	const char *type; /* post, comment, user, appeal */
	int64_t id;
	const char *reason, *label;
	int64_t duration;
	/* found */
	int64_t subject;	  /* the person it is about */
	const char *subject_name; /* and their name */
	const char *subject_role;
	int64_t post_id, comment_id; /* for the notice */
	int64_t action_id;	     /* the audit row written */
	/* appeals: the action appealed against */
	int64_t appeal_action;
	const char *appeal_kind, *appeal_type, *appeal_detail;
	int64_t appeal_target;
	const char *prev_cw; /* a post's content warning before a label */
};

int64_t mod_log(struct ctx *c, const char *action, const char *target_type, int64_t target_id,
		int64_t subject_id, const char *reason, const char *detail, int64_t until_at)
{
	struct db_res r;
	const char *name = "";
	if (subject_id &&
	    db_exec(c->app->db, c->a, &r, "SELECT username FROM users WHERE id = ?", "i",
		    subject_id) == DB_OK &&
	    r.nrows)
		name = db_str(&r, 0, 0);
	if (db_exec(
		c->app->db, c->a, &r,
		"INSERT INTO mod_actions (actor_id, actor_name, action, target_type, target_id, "
		"subject_id, subject_name, reason, detail, until_at, created_at) "
		"VALUES (NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?)",
		"isssiisssii", c->me ? c->me->id : 0, c->me ? c->me->username : "filter", action,
		target_type, target_id, subject_id, name, reason, detail ? detail : "", until_at,
		now_unix()) != DB_OK)
		return -1;
	return (int64_t)r.insert_id;
}

/* "3600", "90m", "12h", "7d", "2w" in seconds; -1 when it is none of those. */
static int64_t parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || n > SUSPEND_MAX)
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
	if (n > SUSPEND_MAX / unit || n * unit < SUSPEND_MIN)
		return -1;
	return n * unit;
}

/* Find the person a target is about (and lock the content row). 0, 404, 503. */
static int find_subject(struct ctx *c, struct decision *d)
{
	struct db_res r;
	int rc;
	if (!strcmp(d->type, "post")) {
		rc = db_exec(c->app->db, c->a, &r,
			     "SELECT p.user_id, u.username, u.role, p.content_warning FROM posts p "
			     "JOIN users u ON u.id = p.user_id WHERE p.id = ? FOR UPDATE",
			     "i", d->id);
		d->post_id = d->id;
	} else if (!strcmp(d->type, "comment")) {
		rc = db_exec(
		    c->app->db, c->a, &r,
		    "SELECT c.user_id, u.username, u.role, c.post_id FROM comments c JOIN "
		    "users u ON u.id = c.user_id WHERE c.id = ? AND c.deleted = 0 FOR UPDATE",
		    "i", d->id);
		d->comment_id = d->id;
	} else if (!strcmp(d->type, "user")) {
		rc = db_exec(c->app->db, c->a, &r,
			     "SELECT id, username, role FROM users WHERE id = ? FOR UPDATE", "i",
			     d->id);
	} else {
		rc = db_exec(
		    c->app->db, c->a, &r,
		    "SELECT a.user_id, u.username, u.role, m.id, m.action, m.target_type, "
		    "m.target_id, m.detail FROM appeals a JOIN users u ON u.id = a.user_id JOIN "
		    "mod_actions m ON m.id = a.action_id WHERE a.id = ? AND a.decided_at "
		    "IS NULL FOR UPDATE",
		    "i", d->id);
	}
	if (rc != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	d->subject = db_int(&r, 0, 0);
	d->subject_name = db_str(&r, 0, 1);
	d->subject_role = db_str(&r, 0, 2);
	if (!strcmp(d->type, "comment"))
		d->post_id = db_int(&r, 0, 3);
	if (!strcmp(d->type, "post"))
		d->prev_cw = db_str(&r, 0, 3);
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

static int set_state(struct ctx *c, const char *type, int64_t id, const char *state)
{
	const char *sql = !strcmp(type, "post") ? "UPDATE posts SET mod_state = ? WHERE id = ?"
						: "UPDATE comments SET mod_state = ? WHERE id = ?";
	return db_exec(c->app->db, c->a, NULL, sql, "si", state, id) == DB_OK ? 0 : -1;
}

static int set_user(struct ctx *c, const char *assignment, int64_t user, int64_t value)
{
	char *sql = arena_printf(c->a, "UPDATE users SET %s WHERE id = ?", assignment);
	if (value >= 0)
		return db_exec(c->app->db, c->a, NULL, sql, "ii", value, user) == DB_OK ? 0 : -1;
	return db_exec(c->app->db, c->a, NULL, sql, "i", user) == DB_OK ? 0 : -1;
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
static int apply(struct ctx *c, const char *action, const char *type, int64_t id, int64_t subject,
		 const struct decision *d, const char *undo_detail, int64_t *until)
{
	int64_t now = now_unix();
	if (!strcmp(action, "hide"))
		return set_state(c, type, id, "hidden");
	if (!strcmp(action, "remove"))
		return set_state(c, type, id, "removed");
	if (!strcmp(action, "restore"))
		return set_state(c, type, id, "visible");
	if (!strcmp(action, "dismiss")) { /* a held post the filter got wrong goes out */
		if (!strcmp(type, "user"))
			return 0;
		const char *sql =
		    !strcmp(type, "post")
			? "UPDATE posts SET mod_state = 'visible' WHERE id = ? AND "
			  "mod_state = 'held'"
			: "UPDATE comments SET mod_state = 'visible' WHERE id = ? AND "
			  "mod_state = 'held'";
		return db_exec(c->app->db, c->a, NULL, sql, "i", id) == DB_OK ? 0 : -1;
	}
	if (!strcmp(action, "label"))
		return db_exec(c->app->db, c->a, NULL,
			       "UPDATE posts SET content_warning = ? WHERE id = ?", "si",
			       d ? d->label : label_before(c->a, undo_detail), id) == DB_OK
			   ? 0
			   : -1;
	if (!strcmp(action, "warn"))
		return set_user(c, "warnings = warnings + 1", subject, -1);
	if (!strcmp(action, "unwarn"))
		return set_user(c, "warnings = GREATEST(warnings, 1) - 1", subject, -1);
	if (!strcmp(action, "suspend")) {
		*until = now + (d ? d->duration : 0);
		return set_user(c, "suspended_until = ?", subject, *until);
	}
	if (!strcmp(action, "unsuspend"))
		return set_user(c, "suspended_until = NULL", subject, -1);
	if (!strcmp(action, "ban")) /* sessions: see decide(), after the commit */
		return set_user(c, "banned_at = ?", subject, now);
	if (!strcmp(action, "unban"))
		return set_user(c, "banned_at = NULL", subject, -1);
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
static int superseded(struct ctx *c, const struct decision *d)
{
	struct db_res r;
	if (!strcmp(d->appeal_kind, "warn"))
		return 0; /* warnings add up: undoing one never undoes another */
	const char *which = !strcmp(d->appeal_kind, "suspend") ? "'suspend','unsuspend'"
			    : !strcmp(d->appeal_kind, "ban")   ? "'ban','unban'"
							     : "'hide','remove','restore','label'";
	int rc =
	    !strcmp(d->appeal_kind, "suspend") || !strcmp(d->appeal_kind, "ban")
		? db_exec(c->app->db, c->a, &r,
			  arena_printf(c->a,
				       "SELECT COUNT(*) FROM mod_actions WHERE subject_id = ? "
				       "AND action IN (%s) AND id > ?",
				       which),
			  "ii", d->subject, d->appeal_action)
		: db_exec(c->app->db, c->a, &r,
			  arena_printf(c->a,
				       "SELECT COUNT(*) FROM mod_actions WHERE target_type = ? "
				       "AND target_id = ? AND action IN (%s) AND id > ?",
				       which),
			  "sii", d->appeal_type, d->appeal_target, d->appeal_action);
	return rc != DB_OK || db_int(&r, 0, 0) > 0;
}

/* Every cached session of a person is forgotten, so the next request loads
 * their role, suspension or ban from the database. */
static void sessions_forget(struct ctx *c, int64_t user)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = ?", "i",
		    user) != DB_OK)
		return;
	for (size_t i = 0; i < r.nrows; i++)
		cache_delete(c->app->cache, session_key_of_hash(c->a, db_str(&r, i, 0)));
	cache_bump(c->app->cache, user_version_key(c->a, user));
}

/* A ban hides (and unbanning shows) all of a person's posts: their cached
 * copies go, newest first (older copies expire with the post cache). */
static void posts_forget(struct ctx *c, int64_t user)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT id FROM posts WHERE user_id = ? ORDER BY id DESC LIMIT 5000", "i",
		    user) != DB_OK)
		return;
	for (size_t i = 0; i < r.nrows; i++)
		feed_post_changed(c, db_int(&r, i, 0));
}

static int fail_decision(struct ctx *c, int st)
{
	db_rollback(c->app->db);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is nothing like that to act on.");
	return ctx_fail(c, 503, "unavailable", "The database is not answering; nothing changed.");
}

/* Check and carry out one decision. Returns 200 or the status of ctx_fail. */
static int decide(struct ctx *c, struct decision *d)
{
	const struct action_kind *k = d->kind;
	unsigned on = !strcmp(d->type, "user")	   ? ON_USER
		      : !strcmp(d->type, "appeal") ? ON_APPEAL
		      : !strcmp(d->type, "post")   ? ON_CONTENT | ON_POST_ONLY
						   : ON_CONTENT;
	if (!(k->on & on))
		return ctx_fail(c, 400, "bad_action_target",
				arena_printf(c->a, "You cannot %s a %s.", k->name, d->type));
	if (db_begin(c->app->db) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	int st = find_subject(c, d);
	if (st)
		return fail_decision(c, st);
	if (d->subject == c->me->id) {
		db_rollback(c->app->db);
		return ctx_fail(c, 403, "own_case",
				"Another moderator has to decide about you or what you made.");
	}
	if (strcmp(d->subject_role, "user") && strcmp(c->me->role, "admin")) {
		db_rollback(c->app->db);
		return ctx_fail(c, 403, "forbidden",
				"Only an admin can act on a moderator or an admin.");
	}
	int64_t until = 0;
	const char *detail = "";
	if (!strcmp(k->name, "overturn") && superseded(c, d)) {
		db_rollback(c->app->db);
		return ctx_fail(c, 409, "superseded",
				"A later decision replaced the one appealed against; uphold this "
				"appeal and act on the later decision instead.");
	}
	if (!strcmp(k->name, "overturn")) {
		const char *undo = reversal(d->appeal_kind);
		if (undo && apply(c, undo, d->appeal_type, d->appeal_target, d->subject, NULL,
				  d->appeal_detail, &until))
			return fail_decision(c, 503);
		detail = arena_printf(c->a, "appeal against action %lld: %s undone",
				      (long long)d->appeal_action, d->appeal_kind);
	} else if (!strcmp(k->name, "uphold")) {
		detail = arena_printf(c->a, "appeal against action %lld: %s stands",
				      (long long)d->appeal_action, d->appeal_kind);
	} else {
		if (apply(c, k->name, d->type, d->id, d->subject, d, NULL, &until))
			return fail_decision(c, 503);
		if (!strcmp(k->name, "suspend"))
			detail = arena_printf(c->a, "for %lld s", (long long)d->duration);
		else if (!strcmp(k->name, "label"))
			detail = arena_printf(c->a, "content warning: %s (before: %s)", d->label,
					      d->prev_cw ? d->prev_cw : "");
	}
	if (!strcmp(d->type, "appeal") &&
	    db_exec(c->app->db, c->a, NULL,
		    "UPDATE appeals SET decided_at = ?, decision = ?, decided_by = ? WHERE id = ?",
		    "isii", now_unix(), !strcmp(k->name, "overturn") ? "overturned" : "upheld",
		    c->me->id, d->id) != DB_OK)
		return fail_decision(c, 503);
	/* The reports about this target are answered by this decision. */
	if (strcmp(d->type, "appeal") &&
	    db_exec(c->app->db, c->a, NULL,
		    "UPDATE reports SET resolved_at = ?, resolution = ? WHERE target_type = ? AND "
		    "target_id = ? AND resolved_at IS NULL",
		    "issi", now_unix(), k->name, d->type, d->id) != DB_OK)
		return fail_decision(c, 503);
	d->action_id = mod_log(c, k->name, d->type, d->id, d->subject, d->reason ? d->reason : "",
			       detail, until);
	if (d->action_id < 0)
		return fail_decision(c, 503);
	/* The person hears of it from "the moderators" (actor: themselves, so
	 * no mute can hide it). */
	if (k->tells &&
	    db_exec(
		c->app->db, c->a, NULL,
		"INSERT INTO notifications (user_id, actor_id, kind, post_id, comment_id, "
		"action_id, created_at) VALUES (?, ?, 'moderation', NULLIF(?, 0), NULLIF(?, 0), "
		"?, ?)",
		"iiiiii", d->subject, d->subject, d->post_id, d->comment_id, d->action_id,
		now_unix()) != DB_OK)
		return fail_decision(c, 503);
	if (db_commit(c->app->db) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");

	/* After the commit: caches, and what the automatic filters learn. */
	const char *eff = !strcmp(k->name, "overturn") ? reversal(d->appeal_kind) : k->name;
	const char *etype = !strcmp(d->type, "appeal") ? d->appeal_type : d->type;
	if (d->post_id) {
		feed_post_changed(c, d->post_id);
		cache_bump(c->app->cache, FEED_VERSION_KEY);
	}
	if (eff && (!strcmp(eff, "suspend") || !strcmp(eff, "unsuspend") || !strcmp(eff, "ban") ||
		    !strcmp(eff, "unban"))) {
		sessions_forget(c, d->subject);
		cache_bump(c->app->cache, FEED_VERSION_KEY);
	}
	if (eff && (!strcmp(eff, "ban") || !strcmp(eff, "unban")))
		posts_forget(c, d->subject);
	/* Banned: logged out everywhere (the session query refuses a banned
	 * person already; the rows go once their cached copies are gone). */
	if (eff && !strcmp(eff, "ban"))
		db_exec(c->app->db, c->a, NULL, "DELETE FROM sessions WHERE user_id = ?", "i",
			d->subject);
	cache_delete(c->app->cache, social_unread_key(c->a, d->subject));
	if (strcmp(etype, "user") && strcmp(etype, "appeal")) {
		if (!strcmp(k->name, "remove"))
			classify_learn(c, d->type, d->id, 1);
		else if (!strcmp(k->name, "dismiss"))
			classify_learn(c, d->type, d->id, 0);
	}
	if (!strcmp(k->name, "remove") && !strcmp(d->type, "post"))
		imghash_block_post(c, d->id, d->action_id);
	/* Taken back (restored, or an appeal won): the picture may come back and
	 * the classifier unlearns "bad" for it. */
	if (eff && !strcmp(eff, "restore") && strcmp(etype, "user")) {
		int64_t target = !strcmp(d->type, "appeal") ? d->appeal_target : d->id;
		if (!strcmp(etype, "post"))
			imghash_unblock_post(c, target);
		classify_learn(c, etype, target, 0);
	}
	log_info("moderation: %s %s %s %lld (action %lld)", c->me->username, k->name, d->type,
		 (long long)d->id, (long long)d->action_id);
	return 200;
}

/* "post:12" (forms) into type and id. 0 or -1. */
static int parse_target(struct ctx *c, const char *s, const char **type, int64_t *id)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon)
		return -1;
	char *end;
	long long n = strtoll(colon + 1, &end, 10);
	if (*end || n <= 0 || end == colon + 1)
		return -1;
	*type = arena_strndup(c->a, s, (size_t)(colon - s));
	*id = n;
	return 0;
}

static int type_ok(const char *t)
{
	return t && (!strcmp(t, "post") || !strcmp(t, "comment") || !strcmp(t, "user") ||
		     !strcmp(t, "appeal"));
}

/* The targets of a request: target_type + target_id, or "targets" (a JSON
 * array of {target_type, target_id}, or repeated form fields "target" of
 * "type:id"). Returns the count, or 0 with *st the status of ctx_fail. */
static int collect_targets(struct ctx *c, struct decision *ds, const struct decision *proto,
			   int *st)
{
	int n = 0;
	cJSON *arr =
	    c->req->json ? cJSON_GetObjectItemCaseSensitive(c->req->json, "targets") : NULL;
	if (arr) {
		cJSON *it;
		if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0 ||
		    cJSON_GetArraySize(arr) > BULK_MAX) {
			*st = ctx_fail(c, 400, "bad_targets",
				       "targets is a list of 1 to 100 {target_type, target_id}.");
			return 0;
		}
		cJSON_ArrayForEach(it, arr)
		{
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "target_type"));
			cJSON *idj = cJSON_GetObjectItemCaseSensitive(it, "target_id");
			double v = cJSON_IsNumber(idj) ? idj->valuedouble : 0;
			if (!type_ok(t) || v < 1 || v > 9e15 || v != (double)(int64_t)v) {
				*st = ctx_fail(c, 400, "bad_targets",
					       "Each target needs a target_type (post, comment, "
					       "user, appeal) and a numeric target_id.");
				return 0;
			}
			ds[n] = *proto;
			ds[n].type = t;
			ds[n++].id = (int64_t)v;
		}
		return n;
	}
	for (size_t i = 0; i < c->req->form.n; i++) {
		if (strcmp(c->req->form.items[i].key, "target"))
			continue;
		if (n == BULK_MAX) {
			*st = ctx_fail(c, 400, "bad_targets", "At most 100 items at once.");
			return 0;
		}
		ds[n] = *proto;
		if (parse_target(c, c->req->form.items[i].val, &ds[n].type, &ds[n].id) ||
		    !type_ok(ds[n].type)) {
			*st = ctx_fail(c, 400, "bad_targets", "A target is \"type:id\".");
			return 0;
		}
		n++;
	}
	if (n)
		return n;
	uint64_t id = 0;
	const char *t = ctx_param(c, "target_type");
	if (!type_ok(t)) {
		*st = ctx_fail(c, 400, "bad_target_type",
			       "target_type is post, comment, user or appeal.");
		return 0;
	}
	if (ctx_param_u64(c, "target_id", INT64_MAX, &id) <= 0 || id == 0) {
		*st = ctx_fail(c, 400, "bad_target_id", "Say what you act on: target_id.");
		return 0;
	}
	ds[0] = *proto;
	ds[0].type = t;
	ds[0].id = (int64_t)id;
	return 1;
}

int mod_action(struct ctx *c)
{
	struct decision proto = {0};
	const char *why;
	c->title = "Moderation";
	proto.kind = kind_find(ctx_param(c, "action"));
	if (!proto.kind || !strcmp(proto.kind->name, "unwarn"))
		return ctx_fail(
		    c, 400, "bad_action",
		    "The action is dismiss, hide, remove, restore, label, warn, suspend, "
		    "unsuspend, ban, unban (or uphold / overturn for an appeal).");
	const char *reason = ctx_param(c, "reason");
	if (reason && text_clean(c->a, reason, strlen(reason), REASON_CHARS, &proto.reason, &why))
		return ctx_fail(c, 400, "bad_reason", arena_printf(c->a, "Reason: %s", why));
	if (proto.kind->tells && (!proto.reason || !*proto.reason))
		return ctx_fail(c, 400, "missing_reason",
				"Give a reason: the person it is about will read it.");
	uint64_t secs = 0;
	if (!strcmp(proto.kind->name, "suspend") &&
	    (ctx_param_u64(c, "duration", SUSPEND_MAX, &secs) == 1
		 ? (proto.duration = secs < SUSPEND_MIN ? -1 : (int64_t)secs)
		 : (proto.duration = parse_duration(ctx_param(c, "duration")))) < 0)
		return ctx_fail(c, 400, "bad_duration",
				"A suspension needs a duration from 1 minute to 365 days, "
				"e.g. 3600, \"90m\", \"12h\", \"7d\" or \"2w\".");
	if (!strcmp(proto.kind->name, "label")) {
		const char *cw = ctx_param(c, "content_warning");
		if (!cw || text_clean(c->a, cw, strlen(cw), CW_LABEL_CHARS, &proto.label, &why) ||
		    !*proto.label)
			return ctx_fail(c, 400, "bad_content_warning",
					"A label needs a content_warning of 1 to 40 characters.");
	}
	struct decision *ds = arena_zalloc(c->a, BULK_MAX * sizeof(*ds));
	int st = 0, n = collect_targets(c, ds, &proto, &st);
	if (!n)
		return st;
	const char *back = ctx_local_path(ctx_param(c, "next"));
	if (n == 1) {
		st = decide(c, &ds[0]);
		if (st != 200)
			return st;
		cJSON *a = cJSON_AddObjectToObject(ctx_data(c), "action");
		cJSON_AddNumberToObject(a, "id", (double)ds[0].action_id);
		cJSON_AddStringToObject(a, "action", proto.kind->name);
		cJSON_AddStringToObject(a, "target_type", ds[0].type);
		cJSON_AddNumberToObject(a, "target_id", (double)ds[0].id);
		cJSON_AddStringToObject(a, "subject", ds[0].subject_name);
		return ctx_done(c, 200, back ? back : "/admin");
	}
	/* Bulk: each target is its own decision; one failing does not undo
	 * the others, and the answer says which did what. */
	cJSON *results = cJSON_AddArrayToObject(ctx_data(c), "results");
	int done = 0;
	for (int i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "target_type", ds[i].type);
		cJSON_AddNumberToObject(r, "target_id", (double)ds[i].id);
		st = decide(c, &ds[i]);
		cJSON_AddNumberToObject(r, "status", st);
		if (st == 200) {
			cJSON_AddNumberToObject(r, "action_id", (double)ds[i].action_id);
			done++;
		} else {
			cJSON_AddStringToObject(r, "error", c->err_code ? c->err_code : "failed");
			cJSON_AddStringToObject(r, "message", c->err_msg ? c->err_msg : "");
			c->err_code = c->err_msg = NULL;
		}
		cJSON_AddItemToArray(results, r);
	}
	cJSON_AddNumberToObject(ctx_data(c), "done", done);
	cJSON_AddNumberToObject(ctx_data(c), "failed", n - done);
	return ctx_done(c, 200, back ? back : "/admin");
}

/* ---- the audit log ----------------------------------------------------- */

static cJSON *action_json(struct ctx *c, const struct db_res *r, size_t i)
{
	/* columns: id, actor_name, action, target_type, target_id, subject_name,
	 * reason, detail, until_at, created_at */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)db_int(r, i, 0));
	cJSON_AddStringToObject(o, "actor", db_str(r, i, 1));
	cJSON_AddStringToObject(o, "action", db_str(r, i, 2));
	cJSON_AddStringToObject(o, "target_type", db_str(r, i, 3));
	cJSON_AddNumberToObject(o, "target_id", (double)db_int(r, i, 4));
	cJSON_AddStringToObject(o, "subject", db_str(r, i, 5));
	cJSON_AddStringToObject(o, "reason", db_str(r, i, 6));
	cJSON_AddStringToObject(o, "detail", db_str(r, i, 7));
	if (db_str(r, i, 8)) {
		cJSON_AddStringToObject(o, "until", time_iso(c->a, db_int(r, i, 8)));
		cJSON_AddStringToObject(o, "until_text", time_text(c->a, db_int(r, i, 8)));
	}
	cJSON_AddStringToObject(o, "created_at", time_iso(c->a, db_int(r, i, 9)));
	cJSON_AddStringToObject(o, "created_text", time_text(c->a, db_int(r, i, 9)));
	const char *t = db_str(r, i, 3);
	int64_t id = db_int(r, i, 4);
	if (!strcmp(t, "post"))
		cJSON_AddStringToObject(o, "url", arena_printf(c->a, "/p/%lld", (long long)id));
	else if (!strcmp(t, "user") && *db_str(r, i, 5))
		cJSON_AddStringToObject(o, "url",
					arena_printf(c->a, "/admin/users/%s", db_str(r, i, 5)));
	return o;
}

#define ACTION_COLUMNS                                                                             \
	"id, actor_name, action, target_type, target_id, subject_name, reason, detail, "           \
	"until_at, created_at"

static const char *param_or_empty(struct ctx *c, const char *name)
{
	const char *v = ctx_param(c, name);
	return v ? v : "";
}

int audit_show(struct ctx *c)
{
	const char *actor = param_or_empty(c, "actor"), *action = param_or_empty(c, "action");
	const char *type = param_or_empty(c, "target_type"),
		   *subject = param_or_empty(c, "subject");
	uint64_t before = 0;
	if (ctx_param_u64(c, "cursor", INT64_MAX, &before) < 0)
		return ctx_fail(c, 400, "bad_cursor", "The cursor is not valid.");
	if (strlen(actor) > 32 || strlen(action) > 16 || strlen(type) > 16 || strlen(subject) > 32)
		return ctx_fail(c, 400, "bad_filter", "A filter value is too long.");
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT " ACTION_COLUMNS " FROM mod_actions WHERE (? = '' OR actor_name = ?) "
		    "AND (? = '' OR action = ?) AND (? = '' OR target_type = ?) AND "
		    "(? = '' OR subject_name = ?) AND id < ? ORDER BY id DESC LIMIT ?",
		    "ssssssssii", actor, actor, action, action, type, type, subject, subject,
		    before ? (int64_t)before : INT64_MAX, (int64_t)AUDIT_PAGE + 1) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	size_t n = r.nrows > AUDIT_PAGE ? AUDIT_PAGE : r.nrows;
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "items");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(items, action_json(c, &r, i));
	if (r.nrows > AUDIT_PAGE) {
		int64_t next = db_int(&r, n - 1, 0);
		cJSON_AddNumberToObject(ctx_data(c), "next_cursor", (double)next);
		cJSON_AddStringToObject(
		    ctx_data(c), "more_url",
		    arena_printf(c->a,
				 "/admin/audit?actor=%s&action=%s&target_type=%s&subject=%s&"
				 "cursor=%lld",
				 url_encode(c->a, actor), url_encode(c->a, action),
				 url_encode(c->a, type), url_encode(c->a, subject),
				 (long long)next));
	}
	cJSON *f = cJSON_AddObjectToObject(ctx_data(c), "filter");
	cJSON_AddStringToObject(f, "actor", actor);
	cJSON_AddStringToObject(f, "action", action);
	cJSON_AddStringToObject(f, "target_type", type);
	cJSON_AddStringToObject(f, "subject", subject);
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "empty", n == 0);
	c->title = "Audit log";
	return 200;
}

/* ---- users ------------------------------------------------------------- */

#define USER_COLUMNS                                                                               \
	"id, username, role, created_at, IFNULL(suspended_until, 0), IFNULL(banned_at, 0), "       \
	"warnings, post_count"

static cJSON *admin_user_json(struct ctx *c, const struct db_res *r, size_t i)
{
	cJSON *u = cJSON_CreateObject();
	int64_t susp = db_int(r, i, 4), banned = db_int(r, i, 5);
	const char *name = db_str(r, i, 1);
	cJSON_AddNumberToObject(u, "id", (double)db_int(r, i, 0));
	cJSON_AddStringToObject(u, "username", name);
	cJSON_AddStringToObject(u, "url", arena_printf(c->a, "/admin/users/%s", name));
	cJSON_AddStringToObject(u, "role", db_str(r, i, 2));
	cJSON_AddStringToObject(u, "created_at", time_iso(c->a, db_int(r, i, 3)));
	cJSON_AddStringToObject(u, "created_text", time_text(c->a, db_int(r, i, 3)));
	const char *status = banned ? "banned" : susp > now_unix() ? "suspended" : "active";
	cJSON_AddStringToObject(u, "status", status);
	cJSON_AddBoolToObject(u, "banned", banned != 0);
	cJSON_AddBoolToObject(u, "suspended", !banned && susp > now_unix());
	if (!banned && susp > now_unix()) {
		cJSON_AddStringToObject(u, "suspended_until", time_iso(c->a, susp));
		cJSON_AddStringToObject(u, "suspended_until_text", time_text(c->a, susp));
	}
	cJSON_AddNumberToObject(u, "warnings", (double)db_int(r, i, 6));
	cJSON_AddNumberToObject(u, "post_count", (double)db_int(r, i, 7));
	return u;
}

/* LIKE prefix with its wildcards escaped. */
static char *like_prefix(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	char *o = arena_alloc(a, 2 * n + 2), *p = o;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			*p++ = '\\';
		*p++ = s[i];
	}
	*p++ = '%';
	*p = 0;
	return o;
}

int admin_users_list(struct ctx *c)
{
	const char *q = param_or_empty(c, "q"), *role = param_or_empty(c, "role");
	const char *status = param_or_empty(c, "status");
	uint64_t before = 0;
	if (ctx_param_u64(c, "cursor", INT64_MAX, &before) < 0)
		return ctx_fail(c, 400, "bad_cursor", "The cursor is not valid.");
	if (strlen(q) > 32)
		return ctx_fail(c, 400, "bad_query", "Search by up to 32 characters of a name.");
	if (*role && strcmp(role, "user") && strcmp(role, "moderator") && strcmp(role, "admin"))
		return ctx_fail(c, 400, "bad_role", "role is user, moderator or admin.");
	if (*status && strcmp(status, "active") && strcmp(status, "suspended") &&
	    strcmp(status, "banned"))
		return ctx_fail(c, 400, "bad_status", "status is active, suspended or banned.");
	struct db_res r;
	int64_t now = now_unix();
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT " USER_COLUMNS " FROM users WHERE username LIKE ? AND (? = '' OR "
		    "role = ?) AND (? = '' OR (? = 'banned' AND banned_at IS NOT NULL) OR "
		    "(? = 'suspended' AND banned_at IS NULL AND suspended_until > ?) OR "
		    "(? = 'active' AND banned_at IS NULL AND IFNULL(suspended_until, 0) <= ?)) "
		    "AND id < ? ORDER BY id DESC LIMIT ?",
		    "ssssssisiii", like_prefix(c->a, q), role, role, status, status, status, now,
		    status, now, before ? (int64_t)before : INT64_MAX,
		    (int64_t)USERS_PAGE + 1) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	size_t n = r.nrows > USERS_PAGE ? USERS_PAGE : r.nrows;
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "users");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(items, admin_user_json(c, &r, i));
	if (r.nrows > USERS_PAGE) {
		int64_t next = db_int(&r, n - 1, 0);
		cJSON_AddNumberToObject(ctx_data(c), "next_cursor", (double)next);
		cJSON_AddStringToObject(
		    ctx_data(c), "more_url",
		    arena_printf(c->a, "/admin/users?q=%s&role=%s&status=%s&cursor=%lld",
				 url_encode(c->a, q), url_encode(c->a, role),
				 url_encode(c->a, status), (long long)next));
	}
	cJSON *f = cJSON_AddObjectToObject(ctx_data(c), "filter");
	cJSON_AddStringToObject(f, "q", q);
	cJSON_AddStringToObject(f, "role", role);
	cJSON_AddStringToObject(f, "status", status);
	if (!c->api) {
		cJSON_AddBoolToObject(ctx_data(c), "empty", n == 0);
		cJSON_AddBoolToObject(f, "role_user", !strcmp(role, "user"));
		cJSON_AddBoolToObject(f, "role_moderator", !strcmp(role, "moderator"));
		cJSON_AddBoolToObject(f, "role_admin", !strcmp(role, "admin"));
		cJSON_AddBoolToObject(f, "status_active", !strcmp(status, "active"));
		cJSON_AddBoolToObject(f, "status_suspended", !strcmp(status, "suspended"));
		cJSON_AddBoolToObject(f, "status_banned", !strcmp(status, "banned"));
	}
	c->title = "Users";
	return 200;
}

static int load_user(struct ctx *c, const char *name, struct db_res *r)
{
	if (db_exec(c->app->db, c->a, r, "SELECT " USER_COLUMNS " FROM users WHERE username = ?",
		    "s", name) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r->nrows)
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	return 0;
}

int admin_user_show(struct ctx *c)
{
	struct db_res r, h;
	int st;
	if ((st = load_user(c, c->sparams[0], &r)))
		return st;
	int64_t id = db_int(&r, 0, 0);
	cJSON *u = admin_user_json(c, &r, 0);
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	if (db_exec(c->app->db, c->a, &h,
		    "SELECT " ACTION_COLUMNS " FROM mod_actions WHERE subject_id = ? "
		    "ORDER BY id DESC LIMIT ?",
		    "ii", id, (int64_t)HISTORY_ROWS) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *hist = cJSON_AddArrayToObject(u, "history");
	for (size_t i = 0; i < h.nrows; i++)
		cJSON_AddItemToArray(hist, action_json(c, &h, i));
	struct db_res open;
	if (db_exec(c->app->db, c->a, &open,
		    "SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL AND ((target_type = "
		    "'user' AND target_id = ?) OR (target_type = 'post' AND target_id IN (SELECT "
		    "id FROM posts WHERE user_id = ?)))",
		    "ii", id, id) == DB_OK)
		cJSON_AddNumberToObject(u, "open_reports", (double)db_int(&open, 0, 0));
	if (!c->api) {
		const char *role = db_str(&r, 0, 2);
		cJSON_AddBoolToObject(ctx_data(c), "can_change_role",
				      !strcmp(c->me->role, "admin") && id != c->me->id);
		cJSON_AddBoolToObject(u, "is_user", !strcmp(role, "user"));
		cJSON_AddBoolToObject(u, "is_moderator", !strcmp(role, "moderator"));
		cJSON_AddBoolToObject(u, "is_admin", !strcmp(role, "admin"));
		cJSON_AddBoolToObject(ctx_data(c), "can_act",
				      id != c->me->id &&
					  (!strcmp(role, "user") || !strcmp(c->me->role, "admin")));
		cJSON_AddBoolToObject(u, "no_history", h.nrows == 0);
	}
	c->title = arena_printf(c->a, "@%s · users", c->sparams[0]);
	return 200;
}

int admin_user_update(struct ctx *c)
{
	struct db_res r;
	const char *role = ctx_param(c, "role"), *reason = ctx_param(c, "reason"), *clean, *why;
	int st;
	c->title = "Users";
	if (strcmp(c->me->role, "admin"))
		return ctx_fail(c, 403, "forbidden", "Only an admin changes roles.");
	if (!role || (strcmp(role, "user") && strcmp(role, "moderator") && strcmp(role, "admin")))
		return ctx_fail(c, 400, "bad_role", "role is user, moderator or admin.");
	if (!reason || text_clean(c->a, reason, strlen(reason), REASON_CHARS, &clean, &why) ||
	    !*clean)
		return ctx_fail(c, 400, "missing_reason", "Say why the role changes (a reason).");
	if ((st = load_user(c, c->sparams[0], &r)))
		return st;
	int64_t id = db_int(&r, 0, 0);
	const char *old = db_str(&r, 0, 2);
	if (id == c->me->id)
		return ctx_fail(c, 400, "own_role",
				"Another admin has to change your role (so the site always keeps "
				"one).");
	if (!strcmp(old, role))
		return ctx_fail(c, 409, "same_role",
				arena_printf(c->a, "@%s is %s already.", c->sparams[0], role));
	/* The site keeps an admin: the admins' rows are locked, so two admins
	 * demoting each other at once cannot both succeed. */
	struct db_res n;
	if (db_begin(c->app->db) != DB_OK ||
	    db_exec(c->app->db, c->a, &n,
		    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND banned_at IS NULL FOR "
		    "UPDATE",
		    "") != DB_OK) {
		db_rollback(c->app->db);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	if (!strcmp(old, "admin") && db_int(&n, 0, 0) <= 1) {
		db_rollback(c->app->db);
		return ctx_fail(c, 409, "last_admin", "The site needs at least one admin.");
	}
	if (db_exec(c->app->db, c->a, NULL, "UPDATE users SET role = ? WHERE id = ?", "si", role,
		    id) != DB_OK ||
	    mod_log(c, "role", "user", id, id, clean, arena_printf(c->a, "%s -> %s", old, role),
		    0) < 0 ||
	    db_commit(c->app->db) != DB_OK) {
		db_rollback(c->app->db);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	sessions_forget(c, id);
	cJSON *u = cJSON_AddObjectToObject(ctx_data(c), "user");
	cJSON_AddStringToObject(u, "username", c->sparams[0]);
	cJSON_AddStringToObject(u, "role", role);
	cJSON_AddStringToObject(u, "previous_role", old);
	return ctx_done(c, 200, arena_printf(c->a, "/admin/users/%s", c->sparams[0]));
}
