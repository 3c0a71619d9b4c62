/* stats.c - the moderators' site statistics (see stats.h). */
#include "stats.h"
#include "json.h"

#include "cache.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_KEY "imagier:stats:v1"
#define DAY	  86400

/* One count per day. Each query is a range over created_at: posts have an
 * index on it (ix_posts_created); users, generations and reports have none
 * yet (see docs/ARCHITECTURE.md), so those are scans (generations: of the
 * narrow ix_gen_user, which holds created_at), once a minute at most. */
const struct stats_series stats_series[STATS_NSERIES] = {
    {"posts", "Posts per day", "posts", "Posts"},
    {"signups", "Sign-ups per day", "sign-ups", "Sign-ups"},
    {"generations", "Generations per day", "generations", "Generations"},
    {"reports", "Reports per day", "reports", "Reports"},
};
/* The count of each series, in the same order. */
static const char *const series_sql[STATS_NSERIES] = {
    "SELECT created_at DIV 86400, COUNT(*) FROM posts WHERE created_at >= ? AND created_at < ? "
    "AND remote = 0 GROUP BY 1 ORDER BY NULL",
    "SELECT created_at DIV 86400, COUNT(*) FROM users WHERE created_at >= ? AND created_at < ? "
    "AND domain = '' GROUP BY 1 ORDER BY NULL",
    "SELECT created_at DIV 86400, COUNT(*) FROM generations WHERE created_at >= ? AND "
    "created_at < ? GROUP BY 1 ORDER BY NULL",
    "SELECT created_at DIV 86400, COUNT(*) FROM reports WHERE created_at >= ? AND created_at < ? "
    "GROUP BY 1 ORDER BY NULL",
};
#define NSERIES STATS_NSERIES

/* "2026-11-01" for a day number (days since the epoch, UTC). */
static char *day_date(struct arena *a, int64_t day)
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;
	char s[16];
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d", &tm);
	return arena_strdup(a, s);
}

/* Open reports: how many, the oldest's and the median's age (0 if none). */
static int queue_ages(struct db *db, struct arena *a, int64_t now, cJSON *q)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT COUNT(*), MIN(created_at) FROM reports WHERE resolved_at IS NULL",
		    "") != DB_OK)
		return -1;
	int64_t open = db_int(&r, 0, 0), oldest = 0, median = 0;
	if (open > 0) {
		oldest = now - db_int(&r, 0, 1);
		/* the middle one (odd), or the two middle ones (even) */
		if (db_read(db, a, &r,
			    "SELECT created_at FROM reports WHERE resolved_at IS NULL "
			    "ORDER BY created_at LIMIT ? OFFSET ?",
			    "ii", (int64_t)(open % 2 ? 1 : 2), (int64_t)((open - 1) / 2)) != DB_OK)
			return -1;
		double sum = 0;
		for (size_t i = 0; i < r.nrows; i++)
			sum += (double)(now - db_int(&r, i, 0));
		median = r.nrows ? (int64_t)llround(sum / (double)r.nrows) : oldest;
	}
	cJSON_AddNumberToObject(q, "open", (double)open);
	cJSON_AddNumberToObject(q, "oldest_seconds", (double)(oldest > 0 ? oldest : 0));
	cJSON_AddNumberToObject(q, "median_seconds", (double)(median > 0 ? median : 0));
	return 0;
}

/* The database part of the JSON face, or NULL when the database failed. */
static cJSON *stats_compute(struct db *db, struct arena *a)
{
	int64_t now = now_unix(), today = now / DAY, first = today - (STATS_DAYS - 1);
	int64_t counts[NSERIES][STATS_DAYS] = {{0}};
	for (size_t s = 0; s < NSERIES; s++) {
		struct db_res r;
		if (db_read(db, a, &r, series_sql[s], "ii", first * DAY, (today + 1) * DAY) !=
		    DB_OK)
			return NULL;
		for (size_t i = 0; i < r.nrows; i++) {
			int64_t d = db_int(&r, i, 0) - first;
			if (d >= 0 && d < STATS_DAYS)
				counts[s][d] = db_int(&r, i, 1);
		}
	}
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "generated_at", time_iso(a, now));
	cJSON *days = cJSON_AddArrayToObject(root, "days");
	int64_t totals[NSERIES] = {0};
	for (int64_t d = 0; d < STATS_DAYS; d++) {
		cJSON *day = cJSON_CreateObject();
		cJSON_AddStringToObject(day, "date", day_date(a, first + d));
		for (size_t s = 0; s < NSERIES; s++) {
			cJSON_AddNumberToObject(day, stats_series[s].name, (double)counts[s][d]);
			totals[s] += counts[s][d];
		}
		cJSON_AddItemToArray(days, day);
	}
	cJSON *tot = cJSON_AddObjectToObject(root, "totals");
	for (size_t s = 0; s < NSERIES; s++)
		cJSON_AddNumberToObject(tot, stats_series[s].name, (double)totals[s]);
	if (queue_ages(db, a, now, cJSON_AddObjectToObject(root, "queue"))) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* 1 if j has the shape stats_compute makes (a cached copy may be older
 * code's, or damaged). */
static int stats_valid(const cJSON *j)
{
	static const char *const ages[] = {"open", "oldest_seconds", "median_seconds"};
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(j, "days");
	const cJSON *totals = cJSON_GetObjectItemCaseSensitive(j, "totals");
	const cJSON *queue = cJSON_GetObjectItemCaseSensitive(j, "queue");
	if (!cJSON_IsArray(days) || cJSON_GetArraySize(days) != STATS_DAYS ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "generated_at")))
		return 0;
	for (size_t s = 0; s < NSERIES; s++)
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(totals, stats_series[s].name)))
			return 0;
	for (size_t i = 0; i < ARRAY_LEN(ages); i++)
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(queue, ages[i])))
			return 0;
	const cJSON *day;
	cJSON_ArrayForEach(day, days)
	{
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(day, "date")))
			return 0;
		for (size_t s = 0; s < NSERIES; s++)
			if (!cJSON_IsNumber(
				cJSON_GetObjectItemCaseSensitive(day, stats_series[s].name)))
				return 0;
	}
	return 1;
}

/* The stats, from memcached if a copy is there (and fresh is 0), else
 * computed and stored for STATS_TTL. The caller owns the result; NULL when
 * the database failed. */
cJSON *stats_load(struct db *db, struct arena *a, struct cache *cache, int fresh)
{
	char *val;
	size_t len;
	if (!fresh && cache_get(cache, a, STATS_KEY, &val, &len) == 0) {
		cJSON *j = cJSON_ParseWithLength(val, len);
		if (stats_valid(j))
			return j;
		cJSON_Delete(j);
	}
	cJSON *j = stats_compute(db, a);
	if (!j)
		return NULL;
	char *s = json_print(j);
	if (s) {
		cache_set(cache, STATS_KEY, s, strlen(s), STATS_TTL);
		free(s);
	}
	return j;
}
