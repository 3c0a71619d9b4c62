/* sessions.c - a person's own sessions and password: the list of where they
 * are logged in, logging one of them or every other one out, and changing
 * the password (which logs every other session out). Pages under
 * /settings/password and /settings/sessions, and the API. */
#include "account.h"
#include "app.h"
#include "auth.h"
#include "log.h"
#include "session.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE "imagier_session"

/* "1 other session was" / "3 other sessions were" logged out. */
static const char *ended_text(struct ctx *c, int64_t n)
{
	if (n == 0)
		return "You were not logged in anywhere else.";
	return arena_printf(c->a, "%lld other session%s logged out.", (long long)n,
			    n == 1 ? " was" : "s were");
}

/* A count of ended sessions passed back to a page as ?ended=N, or -1. */
static int64_t ended_param(struct ctx *c)
{
	const char *v = kv_get(&c->req->query, "ended");
	if (!v || !*v || strlen(v) > 6 || strspn(v, "0123456789") != strlen(v))
		return -1;
	return strtoll(v, NULL, 10);
}

int password_form(struct ctx *c)
{
	c->title = "Change your password";
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "username", c->me->username);
	int64_t n = ended_param(c);
	if (n >= 0)
		cJSON_AddStringToObject(
		    d, "notice",
		    arena_printf(c->a, "Your password was changed. %s", ended_text(c, n)));
	return 200;
}

int password_change(struct ctx *c)
{
	const char *cur = ctx_param(c, "current_password"), *pw = ctx_param(c, "new_password");
	const char *pw2 = ctx_param(c, "new_password2");
	const char *why;
	c->title = "Change your password";
	if (!c->api)
		cJSON_AddStringToObject(ctx_data(c), "username", c->me->username);
	if (!cur || !*cur || !pw || !*pw)
		return ctx_fail(c, 400, "missing_field",
				"Enter your current password and the new one.");
	if (!c->api && (!pw2 || strcmp(pw, pw2)))
		return ctx_fail(c, 400, "password_mismatch",
				"The two new passwords differ; type the same one twice.");
	if (c->api && pw2 && strcmp(pw, pw2))
		return ctx_fail(c, 400, "password_mismatch", "The two new passwords differ.");
	if ((why = auth_password_problem(pw, c->me->username)))
		return ctx_fail(c, 400, "weak_password", why);
	if (!strcmp(cur, pw))
		return ctx_fail(c, 400, "same_password",
				"The new password is the one you have now; choose another.");
	if (strlen(cur) > 1024) /* never a password of ours (128 at most) */
		return ctx_fail(c, 403, "wrong_password", "That is not your current password.");
	int64_t ended = 0;
	int st = account_password_change(c->app->db, c->app->cache, c->a, c->me->id, cur, pw,
					 c->req->remote_addr, c->app->cfg.login_attempts,
					 c->session_token, &ended);
	if (st == 429) {
		ctx_header(c, "Retry-After", arena_printf(c->a, "%d", ACCOUNT_LOGIN_WINDOW));
		return ctx_fail(c, 429, "rate_limited",
				"Too many wrong passwords. Wait 15 minutes and try again.");
	}
	if (st == 403)
		return ctx_fail(c, 403, "wrong_password",
				"That is not your current password; nothing was changed.");
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "This account does not exist any more.");
	if (st)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; your password was not changed.");
	log_info("password: @%s changed their password (%lld other sessions ended)",
		 c->me->username, (long long)ended);
	cJSON *d = ctx_data(c);
	cJSON_AddTrueToObject(d, "changed");
	cJSON_AddNumberToObject(d, "sessions_ended", (double)ended);
	return ctx_done(c, 200,
			arena_printf(c->a, "/settings/password?ended=%lld", (long long)ended));
}

int sessions_show(struct ctx *c)
{
	struct session_limits lim = session_limits(&c->app->cfg);
	cJSON *list = session_list(c->app->db, c->a, c->me->id, c->session_token, &lim, !c->api);
	if (!list)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = "Where you are logged in";
	cJSON *d = ctx_data(c);
	int others = 0;
	cJSON *s;
	cJSON_ArrayForEach(s, list) others += !cJSON_IsTrue(cJSON_GetObjectItem(s, "current"));
	cJSON_AddItemToObject(d, "sessions", list);
	if (!c->api) {
		cJSON_AddNumberToObject(d, "others", others);
		cJSON_AddNumberToObject(d, "idle_days", c->app->cfg.session_idle_days);
		cJSON_AddNumberToObject(d, "session_days", c->app->cfg.session_days);
		int64_t n = ended_param(c);
		if (n >= 0)
			cJSON_AddStringToObject(d, "notice", ended_text(c, n));
	}
	return 200;
}

int session_end_one(struct ctx *c)
{
	int current = 0;
	int st = session_end(c->app->db, c->app->cache, c->a, c->me->id, c->params[0],
			     c->session_token, &current);
	if (st == 404)
		return ctx_fail(c, 404, "not_found",
				"There is no such session of yours: it may have ended already.");
	if (st)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nobody was logged out.");
	cJSON *d = ctx_data(c);
	cJSON_AddTrueToObject(d, "logged_out");
	cJSON_AddBoolToObject(d, "current", current);
	if (current) {
		/* This very session: the person is logged out here too. */
		if (!c->bearer)
			ctx_cookie(c, SESSION_COOKIE, "", -1);
		c->me = NULL;
		return ctx_done(c, 200, "/");
	}
	return ctx_done(c, 200, "/settings/sessions?ended=1");
}

int sessions_end_others(struct ctx *c)
{
	int64_t ended = 0;
	if (session_end_others(c->app->db, c->app->cache, c->a, c->me->id, c->session_token,
			       &ended))
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nobody was logged out.");
	log_info("sessions: @%s logged out %lld other sessions", c->me->username, (long long)ended);
	cJSON_AddNumberToObject(ctx_data(c), "sessions_ended", (double)ended);
	return ctx_done(c, 200,
			arena_printf(c->a, "/settings/sessions?ended=%lld", (long long)ended));
}
