/* genq.c - generation jobs: a MariaDB table used as a queue. */
#include "genq.h"
#include "config.h"
#include "db.h"
#include "idem.h"
#include "gen.h"
#include "post.h"
#include "util.h"
#include "withhold.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int genq_backend_enabled(const struct config *cfg, const char *backend)
{
	char list[sizeof(cfg->gen_backends)];
	str_copy(list, cfg->gen_backends, sizeof(list));
	for (char *save = NULL, *t = strtok_r(list, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save))
		if (!strcmp(t, backend))
			return 1;
	return 0;
}

int genq_validate(const struct config *cfg, struct genq_request *rq, const char **why)
{
	if (!rq->prompt || !*rq->prompt) {
		*why = "Write a prompt: what should the image show?";
		return 400;
	}
	if (!rq->negative_prompt)
		rq->negative_prompt = "";
	if (!rq->style)
		rq->style = "";
	if (strlen(rq->style) > 60) {
		*why = "The style can have at most 60 characters.";
		return 400;
	}
	if (!rq->width)
		rq->width = 768;
	if (!rq->height)
		rq->height = 768;
	if (rq->width < GEN_MIN_SIDE || rq->width > GEN_MAX_SIDE || rq->height < GEN_MIN_SIDE ||
	    rq->height > GEN_MAX_SIDE) {
		*why = "Width and height must be between 256 and 1536 pixels.";
		return 400;
	}
	/* Models work in blocks of 8 pixels. */
	rq->width -= rq->width % 8;
	rq->height -= rq->height % 8;
	if (!rq->backend || !*rq->backend)
		rq->backend = cfg->gen_default;
	if (!genq_backend_enabled(cfg, rq->backend)) {
		*why = "That image generator is not available here.";
		return 400;
	}
	if (!rq->has_seed) {
		rq->seed = ((uint64_t)randombytes_random() << 21 ^ randombytes_random()) &
			   ((1ull << 53) - 1); /* exact in JSON numbers */
		rq->has_seed = 1;
	}
	if (rq->seed >= (1ull << 53)) {
		*why = "The seed must be below 2^53.";
		return 400;
	}
	return 0;
}

int genq_create(struct db *db, struct arena *a, const struct config *cfg, int64_t user_id,
		const struct genq_request *rq, int64_t *id, const char **why)
{
	struct db_res r;
	int64_t now = now_unix();
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	/* Lock the user's row: two requests at once cannot both slip under
	 * the limit. */
	if (db_exec(db, a, &r, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i", user_id) !=
		DB_OK ||
	    db_read(db, a, &r,
		    "SELECT SUM(status IN ('queued','running')), SUM(created_at > ?) "
		    "FROM generations WHERE user_id = ? AND (status IN ('queued','running') "
		    "OR created_at > ?)",
		    "iii", now - 3600, user_id, now - 3600) != DB_OK)
		goto done;
	if (db_int(&r, 0, 0) >= cfg->gen_max_in_flight) {
		db_rollback(db);
		*why = arena_printf(a,
				    "You already have %d images in the works. Wait for one to "
				    "finish, or cancel one.",
				    cfg->gen_max_in_flight);
		return 429;
	}
	if (db_int(&r, 0, 1) >= cfg->gen_max_per_hour) {
		db_rollback(db);
		*why = arena_printf(a, "You made %d images in the last hour; try again later.",
				    cfg->gen_max_per_hour);
		return 429;
	}
	if (db_exec(db, a, &r,
		    "INSERT INTO generations (user_id, backend, prompt, negative_prompt, style, "
		    "seed, width, height, parent_id, run_after, created_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "issssuiisii", user_id, rq->backend, rq->prompt, rq->negative_prompt, rq->style,
		    rq->seed, (int64_t)rq->width, (int64_t)rq->height,
		    rq->parent_id ? arena_printf(a, "%lld", (long long)rq->parent_id) : NULL, now,
		    now) != DB_OK)
		goto done;
	*id = (int64_t)r.insert_id;
	if (idem_claim(db, a, *id, arena_printf(a, "/g/%lld", (long long)*id)))
		goto done;
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
}

#define JOB_COLUMNS                                                                                \
	"id, user_id, IFNULL(parent_id, 0), backend, prompt, negative_prompt, style, seed, "       \
	"width, height, attempts"

int genq_claim(struct db *db, struct arena *a, const char *worker, int lease_secs,
	       struct genq_job *job)
{
	struct db_res r;
	int64_t now = now_unix();
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, &r,
		    "SELECT id FROM generations WHERE status = 'queued' AND run_after <= ? "
		    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
		    "i", now) != DB_OK)
		goto done;
	if (r.nrows == 0) {
		db_rollback(db);
		return 0;
	}
	int64_t id = db_int(&r, 0, 0);
	if (db_exec(db, a, NULL,
		    "UPDATE generations SET status = 'running', worker = ?, lease_until = ?, "
		    "attempts = attempts + 1, started_at = ?, error = NULL WHERE id = ?",
		    "siii", worker, now + lease_secs, now, id) != DB_OK ||
	    db_read(db, a, &r, "SELECT " JOB_COLUMNS " FROM generations WHERE id = ?", "i", id) !=
		DB_OK ||
	    r.nrows != 1)
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return -1;
	job->id = db_int(&r, 0, 0);
	job->user_id = db_int(&r, 0, 1);
	job->parent_id = db_int(&r, 0, 2);
	job->backend = db_str(&r, 0, 3);
	job->prompt = db_str(&r, 0, 4);
	job->negative_prompt = db_str(&r, 0, 5);
	job->style = db_str(&r, 0, 6);
	job->seed = strtoull(db_str(&r, 0, 7), NULL, 10);
	job->width = (int)db_int(&r, 0, 8);
	job->height = (int)db_int(&r, 0, 9);
	job->attempts = (unsigned)db_int(&r, 0, 10);
	return 1;
}

int genq_requeue(struct db *db, struct arena *a, const char *worker, int max_attempts)
{
	struct db_res r1, r2;
	int64_t now = now_unix();
	const char *w = worker ? worker : "";
	/* Out of attempts: give up with a reason a person understands. */
	if (db_exec(
		db, a, &r1,
		"UPDATE generations SET status = 'failed', worker = NULL, finished_at = ?, "
		"error = 'The image generator stopped answering; please try again.' "
		"WHERE status = 'running' AND (lease_until < ? OR worker = ?) AND attempts >= ?",
		"iisi", now, now, w, (int64_t)max_attempts) != DB_OK ||
	    db_exec(db, a, &r2,
		    "UPDATE generations SET status = 'queued', worker = NULL, lease_until = NULL, "
		    "run_after = ? WHERE status = 'running' AND (lease_until < ? OR worker = ?)",
		    "iis", now, now, w) != DB_OK)
		return -1;
	return (int)(r1.affected + r2.affected);
}

int genq_succeed(struct db *db, struct arena *a, const struct genq_job *job, const char *worker,
		 int64_t image_id, const char *model)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "UPDATE generations SET status = 'succeeded', image_id = ?, model = ?, "
		    "finished_at = ?, worker = NULL, lease_until = NULL "
		    "WHERE id = ? AND status = 'running' AND worker = ? AND attempts = ?",
		    "isiisi", image_id, model, now_unix(), job->id, worker,
		    (int64_t)job->attempts) != DB_OK)
		return -1;
	return r.affected == 1;
}

int genq_fail(struct db *db, struct arena *a, const struct genq_job *job, const char *worker,
	      const char *error, int transient, int max_attempts)
{
	struct db_res r;
	char msg[300];
	str_copy(msg, error, sizeof(msg));
	if (transient && (int)job->attempts < max_attempts) {
		int64_t backoff = 5;
		for (unsigned i = 1; i < job->attempts; i++)
			backoff *= 4;
		if (db_exec(db, a, &r,
			    "UPDATE generations SET status = 'queued', worker = NULL, "
			    "lease_until = NULL, run_after = ?, error = ? "
			    "WHERE id = ? AND status = 'running' AND worker = ? AND attempts = ?",
			    "isisi", now_unix() + backoff, msg, job->id, worker,
			    (int64_t)job->attempts) != DB_OK)
			return -1;
		return r.affected == 1;
	}
	if (db_exec(db, a, &r,
		    "UPDATE generations SET status = 'failed', error = ?, finished_at = ?, "
		    "worker = NULL, lease_until = NULL "
		    "WHERE id = ? AND status = 'running' AND worker = ? AND attempts = ?",
		    "siisi", msg, now_unix(), job->id, worker, (int64_t)job->attempts) != DB_OK)
		return -1;
	return r.affected == 1;
}

int genq_cancel(struct db *db, struct arena *a, int64_t id, int64_t user_id)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "UPDATE generations SET status = 'cancelled', finished_at = ?, worker = NULL, "
		    "lease_until = NULL WHERE id = ? AND user_id = ? AND post_id IS NULL AND "
		    "status IN ('queued','running','succeeded')",
		    "iii", now_unix(), id, user_id) != DB_OK)
		return 503;
	if (r.affected == 1)
		return 0;
	if (db_read(db, a, &r, "SELECT 1 FROM generations WHERE id = ? AND user_id = ?", "ii", id,
		    user_id) != DB_OK)
		return 503;
	return r.nrows ? 409 : 404;
}

cJSON *genq_load(struct db *db, struct arena *a, const char *media_url, int64_t id, int64_t user_id,
		 int *status)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT g.id, g.status, g.error, g.prompt, g.negative_prompt, g.style, g.seed, "
		    "g.width, g.height, g.backend, g.model, IFNULL(g.parent_id, 0), "
		    "IFNULL(g.post_id, 0), g.attempts, g.created_at, i.width, i.height, "
		    "i.blurhash, i.avg_color, i.variants FROM generations g "
		    "LEFT JOIN images i ON i.id = g.image_id WHERE g.id = ? AND g.user_id = ?",
		    "ii", id, user_id) != DB_OK) {
		*status = 503;
		return NULL;
	}
	if (r.nrows == 0) {
		*status = 404;
		return NULL;
	}
	cJSON *g = cJSON_CreateObject();
	const char *st = db_str(&r, 0, 1);
	cJSON_AddNumberToObject(g, "id", (double)db_int(&r, 0, 0));
	cJSON_AddStringToObject(g, "status", st);
	if (db_str(&r, 0, 2) && strcmp(st, "succeeded"))
		cJSON_AddStringToObject(g, "error", db_str(&r, 0, 2));
	cJSON_AddStringToObject(g, "prompt", db_str(&r, 0, 3));
	cJSON_AddStringToObject(g, "negative_prompt", db_str(&r, 0, 4));
	cJSON_AddStringToObject(g, "style", db_str(&r, 0, 5));
	cJSON_AddNumberToObject(g, "seed", strtod(db_str(&r, 0, 6), NULL));
	cJSON_AddNumberToObject(g, "width", (double)db_int(&r, 0, 7));
	cJSON_AddNumberToObject(g, "height", (double)db_int(&r, 0, 8));
	cJSON_AddStringToObject(g, "backend", db_str(&r, 0, 9));
	cJSON_AddStringToObject(g, "model", db_str(&r, 0, 10));
	if (db_int(&r, 0, 11))
		cJSON_AddNumberToObject(g, "parent_id", (double)db_int(&r, 0, 11));
	if (db_int(&r, 0, 12))
		cJSON_AddNumberToObject(g, "post_id", (double)db_int(&r, 0, 12));
	cJSON_AddNumberToObject(g, "attempts", (double)db_int(&r, 0, 13));
	cJSON_AddStringToObject(g, "created_at", time_iso(a, db_int(&r, 0, 14)));
	if (db_str(&r, 0, 15))
		cJSON_AddItemToObject(g, "image",
				      post_image_json(a, media_url, db_int(&r, 0, 15),
						      db_int(&r, 0, 16), db_str(&r, 0, 17),
						      db_str(&r, 0, 18), db_str(&r, 0, 19)));
	*status = 200;
	return g;
}

#define MAX_PARENT (32u << 20)

/* Read a media file (the parent's image for img2img / edits). */
static unsigned char *read_media(struct arena *a, const char *dir, const char *rel, size_t *len)
{
	/* (withheld when the parent is hidden: its author may still remix it) */
	FILE *f = fopen(media_file_path(a, dir, rel), "rb");
	if (!f)
		return NULL;
	unsigned char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > 0 && (unsigned long)n <= MAX_PARENT && fseek(f, 0, SEEK_SET) == 0) {
			buf = arena_alloc(a, (size_t)n);
			if (fread(buf, 1, (size_t)n, f) == (size_t)n)
				*len = (size_t)n;
			else
				buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

void genq_parent_load(struct db *db, struct arena *a, const char *media_dir, int64_t parent_id,
		      struct gen_params *p)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT p.prompt, IFNULL(g.seed, p.id), i.variants FROM posts p "
		    "JOIN images i ON i.id = p.image_id "
		    "LEFT JOIN generations g ON g.id = p.generation_id WHERE p.id = ?",
		    "i", parent_id) != DB_OK ||
	    r.nrows == 0)
		return; /* parent gone: generate from scratch */
	p->parent_prompt = db_str(&r, 0, 0);
	p->parent_seed = strtoull(db_str(&r, 0, 1), NULL, 10);
	cJSON *v = cJSON_Parse(db_str(&r, 0, 2));
	cJSON *full = cJSON_GetObjectItemCaseSensitive(v, "full");
	cJSON *jpeg = cJSON_GetObjectItemCaseSensitive(full, "jpeg");
	if (cJSON_IsString(jpeg))
		p->parent_image = read_media(a, media_dir, jpeg->valuestring, &p->parent_len);
	cJSON_Delete(v);
}
