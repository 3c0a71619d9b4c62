/* imgsniff.c - header-only image parsers: format, size, completeness, EXIF orientation. */
#include "imgsniff.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define WHY_UNKNOWN   "not a JPEG, PNG, WebP or AVIF image"
#define WHY_TRUNC     "the image header is truncated"
#define WHY_ZERO      "the image has a zero width or height"
#define WHY_SIDE      "the image is wider or taller than 16383 pixels"
#define WHY_PNG_BAD   "the PNG header is corrupt"
#define WHY_JPEG_BAD  "the JPEG header is corrupt"
#define WHY_JPEG_NOSZ "the JPEG has no frame header with its size"
#define WHY_WEBP_BAD  "the WebP header is corrupt"
#define WHY_AVIF_BAD  "the AVIF header is truncated or corrupt"
#define WHY_AVIF_NOSZ "the AVIF has no image size (ispe) property"

/* Longest run of ISOBMFF boxes we look at in one container. */
#define AVIF_MAX_BOXES 4096

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | le24(p);
}

const char *image_format_name(enum image_format f)
{
	switch (f) {
	case IMG_JPEG:
		return "jpeg";
	case IMG_PNG:
		return "png";
	case IMG_WEBP:
		return "webp";
	case IMG_AVIF:
		return "avif";
	default:
		return "unknown";
	}
}

/* ---- PNG ---- */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static int sniff_png(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h, const char **why)
{
	/* signature, IHDR length and type, 13 bytes of IHDR data */
	if (len < 8 + 8 + 13) {
		*why = WHY_TRUNC;
		return 400;
	}
	if (be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0) {
		*why = WHY_PNG_BAD;
		return 400;
	}
	*w = be32(d + 16);
	*h = be32(d + 20);
	unsigned depth = d[24], type = d[25];
	int ok =
	    (type == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
	    (type == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8)) ||
	    ((type == 2 || type == 4 || type == 6) && (depth == 8 || depth == 16));
	if (!ok || *w > 0x7fffffffu || *h > 0x7fffffffu) {
		*why = WHY_PNG_BAD;
		return 400;
	}
	return 0;
}

/* ---- JPEG ---- */

static int jpeg_is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static int jpeg_is_standalone(unsigned m)
{
	return m == 0x01 || (m >= 0xd0 && m <= 0xd7);
}

/* Read the marker at d[*i] (0xFF, fill bytes, code). 0 ok, -1 truncated,
 * -2 not a marker. */
static int jpeg_marker(const unsigned char *d, size_t len, size_t *i, unsigned *m)
{
	if (*i >= len)
		return -1;
	if (d[*i] != 0xff)
		return -2;
	while (*i < len && d[*i] == 0xff)
		(*i)++;
	if (*i >= len)
		return -1;
	*m = d[(*i)++];
	return *m == 0x00 ? -2 : 0;
}

static int sniff_jpeg(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h,
		      const char **why)
{
	size_t i = 2;
	for (;;) {
		unsigned m;
		int r = jpeg_marker(d, len, &i, &m);
		if (r < 0) {
			*why = r == -1 ? WHY_TRUNC : WHY_JPEG_BAD;
			return 400;
		}
		if (jpeg_is_standalone(m))
			continue;
		if (m == 0xd8 || m == 0xd9 || m == 0xda) {
			*why = m == 0xd8 ? WHY_JPEG_BAD : WHY_JPEG_NOSZ;
			return 400;
		}
		if (i + 2 > len) {
			*why = WHY_TRUNC;
			return 400;
		}
		size_t seg = be16(d + i);
		if (seg < 2 || (jpeg_is_sof(m) && seg < 8)) {
			*why = WHY_JPEG_BAD;
			return 400;
		}
		if (jpeg_is_sof(m)) {
			if (i + 7 > len) {
				*why = WHY_TRUNC;
				return 400;
			}
			*h = be16(d + i + 3);
			*w = be16(d + i + 5);
			return 0;
		}
		i += seg;
	}
}

/* ---- WebP ---- */

static int sniff_webp(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h,
		      const char **why)
{
	if (len < 20) {
		*why = WHY_TRUNC;
		return 400;
	}
	const unsigned char *c = d + 12;
	uint32_t csize = le32(c + 4);
	const unsigned char *p = c + 8;
	size_t avail = len - 20;
	size_t need = 0;
	if (memcmp(c, "VP8 ", 4) == 0 || memcmp(c, "VP8X", 4) == 0)
		need = 10;
	else if (memcmp(c, "VP8L", 4) == 0)
		need = 5;
	if (need == 0 || csize < need) {
		*why = WHY_WEBP_BAD;
		return 400;
	}
	if (avail < need) {
		*why = WHY_TRUNC;
		return 400;
	}
	if (c[3] == ' ') {
		/* frame tag: bit 0 clear on a key frame; then the start code */
		if ((p[0] & 1) || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a) {
			*why = WHY_WEBP_BAD;
			return 400;
		}
		*w = le16(p + 6) & 0x3fff;
		*h = le16(p + 8) & 0x3fff;
	} else if (c[3] == 'L') {
		uint32_t bits = le32(p + 1);
		if (p[0] != 0x2f || (bits >> 29) != 0) {
			*why = WHY_WEBP_BAD;
			return 400;
		}
		*w = (bits & 0x3fff) + 1;
		*h = ((bits >> 14) & 0x3fff) + 1;
	} else {
		*w = le24(p + 4) + 1;
		*h = le24(p + 7) + 1;
	}
	return 0;
}

/* ---- AVIF (ISOBMFF) ---- */

struct box {
	char type[4];
	const unsigned char *body;
	size_t body_len;
	size_t total;
};

/* Read the box at the start of d[0..len). size 0 runs to the end of the
 * container, size 1 has a 64-bit size. 0, or -1 if it does not fit. */
static int box_read(const unsigned char *d, size_t len, struct box *b)
{
	if (len < 8)
		return -1;
	uint64_t size = be32(d);
	size_t hdr = 8;
	if (size == 1) {
		if (len < 16)
			return -1;
		size = be64(d + 8);
		hdr = 16;
	} else if (size == 0) {
		size = len;
	}
	if (size < hdr || size > len)
		return -1;
	memcpy(b->type, d + 4, 4);
	b->body = d + hdr;
	b->body_len = (size_t)size - hdr;
	b->total = (size_t)size;
	return 0;
}

/* Find the first box of the given type among the boxes in d[0..len).
 * 1 found, 0 not there, -1 a box before it does not fit. */
static int box_find(const unsigned char *d, size_t len, const char *type, struct box *out)
{
	size_t off = 0;
	for (int n = 0; off < len && n < AVIF_MAX_BOXES; n++) {
		struct box b;
		if (box_read(d + off, len - off, &b) < 0)
			return -1;
		if (memcmp(b.type, type, 4) == 0) {
			*out = b;
			return 1;
		}
		off += b.total;
	}
	return 0;
}

static int avif_brand_ok(const unsigned char *brand)
{
	return memcmp(brand, "avif", 4) == 0 || memcmp(brand, "avis", 4) == 0;
}

/* 1 if the leading ftyp box names an AVIF brand (major or compatible). */
static int avif_ftyp_ok(const struct box *ftyp)
{
	if (ftyp->body_len < 8)
		return 0;
	if (avif_brand_ok(ftyp->body))
		return 1;
	for (size_t o = 8; o + 4 <= ftyp->body_len; o += 4)
		if (avif_brand_ok(ftyp->body + o))
			return 1;
	return 0;
}

/* Width and height of the idx-th (1-based) property in ipco if it is an
 * 'ispe'; idx 0 takes the first ispe. 1 found, 0 not. */
static int ipco_ispe(const struct box *ipco, uint32_t idx, uint32_t *w, uint32_t *h)
{
	size_t off = 0;
	for (uint32_t n = 1; off < ipco->body_len && n <= AVIF_MAX_BOXES; n++) {
		struct box b;
		if (box_read(ipco->body + off, ipco->body_len - off, &b) < 0)
			return 0;
		if ((idx == 0 || idx == n) && memcmp(b.type, "ispe", 4) == 0 && b.body_len >= 12) {
			*w = be32(b.body + 4);
			*h = be32(b.body + 8);
			return 1;
		}
		if (idx == n)
			return 0;
		off += b.total;
	}
	return 0;
}

/* Look through one ipma box for the ispe of item; 1 found. */
static int ipma_ispe(const struct box *ipma, uint32_t item, const struct box *ipco, uint32_t *w,
		     uint32_t *h)
{
	const unsigned char *b = ipma->body;
	size_t n = ipma->body_len;
	if (n < 8)
		return 0;
	unsigned version = b[0];
	int wide = b[3] & 1;
	uint32_t count = be32(b + 4);
	size_t p = 8, idsz = version < 1 ? 2 : 4, asz = wide ? 2 : 1;
	for (uint32_t e = 0; e < count; e++) {
		if (p + idsz + 1 > n)
			return 0;
		uint32_t id = idsz == 2 ? be16(b + p) : be32(b + p);
		size_t na = b[p + idsz];
		p += idsz + 1;
		if (na * asz > n - p)
			return 0;
		for (size_t a = 0; id == item && a < na; a++) {
			const unsigned char *q = b + p + a * asz;
			uint32_t idx = wide ? be16(q) & 0x7fff : q[0] & 0x7fu;
			if (idx && ipco_ispe(ipco, idx, w, h))
				return 1;
		}
		p += na * asz;
	}
	return 0;
}

/* The primary item id from 'pitm', or 0 when absent. */
static uint32_t meta_primary(const unsigned char *d, size_t len)
{
	struct box pitm;
	if (box_find(d, len, "pitm", &pitm) != 1 || pitm.body_len < 6)
		return 0;
	if (pitm.body[0] == 0)
		return be16(pitm.body + 4);
	return pitm.body_len >= 8 ? be32(pitm.body + 4) : 0;
}

/* Size of the primary item from its associated ispe; else the first ispe. */
static int avif_meta_size(const struct box *meta, uint32_t *w, uint32_t *h, const char **why)
{
	struct box iprp, ipco;
	if (meta->body_len < 4) {
		*why = WHY_AVIF_BAD;
		return 400;
	}
	const unsigned char *kids = meta->body + 4; /* full box: version, flags */
	size_t klen = meta->body_len - 4;
	int r = box_find(kids, klen, "iprp", &iprp);
	if (r == 1)
		r = box_find(iprp.body, iprp.body_len, "ipco", &ipco);
	if (r != 1) {
		*why = r < 0 ? WHY_AVIF_BAD : WHY_AVIF_NOSZ;
		return 400;
	}
	uint32_t primary = meta_primary(kids, klen);
	size_t off = 0;
	for (int n = 0; primary && off < iprp.body_len && n < AVIF_MAX_BOXES; n++) {
		struct box b;
		if (box_read(iprp.body + off, iprp.body_len - off, &b) < 0)
			break;
		if (memcmp(b.type, "ipma", 4) == 0 && ipma_ispe(&b, primary, &ipco, w, h))
			return 0;
		off += b.total;
	}
	if (ipco_ispe(&ipco, 0, w, h))
		return 0;
	*why = WHY_AVIF_NOSZ;
	return 400;
}

static int sniff_avif(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h,
		      const char **why)
{
	struct box ftyp, meta;
	if (box_read(d, len, &ftyp) < 0) {
		*why = WHY_TRUNC;
		return 400;
	}
	if (!avif_ftyp_ok(&ftyp)) {
		*why = WHY_UNKNOWN;
		return 415;
	}
	int r = box_find(d + ftyp.total, len - ftyp.total, "meta", &meta);
	if (r != 1) {
		*why = r < 0 ? WHY_AVIF_BAD : WHY_AVIF_NOSZ;
		return 400;
	}
	return avif_meta_size(&meta, w, h, why);
}

/* ---- entry point ---- */

static enum image_format sniff_magic(const unsigned char *d, size_t len)
{
	if (len >= 8 && memcmp(d, png_sig, 8) == 0)
		return IMG_PNG;
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return IMG_JPEG;
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return IMG_WEBP;
	if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
		return IMG_AVIF;
	return IMG_UNKNOWN;
}

static void format_limit(char *buf, size_t n, uint64_t max_pixels)
{
	if (max_pixels >= 1000000 && max_pixels % 1000000 == 0)
		snprintf(buf, n, "the image is larger than %" PRIu64 " megapixels",
			 max_pixels / 1000000);
	else if (max_pixels >= 1000000)
		snprintf(buf, n, "the image is larger than %.1f megapixels",
			 (double)max_pixels / 1e6);
	else
		snprintf(buf, n, "the image is larger than %" PRIu64 " pixels", max_pixels);
}

int image_sniff(const unsigned char *data, size_t len, uint64_t max_pixels, struct image_info *info,
		const char **why)
{
	uint32_t w = 0, h = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	info->format = data ? sniff_magic(data, len) : IMG_UNKNOWN;
	switch (info->format) {
	case IMG_PNG:
		rc = sniff_png(data, len, &w, &h, why);
		break;
	case IMG_JPEG:
		rc = sniff_jpeg(data, len, &w, &h, why);
		break;
	case IMG_WEBP:
		rc = sniff_webp(data, len, &w, &h, why);
		break;
	case IMG_AVIF:
		rc = sniff_avif(data, len, &w, &h, why);
		break;
	default:
		*why = WHY_UNKNOWN;
		return 415;
	}
	if (rc == 0 && (w == 0 || h == 0)) {
		*why = WHY_ZERO;
		rc = 400;
	}
	if (rc == 0 && (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)) {
		*why = WHY_SIDE;
		rc = 413;
	}
	if (rc == 0 && (uint64_t)w * h > max_pixels) {
		format_limit(info->reason, sizeof(info->reason), max_pixels);
		*why = info->reason;
		rc = 413;
	}
	if (rc != 0) {
		if (rc == 415)
			info->format = IMG_UNKNOWN;
		return rc;
	}
	info->width = w;
	info->height = h;
	return 0;
}

/* ---- completeness ---- */

/* Skip entropy-coded data from d[i]: stop at a marker that is neither a
 * stuffed 0xFF00 nor a restart marker. Returns its offset, or len. */
static size_t jpeg_skip_scan(const unsigned char *d, size_t len, size_t i)
{
	while (i + 1 < len) {
		if (d[i] != 0xff) {
			const unsigned char *ff = memchr(d + i, 0xff, len - i);
			if (!ff)
				return len;
			i = (size_t)(ff - d);
			continue;
		}
		unsigned n = d[i + 1];
		if (n == 0x00 || (n >= 0xd0 && n <= 0xd7))
			i += 2;
		else if (n == 0xff)
			i++;
		else
			return i;
	}
	return len;
}

static int jpeg_complete(const unsigned char *d, size_t len)
{
	size_t i = 2;
	if (len < 4 || d[0] != 0xff || d[1] != 0xd8)
		return 0;
	for (;;) {
		unsigned m;
		if (jpeg_marker(d, len, &i, &m) < 0)
			return 0;
		if (m == 0xd9)
			return 1;
		if (jpeg_is_standalone(m))
			continue;
		if (m == 0xd8 || i + 2 > len || be16(d + i) < 2)
			return 0;
		i += be16(d + i);
		if (m == 0xda)
			i = jpeg_skip_scan(d, len, i);
	}
}

static int png_complete(const unsigned char *d, size_t len)
{
	size_t i = 8;
	if (len < 8 || memcmp(d, png_sig, 8) != 0)
		return 0;
	while (len - i >= 12) {
		uint32_t clen = be32(d + i);
		if (clen > 0x7fffffffu || clen > len - i - 12)
			return 0;
		if (memcmp(d + i + 4, "IEND", 4) == 0)
			return 1;
		i += 12 + (size_t)clen;
	}
	return 0;
}

static int avif_complete(const unsigned char *d, size_t len)
{
	size_t off = 0;
	while (off < len) {
		struct box b;
		if (box_read(d + off, len - off, &b) < 0)
			return 0;
		off += b.total;
	}
	return len > 0;
}

int imgsniff_complete(enum image_format f, const unsigned char *d, size_t len)
{
	switch (f) {
	case IMG_JPEG:
		return jpeg_complete(d, len);
	case IMG_PNG:
		return png_complete(d, len);
	case IMG_WEBP:
		return len >= 12 && (uint64_t)le32(d + 4) + 8 <= len;
	case IMG_AVIF:
		return avif_complete(d, len);
	default:
		return 0;
	}
}

/* ---- EXIF orientation ---- */

static uint32_t tiff16(const unsigned char *p, int le)
{
	return le ? le16(p) : be16(p);
}

static uint32_t tiff32(const unsigned char *p, int le)
{
	return le ? le32(p) : be32(p);
}

/* Orientation tag (0x0112) of IFD0 in a TIFF structure t[0..n). */
static int tiff_orientation(const unsigned char *t, size_t n)
{
	if (n < 8 || !((t[0] == 'I' && t[1] == 'I') || (t[0] == 'M' && t[1] == 'M')))
		return 1;
	int le = t[0] == 'I';
	if (tiff16(t + 2, le) != 42)
		return 1;
	uint64_t off = tiff32(t + 4, le);
	if (off + 2 > n)
		return 1;
	uint32_t count = tiff16(t + off, le);
	for (uint32_t k = 0; k < count; k++) {
		uint64_t e = off + 2 + 12 * (uint64_t)k;
		if (e + 12 > n)
			return 1;
		if (tiff16(t + e, le) != 0x0112)
			continue;
		uint32_t v = tiff16(t + e + 8, le);
		if (tiff16(t + e + 2, le) != 3 || v < 1 || v > 8)
			return 1;
		return (int)v;
	}
	return 1;
}

int imgsniff_exif_orientation(const unsigned char *d, size_t len)
{
	size_t i = 2;
	if (len < 4 || d[0] != 0xff || d[1] != 0xd8)
		return 1;
	for (;;) {
		unsigned m;
		if (jpeg_marker(d, len, &i, &m) < 0)
			return 1;
		if (jpeg_is_standalone(m))
			continue;
		if (m == 0xd8 || m == 0xd9 || m == 0xda || i + 2 > len)
			return 1;
		size_t seg = be16(d + i);
		if (seg < 2 || seg > len - i)
			return 1;
		if (m == 0xe1 && seg >= 2 + 6 + 8 && memcmp(d + i + 2, "Exif\0\0", 6) == 0)
			return tiff_orientation(d + i + 8, seg - 8);
		i += seg;
	}
}
