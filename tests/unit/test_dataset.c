/* test_dataset.c - the --since dates of `imagier export-dataset` (the export
 * itself needs the database: tests/integration/t2410-dataset.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dataset.h"

static int64_t when(const char *s)
{
	int64_t t = -12345;
	assert_int_equal(dataset_parse_time(s, &t), 0);
	return t;
}

static void dates_and_times(void **state)
{
	(void)state;
	assert_int_equal(when("1970-01-01"), 0);
	assert_int_equal(when("2026-11-24"), 1795478400);
	assert_int_equal(when("2026-11-24T10:00:00Z"), 1795478400 + 36000);
	assert_int_equal(when("2026-11-24t10:00:00z"), 1795478400 + 36000);
	assert_int_equal(when("2026-11-24 10:00:00Z"), 1795478400 + 36000);
	assert_int_equal(when("2026-11-24T10:00:00.123456Z"), 1795478400 + 36000);
	assert_int_equal(when("2026-11-24T12:30:00+02:30"), 1795478400 + 36000);
	assert_int_equal(when("2026-11-24T07:00:00-03:00"), 1795478400 + 36000);
	assert_int_equal(when("2024-02-29"), 1709164800); /* a leap day */
}

static void not_dates(void **state)
{
	(void)state;
	static const char *const bad[] = {"",
					  "yesterday",
					  "2026-11",
					  "2026-1-24",
					  "26-11-24",
					  "2026-13-01",
					  "2026-00-10",
					  "2026-02-30",
					  "2025-02-29",
					  "2026-11-24T",
					  "2026-11-24T10:00Z",
					  "2026-11-24T10:00:00",
					  "2026-11-24T25:00:00Z",
					  "2026-11-24T10:00:00+2:00",
					  "2026-11-24T10:00:00.Z",
					  "2026-11-24T10:00:00Zjunk",
					  "2026-11-24x",
					  "1969-12-31",
					  " 2026-11-24"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 7;
		if (dataset_parse_time(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 7);
	}
	assert_int_equal(dataset_parse_time(NULL, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dates_and_times),
	    cmocka_unit_test(not_dates),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
