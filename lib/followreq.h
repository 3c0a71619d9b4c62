/* followreq.h - follow requests of locked accounts (sql/027): a person who
 * locked their account approves each new follower. A follow of them by a
 * person here, or a Follow from a remote actor, waits in follow_requests
 * until they approve it (the follow is made; a remote follower gets our
 * Accept) or reject it (the request goes; a remote follower gets our
 * Reject). */
#ifndef IMAGIER_FOLLOWREQ_H
#define IMAGIER_FOLLOWREQ_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define FOLLOWREQ_PAGE 200 /* requests listed at once, oldest first */

/* 1 when user_id locked their account, 0, -1 (database). */
int followreq_locked(struct db *db, struct arena *a, int64_t user_id);

/* Lock or unlock user_id's account (followers already there stay, and so
 * do requests not answered yet). 0 with *changed, -1. */
int followreq_set_locked(struct db *db, struct arena *a, int64_t user_id, int locked, int *changed);

/* requester (a person here) asks to follow user_id: the request, and a
 * notice to user_id when it is new. 0 with *created, -1. */
int followreq_add_local(struct db *db, struct arena *a, int64_t user_id, int64_t requester,
			int *created);

/* The remote actor actor_id (ap_actors.id; actor_user: its users row, 0
 * none) asks to follow user_id by its Follow follow_uri: the request (a
 * Follow again replaces the id kept), and a notice when new. 0 with
 * *created, -1. */
int followreq_add_remote(struct db *db, struct arena *a, int64_t user_id, int64_t actor_id,
			 int64_t actor_user, const char *follow_uri, int *created);

/* 1 when requester (a person here: local, or the users row of a remote
 * actor) has a request to follow user_id waiting, 0, -1. */
int followreq_pending(struct db *db, struct arena *a, int64_t requester, int64_t user_id);

/* requester withdraws their request to follow user_id. 0 with *changed, -1. */
int followreq_cancel_local(struct db *db, struct arena *a, int64_t requester, int64_t user_id,
			   int *changed);

/* user_id's requests waiting, oldest first (at most FOLLOWREQ_PAGE): an
 * array of {"id", "created_at", "remote", "user": {"id", "username",
 * "domain", "url"}}, with *user_ids set to their users rows (arena, n in
 * *n). NULL on a database failure. */
struct cJSON *followreq_list(struct db *db, struct arena *a, int64_t user_id, int64_t **user_ids,
			     size_t *n);

/* user_id (named name; base: the site's origin) approves (accept 1) or
 * rejects request id, or the request of the person requester_user (id 0:
 * found by that). Approved: a local requester follows them
 * (social_follow_user), a remote one becomes an ap_followers row and our
 * Accept is queued; rejected: the request goes, and a remote requester
 * gets our Reject. 0 with *requester (users row, 0 for a remote actor
 * without one), 404 (no such request of theirs), 503. */
int followreq_answer(struct db *db, struct arena *a, const char *base, int64_t user_id,
		     const char *name, int64_t id, int64_t requester_user, int accept,
		     int64_t *requester);

#endif
