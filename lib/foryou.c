/* foryou.c - one page of the "for you" feed: the candidates and tastes of
 * foryou_store.c, scored and chosen by lib/rank.c (docs/RANKING.md), with a
 * reason each; cached for two minutes under the person's version. The
 * candidates come gathered ahead of time (foryou_pre.c). */
#include "foryou.h"
#include "cachekey.h"
#include "cache.h"
#include "feed.h"
#include "foryou_pre.h"
#include "foryou_store.h"
#include "post.h"
#include "rank.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define FY_CACHE_TTL 120

uint64_t foryou_seed(int64_t user_id, int64_t now)
{
	return (uint64_t)(now / 600) * 1000003u ^ (uint64_t)user_id;
}

/* ids minus drop (both sorted); returns ids, compacted in place. */
static const int64_t *remove_ids(const int64_t *ids, size_t *n, const int64_t *drop, size_t ndrop)
{
	int64_t *out = (int64_t *)ids;
	size_t k = 0, j = 0;
	for (size_t i = 0; i < *n; i++) {
		while (j < ndrop && drop[j] < ids[i])
			j++;
		if (j < ndrop && drop[j] == ids[i])
			continue;
		out[k++] = ids[i];
	}
	*n = k;
	return out;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct keyed {
	uint64_t key;
	size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
	uint64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
	return x < y ? -1 : x > y;
}

size_t foryou_page_pool(const struct fy_set *set, uint64_t draw, struct rank_item *items,
			const char **names, void *scratch)
{
	/* The exploration picks of this page: FY_EXPLORE_PAGE of the row's
	 * sample, by a pseudo-random order of draw (the visit's seed and the
	 * page), so each page explores other posts, and a reload the same. */
	struct keyed *k = scratch;
	size_t nk = 0, n = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->items[i].sources & SRC_EXPLORE)
			k[nk++] =
			    (struct keyed){mix64(draw ^ mix64((uint64_t)set->items[i].post_id)), i};
	qsort(k, nk, sizeof(*k), cmp_keyed);
	unsigned char *picked = (unsigned char *)(k + nk);
	memset(picked, 0, set->n);
	for (size_t j = 0; j < nk && j < FY_EXPLORE_PAGE; j++)
		picked[k[j].i] = 1;
	for (size_t i = 0; i < set->n; i++) {
		struct rank_item it = set->items[i];
		if (!picked[i])
			it.sources &= ~(unsigned)SRC_EXPLORE;
		if (!it.sources)
			continue;
		names[n] = set->names ? set->names[i] : NULL;
		items[n++] = it;
	}
	return n;
}

/* Build page `page` of the visit `seed` (and remember it as shown): the
 * person's precomputed candidates and affinities (one key read), what must
 * be fresh (muted, show less, seen: key reads), ranked. */
static int build_page(struct db *db, struct arena *a, const struct config *cfg, int64_t uid,
		      uint64_t seed, long long page, struct feed_page *pg)
{
	struct fy_set set;
	struct rank_profile prof;
	int64_t *visit;
	size_t nvisit;
	memset(&prof, 0, sizeof(prof));
	if (foryou_pre_load(db, a, uid, &set) ||
	    foryou_tastes(db, a, uid, seed, &prof, &visit, &nvisit))
		return -1;
	prof.author_affinity = set.author_aff;
	prof.nauthor_affinity = set.nauthor_aff;
	prof.tag_affinity = set.tag_aff;
	prof.ntag_affinity = set.ntag_aff;
	struct fy_pool p = {arena_alloc(a, (set.n + 1) * sizeof(struct rank_item)), 0, set.n};
	const char **names = arena_alloc(a, (set.n + 1) * sizeof(*names));
	void *scratch = arena_alloc(a, (set.n + 1) * (sizeof(struct keyed) + 1));
	p.n = foryou_page_pool(&set, seed + (uint64_t)page, p.items, names, scratch);
	if (page == 0) {
		/* A first page starts the visit over (a reload once its cache
		 * expired): it may show again what this visit showed; the pages
		 * after it never repeat it. */
		prof.seen = remove_ids(prof.seen, &prof.nseen, visit, nvisit);
	}
	struct rank_params rp;
	rank_params_default(&rp);
	rank_params_from_config(cfg, &rp);
	rank_score(p.items, p.n, &prof, &rp, now_unix());
	size_t *idx = arena_alloc(a, (FEED_PAGE + 1) * sizeof(*idx));
	size_t n = rank_page(p.items, p.n, &rp, FEED_PAGE, seed + (uint64_t)page, idx);
	if (n < FEED_PAGE && prof.nseen > (page ? nvisit : 0)) {
		/* Everything fresh was shown already: rather than a short page,
		 * allow what earlier visits showed, never what this visit's
		 * earlier pages did (scrolling on never repeats). */
		prof.seen = page ? visit : NULL;
		prof.nseen = page ? nvisit : 0;
		rank_score(p.items, p.n, &prof, &rp, now_unix());
		n = rank_page(p.items, p.n, &rp, FEED_PAGE, seed + (uint64_t)page, idx);
	}
	pg->items = arena_zalloc(a, (n + 1) * sizeof(*pg->items));
	pg->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct rank_item *it = &p.items[idx[i]];
		char why[160];
		const char *name = names[idx[i]];
		rank_reason_text(it, it->reason == SRC_FOLLOWED_TAG ? name : NULL,
				 it->reason == SRC_FOLLOWED_AUTHOR ? name : NULL, why, sizeof(why));
		pg->items[i].id = it->post_id;
		pg->items[i].reason = arena_strdup(a, why);
	}
	foryou_remember(db, a, uid, seed, pg);
	return 0;
}

int foryou_ids(struct db *db, struct cache *cache, struct arena *a, const struct config *cfg,
	       int64_t user_id, uint64_t seed, long long page, struct feed_page *pg)
{
	uint64_t ver = cache_version(cache, cachekey_foryou_version(a, user_id));
	char *key = NULL, *stamp = NULL;
	if (ver && page == 0) { /* under the person's one key, like /following's */
		key = cachekey_first_ids(a, "foryou", user_id);
		stamp =
		    arena_printf(a, "%llu:%llu", (unsigned long long)ver, (unsigned long long)seed);
	} else if (ver) {
		key = arena_printf(a, "imagier:fy:%lld:%llu:%llu:%lld", (long long)user_id,
				   (unsigned long long)ver, (unsigned long long)seed, page);
	}
	if (key && feed_page_get(cache, a, key, stamp, pg) == 0)
		return 0;
	if (build_page(db, a, cfg, user_id, seed, page, pg))
		return -1;
	if (key && pg->n)
		feed_page_put(cache, key, stamp, FY_CACHE_TTL, pg);
	return 0;
}
