/* cache.c - memcached access that degrades to "miss" when memcached is down. */
#include "cache.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <libmemcached/memcached.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

/* Invalidations owed to memcached (version bumps and deletes that failed);
 * past this many, the whole cache is flushed once it answers again. */
#define CACHE_PENDING 64

enum owed_op { OWED_BUMP, OWED_DELETE };

/* At most this many keys are remembered from one cache_prefetch. */
#define CACHE_MEMO 16

/* At most this many servers in a pool. */
#define CACHE_NODES 16

/* While a pool runs without one of its servers, what this process stores
 * lives at most this long: it lands on a stand-in server, where the next
 * loss of the same server would find it again, by then stale. */
#define CACHE_STANDIN_TTL 30

/* How long a probe of one server may take (connect, ask, answer). */
#define CACHE_PROBE_MS 300

/* Bumps and deletes to be paid later, in order of arrival. */
struct owed {
	char *key[CACHE_PENDING];
	enum owed_op op[CACHE_PENDING];
	int n;
	int flush; /* more were owed than remembered: flush_all instead */
};

/* One server of the pool, as configured ("/path.sock" or "host:port"). */
struct node {
	char name[256];
	int out;	     /* taken out of the ring after a failure */
	int64_t retry_at;    /* unix time of its next probe while out */
	int64_t returned_at; /* unix time it was last put back */
};

struct cache {
	memcached_st *mc;   /* the ring of the servers that are in */
	int retry;	    /* seconds to wait after a failure */
	int64_t down_until; /* unix time; while in the future, skip memcached */
	int logged_down;
	uint64_t hits, misses;
	struct owed owed; /* paid as soon as memcached answers */
	struct node node[CACHE_NODES];
	int nnodes, nout;
	unsigned ring_gen;	 /* counts ring rebuilds */
	int64_t lose_checked_at; /* unix time of pool_lose's last probes */
	/* One request's prefetched answers (cache_prefetch): keys and values
	 * live in that request's arena, until cache_prefetch_end. */
	struct {
		const char *key;
		char *val; /* NULL: memcached had nothing */
		size_t len;
	} memo[CACHE_MEMO];
	size_t nmemo;
};

/* The servers that are in -> a libmemcached handle hashing keys over them
 * with ketama (consistent hashing: a server's loss moves only its keys, and
 * every process and host given the same names places a key alike). */
static memcached_st *cache_connect(const struct cache *c)
{
	char conf[4096];
	size_t o = 0;
	for (int i = 0; i < c->nnodes; i++) {
		if (c->node[i].out)
			continue;
		const char *s = c->node[i].name;
		int n;
		if (s[0] == '/')
			n = snprintf(conf + o, sizeof(conf) - o, "--SOCKET=\"%s\" ", s);
		else
			n = snprintf(conf + o, sizeof(conf) - o, "--SERVER=%s ", s);
		if (n < 0 || (size_t)n >= sizeof(conf) - o)
			break;
		o += (size_t)n;
	}
	if (!o)
		return NULL;
	snprintf(conf + o, sizeof(conf) - o,
		 "--CONNECT-TIMEOUT=200 --POLL-TIMEOUT=300 --RETRY-TIMEOUT=2 --TCP-NODELAY");
	memcached_st *mc = memcached(conf, strlen(conf));
	if (!mc) {
		log_error("cache: bad memcached configuration '%s'", conf);
		return NULL;
	}
	if (c->nnodes > 1)
		memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_KETAMA, 1);
	return mc;
}

struct cache *cache_new(const struct config *cfg)
{
	struct cache *c = xcalloc(1, sizeof(*c));
	c->retry = cfg->cache_retry > 0 ? cfg->cache_retry : 5;
	char list[sizeof(cfg->cache_servers)];
	str_copy(list, cfg->cache_servers, sizeof(list));
	for (char *save = NULL, *s = strtok_r(list, ", ", &save); s && c->nnodes < CACHE_NODES;
	     s = strtok_r(NULL, ", ", &save))
		str_copy(c->node[c->nnodes++].name, s, sizeof(c->node[0].name));
	if (c->nnodes)
		c->mc = cache_connect(c);
	return c;
}

int cache_single_server(const struct cache *c)
{
	return c->mc && c->nnodes == 1;
}

static void owed_clear(struct owed *o)
{
	while (o->n)
		free(o->key[--o->n]);
	o->flush = 0;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	owed_clear(&c->owed);
	if (c->mc)
		memcached_free(c->mc);
	free(c);
}

static void note(struct cache *c, memcached_return_t rc);

/* An invalidation that failed is owed: remember it (once). When too many
 * are owed to remember, a flush of the whole cache is owed instead. (One
 * made on a stand-in while a pool server is out needs nothing more: the
 * server comes back flushed.) */
static void pending_add(struct cache *c, enum owed_op op, const char *key)
{
	struct owed *o = &c->owed;
	for (int i = 0; i < o->n; i++)
		if (o->op[i] == op && !strcmp(o->key[i], key))
			return;
	if (o->n < CACHE_PENDING) {
		o->op[o->n] = op;
		o->key[o->n++] = xstrdup(key);
	} else if (!o->flush) {
		log_error("cache: more than %d invalidations owed; memcached will be flushed "
			  "when it answers again",
			  CACHE_PENDING);
		o->flush = 1;
	}
}

/* Pay what is owed before anything else is read: a value cached before a
 * write (a post's copy, a page under the old version) must not be served
 * for its whole TTL because its delete or bump was lost while memcached
 * was unreachable, or while this process thought it was. */
static void replay(struct cache *c)
{
	struct owed *o = &c->owed;
	if (o->flush) {
		memcached_return_t rc = memcached_flush(c->mc, 0);
		if (rc != MEMCACHED_SUCCESS) {
			note(c, rc);
			return;
		}
		log_info("cache: flushed memcached (invalidations were lost while it was away)");
		owed_clear(o);
		return;
	}
	while (o->n) {
		int last = o->n - 1;
		const char *key = o->key[last];
		memcached_return_t rc;
		if (o->op[last] == OWED_DELETE) {
			rc = memcached_delete(c->mc, key, strlen(key), 0);
		} else {
			uint64_t v;
			rc = memcached_increment(c->mc, key, strlen(key), 1, &v);
		}
		if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND &&
		    rc != MEMCACHED_DELETED) {
			unsigned gen = c->ring_gen;
			note(c, rc);
			if (c->ring_gen != gen)
				continue; /* a server taken out: again, on the new ring */
			return;
		}
		free(o->key[--o->n]);
	}
}

int cache_owes(const struct cache *c)
{
	return c->mc && (c->owed.n || c->owed.flush || c->nout);
}

/* ---- the pool: servers taken out and put back ---------------------------- */

static int server_connect(const char *server, int timeout_ms);

/* Send one command to one server on a connection of its own and read the
 * first line of the answer: 1 when it starts with expect. */
static int probe(const char *server, const char *cmd, const char *expect)
{
	int fd = server_connect(server, CACHE_PROBE_MS);
	if (fd < 0)
		return 0;
	char buf[128] = {0};
	size_t len = 0;
	ssize_t n = write(fd, cmd, strlen(cmd));
	if (n == (ssize_t)strlen(cmd))
		while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len) &&
		       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += (size_t)n;
	close(fd);
	return len >= strlen(expect) && !memcmp(buf, expect, strlen(expect));
}

/* The next probe of a server that is out: on a whole multiple of retry
 * seconds, so every process and host probes, and puts it back, within the
 * same second. */
static int64_t next_probe(const struct cache *c)
{
	int64_t now = now_unix();
	return now - now % c->retry + c->retry;
}

/* The ring of the servers that are in, the old one freed: 0, or -1 (the
 * old ring kept) when libmemcached would not make one. */
static int ring_rebuild(struct cache *c)
{
	memcached_st *mc = cache_connect(c);
	if (!mc)
		return -1;
	memcached_free(c->mc);
	c->mc = mc;
	c->ring_gen++;
	return 0;
}

/* A connection failed: ask each server that is in whether it answers, and
 * take out those that do not. 1 when that is dealt with (the ring changed,
 * or all answered, or they were asked within the second: the failure is a
 * miss), 0 when the cache is to be marked down: none answers (without
 * any, the cache is down), or a server fails again within
 * CACHE_STANDIN_TTL of its return (its stand-in may still hold values
 * older than the writes made on it since). */
static int pool_lose(struct cache *c)
{
	int lost[CACHE_NODES] = {0}, nlost = 0, nin = 0;
	int64_t now = now_unix();
	if (now == c->lose_checked_at)
		return 1; /* at most once a second: a stopped server costs a probe's time */
	c->lose_checked_at = now;
	for (int i = 0; i < c->nnodes; i++) {
		if (c->node[i].out)
			continue;
		nin++;
		if (!probe(c->node[i].name, "version\r\n", "VERSION")) {
			lost[i] = 1;
			nlost++;
		}
	}
	if (!nlost)
		return 1;
	if (nlost == nin)
		return 0;
	for (int i = 0; i < c->nnodes; i++)
		if (lost[i] && now - c->node[i].returned_at < CACHE_STANDIN_TTL)
			return 0;
	for (int i = 0; i < c->nnodes; i++) {
		if (!lost[i])
			continue;
		c->node[i].out = 1;
		c->node[i].retry_at = next_probe(c);
		c->nout++;
	}
	if (ring_rebuild(c)) {
		for (int i = 0; i < c->nnodes; i++)
			if (lost[i])
				c->node[i].out = 0;
		c->nout -= nlost;
		return 0;
	}
	for (int i = 0; i < c->nnodes; i++)
		if (lost[i])
			log_error(
			    "cache: memcached %s is out of the pool; its keys go to the others",
			    c->node[i].name);
	return 1;
}

/* Probe the servers that are out and due; one that answers is flushed (what
 * it held may be older than writes made while it was out: a stand-in took
 * them) and put back. */
static void pool_return(struct cache *c)
{
	int back[CACHE_NODES] = {0}, nback = 0;
	int64_t now = now_unix();
	for (int i = 0; i < c->nnodes; i++) {
		struct node *n = &c->node[i];
		if (!n->out || now < n->retry_at)
			continue;
		if (!probe(n->name, "flush_all\r\n", "OK")) {
			n->retry_at = next_probe(c);
			continue;
		}
		n->out = 0;
		back[i] = 1;
		nback++;
	}
	if (!nback)
		return;
	if (ring_rebuild(c)) {
		for (int i = 0; i < c->nnodes; i++)
			if (back[i])
				c->node[i].out = 1;
		return;
	}
	c->nout -= nback;
	for (int i = 0; i < c->nnodes; i++)
		if (back[i]) {
			c->node[i].returned_at = now;
			log_info("cache: memcached %s is back in the pool (flushed)",
				 c->node[i].name);
		}
}

void cache_settle(struct cache *c)
{
	if (!c->mc || now_unix() < c->down_until)
		return;
	if (c->nout)
		pool_return(c);
	if (c->owed.n || c->owed.flush)
		replay(c);
}

static int usable(struct cache *c)
{
	cache_settle(c);
	return c->mc && now_unix() >= c->down_until;
}

/* What a store's TTL becomes: capped while a server is out. */
static time_t ttl_of(const struct cache *c, int ttl)
{
	if (c->nout && (ttl <= 0 || ttl > CACHE_STANDIN_TTL))
		return CACHE_STANDIN_TTL;
	return (time_t)ttl;
}

/* Connection-level failures take a pool's server out, or mark memcached
 * down for a while. */
static void note(struct cache *c, memcached_return_t rc)
{
	/* memcached answered, even if it refused (an incr of a value that is
	 * not a number, a value too big, a bad key): it is up. Only a lost
	 * connection or a timeout marks it down. */
	if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND || rc == MEMCACHED_NOTSTORED ||
	    rc == MEMCACHED_DATA_EXISTS || rc == MEMCACHED_STORED || rc == MEMCACHED_DELETED ||
	    rc == MEMCACHED_BUFFERED || rc == MEMCACHED_END || rc == MEMCACHED_CLIENT_ERROR ||
	    rc == MEMCACHED_E2BIG || rc == MEMCACHED_BAD_KEY_PROVIDED ||
	    rc == MEMCACHED_NO_KEY_PROVIDED || rc == MEMCACHED_INVALID_ARGUMENTS) {
		if (c->logged_down)
			log_info("cache: memcached is back");
		c->logged_down = 0;
		return;
	}
	if (c->nnodes > 1 && pool_lose(c))
		return;
	c->down_until = now_unix() + c->retry;
	if (!c->logged_down)
		log_error("cache: memcached unavailable (%s), serving without it",
			  memcached_strerror(c->mc, rc));
	c->logged_down = 1;
}

/* Where key's prefetched answer is, or c->nmemo when it was not prefetched. */
static size_t memo_at(const struct cache *c, const char *key)
{
	size_t i = 0;
	while (i < c->nmemo && strcmp(c->memo[i].key, key))
		i++;
	return i;
}

/* The prefetched answer for key: 1 and *val (NULL for a miss), or 0 when
 * it was not prefetched. */
static int memo_find(const struct cache *c, const char *key, char **val, size_t *len)
{
	size_t i = memo_at(c, key);
	if (i == c->nmemo)
		return 0;
	*val = c->memo[i].val;
	*len = c->memo[i].len;
	return 1;
}

/* A write to key: its prefetched answer no longer holds. */
static void memo_forget(struct cache *c, const char *key)
{
	size_t i = memo_at(c, key);
	if (i < c->nmemo)
		c->memo[i] = c->memo[--c->nmemo];
}

int cache_get(struct cache *c, struct arena *a, const char *key, char **val, size_t *len)
{
	if (memo_find(c, key, val, len)) {
		if (!*val) {
			c->misses++;
			return -1;
		}
		*val = arena_strndup(a, *val, *len); /* the caller's own copy */
		c->hits++;
		return 0;
	}
	if (!usable(c)) {
		c->misses++;
		return -1;
	}
	size_t n = 0;
	uint32_t flags = 0;
	memcached_return_t rc;
	char *v = memcached_get(c->mc, key, strlen(key), &n, &flags, &rc);
	note(c, rc);
	if (!v) {
		c->misses++;
		return -1;
	}
	*val = arena_strndup(a, v, n);
	*len = n;
	free(v);
	c->hits++;
	return 0;
}

size_t cache_get_multi(struct cache *c, struct arena *a, const char *const *keys, size_t n,
		       char **vals, size_t *lens)
{
	memset(vals, 0, n * sizeof(*vals));
	if (!n)
		return 0;
	/* Keys this request prefetched are answered from that (a prefetched
	 * miss stays one); only the others are asked for. */
	size_t hits = 0, nask = 0;
	const char **ask = arena_alloc(a, n * sizeof(*ask));
	size_t *at = arena_alloc(a, n * sizeof(*at));
	for (size_t i = 0; i < n; i++) {
		char *mv;
		size_t ml;
		if (!memo_find(c, keys[i], &mv, &ml)) {
			at[nask] = i;
			ask[nask++] = keys[i];
		} else if (mv) {
			vals[i] = arena_strndup(a, mv, ml);
			lens[i] = ml;
			hits++;
		}
	}
	if (!nask || !usable(c)) {
		c->hits += hits;
		c->misses += n - hits;
		return hits;
	}
	size_t *klen = arena_alloc(a, nask * sizeof(*klen));
	for (size_t j = 0; j < nask; j++)
		klen[j] = strlen(ask[j]);
	memcached_return_t rc = memcached_mget(c->mc, ask, klen, nask);
	note(c, rc);
	if (rc != MEMCACHED_SUCCESS) {
		c->hits += hits;
		c->misses += n - hits;
		return hits;
	}
	/* One result reused for every key (its value buffer grows once), not
	 * one allocated per key. */
	memcached_result_st one, *res, *reuse = memcached_result_create(c->mc, &one);
	while ((res = memcached_fetch_result(c->mc, reuse, &rc)) != NULL) {
		const char *k = memcached_result_key_value(res);
		size_t kl = memcached_result_key_length(res);
		for (size_t j = 0; j < nask; j++) {
			size_t i = at[j];
			if (!vals[i] && klen[j] == kl && !memcmp(ask[j], k, kl)) {
				lens[i] = memcached_result_length(res);
				vals[i] = arena_strndup(a, memcached_result_value(res), lens[i]);
				hits++;
				break;
			}
		}
		if (!reuse)
			memcached_result_free(res);
	}
	if (reuse)
		memcached_result_free(reuse);
	c->hits += hits;
	c->misses += n - hits;
	return hits;
}

size_t cache_prefetch(struct cache *c, struct arena *a, const char *const *keys, size_t n,
		      char **vals, size_t *lens)
{
	c->nmemo = 0; /* replaces any earlier read-ahead: all are asked for */
	size_t hits = cache_get_multi(c, a, keys, n, vals, lens);
	if (!usable(c))
		return hits; /* nothing known: later reads find memcached down too */
	for (size_t i = 0; i < n && c->nmemo < CACHE_MEMO; i++) {
		c->memo[c->nmemo].key = keys[i];
		c->memo[c->nmemo].val = vals[i];
		c->memo[c->nmemo++].len = vals[i] ? lens[i] : 0;
	}
	return hits;
}

void cache_prefetch_end(struct cache *c)
{
	c->nmemo = 0;
}

void cache_set(struct cache *c, const char *key, const void *val, size_t len, int ttl)
{
	memo_forget(c, key);
	if (!usable(c))
		return;
	/* A cache fill: nobody waits for memcached's "STORED" (noreply); a
	 * failure shows on the next read and marks memcached down then. */
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
	memcached_return_t rc = memcached_set(c->mc, key, strlen(key), val, len, ttl_of(c, ttl), 0);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 0);
	note(c, rc);
}

void cache_drop(struct cache *c, const char *key)
{
	memo_forget(c, key);
	if (!usable(c))
		return;
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
	memcached_return_t rc = memcached_delete(c->mc, key, strlen(key), 0);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 0);
	note(c, rc);
}

void cache_mark(struct cache *c, const char *key, const char *val, int ttl)
{
	/* Like a delete: tried even while marked down (memcached may be back,
	 * and other processes may be reading what it replaces), and waited
	 * for. One that fails is owed as a delete of the key: what it was to
	 * replace goes then, and the next reader finds the truth in MariaDB. */
	memo_forget(c, key);
	if (!c->mc)
		return;
	cache_settle(c);
	memcached_return_t rc =
	    memcached_set(c->mc, key, strlen(key), val, strlen(val), ttl_of(c, ttl), 0);
	note(c, rc);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_STORED)
		pending_add(c, OWED_DELETE, key);
}

void cache_add(struct cache *c, const char *key, const void *val, size_t len, int ttl)
{
	memo_forget(c, key);
	if (!usable(c))
		return;
	note(c, memcached_add(c->mc, key, strlen(key), val, len, ttl_of(c, ttl), 0));
}

void cache_delete(struct cache *c, const char *key)
{
	/* Like a bump: tried even while marked down (memcached may be back
	 * already, and other processes may be reading the old value); a delete
	 * that fails is owed, see replay(). */
	memo_forget(c, key);
	if (!c->mc)
		return;
	cache_settle(c);
	memcached_return_t rc = memcached_delete(c->mc, key, strlen(key), 0);
	note(c, rc);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_DELETED)
		pending_add(c, OWED_DELETE, key);
}

/* A version counter's value: its decimal text, 0 when it is not one. */
static uint64_t version_of(const char *v, size_t n)
{
	char tmp[24];
	uint64_t ver;
	str_copy(tmp, v, n < sizeof(tmp) ? n + 1 : sizeof(tmp));
	return str_to_u64(tmp, UINT64_MAX, &ver) == 0 ? ver : 0;
}

uint64_t cache_version(struct cache *c, const char *key)
{
	char *mv;
	size_t mn;
	uint64_t known = memo_find(c, key, &mv, &mn) && mv ? version_of(mv, mn) : 0;
	if (known)
		return known;
	if (!usable(c))
		return 0;
	size_t n = 0;
	uint32_t flags;
	memcached_return_t rc;
	char *v = memcached_get(c->mc, key, strlen(key), &n, &flags, &rc);
	note(c, rc);
	if (v) {
		uint64_t ver = version_of(v, n);
		free(v);
		if (ver)
			return ver;
	}
	if (rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS)
		return 0;
	/* Missing: start at the current time in microseconds, so a lost
	 * counter never reuses an old version number (an old counter would
	 * have needed more bumps than microseconds have passed since it was
	 * made). While a pool server is out, a counter made on its stand-in
	 * expires soon: the server's next loss must not find it again. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t first = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	char start[24];
	snprintf(start, sizeof(start), "%llu", (unsigned long long)first);
	rc = memcached_add(c->mc, key, strlen(key), start, strlen(start), ttl_of(c, 0), 0);
	note(c, rc);
	if (rc == MEMCACHED_SUCCESS)
		return first;
	/* another process made it first: read theirs (once; a value that is
	 * not a counter is no version) */
	if (rc == MEMCACHED_DATA_EXISTS || rc == MEMCACHED_NOTSTORED) {
		v = memcached_get(c->mc, key, strlen(key), &n, &flags, &rc);
		note(c, rc);
		uint64_t ver = v ? version_of(v, n) : 0;
		free(v);
		return ver;
	}
	return 0;
}

void cache_bump(struct cache *c, const char *key)
{
	/* Tried even while marked down (memcached may be back, and other
	 * workers may be reading it); a failed bump is owed, see replay(). */
	memo_forget(c, key);
	if (!c->mc)
		return;
	cache_settle(c);
	uint64_t v;
	memcached_return_t rc = memcached_increment(c->mc, key, strlen(key), 1, &v);
	if (rc == MEMCACHED_NOTFOUND) {
		c->down_until = 0;
		cache_version(c, key);
		return;
	}
	note(c, rc);
	if (rc != MEMCACHED_SUCCESS)
		pending_add(c, OWED_BUMP, key);
}

uint64_t cache_incr(struct cache *c, const char *key, int ttl)
{
	memo_forget(c, key);
	if (!usable(c))
		return 0;
	uint64_t v = 0;
	memcached_return_t rc = memcached_increment(c->mc, key, strlen(key), 1, &v);
	if (rc == MEMCACHED_NOTFOUND) {
		rc = memcached_add(c->mc, key, strlen(key), "1", 1, ttl_of(c, ttl), 0);
		if (rc == MEMCACHED_SUCCESS)
			return 1;
		rc = memcached_increment(c->mc, key, strlen(key), 1, &v);
	}
	note(c, rc);
	return rc == MEMCACHED_SUCCESS ? v : 0;
}

int cache_incr_quiet(struct cache *c, const char *const *keys, size_t n)
{
	if (!usable(c))
		return -1;
	memcached_return_t rc = MEMCACHED_SUCCESS;
	for (size_t i = 0; i < n; i++)
		memo_forget(c, keys[i]);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
	for (size_t i = 0; i < n && (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_BUFFERED); i++) {
		uint64_t v;
		rc = memcached_increment(c->mc, keys[i], strlen(keys[i]), 1, &v);
	}
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NOREPLY, 0);
	if (rc == MEMCACHED_BUFFERED)
		rc = MEMCACHED_SUCCESS;
	note(c, rc);
	return rc == MEMCACHED_SUCCESS ? 0 : -1;
}

int cache_alive(struct cache *c)
{
	if (!c->mc)
		return 0;
	/* Probe even while marked down, so /healthz notices recovery. */
	memcached_return_t rc;
	size_t n;
	uint32_t flags;
	char *v = memcached_get(c->mc, "imagier:ping", 12, &n, &flags, &rc);
	free(v);
	if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND) {
		c->down_until = 0;
		note(c, rc);
		return 1;
	}
	note(c, rc);
	return 0;
}

void cache_stats(const struct cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}

int cache_server_stats(struct cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = *misses = 0;
	if (!usable(c))
		return -1;
	memcached_return_t rc;
	memcached_stat_st *st = memcached_stat(c->mc, NULL, &rc);
	if (!st)
		return -1; /* not noted: a failed "stats" must not switch caching off */
	/* MEMCACHED_SOME_ERRORS: the servers that answered have their numbers
	 * and the others are left zero (pid 0 marks them). */
	int answered = 0;
	for (uint32_t i = 0; i < memcached_server_count(c->mc); i++) {
		if (!st[i].pid)
			continue;
		*hits += st[i].get_hits;
		*misses += st[i].get_misses;
		answered = 1;
	}
	memcached_stat_free(c->mc, st);
	return answered ? 0 : -1;
}

/* ---- purge by listing (account deletion only) ----------------------------- */

#define PURGE_SECONDS 10

/* A connection of its own to one server, with connect, read and write each
 * bounded by timeout_ms: -1 when it does not answer in time. */
/* A non-blocking connect to sa bounded by timeout_ms, then blocking I/O
 * with the same bound: the descriptor, or -1. */
static int connect_bounded(const struct sockaddr *sa, socklen_t sl, int timeout_ms)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, sl) && errno != EINPROGRESS && errno != EAGAIN) {
		close(fd);
		return -1;
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t el = sizeof(err);
	if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) ||
	    err) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A connection of its own to one server ("/path.sock" or "host:port"; each
 * of a name's addresses in turn), connect, reads and writes each bounded
 * by timeout_ms: -1 when it does not answer in time. */
static int server_connect(const char *server, int timeout_ms)
{
	if (server[0] == '/') {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(server) >= sizeof(sa.sun_path))
			return -1;
		memcpy(sa.sun_path, server, strlen(server) + 1);
		return connect_bounded((struct sockaddr *)&sa, sizeof(sa), timeout_ms);
	}
	char host[256], *colon;
	str_copy(host, server, sizeof(host));
	const char *port = "11211";
	if ((colon = strrchr(host, ':'))) {
		*colon = 0;
		port = colon + 1;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	int fd = -1;
	for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next)
		fd = connect_bounded(p->ai_addr, p->ai_addrlen, timeout_ms);
	freeaddrinfo(ai);
	return fd;
}

/* "key=imagier%3Apost%3A1 exp=..." -> "imagier:post:1" in place; NULL if not
 * such a line. */
static char *purge_key(char *line)
{
	if (strncmp(line, "key=", 4))
		return NULL;
	char *k = line + 4, *o = k;
	for (char *p = k; *p && *p != ' '; p++) {
		if (*p == '%' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return k;
}

/* One server's keys through match(); matching keys are deleted. */
static long purge_server(struct cache *c, const char *server, int (*match)(const char *, void *),
			 void *arg)
{
	int fd = server_connect(server, PURGE_SECONDS * 200);
	if (fd < 0)
		return -1;
	static const char cmd[] = "lru_crawler metadump all\r\n";
	if (write(fd, cmd, sizeof(cmd) - 1) != (ssize_t)(sizeof(cmd) - 1)) {
		close(fd);
		return -1;
	}
	size_t cap = 1 << 16, len = 0, nkeys = 0, capkeys = 64;
	char *buf = xmalloc(cap), **keys = xmalloc(capkeys * sizeof(*keys));
	int64_t deadline = now_unix() + PURGE_SECONDS;
	long rc = 0;
	for (int done = 0; !done;) {
		if (now_unix() > deadline) {
			rc = -1;
			break;
		}
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			rc = -1;
			break;
		}
		len += (size_t)n;
		buf[len] = 0;
		char *start = buf, *nl;
		/* metadump ends its lines with "\n", END with "\r\n" */
		while ((nl = strchr(start, '\n'))) {
			*nl = 0;
			if (nl > start && nl[-1] == '\r')
				nl[-1] = 0;
			if (!strcmp(start, "END")) {
				done = 1;
				break;
			}
			if (!strncmp(start, "ERROR", 5) || !strncmp(start, "BUSY", 4) ||
			    !strncmp(start, "CLIENT_ERROR", 12) ||
			    !strncmp(start, "SERVER_ERROR", 12)) {
				rc = -1;
				done = 1;
				break;
			}
			char *k = purge_key(start);
			if (k && match(k, arg)) {
				if (nkeys == capkeys)
					keys = xrealloc(keys, (capkeys *= 2) * sizeof(*keys));
				keys[nkeys++] = xstrdup(k);
			}
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
	}
	close(fd);
	for (size_t i = 0; i < nkeys; i++) {
		cache_delete(c, keys[i]);
		free(keys[i]);
	}
	free(keys);
	free(buf);
	return rc < 0 ? -1 : (long)nkeys;
}

long cache_purge(struct cache *c, int (*match)(const char *key, void *arg), void *arg)
{
	if (!c->mc)
		return 0;
	long total = 0, failed = 0;
	for (int i = 0; i < c->nnodes; i++) {
		long n = purge_server(c, c->node[i].name, match, arg);
		if (n < 0) {
			log_error("cache: could not list the keys of %s to purge them",
				  c->node[i].name);
			failed = 1;
		} else {
			total += n;
		}
	}
	return failed ? -1 : total;
}
