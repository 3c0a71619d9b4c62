/* session.c - login sessions: made, ended, looked up. */
#include "session.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "util.h"

#include <string.h>

int session_open(struct db *db, struct arena *a, int64_t user_id, int64_t ttl,
		 char token[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_hash(token, h);
	int64_t now = now_unix();
	if (db_exec(db, a, NULL,
		    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
		    "VALUES (?, ?, ?, ?, ?)",
		    "bisii", h, sizeof(h), user_id, csrf, now, now + ttl) != DB_OK)
		return 503;
	return 0;
}

int session_close(struct db *db, struct cache *cache, struct arena *a, const char *token)
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_hash(token, h);
	if (db_exec(db, a, NULL, "DELETE FROM sessions WHERE token_hash = ?", "b", h, sizeof(h)) !=
	    DB_OK)
		return 503;
	cache_delete(cache, cachekey_session_token(a, token));
	return 0;
}

int session_lookup(struct db *db, struct arena *a, const char *token, int primary,
		   struct session_row *out)
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	auth_token_hash(token, h);
	memset(out, 0, sizeof(*out));
	/* The recheck before a write must see a ban made a moment ago: it asks
	 * the primary. A plain load is a read like any other. */
	int (*run)(struct db *, struct arena *, struct db_res *, const char *, const char *, ...) =
	    primary ? db_exec : db_read;
	if (run(db, a, &r,
		"SELECT s.user_id, s.csrf, u.username, u.role, s.expires_at, u.created_at, "
		"IFNULL(u.suspended_until, 0) FROM sessions s JOIN users u ON u.id = "
		"s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.banned_at IS NULL",
		"bi", h, sizeof(h), now_unix()) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	out->user_id = db_int(&r, 0, 0);
	out->csrf = db_str(&r, 0, 1);
	out->username = db_str(&r, 0, 2);
	out->role = db_str(&r, 0, 3);
	out->expires_at = db_int(&r, 0, 4);
	out->created_at = db_int(&r, 0, 5);
	out->suspended_until = db_int(&r, 0, 6);
	return 1;
}
