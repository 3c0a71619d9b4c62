/* microcache.h - replacing nginx's microcached copies of pages that just
 * changed for good (an account deleted), since nginx OSS cannot purge. */
#ifndef IMAGIER_MICROCACHE_H
#define IMAGIER_MICROCACHE_H

#include <stddef.h>

#include "arena.h"

struct config;

/* The request header that makes nginx skip its microcache for one request
 * and store the fresh answer in place of the old copy
 * (nginx/imagier-locations.conf: fastcgi_cache_bypass). */
#define MICROCACHE_REFRESH_HEADER "X-Imagier-Refresh"

/* Ask the nginx at cfg->site_base_url for each of paths (absolute paths,
 * already URL-encoded) with MICROCACHE_REFRESH_HEADER, all at once, waiting
 * at most MICROCACHE_TIMEOUT_MS in all. Best effort: a failure is logged,
 * never returned. Nothing is done when the base URL is empty. A path that
 * starts with MICROCACHE_AP_PREFIX is asked for (without the prefix) with
 * the ActivityPub Accept header: its JSON face is another cache entry
 * (docs/FEDERATION.md, content negotiation). */
#define MICROCACHE_TIMEOUT_MS 3000
#define MICROCACHE_AP_PREFIX  "ap:"
void microcache_refresh(struct arena *a, const struct config *cfg, const char *const *paths,
			size_t n);

#endif
