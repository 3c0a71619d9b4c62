/* test_filters.c - a person's own filters as lib/filters.c applies them to a
 * post (hidden authors, muted tags and words, the content-warning choice),
 * how muted terms are read, and the site word filter's match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "arena.h"
#include "filters.h"
#include "social.h"
#include "textnorm.h"
#include "wordfilter.h"

/* A post view model with just what the filters read. */
static cJSON *post(int64_t author, const char *prompt, const char *tag, const char *cw)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *au = cJSON_AddObjectToObject(p, "author");
	cJSON_AddNumberToObject(au, "id", (double)author);
	cJSON_AddStringToObject(p, "prompt", prompt);
	cJSON_AddStringToObject(p, "caption", "");
	cJSON *tags = cJSON_AddArrayToObject(p, "tags");
	if (tag)
		cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
	cJSON_AddStringToObject(p, "content_warning", cw ? cw : "");
	return p;
}

static int flag(const cJSON *p, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, name));
}

struct fixture {
	struct arena a;
	struct myfilters f;
};

/* Viewer 1 hides people 5 and 9, the word "spider" and the tag "gore", and
 * blurs pictures with a content warning. */
static int setup(void **state)
{
	static const int64_t hidden[] = {5, 9};
	static const char *tags[] = {"gore"};
	const char *words[] = {"spider"};
	struct fixture *x = calloc(1, sizeof(*x));
	arena_init(&x->a);
	x->f.self = 1;
	x->f.hidden = hidden;
	x->f.nhidden = 2;
	x->f.words = social_words_list(&x->a, words, 1);
	x->f.tags = tags;
	x->f.ntags = 1;
	x->f.cw = CW_BLUR;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	arena_free(&x->a);
	free(x);
	return 0;
}

enum seen { SHOWN, LEFT_OUT, BLURRED };

/* What the feed does with the post (which it frees). */
static enum seen feed(struct fixture *x, cJSON *p)
{
	int out = filters_hide(&x->a, &x->f, p);
	int blur = flag(p, "cw_blur");
	cJSON_Delete(p);
	return out ? LEFT_OUT : blur ? BLURRED : SHOWN;
}

static void hidden_people_tags_and_words(void **state)
{
	struct fixture *x = *state;
	assert_int_equal(feed(x, post(5, "a cat", NULL, NULL)), LEFT_OUT);
	assert_int_equal(feed(x, post(9, "a cat", NULL, NULL)), LEFT_OUT);
	assert_int_equal(feed(x, post(7, "a cat", NULL, NULL)), SHOWN);
	assert_int_equal(feed(x, post(7, "a cat", "gore", NULL)), LEFT_OUT);
	assert_int_equal(feed(x, post(7, "Two SPIDERS", NULL, NULL)), LEFT_OUT);
	assert_int_equal(feed(x, post(7, "spiderman", NULL, NULL)), SHOWN);
	/* one's own posts are never left out */
	assert_int_equal(feed(x, post(1, "a spider", "gore", NULL)), SHOWN);
}

static void content_warnings(void **state)
{
	struct fixture *x = *state;
	assert_int_equal(feed(x, post(7, "a cat", NULL, "flash")), BLURRED);
	assert_int_equal(feed(x, post(7, "a cat", NULL, NULL)), SHOWN);
	x->f.cw = CW_SHOW;
	assert_int_equal(feed(x, post(7, "a cat", NULL, "flash")), SHOWN);
	x->f.cw = CW_HIDE;
	assert_int_equal(feed(x, post(7, "a cat", NULL, "flash")), LEFT_OUT);
	/* one's own: blurred, not left out */
	assert_int_equal(feed(x, post(1, "a cat", NULL, "flash")), BLURRED);
}

static void post_page(void **state)
{
	struct fixture *x = *state;
	x->f.cw = CW_HIDE;
	cJSON *p = post(7, "a cat", NULL, "flash");
	assert_true(filters_post_has_cw(p));
	filters_post_page(&x->f, p);
	assert_true(flag(p, "cw_hidden"));
	assert_false(flag(p, "cw_blur"));
	cJSON_Delete(p);
	p = post(1, "a cat", NULL, "flash");
	filters_post_page(&x->f, p);
	assert_true(flag(p, "cw_blur"));
	cJSON_Delete(p);
	p = post(7, "a cat", NULL, "");
	assert_false(filters_post_has_cw(p));
	cJSON_Delete(p);
	assert_string_equal(filters_cw_name(CW_BLUR), "blur");
	assert_string_equal(filters_cw_name(CW_HIDE), "hide");
	assert_null(filters_cw_name(3));
}

/* filters_terms on a JSON list: its output as compact JSON, or "why". */
static const char *terms(struct arena *a, int tag, const char *json)
{
	cJSON *in = cJSON_Parse(json);
	const char *code = "bad_term", *why = NULL;
	cJSON *out = filters_terms(a, tag, in, &code, &why);
	cJSON_Delete(in);
	if (!out)
		return arena_printf(a, "%s: %s", code, why);
	char *s = cJSON_PrintUnformatted(out);
	const char *r = arena_strdup(a, s);
	cJSON_free(s);
	cJSON_Delete(out);
	return r;
}

static void muted_terms_are_normalised(void **state)
{
	struct arena a;
	arena_init(&a);
	assert_string_equal(terms(&a, 0, "[\"  Spider \", \"\", \"spider\", \"Big Cat\"]"),
			    "[\"spider\",\"big cat\"]");
	assert_string_equal(terms(&a, 1, "[\"#Gore\", \"##gore\", \"blood\"]"),
			    "[\"gore\",\"blood\"]");
	assert_string_equal(terms(&a, 1, "[\"two words\"]"),
			    "bad_term: Muted tag 1 is not a tag: one word of letters, digits, - "
			    "and _, at most 32 characters.");
	assert_string_equal(terms(&a, 0, "[\"ok\", 3]"),
			    "bad_term: muted_words must be a list of strings.");
	assert_string_equal(terms(&a, 0, "[\"!!!\"]"),
			    "bad_term: Muted word 1 has no letters to match.");
	char *many = arena_strdup(&a, "[");
	for (int i = 0; i <= MYFILTERS_MAX_TERMS; i++)
		many = arena_printf(&a, "%s%s\"w%d\"", many, i ? "," : "", i);
	many = arena_printf(&a, "%s]", many);
	assert_string_equal(terms(&a, 0, many),
			    "too_many_terms: You can mute at most 100 words and tags in all.");
	arena_free(&a);
}

static void word_filter_hit(void **state)
{
	struct arena a;
	arena_init(&a);
	struct textnorm_list *l = textnorm_list_parse(&a, "badword\nworse thing\n", NULL);
	assert_non_null(l);
	assert_string_equal(wordfilter_hit(&a, l, "a B-A-D-W-O-R-D here"), "badword");
	assert_null(wordfilter_hit(&a, l, "all fine"));
	assert_null(wordfilter_hit(&a, l, ""));
	assert_null(wordfilter_hit(&a, l, NULL));
	assert_null(wordfilter_hit(&a, NULL, "badword"));
	arena_free(&a);
}

/* A moderator's list as the workers compile it: plurals, possessives and compatibility look-alikes
 * of a listed word are caught, words that only contain it are not. */
static void word_filter_forms_and_lookalikes(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *why = NULL;
	struct textnorm_list *l = wordfilter_compile(&a, "casino\nscam\n", &why);
	assert_non_null(l);
	static const char *const hits[] = {"win at casinos", "the casino's best", "CASINO",
					   "\xe2\x85\xbd"
					   "asino night",
					   "two scams"};
	for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++)
		assert_non_null(wordfilter_hit(&a, l, hits[i]));
	assert_string_equal(wordfilter_hit(&a, l, "the casino's best"), "casino");
	assert_null(wordfilter_hit(&a, l, "a special occasion"));
	assert_null(wordfilter_hit(&a, l, "scampi and chips"));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(hidden_people_tags_and_words, setup, teardown),
	    cmocka_unit_test_setup_teardown(content_warnings, setup, teardown),
	    cmocka_unit_test_setup_teardown(post_page, setup, teardown),
	    cmocka_unit_test(muted_terms_are_normalised),
	    cmocka_unit_test(word_filter_hit),
	    cmocka_unit_test(word_filter_forms_and_lookalikes),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
