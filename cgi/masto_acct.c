/* masto_acct.c - the Mastodon client API about people: one's own account,
 * another's, lookup, follow and unfollow, relationships; notifications and
 * search (v2). */
#include "app.h"
#include "db.h"
#include "masto.h"
#include "post.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int answer(struct ctx *c, cJSON *v)
{
	cJSON_Delete(c->data);
	c->data = v;
	return 200;
}

/* One account by id, or the status of ctx_fail. */
static int one_account(struct ctx *c, int64_t id, cJSON **out)
{
	cJSON *l = masto_accounts(c, &id, 1);
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
	return answer(c, u);
}

int masto_account_show(struct ctx *c)
{
	cJSON *u;
	int st = one_account(c, c->params[0], &u);
	return st ? st : answer(c, u);
}

int masto_account_lookup(struct ctx *c)
{
	const char *acct = kv_get(&c->req->query, "acct");
	struct db_res r;
	if (!acct || !*acct)
		return ctx_fail(c, 400, "bad_request", "acct is required.");
	if (*acct == '@')
		acct++;
	/* a local person: "name", or "name@" this site's host */
	char *name = arena_strdup(c->a, acct), *at = strchr(name, '@');
	if (at)
		*at = 0;
	if (db_read(c->app->db, c->a, &r, "SELECT id FROM users WHERE username = ?", "s", name) !=
	    DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r.nrows)
		return ctx_fail(c, 404, "not_found", "Record not found");
	cJSON *u;
	int st = one_account(c, db_int(&r, 0, 0), &u);
	return st ? st : answer(c, u);
}

cJSON *masto_relationship(struct ctx *c, int64_t id)
{
	struct db_res r;
	int64_t me = c->me->id;
	if (db_read(c->app->db, c->a, &r,
		    "SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = "
		    "?), EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?), "
		    "EXISTS (SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?), EXISTS "
		    "(SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?), EXISTS (SELECT 1 "
		    "FROM mutes WHERE user_id = ? AND target_id = ?)",
		    "iiiiiiiiii", me, id, id, me, me, id, id, me, me, id) != DB_OK)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", arena_printf(c->a, "%lld", (long long)id));
	cJSON_AddBoolToObject(o, "following", db_int(&r, 0, 0));
	cJSON_AddFalseToObject(o, "showing_reblogs");
	cJSON_AddFalseToObject(o, "notifying");
	cJSON_AddBoolToObject(o, "followed_by", db_int(&r, 0, 1));
	cJSON_AddBoolToObject(o, "blocking", db_int(&r, 0, 2));
	cJSON_AddBoolToObject(o, "blocked_by", db_int(&r, 0, 3));
	cJSON_AddBoolToObject(o, "muting", db_int(&r, 0, 4));
	cJSON_AddBoolToObject(o, "muting_notifications", db_int(&r, 0, 4));
	cJSON_AddFalseToObject(o, "requested");
	cJSON_AddFalseToObject(o, "domain_blocking");
	cJSON_AddFalseToObject(o, "endorsed");
	cJSON_AddStringToObject(o, "note", "");
	return o;
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
		cJSON *rel = masto_relationship(c, (int64_t)id);
		if (!rel) {
			cJSON_Delete(list);
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		}
		cJSON_AddItemToArray(list, rel);
		n++;
	}
	return answer(c, list);
}

/* Follow / unfollow: imagier's follow by name (its checks, notice and
 * caches), answered with the Relationship. */
static int follow_set(struct ctx *c, int on)
{
	struct db_res r;
	if (db_read(c->app->db, c->a, &r,
		    "SELECT username FROM users WHERE id = ? AND banned_at IS NULL", "i",
		    c->params[0]) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r.nrows)
		return ctx_fail(c, 404, "not_found", "Record not found");
	c->sparams[0] = db_str(&r, 0, 0);
	size_t head = c->resp->head.len;
	int st = on ? follow_user_put(c) : follow_user_delete(c);
	if (st != 200)
		return st;
	ctx_drop_answer(c, head);
	cJSON *rel = masto_relationship(c, c->params[0]);
	if (!rel)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return answer(c, rel);
}

int masto_follow(struct ctx *c)
{
	return follow_set(c, 1);
}

int masto_unfollow(struct ctx *c)
{
	return follow_set(c, 0);
}

/* ---- notifications ------------------------------------------------------ */

/* imagier's kinds as Mastodon's: a like is a favourite, a comment or a
 * reply a mention (of the post), a remix a status (the remix). Notices of
 * moderation are imagier's own and are not listed here. */
static const char *notice_type(const char *kind)
{
	if (!strcmp(kind, "like"))
		return "favourite";
	if (!strcmp(kind, "follow"))
		return "follow";
	if (!strcmp(kind, "remix"))
		return "status";
	return "mention";
}

int masto_notifications(struct ctx *c)
{
	struct masto_page pg;
	struct db_res r;
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	int asc = pg.min_id > 0;
	if (db_read(c->app->db, c->a, &r,
		    asc ? "SELECT id, kind, actor_id, IFNULL(post_id, 0), created_at FROM "
			  "notifications WHERE user_id = ? AND kind IN ('like', 'comment', "
			  "'follow', 'remix', 'reply') AND (? = 0 OR id < ?) AND id > ? ORDER BY "
			  "id ASC LIMIT ?"
			: "SELECT id, kind, actor_id, IFNULL(post_id, 0), created_at FROM "
			  "notifications WHERE user_id = ? AND kind IN ('like', 'comment', "
			  "'follow', 'remix', 'reply') AND (? = 0 OR id < ?) AND id > ? ORDER BY "
			  "id DESC LIMIT ?",
		    "iiiii", c->me->id, pg.max_id, pg.max_id, asc ? pg.min_id : pg.since_id,
		    (int64_t)pg.limit) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	size_t n = r.nrows;
	int64_t *actors = arena_zalloc(c->a, (n + 1) * sizeof(int64_t));
	int64_t *posts = arena_zalloc(c->a, (n + 1) * sizeof(int64_t));
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		actors[i] = db_int(&r, i, 2);
		if (db_int(&r, i, 3))
			posts[np++] = db_int(&r, i, 3);
	}
	cJSON *accts = masto_accounts(c, actors, n), *stats = masto_statuses(c, posts, np);
	cJSON *list = cJSON_CreateArray();
	if (!accts || !stats) {
		cJSON_Delete(accts);
		cJSON_Delete(stats);
		cJSON_Delete(list);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = asc ? n - 1 - k : k;
		cJSON *acct = NULL, *s = NULL, *e;
		const char *aid = db_str(&r, i, 2), *pid = db_str(&r, i, 3);
		cJSON_ArrayForEach(
		    e, accts) if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), aid))
		    acct = e;
		cJSON_ArrayForEach(
		    e, stats) if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), pid))
		    s = e;
		if (!acct) /* the actor left or was banned */
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", db_str(&r, i, 0));
		cJSON_AddStringToObject(o, "type", notice_type(db_str(&r, i, 1)));
		cJSON_AddStringToObject(o, "created_at", masto_time(c, db_int(&r, i, 4)));
		cJSON_AddItemToObject(o, "account", cJSON_Duplicate(acct, 1));
		if (s)
			cJSON_AddItemToObject(o, "status", cJSON_Duplicate(s, 1));
		else
			cJSON_AddNullToObject(o, "status");
		cJSON_AddItemToArray(list, o);
	}
	cJSON_Delete(accts);
	cJSON_Delete(stats);
	if (n)
		masto_link(c, &pg, db_int(&r, asc ? n - 1 : 0, 0), db_int(&r, asc ? 0 : n - 1, 0),
			   n);
	return answer(c, list);
}

/* ---- search ------------------------------------------------------------ */

/* LIKE pattern for names starting with q ('%' and '_' taken literally). */
static const char *prefix_pattern(struct ctx *c, const char *q)
{
	char *p = arena_alloc(c->a, 2 * strlen(q) + 2), *o = p;
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = 0;
	return p;
}

int masto_search(struct ctx *c)
{
	const char *q = kv_get(&c->req->query, "q"), *type = kv_get(&c->req->query, "type");
	struct masto_page pg;
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	if (!q || !*q)
		return ctx_fail(c, 400, "bad_request", "q is required.");
	if (strlen(q) > 200)
		return ctx_fail(c, 400, "bad_request", "q is too long.");
	while (*q == '@' || *q == '#')
		q++;
	char *name = arena_strdup(c->a, q), *at = strchr(name, '@');
	if (at) /* name@host: this site's people are searched by name */
		*at = 0;
	const char *pat = prefix_pattern(c, name);
	int all = !type || !*type;
	struct db_res ur = {0}, tr = {0}, pr = {0};
	if (((all || !strcmp(type, "accounts")) &&
	     db_read(c->app->db, c->a, &ur,
		     "SELECT id FROM users WHERE username LIKE ? AND banned_at IS NULL ORDER BY "
		     "username = ? DESC, follower_count DESC, id LIMIT ?",
		     "ssi", pat, name, (int64_t)pg.limit) != DB_OK) ||
	    ((all || !strcmp(type, "hashtags")) &&
	     db_read(c->app->db, c->a, &tr,
		     "SELECT name FROM tags WHERE name LIKE ? AND post_count > 0 ORDER BY name = "
		     "? DESC, post_count DESC LIMIT ?",
		     "ssi", pat, name, (int64_t)pg.limit) != DB_OK) ||
	    ((all || !strcmp(type, "statuses")) &&
	     db_read(c->app->db, c->a, &pr,
		     "SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id WHERE "
		     "p.mod_state = 'visible' AND u.banned_at IS NULL AND (p.caption LIKE "
		     "CONCAT('%', ?, '%') OR p.prompt LIKE CONCAT('%', ?, '%')) ORDER BY p.id DESC "
		     "LIMIT ?",
		     "ssi", pat + 0, pat + 0, (int64_t)pg.limit) != DB_OK))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	int64_t *uids = arena_zalloc(c->a, (ur.nrows + 1) * sizeof(int64_t));
	int64_t *pids = arena_zalloc(c->a, (pr.nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < ur.nrows; i++)
		uids[i] = db_int(&ur, i, 0);
	for (size_t i = 0; i < pr.nrows; i++)
		pids[i] = db_int(&pr, i, 0);
	cJSON *accts = masto_accounts(c, uids, ur.nrows),
	      *stats = masto_statuses(c, pids, pr.nrows);
	if (!accts || !stats) {
		cJSON_Delete(accts);
		cJSON_Delete(stats);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	cJSON *d = ctx_data(c), *tags = cJSON_CreateArray();
	for (size_t i = 0; i < tr.nrows; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", db_str(&tr, i, 0));
		cJSON_AddStringToObject(
		    t, "url",
		    masto_url(c, arena_printf(c->a, "/t/%s", url_encode(c->a, db_str(&tr, i, 0)))));
		cJSON_AddArrayToObject(t, "history");
		cJSON_AddItemToArray(tags, t);
	}
	cJSON_AddItemToObject(d, "accounts", accts);
	cJSON_AddItemToObject(d, "statuses", stats);
	cJSON_AddItemToObject(d, "hashtags", tags);
	return 200;
}
