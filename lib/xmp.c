/* xmp.c - the provenance XMP packet, and putting it into JPEG, PNG and WebP bytes (no I/O). */
#include "xmp.h"
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the packet ---- */

/* Length of the valid UTF-8 sequence at s[0..n) (n >= 1), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
	    cp == 0xffff)
		return 0;
	return k;
}

/* Append s as the text of an XML attribute value. */
static void put_escaped(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	while (n > 0) {
		unsigned c = *p;
		size_t k = 1;
		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&apos;");
			break;
		case '\t':
		case '\n':
		case '\r':
			buf_putc(b, ' ');
			break;
		default:
			if (c >= 0x20 && c < 0x7f) {
				buf_putc(b, (char)c);
			} else if (c >= 0x80 && (k = utf8_len(p, n)) > 0) {
				buf_append(b, p, k);
			} else {
				k = 1;
				buf_putc(b, '?');
			}
		}
		p += k;
		n -= k;
	}
}

static void put_attr(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "\n   %s=\"", name);
	put_escaped(b, value);
	buf_putc(b, '"');
}

char *xmp_packet(const struct xmp_meta *m, size_t *len)
{
	struct buf b = {0};
	const char *site = m->site_name ? m->site_name : "";
	const char *post = m->post_url ? m->post_url : "";
	const char *backend = m->backend ? m->backend : "";
	const char *model = m->model ? m->model : "";

	buf_puts(&b, "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
		     "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"imagier\">\n"
		     " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
		     "  <rdf:Description rdf:about=\"\""
		     "\n   xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\""
		     "\n   xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
		     "\n   xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\""
		     "\n   xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\""
		     "\n   xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\""
		     "\n   xmlns:imagier=\"" XMP_NS_IMAGIER "\"");
	put_attr(&b, "Iptc4xmpExt:DigitalSourceType", XMP_DST_AI);
	/* "imagier (procedural procedural-v1)": the tool, then what made it */
	buf_puts(&b, "\n   xmp:CreatorTool=\"");
	put_escaped(&b, site);
	buf_puts(&b, " (");
	put_escaped(&b, backend);
	if (*model) {
		buf_putc(&b, ' ');
		put_escaped(&b, model);
	}
	buf_puts(&b, ")\"");
	put_attr(&b, "photoshop:Credit", site);
	if (*post) {
		put_attr(&b, "dc:source", post);
		put_attr(&b, "xmpRights:WebStatement", post);
	}
	put_attr(&b, "imagier:site", site);
	put_attr(&b, "imagier:siteURL", m->site_url);
	if (*post)
		put_attr(&b, "imagier:post", post);
	put_attr(&b, "imagier:backend", backend);
	put_attr(&b, "imagier:model", model);
	buf_puts(&b, "/>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>");
	*len = b.len;
	return b.data;
}

int xmp_is_imagier(const unsigned char *pkt, size_t len, int *has_post)
{
	static const char ns[] = "xmlns:imagier=\"" XMP_NS_IMAGIER "\"";
	static const char post[] = "imagier:post=\"";
	int ours = pkt && memmem(pkt, len, ns, sizeof(ns) - 1) != NULL;
	if (has_post)
		*has_post = ours && memmem(pkt, len, post, sizeof(post) - 1) != NULL;
	return ours;
}

/* ---- byte helpers ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put_be32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	buf_append(b, p, 4);
}

static void put_le32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	buf_append(b, p, 4);
}

static void put_le24(struct buf *b, uint32_t v)
{
	unsigned char p[3] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16)};
	buf_append(b, p, 3);
}

/* One walk of a file. With pkt set it builds the copy in out; without, it
 * only counts the XMP packets it meets (found/foundlen: the first). */
struct walk {
	const unsigned char *pkt;
	size_t pktlen;
	struct buf out;
	int nfound;
	const unsigned char *found;
	size_t foundlen;
};

static void emit(struct walk *w, const void *p, size_t n)
{
	if (w->pkt)
		buf_append(&w->out, p, n);
}

static void saw(struct walk *w, const unsigned char *p, size_t n)
{
	if (w->nfound++ == 0) {
		w->found = p;
		w->foundlen = n;
	}
}

/* ---- JPEG ---- */

static const char jpeg_xmp_id[] = "http://ns.adobe.com/xap/1.0/"; /* + its NUL: 29 bytes */
#define JPEG_XMP_ID_LEN 29

static int jpeg_is_xmp(const unsigned char *seg, size_t n)
{
	return seg[1] == 0xe1 && n >= 4 + JPEG_XMP_ID_LEN &&
	       !memcmp(seg + 4, jpeg_xmp_id, JPEG_XMP_ID_LEN);
}

/* An APP0 (JFIF) or APP1 Exif segment: the XMP segment goes after those. */
static int jpeg_leads(const unsigned char *seg, size_t n)
{
	return seg[1] == 0xe0 || (seg[1] == 0xe1 && n >= 10 && !memcmp(seg + 4, "Exif\0\0", 6));
}

static void jpeg_put_xmp(struct walk *w)
{
	size_t n = 2 + JPEG_XMP_ID_LEN + w->pktlen;
	unsigned char h[4] = {0xff, 0xe1, (unsigned char)(n >> 8), (unsigned char)n};
	emit(w, h, 4);
	emit(w, jpeg_xmp_id, JPEG_XMP_ID_LEN);
	emit(w, w->pkt, w->pktlen);
}

/* After the first SOS: the scan data (stuffed FF 00 and RSTn markers
 * skipped) and the segments between progressive scans, up to the EOI that
 * must end the file. Copied as they are. */
static int jpeg_scans(struct walk *w, const unsigned char *in, size_t len, size_t from, size_t pos)
{
	for (;;) {
		while (pos + 1 < len && (in[pos] != 0xff || in[pos + 1] == 0x00 ||
					 (in[pos + 1] >= 0xd0 && in[pos + 1] <= 0xd7)))
			pos++;
		if (pos + 1 >= len)
			return -1;
		unsigned m = in[pos + 1];
		if (m == 0xff) { /* fill byte */
			pos++;
			continue;
		}
		if (m == 0xd9) {
			if (pos + 2 != len)
				return -1; /* bytes after EOI */
			emit(w, in + from, len - from);
			return 0;
		}
		if (m == 0xd8 || m == 0x01 || len - pos < 4)
			return -1;
		size_t seglen = (size_t)in[pos + 2] << 8 | in[pos + 3];
		if (seglen < 2 || seglen > len - pos - 2)
			return -1;
		pos += 2 + seglen;
	}
}

/* The segments before the first scan are walked one by one (XMP lives
 * there); the rest by jpeg_scans. */
static int jpeg_walk(struct walk *w, const unsigned char *in, size_t len)
{
	size_t pos = 2;
	int inserted = 0;
	emit(w, in, 2);
	for (;;) {
		if (pos + 2 > len || in[pos] != 0xff)
			return -1;
		size_t start = pos;
		while (pos < len && in[pos] == 0xff) /* fill bytes */
			pos++;
		if (pos + 1 > len)
			return -1;
		unsigned m = in[pos++];
		if (m == 0x00 || m == 0xd8 || m == 0xd9 || (m >= 0xd0 && m <= 0xd7))
			return -1; /* no stuffing, SOI, EOI or RSTn before the scan */
		if (m == 0x01) {   /* TEM: no length */
			emit(w, in + start, pos - start);
			continue;
		}
		if (pos + 2 > len)
			return -1;
		size_t seglen = (size_t)in[pos] << 8 | in[pos + 1];
		if (seglen < 2 || seglen > len - pos)
			return -1;
		const unsigned char *body = in + pos; /* the length, then the payload */
		pos += seglen;
		if (m == 0xda) {
			if (!inserted && w->pkt)
				jpeg_put_xmp(w);
			return jpeg_scans(w, in, len, start, pos);
		}
		/* the marker (normalised to FF m) and the first bytes, to look at */
		unsigned char seg[4 + JPEG_XMP_ID_LEN];
		size_t peek = seglen + 2 < sizeof(seg) ? seglen + 2 : sizeof(seg);
		seg[0] = 0xff;
		seg[1] = (unsigned char)m;
		memcpy(seg + 2, body, peek - 2);
		if (jpeg_is_xmp(seg, seglen + 2)) {
			saw(w, body + 2 + JPEG_XMP_ID_LEN, seglen - 2 - JPEG_XMP_ID_LEN);
			continue; /* dropped: ours replaces it */
		}
		if (!inserted && w->pkt && !jpeg_leads(seg, seglen + 2)) {
			jpeg_put_xmp(w);
			inserted = 1;
		}
		emit(w, in + start, pos - start);
	}
}

/* ---- PNG ---- */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const char png_xmp_key[] = "XML:com.adobe.xmp"; /* + NUL: 18 bytes */
#define PNG_XMP_KEY_LEN 18

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static int png_type_ok(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* The text of an iTXt XMP chunk's data d[0..n), or NULL if it is another
 * keyword. Compressed text is returned as it is (not readable, but counted). */
static const unsigned char *png_xmp_text(const unsigned char *d, size_t n, size_t *tlen)
{
	if (n < PNG_XMP_KEY_LEN + 2 || memcmp(d, png_xmp_key, PNG_XMP_KEY_LEN))
		return NULL;
	size_t i = PNG_XMP_KEY_LEN + 2;		  /* compression flag and method */
	for (int field = 0; field < 2; field++) { /* language tag, translated keyword */
		const unsigned char *z = memchr(d + i, 0, n - i);
		if (!z)
			return NULL;
		i = (size_t)(z - d) + 1;
	}
	*tlen = n - i;
	return d + i;
}

static void png_put_xmp(struct walk *w)
{
	struct buf c = {0};
	static const unsigned char flags[4] = {0, 0, 0, 0}; /* uncompressed, "", "" */
	put_be32(&c, (uint32_t)(PNG_XMP_KEY_LEN + 4 + w->pktlen));
	buf_append(&c, "iTXt", 4);
	buf_append(&c, png_xmp_key, PNG_XMP_KEY_LEN);
	buf_append(&c, flags, 4);
	buf_append(&c, w->pkt, w->pktlen);
	put_be32(&c, crc32_update(0, (const unsigned char *)c.data + 4, c.len - 4));
	emit(w, c.data, c.len);
	buf_free(&c);
}

static int png_walk(struct walk *w, const unsigned char *in, size_t len)
{
	size_t pos = 8;
	int idat = 0;
	emit(w, in, 8);
	for (int first = 1;; first = 0) {
		if (len - pos < 12)
			return -1;
		uint32_t n = be32(in + pos);
		const unsigned char *type = in + pos + 4, *data = in + pos + 8;
		if (n > 0x7fffffffu || n > len - pos - 12 || !png_type_ok(type))
			return -1;
		size_t total = 12 + (size_t)n;
		if (first != !memcmp(type, "IHDR", 4) || (first && n != 13))
			return -1;
		if (!memcmp(type, "IEND", 4)) {
			if (!idat || pos + total != len)
				return -1; /* no image data, or bytes after IEND */
			emit(w, in + pos, total);
			return 0;
		}
		if (!memcmp(type, "IDAT", 4))
			idat = 1;
		size_t tlen;
		const unsigned char *text =
		    !memcmp(type, "iTXt", 4) ? png_xmp_text(data, n, &tlen) : NULL;
		if (text)
			saw(w, text, tlen); /* dropped: ours replaces it */
		else
			emit(w, in + pos, total);
		if (first && w->pkt)
			png_put_xmp(w);
		pos += total;
	}
}

/* ---- WebP ---- */

#define VP8X_ALPHA 0x10
#define VP8X_XMP   0x04

/* Canvas size (and alpha) of a simple file's VP8 / VP8L bitstream. */
static int webp_simple_size(const unsigned char *fourcc, const unsigned char *d, uint32_t n,
			    uint32_t *wd, uint32_t *ht, int *alpha)
{
	*alpha = 0;
	if (!memcmp(fourcc, "VP8 ", 4)) {
		/* frame tag (3 bytes, bit 0 clear on a key frame), start code */
		if (n < 10 || (d[0] & 1) || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return -1;
		*wd = ((uint32_t)d[6] | (uint32_t)d[7] << 8) & 0x3fff;
		*ht = ((uint32_t)d[8] | (uint32_t)d[9] << 8) & 0x3fff;
		return *wd && *ht ? 0 : -1;
	}
	if (!memcmp(fourcc, "VP8L", 4)) {
		if (n < 5 || d[0] != 0x2f)
			return -1;
		uint32_t bits = le32(d + 1);
		if (bits >> 29) /* version must be 0 */
			return -1;
		*wd = (bits & 0x3fff) + 1;
		*ht = ((bits >> 14) & 0x3fff) + 1;
		*alpha = (bits >> 28) & 1;
		return 0;
	}
	return -1;
}

static int webp_walk(struct walk *w, const unsigned char *in, size_t len)
{
	if (len < 20 || memcmp(in + 8, "WEBP", 4) || (size_t)le32(in + 4) + 8 != len)
		return -1;
	size_t pos = 12;
	emit(w, "RIFF\0\0\0\0WEBP", 12); /* size fixed at the end */
	for (int first = 1; pos < len; first = 0) {
		if (len - pos < 8)
			return -1;
		const unsigned char *fourcc = in + pos, *data = in + pos + 8;
		uint32_t n = le32(in + pos + 4);
		size_t padded = (size_t)n + (n & 1);
		if (padded > len - pos - 8)
			return -1;
		if (first && !memcmp(fourcc, "VP8X", 4)) {
			if (n < 10)
				return -1;
			unsigned char flags = data[0] | VP8X_XMP;
			emit(w, in + pos, 8);
			emit(w, &flags, 1);
			emit(w, data + 1, padded - 1);
		} else if (first) {
			uint32_t wd, ht;
			int alpha;
			if (webp_simple_size(fourcc, data, n, &wd, &ht, &alpha))
				return -1;
			unsigned char flags = VP8X_XMP | (alpha ? VP8X_ALPHA : 0);
			unsigned char zero[3] = {0, 0, 0};
			emit(w, "VP8X\x0a\0\0\0", 8);
			emit(w, &flags, 1);
			emit(w, zero, 3);
			if (w->pkt) {
				put_le24(&w->out, wd - 1);
				put_le24(&w->out, ht - 1);
			}
			emit(w, in + pos, 8 + padded);
		} else if (!memcmp(fourcc, "XMP ", 4)) {
			saw(w, data, n); /* dropped: ours replaces it */
		} else {
			emit(w, in + pos, 8 + padded);
		}
		pos += 8 + padded;
	}
	if (w->pkt) {
		emit(w, "XMP ", 4);
		put_le32(&w->out, (uint32_t)w->pktlen);
		emit(w, w->pkt, w->pktlen);
		if (w->pktlen & 1)
			emit(w, "", 1);
		if (w->out.len - 8 > 0xfffffff0u)
			return -1;
		uint32_t riff = (uint32_t)(w->out.len - 8);
		unsigned char *o = (unsigned char *)w->out.data;
		o[4] = (unsigned char)riff;
		o[5] = (unsigned char)(riff >> 8);
		o[6] = (unsigned char)(riff >> 16);
		o[7] = (unsigned char)(riff >> 24);
	}
	return 0;
}

/* ---- entry points ---- */

static int walk_any(struct walk *w, const unsigned char *in, size_t len)
{
	if (!in)
		return -1;
	if (len >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
		return jpeg_walk(w, in, len);
	if (len >= 8 && !memcmp(in, png_sig, 8))
		return png_walk(w, in, len);
	if (len >= 12 && !memcmp(in, "RIFF", 4))
		return webp_walk(w, in, len);
	return -1;
}

int xmp_insert(const unsigned char *in, size_t len, const char *pkt, size_t pktlen,
	       unsigned char **out, size_t *outlen)
{
	struct walk w = {.pkt = (const unsigned char *)pkt, .pktlen = pktlen};
	*out = NULL;
	*outlen = 0;
	if (!pkt || pktlen == 0 || pktlen > XMP_MAX_PACKET || len > SIZE_MAX / 2)
		return -1;
	if (walk_any(&w, in, len) != 0) {
		buf_free(&w.out);
		return -1;
	}
	*out = (unsigned char *)w.out.data;
	*outlen = w.out.len;
	return 0;
}

int xmp_find(const unsigned char *in, size_t len, const unsigned char **pkt, size_t *pktlen)
{
	struct walk w = {0};
	*pkt = NULL;
	*pktlen = 0;
	if (walk_any(&w, in, len) != 0)
		return -1;
	*pkt = w.found;
	*pktlen = w.foundlen;
	return w.nfound;
}
