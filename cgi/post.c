/* post.c - upload a post, show a post (page /p/ID and GET /api/v1/posts/ID). */
#include "app.h"
#include "apub.h"
#include "dataset.h"
#include "generate.h"
#include "image.h"
#include "log.h"
#include "moderation.h"
#include "myfilters.h"
#include "post.h"
#include "provenance.h"
#include "social.h"
#include "syndicate.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

int post_upload_form(struct ctx *c)
{
	c->title = "Upload";
	ctx_data(c);
	return 200;
}

/* Check one text field; fills *out. 0 or the status of ctx_fail. */
static int text_field(struct ctx *c, const char *name, const char *label, size_t max, int required,
		      const char **out)
{
	const char *v = ctx_param(c, name), *why;
	if (!v)
		v = "";
	if (text_clean(c->a, v, strlen(v), max, out, &why))
		return ctx_fail(c, 400, arena_printf(c->a, "bad_%s", name),
				arena_printf(c->a, "%s: %s", label, why));
	if (required && !**out)
		return ctx_fail(c, 400, arena_printf(c->a, "missing_%s", name),
				arena_printf(c->a, "%s is required.", label));
	return 0;
}

int post_create(struct ctx *c)
{
	const char *prompt, *caption, *cw, *tags[POST_MAX_TAGS], *why;
	int st;
	c->title = "Upload";
	if ((st = text_field(c, "prompt", "Prompt", POST_MAX_PROMPT, 1, &prompt)) ||
	    (st = text_field(c, "caption", "Caption", POST_MAX_CAPTION, 0, &caption)) ||
	    (st = text_field(c, "content_warning", "The content warning", POST_MAX_CW, 0, &cw)) ||
	    (st = filter_check(c, "The prompt", prompt)) ||
	    (st = filter_check(c, "The caption", caption)) ||
	    (st = filter_check(c, "The content warning", cw)) ||
	    (st = filter_check(c, "The tags", ctx_param(c, "tags"))))
		return st;
	const char *tagtext = ctx_param(c, "tags");
	int ntags = post_tags_from(c->a, tagtext, caption, tags, &why);
	if (ntags < 0)
		return ctx_fail(c, 400, "bad_tags", why);
	const struct part *img = ctx_file(c, "image");
	if (!img || img->len == 0)
		return ctx_fail(c, 400, "missing_image", "Choose an image file to upload.");
	if ((long)img->len > c->app->cfg.max_upload)
		return ctx_fail(c, 413, "too_large", "The image file is too large.");

	struct image_info info;
	uint64_t maxpx = (uint64_t)c->app->cfg.max_pixels;
	if ((st = image_sniff(img->data, img->len, maxpx, &info, &why)))
		return ctx_image_fail(c, st, "image", why);
	struct image_stored stored;
	if ((st = ctx_decode_slot(c))) /* (taken already: R_DECODE) */
		return st;
	st = provenance_store(&c->app->cfg, NULL, NULL, img->data, img->len, &stored, &why);
	ctx_decode_slot_give(c);
	if (st)
		return ctx_image_fail(c, st, "image", why);
	if ((st = imghash_check(c, stored.phash))) {
		image_discard(c->app->cfg.media_dir, &stored); /* a removed picture */
		return st;
	}
	int64_t id =
	    post_insert(c->app->db, c->a, c->me->id, &stored, prompt, caption, cw, tags, ntags);
	if (id < 0) {
		post_files_abandon(c->app->db, c->a, c->app->cfg.media_dir, &stored);
		return ctx_fail(c, 503, "unavailable", "Could not save the post; try again.");
	}
	int held = classify_new(c, "post", id, arena_printf(c->a, "%s\n%s", prompt, caption));
	post_published(c, id);
	log_info("post %lld by %s", (long long)id, c->me->username);

	char *url = arena_printf(c->a, "/p/%lld", (long long)id);
	if (c->api) {
		int down;
		cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, id, &down);
		if (!p)
			return ctx_fail(c, 503, "unavailable",
					"The post was saved but cannot be read.");
		cJSON_AddItemToObject(ctx_data(c), "post", p);
		cJSON_AddBoolToObject(ctx_data(c), "held", held);
	}
	return ctx_done(c, 201, url);
}

/* A post moderators held back, hid or removed: its author and moderators
 * still see it, with why; others get 404 (or 410 once removed). */
static int post_moderated(struct ctx *c, cJSON *p)
{
	int st = post_moderation_view(c->app->db, c->a, p, c->params[0], c->me ? c->me->id : 0,
				      ctx_is_mod(c));
	if (!st)
		return 0;
	cJSON_Delete(p);
	if (st == 410)
		return ctx_fail(c, 410, "removed", "This post was removed by the moderators.");
	return ctx_fail(c, 404, "not_found", "There is no such post.");
}

int post_show(struct ctx *c)
{
	int down, st;
	if (apub_wanted(c)) /* a fediverse server asks for the Note */
		return apub_note_show(c);
	cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, c->params[0], &down);
	if (!p) {
		if (down)
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	}
	if ((st = post_moderated(c, p)))
		return st;
	myfilters_post_page(c, p); /* the viewer's content-warning choice */
	cJSON *prompt = cJSON_GetObjectItemCaseSensitive(p, "prompt");
	c->title = arena_printf(c->a, "%.60s", cJSON_IsString(prompt) ? prompt->valuestring : "");
	if (c->me) {
		int liked = 0;
		int64_t id = c->params[0];
		if (social_liked_map(c->app->db, c->a, c->me->id, &id, 1, &liked) == 0)
			cJSON_AddBoolToObject(p, "liked_by_me", liked);
	}
	if (!c->api) {
		int64_t next;
		cJSON *cm = social_comments(c->app->db, c->a, c->params[0], 0, COMMENT_PAGE,
					    c->me ? c->me->id : 0, &next);
		if (cm)
			cJSON_AddItemToObject(p, "comments", cm);
		if (next)
			cJSON_AddStringToObject(
			    p, "comments_more",
			    arena_printf(c->a, "/api/v1/posts/%lld/comments?cursor=%lld",
					 (long long)c->params[0], (long long)next));
		cJSON *rc = cJSON_GetObjectItemCaseSensitive(p, "remix_count");
		cJSON_AddBoolToObject(p, "remix_one", cJSON_IsNumber(rc) && rc->valueint == 1);
	}
	syndicate_post_links(c, p); /* oEmbed discovery in the head */
	/* Without consent to training, the page asks crawlers not to use it
	 * (the picture included): <meta name="robots"> in the layout. */
	if (!c->api && consent_post_on(c->app->db, c->a, c->params[0]) == 0)
		cJSON_AddStringToObject(ctx_data(c), "robots", "noai, noimageai");
	cJSON *au = cJSON_GetObjectItemCaseSensitive(p, "author");
	if (c->me && (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(au, "id")) ==
			 c->me->id) /* the owner's training-consent choice (consent.c) */
		consent_post_json(c->app->db, c->a, c->params[0], p, !c->api);
	cJSON_AddItemToObject(ctx_data(c), "post", p);
	return 200;
}
