/* mkimage.c - make deterministic test images (and crafted headers) for the integration tests. */
#include <gd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpegcraft.h"

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

static const char usage[] =
    "usage: mkimage jpeg|png|webp|avif WIDTH HEIGHT OUT [SEED]\n"
    "       mkimage bigpng WIDTH HEIGHT OUT   (IHDR claims the size, data is tiny)\n"
    "       mkimage exifjpeg OUT [ORIENTATION] (JPEG with Exif: GPS, SECRET-EXIF-MARKER)\n"
    "       mkimage mosaic jpeg|png|webp WIDTH HEIGHT OUT [SEED] (busy tiles: a detailed picture)\n"
    "       mkimage resize IN jpeg|png|webp WIDTH HEIGHT OUT (the same picture, re-encoded)\n"
    "       mkimage scansjpeg WIDTH HEIGHT EXTRA OUT (progressive, EXTRA more cheap scans)\n";

/* ---- byte output ---- */

struct out {
	unsigned char b[512];
	size_t n;
};

static void put8(struct out *o, unsigned v)
{
	if (o->n < sizeof(o->b))
		o->b[o->n++] = (unsigned char)v;
}

static void put16(struct out *o, unsigned v)
{
	put8(o, v >> 8);
	put8(o, v & 0xff);
}

static void put32(struct out *o, uint32_t v)
{
	put16(o, v >> 16);
	put16(o, v & 0xffff);
}

static void putmem(struct out *o, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(o, ((const unsigned char *)p)[i]);
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* ---- pictures ---- */

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Gradients plus a few seeded circles and rectangles. */
static gdImagePtr picture(int w, int h, uint32_t seed)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (!im)
		return NULL;
	uint32_t s = seed * 2654435761u + 1;
	int tint = (int)(rnd(&s) % 256);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] =
			    gdTrueColor(x * 255 / (w > 1 ? w - 1 : 1),
					y * 255 / (h > 1 ? h - 1 : 1), (tint + (x + y) / 4) % 256);
	for (int i = 0; i < 6; i++) {
		int c =
		    gdTrueColor((int)(rnd(&s) % 256), (int)(rnd(&s) % 256), (int)(rnd(&s) % 256));
		int cx = (int)(rnd(&s) % (uint32_t)w), cy = (int)(rnd(&s) % (uint32_t)h);
		int r = 1 + (int)(rnd(&s) % (uint32_t)(1 + (w < h ? w : h) / 4));
		if (i % 2)
			gdImageFilledEllipse(im, cx, cy, 2 * r, 2 * r, c);
		else
			gdImageFilledRectangle(im, cx - r, cy - r / 2, cx + r, cy + r / 2, c);
	}
	return im;
}

/* A 12 x 9 grid of seeded colours: a picture with detail everywhere, whose
 * perceptual hash is far from that of any other seed (and of plain ones). */
static gdImagePtr mosaic(int w, int h, uint32_t seed)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (!im)
		return NULL;
	uint32_t s = seed * 2654435761u + 7;
	for (int ty = 0; ty < 9; ty++)
		for (int tx = 0; tx < 12; tx++) {
			int c = gdTrueColor((int)(rnd(&s) % 256), (int)(rnd(&s) % 256),
					    (int)(rnd(&s) % 256));
			gdImageFilledRectangle(im, tx * w / 12, ty * h / 9, (tx + 1) * w / 12 - 1,
					       (ty + 1) * h / 9 - 1, c);
		}
	return im;
}

/* Decode IN (JPEG, PNG or WebP) and scale it to w x h. */
static gdImagePtr load_scaled(const char *path, int w, int h)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	gdImagePtr src = gdImageCreateFromFile(path);
	fclose(f);
	if (!src) {
		fprintf(stderr, "mkimage: cannot decode %s\n", path);
		return NULL;
	}
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (im)
		gdImageCopyResampled(im, src, 0, 0, 0, 0, w, h, gdImageSX(src), gdImageSY(src));
	gdImageDestroy(src);
	return im;
}

static int encode_file(const char *fmt, gdImagePtr im, const char *path)
{
	int size = 0;
	void *p = NULL;
	if (strcmp(fmt, "jpeg") == 0)
		p = gdImageJpegPtr(im, &size, 90);
	else if (strcmp(fmt, "png") == 0)
		p = gdImagePngPtr(im, &size);
	else if (strcmp(fmt, "webp") == 0)
		p = gdImageWebpPtrEx(im, &size, 90);
	else if (strcmp(fmt, "avif") == 0) {
		LSAN_OFF();
		p = gdImageAvifPtrEx(im, &size, 60, 10);
		LSAN_ON();
	}
	if (!p) {
		fprintf(stderr, "mkimage: could not encode %s\n", fmt);
		return 1;
	}
	int rc = write_file(path, p, (size_t)size);
	gdFree(p);
	return rc;
}

/* ---- bigpng: a PNG whose IHDR claims w x h, with one tiny IDAT ---- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void png_chunk(struct out *o, const char *type, const unsigned char *data, uint32_t n)
{
	put32(o, n);
	size_t start = o->n;
	putmem(o, type, 4);
	putmem(o, data, n);
	put32(o, crc32_of(o->b + start, o->n - start));
}

static int big_png(uint32_t w, uint32_t h, const char *path)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	/* zlib: one stored block holding a single zero byte, adler32 = 1,1 */
	static const unsigned char idat[] = {0x78, 0x01, 0x01, 0x01, 0x00, 0xfe,
					     0xff, 0x00, 0x00, 0x01, 0x00, 0x01};
	struct out ihdr = {.n = 0}, o = {.n = 0};
	put32(&ihdr, w);
	put32(&ihdr, h);
	putmem(&ihdr, "\x08\x02\x00\x00\x00", 5); /* 8-bit RGB */
	putmem(&o, sig, 8);
	png_chunk(&o, "IHDR", ihdr.b, (uint32_t)ihdr.n);
	png_chunk(&o, "IDAT", idat, sizeof(idat));
	png_chunk(&o, "IEND", NULL, 0);
	return write_file(path, o.b, o.n);
}

/* ---- exifjpeg: a JPEG with an APP1 Exif segment (Make, GPS) ---- */

static void ifd_entry(struct out *o, unsigned tag, unsigned type, uint32_t count, uint32_t val)
{
	put16(o, tag);
	put16(o, type);
	put32(o, count);
	put32(o, val);
}

/* Big-endian TIFF: IFD0 at 8 (Make, Orientation, GPS pointer), the Make
 * string at 50, the GPS IFD at 70, its latitude rationals at 100. */
static void exif_tiff(struct out *o, unsigned orientation)
{
	static const char make[] = "SECRET-EXIF-MARKER"; /* 19 bytes with NUL */
	putmem(o, "MM\x00\x2a", 4);
	put32(o, 8);
	put16(o, 3);
	ifd_entry(o, 0x010f, 2, sizeof(make), 50);		 /* Make */
	ifd_entry(o, 0x0112, 3, 1, (uint32_t)orientation << 16); /* Orientation */
	ifd_entry(o, 0x8825, 4, 1, 70);				 /* GPSInfo */
	put32(o, 0);
	putmem(o, make, sizeof(make));
	put8(o, 0);
	put16(o, 2);
	ifd_entry(o, 0x0001, 2, 2, (uint32_t)'N' << 24); /* GPSLatitudeRef */
	ifd_entry(o, 0x0002, 5, 3, 100);		 /* GPSLatitude */
	put32(o, 0);
	const uint32_t lat[6] = {48, 1, 51, 1, 24, 1};
	for (int i = 0; i < 6; i++)
		put32(o, lat[i]);
}

static int exif_jpeg(const char *path, unsigned orientation)
{
	gdImagePtr im = picture(64, 48, 7);
	int size = 0;
	unsigned char *jpg = im ? gdImageJpegPtr(im, &size, 90) : NULL;
	if (im)
		gdImageDestroy(im);
	if (!jpg || size < 2) {
		fprintf(stderr, "mkimage: could not encode jpeg\n");
		return 1;
	}
	struct out tiff = {.n = 0}, app1 = {.n = 0};
	exif_tiff(&tiff, orientation);
	put16(&app1, 0xffe1);
	put16(&app1, (unsigned)(2 + 6 + tiff.n));
	putmem(&app1, "Exif\0\0", 6);
	putmem(&app1, tiff.b, tiff.n);

	size_t n = app1.n + (size_t)size;
	unsigned char *all = malloc(n);
	int rc = 1;
	if (all) {
		memcpy(all, jpg, 2); /* SOI */
		memcpy(all + 2, app1.b, app1.n);
		memcpy(all + 2 + app1.n, jpg + 2, (size_t)size - 2);
		rc = write_file(path, all, n);
		free(all);
	}
	gdFree(jpg);
	return rc;
}

/* ---- scansjpeg: a progressive JPEG with thousands of cheap scans ---- */

static int scans_jpeg(int w, int h, long extra, const char *path)
{
	gdImagePtr im = picture(w, h, 3);
	int size = 0;
	if (im)
		gdImageInterlace(im, 1);
	unsigned char *jpg = im ? gdImageJpegPtr(im, &size, 85) : NULL;
	if (im)
		gdImageDestroy(im);
	size_t n = 0;
	unsigned char *all = jpg ? jpegcraft_scans(jpg, (size_t)size, extra, &n) : NULL;
	if (jpg)
		gdFree(jpg);
	if (!all) {
		fprintf(stderr, "mkimage: could not make the progressive jpeg\n");
		return 1;
	}
	int rc = write_file(path, all, n);
	free(all);
	return rc;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long w, h, seed = 1, orient = 1;
	if (argc >= 3 && strcmp(argv[1], "exifjpeg") == 0 && argc <= 4) {
		if (argc == 4 && parse_int(argv[3], 1, 8, &orient) < 0)
			goto bad;
		return exif_jpeg(argv[2], (unsigned)orient);
	}
	if (argc >= 6 && argc <= 7 && strcmp(argv[1], "mosaic") == 0) {
		if (parse_int(argv[3], 1, 16383, &w) < 0 || parse_int(argv[4], 1, 16383, &h) < 0 ||
		    (argc == 7 && parse_int(argv[6], 0, 0xffffffffL, &seed) < 0) ||
		    !strcmp(argv[2], "avif"))
			goto bad;
		gdImagePtr im = mosaic((int)w, (int)h, (uint32_t)seed);
		int rc = im ? encode_file(argv[2], im, argv[5]) : 1;
		if (im)
			gdImageDestroy(im);
		return rc;
	}
	if (argc == 6 && strcmp(argv[1], "scansjpeg") == 0) {
		long extra;
		if (parse_int(argv[2], 1, 16383, &w) < 0 || parse_int(argv[3], 1, 16383, &h) < 0 ||
		    parse_int(argv[4], 0, 1000000, &extra) < 0)
			goto bad;
		return scans_jpeg((int)w, (int)h, extra, argv[5]);
	}
	if (argc == 7 && strcmp(argv[1], "resize") == 0) {
		if (parse_int(argv[4], 1, 16383, &w) < 0 || parse_int(argv[5], 1, 16383, &h) < 0 ||
		    !strcmp(argv[3], "avif"))
			goto bad;
		gdImagePtr im = load_scaled(argv[2], (int)w, (int)h);
		int rc = im ? encode_file(argv[3], im, argv[6]) : 1;
		if (im)
			gdImageDestroy(im);
		return rc;
	}
	if (argc < 5 || argc > 6 || parse_int(argv[2], 1, 0xffffffffL, &w) < 0 ||
	    parse_int(argv[3], 1, 0xffffffffL, &h) < 0 ||
	    (argc == 6 && parse_int(argv[5], 0, 0xffffffffL, &seed) < 0))
		goto bad;
	if (strcmp(argv[1], "bigpng") == 0 && argc == 5)
		return big_png((uint32_t)w, (uint32_t)h, argv[4]);
	if (strcmp(argv[1], "jpeg") && strcmp(argv[1], "png") && strcmp(argv[1], "webp") &&
	    strcmp(argv[1], "avif"))
		goto bad;
	if (w > 16383 || h > 16383)
		goto bad;
	gdImagePtr im = picture((int)w, (int)h, (uint32_t)seed);
	if (!im) {
		fprintf(stderr, "mkimage: out of memory\n");
		return 1;
	}
	int rc = encode_file(argv[1], im, argv[4]);
	gdImageDestroy(im);
	return rc;
bad:
	fputs(usage, stderr);
	return 2;
}
