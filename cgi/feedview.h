/* feedview.h - what the feed, profile, tag, search and for-you handlers share. */
#ifndef IMAGIER_FEEDVIEW_H
#define IMAGIER_FEEDVIEW_H

#include <stdint.h>

struct ctx;
struct cJSON;
struct feed_page;

/* Bumped on every new post: every cached list of ids is stale at once. */
#define FEED_VERSION_KEY "imagier:v:feed"

/* Hydrate a page of ids into post objects (cached one by one), with
 * "reason" and, for a logged-in viewer, "liked_by_me". 0 or -1. */
int feed_render_items(struct ctx *c, const struct feed_page *pg, struct cJSON *items);
/* A page of ids and reasons to / from its cached JSON text. */
int feed_page_decode(struct ctx *c, const char *text, size_t len, struct feed_page *pg);
void feed_page_store(struct ctx *c, const char *key, int ttl, const struct feed_page *pg);
/* The memcached key of a post's cached JSON. */
char *feed_post_key(struct arena *a, int64_t id);
/* A post's counts changed: drop its cached copy. */
void feed_post_changed(struct ctx *c, int64_t post_id);
/* Parse ?cursor= as a post id (0 when absent). 0 or a failed status. */
int feed_id_cursor(struct ctx *c, int64_t *before);
/* The tabs above the feeds (HTML face only). */
void feed_tabs(struct ctx *c, const char *current);

/* Signed opaque cursors: payload + MAC under site.secret. cursor_open
 * returns the payload, or NULL when the cursor was tampered with. */
char *cursor_make(struct ctx *c, const char *payload);
const char *cursor_open(struct ctx *c, const char *cursor);

/* Name lookups: 0 with *id, or the status of ctx_fail (404/503). */
int user_lookup(struct ctx *c, const char *name, int64_t *id);
int tag_lookup(struct ctx *c, const char *name, int64_t *id);
/* The profile / tag header for their pages: 0 or a failed status / -1. */
int profile_header(struct ctx *c, int64_t user_id);
int tag_header(struct ctx *c, int64_t tag_id, const char *name);

int foryou_show(struct ctx *c);

struct config;
struct rank_params;
/* The [rank] weights of imagier.conf into p. */
void rank_params_from_config(const struct config *cfg, struct rank_params *p);
/* The unread notification count for the header (cached briefly). */
int64_t unread_count(struct ctx *c);

#endif
