/* test_core.c - arena, buf, config, auth rules and tag parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "auth.h"
#include "buf.h"
#include "fcgi_out.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "post.h"
#include "util.h"

static void arena_allocates_and_resets(void **state)
{
	struct arena a;
	arena_init(&a);
	char *s = arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	assert_string_equal(arena_printf(&a, "%d-%s", 42, "x"), "42-x");
	void *big = arena_alloc(&a, 1 << 20); /* its own block */
	memset(big, 1, 1 << 20);
	for (int i = 0; i < 10000; i++)
		arena_alloc(&a, 100);
	assert_true(a.total > (1 << 20));
	arena_reset(&a);
	assert_int_equal(a.total, 0);
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	assert_true(((uintptr_t)arena_alloc(&a, 3) % 16) == 0);
	arena_free(&a);
}

static void arena_keeps_blocks_and_knows_its_own(void **state)
{
	struct arena a;
	arena_init(&a);
	/* four of these fill a standard block: two blocks */
	char *first = arena_alloc(&a, 16000), *second = NULL;
	for (int i = 0; i < 4; i++)
		second = arena_alloc(&a, 16000);
	void *big = arena_alloc(&a, 1 << 20);
	int on_stack = 0;
	char *heap = malloc(16);
	assert_true(arena_owns(&a, first) && arena_owns(&a, second + 15999));
	assert_true(arena_owns(&a, big));
	assert_false(arena_owns(&a, &on_stack));
	assert_false(arena_owns(&a, heap));
	arena_reset(&a);
	/* nothing is the arena's after a reset; its standard blocks are kept
	 * and handed out again (newest kept first) */
	assert_false(arena_owns(&a, first));
	assert_null(a.head);
	char *again = arena_alloc(&a, 16);
	assert_true(again == first || again == second);
	for (int i = 0; i < 100; i++) /* more blocks than are kept: freed */
		arena_alloc(&a, 16000);
	arena_reset(&a);
	assert_non_null(a.spare);
	free(heap);
	arena_free(&a);
	assert_null(a.spare);
}

/* Between json_request_begin and _end, cJSON trees live in the arena:
 * deleting one frees nothing, printing gives malloc'ed text, and past the
 * cap trees come from malloc again (and are freed). LSan and ASan check
 * the rest: a free() of arena memory or a leak fails the sanitizer run. */
static void json_trees_live_in_the_request_arena(void **state)
{
	struct arena a;
	arena_init(&a);
	json_request_begin(&a);
	cJSON *o = cJSON_Parse("{\"id\": 12345678901, \"tags\": [\"a\", \"b\"]}");
	assert_non_null(o);
	assert_true(arena_owns(&a, o));
	assert_true(arena_owns(&a, o->child->string));
	char *s = json_print(o);
	assert_string_equal(s, "{\"id\":12345678901,\"tags\":[\"a\",\"b\"]}");
	assert_false(arena_owns(&a, s));
	free(s);
	cJSON_Delete(o);
	/* past 4 MiB of arena, malloc again */
	arena_alloc(&a, 5u << 20);
	cJSON *m = cJSON_CreateString("from malloc");
	assert_false(arena_owns(&a, m));
	cJSON_Delete(m);
	json_request_end();
	arena_free(&a);
	/* outside a request: malloc and free as ever */
	cJSON *h = cJSON_CreateObject();
	assert_false(arena_owns(&a, h));
	cJSON_Delete(h);
}

static void buf_grows_and_resets(void **state)
{
	struct buf b = {0};
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	assert_int_equal(b.len, 4000);
	assert_memory_equal(b.data + 3996, "0999", 4);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_puts(&b, "x");
	assert_string_equal(buf_cstr(&b), "x");
	buf_free(&b);
}

static void config_parses_ini(void **state)
{
	struct config c;
	char err[256];
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_parse_ini(&c,
					  "; comment\n[server]\nport = 9090\nworkers=3\n"
					  "[db]\nname = other\n",
					  "t", err, sizeof(err)),
			 0);
	assert_int_equal(c.port, 9090);
	assert_int_equal(c.workers, 3);
	assert_string_equal(c.db_name, "other");
	assert_int_equal(config_parse_ini(&c, "[server]\nport = abc\n", "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t:2: server.port"));
	assert_int_equal(config_parse_ini(&c, "[server]\nnope = 1\n", "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key server.nope"));
	assert_int_equal(config_parse_ini(&c, "[server\n", "t", err, sizeof(err)), -1);
	assert_int_equal(
	    config_parse_ini(&c, "[site]\nsecure_cookies = maybe\n", "t", err, sizeof(err)), -1);
}

static void config_env_overrides_and_var(void **state)
{
	struct config c;
	char err[256];
	setenv("IMAGIER_ROOT", "/tmp/imagier-root-test", 1);
	setenv("IMAGIER_VAR", "/tmp/imagier-var-test", 1);
	setenv("IMAGIER_PORT", "18123", 1);
	setenv("IMAGIER_SERVER_WORKERS", "5", 1);
	setenv("IMAGIER_CONFIG", "/dev/null", 1);
	assert_int_equal(config_load(&c, err, sizeof(err)), 0);
	assert_int_equal(c.port, 18123);
	assert_int_equal(c.workers, 5);
	assert_string_equal(c.var, "/tmp/imagier-var-test");
	assert_string_equal(c.db_socket, "/tmp/imagier-var-test/run/mysqld.sock");
	assert_string_equal(c.listen, "unix:/tmp/imagier-var-test/run/fcgi.sock");
	assert_string_equal(c.views, "/tmp/imagier-root-test/cgi/views");
	setenv("IMAGIER_SERVER_WORKERS", "many", 1);
	assert_int_equal(config_load(&c, err, sizeof(err)), -1);
	unsetenv("IMAGIER_SERVER_WORKERS");
	unsetenv("IMAGIER_PORT");
	unsetenv("IMAGIER_VAR");
	unsetenv("IMAGIER_ROOT");
	unsetenv("IMAGIER_CONFIG");
}

static void passwords_hash_and_verify(void **state)
{
	char h[AUTH_PWHASH_LEN];
	assert_int_equal(auth_init(), 0);
	assert_int_equal(auth_password_hash("a long passphrase", h), 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_non_null(strstr(h, "m=19456,t=2"));
	assert_true(auth_password_verify(h, "a long passphrase"));
	assert_false(auth_password_verify(h, "a long passphrasE"));
	assert_false(auth_password_verify(auth_dummy_hash(), "a long passphrase"));
}

static void tokens_are_random_and_hashed(void **state)
{
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
	unsigned char ha[AUTH_HASH_LEN], hb[AUTH_HASH_LEN];
	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
	assert_string_not_equal(a, b);
	assert_null(strpbrk(a, "+/="));
	auth_token_hash(a, ha);
	auth_token_hash(a, hb);
	assert_memory_equal(ha, hb, AUTH_HASH_LEN);
	auth_token_hash(b, hb);
	assert_memory_not_equal(ha, hb, AUTH_HASH_LEN);
	assert_true(auth_str_equal(a, a));
	assert_false(auth_str_equal(a, b));
	char m1[AUTH_TOKEN_LEN + 1], m2[AUTH_TOKEN_LEN + 1];
	auth_mac("secret", a, m1);
	auth_mac("other", a, m2);
	assert_string_not_equal(m1, m2);
}

static void username_and_password_rules(void **state)
{
	assert_null(auth_username_problem("alice_99"));
	assert_non_null(auth_username_problem("al"));
	assert_non_null(auth_username_problem("9lives"));
	assert_non_null(auth_username_problem("bob smith"));
	assert_non_null(auth_username_problem("<script>"));
	assert_non_null(auth_username_problem("Admin"));
	assert_non_null(auth_username_problem("a234567890123456789012345678901"));
	assert_null(auth_password_problem("correct horse battery", "alice"));
	assert_non_null(auth_password_problem("short", "alice"));
	assert_non_null(auth_password_problem("aaaaaaaaaaaa", "alice"));
	assert_non_null(auth_password_problem("password123", "alice"));
	assert_non_null(auth_password_problem("alicealice1", "alicealice1"));
	assert_non_null(auth_password_problem("bad\xff utf8 pass", "alice"));
}

static void tags_are_split_and_normalised(void **state)
{
	struct arena a;
	const char *tags[POST_MAX_TAGS], *why = NULL;
	arena_init(&a);
	int n = post_parse_tags(&a, "Sunset, #sea  sunset,night_sky\tneon-city", tags, &why);
	assert_int_equal(n, 4);
	assert_string_equal(tags[0], "sunset");
	assert_string_equal(tags[1], "sea");
	assert_string_equal(tags[2], "night_sky");
	assert_string_equal(tags[3], "neon-city");
	assert_int_equal(post_parse_tags(&a, "", tags, &why), 0);
	assert_int_equal(post_parse_tags(&a, NULL, tags, &why), 0);
	assert_int_equal(post_parse_tags(&a, "a b c d e f g h i j k", tags, &why), -1);
	assert_non_null(strstr(why, "10 tags"));
	assert_int_equal(post_parse_tags(&a, "<b>", tags, &why), -1);
	assert_int_equal(post_parse_tags(&a, "x'; DROP TABLE posts", tags, &why), -1);
	assert_int_equal(post_parse_tags(&a, "abcdefghijabcdefghijabcdefghijabc", tags, &why), -1);
	assert_int_equal(post_parse_tags(&a, "café", tags, &why), 1);
	arena_free(&a);
}

static void caption_hashtags_become_tags(void **state)
{
	struct arena a;
	const char *tags[POST_MAX_TAGS], *why = NULL;
	arena_init(&a);
	int n =
	    post_tags_from(&a, "sea", "A #Sunset over the #sea, no#tag here (#night)", tags, &why);
	assert_int_equal(n, 3);
	assert_string_equal(tags[0], "sea");
	assert_string_equal(tags[1], "sunset");
	assert_string_equal(tags[2], "night");
	n = post_tags_from(&a, "", "#abcdefghijabcdefghijabcdefghijabc is too long, #ok", tags,
			   &why);
	assert_int_equal(n, 1);
	assert_string_equal(tags[0], "ok");
	assert_int_equal(post_tags_from(&a, "<b>", "#fine", tags, &why), -1);
	arena_free(&a);
}

static void str_to_u64_is_strict(void **state)
{
	uint64_t v;
	assert_int_equal(str_to_u64("123", 1000, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(str_to_u64("1001", 1000, &v), -1);
	assert_int_equal(str_to_u64("", 1000, &v), -1);
	assert_int_equal(str_to_u64("-1", 1000, &v), -1);
	assert_int_equal(str_to_u64("12a", 1000, &v), -1);
	assert_int_equal(str_to_u64("99999999999999999999999", UINT64_MAX, &v), -1);
	assert_int_equal(str_to_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_int_equal(str_to_u64("18446744073709551616", UINT64_MAX, &v), -1);
}

/* db_read is the one door a replica may answer behind: plain reads only. */
static void db_read_takes_plain_reads_only(void **state)
{
	(void)state;
	assert_true(db_is_read_sql("SELECT id FROM posts WHERE id = ?"));
	assert_true(db_is_read_sql("  \n\tselect 1"));
	assert_true(db_is_read_sql("WITH RECURSIVE up AS (SELECT 1) SELECT * FROM up"));
	assert_false(db_is_read_sql("SELECT id FROM posts WHERE id = ? FOR UPDATE"));
	assert_false(db_is_read_sql("SELECT id FROM users LOCK IN SHARE MODE"));
	assert_false(db_is_read_sql("SELECT GET_LOCK('migrate', 10)"));
	assert_false(db_is_read_sql("UPDATE posts SET like_count = 0"));
	assert_false(db_is_read_sql("INSERT INTO likes SELECT 1, 2"));
	assert_false(db_is_read_sql("DELETE FROM sessions"));
	/* Refused before it reaches a server (none is configured here), and
	 * not counted as a read. */
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	struct db *db = db_new(&cfg);
	struct arena a;
	arena_init(&a);
	assert_int_equal(db_read(db, &a, NULL, "DELETE FROM sessions", ""), DB_ERR);
	uint64_t reads = 1, writes = 1;
	db_counts(db, &reads, &writes);
	assert_int_equal(reads, 0);
	assert_int_equal(writes, 0);
	assert_false(db_in_tx(db));
	arena_free(&a);
	db_free(db);
}

/* Every whole number prints as the integer it is; the tree is unchanged. */
static void json_prints_whole_numbers_exactly(void **state)
{
	(void)state;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seed", 5986874327946899.0);
	cJSON_AddNumberToObject(o, "max", 9007199254740991.0);
	cJSON_AddNumberToObject(o, "neg", -42);
	cJSON_AddNumberToObject(o, "half", 1.5);
	cJSON_AddNumberToObject(o, "huge", 1e300);
	cJSON *arr = cJSON_AddArrayToObject(o, "ids");
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(4503599627370497.0));
	char *s = json_print(o);
	assert_string_equal(s, "{\"seed\":5986874327946899,\"max\":9007199254740991,\"neg\":-42,"
			       "\"half\":1.5,\"huge\":1e+300,\"ids\":[4503599627370497]}");
	free(s);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "seed")));
	assert_null(cJSON_GetObjectItem(o, "seed")->valuestring);
	assert_true(cJSON_IsNumber(cJSON_GetArrayItem(arr, 0)));
	s = json_print_pretty(o);
	assert_non_null(strstr(s, "5986874327946899"));
	free(s);
	assert_null(json_print(NULL));
	cJSON_Delete(o);
}

/* A packed tree reads back as the same tree (the same JSON printed), and
 * no prefix, extension or deep nesting of it is taken for a tree. */
static void json_packs_and_unpacks(void **state)
{
	(void)state;
	const char *text =
	    "{\"id\":1000859,\"url\":\"/p/1000859\",\"author\":{\"id\":2,\"username\":"
	    "\"b\\u00e9nch\"},\"tags\":[],\"ai_generated\":true,\"gone\":false,\"x\":null,"
	    "\"seed\":5986874327946899,\"half\":-1.5,\"empty\":\"\",\"nest\":[[1,[2,{}]],\"\"]}";
	cJSON *o = cJSON_Parse(text);
	assert_non_null(o);
	struct buf b = {0};
	json_pack(o, &b);
	assert_true(json_is_packed(b.data, b.len));
	assert_false(json_is_packed(text, strlen(text)));
	assert_false(json_is_packed("0", 1));
	cJSON *back = json_unpack(b.data, b.len);
	assert_non_null(back);
	char *s1 = json_print(o), *s2 = json_print(back);
	assert_string_equal(s1, s2);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(back, "author"), "username")->valuestring,
	    "b\xc3\xa9nch");
	free(s1);
	free(s2);
	cJSON_Delete(back);
	/* every prefix is short of a tree, and one byte more is not one tree */
	for (size_t n = 0; n < b.len; n++)
		assert_null(json_unpack(b.data, n));
	buf_putc(&b, 'n');
	assert_null(json_unpack(b.data, b.len));
	/* text is not the packed form */
	assert_null(json_unpack(text, strlen(text)));
	/* a count beyond the bytes left */
	assert_null(json_unpack("\x01"
				"a\x7f"
				"nn",
				5));
	assert_null(json_unpack("\x01"
				"s\xff\xff\xff\xff\x0f",
				7));
	/* nesting: JSON_PACK_DEPTH arrays deep reads, one more does not */
	buf_reset(&b);
	buf_putc(&b, '\x01');
	for (int i = 0; i <= JSON_PACK_DEPTH; i++)
		buf_append(&b, "a\x01", 2);
	buf_putc(&b, 'n');
	assert_null(json_unpack(b.data, b.len));
	/* one array less: from the first array's count on, which is a mark */
	cJSON *deep = json_unpack(b.data + 2, b.len - 2);
	assert_non_null(deep);
	cJSON_Delete(deep);
	buf_free(&b);
	cJSON_Delete(o);
}

/* An answer's pieces arrive as FCGI_STDOUT records of the request, none
 * over 65535 bytes, padded to 8, whose contents are the pieces in order
 * (what nginx reassembles; a wrong length or padding would make it 502). */
static void fcgi_records_carry_the_answer(void **state)
{
	(void)state;
	size_t big = 150001;
	char *body = malloc(big);
	for (size_t i = 0; i < big; i++)
		body[i] = (char)('a' + i % 23);
	struct iovec piece[] = {{"Status: 200 OK\r\n", 16}, {NULL, 0}, {"\r\n", 2}, {body, big}};
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = fork();
	if (pid == 0) { /* the writer: the socket holds less than the answer */
		close(sv[0]);
		_exit(fcgi_stdout_writev(sv[1], 300, piece, 4) ? 1 : 0);
	}
	close(sv[1]);
	struct buf in = {0}, got = {0};
	char chunk[65536];
	ssize_t r;
	while ((r = read(sv[0], chunk, sizeof(chunk))) > 0)
		buf_append(&in, chunk, (size_t)r);
	close(sv[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	const unsigned char *p = (const unsigned char *)in.data;
	size_t off = 0, records = 0;
	while (off + 8 <= in.len) {
		assert_int_equal(p[off], 1);
		assert_int_equal(p[off + 1], 6);
		assert_int_equal((p[off + 2] << 8) | p[off + 3], 300);
		size_t len = (size_t)(p[off + 4] << 8 | p[off + 5]), pad = p[off + 6];
		assert_int_equal((len + pad) % 8, 0);
		assert_true(off + 8 + len + pad <= in.len);
		buf_append(&got, in.data + off + 8, len);
		off += 8 + len + pad;
		records++;
	}
	assert_int_equal(off, in.len);
	assert_true(records >= 5); /* 16, 2 and three of the body */
	assert_int_equal(got.len, 18 + big);
	assert_memory_equal(got.data, "Status: 200 OK\r\n\r\n", 18);
	assert_memory_equal(got.data + 18, body, big);
	/* more records than one writev takes here: nothing written, -1 */
	size_t huge = (size_t)FCGI_OUT_RECORDS * FCGI_OUT_RECORD_MAX + 1;
	struct iovec one = {malloc(huge), huge};
	assert_int_equal(fcgi_stdout_writev(-1, 1, &one, 1), -1);
	free(one.iov_base);
	buf_free(&in);
	buf_free(&got);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arena_allocates_and_resets),
	    cmocka_unit_test(arena_keeps_blocks_and_knows_its_own),
	    cmocka_unit_test(json_trees_live_in_the_request_arena),
	    cmocka_unit_test(db_read_takes_plain_reads_only),
	    cmocka_unit_test(json_prints_whole_numbers_exactly),
	    cmocka_unit_test(json_packs_and_unpacks),
	    cmocka_unit_test(fcgi_records_carry_the_answer),
	    cmocka_unit_test(buf_grows_and_resets),
	    cmocka_unit_test(config_parses_ini),
	    cmocka_unit_test(config_env_overrides_and_var),
	    cmocka_unit_test(passwords_hash_and_verify),
	    cmocka_unit_test(tokens_are_random_and_hashed),
	    cmocka_unit_test(username_and_password_rules),
	    cmocka_unit_test(tags_are_split_and_normalised),
	    cmocka_unit_test(caption_hashtags_become_tags),
	    cmocka_unit_test(str_to_u64_is_strict),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
