/* fuzz_oembed.c - libFuzzer target for the oEmbed url parameter: any bytes
 * give one of the five answers; an OK id is positive, at most 18 digits, and
 * the url contains "/p/" followed by exactly those digits. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oembed.h"

static int ours(const char *host, size_t len, void *arg)
{
	(void)arg;
	return len == 11 && !strncasecmp(host, "example.org", 11);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = 0;
	int64_t id = -1;
	enum oembed_url r = oembed_url_post(url, ours, NULL, &id);
	if (r > OEMBED_URL_NOT_POST)
		abort();
	if (r == OEMBED_URL_OK) {
		char want[32];
		snprintf(want, sizeof(want), "/p/%lld", (long long)id);
		if (id <= 0 || !strstr(url, want))
			abort();
	} else if (id != -1) {
		abort(); /* untouched unless OK */
	}
	free(url);
	return 0;
}
