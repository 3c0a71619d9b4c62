/* export.h - a person's own data as one archive (JSON plus their original
 * images), made in the background by imagier-gen from the export_jobs
 * table, which works as a queue like generations does. */
#ifndef IMAGIER_EXPORT_H
#define IMAGIER_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct config;

#define EXPORT_KEEP_DAYS 7 /* a finished archive can be downloaded this long */

/* Claim the oldest queued export and make its archive under
 * <var>/exports/, updating its progress as it goes. Returns 1 when it ran
 * one (done or failed), 0 when none was waiting, -1 when the database is
 * away. */
int export_run_next(struct db *db, struct arena *a, const struct config *cfg, const char *worker);

/* Jobs a dead worker (this one at start: worker set; or any whose lease
 * ran out: worker NULL) held go back to the queue; their partial files are
 * removed. Expired archives are deleted. Returns how many were requeued, or
 * -1. */
int export_requeue(struct db *db, struct arena *a, const struct config *cfg, const char *worker);

/* ---- a person's jobs (export_jobs.c) ----------------------------------- */

#define EXPORT_LISTED 5 /* jobs on the export page, newest first */

/* One export job of a person (strings in the arena). */
struct export_job {
	int64_t id, progress, bytes, created_at, finished_at, expires_at;
	const char *state; /* queued, running, done, failed */
	const char *error; /* why it failed */
	const char *file;  /* the archive's name under <var>/exports/, "" until done */
};

/* The person's newest jobs (up to EXPORT_LISTED) into jobs[]. 0 with *n, or
 * 503. */
int export_jobs_recent(struct db *db, struct arena *a, int64_t user_id,
		       struct export_job jobs[EXPORT_LISTED], size_t *n);
/* Job id of user_id (another's is not found). 0, 404 or 503. */
int export_job_get(struct db *db, struct arena *a, int64_t id, int64_t user_id,
		   struct export_job *job);
/* Queue an export of user_id, one at a time (a second click while one is
 * queued or running gets that one). 0 with the new job's *id, 409 with the
 * running job's *id, 503 (the database failed before anything was checked),
 * or -1 (the job could not be recorded). */
int export_start(struct db *db, struct arena *a, int64_t user_id, int64_t *id);
/* 1 when the archive can be downloaded at now: done, there, not expired. */
int export_job_ready(const struct export_job *job, int64_t now);
/* The job as {"id","state","progress","url","created_at","created_text",
 * "working", and when done "bytes","size_text","finished_at","expires_at",
 * "expires_text","download_url" (the API's with api set), when failed
 * "error"}. */
struct cJSON *export_job_json(struct arena *a, const struct export_job *job, int api);

#endif
