/* procedural_int.h - private to the procedural backend: canvas, palette, scene and drawing. */
#ifndef IMAGIER_PROCEDURAL_INT_H
#define IMAGIER_PROCEDURAL_INT_H

#include <stddef.h>
#include <stdint.h>

/* Coordinates handed to the drawing functions are fixed point, 8 fraction bits. */
#define PROC_FP 256

struct proc_rgb {
	uint8_t r, g, b;
};

/* An RGB picture (3 bytes a pixel, rows top to bottom) plus drawing scratch. */
struct proc_canvas {
	int w, h;
	uint8_t *px;
	int32_t *cov; /* w + 2 coverage accumulators for one row */
};

/* xoshiro256** seeded through splitmix64: no global state, same numbers everywhere. */
struct proc_rng {
	uint64_t s[4];
};

/* Scene elements a prompt may ask for. */
enum proc_elem {
	PE_SEA,
	PE_BEACH,
	PE_MOUNTAIN,
	PE_HILLS,
	PE_FOREST,
	PE_CITY,
	PE_DESERT,
	PE_SNOW,
	PE_ABSTRACT,
	PE_SPACE,
	PE_FLOWER,
	PE_PORTRAIT,
	PE_ANIMAL,
	PE_PEOPLE,
	PE_STARS,
	PE_MOON,
	PE_SUN,
	PE_CLOUDS,
	PE_RAIN,
	PE_NIGHT,
	PE_SUNSET,
	PE_DAY,
	PE_PLANET,
	PE_COUNT
};
#define PE_BIT(e) (1u << (e))

/* Rendering styles (bits). */
enum proc_style {
	PS_WATERCOLOR = 1,
	PS_PIXEL = 2,
	PS_OIL = 4,
	PS_MINIMAL = 8,
	PS_VAPOR = 16,
	PS_SKETCH = 32,
};

/* Palette slots: every colour the painters use comes from one of these. */
enum proc_slot {
	PP_SKY_TOP,
	PP_SKY_MID,
	PP_SKY_LOW,
	PP_SUN,
	PP_GLOW,
	PP_CLOUD,
	PP_LAND_FAR,
	PP_LAND_NEAR,
	PP_WATER_FAR,
	PP_WATER_DEEP,
	PP_GROUND,
	PP_GROUND_DARK,
	PP_FOLIAGE,
	PP_FOLIAGE_DARK,
	PP_SAND,
	PP_LIGHT,
	PP_INK,
	PP_ACCENT0,
	PP_ACCENT1,
	PP_ACCENT2,
	PP_ACCENT3,
	PP_COUNT
};

/* Colours a prompt can name. */
enum proc_colour {
	PC_RED,
	PC_ORANGE,
	PC_GOLD,
	PC_YELLOW,
	PC_GREEN,
	PC_TEAL,
	PC_CYAN,
	PC_BLUE,
	PC_NAVY,
	PC_PURPLE,
	PC_LAVENDER,
	PC_PINK,
	PC_MAGENTA,
	PC_BROWN,
	PC_BLACK,
	PC_WHITE,
	PC_GREY,
	PC_COUNT
};

/* Palette modifiers (bits). */
enum proc_mod {
	PM_PASTEL = 1,
	PM_NEON = 2,
	PM_SEPIA = 4,
	PM_MONO = 8,
	PM_WARM = 16,
	PM_COOL = 32,
	PM_DARK = 64,
	PM_BRIGHT = 128,
	PM_MUTED = 256,
};

/* Colour grades applied at the end (bits). */
enum proc_finish {
	PF_SEPIA = 1,
	PF_MONO = 2,
};

/* Animal kinds for PE_ANIMAL. */
enum proc_animal { PA_CAT, PA_DOG, PA_BIRD };

/* Everything the painters need; built from the words of the prompt(s). */
struct proc_scene {
	uint32_t elems;	 /* PE_BIT set of what to draw */
	int styles;	 /* PS_* bits */
	int finish;	 /* PF_* bits */
	int animal;	 /* enum proc_animal */
	uint64_t layout; /* key of the positions and shapes (the parent's for a remix) */
	uint64_t detail; /* key of the fine texture (always this prompt's) */
	struct proc_rgb pal[PP_COUNT];
};

/* ---- numbers (procedural_draw.c) ---- */

/* Seed rng from a key and a stream number (each element draws from its own stream). */
void proc_rng_seed(struct proc_rng *r, uint64_t key, uint64_t stream);
/* Next 64 random bits. */
uint64_t proc_rng_next(struct proc_rng *r);
/* Uniform integer in [lo, hi] (lo <= hi). */
int proc_rng_range(struct proc_rng *r, int lo, int hi);
/* n times a random permille in [lo, hi], divided by 1000. */
int proc_rp(struct proc_rng *r, int n, int lo, int hi);
/* Sine and cosine of angle a (4096 units a turn), scaled to +-16384; integer only. */
int proc_sin(int a);
int proc_cos(int a);
/* Integer square root (floor). */
uint32_t proc_isqrt(uint64_t v);
/* Value noise octaves at lattice position (x, y) in PROC_FP units: 0..255. */
int proc_fbm(uint64_t key, int32_t x, int32_t y, int octaves);
/* 32 well-mixed bits from a key and two integers. */
uint32_t proc_hash3(uint64_t key, int32_t x, int32_t y);
/* a + (b - a) * t / 256, per channel (t clamped to 0..256). */
struct proc_rgb proc_mix(struct proc_rgb a, struct proc_rgb b, int t);

/* ---- drawing (procedural_draw.c); alpha a is 0..256, shapes are anti-aliased ---- */

/* Blend one pixel; outside the canvas is ignored. */
void proc_put(struct proc_canvas *c, int x, int y, struct proc_rgb col, int a);
/* Run [xa, xb) of row y. */
void proc_span(struct proc_canvas *c, int y, int32_t xa, int32_t xb, struct proc_rgb col, int a);
/* Convex polygon of n points (x, y pairs), n <= 160. */
void proc_poly(struct proc_canvas *c, const int32_t *v, int n, struct proc_rgb col, int a);
/* Ellipse with radii rx, ry turned by ang (4096 a turn). */
void proc_ellipse(struct proc_canvas *c, int32_t cx, int32_t cy, int32_t rx, int32_t ry, int ang,
		  struct proc_rgb col, int a);
void proc_disc(struct proc_canvas *c, int32_t cx, int32_t cy, int32_t r, struct proc_rgb col,
	       int a);
/* Stroke of width wd from (x0, y0) to (x1, y1). */
void proc_line(struct proc_canvas *c, int32_t x0, int32_t y0, int32_t x1, int32_t y1, int32_t wd,
	       struct proc_rgb col, int a);
void proc_tri(struct proc_canvas *c, int32_t ax, int32_t ay, int32_t bx, int32_t by, int32_t qx,
	      int32_t qy, struct proc_rgb col, int a);
/* Whole-pixel rectangle [x0, x1) x [y0, y1) in pixels, clipped. */
void proc_rect(struct proc_canvas *c, int x0, int y0, int x1, int y1, struct proc_rgb col, int a);
/* Soft light amax * r^2 / (r^2 + d^2) around (cx, cy), in pixels, over the whole canvas. */
void proc_glow(struct proc_canvas *c, int cx, int cy, int r, struct proc_rgb col, int amax);
/* Fill each column x from its top edge (top[x] at its left side, top[x + 1] at its right)
 * down to row yend, or to bot[x] when bot is given; colour ct at the highest point
 * shading to cb at yend. top has w + 1 entries. */
void proc_fill_cols(struct proc_canvas *c, const int32_t *top, const int32_t *bot, int yend,
		    struct proc_rgb ct, struct proc_rgb cb, int a);

/* ---- smooth noise fields (procedural_draw.c) ---- */

/* Value noise sampled on a coarse grid (every step pixels), read back bilinearly. */
struct proc_field {
	int gw, gh, step;
	uint8_t *v;
};

/* Build a field for a w x h picture: octaves of noise whose largest cell is cell pixels. */
void proc_field_make(struct proc_field *f, int w, int h, int step, uint64_t key, int cell,
		     int octaves);
/* The field at pixel (x, y): 0..255, usually near 128. */
int proc_field_at(const struct proc_field *f, int x, int y);
void proc_field_free(struct proc_field *f);

/* ---- painting (procedural_scene.c, procedural_subject.c) ---- */

/* What the painters share while one scene is painted. */
struct proc_paint {
	const struct proc_scene *sc;
	struct proc_canvas *c;
	int w, h, s;	/* s = the shorter side */
	int horizon;	/* row of the horizon; h when there is no ground */
	int lx, ly, lr; /* sun or moon centre and radius in pixels; lr 0 when none */
	int moon, minimal;
	int32_t *top, *bot; /* w + 1 scratch edges */
};

#define FP(v) ((int32_t)(v)*PROC_FP)

static inline int proc_has(const struct proc_paint *p, int e)
{
	return (p->sc->elems & PE_BIT(e)) != 0;
}

static inline struct proc_rgb proc_pal(const struct proc_paint *p, int slot)
{
	return p->sc->pal[slot];
}

/* Each element draws from its own random stream of the layout key, so adding one
 * element does not move the others. */
static inline void proc_stream(const struct proc_paint *p, struct proc_rng *r, int stream)
{
	proc_rng_seed(r, p->sc->layout, (uint64_t)stream);
}

/* Paint the whole scene described by sc onto c (px allocated, cov zeroed). */
void proc_scene_paint(const struct proc_scene *sc, struct proc_canvas *c);

/* Foreground subjects and weather (procedural_subject.c). */
void proc_paint_flowers(struct proc_paint *p);
void proc_paint_people(struct proc_paint *p);
void proc_paint_animal(struct proc_paint *p);
void proc_paint_portrait(struct proc_paint *p);
void proc_paint_abstract(struct proc_paint *p);
void proc_paint_weather(struct proc_paint *p);

/* ---- palette and finishing (procedural_look.c) ---- */

extern const struct proc_rgb proc_colours[PC_COUNT];

/* Fill sc->pal for sc->elems and sc->styles: the time of day's base colours, then
 * the named colours (in naming order), the PM_* modifiers, and colours turned away
 * from those of the negative prompt (bit per enum proc_colour). */
void proc_palette(struct proc_scene *sc, const uint8_t *colours, int ncolours, int mods,
		  uint32_t neg_colours);

/* Blend an encoded parent picture (PNG, JPEG or WebP, at most 4096 x 4096) into the
 * canvas at about 30%, scaled to fit; a picture that does not decode is left out. */
void proc_blend_parent(struct proc_canvas *c, const unsigned char *d, size_t n);

/* Apply the scene's styles, colour grade, vignette and grain to the painted canvas. */
void proc_finish(struct proc_canvas *c, const struct proc_scene *sc);

#endif
