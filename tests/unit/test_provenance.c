/* test_provenance.c - unit tests for the visible label (drawn in the configured corner only, on
 * the display sizes only) and for stamping a media file in place (name kept, first post wins,
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

/* The derived sizes carry the label in its corner, the original does not;
 * without a label (image_store) the derived files are other files, the
 * original the same one. */
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
	assert_int_equal(a.nv, 8);
	assert_int_equal(b.nv, 8);
	for (int i = 0; i < a.nv; i++) {
		const struct image_variant *v = &a.v[i];
		int original = v->width == 1400;
		gdImagePtr im = decode_variant(dir, v);
		int w = gdImageSX(im), h = gdImageSY(im);
		int dark_br = 0, dark_tl = 0;
		for (int y = 0; y < h / 4; y++) {
			for (int x = 0; x < w / 4; x++) {
				dark_tl +=
				    gdTrueColorGetRed(gdImageGetTrueColorPixel(im, x, y)) < 90;
				dark_br += gdTrueColorGetRed(gdImageGetTrueColorPixel(
					       im, w - 1 - x, h - 1 - y)) < 90;
			}
		}
		if (original) {
			assert_int_equal(dark_br, 0);
			assert_string_equal(v->path, b.v[i].path);
		} else {
			if (dark_br < 100)
				fail_msg("%s %u: only %d dark pixels in the corner", v->format,
					 v->width, dark_br);
			assert_string_not_equal(v->path, b.v[i].path);
		}
		assert_int_equal(dark_tl, 0);
		gdImageDestroy(im);
	}
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
	    cmocka_unit_test_setup_teardown(test_stamp_file, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_stamp_file_refusals, setup_dir, teardown_dir),
	};
	image_quiet_warnings();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
