/* filter.c - the word filter's page: the list moderators edit (/admin/filters
 * and GET|PUT /api/v1/admin/filters). The list and its rules are
 * lib/wordfilter.c; filter_check, which applies it, is guard.c. */
#include "app.h"
#include "log.h"
#include "util.h"
#include "wordfilter.h"

#include <cjson/cJSON.h>
#include <string.h>

int filters_show(struct ctx *c)
{
	const char *words, *by;
	size_t n;
	if (wordfilter_load(c->app->db, c->a, &words, &n, &by))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "words", words);
	cJSON_AddNumberToObject(d, "count", (double)n);
	if (by)
		cJSON_AddStringToObject(d, "updated_by", by);
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
	size_t n;
	int st = wordfilter_save(c->app->db, c->app->cache, c->a, words, c->me->id, &n, &why);
	if (st == 400)
		return ctx_fail(c, 400, "bad_words", arena_printf(c->a, "The list: %s", why));
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save the list; try again.");
	log_info("word filter: %zu entries saved by %s", n, c->me->username);
	cJSON *d = ctx_data(c);
	cJSON_AddNumberToObject(d, "count", (double)n);
	cJSON_AddStringToObject(d, "words", words);
	return ctx_done(c, 200, "/admin/filters");
}
