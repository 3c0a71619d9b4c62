/* dataset.c - consent to training use, and the training dataset export
 * (`imagier export-dataset`): which posts go in and what the database
 * records. The rules are at the top of dataset.h; the files are written by
 * dataset_files.c. */
#include "dataset.h"
#include "json.h"
#include "dataset_int.h"
#include "auth.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- consent ---------------------------------------------------------- */

int consent_account_get(struct db *db, struct arena *a, int64_t user_id, struct consent_state *st)
{
	struct db_res r;
	memset(st, 0, sizeof(*st));
	if (db_read(db, a, &r,
		    "SELECT u.training_consent, e.id, e.created_at FROM users u "
		    "LEFT JOIN consent_events e ON e.id = (SELECT MAX(x.id) FROM consent_events x "
		    "WHERE x.user_id = u.id AND x.post_id IS NULL) WHERE u.id = ?",
		    "i", user_id) != DB_OK)
		return -1;
	st->on = db_int(&r, 0, 0) != 0;
	st->event_id = db_int(&r, 0, 1);
	st->at = db_int(&r, 0, 2);
	return 0;
}

int consent_account_set(struct db *db, struct arena *a, int64_t user_id, int on, int64_t now,
			int *changed)
{
	struct db_res r;
	*changed = 0;
	if (db_exec(db, a, &r, "SELECT training_consent FROM users WHERE id = ? FOR UPDATE", "i",
		    user_id) != DB_OK ||
	    r.nrows == 0)
		return -1;
	if ((db_int(&r, 0, 0) != 0) == (on != 0))
		return 0;
	if (db_exec(db, a, NULL,
		    "INSERT INTO consent_events (user_id, post_id, value, created_at) "
		    "VALUES (?, NULL, ?, ?)",
		    "isi", user_id, on ? "yes" : "no", now) != DB_OK ||
	    db_exec(db, a, NULL, "UPDATE users SET training_consent = ? WHERE id = ?", "ii",
		    (int64_t)(on != 0), user_id) != DB_OK)
		return -1;
	*changed = 1;
	return 0;
}

int consent_post_value_ok(const char *value)
{
	return value && (!strcmp(value, "inherit") || !strcmp(value, "yes") || !strcmp(value, "no"))
		   ? 0
		   : -1;
}

int consent_post_set(struct db *db, struct arena *a, int64_t post_id, int64_t user_id,
		     const char *value, int64_t now, int *changed)
{
	struct db_res r;
	*changed = 0;
	if (consent_post_value_ok(value) || db_begin(db) != DB_OK)
		return -1;
	if (db_exec(db, a, &r,
		    "SELECT user_id, training_consent FROM posts WHERE id = ? FOR UPDATE", "i",
		    post_id) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	if (r.nrows == 0 || db_int(&r, 0, 0) != user_id) {
		db_rollback(db);
		return 404;
	}
	if (!strcmp(db_str(&r, 0, 1), value))
		return db_commit(db) == DB_OK ? 0 : -1;
	if (db_exec(db, a, NULL,
		    "INSERT INTO consent_events (user_id, post_id, value, created_at) "
		    "VALUES (?, ?, ?, ?)",
		    "iisi", user_id, post_id, value, now) != DB_OK ||
	    db_exec(db, a, NULL, "UPDATE posts SET training_consent = ? WHERE id = ?", "si", value,
		    post_id) != DB_OK) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) != DB_OK)
		return -1;
	*changed = 1;
	return 0;
}

int consent_post_json(struct db *db, struct arena *a, int64_t post_id, cJSON *p, int form)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT p.training_consent, u.training_consent FROM posts p JOIN users u ON "
		    "u.id = p.user_id WHERE p.id = ?",
		    "i", post_id) != DB_OK ||
	    r.nrows == 0)
		return -1;
	const char *v = db_str(&r, 0, 0);
	int account_on = db_int(&r, 0, 1) != 0;
	cJSON_AddStringToObject(p, "training_consent", v);
	cJSON_AddBoolToObject(p, "training_consent_effective",
			      !strcmp(v, "yes") || (!strcmp(v, "inherit") && account_on));
	if (form) {
		cJSON *f = cJSON_AddObjectToObject(p, "consent_form");
		cJSON_AddBoolToObject(f, "inherit", !strcmp(v, "inherit"));
		cJSON_AddBoolToObject(f, "yes", !strcmp(v, "yes"));
		cJSON_AddBoolToObject(f, "no", !strcmp(v, "no"));
		cJSON_AddBoolToObject(f, "account_on", account_on);
	}
	return 0;
}

int consent_post_on(struct db *db, struct arena *a, int64_t post_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT " DATASET_CONSENT_YES_SQL " FROM posts p JOIN users u ON u.id = "
		    "p.user_id WHERE p.id = ?",
		    "i", post_id) != DB_OK)
		return -1;
	return r.nrows && db_int(&r, 0, 0) ? 1 : 0;
}

void consent_state_json(struct arena *a, cJSON *obj, const struct consent_state *st)
{
	cJSON_AddBoolToObject(obj, "training_consent", st->on);
	if (st->event_id)
		cJSON_AddStringToObject(obj, "training_consent_at", time_iso(a, st->at));
	else
		cJSON_AddNullToObject(obj, "training_consent_at");
}

cJSON *consent_history_json(struct db *db, struct arena *a, int64_t user_id, int64_t before,
			    int limit, int64_t *next)
{
	struct db_res r;
	*next = 0;
	if (db_read(db, a, &r,
		    "SELECT id, post_id, value, created_at FROM consent_events WHERE user_id = ? "
		    "AND id < ? ORDER BY id DESC LIMIT ?",
		    "iii", user_id, before, (int64_t)limit + 1) != DB_OK)
		return NULL;
	cJSON *events = cJSON_CreateArray();
	size_t n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
	for (size_t k = 0; k < n; k++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)db_int(&r, k, 0));
		if (db_str(&r, k, 1))
			cJSON_AddNumberToObject(e, "post_id", (double)db_int(&r, k, 1));
		cJSON_AddStringToObject(e, "scope", db_str(&r, k, 1) ? "post" : "account");
		cJSON_AddStringToObject(e, "value", db_str(&r, k, 2));
		cJSON_AddStringToObject(e, "created_at", time_iso(a, db_int(&r, k, 3)));
		cJSON_AddItemToArray(events, e);
	}
	if (r.nrows > (size_t)limit)
		*next = db_int(&r, (size_t)limit - 1, 0);
	return events;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int dataset_parse_time(const char *s, int64_t *out)
{
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int64_t offset = 0;
	const char *q = s + 10;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	if (*q) {
		if ((*q != 'T' && *q != 't' && *q != ' ') || strlen(q) < 9 || q[3] != ':' ||
		    q[6] != ':')
			return -1;
		tm.tm_hour = digits(q + 1, 2);
		tm.tm_min = digits(q + 4, 2);
		tm.tm_sec = digits(q + 7, 2);
		if (tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
		    tm.tm_sec < 0 || tm.tm_sec > 60)
			return -1;
		q += 9;
		if (*q == '.') { /* a fraction of a second: dropped */
			if (!(q[1] >= '0' && q[1] <= '9'))
				return -1;
			for (q++; *q >= '0' && *q <= '9'; q++)
				;
		}
		if (*q == 'Z' || *q == 'z') {
			q++;
		} else if ((*q == '+' || *q == '-') && strlen(q) == 6 && q[3] == ':') {
			int hh = digits(q + 1, 2), mm = digits(q + 4, 2);
			if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
				return -1;
			offset = (int64_t)(hh * 3600 + mm * 60) * (*q == '+' ? 1 : -1);
			q += 6;
		} else {
			return -1;
		}
		if (*q)
			return -1;
	}
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1) /* 2026-02-31 */
		return -1;
	*out = (int64_t)t - offset;
	return 0;
}

/* ---- dataset export: one run ------------------------------------------ */

/* The id of the consent event that makes post p eligible (p and u joined). */
#define CONSENT_EVENT_ID                                                                           \
	"IF(p.training_consent = 'yes', (SELECT MAX(e.id) FROM consent_events e WHERE "            \
	"e.post_id = p.id), (SELECT MAX(e.id) FROM consent_events e WHERE e.user_id = "            \
	"p.user_id AND e.post_id IS NULL))"
#define CONSENT_YES DATASET_CONSENT_YES_SQL
#define BATCH	    200

static int fail_db(struct run *x, const char *what)
{
	if (!x->res->error[0])
		snprintf(x->res->error, sizeof(x->res->error), "database error while %s", what);
	return -1;
}

/* ---- the manifest ------------------------------------------------------ */

/* Columns of the eligible-post query. */
#define ITEM_COLUMNS                                                                               \
	"p.id, p.user_id, p.prompt, p.tags, p.created_at, p.like_count, p.comment_count, "         \
	"p.remix_count, p.parent_id, IFNULL(p.root_id, p.id), p.content_warning, i.width, "        \
	"i.height, i.variants, g.id, g.negative_prompt, g.backend, g.model, g.seed, g.width, "     \
	"g.height, g.style, ce.id, ce.created_at, ce.post_id IS NOT NULL"
#define ITEM_FROM                                                                                  \
	" FROM posts p JOIN users u ON u.id = p.user_id JOIN images i ON i.id = p.image_id "       \
	"LEFT JOIN generations g ON g.id = p.generation_id "                                       \
	"JOIN consent_events ce ON ce.id = " CONSENT_EVENT_ID                                      \
	" WHERE p.mod_state = 'visible' AND p.remote = 0 AND u.banned_at IS NULL AND " CONSENT_YES \
	" AND ce.value = 'yes' "
#define SINCE_FILTER                                                                               \
	"AND (p.created_at >= ? OR ce.created_at >= ?) AND NOT EXISTS (SELECT 1 FROM "             \
	"dataset_items d WHERE d.post_id = p.id AND d.withdrawn_at IS NULL) "

/* The full-size stored file of an images row ("ab/cd/<sha>.webp"), WebP
 * preferred; NULL if the variants name none. */
static const char *full_path(struct arena *a, const char *variants)
{
	cJSON *v = cJSON_Parse(variants ? variants : "");
	const cJSON *full = cJSON_GetObjectItemCaseSensitive(v, "full");
	const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(full, "webp"));
	if (!p)
		p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(full, "jpeg"));
	char *out = p && !strstr(p, "..") && p[0] != '/' ? arena_strdup(a, p) : NULL;
	cJSON_Delete(v);
	return out;
}

static void add_num_or_null(cJSON *o, const char *key, const struct db_res *r, size_t row,
			    size_t col)
{
	if (db_str(r, row, col))
		cJSON_AddNumberToObject(o, key, (double)db_int(r, row, col));
	else
		cJSON_AddNullToObject(o, key);
}

/* The manifest object of row k (without "image"). */
static cJSON *item_json(struct run *x, const struct db_res *r, size_t k)
{
	struct arena *a = &x->a;
	int64_t id = db_int(r, k, 0);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "url", arena_printf(a, "/p/%lld", (long long)id));
	cJSON_AddStringToObject(o, "created_at", time_iso(a, db_int(r, k, 4)));
	char mac[AUTH_TOKEN_LEN + 1];
	auth_mac(x->o->secret, arena_printf(a, "dataset-author:%lld", (long long)db_int(r, k, 1)),
		 mac);
	mac[16] = '\0';
	cJSON_AddStringToObject(o, "author", mac);
	cJSON_AddStringToObject(o, "prompt", db_str(r, k, 2));
	int gen = db_str(r, k, 14) != NULL;
	cJSON_AddStringToObject(o, "negative_prompt", gen ? db_str(r, k, 15) : "");
	if (gen) {
		cJSON *g = cJSON_AddObjectToObject(o, "generation");
		cJSON_AddStringToObject(g, "backend", db_str(r, k, 16));
		cJSON_AddStringToObject(g, "model", db_str(r, k, 17));
		cJSON_AddNumberToObject(g, "seed", strtod(db_str(r, k, 18), NULL));
		cJSON_AddNumberToObject(g, "width", (double)db_int(r, k, 19));
		cJSON_AddNumberToObject(g, "height", (double)db_int(r, k, 20));
		cJSON_AddStringToObject(g, "style", db_str(r, k, 21));
	} else {
		cJSON_AddNullToObject(o, "generation"); /* uploaded; made elsewhere */
	}
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	char *tt = arena_strdup(a, db_str(r, k, 3) ? db_str(r, k, 3) : "");
	for (char *save = NULL, *t = strtok_r(tt, " ", &save); t; t = strtok_r(NULL, " ", &save))
		cJSON_AddItemToArray(tags, cJSON_CreateString(t));
	cJSON_AddNumberToObject(o, "like_count", (double)db_int(r, k, 5));
	cJSON_AddNumberToObject(o, "comment_count", (double)db_int(r, k, 6));
	cJSON_AddNumberToObject(o, "remix_count", (double)db_int(r, k, 7));
	add_num_or_null(o, "parent_id", r, k, 8);
	cJSON_AddNumberToObject(o, "root_id", (double)db_int(r, k, 9));
	const char *cw = db_str(r, k, 10);
	if (cw && *cw)
		cJSON_AddStringToObject(o, "content_warning", cw);
	else
		cJSON_AddNullToObject(o, "content_warning");
	cJSON *c = cJSON_AddObjectToObject(o, "consent");
	cJSON_AddNumberToObject(c, "record_id", (double)db_int(r, k, 22));
	cJSON_AddStringToObject(c, "date", time_iso(a, db_int(r, k, 23)));
	cJSON_AddStringToObject(c, "scope", db_int(r, k, 24) ? "post" : "account");
	return o;
}

/* One eligible post: its image (unless already there) and its line. */
static int export_row(struct run *x, const struct db_res *r, size_t k)
{
	int64_t id = db_int(r, k, 0), event = db_int(r, k, 22);
	const char *src = full_path(&x->a, db_str(r, k, 13));
	const char *ext = src ? strrchr(src, '.') : NULL;
	if (!src || !ext || strchr(ext, '/')) {
		x->res->missing++;
		if (x->o->progress)
			fprintf(x->o->progress,
				"%sexport-dataset: post %lld has no stored image; skipped\n",
				x->o->progress_tty ? "\n" : "", (long long)id);
		return 0;
	}
	char *name = arena_printf(&x->a, "%lld%s", (long long)id, ext);
	struct known *kn = dataset_known_find(x, id);
	struct stat sb;
	int have_image = kn && stat(arena_printf(&x->a, "%s/%s", x->images, name), &sb) == 0 &&
			 S_ISREG(sb.st_mode) && sb.st_size > 0;
	if (kn) {
		kn->seen = 1;
		if (have_image && kn->event == event) {
			x->res->kept++;
			dataset_items_add(&x->out, id, event);
			return 0;
		}
	}
	char sha[65];
	uint64_t bytes;
	int st = dataset_put_image(x, src, name, sha, &bytes);
	if (st < 0)
		return -1;
	if (st == 1) {
		x->res->missing++;
		if (x->o->progress)
			fprintf(x->o->progress,
				"%sexport-dataset: the image of post %lld (%s) is missing from the "
				"media store; skipped\n",
				x->o->progress_tty ? "\n" : "", (long long)id, src);
		if (kn)
			kn->seen = 0; /* no longer listed */
		return 0;
	}
	if (kn && kn->event == event) { /* the line is there; only the image was not */
		x->res->kept++;
		dataset_items_add(&x->out, id, event);
		return 0;
	}
	cJSON *o = item_json(x, r, k);
	cJSON *img = cJSON_AddObjectToObject(o, "image");
	cJSON_AddStringToObject(img, "file", arena_printf(&x->a, "images/%s", name));
	cJSON_AddNumberToObject(img, "width", (double)db_int(r, k, 11));
	cJSON_AddNumberToObject(img, "height", (double)db_int(r, k, 12));
	cJSON_AddNumberToObject(img, "bytes", (double)bytes);
	cJSON_AddStringToObject(img, "sha256", sha);
	char *line = json_print(o);
	cJSON_Delete(o);
	size_t len = strlen(line);
	line[len] = '\n'; /* PrintUnformatted's NUL: the line needs its end */
	int rc = dataset_write_all(x, x->man_fd, line, len + 1,
				   arena_printf(&x->a, "%s/manifest.jsonl", x->dir));
	free(line);
	if (rc)
		return -1;
	if (kn || (x->nknown && id < x->known[x->nknown - 1].id))
		x->compact = 1; /* a replaced line, or one out of id order */
	x->res->added++;
	dataset_items_add(&x->out, id, event);
	return 0;
}

static int export_posts(struct run *x)
{
	struct db_res r;
	const struct dataset_opts *o = x->o;
	int rc = o->has_since ? db_read(x->db, &x->a, &r, "SELECT COUNT(*)" ITEM_FROM SINCE_FILTER,
					"ii", o->since, o->since)
			      : db_read(x->db, &x->a, &r, "SELECT COUNT(*)" ITEM_FROM, "");
	if (rc != DB_OK)
		return fail_db(x, "counting the posts");
	x->total = (uint64_t)db_int(&r, 0, 0);
	dataset_progress(x, 0);
	int64_t last = 0;
	for (;;) {
		arena_reset(&x->a);
		rc = o->has_since ? db_read(x->db, &x->a, &r,
					    "SELECT " ITEM_COLUMNS ITEM_FROM SINCE_FILTER
					    "AND p.id > ? ORDER BY p.id LIMIT ?",
					    "iiii", o->since, o->since, last, (int64_t)BATCH)
				  : db_read(x->db, &x->a, &r,
					    "SELECT " ITEM_COLUMNS ITEM_FROM
					    "AND p.id > ? ORDER BY p.id LIMIT ?",
					    "ii", last, (int64_t)BATCH);
		if (rc != DB_OK)
			return fail_db(x, "reading the posts");
		for (size_t k = 0; k < r.nrows; k++) {
			if (export_row(x, &r, k))
				return -1;
			x->done++;
			if (x->done > x->total)
				x->total = x->done;
			dataset_progress(x, 0);
		}
		if (r.nrows < BATCH)
			break;
		last = db_int(&r, r.nrows - 1, 0);
	}
	if (x->done < x->total) /* some left between the count and the reading */
		x->total = x->done;
	dataset_progress(x, 1);
	return 0;
}

/* Posts of earlier exports (not withdrawn yet) that may no longer be there. */
static int find_withdrawals(struct run *x)
{
	int64_t last = 0;
	struct db_res r;
	for (;;) {
		arena_reset(&x->a);
		if (db_read(
			x->db, &x->a, &r,
			"SELECT d.post_id, p.id IS NULL OR u.id IS NULL, u.banned_at IS NOT NULL, "
			"p.mod_state <> 'visible', NOT (" CONSENT_YES
			" AND IFNULL((SELECT e2.value FROM consent_events e2 WHERE e2.id "
			"= " CONSENT_EVENT_ID
			"), '') = 'yes') FROM dataset_items d LEFT JOIN posts p ON p.id = "
			"d.post_id LEFT JOIN users u ON u.id = p.user_id WHERE d.withdrawn_at IS "
			"NULL AND d.post_id > ? ORDER BY d.post_id LIMIT 1000",
			"i", last) != DB_OK)
			return fail_db(x, "listing the withdrawals");
		for (size_t k = 0; k < r.nrows; k++)
			for (int why = 0; why < 4; why++)
				if (db_int(&r, k, (size_t)why + 1)) {
					dataset_items_add(&x->withdraw, db_int(&r, k, 0), why);
					break;
				}
		if (r.nrows < 1000)
			return 0;
		last = db_int(&r, r.nrows - 1, 0);
	}
}

/* The items and withdrawals into the database, in one transaction. */
static int record(struct run *x, int64_t now)
{
	if (db_begin(x->db) != DB_OK)
		return fail_db(x, "recording the export");
	for (size_t i = 0; i < x->out.n; i += 500) {
		arena_reset(&x->a);
		size_t m = x->out.n - i < 500 ? x->out.n - i : 500;
		char *pairs = arena_alloc(&x->a, m * 48 + 3), *p = pairs;
		*p++ = '[';
		for (size_t k = 0; k < m; k++)
			p += snprintf(p, 48, "%s[%lld,%lld]", k ? "," : "",
				      (long long)x->out.v[i + k].id,
				      (long long)x->out.v[i + k].event);
		*p++ = ']';
		*p = '\0';
		/* Already listed and not withdrawn: as it was. Listed but withdrawn
		 * (consent given again): back in, under the new record. */
		if (db_exec(
			x->db, &x->a, NULL,
			"INSERT INTO dataset_items (post_id, first_export_id, consent_event_id, "
			"exported_at) SELECT j.id, ?, j.ev, ? FROM JSON_TABLE(?, '$[*]' COLUMNS "
			"(id BIGINT PATH '$[0]', ev BIGINT PATH '$[1]')) j ON DUPLICATE KEY UPDATE "
			"exported_at = IF(withdrawn_at IS NULL, exported_at, VALUES(exported_at)), "
			"consent_event_id = IF(withdrawn_at IS NULL, consent_event_id, "
			"VALUES(consent_event_id)), withdrawn_export_id = NULL, withdrawn_at = "
			"NULL",
			"iis", x->res->export_id, now, pairs) != DB_OK) {
			db_rollback(x->db);
			return fail_db(x, "recording the items");
		}
	}
	for (size_t i = 0; i < x->withdraw.n; i += 500) {
		arena_reset(&x->a);
		size_t m = x->withdraw.n - i < 500 ? x->withdraw.n - i : 500;
		if (db_exec(
			x->db, &x->a, NULL,
			"UPDATE dataset_items SET withdrawn_at = ?, withdrawn_export_id = ? "
			"WHERE withdrawn_at IS NULL AND post_id IN (SELECT id FROM JSON_TABLE(?, "
			"'$[*]' COLUMNS (id BIGINT PATH '$')) j)",
			"iis", now, x->res->export_id,
			db_id_list(&x->a, &x->withdraw.v[i].id, m, sizeof(x->withdraw.v[0]))) !=
		    DB_OK) {
			db_rollback(x->db);
			return fail_db(x, "recording the withdrawals");
		}
	}
	if (db_exec(
		x->db, &x->a, NULL,
		"UPDATE dataset_exports SET finished_at = ?, items = ?, withdrawn = ? WHERE id = ?",
		"iiii", now, (int64_t)x->out.n, (int64_t)x->withdraw.n,
		x->res->export_id) != DB_OK) {
		db_rollback(x->db);
		return fail_db(x, "recording the export");
	}
	return db_commit(x->db) == DB_OK ? 0 : fail_db(x, "committing the export");
}

int dataset_export(struct db *db, const struct dataset_opts *o, struct dataset_result *res)
{
	struct run x;
	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	x.db = db;
	x.o = o;
	x.res = res;
	x.man_fd = -1;
	arena_init(&x.a);
	arena_init(&x.keep);
	const char *hook_env = getenv("IMAGIER_DATASET_FAIL_AFTER");
	x.fail_after = hook_env ? strtol(hook_env, NULL, 10) : 0;
	struct db_res r;
	int rc = 1, locked = 0;
	int64_t now = now_unix();
	if (db_exec(db, &x.a, &r, "SELECT GET_LOCK('imagier_dataset_export', 0)", "") != DB_OK) {
		fail_db(&x, "taking the export lock");
		goto out;
	}
	if (db_int(&r, 0, 0) != 1) {
		snprintf(res->error, sizeof(res->error), "another export-dataset is running");
		goto out;
	}
	locked = 1;
	int st = dataset_prepare_dir(&x);
	if (st) {
		rc = st == -2 ? 2 : 1;
		if (st == -2)
			x.made_dir = x.made_images = 0; /* nothing of ours to remove */
		goto fail;
	}
	if (dataset_open_manifest(&x))
		goto fail;
	if (db_exec(db, &x.a, &r,
		    "INSERT INTO dataset_exports (out_dir, since_at, started_at) VALUES (?, ?, ?)",
		    "ssi", x.dir,
		    o->has_since ? arena_printf(&x.a, "%lld", (long long)o->since) : NULL,
		    now) != DB_OK) {
		fail_db(&x, "starting the export");
		goto fail;
	}
	res->export_id = (int64_t)r.insert_id;
	if (find_withdrawals(&x) || export_posts(&x))
		goto fail;
	if (x.out.n)
		qsort(x.out.v, x.out.n, sizeof(*x.out.v), dataset_item_cmp);
	for (size_t i = 0; i < x.nknown; i++)
		if (!x.known[i].seen) {
			x.compact = 1; /* a post no longer eligible leaves the manifest */
			res->dropped++;
		}
	if (dataset_write_withdrawn(&x) || (x.compact && dataset_write_compacted(&x)))
		goto fail;
	if (fsync(x.man_fd) != 0) {
		dataset_fail(&x, "cannot write", arena_printf(&x.a, "%s/manifest.jsonl", x.dir),
			     errno);
		goto fail;
	}
	if (dataset_fsync_dir(&x, x.images) || dataset_fsync_dir(&x, x.dir) || record(&x, now))
		goto fail;
	res->dropped = 0; /* counted again as the files go */
	dataset_finish_files(&x);
	res->items = x.out.n;
	rc = 0;
	goto out;
fail:
	if (rc != 2)
		dataset_undo(&x);
out:
	if (locked)
		db_read(db, &x.a, &r, "SELECT RELEASE_LOCK('imagier_dataset_export')", "");
	if (x.man_fd >= 0)
		close(x.man_fd);
	for (size_t i = 0; i < x.ncreated; i++)
		free(x.created[i]);
	free(x.created);
	free(x.known);
	free(x.out.v);
	free(x.withdraw.v);
	arena_free(&x.a);
	arena_free(&x.keep);
	return rc;
}
