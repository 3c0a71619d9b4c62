/* ratelimit.c - ratelimit_check (app.h): the request's person and address
 * against the limit of a route's class. The classes, the counting and the
 * rules are lib/ratelimit.c; this file says no in HTTP: 429 rate_limited
 * with Retry-After (seconds) and a sentence saying what was limited and when
 * to try again. */
#include "app.h"
#include "ratelimit.h"
#include "ratelimit_math.h"

#include <stdio.h>

int ratelimit_check(struct ctx *c, const char *klass)
{
	struct ratelimit_who who = {
	    .user_id = c->me ? c->me->id : 0,
	    .created_at = c->me ? c->me->created_at : 0,
	    .exempt = ctx_is_mod(c),
	    .addr = c->req->remote_addr,
	};
	struct ratelimit_refusal no;
	if (!ratelimit_take(c->app->cache, c->app->db, c->a, &c->app->cfg, klass, &who, &no))
		return 0;
	char secs[24], when[32];
	snprintf(secs, sizeof(secs), "%lld", (long long)no.retry);
	rl_duration_text(no.retry, when, sizeof(when));
	ctx_header(c, "Retry-After", secs);
	const char *msg;
	if (no.by_address)
		msg = arena_printf(c->a,
				   "There have been %lld %s from your address in the last %s; "
				   "try again in %s.",
				   (long long)no.limit, no.what, no.period, when);
	else
		msg = arena_printf(c->a, "You have made %lld %s in the last %s; try again in %s.%s",
				   (long long)no.limit, no.what, no.period, when,
				   no.young ? arena_printf(c->a,
							   " New accounts have lower limits for "
							   "their first %d hours.",
							   c->app->cfg.lim_new_account_hours)
					    : "");
	return ctx_fail(c, 429, "rate_limited", msg);
}
