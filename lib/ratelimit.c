/* ratelimit.c - counting the rate limits in memcached, with MariaDB behind
 * the critical classes (ratelimit.h). */
#include "ratelimit.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "ratelimit_math.h"
#include "util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NO_LIMIT ((size_t)-1)
#define CFG(f)	 offsetof(struct config, f)

struct rl_class {
	const char *name;
	size_t account, address; /* offsets of the int limits in struct config */
	int window;		 /* seconds */
	const char *period;	 /* the window for people: "hour" */
	const char *one, *many;	 /* what is counted: "post", "posts" */
	int critical;		 /* counted in MariaDB when memcached is down */
};

static const struct rl_class classes[] = {
    {"post", CFG(lim_post_per_hour), CFG(lim_post_per_hour_addr), 3600, "hour", "post", "posts", 0},
    {"generate", CFG(lim_generate_per_hour), CFG(lim_generate_per_hour_addr), 3600, "hour",
     "generation request", "generation requests", 0},
    {"comment", CFG(lim_comment_per_hour), CFG(lim_comment_per_hour_addr), 3600, "hour", "comment",
     "comments", 0},
    {"like", CFG(lim_like_per_hour), CFG(lim_like_per_hour_addr), 3600, "hour", "like", "likes", 0},
    {"report", CFG(lim_report_per_day), CFG(lim_report_per_day_addr), 86400, "day", "report",
     "reports", 0},
    {"follow", CFG(lim_follow_per_hour), CFG(lim_follow_per_hour_addr), 3600, "hour", "follow",
     "follows", 0},
    {"avatar", CFG(lim_avatar_per_hour), CFG(lim_avatar_per_hour_addr), 3600, "hour",
     "avatar change", "avatar changes", 0},
    {"login", NO_LIMIT, CFG(lim_login_per_5min_addr), 300, "5 minutes", "login attempt",
     "login attempts", 1},
    {"signup", NO_LIMIT, CFG(lim_signup_per_hour_addr), 3600, "hour", "signup", "signups", 1},
    {"apps", NO_LIMIT, CFG(lim_apps_per_hour_addr), 3600, "hour", "app registration",
     "app registrations", 1},
    /* ActivityPub inboxes: "address" is the signing key's host[:port] */
    {"inbox", NO_LIMIT, CFG(lim_inbox_per_min_host), 60, "minute", "activity", "activities", 0},
    /* the same, per sending address, before any signature is verified */
    {"inbox_addr", NO_LIMIT, CFG(lim_inbox_per_min_addr), 60, "minute", "activity", "activities",
     0},
};

/* One subject of a check: the account or the address. */
struct rl_subject {
	const char *id; /* "u:42", "a:192.0.2.7" */
	int64_t limit;	/* after the new-account rule */
	int young;	/* the new-account rule applied */
	const char *prev_key, *cur_key;
	uint64_t prev, cur;
};

static const struct rl_class *class_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(classes); i++)
		if (!strcmp(classes[i].name, name))
			return &classes[i];
	return NULL;
}

static int64_t cfg_limit(const struct config *cfg, size_t off)
{
	int v;
	memcpy(&v, (const char *)cfg + off, sizeof(v));
	return v;
}

static uint64_t count_of(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

static int refuse(const struct rl_class *k, const struct rl_subject *s, int64_t retry,
		  struct ratelimit_refusal *no)
{
	no->by_address = s->id[0] == 'a';
	no->young = s->young;
	no->limit = s->limit;
	no->retry = retry;
	no->period = k->period;
	no->what = s->limit == 1 ? k->one : k->many;
	log_info("ratelimit: %s refused for %s (limit %lld per %s, retry in %llds)", k->name, s->id,
		 (long long)s->limit, k->period, (long long)retry);
	return 429;
}

/* Without memcached: the same windows in MariaDB, for the critical classes.
 * Keys "rl:<class>:<subject>"; a new window clears the key's old ones. */
static int db_check(struct db *db, struct arena *a, const struct rl_class *k, struct rl_subject *s,
		    size_t n, int64_t win, int64_t elapsed, struct ratelimit_refusal *no)
{
	for (size_t i = 0; i < n; i++) {
		const char *key = arena_printf(a, "rl:%s:%s", k->name, s[i].id);
		struct db_res r;
		if (db_read(db, a, &r,
			    "SELECT win, n FROM rate_limits WHERE k = ? AND win IN (?, ?)", "sii",
			    key, win - 1, win) != DB_OK)
			return 0; /* the handler will find the database down too */
		uint64_t prev = 0, cur = 0;
		for (size_t j = 0; j < r.nrows; j++)
			*(db_int(&r, j, 0) == win ? &cur : &prev) = (uint64_t)db_int(&r, j, 1);
		int64_t retry;
		if (!rl_allow(prev, cur, s[i].limit, k->window, elapsed, &retry))
			return refuse(k, &s[i], retry, no);
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = arena_printf(a, "rl:%s:%s", k->name, s[i].id);
		struct db_res r;
		if (db_exec(db, a, &r,
			    "INSERT INTO rate_limits (k, win, n) VALUES (?, ?, 1) "
			    "ON DUPLICATE KEY UPDATE n = n + 1",
			    "si", key, win) == DB_OK &&
		    r.affected == 1)
			db_exec(db, a, NULL, "DELETE FROM rate_limits WHERE k = ? AND win < ?",
				"si", key, win - 1);
	}
	return 0;
}

/* The subjects who is counted as for class k (at most two). */
static size_t subjects(struct arena *a, const struct config *cfg, const struct rl_class *k,
		       const struct ratelimit_who *who, int64_t now, struct rl_subject *s)
{
	size_t n = 0;
	memset(s, 0, 2 * sizeof(*s));
	if (who->user_id && k->account != NO_LIMIT) {
		s[n].limit = rl_account_limit(cfg_limit(cfg, k->account), now - who->created_at,
					      (int64_t)cfg->lim_new_account_hours * 3600,
					      cfg->lim_new_account_divisor, &s[n].young);
		s[n].id = arena_printf(a, "u:%lld", (long long)who->user_id);
		if (s[n].limit > 0)
			n++;
	}
	if (k->address != NO_LIMIT && !who->no_address) {
		char addr[RL_ADDR_MAX];
		rl_addr_key(who->addr, addr, sizeof(addr));
		memset(&s[n], 0, sizeof(s[n]));
		s[n].limit = cfg_limit(cfg, k->address);
		s[n].id = arena_printf(a, "a:%s", addr);
		if (s[n].limit > 0)
			n++;
	}
	return n;
}

int ratelimit_take(struct cache *cache, struct db *db, struct arena *a, const struct config *cfg,
		   const char *klass, const struct ratelimit_who *who, struct ratelimit_refusal *no)
{
	const struct rl_class *k = class_find(klass);
	if (!k) {
		log_error("ratelimit: unknown class '%s' (routes.c)", klass);
		return 0;
	}
	if (who->exempt)
		return 0;
	int64_t now = now_unix(), win = now / k->window, elapsed = now % k->window;
	struct rl_subject s[2];
	size_t n = subjects(a, cfg, k, who, now, s);
	if (!n)
		return 0;

	const char *keys[4];
	char *vals[4];
	size_t lens[4];
	for (size_t i = 0; i < n; i++) {
		s[i].prev_key = arena_printf(a, "imagier:rl:%s:%s:%lld", k->name, s[i].id,
					     (long long)(win - 1));
		s[i].cur_key =
		    arena_printf(a, "imagier:rl:%s:%s:%lld", k->name, s[i].id, (long long)win);
		keys[2 * i] = s[i].prev_key;
		keys[2 * i + 1] = s[i].cur_key;
	}
	cache_get_multi(cache, a, keys, 2 * n, vals, lens);
	for (size_t i = 0; i < n; i++) {
		int64_t retry;
		s[i].prev = count_of(vals[2 * i]);
		s[i].cur = count_of(vals[2 * i + 1]);
		if (!rl_allow(s[i].prev, s[i].cur, s[i].limit, k->window, elapsed, &retry))
			return refuse(k, &s[i], retry, no);
	}
	int down = 0;
	/* The common case: this window's counters exist (the multi-get read
	 * them), so they are incremented without waiting for the answers. The
	 * critical classes wait: they must know when memcached fails. */
	const char *cur[2];
	size_t have = 0;
	for (size_t i = 0; i < n; i++)
		if (vals[2 * i + 1])
			cur[have++] = s[i].cur_key;
	if (!k->critical && have == n) {
		cache_incr_quiet(cache, cur, n); /* failed: memcached is down, let through */
		return 0;
	}
	/* A key lives two windows: through its own and the next, as "prev". */
	for (size_t i = 0; i < n; i++)
		if (!cache_incr(cache, s[i].cur_key, 2 * k->window))
			down = 1;
	if (down && k->critical)
		return db_check(db, a, k, s, n, win, elapsed, no);
	return 0;
}
