/* app.c - per-worker resources (config, database, cache, templates), the
 * helpers every handler uses to read a request and answer it, and the cache
 * key formats of sessions and pages. Uses no handler file. */
#include "apnet.h"
#include "app.h"
#include "auth.h"
#include "cache.h"
#include "db.h"
#include "image.h"
#include "json.h"
#include "log.h"
#include "render.h"
#include "social.h"
#include "util.h"
#include "procmem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>

#include <stdio.h>
#include <string.h>

int app_init(struct app *app, char *err, size_t errlen)
{
	memset(app, 0, sizeof(*app));
	if (config_load(&app->cfg, err, errlen))
		return -1;
	apnet_configure(app->cfg.fed_allow_private);
	if (auth_init()) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (!app->cfg.site_secret[0])
		log_error("site.secret is empty: set it in imagier.conf (the stack does)");
	image_quiet_warnings();
	app->views = tmpl_load_dir(app->cfg.views, err, errlen);
	if (!app->views)
		return -1;
	http_limits_default(&app->lim);
	app->lim.max_file = (size_t)app->cfg.max_upload;
	if (app->lim.max_body < app->lim.max_file + 1024 * 1024)
		app->lim.max_body = app->lim.max_file + 1024 * 1024;
	app->db = db_new(&app->cfg);
	db_use_replicas(app->db);
	app->cache = cache_new(&app->cfg);
	social_set_cache(app->cache);
	arena_init(&app->arena);
	arena_init(&app->filter_arena);
	if (db_connect(app->db) != DB_OK)
		log_error("database not reachable yet; will retry per request");
	return 0;
}

void app_free(struct app *app)
{
	social_set_cache(NULL);
	db_free(app->db);
	cache_free(app->cache);
	tmpl_free(app->views);
	arena_free(&app->arena);
	arena_free(&app->filter_arena);
	memset(app, 0, sizeof(*app));
}

/* ---- helpers handlers use ---------------------------------------------- */

struct cJSON *ctx_data(struct ctx *c)
{
	if (!c->data)
		c->data = cJSON_CreateObject();
	return c->data;
}

int ctx_is_mod(const struct ctx *c)
{
	return c->me && (!strcmp(c->me->role, "moderator") || !strcmp(c->me->role, "admin"));
}

int ctx_fail(struct ctx *c, int status, const char *code, const char *message)
{
	c->err_code = code;
	c->err_msg = message;
	return status;
}

#define DECODE_SLOTS_FILE "decode-slots.lock"

static int slots_fd(struct app *app)
{
	if (!app->slots_fd_plus1) {
		char path[PATH_MAX];
		int fd = -1;
		if (fmt_fits(snprintf(path, sizeof(path), "%s/" DECODE_SLOTS_FILE, app->cfg.var),
			     sizeof(path)))
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			log_error("uploads: cannot open %s/" DECODE_SLOTS_FILE
				  " (%s): decodes are not limited",
				  app->cfg.var, strerror(errno));
		app->slots_fd_plus1 = fd < 0 ? -1 : fd + 1;
	}
	return app->slots_fd_plus1 > 0 ? app->slots_fd_plus1 - 1 : -1;
}

static int slot_lock(int fd, int type, int slot)
{
	struct flock fl = {
	    .l_type = (short)type, .l_whence = SEEK_SET, .l_start = slot, .l_len = 1};
	return fcntl(fd, F_SETLK, &fl);
}

/* The first free one of the n slots from byte base, locked: its number
 * plus one, or 0 when every one is taken. */
static int slot_take(int fd, int base, int n)
{
	for (int i = 0; i < n; i++)
		if (slot_lock(fd, F_WRLCK, base + i) == 0)
			return i + 1;
	return 0;
}

int ctx_decode_slot(struct ctx *c)
{
	if (c->decode_slot)
		return 0;
	int fd = slots_fd(c->app);
	if (fd < 0) { /* not limited (logged when the file failed to open) */
		c->decode_slot = -1;
		procmem_pictures(1);
		return 0;
	}
	int n = c->app->cfg.workers > 1 ? c->app->cfg.workers - 1 : 1;
	if ((c->decode_slot = slot_take(fd, 0, n))) {
		procmem_pictures(1);
		return 0;
	}
	ctx_header(c, "Retry-After", "5");
	return ctx_fail(c, 503, "busy",
			"Many pictures are being processed right now; try again in a few seconds.");
}

void ctx_drop_answer(struct ctx *c, size_t keep_head)
{
	if (keep_head) {
		c->resp->head.len = keep_head;
		c->resp->head.data[keep_head] = '\0';
	} else {
		buf_reset(&c->resp->head);
	}
	buf_reset(&c->resp->body);
	if (c->data)
		cJSON_Delete(c->data);
	c->data = NULL;
	c->err_code = c->err_msg = c->location = c->raw_type = NULL;
}

int ctx_send_json(struct ctx *c, cJSON *doc, const char *type, int status)
{
	c->api = 1;
	if (c->data)
		cJSON_Delete(c->data);
	c->data = doc;
	char *s = json_print(doc);
	buf_reset(&c->resp->body);
	buf_puts(&c->resp->body, s ? s : "{}");
	free(s);
	c->raw_type = type;
	return status;
}

/* Fetch slots: bytes from here on of the same lock file. */
#define FETCH_SLOT_BASE 65536

int ctx_fetch_slot(struct ctx *c)
{
	if (c->fetch_slot)
		return 0;
	int fd = slots_fd(c->app);
	if (fd < 0) {
		c->fetch_slot = -1;
		return 0;
	}
	/* a quarter of the pool at most (one at least) waits on other servers */
	int n = c->app->cfg.workers >= 8 ? c->app->cfg.workers / 4 : 1;
	if ((c->fetch_slot = slot_take(fd, FETCH_SLOT_BASE, n)))
		return 0;
	ctx_header(c, "Retry-After", "30");
	return ctx_fail(c, 503, "busy",
			"Other servers' keys are being fetched right now; try again in a little "
			"while.");
}

void ctx_fetch_slot_give(struct ctx *c)
{
	if (c->fetch_slot > 0)
		slot_lock(slots_fd(c->app), F_UNLCK, FETCH_SLOT_BASE + c->fetch_slot - 1);
	c->fetch_slot = 0;
}

void ctx_decode_slot_give(struct ctx *c)
{
	if (!c->decode_slot)
		return;
	if (c->decode_slot > 0)
		slot_lock(slots_fd(c->app), F_UNLCK, c->decode_slot - 1);
	c->decode_slot = 0;
	procmem_pictures(0);
}

int ctx_image_fail(struct ctx *c, int st, const char *noun, const char *why)
{
	if (st == 507)
		return ctx_fail(c, 507, "disk_full",
				"The server's disk is full, so no picture can be saved now; "
				"try again later.");
	if (st >= 500)
		return ctx_fail(c, st, "storage",
				arena_printf(c->a, "Could not store the %s; try again.", noun));
	return ctx_fail(c, st,
			st == 413   ? "too_large"
			: st == 422 ? "too_complex"
				    : "bad_image",
			why);
}

int ctx_done(struct ctx *c, int api_status, const char *location)
{
	if (c->api) {
		if (location && (api_status == 201 || api_status == 202))
			ctx_header(c, "Location", location);
		return api_status;
	}
	c->location = location;
	return 303;
}

const char *ctx_param(struct ctx *c, const char *name)
{
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, name);
		return cJSON_IsString(v) ? v->valuestring : NULL;
	}
	const char *v = kv_get(&c->req->form, name);
	return v ? v : kv_get(&c->req->query, name);
}

int ctx_param_u64(struct ctx *c, const char *name, uint64_t max, uint64_t *out)
{
	if (c->req->json) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req->json, name);
		if (!v || cJSON_IsNull(v))
			return 0;
		if (cJSON_IsNumber(v)) {
			/* (double)max rounds INT64_MAX up to 2^63: compare as integers,
			 * once d is known to be a whole number a uint64_t holds. */
			double d = v->valuedouble;
			if (!(d >= 0 && d < 18446744073709551616.0) || d != (double)(uint64_t)d ||
			    (uint64_t)d > max)
				return -1;
			*out = (uint64_t)d;
			return 1;
		}
		if (!cJSON_IsString(v))
			return -1;
		return *v->valuestring ? (str_to_u64(v->valuestring, max, out) ? -1 : 1) : 0;
	}
	const char *s = ctx_param(c, name);
	if (!s || !*s)
		return 0;
	return str_to_u64(s, max, out) ? -1 : 1;
}

const struct part *ctx_file(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->req->nparts; i++)
		if (!strcmp(c->req->parts[i].name, name) && c->req->parts[i].len)
			return &c->req->parts[i];
	return NULL;
}

const char *ctx_local_path(const char *path)
{
	if (!path || path[0] != '/' || path[1] == '/')
		return NULL;
	/* Browsers drop tabs and line breaks inside a URL and read a backslash
	 * as a slash: "/\t/evil.example" would become "//evil.example". No
	 * control character and no backslash, anywhere. */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return NULL;
	return path;
}

void ctx_header(struct ctx *c, const char *name, const char *value)
{
	/* Header values are code-built; refuse CR/LF so nothing can split. */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	buf_printf(&c->resp->head, "%s: %s\r\n", name, value);
}

void ctx_cookie(struct ctx *c, const char *name, const char *value, long max_age)
{
	int secure = c->app->cfg.secure_cookies == SECURE_YES ||
		     (c->app->cfg.secure_cookies == SECURE_AUTO && c->req->https);
	const char *v = max_age < 0 ? "" : value;
	char *line = arena_printf(c->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
				  name, v, max_age < 0 ? 0 : max_age, secure ? "; Secure" : "");
	ctx_header(c, "Set-Cookie", line);
}
