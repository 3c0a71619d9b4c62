/* masto_acct.c - the Mastodon client API about people: one's own account,
 * another's, lookup, follow and unfollow, relationships; notifications and
 * search (v2). */
#include "apnote.h"
#include "app.h"
#include "feedview.h"
#include "db.h"
#include "mastoapi.h"
#include "post.h"
#include "profile.h"
#include "syndicate.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1 when host (lower case) is this site's own (site.base_url's). */
static int masto_own_host(struct ctx *c, const char *host)
{
	const char *base = site_origin(c), *p = strstr(base, "://");
	p = p ? p + 3 : base;
	size_t n = strcspn(p, "/");
	return strlen(host) == n && !strncasecmp(p, host, n);
}

/* One account by id, or the status of ctx_fail. */
static int one_account(struct ctx *c, int64_t id, cJSON **out)
{
	struct masto_view v = masto_view_of(c);
	cJSON *l = masto_accounts(&v, &id, 1);
	if (!l)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	*out = cJSON_DetachItemFromArray(l, 0);
	cJSON_Delete(l);
	return *out ? 0 : ctx_fail(c, 404, "not_found", "Record not found");
}

int masto_verify_credentials(struct ctx *c)
{
	cJSON *u;
	int st = one_account(c, c->me->id, &u);
	if (st)
		return st;
	/* CredentialAccount: the source of one's own note */
	cJSON *src = cJSON_AddObjectToObject(u, "source");
	cJSON_AddStringToObject(src, "privacy", "public");
	cJSON_AddFalseToObject(src, "sensitive");
	cJSON_AddStringToObject(src, "language", "");
	cJSON_AddStringToObject(src, "note", "");
	cJSON_AddArrayToObject(src, "fields");
	cJSON_AddNumberToObject(src, "follow_requests_count", 0);
	return masto_answer(c, u);
}

int masto_account_show(struct ctx *c)
{
	cJSON *u;
	int st = one_account(c, c->params[0], &u);
	return st ? st : masto_answer(c, u);
}

int masto_account_lookup(struct ctx *c)
{
	const char *acct = kv_get(&c->req->query, "acct");
	int64_t id;
	if (!acct || !*acct)
		return ctx_fail(c, 400, "bad_request", "acct is required.");
	if (*acct == '@')
		acct++;
	/* a remote person: name@host, looked up on their server when not
	 * known here (for a logged-in app only: person_lookup) */
	const char *hn, *hh;
	if (!apnote_acct(c->a, acct, &hn, &hh) && !masto_own_host(c, hh)) {
		int st = person_lookup(c, arena_printf(c->a, "%s@%s", hn, hh), &id);
		if (st)
			return st;
		cJSON *u;
		st = one_account(c, id, &u);
		return st ? st : masto_answer(c, u);
	}
	/* a local person: "name", or "name@" this site's host */
	char *name = arena_strdup(c->a, acct), *at = strchr(name, '@');
	if (at)
		*at = 0;
	int f = profile_user_id(c->app->db, c->a, name, &id);
	if (f == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (f)
		return ctx_fail(c, 404, "not_found", "Record not found");
	cJSON *u;
	int st = one_account(c, id, &u);
	return st ? st : masto_answer(c, u);
}

int masto_relationships(struct ctx *c)
{
	cJSON *list = cJSON_CreateArray();
	const struct kvlist *q = &c->req->query;
	int n = 0;
	for (size_t i = 0; i < q->n && n < MASTO_PAGE_MAX; i++) {
		uint64_t id;
		if (strcmp(q->items[i].key, "id[]") && strcmp(q->items[i].key, "id"))
			continue;
		if (str_to_u64(q->items[i].val, INT64_MAX, &id) || !id)
			continue; /* not an id: no such account, left out */
		struct masto_view v = masto_view_of(c);
		cJSON *rel = masto_relationship(&v, (int64_t)id);
		if (!rel) {
			cJSON_Delete(list);
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		}
		cJSON_AddItemToArray(list, rel);
		n++;
	}
	return masto_answer(c, list);
}

/* Follow / unfollow: imagier's follow by name (its checks, notice and
 * caches), answered with the Relationship. */
static int follow_set(struct ctx *c, int on)
{
	const char *name = NULL;
	int f = masto_username(c->app->db, c->a, c->params[0], &name);
	if (f < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!f)
		return ctx_fail(c, 404, "not_found", "Record not found");
	c->sparams[0] = name;
	size_t head = c->resp->head.len;
	int st = on ? follow_user_put(c) : follow_user_delete(c);
	if (st != 200)
		return st;
	ctx_drop_answer(c, head);
	struct masto_view v = masto_view_of(c);
	cJSON *rel = masto_relationship(&v, c->params[0]);
	if (!rel)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_answer(c, rel);
}

int masto_follow(struct ctx *c)
{
	return follow_set(c, 1);
}

int masto_unfollow(struct ctx *c)
{
	return follow_set(c, 0);
}

/* Followers / following of an account, a page of Accounts. */
static int follow_list(struct ctx *c, int followers)
{
	struct masto_window pg;
	struct masto_view v = masto_view_of(c);
	int64_t *ids;
	size_t n;
	int st;
	cJSON *u;
	if ((st = masto_page_parse(c, &pg)) || (st = one_account(c, c->params[0], &u)))
		return st;
	cJSON_Delete(u);
	if (masto_follow_page(c->app->db, c->a, c->params[0], followers, &pg, &ids, &n))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_page_answer(c, masto_accounts(&v, ids, n), ids, n);
}

int masto_followers(struct ctx *c)
{
	return follow_list(c, 1);
}

int masto_following(struct ctx *c)
{
	return follow_list(c, 0);
}

/* ---- notifications and search ------------------------------------------ */

int masto_notifications(struct ctx *c)
{
	struct masto_window pg;
	struct masto_view v = masto_view_of(c);
	int64_t newest, oldest;
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	const char *types[8], *exclude[8];
	size_t nt = 0, nx = 0;
	const struct kvlist *q = &c->req->query;
	for (size_t i = 0; i < q->n; i++) {
		const char *k = q->items[i].key;
		if ((!strcmp(k, "types[]") || !strcmp(k, "types")) && nt < 8)
			types[nt++] = q->items[i].val;
		else if ((!strcmp(k, "exclude_types[]") || !strcmp(k, "exclude_types")) && nx < 8)
			exclude[nx++] = q->items[i].val;
	}
	const char *kinds = masto_notice_kinds(c->a, types, nt, exclude, nx);
	cJSON *list = masto_notifications_list(&v, &pg, kinds, &newest, &oldest);
	if (!list)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	masto_link(c, newest, oldest, newest ? 1 : 0);
	return masto_answer(c, list);
}

int masto_search(struct ctx *c)
{
	const char *q = kv_get(&c->req->query, "q"), *type = kv_get(&c->req->query, "type");
	struct masto_window pg;
	struct masto_view v = masto_view_of(c);
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	if (!q || !*q)
		return ctx_fail(c, 400, "bad_request", "q is required.");
	if (strlen(q) > 200)
		return ctx_fail(c, 400, "bad_request", "q is too long.");
	/* resolve=true with "@name@host" of another server: the person,
	 * looked up on their server (logged in only, as Mastodon) */
	const char *resolve = kv_get(&c->req->query, "resolve"), *hn, *hh;
	if (resolve && !strcmp(resolve, "true") && c->me && !apnote_acct(c->a, q, &hn, &hh) &&
	    !masto_own_host(c, hh) && (!type || !strcmp(type, "accounts"))) {
		int64_t id;
		cJSON *u;
		if ((st = person_lookup(c, arena_printf(c->a, "%s@%s", hn, hh), &id)) ||
		    (st = one_account(c, id, &u)))
			return st;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "accounts"), u);
		cJSON_AddArrayToObject(d, "statuses");
		cJSON_AddArrayToObject(d, "hashtags");
		return masto_answer(c, d);
	}
	while (*q == '@' || *q == '#')
		q++;
	char *name = arena_strdup(c->a, q), *at = strchr(name, '@');
	if (at) /* name@host: this site's people are searched by name */
		*at = 0;
	cJSON *d = masto_search_results(&v, name, type, pg.limit);
	if (!d)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return masto_answer(c, d);
}
