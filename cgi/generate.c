/* generate.c - /create, /g/ID and the generations API: queue a job, watch it,
 * publish or discard the result. The form is gen_form.c, which remixes
 * (remix.c) use too. */
#include "app.h"
#include "generate.h"
#include "genq.h"
#include "log.h"
#include "moderation.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

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
