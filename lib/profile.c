/* profile.c - people and tags as pages show them (see profile.h). */
#include "profile.h"
#include "config.h"
#include "dataset.h"
#include "db.h"
#include "http.h"
#include "image.h"
#include "log.h"
#include "post.h"
#include "provenance.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* One id by name (sql selects it): 0, 404 or 503. */
static int id_by_name(struct db *db, struct arena *a, const char *sql, const char *name,
		      int64_t *id)
{
	struct db_res r;
	if (db_read(db, a, &r, sql, "s", name) != DB_OK)
		return 503;
	if (r.nrows == 0)
		return 404;
	*id = db_int(&r, 0, 0);
	return 0;
}

int profile_user_id(struct db *db, struct arena *a, const char *name, int64_t *id)
{
	return id_by_name(db, a, "SELECT id FROM users WHERE username = ?", name, id);
}

const char *profile_username(struct db *db, struct arena *a, int64_t id)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT username FROM users WHERE id = ?", "i", id) != DB_OK ||
	    !r.nrows)
		return NULL;
	return db_str(&r, 0, 0);
}

int profile_tag_id(struct db *db, struct arena *a, const char *name, int64_t *id)
{
	return id_by_name(db, a, "SELECT id FROM tags WHERE name = ?", name, id);
}

/* What the viewer does about the person: follows, mutes, blocks. 0 or -1. */
static int viewer_fields(struct db *db, struct arena *a, int64_t viewer_id, int64_t user_id,
			 cJSON *u)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?",
		    "ii", viewer_id, user_id) != DB_OK)
		return -1;
	cJSON_AddBoolToObject(u, "followed_by_me", r.nrows > 0);
	/* a remote person: a Follow sent, their Accept not come yet; a
	 * locked person here: a request they did not answer yet */
	if (db_read(db, a, &r,
		    "SELECT 1 FROM ap_follows_out o JOIN ap_actors x ON x.id = o.actor_id WHERE "
		    "o.user_id = ? AND x.user_id = ? AND o.state = 'pending' UNION ALL SELECT 1 "
		    "FROM follow_requests f WHERE f.requester_user_id = ? AND f.user_id = ?",
		    "iiii", viewer_id, user_id, viewer_id, user_id) != DB_OK)
		return -1;
	cJSON_AddBoolToObject(u, "follow_requested", r.nrows > 0);
	if (db_read(db, a, &r,
		    "SELECT EXISTS (SELECT 1 FROM mutes WHERE user_id = ? AND target_id = ?), "
		    "EXISTS (SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?)",
		    "iiii", viewer_id, user_id, viewer_id, user_id) != DB_OK)
		return -1;
	cJSON_AddBoolToObject(u, "muted_by_me", db_int(&r, 0, 0) > 0);
	cJSON_AddBoolToObject(u, "blocked_by_me", db_int(&r, 0, 1) > 0);
	return 0;
}

cJSON *profile_user_json(struct db *db, struct arena *a, const char *media_url, int64_t viewer_id,
			 int64_t user_id, int *status)
{
	struct db_res r;
	if (db_read(
		db, a, &r,
		"SELECT u.id, u.username, u.role, u.bio, u.post_count, u.follower_count, "
		"u.following_count, u.created_at, i.width, i.height, i.blurhash, i.avg_color, "
		"i.variants, u.domain, x.name, IFNULL(x.url, x.uri), x.uri, u.locked FROM users u "
		"LEFT "
		"JOIN images i ON i.id = u.avatar_image_id LEFT JOIN ap_actors x ON x.user_id "
		"= u.id WHERE u.id = ?",
		"i", user_id) != DB_OK) {
		*status = 503;
		return NULL;
	}
	if (r.nrows == 0) {
		*status = 404;
		return NULL;
	}
	cJSON *u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "id", (double)db_int(&r, 0, 0));
	const char *name = db_str(&r, 0, 1);
	cJSON_AddStringToObject(u, "username", name);
	/* the avatar placeholder's letter: the name's first character */
	size_t first = 1;
	while (name[first] && ((unsigned char)name[first] & 0xC0) == 0x80)
		first++;
	cJSON_AddStringToObject(u, "initial", arena_strndup(a, name, *name ? first : 0));
	cJSON_AddStringToObject(u, "role", db_str(&r, 0, 2));
	cJSON_AddStringToObject(u, "bio", db_str(&r, 0, 3));
	cJSON_AddNumberToObject(u, "post_count", (double)db_int(&r, 0, 4));
	cJSON_AddNumberToObject(u, "follower_count", (double)db_int(&r, 0, 5));
	cJSON_AddNumberToObject(u, "following_count", (double)db_int(&r, 0, 6));
	cJSON_AddStringToObject(u, "created_at", time_iso(a, db_int(&r, 0, 7)));
	cJSON_AddBoolToObject(u, "locked", db_int(&r, 0, 17));
	cJSON_AddStringToObject(u, "url", arena_printf(a, "/u/%s", db_str(&r, 0, 1)));
	cJSON *avatar = db_str(&r, 0, 8) ? post_thumb_json(a, media_url, db_int(&r, 0, 8),
							   db_int(&r, 0, 9), db_str(&r, 0, 10),
							   db_str(&r, 0, 11), db_str(&r, 0, 12))
					 : NULL;
	if (avatar)
		cJSON_AddItemToObject(u, "avatar", avatar);
	/* A person of another server (username name@host): their name and
	 * profile as their server says, the bio already plain text. */
	if (*db_str(&r, 0, 13)) {
		cJSON *rem = cJSON_AddObjectToObject(u, "remote");
		cJSON_AddStringToObject(rem, "domain", db_str(&r, 0, 13));
		cJSON_AddStringToObject(rem, "name", db_str(&r, 0, 14) ? db_str(&r, 0, 14) : "");
		if (db_str(&r, 0, 15))
			cJSON_AddStringToObject(rem, "profile_url", db_str(&r, 0, 15));
		if (db_str(&r, 0, 16))
			cJSON_AddStringToObject(rem, "actor", db_str(&r, 0, 16));
	}
	if (viewer_id && viewer_id != user_id && viewer_fields(db, a, viewer_id, user_id, u)) {
		cJSON_Delete(u);
		*status = 503;
		return NULL;
	}
	cJSON_AddBoolToObject(u, "is_me", viewer_id && viewer_id == user_id);
	*status = 200;
	return u;
}

cJSON *profile_tag_json(struct db *db, struct arena *a, int64_t tag_id, const char *name)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT post_count, follower_count FROM tags WHERE id = ?", "i",
		    tag_id) != DB_OK)
		return NULL;
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "url", arena_printf(a, "/t/%s", url_encode(a, name)));
	cJSON_AddNumberToObject(t, "post_count", (double)db_int(&r, 0, 0));
	cJSON_AddNumberToObject(t, "follower_count", (double)db_int(&r, 0, 1));
	return t;
}

int profile_tag_followed(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT 1 FROM tag_follows WHERE user_id = ? AND tag_id = ?", "ii",
		    user_id, tag_id) != DB_OK)
		return -1;
	return r.nrows > 0;
}

int profile_avatar_store(const struct config *cfg, const unsigned char *data, size_t len,
			 struct image_stored *out, const char **why)
{
	struct image_info info;
	uint64_t maxpx = (uint64_t)cfg->max_pixels;
	if (maxpx > PROFILE_AVATAR_MAX_PIXELS)
		maxpx = PROFILE_AVATAR_MAX_PIXELS;
	memset(out, 0, sizeof(*out));
	if (len > PROFILE_AVATAR_MAX_BYTES || (long)len > cfg->max_upload) {
		*why = "the file is larger than an avatar may be (5 MB)";
		return 413;
	}
	int st = image_sniff(data, len, maxpx, &info, why);
	if (st) {
		if (*why == info.reason) {
			str_copy(out->reason, info.reason, sizeof(out->reason));
			*why = out->reason;
		}
		return st;
	}
	if ((st = media_room(cfg, why)))
		return st;
	return image_store_fit(cfg->media_dir, data, len, maxpx, PROFILE_AVATAR_SIDE, out, why);
}

/* Drop the image old_id when nothing uses it any more (no post, generation
 * or avatar of anybody): its paths go to *files, its rows (media_files by
 * cascade) are deleted. DB_OK or the failure. */
static int drop_unused_image(struct db *db, struct arena *a, int64_t old_id, struct db_res *files)
{
	struct db_res r;
	files->nrows = 0;
	int rc =
	    db_exec(db, a, files, "SELECT path FROM media_files WHERE image_id = ?", "i", old_id);
	if (rc == DB_OK)
		rc =
		    db_exec(db, a, &r,
			    "DELETE FROM images WHERE id = ? AND NOT EXISTS (SELECT 1 FROM posts p "
			    "WHERE p.image_id = ?) AND NOT EXISTS (SELECT 1 FROM generations g "
			    "WHERE g.image_id = ?) AND NOT EXISTS (SELECT 1 FROM users u WHERE "
			    "u.avatar_image_id = ?)",
			    "iiii", old_id, old_id, old_id, old_id);
	if (rc == DB_OK && r.affected == 0)
		files->nrows = 0; /* still used: its files stay */
	return rc;
}

int profile_save(struct db *db, struct arena *a, const char *media_dir, int64_t user_id,
		 const char *bio, const struct image_stored *avatar, int consent, int64_t now,
		 int *changed)
{
	struct db_res r, files = {0};
	int ok = 0;
	if (db_begin(db) != DB_OK)
		goto done;
	/* The person's row first (the lock every writer of it takes first). */
	if (db_exec(db, a, &r,
		    "SELECT IFNULL(avatar_image_id, 0) FROM users WHERE id = ? FOR UPDATE", "i",
		    user_id) != DB_OK ||
	    r.nrows == 0)
		goto done;
	int64_t old_id = db_int(&r, 0, 0);
	if (bio && db_exec(db, a, NULL, "UPDATE users SET bio = ? WHERE id = ?", "si", bio,
			   user_id) != DB_OK)
		goto done;
	if (avatar) {
		int64_t image_id = image_insert(db, a, avatar);
		if (image_id < 0 ||
		    db_exec(db, a, NULL, "UPDATE users SET avatar_image_id = ? WHERE id = ?", "ii",
			    image_id, user_id) != DB_OK)
			goto done;
		/* The replaced avatar, unless it is the same picture again. */
		if (old_id && old_id != image_id &&
		    drop_unused_image(db, a, old_id, &files) != DB_OK)
			goto done;
	}
	if (consent >= 0 && consent_account_set(db, a, user_id, consent, now, changed))
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK) {
		if (avatar) /* nothing points at the new files */
			post_files_abandon(db, a, media_dir, avatar);
		return 503;
	}
	for (size_t i = 0; i < files.nrows; i++) {
		const char *path = arena_printf(a, "%s/%s", media_dir, db_str(&files, i, 0));
		if (unlink(path) && errno != ENOENT)
			log_error("avatar: cannot remove %s: %s (imagier sweep-media will)", path,
				  strerror(errno));
	}
	return 0;
}

int profile_feed_owner(struct db *db, struct arena *a, int user, const char *name, int64_t *id,
		       const char **stored_name, int64_t *since)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    user ? "SELECT id, username, created_at FROM users WHERE username = ? AND "
			   "banned_at IS NULL AND domain = ''"
			 : "SELECT id, name, 0 FROM tags WHERE name = ?",
		    "s", name) != DB_OK)
		return 503;
	if (r.nrows == 0)
		return 404;
	*id = db_int(&r, 0, 0);
	*stored_name = db_str(&r, 0, 1);
	*since = db_int(&r, 0, 2);
	return 0;
}
