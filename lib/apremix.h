/* apremix.h - remixes across servers (docs/FEDERATION.md "Between two
 * imagier servers"): which post a remote Note remixes, found here, and the
 * remote post made a remix of it, so the lineage (parent, family, remix
 * count, the parent author's notification) holds across servers as it does
 * for local remixes. Called by imagier-gen's inbox handlers when a Note
 * becomes a remote post. */
#ifndef IMAGIER_APREMIX_H
#define IMAGIER_APREMIX_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define APREMIX_MAX_URI	 512 /* the parent's id, at most (as every AP id here) */
#define APREMIX_MAX_TAGS 64  /* tags of a Note looked at for the remixOf link */
/* imagier's link relation for a remix's parent (cgi/apub.c writes it) */
#define APREMIX_REL "https://w3id.org/imagier/ns#remixOf"

/* The id of the Note that note (a parsed object from another server)
 * remixes: "imagier:remixOf" (a string, or an object with an "id"), else
 * the first of its first APREMIX_MAX_TAGS tags that is a Link whose "rel"
 * (a string or an array of them) is APREMIX_REL, its "href". An http(s)
 * URL of at most APREMIX_MAX_URI bytes without blanks or control bytes
 * (pointing into note), or NULL. Pure; fuzzed by fuzz_apremix. */
const char *apremix_of(const struct cJSON *note);

/* The visible post here that url names: one of ours ({base}/p/{id},
 * posts.remote = 0), or a remote post taken from another server under
 * that Note id (ap_objects). >0 its id, 0 none, -1 the database failed.
 * *local (may be NULL): 1 when it is one of ours. */
int64_t apremix_parent(struct db *db, struct arena *a, const char *base, const char *url,
		       int *local);

/* Make post_id a remix of parent, inside the caller's transaction (the
 * one that inserted post_id): its parent_id, root_id (the family's first
 * post) and depth, and the parent's remix_count, as publishing a local
 * remix does. A parent gone meanwhile leaves post_id a root. 0 with
 * *parent_author (0 when the parent is gone), -1. */
int apremix_link(struct db *db, struct arena *a, int64_t post_id, int64_t parent,
		 int64_t *parent_author);

#endif
