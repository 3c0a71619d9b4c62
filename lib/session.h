/* session.h - login sessions: the sessions row made at login and sign-up,
 * deleted at logout, listed and ended by their owner, and the lookup every
 * request makes (the request layer caches what it finds under
 * cachekey_session). The database stores only a hash of the token; a
 * session's public id (sessions.id) is what lists and logouts name. */
#ifndef IMAGIER_SESSION_H
#define IMAGIER_SESSION_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"

struct cache;
struct config;
struct cJSON;
struct db;
struct db_res;

/* A session's last use is written at most this often (seconds): when the
 * request layer loads it from the database and it was last seen longer ago. */
#define SESSION_TOUCH_EVERY 60
/* How long an ended session's cached key holds CACHEKEY_SESSION_GONE
 * (seconds; longer than any request that may have read the row before). */
#define SESSION_GONE_TTL 600

/* How a session was opened: a browser's login form (cookie), or the API. */
enum session_kind { SESSION_BROWSER, SESSION_API };

/* How long sessions live: absolute and idle limits, in seconds. */
struct session_limits {
	int64_t ttl;  /* from login */
	int64_t idle; /* from the last use */
};

/* The limits of [site] session_days and session_idle_days. */
struct session_limits session_limits(const struct config *cfg);

/* A live session and its person (strings in the arena). */
struct session_row {
	int64_t id; /* public id */
	int64_t user_id;
	const char *csrf, *username, *role;
	int64_t expires_at; /* the earlier of the absolute and the idle limit */
	int64_t created_at; /* the person's account */
	int64_t last_seen_at;
	int64_t suspended_until; /* 0: not suspended */
	int64_t app_id;		 /* an OAuth access token's app (oauth.h), else 0 */
	const char *scopes;	 /* ... and the scopes it was granted ("" otherwise) */
};

/* Start a session of user_id: a new token and CSRF token into token and
 * csrf, its hash into the sessions table with kind and the user agent ua
 * (kept printable ASCII, at most 255 bytes). The person's expired sessions
 * are removed on the way. pw_hash (not NULL): the password hash a login
 * verified; the session is opened only if it is still the account's, so a
 * login racing a password change never outlives the change. 0, 401 (the
 * password changed meanwhile), or 503 (the database failed; nothing
 * stored). */
int session_open(struct db *db, struct arena *a, int64_t user_id, const struct session_limits *lim,
		 enum session_kind kind, const char *ua, const char *pw_hash,
		 char token[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1]);

/* End the session of token: its row, then its cached lookup. 0, or 503 (the
 * database failed; the cached copy is left). */
int session_close(struct db *db, struct cache *cache, struct arena *a, const char *token);

/* The live session of token (not expired, not idle longer than lim->idle,
 * its person not banned) into *out. 1 found, 0 none, -1 the database failed.
 * primary: 1 to ask the primary (the recheck before a write, which must see
 * a ban or a logout made a moment ago), 0 for a read a replica may answer. */
int session_lookup(struct db *db, struct arena *a, const char *token, int primary,
		   const struct session_limits *lim, struct session_row *out);

/* The conditions of a live session, for a statement that reads one as part
 * of a larger question (sessions s JOIN users u ON u.id = s.user_id), with
 * the parameters token hash, now, idle, now - idle ("biii"). */
#define SESSION_LIVE_SQL                                                                           \
	"s.token_hash = ? AND s.expires_at > ? AND (? <= 0 OR s.last_seen_at > ?) AND "            \
	"u.banned_at IS NULL"

/* Record that the session of token was used now, by user agent ua. */
void session_touch(struct db *db, struct arena *a, const char *token, const char *ua);

/* user_id's live sessions, token's first, then the most recently used, as a JSON array of
 * {"id", "kind", "created_at", "last_seen_at", "expires_at", "user_agent",
 * "device", "current"}, and for an OAuth app's token "app" (its name) and
 * "scopes" (times as time_iso; page adds each as *_text and an
 * is_api flag for templates); current marks the session of token (may be
 * NULL). Never a token or a hash. NULL when the database failed. */
struct cJSON *session_list(struct db *db, struct arena *a, int64_t user_id, const char *token,
			   const struct session_limits *lim, int page);

/* End user_id's session with public id id (another person's is "not
 * found"). *was_current is 1 when it is the session of token. 0, 404, 503. */
int session_end(struct db *db, struct cache *cache, struct arena *a, int64_t user_id, int64_t id,
		const char *token, int *was_current);

/* End every session of user_id but the one of keep (NULL: all of them);
 * *ended counts them. 0, or 503. */
int session_end_others(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		       const char *keep, int64_t *ended);

/* Inside the caller's transaction: delete user_id's sessions but keep's
 * (NULL: all), leaving the LOWER(HEX(token_hash)) of each in *gone for
 * session_forget after the commit. DB_OK or the db failure. */
int session_delete_others_tx(struct db *db, struct arena *a, int64_t user_id, const char *keep,
			     struct db_res *gone);

/* After the commit: every cached lookup of the sessions in gone (column 0 is
 * the hash's hex) says the session is gone, at once on every worker. */
void session_forget(struct cache *cache, struct arena *a, const struct db_res *gone);

/* "Firefox on Linux", "Chrome on Android", "curl", ... for a user agent
 * string (in a, or static); "Unknown" when it says nothing we know. */
const char *session_device(struct arena *a, const char *ua);

#endif
