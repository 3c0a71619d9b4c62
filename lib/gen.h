/* gen.h - image generation backends behind one interface. */
#ifndef IMAGIER_GEN_H
#define IMAGIER_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_MIN_SIDE   256
#define GEN_MAX_SIDE   1536
#define GEN_MAX_PROMPT 2000

/* What to generate. Strings are UTF-8, already validated (no control chars).
 * For a remix, parent_* describe the post being remixed. */
struct gen_params {
	const char *prompt;
	const char *negative_prompt; /* "" if none */
	uint64_t seed;
	int width, height; /* GEN_MIN_SIDE..GEN_MAX_SIDE, multiples of 8 */
	const char *style; /* "" if none; free text such as "watercolor" */
	/* remix: NULL/0 when not a remix */
	const unsigned char *parent_image; /* encoded image (JPEG/PNG/WebP) */
	size_t parent_len;
	const char *parent_prompt;
	uint64_t parent_seed;
};

/* The outcome. data is malloc'd (caller frees with free()) and holds an
 * encoded image (PNG, JPEG or WebP) that then goes through image_store().
 * On failure error says why in words a person understands, and transient
 * says whether trying again later may help (timeouts, 5xx, 429, connection
 * refused) or not (4xx refusals, content policy, garbage). */
struct gen_result {
	unsigned char *data;
	size_t len;
	char model[64]; /* model name as the backend reported or was configured */
	char error[256];
	int transient;
};

/* Settings of one HTTP backend (from imagier.conf [openai] / [a1111]). */
struct gen_http_config {
	const char *base_url;	 /* "http://127.0.0.1:7860" (no trailing slash needed) */
	const char *api_key;	 /* "" if none; never logged */
	const char *model;	 /* "" = backend default */
	long connect_timeout_ms; /* e.g. 3000 */
	long timeout_ms;	 /* whole request, e.g. 120000 */
	size_t max_response;	 /* bytes, e.g. 32 MiB; larger -> error, not transient */
	int steps;		 /* a1111 only, e.g. 25 */
	const char *sampler;	 /* a1111 only, e.g. "Euler a" */
};

/* Each returns 0 with res->data set, or -1 with res->error/transient set.
 * None of them exit, leak, or keep state between calls. */
int gen_procedural(const struct gen_params *p, struct gen_result *res);
int gen_openai(const struct gen_http_config *c, const struct gen_params *p, struct gen_result *res);
int gen_a1111(const struct gen_http_config *c, const struct gen_params *p, struct gen_result *res);

/* Free res->data and reset the struct. */
void gen_result_free(struct gen_result *res);

#endif
