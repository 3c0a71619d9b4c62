/* session.c - login sessions: made, ended, looked up, listed. */
#include "session.h"
#include "cache.h"
#include "cachekey.h"
#include "config.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define UA_MAX 255

struct session_limits session_limits(const struct config *cfg)
{
	struct session_limits l = {(int64_t)cfg->session_days * 86400,
				   (int64_t)cfg->session_idle_days * 86400};
	return l;
}

/* ua as stored: printable ASCII (anything else becomes '?'), at most UA_MAX
 * bytes; "" for none. */
static char *ua_clean(struct arena *a, const char *ua)
{
	size_t n = ua ? strlen(ua) : 0;
	if (n > UA_MAX)
		n = UA_MAX;
	char *s = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = ua[i] >= 0x20 && ua[i] < 0x7f ? ua[i] : '?';
	s[n] = 0;
	return s;
}

int session_open(struct db *db, struct arena *a, int64_t user_id, const struct session_limits *lim,
		 enum session_kind kind, const char *ua, const char *pw_hash,
		 char token[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_hash(token, h);
	int64_t now = now_unix();
	/* The person's dead sessions go on the way (nothing else removes
	 * them; a failure here only leaves them a while longer). */
	db_exec(db, a, NULL,
		"DELETE FROM sessions WHERE user_id = ? AND (expires_at <= ? OR "
		"(? > 0 AND last_seen_at <= ?))",
		"iiii", user_id, now, lim->idle, now - lim->idle);
	/* One statement: a password change committed since the login checked
	 * the password leaves nothing to insert. */
	struct db_res r;
	if (db_exec(
		db, a, &r,
		"INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, kind, "
		"last_seen_at, user_agent) SELECT ?, id, ?, ?, ?, ?, ?, ? FROM users "
		"WHERE id = ? AND (? IS NULL OR password_hash = ?) LOCK IN SHARE MODE",
		"bsiisisiss", h, sizeof(h), csrf, now, now + lim->ttl,
		kind == SESSION_API ? "api" : "browser", now, ua_clean(a, ua), user_id, pw_hash,
		pw_hash) != DB_OK)
		return 503;
	return r.affected == 1 ? 0 : 401;
}

/* One ended session's cached lookup, by the hex of its hash. */
static void forget_one(struct cache *cache, struct arena *a, const char *hex)
{
	cache_mark(cache, cachekey_session(a, hex), CACHEKEY_SESSION_GONE, SESSION_GONE_TTL);
}

void session_forget(struct cache *cache, struct arena *a, const struct db_res *gone)
{
	for (size_t i = 0; i < gone->nrows; i++)
		forget_one(cache, a, db_str(gone, i, 0));
}

int session_close(struct db *db, struct cache *cache, struct arena *a, const char *token)
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_hash(token, h);
	if (db_exec(db, a, NULL, "DELETE FROM sessions WHERE token_hash = ?", "b", h, sizeof(h)) !=
	    DB_OK)
		return 503;
	cache_mark(cache, cachekey_session_token(a, token), CACHEKEY_SESSION_GONE,
		   SESSION_GONE_TTL);
	return 0;
}

/* The moment a session last seen at last_seen ends (absolute or idle). */
static int64_t ends_at(int64_t expires_at, int64_t last_seen, const struct session_limits *lim)
{
	if (lim->idle > 0 && last_seen + lim->idle < expires_at)
		return last_seen + lim->idle;
	return expires_at;
}

int session_lookup(struct db *db, struct arena *a, const char *token, int primary,
		   const struct session_limits *lim, struct session_row *out)
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	auth_token_hash(token, h);
	memset(out, 0, sizeof(*out));
	int64_t now = now_unix();
	/* The recheck before a write must see a ban made a moment ago: it asks
	 * the primary. A plain load is a read like any other. */
	int (*run)(struct db *, struct arena *, struct db_res *, const char *, const char *, ...) =
	    primary ? db_exec : db_read;
	if (run(db, a, &r,
		"SELECT s.user_id, s.csrf, u.username, u.role, s.expires_at, u.created_at, "
		"IFNULL(u.suspended_until, 0), s.id, s.last_seen_at, IFNULL(s.app_id, 0), s.scopes "
		"FROM sessions s JOIN users u "
		"ON u.id = s.user_id WHERE " SESSION_LIVE_SQL,
		"biii", h, sizeof(h), now, lim->idle, now - lim->idle) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	out->user_id = db_int(&r, 0, 0);
	out->csrf = db_str(&r, 0, 1);
	out->username = db_str(&r, 0, 2);
	out->role = db_str(&r, 0, 3);
	out->created_at = db_int(&r, 0, 5);
	out->suspended_until = db_int(&r, 0, 6);
	out->id = db_int(&r, 0, 7);
	out->last_seen_at = db_int(&r, 0, 8);
	out->app_id = db_int(&r, 0, 9);
	out->scopes = db_str(&r, 0, 10);
	out->expires_at = ends_at(db_int(&r, 0, 4), out->last_seen_at, lim);
	return 1;
}

void session_touch(struct db *db, struct arena *a, const char *token, const char *ua)
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_hash(token, h);
	db_exec(db, a, NULL,
		"UPDATE sessions SET last_seen_at = ?, user_agent = ? WHERE token_hash = ?", "isb",
		now_unix(), ua_clean(a, ua), h, sizeof(h));
}

cJSON *session_list(struct db *db, struct arena *a, int64_t user_id, const char *token,
		    const struct session_limits *lim, int page)
{
	unsigned char h[AUTH_HASH_LEN] = {0};
	struct db_res r;
	if (token)
		auth_token_hash(token, h);
	int64_t now = now_unix();
	/* From the primary: the list right after a logout must not show it. */
	if (db_exec(
		db, a, &r,
		"SELECT s.id, s.kind, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, "
		"s.token_hash = ?, a.name, s.scopes FROM sessions s LEFT JOIN oauth_apps a ON "
		"a.id = s.app_id WHERE s.user_id = ? AND s.expires_at > ? AND (? <= 0 OR "
		"s.last_seen_at > ?) ORDER BY s.token_hash = ? DESC, s.last_seen_at DESC, s.id "
		"DESC LIMIT 200",
		"biiiib", h, sizeof(h), user_id, now, lim->idle, now - lim->idle, h,
		sizeof(h)) != DB_OK)
		return NULL;
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *s = cJSON_CreateObject();
		int64_t seen = db_int(&r, i, 3);
		cJSON_AddNumberToObject(s, "id", (double)db_int(&r, i, 0));
		cJSON_AddStringToObject(s, "kind", db_str(&r, i, 1));
		int64_t t[3] = {db_int(&r, i, 2), seen, ends_at(db_int(&r, i, 4), seen, lim)};
		static const char *const keys[3][2] = {{"created_at", "created_at_text"},
						       {"last_seen_at", "last_seen_at_text"},
						       {"expires_at", "expires_at_text"}};
		for (int k = 0; k < 3; k++)
			if (page)
				time_json(s, a, keys[k][0], keys[k][1], t[k]);
			else
				cJSON_AddStringToObject(s, keys[k][0], time_iso(a, t[k]));
		cJSON_AddStringToObject(s, "user_agent", db_str(&r, i, 5));
		cJSON_AddStringToObject(s, "device", session_device(a, db_str(&r, i, 5)));
		cJSON_AddBoolToObject(s, "current", token && db_int(&r, i, 6));
		if (db_str(&r, i, 7)) { /* an OAuth app's token: which app, which scopes */
			cJSON_AddStringToObject(s, "app", db_str(&r, i, 7));
			cJSON_AddStringToObject(s, "scopes", db_str(&r, i, 8));
		}
		if (page)
			cJSON_AddBoolToObject(s, "is_api", !strcmp(db_str(&r, i, 1), "api"));
		cJSON_AddItemToArray(list, s);
	}
	return list;
}

int session_end(struct db *db, struct cache *cache, struct arena *a, int64_t user_id, int64_t id,
		const char *token, int *was_current)
{
	unsigned char h[AUTH_HASH_LEN] = {0};
	struct db_res r, d;
	*was_current = 0;
	if (token)
		auth_token_hash(token, h);
	if (db_exec(db, a, &r,
		    "SELECT LOWER(HEX(token_hash)), token_hash = ? FROM sessions WHERE id = ? AND "
		    "user_id = ?",
		    "bii", h, sizeof(h), id, user_id) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	if (db_exec(db, a, &d, "DELETE FROM sessions WHERE id = ? AND user_id = ?", "ii", id,
		    user_id) != DB_OK)
		return 503;
	if (!d.affected)
		return 404; /* ended meanwhile by another request */
	session_forget(cache, a, &r);
	*was_current = token && db_int(&r, 0, 1);
	return 0;
}

int session_delete_others_tx(struct db *db, struct arena *a, int64_t user_id, const char *keep,
			     struct db_res *gone)
{
	unsigned char h[AUTH_HASH_LEN] = {0}; /* no token hashes to all zeros */
	int rc;
	if (keep)
		auth_token_hash(keep, h);
	/* Locked, so a login at the same moment waits and is not left out of
	 * the list of keys to forget, nor deleted unseen. */
	if ((rc = db_exec(db, a, gone,
			  "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = ? AND "
			  "token_hash <> ? FOR UPDATE",
			  "ib", user_id, h, sizeof(h))) != DB_OK)
		return rc;
	return db_exec(db, a, NULL, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
		       "ib", user_id, h, sizeof(h));
}

int session_end_others(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		       const char *keep, int64_t *ended)
{
	struct db_res gone = {0};
	*ended = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	int ok = session_delete_others_tx(db, a, user_id, keep, &gone) == DB_OK;
	if (db_finish(db, ok) != DB_OK)
		return 503;
	session_forget(cache, a, &gone);
	*ended = (int64_t)gone.nrows;
	return 0;
}

/* The first name in names[] whose marker ua contains, or NULL. */
static const char *first_of(const char *ua, const char *const (*names)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(ua, names[i][0]))
			return names[i][1];
	return NULL;
}

const char *session_device(struct arena *a, const char *ua)
{
	/* Programs by the start of their user agent: the name is the story. */
	static const char *const programs[][2] = {
	    {"curl/", "curl"},
	    {"Wget/", "Wget"},
	    {"python-requests/", "Python (requests)"},
	    {"Python-urllib/", "Python (urllib)"},
	    {"python-httpx/", "Python (httpx)"},
	    {"Go-http-client/", "Go program"},
	    {"okhttp/", "OkHttp"},
	    {"PostmanRuntime/", "Postman"},
	    {"node", "Node.js"},
	};
	/* Browsers and systems by a marker anywhere, the more specific first
	 * (Edge and Opera also say Chrome; Chrome also says Safari). */
	static const char *const browsers[][2] = {
	    {"Edg/", "Edge"},
	    {"OPR/", "Opera"},
	    {"Firefox/", "Firefox"},
	    {"FxiOS/", "Firefox"},
	    {"HeadlessChrome/", "Headless Chrome"},
	    {"CriOS/", "Chrome"},
	    {"Chrome/", "Chrome"},
	    {"Safari/", "Safari"},
	};
	static const char *const systems[][2] = {
	    {"Android", "Android"}, {"iPhone", "iOS"},	  {"iPad", "iOS"},
	    {"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Macintosh", "macOS"},
	    {"Linux", "Linux"},
	};
	if (!ua || !*ua)
		return "Unknown";
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (!strncmp(ua, programs[i][0], strlen(programs[i][0])))
			return programs[i][1];
	const char *b = first_of(ua, browsers, sizeof(browsers) / sizeof(browsers[0]));
	const char *o = first_of(ua, systems, sizeof(systems) / sizeof(systems[0]));
	if (b && o)
		return arena_printf(a, "%s on %s", b, o);
	return b ? b : o ? o : "Unknown";
}
