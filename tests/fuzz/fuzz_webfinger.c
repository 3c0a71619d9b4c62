/* fuzz_webfinger.c - libFuzzer target for the WebFinger resource reader
 * (lib/webfinger.c): any bytes are accepted or refused; an accepted resource
 * gives a name and a host inside the input, within their limits, made only
 * of the characters each may have. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webfinger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	struct webfinger_res r;
	if (webfinger_parse(s, size, &r) == 0) {
		if (r.name < s || r.name + r.name_len > s + size || r.host < s ||
		    r.host + r.host_len > s + size || !r.name_len ||
		    r.name_len > WEBFINGER_MAX_NAME || !r.host_len ||
		    r.host_len > WEBFINGER_MAX_HOST)
			abort();
		for (size_t i = 0; i < r.name_len; i++)
			if (r.name[i] == '@' || r.name[i] == '/' || r.name[i] == ':')
				abort();
		for (size_t i = 0; i < r.host_len; i++)
			if (r.host[i] == '@' || r.host[i] == '/')
				abort();
	}
	free(s);
	return 0;
}
