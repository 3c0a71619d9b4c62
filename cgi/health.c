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
	/* the primary gone, replicas answering reads: up, read-only */
	int read_only = !db_ok && db_read_only(c->app->db);
	int cache_ok = cache_alive(c->app->cache);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "db", db_ok ? "ok" : read_only ? "read_only" : "down");
	cJSON_AddStringToObject(d, "cache", cache_ok ? "ok" : "down");
	/* Below media.min_free_mb uploads are refused (507): "full"; below twice
	 * it, "low". Reading and everything without a file still works. */
	static const char *const room[] = {"ok", "low", "full"};
	int r = fs_room(c->app->cfg.media_dir, c->app->cfg.min_free_mb, NULL);
	cJSON_AddStringToObject(d, "disk", r < 0 ? "unknown" : room[r]);
	/* The site works without memcached (slower), without room for new
	 * files (it still reads), not without the database. */
	return db_ok || read_only ? 200 : 503;
}
