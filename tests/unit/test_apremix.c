/* test_apremix.c - which Note a remote Note remixes (lib/apremix.c): the
 * imagier:remixOf property (a URL or an object with an id) first, else a
 * Link tag with imagier's remixOf rel; anything that is not an http(s) URL
 * within the limit is no parent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apremix.h"

#define PARENT "https://a.example/p/41"

/* apremix_of on the Note in json: its answer copied (or "" for NULL). */
static const char *of(const char *json)
{
	static char out[APREMIX_MAX_URI + 1];
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	const char *u = apremix_of(j);
	out[0] = '\0';
	if (u)
		strncpy(out, u, sizeof(out) - 1);
	cJSON_Delete(j);
	return out;
}

static void remix_of_property(void **state)
{
	(void)state;
	assert_string_equal(of("{\"imagier:remixOf\":\"" PARENT "\"}"), PARENT);
	assert_string_equal(of("{\"imagier:remixOf\":{\"id\":\"" PARENT "\",\"type\":\"Note\"}}"),
			    PARENT);
	/* the property wins over a tag */
	assert_string_equal(of("{\"imagier:remixOf\":\"" PARENT "\",\"tag\":[{\"type\":\"Link\","
			       "\"rel\":\"" APREMIX_REL "\",\"href\":\"https://b.example/p/1\"}]}"),
			    PARENT);
	/* not a URL, not http(s), blanks or control bytes: no parent */
	assert_string_equal(of("{\"imagier:remixOf\":\"/p/41\"}"), "");
	assert_string_equal(of("{\"imagier:remixOf\":\"ftp://a.example/p/41\"}"), "");
	assert_string_equal(of("{\"imagier:remixOf\":\"https://a.example/p/4 1\"}"), "");
	assert_string_equal(of("{\"imagier:remixOf\":\"https://a.example/\\u0001\"}"), "");
	assert_string_equal(of("{\"imagier:remixOf\":41}"), "");
	assert_string_equal(of("{\"imagier:remixOf\":[\"" PARENT "\"]}"), "");
	assert_string_equal(of("[\"" PARENT "\"]"), "");
}

static void remix_of_link_tag(void **state)
{
	(void)state;
	assert_string_equal(
	    of("{\"tag\":[{\"type\":\"Hashtag\",\"name\":\"#sea\",\"href\":"
	       "\"https://a.example/t/sea\"},{\"type\":\"Link\",\"rel\":\"" APREMIX_REL
	       "\",\"href\":\"" PARENT "\"}]}"),
	    PARENT);
	/* a single tag object; rel as an array */
	assert_string_equal(of("{\"tag\":{\"type\":\"Link\",\"rel\":[\"x\",\"" APREMIX_REL
			       "\"],\"href\":\"" PARENT "\"}}"),
			    PARENT);
	/* another rel, another type, no href: no parent */
	assert_string_equal(of("{\"tag\":[{\"type\":\"Link\",\"rel\":\"https://misskey-hub.net/"
			       "ns#_misskey_quote\",\"href\":\"" PARENT "\"}]}"),
			    "");
	assert_string_equal(of("{\"tag\":[{\"type\":\"Mention\",\"rel\":\"" APREMIX_REL
			       "\",\"href\":\"" PARENT "\"}]}"),
			    "");
	assert_string_equal(of("{\"tag\":[{\"type\":\"Link\",\"rel\":\"" APREMIX_REL "\"}]}"), "");
}

static void limits(void **state)
{
	(void)state;
	/* a URL of exactly the limit is taken, one byte more is not */
	char url[APREMIX_MAX_URI + 2], json[APREMIX_MAX_URI + 64];
	memset(url, 'a', sizeof(url));
	memcpy(url, "https://a.example/", 18);
	url[APREMIX_MAX_URI] = '\0';
	snprintf(json, sizeof(json), "{\"imagier:remixOf\":\"%s\"}", url);
	assert_int_equal(strlen(of(json)), APREMIX_MAX_URI);
	url[APREMIX_MAX_URI] = 'a';
	url[APREMIX_MAX_URI + 1] = '\0';
	snprintf(json, sizeof(json), "{\"imagier:remixOf\":\"%s\"}", url);
	assert_string_equal(of(json), "");
	/* the link past the first APREMIX_MAX_TAGS tags is not looked at */
	char *many = malloc(40 * (APREMIX_MAX_TAGS + 2) + 200);
	assert_non_null(many);
	strcpy(many, "{\"tag\":[");
	for (int i = 0; i < APREMIX_MAX_TAGS; i++)
		strcat(many, "{\"type\":\"Hashtag\",\"name\":\"#x\"},");
	strcat(many, "{\"type\":\"Link\",\"rel\":\"" APREMIX_REL "\",\"href\":\"" PARENT "\"}]}");
	assert_string_equal(of(many), "");
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remix_of_property),
	    cmocka_unit_test(remix_of_link_tag),
	    cmocka_unit_test(limits),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
