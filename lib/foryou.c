/* foryou.c - one page of the "for you" feed: the candidates and tastes of
 * foryou_store.c, scored and chosen by lib/rank.c (docs/RANKING.md), with a
 * reason each; cached for two minutes under the person's version. */
#include "foryou.h"
#include "cachekey.h"
#include "cache.h"
#include "feed.h"
#include "foryou_store.h"
#include "post.h"
#include "rank.h"
#include "util.h"

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

/* Build page `page` of the visit `seed` (and remember it as shown). */
static int build_page(struct db *db, struct cache *cache, struct arena *a, const struct config *cfg,
		      int64_t uid, uint64_t seed, long long page, struct feed_page *pg)
{
	struct fy_pool p = {arena_zalloc(a, FY_MAX_CANDIDATES * sizeof(struct rank_item)), 0};
	struct rank_profile prof;
	int64_t *visit;
	size_t nvisit;
	if (foryou_candidates(db, cache, a, uid, seed + (uint64_t)page, &p) ||
	    foryou_tastes(db, a, uid, seed, &prof, &visit, &nvisit))
		return -1;
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
		const char *tag = it->reason == SRC_FOLLOWED_TAG
				      ? foryou_tag_name(db, a, it->reason_tag_id)
				      : NULL;
		const char *author = it->reason == SRC_FOLLOWED_AUTHOR
					 ? foryou_user_name(db, a, it->author_id)
					 : NULL;
		rank_reason_text(it, tag, author, why, sizeof(why));
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
	char *key = ver ? arena_printf(a, "imagier:fy:%lld:%llu:%llu:%lld", (long long)user_id,
				       (unsigned long long)ver, (unsigned long long)seed, page)
			: NULL;
	if (key && feed_page_get(cache, a, key, pg) == 0)
		return 0;
	if (build_page(db, cache, a, cfg, user_id, seed, page, pg))
		return -1;
	if (key && pg->n)
		feed_page_put(cache, key, FY_CACHE_TTL, pg);
	return 0;
}
