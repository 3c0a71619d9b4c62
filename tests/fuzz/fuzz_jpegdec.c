/* fuzz_jpegdec.c - libFuzzer target for the bounded JPEG decoder (jpegdec_decode). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jpegdec.h"

/* Small enough that any input decodes in milliseconds. */
#define MAX_PIXELS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* the first byte picks the scale wanted: 0 full size, else 4..1020 */
	uint32_t min_side = (uint32_t)data[0] * 4;
	gdImagePtr im = NULL;
	struct jpegdec_stats st;
	const char *why = NULL;
	int rc = jpegdec_decode(data + 1, size - 1, MAX_PIXELS, min_side, &im, &st, &why);
	if (rc != 0 && rc != 400 && rc != 413 && rc != 422 && rc != 500)
		abort();
	if (rc != 0 && (im || !why || !*why))
		abort();
	if (st.scans > JPEGDEC_MAX_SCANS + 1 || st.blocks > st.budget + 4u * MAX_PIXELS / 64)
		abort();
	if (rc == 0) {
		if (!im || st.scale < 1 || st.scale > 8 ||
		    (uint64_t)st.width * st.height > MAX_PIXELS)
			abort();
		uint64_t w = ((uint64_t)st.width * st.scale + 7) / 8;
		uint64_t h = ((uint64_t)st.height * st.scale + 7) / 8;
		if ((uint64_t)gdImageSX(im) != w || (uint64_t)gdImageSY(im) != h)
			abort();
		gdImageDestroy(im);
	}
	return 0;
}
