/* withhold.h - the files of pictures that are no longer public. When every
 * post of a picture is hidden, removed or by a banned person (and it is
 * nobody's avatar), its
 * files move from the served media store (media_dir/ab/cd/...) to
 * media_dir/.withheld/ab/cd/... (a rename within one file system: a file is
 * always in one place or the other, never lost). nginx serves only the
 * first; a request for a file it does not find there goes to the app, which
 * hands a withheld file (X-Accel-Redirect) to whoever may still see one of
 * its posts: the author, the moderators, everybody once a post is visible
 * again. `imagier sweep-media` puts every file where its posts' states say,
 * after a worker died between a decision and its files' move. */
#ifndef IMAGIER_WITHHOLD_H
#define IMAGIER_WITHHOLD_H

#include <stdint.h>

#include "arena.h"

struct db;

/* The withheld store, under media_dir. */
#define WITHHELD_DIR ".withheld"

/* 1 when rel is a media store path: "ab/cd/<name>.<ext>" with lower-case hex
 * directories and a name of [0-9a-z_-] and one dot; nothing that leaves the
 * store. */
int media_rel_ok(const char *rel);

/* buf <- media_dir/.withheld/rel, the place of rel while withheld. 1, or 0
 * when it does not fit in size bytes. */
int withheld_path(char *buf, size_t size, const char *media_dir, const char *rel);

/* The file rel of the media store where it is now: media_dir/rel, else
 * media_dir/.withheld/rel when only that exists (else media_dir/rel). */
char *media_file_path(struct arena *a, const char *media_dir, const char *rel);

/* Put the files of image_id where they belong: withheld when the image has
 * posts and all of them are hidden, removed or by a banned person (and no
 * one's avatar shows it), else served. Call it after the commit that changed a post's state.
 * Returns how many files moved, or -1 (the database failed; or a move:
 * logged, and the sweeper tries again). */
int withhold_image(struct db *db, struct arena *a, const char *media_dir, int64_t image_id);
/* The same for the picture of post_id. */
int withhold_post(struct db *db, struct arena *a, const char *media_dir, int64_t post_id);

/* The same for the picture of every post of user_id: after a ban or an
 * unban commits (a banned person's posts are out of view; a picture shared
 * with a post still in view stays served). Moved count, or -1. */
int withhold_user(struct db *db, struct arena *a, const char *media_dir, int64_t user_id);

/* A new post was committed: if its picture's files are withheld (the same
 * bytes as a hidden or removed post), they are served again. One query when
 * they are not. 0, moved count, or -1. */
int withhold_release_post(struct db *db, struct arena *a, const char *media_dir, int64_t post_id);

/* May viewer (0: anonymous; mod: a moderator or admin) see the file rel?
 * Yes when it is the file of a post they may see (visible, theirs, or any
 * for a moderator), of their own generation, or of an avatar. 0 yes, 404
 * no (or no such file), 503. */
int withhold_may_see(struct db *db, struct arena *a, const char *rel, int64_t viewer, int mod);

/* The sweeper's part: every image with a hidden or removed post or a post
 * by a banned person, and every
 * file in the withheld store, is put where it belongs (withhold_image).
 * *moved counts the files moved (dry_run: that would move, none is).
 * 0, or -1 when the database failed. */
int withhold_reconcile(struct db *db, const char *media_dir, int dry_run, uint64_t *moved);

#endif
