/* app.c - per-worker resources: config, database, cache, templates. */
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "db.h"
#include "image.h"
#include "log.h"
#include "render.h"
#include "social.h"

#include <stdio.h>
#include <string.h>

int app_init(struct app *app, char *err, size_t errlen)
{
	memset(app, 0, sizeof(*app));
	if (config_load(&app->cfg, err, errlen))
		return -1;
	if (auth_init()) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (!app->cfg.site_secret[0])
		log_error("site.secret is empty: set it in imagier.conf (the stack does)");
	image_quiet_warnings();
	app->views = tmpl_load_dir(app->cfg.views, err, errlen);
	if (!app->views)
		return -1;
	http_limits_default(&app->lim);
	app->lim.max_file = (size_t)app->cfg.max_upload;
	if (app->lim.max_body < app->lim.max_file + 1024 * 1024)
		app->lim.max_body = app->lim.max_file + 1024 * 1024;
	app->db = db_new(&app->cfg);
	app->cache = cache_new(&app->cfg);
	social_set_cache(app->cache);
	arena_init(&app->arena);
	arena_init(&app->filter_arena);
	if (db_connect(app->db) != DB_OK)
		log_error("database not reachable yet; will retry per request");
	return 0;
}

void app_free(struct app *app)
{
	social_set_cache(NULL);
	db_free(app->db);
	cache_free(app->cache);
	tmpl_free(app->views);
	arena_free(&app->arena);
	arena_free(&app->filter_arena);
	memset(app, 0, sizeof(*app));
}
