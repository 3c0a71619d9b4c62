/* fuzz_xmp.c - libFuzzer target for the XMP inserter and finder (xmp_insert, xmp_find) and the
 * packet builder (xmp_packet). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the packet: the input's first bytes as the model name */
	char model[65];
	size_t k = size < sizeof(model) - 1 ? size : sizeof(model) - 1;
	memcpy(model, data, k);
	model[k] = '\0';
	struct xmp_meta m = {"imagier", "http://127.0.0.1:8080", "http://127.0.0.1:8080/p/1",
			     "procedural", model};
	size_t pl;
	char *pkt = xmp_packet(&m, &pl);
	if (!pkt || strlen(pkt) != pl || !xmp_is_imagier((const unsigned char *)pkt, pl, NULL))
		abort();
	for (size_t i = 0; i < pl; i++)
		if ((unsigned char)pkt[i] < 0x20 && pkt[i] != '\n')
			abort();

	const unsigned char *found;
	size_t fl;
	int n = xmp_find(data, size, &found, &fl);
	if (n > 0 && (found < data || found + fl > data + size))
		abort();
	unsigned char *out = NULL, *again = NULL;
	size_t outlen = 0, againlen = 0;
	int rc = xmp_insert(data, size, pkt, pl, &out, &outlen);
	if ((rc == 0) != (n >= 0)) /* insert and find accept the same files */
		abort();
	if (rc == 0) {
		/* exactly our packet, once; inserting again changes nothing */
		if (xmp_find(out, outlen, &found, &fl) != 1 || fl != pl || memcmp(found, pkt, pl))
			abort();
		if (xmp_insert(out, outlen, pkt, pl, &again, &againlen) != 0 ||
		    againlen != outlen || memcmp(again, out, outlen))
			abort();
	} else if (out || outlen) {
		abort();
	}
	free(again);
	free(out);
	free(pkt);
	return 0;
}
