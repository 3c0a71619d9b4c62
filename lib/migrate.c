/* migrate.c - applying the numbered files of sql/. */
#include "migrate.h"
#include "db.h"
#include "fileio.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SCRIPT (1 << 24)

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A whole script as a string (malloc'd), or NULL. */
static char *read_script(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *s = NULL;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size <= MAX_SCRIPT) {
		s = xmalloc((size_t)st.st_size + 1);
		if (fd_read_all(fd, s, (size_t)st.st_size) == 0) {
			s[st.st_size] = '\0';
		} else {
			free(s);
			s = NULL;
		}
	}
	close(fd);
	return s;
}

/* The migration files of dir ("NNN_name.sql"), sorted; names[] malloc'd. */
static size_t list_scripts(DIR *d, char **names, size_t max)
{
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);
		if (l > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    !strcmp(e->d_name + l - 4, ".sql"))
			names[n++] = xstrdup(e->d_name);
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

/* Apply one script unless recorded. 1 applied, 0 there already, -1. The
 * check reads with db_exec, not db_read: it must see this connection's own
 * record of the previous file, never a replica's older copy. */
static int apply_one(struct db *db, struct arena *a, const char *dir, const char *name, char *err,
		     size_t errlen)
{
	struct db_res r;
	int64_t ver = strtoll(name, NULL, 10);
	if (db_exec(db, a, &r, "SELECT 1 FROM schema_migrations WHERE version = ?", "i", ver) !=
	    DB_OK)
		return -1;
	if (r.nrows)
		return 0;
	char *path = arena_printf(a, "%s/%s", dir, name);
	char *script = read_script(path);
	char why[1024];
	int rc = -1;
	if (!script || db_run_script(db, script, why, sizeof(why)) != DB_OK)
		snprintf(err, errlen, "%s failed: %s", name, script ? why : "cannot read");
	else if (db_exec(db, a, NULL,
			 "INSERT INTO schema_migrations (version, name, applied_at) "
			 "VALUES (?, ?, ?)",
			 "isi", ver, name, now_unix()) == DB_OK)
		rc = 1;
	free(script);
	return rc;
}

int migrate_apply(struct db *db, const char *sql_dir, FILE *out, int *applied, char *err,
		  size_t errlen)
{
	struct arena a;
	struct db_res r;
	int rc = -1;
	arena_init(&a);
	*applied = 0;
	err[0] = '\0';
	/* (GET_LOCK is a SELECT that takes a lock: not a read, db_exec) */
	if (db_exec(
		db, &a, NULL,
		"CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY,"
		" name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB",
		"") != DB_OK ||
	    db_exec(db, &a, &r, "SELECT GET_LOCK('imagier_migrate', 60)", "") != DB_OK ||
	    db_int(&r, 0, 0) != 1) {
		snprintf(err, errlen, "cannot take the migration lock");
		goto out;
	}
	DIR *d = opendir(sql_dir);
	if (!d) {
		snprintf(err, errlen, "cannot open %s", sql_dir);
		goto out;
	}
	char *names[1000] = {0};
	size_t n = list_scripts(d, names, ARRAY_LEN(names));
	closedir(d);
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int one = apply_one(db, &a, sql_dir, names[i], err, errlen);
		if (one < 0) {
			rc = -1;
		} else if (one) {
			fprintf(out, "applied %s\n", names[i]);
			(*applied)++;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	db_exec(db, &a, &r, "SELECT RELEASE_LOCK('imagier_migrate')", "");
out:
	arena_free(&a);
	return rc;
}
