/* filters.c - a person's own filters: loading and applying them, blocks,
 * and the settings (filters.h). */
#include "filters.h"
#include "json.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "http.h"
#include "post.h"
#include "social.h"
#include "textnorm.h"
#include "timeline.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define MYFILTERS_TTL 60 /* every change deletes the key; this bounds a racing reload */

static const char *const cw_names[] = {"blur", "show", "hide"};

const char *filters_cw_name(size_t i)
{
	return i < ARRAY_LEN(cw_names) ? cw_names[i] : NULL;
}

static enum cw_pref cw_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(cw_names); i++)
		if (s && !strcmp(s, cw_names[i]))
			return (enum cw_pref)i;
	return CW_BLUR;
}

void filters_changed(struct cache *cache, struct arena *a, int64_t user_id)
{
	cache_delete(cache, cachekey_filters(a, user_id));
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The cached form {"h":[ids],"w":[words],"t":[tags],"cw":"blur"} into f. */
static void filters_from_json(struct arena *a, const cJSON *j, struct myfilters *f)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "h");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "w");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
	const cJSON *e;
	int64_t *ids = arena_alloc(a, ((size_t)cJSON_GetArraySize(h) + 1) * sizeof(*ids));
	size_t n = 0;
	cJSON_ArrayForEach(e, h)
	{
		if (cJSON_IsNumber(e))
			ids[n++] = (int64_t)e->valuedouble;
	}
	qsort(ids, n, sizeof(*ids), cmp_id);
	size_t u = 0; /* a person both muted and blocked is listed twice */
	for (size_t i = 0; i < n; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	f->hidden = ids;
	f->nhidden = u;
	const char **words = arena_alloc(a, ((size_t)cJSON_GetArraySize(w) + 1) * sizeof(*words));
	size_t nw = 0;
	cJSON_ArrayForEach(e, w)
	{
		if (cJSON_IsString(e))
			words[nw++] = arena_strdup(a, e->valuestring);
	}
	f->words = nw ? social_words_list(a, words, nw) : NULL;
	f->tags = arena_alloc(a, ((size_t)cJSON_GetArraySize(t) + 1) * sizeof(*f->tags));
	f->ntags = 0;
	cJSON_ArrayForEach(e, t)
	{
		if (cJSON_IsString(e))
			f->tags[f->ntags++] = arena_strdup(a, e->valuestring);
	}
	f->cw = cw_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "cw")));
}

/* All of a person's filters in one query, as the cached JSON (caller frees). */
static cJSON *filters_query(struct db *db, struct arena *a, int64_t uid)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT 'h', m.target_id, NULL FROM mutes m WHERE m.user_id = ? "
		    "UNION ALL SELECT 'h', b.target_id, NULL FROM blocks b WHERE b.user_id = ? "
		    "UNION ALL SELECT 'h', b.user_id, NULL FROM blocks b WHERE b.target_id = ? "
		    "UNION ALL SELECT t.kind, 0, t.term FROM muted_terms t WHERE t.user_id = ? "
		    "UNION ALL SELECT 'cw', 0, u.cw_pref FROM users u WHERE u.id = ?",
		    "iiiii", uid, uid, uid, uid, uid) != DB_OK)
		return NULL;
	cJSON *j = cJSON_CreateObject();
	cJSON *h = cJSON_AddArrayToObject(j, "h");
	cJSON *w = cJSON_AddArrayToObject(j, "w");
	cJSON *t = cJSON_AddArrayToObject(j, "t");
	cJSON_AddStringToObject(j, "cw", "blur");
	for (size_t i = 0; i < r.nrows; i++) {
		const char *k = db_str(&r, i, 0), *v = db_str(&r, i, 2);
		if (!strcmp(k, "h"))
			cJSON_AddItemToArray(h, cJSON_CreateNumber((double)db_int(&r, i, 1)));
		else if (!strcmp(k, "word") && v)
			cJSON_AddItemToArray(w, cJSON_CreateString(v));
		else if (!strcmp(k, "tag") && v)
			cJSON_AddItemToArray(t, cJSON_CreateString(v));
		else if (!strcmp(k, "cw") && v)
			cJSON_ReplaceItemInObjectCaseSensitive(j, "cw", cJSON_CreateString(v));
	}
	return j;
}

void filters_load(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		  struct myfilters *f)
{
	memset(f, 0, sizeof(*f));
	f->cw = CW_BLUR;
	if (!user_id)
		return;
	f->self = user_id;
	char *key = cachekey_filters(a, user_id), *hit;
	size_t len;
	cJSON *j = NULL;
	if (cache_get(cache, a, key, &hit, &len) == 0)
		j = cJSON_ParseWithLength(hit, len);
	if (!j && (j = filters_query(db, a, user_id))) {
		char *s = json_print(j);
		cache_set(cache, key, s, strlen(s), MYFILTERS_TTL);
		free(s);
	}
	if (j)
		filters_from_json(a, j, f);
	cJSON_Delete(j);
}

static int text_muted(struct arena *a, const struct myfilters *f, const cJSON *s)
{
	const char *t = cJSON_GetStringValue(s);
	return f->words && t && *t && textnorm_match(f->words, textnorm_fold(a, t, strlen(t)));
}

static int64_t post_author(const cJSON *post)
{
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(post, "author");
	return (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(au, "id"));
}

int filters_post_has_cw(const cJSON *post)
{
	const char *cw =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "content_warning"));
	return cw && *cw;
}

int filters_hide(struct arena *a, const struct myfilters *f, cJSON *post)
{
	int64_t aid = post_author(post);
	int own = f->self && aid == f->self;
	if (!own) {
		if (f->nhidden && bsearch(&aid, f->hidden, f->nhidden, sizeof(aid), cmp_id))
			return 1;
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(post, "tags"))
		{
			for (size_t i = 0; i < f->ntags && cJSON_IsString(t); i++)
				if (!strcmp(f->tags[i], t->valuestring))
					return 1;
		}
		if (text_muted(a, f, cJSON_GetObjectItemCaseSensitive(post, "prompt")) ||
		    text_muted(a, f, cJSON_GetObjectItemCaseSensitive(post, "caption")))
			return 1;
	}
	if (!filters_post_has_cw(post) || f->cw == CW_SHOW)
		return 0;
	if (f->cw == CW_HIDE && !own)
		return 1;
	cJSON_AddTrueToObject(post, "cw_blur");
	return 0;
}

void filters_post_page(const struct myfilters *f, cJSON *post)
{
	int own = f->self && post_author(post) == f->self;
	if (f->cw == CW_HIDE && !own)
		cJSON_AddTrueToObject(post, "cw_hidden");
	else if (f->cw != CW_SHOW)
		cJSON_AddTrueToObject(post, "cw_blur");
}

/* ---- blocks ---------------------------------------------------------------- */

/* A block found: 1 with the blocker and the other's name, 0 without. */
static int block_found(const struct db_res *r, int64_t *blocker, const char **name)
{
	*blocker = 0;
	*name = NULL;
	if (!r->nrows)
		return 0;
	*blocker = db_int(r, 0, 0);
	*name = db_str(r, 0, 1);
	return 1;
}

int filters_blocked(struct db *db, struct arena *a, int64_t user_id, int64_t other_id,
		    int64_t *blocker, const char **name)
{
	struct db_res r;
	if (db_read(
		db, a, &r,
		"SELECT b.user_id, u.username FROM blocks b JOIN users u ON u.id = ? "
		"WHERE (b.user_id = ? AND b.target_id = ?) OR (b.user_id = ? AND b.target_id = ?) "
		"LIMIT 1",
		"iiiii", other_id, user_id, other_id, other_id, user_id) != DB_OK)
		return -1;
	return block_found(&r, blocker, name);
}

int filters_blocked_on_post(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
			    int64_t parent_id, int64_t *blocker, const char **name)
{
	struct db_res r;
	int64_t me = user_id;
	if (db_read(db, a, &r,
		    "SELECT b.user_id, u.username FROM blocks b "
		    "JOIN users u ON u.id = IF(b.user_id = ?, b.target_id, b.user_id) "
		    "WHERE (b.user_id = ? AND b.target_id IN (SELECT p.user_id FROM posts p WHERE "
		    "p.id = ? UNION SELECT cm.user_id FROM comments cm WHERE cm.id = ?)) "
		    "OR (b.target_id = ? AND b.user_id IN (SELECT p.user_id FROM posts p WHERE "
		    "p.id = ? UNION SELECT cm.user_id FROM comments cm WHERE cm.id = ?)) LIMIT 1",
		    "iiiiiii", me, me, post_id, parent_id, me, post_id, parent_id) != DB_OK)
		return -1;
	return block_found(&r, blocker, name);
}

/* Remove the follow follower -> followee, with both counters. 0 or -1. */
static int unfollow(struct db *db, struct arena *a, int64_t follower, int64_t followee,
		    int *removed)
{
	struct db_res r;
	if (db_exec(db, a, &r, "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?",
		    "ii", follower, followee) != DB_OK)
		return -1;
	*removed = r.affected == 1;
	/* The follow's posts leave the follower's stored timeline with it:
	 * otherwise they would come back after an unblock, "because you
	 * follow" someone they no longer follow. */
	if (*removed && timeline_follow_user(db, a, follower, followee, 0))
		return -1;
	if (*removed && (db_exec(db, a, NULL,
				 "UPDATE users SET following_count = following_count - 1 "
				 "WHERE id = ? AND following_count > 0",
				 "i", follower) != DB_OK ||
			 db_exec(db, a, NULL,
				 "UPDATE users SET follower_count = follower_count - 1 "
				 "WHERE id = ? AND follower_count > 0",
				 "i", followee) != DB_OK))
		return -1;
	return 0;
}

int filters_block(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		  int *changed, int *unfollowed)
{
	int64_t me = user_id, target = target_id;
	struct db_res r;
	*changed = *unfollowed = 0;
	if (!on) {
		if (db_exec(db, a, &r, "DELETE FROM blocks WHERE user_id = ? AND target_id = ?",
			    "ii", me, target) != DB_OK)
			return 503;
		*changed = r.affected == 1;
		return 0;
	}
	int x = 0, y = 0;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	/* Both people's rows, in id order: the follow counters move below. */
	if (db_exec(db, a, NULL, "SELECT id FROM users WHERE id IN (?, ?) ORDER BY id FOR UPDATE",
		    "ii", me, target) != DB_OK ||
	    db_exec(db, a, &r,
		    "INSERT IGNORE INTO blocks (user_id, target_id, created_at) VALUES (?, ?, ?)",
		    "iii", me, target, now_unix()) != DB_OK)
		goto done;
	*changed = r.affected == 1;
	if (unfollow(db, a, me, target, &x) || unfollow(db, a, target, me, &y))
		goto done;
	/* ... and a request of either to follow the other (followreq.h),
	 * answered by nobody (no Reject is sent to a remote requester) */
	if (db_exec(db, a, NULL,
		    "DELETE f FROM follow_requests f LEFT JOIN ap_actors x ON x.id = f.actor_id "
		    "WHERE (f.user_id = ? AND IFNULL(f.requester_user_id, x.user_id) = ?) OR "
		    "(f.user_id = ? AND f.requester_user_id = ?)",
		    "iiii", me, target, target, me) != DB_OK)
		goto done;
	ok = 1;
done:
	if (db_finish(db, ok) != DB_OK)
		return 503;
	*unfollowed = x || y;
	return 0;
}

/* ---- the settings ---------------------------------------------------------- */

int filters_view(struct db *db, struct arena *a, int64_t user_id, cJSON *d)
{
	struct db_res r;
	int64_t me = user_id;
	if (db_read(db, a, &r,
		    "SELECT t.kind, t.term FROM muted_terms t WHERE t.user_id = ? "
		    "UNION ALL SELECT 'mute', u.username FROM mutes m JOIN users u "
		    "ON u.id = m.target_id WHERE m.user_id = ? "
		    "UNION ALL SELECT 'block', u.username FROM blocks b JOIN users u "
		    "ON u.id = b.target_id WHERE b.user_id = ? "
		    "UNION ALL SELECT 'cw', u.cw_pref FROM users u WHERE u.id = ? ORDER BY 1, 2",
		    "iiii", me, me, me, me) != DB_OK)
		return -1;
	static const char *const kinds[][2] = {{"word", "muted_words"},
					       {"tag", "muted_tags"},
					       {"mute", "muted_users"},
					       {"block", "blocked_users"}};
	cJSON *arr[4];
	for (size_t k = 0; k < 4; k++)
		arr[k] = cJSON_AddArrayToObject(d, kinds[k][1]);
	const char *cw = "blur";
	for (size_t i = 0; i < r.nrows; i++) {
		const char *kind = db_str(&r, i, 0), *v = db_str(&r, i, 1);
		if (!strcmp(kind, "cw"))
			cw = v;
		for (size_t k = 0; k < 4; k++)
			if (!strcmp(kind, kinds[k][0]))
				cJSON_AddItemToArray(arr[k], cJSON_CreateString(v));
	}
	cJSON_AddStringToObject(d, "content_warnings", cw);
	return 0;
}

/* One term as stored: trimmed, lower-case, a tag without '#'. *out is NULL
 * for a blank line. 0, or -1 with *why. */
static int term_norm(struct arena *a, int tag, const char *raw, size_t index, const char **out,
		     const char **why)
{
	const char *what = tag ? "Muted tag" : "Muted word", *clean, *w;
	*out = NULL;
	if (text_clean(a, raw, strlen(raw), 4 * MYFILTERS_TERM_MAX, &clean, &w) ||
	    strpbrk(clean, "\n\t")) {
		*why = arena_printf(a, "%s %zu: one term a line, without control characters.", what,
				    index);
		return -1;
	}
	char *t = arena_strdup(a, clean);
	for (char *q = t; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	if (tag)
		while (*t == '#')
			t++;
	if (!*t)
		return 0;
	size_t chars = 0;
	for (const char *q = t; *q; q++)
		chars += ((unsigned char)*q & 0xC0) != 0x80;
	if (chars > MYFILTERS_TERM_MAX) {
		*why = arena_printf(a, "%s %zu is longer than %d characters.", what, index,
				    MYFILTERS_TERM_MAX);
		return -1;
	}
	if (tag) {
		const char *one[POST_MAX_TAGS], *tw;
		if (post_parse_tags(a, t, one, &tw) != 1 || strcmp(one[0], t)) {
			*why = arena_printf(a,
					    "%s %zu is not a tag: one word of letters, digits, - "
					    "and _, at most %d characters.",
					    what, index, POST_MAX_TAG_CHARS);
			return -1;
		}
	} else if (!*textnorm_fold(a, t, strlen(t))) {
		*why = arena_printf(a, "%s %zu has no letters to match.", what, index);
		return -1;
	}
	*out = t;
	return 0;
}

cJSON *filters_terms(struct arena *a, int tag, const cJSON *in, const char **code, const char **why)
{
	cJSON *out = cJSON_CreateArray();
	const char **seen = arena_alloc(a, ((size_t)cJSON_GetArraySize(in) + 1) * sizeof(*seen));
	size_t n = 0, index = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, in)
	{
		const char *t;
		index++;
		if (!cJSON_IsString(e)) {
			*why = arena_printf(a, "%s must be a list of strings.",
					    tag ? "muted_tags" : "muted_words");
			goto bad;
		}
		if (term_norm(a, tag, e->valuestring, index, &t, why))
			goto bad;
		if (!t)
			continue;
		int dup = 0; /* the same term twice is kept once */
		for (size_t i = 0; i < n && !dup; i++)
			dup = !strcmp(seen[i], t);
		if (dup)
			continue;
		if (n == MYFILTERS_MAX_TERMS) {
			*code = "too_many_terms";
			*why = arena_printf(a, "You can mute at most %d words and tags in all.",
					    MYFILTERS_MAX_TERMS);
			goto bad;
		}
		seen[n++] = t;
		cJSON_AddItemToArray(out, cJSON_CreateString(t));
	}
	return out;
bad:
	cJSON_Delete(out);
	return NULL;
}

/* Replace the person's terms of kind with the array terms (a JSON text). */
static int terms_store(struct db *db, struct arena *a, int64_t user_id, const char *kind,
		       const cJSON *terms)
{
	char *json = cJSON_PrintUnformatted(terms) /* strings only */;
	if (!json)
		return -1;
	char *copy = arena_strdup(a, json);
	cJSON_free(json); /* cJSON's: it may be the request arena's (json.h) */
	return db_exec(db, a, NULL, "DELETE FROM muted_terms WHERE user_id = ? AND kind = ?", "is",
		       user_id, kind) != DB_OK ||
		       db_exec(
			   db, a, NULL,
			   "INSERT INTO muted_terms (user_id, kind, term) SELECT ?, ?, j.t FROM "
			   "JSON_TABLE(?, '$[*]' COLUMNS (t VARCHAR(40) CHARACTER SET utf8mb4 "
			   "PATH '$')) j",
			   "iss", user_id, kind, copy) != DB_OK
		   ? -1
		   : 0;
}

int filters_save(struct db *db, struct arena *a, int64_t user_id, const cJSON *words,
		 const cJSON *tags, const char *cw)
{
	struct db_res r;
	int ok = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	/* The person's row orders two saves at once. */
	if (db_exec(db, a, NULL, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i", user_id) !=
		DB_OK ||
	    (words && terms_store(db, a, user_id, "word", words)) ||
	    (tags && terms_store(db, a, user_id, "tag", tags)) ||
	    (cw && db_exec(db, a, NULL, "UPDATE users SET cw_pref = ? WHERE id = ?", "si", cw,
			   user_id) != DB_OK) ||
	    db_read(db, a, &r, "SELECT COUNT(*) FROM muted_terms WHERE user_id = ?", "i",
		    user_id) != DB_OK)
		goto done;
	if (db_int(&r, 0, 0) > MYFILTERS_MAX_TERMS) {
		db_rollback(db);
		return 400;
	}
	ok = 1;
done:
	return db_finish(db, ok) == DB_OK ? 0 : 503;
}
