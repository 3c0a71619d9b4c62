/* apub.h - the ActivityPub face of pages (docs/FEDERATION.md): a person's
 * page /u/{name} and a post's page /p/{id} are also their actor and Note,
 * picked by the Accept header. The collections and discovery routes are
 * declared in app.h. */
#ifndef IMAGIER_APUB_CGI_H
#define IMAGIER_APUB_CGI_H

#include <stdint.h>

struct ctx;

#define APUB_TYPE "application/activity+json; charset=utf-8"

/* HTML pages only (never an /api/ route): marks the answer as depending on
 * Accept (Vary), and returns 1 when Accept names application/activity+json
 * or application/ld+json (any parameters, any q: browsers send neither),
 * the same test nginx makes for its cache key
 * (nginx/imagier-locations.conf, $imagier_face). */
int apub_wanted(struct ctx *c);

/* The actor of c->sparams[0] (user_posts' other face) and the Note of post
 * c->params[0] (post_show's): 200, 404, 410 with a Tombstone, 503. */
int apub_actor_show(struct ctx *c);
int apub_note_show(struct ctx *c);

/* The activities of a local person's post for their remote followers,
 * queued (lib/apqueue.c) for imagier-gen to sign and deliver: the Create
 * of a post just published (nothing when it is not visible), and the
 * Delete (a Tombstone) of one deleted. */
void apub_post_published(struct ctx *c, int64_t author, int64_t post_id);
void apub_post_deleted(struct ctx *c, int64_t author, const char *username, int64_t post_id);
/* An Update for the remote followers: of a post whose training consent
 * changed, and of a person whose bio, avatar or account-wide consent
 * changed (their actor as /u/{name} now serves it). */
void apub_post_updated(struct ctx *c, int64_t author, int64_t post_id);
void apub_actor_updated(struct ctx *c, int64_t user_id, const char *username);

#endif
