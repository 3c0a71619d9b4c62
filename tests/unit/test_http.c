/* test_http.c - unit tests for lib/http.c: form, cookie, multipart, JSON and text parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "arena.h"
#include "http.h"

struct fx {
	struct arena a;
	struct http_limits lim;
	struct kvlist kv;
	struct part *parts;
	size_t nparts;
	const char *why;
};

static int setup(void **state)
{
	static struct fx fx;
	memset(&fx, 0, sizeof(fx));
	arena_init(&fx.a);
	http_limits_default(&fx.lim);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	return 0;
}

static int form(struct fx *f, const char *s)
{
	f->why = NULL;
	return http_parse_urlencoded(&f->a, s, strlen(s), &f->kv, &f->lim, &f->why);
}

#define CT "multipart/form-data; boundary=XyZ"

static int mp(struct fx *f, const char *ct, const char *body, size_t len)
{
	f->why = NULL;
	return http_parse_multipart(&f->a, ct, (const unsigned char *)body, len, &f->kv, &f->parts,
				    &f->nparts, &f->lim, &f->why);
}

#define MP(f, body) mp((f), CT, (body), sizeof(body) - 1)

static int json(struct fx *f, const char *s, cJSON **out)
{
	f->why = NULL;
	return http_parse_json((const unsigned char *)s, strlen(s), out, &f->lim, &f->why);
}

/* ---- limits and kvlist ---- */

static void test_limits_default(void **state)
{
	struct http_limits l;
	http_limits_default(&l);
	assert_int_equal(l.max_body, 25 << 20);
	assert_int_equal(l.max_fields, 64);
	assert_int_equal(l.max_key, 64);
	assert_int_equal(l.max_value, 64 << 10);
	assert_int_equal(l.max_parts, 16);
	assert_int_equal(l.max_file, 20 << 20);
	assert_int_equal(l.max_header_value, 8 << 10);
	assert_int_equal(l.max_json_depth, 16);
}

static void test_kv_add_get(void **state)
{
	struct fx *f = *state;
	char key[16];
	kv_add(&f->a, &f->kv, "a", "one", 3);
	kv_add(&f->a, &f->kv, "a", "two", 3);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		kv_add(&f->a, &f->kv, key, "v\0w", 3);
	}
	assert_int_equal(f->kv.n, 22);
	assert_string_equal(kv_get(&f->kv, "a"), "one");
	assert_int_equal(f->kv.items[21].val_len, 3);
	assert_memory_equal(kv_get(&f->kv, "k19"), "v\0w", 4);
	assert_null(kv_get(&f->kv, "A"));
	assert_null(kv_get(&f->kv, "missing"));
}

/* ---- urlencoded ---- */

static void test_urlenc_basic(void **state)
{
	struct fx *f = *state;
	assert_int_equal(form(f, "a=1&b=hello+world&c=%C3%a9t%C3%A9&d=%2B%26%3D"), 0);
	assert_int_equal(f->kv.n, 4);
	assert_string_equal(kv_get(&f->kv, "a"), "1");
	assert_string_equal(kv_get(&f->kv, "b"), "hello world");
	assert_string_equal(kv_get(&f->kv, "c"), "\xC3\xA9t\xC3\xA9");
	assert_string_equal(kv_get(&f->kv, "d"), "+&=");
}

static void test_urlenc_empty_parts(void **state)
{
	struct fx *f = *state;
	assert_int_equal(form(f, "&a&&b=&=x&c%20d=1&"), 0);
	assert_int_equal(f->kv.n, 3);
	assert_string_equal(kv_get(&f->kv, "a"), "");
	assert_string_equal(kv_get(&f->kv, "b"), "");
	assert_string_equal(kv_get(&f->kv, "c d"), "1");
	assert_int_equal(form(f, ""), 0);
	assert_int_equal(f->kv.n, 3);
}

static void test_urlenc_bad_escape(void **state)
{
	struct fx *f = *state;
	assert_int_equal(form(f, "a=%G1"), 400);
	assert_string_equal(f->why, "bad %-escape in form data");
	assert_int_equal(form(f, "a=%4"), 400);
	assert_int_equal(form(f, "a=%"), 400);
	assert_int_equal(form(f, "%zz=1"), 400);
	assert_int_equal(f->kv.n, 0);
}

static void test_urlenc_long_key(void **state)
{
	struct fx *f = *state;
	char s[200];
	memset(s, 'k', 64);
	strcpy(s + 64, "=v");
	assert_int_equal(form(f, s), 0);
	memset(s, 'k', 65);
	strcpy(s + 65, "=v");
	assert_int_equal(form(f, s), 400);
	assert_string_equal(f->why, "field name too long");
	memset(s, 'k', 199);
	s[199] = '\0';
	assert_int_equal(form(f, s), 400);
}

static void test_urlenc_long_value(void **state)
{
	struct fx *f = *state;
	f->lim.max_value = 4;
	assert_int_equal(form(f, "a=%41%41%41%41"), 0);
	assert_int_equal(form(f, "a=12345"), 413);
	assert_string_equal(f->why, "field value too long");
}

static void test_urlenc_too_many_fields(void **state)
{
	struct fx *f = *state;
	f->lim.max_fields = 3;
	assert_int_equal(form(f, "a=1&b=2&c=3"), 0);
	assert_int_equal(form(f, "a=1&b=2&c=3&d=4"), 413);
	assert_string_equal(f->why, "too many fields");
	/* the failed call added nothing */
	assert_int_equal(f->kv.n, 3);
}

static void test_urlenc_invalid_utf8(void **state)
{
	struct fx *f = *state;
	assert_int_equal(form(f, "a=%FF"), 400);
	assert_int_equal(form(f, "a=%C0%AF"), 400);    /* overlong '/' */
	assert_int_equal(form(f, "a=%ED%A0%80"), 400); /* surrogate */
	assert_int_equal(form(f, "%C3=1"), 400);       /* truncated, in the key */
	assert_int_equal(f->kv.n, 0);
}

static void test_urlenc_nul(void **state)
{
	struct fx *f = *state;
	assert_int_equal(form(f, "a=x%00y"), 400);
	assert_int_equal(form(f, "a%00b=1"), 400);
	assert_int_equal(f->kv.n, 0);
}

static void test_urlenc_body_limit(void **state)
{
	struct fx *f = *state;
	f->lim.max_body = 5;
	assert_int_equal(form(f, "a=123"), 0);
	assert_int_equal(form(f, "a=1234"), 413);
}

/* ---- cookies ---- */

static void test_cookies_basic(void **state)
{
	struct fx *f = *state;
	assert_int_equal(http_parse_cookies(&f->a, " sid=abc123;theme=\"dark\" ;  x = y ", &f->kv,
					    &f->lim, &f->why),
			 0);
	assert_int_equal(f->kv.n, 3);
	assert_string_equal(kv_get(&f->kv, "sid"), "abc123");
	assert_string_equal(kv_get(&f->kv, "theme"), "dark");
	assert_string_equal(kv_get(&f->kv, "x"), "y");
	assert_int_equal(http_parse_cookies(&f->a, NULL, &f->kv, &f->lim, &f->why), 0);
	assert_int_equal(http_parse_cookies(&f->a, "", &f->kv, &f->lim, &f->why), 0);
	assert_int_equal(f->kv.n, 3);
}

static void test_cookies_junk_skipped(void **state)
{
	struct fx *f = *state;
	const char *h = "novalue; =x; sp ace=1; q=\"a\\\"; u=\xC3\xA9; c=a,b; ok=1; e=";
	assert_int_equal(http_parse_cookies(&f->a, h, &f->kv, &f->lim, &f->why), 0);
	assert_int_equal(f->kv.n, 2);
	assert_string_equal(kv_get(&f->kv, "ok"), "1");
	assert_string_equal(kv_get(&f->kv, "e"), "");
}

static void test_cookies_limits(void **state)
{
	struct fx *f = *state;
	char h[64];
	f->lim.max_header_value = 16;
	assert_int_equal(http_parse_cookies(&f->a, "a=1; b=2; c=3; d", &f->kv, &f->lim, &f->why),
			 0);
	assert_int_equal(http_parse_cookies(&f->a, "a=1; b=2; c=3; dd", &f->kv, &f->lim, &f->why),
			 400);
	assert_string_equal(f->why, "cookie header too long");
	f->kv.n = 0;
	f->lim.max_header_value = 64;
	f->lim.max_fields = 2;
	snprintf(h, sizeof(h), "a=1; b=2; c=3");
	assert_int_equal(http_parse_cookies(&f->a, h, &f->kv, &f->lim, &f->why), 0);
	assert_int_equal(f->kv.n, 2);
	assert_null(kv_get(&f->kv, "c"));
}

/* ---- boundary ---- */

static void test_boundary_ok(void **state)
{
	struct fx *f = *state;
	assert_string_equal(http_multipart_boundary(&f->a, CT), "XyZ");
	assert_string_equal(
	    http_multipart_boundary(&f->a, "Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\""),
	    "a b:c");
	assert_string_equal(http_multipart_boundary(&f->a, "multipart/form-data; boundary="
							   "----WebKitFormBoundary7MA4YWxkTrZu0gW"),
			    "----WebKitFormBoundary7MA4YWxkTrZu0gW");
}

static void test_boundary_bad(void **state)
{
	struct fx *f = *state;
	char ct[200];
	assert_null(http_multipart_boundary(&f->a, NULL));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data"));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data; boundary="));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data; boundary=\"\""));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data; boundary=\"ab \""));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data; boundary=a@b"));
	assert_null(http_multipart_boundary(&f->a, "multipart/mixed; boundary=abc"));
	assert_null(http_multipart_boundary(&f->a, "text/plain; boundary=abc"));
	assert_null(http_multipart_boundary(&f->a, CT "; boundary=other"));
	assert_null(http_multipart_boundary(&f->a, "multipart/form-data; boundary=\"abc"));
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%070d", 7);
	assert_non_null(http_multipart_boundary(&f->a, ct));
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%071d", 7);
	assert_null(http_multipart_boundary(&f->a, ct));
}

/* ---- multipart ---- */

static void test_mp_basic(void **state)
{
	struct fx *f = *state;
	static const char body[] =
	    "preamble to ignore\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"caption\"\r\n"
	    "\r\n"
	    "a cat\r\non two lines\r\n"
	    "--XyZ\r\n"
	    "content-disposition: form-data; name=\"image\"; filename=\"c.png\"\r\n"
	    "Content-Type: image/png\r\n"
	    "X-Other: ignored\r\n"
	    "\r\n"
	    "\x89PNG\r\n\x1a\n\0data\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=empty\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"
	    "epilogue, also ignored";
	assert_int_equal(MP(f, body), 0);
	assert_int_equal(f->kv.n, 2);
	assert_string_equal(kv_get(&f->kv, "caption"), "a cat\r\non two lines");
	assert_string_equal(kv_get(&f->kv, "empty"), "");
	assert_int_equal(f->nparts, 1);
	assert_string_equal(f->parts[0].name, "image");
	assert_string_equal(f->parts[0].filename, "c.png");
	assert_string_equal(f->parts[0].content_type, "image/png");
	assert_int_equal(f->parts[0].len, 13);
	assert_memory_equal(f->parts[0].data, "\x89PNG\r\n\x1a\n\0data", 13);
	assert_true(f->parts[0].data > (const unsigned char *)body);
}

static void test_mp_empty_form(void **state)
{
	struct fx *f = *state;
	assert_int_equal(MP(f, "--XyZ--\r\n"), 0);
	assert_int_equal(f->kv.n, 0);
	assert_int_equal(f->nparts, 0);
}

static void test_mp_missing_boundary(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
				   "--XyZ--\r\n";
	assert_int_equal(mp(f, "multipart/form-data", body, sizeof(body) - 1), 400);
	assert_string_equal(f->why, "missing or bad multipart boundary");
	assert_int_equal(mp(f, "multipart/form-data; boundary=Other", body, sizeof(body) - 1), 400);
	assert_string_equal(f->why, "multipart body has no boundary line");
	assert_int_equal(mp(f, CT, "", 0), 400);
}

static void test_mp_unterminated(void **state)
{
	struct fx *f = *state;
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue"),
			 400);
	assert_string_equal(f->why, "unterminated multipart body (no closing boundary)");
	/* a close delimiter cut short is no delimiter */
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ"),
			 400);
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"), 400);
	assert_string_equal(f->why, "unterminated multipart part headers");
	assert_int_equal(f->kv.n, 0);
}

static void test_mp_no_disposition(void **state)
{
	struct fx *f = *state;
	assert_int_equal(MP(f, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "part without Content-Disposition");
	assert_int_equal(MP(f, "--XyZ\r\n\r\nv\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "part without Content-Disposition");
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n"
			       "--XyZ--"),
			 400);
	assert_string_equal(f->why, "part is not form-data");
}

static void test_mp_no_name(void **state)
{
	struct fx *f = *state;
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "part without a name");
	assert_int_equal(
	    MP(f, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "part without a name");
	assert_int_equal(
	    MP(f, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "bad Content-Disposition header in part");
	assert_int_equal(
	    MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--"),
	    400);
}

static void test_mp_bad_headers(void **state)
{
	struct fx *f = *state;
	assert_int_equal(MP(f, "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--"), 400);
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n"
			       "--XyZ--"),
			 400);
	assert_string_equal(f->why, "folded header in multipart part");
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
			       "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--"),
			 400);
	assert_string_equal(f->why, "part has two Content-Disposition headers");
	assert_int_equal(MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\x01\r\n\r\nv\r\n"
			       "--XyZ--"),
			 400);
	assert_int_equal(f->kv.n, 0);
}

static void test_mp_headers_too_long(void **state)
{
	struct fx *f = *state;
	char body[512];
	f->lim.max_header_value = 64;
	int n = snprintf(body, sizeof(body),
			 "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Pad: %0100d\r\n\r\n"
			 "v\r\n--XyZ--\r\n",
			 0);
	assert_int_equal(mp(f, CT, body, (size_t)n), 400);
	assert_string_equal(f->why, "multipart part headers too long");
}

static void test_mp_file_too_large(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=f; filename=a.bin\r\n\r\n"
				   "12345\r\n--XyZ--";
	f->lim.max_file = 5;
	assert_int_equal(MP(f, body), 0);
	assert_int_equal(f->nparts, 1);
	assert_int_equal(f->parts[0].len, 5);
	assert_string_equal(f->parts[0].content_type, "");
	f->lim.max_file = 4;
	assert_int_equal(MP(f, body), 413);
	assert_string_equal(f->why, "file too large");
}

static void test_mp_too_many_parts(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=f; filename=a\r\n\r\n1\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=t\r\n\r\ntext\r\n"
				   "--XyZ\r\n"
				   "Content-Disposition: form-data; name=f; filename=b\r\n\r\n2\r\n"
				   "--XyZ--";
	f->lim.max_parts = 2;
	assert_int_equal(MP(f, body), 0);
	assert_int_equal(f->nparts, 2);
	assert_int_equal(f->kv.n, 1);
	f->kv.n = 0;
	f->lim.max_parts = 1;
	assert_int_equal(MP(f, body), 413);
	assert_string_equal(f->why, "too many files");
	assert_int_equal(f->kv.n, 0); /* the field added before the failure is undone */
}

static void test_mp_field_limits(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
				   "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n22\r\n"
				   "--XyZ--";
	f->lim.max_fields = 1;
	assert_int_equal(MP(f, body), 413);
	assert_string_equal(f->why, "too many fields");
	f->lim.max_fields = 64;
	f->lim.max_value = 1;
	assert_int_equal(MP(f, body), 413);
	assert_string_equal(f->why, "field value too long");
	f->lim.max_value = 2;
	f->lim.max_key = 0;
	assert_int_equal(MP(f, body), 400);
	assert_string_equal(f->why, "field name too long");
	f->lim.max_key = 1;
	f->lim.max_body = sizeof(body) - 2;
	assert_int_equal(MP(f, body), 413);
	f->lim.max_body = sizeof(body) - 1;
	assert_int_equal(MP(f, body), 0);
	assert_string_equal(kv_get(&f->kv, "b"), "22");
}

static void test_mp_field_not_text(void **state)
{
	struct fx *f = *state;
	assert_int_equal(
	    MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\xFF\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "form field is not valid UTF-8 text");
	assert_int_equal(
	    MP(f, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\na\0b\r\n--XyZ--"), 400);
	assert_string_equal(f->why, "form field is not valid UTF-8 text");
}

static void test_mp_boundary_inside_data(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ\r\n"
				   "Content-Disposition: form-data; name=a; filename=x\r\n\r\n"
				   "a--XyZ\r\nb\r\n--XyZabc\r\n--XyZ-\r\n--XyZ\r\n"
				   "Content-Disposition: form-data; name=b\r\n\r\n"
				   "--XyZ\r\n--XyZ--";
	assert_int_equal(MP(f, body), 0);
	assert_int_equal(f->nparts, 1);
	assert_int_equal(f->parts[0].len, 27);
	assert_memory_equal(f->parts[0].data, "a--XyZ\r\nb\r\n--XyZabc\r\n--XyZ-", 27);
	assert_string_equal(kv_get(&f->kv, "b"), "--XyZ");
}

static void test_mp_quoted_filename(void **state)
{
	struct fx *f = *state;
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"up\\\\load\"; filename=\"my \\\"best\\\"; "
	    "\xC3\xA9t\xC3\xA9.png\"\r\n\r\n"
	    "x\r\n--XyZ--";
	assert_int_equal(MP(f, body), 0);
	assert_int_equal(f->nparts, 1);
	assert_string_equal(f->parts[0].name, "up\\load");
	assert_string_equal(f->parts[0].filename, "my \"best\"; \xC3\xA9t\xC3\xA9.png");
}

static void test_mp_padding_and_empty_file(void **state)
{
	struct fx *f = *state;
	static const char body[] = "--XyZ \t\r\n"
				   "Content-Disposition: form-data; name=f; filename=\"\"\r\n"
				   "Content-Type: application/octet-stream\r\n\r\n"
				   "\r\n--XyZ  \r\n"
				   "Content-Disposition: form-data; name=g; filename=\"\"\r\n\r\n"
				   "zz\r\n--XyZ--";
	assert_int_equal(MP(f, body), 0);
	/* an empty file input is dropped; a non-empty part with filename="" is kept */
	assert_int_equal(f->nparts, 1);
	assert_string_equal(f->parts[0].name, "g");
	assert_int_equal(f->parts[0].len, 2);
	/* skipped parts still count towards max_parts + max_fields */
	f->lim.max_parts = 1;
	f->lim.max_fields = 0;
	assert_int_equal(MP(f, body), 413);
	assert_string_equal(f->why, "too many parts");
}

/* ---- JSON ---- */

static void test_json_ok(void **state)
{
	struct fx *f = *state;
	cJSON *j = NULL;
	assert_int_equal(json(f, " {\"a\": [1, {\"b\": \"[[{{\"}], \"c\": null}\r\n", &j), 0);
	assert_non_null(j);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "a")));
	cJSON_Delete(j);
}

static void test_json_depth(void **state)
{
	struct fx *f = *state;
	char s[64];
	cJSON *j = (cJSON *)1;
	f->lim.max_json_depth = 4;
	strcpy(s, "{\"a\":[[{\"b\":1}]]}");
	assert_int_equal(json(f, s, &j), 0);
	cJSON_Delete(j);
	strcpy(s, "{\"a\":[[[{\"b\":1}]]]}");
	assert_int_equal(json(f, s, &j), 400);
	assert_string_equal(f->why, "JSON nested too deeply");
	assert_null(j);
	/* unbalanced: rejected before cJSON recurses */
	assert_int_equal(json(f, "{\"a\":[[[[[[[[[[[[", &j), 400);
	assert_string_equal(f->why, "JSON nested too deeply");
}

static void test_json_not_object(void **state)
{
	struct fx *f = *state;
	cJSON *j = NULL;
	assert_int_equal(json(f, "[1,2]", &j), 400);
	assert_string_equal(f->why, "JSON body must be an object");
	assert_int_equal(json(f, "\"str\"", &j), 400);
	assert_int_equal(json(f, "42", &j), 400);
	assert_null(j);
}

static void test_json_trailing(void **state)
{
	struct fx *f = *state;
	cJSON *j = NULL;
	assert_int_equal(json(f, "{\"a\":1} x", &j), 400);
	assert_string_equal(f->why, "trailing data after JSON");
	assert_int_equal(json(f, "{\"a\":1}{}", &j), 400);
	assert_null(j);
	assert_int_equal(json(f, "{\"a\":1} \n\t", &j), 0);
	cJSON_Delete(j);
}

static void test_json_bad_input(void **state)
{
	struct fx *f = *state;
	cJSON *j = NULL;
	assert_int_equal(json(f, "", &j), 400);
	assert_int_equal(json(f, "   ", &j), 400);
	assert_int_equal(json(f, "{\"a\":}", &j), 400);
	assert_string_equal(f->why, "invalid JSON");
	assert_int_equal(json(f, "{\"a\":\"\xC0\xAF\"}", &j), 400);
	assert_string_equal(f->why, "JSON body is not valid UTF-8");
	assert_int_equal(json(f, "{\"a\":\"\x01\"}", &j), 400);
	assert_string_equal(f->why, "JSON body has a control character");
	/* An escaped NUL would cut the text short where cJSON decodes it. */
	assert_int_equal(json(f, "{\"a\":\"ab\\u0000cd\"}", &j), 400);
	assert_string_equal(f->why, "JSON text has a NUL character (\\u0000)");
	assert_null(j);
	assert_int_equal(json(f, "{\"a\\u0000\":1}", &j), 400);
	assert_int_equal(json(f, "{\"a\":\"\\\\u0000\"}", &j), 0);
	assert_string_equal(cJSON_GetObjectItem(j, "a")->valuestring, "\\u0000");
	cJSON_Delete(j);
	assert_int_equal(json(f, "{\"a\":\"\\u0041\\u00e9\"}", &j), 0);
	assert_string_equal(cJSON_GetObjectItem(j, "a")->valuestring, "A\xC3\xA9");
	cJSON_Delete(j);
	assert_int_equal(http_parse_json((const unsigned char *)"{}\0", 3, &j, &f->lim, &f->why),
			 400);
	f->lim.max_body = 3;
	assert_int_equal(json(f, "{ }", &j), 0);
	cJSON_Delete(j);
	assert_int_equal(json(f, "{  }", &j), 413);
	assert_null(j);
}

/* ---- UTF-8, text, URL ---- */

static void test_utf8_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", 13));
	assert_true(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xC0\xAF", 2));	 /* overlong 2-byte */
	assert_false(utf8_valid("\xE0\x80\xAF", 3));	 /* overlong 3-byte */
	assert_false(utf8_valid("\xF0\x80\x80\xAF", 4)); /* overlong 4-byte */
	assert_false(utf8_valid("\xED\xA0\x80", 3));	 /* surrogate U+D800 */
	assert_false(utf8_valid("\xED\xBF\xBF", 3));	 /* surrogate U+DFFF */
	assert_false(utf8_valid("\xF4\x90\x80\x80", 4)); /* U+110000 */
	assert_false(utf8_valid("\xF5\x80\x80\x80", 4));
	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xE2\x82", 2)); /* truncated */
	assert_false(utf8_valid("\xE2\x28\xA1", 3));
	assert_false(utf8_valid("\xFF", 1));
}

static void test_text_clean_ok(void **state)
{
	struct fx *f = *state;
	const char *out = NULL;
	const char *in = " \t\r\n a cat\r\n\tin a hat \n\r ";
	assert_int_equal(text_clean(&f->a, in, strlen(in), 100, &out, &f->why), 0);
	assert_string_equal(out, "a cat\n\tin a hat");
	assert_int_equal(text_clean(&f->a, "  \r\n ", 5, 0, &out, &f->why), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_clean(&f->a, NULL, 0, 0, &out, &f->why), 0);
	assert_string_equal(out, "");
}

static void test_text_clean_control(void **state)
{
	struct fx *f = *state;
	const char *out = NULL;
	assert_int_equal(text_clean(&f->a, "a\x01z", 3, 100, &out, &f->why), 400);
	assert_string_equal(f->why, "text has a control character");
	assert_int_equal(text_clean(&f->a, "a\0z", 3, 100, &out, &f->why), 400);
	assert_int_equal(text_clean(&f->a, "a\x7Fz", 3, 100, &out, &f->why), 400);
	assert_int_equal(text_clean(&f->a, "a\xC2\x85z", 4, 100, &out, &f->why), 400); /* NEL */
	assert_int_equal(text_clean(&f->a, "\xC2\xA0", 2, 100, &out, &f->why), 0);     /* NBSP */
	assert_string_equal(out, "\xC2\xA0");
}

static void test_text_clean_length(void **state)
{
	struct fx *f = *state;
	const char *out = NULL;
	const char *s = "  \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\r\r  ";
	assert_int_equal(text_clean(&f->a, s, strlen(s), 3, &out, &f->why), 0);
	assert_string_equal(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	assert_int_equal(text_clean(&f->a, s, strlen(s), 2, &out, &f->why), 400);
	assert_string_equal(f->why, "text is too long");
}

static void test_text_clean_invalid_utf8(void **state)
{
	struct fx *f = *state;
	const char *out = NULL;
	assert_int_equal(text_clean(&f->a, "ok\xED\xA0\x80", 5, 100, &out, &f->why), 400);
	assert_string_equal(f->why, "text is not valid UTF-8");
}

static void test_url_encode(void **state)
{
	struct fx *f = *state;
	const char *in = "a b&c=d/\xC3\xA9~x-y_z.0%+";
	char *enc = url_encode(&f->a, in);
	assert_string_equal(url_encode(&f->a, ""), "");
	assert_string_equal(enc, "a%20b%26c%3Dd%2F%C3%A9~x-y_z.0%25%2B");
	/* what url_encode writes, the form parser reads back unchanged */
	char *q = arena_printf(&f->a, "%s=%s", enc, enc);
	assert_int_equal(form(f, q), 0);
	assert_string_equal(kv_get(&f->kv, in), in);
}

static void test_accepts(void **state)
{
	(void)state;
	const char *ap = "application/activity+json";
	assert_true(http_accepts(ap, ap));
	assert_true(http_accepts("text/html, Application/Activity+JSON; charset=utf-8", ap));
	assert_true(http_accepts("application/ld+json; profile=\"https://www.w3.org/ns/"
				 "activitystreams\", application/activity+json;q=0.9",
				 ap));
	assert_true(http_accepts("application/activity+json;q=0.01", ap));
	assert_false(http_accepts("application/activity+json;q=0, text/html", ap));
	assert_false(http_accepts("application/activity+json; q=0.000", ap));
	assert_false(http_accepts("application/activity+jsonx", ap));
	assert_false(http_accepts("text/html", ap));
	assert_false(http_accepts("", ap));
	assert_false(http_accepts(NULL, ap));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_limits_default),
	    cmocka_unit_test(test_accepts),
	    T(test_kv_add_get),
	    T(test_urlenc_basic),
	    T(test_urlenc_empty_parts),
	    T(test_urlenc_bad_escape),
	    T(test_urlenc_long_key),
	    T(test_urlenc_long_value),
	    T(test_urlenc_too_many_fields),
	    T(test_urlenc_invalid_utf8),
	    T(test_urlenc_nul),
	    T(test_urlenc_body_limit),
	    T(test_cookies_basic),
	    T(test_cookies_junk_skipped),
	    T(test_cookies_limits),
	    T(test_boundary_ok),
	    T(test_boundary_bad),
	    T(test_mp_basic),
	    T(test_mp_empty_form),
	    T(test_mp_missing_boundary),
	    T(test_mp_unterminated),
	    T(test_mp_no_disposition),
	    T(test_mp_no_name),
	    T(test_mp_bad_headers),
	    T(test_mp_headers_too_long),
	    T(test_mp_file_too_large),
	    T(test_mp_too_many_parts),
	    T(test_mp_field_limits),
	    T(test_mp_field_not_text),
	    T(test_mp_boundary_inside_data),
	    T(test_mp_quoted_filename),
	    T(test_mp_padding_and_empty_file),
	    T(test_json_ok),
	    T(test_json_depth),
	    T(test_json_not_object),
	    T(test_json_trailing),
	    T(test_json_bad_input),
	    T(test_utf8_valid),
	    T(test_text_clean_ok),
	    T(test_text_clean_control),
	    T(test_text_clean_length),
	    T(test_text_clean_invalid_utf8),
	    T(test_url_encode),
#undef T
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
