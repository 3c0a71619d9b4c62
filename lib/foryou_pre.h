/* foryou_pre.h - the "for you" candidates gathered ahead of time: one row
 * per person (foryou_candidates) with their candidates, the names their
 * reasons mention and their affinities, and one row of what is the same for
 * everybody (foryou_global: rising, the exploration pool). imagier-gen keeps
 * them fresh (foryou_job); a page reads its person's row by key
 * (foryou_pre_load) and builds it on the spot only when there is none or a
 * follow changed it. docs/RANKING.md section 7. */
#ifndef IMAGIER_FORYOU_PRE_H
#define IMAGIER_FORYOU_PRE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

struct db;
struct fy_set;

#define FY_REFRESH_S	300  /* a row older than this is queued for the job */
#define FY_MAX_AGE_S	3600 /* older than this it is rebuilt before use */
#define FY_GLOBAL_S	60   /* the global row is recomputed this often */
#define FY_GLOBAL_MAX_S 900  /* older than this a build recomputes it itself */
#define FY_LEASE_S	60   /* a job holds a row this long at most */

/* The row's bytes for set, appended to out (little-endian, versioned). */
void foryou_pre_encode(const struct fy_set *set, struct buf *out);
/* set from a row's bytes (arena a). 0, or -1 if they are not a row this
 * version wrote (then the row is built again). */
int foryou_pre_decode(struct arena *a, const void *data, size_t len, struct fy_set *set);

/* The candidates of user_id for a page: their row when it is fresh enough
 * (queued for the job when it is due: older than FY_REFRESH_S, or they
 * liked something since), else built now and stored. 0 or -1 (database). */
int foryou_pre_load(struct db *db, struct arena *a, int64_t user_id, struct fy_set *set);

/* Gather user_id's candidates now and store them (built_at = when the
 * gathering began). worker non-NULL: only while its lease on the row holds
 * (a job's refresh); NULL: unconditionally (on demand, the CLI). The set
 * goes to *set when set is non-NULL. 0, 1 (the lease was lost: nothing
 * stored) or -1. */
int foryou_pre_build(struct db *db, struct arena *a, int64_t user_id, const char *worker,
		     struct fy_set *set);

/* A follow or unfollow of user_id: their row is out of date (rebuilt
 * before their next page, and queued for the job). Best effort. */
void foryou_pre_changed(struct db *db, struct arena *a, int64_t user_id);

/* One pass of imagier-gen's refresh: the global row when it is due (one
 * job computes it: the claim is its built_at), then up to `batch` queued
 * people, each under a lease of FY_LEASE_S, so that a job that dies
 * mid-refresh leaves its people to the next one. Returns how many people
 * were refreshed, or -1 (database). */
int foryou_job(struct db *db, struct arena *a, const char *worker, int batch);

/* Recompute the global row now (the CLI, and a build that finds none).
 * 0 or -1. */
int foryou_pre_global(struct db *db, struct arena *a);

#endif
