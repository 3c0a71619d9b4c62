/* test_rank.c - the "for you" ranking: scores, exclusions, reasons, page selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "rank.h"

#define NOW  1700000000LL
#define HOUR 3600LL

static struct rank_item item(int64_t post, int64_t author, double age_hours, uint32_t likes,
			     unsigned sources)
{
	struct rank_item it = {0};
	it.post_id = post;
	it.author_id = author;
	it.created_at = NOW - (int64_t)(age_hours * HOUR);
	it.like_count = likes;
	it.sources = sources;
	return it;
}

static struct rank_params defaults(void)
{
	struct rank_params p;
	rank_params_default(&p);
	return p;
}

/* Only engagement and its decay: no freshness, no bonuses. */
static struct rank_params engagement_only(void)
{
	struct rank_params p = defaults();
	p.w_fresh = 0;
	p.w_followed_author = p.w_followed_tag = p.w_remix_of_liked = p.w_rising = 0;
	return p;
}

static void score(struct rank_item *items, size_t n, const struct rank_profile *prof,
		  const struct rank_params *p)
{
	static const struct rank_profile none = {.self_id = 999999};
	rank_score(items, n, prof ? prof : &none, p, NOW);
}

static int in_page(const size_t *out, size_t got, size_t idx)
{
	for (size_t i = 0; i < got; i++)
		if (out[i] == idx)
			return 1;
	return 0;
}

static void fresh_beats_old(void **state)
{
	struct rank_params p = defaults();
	struct rank_item it[2] = {item(1, 10, 48, 5, SRC_RISING), item(2, 11, 1, 5, SRC_RISING)};
	score(it, 2, NULL, &p);
	assert_true(it[1].score > it[0].score);
	/* Even without the freshness bonus, decay alone orders them. */
	p.w_fresh = 0;
	score(it, 2, NULL, &p);
	assert_true(it[1].score > it[0].score);
}

static void more_likes_beat_fewer(void **state)
{
	struct rank_params p = defaults();
	struct rank_item it[2] = {item(1, 10, 5, 3, SRC_RISING), item(2, 11, 5, 30, SRC_RISING)};
	score(it, 2, NULL, &p);
	assert_true(it[1].score > it[0].score);
}

static void decay_halves_engagement_per_half_life(void **state)
{
	struct rank_params p = engagement_only();
	struct rank_item it[2] = {item(1, 10, 0, 7, 0), item(2, 11, 24, 7, 0)};
	it[0].comment_count = it[1].comment_count = 2;
	it[0].remix_count = it[1].remix_count = 1;
	score(it, 2, NULL, &p);
	double want = 1.0 * log1p(7) + 1.5 * log1p(2) + 2.0 * log1p(1);
	assert_float_equal(it[0].score, want, 1e-9);
	assert_float_equal(it[1].score, want / 2, 1e-9);
}

static void freshness_bonus_fades_linearly(void **state)
{
	struct rank_params p = defaults();
	struct rank_item it[3] = {item(1, 10, 0, 0, 0), item(2, 11, 3, 0, 0), item(3, 12, 7, 0, 0)};
	score(it, 3, NULL, &p);
	assert_float_equal(it[0].score, 1.0, 1e-9);
	assert_float_equal(it[1].score, 0.5, 1e-9);
	assert_float_equal(it[2].score, 0.0, 1e-9);
}

static void zero_counts_and_future_posts_are_safe(void **state)
{
	struct rank_params p = defaults();
	struct rank_item it[2] = {item(1, 10, 0, 0, 0), item(2, 11, 0, 0, 0)};
	it[1].created_at = NOW + 10 * HOUR; /* clock skew: treated as age 0 */
	score(it, 2, NULL, &p);
	assert_true(isfinite(it[0].score) && isfinite(it[1].score));
	assert_float_equal(it[1].score, it[0].score, 1e-12);
	assert_float_equal(it[1].score, p.w_fresh, 1e-12);
	/* Extreme timestamps do not overflow or produce NaN. */
	it[0].created_at = INT64_MIN;
	it[1].created_at = INT64_MAX;
	it[0].like_count = it[1].like_count = UINT32_MAX;
	score(it, 2, NULL, &p);
	assert_true(isfinite(it[0].score) && it[0].score >= 0);
	assert_true(isfinite(it[1].score) && it[1].score > 0);
}

static void bad_params_are_clamped(void **state)
{
	struct rank_params p = defaults();
	p.w_like = NAN;
	p.w_comment = -5;
	p.half_life_hours = 0;	   /* no decay */
	p.fresh_hours = -1;	   /* no freshness */
	p.less_penalty = INFINITY; /* clamped to 1: "show less" does nothing */
	p.w_rising = 1e300;
	struct rank_weight less = {10, 1.0};
	struct rank_profile prof = {.less_authors = &less, .nless_authors = 1};
	struct rank_item it[1] = {item(1, 10, 1000, 50, SRC_RISING)};
	it[0].comment_count = 9;
	it[0].remix_count = 1;
	rank_score(it, 1, &prof, &p, NOW);
	assert_float_equal(it[0].score, 2.0 * log1p(1) + 1e6, 1e-3);
	rank_score(it, 1, NULL, NULL, NOW); /* NULL profile and params: defaults */
	assert_true(isfinite(it[0].score) && it[0].score > 0);
}

static void author_affinity_lifts(void **state)
{
	struct rank_params p = defaults();
	struct rank_weight aff[] = {{5, 0.3}, {11, 0.5}, {40, 1.0}};
	struct rank_profile prof = {.author_affinity = aff, .nauthor_affinity = 3};
	struct rank_item it[2] = {item(1, 10, 5, 9, 0), item(2, 11, 5, 9, 0)};
	score(it, 2, &prof, &p);
	assert_float_equal(it[1].score - it[0].score, p.w_author_affinity * 0.5, 1e-9);
}

static void tag_affinity_lifts_by_best_tag(void **state)
{
	struct rank_params p = defaults();
	struct rank_weight aff[] = {{100, 0.2}, {200, 0.9}, {300, 0.4}};
	struct rank_profile prof = {.tag_affinity = aff, .ntag_affinity = 3};
	struct rank_item it[2] = {item(1, 10, 5, 9, 0), item(2, 11, 5, 9, 0)};
	it[1].tag_ids[0] = 300;
	it[1].tag_ids[1] = 200;
	it[1].tag_ids[2] = 7;
	it[1].ntags = 3;
	it[0].tag_ids[0] = 200;
	it[0].ntags = 0; /* tags past ntags do not count */
	score(it, 2, &prof, &p);
	assert_float_equal(it[1].score - it[0].score, p.w_tag_affinity * 0.9, 1e-9);
}

static void source_bonus_is_the_largest_not_the_sum(void **state)
{
	struct rank_params p = engagement_only();
	p.w_followed_author = 3;
	p.w_rising = 1;
	p.w_followed_tag = 1.5;
	struct rank_item it[3] = {item(1, 10, 5, 0, SRC_FOLLOWED_AUTHOR),
				  item(2, 11, 5, 0, SRC_FOLLOWED_AUTHOR | SRC_RISING),
				  item(3, 12, 5, 0, SRC_RISING | SRC_FOLLOWED_TAG | SRC_EXPLORE)};
	score(it, 3, NULL, &p);
	assert_float_equal(it[0].score, 3.0, 1e-12);
	assert_float_equal(it[1].score, 3.0, 1e-12);
	assert_float_equal(it[2].score, 1.5, 1e-12);
}

static void show_less_author_moves_post_down(void **state)
{
	struct rank_params p = defaults();
	struct rank_weight less[] = {{3, 0.1}, {10, 1.0}};
	struct rank_profile prof = {.less_authors = less, .nless_authors = 2};
	/* Post 2 (author 10) would win the post_id tie-break. */
	struct rank_item it[2] = {item(1, 11, 5, 9, SRC_RISING), item(2, 10, 5, 9, SRC_RISING)};
	score(it, 2, &prof, &p);
	assert_float_equal(it[1].score, it[0].score * p.less_penalty, 1e-9);
	size_t out[2];
	assert_int_equal(rank_page(it, 2, &p, 2, 1, out), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
}

static void show_less_tag_uses_the_worst_tag(void **state)
{
	struct rank_params p = defaults();
	struct rank_weight less[] = {{100, 0.25}, {200, 0.5}};
	struct rank_profile prof = {.less_tags = less, .nless_tags = 2};
	struct rank_item it[2] = {item(1, 11, 5, 9, SRC_RISING), item(2, 10, 5, 9, SRC_RISING)};
	it[1].tag_ids[0] = 100;
	it[1].tag_ids[1] = 200;
	it[1].ntags = 2;
	score(it, 2, &prof, &p);
	/* 1 - (1 - 0.2) * 0.5 = 0.6 */
	assert_float_equal(it[1].score, it[0].score * 0.6, 1e-9);
	size_t out[2];
	assert_int_equal(rank_page(it, 2, &p, 2, 1, out), 2);
	assert_int_equal(out[0], 0);
}

static void hidden_author_stays_hidden(void **state)
{
	struct rank_params p = defaults();
	int64_t hidden[] = {4, 10, 77};
	struct rank_profile prof = {.hidden_authors = hidden, .nhidden_authors = 3};
	struct rank_item it[3] = {item(1, 10, 0, 1000, SRC_FOLLOWED_AUTHOR | SRC_EXPLORE),
				  item(2, 11, 50, 0, 0), item(3, 77, 0, 5, SRC_EXPLORE)};
	score(it, 3, &prof, &p);
	assert_true(isinf(it[0].score) && it[0].score < 0);
	assert_true(isinf(it[2].score) && it[2].score < 0);
	p.explore_share = 1.0;
	for (uint64_t seed = 0; seed < 20; seed++) {
		size_t out[3];
		assert_int_equal(rank_page(it, 3, &p, 3, seed, out), 1);
		assert_int_equal(out[0], 1);
	}
}

static void own_posts_never_appear(void **state)
{
	struct rank_params p = defaults();
	struct rank_profile prof = {.self_id = 10};
	struct rank_item it[3] = {item(1, 10, 0, 1000, SRC_FOLLOWED_AUTHOR), item(2, 11, 50, 0, 0),
				  item(3, 10, 1, 3, SRC_EXPLORE)};
	score(it, 3, &prof, &p);
	size_t out[3];
	size_t got = rank_page(it, 3, &p, 3, 42, out);
	assert_int_equal(got, 1);
	assert_int_equal(out[0], 1);
	assert_false(in_page(out, got, 0) || in_page(out, got, 2));
}

static void seen_posts_never_appear(void **state)
{
	struct rank_params p = defaults();
	int64_t seen[] = {1, 3, 8};
	struct rank_profile prof = {.seen = seen, .nseen = 3};
	struct rank_item it[4] = {item(1, 10, 0, 1000, SRC_FOLLOWED_AUTHOR), item(2, 11, 50, 0, 0),
				  item(3, 12, 1, 3, SRC_EXPLORE), item(8, 13, 0, 99, SRC_RISING)};
	score(it, 4, &prof, &p);
	size_t out[4];
	size_t got = rank_page(it, 4, &p, 4, 7, out);
	assert_int_equal(got, 1);
	assert_int_equal(out[0], 1);
	assert_false(in_page(out, got, 0) || in_page(out, got, 2) || in_page(out, got, 3));
}

static void author_never_fills_a_page(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0;
	struct rank_item it[14];
	for (int i = 0; i < 10; i++) /* author 10 has the top ten */
		it[i] = item(100 + i, 10, 0, 1000 + i, SRC_FOLLOWED_AUTHOR);
	for (int i = 10; i < 14; i++)
		it[i] = item(100 + i, 20 + i, 30, 1, 0);
	score(it, 14, NULL, &p);
	size_t out[6];
	size_t got = rank_page(it, 14, &p, 6, 1, out);
	assert_int_equal(got, 6);
	int by10 = 0;
	for (size_t i = 0; i < got; i++)
		by10 += it[out[i]].author_id == 10;
	assert_int_equal(by10, 2);
	assert_int_equal(out[0], 9); /* best first */
	assert_int_equal(out[1], 8);
	/* With only author 10 left, the page is short rather than over the cap. */
	assert_int_equal(rank_page(it, 10, &p, 6, 1, out), 2);
	/* max_per_author <= 0: no cap. */
	p.max_per_author = 0;
	assert_int_equal(rank_page(it, 10, &p, 6, 1, out), 6);
}

static void ties_break_by_post_id_descending(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0;
	struct rank_item it[3] = {item(5, 1, 2, 4, 0), item(9, 2, 2, 4, 0), item(7, 3, 2, 4, 0)};
	score(it, 3, NULL, &p);
	size_t out[3];
	assert_int_equal(rank_page(it, 3, &p, 3, 0, out), 3);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 0);
}

static void fewer_items_than_a_page(void **state)
{
	struct rank_params p = defaults();
	struct rank_item it[3] = {item(1, 1, 9, 1, 0), item(2, 2, 1, 50, 0), item(3, 3, 4, 5, 0)};
	score(it, 3, NULL, &p);
	size_t out[10];
	assert_int_equal(rank_page(it, 3, &p, 10, 0, out), 3);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 0);
}

static void empty_input(void **state)
{
	struct rank_params p = defaults();
	size_t out[4] = {77, 77, 77, 77};
	struct rank_item it[1] = {item(1, 1, 1, 1, 0)};
	rank_score(NULL, 0, NULL, &p, NOW);
	rank_score(it, 0, NULL, &p, NOW);
	assert_int_equal(rank_page(it, 0, &p, 4, 0, out), 0);
	assert_int_equal(rank_page(NULL, 5, &p, 4, 0, out), 0);
	score(it, 1, NULL, &p);
	assert_int_equal(rank_page(it, 1, &p, 0, 0, out), 0);
	assert_int_equal(out[0], 77);
	/* A NaN score (not from rank_score) is treated as excluded. */
	it[0].score = NAN;
	assert_int_equal(rank_page(it, 1, &p, 4, 0, out), 0);
}

static void reason_follows_priority(void **state)
{
	struct rank_params p = defaults();
	static const struct {
		unsigned sources, reason;
	} cases[] = {
	    {SRC_FOLLOWED_AUTHOR | SRC_REMIX_OF_LIKED | SRC_FOLLOWED_TAG | SRC_RISING | SRC_EXPLORE,
	     SRC_FOLLOWED_AUTHOR},
	    {SRC_REMIX_OF_LIKED | SRC_FOLLOWED_TAG | SRC_RISING, SRC_REMIX_OF_LIKED},
	    {SRC_FOLLOWED_TAG | SRC_RISING | SRC_EXPLORE, SRC_FOLLOWED_TAG},
	    {SRC_RISING | SRC_EXPLORE, SRC_RISING},
	    {SRC_EXPLORE, SRC_EXPLORE},
	    {0, SRC_EXPLORE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rank_item it = item(1, 2, 3, 4, cases[i].sources);
		score(&it, 1, NULL, &p);
		assert_int_equal(it.reason, cases[i].reason);
	}
}

static void reason_text_variants(void **state)
{
	char buf[64];
	struct rank_item it = item(1, 2, 3, 4, 0);
	struct {
		unsigned reason;
		const char *tag, *author, *want;
	} cases[] = {
	    {SRC_FOLLOWED_AUTHOR, "x", "mira", "because you follow @mira"},
	    {SRC_FOLLOWED_AUTHOR, NULL, NULL, "from someone you follow"},
	    {SRC_FOLLOWED_AUTHOR, NULL, "", "from someone you follow"},
	    {SRC_FOLLOWED_TAG, "sunset", "mira", "because you follow #sunset"},
	    {SRC_FOLLOWED_TAG, NULL, NULL, "because you follow one of its tags"},
	    {SRC_REMIX_OF_LIKED, NULL, "mira", "a remix of a post you liked"},
	    {SRC_RISING, NULL, NULL, "rising on imagier"},
	    {SRC_EXPLORE, "t", "a", "something new for you"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it.reason = cases[i].reason;
		rank_reason_text(&it, cases[i].tag, cases[i].author, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
	/* Unscored item: the reason comes from its sources. */
	it.reason = 0;
	it.sources = SRC_RISING | SRC_FOLLOWED_TAG;
	rank_reason_text(&it, "cats", NULL, buf, sizeof(buf));
	assert_string_equal(buf, "because you follow #cats");
	/* Truncated, always terminated; NULL item and empty buffer are fine. */
	char small[8];
	memset(small, 'z', sizeof(small));
	it.reason = SRC_RISING;
	rank_reason_text(&it, NULL, NULL, small, sizeof(small));
	assert_string_equal(small, "rising ");
	rank_reason_text(NULL, NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "something new for you");
	rank_reason_text(&it, NULL, NULL, small, 0);
	rank_reason_text(&it, NULL, NULL, NULL, 10);
}

/* 16 ranked posts (high scores) and 10 explore-only posts (low scores). */
static size_t explore_pool(struct rank_item *it)
{
	size_t n = 0;
	for (int i = 0; i < 16; i++)
		it[n++] = item(100 + i, 100 + i, 1, 500 + 10 * i, SRC_FOLLOWED_AUTHOR);
	for (int i = 0; i < 10; i++)
		it[n++] = item(200 + i, 200 + i, 200, 0, SRC_EXPLORE);
	return n;
}

static size_t count_explore(const struct rank_item *it, const size_t *out, size_t got)
{
	size_t c = 0;
	for (size_t i = 0; i < got; i++)
		c += (it[out[i]].sources & SRC_EXPLORE) != 0;
	return c;
}

static void explore_takes_its_share(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0.25;
	struct rank_item it[32];
	size_t n = explore_pool(it), out[8];
	score(it, n, NULL, &p);
	for (uint64_t seed = 0; seed < 50; seed++) {
		size_t got = rank_page(it, n, &p, 8, seed, out);
		assert_int_equal(got, 8);
		assert_int_equal(count_explore(it, out, got), 2);
		/* Spread over the page: positions 2 and 5 of 0..7. */
		assert_true(it[out[2]].sources & SRC_EXPLORE);
		assert_true(it[out[5]].sources & SRC_EXPLORE);
		/* The ranked ones keep their order: best first. */
		assert_int_equal(it[out[0]].post_id, 115);
		assert_int_equal(it[out[1]].post_id, 114);
		assert_int_equal(it[out[3]].post_id, 113);
	}
}

static void explore_is_deterministic_per_seed(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0.25;
	struct rank_item it[32];
	size_t n = explore_pool(it), a[8], b[8];
	score(it, n, NULL, &p);
	int differs = 0;
	for (uint64_t seed = 1; seed < 20; seed++) {
		assert_int_equal(rank_page(it, n, &p, 8, seed, a), 8);
		assert_int_equal(rank_page(it, n, &p, 8, seed, b), 8);
		assert_memory_equal(a, b, sizeof(a));
		assert_int_equal(rank_page(it, n, &p, 8, seed + 1000, b), 8);
		differs += memcmp(a, b, sizeof(a)) != 0;
	}
	assert_true(differs > 0);
}

static void explore_pick_ignores_load_order(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0.25;
	struct rank_item it[32], rev[32];
	size_t n = explore_pool(it), a[8], b[8];
	for (size_t i = 0; i < n; i++)
		rev[i] = it[n - 1 - i];
	score(it, n, NULL, &p);
	score(rev, n, NULL, &p);
	assert_int_equal(rank_page(it, n, &p, 8, 99, a), 8);
	assert_int_equal(rank_page(rev, n, &p, 8, 99, b), 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(it[a[i]].post_id, rev[b[i]].post_id);
}

static void explore_shortfall_is_filled_by_ranked(void **state)
{
	struct rank_params p = defaults();
	p.explore_share = 0.25;
	struct rank_item it[32];
	size_t n = explore_pool(it), out[8];
	n -= 9; /* one explore item left */
	score(it, n, NULL, &p);
	size_t got = rank_page(it, n, &p, 8, 5, out);
	assert_int_equal(got, 8);
	assert_int_equal(count_explore(it, out, got), 1);
	assert_int_equal(it[out[0]].post_id, 115);
	/* 1 explore of 8: in the middle (position 4), not at the end. */
	assert_int_equal(it[out[4]].post_id, 200);
	/* A tiny pool: the page is short, the explore item is still in it. */
	struct rank_item small[2] = {item(1, 1, 1, 9, SRC_RISING), item(2, 2, 300, 0, SRC_EXPLORE)};
	score(small, 2, NULL, &p);
	assert_int_equal(rank_page(small, 2, &p, 8, 5, out), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fresh_beats_old),
	    cmocka_unit_test(more_likes_beat_fewer),
	    cmocka_unit_test(decay_halves_engagement_per_half_life),
	    cmocka_unit_test(freshness_bonus_fades_linearly),
	    cmocka_unit_test(zero_counts_and_future_posts_are_safe),
	    cmocka_unit_test(bad_params_are_clamped),
	    cmocka_unit_test(author_affinity_lifts),
	    cmocka_unit_test(tag_affinity_lifts_by_best_tag),
	    cmocka_unit_test(source_bonus_is_the_largest_not_the_sum),
	    cmocka_unit_test(show_less_author_moves_post_down),
	    cmocka_unit_test(show_less_tag_uses_the_worst_tag),
	    cmocka_unit_test(hidden_author_stays_hidden),
	    cmocka_unit_test(own_posts_never_appear),
	    cmocka_unit_test(seen_posts_never_appear),
	    cmocka_unit_test(author_never_fills_a_page),
	    cmocka_unit_test(ties_break_by_post_id_descending),
	    cmocka_unit_test(fewer_items_than_a_page),
	    cmocka_unit_test(empty_input),
	    cmocka_unit_test(reason_follows_priority),
	    cmocka_unit_test(reason_text_variants),
	    cmocka_unit_test(explore_takes_its_share),
	    cmocka_unit_test(explore_is_deterministic_per_seed),
	    cmocka_unit_test(explore_pick_ignores_load_order),
	    cmocka_unit_test(explore_shortfall_is_filled_by_ranked),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
