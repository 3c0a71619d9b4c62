/* test_textnorm.c - folding and word-list matching for the moderation word filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "textnorm.h"

static void fold_is(const char *in, const char *want)
{
	struct arena a;
	arena_init(&a);
	const char *got = textnorm_fold(&a, in, strlen(in));
	assert_string_equal(got, want);
	/* idempotent */
	assert_string_equal(textnorm_fold(&a, got, strlen(got)), want);
	arena_free(&a);
}

/* Match `text` against a list given as text; NULL if no entry matched. */
static const char *match(struct arena *a, const char *list, const char *text)
{
	const char *reason = NULL;
	struct textnorm_list *l = textnorm_list_parse(a, list, &reason);
	assert_non_null(l);
	assert_null(reason);
	return textnorm_match(l, textnorm_fold(a, text, strlen(text)));
}

static void lower_case_and_spaces(void **state)
{
	fold_is("Hello   World", "helo world");
	fold_is("  \t\nA  CAT\r\n", "a cat");
	fold_is("one, two; three?", "one two thre");
}

static void accents_are_stripped(void **state)
{
	fold_is("Crème Brûlée à la façon", "creme brule a la facon");
	fold_is("ÀÁÂÃÄÅ àáâãäå", "a a");
	fold_is("Ñandú ÖØÜ øüý ÿ", "nandu ou ouy y");
	fold_is("Straße Æther œuvre þorn", "strase aether oeuvre thorn");
	fold_is("Łódź Škoda Čech ĳs", "lodz skoda cech ijs");
	/* decomposed: e + combining acute */
	fold_is("cafe\xcc\x81", "cafe");
}

static void cyrillic_and_greek_lookalikes(void **state)
{
	/* "сlаss" with Cyrillic с (U+0441) and а (U+0430) */
	fold_is("\xd1\x81l\xd0\xb0ss", "clas");
	/* Cyrillic р, е, х, о, у, Т, Н, В, М, К, і */
	fold_is("\xd1\x80\xd0\xb5\xd1\x85 \xd0\xbe\xd1\x83 \xd0\xa2\xd0\x9d\xd0\x92 "
		"\xd0\x9c\xd0\x9a\xd1\x96",
		"pex oy thb mki");
	/* Greek ο α ε ι κ ν ρ τ υ χ */
	fold_is("\xce\xbf\xce\xb1\xce\xb5\xce\xb9\xce\xba\xce\xbd\xcf\x81\xcf\x84\xcf\x85\xcf\x87",
		"oaeikvptux");
}

static void styled_alphabets(void **state)
{
	fold_is("\xef\xbd\x86\xef\xbd\x95\xef\xbd\x83\xef\xbd\x8b", "fuck"); /* fullwidth */
	fold_is("\xe2\x93\x95\xe2\x93\xa4\xe2\x93\x92\xe2\x93\x9a", "fuck"); /* circled */
	fold_is("\xf0\x9d\x90\x9f\xf0\x9d\x90\xae\xf0\x9d\x90\x9c\xf0\x9d\x90\xa4",
		"fuck"); /* mathematical bold */
}

static void leetspeak(void **state)
{
	fold_is("5h1t", "shit");
	fold_is("sh!t", "shit");
	fold_is("@$$hole", "ashole");
	fold_is("a$$", "as");
	fold_is("b00b5", "bobs");
	fold_is("7h3 c4|2", "the caiz");
	fold_is("b1+ch 9ay", "bitch gay");
}

static void symbols_only_inside_words(void **state)
{
	fold_is("hi! wow!!", "hi wow");
	fold_is("A+ work", "a work");
	fold_is("$ @ ! | +", "");
	fold_is("me @ home", "me home");
}

static void repeated_letters_collapse(void **state)
{
	fold_is("fuuuuuck", "fuck");
	fold_is("FUUUCKKKK", "fuck");
	fold_is("sooo gooood", "so god");
}

static void inserted_punctuation(void **state)
{
	fold_is("f.u.c.k", "fuck");
	fold_is("f-u-c-k", "fuck");
	fold_is("f_u*c'k", "fuck");
	fold_is("f\xe2\x80\x94u\xe2\x80\xa2"
		"ck",
		"fuck");		 /* em dash, bullet */
	fold_is("sh\xc2\xb7it", "shit"); /* middle dot */
}

static void zero_width_characters(void **state)
{
	fold_is("f\xe2\x80\x8bu\xe2\x80\x8c"
		"c\xe2\x80\x8dk",
		"fuck");
	fold_is("\xef\xbb\xbf"
		"fu\xc2\xad"
		"ck",
		"fuck"); /* BOM, soft hyphen */
	/* zero-width space is not a word boundary either */
	fold_is("bad\xe2\x80\x8bword", "badword");
}

static void spaced_out_letters(void **state)
{
	fold_is("f u c k", "fuck");
	fold_is("you f u c k off", "you fuck of");
	fold_is("f. u. c. k.", "fuck");
	fold_is("s, h, i, t", "shit");
	/* two single letters stay apart: real text has "a", "i" */
	fold_is("i a m", "iam");
	fold_is("a b", "a b");
	fold_is("i am a cat", "i am a cat");
	fold_is("a a a", "a");
}

static void word_boundaries_kept(void **state)
{
	fold_is("hello.  world", "helo world");
	fold_is("cats/dogs (and) birds", "cats dogs and birds");
	fold_is("a\xc2\xa0"
		"b\xe3\x80\x80"
		"cd",
		"a b cd"); /* NBSP, ideographic space */
}

static void invalid_utf8_dropped(void **state)
{
	fold_is("f\xffu\xc3"
		"ck",
		"fuck");
	fold_is("\xc0\xaf"
		"ab",
		"ab"); /* overlong '/' */
	fold_is("a\xed\xa0\x80"
		"b",
		"ab");			   /* surrogate */
	fold_is("\xf4\x90\x80\x80x", "x"); /* above U+10FFFF */
	fold_is("end\xe2\x82", "end");	   /* truncated sequence */
	fold_is("\x80\x80\x80", "");
}

static void empty_and_null(void **state)
{
	struct arena a;
	arena_init(&a);
	assert_string_equal(textnorm_fold(&a, "", 0), "");
	assert_string_equal(textnorm_fold(&a, NULL, 0), "");
	assert_string_equal(textnorm_fold(&a, NULL, 5), "");
	assert_string_equal(textnorm_fold(&a, "...---...", 9), "");
	assert_string_equal(textnorm_fold(&a, "ab\0cd", 5), "ab cd");
	arena_free(&a);
}

static void very_long_input_is_bounded(void **state)
{
	struct arena a;
	arena_init(&a);
	size_t n = 3 * TEXTNORM_MAX_INPUT;
	char *big = malloc(n);
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (i % 3 == 2) ? ' ' : (i % 3 == 0 ? 'a' : 'b');
	memcpy(big + TEXTNORM_MAX_INPUT + 10, "fuck", 4); /* past the limit */
	const char *out = textnorm_fold(&a, big, n);
	assert_true(strlen(out) <= TEXTNORM_MAX_INPUT);
	assert_null(strstr(out, "fuck"));
	assert_int_equal(strncmp(out, "ab ab ab", 8), 0);
	free(big);
	arena_free(&a);
}

static void whole_words_only(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *list = "ass\ncunt\n";
	assert_null(match(&a, list, "a classic class assessment"));
	assert_null(match(&a, list, "Scunthorpe United"));
	assert_null(match(&a, list, "bass guitar"));
	assert_string_equal(match(&a, list, "what an ass!"), "ass");
	assert_string_equal(match(&a, list, "you @$$"), "ass");
	assert_string_equal(match(&a, list, "C.U.N.T"), "cunt");
	arena_free(&a);
}

static void evasions_are_caught(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *list = "# slurs and swears\nfuck\n\n  shit  \n";
	assert_string_equal(match(&a, list, "F U C K this"), "fuck");
	assert_string_equal(match(&a, list, "fuuuuuck"), "fuck");
	assert_string_equal(match(&a, list,
				  "f\xe2\x80\x8bu\xe2\x80\x8b"
				  "ck"),
			    "fuck");
	assert_string_equal(match(&a, list, "\xd1\x95h\xd1\x96t happens"), "shit");
	assert_string_equal(match(&a, list, "Sh1T"), "shit");
	assert_null(match(&a, list, "shitake mushrooms and fuchsia"));
	arena_free(&a);
}

static void lookalike_entry_in_list(void **state)
{
	struct arena a;
	arena_init(&a);
	/* the list entry itself uses Cyrillic letters; plain Latin text matches */
	assert_string_equal(match(&a, "\xd1\x81l\xd0\xb0ss\n", "first CLASS"),
			    "\xd1\x81l\xd0\xb0ss");
	arena_free(&a);
}

static void phrases(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *list = "kill yourself\nbad\nhate  ALL   the people\n";
	assert_string_equal(match(&a, list, "just KILL   your-self now"), "kill yourself");
	assert_string_equal(match(&a, list, "go k i l l yourself"), "kill yourself");
	assert_null(match(&a, list, "kill yourselfie"));
	assert_null(match(&a, list, "skill yourself"));
	assert_null(match(&a, list, "kill"));
	assert_string_equal(match(&a, list, "I hate all the people"), "hate  ALL   the people");
	/* earliest position wins */
	assert_string_equal(match(&a, list, "bad: kill yourself"), "bad");
	assert_string_equal(match(&a, list, "kill yourself, bad"), "kill yourself");
	arena_free(&a);
}

static void list_parsing(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *reason = NULL;
	struct textnorm_list *l =
	    textnorm_list_parse(&a, "# c\r\n\r\nFoo\r\n  foo \nf o o\nbar baz\n#x\n", &reason);
	assert_non_null(l);
	assert_int_equal(textnorm_list_count(l), 2); /* foo (3 spellings), bar baz */
	assert_string_equal(textnorm_match(l, textnorm_fold(&a, "a FOO b", 7)), "Foo");
	assert_null(textnorm_match(l, "bar"));
	l = textnorm_list_parse(&a, NULL, &reason);
	assert_non_null(l);
	assert_int_equal(textnorm_list_count(l), 0);
	assert_null(textnorm_match(l, "anything"));
	assert_null(textnorm_match(NULL, "anything"));
	assert_null(textnorm_match(l, NULL));
	assert_int_equal(textnorm_list_count(NULL), 0);
	arena_free(&a);
}

static void list_limits(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *reason = NULL;
	char line[TEXTNORM_ENTRY_MAX + 2];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_null(textnorm_list_parse(&a, arena_printf(&a, "ok\n%s\n", line), &reason));
	assert_non_null(reason);
	assert_non_null(strstr(reason, "line 2"));
	line[TEXTNORM_ENTRY_MAX] = '\0'; /* exactly the limit is fine */
	assert_non_null(textnorm_list_parse(&a, line, &reason));
	/* 100 Cyrillic letters are 200 bytes but 100 characters */
	char *cyr = arena_strdup(&a, "");
	for (int i = 0; i < TEXTNORM_ENTRY_MAX; i++)
		cyr = arena_printf(&a, "%s\xd0\xb0", cyr);
	assert_non_null(textnorm_list_parse(&a, cyr, &reason));

	reason = NULL;
	assert_null(textnorm_list_parse(&a, "good\n!!!\n", &reason));
	assert_non_null(strstr(reason, "line 2: entry has no letters"));
	arena_free(&a);
}

static void list_entry_count_limit(void **state)
{
	struct arena a;
	arena_init(&a);
	struct buf_like {
		char *s;
		size_t n;
	} b = {malloc(TEXTNORM_LIST_MAX * 12 + 64), 0};
	assert_non_null(b.s);
	/* distinct words without digits (digits fold to letters): base-16
	 * names "zazazazaz", "zbzazazaz"... ('z' keeps letters from collapsing) */
	for (int i = 0; i < TEXTNORM_LIST_MAX; i++) {
		int v = i;
		b.s[b.n++] = 'z';
		for (int k = 0; k < 4; k++, v /= 16) {
			b.s[b.n++] = (char)('a' + v % 16);
			b.s[b.n++] = 'z';
		}
		b.s[b.n++] = '\n';
	}
	b.s[b.n] = '\0';
	const char *reason = NULL;
	struct textnorm_list *l = textnorm_list_parse(&a, b.s, &reason);
	assert_non_null(l);
	assert_int_equal(textnorm_list_count(l), TEXTNORM_LIST_MAX);
	assert_string_equal(textnorm_match(l, "hello zbzczdzaz"), "zbzczdzaz");
	/* one more distinct entry is refused, a duplicate is not */
	char *more = arena_printf(&a, "%szazazazaz\n", b.s);
	assert_non_null(textnorm_list_parse(&a, more, &reason));
	more = arena_printf(&a, "%sbrandnew\n", b.s);
	assert_null(textnorm_list_parse(&a, more, &reason));
	assert_non_null(strstr(reason, "more than 5000 entries"));
	free(b.s);
	arena_free(&a);
}

static void huge_list_text_refused(void **state)
{
	struct arena a;
	arena_init(&a);
	size_t n = TEXTNORM_LIST_MAX_TEXT + 10;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, '#', n);
	s[n] = '\0';
	const char *reason = NULL;
	assert_null(textnorm_list_parse(&a, s, &reason));
	assert_non_null(strstr(reason, "longer than"));
	free(s);
	arena_free(&a);
}

static void many_words_text_is_fast(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *reason = NULL;
	struct textnorm_list *l = textnorm_list_parse(&a, "zebra crossing\nnope\n", &reason);
	assert_non_null(l);
	char *t = arena_alloc(&a, TEXTNORM_MAX_INPUT + 1);
	for (size_t i = 0; i < TEXTNORM_MAX_INPUT; i++)
		t[i] = (i % 6 == 5) ? ' ' : "zebra"[i % 6];
	t[TEXTNORM_MAX_INPUT] = '\0';
	const char *f = textnorm_fold(&a, t, TEXTNORM_MAX_INPUT);
	assert_null(textnorm_match(l, f));
	f = arena_printf(&a, "%s %s", f, textnorm_fold(&a, "Zebra Crossing", 14));
	assert_string_equal(textnorm_match(l, f), "zebra crossing");
	arena_free(&a);
}

static void compatibility_lookalikes(void **state)
{
	/* small roman numeral one hundred (U+217D) for c, capital (U+216D) */
	fold_is("\xe2\x85\xbd"
		"asino \xe2\x85\xad"
		"ASINO",
		"casino casino");
	/* black-letter H (U+210C), the fi ligature (U+FB01), a dot below (U+1EA1) */
	fold_is("\xe2\x84\x8c"
		"i \xef\xac\x81"
		"ne c\xe1\xba\xa1sino",
		"hi fine casino");
	/* circled digit one (U+2460) reads as the digit, so as a letter */
	fold_is("w\xe2\x91\xa0n", "win");
	/* capital sharp s (U+1E9E) folds to "ss" */
	fold_is("gro\xe1\xba\x9e", "gros");
	/* symbols still vanish: trade mark (U+2122), square rad/s (U+33AF) */
	fold_is("casino\xe2\x84\xa2 x\xe3\x8e\xaf", "casino x");
	/* other scripts still vanish; no form outgrows its bytes */
	fold_is("\xe4\xb8\xad\xe6\x96\x87 ok", "ok");
	fold_is("\xe2\x85\xa7", "vi"); /* roman numeral eight: "viii", 3 bytes */
}

static void inflections_match(void **state)
{
	struct arena a;
	arena_init(&a);
	const char *reason = NULL;
	struct textnorm_list *l =
	    textnorm_list_parse_forms(&a, "casino\nscam\nparty\nbox\nbad thing\n", &reason);
	assert_non_null(l);
	assert_int_equal(textnorm_list_count(l), 5); /* the forms are not counted */
	static const char *const hits[][2] = {
	    {"two casinos here", "casino"},
	    {"the casino's lights", "casino"},
	    {"the casinos' lights", "casino"},
	    {"\xe2\x85\xbd"
	     "asinos",
	     "casino"},
	    {"CASINOES", "casino"},
	    {"scams and more", "scam"},
	    {"wild parties", "party"},
	    {"party's over", "party"},
	    {"three boxes", "box"},
	    {"no bad things", "bad thing"},
	    {"a bad thing's end", "bad thing"},
	};
	for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		const char *f = textnorm_fold(&a, hits[i][0], strlen(hits[i][0]));
		const char *got = textnorm_match(l, f);
		assert_non_null(got);
		assert_string_equal(got, hits[i][1]);
	}
	static const char *const misses[] = {
	    "what an occasion", "scampi with chips", "casinoesque", "bad thingamajig", "boxer",
	    "partisan"};
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
		assert_null(textnorm_match(l, textnorm_fold(&a, misses[i], strlen(misses[i]))));
	/* listing a form as well counts it once it is listed */
	l = textnorm_list_parse_forms(&a, "casino\ncasinos\n", &reason);
	assert_int_equal(textnorm_list_count(l), 2);
	assert_string_equal(textnorm_match(l, "casinos"), "casinos");
	/* the plain parser matches entries as written only */
	l = textnorm_list_parse(&a, "casino\n", &reason);
	assert_null(textnorm_match(l, "casinos"));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lower_case_and_spaces),
	    cmocka_unit_test(accents_are_stripped),
	    cmocka_unit_test(cyrillic_and_greek_lookalikes),
	    cmocka_unit_test(styled_alphabets),
	    cmocka_unit_test(leetspeak),
	    cmocka_unit_test(symbols_only_inside_words),
	    cmocka_unit_test(repeated_letters_collapse),
	    cmocka_unit_test(inserted_punctuation),
	    cmocka_unit_test(zero_width_characters),
	    cmocka_unit_test(spaced_out_letters),
	    cmocka_unit_test(word_boundaries_kept),
	    cmocka_unit_test(invalid_utf8_dropped),
	    cmocka_unit_test(empty_and_null),
	    cmocka_unit_test(very_long_input_is_bounded),
	    cmocka_unit_test(whole_words_only),
	    cmocka_unit_test(evasions_are_caught),
	    cmocka_unit_test(lookalike_entry_in_list),
	    cmocka_unit_test(phrases),
	    cmocka_unit_test(list_parsing),
	    cmocka_unit_test(list_limits),
	    cmocka_unit_test(list_entry_count_limit),
	    cmocka_unit_test(huge_list_text_refused),
	    cmocka_unit_test(many_words_text_is_fast),
	    cmocka_unit_test(compatibility_lookalikes),
	    cmocka_unit_test(inflections_match),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
