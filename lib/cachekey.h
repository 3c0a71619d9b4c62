/* cachekey.h - memcached keys that lib/ modules drop or bump when what they
 * change is cached elsewhere (the post cache, sessions, a person's pages).
 * The same formats as the keys the web app reads (cgi/dispatch.c, feed.c). */
#ifndef IMAGIER_CACHEKEY_H
#define IMAGIER_CACHEKEY_H

#include <stdint.h>

#include "arena.h"

/* Bumped when what the feeds show changes: every cached list of ids is
 * stale at once. */
#define CACHEKEY_FEED_VERSION "imagier:v:feed"

/* A post's cached JSON. */
char *cachekey_post(struct arena *a, int64_t post_id);
/* A session's cached lookup, from its stored hash (hex, as
 * sessions.token_hash). */
char *cachekey_session(struct arena *a, const char *hash_hex);
/* The version counter of everything cached for one person. */
char *cachekey_user_version(struct arena *a, int64_t user_id);

#endif
