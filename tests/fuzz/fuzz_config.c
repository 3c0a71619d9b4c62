/* fuzz_config.c - libFuzzer target for the INI config parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct config c;
	char err[256];
	memset(&c, 0, sizeof(c));
	if (config_parse_ini(&c, text, "fuzz", err, sizeof(err)) == 0) {
		/* Every string field stays terminated within its array. */
		if (memchr(c.listen, '\0', sizeof(c.listen)) == NULL ||
		    memchr(c.db_password, '\0', sizeof(c.db_password)) == NULL ||
		    memchr(c.cache_servers, '\0', sizeof(c.cache_servers)) == NULL)
			abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || !err[0]) {
		abort(); /* a failure always says why */
	}
	free(text);
	return 0;
}
