/* test_apnote.c - what following remote people reads from other servers
 * (lib/apnote.c): handles as people type them, the actor link of a
 * WebFinger answer, an actor's key id, and a Note as a remote post: its
 * caption and content warning as plain text within limits, its prompt, the
 * first picture among its attachments, and whether its server labelled it
 * as made by AI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "apnote.h"
#include "arena.h"

static void handles(void **state)
{
	(void)state;
	struct arena a;
	const char *n, *h;
	arena_init(&a);
	assert_int_equal(apnote_acct(&a, "@bob@Example.Social:8443", &n, &h), 0);
	assert_string_equal(n, "bob");
	assert_string_equal(h, "example.social:8443");
	assert_int_equal(apnote_acct(&a, "acct:a.b-c_d@x.y", &n, &h), 0);
	assert_string_equal(n, "a.b-c_d");
	assert_int_equal(apnote_acct(&a, " bob@x ", &n, &h), 0);
	assert_string_equal(h, "x");
	assert_int_equal(apnote_acct(&a, "bob", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "@bob@", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "@@x", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "bob@x/y", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "b ob@x", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "bob@x@y", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, "bob@.x", &n, &h), -1);
	assert_int_equal(apnote_acct(&a, NULL, &n, &h), -1);
	arena_free(&a);
}

static void webfinger_and_key(void **state)
{
	(void)state;
	struct arena a;
	const char *href, *why;
	arena_init(&a);
	const char *jrd =
	    "{\"links\":[{\"rel\":\"self\",\"type\":\"text/html\",\"href\":\"https://x/@b\"},"
	    "{\"rel\":\"self\",\"type\":\"application/ld+json; profile=\\\"https://www.w3.org/ns/"
	    "activitystreams\\\"\",\"href\":\"https://x/users/b\"}]}";
	assert_int_equal(apnote_jrd_self(&a, jrd, strlen(jrd), &href, &why), 0);
	assert_string_equal(href, "https://x/users/b");
	const char *none = "{\"links\":[{\"rel\":\"self\",\"type\":\"application/activity+json\","
			   "\"href\":\"ftp://x/users/b\"}]}";
	assert_int_equal(apnote_jrd_self(&a, none, strlen(none), &href, &why), -1);
	assert_int_equal(apnote_jrd_self(&a, "[1]", 3, &href, &why), -1);
	const char *actor = "{\"publicKey\":[{\"id\":\"https://x/users/b#k\"}]}";
	assert_int_equal(apnote_key_id(&a, actor, strlen(actor), &href, &why), 0);
	assert_string_equal(href, "https://x/users/b#k");
	assert_int_equal(apnote_key_id(&a, "{}", 2, &href, &why), -1);
	assert_int_equal(apnote_same_host("https://X.example:8/p/1", "x.example:8"), 1);
	assert_int_equal(apnote_same_host("https://x.example.evil/p/1", "x.example"), 0);
	assert_int_equal(apnote_same_host("https://x.example", "x.example"), 1);
	arena_free(&a);
}

static struct ap_note parse(struct arena *a, const char *json, int want)
{
	struct ap_note n;
	const char *why;
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	assert_int_equal(apnote_parse(a, j, &n, &why), want);
	cJSON_Delete(j);
	return n;
}

static void notes(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct ap_note n = parse(
	    &a,
	    "{\"id\":\"https://x/n/1\",\"type\":\"Note\",\"attributedTo\":\"https://x/u/b\","
	    "\"content\":\"<p>Hi &amp; <b>bye</b></p><p>two</p>\",\"summary\":\"<p>big\\nspiders "
	    "and more words than forty characters allow here</p>\",\"url\":[{\"type\":\"Link\","
	    "\"href\":\"https://x/@b/1\"}],\"attachment\":[{\"type\":\"Document\",\"mediaType\":"
	    "\"video/mp4\",\"url\":\"https://x/v.mp4\"},{\"type\":\"Document\",\"mediaType\":"
	    "\"image/png\",\"url\":\"https://x/i.png\",\"name\":\"a <cat>\",\"digitalSourceType\":"
	    "\"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\"}]}",
	    0);
	assert_string_equal(n.caption, "Hi & bye\ntwo");
	assert_string_equal(n.cw, "big spiders and more words than forty ch");
	assert_string_equal(n.url, "https://x/@b/1");
	assert_string_equal(n.image_url, "https://x/i.png");
	assert_string_equal(n.image_type, "image/png");
	assert_int_equal(n.ai_labelled, 1);
	assert_string_equal(n.prompt, "");
	assert_string_equal(n.in_reply_to, "");
	/* not labelled: no digitalSourceType, no prompt; sensitive alone */
	n = parse(
	    &a,
	    "{\"id\":\"https://x/n/2\",\"type\":\"Note\",\"attributedTo\":{\"id\":\"https://x/u/"
	    "b\"},\"sensitive\":true,\"inReplyTo\":\"https://y/n/9\",\"attachment\":{\"type\":"
	    "\"Image\",\"url\":\"https://x/i.jpg\"}}",
	    0);
	assert_int_equal(n.ai_labelled, 0);
	assert_string_equal(n.cw, "sensitive");
	assert_string_equal(n.url, "https://x/n/2");
	assert_string_equal(n.image_url, "https://x/i.jpg");
	assert_string_equal(n.attributed_to, "https://x/u/b");
	assert_string_equal(n.in_reply_to, "https://y/n/9");
	/* imagier:prompt: labelled, kept as text */
	n = parse(&a,
		  "{\"id\":\"https://x/n/3\",\"type\":\"Note\",\"attributedTo\":\"https://x/u/b\","
		  "\"imagier:prompt\":\"a <web>\"}",
		  0);
	assert_int_equal(n.ai_labelled, 1);
	assert_string_equal(n.prompt, "a <web>");
	assert_string_equal(n.image_url, "");
	/* refused: not a Note, no id, no author, an author that is no URL */
	parse(&a, "{\"id\":\"https://x/n/4\",\"type\":\"Person\",\"attributedTo\":\"https://x/u\"}",
	      -1);
	parse(&a, "{\"type\":\"Note\",\"attributedTo\":\"https://x/u/b\"}", -1);
	parse(&a, "{\"id\":\"https://x/n/5\",\"type\":\"Note\"}", -1);
	parse(&a, "{\"id\":\"https://x/n/6\",\"type\":\"Note\",\"attributedTo\":\"javascript:1\"}",
	      -1);
	parse(&a, "[1]", -1);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(handles),
	    cmocka_unit_test(webfinger_and_key),
	    cmocka_unit_test(notes),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
