/* foryou.c - the "for you" page and "show less like this". The page itself
 * is foryou_show (feed_util.c: /api/v1/feed?kind=foryou shows it too); the
 * candidates, tastes and ranking are lib/foryou.c and lib/rank.c. */
#include "app.h"
#include "feedview.h"
#include "foryou.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

int foryou_page(struct ctx *c)
{
	return foryou_show(c);
}

/* "Show less like this": the post's author and tags weigh less for this
 * person from now on (and the cached pages are dropped). */
int feed_feedback(struct ctx *c)
{
	uint64_t post_id = 0;
	const char *signal = ctx_param(c, "signal");
	if (ctx_param_u64(c, "post_id", INT64_MAX, &post_id) <= 0)
		return ctx_fail(c, 400, "bad_post_id", "Say which post: post_id.");
	if (signal && strcmp(signal, "less"))
		return ctx_fail(c, 400, "bad_signal", "The only signal is \"less\".");
	int64_t author;
	int st = foryou_post_author(c->app->db, c->a, (int64_t)post_id, &author);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (foryou_less(c->app->db, c->app->cache, c->a, c->me->id, (int64_t)post_id, author))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (c->api)
		cJSON_AddTrueToObject(ctx_data(c), "ok");
	return ctx_done(c, 200, "/foryou");
}
