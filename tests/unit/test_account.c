/* test_account.c - the pure parts of the account modules: the shared
 * memcached key formats (the request layer and the erasure must agree on
 * them), the login counter key, and an export job's readiness and view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>

#include "account.h"
#include "auth.h"
#include "cachekey.h"
#include "export.h"
#include "session.h"

static void key_formats(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(cachekey_post(&a, 42), "imagier:post:42");
	assert_string_equal(cachekey_session(&a, "00ff"), "imagier:sess:00ff");
	assert_string_equal(cachekey_session_pages(&a, "00ff"), "imagier:page:00ff:");
	assert_string_equal(cachekey_user_version(&a, 7), "imagier:v:user:7");
	assert_string_equal(cachekey_follows_version(&a, 7), "imagier:v:follows:7");
	assert_string_equal(cachekey_foryou_version(&a, 7), "imagier:v:foryou:7");
	assert_string_equal(cachekey_filters(&a, 7), "imagier:myfilters:7");
	assert_string_equal(cachekey_page_lease(&a, "imagier:page:00ff:/top?"),
			    "imagier:lease:page:00ff:/top?");
	assert_string_equal(account_login_key(&a, "bob"), "login:u:bob");
	/* From a token: the key of its stored hash, never the token. */
	const char *token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	unsigned char h[AUTH_HASH_LEN];
	char hex[2 * AUTH_HASH_LEN + 1];
	auth_token_hash(token, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	const char *k = cachekey_session_token(&a, token);
	assert_string_equal(k, cachekey_session(&a, hex));
	assert_null(strstr(k, token));
	arena_free(&a);
}

static void export_ready(void **state)
{
	(void)state;
	struct export_job j = {.id = 7, .state = "done", .file = "x.tar", .expires_at = 2000};
	assert_int_equal(export_job_ready(&j, 1999), 1);
	assert_int_equal(export_job_ready(&j, 2000), 0); /* expired */
	j.file = "";
	assert_int_equal(export_job_ready(&j, 1000), 0); /* no archive */
	j.file = "x.tar";
	j.state = "running";
	assert_int_equal(export_job_ready(&j, 1000), 0);
}

static const char *str(cJSON *o, const char *k)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void export_view(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct export_job j = {.id = 7,
			       .state = "done",
			       .progress = 100,
			       .bytes = 1500000,
			       .file = "x.tar",
			       .error = "",
			       .created_at = 1795478400,
			       .finished_at = 1795478460,
			       .expires_at = 1796083200};
	cJSON *o = export_job_json(&a, &j, 1);
	assert_string_equal(str(o, "url"), "/settings/export/7");
	assert_string_equal(str(o, "download_url"), "/api/v1/me/export/7/download");
	assert_string_equal(str(o, "size_text"), "1.5 MB");
	assert_string_equal(str(o, "created_at"), "2026-11-24T00:00:00Z");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "working")));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "error"));
	cJSON_Delete(o);
	o = export_job_json(&a, &j, 0);
	assert_string_equal(str(o, "download_url"), "/settings/export/7/download");
	cJSON_Delete(o);
	j.state = "queued";
	o = export_job_json(&a, &j, 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "working")));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "download_url"));
	cJSON_Delete(o);
	j.state = "failed";
	j.error = "the disk is full";
	o = export_job_json(&a, &j, 1);
	assert_string_equal(str(o, "error"), "the disk is full");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "working")));
	cJSON_Delete(o);
	arena_free(&a);
}

/* What the sessions list says of a user agent. */
static void device_names(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	static const char *const cases[][2] = {
	    {"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
	     "Firefox on Linux"},
	    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
	     "Edge on Windows"},
	    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
	     "Gecko) Version/17.1 Safari/605.1.15",
	     "Safari on macOS"},
	    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
	     "like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1",
	     "Chrome on iOS"},
	    {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
	     "Chrome/120.0.0.0 Mobile Safari/537.36",
	     "Chrome on Android"},
	    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
	     "HeadlessChrome/120.0.0.0 Safari/537.36",
	     "Headless Chrome on Linux"},
	    {"curl/8.5.0", "curl"},
	    {"python-requests/2.31.0", "Python (requests)"},
	    {"Go-http-client/1.1", "Go program"},
	    {"node", "Node.js"},
	    {"Mozilla/5.0 (X11; Linux x86_64)", "Linux"},
	    {"my-own-bot", "Unknown"},
	    {"", "Unknown"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(session_device(&a, cases[i][0]), cases[i][1]);
	assert_string_equal(session_device(&a, NULL), "Unknown");
	arena_free(&a);
}

int main(void)
{
	if (auth_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(key_formats),
	    cmocka_unit_test(export_ready),
	    cmocka_unit_test(export_view),
	    cmocka_unit_test(device_names),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
