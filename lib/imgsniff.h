/* imgsniff.h - internal to the image module: bounded checks of container structure. */
#ifndef IMAGIER_IMGSNIFF_H
#define IMAGIER_IMGSNIFF_H

#include <stddef.h>

#include "image.h"

/* 1 if the file of format f is whole: JPEG reaches its EOI marker through
 * the segments and entropy-coded data, PNG reaches its IEND chunk, WebP holds
 * all the bytes its RIFF size says, every top-level AVIF box fits. 0 when
 * truncated or when the structure is broken. Linear time, never reads past
 * len. */
int imgsniff_complete(enum image_format f, const unsigned char *d, size_t len);

/* EXIF orientation (1..8) of a JPEG from its first APP1 "Exif" segment;
 * 1 when there is none or it is malformed. */
int imgsniff_exif_orientation(const unsigned char *d, size_t len);

#endif
