/* apremote.h - remote ActivityPub actors and activities (docs/FEDERATION.md
 * "The inbox"): reading an actor document for its key and inboxes, the
 * ap_actors cache of them (sql/022_federation_inbox.sql), and reading the
 * parts of an activity the inbox and imagier-gen act on. Every reader here
 * takes outside input: limits on every string, fuzzed by
 * tests/fuzz/fuzz_apremote.c. */
#ifndef IMAGIER_APREMOTE_H
#define IMAGIER_APREMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define APREMOTE_MAX_URI	512  /* an id, inbox or key id */
#define APREMOTE_MAX_NAME	255  /* preferredUsername, a domain */
#define APREMOTE_MAX_PEM	8192 /* a public key PEM (RSA-4096 is ~800 bytes) */
#define APREMOTE_MAX_TYPE	64
#define APREMOTE_MAX_SUMMARY	4096 /* an actor's summary (bio), longer is dropped */
#define APREMOTE_MAX_RECIPIENTS 1000 /* ids in an activity's to, cc, bto, bcc, audience */
/* A cached actor older than this is fetched again when its key is needed. */
#define APREMOTE_TTL (24 * 3600)

struct ap_remote {
	int64_t id;					 /* ap_actors.id, 0 before it is stored */
	const char *uri, *key_id, *inbox, *shared_inbox; /* shared_inbox: "" for none */
	const char *username, *domain, *public_pem;
	int64_t fetched_at;
	/* The profile as the document said ("" when it said nothing): name,
	 * summary (its HTML as sent: escape or strip before showing), the
	 * profile page, the avatar's URL, outbox and followers collections. */
	const char *name, *summary, *url, *icon_url, *outbox, *followers;
	int64_t user_id; /* its users row (apaccount.h), 0 before one is made */
};

/* Read an actor document (JSON text, len bytes) for the key key_id: its id,
 * inbox, endpoints.sharedInbox, preferredUsername and the publicKey whose
 * id is key_id (an object or an array of them). 0 with *out (arena
 * strings); 1 when the document is the key itself (Mastodon-style key
 * documents: publicKeyPem and owner at the top) with *owner to fetch; -1
 * with *why. */
int apremote_parse_actor(struct arena *a, const char *body, size_t len, const char *key_id,
			 struct ap_remote *out, const char **owner, const char **why);

/* The actor whose key is key_id: from ap_actors when known and fresh
 * (refresh 0), else fetched (apnet_fetch: bounded) and stored. 0 with
 * *out, 503 (database), or 401 with *why (it could not be fetched or
 * read). */
int apremote_get(struct db *db, struct arena *a, const char *key_id, int refresh,
		 struct ap_remote *out, const char **why);

/* Store out (read by apremote_parse_actor) in ap_actors, fetched now: a
 * new row, or the one of its id updated. Sets out->id, user_id and
 * fetched_at. 0 or 503. */
int apremote_save(struct db *db, struct arena *a, struct ap_remote *out);

/* The actor whose key is key_id when known and fresh, without fetching:
 * 0 with *out, 404 (a fetch is needed), 503. */
int apremote_cached(struct db *db, struct arena *a, const char *key_id, struct ap_remote *out);

/* The actor of ap_actors row id. 0, 404, 503. */
int apremote_load(struct db *db, struct arena *a, int64_t id, struct ap_remote *out);

/* What an activity is: its type, id ("" for none), actor id, and its
 * object's id and type (an embedded object, or a bare id: type ""), and for
 * an embedded object its own object's id (an Undo's Follow names whom it
 * followed). */
struct ap_activity {
	const char *type, *id, *actor;
	const char *object_id, *object_type, *object_object;
};

/* Read act (a parsed JSON object) as above. 0, or -1 with *why (not an
 * object, no type, no actor, a string past its limit, an object that is
 * neither an id nor an object, addressing (to, cc, bto, bcc, audience)
 * that is not an id or a list of at most APREMOTE_MAX_RECIPIENTS ids). */
int apremote_activity(struct arena *a, const struct cJSON *act, struct ap_activity *out,
		      const char **why);

/* Store a verified activity (body: its JSON text) in ap_inbox for
 * imagier-gen: state new when handled (a type imagier-gen acts on), else
 * ignored; once per activity id (a repeat is left as it was). user_id: the
 * inbox's person, 0 for the shared inbox. 0, or 503. */
int apremote_store(struct db *db, struct arena *a, const struct ap_activity *act, int64_t actor_id,
		   int64_t user_id, const char *body, int handled, int64_t now);

/* The id of v: v itself when a string, else its "id" member; NULL when
 * neither, or longer than APREMOTE_MAX_URI. */
const char *apremote_id_of(const struct cJSON *v);

#endif
