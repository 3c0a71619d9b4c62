/* image.c - decode an upload with libgd, re-encode its derived sizes, store them by content. */
#include "image.h"
#include "fileio.h"
#include "imgsniff.h"
#include "jpegdec.h"
#include "label.h"
#include "log.h"
#include "phash.h"
#include "util.h"
#include "withhold.h"

#include <avif/avif.h>
#include <errno.h>
#include <fcntl.h>
#include <gd.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <webp/encode.h>

#define WHY_DAMAGED  "the image file is damaged or truncated"
#define WHY_MISMATCH "the image size does not match its header"
#define WHY_STORE    "could not store the image"
#define WHY_HUGE     "the image file is too large"
#define WHY_FULL     "the server's disk is full; try again later"

#define WEBP_QUALITY 82
/* libwebp's effort, 0-6. libgd always asks for 4; at 2 a 320-1280 px
 * picture encodes 2-3.5 x faster for files 5-10 % larger (docs/ARCHITECTURE.md
 * "WebP through libwebp"). */
#define WEBP_METHOD 2
/* A picture no larger than this on its longer side (the first display
 * size and the cards) is encoded for speed: WebP at effort 0 and a
 * baseline JPEG, the first files an upload waits for. At 320 px they cost
 * 1.6 and 0.3 ms against 2.5 and 1.2 ms, for files a few per cent larger;
 * progressive JPEG pays off on big pictures only. */
#define SMALL_SIDE   400
#define JPEG_QUALITY 85
#define BLUR_SIDE    32 /* the blurhash is computed on a copy that fits 32x32 */

static const int variant_widths[] = {320, 640, 1280}; /* display sizes */
static const int card_sides[] = {320, 640};	      /* square cards */
#define FIRST_SIDE 320 /* the first display width and card (store_first) */

/* Sizes (display widths, card sides) in (lo, hi]. */
struct span {
	int lo, hi;
};

static const char b83_digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

static void hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- AVIF ----
 * libgd 2.3.3 leaks every buffer its AVIF reader reads (libgd #831, about
 * the file size per call) and sets no size limit, so AVIF is decoded with
 * libavif itself (linked directly; libgd depends on it anyway). */

/* 8-bit RGBA from libavif into a new gd truecolor image. */
static gdImagePtr avif_to_gd(const avifRGBImage *rgb)
{
	gdImagePtr im = gdImageCreateTrueColor((int)rgb->width, (int)rgb->height);
	if (!im)
		return NULL;
	for (uint32_t y = 0; y < rgb->height; y++) {
		const uint8_t *p = rgb->pixels + (size_t)y * rgb->rowBytes;
		for (uint32_t x = 0; x < rgb->width; x++, p += 4)
			im->tpixels[y][x] =
			    gdTrueColorAlpha(p[0], p[1], p[2], gdAlphaMax - (p[3] >> 1));
	}
	return im;
}

static gdImagePtr avif_decode(const unsigned char *d, size_t len, uint64_t max_pixels)
{
	avifDecoder *dec = avifDecoderCreate();
	gdImagePtr im = NULL;
	if (!dec)
		return NULL;
	dec->imageSizeLimit = max_pixels < UINT32_MAX ? (uint32_t)max_pixels : UINT32_MAX;
	dec->imageDimensionLimit = IMAGE_MAX_SIDE;
	dec->ignoreExif = AVIF_TRUE;
	dec->ignoreXMP = AVIF_TRUE;
	if (avifDecoderSetIOMemory(dec, d, len) == AVIF_RESULT_OK &&
	    avifDecoderParse(dec) == AVIF_RESULT_OK &&
	    avifDecoderNextImage(dec) == AVIF_RESULT_OK) {
		avifRGBImage rgb;
		avifRGBImageSetDefaults(&rgb, dec->image);
		rgb.format = AVIF_RGB_FORMAT_RGBA;
		rgb.depth = 8;
		avifRGBImageAllocatePixels(&rgb);
		if (avifImageYUVToRGB(dec->image, &rgb) == AVIF_RESULT_OK)
			im = avif_to_gd(&rgb);
		avifRGBImageFreePixels(&rgb);
	}
	avifDecoderDestroy(dec);
	return im;
}

/* ---- pixels ---- */

/* PNG, WebP, AVIF. JPEG goes through jpegdec_decode (jpegdec.h), which
 * bounds the work a file may ask for (libgd's reader has no such hook). */
static gdImagePtr decode(enum image_format f, const unsigned char *d, size_t len,
			 uint64_t max_pixels)
{
	void *p = (void *)d; /* libgd only reads it */
	int n = (int)len;
	switch (f) {
	case IMG_PNG:
		return gdImageCreateFromPngPtr(n, p);
	case IMG_WEBP:
		return gdImageCreateFromWebpPtr(n, p);
	case IMG_AVIF:
		return avif_decode(d, len, max_pixels);
	default:
		return NULL;
	}
}

/* The source pixel (of a w x h image) that lands on (x, y) once EXIF
 * orientation o is undone. */
static void orient_src(int o, int w, int h, int x, int y, int *sx, int *sy)
{
	int fx = w - 1 - x, fy = h - 1 - y; /* flipped, same axes */
	int tx = w - 1 - y, ty = h - 1 - x; /* flipped, swapped axes */
	if (o >= 5) {
		*sx = (o == 5 || o == 6) ? y : tx;
		*sy = (o == 5 || o == 8) ? x : ty;
	} else {
		*sx = (o == 2 || o == 3) ? fx : x;
		*sy = (o == 3 || o == 4) ? fy : y;
	}
}

/* A new truecolor image with EXIF orientation o (2..8) undone. */
static gdImagePtr orient(gdImagePtr src, int o)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	int swap = o >= 5;
	gdImagePtr dst = gdImageCreateTrueColor(swap ? h : w, swap ? w : h);
	if (!dst)
		return NULL;
	for (int y = 0; y < gdImageSY(dst); y++) {
		for (int x = 0; x < gdImageSX(dst); x++) {
			int sx, sy;
			orient_src(o, w, h, x, y, &sx, &sy);
			dst->tpixels[y][x] = src->tpixels[sy][sx];
		}
	}
	return dst;
}

static int has_alpha(gdImagePtr im)
{
	for (int y = 0; y < gdImageSY(im); y++)
		for (int x = 0; x < gdImageSX(im); x++)
			if (gdTrueColorGetAlpha(im->tpixels[y][x]) != gdAlphaOpaque)
				return 1;
	return 0;
}

/* Channel value c seen through gd alpha a (0 opaque .. 127 clear) on white. */
static int on_white(int c, int a)
{
	return (c * (gdAlphaMax - a) + 255 * a + gdAlphaMax / 2) / gdAlphaMax;
}

static void flatten_white(gdImagePtr im)
{
	for (int y = 0; y < gdImageSY(im); y++) {
		for (int x = 0; x < gdImageSX(im); x++) {
			int c = im->tpixels[y][x], a = gdTrueColorGetAlpha(c);
			im->tpixels[y][x] = gdTrueColor(on_white(gdTrueColorGetRed(c), a),
							on_white(gdTrueColorGetGreen(c), a),
							on_white(gdTrueColorGetBlue(c), a));
		}
	}
}

/* The 1-D area average of n source samples (from first on) onto m: output i
 * covers source [i*n/m, (i+1)*n/m), each sample weighted by the length it
 * shares with that span. Output i reads lo[i] .. lo[i]+cnt[i]-1, weights
 * w[off[i]] on; the weights of one output sum to n/m. */
struct taps {
	int *lo, *cnt, *off;
	float *w;
};

static void taps_make(struct taps *t, int first, int n, int m)
{
	t->lo = xcalloc((size_t)m, sizeof(int));
	t->cnt = xcalloc((size_t)m, sizeof(int));
	t->off = xcalloc((size_t)m, sizeof(int));
	t->w = xcalloc((size_t)n + 2 * (size_t)m + 1, sizeof(float));
	int k = 0;
	for (int i = 0; i < m; i++) {
		double a = (double)i * n / m, b = (double)(i + 1) * n / m;
		int s0 = (int)a, s1 = (int)b;
		if (s1 < b && s1 < n)
			s1++; /* the partly covered last sample */
		if (s1 <= s0)
			s1 = s0 + 1;
		t->lo[i] = first + s0;
		t->cnt[i] = s1 - s0;
		t->off[i] = k;
		for (int s = s0; s < s1; s++) {
			double lo = s > a ? s : a, hi = s + 1 < b ? s + 1 : b;
			t->w[k++] = (float)(hi - lo);
		}
	}
}

static void taps_free(struct taps *t)
{
	free(t->lo);
	free(t->cnt);
	free(t->off);
	free(t->w);
}

/* Row sy of src, averaged across onto acc (5 floats per output pixel:
 * red, green and blue times opacity, opacity, alpha) with weight wy. */
static void row_add(gdImagePtr src, int sy, const struct taps *tx, int w, float wy, float *acc)
{
	const int *px = src->tpixels[sy];
	for (int x = 0; x < w; x++) {
		const float *wt = tx->w + tx->off[x];
		const int *p = px + tx->lo[x];
		float r = 0, g = 0, b = 0, o = 0, al = 0;
		for (int k = 0; k < tx->cnt[x]; k++) {
			int c = p[k], a = gdTrueColorGetAlpha(c);
			float op = wt[k] * (float)(gdAlphaMax - a);
			r += op * (float)gdTrueColorGetRed(c);
			g += op * (float)gdTrueColorGetGreen(c);
			b += op * (float)gdTrueColorGetBlue(c);
			o += op;
			al += wt[k] * (float)a;
		}
		float *q = acc + 5 * (size_t)x;
		q[0] += wy * r;
		q[1] += wy * g;
		q[2] += wy * b;
		q[3] += wy * o;
		q[4] += wy * al;
	}
}

static int channel(float v)
{
	int c = (int)(v + 0.5f);
	return c < 0 ? 0 : c > 255 ? 255 : c;
}

/* The sw x sh region of src at (sx, sy), resampled to a new w x h image
 * that keeps alpha: an exact area average (each source pixel weighted by
 * the area it shares with the output pixel, colours weighted by opacity),
 * as libgd's gdImageCopyResampled computes it, but separable: one pass
 * across each source row, then down, so the work is about one visit per
 * source pixel instead of libgd's per-output-pixel loops (a 2048 px
 * picture to 1280: ~10x less). A same-size copy is exact. */
static gdImagePtr resample_region(gdImagePtr src, int sx, int sy, int sw, int sh, int w, int h)
{
	gdImagePtr dst = gdImageCreateTrueColor(w, h);
	if (!dst)
		return NULL;
	gdImageAlphaBlending(dst, 0);
	gdImageSaveAlpha(dst, 1);
	struct taps tx, ty;
	taps_make(&tx, sx, sw, w);
	taps_make(&ty, sy, sh, h);
	float *acc = xcalloc((size_t)w * 5, sizeof(float));
	float area = (float)sw * (float)sh / ((float)w * (float)h);
	for (int y = 0; y < h; y++) {
		memset(acc, 0, (size_t)w * 5 * sizeof(float));
		for (int k = 0; k < ty.cnt[y]; k++)
			row_add(src, ty.lo[y] + k, &tx, w, ty.w[ty.off[y] + k], acc);
		int *out = dst->tpixels[y];
		for (int x = 0; x < w; x++) {
			const float *q = acc + 5 * (size_t)x;
			int a = channel(q[4] / area);
			if (a > gdAlphaMax)
				a = gdAlphaMax;
			if (q[3] > 0.0f)
				out[x] =
				    gdTrueColorAlpha(channel(q[0] / q[3]), channel(q[1] / q[3]),
						     channel(q[2] / q[3]), a);
			else
				out[x] = gdTrueColorAlpha(0, 0, 0, gdAlphaMax);
		}
	}
	free(acc);
	taps_free(&tx);
	taps_free(&ty);
	return dst;
}

static gdImagePtr resample(gdImagePtr src, int w, int h)
{
	return resample_region(src, 0, 0, gdImageSX(src), gdImageSY(src), w, h);
}

/* Blurhash (4x3) of a small copy flattened on white, and its DC colour. */
static int blur(gdImagePtr im, struct image_stored *out)
{
	int w = gdImageSX(im), h = gdImageSY(im), bw, bh;
	if (w >= h) {
		bw = w < BLUR_SIDE ? w : BLUR_SIDE;
		bh = (int)(((int64_t)h * bw + w / 2) / w);
	} else {
		bh = h < BLUR_SIDE ? h : BLUR_SIDE;
		bw = (int)(((int64_t)w * bh + h / 2) / h);
	}
	gdImagePtr s = resample(im, bw > 0 ? bw : 1, bh > 0 ? bh : 1);
	if (!s)
		return -1;
	bw = gdImageSX(s);
	bh = gdImageSY(s);
	uint8_t *rgb = xmalloc((size_t)bw * (size_t)bh * 3);
	for (int y = 0; y < bh; y++) {
		for (int x = 0; x < bw; x++) {
			int c = s->tpixels[y][x], a = gdTrueColorGetAlpha(c);
			uint8_t *p = rgb + ((size_t)y * (size_t)bw + (size_t)x) * 3;
			p[0] = (uint8_t)on_white(gdTrueColorGetRed(c), a);
			p[1] = (uint8_t)on_white(gdTrueColorGetGreen(c), a);
			p[2] = (uint8_t)on_white(gdTrueColorGetBlue(c), a);
		}
	}
	int rc = blurhash_encode(4, 3, bw, bh, rgb, (size_t)bw * 3, out->blurhash,
				 sizeof(out->blurhash));
	free(rgb);
	gdImageDestroy(s);
	if (rc != 0)
		return -1;
	unsigned long dc = 0; /* characters 2..5 are the DC (average) colour */
	for (int i = 2; i < 6; i++)
		dc = dc * 83 + (unsigned long)(strchr(b83_digits, out->blurhash[i]) - b83_digits);
	snprintf(out->avg_color, sizeof(out->avg_color), "#%06lx", dc & 0xffffff);
	return 0;
}

/* ---- files ---- */

/* mkdir path if missing (then fsync its parent so the entry is durable). */
static int mkdir_synced(const char *path, const char *parent)
{
	struct stat st;
	if (mkdir(path, 0755) == 0)
		return dir_fsync(parent);
	if (errno != EEXIST)
		return -1;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Move the temp file to final unless final exists. *created says if we did. */
static int publish(const char *tmp, const char *final, int *created)
{
	if (link(tmp, final) == 0) {
		*created = 1;
	} else if (errno == EEXIST) {
		*created = 0;
	} else if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP) {
		/* a file system without hard links: rename (same bytes if raced) */
		if (rename(tmp, final) != 0) {
			unlink(tmp);
			return -1;
		}
		*created = 1;
		return 0;
	} else {
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	return 0;
}

/* Store p[0..n) as media_dir/ab/cd/<sha256>.ext; the relative path goes to
 * rel. *created is 1 when this call made the file (and so owns it). */
static int store_bytes(const char *media_dir, const unsigned char *p, size_t n, const char *ext,
		       char *rel, size_t rellen, int *created)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	char d1[PATH_MAX], d2[PATH_MAX], final[PATH_MAX], tmp[PATH_MAX];
	struct stat st;

	*created = 0;
	crypto_hash_sha256(h, p, n);
	hex_encode(h, sizeof(h), hex);
	if (!fmt_fits(snprintf(rel, rellen, "%.2s/%.2s/%s.%s", hex, hex + 2, hex, ext), rellen) ||
	    !fmt_fits(snprintf(d1, sizeof(d1), "%s/%.2s", media_dir, hex), sizeof(d1)) ||
	    !fmt_fits(snprintf(d2, sizeof(d2), "%s/%.2s", d1, hex + 2), sizeof(d2)) ||
	    !fmt_fits(snprintf(final, sizeof(final), "%s/%s", media_dir, rel), sizeof(final)))
		return -1;
	if (mkdir_synced(d1, media_dir) < 0 || mkdir_synced(d2, d1) < 0)
		goto fail;
	if (stat(final, &st) == 0)
		return 0; /* the same bytes are stored already */
	/* ... or withheld (a hidden or removed post's): a copy in the served
	 * store would serve them again. A new post of them brings them back
	 * (withhold_release_post). */
	char held[PATH_MAX];
	if (withheld_path(held, sizeof(held), media_dir, rel) && stat(held, &st) == 0)
		return 0;
	if (file_write_temp(d2, p, n, tmp, sizeof(tmp)) < 0 || publish(tmp, final, created) < 0 ||
	    (*created && dir_fsync(d2) < 0))
		goto fail;
	return 0;
fail:;
	int e = errno;
	log_error("media: cannot store %s: %s", final, strerror(e));
	errno = e;
	return -1;
}

/* ---- the pipeline ---- */

struct job {
	const char *media_dir;
	struct image_stored *out;
	int created[IMAGE_MAX_VARIANTS];
	int err;		/* errno of the first storage failure */
	struct image_timing *t; /* NULL: not timed */
	int64_t start;		/* of the call, when timed */
};

/* Now, when timed (0 otherwise: no clock read). */
static int64_t tick(const struct image_timing *t)
{
	return t ? now_mono_us() : 0;
}

/* Add the time since `since` to *field, when timed. */
static void spent(const struct image_timing *t, int64_t *field, int64_t since)
{
	if (t)
		*field += now_mono_us() - since;
}

/* Store one encoded buffer (NULL if encoding failed) as the next variant,
 * of w x h pixels. */
static int put_sized(struct job *j, int w, int h, const void *p, size_t size, const char *fmt,
		     const char *ext, int role, int labelled)
{
	int k = j->out->nv;
	if (!p || size == 0 || k >= IMAGE_MAX_VARIANTS)
		return -1;
	struct image_variant *v = &j->out->v[k];
	int64_t t0 = tick(j->t);
	if (store_bytes(j->media_dir, p, size, ext, v->path, sizeof(v->path), &j->created[k]) < 0) {
		j->err = errno;
		return -1;
	}
	if (j->t)
		spent(j->t, &j->t->write, t0);
	v->width = (uint32_t)w;
	v->height = (uint32_t)h;
	str_copy(v->format, fmt, sizeof(v->format));
	v->bytes = (uint64_t)size;
	v->role = role;
	v->labelled = labelled;
	j->out->nv++;
	return 0;
}

/* Store one buffer encoded from im (from gd, or NULL if encoding failed). */
static int put(struct job *j, gdImagePtr im, void *p, int size, const char *fmt, const char *ext,
	       int role, int labelled)
{
	return put_sized(j, gdImageSX(im), gdImageSY(im), p, size > 0 ? (size_t)size : 0, fmt, ext,
			 role, labelled);
}

/* Drop the comment (COM) segments from the header of a JPEG as libjpeg
 * writes it (libgd adds "CREATOR: gd-jpeg v1.0 ..."), in place. Returns the
 * new size; the bytes are left alone when the header is not a chain of
 * segments up to the first scan (SOS). */
size_t image_jpeg_drop_comments(unsigned char *p, size_t n)
{
	size_t i = 2, o = 2;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return n;
	for (;;) { /* check the chain first: nothing moves unless it is whole */
		if (i + 4 > n || p[i] != 0xFF || p[i + 1] == 0xFF || p[i + 1] == 0xD9)
			return n;
		size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
		if (len < 2 || i + 2 + len > n)
			return n;
		if (p[i + 1] == 0xDA)
			break;
		i += 2 + len;
	}
	for (i = 2; p[i + 1] != 0xDA;) {
		size_t seg = 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
		if (p[i + 1] != 0xFE) {
			memmove(p + o, p + i, seg);
			o += seg;
		}
		i += seg;
	}
	memmove(p + o, p + i, n - i);
	return o + (n - i);
}

/* ---- an upload's own JPEG bytes as its original ---- */

struct bytes_out {
	unsigned char *p;
	size_t n;
};

static void out_put(struct bytes_out *o, const unsigned char *p, size_t n)
{
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

/* The end of the entropy-coded data that starts at p[i]: the next marker
 * that is neither a stuffed 0xFF00 nor a restart marker (RSTn), or n. */
static size_t entropy_end(const unsigned char *p, size_t n, size_t i)
{
	while (i < n) {
		const unsigned char *ff = memchr(p + i, 0xFF, n - i);
		if (!ff)
			return n;
		i = (size_t)(ff - p);
		if (i + 1 >= n)
			return n;
		unsigned m = p[i + 1];
		if (m != 0x00 && (m < 0xD0 || m > 0xD7))
			return i;
		i += 2;
	}
	return n;
}

/* A frame header browsers and libjpeg both read: baseline, extended or
 * progressive Huffman (SOF0..2; not lossless, hierarchical or arithmetic),
 * 8-bit, grey or three components (CMYK and YCCK files are re-encoded as
 * RGB, as before). */
static int frame_ok(unsigned m, const unsigned char *seg, size_t len)
{
	return (m == 0xC0 || m == 0xC1 || m == 0xC2) && len >= 8 && seg[4] == 8 &&
	       (seg[9] == 1 || seg[9] == 3);
}

/* Copy one segment (marker m, length field len, at seg) to o, or what is
 * kept of it: JFIF without its thumbnail, the Adobe colour transform, the
 * tables, frame and scan headers. 1 copied or dropped, 0 not a file to
 * keep. */
static int keep_segment(struct bytes_out *o, unsigned m, const unsigned char *seg, size_t len,
			int *frames)
{
	static const unsigned char jfif_len[] = {0x00, 0x10, 0x00, 0x00};
	if (m == 0xE0 && len >= 16 && !memcmp(seg + 4, "JFIF", 5)) {
		out_put(o, seg, 2);
		out_put(o, jfif_len, 2);
		out_put(o, seg + 4, 12);     /* identifier, version, density */
		out_put(o, jfif_len + 2, 2); /* no thumbnail */
		return 1;
	}
	if (m == 0xEE && len >= 14 && !memcmp(seg + 4, "Adobe", 5)) {
		static const unsigned char adobe_len[] = {0x00, 0x0E};
		out_put(o, seg, 2);
		out_put(o, adobe_len, 2);
		out_put(o, seg + 4, 12);
		return 1;
	}
	if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE)
		return 1; /* Exif, XMP, ICC, IPTC, MPF, comments...: dropped */
	if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xCC) {
		if (!frame_ok(m, seg, len) || (*frames)++)
			return 0;
	} else if (m != 0xC4 && m != 0xDB && m != 0xDD && m != 0xDA) {
		return 0; /* DAC, DNL, JPGn, anything unknown */
	}
	out_put(o, seg, 2 + len);
	return 1;
}

int image_jpeg_keep(const unsigned char *p, size_t n, unsigned char **out, size_t *outlen)
{
	struct bytes_out o = {NULL, 0};
	size_t i = 2;
	int frames = 0, scans = 0;
	*out = NULL;
	*outlen = 0;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return -1;
	o.p = xmalloc(n); /* every segment kept is at most as long as it was */
	out_put(&o, p, 2);
	for (;;) {
		if (i + 2 > n || p[i] != 0xFF)
			break;
		unsigned m = p[i + 1];
		if (m == 0xFF) { /* fill byte before a marker */
			i++;
			continue;
		}
		if (m == 0xD9) {
			if (!scans)
				break;
			out_put(&o, p + i, 2); /* whatever follows EOI is dropped */
			*out = o.p;
			*outlen = o.n;
			return 0;
		}
		if (i + 4 > n)
			break;
		size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
		if (len < 2 || i + 2 + len > n || !keep_segment(&o, m, p + i, len, &frames))
			break;
		if (m == 0xDA && !frames)
			break;
		i += 2 + len;
		if (m == 0xDA) {
			size_t e = entropy_end(p, n, i);
			out_put(&o, p + i, e - i);
			i = e;
			scans++;
		}
	}
	free(o.p);
	return -1;
}

/* im (truecolor) as lossy WebP into w, alpha kept: libwebp itself, for
 * the effort setting libgd does not pass on. 0, or -1. */
static int webp_encode(gdImagePtr im, int method, WebPMemoryWriter *w)
{
	int sx = gdImageSX(im), sy = gdImageSY(im), ok = 0;
	WebPConfig cfg;
	WebPPicture pic;
	if (!gdImageTrueColor(im) || !WebPConfigInit(&cfg) || !WebPPictureInit(&pic))
		return -1;
	cfg.quality = WEBP_QUALITY;
	cfg.method = method;
	pic.width = sx;
	pic.height = sy;
	uint8_t *rgba = malloc((size_t)sx * (size_t)sy * 4);
	if (!rgba)
		return -1;
	for (int y = 0; y < sy; y++) {
		const int *row = im->tpixels[y];
		uint8_t *o = rgba + (size_t)y * (size_t)sx * 4;
		for (int x = 0; x < sx; x++, o += 4) {
			int p = row[x], a = gdTrueColorGetAlpha(p); /* 0 opaque .. 127 clear */
			o[0] = (uint8_t)gdTrueColorGetRed(p);
			o[1] = (uint8_t)gdTrueColorGetGreen(p);
			o[2] = (uint8_t)gdTrueColorGetBlue(p);
			o[3] = (uint8_t)(a == 127 ? 0 : 255 - ((a << 1) + (a >> 6)));
		}
	}
	WebPMemoryWriterInit(w);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = w;
	ok = WebPPictureImportRGBA(&pic, rgba, sx * 4) && WebPEncode(&cfg, &pic);
	WebPPictureFree(&pic);
	free(rgba);
	if (!ok)
		WebPMemoryWriterClear(w);
	return ok ? 0 : -1;
}

static int small_picture(gdImagePtr im)
{
	return gdImageSX(im) <= SMALL_SIDE && gdImageSY(im) <= SMALL_SIDE;
}

/* Write im as WebP, alpha kept. */
static int emit_webp(struct job *j, gdImagePtr im, int role, int labelled)
{
	WebPMemoryWriter w;
	int64_t t0 = tick(j->t);
	int enc = webp_encode(im, small_picture(im) ? 0 : WEBP_METHOD, &w);
	if (j->t)
		spent(j->t, &j->t->encode, t0);
	if (enc != 0)
		return -1;
	int rc = put_sized(j, gdImageSX(im), gdImageSY(im), w.mem, w.size, "webp", "webp", role,
			   labelled);
	WebPMemoryWriterClear(&w);
	return rc;
}

/* Write im as JPEG (progressive unless small_picture) without libgd's
 * comment, flattened on white in place (so im loses its alpha). */
static int emit_jpeg(struct job *j, gdImagePtr im, int alpha, int role, int labelled)
{
	if (alpha)
		flatten_white(im);
	int64_t t0 = tick(j->t);
	gdImageInterlace(im, !small_picture(im));
	int size = 0;
	void *p = gdImageJpegPtr(im, &size, JPEG_QUALITY);
	if (p && size > 0)
		size = (int)image_jpeg_drop_comments(p, (size_t)size);
	if (j->t)
		spent(j->t, &j->t->encode, t0);
	int rc = put(j, im, p, size, "jpeg", "jpg", role, labelled);
	if (p)
		gdFree(p);
	return rc;
}

/* Write im as WebP (alpha kept), then as JPEG (emit_jpeg). */
static int emit(struct job *j, gdImagePtr im, int alpha, int role, int labelled)
{
	int rc = emit_webp(j, im, role, labelled);
	return rc ? rc : emit_jpeg(j, im, alpha, role, labelled);
}

/* An exact copy of a truecolor image. */
static gdImagePtr copy_of(gdImagePtr src)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	gdImagePtr dst = gdImageCreateTrueColor(w, h);
	if (!dst)
		return NULL;
	for (int y = 0; y < h; y++)
		memcpy(dst->tpixels[y], src->tpixels[y], (size_t)w * sizeof(int));
	return dst;
}

/* Emit a derived image (NULL: could not be made) with the label drawn. */
static int emit_labelled(struct job *j, gdImagePtr s, int alpha, int role,
			 const struct image_label *label)
{
	if (!s)
		return -1;
	int64_t t0 = tick(j->t);
	int labelled = label_draw(s, label);
	if (j->t)
		spent(j->t, &j->t->label, t0);
	int rc = emit(j, s, alpha, role, labelled);
	gdImageDestroy(s);
	if (rc == 0 && j->t && !j->t->first_display)
		j->t->first_display = now_mono_us() - j->start;
	return rc;
}

/* resample_region, timed. */
static gdImagePtr derive(struct job *j, gdImagePtr src, int sx, int sy, int sw, int sh, int w,
			 int h)
{
	int64_t t0 = tick(j->t);
	gdImagePtr d = resample_region(src, sx, sy, sw, sh, w, h);
	if (j->t)
		spent(j->t, &j->t->resample, t0);
	return d;
}

/* List again, as a card, the display size of side x side made by this call
 * (its WebP and JPEG): a square picture's centred square is the picture, so
 * its card is that display size, pixel for pixel. 1 if listed. */
static int reuse_as_card(struct job *j, int side)
{
	struct image_stored *o = j->out;
	int n = o->nv;
	for (int k = 0; k + 1 < n; k++) {
		const struct image_variant *v = &o->v[k];
		if (v->role != IMAGE_DISPLAY || (int)v->width != side || (int)v->height != side ||
		    o->v[k + 1].role != IMAGE_DISPLAY || o->v[k + 1].width != v->width ||
		    o->v[k + 1].height != v->height)
			continue;
		if (n + 2 > IMAGE_MAX_VARIANTS)
			return 0;
		for (int i = 0; i < 2; i++) {
			o->v[n + i] = o->v[k + i]; /* j->created stays 0: the file is v[k+i]'s */
			o->v[n + i].role = IMAGE_CARD;
		}
		o->nv = n + 2;
		return 1;
	}
	return 0;
}

/* One card of side px: the centred square, resampled, then labelled. */
static int card(struct job *j, gdImagePtr im, int alpha, int side, const struct image_label *label)
{
	int w = gdImageSX(im), h = gdImageSY(im), m = w < h ? w : h;
	if (w == h && reuse_as_card(j, side))
		return 0;
	return emit_labelled(j, derive(j, im, (w - m) / 2, (h - m) / 2, m, m, side, side), alpha,
			     IMAGE_CARD, label);
}

/* The square cards: 320 and 640 px, those the centred square of the
 * picture (m px: its shorter side at full size) can give without enlarging;
 * a smaller square gives one card at its own side. Only sides in
 * (sz->lo, sz->hi]; im may be a smaller decode that still covers them. */
static int cards(struct job *j, gdImagePtr im, int m, int alpha, const struct image_label *label,
		 const struct span *sz)
{
	int made = 0, rc = 0;
	for (size_t k = 0; rc == 0 && k < ARRAY_LEN(card_sides); k++) {
		if (card_sides[k] > m)
			break;
		made++;
		if (card_sides[k] > sz->lo && card_sides[k] <= sz->hi)
			rc = card(j, im, alpha, card_sides[k], label);
	}
	if (rc == 0 && !made && m > sz->lo && m <= sz->hi)
		rc = card(j, im, alpha, m, label);
	return rc;
}

static void rollback(struct job *j)
{
	char path[PATH_MAX];
	for (int k = 0; k < IMAGE_MAX_VARIANTS; k++) {
		if (j->created[k] &&
		    fmt_fits(snprintf(path, sizeof(path), "%s/%s", j->media_dir, j->out->v[k].path),
			     sizeof(path)))
			unlink(path);
	}
	memset(j->out->v, 0, sizeof(j->out->v));
	j->out->nv = 0;
}

void image_discard(const char *media_dir, const struct image_stored *img)
{
	char path[PATH_MAX];
	for (int k = 0; k < img->nv && k < IMAGE_MAX_VARIANTS; k++)
		if ((img->created >> k & 1u) &&
		    fmt_fits(snprintf(path, sizeof(path), "%s/%s", media_dir, img->v[k].path),
			     sizeof(path)) &&
		    unlink(path) != 0 && errno != ENOENT)
			log_error("media: cannot remove %s: %s (imagier sweep-media will)", path,
				  strerror(errno));
}

/* The display widths smaller than the picture (w x h at full size) that
 * are in (sz->lo, sz->hi], each resampled once from im (the picture, or a
 * smaller decode that covers them) and labelled when label is not NULL. */
static int displays(struct job *j, gdImagePtr im, int w, int h, int alpha,
		    const struct image_label *label, const struct span *sz)
{
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < ARRAY_LEN(variant_widths); k++) {
		int tw = variant_widths[k];
		if (tw >= w)
			break;
		if (tw <= sz->lo || tw > sz->hi)
			continue;
		int th = (int)(((int64_t)h * tw + w / 2) / w);
		rc = emit_labelled(
		    j, derive(j, im, 0, 0, gdImageSX(im), gdImageSY(im), tw, th > 0 ? th : 1),
		    alpha, IMAGE_DISPLAY, label);
	}
	return rc;
}

/* The first sizes a feed shows (display width and card 320), from im: a
 * decode at a small DCT scale that covers them (store_jpeg). */
static int store_first(struct job *j, gdImagePtr im, int w, int h, const struct image_label *label)
{
	static const struct span first = {0, FIRST_SIDE};
	int rc = displays(j, im, w, h, 0, label, &first);
	if (rc == 0 && label)
		rc = cards(j, im, w < h ? w : h, 0, label, &first);
	if (rc == 0 && j->t)
		j->t->first_display = now_mono_us() - j->start;
	return rc;
}

/* The original: im as WebP, and as JPEG either keep[0..keeplen) (the
 * upload's own bytes without their metadata, image_jpeg_keep) or im
 * encoded. */
static int store_original(struct job *j, gdImagePtr im, int alpha, const unsigned char *keep,
			  size_t keeplen)
{
	if (!keep)
		return emit(j, im, alpha, IMAGE_ORIGINAL, 0);
	int rc = emit_webp(j, im, IMAGE_ORIGINAL, 0);
	return rc ? rc
		  : put_sized(j, gdImageSX(im), gdImageSY(im), keep, keeplen, "jpeg", "jpg",
			      IMAGE_ORIGINAL, 0);
}

/* From the full-size picture im, every size not made yet (those above
 * lo: store_first made the others), the smallest first: the display
 * widths smaller than im; for a post's picture (label not NULL) these are
 * labelled, and so are a display copy at im's own size when im is no wider
 * than the largest display width, and the square cards (a square picture's
 * are its display sizes, listed again); then the hashes (dHash, blurhash);
 * last im itself, never labelled (image.h). Every size is resampled once
 * and encoded as WebP and JPEG from that one copy. 0, or -1 (a failed
 * encoding or storage: j->err says which). */
static int store_all(struct job *j, gdImagePtr im, const struct image_label *label, int lo,
		     const unsigned char *keep, size_t keeplen)
{
	struct image_stored *out = j->out;
	int w = gdImageSX(im), h = gdImageSY(im), alpha = has_alpha(im);
	int rc = 0, list_original = 0;
	const struct span rest = {lo, INT_MAX};

	out->width = (uint32_t)w;
	out->height = (uint32_t)h;
	rc = displays(j, im, w, h, alpha, label, &rest);
	if (rc == 0 && label && w <= variant_widths[ARRAY_LEN(variant_widths) - 1]) {
		gdImagePtr d = copy_of(im);
		if (!d)
			rc = -1;
		else if (label_draw(d, label))
			rc = emit(j, d, alpha, IMAGE_DISPLAY, 1);
		else
			list_original = 1; /* same pixels: the same files */
		if (d)
			gdImageDestroy(d);
	}
	if (rc == 0 && label)
		rc = cards(j, im, w < h ? w : h, alpha, label, &rest);
	if (rc == 0) {
		int64_t t0 = tick(j->t);
		rc = blur(im, out);
		phash_dhash_gd(im, &out->phash);
		if (j->t)
			spent(j->t, &j->t->hash, t0);
	}
	int first = out->nv;
	if (rc == 0)
		rc = store_original(j, im, alpha, keep, keeplen);
	for (int k = first; rc == 0 && list_original && k < first + 2; k++) {
		if (out->nv >= IMAGE_MAX_VARIANTS) {
			rc = -1;
			break;
		}
		out->v[out->nv] = out->v[k]; /* j->created stays 0: the file is v[k]'s */
		out->v[out->nv++].role = IMAGE_DISPLAY;
	}
	return rc;
}

/* The decode asked for: the smallest DCT scale of a JPEG whose longer
 * side still covers max_side, or whose upright sides cover need_w x need_h
 * (all 0: full size). Other formats are decoded at full size. */
struct want {
	uint32_t max_side;
	uint32_t need_w, need_h;
};

/* Decode; *w, *h get the size the file itself holds, *scale the JPEG's DCT
 * scale (8: full size), within jpegdec's work bounds. o is the EXIF
 * orientation to be undone (it swaps the needs when it swaps the axes). */
static int decode_sized(const struct image_info *info, const unsigned char *data, size_t len,
			uint64_t max_pixels, const struct want *wt, int o, gdImagePtr *imp,
			uint32_t *w, uint32_t *h, unsigned *scale, const char **why)
{
	*scale = 8;
	if (info->format == IMG_JPEG) {
		struct jpegdec_stats st;
		uint32_t nw = o >= 5 ? wt->need_h : wt->need_w,
			 nh = o >= 5 ? wt->need_w : wt->need_h;
		int rc = nw || nh
			     ? jpegdec_decode_cover(data, len, max_pixels, nw, nh, imp, &st, why)
			     : jpegdec_decode(data, len, max_pixels, wt->max_side, imp, &st, why);
		*w = st.width;
		*h = st.height;
		*scale = st.scale;
		return rc;
	}
	*imp = decode(info->format, data, len, max_pixels);
	if (!*imp) {
		*why = WHY_DAMAGED;
		return 400;
	}
	*w = (uint32_t)gdImageSX(*imp);
	*h = (uint32_t)gdImageSY(*imp);
	return 0;
}

/* Shrink *imp (alpha kept) to fit a max_side square, if it does not. */
static int fit(gdImagePtr *imp, uint32_t max_side)
{
	int w = gdImageSX(*imp), h = gdImageSY(*imp), side = (int)max_side;
	if (max_side == 0 || (w <= side && h <= side))
		return 0;
	int tw = w >= h ? side : (int)(((int64_t)w * side + h / 2) / h);
	int th = w >= h ? (int)(((int64_t)h * side + w / 2) / w) : side;
	gdImagePtr s = resample(*imp, tw > 0 ? tw : 1, th > 0 ? th : 1);
	if (!s)
		return -1;
	gdImageDestroy(*imp);
	*imp = s;
	return 0;
}

/* Decode to a truecolor image the size the header promised (at *scale/8 of
 * it), upright (EXIF orientation o undone), and no larger than
 * wt->max_side (0: no limit). */
static int load(const struct image_info *info, const unsigned char *data, size_t len,
		uint64_t max_pixels, const struct want *wt, int o, gdImagePtr *imp, unsigned *scale,
		const char **why)
{
	gdImagePtr im = NULL;
	uint32_t w = 0, h = 0;
	int rc = decode_sized(info, data, len, max_pixels, wt, o, &im, &w, &h, scale, why);
	if (rc != 0)
		return rc;
	if (w != info->width || h != info->height) {
		gdImageDestroy(im);
		*why = WHY_MISMATCH;
		return 400;
	}
	if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
		gdImageDestroy(im);
		*why = WHY_STORE;
		return 500;
	}
	if (o != 1) {
		gdImagePtr r = orient(im, o);
		gdImageDestroy(im);
		if (!r) {
			*why = WHY_STORE;
			return 500;
		}
		im = r;
	}
	if (fit(&im, wt->max_side) != 0) {
		gdImageDestroy(im);
		*why = WHY_STORE;
		return 500;
	}
	*imp = im;
	return 0;
}

/* load, timed. */
static int load_timed(struct job *j, const struct image_info *info, const unsigned char *data,
		      size_t len, uint64_t max_pixels, const struct want *wt, int o,
		      gdImagePtr *imp, unsigned *scale, const char **why)
{
	int64_t t0 = tick(j->t);
	int rc = load(info, data, len, max_pixels, wt, o, imp, scale, why);
	if (j->t)
		spent(j->t, &j->t->decode, t0);
	return rc;
}

/* Whether a JPEG of a post (or an upload stored at full size) can have its
 * first sizes (store_first) made from a smaller decode (shrink on load, as
 * vipsthumbnail does): what that decode must cover, upright, in *wt. A
 * picture whose first sizes are its own size (too small) cannot. */
static int first_cover(const struct image_info *info, int o, const struct image_label *label,
		       struct want *wt)
{
	uint32_t w = o >= 5 ? info->height : info->width, h = o >= 5 ? info->width : info->height;
	if (info->format != IMG_JPEG || w <= FIRST_SIDE || (label && (w < h ? w : h) < FIRST_SIDE))
		return 0;
	wt->max_side = 0;
	wt->need_w = FIRST_SIDE;
	wt->need_h = label ? FIRST_SIDE : 0; /* the card's square */
	return 1;
}

/* After a failure to store (j->err: the errno, -1 a failed encoding): no
 * file of this call is left, and the status and reason of the answer. */
static int store_failed(struct job *j, const char **why)
{
	int full = j->err == ENOSPC || j->err == EDQUOT;
	rollback(j);
	*why = full ? WHY_FULL : WHY_STORE;
	return full ? 507 : 500;
}

/* Decode and store every size. A post's JPEG is decoded twice: first at the
 * smallest DCT scale that covers the first display size and card (for a
 * 2048 px picture 1/4: 512 px), which are stored from it at once, then at
 * full size for the rest. Its original JPEG is then the upload's own bytes
 * without their metadata (image_jpeg_keep) when no EXIF orientation needs
 * undoing, else encoded again like every other file. */
static int store_pixels(struct job *j, const struct image_info *info, const unsigned char *data,
			size_t len, uint64_t max_pixels, uint32_t max_side,
			const struct image_label *label, const char **why)
{
	gdImagePtr im = NULL;
	struct want wt = {max_side, 0, 0};
	unsigned scale = 8;
	int lo = 0, o = info->format == IMG_JPEG ? imgsniff_exif_orientation(data, len) : 1;
	if (max_side == 0 && first_cover(info, o, label, &wt)) {
		int rc = load_timed(j, info, data, len, max_pixels, &wt, o, &im, &scale, why);
		if (rc != 0)
			return rc;
		if (scale < 8) {
			uint32_t w = o >= 5 ? info->height : info->width;
			uint32_t h = o >= 5 ? info->width : info->height;
			rc = store_first(j, im, (int)w, (int)h, label);
			gdImageDestroy(im);
			im = NULL;
			if (rc != 0)
				return store_failed(j, why);
			lo = FIRST_SIDE;
			wt = (struct want){0, 0, 0};
		}
	}
	if (!im) {
		int rc = load_timed(j, info, data, len, max_pixels, &wt, o, &im, &scale, why);
		if (rc != 0) {
			rollback(j);
			return rc;
		}
	}
	unsigned char *keep = NULL;
	size_t keeplen = 0;
	if (info->format == IMG_JPEG && max_side == 0 && o == 1)
		image_jpeg_keep(data, len, &keep, &keeplen);
	int rc = store_all(j, im, label, lo, keep, keeplen);
	free(keep);
	gdImageDestroy(im);
	return rc != 0 ? store_failed(j, why) : 0;
}

static int store(const char *media_dir, const unsigned char *data, size_t len, uint64_t max_pixels,
		 uint32_t max_side, const struct image_label *label, struct image_stored *out,
		 struct image_timing *t, const char **why)
{
	struct image_info info;
	unsigned char h[crypto_hash_sha256_BYTES];
	int64_t t0 = tick(t);

	if (t)
		memset(t, 0, sizeof(*t));
	memset(out, 0, sizeof(*out));
	int rc = image_sniff(data, len, max_pixels, &info, why);
	if (rc != 0) {
		if (*why == info.reason) {
			str_copy(out->reason, info.reason, sizeof(out->reason));
			*why = out->reason;
		}
		return rc;
	}
	if (len > INT_MAX) {
		*why = WHY_HUGE;
		return 413;
	}
	if (!imgsniff_complete(info.format, data, len)) {
		*why = WHY_DAMAGED;
		return 400;
	}
	if (sodium_init() < 0) {
		*why = WHY_STORE;
		return 500;
	}
	if (max_side > 0) {
		/* Not the same files as the whole picture would make: another key
		 * for the dedupe of images rows. */
		char tag[32];
		crypto_hash_sha256_state hs;
		snprintf(tag, sizeof(tag), "fit %u\n", (unsigned)max_side);
		crypto_hash_sha256_init(&hs);
		crypto_hash_sha256_update(&hs, (const unsigned char *)tag, strlen(tag));
		crypto_hash_sha256_update(&hs, data, len);
		crypto_hash_sha256_final(&hs, h);
	} else {
		crypto_hash_sha256(h, data, len);
	}
	hex_encode(h, sizeof(h), out->sha256);
	spent(t, t ? &t->decode : NULL, t0);
	struct job j = {.media_dir = media_dir, .out = out, .err = -1, .t = t, .start = t0};
	rc = store_pixels(&j, &info, data, len, max_pixels, max_side, label, why);
	spent(t, t ? &t->total : NULL, t0);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	for (int k = 0; k < out->nv; k++)
		if (j.created[k])
			out->created |= 1u << k;
	return 0;
}

int image_store(const char *media_dir, const unsigned char *data, size_t len, uint64_t max_pixels,
		struct image_stored *out, const char **why)
{
	return store(media_dir, data, len, max_pixels, 0, NULL, out, NULL, why);
}

int image_store_fit(const char *media_dir, const unsigned char *data, size_t len,
		    uint64_t max_pixels, uint32_t max_side, struct image_stored *out,
		    const char **why)
{
	return store(media_dir, data, len, max_pixels, max_side, NULL, out, NULL, why);
}

int image_store_labelled(const char *media_dir, const unsigned char *data, size_t len,
			 uint64_t max_pixels, const struct image_label *label,
			 struct image_stored *out, const char **why)
{
	return store(media_dir, data, len, max_pixels, 0, label, out, NULL, why);
}

int image_store_timed(const char *media_dir, const unsigned char *data, size_t len,
		      uint64_t max_pixels, const struct image_label *label,
		      struct image_stored *out, struct image_timing *t, const char **why)
{
	return store(media_dir, data, len, max_pixels, 0, label, out, t, why);
}

/* libgd reports damaged files on stderr; image_store already turns them
 * into a 400 with a reason, so the workers' log stays quiet. */
static void gd_quiet(int priority, const char *fmt, va_list ap)
{
	(void)priority;
	(void)fmt;
	(void)ap;
}

void image_quiet_warnings(void)
{
	gdSetErrorMethod(gd_quiet);
}
