/* feed.c - the feeds: latest, following, top, and the posts of a tag or a
 * person. Which ids a page shows, and their cached copies, come from
 * lib/feed.h; the posts are rendered by feed_render_items (feed_util.c),
 * which adds what belongs to the viewer last. */
#include "app.h"
#include "apub.h"
#include "feed.h"
#include "feedview.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* {"items":[...],"next":cursor|null} into c's view; HTML gets more_url. */
static int feed_finish(struct ctx *c, const struct feed_page *pg, const char *next,
		       const char *more_base)
{
	cJSON *d = ctx_data(c);
	cJSON *items = cJSON_AddArrayToObject(d, "items");
	if (feed_render_items(c, pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	feed_next(c, next, more_base);
	if (!c->api) {
		cJSON_AddBoolToObject(d, "empty", cJSON_GetArraySize(items) == 0);
		cJSON_AddBoolToObject(d, "first_page", !kv_get(&c->req->query, "cursor"));
	}
	return 200;
}

static char *id_cursor(struct ctx *c, int64_t id)
{
	return id ? arena_printf(c->a, "%lld", (long long)id) : NULL;
}

static int show_latest(struct ctx *c)
{
	struct feed_page pg;
	int64_t before;
	int st;
	if ((st = feed_id_cursor(c, &before)))
		return st;
	if (feed_page_latest(c->app->db, c->app->cache, c->a, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = before ? "Older posts" : NULL;
	feed_tabs(c, "latest");
	return feed_finish(c, &pg, id_cursor(c, pg.next_id), c->api ? "" : "/");
}

static int show_following(struct ctx *c)
{
	struct feed_page pg;
	int64_t before;
	int st;
	if (!c->me)
		return ctx_fail(c, 401, "unauthorized", "Log in to see who you follow.");
	if ((st = feed_id_cursor(c, &before)))
		return st;
	if (feed_page_following(c->app->db, c->app->cache, c->a, c->me->id, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = "Following";
	feed_tabs(c, "following");
	return feed_finish(c, &pg, id_cursor(c, pg.next_id), c->api ? "" : "/following");
}

/* The HTML face's choice of window above the top feed. */
static void top_windows(struct ctx *c, const char *current)
{
	cJSON *ws = cJSON_AddArrayToObject(ctx_data(c), "windows");
	static const char *const names[][2] = {
	    {"day", "Today"}, {"week", "This week"}, {"all", "All time"}};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "value", names[i][0]);
		cJSON_AddStringToObject(o, "label", names[i][1]);
		cJSON_AddBoolToObject(o, "current", !strcmp(names[i][0], current));
		cJSON_AddItemToArray(ws, o);
	}
}

static int show_top(struct ctx *c)
{
	struct feed_page pg;
	int64_t window, after_likes = 0, before = 0;
	const char *words;
	const char *w = kv_get(&c->req->query, "window");
	if (!w || !*w)
		w = "week";
	if (feed_top_window(w, &window, &words))
		return ctx_fail(c, 400, "bad_window", "The window is day, week or all.");
	/* Signed cursor "likes:id": a tampered one is refused. */
	const char *cur = kv_get(&c->req->query, "cursor");
	if (cur && *cur) {
		const char *payload = cursor_open(c, cur);
		long long likes, id;
		char extra;
		if (!payload || sscanf(payload, "top:%lld:%lld%c", &likes, &id, &extra) != 2 ||
		    likes < 0 || id <= 0)
			return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
		after_likes = likes;
		before = id;
	}
	if (feed_page_top(c->app->db, c->app->cache, c->a, w, after_likes, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	char *next =
	    pg.next_id
		? cursor_make(c, arena_printf(c->a, "top:%lld:%lld", (long long)pg.next_likes,
					      (long long)pg.next_id))
		: NULL;
	c->title = arena_printf(c->a, "Top %s", words);
	feed_tabs(c, "top");
	if (!c->api)
		top_windows(c, w);
	return feed_finish(c, &pg, next, c->api ? "" : arena_printf(c->a, "/top?window=%s", w));
}

int feed_show(struct ctx *c)
{
	const char *kind = kv_get(&c->req->query, "kind");
	if (!kind || !*kind || !strcmp(kind, "latest"))
		return show_latest(c);
	if (!strcmp(kind, "following"))
		return show_following(c);
	if (!strcmp(kind, "top"))
		return show_top(c);
	if (!strcmp(kind, "foryou"))
		return foryou_show(c);
	return ctx_fail(c, 400, "bad_kind",
			"Unknown feed kind; try latest, following, top or foryou.");
}

int feed_following_page(struct ctx *c)
{
	return show_following(c);
}

int feed_top_page(struct ctx *c)
{
	return show_top(c);
}

int tag_posts(struct ctx *c)
{
	struct feed_page pg;
	const char *name = c->sparams[0];
	int64_t id, before;
	int st;
	if ((st = tag_lookup(c, name, &id)) || (st = feed_id_cursor(c, &before)))
		return st;
	if (feed_page_tag(c->app->db, c->app->cache, c->a, id, name, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api && tag_header(c, id, name))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = arena_printf(c->a, "#%s", name);
	return feed_finish(c, &pg, id_cursor(c, pg.next_id),
			   c->api ? "" : arena_printf(c->a, "/t/%s", url_encode(c->a, name)));
}

int user_posts(struct ctx *c)
{
	struct feed_page pg;
	const char *name = c->sparams[0];
	int64_t id, before;
	int st;
	if (apub_wanted(c)) /* a fediverse server asks for the actor */
		return apub_actor_show(c);
	/* name@host not known yet: looked up on its server (logged in only) */
	if ((st = person_lookup(c, name, &id)) || (st = feed_id_cursor(c, &before)))
		return st;
	if (feed_page_user(c->app->db, c->app->cache, c->a, id, name, before, &pg))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api && (st = profile_header(c, id)))
		return st;
	return feed_finish(c, &pg, id_cursor(c, pg.next_id),
			   c->api ? "" : arena_printf(c->a, "/u/%s", url_encode(c->a, name)));
}
