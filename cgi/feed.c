/* feed.c - the latest feed: / and GET /api/v1/feed, keyset cursor, cached. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_VERSION_KEY "imagier:v:feed"
#define FEED_CACHE_TTL	 300

/* The page's data {"items":[...],"next":cursor|null} for one cursor, from
 * memcached when the feed version is current, else from the database. */
static cJSON *feed_page(struct ctx *c, int64_t before, int *failed)
{
	uint64_t ver = cache_version(c->app->cache, FEED_VERSION_KEY);
	char key[96];
	snprintf(key, sizeof(key), "imagier:feed:latest:%llu:%lld", (unsigned long long)ver,
		 (long long)before);
	char *hit;
	size_t len;
	if (ver && cache_get(c->app->cache, c->a, key, &hit, &len) == 0) {
		cJSON *d = cJSON_ParseWithLength(hit, len);
		if (d)
			return d;
	}
	cJSON *d = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(d, "items");
	int64_t next = 0;
	if (feed_latest(c->app->db, c->a, c->app->cfg.media_url, before, FEED_PAGE, items, &next)) {
		cJSON_Delete(d);
		*failed = 1;
		return NULL;
	}
	if (next)
		cJSON_AddStringToObject(d, "next", arena_printf(c->a, "%lld", (long long)next));
	else
		cJSON_AddNullToObject(d, "next");
	if (ver) {
		char *s = cJSON_PrintUnformatted(d);
		cache_set(c->app->cache, key, s, strlen(s), FEED_CACHE_TTL);
		free(s);
	}
	return d;
}

int feed_show(struct ctx *c)
{
	const char *kind = kv_get(&c->req->query, "kind");
	if (kind && strcmp(kind, "latest"))
		return ctx_fail(c, 400, "bad_kind", "Unknown feed kind; try kind=latest.");
	const char *cur = kv_get(&c->req->query, "cursor");
	uint64_t before = 0;
	if (cur && *cur && str_to_u64(cur, INT64_MAX, &before))
		return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
	int failed = 0;
	cJSON *d = feed_page(c, (int64_t)before, &failed);
	if (!d)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api) {
		cJSON *next = cJSON_GetObjectItemCaseSensitive(d, "next");
		if (cJSON_IsString(next))
			cJSON_AddStringToObject(
			    d, "more_url", arena_printf(c->a, "/?cursor=%s", next->valuestring));
		cJSON_AddBoolToObject(d, "first_page", before == 0);
		cJSON *items = cJSON_GetObjectItemCaseSensitive(d, "items");
		cJSON_AddBoolToObject(d, "empty", cJSON_GetArraySize(items) == 0);
		c->title = before ? "Latest — older posts" : NULL;
	}
	c->data = d;
	return 200;
}
