/* image.h - image checks, re-encoding, derived sizes, content-addressed store. */
#ifndef IMAGIER_IMAGE_H
#define IMAGIER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

enum image_format { IMG_UNKNOWN = 0, IMG_JPEG, IMG_PNG, IMG_WEBP, IMG_AVIF };

struct image_info {
	enum image_format format;
	uint32_t width, height;
	char reason[64]; /* storage for a formatted *why (the pixel limit) */
};

/* Largest width or height accepted: the WebP format cannot hold more. */
#define IMAGE_MAX_SIDE 16383

/* Read only the header of an encoded image (magic bytes and the dimension
 * fields: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, AVIF/HEIF 'ispe'), never
 * the pixels. Returns 0 and fills *info, or:
 *   415 not one of the four formats (e.g. a text file named .jpg),
 *   400 truncated or corrupt header, zero dimension,
 *   413 width*height > max_pixels (or a side > IMAGE_MAX_SIDE).
 * *why gets a short reason: a static string, or info->reason (valid as long
 * as *info is). Safe on any input (fuzzed). */
int image_sniff(const unsigned char *data, size_t len, uint64_t max_pixels, struct image_info *info,
		const char **why);

const char *image_format_name(enum image_format f); /* "jpeg", "png", ... */

#define IMAGE_MAX_VARIANTS 12

/* What a stored file is for. */
enum image_role {
	IMAGE_DISPLAY = 0, /* a size pages, feeds and oEmbed show */
	IMAGE_ORIGINAL,	   /* the upload at its own size: the download (re-encoded, or a
			      JPEG's own bytes without metadata: image_jpeg_keep) */
	IMAGE_CARD	   /* a centred square for the feed's cards and thumbnails */
};

/* One stored file. path is relative to the media dir: "ab/cd/<64 hex>.webp";
 * the public URL is "/media/" + path. */
struct image_variant {
	uint32_t width, height;
	char format[8]; /* "webp" or "jpeg" */
	char path[96];
	uint64_t bytes;
	int role;     /* enum image_role */
	int labelled; /* the visible label is drawn in its pixels */
};

struct image_stored {
	uint32_t width, height; /* of the re-encoded original */
	char sha256[65];	/* hex of the original upload's bytes (dedupe) */
	char blurhash[40];	/* 4x3 components */
	char avg_color[8];	/* "#rrggbb" for a no-JS placeholder */
	uint64_t phash;		/* dHash of the upright picture (phash.h), for the blocklist */
	struct image_variant v[IMAGE_MAX_VARIANTS];
	int nv;
	unsigned created; /* bit k: v[k] was written by this call (image_discard) */
	char reason[64];  /* storage for a formatted *why (the pixel limit) */
};

/* Decode (after image_sniff passed), strip everything but pixels, and write
 * the derived sizes -- widths 320, 640, 1280 (only those smaller than the
 * original) plus the original size -- each as WebP and JPEG, under
 * media_dir, content-addressed by the SHA-256 of the encoded bytes: written
 * to a temp file, fsynced, moved into place (link(2), so never replacing),
 * directory fsynced. An existing file with the same name is kept (same
 * bytes). Returns 0, or 400/413/415 with *why for undecodable input, 422
 * for a JPEG that asks for more decoding work than any ordinary file
 * (jpegdec.h: too many scans), 507 when the disk is full (ENOSPC, EDQUOT),
 * or 500 for another storage failure; a storage failure is logged with the
 * file's path and the system's error. On failure no
 * new file is left behind (temp files are unlinked). *why is a static string
 * or out->reason. Paths end in .webp or .jpg. A post's files are later
 * stamped in place with XMP (provenance.h), under the same name: the name is
 * the hash of the bytes as encoded here, not of the file as served. */
int image_store(const char *media_dir, const unsigned char *data, size_t len, uint64_t max_pixels,
		struct image_stored *out, const char **why);

/* image_store for a post's picture, with the visible label (label.h) drawn
 * on every file meant to be shown, never on the original:
 *   - the display widths 320, 640, 1280 smaller than the picture, labelled;
 *   - when the picture is 1280 px wide or less, a labelled display copy at
 *     its own size (role IMAGE_DISPLAY), so the largest size a page shows is
 *     labelled too;
 *   - square cards (IMAGE_CARD): the centred square, 320 and 640 px (those
 *     not larger than the square; else one at the square's side), labelled
 *     after cropping so a square frame never cuts the label (a square
 *     picture's cards are its display files of that side, listed again);
 *   - the original (IMAGE_ORIGINAL), clean.
 * When the label is not drawn (label->enabled 0, opacity 0, or a picture
 * too small for it), the display copy at the picture's own size is the
 * original's file listed again as a display size. label must not be NULL.
 * image_store (avatars) makes only the display widths and the original,
 * unlabelled. Encoded JPEGs carry no comment (COM) segment. */
struct image_label;
int image_store_labelled(const char *media_dir, const unsigned char *data, size_t len,
			 uint64_t max_pixels, const struct image_label *label,
			 struct image_stored *out, const char **why);

/* Drop the comment (COM) segments before the first scan of an encoded JPEG
 * p[0..n), in place (libgd writes "CREATOR: gd-jpeg v1.0 ..." in one);
 * returns the new length. Anything that is not a JPEG whose segments chain
 * up to a scan is left as it is. */
size_t image_jpeg_drop_comments(unsigned char *p, size_t n);

/* The JPEG p[0..n) as a post's original keeps it: the same frame, tables
 * and entropy-coded scans, byte for byte, with every APPn and COM segment
 * dropped (Exif with its GPS and camera serials, XMP, ICC, IPTC, MPF,
 * comments) except JFIF, kept without its thumbnail, and the Adobe colour
 * transform; nothing after EOI is kept (a phone's appended second picture).
 * Only a Huffman-coded 8-bit grey or three-component frame (SOF0..2) whose
 * segments chain from SOI to EOI: returns 0 with *out (malloc'd, the
 * caller frees; never longer than n) and *outlen, else -1 (*out NULL) and
 * the picture is encoded again. Safe on any input (fuzzed). */
int image_jpeg_keep(const unsigned char *p, size_t n, unsigned char **out, size_t *outlen);

/* image_store, with the picture first made to fit max_side x max_side
 * (avatars): a JPEG is decoded at the smallest DCT scale still covering
 * max_side (far less work), so the stored "original" is at most that size.
 * images.sha256 is then a hash of max_side and the bytes, so an avatar never
 * shares its images row with a post of the same file. */
int image_store_fit(const char *media_dir, const unsigned char *data, size_t len,
		    uint64_t max_pixels, uint32_t max_side, struct image_stored *out,
		    const char **why);

/* Where one image_store_timed call spent its time, in microseconds (the
 * bench, tests/tools/procbench.c). Steps are summed over the sizes. */
struct image_timing {
	int64_t decode;	       /* sniff, decode, EXIF orientation */
	int64_t resample;      /* every resized or cropped copy */
	int64_t label;	       /* drawing the label */
	int64_t encode;	       /* WebP and JPEG encoding */
	int64_t write;	       /* storing the files (temp, fsync, link) */
	int64_t hash;	       /* dHash and blurhash */
	int64_t first_display; /* from the call until the feed card (card320,
				* else the first display size) is stored, both formats */
	int64_t total;
};

/* image_store_labelled (label not NULL) or image_store (NULL), timing its
 * steps into *t. */
int image_store_timed(const char *media_dir, const unsigned char *data, size_t len,
		      uint64_t max_pixels, const struct image_label *label,
		      struct image_stored *out, struct image_timing *t, const char **why);

/* Remove the files that the image_store* call which filled img created
 * (those it found already stored are kept: another row may use them), when
 * what should have pointed at them was not saved. A concurrent upload of the
 * very same bytes that found one of them in place loses it: it is left to
 * see a missing file (rare: both uploads at once, and only one committed). */
void image_discard(const char *media_dir, const struct image_stored *img);

/* Silence libgd's own warnings on stderr (call once per process). */
void image_quiet_warnings(void);

/* Blurhash of RGB pixels (3 bytes per pixel, row stride in bytes).
 * Writes a NUL-terminated string into out (at least 2+4+2*xc*yc... 40 bytes
 * is enough for xc,yc <= 4). Returns 0, -1 on bad arguments. */
int blurhash_encode(int xc, int yc, int width, int height, const uint8_t *rgb, size_t stride,
		    char *out, size_t outlen);

#endif
