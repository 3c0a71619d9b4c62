/* label.h - the visible "AI-generated" label drawn on the display sizes of a post's image. */
#ifndef IMAGIER_LABEL_H
#define IMAGIER_LABEL_H

#include <gd.h>

enum label_corner {
	LABEL_BOTTOM_RIGHT = 0,
	LABEL_BOTTOM_LEFT,
	LABEL_TOP_RIGHT,
	LABEL_TOP_LEFT,
};

#define LABEL_MAX_TEXT 48 /* characters drawn at most */

struct image_label {
	int enabled;
	const char *text; /* printable ASCII; anything else is drawn as '?' */
	int corner;	  /* enum label_corner */
	int opacity;	  /* of the box, 0 (invisible) .. 100; the text is more opaque */
};

/* "top-left", "top-right", "bottom-left", "bottom-right" -> enum label_corner,
 * or -1 for anything else. */
int label_corner_parse(const char *s);

/* Draw the label on a truecolor image in place: a dark box with rounded
 * corners, behind light text in libgd's built-in font (Small below 480 px
 * wide, MediumBold above, doubled from 1000 px), a margin away from the
 * corner. Text that does not fit is cut; nothing is drawn when even one
 * character would not fit, or when l is NULL, disabled, empty or at opacity
 * 0. Returns 1 if it drew, 0 if not. Leaves im's alpha blending mode as it
 * was. */
int label_draw(gdImagePtr im, const struct image_label *l);

#endif
