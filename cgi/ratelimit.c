/* ratelimit.c - per-account and per-address limits on what people do.
 *
 * Each rate-limited route names a class (routes.c: "post", "generate",
 * "comment", "like", "report", "follow", "login", "signup"). A class has a
 * limit per account and one per address ([limits] in imagier.conf; 0 turns
 * one off), each over a sliding window (lib/ratelimit_math.h) counted in
 * memcached under imagier:rl:<class>:<u|a>:<id or address>:<window number>.
 * One check costs one multi-get (both windows of both subjects) and, when
 * the request is let through, one increment per subject. Refused requests
 * are not counted, so Retry-After is right for a client that obeys it.
 *
 * - Accounts younger than new_account_hours get their per-account limits
 *   divided by new_account_divisor.
 * - Moderators and admins are not limited at all (neither their account nor
 *   their address: they must be able to act when a flood comes from the
 *   network they sit on), and their requests do not count.
 * - Anonymous requests (login, signup) only have the address; IPv6 addresses
 *   count by their /64.
 * - Without memcached, "login" and "signup" are counted in MariaDB
 *   (rate_limits, the same two windows) so that making memcached fail does
 *   not lift them; the other classes are let through (a cache outage must
 *   not stop people from liking, and those limits only guard against abuse,
 *   not against guessing passwords or mass account creation).
 *
 * A refusal is 429 rate_limited with Retry-After (seconds) and a sentence
 * saying what was limited and when to try again. */
#include "app.h"
#include "cache.h"
#include "db.h"
#include "log.h"
#include "ratelimit_math.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>
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
    {"login", NO_LIMIT, CFG(lim_login_per_5min_addr), 300, "5 minutes", "login attempt",
     "login attempts", 1},
    {"signup", NO_LIMIT, CFG(lim_signup_per_hour_addr), 3600, "hour", "signup", "signups", 1},
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

static int refuse(struct ctx *c, const struct rl_class *k, const struct rl_subject *s,
		  int64_t retry)
{
	char secs[24], when[32];
	snprintf(secs, sizeof(secs), "%lld", (long long)retry);
	rl_duration_text(retry, when, sizeof(when));
	ctx_header(c, "Retry-After", secs);
	const char *what = s->limit == 1 ? k->one : k->many;
	const char *msg;
	if (s->id[0] == 'a')
		msg = arena_printf(c->a,
				   "There have been %lld %s from your address in the last %s; "
				   "try again in %s.",
				   (long long)s->limit, what, k->period, when);
	else
		msg = arena_printf(c->a, "You have made %lld %s in the last %s; try again in %s.%s",
				   (long long)s->limit, what, k->period, when,
				   s->young ? arena_printf(c->a,
							   " New accounts have lower limits for "
							   "their first %d hours.",
							   c->app->cfg.lim_new_account_hours)
					    : "");
	log_info("ratelimit: %s refused for %s (limit %lld per %s, retry in %llds)", k->name, s->id,
		 (long long)s->limit, k->period, (long long)retry);
	return ctx_fail(c, 429, "rate_limited", msg);
}

/* Without memcached: the same windows in MariaDB, for the critical classes.
 * Keys "rl:<class>:<subject>"; a new window clears the key's old ones. */
static int db_check(struct ctx *c, const struct rl_class *k, struct rl_subject *s, size_t n,
		    int64_t win, int64_t elapsed)
{
	struct db *db = c->app->db;
	for (size_t i = 0; i < n; i++) {
		const char *key = arena_printf(c->a, "rl:%s:%s", k->name, s[i].id);
		struct db_res r;
		if (db_exec(db, c->a, &r,
			    "SELECT win, n FROM rate_limits WHERE k = ? AND win IN (?, ?)", "sii",
			    key, win - 1, win) != DB_OK)
			return 0; /* the handler will find the database down too */
		uint64_t prev = 0, cur = 0;
		for (size_t j = 0; j < r.nrows; j++)
			*(db_int(&r, j, 0) == win ? &cur : &prev) = (uint64_t)db_int(&r, j, 1);
		int64_t retry;
		if (!rl_allow(prev, cur, s[i].limit, k->window, elapsed, &retry))
			return refuse(c, k, &s[i], retry);
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = arena_printf(c->a, "rl:%s:%s", k->name, s[i].id);
		struct db_res r;
		if (db_exec(db, c->a, &r,
			    "INSERT INTO rate_limits (k, win, n) VALUES (?, ?, 1) "
			    "ON DUPLICATE KEY UPDATE n = n + 1",
			    "si", key, win) == DB_OK &&
		    r.affected == 1)
			db_exec(db, c->a, NULL, "DELETE FROM rate_limits WHERE k = ? AND win < ?",
				"si", key, win - 1);
	}
	return 0;
}

int ratelimit_check(struct ctx *c, const char *klass)
{
	const struct rl_class *k = class_find(klass);
	if (!k) {
		log_error("ratelimit: unknown class '%s' (routes.c)", klass);
		return 0;
	}
	if (ctx_is_mod(c))
		return 0;
	const struct config *cfg = &c->app->cfg;
	int64_t now = now_unix(), win = now / k->window, elapsed = now % k->window;
	struct rl_subject s[2];
	size_t n = 0;
	memset(s, 0, sizeof(s));
	if (c->me && k->account != NO_LIMIT) {
		s[n].limit = rl_account_limit(cfg_limit(cfg, k->account), now - c->me->created_at,
					      (int64_t)cfg->lim_new_account_hours * 3600,
					      cfg->lim_new_account_divisor, &s[n].young);
		s[n].id = arena_printf(c->a, "u:%lld", (long long)c->me->id);
		if (s[n].limit > 0)
			n++;
	}
	if (k->address != NO_LIMIT) {
		char addr[RL_ADDR_MAX];
		rl_addr_key(c->req->remote_addr, addr, sizeof(addr));
		memset(&s[n], 0, sizeof(s[n]));
		s[n].limit = cfg_limit(cfg, k->address);
		s[n].id = arena_printf(c->a, "a:%s", addr);
		if (s[n].limit > 0)
			n++;
	}
	if (!n)
		return 0;

	const char *keys[4];
	char *vals[4];
	size_t lens[4];
	for (size_t i = 0; i < n; i++) {
		s[i].prev_key = arena_printf(c->a, "imagier:rl:%s:%s:%lld", k->name, s[i].id,
					     (long long)(win - 1));
		s[i].cur_key =
		    arena_printf(c->a, "imagier:rl:%s:%s:%lld", k->name, s[i].id, (long long)win);
		keys[2 * i] = s[i].prev_key;
		keys[2 * i + 1] = s[i].cur_key;
	}
	cache_get_multi(c->app->cache, c->a, keys, 2 * n, vals, lens);
	for (size_t i = 0; i < n; i++) {
		int64_t retry;
		s[i].prev = count_of(vals[2 * i]);
		s[i].cur = count_of(vals[2 * i + 1]);
		if (!rl_allow(s[i].prev, s[i].cur, s[i].limit, k->window, elapsed, &retry))
			return refuse(c, k, &s[i], retry);
	}
	int down = 0;
	/* A key lives two windows: through its own and the next, as "prev". */
	for (size_t i = 0; i < n; i++)
		if (!cache_incr(c->app->cache, s[i].cur_key, 2 * k->window))
			down = 1;
	if (down && k->critical)
		return db_check(c, k, s, n, win, elapsed);
	return 0;
}
