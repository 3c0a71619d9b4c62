/* feed.h - which posts a feed shows, as ids (cheap to cache: feed.c), and
 * the memcached copies of those pages of ids and of the posts themselves
 * (feed_cache.c). Every function returns 0 or -1 (database) unless said
 * otherwise. */
#ifndef IMAGIER_FEED_H
#define IMAGIER_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cache;
struct cJSON;
struct db;

/* One feed entry: the post and why it is there. */
struct feed_entry {
	int64_t id;
	const char *reason; /* arena string, e.g. "because you follow #sunset" */
};

struct feed_page {
	struct feed_entry *items;
	size_t n;
	int64_t next_id;    /* keyset feeds: the cursor for the next page (0: none) */
	int64_t next_likes; /* top: the like count part of the cursor */
};

/* Newest first, id < before (0 = from the top). */
int feed_ids_latest(struct db *db, struct arena *a, int64_t before, int limit,
		    struct feed_page *out);
/* Posts by people user_id follows and with tags they follow, newest first:
 * the live query, a search through the followed people's and tags' posts
 * (the stored timelines of timeline.h answer the feed; this builds them and
 * covers what they do not hold). */
int feed_ids_following(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		       struct feed_page *out);
/* The same within ids [floor, before) (before 0: from the top), each reason
 * still after its sort digit ('1' people, '2' tags: the smaller wins). */
int feed_following_rows(struct db *db, struct arena *a, int64_t user_id, int64_t before,
			int64_t floor, int limit, struct feed_page *out);
/* Posts carrying tag_id / by author_id, newest first. */
int feed_ids_tag(struct db *db, struct arena *a, int64_t tag_id, const char *tag_name,
		 int64_t before, int limit, struct feed_page *out);
int feed_ids_user(struct db *db, struct arena *a, int64_t author_id, const char *author_name,
		  int64_t before, int limit, struct feed_page *out);
/* Most liked of the last window seconds (0 = all time): ordered by
 * (like_count, id) descending, after the cursor (after_likes, after_id);
 * after_id 0 = from the top. */
int feed_ids_top(struct db *db, struct arena *a, int64_t window, const char *window_name,
		 int64_t after_likes, int64_t after_id, int limit, struct feed_page *out);

/* ---- feed_cache.c ------------------------------------------------------- */

/* A post changed (its counts, its state) or went: its cached copy goes. */
void feed_post_forget(struct cache *cache, struct arena *a, int64_t post_id);
/* memcached's copy of post_id (for `imagier cache-post` and the tests):
 * 0 with *post the tree (the caller's) or NULL when the copy says the post
 * is not shown; -1 when there is no copy, or none a page could use. */
int feed_post_cached(struct cache *cache, struct arena *a, int64_t post_id, struct cJSON **post);

/* A page of ids and reasons from its cached JSON text under key: 0 on a
 * hit, -1 on a miss (or an unreadable copy). With a stamp (else NULL) the
 * text follows the line "STAMP\n" and is a hit only under that stamp: the
 * key of a person's first page (cachekey_first_ids) never changes, so the
 * request layer can fetch it with the session, and the versions it was
 * built under are in the value instead. */
int feed_page_get(struct cache *cache, struct arena *a, const char *key, const char *stamp,
		  struct feed_page *pg);
/* ... and stored for ttl seconds. */
void feed_page_put(struct cache *cache, const char *key, const char *stamp, int ttl,
		   const struct feed_page *pg);

/* One page (FEED_PAGE posts) of each feed, from memcached when there (the
 * keys carry the feed version, the person's follows version, or for top a
 * short lifetime), else from the queries above and then cached. */
int feed_page_latest(struct db *db, struct cache *cache, struct arena *a, int64_t before,
		     struct feed_page *pg);
int feed_page_following(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
			int64_t before, struct feed_page *pg);
int feed_page_tag(struct db *db, struct cache *cache, struct arena *a, int64_t tag_id,
		  const char *tag_name, int64_t before, struct feed_page *pg);
int feed_page_user(struct db *db, struct cache *cache, struct arena *a, int64_t author_id,
		   const char *author_name, int64_t before, struct feed_page *pg);
/* window_key "day", "week" or "all" names the cache key; see feed_top_window. */
int feed_page_top(struct db *db, struct cache *cache, struct arena *a, const char *window_key,
		  int64_t after_likes, int64_t after_id, struct feed_page *pg);
/* The window of ?window= ("day", "week", "all"): its seconds (0: all time)
 * and its words ("today", "this week", "of all time"). 0, or -1 for another. */
int feed_top_window(const char *window_key, int64_t *seconds, const char **words);
/* The newest limit posts of a person (user 1) or a tag (user 0), for their
 * Atom and RSS feeds; cached under the feed version. */
int feed_page_newest(struct db *db, struct cache *cache, struct arena *a, int user, int64_t id,
		     const char *name, int limit, struct feed_page *pg);

/* One more key a caller wants with the posts, in the same round trip:
 * key in (NULL: none), val and len out (val NULL on a miss). */
struct feed_also {
	const char *key;
	char *val;
	size_t len;
};
/* The posts of ids (a new cJSON object each, the caller's), from memcached
 * where present, else from one query (and then cached). posts[i] is NULL for
 * a post that is gone or not shown (moderation). also may be NULL. 0 or -1. */
int feed_hydrate(struct db *db, struct cache *cache, struct arena *a, const char *media_url,
		 const int64_t *ids, size_t n, struct cJSON **posts, struct feed_also *also);

#endif
