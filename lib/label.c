/* label.c - the visible "AI-generated" label drawn on the display sizes of a post's image. */
#include "label.h"

#include <gdfontmb.h>
#include <gdfonts.h>
#include <string.h>

static const char *const corner_names[] = {"bottom-right", "bottom-left", "top-right", "top-left"};

int label_corner_parse(const char *s)
{
	for (int i = 0; s && i < (int)(sizeof(corner_names) / sizeof(corner_names[0])); i++)
		if (!strcmp(s, corner_names[i]))
			return i;
	return -1;
}

/* gd alpha (0 opaque .. 127 clear) of an opacity in percent. */
static int gd_alpha(int opacity)
{
	if (opacity > 100)
		opacity = 100;
	return gdAlphaMax - (gdAlphaMax * opacity + 50) / 100;
}

/* Character c of font f at (x, y), each font pixel an s x s block. */
static void put_char(gdImagePtr im, gdFontPtr f, int s, int x, int y, unsigned char c, int color)
{
	if (c < f->offset || c >= f->offset + f->nchars)
		c = '?';
	const char *glyph = f->data + (size_t)(c - f->offset) * (size_t)(f->w * f->h);
	for (int py = 0; py < f->h; py++)
		for (int px = 0; px < f->w; px++)
			if (glyph[py * f->w + px])
				gdImageFilledRectangle(im, x + px * s, y + py * s,
						       x + px * s + s - 1, y + py * s + s - 1,
						       color);
}

int label_draw(gdImagePtr im, const struct image_label *l)
{
	if (!im || !l || !l->enabled || !l->text || !l->text[0] || l->opacity <= 0 ||
	    !gdImageTrueColor(im))
		return 0;
	int w = gdImageSX(im), h = gdImageSY(im);
	gdFontPtr f = w < 480 ? gdFontGetSmall() : gdFontGetMediumBold();
	int s = w >= 1000 ? 2 : 1;
	int padx = 4 * s, pady = 2 * s, margin = (w < 480 ? 6 : 10) * s, round = 2 * s;
	int boxh = f->h * s + 2 * pady;
	int room = (w - 2 * margin - 2 * padx) / (f->w * s); /* characters that fit */
	int n = (int)strnlen(l->text, LABEL_MAX_TEXT);
	if (n > room)
		n = room;
	if (n <= 0 || boxh + 2 * margin > h)
		return 0;
	int boxw = n * f->w * s + 2 * padx;
	int left = l->corner == LABEL_BOTTOM_LEFT || l->corner == LABEL_TOP_LEFT;
	int top = l->corner == LABEL_TOP_LEFT || l->corner == LABEL_TOP_RIGHT;
	int x0 = left ? margin : w - margin - boxw, y0 = top ? margin : h - margin - boxh;
	int x1 = x0 + boxw - 1, y1 = y0 + boxh - 1;

	int blending = im->alphaBlendingFlag;
	gdImageAlphaBlending(im, 1);
	/* the box: three rectangles that do not overlap, corners left out */
	int box = gdTrueColorAlpha(0, 0, 0, gd_alpha(l->opacity));
	gdImageFilledRectangle(im, x0 + round, y0, x1 - round, y1, box);
	gdImageFilledRectangle(im, x0, y0 + round, x0 + round - 1, y1 - round, box);
	gdImageFilledRectangle(im, x1 - round + 1, y0 + round, x1, y1 - round, box);
	/* the text: light, halfway between the box's opacity and opaque */
	int ink = gdTrueColorAlpha(255, 255, 255, gd_alpha(l->opacity + (100 - l->opacity) / 2));
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l->text[i];
		put_char(im, f, s, x0 + padx + i * f->w * s, y0 + pady,
			 c >= 0x20 && c < 0x7f ? c : '?', ink);
	}
	gdImageAlphaBlending(im, blending);
	return 1;
}
