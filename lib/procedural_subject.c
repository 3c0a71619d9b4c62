/* procedural_subject.c - procedural backend: flowers, people, animals, portrait, shapes. */
#include "procedural_int.h"

#include <stdlib.h>

static const struct proc_rgb white = {255, 255, 255};

/* Row where things standing on the ground have their feet, at depth q permille. */
static int ground_row(const struct proc_paint *p, int q)
{
	if (p->horizon >= p->h)
		return p->h - p->h * (1000 - q) / 8000;
	return p->horizon + (p->h - p->horizon) * q / 1000;
}

static void flower_head(struct proc_paint *p, int x, int y, int r, int n, int ph,
			struct proc_rgb col)
{
	for (int i = 0; i < n; i++) {
		int a = ph + i * 4096 / n;
		proc_ellipse(p->c, FP(x) + r * 150 * proc_cos(a) / 16384,
			     FP(y) + r * 150 * proc_sin(a) / 16384, r * 150, r * 80, a, col, 256);
	}
	proc_disc(p->c, FP(x), FP(y), r * 80, proc_pal(p, PP_LIGHT), 256);
}

static void big_flower(struct proc_paint *p, struct proc_rng *r)
{
	int x = proc_rp(r, p->w, 380, 620), y = proc_rp(r, p->h, 340, 460);
	int R = proc_rp(r, p->s, 240, 320), n = proc_rng_range(r, 5, 9);
	int ph = proc_rng_range(r, 0, 4095);
	struct proc_rgb pc = proc_pal(p, PP_ACCENT0), leaf = proc_pal(p, PP_FOLIAGE);
	for (int i = 0; i < (p->minimal ? 4 : 14); i++) /* bokeh */
		proc_disc(p->c, FP(proc_rng_range(r, 0, p->w)), FP(proc_rng_range(r, 0, p->h)),
			  FP(proc_rp(r, p->s, 20, 90)),
			  proc_mix(proc_pal(p, PP_LIGHT), proc_pal(p, PP_ACCENT1 + i % 3), 120),
			  proc_rng_range(r, 25, 70));
	proc_line(p->c, FP(x), FP(y), FP(x + R / 5), FP(p->h + 2), FP(p->s / 40), leaf, 256);
	proc_ellipse(p->c, FP(x + R / 2), FP(y + R * 2), FP(R / 2), FP(R / 7), -400, leaf, 256);
	for (int layer = 0; layer < 2; layer++) {
		int L = layer ? R * 6 / 10 : R;
		struct proc_rgb col = layer ? proc_mix(pc, proc_pal(p, PP_LIGHT), 90)
					    : proc_mix(pc, proc_pal(p, PP_INK), 30);
		for (int i = 0; i < n; i++) {
			int a = ph + i * 4096 / n + layer * 2048 / n;
			proc_ellipse(p->c, FP(x) + L * 128 * proc_cos(a) / 16384,
				     FP(y) + L * 128 * proc_sin(a) / 16384, L * 128,
				     L * (layer ? 70 : 60), a, col, 240);
		}
	}
	struct proc_rgb mid = proc_mix(proc_pal(p, PP_ACCENT1), proc_pal(p, PP_INK), 100);
	proc_disc(p->c, FP(x), FP(y), FP(R / 5), mid, 256);
	for (int i = 0; i < 24; i++) {
		int a = i * 4096 / 24 + ph, d = R * (6 + i % 3 * 3) / 100;
		proc_disc(p->c, FP(x) + FP(d) / 16384 * proc_cos(a),
			  FP(y) + FP(d) / 16384 * proc_sin(a), FP(R) / 70 + 64,
			  proc_pal(p, PP_LIGHT), 200);
	}
}

void proc_paint_flowers(struct proc_paint *p)
{
	if (!proc_has(p, PE_FLOWER))
		return;
	struct proc_rng r;
	proc_stream(p, &r, 60);
	if (p->horizon >= p->h) {
		big_flower(p, &r);
		return;
	}
	int n = p->minimal ? 12 : proc_rng_range(&r, 40, 70), y0 = ground_row(p, 350);
	for (int i = 0; i < n; i++) {
		int y = y0 + (p->h - y0) * i / n + proc_rng_range(&r, 0, p->s / 60);
		int q = (y - p->horizon) * 256 / (p->h - p->horizon);
		int sz = p->s * (4 + 22 * q / 256) / 1000 + 1, x = proc_rng_range(&r, 0, p->w);
		int sway = proc_rp(&r, sz, -800, 800);
		proc_line(p->c, FP(x), FP(y), FP(x + sway), FP(y - sz * 3), FP(sz) / 5 + 96,
			  proc_pal(p, PP_FOLIAGE_DARK), 256);
		flower_head(p, x + sway, y - sz * 3, sz, proc_rng_range(&r, 5, 6),
			    proc_rng_range(&r, 0, 4095),
			    proc_pal(p, PP_ACCENT0 + proc_rng_range(&r, 0, 3)));
	}
}

static void person(struct proc_paint *p, int x, int base, int hh, struct proc_rgb col)
{
	int32_t X = FP(x), B = FP(base), H = FP(hh);
	proc_disc(p->c, X, B - H * 88 / 100, H / 11, col, 256);
	int32_t v[8] = {X - H / 9,  B - H * 76 / 100, X + H / 9,  B - H * 76 / 100,
			X + H / 11, B - H * 42 / 100, X - H / 11, B - H * 42 / 100};
	proc_poly(p->c, v, 4, col, 256);
	for (int s = -1; s <= 1; s += 2) {
		proc_line(p->c, X + s * H / 20, B - H * 44 / 100, X + s * H / 12, B, H / 14, col,
			  256);
		proc_line(p->c, X + s * H / 9, B - H * 74 / 100, X + s * H / 7, B - H * 45 / 100,
			  H / 18, col, 256);
	}
}

void proc_paint_people(struct proc_paint *p)
{
	if (!proc_has(p, PE_PEOPLE))
		return;
	struct proc_rng r;
	proc_stream(p, &r, 70);
	int n = proc_rng_range(&r, 1, 3), x = proc_rp(&r, p->w, 150, 700);
	int base = ground_row(p, proc_has(p, PE_BEACH) ? 880 : 600);
	for (int i = 0; i < n; i++) {
		int hh = proc_rp(&r, p->s, 120, 170) * (p->h + base) / (2 * p->h);
		person(p, x, base + proc_rng_range(&r, 0, p->s / 80), hh, proc_pal(p, PP_INK));
		x += hh * proc_rng_range(&r, 35, 120) / 100;
	}
}

static void cat(struct proc_paint *p, int32_t X, int32_t B, int32_t S, struct proc_rgb c)
{
	proc_ellipse(p->c, X, B - S * 35 / 100, S * 22 / 100, S * 35 / 100, 0, c, 256);
	proc_ellipse(p->c, X, B - S * 16 / 100, S * 29 / 100, S * 17 / 100, 0, c, 256);
	proc_disc(p->c, X, B - S * 78 / 100, S * 16 / 100, c, 256);
	for (int s = -1; s <= 1; s += 2)
		proc_tri(p->c, X + s * S * 15 / 100, B - S * 80 / 100, X + s * S * 3 / 100,
			 B - S * 92 / 100, X + s * S * 14 / 100, B - S * 106 / 100, c, 256);
	for (int i = 0; i <= 16; i++) /* the tail curls along the ground */
		proc_disc(p->c, X + S * 24 / 100 + S * 30 / 100 * i / 16,
			  B - S * 3 / 100 - S * 22 / 100 * i * i / 256, S * 4 / 100, c, 256);
}

static void dog(struct proc_paint *p, int32_t X, int32_t B, int32_t S, struct proc_rgb c)
{
	proc_line(p->c, X - S * 26 / 100, B - S * 14 / 100, X - S * 40 / 100, B - S * 34 / 100,
		  S * 5 / 100, c, 256); /* tail */
	proc_ellipse(p->c, X - S * 10 / 100, B - S * 16 / 100, S * 20 / 100, S * 16 / 100, 0, c,
		     256);
	proc_ellipse(p->c, X + S * 2 / 100, B - S * 38 / 100, S * 14 / 100, S * 28 / 100, 230, c,
		     256);
	proc_line(p->c, X + S * 9 / 100, B - S * 30 / 100, X + S * 11 / 100, B, S * 7 / 100, c,
		  256);
	proc_line(p->c, X + S * 14 / 100, B - S * 60 / 100, X + S * 10 / 100, B - S * 46 / 100,
		  S * 12 / 100, c, 256); /* neck */
	proc_disc(p->c, X + S * 15 / 100, B - S * 70 / 100, S * 11 / 100, c, 256);
	proc_ellipse(p->c, X + S * 25 / 100, B - S * 65 / 100, S * 10 / 100, S * 6 / 100, 100, c,
		     256);
	proc_tri(p->c, X + S * 6 / 100, B - S * 74 / 100, X + S * 14 / 100, B - S * 79 / 100,
		 X + S * 7 / 100, B - S * 92 / 100, c, 256); /* ears */
	proc_tri(p->c, X + S * 13 / 100, B - S * 78 / 100, X + S * 21 / 100, B - S * 76 / 100,
		 X + S * 16 / 100, B - S * 91 / 100, c, 256);
}

static void bird(struct proc_paint *p, int32_t X, int32_t B, int32_t S, struct proc_rgb c)
{
	proc_line(p->c, 0, B, X + S, B - S / 10, S / 14, c, 256); /* the branch */
	proc_ellipse(p->c, X, B - S * 24 / 100, S * 26 / 100, S * 17 / 100, -300, c, 256);
	proc_disc(p->c, X + S * 20 / 100, B - S * 45 / 100, S * 12 / 100, c, 256);
	proc_tri(p->c, X + S * 29 / 100, B - S * 49 / 100, X + S * 29 / 100, B - S * 41 / 100,
		 X + S * 43 / 100, B - S * 45 / 100, c, 256);
	proc_tri(p->c, X - S * 18 / 100, B - S * 20 / 100, X - S * 10 / 100, B - S * 8 / 100,
		 X - S * 50 / 100, B + S * 2 / 100, c, 256);
	proc_line(p->c, X, B - S * 8 / 100, X + S / 50, B, S / 40, c, 256);
}

void proc_paint_animal(struct proc_paint *p)
{
	if (!proc_has(p, PE_ANIMAL))
		return;
	struct proc_rng r;
	proc_stream(p, &r, 80);
	int x = proc_rp(&r, p->w, 300, 700), base = ground_row(p, 650);
	int32_t S = FP(proc_rp(&r, p->s, 230, 300));
	struct proc_rgb c = proc_mix(proc_pal(p, PP_INK), proc_pal(p, PP_ACCENT3), 40);
	if (p->sc->animal == PA_DOG)
		dog(p, FP(x), FP(base), S, c);
	else if (p->sc->animal == PA_BIRD)
		bird(p, FP(x), FP(base), S, c);
	else
		cat(p, FP(x), FP(base), S, c);
}

void proc_paint_portrait(struct proc_paint *p)
{
	if (!proc_has(p, PE_PORTRAIT))
		return;
	struct proc_rng r;
	proc_stream(p, &r, 90);
	int32_t X = FP(proc_rp(&r, p->w, 420, 580)), Y = FP(p->h * 40 / 100),
		R = FP(p->s) * 15 / 100;
	struct proc_rgb skin = proc_mix(proc_pal(p, PP_SAND), proc_pal(p, PP_ACCENT0), 70);
	struct proc_rgb hair = proc_mix(proc_pal(p, PP_INK), proc_pal(p, PP_ACCENT3), 60);
	struct proc_rgb body = proc_mix(proc_pal(p, PP_ACCENT2), proc_pal(p, PP_INK), 60);
	if (p->horizon >= p->h) { /* a circle composition behind the head */
		proc_disc(p->c, X + proc_rp(&r, R, -900, 900), Y - R / 3, R * 23 / 10,
			  proc_pal(p, PP_ACCENT1), 230);
		proc_disc(p->c, X + proc_rp(&r, R, 600, 1800), Y + R, R, proc_pal(p, PP_ACCENT3),
			  180);
	}
	proc_ellipse(p->c, X - R / 10, Y - R / 4, R * 23 / 20, R * 27 / 20, 0, hair, 256);
	proc_ellipse(p->c, X, Y + R * 31 / 10, R * 23 / 10, R * 16 / 10, 0, body, 256);
	proc_line(p->c, X, Y + R, X, Y + R * 17 / 10, R * 7 / 10, skin, 256);
	proc_ellipse(p->c, X, Y, R, R * 5 / 4, 0, skin, 256);
	int32_t v[2 * 33];
	for (int i = 0; i <= 32; i++) { /* shadow on one half of the face */
		int a = -1024 + i * 2048 / 32;
		v[2 * i] = X + (int32_t)((int64_t)R * proc_cos(a) / 16384);
		v[2 * i + 1] = Y + (int32_t)((int64_t)R * 5 / 4 * proc_sin(a) / 16384);
	}
	proc_poly(p->c, v, 33, proc_mix(skin, proc_pal(p, PP_INK), 90), 110);
	proc_ellipse(p->c, X - R / 10, Y - R * 9 / 10, R * 9 / 10, R * 45 / 100, -120, hair, 256);
	struct proc_rgb dark = proc_mix(skin, proc_pal(p, PP_INK), 170);
	for (int s = -1; s <= 1; s += 2)
		proc_ellipse(p->c, X + s * R * 38 / 100, Y + R / 10, R / 5, R / 28, 0, dark, 230);
	proc_ellipse(p->c, X, Y + R * 65 / 100, R / 6, R / 22, 0,
		     proc_mix(proc_pal(p, PP_ACCENT0), dark, 80), 230);
}

static void shape(struct proc_paint *p, int32_t x, int32_t y, int32_t sz, int kind, int ang,
		  struct proc_rgb col, int a)
{
	switch (kind) {
	case 0:
		proc_disc(p->c, x, y, sz / 2, col, a);
		break;
	case 1: /* ring */
		for (int i = 0; i < 48; i++)
			proc_line(p->c, x + sz / 2 * proc_cos(i * 4096 / 48) / 16384,
				  y + sz / 2 * proc_sin(i * 4096 / 48) / 16384,
				  x + sz / 2 * proc_cos((i + 1) * 4096 / 48) / 16384,
				  y + sz / 2 * proc_sin((i + 1) * 4096 / 48) / 16384, sz / 9, col,
				  256);
		break;
	case 2:
		proc_ellipse(p->c, x, y, sz / 2, sz / 2, ang, col, a);
		proc_line(p->c, x - sz / 2 * proc_cos(ang) / 16384,
			  y - sz / 2 * proc_sin(ang) / 16384, x + sz / 2 * proc_cos(ang) / 16384,
			  y + sz / 2 * proc_sin(ang) / 16384, sz / 3, col, a);
		break;
	case 3:
		proc_tri(p->c, x + sz / 2 * proc_cos(ang) / 16384,
			 y + sz / 2 * proc_sin(ang) / 16384,
			 x + sz / 2 * proc_cos(ang + 1365) / 16384,
			 y + sz / 2 * proc_sin(ang + 1365) / 16384,
			 x + sz / 2 * proc_cos(ang + 2731) / 16384,
			 y + sz / 2 * proc_sin(ang + 2731) / 16384, col, a);
		break;
	case 4: { /* half disc */
		int32_t v[2 * 33];
		for (int i = 0; i <= 32; i++) {
			int t = ang + i * 2048 / 32;
			v[2 * i] = x + (int32_t)((int64_t)sz / 2 * proc_cos(t) / 16384);
			v[2 * i + 1] = y + (int32_t)((int64_t)sz / 2 * proc_sin(t) / 16384);
		}
		proc_poly(p->c, v, 33, col, a);
		break;
	}
	default: /* stripes */
		for (int i = -2; i <= 2; i++) {
			int32_t ox = sz / 7 * i * proc_cos(ang + 1024) / 16384;
			int32_t oy = sz / 7 * i * proc_sin(ang + 1024) / 16384;
			proc_line(p->c, x + ox - sz / 2 * proc_cos(ang) / 16384,
				  y + oy - sz / 2 * proc_sin(ang) / 16384,
				  x + ox + sz / 2 * proc_cos(ang) / 16384,
				  y + oy + sz / 2 * proc_sin(ang) / 16384, sz / 16, col, a);
		}
	}
}

void proc_paint_abstract(struct proc_paint *p)
{
	if (!proc_has(p, PE_ABSTRACT))
		return;
	struct proc_rng r;
	proc_stream(p, &r, 100);
	int n = p->minimal ? proc_rng_range(&r, 3, 5) : proc_rng_range(&r, 7, 12);
	int ymax = p->horizon < p->h ? p->horizon : p->h;
	for (int i = 0; i < n; i++) {
		int32_t sz = FP(proc_rp(&r, p->s, 90, i < 3 ? 520 : 300));
		int32_t x = FP(proc_rp(&r, p->w, 120, 880)), y = FP(proc_rp(&r, ymax, 120, 880));
		int kind = proc_rng_range(&r, 0, 5), ang = proc_rng_range(&r, 0, 4095);
		struct proc_rgb col = proc_pal(p, PP_ACCENT0 + i % 4);
		if (proc_rng_range(&r, 0, 99) < 25)
			col = proc_mix(col, proc_rng_range(&r, 0, 1) ? white : proc_pal(p, PP_INK),
				       120);
		int a = proc_rng_range(&r, 180, 245);
		if (kind != 1 && proc_rng_range(&r, 0, 1))
			shape(p, x + p->s * 3, y + p->s * 3, sz, kind, ang, proc_pal(p, PP_INK),
			      45);
		shape(p, x, y, sz, kind, ang, col, a);
	}
}

void proc_paint_weather(struct proc_paint *p)
{
	struct proc_rng r;
	proc_stream(p, &r, 110);
	if (proc_has(p, PE_SNOW)) {
		int n = p->w * p->h / (p->minimal ? 6000 : 1500);
		struct proc_rgb c = proc_mix(white, proc_pal(p, PP_SKY_LOW), 30);
		for (int i = 0; i < n; i++)
			proc_disc(p->c, FP(proc_rng_range(&r, 0, p->w)),
				  FP(proc_rng_range(&r, 0, p->h)),
				  p->s * proc_rng_range(&r, 30, 110) / 100, c,
				  proc_rng_range(&r, 120, 230));
	}
	if (proc_has(p, PE_RAIN)) {
		int n = p->w * p->h / 1800, len = p->s / 25, slant = proc_rp(&r, len, -300, 300);
		struct proc_rgb c = proc_mix(white, proc_pal(p, PP_SKY_MID), 110);
		for (int i = 0; i < n; i++) {
			int x = proc_rng_range(&r, -len, p->w), y = proc_rng_range(&r, -len, p->h);
			proc_line(p->c, FP(x), FP(y), FP(x + slant), FP(y + len), 200, c, 70);
		}
	}
}
