/* foryou_pre.c - the "for you" candidates gathered ahead of time (see
 * foryou_pre.h): the rows' bytes, the build, the request's read, and the
 * refresh job imagier-gen runs. docs/RANKING.md section 7. */
#include "foryou_pre.h"
#include "db.h"
#include "foryou_store.h"
#include "log.h"
#include "rank.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FY_MAGIC "FYC1"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- the bytes of a row ------------------------------------------------ */

static void put_u(struct buf *b, uint64_t v, int bytes)
{
	unsigned char c[8];
	for (int i = 0; i < bytes; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	buf_append(b, c, (size_t)bytes);
}

void foryou_pre_encode(const struct fy_set *set, struct buf *out)
{
	buf_append(out, FY_MAGIC, 4);
	put_u(out, set->n, 4);
	put_u(out, set->author_aff ? set->nauthor_aff : 0, 4);
	put_u(out, set->tag_aff ? set->ntag_aff : 0, 4);
	for (size_t i = 0; i < set->n; i++) {
		const struct rank_item *it = &set->items[i];
		int nt = it->ntags < 0 ? 0 : it->ntags > RANK_MAX_TAGS ? RANK_MAX_TAGS : it->ntags;
		put_u(out, (uint64_t)it->post_id, 8);
		put_u(out, (uint64_t)it->author_id, 8);
		put_u(out, (uint64_t)it->created_at, 8);
		put_u(out, it->like_count, 4);
		put_u(out, it->comment_count, 4);
		put_u(out, it->remix_count, 4);
		put_u(out, it->sources & 0xff, 1);
		put_u(out, (uint64_t)nt, 1);
		put_u(out, (uint64_t)it->reason_tag_id, 8);
		put_u(out, (uint64_t)it->reason_parent_id, 8);
		for (int k = 0; k < nt; k++)
			put_u(out, (uint64_t)it->tag_ids[k], 8);
		const char *name = set->names ? set->names[i] : NULL;
		size_t len = name ? strlen(name) : 0;
		if (len > 255)
			len = 0; /* no name this long: none rather than a cut one */
		put_u(out, len, 1);
		buf_append(out, name, len);
	}
	const struct rank_weight *w[2] = {set->author_aff, set->tag_aff};
	size_t nw[2] = {set->author_aff ? set->nauthor_aff : 0, set->tag_aff ? set->ntag_aff : 0};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < nw[k]; i++) {
			double v = w[k][i].w;
			v = v >= 0 ? (v <= 1 ? v : 1) : 0;
			put_u(out, (uint64_t)w[k][i].id, 8);
			put_u(out, (uint64_t)(v * 1e9 + 0.5), 4);
		}
}

struct reader {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t get_u(struct reader *r, int bytes)
{
	if (r->bad || r->end - r->p < bytes) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += bytes;
	return v;
}

static struct rank_weight *get_weights(struct reader *r, struct arena *a, size_t n)
{
	struct rank_weight *w = arena_zalloc(a, (n + 1) * sizeof(*w));
	for (size_t i = 0; i < n && !r->bad; i++) {
		w[i].id = (int64_t)get_u(r, 8);
		w[i].w = (double)get_u(r, 4) / 1e9;
	}
	return w;
}

int foryou_pre_decode(struct arena *a, const void *data, size_t len, struct fy_set *set)
{
	memset(set, 0, sizeof(*set));
	if (!data || len < 16 || memcmp(data, FY_MAGIC, 4))
		return -1;
	struct reader r = {data, (const unsigned char *)data + len, 0};
	r.p += 4;
	size_t n = get_u(&r, 4), na = get_u(&r, 4), nt = get_u(&r, 4);
	/* each item takes 54 bytes at least, each weight 12: a count the bytes
	 * cannot hold is no row of ours */
	if (n > FY_MAX_CANDIDATES * 2 || n * 54 + (na + nt) * 12 > len)
		return -1;
	set->items = arena_zalloc(a, (n + 1) * sizeof(*set->items));
	set->names = arena_zalloc(a, (n + 1) * sizeof(*set->names));
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct rank_item *it = &set->items[i];
		it->post_id = (int64_t)get_u(&r, 8);
		it->author_id = (int64_t)get_u(&r, 8);
		it->created_at = (int64_t)get_u(&r, 8);
		it->like_count = (uint32_t)get_u(&r, 4);
		it->comment_count = (uint32_t)get_u(&r, 4);
		it->remix_count = (uint32_t)get_u(&r, 4);
		it->sources = (unsigned)get_u(&r, 1);
		it->ntags = (int)get_u(&r, 1);
		it->reason_tag_id = (int64_t)get_u(&r, 8);
		it->reason_parent_id = (int64_t)get_u(&r, 8);
		if (it->ntags > RANK_MAX_TAGS)
			r.bad = 1;
		for (int k = 0; k < it->ntags && !r.bad; k++)
			it->tag_ids[k] = (int64_t)get_u(&r, 8);
		size_t nl = get_u(&r, 1);
		if (nl && !r.bad && (size_t)(r.end - r.p) >= nl) {
			set->names[i] = arena_strndup(a, (const char *)r.p, nl);
			r.p += nl;
		} else if (nl) {
			r.bad = 1;
		}
	}
	set->n = n;
	set->author_aff = get_weights(&r, a, na);
	set->nauthor_aff = na;
	set->tag_aff = get_weights(&r, a, nt);
	set->ntag_aff = nt;
	if (r.bad || r.p != r.end) {
		memset(set, 0, sizeof(*set));
		return -1;
	}
	return 0;
}

/* ---- the global row ---------------------------------------------------- */

#define FY_GLOBAL_CAP (150 + FY_EXPLORE_GLOBAL + 50)

/* Gather and store the global row; the set into *g. */
static int global_compute(struct db *db, struct arena *a, struct fy_set *g)
{
	struct fy_pool p = {arena_zalloc(a, FY_GLOBAL_CAP * sizeof(struct rank_item)), 0,
			    FY_GLOBAL_CAP};
	if (foryou_gather_global(db, a, &p))
		return -1;
	memset(g, 0, sizeof(*g));
	g->items = p.items;
	g->n = p.n;
	struct buf b = {0};
	foryou_pre_encode(g, &b);
	int st = db_exec(db, a, NULL,
			 "INSERT INTO foryou_global (id, built_at, data) VALUES (1, ?, ?) "
			 "ON DUPLICATE KEY UPDATE built_at = VALUES(built_at), data = VALUES(data)",
			 "ib", now_unix(), b.data, b.len);
	buf_free(&b);
	return st == DB_OK ? 0 : -1;
}

int foryou_pre_global(struct db *db, struct arena *a)
{
	struct fy_set g;
	return global_compute(db, a, &g);
}

/* The global set: the stored one while it is young enough, else computed
 * (and stored) now. */
static int global_get(struct db *db, struct arena *a, struct fy_set *g)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT built_at, data FROM foryou_global WHERE id = 1", "") !=
	    DB_OK)
		return -1;
	if (r.nrows && db_int(&r, 0, 0) > now_unix() - FY_GLOBAL_MAX_S &&
	    foryou_pre_decode(a, r.cells[1], r.lens[1], g) == 0)
		return 0;
	return global_compute(db, a, g);
}

/* ---- one person's row -------------------------------------------------- */

struct keyed {
	uint64_t key;
	size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
	uint64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
	return x < y ? -1 : x > y;
}

/* The global candidates into p: every rising post, and the person's own
 * sample of FY_EXPLORE_KEEP from the exploration pool (the same sample
 * until the pool changes; each page then draws from it). */
static void merge_global(struct arena *a, struct fy_pool *p, const struct fy_set *g, int64_t uid)
{
	struct keyed *k = arena_alloc(a, (g->n + 1) * sizeof(*k));
	size_t nk = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct rank_item it = g->items[i];
		if (it.sources & SRC_EXPLORE)
			k[nk++] =
			    (struct keyed){mix64((uint64_t)uid ^ mix64((uint64_t)it.post_id)), i};
		it.sources &= ~(unsigned)SRC_EXPLORE;
		if (it.sources)
			foryou_pool_merge(p, &it);
	}
	qsort(k, nk, sizeof(*k), cmp_keyed);
	for (size_t j = 0; j < nk && j < FY_EXPLORE_KEEP; j++) {
		struct rank_item it = g->items[k[j].i];
		it.sources = SRC_EXPLORE;
		foryou_pool_merge(p, &it);
	}
}

int foryou_pre_build(struct db *db, struct arena *a, int64_t uid, const char *worker,
		     struct fy_set *out)
{
	int64_t start = now_ms();
	struct fy_set g, set;
	struct fy_pool p = {arena_zalloc(a, FY_MAX_CANDIDATES * sizeof(struct rank_item)), 0,
			    FY_MAX_CANDIDATES};
	memset(&set, 0, sizeof(set));
	if (global_get(db, a, &g) || foryou_gather_personal(db, a, uid, &p))
		return -1;
	merge_global(a, &p, &g, uid);
	set.items = p.items;
	set.n = p.n;
	if (foryou_affinities(db, a, uid, &set) || foryou_names(db, a, &set))
		return -1;
	struct buf b = {0};
	foryou_pre_encode(&set, &b);
	struct db_res r;
	int st;
	if (worker)
		st = db_exec(
		    db, a, &r,
		    "UPDATE foryou_candidates SET queued_at = IF(queued_at > ?, queued_at, 0), "
		    "data = ?, built_at = ?, lease_owner = '', lease_until = 0 "
		    "WHERE user_id = ? AND lease_owner = ?",
		    "ibiis", start, b.data, b.len, start, uid, worker);
	else
		st = db_exec(
		    db, a, &r,
		    "INSERT INTO foryou_candidates (user_id, built_at, data) VALUES (?, ?, ?) "
		    "ON DUPLICATE KEY UPDATE queued_at = IF(queued_at > VALUES(built_at), "
		    "queued_at, 0), data = VALUES(data), built_at = VALUES(built_at)",
		    "iib", uid, start, b.data, b.len);
	buf_free(&b);
	if (out)
		*out = set;
	if (st != DB_OK)
		return -1;
	return worker && r.affected == 0 ? 1 : 0;
}

int foryou_pre_load(struct db *db, struct arena *a, int64_t uid, struct fy_set *set)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT c.built_at, c.dirty_at, c.queued_at, c.data, (SELECT "
		    "COALESCE(MAX(l.created_at), 0) FROM likes l WHERE l.user_id = c.user_id) "
		    "FROM foryou_candidates c WHERE c.user_id = ?",
		    "i", uid) != DB_OK)
		return -1;
	int64_t now = now_ms();
	int64_t built = r.nrows ? db_int(&r, 0, 0) : 0;
	/* None yet (new, or gone a long while), or a follow changed it: built
	 * now, once, and stored. */
	if (!r.nrows || db_int(&r, 0, 1) >= built || built < now - FY_MAX_AGE_S * 1000LL ||
	    foryou_pre_decode(a, r.cells[3], r.lens[3], set))
		return foryou_pre_build(db, a, uid, NULL, set) < 0 ? -1 : 0;
	/* Due (a few minutes old, or they liked something since): served as it
	 * is, and queued for the job (one write per refresh at most). */
	if (db_int(&r, 0, 2) == 0 &&
	    (built < now - FY_REFRESH_S * 1000LL || db_int(&r, 0, 4) >= built / 1000))
		db_exec(db, a, NULL,
			"UPDATE foryou_candidates SET queued_at = ? WHERE user_id = ? AND "
			"queued_at = 0",
			"ii", now, uid);
	return 0;
}

void foryou_pre_changed(struct db *db, struct arena *a, int64_t uid)
{
	int64_t now = now_ms();
	db_exec(db, a, NULL,
		"UPDATE foryou_candidates SET dirty_at = ?, queued_at = IF(queued_at = 0, ?, "
		"queued_at) WHERE user_id = ?",
		"iii", now, now, uid);
}

/* ---- the job ----------------------------------------------------------- */

int foryou_job(struct db *db, struct arena *a, const char *worker, int batch)
{
	int64_t now = now_unix();
	struct db_res r;
	/* The global row: the job whose update moves built_at computes it. */
	if (db_exec(db, a, &r,
		    "UPDATE foryou_global SET built_at = ? WHERE id = 1 AND built_at <= ?", "ii",
		    now, now - FY_GLOBAL_S) != DB_OK)
		return -1;
	if (r.affected == 1 && foryou_pre_global(db, a))
		log_error("foryou: the global candidates could not be computed");
	if (db_read(db, a, &r,
		    "SELECT user_id FROM foryou_candidates WHERE queued_at > 0 AND lease_until < ? "
		    "ORDER BY queued_at LIMIT ?",
		    "ii", now, (int64_t)batch) != DB_OK)
		return -1;
	int done = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t uid = db_int(&r, i, 0);
		struct db_res c;
		/* The lease: whoever moves lease_until builds; a job that dies
		 * leaves it to expire, and the next pass takes the row over. */
		if (db_exec(db, a, &c,
			    "UPDATE foryou_candidates SET lease_owner = ?, lease_until = ? "
			    "WHERE user_id = ? AND queued_at > 0 AND lease_until < ?",
			    "siii", worker, now_unix() + FY_LEASE_S, uid, now_unix()) != DB_OK)
			return -1;
		if (c.affected != 1)
			continue;
		int st = foryou_pre_build(db, a, uid, worker, NULL);
		if (st < 0)
			log_error("foryou: the candidates of user %lld could not be refreshed",
				  (long long)uid);
		else if (st == 0)
			done++;
	}
	return done;
}
