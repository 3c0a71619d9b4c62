/* timeline.h - the following feed precomputed on write (fan-out on write):
 * every person seen lately keeps a stored timeline in MariaDB (the ids of
 * the posts of the people and tags they follow, newest TIMELINE_CAP or so,
 * with the reason), filled by fan-out jobs that imagier-gen drains. Every
 * function returns 0 or -1 (database) unless said otherwise. */
#ifndef IMAGIER_TIMELINE_H
#define IMAGIER_TIMELINE_H

#include <stdint.h>

#include "arena.h"

struct db;
struct feed_page;

/* Posts a timeline keeps (older pages come from the live query). */
#define TIMELINE_CAP 400
/* A timeline nobody read for this long is no longer kept up (dropped; the
 * next read builds it again). */
#define TIMELINE_IDLE_SECS (14 * 86400)

/* A page of user_id's following feed (ids < before, 0: from the top): the
 * stored timeline, built from the live query first when there is none, plus
 * the posts whose fan-out has not run yet (the live query over ids from the
 * oldest pending fan-out up); a cursor below the stored part goes to the
 * live query. */
int timeline_ids(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		 struct feed_page *out);

/* Inside the transaction that writes a new post: queue its fan-out. */
int timeline_queue_post(struct db *db, struct arena *a, int64_t post_id);

/* Inside the transaction of a follow that changed: user_id now follows
 * (on) or no longer follows target_id / tag_id. A follow adds the recent
 * posts of the person or tag to a kept timeline; unfollowing a person takes
 * theirs out (keeping those that a followed tag still brings); unfollowing a
 * tag has the timeline built again on the next read. */
int timeline_follow_user(struct db *db, struct arena *a, int64_t user_id, int64_t target_id,
			 int on);
int timeline_follow_tag(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id, int on);

/* Drop user_id's stored timeline (the next read builds it again). */
int timeline_forget(struct db *db, struct arena *a, int64_t user_id);

/* imagier-gen: claim the oldest fan-out job that is free (or whose lease
 * ran out, or that worker held before it restarted) and run at most
 * max_batches batches of it, batch followers each, each its own
 * transaction fenced by the lease. Returns the batches done (0: no job
 * waits), -1 on a database error. */
int timeline_fanout_step(struct db *db, struct arena *a, const char *worker, int batch,
			 int lease_secs, int max_batches);

/* imagier-gen, now and then: drop the timelines of people not seen for
 * TIMELINE_IDLE_SECS, and trim up to `count` timelines (from user id
 * *trim_from on, which moves on; 0 when the round is over) to TIMELINE_CAP.
 * Returns how many timelines it dropped or trimmed, -1. */
int timeline_sweep(struct db *db, struct arena *a, int64_t *trim_from, int count);

#endif
