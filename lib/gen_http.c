/* gen_http.c - libcurl plumbing and response checks shared by the HTTP image backends. */
#include "gen_http.h"
#include "curlsink.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

/* max_response when the configuration leaves it at 0, and its ceiling. */
#define GEN_HTTP_DEFAULT_MAX (32u << 20)
#define GEN_HTTP_CEILING_MAX (512u << 20)

static pthread_once_t gen_http_once = PTHREAD_ONCE_INIT;
static CURLcode gen_http_init_rc = CURLE_FAILED_INIT;

static void gen_http_global_init(void)
{
	gen_http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int gen_http_fail(struct gen_result *res, int transient, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	res->transient = transient;
	free(res->data);
	res->data = NULL;
	res->len = 0;
	return -1;
}

/* "4 MB", "512 KB" or "100 bytes". */
static void gen_http_size_words(size_t n, char *out, size_t outlen)
{
	if (n >= (1u << 20))
		snprintf(out, outlen, "%zu MB", n >> 20);
	else if (n >= 1024)
		snprintf(out, outlen, "%zu KB", n >> 10);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/* ---- text from servers ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t k;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	return k;
}

void gen_http_sanitize(const char *s, size_t len, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *t = xmalloc(len + 1);
	size_t o = 0, i = 0;
	int space = 0;
	while (i < len) {
		size_t k = utf8_seq(p + i, len - i);
		int blank = k == 1 && (p[i] <= 0x20 || p[i] == 0x7f);
		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			blank = 1; /* C1 control characters */
		if (blank) {
			space = o > 0;
			i += k;
			continue;
		}
		if (space)
			t[o++] = ' ';
		space = 0;
		if (k == 0) {
			t[o++] = '?';
			i++;
			continue;
		}
		memcpy(t + o, p + i, k);
		o += k;
		i += k;
	}
	t[o] = '\0';
	if (o < n) {
		memcpy(out, t, o + 1);
	} else {
		size_t cut = n - 4;
		while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(out, t, cut);
		memcpy(out + cut, "...", 4);
	}
	free(t);
}

void gen_http_set_model(struct gen_result *res, const char *name)
{
	gen_http_sanitize(name, strlen(name), res->model, sizeof(res->model));
}

cJSON *gen_http_parse_json(const unsigned char *body, size_t len)
{
	const char *end = NULL;
	if (!body || len == 0)
		return NULL;
	cJSON *j = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
	if (!j)
		return NULL;
	size_t used = (size_t)(end - (const char *)body);
	while (used < len && strchr(" \t\r\n", body[used]) && body[used])
		used++;
	if (used != len) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring && v->valuestring[0] ? v->valuestring : NULL;
}

/* FastAPI validation errors: [{"loc": ["body", "seed"], "msg": "..."}]. */
static void error_from_detail_list(const cJSON *list, struct buf *b)
{
	const cJSON *first = cJSON_GetArrayItem(list, 0);
	const char *msg = json_str(first, "msg");
	if (!msg)
		return;
	const cJSON *loc = cJSON_GetObjectItemCaseSensitive(first, "loc");
	int n = cJSON_IsArray(loc) ? cJSON_GetArraySize(loc) : 0;
	const cJSON *last = n > 0 ? cJSON_GetArrayItem(loc, n - 1) : NULL;
	if (cJSON_IsString(last) && last->valuestring)
		buf_printf(b, "%s: ", last->valuestring);
	buf_puts(b, msg);
}

/* The server's own words from an error body of either protocol:
 * OpenAI {"error": {"message": ...}}, A1111 {"detail": ...} or
 * {"error": "Type", "errors": "message"}, or a plain {"message": ...}. */
static void error_message(const cJSON *j, struct buf *b)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const char *s;
	if (cJSON_IsObject(e) && (s = json_str(e, "message"))) {
		buf_puts(b, s);
		return;
	}
	if (cJSON_IsString(e) && (s = json_str(j, "error"))) {
		const char *more = json_str(j, "errors");
		buf_puts(b, s);
		if (more)
			buf_printf(b, ": %s", more);
		return;
	}
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "detail");
	if ((s = json_str(j, "detail"))) {
		buf_puts(b, s);
		return;
	}
	if (cJSON_IsArray(d)) {
		error_from_detail_list(d, b);
		if (b->len)
			return;
	}
	if ((s = json_str(j, "message")))
		buf_puts(b, s);
}

/* 1 for OpenAI's "you have no credit left", which waiting will not fix. */
static int error_is_quota(const cJSON *j)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const char *code = json_str(e, "code"), *type = json_str(e, "type");
	return (code && !strcmp(code, "insufficient_quota")) ||
	       (type && !strcmp(type, "insufficient_quota"));
}

int gen_http_status_error(long status, const unsigned char *body, size_t len, const char *api_key,
			  struct gen_result *res)
{
	char msg[GEN_HTTP_MAX_MESSAGE + 4] = "";
	int quota = 0;
	cJSON *j = gen_http_parse_json(body, len);
	if (j) {
		struct buf b = {0};
		error_message(j, &b);
		gen_http_sanitize(buf_cstr(&b), b.len, msg, sizeof(msg));
		buf_free(&b);
		quota = error_is_quota(j);
		cJSON_Delete(j);
	}
	if (api_key && api_key[0] && strstr(msg, api_key))
		msg[0] = '\0';
	const char *sep = msg[0] ? ": " : "";
	if (status >= 300 && status < 400)
		return gen_http_fail(res, 0, "the image service redirected elsewhere (HTTP %ld)",
				     status);
	if (status == 401 || status == 403)
		return gen_http_fail(res, 0, "the image service refused our API key (HTTP %ld)",
				     status);
	if (status == 429 && quota)
		return gen_http_fail(res, 0, "the image service's quota is used up%s%s", sep, msg);
	if (status == 429)
		return gen_http_fail(res, 1, "the image service is busy, try again later");
	if (status == 408 || status == 409 || status == 425)
		return gen_http_fail(res, 1, "the image service is busy (HTTP %ld)", status);
	if (status >= 500 && status < 600)
		return gen_http_fail(res, 1, "the image service failed (HTTP %ld)%s%s", status, sep,
				     msg);
	if (status == 404 || status == 405)
		return gen_http_fail(res, 0, "the image service refused the request (HTTP %ld)%s%s",
				     status, sep, msg);
	if (status >= 400 && status < 500) {
		if (msg[0])
			return gen_http_fail(res, 0, "the image service refused the prompt: %s",
					     msg);
		return gen_http_fail(res, 0, "the image service refused the prompt (HTTP %ld)",
				     status);
	}
	return gen_http_fail(res, 0, "the image service answered with HTTP %ld", status);
}

/* ---- images ---------------------------------------------------------------- */

const char *gen_http_image_type(const unsigned char *d, size_t len)
{
	if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "image/jpeg";
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

static size_t image_cap(size_t max)
{
	return max == 0 || max > GEN_HTTP_MAX_IMAGE ? GEN_HTTP_MAX_IMAGE : max;
}

static int too_large(struct gen_result *res, size_t cap)
{
	char words[32];
	gen_http_size_words(cap, words, sizeof(words));
	return gen_http_fail(res, 0, "the image service sent an image larger than %s", words);
}

static int not_image(struct gen_result *res)
{
	return gen_http_fail(res, 0, "the image service sent something that is not an image");
}

int gen_http_take_image(const unsigned char *d, size_t len, size_t max, struct gen_result *res)
{
	size_t cap = image_cap(max);
	if (len > cap)
		return too_large(res, cap);
	if (!gen_http_image_type(d, len))
		return not_image(res);
	free(res->data);
	res->data = xmalloc(len);
	memcpy(res->data, d, len);
	res->len = len;
	return 0;
}

/* Skip a "data:image/png;base64," prefix. -1 if it is a data URL without base64. */
static int skip_data_url(const char **b64, size_t *len)
{
	if (*len < 5 || strncasecmp(*b64, "data:", 5))
		return 0;
	size_t scan = *len < 256 ? *len : 256;
	const char *comma = memchr(*b64, ',', scan);
	if (!comma || comma - *b64 < 12 || strncasecmp(comma - 7, ";base64", 7))
		return -1;
	*len -= (size_t)(comma + 1 - *b64);
	*b64 = comma + 1;
	return 0;
}

int gen_http_decode_image(const char *b64, size_t len, size_t max, struct gen_result *res)
{
	size_t cap = image_cap(max), sig = 0, pad = 0, bin_len = 0;
	if (skip_data_url(&b64, &len) < 0)
		return not_image(res);
	/* The decoded size, known before decoding: significant characters
	 * (whitespace is skipped) less the trailing padding, 6 bits each. */
	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\r\n", b64[i]) && b64[i])
			continue;
		sig++;
		pad = b64[i] == '=' ? pad + 1 : 0;
	}
	size_t want = (sig - pad) / 4 * 3 + ((sig - pad) % 4 * 3) / 4;
	if (want > cap)
		return too_large(res, cap);
	int variant = pad || sig % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL
					  : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	unsigned char *bin = xmalloc(want + 1);
	if (sodium_base642bin(bin, want + 1, b64, len, " \t\r\n", &bin_len, NULL, variant) != 0 ||
	    !gen_http_image_type(bin, bin_len)) {
		free(bin);
		return not_image(res);
	}
	free(res->data);
	res->data = bin;
	res->len = bin_len;
	return 0;
}

/* ---- URLs ------------------------------------------------------------------ */

char *gen_http_url(const char *base, const char *path)
{
	size_t n = base ? strlen(base) : 0;
	while (n > 0 && base[n - 1] == '/')
		n--;
	size_t plen = strlen(path);
	char *u = xmalloc(n + plen + 1);
	if (n)
		memcpy(u, base, n);
	memcpy(u + n, path, plen + 1);
	return u;
}

/* 1 if part p of a and b is the same (case-insensitively; hosts and schemes). */
static int same_part(CURLU *a, CURLU *b, CURLUPart p, unsigned flags)
{
	char *x = NULL, *y = NULL;
	int same = curl_url_get(a, p, &x, flags) == CURLUE_OK &&
		   curl_url_get(b, p, &y, flags) == CURLUE_OK && !strcasecmp(x, y);
	curl_free(x);
	curl_free(y);
	return same;
}

char *gen_http_same_origin(const char *base, const char *url)
{
	char *out = NULL, *abs = NULL;
	if (!base || !url || !url[0] || strlen(url) > GEN_HTTP_MAX_URL)
		return NULL;
	pthread_once(&gen_http_once, gen_http_global_init);
	CURLU *b = curl_url(), *u = curl_url();
	if (!b || !u)
		goto done;
	if (curl_url_set(b, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	if (!same_part(b, u, CURLUPART_SCHEME, 0) || !same_part(b, u, CURLUPART_HOST, 0) ||
	    !same_part(b, u, CURLUPART_PORT, CURLU_DEFAULT_PORT))
		goto done;
	if (curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK)
		out = xstrdup(abs);
done:
	curl_free(abs);
	curl_url_cleanup(b);
	curl_url_cleanup(u);
	return out;
}

/* ---- sending ---------------------------------------------------------------- */

static size_t gen_http_max(const struct gen_http_config *c)
{
	if (c->max_response == 0)
		return GEN_HTTP_DEFAULT_MAX;
	return c->max_response > GEN_HTTP_CEILING_MAX ? GEN_HTTP_CEILING_MAX : c->max_response;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Authorization for a non-empty key: "Bearer KEY", or HTTP Basic for a
 * "user:password" key when the backend takes that (A1111 --api-auth). */
static int gen_http_auth(CURL *h, const struct gen_http_req *rq, const char *key,
			 struct curl_slist **hdrs)
{
	if (!key || !key[0])
		return 0;
	if (has_control(key))
		return -1;
	if (rq->auth == GEN_HTTP_BASIC_OR_BEARER && strchr(key, ':')) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, key);
		return 0;
	}
	size_t n = strlen(key) + sizeof("Authorization: Bearer ");
	char *line = xmalloc(n);
	snprintf(line, n, "Authorization: Bearer %s", key);
	struct curl_slist *l = curl_slist_append(*hdrs, line);
	sodium_memzero(line, n);
	free(line);
	if (!l)
		return -1;
	*hdrs = l;
	return 0;
}

static curl_mime *gen_http_mime(CURL *h, const struct gen_http_req *rq)
{
	curl_mime *m = curl_mime_init(h);
	for (size_t i = 0; m && i < rq->nfields; i++) {
		const struct gen_http_field *f = &rq->fields[i];
		curl_mimepart *part = curl_mime_addpart(m);
		if (!part) {
			curl_mime_free(m);
			return NULL;
		}
		curl_mime_name(part, f->name);
		if (f->data) {
			curl_mime_data(part, (const char *)f->data, f->len);
			curl_mime_filename(part, f->filename);
			curl_mime_type(part, f->type);
		} else {
			curl_mime_data(part, f->value, CURL_ZERO_TERMINATED);
		}
	}
	return m;
}

static void gen_http_options(CURL *h, const struct gen_http_config *c, struct curl_sink *sink,
			     char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 120000L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "imagier/1");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

/* res->error for a failed transfer. */
static int gen_http_curl_error(struct gen_http_call *call, CURLcode rc,
			       const struct curl_sink *sink, const char *errbuf)
{
	struct gen_result *res = call->res;
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	char words[32];
	snprintf(call->detail, sizeof(call->detail), "curl %d: ", (int)rc);
	size_t used = strlen(call->detail);
	gen_http_sanitize(why, strlen(why), call->detail + used, sizeof(call->detail) - used);
	switch (rc) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (rc == CURLE_WRITE_ERROR && !sink->over)
			break;
		gen_http_size_words(sink->max, words, sizeof(words));
		return gen_http_fail(res, 0, "the image service sent more than %s", words);
	case CURLE_OPERATION_TIMEDOUT:
		return gen_http_fail(res, 1, "the image service did not answer in time");
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return gen_http_fail(res, 1, "the image service could not be reached");
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return gen_http_fail(res, 1, "the image service closed the connection");
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return gen_http_fail(res, 0, "the image service address is not valid");
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return gen_http_fail(res, 0, "the image service's certificate was not accepted");
	default:
		break;
	}
	return gen_http_fail(res, 1, "the image service could not be reached");
}

int gen_http_send(struct gen_http_call *call, const struct gen_http_req *rq,
		  struct gen_http_resp *out)
{
	const struct gen_http_config *c = call->cfg;
	struct curl_sink sink = {.max = gen_http_max(c)};
	struct curl_slist *hdrs = NULL;
	curl_mime *mime = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	int ret = -1;

	memset(out, 0, sizeof(*out));
	pthread_once(&gen_http_once, gen_http_global_init);
	CURL *h = gen_http_init_rc == CURLE_OK ? curl_easy_init() : NULL;
	if (!h) {
		snprintf(call->detail, sizeof(call->detail), "curl_easy_init failed");
		return gen_http_fail(call->res, 1, "the image service could not be reached");
	}
	gen_http_options(h, c, &sink, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	if (gen_http_auth(h, rq, c->api_key, &hdrs) < 0) {
		gen_http_fail(call->res, 0, "the API key of the image service is not valid");
		goto out;
	}
	struct curl_slist *l = curl_slist_append(hdrs, "Expect:");
	hdrs = l ? l : hdrs;
	if (rq->json) {
		l = curl_slist_append(hdrs, "Content-Type: application/json");
		hdrs = l ? l : hdrs;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->json);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(rq->json));
	} else if (rq->nfields) {
		mime = gen_http_mime(h, rq);
		if (!mime) {
			gen_http_fail(call->res, 1, "the image service could not be reached");
			goto out;
		}
		curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		gen_http_curl_error(call, rc, &sink, errbuf);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	snprintf(call->detail, sizeof(call->detail), "HTTP %ld", out->status);
	out->body = sink.data ? sink.data : xcalloc(1, 1);
	out->len = sink.len;
	sink.data = NULL;
	ret = 0;
out:
	curl_easy_cleanup(h);
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	free(sink.data);
	return ret;
}

int gen_http_log_failure(const struct gen_http_call *call)
{
	const char *d = strstr(call->res->error, call->detail) ? "" : call->detail;
	log_error("gen %s: %s%s%s%s", call->backend, call->res->error, d[0] ? " (" : "", d,
		  d[0] ? ")" : "");
	return -1;
}
