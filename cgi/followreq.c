/* followreq.c - the follow requests of a locked account (lib/followreq.h):
 * the page /follow-requests with Approve and Reject, the native API
 * (GET /api/v1/follow_requests, POST .../{id}/authorize|reject) and
 * Mastodon's face of the same paths for an OAuth token. {id} is the
 * requester's account id (as Mastodon's). */
#include "app.h"
#include "followreq.h"
#include "mastoapi.h"
#include "syndicate.h"

#include <cjson/cJSON.h>

int follow_requests_show(struct ctx *c)
{
	int64_t *ids;
	size_t n;
	cJSON *items = followreq_list(c->app->db, c->a, c->me->id, &ids, &n);
	if (!items)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON_AddItemToObject(d, "requests", items);
	int locked = followreq_locked(c->app->db, c->a, c->me->id);
	cJSON_AddBoolToObject(d, "locked", locked > 0);
	if (!c->api)
		cJSON_AddBoolToObject(d, "empty", n == 0);
	c->title = "Follow requests";
	return 200;
}

int masto_follow_requests(struct ctx *c)
{
	int64_t *ids;
	size_t n;
	cJSON *items = followreq_list(c->app->db, c->a, c->me->id, &ids, &n);
	if (!items)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_Delete(items);
	struct masto_view v = masto_view_of(c);
	cJSON *list = masto_accounts(&v, ids, n);
	if (!list)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_answer(c, list);
}

/* Approve or reject the request of account {id}: 0 done, or the status of
 * ctx_fail. */
static int answer(struct ctx *c, int accept)
{
	int64_t requester;
	int st = followreq_answer(c->app->db, c->a, site_origin(c), c->me->id, c->me->username, 0,
				  c->params[0], accept, &requester);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such follow request.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	return 0;
}

static int answer_native(struct ctx *c, int accept)
{
	int st = answer(c, accept);
	if (st)
		return st;
	cJSON *d = ctx_data(c);
	cJSON_AddNumberToObject(d, "id", (double)c->params[0]);
	cJSON_AddBoolToObject(d, "approved", accept);
	return ctx_done(c, 200, "/follow-requests");
}

int follow_request_authorize(struct ctx *c)
{
	return answer_native(c, 1);
}

int follow_request_reject(struct ctx *c)
{
	return answer_native(c, 0);
}

static int answer_masto(struct ctx *c, int accept)
{
	int st = answer(c, accept);
	if (st)
		return st;
	struct masto_view v = masto_view_of(c);
	cJSON *rel = masto_relationship(&v, c->params[0]);
	if (!rel)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_answer(c, rel);
}

int masto_follow_request_authorize(struct ctx *c)
{
	return answer_masto(c, 1);
}

int masto_follow_request_reject(struct ctx *c)
{
	return answer_masto(c, 0);
}
