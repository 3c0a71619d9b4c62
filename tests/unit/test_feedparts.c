/* test_feedparts.c - the pure pieces of the feeds: the words a search asks
 * for, the windows of the top feed, the for-you seed, and what Atom / RSS
 * entries and oEmbed answers are made of (lib/syndication.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <string.h>

#include "arena.h"
#include "feed.h"
#include "foryou.h"
#include "search.h"
#include "syndication.h"

static void search_words_are_required_and_plain(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(search_fulltext_words(&a, "sunset sea"), "+sunset +sea");
	/* operators and quotes are text; short words are left out */
	assert_string_equal(search_fulltext_words(&a, "\"red\" -cat +dog* of"), "+red +cat +dog");
	assert_null(search_fulltext_words(&a, "a bc !!"));
	assert_string_equal(search_fulltext_words(&a, "caf\xC3\xA9"), "+caf\xC3\xA9");
	/* at most twelve words */
	const char *many = "aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn";
	assert_string_equal(search_fulltext_words(&a, many),
			    "+aaa +bbb +ccc +ddd +eee +fff +ggg +hhh +iii +jjj +kkk +lll");
	arena_free(&a);
}

static void search_prefix_escapes_wildcards(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(search_like_prefix(&a, "ann"), "ann%");
	assert_string_equal(search_like_prefix(&a, "a%b_c\\"), "a\\%b\\_c\\\\%");
	assert_string_equal(search_like_prefix(&a, ""), "%");
	arena_free(&a);
}

static void top_windows(void **state)
{
	(void)state;
	int64_t secs = -1;
	const char *words = NULL;
	assert_int_equal(feed_top_window("day", &secs, &words), 0);
	assert_int_equal(secs, 86400);
	assert_string_equal(words, "today");
	assert_int_equal(feed_top_window("week", &secs, &words), 0);
	assert_int_equal(secs, 7 * 86400);
	assert_string_equal(words, "this week");
	assert_int_equal(feed_top_window("all", &secs, &words), 0);
	assert_int_equal(secs, 0);
	assert_string_equal(words, "of all time");
	assert_int_equal(feed_top_window("month", &secs, &words), -1);
	assert_int_equal(feed_top_window("", &secs, &words), -1);
}

static void foryou_seed_holds_ten_minutes(void **state)
{
	(void)state;
	assert_int_equal(foryou_seed(7, 6000), foryou_seed(7, 6599));
	assert_int_not_equal(foryou_seed(7, 6599), foryou_seed(7, 6600));
	assert_int_not_equal(foryou_seed(7, 6000), foryou_seed(8, 6000));
}

static void one_line_cuts_at_a_space(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(synd_one_line(&a, "  a\n\tb  c ", 80), "a b c");
	assert_string_equal(synd_one_line(&a, "hello world again", 13), "hello world\xE2\x80\xA6");
	assert_string_equal(synd_one_line(&a, "abcdefghij", 5), "abcde\xE2\x80\xA6");
	assert_string_equal(synd_one_line(&a, "abc   ", 3), "abc"); /* only spaces follow */
	/* characters, not bytes */
	assert_string_equal(synd_one_line(&a, "\xC3\xA9\xC3\xA9\xC3\xA9", 2),
			    "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
	arena_free(&a);
}

static void urls_and_dates(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(synd_abs_url(&a, "https://ex.org", "/p/1"), "https://ex.org/p/1");
	assert_string_equal(synd_abs_url(&a, "http://ex.org", "//cdn/x.jpg"), "http://cdn/x.jpg");
	assert_string_equal(synd_abs_url(&a, "https://ex.org", "//cdn/x.jpg"), "https://cdn/x.jpg");
	assert_string_equal(synd_abs_url(&a, "https://ex.org", "https://o/x"), "https://o/x");
	int64_t t = synd_iso_unix("2026-11-24T23:59:00Z");
	assert_int_equal(t, 1795564740);
	assert_int_equal(synd_iso_unix("yesterday"), 0);
	assert_string_equal(synd_date_822(&a, t, "+0000"), "Tue, 24 Nov 2026 23:59:00 +0000");
	assert_string_equal(synd_date_822(&a, 0, "GMT"), "Thu, 01 Jan 1970 00:00:00 GMT");
	arena_free(&a);
}

static void pictures_fit(void **state)
{
	(void)state;
	cJSON *img = cJSON_Parse("{\"sizes\":{"
				 "\"320\":{\"width\":320,\"height\":240,\"jpeg\":\"/m/s.jpg\"},"
				 "\"1280\":{\"width\":1280,\"height\":960,\"jpeg\":\"/m/l.jpg\"},"
				 "\"webp\":{\"width\":640,\"height\":480,\"jpeg\":\"\"}}}");
	struct synd_pic p;
	assert_int_equal(synd_pic_fit(img, 640, SYND_NO_LIMIT, &p), 0);
	assert_string_equal(p.url, "/m/s.jpg");
	assert_int_equal(p.w, 320);
	assert_int_equal(synd_pic_fit(img, 2000, 2000, &p), 0);
	assert_string_equal(p.url, "/m/l.jpg");
	/* none fits: the smallest, scaled down */
	assert_int_equal(synd_pic_fit(img, 160, SYND_NO_LIMIT, &p), 0);
	assert_string_equal(p.url, "/m/s.jpg");
	assert_int_equal(p.w, 160);
	assert_int_equal(p.h, 120);
	assert_int_equal(synd_pic_fit(img, 1000, 60, &p), 0);
	assert_int_equal(p.w, 80);
	assert_int_equal(p.h, 60);
	cJSON_Delete(img);
	cJSON *none = cJSON_Parse("{\"sizes\":{}}");
	assert_int_equal(synd_pic_fit(none, 640, 640, &p), -1);
	cJSON_Delete(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(search_words_are_required_and_plain),
	    cmocka_unit_test(search_prefix_escapes_wildcards),
	    cmocka_unit_test(top_windows),
	    cmocka_unit_test(foryou_seed_holds_ten_minutes),
	    cmocka_unit_test(one_line_cuts_at_a_space),
	    cmocka_unit_test(urls_and_dates),
	    cmocka_unit_test(pictures_fit),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
