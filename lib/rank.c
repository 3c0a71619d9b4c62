/* rank.c - the "for you" ranking: score candidates, then pick one page (pure, no I/O). */
#include "rank.h"
#include "config.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Scoring (rank_score), for one candidate that is not excluded:
 *
 *   age        = max(0, now - created_at) in hours (a post from the future
 *                is "just now", never a negative age)
 *   engagement = (w_like * log1p(likes) + w_comment * log1p(comments)
 *                 + w_remix * log1p(remixes)) * 2^(-age / half_life_hours)
 *   fresh      = w_fresh * max(0, 1 - age / fresh_hours)
 *   affinity   = w_author_affinity * affinity(author)
 *                + w_tag_affinity * max over its tags of affinity(tag)
 *   source     = the LARGEST bonus among the sources the item has
 *                (w_followed_author, w_followed_tag, w_remix_of_liked,
 *                w_rising; explore has none). Max, not sum: the sources are
 *                overlapping candidate pools, and summing would rank a post
 *                by how many queries happened to find it.
 *   score      = (engagement + fresh + affinity + source)
 *                * (1 - (1 - less_penalty) * less(author))
 *                * (1 - (1 - less_penalty) * max over its tags of less(tag))
 *
 * Excluded (score = -INFINITY, never picked): the person's own posts,
 * authors they hid, posts they have already seen.
 *
 * Every weight is clamped to [0, RANK_WEIGHT_MAX] (NaN counts as 0), profile
 * weights to [0, 1], less_penalty and explore_share to [0, 1]. A non-positive
 * half_life_hours disables the decay, a non-positive fresh_hours the
 * freshness bonus. So a score is either -INFINITY or finite and >= 0, and a
 * "show less" factor can only move a post down.
 *
 * Reason (the one "why" shown): the first source the item has in the order
 * followed author > remix of liked > followed tag > rising > explore;
 * explore is also the fallback for an item with no source bits.
 */

#define RANK_WEIGHT_MAX 1e6
#define RANK_HOURS_MAX	1e7 /* ~1100 years: enough for any half-life or window */

/* x clamped to [lo, hi]; NaN becomes lo. */
static double clampd(double x, double lo, double hi)
{
	if (!(x >= lo))
		return lo;
	return x > hi ? hi : x;
}

static double weight(double x)
{
	return clampd(x, 0.0, RANK_WEIGHT_MAX);
}

/* The parameters made safe to compute with (see the clamping rules above). */
static struct rank_params sanitize(const struct rank_params *in)
{
	struct rank_params q;
	if (in)
		q = *in;
	else
		rank_params_default(&q);
	q.w_like = weight(q.w_like);
	q.w_comment = weight(q.w_comment);
	q.w_remix = weight(q.w_remix);
	q.half_life_hours = clampd(q.half_life_hours, 0.0, RANK_HOURS_MAX);
	q.w_author_affinity = weight(q.w_author_affinity);
	q.w_tag_affinity = weight(q.w_tag_affinity);
	q.w_followed_author = weight(q.w_followed_author);
	q.w_followed_tag = weight(q.w_followed_tag);
	q.w_remix_of_liked = weight(q.w_remix_of_liked);
	q.w_rising = weight(q.w_rising);
	q.w_fresh = weight(q.w_fresh);
	q.fresh_hours = clampd(q.fresh_hours, 0.0, RANK_HOURS_MAX);
	q.less_penalty = clampd(q.less_penalty, 0.0, 1.0);
	q.explore_share = clampd(q.explore_share, 0.0, 1.0);
	return q;
}

void rank_params_default(struct rank_params *p)
{
	*p = (struct rank_params){
	    .w_like = 1.0,
	    .w_comment = 1.5,
	    .w_remix = 2.0,
	    .half_life_hours = 24.0,
	    .w_author_affinity = 2.0,
	    .w_tag_affinity = 1.0,
	    .w_followed_author = 3.0,
	    .w_followed_tag = 1.5,
	    .w_remix_of_liked = 2.0,
	    .w_rising = 1.0,
	    .w_fresh = 1.0,
	    .fresh_hours = 6.0,
	    .less_penalty = 0.2,
	    .explore_share = 0.1,
	    .max_per_author = 2,
	};
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

/* Binary search in ids sorted ascending. */
static int id_in(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = ids ? n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] == id)
			return 1;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The weight of id in ws (sorted by id), clamped to [0, 1]; 0 if absent. */
static double weight_of(const struct rank_weight *ws, size_t n, int64_t id)
{
	size_t lo = 0, hi = ws ? n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ws[mid].id == id)
			return clampd(ws[mid].w, 0.0, 1.0);
		if (ws[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0.0;
}

static int item_ntags(const struct rank_item *it)
{
	return it->ntags < 0 ? 0 : it->ntags > RANK_MAX_TAGS ? RANK_MAX_TAGS : it->ntags;
}

/* The largest weight in ws over the item's tags. */
static double max_tag_weight(const struct rank_item *it, const struct rank_weight *ws, size_t n)
{
	double best = 0.0;
	for (int i = 0; i < item_ntags(it); i++) {
		double w = weight_of(ws, n, it->tag_ids[i]);
		if (w > best)
			best = w;
	}
	return best;
}

static int excluded(const struct rank_item *it, const struct rank_profile *prof)
{
	if (prof->self_id != 0 && it->author_id == prof->self_id)
		return 1;
	return id_in(prof->hidden_authors, prof->nhidden_authors, it->author_id) ||
	       id_in(prof->seen, prof->nseen, it->post_id);
}

/* The one source shown as "why", by the documented priority. */
static unsigned reason_of(unsigned sources)
{
	static const unsigned order[] = {SRC_FOLLOWED_AUTHOR, SRC_REMIX_OF_LIKED, SRC_FOLLOWED_TAG,
					 SRC_RISING};
	for (size_t i = 0; i < ARRAY_LEN(order); i++)
		if (sources & order[i])
			return order[i];
	return SRC_EXPLORE;
}

static double source_bonus(unsigned sources, const struct rank_params *p)
{
	double b = 0.0;
	if ((sources & SRC_FOLLOWED_AUTHOR) && p->w_followed_author > b)
		b = p->w_followed_author;
	if ((sources & SRC_REMIX_OF_LIKED) && p->w_remix_of_liked > b)
		b = p->w_remix_of_liked;
	if ((sources & SRC_FOLLOWED_TAG) && p->w_followed_tag > b)
		b = p->w_followed_tag;
	if ((sources & SRC_RISING) && p->w_rising > b)
		b = p->w_rising;
	return b;
}

/* Engagement decayed by age, plus the freshness bonus. */
static double time_part(const struct rank_item *it, const struct rank_params *p, double age)
{
	double e = p->w_like * log1p((double)it->like_count) +
		   p->w_comment * log1p((double)it->comment_count) +
		   p->w_remix * log1p((double)it->remix_count);
	if (p->half_life_hours > 0.0)
		e *= exp2(-age / p->half_life_hours);
	if (p->fresh_hours > 0.0 && age < p->fresh_hours)
		e += p->w_fresh * (1.0 - age / p->fresh_hours);
	return e;
}

static double score_one(const struct rank_item *it, const struct rank_profile *prof,
			const struct rank_params *p, int64_t now)
{
	/* In double: the difference of two int64 may overflow. */
	double age = ((double)now - (double)it->created_at) / 3600.0;
	if (!(age > 0.0))
		age = 0.0;
	double s = time_part(it, p, age);
	s += p->w_author_affinity *
	     weight_of(prof->author_affinity, prof->nauthor_affinity, it->author_id);
	s += p->w_tag_affinity * max_tag_weight(it, prof->tag_affinity, prof->ntag_affinity);
	s += source_bonus(it->sources, p);

	double cut = 1.0 - p->less_penalty;
	s *= 1.0 - cut * weight_of(prof->less_authors, prof->nless_authors, it->author_id);
	s *= 1.0 - cut * max_tag_weight(it, prof->less_tags, prof->nless_tags);
	return s;
}

void rank_score(struct rank_item *items, size_t n, const struct rank_profile *prof,
		const struct rank_params *params, int64_t now)
{
	static const struct rank_profile none = {0};
	struct rank_params p = sanitize(params);
	if (!prof)
		prof = &none;
	for (size_t i = 0; items && i < n; i++) {
		struct rank_item *it = &items[i];
		it->reason = reason_of(it->sources);
		it->score = excluded(it, prof) ? -INFINITY : score_one(it, prof, &p, now);
	}
}

/*
 * Page selection (rank_page):
 *
 * 1. Eligible = items whose score is > -INFINITY (NaN counts as excluded).
 *    Ranked order: score descending, then post_id descending, then input
 *    index ascending (a total order, so qsort's instability cannot show).
 * 2. Explore: k = round(explore_share * page_size) slots. The eligible items
 *    with the SRC_EXPLORE bit are ordered by splitmix64(seed ^
 *    splitmix64(post_id)) (so the pick depends on the seed and the post, not
 *    on the order the candidates were loaded in), and the first k that fit
 *    the per-author cap are taken.
 * 3. Ranked: the rest of the page is filled in ranked order, skipping the
 *    explore picks and authors at their cap. If there were fewer than k
 *    explore picks, ranked items take their slots; if there are not enough
 *    items at all, the page is shorter.
 * 4. Interleave: with m items on the page of which e are explore picks, the
 *    j-th explore pick (j = 0..e-1) goes to position floor((j+1)*m/(e+1)):
 *    spread evenly, never at the top of a page that has ranked items.
 *
 * max_per_author <= 0 means no cap.
 */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rank_slot {
	size_t idx;
	double score;
	int64_t post_id;
	uint64_t key; /* explore order */
};

static int by_rank(const void *a, const void *b)
{
	const struct rank_slot *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->post_id != y->post_id)
		return x->post_id > y->post_id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int by_key(const void *a, const void *b)
{
	const struct rank_slot *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The picks so far, with the per-author cap. */
struct rank_pick {
	const struct rank_item *items;
	size_t *idx;	     /* page order is decided later */
	unsigned char *used; /* by item index */
	size_t n, cap;
	int per_author;
};

static int author_full(const struct rank_pick *pk, int64_t author)
{
	if (pk->per_author <= 0)
		return 0;
	int c = 0;
	for (size_t i = 0; i < pk->n; i++)
		if (pk->items[pk->idx[i]].author_id == author && ++c >= pk->per_author)
			return 1;
	return 0;
}

/* Take item i if there is room, it is unused and its author is under the cap. */
static int try_take(struct rank_pick *pk, size_t i)
{
	if (pk->n >= pk->cap || pk->used[i] || author_full(pk, pk->items[i].author_id))
		return 0;
	pk->used[i] = 1;
	pk->idx[pk->n++] = i;
	return 1;
}

/* Merge ranked picks r[0..nr) and explore picks x[0..nx) into out. */
static void interleave(const size_t *r, size_t nr, const size_t *x, size_t nx, size_t *out)
{
	size_t m = nr + nx, ri = 0, xi = 0;
	for (size_t pos = 0; pos < m; pos++) {
		int take_x = xi < nx && (ri >= nr || pos >= (xi + 1) * m / (nx + 1));
		out[pos] = take_x ? x[xi++] : r[ri++];
	}
}

static size_t explore_slots(const struct rank_params *p, size_t page_size)
{
	double k = round(p->explore_share * (double)page_size);
	return k >= (double)page_size ? page_size : (size_t)k;
}

size_t rank_page(const struct rank_item *items, size_t n, const struct rank_params *params,
		 size_t page_size, uint64_t seed, size_t *out)
{
	if (!items || !out || n == 0 || page_size == 0)
		return 0;
	struct rank_params p = sanitize(params);
	size_t cap = page_size < n ? page_size : n;

	struct rank_slot *all = xmalloc(n * sizeof(*all)), *xs = xmalloc(n * sizeof(*xs));
	size_t nall = 0, nxs = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(items[i].score > -INFINITY))
			continue;
		struct rank_slot s = {i, items[i].score, items[i].post_id, 0};
		all[nall++] = s;
		if (items[i].sources & SRC_EXPLORE) {
			s.key = splitmix64(seed ^ splitmix64((uint64_t)items[i].post_id));
			xs[nxs++] = s;
		}
	}
	qsort(all, nall, sizeof(*all), by_rank);
	qsort(xs, nxs, sizeof(*xs), by_key);

	size_t *picked = xmalloc(cap * sizeof(*picked));
	struct rank_pick pk = {
	    items, picked, xcalloc(n, 1), 0, explore_slots(&p, page_size), p.max_per_author};
	if (pk.cap > cap)
		pk.cap = cap;
	for (size_t i = 0; i < nxs && pk.n < pk.cap; i++)
		try_take(&pk, xs[i].idx);
	size_t nx = pk.n;
	pk.cap = cap;
	for (size_t i = 0; i < nall && pk.n < pk.cap; i++)
		try_take(&pk, all[i].idx);

	interleave(picked + nx, pk.n - nx, picked, nx, out);
	size_t got = pk.n;
	free(pk.used);
	free(picked);
	free(xs);
	free(all);
	return got;
}

/* name if it is a usable name, else NULL. */
static const char *name_or_null(const char *name)
{
	return name && *name ? name : NULL;
}

void rank_reason_text(const struct rank_item *it, const char *tag_name, const char *author_name,
		      char *buf, size_t buflen)
{
	if (!buf || buflen == 0)
		return;
	unsigned r = it ? (it->reason ? it->reason : reason_of(it->sources)) : SRC_EXPLORE;
	const char *author = name_or_null(author_name), *tag = name_or_null(tag_name);
	const char *text = "something new for you", *name = "";
	if (r & SRC_FOLLOWED_AUTHOR) {
		text = author ? "because you follow @" : "from someone you follow";
		name = author ? author : "";
	} else if (r & SRC_REMIX_OF_LIKED) {
		text = "a remix of a post you liked";
	} else if (r & SRC_FOLLOWED_TAG) {
		text = tag ? "because you follow #" : "because you follow one of its tags";
		name = tag ? tag : "";
	} else if (r & SRC_RISING) {
		text = "rising on imagier";
	}
	snprintf(buf, buflen, "%s%s", text, name);
}
