/* delete.c - a person deletes their account (/settings/delete, DELETE
 * /api/v1/me): after their password, everything of theirs goes in one
 * transaction — posts, comments, likes, follows, sessions, notifications,
 * reports, consent history, exports — and then their files and every cached
 * copy. Others' counters are corrected; others' remixes stay and show
 * "parent deleted"; the audit log keeps its rows with the person erased. */
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "db.h"
#include "feedview.h"
#include "log.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SESSION_COOKIE "imagier_session"

int delete_form(struct ctx *c)
{
	c->title = "Delete your account";
	cJSON_AddStringToObject(ctx_data(c), "username", c->me->username);
	return 200;
}

/* The statements that erase a person, in order, each with the user id as
 * every parameter ("?" count given). Counters of others first (they read the
 * rows about to go), then the rows that no foreign key removes, then the
 * account itself (its foreign keys cascade to the rest). */
static const struct {
	int nparams;
	const char *sql;
} erase_sql[] = {
    /* others' counters */
    {2, "UPDATE posts p JOIN likes l ON l.post_id = p.id SET p.like_count = "
	"GREATEST(p.like_count, 1) - 1 WHERE l.user_id = ? AND p.user_id <> ?"},
    {2, "UPDATE posts p JOIN (SELECT post_id, COUNT(*) AS n FROM comments WHERE user_id = ? "
	"AND deleted = 0 GROUP BY post_id) x ON x.post_id = p.id SET p.comment_count = "
	"GREATEST(CAST(p.comment_count AS SIGNED) - x.n, 0) WHERE p.user_id <> ?"},
    {2, "UPDATE posts pp JOIN (SELECT parent_id, COUNT(*) AS n FROM posts WHERE user_id = ? "
	"AND parent_id IS NOT NULL GROUP BY parent_id) x ON x.parent_id = pp.id SET "
	"pp.remix_count = GREATEST(CAST(pp.remix_count AS SIGNED) - x.n, 0) WHERE "
	"pp.user_id <> ?"},
    {1, "UPDATE users u JOIN follows f ON f.followee_id = u.id SET u.follower_count = "
	"GREATEST(u.follower_count, 1) - 1 WHERE f.follower_id = ?"},
    {1, "UPDATE users u JOIN follows f ON f.follower_id = u.id SET u.following_count = "
	"GREATEST(u.following_count, 1) - 1 WHERE f.followee_id = ?"},
    {1, "UPDATE tags t JOIN tag_follows tf ON tf.tag_id = t.id SET t.follower_count = "
	"GREATEST(t.follower_count, 1) - 1 WHERE tf.user_id = ?"},
    {1, "UPDATE tags t JOIN (SELECT pt.tag_id, COUNT(*) AS n FROM post_tags pt JOIN posts p ON "
	"p.id = pt.post_id WHERE p.user_id = ? GROUP BY pt.tag_id) x ON x.tag_id = t.id SET "
	"t.post_count = GREATEST(CAST(t.post_count AS SIGNED) - x.n, 0)"},
    /* others' replies to their comments become top-level comments */
    {2, "UPDATE comments r JOIN comments p ON p.id = r.parent_id SET r.parent_id = NULL "
	"WHERE p.user_id = ? AND r.user_id <> ?"},
    /* rows that point at them or their things without a cascading key */
    {4, "DELETE FROM notifications WHERE user_id = ? OR actor_id = ? OR post_id IN (SELECT id "
	"FROM posts WHERE user_id = ?) OR comment_id IN (SELECT id FROM comments WHERE "
	"user_id = ?)"},
    {2, "DELETE FROM impressions WHERE user_id = ? OR post_id IN (SELECT id FROM posts WHERE "
	"user_id = ?)"},
    {2, "DELETE FROM feed_feedback WHERE user_id = ? OR (kind = 'author' AND target_id = ?)"},
    {4, "DELETE FROM reports WHERE reporter_id = ? OR (target_type = 'user' AND target_id = ?) "
	"OR (target_type = 'post' AND target_id IN (SELECT id FROM posts WHERE user_id = ?)) OR "
	"(target_type = 'comment' AND target_id IN (SELECT id FROM comments WHERE user_id = ?))"},
    /* others' comments on their posts go with the posts: so do their reports
     * and the classifier's copies */
    {1, "DELETE FROM reports WHERE target_type = 'comment' AND target_id IN (SELECT c.id FROM "
	"comments c JOIN posts p ON p.id = c.post_id WHERE p.user_id = ?)"},
    {1, "DELETE FROM classifier_decisions WHERE target_type = 'comment' AND target_id IN "
	"(SELECT c.id FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.user_id = ?)"},
    {1, "DELETE FROM classifier_scores WHERE target_type = 'comment' AND target_id IN (SELECT "
	"c.id FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.user_id = ?)"},
    {2, "DELETE FROM classifier_decisions WHERE (target_type = 'post' AND target_id IN (SELECT "
	"id FROM posts WHERE user_id = ?)) OR (target_type = 'comment' AND target_id IN (SELECT "
	"id FROM comments WHERE user_id = ?))"},
    {2, "DELETE FROM classifier_scores WHERE (target_type = 'post' AND target_id IN (SELECT id "
	"FROM posts WHERE user_id = ?)) OR (target_type = 'comment' AND target_id IN (SELECT id "
	"FROM comments WHERE user_id = ?))"},
    {1, "UPDATE blocked_hashes SET post_id = NULL WHERE post_id IN (SELECT id FROM posts WHERE "
	"user_id = ?)"},
    {1, "UPDATE appeals SET decided_by = NULL WHERE decided_by = ?"},
    {1, "UPDATE word_filters SET updated_by = NULL WHERE updated_by = ?"},
    /* the audit log keeps its rows, with the person erased (013_erasure.sql) */
    {1, "UPDATE mod_actions SET actor_id = NULL, actor_name = '[deleted]' WHERE actor_id = ?"},
    /* (reason and detail first: SET reads the columns as it goes) */
    {1, "UPDATE mod_actions SET reason = REGEXP_REPLACE(reason, CONCAT('\\\\b', "
	"subject_name, '\\\\b'), '[deleted]'), detail = REGEXP_REPLACE(detail, "
	"CONCAT('\\\\b', subject_name, '\\\\b'), '[deleted]'), subject_id = NULL, "
	"subject_name = '[deleted]' WHERE subject_id = ?"},
    {1, "UPDATE mod_actions SET target_id = 0 WHERE target_type = 'user' AND target_id = ?"},
    {1, "UPDATE users SET avatar_image_id = NULL WHERE id = ?"},
    /* the account: sessions, posts (tags, likes, comments on them), likes,
     * comments, follows, mutes, blocks, muted terms, generations, appeals,
     * consent history and export jobs go with it (ON DELETE CASCADE) */
    {1, "DELETE FROM users WHERE id = ?"},
};

/* What has to go after the commit: files and cached copies. erase_rows
 * returns 0, -1 (database) or -2 (the only admin may not leave). */
struct leftovers {
	int64_t user;
	const char *username;
	struct db_res sessions; /* LOWER(HEX(token_hash)) */
	struct db_res posts;	/* ids */
	struct db_res files;	/* media paths of images nobody else uses */
	struct db_res exports;	/* export archive names */
	const char **prefixes;	/* their sessions' cached pages and their posts' keys */
	size_t nprefixes;
};

static int erase_rows(struct ctx *c, int64_t uid, struct leftovers *lo)
{
	struct db *db = c->app->db;
	struct db_res r;
	if (db_begin(db) != DB_OK)
		return -1;
	/* Lock the account row first: two deletions cannot interleave. */
	if (db_exec(db, c->a, &r, "SELECT role FROM users WHERE id = ? FOR UPDATE", "i", uid) !=
		DB_OK ||
	    !r.nrows)
		goto fail;
	/* The site keeps an admin (the admins' rows locked: two admins leaving
	 * at once cannot both go). */
	if (!strcmp(db_str(&r, 0, 0), "admin")) {
		if (db_exec(db, c->a, &r,
			    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND banned_at IS NULL "
			    "FOR UPDATE",
			    "") != DB_OK)
			goto fail;
		if (db_int(&r, 0, 0) <= 1) {
			db_rollback(db);
			return -2;
		}
	}
	if (db_exec(db, c->a, &lo->sessions,
		    "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = ?", "i",
		    uid) != DB_OK ||
	    db_exec(db, c->a, &lo->posts, "SELECT id FROM posts WHERE user_id = ?", "i", uid) !=
		DB_OK ||
	    db_exec(db, c->a, &lo->exports,
		    "SELECT file FROM export_jobs WHERE user_id = ? AND file <> ''", "i",
		    uid) != DB_OK)
		goto fail;
	/* Their images: of their posts, generations and avatar. Those nobody
	 * else uses go, rows and files. */
	struct db_res imgs;
	if (db_exec(db, c->a, &imgs,
		    "SELECT image_id FROM posts WHERE user_id = ? UNION SELECT image_id FROM "
		    "generations WHERE user_id = ? AND image_id IS NOT NULL UNION SELECT "
		    "avatar_image_id FROM users WHERE id = ? AND avatar_image_id IS NOT NULL",
		    "iii", uid, uid, uid) != DB_OK)
		goto fail;
	for (size_t i = 0; i < ARRAY_LEN(erase_sql); i++) {
		int rc;
		switch (erase_sql[i].nparams) {
		case 1:
			rc = db_exec(db, c->a, NULL, erase_sql[i].sql, "i", uid);
			break;
		case 2:
			rc = db_exec(db, c->a, NULL, erase_sql[i].sql, "ii", uid, uid);
			break;
		default:
			rc = db_exec(db, c->a, NULL, erase_sql[i].sql, "iiii", uid, uid, uid, uid);
			break;
		}
		if (rc != DB_OK)
			goto fail;
	}
	if (db_exec(db, c->a, NULL, "DELETE FROM rate_limits WHERE k = ?", "s",
		    arena_printf(c->a, "login:u:%s", lo->username)) != DB_OK)
		goto fail;
	lo->files.nrows = 0;
	if (imgs.nrows) {
		int64_t *ids = arena_alloc(c->a, imgs.nrows * sizeof(*ids));
		for (size_t i = 0; i < imgs.nrows; i++)
			ids[i] = db_int(&imgs, i, 0);
		char *list = db_id_list(c->a, ids, imgs.nrows, sizeof(*ids));
		/* Unused now: no post, generation or avatar of anybody. */
		const char *unused =
		    "FROM images i JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j ON "
		    "j.id = i.id WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.image_id = i.id) "
		    "AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.image_id = i.id) AND NOT "
		    "EXISTS (SELECT 1 FROM users u WHERE u.avatar_image_id = i.id)";
		if (db_exec(db, c->a, &lo->files,
			    arena_printf(c->a,
					 "SELECT m.path FROM media_files m JOIN (SELECT i.id %s) "
					 "x ON x.id = m.image_id",
					 unused),
			    "s", list) != DB_OK ||
		    db_exec(db, c->a, NULL, arena_printf(c->a, "DELETE i %s", unused), "s", list) !=
			DB_OK)
			goto fail;
	}
	if (db_commit(db) != DB_OK)
		return -1;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

static int key_is_theirs(const char *key, void *arg)
{
	const struct leftovers *lo = arg;
	for (size_t i = 0; i < lo->nprefixes; i++)
		if (!strncmp(key, lo->prefixes[i], strlen(lo->prefixes[i])))
			return 1;
	/* Any per-person key: a component equal to their id ("imagier:fy:12:3").
	 * Deleting a cached copy too many is harmless. */
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)lo->user);
	size_t n = strlen(id);
	for (const char *p = strstr(key, id); p; p = strstr(p + 1, id))
		if (p > key && p[-1] == ':' && (p[n] == ':' || p[n] == 0))
			return 1;
	return 0;
}

static void erase_files_and_cache(struct ctx *c, struct leftovers *lo)
{
	for (size_t i = 0; i < lo->files.nrows; i++) {
		char *path =
		    arena_printf(c->a, "%s/%s", c->app->cfg.media_dir, db_str(&lo->files, i, 0));
		if (unlink(path) && errno != ENOENT)
			log_error("delete: cannot remove %s: %s (imagier sweep-media will)", path,
				  strerror(errno));
	}
	for (size_t i = 0; i < lo->exports.nrows; i++) {
		char *path = arena_printf(c->a, "%s/exports/%s", c->app->cfg.var,
					  db_str(&lo->exports, i, 0));
		if (unlink(path) && errno != ENOENT)
			log_error("delete: cannot remove %s: %s", path, strerror(errno));
		unlink(arena_printf(c->a, "%s.part", path)); /* one being made now */
	}
	/* Cached copies: the sessions and the posts are deleted by name (in
	 * case the listing fails: a server down); the pages cached per session
	 * (by the session's hash) and every key of the person are found by
	 * listing the keys (cache_purge). */
	lo->prefixes =
	    arena_alloc(c->a, (lo->sessions.nrows + lo->posts.nrows + 1) * sizeof(*lo->prefixes));
	lo->nprefixes = 0;
	for (size_t i = 0; i < lo->sessions.nrows; i++) {
		const char *h = db_str(&lo->sessions, i, 0);
		cache_delete(c->app->cache, session_key_of_hash(c->a, h));
		lo->prefixes[lo->nprefixes++] = page_keys_of_hash(c->a, h);
	}
	/* (listed too: a page hydrated meanwhile may have cached "gone" there) */
	for (size_t i = 0; i < lo->posts.nrows; i++) {
		char *key = feed_post_key(c->a, db_int(&lo->posts, i, 0));
		cache_delete(c->app->cache, key);
		lo->prefixes[lo->nprefixes++] = key;
	}
	long n = cache_purge(c->app->cache, key_is_theirs, lo);
	cache_bump(c->app->cache, FEED_VERSION_KEY);
	log_info("account %lld deleted: %zu files, %ld cached keys", (long long)lo->user,
		 lo->files.nrows, n);
}

int account_delete(struct ctx *c)
{
	const char *pw = ctx_param(c, "password");
	c->title = "Delete your account";
	if (!c->api) {
		cJSON_AddStringToObject(ctx_data(c), "username", c->me->username);
		const char *confirm = ctx_param(c, "confirm");
		if (!confirm || strcmp(confirm, "yes"))
			return ctx_fail(c, 400, "not_confirmed",
					"Tick the box to confirm that everything will be deleted.");
	}
	if (!pw || !*pw || strlen(pw) > 1024)
		return ctx_fail(c, 400, "missing_password", "Enter your password to confirm.");
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, "SELECT password_hash FROM users WHERE id = ?", "i",
		    c->me->id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r.nrows)
		return ctx_fail(c, 404, "not_found", "This account does not exist any more.");
	if (!auth_password_verify(db_str(&r, 0, 0), pw))
		return ctx_fail(c, 403, "wrong_password",
				"That is not your password; nothing was deleted.");
	struct leftovers lo = {.user = c->me->id, .username = c->me->username};
	int rc = erase_rows(c, c->me->id, &lo);
	if (rc == -2)
		return ctx_fail(c, 409, "last_admin",
				"You are the only admin: make someone else admin first.");
	if (rc)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nothing was deleted.");
	erase_files_and_cache(c, &lo);
	log_info("delete: @%s deleted their account", c->me->username);
	if (!c->bearer)
		ctx_cookie(c, SESSION_COOKIE, "", -1);
	c->me = NULL; /* nobody is logged in any more: no user version to bump */
	cJSON_AddTrueToObject(ctx_data(c), "deleted");
	return ctx_done(c, 200, "/?deleted=1");
}
