/* test_withhold.c - the media store paths the withheld-file check accepts
 * (anything else is a 404 before any query), and where media_file_path
 * finds a file: the served store first, then the withheld one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "withhold.h"

static void store_paths_only(void **state)
{
	(void)state;
	assert_true(media_rel_ok("ab/cd/abcdef0123.webp"));
	assert_true(media_rel_ok("00/ff/0123456789abcdef.jpg"));
	assert_false(media_rel_ok(NULL));
	assert_false(media_rel_ok(""));
	assert_false(media_rel_ok("../cd/abc.webp"));
	assert_false(media_rel_ok("ab/../abc.webp"));
	assert_false(media_rel_ok(".withheld/ab/cd/abc.webp"));
	assert_false(media_rel_ok("AB/cd/abc.webp")); /* the store's directories are lower-case */
	assert_false(media_rel_ok("ab/cd/ef/abc.webp"));
	assert_false(media_rel_ok("ab/cd/abc"));
	assert_false(media_rel_ok("ab/cd/.webp"));
	assert_false(media_rel_ok("ab/cd/abc.we/bp"));
	assert_false(media_rel_ok("ab/cd/abc.webp.."));
	assert_false(media_rel_ok("ab/cd/a.b.webp"));
	assert_false(media_rel_ok("abc/d/abc.webp"));
}

static void served_then_withheld(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_withhold_XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct arena a;
	arena_init(&a);
	char *served = arena_printf(&a, "%s/ab/cd/abc.webp", dir);
	char *held = arena_printf(&a, "%s/" WITHHELD_DIR "/ab/cd/abc.webp", dir);
	/* Nowhere: the served path (the caller's open fails as before). */
	assert_string_equal(media_file_path(&a, dir, "ab/cd/abc.webp"), served);
	assert_int_equal(mkdir(arena_printf(&a, "%s/" WITHHELD_DIR, dir), 0700), 0);
	assert_int_equal(mkdir(arena_printf(&a, "%s/" WITHHELD_DIR "/ab", dir), 0700), 0);
	assert_int_equal(mkdir(arena_printf(&a, "%s/" WITHHELD_DIR "/ab/cd", dir), 0700), 0);
	FILE *f = fopen(held, "w");
	assert_non_null(f);
	fclose(f);
	assert_string_equal(media_file_path(&a, dir, "ab/cd/abc.webp"), held);
	assert_int_equal(mkdir(arena_printf(&a, "%s/ab", dir), 0700), 0);
	assert_int_equal(mkdir(arena_printf(&a, "%s/ab/cd", dir), 0700), 0);
	f = fopen(served, "w");
	assert_non_null(f);
	fclose(f);
	assert_string_equal(media_file_path(&a, dir, "ab/cd/abc.webp"), served);
	unlink(served);
	unlink(held);
	rmdir(arena_printf(&a, "%s/ab/cd", dir));
	rmdir(arena_printf(&a, "%s/ab", dir));
	rmdir(arena_printf(&a, "%s/" WITHHELD_DIR "/ab/cd", dir));
	rmdir(arena_printf(&a, "%s/" WITHHELD_DIR "/ab", dir));
	rmdir(arena_printf(&a, "%s/" WITHHELD_DIR, dir));
	rmdir(dir);
	arena_free(&a);
}

int main(void)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(store_paths_only),
	    cmocka_unit_test(served_then_withheld),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
