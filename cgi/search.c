/* search.c - /search?q= and GET /api/v1/search?q=: posts (lib/search.c's
 * FULLTEXT query, rendered like any feed) and, on the first page, people
 * whose name starts with the query. */
#include "apnote.h"
#include "app.h"
#include "feed.h"
#include "feedview.h"
#include "profile.h"
#include "search.h"

#include <cjson/cJSON.h>
#include <string.h>

int search_show(struct ctx *c)
{
	const char *q = kv_get(&c->req->query, "q"), *clean, *why;
	c->title = "Search";
	cJSON *d = ctx_data(c);
	if (!q || !*q) {
		if (c->api)
			return ctx_fail(c, 400, "missing_query", "Search for something: ?q=...");
		return 200; /* the empty search page */
	}
	/* "@bob@host": the person, on their server when not known here
	 * (logged in only: it asks the other server) */
	const char *hn, *hh;
	if (!c->api && c->me && !apnote_acct(c->a, q, &hn, &hh)) {
		int64_t uid;
		int rc = person_lookup(c, arena_printf(c->a, "%s@%s", hn, hh), &uid);
		if (rc)
			return rc;
		const char *name = profile_username(c->app->db, c->a, uid);
		if (!name)
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		/* a stored name is [A-Za-z0-9_.~-], "@" and a host: a path as it is */
		return ctx_done(c, 200, arena_printf(c->a, "/u/%s", name));
	}
	if (text_clean(c->a, q, strlen(q), SEARCH_MAX_CHARS, &clean, &why))
		return ctx_fail(c, 400, "bad_query", arena_printf(c->a, "Search: %s", why));
	if (!*clean)
		return ctx_fail(c, 400, "missing_query", "Search for something: ?q=...");
	int64_t before;
	int st;
	if ((st = feed_id_cursor(c, &before)))
		return st;
	cJSON_AddStringToObject(d, "q", clean);
	c->title = arena_printf(c->a, "Search: %s", clean);
	struct feed_page pg = {0};
	if (search_posts(c->app->db, c->a, clean, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *posts = cJSON_AddArrayToObject(d, "posts");
	if (feed_render_items(c, &pg, posts))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	feed_next(c, pg.next_id ? arena_printf(c->a, "%lld", (long long)pg.next_id) : NULL,
		  arena_printf(c->a, "/search?q=%s", url_encode(c->a, clean)));
	cJSON *users = before ? cJSON_CreateArray() : search_people(c->app->db, c->a, clean);
	if (!users)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(d, "users", users);
	if (!c->api)
		cJSON_AddBoolToObject(
		    d, "nothing", cJSON_GetArraySize(posts) == 0 && cJSON_GetArraySize(users) == 0);
	return 200;
}
