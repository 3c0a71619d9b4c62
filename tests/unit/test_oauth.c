/* test_oauth.c - the pure parts of OAuth 2 for Mastodon clients: scope
 * lists normalised, which scope grants which, redirect URIs, and PKCE
 * checked against RFC 7636's own example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "oauth.h"

static void scopes_are_normalised(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	const char *out = NULL, *why = NULL;
	assert_int_equal(oauth_scopes_parse(&a, "read  write read follow", &out, &why), 0);
	assert_string_equal(out, "read write follow");
	assert_int_equal(oauth_scopes_parse(&a, "read:statuses+write:media", &out, &why), 0);
	assert_string_equal(out, "read:statuses write:media");
	assert_int_equal(oauth_scopes_parse(&a, NULL, &out, &why), 0);
	assert_string_equal(out, "read"); /* Mastodon's default */
	assert_int_equal(oauth_scopes_parse(&a, "read admin:write", &out, &why), -1);
	assert_non_null(strstr(why, "admin:write"));
	arena_free(&a);
}

static void broad_scopes_grant_granular_ones(void **state)
{
	(void)state;
	assert_true(oauth_scope_allows("read write follow", "read:statuses"));
	assert_true(oauth_scope_allows("write", "write:media"));
	assert_false(oauth_scope_allows("read", "write:statuses"));
	assert_true(oauth_scope_allows("follow", "write:follows"));
	assert_true(oauth_scope_allows("follow", "read:blocks"));
	assert_false(oauth_scope_allows("follow", "read:statuses"));
	assert_true(oauth_scope_allows("read:statuses write:media", "write:media"));
	assert_false(oauth_scope_allows("read:statuses", "read:notifications"));
	assert_false(oauth_scope_allows("readx", "read:statuses"));
	struct arena a;
	arena_init(&a);
	assert_true(oauth_scopes_within(&a, "read write follow", "read:accounts write"));
	assert_false(oauth_scopes_within(&a, "read", "read write"));
	arena_free(&a);
}

static void redirect_uris(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_true(oauth_redirect_uris_ok(&a, OAUTH_OOB));
	assert_true(oauth_redirect_uris_ok(&a, "https://app.example/cb\nmyapp://oauth"));
	assert_false(oauth_redirect_uris_ok(&a, ""));
	assert_false(oauth_redirect_uris_ok(&a, "not a uri"));
	assert_false(oauth_redirect_uris_ok(&a, "https://app.example/cb#frag"));
	assert_false(oauth_redirect_uris_ok(&a, "/relative/path"));
	assert_false(oauth_redirect_uris_ok(&a, "javascript:alert(1)"));
	assert_false(oauth_redirect_uris_ok(&a, "https://ok.example/cb DATA:text/html,x"));
	struct oauth_app app = {.redirect_uris = "https://app.example/cb\nmyapp://oauth"};
	assert_true(oauth_redirect_ok(&a, &app, "myapp://oauth"));
	assert_false(oauth_redirect_ok(&a, &app, "https://app.example/cb2"));
	arena_free(&a);
}

static void csp_source(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(oauth_csp_source(&a, "https://app.example:8443/cb?x=1"),
			    "https://app.example:8443");
	assert_string_equal(oauth_csp_source(&a, "http://127.0.0.1:9/cb"), "http://127.0.0.1:9");
	assert_string_equal(oauth_csp_source(&a, "com.example.app:/oauth"), "com.example.app:");
	assert_string_equal(oauth_csp_source(&a, "toot://auth"), "toot:");
	assert_null(oauth_csp_source(&a, "urn:ietf:wg:oauth:2.0:oob"));
	/* nothing that could end the directive or add another */
	assert_null(oauth_csp_source(&a, "https://a.example;script-src/x"));
	assert_null(oauth_csp_source(&a, "https://user@a.example/x"));
	assert_null(oauth_csp_source(&a, "https://a.example,b/x"));
	assert_null(oauth_csp_source(&a, "https:/x"));
	assert_null(oauth_csp_source(&a, "1abc:/x"));
	assert_null(oauth_csp_source(&a, ":x"));
	assert_null(oauth_csp_source(&a, NULL));
	arena_free(&a);
}

static void pkce(void **state)
{
	(void)state;
	/* RFC 7636, appendix B */
	const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	const char *challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
	assert_true(oauth_pkce_ok(challenge, "S256", verifier));
	assert_false(
	    oauth_pkce_ok(challenge, "S256", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
	assert_true(oauth_pkce_ok(verifier, "plain", verifier));
	assert_false(oauth_pkce_ok("short", "plain", "short")); /* under 43 characters */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scopes_are_normalised),
	    cmocka_unit_test(broad_scopes_grant_granular_ones),
	    cmocka_unit_test(redirect_uris),
	    cmocka_unit_test(pkce),
	    cmocka_unit_test(csp_source),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
