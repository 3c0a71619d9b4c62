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

int main(void)
{
	if (auth_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(key_formats),
	    cmocka_unit_test(export_ready),
	    cmocka_unit_test(export_view),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
