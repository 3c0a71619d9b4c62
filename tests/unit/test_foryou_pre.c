/* test_foryou_pre.c - the bytes of a precomputed "for you" row
 * (lib/foryou_pre.c) round-trip, and bytes that are not a row are refused
 * (so the row is built again); a page's pool (lib/foryou.c) keeps every
 * candidate but draws its exploration picks from the stored sample by the
 * visit's seed and page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "foryou.h"
#include "foryou_pre.h"
#include "foryou_store.h"
#include "rank.h"

static struct rank_item item(int64_t id, unsigned sources)
{
	struct rank_item it;
	memset(&it, 0, sizeof(it));
	it.post_id = id;
	it.author_id = 1000 + id % 7;
	it.created_at = 1700000000 + id;
	it.like_count = (uint32_t)id * 3;
	it.comment_count = 2;
	it.remix_count = 1;
	it.sources = sources;
	return it;
}

static void a_row_round_trips(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct rank_item items[3] = {item(10, SRC_FOLLOWED_AUTHOR), item(11, SRC_FOLLOWED_TAG),
				     item(12, SRC_RISING | SRC_EXPLORE)};
	items[1].reason_tag_id = 77;
	items[1].ntags = RANK_MAX_TAGS;
	for (int k = 0; k < RANK_MAX_TAGS; k++)
		items[1].tag_ids[k] = 70 + k;
	items[2].reason_parent_id = -1; /* any 64-bit value survives */
	const char *names[3] = {"ann", "sunset", NULL};
	struct rank_weight aa[2] = {{5, 1.0}, {9, 0.25}}, ta[1] = {{70, 0.5}};
	struct fy_set set = {items, names, 3, aa, ta, 2, 1}, back;
	struct buf b = {0};
	foryou_pre_encode(&set, &b);
	assert_int_equal(foryou_pre_decode(&a, b.data, b.len, &back), 0);
	assert_int_equal(back.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(back.items[i].post_id, items[i].post_id);
		assert_int_equal(back.items[i].author_id, items[i].author_id);
		assert_int_equal(back.items[i].created_at, items[i].created_at);
		assert_int_equal(back.items[i].like_count, items[i].like_count);
		assert_int_equal(back.items[i].sources, items[i].sources);
		assert_int_equal(back.items[i].ntags, items[i].ntags);
		assert_int_equal(back.items[i].reason_tag_id, items[i].reason_tag_id);
		assert_int_equal(back.items[i].reason_parent_id, items[i].reason_parent_id);
	}
	assert_memory_equal(back.items[1].tag_ids, items[1].tag_ids, sizeof(items[1].tag_ids));
	assert_string_equal(back.names[0], "ann");
	assert_string_equal(back.names[1], "sunset");
	assert_null(back.names[2]);
	assert_int_equal(back.nauthor_aff, 2);
	assert_int_equal(back.author_aff[1].id, 9);
	assert_true(back.author_aff[1].w > 0.2499 && back.author_aff[1].w < 0.2501);
	assert_int_equal(back.ntag_aff, 1);
	assert_true(back.tag_aff[0].w > 0.4999 && back.tag_aff[0].w < 0.5001);

	/* Not a row: empty, another magic, cut short, a byte too many. */
	assert_int_equal(foryou_pre_decode(&a, "", 0, &back), -1);
	assert_int_equal(foryou_pre_decode(&a, NULL, 0, &back), -1);
	char *bad = arena_alloc(&a, b.len + 1);
	memcpy(bad, b.data, b.len);
	bad[0] = 'X';
	assert_int_equal(foryou_pre_decode(&a, bad, b.len, &back), -1);
	bad[0] = b.data[0];
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(foryou_pre_decode(&a, bad, cut, &back), -1);
	bad[b.len] = 0;
	assert_int_equal(foryou_pre_decode(&a, bad, b.len + 1, &back), -1);
	/* A count the bytes cannot hold. */
	bad[4] = (char)0xff;
	bad[5] = (char)0xff;
	assert_int_equal(foryou_pre_decode(&a, bad, b.len, &back), -1);

	/* An empty set is a row too (a person with nothing yet). */
	struct fy_set none;
	memset(&none, 0, sizeof(none));
	buf_reset(&b);
	foryou_pre_encode(&none, &b);
	assert_int_equal(foryou_pre_decode(&a, b.data, b.len, &back), 0);
	assert_int_equal(back.n, 0);
	buf_free(&b);
	arena_free(&a);
}

static void a_page_draws_its_exploration_picks(void **state)
{
	(void)state;
	enum { NE = 200, NF = 5 };
	struct rank_item items[NE + NF];
	const char *names[NE + NF];
	for (int i = 0; i < NF; i++) {
		items[i] = item(i + 1, SRC_FOLLOWED_AUTHOR | (i == 0 ? SRC_EXPLORE : 0));
		names[i] = "ann";
	}
	for (int i = NF; i < NE + NF; i++) {
		items[i] = item(1000 + i, SRC_EXPLORE);
		names[i] = NULL;
	}
	struct fy_set set = {items, names, NE + NF, NULL, NULL, 0, 0};
	struct rank_item out[NE + NF], out2[NE + NF], out3[NE + NF];
	const char *on[NE + NF];
	static unsigned char scratch[(NE + NF) * 17];
	size_t n = foryou_page_pool(&set, 42, out, on, scratch);
	/* the followed ones stay (whether or not the one also explored was
	 * drawn), and FY_EXPLORE_PAGE explore picks of the rest */
	size_t nexp = 0, nfol = 0;
	for (size_t i = 0; i < n; i++) {
		nexp += (out[i].sources & SRC_EXPLORE) != 0;
		if (out[i].sources & SRC_FOLLOWED_AUTHOR) {
			nfol++;
			assert_string_equal(on[i], "ann");
		}
	}
	assert_int_equal(nfol, NF);
	assert_int_equal(nexp, FY_EXPLORE_PAGE);
	assert_true(n >= FY_EXPLORE_PAGE - 1 + NF && n <= FY_EXPLORE_PAGE + NF);
	/* the same draw: the same pool; another draw (the next page): others */
	assert_int_equal(foryou_page_pool(&set, 42, out2, on, scratch), n);
	assert_memory_equal(out, out2, n * sizeof(*out));
	size_t n3 = foryou_page_pool(&set, 43, out3, on, scratch);
	int same = n3 == n;
	for (size_t i = 0; same && i < n; i++)
		same = out3[i].post_id == out[i].post_id;
	assert_false(same);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_row_round_trips),
	    cmocka_unit_test(a_page_draws_its_exploration_picks),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
