/* apqueue.h - ActivityPub's work in imagier-gen (docs/FEDERATION.md "The
 * delivery queue"): acting on the activities the inboxes stored (Follow ->
 * a remote follower and an Accept; Undo of a Follow -> the follower goes),
 * and draining ap_deliveries: each row signed with its author's key and
 * POSTed, retried with backoff, dropped after APQ_GIVE_UP, and held back
 * while its host's circuit breaker is open. Rows are queued by the request
 * that publishes or deletes (apq_enqueue_followers), sent only here: the
 * receiver fetches our key while our POST is open, which a request worker
 * must never wait for. */
#ifndef IMAGIER_APQUEUE_H
#define IMAGIER_APQUEUE_H

#include <stdint.h>

#include "arena.h"

struct db;

#define APQ_GIVE_UP	  (7 * 86400) /* a row this old is dropped, not retried */
#define APQ_BREAKER_FAILS 5	      /* consecutive failures that open a host's breaker */
#define APQ_BREAKER_OPEN  600	      /* seconds an open breaker holds the host's rows */
#define APQ_LEASE	  60	      /* seconds a claimed row is one worker's */
/* An inbox step starts no new activity after this long (it always does
 * one): imagier-gen's generation jobs wait at most about one remote
 * picture's fetch. */
#define APQ_INBOX_BUDGET_MS 1000
#define APQ_ROUND_MS	    12000	 /* a round of parallel deliveries, at most */
#define APQ_INBOX_KEEP	    (30 * 86400) /* handled inbox rows are swept after this */

/* Seconds to wait after the attempts-th failed try (1, 2, ...): 1 min,
 * 5 min, 30 min, 2 h, 12 h, then a day. */
int64_t apq_backoff(int attempts);

/* Queue activity (JSON text, signed later with user_id's key) to inbox.
 * 0, or -1 (database; logged). */
int apq_enqueue(struct db *db, struct arena *a, int64_t user_id, const char *inbox,
		const char *activity);

/* Queue activity to inbox signed with the key given (key_id, private_pem),
 * not a person's: an erased account's Delete of its actor, sent after its
 * users row is gone. 0 (also when inbox's host is defederated: nothing
 * queued), or -1. */
int apq_enqueue_signed(struct db *db, struct arena *a, const char *key_id, const char *private_pem,
		       const char *inbox, const char *activity);

/* Queue activity once for each distinct inbox of user_id's remote
 * followers (their server's shared inbox when it has one). The number of
 * rows queued, or -1. */
int apq_enqueue_followers(struct db *db, struct arena *a, int64_t user_id, const char *activity);

/* Queue the answer (type "Accept" or "Reject", activity id id) of user
 * uid (actor URL me) to the Follow follow_id ("" or NULL: not known) of
 * the remote actor follower, to inbox: {"type": type, "actor": me,
 * "object": {"id", "type": "Follow", "actor": follower, "object": me}}.
 * 0 or -1. */
int apq_answer_follow(struct db *db, struct arena *a, int64_t uid, const char *me, const char *id,
		      const char *type, const char *follow_id, const char *follower,
		      const char *inbox);

/* Act on up to batch new inbox rows. base: site.base_url without its
 * trailing slash. The number handled, or -1 (database). */
int apq_inbox_step(struct db *db, struct arena *a, const char *base, int batch);

/* Send up to batch (at most APNET_PARALLEL) due deliveries at once, the
 * round bounded to APQ_ROUND_MS. The number taken, or -1 (database). */
int apq_deliver_step(struct db *db, struct arena *a, const char *base, int batch);

/* Sweep ap_inbox: rows done or ignored more than APQ_INBOX_KEEP ago, up to
 * batch. The number removed, or -1. */
int apq_inbox_sweep(struct db *db, struct arena *a, int batch);

#endif
