/* social.c - likes, comments, follows and notifications, counters kept with the rows. */
#include "social.h"
#include "auth.h"
#include "buf.h"
#include "cache.h"
#include "cachekey.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "idem.h"
#include "post.h"
#include "provenance.h"
#include "session.h"
#include "textnorm.h"
#include "timeline.h"
#include "util.h"
#include "withhold.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The check before a like or a comment (social.h): one row whatever is
 * missing, from the primary (a ban or a block of a moment ago counts). A
 * post is there for a like or a comment only while it is shown: visible,
 * and its author not banned (their posts answer 410 to everyone). */
int social_write_check(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
		       int64_t parent_id, const char *token, const struct session_limits *lim,
		       struct social_check *out)
{
	unsigned char h[AUTH_HASH_LEN] = {0};
	struct db_res r;
	int64_t me = user_id, now = now_unix();
	memset(out, 0, sizeof(*out));
	if (token)
		auth_token_hash(token, h);
	if (db_exec(
		db, a, &r,
		"SELECT p.user_id, p.mod_state = 'visible' AND (SELECT au.banned_at IS NULL FROM "
		"users au WHERE au.id = p.user_id), pc.id, IFNULL(pc.parent_id, pc.id), "
		"pc.user_id, s.user_id, u.role, IFNULL(u.suspended_until, 0), "
		"(SELECT CONCAT(b.user_id, ':', b.target_id) FROM blocks b "
		" WHERE b.user_id = ? AND b.target_id IN (p.user_id, pc.user_id) UNION ALL "
		" SELECT CONCAT(b.user_id, ':', b.target_id) FROM blocks b "
		" WHERE b.target_id = ? AND b.user_id IN (p.user_id, pc.user_id) LIMIT 1), "
		"EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = p.user_id AND "
		" n.actor_id = ? AND n.kind = 'like' AND n.post_id = p.id), "
		"p.like_count, EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id "
		"= ?) "
		"FROM (SELECT 1) one LEFT JOIN posts p ON p.id = ? "
		"LEFT JOIN comments pc ON pc.id = ? AND pc.post_id = p.id "
		"LEFT JOIN (sessions s JOIN users u ON u.id = s.user_id) ON " SESSION_LIVE_SQL
		" AND s.user_id = ?",
		"iiiiiibiiii", me, me, me, me, post_id, parent_id, h, sizeof(h), now, lim->idle,
		now - lim->idle, me) != DB_OK ||
	    r.nrows != 1)
		return 503;
	out->author = db_int(&r, 0, 0);
	out->post = db_str(&r, 0, 0) && db_int(&r, 0, 1);
	out->parent = !parent_id || db_str(&r, 0, 2);
	out->parent_root = db_int(&r, 0, 3);
	out->parent_author = db_int(&r, 0, 4);
	out->session = !token ? -1 : db_str(&r, 0, 5) != NULL;
	out->role = db_str(&r, 0, 6);
	out->suspended_until = db_int(&r, 0, 7);
	out->notified = (int)db_int(&r, 0, 9);
	out->like_count = db_int(&r, 0, 10);
	out->liked = (int)db_int(&r, 0, 11);
	const char *blk = db_str(&r, 0, 8);
	if (blk) {
		long long by = 0, target = 0;
		if (sscanf(blk, "%lld:%lld", &by, &target) != 2)
			return 503;
		out->blocker = by;
		/* Only on a refusal: the other party's name, for the message. */
		if (db_read(db, a, &r, "SELECT username FROM users WHERE id = ?", "i",
			    by == me ? (int64_t)target : (int64_t)by) != DB_OK)
			return 503;
		out->blocked_name = r.nrows ? db_str(&r, 0, 0) : "someone";
	}
	return 0;
}

/* A notice inside the writer's transaction (its unread count is dropped
 * after the commit, unread_forget). No notice to oneself. */
static int notice_add(struct db *db, struct arena *a, int64_t user_id, int64_t actor_id,
		      const char *kind, int64_t post_id, int64_t comment_id, int64_t now)
{
	if (!user_id || user_id == actor_id)
		return 0;
	return db_exec(db, a, NULL,
		       "INSERT INTO notifications (user_id, actor_id, kind, post_id, comment_id, "
		       "created_at) VALUES (?, ?, ?, ?, ?, ?)",
		       "iisisi", user_id, actor_id, kind, post_id,
		       comment_id ? arena_printf(a, "%lld", (long long)comment_id) : NULL,
		       now) == DB_OK
		   ? 0
		   : -1;
}

static void unread_forget(struct arena *a, int64_t user_id, int64_t actor_id);

int social_like(struct db *db, struct arena *a, int64_t user_id, int64_t post_id, int on,
		const struct social_check *chk, int64_t *count, int *changed)
{
	struct db_res r;
	int64_t now = now_unix();
	int ok = 0, notify = 0;
	*changed = 0;
	if (on && chk && !chk->post)
		return 404; /* hidden, removed, or its author banned: not there */
	/* Nothing to change (a like of a post already liked, an unlike of one
	 * not liked): the check's one read answers, with no transaction and no
	 * commit to wait for. It is what the write would have found at that
	 * moment; a like or unlike that lands after it comes after this one. */
	if (chk && chk->post && !on == !chk->liked) {
		*count = chk->like_count;
		return 0;
	}
	if (db_begin(db) != DB_OK)
		return 503;
	if (on) {
		/* The post's row first (its lock orders concurrent likes; the
		 * like's foreign key only reads it), counted as if the like were
		 * new: LAST_INSERT_ID(expr) hands back the count it set. A like
		 * that was already there takes its count back below. */
		if (db_exec(db, a, &r,
			    "UPDATE posts SET like_count = LAST_INSERT_ID(like_count + 1) "
			    "WHERE id = ? AND mod_state = 'visible'",
			    "i", post_id) != DB_OK)
			goto done;
		if (r.affected != 1) {
			db_rollback(db);
			return 404;
		}
		*count = (int64_t)r.insert_id;
		if (db_exec(
			db, a, &r,
			"INSERT IGNORE INTO likes (post_id, user_id, created_at) VALUES (?, ?, ?)",
			"iii", post_id, user_id, now) != DB_OK)
			goto done;
		*changed = r.affected == 1;
		if (!*changed) {
			if (db_exec(db, a, NULL,
				    "UPDATE posts SET like_count = like_count - 1 WHERE id = ?",
				    "i", post_id) != DB_OK)
				goto done;
			--*count;
		}
		/* One notice per person and post: like-unlike-like does not spam. */
		notify = *changed && chk && !chk->notified;
		if (notify && notice_add(db, a, chk->author, user_id, "like", post_id, 0, now))
			goto done;
	} else {
		if (db_exec(db, a, &r,
			    "SELECT like_count FROM posts WHERE id = ? AND mod_state = 'visible' "
			    "FOR UPDATE",
			    "i", post_id) != DB_OK)
			goto done;
		if (r.nrows == 0) {
			db_rollback(db);
			return 404;
		}
		*count = db_int(&r, 0, 0);
		if (db_exec(db, a, &r, "DELETE FROM likes WHERE post_id = ? AND user_id = ?", "ii",
			    post_id, user_id) != DB_OK)
			goto done;
		*changed = r.affected == 1;
		if (*changed && db_exec(db, a, NULL,
					"UPDATE posts SET like_count = like_count - 1 WHERE id = ? "
					"AND like_count > 0",
					"i", post_id) != DB_OK)
			goto done;
		if (*changed && *count > 0)
			--*count;
	}
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return 503;
	if (notify)
		unread_forget(a, chk->author, user_id);
	return 0;
}

int social_comment_add(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
		       const struct social_check *chk, const char *text, int64_t *id,
		       int64_t *created_at)
{
	struct db_res r;
	int64_t now = now_unix();
	int64_t parent_id = chk->parent_root, parent_author = chk->parent_author;
	int ok = 0;
	*created_at = now;
	if (!chk->post || !chk->parent)
		return 404;
	if (db_begin(db) != DB_OK)
		return 503;
	/* The post's row first: its lock orders concurrent comments (the
	 * comment's foreign key only reads it), and it must still be shown. */
	if (db_exec(db, a, &r,
		    "UPDATE posts SET comment_count = comment_count + 1 "
		    "WHERE id = ? AND mod_state = 'visible'",
		    "i", post_id) != DB_OK)
		goto done;
	if (r.affected != 1) {
		db_rollback(db);
		return 404;
	}
	if (db_exec(db, a, &r,
		    "INSERT INTO comments (post_id, user_id, parent_id, text, created_at) "
		    "VALUES (?, ?, ?, ?, ?)",
		    "iissi", post_id, user_id,
		    parent_id ? arena_printf(a, "%lld", (long long)parent_id) : NULL, text,
		    now) != DB_OK)
		goto done;
	*id = (int64_t)r.insert_id;
	if (idem_claim(db, a, *id,
		       arena_printf(a, "/p/%lld#comment-%lld", (long long)post_id, (long long)*id)))
		goto done;
	/* The author of the comment answered hears of a reply (of their own
	 * post's too); the post's author, when someone else, of a comment. */
	if ((parent_author &&
	     notice_add(db, a, parent_author, user_id, "reply", post_id, *id, now)) ||
	    (chk->author != parent_author &&
	     notice_add(db, a, chk->author, user_id, "comment", post_id, *id, now)))
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return 503;
	if (parent_author)
		unread_forget(a, parent_author, user_id);
	if (chk->author != parent_author)
		unread_forget(a, chk->author, user_id);
	return 0;
}

int social_comment_delete(struct db *db, struct arena *a, int64_t user_id, int64_t comment_id,
			  int64_t *post_id)
{
	struct db_res r;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r,
		    "SELECT c.post_id, c.user_id FROM comments c JOIN posts p ON p.id = c.post_id "
		    "WHERE c.id = ? AND c.deleted = 0 FOR UPDATE",
		    "i", comment_id) != DB_OK)
		goto done;
	if (r.nrows == 0) {
		db_rollback(db);
		return 404;
	}
	*post_id = db_int(&r, 0, 0);
	/* Only its author: anyone else's removal is a moderation action (lib/
	 * moderator.c), with a reason, an audit row, a notice and an appeal. */
	if (db_int(&r, 0, 1) != user_id) {
		db_rollback(db);
		return 403;
	}
	/* Its open reports are answered: there is nothing left to decide. */
	if (db_exec(db, a, NULL,
		    "UPDATE reports SET resolved_at = ?, resolution = 'deleted' WHERE "
		    "target_type = 'comment' AND target_id = ? AND resolved_at IS NULL",
		    "ii", now_unix(), comment_id) != DB_OK)
		goto done;
	/* The text goes; the row stays while replies hang on it. */
	if (db_exec(db, a, NULL, "UPDATE comments SET deleted = 1, text = '' WHERE id = ?", "i",
		    comment_id) != DB_OK ||
	    db_exec(db, a, NULL,
		    "UPDATE posts SET comment_count = comment_count - 1 "
		    "WHERE id = ? AND comment_count > 0",
		    "i", *post_id) != DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM notifications WHERE comment_id = ?", "i",
		    comment_id) != DB_OK)
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
}

#define COMMENT_COLUMNS                                                                            \
	"c.id, c.post_id, IFNULL(c.parent_id, 0), c.user_id, u.username, c.text, c.created_at, "   \
	"c.deleted, c.mod_state, u.banned_at IS NOT NULL, u.domain, ra.url, ra.uri"
/* A comment with its author, and a remote author's actor (their profile). */
#define COMMENT_FROM                                                                               \
	" FROM comments c JOIN users u ON u.id = c.user_id LEFT JOIN ap_actors ra ON ra.user_id "  \
	"= "                                                                                       \
	"u.id "

const char *social_profile_url(struct arena *a, const char *username, const char *domain,
			       const char *url, const char *uri)
{
	if (!domain || !*domain)
		return arena_printf(a, "/u/%s", url_encode(a, username));
	/* Only a web address on the person's own server: a remote document
	 * could name any scheme, or a page of ours as theirs. */
	if (url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) {
		const char *h = strstr(url, "://") + 3;
		size_t n = strcspn(h, "/?#");
		if (n == strlen(domain) && !strncasecmp(h, domain, n))
			return url;
	}
	if (uri && (!strncmp(uri, "https://", 8) || !strncmp(uri, "http://", 7)))
		return uri;
	return arena_printf(a, "/u/%s", url_encode(a, username));
}

static cJSON *comment_json(struct arena *a, const struct db_res *r, size_t i, int64_t viewer)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "id", (double)db_int(r, i, 0));
	cJSON_AddNumberToObject(c, "post_id", (double)db_int(r, i, 1));
	if (db_int(r, i, 2))
		cJSON_AddNumberToObject(c, "parent_id", (double)db_int(r, i, 2));
	int deleted = (int)db_int(r, i, 7);
	/* Held back, hidden or removed by moderators (or by a banned person):
	 * only its author still reads it, marked; others see a placeholder. */
	const char *state = db_int(r, i, 9) ? "removed" : db_str(r, i, 8);
	int moderated = strcmp(state, "visible") != 0;
	if (moderated && !deleted && viewer && viewer == db_int(r, i, 3))
		cJSON_AddStringToObject(c, "mod_state", state);
	else if (moderated && !deleted)
		deleted = -1;
	/* Every flag present, true or not: a reply is rendered inside its
	 * parent, and a name missing from it would be looked up in the parent
	 * (a deleted parent's "deleted" hid every reply). */
	cJSON_AddBoolToObject(c, "deleted", deleted > 0);
	cJSON_AddBoolToObject(c, "removed", deleted < 0);
	if (!cJSON_GetObjectItemCaseSensitive(c, "mod_state"))
		cJSON_AddNullToObject(c, "mod_state");
	if (deleted) {
		cJSON_AddStringToObject(c, "text", "");
		cJSON_AddFalseToObject(c, "mine");
	} else {
		cJSON *au = cJSON_AddObjectToObject(c, "author");
		const char *domain = r->ncols > 10 ? db_str(r, i, 10) : NULL;
		cJSON_AddNumberToObject(au, "id", (double)db_int(r, i, 3));
		cJSON_AddStringToObject(au, "username", db_str(r, i, 4));
		/* A remote person ("name@host") links to their own server. */
		cJSON_AddBoolToObject(au, "remote", domain && *domain);
		cJSON_AddStringToObject(
		    au, "url",
		    social_profile_url(a, db_str(r, i, 4), domain,
				       r->ncols > 11 ? db_str(r, i, 11) : NULL,
				       r->ncols > 12 ? db_str(r, i, 12) : NULL));
		cJSON_AddStringToObject(c, "text", db_str(r, i, 5));
		cJSON_AddBoolToObject(c, "mine", viewer && viewer == db_int(r, i, 3));
	}
	time_json(c, a, "created_at", "created_text", db_int(r, i, 6));
	return c;
}

cJSON *social_comment_new_json(struct arena *a, int64_t id, int64_t post_id, int64_t parent_id,
			       int64_t user_id, const char *username, const char *text,
			       int64_t created_at, int held)
{
	/* The row social_comment_load would read (COMMENT_COLUMNS), so that
	 * one function says what a comment looks like. */
	char *cells[13] = {arena_printf(a, "%lld", (long long)id),
			   arena_printf(a, "%lld", (long long)post_id),
			   arena_printf(a, "%lld", (long long)parent_id),
			   arena_printf(a, "%lld", (long long)user_id),
			   (char *)username,
			   (char *)text,
			   arena_printf(a, "%lld", (long long)created_at),
			   "0",
			   held ? "held" : "visible",
			   "0",
			   "",
			   NULL,
			   NULL};
	struct db_res r = {.nrows = 1, .ncols = 13, .cells = cells};
	return comment_json(a, &r, 0, user_id);
}

cJSON *social_comment_load(struct db *db, struct arena *a, int64_t id, int64_t viewer_id)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT " COMMENT_COLUMNS COMMENT_FROM "WHERE c.id = ?", "i", id) !=
		DB_OK ||
	    r.nrows == 0)
		return NULL;
	return comment_json(a, &r, 0, viewer_id);
}

/* Comments by people the viewer blocked are not shown to the viewer. */
#define NOT_BLOCKED_BY_VIEWER                                                                      \
	"AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.user_id = ? AND b.target_id = c.user_id) "

cJSON *social_comments(struct db *db, struct arena *a, int64_t post_id, int64_t after, int limit,
		       int64_t viewer_id, int64_t *next)
{
	struct db_res top, rep;
	*next = 0;
	if (db_read(
		db, a, &top,
		"SELECT " COMMENT_COLUMNS COMMENT_FROM
		"WHERE c.post_id = ? AND c.parent_id IS NULL AND c.id > ? "
		"AND ((c.deleted = 0 AND (c.mod_state = 'visible' OR c.user_id = ?)) "
		"OR EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = c.id AND r.deleted = 0 "
		"AND r.mod_state = 'visible')) " NOT_BLOCKED_BY_VIEWER "ORDER BY c.id LIMIT ?",
		"iiiii", post_id, after, viewer_id, viewer_id, (int64_t)limit + 1) != DB_OK)
		return NULL;
	size_t n = top.nrows > (size_t)limit ? (size_t)limit : top.nrows;
	if (top.nrows > (size_t)limit)
		*next = db_int(&top, n - 1, 0);
	cJSON *items = cJSON_CreateArray();
	if (n == 0)
		return items;
	int64_t first = db_int(&top, 0, 0), last = db_int(&top, n - 1, 0);
	/* All replies of this page's threads in one query. */
	if (db_read(db, a, &rep,
		    "SELECT " COMMENT_COLUMNS COMMENT_FROM
		    "WHERE c.post_id = ? AND c.parent_id BETWEEN ? AND ? AND c.deleted = 0 "
		    "AND (c.mod_state = 'visible' OR c.user_id = ?) " NOT_BLOCKED_BY_VIEWER
		    "ORDER BY c.id LIMIT 2000",
		    "iiiii", post_id, first, last, viewer_id, viewer_id) != DB_OK) {
		cJSON_Delete(items);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *c = comment_json(a, &top, i, viewer_id);
		cJSON *replies = cJSON_AddArrayToObject(c, "replies");
		int64_t id = db_int(&top, i, 0);
		for (size_t j = 0; j < rep.nrows; j++)
			if (db_int(&rep, j, 2) == id)
				cJSON_AddItemToArray(replies, comment_json(a, &rep, j, viewer_id));
		cJSON_AddItemToArray(items, c);
	}
	return items;
}

static int follow_row(struct db *db, struct arena *a, const char *table, const char *col_a,
		      const char *col_b, int64_t x, int64_t y, int on, int *changed)
{
	struct db_res r;
	char *sql =
	    on ? arena_printf(a, "INSERT IGNORE INTO %s (%s, %s, created_at) VALUES (?, ?, ?)",
			      table, col_a, col_b)
	       : arena_printf(a, "DELETE FROM %s WHERE %s = ? AND %s = ?", table, col_a, col_b);
	int rc = on ? db_exec(db, a, &r, sql, "iii", x, y, now_unix())
		    : db_exec(db, a, &r, sql, "ii", x, y);
	if (rc != DB_OK)
		return -1;
	*changed = r.affected == 1;
	return 0;
}

int social_follows(struct db *db, struct arena *a, int64_t user_id, int64_t target_id)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?",
		    "ii", user_id, target_id) != DB_OK)
		return -1;
	return r.nrows ? 1 : 0;
}

int social_follow_user(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		       int *changed)
{
	struct db_res r;
	*changed = 0;
	if (user_id == target_id)
		return 400;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i", target_id) !=
		DB_OK ||
	    (r.nrows && follow_row(db, a, "follows", "follower_id", "followee_id", user_id,
				   target_id, on, changed)))
		goto done;
	if (r.nrows == 0) {
		db_rollback(db);
		return 404;
	}
	const char *d = on ? "+ 1" : "- 1";
	if (*changed &&
	    (timeline_follow_user(db, a, user_id, target_id, on) ||
	     db_exec(db, a, NULL,
		     arena_printf(
			 a, "UPDATE users SET follower_count = follower_count %s WHERE id = ?", d),
		     "i", target_id) != DB_OK ||
	     db_exec(
		 db, a, NULL,
		 arena_printf(
		     a, "UPDATE users SET following_count = following_count %s WHERE id = ?", d),
		 "i", user_id) != DB_OK))
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return 503;
	if (on && *changed)
		social_notify(db, a, target_id, user_id, "follow", 0, 0);
	return 0;
}

int social_follow_tag(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id, int on,
		      int *changed)
{
	struct db_res r;
	*changed = 0;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r, "SELECT id FROM tags WHERE id = ? FOR UPDATE", "i", tag_id) !=
		DB_OK ||
	    (r.nrows &&
	     follow_row(db, a, "tag_follows", "user_id", "tag_id", user_id, tag_id, on, changed)))
		goto done;
	if (r.nrows == 0) {
		db_rollback(db);
		return 404;
	}
	if (*changed &&
	    (timeline_follow_tag(db, a, user_id, tag_id, on) ||
	     db_exec(db, a, NULL,
		     on ? "UPDATE tags SET follower_count = follower_count + 1 WHERE id = ?"
			: "UPDATE tags SET follower_count = follower_count - 1 WHERE id = ?",
		     "i", tag_id) != DB_OK))
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
}

/* Set once at start-up, read-only afterwards. */
static struct cache *notify_cache;

void social_set_cache(struct cache *cache)
{
	notify_cache = cache;
}

char *social_unread_key(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:unread:%lld", (long long)user_id);
}

/* A notice to user_id was stored: their unread count is read again. */
static void unread_forget(struct arena *a, int64_t user_id, int64_t actor_id)
{
	if (notify_cache && user_id && user_id != actor_id)
		cache_delete(notify_cache, social_unread_key(a, user_id));
}

int social_mute(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		int *changed)
{
	struct db_res r;
	*changed = 0;
	if (user_id == target_id)
		return 400;
	if (db_read(db, a, &r, "SELECT 1 FROM users WHERE id = ?", "i", target_id) != DB_OK)
		return 503;
	if (r.nrows == 0)
		return 404;
	int rc = on ? db_exec(db, a, &r,
			      "INSERT IGNORE INTO mutes (user_id, target_id, created_at) "
			      "VALUES (?, ?, ?)",
			      "iii", user_id, target_id, now_unix())
		    : db_exec(db, a, &r, "DELETE FROM mutes WHERE user_id = ? AND target_id = ?",
			      "ii", user_id, target_id);
	if (rc != DB_OK)
		return 503;
	*changed = r.affected == 1;
	return 0;
}

int social_muted(struct db *db, struct arena *a, int64_t user_id, int64_t **ids, size_t *n)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT target_id FROM mutes WHERE user_id = ? "
		    "UNION SELECT target_id FROM blocks WHERE user_id = ? "
		    "UNION SELECT user_id FROM blocks WHERE target_id = ? ORDER BY 1 LIMIT 5000",
		    "iii", user_id, user_id, user_id) != DB_OK)
		return -1;
	*ids = arena_alloc(a, (r.nrows + 1) * sizeof(**ids));
	for (size_t i = 0; i < r.nrows; i++)
		(*ids)[i] = db_int(&r, i, 0);
	*n = r.nrows;
	return 0;
}

void social_notify(struct db *db, struct arena *a, int64_t user_id, int64_t actor_id,
		   const char *kind, int64_t post_id, int64_t comment_id)
{
	struct db_res r;
	if (!user_id || user_id == actor_id)
		return;
	/* One notice per actor, kind and post: like-unlike-like does not spam. */
	if (!comment_id &&
	    db_read(db, a, &r,
		    "SELECT 1 FROM notifications WHERE user_id = ? AND actor_id = ? AND kind = ? "
		    "AND post_id <=> ? LIMIT 1",
		    "iiss", user_id, actor_id, kind,
		    post_id ? arena_printf(a, "%lld", (long long)post_id) : NULL) == DB_OK &&
	    r.nrows)
		return;
	db_exec(
	    db, a, NULL,
	    "INSERT INTO notifications (user_id, actor_id, kind, post_id, comment_id, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	    "iisssi", user_id, actor_id, kind,
	    post_id ? arena_printf(a, "%lld", (long long)post_id) : NULL,
	    comment_id ? arena_printf(a, "%lld", (long long)comment_id) : NULL, now_unix());
	if (notify_cache)
		cache_delete(notify_cache, social_unread_key(a, user_id));
}

static const char *notice_text(const char *kind)
{
	if (!strcmp(kind, "like"))
		return "liked your post";
	if (!strcmp(kind, "comment"))
		return "commented on your post";
	if (!strcmp(kind, "reply"))
		return "replied to your comment";
	if (!strcmp(kind, "follow"))
		return "followed you";
	if (!strcmp(kind, "follow_request"))
		return "asked to follow you";
	if (!strcmp(kind, "remix"))
		return "remixed your post";
	return "did something";
}

/* What a moderation notice says happened. */
static const char *mod_notice_text(struct arena *a, const char *action)
{
	static const char *const says[][2] = {
	    {"hide", "hid your content"},
	    {"remove", "removed your content"},
	    {"warn", "warned you"},
	    {"suspend", "suspended your account"},
	    {"unsuspend", "lifted your suspension"},
	    {"restore", "restored your content"},
	    {"unban", "lifted your ban"},
	    {"uphold", "upheld their decision on your appeal"},
	    {"overturn", "accepted your appeal"},
	    {"label", "added a content warning to your post"},
	};
	for (size_t i = 0; action && i < sizeof(says) / sizeof(says[0]); i++)
		if (!strcmp(action, says[i][0]))
			return says[i][1];
	return arena_printf(a, "took an action (%s)", action ? action : "?");
}

/* A notice n is shown unless its actor is muted by, blocks or is blocked by
 * the person told, or is banned, or its comment was held back or taken down
 * by moderation (moderators' notices always are). */
#define NOTICE_VISIBLE                                                                             \
	"(n.kind IN ('moderation', 'appeal') OR (NOT EXISTS (SELECT 1 FROM mutes m "               \
	"WHERE m.user_id = n.user_id AND m.target_id = n.actor_id) AND NOT EXISTS (SELECT 1 "      \
	"FROM blocks b WHERE b.user_id = n.user_id AND b.target_id = n.actor_id) AND NOT EXISTS "  \
	"(SELECT 1 FROM blocks b2 WHERE b2.user_id = n.actor_id AND b2.target_id = n.user_id) "    \
	"AND NOT EXISTS (SELECT 1 FROM comments cm WHERE cm.id = n.comment_id AND "                \
	"cm.mod_state <> 'visible') AND NOT EXISTS (SELECT 1 FROM users ub WHERE ub.id = "         \
	"n.actor_id AND ub.banned_at IS NOT NULL))) "

struct textnorm_list *social_words_list(struct arena *a, const char *const *words, size_t n)
{
	/* Each word folded as the text will be, one entry a line; the list
	 * adds the plurals and possessives ("spider" also mutes "spiders" and
	 * "spider's"). */
	char *text = arena_strdup(a, "");
	for (size_t i = 0; i < n; i++) {
		const char *f = textnorm_fold(a, words[i], strlen(words[i]));
		if (*f)
			text = arena_printf(a, "%s%s\n", text, f);
	}
	if (!*text)
		return NULL;
	return textnorm_list_parse_forms(a, text, NULL);
}

/* user_id's muted words compiled, or NULL (none, or the database failed). */
static struct textnorm_list *muted_words(struct db *db, struct arena *a, int64_t user_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT term FROM muted_terms WHERE user_id = ? AND kind = 'word' LIMIT 1000",
		    "i", user_id) != DB_OK ||
	    r.nrows == 0)
		return NULL;
	const char **w = arena_alloc(a, r.nrows * sizeof(*w));
	for (size_t i = 0; i < r.nrows; i++)
		w[i] = db_str(&r, i, 0);
	return social_words_list(a, w, r.nrows);
}

/* A notice of a comment (or a reply), whose text the person's muted words
 * may hide. */
static int is_comment_notice(const char *kind)
{
	return !strcmp(kind, "comment") || !strcmp(kind, "reply");
}

static int text_muted(struct arena *a, const struct textnorm_list *words, const char *text)
{
	return words && text && *text &&
	       textnorm_match(words, textnorm_fold(a, text, strlen(text)));
}

cJSON *social_notifications(struct db *db, struct arena *a, const char *media_url, int64_t user_id,
			    int64_t before, int limit, int64_t *next)
{
	struct db_res r;
	*next = 0;
	if (db_read(db, a, &r,
		    "SELECT n.id, n.kind, n.post_id, n.comment_id, n.created_at, n.read_at, "
		    "u.username, i.width, i.height, i.blurhash, i.avg_color, i.variants, c.text, "
		    "n.action_id, ma.action, ma.reason, "
		    /* a comment notice goes to the post's author or, for a
		     * reply, to the author of the comment replied to */
		    "n.kind = 'reply' OR (n.kind = 'comment' AND pa.user_id <> n.user_id), "
		    "u.domain, ra.url, ra.uri "
		    "FROM notifications n JOIN users u ON u.id = n.actor_id "
		    "LEFT JOIN ap_actors ra ON ra.user_id = u.id "
		    "LEFT JOIN posts pa ON pa.id = n.post_id "
		    "LEFT JOIN mod_actions ma ON ma.id = n.action_id "
		    "LEFT JOIN posts p ON p.id = n.post_id AND (p.mod_state = 'visible' OR "
		    "p.user_id = n.user_id) LEFT JOIN images i ON i.id = p.image_id "
		    "LEFT JOIN comments c ON c.id = n.comment_id "
		    "WHERE n.user_id = ? AND n.id < ? AND " NOTICE_VISIBLE
		    "ORDER BY n.id DESC LIMIT ?",
		    "iii", user_id, before > 0 ? before : INT64_MAX, (int64_t)limit + 1) != DB_OK)
		return NULL;
	size_t n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
	if (r.nrows > (size_t)limit)
		*next = db_int(&r, n - 1, 0);
	/* Comments with a word the person muted leave the list. */
	int comments = 0;
	for (size_t i = 0; i < n; i++)
		comments |= is_comment_notice(db_str(&r, i, 1)) && db_str(&r, i, 12);
	struct textnorm_list *words = comments ? muted_words(db, a, user_id) : NULL;
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		if (is_comment_notice(db_str(&r, i, 1)) && text_muted(a, words, db_str(&r, i, 12)))
			continue;
		cJSON *o = cJSON_CreateObject();
		const char *kind = db_int(&r, i, 16) ? "reply" : db_str(&r, i, 1);
		cJSON_AddNumberToObject(o, "id", (double)db_int(&r, i, 0));
		cJSON_AddStringToObject(o, "kind", kind);
		if (db_str(&r, i, 13)) {
			/* Moderation: said by "the moderators", never by name. */
			cJSON_AddStringToObject(o, "actor", "moderators");
			cJSON_AddTrueToObject(o, "from_moderators");
			cJSON_AddStringToObject(o, "text", mod_notice_text(a, db_str(&r, i, 14)));
			cJSON_AddStringToObject(o, "reason", db_str(&r, i, 15));
			cJSON_AddStringToObject(
			    o, "url",
			    arena_printf(a, "/moderation/%lld", (long long)db_int(&r, i, 13)));
		} else {
			/* A person of another server is "name@host", linked to
			 * their profile there. */
			const char *domain = db_str(&r, i, 17);
			cJSON_AddStringToObject(o, "actor", db_str(&r, i, 6));
			cJSON_AddStringToObject(o, "actor_url",
						social_profile_url(a, db_str(&r, i, 6), domain,
								   db_str(&r, i, 18),
								   db_str(&r, i, 19)));
			cJSON_AddBoolToObject(o, "actor_remote", domain && *domain);
			cJSON_AddStringToObject(o, "text", notice_text(kind));
		}
		int from_mods = db_str(&r, i, 13) != NULL;
		if (!from_mods && db_str(&r, i, 2)) {
			int64_t pid = db_int(&r, i, 2);
			cJSON_AddNumberToObject(o, "post_id", (double)pid);
			cJSON_AddStringToObject(o, "url",
						arena_printf(a, "/p/%lld", (long long)pid));
		} else if (!from_mods && !strcmp(db_str(&r, i, 1), "follow_request")) {
			cJSON_AddStringToObject(o, "url", "/follow-requests");
		} else if (!from_mods) {
			cJSON_AddStringToObject(
			    o, "url",
			    social_profile_url(a, db_str(&r, i, 6), db_str(&r, i, 17),
					       db_str(&r, i, 18), db_str(&r, i, 19)));
		}
		if (db_str(&r, i, 12))
			cJSON_AddStringToObject(o, "comment", db_str(&r, i, 12));
		cJSON *thumb =
		    db_str(&r, i, 7)
			? post_thumb_json(a, media_url, db_int(&r, i, 7), db_int(&r, i, 8),
					  db_str(&r, i, 9), db_str(&r, i, 10), db_str(&r, i, 11))
			: NULL;
		if (thumb)
			cJSON_AddItemToObject(o, "thumb", thumb);
		cJSON_AddBoolToObject(o, "unread", db_str(&r, i, 5) == NULL);
		time_json(o, a, "created_at", "created_text", db_int(&r, i, 4));
		cJSON_AddItemToArray(items, o);
	}
	return items;
}

int64_t social_unread(struct db *db, struct arena *a, int64_t user_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT COUNT(*), IFNULL(SUM(n.kind IN ('comment', 'reply')), 0) FROM "
		    "notifications n "
		    "WHERE n.user_id = ? AND n.read_at IS NULL AND " NOTICE_VISIBLE,
		    "i", user_id) != DB_OK)
		return -1;
	int64_t count = db_int(&r, 0, 0);
	struct textnorm_list *words = db_int(&r, 0, 1) ? muted_words(db, a, user_id) : NULL;
	if (!words)
		return count;
	/* Unread comments with a muted word are not counted either. */
	if (db_read(db, a, &r,
		    "SELECT c.text FROM notifications n JOIN comments c ON c.id = n.comment_id "
		    "WHERE n.user_id = ? AND n.read_at IS NULL AND n.kind IN ('comment', 'reply') "
		    "AND " NOTICE_VISIBLE "LIMIT 1000",
		    "i", user_id) != DB_OK)
		return count;
	for (size_t i = 0; i < r.nrows; i++)
		count -= text_muted(a, words, db_str(&r, i, 0));
	return count;
}

int social_mark_read(struct db *db, struct arena *a, int64_t user_id, int64_t up_to)
{
	return db_exec(db, a, NULL,
		       "UPDATE notifications SET read_at = ? "
		       "WHERE user_id = ? AND read_at IS NULL AND id <= ?",
		       "iii", now_unix(), user_id, up_to > 0 ? up_to : INT64_MAX) == DB_OK
		   ? 0
		   : -1;
}

int social_liked_map(struct db *db, struct arena *a, int64_t user_id, const int64_t *ids, size_t n,
		     int *liked)
{
	memset(liked, 0, n * sizeof(*liked));
	if (!n || !user_id)
		return 0;
	/* One prepared statement for any page size: the ids as a JSON array,
	 * each looked up by the primary key (post_id, user_id). */
	char *list = db_id_list(a, ids, n, sizeof(*ids));
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT l.post_id FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
		    "JOIN likes l ON l.post_id = j.id AND l.user_id = ?",
		    "si", list, user_id) != DB_OK)
		return -1;
	for (size_t j = 0; j < r.nrows; j++) {
		int64_t pid = db_int(&r, j, 0);
		for (size_t i = 0; i < n; i++)
			if (ids[i] == pid)
				liked[i] = 1;
	}
	return 0;
}

/* How long a liked map is kept: its key changes with every like anyway. */
#define LIKED_MAP_TTL 300

char *social_liked_key(struct cache *cache, struct arena *a, int64_t user_id, const int64_t *ids,
		       size_t n)
{
	uint64_t uv = cache_version(cache, cachekey_user_version(a, user_id));
	if (!uv || !n)
		return NULL;
	unsigned char h[8];
	char hex[2 * sizeof(h) + 1];
	crypto_generichash(h, sizeof(h), (const unsigned char *)ids, n * sizeof(*ids), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	return arena_printf(a, "imagier:liked:%lld:%llu:%s", (long long)user_id,
			    (unsigned long long)uv, hex);
}

/* "L" and the liked ids, comma-separated, into liked[]; -1 if malformed. */
static int liked_parse(const char *val, size_t len, const int64_t *ids, size_t n, int *liked)
{
	if (!len || val[0] != 'L')
		return -1;
	const char *p = val + 1, *end = val + len;
	while (p < end) {
		int64_t id = 0;
		const char *d = p;
		while (p < end && *p >= '0' && *p <= '9' && id < INT64_MAX / 10)
			id = id * 10 + (*p++ - '0');
		if (p == d || (p < end && *p++ != ','))
			return -1;
		for (size_t i = 0; i < n; i++)
			if (ids[i] == id)
				liked[i] = 1;
	}
	return 0;
}

int social_liked_cached(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
			const int64_t *ids, size_t n, const char *key, const char *val, size_t len,
			int *liked)
{
	memset(liked, 0, n * sizeof(*liked));
	if (key && val && liked_parse(val, len, ids, n, liked) == 0)
		return 0;
	if (social_liked_map(db, a, user_id, ids, n, liked))
		return -1;
	if (key) {
		struct buf b = {0};
		buf_append(&b, "L", 1);
		for (size_t i = 0; i < n; i++)
			if (liked[i])
				buf_printf(&b, "%s%lld", b.len > 1 ? "," : "", (long long)ids[i]);
		cache_set(cache, key, b.data, b.len, LIKED_MAP_TTL);
		buf_free(&b);
	}
	return 0;
}

int64_t social_post_published(struct db *db, struct arena *a, const struct config *cfg,
			      int64_t post_id, int64_t actor_id)
{
	struct db_res r;
	/* The same bytes as a hidden or removed post: the picture is in view
	 * again, so are its files (before they are stamped). */
	withhold_release_post(db, a, cfg->media_dir, post_id);
	provenance_stamp(db, a, cfg, post_id); /* XMP with the post's URL */
	if (db_read(db, a, &r,
		    "SELECT pp.id, pp.user_id FROM posts p JOIN posts pp ON pp.id = p.parent_id "
		    "WHERE p.id = ?",
		    "i", post_id) != DB_OK ||
	    !r.nrows)
		return 0;
	social_notify(db, a, db_int(&r, 0, 1), actor_id, "remix", db_int(&r, 0, 0), 0);
	return db_int(&r, 0, 0);
}
