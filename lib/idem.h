/* idem.h - Idempotency-Key: a creating request (a post, a comment, a
 * generation, a report) made once however often it is sent, and every retry
 * answered with the first answer.
 *
 * The dispatcher looks the person's key up first (idem_find). Unknown: it
 * arms the database handle (idem_arm), and the lib writer that creates calls
 * idem_claim inside its transaction, so the key row (route, a hash of the
 * request, the new id and its URL) commits or rolls back with the creation.
 * Two requests with one key at once: the second's claim meets the first's row
 * (a duplicate key, after the first commits), its transaction rolls back, and
 * it is answered as a retry. After the answer is made, idem_finish records
 * its status and body on the row. Keys live IDEM_TTL seconds. */
#ifndef IMAGIER_IDEM_H
#define IMAGIER_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct db;

#define IDEM_TTL     86400 /* seconds a key is remembered */
#define IDEM_KEY_MAX 255   /* characters of a key: printable ASCII, no space */

/* One request's key while it runs (lives in the request's arena). */
struct idem {
	int64_t user_id;
	const char *key;
	const char *route; /* "POST /api/v1/posts" */
	char hash[65];	   /* hex SHA-256 of what the request asks */
	int state;	   /* IDEM_ARMED, IDEM_CLAIMED, IDEM_COLLIDED */
};
enum { IDEM_ARMED = 1, IDEM_CLAIMED, IDEM_COLLIDED };

/* A stored key. */
struct idem_found {
	int same;	     /* the same route and request hash */
	int status;	     /* the first answer's status, 0: not recorded (yet) */
	int64_t resource_id; /* what it created */
	const char *location;
	const char *body; /* NULL when not recorded */
	int64_t age;	  /* seconds since the key was stored */
};

/* 1 if key is a usable Idempotency-Key (1..IDEM_KEY_MAX printable ASCII
 * characters, no space), else 0. */
int idem_key_ok(const char *key);

/* The person's unexpired key k->key: 1 with *f (same compares k->route and
 * k->hash), 0 when there is none, -1 (database). */
int idem_find(struct db *db, struct arena *a, const struct idem *k, struct idem_found *f);

/* The next idem_claim on db stores k (until idem_disarm). */
void idem_arm(struct db *db, struct idem *k);
/* Inside the transaction that creates resource_id (reachable at location):
 * store the armed key, if any (nothing armed: 0). 0, or -1: roll back (the
 * key was taken meanwhile by another request, or the database failed). */
int idem_claim(struct db *db, struct arena *a, int64_t resource_id, const char *location);
/* The armed key's state (0 when none was armed). */
int idem_state(struct db *db);
/* After the answer: record status and body (a claimed key, status below
 * 500), drop some expired keys of anybody, and disarm. */
void idem_finish(struct db *db, struct arena *a, int status, const char *body, size_t len);
void idem_disarm(struct db *db);

#endif
