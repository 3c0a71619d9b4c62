/* procedural_look.c - procedural backend: palettes and finishing (styles, grade, grain). */
#include "procedural_int.h"

#include <gd.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct proc_rgb proc_colours[PC_COUNT] = {
    {230, 57, 70},   {247, 127, 0},   {233, 185, 73}, {255, 214, 10}, {58, 157, 79},
    {20, 145, 155},  {34, 211, 238},  {42, 111, 219}, {29, 45, 107},  {123, 63, 191},
    {182, 156, 230}, {255, 111, 168}, {214, 36, 159}, {139, 90, 43},  {16, 16, 20},
    {245, 245, 240}, {138, 141, 145},
};

/* ---- palette ---- */

static const uint32_t pal_day[PP_COUNT] = {
    0x3a78d0, 0x80b4ea, 0xdcedf6, 0xfff7dc, 0xfff0b8, 0xffffff, 0x8ea7c9,
    0x52705f, 0x9ccbe6, 0x1f5f8b, 0x86b86a, 0x3f6e3a, 0x2f6b3a, 0x1d4428,
    0xecd6a6, 0xffe9a8, 0x1c2230, 0xe76f51, 0xf4a261, 0x2a9d8f, 0xe9c46a};
static const uint32_t pal_sunset[PP_COUNT] = {
    0x2b2d64, 0xb5477a, 0xffb36b, 0xfff0c2, 0xff9a4d, 0xf7a08a, 0x7a4f7e,
    0x3b2a4a, 0xf2a071, 0x3a2f5b, 0x7a5a66, 0x2a1e33, 0x3b2a3f, 0x1e1426,
    0xe7a97a, 0xffd27a, 0x1a1226, 0xff6b6b, 0xffd166, 0xc06c84, 0x6c5b7b};
static const uint32_t pal_night[PP_COUNT] = {
    0x05070f, 0x0e1633, 0x2a3a66, 0xf2f0e0, 0x8fa3d9, 0x2c3550, 0x2a3558,
    0x141b33, 0x2c3a66, 0x070b1c, 0x1c2a3a, 0x0a0f18, 0x10202a, 0x060d12,
    0x5a5a70, 0xffd58a, 0x04060c, 0x5e60ce, 0x48bfe3, 0xffd166, 0xe056fd};
static const uint32_t pal_vapor[PP_COUNT] = {
    0x1b0f45, 0x6a1b9a, 0xff71ce, 0xffe66d, 0xff71ce, 0xffb3e6, 0x7b2ff7,
    0x3b0f70, 0xb967ff, 0x1b0f45, 0x2b0f54, 0x12062b, 0x26115e, 0x12062b,
    0xffb3e6, 0xfffb96, 0x0d0221, 0xff71ce, 0x01cdfe, 0x05ffa1, 0xb967ff};

/* Which named colour (in naming order, modulo their number) tints each slot, and how much. */
static const uint8_t tint_pick[PP_COUNT] = {1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0,
					    0, 2, 2, 0, 0, 1, 0, 1, 2, 3};
static const uint8_t tint_amount[PP_COUNT] = {175, 175, 165, 90,  150, 110, 165, 165, 175, 175, 155,
					      155, 150, 150, 130, 100, 110, 220, 220, 220, 220};

static struct proc_rgb hex(uint32_t v)
{
	struct proc_rgb c = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return c;
}

static int lum(struct proc_rgb c)
{
	return (77 * c.r + 150 * c.g + 29 * c.b) >> 8;
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/* Push the colour away from (k > 256) or towards (k < 256) its own grey. */
static struct proc_rgb saturate(struct proc_rgb c, int k)
{
	int l = lum(c);
	struct proc_rgb o = {clamp8(l + (c.r - l) * k / 256), clamp8(l + (c.g - l) * k / 256),
			     clamp8(l + (c.b - l) * k / 256)};
	return o;
}

/* Hue in 0..1535, saturation and value in 0..255. */
static void to_hsv(struct proc_rgb c, int *h, int *s, int *v)
{
	int mx = c.r > c.g ? (c.r > c.b ? c.r : c.b) : (c.g > c.b ? c.g : c.b);
	int mn = c.r < c.g ? (c.r < c.b ? c.r : c.b) : (c.g < c.b ? c.g : c.b), d = mx - mn;
	*v = mx;
	*s = mx ? d * 255 / mx : 0;
	if (d == 0)
		*h = 0;
	else if (mx == c.r)
		*h = ((c.g - c.b) * 256 / d + 1536) % 1536;
	else if (mx == c.g)
		*h = 512 + (c.b - c.r) * 256 / d;
	else
		*h = 1024 + (c.r - c.g) * 256 / d;
}

static struct proc_rgb from_hsv(int h, int s, int v)
{
	h = ((h % 1536) + 1536) % 1536;
	int f = h % 256, p = v * (255 - s) / 255, q = v * (255 - s * f / 256) / 255;
	int t = v * (255 - s * (256 - f) / 256) / 255;
	int rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
	const int *o = rgb[h / 256];
	struct proc_rgb c = {clamp8(o[0]), clamp8(o[1]), clamp8(o[2])};
	return c;
}

/* Move slot s towards colour c by amount (of 256); with keep, c first takes
 * on about the slot's lightness so the picture keeps its light and shade. */
static struct proc_rgb tint(struct proc_rgb s, struct proc_rgb c, int amount, int keep)
{
	if (keep) {
		int ls = lum(s), lc = lum(c), lt = (2 * ls + lc) / 3;
		if (lt > lc)
			c = proc_mix(c, hex(0xffffff), (lt - lc) * 256 / (256 - lc));
		else if (lc > 0)
			c = proc_mix(hex(0), c, lt * 256 / lc);
	}
	struct proc_rgb m = proc_mix(s, c, amount);
	if (!keep)
		return m;
	/* mixing across the colour wheel greys; give back the saturation both had */
	int hs, ss, vs, hc, sc, vc, hm, sm, vm;
	to_hsv(s, &hs, &ss, &vs);
	to_hsv(c, &hc, &sc, &vc);
	to_hsv(m, &hm, &sm, &vm);
	int want = (ss * (256 - amount) + sc * amount) / 256;
	return want > sm && sm >= 30 ? from_hsv(hm, want, vm) : m;
}

static void apply_colours(struct proc_rgb *pal, const uint8_t *order, int n)
{
	for (int i = 0; i < PP_COUNT && n; i++) {
		int k = tint_pick[i], ci = order[k % n];
		struct proc_rgb c = proc_colours[ci];
		int keep = ci != PC_BLACK && ci != PC_WHITE, amount = tint_amount[i];
		if (ci == PC_GREY) {
			pal[i] = saturate(pal[i], 60);
			continue;
		}
		if (!keep)
			amount = i == PP_SUN || i == PP_LIGHT ? 0 : amount * 2 / 3;
		if (i >= PP_ACCENT0 && k >= n) { /* more accents than colours: vary the hue */
			int h, s, v;
			to_hsv(c, &h, &s, &v);
			c = from_hsv(h + (k % 2 ? 150 : -150), s, v * (k % 2 ? 200 : 256) / 256);
		}
		pal[i] = tint(pal[i], c, amount, keep);
	}
}

static void apply_mods(struct proc_rgb *pal, int mods)
{
	for (int i = 0; i < PP_COUNT; i++) {
		struct proc_rgb c = pal[i];
		int backdrop =
		    i <= PP_SKY_LOW || (i >= PP_LAND_FAR && i <= PP_FOLIAGE_DARK) || i == PP_INK;
		if (mods & PM_PASTEL)
			c = proc_mix(saturate(c, 170), hex(0xffffff), 100);
		if (mods & PM_NEON)
			c = backdrop ? proc_mix(saturate(c, 400), hex(0), 120) : saturate(c, 450);
		if (mods & PM_WARM)
			c = tint(c, hex(0xff8c32), 60, 1);
		if (mods & PM_COOL)
			c = tint(c, hex(0x2878ff), 60, 1);
		if (mods & PM_DARK)
			c = proc_mix(c, hex(0), 100);
		if (mods & PM_BRIGHT)
			c = proc_mix(saturate(c, 330), hex(0xffffff), 25);
		if (mods & PM_MUTED)
			c = saturate(c, 130);
		pal[i] = c;
	}
}

/* Turn every colour close to a colour named in the negative prompt away from it. */
static void apply_negative(struct proc_rgb *pal, uint32_t colours)
{
	for (int ci = 0; ci < PC_COUNT; ci++) {
		if (!(colours & (1u << ci)))
			continue;
		int hn, sn, vn;
		to_hsv(proc_colours[ci], &hn, &sn, &vn);
		for (int i = 0; i < PP_COUNT; i++) {
			int h, s, v, l = lum(pal[i]);
			to_hsv(pal[i], &h, &s, &v);
			if (ci == PC_BLACK && l < 70)
				pal[i] = proc_mix(pal[i], hex(0x8090a0), 110);
			else if (ci == PC_WHITE && l > 190)
				pal[i] = proc_mix(pal[i], hex(0x9098a0), 90);
			else if (ci == PC_GREY)
				pal[i] = saturate(pal[i], 380);
			if (sn < 60 || s < 40)
				continue;
			int d = (h - hn + 1536 + 768) % 1536 - 768; /* -768..767 */
			if (abs(d) < 230)
				pal[i] = from_hsv(hn + (d >= 0 ? 420 : -420), s * 3 / 4, v);
		}
	}
}

void proc_palette(struct proc_scene *sc, const uint8_t *colours, int ncolours, int mods,
		  uint32_t neg_colours)
{
	uint32_t e = sc->elems;
	int night = (e & PE_BIT(PE_NIGHT)) != 0, sunset = (e & PE_BIT(PE_SUNSET)) != 0;
	const uint32_t *base = night ? pal_night : (sunset ? pal_sunset : pal_day);
	for (int i = 0; i < PP_COUNT; i++) {
		sc->pal[i] = hex(base[i]);
		if (night && sunset) /* dusk */
			sc->pal[i] =
			    proc_mix(sc->pal[i], hex(pal_sunset[i]), i == PP_SKY_LOW ? 190 : 90);
	}
	struct proc_rgb *p = sc->pal;
	if (e & PE_BIT(PE_SPACE)) {
		p[PP_ACCENT0] = hex(0x7b2ff7);
		p[PP_ACCENT1] = hex(0xf107a3);
		p[PP_ACCENT2] = hex(0xe9a86b);
		p[PP_SKY_LOW] = proc_mix(p[PP_SKY_LOW], hex(0x1a1036), 160);
	}
	if (e & PE_BIT(PE_DESERT)) {
		p[PP_SAND] = proc_mix(p[PP_SAND], hex(0xe0a860), 120);
		p[PP_GROUND_DARK] = proc_mix(p[PP_SAND], p[PP_INK], 110);
	}
	if (e & PE_BIT(PE_SNOW)) {
		p[PP_GROUND] = proc_mix(hex(0xf4f8fc), p[PP_SKY_LOW], night ? 170 : 50);
		p[PP_GROUND_DARK] = proc_mix(hex(0xaebfd6), p[PP_INK], night ? 150 : 20);
		p[PP_FOLIAGE] = proc_mix(hex(0x2a4a48), p[PP_INK], night ? 150 : 0);
		p[PP_CLOUD] = proc_mix(p[PP_CLOUD], hex(0xdde6f0), 128);
	}
	if (sc->styles & PS_VAPOR)
		for (int i = 0; i < PP_COUNT; i++)
			p[i] = hex(pal_vapor[i]);
	apply_colours(p, colours, ncolours);
	apply_mods(p, mods);
	apply_negative(p, neg_colours);
}

/* ---- finishing ---- */

static uint8_t *pix(struct proc_canvas *c, int x, int y)
{
	return c->px + ((size_t)y * c->w + x) * 3;
}

/* Box blur of radius r, rows then columns (each pass a running sum). */
static void box_blur(uint8_t *px, int w, int h, int r)
{
	int n = w > h ? w : h, d = 2 * r + 1;
	uint8_t *line = xmalloc((size_t)n * 3);
	for (int pass = 0; pass < 2; pass++) {
		int len = pass ? h : w, count = pass ? w : h;
		size_t step = pass ? (size_t)w * 3 : 3, stride = pass ? 3 : (size_t)w * 3;
		for (int k = 0; k < count; k++) {
			uint8_t *base = px + (size_t)k * stride;
			for (int i = 0; i < len; i++)
				memcpy(line + i * 3, base + i * step, 3);
			for (int ch = 0; ch < 3; ch++) {
				int sum = 0;
				for (int i = -r; i <= r; i++)
					sum +=
					    line[(i < 0 ? 0 : (i >= len ? len - 1 : i)) * 3 + ch];
				for (int i = 0; i < len; i++) {
					base[i * step + ch] = (uint8_t)(sum / d);
					int out = i - r, in = i + r + 1;
					sum += line[(in >= len ? len - 1 : in) * 3 + ch] -
					       line[(out < 0 ? 0 : out) * 3 + ch];
				}
			}
		}
	}
	free(line);
}

static void watercolor(struct proc_canvas *c, const struct proc_scene *sc, int s)
{
	size_t n = (size_t)c->w * c->h * 3;
	uint8_t *orig = xmalloc(n);
	memcpy(orig, c->px, n);
	for (int i = 0; i < 3; i++)
		box_blur(c->px, c->w, c->h, s / 200 + 1);
	struct proc_field wash, paper;
	proc_field_make(&wash, c->w, c->h, 8, sc->detail, s / 4, 3);
	proc_field_make(&paper, c->w, c->h, 2, sc->detail + 1, s / 40 + 2, 3);
	const struct proc_rgb sheet = {250, 246, 236};
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			uint8_t *p = pix(c, x, y), *o = orig + (p - c->px);
			struct proc_rgb q = {p[0], p[1], p[2]};
			/* pigment gathers where the paint's edge was */
			int edge = abs(lum((struct proc_rgb){o[0], o[1], o[2]}) - lum(q));
			int grain = (proc_field_at(&paper, x, y) - 128) / 8;
			int light =
			    70 + (255 - lum(q)) / 4 + (proc_field_at(&wash, x, y) - 128) * 2 / 3;
			q = proc_mix(saturate(q, 290), sheet, light);
			int k = 256 - (edge > 40 ? 40 : edge) - grain;
			p[0] = clamp8(q.r * k / 256);
			p[1] = clamp8(q.g * k / 256);
			p[2] = clamp8(q.b * k / 256);
		}
	proc_field_free(&wash);
	proc_field_free(&paper);
	free(orig);
}

/* Brush work: the picture is painted over with short strokes, each in the colour
 * found under it, laid along a slowly turning direction, big ones then small. */
static void oil(struct proc_canvas *c, const struct proc_scene *sc, int s)
{
	size_t n = (size_t)c->w * c->h * 3;
	uint8_t *src = xmalloc(n);
	memcpy(src, c->px, n);
	struct proc_field dir;
	proc_field_make(&dir, c->w, c->h, 8, sc->detail + 2, s / 3, 2);
	struct proc_rng r;
	proc_rng_seed(&r, sc->detail, 7);
	for (int pass = 0; pass < 2; pass++) {
		int step = s / (pass ? 150 : 90) + 2, len = step * 2, wid = step * 3 / 2;
		for (int gy = 0; gy < c->h; gy += step)
			for (int gx = 0; gx < c->w; gx += step) {
				int x = gx + proc_rng_range(&r, 0, step - 1);
				int y = gy + proc_rng_range(&r, 0, step - 1);
				x = x >= c->w ? c->w - 1 : x;
				y = y >= c->h ? c->h - 1 : y;
				const uint8_t *q = src + ((size_t)y * c->w + x) * 3;
				int ang = (proc_field_at(&dir, x, y) - 128) * 24 +
					  proc_rng_range(&r, -120, 120);
				int dx = proc_cos(ang) * len / 2, dy = proc_sin(ang) * len / 2;
				int t = proc_rng_range(&r, -10, 10);
				struct proc_rgb col = {clamp8(q[0] + t), clamp8(q[1] + t),
						       clamp8(q[2] + t)};
				proc_line(c, FP(x) - dx / 64, FP(y) - dy / 64, FP(x) + dx / 64,
					  FP(y) + dy / 64, FP(wid), saturate(col, 280), 210);
			}
	}
	for (int y = 0; y < c->h; y++) /* canvas weave */
		for (int x = 0; x < c->w; x++) {
			int t = ((x & 2) ^ (y & 2)) ? 3 : -3;
			uint8_t *p = pix(c, x, y);
			p[0] = clamp8(p[0] + t);
			p[1] = clamp8(p[1] + t);
			p[2] = clamp8(p[2] + t);
		}
	proc_field_free(&dir);
	free(src);
}

/* Big square pixels and a dozen levels a channel. */
static void pixelate(struct proc_canvas *c, int s)
{
	int b = s / 80 > 3 ? s / 80 : 3;
	for (int by = 0; by < c->h; by += b)
		for (int bx = 0; bx < c->w; bx += b) {
			int sum[3] = {0, 0, 0}, cnt = 0;
			for (int y = by; y < by + b && y < c->h; y++)
				for (int x = bx; x < bx + b && x < c->w; x++, cnt++)
					for (int ch = 0; ch < 3; ch++)
						sum[ch] += pix(c, x, y)[ch];
			uint8_t v[3];
			for (int ch = 0; ch < 3; ch++) {
				int q = (sum[ch] / cnt + 10) / 20 * 20;
				v[ch] = clamp8(q);
			}
			for (int y = by; y < by + b && y < c->h; y++)
				for (int x = bx; x < bx + b && x < c->w; x++)
					memcpy(pix(c, x, y), v, 3);
		}
}

/* Pencil on paper: outlines from the luminance edges, hatching in the shadows. */
static void sketch(struct proc_canvas *c, const struct proc_scene *sc, int s)
{
	int w = c->w, h = c->h, per = s / 110 + 4;
	uint8_t *L = xmalloc((size_t)w * h);
	for (int i = 0; i < w * h; i++)
		L[i] = (uint8_t)lum(
		    (struct proc_rgb){c->px[3 * i], c->px[3 * i + 1], c->px[3 * i + 2]});
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int xm = x ? x - 1 : x, xp = x + 1 < w ? x + 1 : x;
			int ym = y ? y - 1 : y, yp = y + 1 < h ? y + 1 : y;
			const uint8_t *r0 = L + ym * w, *r1 = L + y * w, *r2 = L + yp * w;
			int gx = r0[xp] + 2 * r1[xp] + r2[xp] - r0[xm] - 2 * r1[xm] - r2[xm];
			int gy = r2[xm] + 2 * r2[x] + r2[xp] - r0[xm] - 2 * r0[x] - r0[xp];
			int g = (abs(gx) + abs(gy)) * 2, l = r1[x], dark = 0;
			if (l < 150 && (x + y) % per == 0)
				dark += (150 - l);
			if (l < 80 && (x - y + 4096) % per == 0)
				dark += (80 - l) * 2;
			dark = dark + g;
			int grain = (int)(proc_hash3(sc->detail, x, y) & 15);
			int v = 246 - grain / 2 - (dark > 200 ? 200 : dark) - (255 - l) / 6;
			uint8_t *p = pix(c, x, y);
			p[0] = clamp8(v + 2);
			p[1] = clamp8(v);
			p[2] = clamp8(v - 6);
		}
	free(L);
}

static void grade(struct proc_canvas *c, int finish)
{
	for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
		uint8_t *p = c->px + 3 * i;
		int l = lum((struct proc_rgb){p[0], p[1], p[2]});
		if (finish & PF_MONO) {
			l = 128 + (l - 128) * 9 / 8;
			p[0] = p[1] = p[2] = clamp8(l);
		} else {
			p[0] = clamp8(l * 107 / 100 + 18);
			p[1] = clamp8(l * 90 / 100 + 10);
			p[2] = clamp8(l * 68 / 100);
		}
	}
}

/* A soft darkening towards the corners and a fine luminance grain. */
static void vignette_grain(struct proc_canvas *c, uint64_t key, int amount)
{
	int64_t cx = c->w / 2, cy = c->h / 2, far = cx * cx + cy * cy;
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			int64_t d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
			int f = 256 - (int)(52 * d * d / (far * far));
			int g = amount
				    ? (int)(proc_hash3(key, x & 127, y) % (2 * amount + 1)) - amount
				    : 0;
			uint8_t *p = pix(c, x, y);
			for (int ch = 0; ch < 3; ch++)
				p[ch] = clamp8((p[ch] * f >> 8) + g);
		}
}

void proc_finish(struct proc_canvas *c, const struct proc_scene *sc)
{
	int s = c->w < c->h ? c->w : c->h, st = sc->styles;
	if (st & PS_OIL)
		oil(c, sc, s);
	if (st & PS_WATERCOLOR)
		watercolor(c, sc, s);
	if (st & PS_SKETCH)
		sketch(c, sc, s);
	if (sc->finish)
		grade(c, sc->finish);
	vignette_grain(c, sc->detail, (st & (PS_MINIMAL | PS_PIXEL)) ? 0 : 4);
	if (st & PS_PIXEL)
		pixelate(c, s);
}

/* ---- the parent image of a remix ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Width and height from the header of a PNG, JPEG or WebP; 0 if unknown. */
static int parent_dims(const unsigned char *d, size_t n, uint32_t *w, uint32_t *h)
{
	*w = *h = 0;
	if (n >= 24 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(d + 12, "IHDR", 4) == 0) {
		*w = be32(d + 16);
		*h = be32(d + 20);
	} else if (n >= 30 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) {
		if (memcmp(d + 12, "VP8 ", 4) == 0) {
			*w = (d[26] | (uint32_t)d[27] << 8) & 0x3fff;
			*h = (d[28] | (uint32_t)d[29] << 8) & 0x3fff;
		} else if (memcmp(d + 12, "VP8L", 4) == 0) {
			uint32_t b = d[21] | (uint32_t)d[22] << 8 | (uint32_t)d[23] << 16 |
				     (uint32_t)d[24] << 24;
			*w = (b & 0x3fff) + 1;
			*h = ((b >> 14) & 0x3fff) + 1;
		} else if (memcmp(d + 12, "VP8X", 4) == 0) {
			*w = (d[24] | (uint32_t)d[25] << 8 | (uint32_t)d[26] << 16) + 1;
			*h = (d[27] | (uint32_t)d[28] << 8 | (uint32_t)d[29] << 16) + 1;
		}
	} else if (n >= 4 && d[0] == 0xff && d[1] == 0xd8) {
		for (size_t i = 2; i + 9 < n;) {
			if (d[i] != 0xff)
				return 0;
			unsigned m = d[i + 1];
			size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
			if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
				*h = (uint32_t)d[i + 5] << 8 | d[i + 6];
				*w = (uint32_t)d[i + 7] << 8 | d[i + 8];
				break;
			}
			if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
				i += 2;
				continue;
			}
			i += 2 + len;
		}
	}
	return *w && *h;
}

void proc_blend_parent(struct proc_canvas *c, const unsigned char *d, size_t n)
{
	uint32_t pw, ph;
	if (!d || n < 16 || n > INT32_MAX || !parent_dims(d, n, &pw, &ph) || pw > 16384 ||
	    ph > 16384 || (uint64_t)pw * ph > (4096u * 4096u))
		return;
	gdImagePtr src = NULL;
	if (d[0] == 0x89)
		src = gdImageCreateFromPngPtr((int)n, (void *)d);
	else if (d[0] == 0xff)
		src = gdImageCreateFromJpegPtr((int)n, (void *)d);
	else
		src = gdImageCreateFromWebpPtr((int)n, (void *)d);
	if (!src)
		return;
	gdImagePtr dst = gdImageCreateTrueColor(c->w, c->h);
	if (dst) {
		gdImageCopyResampled(dst, src, 0, 0, 0, 0, c->w, c->h, gdImageSX(src),
				     gdImageSY(src));
		for (int y = 0; y < c->h; y++)
			for (int x = 0; x < c->w; x++) {
				int v = dst->tpixels[y][x];
				uint8_t *p = c->px + ((size_t)y * c->w + x) * 3;
				p[0] = (uint8_t)((p[0] * 179 + gdTrueColorGetRed(v) * 77) >> 8);
				p[1] = (uint8_t)((p[1] * 179 + gdTrueColorGetGreen(v) * 77) >> 8);
				p[2] = (uint8_t)((p[2] * 179 + gdTrueColorGetBlue(v) * 77) >> 8);
			}
		gdImageDestroy(dst);
	}
	gdImageDestroy(src);
}
