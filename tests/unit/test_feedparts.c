/* test_feedparts.c - the pure pieces of the feeds: the words a search asks
 * for, the windows of the top feed, the for-you seed, and what Atom / RSS
 * entries and oEmbed answers are made of (lib/syndication.c), and which
 * stored files a page shows (lib/post.c). */
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
#include "post.h"
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
	cJSON *img =
	    cJSON_Parse("{\"sizes\":{"
			"\"320\":{\"width\":320,\"height\":240,\"jpeg\":\"/m/s.jpg\"},"
			"\"1280\":{\"width\":1280,\"height\":960,\"jpeg\":\"/m/l.jpg\"},"
			"\"original\":{\"width\":1600,\"height\":1200,\"jpeg\":\"/m/o.jpg\"},"
			"\"webp\":{\"width\":640,\"height\":480,\"jpeg\":\"\"}}}");
	struct synd_pic p;
	assert_int_equal(synd_pic_fit(img, 640, SYND_NO_LIMIT, &p), 0);
	assert_string_equal(p.url, "/m/s.jpg");
	assert_int_equal(p.w, 320);
	assert_int_equal(synd_pic_fit(img, 2000, 2000, &p), 0);
	assert_string_equal(p.url, "/m/l.jpg");
	/* the original is never shown: it carries no visible label */
	assert_int_equal(synd_pic_fit(img, SYND_NO_LIMIT, SYND_NO_LIMIT, &p), 0);
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
	/* an image stored with nothing but its original: that, then */
	img = cJSON_Parse("{\"sizes\":{"
			  "\"original\":{\"width\":200,\"height\":100,\"jpeg\":\"/m/o.jpg\"}}}");
	assert_int_equal(synd_pic_fit(img, 640, 640, &p), 0);
	assert_string_equal(p.url, "/m/o.jpg");
	cJSON_Delete(img);
	cJSON *none = cJSON_Parse("{\"sizes\":{}}");
	assert_int_equal(synd_pic_fit(none, 640, 640, &p), -1);
	cJSON_Delete(none);
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A 768 x 768 picture as lib/image.c stores it now: the page shows the
 * labelled 768 copy, never the original; the srcsets list only labelled
 * files; the card is a labelled square. */
static void page_shows_labelled_files(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	const char *v =
	    "{\"320\":{\"w\":320,\"h\":320,\"label\":true,\"webp\":\"a.webp\",\"jpeg\":\"a.jpg\"},"
	    "\"640\":{\"w\":640,\"h\":640,\"label\":true,\"webp\":\"b.webp\",\"jpeg\":\"b.jpg\"},"
	    "\"768\":{\"w\":768,\"h\":768,\"label\":true,\"webp\":\"c.webp\",\"jpeg\":\"c.jpg\"},"
	    "\"card320\":{\"w\":320,\"h\":320,\"label\":true,\"webp\":\"d.webp\",\"jpeg\":\"d."
	    "jpg\"},"
	    "\"card640\":{\"w\":640,\"h\":640,\"label\":true,\"webp\":\"e.webp\",\"jpeg\":\"e."
	    "jpg\"},"
	    "\"full\":{\"w\":768,\"h\":768,\"webp\":\"o.webp\",\"jpeg\":\"o.jpg\"}}";
	cJSON *img = post_image_json(&a, "/media", 768, 768, "", "#000000", v);
	assert_string_equal(str_at(img, "display", "jpeg"), "/media/c.jpg");
	assert_string_equal(str_at(img, "display", "webp"), "/media/c.webp");
	assert_null(strstr(str_at(img, "srcset_jpeg", NULL), "o.jpg"));
	assert_null(strstr(str_at(img, "srcset_webp", NULL), "o.webp"));
	assert_non_null(strstr(str_at(img, "srcset_jpeg", NULL), "/media/c.jpg 768w"));
	assert_null(strstr(str_at(img, "srcset_jpeg", NULL), "d.jpg"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(img, "labelled")));
	/* the original stays downloadable, and says it is not labelled */
	assert_string_equal(
	    str_at(cJSON_GetObjectItemCaseSensitive(img, "sizes"), "original", "jpeg"),
	    "/media/o.jpg");
	const cJSON *card = cJSON_GetObjectItemCaseSensitive(img, "card");
	assert_string_equal(str_at(card, "jpeg", NULL), "/media/d.jpg");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(card, "width")->valueint, 320);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(card, "labelled")));
	assert_string_equal(str_at(card, "srcset_jpeg", NULL),
			    "/media/d.jpg 320w, /media/e.jpg 640w");
	assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(img, "sizes"),
						     "card320"));
	cJSON_Delete(img);
	cJSON *t = post_thumb_json(&a, "/media", 768, 768, "", "#000000", v);
	assert_string_equal(str_at(t, "jpeg", NULL), "/media/d.jpg");
	cJSON_Delete(t);

	/* stored before: display sizes without the flag, no copy, no card --
	 * a labelled display size rather than the original, and the page keeps
	 * its HTML badge */
	v = "{\"320\":{\"w\":320,\"h\":320,\"webp\":\"a.webp\",\"jpeg\":\"a.jpg\"},"
	    "\"640\":{\"w\":640,\"h\":640,\"webp\":\"b.webp\",\"jpeg\":\"b.jpg\"},"
	    "\"full\":{\"w\":768,\"h\":768,\"webp\":\"o.webp\",\"jpeg\":\"o.jpg\"}}";
	img = post_image_json(&a, "/media", 768, 768, "", "#000000", v);
	assert_string_equal(str_at(img, "display", "jpeg"), "/media/b.jpg");
	assert_null(strstr(str_at(img, "srcset_jpeg", NULL), "o.jpg"));
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(img, "labelled")));
	assert_null(cJSON_GetObjectItemCaseSensitive(img, "card"));
	cJSON_Delete(img);
	/* only an original (an old picture under 320 px, an avatar): shown */
	v = "{\"full\":{\"w\":200,\"h\":100,\"webp\":\"o.webp\",\"jpeg\":\"o.jpg\"}}";
	img = post_image_json(&a, "/media", 200, 100, "", "#000000", v);
	assert_string_equal(str_at(img, "display", "jpeg"), "/media/o.jpg");
	assert_string_equal(str_at(img, "srcset_jpeg", NULL), "/media/o.jpg 200w");
	cJSON_Delete(img);
	t = post_thumb_json(&a, "/media", 200, 100, "", "#000000", v);
	assert_string_equal(str_at(t, "jpeg", NULL), "/media/o.jpg");
	cJSON_Delete(t);
	arena_free(&a);
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
	    cmocka_unit_test(page_shows_labelled_files),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
