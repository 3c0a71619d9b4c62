/* bayes.h - small explainable naive Bayes text classifier for moderation (pure, no I/O). */
#ifndef IMAGIER_BAYES_H
#define IMAGIER_BAYES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Words are runs of 2..30 ASCII letters/digits; a bigram is "a_b". */
#define BAYES_WORD_MIN	2
#define BAYES_WORD_MAX	30
#define BAYES_TOKEN_MAX (2 * BAYES_WORD_MAX + 1)
/* How many of a document's most interesting tokens are combined. */
#define BAYES_TOP 15

/* The model is plain counts, one row per token, so it can be saved and loaded
 * row by row: (token, bad, good) plus the two document totals. bad/good count
 * the documents of that class that contained the token (Bernoulli counts). */
struct bayes_entry {
	char *token;   /* owned by the model; NULL = empty slot */
	uint32_t bad;  /* bad (removed) documents containing token */
	uint32_t good; /* good (dismissed) documents containing token */
	uint32_t hash;
	uint32_t mark; /* internal: de-duplicates tokens within one train call */
};

struct bayes_model {
	struct bayes_entry *slots; /* open addressing, linear probing */
	size_t cap;		   /* power of two, or 0 */
	size_t count;		   /* tokens stored */
	uint32_t bad_docs;	   /* documents trained as bad */
	uint32_t good_docs;	   /* documents trained as good */
	uint32_t gen;		   /* internal: current train/untrain call */
};

/* One token that moved the score: weight is its smoothed log-likelihood ratio
 * ln(P(t|bad) / P(t|good)); > 0 pushes toward bad, < 0 toward good. */
struct bayes_reason {
	const char *token; /* points into the caller's token array; NULL = unused */
	double weight;
};

/* A labelled held-back document for bayes_evaluate(). */
struct bayes_doc {
	const char **tokens;
	size_t n;
	bool is_bad;
};

/* Confusion matrix at one threshold; a ratio whose denominator is 0 is 0.0. */
struct bayes_eval {
	double precision, recall;
	uint32_t tp, fp, fn, tn;
};

/* Tokenise text into out[0..max): lower-cased ASCII words of 2..30 letters or
 * digits (any other byte separates words; longer runs are dropped and break
 * the bigram chain), each followed by the bigram "prev_word" with the word
 * before it. Tokens are unique and allocated in a. Returns how many (<= max). */
size_t bayes_tokens(struct arena *a, const char *text, const char **out, size_t max);

/* Empty model (no tokens, no documents). */
void bayes_init(struct bayes_model *m);
/* Free every token and the table; m is empty again and reusable. */
void bayes_free(struct bayes_model *m);

/* Set one row (for loading); bad == good == 0 removes the token.
 * Returns 0, or -1 if token is NULL, empty or longer than BAYES_TOKEN_MAX. */
int bayes_set(struct bayes_model *m, const char *token, uint32_t bad, uint32_t good);
/* Set the document totals (for loading). */
void bayes_set_totals(struct bayes_model *m, uint32_t bad_docs, uint32_t good_docs);
/* Counts of token; returns false (and 0/0) when it is not in the model. */
bool bayes_get(const struct bayes_model *m, const char *token, uint32_t *bad, uint32_t *good);

/* Learn one document: +1 document of its class, +1 to that class's count of
 * each distinct valid token (duplicates count once; counts saturate). */
void bayes_train(struct bayes_model *m, const char **tokens, size_t n, bool is_bad);
/* Undo bayes_train() with the same tokens and class (a reversed decision);
 * counts never go below 0 and rows that reach 0/0 are removed. */
void bayes_untrain(struct bayes_model *m, const char **tokens, size_t n, bool is_bad);

/* Iterate rows for saving: size_t it = 0; while ((e = bayes_next(m, &it)))...
 * Order is unspecified; do not modify the model while iterating. */
const struct bayes_entry *bayes_next(const struct bayes_model *m, size_t *it);

/* Probability in [0,1] that the document is bad: class prior plus the
 * BAYES_TOP known tokens with the largest |weight|, summed in log-odds space.
 * Unknown tokens weigh 0. A model with no documents gives 0.5. top[0..ntop)
 * receives those tokens by |weight| descending; unused slots get NULL/0. */
double bayes_score(const struct bayes_model *m, const char **tokens, size_t n,
		   struct bayes_reason *top, size_t ntop);

/* Score each held-back doc (which m must not have been trained on) and count
 * score >= threshold as predicted bad. */
struct bayes_eval bayes_evaluate(const struct bayes_model *m, const struct bayes_doc *docs,
				 size_t ndocs, double threshold);

#endif
