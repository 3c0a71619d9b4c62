/* profile.h - people and tags as pages show them: name lookups, a person's
 * profile (counts, avatar, what the viewer does about them), a tag's
 * header, and saving one's own profile. */
#ifndef IMAGIER_PROFILE_H
#define IMAGIER_PROFILE_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define PROFILE_BIO_MAX_CHARS 300

/* A person / a tag by name: 0 with *id, 404 (nobody, no such tag) or 503. */
int profile_user_id(struct db *db, struct arena *a, const char *name, int64_t *id);
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

/* Save user_id's profile in one transaction: the bio (NULL: unchanged),
 * the avatar image (0: unchanged), the training consent (-1: unchanged;
 * *changed = 1 when it changed). 0 or 503. */
int profile_save(struct db *db, struct arena *a, int64_t user_id, const char *bio,
		 int64_t avatar_image_id, int consent, int64_t now, int *changed);

/* The person or tag of a syndication feed (user 1: a person, not banned;
 * 0: a tag) named name: 0 with its id, its stored name and (a person) the
 * time they signed up, 404 or 503. */
int profile_feed_owner(struct db *db, struct arena *a, int user, const char *name, int64_t *id,
		       const char **stored_name, int64_t *since);

#endif
