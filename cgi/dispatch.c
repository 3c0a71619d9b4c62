/* dispatch.c - session -> route -> checks -> handler -> one buffered reply. */
#include "app.h"
#include "json.h"
#include "feed.h"
#include "feedview.h"
#include "auth.h"
#include "cache.h"
#include "cachekey.h"
#include "db.h"
#include "idem.h"
#include "log.h"
#include "post.h"
#include "render.h"
#include "session.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SESSION_COOKIE "imagier_session"
#define CSRF_COOKIE    "imagier_csrf"

/* ---- routing ----------------------------------------------------------- */

/* Match path against pattern; numeric {params} go to out. 1 if matched. */
/* Path parameters while matching: numbers ({id}) and raw segments
 * ({name}, {tag}), decoded only once the route is chosen. */
struct rparams {
	int64_t num[CTX_MAX_PARAMS];
	size_t nnum;
	const char *str[CTX_MAX_PARAMS];
	size_t strlen[CTX_MAX_PARAMS], nstr;
};

/* Match path against pattern. {id} matches a positive decimal number, any
 * other {word} one non-empty segment of at most 200 bytes. 1 if matched. */
static int route_match(const char *pattern, const char *path, struct rparams *rp)
{
	const char *p = pattern, *s = path;
	rp->nnum = rp->nstr = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return 0;
			size_t len = 0;
			if (!strncmp(p, "{id}", 4)) {
				uint64_t v = 0;
				while (s[len] >= '0' && s[len] <= '9')
					len++;
				if (len == 0 || len > 18 || rp->nnum == CTX_MAX_PARAMS)
					return 0;
				char num[20];
				memcpy(num, s, len);
				num[len] = '\0';
				if (str_to_u64(num, INT64_MAX, &v) || v == 0)
					return 0;
				rp->num[rp->nnum++] = (int64_t)v;
			} else {
				while (s[len] && s[len] != '/')
					len++;
				if (len == 0 || len > 200 || rp->nstr == CTX_MAX_PARAMS)
					return 0;
				rp->str[rp->nstr] = s;
				rp->strlen[rp->nstr++] = len;
			}
			p = close + 1;
			s += len;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

/* The route of method and path. masto: 1 for a request with an OAuth
 * token, which alone gets the R_MASTO_ONLY routes (Mastodon's face of a
 * path imagier's native API also has; they come first in the table). */
static const struct route *route_find(const char *method, const char *path, struct rparams *rp,
				      const struct route **by_path, int masto)
{
	*by_path = NULL;
	for (size_t i = 0; i < nroutes; i++) {
		struct rparams tmp;
		if ((routes[i].flags & R_MASTO_ONLY) && !masto)
			continue;
		if (!route_match(routes[i].pattern, path, &tmp))
			continue;
		if (!*by_path)
			*by_path = &routes[i];
		if (strcmp(routes[i].method, method) &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
			continue;
		*rp = tmp;
		return &routes[i];
	}
	return NULL;
}

/* Decode the string parameters (percent escapes, valid UTF-8, no control
 * characters). 0, or -1 when one is not acceptable (then: 404). */
static int decode_params(struct ctx *c, const struct rparams *rp)
{
	memcpy(c->params, rp->num, sizeof(c->params));
	for (size_t i = 0; i < rp->nstr; i++) {
		struct kvlist l = {0};
		const char *why;
		char *pair = arena_printf(c->a, "v=%.*s", (int)rp->strlen[i], rp->str[i]);
		if (strchr(pair, '+') || strchr(pair, '&') || strchr(pair, '=') != pair + 1 ||
		    http_parse_urlencoded(c->a, pair, strlen(pair), &l, &c->app->lim, &why) ||
		    l.n != 1)
			return -1;
		for (const unsigned char *q = (const unsigned char *)l.items[0].val; *q; q++)
			if (*q < 0x20 || *q == 0x7f || *q == '/')
				return -1;
		c->sparams[i] = l.items[0].val;
	}
	return 0;
}

/* 405 must say what is allowed: "GET, HEAD, POST" for path. */
static void allow_header(struct ctx *c, const char *path)
{
	char *allow = arena_strdup(c->a, "");
	for (size_t i = 0; i < nroutes; i++) {
		struct rparams tmp;
		if (!route_match(routes[i].pattern, path, &tmp))
			continue;
		allow = arena_printf(c->a, "%s%s%s%s", allow, *allow ? ", " : "", routes[i].method,
				     strcmp(routes[i].method, "GET") ? "" : ", HEAD");
	}
	ctx_header(c, "Allow", allow);
}

/* ---- session and CSRF -------------------------------------------------- */

/* A session from memcached: "uid\ncsrf\nusername\nrole\ncreated\nsuspended
 * \napp\nscopes" (the last two of an OAuth token; v, an arena copy, is cut up
 * in place). 1 if it is one, -1 if the key
 * says the session ended (CACHEKEY_SESSION_GONE), 0 if memcached does not
 * know (v NULL or not such a value). */
static int session_cached(struct ctx *c, char *v)
{
	if (!v)
		return 0;
	if (!strcmp(v, CACHEKEY_SESSION_GONE))
		return -1;
	char *save = NULL, *uid = strtok_r(v, "\n", &save), *csrf = strtok_r(NULL, "\n", &save);
	char *name = strtok_r(NULL, "\n", &save), *role = strtok_r(NULL, "\n", &save);
	char *created = strtok_r(NULL, "\n", &save), *susp = strtok_r(NULL, "\n", &save);
	if (!uid || !csrf || !name || !role || !created || !susp)
		return 0;
	c->me = arena_zalloc(c->a, sizeof(*c->me));
	c->me->id = strtoll(uid, NULL, 10);
	c->me->username = name;
	c->me->role = role;
	c->me->created_at = strtoll(created, NULL, 10);
	c->me->suspended_until = strtoll(susp, NULL, 10);
	c->csrf = csrf;
	char *app = strtok_r(NULL, "\n", &save), *scopes = strtok_r(NULL, "\n", &save);
	c->oauth_app = app ? strtoll(app, NULL, 10) : 0;
	c->scopes = scopes ? scopes : "";
	return 1;
}

/* ---- the logged-in page cache (routes flagged R_PCACHE) ----------------- */

#define PAGE_CACHE_TTL 15
/* How long memcached keeps a page past PAGE_CACHE_TTL: while one request
 * rebuilds an aged page, the others of that session are served the aged
 * copy (when its versions still hold) instead of all rebuilding at once. */
#define PAGE_CACHE_KEEP	   60
#define PAGE_REBUILD_LEASE 5
/* A page body nginx sends is named by its session (the first
 * CACHEKEY_BODY_SESSION_HEX hex digits of its hash, so that an account's
 * deletion finds all its bodies by prefix) and 16 random bytes, in hex. */
#define PAGE_BODY_RANDOM_HEX 32
#define PAGE_BODY_ID_HEX     (CACHEKEY_BODY_SESSION_HEX + PAGE_BODY_RANDOM_HEX)

/* The keys of one warm logged-in page, fetched in one multi-get with the
 * session itself: the page entry (by session hash, path and query), the feed
 * version, and, when this worker knows whose session it is, the person's
 * version and unread count. */
enum {
	PRE_SESSION,
	PRE_PAGE,
	PRE_FEED,
	PRE_USER,
	PRE_UNREAD,
	/* what building the page reads next, should it be a miss */
	PRE_FOLLOWS,
	PRE_FORYOU,
	PRE_FILTERS,
	PRE_FIRST, /* a feed's first page of ids: first_ids_feed() */
	PRE_N
};
struct page_pre {
	const char *keys[PRE_N];
	char *vals[PRE_N];
	size_t lens[PRE_N];
	int64_t user_id;		   /* whose the user keys are (0: not fetched) */
	unsigned char hash[AUTH_HASH_LEN]; /* the session's */
};

static struct app_known_session *known_slot(struct app *app, const unsigned char *h)
{
	unsigned i = ((unsigned)h[0] | (unsigned)h[1] << 8) % APP_KNOWN_SESSIONS;
	return &app->known[i];
}

/* 1 when nginx can send this request's page body from memcached itself
 * (nginx/imagier-locations.conf, /_pagebody/): it says so, and the body's
 * key is on the one server nginx's imagier_memcached upstream knows. */
static int nginx_sends_bodies(const struct ctx *c)
{
	return c->req->nginx_page_bodies && cache_single_server(c->app->cache);
}

/* 1 for a request that may change state: anything but GET and HEAD. */
static int is_write(const struct request *r)
{
	return strcmp(r->method, "GET") && strcmp(r->method, "HEAD");
}

/* 1 if the page of this request may come from (and go to) the page cache. */
static int page_cacheable(const struct ctx *c)
{
	return !c->api && c->route && (c->route->flags & R_PCACHE) && !is_write(c->req);
}

/* Whether the page of this query is one a session comes back to: the
 * first page of a feed (for /top, of one of its windows). A cursor's page,
 * or a query with a parameter no page reads, is built each time (read like
 * any page: its key is a miss) and never stored, so a session holds a
 * handful of page entries at most: made-up parameters or cursors cannot
 * fill memcached with copies of one page. */
static int page_query_known(const struct request *req)
{
	const struct kvlist *q = &req->query;
	int64_t secs;
	const char *words;
	if (q->n == 0)
		return 1;
	/* one of /top's own windows (any other value would be one more copy) */
	return q->n == 1 && !strcmp(q->items[0].key, "window") && !strcmp(req->path, "/top") &&
	       feed_top_window(q->items[0].val, &secs, &words) == 0;
}

/* The page entry's key: session hash, path and query, and nothing that
 * changes (the versions it was built under are in its value), so it can be
 * fetched before anything is known about the person. NULL when it cannot
 * be a memcached key (too long, or a byte memcached's text protocol would
 * misread). Only pages page_query_known() allows are ever stored under it. */
static char *page_key(struct ctx *c, const char *hash_hex)
{
	char *k = arena_printf(c->a, "%s%s?%s", cachekey_session_pages(c->a, hash_hex),
			       c->req->path, c->req->query_string);
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++, n++)
		if (*p <= ' ' || *p == 0x7f)
			return NULL;
	/* memcached keys stop at 250 bytes; the page's lease key is longer */
	return n > 230 ? NULL : k;
}

/* An entry's "@" and PAGE_BODY_ID_HEX lower-case hex digits naming its
 * body (an HTML body never starts with "@"; anything else after one is a
 * miss). v is NUL-terminated after len (a cache_get copy). */
static int page_body_ref_ok(const char *v, size_t len)
{
	return len == 1 + PAGE_BODY_ID_HEX && v[0] == '@' &&
	       strspn(v + 1, "0123456789abcdef") == PAGE_BODY_ID_HEX;
}

/* The feed whose first page's ids building this page reads
 * (cachekey_first_ids), or NULL: the first page of /following, /foryou or
 * the latest feed (/).
 * Any other query still shows the first page, and a first view is one
 * (tests/bench/cold.lua's); a cursor's page is under other keys. */
static const char *first_ids_feed(const struct ctx *c)
{
	const char *cur = kv_get(&c->req->query, "cursor");
	if (cur && *cur)
		return NULL;
	if (!strcmp(c->route->pattern, "/following"))
		return "following";
	if (!strcmp(c->route->pattern, "/foryou"))
		return "foryou";
	if (strcmp(c->route->pattern, "/"))
		return NULL;
	/* "/" shows the feed its kind names (cgi/feed.c feed_show) */
	const char *kind = kv_get(&c->req->query, "kind");
	if (!kind || !*kind || !strcmp(kind, "latest"))
		return "latest"; /* everyone's: its key says person 0 */
	if (!strcmp(kind, "following") || !strcmp(kind, "foryou"))
		return kind;
	return NULL;
}

/* The session's memcached entry, and for a cacheable page everything the
 * page cache needs, in one round trip. The session value, or NULL. */
static char *session_fetch(struct ctx *c, const char *key, const unsigned char *hash)
{
	char *v = NULL;
	size_t len;
	const char *hex = key + strlen(CACHEKEY_SESSION_PREFIX);
	char *pk = page_cacheable(c) ? page_key(c, hex) : NULL;
	if (!pk) {
		return cache_get(c->app->cache, c->a, key, &v, &len) == 0 ? v : NULL;
	}
	struct page_pre *p = arena_zalloc(c->a, sizeof(*p));
	size_t n = PRE_USER;
	p->keys[PRE_SESSION] = key;
	p->keys[PRE_PAGE] = pk;
	p->keys[PRE_FEED] = CACHEKEY_FEED_VERSION;
	memcpy(p->hash, hash, sizeof(p->hash));
	const struct app_known_session *k = known_slot(c->app, hash);
	if (k->user_id && !memcmp(k->hash, hash, sizeof(k->hash))) {
		p->user_id = k->user_id;
		p->keys[PRE_USER] = cachekey_user_version(c->a, k->user_id);
		p->keys[PRE_UNREAD] = social_unread_key(c->a, k->user_id);
		p->keys[PRE_FOLLOWS] = cachekey_follows_version(c->a, k->user_id);
		p->keys[PRE_FORYOU] = cachekey_foryou_version(c->a, k->user_id);
		p->keys[PRE_FILTERS] = cachekey_filters(c->a, k->user_id);
		n = PRE_FIRST;
		const char *feed = first_ids_feed(c);
		if (feed)
			p->keys[n++] =
			    cachekey_first_ids(c->a, feed, strcmp(feed, "latest") ? k->user_id : 0);
	}
	cache_prefetch(c->app->cache, c->a, p->keys, n, p->vals, p->lens);
	c->pre = p;
	return p->vals[PRE_SESSION];
}

/* A whole page, cached per session for PAGE_CACHE_TTL seconds. Its entry
 * starts with the line "feed-version:person-version:unread:built-at" it was
 * built under, and is a hit only while all three are still the current ones:
 * the feed version (new posts, moderation), the person's own version
 * (bumped by every state-changing request they make, by a block either
 * way, by moderation of them) and their unread count (dropped whenever a
 * notification for them is written). Others' likes show within
 * PAGE_CACHE_TTL. 1 on a hit. */
static int page_cached(struct ctx *c)
{
	struct page_pre *p = c->pre;
	if (!p || !c->me)
		return 0;
	/* Remember whose session this is, so that its next page is one
	 * round trip; a different person under a known hash (never: a token
	 * is one person's) is simply fetched the slow way below. */
	struct app_known_session *k = known_slot(c->app, p->hash);
	memcpy(k->hash, p->hash, sizeof(k->hash));
	k->user_id = c->me->id;
	if (p->user_id != c->me->id) {
		p->keys[PRE_USER] = cachekey_user_version(c->a, c->me->id);
		p->keys[PRE_UNREAD] = social_unread_key(c->a, c->me->id);
		cache_get_multi(c->app->cache, c->a, p->keys + PRE_USER, 2, p->vals + PRE_USER,
				p->lens + PRE_USER);
	}
	/* A missing part is made (version counters) or loaded (the count). */
	uint64_t fv = p->vals[PRE_FEED] ? strtoull(p->vals[PRE_FEED], NULL, 10)
					: cache_version(c->app->cache, CACHEKEY_FEED_VERSION);
	uint64_t uv = p->vals[PRE_USER] ? strtoull(p->vals[PRE_USER], NULL, 10)
					: cache_version(c->app->cache, p->keys[PRE_USER]);
	int64_t unread;
	if (p->vals[PRE_UNREAD]) {
		unread = strtoll(p->vals[PRE_UNREAD], NULL, 10);
	} else {
		unread = unread_count(c);
	}
	c->unread = unread;
	c->unread_known = 1;
	if (!fv || !uv || unread < 0)
		return 0;
	c->page_key = p->keys[PRE_PAGE];
	c->page_stamp = arena_printf(c->a, "%llu:%llu:%lld:", (unsigned long long)fv,
				     (unsigned long long)uv, (long long)unread);
	size_t sl = strlen(c->page_stamp);
	char *v = p->vals[PRE_PAGE], *nl, *end;
	if (!v || p->lens[PRE_PAGE] < sl || memcmp(v, c->page_stamp, sl) ||
	    !(nl = memchr(v + sl, '\n', p->lens[PRE_PAGE] - sl)))
		return 0;
	/* The versions hold; the stamp ends with the time it was built. Past
	 * PAGE_CACHE_TTL, the first request to take the rebuild lease builds
	 * the page again and the others go on with this copy meanwhile. */
	long long built = strtoll(v + sl, &end, 10);
	if (end != nl)
		return 0;
	char *body = nl + 1;
	size_t body_len = p->lens[PRE_PAGE] - (size_t)(body - v);
	int ref = body_len > 0 && body[0] == '@';
	if (ref && !page_body_ref_ok(body, body_len))
		return 0;
	/* A body nginx is to send, when this nginx cannot (or just could not:
	 * it was gone from memcached), is a miss. */
	if (ref && (!nginx_sends_bodies(c) || c->req->page_body_missing))
		return 0;
	if (now_unix() - built > PAGE_CACHE_TTL &&
	    cache_incr(c->app->cache, cachekey_page_lease(c->a, c->page_key), PAGE_REBUILD_LEASE) <=
		1)
		return 0;
	if (ref)
		c->page_body_id = arena_strndup(c->a, body + 1, PAGE_BODY_ID_HEX);
	c->page_hit = body;
	c->page_len = body_len;
	return 1;
}

/* Store the page just rendered under the versions page_cached read. */
static void page_store(struct ctx *c)
{
	struct response *resp = c->resp;
	if (!c->page_key || resp->status != 200 || strstr(buf_cstr(&resp->head), "Set-Cookie") ||
	    !page_query_known(c->req))
		return;
	char *stamp = arena_printf(c->a, "%s%lld\n", c->page_stamp, (long long)now_unix());
	if (nginx_sends_bodies(c)) {
		/* The body under a key of its own, which nginx fetches; the
		 * entry names it. Written first, so an entry never names a
		 * body not yet there (both go down one connection, in order). */
		unsigned char rnd[PAGE_BODY_RANDOM_HEX / 2];
		char rhex[PAGE_BODY_RANDOM_HEX + 1];
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(rhex, sizeof(rhex), rnd, sizeof(rnd));
		char *id = arena_printf(c->a, "%.*s%s", CACHEKEY_BODY_SESSION_HEX,
					c->page_key + strlen(CACHEKEY_PAGES_PREFIX), rhex);
		cache_set(c->app->cache, arena_printf(c->a, CACHEKEY_PAGE_BODY_PREFIX "%s", id),
			  resp->body.data, resp->body.len, PAGE_CACHE_KEEP);
		char *e = arena_printf(c->a, "%s@%s", stamp, id);
		cache_set(c->app->cache, c->page_key, e, strlen(e), PAGE_CACHE_KEEP);
		/* The body the entry named before is nobody's now: freed at once,
		 * not in PAGE_CACHE_KEEP (a page rebuilt every 15 s would hold
		 * four). A request sent to it just now gets the app instead. */
		const char *old = c->pre ? c->pre->vals[PRE_PAGE] : NULL;
		const char *onl = old ? memchr(old, '\n', c->pre->lens[PRE_PAGE]) : NULL;
		size_t olen = onl ? c->pre->lens[PRE_PAGE] - (size_t)(onl + 1 - old) : 0;
		if (onl && page_body_ref_ok(onl + 1, olen))
			cache_drop(c->app->cache,
				   arena_printf(c->a, CACHEKEY_PAGE_BODY_PREFIX "%.*s",
						PAGE_BODY_ID_HEX, onl + 2));
		return;
	}
	size_t sl = strlen(stamp);
	char *v = arena_alloc(c->a, sl + resp->body.len);
	memcpy(v, stamp, sl);
	memcpy(v + sl, resp->body.data, resp->body.len);
	cache_set(c->app->cache, c->page_key, v, sl + resp->body.len, PAGE_CACHE_KEEP);
}

static void session_load(struct ctx *c)
{
	const char *auth = kv_get(&c->req->headers, "authorization");
	const char *tok = NULL;
	if (auth && !strncasecmp(auth, "Bearer ", 7)) {
		tok = auth + 7;
		c->bearer = 1;
	} else {
		tok = kv_get(&c->req->cookies, SESSION_COOKIE);
	}
	if (!tok || !*tok)
		return;
	c->session_token = tok;
	if (strlen(tok) != AUTH_TOKEN_LEN)
		goto stale;
	unsigned char h[AUTH_HASH_LEN];
	char hex[2 * AUTH_HASH_LEN + 1];
	auth_token_hash(tok, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	char *key = cachekey_session(c->a, hex);
	c->session_key = key;
	int cached = session_cached(c, session_fetch(c, key, h));
	if (cached < 0)
		goto stale;
	if (cached) {
		c->session_from_cache = 1;
		return;
	}
	struct session_row r;
	struct session_limits lim = session_limits(&c->app->cfg);
	int found = session_lookup(c->app->db, c->a, tok, 0, &lim, &r);
	/* a replica may not have a login of a moment ago yet */
	if (found == 0 && db_has_replicas(c->app->db) && !db_read_only(c->app->db))
		found = session_lookup(c->app->db, c->a, tok, 1, &lim, &r);
	if (found < 0) {
		/* Unknown, not invalid: keep the cookie (an outage must not log
		 * everybody out) and let run() answer 503 where a login counts. */
		c->session_down = 1;
		return;
	}
	if (!found)
		goto stale;
	c->me = arena_zalloc(c->a, sizeof(*c->me));
	c->me->id = r.user_id;
	c->me->username = r.username;
	c->me->role = r.role;
	c->me->created_at = r.created_at;
	c->me->suspended_until = r.suspended_until;
	c->csrf = r.csrf;
	c->oauth_app = r.app_id;
	c->scopes = r.scopes ? r.scopes : "";
	/* Its last use, written at most once a minute: a session comes from
	 * the database at most every 300 s, so "last seen" is that exact. */
	if (now_unix() - r.last_seen_at >= SESSION_TOUCH_EVERY)
		session_touch(c->app->db, c->a, tok, c->req->user_agent);
	/* Cached for a while (never past its expiry, absolute or idle). Added,
	 * never set: if the session ended since we read it, its key says so and
	 * must keep saying so. */
	int64_t left = r.expires_at - now_unix();
	char *val =
	    arena_printf(c->a, "%lld\n%s\n%s\n%s\n%lld\n%lld\n%lld\n%s", (long long)c->me->id,
			 c->csrf, c->me->username, c->me->role, (long long)c->me->created_at,
			 (long long)c->me->suspended_until, (long long)c->oauth_app, c->scopes);
	cache_add(c->app->cache, key, val, strlen(val), left < 300 ? (int)left : 300);
	return;
stale:
	/* A forged or expired cookie: treat as anonymous and clear it. */
	c->session_token = NULL;
	if (!c->bearer)
		ctx_cookie(c, SESSION_COOKIE, "", -1);
}

/* A cached session is up to 300 s old. Before anything that changes state
 * or needs a role, read the role, suspension and ban from the database: a
 * request that cached a session just as a moderator banned or demoted the
 * person cannot keep it alive. Without the database the cached copy stands
 * (the request then fails on its own queries). */
static void session_recheck(struct ctx *c)
{
	struct session_row r;
	struct session_limits lim = session_limits(&c->app->cfg);
	int found = session_lookup(c->app->db, c->a, c->session_token, 1, &lim, &r);
	if (found >= 0)
		ctx_session_apply(c, found, r.role, r.suspended_until);
}

/* Anonymous forms: a random cookie, and the form echoes MAC(secret, cookie). */
static const char *anon_csrf(struct ctx *c, int create)
{
	const char *r = kv_get(&c->req->cookies, CSRF_COOKIE);
	if (!r || strlen(r) != AUTH_TOKEN_LEN) {
		if (!create)
			return NULL;
		char *t = arena_alloc(c->a, AUTH_TOKEN_LEN + 1);
		auth_token_new(t);
		ctx_cookie(c, CSRF_COOKIE, t, 86400);
		r = t;
	}
	char *mac = arena_alloc(c->a, AUTH_TOKEN_LEN + 1);
	auth_mac(c->app->cfg.site_secret, r, mac);
	return mac;
}

static int csrf_ok(struct ctx *c)
{
	if (c->bearer && c->me)
		return 1; /* a bearer token cannot be sent by another site */
	const char *sent = kv_get(&c->req->headers, "x-csrf-token");
	if (!sent)
		sent = kv_get(&c->req->form, "csrf");
	if (c->me) {
		return sent && c->csrf && auth_str_equal(sent, c->csrf);
	}
	/* Anonymous. JSON bodies cannot be sent cross-site without CORS. */
	if (c->req->json)
		return 1;
	const char *want = anon_csrf(c, 0);
	return sent && want && auth_str_equal(sent, want);
}

/* ---- rendering --------------------------------------------------------- */

static void add_form_echo(struct ctx *c, cJSON *view)
{
	cJSON *form = cJSON_AddObjectToObject(view, "form");
	for (size_t i = 0; i < c->req->form.n; i++) {
		const struct kv *f = &c->req->form.items[i];
		if (strstr(f->key, "password") || !strcmp(f->key, "csrf"))
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(form, f->key))
			cJSON_AddStringToObject(form, f->key, f->val);
	}
}

static void add_page_context(struct ctx *c, cJSON *view)
{
	cJSON *site = cJSON_AddObjectToObject(view, "site");
	cJSON_AddStringToObject(site, "name", c->app->cfg.site_name);
	if (c->me) {
		cJSON *me = cJSON_AddObjectToObject(view, "me");
		cJSON_AddNumberToObject(me, "id", (double)c->me->id);
		cJSON_AddStringToObject(me, "username", c->me->username);
		cJSON_AddStringToObject(me, "role", c->me->role);
		cJSON_AddNumberToObject(me, "unread", (double)unread_count(c));
		cJSON_AddBoolToObject(me, "is_mod", ctx_is_mod(c));
		if (c->me->suspended_until > now_unix())
			cJSON_AddStringToObject(me, "suspended_until_text",
						time_text(c->a, c->me->suspended_until));
		cJSON_AddTrueToObject(view, "logged_in");
	}
	const char *csrf = c->me				      ? c->csrf
			   : (c->route && (c->route->flags & R_FORM)) ? anon_csrf(c, 1)
								      : NULL;
	if (csrf)
		cJSON_AddStringToObject(view, "csrf", csrf);
	if (db_read_only(c->app->db))
		cJSON_AddTrueToObject(view, "read_only");
	cJSON_AddStringToObject(view, "title", c->title ? c->title : c->app->cfg.site_name);
	cJSON_AddStringToObject(view, "path", c->req->path);
	/* where a form on this page comes back to: the page with its query (a
	 * feed's cursor, /top's window) */
	cJSON_AddStringToObject(
	    view, "here",
	    *c->req->query_string ? arena_printf(c->a, "%s?%s", c->req->path, c->req->query_string)
				  : c->req->path);
}

static void render_page(struct ctx *c, const char *view_name)
{
	struct response *resp = c->resp;
	cJSON *view = ctx_data(c);
	add_page_context(c, view);
	struct buf content = {0};
	if (tmpl_render(c->app->views, view_name, view, &content)) {
		log_error("missing template %s", view_name);
		resp->status = 500;
		buf_puts(&content, "<p>This page could not be shown.</p>");
	}
	cJSON_AddStringToObject(view, "content_html", buf_cstr(&content));
	buf_free(&content);
	buf_reset(&resp->body);
	tmpl_render(c->app->views, "layout", view, &resp->body);
	ctx_header(c, "Content-Type", "text/html; charset=utf-8");
}

static const char *status_text(int status)
{
	switch (status) {
	case 400:
		return "Bad request";
	case 401:
		return "Please log in";
	case 403:
		return "Not allowed";
	case 404:
		return "Not found";
	case 405:
		return "Method not allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Too large";
	case 415:
		return "Unsupported type";
	case 429:
		return "Too many requests";
	case 503:
		return "Unavailable";
	case 507:
		return "The disk is full";
	default:
		return status >= 500 ? "Something went wrong" : "Error";
	}
}

static void render_error(struct ctx *c, int status)
{
	const char *code = c->err_code ? c->err_code : "error";
	const char *msg = c->err_msg ? c->err_msg : status_text(status);
	c->resp->status = status;
	int masto = masto_face(c);
	if (masto || c->api) {
		/* Mastodon's shape is {"error": "text"}; imagier's names a code */
		cJSON *root = cJSON_CreateObject();
		if (masto) {
			cJSON_AddStringToObject(root, "error", msg);
		} else {
			cJSON *e = cJSON_AddObjectToObject(root, "error");
			cJSON_AddStringToObject(e, "code", code);
			cJSON_AddStringToObject(e, "message", msg);
		}
		char *s = json_print(root);
		buf_reset(&c->resp->body);
		buf_puts(&c->resp->body, s);
		free(s);
		cJSON_Delete(root);
		ctx_header(c, "Content-Type", "application/json");
		return;
	}
	/* A form that failed is shown again with the reason and the values
	 * (never a password). A 403 is an error page (CSRF, a role, a
	 * suspension), unless it only says the password was wrong. */
	int form = c->route && c->route->view && strcmp(c->req->method, "POST") == 0 &&
		   status < 500 && (status != 403 || !strcmp(code, "wrong_password"));
	cJSON *view = ctx_data(c);
	cJSON *e = cJSON_AddObjectToObject(view, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddNumberToObject(e, "status", status);
	cJSON_AddStringToObject(e, "title", status_text(status));
	if (form) {
		add_form_echo(c, view);
		render_page(c, c->route->view);
	} else {
		c->title = status_text(status);
		render_page(c, "error");
	}
	c->resp->status = status;
}

static void render_ok(struct ctx *c, int status)
{
	c->resp->status = status;
	if (status == 303) {
		ctx_header(c, "Location", c->location ? c->location : "/");
		return;
	}
	if (c->api) {
		char *s = c->data ? json_print(c->data) : NULL;
		buf_puts(&c->resp->body, s ? s : "{}");
		free(s);
		ctx_header(c, "Content-Type", "application/json");
		return;
	}
	render_page(c, c->view ? c->view : c->route->view);
}

/* ---- the one order: parse -> session -> route -> checks -> handler ------ */

static int parse_body(struct ctx *c)
{
	struct request *r = c->req;
	const char *why = "bad request";
	int st = 0;
	const char *ct = r->content_type ? r->content_type : "";
	if (r->body_len == 0)
		return 0;
	if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		st = http_parse_urlencoded(c->a, (const char *)r->body, r->body_len, &r->form,
					   &c->app->lim, &why);
	else if (!strncasecmp(ct, "multipart/form-data", 19))
		st = http_parse_multipart(c->a, ct, r->body, r->body_len, &r->form, &r->parts,
					  &r->nparts, &c->app->lim, &why);
	else if (!strncasecmp(ct, "application/json", 16) && r->body_len > (1u << 20))
		return ctx_fail(c, 413, "too_large", "A JSON body can be at most 1 MiB.");
	else if (!strncasecmp(ct, "application/json", 16))
		st = http_parse_json(r->body, r->body_len, &r->json, &c->app->lim, &why);
	else
		return ctx_fail(c, 415, "unsupported_media_type",
				"Send JSON, a form or multipart/form-data.");
	if (st)
		return ctx_fail(c, st, st == 413 ? "too_large" : "bad_request", why);
	return 0;
}

/* With replicas and the primary gone (lib/db.c db_read_only). */
#define READ_ONLY_TEXT                                                                             \
	"imagier is read-only for a few minutes while its main database is replaced: "             \
	"you can look around, but this has to wait. Please try again shortly."

/* The handler; run once more when a deadlock (InnoDB's, or a Galera
 * certification failure: another node committed a conflicting write first)
 * undid its transaction, with what it had answered dropped. */
static int run_handler(struct ctx *c)
{
	size_t head = c->resp->head.len;
	int st = c->route->fn(c);
	if (st < 500 || !db_deadlocked(c->app->db))
		return st;
	log_info("%s %s: a conflicting write came first; running it once more", c->req->method,
		 c->req->path);
	ctx_drop_answer(c, head);
	c->view = c->title = NULL;
	c->raw_max_age = 0;
	if (c->idem)
		idem_arm(c->app->db, c->idem);
	return c->route->fn(c);
}

static int run(struct ctx *c, int body_status)
{
	struct request *r = c->req;
	const char *why = "bad request";
	const struct route *by_path;
	struct rparams rp = {0};
	int st;
	c->route = route_find(r->method, r->path, &rp, &by_path, 0);
	c->api = !strncmp(r->path, "/api/", 5) || (by_path && (by_path->flags & R_API));
	if (body_status == 413)
		return ctx_fail(c, 413, "too_large", "The request body is too large.");
	if (body_status)
		return ctx_fail(c, body_status, "bad_request",
				"The request was cut short or had malformed headers.");
	st = http_parse_urlencoded(c->a, r->query_string, strlen(r->query_string), &r->query,
				   &c->app->lim, &why);
	if (st)
		return ctx_fail(c, st, "bad_request", why);
	session_load(c);
	if (c->oauth_app) /* Mastodon's face of a path, where it has one */
		c->route = route_find(r->method, r->path, &rp, &by_path, 1);
	/* This worker thinks the primary gone: the person's last write, made
	 * by another worker or host, says whether it is (lib/db.c). */
	if (c->me && db_read_only(c->app->db)) {
		char *pos;
		size_t n;
		if (!cache_get(c->app->cache, c->a, cachekey_written_pos(c->a, c->me->id), &pos,
			       &n))
			db_expect_pos(c->app->db, pos);
	}
	if (!c->route) {
		if (by_path) {
			allow_header(c, r->path);
			return ctx_fail(c, 405, "method_not_allowed",
					"That method is not allowed here.");
		}
		return ctx_fail(c, 404, "not_found", "There is nothing here.");
	}
	if (decode_params(c, &rp))
		return ctx_fail(c, 404, "not_found", "There is nothing here.");
	unsigned fl = c->route->flags;
	if (!(fl & R_RAW_BODY) && (st = parse_body(c)))
		return st;
	/* An R_RECHECK_LATE handler rechecks with its own first read (one round
	 * trip for both); the checks below see the cached copy meanwhile. A
	 * cached suspension is rechecked here: it may have been lifted. */
	if (c->me && c->session_from_cache && (fl & (R_CSRF | R_MOD | R_ADMIN))) {
		if ((fl & R_RECHECK_LATE) && !(fl & (R_MOD | R_ADMIN)) &&
		    c->me->suspended_until <= now_unix())
			c->recheck_owed = 1;
		else
			session_recheck(c);
	}
	if ((fl & (R_LOGIN | R_MOD | R_ADMIN)) && !c->me)
		return ctx_login_fail(c);
	if ((fl & R_ADMIN) && strcmp(c->me->role, "admin"))
		return ctx_fail(c, 403, "forbidden", "Only an admin can do that.");
	if ((fl & R_MOD) && !ctx_is_mod(c))
		return ctx_fail(c, 403, "forbidden", "Only a moderator can do that.");
	if ((st = masto_scope_check(c)))
		return st;
	if ((fl & R_CSRF) && !csrf_ok(c))
		return ctx_fail(
		    c, 403, "csrf",
		    "The form expired or did not come from this site. Please try again.");
	if (c->api && strcmp(r->method, "GET") && !c->req->json && c->req->body_len &&
	    !(fl & (R_MASTO | R_RAW_BODY)) &&
	    strncasecmp(r->content_type, "multipart/form-data", 19))
		return ctx_fail(c, 415, "unsupported_media_type", "Send a JSON body.");
	if ((st = ctx_suspended_fail(c)))
		return st;
	/* Before the limit: a retry answered from its key costs nothing. */
	if ((fl & R_IDEM) && (st = idem_begin(c)))
		return st;
	if ((fl & R_DECODE) && (st = ctx_decode_slot(c)))
		return st;
	if (c->route->limit && (st = ratelimit_check(c, c->route->limit)))
		return st;
	if (page_cached(c))
		return 200;
	if (is_write(r))
		db_primary_recheck(c->app->db);
	if (is_write(r) && db_read_only(c->app->db))
		return ctx_fail(c, 503, "read_only", READ_ONLY_TEXT);
	return run_handler(c);
}

static void cache_headers(struct ctx *c)
{
	int status = c->resp->status;
	int anon_get = !c->me && !c->session_token && !strcmp(c->req->method, "GET");
	/* a page that says the site is read-only is not kept past the moment */
	if (anon_get && c->route && c->route->ttl > 0 && status == 200 &&
	    !db_read_only(c->app->db)) {
		char ttl[16];
		snprintf(ttl, sizeof(ttl), "%d", c->route->ttl);
		ctx_header(c, "X-Accel-Expires", ttl);
		ctx_header(c, "Cache-Control", "public, max-age=0, must-revalidate");
	} else if (anon_get && c->route && c->route->ttl > 0 && (status == 404 || status == 410) &&
		   kv_get(&c->req->headers, "x-imagier-refresh")) {
		/* A microcache refresh (lib/microcache.c) of a page that is gone:
		 * stored for a second in place of the old copy, which nginx would
		 * otherwise keep serving until it expires. */
		ctx_header(c, "X-Accel-Expires", "1");
		ctx_header(c, "Cache-Control", "private, no-store");
	} else if (c->raw_type && c->raw_max_age > 0 && (status == 200 || status == 304)) {
		char cc[48];
		snprintf(cc, sizeof(cc), "private, max-age=%d", c->raw_max_age);
		ctx_header(c, "X-Accel-Expires", "0");
		ctx_header(c, "Cache-Control", cc);
	} else if (c->page_body_id) {
		/* nginx's /_pagebody/ location says private, no-store itself:
		 * kept from here, it would be said twice should the body be
		 * gone and the app answer after all */
		ctx_header(c, "X-Accel-Expires", "0");
	} else {
		ctx_header(c, "X-Accel-Expires", "0");
		ctx_header(c, "Cache-Control", "private, no-store");
	}
	if (c->route && c->route->ttl > 0)
		ctx_header(c, "Vary",
			   c->vary_accept ? "Accept, Cookie, Authorization"
					  : "Cookie, Authorization");
	else if (c->vary_accept)
		ctx_header(c, "Vary", "Accept");
}

/* The handler's status st (and c) into resp. */
static void render_answer(struct ctx *c, int st)
{
	struct response *resp = c->resp;
	if (c->page_body_id) {
		/* nginx sends the body from memcached (its /_pagebody/ location) */
		ctx_header(c, "X-Accel-Redirect",
			   arena_printf(c->a, "/_pagebody/%s", c->page_body_id));
		ctx_header(c, "Content-Type", "text/html; charset=utf-8");
	} else if (c->page_hit) {
		buf_append(&resp->body, c->page_hit, c->page_len);
		ctx_header(c, "Content-Type", "text/html; charset=utf-8");
	} else if (c->err_code || (st >= 400 && !(c->api && c->data))) {
		/* An error status with a view model and no ctx_fail (e.g.
		 * /healthz 503 {"db":"down"}) is an answer in its own right. */
		render_error(c, st >= 400 ? st : 500);
	} else if (c->raw_type) {
		/* The handler wrote the body itself (an image); no template. */
		resp->status = st ? st : 200;
		ctx_header(c, "Content-Type", c->raw_type);
	} else {
		render_ok(c, st ? st : 200);
		if (!db_read_only(c->app->db))
			page_store(c);
	}
}

void dispatch(struct app *app, struct request *req, struct response *resp, int body_status)
{
	int64_t t0 = now_mono_us();
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = req;
	c.resp = resp;
	c.a = req->arena;
	resp->status = 200;
	buf_reset(&resp->head);
	buf_reset(&resp->body);

	db_request_begin(app->db);
	int st = run(&c, body_status);
	/* The primary gone, the replicas answering: a write says why it waits
	 * (run() refuses it up front once the worker knows). */
	if (st == 503 && db_read_only(app->db) && is_write(req))
		st = ctx_fail(&c, 503, "read_only", READ_ONLY_TEXT);
	ctx_decode_slot_give(&c); /* (a handler's own give is the norm) */
	ctx_fetch_slot_give(&c);
	render_answer(&c, st);
	if (c.idem && idem_end(&c, &st))
		render_answer(&c, st);
	/* Whatever a person changes, their cached pages are stale at once. */
	if (c.me && is_write(req) && resp->status < 400) {
		cache_bump(app->cache, cachekey_user_version(c.a, c.me->id));
		/* ... and their next read, wherever it lands, sees this write */
		const char *pos = db_written_pos(app->db, c.a);
		if (*pos)
			cache_set(app->cache, cachekey_written_pos(c.a, c.me->id), pos, strlen(pos),
				  60);
	}
	cache_headers(&c);
	if (!strcmp(req->method, "HEAD"))
		buf_reset(&resp->body);

	log_info("%s %s %d %.1fms %s", req->method, req->path, resp->status,
		 (double)(now_mono_us() - t0) / 1000.0, c.me ? c.me->username : "-");
	if (c.data)
		cJSON_Delete(c.data);
	if (req->json)
		cJSON_Delete(req->json);
	req->json = NULL;
	cache_prefetch_end(app->cache); /* its answers live in this arena */
}
