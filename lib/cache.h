/* cache.h - memcached access that degrades to "miss" when memcached is down. */
#ifndef IMAGIER_CACHE_H
#define IMAGIER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct config;
struct cache;

/* Never returns NULL; with no servers configured every get is a miss. */
struct cache *cache_new(const struct config *cfg);
void cache_free(struct cache *c);

/* 1 when exactly one memcached server is configured: a key's server is
 * then known to anyone (nginx fetching a page body by key). */
int cache_single_server(const struct cache *c);

/* Get key into an arena copy (NUL-terminated). 0 = hit, -1 = miss or down. */
int cache_get(struct cache *c, struct arena *a, const char *key, char **val, size_t *len);
/* Get n keys in one round trip (none for keys this request prefetched:
 * cache_prefetch). vals[i]/lens[i] are set for hits (arena copies), NULL
 * for misses. Returns the number of hits (0 when down, unless prefetched). */
size_t cache_get_multi(struct cache *c, struct arena *a, const char *const *keys, size_t n,
		       char **vals, size_t *lens);
/* cache_get_multi, and the answers (hits and misses) kept for this request:
 * cache_get, cache_get_multi and cache_version of those keys are answered
 * from them without asking memcached again, until a write to the key (set,
 * add, delete, bump, incr) or cache_prefetch_end. The keys and values must live until then
 * (the request's arena). One request's read-ahead: a later prefetch
 * replaces it. */
size_t cache_prefetch(struct cache *c, struct arena *a, const char *const *keys, size_t n,
		      char **vals, size_t *lens);
/* Forget the prefetched answers (the end of a request). */
void cache_prefetch_end(struct cache *c);
/* Store with a TTL in seconds (0 = no expiry), without waiting for
 * memcached's answer (a cache fill). Failure is silent (logged once). */
void cache_set(struct cache *c, const char *key, const void *val, size_t len, int ttl);
/* Delete key without waiting for the answer, and without owing it should
 * it fail (unlike cache_delete): for what merely frees memory early. */
void cache_drop(struct cache *c, const char *key);
/* Store only if key holds nothing (a tombstone stays). Silent like set. */
void cache_add(struct cache *c, const char *key, const void *val, size_t len, int ttl);
/* Delete a key. Tried even while memcached is marked down; a delete that
 * fails is owed and paid (like a failed bump) before this process next reads
 * the cache, or by cache_settle(). */
void cache_delete(struct cache *c, const char *key);
/* Store a marker val (a string) under key for ttl seconds, such as an ended
 * session's: tried even while memcached is thought down, and owed as a
 * delete when it fails. */
void cache_mark(struct cache *c, const char *key, const char *val, int ttl);
/* The current value of a version counter ("namespace generation"), created
 * as 1 if missing. 0 when memcached is down (callers then skip caching). */
uint64_t cache_version(struct cache *c, const char *key);
/* Bump a version counter so every key built from it is stale at once. */
void cache_bump(struct cache *c, const char *key);
/* Increment a counter that expires after ttl seconds; returns the new value,
 * or 0 when memcached is down. */
uint64_t cache_incr(struct cache *c, const char *key, int ttl);
/* Increment counters that exist (a multi-get has just read them) without
 * waiting for memcached's answers ("noreply": the requests are written and
 * the call returns). 0 when written, -1 when memcached is down or the write
 * failed; an increment of a counter that expired meanwhile is lost. */
int cache_incr_quiet(struct cache *c, const char *const *keys, size_t n);
/* 1 while this process owes memcached a delete, a bump or a flush. */
int cache_owes(const struct cache *c);
/* Pay what is owed if memcached's retry window is over (an idle worker calls
 * it, so nothing owed waits for the next request). */
void cache_settle(struct cache *c);
/* 1 if memcached answers now, else 0 (for /healthz). */
int cache_alive(struct cache *c);
/* Hit/miss counters of this process since start. */
void cache_stats(const struct cache *c, uint64_t *hits, uint64_t *misses);
/* memcached's own get_hits and get_misses (since it started, every client),
 * summed over the servers that answered. 0, or -1 when none answered. */
int cache_server_stats(struct cache *c, uint64_t *hits, uint64_t *misses);

/* Delete every key for which match(key, arg) returns 1, listing the keys of
 * each server ("lru_crawler metadump all"). A key scan: only for rare
 * operations that must leave nothing behind (deleting an account). Returns
 * the number deleted, or -1 when a server could not be listed (the others
 * are still purged). */
long cache_purge(struct cache *c, int (*match)(const char *key, void *arg), void *arg);

#endif
