/* generate.c - /create, /g/ID and the generations API: queue a job, watch it,
 * publish or discard the result. Remixes (remix.c) use the same form. */
#include "app.h"
#include "db.h"
#include "gen.h"
#include "generate.h"
#include "genq.h"
#include "log.h"
#include "moderation.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sizes the page offers; the API takes any width/height in range. */
static const struct {
	int w, h;
	const char *label;
} presets[] = {
    {768, 768, "Square · 768 × 768"},	    {1024, 1024, "Large square · 1024 × 1024"},
    {512, 512, "Small square · 512 × 512"}, {768, 1024, "Portrait · 768 × 1024"},
    {1024, 768, "Landscape · 1024 × 768"},  {1536, 864, "Wide · 1536 × 864"},
};

/* The /create form's choices, with the current values selected. */
void gen_form_view(struct ctx *c, cJSON *form, int w, int h, const char *backend)
{
	cJSON *d = ctx_data(c);
	cJSON *sizes = cJSON_AddArrayToObject(d, "sizes");
	int found = 0;
	for (size_t i = 0; i < ARRAY_LEN(presets); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "value",
					arena_printf(c->a, "%dx%d", presets[i].w, presets[i].h));
		cJSON_AddStringToObject(o, "label", presets[i].label);
		int sel = presets[i].w == w && presets[i].h == h;
		found |= sel;
		cJSON_AddBoolToObject(o, "selected", sel);
		cJSON_AddItemToArray(sizes, o);
	}
	if (!found && w && h) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "value", arena_printf(c->a, "%dx%d", w, h));
		cJSON_AddStringToObject(o, "label",
					arena_printf(c->a, "As before · %d × %d", w, h));
		cJSON_AddTrueToObject(o, "selected");
		cJSON_AddItemToArray(sizes, o);
	}
	cJSON *backends = cJSON_AddArrayToObject(d, "backends");
	char list[sizeof(c->app->cfg.gen_backends)];
	str_copy(list, c->app->cfg.gen_backends, sizeof(list));
	int n = 0;
	for (char *save = NULL, *t = strtok_r(list, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save), n++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", t);
		cJSON_AddBoolToObject(o, "selected",
				      backend ? !strcmp(backend, t)
					      : !strcmp(c->app->cfg.gen_default, t));
		cJSON_AddItemToArray(backends, o);
	}
	cJSON_AddBoolToObject(d, "many_backends", n > 1);
	if (form)
		cJSON_AddItemToObject(d, "form", form);
}

int gen_create_form(struct ctx *c)
{
	c->title = "Create";
	cJSON *form = cJSON_CreateObject();
	static const char *const keep[] = {"prompt", "negative_prompt", "style", "seed"};
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		const char *v = kv_get(&c->req->query, keep[i]);
		if (v)
			cJSON_AddStringToObject(form, keep[i], v);
	}
	gen_form_view(c, form, 768, 768, NULL);
	return 200;
}

/* One optional text field into *out (cleaned). 0 or a failed status. */
static int text_in(struct ctx *c, const char *name, const char *label, size_t max,
		   const char *fallback, const char **out)
{
	const char *v = ctx_param(c, name), *why;
	if (!v) {
		*out = fallback ? fallback : "";
		return 0;
	}
	if (text_clean(c->a, v, strlen(v), max, out, &why))
		return ctx_fail(c, 400, arena_printf(c->a, "bad_%s", name),
				arena_printf(c->a, "%s: %s", label, why));
	return 0;
}

int gen_read_request(struct ctx *c, struct genq_request *rq, const struct genq_request *dflt)
{
	int st;
	uint64_t v;
	memset(rq, 0, sizeof(*rq));
	if ((st = text_in(c, "prompt", "Prompt", GEN_MAX_PROMPT, dflt ? dflt->prompt : NULL,
			  &rq->prompt)) ||
	    (st = text_in(c, "negative_prompt", "Negative prompt", GEN_MAX_PROMPT,
			  dflt ? dflt->negative_prompt : NULL, &rq->negative_prompt)) ||
	    (st = text_in(c, "style", "Style", 60, dflt ? dflt->style : NULL, &rq->style)) ||
	    (st =
		 text_in(c, "backend", "Generator", 16, dflt ? dflt->backend : NULL, &rq->backend)))
		return st;
	if (dflt) {
		rq->seed = dflt->seed;
		rq->has_seed = dflt->has_seed;
		rq->width = dflt->width;
		rq->height = dflt->height;
		rq->parent_id = dflt->parent_id;
	}
	int got = ctx_param_u64(c, "seed", (1ull << 53) - 1, &v);
	if (got < 0)
		return ctx_fail(c, 400, "bad_seed", "The seed must be a whole number below 2^53.");
	if (got > 0) {
		rq->seed = v;
		rq->has_seed = 1;
	}
	const char *size = c->req->json ? NULL : ctx_param(c, "size");
	if (size && *size) {
		unsigned w, h;
		char extra;
		if (sscanf(size, "%ux%u%c", &w, &h, &extra) != 2 || w > 100000 || h > 100000)
			return ctx_fail(c, 400, "bad_size", "Choose one of the sizes.");
		rq->width = (int)w;
		rq->height = (int)h;
	}
	static const char *const dims[] = {"width", "height"};
	for (int i = 0; i < 2; i++) {
		got = ctx_param_u64(c, dims[i], 100000, &v);
		if (got < 0)
			return ctx_fail(c, 400, "bad_size",
					"Width and height must be between 256 and 1536 pixels.");
		if (got > 0)
			*(i ? &rq->height : &rq->width) = (int)v;
	}
	const char *why;
	if ((st = genq_validate(&c->app->cfg, rq, &why)))
		return ctx_fail(c, st, *rq->prompt ? "bad_request" : "missing_prompt", why);
	/* The negative prompt names what to keep out: it is not filtered. */
	if ((st = filter_check(c, "The prompt", rq->prompt)) ||
	    (st = filter_check(c, "The style", rq->style)))
		return st;
	return 0;
}

int gen_enqueue(struct ctx *c, const struct genq_request *rq)
{
	int64_t id;
	const char *why = "";
	int st = genq_create(c->app->db, c->a, &c->app->cfg, c->me->id, rq, &id, &why);
	if (st == 429) {
		ctx_header(c, "Retry-After", "60");
		return ctx_fail(c, 429, "rate_limited", why);
	}
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not start the job; try again.");
	cJSON *g = cJSON_AddObjectToObject(ctx_data(c), "generation");
	cJSON_AddNumberToObject(g, "id", (double)id);
	cJSON_AddStringToObject(g, "status", "queued");
	cJSON_AddStringToObject(g, "url", arena_printf(c->a, "/g/%lld", (long long)id));
	return ctx_done(c, 202, arena_printf(c->a, "/g/%lld", (long long)id));
}

int gen_create(struct ctx *c)
{
	struct genq_request rq;
	int st;
	c->title = "Create";
	if ((st = gen_read_request(c, &rq, NULL))) {
		if (!c->api)
			gen_form_view(c, NULL, rq.width, rq.height, rq.backend);
		return st;
	}
	return gen_enqueue(c, &rq);
}

int gen_show(struct ctx *c)
{
	int st;
	cJSON *g = genq_load(c->app->db, c->a, c->app->cfg.media_url, c->params[0], c->me->id, &st);
	if (!g)
		return st == 404
			   ? ctx_fail(c, 404, "not_found", "There is no such image of yours.")
			   : ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "generation", g);
	if (!c->api) {
		const char *s = cJSON_GetObjectItemCaseSensitive(g, "status")->valuestring;
		cJSON *d = ctx_data(c);
		int waiting = !strcmp(s, "queued") || !strcmp(s, "running");
		cJSON_AddBoolToObject(d, "waiting", waiting);
		if (waiting) /* without JavaScript the page reloads itself */
			cJSON_AddNumberToObject(d, "refresh", 2);
		cJSON_AddBoolToObject(d, "queued", !strcmp(s, "queued"));
		cJSON_AddBoolToObject(d, "running", !strcmp(s, "running"));
		cJSON_AddBoolToObject(d, "succeeded", !strcmp(s, "succeeded"));
		cJSON_AddBoolToObject(d, "failed", !strcmp(s, "failed"));
		cJSON_AddBoolToObject(d, "cancelled", !strcmp(s, "cancelled"));
		/* "Try again": the same request, each field URL-encoded. */
		const char *f[3] = {"prompt", "negative_prompt", "style"};
		const char *v[3];
		for (int i = 0; i < 3; i++) {
			v[i] = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, f[i]));
			v[i] = url_encode(c->a, v[i] ? v[i] : "");
		}
		cJSON_AddStringToObject(
		    d, "retry_url",
		    arena_printf(c->a, "/create?prompt=%s&negative_prompt=%s&style=%s", v[0], v[1],
				 v[2]));
		cJSON_AddBoolToObject(d, "published",
				      cJSON_GetObjectItemCaseSensitive(g, "post_id") != NULL);
		c->title = !strcmp(s, "succeeded") ? "Your image is ready" : "Creating your image";
	}
	return 200;
}

int gen_cancel(struct ctx *c)
{
	int st = genq_cancel(c->app->db, c->a, c->params[0], c->me->id);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such image of yours.");
	if (st == 409)
		return ctx_fail(c, 409, "finished",
				"This job is over already (published, failed or cancelled).");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not cancel; try again.");
	if (c->api) {
		cJSON *g = cJSON_AddObjectToObject(ctx_data(c), "generation");
		cJSON_AddNumberToObject(g, "id", (double)c->params[0]);
		cJSON_AddStringToObject(g, "status", "cancelled");
	}
	return ctx_done(c, 200, "/create");
}

int gen_publish(struct ctx *c)
{
	const char *caption, *cw, *why, *tags[POST_MAX_TAGS];
	const char *v = ctx_param(c, "caption"), *w = ctx_param(c, "content_warning");
	if (!v)
		v = "";
	if (!w)
		w = "";
	if (text_clean(c->a, v, strlen(v), POST_MAX_CAPTION, &caption, &why))
		return ctx_fail(c, 400, "bad_caption", arena_printf(c->a, "Caption: %s", why));
	if (text_clean(c->a, w, strlen(w), POST_MAX_CW, &cw, &why))
		return ctx_fail(c, 400, "bad_content_warning",
				arena_printf(c->a, "The content warning: %s", why));
	int fst = filter_check(c, "The caption", caption);
	if (!fst)
		fst = filter_check(c, "The content warning", cw);
	if (!fst)
		fst = filter_check(c, "The tags", ctx_param(c, "tags"));
	if (fst)
		return fst;
	int ntags = post_tags_from(c->a, ctx_param(c, "tags"), caption, tags, &why);
	if (ntags < 0)
		return ctx_fail(c, 400, "bad_tags", why);
	int64_t post_id;
	int st = post_publish(c->app->db, c->a, c->params[0], c->me->id, caption, cw, tags, ntags,
			      &post_id, &why);
	if (st == 404 || st == 409)
		return ctx_fail(c, st, st == 404 ? "not_found" : "not_publishable", why);
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not publish; try again.");
	int held = classify_new(c, "post", post_id, NULL); /* prompt + caption from the db */
	post_published(c, post_id);
	log_info("generation %lld published as post %lld", (long long)c->params[0],
		 (long long)post_id);
	char *url = arena_printf(c->a, "/p/%lld", (long long)post_id);
	if (c->api) {
		int down;
		cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, post_id, &down);
		if (p)
			cJSON_AddItemToObject(ctx_data(c), "post", p);
		cJSON_AddBoolToObject(ctx_data(c), "held", held);
	}
	return ctx_done(c, 201, url);
}
