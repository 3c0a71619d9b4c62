/* dataset_int.h - what the two halves of the dataset export share:
 * dataset.c asks the database which posts go in; dataset_files.c writes the
 * output directory and removes it again on failure. Not for other modules. */
#ifndef IMAGIER_DATASET_INT_H
#define IMAGIER_DATASET_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "arena.h"
#include "dataset.h"

struct db;

struct item {
	int64_t id, event;
};

struct items {
	struct item *v;
	size_t n, cap;
};

/* A post of an earlier export's manifest already in the directory (resume). */
struct known {
	int64_t id, event;
	size_t line;
	int seen;
};

/* One run of the export. */
struct run {
	struct db *db;
	const struct dataset_opts *o;
	struct dataset_result *res;
	struct arena a;	   /* reset per batch */
	struct arena keep; /* for the whole run */
	char *dir, *images;
	int made_dir, made_images;
	char **created; /* files this run made: removed on failure */
	size_t ncreated, capcreated;
	int man_fd;
	off_t man_start; /* the manifest's length before this run */
	int man_made;
	long fail_after, writes;
	struct known *known; /* sorted by id */
	size_t nknown;
	int compact; /* the manifest needs rewriting: out of order, dropped or replaced lines */
	struct items out;      /* every post of the manifest when done */
	struct items withdraw; /* event holds the reason's index */
	uint64_t total, done, last_shown;
	int shown; /* a count is on the screen */
};

/* Append (id, event) to v (grows; never fails). */
void dataset_items_add(struct items *v, int64_t id, int64_t event);
/* Order by id, for qsort; membership in a sorted list. */
int dataset_item_cmp(const void *pa, const void *pb);
int dataset_in_items(const struct items *v, int64_t id);

/* Record the first error as "what path: strerror(err)"; returns -1. */
int dataset_fail(struct run *x, const char *what, const char *path, int err);
/* Write all of data to fd (counted by the IMAGIER_DATASET_FAIL_AFTER hook);
 * 0 or -1 (recorded, naming path). */
int dataset_write_all(struct run *x, int fd, const void *data, size_t n, const char *path);
/* fsync a directory: 0 or -1 (recorded). */
int dataset_fsync_dir(struct run *x, const char *path);
/* The progress bar or line on o->progress (final: the last one). */
void dataset_progress(struct run *x, int final);

/* Make out_dir and out_dir/images (noting which this run made), refuse a
 * non-empty out_dir unless resume (-2), drop a killed run's temp files.
 * 0, -1 or -2 (recorded). */
int dataset_prepare_dir(struct run *x);
/* Open or create manifest.jsonl; on resume read which posts it holds
 * (x->known) and cut a partial last line. 0 or -1 (recorded). */
int dataset_open_manifest(struct run *x);
/* The manifest's entry for post id (resume), or NULL. */
struct known *dataset_known_find(struct run *x, int64_t id);
/* Put media_dir/src_rel at images/name (hard link, else copy; through a
 * temp name) and hash it. 0, 1 when the source is missing, -1 (recorded). */
int dataset_put_image(struct run *x, const char *src_rel, const char *name, char sha[65],
		      uint64_t *bytes);
/* withdrawn.jsonl (of x->withdraw, less what x->out holds) and, on resume
 * when x->compact, the rewritten manifest, both under temp names.
 * 0 or -1 (recorded). */
int dataset_write_withdrawn(struct run *x);
int dataset_write_compacted(struct run *x);
/* After the commit: the temp names to their places, stray images gone. */
void dataset_finish_files(struct run *x);
/* After a failure: every file this run made is removed, the manifest cut
 * back to its length before the run, directories it made removed. */
void dataset_undo(struct run *x);

#endif
