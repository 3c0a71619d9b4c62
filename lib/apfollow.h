/* apfollow.h - local people following remote ones, and what they do to
 * remote posts (docs/FEDERATION.md "Following people of other servers"):
 * finding a remote person by handle (WebFinger, then their actor: the one
 * bounded network lookup a request makes, APFOLLOW_LOOKUP_MS in all), the
 * Follow and its Undo, Like and Undo of a remote post, and a comment on one
 * sent as a reply Note (and its Delete). Every activity is queued
 * (apq_enqueue) for imagier-gen to sign and deliver; nothing here waits on
 * another server except apfollow_resolve. */
#ifndef IMAGIER_APFOLLOW_H
#define IMAGIER_APFOLLOW_H

#include <stdint.h>

#include "arena.h"

struct db;

#define APFOLLOW_LOOKUP_MS 3000	       /* WebFinger and the actor together */
#define APFOLLOW_MAX_JRD   (64u << 10) /* bytes of a WebFinger answer */

/* The users row of the person acct names: "bob@host", "@bob@host",
 * "acct:bob@host", or an actor URL. A person of this site (host: base's)
 * is looked up here; a remote one already known (fetched in the last
 * APREMOTE_TTL) too; else WebFinger is asked (over base's scheme: https in
 * production, http for a site on plain http), then the actor is fetched and
 * stored (ap_actors, and its users row: apaccount_user). 0 with *user_id,
 * 400 (not a handle), 403 (defederated host), 404 (nobody there, or the
 * answers could not be read: *why), 503 (database). */
int apfollow_resolve(struct db *db, struct arena *a, const char *base, const char *acct,
		     int64_t *user_id, const char **why);

/* Whether target_id is a remote person (1), a local one (0), or -1. */
int apfollow_is_remote(struct db *db, struct arena *a, int64_t target_id);

/* user_id's follow of remote person target_id: none, "requested" (a
 * Follow sent, no Accept yet) or "following". NULL on a database error. */
const char *apfollow_state(struct db *db, struct arena *a, int64_t user_id, int64_t target_id);

/* Follow (on) a remote person: an ap_follows_out row (pending) and a
 * Follow queued to their inbox; nothing when one is pending or accepted.
 * Unfollow (off): the row goes, an Undo(Follow) is queued, and the follows
 * row (made by the Accept) goes with its counters. *changed: something was
 * done. 0, 404 (not a remote person), 403 (their host is defederated),
 * 503. */
int apfollow_set(struct db *db, struct arena *a, const char *base, int64_t user_id,
		 int64_t target_id, int on, int *changed);

/* The Accept (accept 1) or Reject (0) of follow_uri, sent by actor_id:
 * accepted makes the follows row (social_follow_user: counters, the
 * timeline, a notice); rejected removes the row and any follow. 0, 404 (no
 * such Follow of ours to that actor), 503. *user_id: the local follower. */
int apfollow_answered(struct db *db, struct arena *a, int64_t actor_id, const char *follow_uri,
		      int accept, int64_t *user_id);

/* The id of a Like from user_id of post_id, made at stamp. */
const char *apfollow_like_id(struct arena *a, const char *base, const char *name, int64_t post_id,
			     int64_t stamp);

/* When post_id is a remote post: the time user_id's like of it was made
 * (0 none), read before an unlike removes it. -1 on a database error. */
int64_t apfollow_like_stamp(struct db *db, struct arena *a, int64_t user_id, int64_t post_id);

/* After user_id liked (on) or unliked post_id: a Like, or an Undo of the
 * Like made at stamp, queued to the author's inbox when the post is
 * remote. 0 (also when not remote), or -1 (logged). */
int apfollow_like(struct db *db, struct arena *a, const char *base, int64_t user_id,
		  int64_t post_id, int on, int64_t stamp);

/* After user_id commented comment_id (text, created_at; parent_id 0 or
 * the comment answered) on post_id: a Create of a Note inReplyTo the
 * remote post (or the local comment answered), queued to the author's
 * inbox when the post is remote. 0 or -1. */
int apfollow_comment(struct db *db, struct arena *a, const char *base, int64_t user_id,
		     int64_t post_id, int64_t comment_id, int64_t parent_id, const char *text,
		     int64_t created_at);

/* After user_id deleted comment_id of post_id: a Delete (Tombstone) of its
 * Note when the post is remote. 0 or -1. */
int apfollow_comment_deleted(struct db *db, struct arena *a, const char *base, int64_t user_id,
			     int64_t post_id, int64_t comment_id);

#endif
