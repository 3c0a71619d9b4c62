/* export.c - a person downloads all their data (/settings/export, POST
 * /api/v1/me/export): a job for imagier-gen (lib/export.c), its progress,
 * and the archive handed out by nginx (X-Accel-Redirect) once it is ready. */
#include "app.h"
#include "db.h"
#include "export.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define EXPORT_COLUMNS                                                                             \
	"id, state, progress, bytes, error, created_at, finished_at, expires_at, file"

static cJSON *job_json(struct ctx *c, const struct db_res *r, size_t i)
{
	cJSON *o = cJSON_CreateObject();
	int64_t id = db_int(r, i, 0);
	const char *state = db_str(r, i, 1);
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddNumberToObject(o, "progress", (double)db_int(r, i, 2));
	cJSON_AddStringToObject(o, "url",
				arena_printf(c->a, "/settings/export/%lld", (long long)id));
	cJSON_AddStringToObject(o, "created_at", time_iso(c->a, db_int(r, i, 5)));
	cJSON_AddStringToObject(o, "created_text", time_text(c->a, db_int(r, i, 5)));
	int working = !strcmp(state, "queued") || !strcmp(state, "running");
	cJSON_AddBoolToObject(o, "working", working);
	if (!strcmp(state, "done")) {
		cJSON_AddNumberToObject(o, "bytes", (double)db_int(r, i, 3));
		cJSON_AddStringToObject(
		    o, "size_text", arena_printf(c->a, "%.1f MB", (double)db_int(r, i, 3) / 1e6));
		cJSON_AddStringToObject(o, "finished_at", time_iso(c->a, db_int(r, i, 6)));
		cJSON_AddStringToObject(o, "expires_at", time_iso(c->a, db_int(r, i, 7)));
		cJSON_AddStringToObject(o, "expires_text", time_text(c->a, db_int(r, i, 7)));
		cJSON_AddStringToObject(o, "download_url",
					arena_printf(c->a,
						     c->api ? "/api/v1/me/export/%lld/download"
							    : "/settings/export/%lld/download",
						     (long long)id));
	}
	if (!strcmp(state, "failed"))
		cJSON_AddStringToObject(o, "error", db_str(r, i, 4));
	return o;
}

int export_page(struct ctx *c)
{
	struct db_res r;
	c->title = "Download your data";
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT " EXPORT_COLUMNS " FROM export_jobs WHERE user_id = ? ORDER BY id DESC "
		    "LIMIT 5",
		    "i", c->me->id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "exports");
	int working = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *j = job_json(c, &r, i);
		working |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "working"));
		cJSON_AddItemToArray(items, j);
	}
	cJSON_AddBoolToObject(ctx_data(c), "working", working);
	return 200;
}

int export_create(struct ctx *c)
{
	struct db_res r;
	c->title = "Download your data";
	/* One at a time: the row lock of the person serialises two clicks. */
	if (db_begin(c->app->db) != DB_OK ||
	    db_exec(c->app->db, c->a, &r, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i",
		    c->me->id) != DB_OK ||
	    db_exec(c->app->db, c->a, &r,
		    "SELECT id FROM export_jobs WHERE user_id = ? AND state IN ('queued', "
		    "'running')",
		    "i", c->me->id) != DB_OK) {
		db_rollback(c->app->db);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	if (r.nrows) {
		db_rollback(c->app->db);
		ctx_header(c, "Location",
			   arena_printf(c->a, "/api/v1/me/export/%s", db_str(&r, 0, 0)));
		return ctx_fail(c, 409, "export_running",
				"An export of your data is being made already; it will be ready "
				"shortly.");
	}
	if (db_exec(c->app->db, c->a, &r,
		    "INSERT INTO export_jobs (user_id, created_at) VALUES (?, ?)", "ii", c->me->id,
		    now_unix()) != DB_OK ||
	    db_commit(c->app->db) != DB_OK) {
		db_rollback(c->app->db);
		return ctx_fail(c, 503, "unavailable", "Could not start the export; try again.");
	}
	int64_t id = (int64_t)r.insert_id;
	if (db_exec(c->app->db, c->a, &r, "SELECT " EXPORT_COLUMNS " FROM export_jobs WHERE id = ?",
		    "i", id) != DB_OK ||
	    !r.nrows)
		return ctx_fail(c, 503, "unavailable",
				"The export was started but cannot be read.");
	cJSON_AddItemToObject(ctx_data(c), "export", job_json(c, &r, 0));
	return ctx_done(c, 202, arena_printf(c->a, "/settings/export/%lld", (long long)id));
}

/* The viewer's job {id}: 0 with r, or a failed status (404 for others'). */
static int load_job(struct ctx *c, struct db_res *r)
{
	if (db_exec(c->app->db, c->a, r,
		    "SELECT " EXPORT_COLUMNS " FROM export_jobs WHERE id = ? AND user_id = ?", "ii",
		    c->params[0], c->me->id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r->nrows)
		return ctx_fail(c, 404, "not_found", "There is no such export of yours.");
	return 0;
}

int export_show(struct ctx *c)
{
	struct db_res r;
	int st;
	c->title = "Download your data";
	if ((st = load_job(c, &r)))
		return st;
	cJSON *j = job_json(c, &r, 0);
	int working = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "working"));
	cJSON_AddItemToObject(ctx_data(c), "export", j);
	if (!c->api) {
		cJSON_AddBoolToObject(ctx_data(c), "one", 1);
		if (working) /* without JavaScript the page reloads itself */
			cJSON_AddNumberToObject(ctx_data(c), "refresh", 2);
	}
	return 200;
}

int export_download(struct ctx *c)
{
	struct db_res r;
	int st;
	if ((st = load_job(c, &r)))
		return st;
	if (strcmp(db_str(&r, 0, 1), "done") || !*db_str(&r, 0, 8) ||
	    db_int(&r, 0, 7) <= now_unix())
		return ctx_fail(c, 409, "not_ready",
				"This export is not ready (or has expired); see its page.");
	/* nginx sends the file (internal location /_exports/); the worker is
	 * free at once however large the archive. */
	c->raw_type = "application/x-tar";
	ctx_header(c, "X-Accel-Redirect", arena_printf(c->a, "/_exports/%s", db_str(&r, 0, 8)));
	ctx_header(c, "Content-Disposition",
		   arena_printf(c->a, "attachment; filename=\"imagier-%s-export-%lld.tar\"",
				c->me->username, (long long)c->params[0]));
	return 200;
}
