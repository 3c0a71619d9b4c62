/* fuzz_multipart.c - libFuzzer target for http_parse_multipart: line 1 is the content type. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ctlen = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t len = size - (size_t)(body - data);

	struct arena a;
	arena_init(&a);
	char *ct = arena_strndup(&a, (const char *)data, ctlen);
	struct http_limits lim;
	http_limits_default(&lim);
	/* Small limits so the fuzzer reaches every limit branch. */
	lim.max_fields = 8;
	lim.max_key = 16;
	lim.max_value = 256;
	lim.max_parts = 4;
	lim.max_file = 4096;
	lim.max_header_value = 256;

	struct kvlist fields = {0};
	struct part *parts = NULL;
	size_t nparts = 0;
	const char *why = NULL;
	int rc = http_parse_multipart(&a, ct, body, len, &fields, &parts, &nparts, &lim, &why);
	if (rc) {
		CHECK(rc == 400 || rc == 413);
		CHECK(why && *why);
		CHECK(fields.n == 0);
	} else {
		CHECK(http_multipart_boundary(&a, ct) != NULL);
		CHECK(fields.n <= lim.max_fields && nparts <= lim.max_parts);
		for (size_t i = 0; i < fields.n; i++) {
			const struct kv *kv = &fields.items[i];
			CHECK(*kv->key && strlen(kv->key) <= lim.max_key);
			CHECK(kv->val_len <= lim.max_value && strlen(kv->val) == kv->val_len);
			CHECK(utf8_valid(kv->val, kv->val_len));
		}
		for (size_t i = 0; i < nparts; i++) {
			const struct part *p = &parts[i];
			CHECK(p->name && *p->name && p->filename && p->content_type);
			CHECK(p->len <= lim.max_file);
			CHECK(p->data >= body && p->data + p->len <= body + len);
		}
	}
	arena_free(&a);
	return 0;
}
