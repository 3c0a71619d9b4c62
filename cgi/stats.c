/* stats.c - the moderators' stats page (/admin/stats, /api/v1/admin/stats):
 * posts, sign-ups, generations and reports per UTC day over the last 30
 * days, the age of the open reports and memcached's hit rate; and the four
 * charts as PNG images drawn here (/admin/stats/posts.png ...).
 *
 * The numbers from the database come from lib/stats.c, computed at most
 * once a minute and kept in memcached, so the page and its four images cost
 * one computation. ?fresh=1 recomputes. The cache part is read live on every
 * page. */
#include "app.h"
#include "cache.h"
#include "chart.h"
#include "stats.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <gd.h>
#include <math.h>
#include <string.h>

#define DAY	86400
#define CHART_W 720
#define CHART_H 240
#define NSERIES STATS_NSERIES

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
			double n = cJSON_GetObjectItemCaseSensitive(day, stats_series[s].name)
				       ->valuedouble;
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
		    cJSON_GetObjectItemCaseSensitive(totals, stats_series[s].name)->valuedouble;
		cJSON_AddStringToObject(ch, "name", stats_series[s].name);
		cJSON_AddStringToObject(ch, "title", stats_series[s].title);
		cJSON_AddStringToObject(ch, "noun", stats_series[s].noun);
		cJSON_AddStringToObject(ch, "column", stats_series[s].column);
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
				       stats_series[s].noun, STATS_DAYS, total, best_date, best)
			: arena_printf(c->a, "Bar chart of %s per day over the last %d days: none.",
				       stats_series[s].noun, STATS_DAYS));
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
	cJSON *d = stats_load(c->app->db, c->a, c->app->cache, fresh_asked(c));
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
		size_t n = strlen(stats_series[s].name);
		if (!strncmp(name, stats_series[s].name, n) && !strcmp(name + n, ".png"))
			k = s;
	}
	if (k == NSERIES)
		return ctx_fail(c, 404, "not_found",
				"There is no such chart: posts.png, signups.png, "
				"generations.png or reports.png.");
	cJSON *d = stats_load(c->app->db, c->a, c->app->cache, fresh_asked(c));
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
		values[n++] =
		    cJSON_GetObjectItemCaseSensitive(day, stats_series[k].name)->valuedouble;
	}
	cJSON_Delete(d);
	char *title =
	    arena_printf(c->a, "%s (UTC), last %d days", stats_series[k].title, STATS_DAYS);
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
