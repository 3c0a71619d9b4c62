/* feedview.h - what the feed, profile, tag, search, for-you and
 * notification handlers share, and what other pages borrow from them. All of
 * it lives in helper files that use no handler: cgi/feed_util.c (feeds,
 * cursors, the for-you page) and cgi/profile_util.c (people and tags). */
#ifndef IMAGIER_FEEDVIEW_H
#define IMAGIER_FEEDVIEW_H

#include <stdint.h>

#include "cachekey.h" /* CACHEKEY_FEED_VERSION, cachekey_post */
#include "feed.h"     /* struct feed_page */

struct ctx;
struct cJSON;

/* ---- feed_util.c -------------------------------------------------------- */

/* Hydrate a page of ids into post objects (cached one by one), with
 * "reason" and, for a logged-in viewer, "liked_by_me"; what the viewer's
 * filters hide is left out. 0 or -1. */
int feed_render_items(struct ctx *c, const struct feed_page *pg, struct cJSON *items);
/* A post's counts changed: drop its cached copy. */
void feed_post_changed(struct ctx *c, int64_t post_id);
/* "next" (the cursor, or null) into c's view, and for the HTML face
 * "more_url": base with ?cursor= (or &cursor=) added, a More link that works
 * without JS. */
void feed_next(struct ctx *c, const char *next, const char *base);
/* Parse ?cursor= as a post id (0 when absent). 0 or a failed status. */
int feed_id_cursor(struct ctx *c, int64_t *before);
/* The tabs above the feeds (HTML face only). */
void feed_tabs(struct ctx *c, const char *current);

/* Signed opaque cursors: payload + MAC under site.secret. cursor_open
 * returns the payload, or NULL when the cursor was tampered with. */
char *cursor_make(struct ctx *c, const char *payload);
const char *cursor_open(struct ctx *c, const char *cursor);

/* The for-you page (/foryou and /api/v1/feed?kind=foryou). */
int foryou_show(struct ctx *c);

/* ---- profile_util.c ----------------------------------------------------- */

/* Name lookups: 0 with *id, or the status of ctx_fail (404/503). */
int user_lookup(struct ctx *c, const char *name, int64_t *id);
int tag_lookup(struct ctx *c, const char *name, int64_t *id);
/* user_lookup, and for a logged-in person a name@host not known here is
 * looked up on its server (apfollow_resolve: WebFinger and the actor,
 * bounded to APFOLLOW_LOOKUP_MS): 400 not a handle, 403 defederated, 404
 * nobody there (with the reason), 503. */
int person_lookup(struct ctx *c, const char *name, int64_t *id);
/* The profile / tag header for their pages: 0 or a failed status / -1. */
int profile_header(struct ctx *c, int64_t user_id);
int tag_header(struct ctx *c, int64_t tag_id, const char *name);

/* The unread notification count for the header (cached briefly). */
int64_t unread_count(struct ctx *c);

#endif
