/* health.c - GET /healthz: is the database there, is the cache there, is
 * there room on the media disk. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "fileio.h"

#include <cjson/cJSON.h>

int health_show(struct ctx *c)
{
	int db_ok = db_ping(c->app->db) == DB_OK;
	int cache_ok = cache_alive(c->app->cache);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "db", db_ok ? "ok" : "down");
	cJSON_AddStringToObject(d, "cache", cache_ok ? "ok" : "down");
	/* Below media.min_free_mb uploads are refused (507): "full"; below twice
	 * it, "low". Reading and everything without a file still works. */
	static const char *const room[] = {"ok", "low", "full"};
	int r = fs_room(c->app->cfg.media_dir, c->app->cfg.min_free_mb, NULL);
	cJSON_AddStringToObject(d, "disk", r < 0 ? "unknown" : room[r]);
	/* The site works without memcached (slower), without room for new
	 * files (it still reads), not without the database. */
	return db_ok ? 200 : 503;
}
