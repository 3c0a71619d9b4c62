/* foryou_store.h - what the "for you" feed reads and writes (foryou.c's
 * side of foryou_store.c): candidates, tastes, names and impressions. */
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

#define FY_MAX_CANDIDATES 800

/* The candidates of one page: up to FY_MAX_CANDIDATES posts, each with the
 * sources that brought it in and its tags. */
struct fy_pool {
	struct rank_item *items;
	size_t n;
};

/* Gather the candidates of user_id into p (items has room for
 * FY_MAX_CANDIDATES); seed picks the exploration sample. 0 or -1. */
int foryou_candidates(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		      uint64_t seed, struct fy_pool *p);

/* The tastes of user_id: affinities from their last likes, muted people,
 * "show less" weights, and what they were shown (sorted, each once): in the
 * last two days and, whenever it was (up to a week), by the visit `seed`,
 * which also goes apart into *visit_seen (sorted). 0 or -1. */
int foryou_tastes(struct db *db, struct arena *a, int64_t user_id, uint64_t seed,
		  struct rank_profile *prof, int64_t **visit_seen, size_t *nvisit);

/* The names reasons mention: a tag's and a person's (NULL for id 0, nobody
 * or a database failure). */
const char *foryou_tag_name(struct db *db, struct arena *a, int64_t tag_id);
const char *foryou_user_name(struct db *db, struct arena *a, int64_t user_id);

/* Remember the page as shown to user_id in the visit seed (best effort). */
void foryou_remember(struct db *db, struct arena *a, int64_t user_id, uint64_t seed,
		     const struct feed_page *pg);

#endif
