/* test_ratelimit.c - the sliding-window arithmetic of the rate limits, the
 * new-account rule, how addresses are counted, and the wait shown to people. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config.h"
#include "ratelimit_math.h"

#define HOUR 3600

/* Under the limit in one window: allowed; the limit-th is the last one. */
static void allows_up_to_the_limit(void **state)
{
	(void)state;
	int64_t s = -1;
	assert_int_equal(rl_allow(0, 0, 30, HOUR, 0, &s), 1);
	assert_int_equal(rl_allow(0, 29, 30, HOUR, 100, &s), 1);
	assert_int_equal(rl_allow(0, 30, 30, HOUR, 100, &s), 0);
	assert_true(s > 0);
	/* no limit */
	assert_int_equal(rl_allow(5000, 5000, 0, HOUR, 0, &s), 1);
}

/* Full in this window: the wait reaches into the next window until this
 * one's weight has slid down far enough. */
static void retry_after_in_the_next_window(void **state)
{
	(void)state;
	int64_t s = 0;
	assert_int_equal(rl_allow(0, 30, 30, HOUR, 600, &s), 0);
	/* 3000 s to the boundary, then 30 * (3600 - e) / 3600 + 1 <= 30 from e = 120 */
	assert_int_equal(s, 3000 + 120);
	/* and there it does fit, one second earlier it does not */
	assert_int_equal(rl_allow(30, 0, 30, HOUR, 120, &s), 1);
	assert_int_equal(rl_allow(30, 0, 30, HOUR, 119, &s), 0);
	/* a limit of one: two windows */
	assert_int_equal(rl_allow(0, 1, 1, HOUR, 0, &s), 0);
	assert_int_equal(s, 2 * HOUR);
}

/* The previous window counts by the share the sliding window still covers. */
static void previous_window_slides_out(void **state)
{
	(void)state;
	int64_t s = 0;
	/* 30 last hour, a quarter into this one: 22.5 of them still count */
	assert_int_equal(rl_allow(30, 0, 30, HOUR, 900, &s), 1);
	assert_int_equal(rl_allow(30, 6, 30, HOUR, 900, &s), 1); /* 22.5 + 6 + 1 */
	assert_int_equal(rl_allow(30, 7, 30, HOUR, 900, &s), 0); /* 22.5 + 7 + 1 */
	/* 30 * (3600 - 900 - d) / 3600 + 7 + 1 <= 30  <=>  d >= 2700 - 2640 */
	assert_int_equal(s, 60);
	assert_int_equal(rl_allow(30, 7, 30, HOUR, 900 + 60, &s), 1);
	assert_int_equal(rl_allow(30, 7, 30, HOUR, 900 + 59, &s), 0);
	/* no burst of twice the limit right after a boundary */
	assert_int_equal(rl_allow(30, 0, 30, HOUR, 0, &s), 0);
	assert_int_equal(s, 120);
}

/* Every answer's wait really is enough, and one second less is not. */
static void retry_after_is_exact(void **state)
{
	(void)state;
	const int64_t W = 300;
	for (uint64_t prev = 0; prev <= 12; prev++)
		for (uint64_t cur = 0; cur <= 12; cur++)
			for (int64_t e = 0; e < W; e += 7) {
				int64_t s = 0, s2 = 0;
				if (rl_allow(prev, cur, 10, W, e, &s))
					continue;
				assert_true(s >= 1);
				int64_t t = e + s, t1 = e + s - 1;
				/* where the clock is after the wait, with nothing new */
				int ok = t < W
					     ? rl_allow(prev, cur, 10, W, t, &s2)
					     : rl_allow(t < 2 * W ? cur : 0, 0, 10, W, t % W, &s2);
				assert_int_equal(ok, 1);
				int before =
				    t1 < W ? rl_allow(prev, cur, 10, W, t1, &s2)
					   : rl_allow(t1 < 2 * W ? cur : 0, 0, 10, W, t1 % W, &s2);
				if (s > 1)
					assert_int_equal(before, 0);
			}
}

static void garbled_counts_do_not_overflow(void **state)
{
	(void)state;
	int64_t s = 0;
	assert_int_equal(rl_allow(UINT64_MAX, UINT64_MAX, 1000000000, 86400, 5, &s), 0);
	assert_true(s > 0 && s <= 2 * 86400);
}

static void new_accounts_get_a_share(void **state)
{
	(void)state;
	int young = -1;
	assert_int_equal(rl_account_limit(30, 3600, 24 * HOUR, 4, &young), 7);
	assert_int_equal(young, 1);
	assert_int_equal(rl_account_limit(30, 24 * HOUR, 24 * HOUR, 4, &young), 30);
	assert_int_equal(young, 0);
	assert_int_equal(rl_account_limit(3, 10, 24 * HOUR, 4, &young), 1); /* never 0 */
	assert_int_equal(rl_account_limit(0, 10, 24 * HOUR, 4, &young), 0); /* none stays none */
	assert_int_equal(young, 0);
	assert_int_equal(rl_account_limit(30, 10, 24 * HOUR, 1, &young), 30);
	assert_int_equal(rl_account_limit(30, 10, 0, 4, NULL), 30);
}

static void addresses_as_counted(void **state)
{
	(void)state;
	char k[RL_ADDR_MAX];
	rl_addr_key("192.0.2.7", k, sizeof(k));
	assert_string_equal(k, "192.0.2.7");
	rl_addr_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof(k));
	assert_string_equal(k, "2001:db8:1:2::/64");
	rl_addr_key("2001:db8:1:2::9", k, sizeof(k));
	assert_string_equal(k, "2001:db8:1:2::/64");
	rl_addr_key("::ffff:198.51.100.3", k, sizeof(k));
	assert_string_equal(k, "198.51.100.3");
	rl_addr_key("::1", k, sizeof(k));
	assert_string_equal(k, "::/64");
	rl_addr_key("", k, sizeof(k));
	assert_string_equal(k, "-");
	rl_addr_key(NULL, k, sizeof(k));
	assert_string_equal(k, "-");
	rl_addr_key("bad key\r\nset x", k, sizeof(k));
	assert_string_equal(k, "badkeysetx");
	char big[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rl_addr_key(big, k, sizeof(k));
	assert_int_equal(strlen(k), RL_ADDR_MAX - 1);
}

static void waits_for_people(void **state)
{
	(void)state;
	char t[32];
	rl_duration_text(1, t, sizeof(t));
	assert_string_equal(t, "1 second");
	rl_duration_text(45, t, sizeof(t));
	assert_string_equal(t, "45 seconds");
	rl_duration_text(60, t, sizeof(t));
	assert_string_equal(t, "1 minute");
	rl_duration_text(61, t, sizeof(t));
	assert_string_equal(t, "2 minutes");
	rl_duration_text(12 * 60, t, sizeof(t));
	assert_string_equal(t, "12 minutes");
	rl_duration_text(3120, t, sizeof(t));
	assert_string_equal(t, "52 minutes");
	rl_duration_text(5 * HOUR + 1, t, sizeof(t));
	assert_string_equal(t, "6 hours");
	rl_duration_text(0, t, sizeof(t));
	assert_string_equal(t, "1 second");
}

/* The [limits] section: defaults for a real site, and its keys parse. */
static void limits_config(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_parse_ini(&c,
					  "[limits]\nlike_per_hour = 7\nsignup_per_hour_addr = 0\n"
					  "new_account_divisor = 2\n",
					  "t", err, sizeof(err)),
			 0);
	assert_int_equal(c.lim_like_per_hour, 7);
	assert_int_equal(c.lim_signup_per_hour_addr, 0);
	assert_int_equal(c.lim_new_account_divisor, 2);
	assert_int_equal(
	    config_parse_ini(&c, "[limits]\nlike_per_minute = 7\n", "t", err, sizeof(err)), -1);
	assert_int_equal(config_load(&c, err, sizeof(err)), 0);
	assert_true(c.lim_like_per_hour >= 300); /* a person may like 300 posts an hour */
	assert_int_equal(c.lim_new_account_hours, 24);
	assert_int_equal(c.lim_new_account_divisor, 4);
	assert_true(c.lim_signup_per_hour_addr > 0);
	assert_true(c.lim_login_per_5min_addr > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allows_up_to_the_limit),
	    cmocka_unit_test(retry_after_in_the_next_window),
	    cmocka_unit_test(previous_window_slides_out),
	    cmocka_unit_test(retry_after_is_exact),
	    cmocka_unit_test(garbled_counts_do_not_overflow),
	    cmocka_unit_test(new_accounts_get_a_share),
	    cmocka_unit_test(addresses_as_counted),
	    cmocka_unit_test(waits_for_people),
	    cmocka_unit_test(limits_config),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
