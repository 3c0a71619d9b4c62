/* test_imghash.c - unit tests for the perceptual-hash lookups: bands, the
 * probes of the near-duplicate index (never missing a hash within the
 * distance), and the plainness rule that keeps flat pictures apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "imghash.h"

static uint64_t rnd(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_bands(void **state)
{
	(void)state;
	uint64_t h = 0x0123456789abcdefull;
	assert_int_equal(imghash_band(h, 0), 0x0123);
	assert_int_equal(imghash_band(h, 1), 0x4567);
	assert_int_equal(imghash_band(h, 2), 0x89ab);
	assert_int_equal(imghash_band(h, 3), 0xcdef);
}

static void test_probe_counts(void **state)
{
	(void)state;
	uint32_t out[IMGHASH_MAX_PROBES];
	uint64_t h = 0xfedcba9876543210ull;
	/* d < 4: each band exactly; 4..7: and one bit off; 8..11: two. */
	assert_int_equal(imghash_probes(h, 0, out, IMGHASH_MAX_PROBES), 4);
	assert_int_equal(imghash_probes(h, 3, out, IMGHASH_MAX_PROBES), 4);
	assert_int_equal(out[0], 0u << 16 | 0xfedc);
	assert_int_equal(out[3], 3u << 16 | 0x3210);
	assert_int_equal(imghash_probes(h, 6, out, IMGHASH_MAX_PROBES), 4 * 17);
	assert_int_equal(imghash_probes(h, 11, out, IMGHASH_MAX_PROBES), IMGHASH_MAX_PROBES);
	assert_int_equal(imghash_probes(h, 64, out, IMGHASH_MAX_PROBES), IMGHASH_MAX_PROBES);
	assert_int_equal(imghash_probes(h, -3, out, IMGHASH_MAX_PROBES), 4);
	/* never past max */
	assert_int_equal(imghash_probes(h, 11, out, 10), 10);
	/* distinct, and each band's own bits first */
	size_t n = imghash_probes(h, 11, out, IMGHASH_MAX_PROBES);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_true(out[i] != out[j]);
	assert_int_equal(out[137], 1u << 16 | 0xba98);
}

/* Pigeonhole: whatever up to d bits differ, some probe hits the other
 * hash's band exactly. */
static void test_probes_find_near(void **state)
{
	(void)state;
	uint32_t out[IMGHASH_MAX_PROBES];
	uint64_t s = 42;
	for (int d = 0; d <= IMGHASH_MAX_RADIUS; d++) {
		for (int t = 0; t < 2000; t++) {
			uint64_t h = rnd(&s), o = h;
			/* flip d bits, clustered in one band half of the time */
			int base = (int)(rnd(&s) % 64);
			for (int f = 0; f < d;) {
				int bit = t % 2 ? (int)(rnd(&s) % 64) : (base + f * 3) % 64;
				if ((o ^ h) >> bit & 1)
					continue;
				o ^= 1ull << bit;
				f++;
			}
			assert_int_equal(__builtin_popcountll(o ^ h), d);
			size_t n = imghash_probes(h, d, out, IMGHASH_MAX_PROBES);
			int found = 0;
			for (size_t i = 0; i < n && !found; i++)
				found = imghash_band(o, (int)(out[i] >> 16)) == (out[i] & 0xffff);
			assert_true(found);
		}
	}
}

static void test_plainness_radius(void **state)
{
	(void)state;
	assert_int_equal(imghash_plainness(0), 0);
	assert_int_equal(imghash_plainness(~0ull), 0);
	assert_int_equal(imghash_plainness(0xffull), 8);
	assert_int_equal(imghash_plainness(~0xffull), 8);
	assert_int_equal(imghash_plainness(0x5555555555555555ull), 32);
	/* a detailed picture: the configured distance */
	assert_int_equal(imghash_radius(0x42e6526b4e0fa951ull, 10), 10);
	/* a plain one: half its distance to the flat hashes */
	assert_int_equal(imghash_radius(0x800000040c446020ull, 10), 4);
	assert_int_equal(imghash_radius(0, 10), 0);
	assert_int_equal(imghash_radius(~0ull, 10), 0);
	assert_int_equal(imghash_radius(0x5555555555555555ull, -1), 0);
	/* the rule's point: within the radius of h means farther from flat */
	uint64_t s = 7;
	for (int t = 0; t < 5000; t++) {
		uint64_t h = rnd(&s) & rnd(&s) & rnd(&s); /* mostly zeros */
		int r = imghash_radius(h, 10);
		assert_true(r <= 10 && 2 * r <= imghash_plainness(h));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bands),
	    cmocka_unit_test(test_probe_counts),
	    cmocka_unit_test(test_probes_find_near),
	    cmocka_unit_test(test_plainness_radius),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
