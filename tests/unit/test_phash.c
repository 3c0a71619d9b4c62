/* test_phash.c - unit tests for the perceptual hash: robustness to re-encoding, distinctness,
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "imgsniff.h"
#include "phash.h"

/* libgd 2.3.3 leaks in its AVIF encoder (libgd #831); the encoder is only
 * used to make a test image, so LeakSanitizer is told to look away there. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON()  __lsan_enable()
#else
#define LSAN_OFF()
#define LSAN_ON()
#endif

#define MP40   40000000ull
#define NSEEDS 6

/* ---- pictures (the drawing idea of tests/tools/mkimage.c) ---- */

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Seeded smooth waves (their frequency and phase depend on the seed) plus
 * large seeded circles and rectangles. */
static gdImagePtr picture(int w, int h, uint32_t seed)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	uint32_t s = seed * 2654435761u + 1;
	double fx = (rnd(&s) % 2 ? -1 : 1) * (0.5 + (double)(rnd(&s) % 100) / 80),
	       fy = 0.3 + (double)(rnd(&s) % 100) / 120;
	double phase = (double)(rnd(&s) % 628) / 100;
	int tint = (int)(rnd(&s) % 256);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			double t = 6.2832 * (fx * x / w + fy * y / h) + phase;
			int v = (int)(128 + 110 * sin(t));
			im->tpixels[y][x] = gdTrueColor(v, (v + tint) / 2, (tint + v / 3) % 256);
		}
	}
	int m = w < h ? w : h;
	for (int i = 0; i < 8; i++) {
		int c =
		    gdTrueColor((int)(rnd(&s) % 256), (int)(rnd(&s) % 256), (int)(rnd(&s) % 256));
		int cx = (int)(rnd(&s) % (uint32_t)w), cy = (int)(rnd(&s) % (uint32_t)h);
		int r = m / 10 + (int)(rnd(&s) % (uint32_t)(1 + m / 4));
		if (i % 2)
			gdImageFilledEllipse(im, cx, cy, 2 * r, 2 * r, c);
		else
			gdImageFilledRectangle(im, cx - r, cy - r / 2, cx + r, cy + r / 2, c);
	}
	return im;
}

/* An encoded copy in malloc'd memory (fmt "jpeg", "png", "webp", "avif"). */
static unsigned char *encode(gdImagePtr im, const char *fmt, int quality, size_t *n)
{
	int size = 0;
	void *p = NULL;
	if (strcmp(fmt, "jpeg") == 0) {
		p = gdImageJpegPtr(im, &size, quality);
	} else if (strcmp(fmt, "png") == 0) {
		p = gdImagePngPtr(im, &size);
	} else if (strcmp(fmt, "webp") == 0) {
		p = gdImageWebpPtrEx(im, &size, quality);
	} else if (strcmp(fmt, "avif") == 0) {
		LSAN_OFF();
		p = gdImageAvifPtrEx(im, &size, quality, 10);
		LSAN_ON();
	}
	assert_non_null(p);
	assert_true(size > 0);
	unsigned char *copy = malloc((size_t)size);
	assert_non_null(copy);
	memcpy(copy, p, (size_t)size);
	gdFree(p);
	*n = (size_t)size;
	return copy;
}

static gdImagePtr resized(gdImagePtr im, int w, int h)
{
	gdImagePtr r = gdImageCreateTrueColor(w, h);
	assert_non_null(r);
	gdImageCopyResampled(r, im, 0, 0, 0, 0, w, h, gdImageSX(im), gdImageSY(im));
	return r;
}

static uint64_t hash_gd(gdImagePtr im)
{
	uint64_t h = 1;
	assert_int_equal(phash_dhash_gd(im, &h), 0);
	return h;
}

/* Hash of im encoded as fmt at quality q; the call must succeed. */
static uint64_t hash_encoded(gdImagePtr im, const char *fmt, int q)
{
	size_t n;
	unsigned char *p = encode(im, fmt, q, &n);
	uint64_t h = 1;
	const char *why = NULL;
	int rc = phash_dhash(p, n, MP40, &h, &why);
	if (rc != 0)
		fail_msg("%s: %d %s", fmt, rc, why ? why : "(null)");
	free(p);
	return h;
}

/* ---- robustness ---- */

static void test_png_equals_gd(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= NSEEDS; seed++) {
		gdImagePtr im = picture(320, 240, seed);
		uint64_t h = hash_gd(im);
		assert_int_not_equal(h, 0); /* a real picture has both kinds of bits */
		assert_int_not_equal(h, ~0ull);
		assert_int_equal(hash_encoded(im, "png", 0), h); /* lossless: exact */
		gdImageDestroy(im);
	}
}

static void test_jpeg_q60_near(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= NSEEDS; seed++) {
		gdImagePtr im = picture(320, 240, seed);
		uint64_t h = hash_gd(im);
		assert_in_range(phash_distance(h, hash_encoded(im, "jpeg", 60)), 0, 6);
		/* libwebp at 60 blurs more than libjpeg; 90 is a usual upload quality */
		assert_in_range(phash_distance(h, hash_encoded(im, "webp", 90)), 0, 6);
		gdImageDestroy(im);
	}
}

/* Resized to pct percent, then saved as JPEG at quality 60. */
static void check_resize(int pct)
{
	for (uint32_t seed = 1; seed <= NSEEDS; seed++) {
		gdImagePtr im = picture(320, 240, seed);
		gdImagePtr r = resized(im, 320 * pct / 100, 240 * pct / 100);
		uint64_t h = hash_gd(im);
		assert_in_range(phash_distance(h, hash_gd(r)), 0, 6);
		assert_in_range(phash_distance(h, hash_encoded(r, "jpeg", 60)), 0, 6);
		gdImageDestroy(r);
		gdImageDestroy(im);
	}
}

static void test_resize_half_near(void **state)
{
	(void)state;
	check_resize(50);
}

static void test_resize_130_near(void **state)
{
	(void)state;
	check_resize(130);
}

static void test_brightness_near(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= NSEEDS; seed++) {
		gdImagePtr im = picture(320, 240, seed);
		uint64_t h = hash_gd(im);
		gdImageBrightness(im, 20);
		assert_in_range(phash_distance(h, hash_gd(im)), 0, 8);
		assert_in_range(phash_distance(h, hash_encoded(im, "jpeg", 60)), 0, 8);
		gdImageDestroy(im);
	}
}

/* ---- distinctness ---- */

static void test_different_far(void **state)
{
	(void)state;
	uint64_t h[NSEEDS];
	for (int i = 0; i < NSEEDS; i++) {
		gdImagePtr im = picture(320, 240, (uint32_t)i + 1);
		h[i] = hash_gd(im);
		gdImageDestroy(im);
	}
	for (int i = 0; i < NSEEDS; i++) {
		for (int j = i + 1; j < NSEEDS; j++) {
			int d = phash_distance(h[i], h[j]);
			if (d < 20)
				fail_msg("seeds %d and %d: distance %d", i + 1, j + 1, d);
		}
	}
}

static void test_mirror_far(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= NSEEDS; seed++) {
		gdImagePtr im = picture(320, 240, seed);
		uint64_t h = hash_gd(im);
		gdImageFlipHorizontal(im);
		assert_in_range(phash_distance(h, hash_gd(im)), 20, 64);
		gdImageDestroy(im);
	}
}

/* A JPEG with an APP1 Exif segment holding only Orientation = o. */
static unsigned char *jpeg_with_orientation(gdImagePtr im, int o, size_t *n)
{
	static const unsigned char app1_head[] = {
	    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, /* APP1, length 34 */
	    'M',  'M',	0x00, 0x2a, 0,	 0,   0,   8,	      /* TIFF, IFD0 at 8 */
	    0,	  1,					      /* one entry */
	    0x01, 0x12, 0,    3,    0,	 0,   0,   1,	      /* Orientation SHORT */
	};
	static const unsigned char app1_tail[] = {0, 0, 0, 0, 0, 0}; /* pad, next IFD 0 */
	size_t jn;
	unsigned char *jpg = encode(im, "jpeg", 95, &jn);
	size_t extra = sizeof(app1_head) + 2 + sizeof(app1_tail);
	unsigned char *p = malloc(jn + extra);
	assert_non_null(p);
	memcpy(p, jpg, 2); /* SOI */
	memcpy(p + 2, app1_head, sizeof(app1_head));
	p[2 + sizeof(app1_head)] = 0;
	p[3 + sizeof(app1_head)] = (unsigned char)o;
	memcpy(p + 4 + sizeof(app1_head), app1_tail, sizeof(app1_tail));
	memcpy(p + 2 + extra, jpg + 2, jn - 2);
	free(jpg);
	*n = jn + extra;
	return p;
}

static void test_exif_orientation_undone(void **state)
{
	(void)state;
	gdImagePtr im = picture(320, 240, 3);
	uint64_t plain = hash_gd(im);
	size_t n;
	unsigned char *p = jpeg_with_orientation(im, 3, &n); /* 180 degrees */
	assert_int_equal(imgsniff_exif_orientation(p, n), 3);
	uint64_t h = 0;
	const char *why = NULL;
	int rc = phash_dhash(p, n, MP40, &h, &why);
	if (rc != 0)
		fail_msg("%d %s", rc, why);
	gdImageFlipBoth(im); /* orientation 3 is a half turn */
	assert_in_range(phash_distance(hash_gd(im), h), 0, 6);
	assert_in_range(phash_distance(plain, h), 20, 64);
	free(p);
	gdImageDestroy(im);
}

/* ---- edge cases and errors ---- */

static void test_tiny_images(void **state)
{
	(void)state;
	static const int sizes[][2] = {{1, 1}, {2, 1}, {1, 2}, {3, 3}, {9, 8}, {17, 5}};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		gdImagePtr im = picture(sizes[i][0], sizes[i][1], 5);
		uint64_t h = hash_gd(im);
		assert_int_equal(hash_encoded(im, "png", 0), h);
		gdImageDestroy(im);
	}
	/* one pixel: every cell is that pixel, no cell is brighter */
	gdImagePtr one = gdImageCreateTrueColor(1, 1);
	one->tpixels[0][0] = gdTrueColor(200, 10, 10);
	assert_int_equal(hash_gd(one), 0);
	gdImageDestroy(one);
	/* two pixels, bright left of dark: 9 cells W W W W mid B B B B, so
	 * comparisons 3 and 4 of every row are set */
	gdImagePtr two = gdImageCreateTrueColor(2, 1);
	two->tpixels[0][0] = gdTrueColor(255, 255, 255);
	two->tpixels[0][1] = gdTrueColor(0, 0, 0);
	assert_int_equal(hash_gd(two), 0x1818181818181818ull);
	gdImageDestroy(two);
	uint64_t h = 7;
	assert_int_equal(phash_dhash_gd(NULL, &h), -1);
	assert_int_equal(h, 0);
}

static void test_palette_and_alpha(void **state)
{
	(void)state;
	/* a palette image hashes like the same picture in truecolor: white
	 * left half on black; cell 4 of 9 straddles the edge, so comparisons 3
	 * and 4 of every row are set */
	gdImagePtr pal = gdImageCreate(90, 80);
	gdImagePtr tc = gdImageCreateTrueColor(90, 80);
	int pk = gdImageColorAllocate(pal, 5, 5, 5); /* the first colour is the background */
	int pw = gdImageColorAllocate(pal, 250, 250, 250);
	gdImageFilledRectangle(pal, 0, 0, 44, 79, pw);
	gdImageFilledRectangle(tc, 0, 0, 89, 79, gdTrueColor(5, 5, 5));
	gdImageFilledRectangle(tc, 0, 0, 44, 79, gdTrueColor(250, 250, 250));
	uint64_t h = hash_gd(pal);
	assert_int_equal(h, hash_gd(tc));
	assert_int_equal(h, 0x1818181818181818ull);
	/* transparent black counts as white: the picture goes flat */
	gdImageColorTransparent(pal, pk);
	assert_int_equal(hash_gd(pal), 0);
	gdImageAlphaBlending(tc, 0);
	gdImageFilledRectangle(tc, 45, 0, 89, 79, gdTrueColorAlpha(5, 5, 5, gdAlphaTransparent));
	assert_int_equal(hash_gd(tc), 0);
	gdImageDestroy(pal);
	gdImageDestroy(tc);
}

static void test_truncated_400(void **state)
{
	(void)state;
	static const char *fmts[] = {"jpeg", "png", "webp"};
	gdImagePtr im = picture(200, 150, 2);
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		size_t n;
		unsigned char *p = encode(im, fmts[f], 80, &n);
		for (size_t cut = n - 1; cut > 0; cut -= 1 + cut / 6) {
			uint64_t h = 5;
			const char *why = NULL;
			int rc = phash_dhash(p, cut, MP40, &h, &why);
			if (rc != 400 && rc != 415)
				fail_msg("%s cut at %zu of %zu: %d", fmts[f], cut, n, rc);
			assert_non_null(why);
			assert_int_equal(h, 0);
			if (cut > 64) /* past the magic and the size: damaged */
				assert_int_equal(rc, 400);
		}
		free(p);
	}
	gdImageDestroy(im);
}

static void test_not_hashable(void **state)
{
	(void)state;
	static const char text[] = "hello, this is a text file named cat.jpg\n";
	uint64_t h = 5;
	const char *why = NULL;
	assert_int_equal(phash_dhash((const unsigned char *)text, sizeof(text) - 1, MP40, &h, &why),
			 415);
	assert_non_null(why);
	assert_int_equal(h, 0);
	assert_int_equal(phash_dhash((const unsigned char *)"", 0, MP40, &h, &why), 415);

	gdImagePtr im = picture(64, 48, 4);
	size_t n;
	unsigned char *p = encode(im, "avif", 60, &n);
	why = NULL;
	assert_int_equal(phash_dhash(p, n, MP40, &h, &why), 415);
	assert_string_equal(why, "AVIF images are unsupported for hashing");
	free(p);

	/* over the pixel limit: refused from the header, with a static reason */
	p = encode(im, "png", 0, &n);
	why = NULL;
	assert_int_equal(phash_dhash(p, n, 64 * 48 - 1, &h, &why), 413);
	assert_string_equal(why, "the image has too many pixels");
	assert_int_equal(phash_dhash(p, n, 64 * 48, &h, &why), 0);
	free(p);
	gdImageDestroy(im);
}

/* ---- hash values ---- */

static void test_hex_round_trip(void **state)
{
	(void)state;
	static const uint64_t vals[] = {
	    0, 1, 0x0123456789abcdefull, 0xfedcba9876543210ull, ~0ull, 0x8000000000000000ull};
	char hex[17];
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t back = 0;
		phash_hex(vals[i], hex);
		assert_int_equal(strlen(hex), 16);
		assert_int_equal(phash_parse(hex, &back), 0);
		assert_int_equal(back, vals[i]);
	}
	phash_hex(0x0123456789abcdefull, hex);
	assert_string_equal(hex, "0123456789abcdef");
	uint64_t v = 42;
	assert_int_equal(phash_parse("FEDCBA9876543210", &v), 0);
	assert_int_equal(v, 0xfedcba9876543210ull);
	static const char *bad[] = {"",
				    "0123456789abcde",
				    "0123456789abcdef0",
				    "0123456789abcdeg",
				    " 123456789abcdef",
				    "0x23456789abcdef",
				    "0123456789abcde\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		assert_int_equal(phash_parse(bad[i], &v), -1);
		assert_int_equal(v, 42);
	}
	assert_int_equal(phash_parse(NULL, &v), -1);
}

static void test_distance(void **state)
{
	(void)state;
	static const uint64_t vals[] = {0, 1, 0x0123456789abcdefull, ~0ull, 0xaaaaaaaaaaaaaaaaull};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		assert_int_equal(phash_distance(vals[i], vals[i]), 0);
		assert_int_equal(phash_distance(vals[i], ~vals[i]), 64);
	}
	assert_int_equal(phash_distance(0, 1), 1);
	assert_int_equal(phash_distance(0xf0, 0x0f), 8);
	assert_int_equal(phash_distance(0x8000000000000000ull, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_png_equals_gd),    cmocka_unit_test(test_jpeg_q60_near),
	    cmocka_unit_test(test_resize_half_near), cmocka_unit_test(test_resize_130_near),
	    cmocka_unit_test(test_brightness_near),  cmocka_unit_test(test_different_far),
	    cmocka_unit_test(test_mirror_far),	     cmocka_unit_test(test_exif_orientation_undone),
	    cmocka_unit_test(test_tiny_images),	     cmocka_unit_test(test_palette_and_alpha),
	    cmocka_unit_test(test_truncated_400),    cmocka_unit_test(test_not_hashable),
	    cmocka_unit_test(test_hex_round_trip),   cmocka_unit_test(test_distance),
	};
	image_quiet_warnings();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
