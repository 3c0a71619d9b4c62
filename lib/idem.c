/* idem.c - Idempotency-Key rows (idem.h). */
#include "idem.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <string.h>

int idem_key_ok(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n > IDEM_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

int idem_find(struct db *db, struct arena *a, const struct idem *k, struct idem_found *f)
{
	struct db_res r;
	/* The primary: a retry must see the row the first request just wrote. */
	if (db_exec(db, a, &r,
		    "SELECT route, req_hash, status, resource_id, location, body, created_at FROM "
		    "idempotency_keys WHERE user_id = ? AND idem_key = ? AND created_at >= ?",
		    "isi", k->user_id, k->key, now_unix() - IDEM_TTL) != DB_OK)
		return -1;
	if (r.nrows == 0)
		return 0;
	f->same = !strcmp(db_str(&r, 0, 0), k->route) && !strcmp(db_str(&r, 0, 1), k->hash);
	f->status = (int)db_int(&r, 0, 2);
	f->resource_id = db_int(&r, 0, 3);
	f->location = db_str(&r, 0, 4);
	f->body = db_str(&r, 0, 5);
	f->age = now_unix() - db_int(&r, 0, 6);
	return 1;
}

void idem_arm(struct db *db, struct idem *k)
{
	k->state = IDEM_ARMED;
	*db_idem_slot(db) = k;
}

int idem_state(struct db *db)
{
	struct idem *k = *db_idem_slot(db);
	return k ? k->state : 0;
}

void idem_disarm(struct db *db)
{
	*db_idem_slot(db) = NULL;
}

int idem_claim(struct db *db, struct arena *a, int64_t resource_id, const char *location)
{
	struct idem *k = *db_idem_slot(db);
	if (!k || k->state != IDEM_ARMED)
		return 0;
	int64_t now = now_unix();
	/* The same key, expired: it may be used again. */
	int rc = db_exec(db, a, NULL,
			 "DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND "
			 "created_at < ?",
			 "isi", k->user_id, k->key, now - IDEM_TTL);
	if (rc == DB_OK)
		rc = db_exec(db, a, NULL,
			     "INSERT INTO idempotency_keys (user_id, idem_key, route, req_hash, "
			     "resource_id, location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			     "isssisi", k->user_id, k->key, k->route, k->hash, resource_id,
			     location ? location : "", now);
	if (rc == DB_DUP)
		k->state = IDEM_COLLIDED;
	else if (rc == DB_OK)
		k->state = IDEM_CLAIMED;
	return rc == DB_OK ? 0 : -1;
}

void idem_finish(struct db *db, struct arena *a, int status, const char *body, size_t len)
{
	struct idem *k = *db_idem_slot(db);
	idem_disarm(db);
	if (!k || k->state != IDEM_CLAIMED)
		return;
	if (status < 500 &&
	    db_exec(db, a, NULL,
		    "UPDATE idempotency_keys SET status = ?, body = ? WHERE user_id = ? AND "
		    "idem_key = ?",
		    "isis", (int64_t)status, arena_strndup(a, body ? body : "", len), k->user_id,
		    k->key) != DB_OK)
		log_error("idempotency: the answer to key of user %lld was not recorded",
			  (long long)k->user_id);
	db_exec(db, a, NULL, "DELETE FROM idempotency_keys WHERE created_at < ? LIMIT 100", "i",
		now_unix() - IDEM_TTL);
}
