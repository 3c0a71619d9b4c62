/* cli_main.c - bin/imagier: admin tasks (migrate, create-admin, delete-user, ...) and request
 * replay. The work is in lib/; here are the arguments and the messages. */
#include "account.h"
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "cli_admin.h"
#include "dataset.h"
#include "db.h"
#include "erase.h"
#include "feed.h"
#include "foryou_pre.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "provenance.h"
#include "sweep.h"
#include "util.h"
#include "worker.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static char *slurp(FILE *f, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *d = xmalloc(cap);
	size_t r;
	while ((r = fread(d + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n > max) {
			free(d);
			return NULL;
		}
		if (cap - n - 1 == 0) {
			cap *= 2;
			d = xrealloc(d, cap);
		}
	}
	d[n] = '\0';
	if (len)
		*len = n;
	return d;
}

/* Apply sql/NNN_name.sql files not yet recorded in schema_migrations. */
static int cmd_migrate(struct config *cfg)
{
	struct db *db = db_new(cfg);
	char err[1400];
	int applied, rc = 1;
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier migrate: cannot connect to the database\n");
	} else if (migrate_apply(db, cfg->sql, stdout, &applied, err, sizeof(err))) {
		if (err[0])
			fprintf(stderr, "imagier migrate: %s\n", err);
	} else {
		if (!applied)
			printf("database is up to date\n");
		rc = 0;
	}
	db_free(db);
	return rc;
}

/* Create the first admin account if there is none. */
static int cmd_create_admin(struct config *cfg)
{
	struct db *db = db_new(cfg);
	struct arena a;
	arena_init(&a);
	int rc = 1, st;
	int64_t id;
	if (auth_init() || db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier create-admin: cannot connect to the database\n");
		goto out;
	}
	if ((st = account_find(db, &a, "admin", &id)) == 0) {
		printf("the admin account exists\n");
		rc = 0;
		goto out;
	}
	if (st != 404)
		goto out;
	const char *env = getenv("IMAGIER_ADMIN_PASSWORD");
	char generated[AUTH_TOKEN_LEN + 1];
	const char *pw = env;
	if (!pw || !*pw) {
		auth_token_new(generated);
		generated[20] = '\0';
		pw = generated;
	} else if (auth_password_problem(pw, "admin")) {
		fprintf(stderr, "imagier create-admin: IMAGIER_ADMIN_PASSWORD: %s\n",
			auth_password_problem(pw, "admin"));
		goto out;
	}
	if (account_insert(db, &a, "admin", pw, "admin", &id)) {
		fprintf(stderr, "imagier create-admin: could not create the account\n");
		goto out;
	}
	if (pw == generated)
		printf("created the admin account: username admin, password %s\n"
		       "(shown only this once)\n",
		       pw);
	else
		printf("created the admin account with IMAGIER_ADMIN_PASSWORD\n");
	sodium_memzero(generated, sizeof(generated));
	rc = 0;
out:
	db_free(db);
	arena_free(&a);
	return rc;
}

/* Delete an account and everything of it, as its owner can on
 * /settings/delete (lib/erase.c), without their password. 0 done, 1 failed,
 * 2 usage, unknown user, or the only admin. */
static int cmd_delete_user(struct config *cfg, int argc, char **argv)
{
	if (argc != 3 || argv[2][0] == '-') {
		fprintf(stderr, "usage: imagier delete-user USER\n");
		return 2;
	}
	const char *name = argv[2];
	struct db *db = db_new(cfg);
	struct cache *cache = cache_new(cfg);
	struct arena a;
	arena_init(&a);
	struct erase_stats st;
	int64_t id;
	int rc = 1, found;
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier delete-user: cannot connect to the database\n");
	} else if ((found = account_find(db, &a, name, &id)) == 404) {
		fprintf(stderr, "imagier delete-user: there is no user %s\n", name);
		rc = 2;
	} else if (found) {
		fprintf(stderr, "imagier delete-user: the database is not answering\n");
	} else {
		switch (erase_account(db, cache, &a, cfg, id, &st)) {
		case 0:
			printf("deleted %s and everything of theirs (%zu files", name, st.files);
			if (st.cached_keys >= 0)
				printf(", %ld cached keys", st.cached_keys);
			printf(")\n");
			rc = 0;
			break;
		case 404:
			fprintf(stderr, "imagier delete-user: there is no user %s\n", name);
			rc = 2;
			break;
		case 409:
			fprintf(stderr,
				"imagier delete-user: %s is the only admin: make someone else "
				"admin first; nothing was deleted\n",
				name);
			rc = 2;
			break;
		default:
			fprintf(stderr, "imagier delete-user: the database is not answering; "
					"nothing was deleted\n");
		}
	}
	cache_free(cache);
	db_free(db);
	arena_free(&a);
	return rc;
}

/* Serve one request described by CGI variables and stdin; print the raw
 * response. The fastest way to reproduce a bug (Fossil's test-http). */
static int cmd_request(void)
{
	struct app app;
	char err[512];
	if (app_init(&app, err, sizeof(err))) {
		fprintf(stderr, "imagier request: %s\n", err);
		return 1;
	}
	struct request req;
	request_from_env(&req, &app.arena, environ);
	size_t len = 0;
	int body_status = 0;
	if (getenv("CONTENT_LENGTH") && *getenv("CONTENT_LENGTH")) {
		char *body = slurp(stdin, app.lim.max_body, &len);
		if (!body) {
			body_status = 413;
		} else {
			req.body = (unsigned char *)arena_strndup(&app.arena, body, len);
			req.body_len = len;
			free(body);
		}
	}
	if (!body_status)
		body_status = request_cookies(&req, &app.lim);
	struct response resp;
	memset(&resp, 0, sizeof(resp));
	dispatch(&app, &req, &resp, body_status);
	printf("Status: %d\r\n%s\r\n", resp.status, buf_cstr(&resp.head));
	fwrite(resp.body.data ? resp.body.data : "", 1, resp.body.len, stdout);
	buf_free(&resp.head);
	buf_free(&resp.body);
	app_free(&app);
	return resp.status >= 500;
}

/* Remove media files no row points at (older than --grace seconds). */
static int cmd_sweep_media(struct config *cfg, int argc, char **argv)
{
	int64_t grace = 3600;
	int dry = 0;
	for (int i = 2; i < argc; i++) {
		uint64_t v;
		if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else if (!strcmp(argv[i], "--grace") && i + 1 < argc &&
			 str_to_u64(argv[i + 1], 1u << 30, &v) == 0) {
			grace = (int64_t)v;
			i++;
		} else {
			fprintf(stderr,
				"usage: imagier sweep-media [--dry-run] [--grace SECONDS]\n");
			return 2;
		}
	}
	struct db *db = db_new(cfg);
	struct sweep_stats st;
	int rc = 1;
	if (db_connect(db) != DB_OK)
		fprintf(stderr, "imagier sweep-media: cannot connect to the database\n");
	else if (media_sweep(db, cfg->media_dir, grace, dry, &st) == 0) {
		printf("%s %llu orphaned files and %llu temporary files; kept %llu, %llu too young "
		       "to judge\n",
		       dry ? "would remove" : "removed", (unsigned long long)st.removed,
		       (unsigned long long)st.tmp_removed, (unsigned long long)st.kept,
		       (unsigned long long)st.young);
		printf("%s %llu files of hidden or removed posts (in or out of the withheld "
		       "store)\n",
		       dry ? "would move" : "moved", (unsigned long long)st.moved);
		rc = 0;
	}
	db_free(db);
	return rc;
}

/* Write the training dataset: posts whose authors consent, see lib/dataset.h. */
static int cmd_export_dataset(struct config *cfg, int argc, char **argv)
{
	struct dataset_opts o = {0};
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			o.out_dir = argv[++i];
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			if (dataset_parse_time(argv[++i], &o.since)) {
				fprintf(
				    stderr,
				    "imagier export-dataset: --since %s: give a date (2026-11-24) "
				    "or an RFC 3339 time (2026-11-24T10:00:00Z)\n",
				    argv[i]);
				return 2;
			}
			o.has_since = 1;
		} else if (!strcmp(argv[i], "--resume")) {
			o.resume = 1;
		} else {
			o.out_dir = NULL;
			break;
		}
	}
	if (!o.out_dir || !*o.out_dir) {
		fprintf(stderr,
			"usage: imagier export-dataset --out DIR [--since DATE] [--resume]\n");
		return 2;
	}
	if (!cfg->site_secret[0]) {
		fprintf(stderr, "imagier export-dataset: site.secret is not set (it keys the "
				"authors' pseudonyms)\n");
		return 1;
	}
	o.media_dir = cfg->media_dir;
	o.secret = cfg->site_secret;
	o.progress = stderr;
	o.progress_tty = isatty(STDERR_FILENO);
	struct db *db = db_new(cfg);
	struct dataset_result res;
	int rc = 1;
	if (auth_init() || db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier export-dataset: cannot connect to the database\n");
	} else if ((rc = dataset_export(db, &o, &res)) != 0) {
		fprintf(stderr, "imagier export-dataset: %s%s\n", res.error,
			rc == 1 ? "; nothing was recorded and this run's files were removed" : "");
	} else {
		printf("export %lld: %llu posts in %s/manifest.jsonl (%llu new, %llu already there",
		       (long long)res.export_id, (unsigned long long)res.items, o.out_dir,
		       (unsigned long long)res.added, (unsigned long long)res.kept);
		if (res.dropped)
			printf(", %llu removed as no longer eligible",
			       (unsigned long long)res.dropped);
		printf("); %llu to withdraw in %s/withdrawn.jsonl\n",
		       (unsigned long long)res.withdrawn, o.out_dir);
		if (res.missing)
			printf("%llu eligible posts skipped: their image is missing from the media "
			       "store\n",
			       (unsigned long long)res.missing);
		if (res.error[0])
			fprintf(stderr, "imagier export-dataset: warning: %s\n", res.error);
	}
	db_free(db);
	return rc;
}

/* Stamp the files of posts (and unpublished generations) made before
 * provenance metadata existed; files that have it already are left. */
static int cmd_stamp_media(struct config *cfg)
{
	struct db *db = db_new(cfg);
	struct provenance_stats st;
	int rc = 1;
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier stamp-media: cannot connect to the database\n");
	} else if (provenance_stamp_all(db, cfg, stderr, &st) != 0) {
		fprintf(stderr, "imagier stamp-media: the database failed after %llu posts\n",
			(unsigned long long)st.posts);
	} else {
		printf("stamped %llu files (%llu posts, %llu unpublished generations); "
		       "%llu failed\n",
		       (unsigned long long)st.stamped, (unsigned long long)st.posts,
		       (unsigned long long)st.generations, (unsigned long long)st.failed);
		rc = st.failed ? 1 : 0;
	}
	db_free(db);
	return rc;
}

/* The "for you" candidates now: the global row, then the people named (or,
 * with none named, everybody queued for a refresh), as imagier-gen's job
 * does every few seconds. */
static int cmd_foryou_refresh(struct config *cfg, int argc, char **argv)
{
	struct db *db = db_new(cfg);
	struct arena a;
	arena_init(&a);
	int rc = 1, n = 0;
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier foryou-refresh: cannot connect to the database\n");
		goto out;
	}
	if (foryou_pre_global(db, &a)) {
		fprintf(stderr, "imagier foryou-refresh: the global candidates failed\n");
		goto out;
	}
	for (int i = 2; i < argc; i++) {
		int64_t id;
		arena_reset(&a);
		int st = account_find(db, &a, argv[i], &id);
		if (st) {
			fprintf(stderr, "imagier foryou-refresh: %s: %s\n", argv[i],
				st == 404 ? "no such user" : "the database is not answering");
			rc = st == 404 ? 2 : 1;
			goto out;
		}
		if (foryou_pre_build(db, &a, id, NULL, NULL)) {
			fprintf(stderr, "imagier foryou-refresh: %s: failed\n", argv[i]);
			goto out;
		}
		n++;
	}
	if (argc <= 2) {
		char worker[64];
		snprintf(worker, sizeof(worker), "cli-%ld", (long)getpid());
		int got;
		do {
			arena_reset(&a);
			got = foryou_job(db, &a, worker, 64);
			n += got > 0 ? got : 0;
		} while (got > 0);
		if (got < 0)
			goto out;
	}
	printf("for you: %d %s refreshed\n", n, n == 1 ? "person" : "people");
	rc = 0;
out:
	arena_free(&a);
	db_free(db);
	return rc;
}

/* imagier cache-post ID: memcached's copy of a post, as JSON (the copy is
 * packed, lib/json.c): what an operator or a test wants to see. */
static int cmd_cache_post(const struct config *cfg, int argc, char **argv)
{
	uint64_t id;
	if (argc != 3 || str_to_u64(argv[2], INT64_MAX, &id) || !id) {
		fprintf(stderr, "usage: imagier cache-post ID\n");
		return 2;
	}
	struct cache *cache = cache_new(cfg);
	struct arena a;
	arena_init(&a);
	cJSON *post = NULL;
	int rc = 1;
	if (feed_post_cached(cache, &a, (int64_t)id, &post)) {
		fprintf(stderr, "imagier cache-post: memcached has no usable copy of post %llu\n",
			(unsigned long long)id);
	} else {
		char *s = post ? json_print(post) : NULL;
		printf("%s\n", s ? s : "0");
		free(s);
		rc = 0;
	}
	cJSON_Delete(post);
	arena_free(&a);
	cache_free(cache);
	return rc;
}

static void usage(void)
{
	printf("usage: imagier COMMAND\n"
	       "  migrate        apply the numbered files in sql/ that are not applied yet\n"
	       "  create-admin   create the account 'admin' if missing (password printed once,\n"
	       "                 or taken from IMAGIER_ADMIN_PASSWORD)\n"
	       "  request        serve one request from CGI variables (REQUEST_METHOD,\n"
	       "                 REQUEST_URI, ...) and stdin; print the response\n"
	       "  sweep-media    put withheld files in place, remove media files no post points\n"
	       "                 at [--dry-run] [--grace S]\n"
	       "  stamp-media    put the provenance XMP into the image files that lack it\n"
	       "  export-dataset write the training dataset of consenting authors' posts:\n"
	       "                 --out DIR [--since DATE] [--resume] (docs/OPERATIONS.md)\n"
	       "  delete-user    delete the account USER and everything of it, as its owner\n"
	       "                 can in the settings (never the only admin)\n"
	       "  foryou-refresh gather the \"for you\" candidates now: of the users named, or\n"
	       "                 of everybody queued for it ([USER...])\n"
	       "  cache-post     print memcached's copy of post ID as JSON (0: not shown)\n"
	       "  config         print the effective configuration (no secrets)\n");
	cli_admin_usage(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof(err))) {
		fprintf(stderr, "imagier: %s\n", err);
		return 1;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "migrate"))
		return cmd_migrate(&cfg);
	if (!strcmp(cmd, "create-admin"))
		return cmd_create_admin(&cfg);
	if (!strcmp(cmd, "delete-user"))
		return cmd_delete_user(&cfg, argc, argv);
	if (!strcmp(cmd, "sweep-media"))
		return cmd_sweep_media(&cfg, argc, argv);
	if (!strcmp(cmd, "export-dataset"))
		return cmd_export_dataset(&cfg, argc, argv);
	if (!strcmp(cmd, "stamp-media"))
		return cmd_stamp_media(&cfg);
	if (!strcmp(cmd, "foryou-refresh"))
		return cmd_foryou_refresh(&cfg, argc, argv);
	if (!strcmp(cmd, "request"))
		return cmd_request();
	if (!strcmp(cmd, "cache-post"))
		return cmd_cache_post(&cfg, argc, argv);
	if (cli_admin_handles(cmd))
		return cli_admin(&cfg, argc, argv);
	if (!strcmp(cmd, "config")) {
		printf("root = %s\nvar = %s\nport = %d\nlisten = %s\nworkers = %d\n"
		       "db.socket = %s\ndb.name = %s\ncache.servers = %s\nmedia.dir = %s\n"
		       "site.base_url = %s\n",
		       cfg.root, cfg.var, cfg.port, cfg.listen, cfg.workers, cfg.db_socket,
		       cfg.db_name, cfg.cache_servers, cfg.media_dir, cfg.site_base_url);
		return 0;
	}
	usage();
	return 2;
}
