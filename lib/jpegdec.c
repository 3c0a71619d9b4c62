/* jpegdec.c - decode a JPEG with libjpeg(-turbo), counting its scans and work before doing it. */
#include "jpegdec.h"
#include "image.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h uses FILE */
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#define STR_(x) #x
#define STR(x)	STR_(x)

#define WHY_DAMAGED "the image file is damaged or truncated"
#define WHY_SCANS                                                                                  \
	"the JPEG has more than " STR(JPEGDEC_MAX_SCANS) " scans; save it again as an ordinary "   \
							 "JPEG"
#define WHY_WORK                                                                                   \
	"the JPEG repeats its scans too often to be decoded in reasonable time; save it again as " \
	"an ordinary JPEG"
#define WHY_PIXELS "the JPEG frame is larger than the pixel limit"
#define WHY_MEMORY "not enough memory to decode the image"

/* One decode. err comes first: libjpeg hands callbacks a pointer to it. */
struct dec {
	struct jpeg_error_mgr err;
	struct jpeg_progress_mgr progress;
	jmp_buf jb;
	int status; /* set before a jump out of libjpeg for a reason of ours */
	const char *why;
	struct jpegdec_stats *st;
	gdImagePtr im;
	uint32_t min_side;	 /* of the longer side (jpegdec_decode) */
	uint32_t need_w, need_h; /* of each side (jpegdec_decode_cover) */
};

static struct dec *dec_of(j_common_ptr c)
{
	return (struct dec *)(void *)c->err;
}

/* libjpeg's fatal errors: back to run() (its message is not kept). */
static void on_error(j_common_ptr c)
{
	longjmp(dec_of(c)->jb, 1);
}

/* Warnings are counted, never printed: corrupt data that libjpeg decodes
 * anyway is accepted, as libgd accepts it, except the end of the data
 * before the picture's end. libjpeg would fill the rest in grey and go on
 * decoding it: a file of a few hundred bytes that promises 40 megapixels
 * would cost seconds for a picture that is not there. */
static void on_message(j_common_ptr c, int level)
{
	if (level >= 0)
		return;
	c->err->num_warnings++;
	if (c->err->msg_code == JWRN_JPEG_EOF || c->err->msg_code == JWRN_HIT_MARKER) {
		struct dec *s = dec_of(c);
		s->status = 400;
		s->why = WHY_DAMAGED;
		longjmp(s->jb, 1);
	}
}

static void on_output(j_common_ptr c)
{
	(void)c;
}

/* Blocks of the current scan: every block of each of its components. */
static uint64_t scan_blocks(j_decompress_ptr ci)
{
	uint64_t n = 0;
	for (int i = 0; i < ci->comps_in_scan && i < MAX_COMPS_IN_SCAN; i++) {
		const jpeg_component_info *c = ci->cur_comp_info[i];
		if (c)
			n += (uint64_t)c->width_in_blocks * c->height_in_blocks;
	}
	return n;
}

/* Called by libjpeg before it reads each row of blocks (and each output
 * row): once a new scan's header is read, count the scan and its blocks and
 * stop before decoding it if that goes over a limit. */
static void on_progress(j_common_ptr c)
{
	struct dec *s = dec_of(c);
	j_decompress_ptr ci = (j_decompress_ptr)c;
	if (ci->input_scan_number == s->st->scans)
		return;
	s->st->scans = ci->input_scan_number;
	s->st->blocks += scan_blocks(ci);
	if (s->st->scans > JPEGDEC_MAX_SCANS || s->st->blocks > s->st->budget) {
		s->status = 422;
		s->why = s->st->scans > JPEGDEC_MAX_SCANS ? WHY_SCANS : WHY_WORK;
		longjmp(s->jb, 1);
	}
}

/* A side of n pixels decoded at scale m/8: libjpeg rounds up. */
static uint64_t scaled(uint64_t n, unsigned m)
{
	return (n * m + 7) / 8;
}

/* The smallest scale m/8 whose longer side is at least s->min_side and
 * whose sides are at least s->need_w and s->need_h (all 0: full size). */
static unsigned pick_scale(const struct dec *s, uint32_t w, uint32_t h)
{
	uint64_t side = w > h ? w : h;
	unsigned m = 1;
	while (m < 8 && (scaled(side, m) < s->min_side || scaled(w, m) < s->need_w ||
			 scaled(h, m) < s->need_h))
		m++;
	return s->min_side || s->need_w || s->need_h ? m : 8;
}

static int ink(int v, int k)
{
	return (255 - v) * (255 - k) / 255;
}

/* One output row into gd pixels: RGB, or CMYK (inverted in Adobe files). */
static void put_row(int *dst, const JSAMPLE *p, JDIMENSION w, int cmyk, int inverted)
{
	for (JDIMENSION x = 0; x < w; x++) {
		if (!cmyk) {
			dst[x] = gdTrueColor(p[0], p[1], p[2]);
			p += 3;
			continue;
		}
		int c = p[0], m = p[1], y = p[2], k = p[3];
		if (inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		dst[x] = gdTrueColor(ink(c, k), ink(m, k), ink(y, k));
		p += 4;
	}
}

/* The decode proper; a jump back here from libjpeg returns its status.
 * Only s and ci are used after setjmp, and neither changes. */
static int run(struct dec *s, struct jpeg_decompress_struct *ci, const unsigned char *d, size_t len,
	       uint64_t max_pixels)
{
	struct jpegdec_stats *st = s->st;
	if (setjmp(s->jb))
		return s->status ? s->status : 400;
	jpeg_create_decompress(ci);
	jpeg_mem_src(ci, d, (unsigned long)len);
	if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK)
		return 400;
	st->width = ci->image_width;
	st->height = ci->image_height;
	if (st->width > IMAGE_MAX_SIDE || st->height > IMAGE_MAX_SIDE ||
	    (uint64_t)st->width * st->height > max_pixels) {
		s->why = WHY_PIXELS;
		return 413;
	}
	st->budget = max_pixels / 64 * JPEGDEC_PASSES;
	int cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
	ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	st->scale = pick_scale(s, st->width, st->height);
	ci->scale_num = st->scale;
	ci->scale_denom = 8;
	s->progress.progress_monitor = on_progress;
	ci->progress = &s->progress;
	if (!jpeg_start_decompress(ci) || ci->output_components != (cmyk ? 4 : 3))
		return 400;
	s->im = gdImageCreateTrueColor((int)ci->output_width, (int)ci->output_height);
	if (!s->im) {
		s->why = WHY_MEMORY;
		return 500;
	}
	JSAMPARRAY row = (*ci->mem->alloc_sarray)(
	    (j_common_ptr)ci, JPOOL_IMAGE, ci->output_width * (JDIMENSION)ci->output_components, 1);
	while (ci->output_scanline < ci->output_height) {
		JDIMENSION y = ci->output_scanline;
		if (jpeg_read_scanlines(ci, row, 1) != 1)
			return 400;
		put_row(s->im->tpixels[y], row[0], ci->output_width, cmyk, ci->saw_Adobe_marker);
	}
	return jpeg_finish_decompress(ci) ? 0 : 400;
}

/* jpegdec_decode with the scale asked for in s0 (min_side, need_w, need_h). */
static int decode_with(const struct dec *s0, const unsigned char *d, size_t len,
		       uint64_t max_pixels, gdImagePtr *out, struct jpegdec_stats *st,
		       const char **why)
{
	struct jpeg_decompress_struct ci;
	struct jpegdec_stats local = {0};
	struct dec s;

	memset(&ci, 0, sizeof(ci));
	s = *s0;
	s.st = st ? st : &local;
	memset(s.st, 0, sizeof(*s.st));
	*out = NULL;
	ci.err = jpeg_std_error(&s.err);
	s.err.error_exit = on_error;
	s.err.emit_message = on_message;
	s.err.output_message = on_output;
	int rc = run(&s, &ci, d, len, max_pixels);
	jpeg_destroy_decompress(&ci);
	if (rc != 0) {
		if (s.im)
			gdImageDestroy(s.im);
		*why = s.why ? s.why : WHY_DAMAGED;
		return rc;
	}
	*out = s.im;
	return 0;
}

int jpegdec_decode(const unsigned char *d, size_t len, uint64_t max_pixels, uint32_t min_side,
		   gdImagePtr *out, struct jpegdec_stats *st, const char **why)
{
	struct dec s;
	memset(&s, 0, sizeof(s));
	s.min_side = min_side;
	return decode_with(&s, d, len, max_pixels, out, st, why);
}

int jpegdec_decode_cover(const unsigned char *d, size_t len, uint64_t max_pixels, uint32_t need_w,
			 uint32_t need_h, gdImagePtr *out, struct jpegdec_stats *st,
			 const char **why)
{
	struct dec s;
	memset(&s, 0, sizeof(s));
	s.need_w = need_w;
	s.need_h = need_h;
	return decode_with(&s, d, len, max_pixels, out, st, why);
}
