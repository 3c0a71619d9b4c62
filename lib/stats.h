/* stats.h - the moderators' site statistics: posts, sign-ups, generations
 * and reports per UTC day over the last STATS_DAYS days, and the age of the
 * open reports. Computed at most once a minute: the result is kept in
 * memcached, so a page and its four charts cost one computation. */
#ifndef IMAGIER_STATS_H
#define IMAGIER_STATS_H

#include "arena.h"

struct cache;
struct cJSON;
struct db;

#define STATS_DAYS    30
#define STATS_TTL     60 /* seconds the numbers are kept */
#define STATS_NSERIES 4

/* The daily counts, in the order of the JSON face. */
struct stats_series {
	const char *name;   /* the JSON member: posts, signups, generations, reports */
	const char *title;  /* "Posts per day" */
	const char *noun;   /* "posts" */
	const char *column; /* "Posts" (the table's heading) */
};
extern const struct stats_series stats_series[STATS_NSERIES];

/* {"generated_at", "days": [{"date", "posts", ...} x STATS_DAYS], "totals":
 * {...}, "queue": {"open", "oldest_seconds", "median_seconds"}}, from
 * memcached when a copy is there (and fresh is 0), else computed and kept
 * for STATS_TTL. The caller owns the result; NULL when the database failed. */
struct cJSON *stats_load(struct db *db, struct arena *a, struct cache *cache, int fresh);

#endif
