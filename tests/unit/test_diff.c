/* test_diff.c - word-level prompt diffs for the lineage view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diff.h"

/* Render runs as "=same -del +add" for compact assertions. */
static char *show(struct arena *a, const cJSON *runs)
{
	char *s = arena_strdup(a, "");
	const cJSON *r;
	cJSON_ArrayForEach(r, runs)
	{
		const char *k = cJSON_GetObjectItem(r, "same")	? "="
				: cJSON_GetObjectItem(r, "del") ? "-"
								: "+";
		s = arena_printf(a, "%s%s[%s]", s, k, cJSON_GetObjectItem(r, "text")->valuestring);
	}
	return s;
}

static void check(const char *from, const char *to, const char *want)
{
	struct arena a;
	arena_init(&a);
	cJSON *d = diff_words(&a, from, to);
	assert_string_equal(show(&a, d), want);
	cJSON_Delete(d);
	arena_free(&a);
}

static void replaced_word(void **state)
{
	check("a red sunset over the sea", "a blue sunset over the sea",
	      "=[a]-[red]+[blue]=[sunset over the sea]");
}

static void added_and_removed(void **state)
{
	check("a cat", "a black cat on a roof", "=[a]+[black]=[cat]+[on a roof]");
	check("a black cat on a roof", "a cat", "=[a]-[black]=[cat]-[on a roof]");
}

static void identical_and_empty(void **state)
{
	check("same words here", "same  words\there", "=[same words here]");
	check("", "new", "+[new]");
	check("old", "", "-[old]");
	check("", "", "");
	check(NULL, "x", "+[x]");
}

static void markup_is_just_text(void **state)
{
	/* Escaping is the renderer's job: the diff keeps text as is. */
	check("<b>x</b>", "<i>x</i>", "-[<b>x</b>]+[<i>x</i>]");
}

static void very_long_prompts_are_bounded(void **state)
{
	struct arena a;
	arena_init(&a);
	char *x = arena_strdup(&a, ""), *y;
	for (int i = 0; i < 700; i++)
		x = arena_printf(&a, "%sw%d ", x, i);
	y = arena_printf(&a, "%sextra", x);
	cJSON *d = diff_words(&a, x, y);
	const char *s = show(&a, d);
	assert_non_null(strstr(s, "+[extra]"));
	assert_int_equal(s[0], '=');
	cJSON_Delete(d);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(replaced_word),
	    cmocka_unit_test(added_and_removed),
	    cmocka_unit_test(identical_and_empty),
	    cmocka_unit_test(markup_is_just_text),
	    cmocka_unit_test(very_long_prompts_are_bounded),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
