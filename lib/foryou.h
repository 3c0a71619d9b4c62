/* foryou.h - the "for you" feed: candidates (people and tags followed,
 * remixes of liked posts, rising, a little exploration) and the person's
 * tastes from foryou_store.c, ranked by lib/rank.c into pages that are
 * remembered as shown; and "show less like this". */
#ifndef IMAGIER_FORYOU_H
#define IMAGIER_FORYOU_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct db;
struct feed_page;
struct fy_set;
struct rank_item;

/* A visit's seed: the same for ten minutes, so reloading shows the same
 * page for a while, and different for every person. */
uint64_t foryou_seed(int64_t user_id, int64_t now);

/* Page `page` (0 = the first) of the visit `seed` of user_id: from
 * memcached when it was built within two minutes, else built (gathered,
 * ranked, its reasons named) and remembered as shown. 0 or -1 (database). */
int foryou_ids(struct db *db, struct cache *cache, struct arena *a, const struct config *cfg,
	       int64_t user_id, uint64_t seed, long long page, struct feed_page *pg);

/* The candidates of one page from a person's precomputed set: every
 * candidate, except that of the exploration sample only FY_EXPLORE_PAGE
 * picks (chosen by draw: the visit's seed plus the page) keep their
 * exploration source; a candidate left with no source is left out. Writes
 * items and names (room for set->n each); scratch has room for set->n *
 * (16 + 1) bytes. Returns how many. Pure. */
size_t foryou_page_pool(const struct fy_set *set, uint64_t draw, struct rank_item *items,
			const char **names, void *scratch);

/* The author of post_id, for "show less": 0 with *author, 404 (no such
 * post) or 503 (database). */
int foryou_post_author(struct db *db, struct arena *a, int64_t post_id, int64_t *author);
/* "Show less like this": the post's author and tags weigh less for user_id
 * from now on, and their cached pages go. 0 or 503 (not saved). */
int foryou_less(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		int64_t post_id, int64_t author);

#endif
