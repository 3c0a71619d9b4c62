/* test_xmlesc.c - the one XML escaping function of the feeds and oEmbed:
 * markup characters become entities, what XML 1.0 cannot carry becomes
 * U+FFFD, and everything else passes through byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "xmlesc.h"

#define FFFD "\xEF\xBF\xBD"

static void check_n(const char *in, size_t n, const char *want)
{
	struct buf b = {0};
	xml_escape(&b, in, n);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void check(const char *in, const char *want)
{
	check_n(in, strlen(in), want);
}

static void markup_becomes_entities(void **state)
{
	(void)state;
	check("<b>&amp; \"quoted\" 'single'",
	      "&lt;b&gt;&amp;amp; &quot;quoted&quot; &apos;single&apos;");
	check("a]]>b", "a]]&gt;b"); /* never closes a CDATA section or trips a parser */
	check("plain text", "plain text");
	check("", "");
}

static void whitespace_survives_a_parser(void **state)
{
	(void)state;
	check("a\tb\nc", "a\tb\nc");
	check("dos\r\nline", "dos&#13;\nline"); /* a bare CR would come back as LF */
}

static void forbidden_characters_are_replaced(void **state)
{
	(void)state;
	check("bell\x07!", "bell" FFFD "!");
	check("esc\x1b[1m", "esc" FFFD "[1m");
	check_n("nul\0x", 5, "nul" FFFD "x");
	check("del\x7f", "del\x7f");					  /* allowed by XML 1.0 */
	check("\xEF\xBF\xBE\xEF\xBF\xBF", FFFD FFFD FFFD FFFD FFFD FFFD); /* U+FFFE, U+FFFF */
}

static void utf8_passes_through(void **state)
{
	(void)state;
	check("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD",
	      "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD");
	check("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"); /* U+10FFFF, the last one */
}

static void malformed_utf8_is_replaced_byte_by_byte(void **state)
{
	(void)state;
	check("\xC0\xAF", FFFD FFFD);			/* overlong '/' */
	check("\xE0\x80\xAF", FFFD FFFD FFFD);		/* overlong, three bytes */
	check("\xED\xA0\x80", FFFD FFFD FFFD);		/* a UTF-16 surrogate */
	check("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* past U+10FFFF */
	check("\xF8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
	check("a\xE6\x97", "a" FFFD FFFD);    /* cut short at the end */
	check("\xE6\x97<", FFFD FFFD "&lt;"); /* cut short by markup */
	check("\x80x\xBF", FFFD "x" FFFD);    /* stray continuation bytes */
	check_n("\xC3\xA9", 1, FFFD);	      /* n ends inside a character */
}

static void appends_and_copies(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_puts(&b, "<title>");
	xml_escape(&b, "R&D", 3);
	buf_puts(&b, "</title>");
	assert_string_equal(buf_cstr(&b), "<title>R&amp;D</title>");
	buf_free(&b);

	struct arena a;
	arena_init(&a);
	assert_string_equal(xml_escape_str(&a, "x<y"), "x&lt;y");
	assert_string_equal(xml_escape_str(&a, NULL), "");
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(markup_becomes_entities),
	    cmocka_unit_test(whitespace_survives_a_parser),
	    cmocka_unit_test(forbidden_characters_are_replaced),
	    cmocka_unit_test(utf8_passes_through),
	    cmocka_unit_test(malformed_utf8_is_replaced_byte_by_byte),
	    cmocka_unit_test(appends_and_copies),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
