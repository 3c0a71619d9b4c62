/* gen_openai.c - the OpenAI-compatible images API backend (generations, and edits for remixes). */
#include "gen.h"
#include "json.h"
#include "buf.h"
#include "gen_http.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prompt as sent: the API has no fields for a negative prompt or a style. */
static char *openai_prompt(const struct gen_params *p)
{
	struct buf b = {0};
	buf_puts(&b, p->prompt ? p->prompt : "");
	if (p->negative_prompt && p->negative_prompt[0])
		buf_printf(&b, " Avoid: %s", p->negative_prompt);
	if (p->style && p->style[0])
		buf_printf(&b, ", style: %s", p->style);
	return b.data ? b.data : xstrdup("");
}

static int openai_generate(struct gen_http_call *call, const char *prompt, const char *size,
			   struct gen_http_resp *r)
{
	const struct gen_http_config *c = call->cfg;
	cJSON *o = cJSON_CreateObject();
	if (o && c->model && c->model[0])
		cJSON_AddStringToObject(o, "model", c->model);
	cJSON_AddStringToObject(o, "prompt", prompt);
	cJSON_AddNumberToObject(o, "n", 1);
	cJSON_AddStringToObject(o, "size", size);
	cJSON_AddStringToObject(o, "response_format", "b64_json");
	char *json = o ? json_print(o) : NULL;
	cJSON_Delete(o);
	if (!json)
		return gen_http_fail(call->res, 1, "the image service could not be reached");
	char *url = gen_http_url(c->base_url, "/v1/images/generations");
	struct gen_http_req rq = {.url = url, .json = json, .auth = GEN_HTTP_BEARER};
	int rc = gen_http_send(call, &rq, r);
	free(url);
	cJSON_free(json);
	return rc;
}

static int openai_edit(struct gen_http_call *call, const struct gen_params *p, const char *prompt,
		       const char *size, struct gen_http_resp *r)
{
	const struct gen_http_config *c = call->cfg;
	const char *type = gen_http_image_type(p->parent_image, p->parent_len);
	if (!type)
		return gen_http_fail(call->res, 0, "the image to remix is not a PNG, JPEG or WebP");
	const char *filename = !strcmp(type, "image/png")    ? "parent.png"
			       : !strcmp(type, "image/jpeg") ? "parent.jpg"
							     : "parent.webp";
	struct gen_http_field f[6] = {
	    {.name = "image",
	     .data = p->parent_image,
	     .len = p->parent_len,
	     .filename = filename,
	     .type = type},
	    {.name = "prompt", .value = prompt},
	    {.name = "n", .value = "1"},
	    {.name = "size", .value = size},
	    {.name = "response_format", .value = "b64_json"},
	};
	size_t nf = 5;
	if (c->model && c->model[0])
		f[nf++] = (struct gen_http_field){.name = "model", .value = c->model};
	char *url = gen_http_url(c->base_url, "/v1/images/edits");
	struct gen_http_req rq = {.url = url, .fields = f, .nfields = nf, .auth = GEN_HTTP_BEARER};
	int rc = gen_http_send(call, &rq, r);
	free(url);
	return rc;
}

int gen_openai_parse(const unsigned char *body, size_t len, size_t max, struct gen_result *res,
		     char **url)
{
	*url = NULL;
	cJSON *j = gen_http_parse_json(body, len);
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
	const cJSON *first = cJSON_IsArray(data) ? cJSON_GetArrayItem(data, 0) : NULL;
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(first, "b64_json");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(first, "url");
	int rc;
	if (cJSON_IsString(b64) && b64->valuestring) {
		rc = gen_http_decode_image(b64->valuestring, strlen(b64->valuestring), max, res);
	} else if (cJSON_IsString(u) && u->valuestring && u->valuestring[0] &&
		   strlen(u->valuestring) <= GEN_HTTP_MAX_URL) {
		*url = xstrdup(u->valuestring);
		rc = 1;
	} else {
		rc = gen_http_fail(res, 0, "the image service sent something that is not an image");
	}
	cJSON_Delete(j);
	return rc;
}

/* Fetch an image the server left at a URL: only on the server's own origin. */
static int openai_fetch(struct gen_http_call *call, const char *where)
{
	const struct gen_http_config *c = call->cfg;
	char *abs = gen_http_same_origin(c->base_url, where);
	if (!abs)
		return gen_http_fail(call->res, 0,
				     "the image service sent a link to another server");
	struct gen_http_req rq = {.url = abs, .auth = GEN_HTTP_BEARER};
	struct gen_http_resp r;
	int rc = gen_http_send(call, &rq, &r);
	free(abs);
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = gen_http_status_error(r.status, r.body, r.len, c->api_key, call->res);
	else if (rc == 0)
		rc = gen_http_take_image(r.body, r.len, c->max_response, call->res);
	free(r.body);
	return rc;
}

static int openai_finish(struct gen_http_call *call, const struct gen_http_resp *r)
{
	const struct gen_http_config *c = call->cfg;
	char *url = NULL;
	if (r->status < 200 || r->status > 299)
		return gen_http_status_error(r->status, r->body, r->len, c->api_key, call->res);
	int rc = gen_openai_parse(r->body, r->len, c->max_response, call->res, &url);
	if (rc == 1)
		rc = openai_fetch(call, url);
	free(url);
	return rc;
}

int gen_openai(const struct gen_http_config *c, const struct gen_params *p, struct gen_result *res)
{
	struct gen_http_call call = {.cfg = c, .res = res, .backend = "openai"};
	struct gen_http_resp r = {0};
	char size[32];
	int rc;

	memset(res, 0, sizeof(*res));
	gen_http_set_model(res, c->model && c->model[0] ? c->model : "openai");
	if (p->width < GEN_MIN_SIDE || p->width > GEN_MAX_SIDE || p->height < GEN_MIN_SIDE ||
	    p->height > GEN_MAX_SIDE) {
		gen_http_fail(res, 0, "the image size %dx%d is not supported", p->width, p->height);
		return gen_http_log_failure(&call);
	}
	snprintf(size, sizeof(size), "%dx%d", p->width, p->height);
	char *prompt = openai_prompt(p);
	if (p->parent_image && p->parent_len)
		rc = openai_edit(&call, p, prompt, size, &r);
	else
		rc = openai_generate(&call, prompt, size, &r);
	free(prompt);
	if (rc == 0)
		rc = openai_finish(&call, &r);
	free(r.body);
	return rc == 0 ? 0 : gen_http_log_failure(&call);
}
