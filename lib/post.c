/* post.c - posts: tags, storing a new post, and the post/feed view models. */
#include "post.h"
#include "json.h"
#include "db.h"
#include "idem.h"
#include "image.h"
#include "log.h"
#include "timeline.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int tag_char_ok(unsigned char ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch >= 0x80; /* UTF-8 letters */
}

int post_parse_tags(struct arena *a, const char *text, const char **tags, const char **why)
{
	int n = 0;
	const char *p = text ? text : "";
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		size_t len = (size_t)(p - start);
		if (*start == '#') {
			start++;
			len--;
		}
		if (len == 0)
			continue;
		size_t chars = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)start[i];
			if (!tag_char_ok(ch)) {
				*why = "Tags use letters, digits, - and _ only.";
				return -1;
			}
			if ((ch & 0xC0) != 0x80)
				chars++;
		}
		if (chars > POST_MAX_TAG_CHARS) {
			*why = "A tag can have at most 32 characters.";
			return -1;
		}
		char *t = arena_strndup(a, start, len);
		for (char *q = t; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(tags[i], t);
		if (dup)
			continue;
		if (n == POST_MAX_TAGS) {
			*why = "A post can have at most 10 tags.";
			return -1;
		}
		tags[n++] = t;
	}
	return n;
}

int post_tags_from(struct arena *a, const char *text, const char *caption, const char **tags,
		   const char **why)
{
	int n = post_parse_tags(a, text, tags, why);
	if (n < 0 || !caption)
		return n;
	/* #words in the caption join the tags: a '#' at the start or after a
	 * space, then tag characters. Prose is lenient: what would not make a
	 * tag (too long, past ten) is simply not one. */
	for (const char *p = caption; *p; p++) {
		if (*p != '#' || (p > caption && !strchr(" \t\n(", p[-1])))
			continue;
		const char *start = p + 1, *e = start;
		while (*e && tag_char_ok((unsigned char)*e))
			e++;
		if (e == start || e - start > POST_MAX_TAG_CHARS * 4 || n == POST_MAX_TAGS)
			continue;
		const char *one[POST_MAX_TAGS], *w;
		if (post_parse_tags(a, arena_strndup(a, start, (size_t)(e - start)), one, &w) != 1)
			continue;
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(tags[i], one[0]);
		if (!dup)
			tags[n++] = one[0];
		p = e - 1;
	}
	return n;
}

char *post_variants_json(struct arena *a, const struct image_stored *img)
{
	/* {"320":{"w":320,"h":200,"webp":"ab/..","jpeg":"ab/..","label":true},...}:
	 * display sizes keyed by width, square cards "card<side>", the original
	 * "full"; "label" when the visible label is in the pixels. */
	cJSON *root = cJSON_CreateObject();
	for (int i = 0; i < img->nv; i++) {
		const struct image_variant *v = &img->v[i];
		char key[16];
		if (v->role == IMAGE_ORIGINAL)
			snprintf(key, sizeof(key), "full");
		else if (v->role == IMAGE_CARD)
			snprintf(key, sizeof(key), "card%u", v->width);
		else
			snprintf(key, sizeof(key), "%u", v->width);
		cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
		if (!o) {
			o = cJSON_AddObjectToObject(root, key);
			cJSON_AddNumberToObject(o, "w", v->width);
			cJSON_AddNumberToObject(o, "h", v->height);
			if (v->labelled)
				cJSON_AddBoolToObject(o, "label", 1);
		}
		cJSON_AddStringToObject(o, v->format, v->path);
	}
	char *s = json_print(root);
	char *out = arena_strdup(a, s);
	free(s);
	cJSON_Delete(root);
	return out;
}

cJSON *post_thumb_json(struct arena *a, const char *media_url, int64_t w, int64_t h,
		       const char *blurhash, const char *color, const char *variants)
{
	cJSON *img = post_image_json(a, media_url, w, h, blurhash, color, variants);
	cJSON *sizes = cJSON_GetObjectItemCaseSensitive(img, "sizes");
	cJSON *best = cJSON_GetObjectItemCaseSensitive(img, "card");
	if (!best)
		best = cJSON_GetObjectItemCaseSensitive(sizes, "320");
	if (!best) /* smaller than 320: the display size, else the original */
		best = cJSON_GetObjectItemCaseSensitive(img, "display");
	cJSON *out = best ? cJSON_Duplicate(best, 1) : NULL;
	if (out) {
		cJSON_DeleteItemFromObjectCaseSensitive(out, "srcset_webp");
		cJSON_DeleteItemFromObjectCaseSensitive(out, "srcset_jpeg");
	}
	cJSON_Delete(img);
	return out;
}

int64_t image_insert(struct db *db, struct arena *a, const struct image_stored *img)
{
	struct db_res r;
	int64_t now = now_unix();
	if (db_exec(db, a, &r,
		    "INSERT INTO images (sha256, width, height, blurhash, avg_color, variants, "
		    "created_at, phash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
		    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), variants = VALUES(variants), "
		    "phash = VALUES(phash)",
		    "siisssiu", img->sha256, (int64_t)img->width, (int64_t)img->height,
		    img->blurhash, img->avg_color, post_variants_json(a, img), now,
		    img->phash) != DB_OK)
		return -1;
	int64_t image_id = (int64_t)r.insert_id;
	for (int i = 0; i < img->nv; i++)
		if (db_exec(db, a, NULL,
			    "INSERT IGNORE INTO media_files (path, image_id, bytes, created_at) "
			    "VALUES (?, ?, ?, ?)",
			    "siii", img->v[i].path, image_id, (int64_t)img->v[i].bytes,
			    now) != DB_OK)
			return -1;
	return image_id;
}

/* "a b c" for posts.tags. */
static char *tags_text(struct arena *a, const char **tags, int ntags)
{
	char *t = arena_strdup(a, "");
	for (int i = 0; i < ntags; i++)
		t = arena_printf(a, "%s%s%s", t, i ? " " : "", tags[i]);
	return t;
}

/* Tags of a new post, and their counters. */
static int tags_insert(struct db *db, struct arena *a, int64_t post_id, const char **tags,
		       int ntags)
{
	struct db_res r;
	for (int i = 0; i < ntags; i++) {
		if (db_exec(db, a, &r,
			    "INSERT INTO tags (name) VALUES (?) "
			    "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
			    "s", tags[i]) != DB_OK)
			return -1;
		int64_t tag_id = (int64_t)r.insert_id;
		if (db_exec(db, a, NULL,
			    "INSERT IGNORE INTO post_tags (tag_id, post_id) VALUES (?, ?)", "ii",
			    tag_id, post_id) != DB_OK ||
		    db_exec(db, a, NULL, "UPDATE tags SET post_count = post_count + 1 WHERE id = ?",
			    "i", tag_id) != DB_OK)
			return -1;
	}
	return 0;
}

/* The posts row of image_id with its tags, its place in the followers'
 * timelines and the request's Idempotency-Key: its id, or -1. Inside the
 * caller's transaction, after the author's row was locked. */
static int64_t post_row(struct db *db, struct arena *a, int64_t user_id, int64_t image_id,
			const char *prompt, const char *caption, const char *content_warning,
			const char **tags, int ntags)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "INSERT INTO posts (user_id, image_id, prompt, caption, content_warning, tags, "
		    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "iissssi", user_id, image_id, prompt, caption,
		    content_warning ? content_warning : "", tags_text(a, tags, ntags),
		    now_unix()) != DB_OK)
		return -1;
	int64_t post_id = (int64_t)r.insert_id;
	if (tags_insert(db, a, post_id, tags, ntags) || timeline_queue_post(db, a, post_id) ||
	    idem_claim(db, a, post_id, arena_printf(a, "/p/%lld", (long long)post_id)))
		return -1;
	return post_id;
}

int64_t post_insert(struct db *db, struct arena *a, int64_t user_id, const struct image_stored *img,
		    const char *prompt, const char *caption, const char *content_warning,
		    const char **tags, int ntags)
{
	int64_t post_id = -1;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return -1;
	/* The author's row first: every writer of a person's posts takes the
	 * same lock in the same order (no deadlock between two uploads). */
	if (db_exec(db, a, NULL, "UPDATE users SET post_count = post_count + 1 WHERE id = ?", "i",
		    user_id) != DB_OK)
		goto done;
	int64_t image_id = image_insert(db, a, img);
	if (image_id < 0)
		goto done;
	post_id = post_row(db, a, user_id, image_id, prompt, caption, content_warning, tags, ntags);
	ok = post_id > 0;
done:
	return db_finish(db, ok) == DB_OK ? post_id : -1;
}

int64_t post_insert_staged(struct db *db, struct arena *a, int64_t user_id, int64_t media_id,
			   const char *prompt, const char *caption, const char *content_warning,
			   const char **tags, int ntags)
{
	struct db_res r;
	int64_t post_id = -1;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, NULL, "UPDATE users SET post_count = post_count + 1 WHERE id = ?", "i",
		    user_id) != DB_OK ||
	    db_exec(db, a, &r,
		    "SELECT image_id FROM oauth_media WHERE id = ? AND user_id = ? AND post_id IS "
		    "NULL FOR UPDATE",
		    "ii", media_id, user_id) != DB_OK)
		goto done;
	if (!r.nrows) {
		post_id = -2;
		goto done;
	}
	int64_t image_id = db_int(&r, 0, 0);
	post_id = post_row(db, a, user_id, image_id, prompt, caption, content_warning, tags, ntags);
	ok = post_id > 0 && db_exec(db, a, NULL, "UPDATE oauth_media SET post_id = ? WHERE id = ?",
				    "ii", post_id, media_id) == DB_OK;
done:
	if (post_id == -2) {
		db_rollback(db);
		return -2;
	}
	return db_finish(db, ok) == DB_OK && ok ? post_id : -1;
}

int post_delete_own(struct db *db, struct arena *a, int64_t user_id, int64_t post_id)
{
	struct db_res r;
	int ok = 0, st = 503;
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r,
		    "SELECT user_id, IFNULL(parent_id, 0) FROM posts WHERE id = ? FOR UPDATE", "i",
		    post_id) != DB_OK)
		goto done;
	if (!r.nrows || db_int(&r, 0, 0) != user_id) {
		st = r.nrows ? 403 : 404;
		goto done;
	}
	int64_t parent = db_int(&r, 0, 1);
	if (db_exec(db, a, NULL,
		    "UPDATE users SET post_count = post_count - 1 WHERE id = ? AND "
		    "post_count > 0",
		    "i", user_id) != DB_OK ||
	    db_exec(db, a, NULL,
		    "UPDATE tags SET post_count = post_count - 1 WHERE post_count > 0 AND id IN "
		    "(SELECT tag_id FROM post_tags WHERE post_id = ?)",
		    "i", post_id) != DB_OK ||
	    (parent && db_exec(db, a, NULL,
			       "UPDATE posts SET remix_count = remix_count - 1 WHERE id = ? AND "
			       "remix_count > 0",
			       "i", parent) != DB_OK) ||
	    db_exec(db, a, NULL, "DELETE FROM notifications WHERE post_id = ?", "i", post_id) !=
		DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM timelines WHERE post_id = ?", "i", post_id) !=
		DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM oauth_media WHERE post_id = ?", "i", post_id) !=
		DB_OK ||
	    db_exec(db, a, NULL, "DELETE FROM posts WHERE id = ?", "i", post_id) != DB_OK)
		goto done;
	ok = 1;
	st = 0;
done:
	if (!ok) {
		db_rollback(db);
		return st;
	}
	return db_commit(db) == DB_OK ? 0 : 503;
}

void post_files_abandon(struct db *db, struct arena *a, const char *media_dir,
			const struct image_stored *img)
{
	/* The same key, made by another request that committed first: if it
	 * stored the same picture, its rows use these very files; if it stored
	 * another (the key reused with another body), nothing does. */
	struct db_res r;
	if (idem_state(db) == IDEM_COLLIDED &&
	    (db_read(db, a, &r, "SELECT 1 FROM images WHERE sha256 = ?", "s", img->sha256) !=
		 DB_OK ||
	     r.nrows))
		return;
	if (db_commit_unknown(db))
		log_error("post: the database broke during a commit; the new files stay "
			  "(imagier sweep-media removes them if no row points at them)");
	else
		image_discard(media_dir, img);
}

int post_publish(struct db *db, struct arena *a, int64_t gen_id, int64_t user_id,
		 const char *caption, const char *content_warning, const char **tags, int ntags,
		 int64_t *post_id, const char **why)
{
	struct db_res r;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, NULL, "UPDATE users SET post_count = post_count + 1 WHERE id = ?", "i",
		    user_id) != DB_OK)
		goto done;
	/* Lock the job: publishing twice at once makes one post. */
	if (db_exec(db, a, &r,
		    "SELECT status, image_id, prompt, IFNULL(parent_id, 0), IFNULL(post_id, 0) "
		    "FROM generations WHERE id = ? AND user_id = ? FOR UPDATE",
		    "ii", gen_id, user_id) != DB_OK)
		goto done;
	if (r.nrows == 0) {
		db_rollback(db);
		*why = "There is no such image.";
		return 404;
	}
	if (db_int(&r, 0, 4)) {
		db_rollback(db);
		*why = "This image is already published.";
		return 409;
	}
	if (strcmp(db_str(&r, 0, 0), "succeeded")) {
		db_rollback(db);
		*why = "Only a finished image can be published.";
		return 409;
	}
	int64_t image_id = db_int(&r, 0, 1), parent = db_int(&r, 0, 3);
	const char *prompt = db_str(&r, 0, 2);
	int64_t root = 0, depth = 0;
	if (parent) {
		/* The parent may have been deleted since: then this is a root. */
		if (db_exec(db, a, &r,
			    "SELECT IFNULL(root_id, id), depth FROM posts WHERE id = ? FOR UPDATE",
			    "i", parent) != DB_OK)
			goto done;
		if (r.nrows) {
			root = db_int(&r, 0, 0);
			depth = db_int(&r, 0, 1) + 1;
		} else {
			parent = 0;
		}
	}
	if (db_exec(
		db, a, &r,
		"INSERT INTO posts (user_id, image_id, generation_id, parent_id, root_id, depth, "
		"prompt, caption, content_warning, tags, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"iiississssi", user_id, image_id, gen_id,
		parent ? arena_printf(a, "%lld", (long long)parent) : NULL,
		root ? arena_printf(a, "%lld", (long long)root) : NULL, depth, prompt, caption,
		content_warning ? content_warning : "", tags_text(a, tags, ntags),
		now_unix()) != DB_OK)
		goto done;
	*post_id = (int64_t)r.insert_id;
	if (tags_insert(db, a, *post_id, tags, ntags) || timeline_queue_post(db, a, *post_id) ||
	    db_exec(db, a, NULL, "UPDATE generations SET post_id = ? WHERE id = ?", "ii", *post_id,
		    gen_id) != DB_OK ||
	    (parent &&
	     db_exec(db, a, NULL, "UPDATE posts SET remix_count = remix_count + 1 WHERE id = ?",
		     "i", parent) != DB_OK) ||
	    idem_claim(db, a, *post_id, arena_printf(a, "/p/%lld", (long long)*post_id)))
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
}

char *time_iso(struct arena *a, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, s);
}

char *time_text(struct arena *a, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[48];
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%-d %b %Y, %H:%M UTC", &tm);
	return arena_strdup(a, s);
}

void time_json(cJSON *o, struct arena *a, const char *iso_key, const char *text_key, int64_t t)
{
	cJSON_AddStringToObject(o, iso_key, time_iso(a, t));
	cJSON_AddStringToObject(o, text_key, time_text(a, t));
}

/* One size {"width","height","webp","jpeg","labelled"} with public URLs. */
static cJSON *size_json(const cJSON *v, const char *media_url)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "w");
	cJSON *h = cJSON_GetObjectItemCaseSensitive(v, "h");
	cJSON_AddNumberToObject(o, "width", cJSON_IsNumber(w) ? w->valuedouble : 0);
	cJSON_AddNumberToObject(o, "height", cJSON_IsNumber(h) ? h->valuedouble : 0);
	static const char *const fmts[] = {"webp", "jpeg"};
	for (size_t i = 0; i < ARRAY_LEN(fmts); i++) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(v, fmts[i]);
		if (cJSON_IsString(p)) {
			char url[512];
			snprintf(url, sizeof(url), "%s/%s", media_url, p->valuestring);
			cJSON_AddStringToObject(o, fmts[i], url);
		}
	}
	cJSON_AddBoolToObject(o, "labelled",
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "label")));
	return o;
}

/* The srcsets of the stored sizes that pass want(key) into *sw / *sj, the
 * largest no wider than 1280 (else the smallest) into *display, the
 * smallest into *small; returns whether every one of them is labelled (0
 * when there is none). */
static int srcsets(struct arena *a, const cJSON *stored, const char *media_url,
		   int (*want)(const char *key), char **sw, char **sj, const cJSON **display,
		   const cJSON **smallest)
{
	const cJSON *small = NULL, *v;
	int n = 0, labelled = 1;
	*sw = arena_strdup(a, "");
	*sj = arena_strdup(a, "");
	*display = NULL;
	cJSON_ArrayForEach(v, stored)
	{
		cJSON *vw = cJSON_GetObjectItemCaseSensitive(v, "w");
		cJSON *pw = cJSON_GetObjectItemCaseSensitive(v, "webp");
		cJSON *pj = cJSON_GetObjectItemCaseSensitive(v, "jpeg");
		if (!want(v->string) || !cJSON_IsNumber(vw))
			continue;
		n++;
		labelled &= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "label"));
		if (cJSON_IsString(pw))
			*sw = arena_printf(a, "%s%s%s/%s %dw", *sw, **sw ? ", " : "", media_url,
					   pw->valuestring, vw->valueint);
		if (cJSON_IsString(pj))
			*sj = arena_printf(a, "%s%s%s/%s %dw", *sj, **sj ? ", " : "", media_url,
					   pj->valuestring, vw->valueint);
		cJSON *dw = *display ? cJSON_GetObjectItemCaseSensitive(*display, "w") : NULL;
		if (vw->valueint <= 1280 && (!dw || vw->valueint > dw->valueint))
			*display = v;
		cJSON *smw = small ? cJSON_GetObjectItemCaseSensitive(small, "w") : NULL;
		if (!smw || vw->valueint < smw->valueint)
			small = v;
	}
	if (!*display)
		*display = small;
	*smallest = small;
	return n > 0 && labelled;
}

static int is_display(const char *key)
{
	return key[0] >= '0' && key[0] <= '9';
}

static int is_original(const char *key)
{
	return !strcmp(key, "full");
}

static int is_card(const char *key)
{
	return !strncmp(key, "card", 4);
}

/* image {"width","height","blurhash","color","sizes":{...},"display":{...},
 * "srcset_webp","srcset_jpeg","labelled","card":{...}} from the stored
 * variants JSON. Pages, feeds and oEmbed show only the display sizes (the
 * labelled ones); the original is shown only when an image has no display
 * size at all (stored before it had to). */
cJSON *post_image_json(struct arena *a, const char *media_url, int64_t w, int64_t h,
		       const char *blurhash, const char *color, const char *variants)
{
	cJSON *img = cJSON_CreateObject();
	cJSON_AddNumberToObject(img, "width", (double)w);
	cJSON_AddNumberToObject(img, "height", (double)h);
	cJSON_AddStringToObject(img, "blurhash", blurhash ? blurhash : "");
	cJSON_AddStringToObject(img, "color", color ? color : "#808080");
	cJSON *sizes = cJSON_AddObjectToObject(img, "sizes");
	cJSON *stored = cJSON_Parse(variants ? variants : "{}");
	const cJSON *v, *display = NULL, *card = NULL, *unused;
	char *sw, *sj;
	cJSON_ArrayForEach(v, stored)
	{
		if (!is_card(v->string))
			cJSON_AddItemToObject(sizes,
					      is_original(v->string) ? "original" : v->string,
					      size_json(v, media_url));
	}
	int labelled = srcsets(a, stored, media_url, is_display, &sw, &sj, &display, &unused);
	if (!display)
		labelled = srcsets(a, stored, media_url, is_original, &sw, &sj, &display, &unused);
	if (display)
		cJSON_AddItemToObject(img, "display", size_json(display, media_url));
	cJSON_AddStringToObject(img, "srcset_webp", sw);
	cJSON_AddStringToObject(img, "srcset_jpeg", sj);
	cJSON_AddBoolToObject(img, "labelled", labelled);
	/* the cards: the smallest for src (and thumbnails), all in the srcset */
	labelled = srcsets(a, stored, media_url, is_card, &sw, &sj, &unused, &card);
	if (card) {
		cJSON *c = size_json(card, media_url);
		cJSON_ReplaceItemInObjectCaseSensitive(c, "labelled", cJSON_CreateBool(labelled));
		cJSON_AddStringToObject(c, "srcset_webp", sw);
		cJSON_AddStringToObject(c, "srcset_jpeg", sj);
		cJSON_AddItemToObject(img, "card", c);
	}
	cJSON_Delete(stored);
	return img;
}

/* Columns 0-11 the post and its image, 12-15 lineage, 16-17 the parent's
 * author, 18-25 the generation (NULL for an upload), 26-27 counts, 28-30
 * moderation: the post's state, its content warning, the author banned. */
#define POST_COLUMNS                                                                               \
	"p.id, p.user_id, u.username, p.prompt, p.caption, p.tags, p.created_at, i.width, "        \
	"i.height, i.blurhash, i.avg_color, i.variants, IFNULL(p.parent_id, 0), "                  \
	"IFNULL(p.root_id, p.id), p.depth, p.remix_count, pu.username, pu.id, g.id, "              \
	"g.negative_prompt, g.seed, g.width, g.height, g.backend, g.model, g.style, "              \
	"p.like_count, p.comment_count, p.mod_state, p.content_warning, u.banned_at IS NOT NULL, " \
	"p.remote, u.domain, rp.url, IFNULL(rp.ai_labelled, 0), IFNULL(rp.alt, '')"
/* A remote post's provenance and its picture's description (columns 31-35). */
#define POST_NCOLUMNS	 36
#define POST_REMOTE_JOIN " LEFT JOIN ap_remote_posts rp ON rp.post_id = p.id "
#define POST_FROM                                                                                  \
	" FROM posts p JOIN users u ON u.id = p.user_id JOIN images i ON i.id = "                  \
	"p.image_id " POST_REMOTE_JOIN                                                             \
	"LEFT JOIN posts pp ON pp.id = p.parent_id LEFT JOIN users pu ON pu.id = pp.user_id "      \
	"LEFT JOIN generations g ON g.id = p.generation_id "

/* parent_id, root_id, depth, remix_count, parent {id, author}, generation. */
static void post_lineage_fields(struct arena *a, cJSON *p, const struct db_res *r, size_t row)
{
	int64_t parent = db_int(r, row, 12);
	if (parent) {
		cJSON_AddNumberToObject(p, "parent_id", (double)parent);
		cJSON *par = cJSON_AddObjectToObject(p, "parent");
		cJSON_AddNumberToObject(par, "id", (double)parent);
		if (!db_str(r, row, 17)) {
			/* The parent's author deleted their account (and it). */
			cJSON_AddTrueToObject(par, "deleted");
			cJSON_AddTrueToObject(p, "parent_deleted");
		} else {
			cJSON_AddStringToObject(par, "url",
						arena_printf(a, "/p/%lld", (long long)parent));
			cJSON_AddStringToObject(par, "author", db_str(r, row, 16));
		}
	}
	cJSON_AddNumberToObject(p, "root_id", (double)db_int(r, row, 13));
	cJSON_AddNumberToObject(p, "depth", (double)db_int(r, row, 14));
	cJSON_AddNumberToObject(p, "remix_count", (double)db_int(r, row, 15));
	cJSON_AddNumberToObject(p, "like_count", (double)db_int(r, row, 26));
	cJSON_AddNumberToObject(p, "comment_count", (double)db_int(r, row, 27));
	if (!db_str(r, row, 18))
		return;
	cJSON *g = cJSON_AddObjectToObject(p, "generation");
	cJSON_AddNumberToObject(g, "id", (double)db_int(r, row, 18));
	cJSON_AddStringToObject(g, "prompt", db_str(r, row, 3));
	cJSON_AddStringToObject(g, "negative_prompt", db_str(r, row, 19));
	cJSON_AddNumberToObject(g, "seed", strtod(db_str(r, row, 20), NULL));
	cJSON_AddNumberToObject(g, "width", (double)db_int(r, row, 21));
	cJSON_AddNumberToObject(g, "height", (double)db_int(r, row, 22));
	cJSON_AddStringToObject(g, "backend", db_str(r, row, 23));
	cJSON_AddStringToObject(g, "model", db_str(r, row, 24));
	cJSON_AddStringToObject(g, "style", db_str(r, row, 25));
}

static cJSON *post_row_json(struct arena *a, const char *media_url, const struct db_res *r,
			    size_t row)
{
	cJSON *p = cJSON_CreateObject();
	int64_t id = db_int(r, row, 0);
	cJSON_AddNumberToObject(p, "id", (double)id);
	cJSON_AddStringToObject(p, "url", arena_printf(a, "/p/%lld", (long long)id));
	cJSON *au = cJSON_AddObjectToObject(p, "author");
	cJSON_AddNumberToObject(au, "id", (double)db_int(r, row, 1));
	cJSON_AddStringToObject(au, "username", db_str(r, row, 2));
	cJSON_AddStringToObject(p, "prompt", db_str(r, row, 3));
	cJSON_AddStringToObject(p, "caption", db_str(r, row, 4));
	cJSON *tags = cJSON_AddArrayToObject(p, "tags");
	char *tt = arena_strdup(a, db_str(r, row, 5) ? db_str(r, row, 5) : "");
	for (char *save = NULL, *t = strtok_r(tt, " ", &save); t; t = strtok_r(NULL, " ", &save))
		cJSON_AddItemToArray(tags, cJSON_CreateString(t));
	int64_t created = db_int(r, row, 6);
	time_json(p, a, "created_at", "created_text", created);
	if (db_int(r, row, 31)) {
		/* A post of another server: what that server said of the picture,
		 * in its words, and where the original is. */
		const char *host = db_str(r, row, 32);
		int ai = (int)db_int(r, row, 34);
		cJSON_AddBoolToObject(p, "ai_generated", ai);
		cJSON *rem = cJSON_AddObjectToObject(p, "remote");
		cJSON_AddStringToObject(rem, "domain", host);
		cJSON_AddStringToObject(rem, "url", db_str(r, row, 33) ? db_str(r, row, 33) : "");
		cJSON_AddBoolToObject(rem, "ai_labelled", ai);
		cJSON_AddStringToObject(
		    rem, "provenance",
		    ai ? arena_printf(a, "AI-generated (per %s)", host)
		       : arena_printf(a, "Not labelled as AI-generated by %s", host));
		/* the picture's own description, else its caption, else whose */
		const char *alt = db_str(r, row, 35), *cap = db_str(r, row, 4);
		cJSON_AddStringToObject(rem, "alt", alt);
		cJSON_AddStringToObject(
		    p, "alt",
		    *alt   ? alt
		    : *cap ? cap
			   : arena_printf(a, "A picture by @%s", db_str(r, row, 2)));
	} else {
		cJSON_AddTrueToObject(p, "ai_generated");
		cJSON_AddStringToObject(p, "alt", db_str(r, row, 3));
	}
	cJSON_AddItemToObject(p, "image",
			      post_image_json(a, media_url, db_int(r, row, 7), db_int(r, row, 8),
					      db_str(r, row, 9), db_str(r, row, 10),
					      db_str(r, row, 11)));
	post_lineage_fields(a, p, r, row);
	cJSON_AddStringToObject(p, "content_warning", db_str(r, row, 29));
	/* Only post_load sees posts others may not: it says which they are. */
	const char *state = db_int(r, row, 30) ? "removed" : db_str(r, row, 28);
	if (strcmp(state, "visible"))
		cJSON_AddStringToObject(p, "mod_state", state);
	return p;
}

cJSON *post_load(struct db *db, struct arena *a, const char *media_url, int64_t id, int *db_down)
{
	struct db_res r;
	*db_down = 0;
	/* One round trip for the post page: the post, and its near duplicates
	 * (visible ones, nearest first) as "id:distance,..." after the post's. */
	if (db_read(
		db, a, &r,
		"SELECT " POST_COLUMNS ", (SELECT GROUP_CONCAT(CONCAT(n.other_post_id, ':', "
		"n.distance) ORDER BY n.distance, n.other_post_id SEPARATOR ',') FROM "
		"near_duplicates n JOIN posts q ON q.id = n.other_post_id WHERE n.post_id = p.id "
		"AND q.mod_state = 'visible')" POST_FROM "WHERE p.id = ?",
		"i", id) != DB_OK) {
		*db_down = 1;
		return NULL;
	}
	if (r.nrows == 0)
		return NULL;
	cJSON *p = post_row_json(a, media_url, &r, 0);
	cJSON *near = cJSON_AddArrayToObject(p, "near_duplicates");
	char *list =
	    arena_strdup(a, db_str(&r, 0, POST_NCOLUMNS) ? db_str(&r, 0, POST_NCOLUMNS) : "");
	int shown = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t && shown < POST_NEAR_SHOWN;
	     t = strtok_r(NULL, ",", &save), shown++) {
		char *colon = strchr(t, ':');
		if (!colon)
			continue;
		*colon = 0;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", strtod(t, NULL));
		cJSON_AddStringToObject(o, "url", arena_printf(a, "/p/%s", t));
		cJSON_AddNumberToObject(o, "distance", strtod(colon + 1, NULL));
		cJSON_AddItemToArray(near, o);
	}
	return p;
}

int post_load_many(struct db *db, struct arena *a, const char *media_url, const int64_t *ids,
		   size_t n, cJSON **out)
{
	memset(out, 0, n * sizeof(*out));
	if (!n)
		return 0;
	char *list = db_id_list(a, ids, n, sizeof(*ids));
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT " POST_COLUMNS
		    " FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
		    "JOIN posts p ON p.id = j.id JOIN users u ON u.id = p.user_id "
		    "JOIN images i ON i.id = p.image_id" POST_REMOTE_JOIN
		    "LEFT JOIN posts pp ON pp.id = p.parent_id LEFT JOIN users pu ON pu.id = "
		    "pp.user_id "
		    "LEFT JOIN generations g ON g.id = p.generation_id "
		    "WHERE p.mod_state = 'visible' AND u.banned_at IS NULL",
		    "s", list) != DB_OK)
		return -1;
	for (size_t k = 0; k < r.nrows; k++) {
		int64_t id = db_int(&r, k, 0);
		for (size_t i = 0; i < n; i++)
			if (ids[i] == id && !out[i]) {
				out[i] = post_row_json(a, media_url, &r, k);
				break;
			}
	}
	return 0;
}

int feed_latest(struct db *db, struct arena *a, const char *media_url, int64_t before, int limit,
		cJSON *items, int64_t *next)
{
	struct db_res r;
	if (before <= 0)
		before = INT64_MAX;
	if (db_read(db, a, &r,
		    "SELECT " POST_COLUMNS POST_FROM "WHERE p.id < ? AND p.mod_state = 'visible' "
		    "AND p.remote = 0 AND u.banned_at IS NULL ORDER BY p.id DESC LIMIT ?",
		    "ii", before, (int64_t)limit + 1) != DB_OK)
		return -1;
	size_t shown = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
	for (size_t i = 0; i < shown; i++)
		cJSON_AddItemToArray(items, post_row_json(a, media_url, &r, i));
	*next = r.nrows > (size_t)limit ? db_int(&r, shown - 1, 0) : 0;
	return 0;
}

int post_moderation_view(struct db *db, struct arena *a, cJSON *post, int64_t post_id,
			 int64_t viewer_id, int moderator)
{
	const char *state =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "mod_state"));
	if (!state)
		return 0;
	cJSON *au = cJSON_GetObjectItemCaseSensitive(post, "author");
	int64_t author = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(au, "id"));
	if (!(viewer_id && viewer_id == author) && !moderator)
		return !strcmp(state, "removed") ? 410 : 404;
	struct db_res r;
	cJSON *m = cJSON_AddObjectToObject(post, "moderation");
	cJSON_AddStringToObject(m, "state", state);
	cJSON_AddBoolToObject(m, "held", !strcmp(state, "held"));
	if (db_read(db, a, &r,
		    "SELECT id, action, reason FROM mod_actions WHERE target_type = 'post' AND "
		    "target_id = ? AND action IN ('hide', 'remove') ORDER BY id DESC LIMIT 1",
		    "i", post_id) == DB_OK &&
	    r.nrows) {
		cJSON_AddNumberToObject(m, "action_id", (double)db_int(&r, 0, 0));
		cJSON_AddStringToObject(m, "action", db_str(&r, 0, 1));
		cJSON_AddStringToObject(m, "reason", db_str(&r, 0, 2));
		cJSON_AddStringToObject(
		    m, "url", arena_printf(a, "/moderation/%lld", (long long)db_int(&r, 0, 0)));
	}
	return 0;
}

int post_visible_to(struct db *db, struct arena *a, const char *media_url, int64_t id,
		    int64_t viewer_id, int moderator)
{
	int down;
	cJSON *p = post_load(db, a, media_url, id, &down);
	if (!p)
		return down ? 503 : 404;
	int st = post_moderation_view(db, a, p, id, viewer_id, moderator);
	cJSON_Delete(p);
	return st;
}
