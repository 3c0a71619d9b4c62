/* apin_follow.h - imagier-gen's side of following remote people
 * (lib/apin_follow.c; the handler itself is declared in apin.h): what it
 * needs from start-up, and the bounded fetch of a remote post's picture. */
#ifndef IMAGIER_APIN_FOLLOW_H
#define IMAGIER_APIN_FOLLOW_H

#include "arena.h"

struct cache;
struct config;
struct image_stored;

#define APIN_MEDIA_MS  10000	   /* the whole fetch of a remote post's picture */
#define APIN_MAX_MEDIA (20u << 20) /* bytes of it, at most (and media.max_upload) */

/* The configuration (media dir, pixel limit, label) and the cache (feed
 * versions to bump) of imagier-gen, kept for apin_follow; called once at
 * start-up. Without it, remote posts are not taken (503). */
void apin_follow_setup(const struct config *cfg, struct cache *cache);

/* Fetch a remote post's picture at url (APIN_MEDIA_MS, at most
 * APIN_MAX_MEDIA or media.max_upload bytes), check its header (format by
 * its magic bytes, pixel count under media.max_pixels before anything is
 * decoded: a decompression bomb is refused here) and store it through the
 * media pipeline: with the visible label when labelled (its server says
 * an AI made it), else unlabelled. 0 with *img; 502 (could not be
 * fetched), 400/413/415/422 (refused, nothing stored), 507, 500, with
 * *why. */
int apin_media_fetch(struct arena *a, const struct config *cfg, const char *url, int labelled,
		     struct image_stored *img, const char **why);

#endif
