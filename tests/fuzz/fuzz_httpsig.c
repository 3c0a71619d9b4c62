/* fuzz_httpsig.c - libFuzzer target for the Signature header parser
 * (lib/httpsig.c httpsig_parse): any bytes are parsed or refused with a
 * reason; what parses has a keyId within its limit, 1 to HTTPSIG_MAX_NAMES
 * lower-case header names and a non-empty decoded signature. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: ASan sees any read past the end */
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	struct httpsig_params p;
	const char *why = NULL;
	if (httpsig_parse(s, size, &p, &why) == 0) {
		if (!p.key_id[0] || strlen(p.key_id) > HTTPSIG_MAX_KEYID || p.nnames == 0 ||
		    p.nnames > HTTPSIG_MAX_NAMES || p.sig_len == 0 || p.sig_len > sizeof(p.sig))
			abort();
		for (size_t i = 0; i < p.nnames; i++)
			for (const char *c = p.names[i]; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					abort();
	} else if (!why) {
		abort();
	}
	free(s);
	return 0;
}
