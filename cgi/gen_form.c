/* gen_form.c - the generation form that /create and remixes share
 * (generate.h): its size and backend choices, reading and checking a
 * request, and queueing it (lib/genq.c). */
#include "app.h"
#include "gen.h"
#include "generate.h"
#include "genq.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
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
