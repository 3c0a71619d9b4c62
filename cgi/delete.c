/* delete.c - a person deletes their account (/settings/delete, DELETE
 * /api/v1/me): after the confirmation and their password, lib/erase.c
 * removes everything of theirs (the same erasure as `imagier delete-user`);
 * here the cookie goes too. */
#include "account.h"
#include "app.h"
#include "erase.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <string.h>

#define SESSION_COOKIE "imagier_session"

int delete_form(struct ctx *c)
{
	c->title = "Delete your account";
	cJSON_AddStringToObject(ctx_data(c), "username", c->me->username);
	return 200;
}

int account_delete(struct ctx *c)
{
	const char *pw = ctx_param(c, "password");
	c->title = "Delete your account";
	if (!c->api) {
		cJSON_AddStringToObject(ctx_data(c), "username", c->me->username);
		const char *confirm = ctx_param(c, "confirm");
		if (!confirm || strcmp(confirm, "yes"))
			return ctx_fail(c, 400, "not_confirmed",
					"Tick the box to confirm that everything will be deleted.");
	}
	if (!pw || !*pw || strlen(pw) > 1024)
		return ctx_fail(c, 400, "missing_password", "Enter your password to confirm.");
	int st = account_password_check(c->app->db, c->a, c->me->id, pw);
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "This account does not exist any more.");
	if (st)
		return ctx_fail(c, 403, "wrong_password",
				"That is not your password; nothing was deleted.");
	st = erase_account(c->app->db, c->app->cache, c->a, &c->app->cfg, c->me->id, NULL);
	if (st == 409)
		return ctx_fail(c, 409, "last_admin",
				"You are the only admin: make someone else admin first.");
	if (st == 404) /* deleted meanwhile (another request) */
		return ctx_fail(c, 404, "not_found", "This account does not exist any more.");
	if (st)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nothing was deleted.");
	log_info("delete: @%s deleted their account", c->me->username);
	if (!c->bearer)
		ctx_cookie(c, SESSION_COOKIE, "", -1);
	c->me = NULL; /* nobody is logged in any more: no user version to bump */
	cJSON_AddTrueToObject(ctx_data(c), "deleted");
	return ctx_done(c, 200, "/?deleted=1");
}
