/* test_apreply.c - what a remote reply is read as (lib/apreply.c): a Note's
 * id, author, inReplyTo, content and audience, each within its limits; the
 * local post or comment a URL names, and nothing else; the leading
 * mentions of whom a reply answers, and only those. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "apreply.h"

#define BASE "https://imagier.example"

static int note(const char *json, struct ap_note *n)
{
	const char *why;
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	int rc = apreply_note(j, n, &why);
	/* the strings are j's: copy what the checks below read */
	static char id[600], irt[600], content[600], by[600];
	if (!rc) {
		strcpy(id, n->id);
		strcpy(by, n->attributed_to);
		strcpy(irt, n->in_reply_to ? n->in_reply_to : "(none)");
		strcpy(content, n->content);
		n->id = id, n->attributed_to = by, n->in_reply_to = irt, n->content = content;
	}
	cJSON_Delete(j);
	return rc;
}

static void notes(void **state)
{
	(void)state;
	struct ap_note n;
	assert_int_equal(
	    note("{\"id\":\"https://r.example/n/1\",\"type\":\"Note\",\"attributedTo\":"
		 "\"https://r.example/u/b\",\"inReplyTo\":\"" BASE "/p/4\","
		 "\"content\":\"<p>hi</p>\",\"to\":\"https://www.w3.org/ns/"
		 "activitystreams#Public\"}",
		 &n),
	    0);
	assert_string_equal(n.id, "https://r.example/n/1");
	assert_string_equal(n.attributed_to, "https://r.example/u/b");
	assert_string_equal(n.in_reply_to, BASE "/p/4");
	assert_string_equal(n.content, "<p>hi</p>");
	assert_true(n.is_public);
	/* objects and arrays for the ids, no content, a followers-only audience */
	assert_int_equal(
	    note("{\"id\":\"https://r.example/n/2\",\"type\":\"Note\",\"attributedTo\":"
		 "[{\"id\":\"https://r.example/u/b\"}],\"inReplyTo\":{\"id\":\"x\"},"
		 "\"cc\":[\"https://r.example/u/b/followers\"]}",
		 &n),
	    0);
	assert_string_equal(n.attributed_to, "https://r.example/u/b");
	assert_string_equal(n.in_reply_to, "x");
	assert_string_equal(n.content, "");
	assert_false(n.is_public);
	assert_int_equal(note("{\"id\":\"https://r.example/n/3\",\"type\":\"Note\",\"cc\":[\"as:"
			      "Public\"]}",
			      &n),
			 0);
	assert_true(n.is_public);
	assert_string_equal(n.in_reply_to, "(none)");
	/* refused: not a Note, no http(s) id, ids that are not ids, content
	 * that is not text */
	assert_int_equal(note("{\"id\":\"https://r.example/n/1\",\"type\":\"Article\"}", &n), -1);
	assert_int_equal(note("{\"id\":\"ftp://r.example/n/1\",\"type\":\"Note\"}", &n), -1);
	assert_int_equal(note("{\"type\":\"Note\"}", &n), -1);
	assert_int_equal(
	    note("{\"id\":\"https://r.example/n/1\",\"type\":\"Note\",\"inReplyTo\":5}", &n), -1);
	assert_int_equal(
	    note("{\"id\":\"https://r.example/n/1\",\"type\":\"Note\",\"attributedTo\":[5]}", &n),
	    -1);
	assert_int_equal(
	    note("{\"id\":\"https://r.example/n/1\",\"type\":\"Note\",\"content\":[\"a\"]}", &n),
	    -1);
	assert_int_equal(note("\"https://r.example/n/1\"", &n), -1);
	/* content over its limit */
	size_t big = APREPLY_MAX_CONTENT + 100;
	char *doc = test_malloc(big + 100);
	strcpy(doc, "{\"id\":\"https://r.example/n/1\",\"type\":\"Note\",\"content\":\"");
	size_t at = strlen(doc);
	memset(doc + at, 'a', APREPLY_MAX_CONTENT + 1);
	strcpy(doc + at + APREPLY_MAX_CONTENT + 1, "\"}");
	assert_int_equal(note(doc, &n), -1);
	test_free(doc);
}

static void local_targets(void **state)
{
	(void)state;
	int64_t p, c;
	assert_int_equal(apreply_local(BASE, BASE "/p/42", &p, &c), 0);
	assert_true(p == 42 && c == 0);
	assert_int_equal(apreply_local(BASE, BASE "/p/42#comment-7", &p, &c), 0);
	assert_true(p == 42 && c == 7);
	/* the comment's own ActivityPub id, as lib/apfollow.c makes it */
	assert_int_equal(apreply_local(BASE, BASE "/p/42#c9", &p, &c), 0);
	assert_true(p == 42 && c == 9);
	const char *no[] = {BASE "/p/",
			    BASE "/p/0",
			    BASE "/p/42/",
			    BASE "/p/42?x=1",
			    BASE "/p/42#comment-",
			    BASE "/p/42#comment-7x",
			    BASE "/p/42#c",
			    BASE "/p/42#c7/create",
			    BASE "/p/42#x7",
			    BASE "/p/1234567890123456789",
			    BASE "/u/alice",
			    "https://other.example/p/42",
			    BASE ".evil/p/42",
			    NULL};
	for (size_t i = 0; no[i]; i++)
		assert_int_equal(apreply_local(BASE, no[i], &p, &c), -1);
	assert_int_equal(apreply_local(BASE, NULL, &p, &c), -1);
}

static void mentions(void **state)
{
	(void)state;
	assert_string_equal(apreply_unmention("@alice hi", "alice"), "hi");
	assert_string_equal(apreply_unmention("@Alice@imagier.example  @alice\nhi", "alice"), "hi");
	assert_string_equal(apreply_unmention("@alice", "alice"), "");
	/* another name, a longer one, or a mention later in the text stay */
	assert_string_equal(apreply_unmention("@bob hi @alice", "alice"), "@bob hi @alice");
	assert_string_equal(apreply_unmention("@alicex hi", "alice"), "@alicex hi");
	assert_string_equal(apreply_unmention("@alice, hi", "alice"), "@alice, hi");
	assert_string_equal(apreply_unmention("hi", ""), "hi");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(notes),
	    cmocka_unit_test(local_targets),
	    cmocka_unit_test(mentions),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
