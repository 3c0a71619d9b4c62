/* fuzz_json.c - libFuzzer target for http_parse_json (limits, depth, trailing data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim;
	http_limits_default(&lim);
	lim.max_json_depth = 8;
	cJSON *j = (cJSON *)&lim; /* must be reset to NULL on failure */
	const char *why = NULL;
	int rc = http_parse_json(data, size, &j, &lim, &why);
	if (rc) {
		CHECK((rc == 400 || rc == 413) && why && !j);
		return 0;
	}
	CHECK(cJSON_IsObject(j));
	/* What cJSON prints back must parse again under the same depth limit. */
	char *out = cJSON_PrintUnformatted(j);
	CHECK(out);
	cJSON *k = NULL;
	lim.max_body = strlen(out);
	CHECK(http_parse_json((const unsigned char *)out, strlen(out), &k, &lim, &why) == 0);
	cJSON_Delete(k);
	cJSON_free(out);
	cJSON_Delete(j);
	return 0;
}
