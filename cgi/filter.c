/* filter.c - the word filter: a list moderators edit (/admin/filters and
 * GET|PUT /api/v1/admin/filters), applied when text is submitted. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "log.h"
#include "textnorm.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_VERSION_KEY "imagier:v:filters"

/* Make sure the worker's compiled list (struct app: its own arena, not the
 * request's) is current; it is rebuilt when a moderator saves a new list
 * (the version moves). 0, or -1 (database down: the
 * previous list stays in force). */
static int filter_refresh(struct ctx *c)
{
	struct app *app = c->app;
	uint64_t v = cache_version(app->cache, FILTER_VERSION_KEY);
	/* Without memcached, re-read at most every 30 s. */
	if (app->filter_list &&
	    (v ? v == app->filter_version : now_unix() - app->filter_loaded_at < 30))
		return 0;
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, "SELECT list FROM word_filters WHERE id = 1", "") !=
	    DB_OK)
		return app->filter_list ? 0 : -1;
	const char *why;
	arena_free(&app->filter_arena);
	arena_init(&app->filter_arena);
	app->filter_list =
	    textnorm_list_parse(&app->filter_arena, r.nrows ? db_str(&r, 0, 0) : "", &why);
	if (!app->filter_list)
		log_error("word filter: the stored list does not parse: %s", why);
	app->filter_version = v;
	app->filter_loaded_at = now_unix();
	return 0;
}

int filter_check(struct ctx *c, const char *label, const char *text)
{
	if (!text || !*text || filter_refresh(c) || !c->app->filter_list ||
	    textnorm_list_count(c->app->filter_list) == 0)
		return 0;
	const char *hit =
	    textnorm_match(c->app->filter_list, textnorm_fold(c->a, text, strlen(text)));
	if (!hit)
		return 0;
	return ctx_fail(c, 400, "blocked_word",
			arena_printf(c->a, "%s contains something this site does not allow (“%s”).",
				     label, hit));
}

int filters_show(struct ctx *c)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT w.list, w.updated_at, u.username FROM word_filters w "
		    "LEFT JOIN users u ON u.id = w.updated_by WHERE w.id = 1",
		    "") != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	const char *list = r.nrows ? db_str(&r, 0, 0) : "";
	struct arena tmp;
	arena_init(&tmp);
	const char *why;
	struct textnorm_list *l = textnorm_list_parse(&tmp, list, &why);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "words", list);
	cJSON_AddNumberToObject(d, "count", l ? (double)textnorm_list_count(l) : 0);
	if (r.nrows && db_str(&r, 0, 2))
		cJSON_AddStringToObject(d, "updated_by", db_str(&r, 0, 2));
	arena_free(&tmp);
	c->title = "Word filter";
	return 200;
}

int filters_update(struct ctx *c)
{
	const char *words = ctx_param(c, "words"), *why;
	if (!words)
		return ctx_fail(c, 400, "missing_words",
				"Send the list as \"words\", one per line.");
	if (!utf8_valid(words, strlen(words)))
		return ctx_fail(c, 400, "bad_words", "The list is not valid UTF-8.");
	struct arena tmp;
	arena_init(&tmp);
	struct textnorm_list *l = textnorm_list_parse(&tmp, words, &why);
	size_t n = l ? textnorm_list_count(l) : 0;
	/* The reason may live in tmp: copy it out before tmp goes. */
	char *reason = l ? NULL : arena_printf(c->a, "The list: %s", why);
	arena_free(&tmp);
	if (!l)
		return ctx_fail(c, 400, "bad_words", reason);
	if (db_exec(c->app->db, c->a, NULL,
		    "UPDATE word_filters SET list = ?, updated_at = ?, updated_by = ? WHERE id = 1",
		    "sii", words, now_unix(), c->me->id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not save the list; try again.");
	cache_bump(c->app->cache, FILTER_VERSION_KEY);
	log_info("word filter: %zu entries saved by %s", n, c->me->username);
	cJSON *d = ctx_data(c);
	cJSON_AddNumberToObject(d, "count", (double)n);
	cJSON_AddStringToObject(d, "words", words);
	return ctx_done(c, 200, "/admin/filters");
}
