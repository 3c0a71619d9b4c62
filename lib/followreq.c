/* followreq.c - follow requests of locked accounts (followreq.h). */
#include "followreq.h"
#include "apqueue.h"
#include "db.h"
#include "log.h"
#include "post.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

int followreq_locked(struct db *db, struct arena *a, int64_t user_id)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT locked FROM users WHERE id = ?", "i", user_id) != DB_OK)
		return -1;
	return r.nrows && db_int(&r, 0, 0) ? 1 : 0;
}

int followreq_set_locked(struct db *db, struct arena *a, int64_t user_id, int locked, int *changed)
{
	struct db_res r;
	*changed = 0;
	if (db_exec(db, a, &r, "UPDATE users SET locked = ? WHERE id = ? AND locked <> ?", "iii",
		    (int64_t) !!locked, user_id, (int64_t) !!locked) != DB_OK)
		return -1;
	*changed = r.affected == 1;
	return 0;
}

int followreq_add_local(struct db *db, struct arena *a, int64_t user_id, int64_t requester,
			int *created)
{
	struct db_res r;
	*created = 0;
	if (db_exec(db, a, &r,
		    "INSERT IGNORE INTO follow_requests (user_id, requester_user_id, created_at) "
		    "VALUES (?, ?, ?)",
		    "iii", user_id, requester, now_unix()) != DB_OK)
		return -1;
	*created = r.affected == 1;
	if (*created)
		social_notify(db, a, user_id, requester, "follow_request", 0, 0);
	return 0;
}

int followreq_add_remote(struct db *db, struct arena *a, int64_t user_id, int64_t actor_id,
			 int64_t actor_user, const char *follow_uri, int *created)
{
	struct db_res r;
	*created = 0;
	if (db_exec(
		db, a, &r,
		"INSERT INTO follow_requests (user_id, actor_id, follow_uri, created_at) VALUES "
		"(?, ?, ?, ?) ON DUPLICATE KEY UPDATE follow_uri = VALUES(follow_uri)",
		"iisi", user_id, actor_id, follow_uri ? follow_uri : "", now_unix()) != DB_OK)
		return -1;
	*created = r.affected == 1;
	if (*created && actor_user)
		social_notify(db, a, user_id, actor_user, "follow_request", 0, 0);
	return 0;
}

int followreq_pending(struct db *db, struct arena *a, int64_t requester, int64_t user_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT 1 FROM follow_requests f LEFT JOIN ap_actors x ON x.id = f.actor_id "
		    "WHERE f.user_id = ? AND (f.requester_user_id = ? OR x.user_id = ?) LIMIT 1",
		    "iii", user_id, requester, requester) != DB_OK)
		return -1;
	return r.nrows ? 1 : 0;
}

int followreq_cancel_local(struct db *db, struct arena *a, int64_t requester, int64_t user_id,
			   int *changed)
{
	struct db_res r;
	*changed = 0;
	if (db_exec(db, a, &r,
		    "DELETE FROM follow_requests WHERE user_id = ? AND requester_user_id = ?", "ii",
		    user_id, requester) != DB_OK)
		return -1;
	*changed = r.affected > 0;
	return 0;
}

cJSON *followreq_list(struct db *db, struct arena *a, int64_t user_id, int64_t **user_ids,
		      size_t *n)
{
	struct db_res r;
	*user_ids = NULL;
	*n = 0;
	if (db_read(
		db, a, &r,
		"SELECT f.id, f.created_at, f.actor_id IS NOT NULL, u.id, u.username, u.domain, "
		"IFNULL(x.url, x.uri) FROM follow_requests f LEFT JOIN ap_actors x ON x.id = "
		"f.actor_id JOIN users u ON u.id = IFNULL(f.requester_user_id, x.user_id) "
		"WHERE f.user_id = ? ORDER BY f.id LIMIT ?",
		"ii", user_id, (int64_t)FOLLOWREQ_PAGE) != DB_OK)
		return NULL;
	cJSON *items = cJSON_CreateArray();
	*user_ids = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**user_ids));
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_int(&r, i, 0));
		cJSON_AddStringToObject(o, "created_at", time_iso(a, db_int(&r, i, 1)));
		cJSON_AddBoolToObject(o, "remote", db_int(&r, i, 2));
		cJSON *u = cJSON_AddObjectToObject(o, "user");
		cJSON_AddNumberToObject(u, "id", (double)db_int(&r, i, 3));
		cJSON_AddStringToObject(u, "username", db_str(&r, i, 4));
		cJSON_AddStringToObject(u, "domain", db_str(&r, i, 5));
		cJSON_AddStringToObject(u, "url",
					social_profile_url(a, db_str(&r, i, 4), db_str(&r, i, 5),
							   db_str(&r, i, 6), db_str(&r, i, 6)));
		cJSON_AddItemToArray(items, o);
		(*user_ids)[(*n)++] = db_int(&r, i, 3);
	}
	return items;
}

/* A remote request answered: for an approval the follower row, then our
 * Accept or Reject queued, and the request gone (one transaction). */
static int answer_remote(struct db *db, struct arena *a, const char *base, int64_t user_id,
			 const char *name, int64_t id, int64_t actor_id, const char *follow_uri,
			 int accept)
{
	struct db_res r;
	int ok = 0;
	if (db_exec(db, a, &r,
		    "SELECT uri, IFNULL(shared_inbox, inbox) FROM ap_actors WHERE id = ?", "i",
		    actor_id) != DB_OK ||
	    !r.nrows)
		return 503;
	const char *follower = db_str(&r, 0, 0), *inbox = db_str(&r, 0, 1);
	const char *me = arena_printf(a, "%s/u/%s", base, name);
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r, "DELETE FROM follow_requests WHERE id = ?", "i", id) != DB_OK)
		goto done;
	if (r.affected != 1) {
		db_rollback(db);
		return 404; /* answered a moment ago */
	}
	if (accept &&
	    db_exec(db, a, NULL,
		    "INSERT INTO ap_followers (user_id, actor_id, follow_id, created_at) VALUES "
		    "(?, ?, ?, ?) ON DUPLICATE KEY UPDATE follow_id = VALUES(follow_id)",
		    "iisi", user_id, actor_id, follow_uri, now_unix()) != DB_OK)
		goto done;
	if (apq_answer_follow(
		db, a, user_id, me,
		arena_printf(a, "%s#%s/r%lld", me, accept ? "accepts" : "rejects", (long long)id),
		accept ? "Accept" : "Reject", follow_uri, follower, inbox))
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK || !ok)
		return 503;
	log_info("followreq: %s %s the follow of %s", name, accept ? "approved" : "rejected",
		 follower);
	return 0;
}

int followreq_answer(struct db *db, struct arena *a, const char *base, int64_t user_id,
		     const char *name, int64_t id, int64_t requester_user, int accept,
		     int64_t *requester)
{
	struct db_res r;
	*requester = 0;
	if (db_exec(db, a, &r,
		    "SELECT f.id, IFNULL(f.requester_user_id, 0), IFNULL(f.actor_id, 0), "
		    "f.follow_uri, IFNULL(IFNULL(f.requester_user_id, x.user_id), 0) FROM "
		    "follow_requests f LEFT JOIN ap_actors x ON x.id = f.actor_id WHERE f.user_id "
		    "= ? AND (f.id = ? OR (? <> 0 AND (f.requester_user_id = ? OR x.user_id = ?))) "
		    "LIMIT 1",
		    "iiiii", user_id, id, requester_user, requester_user, requester_user) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	id = db_int(&r, 0, 0);
	int64_t local = db_int(&r, 0, 1), actor = db_int(&r, 0, 2);
	*requester = db_int(&r, 0, 4);
	if (actor)
		return answer_remote(db, a, base, user_id, name, id, actor, db_str(&r, 0, 3),
				     accept);
	if (accept) {
		int changed;
		int st = social_follow_user(db, a, local, user_id, 1, &changed);
		if (st)
			return st == 404 ? 404 : 503;
	}
	if (db_exec(db, a, NULL, "DELETE FROM follow_requests WHERE id = ?", "i", id) != DB_OK)
		return 503;
	return 0;
}
