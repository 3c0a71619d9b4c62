/* jpegdec.h - internal to the image module: JPEG decoding with a bound on its work. */
#ifndef IMAGIER_JPEGDEC_H
#define IMAGIER_JPEGDEC_H

#include <gd.h>
#include <stddef.h>
#include <stdint.h>

/* Most scans a JPEG may have. Baseline files have 1, progressive encoders
 * write about 10 (libjpeg, mozjpeg, Photoshop: 3 to 20); a file with
 * thousands of scans is built to keep a worker busy. */
#define JPEGDEC_MAX_SCANS 100

/* Decode work allowed: 8x8 blocks entropy-decoded, summed over the scans,
 * at most JPEGDEC_PASSES blocks per 64 pixels of the pixel limit, i.e. 32
 * passes over one full-size colour component of the largest picture
 * allowed. A baseline file costs 1.5 (4:2:0) to 3 (4:4:4) such passes, a
 * progressive one from libjpeg 8 to 14; 32 leaves room for encoders with
 * finer progressions. Each pass over 40 megapixels costs 10-20 ms. */
#define JPEGDEC_PASSES 32

struct jpegdec_stats {
	uint32_t width, height; /* of the file (its frame header) */
	uint32_t scale;		/* decoded at scale/8 of width and height */
	int scans;		/* scans seen, the refused one included */
	uint64_t blocks;	/* blocks of the scans seen */
	uint64_t budget;	/* blocks allowed */
};

/* Decode the JPEG d[0..len) into a new truecolor gd image: YCbCr, RGB and
 * greyscale files to RGB, CMYK and YCCK ones through the same simple ink
 * formula as libgd (Adobe files inverted), so pixels match libgd's. With
 * min_side > 0 the picture is decoded at the smallest DCT scale (1/8, 2/8 ..
 * 8/8) whose longer side is still at least min_side: much less work when a
 * small copy is all that is needed. The work is bounded before it is done:
 * the scan count by JPEGDEC_MAX_SCANS, the blocks by the budget above, the
 * size by max_pixels. Returns 0 and sets *out, or
 *   400 damaged or not decodable (libjpeg refused it),
 *   413 the frame is larger than max_pixels,
 *   422 too many scans, or more decoding work than the budget,
 *   500 out of memory,
 * with a static reason in *why. st (may be NULL) gets the counts, also on
 * failure. Safe on any input (fuzzed); warnings of libjpeg (corrupt data it
 * decodes anyway) are not failures, as with libgd. */
int jpegdec_decode(const unsigned char *d, size_t len, uint64_t max_pixels, uint32_t min_side,
		   gdImagePtr *out, struct jpegdec_stats *st, const char **why);

/* jpegdec_decode at the smallest DCT scale whose width is at least need_w
 * and whose height is at least need_h (sides of the file as stored, before
 * any EXIF orientation; a need larger than the side asks for full size):
 * the first display sizes of a post's picture come from a decode this
 * small (image.c). Same bounds, results and reasons. */
int jpegdec_decode_cover(const unsigned char *d, size_t len, uint64_t max_pixels, uint32_t need_w,
			 uint32_t need_h, gdImagePtr *out, struct jpegdec_stats *st,
			 const char **why);

#endif
