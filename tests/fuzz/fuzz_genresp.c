/* fuzz_genresp.c - libFuzzer target for the image backends' response parsing and error mapping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FUZZ_KEY  "sk-fuzz-key"
#define FUZZ_BASE "http://127.0.0.1:7860"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text meant for people: one line, no control characters. */
static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void check_result(int rc, const struct gen_result *r)
{
	check_text(r->model, sizeof(r->model));
	if (rc == 0) {
		CHECK(r->data && r->len > 0 && r->len <= GEN_HTTP_MAX_IMAGE);
		CHECK(gen_http_image_type(r->data, r->len));
		return;
	}
	CHECK(rc == -1 || rc == 1);
	CHECK(!r->data && r->len == 0);
	if (rc == -1) {
		CHECK(r->error[0]);
		check_text(r->error, sizeof(r->error));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const unsigned char *body = data + 1;
	size_t len = size - 1;
	struct gen_result r;
	memset(&r, 0, sizeof(r));
	char *url = NULL;
	int rc;

	switch (data[0] % 5) {
	case 0:
		rc = gen_openai_parse(body, len, 1 << 20, &r, &url);
		check_result(rc, &r);
		CHECK((rc == 1) == (url != NULL));
		if (url)
			CHECK(url[0] && strlen(url) <= GEN_HTTP_MAX_URL);
		break;
	case 1:
		rc = gen_a1111_parse(body, len, 1 << 20, &r);
		check_result(rc, &r);
		break;
	case 2: {
		long status = len >= 2 ? 100 + (body[0] << 8 | body[1]) % 500 : 500;
		rc = gen_http_status_error(status, len >= 2 ? body + 2 : body,
					   len >= 2 ? len - 2 : 0, FUZZ_KEY, &r);
		CHECK(rc == -1 && r.error[0] && !strstr(r.error, FUZZ_KEY));
		check_text(r.error, sizeof(r.error));
		break;
	}
	case 3: {
		char *s = malloc(len + 1);
		memcpy(s, body, len);
		s[len] = '\0';
		url = gen_http_same_origin(FUZZ_BASE, s);
		if (url)
			CHECK(!strncmp(url, FUZZ_BASE "/", strlen(FUZZ_BASE) + 1));
		free(s);
		break;
	}
	default: {
		char out[64];
		gen_http_sanitize((const char *)body, len, out, sizeof(out));
		check_text(out, sizeof(out));
		break;
	}
	}
	free(url);
	free(r.data);
	return 0;
}
