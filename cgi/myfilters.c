/* myfilters.c - a person's own filters: blocking people (PUT|DELETE
 * /api/v1/users/NAME/block, the profile's Block button), muted words and
 * tags and the content-warning choice (/settings/filters, GET|PUT
 * /api/v1/me/filters). How feeds, the post page and the social handlers
 * apply them is guard.c; the rules and the data are lib/filters.c. */
#include "app.h"
#include "cachekey.h"
#include "cache.h"
#include "feedview.h"
#include "filters.h"
#include "myfilters.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Everything cached that a block between the viewer and other changes. */
static void block_changed(struct ctx *c, int64_t other)
{
	int64_t who[2] = {c->me->id, other};
	for (size_t i = 0; i < 2; i++) {
		long long id = (long long)who[i];
		myfilters_changed(c, who[i]);
		cache_delete(c->app->cache, social_unread_key(c->a, who[i]));
		cache_bump(c->app->cache, cachekey_follows_version(c->a, id));
		cache_bump(c->app->cache, cachekey_foryou_version(c->a, id));
		/* the other's page cache (the dispatcher bumps the viewer's) */
		cache_bump(c->app->cache, cachekey_user_version(c->a, id));
	}
}

static int block_set(struct ctx *c, int on)
{
	int64_t id;
	int st, changed, unfollowed;
	if ((st = user_lookup(c, c->sparams[0], &id)))
		return st;
	if (id == c->me->id)
		return ctx_fail(c, 400, "self_block", "You cannot block yourself.");
	if (filters_block(c->app->db, c->a, c->me->id, id, on, &changed, &unfollowed))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (changed)
		block_changed(c, id);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "username", c->sparams[0]);
	cJSON_AddBoolToObject(d, "blocked", on);
	cJSON_AddBoolToObject(d, "changed", changed);
	cJSON_AddBoolToObject(d, "unfollowed", unfollowed);
	const char *next = ctx_local_path(kv_get(&c->req->form, "next"));
	return ctx_done(c, 200,
			next ? next : arena_printf(c->a, "/u/%s", url_encode(c->a, c->sparams[0])));
}

int block_user_put(struct ctx *c)
{
	return block_set(c, 1);
}

int block_user_delete(struct ctx *c)
{
	return block_set(c, 0);
}

int block_user_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "block");
	return block_set(c, !v || strcmp(v, "0"));
}

/* ---- /settings/filters ------------------------------------------------------ */

/* Lines of a textarea as a JSON array of strings (caller frees). */
static cJSON *lines_json(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = text;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = xmalloc(n + 1);
		memcpy(line, p, n);
		line[n] = '\0';
		cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		free(line);
		p = e ? e + 1 : NULL;
	}
	return arr;
}

/* The submitted field name as an array: the JSON body's member as is (a
 * string there is refused), a form field split into lines. NULL when absent;
 * *bad when present but not a list. The caller frees a form's array. */
static const cJSON *field_list(struct ctx *c, const char *name, cJSON **owned, int *bad)
{
	*owned = NULL;
	*bad = 0;
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, name);
		if (v && !cJSON_IsArray(v))
			*bad = 1;
		return cJSON_IsArray(v) ? v : NULL;
	}
	const char *v = ctx_param(c, name);
	return v ? (*owned = lines_json(v)) : NULL;
}

/* The HTML page's extras: the textareas' text (the submitted one after a
 * refused form), the radio group, and people with their /u/ links. */
static void filters_page(struct ctx *c, cJSON *d, const char *words, const char *tags,
			 const char *cw)
{
	static const char *const lists[][3] = {{"muted_words", "muted_words_text", NULL},
					       {"muted_tags", "muted_tags_text", NULL},
					       {"muted_users", "muted_people", "mute"},
					       {"blocked_users", "blocked_people", "block"}};
	for (size_t k = 0; k < 4; k++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(d, lists[k][0]), *e;
		char *text = arena_strdup(c->a, "");
		cJSON *people = lists[k][2] ? cJSON_AddArrayToObject(d, lists[k][1]) : NULL;
		cJSON_ArrayForEach(e, arr)
		{
			if (!people) {
				text = arena_printf(c->a, "%s%s\n", text, e->valuestring);
				continue;
			}
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", e->valuestring);
			cJSON_AddStringToObject(
			    o, "url",
			    arena_printf(c->a, "/u/%s", url_encode(c->a, e->valuestring)));
			cJSON_AddItemToArray(people, o);
		}
		if (!people)
			cJSON_AddStringToObject(d, lists[k][1],
						k == 0 && words	 ? words
						: k == 1 && tags ? tags
								 : text);
	}
	if (!cw)
		cw = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "content_warnings"));
	for (size_t i = 0; filters_cw_name(i); i++)
		cJSON_AddBoolToObject(d, arena_printf(c->a, "cw_is_%s", filters_cw_name(i)),
				      cw && !strcmp(cw, filters_cw_name(i)));
	c->title = "Your filters";
}

int my_filters_show(struct ctx *c)
{
	cJSON *d = ctx_data(c);
	if (filters_view(c->app->db, c->a, c->me->id, d))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api)
		filters_page(c, d, NULL, NULL, NULL);
	return 200;
}

int my_filters_update(struct ctx *c)
{
	cJSON *wown, *town, *words = NULL, *tags = NULL;
	int wbad, tbad, st = 0;
	const char *why = NULL, *code = "bad_term";
	const cJSON *win = field_list(c, "muted_words", &wown, &wbad);
	const cJSON *tin = field_list(c, "muted_tags", &town, &tbad);
	const char *cw = ctx_param(c, "content_warnings");
	if (c->req->json && cJSON_GetObjectItemCaseSensitive(c->req->json, "content_warnings") &&
	    !cw)
		cw = "";
	if (wbad || tbad) {
		why = "muted_words and muted_tags are lists of strings.";
		code = "bad_list";
	} else if (!win && !tin && !cw) {
		why = "Send muted_words, muted_tags or content_warnings.";
		code = "nothing_to_change";
	} else if (cw && strcmp(cw, "blur") && strcmp(cw, "show") && strcmp(cw, "hide")) {
		why = "content_warnings is blur, show or hide.";
		code = "bad_content_warnings";
	} else if ((win && !(words = filters_terms(c->a, 0, win, &code, &why))) ||
		   (tin && !(tags = filters_terms(c->a, 1, tin, &code, &why)))) {
		/* code and why are set */
	} else if ((st = filters_save(c->app->db, c->a, c->me->id, words, tags, cw)) == 400) {
		why = "You can mute at most 100 words and tags in all.";
		code = "too_many_terms";
	}
	cJSON_Delete(wown);
	cJSON_Delete(town);
	cJSON_Delete(words);
	cJSON_Delete(tags);
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "Could not save your filters; try again.");
	if (why) {
		/* The page again, with what was typed and why it was refused. */
		cJSON *d = ctx_data(c);
		if (!c->api && !filters_view(c->app->db, c->a, c->me->id, d))
			filters_page(c, d, ctx_param(c, "muted_words"), ctx_param(c, "muted_tags"),
				     cw);
		return ctx_fail(c, 400, code, why);
	}
	myfilters_changed(c, c->me->id);
	cache_delete(c->app->cache, social_unread_key(c->a, c->me->id));
	if (c->api && filters_view(c->app->db, c->a, c->me->id, ctx_data(c)))
		return ctx_fail(c, 503, "unavailable", "Saved, but cannot be read back.");
	return ctx_done(c, 200, "/settings/filters");
}
