/* sweep.h - remove media files that no database row points at. */
#ifndef IMAGIER_SWEEP_H
#define IMAGIER_SWEEP_H

#include <stdint.h>

struct db;

struct sweep_stats {
	uint64_t kept, removed, young, tmp_removed;
	uint64_t moved; /* files put in (or out of) the withheld store */
};

/* Put every file of a picture where its posts' states say (lib/withhold.h).
 * Then walk media_dir/xx/yy/ and media_dir/.withheld/xx/yy/; a file older than grace seconds that
 * has no row in media_files is removed (dry_run: only counted), and so is a leftover
 * ".tmp-*" file. Younger files are left alone: an upload may be between
 * writing its files and committing its rows. Returns 0, or -1 when the
 * database failed (nothing more is removed then). */
int media_sweep(struct db *db, const char *media_dir, int64_t grace, int dry_run,
		struct sweep_stats *st);

#endif
