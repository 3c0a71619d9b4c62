/* provenance.h - every served image file says it is AI-generated: the label, and XMP in place. */
#ifndef IMAGIER_PROVENANCE_H
#define IMAGIER_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct arena;
struct config;
struct db;
struct image_label;
struct image_stored;
struct xmp_meta;

/* The [label] section of cfg as label_draw() takes it (out->text points
 * into cfg). */
void provenance_label(const struct config *cfg, struct image_label *out);

/* 0 when the media directory has room for new files, or 507 with *why
 * (and a log line naming the directory) while its file system has fewer
 * than media.min_free_mb MiB free. */
int media_room(const struct config *cfg, const char **why);

/* image_store_labelled() with cfg's media dir, pixel limit and [label]: the
 * store for posts' images (uploads and generations). With backend set (a
 * generation, served on its page before it is published), the stored files
 * are also stamped at once with the site, backend and model, without a post
 * URL yet; a failure there is logged, not returned (publishing stamps
 * again). Returns what image_store returns, or 507 as media_room. */
int provenance_store(const struct config *cfg, const char *backend, const char *model,
		     const unsigned char *data, size_t len, struct image_stored *out,
		     const char **why);

/* Put m's XMP packet into the file media_dir/rel in place (the name is kept:
 * it is the hash of the bytes image_store encoded, see image.h): read under
 * an exclusive flock, new bytes to a temp file in the same directory,
 * fsynced, renamed over the file (so nginx serves the old or the new file,
 * never a part), directory fsynced. A file that already has an imagier
 * packet with a post URL is left as it is (the first post wins), and so is
 * one with an imagier packet of its own when m has no post URL. AVIF files
 * (avatars only) are left. Returns 1 rewritten (*bytes = the new size), 0
 * left, -1 failed (logged; the file is unchanged). */
int provenance_stamp_file(const char *media_dir, const char *rel, const struct xmp_meta *m,
			  uint64_t *bytes);

/* Stamp every file of post_id's image with the post's URL
 * ([site] base_url + "/p/ID"), the site name, and the generation's backend
 * and model ("upload" and "" for an upload); media_files.bytes follows.
 * Call it after the post is committed. Returns the number of files
 * rewritten, or -1 if the database failed or a file could not be stamped
 * (logged; the others are still done, and `imagier stamp-media` repairs). */
int provenance_stamp(struct db *db, struct arena *a, const struct config *cfg, int64_t post_id);

struct provenance_stats {
	uint64_t posts, generations; /* looked at */
	uint64_t stamped, failed;    /* files */
};

/* `imagier stamp-media`: provenance_stamp() every post, oldest first (so the
 * first post of a shared image wins), then stamp the files of finished,
 * unpublished generations without a post URL. Progress lines go to progress
 * (NULL: none). Returns 0, or -1 if the database failed (*st says how far it
 * got). */
int provenance_stamp_all(struct db *db, const struct config *cfg, FILE *progress,
			 struct provenance_stats *st);

#endif
