/* export.c - personal data exports (see export.h). The archive is written
 * to "<file>.part" and renamed when complete, so a half-written archive is
 * never offered; a job interrupted by a restart starts again from zero. */
#include "export.h"
#include "json.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "post.h"
#include "tar.h"
#include "util.h"
#include "withhold.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_LEASE 600 /* seconds; renewed with every progress update */

/* One JSON file of the archive: a query with the person's id for every '?'
 * and its columns as "name:kind" (s string, i number, t time, b boolean,
 * j JSON text); one object, or an array of them. */
static const struct section {
	const char *file;
	int many;
	const char *cols;
	const char *sql;
} sections[] = {
    {"profile.json", 0,
     "username:s,role:s,bio:s,created_at:t,post_count:i,follower_count:i,following_count:i,"
     "training_consent:b,content_warnings:s,warnings:i,suspended_until:t",
     "SELECT username, role, bio, created_at, post_count, follower_count, following_count, "
     "training_consent, cw_pref, warnings, suspended_until FROM users WHERE id = ?"},
    {"generations.json", 1,
     "id:i,status:s,prompt:s,negative_prompt:s,style:s,seed:s,width:i,height:i,backend:s,"
     "model:s,remix_of:i,post_id:i,error:s,created_at:t,finished_at:t",
     "SELECT id, status, prompt, negative_prompt, style, seed, width, height, backend, model, "
     "parent_id, post_id, error, created_at, finished_at FROM generations WHERE user_id = ? "
     "ORDER BY id"},
    {"comments.json", 1, "id:i,post_id:i,reply_to:i,text:s,created_at:t,deleted:b,state:s",
     "SELECT id, post_id, parent_id, text, created_at, deleted, mod_state FROM comments WHERE "
     "user_id = ? ORDER BY id"},
    {"likes.json", 1, "post_id:i,created_at:t",
     "SELECT post_id, created_at FROM likes WHERE user_id = ? ORDER BY created_at, post_id"},
    {"following.json", 1, "username:s,since:t",
     "SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.followee_id "
     "WHERE f.follower_id = ? ORDER BY f.created_at, u.id"},
    {"followers.json", 1, "username:s,since:t",
     "SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.follower_id "
     "WHERE f.followee_id = ? ORDER BY f.created_at, u.id"},
    {"followed_tags.json", 1, "tag:s,since:t",
     "SELECT t.name, tf.created_at FROM tag_follows tf JOIN tags t ON t.id = tf.tag_id WHERE "
     "tf.user_id = ? ORDER BY tf.created_at, t.id"},
    {"notifications.json", 1, "id:i,kind:s,actor:s,post_id:i,comment_id:i,created_at:t,read_at:t",
     "SELECT n.id, n.kind, IF(n.kind = 'moderation', 'moderators', u.username), n.post_id, "
     "n.comment_id, n.created_at, n.read_at FROM notifications n JOIN users u ON u.id = "
     "n.actor_id WHERE n.user_id = ? ORDER BY n.id"},
    {"consent_history.json", 1, "id:i,post_id:i,value:s,created_at:t",
     "SELECT id, post_id, value, created_at FROM consent_events WHERE user_id = ? ORDER BY id"},
    {"moderation.json", 1,
     "id:i,action:s,target_type:s,target_id:i,reason:s,detail:s,until:t,created_at:t",
     "SELECT id, action, target_type, target_id, reason, detail, until_at, created_at FROM "
     "mod_actions WHERE subject_id = ? AND action <> 'dismiss' ORDER BY id"},
    {"appeals.json", 1, "id:i,action_id:i,note:s,created_at:t,decided_at:t,decision:s",
     "SELECT id, action_id, note, created_at, decided_at, decision FROM appeals WHERE "
     "user_id = ? ORDER BY id"},
    {"reports_made.json", 1, "target_type:s,target_id:i,reason:s,note:s,created_at:t",
     "SELECT target_type, target_id, reason, note, created_at FROM reports WHERE reporter_id = "
     "? ORDER BY id"},
    {"muted_people.json", 1, "username:s,since:t",
     "SELECT u.username, m.created_at FROM mutes m JOIN users u ON u.id = m.target_id WHERE "
     "m.user_id = ? ORDER BY m.created_at"},
    {"blocked_people.json", 1, "username:s,since:t",
     "SELECT u.username, b.created_at FROM blocks b JOIN users u ON u.id = b.target_id WHERE "
     "b.user_id = ? ORDER BY b.created_at"},
    {"muted_terms.json", 1, "kind:s,term:s",
     "SELECT kind, term FROM muted_terms WHERE user_id = ? ORDER BY kind, term"},
};

/* Columns first.. of a row as an object named by cols. */
static cJSON *row_json(struct arena *a, const struct db_res *r, size_t row, size_t first,
		       const char *cols)
{
	cJSON *o = cJSON_CreateObject();
	char *spec = arena_strdup(a, cols);
	size_t col = first;
	for (char *save = NULL, *f = strtok_r(spec, ",", &save); f && col < r->ncols;
	     f = strtok_r(NULL, ",", &save), col++) {
		char *colon = strchr(f, ':');
		if (!colon)
			continue;
		*colon = 0;
		const char *v = db_str(r, row, col);
		char kind = colon[1];
		if (!v)
			cJSON_AddNullToObject(o, f);
		else if (kind == 'i')
			cJSON_AddNumberToObject(o, f, (double)db_int(r, row, col));
		else if (kind == 'b')
			cJSON_AddBoolToObject(o, f, db_int(r, row, col) != 0);
		else if (kind == 't')
			cJSON_AddStringToObject(o, f, time_iso(a, db_int(r, row, col)));
		else
			cJSON_AddStringToObject(o, f, v);
	}
	return o;
}

/* The person's posts, each with its image's file in the archive. */
static cJSON *posts_json(struct db *db, struct arena *a, int64_t uid, struct db_res *r)
{
	if (db_read(
		db, a, r,
		"SELECT p.id, p.prompt, p.caption, p.tags, p.created_at, p.mod_state, "
		"p.content_warning, p.training_consent, p.like_count, p.comment_count, "
		"p.remix_count, p.parent_id, p.root_id, g.id, g.negative_prompt, g.seed, g.width, "
		"g.height, g.backend, g.model, g.style, i.width, i.height, i.sha256, i.variants "
		"FROM posts p JOIN images i ON i.id = p.image_id LEFT JOIN generations g ON "
		"g.id = p.generation_id WHERE p.user_id = ? ORDER BY p.id",
		"i", uid) != DB_OK)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < r->nrows; i++) {
		cJSON *o = row_json(a, r, i, 0,
				    "id:i,prompt:s,caption:s,tags:s,created_at:t,state:s,"
				    "content_warning:s,training_consent:s,like_count:i,"
				    "comment_count:i,remix_count:i,remix_of:i,root_id:i");
		if (db_str(r, i, 13)) {
			cJSON_AddItemToObject(
			    o, "generation",
			    row_json(a, r, i, 13,
				     "id:i,negative_prompt:s,seed:s,width:i,height:i,"
				     "backend:s,model:s,style:s"));
		}
		cJSON *img = cJSON_AddObjectToObject(o, "image");
		cJSON_AddStringToObject(img, "file",
					arena_printf(a, "media/posts/%s.jpg", db_str(r, i, 0)));
		cJSON_AddNumberToObject(img, "width", (double)db_int(r, i, 21));
		cJSON_AddNumberToObject(img, "height", (double)db_int(r, i, 22));
		cJSON_AddStringToObject(img, "sha256_of_upload", db_str(r, i, 23));
		cJSON_AddStringToObject(o, "url", arena_printf(a, "/p/%s", db_str(r, i, 0)));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The full-size JPEG of an images.variants text, or NULL. */
static const char *full_jpeg(struct arena *a, const char *variants)
{
	cJSON *v = cJSON_Parse(variants ? variants : "");
	const char *rel = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "full"), "jpeg"));
	const char *out = rel ? arena_strdup(a, rel) : NULL;
	cJSON_Delete(v);
	return out;
}

static int add_json(struct tarw *t, const char *name, cJSON *j, int64_t now)
{
	char *s = json_print_pretty(j);
	if (!s)
		return -1;
	int rc = tar_add(t, name, s, strlen(s), now);
	free(s);
	return rc;
}

static void progress(struct db *db, struct arena *a, int64_t job, size_t done, size_t total)
{
	int64_t pct = total ? (int64_t)(done * 99 / total) : 0;
	db_exec(db, a, NULL, "UPDATE export_jobs SET progress = ?, lease_until = ? WHERE id = ?",
		"iii", pct, now_unix() + EXPORT_LEASE, job);
}

static const char readme[] =
    "Your data from imagier\n"
    "======================\n\n"
    "profile.json          your account as it is\n"
    "posts.json            your posts with their prompts, tags and generation data;\n"
    "                      media/posts/<id>.jpg is each post's full-size image\n"
    "generations.json      every image you asked for, published or not\n"
    "comments.json, likes.json, following.json, followers.json, followed_tags.json\n"
    "notifications.json    what you were told\n"
    "consent_history.json  every choice you made about training use, with its date\n"
    "moderation.json, appeals.json, reports_made.json\n"
    "muted_people.json, blocked_people.json, muted_terms.json\n"
    "media/avatar.jpg      your avatar, if you set one\n\n"
    "Times are UTC (RFC 3339). Every image was made with AI.\n";

/* Write the archive for uid into fd. 0, or -1 with *why. */
static int write_archive(struct db *db, struct arena *a, const struct config *cfg, int64_t job,
			 int64_t uid, int fd, const char **why)
{
	struct tarw t;
	struct db_res r, posts;
	int64_t now = now_unix();
	tar_init(&t, fd);
	cJSON *parr = posts_json(db, a, uid, &posts);
	if (!parr) {
		*why = "the database stopped answering";
		return -1;
	}
	size_t total = ARRAY_LEN(sections) + posts.nrows + 2, done = 0;
	int rc = tar_add(&t, "README.txt", readme, sizeof(readme) - 1, now) ||
		 add_json(&t, "posts.json", parr, now);
	cJSON_Delete(parr);
	for (size_t i = 0; !rc && i < ARRAY_LEN(sections); i++) {
		if (db_exec(db, a, &r, sections[i].sql, "i", uid) != DB_OK) {
			*why = "the database stopped answering";
			return -1;
		}
		cJSON *j = sections[i].many ? cJSON_CreateArray() : NULL;
		for (size_t k = 0; k < r.nrows; k++) {
			cJSON *o = row_json(a, &r, k, 0, sections[i].cols);
			if (!j) {
				j = o;
				break;
			}
			cJSON_AddItemToArray(j, o);
		}
		if (!j)
			j = cJSON_CreateObject();
		rc = add_json(&t, sections[i].file, j, now);
		cJSON_Delete(j);
		progress(db, a, job, ++done, total);
	}
	for (size_t i = 0; !rc && i < posts.nrows; i++) {
		const char *rel = full_jpeg(a, db_str(&posts, i, 24));
		/* (a hidden or removed post's file is in the withheld store) */
		char *src = rel ? media_file_path(a, cfg->media_dir, rel) : NULL;
		/* A file missing from the store (a damaged disk) costs that image,
		 * not the whole archive. */
		if (src && access(src, R_OK) == 0)
			rc = tar_add_file(
			    &t, arena_printf(a, "media/posts/%s.jpg", db_str(&posts, i, 0)), src,
			    now);
		else if (src)
			log_error("export %lld: %s is missing; left out", (long long)job, src);
		if (++done % 20 == 0)
			progress(db, a, job, done, total);
	}
	if (!rc &&
	    db_read(db, a, &r,
		    "SELECT i.variants FROM users u JOIN images i ON i.id = u.avatar_image_id "
		    "WHERE u.id = ?",
		    "i", uid) == DB_OK &&
	    r.nrows) {
		const char *rel = full_jpeg(a, db_str(&r, 0, 0));
		if (rel)
			rc = tar_add_file(&t, "media/avatar.jpg",
					  arena_printf(a, "%s/%s", cfg->media_dir, rel), now);
	}
	if (!rc)
		rc = tar_finish(&t);
	if (rc) {
		*why = arena_printf(a, "writing the archive failed: %s",
				    strerror(t.err ? t.err : EIO));
		return -1;
	}
	if (fsync(fd)) {
		*why = arena_printf(a, "writing the archive failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static char *exports_dir(struct arena *a, const struct config *cfg)
{
	return arena_printf(a, "%s", cfg->exports_dir);
}

int export_run_next(struct db *db, struct arena *a, const struct config *cfg, const char *worker)
{
	struct db_res r;
	int64_t now = now_unix();
	if (db_begin(db) != DB_OK)
		return -1;
	if (db_exec(
		db, a, &r,
		"SELECT id, user_id FROM export_jobs WHERE state = 'queued' ORDER BY id LIMIT 1 "
		"FOR UPDATE SKIP LOCKED",
		"") != DB_OK) {
		db_rollback(db);
		return -1;
	}
	if (!r.nrows) {
		db_rollback(db);
		return 0;
	}
	int64_t job = db_int(&r, 0, 0), uid = db_int(&r, 0, 1);
	/* A name nobody can guess, though downloads check the owner anyway. */
	unsigned char rnd[12];
	char hex[2 * sizeof(rnd) + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	char *file = arena_printf(a, "imagier-export-%lld-%s.tar", (long long)job, hex);
	if (db_exec(db, a, NULL,
		    "UPDATE export_jobs SET state = 'running', worker = ?, lease_until = ?, "
		    "attempts = attempts + 1, file = ?, progress = 0 WHERE id = ?",
		    "sisi", worker, now + EXPORT_LEASE, file, job) != DB_OK ||
	    db_commit(db) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	char *dir = exports_dir(a, cfg);
	mkdir(dir, 0750);
	char *path = arena_printf(a, "%s/%s", dir, file);
	char *part = arena_printf(a, "%s.part", path);
	const char *why = NULL;
	int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	int rc = -1;
	if (fd < 0)
		why = arena_printf(a, "cannot create the archive: %s", strerror(errno));
	else {
		rc = write_archive(db, a, cfg, job, uid, fd, &why);
		if (close(fd) && !rc) {
			why = arena_printf(a, "writing the archive failed: %s", strerror(errno));
			rc = -1;
		}
	}
	struct stat st;
	if (!rc && (rename(part, path) || stat(path, &st))) {
		why = arena_printf(a, "cannot finish the archive: %s", strerror(errno));
		rc = -1;
	}
	if (rc) {
		unlink(part);
		log_error("export %lld failed: %s", (long long)job, why ? why : "?");
		db_exec(
		    db, a, NULL,
		    "UPDATE export_jobs SET state = 'failed', error = ?, file = '', worker = NULL, "
		    "lease_until = NULL, finished_at = ? WHERE id = ? AND worker = ? AND file = ?",
		    "siiss", why ? why : "failed", now_unix(), job, worker, file);
		return 1;
	}
	struct db_res done;
	if (db_exec(
		db, a, &done,
		"UPDATE export_jobs SET state = 'done', progress = 100, bytes = ?, worker = NULL, "
		"lease_until = NULL, finished_at = ?, expires_at = ? WHERE id = ? AND state = "
		"'running' AND worker = ? AND file = ?",
		"iiiiss", (int64_t)st.st_size, now_unix(), now_unix() + EXPORT_KEEP_DAYS * 86400,
		job, worker, file) != DB_OK ||
	    done.affected != 1) {
		/* Not ours any more: the account went, or the job was given to
		 * another worker after our lease ran out. Leave nothing behind. */
		unlink(path);
		return 1;
	}
	log_info("export %lld done: %lld bytes", (long long)job, (long long)st.st_size);
	return 1;
}

int export_requeue(struct db *db, struct arena *a, const struct config *cfg, const char *worker)
{
	struct db_res r;
	int64_t now = now_unix();
	const char *w = worker ? worker : "";
	/* Expired archives go, files first. */
	if (db_read(db, a, &r,
		    "SELECT id, file FROM export_jobs WHERE state = 'done' AND expires_at < ?", "i",
		    now) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		unlink(arena_printf(a, "%s/%s", exports_dir(a, cfg), db_str(&r, i, 1)));
		db_exec(db, a, NULL,
			"UPDATE export_jobs SET file = '', state = 'failed', error = "
			"'expired' WHERE id = ?",
			"i", db_int(&r, i, 0));
	}
	if (db_read(
		db, a, &r,
		"SELECT id, file FROM export_jobs WHERE state = 'running' AND (lease_until < ? OR "
		"worker = ?)",
		"is", now, w) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		unlink(arena_printf(a, "%s/%s.part", exports_dir(a, cfg), db_str(&r, i, 1)));
		db_exec(
		    db, a, NULL,
		    "UPDATE export_jobs SET state = 'queued', worker = NULL, lease_until = NULL, "
		    "file = '', progress = 0 WHERE id = ? AND state = 'running'",
		    "i", db_int(&r, i, 0));
	}
	return (int)r.nrows;
}
