/* audit.c - the audit log of moderation and what is read from it (see
 * audit.h). */
#include "audit.h"

#include "db.h"
#include "moderator.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

int64_t mod_log(struct db *db, struct arena *a, const struct mod_actor *actor, const char *action,
		const char *target_type, int64_t target_id, int64_t subject_id, const char *reason,
		const char *detail, int64_t until_at)
{
	struct db_res r;
	const char *name = "";
	if (subject_id &&
	    db_read(db, a, &r, "SELECT username FROM users WHERE id = ?", "i", subject_id) ==
		DB_OK &&
	    r.nrows)
		name = db_str(&r, 0, 0);
	if (db_exec(
		db, a, &r,
		"INSERT INTO mod_actions (actor_id, actor_name, action, target_type, target_id, "
		"subject_id, subject_name, reason, detail, until_at, created_at) "
		"VALUES (NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?)",
		"isssiisssii", actor ? actor->id : 0, actor ? actor->name : "filter", action,
		target_type, target_id, subject_id, name, reason, detail ? detail : "", until_at,
		now_unix()) != DB_OK)
		return -1;
	return (int64_t)r.insert_id;
}

/* ---- the audit page ------------------------------------------------------ */

#define ACTION_COLUMNS                                                                             \
	"id, actor_name, action, target_type, target_id, subject_name, reason, detail, "           \
	"until_at, created_at"

static cJSON *action_json(struct arena *a, const struct db_res *r, size_t i)
{
	/* columns: ACTION_COLUMNS */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)db_int(r, i, 0));
	cJSON_AddStringToObject(o, "actor", db_str(r, i, 1));
	cJSON_AddStringToObject(o, "action", db_str(r, i, 2));
	cJSON_AddStringToObject(o, "target_type", db_str(r, i, 3));
	cJSON_AddNumberToObject(o, "target_id", (double)db_int(r, i, 4));
	cJSON_AddStringToObject(o, "subject", db_str(r, i, 5));
	cJSON_AddStringToObject(o, "reason", db_str(r, i, 6));
	cJSON_AddStringToObject(o, "detail", db_str(r, i, 7));
	if (db_str(r, i, 8))
		time_json(o, a, "until", "until_text", db_int(r, i, 8));
	time_json(o, a, "created_at", "created_text", db_int(r, i, 9));
	const char *t = db_str(r, i, 3);
	int64_t id = db_int(r, i, 4);
	if (!strcmp(t, "post"))
		cJSON_AddStringToObject(o, "url", arena_printf(a, "/p/%lld", (long long)id));
	else if (!strcmp(t, "domain")) /* the host is in detail */
		cJSON_AddStringToObject(o, "url", "/admin/federation");
	else if (!strcmp(t, "user") && *db_str(r, i, 5))
		cJSON_AddStringToObject(o, "url",
					arena_printf(a, "/admin/users/%s", db_str(r, i, 5)));
	return o;
}

/* Up to page rows of r as objects into items; *next the last id when there
 * was one row more (the query asks for page + 1). */
static void page_into(struct arena *a, const struct db_res *r, size_t page, cJSON *items,
		      int64_t *next, cJSON *(*row)(struct arena *, const struct db_res *, size_t))
{
	size_t n = r->nrows > page ? page : r->nrows;
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(items, row(a, r, i));
	*next = r->nrows > page ? db_int(r, n - 1, 0) : 0;
}

int audit_list(struct db *db, struct arena *a, const char *actor, const char *action,
	       const char *target_type, const char *subject, int64_t before, cJSON *items,
	       int64_t *next)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT " ACTION_COLUMNS " FROM mod_actions WHERE (? = '' OR actor_name = ?) "
		    "AND (? = '' OR action = ?) AND (? = '' OR target_type = ?) AND "
		    "(? = '' OR subject_name = ?) AND id < ? ORDER BY id DESC LIMIT ?",
		    "ssssssssii", actor, actor, action, action, target_type, target_type, subject,
		    subject, before ? before : INT64_MAX, (int64_t)AUDIT_PAGE + 1) != DB_OK)
		return -1;
	page_into(a, &r, AUDIT_PAGE, items, next, action_json);
	return 0;
}

/* ---- users --------------------------------------------------------------- */

#define USER_COLUMNS                                                                               \
	"id, username, role, created_at, IFNULL(suspended_until, 0), IFNULL(banned_at, 0), "       \
	"warnings, post_count"

static cJSON *user_json(struct arena *a, const struct db_res *r, size_t i)
{
	cJSON *u = cJSON_CreateObject();
	int64_t susp = db_int(r, i, 4), banned = db_int(r, i, 5);
	const char *name = db_str(r, i, 1);
	cJSON_AddNumberToObject(u, "id", (double)db_int(r, i, 0));
	cJSON_AddStringToObject(u, "username", name);
	cJSON_AddStringToObject(u, "url", arena_printf(a, "/admin/users/%s", name));
	cJSON_AddStringToObject(u, "role", db_str(r, i, 2));
	time_json(u, a, "created_at", "created_text", db_int(r, i, 3));
	const char *status = banned ? "banned" : susp > now_unix() ? "suspended" : "active";
	cJSON_AddStringToObject(u, "status", status);
	cJSON_AddBoolToObject(u, "banned", banned != 0);
	cJSON_AddBoolToObject(u, "suspended", !banned && susp > now_unix());
	if (!banned && susp > now_unix())
		time_json(u, a, "suspended_until", "suspended_until_text", susp);
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

int audit_users(struct db *db, struct arena *a, const char *q, const char *role, const char *status,
		int64_t before, cJSON *items, int64_t *next)
{
	struct db_res r;
	int64_t now = now_unix();
	if (db_read(db, a, &r,
		    "SELECT " USER_COLUMNS " FROM users WHERE username LIKE ? AND (? = '' OR "
		    "role = ?) AND (? = '' OR (? = 'banned' AND banned_at IS NOT NULL) OR "
		    "(? = 'suspended' AND banned_at IS NULL AND suspended_until > ?) OR "
		    "(? = 'active' AND banned_at IS NULL AND IFNULL(suspended_until, 0) <= ?)) "
		    "AND id < ? ORDER BY id DESC LIMIT ?",
		    "ssssssisiii", like_prefix(a, q), role, role, status, status, status, now,
		    status, now, before ? before : INT64_MAX,
		    (int64_t)AUDIT_USERS_PAGE + 1) != DB_OK)
		return -1;
	page_into(a, &r, AUDIT_USERS_PAGE, items, next, user_json);
	return 0;
}

cJSON *audit_user(struct db *db, struct arena *a, const char *username, int *status)
{
	struct db_res r, h, open;
	if (db_read(db, a, &r, "SELECT " USER_COLUMNS " FROM users WHERE username = ?", "s",
		    username) != DB_OK) {
		*status = 503;
		return NULL;
	}
	if (!r.nrows) {
		*status = 404;
		return NULL;
	}
	int64_t id = db_int(&r, 0, 0);
	if (db_read(db, a, &h,
		    "SELECT " ACTION_COLUMNS " FROM mod_actions WHERE subject_id = ? "
		    "ORDER BY id DESC LIMIT ?",
		    "ii", id, (int64_t)AUDIT_HISTORY) != DB_OK) {
		*status = 503;
		return NULL;
	}
	cJSON *u = user_json(a, &r, 0);
	cJSON *hist = cJSON_AddArrayToObject(u, "history");
	for (size_t i = 0; i < h.nrows; i++)
		cJSON_AddItemToArray(hist, action_json(a, &h, i));
	if (db_read(db, a, &open,
		    "SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL AND ((target_type = "
		    "'user' AND target_id = ?) OR (target_type = 'post' AND target_id IN (SELECT "
		    "id FROM posts WHERE user_id = ?)))",
		    "ii", id, id) == DB_OK)
		cJSON_AddNumberToObject(u, "open_reports", (double)db_int(&open, 0, 0));
	return u;
}

/* ---- what a person sees of the decisions about them ---------------------- */

/* Actions a person may appeal: those that took something from them and
 * leave them able to log in. */
static int appealable(const char *action)
{
	/* Not a ban: a banned person cannot log in (they write to the site). */
	static const char *const can[] = {"hide", "remove", "label", "warn", "suspend"};
	for (size_t i = 0; i < ARRAY_LEN(can); i++)
		if (!strcmp(action, can[i]))
			return 1;
	return 0;
}

/* columns: id, action, target_type, target_id, reason, until_at, created_at,
 * appeal id, appeal note, appeal created, decided_at, decision */
#define MINE_SQL                                                                                   \
	"SELECT m.id, m.action, m.target_type, m.target_id, m.reason, m.until_at, m.created_at, "  \
	"a.id, a.note, a.created_at, a.decided_at, a.decision FROM mod_actions m LEFT JOIN "       \
	"appeals a ON a.action_id = m.id WHERE m.subject_id = ? AND m.action NOT IN ('dismiss', "  \
	"'role') "

static cJSON *mine_json(struct arena *a, const struct db_res *r, size_t i)
{
	cJSON *o = cJSON_CreateObject();
	int64_t id = db_int(r, i, 0);
	const char *action = db_str(r, i, 1), *type = db_str(r, i, 2);
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "url", arena_printf(a, "/moderation/%lld", (long long)id));
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "target_type", type);
	cJSON_AddNumberToObject(o, "target_id", (double)db_int(r, i, 3));
	if (!strcmp(type, "post"))
		cJSON_AddStringToObject(o, "target_url",
					arena_printf(a, "/p/%lld", (long long)db_int(r, i, 3)));
	cJSON_AddStringToObject(o, "reason", db_str(r, i, 4));
	if (db_str(r, i, 5))
		time_json(o, a, "until", "until_text", db_int(r, i, 5));
	time_json(o, a, "created_at", "created_text", db_int(r, i, 6));
	if (db_str(r, i, 7)) {
		cJSON *ap = cJSON_AddObjectToObject(o, "appeal");
		cJSON_AddNumberToObject(ap, "id", (double)db_int(r, i, 7));
		cJSON_AddStringToObject(ap, "note", db_str(r, i, 8));
		time_json(ap, a, "created_at", "created_text", db_int(r, i, 9));
		const char *dec = db_str(r, i, 11);
		cJSON_AddStringToObject(ap, "status", dec ? dec : "pending");
		cJSON_AddBoolToObject(ap, "pending", !dec);
		cJSON_AddBoolToObject(ap, "overturned", dec && !strcmp(dec, "overturned"));
		cJSON_AddBoolToObject(ap, "upheld", dec && !strcmp(dec, "upheld"));
	}
	cJSON_AddBoolToObject(o, "can_appeal", appealable(action) && !db_str(r, i, 7));
	return o;
}

cJSON *audit_mine(struct db *db, struct arena *a, int64_t user_id)
{
	struct db_res r;
	if (db_read(db, a, &r, MINE_SQL "ORDER BY m.id DESC LIMIT ?", "ii", user_id,
		    (int64_t)AUDIT_MINE_PAGE) != DB_OK)
		return NULL;
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; i < r.nrows; i++)
		cJSON_AddItemToArray(items, mine_json(a, &r, i));
	return items;
}

cJSON *audit_mine_one(struct db *db, struct arena *a, int64_t user_id, int64_t action_id,
		      int *status)
{
	struct db_res r;
	if (db_read(db, a, &r, MINE_SQL "AND m.id = ?", "ii", user_id, action_id) != DB_OK) {
		*status = 503;
		return NULL;
	}
	if (!r.nrows) { /* someone else's (or nothing): the same answer */
		*status = 404;
		return NULL;
	}
	return mine_json(a, &r, 0);
}

int audit_appeal(struct db *db, struct arena *a, int64_t user_id, int64_t action_id,
		 const char *note, int64_t *id)
{
	struct db_res r;
	int rc = db_exec(db, a, &r,
			 "INSERT INTO appeals (action_id, user_id, note, created_at) "
			 "VALUES (?, ?, ?, ?)",
			 "iisi", action_id, user_id, note, now_unix());
	if (rc == DB_DUP)
		return 409;
	if (rc != DB_OK)
		return 503;
	*id = (int64_t)r.insert_id;
	return 0;
}
