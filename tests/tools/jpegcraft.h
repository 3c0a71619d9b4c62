/* jpegcraft.h - crafted JPEGs for the tests: a progressive file with thousands of cheap scans. */
#ifndef IMAGIER_TESTS_JPEGCRAFT_H
#define IMAGIER_TESTS_JPEGCRAFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A growing byte buffer (abort()s when memory runs out: test code). */
struct jc_buf {
	unsigned char *p;
	size_t n, cap;
};

static void jc_put(struct jc_buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void jc_u8(struct jc_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	jc_put(b, &c, 1);
}

static void jc_u16(struct jc_buf *b, unsigned v)
{
	jc_u8(b, v >> 8);
	jc_u8(b, v & 0xff);
}

/* Entropy-coded bytes: 0xFF is followed by a stuffed 0x00. */
struct jc_bits {
	struct jc_buf *b;
	uint32_t acc;
	int nbits;
};

static void jc_bits_put(struct jc_bits *w, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		w->acc = (w->acc << 1) | ((v >> i) & 1);
		if (++w->nbits == 8) {
			jc_u8(w->b, w->acc & 0xff);
			if ((w->acc & 0xff) == 0xff)
				jc_u8(w->b, 0x00);
			w->acc = 0;
			w->nbits = 0;
		}
	}
}

static void jc_bits_flush(struct jc_bits *w)
{
	if (w->nbits)
		jc_bits_put(w, 0x7f, 8 - w->nbits); /* pad with one bits */
}

/* Copy the progressive JPEG jpg[0..n) with `extra` more scans before its
 * EOI: each an AC first scan (Ss 1, Se 63, Ah 0, Al 0) of the first
 * component whose data is nothing but end-of-band runs of 32767 blocks,
 * coded with one extra Huffman table (AC table 3: a single one-bit code for
 * EOB14). The runs add no coefficient, so the picture is unchanged, and the
 * progression stays legal (no decoder warning), but a decoder still walks
 * every block of the component once per scan: a few bytes of file per full
 * pass over the picture. Returns a malloc'd buffer and its size in *outn,
 * or NULL if jpg is not a progressive JPEG ending in EOI. */
static unsigned char *jpegcraft_scans(const unsigned char *jpg, size_t n, long extra, size_t *outn)
{
	size_t i = 2;
	unsigned w = 0, h = 0, comp = 0;
	if (n < 4 || jpg[0] != 0xff || jpg[1] != 0xd8 || jpg[n - 2] != 0xff || jpg[n - 1] != 0xd9)
		return NULL;
	while (i + 4 <= n && jpg[i] == 0xff) { /* the header segments, up to the SOF */
		unsigned m = jpg[i + 1], len = (unsigned)jpg[i + 2] << 8 | jpg[i + 3];
		if (m == 0xc2 && i + 11 <= n) {
			h = (unsigned)jpg[i + 5] << 8 | jpg[i + 6];
			w = (unsigned)jpg[i + 7] << 8 | jpg[i + 8];
			comp = jpg[i + 10];
			break;
		}
		if (m == 0xda || m == 0xc0 || m == 0xc1)
			return NULL;
		i += 2 + len;
	}
	if (!w || !h)
		return NULL;
	size_t blocks = (size_t)((w + 7) / 8) * ((h + 7) / 8), runs = blocks / 32767 + 1;
	struct jc_buf b = {0};
	jc_put(&b, jpg, n - 2);
	static const unsigned char dht[] = {0xff, 0xc4, 0x00, 0x14, 0x13, 1, 0, 0, 0, 0, 0,
					    0,	  0,	0,    0,    0,	  0, 0, 0, 0, 0, 0xe0};
	jc_put(&b, dht, sizeof(dht));
	for (long s = 0; s < extra; s++) {
		static const unsigned char sos_tail[] = {0x03, 1, 63, 0x00};
		jc_u16(&b, 0xffda);
		jc_u16(&b, 8);
		jc_u8(&b, 1);
		jc_u8(&b, comp);
		jc_put(&b, sos_tail, sizeof(sos_tail));
		struct jc_bits bw = {.b = &b};
		for (size_t r = 0; r < runs; r++) {
			jc_bits_put(&bw, 0, 1);	      /* EOB14 */
			jc_bits_put(&bw, 0x3fff, 14); /* run 16384 + 16383 */
		}
		jc_bits_flush(&bw);
	}
	jc_u16(&b, 0xffd9);
	*outn = b.n;
	return b.p;
}

#endif
