/* masto_post.c - the Mastodon client API's writes on statuses: pictures
 * staged by POST /api/v1/media (and v2), a status made of one of them,
 * shown, deleted, favourited, and its context. */
#include "app.h"
#include "apub.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "feedview.h"
#include "generate.h"
#include "image.h"
#include "log.h"
#include "mastoapi.h"
#include "moderation.h"
#include "post.h"
#include "provenance.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MEDIA_DESCRIPTION_MAX 1500 /* characters of a picture's description */

/* Status id from the path: the post, as the viewer may see it. */
cJSON *masto_status_one(struct ctx *c, int64_t id, int *st)
{
	int down;
	*st = 0;
	cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, id, &down);
	if (!p) {
		*st = down ? ctx_fail(c, 503, "unavailable", "The database is not answering.")
			   : ctx_fail(c, 404, "not_found", "Record not found");
		return NULL;
	}
	int vis =
	    post_moderation_view(c->app->db, c->a, p, id, c->me ? c->me->id : 0, ctx_is_mod(c));
	cJSON_Delete(p);
	if (vis) {
		*st = ctx_fail(c, 404, "not_found", "Record not found");
		return NULL;
	}
	struct masto_view v = masto_view_of(c);
	cJSON *list = masto_statuses(&v, &id, 1);
	cJSON *s = list ? cJSON_DetachItemFromArray(list, 0) : NULL;
	cJSON_Delete(list);
	if (!s) /* held back or hidden: its author sees it anyway */
		*st = ctx_fail(c, 404, "not_found", "Record not found");
	return s;
}

int masto_status_show(struct ctx *c)
{
	int st;
	cJSON *s = masto_status_one(c, c->params[0], &st);
	return s ? masto_answer(c, s) : st;
}

/* ---- media ----------------------------------------------------------- */

int masto_media_create(struct ctx *c)
{
	const char *desc = ctx_param(c, "description"), *why;
	int st;
	if (!desc)
		desc = "";
	if (text_clean(c->a, desc, strlen(desc), MEDIA_DESCRIPTION_MAX, &desc, &why))
		return ctx_fail(c, 422, "invalid", arena_printf(c->a, "description: %s", why));
	const struct part *img = ctx_file(c, "file");
	if (!img || !img->len)
		return ctx_fail(c, 422, "invalid", "Validation failed: File can't be blank");
	if ((long)img->len > c->app->cfg.max_upload)
		return ctx_fail(c, 413, "too_large", "The image file is too large.");
	struct image_info info;
	if ((st = image_sniff(img->data, img->len, (uint64_t)c->app->cfg.max_pixels, &info, &why)))
		return ctx_image_fail(c, st == 413 || st >= 500 ? st : 422, "image", why);
	struct image_stored stored;
	if ((st = ctx_decode_slot(c))) /* (taken already: R_DECODE) */
		return st;
	st = provenance_store(&c->app->cfg, NULL, NULL, img->data, img->len, &stored, &why);
	ctx_decode_slot_give(c);
	if (st)
		return ctx_image_fail(c, st == 413 || st >= 500 ? st : 422, "image", why);
	if ((st = imghash_check(c, stored.phash))) {
		image_discard(c->app->cfg.media_dir, &stored);
		return st;
	}
	int64_t id = masto_media_stage(c->app->db, c->a, c->me->id, c->oauth_app, &stored, desc);
	if (id < 0) {
		post_files_abandon(c->app->db, c->a, c->app->cfg.media_dir, &stored);
		return ctx_fail(c, 503, "unavailable", "Could not save the picture; try again.");
	}
	log_info("media %lld staged by %s", (long long)id, c->me->username);
	struct masto_view v = masto_view_of(c);
	int found;
	cJSON *m = masto_media_load(&v, id, &found);
	return m ? masto_answer(c, m)
		 : ctx_fail(c, 503, "unavailable", "The picture was saved but cannot be read.");
}

/* GET /api/v1/media/:id: a staged picture of one's own. */
int masto_media_show(struct ctx *c)
{
	struct masto_view v = masto_view_of(c);
	int found;
	cJSON *m = masto_media_load(&v, c->params[0], &found);
	if (m)
		return masto_answer(c, m);
	return found < 0 ? ctx_fail(c, 503, "unavailable", "The database is not answering.")
			 : ctx_fail(c, 404, "not_found", "Record not found");
}

/* ---- posting ----------------------------------------------------------- */

/* The media ids of the request: a JSON array, or form fields media_ids[]
 * (or media_ids), each a number. The count (at most 5 read), -1 for one
 * that is not a number. */
static int media_ids(struct ctx *c, int64_t out[5])
{
	int n = 0;
	uint64_t v;
	cJSON *j =
	    c->req->json ? cJSON_GetObjectItemCaseSensitive(c->req->json, "media_ids") : NULL;
	if (j) {
		cJSON *e;
		if (!cJSON_IsArray(j))
			return -1;
		cJSON_ArrayForEach(e, j)
		{
			const char *s = cJSON_IsString(e) ? e->valuestring : NULL;
			if (cJSON_IsNumber(e) && e->valuedouble >= 1 &&
			    e->valuedouble <= 9007199254740991.0)
				v = (uint64_t)e->valuedouble;
			else if (!s || str_to_u64(s, INT64_MAX, &v))
				return -1;
			if (n < 5)
				out[n] = (int64_t)v;
			n++;
		}
		return n;
	}
	const struct kvlist *f = &c->req->form;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->items[i].key, "media_ids[]") && strcmp(f->items[i].key, "media_ids"))
			continue;
		if (str_to_u64(f->items[i].val, INT64_MAX, &v))
			return -1;
		if (n < 5)
			out[n] = (int64_t)v;
		n++;
	}
	return n;
}

static int truthy(const char *v)
{
	return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"));
}

/* The status text split into the prompt (a line "prompt: ...") and the
 * caption (the rest). */
static void split_prompt(struct ctx *c, const char *text, const char **prompt, const char **caption)
{
	char *cap = arena_strdup(c->a, ""), *t = arena_strdup(c->a, text);
	*prompt = NULL;
	for (char *save = NULL, *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!*prompt && !strncasecmp(l, "prompt:", 7)) {
			const char *p = l + 7;
			while (*p == ' ')
				p++;
			*prompt = p;
			continue;
		}
		cap = arena_printf(c->a, "%s%s%s", cap, *cap ? "\n" : "", l);
	}
	*caption = cap;
}

int masto_status_create(struct ctx *c)
{
	int64_t ids[5];
	int n = media_ids(c, ids), st;
	const char *vis = ctx_param(c, "visibility"), *why;
	if (n < 0)
		return ctx_fail(c, 422, "invalid", "media_ids must be ids of uploaded media.");
	if (n == 0)
		return ctx_fail(c, 422, "invalid",
				"imagier posts are images: attach one picture (media_ids).");
	if (n > 1)
		return ctx_fail(c, 422, "invalid",
				"An imagier post is one image: attach exactly one picture.");
	if (vis && *vis && strcmp(vis, "public"))
		return ctx_fail(c, 422, "invalid",
				"imagier posts are public: visibility must be public.");
	const char *irt = ctx_param(c, "in_reply_to_id");
	if (irt && *irt)
		return ctx_fail(
		    c, 422, "invalid",
		    "imagier has no replies as statuses (comment on the post instead).");
	const char *text = ctx_param(c, "status"), *cw = ctx_param(c, "spoiler_text");
	const char *prompt, *caption, *tags[POST_MAX_TAGS];
	split_prompt(c, text ? text : "", &prompt, &caption);
	const char *desc = NULL;
	int w = masto_media_waiting(c->app->db, c->a, c->me->id, ids[0], &desc);
	if (w < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!w)
		return ctx_fail(c, 422, "invalid",
				"That media id is not a picture of yours waiting for a status.");
	if (!prompt || !*prompt)
		prompt = desc; /* the picture's description, else none */
	if (!prompt || !*prompt)
		return ctx_fail(c, 422, "invalid",
				"imagier posts need the prompt: add a line \"prompt: ...\" to the "
				"status, or a description to the picture.");
	if (!cw || !*cw)
		cw = truthy(ctx_param(c, "sensitive")) ? "sensitive" : "";
	if (text_clean(c->a, prompt, strlen(prompt), POST_MAX_PROMPT, &prompt, &why) ||
	    text_clean(c->a, caption, strlen(caption), POST_MAX_CAPTION, &caption, &why) ||
	    text_clean(c->a, cw, strlen(cw), POST_MAX_CW, &cw, &why))
		return ctx_fail(c, 422, "invalid", why);
	if ((st = filter_check(c, "The prompt", prompt)) ||
	    (st = filter_check(c, "The caption", caption)) ||
	    (st = filter_check(c, "The content warning", cw)))
		return st;
	int ntags = post_tags_from(c->a, "", caption, tags, &why);
	if (ntags < 0)
		return ctx_fail(c, 422, "invalid", why);
	int64_t id = post_insert_staged(c->app->db, c->a, c->me->id, ids[0], prompt, caption, cw,
					tags, ntags);
	if (id == -2)
		return ctx_fail(c, 422, "invalid",
				"That media id is not a picture of yours waiting for a status.");
	if (id < 0)
		return ctx_fail(c, 503, "unavailable", "Could not save the post; try again.");
	classify_new(c, "post", id, arena_printf(c->a, "%s\n%s", prompt, caption));
	post_published(c, id);
	log_info("post %lld by %s (Mastodon API)", (long long)id, c->me->username);
	cJSON *s = masto_status_one(c, id, &st);
	return s ? masto_answer(c, s) : st;
}

int masto_status_delete(struct ctx *c)
{
	int st;
	cJSON *s = masto_status_one(c, c->params[0], &st);
	if (!s)
		return st;
	st = post_delete_own(c->app->db, c->a, c->me->id, c->params[0]);
	if (st) {
		cJSON_Delete(s);
		return st == 403 ? ctx_fail(c, 403, "forbidden", "This action is not allowed")
		       : st == 404
			   ? ctx_fail(c, 404, "not_found", "Record not found")
			   : ctx_fail(c, 503, "unavailable", "Could not delete; try again.");
	}
	feed_post_changed(c, c->params[0]);
	cache_bump(c->app->cache, CACHEKEY_FEED_VERSION);
	apub_post_deleted(c, c->me->id, c->me->username, c->params[0]);
	return masto_answer(c, s);
}

/* Favourite / unfavourite: imagier's like (its checks, counts and notice),
 * answered with the status. */
static int favourite_set(struct ctx *c, int on)
{
	size_t head = c->resp->head.len;
	int st = on ? like_put(c) : like_delete(c);
	if (st != 200)
		return st;
	ctx_drop_answer(c, head);
	cJSON *s = masto_status_one(c, c->params[0], &st);
	return s ? masto_answer(c, s) : st;
}

int masto_favourite(struct ctx *c)
{
	return favourite_set(c, 1);
}

int masto_unfavourite(struct ctx *c)
{
	return favourite_set(c, 0);
}

/* Context: imagier's comments are not statuses; the remix it comes from is
 * its one ancestor, the post's own remixes its descendants. */
int masto_status_context(struct ctx *c)
{
	int st;
	cJSON *s = masto_status_one(c, c->params[0], &st);
	if (!s)
		return st;
	cJSON_Delete(s);
	int64_t parent, *kids;
	size_t nd;
	if (masto_family(c->app->db, c->a, c->params[0], &parent, &kids, &nd))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	struct masto_view v = masto_view_of(c);
	cJSON *anc = masto_statuses(&v, &parent, parent ? 1 : 0);
	cJSON *desc = masto_statuses(&v, kids, nd);
	if (!anc || !desc) {
		cJSON_Delete(anc);
		cJSON_Delete(desc);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	cJSON *d = ctx_data(c);
	cJSON_AddItemToObject(d, "ancestors", anc);
	cJSON_AddItemToObject(d, "descendants", desc);
	return 200;
}
