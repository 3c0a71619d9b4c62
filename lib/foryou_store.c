/* foryou_store.c - what the "for you" feed reads and writes: candidates
 * (people and tags followed, remixes of liked posts, rising, a little
 * exploration), the person's tastes, the names reasons mention, impressions
 * and "show less". The ranking itself is lib/rank.c; a page, foryou.c. */
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "feed.h"
#include "foryou.h"
#include "foryou_store.h"
#include "rank.h"
#include "social.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define FY_DAYS	      14
#define FY_SEEN_HOURS 48 /* what a new visit leaves out first (docs/API.md) */
#define FY_VISIT_DAYS 7	 /* a visit (one seed) never repeats itself for this long */

static struct rank_item *pool_find(struct fy_pool *p, int64_t id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].post_id == id)
			return &p->items[i];
	return NULL;
}

/* Rows (id, author, created, likes, comments, remixes[, reason id]) into
 * the pool, OR-ing the source into posts already there. */
static void pool_add(struct fy_pool *p, const struct db_res *r, unsigned source, int reason_col)
{
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t id = db_int(r, i, 0);
		struct rank_item *it = pool_find(p, id);
		if (!it) {
			if (p->n >= p->cap)
				break;
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

#define CAND "p.id, p.user_id, p.created_at, p.like_count, p.comment_count, p.remix_count"

/* The oldest post id of the last `secs` seconds: the first entry of the
 * (created_at, id) index past the bound (MIN(id) would scan them all);
 * INT64_MAX when there is none. -1 on a database failure. */
static int first_id_since(struct db *db, struct arena *a, int64_t secs, int64_t *id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT id FROM posts WHERE created_at > ? ORDER BY created_at, id LIMIT 1",
		    "i", now_unix() - secs) != DB_OK)
		return -1;
	*id = r.nrows ? db_int(&r, 0, 0) : INT64_MAX;
	return 0;
}

int foryou_gather_global(struct db *db, struct arena *a, struct fy_pool *p)
{
	struct db_res r;
	int64_t min_id;
	/* Rising: the most liked posts of the last two days. A constant bound,
	 * so the primary key range is read (a few thousand rows) rather than
	 * the like-count index from the all-time top down. */
	if (first_id_since(db, a, 2 * 86400, &min_id) ||
	    db_read(db, a, &r,
		    "SELECT " CAND " FROM posts p FORCE INDEX (PRIMARY) WHERE p.id >= ? "
		    "AND p.remote = 0 ORDER BY p.like_count DESC, p.id DESC LIMIT 150",
		    "i", min_id) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_RISING, 0);
	/* The exploration pool: a random share of the recent posts, from which
	 * each person keeps a sample and each page draws its picks. */
	if (db_read(db, a, &r,
		    "SELECT " CAND
		    " FROM posts p WHERE p.id > (SELECT CAST(MAX(id) AS SIGNED) FROM "
		    "posts) - 4000 AND p.remote = 0 ORDER BY RAND() LIMIT ?",
		    "i", (int64_t)FY_EXPLORE_GLOBAL) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_EXPLORE, 0);
	return foryou_fill_tags(db, a, p, 0);
}

int foryou_gather_personal(struct db *db, struct arena *a, int64_t uid, struct fy_pool *p)
{
	struct db_res r;
	int64_t min_id;
	/* "Recent" as an id bound: ids grow with time, and (user_id, id) and
	 * (tag_id, post_id) are the indexes the walks use. */
	if (first_id_since(db, a, FY_DAYS * 86400, &min_id))
		return -1;
	/* Newest first by primary key, one key lookup each (see feed.c). */
	if (db_read(db, a, &r,
		    "SELECT STRAIGHT_JOIN " CAND " FROM posts p JOIN follows f "
		    "ON f.follower_id = ? AND f.followee_id = p.user_id "
		    "WHERE p.id >= ? AND p.remote = 0 ORDER BY p.id DESC LIMIT 300",
		    "ii", uid, min_id) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_FOLLOWED_AUTHOR, 0);
	if (db_read(db, a, &r,
		    "SELECT STRAIGHT_JOIN " CAND ", pt.tag_id FROM post_tags pt FORCE INDEX "
		    "(ix_post_tags_post) JOIN tag_follows tf ON tf.user_id = ? AND tf.tag_id = "
		    "pt.tag_id JOIN posts p ON p.id = pt.post_id "
		    "WHERE pt.post_id >= ? AND p.remote = 0 ORDER BY pt.post_id DESC LIMIT 200",
		    "ii", uid, min_id) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_FOLLOWED_TAG, 6);
	if (db_read(db, a, &r,
		    "SELECT " CAND ", l.post_id FROM (SELECT post_id FROM likes WHERE user_id = ? "
		    "ORDER BY created_at DESC LIMIT 200) l JOIN posts p ON p.parent_id = l.post_id "
		    "WHERE p.remote = 0 ORDER BY p.id DESC LIMIT 100",
		    "i", uid) != DB_OK)
		return -1;
	pool_add(p, &r, SRC_REMIX_OF_LIKED, 6);
	return foryou_fill_tags(db, a, p, 0);
}

void foryou_pool_merge(struct fy_pool *p, const struct rank_item *it)
{
	struct rank_item *have = pool_find(p, it->post_id);
	if (have) {
		have->sources |= it->sources;
		return;
	}
	if (p->n < p->cap)
		p->items[p->n++] = *it;
}

int foryou_fill_tags(struct db *db, struct arena *a, struct fy_pool *p, size_t from)
{
	struct db_res r;
	if (p->n <= from)
		return 0;
	char *list = db_id_list(a, &p->items[from].post_id, p->n - from, sizeof(p->items[0]));
	if (db_read(db, a, &r,
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

int foryou_affinities(struct db *db, struct arena *a, int64_t uid, struct fy_set *set)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT p.user_id, COUNT(*) FROM (SELECT post_id FROM likes WHERE user_id = ? "
		    "ORDER BY created_at DESC LIMIT 500) l JOIN posts p ON p.id = l.post_id "
		    "GROUP BY p.user_id",
		    "i", uid) != DB_OK)
		return -1;
	set->author_aff = weights(a, &r, &set->nauthor_aff);
	if (db_read(
		db, a, &r,
		"SELECT pt.tag_id, COUNT(*) FROM (SELECT post_id FROM likes WHERE user_id = ? "
		"ORDER BY created_at DESC LIMIT 500) l JOIN post_tags pt ON pt.post_id = l.post_id "
		"GROUP BY pt.tag_id",
		"i", uid) != DB_OK)
		return -1;
	set->tag_aff = weights(a, &r, &set->ntag_aff);
	return 0;
}

/* id -> name rows into a sorted array for lookups. */
struct named {
	int64_t id;
	const char *name;
};

static int cmp_named(const void *a, const void *b)
{
	int64_t x = ((const struct named *)a)->id, y = ((const struct named *)b)->id;
	return x < y ? -1 : x > y;
}

static const char *name_in(const struct named *v, size_t n, int64_t id)
{
	struct named key = {id, NULL};
	const struct named *hit = n ? bsearch(&key, v, n, sizeof(*v), cmp_named) : NULL;
	return hit ? hit->name : NULL;
}

/* Rows (id, name) as a sorted array. */
static struct named *names_of(struct arena *a, const struct db_res *r)
{
	struct named *v = arena_alloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++)
		v[i] = (struct named){db_int(r, i, 0), db_str(r, i, 1)};
	qsort(v, r->nrows, sizeof(*v), cmp_named);
	return v;
}

int foryou_names(struct db *db, struct arena *a, struct fy_set *set)
{
	int64_t *users = arena_alloc(a, (set->n + 1) * sizeof(*users));
	int64_t *tags = arena_alloc(a, (set->n + 1) * sizeof(*tags));
	size_t nu = 0, nt = 0;
	set->names = arena_zalloc(a, (set->n + 1) * sizeof(*set->names));
	for (size_t i = 0; i < set->n; i++) {
		const struct rank_item *it = &set->items[i];
		if (it->sources & SRC_FOLLOWED_AUTHOR)
			users[nu++] = it->author_id;
		else if ((it->sources & SRC_FOLLOWED_TAG) && it->reason_tag_id)
			tags[nt++] = it->reason_tag_id;
	}
	struct db_res ru = {0}, rt = {0};
	if ((nu && db_read(db, a, &ru,
			   "SELECT u.id, u.username FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT "
			   "PATH '$')) j JOIN users u ON u.id = j.id GROUP BY u.id",
			   "s", db_id_list(a, users, nu, sizeof(*users))) != DB_OK) ||
	    (nt && db_read(db, a, &rt,
			   "SELECT t.id, t.name FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT "
			   "PATH '$')) j JOIN tags t ON t.id = j.id GROUP BY t.id",
			   "s", db_id_list(a, tags, nt, sizeof(*tags))) != DB_OK))
		return -1;
	struct named *un = names_of(a, &ru), *tn = names_of(a, &rt);
	for (size_t i = 0; i < set->n; i++) {
		const struct rank_item *it = &set->items[i];
		if (it->sources & SRC_FOLLOWED_AUTHOR)
			set->names[i] = name_in(un, ru.nrows, it->author_id);
		else if (it->sources & SRC_FOLLOWED_TAG)
			set->names[i] = name_in(tn, rt.nrows, it->reason_tag_id);
	}
	return 0;
}

int foryou_tastes(struct db *db, struct arena *a, int64_t uid, uint64_t seed,
		  struct rank_profile *prof, int64_t **visit_seen, size_t *nvisit)
{
	struct db_res r;
	prof->self_id = uid;
	int64_t *muted;
	if (social_muted(db, a, uid, &muted, &prof->nhidden_authors))
		return -1;
	prof->hidden_authors = muted;
	/* "Show less", both kinds in one key range. */
	if (db_read(
		db, a, &r,
		"SELECT kind = 'author', target_id, weight FROM feed_feedback WHERE user_id = ? "
		"ORDER BY kind, target_id",
		"i", uid) != DB_OK)
		return -1;
	struct rank_weight *la = arena_zalloc(a, (r.nrows + 1) * sizeof(*la));
	struct rank_weight *lt = arena_zalloc(a, (r.nrows + 1) * sizeof(*lt));
	size_t na = 0, nt = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		struct rank_weight w = {db_int(&r, i, 1), strtod(db_str(&r, i, 2), NULL)};
		if (db_int(&r, i, 0))
			la[na++] = w;
		else
			lt[nt++] = w;
	}
	prof->less_authors = la;
	prof->nless_authors = na;
	prof->less_tags = lt;
	prof->nless_tags = nt;
	/* Seen: what the last two days showed, and everything this visit (its
	 * seed) showed, however long ago it began (up to a week): scrolling on
	 * never repeats. */
	if (db_read(db, a, &r,
		    "SELECT post_id FROM impressions WHERE user_id = ? AND shown_at > ? "
		    "ORDER BY shown_at DESC LIMIT 3000",
		    "ii", uid, now_unix() - FY_SEEN_HOURS * 3600) != DB_OK)
		return -1;
	struct db_res v;
	if (db_read(db, a, &v,
		    "SELECT post_id FROM impressions WHERE user_id = ? AND shown_at > ? AND "
		    "seed = ? LIMIT 3000",
		    "iiu", uid, now_unix() - FY_VISIT_DAYS * 86400, seed) != DB_OK)
		return -1;
	int64_t *seen = arena_alloc(a, (r.nrows + v.nrows + 1) * sizeof(*seen));
	int64_t *visit = arena_alloc(a, (v.nrows + 1) * sizeof(*visit));
	for (size_t i = 0; i < v.nrows; i++)
		visit[i] = db_int(&v, i, 0);
	qsort(visit, v.nrows, sizeof(*visit), cmp_i64);
	for (size_t i = 0; i < r.nrows; i++)
		seen[i] = db_int(&r, i, 0);
	qsort(seen, r.nrows, sizeof(*seen), cmp_i64);
	/* seen + visit, sorted, each id once */
	int64_t *all = arena_alloc(a, (r.nrows + v.nrows + 1) * sizeof(*all));
	size_t n = 0, i = 0, j = 0;
	while (i < r.nrows || j < v.nrows) {
		int64_t x =
		    j == v.nrows || (i < r.nrows && seen[i] < visit[j]) ? seen[i++] : visit[j++];
		if (!n || all[n - 1] != x)
			all[n++] = x;
	}
	prof->seen = all;
	prof->nseen = n;
	*visit_seen = visit;
	*nvisit = v.nrows;
	return 0;
}

void foryou_remember(struct db *db, struct arena *a, int64_t user_id, uint64_t seed,
		     const struct feed_page *pg)
{
	if (!pg->n)
		return;
	/* One statement, one commit. */
	char *list = db_id_list(a, &pg->items[0].id, pg->n, sizeof(pg->items[0]));
	db_exec(db, a, NULL,
		"INSERT INTO impressions (user_id, post_id, shown_at, seed) "
		"SELECT ?, j.id, ?, ? FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH "
		"'$')) j "
		"ON DUPLICATE KEY UPDATE shown_at = VALUES(shown_at), seed = VALUES(seed)",
		"iius", user_id, now_unix(), seed, list);
}

int foryou_post_author(struct db *db, struct arena *a, int64_t post_id, int64_t *author)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT user_id FROM posts WHERE id = ?", "i", post_id) != DB_OK)
		return 503;
	if (r.nrows == 0)
		return 404;
	*author = db_int(&r, 0, 0);
	return 0;
}

int foryou_less(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		int64_t post_id, int64_t author)
{
	int64_t now = now_unix();
	if (db_exec(db, a, NULL,
		    "INSERT INTO feed_feedback (user_id, kind, target_id, weight, updated_at) "
		    "VALUES (?, 'author', ?, 0.5, ?) ON DUPLICATE KEY UPDATE "
		    "weight = LEAST(1.0, weight + 0.5), updated_at = VALUES(updated_at)",
		    "iii", user_id, author, now) != DB_OK ||
	    db_exec(db, a, NULL,
		    "INSERT INTO feed_feedback (user_id, kind, target_id, weight, updated_at) "
		    "SELECT ?, 'tag', tag_id, 0.3, ? FROM post_tags WHERE post_id = ? "
		    "ON DUPLICATE KEY UPDATE weight = LEAST(1.0, weight + 0.3), "
		    "updated_at = VALUES(updated_at)",
		    "iii", user_id, now, post_id) != DB_OK)
		return 503;
	cache_bump(cache, cachekey_foryou_version(a, user_id));
	return 0;
}
