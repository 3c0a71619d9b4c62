/* gen_http.h - internal to the HTTP generation backends: libcurl plumbing and response parsing. */
#ifndef IMAGIER_GEN_HTTP_H
#define IMAGIER_GEN_HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "gen.h"

/* Largest decoded image accepted from a backend, whatever max_response says. */
#define GEN_HTTP_MAX_IMAGE (20u << 20)
/* Longest server message quoted in res->error. */
#define GEN_HTTP_MAX_MESSAGE 160
/* Longest image URL accepted in an OpenAI response. */
#define GEN_HTTP_MAX_URL 2048

/* One call to a backend: its settings, the result being filled, and a detail
 * for the single log line (curl's message, the HTTP status) that the person
 * does not need to read. */
struct gen_http_call {
	const struct gen_http_config *cfg;
	struct gen_result *res;
	const char *backend; /* "openai" or "a1111", for the log line */
	char detail[160];
};

/* One multipart/form-data field: text (data NULL, value set) or a file. */
struct gen_http_field {
	const char *name;
	const char *value;
	const unsigned char *data;
	size_t len;
	const char *filename;
	const char *type;
};

/* How the call authenticates when cfg->api_key is not empty. */
enum gen_http_auth { GEN_HTTP_BEARER, GEN_HTTP_BASIC_OR_BEARER };

/* A request: POST json when json is set, POST the fields as multipart when
 * nfields > 0, GET otherwise. */
struct gen_http_req {
	const char *url;
	const char *json;
	const struct gen_http_field *fields;
	size_t nfields;
	enum gen_http_auth auth;
};

/* A response: any HTTP status, body malloc'd (NUL-terminated, caller frees). */
struct gen_http_resp {
	long status;
	unsigned char *body;
	size_t len;
};

/* Send rq with cfg's timeouts and limits (no redirects, no proxy, http and
 * https only). Returns 0 with *out filled whatever the HTTP status, or -1 with
 * call->res->error/transient set (unreachable, timeout, body over
 * max_response) and out->body NULL. */
int gen_http_send(struct gen_http_call *call, const struct gen_http_req *rq,
		  struct gen_http_resp *out);

/* Turn a non-2xx response into res->error and res->transient, quoting the
 * server's message (sanitized, never for 401/403, never if it holds
 * api_key). Always returns -1. */
int gen_http_status_error(long status, const unsigned char *body, size_t len, const char *api_key,
			  struct gen_result *res);

/* Set res->error from a format and res->transient, free res->data. Returns -1. */
int gen_http_fail(struct gen_result *res, int transient, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse a JSON body of len bytes (no NUL needed). NULL when it is not JSON. */
cJSON *gen_http_parse_json(const unsigned char *body, size_t len);

/* Decode standard base64 (an optional "data:...;base64," prefix and
 * whitespace allowed) into res->data/len when it is a PNG, JPEG or WebP of at
 * most min(max, GEN_HTTP_MAX_IMAGE) bytes. 0, or -1 with res->error set. */
int gen_http_decode_image(const char *b64, size_t len, size_t max, struct gen_result *res);

/* Copy a raw encoded image (fetched by URL) into res->data after the same
 * checks as gen_http_decode_image. 0, or -1 with res->error set. */
int gen_http_take_image(const unsigned char *d, size_t len, size_t max, struct gen_result *res);

/* "image/png", "image/jpeg", "image/webp" from magic bytes, NULL otherwise. */
const char *gen_http_image_type(const unsigned char *d, size_t len);

/* Copy name into res->model, control characters and broken UTF-8 dropped. */
void gen_http_set_model(struct gen_result *res, const char *name);

/* Copy s into out (size n >= 4) as one line of valid UTF-8 with control
 * characters turned into spaces, cut at a character boundary ("..." added
 * when cut). */
void gen_http_sanitize(const char *s, size_t len, char *out, size_t n);

/* base_url without trailing slashes followed by path; malloc'd. */
char *gen_http_url(const char *base, const char *path);

/* If url (absolute, or relative to base) has the same scheme, host and port
 * as base, return it as an absolute URL (malloc'd), else NULL. */
char *gen_http_same_origin(const char *base, const char *url);

/* Parse an OpenAI images response body. 0 with the image in res, 1 with
 * *url set (malloc'd, to fetch) when the server gave a URL instead, -1 with
 * res->error set. */
int gen_openai_parse(const unsigned char *body, size_t len, size_t max, struct gen_result *res,
		     char **url);

/* Parse an A1111 txt2img/img2img response body: the first image into res,
 * and res->model from info's sd_model_name (or sd_model_checkpoint) when
 * present. 0, or -1 with res->error set. */
int gen_a1111_parse(const unsigned char *body, size_t len, size_t max, struct gen_result *res);

/* Log the failure in res (one line) and return -1. */
int gen_http_log_failure(const struct gen_http_call *call);

#endif
