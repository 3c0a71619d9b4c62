/* feed.h - which posts a feed shows, as ids (cheap to cache); hydration is
 * post_load_many(). Every function returns 0 or -1 (database). */
#ifndef IMAGIER_FEED_H
#define IMAGIER_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

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
/* Posts by people user_id follows and with tags they follow, newest first. */
int feed_ids_following(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		       struct feed_page *out);
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

#endif
