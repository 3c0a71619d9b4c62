/* test_provenance.c - unit tests for the visible label (drawn in the configured corner only, on
 * every size shown -- display sizes, a display copy of a small picture, square cards -- never
 * on the original) and for stamping a media file in place (name kept, first post wins,
 * bad files left untouched). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <gd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "label.h"
#include "provenance.h"
#include "util.h"
#include "xmp.h"

#define GREY gdTrueColor(128, 128, 128)

static gdImagePtr flat(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, GREY);
	return im;
}

struct region {
	int changed, darker, lighter;
};

/* How the pixels of [x0,x1) x [y0,y1) differ from GREY. */
static struct region look(gdImagePtr im, int x0, int y0, int x1, int y1)
{
	struct region r = {0, 0, 0};
	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++) {
			int c = gdImageGetTrueColorPixel(im, x, y);
			int v = gdTrueColorGetRed(c);
			if (c == GREY)
				continue;
			r.changed++;
			r.darker += v < 100;
			r.lighter += v > 160;
		}
	}
	return r;
}

/* The four corners, w/4 x h/4 each, in enum label_corner order. */
static void corners(gdImagePtr im, struct region out[4])
{
	int w = gdImageSX(im), h = gdImageSY(im), cw = w / 4, ch = h / 4;
	out[LABEL_BOTTOM_RIGHT] = look(im, w - cw, h - ch, w, h);
	out[LABEL_BOTTOM_LEFT] = look(im, 0, h - ch, cw, h);
	out[LABEL_TOP_RIGHT] = look(im, w - cw, 0, w, ch);
	out[LABEL_TOP_LEFT] = look(im, 0, 0, cw, ch);
}

/* ---- the label ---- */

static void test_corner_names(void **state)
{
	(void)state;
	assert_int_equal(label_corner_parse("bottom-right"), LABEL_BOTTOM_RIGHT);
	assert_int_equal(label_corner_parse("bottom-left"), LABEL_BOTTOM_LEFT);
	assert_int_equal(label_corner_parse("top-right"), LABEL_TOP_RIGHT);
	assert_int_equal(label_corner_parse("top-left"), LABEL_TOP_LEFT);
	assert_int_equal(label_corner_parse("middle"), -1);
	assert_int_equal(label_corner_parse(""), -1);
	assert_int_equal(label_corner_parse(NULL), -1);
}

/* The box (darker) and the text (lighter) in the chosen corner, nothing in
 * the other three, at each display width. */
static void test_label_in_its_corner(void **state)
{
	(void)state;
	static const int widths[] = {320, 640, 1280};
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
		for (int corner = 0; corner < 4; corner++) {
			struct image_label l = {1, "AI-generated", corner, 70};
			gdImagePtr im = flat(widths[wi], widths[wi] * 3 / 4);
			assert_int_equal(label_draw(im, &l), 1);
			struct region r[4];
			corners(im, r);
			for (int k = 0; k < 4; k++) {
				if (k != corner) {
					assert_int_equal(r[k].changed, 0);
					continue;
				}
				assert_true(r[k].darker > 200);
				assert_true(r[k].lighter > 50);
				assert_true(r[k].changed == r[k].darker + r[k].lighter);
			}
			gdImageDestroy(im);
		}
	}
}

/* The box is larger on a larger image (the font is doubled from 1000 px). */
static void test_label_scales(void **state)
{
	(void)state;
	struct image_label l = {1, "AI-generated", LABEL_TOP_LEFT, 70};
	int prev = 0;
	static const int widths[] = {320, 640, 1280};
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		gdImagePtr im = flat(widths[i], widths[i]);
		label_draw(im, &l);
		struct region r[4];
		corners(im, r);
		assert_true(r[LABEL_TOP_LEFT].changed > prev);
		prev = r[LABEL_TOP_LEFT].changed;
		gdImageDestroy(im);
	}
}

static void test_label_opacity(void **state)
{
	(void)state;
	int dark[2];
	static const int opacity[2] = {30, 90};
	for (int i = 0; i < 2; i++) {
		struct image_label l = {1, "AI", LABEL_TOP_LEFT, opacity[i]};
		gdImagePtr im = flat(640, 480);
		assert_int_equal(label_draw(im, &l), 1);
		/* margin 10, padding 4x2: (12, 11) is box, not text */
		dark[i] = gdTrueColorGetRed(gdImageGetTrueColorPixel(im, 12, 11));
		gdImageDestroy(im);
	}
	assert_true(dark[0] < 128);
	assert_true(dark[1] < dark[0]);
}

/* Off, empty, invisible, or no room: the image is left as it was. */
static void test_label_not_drawn(void **state)
{
	(void)state;
	const struct image_label off[] = {
	    {0, "AI-generated", LABEL_BOTTOM_RIGHT, 70},
	    {1, "", LABEL_BOTTOM_RIGHT, 70},
	    {1, NULL, LABEL_BOTTOM_RIGHT, 70},
	    {1, "AI-generated", LABEL_BOTTOM_RIGHT, 0},
	};
	for (size_t i = 0; i <= sizeof(off) / sizeof(off[0]); i++) {
		gdImagePtr im = flat(320, 240);
		assert_int_equal(label_draw(im, i < 4 ? &off[i] : NULL), 0);
		assert_int_equal(look(im, 0, 0, 320, 240).changed, 0);
		gdImageDestroy(im);
	}
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	gdImagePtr im = flat(20, 14);
	assert_int_equal(label_draw(im, &l), 0);
	assert_int_equal(look(im, 0, 0, 20, 14).changed, 0);
	gdImageDestroy(im);
}

/* A text longer than the picture is cut, never drawn past the margin. */
static void test_label_long_text(void **state)
{
	(void)state;
	struct image_label l = {1, "An image generated by a very long named model\x01\xff and more",
				LABEL_BOTTOM_LEFT, 100};
	gdImagePtr im = flat(120, 90);
	assert_int_equal(label_draw(im, &l), 1);
	assert_int_equal(look(im, 0, 0, 6, 90).changed, 0);
	assert_int_equal(look(im, 114, 0, 120, 90).changed, 0);
	assert_true(look(im, 6, 45, 114, 90).changed > 100);
	gdImageDestroy(im);
}

/* ---- the store ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_dir(void **state)
{
	char tmpl[] = "/tmp/imagier-test-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown_dir(void **state)
{
	nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static unsigned char *read_file(const char *dir, const char *rel, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	unsigned char *p = malloc((size_t)len);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static gdImagePtr decode_variant(const char *dir, const struct image_variant *v)
{
	size_t n;
	unsigned char *p = read_file(dir, v->path, &n);
	gdImagePtr im = !strcmp(v->format, "webp") ? gdImageCreateFromWebpPtr((int)n, p)
						   : gdImageCreateFromJpegPtr((int)n, p);
	free(p);
	assert_non_null(im);
	return im;
}

static unsigned char *flat_png(int w, int h, size_t *n)
{
	gdImagePtr im = flat(w, h);
	int size = 0;
	void *p = gdImagePngPtr(im, &size);
	gdImageDestroy(im);
	assert_non_null(p);
	unsigned char *copy = malloc((size_t)size);
	assert_non_null(copy);
	memcpy(copy, p, (size_t)size);
	gdFree(p);
	*n = (size_t)size;
	return copy;
}

/* Dark pixels (the label's box) in the w/4 x h/4 bottom-right and top-left
 * corners of a stored file. */
static void file_corners(const char *dir, const struct image_variant *v, int *br, int *tl)
{
	gdImagePtr im = decode_variant(dir, v);
	int w = gdImageSX(im), h = gdImageSY(im);
	*br = *tl = 0;
	for (int y = 0; y < h / 4; y++) {
		for (int x = 0; x < w / 4; x++) {
			*tl += gdTrueColorGetRed(gdImageGetTrueColorPixel(im, x, y)) < 90;
			*br += gdTrueColorGetRed(
				   gdImageGetTrueColorPixel(im, w - 1 - x, h - 1 - y)) < 90;
		}
	}
	gdImageDestroy(im);
}

/* The stored file of role and width in format, or NULL. */
static const struct image_variant *find_variant(const struct image_stored *s, int role,
						uint32_t width, const char *format)
{
	for (int i = 0; i < s->nv; i++)
		if (s->v[i].role == role && s->v[i].width == width &&
		    !strcmp(s->v[i].format, format))
			return &s->v[i];
	return NULL;
}

/* Every file but the original carries the label in its corner (flagged
 * labelled); the original does not, and keeps its name; without a label
 * (image_store) the display files are other files, the original the same
 * one, and there are no cards. */
static void test_store_labels_display_sizes(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *png = flat_png(1400, 1000, &n);
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored a, b;
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &a, &why), 0);
	assert_int_equal(image_store(dir, png, n, 40000000, &b, &why), 0);
	/* 320, 640, 1280, cards 320 and 640, the original; WebP and JPEG each */
	assert_int_equal(a.nv, 12);
	assert_int_equal(b.nv, 8);
	for (int i = 0; i < a.nv; i++) {
		const struct image_variant *v = &a.v[i];
		int dark_br, dark_tl;
		file_corners(dir, v, &dark_br, &dark_tl);
		if (v->role == IMAGE_ORIGINAL) {
			assert_int_equal(v->width, 1400);
			assert_int_equal(dark_br, 0);
			assert_false(v->labelled);
			const struct image_variant *o =
			    find_variant(&b, IMAGE_ORIGINAL, 1400, v->format);
			assert_non_null(o);
			assert_string_equal(v->path, o->path);
		} else {
			if (dark_br < 100)
				fail_msg("%s %u (role %d): only %d dark pixels in the corner",
					 v->format, v->width, v->role, dark_br);
			assert_true(v->labelled);
			if (v->role == IMAGE_CARD)
				assert_int_equal(v->width, v->height);
			const struct image_variant *o =
			    find_variant(&b, IMAGE_DISPLAY, v->width, v->format);
			if (v->role == IMAGE_DISPLAY) {
				assert_non_null(o);
				assert_string_not_equal(v->path, o->path);
			}
		}
		assert_int_equal(dark_tl, 0);
	}
	assert_non_null(find_variant(&a, IMAGE_CARD, 320, "jpeg"));
	assert_non_null(find_variant(&a, IMAGE_CARD, 640, "webp"));
	for (int i = 0; i < b.nv; i++)
		assert_int_not_equal(b.v[i].role, IMAGE_CARD);
	free(png);
}

/* A picture no wider than 1280 px (a default 768 x 768 generation) gets a
 * labelled display copy at its own size: the largest size shown is labelled,
 * the original stays clean. */
static void test_store_labels_small_picture(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *png = flat_png(768, 768, &n);
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored a;
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &a, &why), 0);
	/* 320, 640, 768 shown; cards 320, 640; the original 768 */
	assert_int_equal(a.nv, 12);
	static const char *const fmts[] = {"webp", "jpeg"};
	for (int f = 0; f < 2; f++) {
		const struct image_variant *d = find_variant(&a, IMAGE_DISPLAY, 768, fmts[f]);
		const struct image_variant *o = find_variant(&a, IMAGE_ORIGINAL, 768, fmts[f]);
		assert_non_null(d);
		assert_non_null(o);
		assert_int_equal(d->height, 768);
		assert_true(d->labelled);
		assert_false(o->labelled);
		assert_string_not_equal(d->path, o->path);
		int br, tl;
		file_corners(dir, d, &br, &tl);
		if (br < 100)
			fail_msg("%s 768 display: only %d dark pixels in the corner", fmts[f], br);
		file_corners(dir, o, &br, &tl);
		assert_int_equal(br, 0);
	}
	free(png);
}

/* A wide picture's cards are its centred square with the label whole inside
 * (drawn after the crop); a picture narrower than the smallest card gets
 * one card at its own side. */
static void test_store_cards(void **state)
{
	const char *dir = *state;
	size_t n;
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored a;
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	unsigned char *png = flat_png(1600, 400, &n);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &a, &why), 0);
	int cards = 0;
	for (int i = 0; i < a.nv; i++) {
		const struct image_variant *v = &a.v[i];
		if (v->role != IMAGE_CARD)
			continue;
		cards++;
		assert_int_equal(v->width, 320); /* 640 would need a bigger square */
		assert_int_equal(v->height, 320);
		gdImagePtr im = decode_variant(dir, v);
		/* the whole box, with its margin, inside the square */
		int left = 320, top = 320;
		for (int y = 0; y < 320; y++)
			for (int x = 0; x < 320; x++)
				if (gdTrueColorGetRed(gdImageGetTrueColorPixel(im, x, y)) < 90) {
					left = x < left ? x : left;
					top = y < top ? y : top;
				}
		gdImageDestroy(im);
		assert_true(left > 200 && left < 320 - 6 - 60);
		assert_true(top > 260 && top < 320 - 6 - 10);
	}
	assert_int_equal(cards, 2);
	free(png);
	png = flat_png(200, 150, &n);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &a, &why), 0);
	const struct image_variant *c = find_variant(&a, IMAGE_CARD, 150, "jpeg");
	assert_non_null(c);
	assert_int_equal(c->height, 150);
	assert_true(c->labelled);
	free(png);
}

/* With the label switched off nothing is drawn and nothing is encoded
 * twice: the display copy at the picture's own size is the original's file. */
static void test_store_label_off(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *png = flat_png(700, 500, &n);
	struct image_label l = {0, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored a;
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &a, &why), 0);
	for (int i = 0; i < a.nv; i++)
		assert_false(a.v[i].labelled);
	const struct image_variant *d = find_variant(&a, IMAGE_DISPLAY, 700, "jpeg");
	const struct image_variant *o = find_variant(&a, IMAGE_ORIGINAL, 700, "jpeg");
	assert_non_null(d);
	assert_non_null(o);
	assert_string_equal(d->path, o->path);
	free(png);
}

/* ---- what a JPEG says about itself ---- */

#define GD_COMMENT "CREATOR: gd-jpeg"

/* Whether a JPEG has a comment (COM) segment before its first scan. */
static int has_com(const unsigned char *p, size_t n)
{
	size_t i = 2;
	while (i + 4 <= n && p[i] == 0xFF && p[i + 1] != 0xDA) {
		if (p[i + 1] == 0xFE)
			return 1;
		i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
	}
	return 0;
}

/* libgd's comment goes; the rest of the file is what it was, byte for byte,
 * and decodes to the same pixels; what is not a whole JPEG header is left
 * alone. */
static void test_jpeg_drop_comments(void **state)
{
	(void)state;
	gdImagePtr im = flat(64, 48);
	gdImageFilledRectangle(im, 10, 10, 30, 20, gdTrueColor(200, 30, 30));
	gdImageInterlace(im, 1);
	int size = 0;
	unsigned char *gd = gdImageJpegPtr(im, &size, 85);
	gdImageDestroy(im);
	assert_non_null(gd);
	size_t n = (size_t)size;
	assert_non_null(memmem(gd, n, GD_COMMENT, strlen(GD_COMMENT)));
	assert_true(has_com(gd, n));
	unsigned char *p = malloc(n);
	assert_non_null(p);
	memcpy(p, gd, n);
	size_t m = image_jpeg_drop_comments(p, n);
	assert_true(m < n);
	assert_null(memmem(p, m, GD_COMMENT, strlen(GD_COMMENT)));
	assert_false(has_com(p, m));
	/* the file less its one comment segment, byte for byte */
	unsigned char *com = memmem(gd, n, "\xFF\xFE", 2);
	assert_non_null(com);
	size_t at = (size_t)(com - gd), seg = 2 + ((size_t)com[2] << 8 | com[3]);
	assert_int_equal(m, n - seg);
	assert_memory_equal(p, gd, at);
	assert_memory_equal(p + at, gd + at + seg, n - at - seg);
	gdImagePtr a = gdImageCreateFromJpegPtr(size, gd), b = gdImageCreateFromJpegPtr((int)m, p);
	assert_non_null(a);
	assert_non_null(b);
	for (int y = 0; y < 48; y++)
		for (int x = 0; x < 64; x++)
			assert_int_equal(gdImageGetTrueColorPixel(a, x, y),
					 gdImageGetTrueColorPixel(b, x, y));
	gdImageDestroy(a);
	gdImageDestroy(b);
	assert_int_equal(image_jpeg_drop_comments(p, m), m); /* nothing left to drop */
	/* cut inside the header, or not a JPEG: the bytes stay as they are */
	memcpy(p, gd, n);
	for (size_t cut = 0; cut < 40 && cut < n; cut++) {
		assert_int_equal(image_jpeg_drop_comments(p, cut), cut);
		assert_memory_equal(p, gd, n);
	}
	unsigned char text[] = "CREATOR: gd-jpeg v1.0, not an image";
	assert_int_equal(image_jpeg_drop_comments(text, sizeof(text)), sizeof(text));
	free(p);
	gdFree(gd);
}

/* No stored JPEG -- of a post (labelled) or an avatar -- carries libgd's
 * comment, or any comment. */
static void test_store_jpeg_without_comment(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *png = flat_png(900, 700, &n);
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored s[2];
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store_labelled(dir, png, n, 40000000, &l, &s[0], &why), 0);
	assert_int_equal(image_store(dir, png, n, 40000000, &s[1], &why), 0);
	int jpegs = 0;
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < s[k].nv; i++) {
			size_t fn;
			unsigned char *f = read_file(dir, s[k].v[i].path, &fn);
			assert_null(memmem(f, fn, GD_COMMENT, strlen(GD_COMMENT)));
			if (!strcmp(s[k].v[i].format, "jpeg")) {
				jpegs++;
				assert_int_equal(fn, s[k].v[i].bytes);
				assert_false(has_com(f, fn));
				gdImagePtr im = decode_variant(dir, &s[k].v[i]);
				assert_int_equal(gdImageSX(im), s[k].v[i].width);
				gdImageDestroy(im);
			}
			free(f);
		}
	}
	/* 320, 640, 900 shown, cards 320 and 640, original; avatar: 320, 640, 900 */
	assert_int_equal(jpegs, 6 + 3);
	free(png);
}

/* ---- stamping a file ---- */

static const struct xmp_meta post7 = {"imagier", "http://127.0.0.1:8080",
				      "http://127.0.0.1:8080/p/7", "procedural", "procedural-v1"};
static const struct xmp_meta post8 = {"imagier", "http://127.0.0.1:8080",
				      "http://127.0.0.1:8080/p/8", "upload", ""};
static const struct xmp_meta nopost = {"imagier", "http://127.0.0.1:8080", "", "procedural",
				       "procedural-v1"};

/* The post URL in the file's packet ("" when none), in buf. */
static const char *post_of(const char *dir, const char *rel, char *buf, size_t len)
{
	size_t n, pl;
	const unsigned char *pkt;
	unsigned char *p = read_file(dir, rel, &n);
	buf[0] = '\0';
	assert_int_equal(xmp_find(p, n, &pkt, &pl), 1);
	const unsigned char *s = memmem(pkt, pl, "imagier:post=\"", 14);
	if (s) {
		s += 14;
		const unsigned char *e = memchr(s, '"', pl - (size_t)(s - pkt));
		assert_non_null(e);
		snprintf(buf, len, "%.*s", (int)(e - s), (const char *)s);
	}
	free(p);
	return buf;
}

static void test_stamp_file(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *png = flat_png(700, 500, &n);
	struct image_stored img;
	const char *why = NULL;
	char url[200];
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store(dir, png, n, 40000000, &img, &why), 0);
	free(png);
	for (int i = 0; i < img.nv; i++) {
		const char *rel = img.v[i].path;
		uint64_t bytes = 0;
		/* before the post: the site, backend and model, no post URL */
		assert_int_equal(provenance_stamp_file(dir, rel, &nopost, &bytes), 1);
		assert_string_equal(post_of(dir, rel, url, sizeof(url)), "");
		assert_int_equal(provenance_stamp_file(dir, rel, &nopost, &bytes), 0);
		/* the post: its URL goes in, and stays (the first post wins) */
		assert_int_equal(provenance_stamp_file(dir, rel, &post7, &bytes), 1);
		size_t now;
		free(read_file(dir, rel, &now));
		assert_int_equal(bytes, now);
		assert_true(bytes > img.v[i].bytes);
		assert_string_equal(post_of(dir, rel, url, sizeof(url)), post7.post_url);
		assert_int_equal(provenance_stamp_file(dir, rel, &post8, &bytes), 0);
		assert_int_equal(provenance_stamp_file(dir, rel, &nopost, &bytes), 0);
		assert_string_equal(post_of(dir, rel, url, sizeof(url)), post7.post_url);
		/* still the same picture, under the same name */
		gdImagePtr im = decode_variant(dir, &img.v[i]);
		assert_int_equal(gdImageSX(im), img.v[i].width);
		gdImageDestroy(im);
	}
	/* no temp file is left behind */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "find '%s' -name '.tmp-*' | grep -q .", dir);
	assert_int_not_equal(system(cmd), 0);
}

static void test_stamp_file_refusals(void **state)
{
	const char *dir = *state;
	uint64_t bytes = 0;
	char path[1024];
	static const char junk[] = "not an image";
	snprintf(path, sizeof(path), "%s/junk.jpg", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	assert_int_equal(provenance_stamp_file(dir, "junk.jpg", &post7, &bytes), -1);
	size_t n;
	unsigned char *p = read_file(dir, "junk.jpg", &n);
	assert_int_equal(n, sizeof(junk));
	assert_memory_equal(p, junk, n);
	free(p);
	assert_int_equal(provenance_stamp_file(dir, "missing.webp", &post7, &bytes), -1);
	assert_int_equal(provenance_stamp_file(dir, "../etc/passwd.jpg", &post7, &bytes), -1);
	assert_int_equal(provenance_stamp_file(dir, "/etc/passwd.jpg", &post7, &bytes), -1);
	assert_int_equal(provenance_stamp_file(dir, "", &post7, &bytes), -1);
	/* AVIF (avatars only): left as it is */
	assert_int_equal(provenance_stamp_file(dir, "ab/cd/x.avif", &post7, &bytes), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corner_names),
	    cmocka_unit_test(test_label_in_its_corner),
	    cmocka_unit_test(test_label_scales),
	    cmocka_unit_test(test_label_opacity),
	    cmocka_unit_test(test_label_not_drawn),
	    cmocka_unit_test(test_label_long_text),
	    cmocka_unit_test_setup_teardown(test_store_labels_display_sizes, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_labels_small_picture, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_cards, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_label_off, setup_dir, teardown_dir),
	    cmocka_unit_test(test_jpeg_drop_comments),
	    cmocka_unit_test_setup_teardown(test_store_jpeg_without_comment, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_stamp_file, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_stamp_file_refusals, setup_dir, teardown_dir),
	};
	image_quiet_warnings();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
