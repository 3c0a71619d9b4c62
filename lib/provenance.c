/* provenance.c - every served image file says it is AI-generated: the label, and XMP in place. */
#include "provenance.h"
#include "fileio.h"
#include "config.h"
#include "db.h"
#include "image.h"
#include "label.h"
#include "log.h"
#include "util.h"
#include "withhold.h"
#include "xmp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE   (512u << 20) /* larger than any file image_store writes */
#define LOCK_TRIES 8
#define BATCH	   200

void provenance_label(const struct config *cfg, struct image_label *out)
{
	int corner = label_corner_parse(cfg->label_corner);
	out->enabled = cfg->label_enabled;
	out->text = cfg->label_text;
	out->corner = corner < 0 ? LABEL_BOTTOM_RIGHT : corner;
	out->opacity = cfg->label_opacity;
}

/* ---- one file ---- */

/* A path from media_files: "ab/cd/<name>.ext", nothing that leaves the dir. */
static int rel_ok(const char *rel)
{
	return rel[0] && rel[0] != '/' && !strstr(rel, "..") && strlen(rel) < 200;
}

static int stampable(const char *rel)
{
	const char *dot = strrchr(rel, '.');
	return dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg") || !strcmp(dot, ".webp") ||
		       !strcmp(dot, ".png"));
}

/* Open path and take an exclusive lock on the file that is at path now
 * (another stamper may have renamed a new file over it meanwhile). */
static int open_locked(const char *path, struct stat *st)
{
	for (int i = 0; i < LOCK_TRIES; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat now;
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, st) == 0 && stat(path, &now) == 0 &&
		    now.st_ino == st->st_ino && now.st_dev == st->st_dev)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

/* Replace path by p[0..n) through a fsynced temp file in dir. */
static int replace_file(const char *dir, const char *path, const unsigned char *p, size_t n)
{
	char tmp[PATH_MAX];
	if (file_write_temp(dir, p, n, tmp, sizeof(tmp)) != 0)
		return -1;
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	dir_fsync(dir);
	return 0;
}

/* The new bytes of a file read into p[0..n): 1 with *out, 0 nothing to do,
 * -1 not an image file we understand. */
static int restamp(const unsigned char *p, size_t n, const struct xmp_meta *m, unsigned char **out,
		   size_t *outlen)
{
	const unsigned char *old;
	size_t oldlen;
	int has_post = 0;
	int found = xmp_find(p, n, &old, &oldlen);
	if (found < 0)
		return -1;
	if (found > 0 && xmp_is_imagier(old, oldlen, &has_post) &&
	    (has_post || !m->post_url || !m->post_url[0]))
		return 0;
	size_t pktlen;
	char *pkt = xmp_packet(m, &pktlen);
	int rc = xmp_insert(p, n, pkt, pktlen, out, outlen);
	free(pkt);
	return rc == 0 ? 1 : -1;
}

int provenance_stamp_file(const char *media_dir, const char *rel, const struct xmp_meta *m,
			  uint64_t *bytes)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	if (!rel_ok(rel) ||
	    !fmt_fits(snprintf(path, sizeof(path), "%s/%s", media_dir, rel), sizeof(path))) {
		log_error("provenance: bad media path '%s'", rel);
		return -1;
	}
	if (!stampable(rel))
		return 0;
	/* A hidden or removed post's file is stamped where it is now: in the
	 * withheld store (withhold.h). */
	char held[PATH_MAX];
	if (access(path, F_OK) != 0 && withheld_path(held, sizeof(held), media_dir, rel) &&
	    access(held, F_OK) == 0)
		str_copy(path, held, sizeof(path));
	str_copy(dir, path, sizeof(dir));
	*strrchr(dir, '/') = '\0'; /* path has a '/' after media_dir */
	int fd = open_locked(path, &st);
	if (fd < 0) {
		log_error("provenance: %s: %s", rel, strerror(errno));
		return -1;
	}
	int rc = -1;
	unsigned char *p = NULL, *out = NULL;
	size_t outlen = 0;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > MAX_FILE) {
		log_error("provenance: %s: not a regular file of a sensible size", rel);
		goto done;
	}
	p = xmalloc((size_t)st.st_size);
	if (fd_read_all(fd, p, (size_t)st.st_size) != 0) {
		log_error("provenance: %s: cannot read: %s", rel, strerror(errno));
		goto done;
	}
	rc = restamp(p, (size_t)st.st_size, m, &out, &outlen);
	if (rc < 0)
		log_error("provenance: %s: not a JPEG, PNG or WebP file it can read", rel);
	if (rc == 1 && replace_file(dir, path, out, outlen) != 0) {
		log_error("provenance: %s: cannot write: %s", rel, strerror(errno));
		rc = -1;
	}
	if (rc == 1)
		*bytes = outlen;
done:
	free(p);
	free(out);
	close(fd); /* drops the lock */
	return rc;
}

/* ---- an image's files ---- */

/* Stamp every file of image_id with m; media_files.bytes follows. Returns
 * files rewritten, or -1 (database, or a file failed). *failed counts the
 * files that failed. */
static int stamp_image(struct db *db, struct arena *a, const char *media_dir, int64_t image_id,
		       const struct xmp_meta *m, uint64_t *failed)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT path, bytes FROM media_files WHERE image_id = ? ORDER BY path", "i",
		    image_id) != DB_OK)
		return -1;
	int done = 0, bad = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		const char *rel = db_str(&r, i, 0);
		uint64_t bytes = 0;
		int rc = provenance_stamp_file(media_dir, rel ? rel : "", m, &bytes);
		if (rc < 0) {
			bad++;
			continue;
		}
		if (rc == 0)
			continue;
		done++;
		if ((int64_t)bytes != db_int(&r, i, 1) &&
		    db_exec(db, a, NULL, "UPDATE media_files SET bytes = ? WHERE path = ?", "is",
			    (int64_t)bytes, rel) != DB_OK)
			bad++;
	}
	if (failed)
		*failed += (uint64_t)bad;
	return bad ? -1 : done;
}

static void meta_of(const struct config *cfg, const char *post_url, const char *backend,
		    const char *model, struct xmp_meta *m)
{
	m->site_name = cfg->site_name;
	m->site_url = cfg->site_base_url;
	m->post_url = post_url;
	m->backend = backend && *backend ? backend : "upload";
	m->model = model ? model : "";
}

static char *post_url(struct arena *a, const struct config *cfg, int64_t post_id)
{
	size_t n = strlen(cfg->site_base_url);
	while (n > 0 && cfg->site_base_url[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s/p/%lld", (int)n, cfg->site_base_url, (long long)post_id);
}

static int stamp_post(struct db *db, struct arena *a, const struct config *cfg, int64_t post_id,
		      uint64_t *failed)
{
	struct db_res r;
	struct xmp_meta m;
	if (db_read(db, a, &r,
		    "SELECT p.image_id, IFNULL(g.backend, 'upload'), IFNULL(g.model, '') "
		    "FROM posts p LEFT JOIN generations g ON g.id = p.generation_id WHERE p.id = ? "
		    "AND p.remote = 0",
		    "i", post_id) != DB_OK)
		return -1;
	if (r.nrows == 0)
		return 0;
	meta_of(cfg, post_url(a, cfg, post_id), db_str(&r, 0, 1), db_str(&r, 0, 2), &m);
	return stamp_image(db, a, cfg->media_dir, db_int(&r, 0, 0), &m, failed);
}

int provenance_stamp(struct db *db, struct arena *a, const struct config *cfg, int64_t post_id)
{
	int rc = stamp_post(db, a, cfg, post_id, NULL);
	if (rc < 0)
		log_error("provenance: post %lld: its files are not all stamped "
			  "(run imagier stamp-media)",
			  (long long)post_id);
	return rc;
}

int media_room(const struct config *cfg, const char **why)
{
	long long free_mb = 0;
	if (fs_room(cfg->media_dir, cfg->min_free_mb, &free_mb) != FS_ROOM_FULL)
		return 0; /* room, or cannot tell: the write itself will say */
	log_error("media: %s has %lld MiB free, below media.min_free_mb = %ld: upload refused",
		  cfg->media_dir, free_mb, cfg->min_free_mb);
	*why = "the server's disk is full; try again later";
	return 507;
}

int provenance_store(const struct config *cfg, const char *backend, const char *model,
		     const unsigned char *data, size_t len, struct image_stored *out,
		     const char **why)
{
	int room = media_room(cfg, why);
	if (room) {
		memset(out, 0, sizeof(*out));
		return room;
	}
	struct image_label label;
	provenance_label(cfg, &label);
	int rc = image_store_labelled(cfg->media_dir, data, len, (uint64_t)cfg->max_pixels, &label,
				      out, why);
	if (rc != 0 || !backend)
		return rc;
	struct xmp_meta m;
	meta_of(cfg, "", backend, model, &m);
	for (int i = 0; i < out->nv; i++) {
		uint64_t bytes;
		if (provenance_stamp_file(cfg->media_dir, out->v[i].path, &m, &bytes) == 1)
			out->v[i].bytes = bytes;
	}
	return 0;
}

/* ---- stamp-media ---- */

/* Up to BATCH ids from a query "... WHERE x > ? ORDER BY x LIMIT ?" after
 * *after; returns how many, -1 on a database failure. */
static int next_ids(struct db *db, struct arena *a, const char *sql, int64_t *after, int64_t *ids)
{
	struct db_res r;
	if (db_exec(db, a, &r, sql, "ii", *after, (int64_t)BATCH) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++)
		ids[i] = db_int(&r, i, 0);
	if (r.nrows)
		*after = ids[r.nrows - 1];
	return (int)r.nrows;
}

static int stamp_generations(struct db *db, struct arena *a, const struct config *cfg,
			     FILE *progress, struct provenance_stats *st)
{
	int64_t ids[BATCH], after = 0;
	int n;
	while ((n = next_ids(db, a,
			     "SELECT id FROM generations WHERE id > ? AND status = 'succeeded' AND "
			     "post_id IS NULL AND image_id IS NOT NULL ORDER BY id LIMIT ?",
			     &after, ids)) > 0) {
		for (int i = 0; i < n; i++) {
			struct db_res r;
			struct xmp_meta m;
			arena_reset(a);
			if (db_read(db, a, &r,
				    "SELECT image_id, backend, model FROM generations "
				    "WHERE id = ? AND post_id IS NULL AND image_id IS NOT NULL",
				    "i", ids[i]) != DB_OK)
				return -1;
			st->generations++;
			if (r.nrows == 0)
				continue;
			meta_of(cfg, "", db_str(&r, 0, 1), db_str(&r, 0, 2), &m);
			int rc =
			    stamp_image(db, a, cfg->media_dir, db_int(&r, 0, 0), &m, &st->failed);
			if (rc > 0)
				st->stamped += (uint64_t)rc;
		}
		if (progress)
			fprintf(progress, "stamp-media: %llu unpublished generations looked at\n",
				(unsigned long long)st->generations);
		arena_reset(a);
	}
	return n < 0 ? -1 : 0;
}

int provenance_stamp_all(struct db *db, const struct config *cfg, FILE *progress,
			 struct provenance_stats *st)
{
	struct arena a;
	int64_t ids[BATCH], after = 0;
	int n, rc = 0;
	memset(st, 0, sizeof(*st));
	arena_init(&a);
	while ((n = next_ids(db, &a,
			     "SELECT id FROM posts WHERE id > ? AND remote = 0 ORDER BY id LIMIT ?",
			     &after, ids)) > 0) {
		for (int i = 0; i < n; i++) {
			arena_reset(&a);
			int k = stamp_post(db, &a, cfg, ids[i], &st->failed);
			st->posts++;
			if (k > 0)
				st->stamped += (uint64_t)k;
			if (k > 0 && progress)
				fprintf(progress, "stamp-media: post %lld: %d files stamped\n",
					(long long)ids[i], k);
		}
		if (progress)
			fprintf(progress, "stamp-media: %llu posts looked at, %llu files stamped\n",
				(unsigned long long)st->posts, (unsigned long long)st->stamped);
		arena_reset(&a);
	}
	if (n < 0 || stamp_generations(db, &a, cfg, progress, st) < 0)
		rc = -1;
	arena_free(&a);
	return rc;
}
