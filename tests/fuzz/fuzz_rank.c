/* fuzz_rank.c - libFuzzer target for the "for you" ranking: random candidates and tastes,
 * then the invariants of rank_score and rank_page. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"

#define MAX_ITEMS 300
#define MAX_LIST  32
#define MAX_PAGE  80
#define NOW	  1700000000LL

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t u64(struct reader *r, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | u8(r);
	return v;
}

/* Any double, NaN and infinities included (raw bits). */
static double any_double(struct reader *r)
{
	uint64_t bits = u64(r, 8);
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_weight(const void *a, const void *b)
{
	return cmp_i64(&((const struct rank_weight *)a)->id, &((const struct rank_weight *)b)->id);
}

/* A sorted list of up to MAX_LIST small ids. */
static size_t id_list(struct reader *r, int64_t *ids, int range)
{
	size_t n = u8(r) % (MAX_LIST + 1);
	for (size_t i = 0; i < n; i++)
		ids[i] = u8(r) % range;
	qsort(ids, n, sizeof(*ids), cmp_i64);
	return n;
}

/* A sorted weight list; weights sometimes out of [0, 1] or NaN. */
static size_t weight_list(struct reader *r, struct rank_weight *ws, int range)
{
	size_t n = u8(r) % (MAX_LIST + 1);
	for (size_t i = 0; i < n; i++) {
		ws[i].id = u8(r) % range;
		uint8_t w = u8(r);
		ws[i].w = w == 255 ? NAN : w == 254 ? -1.0 : w == 253 ? 7.0 : w / 252.0;
	}
	qsort(ws, n, sizeof(*ws), cmp_weight);
	return n;
}

static void read_params(struct reader *r, struct rank_params *p)
{
	rank_params_default(p);
	uint8_t mode = u8(r);
	if (mode & 1) { /* hostile numbers */
		p->w_like = any_double(r);
		p->half_life_hours = any_double(r);
		p->w_followed_author = any_double(r);
		p->fresh_hours = any_double(r);
		p->less_penalty = any_double(r);
		p->explore_share = any_double(r);
	} else {
		p->explore_share = u8(r) / 255.0;
		p->less_penalty = u8(r) / 255.0;
	}
	p->max_per_author = (int)(u8(r) % 6) - 1;
}

static void read_item(struct reader *r, struct rank_item *it)
{
	memset(it, 0, sizeof(*it));
	it->post_id = u8(r) % 128; /* duplicates happen */
	it->author_id = u8(r) % 24;
	int16_t age = (int16_t)u64(r, 2); /* negative: in the future */
	it->created_at = NOW - (int64_t)age * 600;
	uint8_t big = u8(r);
	it->like_count = big == 255 ? UINT32_MAX : (uint32_t)u64(r, 2);
	it->comment_count = u8(r);
	it->remix_count = u8(r);
	it->sources = u8(r) & 0x3f; /* one unknown bit too */
	it->ntags = (int)(u8(r) % 14) - 2;
	for (int t = 0; t < RANK_MAX_TAGS; t++)
		it->tag_ids[t] = u8(r) % 40;
	it->score = 12345.0; /* must be overwritten */
}

static int in_ids(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static int is_single_known_source(unsigned r)
{
	return r == SRC_FOLLOWED_AUTHOR || r == SRC_FOLLOWED_TAG || r == SRC_REMIX_OF_LIKED ||
	       r == SRC_RISING || r == SRC_EXPLORE;
}

static size_t author_count(const struct rank_item *items, const size_t *out, size_t got,
			   int64_t author)
{
	size_t c = 0;
	for (size_t i = 0; i < got; i++)
		c += items[out[i]].author_id == author;
	return c;
}

static void check_page(const struct rank_item *items, size_t n, const struct rank_params *p,
		       size_t page, uint64_t seed)
{
	size_t out[MAX_PAGE + 1], again[MAX_PAGE + 1];
	out[page] = again[page] = (size_t)-1; /* guard */
	size_t got = rank_page(items, n, p, page, seed, out);
	if (got > page || got > n || out[page] != (size_t)-1)
		abort();
	unsigned char used[MAX_ITEMS] = {0};
	for (size_t i = 0; i < got; i++) {
		if (out[i] >= n || used[out[i]])
			abort();
		used[out[i]] = 1;
		if (!(items[out[i]].score > -INFINITY))
			abort();
	}
	int cap = p->max_per_author;
	for (size_t i = 0; cap > 0 && i < got; i++)
		if (author_count(items, out, got, items[out[i]].author_id) > (size_t)cap)
			abort();
	/* A short page means every eligible item left out is blocked by the cap. */
	for (size_t i = 0; got < page && i < n; i++) {
		if (used[i] || !(items[i].score > -INFINITY))
			continue;
		if (cap <= 0 || author_count(items, out, got, items[i].author_id) < (size_t)cap)
			abort();
	}
	if (rank_page(items, n, p, page, seed, again) != got ||
	    memcmp(out, again, got * sizeof(*out)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	struct rank_params p;
	read_params(&r, &p);
	size_t page = u8(&r) % (MAX_PAGE + 1);
	uint64_t seed = u64(&r, 8);

	int64_t hidden[MAX_LIST] = {0}, seen[MAX_LIST] = {0};
	struct rank_weight aa[MAX_LIST] = {0}, ta[MAX_LIST] = {0}, la[MAX_LIST] = {0},
			   lt[MAX_LIST] = {0};
	struct rank_profile prof = {0};
	prof.self_id = u8(&r) % 24;
	prof.nhidden_authors = id_list(&r, hidden, 24);
	prof.hidden_authors = hidden;
	prof.nseen = id_list(&r, seen, 128);
	prof.seen = seen;
	prof.nauthor_affinity = weight_list(&r, aa, 24);
	prof.author_affinity = aa;
	prof.ntag_affinity = weight_list(&r, ta, 40);
	prof.tag_affinity = ta;
	prof.nless_authors = weight_list(&r, la, 24);
	prof.less_authors = la;
	prof.nless_tags = weight_list(&r, lt, 40);
	prof.less_tags = lt;

	struct rank_item items[MAX_ITEMS];
	size_t n = 0;
	while (r.n > 0 && n < MAX_ITEMS)
		read_item(&r, &items[n++]);

	rank_score(items, n, &prof, &p, NOW);
	for (size_t i = 0; i < n; i++) {
		const struct rank_item *it = &items[i];
		int excl = (prof.self_id != 0 && it->author_id == prof.self_id) ||
			   in_ids(hidden, prof.nhidden_authors, it->author_id) ||
			   in_ids(seen, prof.nseen, it->post_id);
		if (excl != (isinf(it->score) && it->score < 0))
			abort();
		if (!excl && !(isfinite(it->score) && it->score >= 0))
			abort();
		if (!is_single_known_source(it->reason))
			abort();
		if (it->reason != SRC_EXPLORE && !(it->sources & it->reason))
			abort();
		char buf[24];
		rank_reason_text(it, (i & 1) ? "a-rather-long-tag-name" : NULL,
				 (i & 2) ? "someone" : "", buf, sizeof(buf));
		if (!memchr(buf, 0, sizeof(buf)) || !buf[0])
			abort();
	}
	check_page(items, n, &p, page, seed);
	/* Scores set by a caller, NaN included: NaN is never picked. */
	for (size_t i = 0; i < n; i++)
		if (items[i].tag_ids[0] == 13)
			items[i].score = NAN;
	check_page(items, n, &p, page, seed);
	return 0;
}
