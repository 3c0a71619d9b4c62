/* export_jobs.c - a person's side of the data exports: asking for one, its
 * progress and its archive (export.c makes them in imagier-gen). */
#include "db.h"
#include "export.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define EXPORT_COLUMNS                                                                             \
	"id, state, progress, bytes, error, created_at, finished_at, expires_at, file"

static void job_from_row(const struct db_res *r, size_t i, struct export_job *j)
{
	j->id = db_int(r, i, 0);
	j->state = db_str(r, i, 1);
	j->progress = db_int(r, i, 2);
	j->bytes = db_int(r, i, 3);
	j->error = db_str(r, i, 4);
	j->created_at = db_int(r, i, 5);
	j->finished_at = db_int(r, i, 6);
	j->expires_at = db_int(r, i, 7);
	j->file = db_str(r, i, 8);
}

int export_jobs_recent(struct db *db, struct arena *a, int64_t user_id,
		       struct export_job jobs[EXPORT_LISTED], size_t *n)
{
	struct db_res r;
	*n = 0;
	if (db_read(db, a, &r,
		    "SELECT " EXPORT_COLUMNS " FROM export_jobs WHERE user_id = ? ORDER BY id DESC "
		    "LIMIT ?",
		    "ii", user_id, (int64_t)EXPORT_LISTED) != DB_OK)
		return 503;
	for (size_t i = 0; i < r.nrows && i < EXPORT_LISTED; i++)
		job_from_row(&r, i, &jobs[(*n)++]);
	return 0;
}

int export_job_get(struct db *db, struct arena *a, int64_t id, int64_t user_id,
		   struct export_job *job)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT " EXPORT_COLUMNS " FROM export_jobs WHERE id = ? AND user_id = ?", "ii",
		    id, user_id) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	job_from_row(&r, 0, job);
	return 0;
}

int export_start(struct db *db, struct arena *a, int64_t user_id, int64_t *id)
{
	struct db_res r;
	/* One at a time: the row lock of the person serialises two clicks. */
	if (db_begin(db) != DB_OK ||
	    db_exec(db, a, &r, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i", user_id) !=
		DB_OK ||
	    db_read(db, a, &r,
		    "SELECT id FROM export_jobs WHERE user_id = ? AND state IN ('queued', "
		    "'running')",
		    "i", user_id) != DB_OK) {
		db_rollback(db);
		return 503;
	}
	if (r.nrows) {
		db_rollback(db);
		*id = db_int(&r, 0, 0);
		return 409;
	}
	if (db_exec(db, a, &r, "INSERT INTO export_jobs (user_id, created_at) VALUES (?, ?)", "ii",
		    user_id, now_unix()) != DB_OK ||
	    db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	*id = (int64_t)r.insert_id;
	return 0;
}

int export_job_ready(const struct export_job *job, int64_t now)
{
	return !strcmp(job->state, "done") && *job->file && job->expires_at > now;
}

cJSON *export_job_json(struct arena *a, const struct export_job *j, int api)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)j->id);
	cJSON_AddStringToObject(o, "state", j->state);
	cJSON_AddNumberToObject(o, "progress", (double)j->progress);
	cJSON_AddStringToObject(o, "url",
				arena_printf(a, "/settings/export/%lld", (long long)j->id));
	time_json(o, a, "created_at", "created_text", j->created_at);
	int working = !strcmp(j->state, "queued") || !strcmp(j->state, "running");
	cJSON_AddBoolToObject(o, "working", working);
	if (!strcmp(j->state, "done")) {
		cJSON_AddNumberToObject(o, "bytes", (double)j->bytes);
		cJSON_AddStringToObject(o, "size_text",
					arena_printf(a, "%.1f MB", (double)j->bytes / 1e6));
		cJSON_AddStringToObject(o, "finished_at", time_iso(a, j->finished_at));
		time_json(o, a, "expires_at", "expires_text", j->expires_at);
		cJSON_AddStringToObject(o, "download_url",
					arena_printf(a,
						     api ? "/api/v1/me/export/%lld/download"
							 : "/settings/export/%lld/download",
						     (long long)j->id));
	}
	if (!strcmp(j->state, "failed"))
		cJSON_AddStringToObject(o, "error", j->error);
	return o;
}
