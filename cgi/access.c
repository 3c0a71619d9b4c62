/* access.c - who may go on: the answer to a request that needs a login and
 * has none, a suspended person's refusal (and what they may still do), and a
 * cached session brought up to date with its row (the dispatcher's recheck,
 * or a handler's own check query for R_RECHECK_LATE routes). */
#include "app.h"
#include "cache.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

/* The session as its row says (see app.h). */
void ctx_session_apply(struct ctx *c, int found, const char *role, int64_t suspended_until)
{
	if (!found || strcmp(role, c->me->role) || suspended_until != c->me->suspended_until)
		cache_delete(c->app->cache, c->session_key); /* stale: the next load refreshes it */
	if (!found) {
		c->me = NULL; /* logged out, or banned, since it was cached */
		c->csrf = NULL;
		return;
	}
	c->me->role = role;
	c->me->suspended_until = suspended_until;
}

/* What a suspended person may still do (routes flagged R_SUSP): leave,
 * appeal, mark notices read, take their data with them or delete their
 * account, protect themselves (block, mute, filters) and withdraw or give
 * training consent. Withdrawing consent is never harder than giving it:
 * R_SUSP_CONSENT routes (PATCH /api/v1/me) with nothing but training_consent. */
static int suspension_allows(const struct ctx *c)
{
	if (c->route->flags & R_SUSP)
		return 1;
	cJSON *j = c->req->json;
	return (c->route->flags & R_SUSP_CONSENT) && cJSON_IsObject(j) &&
	       cJSON_GetArraySize(j) == 1 &&
	       cJSON_GetObjectItemCaseSensitive(j, "training_consent");
}

/* The answer to a request that needs a login and has none. */
int ctx_login_fail(struct ctx *c)
{
	if (c->session_down)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; try again in a moment.");
	if (!c->api) {
		c->location = arena_printf(c->a, "/login?next=%s", url_encode(c->a, c->req->path));
		return 303;
	}
	return ctx_fail(c, 401, "unauthorized", "Log in first.");
}

/* 0, or 403 when the person is suspended and the route is not one they may
 * still use. */
int ctx_suspended_fail(struct ctx *c)
{
	if (!(c->route->flags & R_CSRF) || !c->me || c->me->suspended_until <= now_unix() ||
	    suspension_allows(c))
		return 0;
	return ctx_fail(c, 403, "suspended",
			arena_printf(c->a,
				     "Your account is suspended until %s; you can read but "
				     "not post, comment or like. See /moderation for why.",
				     time_text(c->a, c->me->suspended_until)));
}

int ctx_session_rechecked(struct ctx *c, int found, const char *role, int64_t suspended_until)
{
	ctx_session_apply(c, found, role, suspended_until);
	if (!c->me)
		return ctx_login_fail(c);
	return ctx_suspended_fail(c);
}
