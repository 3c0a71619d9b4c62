/* apin_social.h - what apin_social (apin.h) needs of the process that
 * runs it: the cache (rate limits, the classifier's model, unread counts,
 * cached posts), the configuration (limits, moderation thresholds) and the
 * site's word filter, compiled once and kept current. Set once at
 * start-up by imagier-gen; without it, remote likes and replies are
 * stored as ignored (nothing would check them). */
#ifndef IMAGIER_APIN_SOCIAL_H
#define IMAGIER_APIN_SOCIAL_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct textnorm_list;

struct apin_social_env {
	struct cache *cache;
	const struct config *cfg;
	struct arena keep;	      /* the word filter's compiled list lives here */
	struct textnorm_list *filter; /* wordfilter_refresh's state */
	uint64_t filter_version;
	int64_t filter_loaded_at;
};

/* Use env (it outlives every call; NULL: none). */
void apin_social_setup(struct apin_social_env *env);

#endif
