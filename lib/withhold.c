/* withhold.c - the files of pictures that are no longer public: moved out of
 * the served media store and back (see withhold.h). */
#include "withhold.h"

#include "db.h"
#include "fileio.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hex2(const char *s)
{
	return strspn(s, "0123456789abcdef") >= 2;
}

int media_rel_ok(const char *rel)
{
	if (!rel || strlen(rel) > 200 || !hex2(rel) || rel[2] != '/' || !hex2(rel + 3) ||
	    rel[5] != '/')
		return 0;
	const char *name = rel + 6;
	size_t n = strspn(name, "0123456789abcdefghijklmnopqrstuvwxyz_-");
	if (n == 0 || name[n] != '.')
		return 0;
	const char *ext = name + n + 1;
	return *ext && strspn(ext, "abcdefghijklmnopqrstuvwxyz") == strlen(ext);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int withheld_path(char *buf, size_t size, const char *media_dir, const char *rel)
{
	int r = snprintf(buf, size, "%s/" WITHHELD_DIR "/%s", media_dir, rel);
	return r >= 0 && (size_t)r < size;
}

char *media_file_path(struct arena *a, const char *media_dir, const char *rel)
{
	char *served = arena_printf(a, "%s/%s", media_dir, rel);
	if (is_file(served))
		return served;
	char *held = arena_printf(a, "%s/" WITHHELD_DIR "/%s", media_dir, rel);
	return is_file(held) ? held : served;
}

/* mkdir path unless it is there (its parent fsynced when made). 0 or -1. */
static int mkdir_in(const char *path, const char *parent)
{
	if (mkdir(path, 0755) == 0)
		return dir_fsync(parent);
	struct stat st;
	return errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Move media_dir[/.withheld]/rel to the other store (into = 1: into the
 * withheld one). 1 moved, 0 nothing to move, -1 failed. */
static int move_file(struct arena *a, const char *media_dir, const char *rel, int into, int dry_run)
{
	const char *top = arena_printf(a, "%s/" WITHHELD_DIR, media_dir);
	const char *from_root = into ? media_dir : top, *to_root = into ? top : media_dir;
	char *from = arena_printf(a, "%s/%s", from_root, rel);
	char *to = arena_printf(a, "%s/%s", to_root, rel);
	if (!is_file(from))
		return 0;
	if (dry_run)
		return 1;
	char *d1 = arena_printf(a, "%s/%.2s", to_root, rel);
	char *d2 = arena_printf(a, "%s/%.5s", to_root, rel);
	char *from_dir = arena_printf(a, "%s/%.5s", from_root, rel);
	/* One rename within one file system: the file is in one store or the
	 * other at every moment (the same bytes if both: content-addressed). */
	if ((into && mkdir_in(top, media_dir)) || mkdir_in(d1, to_root) || mkdir_in(d2, d1) ||
	    rename(from, to) != 0 || dir_fsync(d2) || dir_fsync(from_dir)) {
		log_error("media: cannot move %s to %s: %s (sweep-media will retry)", from, to,
			  strerror(errno));
		return -1;
	}
	return 1;
}

/* 1 when image_id's files must not be served to everyone, 0 when they
 * must, -1 the database failed: private when it has posts and none is in
 * view (visible or held, by someone not banned), and no avatar shows it.
 * Read on the primary: the decision was committed a moment ago. */
static int image_private(struct db *db, struct arena *a, int64_t image_id)
{
	struct db_res r;
	if (db_exec(
		db, a, &r,
		"SELECT EXISTS (SELECT 1 FROM posts WHERE image_id = ?) AND NOT EXISTS (SELECT 1 "
		"FROM posts p JOIN users u ON u.id = p.user_id WHERE p.image_id = ? AND "
		"p.mod_state IN ('visible','held') AND u.banned_at IS NULL) AND NOT EXISTS "
		"(SELECT 1 FROM users WHERE avatar_image_id = ?)",
		"iii", image_id, image_id, image_id) != DB_OK ||
	    !r.nrows)
		return -1;
	return db_int(&r, 0, 0) ? 1 : 0;
}

static int place_image(struct db *db, struct arena *a, const char *media_dir, int64_t image_id,
		       int dry_run)
{
	struct db_res r;
	int into = image_private(db, a, image_id);
	if (into < 0 || db_exec(db, a, &r, "SELECT path FROM media_files WHERE image_id = ?", "i",
				image_id) != DB_OK)
		return -1;
	int moved = 0, failed = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *rel = db_str(&r, i, 0);
		if (!media_rel_ok(rel))
			continue;
		int m = move_file(a, media_dir, rel, into, dry_run);
		if (m < 0)
			failed = 1;
		moved += m > 0;
		/* One line a URL: what a CDN in front has to purge. */
		if (m > 0 && !dry_run)
			log_info("media: /media/%s of image %lld %s", rel, (long long)image_id,
				 into ? "withheld (purge it from any CDN)" : "served again");
	}
	return failed ? -1 : moved;
}

int withhold_image(struct db *db, struct arena *a, const char *media_dir, int64_t image_id)
{
	return place_image(db, a, media_dir, image_id, 0);
}

int withhold_post(struct db *db, struct arena *a, const char *media_dir, int64_t post_id)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT image_id FROM posts WHERE id = ?", "i", post_id) != DB_OK)
		return -1;
	return r.nrows ? withhold_image(db, a, media_dir, db_int(&r, 0, 0)) : 0;
}

int withhold_user(struct db *db, struct arena *a, const char *media_dir, int64_t user_id)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT DISTINCT image_id FROM posts WHERE user_id = ?", "i",
		    user_id) != DB_OK)
		return -1;
	struct arena each;
	arena_init(&each);
	int moved = 0, failed = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		int m = place_image(db, &each, media_dir, db_int(&r, i, 0), 0);
		arena_reset(&each);
		if (m < 0)
			failed = 1;
		else
			moved += m;
	}
	arena_free(&each);
	return failed ? -1 : moved;
}

int withhold_release_post(struct db *db, struct arena *a, const char *media_dir, int64_t post_id)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT m.image_id, m.path FROM posts p JOIN media_files m ON m.image_id = "
		    "p.image_id WHERE p.id = ?",
		    "i", post_id) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *rel = db_str(&r, i, 1);
		if (media_rel_ok(rel) &&
		    is_file(arena_printf(a, "%s/" WITHHELD_DIR "/%s", media_dir, rel)))
			return withhold_image(db, a, media_dir, db_int(&r, 0, 0));
	}
	return 0;
}

int withhold_may_see(struct db *db, struct arena *a, const char *rel, int64_t viewer, int mod)
{
	struct db_res r;
	if (!media_rel_ok(rel))
		return 404;
	/* A post that is visible (its author not banned), or theirs, or any for
	 * a moderator; their own generation; an avatar. */
	if (db_read(
		db, a, &r,
		"SELECT 1 FROM media_files m WHERE m.path = ? AND (EXISTS (SELECT 1 FROM posts "
		"p JOIN users u ON u.id = p.user_id WHERE p.image_id = m.image_id AND (? OR "
		"p.user_id = ? OR (p.mod_state = 'visible' AND u.banned_at IS NULL))) OR EXISTS "
		"(SELECT 1 FROM generations g WHERE g.image_id = m.image_id AND g.user_id = ?) "
		"OR EXISTS (SELECT 1 FROM users v WHERE v.avatar_image_id = m.image_id))",
		"siii", rel, (int64_t)(mod != 0), viewer, viewer) != DB_OK)
		return 503;
	return r.nrows ? 0 : 404;
}

/* The ids of the images whose files sit in the withheld store: from the
 * rows of the files found there. Adds them to ids (arena array). */
static int withheld_images(struct db *db, struct arena *a, const char *media_dir, int64_t **ids,
			   size_t *n, size_t *cap)
{
	char *top = arena_printf(a, "%s/" WITHHELD_DIR, media_dir);
	DIR *d1 = opendir(top);
	if (!d1)
		return 0;
	int rc = 0;
	struct dirent *e1, *e2, *e3;
	while (!rc && (e1 = readdir(d1))) {
		if (strlen(e1->d_name) != 2 || !hex2(e1->d_name))
			continue;
		DIR *d2 = opendir(arena_printf(a, "%s/%s", top, e1->d_name));
		while (!rc && d2 && (e2 = readdir(d2))) {
			if (strlen(e2->d_name) != 2 || !hex2(e2->d_name))
				continue;
			DIR *d3 = opendir(arena_printf(a, "%s/%s/%s", top, e1->d_name, e2->d_name));
			while (!rc && d3 && (e3 = readdir(d3))) {
				char *rel =
				    arena_printf(a, "%s/%s/%s", e1->d_name, e2->d_name, e3->d_name);
				struct db_res r;
				if (!media_rel_ok(rel))
					continue;
				if (db_read(db, a, &r,
					    "SELECT image_id FROM media_files WHERE path = ?", "s",
					    rel) != DB_OK) {
					rc = -1;
					break;
				}
				if (!r.nrows)
					continue; /* an orphan: the sweep of that store */
				if (*n == *cap) {
					size_t nc = *cap ? *cap * 2 : 64;
					int64_t *bigger = arena_alloc(a, nc * sizeof(*bigger));
					if (*n)
						memcpy(bigger, *ids, *n * sizeof(*bigger));
					*ids = bigger;
					*cap = nc;
				}
				(*ids)[(*n)++] = db_int(&r, 0, 0);
			}
			if (d3)
				closedir(d3);
		}
		if (d2)
			closedir(d2);
	}
	closedir(d1);
	return rc;
}

int withhold_reconcile(struct db *db, const char *media_dir, int dry_run, uint64_t *moved)
{
	struct arena a, each;
	struct db_res r = {0};
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	*moved = 0;
	arena_init(&a);
	arena_init(&each);
	/* The pictures that should be withheld (a post hidden, removed, or by a
	 * banned person), and those that are. */
	if (db_read(db, &a, &r,
		    "SELECT image_id FROM posts WHERE mod_state IN ('hidden','removed') UNION "
		    "SELECT p.image_id FROM users u JOIN posts p ON p.user_id = u.id WHERE "
		    "u.banned_at IS NOT NULL",
		    "") != DB_OK ||
	    withheld_images(db, &a, media_dir, &ids, &n, &cap))
		rc = -1;
	for (size_t i = 0; !rc && i < r.nrows + n; i++) {
		int64_t id = i < r.nrows ? db_int(&r, i, 0) : ids[i - r.nrows];
		int m = place_image(db, &each, media_dir, id, dry_run);
		arena_reset(&each);
		if (m > 0)
			*moved += (uint64_t)m;
		else if (m < 0 && !dry_run)
			log_error("sweep-media: the files of image %lld are not where they belong",
				  (long long)id);
	}
	arena_free(&each);
	arena_free(&a);
	return rc;
}
