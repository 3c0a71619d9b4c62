/* reports.c - reports and the moderation queue (see reports.h). */
#include "reports.h"

#include "db.h"
#include "idem.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *const reasons[] = {"spam",	    "sexual",  "violence",
				      "harassment", "illegal", "other"};

int report_type_known(const char *type)
{
	return type && (!strcmp(type, "post") || !strcmp(type, "comment") || !strcmp(type, "user"));
}

int report_reason_known(const char *reason)
{
	for (size_t i = 0; reason && i < ARRAY_LEN(reasons); i++)
		if (!strcmp(reason, reasons[i]))
			return 1;
	return 0;
}

/* The owner of a target (0 for nobody: it does not exist). */
static int target_owner(struct db *db, struct arena *a, const char *type, int64_t id,
			int64_t *owner)
{
	struct db_res r;
	/* Only what others can see can be reported (moderated content is
	 * decided already; a banned person's things are gone). */
	const char *sql = !strcmp(type, "post")
			      ? "SELECT p.user_id FROM posts p JOIN users u ON u.id = p.user_id "
				"WHERE p.id = ? AND p.mod_state = 'visible' AND u.banned_at IS NULL"
			  : !strcmp(type, "comment")
			      ? "SELECT c.user_id FROM comments c JOIN users u ON u.id = c.user_id "
				"WHERE c.id = ? AND c.deleted = 0 AND c.mod_state = 'visible' AND "
				"u.banned_at IS NULL"
			      : "SELECT id FROM users WHERE id = ? AND banned_at IS NULL";
	if (db_read(db, a, &r, sql, "i", id) != DB_OK)
		return -1;
	*owner = r.nrows ? db_int(&r, 0, 0) : 0;
	return 0;
}

static int refused(enum report_why *why, enum report_why w, int status)
{
	*why = w;
	return status;
}

int report_add(struct db *db, struct arena *a, int64_t reporter_id, const char *type, int64_t id,
	       const char *reason, const char *note, int64_t *report_id, enum report_why *why)
{
	int64_t owner;
	*why = REPORT_SAVED;
	if (target_owner(db, a, type, id, &owner))
		return refused(why, REPORT_DB_DOWN, 503);
	if (!owner)
		return refused(why, REPORT_NOT_FOUND, 404);
	if (owner == reporter_id)
		return refused(why, REPORT_OWN, 400);
	struct db_res r;
	/* One transaction with the Idempotency-Key, if the request has one. */
	if (db_begin(db) != DB_OK)
		return refused(why, REPORT_DB_DOWN, 503);
	int rc = db_exec(db, a, &r,
			 "INSERT INTO reports (reporter_id, target_type, target_id, reason, note, "
			 "created_at) VALUES (?, ?, ?, ?, ?, ?)",
			 "isissi", reporter_id, type, id, reason, note, now_unix());
	if (rc == DB_DUP) {
		db_rollback(db);
		return refused(why, REPORT_DUP, 409);
	}
	if (rc == DB_OK) {
		*report_id = (int64_t)r.insert_id;
		if (idem_claim(db, a, *report_id, "")) /* a report has no page */
			rc = DB_ERR;
	}
	if (db_finish(db, rc == DB_OK) != DB_OK)
		return refused(why, REPORT_NOT_SAVED, 503);
	return 0;
}

/* ---- the queue ----------------------------------------------------------- */

/* Where a moderator looks at a target. */
static char *target_url(struct arena *a, const char *type, int64_t id, const char *username)
{
	if (!strcmp(type, "post"))
		return arena_printf(a, "/p/%lld", (long long)id);
	if (!strcmp(type, "user") && username)
		return arena_printf(a, "/u/%s", username);
	return NULL;
}

/* What the moderator needs to decide without leaving the queue: the
 * author, the words or a thumbnail, the current state. 0 or -1. */
static int target_preview(struct db *db, struct arena *a, const char *media_url, const char *type,
			  int64_t id, cJSON *it)
{
	/* Columns 0-2 are the same for every kind: author, words, state. */
	const char *sql =
	    !strcmp(type, "post")
		? "SELECT u.username, p.prompt, p.mod_state, p.caption, i.width, i.height, "
		  "i.blurhash, i.avg_color, i.variants FROM posts p JOIN users u ON u.id = "
		  "p.user_id JOIN images i ON i.id = p.image_id WHERE p.id = ?"
	    : !strcmp(type, "comment")
		? "SELECT u.username, c.text, c.mod_state, c.post_id FROM comments c JOIN users u "
		  "ON u.id = c.user_id WHERE c.id = ?"
		: "SELECT username, bio, IF(banned_at IS NULL, 'active', 'banned') FROM users "
		  "WHERE id = ?";
	struct db_res r;
	if (db_read(db, a, &r, sql, "i", id) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	cJSON_AddStringToObject(it, "author", db_str(&r, 0, 0));
	cJSON_AddStringToObject(it, "text", db_str(&r, 0, 1));
	cJSON_AddStringToObject(it, "state", db_str(&r, 0, 2));
	if (!strcmp(type, "post")) {
		cJSON_AddStringToObject(it, "caption", db_str(&r, 0, 3));
		cJSON *t = post_thumb_json(a, media_url, db_int(&r, 0, 4), db_int(&r, 0, 5),
					   db_str(&r, 0, 6), db_str(&r, 0, 7), db_str(&r, 0, 8));
		if (t)
			cJSON_AddItemToObject(it, "thumb", t);
	} else if (!strcmp(type, "comment")) {
		cJSON_AddStringToObject(it, "url",
					arena_printf(a, "/p/%lld#comment-%lld",
						     (long long)db_int(&r, 0, 3), (long long)id));
	}
	return 0;
}

/* The reporters' notes about one target, oldest first. 0 or -1. */
static int target_notes(struct db *db, struct arena *a, const char *type, int64_t id, cJSON *it)
{
	struct db_res notes;
	if (db_read(db, a, &notes,
		    "SELECT IFNULL(u.username, 'filter'), r.reason, r.note, r.source = "
		    "'filter' "
		    "FROM reports r LEFT JOIN users u ON u.id = r.reporter_id WHERE "
		    "r.target_type = ? AND r.target_id = ? AND "
		    "r.resolved_at IS NULL ORDER BY r.id LIMIT 10",
		    "si", type, id) != DB_OK)
		return -1;
	cJSON *ns = cJSON_AddArrayToObject(it, "notes");
	for (size_t k = 0; k < notes.nrows; k++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "reporter", db_str(&notes, k, 0));
		cJSON_AddStringToObject(n, "reason", db_str(&notes, k, 1));
		cJSON_AddStringToObject(n, "note", db_str(&notes, k, 2));
		cJSON_AddBoolToObject(n, "automatic", db_int(&notes, k, 3) != 0);
		cJSON_AddItemToArray(ns, n);
	}
	return 0;
}

/* Pending appeals, oldest first, with the decision they are against. */
static int queue_appeals(struct db *db, struct arena *a, cJSON *data)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT a.id, u.username, a.note, a.created_at, m.id, m.action, m.target_type, "
		    "m.target_id, m.reason, m.actor_name FROM appeals a JOIN users u ON u.id = "
		    "a.user_id JOIN mod_actions m ON m.id = a.action_id WHERE a.decided_at IS NULL "
		    "ORDER BY a.id LIMIT ?",
		    "i", (int64_t)REPORT_QUEUE_PAGE) != DB_OK)
		return -1;
	cJSON *items = cJSON_AddArrayToObject(data, "appeals");
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_int(&r, i, 0));
		cJSON_AddStringToObject(
		    o, "key", arena_printf(a, "appeal:%lld", (long long)db_int(&r, i, 0)));
		cJSON_AddStringToObject(o, "by", db_str(&r, i, 1));
		cJSON_AddStringToObject(o, "note", db_str(&r, i, 2));
		time_json(o, a, "created_at", "created_text", db_int(&r, i, 3));
		cJSON *d = cJSON_AddObjectToObject(o, "decision");
		cJSON_AddNumberToObject(d, "id", (double)db_int(&r, i, 4));
		cJSON_AddStringToObject(d, "action", db_str(&r, i, 5));
		cJSON_AddStringToObject(d, "target_type", db_str(&r, i, 6));
		cJSON_AddNumberToObject(d, "target_id", (double)db_int(&r, i, 7));
		cJSON_AddStringToObject(d, "reason", db_str(&r, i, 8));
		cJSON_AddStringToObject(d, "by", db_str(&r, i, 9));
		if (!strcmp(db_str(&r, i, 6), "post"))
			cJSON_AddStringToObject(
			    d, "url", arena_printf(a, "/p/%lld", (long long)db_int(&r, i, 7)));
		cJSON_AddItemToArray(items, o);
	}
	return 0;
}

int report_queue(struct db *db, struct arena *a, const char *media_url, cJSON *data)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT q.target_type, q.target_id, q.n, q.first, q.reasons, u.username "
		    "FROM (SELECT target_type, target_id, COUNT(*) AS n, MIN(created_at) AS first, "
		    "GROUP_CONCAT(DISTINCT reason ORDER BY reason) AS reasons FROM reports "
		    "WHERE resolved_at IS NULL GROUP BY target_type, target_id "
		    "ORDER BY first, target_id LIMIT ?) q "
		    "LEFT JOIN users u ON q.target_type = 'user' AND u.id = q.target_id "
		    "ORDER BY q.first, q.target_id",
		    "i", (int64_t)REPORT_QUEUE_PAGE) != DB_OK)
		return -1;
	cJSON *items = cJSON_AddArrayToObject(data, "items");
	for (size_t i = 0; i < r.nrows; i++) {
		const char *type = db_str(&r, i, 0);
		int64_t id = db_int(&r, i, 1);
		cJSON *it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "target_type", type);
		cJSON_AddNumberToObject(it, "target_id", (double)id);
		cJSON_AddNumberToObject(it, "reports", (double)db_int(&r, i, 2));
		time_json(it, a, "first_reported_at", "first_reported_text", db_int(&r, i, 3));
		cJSON *rs = cJSON_AddArrayToObject(it, "reasons");
		char *list = arena_strdup(a, db_str(&r, i, 4) ? db_str(&r, i, 4) : "");
		for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(rs, cJSON_CreateString(t));
		char *url = target_url(a, type, id, db_str(&r, i, 5));
		if (url)
			cJSON_AddStringToObject(it, "url", url);
		cJSON_AddStringToObject(it, "key", arena_printf(a, "%s:%lld", type, (long long)id));
		if (target_preview(db, a, media_url, type, id, it) ||
		    target_notes(db, a, type, id, it)) {
			cJSON_Delete(it);
			return -1;
		}
		cJSON_AddItemToArray(items, it);
	}
	if (queue_appeals(db, a, data))
		return -1;
	return (int)r.nrows;
}
