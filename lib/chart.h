/* chart.h - small server-drawn charts (PNG, libgd): no I/O, no database. */
#ifndef IMAGIER_CHART_H
#define IMAGIER_CHART_H

#include <stddef.h>

/* At most this many bars (a year, leap day included). */
#define CHART_MAX_POINTS 366
/* The size is clamped into these bounds (pixels). */
#define CHART_MIN_W 200
#define CHART_MAX_W 1600
#define CHART_MIN_H 120
#define CHART_MAX_H 1000

/* The colours it paints, as 0xRRGGBB. Only bars use CHART_BAR_RGB (a dark
 * blue, 7:1 against the white background), so a caller (or a test) can
 * count a bar's pixels. Text is near-black; gridlines are light grey. */
#define CHART_BG_RGB   0xffffff
#define CHART_BAR_RGB  0x1d4f91
#define CHART_TEXT_RGB 0x1f2328
#define CHART_AXIS_RGB 0x57606a
#define CHART_GRID_RGB 0xd8dee4

/* Draw a bar chart of n values (n <= CHART_MAX_POINTS; negative, NaN and
 * infinite values count as 0) as a palette PNG of width x height (each
 * clamped to the bounds above): a title on top (NULL: none), a y axis from 0
 * to a round number with labelled gridlines, one bar per value (a value
 * above 0 is at least one pixel tall), and the x labels (labels may be NULL,
 * and so may any labels[i]) under as many bars as fit, always including the
 * last one. n = 0 draws the empty frame and "No data".
 * Returns 0 and sets *png (free it with gdFree) and *len, or -1 (with *png
 * NULL) on bad arguments or when libgd fails.
 *   void *png; int len;
 *   if (!chart_bars_png("Posts", labels, v, 30, 720, 240, &png, &len)) { ...; gdFree(png); }
 */
int chart_bars_png(const char *title, const char *const *labels, const double *values, size_t n,
		   int width, int height, void **png, int *len);

/* The y-axis scale chart_bars_png uses for a largest value max: the top of
 * the axis and the step between gridlines (1, 2 or 5 times a power of ten;
 * never below 1 when integers is set). max <= 0 gives top 1. */
void chart_scale(double max, int integers, double *top, double *step);

#endif
