/* procedural_draw.c - procedural backend: integer maths, noise, anti-aliased drawing. */
#include "procedural_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- numbers ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void proc_rng_seed(struct proc_rng *r, uint64_t key, uint64_t stream)
{
	uint64_t x = key ^ (stream * 0xd1b54a32d192ed03ull);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t proc_rng_next(struct proc_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

int proc_rng_range(struct proc_rng *r, int lo, int hi)
{
	uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;
	return (int)(lo + (int64_t)(proc_rng_next(r) % span));
}

/* n * (a random permille in [lo, hi]) / 1000 */
int proc_rp(struct proc_rng *r, int n, int lo, int hi)
{
	return (int)((int64_t)n * proc_rng_range(r, lo, hi) / 1000);
}

int proc_sin(int a)
{
	int t = a & 2047; /* Bhaskara's approximation on half a turn */
	int64_t q = (int64_t)t * (2048 - t);
	int v = (int)(16384 * 16 * q / (5ll * 2048 * 2048 - 4 * q));
	return (a & 2048) ? -v : v;
}

int proc_cos(int a)
{
	return proc_sin(a + 1024);
}

uint32_t proc_isqrt(uint64_t v)
{
	uint64_t r = 0, bit = 1ull << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (uint32_t)r;
}

uint32_t proc_hash3(uint64_t key, int32_t x, int32_t y)
{
	uint64_t z = key + (uint64_t)(uint32_t)x * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ull + (uint64_t)(uint32_t)y * 0xc2b2ae3d27d4eb4full;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

static int smooth8(int f)
{
	return f * f * (768 - 2 * f) >> 16;
}

static int vnoise(uint64_t key, int32_t x, int32_t y)
{
	int32_t ix = x >> 8, iy = y >> 8;
	int fx = smooth8(x & 255), fy = smooth8(y & 255);
	int a = proc_hash3(key, ix, iy) & 255, b = proc_hash3(key, ix + 1, iy) & 255;
	int c = proc_hash3(key, ix, iy + 1) & 255, d = proc_hash3(key, ix + 1, iy + 1) & 255;
	int top = a * 256 + (b - a) * fx, bot = c * 256 + (d - c) * fx;
	return (top * 256 + (bot - top) * fy) / 65536;
}

int proc_fbm(uint64_t key, int32_t x, int32_t y, int octaves)
{
	int sum = 0, norm = 0, amp = 128;
	for (int o = 0; o < octaves; o++, amp /= 2, x *= 2, y *= 2) {
		sum += vnoise(key + (uint64_t)o * 7919, x + o * 9973, y + o * 6151) * amp;
		norm += amp;
	}
	return norm ? sum / norm : 128;
}

struct proc_rgb proc_mix(struct proc_rgb a, struct proc_rgb b, int t)
{
	t = t < 0 ? 0 : (t > 256 ? 256 : t);
	struct proc_rgb o = {(uint8_t)((a.r * (256 - t) + b.r * t) >> 8),
			     (uint8_t)((a.g * (256 - t) + b.g * t) >> 8),
			     (uint8_t)((a.b * (256 - t) + b.b * t) >> 8)};
	return o;
}

/* ---- drawing ---- */

void proc_put(struct proc_canvas *c, int x, int y, struct proc_rgb col, int a)
{
	if ((unsigned)x >= (unsigned)c->w || (unsigned)y >= (unsigned)c->h || a <= 0)
		return;
	uint8_t *p = c->px + ((size_t)y * c->w + x) * 3;
	if (a > 256)
		a = 256;
	p[0] = (uint8_t)((p[0] * (256 - a) + col.r * a + 128) >> 8);
	p[1] = (uint8_t)((p[1] * (256 - a) + col.g * a + 128) >> 8);
	p[2] = (uint8_t)((p[2] * (256 - a) + col.b * a + 128) >> 8);
}

/* Add the part of [xa, xb) (fixed point) that falls on each pixel of the row to c->cov. */
static void cov_span(struct proc_canvas *c, int32_t xa, int32_t xb, int *lo, int *hi)
{
	xa = xa < 0 ? 0 : xa;
	xb = xb > c->w * PROC_FP ? c->w * PROC_FP : xb;
	if (xb <= xa)
		return;
	int p0 = xa >> 8, p1 = (xb - 1) >> 8;
	if (p0 == p1) {
		c->cov[p0] += xb - xa;
	} else {
		c->cov[p0] += 256 - (xa & 255);
		for (int x = p0 + 1; x < p1; x++)
			c->cov[x] += 256;
		c->cov[p1] += xb - (p1 << 8);
	}
	*lo = p0 < *lo ? p0 : *lo;
	*hi = p1 > *hi ? p1 : *hi;
}

/* One anti-aliased horizontal run [xa, xb) (fixed point) on row y. */
void proc_span(struct proc_canvas *c, int y, int32_t xa, int32_t xb, struct proc_rgb col, int a)
{
	int lo = c->w, hi = -1;
	if (y < 0 || y >= c->h)
		return;
	cov_span(c, xa, xb, &lo, &hi);
	for (int x = lo; x <= hi; x++) {
		proc_put(c, x, y, col, a * c->cov[x] / 256);
		c->cov[x] = 0;
	}
}

#define SUBROWS 4

/* Fill a convex polygon (n points, x y pairs in fixed point), anti-aliased. */
void proc_poly(struct proc_canvas *c, const int32_t *v, int n, struct proc_rgb col, int a)
{
	int32_t ymin = INT32_MAX, ymax = INT32_MIN;
	for (int i = 0; i < n; i++) {
		ymin = v[2 * i + 1] < ymin ? v[2 * i + 1] : ymin;
		ymax = v[2 * i + 1] > ymax ? v[2 * i + 1] : ymax;
	}
	int y0 = ymin < 0 ? 0 : ymin >> 8, y1 = (ymax >> 8) >= c->h ? c->h - 1 : ymax >> 8;
	for (int y = y0; y <= y1; y++) {
		int lo = c->w, hi = -1;
		for (int s = 0; s < SUBROWS; s++) {
			int32_t sy = y * PROC_FP + 32 + 64 * s, xa = INT32_MAX, xb = INT32_MIN;
			for (int i = 0; i < n; i++) {
				const int32_t *p = v + 2 * i, *q = v + 2 * ((i + 1) % n);
				if (p[1] == q[1] || sy < (p[1] < q[1] ? p[1] : q[1]) ||
				    sy >= (p[1] < q[1] ? q[1] : p[1]))
					continue;
				int32_t x = p[0] + (int32_t)((int64_t)(sy - p[1]) * (q[0] - p[0]) /
							     (q[1] - p[1]));
				xa = x < xa ? x : xa;
				xb = x > xb ? x : xb;
			}
			if (xa < xb)
				cov_span(c, xa, xb, &lo, &hi);
		}
		for (int x = lo; x <= hi; x++) {
			proc_put(c, x, y, col, a * c->cov[x] / (256 * SUBROWS));
			c->cov[x] = 0;
		}
	}
}

#define MAXVERT 160

/* Ellipse of radii rx, ry (fixed point) turned by angle ang (4096 a turn). */
void proc_ellipse(struct proc_canvas *c, int32_t cx, int32_t cy, int32_t rx, int32_t ry, int ang,
		  struct proc_rgb col, int a)
{
	int32_t v[2 * MAXVERT] = {0};
	int rmax = (rx > ry ? rx : ry) >> 8, n = rmax < 12 ? 12 : (rmax > MAXVERT ? MAXVERT : rmax);
	int ca = proc_cos(ang), sa = proc_sin(ang);
	for (int i = 0; i < n; i++) {
		int t = i * 4096 / n;
		int64_t ex = (int64_t)rx * proc_cos(t) / 16384,
			ey = (int64_t)ry * proc_sin(t) / 16384;
		v[2 * i] = cx + (int32_t)((ex * ca - ey * sa) / 16384);
		v[2 * i + 1] = cy + (int32_t)((ex * sa + ey * ca) / 16384);
	}
	proc_poly(c, v, n, col, a);
}

void proc_disc(struct proc_canvas *c, int32_t cx, int32_t cy, int32_t r, struct proc_rgb col, int a)
{
	proc_ellipse(c, cx, cy, r, r, 0, col, a);
}

/* A straight stroke of width wd between two points (fixed point). */
void proc_line(struct proc_canvas *c, int32_t x0, int32_t y0, int32_t x1, int32_t y1, int32_t wd,
	       struct proc_rgb col, int a)
{
	int64_t dx = x1 - x0, dy = y1 - y0, len = proc_isqrt((uint64_t)(dx * dx + dy * dy));
	if (len == 0)
		return;
	int32_t nx = (int32_t)(-dy * wd / (2 * len)), ny = (int32_t)(dx * wd / (2 * len));
	int32_t v[8] = {x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny};
	proc_poly(c, v, 4, col, a);
}

void proc_tri(struct proc_canvas *c, int32_t ax, int32_t ay, int32_t bx, int32_t by, int32_t qx,
	      int32_t qy, struct proc_rgb col, int a)
{
	int32_t v[6] = {ax, ay, bx, by, qx, qy};
	proc_poly(c, v, 3, col, a);
}

/* Whole-pixel rectangle, clipped. */
void proc_rect(struct proc_canvas *c, int x0, int y0, int x1, int y1, struct proc_rgb col, int a)
{
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < c->h; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < c->w; x++)
			proc_put(c, x, y, col, a);
}

/* Soft light: alpha amax * r^2 / (r^2 + d^2) around (cx, cy), in pixels. */
void proc_glow(struct proc_canvas *c, int cx, int cy, int r, struct proc_rgb col, int amax)
{
	int64_t r2 = (int64_t)r * r + 1;
	for (int y = 0; y < c->h; y++) {
		int64_t dy2 = (int64_t)(y - cy) * (y - cy);
		for (int x = 0; x < c->w; x++) {
			int64_t d2 = (int64_t)(x - cx) * (x - cx) + dy2;
			proc_put(c, x, y, col, (int)(amax * r2 / (r2 + d2)));
		}
	}
}

/* Fill every column x from the edge top[x]..top[x+1] (fixed point, at the column's
 * sides) down to row yend, shaded from ct at the highest point to cb at yend. When
 * bot is given, column x stops at bot[x] (fixed point). Edges are anti-aliased. */
void proc_fill_cols(struct proc_canvas *c, const int32_t *top, const int32_t *bot, int yend,
		    struct proc_rgb ct, struct proc_rgb cb, int a)
{
	int32_t tmin = INT32_MAX;
	for (int x = 0; x <= c->w; x++)
		tmin = top[x] < tmin ? top[x] : tmin;
	int y0 = tmin < 0 ? 0 : tmin >> 8;
	yend = yend > c->h ? c->h : yend;
	for (int y = y0; y < yend; y++) {
		struct proc_rgb col =
		    proc_mix(ct, cb, (y - y0) * 256 / (yend - y0 > 0 ? yend - y0 : 1));
		int32_t yc = y * PROC_FP + 128;
		for (int x = 0; x < c->w; x++) {
			int32_t lo = top[x] < top[x + 1] ? top[x] : top[x + 1];
			int32_t hi = top[x] ^ top[x + 1] ^ lo;
			if (yc + 128 <= lo || (bot && yc >= bot[x]))
				continue;
			if (yc - 128 >= hi) {
				proc_put(c, x, y, col, a);
				continue;
			}
			int32_t e = hi - lo < 256 ? 256 : hi - lo, cv;
			cv = (int32_t)((int64_t)(yc - (lo + hi) / 2) * 256 / e + 128);
			proc_put(c, x, y, col, a * (cv < 0 ? 0 : (cv > 256 ? 256 : cv)) / 256);
		}
	}
}

/* ---- smooth noise fields ---- */

void proc_field_make(struct proc_field *f, int w, int h, int step, uint64_t key, int cell,
		     int octaves)
{
	f->step = step < 1 ? 1 : step;
	f->gw = w / f->step + 2;
	f->gh = h / f->step + 2;
	cell = cell < 1 ? 1 : cell;
	f->v = xmalloc((size_t)f->gw * (size_t)f->gh);
	for (int j = 0; j < f->gh; j++)
		for (int i = 0; i < f->gw; i++)
			f->v[j * f->gw + i] = (uint8_t)proc_fbm(
			    key, (int32_t)((int64_t)i * f->step * 256 / cell),
			    (int32_t)((int64_t)j * f->step * 256 / cell), octaves);
}

int proc_field_at(const struct proc_field *f, int x, int y)
{
	int i = x / f->step, j = y / f->step;
	i = i < 0 ? 0 : (i > f->gw - 2 ? f->gw - 2 : i);
	j = j < 0 ? 0 : (j > f->gh - 2 ? f->gh - 2 : j);
	int fx = (x - i * f->step) * 256 / f->step, fy = (y - j * f->step) * 256 / f->step;
	fx = fx < 0 ? 0 : (fx > 256 ? 256 : fx);
	fy = fy < 0 ? 0 : (fy > 256 ? 256 : fy);
	const uint8_t *q = f->v + j * f->gw + i;
	int a = q[0] * 256 + (q[1] - q[0]) * fx;
	int b = q[f->gw] * 256 + (q[f->gw + 1] - q[f->gw]) * fx;
	return (a * 256 + (b - a) * fy) >> 16;
}

void proc_field_free(struct proc_field *f)
{
	free(f->v);
	f->v = NULL;
}
