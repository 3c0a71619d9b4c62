/* apub_data.c - the rows behind ActivityPub documents (apub_data.h). */
#include "apub_data.h"
#include "dataset.h"
#include "db.h"

#include <stdio.h>
#include <string.h>

/* 410 with *deleted_at when an erased account left a tombstone for
 * kind:name (sql/021_activitypub.sql), else 404; 503. */
static int tombstone(struct db *db, struct arena *a, const char *kind, const char *name,
		     int64_t *deleted_at)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT deleted_at FROM ap_tombstones WHERE ref = UNHEX(SHA2(CONCAT(?, ':', "
		    "LOWER(?)), 256))",
		    "ss", kind, name) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	*deleted_at = db_int(&r, 0, 0);
	return 410;
}

int apub_tombstone_key(struct db *db, struct arena *a, const char *name, const char **pem)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT public_pem FROM ap_tombstones WHERE ref = UNHEX(SHA2(CONCAT('actor:', "
		    "LOWER(?)), 256)) AND key_until > UNIX_TIMESTAMP() AND public_pem IS NOT NULL",
		    "s", name) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	*pem = db_str(&r, 0, 0);
	return 0;
}

int apub_actor_load(struct db *db, struct arena *a, const char *name, struct apub_actor *out,
		    int64_t *deleted_at)
{
	struct db_res r;
	memset(out, 0, sizeof(*out));
	*deleted_at = 0;
	if (db_read(
		db, a, &r,
		"SELECT u.id, u.username, u.bio, u.created_at, u.banned_at IS NOT NULL, "
		"(SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id AND p.mod_state = "
		"'visible'), u.follower_count + (SELECT COUNT(*) FROM ap_followers af WHERE "
		"af.user_id = u.id), u.following_count, i.variants, u.locked FROM users u LEFT "
		"JOIN images i ON i.id = u.avatar_image_id WHERE u.username = ? AND u.domain = ''",
		"s", name) != DB_OK)
		return 503;
	if (!r.nrows)
		return tombstone(db, a, "actor", name, deleted_at);
	if (db_int(&r, 0, 4))
		return 404;
	out->id = db_int(&r, 0, 0);
	out->username = db_str(&r, 0, 1);
	out->bio = db_str(&r, 0, 2);
	out->created_at = db_int(&r, 0, 3);
	out->posts = db_int(&r, 0, 5);
	out->followers = db_int(&r, 0, 6);
	out->following = db_int(&r, 0, 7);
	out->avatar_variants = db_str(&r, 0, 8);
	out->locked = (int)db_int(&r, 0, 9);
	return 0;
}

#define POST_COLS                                                                                  \
	"p.id, u.username, p.prompt, p.caption, p.tags, p.content_warning, p.created_at, "         \
	"i.width, i.height, i.blurhash, i.variants, IFNULL(pp.id, 0), " DATASET_CONSENT_YES_SQL    \
	", IFNULL(g.model, ''), p.mod_state, u.banned_at IS NOT NULL, p.remote, IFNULL(po.uri, "   \
	"''), IFNULL(pa.uri, ''), IFNULL(IFNULL(pa.shared_inbox, pa.inbox), '')"
/* A remix of a remote post links the parent's own id (ap_objects) and is
 * sent to its author too (ap_actors of the parent's author). */
#define POST_JOINS                                                                                 \
	" FROM posts p JOIN users u ON u.id = p.user_id JOIN images i ON i.id = p.image_id LEFT "  \
	"JOIN posts pp ON pp.id = p.parent_id LEFT JOIN generations g ON g.id = p.generation_id "  \
	"LEFT JOIN ap_objects po ON pp.remote = 1 AND po.kind = 'post' AND po.local_id = pp.id "   \
	"LEFT JOIN ap_actors pa ON pp.remote = 1 AND pa.user_id = pp.user_id "

static void post_row(const struct db_res *r, size_t i, struct apub_post *p)
{
	p->id = db_int(r, i, 0);
	p->username = db_str(r, i, 1);
	p->prompt = db_str(r, i, 2);
	p->caption = db_str(r, i, 3);
	p->tags = db_str(r, i, 4);
	p->content_warning = db_str(r, i, 5);
	p->created_at = db_int(r, i, 6);
	p->width = db_int(r, i, 7);
	p->height = db_int(r, i, 8);
	p->blurhash = db_str(r, i, 9);
	p->variants = db_str(r, i, 10);
	p->parent_id = db_int(r, i, 11);
	p->consent = db_int(r, i, 12) != 0;
	p->model = db_str(r, i, 13);
	p->remote = db_int(r, i, 16) != 0;
	p->parent_uri = db_str(r, i, 17);
	p->parent_actor = db_str(r, i, 18);
	p->parent_inbox = db_str(r, i, 19);
}

int apub_post_load(struct db *db, struct arena *a, int64_t id, struct apub_post *out,
		   int64_t *deleted_at)
{
	struct db_res r;
	memset(out, 0, sizeof(*out));
	*deleted_at = 0;
	/* a remote post is its server's Note, never ours: no document here */
	if (db_read(db, a, &r, "SELECT " POST_COLS POST_JOINS "WHERE p.id = ? AND p.remote = 0",
		    "i", id) != DB_OK)
		return 503;
	if (!r.nrows) {
		char name[24];
		snprintf(name, sizeof(name), "%lld", (long long)id);
		return tombstone(db, a, "object", name, deleted_at);
	}
	const char *state = db_str(&r, 0, 14);
	if (!strcmp(state, "removed"))
		return 410;
	/* a remote post is its own server's to serve */
	if (strcmp(state, "visible") || db_int(&r, 0, 15) || db_int(&r, 0, 16))
		return 404;
	post_row(&r, 0, out);
	return 0;
}

int apub_outbox_page(struct db *db, struct arena *a, int64_t user_id, int64_t max_id,
		     int64_t min_id, struct apub_post **out, size_t *n)
{
	struct db_res r;
	*n = 0;
	int rc =
	    min_id >= 0
		? db_read(db, a, &r,
			  "SELECT " POST_COLS POST_JOINS "WHERE p.user_id = ? AND p.mod_state = "
			  "'visible' AND p.id > ? ORDER BY p.id LIMIT ?",
			  "iii", user_id, min_id, (int64_t)APUB_PAGE)
		: db_read(db, a, &r,
			  "SELECT " POST_COLS POST_JOINS "WHERE p.user_id = ? AND p.mod_state = "
			  "'visible' AND (? = 0 OR p.id < ?) ORDER BY p.id DESC LIMIT ?",
			  "iiii", user_id, max_id, max_id, (int64_t)APUB_PAGE);
	if (rc != DB_OK)
		return 503;
	*out = arena_zalloc(a, (r.nrows + 1) * sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) /* newest first either way */
		post_row(&r, min_id >= 0 ? r.nrows - 1 - i : i, &(*out)[i]);
	*n = r.nrows;
	return 0;
}

int apub_oldest_post(struct db *db, struct arena *a, int64_t user_id, int64_t *id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT IFNULL(MIN(id), 0) FROM posts WHERE user_id = ? AND mod_state = "
		    "'visible'",
		    "i", user_id) != DB_OK)
		return 503;
	*id = db_int(&r, 0, 0);
	return 0;
}

int apub_follow_page(struct db *db, struct arena *a, int64_t user_id, int followers, int64_t before,
		     const char ***names, int64_t **ids, size_t *n)
{
	struct db_res r;
	*n = 0;
	int rc;
	if (followers)
		/* Remote followers (ap_followers) first, keyed above every
		 * user id (APUB_REMOTE_KEY + their ap_actors id), then the
		 * people here: one keyset over both, each read by its key. */
		rc = db_read(
		    db, a, &r,
		    "SELECT k, name FROM ((SELECT " APUB_REMOTE_KEY_SQL
		    " + ra.id AS k, ra.uri AS name FROM ap_followers af JOIN "
		    "ap_actors ra ON ra.id = af.actor_id LEFT JOIN users ru ON ru.id = ra.user_id "
		    "WHERE af.user_id = ? AND ru.banned_at IS NULL AND (? = 0 "
		    "OR " APUB_REMOTE_KEY_SQL
		    " + ra.id < ?) ORDER BY ra.id DESC LIMIT ?) UNION ALL (SELECT u.id, "
		    "u.username FROM follows f JOIN users u ON u.id = f.follower_id WHERE "
		    "f.followee_id = ? AND u.banned_at IS NULL AND (? = 0 OR f.follower_id < ?) "
		    "ORDER BY f.follower_id DESC LIMIT ?)) x ORDER BY k DESC LIMIT ?",
		    "iiiiiiiii", user_id, before, before, (int64_t)APUB_PAGE, user_id, before,
		    before, (int64_t)APUB_PAGE, (int64_t)APUB_PAGE);
	else
		rc = db_read(db, a, &r,
			     "SELECT u.id, u.username FROM follows f JOIN users u ON u.id = "
			     "f.followee_id WHERE f.follower_id = ? AND u.banned_at IS NULL AND "
			     "(? = 0 OR f.followee_id < ?) ORDER BY f.followee_id DESC LIMIT ?",
			     "iiii", user_id, before, before, (int64_t)APUB_PAGE);
	if (rc != DB_OK)
		return 503;
	*names = arena_zalloc(a, (r.nrows + 1) * sizeof(**names));
	*ids = arena_zalloc(a, (r.nrows + 1) * sizeof(**ids));
	for (size_t i = 0; i < r.nrows; i++) {
		(*ids)[i] = db_int(&r, i, 0);
		(*names)[i] = db_str(&r, i, 1);
	}
	*n = r.nrows;
	return 0;
}

int apub_usage_load(struct db *db, struct arena *a, int64_t now, struct apub_usage *out)
{
	struct db_res r;
	int64_t month = now - 30 * 86400, half = now - 180 * 86400;
	memset(out, 0, sizeof(*out));
	/* Active: a session used, or a post made, since then. */
	if (db_read(db, a, &r,
		    "SELECT (SELECT COUNT(*) FROM users WHERE domain = '' AND banned_at IS NULL), "
		    "(SELECT COUNT(*) FROM users u WHERE u.banned_at IS NULL AND (EXISTS (SELECT 1 "
		    "FROM sessions s WHERE s.user_id = u.id AND s.last_seen_at >= ?) OR EXISTS "
		    "(SELECT 1 FROM posts p WHERE p.user_id = u.id AND p.created_at >= ?))), "
		    "(SELECT COUNT(*) FROM users u WHERE u.banned_at IS NULL AND (EXISTS (SELECT 1 "
		    "FROM sessions s WHERE s.user_id = u.id AND s.last_seen_at >= ?) OR EXISTS "
		    "(SELECT 1 FROM posts p WHERE p.user_id = u.id AND p.created_at >= ?))), "
		    "(SELECT COUNT(*) FROM posts WHERE mod_state = 'visible' AND remote = 0)",
		    "iiii", month, month, half, half) != DB_OK)
		return 503;
	out->users = db_int(&r, 0, 0);
	out->active_month = db_int(&r, 0, 1);
	out->active_halfyear = db_int(&r, 0, 2);
	out->posts = db_int(&r, 0, 3);
	return 0;
}
