/* profile.c - a person's page /u/NAME, editing one's profile and avatar,
 * and the API twins. The headers of person and tag pages are
 * profile_util.c's; the data lib/profile.c's. */
#include "app.h"
#include "followreq.h"
#include "apub.h"
#include "dataset.h"
#include "feedview.h"
#include "image.h"
#include "microcache.h"
#include "moderation.h"
#include "post.h"
#include "profile.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

/* The viewer's own profile, for the settings form and after a save. */
static cJSON *my_json(struct ctx *c, int *status)
{
	return profile_user_json(c->app->db, c->a, c->app->cfg.media_url, c->me->id, c->me->id,
				 status);
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
	cJSON *u = my_json(c, &st);
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

/* The locked choice: JSON true/false, or the settings form's checkbox
 * "locked" (absent = off when the marker locked_form was on the page).
 * *on = -1: not sent. 0, or the status of ctx_fail (400). */
static int locked_param(struct ctx *c, int *on)
{
	*on = -1;
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, "locked");
		if (!v)
			return 0;
		if (!cJSON_IsBool(v))
			return ctx_fail(c, 400, "bad_locked", "locked must be true or false.");
		*on = cJSON_IsTrue(v);
		return 0;
	}
	const char *v = ctx_param(c, "locked");
	if (!v) {
		if (ctx_param(c, "locked_form"))
			*on = 0;
		return 0;
	}
	if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true"))
		*on = 1;
	else if (!*v || !strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "false"))
		*on = 0;
	else
		return ctx_fail(c, 400, "bad_locked", "locked must be 1 (yes) or 0 (no).");
	return 0;
}

/* An avatar upload: the rate limit, the file checks and the store, then
 * the blocklist of removed pictures. 0 with *img, or the status of ctx_fail
 * (nothing left on disk). */
static int avatar_check(struct ctx *c, const struct part *avatar, struct image_stored *img)
{
	const char *why;
	int st;
	/* the slot first: a busy answer costs no token of the limit */
	if ((st = ctx_decode_slot(c)) || (st = ratelimit_check(c, "avatar")))
		return st;
	if (avatar->len == 0)
		return ctx_fail(c, 400, "missing_image", "Choose an image file for the avatar.");
	st = profile_avatar_store(&c->app->cfg, avatar->data, avatar->len, img, &why);
	ctx_decode_slot_give(c);
	if (st)
		return ctx_image_fail(c, st, "avatar", arena_printf(c->a, "Avatar: %s", why));
	if ((st = imghash_check(c, img->phash))) {
		image_discard(c->app->cfg.media_dir, img);
		return st;
	}
	return 0;
}

/* PATCH /api/v1/me {"bio", "training_consent"} (JSON), or the settings form
 * / PUT avatar with a multipart "avatar" file. A consent event is recorded
 * only when the choice changes. */
int me_update(struct ctx *c)
{
	const char *bio = ctx_param(c, "bio"), *clean, *why;
	const struct part *avatar = ctx_file(c, "avatar");
	int consent, locked, cst = consent_param(c, &consent);
	if (cst || (cst = locked_param(c, &locked)))
		return cst;
	if (!bio && !avatar && consent < 0 && locked < 0)
		return ctx_fail(c, 400, "nothing_to_change",
				"Send a bio, an avatar, training_consent or locked.");
	if (bio) {
		if (text_clean(c->a, bio, strlen(bio), PROFILE_BIO_MAX_CHARS, &clean, &why))
			return ctx_fail(c, 400, "bad_bio", arena_printf(c->a, "Bio: %s", why));
		int fst = filter_check(c, "The bio", clean);
		if (fst)
			return fst;
		bio = clean;
	}
	struct image_stored img;
	if (avatar) {
		int st = avatar_check(c, avatar, &img);
		if (st)
			return st;
	}
	int changed = 0;
	if (profile_save(c->app->db, c->a, c->app->cfg.media_dir, c->me->id, bio,
			 avatar ? &img : NULL, consent, now_unix(), &changed))
		return ctx_fail(c, 503, "unavailable", "Could not save your profile; try again.");
	int locked_changed = 0;
	if (locked >= 0 &&
	    followreq_set_locked(c->app->db, c->a, c->me->id, locked, &locked_changed))
		return ctx_fail(c, 503, "unavailable", "Could not save your profile; try again.");
	if (avatar || bio || locked_changed) {
		/* The replaced avatar's files are gone: nginx's microcached profile
		 * (and actor) must not go on showing them to visitors. */
		const char *name = url_encode(c->a, c->me->username);
		const char *paths[] = {arena_printf(c->a, "/u/%s", name),
				       arena_printf(c->a, "/api/v1/users/%s", name),
				       arena_printf(c->a, MICROCACHE_AP_PREFIX "/u/%s", name)};
		microcache_refresh(c->a, &c->app->cfg, paths, ARRAY_LEN(paths));
	}
	if (avatar || bio || changed || locked_changed)
		apub_actor_updated(c, c->me->id, c->me->username);
	int st;
	cJSON *u = my_json(c, &st);
	if (u && consent_fields(c, u) == 0)
		cJSON_AddItemToObject(ctx_data(c), "user", u);
	else
		cJSON_Delete(u);
	if (consent >= 0)
		cJSON_AddBoolToObject(ctx_data(c), "training_consent_changed", changed);
	return ctx_done(c, 200, arena_printf(c->a, "/u/%s", c->me->username));
}
