/* bayes.c - naive Bayes moderation classifier: tokeniser, count table, scoring. */
#include "bayes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- tokeniser ---- */

static uint32_t bayes_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A per-document set of tokens already emitted, living in the arena. */
struct tokset {
	const char **slot;
	size_t mask;
};

/* Adds s (NUL-terminated, length len) unless present; returns 1 if added. */
static int tokset_add(struct tokset *ts, const char *s, size_t len)
{
	size_t i = bayes_hash(s, len) & ts->mask;
	while (ts->slot[i]) {
		if (strcmp(ts->slot[i], s) == 0)
			return 0;
		i = (i + 1) & ts->mask;
	}
	ts->slot[i] = s;
	return 1;
}

struct tokstate {
	struct arena *a;
	struct tokset set;
	const char **out;
	size_t max, n;
	char prev[BAYES_WORD_MAX + 1]; /* previous kept word, "" = none */
};

static void emit(struct tokstate *st, const char *s, size_t len)
{
	if (st->n >= st->max)
		return;
	char *t = arena_strndup(st->a, s, len);
	if (tokset_add(&st->set, t, len))
		st->out[st->n++] = t;
}

/* word is lower-cased, 2..30 bytes. */
static void emit_word(struct tokstate *st, const char *word, size_t len)
{
	emit(st, word, len);
	if (st->prev[0]) {
		char bi[BAYES_TOKEN_MAX + 1];
		size_t pl = strlen(st->prev);
		memcpy(bi, st->prev, pl);
		bi[pl] = '_';
		memcpy(bi + pl + 1, word, len);
		emit(st, bi, pl + 1 + len);
	}
	memcpy(st->prev, word, len);
	st->prev[len] = '\0';
}

size_t bayes_tokens(struct arena *a, const char *text, const char **out, size_t max)
{
	if (!text || !out || max == 0)
		return 0;
	size_t tlen = strlen(text);
	/* Each word needs 2 bytes + a separator, and brings at most 2 tokens. */
	size_t bound = 2 * (tlen / 3 + 1);
	size_t want = 2 * (bound < max ? bound : max), cap = 16;
	while (cap < want)
		cap <<= 1;
	struct tokstate st = {.a = a, .out = out, .max = max};
	st.set.slot = arena_zalloc(a, cap * sizeof(*st.set.slot));
	st.set.mask = cap - 1;

	char word[BAYES_WORD_MAX + 1];
	size_t i = 0;
	while (i < tlen && st.n < max) {
		if (!is_word_byte((unsigned char)text[i])) {
			i++;
			continue;
		}
		size_t len = 0;
		while (i < tlen && is_word_byte((unsigned char)text[i])) {
			if (len < BAYES_WORD_MAX) {
				unsigned char c = (unsigned char)text[i];
				word[len] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			}
			len++;
			i++;
		}
		if (len > BAYES_WORD_MAX)
			st.prev[0] = '\0'; /* junk breaks the bigram chain */
		else if (len >= BAYES_WORD_MIN)
			emit_word(&st, word, len);
	}
	return st.n;
}

/* ---- count table ---- */

void bayes_init(struct bayes_model *m)
{
	memset(m, 0, sizeof(*m));
}

void bayes_free(struct bayes_model *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].token);
	free(m->slots);
	bayes_init(m);
}

static int token_ok(const char *token, size_t *len)
{
	if (!token)
		return 0;
	*len = strnlen(token, BAYES_TOKEN_MAX + 1);
	return *len > 0 && *len <= BAYES_TOKEN_MAX;
}

static struct bayes_entry *find(const struct bayes_model *m, const char *token, uint32_t h)
{
	if (m->cap == 0)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct bayes_entry *e = &m->slots[i];
		if (!e->token)
			return NULL;
		if (e->hash == h && strcmp(e->token, token) == 0)
			return e;
	}
}

static void place(struct bayes_entry *slots, size_t mask, const struct bayes_entry *src)
{
	size_t i = src->hash & mask;
	while (slots[i].token)
		i = (i + 1) & mask;
	slots[i] = *src;
}

static void grow(struct bayes_model *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct bayes_entry *ns = xcalloc(ncap, sizeof(*ns));
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].token)
			place(ns, ncap - 1, &m->slots[i]);
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

/* Existing or new (0/0) entry for a valid token. */
static struct bayes_entry *find_or_add(struct bayes_model *m, const char *token, uint32_t h)
{
	struct bayes_entry *e = find(m, token, h);
	if (e)
		return e;
	if ((m->count + 1) * 2 > m->cap)
		grow(m);
	struct bayes_entry ne = {.token = xstrdup(token), .hash = h};
	size_t i = h & (m->cap - 1);
	while (m->slots[i].token)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = ne;
	m->count++;
	return &m->slots[i];
}

/* Remove e by backward-shift deletion (keeps probe chains intact). */
static void remove_entry(struct bayes_model *m, struct bayes_entry *e)
{
	size_t mask = m->cap - 1, hole = (size_t)(e - m->slots);
	free(e->token);
	m->slots[hole].token = NULL;
	m->count--;
	for (size_t j = (hole + 1) & mask; m->slots[j].token; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		/* Move j into the hole if its home is not cyclically in (hole, j]. */
		int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (stays)
			continue;
		m->slots[hole] = m->slots[j];
		m->slots[j].token = NULL;
		hole = j;
	}
}

int bayes_set(struct bayes_model *m, const char *token, uint32_t bad, uint32_t good)
{
	size_t len;
	if (!token_ok(token, &len))
		return -1;
	uint32_t h = bayes_hash(token, len);
	if (bad == 0 && good == 0) {
		struct bayes_entry *e = find(m, token, h);
		if (e)
			remove_entry(m, e);
		return 0;
	}
	struct bayes_entry *e = find_or_add(m, token, h);
	e->bad = bad;
	e->good = good;
	return 0;
}

void bayes_set_totals(struct bayes_model *m, uint32_t bad_docs, uint32_t good_docs)
{
	m->bad_docs = bad_docs;
	m->good_docs = good_docs;
}

bool bayes_get(const struct bayes_model *m, const char *token, uint32_t *bad, uint32_t *good)
{
	size_t len;
	struct bayes_entry *e =
	    token_ok(token, &len) ? find(m, token, bayes_hash(token, len)) : NULL;
	*bad = e ? e->bad : 0;
	*good = e ? e->good : 0;
	return e != NULL;
}

/* A fresh mark for one train/untrain call, so repeated tokens count once. */
static uint32_t next_gen(struct bayes_model *m)
{
	if (++m->gen == 0) {
		for (size_t i = 0; i < m->cap; i++)
			m->slots[i].mark = 0;
		m->gen = 1;
	}
	return m->gen;
}

static void inc(uint32_t *c)
{
	if (*c < UINT32_MAX)
		(*c)++;
}

static void dec(uint32_t *c)
{
	if (*c > 0)
		(*c)--;
}

void bayes_train(struct bayes_model *m, const char **tokens, size_t n, bool is_bad)
{
	uint32_t gen = next_gen(m);
	inc(is_bad ? &m->bad_docs : &m->good_docs);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (!token_ok(tokens[i], &len))
			continue;
		struct bayes_entry *e = find_or_add(m, tokens[i], bayes_hash(tokens[i], len));
		if (e->mark == gen)
			continue;
		e->mark = gen;
		inc(is_bad ? &e->bad : &e->good);
	}
}

void bayes_untrain(struct bayes_model *m, const char **tokens, size_t n, bool is_bad)
{
	uint32_t gen = next_gen(m);
	dec(is_bad ? &m->bad_docs : &m->good_docs);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (!token_ok(tokens[i], &len))
			continue;
		struct bayes_entry *e = find(m, tokens[i], bayes_hash(tokens[i], len));
		if (!e || e->mark == gen)
			continue;
		e->mark = gen;
		dec(is_bad ? &e->bad : &e->good);
		if (e->bad == 0 && e->good == 0)
			remove_entry(m, e);
	}
}

const struct bayes_entry *bayes_next(const struct bayes_model *m, size_t *it)
{
	while (*it < m->cap) {
		const struct bayes_entry *e = &m->slots[(*it)++];
		if (e->token)
			return e;
	}
	return NULL;
}

/* ---- scoring ---- */

/* Share of a class's documents that contain the token, clamped to [0,1]. */
static double class_rate(uint32_t count, uint32_t docs)
{
	if (count >= docs)
		return count ? 1.0 : 0.0;
	return (double)count / docs;
}

/* Smoothed log-likelihood ratio of a known token (Robinson/Graham style):
 * p = rate_bad / (rate_bad + rate_good) is P(bad|t) under equal priors; with
 * Laplace's rule over the n = bad + good observations, f = (n*p + 1)/(n + 2),
 * and the weight is ln(f / (1 - f)). Unknown tokens give 0; |w| <= ln(n + 1). */
static double token_weight(const struct bayes_model *m, const struct bayes_entry *e)
{
	double rb = class_rate(e->bad, m->bad_docs), rg = class_rate(e->good, m->good_docs);
	if (rb + rg <= 0)
		return 0.0;
	double n = (double)e->bad + e->good, p = rb / (rb + rg);
	double f = (n * p + 1.0) / (n + 2.0);
	return log(f) - log1p(-f);
}

/* Orders reasons by |weight| descending, then token, so the result does not
 * depend on the order of the input tokens. */
static int reason_before(const struct bayes_reason *x, const struct bayes_reason *y)
{
	double ax = fabs(x->weight), ay = fabs(y->weight);
	if (ax != ay)
		return ax > ay;
	return strcmp(x->token, y->token) < 0;
}

/* Insert r into the sorted best[0..*nbest) of capacity BAYES_TOP. */
static void keep_best(struct bayes_reason *best, size_t *nbest, struct bayes_reason r)
{
	for (size_t i = 0; i < *nbest; i++)
		if (strcmp(best[i].token, r.token) == 0)
			return; /* repeated token */
	if (*nbest == BAYES_TOP && !reason_before(&r, &best[BAYES_TOP - 1]))
		return;
	size_t i = *nbest < BAYES_TOP ? (*nbest)++ : BAYES_TOP - 1;
	while (i > 0 && reason_before(&r, &best[i - 1])) {
		best[i] = best[i - 1];
		i--;
	}
	best[i] = r;
}

static double logistic(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	double e = exp(x);
	return e / (1.0 + e);
}

double bayes_score(const struct bayes_model *m, const char **tokens, size_t n,
		   struct bayes_reason *top, size_t ntop)
{
	struct bayes_reason best[BAYES_TOP];
	size_t nbest = 0;
	for (size_t i = 0; i < ntop; i++)
		top[i] = (struct bayes_reason){NULL, 0.0};
	if ((uint64_t)m->bad_docs + m->good_docs == 0)
		return 0.5;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (!token_ok(tokens[i], &len))
			continue;
		const struct bayes_entry *e = find(m, tokens[i], bayes_hash(tokens[i], len));
		double w = e ? token_weight(m, e) : 0.0;
		if (w != 0.0)
			keep_best(best, &nbest, (struct bayes_reason){tokens[i], w});
	}
	/* Laplace-smoothed class prior, then the evidence, in log-odds. */
	double logodds = log((double)m->bad_docs + 1.0) - log((double)m->good_docs + 1.0);
	for (size_t i = 0; i < nbest; i++)
		logodds += best[i].weight;
	for (size_t i = 0; i < nbest && i < ntop; i++)
		top[i] = best[i];
	return logistic(logodds);
}

struct bayes_eval bayes_evaluate(const struct bayes_model *m, const struct bayes_doc *docs,
				 size_t ndocs, double threshold)
{
	struct bayes_eval ev = {0};
	for (size_t i = 0; i < ndocs; i++) {
		bool bad = bayes_score(m, docs[i].tokens, docs[i].n, NULL, 0) >= threshold;
		if (bad && docs[i].is_bad)
			ev.tp++;
		else if (bad)
			ev.fp++;
		else if (docs[i].is_bad)
			ev.fn++;
		else
			ev.tn++;
	}
	ev.precision = ev.tp + ev.fp ? (double)ev.tp / (ev.tp + ev.fp) : 0.0;
	ev.recall = ev.tp + ev.fn ? (double)ev.tp / (ev.tp + ev.fn) : 0.0;
	return ev;
}
