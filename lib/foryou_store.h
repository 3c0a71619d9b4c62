/* foryou_store.h - what the "for you" feed reads and writes (foryou.c's
 * and foryou_pre.c's side of foryou_store.c): candidates, tastes, names and
 * impressions. */
#ifndef IMAGIER_FORYOU_STORE_H
#define IMAGIER_FORYOU_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cache;
struct db;
struct feed_page;
struct rank_item;
struct rank_profile;

/* The most candidates one person's row holds: 300 by people followed, 200
 * with tags followed, 100 remixes of liked posts, 150 rising and
 * FY_EXPLORE_KEEP for exploration (docs/RANKING.md section 7). */
#define FY_MAX_CANDIDATES 1100
#define FY_EXPLORE_GLOBAL 1000 /* the shared exploration pool */
#define FY_EXPLORE_KEEP	  240  /* of which one person's row keeps */
#define FY_EXPLORE_PAGE	  60   /* of which one page draws */

/* A pool of candidates: items has room for cap, each post once, with the
 * sources that brought it in and its tags. */
struct fy_pool {
	struct rank_item *items;
	size_t n, cap;
};

/* What a person's precomputed row holds: their candidates (with, for each,
 * the name its reason may mention: the author's for a followed author, the
 * tag's for a followed tag, else NULL) and their affinities from their last
 * likes (sorted by id, 0..1). */
struct fy_set {
	struct rank_item *items;
	const char **names;
	size_t n;
	struct rank_weight *author_aff, *tag_aff;
	size_t nauthor_aff, ntag_aff;
};

/* What is the same for everybody: the rising posts and the exploration
 * pool, with their tags, added to p. 0 or -1. */
int foryou_gather_global(struct db *db, struct arena *a, struct fy_pool *p);
/* user_id's own candidates (people and tags followed, remixes of posts
 * liked), with their tags, added to p. 0 or -1. */
int foryou_gather_personal(struct db *db, struct arena *a, int64_t user_id, struct fy_pool *p);
/* it into p: its sources OR-ed into the same post if there, else appended
 * (while there is room). */
void foryou_pool_merge(struct fy_pool *p, const struct rank_item *it);
/* The tags of p's items from index `from` on. 0 or -1. */
int foryou_fill_tags(struct db *db, struct arena *a, struct fy_pool *p, size_t from);
/* The affinities of user_id from their last 500 likes into set. 0 or -1. */
int foryou_affinities(struct db *db, struct arena *a, int64_t user_id, struct fy_set *set);
/* The names set's reasons mention into set->names. 0 or -1. */
int foryou_names(struct db *db, struct arena *a, struct fy_set *set);

/* What must be fresh on every page, by key: muted people, "show less"
 * weights, and what user_id was shown (sorted, each once): in the last two
 * days and, whenever it was (up to a week), by the visit `seed`, which also
 * goes apart into *visit_seen (sorted). Sets those fields of prof (and
 * self_id) only. 0 or -1. */
int foryou_tastes(struct db *db, struct arena *a, int64_t user_id, uint64_t seed,
		  struct rank_profile *prof, int64_t **visit_seen, size_t *nvisit);

/* Remember the page as shown to user_id in the visit seed (best effort). */
void foryou_remember(struct db *db, struct arena *a, int64_t user_id, uint64_t seed,
		     const struct feed_page *pg);

#endif
