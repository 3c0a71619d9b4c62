/* gen_main.c - imagier-gen: drains the generation queue, one job at a time.
 * Several may run, on several hosts; each needs its own [gen] worker_id. */
#include "apin_follow.h"
#include "apin_social.h"
#include "apnet.h"
#include "apqueue.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "export.h"
#include "foryou_pre.h"
#include "gen.h"
#include "genq.h"
#include "image.h"
#include "imghash.h"
#include "log.h"
#include "post.h"
#include "social.h"
#include "provenance.h"
#include "timeline.h"
#include "util.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IDLE_POLL_MS  400
#define REQUEUE_EVERY 5 /* seconds between sweeps for expired leases */

#define FORYOU_EVERY 2	/* seconds between passes of the "for you" refresh */
#define FORYOU_BATCH 16 /* people per pass */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a signal ends it early: fine */
}

static int run_backend(const struct config *cfg, const char *backend, const struct gen_params *p,
		       struct gen_result *res)
{
	struct gen_http_config hc;
	memset(&hc, 0, sizeof(hc));
	hc.connect_timeout_ms = 5000;
	hc.max_response = 48u << 20;
	if (!strcmp(backend, "procedural"))
		return gen_procedural(p, res);
	if (!strcmp(backend, "openai")) {
		hc.base_url = cfg->openai_base_url;
		hc.api_key = cfg->openai_api_key;
		hc.model = cfg->openai_model;
		hc.timeout_ms = 1000L * cfg->openai_timeout;
		return gen_openai(&hc, p, res);
	}
	if (!strcmp(backend, "a1111")) {
		hc.base_url = cfg->a1111_base_url;
		hc.api_key = cfg->a1111_api_key;
		hc.model = cfg->a1111_model;
		hc.timeout_ms = 1000L * cfg->a1111_timeout;
		hc.steps = cfg->a1111_steps;
		hc.sampler = cfg->a1111_sampler;
		return gen_a1111(&hc, p, res);
	}
	snprintf(res->error, sizeof(res->error), "The image generator '%s' is not set up here.",
		 backend);
	res->transient = 0;
	return -1;
}

/* Generate, store the pixels, record the outcome (fenced by the attempt). */
static void run_job(struct db *db, struct arena *a, const struct config *cfg, const char *worker,
		    const struct genq_job *job)
{
	struct gen_params p;
	struct gen_result res;
	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	p.prompt = job->prompt;
	p.negative_prompt = job->negative_prompt;
	p.style = job->style;
	p.seed = job->seed;
	p.width = job->width;
	p.height = job->height;
	if (job->parent_id)
		genq_parent_load(db, a, cfg->media_dir, job->parent_id, &p);
	int64_t t0 = now_mono_us();
	if (run_backend(cfg, job->backend, &p, &res)) {
		log_error("gen: job %lld (%s) failed: %s%s", (long long)job->id, job->backend,
			  res.error, res.transient ? " (will retry)" : "");
		genq_fail(db, a, job, worker, res.error, res.transient, cfg->gen_max_attempts);
		gen_result_free(&res);
		return;
	}
	struct image_stored img;
	const char *why = NULL;
	int st = provenance_store(cfg, job->backend, res.model, res.data, res.len, &img, &why);
	if (st) {
		log_error("gen: job %lld: the result could not be stored: %s", (long long)job->id,
			  why);
		genq_fail(db, a, job, worker,
			  st >= 500 ? "The image could not be saved; please try again."
				    : "The image generator sent a picture we could not read.",
			  st >= 500, cfg->gen_max_attempts);
		gen_result_free(&res);
		return;
	}
	/* The picture of a post removed for cause: refused for good (the stored
	 * files are left to sweep-media). */
	if (imghash_blocked(db, a, img.phash, cfg->mod_block_distance, job->user_id, NULL) == 1) {
		log_info("gen: job %lld made a blocked picture", (long long)job->id);
		genq_fail(db, a, job, worker, "blocked_image: " IMGHASH_BLOCKED_MSG, 0,
			  cfg->gen_max_attempts);
		gen_result_free(&res);
		return;
	}
	int64_t image_id = image_insert(db, a, &img);
	int ok = image_id > 0 ? genq_succeed(db, a, job, worker, image_id, res.model) : -1;
	if (ok == 1)
		log_info("gen: job %lld done by %s in %.0f ms", (long long)job->id, job->backend,
			 (double)(now_mono_us() - t0) / 1000.0);
	else if (ok == 0)
		log_info("gen: job %lld was cancelled or taken over; result dropped",
			 (long long)job->id);
	else
		genq_fail(db, a, job, worker, "The image could not be saved; please try again.", 1,
			  cfg->gen_max_attempts);
	gen_result_free(&res);
}

/* Stored following timelines: a round of fan-out (new posts into their
 * readers' timelines, bounded so generation jobs keep their turn), and now
 * and then the sweep of idle and overgrown timelines. 1 if it did work. */
static int timelines_work(struct db *db, struct arena *a, const struct config *cfg,
			  const char *worker)
{
	enum {
		FANOUT_LEASE = 60, /* seconds a fan-out job is this worker's per batch */
		FANOUT_ROUND = 20, /* batches of one fan-out job between other work */
		SWEEP_EVERY = 10   /* seconds between timeline sweeps */
	};
	static int64_t last_sweep, trim_from;
	int n = timeline_fanout_step(db, a, worker, cfg->timeline_fanout_batch, FANOUT_LEASE,
				     FANOUT_ROUND);
	if (now_unix() - last_sweep >= SWEEP_EVERY) {
		timeline_sweep(db, a, &trim_from, 200);
		last_sweep = now_unix();
	}
	return n > 0;
}

/* ActivityPub (lib/apqueue.c): the activities the inboxes took, then the
 * deliveries due (a round sent at once), a bounded batch of each between
 * other work, and now and then the sweep of old inbox rows. 1 if it did
 * work. Needs site.base_url: every id is absolute under it. */
static int federation_work(struct db *db, struct arena *a, const struct config *cfg)
{
	enum {
		INBOX_BATCH = 20,
		DELIVER_BATCH = APNET_PARALLEL,
		SWEEP_BATCH = 500,
		SWEEP_EVERY = 60
	};
	static int64_t last_sweep;
	char base[sizeof(cfg->site_base_url)];
	str_copy(base, cfg->site_base_url, sizeof(base));
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		base[--n] = '\0';
	if (!n)
		return 0;
	int got = apq_inbox_step(db, a, base, INBOX_BATCH);
	int sent = apq_deliver_step(db, a, base, DELIVER_BATCH);
	/* handled inbox rows leave after 30 days (the signatures' Date window
	 * is 12 hours: an older activity cannot come back) */
	if (now_unix() - last_sweep >= SWEEP_EVERY) {
		int swept = apq_inbox_sweep(db, a, SWEEP_BATCH);
		if (swept > 0)
			log_info("apqueue: %d handled inbox activities older than 30 days swept",
				 swept);
		last_sweep = swept == SWEEP_BATCH ? 0 : now_unix();
	}
	arena_reset(a);
	return got > 0 || sent > 0;
}

/* The "for you" candidates due for a refresh (lib/foryou_pre.c), every
 * FORYOU_EVERY seconds, between jobs. */
static void foryou_refresh(struct db *db, struct arena *a, const char *worker, int64_t *next)
{
	if (now_unix() < *next)
		return;
	*next = now_unix() + FORYOU_EVERY;
	if (foryou_job(db, a, worker, FORYOU_BATCH) > 0)
		*next = now_unix(); /* more may wait: the next pass right away */
	arena_reset(a);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("usage: imagier-gen\nDrains the generation queue ([gen] in imagier.conf).\n"
		       "SIGTERM stops it after the current job.\n");
		return strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? 2 : 0;
	}
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof(err))) {
		fprintf(stderr, "imagier-gen: %s\n", err);
		return 1;
	}
	if (sodium_init() < 0)
		return 1;
	apnet_configure(cfg.fed_allow_private);
	image_quiet_warnings();
	char worker[64];
	if (cfg.gen_worker_id[0])
		str_copy(worker, cfg.gen_worker_id, sizeof(worker));
	else if (gethostname(worker, sizeof(worker) - 1))
		str_copy(worker, "local", sizeof(worker));
	worker[sizeof(worker) - 1] = '\0';

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct db *db = db_new(&cfg);
	struct arena a;
	arena_init(&a);
	/* The inbox's likes and replies count in the rate limits, drop unread
	 * counts and cached posts, and pass the word filter (apin_social.h);
	 * remote posts bump the feeds' cache versions (apin_follow.h). */
	struct cache *cache = cache_new(&cfg);
	apin_follow_setup(&cfg, cache);
	social_set_cache(cache);
	struct apin_social_env social_env = {.cache = cache, .cfg = &cfg};
	arena_init(&social_env.keep);
	apin_social_setup(&social_env);
	int lease = cfg.gen_job_timeout + 30;
	log_info("imagier-gen %s: backends %s", worker, cfg.gen_backends);
	/* Jobs this worker held when it last died go back to the queue now. */
	int back = genq_requeue(db, &a, worker, cfg.gen_max_attempts);
	if (back > 0)
		log_info("gen: %d unfinished jobs of %s returned to the queue", back, worker);
	/* So do the personal data exports it was making (they start again). */
	if (export_requeue(db, &a, &cfg, worker) > 0)
		log_info("gen: unfinished exports of %s returned to the queue", worker);
	int64_t last_sweep = 0, foryou_next = 0;
	while (!stop) {
		arena_reset(&a);
		foryou_refresh(db, &a, worker, &foryou_next);
		if (now_unix() - last_sweep >= REQUEUE_EVERY) {
			genq_requeue(db, &a, NULL, cfg.gen_max_attempts);
			export_requeue(db, &a, &cfg, NULL);
			last_sweep = now_unix();
		}
		int fanned = timelines_work(db, &a, &cfg, worker);
		fanned |= federation_work(db, &a, &cfg);
		struct genq_job job;
		int got = genq_claim(db, &a, worker, lease, &job);
		if (got < 0) {
			sleep_ms(2000); /* database away: wait, then try again */
			continue;
		}
		if (got == 0) {
			/* No image to make: a personal data export, if one waits. */
			if (export_run_next(db, &a, &cfg, worker) != 1 && !fanned)
				sleep_ms(IDLE_POLL_MS);
			continue;
		}
		run_job(db, &a, &cfg, worker, &job);
	}
	log_info("imagier-gen %s stopping", worker);
	apin_social_setup(NULL);
	social_set_cache(NULL);
	arena_free(&social_env.keep);
	cache_free(cache);
	arena_free(&a);
	db_free(db);
	return 0;
}
