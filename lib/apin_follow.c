/* apin_follow.c - local people following remote ones (apin.h): the Accept
 * or Reject of a Follow sent from here, and the Create, Update and Delete
 * of the Notes of people followed from here, which become remote posts
 * (posts.remote = 1) in their followers' following feed, and the Create of
 * a remix of one of our posts by anyone (lib/apremix.c: a remix joins its
 * parent's family here). Runs in imagier-gen, where fetching a post's
 * picture (bounded) may wait. */
#include "apin.h"
#include "apin_follow.h"
#include "apaccount.h"
#include "apfollow.h"
#include "apnet.h"
#include "apnote.h"
#include "apremix.h"
#include "apremote.h"
#include "cache.h"
#include "cachekey.h"
#include "config.h"
#include "db.h"
#include "feed.h"
#include "http.h"
#include "image.h"
#include "imghash.h"
#include "label.h"
#include "log.h"
#include "post.h"
#include "provenance.h"
#include "session.h"
#include "social.h"
#include "timeline.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

/* Set once at start-up (imagier-gen), read-only afterwards. */
static const struct config *apin_cfg;
static struct cache *apin_cache;

void apin_follow_setup(const struct config *cfg, struct cache *cache)
{
	apin_cfg = cfg;
	apin_cache = cache;
}

static void feed_changed(struct arena *a, int64_t follower, int64_t post_id)
{
	if (!apin_cache)
		return;
	cache_bump(apin_cache, CACHEKEY_FEED_VERSION);
	if (follower)
		cache_bump(apin_cache, cachekey_follows_version(a, follower));
	if (post_id)
		feed_post_forget(apin_cache, a, post_id);
}

/* Accept or Reject of one of our Follows (embedded, or by its id). */
static int on_answer(const struct apin *in, int accept)
{
	int64_t uid = 0;
	if (!*in->act->object_id)
		return 404;
	int st = apfollow_answered(in->db, in->a, in->who->id, in->act->object_id, accept, &uid);
	if (st)
		return st;
	log_info("apin_follow: %s %s the follow of %lld", in->who->uri,
		 accept ? "accepted" : "rejected", (long long)uid);
	feed_changed(in->a, uid, 0);
	return 0;
}

/* The Note of the activity: embedded, or fetched by its id (bounded).
 * *fetched: a tree to delete after use. NULL when neither. */
static const cJSON *note_of(const struct apin *in, cJSON **fetched)
{
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(in->json, "object");
	*fetched = NULL;
	if (cJSON_IsObject(obj))
		return obj;
	const char *id = apremote_id_of(obj), *why;
	char *body;
	size_t len;
	struct http_limits lim;
	if (!id || !apnote_same_host(id, in->who->domain) ||
	    apnet_fetch(in->a, id, &body, &len, &why))
		return NULL;
	http_limits_default(&lim);
	if (http_parse_json((const unsigned char *)body, len, fetched, &lim, &why))
		return NULL;
	const char *got = apremote_id_of(*fetched);
	if (!got || strcmp(got, id)) {
		cJSON_Delete(*fetched);
		*fetched = NULL;
		return NULL;
	}
	return *fetched;
}

/* 1 when someone here follows actor_id (accepted), 0, -1. */
static int followed_here(const struct apin *in)
{
	struct db_res r;
	if (db_exec(
		in->db, in->a, &r,
		"SELECT 1 FROM ap_follows_out WHERE actor_id = ? AND state = 'accepted' LIMIT 1",
		"i", in->who->id) != DB_OK)
		return -1;
	return r.nrows ? 1 : 0;
}

/* The remote post of Note id by who: its post id, 0 none, -1. */
static int64_t post_of(const struct apin *in, const char *id)
{
	struct db_res r;
	if (db_exec(in->db, in->a, &r,
		    "SELECT local_id FROM ap_objects WHERE uri = ? AND actor_id = ? AND kind = "
		    "'post'",
		    "si", id, in->who->id) != DB_OK)
		return -1;
	return r.nrows ? db_int(&r, 0, 0) : 0;
}

int apin_media_fetch(struct arena *a, const struct config *cfg, const char *url, int labelled,
		     struct image_stored *img, const char **why)
{
	char *data;
	size_t len;
	struct image_info info;
	size_t max = cfg->max_upload > 0 ? (size_t)cfg->max_upload : APIN_MAX_MEDIA;
	if (max > APIN_MAX_MEDIA)
		max = APIN_MAX_MEDIA;
	memset(img, 0, sizeof(*img));
	if (apnet_get(a, url, "image/avif, image/webp, image/png, image/jpeg;q=0.9, */*;q=0.1",
		      APIN_MEDIA_MS, max, &data, &len, why))
		return 502;
	/* The header only: format by magic bytes (not the Content-Type), and
	 * the pixel count before any decoding (a decompression bomb stops
	 * here). */
	int st =
	    image_sniff((const unsigned char *)data, len, (uint64_t)cfg->max_pixels, &info, why);
	if (st) {
		if (*why == info.reason)
			*why = arena_strdup(a, info.reason);
		return st;
	}
	if ((st = media_room(cfg, why)))
		return st;
	if (labelled) {
		struct image_label label;
		provenance_label(cfg, &label);
		st = image_store_labelled(cfg->media_dir, (const unsigned char *)data, len,
					  (uint64_t)cfg->max_pixels, &label, img, why);
	} else {
		st = image_store(cfg->media_dir, (const unsigned char *)data, len,
				 (uint64_t)cfg->max_pixels, img, why);
	}
	if (st && *why == img->reason)
		*why = arena_strdup(a, img->reason);
	return st;
}

/* The rows of a remote post (one transaction): 0 with *post_id, -1. */
static int post_rows(const struct apin *in, const struct ap_note *n, int64_t uid,
		     const struct image_stored *img, int64_t parent, int64_t *parent_author,
		     int64_t *post_id)
{
	struct db *db = in->db;
	struct arena *a = in->a;
	struct db_res r;
	int64_t now = now_unix();
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, NULL, "UPDATE users SET post_count = post_count + 1 WHERE id = ?", "i",
		    uid) != DB_OK)
		goto done;
	int64_t image_id = image_insert(db, a, img);
	if (image_id < 0 ||
	    db_exec(db, a, &r,
		    "INSERT INTO posts (user_id, image_id, prompt, caption, content_warning, tags, "
		    "created_at, remote, training_consent) VALUES (?, ?, ?, ?, ?, '', ?, 1, 'no')",
		    "iisssi", uid, image_id, n->prompt, n->caption, n->cw, now) != DB_OK)
		goto done;
	*post_id = (int64_t)r.insert_id;
	if (timeline_queue_post(db, a, *post_id) ||
	    db_exec(db, a, NULL,
		    "INSERT INTO ap_objects (uri, actor_id, kind, local_id, created_at) VALUES "
		    "(?, ?, 'post', ?, ?)",
		    "siii", n->id, in->who->id, *post_id, now) != DB_OK ||
	    db_exec(db, a, NULL,
		    "INSERT INTO ap_remote_posts (post_id, url, ai_labelled, alt) VALUES (?, ?, ?, "
		    "?)",
		    "isis", *post_id, n->url, (int64_t)n->ai_labelled, n->image_name) != DB_OK ||
	    apremix_link(db, a, *post_id, parent, parent_author))
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK && ok ? 0 : -1;
}

static int on_create(const struct apin *in, const struct cJSON *obj, const struct ap_note *n)
{
	int64_t uid, post_id = 0, parent_author = 0;
	const char *why;
	if (*n->in_reply_to)
		return 404; /* a reply: apin_social's when to us, else not shown */
	/* A remix (apremix.c) of a post known here joins its family; a remix of
	 * one of our posts is taken from anyone, as a local remix would be
	 * seen in the lineage whoever made it. */
	const char *remix_of = apremix_of(obj);
	int ours = 0;
	int64_t parent = remix_of ? apremix_parent(in->db, in->a, in->base, remix_of, &ours) : 0;
	if (parent < 0)
		return 503;
	int f = followed_here(in);
	if (f < 0)
		return 503;
	if (!f && !(parent > 0 && ours))
		return 404;
	int64_t have = post_of(in, n->id);
	if (have)
		return have < 0 ? 503 : 0; /* taken already */
	if (!*n->image_url) {
		log_info("apin_follow: %s has no picture: not shown here", n->id);
		return 404;
	}
	if (!apin_cfg)
		return 503;
	int st = apaccount_user(in->db, in->a, in->who, &uid);
	if (st)
		return st == 403 ? 404 : st;
	if (parent > 0) {
		/* as a local remix: not of a post that is not shown, nor across a
		 * block between the remixer and the parent's author */
		struct social_check chk;
		struct session_limits lim;
		memset(&lim, 0, sizeof(lim));
		if (social_write_check(in->db, in->a, uid, parent, 0, NULL, &lim, &chk))
			return 503;
		if (!chk.post || chk.blocker) {
			log_info("apin_follow: %s remixes post %lld, %s", n->id, (long long)parent,
				 chk.blocker ? "across a block: not linked"
					     : "not shown: not linked");
			parent = 0;
			if (!f)
				return 404;
		}
	}
	struct image_stored img;
	st = apin_media_fetch(in->a, apin_cfg, n->image_url, n->ai_labelled, &img, &why);
	if (st) {
		log_info("apin_follow: the picture of %s refused (%d): %s", n->id, st, why);
		return 404;
	}
	/* the picture of a post removed here for cause stays out */
	if (imghash_blocked(in->db, in->a, img.phash, apin_cfg->mod_block_distance, uid, NULL) ==
	    1) {
		log_info("apin_follow: the picture of %s is blocked here", n->id);
		image_discard(apin_cfg->media_dir, &img);
		return 404;
	}
	if (post_rows(in, n, uid, &img, parent, &parent_author, &post_id)) {
		post_files_abandon(in->db, in->a, apin_cfg->media_dir, &img);
		return 503;
	}
	log_info("apin_follow: %s is post %lld", n->id, (long long)post_id);
	if (parent_author && ours) /* the author here is told, as of a local remix */
		social_notify(in->db, in->a, parent_author, uid, "remix", parent, 0);
	feed_changed(in->a, 0, parent > 0 ? parent : 0);
	return 0;
}

static int on_update(const struct apin *in, const struct ap_note *n)
{
	int64_t post_id = post_of(in, n->id);
	if (post_id <= 0)
		return post_id < 0 ? 503 : 404;
	if (db_exec(in->db, in->a, NULL,
		    "UPDATE posts SET caption = ?, content_warning = ?, prompt = ? WHERE id = ? "
		    "AND remote = 1",
		    "sssi", n->caption, n->cw, n->prompt, post_id) != DB_OK ||
	    (*n->image_url &&
	     db_exec(in->db, in->a, NULL, "UPDATE ap_remote_posts SET alt = ? WHERE post_id = ?",
		     "si", n->image_name, post_id) != DB_OK))
		return 503;
	feed_changed(in->a, 0, post_id);
	return 0;
}

static int on_delete(const struct apin *in)
{
	struct db_res r;
	const char *id = in->act->object_id;
	if (!*id)
		return 404;
	int64_t post_id = post_of(in, id);
	if (post_id <= 0)
		return post_id < 0 ? 503 : 404;
	if (db_exec(in->db, in->a, &r, "SELECT user_id FROM posts WHERE id = ? AND remote = 1", "i",
		    post_id) != DB_OK)
		return 503;
	int st = r.nrows ? post_delete_own(in->db, in->a, db_int(&r, 0, 0), post_id) : 0;
	if (st && st != 404)
		return 503;
	if (db_exec(in->db, in->a, NULL,
		    "DELETE FROM ap_objects WHERE uri = ? AND actor_id = ? AND kind = 'post'", "si",
		    id, in->who->id) != DB_OK)
		return 503;
	log_info("apin_follow: %s deleted post %lld", in->who->uri, (long long)post_id);
	feed_changed(in->a, 0, post_id);
	return 0;
}

int apin_follow(const struct apin *in)
{
	const char *t = in->act->type;
	if (!strcmp(t, "Accept") || !strcmp(t, "Reject"))
		return on_answer(in, !strcmp(t, "Accept"));
	if (!strcmp(t, "Delete"))
		return on_delete(in);
	if (strcmp(t, "Create") && strcmp(t, "Update"))
		return 404;
	cJSON *fetched;
	const cJSON *obj = note_of(in, &fetched);
	struct ap_note n;
	const char *why;
	int st = 404;
	if (!obj || apnote_parse(in->a, obj, &n, &why))
		goto done;
	/* Only the author's own Notes, with ids on the author's server. */
	if (strcmp(n.attributed_to, in->who->uri) || !apnote_same_host(n.id, in->who->domain)) {
		log_info("apin_follow: %s is not %s's own Note", n.id, in->who->uri);
		goto done;
	}
	st = !strcmp(t, "Create") ? on_create(in, obj, &n) : on_update(in, &n);
done:
	cJSON_Delete(fetched);
	return st;
}
