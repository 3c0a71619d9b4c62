/* oauth.h - OAuth 2 for Mastodon clients: registered applications, scopes,
 * single-use authorization codes with PKCE, and access tokens, which are
 * sessions of kind 'oauth' (session.h) carrying their app and scopes. Every
 * secret (client secret, code, token) is stored only as its hash. */
#ifndef IMAGIER_OAUTH_H
#define IMAGIER_OAUTH_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"

struct db;
struct cache;
struct session_limits;

#define OAUTH_CODE_TTL	   600 /* seconds an authorization code lives */
#define OAUTH_SCOPES_MAX   255 /* bytes of a scope list */
#define OAUTH_NAME_MAX	   100 /* characters of an app's name */
#define OAUTH_URIS_MAX	   1000
#define OAUTH_OOB	   "urn:ietf:wg:oauth:2.0:oob"
#define OAUTH_VERIFIER_MIN 43 /* RFC 7636: 43 to 128 characters */
#define OAUTH_VERIFIER_MAX 128

/* A registered application (strings in the arena). */
struct oauth_app {
	int64_t id;
	const char *client_id, *name, *website, *redirect_uris, *scopes;
};

/* The scope list s ("read write follow", "read:statuses") normalised into
 * *out: known scopes only, each once, separated by one space; NULL or ""
 * gives "read" (Mastodon's default). 0, or -1 with *why. */
int oauth_scopes_parse(struct arena *a, const char *s, const char **out, const char **why);
/* 1 if the granted list allows need: need itself, its parent ("read" for
 * "read:statuses"), or "follow" for the follows, blocks and mutes scopes. */
int oauth_scope_allows(const char *granted, const char *need);
/* 1 if every scope of want is allowed by granted. */
int oauth_scopes_within(struct arena *a, const char *granted, const char *want);
/* 1 if uri is one of the app's redirect URIs (one per line or space). */
int oauth_redirect_ok(struct arena *a, const struct oauth_app *app, const char *uri);

/* The Content-Security-Policy source that lets a form on the authorize
 * page be followed by a redirect to uri (a registered, checked
 * redirect_uri): "https://host[:port]" for a web URI, "scheme:" for an
 * app's own scheme, NULL for the out-of-band URI or anything else (never
 * a value that could end the directive: no spaces, quotes, ";" or ","). */
const char *oauth_csp_source(struct arena *a, const char *uri);

/* 1 if uris (separated by spaces or line breaks, at most OAUTH_URIS_MAX
 * bytes) are 1 to 10 redirect URIs, each the out-of-band one or an
 * absolute URI (a scheme, but not javascript:, data: or vbscript:; no
 * fragment, no space or control character, at most 255 bytes). */
int oauth_redirect_uris_ok(struct arena *a, const char *uris);
/* 1 if verifier (43 to 128 characters) answers the PKCE challenge by
 * method ("plain", else S256: BASE64URL(SHA-256(verifier))). */
int oauth_pkce_ok(const char *challenge, const char *method, const char *verifier);

/* Register an app; its client_id and secret (not kept) into the buffers. 0
 * with *out filled, or 503. */
int oauth_app_create(struct db *db, struct arena *a, const char *name, const char *website,
		     const char *redirect_uris, const char *scopes, struct oauth_app *out,
		     char client_id[AUTH_TOKEN_LEN + 1], char secret[AUTH_TOKEN_LEN + 1]);
/* The app of client_id; with secret not NULL, only when it is the app's.
 * 1 found, 0 none (or the wrong secret), -1 the database failed. */
int oauth_app_find(struct db *db, struct arena *a, const char *client_id, const char *secret,
		   struct oauth_app *out);
/* The app by its id. 1, 0, -1 as above. */
int oauth_app_by_id(struct db *db, struct arena *a, int64_t id, struct oauth_app *out);

/* A new code for user_id authorizing app (challenge/method "" for none). 0
 * with code, or 503. */
int oauth_code_create(struct db *db, struct arena *a, int64_t app_id, int64_t user_id,
		      const char *redirect_uri, const char *scopes, const char *challenge,
		      const char *method, char code[AUTH_TOKEN_LEN + 1]);
/* Redeem code for app_id (single use: it is deleted whatever the outcome)
 * with redirect_uri and the PKCE verifier (NULL: none sent). 0 with
 * *user_id and *scopes, 400 with *why (unknown, expired, used, another app,
 * another redirect URI, a wrong verifier), or 503. */
int oauth_code_redeem(struct db *db, struct arena *a, int64_t app_id, const char *code,
		      const char *redirect_uri, const char *verifier, int64_t *user_id,
		      const char **scopes, const char **why);

/* A new access token of user_id for app_id with scopes: a session of kind
 * 'oauth'. 0, or 503. */
int oauth_token_create(struct db *db, struct arena *a, int64_t user_id, int64_t app_id,
		       const char *scopes, const struct session_limits *lim, const char *ua,
		       char token[AUTH_TOKEN_LEN + 1]);
/* An app-only token (grant client_credentials). 0, or 503. */
int oauth_app_token_create(struct db *db, struct arena *a, int64_t app_id, const char *scopes,
			   char token[AUTH_TOKEN_LEN + 1]);
/* The app of an app-only token: 1 with *app_id and *scopes, 0, -1. */
int oauth_app_token_find(struct db *db, struct arena *a, const char *token, int64_t *app_id,
			 const char **scopes);
/* Revoke token if it belongs to app_id (a person's token or the app's
 * own); an unknown token is no error (RFC 7009). 0, or 503. */
int oauth_token_revoke(struct db *db, struct cache *cache, struct arena *a, int64_t app_id,
		       const char *token);

#endif
