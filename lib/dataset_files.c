/* dataset_files.c - the output of `imagier export-dataset`: the directory,
 * the images (hard links or copies), the manifest and the withdrawals, each
 * through a temp name or appended line by line, and their removal when the
 * run fails (dataset_int.h). */
#include "dataset_int.h"
#include "fileio.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const reasons[] = {"deleted", "author_banned", "moderation",
				      "consent_withdrawn"};

void dataset_items_add(struct items *v, int64_t id, int64_t event)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->v = xrealloc(v->v, v->cap * sizeof(*v->v));
	}
	v->v[v->n].id = id;
	v->v[v->n++].event = event;
}

int dataset_fail(struct run *x, const char *what, const char *path, int err)
{
	if (!x->res->error[0])
		snprintf(x->res->error, sizeof(x->res->error), "%s %s: %s", what, path,
			 strerror(err));
	return -1;
}

static void remember(struct run *x, const char *path)
{
	if (x->ncreated == x->capcreated) {
		x->capcreated = x->capcreated ? x->capcreated * 2 : 64;
		x->created = xrealloc(x->created, x->capcreated * sizeof(*x->created));
	}
	x->created[x->ncreated++] = xstrdup(path);
}

/* Count one write to the output; the test hook fails the Nth. */
static int hook(struct run *x)
{
	if (x->fail_after > 0 && ++x->writes >= x->fail_after) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int dataset_write_all(struct run *x, int fd, const void *data, size_t n, const char *path)
{
	if (hook(x) || fd_write_all(fd, data, n))
		return dataset_fail(x, "cannot write", path, errno);
	return 0;
}

int dataset_fsync_dir(struct run *x, const char *path)
{
	if (dir_fsync(path))
		return dataset_fail(x, "cannot sync", path, errno);
	return 0;
}

void dataset_progress(struct run *x, int final)
{
	FILE *f = x->o->progress;
	if (!f)
		return;
	uint64_t step = x->o->progress_tty ? x->total / 200 : x->total / 10;
	if (!final && x->done - x->last_shown < (step ? step : 1))
		return;
	if (final && x->shown && x->last_shown == x->done) { /* that count is up already */
		if (x->o->progress_tty)
			fputc('\n', f);
		fflush(f);
		return;
	}
	x->last_shown = x->done;
	x->shown = 1;
	if (x->o->progress_tty) {
		static const char bar[] = "##############################"
					  "                              ";
		int w = 30, fill = x->total ? (int)(x->done * (uint64_t)w / x->total) : w;
		fprintf(f, "\r[%.*s%.*s] %llu/%llu posts", fill, bar, w - fill, bar + 30,
			(unsigned long long)x->done, (unsigned long long)x->total);
		if (final)
			fputc('\n', f);
	} else {
		fprintf(f, "export-dataset: %llu/%llu posts\n", (unsigned long long)x->done,
			(unsigned long long)x->total);
	}
	fflush(f);
}

/* 1 if dir has any entry, 0 if empty, -1 if it cannot be read. */
static int dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int any = 0;
	while (!any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}

/* Make out_dir and out_dir/images; refuse a non-empty out_dir unless resume. */
int dataset_prepare_dir(struct run *x)
{
	const char *dir = x->o->out_dir;
	if (mkdir(dir, 0755) == 0)
		x->made_dir = 1;
	else if (errno != EEXIST)
		return dataset_fail(x, "cannot create", dir, errno);
	int any = dir_has_entries(dir);
	if (any < 0)
		return dataset_fail(x, "cannot read", dir, errno);
	if (any && !x->o->resume) {
		snprintf(x->res->error, sizeof(x->res->error),
			 "%s is not empty: use --resume to continue an export there, or give an "
			 "empty or new directory",
			 dir);
		return -2;
	}
	char real[PATH_MAX];
	x->dir = arena_strdup(&x->keep, realpath(dir, real) ? real : dir);
	x->images = arena_printf(&x->keep, "%s/images", x->dir);
	if (mkdir(x->images, 0755) == 0)
		x->made_images = 1;
	else if (errno != EEXIST)
		return dataset_fail(x, "cannot create", x->images, errno);
	/* Temp files a killed run left. */
	DIR *d = opendir(x->images);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, ".tmp-", 5))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	return 0;
}

static int known_cmp(const void *pa, const void *pb)
{
	const struct known *ka = pa, *kb = pb;
	if (ka->id != kb->id)
		return ka->id < kb->id ? -1 : 1;
	return ka->line < kb->line ? -1 : ka->line > kb->line;
}

/* id and consent record of one manifest line, or -1 if it is not one. */
static int line_ids(const char *line, int64_t *id, int64_t *event)
{
	cJSON *j = cJSON_Parse(line);
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "consent");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "record_id");
	int ok = cJSON_IsNumber(i) && cJSON_IsNumber(r);
	if (ok) {
		*id = (int64_t)i->valuedouble;
		*event = (int64_t)r->valuedouble;
	}
	cJSON_Delete(j);
	return ok ? 0 : -1;
}

/* Open (or create) the manifest. On resume, read the posts it holds and cut
 * a partial last line (a killed run). */
int dataset_open_manifest(struct run *x)
{
	char *path = arena_printf(&x->a, "%s/manifest.jsonl", x->dir);
	x->man_fd = open(path, O_RDWR | O_CLOEXEC);
	if (x->man_fd < 0 && errno == ENOENT) {
		x->man_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		x->man_made = x->man_fd >= 0;
	}
	if (x->man_fd < 0)
		return dataset_fail(x, "cannot open", path, errno);
	if (x->man_made)
		return 0;
	FILE *f = fdopen(dup(x->man_fd), "r");
	if (!f)
		return dataset_fail(x, "cannot read", path, errno);
	char *line = NULL;
	size_t cap = 0, nline = 0, kcap = 0;
	ssize_t len;
	off_t good = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* partial: cut below */
		int64_t id, ev;
		if (line_ids(line, &id, &ev)) {
			snprintf(x->res->error, sizeof(x->res->error),
				 "cannot resume: line %zu of %s is not a manifest entry", nline + 1,
				 path);
			rc = -1;
			break;
		}
		if (x->nknown == kcap) {
			kcap = kcap ? kcap * 2 : 256;
			x->known = xrealloc(x->known, kcap * sizeof(*x->known));
		}
		x->known[x->nknown++] = (struct known){id, ev, nline++, 0};
		good += len;
	}
	free(line);
	fclose(f);
	if (rc)
		return rc;
	if (ftruncate(x->man_fd, good) != 0 || lseek(x->man_fd, good, SEEK_SET) < 0)
		return dataset_fail(x, "cannot truncate", path, errno);
	x->man_start = good;
	/* Sorted by id; of several lines for one id only the last counts. */
	if (x->nknown)
		qsort(x->known, x->nknown, sizeof(*x->known), known_cmp);
	size_t u = 0;
	for (size_t i = 0; i < x->nknown; i++) {
		if (i && x->known[i].id == x->known[i - 1].id)
			x->compact = 1;
		if (u && x->known[u - 1].id == x->known[i].id)
			x->known[u - 1] = x->known[i];
		else
			x->known[u++] = x->known[i];
		if (i && x->known[i].line < x->known[i - 1].line)
			x->compact = 1;
	}
	x->nknown = u;
	return 0;
}

struct known *dataset_known_find(struct run *x, int64_t id)
{
	struct known key = {id, 0, 0, 0};
	size_t lo = 0, hi = x->nknown;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->known[mid].id < key.id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nknown && x->known[lo].id == id ? &x->known[lo] : NULL;
}

/* Put the media file src (under media_dir) at images/<name>: a hard link
 * when on the same file system, else a copy; both through a temp name. The
 * SHA-256 and size of the bytes go to sha/bytes. */
int dataset_put_image(struct run *x, const char *src_rel, const char *name, char sha[65],
		      uint64_t *bytes)
{
	char *src = arena_printf(&x->a, "%s/%s", x->o->media_dir, src_rel);
	char *tmp = arena_printf(&x->a, "%s/.tmp-%s", x->images, name);
	char *dst = arena_printf(&x->a, "%s/%s", x->images, name);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? 1 : dataset_fail(x, "cannot read", src, errno);
	int out = -1, rc = -1, linked = 0;
	remember(x, tmp);
	unlink(tmp);
	if (hook(x) == 0 && link(src, tmp) == 0)
		linked = 1;
	else if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
		dataset_fail(x, "cannot write", tmp, errno);
		goto out;
	}
	if (!linked && (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		dataset_fail(x, "cannot create", tmp, errno);
		goto out;
	}
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	unsigned char buf[65536], digest[32];
	ssize_t n;
	*bytes = 0;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			dataset_fail(x, "cannot read", src, errno);
			goto out;
		}
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		*bytes += (uint64_t)n;
		if (out >= 0 && dataset_write_all(x, out, buf, (size_t)n, dst))
			goto out;
	}
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(sha, 65, digest, sizeof(digest));
	if (out >= 0) {
		int e = fsync(out) != 0 ? errno : 0;
		if (close(out) != 0 && !e)
			e = errno;
		out = -1;
		if (e) {
			dataset_fail(x, "cannot write", dst, e);
			goto out;
		}
	}
	/* Undo removes only what this run created: an image that was there
	 * (a post whose consent record changed) is the same picture again. */
	if (access(dst, F_OK) != 0)
		remember(x, dst);
	if (rename(tmp, dst) != 0) {
		dataset_fail(x, "cannot rename", tmp, errno);
		goto out;
	}
	rc = 0;
out:
	if (out >= 0)
		close(out);
	close(in);
	if (rc)
		unlink(tmp);
	return rc;
}

int dataset_item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

int dataset_in_items(const struct items *v, int64_t id)
{
	struct item key = {id, 0};
	return v->n && bsearch(&key, v->v, v->n, sizeof(key), dataset_item_cmp) != NULL;
}

/* withdrawn.jsonl, under a temp name (renamed once the database agrees).
 * A post this run exported after all (consent given again) is not listed. */
int dataset_write_withdrawn(struct run *x)
{
	char *tmp = arena_printf(&x->a, "%s/.tmp-withdrawn.jsonl", x->dir);
	remember(x, tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return dataset_fail(x, "cannot create", tmp, errno);
	size_t u = 0;
	for (size_t i = 0; i < x->withdraw.n; i++) {
		struct item w = x->withdraw.v[i];
		if (dataset_in_items(&x->out, w.id))
			continue;
		x->withdraw.v[u++] = w;
		char line[96];
		int n = snprintf(line, sizeof(line), "{\"id\":%lld,\"reason\":\"%s\"}\n",
				 (long long)w.id, reasons[w.event]);
		if (dataset_write_all(x, fd, line, (size_t)n, tmp)) {
			close(fd);
			return -1;
		}
	}
	x->withdraw.n = u;
	x->res->withdrawn = u;
	int e = fsync(fd) != 0 ? errno : 0;
	if (close(fd) != 0 && !e)
		e = errno;
	return e ? dataset_fail(x, "cannot write", tmp, e) : 0;
}

struct mline {
	int64_t id;
	size_t idx;
	char *text;
};

static int mline_cmp(const void *pa, const void *pb)
{
	const struct mline *a = pa, *b = pb;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Resume only: the manifest again, by id, one line per post of this run's
 * result (the last line of a post wins), to a temp name. */
int dataset_write_compacted(struct run *x)
{
	char *path = arena_printf(&x->a, "%s/manifest.jsonl", x->dir);
	char *tmp = arena_printf(&x->a, "%s/.tmp-manifest.jsonl", x->dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return dataset_fail(x, "cannot read", path, errno);
	struct mline *v = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	char *line = NULL;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		int64_t id, ev;
		if (line_ids(line, &id, &ev) || !dataset_in_items(&x->out, id))
			continue;
		if (n == lcap) {
			lcap = lcap ? lcap * 2 : 256;
			v = xrealloc(v, lcap * sizeof(*v));
		}
		v[n] = (struct mline){id, n, xstrdup(line)};
		n++;
	}
	free(line);
	fclose(f);
	if (n)
		qsort(v, n, sizeof(*v), mline_cmp);
	remember(x, tmp);
	int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		dataset_fail(x, "cannot create", tmp, errno);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if ((i + 1 == n || v[i + 1].id != v[i].id) &&
		    dataset_write_all(x, fd, v[i].text, strlen(v[i].text), tmp))
			goto out;
	if (fsync(fd) != 0) {
		dataset_fail(x, "cannot write", tmp, errno);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && !rc)
		rc = dataset_fail(x, "cannot write", tmp, errno);
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
	return rc;
}

/* After the commit: temp names to their places, images of posts no longer
 * in the manifest (resume) removed. Errors here are reported but the
 * export stands. */
void dataset_finish_files(struct run *x)
{
	char *w = arena_printf(&x->a, "%s/withdrawn.jsonl", x->dir);
	if (rename(arena_printf(&x->a, "%s/.tmp-withdrawn.jsonl", x->dir), w) != 0)
		dataset_fail(x, "cannot rename to", w, errno);
	if (x->compact) {
		char *m = arena_printf(&x->a, "%s/manifest.jsonl", x->dir);
		if (rename(arena_printf(&x->a, "%s/.tmp-manifest.jsonl", x->dir), m) != 0)
			dataset_fail(x, "cannot rename to", m, errno);
	}
	if (x->o->resume) {
		DIR *d = opendir(x->images);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *end;
			long long id = strtoll(e->d_name, &end, 10);
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && *end == '.' &&
			    !dataset_in_items(&x->out, id) && unlinkat(dirfd(d), e->d_name, 0) == 0)
				x->res->dropped++;
		}
		if (d)
			closedir(d);
	}
	dataset_fsync_dir(x, x->images);
	dataset_fsync_dir(x, x->dir);
}

/* On failure: everything this run made goes, the manifest back to its length. */
void dataset_undo(struct run *x)
{
	for (size_t i = x->ncreated; i-- > 0;)
		unlink(x->created[i]);
	if (x->man_fd >= 0 && !x->man_made && ftruncate(x->man_fd, x->man_start) != 0) {
		/* reported by the caller's message already */
	}
	if (x->man_made)
		unlink(arena_printf(&x->a, "%s/manifest.jsonl", x->dir));
	if (x->made_images)
		rmdir(x->images);
	if (x->made_dir)
		rmdir(x->dir ? x->dir : x->o->out_dir);
}
