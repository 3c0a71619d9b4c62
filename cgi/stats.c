/* stats.c - the moderators' stats page (/admin/stats, /api/v1/admin/stats):
 * posts, sign-ups, generations and reports per UTC day over the last 30
 * days, the age of the open reports and memcached's hit rate; and the four
 * charts as PNG images drawn here (/admin/stats/posts.png ...).
 *
 * The numbers from the database are computed at most once a minute: the
 * result is kept in memcached (STATS_KEY) as the JSON face without its
 * "cache" part, so the page and its four images cost one computation.
 * ?fresh=1 recomputes. The cache part is read live on every page. */
#include "app.h"
#include "cache.h"
#include "chart.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <gd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_DAYS 30
#define STATS_TTL  60
#define STATS_KEY  "imagier:stats:v1"
#define DAY	   86400
#define CHART_W	   720
#define CHART_H	   240

/* One count per day. Each query is a range over created_at: posts have an
 * index on it (ix_posts_created); users, generations and reports have none
 * yet (see docs/ARCHITECTURE.md), so those are scans (generations: of the
 * narrow ix_gen_user, which holds created_at), once a minute at most. */
struct series {
	const char *name, *title, *noun, *column, *sql;
};
static const struct series series[] = {
    {"posts", "Posts per day", "posts", "Posts",
     "SELECT created_at DIV 86400, COUNT(*) FROM posts WHERE created_at >= ? AND created_at < ? "
     "GROUP BY 1 ORDER BY NULL"},
    {"signups", "Sign-ups per day", "sign-ups", "Sign-ups",
     "SELECT created_at DIV 86400, COUNT(*) FROM users WHERE created_at >= ? AND created_at < ? "
     "GROUP BY 1 ORDER BY NULL"},
    {"generations", "Generations per day", "generations", "Generations",
     "SELECT created_at DIV 86400, COUNT(*) FROM generations WHERE created_at >= ? AND "
     "created_at < ? GROUP BY 1 ORDER BY NULL"},
    {"reports", "Reports per day", "reports", "Reports",
     "SELECT created_at DIV 86400, COUNT(*) FROM reports WHERE created_at >= ? AND created_at < ? "
     "GROUP BY 1 ORDER BY NULL"},
};
#define NSERIES ARRAY_LEN(series)

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
static int queue_ages(struct ctx *c, int64_t now, cJSON *q)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT COUNT(*), MIN(created_at) FROM reports WHERE resolved_at IS NULL",
		    "") != DB_OK)
		return -1;
	int64_t open = db_int(&r, 0, 0), oldest = 0, median = 0;
	if (open > 0) {
		oldest = now - db_int(&r, 0, 1);
		/* the middle one (odd), or the two middle ones (even) */
		if (db_exec(c->app->db, c->a, &r,
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
static cJSON *stats_compute(struct ctx *c)
{
	int64_t now = now_unix(), today = now / DAY, first = today - (STATS_DAYS - 1);
	int64_t counts[NSERIES][STATS_DAYS] = {{0}};
	for (size_t s = 0; s < NSERIES; s++) {
		struct db_res r;
		if (db_exec(c->app->db, c->a, &r, series[s].sql, "ii", first * DAY,
			    (today + 1) * DAY) != DB_OK)
			return NULL;
		for (size_t i = 0; i < r.nrows; i++) {
			int64_t d = db_int(&r, i, 0) - first;
			if (d >= 0 && d < STATS_DAYS)
				counts[s][d] = db_int(&r, i, 1);
		}
	}
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "generated_at", time_iso(c->a, now));
	cJSON *days = cJSON_AddArrayToObject(root, "days");
	int64_t totals[NSERIES] = {0};
	for (int64_t d = 0; d < STATS_DAYS; d++) {
		cJSON *day = cJSON_CreateObject();
		cJSON_AddStringToObject(day, "date", day_date(c->a, first + d));
		for (size_t s = 0; s < NSERIES; s++) {
			cJSON_AddNumberToObject(day, series[s].name, (double)counts[s][d]);
			totals[s] += counts[s][d];
		}
		cJSON_AddItemToArray(days, day);
	}
	cJSON *tot = cJSON_AddObjectToObject(root, "totals");
	for (size_t s = 0; s < NSERIES; s++)
		cJSON_AddNumberToObject(tot, series[s].name, (double)totals[s]);
	if (queue_ages(c, now, cJSON_AddObjectToObject(root, "queue"))) {
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
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(totals, series[s].name)))
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
			if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(day, series[s].name)))
				return 0;
	}
	return 1;
}

/* The stats, from memcached if a copy is there (and fresh is 0), else
 * computed and stored for STATS_TTL. The caller owns the result; NULL when
 * the database failed. */
static cJSON *stats_load(struct ctx *c, int fresh)
{
	char *val;
	size_t len;
	if (!fresh && cache_get(c->app->cache, c->a, STATS_KEY, &val, &len) == 0) {
		cJSON *j = cJSON_ParseWithLength(val, len);
		if (stats_valid(j))
			return j;
		cJSON_Delete(j);
	}
	cJSON *j = stats_compute(c);
	if (!j)
		return NULL;
	char *s = cJSON_PrintUnformatted(j);
	if (s) {
		cache_set(c->app->cache, STATS_KEY, s, strlen(s), STATS_TTL);
		free(s);
	}
	return j;
}

static int fresh_asked(struct ctx *c)
{
	const char *f = ctx_param(c, "fresh");
	return f && !strcmp(f, "1");
}

static void add_rate(cJSON *o, uint64_t hits, uint64_t misses)
{
	cJSON_AddNumberToObject(o, "hits", (double)hits);
	cJSON_AddNumberToObject(o, "misses", (double)misses);
	if (hits + misses)
		cJSON_AddNumberToObject(
		    o, "hit_rate", round((double)hits / (double)(hits + misses) * 10000) / 10000);
	else
		cJSON_AddNullToObject(o, "hit_rate");
}

/* memcached's own counters (every client since it started) and this
 * worker's. */
static cJSON *cache_part(struct ctx *c)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t hits, misses;
	if (cache_server_stats(c->app->cache, &hits, &misses) == 0) {
		cJSON_AddTrueToObject(o, "available");
		add_rate(o, hits, misses);
	} else {
		cJSON_AddFalseToObject(o, "available");
		cJSON_AddNullToObject(o, "hits");
		cJSON_AddNullToObject(o, "misses");
		cJSON_AddNullToObject(o, "hit_rate");
	}
	cache_stats(c->app->cache, &hits, &misses);
	add_rate(cJSON_AddObjectToObject(o, "worker"), hits, misses);
	return o;
}

/* "less than a minute", "5 minutes", "3 hours 12 minutes", "2 days 4 hours". */
static char *age_text(struct arena *a, int64_t s)
{
	int64_t m = s / 60, h = s / 3600, d = s / DAY;
	if (m < 1)
		return arena_strdup(a, "less than a minute");
	if (h < 1)
		return arena_printf(a, "%lld minute%s", (long long)m, m == 1 ? "" : "s");
	if (d < 1)
		return arena_printf(a, "%lld hour%s %lld minute%s", (long long)h, h == 1 ? "" : "s",
				    (long long)(m % 60), m % 60 == 1 ? "" : "s");
	return arena_printf(a, "%lld day%s %lld hour%s", (long long)d, d == 1 ? "" : "s",
			    (long long)(h % 24), h % 24 == 1 ? "" : "s");
}

static char *rate_text(struct arena *a, const cJSON *o)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "hit_rate");
	if (!cJSON_IsNumber(r))
		return arena_strdup(a, "no reads yet");
	return arena_printf(a, "%.1f%% (%.0f hits, %.0f misses)", r->valuedouble * 100,
			    cJSON_GetObjectItemCaseSensitive(o, "hits")->valuedouble,
			    cJSON_GetObjectItemCaseSensitive(o, "misses")->valuedouble);
}

/* What the HTML face adds: per chart its title, image and the same numbers
 * as a table; the ages and the hit rate as sentences. */
static void add_page_fields(struct ctx *c, cJSON *d)
{
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(d, "days");
	const cJSON *totals = cJSON_GetObjectItemCaseSensitive(d, "totals");
	cJSON *charts = cJSON_AddArrayToObject(d, "charts");
	for (size_t s = 0; s < NSERIES; s++) {
		cJSON *ch = cJSON_CreateObject();
		const cJSON *day;
		double best = -1;
		const char *best_date = "";
		cJSON *rows = cJSON_CreateArray();
		cJSON_ArrayForEach(day, days)
		{
			double n =
			    cJSON_GetObjectItemCaseSensitive(day, series[s].name)->valuedouble;
			const char *date =
			    cJSON_GetObjectItemCaseSensitive(day, "date")->valuestring;
			cJSON *row = cJSON_CreateObject();
			cJSON_AddStringToObject(row, "date", date);
			cJSON_AddNumberToObject(row, "n", n);
			cJSON_AddItemToArray(rows, row);
			if (n > best) {
				best = n;
				best_date = date;
			}
		}
		double total =
		    cJSON_GetObjectItemCaseSensitive(totals, series[s].name)->valuedouble;
		cJSON_AddStringToObject(ch, "name", series[s].name);
		cJSON_AddStringToObject(ch, "title", series[s].title);
		cJSON_AddStringToObject(ch, "noun", series[s].noun);
		cJSON_AddStringToObject(ch, "column", series[s].column);
		cJSON_AddNumberToObject(ch, "total", total);
		cJSON_AddNumberToObject(ch, "width", CHART_W);
		cJSON_AddNumberToObject(ch, "height", CHART_H);
		cJSON_AddStringToObject(
		    ch, "alt",
		    total > 0
			? arena_printf(c->a,
				       "Bar chart of %s per day over the last %d days: %.0f "
				       "in all, most on %s (%.0f). The numbers are in the "
				       "table below.",
				       series[s].noun, STATS_DAYS, total, best_date, best)
			: arena_printf(c->a, "Bar chart of %s per day over the last %d days: none.",
				       series[s].noun, STATS_DAYS));
		cJSON_AddItemToObject(ch, "days", rows);
		cJSON_AddItemToArray(charts, ch);
	}
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(d, "queue");
	cJSON *qt = cJSON_AddObjectToObject(d, "queue_text");
	cJSON_AddStringToObject(
	    qt, "oldest",
	    age_text(c->a,
		     (int64_t)cJSON_GetObjectItemCaseSensitive(q, "oldest_seconds")->valuedouble));
	cJSON_AddStringToObject(
	    qt, "median",
	    age_text(c->a,
		     (int64_t)cJSON_GetObjectItemCaseSensitive(q, "median_seconds")->valuedouble));
	const cJSON *cache = cJSON_GetObjectItemCaseSensitive(d, "cache");
	cJSON *ct = cJSON_AddObjectToObject(d, "cache_text");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cache, "available")))
		cJSON_AddStringToObject(ct, "server", rate_text(c->a, cache));
	cJSON_AddStringToObject(ct, "worker",
				rate_text(c->a, cJSON_GetObjectItemCaseSensitive(cache, "worker")));
}

int stats_show(struct ctx *c)
{
	cJSON *d = stats_load(c, fresh_asked(c));
	if (!d)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (c->data)
		cJSON_Delete(c->data);
	c->data = d;
	/* what is added below, should a cached copy carry it already */
	static const char *const added[] = {"cache", "charts", "queue_text", "cache_text"};
	for (size_t i = 0; i < ARRAY_LEN(added); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(d, added[i]);
	cJSON_AddItemToObject(d, "cache", cache_part(c));
	if (!c->api)
		add_page_fields(c, d);
	c->title = "Site statistics";
	return 200;
}

/* GET /admin/stats/{name}: posts.png, signups.png, generations.png or
 * reports.png, from the same (cached) numbers as the page. */
int stats_chart(struct ctx *c)
{
	const char *name = c->sparams[0];
	size_t k = NSERIES;
	for (size_t s = 0; s < NSERIES && name; s++) {
		size_t n = strlen(series[s].name);
		if (!strncmp(name, series[s].name, n) && !strcmp(name + n, ".png"))
			k = s;
	}
	if (k == NSERIES)
		return ctx_fail(c, 404, "not_found",
				"There is no such chart: posts.png, signups.png, "
				"generations.png or reports.png.");
	cJSON *d = stats_load(c, fresh_asked(c));
	if (!d)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	double values[STATS_DAYS];
	const char *labels[STATS_DAYS];
	size_t n = 0;
	const cJSON *day;
	cJSON_ArrayForEach(day, cJSON_GetObjectItemCaseSensitive(d, "days"))
	{
		if (n == STATS_DAYS)
			break;
		const char *date = cJSON_GetObjectItemCaseSensitive(day, "date")->valuestring;
		/* "11-24": the month and day of "2026-11-24" */
		labels[n] = arena_strdup(c->a, strlen(date) >= 10 ? date + 5 : date);
		values[n++] = cJSON_GetObjectItemCaseSensitive(day, series[k].name)->valuedouble;
	}
	cJSON_Delete(d);
	char *title = arena_printf(c->a, "%s (UTC), last %d days", series[k].title, STATS_DAYS);
	void *png;
	int len;
	if (chart_bars_png(title, labels, values, n, CHART_W, CHART_H, &png, &len))
		return ctx_fail(c, 500, "chart_failed", "The chart could not be drawn.");
	buf_append(&c->resp->body, png, (size_t)len);
	gdFree(png);
	c->raw_type = "image/png";
	c->raw_max_age = STATS_TTL;
	return 200;
}
