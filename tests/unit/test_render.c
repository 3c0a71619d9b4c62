/* test_render.c - unit tests for the template renderer (lib/render.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "render.h"
#include "util.h"

static char errmsg[256];

/* Parse src as template "t", render it over json (a JSON text, may be NULL),
 * and return the output (malloc'd). Fails the test if src does not parse. */
static char *render(const char *src, const char *json)
{
	errmsg[0] = '\0';
	struct tmpl_set *set = tmpl_add(NULL, "t", src, strlen(src), errmsg, sizeof(errmsg));
	if (!set)
		fail_msg("parse failed: %s", errmsg);
	cJSON *view = json ? cJSON_Parse(json) : NULL;
	if (json)
		assert_non_null(view);
	struct buf out = {0};
	assert_int_equal(tmpl_render(set, "t", view, &out), 0);
	char *s = xstrdup(buf_cstr(&out));
	buf_free(&out);
	cJSON_Delete(view);
	tmpl_free(set);
	return s;
}

#define assert_render(src, json, want)                                                             \
	do {                                                                                       \
		char *got_ = render(src, json);                                                    \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* Parse src and expect a load error; the message must contain want. */
static void assert_parse_error(const char *src, const char *want)
{
	errmsg[0] = '\0';
	struct tmpl_set *set = tmpl_add(NULL, "bad.html", src, strlen(src), errmsg, sizeof(errmsg));
	if (set)
		tmpl_free(set);
	assert_null(set);
	if (!strstr(errmsg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", errmsg, want);
}

static void test_plain_text(void **state)
{
	assert_render("hello\n  world {  } }} {x", "{}", "hello\n  world {  } }} {x");
	assert_render("", "{}", "");
}

static void test_variables(void **state)
{
	assert_render("Hi {{name}}, {{ name }}!", "{\"name\":\"Ada\"}", "Hi Ada, Ada!");
	assert_render("[{{missing}}]", "{\"name\":\"Ada\"}", "[]");
}

static void test_escape_every_char(void **state)
{
	assert_render("{{s}}", "{\"s\":\"a&b<c>d\\\"e'f`g=h/\"}",
		      "a&amp;b&lt;c&gt;d&quot;e&#39;f&#96;g=h/");
	assert_render("{{s}}", "{\"s\":\"<<&&>>\"}", "&lt;&lt;&amp;&amp;&gt;&gt;");
}

static void test_html_escape_direct(void **state)
{
	struct buf b = {0};
	html_escape(&b, "x<y\0>z", 6);
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.data, "x&lt;y\0&gt;z", 12);
	buf_reset(&b);
	html_escape(&b, "plain", 5);
	assert_string_equal(buf_cstr(&b), "plain");
	buf_reset(&b);
	html_escape(&b, "", 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void test_scalars(void **state)
{
	assert_render("[{{t}}][{{f}}][{{n}}][{{o}}][{{a}}]",
		      "{\"t\":true,\"f\":false,\"n\":null,\"o\":{\"x\":1},\"a\":[1]}",
		      "[true][][][][]");
}

static void test_numbers(void **state)
{
	assert_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
		      "{\"a\":42,\"b\":-7,\"c\":1.5,\"d\":0,\"e\":9007199254740992,\"f\":1e300}",
		      "42 -7 1.5 0 9007199254740992 1e+300");
	assert_render("{{x}}", "{\"x\":3.0}", "3");
	assert_render("{{x}}", "{\"x\":0.000125}", "0.000125");
}

static void test_dotted_names(void **state)
{
	const char *v = "{\"post\":{\"author\":{\"name\":\"Bo<b>\"}},\"name\":\"top\"}";
	assert_render("{{post.author.name}}", v, "Bo&lt;b&gt;");
	assert_render("[{{post.nope.name}}]", v, "[]");
	/* the rest of a dotted name does not fall back outwards */
	assert_render("[{{post.name}}]", v, "[]");
}

static void test_dot(void **state)
{
	assert_render("{{#xs}}<{{.}}>{{/xs}}", "{\"xs\":[\"a&\",2,true]}", "<a&amp;><2><true>");
	assert_render("{{.}}", "\"root\"", "root");
}

static void test_section_array(void **state)
{
	assert_render("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
		      "{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
		      "<ul><li>a</li><li>b</li><li>c</li></ul>");
}

static void test_section_empty_array(void **state)
{
	assert_render("[{{#items}}x{{/items}}]", "{\"items\":[]}", "[]");
	assert_render("[{{^items}}none{{/items}}]", "{\"items\":[]}", "[none]");
}

static void test_section_object(void **state)
{
	assert_render("{{#user}}{{name}} ({{id}}){{/user}}",
		      "{\"user\":{\"name\":\"Ann\",\"id\":7}}", "Ann (7)");
	assert_render("[{{#user}}x{{/user}}]", "{\"user\":{}}", "[x]");
}

static void test_section_booleans(void **state)
{
	const char *v = "{\"yes\":true,\"no\":false,\"nil\":null,\"zero\":0}";
	assert_render("[{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#nil}}Z{{/nil}}{{#none}}M{{/none}}]", v,
		      "[Y]");
	/* A zero count hides its section, like false. */
	assert_render("[{{#zero}}shown{{/zero}}{{^zero}}none{{/zero}}]", v, "[none]");
	assert_render("[{{#one}}{{.}} item{{/one}}]", "{\"one\":1}", "[1 item]");
}

static void test_section_strings(void **state)
{
	assert_render("[{{#s}}<{{.}}>{{/s}}][{{#e}}E{{/e}}]", "{\"s\":\"hi\",\"e\":\"\"}",
		      "[<hi>][]");
}

static void test_inverted(void **state)
{
	const char *v = "{\"t\":true,\"f\":false,\"s\":\"\",\"a\":[1],\"o\":{}}";
	assert_render("[{{^t}}1{{/t}}{{^f}}2{{/f}}{{^s}}3{{/s}}{{^a}}4{{/a}}{{^o}}5{{/o}}"
		      "{{^gone}}6{{/gone}}]",
		      v, "[236]");
}

static void test_context_fallback(void **state)
{
	const char *v = "{\"site\":\"imagier\",\"user\":{\"name\":\"u\"},"
			"\"posts\":[{\"title\":\"p1\"},{\"title\":\"p2\",\"site\":\"own\"}]}";
	assert_render("{{#posts}}{{title}}@{{site}}/{{user.name}};{{/posts}}", v,
		      "p1@imagier/u;p2@own/u;");
}

static void test_nested_sections(void **state)
{
	const char *v = "{\"rows\":[{\"cells\":[1,2]},{\"cells\":[3]}],\"sep\":\",\"}";
	assert_render("{{#rows}}[{{#cells}}{{.}}{{sep}}{{/cells}}]{{/rows}}", v, "[1,2,][3,]");
}

static void test_comments(void **state)
{
	assert_render("a{{! a comment }}b{{!\n multi\n line }}c", "{}", "abc");
}

static void test_raw_html(void **state)
{
	const char *v = "{\"body_html\":\"<b>hi</b>\",\"p\":{\"bio_html\":\"<i>x</i>\"}}";
	assert_render("{{{body_html}}}|{{&body_html}}|{{body_html}}", v,
		      "<b>hi</b>|<b>hi</b>|&lt;b&gt;hi&lt;/b&gt;");
	assert_render("{{{ p.bio_html }}}", v, "<i>x</i>");
}

static void test_raw_rejected(void **state)
{
	assert_parse_error("{{{body}}}", "raw output only for *_html keys");
	assert_parse_error("{{&body}}", "raw output only for *_html keys");
	assert_parse_error("{{{x_html.name}}}", "raw output only for *_html keys");
	assert_parse_error("{{{.}}}", "raw output only for *_html keys");
	assert_parse_error("{{{name_htm}}}", "raw output only for *_html keys");
}

static void test_partials(void **state)
{
	char err[200];
	const char *card = "<div>{{title}}</div>";
	const char *page = "<main>{{#posts}}{{> card}}{{/posts}}{{>nothing}}</main>";
	struct tmpl_set *set = tmpl_add(NULL, "card", card, strlen(card), err, sizeof(err));
	assert_non_null(set);
	assert_ptr_equal(tmpl_add(set, "page", page, strlen(page), err, sizeof(err)), set);
	cJSON *v = cJSON_Parse("{\"posts\":[{\"title\":\"a\"},{\"title\":\"<b>\"}]}");
	struct buf out = {0};
	assert_int_equal(tmpl_render(set, "page", v, &out), 0);
	assert_string_equal(buf_cstr(&out), "<main><div>a</div><div>&lt;b&gt;</div></main>");
	buf_free(&out);
	cJSON_Delete(v);
	tmpl_free(set);
}

static void test_partial_recursion(void **state)
{
	/* a self-including partial stops after 16 levels */
	assert_render("x{{>t}}", "{}", "xxxxxxxxxxxxxxxxx");
	/* a template that would explode exponentially still terminates */
	char *s = render("{{>t}}{{>t}}{{>t}}{{>t}}{{>t}}{{>t}}{{>t}}{{>t}}ab", "{}");
	assert_true(strlen(s) <= (16u << 20) + 64);
	assert_memory_equal(s, "abab", 4);
	free(s);
}

static void test_replace_template(void **state)
{
	char err[200];
	struct tmpl_set *set = tmpl_add(NULL, "a", "one", 3, err, sizeof(err));
	assert_non_null(set);
	assert_non_null(tmpl_add(set, "a", "two", 3, err, sizeof(err)));
	/* a failed add leaves the set as it was */
	assert_null(tmpl_add(set, "a", "{{#x}}", 6, err, sizeof(err)));
	struct buf out = {0};
	assert_int_equal(tmpl_render(set, "a", NULL, &out), 0);
	assert_string_equal(buf_cstr(&out), "two");
	buf_free(&out);
	tmpl_free(set);
}

static void test_many_templates(void **state)
{
	char err[200], name[32], src[32];
	struct tmpl_set *set = NULL;
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		snprintf(src, sizeof(src), "<%d>", i);
		set = tmpl_add(set, name, src, strlen(src), err, sizeof(err));
		assert_non_null(set);
	}
	struct buf out = {0};
	for (int i = 0; i < 300; i += 37) {
		snprintf(name, sizeof(name), "t%d", i);
		snprintf(src, sizeof(src), "<%d>", i);
		buf_reset(&out);
		assert_int_equal(tmpl_render(set, name, NULL, &out), 0);
		assert_string_equal(buf_cstr(&out), src);
	}
	buf_free(&out);
	tmpl_free(set);
}

static void test_unknown_template(void **state)
{
	char err[200];
	struct tmpl_set *set = tmpl_add(NULL, "a", "x", 1, err, sizeof(err));
	struct buf out = {0};
	buf_puts(&out, "keep");
	assert_int_equal(tmpl_render(set, "b", NULL, &out), -1);
	assert_int_equal(tmpl_render(set, "", NULL, &out), -1);
	assert_int_equal(tmpl_render(NULL, "a", NULL, &out), -1);
	assert_string_equal(buf_cstr(&out), "keep");
	buf_free(&out);
	tmpl_free(set);
}

static void test_parse_errors(void **state)
{
	assert_parse_error("a\nb\n{{#items}}\nx\n", "bad.html:3: unclosed section 'items'");
	assert_parse_error("{{#a}}{{#b}}{{/a}}{{/b}}", "bad.html:1: mismatched close 'a'");
	assert_parse_error("x\n{{/a}}", "bad.html:2: close without open section 'a'");
	assert_parse_error("{{name", "bad.html:1: unclosed tag");
	assert_parse_error("\n\n{{{x_html}}", "bad.html:3: unclosed tag");
	assert_parse_error("{{! never closed", "unclosed tag");
	assert_parse_error("{{}}", "bad tag name");
	assert_parse_error("{{ }}", "bad tag name");
	assert_parse_error("{{#}}{{/}}", "bad tag name");
	assert_parse_error("{{a..b}}", "bad tag name 'a..b'");
	assert_parse_error("{{a.}}", "bad tag name");
	assert_parse_error("{{a b}}", "bad tag name 'a b'");
	assert_parse_error("{{a\x01}}", "bad tag name 'a?'");
	assert_parse_error("{{=<% %>=}}", "set-delimiter tags are not supported");
	assert_parse_error("{{>}}", "bad partial name");
	assert_parse_error("{{>a b}}", "bad partial name");
}

static void test_error_line_numbers(void **state)
{
	assert_parse_error("l1\nl2 {{! one\ntwo\n}}\nl5 {{bad name}}", "bad.html:5: bad tag name");
	assert_parse_error("{{#a}}\n{{#b}}\n{{/b}}\n", "bad.html:1: unclosed section 'a'");
}

static void test_parse_limits(void **state)
{
	char src[40 * 6 + 1] = "";
	for (int i = 0; i < 33; i++)
		strcat(src, "{{#a}}");
	assert_parse_error(src, "nested deeper than 32");

	char name[200];
	memset(name, 'n', sizeof(name));
	memcpy(name, "{{", 2);
	memcpy(name + sizeof(name) - 3, "}}", 3);
	assert_parse_error(name, "bad tag name");

	size_t big = (1u << 20) + 1;
	char *huge = xmalloc(big);
	memset(huge, 'x', big);
	char err[200];
	assert_null(tmpl_add(NULL, "huge", huge, big, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than"));
	free(huge);

	/* a NULL or zero-size error buffer is fine */
	assert_null(tmpl_add(NULL, "t", "{{#a}}", 6, NULL, 0));
}

static void test_deep_context(void **state)
{
	/* 32 nested sections parse; bodies past the 32-deep context stack are skipped */
	char src[32 * 12 + 8] = "", json[40 * 8] = "";
	for (int i = 0; i < 32; i++)
		strcat(src, "{{#a}}");
	strcat(src, "X");
	for (int i = 0; i < 32; i++)
		strcat(src, "{{/a}}");
	for (int i = 0; i < 40; i++)
		strcat(json, "{\"a\":");
	strcat(json, "1");
	for (int i = 0; i < 40; i++)
		strcat(json, "}");
	assert_render(src, json, "");
	/* 31 pushes plus the root fit */
	char *p = strstr(src, "X");
	memmove(p - 6, p, strlen(p) + 1);
	p = strstr(src, "X") + 1;
	memmove(p, p + 6, strlen(p + 6) + 1);
	assert_render(src, json, "X");
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/test_render_XXXXXX", path[300], err[300];
	assert_non_null(mkdtemp(dir));
	const char *files[][2] = {
	    {"page.html", "<p>{{>item}}</p>"},
	    {"item.html", "{{name}}"},
	    {"notes.txt", "{{#broken"},
	    {".hidden.html", "{{#broken"},
	};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i][1], f);
		fclose(f);
	}
	struct tmpl_set *set = tmpl_load_dir(dir, err, sizeof(err));
	if (!set)
		fail_msg("load failed: %s", err);
	cJSON *v = cJSON_Parse("{\"name\":\"a&b\"}");
	struct buf out = {0};
	assert_int_equal(tmpl_render(set, "page", v, &out), 0);
	assert_string_equal(buf_cstr(&out), "<p>a&amp;b</p>");
	assert_int_equal(tmpl_render(set, "notes", v, &out), -1);
	buf_free(&out);
	cJSON_Delete(v);
	tmpl_free(set);

	/* a broken template fails the whole load, naming file and line */
	snprintf(path, sizeof(path), "%s/post.html", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("ok\n{{#items}}\n", f);
	fclose(f);
	assert_null(tmpl_load_dir(dir, err, sizeof(err)));
	assert_string_equal(err, "post.html:2: unclosed section 'items'");

	const char *names[] = {"page.html", "item.html", "notes.txt", ".hidden.html", "post.html"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	assert_null(tmpl_load_dir(dir, err, sizeof(err)));
	assert_non_null(strstr(err, dir));
}

static void test_thousand_items(void **state)
{
	const char *src = "<ul>{{#items}}<li id=\"p{{id}}\"><a href=\"/u/{{user.name}}\">"
			  "{{title}}</a> {{#liked}}&hearts;{{/liked}}{{^liked}}-{{/liked}} "
			  "{{{excerpt_html}}}</li>{{/items}}</ul>";
	char err[200];
	struct tmpl_set *set = tmpl_add(NULL, "list", src, strlen(src), err, sizeof(err));
	assert_non_null(set);
	cJSON *view = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(view, "items");
	for (int i = 0; i < 1000; i++) {
		cJSON *it = cJSON_CreateObject();
		cJSON_AddNumberToObject(it, "id", i);
		cJSON_AddStringToObject(it, "title", i % 2 ? "A <cat>" : "a dog");
		cJSON_AddBoolToObject(it, "liked", i % 3 == 0);
		cJSON_AddStringToObject(it, "excerpt_html", "<em>x</em>");
		cJSON *u = cJSON_AddObjectToObject(it, "user");
		cJSON_AddStringToObject(u, "name", "bob");
		cJSON_AddItemToArray(items, it);
	}
	struct buf out = {0};
	assert_int_equal(tmpl_render(set, "list", view, &out), 0);
	const char *s = buf_cstr(&out);
	assert_non_null(
	    strstr(s, "<li id=\"p0\"><a href=\"/u/bob\">a dog</a> &hearts; <em>x</em></li>"));
	assert_non_null(strstr(s, "<li id=\"p997\"><a href=\"/u/bob\">A &lt;cat&gt;</a> - "));
	int n = 0;
	for (const char *p = s; (p = strstr(p, "<li ")); p++)
		n++;
	assert_int_equal(n, 1000);

	int reps = 200;
	int64_t t0 = now_mono_us();
	for (int i = 0; i < reps; i++) {
		buf_reset(&out);
		tmpl_render(set, "list", view, &out);
	}
	int64_t us = now_mono_us() - t0;
	print_message("# render of 1000 items (%zu bytes): %.1f us each, %.0f MB/s\n", out.len,
		      (double)us / reps, us ? (double)out.len * reps / (double)us : 0.0);
	buf_free(&out);
	cJSON_Delete(view);
	tmpl_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_text),	      cmocka_unit_test(test_variables),
	    cmocka_unit_test(test_escape_every_char), cmocka_unit_test(test_html_escape_direct),
	    cmocka_unit_test(test_scalars),	      cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_dotted_names),      cmocka_unit_test(test_dot),
	    cmocka_unit_test(test_section_array),     cmocka_unit_test(test_section_empty_array),
	    cmocka_unit_test(test_section_object),    cmocka_unit_test(test_section_booleans),
	    cmocka_unit_test(test_section_strings),   cmocka_unit_test(test_inverted),
	    cmocka_unit_test(test_context_fallback),  cmocka_unit_test(test_nested_sections),
	    cmocka_unit_test(test_comments),	      cmocka_unit_test(test_raw_html),
	    cmocka_unit_test(test_raw_rejected),      cmocka_unit_test(test_partials),
	    cmocka_unit_test(test_partial_recursion), cmocka_unit_test(test_replace_template),
	    cmocka_unit_test(test_many_templates),    cmocka_unit_test(test_unknown_template),
	    cmocka_unit_test(test_parse_errors),      cmocka_unit_test(test_error_line_numbers),
	    cmocka_unit_test(test_parse_limits),      cmocka_unit_test(test_deep_context),
	    cmocka_unit_test(test_load_dir),	      cmocka_unit_test(test_thousand_items),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
