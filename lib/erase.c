/* erase.c - deleting an account: after one transaction removed every row of
 * the person (and corrected the counters of others), their files and every
 * cached copy go. The audit log keeps its rows with the person erased. */
#include "erase.h"
#include "apqueue.h"
#include "account.h"
#include "cache.h"
#include "cachekey.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "microcache.h"
#include "util.h"
#include "withhold.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    /* their posts in others' stored following timelines (with their name) */
    {1, "DELETE FROM timelines WHERE post_id IN (SELECT id FROM posts WHERE user_id = ?)"},
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
    /* ActivityPub: their actor and objects answer 410 Gone from now on;
     * only hashes are kept (sql/021_activitypub.sql) */
    {1, "INSERT INTO ap_tombstones (ref, kind, deleted_at) SELECT UNHEX(SHA2(CONCAT('actor:', "
	"LOWER(username)), 256)), 'actor', UNIX_TIMESTAMP() FROM users WHERE id = ? ON DUPLICATE "
	"KEY UPDATE deleted_at = VALUES(deleted_at)"},
    {1, "INSERT INTO ap_tombstones (ref, kind, deleted_at) SELECT UNHEX(SHA2(CONCAT('object:', "
	"id), 256)), 'object', UNIX_TIMESTAMP() FROM posts WHERE user_id = ? ON DUPLICATE KEY "
	"UPDATE deleted_at = VALUES(deleted_at)"},
    {1, "UPDATE users SET avatar_image_id = NULL WHERE id = ?"},
    /* the account: sessions, posts (tags, likes, comments on them), likes,
     * comments, follows, mutes, blocks, muted terms, generations, appeals,
     * consent history and export jobs go with it (ON DELETE CASCADE) */
    {1, "DELETE FROM users WHERE id = ?"},
};

/* What has to go after the commit: files and cached copies. */
struct leftovers {
	int64_t user;
	struct db_res sessions; /* LOWER(HEX(token_hash)) */
	struct db_res posts;	/* ids */
	struct db_res files;	/* media paths of images nobody else uses */
	struct db_res exports;	/* export archive names */
	struct db_res tags;	/* names of the tags only they used, now gone */
	const char *username;
	const char **prefixes; /* their sessions' cached pages and their posts' keys */
	size_t nprefixes;
};

/* After the account went (and with it their posts and follows): the tags
 * of theirs that no post carries and nobody follows any more go too, so a
 * tag only they used answers 404 like one never used. Their names in
 * lo->tags. */
static int erase_lonely_tags(struct db *db, struct arena *a, const struct db_res *mine,
			     struct leftovers *lo)
{
	lo->tags.nrows = 0;
	if (!mine->nrows)
		return DB_OK;
	int64_t *ids = arena_alloc(a, mine->nrows * sizeof(*ids));
	for (size_t i = 0; i < mine->nrows; i++)
		ids[i] = db_int(mine, i, 0);
	char *list = db_id_list(a, ids, mine->nrows, sizeof(*ids));
	const char *lonely =
	    "FROM tags WHERE id IN (SELECT j.id FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT "
	    "PATH '$')) j) AND NOT EXISTS (SELECT 1 FROM post_tags pt WHERE pt.tag_id = "
	    "tags.id) AND NOT EXISTS (SELECT 1 FROM tag_follows tf WHERE tf.tag_id = tags.id)";
	int rc =
	    db_exec(db, a, &lo->tags, arena_printf(a, "SELECT name, id %s", lonely), "s", list);
	if (rc != DB_OK || !lo->tags.nrows)
		return rc;
	for (size_t i = 0; i < lo->tags.nrows; i++)
		ids[i] = db_int(&lo->tags, i, 1);
	char *gone = db_id_list(a, ids, lo->tags.nrows, sizeof(*ids));
	rc = db_exec(db, a, NULL,
		     "DELETE FROM feed_feedback WHERE kind = 'tag' AND target_id IN (SELECT j.id "
		     "FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j)",
		     "s", gone);
	if (rc == DB_OK)
		rc = db_exec(db, a, NULL, arena_printf(a, "DELETE %s", lonely), "s", gone);
	return rc;
}

/* Run erase_sql with uid as every parameter. DB_OK or the failure. */
static int erase_statements(struct db *db, struct arena *a, int64_t uid)
{
	for (size_t i = 0; i < ARRAY_LEN(erase_sql); i++) {
		int rc;
		switch (erase_sql[i].nparams) {
		case 1:
			rc = db_exec(db, a, NULL, erase_sql[i].sql, "i", uid);
			break;
		case 2:
			rc = db_exec(db, a, NULL, erase_sql[i].sql, "ii", uid, uid);
			break;
		default:
			rc = db_exec(db, a, NULL, erase_sql[i].sql, "iiii", uid, uid, uid, uid);
			break;
		}
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* Delete the images of imgs that nobody uses any more (no post, generation
 * or avatar of anybody), listing their files into lo->files first. */
static int erase_unused_images(struct db *db, struct arena *a, const struct db_res *imgs,
			       struct leftovers *lo)
{
	lo->files.nrows = 0;
	if (!imgs->nrows)
		return DB_OK;
	int64_t *ids = arena_alloc(a, imgs->nrows * sizeof(*ids));
	for (size_t i = 0; i < imgs->nrows; i++)
		ids[i] = db_int(imgs, i, 0);
	char *list = db_id_list(a, ids, imgs->nrows, sizeof(*ids));
	const char *unused =
	    "FROM images i JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j ON "
	    "j.id = i.id WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.image_id = i.id) "
	    "AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.image_id = i.id) AND NOT "
	    "EXISTS (SELECT 1 FROM users u WHERE u.avatar_image_id = i.id)";
	int rc = db_exec(db, a, &lo->files,
			 arena_printf(a,
				      "SELECT m.path FROM media_files m JOIN (SELECT i.id %s) x ON "
				      "x.id = m.image_id",
				      unused),
			 "s", list);
	if (rc == DB_OK)
		rc = db_exec(db, a, NULL, arena_printf(a, "DELETE i %s", unused), "s", list);
	return rc;
}

/* ActivityPub: the servers that knew them get Delete of their actor,
 * signed with their key, which stays on the delivery rows (the users row
 * goes) and in the tombstone (public half, ERASE_KEY_DAYS) so that a
 * receiver can still fetch it to verify the Delete. Their inbox's rows go
 * (the activities name them). Inside erase_rows's transaction, before
 * erase_statements (whose cascades take the followers and the key). DB_OK or the failure. */
#define ERASE_KEY_DAYS	  8    /* the retries of a delivery last 7 days */
#define ERASE_MAX_INBOXES 5000 /* servers told of an erasure */
static int erase_federation(struct db *db, struct arena *a, const char *base, int64_t uid,
			    const char *username)
{
	struct db_res k, in;
	int rc = db_exec(db, a, NULL,
			 "DELETE FROM ap_inbox WHERE user_id = ? OR (user_id IS NULL AND state <> "
			 "'new' AND (INSTR(body, ?) > 0 OR INSTR(body, ?) > 0 OR INSTR(body, ?) > "
			 "0))",
			 "isss", uid, arena_printf(a, "/u/%s\"", username),
			 arena_printf(a, "/u/%s/", username), arena_printf(a, "/u/%s#", username));
	if (rc != DB_OK || !base || !*base)
		return rc;
	if ((rc =
		 db_exec(db, a, &k, "SELECT public_pem, private_pem FROM ap_keys WHERE user_id = ?",
			 "i", uid)) != DB_OK)
		return rc;
	if (!k.nrows)
		return DB_OK; /* no key: no actor was ever served, nobody knows them */
	if ((rc = db_exec(
		 db, a, &in,
		 "SELECT DISTINCT IFNULL(r.shared_inbox, r.inbox) FROM ap_actors r WHERE r.id IN "
		 "(SELECT actor_id FROM ap_followers WHERE user_id = ?) OR r.id IN (SELECT "
		 "actor_id FROM ap_follows_out WHERE user_id = ?) OR r.id IN (SELECT o.actor_id "
		 "FROM ap_objects o JOIN posts p ON p.id = o.local_id WHERE o.kind IN ('like', "
		 "'announce') AND p.user_id = ?) OR r.id IN (SELECT o.actor_id FROM ap_objects o "
		 "JOIN comments c ON c.id = o.local_id JOIN posts p ON p.id = c.post_id WHERE "
		 "o.kind = 'comment' AND p.user_id = ?) LIMIT ?",
		 "iiiii", uid, uid, uid, uid, (int64_t)ERASE_MAX_INBOXES)) != DB_OK)
		return rc;
	if (!in.nrows)
		return DB_OK; /* nobody to tell: the actor answers 410 at once */
	if ((rc =
		 db_exec(db, a, NULL,
			 "INSERT INTO ap_tombstones (ref, kind, deleted_at, public_pem, key_until) "
			 "VALUES (UNHEX(SHA2(CONCAT('actor:', LOWER(?)), 256)), 'actor', ?, ?, ?) "
			 "ON DUPLICATE KEY UPDATE public_pem = VALUES(public_pem), key_until = "
			 "VALUES(key_until)",
			 "sisi", username, now_unix(), db_str(&k, 0, 0),
			 now_unix() + ERASE_KEY_DAYS * 86400)) != DB_OK)
		return rc;
	const char *actor = arena_printf(a, "%s/u/%s", base, username);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@context", "https://www.w3.org/ns/activitystreams");
	cJSON_AddStringToObject(d, "id", arena_printf(a, "%s#delete", actor));
	cJSON_AddStringToObject(d, "type", "Delete");
	cJSON_AddStringToObject(d, "actor", actor);
	cJSON_AddStringToObject(d, "object", actor);
	cJSON *to = cJSON_AddArrayToObject(d, "to");
	cJSON_AddItemToArray(to,
			     cJSON_CreateString("https://www.w3.org/ns/activitystreams#Public"));
	char *body = json_print(d);
	cJSON_Delete(d);
	if (!body)
		return DB_ERR;
	const char *key_id = arena_printf(a, "%s#main-key", actor);
	for (size_t i = 0; i < in.nrows && rc == DB_OK; i++)
		if (apq_enqueue_signed(db, a, key_id, db_str(&k, 0, 1), db_str(&in, i, 0), body))
			rc = DB_ERR;
	free(body);
	if (in.nrows)
		log_info("delete: Delete of the actor queued for %zu servers", in.nrows);
	return rc;
}

/* The rows, in one transaction. 0, 404, 409 (the only admin) or 503. */
static int erase_rows(struct db *db, struct arena *a, const char *base, int64_t uid,
		      struct leftovers *lo)
{
	struct db_res r, imgs;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	/* Lock the account row first: two deletions cannot interleave. */
	if (db_exec(db, a, &r, "SELECT role, username FROM users WHERE id = ? FOR UPDATE", "i",
		    uid) != DB_OK)
		goto done;
	if (!r.nrows) {
		db_rollback(db);
		return 404;
	}
	const char *username = db_str(&r, 0, 1);
	lo->username = username;
	/* The site keeps an admin (the admins' rows locked: two admins leaving
	 * at once cannot both go). */
	if (!strcmp(db_str(&r, 0, 0), "admin")) {
		/* A banned admin is not one the site counts on: erasing them
		 * leaves the active admins as they are. */
		if (db_exec(db, a, &r,
			    "SELECT COUNT(*), IFNULL(SUM(id = ?), 0) FROM users WHERE role = "
			    "'admin' AND banned_at IS NULL FOR UPDATE",
			    "i", uid) != DB_OK)
			goto done;
		if (db_int(&r, 0, 1) && db_int(&r, 0, 0) <= 1) {
			db_rollback(db);
			return 409;
		}
	}
	if (db_read(db, a, &lo->sessions,
		    "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = ?", "i",
		    uid) != DB_OK ||
	    db_read(db, a, &lo->posts, "SELECT id FROM posts WHERE user_id = ?", "i", uid) !=
		DB_OK ||
	    db_read(db, a, &lo->exports,
		    "SELECT file FROM export_jobs WHERE user_id = ? AND file <> ''", "i",
		    uid) != DB_OK)
		goto done;
	/* The tags on their posts: those nobody else uses go at the end. */
	struct db_res tags;
	if (db_read(db, a, &tags,
		    "SELECT DISTINCT pt.tag_id FROM post_tags pt JOIN posts p ON p.id = "
		    "pt.post_id WHERE p.user_id = ?",
		    "i", uid) != DB_OK)
		goto done;
	/* Their images: of their posts, generations and avatar. Those nobody
	 * else uses go, rows and files. */
	if (db_read(db, a, &imgs,
		    "SELECT image_id FROM posts WHERE user_id = ? UNION SELECT image_id FROM "
		    "generations WHERE user_id = ? AND image_id IS NOT NULL UNION SELECT "
		    "avatar_image_id FROM users WHERE id = ? AND avatar_image_id IS NOT NULL",
		    "iii", uid, uid, uid) != DB_OK ||
	    erase_federation(db, a, base, uid, username) != DB_OK ||
	    erase_statements(db, a, uid) != DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM rate_limits WHERE k = ?", "s",
		    account_login_key(a, username)) != DB_OK ||
	    erase_unused_images(db, a, &imgs, lo) != DB_OK ||
	    erase_lonely_tags(db, a, &tags, lo) != DB_OK)
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
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

/* nginx's microcache keeps anonymous copies of their profile (5 s) and
 * feeds (60 s), and of the pages of tags that went with them: ask it to
 * fetch those again now, so they answer 404 at once (docs/OPERATIONS.md).
 * Their post pages (5 s) are left to expire. Names are [a-z0-9_] and tags
 * letters, digits, - and _: percent-encoded all the same. */
#define ERASE_REFRESH_TAGS 50
static void erase_microcache(struct arena *a, const struct config *cfg, const struct leftovers *lo)
{
	static const char *const user_paths[] = {"/u/%s",
						 "/u/%s/feed.atom",
						 "/u/%s/feed.rss",
						 "/api/v1/users/%s",
						 "/api/v1/users/%s/posts",
						 MICROCACHE_AP_PREFIX "/u/%s",
						 MICROCACHE_AP_PREFIX "/u/%s/outbox",
						 MICROCACHE_AP_PREFIX "/u/%s/followers",
						 MICROCACHE_AP_PREFIX "/u/%s/following"};
	static const char *const tag_paths[] = {"/t/%s", "/t/%s/feed.atom", "/t/%s/feed.rss",
						"/api/v1/tags/%s/posts"};
	size_t ntags = lo->tags.nrows < ERASE_REFRESH_TAGS ? lo->tags.nrows : ERASE_REFRESH_TAGS;
	size_t max = ARRAY_LEN(user_paths) + ntags * ARRAY_LEN(tag_paths), n = 0;
	const char **paths = arena_alloc(a, max * sizeof(*paths));
	if (lo->username) {
		const char *name = url_encode(a, lo->username);
		for (size_t i = 0; i < ARRAY_LEN(user_paths); i++)
			paths[n++] = arena_printf(a, user_paths[i], name);
	}
	for (size_t t = 0; t < ntags; t++) {
		const char *tag = url_encode(a, db_str(&lo->tags, t, 0));
		for (size_t i = 0; i < ARRAY_LEN(tag_paths); i++)
			paths[n++] = arena_printf(a, tag_paths[i], tag);
	}
	microcache_refresh(a, cfg, paths, n);
}

static void erase_files_and_cache(struct cache *cache, struct arena *a, const struct config *cfg,
				  struct leftovers *lo, struct erase_stats *st)
{
	for (size_t i = 0; i < lo->files.nrows; i++) {
		const char *rel = db_str(&lo->files, i, 0);
		/* (served, or withheld: a hidden or removed post's) */
		char *path = arena_printf(a, "%s/%s", cfg->media_dir, rel);
		char *held = arena_printf(a, "%s/" WITHHELD_DIR "/%s", cfg->media_dir, rel);
		if (unlink(path) && errno != ENOENT)
			log_error("delete: cannot remove %s: %s (imagier sweep-media will)", path,
				  strerror(errno));
		if (unlink(held) && errno != ENOENT)
			log_error("delete: cannot remove %s: %s (imagier sweep-media will)", held,
				  strerror(errno));
	}
	for (size_t i = 0; i < lo->exports.nrows; i++) {
		char *path = arena_printf(a, "%s/%s", cfg->exports_dir, db_str(&lo->exports, i, 0));
		if (unlink(path) && errno != ENOENT)
			log_error("delete: cannot remove %s: %s", path, strerror(errno));
		unlink(arena_printf(a, "%s.part", path)); /* one being made now */
	}
	/* Cached copies: the sessions and the posts are deleted by name (in
	 * case the listing fails: a server down); the pages cached per session
	 * (by the session's hash) and every key of the person are found by
	 * listing the keys (cache_purge). */
	lo->prefixes =
	    arena_alloc(a, (2 * lo->sessions.nrows + lo->posts.nrows + 1) * sizeof(*lo->prefixes));
	lo->nprefixes = 0;
	for (size_t i = 0; i < lo->sessions.nrows; i++) {
		const char *h = db_str(&lo->sessions, i, 0);
		cache_delete(cache, cachekey_session(a, h));
		lo->prefixes[lo->nprefixes++] = cachekey_session_pages(a, h);
		/* the bodies nginx sends of those pages (their name, their feed) */
		lo->prefixes[lo->nprefixes++] = cachekey_session_bodies(a, h);
	}
	/* (listed too: a page hydrated meanwhile may have cached "gone" there) */
	for (size_t i = 0; i < lo->posts.nrows; i++) {
		char *key = cachekey_post(a, db_int(&lo->posts, i, 0));
		cache_delete(cache, key);
		lo->prefixes[lo->nprefixes++] = key;
	}
	st->cached_keys = cache_purge(cache, key_is_theirs, lo);
	st->files = lo->files.nrows;
	cache_bump(cache, CACHEKEY_FEED_VERSION);
	erase_microcache(a, cfg, lo);
	log_info("account %lld deleted: %zu files, %ld cached keys", (long long)lo->user, st->files,
		 st->cached_keys);
}

int erase_account(struct db *db, struct cache *cache, struct arena *a, const struct config *cfg,
		  int64_t user_id, struct erase_stats *st)
{
	struct leftovers lo = {.user = user_id};
	struct erase_stats mine;
	char *base = arena_strdup(a, cfg->site_base_url);
	for (size_t n = strlen(base); n && base[n - 1] == '/';)
		base[--n] = '\0';
	int rc = erase_rows(db, a, base, user_id, &lo);
	if (rc)
		return rc;
	erase_files_and_cache(cache, a, cfg, &lo, st ? st : &mine);
	return 0;
}
