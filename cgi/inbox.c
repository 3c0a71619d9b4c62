/* inbox.c - the ActivityPub inboxes, POST /u/{name}/inbox and POST /inbox
 * (docs/FEDERATION.md "The inbox"). An activity is taken only with a valid
 * HTTP signature by its own actor's key: the key is read from ap_actors,
 * or fetched (lib/apremote.c: the one outgoing call on this request path,
 * bounded to APNET_FETCH_MS) and fetched once more when a cached key does
 * not verify (the actor may have changed keys). Taken activities are
 * stored in ap_inbox and answered 202; imagier-gen acts on them
 * (lib/apqueue.c), never this request. */
#include "apmod.h"
#include "apnet.h"
#include "apremote.h"
#include "app.h"
#include "httpsig.h"
#include "log.h"
#include "ratelimit.h"
#include "util.h"

#include "apub_data.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#define INBOX_MAX_BODY (256u << 10)

/* The request's headers for httpsig_verify: Content-Type and
 * Content-Length come outside the HTTP_ variables. */
static const char *inbox_header(void *arg, const char *name)
{
	struct ctx *c = arg;
	if (!strcmp(name, "content-type"))
		return c->req->content_type && *c->req->content_type ? c->req->content_type : NULL;
	if (!strcmp(name, "content-length"))
		return arena_printf(c->a, "%zu", c->req->body_len);
	return kv_get(&c->req->headers, name);
}

static int unsigned_fail(struct ctx *c, const char *why)
{
	log_info("inbox %s: refused (401): %s", c->req->path, why);
	return ctx_fail(c, 401, "bad_signature", why);
}

/* 1 when the Content-Type is ActivityPub's (activity+json, or ld+json with
 * any profile). */
static int activity_type(const char *ct)
{
	return ct && (!strncasecmp(ct, "application/activity+json", 25) ||
		      !strncasecmp(ct, "application/ld+json", 19));
}

/* Types imagier-gen acts on (lib/apin.h); others are stored as ignored. */
static int handled_type(const char *t)
{
	static const char *const types[] = {"Follow", "Undo",	"Like",	  "Create", "Announce",
					    "Update", "Delete", "Accept", "Reject"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return 1;
	return 0;
}

/* The limits of class ("inbox": per signing host, counted once the
 * signature verified; "inbox_addr": per sending address, before anything
 * is verified): 0, or the 429. */
static int inbox_limit(struct ctx *c, const char *class, const char *who_text)
{
	struct ratelimit_who who = {.addr = who_text};
	struct ratelimit_refusal no;
	if (!ratelimit_take(c->app->cache, c->app->db, c->a, &c->app->cfg, class, &who, &no))
		return 0;
	ctx_header(c, "Retry-After", arena_printf(c->a, "%lld", (long long)no.retry));
	return ctx_fail(c, 429, "rate_limited",
			arena_printf(c->a,
				     "%s has sent %lld activities in the last minute; try again in "
				     "%lld s.",
				     who_text, (long long)no.limit, (long long)no.retry));
}

/* The actor of key_id: from ap_actors, or fetched (refresh: fetched even
 * when known) while holding a fetch slot. 0, 401 with *why, 503 (the
 * database, or every fetch slot taken: the answer is made). */
static int inbox_actor(struct ctx *c, const char *key_id, int refresh, struct ap_remote *who,
		       const char **why)
{
	int st = refresh ? 404 : apremote_cached(c->app->db, c->a, key_id, who);
	if (st != 404)
		return st;
	if ((st = ctx_fetch_slot(c)))
		return st;
	st = apremote_get(c->app->db, c->a, key_id, 1, who, why);
	ctx_fetch_slot_give(c);
	return st;
}

static int inbox_take(struct ctx *c, int64_t user_id)
{
	struct request *r = c->req;
	const char *why;
	c->api = 1;
	if (r->body_len > INBOX_MAX_BODY)
		return ctx_fail(c, 413, "too_large", "An activity can be at most 256 KB.");
	if (!activity_type(r->content_type))
		return ctx_fail(c, 415, "unsupported_media_type",
				"Send an activity as application/activity+json.");
	const char *sig = kv_get(&r->headers, "signature");
	if (!sig)
		return unsigned_fail(c, "The request has no HTTP signature.");
	const char *target =
	    *r->query_string ? arena_printf(c->a, "%s?%s", r->path, r->query_string) : r->path;
	int64_t now = now_unix();
	int st;
	struct httpsig_params p;
	/* Everything but the key first: a stale or malformed request costs no
	 * fetch (with no key, the best it can do is HTTPSIG_BAD_KEY). */
	enum httpsig_result res = httpsig_verify(sig, r->method, target, inbox_header, c, r->body,
						 r->body_len, "-", now, &p);
	if (res != HTTPSIG_BAD_KEY && res != HTTPSIG_OK)
		return unsigned_fail(c, httpsig_result_text(res));
	/* A flood from one address is refused before anything costs more; a
	 * defederated server (the host the key names) without a key fetch. */
	const char *khost, *ktarget;
	if (apnet_url_parts(c->a, p.key_id, &khost, &ktarget))
		return unsigned_fail(c, "The keyId is not an http(s) URL.");
	char *lower = arena_strdup(c->a, khost); /* one count per host, whatever its case */
	for (char *q = lower; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	khost = lower;
	st = inbox_limit(c, "inbox_addr", r->remote_addr);
	if (st)
		return st;
	int blocked = apmod_blocked(c->app->db, c->a, khost);
	if (blocked < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (blocked) {
		log_info("inbox %s: refused (403): %s is defederated", r->path, khost);
		return ctx_fail(
		    c, 403, "defederated",
		    arena_printf(c->a, "This server does not take activities from %s.", khost));
	}
	cJSON *act = NULL;
	struct http_limits lim = c->app->lim;
	lim.max_body = INBOX_MAX_BODY;
	st = http_parse_json(r->body, r->body_len, &act, &lim, &why);
	if (st)
		return ctx_fail(c, st == 413 ? 413 : 400, st == 413 ? "too_large" : "bad_request",
				why);
	struct ap_activity a;
	if (apremote_activity(c->a, act, &a, &why)) {
		cJSON_Delete(act);
		return ctx_fail(c, 400, "bad_activity", why);
	}
	struct ap_remote who;
	st = inbox_actor(c, p.key_id, 0, &who, &why);
	if (st == 0) {
		res = httpsig_verify(sig, r->method, target, inbox_header, c, r->body, r->body_len,
				     who.public_pem, now, NULL);
		/* a cached key that no longer verifies: the actor may have a new
		 * one; fetched once more */
		if ((res == HTTPSIG_BAD_SIGNATURE || res == HTTPSIG_BAD_KEY) &&
		    who.fetched_at < now) {
			st = inbox_actor(c, p.key_id, 1, &who, &why);
			if (st == 0)
				res =
				    httpsig_verify(sig, r->method, target, inbox_header, c, r->body,
						   r->body_len, who.public_pem, now, NULL);
		}
	}
	if (st == 503) {
		cJSON_Delete(act);
		return c->err_code
			   ? 503
			   : ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	if (st) {
		cJSON_Delete(act);
		return unsigned_fail(c, why);
	}
	if (res != HTTPSIG_OK) {
		cJSON_Delete(act);
		return unsigned_fail(c, httpsig_result_text(res));
	}
	if (strcmp(a.actor, who.uri)) {
		cJSON_Delete(act);
		return unsigned_fail(c,
				     "The activity's actor is not the owner of the signing key.");
	}
	/* a verified server's own count: nobody else can spend it */
	if ((st = inbox_limit(c, "inbox", khost))) {
		cJSON_Delete(act);
		return st;
	}
	int handled = handled_type(a.type);
	if (!handled)
		log_info("inbox: %s from %s stored, not acted on (not supported yet)", a.type,
			 who.uri);
	/* a remote person the moderators banned or suspended: taken (a refusal
	 * would be retried) and left alone */
	int silenced = apmod_user_silenced(c->app->db, c->a, who.user_id);
	if (silenced > 0) {
		log_info("inbox: %s from %s ignored: banned or suspended here", a.type, who.uri);
		handled = 0;
	}
	/* once per activity id: a repeated delivery is answered the same */
	st = apremote_store(c->app->db, c->a, &a, who.id, user_id, (const char *)r->body, handled,
			    now);
	cJSON_Delete(act);
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return ctx_send_json(c, cJSON_CreateObject(), "application/json", 202);
}

int inbox_user(struct ctx *c)
{
	struct apub_actor u;
	int64_t deleted;
	int st = apub_actor_load(c->app->db, c->a, c->sparams[0], &u, &deleted);
	c->api = 1;
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (st)
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	return inbox_take(c, u.id);
}

int inbox_shared(struct ctx *c)
{
	return inbox_take(c, 0);
}
