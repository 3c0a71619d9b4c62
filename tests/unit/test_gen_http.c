/* test_gen_http.c - the openai and a1111 backends end to end against tests/tools/fakegen.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <gd.h>
#include <sodium.h>

#include "buf.h"
#include "gen.h"
#include "gen_http.h"
#include "util.h"

#define KEY	  "sk-test-SECRET-4242"
#define WRONG_KEY "sk-wrong-KEY-9999"

/* The fake server, started once for the whole group. */
struct fake {
	pid_t pid;
	int out_fd;    /* its stdout */
	int closed_fd; /* a bound socket that never listens: connections are refused */
	char dir[64];
	char log[128];
	char base[64];
	char closed_base[64];
};

static struct fake fk = {.pid = -1, .out_fd = -1, .closed_fd = -1};

/* ---- finding and starting fakegen.py ---------------------------------------- */

static int readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* tests/tools/fakegen.py from $IMAGIER_ROOT, the current directory, or the
 * tree this binary was built in (build/rel/tests/test_gen_http). */
static int find_script(char *out, size_t n)
{
	const char *root = getenv("IMAGIER_ROOT");
	if (root && root[0]) {
		snprintf(out, n, "%s/tests/tools/fakegen.py", root);
		if (readable(out))
			return 0;
	}
	snprintf(out, n, "tests/tools/fakegen.py");
	if (readable(out))
		return 0;
	char exe[PATH_MAX - 64];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		if (up < 2)
			continue;
		snprintf(out, n, "%s/tests/tools/fakegen.py", exe);
		if (readable(out))
			return 0;
	}
	return -1;
}

/* $PYTHON, or python3 found in $PATH. */
static int find_python(char *out, size_t n)
{
	const char *env = getenv("PYTHON");
	if (env && env[0]) {
		snprintf(out, n, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t dl = strcspn(path, ":");
		snprintf(out, n, "%.*s/python3", (int)dl, path);
		if (dl && access(out, X_OK) == 0)
			return 0;
		path += dl;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* Read the first line the server prints ("listening on PORT"). */
static int read_port(int fd)
{
	char line[128];
	size_t len = 0;
	int64_t deadline = now_mono_us() + 20 * 1000000LL;
	while (len < sizeof(line) - 1 && now_mono_us() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		ssize_t got = read(fd, line + len, 1);
		if (got <= 0)
			return -1;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	int port = 0;
	if (sscanf(line, "listening on %d", &port) != 1 || port <= 0 || port > 65535)
		return -1;
	return port;
}

/* A port on 127.0.0.1 where nothing listens: bound, never listening. */
static int closed_port(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	return ntohs(a.sin_port);
}

static int group_setup(void **state)
{
	char script[PATH_MAX], python[PATH_MAX];
	int fds[2];
	if (find_python(python, sizeof(python)) < 0) {
		print_error(
		    "python3 not found in PATH nor in $PYTHON: tests/tools/fakegen.py needs it\n");
		return -1;
	}
	if (find_script(script, sizeof(script)) < 0) {
		print_error("tests/tools/fakegen.py not found (set IMAGIER_ROOT)\n");
		return -1;
	}
	snprintf(fk.dir, sizeof(fk.dir), "/tmp/test_gen_http.XXXXXX");
	if (!mkdtemp(fk.dir))
		return -1;
	snprintf(fk.log, sizeof(fk.log), "%s/requests.jsonl", fk.dir);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fk.pid = fork();
	if (fk.pid < 0)
		return -1;
	if (fk.pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl(python, python, script, "--port", "0", "--key", KEY, "--log", fk.log,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fk.out_fd = fds[0];
	int port = read_port(fk.out_fd);
	if (port < 0) {
		print_error("%s %s did not say \"listening on PORT\"\n", python, script);
		return -1;
	}
	snprintf(fk.base, sizeof(fk.base), "http://127.0.0.1:%d/", port);
	int cport = closed_port(&fk.closed_fd);
	if (cport < 0)
		return -1;
	snprintf(fk.closed_base, sizeof(fk.closed_base), "http://127.0.0.1:%d", cport);
	return 0;
}

static int group_teardown(void **state)
{
	if (fk.pid > 0) {
		kill(fk.pid, SIGTERM);
		waitpid(fk.pid, NULL, 0);
		fk.pid = -1;
	}
	if (fk.out_fd >= 0)
		close(fk.out_fd);
	if (fk.closed_fd >= 0)
		close(fk.closed_fd);
	if (fk.log[0])
		unlink(fk.log);
	if (fk.dir[0])
		rmdir(fk.dir);
	return 0;
}

/* ---- helpers --------------------------------------------------------------- */

static struct gen_http_config cfg(void)
{
	struct gen_http_config c = {
	    .base_url = fk.base,
	    .api_key = KEY,
	    .model = "",
	    .connect_timeout_ms = 2000,
	    .timeout_ms = 20000,
	    .max_response = 32u << 20,
	    .steps = 20,
	    .sampler = "DPM++ 2M",
	};
	return c;
}

static struct gen_params params(const char *prompt)
{
	struct gen_params p = {
	    .prompt = prompt,
	    .negative_prompt = "",
	    .seed = 42,
	    .width = 512,
	    .height = 384,
	    .style = "",
	};
	return p;
}

/* The whole request log; *lines gets the number of requests in it. */
static char *read_log(int *lines)
{
	struct buf b = {0};
	char chunk[65536];
	size_t got;
	FILE *f = fopen(fk.log, "rb");
	while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, got);
	if (f)
		fclose(f);
	*lines = 0;
	for (size_t i = 0; i < b.len; i++)
		*lines += b.data[i] == '\n';
	return b.data ? b.data : xcalloc(1, 1);
}

static int log_count(void)
{
	int n;
	free(read_log(&n));
	return n;
}

/* The last request the server logged, parsed. */
static cJSON *last_request(void)
{
	int n;
	char *all = read_log(&n);
	size_t len = strlen(all);
	while (len > 0 && all[len - 1] == '\n')
		all[--len] = '\0';
	char *start = strrchr(all, '\n');
	cJSON *j = cJSON_Parse(start ? start + 1 : all);
	free(all);
	assert_non_null(j);
	return j;
}

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double get_num(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* res holds a PNG that libgd decodes to w x h pixels. */
static void assert_png(const struct gen_result *r, int w, int h)
{
	assert_non_null(r->data);
	assert_true(r->len > 8);
	assert_memory_equal(r->data, "\x89PNG\r\n\x1a\n", 8);
	gdImagePtr im = gdImageCreateFromPngPtr((int)r->len, r->data);
	assert_non_null(im);
	assert_int_equal(gdImageSX(im), w);
	assert_int_equal(gdImageSY(im), h);
	gdImageDestroy(im);
}

/* A failure with words in the error, transient or not, and no image. */
static void assert_failed(int rc, const struct gen_result *r, int transient, const char *words)
{
	if (rc != -1 || !strstr(r->error, words) || r->transient != transient)
		print_error("rc %d, transient %d, error \"%s\"\n", rc, r->transient, r->error);
	assert_int_equal(rc, -1);
	assert_null(r->data);
	assert_int_equal(r->len, 0);
	assert_int_equal(r->transient, transient);
	assert_non_null(strstr(r->error, words));
	for (const char *s = r->error; *s; s++)
		assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
}

/* An encoded test image made with libgd (freed with gdFree). */
static unsigned char *make_image(int jpeg, size_t *len)
{
	gdImagePtr im = gdImageCreateTrueColor(64, 48);
	gdImageFilledRectangle(im, 0, 0, 63, 47, gdTrueColor(200, 40, 90));
	int n = 0;
	void *d = jpeg ? gdImageJpegPtr(im, &n, 80) : gdImagePngPtr(im, &n);
	gdImageDestroy(im);
	assert_non_null(d);
	*len = (size_t)n;
	return d;
}

typedef int (*backend_fn)(const struct gen_http_config *, const struct gen_params *,
			  struct gen_result *);

/* Run one backend on prompt with config c; returns rc, fills *r. */
static int run(backend_fn fn, const struct gen_http_config *c, const char *prompt,
	       struct gen_result *r)
{
	struct gen_params p = params(prompt);
	return fn(c, &p, r);
}

/* ---- openai ---------------------------------------------------------------- */

static void test_openai_generate(void **state)
{
	struct gen_http_config c = cfg();
	c.model = "my-model";
	struct gen_params p = params("a red fox");
	p.negative_prompt = "blurry";
	p.style = "watercolor";
	struct gen_result r;
	assert_int_equal(gen_openai(&c, &p, &r), 0);
	assert_png(&r, 512, 384);
	assert_string_equal(r.model, "my-model");
	assert_string_equal(r.error, "");
	free(r.data);

	cJSON *q = last_request();
	assert_string_equal(get_str(q, "path"), "/v1/images/generations");
	assert_string_equal(get_str(q, "auth"), "ok");
	const cJSON *h = get(q, "headers");
	assert_string_equal(get_str(h, "Authorization"), "Bearer [ok]");
	assert_string_equal(get_str(h, "Content-Type"), "application/json");
	assert_null(get(h, "Expect"));
	assert_null(get(h, "Accept-Encoding"));
	const cJSON *j = get(q, "json");
	assert_string_equal(get_str(j, "prompt"), "a red fox Avoid: blurry, style: watercolor");
	assert_string_equal(get_str(j, "model"), "my-model");
	assert_string_equal(get_str(j, "size"), "512x384");
	assert_string_equal(get_str(j, "response_format"), "b64_json");
	assert_true(get_num(j, "n") == 1);
	cJSON_Delete(q);
}

static void test_openai_default_model(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_int_equal(run(gen_openai, &c, "a lighthouse", &r), 0);
	assert_png(&r, 512, 384);
	assert_string_equal(r.model, "openai");
	free(r.data);
	cJSON *q = last_request();
	const cJSON *j = get(q, "json");
	assert_null(get(j, "model"));
	assert_string_equal(get_str(j, "prompt"), "a lighthouse");
	cJSON_Delete(q);
}

static void edit_with(int jpeg)
{
	struct gen_http_config c = cfg();
	c.model = "edit-model";
	size_t plen;
	unsigned char *parent = make_image(jpeg, &plen);
	struct gen_params p = params("remix me");
	p.parent_image = parent;
	p.parent_len = plen;
	p.parent_prompt = "the original";
	p.parent_seed = 7;
	struct gen_result r;
	assert_int_equal(gen_openai(&c, &p, &r), 0);
	assert_png(&r, 512, 384);
	free(r.data);
	gdFree(parent);

	cJSON *q = last_request();
	assert_string_equal(get_str(q, "path"), "/v1/images/edits");
	assert_string_equal(get_str(q, "auth"), "ok");
	assert_non_null(strstr(get_str(get(q, "headers"), "Content-Type"), "multipart/form-data"));
	const cJSON *img = get(get(q, "files"), "image");
	assert_non_null(img);
	assert_string_equal(get_str(img, "kind"), jpeg ? "jpeg" : "png");
	assert_string_equal(get_str(img, "type"), jpeg ? "image/jpeg" : "image/png");
	assert_string_equal(get_str(img, "filename"), jpeg ? "parent.jpg" : "parent.png");
	assert_true(get_num(img, "size") == (double)plen);
	const cJSON *f = get(q, "fields");
	assert_string_equal(get_str(f, "prompt"), "remix me");
	assert_string_equal(get_str(f, "model"), "edit-model");
	assert_string_equal(get_str(f, "n"), "1");
	assert_string_equal(get_str(f, "size"), "512x384");
	assert_string_equal(get_str(f, "response_format"), "b64_json");
	cJSON_Delete(q);
}

static void test_openai_edit(void **state)
{
	edit_with(0);
	edit_with(1);
}

static void test_openai_edit_bad_parent(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_params p = params("remix me");
	p.parent_image = (const unsigned char *)"GIF89a not supported";
	p.parent_len = 20;
	struct gen_result r;
	int before = log_count();
	assert_failed(gen_openai(&c, &p, &r), &r, 0, "not a PNG, JPEG or WebP");
	assert_int_equal(log_count(), before); /* nothing was sent */
}

static void test_openai_no_key(void **state)
{
	struct gen_http_config c = cfg();
	c.api_key = "";
	struct gen_result r;
	assert_failed(run(gen_openai, &c, "no key", &r), &r, 0, "API key");
	cJSON *q = last_request();
	assert_string_equal(get_str(q, "auth"), "none");
	assert_null(get(get(q, "headers"), "Authorization"));
	cJSON_Delete(q);
}

static void test_openai_wrong_key(void **state)
{
	struct gen_http_config c = cfg();
	c.api_key = WRONG_KEY;
	struct gen_result r;
	/* fakegen quotes the key it got in its message, as OpenAI does in part */
	assert_failed(run(gen_openai, &c, "wrong key", &r), &r, 0, "refused our API key");
	assert_null(strstr(r.error, WRONG_KEY));
	assert_null(strstr(r.error, "sk-"));
	cJSON *q = last_request();
	assert_string_equal(get_str(q, "auth"), "wrong");
	assert_string_equal(get_str(get(q, "headers"), "Authorization"), "Bearer [wrong]");
	cJSON_Delete(q);

	c = cfg();
	assert_failed(run(gen_openai, &c, "[badkey]", &r), &r, 0, "API key");
	assert_null(strstr(r.error, KEY));
}

static void test_openai_statuses(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_failed(run(gen_openai, &c, "[fail:500]", &r), &r, 1, "HTTP 500");
	assert_failed(run(gen_openai, &c, "[fail:503]", &r), &r, 1, "HTTP 503");
	assert_failed(run(gen_openai, &c, "[fail:429]", &r), &r, 1, "busy");
	assert_failed(run(gen_openai, &c, "[quota]", &r), &r, 0, "quota");
	assert_failed(run(gen_openai, &c, "[fail:400]", &r), &r, 0,
		      "the image service refused the prompt: fake failure 400 for this prompt");
	assert_failed(run(gen_openai, &c, "[fail:422]", &r), &r, 0, "fake failure 422");
	assert_failed(run(gen_openai, &c, "[fail:404]", &r), &r, 0, "HTTP 404");
	assert_failed(run(gen_openai, &c, "[redirect]", &r), &r, 0, "redirected elsewhere");
	assert_failed(run(gen_openai, &c, "[close]", &r), &r, 1, "closed the connection");
}

static void test_openai_not_images(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	const char *what = "something that is not an image";
	assert_failed(run(gen_openai, &c, "[garbage]", &r), &r, 0, what);
	assert_failed(run(gen_openai, &c, "[notimage]", &r), &r, 0, what);
	assert_failed(run(gen_openai, &c, "[badb64]", &r), &r, 0, what);
	/* a JPEG is an image too */
	assert_int_equal(run(gen_openai, &c, "[jpeg]", &r), 0);
	assert_non_null(r.data);
	assert_int_equal(r.data[0], 0xff);
	assert_int_equal(r.data[1], 0xd8);
	free(r.data);
}

static void test_openai_messages_sanitized(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_failed(run(gen_openai, &c, "[ctlmsg]", &r), &r, 0,
		      "refused the prompt: bad prompt second line [31m red");
	assert_failed(run(gen_openai, &c, "[longmsg]", &r), &r, 0, "refused the prompt: long xxx");
	assert_true(strlen(r.error) < 220);
	assert_non_null(strstr(r.error, "xxx..."));
}

static void test_openai_url(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_int_equal(run(gen_openai, &c, "[url] a boat", &r), 0);
	assert_png(&r, 512, 384);
	free(r.data);
	cJSON *q = last_request();
	assert_string_equal(get_str(q, "method"), "GET");
	assert_non_null(strstr(get_str(q, "path"), "/files/"));
	cJSON_Delete(q);

	int before = log_count();
	assert_failed(run(gen_openai, &c, "[url-elsewhere] a boat", &r), &r, 0, "another server");
	assert_int_equal(log_count(), before + 1); /* the POST, no GET elsewhere */
	q = last_request();
	assert_string_equal(get_str(q, "method"), "POST");
	cJSON_Delete(q);
}

static void test_openai_flaky(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_failed(run(gen_openai, &c, "[flaky:2] a kite", &r), &r, 1, "HTTP 503");
	assert_failed(run(gen_openai, &c, "[flaky:2] a kite", &r), &r, 1, "HTTP 503");
	assert_int_equal(run(gen_openai, &c, "[flaky:2] a kite", &r), 0);
	assert_png(&r, 512, 384);
	free(r.data);
}

/* ---- both backends: transport failures ------------------------------------- */

static void huge_for(backend_fn fn)
{
	struct gen_http_config c = cfg();
	c.max_response = 4u << 20;
	struct gen_result r;
	int64_t t0 = now_mono_us();
	assert_failed(run(fn, &c, "[huge]", &r), &r, 0, "sent more than 4 MB");
	assert_failed(run(fn, &c, "[hugecl]", &r), &r, 0, "sent more than 4 MB");
	assert_true(now_mono_us() - t0 < 10 * 1000000LL);
}

static void test_huge(void **state)
{
	huge_for(gen_openai);
	huge_for(gen_a1111);
}

static void test_slow(void **state)
{
	backend_fn fns[] = {gen_openai, gen_a1111};
	for (size_t i = 0; i < ARRAY_LEN(fns); i++) {
		struct gen_http_config c = cfg();
		c.timeout_ms = 1000;
		struct gen_result r;
		int64_t t0 = now_mono_us();
		assert_failed(run(fns[i], &c, "[slow:3] a snail", &r), &r, 1,
			      "did not answer in time");
		int64_t took = now_mono_us() - t0;
		assert_true(took >= 900000 && took < 2000000);
	}
}

static void test_refused(void **state)
{
	backend_fn fns[] = {gen_openai, gen_a1111};
	for (size_t i = 0; i < ARRAY_LEN(fns); i++) {
		struct gen_http_config c = cfg();
		c.base_url = fk.closed_base;
		struct gen_result r;
		int64_t t0 = now_mono_us();
		assert_failed(run(fns[i], &c, "anything", &r), &r, 1, "could not be reached");
		assert_true(now_mono_us() - t0 < 2000000);
	}
}

static void test_bad_base_url(void **state)
{
	struct gen_http_config c = cfg();
	c.base_url = "ftp://127.0.0.1";
	struct gen_result r;
	assert_failed(run(gen_openai, &c, "anything", &r), &r, 0, "address is not valid");
}

/* ---- a1111 ----------------------------------------------------------------- */

static void test_a1111_txt2img(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_params p = params("a castle");
	p.negative_prompt = "blurry, lowres";
	p.seed = (1ull << 32) + 5;
	struct gen_result r;
	assert_int_equal(gen_a1111(&c, &p, &r), 0);
	assert_png(&r, 512, 384);
	assert_string_equal(r.model, "fake-sd-15"); /* from info's sd_model_name */
	free(r.data);

	cJSON *q = last_request();
	assert_string_equal(get_str(q, "path"), "/sdapi/v1/txt2img");
	assert_string_equal(get_str(q, "auth"), "ok");
	const cJSON *j = get(q, "json");
	assert_string_equal(get_str(j, "prompt"), "a castle");
	assert_string_equal(get_str(j, "negative_prompt"), "blurry, lowres");
	assert_true(get_num(j, "seed") == 5);
	assert_true(get_num(j, "steps") == 20);
	assert_string_equal(get_str(j, "sampler_name"), "DPM++ 2M");
	assert_true(get_num(j, "width") == 512);
	assert_true(get_num(j, "height") == 384);
	assert_true(get_num(j, "batch_size") == 1);
	assert_true(get_num(j, "n_iter") == 1);
	assert_null(get(j, "override_settings"));
	assert_null(get(j, "init_images"));
	cJSON_Delete(q);

	p.seed = UINT64_MAX;
	assert_int_equal(gen_a1111(&c, &p, &r), 0);
	free(r.data);
	q = last_request();
	assert_true(get_num(get(q, "json"), "seed") == 4294967295.0);
	cJSON_Delete(q);
}

static void test_a1111_model_and_style(void **state)
{
	struct gen_http_config c = cfg();
	c.model = "dreamshaper_8";
	struct gen_params p = params("a castle");
	p.style = "watercolor";
	struct gen_result r;
	assert_int_equal(gen_a1111(&c, &p, &r), 0);
	assert_string_equal(r.model, "dreamshaper_8");
	free(r.data);
	cJSON *q = last_request();
	const cJSON *j = get(q, "json");
	assert_string_equal(get_str(get(j, "override_settings"), "sd_model_checkpoint"),
			    "dreamshaper_8");
	assert_string_equal(get_str(j, "prompt"), "a castle, watercolor");
	cJSON_Delete(q);
}

static void test_a1111_img2img(void **state)
{
	struct gen_http_config c = cfg();
	size_t plen;
	unsigned char *parent = make_image(0, &plen);
	struct gen_params p = params("a castle at night");
	p.negative_prompt = "people";
	p.seed = 1234;
	p.parent_image = parent;
	p.parent_len = plen;
	struct gen_result r;
	assert_int_equal(gen_a1111(&c, &p, &r), 0);
	assert_png(&r, 512, 384);
	free(r.data);

	cJSON *q = last_request();
	assert_string_equal(get_str(q, "path"), "/sdapi/v1/img2img");
	const cJSON *j = get(q, "json");
	const cJSON *init = get(j, "init_images");
	assert_int_equal(cJSON_GetArraySize(init), 1);
	assert_string_equal(get_str(cJSON_GetArrayItem(init, 0), "kind"), "png");
	assert_true(get_num(cJSON_GetArrayItem(init, 0), "bytes") == (double)plen);
	assert_true(get_num(j, "denoising_strength") == 0.6);
	assert_string_equal(get_str(j, "negative_prompt"), "people");
	assert_true(get_num(j, "seed") == 1234);
	assert_true(get_num(j, "steps") == 20);
	assert_string_equal(get_str(j, "sampler_name"), "DPM++ 2M");
	cJSON_Delete(q);
	gdFree(parent);
}

static void test_a1111_errors(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	assert_failed(run(gen_a1111, &c, "[fail:500]", &r), &r, 1,
		      "failed (HTTP 500): RuntimeError: fake failure 500");
	assert_failed(run(gen_a1111, &c, "[fail:429]", &r), &r, 1, "busy");
	assert_failed(run(gen_a1111, &c, "[fail:422]", &r), &r, 0,
		      "refused the prompt: prompt: fake failure 422");
	assert_failed(run(gen_a1111, &c, "[fail:400]", &r), &r, 0,
		      "refused the prompt: fake failure 400");
	const char *what = "something that is not an image";
	assert_failed(run(gen_a1111, &c, "[garbage]", &r), &r, 0, what);
	assert_failed(run(gen_a1111, &c, "[notimage]", &r), &r, 0, what);
	assert_failed(run(gen_a1111, &c, "[badb64]", &r), &r, 0, what);
	assert_failed(run(gen_a1111, &c, "[redirect]", &r), &r, 0, "redirected");
}

static void test_a1111_auth(void **state)
{
	struct gen_http_config c = cfg();
	struct gen_result r;
	c.api_key = "user:hunter2";
	assert_failed(run(gen_a1111, &c, "a castle", &r), &r, 0, "refused our API key");
	assert_null(strstr(r.error, "hunter2"));
	cJSON *q = last_request();
	assert_string_equal(get_str(get(q, "headers"), "Authorization"), "Basic [wrong]");
	cJSON_Delete(q);

	c.api_key = "";
	assert_failed(run(gen_a1111, &c, "a castle", &r), &r, 0, "API key");
	q = last_request();
	assert_null(get(get(q, "headers"), "Authorization"));
	cJSON_Delete(q);
}

/* ---- parsers, without a server ---------------------------------------------- */

static char *b64_of(const unsigned char *d, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(n);
	sodium_bin2base64(s, n, d, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static int parse_openai(const char *body, struct gen_result *r, char **url)
{
	memset(r, 0, sizeof(*r));
	return gen_openai_parse((const unsigned char *)body, strlen(body), 1 << 20, r, url);
}

static void test_parse_openai(void **state)
{
	size_t plen;
	unsigned char *png = make_image(0, &plen);
	char *b64 = b64_of(png, plen);
	size_t blen = strlen(b64);
	char *body = xmalloc(blen + 200);
	struct gen_result r;
	char *url;

	snprintf(body, blen + 200, "{\"created\":1,\"data\":[{\"b64_json\":\"%s\"}]}", b64);
	assert_int_equal(parse_openai(body, &r, &url), 0);
	assert_int_equal(r.len, plen);
	assert_memory_equal(r.data, png, plen);
	free(r.data);

	/* a data: URL, line breaks, no padding */
	while (blen > 0 && b64[blen - 1] == '=')
		b64[--blen] = '\0';
	snprintf(body, blen + 200,
		 "{\"data\":[{\"b64_json\":\"data:image/png;base64,%.40s\\r\\n%s\"}]}", b64,
		 b64 + 40);
	assert_int_equal(parse_openai(body, &r, &url), 0);
	assert_memory_equal(r.data, png, plen);
	free(r.data);

	assert_int_equal(parse_openai("{\"data\":[{\"url\":\"/files/a.png\"}]}", &r, &url), 1);
	assert_string_equal(url, "/files/a.png");
	free(url);

	const char *bad[] = {"",
			     "{}",
			     "[]",
			     "{\"data\":[]}",
			     "{\"data\":{\"b64_json\":\"x\"}}",
			     "{\"data\":[{\"b64_json\":12}]}",
			     "{\"data\":[{\"b64_json\":\"\"}]}",
			     "{\"data\":[{\"b64_json\":\"aGVsbG8=\"}]}",
			     "{\"data\":[]} trailing"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(parse_openai(bad[i], &r, &url), -1);
		assert_null(r.data);
		assert_null(url);
		assert_int_equal(r.transient, 0);
		assert_non_null(strstr(r.error, "not an image"));
	}

	/* the decoded image is capped */
	memset(&r, 0, sizeof(r));
	assert_int_equal(gen_http_decode_image(b64, blen, plen - 1, &r), -1);
	assert_non_null(strstr(r.error, "larger than"));
	assert_int_equal(gen_http_decode_image(b64, blen, plen, &r), 0);
	free(r.data);

	free(body);
	free(b64);
	gdFree(png);
}

static void test_parse_a1111(void **state)
{
	size_t plen;
	unsigned char *jpg = make_image(1, &plen);
	char *b64 = b64_of(jpg, plen);
	size_t n = strlen(b64) + 300;
	char *body = xmalloc(n);
	struct gen_result r;

	snprintf(body, n,
		 "{\"images\":[\"%s\"],\"parameters\":{},"
		 "\"info\":\"{\\\"sd_model_checkpoint\\\": \\\"ckpt\\\\u0007x\\\"}\"}",
		 b64);
	memset(&r, 0, sizeof(r));
	assert_int_equal(gen_a1111_parse((unsigned char *)body, strlen(body), 1 << 20, &r), 0);
	assert_memory_equal(r.data, jpg, plen);
	assert_string_equal(r.model, "ckpt x");
	free(r.data);

	snprintf(body, n, "{\"images\":[\"%s\"],\"info\":{\"sd_model_name\":\"obj\"}}", b64);
	memset(&r, 0, sizeof(r));
	assert_int_equal(gen_a1111_parse((unsigned char *)body, strlen(body), 1 << 20, &r), 0);
	assert_string_equal(r.model, "obj");
	free(r.data);

	const char *bad[] = {"{\"images\":[]}", "{\"images\":\"x\"}", "{\"images\":[null]}",
			     "{\"images\":[\"!!\"]}"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(
		    gen_a1111_parse((const unsigned char *)bad[i], strlen(bad[i]), 1 << 20, &r),
		    -1);
		assert_null(r.data);
	}
	free(body);
	free(b64);
	gdFree(jpg);
}

static void test_status_error(void **state)
{
	struct gen_result r = {0};
	const char *b = "{\"error\":{\"message\":\"prompt contains sk-abc-123\"}}";
	gen_http_status_error(400, (const unsigned char *)b, strlen(b), "sk-abc-123", &r);
	assert_null(strstr(r.error, "sk-abc"));
	assert_int_equal(r.transient, 0);
	gen_http_status_error(400, (const unsigned char *)b, strlen(b), "", &r);
	assert_non_null(strstr(r.error, "prompt contains sk-abc-123"));
	b = "{\"detail\":\"Not Found\"}";
	gen_http_status_error(404, (const unsigned char *)b, strlen(b), "", &r);
	assert_string_equal(r.error, "the image service refused the request (HTTP 404): Not Found");
	gen_http_status_error(502, NULL, 0, "", &r);
	assert_int_equal(r.transient, 1);
	gen_http_status_error(401, (const unsigned char *)b, strlen(b), "", &r);
	assert_string_equal(r.error, "the image service refused our API key (HTTP 401)");
}

static void test_sanitize(void **state)
{
	char out[12];
	gen_http_sanitize("a\x01\x02 b\n", 6, out, sizeof(out));
	assert_string_equal(out, "a b");
	gen_http_sanitize("caf\xc3\xa9 \xff ok", 11, out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9 ? ok");
	/* cut on a character boundary: "ééééé" is 10 bytes, 8 fit before "..." */
	gen_http_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 12, out, sizeof(out));
	assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
}

static void test_same_origin(void **state)
{
	char *u = gen_http_same_origin("http://127.0.0.1:7860/", "/files/a.png");
	assert_string_equal(u, "http://127.0.0.1:7860/files/a.png");
	free(u);
	u = gen_http_same_origin("http://Example.org", "http://example.org:80/x.png");
	assert_non_null(u);
	free(u);
	assert_null(gen_http_same_origin("http://127.0.0.1:7860", "http://localhost:7860/a"));
	assert_null(gen_http_same_origin("http://127.0.0.1:7860", "https://127.0.0.1:7860/a"));
	assert_null(gen_http_same_origin("http://127.0.0.1:7860", "http://127.0.0.1:7861/a"));
	assert_null(gen_http_same_origin("http://127.0.0.1", "//evil.example/a"));
	assert_null(gen_http_same_origin("http://127.0.0.1", "file:///etc/passwd"));
	assert_null(gen_http_same_origin("http://127.0.0.1", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_openai),
	    cmocka_unit_test(test_parse_a1111),
	    cmocka_unit_test(test_status_error),
	    cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_same_origin),
	    cmocka_unit_test(test_openai_generate),
	    cmocka_unit_test(test_openai_default_model),
	    cmocka_unit_test(test_openai_edit),
	    cmocka_unit_test(test_openai_edit_bad_parent),
	    cmocka_unit_test(test_openai_no_key),
	    cmocka_unit_test(test_openai_wrong_key),
	    cmocka_unit_test(test_openai_statuses),
	    cmocka_unit_test(test_openai_not_images),
	    cmocka_unit_test(test_openai_messages_sanitized),
	    cmocka_unit_test(test_openai_url),
	    cmocka_unit_test(test_openai_flaky),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_slow),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_bad_base_url),
	    cmocka_unit_test(test_a1111_txt2img),
	    cmocka_unit_test(test_a1111_model_and_style),
	    cmocka_unit_test(test_a1111_img2img),
	    cmocka_unit_test(test_a1111_errors),
	    cmocka_unit_test(test_a1111_auth),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
