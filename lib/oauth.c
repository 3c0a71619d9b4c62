/* oauth.c - OAuth 2 applications, codes and tokens (see oauth.h). */
#include "oauth.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "session.h"
#include "util.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

/* The scopes imagier knows: the three broad ones, push (accepted, never
 * used) and Mastodon's granular ones. */
static const char *const known_scopes[] = {
    "read",
    "write",
    "follow",
    "push",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
};

static int scope_known(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(known_scopes) / sizeof(known_scopes[0]); i++)
		if (strlen(known_scopes[i]) == n && !memcmp(known_scopes[i], s, n))
			return 1;
	return 0;
}

/* 1 if the space-separated list has the word w (n bytes). */
static int list_has(const char *list, const char *w, size_t n)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t k = strcspn(p, " ");
		if (k == n && !memcmp(p, w, n))
			return 1;
		p += k;
	}
	return 0;
}

int oauth_scopes_parse(struct arena *a, const char *s, const char **out, const char **why)
{
	if (!s || !*s)
		s = "read";
	if (strlen(s) > OAUTH_SCOPES_MAX) {
		*why = "The scope list is too long.";
		return -1;
	}
	char *res = arena_strdup(a, "");
	const char *p = s;
	/* separated by spaces, or '+' as some clients send them unencoded */
	while (*p) {
		while (*p == ' ' || *p == '+')
			p++;
		size_t n = strcspn(p, " +");
		if (!n)
			break;
		if (!scope_known(p, n)) {
			*why = arena_printf(a, "Unknown scope “%.*s”.", (int)(n > 40 ? 40 : n), p);
			return -1;
		}
		if (!list_has(res, p, n))
			res = arena_printf(a, "%s%s%.*s", res, *res ? " " : "", (int)n, p);
		p += n;
	}
	if (!*res)
		res = arena_strdup(a, "read");
	*out = res;
	return 0;
}

int oauth_scope_allows(const char *granted, const char *need)
{
	size_t n = strlen(need);
	if (list_has(granted, need, n))
		return 1;
	const char *colon = strchr(need, ':');
	if (colon && list_has(granted, need, (size_t)(colon - need)))
		return 1;
	static const char *const by_follow[] = {"read:follows", "write:follows", "read:blocks",
						"write:blocks", "read:mutes",	 "write:mutes"};
	for (size_t i = 0; i < sizeof(by_follow) / sizeof(by_follow[0]); i++)
		if (!strcmp(need, by_follow[i]) && list_has(granted, "follow", 6))
			return 1;
	return 0;
}

int oauth_scopes_within(struct arena *a, const char *granted, const char *want)
{
	char *w = arena_strdup(a, want);
	for (char *save = NULL, *t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (!oauth_scope_allows(granted, t))
			return 0;
	return 1;
}

int oauth_redirect_ok(struct arena *a, const struct oauth_app *app, const char *uri)
{
	char *l = arena_strdup(a, app->redirect_uris);
	for (char *save = NULL, *t = strtok_r(l, " \r\n", &save); t;
	     t = strtok_r(NULL, " \r\n", &save))
		if (!strcmp(t, uri))
			return 1;
	return 0;
}

int oauth_redirect_uris_ok(struct arena *a, const char *uris)
{
	if (strlen(uris) > OAUTH_URIS_MAX)
		return 0;
	char *l = arena_strdup(a, uris);
	int n = 0;
	for (char *save = NULL, *t = strtok_r(l, " \r\n", &save); t;
	     t = strtok_r(NULL, " \r\n", &save), n++) {
		if (!strcmp(t, OAUTH_OOB))
			continue;
		const char *colon = strchr(t, ':');
		if (!colon || colon == t || strchr(t, '#') || strlen(t) > 255)
			return 0;
		if (!strncasecmp(t, "javascript:", 11) || !strncasecmp(t, "data:", 5) ||
		    !strncasecmp(t, "vbscript:", 9))
			return 0; /* never a place to send a browser with a code */
		for (const char *p = t; *p; p++)
			if ((unsigned char)*p < 0x21 || *p == 0x7f)
				return 0;
		for (const char *p = t; p < colon; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '+' || *p == '.' || *p == '-'))
				return 0;
	}
	return n > 0 && n <= 10;
}

const char *oauth_csp_source(struct arena *a, const char *uri)
{
	if (!uri || !strcmp(uri, OAUTH_OOB))
		return NULL;
	size_t sn = strcspn(uri, ":");
	if (!sn || uri[sn] != ':' || sn > 64)
		return NULL;
	for (size_t i = 0; i < sn; i++) {
		char ch = uri[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (i && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '.' || ch == '-'))))
			return NULL;
	}
	int web =
	    (sn == 4 && !strncasecmp(uri, "http", 4)) || (sn == 5 && !strncasecmp(uri, "https", 5));
	if (!web) /* a custom scheme (an app on a phone): the scheme itself */
		return arena_strndup(a, uri, sn + 1);
	if (strncmp(uri + sn, "://", 3))
		return NULL;
	const char *host = uri + sn + 3;
	size_t hn = strcspn(host, "/?#");
	if (!hn || hn > 255)
		return NULL;
	for (size_t i = 0; i < hn; i++) {
		char ch = host[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == ':' ||
		      ch == '[' || ch == ']'))
			return NULL; /* no userinfo, no quotes, no ";" */
	}
	return arena_strndup(a, uri, (size_t)(host + hn - uri));
}

static void secret_hash(const char *s, unsigned char h[AUTH_HASH_LEN])
{
	auth_token_hash(s, h);
}

int oauth_app_create(struct db *db, struct arena *a, const char *name, const char *website,
		     const char *redirect_uris, const char *scopes, struct oauth_app *out,
		     char client_id[AUTH_TOKEN_LEN + 1], char secret[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	auth_token_new(client_id);
	auth_token_new(secret);
	secret_hash(secret, h);
	if (db_exec(db, a, &r,
		    "INSERT INTO oauth_apps (client_id, secret_hash, name, website, redirect_uris, "
		    "scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "sbssssi", client_id, h, sizeof(h), name, website, redirect_uris, scopes,
		    now_unix()) != DB_OK)
		return 503;
	out->id = (int64_t)r.insert_id;
	out->client_id = arena_strdup(a, client_id);
	out->name = name;
	out->website = website;
	out->redirect_uris = redirect_uris;
	out->scopes = scopes;
	return 0;
}

#define APP_COLUMNS "id, client_id, name, website, redirect_uris, scopes, secret_hash"

static int app_row(const struct db_res *r, const char *secret, struct oauth_app *out)
{
	if (!r->nrows)
		return 0;
	if (secret) {
		unsigned char h[AUTH_HASH_LEN];
		secret_hash(secret, h);
		if (r->lens[6] != AUTH_HASH_LEN || sodium_memcmp(h, db_str(r, 0, 6), AUTH_HASH_LEN))
			return 0;
	}
	out->id = db_int(r, 0, 0);
	out->client_id = db_str(r, 0, 1);
	out->name = db_str(r, 0, 2);
	out->website = db_str(r, 0, 3);
	out->redirect_uris = db_str(r, 0, 4);
	out->scopes = db_str(r, 0, 5);
	return 1;
}

int oauth_app_find(struct db *db, struct arena *a, const char *client_id, const char *secret,
		   struct oauth_app *out)
{
	struct db_res r;
	if (!client_id || strlen(client_id) != AUTH_TOKEN_LEN)
		return 0;
	if (db_exec(db, a, &r, "SELECT " APP_COLUMNS " FROM oauth_apps WHERE client_id = ?", "s",
		    client_id) != DB_OK)
		return -1;
	return app_row(&r, secret, out);
}

int oauth_app_by_id(struct db *db, struct arena *a, int64_t id, struct oauth_app *out)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT " APP_COLUMNS " FROM oauth_apps WHERE id = ?", "i", id) !=
	    DB_OK)
		return -1;
	return app_row(&r, NULL, out);
}

int oauth_code_create(struct db *db, struct arena *a, int64_t app_id, int64_t user_id,
		      const char *redirect_uri, const char *scopes, const char *challenge,
		      const char *method, char code[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	int64_t now = now_unix();
	auth_token_new(code);
	auth_token_hash(code, h);
	db_exec(db, a, NULL, "DELETE FROM oauth_codes WHERE expires_at < ?", "i", now);
	if (db_exec(db, a, NULL,
		    "INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes, "
		    "challenge, method, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "biissssi", h, sizeof(h), app_id, user_id, redirect_uri, scopes, challenge,
		    method, now + OAUTH_CODE_TTL) != DB_OK)
		return 503;
	return 0;
}

int oauth_pkce_ok(const char *challenge, const char *method, const char *verifier)
{
	size_t n = strlen(verifier);
	if (n < OAUTH_VERIFIER_MIN || n > OAUTH_VERIFIER_MAX)
		return 0;
	if (!strcmp(method, "plain"))
		return auth_str_equal(challenge, verifier);
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	crypto_hash_sha256(h, (const unsigned char *)verifier, n);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return auth_str_equal(challenge, b64);
}

int oauth_code_redeem(struct db *db, struct arena *a, int64_t app_id, const char *code,
		      const char *redirect_uri, const char *verifier, int64_t *user_id,
		      const char **scopes, const char **why)
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	*why = "The authorization code is not valid (unknown, used or expired).";
	if (!code || strlen(code) != AUTH_TOKEN_LEN)
		return 400;
	auth_token_hash(code, h);
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r,
		    "SELECT app_id, user_id, redirect_uri, scopes, challenge, method, expires_at "
		    "FROM oauth_codes WHERE code_hash = ? FOR UPDATE",
		    "b", h, sizeof(h)) != DB_OK ||
	    (r.nrows && db_exec(db, a, NULL, "DELETE FROM oauth_codes WHERE code_hash = ?", "b", h,
				sizeof(h)) != DB_OK)) {
		db_rollback(db);
		return 503;
	}
	if (db_commit(db) != DB_OK)
		return 503;
	if (!r.nrows || db_int(&r, 0, 6) < now_unix() || db_int(&r, 0, 0) != app_id)
		return 400;
	if (!redirect_uri || strcmp(redirect_uri, db_str(&r, 0, 2))) {
		*why = "redirect_uri is not the one the code was given for.";
		return 400;
	}
	const char *method = db_str(&r, 0, 5);
	if (*method && (!verifier || !oauth_pkce_ok(db_str(&r, 0, 4), method, verifier))) {
		*why = "The PKCE code_verifier does not match the code_challenge.";
		return 400;
	}
	*user_id = db_int(&r, 0, 1);
	*scopes = db_str(&r, 0, 3);
	return 0;
}

int oauth_token_create(struct db *db, struct arena *a, int64_t user_id, int64_t app_id,
		       const char *scopes, const struct session_limits *lim, const char *ua,
		       char token[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	char csrf[AUTH_TOKEN_LEN + 1];
	auth_token_new(token);
	auth_token_new(csrf); /* never asked of a bearer token, but the column wants one */
	auth_token_hash(token, h);
	int64_t now = now_unix();
	char ua_clean[256];
	size_t n = 0;
	for (; ua && ua[n] && n < sizeof(ua_clean) - 1; n++)
		ua_clean[n] = ua[n] >= 0x20 && ua[n] < 0x7f ? ua[n] : '?';
	ua_clean[n] = 0;
	struct db_res r;
	if (db_exec(
		db, a, &r,
		"INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, kind, "
		"last_seen_at, user_agent, app_id, scopes) SELECT ?, id, ?, ?, ?, 'oauth', ?, ?, "
		"?, ? FROM users WHERE id = ? AND banned_at IS NULL",
		"bsiiisisi", h, sizeof(h), csrf, now, now + lim->ttl, now, ua_clean, app_id, scopes,
		user_id) != DB_OK)
		return 503;
	return r.affected == 1 ? 0 : 403;
}

int oauth_app_token_create(struct db *db, struct arena *a, int64_t app_id, const char *scopes,
			   char token[AUTH_TOKEN_LEN + 1])
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_new(token);
	auth_token_hash(token, h);
	if (db_exec(db, a, NULL,
		    "INSERT INTO oauth_app_tokens (token_hash, app_id, scopes, created_at) VALUES "
		    "(?, ?, ?, ?)",
		    "bisi", h, sizeof(h), app_id, scopes, now_unix()) != DB_OK)
		return 503;
	return 0;
}

int oauth_app_token_find(struct db *db, struct arena *a, const char *token, int64_t *app_id,
			 const char **scopes)
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	if (!token || strlen(token) != AUTH_TOKEN_LEN)
		return 0;
	auth_token_hash(token, h);
	if (db_read(db, a, &r, "SELECT app_id, scopes FROM oauth_app_tokens WHERE token_hash = ?",
		    "b", h, sizeof(h)) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	*app_id = db_int(&r, 0, 0);
	*scopes = db_str(&r, 0, 1);
	return 1;
}

int oauth_token_revoke(struct db *db, struct cache *cache, struct arena *a, int64_t app_id,
		       const char *token)
{
	unsigned char h[AUTH_HASH_LEN];
	struct db_res r;
	if (!token || strlen(token) != AUTH_TOKEN_LEN)
		return 0;
	auth_token_hash(token, h);
	if (db_exec(db, a, &r, "DELETE FROM sessions WHERE token_hash = ? AND app_id = ?", "bi", h,
		    sizeof(h), app_id) != DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM oauth_app_tokens WHERE token_hash = ? AND app_id = ?",
		    "bi", h, sizeof(h), app_id) != DB_OK)
		return 503;
	/* Only a token of this app's own ends: another app's, or a person's
	 * login session, stays (RFC 7009 lets the answer be 200 either way). */
	if (r.affected)
		cache_mark(cache, cachekey_session_token(a, token), CACHEKEY_SESSION_GONE,
			   SESSION_GONE_TTL);
	return 0;
}
