/* health.c - GET /healthz: is the database there, is the cache there. */
#include "app.h"
#include "cache.h"
#include "db.h"

#include <cjson/cJSON.h>

int health_show(struct ctx *c)
{
	int db_ok = db_ping(c->app->db) == DB_OK;
	int cache_ok = cache_alive(c->app->cache);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "db", db_ok ? "ok" : "down");
	cJSON_AddStringToObject(d, "cache", cache_ok ? "ok" : "down");
	/* The site works without memcached (slower), not without the database. */
	return db_ok ? 200 : 503;
}
