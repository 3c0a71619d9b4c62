/* sweep.c - remove media files that no database row points at. */
#include "sweep.h"
#include "arena.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "withhold.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One xx/yy directory. rel is "xx/yy". */
static int sweep_dir(struct db *db, struct arena *a, const char *media_dir, const char *rel,
		     int64_t cutoff, int dry_run, struct sweep_stats *st)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s/%s", media_dir, rel) >= (int)sizeof(dir))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.' && strncmp(e->d_name, ".tmp-", 5))
			continue;
		char path[4096 + 300], relpath[300];
		struct stat sb;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    snprintf(relpath, sizeof(relpath), "%s/%s", rel, e->d_name) >=
			(int)sizeof(relpath))
			continue;
		if (lstat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		if ((int64_t)sb.st_mtime > cutoff) {
			st->young++;
			continue;
		}
		int orphan = !strncmp(e->d_name, ".tmp-", 5);
		if (!orphan) {
			struct db_res r;
			if (db_read(db, a, &r, "SELECT 1 FROM media_files WHERE path = ?", "s",
				    relpath) != DB_OK) {
				rc = -1;
				break;
			}
			orphan = r.nrows == 0;
			arena_reset(a);
		}
		if (!orphan) {
			st->kept++;
			continue;
		}
		if (!dry_run && unlink(path) != 0)
			continue;
		if (e->d_name[0] == '.')
			st->tmp_removed++;
		else
			st->removed++;
	}
	closedir(d);
	return rc;
}

static int is_hex2(const char *s)
{
	return strlen(s) == 2 && strspn(s, "0123456789abcdef") == 2;
}

/* Every xx/yy directory under root (the media store, or its withheld part). */
static int sweep_tree(struct db *db, struct arena *a, const char *root, int64_t cutoff, int dry_run,
		      struct sweep_stats *st)
{
	int rc = 0;
	DIR *top = opendir(root);
	if (!top)
		return 0;
	struct dirent *e1;
	while (!rc && (e1 = readdir(top))) {
		if (!is_hex2(e1->d_name))
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof(sub), "%s/%s", root, e1->d_name) >= (int)sizeof(sub))
			continue;
		DIR *mid = opendir(sub);
		if (!mid)
			continue;
		struct dirent *e2;
		while (!rc && (e2 = readdir(mid))) {
			if (!is_hex2(e2->d_name))
				continue;
			char rel[16];
			snprintf(rel, sizeof(rel), "%.2s/%.2s", e1->d_name, e2->d_name);
			rc = sweep_dir(db, a, root, rel, cutoff, dry_run, st);
		}
		closedir(mid);
	}
	closedir(top);
	return rc;
}

int media_sweep(struct db *db, const char *media_dir, int64_t grace, int dry_run,
		struct sweep_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct arena a;
	arena_init(&a);
	int64_t cutoff = now_unix() - grace;
	/* First every file where its posts' states say (a worker may have died
	 * between a moderator's decision and the move), then the orphans of
	 * both stores. */
	int rc = withhold_reconcile(db, media_dir, dry_run, &st->moved);
	if (!rc)
		rc = sweep_tree(db, &a, media_dir, cutoff, dry_run, st);
	if (!rc)
		rc = sweep_tree(db, &a, arena_printf(&a, "%s/" WITHHELD_DIR, media_dir), cutoff,
				dry_run, st);
	arena_free(&a);
	if (rc)
		log_error("sweep-media: database failed; stopped");
	return rc;
}
