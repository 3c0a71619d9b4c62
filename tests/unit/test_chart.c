/* test_chart.c - unit tests for the server-drawn bar charts: a PNG of the asked (clamped) size,
 * bars as tall as their values, empty and degenerate input, bad arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <math.h>
#include <string.h>

#include "chart.h"

/* Draw, check the PNG signature, decode it back. */
static gdImagePtr draw(const char *title, const char *const *labels, const double *v, size_t n,
		       int w, int h)
{
	void *png = NULL;
	int len = 0;
	assert_int_equal(chart_bars_png(title, labels, v, n, w, h, &png, &len), 0);
	assert_non_null(png);
	assert_true(len > 8);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	gdImagePtr im = gdImageCreateFromPngPtr(len, png);
	gdFree(png);
	assert_non_null(im);
	return im;
}

static int is_rgb(gdImagePtr im, int x, int y, unsigned rgb)
{
	int p = gdImageGetTrueColorPixel(im, x, y);
	return (unsigned)gdTrueColorGetRed(p) == (rgb >> 16 & 0xff) &&
	       (unsigned)gdTrueColorGetGreen(p) == (rgb >> 8 & 0xff) &&
	       (unsigned)gdTrueColorGetBlue(p) == (rgb & 0xff);
}

static long count_rgb(gdImagePtr im, unsigned rgb)
{
	long k = 0;
	for (int y = 0; y < gdImageSY(im); y++)
		for (int x = 0; x < gdImageSX(im); x++)
			k += is_rgb(im, x, y, rgb);
	return k;
}

/* The bars, left to right: the number of bar pixels in each run of columns
 * that hold any (bars are separated by a gap when they are wide enough). */
static size_t bar_areas(gdImagePtr im, long *areas, size_t max)
{
	size_t n = 0;
	int in_bar = 0;
	for (int x = 0; x < gdImageSX(im); x++) {
		long col = 0;
		for (int y = 0; y < gdImageSY(im); y++)
			col += is_rgb(im, x, y, CHART_BAR_RGB);
		if (col && !in_bar && n < max)
			areas[n++] = 0;
		if (col)
			areas[n - 1] += col;
		in_bar = col > 0;
	}
	return n;
}

static void test_size_and_signature(void **state)
{
	(void)state;
	const double v[] = {3, 1, 4, 1, 5};
	gdImagePtr im = draw("Posts per day", NULL, v, 5, 640, 220);
	assert_int_equal(gdImageSX(im), 640);
	assert_int_equal(gdImageSY(im), 220);
	/* the top-left corner is the white background */
	assert_true(is_rgb(im, 0, 0, CHART_BG_RGB));
	gdImageDestroy(im);
}

static void test_size_clamped(void **state)
{
	(void)state;
	const double v[] = {1, 2};
	gdImagePtr im = draw("t", NULL, v, 2, 10, 100000);
	assert_int_equal(gdImageSX(im), CHART_MIN_W);
	assert_int_equal(gdImageSY(im), CHART_MAX_H);
	gdImageDestroy(im);
	im = draw(NULL, NULL, v, 2, 1 << 30, -5);
	assert_int_equal(gdImageSX(im), CHART_MAX_W);
	assert_int_equal(gdImageSY(im), CHART_MIN_H);
	gdImageDestroy(im);
}

static void test_higher_values_paint_more(void **state)
{
	(void)state;
	const double v[] = {1, 2, 3, 4, 0, 8};
	const char *labels[] = {"a", "b", "c", "d", "e", "f"};
	gdImagePtr im = draw("Rising", labels, v, 6, 600, 300);
	long areas[16];
	/* five bars: the zero draws nothing */
	assert_int_equal(bar_areas(im, areas, 16), 5);
	for (size_t i = 1; i < 4; i++)
		assert_true(areas[i] > areas[i - 1]);
	assert_true(areas[4] > areas[3]);
	/* the areas are proportional to the values (bars are equally wide) */
	double unit = (double)areas[0];
	assert_true(fabs((double)areas[3] / unit - 4) < 0.2);
	assert_true(fabs((double)areas[4] / unit - 8) < 0.3);
	gdImageDestroy(im);
}

static void test_all_zero(void **state)
{
	(void)state;
	const double v[30] = {0};
	gdImagePtr im = draw("Nothing yet", NULL, v, 30, 720, 240);
	assert_int_equal(count_rgb(im, CHART_BAR_RGB), 0);
	/* still a chart: the axes and the text are there */
	assert_true(count_rgb(im, CHART_AXIS_RGB) > 200);
	assert_true(count_rgb(im, CHART_TEXT_RGB) > 20);
	gdImageDestroy(im);
}

static void test_negative_and_nan_are_zero(void **state)
{
	(void)state;
	const double v[] = {-5, NAN, INFINITY, 2};
	gdImagePtr im = draw("Odd", NULL, v, 4, 400, 200);
	long areas[8];
	assert_int_equal(bar_areas(im, areas, 8), 1);
	gdImageDestroy(im);
}

static void test_empty(void **state)
{
	(void)state;
	gdImagePtr im = draw("Empty", NULL, NULL, 0, 300, 150);
	assert_int_equal(gdImageSX(im), 300);
	assert_int_equal(gdImageSY(im), 150);
	assert_int_equal(count_rgb(im, CHART_BAR_RGB), 0);
	assert_true(count_rgb(im, CHART_TEXT_RGB) > 20); /* "No data" and the title */
	gdImageDestroy(im);
}

static void test_one_bar(void **state)
{
	(void)state;
	const double v[] = {7};
	const char *labels[] = {"11-01"};
	gdImagePtr im = draw("One", labels, v, 1, 400, 200);
	long areas[4];
	assert_int_equal(bar_areas(im, areas, 4), 1);
	/* one bar up to the top of the axis: a good part of the picture */
	assert_true(areas[0] > 400L * 200 / 10);
	gdImageDestroy(im);
}

static void test_tiny_value_visible(void **state)
{
	(void)state;
	const double v[] = {1000000, 1};
	gdImagePtr im = draw("Skewed", NULL, v, 2, 400, 200);
	long areas[4];
	assert_int_equal(bar_areas(im, areas, 4), 2);
	assert_true(areas[1] > 0 && areas[1] < areas[0]);
	gdImageDestroy(im);
}

static void test_many_points(void **state)
{
	(void)state;
	double v[CHART_MAX_POINTS];
	for (size_t i = 0; i < CHART_MAX_POINTS; i++)
		v[i] = (double)(i % 7);
	gdImagePtr im = draw("A year", NULL, v, CHART_MAX_POINTS, 200, 120);
	assert_true(count_rgb(im, CHART_BAR_RGB) > 0);
	gdImageDestroy(im);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	double v[CHART_MAX_POINTS + 1] = {0};
	void *png = (void *)1;
	int len = 0;
	assert_int_equal(chart_bars_png("x", NULL, v, CHART_MAX_POINTS + 1, 400, 200, &png, &len),
			 -1);
	assert_null(png);
	assert_int_equal(chart_bars_png("x", NULL, NULL, 3, 400, 200, &png, &len), -1);
	assert_int_equal(chart_bars_png("x", NULL, v, 3, 400, 200, NULL, &len), -1);
	assert_int_equal(chart_bars_png("x", NULL, v, 3, 400, 200, &png, NULL), -1);
}

static void test_scale(void **state)
{
	(void)state;
	double top, step;
	chart_scale(0, 1, &top, &step);
	assert_true(top == 1 && step == 1);
	chart_scale(3, 1, &top, &step);
	assert_true(top == 3 && step == 1);
	chart_scale(17, 1, &top, &step);
	assert_true(top == 20 && step == 5);
	chart_scale(1234, 1, &top, &step);
	assert_true(top == 1500 && step == 500);
	chart_scale(0.9, 0, &top, &step);
	assert_true(fabs(top - 1) < 1e-9 && fabs(step - 0.5) < 1e-9);
	chart_scale(NAN, 1, &top, &step);
	assert_true(top == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_and_signature),
	    cmocka_unit_test(test_size_clamped),
	    cmocka_unit_test(test_higher_values_paint_more),
	    cmocka_unit_test(test_all_zero),
	    cmocka_unit_test(test_negative_and_nan_are_zero),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_one_bar),
	    cmocka_unit_test(test_tiny_value_visible),
	    cmocka_unit_test(test_many_points),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_scale),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
