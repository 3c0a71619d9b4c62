/* test_apmod.c - federation's guards that need no server: the address
 * classifier behind [federation] allow_private (lib/apnet.c), the host a
 * domain block names and what it covers (lib/apmod.c), and the hostile
 * shapes an activity is refused for (lib/apremote.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "apmod.h"
#include "apnet.h"
#include "apremote.h"
#include "arena.h"

static void address_classifier(void **state)
{
	(void)state;
	static const char *const private_ips[] = {
	    "127.0.0.1",       "127.255.0.9",	 "10.1.2.3",	 "172.16.0.1", "172.31.255.255",
	    "192.168.1.1",     "169.254.1.1",	 "100.64.0.1",	 "0.0.0.0",    "224.0.0.1",
	    "255.255.255.255", "198.18.0.1",	 "192.0.0.8",	 "::1",	       "::",
	    "fe80::1",	       "fc00::1",	 "fd12:3456::1", "ff02::1",    "::ffff:127.0.0.1",
	    "::ffff:10.0.0.1", "64:ff9b::a00:1", "::127.0.0.1",
	};
	static const char *const public_ips[] = {
	    "1.1.1.1",	    "8.8.8.8",	      "172.32.0.1",	  "172.15.255.255",
	    "192.169.0.1",  "100.128.0.1",    "11.0.0.1",	  "2001:4860:4860::8888",
	    "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::808:808",
	};
	for (size_t i = 0; i < sizeof(private_ips) / sizeof(private_ips[0]); i++) {
		if (apnet_ip_private(private_ips[i]) != 1)
			fail_msg("%s should be private", private_ips[i]);
	}
	for (size_t i = 0; i < sizeof(public_ips) / sizeof(public_ips[0]); i++) {
		if (apnet_ip_private(public_ips[i]) != 0)
			fail_msg("%s should be public", public_ips[i]);
	}
	assert_int_equal(apnet_ip_private("localhost"), -1);
	assert_int_equal(apnet_ip_private("example.com"), -1);
	assert_int_equal(apnet_ip_private(NULL), -1);
}

static void domain_names(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(apmod_domain_clean(&a, " Social.Example "), "social.example");
	assert_string_equal(apmod_domain_clean(&a, "social.example:8443"), "social.example:8443");
	assert_string_equal(apmod_domain_clean(&a, "https://Social.example/users/bob"),
			    "social.example");
	assert_string_equal(apmod_domain_clean(&a, "http://127.0.0.1:3000/inbox"),
			    "127.0.0.1:3000");
	assert_string_equal(apmod_domain_clean(&a, "[::1]:80"), "[::1]:80");
	assert_null(apmod_domain_clean(&a, ""));
	assert_null(apmod_domain_clean(&a, NULL));
	assert_null(apmod_domain_clean(&a, "two words"));
	assert_null(apmod_domain_clean(&a, "a..b"));
	assert_null(apmod_domain_clean(&a, ".example"));
	assert_null(apmod_domain_clean(&a, "example.com:0"));
	assert_null(apmod_domain_clean(&a, "example.com:99999"));
	assert_null(apmod_domain_clean(&a, "example.com:"));
	assert_null(apmod_domain_clean(&a, "exa'mple.com"));
	assert_null(apmod_domain_clean(&a, "[zz]"));
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_null(apmod_domain_clean(&a, big));
	arena_free(&a);
}

static void block_coverage(void **state)
{
	(void)state;
	assert_true(apmod_host_matches("example.com", "example.com"));
	assert_true(apmod_host_matches("example.com", "EXAMPLE.com:443"));
	assert_true(apmod_host_matches("example.com", "social.example.com"));
	assert_true(apmod_host_matches("example.com", "a.b.example.com:8080"));
	assert_false(apmod_host_matches("example.com", "badexample.com"));
	assert_false(apmod_host_matches("example.com", "example.com.evil"));
	assert_false(apmod_host_matches("social.example.com", "example.com"));
	assert_true(apmod_host_matches("127.0.0.1:3000", "127.0.0.1:3000"));
	assert_false(apmod_host_matches("127.0.0.1:3000", "127.0.0.1:3001"));
	assert_false(apmod_host_matches("127.0.0.1:3000", "127.0.0.1"));
	assert_true(apmod_host_matches("127.0.0.1", "127.0.0.1:3001"));
	assert_true(apmod_host_matches("[::1]", "[::1]:80"));
	assert_false(apmod_host_matches("[::1]:81", "[::1]:80"));
}

static int activity_refused(const char *json)
{
	struct arena a;
	struct ap_activity act;
	const char *why = NULL;
	arena_init(&a);
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	int rc = apremote_activity(&a, j, &act, &why);
	if (rc)
		assert_non_null(why);
	cJSON_Delete(j);
	arena_free(&a);
	return rc;
}

#define ACT(rest)                                                                                  \
	"{\"type\":\"Like\",\"id\":\"https://r.example/l/1\",\"actor\":\"https://r.example/u/"     \
	"a\"" rest "}"

static void hostile_activities(void **state)
{
	(void)state;
	assert_int_equal(activity_refused(ACT(",\"object\":\"https://x.example/p/1\"")), 0);
	assert_int_equal(activity_refused(ACT(",\"object\":{\"id\":\"https://x.example/p/1\"}")),
			 0);
	assert_int_equal(activity_refused(ACT(",\"to\":[\"https://www.w3.org/ns/"
					      "activitystreams#Public\"],\"cc\":\"https://r/f\"")),
			 0);
	assert_int_equal(activity_refused(ACT(",\"object\":42")), -1);
	assert_int_equal(activity_refused(ACT(",\"object\":[\"https://x.example/p/1\"]")), -1);
	assert_int_equal(activity_refused(ACT(",\"object\":null")), -1);
	assert_int_equal(activity_refused(ACT(",\"to\":7")), -1);
	assert_int_equal(activity_refused(ACT(",\"cc\":[1,2]")), -1);
	assert_int_equal(activity_refused("{\"type\":\"Like\",\"actor\":[\"https://r/u/a\"]}"), -1);
	assert_int_equal(activity_refused("{\"type\":3,\"actor\":\"https://r/u/a\"}"), -1);
	/* a list of recipients past the limit */
	cJSON *j = cJSON_Parse(ACT(""));
	cJSON *to = cJSON_AddArrayToObject(j, "to");
	for (int i = 0; i <= APREMOTE_MAX_RECIPIENTS; i++)
		cJSON_AddItemToArray(to, cJSON_CreateString("https://r.example/u/x"));
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	assert_int_equal(activity_refused(s), -1);
	cJSON_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(address_classifier),
	    cmocka_unit_test(domain_names),
	    cmocka_unit_test(block_coverage),
	    cmocka_unit_test(hostile_activities),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
