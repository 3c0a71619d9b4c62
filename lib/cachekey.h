/* cachekey.h - the memcached key formats that more than one module builds
 * (the request layer caches sessions, pages and posts under them; erasing an
 * account must find every one of them again). One place spells each. */
#ifndef IMAGIER_CACHEKEY_H
#define IMAGIER_CACHEKEY_H

#include <stdint.h>

#include "arena.h"

/* Bumped on every new post: every cached list of ids is stale at once. */
#define CACHEKEY_FEED_VERSION "imagier:v:feed"

#define CACHEKEY_SESSION_PREFIX "imagier:sess:" /* + the hash's hex */
/* What a session's key holds for a while after the session ended (logout,
 * "log out everywhere", a password change): the request layer stores a
 * session it read with add, never set, so a request that read the row just
 * before it was deleted cannot cache it again. */
#define CACHEKEY_SESSION_GONE "gone"
#define CACHEKEY_PAGES_PREFIX "imagier:page:" /* + the hash's hex + ":" + the page */
/* A stored page's body when nginx sends it (+ 32 hex digits); the same
 * prefix is spelled in nginx/imagier-locations.conf (/_pagebody/). */
#define CACHEKEY_PAGE_BODY_PREFIX "imagier:pbody:"
/* A body's key starts with this many hex digits of its session's hash. */
#define CACHEKEY_BODY_SESSION_HEX 16
/* A page entry's rebuild lease: its own prefix, so that no page's key can
 * be another page's lease (the page "/?x:r" was the lease of "/?x"). */
#define CACHEKEY_PAGE_LEASE_PREFIX "imagier:lease:page:"

/* A session's cached lookup, by the hex of its stored hash
 * (LOWER(HEX(sessions.token_hash))): never the token itself. */
char *cachekey_session(struct arena *a, const char *hash_hex);
/* The same from the raw token (hashed here). */
char *cachekey_session_token(struct arena *a, const char *token);
/* The prefix of every page cached for that session. */
char *cachekey_session_pages(struct arena *a, const char *hash_hex);
/* The prefix of every page body of that session (nginx sends them). */
char *cachekey_session_bodies(struct arena *a, const char *hash_hex);
/* The rebuild lease of the page entry page_key (CACHEKEY_PAGES_PREFIX...). */
char *cachekey_page_lease(struct arena *a, const char *page_key);
/* A person's version counter (their session-derived copies go stale). */
char *cachekey_user_version(struct arena *a, int64_t user_id);
/* The primary's position after a person's last write (lib/db.c
 * db_written_pos): whichever worker reads for them next waits for it. */
char *cachekey_written_pos(struct arena *a, int64_t user_id);
/* A person's follows (their following feed's lists go stale) and for-you
 * state ("show less", blocks: their cached for-you pages go stale). */
char *cachekey_follows_version(struct arena *a, int64_t user_id);
char *cachekey_foryou_version(struct arena *a, int64_t user_id);
/* The ids of the first page of a person's own feed ("following", "foryou"),
 * or of everyone's latest feed (user_id 0): one key that never changes, so
 * it can be fetched with the session or the feed version; the versions it
 * was built under are its first line (lib/feed_cache.c: feed_page_get and
 * feed_page_latest check it). */
char *cachekey_first_ids(struct arena *a, const char *feed, int64_t user_id);
/* A person's own filters (blocks, mutes, content-warning choice). */
char *cachekey_filters(struct arena *a, int64_t user_id);
/* A post's cached JSON. */
char *cachekey_post(struct arena *a, int64_t post_id);

#endif
