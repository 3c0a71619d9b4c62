/* fuzz_urlencoded.c - libFuzzer target for the form, cookie, text and URL helpers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every pair parsed must survive url_encode and a second parse unchanged. */
static void check_roundtrip(struct arena *a, const struct kvlist *l, const struct http_limits *lim)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct kv *kv = &l->items[i];
		char *s = arena_printf(a, "%s=%s", url_encode(a, kv->key), url_encode(a, kv->val));
		struct kvlist again = {0};
		struct http_limits big = *lim;
		big.max_body = strlen(s);
		const char *why = NULL;
		CHECK(http_parse_urlencoded(a, s, strlen(s), &again, &big, &why) == 0);
		CHECK(again.n == 1 && strcmp(again.items[0].key, kv->key) == 0);
		CHECK(again.items[0].val_len == kv->val_len);
		CHECK(memcmp(again.items[0].val, kv->val, kv->val_len) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	struct http_limits lim;
	http_limits_default(&lim);
	lim.max_fields = 8;
	lim.max_key = 16;
	lim.max_value = 256;
	lim.max_header_value = 512;
	const char *s = (const char *)data, *why = NULL;

	struct kvlist form = {0};
	int rc = http_parse_urlencoded(&a, s, size, &form, &lim, &why);
	if (rc) {
		CHECK((rc == 400 || rc == 413) && why && form.n == 0);
	} else {
		CHECK(form.n <= lim.max_fields);
		for (size_t i = 0; i < form.n; i++) {
			CHECK(strlen(form.items[i].key) <= lim.max_key);
			CHECK(form.items[i].val_len <= lim.max_value);
			CHECK(strlen(form.items[i].val) == form.items[i].val_len);
		}
		check_roundtrip(&a, &form, &lim);
	}

	char *hdr = arena_strndup(&a, s, size);
	struct kvlist cookies = {0};
	rc = http_parse_cookies(&a, hdr, &cookies, &lim, &why);
	CHECK(rc == 0 || rc == 400);
	CHECK(cookies.n <= lim.max_fields);

	const char *clean = NULL;
	rc = text_clean(&a, s, size, 64, &clean, &why);
	if (rc == 0)
		CHECK(utf8_valid(clean, strlen(clean)) && !strchr(clean, '\r'));
	else
		CHECK(rc == 400 && why);

	arena_free(&a);
	return 0;
}
