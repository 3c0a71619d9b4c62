/* guard.c - what stands between a person and what they see or do, shared by
 * the handlers: their own filters on the feeds and the post page, blocks
 * before they act on someone (myfilters.h), and the site's word filter
 * before text is stored (filter_check, app.h). The rules are lib/filters.c
 * and lib/wordfilter.c; this file only answers in HTTP. */
#include "app.h"
#include "filters.h"
#include "myfilters.h"
#include "session.h"
#include "social.h"
#include "wordfilter.h"

#include <cjson/cJSON.h>
#include <string.h>

void myfilters_load(struct ctx *c, struct myfilters *f)
{
	filters_load(c->app->db, c->app->cache, c->a, c->me ? c->me->id : 0, f);
}

int myfilters_apply(struct ctx *c, const struct myfilters *f, cJSON *post)
{
	return filters_hide(c->a, f, post);
}

void myfilters_post_page(struct ctx *c, cJSON *post)
{
	const char *ask = kv_get(&c->req->query, "cw");
	if (!filters_post_has_cw(post) || (ask && !strcmp(ask, "show")))
		return;
	struct myfilters f;
	myfilters_load(c, &f);
	filters_post_page(&f, post);
}

void myfilters_changed(struct ctx *c, int64_t user_id)
{
	filters_changed(c->app->cache, c->a, user_id);
}

/* The answer to a lookup of filters_blocked*: 0, or 403 naming who blocked
 * whom, or 503. */
static int blocked_fail(struct ctx *c, int found, int64_t blocker, const char *name)
{
	if (found < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!found)
		return 0;
	if (blocker == c->me->id)
		return ctx_fail(c, 403, "blocked",
				arena_printf(c->a,
					     "You have blocked @%s; unblock them first to do that.",
					     name));
	return ctx_fail(c, 403, "blocked",
			arena_printf(c->a,
				     "@%s has blocked you: you cannot follow them, reply to them "
				     "or like, comment on or remix their posts.",
				     name));
}

int block_check(struct ctx *c, int64_t other_id)
{
	int64_t blocker = 0;
	const char *name = NULL;
	int found = filters_blocked(c->app->db, c->a, c->me->id, other_id, &blocker, &name);
	return blocked_fail(c, found, blocker, name);
}

int block_check_post(struct ctx *c, int64_t post_id, int64_t parent_id)
{
	int64_t blocker = 0;
	const char *name = NULL;
	int found = filters_blocked_on_post(c->app->db, c->a, c->me->id, post_id, parent_id,
					    &blocker, &name);
	return blocked_fail(c, found, blocker, name);
}

int post_write_check(struct ctx *c, int64_t post_id, int64_t parent_id, int blocks,
		     struct social_check *chk)
{
	struct session_limits lim = session_limits(&c->app->cfg);
	const char *token = c->recheck_owed ? c->session_token : NULL;
	int st;
	if (social_write_check(c->app->db, c->a, c->me->id, post_id, parent_id, token, &lim, chk))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (token) {
		c->recheck_owed = 0;
		if ((st = ctx_session_rechecked(c, chk->session, chk->role, chk->suspended_until)))
			return st;
	}
	return blocks && chk->blocker ? blocked_fail(c, 1, chk->blocker, chk->blocked_name) : 0;
}

const struct textnorm_list *word_filter(struct ctx *c)
{
	struct app *app = c->app;
	if (wordfilter_refresh(app->db, app->cache, c->a, &app->filter_arena, &app->filter_list,
			       &app->filter_version, &app->filter_loaded_at))
		return NULL;
	return app->filter_list;
}

int filter_check(struct ctx *c, const char *label, const char *text)
{
	const struct textnorm_list *list = text && *text ? word_filter(c) : NULL;
	if (!list)
		return 0;
	const char *hit = wordfilter_hit(c->a, list, text);
	if (!hit)
		return 0;
	return ctx_fail(c, 400, "blocked_word",
			arena_printf(c->a, "%s contains something this site does not allow (“%s”).",
				     label, hit));
}
