/* imghash.c - perceptual-hash lookups: radius, band probes, blocklist. */
#include "imghash.h"

#include <stdlib.h>

#include "db.h"

int imghash_plainness(uint64_t h)
{
	int pop = __builtin_popcountll(h);
	return pop < 64 - pop ? pop : 64 - pop;
}

int imghash_radius(uint64_t h, int d)
{
	int half = imghash_plainness(h) / 2;
	if (d < 0)
		d = 0;
	return d < half ? d : half;
}

unsigned imghash_band(uint64_t h, int k)
{
	int shift = 64 - IMGHASH_BAND_BITS * (k + 1);
	return (unsigned)(h >> shift) & ((1u << IMGHASH_BAND_BITS) - 1);
}

static void put(uint32_t *out, size_t max, size_t *n, int k, unsigned bits)
{
	if (*n < max)
		out[(*n)++] = (uint32_t)k << 16 | bits;
}

size_t imghash_probes(uint64_t h, int d, uint32_t *out, size_t max)
{
	size_t n = 0;
	if (d < 0)
		d = 0;
	if (d > IMGHASH_MAX_RADIUS)
		d = IMGHASH_MAX_RADIUS;
	int r = d / IMGHASH_BANDS;
	for (int k = 0; k < IMGHASH_BANDS; k++) {
		unsigned v = imghash_band(h, k);
		put(out, max, &n, k, v);
		for (int i = 0; r >= 1 && i < IMGHASH_BAND_BITS; i++) {
			put(out, max, &n, k, v ^ (1u << i));
			for (int j = i + 1; r >= 2 && j < IMGHASH_BAND_BITS; j++)
				put(out, max, &n, k, v ^ (1u << i) ^ (1u << j));
		}
	}
	return n;
}

int imghash_blocked(struct db *db, struct arena *a, uint64_t h, int d, int64_t *post_id)
{
	struct db_res r;
	if (post_id)
		*post_id = 0;
	/* A scan: the list holds removed pictures only. Each blocked hash has
	 * its own radius (imghash_radius), computed here in SQL. */
	if (db_exec(db, a, &r,
		    "SELECT IFNULL(post_id, 0) FROM blocked_hashes WHERE BIT_COUNT(hash ^ ?) <= "
		    "LEAST(?, LEAST(BIT_COUNT(hash), 64 - BIT_COUNT(hash)) DIV 2) LIMIT 1",
		    "ui", h, (int64_t)(d < 0 ? 0 : d)) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	if (post_id)
		*post_id = db_int(&r, 0, 0);
	return 1;
}
