/* fuzz_apremix.c - libFuzzer target for the remix link read from a remote
 * Note (lib/apremix.c): any JSON the limits let through gives no parent or
 * an http(s) URL within APREMIX_MAX_URI. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apremix.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim;
	const char *why;
	cJSON *j = NULL;
	http_limits_default(&lim);
	if (http_parse_json(data, size, &j, &lim, &why))
		return 0;
	const char *u = apremix_of(j);
	if (u && (strlen(u) > APREMIX_MAX_URI ||
		  (strncmp(u, "https://", 8) && strncmp(u, "http://", 7))))
		abort();
	cJSON_Delete(j);
	return 0;
}
