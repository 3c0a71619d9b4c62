/* myfilters.c - a person's own filters: blocking people (PUT|DELETE
 * /api/v1/users/NAME/block, the profile's Block button), muted words and
 * tags and the content-warning choice (/settings/filters, GET|PUT
 * /api/v1/me/filters), and how feeds, the post page and the social handlers
 * apply them (myfilters.h). */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "feedview.h"
#include "myfilters.h"
#include "post.h"
#include "social.h"
#include "textnorm.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define MYFILTERS_TTL 60 /* every change deletes the key; this bounds a racing reload */

static const char *const cw_names[] = {"blur", "show", "hide"};

static enum cw_pref cw_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(cw_names); i++)
		if (s && !strcmp(s, cw_names[i]))
			return (enum cw_pref)i;
	return CW_BLUR;
}

static char *filters_key(struct ctx *c, int64_t user_id)
{
	return arena_printf(c->a, "imagier:myfilters:%lld", (long long)user_id);
}

void myfilters_changed(struct ctx *c, int64_t user_id)
{
	cache_delete(c->app->cache, filters_key(c, user_id));
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The cached form {"h":[ids],"w":[words],"t":[tags],"cw":"blur"} into f. */
static void filters_from_json(struct ctx *c, const cJSON *j, struct myfilters *f)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "h");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "w");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
	const cJSON *e;
	int64_t *ids = arena_alloc(c->a, ((size_t)cJSON_GetArraySize(h) + 1) * sizeof(*ids));
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
	const char **words =
	    arena_alloc(c->a, ((size_t)cJSON_GetArraySize(w) + 1) * sizeof(*words));
	size_t nw = 0;
	cJSON_ArrayForEach(e, w)
	{
		if (cJSON_IsString(e))
			words[nw++] = arena_strdup(c->a, e->valuestring);
	}
	f->words = nw ? social_words_list(c->a, words, nw) : NULL;
	f->tags = arena_alloc(c->a, ((size_t)cJSON_GetArraySize(t) + 1) * sizeof(*f->tags));
	f->ntags = 0;
	cJSON_ArrayForEach(e, t)
	{
		if (cJSON_IsString(e))
			f->tags[f->ntags++] = arena_strdup(c->a, e->valuestring);
	}
	f->cw = cw_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "cw")));
}

/* All of a person's filters in one query, as the cached JSON (caller frees). */
static cJSON *filters_query(struct ctx *c, int64_t uid)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
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

void myfilters_load(struct ctx *c, struct myfilters *f)
{
	memset(f, 0, sizeof(*f));
	f->cw = CW_BLUR;
	if (!c->me)
		return;
	f->self = c->me->id;
	char *key = filters_key(c, c->me->id), *hit;
	size_t len;
	cJSON *j = NULL;
	if (cache_get(c->app->cache, c->a, key, &hit, &len) == 0)
		j = cJSON_ParseWithLength(hit, len);
	if (!j && (j = filters_query(c, c->me->id))) {
		char *s = cJSON_PrintUnformatted(j);
		cache_set(c->app->cache, key, s, strlen(s), MYFILTERS_TTL);
		free(s);
	}
	if (j)
		filters_from_json(c, j, f);
	cJSON_Delete(j);
}

static int text_muted(struct ctx *c, const struct myfilters *f, const cJSON *s)
{
	const char *t = cJSON_GetStringValue(s);
	return f->words && t && *t && textnorm_match(f->words, textnorm_fold(c->a, t, strlen(t)));
}

int myfilters_apply(struct ctx *c, const struct myfilters *f, cJSON *post)
{
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(post, "author");
	int64_t aid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(au, "id"));
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
		if (text_muted(c, f, cJSON_GetObjectItemCaseSensitive(post, "prompt")) ||
		    text_muted(c, f, cJSON_GetObjectItemCaseSensitive(post, "caption")))
			return 1;
	}
	const char *cw =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "content_warning"));
	if (!cw || !*cw || f->cw == CW_SHOW)
		return 0;
	if (f->cw == CW_HIDE && !own)
		return 1;
	cJSON_AddTrueToObject(post, "cw_blur");
	return 0;
}

void myfilters_post_page(struct ctx *c, cJSON *post)
{
	const char *cw =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "content_warning"));
	const char *ask = kv_get(&c->req->query, "cw");
	if (!cw || !*cw || (ask && !strcmp(ask, "show")))
		return;
	struct myfilters f;
	myfilters_load(c, &f);
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(post, "author");
	int64_t aid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(au, "id"));
	int own = f.self && aid == f.self;
	if (f.cw == CW_HIDE && !own)
		cJSON_AddTrueToObject(post, "cw_hidden");
	else if (f.cw != CW_SHOW)
		cJSON_AddTrueToObject(post, "cw_blur");
}

/* ---- blocks ---------------------------------------------------------------- */

/* The 403 for a block found as (blocker, other's name). */
static int blocked_fail(struct ctx *c, int64_t blocker, const char *name)
{
	if (blocker == c->me->id)
		return ctx_fail(c, 403, "blocked",
				arena_printf(c->a,
					     "You have blocked @%s; unblock them first to do that.",
					     name));
	return ctx_fail(c, 403, "blocked",
			arena_printf(c->a,
				     "@%s has blocked you: you cannot follow them, reply to them "
				     "or like, comment on or remix their posts.",
				     name));
}

int block_check(struct ctx *c, int64_t other_id)
{
	struct db_res r;
	int64_t me = c->me->id;
	if (db_exec(
		c->app->db, c->a, &r,
		"SELECT b.user_id, u.username FROM blocks b JOIN users u ON u.id = ? "
		"WHERE (b.user_id = ? AND b.target_id = ?) OR (b.user_id = ? AND b.target_id = ?) "
		"LIMIT 1",
		"iiiii", other_id, me, other_id, other_id, me) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return r.nrows ? blocked_fail(c, db_int(&r, 0, 0), db_str(&r, 0, 1)) : 0;
}

int block_check_post(struct ctx *c, int64_t post_id, int64_t parent_id)
{
	struct db_res r;
	int64_t me = c->me->id;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT b.user_id, u.username FROM blocks b "
		    "JOIN users u ON u.id = IF(b.user_id = ?, b.target_id, b.user_id) "
		    "WHERE (b.user_id = ? AND b.target_id IN (SELECT p.user_id FROM posts p WHERE "
		    "p.id = ? UNION SELECT cm.user_id FROM comments cm WHERE cm.id = ?)) "
		    "OR (b.target_id = ? AND b.user_id IN (SELECT p.user_id FROM posts p WHERE "
		    "p.id = ? UNION SELECT cm.user_id FROM comments cm WHERE cm.id = ?)) LIMIT 1",
		    "iiiiiii", me, me, post_id, parent_id, me, post_id, parent_id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return r.nrows ? blocked_fail(c, db_int(&r, 0, 0), db_str(&r, 0, 1)) : 0;
}

/* Remove the follow follower -> followee, with both counters. 0 or -1. */
static int unfollow(struct ctx *c, int64_t follower, int64_t followee, int *removed)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?", "ii", follower,
		    followee) != DB_OK)
		return -1;
	*removed = r.affected == 1;
	if (*removed && (db_exec(c->app->db, c->a, NULL,
				 "UPDATE users SET following_count = following_count - 1 "
				 "WHERE id = ? AND following_count > 0",
				 "i", follower) != DB_OK ||
			 db_exec(c->app->db, c->a, NULL,
				 "UPDATE users SET follower_count = follower_count - 1 "
				 "WHERE id = ? AND follower_count > 0",
				 "i", followee) != DB_OK))
		return -1;
	return 0;
}

/* Block: the row, and the follows either way gone, in one transaction.
 * 0 with *changed and *unfollowed, or 503. */
static int block_store(struct ctx *c, int64_t target, int on, int *changed, int *unfollowed)
{
	struct db *db = c->app->db;
	int64_t me = c->me->id;
	struct db_res r;
	*changed = *unfollowed = 0;
	if (!on) {
		if (db_exec(db, c->a, &r, "DELETE FROM blocks WHERE user_id = ? AND target_id = ?",
			    "ii", me, target) != DB_OK)
			return 503;
		*changed = r.affected == 1;
		return 0;
	}
	int a = 0, b = 0;
	if (db_begin(db) != DB_OK)
		return 503;
	/* Both people's rows, in id order: the follow counters move below. */
	if (db_exec(db, c->a, NULL,
		    "SELECT id FROM users WHERE id IN (?, ?) ORDER BY id FOR UPDATE", "ii", me,
		    target) != DB_OK ||
	    db_exec(db, c->a, &r,
		    "INSERT IGNORE INTO blocks (user_id, target_id, created_at) VALUES (?, ?, ?)",
		    "iii", me, target, now_unix()) != DB_OK)
		goto fail;
	*changed = r.affected == 1;
	if (unfollow(c, me, target, &a) || unfollow(c, target, me, &b))
		goto fail;
	if (db_commit(db) != DB_OK)
		return 503;
	*unfollowed = a || b;
	return 0;
fail:
	db_rollback(db);
	return 503;
}

/* Everything cached that a block between the viewer and other changes. */
static void block_changed(struct ctx *c, int64_t other)
{
	int64_t who[2] = {c->me->id, other};
	for (size_t i = 0; i < 2; i++) {
		long long id = (long long)who[i];
		myfilters_changed(c, who[i]);
		cache_delete(c->app->cache, social_unread_key(c->a, who[i]));
		cache_bump(c->app->cache, arena_printf(c->a, "imagier:v:follows:%lld", id));
		cache_bump(c->app->cache, arena_printf(c->a, "imagier:v:foryou:%lld", id));
		/* the other's page cache (the dispatcher bumps the viewer's) */
		cache_bump(c->app->cache, user_version_key(c->a, id));
	}
}

static int block_set(struct ctx *c, int on)
{
	int64_t id;
	int st, changed, unfollowed;
	if ((st = user_lookup(c, c->sparams[0], &id)))
		return st;
	if (id == c->me->id)
		return ctx_fail(c, 400, "self_block", "You cannot block yourself.");
	if (block_store(c, id, on, &changed, &unfollowed))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	if (changed)
		block_changed(c, id);
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "username", c->sparams[0]);
	cJSON_AddBoolToObject(d, "blocked", on);
	cJSON_AddBoolToObject(d, "changed", changed);
	cJSON_AddBoolToObject(d, "unfollowed", unfollowed);
	const char *next = ctx_local_path(kv_get(&c->req->form, "next"));
	return ctx_done(c, 200,
			next ? next : arena_printf(c->a, "/u/%s", url_encode(c->a, c->sparams[0])));
}

int block_user_put(struct ctx *c)
{
	return block_set(c, 1);
}

int block_user_delete(struct ctx *c)
{
	return block_set(c, 0);
}

int block_user_form(struct ctx *c)
{
	const char *v = kv_get(&c->req->form, "block");
	return block_set(c, !v || strcmp(v, "0"));
}

/* ---- /settings/filters ------------------------------------------------------ */

/* Lines of a textarea as a JSON array of strings (caller frees). */
static cJSON *lines_json(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = text;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = xmalloc(n + 1);
		memcpy(line, p, n);
		line[n] = '\0';
		cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		free(line);
		p = e ? e + 1 : NULL;
	}
	return arr;
}

/* One term as stored: trimmed, lower-case, a tag without '#'. *out is NULL
 * for a blank line. 0, or -1 with *why. */
static int term_norm(struct ctx *c, int tag, const char *raw, size_t index, const char **out,
		     const char **why)
{
	const char *what = tag ? "Muted tag" : "Muted word", *clean, *w;
	*out = NULL;
	if (text_clean(c->a, raw, strlen(raw), 4 * MYFILTERS_TERM_MAX, &clean, &w) ||
	    strpbrk(clean, "\n\t")) {
		*why = arena_printf(c->a, "%s %zu: one term a line, without control characters.",
				    what, index);
		return -1;
	}
	char *t = arena_strdup(c->a, clean);
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
		*why = arena_printf(c->a, "%s %zu is longer than %d characters.", what, index,
				    MYFILTERS_TERM_MAX);
		return -1;
	}
	if (tag) {
		const char *one[POST_MAX_TAGS], *tw;
		if (post_parse_tags(c->a, t, one, &tw) != 1 || strcmp(one[0], t)) {
			*why = arena_printf(c->a,
					    "%s %zu is not a tag: one word of letters, digits, - "
					    "and _, at most %d characters.",
					    what, index, POST_MAX_TAG_CHARS);
			return -1;
		}
	} else if (!*textnorm_fold(c->a, t, strlen(t))) {
		*why = arena_printf(c->a, "%s %zu has no letters to match.", what, index);
		return -1;
	}
	*out = t;
	return 0;
}

/* A submitted list (JSON array, or a textarea's lines) checked and
 * normalised into a JSON array of distinct terms (caller frees), or NULL
 * with *code and *why. */
static cJSON *terms_read(struct ctx *c, int tag, const cJSON *in, const char **code,
			 const char **why)
{
	cJSON *out = cJSON_CreateArray();
	const char **seen = arena_alloc(c->a, ((size_t)cJSON_GetArraySize(in) + 1) * sizeof(*seen));
	size_t n = 0, index = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, in)
	{
		const char *t;
		index++;
		if (!cJSON_IsString(e)) {
			*why = arena_printf(c->a, "%s must be a list of strings.",
					    tag ? "muted_tags" : "muted_words");
			goto bad;
		}
		if (term_norm(c, tag, e->valuestring, index, &t, why))
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
			*why = arena_printf(c->a, "You can mute at most %d words and tags in all.",
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

/* The submitted field name as an array: the JSON body's member as is (a
 * string there is refused), a form field split into lines. NULL when absent;
 * *bad when present but not a list. The caller frees a form's array. */
static const cJSON *field_list(struct ctx *c, const char *name, cJSON **owned, int *bad)
{
	*owned = NULL;
	*bad = 0;
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, name);
		if (v && !cJSON_IsArray(v))
			*bad = 1;
		return cJSON_IsArray(v) ? v : NULL;
	}
	const char *v = ctx_param(c, name);
	return v ? (*owned = lines_json(v)) : NULL;
}

/* The person's filters as {"muted_words","muted_tags","muted_users",
 * "blocked_users","content_warnings"} into d (arrays sorted). 0 or -1. */
static int filters_json(struct ctx *c, cJSON *d)
{
	struct db_res r;
	int64_t me = c->me->id;
	if (db_exec(c->app->db, c->a, &r,
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

/* The HTML page's extras: the textareas' text (the submitted one after a
 * refused form), the radio group, and people with their /u/ links. */
static void filters_page(struct ctx *c, cJSON *d, const char *words, const char *tags,
			 const char *cw)
{
	static const char *const lists[][3] = {{"muted_words", "muted_words_text", NULL},
					       {"muted_tags", "muted_tags_text", NULL},
					       {"muted_users", "muted_people", "mute"},
					       {"blocked_users", "blocked_people", "block"}};
	for (size_t k = 0; k < 4; k++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(d, lists[k][0]), *e;
		char *text = arena_strdup(c->a, "");
		cJSON *people = lists[k][2] ? cJSON_AddArrayToObject(d, lists[k][1]) : NULL;
		cJSON_ArrayForEach(e, arr)
		{
			if (!people) {
				text = arena_printf(c->a, "%s%s\n", text, e->valuestring);
				continue;
			}
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", e->valuestring);
			cJSON_AddStringToObject(
			    o, "url",
			    arena_printf(c->a, "/u/%s", url_encode(c->a, e->valuestring)));
			cJSON_AddItemToArray(people, o);
		}
		if (!people)
			cJSON_AddStringToObject(d, lists[k][1],
						k == 0 && words	 ? words
						: k == 1 && tags ? tags
								 : text);
	}
	if (!cw)
		cw = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "content_warnings"));
	for (size_t i = 0; i < ARRAY_LEN(cw_names); i++)
		cJSON_AddBoolToObject(d, arena_printf(c->a, "cw_is_%s", cw_names[i]),
				      cw && !strcmp(cw, cw_names[i]));
	c->title = "Your filters";
}

int my_filters_show(struct ctx *c)
{
	cJSON *d = ctx_data(c);
	if (filters_json(c, d))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api)
		filters_page(c, d, NULL, NULL, NULL);
	return 200;
}

/* Replace the person's terms of kind with the array terms (a JSON text). */
static int terms_store(struct ctx *c, const char *kind, const cJSON *terms)
{
	char *json = cJSON_PrintUnformatted(terms);
	char *copy = arena_strdup(c->a, json);
	free(json);
	return db_exec(c->app->db, c->a, NULL,
		       "DELETE FROM muted_terms WHERE user_id = ? AND kind = ?", "is", c->me->id,
		       kind) != DB_OK ||
		       db_exec(
			   c->app->db, c->a, NULL,
			   "INSERT INTO muted_terms (user_id, kind, term) SELECT ?, ?, j.t FROM "
			   "JSON_TABLE(?, '$[*]' COLUMNS (t VARCHAR(40) CHARACTER SET utf8mb4 "
			   "PATH '$')) j",
			   "iss", c->me->id, kind, copy) != DB_OK
		   ? -1
		   : 0;
}

/* Write what was sent, all or nothing. 0, 400 (too many in all), 503. */
static int filters_store(struct ctx *c, const cJSON *words, const cJSON *tags, const char *cw)
{
	struct db *db = c->app->db;
	struct db_res r;
	if (db_begin(db) != DB_OK)
		return 503;
	/* The person's row orders two saves at once. */
	if (db_exec(db, c->a, NULL, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i",
		    c->me->id) != DB_OK ||
	    (words && terms_store(c, "word", words)) || (tags && terms_store(c, "tag", tags)) ||
	    (cw && db_exec(db, c->a, NULL, "UPDATE users SET cw_pref = ? WHERE id = ?", "si", cw,
			   c->me->id) != DB_OK) ||
	    db_exec(db, c->a, &r, "SELECT COUNT(*) FROM muted_terms WHERE user_id = ?", "i",
		    c->me->id) != DB_OK)
		goto fail;
	if (db_int(&r, 0, 0) > MYFILTERS_MAX_TERMS) {
		db_rollback(db);
		return 400;
	}
	return db_commit(db) == DB_OK ? 0 : 503;
fail:
	db_rollback(db);
	return 503;
}

int my_filters_update(struct ctx *c)
{
	cJSON *wown, *town, *words = NULL, *tags = NULL;
	int wbad, tbad, st = 0;
	const char *why = NULL, *code = "bad_term";
	const cJSON *win = field_list(c, "muted_words", &wown, &wbad);
	const cJSON *tin = field_list(c, "muted_tags", &town, &tbad);
	const char *cw = ctx_param(c, "content_warnings");
	if (c->req->json && cJSON_GetObjectItemCaseSensitive(c->req->json, "content_warnings") &&
	    !cw)
		cw = "";
	if (wbad || tbad) {
		why = "muted_words and muted_tags are lists of strings.";
		code = "bad_list";
	} else if (!win && !tin && !cw) {
		why = "Send muted_words, muted_tags or content_warnings.";
		code = "nothing_to_change";
	} else if (cw && strcmp(cw, "blur") && strcmp(cw, "show") && strcmp(cw, "hide")) {
		why = "content_warnings is blur, show or hide.";
		code = "bad_content_warnings";
	} else if ((win && !(words = terms_read(c, 0, win, &code, &why))) ||
		   (tin && !(tags = terms_read(c, 1, tin, &code, &why)))) {
		/* code and why are set */
	} else if ((st = filters_store(c, words, tags, cw)) == 400) {
		why = "You can mute at most 100 words and tags in all.";
		code = "too_many_terms";
	}
	cJSON_Delete(wown);
	cJSON_Delete(town);
	cJSON_Delete(words);
	cJSON_Delete(tags);
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "Could not save your filters; try again.");
	if (why) {
		/* The page again, with what was typed and why it was refused. */
		cJSON *d = ctx_data(c);
		if (!c->api && !filters_json(c, d))
			filters_page(c, d, ctx_param(c, "muted_words"), ctx_param(c, "muted_tags"),
				     cw);
		return ctx_fail(c, 400, code, why);
	}
	myfilters_changed(c, c->me->id);
	cache_delete(c->app->cache, social_unread_key(c->a, c->me->id));
	if (c->api && filters_json(c, ctx_data(c)))
		return ctx_fail(c, 503, "unavailable", "Saved, but cannot be read back.");
	return ctx_done(c, 200, "/settings/filters");
}
