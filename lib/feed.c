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
		out->items[i].reason = fixed_reason ? fixed_reason : arena_strdup(a, db_str(r, i, 1));
	}
	out->next_id = r->nrows > (size_t)limit && n ? out->items[n - 1].id : 0;
	out->next_likes = 0;
}

int feed_ids_latest(struct db *db, struct arena *a, int64_t before, int limit,
		    struct feed_page *out)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT id FROM posts WHERE id < ? ORDER BY id DESC LIMIT ?", "ii",
		    before > 0 ? before : INT64_MAX, (int64_t)limit + 1) != DB_OK)
		return -1;
	take(a, &r, limit, "new on imagier", out);
	return 0;
}

/* One try of the following feed within ids [floor, before). */
static int following_window(struct db *db, struct arena *a, int64_t user_id, int64_t before,
			    int64_t floor, int limit, struct db_res *r)
{
	/* Each branch walks an index newest-first and stops at limit+1; the
	 * union keeps the best reason per post (people before tags). */
	return db_exec(db, a, r,
		       "SELECT x.id, MIN(x.reason) FROM ("
		       " (SELECT p.id, CONCAT('1because you follow @', u.username) AS reason"
		       "  FROM follows f JOIN posts p ON p.user_id = f.followee_id"
		       "  JOIN users u ON u.id = p.user_id"
		       "  WHERE f.follower_id = ? AND p.id < ? AND p.id >= ?"
		       "  ORDER BY p.id DESC LIMIT ?)"
		       " UNION ALL"
		       " (SELECT pt.post_id, CONCAT('2because you follow #', t.name)"
		       "  FROM tag_follows tf JOIN post_tags pt ON pt.tag_id = tf.tag_id"
		       "  JOIN tags t ON t.id = tf.tag_id"
		       "  WHERE tf.user_id = ? AND pt.post_id < ? AND pt.post_id >= ?"
		       "  ORDER BY pt.post_id DESC LIMIT ?)"
		       ") x JOIN posts p2 ON p2.id = x.id WHERE p2.user_id <> ?"
		       " GROUP BY x.id ORDER BY x.id DESC LIMIT ?",
		       "iiiiiiiiii", user_id, before, floor, (int64_t)limit + 1, user_id, before,
		       floor, (int64_t)limit + 1, user_id, (int64_t)limit + 1) == DB_OK
		   ? 0
		   : -1;
}

int feed_ids_following(struct db *db, struct arena *a, int64_t user_id, int64_t before, int limit,
		       struct feed_page *out)
{
	struct db_res r;
	if (before <= 0) {
		if (db_exec(db, a, &r, "SELECT IFNULL(MAX(id), 0) + 1 FROM posts", "") != DB_OK)
			return -1;
		before = db_int(&r, 0, 0);
	}
	/* A window of recent ids first (people who follow prolific accounts
	 * would otherwise sort all their posts), widened until the page is
	 * full or the window reaches the first post. */
	for (int64_t width = 20000;; width *= 8) {
		int64_t floor = before > width ? before - width : 0;
		if (following_window(db, a, user_id, before, floor, limit, &r))
			return -1;
		if (r.nrows > (size_t)limit || floor == 0)
			break;
	}
	take(a, &r, limit, NULL, out);
	for (size_t i = 0; i < out->n; i++)
		out->items[i].reason++; /* drop the sort digit */
	return 0;
}

int feed_ids_tag(struct db *db, struct arena *a, int64_t tag_id, const char *tag_name,
		 int64_t before, int limit, struct feed_page *out)
{
	struct db_res r;
	if (db_exec(db, a, &r,
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
	if (db_exec(db, a, &r,
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
	int64_t since = window ? now_unix() - window : 0;
	if (!after_id) {
		after_likes = INT64_MAX;
		after_id = INT64_MAX;
	}
	/* (like_count, id) < (after_likes, after_id), written so the index on
	 * (like_count, id) serves the all-time list. */
	if (db_exec(db, a, &r,
		    "SELECT id, like_count FROM posts WHERE created_at >= ? AND "
		    "(like_count < ? OR (like_count = ? AND id < ?)) "
		    "ORDER BY like_count DESC, id DESC LIMIT ?",
		    "iiiii", since, after_likes, after_likes, after_id, (int64_t)limit + 1) != DB_OK)
		return -1;
	take(a, &r, limit, arena_printf(a, "top %s", window_name), out);
	if (out->next_id)
		out->next_likes = db_int(&r, out->n - 1, 1);
	return 0;
}
