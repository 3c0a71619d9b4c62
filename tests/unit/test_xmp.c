/* test_xmp.c - unit tests for the provenance XMP packet and its insertion into JPEG, PNG and WebP
 * files: still decodable to the same pixels, the packet there exactly once, values escaped,
 * malformed and truncated files refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "xmp.h"

enum kind { K_JPEG, K_PNG, K_WEBP_LOSSY, K_WEBP_ALPHA, K_WEBP_LOSSLESS, K_N };
static const char *const kind_name[K_N] = {"jpeg", "png", "webp lossy", "webp alpha",
					   "webp lossless"};

static const struct xmp_meta meta = {
    .site_name = "imagier",
    .site_url = "https://example.test",
    .post_url = "https://example.test/p/42",
    .backend = "procedural",
    .model = "procedural-v1",
};

/* ---- pictures ---- */

static gdImagePtr picture(int w, int h, int alpha)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	assert_non_null(im);
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColorAlpha(
			    (x * 7) & 255, (y * 5) & 255, (x + y) & 255, alpha ? (x + y) % 100 : 0);
	return im;
}

/* An encoded picture of kind k in malloc'd memory. */
static unsigned char *encoded(enum kind k, int w, int h, size_t *n)
{
	gdImagePtr im = picture(w, h, k == K_WEBP_ALPHA || k == K_WEBP_LOSSLESS);
	int size = 0;
	void *p = NULL;
	switch (k) {
	case K_JPEG:
		gdImageInterlace(im, 1);
		p = gdImageJpegPtr(im, &size, 85);
		break;
	case K_PNG:
		p = gdImagePngPtr(im, &size);
		break;
	case K_WEBP_LOSSY:
	case K_WEBP_ALPHA:
		p = gdImageWebpPtrEx(im, &size, 80);
		break;
	default:
		p = gdImageWebpPtrEx(im, &size, gdWebpLossless);
		break;
	}
	gdImageDestroy(im);
	assert_non_null(p);
	assert_true(size > 0);
	unsigned char *copy = malloc((size_t)size);
	assert_non_null(copy);
	memcpy(copy, p, (size_t)size);
	gdFree(p);
	*n = (size_t)size;
	return copy;
}

static gdImagePtr decode(enum kind k, const unsigned char *p, size_t n)
{
	void *d = (void *)p;
	if (k == K_JPEG)
		return gdImageCreateFromJpegPtr((int)n, d);
	if (k == K_PNG)
		return gdImageCreateFromPngPtr((int)n, d);
	return gdImageCreateFromWebpPtr((int)n, d);
}

static unsigned char *stamp(const unsigned char *in, size_t n, const struct xmp_meta *m,
			    size_t *outlen)
{
	size_t pl;
	char *pkt = xmp_packet(m, &pl);
	unsigned char *out = NULL;
	assert_int_equal(xmp_insert(in, n, pkt, pl, &out, outlen), 0);
	assert_non_null(out);
	free(pkt);
	return out;
}

static uint32_t crc32_ref(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- the packet ---- */

static void test_packet_fields(void **state)
{
	(void)state;
	size_t n;
	char *p = xmp_packet(&meta, &n);
	assert_int_equal(strlen(p), n);
	assert_non_null(strstr(p, "<?xpacket begin="));
	assert_non_null(strstr(p, "<?xpacket end=\"r\"?>"));
	assert_non_null(strstr(p, "Iptc4xmpExt:DigitalSourceType=\"" XMP_DST_AI "\""));
	assert_non_null(strstr(p, "xmp:CreatorTool=\"imagier (procedural procedural-v1)\""));
	assert_non_null(strstr(p, "photoshop:Credit=\"imagier\""));
	assert_non_null(strstr(p, "dc:source=\"https://example.test/p/42\""));
	assert_non_null(strstr(p, "xmpRights:WebStatement=\"https://example.test/p/42\""));
	assert_non_null(strstr(p, "imagier:post=\"https://example.test/p/42\""));
	assert_non_null(strstr(p, "imagier:siteURL=\"https://example.test\""));
	assert_non_null(strstr(p, "imagier:backend=\"procedural\""));
	assert_non_null(strstr(p, "imagier:model=\"procedural-v1\""));
	int has_post = 0;
	assert_int_equal(xmp_is_imagier((const unsigned char *)p, n, &has_post), 1);
	assert_int_equal(has_post, 1);
	free(p);

	/* no post yet (a generation not published): no post URL at all */
	struct xmp_meta m = meta;
	m.post_url = "";
	m.model = NULL;
	m.backend = "upload";
	p = xmp_packet(&m, &n);
	assert_null(strstr(p, "dc:source"));
	assert_null(strstr(p, "imagier:post="));
	assert_non_null(strstr(p, "xmp:CreatorTool=\"imagier (upload)\""));
	assert_non_null(strstr(p, "imagier:model=\"\""));
	assert_int_equal(xmp_is_imagier((const unsigned char *)p, n, &has_post), 1);
	assert_int_equal(has_post, 0);
	free(p);

	static const char foreign[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
	has_post = 1;
	assert_int_equal(xmp_is_imagier((const unsigned char *)foreign, strlen(foreign), &has_post),
			 0);
	assert_int_equal(has_post, 0);
}

static void test_packet_escaping(void **state)
{
	(void)state;
	struct xmp_meta m = meta;
	m.site_name = "Tom & Jerry's <site> \"q\"";
	m.model = "caf\xc3\xa9\x01\tz\xff\xc3(";
	m.post_url = "https://example.test/p/1?a=1&b=2";
	size_t n;
	char *p = xmp_packet(&m, &n);
	assert_non_null(strstr(p, "photoshop:Credit=\"Tom &amp; Jerry&apos;s &lt;site&gt; "
				  "&quot;q&quot;\""));
	/* valid UTF-8 is kept; control bytes, invalid bytes and a cut sequence are not */
	assert_non_null(strstr(p, "imagier:model=\"caf\xc3\xa9? z?"
				  "?(\""));
	assert_non_null(strstr(p, "dc:source=\"https://example.test/p/1?a=1&amp;b=2\""));
	assert_null(strstr(p, "<site>"));
	assert_null(strstr(p, "\"q\""));
	for (size_t i = 0; i < n; i++)
		assert_true((unsigned char)p[i] >= 0x20 || p[i] == '\n');
	free(p);
}

/* ---- insertion ---- */

/* Each kind: the copy decodes to the same pixels, has exactly our packet,
 * and a second insertion replaces it (still one). */
static void test_insert_round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < K_N; k++) {
		size_t n, m1, m2, pl;
		unsigned char *raw = encoded((enum kind)k, 97, 61, &n);
		const unsigned char *found;
		assert_int_equal(xmp_find(raw, n, &found, &pl), 0);
		unsigned char *out = stamp(raw, n, &meta, &m1);
		assert_true(m1 > n);

		gdImagePtr a = decode((enum kind)k, raw, n), b = decode((enum kind)k, out, m1);
		if (!b)
			fail_msg("%s: the stamped copy does not decode", kind_name[k]);
		assert_non_null(a);
		assert_int_equal(gdImageSX(b), 97);
		assert_int_equal(gdImageSY(b), 61);
		for (int y = 0; y < 61; y++)
			for (int x = 0; x < 97; x++)
				assert_int_equal(gdImageGetTrueColorPixel(a, x, y),
						 gdImageGetTrueColorPixel(b, x, y));
		gdImageDestroy(a);
		gdImageDestroy(b);

		char *pkt = xmp_packet(&meta, &pl);
		size_t fl;
		assert_int_equal(xmp_find(out, m1, &found, &fl), 1);
		assert_int_equal(fl, pl);
		assert_memory_equal(found, pkt, pl);
		free(pkt);

		struct xmp_meta other = meta;
		other.post_url = "https://example.test/p/7";
		unsigned char *again = stamp(out, m1, &other, &m2);
		assert_int_equal(xmp_find(again, m2, &found, &fl), 1);
		assert_non_null(memmem(found, fl, "/p/7\"", 5));
		assert_null(memmem(again, m2, "/p/42", 5));
		b = decode((enum kind)k, again, m2);
		assert_non_null(b);
		gdImageDestroy(b);
		free(again);
		free(out);
		free(raw);
	}
}

static void test_jpeg_layout(void **state)
{
	(void)state;
	size_t n, m;
	unsigned char *raw = encoded(K_JPEG, 40, 30, &n);
	assert_int_equal(raw[2], 0xff);
	assert_int_equal(raw[3], 0xe0); /* gd writes JFIF first */
	size_t app0 = 2 + 2 + ((size_t)raw[4] << 8 | raw[5]);
	unsigned char *out = stamp(raw, n, &meta, &m);
	assert_memory_equal(out, raw, app0); /* SOI and APP0 untouched */
	assert_int_equal(out[app0], 0xff);
	assert_int_equal(out[app0 + 1], 0xe1);
	size_t seglen = (size_t)out[app0 + 2] << 8 | out[app0 + 3];
	assert_memory_equal(out + app0 + 4, "http://ns.adobe.com/xap/1.0/\0", 29);
	size_t pl;
	char *pkt = xmp_packet(&meta, &pl);
	assert_int_equal(seglen, 2 + 29 + pl);
	free(pkt);
	/* everything after the inserted segment is the original, byte for byte */
	assert_int_equal(m, n + 2 + seglen);
	assert_memory_equal(out + app0 + 2 + seglen, raw + app0, n - app0);
	free(out);
	free(raw);
}

static void test_png_layout(void **state)
{
	(void)state;
	size_t n, m;
	unsigned char *raw = encoded(K_PNG, 40, 30, &n);
	unsigned char *out = stamp(raw, n, &meta, &m);
	assert_memory_equal(out, raw, 8 + 25); /* signature and IHDR */
	size_t pos = 8 + 25;
	uint32_t len = be32(out + pos);
	assert_memory_equal(out + pos + 4, "iTXt", 4);
	assert_memory_equal(out + pos + 8, "XML:com.adobe.xmp\0\0\0\0\0", 22);
	assert_int_equal(be32(out + pos + 8 + len), crc32_ref(out + pos + 4, 4 + (size_t)len));
	/* the first IDAT comes after it */
	unsigned char *idat = memmem(out, m, "IDAT", 4);
	assert_non_null(idat);
	assert_true((size_t)(idat - out) > pos + 12 + len - 1);
	assert_int_equal(m, n + 12 + len);
	free(out);
	free(raw);
}

static void test_webp_layout(void **state)
{
	(void)state;
	static const struct {
		enum kind k;
		const char *first; /* the first chunk of what gd writes */
		int alpha;
	} cases[] = {
	    {K_WEBP_LOSSY, "VP8 ", 0}, {K_WEBP_ALPHA, "VP8X", 1}, {K_WEBP_LOSSLESS, "VP8L", 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n, m;
		unsigned char *raw = encoded(cases[i].k, 97, 61, &n);
		assert_memory_equal(raw + 12, cases[i].first, 4);
		unsigned char *out = stamp(raw, n, &meta, &m);
		assert_memory_equal(out, "RIFF", 4);
		assert_int_equal(le32(out + 4), m - 8);
		assert_memory_equal(out + 8, "WEBPVP8X", 8);
		assert_int_equal(le32(out + 16), 10);
		assert_int_equal(out[20] & 0x04, 0x04); /* XMP flag */
		assert_int_equal(!!(out[20] & 0x10), cases[i].alpha);
		assert_int_equal(le24(out + 24) + 1, 97); /* canvas */
		assert_int_equal(le24(out + 27) + 1, 61);
		/* the XMP chunk is last, padded to an even size */
		size_t pl;
		char *pkt = xmp_packet(&meta, &pl);
		size_t tail = 8 + pl + (pl & 1);
		assert_memory_equal(out + m - tail, "XMP ", 4);
		assert_int_equal(le32(out + m - tail + 4), pl);
		assert_memory_equal(out + m - tail + 8, pkt, pl);
		assert_int_equal(m % 2, 0);
		free(pkt);
		free(out);
		free(raw);
	}
}

/* Several XMP segments in: one out. */
static void test_jpeg_many_packets(void **state)
{
	(void)state;
	size_t n, m1, m2, m3, fl;
	unsigned char *raw = encoded(K_JPEG, 20, 20, &n);
	unsigned char *one = stamp(raw, n, &meta, &m1);
	/* splice a second XMP segment (copied from one) after the first */
	size_t app0 = 2 + 2 + ((size_t)raw[4] << 8 | raw[5]);
	size_t seg = 2 + ((size_t)one[app0 + 2] << 8 | one[app0 + 3]);
	m2 = m1 + seg;
	unsigned char *two = malloc(m2);
	assert_non_null(two);
	memcpy(two, one, app0 + seg);
	memcpy(two + app0 + seg, one + app0, m1 - app0);
	const unsigned char *found;
	assert_int_equal(xmp_find(two, m2, &found, &fl), 2);
	unsigned char *three = stamp(two, m2, &meta, &m3);
	assert_int_equal(xmp_find(three, m3, &found, &fl), 1);
	assert_int_equal(m3, m1);
	assert_memory_equal(three, one, m1);
	free(three);
	free(two);
	free(one);
	free(raw);
}

/* ---- refusals ---- */

static void test_truncated_refused(void **state)
{
	(void)state;
	size_t pl;
	char *pkt = xmp_packet(&meta, &pl);
	for (int k = 0; k < K_N; k++) {
		size_t n;
		unsigned char *raw = encoded((enum kind)k, 24, 16, &n);
		for (size_t cut = 0; cut < n; cut++) {
			/* a copy of exactly cut bytes, so ASan sees any read past it */
			unsigned char *p = malloc(cut ? cut : 1), *out = (unsigned char *)1;
			size_t outlen = 1;
			const unsigned char *found;
			assert_non_null(p);
			memcpy(p, raw, cut);
			if (xmp_insert(p, cut, pkt, pl, &out, &outlen) != -1)
				fail_msg("%s cut at %zu of %zu was accepted", kind_name[k], cut, n);
			assert_null(out);
			assert_int_equal(outlen, 0);
			assert_int_equal(xmp_find(p, cut, &found, &outlen), -1);
			free(p);
		}
		free(raw);
	}
	free(pkt);
}

static void test_malformed_refused(void **state)
{
	(void)state;
	size_t pl, n, outlen;
	char *pkt = xmp_packet(&meta, &pl);
	unsigned char *out;
	static const char text[] = "hello, this is not an image at all";
	assert_int_equal(
	    xmp_insert((const unsigned char *)text, sizeof(text), pkt, pl, &out, &outlen), -1);
	assert_int_equal(xmp_insert(NULL, 0, pkt, pl, &out, &outlen), -1);

	/* JPEG: a segment length past the end, and one below 2 */
	unsigned char *raw = encoded(K_JPEG, 24, 16, &n);
	raw[4] = 0xff;
	assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
	raw[4] = 0;
	raw[5] = 1;
	assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
	free(raw);

	/* PNG: a chunk length past the end; a bad chunk type; data after IEND */
	raw = encoded(K_PNG, 24, 16, &n);
	unsigned char *big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, raw, n);
	big[n] = 0;
	assert_int_equal(xmp_insert(big, n + 1, pkt, pl, &out, &outlen), -1);
	free(big);
	unsigned char was = raw[8 + 25 + 4];
	raw[8 + 25 + 4] = '#'; /* the type of the chunk after IHDR */
	assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
	raw[8 + 25 + 4] = was;
	assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), 0);
	free(out);
	raw[8] = 0x80; /* IHDR's length */
	assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
	free(raw);

	/* WebP: a wrong RIFF size; a chunk size past the end; not VP8* first */
	for (int k = K_WEBP_LOSSY; k <= K_WEBP_LOSSLESS; k++) {
		raw = encoded((enum kind)k, 24, 16, &n);
		raw[4]++;
		assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
		raw[4]--;
		raw[19] = 0x7f;
		assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
		raw[19] = 0;
		memcpy(raw + 12, "JUNK", 4);
		assert_int_equal(xmp_insert(raw, n, pkt, pl, &out, &outlen), -1);
		free(raw);
	}

	/* the packet itself: none, empty, too big for a JPEG segment */
	raw = encoded(K_WEBP_LOSSY, 24, 16, &n);
	assert_int_equal(xmp_insert(raw, n, NULL, 0, &out, &outlen), -1);
	assert_int_equal(xmp_insert(raw, n, pkt, 0, &out, &outlen), -1);
	char *huge = malloc(XMP_MAX_PACKET + 1);
	assert_non_null(huge);
	memset(huge, ' ', XMP_MAX_PACKET + 1);
	assert_int_equal(xmp_insert(raw, n, huge, XMP_MAX_PACKET + 1, &out, &outlen), -1);
	assert_int_equal(xmp_insert(raw, n, huge, XMP_MAX_PACKET, &out, &outlen), 0);
	free(out);
	free(huge);
	free(raw);
	free(pkt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packet_fields),     cmocka_unit_test(test_packet_escaping),
	    cmocka_unit_test(test_insert_round_trip), cmocka_unit_test(test_jpeg_layout),
	    cmocka_unit_test(test_png_layout),	      cmocka_unit_test(test_webp_layout),
	    cmocka_unit_test(test_jpeg_many_packets), cmocka_unit_test(test_truncated_refused),
	    cmocka_unit_test(test_malformed_refused),
	};
	image_quiet_warnings();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
