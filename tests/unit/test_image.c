/* test_image.c - unit tests for the image module: sniffing, storing, EXIF, blurhash. */
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

#include "../tools/jpegcraft.h"
#include "image.h"
#include "imgsniff.h"
#include "label.h"
#include "profile.h"
#include "util.h"

/* libgd 2.3.3 leaks in its AVIF encoder (libgd #831); the encoder is only
 * used to make test images, so LeakSanitizer is told to look away there. */
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
#define MARKER "SECRET-EXIF-MARKER"

/* ---- helpers: bytes ---- */

struct bb {
	unsigned char *p;
	size_t n, cap;
};

static void bb_put(struct bb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void bb_u8(struct bb *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	bb_put(b, &c, 1);
}

static void bb_u16(struct bb *b, unsigned v, int le)
{
	unsigned char c[2] = {(unsigned char)(le ? v : v >> 8), (unsigned char)(le ? v >> 8 : v)};
	bb_put(b, c, 2);
}

static void bb_u32(struct bb *b, uint32_t v, int le)
{
	bb_u16(b, le ? v & 0xffff : v >> 16, le);
	bb_u16(b, le ? v >> 16 : v & 0xffff, le);
}

/* ISOBMFF: open a box (size patched by box_end), close it. */
static size_t box_begin(struct bb *b, const char *type)
{
	size_t at = b->n;
	bb_u32(b, 0, 0);
	bb_put(b, type, 4);
	return at;
}

static void box_end(struct bb *b, size_t at)
{
	uint32_t n = (uint32_t)(b->n - at);
	b->p[at] = (unsigned char)(n >> 24);
	b->p[at + 1] = (unsigned char)(n >> 16);
	b->p[at + 2] = (unsigned char)(n >> 8);
	b->p[at + 3] = (unsigned char)n;
}

static unsigned char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct bb b = {0};
	unsigned char tmp[8192];
	size_t r;
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		bb_put(&b, tmp, r);
	fclose(f);
	*n = b.n;
	return b.p ? b.p : xmalloc(1);
}

/* ---- helpers: pictures ---- */

static gdImagePtr picture(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColor(x * 255 / w, y * 255 / h, (x ^ y) & 255);
	gdImageFilledEllipse(im, w / 2, h / 2, w / 3, h / 3, gdTrueColor(250, 20, 120));
	return im;
}

/* Encode im as fmt ("jpeg", "png", "webp", "webpll", "avif"); malloc'd. */
static unsigned char *encode(gdImagePtr im, const char *fmt, size_t *n)
{
	int size = 0;
	void *p = NULL;
	if (strcmp(fmt, "jpeg") == 0)
		p = gdImageJpegPtr(im, &size, 90);
	else if (strcmp(fmt, "png") == 0)
		p = gdImagePngPtr(im, &size);
	else if (strcmp(fmt, "webp") == 0)
		p = gdImageWebpPtrEx(im, &size, 80);
	else if (strcmp(fmt, "webpll") == 0)
		p = gdImageWebpPtrEx(im, &size, gdWebpLossless);
	else if (strcmp(fmt, "avif") == 0) {
		LSAN_OFF();
		p = gdImageAvifPtrEx(im, &size, 50, 10);
		LSAN_ON();
	}
	assert_non_null(p);
	unsigned char *q = xmalloc((size_t)size);
	memcpy(q, p, (size_t)size);
	gdFree(p);
	*n = (size_t)size;
	return q;
}

static unsigned char *make_image(const char *fmt, int w, int h, size_t *n)
{
	gdImagePtr im = picture(w, h);
	unsigned char *p = encode(im, fmt, n);
	gdImageDestroy(im);
	return p;
}

/* A JPEG (w x h, left half red, right half blue) with an Exif APP1 that
 * holds Orientation and a Make string with MARKER; TIFF order le or be. */
static unsigned char *exif_jpeg(int w, int h, unsigned orientation, int le, size_t *n)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	gdImageFilledRectangle(im, 0, 0, w / 2 - 1, h - 1, gdTrueColor(255, 0, 0));
	gdImageFilledRectangle(im, w / 2, 0, w - 1, h - 1, gdTrueColor(0, 0, 255));
	size_t jn;
	unsigned char *jpg = encode(im, "jpeg", &jn);
	gdImageDestroy(im);

	struct bb t = {0}, out = {0};
	bb_put(&t, le ? "II" : "MM", 2);
	bb_u16(&t, 42, le);
	bb_u32(&t, 8, le);
	bb_u16(&t, 2, le);	/* IFD0: 2 entries, ends at 38 */
	bb_u16(&t, 0x010f, le); /* Make, ASCII, at 38 */
	bb_u16(&t, 2, le);
	bb_u32(&t, sizeof(MARKER), le);
	bb_u32(&t, 38, le);
	bb_u16(&t, 0x0112, le); /* Orientation, SHORT */
	bb_u16(&t, 3, le);
	bb_u32(&t, 1, le);
	bb_u16(&t, orientation, le);
	bb_u16(&t, 0, le);
	bb_u32(&t, 0, le);
	bb_put(&t, MARKER, sizeof(MARKER));

	bb_put(&out, jpg, 2);
	bb_u16(&out, 0xffe1, 0);
	bb_u16(&out, (unsigned)(2 + 6 + t.n), 0);
	bb_put(&out, "Exif\0\0", 6);
	bb_put(&out, t.p, t.n);
	bb_put(&out, jpg + 2, jn - 2);
	free(t.p);
	free(jpg);
	*n = out.n;
	return out.p;
}

/* A PNG signature and IHDR claiming w x h (8-bit RGB); CRC not checked. */
static size_t png_header(unsigned char *p, uint32_t w, uint32_t h)
{
	struct bb b = {0};
	bb_put(&b, "\x89PNG\r\n\x1a\n", 8);
	bb_u32(&b, 13, 0);
	bb_put(&b, "IHDR", 4);
	bb_u32(&b, w, 0);
	bb_u32(&b, h, 0);
	bb_put(&b, "\x08\x02\x00\x00\x00", 5);
	bb_u32(&b, 0, 0);
	memcpy(p, b.p, b.n);
	size_t n = b.n;
	free(b.p);
	return n;
}

/* ---- helpers: the media directory ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int count_files;
static int count_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		count_files++;
	return 0;
}

static int files_in(const char *dir)
{
	count_files = 0;
	nftw(dir, count_entry, 16, FTW_PHYS);
	return count_files;
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

static char *media_path(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);
	snprintf(p, strlen(dir) + strlen(rel) + 2, "%s/%s", dir, rel);
	return p;
}

/* ---- sniffing ---- */

static void test_format_names(void **state)
{
	assert_string_equal(image_format_name(IMG_JPEG), "jpeg");
	assert_string_equal(image_format_name(IMG_PNG), "png");
	assert_string_equal(image_format_name(IMG_WEBP), "webp");
	assert_string_equal(image_format_name(IMG_AVIF), "avif");
	assert_string_equal(image_format_name(IMG_UNKNOWN), "unknown");
}

static const struct {
	const char *enc;
	enum image_format f;
	const char *chunk; /* WebP first chunk */
} kinds[] = {
    {"jpeg", IMG_JPEG, NULL},	  {"png", IMG_PNG, NULL},   {"webp", IMG_WEBP, "VP8 "},
    {"webpll", IMG_WEBP, "VP8L"}, {"avif", IMG_AVIF, NULL},
};

static void test_sniff_real_images(void **state)
{
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		size_t n;
		unsigned char *p = make_image(kinds[k].enc, 301, 157, &n);
		struct image_info info;
		const char *why = NULL;
		assert_int_equal(image_sniff(p, n, MP40, &info, &why), 0);
		assert_int_equal(info.format, kinds[k].f);
		assert_int_equal(info.width, 301);
		assert_int_equal(info.height, 157);
		if (kinds[k].chunk)
			assert_memory_equal(p + 12, kinds[k].chunk, 4);
		assert_true(imgsniff_complete(info.format, p, n));
		free(p);
	}
}

static void test_sniff_webp_vp8x(void **state)
{
	gdImagePtr im = picture(64, 40);
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	gdImageFilledRectangle(im, 0, 0, 10, 10, gdTrueColorAlpha(0, 0, 0, 127));
	size_t n;
	unsigned char *p = encode(im, "webp", &n);
	gdImageDestroy(im);
	assert_memory_equal(p + 12, "VP8X", 4);
	struct image_info info;
	const char *why;
	assert_int_equal(image_sniff(p, n, MP40, &info, &why), 0);
	assert_int_equal(info.width, 64);
	assert_int_equal(info.height, 40);
	free(p);
}

/* Every prefix shorter than the header fails with 400/415; once the header
 * is whole, sniffing succeeds and the completeness check waits for the end. */
static void test_sniff_truncated_prefixes(void **state)
{
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		size_t n, len;
		unsigned char *p = make_image(kinds[k].enc, 40, 30, &n);
		struct image_info info;
		const char *why;
		for (len = 0; len <= n; len++) {
			unsigned char *cut = xmalloc(len ? len : 1); /* exact size for ASan */
			memcpy(cut, p, len);
			int rc = image_sniff(cut, len, MP40, &info, &why);
			free(cut);
			if (rc == 0)
				break;
			assert_true(rc == 400 || rc == 415);
			assert_non_null(why);
		}
		assert_true(len <= n);
		for (size_t m = len; m < n; m++)
			assert_int_equal(image_sniff(p, m, MP40, &info, &why), 0);
		assert_false(imgsniff_complete(kinds[k].f, p, n - 1));
		free(p);
	}
}

static void test_sniff_limits(void **state)
{
	unsigned char h[64];
	struct image_info info;
	const char *why;
	size_t n = png_header(h, 10000, 5000);
	assert_int_equal(image_sniff(h, n, MP40, &info, &why), 413);
	assert_string_equal(why, "the image is larger than 40 megapixels");
	assert_int_equal(image_sniff(h, n, 2500000, &info, &why), 413);
	assert_string_equal(why, "the image is larger than 2.5 megapixels");
	assert_int_equal(image_sniff(h, n, 50000000, &info, &why), 0);
	n = png_header(h, 16384, 10);
	assert_int_equal(image_sniff(h, n, MP40, &info, &why), 413);
	n = png_header(h, 16383, 10);
	assert_int_equal(image_sniff(h, n, MP40, &info, &why), 0);
	n = png_header(h, 0, 10);
	assert_int_equal(image_sniff(h, n, MP40, &info, &why), 400);
	n = png_header(h, 10, 10);
	h[25] = 5; /* colour type 5 does not exist */
	assert_int_equal(image_sniff(h, n, MP40, &info, &why), 400);
}

static void test_sniff_not_images(void **state)
{
	static const char *inputs[] = {
	    "hello, this is a text file named cat.jpg\n",
	    "",
	    "GIF89a\x01\x00\x01\x00",
	    "RIFF\x24\x00\x00\x00WAVEfmt ",
	    "\x00\x00\x00\x18"
	    "ftypheic\x00\x00\x00\x00mif1heic",
	    "\x00\x00\x00\x14"
	    "ftypisom\x00\x00\x00\x00mp41",
	};
	static const size_t lens[] = {41, 0, 10, 16, 24, 20};
	for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
		struct image_info info;
		const char *why = NULL;
		assert_int_equal(
		    image_sniff((const unsigned char *)inputs[i], lens[i], MP40, &info, &why), 415);
		assert_string_equal(why, "not a JPEG, PNG, WebP or AVIF image");
		assert_int_equal(info.format, IMG_UNKNOWN);
	}
}

static void test_sniff_jpeg_markers(void **state)
{
	struct image_info info;
	const char *why;
	/* fill bytes, a standalone RST, APP0, DHT (C4 is not a frame), then SOF2 */
	static const unsigned char ok[] = {0xff, 0xd8, 0xff, 0xff, 0xff, 0xd0, 0xff, 0xe0, 0x00,
					   0x04, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x08, 0x01, 0x02,
					   0x03, 0x04, 0x05, 0x06, 0xff, 0xc2, 0x00, 0x0b, 0x08,
					   0x01, 0x2c, 0x02, 0x58, 0x01, 0x01, 0x11, 0x00};
	assert_int_equal(image_sniff(ok, sizeof(ok), MP40, &info, &why), 0);
	assert_int_equal(info.format, IMG_JPEG);
	assert_int_equal(info.width, 600);
	assert_int_equal(info.height, 300);
	static const unsigned char sos_first[] = {0xff, 0xd8, 0xff, 0xda, 0x00, 0x02,
						  0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00};
	assert_int_equal(image_sniff(sos_first, sizeof(sos_first), MP40, &info, &why), 400);
	static const unsigned char garbage[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0x12, 0x34};
	assert_int_equal(image_sniff(garbage, sizeof(garbage), MP40, &info, &why), 400);
	static const unsigned char short_seg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01};
	assert_int_equal(image_sniff(short_seg, sizeof(short_seg), MP40, &info, &why), 400);
	static const unsigned char zero_h[] = {0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08,
					       0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0x11};
	assert_int_equal(image_sniff(zero_h, sizeof(zero_h), MP40, &info, &why), 400);
}

/* A hand-made AVIF header: ftyp (major mif1, avif compatible), meta with
 * pitm, and ipco holding a tile ispe before the primary item's ispe. */
static unsigned char *avif_header(int with_pitm, int wide_ipma, int large_meta, size_t *n)
{
	struct bb b = {0};
	size_t ftyp = box_begin(&b, "ftyp");
	bb_put(&b, "mif1\0\0\0\0mif1miafavif", 20);
	box_end(&b, ftyp);
	size_t meta = b.n;
	if (large_meta) {
		bb_u32(&b, 1, 0);
		bb_put(&b, "meta", 4);
		bb_u32(&b, 0, 0);
		bb_u32(&b, 0, 0); /* 64-bit size, patched below */
	} else {
		box_begin(&b, "meta");
	}
	bb_u32(&b, 0, 0);
	size_t hdlr = box_begin(&b, "hdlr");
	bb_put(&b, "\0\0\0\0\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0", 25);
	box_end(&b, hdlr);
	if (with_pitm) {
		size_t pitm = box_begin(&b, "pitm");
		bb_u32(&b, 0, 0);
		bb_u16(&b, 2, 0);
		box_end(&b, pitm);
	}
	size_t iprp = box_begin(&b, "iprp");
	size_t ipco = box_begin(&b, "ipco");
	size_t ispe = box_begin(&b, "ispe");
	bb_u32(&b, 0, 0);
	bb_u32(&b, 1, 0);
	bb_u32(&b, 1, 0);
	box_end(&b, ispe);
	size_t pixi = box_begin(&b, "pixi");
	bb_put(&b, "\0\0\0\0\x03\x08\x08\x08", 8);
	box_end(&b, pixi);
	ispe = box_begin(&b, "ispe");
	bb_u32(&b, 0, 0);
	bb_u32(&b, 640, 0);
	bb_u32(&b, 480, 0);
	box_end(&b, ispe);
	box_end(&b, ipco);
	size_t ipma = box_begin(&b, "ipma");
	bb_u32(&b, wide_ipma ? 0x01000001 : 0, 0); /* version 1 + flag 1: wide */
	bb_u32(&b, 2, 0);
	for (uint32_t item = 1; item <= 2; item++) {
		if (wide_ipma)
			bb_u32(&b, item, 0);
		else
			bb_u16(&b, item, 0);
		bb_u8(&b, item == 1 ? 1 : 2);
		if (item == 1) {
			wide_ipma ? bb_u16(&b, 0x8001, 0) : bb_u8(&b, 0x81);
		} else {
			wide_ipma ? bb_u16(&b, 0x0002, 0) : bb_u8(&b, 0x02);
			wide_ipma ? bb_u16(&b, 0x8003, 0) : bb_u8(&b, 0x83);
		}
	}
	box_end(&b, ipma);
	box_end(&b, iprp);
	if (large_meta)
		b.p[meta + 15] = (unsigned char)(b.n - meta);
	else
		box_end(&b, meta);
	size_t mdat = box_begin(&b, "mdat");
	bb_put(&b, "data", 4);
	box_end(&b, mdat);
	*n = b.n;
	return b.p;
}

static void test_sniff_avif_boxes(void **state)
{
	struct image_info info;
	const char *why;
	size_t n;
	for (int v = 0; v < 8; v++) {
		int pitm = v & 1, wide = v & 2, large = v & 4;
		unsigned char *p = avif_header(pitm, wide, large, &n);
		assert_int_equal(image_sniff(p, n, MP40, &info, &why), 0);
		assert_int_equal(info.format, IMG_AVIF);
		/* the primary item's ispe; without pitm, the first one */
		assert_int_equal(info.width, pitm ? 640 : 1);
		assert_int_equal(info.height, pitm ? 480 : 1);
		assert_true(imgsniff_complete(IMG_AVIF, p, n));
		p[n - 12 + 3] = 0; /* mdat size 0: runs to the end */
		p[n - 12 + 2] = 0;
		assert_true(imgsniff_complete(IMG_AVIF, p, n));
		p[n - 12 + 3] = 4; /* mdat smaller than its header */
		assert_false(imgsniff_complete(IMG_AVIF, p, n));
		for (size_t len = 0; len < n - 12; len++) {
			int rc = image_sniff(p, len, MP40, &info, &why);
			assert_true(rc == 400 || rc == 415);
		}
		free(p);
	}
}

static void test_exif_orientation_parse(void **state)
{
	for (unsigned o = 1; o <= 8; o++) {
		for (int le = 0; le < 2; le++) {
			size_t n;
			unsigned char *p = exif_jpeg(8, 8, o, le, &n);
			assert_int_equal(imgsniff_exif_orientation(p, n), (int)o);
			/* every truncation falls back to 1 or finds the same value */
			for (size_t len = 0; len < 80; len++) {
				int r = imgsniff_exif_orientation(p, len);
				assert_true(r == 1 || r == (int)o);
			}
			free(p);
		}
	}
	size_t n;
	unsigned char *p = exif_jpeg(8, 8, 9, 0, &n); /* out of range */
	assert_int_equal(imgsniff_exif_orientation(p, n), 1);
	free(p);
	p = make_image("jpeg", 8, 8, &n);
	assert_int_equal(imgsniff_exif_orientation(p, n), 1);
	free(p);
}

/* ---- blurhash ---- */

/* Reference values from the blurhash npm package (2.0.5) with the C
 * reference's rule for the AC maximum (largest absolute value). */
static void test_blurhash_vectors(void **state)
{
	uint8_t px[12 * 8 * 3];
	char out[40];
	for (int w = 12, y = 0; y < 8; y++) {
		for (int x = 0; x < 12; x++) {
			uint8_t *p = px + (y * w + x) * 3;
			p[0] = (uint8_t)((x * 21 + 200 * (x >= w / 2)) & 255);
			p[1] = (uint8_t)((y * 31) & 255);
			p[2] = (uint8_t)(((x + y) * 13 + 40) & 255);
		}
	}
	assert_int_equal(blurhash_encode(4, 3, 12, 8, px, 36, out, sizeof(out)), 0);
	assert_string_equal(out, "LgB;,}BwsPXnqLV?jxaKf2fUfNfS");
	assert_int_equal(strlen(out), 2 + 4 + 2 * (4 * 3 - 1));
	assert_int_equal(blurhash_encode(1, 1, 12, 8, px, 36, out, sizeof(out)), 0);
	assert_string_equal(out, "00B;,}");

	uint8_t px2[7 * 5 * 4]; /* with a stride larger than 3 * width */
	for (int y = 0; y < 5; y++) {
		for (int x = 0; x < 7; x++) {
			uint8_t *p = px2 + y * 28 + x * 3;
			p[0] = (uint8_t)((x * 21 + 200 * (2 * x >= 7)) & 255);
			p[1] = (uint8_t)((y * 31) & 255);
			p[2] = (uint8_t)(((x + y) * 13 + 40) & 255);
		}
	}
	assert_int_equal(blurhash_encode(3, 2, 7, 5, px2, 28, out, sizeof(out)), 0);
	assert_string_equal(out, "BA5F|XO|SGupV@a{");
}

static void test_blurhash_bad_args(void **state)
{
	uint8_t px[12] = {0};
	char out[40];
	assert_int_equal(blurhash_encode(0, 3, 2, 2, px, 6, out, sizeof(out)), -1);
	assert_int_equal(blurhash_encode(10, 3, 2, 2, px, 6, out, sizeof(out)), -1);
	assert_int_equal(blurhash_encode(4, 3, 0, 2, px, 6, out, sizeof(out)), -1);
	assert_int_equal(blurhash_encode(4, 3, 2, 2, px, 5, out, sizeof(out)), -1);
	assert_int_equal(blurhash_encode(4, 3, 2, 2, NULL, 6, out, sizeof(out)), -1);
	assert_int_equal(blurhash_encode(4, 3, 2, 2, px, 6, out, 28), -1);
	assert_int_equal(blurhash_encode(4, 3, 2, 2, px, 6, out, 29), 0);
	assert_int_equal(strlen(out), 28);
}

/* ---- storing ---- */

static void hex_of(const unsigned char *p, size_t n, char out[65])
{
	unsigned char h[32];
	crypto_hash_sha256(h, p, n);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static gdImagePtr decode_file(const char *dir, const struct image_variant *v)
{
	size_t n;
	char *path = media_path(dir, v->path);
	unsigned char *p = read_all(path, &n);
	free(path);
	gdImagePtr im = strcmp(v->format, "webp") == 0 ? gdImageCreateFromWebpPtr((int)n, p)
						       : gdImageCreateFromJpegPtr((int)n, p);
	free(p);
	assert_non_null(im);
	return im;
}

/* The file exists with the recorded size, is named by its own SHA-256 and
 * decodes to the recorded size. */
static void check_variant(const char *dir, const struct image_variant *v)
{
	const char *ext = strcmp(v->format, "webp") == 0 ? "webp" : "jpg";
	assert_true(strcmp(v->format, "webp") == 0 || strcmp(v->format, "jpeg") == 0);
	assert_int_equal(strlen(v->path), 6 + 64 + 1 + strlen(ext));
	assert_memory_equal(v->path, v->path + 6, 2);
	assert_memory_equal(v->path + 3, v->path + 8, 2);
	assert_string_equal(v->path + 71, ext);
	size_t n;
	char hex[65], *path = media_path(dir, v->path);
	unsigned char *p = read_all(path, &n);
	free(path);
	assert_int_equal(n, v->bytes);
	hex_of(p, n, hex);
	assert_memory_equal(v->path + 6, hex, 64);
	free(p);
	gdImagePtr im = decode_file(dir, v);
	assert_int_equal(gdImageSX(im), v->width);
	assert_int_equal(gdImageSY(im), v->height);
	gdImageDestroy(im);
}

/* The SOFn marker of a stored JPEG's first frame: 0xc0 baseline, 0xc2
 * progressive (0 when there is none). */
static int jpeg_sof(const char *dir, const struct image_variant *v)
{
	size_t n, i = 2;
	char *path = media_path(dir, v->path);
	unsigned char *p = read_all(path, &n);
	free(path);
	int sof = 0;
	while (i + 4 <= n && p[i] == 0xff) {
		unsigned m = p[i + 1], len = (unsigned)p[i + 2] << 8 | p[i + 3];
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			sof = (int)m;
			break;
		}
		i += 2 + len;
	}
	free(p);
	return sof;
}

static void test_store_sizes(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = make_image("png", 1500, 1000, &n);
	struct image_stored out;
	const char *why = NULL;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
	static const uint32_t want[4][2] = {{320, 213}, {640, 427}, {1280, 853}, {1500, 1000}};
	assert_int_equal(out.nv, 8);
	assert_int_equal(out.width, 1500);
	assert_int_equal(out.height, 1000);
	for (int i = 0; i < out.nv; i++) {
		assert_string_equal(out.v[i].format, i % 2 ? "jpeg" : "webp");
		assert_int_equal(out.v[i].width, want[i / 2][0]);
		assert_int_equal(out.v[i].height, want[i / 2][1]);
		check_variant(dir, &out.v[i]);
		/* the first display size is a baseline JPEG (encoded for
		 * speed), the larger ones progressive */
		if (i % 2)
			assert_int_equal(jpeg_sof(dir, &out.v[i]),
					 want[i / 2][0] <= 400 ? 0xc0 : 0xc2);
	}
	assert_int_equal(files_in(dir), 8);
	char hex[65];
	hex_of(p, n, hex);
	assert_string_equal(out.sha256, hex);
	assert_int_equal(strlen(out.blurhash), 28);
	assert_int_equal(out.blurhash[0], 'L');
	assert_int_equal(strlen(out.avg_color), 7);
	assert_int_equal(out.avg_color[0], '#');
	assert_int_equal(strspn(out.avg_color + 1, "0123456789abcdef"), 6);
	free(p);
}

static void test_store_variant_counts(void **state)
{
	const char *dir = *state;
	static const struct {
		const char *enc;
		int w, h, nv;
	} cases[] = {{"png", 320, 200, 2},  {"png", 321, 200, 4},    {"jpeg", 700, 90, 6},
		     {"webp", 1281, 50, 8}, {"webpll", 200, 300, 2}, {"avif", 400, 300, 4}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n;
		unsigned char *p = make_image(cases[i].enc, cases[i].w, cases[i].h, &n);
		struct image_stored out;
		const char *why = NULL;
		assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
		assert_int_equal(out.nv, cases[i].nv);
		assert_int_equal(out.v[out.nv - 1].width, cases[i].w);
		assert_int_equal(out.v[out.nv - 1].height, cases[i].h);
		for (int k = 0; k < out.nv; k++)
			check_variant(dir, &out.v[k]);
		free(p);
	}
}

static void test_store_twice_same_paths(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = make_image("jpeg", 800, 600, &n);
	struct image_stored a, b;
	const char *why;
	assert_int_equal(image_store(dir, p, n, MP40, &a, &why), 0);
	int files = files_in(dir);
	struct stat st1, st2;
	char *path = media_path(dir, a.v[0].path);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(image_store(dir, p, n, MP40, &b, &why), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* kept, not replaced */
	assert_int_equal(files_in(dir), files);
	assert_int_equal(a.nv, b.nv);
	for (int i = 0; i < a.nv; i++)
		assert_string_equal(a.v[i].path, b.v[i].path);
	assert_string_equal(a.blurhash, b.blurhash);
	free(path);
	free(p);
}

static void test_store_strips_exif(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = exif_jpeg(700, 500, 1, 0, &n);
	assert_non_null(memmem(p, n, MARKER, strlen(MARKER)));
	struct image_stored out;
	const char *why;
	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
	assert_int_equal(out.nv, 6);
	for (int i = 0; i < out.nv; i++) {
		size_t fn;
		char *path = media_path(dir, out.v[i].path);
		unsigned char *f = read_all(path, &fn);
		assert_null(memmem(f, fn, MARKER, strlen(MARKER)));
		assert_null(memmem(f, fn, "Exif", 4));
		free(f);
		free(path);
	}
	free(p);
}

/* Colour class of a pixel: 'r' red, 'b' blue, '?' neither. */
static char hue_at(gdImagePtr im, int x, int y)
{
	int c = gdImageGetTrueColorPixel(im, x, y);
	int r = gdTrueColorGetRed(c), b = gdTrueColorGetBlue(c);
	return r > 200 && b < 60 ? 'r' : b > 200 && r < 60 ? 'b' : '?';
}

static void test_store_orientation(void **state)
{
	const char *dir = *state;
	/* the source is 40x20: red left half, blue right half */
	static const struct {
		unsigned o;
		int w, h;
		char first, last; /* colour at top-left and bottom-right corners */
	} cases[] = {{1, 40, 20, 'r', 'b'}, {3, 40, 20, 'b', 'r'}, {6, 20, 40, 'r', 'b'},
		     {8, 20, 40, 'b', 'r'}, {2, 40, 20, 'b', 'r'}, {5, 20, 40, 'r', 'b'}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n;
		unsigned char *p = exif_jpeg(40, 20, cases[i].o, (int)(i & 1), &n);
		struct image_stored out;
		const char *why;
		assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
		assert_int_equal(out.width, cases[i].w);
		assert_int_equal(out.height, cases[i].h);
		for (int k = 0; k < out.nv; k++) {
			gdImagePtr im = decode_file(dir, &out.v[k]);
			assert_int_equal(gdImageSX(im), cases[i].w);
			assert_int_equal(hue_at(im, 2, 2), cases[i].first);
			assert_int_equal(hue_at(im, cases[i].w - 3, cases[i].h - 3), cases[i].last);
			gdImageDestroy(im);
		}
		free(p);
	}
}

static void test_store_truncated(void **state)
{
	const char *dir = *state;
	static const char *fmts[] = {"jpeg", "png", "webp", "avif"};
	for (size_t f = 0; f < ARRAY_LEN(fmts); f++) {
		size_t n;
		unsigned char *p = make_image(fmts[f], 200, 150, &n);
		for (size_t cut = n - 1; cut > n / 3; cut -= 1 + cut / 8) {
			struct image_stored out;
			const char *why = NULL;
			assert_int_equal(image_store(dir, p, cut, MP40, &out, &why), 400);
			assert_string_equal(why, "the image file is damaged or truncated");
			assert_int_equal(out.nv, 0);
		}
		free(p);
	}
	/* damage inside a PNG: libpng's CRC check refuses it */
	size_t n;
	unsigned char *p = make_image("png", 200, 150, &n);
	p[n / 2] ^= 0x55;
	struct image_stored out;
	const char *why;
	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 400);
	free(p);
	assert_int_equal(files_in(dir), 0);
}

static void test_store_rejects(void **state)
{
	const char *dir = *state;
	struct image_stored out;
	const char *why;
	static const char text[] = "just some text\n";
	assert_int_equal(
	    image_store(dir, (const unsigned char *)text, sizeof(text) - 1, MP40, &out, &why), 415);
	unsigned char big[64];
	size_t n = png_header(big, 10000, 5000);
	assert_int_equal(image_store(dir, big, n, MP40, &out, &why), 413);
	assert_ptr_equal(why, out.reason);
	assert_string_equal(why, "the image is larger than 40 megapixels");
	assert_int_equal(files_in(dir), 0);
}

/* Transparent pixels stay transparent in WebP and become white in JPEG,
 * from a truecolor PNG with alpha, a palette PNG with a clear colour, and an
 * AVIF with alpha. */
static void test_store_alpha(void **state)
{
	const char *dir = *state;
	for (int kind = 0; kind < 3; kind++) {
		int palette = kind == 1;
		gdImagePtr im = palette ? gdImageCreate(400, 300) : picture(400, 300);
		if (palette) {
			gdImageColorAllocate(im, 30, 90, 200); /* background */
			int clear = gdImageColorAllocate(im, 0, 0, 0);
			gdImageColorTransparent(im, clear);
			gdImageFilledRectangle(im, 0, 0, 99, 99, clear);
		} else {
			gdImageAlphaBlending(im, 0);
			gdImageSaveAlpha(im, 1);
			gdImageFilledRectangle(im, 0, 0, 99, 99,
					       gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));
		}
		size_t n;
		unsigned char *p = encode(im, kind == 2 ? "avif" : "png", &n);
		gdImageDestroy(im);
		struct image_stored out;
		const char *why;
		assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
		assert_int_equal(out.nv, 4);
		for (int k = 0; k < out.nv; k++) {
			gdImagePtr d = decode_file(dir, &out.v[k]);
			int c = gdImageGetTrueColorPixel(d, 5, 5);
			if (strcmp(out.v[k].format, "webp") == 0) {
				assert_int_equal(gdTrueColorGetAlpha(c), gdAlphaTransparent);
			} else {
				assert_true(gdTrueColorGetRed(c) > 245 &&
					    gdTrueColorGetGreen(c) > 245 &&
					    gdTrueColorGetBlue(c) > 245);
			}
			c = gdImageGetTrueColorPixel(d, 300, 250); /* opaque area */
			assert_int_equal(gdTrueColorGetAlpha(c), 0);
			gdImageDestroy(d);
		}
		free(p);
	}
}

/* A failure on a late file removes the files this call had written. */
static void test_store_failure_rolls_back(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = make_image("png", 700, 500, &n);
	struct image_stored out;
	const char *why;
	char *bad = media_path(dir, "nonexistent/media");
	assert_int_equal(image_store(bad, p, n, MP40, &out, &why), 500);
	assert_string_equal(why, "could not store the image");
	free(bad);

	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
	assert_int_equal(out.nv, 6);
	/* the latest file whose first directory no earlier file uses (the names
	 * are content hashes: which one that is depends on the encoders' bytes) */
	int k = out.nv - 1, shared = 1;
	for (; k > 1 && shared; k -= shared) {
		shared = 0;
		for (int i = 0; i < k; i++)
			shared |= !memcmp(out.v[i].path, out.v[k].path, 2);
	}
	assert_false(shared);
	struct image_variant last = out.v[k];
	teardown_dir(state);
	assert_int_equal(setup_dir(state), 0);
	dir = *state;
	char first[3] = {last.path[0], last.path[1], 0};
	char *blocker = media_path(dir, first);
	FILE *f = fopen(blocker, "w"); /* a file where the directory must go */
	assert_non_null(f);
	fclose(f);
	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 500);
	assert_int_equal(out.nv, 0);
	assert_int_equal(files_in(dir), 1);
	free(blocker);
	free(p);
}

/* A progressive JPEG with 3,000 more scans (each a pass over the picture
 * that adds nothing) is refused with 422 before it is decoded, and nothing
 * is stored; the same picture with its ordinary scans is stored. */
static void test_store_many_scans(void **state)
{
	const char *dir = *state;
	gdImagePtr im = picture(400, 300);
	gdImageInterlace(im, 1);
	size_t n, cn = 0;
	unsigned char *p = encode(im, "jpeg", &n);
	gdImageDestroy(im);
	unsigned char *crafted = jpegcraft_scans(p, n, 3000, &cn);
	assert_non_null(crafted);
	struct image_stored out;
	const char *why = NULL;
	assert_int_equal(image_store(dir, crafted, cn, MP40, &out, &why), 422);
	assert_string_equal(why,
			    "the JPEG has more than 100 scans; save it again as an ordinary JPEG");
	assert_int_equal(out.nv, 0);
	assert_int_equal(files_in(dir), 0);
	assert_int_equal(image_store_fit(dir, crafted, cn, MP40, PROFILE_AVATAR_SIDE, &out, &why),
			 422);
	assert_int_equal(files_in(dir), 0);
	assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
	assert_int_equal(out.nv, 4);
	free(crafted);
	free(p);
}

/* An avatar is stored no larger than PROFILE_AVATAR_SIDE on its longer side
 * (JPEG decoded at a reduced scale, the other formats shrunk), upright. */
/* Mean absolute difference of two pictures of one size: over red, green
 * and blue, or over alpha. */
static double mad(gdImagePtr a, gdImagePtr b, int alpha)
{
	assert_int_equal(gdImageSX(a), gdImageSX(b));
	assert_int_equal(gdImageSY(a), gdImageSY(b));
	double sum = 0;
	for (int y = 0; y < gdImageSY(a); y++) {
		for (int x = 0; x < gdImageSX(a); x++) {
			int p = a->tpixels[y][x], q = b->tpixels[y][x];
			if (alpha) {
				sum += abs(gdTrueColorGetAlpha(p) - gdTrueColorGetAlpha(q));
				continue;
			}
			sum += abs(gdTrueColorGetRed(p) - gdTrueColorGetRed(q)) +
			       abs(gdTrueColorGetGreen(p) - gdTrueColorGetGreen(q)) +
			       abs(gdTrueColorGetBlue(p) - gdTrueColorGetBlue(q));
		}
	}
	return sum / ((double)gdImageSX(a) * gdImageSY(a) * (alpha ? 1 : 3));
}

/* with_alpha: the left quarter half transparent, the bottom quarter
 * striped with transparency (3 px: an area average must weight them
 * exactly; WebP keeps alpha losslessly); else opaque. */
static int stripe_alpha(int with_alpha, int x, int y, int w, int h)
{
	if (!with_alpha)
		return 0;
	if (x < w / 4)
		return 64;
	return y > h * 3 / 4 ? (x / 3) % 2 * 100 : 0;
}

/* A smooth picture (so the encoders lose little) with a disc; alpha as
 * stripe_alpha says. */
static gdImagePtr smooth_picture(int w, int h, int with_alpha)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] =
			    gdTrueColorAlpha(x * 255 / w, y * 255 / h, (x + y) * 255 / (w + h),
					     stripe_alpha(with_alpha, x, y, w, h));
	gdImageFilledEllipse(im, w / 2, h / 2, w / 3, h / 3, gdTrueColor(250, 20, 120));
	return im;
}

/* libgd's area-averaging resampler on im: the reference. */
static gdImagePtr gd_resampled(gdImagePtr im, int w, int h)
{
	gdImagePtr d = gdImageCreateTrueColor(w, h);
	assert_non_null(d);
	gdImageAlphaBlending(d, 0);
	gdImageSaveAlpha(d, 1);
	gdImageCopyResampled(d, im, 0, 0, 0, 0, w, h, gdImageSX(im), gdImageSY(im));
	return d;
}

/* Every display size is the picture area-averaged as libgd's resampler
 * makes it, within what the encoders lose: colours (JPEG, WebP) and alpha
 * (WebP keeps it). */
static void test_store_sizes_look_right(void **state)
{
	const char *dir = *state;
	for (int with_alpha = 0; with_alpha < 2; with_alpha++) {
		gdImagePtr im = smooth_picture(1500, 1000, with_alpha);
		size_t n;
		unsigned char *p = encode(im, with_alpha ? "png" : "jpeg", &n);
		gdImagePtr src = with_alpha ? gdImageCreateFromPngPtr((int)n, p)
					    : gdImageCreateFromJpegPtr((int)n, p);
		assert_non_null(src);
		struct image_stored out;
		const char *why = NULL;
		assert_int_equal(image_store(dir, p, n, MP40, &out, &why), 0);
		int checked = 0;
		for (int k = 0; k < out.nv; k++) {
			const struct image_variant *v = &out.v[k];
			if (v->role != IMAGE_DISPLAY || (with_alpha && strcmp(v->format, "webp")))
				continue;
			gdImagePtr got = decode_file(dir, v);
			gdImagePtr want = gd_resampled(src, (int)v->width, (int)v->height);
			if (!strcmp(v->format, "jpeg") && with_alpha)
				fail();
			double d = mad(got, want, 0);
			assert_true(d < 3.0);
			if (with_alpha) {
				assert_true(mad(got, want, 1) < 1.0);
				/* the left quarter is still half transparent */
				int a =
				    gdTrueColorGetAlpha(got->tpixels[v->height / 2][v->width / 8]);
				assert_true(a > 54 && a < 74);
			}
			gdImageDestroy(got);
			gdImageDestroy(want);
			checked++;
		}
		assert_int_equal(checked, with_alpha ? 3 : 6);
		gdImageDestroy(src);
		gdImageDestroy(im);
		free(p);
	}
}

/* A square picture's cards are its display sizes of the same side: the
 * same files, listed again, written once and owned by the first listing
 * (so image_discard removes each once). */
static void test_store_square_cards(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = make_image("jpeg", 1000, 1000, &n);
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored out;
	const char *why = NULL;
	assert_int_equal(image_store_labelled(dir, p, n, MP40, &l, &out, &why), 0);
	/* 320, 640, cards 320 and 640, the original 1000 (no display copy at
	 * its own size: 1000 <= 1280 gives one), WebP and JPEG each */
	int cards = 0, owned = 0;
	for (int k = 0; k < out.nv; k++) {
		const struct image_variant *v = &out.v[k];
		check_variant(dir, v);
		owned += (int)(out.created >> k & 1u);
		if (v->role != IMAGE_CARD)
			continue;
		cards++;
		assert_true(v->labelled);
		int same = 0;
		for (int i = 0; i < out.nv; i++)
			same += i != k && out.v[i].role == IMAGE_DISPLAY &&
				!strcmp(out.v[i].path, v->path);
		assert_int_equal(same, 1);
		assert_false(out.created >> k & 1u);
	}
	assert_int_equal(cards, 4);
	assert_int_equal(owned, files_in(dir));
	image_discard(dir, &out);
	assert_int_equal(files_in(dir), 0);
	free(p);
}

/* The offset of the first SOS marker of a JPEG (its scan data follows). */
static size_t first_scan(const unsigned char *p, size_t n)
{
	const unsigned char *s = memmem(p, n, "\xff\xda", 2);
	assert_non_null(s);
	return (size_t)(s - p);
}

/* A post's JPEG keeps its own scans as the original, its metadata (Exif
 * with a camera string, a comment, bytes after EOI) dropped; one with an
 * EXIF orientation to undo is encoded again, upright. */
static void test_store_keeps_jpeg_original(void **state)
{
	const char *dir = *state;
	static const char trailer[] = "TRAILER-AFTER-EOI";
	for (unsigned o = 1; o <= 6; o += 5) {
		size_t n;
		unsigned char *p = exif_jpeg(1400, 900, o, 1, &n);
		unsigned char *up = xmalloc(n + sizeof(trailer));
		memcpy(up, p, n);
		memcpy(up + n, trailer, sizeof(trailer));
		struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
		struct image_stored out;
		const char *why = NULL;
		assert_int_equal(
		    image_store_labelled(dir, up, n + sizeof(trailer), MP40, &l, &out, &why), 0);
		int found = 0;
		for (int k = 0; k < out.nv; k++) {
			const struct image_variant *v = &out.v[k];
			check_variant(dir, v);
			if (v->role != IMAGE_ORIGINAL || strcmp(v->format, "jpeg"))
				continue;
			found++;
			assert_int_equal(v->width, o == 1 ? 1400 : 900);
			size_t fn;
			char *path = media_path(dir, v->path);
			unsigned char *f = read_all(path, &fn);
			assert_null(memmem(f, fn, MARKER, strlen(MARKER)));
			assert_null(memmem(f, fn, "Exif", 4));
			assert_null(memmem(f, fn, trailer, strlen(trailer)));
			size_t ps = first_scan(p, n), fs = first_scan(f, fn);
			int same = fn - fs == n - ps && !memcmp(f + fs, p + ps, n - ps);
			assert_int_equal(same, o == 1);
			free(f);
			free(path);
		}
		assert_int_equal(found, 1);
		image_discard(dir, &out);
		free(up);
		free(p);
	}
}

/* image_jpeg_keep refuses what it does not read exactly. */
static void test_jpeg_keep_refuses(void **state)
{
	(void)state;
	size_t n;
	unsigned char *p = make_image("jpeg", 64, 48, &n), *out = NULL;
	size_t outlen = 0;
	assert_int_equal(image_jpeg_keep(p, n, &out, &outlen), 0);
	assert_true(outlen > 0 && outlen <= n);
	free(out);
	for (size_t cut = n - 1; cut > 2; cut -= 1 + cut / 4) {
		assert_int_equal(image_jpeg_keep(p, cut, &out, &outlen), -1);
		assert_null(out);
	}
	/* damaged anywhere: never a read outside, never longer than the input */
	unsigned char *q = xmalloc(n);
	for (unsigned i = 0; i < 4000; i++) {
		memcpy(q, p, n);
		for (unsigned k = 0; k < 1 + i % 4; k++)
			q[(i * 7919u + k * 104729u) % n] ^= (unsigned char)(1u << ((i + k) % 8));
		if (image_jpeg_keep(q, n, &out, &outlen) == 0)
			assert_true(outlen > 4 && outlen <= n && out[0] == 0xFF);
		free(out);
	}
	free(q);
	p[2] = 0x00; /* the first segment is not a marker */
	assert_int_equal(image_jpeg_keep(p, n, &out, &outlen), -1);
	free(p);
}

/* A post's JPEG smaller than the smallest display width is not enlarged:
 * every file is at most its size, the display copy and the card at it. */
static void test_store_small_jpeg_not_enlarged(void **state)
{
	const char *dir = *state;
	size_t n;
	unsigned char *p = make_image("jpeg", 300, 200, &n);
	struct image_label l = {1, "AI-generated", LABEL_BOTTOM_RIGHT, 70};
	struct image_stored out;
	const char *why = NULL;
	assert_int_equal(image_store_labelled(dir, p, n, MP40, &l, &out, &why), 0);
	assert_int_equal(out.nv, 6); /* display copy, card 200, original */
	for (int k = 0; k < out.nv; k++) {
		check_variant(dir, &out.v[k]);
		assert_true(out.v[k].width <= 300 && out.v[k].height <= 200);
		if (out.v[k].role == IMAGE_CARD)
			assert_int_equal(out.v[k].width, 200);
	}
	free(p);
}

static void test_store_avatar(void **state)
{
	const char *dir = *state;
	static const struct {
		const char *enc;
		int w, h, ow, oh, nv;
	} cases[] = {{"jpeg", 2000, 1500, 640, 480, 4}, {"jpeg", 900, 1600, 360, 640, 4},
		     {"png", 1500, 1000, 640, 427, 4},	{"webp", 700, 700, 640, 640, 4},
		     {"png", 200, 150, 200, 150, 2},	{"jpeg", 640, 100, 640, 100, 4}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n;
		unsigned char *p = make_image(cases[i].enc, cases[i].w, cases[i].h, &n);
		struct image_stored out;
		const char *why = NULL;
		assert_int_equal(image_store_fit(dir, p, n, MP40, PROFILE_AVATAR_SIDE, &out, &why),
				 0);
		assert_int_equal(out.width, cases[i].ow);
		assert_int_equal(out.height, cases[i].oh);
		assert_int_equal(out.nv, cases[i].nv);
		assert_int_equal(out.v[out.nv - 1].width, cases[i].ow);
		for (int k = 0; k < out.nv; k++)
			check_variant(dir, &out.v[k]);
		free(p);
	}
	/* EXIF orientation 6 on a large JPEG: turned, then shrunk */
	size_t n;
	unsigned char *p = exif_jpeg(1600, 800, 6, 0, &n);
	struct image_stored out;
	const char *why;
	assert_int_equal(image_store_fit(dir, p, n, MP40, PROFILE_AVATAR_SIDE, &out, &why), 0);
	assert_int_equal(out.width, 320);
	assert_int_equal(out.height, 640);
	gdImagePtr im = decode_file(dir, &out.v[out.nv - 1]);
	assert_int_equal(hue_at(im, 5, 5), 'r');
	assert_int_equal(hue_at(im, 314, 634), 'b');
	gdImageDestroy(im);
	free(p);
}

#define STORE_TEST(t) cmocka_unit_test_setup_teardown(t, setup_dir, teardown_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_names),
	    cmocka_unit_test(test_sniff_real_images),
	    cmocka_unit_test(test_sniff_webp_vp8x),
	    cmocka_unit_test(test_sniff_truncated_prefixes),
	    cmocka_unit_test(test_sniff_limits),
	    cmocka_unit_test(test_sniff_not_images),
	    cmocka_unit_test(test_sniff_jpeg_markers),
	    cmocka_unit_test(test_sniff_avif_boxes),
	    cmocka_unit_test(test_exif_orientation_parse),
	    cmocka_unit_test(test_blurhash_vectors),
	    cmocka_unit_test(test_blurhash_bad_args),
	    cmocka_unit_test(test_jpeg_keep_refuses),
	    STORE_TEST(test_store_sizes),
	    STORE_TEST(test_store_variant_counts),
	    STORE_TEST(test_store_twice_same_paths),
	    STORE_TEST(test_store_strips_exif),
	    STORE_TEST(test_store_orientation),
	    STORE_TEST(test_store_truncated),
	    STORE_TEST(test_store_rejects),
	    STORE_TEST(test_store_alpha),
	    STORE_TEST(test_store_failure_rolls_back),
	    STORE_TEST(test_store_many_scans),
	    STORE_TEST(test_store_avatar),
	    STORE_TEST(test_store_sizes_look_right),
	    STORE_TEST(test_store_square_cards),
	    STORE_TEST(test_store_keeps_jpeg_original),
	    STORE_TEST(test_store_small_jpeg_not_enlarged),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
