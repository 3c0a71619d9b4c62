/* fuzz_sniff.c - libFuzzer target for the image header parsers (image_sniff and friends). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "imgsniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_info info;
	const char *why = NULL;
	int rc = image_sniff(data, size, 40000000, &info, &why);
	if (rc != 0 && rc != 400 && rc != 413 && rc != 415)
		abort();
	if (rc != 0 && (!why || !*why))
		abort();
	if (rc == 0 && (info.format == IMG_UNKNOWN || info.width == 0 || info.height == 0 ||
			info.width > IMAGE_MAX_SIDE || info.height > IMAGE_MAX_SIDE ||
			(uint64_t)info.width * info.height > 40000000))
		abort();
	for (int f = IMG_JPEG; f <= IMG_AVIF; f++)
		(void)imgsniff_complete((enum image_format)f, data, size);
	int o = imgsniff_exif_orientation(data, size);
	if (o < 1 || o > 8)
		abort();
	return 0;
}
