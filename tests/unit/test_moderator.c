/* test_moderator.c - unit tests for moderation's pure rules: suspension
 * durations, which action applies to what, the roles and target types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "moderator.h"

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(mod_parse_duration("3600"), 3600);
	assert_int_equal(mod_parse_duration("90m"), 90 * 60);
	assert_int_equal(mod_parse_duration("12h"), 12 * 3600);
	assert_int_equal(mod_parse_duration("7d"), 7 * 86400);
	assert_int_equal(mod_parse_duration("2w"), 14 * 86400);
	assert_int_equal(mod_parse_duration("1m"), MOD_SUSPEND_MIN);
	assert_int_equal(mod_parse_duration("365d"), MOD_SUSPEND_MAX);
	/* out of range, or not one of the forms */
	assert_int_equal(mod_parse_duration("59"), -1);
	assert_int_equal(mod_parse_duration("366d"), -1);
	assert_int_equal(mod_parse_duration("53w"), -1);
	assert_int_equal(mod_parse_duration("0"), -1);
	assert_int_equal(mod_parse_duration("-5d"), -1);
	assert_int_equal(mod_parse_duration("forever"), -1);
	assert_int_equal(mod_parse_duration("3dd"), -1);
	assert_int_equal(mod_parse_duration("3y"), -1);
	assert_int_equal(mod_parse_duration(""), -1);
	assert_int_equal(mod_parse_duration(NULL), -1);
}

static void test_kinds(void **state)
{
	(void)state;
	const struct mod_kind *k = mod_kind_find("ban");
	assert_non_null(k);
	assert_true(k->on & MOD_ON_USER);
	assert_true(k->tells);
	k = mod_kind_find("dismiss");
	assert_non_null(k);
	assert_false(k->tells); /* the only one that needs no reason */
	k = mod_kind_find("label");
	assert_non_null(k);
	assert_int_equal(k->on, MOD_ON_POST_ONLY);
	assert_int_equal(mod_kind_find("overturn")->on, MOD_ON_APPEAL);
	assert_null(mod_kind_find("unwarn")); /* only the reversal of a warning */
	assert_null(mod_kind_find("explode"));
	assert_null(mod_kind_find(NULL));
}

static void test_roles_and_types(void **state)
{
	(void)state;
	assert_true(mod_role_known("user"));
	assert_true(mod_role_known("moderator"));
	assert_true(mod_role_known("admin"));
	assert_false(mod_role_known("mod"));
	assert_false(mod_role_known(NULL));
	assert_true(mod_target_type_ok("appeal"));
	assert_false(mod_target_type_ok("tag"));
	assert_false(mod_target_type_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_roles_and_types),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
