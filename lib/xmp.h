/* xmp.h - the provenance XMP packet, and putting it into JPEG, PNG and WebP bytes (no I/O). */
#ifndef IMAGIER_XMP_H
#define IMAGIER_XMP_H

#include <stddef.h>

/* IPTC Digital Source Type of everything imagier publishes. */
#define XMP_DST_AI "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
/* The namespace of imagier's own properties (a name, never fetched). */
#define XMP_NS_IMAGIER "https://imagier.invalid/ns/xmp/1.0/"

/* What a served file says about itself. NULL counts as "". */
struct xmp_meta {
	const char *site_name; /* [site] name: photoshop:Credit, imagier:site */
	const char *site_url;  /* [site] base_url: imagier:siteURL */
	const char *post_url;  /* "" until the post exists: dc:source, xmpRights:WebStatement,
				  imagier:post (absent while "") */
	const char *backend;   /* "procedural", "openai", "a1111", or "upload" */
	const char *model;     /* the backend's model name; "" for uploads */
};

/* A complete XMP packet (<?xpacket ...?> x:xmpmeta / rdf:RDF, one
 * rdf:Description with the values as XML-escaped attributes; control
 * characters and invalid UTF-8 become '?'). Iptc4xmpExt:DigitalSourceType
 * is XMP_DST_AI. Returns malloc'd NUL-terminated text; *len its length. */
char *xmp_packet(const struct xmp_meta *m, size_t *len);

/* The largest packet xmp_insert accepts (the JPEG APP1 segment limit). */
#define XMP_MAX_PACKET 65504

/* A copy of the encoded image in[0..len) with the packet pkt[0..pktlen)
 * in it, any XMP packet already there dropped (so exactly one remains):
 *   JPEG  an APP1 "http://ns.adobe.com/xap/1.0/" segment after SOI and any
 *         leading APP0 (JFIF) / APP1 Exif segments;
 *   PNG   an uncompressed iTXt "XML:com.adobe.xmp" chunk right after IHDR
 *         (so before the first IDAT), with its CRC;
 *   WebP  an "XMP " chunk at the end; a simple (VP8 / VP8L) file becomes an
 *         extended one (a VP8X chunk with the canvas size of the bitstream);
 *         the VP8X XMP flag is set and the RIFF size fixed.
 * Pixels are untouched. Returns 0 with *out (malloc'd, the caller frees) and
 * *outlen, or -1 for anything it does not understand exactly (not one of the
 * three formats, a truncated or inconsistent structure, a packet that is too
 * big); it never reads outside in[0..len). */
int xmp_insert(const unsigned char *in, size_t len, const char *pkt, size_t pktlen,
	       unsigned char **out, size_t *outlen);

/* The XMP packets of an encoded JPEG, PNG or WebP (checked as xmp_insert
 * does): returns how many there are (0 none) with the first one in
 * *pkt and *pktlen (pointers into in), or -1 for malformed input. */
int xmp_find(const unsigned char *in, size_t len, const unsigned char **pkt, size_t *pktlen);

/* 1 if pkt is a packet imagier wrote (it declares XMP_NS_IMAGIER), else 0;
 * *has_post (may be NULL) is set to 1 when it carries a post URL. */
int xmp_is_imagier(const unsigned char *pkt, size_t len, int *has_post);

#endif
