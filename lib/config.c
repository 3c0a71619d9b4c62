/* config.c - imagier.conf (INI) plus IMAGIER_* environment overrides. */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum ckind { C_STR, C_INT, C_LONG, C_PATH, C_SECURE, C_DOUBLE, C_BOOL };

struct ckey {
	const char *section, *key;
	enum ckind kind;
	size_t off, size;
	const char *def;
};

#define S(sec, k, field, kind, def)                                                                \
	{                                                                                          \
		sec, k, kind, offsetof(struct config, field), sizeof(((struct config *)0)->field), \
		    def                                                                            \
	}

static const struct ckey keys[] = {
    S("server", "port", port, C_INT, "8080"),
    S("server", "var", var, C_PATH, "./var"),
    S("server", "listen", listen, C_STR, "unix:%v/run/fcgi.sock"),
    S("server", "workers", workers, C_INT, "0"),
    S("server", "max_requests", max_requests, C_LONG, "10000"),
    S("server", "views", views, C_PATH, "cgi/views"),
    S("server", "sql", sql, C_PATH, "sql"),
    S("db", "socket", db_socket, C_PATH, "%v/run/mysqld.sock"),
    S("db", "host", db_host, C_STR, ""),
    S("db", "port", db_port, C_INT, "3306"),
    S("db", "name", db_name, C_STR, "imagier"),
    S("db", "user", db_user, C_STR, "imagier"),
    S("db", "password", db_password, C_STR, ""),
    S("db", "replicas", db_replicas, C_STR, ""),
    S("db", "nodes", db_nodes, C_STR, ""),
    S("db", "replica_max_lag", db_replica_max_lag, C_INT, "1"),
    S("db", "replica_wait_ms", db_replica_wait_ms, C_INT, "100"),
    S("cache", "servers", cache_servers, C_STR, "%v/run/memcached.sock"),
    S("cache", "retry", cache_retry, C_INT, "5"),
    S("media", "dir", media_dir, C_PATH, "%v/media"),
    S("media", "url", media_url, C_STR, "/media"),
    S("media", "exports", exports_dir, C_PATH, "%v/exports"),
    S("media", "max_pixels", max_pixels, C_LONG, "40000000"),
    S("media", "max_upload", max_upload, C_LONG, "20971520"),
    S("media", "min_free_mb", min_free_mb, C_LONG, "100"),
    S("site", "name", site_name, C_STR, "imagier"),
    S("site", "secret", site_secret, C_STR, ""),
    S("site", "secure_cookies", secure_cookies, C_SECURE, "auto"),
    S("site", "session_days", session_days, C_INT, "30"),
    S("site", "session_idle_days", session_idle_days, C_INT, "14"),
    S("site", "login_attempts", login_attempts, C_INT, "10"),
    S("site", "base_url", site_base_url, C_STR, "http://127.0.0.1:8080"),
    S("gen", "backends", gen_backends, C_STR, "procedural"),
    S("gen", "default", gen_default, C_STR, "procedural"),
    S("gen", "max_in_flight", gen_max_in_flight, C_INT, "3"),
    S("gen", "max_per_hour", gen_max_per_hour, C_INT, "60"),
    S("gen", "job_timeout", gen_job_timeout, C_INT, "180"),
    S("gen", "max_attempts", gen_max_attempts, C_INT, "3"),
    S("gen", "worker_id", gen_worker_id, C_STR, ""),
    S("timeline", "fanout_batch", timeline_fanout_batch, C_INT, "1000"),
    S("openai", "base_url", openai_base_url, C_STR, ""),
    S("openai", "api_key", openai_api_key, C_STR, ""),
    S("openai", "model", openai_model, C_STR, ""),
    S("openai", "timeout", openai_timeout, C_INT, "120"),
    S("a1111", "base_url", a1111_base_url, C_STR, ""),
    S("a1111", "model", a1111_model, C_STR, ""),
    S("a1111", "api_key", a1111_api_key, C_STR, ""),
    S("a1111", "steps", a1111_steps, C_INT, "25"),
    S("a1111", "sampler", a1111_sampler, C_STR, "Euler a"),
    S("a1111", "timeout", a1111_timeout, C_INT, "180"),
    S("rank", "w_like", rank_w_like, C_DOUBLE, "1.0"),
    S("rank", "w_comment", rank_w_comment, C_DOUBLE, "1.5"),
    S("rank", "w_remix", rank_w_remix, C_DOUBLE, "2.0"),
    S("rank", "half_life_hours", rank_half_life_hours, C_DOUBLE, "24"),
    S("rank", "w_author_affinity", rank_w_author_affinity, C_DOUBLE, "2.0"),
    S("rank", "w_tag_affinity", rank_w_tag_affinity, C_DOUBLE, "1.0"),
    S("rank", "w_followed_author", rank_w_followed_author, C_DOUBLE, "3.0"),
    S("rank", "w_followed_tag", rank_w_followed_tag, C_DOUBLE, "1.5"),
    S("rank", "w_remix_of_liked", rank_w_remix_of_liked, C_DOUBLE, "2.0"),
    S("rank", "w_rising", rank_w_rising, C_DOUBLE, "1.0"),
    S("rank", "w_fresh", rank_w_fresh, C_DOUBLE, "1.0"),
    S("rank", "fresh_hours", rank_fresh_hours, C_DOUBLE, "6"),
    S("rank", "less_penalty", rank_less_penalty, C_DOUBLE, "0.2"),
    S("rank", "explore_share", rank_explore_share, C_DOUBLE, "0.1"),
    S("rank", "max_per_author", rank_max_per_author, C_INT, "2"),
    S("moderation", "hold_at", mod_hold_at, C_DOUBLE, "0.9"),
    S("moderation", "flag_at", mod_flag_at, C_DOUBLE, "0.7"),
    S("moderation", "min_decisions", mod_min_decisions, C_INT, "10"),
    S("moderation", "block_distance", mod_block_distance, C_INT, "10"),
    S("moderation", "near_distance", mod_near_distance, C_INT, "6"),
    S("limits", "post_per_hour", lim_post_per_hour, C_INT, "60"),
    S("limits", "post_per_hour_addr", lim_post_per_hour_addr, C_INT, "300"),
    S("limits", "generate_per_hour", lim_generate_per_hour, C_INT, "120"),
    S("limits", "generate_per_hour_addr", lim_generate_per_hour_addr, C_INT, "600"),
    S("limits", "comment_per_hour", lim_comment_per_hour, C_INT, "120"),
    S("limits", "comment_per_hour_addr", lim_comment_per_hour_addr, C_INT, "1200"),
    S("limits", "like_per_hour", lim_like_per_hour, C_INT, "1200"),
    S("limits", "like_per_hour_addr", lim_like_per_hour_addr, C_INT, "6000"),
    S("limits", "report_per_day", lim_report_per_day, C_INT, "50"),
    S("limits", "report_per_day_addr", lim_report_per_day_addr, C_INT, "500"),
    S("limits", "follow_per_hour", lim_follow_per_hour, C_INT, "200"),
    S("limits", "follow_per_hour_addr", lim_follow_per_hour_addr, C_INT, "2000"),
    S("limits", "avatar_per_hour", lim_avatar_per_hour, C_INT, "10"),
    S("limits", "avatar_per_hour_addr", lim_avatar_per_hour_addr, C_INT, "100"),
    S("limits", "login_per_5min_addr", lim_login_per_5min_addr, C_INT, "30"),
    S("limits", "apps_per_hour_addr", lim_apps_per_hour_addr, C_INT, "30"),
    S("limits", "signup_per_hour_addr", lim_signup_per_hour_addr, C_INT, "5"),
    S("limits", "new_account_hours", lim_new_account_hours, C_INT, "24"),
    S("limits", "new_account_divisor", lim_new_account_divisor, C_INT, "4"),
    S("limits", "inbox_per_min_host", lim_inbox_per_min_host, C_INT, "600"),
    S("limits", "inbox_per_min_addr", lim_inbox_per_min_addr, C_INT, "3000"),
    S("federation", "allow_private", fed_allow_private, C_BOOL, "no"),
    S("label", "enabled", label_enabled, C_INT, "1"),
    S("label", "text", label_text, C_STR, "AI-generated"),
    S("label", "corner", label_corner, C_STR, "bottom-right"),
    S("label", "opacity", label_opacity, C_INT, "70"),
};
#undef S

static const struct ckey *key_find(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

/* Store the raw text of a value; paths and %v are resolved after loading. */
static int key_set(struct config *c, const struct ckey *k, const char *val, char *err,
		   size_t errlen)
{
	char *field = (char *)c + k->off;
	long v;
	char *end;
	switch (k->kind) {
	case C_STR:
	case C_PATH:
		if (str_copy(field, val, k->size) >= k->size) {
			snprintf(err, errlen, "%s.%s: value too long", k->section, k->key);
			return -1;
		}
		return 0;
	case C_INT:
	case C_LONG:
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < 0 || (k->kind == C_INT && v > 1000000000L)) {
			snprintf(err, errlen, "%s.%s: not a number: '%s'", k->section, k->key, val);
			return -1;
		}
		if (k->kind == C_INT)
			*(int *)field = (int)v;
		else
			*(long *)field = v;
		return 0;
	case C_DOUBLE: {
		errno = 0;
		double d = strtod(val, &end);
		if (errno || end == val || *end || d < 0 || d > 1e6) {
			snprintf(err, errlen, "%s.%s: not a number: '%s'", k->section, k->key, val);
			return -1;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	}
	case C_BOOL:
		if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
			*(int *)field = 1;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "%s.%s: expected yes or no", k->section, k->key);
			return -1;
		}
		return 0;
	case C_SECURE:
		if (!strcmp(val, "auto"))
			*(int *)field = SECURE_AUTO;
		else if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
			*(int *)field = SECURE_YES;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
			*(int *)field = SECURE_NO;
		else {
			snprintf(err, errlen, "%s.%s: expected auto, yes or no", k->section,
				 k->key);
			return -1;
		}
		return 0;
	}
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_parse_ini(struct config *c, const char *text, const char *origin, char *err,
		     size_t errlen)
{
	char section[32] = "";
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[2048];
		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long", origin, lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);
		char *s = trim(line);
		if (!*s || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] || e - s - 1 >= (long)sizeof(section)) {
				snprintf(err, errlen, "%s:%d: bad section header", origin, lineno);
				return -1;
			}
			*e = '\0';
			str_copy(section, s + 1, sizeof(section));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", origin, lineno);
			return -1;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		const struct ckey *k = key_find(section, key);
		if (!k) {
			snprintf(err, errlen, "%s:%d: unknown key %s.%s", origin, lineno, section,
				 key);
			return -1;
		}
		char kerr[256];
		if (key_set(c, k, val, kerr, sizeof(kerr))) {
			snprintf(err, errlen, "%s:%d: %s", origin, lineno, kerr);
			return -1;
		}
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct {
		char *d;
		size_t n, cap;
	} b = {NULL, 0, 0};
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.n + r + 1 > b.cap) {
			b.cap = (b.n + r + 1) * 2;
			b.d = xrealloc(b.d, b.cap);
		}
		memcpy(b.d + b.n, chunk, r);
		b.n += r;
	}
	fclose(f);
	if (!b.d)
		b.d = xstrdup("");
	else
		b.d[b.n] = '\0';
	return b.d;
}

static int load_file(struct config *c, const char *path, int required, char *err, size_t errlen)
{
	char *text = read_file(path);
	if (!text) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	int rc = config_parse_ini(c, text, path, err, errlen);
	free(text);
	return rc;
}

static int apply_env(struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		char name[96];
		snprintf(name, sizeof(name), "IMAGIER_%s_%s", keys[i].section, keys[i].key);
		for (char *q = name; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		const char *v = getenv(name);
		if (v && key_set(c, &keys[i], v, err, errlen))
			return -1;
	}
	const char *v = getenv("IMAGIER_PORT");
	if (v && *v && key_set(c, key_find("server", "port"), v, err, errlen))
		return -1;
	v = getenv("IMAGIER_VAR");
	if (v && *v && key_set(c, key_find("server", "var"), v, err, errlen))
		return -1;
	return 0;
}

/* Expand %v and make a path absolute against root. */
static int resolve(struct config *c, char *field, size_t size, int is_path)
{
	char out[CONFIG_PATH * 2] = "";
	size_t o = 0;
	for (const char *s = field; *s; s++) {
		if (s[0] == '%' && s[1] == 'v') {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", c->var);
			s++;
		} else if (o + 1 < sizeof(out)) {
			out[o++] = *s;
			out[o] = '\0';
		}
		if (o >= sizeof(out) - 1)
			return -1;
	}
	char abs[CONFIG_PATH * 3];
	if (is_path && out[0] && out[0] != '/') {
		const char *rel = out;
		if (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		snprintf(abs, sizeof(abs), "%s/%s", c->root, rel);
	} else {
		snprintf(abs, sizeof(abs), "%s", out);
	}
	return str_copy(field, abs, size) >= size ? -1 : 0;
}

int config_load(struct config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (key_set(c, &keys[i], keys[i].def, err, errlen))
			return -1;
	const char *root = getenv("IMAGIER_ROOT");
	if (root && *root)
		str_copy(c->root, root, sizeof(c->root));
	else if (!getcwd(c->root, sizeof(c->root)))
		str_copy(c->root, ".", sizeof(c->root));

	char path[CONFIG_PATH * 2];
	const char *cf = getenv("IMAGIER_CONFIG");
	if (cf && *cf) {
		if (load_file(c, cf, 1, err, errlen))
			return -1;
	} else {
		snprintf(path, sizeof(path), "%s/imagier.conf", c->root);
		if (load_file(c, path, 0, err, errlen))
			return -1;
	}
	/* The var dir may be set by the environment: find it before its file. */
	if (apply_env(c, err, errlen))
		return -1;
	if (resolve(c, c->var, sizeof(c->var), 1)) {
		snprintf(err, errlen, "server.var: path too long");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/imagier.conf", c->var);
	if (load_file(c, path, 0, err, errlen) || apply_env(c, err, errlen))
		return -1;
	if (resolve(c, c->var, sizeof(c->var), 1))
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].kind != C_PATH && keys[i].kind != C_STR)
			continue;
		if (keys[i].off == offsetof(struct config, var))
			continue;
		if (resolve(c, (char *)c + keys[i].off, keys[i].size, keys[i].kind == C_PATH)) {
			snprintf(err, errlen, "%s.%s: value too long", keys[i].section,
				 keys[i].key);
			return -1;
		}
	}
	if (c->workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = (int)(n > 0 ? 2 * n : 2);
	}
	if (c->max_requests <= 0)
		c->max_requests = 10000;
	if (strcmp(c->label_corner, "top-left") && strcmp(c->label_corner, "top-right") &&
	    strcmp(c->label_corner, "bottom-left") && strcmp(c->label_corner, "bottom-right")) {
		snprintf(err, errlen,
			 "label.corner: expected top-left, top-right, bottom-left or bottom-right");
		return -1;
	}
	if (c->label_opacity > 100 || c->label_enabled > 1) {
		snprintf(err, errlen, "label.%s: expected 0 to %d",
			 c->label_opacity > 100 ? "opacity" : "enabled",
			 c->label_opacity > 100 ? 100 : 1);
		return -1;
	}
	return 0;
}
