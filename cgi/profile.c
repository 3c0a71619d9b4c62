/* profile.c - people and tags: /u/NAME, /t/TAG, editing one's profile and
 * avatar, and the API twins. */
#include "app.h"
#include "cache.h"
#include "dataset.h"
#include "db.h"
#include "feedview.h"
#include "image.h"
#include "log.h"
#include "post.h"
#include "syndicate.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define BIO_MAX_CHARS 300

/* The person as {"id","username","bio","avatar"?,"post_count",...}. */
static cJSON *user_json(struct ctx *c, int64_t user_id, int *status)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT u.id, u.username, u.role, u.bio, u.post_count, u.follower_count, "
		    "u.following_count, u.created_at, i.width, i.height, i.blurhash, i.avg_color, "
		    "i.variants FROM users u LEFT JOIN images i ON i.id = u.avatar_image_id "
		    "WHERE u.id = ?",
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
	cJSON_AddStringToObject(u, "username", db_str(&r, 0, 1));
	cJSON_AddStringToObject(u, "role", db_str(&r, 0, 2));
	cJSON_AddStringToObject(u, "bio", db_str(&r, 0, 3));
	cJSON_AddNumberToObject(u, "post_count", (double)db_int(&r, 0, 4));
	cJSON_AddNumberToObject(u, "follower_count", (double)db_int(&r, 0, 5));
	cJSON_AddNumberToObject(u, "following_count", (double)db_int(&r, 0, 6));
	cJSON_AddStringToObject(u, "created_at", time_iso(c->a, db_int(&r, 0, 7)));
	cJSON_AddStringToObject(u, "url", arena_printf(c->a, "/u/%s", db_str(&r, 0, 1)));
	cJSON *avatar =
	    db_str(&r, 0, 8)
		? post_thumb_json(c->a, c->app->cfg.media_url, db_int(&r, 0, 8), db_int(&r, 0, 9),
				  db_str(&r, 0, 10), db_str(&r, 0, 11), db_str(&r, 0, 12))
		: NULL;
	if (avatar)
		cJSON_AddItemToObject(u, "avatar", avatar);
	if (c->me && c->me->id != user_id) {
		if (db_exec(c->app->db, c->a, &r,
			    "SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?", "ii",
			    c->me->id, user_id) != DB_OK) {
			cJSON_Delete(u);
			*status = 503;
			return NULL;
		}
		cJSON_AddBoolToObject(u, "followed_by_me", r.nrows > 0);
		if (db_exec(
			c->app->db, c->a, &r,
			"SELECT EXISTS (SELECT 1 FROM mutes WHERE user_id = ? AND target_id = ?), "
			"EXISTS (SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?)",
			"iiii", c->me->id, user_id, c->me->id, user_id) != DB_OK) {
			cJSON_Delete(u);
			*status = 503;
			return NULL;
		}
		cJSON_AddBoolToObject(u, "muted_by_me", db_int(&r, 0, 0) > 0);
		cJSON_AddBoolToObject(u, "blocked_by_me", db_int(&r, 0, 1) > 0);
	}
	cJSON_AddBoolToObject(u, "is_me", c->me && c->me->id == user_id);
	*status = 200;
	return u;
}

int profile_header(struct ctx *c, int64_t user_id)
{
	int st;
	cJSON *u = user_json(c, user_id, &st);
	if (!u)
		return st == 404
			   ? ctx_fail(c, 404, "not_found", "There is nobody by that name.")
			   : ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	c->title = arena_printf(c->a, "@%s", cJSON_GetObjectItem(u, "username")->valuestring);
	syndicate_feed_links(c, 'u', cJSON_GetObjectItem(u, "username")->valuestring);
	return 0;
}

int user_show(struct ctx *c)
{
	int64_t id;
	int st;
	if ((st = user_lookup(c, c->sparams[0], &id)))
		return st;
	if ((st = profile_header(c, id)))
		return st;
	return 200;
}

int tag_header(struct ctx *c, int64_t tag_id, const char *name)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT post_count, follower_count FROM tags WHERE id = ?", "i",
		    tag_id) != DB_OK)
		return -1;
	cJSON *t = cJSON_AddObjectToObject(ctx_data(c), "tag");
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "url", arena_printf(c->a, "/t/%s", url_encode(c->a, name)));
	cJSON_AddNumberToObject(t, "post_count", (double)db_int(&r, 0, 0));
	cJSON_AddNumberToObject(t, "follower_count", (double)db_int(&r, 0, 1));
	syndicate_feed_links(c, 't', name);
	if (c->me) {
		if (db_exec(c->app->db, c->a, &r,
			    "SELECT 1 FROM tag_follows WHERE user_id = ? AND tag_id = ?", "ii",
			    c->me->id, tag_id) != DB_OK)
			return -1;
		cJSON_AddBoolToObject(t, "followed_by_me", r.nrows > 0);
	}
	return 0;
}

/* The training-consent choice and its date on the person's own object. */
static int consent_fields(struct ctx *c, cJSON *u)
{
	struct consent_state cs;
	if (consent_account_get(c->app->db, c->a, c->me->id, &cs))
		return -1;
	consent_state_json(c->a, u, &cs);
	if (!c->api && cs.event_id)
		cJSON_AddStringToObject(u, "training_consent_text", time_text(c->a, cs.at));
	return 0;
}

int settings_form(struct ctx *c)
{
	int st;
	cJSON *u = user_json(c, c->me->id, &st);
	if (!u || consent_fields(c, u)) {
		cJSON_Delete(u);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	c->title = "Your profile";
	return 200;
}

/* The training-consent choice of a request: JSON true/false, or the
 * settings form's checkbox (absent = off only when the form's marker field
 * training_consent_form says the checkbox was on the page). *on = -1: not
 * sent. 0, or the status of ctx_fail (400). */
static int consent_param(struct ctx *c, int *on)
{
	*on = -1;
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, "training_consent");
		if (!v)
			return 0;
		if (!cJSON_IsBool(v))
			return ctx_fail(c, 400, "bad_training_consent",
					"training_consent must be true or false.");
		*on = cJSON_IsTrue(v);
		return 0;
	}
	const char *v = ctx_param(c, "training_consent");
	if (!v) {
		if (ctx_param(c, "training_consent_form"))
			*on = 0;
		return 0;
	}
	if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*on = 1;
	else if (!*v || !strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "false") ||
		 !strcmp(v, "no"))
		*on = 0;
	else
		return ctx_fail(c, 400, "bad_training_consent",
				"training_consent must be 1 (yes) or 0 (no).");
	return 0;
}

/* PATCH /api/v1/me {"bio", "training_consent"} (JSON), or the settings form
 * / PUT avatar with a multipart "avatar" file. A consent event is recorded
 * only when the choice changes. */
int me_update(struct ctx *c)
{
	const char *bio = ctx_param(c, "bio"), *clean, *why;
	const struct part *avatar = ctx_file(c, "avatar");
	int consent, cst = consent_param(c, &consent);
	if (cst)
		return cst;
	if (!bio && !avatar && consent < 0)
		return ctx_fail(c, 400, "nothing_to_change",
				"Send a bio, an avatar or training_consent.");
	if (bio) {
		if (text_clean(c->a, bio, strlen(bio), BIO_MAX_CHARS, &clean, &why))
			return ctx_fail(c, 400, "bad_bio", arena_printf(c->a, "Bio: %s", why));
		int fst = filter_check(c, "The bio", clean);
		if (fst)
			return fst;
		bio = clean;
	}
	int64_t image_id = 0;
	if (avatar) {
		struct image_info info;
		struct image_stored img;
		uint64_t maxpx = (uint64_t)c->app->cfg.max_pixels;
		int st = image_sniff(avatar->data, avatar->len, maxpx, &info, &why);
		if (!st)
			st = image_store(c->app->cfg.media_dir, avatar->data, avatar->len, maxpx,
					 &img, &why);
		if (st)
			return ctx_fail(c, st, st == 413 ? "too_large" : "bad_image",
					arena_printf(c->a, "Avatar: %s", why));
		image_id = image_insert(c->app->db, c->a, &img);
		if (image_id < 0)
			return ctx_fail(c, 503, "unavailable",
					"Could not save the avatar; try again.");
	}
	int changed = 0;
	if (db_begin(c->app->db) != DB_OK ||
	    (bio && db_exec(c->app->db, c->a, NULL, "UPDATE users SET bio = ? WHERE id = ?", "si",
			    bio, c->me->id) != DB_OK) ||
	    (image_id &&
	     db_exec(c->app->db, c->a, NULL, "UPDATE users SET avatar_image_id = ? WHERE id = ?",
		     "ii", image_id, c->me->id) != DB_OK) ||
	    (consent >= 0 &&
	     consent_account_set(c->app->db, c->a, c->me->id, consent, now_unix(), &changed)) ||
	    db_commit(c->app->db) != DB_OK) {
		db_rollback(c->app->db);
		return ctx_fail(c, 503, "unavailable", "Could not save your profile; try again.");
	}
	int st;
	cJSON *u = user_json(c, c->me->id, &st);
	if (u && consent_fields(c, u) == 0)
		cJSON_AddItemToObject(ctx_data(c), "user", u);
	else
		cJSON_Delete(u);
	if (consent >= 0)
		cJSON_AddBoolToObject(ctx_data(c), "training_consent_changed", changed);
	return ctx_done(c, 200, arena_printf(c->a, "/u/%s", c->me->username));
}
