/* test_filters.c - a person's own filters as lib/filters.c applies them to a
 * post (hidden authors, muted tags and words, the content-warning choice),
 * how muted terms are read, and the site word filter's match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <string.h>

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

/* Viewer 1 hides people 5 and 9, the word "spider" and the tag "gore". */
static void viewer(struct arena *a, struct myfilters *f, enum cw_pref cw)
{
	static const int64_t hidden[] = {5, 9};
	static const char *tags[] = {"gore"};
	const char *words[] = {"spider"};
	memset(f, 0, sizeof(*f));
	f->self = 1;
	f->hidden = hidden;
	f->nhidden = 2;
	f->words = social_words_list(a, words, 1);
	f->tags = tags;
	f->ntags = 1;
	f->cw = cw;
}

/* hide(): 1 if the post leaves the feed; *blur set to its "cw_blur". */
static int hide(struct arena *a, const struct myfilters *f, cJSON *p, int *blur)
{
	int h = filters_hide(a, f, p);
	*blur = flag(p, "cw_blur");
	cJSON_Delete(p);
	return h;
}

static void hidden_people_tags_and_words(void **state)
{
	struct arena a;
	struct myfilters f;
	int blur;
	arena_init(&a);
	viewer(&a, &f, CW_BLUR);
	assert_int_equal(hide(&a, &f, post(5, "a cat", NULL, NULL), &blur), 1);
	assert_int_equal(hide(&a, &f, post(9, "a cat", NULL, NULL), &blur), 1);
	assert_int_equal(hide(&a, &f, post(7, "a cat", NULL, NULL), &blur), 0);
	assert_int_equal(hide(&a, &f, post(7, "a cat", "gore", NULL), &blur), 1);
	assert_int_equal(hide(&a, &f, post(7, "Two SPIDERS", NULL, NULL), &blur), 1);
	assert_int_equal(hide(&a, &f, post(7, "spiderman", NULL, NULL), &blur), 0);
	/* one's own posts are never left out */
	assert_int_equal(hide(&a, &f, post(1, "a spider", "gore", NULL), &blur), 0);
	arena_free(&a);
}

static void content_warnings(void **state)
{
	struct arena a;
	struct myfilters f;
	int blur;
	arena_init(&a);
	viewer(&a, &f, CW_BLUR);
	assert_int_equal(hide(&a, &f, post(7, "a cat", NULL, "flash"), &blur), 0);
	assert_true(blur);
	assert_int_equal(hide(&a, &f, post(7, "a cat", NULL, NULL), &blur), 0);
	assert_false(blur);
	f.cw = CW_SHOW;
	assert_int_equal(hide(&a, &f, post(7, "a cat", NULL, "flash"), &blur), 0);
	assert_false(blur);
	f.cw = CW_HIDE;
	assert_int_equal(hide(&a, &f, post(7, "a cat", NULL, "flash"), &blur), 1);
	/* one's own: blurred, not hidden */
	assert_int_equal(hide(&a, &f, post(1, "a cat", NULL, "flash"), &blur), 0);
	assert_true(blur);
	arena_free(&a);
}

static void post_page(void **state)
{
	struct arena a;
	struct myfilters f;
	arena_init(&a);
	viewer(&a, &f, CW_HIDE);
	cJSON *p = post(7, "a cat", NULL, "flash");
	assert_true(filters_post_has_cw(p));
	filters_post_page(&f, p);
	assert_true(flag(p, "cw_hidden"));
	assert_false(flag(p, "cw_blur"));
	cJSON_Delete(p);
	p = post(1, "a cat", NULL, "flash");
	filters_post_page(&f, p);
	assert_true(flag(p, "cw_blur"));
	cJSON_Delete(p);
	p = post(7, "a cat", NULL, "");
	assert_false(filters_post_has_cw(p));
	cJSON_Delete(p);
	assert_string_equal(filters_cw_name(CW_BLUR), "blur");
	assert_string_equal(filters_cw_name(CW_HIDE), "hide");
	assert_null(filters_cw_name(3));
	arena_free(&a);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hidden_people_tags_and_words),
	    cmocka_unit_test(content_warnings),
	    cmocka_unit_test(post_page),
	    cmocka_unit_test(muted_terms_are_normalised),
	    cmocka_unit_test(word_filter_hit),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
