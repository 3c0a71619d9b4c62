/* account.c - sign up, log in, log out (pages and API share the handlers). */
#include "account.h"
#include "app.h"
#include "followreq.h"
#include "auth.h"
#include "dataset.h"
#include "log.h"
#include "session.h"

#include <cjson/cJSON.h>
#include <string.h>

#define SESSION_COOKIE "imagier_session"

static void user_json(cJSON *parent, const char *key, int64_t id, const char *name,
		      const char *role)
{
	cJSON *u = cJSON_AddObjectToObject(parent, key);
	cJSON_AddNumberToObject(u, "id", (double)id);
	cJSON_AddStringToObject(u, "username", name);
	cJSON_AddStringToObject(u, "role", role);
}

int account_signup_form(struct ctx *c)
{
	c->title = "Sign up";
	ctx_data(c);
	return 200;
}

int session_login_form(struct ctx *c)
{
	c->title = "Log in";
	const char *next = ctx_local_path(kv_get(&c->req->query, "next"));
	if (next)
		cJSON_AddStringToObject(ctx_data(c), "next", next);
	ctx_data(c);
	return 200;
}

/* Start a session and hand the token out (cookie and, for the API, JSON). */
static int session_start(struct ctx *c, int64_t uid, const char *name, const char *role,
			 const char *pw_hash, int status, const char *location)
{
	char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	struct session_limits lim = session_limits(&c->app->cfg);
	int64_t ttl = lim.ttl;
	/* A session opened through the API is a program's token (it may keep
	 * the cookie too, but lists as "api"); one from a form is a browser's. */
	int st = session_open(c->app->db, c->a, uid, &lim, c->api ? SESSION_API : SESSION_BROWSER,
			      c->req->user_agent, pw_hash, token, csrf);
	if (st == 401)
		return ctx_fail(c, 401, "bad_credentials",
				"The password was changed a moment ago; log in with the new one.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	ctx_cookie(c, SESSION_COOKIE, token, (long)ttl);
	if (c->api) {
		cJSON *d = ctx_data(c);
		cJSON_AddStringToObject(d, "token", token);
		cJSON_AddStringToObject(d, "csrf", csrf);
		user_json(d, "user", uid, name, role);
	}
	memset(token, 0, sizeof(token));
	return ctx_done(c, status, location);
}

int account_create(struct ctx *c)
{
	const char *name = ctx_param(c, "username"), *pw = ctx_param(c, "password");
	const char *why;
	if (!name || !pw)
		return ctx_fail(c, 400, "missing_field", "Choose a username and a password.");
	if ((why = auth_username_problem(name)))
		return ctx_fail(c, 400, "bad_username", why);
	if ((why = auth_password_problem(pw, name)))
		return ctx_fail(c, 400, "weak_password", why);
	int fst = filter_check(c, "The username", name);
	if (fst)
		return fst;
	const char *confirm = kv_get(&c->req->form, "password2");
	if (!c->api && confirm && strcmp(confirm, pw))
		return ctx_fail(c, 400, "password_mismatch", "The two passwords differ.");
	int64_t uid;
	int st = account_insert(c->app->db, c->a, name, pw, "user", &uid);
	if (st == 409)
		return ctx_fail(c, 409, "username_taken", "That username is taken.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not sign up right now; try again.");
	log_info("account created: %s (%lld)", name, (long long)uid);
	if (c->api) {
		user_json(ctx_data(c), "user", uid, name, "user");
		return ctx_done(c, 201, arena_printf(c->a, "/u/%s", name));
	}
	return session_start(c, uid, name, "user", NULL, 201, "/");
}

int session_create(struct ctx *c)
{
	const char *name = ctx_param(c, "username"), *pw = ctx_param(c, "password");
	if (!name || !pw || !*name || !*pw)
		return ctx_fail(c, 400, "missing_field", "Enter your username and password.");
	if (strlen(name) > 64 || strlen(pw) > 1024)
		return ctx_fail(c, 401, "bad_credentials", "Wrong username or password.");
	struct account_who who;
	const char *why;
	int st = account_login(c->app->db, c->a, name, pw, c->req->remote_addr,
			       c->app->cfg.login_attempts, &who, &why);
	if (st == 429) {
		ctx_header(c, "Retry-After", arena_printf(c->a, "%d", ACCOUNT_LOGIN_WINDOW));
		return ctx_fail(c, 429, "rate_limited",
				"Too many failed logins. Wait 15 minutes and try again.");
	}
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	if (st == 401)
		return ctx_fail(c, 401, "bad_credentials", "Wrong username or password.");
	if (st == 403)
		return ctx_fail(c, 403, "banned",
				arena_printf(c->a, "This account is banned%s%s%s",
					     *why ? ": “" : ".", why, *why ? "”." : ""));
	const char *next = ctx_local_path(ctx_param(c, "next"));
	if (!next)
		next = "/";
	c->title = "Log in";
	return session_start(c, who.id, who.username, who.role, who.password_hash, 200, next);
}

int session_delete(struct ctx *c)
{
	if (session_close(c->app->db, c->app->cache, c->a, c->session_token))
		return ctx_fail(c, 503, "unavailable", "Could not log out right now; try again.");
	if (!c->bearer)
		ctx_cookie(c, SESSION_COOKIE, "", -1);
	if (c->api)
		cJSON_AddTrueToObject(ctx_data(c), "logged_out");
	return ctx_done(c, 200, "/");
}

int me_show(struct ctx *c)
{
	user_json(ctx_data(c), "user", c->me->id, c->me->username, c->me->role);
	/* The training-consent choice and its date; left out while the database
	 * is down (the session itself may come from memcached). */
	struct consent_state cs;
	if (consent_account_get(c->app->db, c->a, c->me->id, &cs) == 0)
		consent_state_json(c->a, cJSON_GetObjectItemCaseSensitive(ctx_data(c), "user"),
				   &cs);
	/* whether they approve each follower (followreq.h); left out likewise */
	int locked = followreq_locked(c->app->db, c->a, c->me->id);
	if (locked >= 0)
		cJSON_AddBoolToObject(cJSON_GetObjectItemCaseSensitive(ctx_data(c), "user"),
				      "locked", locked);
	return 200;
}
