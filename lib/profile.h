/* profile.h - people and tags as pages show them: name lookups, a person's
 * profile (counts, avatar, what the viewer does about them), a tag's
 * header, and saving one's own profile. */
#ifndef IMAGIER_PROFILE_H
#define IMAGIER_PROFILE_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct config;
struct db;
struct image_stored;

#define PROFILE_BIO_MAX_CHARS 300

/* A person / a tag by name: 0 with *id, 404 (nobody, no such tag) or 503. */
int profile_user_id(struct db *db, struct arena *a, const char *name, int64_t *id);
/* The name of person id (name@host for a remote one), NULL when none or
 * on a database error. */
const char *profile_username(struct db *db, struct arena *a, int64_t id);
int profile_tag_id(struct db *db, struct arena *a, const char *name, int64_t *id);

/* The person as {"id","username","role","bio","post_count",...,"avatar"?}
 * with, for a viewer (viewer_id, 0 when anonymous) other than them,
 * "followed_by_me", "muted_by_me", "blocked_by_me"; and "is_me". NULL with
 * *status 404 (nobody) or 503 (database). */
struct cJSON *profile_user_json(struct db *db, struct arena *a, const char *media_url,
				int64_t viewer_id, int64_t user_id, int *status);

/* The tag as {"name","url","post_count","follower_count"}, or NULL
 * (database). */
struct cJSON *profile_tag_json(struct db *db, struct arena *a, int64_t tag_id, const char *name);
/* 1 if user_id follows tag_id, 0 if not, -1 (database). */
int profile_tag_followed(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id);

/* Avatars: a file of at most PROFILE_AVATAR_MAX_BYTES (and media.max_upload)
 * holding at most PROFILE_AVATAR_MAX_PIXELS (and media.max_pixels), stored
 * made to fit PROFILE_AVATAR_SIDE (a 320 px size and that one, each as WebP
 * and JPEG: four files, never a full-size original). */
#define PROFILE_AVATAR_SIDE	  640
#define PROFILE_AVATAR_MAX_BYTES  (5u << 20)
#define PROFILE_AVATAR_MAX_PIXELS 16000000u

/* Check and store an avatar picture under cfg's media dir: 0 with *out, or
 * 400/413/415 (the file), 507 (the disk is full, media_room) or 500 with
 * *why (a short reason; may point into out). */
int profile_avatar_store(const struct config *cfg, const unsigned char *data, size_t len,
			 struct image_stored *out, const char **why);

/* Save user_id's profile in one transaction: the bio (NULL: unchanged), the
 * avatar stored by profile_avatar_store (NULL: unchanged), the training
 * consent (-1: unchanged; *changed = 1 when it changed). The avatar it
 * replaces goes with it when nothing else uses that picture (rows in the
 * transaction, files under media_dir after it). 0, or 503: then the new
 * avatar's files are removed too. */
int profile_save(struct db *db, struct arena *a, const char *media_dir, int64_t user_id,
		 const char *bio, const struct image_stored *avatar, int consent, int64_t now,
		 int *changed);

/* The person or tag of a syndication feed (user 1: a person, not banned;
 * 0: a tag) named name: 0 with its id, its stored name and (a person) the
 * time they signed up, 404 or 503. */
int profile_feed_owner(struct db *db, struct arena *a, int user, const char *name, int64_t *id,
		       const char **stored_name, int64_t *since);

#endif
