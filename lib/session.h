/* session.h - login sessions: the sessions row made at login and sign-up,
 * deleted at logout, and the lookup every request makes (the request layer
 * caches what it finds under cachekey_session). The database stores only a
 * hash of the token. */
#ifndef IMAGIER_SESSION_H
#define IMAGIER_SESSION_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"

struct cache;
struct db;

/* A live session and its person (strings in the arena). */
struct session_row {
	int64_t user_id;
	const char *csrf, *username, *role;
	int64_t expires_at, created_at;
	int64_t suspended_until; /* 0: not suspended */
};

/* Start a session of user_id for ttl seconds: a new token and CSRF token
 * into token and csrf, its hash into the sessions table. 0, or 503 (the
 * database failed; nothing was stored). */
int session_open(struct db *db, struct arena *a, int64_t user_id, int64_t ttl,
		 char token[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1]);

/* End the session of token: its row, then its cached lookup. 0, or 503 (the
 * database failed; the cached copy is left). */
int session_close(struct db *db, struct cache *cache, struct arena *a, const char *token);

/* The live session of token (not expired, its person not banned) into *out.
 * 1 found, 0 none, -1 the database failed. A read: the request layer calls
 * it to load a session, and again before a write to recheck the role,
 * suspension and ban of a cached one. */
/* primary: 1 to ask the primary (the recheck before a write, which must see
 * a ban made a moment ago), 0 for a read a replica may answer. */
int session_lookup(struct db *db, struct arena *a, const char *token, int primary,
		   struct session_row *out);

#endif
