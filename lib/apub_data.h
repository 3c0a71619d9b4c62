/* apub_data.h - what ActivityPub documents are made of (docs/FEDERATION.md): the
 * rows behind an actor, a post's Note, the outbox, the followers and
 * following collections, tombstones and the NodeInfo counts. cgi/apub.c
 * and cgi/wellknown.c turn them into JSON. Only what anyone may see:
 * visible posts of people who are not banned. */
#ifndef IMAGIER_APUB_DATA_H
#define IMAGIER_APUB_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct db;

#define APUB_PAGE 20 /* items on a collection page */

struct apub_actor {
	int64_t id;
	const char *username; /* as stored */
	const char *bio;
	int64_t created_at;
	int64_t posts, followers, following; /* posts: visible ones; followers:
					      * local and remote (ap_followers) */
	const char *avatar_variants;	     /* images.variants JSON, or NULL */
	int locked;			     /* approves each follower (sql/027) */
};

/* The person named name (case-insensitive, as names are): 0 with *out, 404
 * (nobody, or banned), 410 (an erased account: *deleted_at set), 503. */
/* The public key an erased account left in its tombstone while its
 * key_until is ahead (the Delete of its actor is being delivered, and
 * receivers fetch the key to verify it). 0 with *pem, 404, 503. */
int apub_tombstone_key(struct db *db, struct arena *a, const char *name, const char **pem);

int apub_actor_load(struct db *db, struct arena *a, const char *name, struct apub_actor *out,
		    int64_t *deleted_at);

struct apub_post {
	int64_t id;
	const char *username;
	const char *prompt, *caption, *tags; /* tags: as stored, comma separated */
	const char *content_warning;	     /* "" for none */
	int64_t created_at;
	int64_t width, height; /* of the image as uploaded or generated */
	const char *blurhash;
	const char *variants; /* images.variants JSON */
	int64_t parent_id;    /* a remix's parent when it still exists, else 0 */
	int consent;	      /* effective training consent (DATASET_CONSENT_YES_SQL) */
	const char *model;    /* the generation's model, "" for an upload */
	int remote;	      /* a remote post (never served as ours) */
	/* A remix of a remote post: the parent's id on its server, its
	 * author's actor and (shared) inbox; "" when the parent is local. */
	const char *parent_uri, *parent_actor, *parent_inbox;
};

/* Post id as anyone may see it: 0 with *out, 404 (none, held, hidden, its
 * author banned, a remote post), 410 (removed by the moderators, or erased with its
 * author: *deleted_at set, 0 when removed), 503. */
int apub_post_load(struct db *db, struct arena *a, int64_t id, struct apub_post *out,
		   int64_t *deleted_at);

/* user_id's visible posts, newest first, at most APUB_PAGE: with min_id >=
 * 0 the oldest ones with id > min_id, else those with id < max_id (0: from
 * the newest). *out (arena) and *n. 0, or 503. */
int apub_outbox_page(struct db *db, struct arena *a, int64_t user_id, int64_t max_id,
		     int64_t min_id, struct apub_post **out, size_t *n);

/* The oldest visible post id of user_id (0: none), for the outbox's last
 * page. 0, or 503. */
int apub_oldest_post(struct db *db, struct arena *a, int64_t user_id, int64_t *id);

/* One page of user_id's followers (followers 1) or of those they follow
 * (0), people who are not banned, by user id descending with id < before
 * (0: from the top), at most APUB_PAGE: names[] (arena), ids[] and *n.
 * Followers of other servers come first: their ids[] are APUB_REMOTE_KEY
 * + their ap_actors id, and their names[] their actor ids (URLs). 0, or
 * 503. */
#define APUB_REMOTE_KEY	    ((int64_t)1 << 40)
#define APUB_REMOTE_KEY_SQL "1099511627776"
int apub_follow_page(struct db *db, struct arena *a, int64_t user_id, int followers, int64_t before,
		     const char ***names, int64_t **ids, size_t *n);

/* NodeInfo usage: accounts that are not banned, those active (a session
 * used or a post made) in the last 30 and 180 days, and visible posts. */
struct apub_usage {
	int64_t users, active_month, active_halfyear, posts;
};
int apub_usage_load(struct db *db, struct arena *a, int64_t now, struct apub_usage *out);

#endif
