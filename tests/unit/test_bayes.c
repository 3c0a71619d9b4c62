/* test_bayes.c - moderation classifier: tokens, counts, scores, reasons, evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "bayes.h"
#include "util.h"

static const char *spam[] = {
    "buy cheap followers now",
    "free crypto giveaway click link",
    "click link for free followers",
    "cheap followers buy now limited offer",
    "crypto giveaway free bitcoin click now",
    "earn money fast click link in bio",
    "buy cheap likes and followers",
    "free bitcoin giveaway dm me now",
    "make money fast with crypto click link",
    "cheap followers fast delivery buy now",
    "visit my profile for free followers",
    "click link to claim free crypto",
    "buy likes cheap click link",
    "crypto investment double your money fast",
    "free giveaway click now limited offer",
    "dm me for cheap followers",
    "earn bitcoin fast click link",
    "get rich quick crypto giveaway",
    "buy followers now cheap price",
    "click link in bio free money",
    "limited offer buy now click link",
    "free followers and likes click here",
    "crypto giveaway dm now",
    "cheap promo buy followers fast",
    "win free bitcoin click link now",
    "money fast earn crypto now",
    "hot deal cheap likes buy now",
    "free crypto click here now",
    "follow for follow cheap followers",
    "claim your free giveaway click link",
};

static const char *normal[] = {
    "lovely colours in this sunset",
    "the light on the water is beautiful",
    "great composition and soft colours",
    "this dragon looks amazing",
    "love the detail in the forest",
    "what prompt did you use for the sky",
    "beautiful portrait with warm light",
    "the mountains look so peaceful",
    "nice remix of the original castle",
    "such soft colours in the clouds",
    "the reflection in the lake is lovely",
    "amazing detail on the armour",
    "i love the mood of this city at night",
    "gorgeous sunset over the ocean",
    "which model made this painting",
    "the cat looks so cute here",
    "great use of light and shadow",
    "this reminds me of old film photos",
    "beautiful colours and a calm mood",
    "the forest path looks magical",
    "lovely work on the flowers",
    "nice texture in the stone walls",
    "the sky gradient is beautiful",
    "really like the soft warm light",
    "the castle in the mist is great",
    "cozy cabin in the snowy forest",
    "the eyes in this portrait are amazing",
    "wonderful detail in the city street",
    "peaceful lake at dawn lovely",
    "what a dreamy sunset sky",
};

struct fixture {
	struct arena a;
	struct bayes_model m;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	arena_init(&f->a);
	bayes_init(&f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bayes_free(&f->m);
	arena_free(&f->a);
	free(f);
	return 0;
}

static size_t tok(struct fixture *f, const char *text, const char **out, size_t max)
{
	return bayes_tokens(&f->a, text, out, max);
}

static void train_text(struct fixture *f, const char *text, bool bad)
{
	const char *t[128];
	size_t n = tok(f, text, t, ARRAY_LEN(t));
	bayes_train(&f->m, t, n, bad);
}

static void untrain_text(struct fixture *f, const char *text, bool bad)
{
	const char *t[128];
	size_t n = tok(f, text, t, ARRAY_LEN(t));
	bayes_untrain(&f->m, t, n, bad);
}

static double score_text(struct fixture *f, const char *text, struct bayes_reason *top, size_t ntop)
{
	const char *t[128];
	size_t n = tok(f, text, t, ARRAY_LEN(t));
	return bayes_score(&f->m, t, n, top, ntop);
}

static void train_corpus(struct fixture *f)
{
	for (size_t i = 0; i < ARRAY_LEN(spam); i++)
		train_text(f, spam[i], true);
	for (size_t i = 0; i < ARRAY_LEN(normal); i++)
		train_text(f, normal[i], false);
}

static bool has_token(const char **t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i], s) == 0)
			return true;
	return false;
}

static void tokens_words_and_bigrams(void **state)
{
	struct fixture *f = *state;
	const char *t[32];
	size_t n = tok(f, "Buy CHEAP, followers!", t, ARRAY_LEN(t));
	assert_int_equal(n, 5);
	assert_string_equal(t[0], "buy");
	assert_string_equal(t[1], "cheap");
	assert_string_equal(t[2], "buy_cheap");
	assert_string_equal(t[3], "followers");
	assert_string_equal(t[4], "cheap_followers");
}

static void tokens_drop_short_and_long_words(void **state)
{
	struct fixture *f = *state;
	const char *t[32];
	char text[128];
	/* 30 letters is kept, 31 is dropped and breaks the bigram chain. */
	snprintf(text, sizeof(text), "%.30s x %.31s ok", "abcdefghijklmnopqrstuvwxyzabcdefgh",
		 "abcdefghijklmnopqrstuvwxyzabcdefgh");
	size_t n = tok(f, text, t, ARRAY_LEN(t));
	assert_int_equal(n, 2);
	assert_int_equal(strlen(t[0]), 30);
	assert_string_equal(t[1], "ok");
	/* Single characters are not words; digits are. */
	n = tok(f, "a b 42 c", t, ARRAY_LEN(t));
	assert_int_equal(n, 1);
	assert_string_equal(t[0], "42");
	/* Any byte that is not an ASCII letter/digit separates words. */
	n = tok(f, "caf\xc3\xa9 na\xefve\x01ok", t, ARRAY_LEN(t));
	assert_true(has_token(t, n, "caf"));
	assert_true(has_token(t, n, "ve_ok"));
	assert_true(has_token(t, n, "caf_na"));
	assert_int_equal(n, 7); /* caf na caf_na ve na_ve ok ve_ok */
	assert_int_equal(tok(f, "", t, ARRAY_LEN(t)), 0);
	assert_int_equal(tok(f, "  ..  ", t, ARRAY_LEN(t)), 0);
}

static void tokens_are_unique_and_capped(void **state)
{
	struct fixture *f = *state;
	const char *t[32];
	size_t n = tok(f, "spam spam spam spam eggs spam eggs", t, ARRAY_LEN(t));
	/* spam, spam_spam, eggs, spam_eggs, eggs_spam */
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(t[i], t[j]);
	n = tok(f, "one two three four five", t, 3);
	assert_int_equal(n, 3);
	assert_string_equal(t[2], "one_two");
	assert_int_equal(tok(f, "one two", t, 0), 0);
}

static void empty_model_is_unknown(void **state)
{
	struct fixture *f = *state;
	struct bayes_reason top[4];
	top[0].token = "junk";
	assert_true(score_text(f, "buy cheap followers", top, 4) == 0.5);
	for (size_t i = 0; i < 4; i++) {
		assert_null(top[i].token);
		assert_true(top[i].weight == 0.0);
	}
}

static void spam_scores_high_normal_low(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	assert_int_equal(f->m.bad_docs, 30);
	assert_int_equal(f->m.good_docs, 30);
	double s = score_text(f, "cheap followers click link now", NULL, 0);
	double g = score_text(f, "beautiful soft light in the forest", NULL, 0);
	assert_true(s > 0.9);
	assert_true(g < 0.1);
}

static void reasons_name_spammy_words(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	struct bayes_reason top[BAYES_TOP + 5];
	double s = score_text(f, "get free followers click link today", top, ARRAY_LEN(top));
	assert_true(s > 0.9);
	bool followers = false, click = false;
	size_t used = 0;
	for (size_t i = 0; i < ARRAY_LEN(top) && top[i].token; i++) {
		used++;
		if (i > 0)
			assert_true(fabs(top[i - 1].weight) >= fabs(top[i].weight));
		if (strcmp(top[i].token, "followers") == 0)
			followers = top[i].weight > 0;
		if (strcmp(top[i].token, "click") == 0)
			click = top[i].weight > 0;
		assert_string_not_equal(top[i].token, "today"); /* unseen */
	}
	assert_true(followers);
	assert_true(click);
	assert_true(used > 0 && used <= BAYES_TOP);
	/* Positive weight toward bad means the top reason is > 0 here. */
	assert_true(top[0].weight > 0);
}

static void reasons_for_normal_are_negative(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	struct bayes_reason top[3];
	double g = score_text(f, "lovely colours in the sunset sky", top, 3);
	assert_true(g < 0.1);
	for (size_t i = 0; i < 3; i++) {
		assert_non_null(top[i].token);
		assert_true(top[i].weight < 0);
	}
}

static void only_top_tokens_are_combined(void **state)
{
	struct fixture *f = *state;
	/* 20 tokens each seen in one bad doc; a good doc keeps priors equal. */
	const char *t[64];
	size_t n = 0;
	for (int i = 0; i < 20; i++)
		t[n++] = arena_printf(&f->a, "w%02d", i);
	bayes_train(&f->m, t, n, true);
	const char *other = "zz";
	bayes_train(&f->m, &other, 1, false);
	/* Each weighs ln 2 (f = 2/3); only BAYES_TOP are summed. */
	double s = bayes_score(&f->m, t, n, NULL, 0);
	double want = 1.0 / (1.0 + exp(-BAYES_TOP * log(2.0)));
	assert_float_equal(s, want, 1e-12);
}

static void unseen_tokens_are_neutral(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	double a = score_text(f, "cheap followers", NULL, 0);
	double b = score_text(f, "cheap followers zebra xylophone quantum", NULL, 0);
	assert_true(a == b);
	/* Only unseen tokens: the prior alone, here equal classes. */
	assert_float_equal(score_text(f, "zebra xylophone", NULL, 0), 0.5, 1e-12);
}

static void untrain_restores_exactly(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	const char *probe[] = {"cheap followers click link now", "lovely sunset",
			       "free colours giveaway", "the dragon followers"};
	double before[ARRAY_LEN(probe)];
	for (size_t i = 0; i < ARRAY_LEN(probe); i++)
		before[i] = score_text(f, probe[i], NULL, 0);
	size_t rows = f->m.count;
	train_text(f, "the dragon giveaway is lovely free colours", true);
	train_text(f, "cheap followers unusualword", false);
	assert_true(score_text(f, probe[2], NULL, 0) != before[2]);
	untrain_text(f, "cheap followers unusualword", false);
	untrain_text(f, "the dragon giveaway is lovely free colours", true);
	for (size_t i = 0; i < ARRAY_LEN(probe); i++)
		assert_true(score_text(f, probe[i], NULL, 0) == before[i]);
	assert_int_equal(f->m.count, rows);
	uint32_t b, g;
	assert_false(bayes_get(&f->m, "unusualword", &b, &g));
	assert_int_equal(f->m.bad_docs, 30);
	assert_int_equal(f->m.good_docs, 30);
}

static void untrain_never_underflows(void **state)
{
	struct fixture *f = *state;
	const char *t[] = {"alpha", "beta"};
	bayes_untrain(&f->m, t, 2, true);
	assert_int_equal(f->m.bad_docs, 0);
	assert_int_equal(f->m.count, 0);
	bayes_train(&f->m, t, 2, false);
	bayes_untrain(&f->m, t, 2, true); /* wrong class: good counts stay */
	uint32_t b, g;
	assert_true(bayes_get(&f->m, "alpha", &b, &g));
	assert_int_equal(b, 0);
	assert_int_equal(g, 1);
}

static void duplicates_count_once(void **state)
{
	struct fixture *f = *state;
	const char *t[] = {"spam", "spam", "eggs", "spam", NULL, ""};
	bayes_train(&f->m, t, ARRAY_LEN(t), true);
	uint32_t b, g;
	assert_true(bayes_get(&f->m, "spam", &b, &g));
	assert_int_equal(b, 1);
	assert_int_equal(f->m.count, 2);
	bayes_untrain(&f->m, t, ARRAY_LEN(t), true);
	assert_int_equal(f->m.count, 0);
}

static void extreme_imbalance_stays_finite(void **state)
{
	struct fixture *f = *state;
	train_text(f, "buy cheap followers now", true);
	for (int i = 0; i < 100; i++)
		train_text(f, normal[i % ARRAY_LEN(normal)], false);
	const char *texts[] = {"buy cheap followers now", "lovely colours in this sunset",
			       "unseen words only", ""};
	for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
		struct bayes_reason top[BAYES_TOP];
		double s = score_text(f, texts[i], top, BAYES_TOP);
		assert_true(isfinite(s));
		assert_true(s >= 0.0 && s <= 1.0);
		for (size_t k = 0; k < BAYES_TOP && top[k].token; k++)
			assert_true(isfinite(top[k].weight));
	}
	/* Saturated counts and huge totals are still finite. */
	bayes_set_totals(&f->m, UINT32_MAX, 1);
	bayes_set(&f->m, "huge", UINT32_MAX, 0);
	bayes_set(&f->m, "odd", 5, UINT32_MAX); /* more than the totals */
	const char *t[] = {"huge", "odd"};
	double s = bayes_score(&f->m, t, 2, NULL, 0);
	assert_true(isfinite(s) && s >= 0.0 && s <= 1.0);
}

static void set_and_iterate_round_trip(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	struct bayes_model copy;
	bayes_init(&copy);
	size_t it = 0, rows = 0;
	const struct bayes_entry *e;
	while ((e = bayes_next(&f->m, &it))) {
		assert_int_equal(bayes_set(&copy, e->token, e->bad, e->good), 0);
		rows++;
	}
	bayes_set_totals(&copy, f->m.bad_docs, f->m.good_docs);
	assert_int_equal(rows, f->m.count);
	assert_int_equal(copy.count, rows);
	it = 0;
	while ((e = bayes_next(&f->m, &it))) {
		uint32_t b, g;
		assert_true(bayes_get(&copy, e->token, &b, &g));
		assert_int_equal(b, e->bad);
		assert_int_equal(g, e->good);
	}
	const char *t[16];
	size_t n = tok(f, "cheap followers in the sunset", t, 16);
	assert_true(bayes_score(&copy, t, n, NULL, 0) == bayes_score(&f->m, t, n, NULL, 0));
	/* Setting 0/0 removes a row; bad tokens are refused. */
	assert_int_equal(bayes_set(&copy, "cheap", 0, 0), 0);
	assert_int_equal(copy.count, rows - 1);
	assert_int_equal(bayes_set(&copy, "", 1, 1), -1);
	assert_int_equal(bayes_set(&copy, NULL, 1, 1), -1);
	char longtok[BAYES_TOKEN_MAX + 2];
	memset(longtok, 'a', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	assert_int_equal(bayes_set(&copy, longtok, 1, 1), -1);
	longtok[BAYES_TOKEN_MAX] = '\0';
	assert_int_equal(bayes_set(&copy, longtok, 1, 1), 0);
	bayes_free(&copy);
}

static void many_rows_survive_deletes(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 5000; i++)
		assert_int_equal(bayes_set(&f->m, arena_printf(&f->a, "t%d", i), 1, (uint32_t)i),
				 0);
	for (int i = 0; i < 5000; i += 2)
		bayes_set(&f->m, arena_printf(&f->a, "t%d", i), 0, 0);
	assert_int_equal(f->m.count, 2500);
	for (int i = 0; i < 5000; i++) {
		uint32_t b, g;
		bool found = bayes_get(&f->m, arena_printf(&f->a, "t%d", i), &b, &g);
		assert_int_equal(found, i % 2 == 1);
		if (found)
			assert_int_equal(g, (uint32_t)i);
	}
}

static void evaluate_counts_and_ratios(void **state)
{
	struct fixture *f = *state;
	train_corpus(f);
	const char *s1[16], *s2[16], *g1[16], *g2[16];
	struct bayes_doc docs[] = {
	    {s1, tok(f, "cheap followers click link now", s1, 16), true},
	    {s2, tok(f, "lovely colours in the sunset", s2, 16), true}, /* missed */
	    {g1, tok(f, "beautiful soft light in the forest", g1, 16), false},
	    {g2, tok(f, "free crypto giveaway", g2, 16), false}, /* false alarm */
	};
	struct bayes_eval ev = bayes_evaluate(&f->m, docs, ARRAY_LEN(docs), 0.5);
	assert_int_equal(ev.tp, 1);
	assert_int_equal(ev.fn, 1);
	assert_int_equal(ev.tn, 1);
	assert_int_equal(ev.fp, 1);
	assert_float_equal(ev.precision, 0.5, 1e-12);
	assert_float_equal(ev.recall, 0.5, 1e-12);
	ev = bayes_evaluate(&f->m, docs, 1, 0.5);
	assert_int_equal(ev.tp, 1);
	assert_float_equal(ev.precision, 1.0, 1e-12);
	assert_float_equal(ev.recall, 1.0, 1e-12);
	/* Nothing predicted bad and nothing bad: zero denominators give 0. */
	ev = bayes_evaluate(&f->m, docs + 2, 1, 0.5);
	assert_int_equal(ev.tn, 1);
	assert_true(ev.precision == 0.0 && ev.recall == 0.0);
	ev = bayes_evaluate(&f->m, NULL, 0, 0.5);
	assert_int_equal(ev.tp + ev.fp + ev.fn + ev.tn, 0);
	assert_true(ev.precision == 0.0 && ev.recall == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tokens_words_and_bigrams, setup, teardown),
	    cmocka_unit_test_setup_teardown(tokens_drop_short_and_long_words, setup, teardown),
	    cmocka_unit_test_setup_teardown(tokens_are_unique_and_capped, setup, teardown),
	    cmocka_unit_test_setup_teardown(empty_model_is_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(spam_scores_high_normal_low, setup, teardown),
	    cmocka_unit_test_setup_teardown(reasons_name_spammy_words, setup, teardown),
	    cmocka_unit_test_setup_teardown(reasons_for_normal_are_negative, setup, teardown),
	    cmocka_unit_test_setup_teardown(only_top_tokens_are_combined, setup, teardown),
	    cmocka_unit_test_setup_teardown(unseen_tokens_are_neutral, setup, teardown),
	    cmocka_unit_test_setup_teardown(untrain_restores_exactly, setup, teardown),
	    cmocka_unit_test_setup_teardown(untrain_never_underflows, setup, teardown),
	    cmocka_unit_test_setup_teardown(duplicates_count_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(extreme_imbalance_stays_finite, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_and_iterate_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(many_rows_survive_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(evaluate_counts_and_ratios, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
