/* phash.h - 64-bit perceptual hash (dHash) of images, for the image blocklist. */
#ifndef IMAGIER_PHASH_H
#define IMAGIER_PHASH_H

#include <gd.h>
#include <stddef.h>
#include <stdint.h>

/* Hashes at most this far apart (phash_distance) are "the same picture". */
#define PHASH_NEAR 10

/* dHash of an encoded JPEG, PNG or WebP (header checked with image_sniff()
 * first, so nothing over max_pixels is decoded; JPEG EXIF orientation is
 * undone like image_store() does). Returns 0 and sets *out, or 400 damaged /
 * truncated, 413 too many pixels or bytes, 415 not an image or AVIF (not
 * hashed); *why is then a static reason string. Allocates nothing that
 * outlives the call. */
int phash_dhash(const unsigned char *encoded, size_t len, uint64_t max_pixels, uint64_t *out,
		const char **why);

/* dHash of a decoded image (truecolor or palette; alpha is flattened on
 * white): greyscale, exact area-average down to 9x8, bit = left cell
 * brighter than its right neighbour, row-major, first bit in the MSB.
 * Returns 0, or -1 (and *out = 0) if im is NULL or empty. Never modifies im. */
int phash_dhash_gd(gdImagePtr im, uint64_t *out);

/* Hamming distance of two hashes: 0 (same) .. 64. */
int phash_distance(uint64_t a, uint64_t b);

/* Writes h as 16 lowercase hex digits plus a NUL into out. */
void phash_hex(uint64_t h, char out[17]);

/* Parses exactly 16 hex digits (either case) then NUL into *out. Returns 0,
 * or -1 (and *out untouched) on any other input, including NULL. */
int phash_parse(const char *hex, uint64_t *out);

#endif
