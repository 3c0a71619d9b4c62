/* post.h - posts: tags, storing a new post, and the post/feed view models. */
#ifndef IMAGIER_POST_H
#define IMAGIER_POST_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct image_stored;

#define POST_MAX_TAGS	   10
#define POST_MAX_TAG_CHARS 32
#define POST_MAX_PROMPT	   2000
#define POST_MAX_CAPTION   2000
#define POST_MAX_CW	   40 /* characters of a content warning */
#define FEED_PAGE	   24

/* Split "a, b #c  d" into at most POST_MAX_TAGS distinct lower-case tags
 * (letters, digits, '_' and '-', a leading '#' dropped). Returns the count,
 * or -1 with *why for a tag that is too long or has other characters, or
 * too many tags. */
int post_parse_tags(struct arena *a, const char *text, const char **tags, const char **why);

/* Tags from the tags field (strict, as post_parse_tags) plus the #words of
 * the caption (lenient: a #word that would not make a tag is skipped). */
int post_tags_from(struct arena *a, const char *text, const char *caption, const char **tags,
		   const char **why);

/* The image's derived files as the JSON text stored in images.variants. */
char *post_variants_json(struct arena *a, const struct image_stored *img);

/* Insert image (reused when the same bytes were uploaded before), post and
 * tags in one transaction. content_warning is "" for none. Returns the new
 * post id, or -1 (database). */
int64_t post_insert(struct db *db, struct arena *a, int64_t user_id, const struct image_stored *img,
		    const char *prompt, const char *caption, const char *content_warning,
		    const char **tags, int ntags);

/* post_insert for a picture staged by the Mastodon API (oauth_media row
 * media_id of user_id, not attached yet), which the post takes in the same
 * transaction. The new post id, -2 (no such staged picture of theirs, or
 * used already), or -1 (database). */
int64_t post_insert_staged(struct db *db, struct arena *a, int64_t user_id, int64_t media_id,
			   const char *prompt, const char *caption, const char *content_warning,
			   const char **tags, int ntags);

/* Delete user_id's own post_id (Mastodon's DELETE /api/v1/statuses/:id):
 * its likes, comments, tags, notices and timeline entries with it; its
 * remixes stay and show their parent as deleted; the picture's files stay
 * for sweep-media. 0, 403 (another's), 404, 503. */
int post_delete_own(struct db *db, struct arena *a, int64_t user_id, int64_t post_id);

/* After post_insert (or another writer of rows pointing at img) failed:
 * remove the files the store of img created, unless the database broke
 * during the commit (then it may hold the rows, and the files stay for
 * sweep-media to judge) or a request with the same Idempotency-Key
 * committed the same picture first (its rows use them). */
void post_files_abandon(struct db *db, struct arena *a, const char *media_dir,
			const struct image_stored *img);

/* Insert the image row (reused when the same bytes were stored before) and
 * its media_files rows, inside the caller's transaction if any. Returns the
 * image id or -1. */
int64_t image_insert(struct db *db, struct arena *a, const struct image_stored *img);

/* Publish a succeeded generation of user_id as a post (a remix when the job
 * had a parent: root, depth and the parent's remix count follow);
 * content_warning "" for none. Returns 0 with *post_id, 404, 409 (not
 * finished, or published already) with *why, or 503. */
int post_publish(struct db *db, struct arena *a, int64_t gen_id, int64_t user_id,
		 const char *caption, const char *content_warning, const char **tags, int ntags,
		 int64_t *post_id, const char **why);

/* A post moderators held back, hid or removed (its "mod_state" is set) is
 * seen only by its author and moderators: 0 after adding "moderation":
 * {"state","held"} and the latest hide or remove action ("action_id",
 * "action","reason","url"); else 404, or 410 once removed. Without a
 * mod_state: 0, the post unchanged. */
int post_moderation_view(struct db *db, struct arena *a, struct cJSON *post, int64_t post_id,
			 int64_t viewer_id, int moderator);
/* Whether viewer_id (0: anonymous) may see post id and what hangs on it
 * (its comments): 0, 404 (none, or held or hidden), 410 (removed), 503. */
int post_visible_to(struct db *db, struct arena *a, const char *media_url, int64_t id,
		    int64_t viewer_id, int moderator);

/* image {"width","height","blurhash","color","sizes":{...},"display",
 * "srcset_webp","srcset_jpeg","labelled","card"} from an images row (variants
 * is its JSON column). "display" and the srcsets name only display sizes,
 * which carry the visible label ("labelled": all of them do); the original
 * (sizes.original) is there only to be downloaded, and is shown only for an
 * image stored with no display size. "card" (absent for images stored
 * before cards existed): the smallest square card, with the cards' srcsets
 * and "labelled". */
struct cJSON *post_image_json(struct arena *a, const char *media_url, int64_t w, int64_t h,
			      const char *blurhash, const char *color, const char *variants);

/* A small picture of an images row as {"width","height","webp","jpeg",
 * "labelled"}: the smallest square card, else the 320 px size, else the
 * display size; NULL when there is none. */
struct cJSON *post_thumb_json(struct arena *a, const char *media_url, int64_t w, int64_t h,
			      const char *blurhash, const char *color, const char *variants);

/* Near duplicates listed on a post (lib/imghash.c links them). */
#define POST_NEAR_SHOWN 10

/* The post as a view model object {"id",...,"image":{...},
 * "near_duplicates":[{"id","url","distance"}]}, or NULL if it does not
 * exist (*db_down set to 1 when the database failed instead). */
struct cJSON *post_load(struct db *db, struct arena *a, const char *media_url, int64_t id,
			int *db_down);

/* Load several posts in one query: out[i] is the post ids[i] (a new cJSON
 * object the caller owns) or NULL when it does not exist. 0, or -1 (db). */
int post_load_many(struct db *db, struct arena *a, const char *media_url, const int64_t *ids,
		   size_t n, struct cJSON **out);

/* Newest posts with id < before (0 = from the top): appends up to limit post
 * objects to items, sets *next to the cursor for the following page (0 when
 * there is none). Returns 0, or -1 when the database failed. */
int feed_latest(struct db *db, struct arena *a, const char *media_url, int64_t before, int limit,
		struct cJSON *items, int64_t *next);

/* "2026-11-24T23:59:00Z" and "24 Nov 2026, 23:59 UTC" for unix time t. */
char *time_iso(struct arena *a, int64_t t);
char *time_text(struct arena *a, int64_t t);
/* Both of them into o: time_iso under iso_key, time_text under text_key. */
void time_json(struct cJSON *o, struct arena *a, const char *iso_key, const char *text_key,
	       int64_t t);

#endif
