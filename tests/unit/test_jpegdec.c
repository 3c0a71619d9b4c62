/* test_jpegdec.c - unit tests for the bounded JPEG decoder: pixels, colour spaces, scale, scans,
 * work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "../tools/jpegcraft.h"
#include "image.h"
#include "jpegdec.h"

#define MP40 40000000ull

/* ---- helpers ---- */

static int sample(int x, int y, int c)
{
	return (x * 3 + y * 5 + c * 70 + ((x / 16 + y / 16) % 2) * 90) & 255;
}

/* w x h encoded by libjpeg from in_cs samples (JCS_RGB, JCS_GRAYSCALE or
 * JCS_CMYK), stored as file_cs, with or without an Adobe APP14 marker. */
static unsigned char *lj_encode(int w, int h, J_COLOR_SPACE in_cs, J_COLOR_SPACE file_cs, int adobe,
				int progressive, size_t *n)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr err;
	unsigned char *buf = NULL;
	unsigned long size = 0;
	int comps = in_cs == JCS_GRAYSCALE ? 1 : in_cs == JCS_CMYK ? 4 : 3;
	ci.err = jpeg_std_error(&err);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &buf, &size);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = comps;
	ci.in_color_space = in_cs;
	jpeg_set_defaults(&ci);
	jpeg_set_colorspace(&ci, file_cs);
	ci.write_Adobe_marker = adobe;
	jpeg_set_quality(&ci, 90, TRUE);
	if (progressive)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	JSAMPLE *row = malloc((size_t)w * (size_t)comps);
	assert_non_null(row);
	while (ci.next_scanline < ci.image_height) {
		int y = (int)ci.next_scanline;
		for (int x = 0; x < w; x++)
			for (int c = 0; c < comps; c++)
				row[x * comps + c] = (JSAMPLE)sample(x, y, c);
		JSAMPROW rp = row;
		jpeg_write_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(row);
	*n = size;
	return buf;
}

/* A gd picture encoded by libgd (progressive when interlaced). */
static unsigned char *gd_jpeg(int w, int h, int progressive, size_t *n)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] =
			    gdTrueColor(sample(x, y, 0), sample(x, y, 1), sample(x, y, 2));
	gdImageInterlace(im, progressive);
	int size = 0;
	void *p = gdImageJpegPtr(im, &size, 90);
	gdImageDestroy(im);
	assert_non_null(p);
	unsigned char *q = malloc((size_t)size);
	assert_non_null(q);
	memcpy(q, p, (size_t)size);
	gdFree(p);
	*n = (size_t)size;
	return q;
}

static void assert_same_pixels(gdImagePtr a, gdImagePtr b)
{
	assert_int_equal(gdImageSX(a), gdImageSX(b));
	assert_int_equal(gdImageSY(a), gdImageSY(b));
	assert_true(gdImageTrueColor(a) && gdImageTrueColor(b));
	for (int y = 0; y < gdImageSY(a); y++)
		assert_memory_equal(a->tpixels[y], b->tpixels[y],
				    (size_t)gdImageSX(a) * sizeof(int));
}

/* ---- tests ---- */

/* Every colour space decodes to exactly the pixels libgd made of it. */
static void test_same_pixels_as_libgd(void **state)
{
	static const struct {
		J_COLOR_SPACE in, file;
		int adobe, progressive, scans;
	} cases[] = {
	    {JCS_RGB, JCS_YCbCr, 0, 0, 1},
	    {JCS_RGB, JCS_YCbCr, 0, 1, 10},
	    {JCS_RGB, JCS_RGB, 1, 0, 1},
	    {JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0, 1},
	    {JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 1, 6},
	    {JCS_CMYK, JCS_CMYK, 1, 0, 1},
	    {JCS_CMYK, JCS_CMYK, 0, 0, 1},
	    {JCS_CMYK, JCS_YCCK, 1, 1, 18},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		unsigned char *p = lj_encode(77, 45, cases[i].in, cases[i].file, cases[i].adobe,
					     cases[i].progressive, &n);
		gdImagePtr want = gdImageCreateFromJpegPtr((int)n, p), got = NULL;
		assert_non_null(want);
		struct jpegdec_stats st;
		const char *why = NULL;
		assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 0);
		assert_same_pixels(got, want);
		assert_int_equal(st.width, 77);
		assert_int_equal(st.height, 45);
		assert_int_equal(st.scale, 8);
		assert_int_equal(st.scans, cases[i].scans);
		gdImageDestroy(got);
		gdImageDestroy(want);
		free(p);
	}
	for (int progressive = 0; progressive < 2; progressive++) {
		size_t n;
		unsigned char *p = gd_jpeg(300, 200, progressive, &n);
		gdImagePtr want = gdImageCreateFromJpegPtr((int)n, p), got = NULL;
		struct jpegdec_stats st;
		const char *why = NULL;
		assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 0);
		assert_same_pixels(got, want);
		assert_int_equal(st.scans, progressive ? 10 : 1);
		gdImageDestroy(got);
		gdImageDestroy(want);
		free(p);
	}
}

/* The smallest DCT scale whose longer side still reaches min_side. */
static void test_reduced_scale(void **state)
{
	static const struct {
		int w, h;
		uint32_t min_side, scale;
		int ow, oh;
	} cases[] = {
	    {2000, 1000, 640, 3, 750, 375}, {1000, 2000, 640, 3, 375, 750},
	    {2000, 1000, 250, 1, 250, 125}, {2000, 1000, 251, 2, 500, 250},
	    {2000, 1000, 0, 8, 2000, 1000}, {600, 400, 640, 8, 600, 400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		unsigned char *p = gd_jpeg(cases[i].w, cases[i].h, (int)(i & 1), &n);
		gdImagePtr got = NULL;
		struct jpegdec_stats st;
		const char *why = NULL;
		assert_int_equal(jpegdec_decode(p, n, MP40, cases[i].min_side, &got, &st, &why), 0);
		assert_int_equal(st.scale, cases[i].scale);
		assert_int_equal(st.width, cases[i].w);
		assert_int_equal(st.height, cases[i].h);
		assert_int_equal(gdImageSX(got), cases[i].ow);
		assert_int_equal(gdImageSY(got), cases[i].oh);
		/* the picture is the same, smaller: a pixel's colour is close */
		int c = gdImageGetTrueColorPixel(got, cases[i].ow / 2, cases[i].oh / 2);
		int x = cases[i].w / 2, y = cases[i].h / 2;
		assert_true(abs(gdTrueColorGetRed(c) - sample(x, y, 0)) < 40);
		gdImageDestroy(got);
		free(p);
	}
	/* CMYK at a reduced scale too */
	size_t n;
	unsigned char *p = lj_encode(800, 600, JCS_CMYK, JCS_CMYK, 1, 1, &n);
	gdImagePtr got = NULL;
	const char *why = NULL;
	assert_int_equal(jpegdec_decode(p, n, MP40, 100, &got, NULL, &why), 0);
	assert_int_equal(gdImageSX(got), 100);
	assert_int_equal(gdImageSY(got), 75);
	gdImageDestroy(got);
	free(p);
}

/* A picture decoded at a reduced DCT scale looks like the full decode
 * area-averaged to that size: 2048 px at 5/8 is the 1280 px display size. */
static void test_reduced_scale_looks_right(void **state)
{
	(void)state;
	gdImagePtr im = gdImageCreateTrueColor(2048, 1536);
	assert_non_null(im);
	for (int y = 0; y < 1536; y++)
		for (int x = 0; x < 2048; x++)
			im->tpixels[y][x] = gdTrueColor(x / 8, y / 6, (x + y) / 14);
	gdImageFilledEllipse(im, 1024, 768, 700, 500, gdTrueColor(250, 20, 120));
	int size = 0;
	unsigned char *p = gdImageJpegPtr(im, &size, 90);
	gdImageDestroy(im);
	assert_non_null(p);
	gdImagePtr full = NULL, got = NULL;
	struct jpegdec_stats st;
	const char *why = NULL;
	assert_int_equal(jpegdec_decode(p, (size_t)size, MP40, 0, &full, NULL, &why), 0);
	assert_int_equal(jpegdec_decode(p, (size_t)size, MP40, 1280, &got, &st, &why), 0);
	assert_int_equal(st.scale, 5);
	assert_int_equal(gdImageSX(got), 1280);
	assert_int_equal(gdImageSY(got), 960);
	gdImagePtr want = gdImageCreateTrueColor(1280, 960);
	assert_non_null(want);
	gdImageCopyResampled(want, full, 0, 0, 0, 0, 1280, 960, 2048, 1536);
	double sum = 0;
	for (int y = 0; y < 960; y++) {
		for (int x = 0; x < 1280; x++) {
			int a = got->tpixels[y][x], b = want->tpixels[y][x];
			sum += abs(gdTrueColorGetRed(a) - gdTrueColorGetRed(b)) +
			       abs(gdTrueColorGetGreen(a) - gdTrueColorGetGreen(b)) +
			       abs(gdTrueColorGetBlue(a) - gdTrueColorGetBlue(b));
		}
	}
	assert_true(sum / (1280.0 * 960 * 3) < 2.0);
	gdImageDestroy(want);
	gdImageDestroy(full);
	gdImageDestroy(got);
	gdFree(p);
}

/* Thousands of scans: refused once the cap is passed, before decoding the
 * rest; a file just under the cap decodes to the same picture. */
static void test_scan_cap(void **state)
{
	size_t n, pn;
	unsigned char *plain = gd_jpeg(320, 240, 1, &pn);
	gdImagePtr want = gdImageCreateFromJpegPtr((int)pn, plain), got = NULL;
	struct jpegdec_stats st;
	const char *why = NULL;

	unsigned char *p = jpegcraft_scans(plain, pn, 3000, &n);
	assert_non_null(p);
	assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 422);
	assert_null(got);
	assert_int_equal(st.scans, JPEGDEC_MAX_SCANS + 1);
	assert_non_null(strstr(why, "more than 100 scans"));
	assert_true(st.blocks < st.budget); /* the cap, not the work, stopped it */
	free(p);

	p = jpegcraft_scans(plain, pn, JPEGDEC_MAX_SCANS - 10, &n);
	assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 0);
	assert_int_equal(st.scans, JPEGDEC_MAX_SCANS);
	assert_same_pixels(got, want);
	gdImageDestroy(got);
	free(p);

	p = jpegcraft_scans(plain, pn, JPEGDEC_MAX_SCANS - 9, &n);
	assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 422);
	assert_int_equal(st.scans, JPEGDEC_MAX_SCANS + 1);
	free(p);
	gdImageDestroy(want);
	free(plain);
}

/* Fewer scans than the cap, but each a full pass over a large picture: the
 * decode stops at the scan that goes over the budget. */
static void test_work_budget(void **state)
{
	size_t n, pn;
	unsigned char *plain = gd_jpeg(320, 240, 1, &pn);
	const uint64_t maxpx = 320 * 240; /* budget: 32 passes of 1200 blocks */
	const uint64_t luma = 40 * 30;	  /* blocks of one extra scan */
	gdImagePtr got = NULL;
	struct jpegdec_stats st;
	const char *why = NULL;

	assert_int_equal(jpegdec_decode(plain, pn, maxpx, 0, &got, &st, &why), 0);
	assert_int_equal(st.budget, JPEGDEC_PASSES * luma);
	assert_int_equal(st.blocks, 14 * luma); /* libjpeg's progression, 4:4:4 */
	uint64_t base = st.blocks;
	gdImageDestroy(got);

	unsigned char *p = jpegcraft_scans(plain, pn, 60, &n);
	assert_int_equal(jpegdec_decode(p, n, maxpx, 0, &got, &st, &why), 422);
	assert_null(got);
	assert_non_null(strstr(why, "repeats its scans"));
	assert_true(st.scans < JPEGDEC_MAX_SCANS);
	assert_true(st.blocks > st.budget);
	assert_true(st.blocks <= st.budget + luma);
	assert_int_equal(st.scans, 10 + (int)((st.budget - base) / luma) + 1);
	/* with the budget of 40 megapixels, the same file is fine */
	assert_int_equal(jpegdec_decode(p, n, MP40, 0, &got, &st, &why), 0);
	assert_int_equal(st.scans, 70);
	assert_int_equal(st.blocks, base + 60 * luma);
	gdImageDestroy(got);
	free(p);
	free(plain);
}

static void test_rejects(void **state)
{
	size_t n;
	unsigned char *p = gd_jpeg(200, 150, 1, &n);
	gdImagePtr got = NULL;
	struct jpegdec_stats st;
	const char *why = NULL;

	assert_int_equal(jpegdec_decode(p, n, 200 * 150 - 1, 0, &got, &st, &why), 413);
	assert_string_equal(why, "the JPEG frame is larger than the pixel limit");
	assert_null(got);
	/* A file cut short is refused, also when an end marker was put back
	 * after the cut (libjpeg would fill the rest in grey and decode on). */
	unsigned char *cutp = malloc(n + 2);
	assert_non_null(cutp);
	for (size_t cut = n - 1; cut > 2; cut -= 1 + cut / 5) {
		assert_int_equal(jpegdec_decode(p, cut, MP40, 0, &got, &st, &why), 400);
		assert_string_equal(why, "the image file is damaged or truncated");
		assert_null(got);
		if (cut > n - 3)
			continue; /* ...FF FF D9 is the whole file again */
		memcpy(cutp, p, cut);
		cutp[cut] = 0xff;
		cutp[cut + 1] = 0xd9;
		assert_int_equal(jpegdec_decode(cutp, cut + 2, MP40, 0, &got, &st, &why), 400);
		assert_null(got);
	}
	free(cutp);
	static const unsigned char tables_only[] = {0xff, 0xd8, 0xff, 0xd9};
	assert_int_equal(jpegdec_decode(tables_only, sizeof(tables_only), MP40, 0, &got, &st, &why),
			 400);
	assert_int_equal(jpegdec_decode(p, 0, MP40, 0, &got, NULL, &why), 400);
	static const char text[] = "not a jpeg at all";
	assert_int_equal(
	    jpegdec_decode((const unsigned char *)text, sizeof(text), MP40, 0, &got, NULL, &why),
	    400);
	assert_null(got);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_pixels_as_libgd),
	    cmocka_unit_test(test_reduced_scale),
	    cmocka_unit_test(test_reduced_scale_looks_right),
	    cmocka_unit_test(test_scan_cap),
	    cmocka_unit_test(test_work_budget),
	    cmocka_unit_test(test_rejects),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
