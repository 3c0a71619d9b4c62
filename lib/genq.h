/* genq.h - generation jobs: a MariaDB table used as a queue. */
#ifndef IMAGIER_GENQ_H
#define IMAGIER_GENQ_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct config;
struct db;

/* A job as a worker sees it (strings in the arena). */
struct genq_job {
	int64_t id, user_id, parent_id; /* parent_id 0: not a remix */
	const char *backend, *prompt, *negative_prompt, *style;
	uint64_t seed;
	int width, height;
	unsigned attempts; /* including this one: the fencing token */
};

/* What a person asks for; validated by genq_validate. */
struct genq_request {
	const char *prompt, *negative_prompt, *style, *backend;
	uint64_t seed;
	int has_seed;
	int width, height;
	int64_t parent_id;
};

/* Check sizes, backend (must be enabled in [gen] backends) and fill
 * defaults (backend, random seed). Returns 0 or 400 with *why. */
int genq_validate(const struct config *cfg, struct genq_request *rq, const char **why);

/* Queue a job for user_id, enforcing [gen] max_in_flight and max_per_hour
 * under a per-user lock. Returns 0 with *id, 429 with *why over a limit,
 * 503 when the database failed. */
int genq_create(struct db *db, struct arena *a, const struct config *cfg, int64_t user_id,
		const struct genq_request *rq, int64_t *id, const char **why);

/* Take the oldest runnable job (FOR UPDATE SKIP LOCKED), mark it running
 * for worker with a lease. 1 = claimed into *job, 0 = none, -1 = db error. */
int genq_claim(struct db *db, struct arena *a, const char *worker, int lease_secs,
	       struct genq_job *job);

/* Put back jobs whose lease ran out (their worker died or hung), and with
 * worker != NULL also every running job of that worker (it restarted).
 * Jobs out of attempts fail instead. Returns how many were touched, -1. */
int genq_requeue(struct db *db, struct arena *a, const char *worker, int max_attempts);

/* Record success. Returns 1, or 0 when the job is no longer this worker's
 * (cancelled, or re-queued and claimed again): the result is then dropped,
 * so no job is ever done twice. -1 on db error. */
int genq_succeed(struct db *db, struct arena *a, const struct genq_job *job, const char *worker,
		 int64_t image_id, const char *model);

/* Record a failure: transient and attempts left -> queued again after a
 * backoff (5 s, 20 s, 80 s ...); else failed with error. Fenced like
 * genq_succeed. */
int genq_fail(struct db *db, struct arena *a, const struct genq_job *job, const char *worker,
	      const char *error, int transient, int max_attempts);

/* The owner cancels a queued or running job (or discards an unpublished
 * result). Returns 0, 404 (no such job of this user), 409 (published or
 * already over), 503. */
int genq_cancel(struct db *db, struct arena *a, int64_t id, int64_t user_id);

/* The job as {"id","status","error"?,"prompt",...,"image"?,"post_id"?},
 * visible to its owner only. NULL with *status 404 or 503. */
struct cJSON *genq_load(struct db *db, struct arena *a, const char *media_url, int64_t id,
			int64_t user_id, int *status);

struct gen_params;
/* A remix job's parent post into p's remix fields: its generation's prompt
 * and seed (an upload's prompt and its post id as the seed) and its full-size
 * JPEG read from media_dir (left NULL when missing or over 32 MiB). Nothing
 * is set when the parent is gone, or the database failed: the job then
 * generates from scratch. */
void genq_parent_load(struct db *db, struct arena *a, const char *media_dir, int64_t parent_id,
		      struct gen_params *p);

/* Is backend one of the enabled ones in the comma list? */
int genq_backend_enabled(const struct config *cfg, const char *backend);

#endif
