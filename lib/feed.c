/* feed.c - which posts a feed shows, as ids; keyset pagination everywhere. */
#include "feed.h"
#include "db.h"
#include "util.h"

#include <string.h>

/* Fill out from rows (id, reason) with limit+1 fetched: the extra row only
 * says there is a next page. */
static void take(struct arena *a, const struct db_res *r, int limit, const char *fixed_reason,
		 struct feed_page *out)
{
	size_t n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	out->items = arena_zalloc(a, (n + 1) * sizeof(*out->items));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		out->items[i].id = db_int(r, i, 0);
		out->items[i].reason =
		    fixed_reason ? fixed_reason : arena_strdup(a, db_str(r, i, 1));
	}
	out->next_id = r->nrows > (size_t)limit && n ? out->items[n - 1].id : 0;
	out->next_likes = 0;
}

int feed_ids_latest(struct db *db, struct arena *a, int64_t before, int limit,
		    struct feed_page *out)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT id FROM posts WHERE id < ? AND remote = 0 ORDER BY id DESC LIMIT ?",
		    "ii", before > 0 ? before : INT64_MAX, (int64_t)limit + 1) != DB_OK)
		return -1;
	take(a, &r, limit, "new on imagier", out);
	return 0;
}

/* One try of the following feed within ids [floor, before). Each branch
 * walks the posts newest-first by primary key and checks membership with
 * one key lookup (STRAIGHT_JOIN keeps that order: otherwise MariaDB starts
 * from the follows and reads every post of every followee), stopping at
 * limit+1; the union keeps the best reason per post (people before tags). */
static int following_window(struct db *db, struct arena *a, int64_t user_id, int64_t before,
			    int64_t floor, int limit, struct db_res *r)
{
	return db_read(
		   db, a, r,
		   "SELECT x.id, MIN(x.reason) FROM ("
		   " (SELECT STRAIGHT_JOIN p.id, CONCAT('1because you follow @', u.username)"
		   "  AS reason FROM posts p"
		   "  JOIN follows f ON f.follower_id = ? AND f.followee_id = p.user_id"
		   "  JOIN users u ON u.id = p.user_id"
		   "  WHERE p.id < ? AND p.id >= ? ORDER BY p.id DESC LIMIT ?)"
		   " UNION ALL"
		   " (SELECT STRAIGHT_JOIN pt.post_id, CONCAT('2because you follow #', t.name)"
		   "  FROM post_tags pt FORCE INDEX (ix_post_tags_post)"
		   "  JOIN tag_follows tf ON tf.user_id = ? AND tf.tag_id = pt.tag_id"
		   "  JOIN tags t ON t.id = pt.tag_id"
		   "  WHERE pt.post_id < ? AND pt.post_id >= ? ORDER BY pt.post_id DESC LIMIT ?)"
		   ") x JOIN posts p2 ON p2.id = x.id WHERE p2.user_id <> ?"
		   " GROUP BY x.id ORDER BY x.id DESC LIMIT ?",
		   "iiiiiiiiii", user_id, before, floor, (int64_t)limit + 1, user_id, before, floor,
		   (int64_t)limit + 1, user_id, (int64_t)limit + 1) == DB_OK
		   ? 0
		   : -1;
}

int feed_following_rows(struct db *db, struct arena *a, int64_t user_id, int64_t before,
			int64_t floor, int limit, struct feed_page *out)
{
	struct db_res r;
	if (before <= 0) {
		if (db_read(db, a, &r, "SELECT IFNULL(MAX(id), 0) + 1 FROM posts", "") != DB_OK)
			return -1;
		before = db_int(&r, 0, 0);
	}
	if (floor < 0)
		floor = 0;
	/* A window of recent ids first (people who follow prolific accounts
	 * would otherwise sort all their posts), widened until the page is
	 * full or the window reaches the floor. */
	for (int64_t width = 20000;; width *= 8) {
		int64_t lo = before - floor > width ? before - width : floor;
		if (following_window(db, a, user_id, before, lo, limit, &r))
			return -1;
		if (r.nrows > (size_t)limit || lo == floor)
			break;
	}
	take(a, &r, limit, NULL, out);
	return 0;
}

int feed_ids_following(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		       struct feed_page *out)
{
	if (feed_following_rows(db, a, user_id, before, 0, limit, out))
		return -1;
	for (size_t i = 0; i < out->n; i++)
		out->items[i].reason++; /* drop the sort digit */
	return 0;
}

int feed_ids_tag(struct db *db, struct arena *a, int64_t tag_id, const char *tag_name,
		 int64_t before, int limit, struct feed_page *out)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT post_id FROM post_tags WHERE tag_id = ? AND post_id < ? "
		    "ORDER BY post_id DESC LIMIT ?",
		    "iii", tag_id, before > 0 ? before : INT64_MAX, (int64_t)limit + 1) != DB_OK)
		return -1;
	take(a, &r, limit, arena_printf(a, "tagged #%s", tag_name), out);
	return 0;
}

int feed_ids_user(struct db *db, struct arena *a, int64_t author_id, const char *author_name,
		  int64_t before, int limit, struct feed_page *out)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT id FROM posts WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
		    "iii", author_id, before > 0 ? before : INT64_MAX, (int64_t)limit + 1) != DB_OK)
		return -1;
	take(a, &r, limit, arena_printf(a, "by @%s", author_name), out);
	return 0;
}

int feed_ids_top(struct db *db, struct arena *a, int64_t window, const char *window_name,
		 int64_t after_likes, int64_t after_id, int limit, struct feed_page *out)
{
	struct db_res r;
	if (!after_id) {
		after_likes = INT64_MAX;
		after_id = INT64_MAX;
	}
	int rc;
	if (window) {
		/* The window as a range of ids (ids grow with time): its first
		 * post comes from the (created_at, id) index, then the primary key
		 * range is sorted by likes. */
		if (db_read(db, a, &r,
			    "SELECT id FROM posts WHERE created_at >= ? ORDER BY created_at, id "
			    "LIMIT 1",
			    "i", now_unix() - window) != DB_OK)
			return -1;
		int64_t min_id = r.nrows ? db_int(&r, 0, 0) : INT64_MAX;
		rc = db_read(
		    db, a, &r,
		    "SELECT id, like_count FROM posts FORCE INDEX (PRIMARY) WHERE id >= ? AND "
		    "remote = 0 AND (like_count < ? OR (like_count = ? AND id < ?)) "
		    "ORDER BY like_count DESC, id DESC LIMIT ?",
		    "iiiii", min_id, after_likes, after_likes, after_id, (int64_t)limit + 1);
	} else {
		/* All time: walk the (like_count, id) index from the top. */
		rc = db_read(db, a, &r,
			     "SELECT id, like_count FROM posts WHERE remote = 0 AND "
			     "(like_count < ? OR (like_count = ? AND id < ?)) "
			     "ORDER BY like_count DESC, id DESC LIMIT ?",
			     "iiii", after_likes, after_likes, after_id, (int64_t)limit + 1);
	}
	if (rc != DB_OK)
		return -1;
	take(a, &r, limit, arena_printf(a, "top %s", window_name), out);
	if (out->next_id)
		out->next_likes = db_int(&r, out->n - 1, 1);
	return 0;
}
