/* imghash.h - perceptual-hash lookups: how near counts as "the same picture",
 * the banded probes of the near-duplicate index, and the blocklist check. */
#ifndef IMAGIER_IMGHASH_H
#define IMAGIER_IMGHASH_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct config;
struct db;

/* The near-duplicate index (table post_phash_bands) cuts the 64 bits into 4
 * bands of 16; band 0 holds the high bits. */
#define IMGHASH_BANDS	  4
#define IMGHASH_BAND_BITS 16
/* Largest distance the index can answer exactly: two hashes within d bits
 * agree within d / 4 bits on some band, and probes go up to 2 bits a band
 * (1 + 16 + 120 = 137 values per band). */
#define IMGHASH_MAX_RADIUS 11
#define IMGHASH_MAX_PROBES (IMGHASH_BANDS * 137)

/* How plain a hash is: its distance to the nearest featureless hash (all
 * zero or all one bits: flat pictures and smooth gradients). 0 .. 32. */
int imghash_plainness(uint64_t h);

/* Pictures whose hash is plainer than this (imghash_plainness) are not
 * linked as near-duplicates: nearly featureless, they all look alike, and
 * their band values are the crowded ones of the index. */
#define IMGHASH_MIN_DETAIL 8

/* How far from h another hash may be and still be "the same picture", given
 * the configured distance d: min(d, plainness(h) / 2). A picture nearer to a
 * plain one than to h is never taken for h, so a removed gradient cannot
 * block every other gradient. Never negative. */
int imghash_radius(uint64_t h, int d);

/* Band k (0 .. IMGHASH_BANDS-1) of h. */
unsigned imghash_band(uint64_t h, int k);

/* Every (band, bits) to look up to find all hashes within d bits of h
 * (d clamped to 0 .. IMGHASH_MAX_RADIUS): for each band, the band's bits and
 * every value within d / 4 bits of them. out[i] = band << 16 | bits, band by
 * band, each band's own bits first. Returns the count (<= max). */
size_t imghash_probes(uint64_t h, int d, uint32_t *out, size_t max);

/* Is h within radius (imghash_radius of the blocked hash, d) of a hash in
 * blocked_hashes that holds against user_id? A block does not hold against
 * the owner of the picture: someone other than the removed post's author
 * who has an earlier post of it that is not removed (the removed post was a
 * copy of theirs). 1 yes (*post_id = the removed post, 0 if unknown), 0 no,
 * -1 the database failed. post_id may be NULL. */
int imghash_blocked(struct db *db, struct arena *a, uint64_t h, int d, int64_t user_id,
		    int64_t *post_id);

/* Link a new post to the posts whose pictures are within near_distance
 * (both directions, at most IMGHASH_NEAR_LINKS), then add it to the banded
 * index. Best effort: failures are logged. */
#define IMGHASH_NEAR_LINKS 20
void imghash_link_near(struct db *db, struct arena *a, int near_distance, int64_t post_id);

/* The picture of post_id was removed for cause (audit row action_id): its
 * hash joins the blocklist, so the same picture (re-encoded, resized) cannot
 * come back. A picture stored before hashes were kept is hashed from its
 * file in cfg->media_dir first. Best effort: failures are logged. */
void imghash_block_picture(struct db *db, struct arena *a, const struct config *cfg,
			   int64_t post_id, int64_t action_id);
/* A moderator put post_id (back) in view: restored it, overturned its
 * hiding or removal, or let a held post out. Its own block goes, and so does
 * every block of its picture (within d, as imghash_blocked) that held
 * against its author: the moderator's later decision allows the picture.
 * Best effort. */
void imghash_allow_picture(struct db *db, struct arena *a, int d, int64_t post_id);

/* The message for a refused picture (uploads and generations). */
#define IMGHASH_BLOCKED_MSG "This image was removed from imagier before and cannot be posted again."

#endif
