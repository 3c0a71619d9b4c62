/* report.c - people report posts, comments and people; moderators see the
 * open reports grouped by target, oldest first (/admin, /api/v1/admin/queue). */
#include "app.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_NOTE_CHARS 1000
#define QUEUE_PAGE	  50

static const char *const reasons[] = {"spam",	    "sexual",  "violence",
				      "harassment", "illegal", "other"};

/* The owner of a target (0 for nobody: it does not exist). */
static int target_owner(struct ctx *c, const char *type, int64_t id, int64_t *owner)
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
	if (db_exec(c->app->db, c->a, &r, sql, "i", id) != DB_OK)
		return -1;
	*owner = r.nrows ? db_int(&r, 0, 0) : 0;
	return 0;
}

int report_create(struct ctx *c)
{
	const char *type = ctx_param(c, "target_type"), *reason = ctx_param(c, "reason");
	const char *note = ctx_param(c, "note"), *clean = "", *why;
	uint64_t id = 0;
	if (!type || (strcmp(type, "post") && strcmp(type, "comment") && strcmp(type, "user")))
		return ctx_fail(c, 400, "bad_target_type", "Report a post, a comment or a user.");
	if (ctx_param_u64(c, "target_id", INT64_MAX, &id) <= 0 || id == 0)
		return ctx_fail(c, 400, "bad_target_id", "Say what you report: target_id.");
	int known = 0;
	for (size_t i = 0; reason && i < ARRAY_LEN(reasons); i++)
		known |= !strcmp(reason, reasons[i]);
	if (!known)
		return ctx_fail(
		    c, 400, "bad_reason",
		    "The reason is spam, sexual, violence, harassment, illegal or other.");
	if (note && text_clean(c->a, note, strlen(note), REPORT_NOTE_CHARS, &clean, &why))
		return ctx_fail(c, 400, "bad_note", arena_printf(c->a, "Note: %s", why));
	int64_t owner;
	if (target_owner(c, type, (int64_t)id, &owner))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!owner)
		return ctx_fail(c, 404, "not_found", "There is nothing like that to report.");
	if (owner == c->me->id)
		return ctx_fail(c, 400, "own_content",
				"You cannot report yourself or what you made.");
	struct db_res r;
	int rc = db_exec(c->app->db, c->a, &r,
			 "INSERT INTO reports (reporter_id, target_type, target_id, reason, note, "
			 "created_at) VALUES (?, ?, ?, ?, ?, ?)",
			 "isissi", c->me->id, type, (int64_t)id, reason, clean, now_unix());
	if (rc == DB_DUP)
		return ctx_fail(c, 409, "already_reported",
				"You reported this already; thank you.");
	if (rc != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not save the report; try again.");
	cJSON *rep = cJSON_AddObjectToObject(ctx_data(c), "report");
	cJSON_AddNumberToObject(rep, "id", (double)r.insert_id);
	cJSON_AddStringToObject(rep, "target_type", type);
	cJSON_AddNumberToObject(rep, "target_id", (double)id);
	cJSON_AddStringToObject(rep, "reason", reason);
	cJSON_AddStringToObject(rep, "note", clean);
	const char *back = !strcmp(type, "post")
			       ? arena_printf(c->a, "/p/%llu?reported=1", (unsigned long long)id)
			       : "/";
	return ctx_done(c, 201, back);
}

/* Where a moderator looks at a target. */
static char *target_url(struct ctx *c, const char *type, int64_t id, const char *username)
{
	if (!strcmp(type, "post"))
		return arena_printf(c->a, "/p/%lld", (long long)id);
	if (!strcmp(type, "user") && username)
		return arena_printf(c->a, "/u/%s", username);
	return NULL;
}

/* What the moderator needs to decide without leaving the queue: the
 * author, the words or a thumbnail, the current state. 0 or -1. */
static int target_preview(struct ctx *c, const char *type, int64_t id, cJSON *it)
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
	if (db_exec(c->app->db, c->a, &r, sql, "i", id) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	cJSON_AddStringToObject(it, "author", db_str(&r, 0, 0));
	cJSON_AddStringToObject(it, "text", db_str(&r, 0, 1));
	cJSON_AddStringToObject(it, "state", db_str(&r, 0, 2));
	if (!strcmp(type, "post")) {
		cJSON_AddStringToObject(it, "caption", db_str(&r, 0, 3));
		cJSON *t =
		    post_thumb_json(c->a, c->app->cfg.media_url, db_int(&r, 0, 4), db_int(&r, 0, 5),
				    db_str(&r, 0, 6), db_str(&r, 0, 7), db_str(&r, 0, 8));
		if (t)
			cJSON_AddItemToObject(it, "thumb", t);
	} else if (!strcmp(type, "comment")) {
		cJSON_AddStringToObject(it, "url",
					arena_printf(c->a, "/p/%lld#c%lld",
						     (long long)db_int(&r, 0, 3), (long long)id));
	}
	return 0;
}

/* Pending appeals, oldest first, with the decision they are against. */
static int queue_appeals(struct ctx *c)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT a.id, u.username, a.note, a.created_at, m.id, m.action, m.target_type, "
		    "m.target_id, m.reason, m.actor_name FROM appeals a JOIN users u ON u.id = "
		    "a.user_id JOIN mod_actions m ON m.id = a.action_id WHERE a.decided_at IS NULL "
		    "ORDER BY a.id LIMIT ?",
		    "i", (int64_t)QUEUE_PAGE) != DB_OK)
		return -1;
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "appeals");
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_int(&r, i, 0));
		cJSON_AddStringToObject(
		    o, "key", arena_printf(c->a, "appeal:%lld", (long long)db_int(&r, i, 0)));
		cJSON_AddStringToObject(o, "by", db_str(&r, i, 1));
		cJSON_AddStringToObject(o, "note", db_str(&r, i, 2));
		cJSON_AddStringToObject(o, "created_at", time_iso(c->a, db_int(&r, i, 3)));
		cJSON_AddStringToObject(o, "created_text", time_text(c->a, db_int(&r, i, 3)));
		cJSON *d = cJSON_AddObjectToObject(o, "decision");
		cJSON_AddNumberToObject(d, "id", (double)db_int(&r, i, 4));
		cJSON_AddStringToObject(d, "action", db_str(&r, i, 5));
		cJSON_AddStringToObject(d, "target_type", db_str(&r, i, 6));
		cJSON_AddNumberToObject(d, "target_id", (double)db_int(&r, i, 7));
		cJSON_AddStringToObject(d, "reason", db_str(&r, i, 8));
		cJSON_AddStringToObject(d, "by", db_str(&r, i, 9));
		if (!strcmp(db_str(&r, i, 6), "post"))
			cJSON_AddStringToObject(
			    d, "url", arena_printf(c->a, "/p/%lld", (long long)db_int(&r, i, 7)));
		cJSON_AddItemToArray(items, o);
	}
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "no_appeals", r.nrows == 0);
	return 0;
}

int queue_show(struct ctx *c)
{
	struct db_res r, notes;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT q.target_type, q.target_id, q.n, q.first, q.reasons, u.username "
		    "FROM (SELECT target_type, target_id, COUNT(*) AS n, MIN(created_at) AS first, "
		    "GROUP_CONCAT(DISTINCT reason ORDER BY reason) AS reasons FROM reports "
		    "WHERE resolved_at IS NULL GROUP BY target_type, target_id "
		    "ORDER BY first, target_id LIMIT ?) q "
		    "LEFT JOIN users u ON q.target_type = 'user' AND u.id = q.target_id "
		    "ORDER BY q.first, q.target_id",
		    "i", (int64_t)QUEUE_PAGE) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "items");
	for (size_t i = 0; i < r.nrows; i++) {
		const char *type = db_str(&r, i, 0);
		int64_t id = db_int(&r, i, 1);
		cJSON *it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "target_type", type);
		cJSON_AddNumberToObject(it, "target_id", (double)id);
		cJSON_AddNumberToObject(it, "reports", (double)db_int(&r, i, 2));
		cJSON_AddStringToObject(it, "first_reported_at", time_iso(c->a, db_int(&r, i, 3)));
		cJSON_AddStringToObject(it, "first_reported_text",
					time_text(c->a, db_int(&r, i, 3)));
		cJSON *rs = cJSON_AddArrayToObject(it, "reasons");
		char *list = arena_strdup(c->a, db_str(&r, i, 4) ? db_str(&r, i, 4) : "");
		for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(rs, cJSON_CreateString(t));
		char *url = target_url(c, type, id, db_str(&r, i, 5));
		if (url)
			cJSON_AddStringToObject(it, "url", url);
		cJSON_AddStringToObject(it, "key",
					arena_printf(c->a, "%s:%lld", type, (long long)id));
		if (!c->api)
			cJSON_AddBoolToObject(it, "user_target", !strcmp(type, "user"));
		if (target_preview(c, type, id, it)) {
			cJSON_Delete(it);
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		}
		if (db_exec(c->app->db, c->a, &notes,
			    "SELECT IFNULL(u.username, 'filter'), r.reason, r.note, r.source = "
			    "'filter' "
			    "FROM reports r LEFT JOIN users u ON u.id = r.reporter_id WHERE "
			    "r.target_type = ? AND r.target_id = ? AND "
			    "r.resolved_at IS NULL ORDER BY r.id LIMIT 10",
			    "si", type, id) != DB_OK) {
			cJSON_Delete(it);
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		}
		cJSON *ns = cJSON_AddArrayToObject(it, "notes");
		for (size_t k = 0; k < notes.nrows; k++) {
			cJSON *n = cJSON_CreateObject();
			cJSON_AddStringToObject(n, "reporter", db_str(&notes, k, 0));
			cJSON_AddStringToObject(n, "reason", db_str(&notes, k, 1));
			cJSON_AddStringToObject(n, "note", db_str(&notes, k, 2));
			cJSON_AddBoolToObject(n, "automatic", db_int(&notes, k, 3) != 0);
			cJSON_AddItemToArray(ns, n);
		}
		cJSON_AddItemToArray(items, it);
	}
	if (queue_appeals(c))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "empty", r.nrows == 0);
	c->title = "Moderation queue";
	return 200;
}
