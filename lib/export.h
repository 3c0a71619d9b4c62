/* export.h - a person's own data as one archive (JSON plus their original
 * images), made in the background by imagier-gen from the export_jobs
 * table, which works as a queue like generations does. */
#ifndef IMAGIER_EXPORT_H
#define IMAGIER_EXPORT_H

#include <stdint.h>

#include "arena.h"

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

#endif
