/* masto.c - the Mastodon client API's reading side: Mastodon's paging
 * and Link headers, and the timelines (home, public, tag, an account's).
 * Statuses and media: masto_post.c; accounts, follows, notifications,
 * search: masto_acct.c; OAuth: oauth.c; the objects: lib/masto.c. */
#include "app.h"
#include "db.h"
#include "mastoapi.h"
#include "post.h"
#include "render.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct masto_view masto_view_of(struct ctx *c)
{
	struct masto_view v = {c->app->db, c->a, c->app->cfg.site_base_url, c->app->cfg.media_url,
			       c->me ? c->me->id : 0};
	return v;
}

int masto_answer(struct ctx *c, cJSON *v)
{
	cJSON_Delete(c->data);
	c->data = v;
	return 200;
}

/* An id parameter: 0 absent, else the number; -1 when it is not one. */
static int64_t id_param(struct ctx *c, const char *name)
{
	const char *v = kv_get(&c->req->query, name);
	uint64_t n = 0;
	if (!v || !*v)
		return 0;
	if (str_to_u64(v, INT64_MAX, &n))
		return -1;
	return (int64_t)n;
}

int masto_page_parse(struct ctx *c, struct masto_window *pg)
{
	const char *l = kv_get(&c->req->query, "limit");
	uint64_t n = MASTO_PAGE;
	if (l && *l && str_to_u64(l, 1000000, &n))
		return ctx_fail(c, 400, "bad_request", "limit must be a number.");
	pg->limit = n < 1 ? 1 : n > MASTO_PAGE_MAX ? MASTO_PAGE_MAX : (int)n;
	pg->max_id = id_param(c, "max_id");
	pg->since_id = id_param(c, "since_id");
	pg->min_id = id_param(c, "min_id");
	if (pg->max_id < 0 || pg->since_id < 0 || pg->min_id < 0)
		return ctx_fail(c, 400, "bad_request", "max_id, since_id and min_id are ids.");
	return 0;
}

/* The request's URL with its query, paging parameters replaced by key=id. */
static const char *page_url(struct ctx *c, const char *key, int64_t id)
{
	char *q = arena_strdup(c->a, "");
	const struct kvlist *l = &c->req->query;
	for (size_t i = 0; i < l->n; i++) {
		const char *k = l->items[i].key;
		if (!strcmp(k, "max_id") || !strcmp(k, "since_id") || !strcmp(k, "min_id"))
			continue;
		q = arena_printf(c->a, "%s%s=%s&", q, url_encode(c->a, k),
				 url_encode(c->a, l->items[i].val));
	}
	struct masto_view v = masto_view_of(c);
	return masto_abs(&v,
			 arena_printf(c->a, "%s?%s%s=%lld", c->req->path, q, key, (long long)id));
}

void masto_link(struct ctx *c, int64_t newest, int64_t oldest, size_t n)
{
	if (!n)
		return;
	ctx_header(c, "Link",
		   arena_printf(c->a, "<%s>; rel=\"next\", <%s>; rel=\"prev\"",
				page_url(c, "max_id", oldest), page_url(c, "min_id", newest)));
}

int masto_page_answer(struct ctx *c, cJSON *list, const int64_t *ids, size_t n)
{
	if (!list)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	masto_link(c, n ? ids[0] : 0, n ? ids[n - 1] : 0, n);
	return masto_answer(c, list);
}

/* A timeline answer: the statuses of the page and its Link header. */
static int timeline(struct ctx *c, const char *kind, int64_t arg, const char *sarg)
{
	struct masto_window pg;
	struct masto_view v = masto_view_of(c);
	int64_t *ids;
	size_t n;
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	if (masto_status_page(&v, kind, arg, sarg, &pg, &ids, &n))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_page_answer(c, masto_statuses(&v, ids, n), ids, n);
}

int masto_timeline_home(struct ctx *c)
{
	return timeline(c, "home", c->me->id, NULL);
}

int masto_timeline_public(struct ctx *c)
{
	return timeline(c, "public", 0, NULL);
}

int masto_timeline_tag(struct ctx *c)
{
	const char *t = c->sparams[0];
	if (*t == '#')
		t++;
	char *low = arena_strdup(c->a, t);
	for (char *p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return timeline(c, "tag", 0, low);
}

int masto_account_statuses(struct ctx *c)
{
	/* imagier has no pins, replies or boosts: those filters find nothing */
	const char *pinned = kv_get(&c->req->query, "pinned");
	if (pinned && (!strcmp(pinned, "true") || !strcmp(pinned, "1"))) {
		return masto_answer(c, cJSON_CreateArray());
	}
	return timeline(c, "account", c->params[0], NULL);
}
