/* apmod.c - moderating federation (apmod.h). */
#include "apmod.h"
#include "audit.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "log.h"
#include "moderator.h"
#include "util.h"
#include "withhold.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *apmod_domain_clean(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	if (!strncasecmp(s, "https://", 8))
		s += 8;
	else if (!strncasecmp(s, "http://", 7))
		s += 7;
	size_t n = strcspn(s, "/?# \t\r\n");
	/* nothing may follow but a path (of a URL) or blanks */
	const char *rest = s + n;
	if (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n') {
		for (const char *p = rest; *p; p++)
			if (!isspace((unsigned char)*p))
				return NULL;
	}
	if (!n || n > APMOD_MAX_DOMAIN)
		return NULL;
	char *d = arena_strndup(a, s, n);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *port = NULL;
	size_t hlen = n;
	if (d[0] == '[') {
		const char *close = strchr(d, ']');
		if (!close || close == d + 1)
			return NULL;
		for (const char *p = d + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return NULL;
		hlen = (size_t)(close + 1 - d);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return NULL;
	} else {
		const char *colon = strchr(d, ':');
		if (colon) {
			hlen = (size_t)(colon - d);
			port = colon + 1;
		}
		if (!hlen || d[0] == '.' || d[0] == '-' || d[hlen - 1] == '.')
			return NULL;
		for (size_t i = 0; i < hlen; i++) {
			char ch = d[i];
			if (!isalnum((unsigned char)ch) && ch != '-' && ch != '.' && ch != '_')
				return NULL;
			if (ch == '.' && d[i + 1] == '.')
				return NULL;
		}
	}
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);
		if (!*port || *end || v < 1 || v > 65535 || !isdigit((unsigned char)*port))
			return NULL;
	}
	return d;
}

/* The host part of "host[:port]" (length) and its port ("" for none). */
static size_t host_part(const char *hp, const char **port)
{
	const char *colon;
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');
		size_t n = close ? (size_t)(close + 1 - hp) : strlen(hp);
		*port = hp[n] == ':' ? hp + n + 1 : "";
		return n;
	}
	colon = strchr(hp, ':');
	*port = colon ? colon + 1 : "";
	return colon ? (size_t)(colon - hp) : strlen(hp);
}

int apmod_host_matches(const char *block, const char *hostport)
{
	const char *bport, *hport;
	size_t bn = host_part(block, &bport), hn = host_part(hostport, &hport);
	if (*bport && strcmp(bport, hport))
		return 0;
	if (hn < bn || strncasecmp(hostport + hn - bn, block, bn))
		return 0;
	/* the same host, or a subdomain of it (never "badexample.com" for
	 * "example.com") */
	return hn == bn || (block[0] != '[' && hostport[hn - bn - 1] == '.');
}

#define CANDIDATES 8

int apmod_blocked(struct db *db, struct arena *a, const char *hostport)
{
	/* the blocks that could cover it: host:port, host, and its parent
	 * domains (the shortest six: a block names a registrable domain or a
	 * host near it) */
	const char *c[CANDIDATES];
	for (int i = 0; i < CANDIDATES; i++)
		c[i] = "";
	char *hp = arena_strdup(a, hostport ? hostport : "");
	for (char *p = hp; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *port;
	size_t hn = host_part(hp, &port);
	char *host = arena_strndup(a, hp, hn);
	c[0] = hp;
	c[1] = host;
	if (host[0] != '[') {
		const char *dots[64] = {0};
		size_t nd = 0;
		for (const char *p = host; *p && nd < 64; p++)
			if (*p == '.')
				dots[nd++] = p + 1;
		/* dots[nd-1] is the top-level label alone: not a block */
		int k = 2;
		for (size_t i = nd >= 2 ? nd - 1 : 0; i-- > 0 && k < CANDIDATES;)
			c[k++] = dots[i];
	}
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT domain FROM ap_domain_blocks WHERE domain IN (?, ?, ?, ?, ?, ?, ?, ?)",
		    "ssssssss", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++)
		if (apmod_host_matches(db_str(&r, i, 0), hp))
			return 1;
	return 0;
}

int apmod_user_silenced(struct db *db, struct arena *a, int64_t user_id)
{
	struct db_res r;
	if (!user_id)
		return 0;
	if (db_read(db, a, &r,
		    "SELECT 1 FROM users WHERE id = ? AND (banned_at IS NOT NULL OR "
		    "IFNULL(suspended_until, 0) > ?)",
		    "ii", user_id, now_unix()) != DB_OK)
		return -1;
	return r.nrows ? 1 : 0;
}

/* The distinct values of column sql (one text column) that block covers. */
static int covered(struct db *db, struct arena *a, const char *sql, const char *block,
		   const char ***out, size_t *n)
{
	struct db_res r;
	if (db_exec(db, a, &r, sql, "") != DB_OK)
		return -1;
	*out = arena_alloc(a, (r.nrows + 1) * sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < r.nrows; i++)
		if (apmod_host_matches(block, db_str(&r, i, 0)))
			(*out)[(*n)++] = db_str(&r, i, 0);
	return 0;
}

/* After either: the touched posts leave (or come back to) the caches and
 * the served store. */
static void touched_forget(struct db *db, struct arena *a, struct cache *cache,
			   const char *media_dir, const char *domain, int hidden_posts)
{
	struct db_res r;
	if (db_read(
		db, a, &r,
		"SELECT DISTINCT local_id, kind = 'post' FROM ap_domain_hidden WHERE domain = ? "
		"AND kind IN ('post', 'like') LIMIT 5000",
		"s", domain) == DB_OK)
		for (size_t i = 0; i < r.nrows; i++) {
			cache_delete(cache, cachekey_post(a, db_int(&r, i, 0)));
			if (hidden_posts && db_int(&r, i, 1))
				withhold_post(db, a, media_dir, db_int(&r, i, 0));
		}
	cache_bump(cache, CACHEKEY_FEED_VERSION);
}

static int fail(struct db *db)
{
	db_rollback(db);
	return 503;
}

int apmod_block(struct db *db, struct arena *a, struct cache *cache, const char *media_dir,
		const struct mod_actor *me, const char *domain, const char *reason,
		struct apmod_counts *n)
{
	struct db_res r;
	const char **doms, **hosts;
	size_t nd, nh;
	int64_t now = now_unix();
	memset(n, 0, sizeof(*n));
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r,
		    "INSERT IGNORE INTO ap_domain_blocks (domain, reason, created_by, created_at) "
		    "VALUES (?, ?, NULLIF(?, 0), ?)",
		    "ssii", domain, reason, me->id, now) != DB_OK)
		return fail(db);
	if (r.affected != 1) {
		db_rollback(db);
		return 409;
	}
	if (covered(db, a, "SELECT DISTINCT domain FROM users WHERE domain <> ''", domain, &doms,
		    &nd))
		return fail(db);
	for (size_t i = 0; i < nd; i++) {
		struct db_res p, c, l, u;
		if (db_exec(db, a, &u, "SELECT COUNT(*) FROM users WHERE domain = ?", "s",
			    doms[i]) != DB_OK ||
		    /* their visible posts and comments: hidden, and remembered */
		    db_exec(
			db, a, &p,
			"INSERT IGNORE INTO ap_domain_hidden (domain, kind, local_id, user_id, "
			"created_at) SELECT ?, 'post', p.id, p.user_id, ? FROM posts p JOIN users "
			"u ON u.id = p.user_id WHERE u.domain = ? AND p.mod_state = 'visible'",
			"sis", domain, now, doms[i]) != DB_OK ||
		    db_exec(db, a, NULL,
			    "UPDATE posts p JOIN ap_domain_hidden h ON h.kind = 'post' AND "
			    "h.local_id = p.id AND h.domain = ? SET p.mod_state = 'hidden' WHERE "
			    "p.mod_state = 'visible'",
			    "s", domain) != DB_OK ||
		    db_exec(
			db, a, &c,
			"INSERT IGNORE INTO ap_domain_hidden (domain, kind, local_id, user_id, "
			"created_at) SELECT ?, 'comment', c.id, c.user_id, ? FROM comments c JOIN "
			"users u ON u.id = c.user_id WHERE u.domain = ? AND c.mod_state = "
			"'visible'",
			"sis", domain, now, doms[i]) != DB_OK ||
		    db_exec(db, a, NULL,
			    "UPDATE comments c JOIN ap_domain_hidden h ON h.kind = 'comment' AND "
			    "h.local_id = c.id AND h.domain = ? SET c.mod_state = 'hidden' WHERE "
			    "c.mod_state = 'visible'",
			    "s", domain) != DB_OK ||
		    /* their likes: out of likes and the counts, kept to come back */
		    db_exec(db, a, &l,
			    "INSERT IGNORE INTO ap_domain_hidden (domain, kind, local_id, user_id, "
			    "created_at) SELECT ?, 'like', l.post_id, l.user_id, l.created_at FROM "
			    "likes l JOIN users u ON u.id = l.user_id WHERE u.domain = ?",
			    "ss", domain, doms[i]) != DB_OK ||
		    db_exec(
			db, a, NULL,
			"UPDATE posts p JOIN (SELECT l.post_id, COUNT(*) AS k FROM likes l JOIN "
			"users u ON u.id = l.user_id WHERE u.domain = ? GROUP BY l.post_id) x ON "
			"x.post_id = p.id SET p.like_count = GREATEST(p.like_count, x.k) - x.k",
			"s", doms[i]) != DB_OK ||
		    db_exec(
			db, a, NULL,
			"DELETE l FROM likes l JOIN users u ON u.id = l.user_id WHERE u.domain = "
			"?",
			"s", doms[i]) != DB_OK)
			return fail(db);
		n->people += db_int(&u, 0, 0);
		n->posts += (int64_t)p.affected;
		n->comments += (int64_t)c.affected;
		n->likes += (int64_t)l.affected;
	}
	/* nothing more is sent there: its queued deliveries go */
	if (covered(db, a, "SELECT DISTINCT host FROM ap_deliveries", domain, &hosts, &nh))
		return fail(db);
	for (size_t i = 0; i < nh; i++) {
		if (db_exec(db, a, &r, "DELETE FROM ap_deliveries WHERE host = ?", "s", hosts[i]) !=
		    DB_OK)
			return fail(db);
		n->deliveries += (int64_t)r.affected;
	}
	const char *detail =
	    arena_printf(a,
			 "%s: %lld people; hidden %lld posts, %lld comments, %lld likes; %lld "
			 "deliveries dropped",
			 domain, (long long)n->people, (long long)n->posts, (long long)n->comments,
			 (long long)n->likes, (long long)n->deliveries);
	if (mod_log(db, a, me, "block_domain", "domain", 0, 0, reason,
		    arena_strndup(a, detail, strnlen(detail, 200)), 0) < 0 ||
	    db_commit(db) != DB_OK)
		return fail(db);
	log_info("apmod: %s defederated by %s: %s", domain, me->name, detail);
	touched_forget(db, a, cache, media_dir, domain, 1);
	return 0;
}

int apmod_unblock(struct db *db, struct arena *a, struct cache *cache, const char *media_dir,
		  const struct mod_actor *me, const char *domain, const char *reason,
		  struct apmod_counts *n)
{
	struct db_res r, p, c, l;
	memset(n, 0, sizeof(*n));
	if (db_begin(db) != DB_OK)
		return 503;
	if (db_exec(db, a, &r, "DELETE FROM ap_domain_blocks WHERE domain = ?", "s", domain) !=
	    DB_OK)
		return fail(db);
	if (r.affected != 1) {
		db_rollback(db);
		return 404;
	}
	/* what the block hid and nobody changed since comes back */
	if (db_exec(db, a, &p,
		    "UPDATE posts p JOIN ap_domain_hidden h ON h.kind = 'post' AND h.local_id = "
		    "p.id AND h.domain = ? SET p.mod_state = 'visible' WHERE p.mod_state = "
		    "'hidden'",
		    "s", domain) != DB_OK ||
	    db_exec(
		db, a, &c,
		"UPDATE comments c JOIN ap_domain_hidden h ON h.kind = 'comment' AND h.local_id "
		"= c.id AND h.domain = ? SET c.mod_state = 'visible' WHERE c.mod_state = "
		"'hidden'",
		"s", domain) != DB_OK ||
	    db_exec(
		db, a, NULL,
		"UPDATE posts p JOIN (SELECT h.local_id, COUNT(*) AS k FROM ap_domain_hidden h "
		"WHERE h.domain = ? AND h.kind = 'like' AND NOT EXISTS (SELECT 1 FROM likes l "
		"WHERE l.post_id = h.local_id AND l.user_id = h.user_id) GROUP BY h.local_id) x "
		"ON x.local_id = p.id SET p.like_count = p.like_count + x.k",
		"s", domain) != DB_OK ||
	    db_exec(db, a, &l,
		    "INSERT IGNORE INTO likes (post_id, user_id, created_at) SELECT h.local_id, "
		    "h.user_id, h.created_at FROM ap_domain_hidden h JOIN posts p ON p.id = "
		    "h.local_id WHERE h.domain = ? AND h.kind = 'like'",
		    "s", domain) != DB_OK)
		return fail(db);
	n->posts = (int64_t)p.affected;
	n->comments = (int64_t)c.affected;
	n->likes = (int64_t)l.affected;
	const char *detail =
	    arena_printf(a, "%s: restored %lld posts, %lld comments, %lld likes", domain,
			 (long long)n->posts, (long long)n->comments, (long long)n->likes);
	if (mod_log(db, a, me, "unblock_domain", "domain", 0, 0, reason,
		    arena_strndup(a, detail, strnlen(detail, 200)), 0) < 0 ||
	    db_commit(db) != DB_OK)
		return fail(db);
	log_info("apmod: %s federated again by %s: %s", domain, me->name, detail);
	touched_forget(db, a, cache, media_dir, domain, 1);
	db_exec(db, a, NULL, "DELETE FROM ap_domain_hidden WHERE domain = ?", "s", domain);
	return 0;
}

int apmod_list(struct db *db, struct arena *a, cJSON *items)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT b.domain, b.reason, IFNULL(u.username, ''), b.created_at FROM "
		    "ap_domain_blocks b LEFT JOIN users u ON u.id = b.created_by ORDER BY "
		    "b.created_at DESC, b.domain LIMIT ?",
		    "i", (int64_t)APMOD_LIST_MAX) != DB_OK)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "domain", db_str(&r, i, 0));
		cJSON_AddStringToObject(o, "reason", db_str(&r, i, 1));
		cJSON_AddStringToObject(o, "created_by", db_str(&r, i, 2));
		cJSON_AddNumberToObject(o, "created_at", (double)db_int(&r, i, 3));
		cJSON_AddItemToArray(items, o);
	}
	return 0;
}
