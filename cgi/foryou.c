/* foryou.c - the "for you" feed: gather candidates (people and tags followed,
 * remixes of liked posts, rising, a little exploration), load the person's
 * tastes, rank with lib/rank.c, remember what was shown; and "show less". */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "feed.h"
#include "feedview.h"
#include "post.h"
#include "rank.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FY_MAX_CANDIDATES 800
#define FY_CACHE_TTL	  120
#define FY_DAYS		  14
#define FY_SEEN_HOURS	  6

struct pool {
	struct rank_item *items;
	size_t n;
};

static struct rank_item *pool_find(struct pool *p, int64_t id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].post_id == id)
			return &p->items[i];
	return NULL;
}

/* Rows (id, author, created, likes, comments, remixes[, reason id]) into
 * the pool, OR-ing the source into posts already there. */
static void pool_add(struct pool *p, const struct db_res *r, unsigned source, int reason_col)
{
	for (size_t i = 0; i < r->nrows && p->n < FY_MAX_CANDIDATES; i++) {
		int64_t id = db_int(r, i, 0);
		struct rank_item *it = pool_find(p, id);
		if (!it) {
			it = &p->items[p->n++];
			memset(it, 0, sizeof(*it));
			it->post_id = id;
			it->author_id = db_int(r, i, 1);
			it->created_at = db_int(r, i, 2);
			it->like_count = (uint32_t)db_int(r, i, 3);
			it->comment_count = (uint32_t)db_int(r, i, 4);
			it->remix_count = (uint32_t)db_int(r, i, 5);
		}
		it->sources |= source;
		if (source == SRC_FOLLOWED_TAG && !it->reason_tag_id)
			it->reason_tag_id = db_int(r, i, reason_col);
		if (source == SRC_REMIX_OF_LIKED && !it->reason_parent_id)
			it->reason_parent_id = db_int(r, i, reason_col);
	}
}

#define CAND	   "p.id, p.user_id, p.created_at, p.like_count, p.comment_count, p.remix_count"
#define RISING_KEY "imagier:rising"
#define RISING_TTL 60

/* What is rising is the same for everybody: the most liked posts of the
 * last two days, cached for a minute as the query's rows (tab separated). */
static int rising(struct ctx *c, struct db_res *r)
{
	char *hit;
	size_t len;
	if (cache_get(c->app->cache, c->a, RISING_KEY, &hit, &len) == 0) {
		size_t rows = 0;
		for (size_t i = 0; i < len; i++)
			rows += hit[i] == '\n';
		memset(r, 0, sizeof(*r));
		r->ncols = 6;
		r->cells = arena_zalloc(c->a, (rows * 6 + 1) * sizeof(char *));
		r->lens = arena_zalloc(c->a, (rows * 6 + 1) * sizeof(size_t));
		char *save = NULL;
		for (char *line = strtok_r(hit, "\n", &save); line && r->nrows < rows;
		     line = strtok_r(NULL, "\n", &save)) {
			char *s2 = NULL, *f = strtok_r(line, "\t", &s2);
			for (size_t k = 0; k < 6 && f; k++, f = strtok_r(NULL, "\t", &s2))
				r->cells[r->nrows * 6 + k] = f;
			r->nrows++;
		}
		return 0;
	}
	if (db_exec(c->app->db, c->a, r,
		    "SELECT id FROM posts WHERE created_at > ? ORDER BY created_at, id LIMIT 1",
		    "i", now_unix() - 2 * 86400) != DB_OK)
		return -1;
	int64_t min_id = r->nrows ? db_int(r, 0, 0) : INT64_MAX;
	/* A constant bound, so the primary key range is read (a few thousand
	 * rows) rather than the like-count index from the all-time top down. */
	if (db_exec(c->app->db, c->a, r,
		    "SELECT " CAND " FROM posts p FORCE INDEX (PRIMARY) WHERE p.id >= ? "
		    "ORDER BY p.like_count DESC, p.id DESC LIMIT 150",
		    "i", min_id) != DB_OK)
		return -1;
	char *text = arena_strdup(c->a, "");
	for (size_t i = 0; i < r->nrows; i++)
		text = arena_printf(c->a, "%s%s\t%s\t%s\t%s\t%s\t%s\n", text, db_str(r, i, 0),
				    db_str(r, i, 1), db_str(r, i, 2), db_str(r, i, 3),
				    db_str(r, i, 4), db_str(r, i, 5));
	cache_set(c->app->cache, RISING_KEY, text, strlen(text), RISING_TTL);
	return 0;
}

static int gather(struct ctx *c, struct pool *p, uint64_t seed)
{
	struct db *db = c->app->db;
	struct arena *a = c->a;
	int64_t uid = c->me->id, since = now_unix() - FY_DAYS * 86400;
	struct db_res r;
	/* "Recent" as an id bound: ids grow with time, and (user_id, id) and
	 * (tag_id, post_id) are the indexes the walks use. */
	/* The oldest post of the window is the first entry of the
	 * (created_at, id) index past `since` (MIN(id) would scan them all). */
	if (db_exec(db, a, &r,
		    "SELECT id FROM posts WHERE created_at > ? ORDER BY created_at, id LIMIT 1",
		    "i", since) != DB_OK)
		return -1;
	int64_t min_id = r.nrows ? db_int(&r, 0, 0) : INT64_MAX;
	/* Newest first by primary key, one key lookup each (see feed.c). */
	if (db_exec(db, a, &r,
		    "SELECT STRAIGHT_JOIN " CAND " FROM posts p JOIN follows f "
		    "ON f.follower_id = ? AND f.followee_id = p.user_id "
		    "WHERE p.id >= ? ORDER BY p.id DESC LIMIT 300",
		    "ii", uid, min_id) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_FOLLOWED_AUTHOR, 0);
	if (db_exec(db, a, &r,
		    "SELECT STRAIGHT_JOIN " CAND ", pt.tag_id FROM post_tags pt FORCE INDEX "
		    "(ix_post_tags_post) JOIN tag_follows tf ON tf.user_id = ? AND tf.tag_id = "
		    "pt.tag_id JOIN posts p ON p.id = pt.post_id "
		    "WHERE pt.post_id >= ? ORDER BY pt.post_id DESC LIMIT 200",
		    "ii", uid, min_id) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_FOLLOWED_TAG, 6);
	if (db_exec(db, a, &r,
		    "SELECT " CAND ", l.post_id FROM (SELECT post_id FROM likes WHERE user_id = ? "
		    "ORDER BY created_at DESC LIMIT 200) l JOIN posts p ON p.parent_id = l.post_id "
		    "ORDER BY p.id DESC LIMIT 100",
		    "i", uid) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_REMIX_OF_LIKED, 6);
	if (rising(c, &r))
		return -1;
	pool_add(p, &r, SRC_RISING, 0);
	/* Exploration: a seeded random sample of recent posts. */
	if (db_exec(db, a, &r,
		    "SELECT " CAND
		    " FROM posts p WHERE p.id > (SELECT CAST(MAX(id) AS SIGNED) FROM posts) - 4000 "
		    "ORDER BY RAND(?) LIMIT 60",
		    "i", (int64_t)(seed % 1000000007)) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_EXPLORE, 0);
	/* The tags of every candidate, for tag affinity and "show less". */
	if (!p->n)
		return 0;
	char *list = db_id_list(a, &p->items[0].post_id, p->n, sizeof(p->items[0]));
	if (db_exec(db, a, &r,
		    "SELECT pt.post_id, pt.tag_id FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT "
		    "PATH '$')) j JOIN post_tags pt ON pt.post_id = j.id",
		    "s", list) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct rank_item *it = pool_find(p, db_int(&r, i, 0));
		if (it && it->ntags < RANK_MAX_TAGS)
			it->tag_ids[it->ntags++] = db_int(&r, i, 1);
	}
	return 0;
}

static int cmp_weight(const void *a, const void *b)
{
	int64_t x = ((const struct rank_weight *)a)->id, y = ((const struct rank_weight *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Rows (id, value) as weights normalised to the largest value, sorted. */
static struct rank_weight *weights(struct arena *a, const struct db_res *r, size_t *n)
{
	struct rank_weight *w = arena_zalloc(a, (r->nrows + 1) * sizeof(*w));
	double max = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		double v = strtod(db_str(r, i, 1), NULL);
		if (v > max)
			max = v;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		w[i].id = db_int(r, i, 0);
		w[i].w = max > 0 ? strtod(db_str(r, i, 1), NULL) / max : 0;
	}
	qsort(w, r->nrows, sizeof(*w), cmp_weight);
	*n = r->nrows;
	return w;
}

/* "Show less" weights of one kind ("author" or "tag"), sorted; NULL on a
 * database failure. */
static struct rank_weight *feedback(struct ctx *c, const char *kind, size_t *n)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT target_id, weight FROM feed_feedback WHERE user_id = ? AND kind = ?",
		    "is", c->me->id, kind) != DB_OK)
		return NULL;
	struct rank_weight *w = arena_zalloc(c->a, (r.nrows + 1) * sizeof(*w));
	for (size_t i = 0; i < r.nrows; i++) {
		w[i].id = db_int(&r, i, 0);
		w[i].w = strtod(db_str(&r, i, 1), NULL);
	}
	qsort(w, r.nrows, sizeof(*w), cmp_weight);
	*n = r.nrows;
	return w;
}

static int profile(struct ctx *c, uint64_t seed, struct rank_profile *prof, int64_t **visit_seen,
		   size_t *nvisit)
{
	struct db *db = c->app->db;
	struct arena *a = c->a;
	int64_t uid = c->me->id;
	struct db_res r;
	memset(prof, 0, sizeof(*prof));
	prof->self_id = uid;
	if (db_exec(db, a, &r,
		    "SELECT p.user_id, COUNT(*) FROM (SELECT post_id FROM likes WHERE user_id = ? "
		    "ORDER BY created_at DESC LIMIT 500) l JOIN posts p ON p.id = l.post_id "
		    "GROUP BY p.user_id",
		    "i", uid) != DB_OK)
		return -1;
	prof->author_affinity = weights(a, &r, &prof->nauthor_affinity);
	if (db_exec(
		db, a, &r,
		"SELECT pt.tag_id, COUNT(*) FROM (SELECT post_id FROM likes WHERE user_id = ? "
		"ORDER BY created_at DESC LIMIT 500) l JOIN post_tags pt ON pt.post_id = l.post_id "
		"GROUP BY pt.tag_id",
		"i", uid) != DB_OK)
		return -1;
	prof->tag_affinity = weights(a, &r, &prof->ntag_affinity);
	int64_t *muted;
	if (social_muted(db, a, uid, &muted, &prof->nhidden_authors))
		return -1;
	prof->hidden_authors = muted;
	if (!(prof->less_authors = feedback(c, "author", &prof->nless_authors)) ||
	    !(prof->less_tags = feedback(c, "tag", &prof->nless_tags)))
		return -1;
	/* Seen: what the last pages showed (six hours), and apart from it what
	 * this visit (its seed) showed. */
	if (db_exec(db, a, &r,
		    "SELECT post_id, seed FROM impressions WHERE user_id = ? AND shown_at > ? "
		    "ORDER BY shown_at DESC LIMIT 3000",
		    "ii", uid, now_unix() - FY_SEEN_HOURS * 3600) != DB_OK)
		return -1;
	int64_t *seen = arena_alloc(a, (r.nrows + 1) * sizeof(*seen));
	int64_t *visit = arena_alloc(a, (r.nrows + 1) * sizeof(*visit));
	size_t nv = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		seen[i] = db_int(&r, i, 0);
		if (strtoull(db_str(&r, i, 1), NULL, 10) == seed)
			visit[nv++] = seen[i];
	}
	qsort(visit, nv, sizeof(*visit), cmp_i64);
	qsort(seen, r.nrows, sizeof(*seen), cmp_i64);
	prof->seen = seen;
	prof->nseen = r.nrows;
	*visit_seen = visit;
	*nvisit = nv;
	return 0;
}

/* The names that reasons mention: authors and tags of the chosen items. */
static const char *name_of(struct arena *a, struct db *db, const char *sql, int64_t id)
{
	struct db_res r;
	if (!id || db_exec(db, a, &r, sql, "i", id) != DB_OK || r.nrows == 0)
		return NULL;
	return db_str(&r, 0, 0);
}

/* ids minus drop (both sorted); returns ids, compacted in place. */
static const int64_t *remove_ids(const int64_t *ids, size_t *n, const int64_t *drop, size_t ndrop)
{
	int64_t *out = (int64_t *)ids;
	size_t k = 0, j = 0;
	for (size_t i = 0; i < *n; i++) {
		while (j < ndrop && drop[j] < ids[i])
			j++;
		if (j < ndrop && drop[j] == ids[i])
			continue;
		out[k++] = ids[i];
	}
	*n = k;
	return out;
}

/* Build page `page` of the visit `seed` (and remember it as shown). */
static int build_page(struct ctx *c, uint64_t seed, long long page, struct feed_page *pg)
{
	struct pool p = {arena_zalloc(c->a, FY_MAX_CANDIDATES * sizeof(struct rank_item)), 0};
	struct rank_profile prof;
	int64_t *visit;
	size_t nvisit;
	if (gather(c, &p, seed + (uint64_t)page) || profile(c, seed, &prof, &visit, &nvisit))
		return -1;
	if (page == 0) {
		/* A first page may show again what this same visit showed on it
		 * before (a reload once its cache expired). */
		prof.seen = remove_ids(prof.seen, &prof.nseen, visit, nvisit);
	}
	struct rank_params rp;
	rank_params_default(&rp);
	rank_params_from_config(&c->app->cfg, &rp);
	rank_score(p.items, p.n, &prof, &rp, now_unix());
	size_t *idx = arena_alloc(c->a, (FEED_PAGE + 1) * sizeof(*idx));
	size_t n = rank_page(p.items, p.n, &rp, FEED_PAGE, seed + (uint64_t)page, idx);
	if (n < FEED_PAGE && prof.nseen > (page ? nvisit : 0)) {
		/* Everything fresh was shown already: rather than a short page,
		 * allow what earlier visits showed (never this visit's later
		 * pages repeating its earlier ones). */
		prof.seen = page ? visit : NULL;
		prof.nseen = page ? nvisit : 0;
		rank_score(p.items, p.n, &prof, &rp, now_unix());
		n = rank_page(p.items, p.n, &rp, FEED_PAGE, seed + (uint64_t)page, idx);
	}
	pg->items = arena_zalloc(c->a, (n + 1) * sizeof(*pg->items));
	pg->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct rank_item *it = &p.items[idx[i]];
		char why[160];
		const char *tag =
		    it->reason == SRC_FOLLOWED_TAG
			? name_of(c->a, c->app->db, "SELECT name FROM tags WHERE id = ?",
				  it->reason_tag_id)
			: NULL;
		const char *author =
		    it->reason == SRC_FOLLOWED_AUTHOR
			? name_of(c->a, c->app->db, "SELECT username FROM users WHERE id = ?",
				  it->author_id)
			: NULL;
		rank_reason_text(it, tag, author, why, sizeof(why));
		pg->items[i].id = it->post_id;
		pg->items[i].reason = arena_strdup(c->a, why);
	}
	/* Remember the page as shown: one statement, one commit. */
	if (n) {
		char *list = db_id_list(c->a, &pg->items[0].id, n, sizeof(pg->items[0]));
		db_exec(c->app->db, c->a, NULL,
			"INSERT INTO impressions (user_id, post_id, shown_at, seed) "
			"SELECT ?, j.id, ?, ? FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH "
			"'$')) j "
			"ON DUPLICATE KEY UPDATE shown_at = VALUES(shown_at), seed = VALUES(seed)",
			"iius", c->me->id, now_unix(), seed, list);
	}
	return 0;
}

int foryou_show(struct ctx *c)
{
	if (!c->me)
		return ctx_fail(c, 401, "unauthorized", "Log in for a feed made for you.");
	/* Cursor "fy:PAGE:SEED", signed. A fresh visit gets a new seed every
	 * ten minutes, so reloading shows the same page for a while. */
	uint64_t seed = (uint64_t)(now_unix() / 600) * 1000003u ^ (uint64_t)c->me->id;
	long long page = 0;
	const char *cur = kv_get(&c->req->query, "cursor");
	if (cur && *cur) {
		const char *payload = cursor_open(c, cur);
		unsigned long long s;
		char extra;
		if (!payload || sscanf(payload, "fy:%lld:%llu%c", &page, &s, &extra) != 2 ||
		    page < 1 || page > 1000)
			return ctx_fail(c, 400, "bad_cursor", "That cursor is not valid.");
		seed = s;
	}
	uint64_t ver = cache_version(
	    c->app->cache, arena_printf(c->a, "imagier:v:foryou:%lld", (long long)c->me->id));
	char *key = ver ? arena_printf(c->a, "imagier:fy:%lld:%llu:%llu:%lld", (long long)c->me->id,
				       (unsigned long long)ver, (unsigned long long)seed, page)
			: NULL;
	struct feed_page pg = {0};
	char *hit;
	size_t len;
	if (!key || cache_get(c->app->cache, c->a, key, &hit, &len) ||
	    feed_page_decode(c, hit, len, &pg)) {
		if (build_page(c, seed, page, &pg))
			return ctx_fail(c, 503, "unavailable", "The database is not answering.");
		if (key && pg.n)
			feed_page_store(c, key, FY_CACHE_TTL, &pg);
	}
	cJSON *d = ctx_data(c);
	cJSON *items = cJSON_AddArrayToObject(d, "items");
	if (feed_render_items(c, &pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	char *next = pg.n ? cursor_make(c, arena_printf(c->a, "fy:%lld:%llu", page + 1,
							(unsigned long long)seed))
			  : NULL;
	if (next)
		cJSON_AddStringToObject(d, "next", next);
	else
		cJSON_AddNullToObject(d, "next");
	if (!c->api) {
		if (next)
			cJSON_AddStringToObject(
			    d, "more_url",
			    arena_printf(c->a, "/foryou?cursor=%s", url_encode(c->a, next)));
		cJSON_AddBoolToObject(d, "empty", pg.n == 0);
		cJSON_AddBoolToObject(d, "first_page", page == 0);
		cJSON_AddBoolToObject(d, "show_less", 1);
		feed_tabs(c, "foryou");
		c->title = "For you";
	}
	return 200;
}

int foryou_page(struct ctx *c)
{
	return foryou_show(c);
}

/* "Show less like this": the post's author and tags weigh less for this
 * person from now on (and the cached pages are dropped). */
int feed_feedback(struct ctx *c)
{
	uint64_t post_id = 0;
	const char *signal = ctx_param(c, "signal");
	if (ctx_param_u64(c, "post_id", INT64_MAX, &post_id) <= 0)
		return ctx_fail(c, 400, "bad_post_id", "Say which post: post_id.");
	if (signal && strcmp(signal, "less"))
		return ctx_fail(c, 400, "bad_signal", "The only signal is \"less\".");
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, "SELECT user_id FROM posts WHERE id = ?", "i",
		    (int64_t)post_id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (r.nrows == 0)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	int64_t author = db_int(&r, 0, 0), now = now_unix();
	if (db_exec(c->app->db, c->a, NULL,
		    "INSERT INTO feed_feedback (user_id, kind, target_id, weight, updated_at) "
		    "VALUES (?, 'author', ?, 0.5, ?) ON DUPLICATE KEY UPDATE "
		    "weight = LEAST(1.0, weight + 0.5), updated_at = VALUES(updated_at)",
		    "iii", c->me->id, author, now) != DB_OK ||
	    db_exec(c->app->db, c->a, NULL,
		    "INSERT INTO feed_feedback (user_id, kind, target_id, weight, updated_at) "
		    "SELECT ?, 'tag', tag_id, 0.3, ? FROM post_tags WHERE post_id = ? "
		    "ON DUPLICATE KEY UPDATE weight = LEAST(1.0, weight + 0.3), "
		    "updated_at = VALUES(updated_at)",
		    "iii", c->me->id, now, (int64_t)post_id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	cache_bump(c->app->cache,
		   arena_printf(c->a, "imagier:v:foryou:%lld", (long long)c->me->id));
	if (c->api)
		cJSON_AddTrueToObject(ctx_data(c), "ok");
	return ctx_done(c, 200, "/foryou");
}

void rank_params_from_config(const struct config *cfg, struct rank_params *p)
{
	p->w_like = cfg->rank_w_like;
	p->w_comment = cfg->rank_w_comment;
	p->w_remix = cfg->rank_w_remix;
	p->half_life_hours = cfg->rank_half_life_hours > 0 ? cfg->rank_half_life_hours : 24;
	p->w_author_affinity = cfg->rank_w_author_affinity;
	p->w_tag_affinity = cfg->rank_w_tag_affinity;
	p->w_followed_author = cfg->rank_w_followed_author;
	p->w_followed_tag = cfg->rank_w_followed_tag;
	p->w_remix_of_liked = cfg->rank_w_remix_of_liked;
	p->w_rising = cfg->rank_w_rising;
	p->w_fresh = cfg->rank_w_fresh;
	p->fresh_hours = cfg->rank_fresh_hours > 0 ? cfg->rank_fresh_hours : 6;
	p->less_penalty = cfg->rank_less_penalty;
	p->explore_share = cfg->rank_explore_share;
	p->max_per_author = cfg->rank_max_per_author > 0 ? cfg->rank_max_per_author : 2;
}
