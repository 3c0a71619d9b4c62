/* phash.c - 64-bit difference hash (dHash) of images over libgd, for the image blocklist. */
#include "phash.h"

#include <limits.h>
#include <string.h>

#include "image.h"
#include "imgsniff.h"

#define WHY_DAMAGED  "the image file is damaged or truncated"
#define WHY_MISMATCH "the image size does not match its header"
#define WHY_HUGE     "the image file is too large"
#define WHY_PIXELS   "the image has too many pixels"
#define WHY_AVIF     "AVIF images are unsupported for hashing"

#define GRID_W 9 /* 9 columns give 8 left/right comparisons per row */
#define GRID_H 8

/* ---- pixels ---- */

/* Channel value c seen through gd alpha a (0 opaque .. 127 clear) on white. */
static unsigned on_white(unsigned c, unsigned a)
{
	return (c * (gdAlphaMax - a) + 255u * a + gdAlphaMax / 2) / gdAlphaMax;
}

/* Luma of pixel (x, y), flattened on white, scaled 0..65280 (BT.601 weights
 * 77/150/29 out of 256, kept unshifted for precision). */
static unsigned grey_at(gdImagePtr im, int x, int y)
{
	unsigned r, g, b, a;
	if (im->trueColor) {
		int c = im->tpixels[y][x];
		r = (unsigned)gdTrueColorGetRed(c);
		g = (unsigned)gdTrueColorGetGreen(c);
		b = (unsigned)gdTrueColorGetBlue(c);
		a = (unsigned)gdTrueColorGetAlpha(c);
	} else {
		int i = im->pixels[y][x];
		r = (unsigned)im->red[i];
		g = (unsigned)im->green[i];
		b = (unsigned)im->blue[i];
		a = i == im->transparent ? gdAlphaMax : (unsigned)im->alpha[i];
	}
	if (a > gdAlphaMax)
		a = gdAlphaMax;
	return 77u * on_white(r, a) + 150u * on_white(g, a) + 29u * on_white(b, a);
}

/* The source pixel (of a w x h image) that lands on (x, y) once EXIF
 * orientation o is undone (the same mapping as image_store uses). */
static void orient_src(int o, int w, int h, int x, int y, int *sx, int *sy)
{
	int fx = w - 1 - x, fy = h - 1 - y; /* flipped, same axes */
	int tx = w - 1 - y, ty = h - 1 - x; /* flipped, swapped axes */
	if (o >= 5) {
		*sx = (o == 5 || o == 6) ? y : tx;
		*sy = (o == 5 || o == 8) ? x : ty;
	} else {
		*sx = (o == 2 || o == 3) ? fx : x;
		*sy = (o == 3 || o == 4) ? fy : y;
	}
}

/* ---- area average ----
 * Along an axis of len source pixels shrunk to n cells, measured in units of
 * 1/(len*n): pixel p covers [p*n, p*n + n), cell k covers [k*len, k*len +
 * len). Every cell then has the same area, so the weighted sums compare
 * exactly like the averages would. */

/* Adds v times the overlap of pixel p with each cell it touches to acc[]. */
static void spread(uint64_t *acc, int n, int len, int p, uint64_t v)
{
	int64_t lo = (int64_t)p * n, hi = lo + n;
	for (int64_t k = lo / len; k <= (hi - 1) / len && k < n; k++) {
		int64_t c0 = k * len, c1 = c0 + len;
		int64_t ov = (hi < c1 ? hi : c1) - (lo > c0 ? lo : c0);
		acc[k] += v * (uint64_t)ov;
	}
}

/* Weighted sums of the greyscale image (as seen after orientation o) over a
 * GRID_H x GRID_W grid of equal areas. */
static void grid_sums(gdImagePtr im, int o, uint64_t cell[GRID_H][GRID_W])
{
	int w = gdImageSX(im), h = gdImageSY(im);
	int ow = o >= 5 ? h : w, oh = o >= 5 ? w : h;

	memset(cell, 0, sizeof(uint64_t) * GRID_H * GRID_W);
	for (int y = 0; y < oh; y++) {
		uint64_t row[GRID_W] = {0};
		for (int x = 0; x < ow; x++) {
			int sx, sy;
			orient_src(o, w, h, x, y, &sx, &sy);
			spread(row, GRID_W, ow, x, grey_at(im, sx, sy));
		}
		for (int j = 0; j < GRID_W; j++) {
			uint64_t col[GRID_H] = {0};
			spread(col, GRID_H, oh, y, row[j]);
			for (int i = 0; i < GRID_H; i++)
				cell[i][j] += col[i];
		}
	}
}

static int dhash_oriented(gdImagePtr im, int o, uint64_t *out)
{
	uint64_t cell[GRID_H][GRID_W];
	uint64_t h = 0;

	*out = 0;
	if (!im || gdImageSX(im) <= 0 || gdImageSY(im) <= 0)
		return -1;
	grid_sums(im, o, cell);
	for (int i = 0; i < GRID_H; i++)
		for (int j = 0; j < GRID_W - 1; j++)
			h = (h << 1) | (cell[i][j] > cell[i][j + 1]);
	*out = h;
	return 0;
}

int phash_dhash_gd(gdImagePtr im, uint64_t *out)
{
	return dhash_oriented(im, 1, out);
}

/* ---- encoded input ---- */

static gdImagePtr decode(enum image_format f, const unsigned char *d, size_t len)
{
	void *p = (void *)d; /* libgd only reads it */
	int n = (int)len;
	switch (f) {
	case IMG_JPEG:
		return gdImageCreateFromJpegPtr(n, p);
	case IMG_PNG:
		return gdImageCreateFromPngPtr(n, p);
	case IMG_WEBP:
		return gdImageCreateFromWebpPtr(n, p);
	default:
		return NULL;
	}
}

int phash_dhash(const unsigned char *encoded, size_t len, uint64_t max_pixels, uint64_t *out,
		const char **why)
{
	struct image_info info;

	*out = 0;
	int rc = image_sniff(encoded, len, max_pixels, &info, why);
	if (rc != 0) {
		if (*why == info.reason) /* points into our stack frame */
			*why = rc == 413 ? WHY_PIXELS : WHY_DAMAGED;
		return rc;
	}
	if (info.format == IMG_AVIF) {
		*why = WHY_AVIF;
		return 415;
	}
	if (len > INT_MAX) {
		*why = WHY_HUGE;
		return 413;
	}
	if (!imgsniff_complete(info.format, encoded, len)) {
		*why = WHY_DAMAGED;
		return 400;
	}
	gdImagePtr im = decode(info.format, encoded, len);
	if (!im) {
		*why = WHY_DAMAGED;
		return 400;
	}
	if ((uint32_t)gdImageSX(im) != info.width || (uint32_t)gdImageSY(im) != info.height) {
		gdImageDestroy(im);
		*why = WHY_MISMATCH;
		return 400;
	}
	int o = info.format == IMG_JPEG ? imgsniff_exif_orientation(encoded, len) : 1;
	rc = dhash_oriented(im, o >= 1 && o <= 8 ? o : 1, out);
	gdImageDestroy(im);
	if (rc != 0) {
		*why = WHY_DAMAGED;
		return 400;
	}
	return 0;
}

/* ---- hash values ---- */

int phash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

void phash_hex(uint64_t h, char out[17])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[i] = digits[h & 0xf];
		h >>= 4;
	}
	out[16] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int phash_parse(const char *hex, uint64_t *out)
{
	uint64_t h = 0;
	if (!hex)
		return -1;
	for (int i = 0; i < 16; i++) {
		int v = hex_value(hex[i]); /* stops at a NUL: -1 */
		if (v < 0)
			return -1;
		h = (h << 4) | (uint64_t)v;
	}
	if (hex[16] != '\0')
		return -1;
	*out = h;
	return 0;
}
