/* timeline.c - the following feed precomputed on write. See timeline.h and
 * "Following feed: timelines" in docs/ARCHITECTURE.md.
 *
 * Reasons are stored after their sort digit ('1' a person, '2' a tag), as
 * the live query makes them: when a post reaches a timeline twice the
 * smaller one stays (people before tags). */
#include "timeline.h"
#include "db.h"
#include "feed.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_BEST " ON DUPLICATE KEY UPDATE reason = LEAST(timelines.reason, VALUES(reason))"
/* The floor of user_id's kept timeline (NULL when none is kept: the SELECT
 * that uses it then adds nothing). */
#define FLOOR_OF   "(SELECT floor_id FROM timeline_state WHERE user_id = ?)"
#define SEEN_EVERY 3600 /* seen_at is written at most this often */

/* (Re)build user_id's timeline from the live query, in one transaction:
 * the state row is locked first, so a fan-out batch reaching this person
 * waits for the commit and then adds its post (the live query's snapshot
 * holds every post committed before; the fan-out of any later one finds the
 * row). *floor: the oldest id the timeline vouches for. */
static int rebuild(struct db *db, struct arena *a, int64_t user_id, int64_t *floor)
{
	struct feed_page pg;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, NULL,
		    "INSERT INTO timeline_state (user_id, ready, floor_id, seen_at) "
		    "VALUES (?, 0, 0, ?) ON DUPLICATE KEY UPDATE ready = 0, seen_at = "
		    "VALUES(seen_at)",
		    "ii", user_id, now_unix()) != DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM timelines WHERE user_id = ?", "i", user_id) !=
		DB_OK ||
	    feed_following_rows(db, a, user_id, 0, 0, TIMELINE_CAP, &pg))
		goto done;
	if (pg.n) {
		cJSON *rows = cJSON_CreateArray();
		for (size_t i = 0; i < pg.n; i++) {
			cJSON *e = cJSON_CreateArray();
			cJSON_AddItemToArray(e, cJSON_CreateNumber((double)pg.items[i].id));
			cJSON_AddItemToArray(e, cJSON_CreateString(pg.items[i].reason));
			cJSON_AddItemToArray(rows, e);
		}
		char *text = json_print(rows);
		cJSON_Delete(rows);
		int rc =
		    text ? db_exec(db, a, NULL,
				   "INSERT INTO timelines (user_id, post_id, reason) "
				   "SELECT ?, j.id, j.reason FROM JSON_TABLE(?, '$[*]' COLUMNS ("
				   "id BIGINT UNSIGNED PATH '$[0]', reason VARCHAR(160) "
				   "CHARACTER SET utf8mb4 PATH '$[1]')) j" KEEP_BEST,
				   "is", user_id, text)
			 : DB_ERR;
		free(text);
		if (rc != DB_OK)
			goto done;
	}
	/* The page ends with more to come: older posts are the live query's. */
	*floor = pg.next_id;
	if (db_exec(db, a, NULL,
		    "UPDATE timeline_state SET ready = 1, floor_id = ? WHERE user_id = ?", "ii",
		    *floor, user_id) != DB_OK)
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : -1;
}

/* Merge two lists of rows (newest first, reasons with their digit) into
 * out: one entry per post with the better reason, at most limit, with the
 * cursor when more remain (y_more: y stopped at limit with more behind). */
static void merge(struct arena *a, const struct feed_page *x, const struct feed_page *y, int y_more,
		  int limit, struct feed_page *out)
{
	size_t cap = x->n + y->n + 2, n = 0, i = 0, j = 0;
	struct feed_entry *all = arena_zalloc(a, cap * sizeof(*all));
	while (i < x->n || j < y->n) {
		struct feed_entry e;
		if (j >= y->n || (i < x->n && x->items[i].id > y->items[j].id))
			e = x->items[i++];
		else if (i >= x->n || y->items[j].id > x->items[i].id)
			e = y->items[j++];
		else { /* in both */
			e = strcmp(x->items[i].reason, y->items[j].reason) <= 0 ? x->items[i]
										: y->items[j];
			i++;
			j++;
		}
		all[n++] = e;
	}
	out->items = all;
	out->n = n > (size_t)limit ? (size_t)limit : n;
	int more = n > (size_t)limit || (y_more && n >= (size_t)limit);
	out->next_id = more && out->n ? all[out->n - 1].id : 0;
	out->next_likes = 0;
}

int timeline_ids(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		 struct feed_page *out)
{
	struct db_res r;
	/* The oldest post whose fan-out is not done yet: every post below it
	 * is in the timelines (the job row is written with the post, and goes
	 * with its last batch). */
	if (db_read(db, a, &r,
		    "SELECT (SELECT IFNULL(MIN(post_id), 0) FROM fanout_jobs), IFNULL(s.ready, 0), "
		    "IFNULL(s.floor_id, 0), IFNULL(s.seen_at, 0) FROM (SELECT 1) d "
		    "LEFT JOIN timeline_state s ON s.user_id = ?",
		    "i", user_id) != DB_OK)
		return -1;
	int64_t pending = db_int(&r, 0, 0), floor = db_int(&r, 0, 2), now = now_unix();
	if (!db_int(&r, 0, 1)) {
		if (rebuild(db, a, user_id, &floor))
			return feed_ids_following(db, a, user_id, before, limit, out);
	} else if (db_int(&r, 0, 3) < now - SEEN_EVERY) {
		/* Still someone to keep a timeline for; a failure only makes
		 * it look idle sooner. */
		db_exec(db, a, NULL, "UPDATE timeline_state SET seen_at = ? WHERE user_id = ?",
			"ii", now, user_id);
	}
	int64_t top = before > 0 ? before : INT64_MAX;
	if (top <= floor) /* deeper than the timeline keeps */
		return feed_ids_following(db, a, user_id, before, limit, out);
	if (db_read(db, a, &r,
		    "SELECT post_id, reason FROM timelines WHERE user_id = ? AND post_id < ? AND "
		    "post_id >= ? ORDER BY post_id DESC LIMIT ?",
		    "iiii", user_id, top, floor, (int64_t)limit + 1) != DB_OK)
		return -1;
	if (r.nrows <= (size_t)limit && floor > 0) /* the page reaches below the floor */
		return feed_ids_following(db, a, user_id, before, limit, out);
	struct feed_page kept = {0}, fresh = {0};
	kept.items = arena_zalloc(a, (r.nrows + 1) * sizeof(*kept.items));
	kept.n = r.nrows;
	for (size_t i = 0; i < r.nrows; i++) {
		kept.items[i].id = db_int(&r, i, 0);
		kept.items[i].reason = db_str(&r, i, 1);
	}
	/* Posts not fanned out yet, from the live query over their ids only. */
	if (pending && pending < top &&
	    feed_following_rows(db, a, user_id, before, pending, limit, &fresh))
		return -1;
	merge(a, &kept, &fresh, fresh.next_id != 0, limit, out);
	for (size_t i = 0; i < out->n; i++)
		if (out->items[i].reason[0] == '1' || out->items[i].reason[0] == '2')
			out->items[i].reason++; /* drop the sort digit */
	return 0;
}

/* ---- writes --------------------------------------------------------------- */

int timeline_queue_post(struct db *db, struct arena *a, int64_t post_id)
{
	return db_exec(db, a, NULL, "INSERT INTO fanout_jobs (post_id, created_at) VALUES (?, ?)",
		       "ii", post_id, now_unix()) == DB_OK
		   ? 0
		   : -1;
}

int timeline_forget(struct db *db, struct arena *a, int64_t user_id)
{
	/* Not ready: the next read builds it (and empties it first). */
	return db_exec(db, a, NULL, "UPDATE timeline_state SET ready = 0 WHERE user_id = ?", "i",
		       user_id) == DB_OK
		   ? 0
		   : -1;
}

int timeline_follow_user(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on)
{
	if (on)
		return db_exec(db, a, NULL,
			       "INSERT INTO timelines (user_id, post_id, reason) "
			       "SELECT ?, p.id, CONCAT('1because you follow @', u.username) "
			       "FROM posts p JOIN users u ON u.id = p.user_id "
			       "WHERE p.user_id = ? AND p.id >= " FLOOR_OF
			       " ORDER BY p.id DESC LIMIT ?" KEEP_BEST,
			       "iiii", user_id, target_id, user_id, (int64_t)TIMELINE_CAP) == DB_OK
			   ? 0
			   : -1;
	/* Their posts go, then come back those that a followed tag brings. */
	if (db_exec(db, a, NULL,
		    "DELETE t FROM timelines t JOIN posts p ON p.id = t.post_id "
		    "WHERE t.user_id = ? AND p.user_id = ?",
		    "ii", user_id, target_id) != DB_OK)
		return -1;
	return db_exec(db, a, NULL,
		       "INSERT INTO timelines (user_id, post_id, reason) "
		       "SELECT ?, pt.post_id, MIN(CONCAT('2because you follow #', tg.name)) "
		       "FROM posts p JOIN post_tags pt ON pt.post_id = p.id "
		       "JOIN tag_follows tf ON tf.user_id = ? AND tf.tag_id = pt.tag_id "
		       "JOIN tags tg ON tg.id = pt.tag_id "
		       "WHERE p.user_id = ? AND p.id >= " FLOOR_OF " GROUP BY pt.post_id" KEEP_BEST,
		       "iiii", user_id, user_id, target_id, user_id) == DB_OK
		   ? 0
		   : -1;
}

int timeline_follow_tag(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id, int on)
{
	/* Which of the posts still come through another tag or a person is
	 * the live query's business: build again on the next read. */
	if (!on)
		return timeline_forget(db, a, user_id);
	return db_exec(db, a, NULL,
		       "INSERT INTO timelines (user_id, post_id, reason) "
		       "SELECT ?, pt.post_id, CONCAT('2because you follow #', tg.name) "
		       "FROM post_tags pt JOIN tags tg ON tg.id = pt.tag_id "
		       "JOIN posts p ON p.id = pt.post_id AND p.user_id <> ? "
		       "WHERE pt.tag_id = ? AND pt.post_id >= " FLOOR_OF
		       " ORDER BY pt.post_id DESC LIMIT ?" KEEP_BEST,
		       "iiiii", user_id, user_id, tag_id, user_id, (int64_t)TIMELINE_CAP) == DB_OK
		   ? 0
		   : -1;
}

/* ---- fan-out jobs (imagier-gen) ------------------------------------------- */

/* One batch of the job of post_id: 1 done and more to do, 0 the job is over
 * (finished, or no longer this worker's), -1 database. */
static int fanout_batch(struct db *db, struct arena *a, int64_t post_id, const char *worker,
			int batch, int lease_secs)
{
	struct db_res r;
	int ok = 0, more = 0;
	int64_t now = now_unix(), batches = -1; /* -1: not this worker's any more */
	if (db_begin(db) != DB_OK)
		return -1;
	/* Fenced: a worker whose lease ran out and was taken over stops here. */
	if (db_exec(db, a, &r,
		    "SELECT stage, cursor_id, batches FROM fanout_jobs WHERE post_id = ? AND "
		    "worker = ? AND "
		    "lease_until >= ? FOR UPDATE",
		    "isi", post_id, worker, now) != DB_OK)
		goto done;
	if (!r.nrows) {
		ok = 1;
		goto done;
	}
	int64_t stage = db_int(&r, 0, 0), cursor = db_int(&r, 0, 1);
	batches = db_int(&r, 0, 2);
	if (db_exec(db, a, &r,
		    "SELECT p.user_id, u.username FROM posts p JOIN users u ON u.id = p.user_id "
		    "WHERE p.id = ?",
		    "i", post_id) != DB_OK)
		goto done;
	if (!r.nrows) /* the post went meanwhile (its job would have gone with it) */
		goto finished;
	int64_t author = db_int(&r, 0, 0);
	const char *reason = arena_printf(a, "1because you follow @%s", db_str(&r, 0, 1));
	int64_t tag_id = 0;
	if (stage > 0) { /* the stage-th tag of the post */
		if (db_exec(db, a, &r,
			    "SELECT pt.tag_id, t.name FROM post_tags pt JOIN tags t ON t.id = "
			    "pt.tag_id WHERE pt.post_id = ? ORDER BY pt.tag_id LIMIT 1 OFFSET ?",
			    "ii", post_id, stage - 1) != DB_OK)
			goto done;
		if (!r.nrows)
			goto finished;
		tag_id = db_int(&r, 0, 0);
		reason = arena_printf(a, "2because you follow #%s", db_str(&r, 0, 1));
	}
	/* The last follower of this batch (none: the stage ends with it). */
	if (db_exec(db, a, &r,
		    stage ? "SELECT user_id FROM tag_follows WHERE tag_id = ? AND user_id > ? "
			    "ORDER BY user_id LIMIT 1 OFFSET ?"
			  : "SELECT follower_id FROM follows WHERE followee_id = ? AND "
			    "follower_id > ? ORDER BY follower_id LIMIT 1 OFFSET ?",
		    "iii", stage ? tag_id : author, cursor, (int64_t)batch - 1) != DB_OK)
		goto done;
	int64_t last = r.nrows ? db_int(&r, 0, 0) : INT64_MAX;
	/* Only to people whose timeline is kept; the join reads timeline_state
	 * with a lock (INSERT ... SELECT), so a rebuild in progress is waited
	 * for, and then seen. */
	if (db_exec(
		db, a, NULL,
		stage ? "INSERT INTO timelines (user_id, post_id, reason) "
			"SELECT tf.user_id, ?, ? FROM tag_follows tf "
			"JOIN timeline_state s ON s.user_id = tf.user_id "
			"WHERE tf.tag_id = ? AND tf.user_id > ? AND tf.user_id <= ? AND "
			"tf.user_id <> ?" KEEP_BEST
		      : "INSERT INTO timelines (user_id, post_id, reason) "
			"SELECT f.follower_id, ?, ? FROM follows f "
			"JOIN timeline_state s ON s.user_id = f.follower_id "
			"WHERE f.followee_id = ? AND f.follower_id > ? AND f.follower_id <= ? AND "
			"f.follower_id <> ?" KEEP_BEST,
		"isiiii", post_id, reason, stage ? tag_id : author, cursor, last, author) != DB_OK)
		goto done;
	if (last == INT64_MAX) {
		stage++;
		cursor = 0;
	} else {
		cursor = last;
	}
	if (db_exec(db, a, NULL,
		    "UPDATE fanout_jobs SET stage = ?, cursor_id = ?, lease_until = ?, "
		    "batches = batches + 1 WHERE post_id = ?",
		    "iiii", stage, cursor, now + lease_secs, post_id) != DB_OK)
		goto done;
	ok = more = 1;
	goto done;
finished:
	if (db_exec(db, a, NULL, "DELETE FROM fanout_jobs WHERE post_id = ?", "i", post_id) !=
	    DB_OK)
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return -1;
	if (ok && !more && batches >= 0)
		log_info("timeline: post %lld fanned out in %lld batches", (long long)post_id,
			 (long long)batches);
	return more;
}

int timeline_fanout_step(struct db *db, struct arena *a, const char *worker, int batch,
			 int lease_secs, int max_batches)
{
	struct db_res r;
	int64_t now = now_unix();
	if (batch < 1)
		batch = 1;
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, &r,
		    "SELECT post_id FROM fanout_jobs WHERE lease_until < ? OR worker = ? "
		    "ORDER BY post_id LIMIT 1 FOR UPDATE SKIP LOCKED",
		    "is", now, worker) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	if (!r.nrows) {
		db_rollback(db);
		return 0;
	}
	int64_t post_id = db_int(&r, 0, 0);
	if (db_exec(db, a, NULL,
		    "UPDATE fanout_jobs SET worker = ?, lease_until = ?, attempts = attempts + 1 "
		    "WHERE post_id = ?",
		    "sii", worker, now + lease_secs, post_id) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) != DB_OK)
		return -1;
	int done = 0;
	for (;;) {
		int rc = fanout_batch(db, a, post_id, worker, batch, lease_secs);
		if (rc < 0)
			return done ? done : -1;
		done++;
		if (rc == 0 || done >= max_batches)
			break;
	}
	return done;
}

int timeline_sweep(struct db *db, struct arena *a, int64_t *trim_from, int count)
{
	struct db_res r;
	int n = 0;
	int64_t idle = now_unix() - TIMELINE_IDLE_SECS;
	/* Quiet people: their timelines go (rebuilt when they come back). */
	if (db_read(db, a, &r, "SELECT user_id FROM timeline_state WHERE seen_at < ? LIMIT ?", "ii",
		    idle, (int64_t)count) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t uid = db_int(&r, i, 0);
		struct db_res d;
		if (db_begin(db) != DB_OK)
			return -1;
		int ok =
		    db_exec(db, a, &d,
			    "DELETE FROM timeline_state WHERE user_id = ? AND seen_at < ?", "ii",
			    uid, idle) == DB_OK &&
		    (!d.affected || db_exec(db, a, NULL, "DELETE FROM timelines WHERE user_id = ?",
					    "i", uid) == DB_OK);
		if (db_finish(db, ok) != DB_OK)
			return -1;
		n++;
	}
	/* Trim: a round through the kept timelines, count at a time; one that
	 * grew past twice the cap goes back to the cap, its floor rising. */
	if (db_read(db, a, &r,
		    "SELECT user_id FROM timeline_state WHERE user_id > ? AND ready = 1 "
		    "ORDER BY user_id LIMIT ?",
		    "ii", *trim_from, (int64_t)count) != DB_OK)
		return -1;
	*trim_from = r.nrows == (size_t)count ? db_int(&r, r.nrows - 1, 0) : 0;
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t uid = db_int(&r, i, 0);
		struct db_res t;
		if (db_read(
			db, a, &t,
			"SELECT (SELECT post_id FROM timelines WHERE user_id = ? "
			"ORDER BY post_id DESC LIMIT 1 OFFSET ?), (SELECT post_id FROM timelines "
			"WHERE user_id = ? ORDER BY post_id DESC LIMIT 1 OFFSET ?)",
			"iiii", uid, (int64_t)2 * TIMELINE_CAP, uid,
			(int64_t)TIMELINE_CAP - 1) != DB_OK)
			return -1;
		if (!db_str(&t, 0, 0))
			continue;
		int64_t floor = db_int(&t, 0, 1);
		if (db_begin(db) != DB_OK)
			return -1;
		int ok =
		    db_exec(db, a, NULL,
			    "UPDATE timeline_state SET floor_id = GREATEST(floor_id, ?) WHERE "
			    "user_id = ?",
			    "ii", floor, uid) == DB_OK &&
		    db_exec(db, a, NULL, "DELETE FROM timelines WHERE user_id = ? AND post_id < ?",
			    "ii", uid, floor) == DB_OK;
		if (db_finish(db, ok) != DB_OK)
			return -1;
		n++;
	}
	return n;
}
