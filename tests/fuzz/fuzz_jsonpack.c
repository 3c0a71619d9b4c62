/* fuzz_jsonpack.c - libFuzzer target for json_unpack (the post cache's form). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever the bytes, json_unpack returns a tree or NULL within its limits;
 * a tree packs again to bytes that unpack to the same tree. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = json_unpack((const char *)data, size);
	if (!j)
		return 0;
	struct buf b = {0};
	json_pack(j, &b);
	cJSON *k = json_unpack(b.data, b.len);
	CHECK(k);
	char *s1 = cJSON_PrintUnformatted(j), *s2 = cJSON_PrintUnformatted(k);
	CHECK(s1 && s2 && !strcmp(s1, s2));
	cJSON_free(s1);
	cJSON_free(s2);
	cJSON_Delete(k);
	cJSON_Delete(j);
	buf_free(&b);
	return 0;
}
