/* remix.c - remix a post (a generation that starts from it) and show its
 * family tree: /p/ID/remix, /p/ID/lineage and their API twins. */
#include "app.h"
#include "generate.h"
#include "genq.h"
#include "lineage.h"
#include "myfilters.h"
#include "util.h"

#include <cjson/cJSON.h>

/* The parent's prompt and parameters as the defaults of a remix. 0 or the
 * status of ctx_fail. */
static int remix_defaults(struct ctx *c, int64_t parent, struct genq_request *d)
{
	int st = lineage_remix_defaults(c->app->db, c->a, &c->app->cfg, parent, d);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return 0;
}

int remix_form(struct ctx *c)
{
	struct genq_request d;
	int st = remix_defaults(c, c->params[0], &d);
	if (st || (st = block_check_post(c, c->params[0], 0)))
		return st;
	c->title = "Remix";
	cJSON *form = cJSON_CreateObject();
	cJSON_AddStringToObject(form, "prompt", d.prompt);
	cJSON_AddStringToObject(form, "negative_prompt",
				d.negative_prompt ? d.negative_prompt : "");
	cJSON_AddStringToObject(form, "style", d.style ? d.style : "");
	if (d.has_seed)
		cJSON_AddStringToObject(form, "seed",
					arena_printf(c->a, "%llu", (unsigned long long)d.seed));
	gen_form_view(c, form, d.width, d.height, d.backend);
	cJSON *rm = cJSON_AddObjectToObject(ctx_data(c), "remix");
	cJSON_AddNumberToObject(rm, "id", (double)c->params[0]);
	cJSON_AddStringToObject(rm, "url", arena_printf(c->a, "/p/%lld", (long long)c->params[0]));
	c->view = "create";
	return 200;
}

int remix_create(struct ctx *c)
{
	struct genq_request d, rq;
	int st = remix_defaults(c, c->params[0], &d);
	if (st || (st = block_check_post(c, c->params[0], 0)))
		return st;
	c->title = "Remix";
	if ((st = gen_read_request(c, &rq, &d))) {
		if (!c->api) {
			gen_form_view(c, NULL, rq.width, rq.height, rq.backend);
			cJSON *rm = cJSON_AddObjectToObject(ctx_data(c), "remix");
			cJSON_AddNumberToObject(rm, "id", (double)c->params[0]);
			c->view = "create";
		}
		return st;
	}
	return gen_enqueue(c, &rq);
}

int lineage_show(struct ctx *c)
{
	int st;
	cJSON *l = lineage_load(c->app->db, c->a, c->app->cfg.media_url, c->params[0], &st);
	if (!l)
		return st == 404
			   ? ctx_fail(c, 404, "not_found", "There is no such post.")
			   : ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (c->data)
		cJSON_Delete(c->data);
	c->data = l;
	if (!c->api) {
		cJSON_AddBoolToObject(l, "has_ancestors",
				      cJSON_GetArraySize(cJSON_GetObjectItem(l, "ancestors")) > 0);
		cJSON_AddBoolToObject(l, "has_descendants",
				      cJSON_GetArraySize(cJSON_GetObjectItem(l, "descendants")) >
					  0);
		c->title = "Family tree";
	}
	return 200;
}
