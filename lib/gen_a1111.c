/* gen_a1111.c - the Stable Diffusion WebUI (A1111) API backend: txt2img, and img2img for remixes.
 */
#include "gen.h"
#include "json.h"
#include "buf.h"
#include "gen_http.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Longest "info" string parsed for the model name. */
#define A1111_MAX_INFO (1u << 20)
/* How far img2img may wander from the parent image. */
#define A1111_DENOISING 0.6

/* The prompt as sent: the API's "styles" are names of saved styles, so a
 * free-text style goes into the prompt as one more comma-separated term. */
static char *a1111_prompt(const struct gen_params *p)
{
	struct buf b = {0};
	buf_puts(&b, p->prompt ? p->prompt : "");
	if (p->style && p->style[0])
		buf_printf(&b, ", %s", p->style);
	return b.data ? b.data : xstrdup("");
}

/* The fields txt2img and img2img share. NULL when out of memory. */
static cJSON *a1111_body(const struct gen_http_config *c, const struct gen_params *p)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char *prompt = a1111_prompt(p);
	cJSON_AddStringToObject(o, "prompt", prompt);
	free(prompt);
	cJSON_AddStringToObject(o, "negative_prompt", p->negative_prompt ? p->negative_prompt : "");
	cJSON_AddNumberToObject(o, "seed", (double)(p->seed & 0xffffffffu));
	cJSON_AddNumberToObject(o, "steps", c->steps > 0 ? c->steps : 25);
	cJSON_AddStringToObject(o, "sampler_name",
				c->sampler && c->sampler[0] ? c->sampler : "Euler a");
	cJSON_AddNumberToObject(o, "width", p->width);
	cJSON_AddNumberToObject(o, "height", p->height);
	cJSON_AddNumberToObject(o, "batch_size", 1);
	cJSON_AddNumberToObject(o, "n_iter", 1);
	if (c->model && c->model[0]) {
		cJSON *ov = cJSON_AddObjectToObject(o, "override_settings");
		cJSON_AddStringToObject(ov, "sd_model_checkpoint", c->model);
	}
	return o;
}

/* Add "init_images": [base64 of the parent] and the denoising strength.
 * *b64 gets the malloc'd base64 the body refers to (freed after printing). */
static int a1111_add_parent(cJSON *o, const struct gen_params *p, char **b64)
{
	size_t n = sodium_base64_ENCODED_LEN(p->parent_len, sodium_base64_VARIANT_ORIGINAL);
	*b64 = xmalloc(n);
	sodium_bin2base64(*b64, n, p->parent_image, p->parent_len, sodium_base64_VARIANT_ORIGINAL);
	cJSON *arr = cJSON_AddArrayToObject(o, "init_images");
	cJSON *s = cJSON_CreateStringReference(*b64);
	if (!arr || !s || !cJSON_AddItemToArray(arr, s)) {
		cJSON_Delete(s);
		return -1;
	}
	cJSON_AddNumberToObject(o, "denoising_strength", A1111_DENOISING);
	return 0;
}

static int a1111_send(struct gen_http_call *call, const struct gen_params *p,
		      struct gen_http_resp *r)
{
	const struct gen_http_config *c = call->cfg;
	int remix = p->parent_image && p->parent_len;
	char *b64 = NULL, *json = NULL;
	if (remix && !gen_http_image_type(p->parent_image, p->parent_len))
		return gen_http_fail(call->res, 0, "the image to remix is not a PNG, JPEG or WebP");
	cJSON *o = a1111_body(c, p);
	if (o && (!remix || a1111_add_parent(o, p, &b64) == 0))
		json = json_print(o);
	cJSON_Delete(o);
	free(b64);
	if (!json)
		return gen_http_fail(call->res, 1, "the image service could not be reached");
	char *url = gen_http_url(c->base_url, remix ? "/sdapi/v1/img2img" : "/sdapi/v1/txt2img");
	struct gen_http_req rq = {.url = url, .json = json, .auth = GEN_HTTP_BASIC_OR_BEARER};
	int rc = gen_http_send(call, &rq, r);
	free(url);
	cJSON_free(json);
	return rc;
}

/* The model name from "info" (a JSON string, or an object in some forks). */
static void a1111_model(const cJSON *info, struct gen_result *res)
{
	cJSON *parsed = NULL;
	if (cJSON_IsString(info) && info->valuestring &&
	    strlen(info->valuestring) <= A1111_MAX_INFO) {
		parsed = gen_http_parse_json((const unsigned char *)info->valuestring,
					     strlen(info->valuestring));
		info = parsed;
	}
	const char *keys[] = {"sd_model_name", "sd_model_checkpoint"};
	for (size_t i = 0; cJSON_IsObject(info) && i < ARRAY_LEN(keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, keys[i]);
		if (cJSON_IsString(v) && v->valuestring && v->valuestring[0]) {
			gen_http_set_model(res, v->valuestring);
			break;
		}
	}
	cJSON_Delete(parsed);
}

int gen_a1111_parse(const unsigned char *body, size_t len, size_t max, struct gen_result *res)
{
	cJSON *j = gen_http_parse_json(body, len);
	const cJSON *images = cJSON_GetObjectItemCaseSensitive(j, "images");
	const cJSON *first = cJSON_IsArray(images) ? cJSON_GetArrayItem(images, 0) : NULL;
	int rc;
	if (cJSON_IsString(first) && first->valuestring)
		rc =
		    gen_http_decode_image(first->valuestring, strlen(first->valuestring), max, res);
	else
		rc = gen_http_fail(res, 0, "the image service sent something that is not an image");
	if (rc == 0)
		a1111_model(cJSON_GetObjectItemCaseSensitive(j, "info"), res);
	cJSON_Delete(j);
	return rc;
}

int gen_a1111(const struct gen_http_config *c, const struct gen_params *p, struct gen_result *res)
{
	struct gen_http_call call = {.cfg = c, .res = res, .backend = "a1111"};
	struct gen_http_resp r = {0};

	memset(res, 0, sizeof(*res));
	gen_http_set_model(res, c->model && c->model[0] ? c->model : "a1111");
	if (p->width < GEN_MIN_SIDE || p->width > GEN_MAX_SIDE || p->height < GEN_MIN_SIDE ||
	    p->height > GEN_MAX_SIDE) {
		gen_http_fail(res, 0, "the image size %dx%d is not supported", p->width, p->height);
		return gen_http_log_failure(&call);
	}
	int rc = a1111_send(&call, p, &r);
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = gen_http_status_error(r.status, r.body, r.len, c->api_key, res);
	else if (rc == 0)
		rc = gen_a1111_parse(r.body, r.len, c->max_response, res);
	free(r.body);
	return rc == 0 ? 0 : gen_http_log_failure(&call);
}
