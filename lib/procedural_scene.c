/* procedural_scene.c - procedural backend: sky, space, lights, clouds, land, sea, city. */
#include "procedural_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct proc_rgb white = {255, 255, 255};

/* Midpoint displacement ridge: out[0..n-1] in 0..65535. */
static void ridge(struct proc_rng *r, int32_t *out, int n, int rough)
{
	int32_t v[1025];
	int m = 128;
	v[0] = proc_rng_range(r, 0, 40000);
	v[m] = proc_rng_range(r, 0, 40000);
	for (int step = m, amp = 65536; step > 1; step /= 2, amp = amp * rough / 1000)
		for (int i = step / 2; i < m; i += step)
			v[i] = (v[i - step / 2] + v[i + step / 2]) / 2 +
			       proc_rng_range(r, -amp / 2, amp / 2);
	int32_t mn = INT32_MAX, mx = INT32_MIN;
	for (int i = 0; i <= m; i++) {
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	for (int x = 0; x < n; x++) {
		int64_t pos = (int64_t)x * m * 256 / (n > 1 ? n - 1 : 1);
		int i = (int)(pos >> 8), f = (int)(pos & 255);
		int32_t a = v[i], b = v[i < m ? i + 1 : m];
		out[x] = (int32_t)(((int64_t)(a - mn) * 256 + (int64_t)(b - a) * f) * 65535 /
				   ((int64_t)(mx - mn + 1) * 256));
	}
}

/* ---- sky, space, lights, clouds ---- */

static void paint_sky(struct proc_paint *p)
{
	int low = p->horizon < p->h ? p->horizon : p->h * 9 / 10, mid = low * 55 / 100;
	for (int y = 0; y < p->h; y++) {
		int t = y < mid ? y * 256 / (mid ? mid : 1) : (y - mid) * 256 / (low - mid);
		if (p->minimal)
			t = t * 6 / 256 * 256 / 6;
		struct proc_rgb col =
		    y < mid ? proc_mix(proc_pal(p, PP_SKY_TOP), proc_pal(p, PP_SKY_MID), t)
			    : proc_mix(proc_pal(p, PP_SKY_MID), proc_pal(p, PP_SKY_LOW), t);
		proc_rect(p->c, 0, y, p->w, y + 1, col, 256);
	}
}

static int disc_cover(int x, int y, int cx, int cy, int r);

/* A tilted ring around (cx, cy), flattened four times: its far half (behind the
 * planet) or its near one. */
static void ring(struct proc_paint *p, int cx, int cy, int R, int tilt, int near,
		 struct proc_rgb col)
{
	int c = proc_cos(tilt), s = proc_sin(tilt), half = R / 14 + 1;
	for (int y = cy - R - half; y <= cy + R + half; y++)
		for (int x = cx - R - half; x <= cx + R + half; x++) {
			int64_t dx = x - cx, dy = y - cy;
			int64_t u = (dx * c + dy * s) / 16384, v = (dy * c - dx * s) / 16384;
			if ((v > 0) != near)
				continue;
			int64_t e = proc_isqrt((uint64_t)((u * u + 16 * v * v) << 16)); /* 256ths */
			int64_t off = e - (int64_t)R * 256;
			int a = (int)((int64_t)half * 256 + 128 - (off < 0 ? -off : off));
			proc_put(p->c, x, y, col, a < 0 ? 0 : (a > 230 ? 230 : a));
		}
}

/* A lit sphere with faint bands, sometimes ringed. */
static void paint_planet(struct proc_paint *p, struct proc_rng *r)
{
	int R = proc_rp(r, p->s, 90, 190), cx = proc_rp(r, p->w, 150, 850);
	int cy = proc_rp(r, p->h, 200, 550), rings = proc_rng_range(r, 0, 99) < 50;
	int tilt = proc_rng_range(r, -300, 300), ph = proc_rng_range(r, 0, 4095);
	struct proc_rgb lit = proc_pal(p, PP_ACCENT2),
			dark = proc_mix(lit, proc_pal(p, PP_INK), 215);
	struct proc_rgb rc = proc_mix(lit, proc_pal(p, PP_LIGHT), 120);
	if (rings)
		ring(p, cx, cy, R * 17 / 10, tilt, 0, rc);
	for (int y = cy - R - 1; y <= cy + R + 1; y++)
		for (int x = cx - R - 1; x <= cx + R + 1; x++) {
			int a = disc_cover(x, y, cx, cy, R);
			if (!a)
				continue;
			int64_t dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
			int64_t z =
			    d2 < (int64_t)R * R ? proc_isqrt((uint64_t)((int64_t)R * R - d2)) : 0;
			int shade =
			    (int)((-90 * dx - 70 * dy + 190 * z) * 256 / (256 * R)); /* n . l */
			int band = proc_sin(ph + (int)(dy * 4096 * 3 / R) +
					    (int)(dx * dx * 512 / ((int64_t)R * R))) /
				   700;
			struct proc_rgb col = proc_mix(dark, lit, shade + band);
			proc_put(p->c, x, y, col, a);
		}
	if (rings)
		ring(p, cx, cy, R * 17 / 10, tilt, 1, rc);
}

static void paint_space(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 10);
	struct proc_field f0, f1;
	uint64_t k = p->sc->layout ^ 0x5eed;
	int bx = proc_rng_range(&r, 0, p->w), slope = proc_rng_range(&r, -300, 300);
	proc_field_make(&f0, p->w, p->h, 4, k, p->s / 3, 5);
	proc_field_make(&f1, p->w, p->h, 4, k + 1, p->s / 6, 3);
	for (int y = 0; y < p->h; y++)
		for (int x = 0; x < p->w; x++) {
			int band = abs((x - bx) * slope / 256 + y - p->h / 2) * 256 / p->s;
			int d = (proc_field_at(&f0, x, y) - 92) * 4 - band;
			d = d < 0 ? 0 : (d > 255 ? 255 : d);
			struct proc_rgb col =
			    proc_mix(proc_pal(p, PP_ACCENT0), proc_pal(p, PP_ACCENT1),
				     (proc_field_at(&f1, x, y) - 80) * 3);
			proc_put(p->c, x, y, proc_mix(col, proc_pal(p, PP_LIGHT), d * d >> 10),
				 d * d / 220);
		}
	proc_field_free(&f0);
	proc_field_free(&f1);
	if (proc_has(p, PE_PLANET))
		paint_planet(p, &r);
}

static void paint_stars(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 11);
	int ys = p->horizon, n = p->w * ys / (p->minimal ? 6000 : 1000);
	for (int i = 0; i < n; i++) {
		int x = proc_rng_range(&r, 0, p->w - 1), u = proc_rng_range(&r, 0, 1000);
		int y = (int)((int64_t)ys * u * (u + 1000) / 2000000),
		    kind = proc_rng_range(&r, 0, 99);
		int a = proc_rng_range(&r, 70, 256) * (300 - u / 4) / 300;
		struct proc_rgb col =
		    proc_mix(white, proc_pal(p, PP_LIGHT), proc_rng_range(&r, 0, 120));
		if (kind < 80) {
			proc_put(p->c, x, y, col, a);
		} else if (kind < 97) {
			proc_disc(p->c, FP(x), FP(y), FP(p->s) / 800 + 64, col, a);
		} else {
			int len = p->s / 70 + 2;
			proc_disc(p->c, FP(x), FP(y), FP(p->s) / 500 + 64, col, a);
			proc_line(p->c, FP(x - len), FP(y), FP(x + len), FP(y), 160, col, a / 3);
			proc_line(p->c, FP(x), FP(y - len), FP(x), FP(y + len), 160, col, a / 3);
		}
	}
}

/* Coverage (0..256) of pixel (x, y) by the disc (cx, cy, r), all in pixels. */
static int disc_cover(int x, int y, int cx, int cy, int r)
{
	int64_t d2 = (int64_t)(x - cx) * (x - cx) + (int64_t)(y - cy) * (y - cy);
	if (d2 >= (int64_t)(r + 1) * (r + 1))
		return 0;
	if (r > 1 && d2 <= (int64_t)(r - 1) * (r - 1))
		return 256;
	int v = (r * 256 + 128) - (int)proc_isqrt((uint64_t)d2 << 16);
	return v < 0 ? 0 : (v > 256 ? 256 : v);
}

/* The moon: a full disc with a few darker seas, or a crescent. */
static void paint_moon(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 12);
	int full = proc_rng_range(&r, 0, 99) < 45, off = p->lr * 2 / 5, R = p->lr;
	struct proc_rgb moon = proc_pal(p, PP_SUN);
	for (int y = p->ly - R - 1; y <= p->ly + R + 1; y++)
		for (int x = p->lx - R - 1; x <= p->lx + R + 1; x++) {
			int a = disc_cover(x, y, p->lx, p->ly, R);
			if (!full && a)
				a = a *
				    (256 -
				     disc_cover(x, y, p->lx + off, p->ly - off / 2, R * 19 / 20)) /
				    256;
			proc_put(p->c, x, y, moon, a);
		}
	for (int i = 0; i < (full ? 5 : 0); i++)
		proc_disc(p->c, FP(p->lx + proc_rp(&r, R, -450, 450)),
			  FP(p->ly + proc_rp(&r, R, -450, 450)), FP(proc_rp(&r, R, 80, 260)),
			  proc_mix(moon, proc_pal(p, PP_SKY_MID), 60), 90);
}

static void paint_light(struct proc_paint *p)
{
	struct proc_rgb sun = proc_pal(p, PP_SUN), gl = proc_pal(p, PP_GLOW);
	int sunset = proc_has(p, PE_SUNSET);
	proc_glow(p->c, p->lx, p->ly, p->lr * (p->moon ? 2 : (sunset ? 4 : 3)), gl,
		  p->moon ? 90 : (sunset ? 220 : 170));
	if (p->moon) {
		paint_moon(p);
		return;
	}
	proc_disc(p->c, FP(p->lx), FP(p->ly), FP(p->lr) * 6 / 5, proc_mix(sun, gl, 128), 70);
	if (!(p->sc->styles & PS_VAPOR)) {
		proc_disc(p->c, FP(p->lx), FP(p->ly), FP(p->lr), sun, 256);
		return;
	}
	for (int y = p->ly - p->lr; y <= p->ly + p->lr; y++) { /* striped retro sun */
		int dy = y - p->ly, gap = p->lr / 5 + 1;
		if (dy > 0 && dy % gap < (dy * 12 / p->lr + 1) * gap / 14)
			continue;
		int32_t hw = (int32_t)proc_isqrt(
		    ((uint64_t)p->lr * p->lr - (uint64_t)((int64_t)dy * dy)) << 16);
		proc_span(p->c, y, FP(p->lx) - hw, FP(p->lx) + hw,
			  proc_mix(sun, proc_pal(p, PP_ACCENT0), (dy + p->lr) * 128 / p->lr), 256);
	}
}

static void paint_clouds(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 13);
	int n = p->minimal ? proc_rng_range(&r, 1, 2) : proc_rng_range(&r, 2, 5);
	int a = proc_has(p, PE_NIGHT) ? 130 : 235;
	struct proc_rgb cl = proc_pal(p, PP_CLOUD), sh = proc_mix(cl, proc_pal(p, PP_SKY_MID), 110);
	for (int i = 0; i < n; i++) {
		int y0 = proc_rp(&r, p->horizon, 150, 700), len = proc_rp(&r, p->s, 180, 420);
		int x0 = proc_rp(&r, p->w, -100, 900), k = proc_rng_range(&r, 4, 7);
		if (p->lr && abs(y0 - p->ly) < p->lr * 2 && x0 < p->lx + p->lr &&
		    x0 + len > p->lx - p->lr)
			x0 = p->lx < p->w / 2 ? p->lx + p->lr * 2
					      : p->lx - p->lr * 2 - len; /* keep the sun clear */
		for (int pass = 0; pass < 2; pass++) {
			struct proc_rng pr = r;
			proc_ellipse(p->c, FP(x0 + len / 2), FP(y0), FP(len / 2), FP(len / 11), 0,
				     pass ? cl : sh, a);
			for (int j = 0; j < k; j++) {
				int rr =
				    len / k *
					(55 + 45 * proc_sin(2048 * (2 * j + 1) / (2 * k)) / 16384) /
					100 +
				    proc_rp(&pr, len, 0, 40);
				int cx = x0 + len * (2 * j + 1) / (2 * k), cy = y0 - rr / 2;
				if (pass)
					proc_disc(p->c, FP(cx - rr / 15), FP(cy - rr / 12),
						  FP(rr) * 9 / 10, cl, a);
				else
					proc_disc(p->c, FP(cx), FP(cy + rr / 6), FP(rr), sh, a);
			}
		}
		proc_rng_next(&r);
	}
}

/* ---- land ---- */

static void paint_mountains(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 20);
	int L = p->minimal ? 2 : 3, caps = proc_has(p, PE_SNOW) || proc_rng_range(&r, 0, 99) < 35;
	for (int k = 0; k < L; k++) {
		int t = L > 1 ? k * 256 / (L - 1) : 256;
		int amp = proc_rp(&r, p->h, 230 - 50 * k, 340 - 70 * k);
		struct proc_rgb col =
		    proc_mix(proc_pal(p, PP_LAND_FAR), proc_pal(p, PP_LAND_NEAR), t);
		ridge(&r, p->top, p->w + 1, 470 + 50 * k);
		for (int x = 0; x <= p->w; x++)
			p->top[x] = FP(p->horizon) -
				    (int32_t)((int64_t)FP(amp) * (9000 + p->top[x]) / 74535);
		proc_fill_cols(p->c, p->top, NULL, p->horizon + 1, col,
			       proc_mix(col, proc_pal(p, PP_SKY_LOW), 150 - t / 3), 256);
		if (!caps || k == L - 1)
			continue;
		int32_t line = FP(p->horizon) - FP(amp) * 55 / 100;
		for (int x = 0; x < p->w; x++) {
			int32_t pk = p->top[x] < p->top[x + 1] ? p->top[x] : p->top[x + 1];
			int32_t b = line + (proc_fbm(p->sc->layout + (uint64_t)k,
						     x * 256 / (p->s / 12 + 1), k * 512, 3) -
					    128) *
					       FP(amp) / 900;
			p->bot[x] = b < pk + FP(amp) / 3 ? b : pk + FP(amp) / 3;
		}
		proc_fill_cols(p->c, p->top, p->bot, p->horizon,
			       proc_mix(white, proc_pal(p, PP_SKY_LOW), 40 + 70 * (256 - t) / 256),
			       proc_mix(white, col, 90), 235);
	}
}

static void paint_hills(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 21);
	int L = p->minimal ? 2 : 3;
	for (int k = 0; k < L; k++) {
		int base = p->horizon + (p->h - p->horizon) * k * 30 / 100;
		int amp = proc_rp(&r, p->s, 30, 80), f1 = proc_rng_range(&r, 1, 3);
		int f2 = proc_rng_range(&r, 3, 6), ph = proc_rng_range(&r, 0, 4095);
		for (int x = 0; x <= p->w; x++) {
			int64_t v = 16384 + proc_sin(ph + x * 4096 * f1 / p->w) +
				    proc_sin(ph * 3 + x * 4096 * f2 / p->w) / 3;
			p->top[x] = FP(base) - (int32_t)(FP(amp) * v / 32768);
		}
		struct proc_rgb col =
		    proc_mix(proc_pal(p, PP_GROUND), proc_pal(p, PP_SKY_LOW), (L - 1 - k) * 70);
		proc_fill_cols(p->c, p->top, NULL, p->h, col,
			       proc_mix(col, proc_pal(p, PP_GROUND_DARK), 110 + 60 * k), 256);
	}
}

/* One dune: a gentle slope towards the light, a steep one away from it, and the lee
 * face in shade, bounded by the crest line running down from the peak. */
static void dune(struct proc_paint *p, int xp, int base, int hgt, int half, int light_left,
		 struct proc_rgb lit, struct proc_rgb dark)
{
	int32_t *top = p->top, *bot = p->bot;
	int ws = half * 13 / 10, wl = half * 7 / 10;
	for (int pass = 0; pass < 2; pass++) {
		for (int x = 0; x <= p->w; x++) {
			int dx = x - xp, lee = light_left ? dx > 0 : dx < 0, wid = lee ? wl : ws;
			top[x] = FP(p->h + 2);
			bot[x] = FP(base) + FP(3);
			if (abs(dx) >= wid)
				continue;
			int64_t prof = 16384 + proc_cos(abs(dx) * 2048 / wid);
			top[x] = FP(base) - (int32_t)(FP(hgt) * prof / 32768);
			if (!pass)
				continue;
			/* the crest line curves from the peak down the face turned to the light */
			int reach = ws * 2 / 5;
			if (lee)
				continue;
			if (abs(dx) >= reach) {
				top[x] = FP(p->h + 2);
				continue;
			}
			int32_t crest =
			    FP(base - hgt) +
			    (int32_t)((int64_t)FP(hgt) *
				      proc_isqrt((uint64_t)abs(dx) * 65536 / reach) / 256);
			top[x] = crest > top[x] ? crest : top[x];
		}
		proc_fill_cols(p->c, top, bot, base + 4, pass ? dark : lit,
			       proc_mix(pass ? dark : lit, proc_pal(p, PP_GROUND_DARK), 50), 256);
	}
}

static void paint_dunes(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 22);
	int light_left = p->lr == 0 || p->lx < p->w / 2;
	for (int k = 0; k < 3; k++) {
		int base = p->horizon + (p->h - p->horizon) * (10 + k * 38) / 100;
		struct proc_rgb lit =
		    proc_mix(proc_pal(p, PP_SAND), proc_pal(p, PP_SKY_LOW), (2 - k) * 55);
		struct proc_rgb dark = proc_mix(lit, proc_pal(p, PP_INK), 60);
		int ph = proc_rng_range(&r, 0, 4095);
		for (int x = 0; x <= p->w; x++)
			p->top[x] =
			    FP(base - (p->h - p->horizon) / 10) +
			    (int32_t)(FP(p->s / 50) * proc_sin(ph + x * 4096 / p->w) / 16384);
		proc_fill_cols(p->c, p->top, NULL, p->h, lit,
			       proc_mix(lit, proc_pal(p, PP_GROUND_DARK), 70), 256);
		int n = proc_rng_range(&r, 2, 4);
		for (int i = 0; i < n; i++) {
			int half = proc_rp(&r, p->s, 220, 420);
			dune(p, proc_rp(&r, p->w, -100, 1100) * (i + 1) / n, base,
			     proc_rp(&r, p->s, 50, 110) * (10 + 3 * k) / 10, half, light_left, lit,
			     dark);
		}
	}
}

static void paint_flat_ground(struct proc_paint *p)
{
	for (int x = 0; x <= p->w; x++)
		p->top[x] = FP(p->horizon);
	proc_fill_cols(p->c, p->top, NULL, p->h, proc_pal(p, PP_GROUND_DARK), proc_pal(p, PP_INK),
		       256);
}

/* ---- sea and shore ---- */

static void paint_beach(struct proc_paint *p, struct proc_rng *r)
{
	int y = p->h - (p->h - p->horizon) * proc_rng_range(r, 26, 40) / 100;
	int amp = proc_rp(r, p->s, 8, 22), ph = proc_rng_range(r, 0, 4095);
	int f = proc_rng_range(r, 1, 2), foam = p->s / 70 + 2;
	for (int x = 0; x <= p->w; x++)
		p->top[x] = FP(y) + (int32_t)((int64_t)FP(amp) *
					      (proc_sin(ph + x * 4096 * f / p->w) +
					       proc_sin(ph * 5 + x * 4096 * 3 * f / p->w) / 4) /
					      16384);
	struct proc_rgb sand = proc_pal(p, PP_SAND);
	for (int x = 0; x <= p->w; x++)
		p->top[x] -= FP(foam);
	proc_fill_cols(p->c, p->top, NULL, p->h, proc_mix(white, proc_pal(p, PP_WATER_FAR), 50),
		       white, 190);
	for (int x = 0; x <= p->w; x++)
		p->top[x] += FP(foam);
	proc_fill_cols(p->c, p->top, NULL, p->h, proc_mix(sand, proc_pal(p, PP_WATER_DEEP), 110),
		       sand, 256);
	for (int x = 0; x <= p->w; x++)
		p->top[x] +=
		    FP(foam) * 2 + FP(amp) * proc_sin(ph * 7 + x * 4096 * 2 / p->w) / 40000;
	proc_fill_cols(p->c, p->top, NULL, p->h, sand,
		       proc_mix(sand, proc_pal(p, PP_GROUND_DARK), 50), 256);
}

/* Broken strokes of light on the water under the sun or the moon. */
static void paint_glitter(struct proc_paint *p, struct proc_rng *r)
{
	struct proc_rgb col = proc_mix(proc_pal(p, PP_SUN), proc_pal(p, PP_GLOW), 60);
	int depth = p->h - p->horizon;
	for (int y = p->horizon + 1; y < p->h;) {
		int q = (y - p->horizon) * 256 / depth;
		int hw = p->lr * (180 + 600 * q / 256) / 256 + 1, n = proc_rng_range(r, 1, 3);
		for (int i = 0; i < n; i++) {
			int off =
			    hw *
			    (proc_rng_range(r, -1000, 1000) * proc_rng_range(r, 0, 1000) / 1000) /
			    1000;
			int len = proc_rp(r, hw, 150, 600) + 1;
			int a = (p->moon ? 170 : 230) * (hw - abs(off)) / hw;
			proc_ellipse(p->c, FP(p->lx + off), FP(y), FP(len),
				     FP(1) * (1 + 2 * q / 256), 0, col, a);
		}
		y += 1 + q * 4 / 256 + proc_rng_range(r, 0, 1);
	}
}

static void paint_sea(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 30);
	int depth = p->h - p->horizon;
	struct proc_rgb far = proc_pal(p, PP_WATER_FAR), deep = proc_pal(p, PP_WATER_DEEP);
	for (int y = p->horizon; y < p->h; y++) {
		int t = (y - p->horizon) * 256 / depth;
		struct proc_rgb col = proc_mix(proc_mix(far, deep, t), proc_pal(p, PP_SKY_LOW),
					       (256 - t) * (256 - t) / 700);
		proc_rect(p->c, 0, y, p->w, y + 1, col, 256);
	}
	struct proc_rgb hi = proc_mix(far, proc_pal(p, PP_SKY_LOW), 150);
	struct proc_rgb lo = proc_mix(deep, proc_pal(p, PP_INK), 90);
	int n = p->w * depth / (p->minimal ? 3000 : 700);
	for (int i = 0; i < n; i++) {
		int u = proc_rng_range(&r, 0, 1000),
		    y = p->horizon + 1 + depth * u / 1000 * u / 1000;
		int q = (y - p->horizon) * 256 / depth;
		int len = p->s * (6 + 60 * q / 256) / 1000 * proc_rng_range(&r, 50, 150) / 100 + 1;
		int x = proc_rng_range(&r, -len, p->w), light = proc_rng_range(&r, 0, 99) < 60;
		proc_ellipse(p->c, FP(x), FP(y), FP(len), 128 + 384 * q / 256, 0, light ? hi : lo,
			     proc_rng_range(&r, 60, light ? 150 : 90));
	}
	if (proc_has(p, PE_CITY)) { /* the city's lights on the water */
		for (int i = 0; i < p->w / 6; i++) {
			int y = p->horizon + 1 + proc_rp(&r, depth, 0, 350),
			    x = proc_rng_range(&r, 0, p->w);
			proc_ellipse(p->c, FP(x), FP(y), FP(proc_rp(&r, p->s, 2, 5)) + 128, 160, 0,
				     proc_pal(p, PP_LIGHT), proc_rng_range(&r, 40, 140));
		}
	}
	if (p->lr && p->ly < p->horizon + p->lr / 2)
		paint_glitter(p, &r);
	if (proc_has(p, PE_BEACH))
		paint_beach(p, &r);
}

/* ---- city ---- */

static void windows(struct proc_paint *p, struct proc_rng *r, int x0, int x1, int y0, int y1,
		    int cell, struct proc_rgb wall)
{
	int lit = proc_has(p, PE_NIGHT) ? 32 : (proc_has(p, PE_SUNSET) ? 18 : 6);
	int ww = cell * 55 / 100 > 1 ? cell * 55 / 100 : 1;
	struct proc_rgb dim = proc_mix(wall, proc_pal(p, PP_SKY_LOW), 45);
	for (int y = y0 + cell; y + cell < y1; y += cell)
		for (int x = x0 + cell / 2; x + ww < x1 - cell / 3; x += cell) {
			int k = proc_rng_range(r, 0, 99);
			if (k < lit)
				proc_rect(p->c, x, y, x + ww, y + ww,
					  proc_mix(proc_pal(p, PP_LIGHT), proc_pal(p, PP_ACCENT1),
						   k < lit / 4 ? 160 : 0),
					  256);
			else
				proc_rect(p->c, x, y, x + ww, y + ww, dim, 120);
		}
}

static void paint_city(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 40);
	int base = p->horizon + 1;
	for (int k = 0; k < 2; k++) {
		struct proc_rgb wall =
		    k ? proc_mix(proc_pal(p, PP_INK), proc_pal(p, PP_SKY_MID), 40)
		      : proc_mix(proc_pal(p, PP_INK), proc_pal(p, PP_SKY_LOW), 120);
		int cell = p->s / (k ? 110 : 170) + 2;
		for (int x = -proc_rp(&r, p->s, 0, 60); x < p->w;) {
			int bw = proc_rp(&r, p->s, k ? 50 : 30, k ? 115 : 70);
			int bh = proc_rp(&r, p->s, k ? 110 : 90, k ? 380 : 240), top = base - bh;
			int kind = proc_rng_range(&r, 0, 99);
			proc_rect(p->c, x, top, x + bw, base, wall, 256);
			if (kind < 30) { /* a setback storey */
				int sh = proc_rp(&r, bh, 80, 220), inset = bw / 5;
				proc_rect(p->c, x + inset, top - sh, x + bw - inset, top, wall,
					  256);
				top -= sh;
			} else if (kind < 45) {
				proc_tri(p->c, FP(x), FP(top), FP(x + bw), FP(top), FP(x + bw / 2),
					 FP(top - bw / 2), wall, 256);
			}
			if (kind % 5 == 0) /* antenna */
				proc_line(p->c, FP(x + bw / 2), FP(top), FP(x + bw / 2),
					  FP(top - proc_rp(&r, p->s, 20, 60)), FP(1), wall, 256);
			windows(p, &r, x, x + bw, top, base, cell, wall);
			if (k && proc_has(p, PE_NIGHT) && kind > 80) /* a neon sign */
				for (int g = 3; g >= 1; g--)
					proc_line(
					    p->c, FP(x + bw / 4), FP(top + bh / 5), FP(x + bw / 4),
					    FP(top + bh / 2), FP(cell * g / 2),
					    proc_pal(p, PP_ACCENT0 + kind % 4), g == 1 ? 256 : 50);
			x += bw + proc_rp(&r, p->s, 0, k ? 8 : 4);
		}
	}
}

/* ---- forest ---- */

static void tree(struct proc_paint *p, int x, int base, int th, int conifer, struct proc_rgb col)
{
	if (conifer) {
		proc_rect(p->c, x - th / 30, base - th / 6, x + th / 30 + 1, base, col, 256);
		for (int j = 0; j < 3; j++) {
			int wj = th * (30 - 7 * j) / 100, yb = base - th * (12 + 26 * j) / 100;
			int yt = j == 2 ? base - th : yb - th * 42 / 100;
			proc_tri(p->c, FP(x - wj), FP(yb), FP(x + wj), FP(yb), FP(x), FP(yt), col,
				 256);
		}
		return;
	}
	proc_line(p->c, FP(x), FP(base), FP(x), FP(base - th / 2), FP(th / 12 + 1), col, 256);
	proc_ellipse(p->c, FP(x), FP(base - th * 62 / 100), FP(th * 30 / 100), FP(th * 34 / 100), 0,
		     col, 256);
	proc_disc(p->c, FP(x - th / 5), FP(base - th / 2), FP(th / 5), col, 256);
	proc_disc(p->c, FP(x + th / 5), FP(base - th * 55 / 100), FP(th / 5), col, 256);
}

static void paint_forest(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 50);
	int rows = p->minimal ? 2 : 3, conifer = proc_rng_range(&r, 0, 99) < 70;
	int x0 = 0, x1 = p->w, depth = p->h - p->horizon;
	if (proc_has(p, PE_SEA)) { /* trees on a headland at one side */
		int side = proc_rng_range(&r, 0, 1), edge = proc_rp(&r, p->w, 300, 420);
		x0 = side ? p->w - edge : 0;
		x1 = side ? p->w : edge;
	}
	for (int k = 0; k < rows; k++) {
		int base = p->horizon + depth * (4 + 30 * k) / 100, t = (rows - 1 - k) * 256 / rows;
		struct proc_rgb col =
		    proc_mix(k == rows - 1 ? proc_pal(p, PP_FOLIAGE_DARK) : proc_pal(p, PP_FOLIAGE),
			     proc_pal(p, PP_SKY_LOW), t * 2 / 3);
		struct proc_rgb gcol =
		    proc_mix(proc_pal(p, PP_GROUND), proc_pal(p, PP_SKY_LOW), t / 2);
		for (int x = 0; x <= p->w; x++) {
			int in = x >= x0 && x <= x1;
			int d = in ? 0 : (x < x0 ? x0 - x : x - x1);
			p->top[x] = FP(base) + FP(d) * 2 / 3 +
				    (int32_t)(FP(p->s / 90) *
					      proc_sin(x * 4096 * 3 / p->w + k * 900) / 16384);
		}
		proc_fill_cols(p->c, p->top, NULL, p->h, gcol,
			       proc_mix(gcol, proc_pal(p, PP_GROUND_DARK), 150), 256);
		int th = p->s * (7 + 8 * k) / 100;
		for (int x = x0 - proc_rp(&r, th, 0, 400); x < x1;) {
			int h = th * proc_rng_range(&r, 70, 130) / 100;
			if (x > x0 + h / 8 && x < x1 - h / 8)
				tree(p, x, base + proc_rp(&r, th, -20, 60), h, conifer, col);
			x += h * proc_rng_range(&r, 18, 42) / 100;
		}
	}
}

/* Vaporwave: a neon grid running to the horizon. */
static void paint_grid(struct proc_paint *p)
{
	int depth = p->h - p->horizon;
	struct proc_rgb ground = proc_mix(proc_pal(p, PP_SKY_TOP), proc_pal(p, PP_INK), 120);
	struct proc_rgb g = proc_pal(p, PP_ACCENT0);
	for (int x = 0; x <= p->w; x++)
		p->top[x] = FP(p->horizon);
	proc_fill_cols(p->c, p->top, NULL, p->h, ground, proc_pal(p, PP_INK), 256);
	for (int k = 1; k <= 14; k++) {
		int y = p->horizon + depth * k * k / 196;
		proc_line(p->c, 0, FP(y), FP(p->w), FP(y), 128 + 48 * k, g, 220);
	}
	for (int i = -12; i <= 12; i++)
		proc_line(p->c, FP(p->w / 2 + i * p->w / 40), FP(p->horizon),
			  FP(p->w / 2 + i * p->w / 6), FP(p->h), FP(2), g, 200);
}

/* ---- the whole scene ---- */

static void layout(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 1);
	const uint32_t land = PE_BIT(PE_SEA) | PE_BIT(PE_BEACH) | PE_BIT(PE_MOUNTAIN) |
			      PE_BIT(PE_HILLS) | PE_BIT(PE_FOREST) | PE_BIT(PE_CITY) |
			      PE_BIT(PE_DESERT) | PE_BIT(PE_SNOW);
	p->horizon = (p->sc->elems & land) ? proc_rp(&r, p->h, 560, 690) : p->h;
	if (proc_has(p, PE_PORTRAIT) && p->horizon < p->h)
		p->horizon = proc_rp(&r, p->h, 660, 740);
	else if ((p->sc->elems & land) == PE_BIT(PE_CITY))
		p->horizon = proc_rp(&r, p->h, 760, 840);
	int sunset = proc_has(p, PE_SUNSET), sky = p->horizon < p->h ? p->horizon : p->h * 8 / 10;
	p->moon = proc_has(p, PE_NIGHT) && !sunset;
	if (p->moon ? !proc_has(p, PE_MOON) : !proc_has(p, PE_SUN))
		return;
	p->lx = proc_rp(&r, p->w, 180, 820);
	if (proc_has(p, PE_PORTRAIT) && abs(p->lx - p->w / 2) < p->w / 5)
		p->lx = p->lx < p->w / 2 ? p->w * 22 / 100 : p->w * 78 / 100;
	if (p->moon) {
		p->lr = proc_rp(&r, p->s, 40, 65);
		p->ly = proc_rp(&r, sky, 150, 400);
	} else if (sunset) {
		p->lr = proc_rp(&r, p->s, 75, 115);
		p->ly = p->horizon < p->h ? p->horizon - proc_rp(&r, p->lr, -300, 900)
					  : proc_rp(&r, sky, 500, 800);
		if (proc_has(p, PE_MOUNTAIN) || proc_has(p, PE_CITY)) /* above the peaks */
			p->ly = p->horizon - proc_rp(&r, p->h, 330, 400);
	} else {
		p->lr = proc_rp(&r, p->s, 45, 70);
		p->ly = proc_rp(&r, sky, 150, 420);
	}
}

void proc_scene_paint(const struct proc_scene *sc, struct proc_canvas *c)
{
	struct proc_paint p = {.sc = sc, .c = c, .w = c->w, .h = c->h};
	p.s = c->w < c->h ? c->w : c->h;
	p.minimal = (sc->styles & PS_MINIMAL) != 0;
	p.top = xmalloc(sizeof(int32_t) * (size_t)(c->w + 2));
	p.bot = xmalloc(sizeof(int32_t) * (size_t)(c->w + 2));
	layout(&p);
	paint_sky(&p);
	if (proc_has(&p, PE_SPACE))
		paint_space(&p);
	if (proc_has(&p, PE_STARS) && (proc_has(&p, PE_NIGHT) || proc_has(&p, PE_SPACE)))
		paint_stars(&p);
	if (p.lr)
		paint_light(&p);
	if (proc_has(&p, PE_CLOUDS))
		paint_clouds(&p);
	if (proc_has(&p, PE_MOUNTAIN))
		paint_mountains(&p);
	if (proc_has(&p, PE_CITY))
		paint_city(&p);
	if (p.horizon < p.h && !proc_has(&p, PE_SEA)) {
		if (proc_has(&p, PE_DESERT))
			paint_dunes(&p);
		else if (sc->styles & PS_VAPOR)
			paint_grid(&p);
		else if (proc_has(&p, PE_CITY) && !proc_has(&p, PE_HILLS) &&
			 !proc_has(&p, PE_FOREST) && !proc_has(&p, PE_SNOW))
			paint_flat_ground(&p);
		else
			paint_hills(&p);
	}
	if (proc_has(&p, PE_SEA))
		paint_sea(&p);
	if (proc_has(&p, PE_FOREST))
		paint_forest(&p);
	proc_paint_flowers(&p);
	proc_paint_people(&p);
	proc_paint_animal(&p);
	proc_paint_portrait(&p);
	proc_paint_abstract(&p);
	proc_paint_weather(&p);
	free(p.top);
	free(p.bot);
}
