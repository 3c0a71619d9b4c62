/* export.c - a person downloads all their data (/settings/export, POST
 * /api/v1/me/export): a job for imagier-gen (lib/export.c), its progress,
 * and the archive handed out by nginx (X-Accel-Redirect) once it is ready. */
#include "app.h"
#include "export.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

int export_page(struct ctx *c)
{
	struct export_job jobs[EXPORT_LISTED];
	size_t n;
	c->title = "Download your data";
	if (export_jobs_recent(c->app->db, c->a, c->me->id, jobs, &n))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "exports");
	int working = 0;
	for (size_t i = 0; i < n; i++) {
		cJSON *j = export_job_json(c->a, &jobs[i], c->api);
		working |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "working"));
		cJSON_AddItemToArray(items, j);
	}
	cJSON_AddBoolToObject(ctx_data(c), "working", working);
	return 200;
}

int export_create(struct ctx *c)
{
	int64_t id;
	struct export_job job;
	c->title = "Download your data";
	int st = export_start(c->app->db, c->a, c->me->id, &id);
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (st == 409) {
		ctx_header(c, "Location",
			   arena_printf(c->a, "/api/v1/me/export/%lld", (long long)id));
		return ctx_fail(c, 409, "export_running",
				"An export of your data is being made already; it will be ready "
				"shortly.");
	}
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not start the export; try again.");
	if (export_job_get(c->app->db, c->a, id, c->me->id, &job))
		return ctx_fail(c, 503, "unavailable",
				"The export was started but cannot be read.");
	cJSON_AddItemToObject(ctx_data(c), "export", export_job_json(c->a, &job, c->api));
	return ctx_done(c, 202, arena_printf(c->a, "/settings/export/%lld", (long long)id));
}

/* The viewer's job {id}: 0 with *job, or a failed status (404 for others'). */
static int load_job(struct ctx *c, struct export_job *job)
{
	int st = export_job_get(c->app->db, c->a, c->params[0], c->me->id, job);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such export of yours.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return 0;
}

int export_show(struct ctx *c)
{
	struct export_job job;
	int st;
	c->title = "Download your data";
	if ((st = load_job(c, &job)))
		return st;
	cJSON *j = export_job_json(c->a, &job, c->api);
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
	struct export_job job;
	int st;
	if ((st = load_job(c, &job)))
		return st;
	if (!export_job_ready(&job, now_unix()))
		return ctx_fail(c, 409, "not_ready",
				"This export is not ready (or has expired); see its page.");
	/* nginx sends the file (internal location /_exports/); the worker is
	 * free at once however large the archive. */
	c->raw_type = "application/x-tar";
	ctx_header(c, "X-Accel-Redirect", arena_printf(c->a, "/_exports/%s", job.file));
	ctx_header(c, "Content-Disposition",
		   arena_printf(c->a, "attachment; filename=\"imagier-%s-export-%lld.tar\"",
				c->me->username, (long long)c->params[0]));
	return 200;
}
