/* account.c - sign up, log in, log out (pages and API share the handlers). */
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "dataset.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#define SESSION_COOKIE "imagier_session"
#define LOGIN_WINDOW   900 /* seconds */

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

/* Create a session row and hand the token out (cookie and, for the API, JSON). */
static int session_start(struct ctx *c, int64_t uid, const char *name, const char *role, int status,
			 const char *location)
{
	char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	unsigned char h[AUTH_HASH_LEN];
	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_hash(token, h);
	int64_t now = now_unix(), ttl = (int64_t)c->app->cfg.session_days * 86400;
	if (db_exec(c->app->db, c->a, NULL,
		    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
		    "VALUES (?, ?, ?, ?, ?)",
		    "bisii", h, sizeof(h), uid, csrf, now, now + ttl) != DB_OK)
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
	char hash[AUTH_PWHASH_LEN];
	if (auth_password_hash(pw, hash))
		return ctx_fail(c, 503, "unavailable", "Could not sign up right now; try again.");
	struct db_res r;
	int rc = db_exec(c->app->db, c->a, &r,
			 "INSERT INTO users (username, password_hash, role, created_at) "
			 "VALUES (?, ?, 'user', ?)",
			 "ssi", name, hash, now_unix());
	if (rc == DB_DUP)
		return ctx_fail(c, 409, "username_taken", "That username is taken.");
	if (rc != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not sign up right now; try again.");
	int64_t uid = (int64_t)r.insert_id;
	log_info("account created: %s (%lld)", name, (long long)uid);
	if (c->api) {
		user_json(ctx_data(c), "user", uid, name, "user");
		return ctx_done(c, 201, arena_printf(c->a, "/u/%s", name));
	}
	return session_start(c, uid, name, "user", 201, "/");
}

/* Failed logins per name and per address in a fixed 15-minute window. */
static int64_t login_failures(struct ctx *c, const char *key)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, "SELECT n FROM rate_limits WHERE k = ? AND win = ?", "si",
		    key, now_unix() / LOGIN_WINDOW) != DB_OK ||
	    r.nrows == 0)
		return 0;
	return db_int(&r, 0, 0);
}

static void login_failed(struct ctx *c, const char *key)
{
	db_exec(c->app->db, c->a, NULL,
		"INSERT INTO rate_limits (k, win, n) VALUES (?, ?, 1) "
		"ON DUPLICATE KEY UPDATE n = n + 1",
		"si", key, now_unix() / LOGIN_WINDOW);
}

int session_create(struct ctx *c)
{
	const char *name = ctx_param(c, "username"), *pw = ctx_param(c, "password");
	if (!name || !pw || !*name || !*pw)
		return ctx_fail(c, 400, "missing_field", "Enter your username and password.");
	if (strlen(name) > 64 || strlen(pw) > 1024)
		return ctx_fail(c, 401, "bad_credentials", "Wrong username or password.");
	char *kname = arena_printf(c->a, "login:u:%s", name);
	char *kaddr = arena_printf(c->a, "login:a:%s", c->req->remote_addr);
	int limit = c->app->cfg.login_attempts;
	if (login_failures(c, kname) >= limit || login_failures(c, kaddr) >= limit * 5) {
		ctx_header(c, "Retry-After", "900");
		return ctx_fail(c, 429, "rate_limited",
				"Too many failed logins. Wait 15 minutes and try again.");
	}
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT id, username, password_hash, role, banned_at IS NOT NULL FROM users "
		    "WHERE username = ?",
		    "s", name) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not log in right now; try again.");
	/* Verify against a dummy hash for unknown names: same time either way. */
	const char *stored = r.nrows ? db_str(&r, 0, 2) : auth_dummy_hash();
	if (!auth_password_verify(stored, pw) || r.nrows == 0) {
		login_failed(c, kname);
		login_failed(c, kaddr);
		return ctx_fail(c, 401, "bad_credentials", "Wrong username or password.");
	}
	/* Only the right password learns of the ban (and its reason). */
	if (db_int(&r, 0, 4)) {
		struct db_res b;
		const char *why = "";
		if (db_exec(
			c->app->db, c->a, &b,
			"SELECT reason FROM mod_actions WHERE subject_id = ? AND action = 'ban' "
			"ORDER BY id DESC LIMIT 1",
			"i", db_int(&r, 0, 0)) == DB_OK &&
		    b.nrows)
			why = db_str(&b, 0, 0);
		return ctx_fail(c, 403, "banned",
				arena_printf(c->a, "This account is banned%s%s%s",
					     *why ? ": “" : ".", why, *why ? "”." : ""));
	}
	const char *next = ctx_local_path(ctx_param(c, "next"));
	if (!next)
		next = "/";
	c->title = "Log in";
	return session_start(c, db_int(&r, 0, 0), db_str(&r, 0, 1), db_str(&r, 0, 3), 200, next);
}

int session_delete(struct ctx *c)
{
	unsigned char h[AUTH_HASH_LEN];
	auth_token_hash(c->session_token, h);
	if (db_exec(c->app->db, c->a, NULL, "DELETE FROM sessions WHERE token_hash = ?", "b", h,
		    sizeof(h)) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not log out right now; try again.");
	cache_delete(c->app->cache, session_cache_key(c->a, c->session_token));
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
	return 200;
}
