/* oauth.c - OAuth 2 for Mastodon clients (lib/oauth.c): registering an app
 * (POST /api/v1/apps), the authorize page, /oauth/token (authorization code
 * with PKCE, password, client credentials) and /oauth/revoke; the instance
 * description clients read first; and what the dispatcher asks of every
 * Mastodon route (its error shape, the token's scopes). */
#include "account.h"
#include "app.h"
#include "db.h"
#include "mastoapi.h"
#include "oauth.h"
#include "session.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

int masto_face(const struct ctx *c)
{
	if (c->oauth_app || (c->route && (c->route->flags & R_MASTO)))
		return 1;
	if (c->route)
		return 0;
	const char *p = c->req->path;
	return c->oauth_app || !strncmp(p, "/api/v2/", 8) || !strncmp(p, "/oauth/", 7);
}

/* The scope an app token needs on each Mastodon route that needs one, by
 * handler and method (Mastodon's granular names; "read", "write" and
 * "follow" grant them as oauth_scope_allows says). */
static const struct masto_scope {
	handler_fn fn;
	const char *method, *scope;
} masto_scopes[] = {
    {masto_notifications, "GET", "read:notifications"},
    {masto_verify_credentials, "GET", "read:accounts"},
    {masto_account_lookup, "GET", "read:accounts"},
    {masto_relationships, "GET", "read:follows"},
    {masto_account_show, "GET", "read:accounts"},
    {masto_account_statuses, "GET", "read:statuses"},
    {masto_followers, "GET", "read:accounts"},
    {masto_following, "GET", "read:accounts"},
    {masto_follow, "POST", "write:follows"},
    {masto_unfollow, "POST", "write:follows"},
    {masto_follow_requests, "GET", "read:follows"},
    {masto_follow_request_authorize, "POST", "write:follows"},
    {masto_follow_request_reject, "POST", "write:follows"},
    {masto_timeline_home, "GET", "read:statuses"},
    {masto_timeline_public, "GET", "read:statuses"},
    {masto_timeline_tag, "GET", "read:statuses"},
    {masto_status_create, "POST", "write:statuses"},
    {masto_status_show, "GET", "read:statuses"},
    {masto_status_delete, "DELETE", "write:statuses"},
    {masto_status_context, "GET", "read:statuses"},
    {masto_favourite, "POST", "write:favourites"},
    {masto_unfavourite, "POST", "write:favourites"},
    {masto_media_create, "POST", "write:media"},
    {masto_media_show, "GET", "write:media"},
    {masto_search, "GET", "read:search"},
};

/* The scope route needs of an app token, or NULL (none). */
static const char *route_scope(const struct route *r)
{
	for (size_t i = 0; i < sizeof(masto_scopes) / sizeof(masto_scopes[0]); i++)
		if (masto_scopes[i].fn == r->fn && !strcmp(masto_scopes[i].method, r->method))
			return masto_scopes[i].scope;
	return NULL;
}

int masto_scope_check(struct ctx *c)
{
	if (!c->oauth_app || !c->me)
		return 0;
	/* An app token opens the Mastodon API only: imagier's native routes
	 * (settings, password, deleting the account) need a login of one's
	 * own. */
	if (!(c->route->flags & R_MASTO))
		return ctx_fail(c, 403, "forbidden",
				"This token was issued to an app: it opens the Mastodon API only.");
	const char *need = route_scope(c->route);
	if (need && !oauth_scope_allows(c->scopes, need))
		return ctx_fail(
		    c, 403, "insufficient_scope",
		    arena_printf(
			c->a, "This action is outside the authorized scopes (it needs %s).", need));
	return 0;
}

/* An OAuth error answer (RFC 6749 5.2): {"error","error_description"}. */
static int oauth_error(struct ctx *c, int status, const char *error, const char *text)
{
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "error", error);
	cJSON_AddStringToObject(d, "error_description", text);
	return status;
}

/* A text parameter of at most max bytes, cleaned: NULL when absent. 0 or
 * 422. */
static int text_param(struct ctx *c, const char *name, size_t max, const char **out)
{
	const char *v = ctx_param(c, name), *why;
	*out = NULL;
	if (!v)
		return 0;
	if (text_clean(c->a, v, strlen(v), max, out, &why))
		return ctx_fail(c, 422, "invalid", arena_printf(c->a, "%s: %s", name, why));
	return 0;
}

/* redirect_uris: one string (lines or spaces) or, in JSON, an array. */
static const char *redirect_uris_param(struct ctx *c)
{
	cJSON *j =
	    c->req->json ? cJSON_GetObjectItemCaseSensitive(c->req->json, "redirect_uris") : NULL;
	if (!cJSON_IsArray(j))
		return ctx_param(c, "redirect_uris");
	char *s = arena_strdup(c->a, "");
	cJSON *u;
	cJSON_ArrayForEach(u, j) if (cJSON_IsString(u)) s =
	    arena_printf(c->a, "%s%s%s", s, *s ? "\n" : "", u->valuestring);
	return s;
}

static cJSON *app_json(struct ctx *c, const struct oauth_app *app)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", arena_printf(c->a, "%lld", (long long)app->id));
	cJSON_AddStringToObject(d, "name", app->name);
	if (*app->website)
		cJSON_AddStringToObject(d, "website", app->website);
	else
		cJSON_AddNullToObject(d, "website");
	char *first = arena_strdup(c->a, app->redirect_uris);
	first[strcspn(first, " \r\n")] = 0;
	cJSON_AddStringToObject(d, "redirect_uri", first);
	cJSON_AddStringToObject(d, "scopes", app->scopes);
	cJSON_AddStringToObject(d, "vapid_key", "");
	return d;
}

int masto_app_create(struct ctx *c)
{
	const char *name, *website, *uris = redirect_uris_param(c), *scopes, *why;
	int st;
	if ((st = text_param(c, "client_name", OAUTH_NAME_MAX, &name)) ||
	    (st = text_param(c, "website", 255, &website)))
		return st;
	if (!name || !*name)
		return ctx_fail(c, 422, "invalid", "client_name is required.");
	/* shown as a link on the authorize page: a web address and nothing else
	 * (no javascript: or data: URL) */
	if (website && *website && strncasecmp(website, "https://", 8) &&
	    strncasecmp(website, "http://", 7))
		return ctx_fail(c, 422, "invalid", "website must be an http or https URL.");
	if (website && strpbrk(website, " \"'<>"))
		return ctx_fail(c, 422, "invalid", "website must be an http or https URL.");
	if (!uris || !*uris || strlen(uris) > OAUTH_URIS_MAX || !oauth_redirect_uris_ok(c->a, uris))
		return ctx_fail(c, 422, "invalid",
				"redirect_uris must be absolute URIs (or " OAUTH_OOB ").");
	if (oauth_scopes_parse(c->a, ctx_param(c, "scopes"), &scopes, &why))
		return ctx_fail(c, 422, "invalid_scope", why);
	struct oauth_app app;
	char id[AUTH_TOKEN_LEN + 1], secret[AUTH_TOKEN_LEN + 1];
	if (oauth_app_create(c->app->db, c->a, name, website ? website : "", uris, scopes, &app, id,
			     secret))
		return ctx_fail(c, 503, "unavailable", "Could not register the app; try again.");
	cJSON *d = app_json(c, &app);
	cJSON_AddStringToObject(d, "client_id", id);
	cJSON_AddStringToObject(d, "client_secret", secret);
	cJSON_Delete(c->data);
	c->data = d;
	return 200;
}

/* GET /api/v1/apps/verify_credentials: the app of an app token or of a
 * person's token. */
int masto_app_verify(struct ctx *c)
{
	int64_t app_id = c->oauth_app;
	const char *scopes;
	const char *auth = kv_get(&c->req->headers, "authorization");
	if (!app_id && auth && !strncasecmp(auth, "Bearer ", 7) &&
	    oauth_app_token_find(c->app->db, c->a, auth + 7, &app_id, &scopes) < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	struct oauth_app app;
	if (!app_id || oauth_app_by_id(c->app->db, c->a, app_id, &app) != 1)
		return ctx_fail(c, 401, "unauthorized", "The access token is invalid");
	cJSON_Delete(c->data);
	c->data = app_json(c, &app);
	return 200;
}

/* ---- the authorize page ---------------------------------------------- */

/* The request's app and parameters, checked, into the view. 0 or 400. */
static int authorize_view(struct ctx *c, struct oauth_app *app, const char **scopes)
{
	const char *cid = ctx_param(c, "client_id"), *uri = ctx_param(c, "redirect_uri"), *why;
	const char *rt = ctx_param(c, "response_type");
	const char *ch = ctx_param(c, "code_challenge"), *m = ctx_param(c, "code_challenge_method");
	int f = oauth_app_find(c->app->db, c->a, cid, NULL, app);
	if (f < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!f)
		return ctx_fail(c, 400, "invalid_client", "There is no such app (client_id).");
	if (rt && strcmp(rt, "code"))
		return ctx_fail(c, 400, "unsupported_response_type", "response_type must be code.");
	if (!uri || !oauth_redirect_ok(c->a, app, uri))
		return ctx_fail(c, 400, "invalid_redirect_uri",
				"redirect_uri is not one the app registered.");
	if (oauth_scopes_parse(c->a, ctx_param(c, "scope"), scopes, &why))
		return ctx_fail(c, 400, "invalid_scope", why);
	if (!oauth_scopes_within(c->a, app->scopes, *scopes))
		return ctx_fail(c, 400, "invalid_scope",
				"The app asks for more than it registered for.");
	if (!m || !*m)
		m = ch && *ch ? "plain" : "";
	if (ch && *ch && strcmp(m, "plain") && strcmp(m, "S256"))
		return ctx_fail(c, 400, "invalid_request",
				"code_challenge_method must be S256 or plain.");
	if (ch && (strlen(ch) > OAUTH_VERIFIER_MAX || (*ch && strlen(ch) < OAUTH_VERIFIER_MIN)))
		return ctx_fail(c, 400, "invalid_request", "code_challenge has a bad length.");
	const char *state = ctx_param(c, "state");
	if (state && strlen(state) > 500)
		return ctx_fail(c, 400, "invalid_request", "state is too long.");
	const char *src = oauth_csp_source(c->a, uri);
	if (src) /* nginx adds it to the page's form-action (nginx/imagier-locations.conf) */
		ctx_header(c, "X-Imagier-Form-Action", src);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "app_name", app->name);
	cJSON_AddStringToObject(d, "website", app->website);
	cJSON_AddStringToObject(d, "client_id", app->client_id);
	cJSON_AddStringToObject(d, "redirect_uri", uri);
	cJSON_AddStringToObject(d, "scope", *scopes);
	cJSON_AddStringToObject(d, "state", state ? state : "");
	cJSON_AddStringToObject(d, "code_challenge", ch && *ch ? ch : "");
	cJSON_AddStringToObject(d, "code_challenge_method", ch && *ch ? m : "");
	cJSON_AddStringToObject(d, "username", c->me->username);
	c->title = arena_printf(c->a, "Authorize %s", app->name);
	return 0;
}

int oauth_authorize_form(struct ctx *c)
{
	if (!c->me) { /* back here, query and all, once logged in */
		const char *here = arena_printf(c->a, "%s?%s", c->req->path, c->req->query_string);
		c->location = arena_printf(c->a, "/login?next=%s", url_encode(c->a, here));
		return 303;
	}
	struct oauth_app app;
	const char *scopes;
	int st = authorize_view(c, &app, &scopes);
	return st ? st : 200;
}

int oauth_authorize(struct ctx *c)
{
	struct oauth_app app;
	const char *scopes;
	int st = authorize_view(c, &app, &scopes);
	if (st)
		return st;
	const char *uri = ctx_param(c, "redirect_uri"), *state = ctx_param(c, "state");
	const char *dec = ctx_param(c, "decision");
	int oob = !strcmp(uri, OAUTH_OOB);
	const char *sep = strchr(uri, '?') ? "&" : "?";
	const char *st_arg =
	    state && *state ? arena_printf(c->a, "&state=%s", url_encode(c->a, state)) : "";
	if (!dec || strcmp(dec, "approve")) {
		if (oob)
			return ctx_fail(c, 403, "access_denied", "You denied the app access.");
		c->location = arena_printf(c->a, "%s%serror=access_denied%s", uri, sep, st_arg);
		return 303;
	}
	cJSON *d = ctx_data(c);
	const char *ch = cJSON_GetStringValue(cJSON_GetObjectItem(d, "code_challenge"));
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(d, "code_challenge_method"));
	char code[AUTH_TOKEN_LEN + 1];
	if (oauth_code_create(c->app->db, c->a, app.id, c->me->id, uri, scopes, ch, m, code))
		return ctx_fail(c, 503, "unavailable", "Could not authorize right now; try again.");
	if (oob) {
		cJSON_AddStringToObject(d, "code", code);
		return 200;
	}
	c->location = arena_printf(c->a, "%s%scode=%s%s", uri, sep, code, st_arg);
	return 303;
}

/* ---- tokens ------------------------------------------------------------ */

static int token_answer(struct ctx *c, const char *token, const char *scopes)
{
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "access_token", token);
	cJSON_AddStringToObject(d, "token_type", "Bearer");
	cJSON_AddStringToObject(d, "scope", scopes);
	cJSON_AddNumberToObject(d, "created_at", (double)now_unix());
	return 200;
}

static int grant_password(struct ctx *c, const struct oauth_app *app, const char *scopes)
{
	const char *name = ctx_param(c, "username"), *pw = ctx_param(c, "password"), *why;
	if (!name || !pw || !*name || !*pw || strlen(name) > 64 || strlen(pw) > 1024)
		return oauth_error(c, 400, "invalid_grant", "Wrong username or password.");
	struct account_who who;
	int st = account_login(c->app->db, c->a, name, pw, c->req->remote_addr,
			       c->app->cfg.login_attempts, &who, &why);
	if (st == 429) {
		ctx_header(c, "Retry-After", arena_printf(c->a, "%d", ACCOUNT_LOGIN_WINDOW));
		return oauth_error(c, 429, "rate_limited",
				   "Too many failed logins. Wait 15 minutes and try again.");
	}
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	if (st)
		return oauth_error(c, 400, "invalid_grant",
				   st == 403 ? "This account is banned."
					     : "Wrong username or password.");
	char token[AUTH_TOKEN_LEN + 1];
	struct session_limits lim = session_limits(&c->app->cfg);
	if (oauth_token_create(c->app->db, c->a, who.id, app->id, scopes, &lim, c->req->user_agent,
			       token))
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	return token_answer(c, token, scopes);
}

static int grant_code(struct ctx *c, const struct oauth_app *app)
{
	int64_t uid;
	const char *scopes, *why;
	int st = oauth_code_redeem(c->app->db, c->a, app->id, ctx_param(c, "code"),
				   ctx_param(c, "redirect_uri"), ctx_param(c, "code_verifier"),
				   &uid, &scopes, &why);
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (st)
		return oauth_error(c, 400, "invalid_grant", why);
	char token[AUTH_TOKEN_LEN + 1];
	struct session_limits lim = session_limits(&c->app->cfg);
	st = oauth_token_create(c->app->db, c->a, uid, app->id, scopes, &lim, c->req->user_agent,
				token);
	if (st == 403)
		return oauth_error(c, 400, "invalid_grant", "This account is banned.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	return token_answer(c, token, scopes);
}

/* The client's id and secret from HTTP Basic (RFC 6749 2.3.1: "id:secret"
 * in base64), else NULLs. */
static void basic_auth(struct ctx *c, const char **id, const char **secret)
{
	const char *h = kv_get(&c->req->headers, "authorization");
	*id = *secret = NULL;
	if (!h || strncasecmp(h, "Basic ", 6) || strlen(h + 6) > 400)
		return;
	size_t n = 0;
	unsigned char *raw = arena_alloc(c->a, 301);
	if (sodium_base642bin(raw, 300, h + 6, strlen(h + 6), " ", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return;
	raw[n] = 0;
	char *colon = strchr((char *)raw, ':');
	if (!colon || memchr(raw, 0, n))
		return;
	*colon = 0;
	*id = (const char *)raw; /* imagier's ids and secrets are base64url: */
	*secret = colon + 1;	 /* their form-urlencoding is themselves */
}

/* The app of the request's client_id and client_secret: parameters (form
 * or JSON), or HTTP Basic. 1, or the status of the answer. */
static int client_auth(struct ctx *c, struct oauth_app *app)
{
	const char *id = ctx_param(c, "client_id"), *secret = ctx_param(c, "client_secret");
	if (!id || !secret)
		basic_auth(c, &id, &secret);
	int f = oauth_app_find(c->app->db, c->a, id, secret ? secret : "", app);
	if (f < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!f)
		return oauth_error(c, 401, "invalid_client",
				   "Client authentication failed (client_id, client_secret).");
	return 1;
}

int oauth_token(struct ctx *c)
{
	struct oauth_app app;
	int st = client_auth(c, &app);
	if (st != 1)
		return st;
	const char *grant = ctx_param(c, "grant_type"), *scopes, *why;
	if (!grant)
		return oauth_error(c, 400, "invalid_request", "grant_type is required.");
	if (!strcmp(grant, "authorization_code"))
		return grant_code(c, &app);
	if (oauth_scopes_parse(c->a, ctx_param(c, "scope"), &scopes, &why))
		return oauth_error(c, 400, "invalid_scope", why);
	if (!oauth_scopes_within(c->a, app.scopes, scopes))
		return oauth_error(c, 400, "invalid_scope",
				   "The app asks for more than it registered for.");
	if (!strcmp(grant, "password"))
		return grant_password(c, &app, scopes);
	if (!strcmp(grant, "client_credentials")) {
		char token[AUTH_TOKEN_LEN + 1];
		if (oauth_app_token_create(c->app->db, c->a, app.id, scopes, token))
			return ctx_fail(c, 503, "unavailable", "Could not do that; try again.");
		return token_answer(c, token, scopes);
	}
	return oauth_error(
	    c, 400, "unsupported_grant_type",
	    "grant_type must be authorization_code, password or client_credentials.");
}

int oauth_revoke(struct ctx *c)
{
	struct oauth_app app;
	int st = client_auth(c, &app);
	if (st != 1)
		return st;
	if (oauth_token_revoke(c->app->db, c->app->cache, c->a, app.id, ctx_param(c, "token")))
		return ctx_fail(c, 503, "unavailable", "Could not revoke; try again.");
	ctx_data(c);
	return 200;
}

/* ---- the instance -------------------------------------------------------- */

static const char *host_of(struct ctx *c)
{
	const char *b = c->app->cfg.site_base_url, *p = strstr(b, "://");
	p = p ? p + 3 : b;
	return arena_strndup(c->a, p, strcspn(p, "/"));
}

static void counts(struct ctx *c, int64_t *users, int64_t *posts)
{
	if (masto_counts(c->app->db, c->a, users, posts))
		*users = *posts = 0;
}

static void configuration(struct ctx *c, cJSON *d)
{
	cJSON *cf = cJSON_AddObjectToObject(d, "configuration");
	cJSON *s = cJSON_AddObjectToObject(cf, "statuses");
	cJSON_AddNumberToObject(s, "max_characters", 2000);
	cJSON_AddNumberToObject(s, "max_media_attachments", 1);
	cJSON_AddNumberToObject(s, "characters_reserved_per_url", 23);
	cJSON *m = cJSON_AddObjectToObject(cf, "media_attachments");
	const char *types[] = {"image/jpeg", "image/png", "image/webp", "image/avif"};
	cJSON_AddItemToObject(m, "supported_mime_types", cJSON_CreateStringArray(types, 4));
	cJSON_AddNumberToObject(m, "image_size_limit", (double)c->app->cfg.max_upload);
	cJSON_AddNumberToObject(m, "image_matrix_limit", (double)c->app->cfg.max_pixels);
	cJSON_AddNumberToObject(m, "video_size_limit", 0);
	cJSON_AddNumberToObject(m, "video_frame_rate_limit", 0);
	cJSON_AddNumberToObject(m, "video_matrix_limit", 0);
	cJSON *p = cJSON_AddObjectToObject(cf, "polls");
	cJSON_AddNumberToObject(p, "max_options", 0);
}

int masto_instance(struct ctx *c)
{
	int64_t users, posts;
	counts(c, &users, &posts);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "uri", host_of(c));
	cJSON_AddStringToObject(d, "title", c->app->cfg.site_name);
	cJSON_AddStringToObject(d, "short_description",
				"A social network for AI-generated images.");
	cJSON_AddStringToObject(d, "description", "A social network for AI-generated images.");
	cJSON_AddStringToObject(d, "email", "");
	cJSON_AddStringToObject(d, "version", MASTO_VERSION);
	cJSON *u = cJSON_AddObjectToObject(d, "urls");
	cJSON_AddStringToObject(u, "streaming_api", "");
	cJSON *s = cJSON_AddObjectToObject(d, "stats");
	cJSON_AddNumberToObject(s, "user_count", (double)users);
	cJSON_AddNumberToObject(s, "status_count", (double)posts);
	cJSON_AddNumberToObject(s, "domain_count", 0);
	cJSON_AddNullToObject(d, "thumbnail");
	const char *langs[] = {"en"};
	cJSON_AddItemToObject(d, "languages", cJSON_CreateStringArray(langs, 1));
	cJSON_AddTrueToObject(d, "registrations");
	cJSON_AddFalseToObject(d, "approval_required");
	cJSON_AddFalseToObject(d, "invites_enabled");
	configuration(c, d);
	cJSON_AddNullToObject(d, "contact_account");
	cJSON_AddArrayToObject(d, "rules");
	return 200;
}

int masto_instance_v2(struct ctx *c)
{
	int64_t users, posts;
	counts(c, &users, &posts);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "domain", host_of(c));
	cJSON_AddStringToObject(d, "title", c->app->cfg.site_name);
	cJSON_AddStringToObject(d, "version", MASTO_VERSION);
	cJSON_AddStringToObject(d, "source_url", "");
	cJSON_AddStringToObject(d, "description", "A social network for AI-generated images.");
	cJSON *us = cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "usage"), "users");
	cJSON_AddNumberToObject(us, "active_month", (double)users);
	cJSON_AddNullToObject(d, "thumbnail");
	const char *langs[] = {"en"};
	cJSON_AddItemToObject(d, "languages", cJSON_CreateStringArray(langs, 1));
	configuration(c, d);
	cJSON *r = cJSON_AddObjectToObject(d, "registrations");
	cJSON_AddTrueToObject(r, "enabled");
	cJSON_AddFalseToObject(r, "approval_required");
	cJSON_AddNullToObject(r, "message");
	cJSON *ct = cJSON_AddObjectToObject(d, "contact");
	cJSON_AddStringToObject(ct, "email", "");
	cJSON_AddNullToObject(ct, "account");
	cJSON_AddArrayToObject(d, "rules");
	return 200;
}
