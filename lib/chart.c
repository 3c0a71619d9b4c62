/* chart.c - small server-drawn bar charts (PNG, libgd): no I/O, no database. */
#include "chart.h"

#include <gd.h>
#include <gdfontmb.h>
#include <gdfonts.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAD	     8 /* around the plot and between text and lines */
#define Y_GRID_LINES 4 /* about this many intervals on the y axis */

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double usable(double v)
{
	return isfinite(v) && v > 0 ? v : 0;
}

void chart_scale(double max, int integers, double *top, double *step)
{
	if (!isfinite(max) || max <= 0) {
		*top = 1;
		*step = integers ? 1 : 0.5;
		return;
	}
	double raw = max / (double)Y_GRID_LINES;
	double mag = pow(10, floor(log10(raw)));
	double norm = raw / mag;
	double s = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
	if (integers && s < 1)
		s = 1;
	*step = s;
	*top = ceil(max / s - 1e-9) * s;
	if (*top < s)
		*top = s;
}

/* A y label: "0", "15", "2.5", "12k", "1.5M" (short enough for the margin). */
static void label_number(double v, char *out, size_t n)
{
	if (v >= 1e6)
		snprintf(out, n, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(out, n, "%gk", v / 1e3);
	else
		snprintf(out, n, "%g", v);
}

static int colour(gdImagePtr im, unsigned rgb)
{
	return gdImageColorAllocate(im, (int)(rgb >> 16) & 0xff, (int)(rgb >> 8) & 0xff,
				    (int)rgb & 0xff);
}

static void text(gdImagePtr im, gdFontPtr f, int x, int y, const char *s, int col)
{
	gdImageString(im, f, x, y, (unsigned char *)(uintptr_t)s, col);
}

struct frame {
	int x0, x1, y0, y1; /* plot area: left, right, top, baseline */
	double top, step;
};

/* Gridlines with their labels, left of the plot. */
static void draw_y_axis(gdImagePtr im, const struct frame *f, int grid, int ink)
{
	gdFontPtr sm = gdFontGetSmall();
	int ploth = f->y1 - f->y0;
	for (int k = 0; k * f->step <= f->top + f->step / 2; k++) {
		double v = k * f->step;
		int y = f->y1 - (int)lround(v / f->top * ploth);
		if (v > 0)
			gdImageLine(im, f->x0 + 1, y, f->x1, y, grid);
		char num[32];
		label_number(v, num, sizeof(num));
		int tw = (int)strlen(num) * sm->w;
		text(im, sm, f->x0 - PAD / 2 - tw, y - sm->h / 2, num, ink);
	}
}

/* Labels under as many bars as fit, counted back from the last one. */
static void draw_x_labels(gdImagePtr im, const struct frame *f, const char *const *labels, size_t n,
			  int ink)
{
	gdFontPtr sm = gdFontGetSmall();
	if (!labels || !n)
		return;
	size_t widest = 1;
	for (size_t i = 0; i < n; i++)
		if (labels[i] && strlen(labels[i]) > widest)
			widest = strlen(labels[i]);
	double slot = (double)(f->x1 - f->x0) / (double)n;
	size_t every = (size_t)ceil((double)(widest * (size_t)sm->w + PAD) / slot);
	if (every < 1)
		every = 1;
	for (size_t i = n; i-- > 0;) {
		if ((n - 1 - i) % every || !labels[i])
			continue;
		int tw = (int)strlen(labels[i]) * sm->w;
		int cx = f->x0 + 1 + (int)lround(((double)i + 0.5) * slot);
		int x = clamp(cx - tw / 2, 0, gdImageSX(im) - tw);
		text(im, sm, x, f->y1 + PAD / 2, labels[i], ink);
	}
}

static void draw_bars(gdImagePtr im, const struct frame *f, const double *values, size_t n, int bar)
{
	double slot = (double)(f->x1 - f->x0) / (double)n;
	double gap = slot >= 4 ? slot * 0.15 : 0;
	int ploth = f->y1 - f->y0;
	for (size_t i = 0; i < n; i++) {
		double v = usable(values[i]);
		if (v <= 0)
			continue;
		int h = (int)lround(v / f->top * ploth);
		if (h < 1)
			h = 1;
		if (h > ploth)
			h = ploth;
		int l = f->x0 + 1 + (int)floor((double)i * slot + gap);
		int r = f->x0 + 1 + (int)ceil((double)(i + 1) * slot - gap) - 1;
		if (r < l)
			r = l;
		gdImageFilledRectangle(im, l, f->y1 - h, r, f->y1 - 1, bar);
	}
}

int chart_bars_png(const char *title, const char *const *labels, const double *values, size_t n,
		   int width, int height, void **png, int *len)
{
	if (png)
		*png = NULL;
	if (!png || !len || n > CHART_MAX_POINTS || (n && !values))
		return -1;
	int w = clamp(width, CHART_MIN_W, CHART_MAX_W), h = clamp(height, CHART_MIN_H, CHART_MAX_H);
	gdImagePtr im = gdImageCreate(w, h);
	if (!im)
		return -1;
	/* The first colour allocated is the background. */
	colour(im, CHART_BG_RGB);
	int ink = colour(im, CHART_TEXT_RGB), axis = colour(im, CHART_AXIS_RGB),
	    grid = colour(im, CHART_GRID_RGB), bar = colour(im, CHART_BAR_RGB);
	gdFontPtr sm = gdFontGetSmall(), big = gdFontGetMediumBold();

	double max = 0;
	int integers = 1;
	for (size_t i = 0; i < n; i++) {
		double v = usable(values[i]);
		max = v > max ? v : max;
		integers &= v == floor(v);
	}
	struct frame f;
	chart_scale(max, integers, &f.top, &f.step);
	/* The left margin fits the widest y label (the top one). */
	char num[32];
	label_number(f.top, num, sizeof(num));
	f.x0 = PAD + (int)strlen(num) * sm->w + PAD / 2;
	f.x1 = w - PAD - 1;
	f.y0 = PAD + (title && *title ? big->h + PAD : 0);
	f.y1 = h - 1 - PAD - sm->h - PAD / 2;

	if (title && *title)
		text(im, big, PAD, PAD, title, ink);
	draw_y_axis(im, &f, grid, ink);
	if (n) {
		draw_bars(im, &f, values, n, bar);
		draw_x_labels(im, &f, labels, n, ink);
	} else {
		const char *none = "No data";
		text(im, big, (f.x0 + f.x1 - (int)strlen(none) * big->w) / 2,
		     (f.y0 + f.y1 - big->h) / 2, none, ink);
	}
	gdImageLine(im, f.x0, f.y0, f.x0, f.y1, axis);
	gdImageLine(im, f.x0, f.y1, f.x1, f.y1, axis);

	int size = 0;
	void *out = gdImagePngPtr(im, &size);
	gdImageDestroy(im);
	if (!out || size <= 0) {
		if (out)
			gdFree(out);
		return -1;
	}
	*png = out;
	*len = size;
	return 0;
}
