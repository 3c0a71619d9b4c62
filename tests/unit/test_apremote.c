/* test_apremote.c - what the inbox reads from other servers and how the
 * delivery queue waits (lib/apremote.c, lib/apqueue.c): an actor document
 * gives its inboxes and the key asked for, a key document its owner, a
 * document without that key is refused; an activity's type, actor and
 * object are read within their limits; the backoff is 1 min, 5 min,
 * 30 min, 2 h, 12 h, then daily; a remote person's local name and bio
 * (lib/apaccount.c) are clean whatever the actor says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "apaccount.h"
#include "apqueue.h"
#include "apremote.h"
#include "arena.h"
#include "social.h"

#define KEY "https://example.social/users/a#main-key"

static const char ACTOR[] =
    "{\"id\":\"https://example.social/users/a\",\"type\":\"Person\",\"preferredUsername\":\"a\","
    "\"inbox\":\"https://example.social/users/a/inbox\",\"endpoints\":{\"sharedInbox\":"
    "\"https://example.social/inbox\"},\"publicKey\":[{\"id\":\"https://example.social/users/"
    "a#other\",\"publicKeyPem\":\"X\"},{\"id\":\"" KEY "\",\"owner\":\"https://example.social/"
    "users/a\",\"publicKeyPem\":\"PEM\"}]}";

static void actor_document(void **state)
{
	(void)state;
	struct arena a;
	struct ap_remote r;
	const char *owner = NULL, *why = NULL;
	arena_init(&a);
	assert_int_equal(apremote_parse_actor(&a, ACTOR, strlen(ACTOR), KEY, &r, &owner, &why), 0);
	assert_string_equal(r.uri, "https://example.social/users/a");
	assert_string_equal(r.inbox, "https://example.social/users/a/inbox");
	assert_string_equal(r.shared_inbox, "https://example.social/inbox");
	assert_string_equal(r.username, "a");
	assert_string_equal(r.domain, "example.social");
	assert_string_equal(r.public_pem, "PEM");
	/* another key of the same actor is not this one */
	assert_int_equal(apremote_parse_actor(&a, ACTOR, strlen(ACTOR),
					      "https://example.social/users/a#nope", &r, &owner,
					      &why),
			 -1);
	const char *key = "{\"id\":\"" KEY "\",\"owner\":\"https://example.social/users/a\","
			  "\"publicKeyPem\":\"PEM\"}";
	assert_int_equal(apremote_parse_actor(&a, key, strlen(key), KEY, &r, &owner, &why), 1);
	assert_string_equal(owner, "https://example.social/users/a");
	const char *noinbox =
	    "{\"id\":\"https://example.social/users/a\",\"publicKey\":{\"id\":\"" KEY
	    "\",\"publicKeyPem\":\"PEM\"}}";
	assert_int_equal(apremote_parse_actor(&a, noinbox, strlen(noinbox), KEY, &r, &owner, &why),
			 -1);
	assert_int_equal(apremote_parse_actor(&a, "[1]", 3, KEY, &r, &owner, &why), -1);
	arena_free(&a);
}

static void activity_parts(void **state)
{
	(void)state;
	struct arena a;
	struct ap_activity act;
	const char *why;
	arena_init(&a);
	cJSON *j = cJSON_Parse("{\"id\":\"https://x/1\",\"type\":\"Undo\",\"actor\":{\"id\":"
			       "\"https://x/u\"},\"object\":{\"id\":\"https://x/f\",\"type\":"
			       "\"Follow\",\"object\":\"https://me/u/alice\"}}");
	assert_int_equal(apremote_activity(&a, j, &act, &why), 0);
	assert_string_equal(act.type, "Undo");
	assert_string_equal(act.actor, "https://x/u");
	assert_string_equal(act.object_id, "https://x/f");
	assert_string_equal(act.object_type, "Follow");
	assert_string_equal(act.object_object, "https://me/u/alice");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"type\":\"Like\",\"object\":\"https://me/p/1\"}");
	assert_int_equal(apremote_activity(&a, j, &act, &why), -1); /* no actor */
	cJSON_Delete(j);
	char big[700];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "Like");
	cJSON_AddStringToObject(j, "actor", big);
	assert_int_equal(apremote_activity(&a, j, &act, &why), -1); /* past 512 bytes */
	cJSON_Delete(j);
	arena_free(&a);
}

static void backoff(void **state)
{
	(void)state;
	assert_int_equal(apq_backoff(1), 60);
	assert_int_equal(apq_backoff(2), 300);
	assert_int_equal(apq_backoff(3), 1800);
	assert_int_equal(apq_backoff(4), 7200);
	assert_int_equal(apq_backoff(5), 43200);
	assert_int_equal(apq_backoff(6), 86400);
	assert_int_equal(apq_backoff(12), 86400);
}

static void remote_names(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_string_equal(apaccount_name(&a, "bob", "https://x/u/bob", "Peer.Example:8443"),
			    "bob@peer.example:8443");
	/* no preferredUsername: the id's last segment; odd bytes become "_" */
	assert_string_equal(apaccount_name(&a, "", "https://x/users/c%20d/", "x"), "c_20d@x");
	assert_string_equal(apaccount_name(&a, "<script>@evil", "https://x/u", "x"),
			    "_script__evil@x");
	assert_string_equal(apaccount_name(&a, "", "", "x"), "_@x");
	char long_name[200];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	const char *n = apaccount_name(&a, long_name, "", "x");
	assert_int_equal(strlen(n), APACCOUNT_MAX_NAME + 2);
	/* a bio: markup gone, entities read, cut on a character boundary */
	assert_string_equal(apaccount_plain(&a, "<p>I &amp; you<br>&lt;3 &#233;&#x263a;</p>", 400),
			    "I & you\n<3 \xc3\xa9\xe2\x98\xba");
	assert_string_equal(apaccount_plain(&a, "<p>a</p><script>x", 400), "a\nx");
	assert_string_equal(apaccount_plain(&a, "\xc3\xa9\xc3\xa9", 3), "\xc3\xa9");
	assert_string_equal(apaccount_plain(&a, "&#0;&#xD800;&bogus;", 400), "&bogus;");
	assert_string_equal(apaccount_plain(&a, NULL, 400), "");
	arena_free(&a);
}

static void profile_links(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	/* local people: their page here */
	assert_string_equal(social_profile_url(&a, "alice", "", NULL, NULL), "/u/alice");
	/* a remote person: their url when it is on their own server */
	assert_string_equal(social_profile_url(&a, "bob@x.example", "x.example",
					       "https://X.example/@bob", "https://x.example/u/bob"),
			    "https://X.example/@bob");
	/* a url elsewhere (a page of ours, another site) or not a web address:
	 * their actor id instead */
	assert_string_equal(social_profile_url(&a, "bob@x.example", "x.example",
					       "https://imagier.example/u/admin",
					       "https://x.example/u/bob"),
			    "https://x.example/u/bob");
	assert_string_equal(social_profile_url(&a, "bob@x.example", "x.example",
					       "https://x.example.evil/u/bob",
					       "https://x.example/u/bob"),
			    "https://x.example/u/bob");
	assert_string_equal(social_profile_url(&a, "bob@x.example", "x.example",
					       "javascript:alert(1)", "https://x.example/u/bob"),
			    "https://x.example/u/bob");
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(actor_document), cmocka_unit_test(activity_parts),
	    cmocka_unit_test(backoff),	      cmocka_unit_test(remote_names),
	    cmocka_unit_test(profile_links),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
