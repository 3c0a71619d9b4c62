/* app.h - what every handler sees: the worker's resources and one request. */
#ifndef IMAGIER_APP_H
#define IMAGIER_APP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "http.h"

struct cJSON;
struct db;
struct idem;
struct cache;
struct tmpl_set;
struct textnorm_list;

#define APP_KNOWN_SESSIONS 512

/* Per-worker state that lives across requests. */
struct app {
	struct config cfg;
	struct db *db;
	struct cache *cache;
	struct tmpl_set *views;
	struct http_limits lim;
	struct arena arena; /* reset after every request */
	/* the word filter, compiled once per version of the list (filter.c) */
	struct arena filter_arena;
	struct textnorm_list *filter_list;
	uint64_t filter_version;
	int64_t filter_loaded_at;
	uint64_t served;
	/* Whose session is whose, as this worker last saw it (dispatch.c): lets
	 * a warm logged-in page fetch the person's version keys in the same
	 * multi-get as the session itself. A hint only: the session entry read
	 * in that multi-get confirms it. Direct-mapped by the session hash. */
	struct app_known_session {
		unsigned char hash[16]; /* the first bytes of the session hash */
		int64_t user_id;	/* 0: empty slot */
	} known[APP_KNOWN_SESSIONS];
	/* The decode slots' lock file (ctx_decode_slot), plus one: 0 = not
	 * opened yet, -1 = could not be opened (no limit then). */
	int slots_fd_plus1;
};

/* The buffered response: written once, after the handler returned. */
struct response {
	int status;
	struct buf head; /* "Name: value\r\n" lines */
	struct buf body;
};

struct user {
	int64_t id;
	const char *username;
	const char *role;	 /* "user", "moderator", "admin" */
	int64_t created_at;	 /* account age decides the new-account rate limits */
	int64_t suspended_until; /* unix time, 0: not suspended */
};

struct ctx;
typedef int (*handler_fn)(struct ctx *c);

enum route_flags {
	R_LOGIN = 1 << 0,  /* must be logged in (else 401 / redirect to /login) */
	R_CSRF = 1 << 1,   /* state-changing: CSRF token required for cookie sessions */
	R_API = 1 << 2,	   /* JSON face (else HTML through a template) */
	R_FORM = 1 << 3,   /* page has a form: anonymous visitors get a CSRF cookie */
	R_MOD = 1 << 4,	   /* role moderator or admin */
	R_ADMIN = 1 << 5,  /* role admin */
	R_PCACHE = 1 << 6, /* a logged-in GET page may be served from the per-session page cache */
	R_SUSP = 1 << 7,   /* a suspended person may still do it (leave, appeal, protect oneself) */
	R_SUSP_CONSENT = 1 << 8,  /* ... when the JSON body holds nothing but training_consent */
	R_IDEM = 1 << 9,	  /* creates: honours an Idempotency-Key header (idempotency.c) */
	R_RECHECK_LATE = 1 << 10, /* the handler rechecks a cached session with its own first
				     read (post_write_check), not run() with one of its own */
	R_DECODE = 1 << 11,	  /* decodes an uploaded picture: its decode slot is taken
				     before the rate limit, so a busy answer costs no token */
	R_MASTO = 1 << 12,	  /* Mastodon client API: its error shape, forms accepted, the
				     route's scope enforced for OAuth tokens (masto.c) */
	R_MASTO_ONLY = 1 << 13,	  /* ... Mastodon's face of a native path: chosen only for an
				     OAuth token, native clients get the next route */
	R_RAW_BODY = 1 << 14,	  /* the handler reads the body itself (an ActivityPub inbox:
				     its own types, limits and signature over the raw bytes) */
};

struct route {
	const char *method;
	const char *pattern; /* "/p/{id}": {name} matches one numeric segment */
	handler_fn fn;
	unsigned flags;
	const char *view;  /* template for the HTML face (and for form errors) */
	int ttl;	   /* seconds an anonymous response may be cached (0: never) */
	const char *limit; /* rate limit class ("post", "comment", ...; ratelimit.c), or NULL */
};

#define CTX_MAX_PARAMS 4

struct ctx {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct arena *a;
	const struct route *route;
	int64_t params[CTX_MAX_PARAMS];	     /* numeric path parameters ({id}), in order */
	const char *sparams[CTX_MAX_PARAMS]; /* other path parameters, decoded */
	int api;			     /* 1: JSON face */
	struct user *me;		     /* NULL when anonymous */
	const char *csrf;		     /* token forms must echo, or NULL */
	int bearer;			     /* authenticated by Authorization: Bearer */
	const char *session_token;	     /* raw token from the cookie or header */
	int session_down;		     /* 1: the token could not be checked (db down) */
	int session_from_cache;		     /* 1: the session came from memcached */
	struct cJSON *data;		     /* the view model the handler builds */
	const char *view;		     /* template override (else route->view) */
	const char *title;		     /* page title */
	const char *err_code, *err_msg;	     /* set by ctx_fail */
	const char *location;		     /* redirect target for HTML */
	const char *session_key;	     /* memcached key of the session (its hash) */
	const char *page_key;		     /* per-session page cache key, or NULL */
	const char *page_stamp;		     /* "versions\n" its entry must start with */
	char *page_hit;			     /* cached page body on a hit */
	size_t page_len;
	const char *page_body_id; /* on a hit nginx is to send: its body */
	const char *raw_type; /* the handler wrote resp->body itself (a chart): its Content-Type */
	int raw_max_age;      /* ... and the seconds a browser may keep it (private), 0: no-store */
	struct idem *idem;    /* the request's Idempotency-Key, when armed */
	int recheck_owed;     /* R_RECHECK_LATE: the cached session is still to recheck */
	struct page_pre *pre; /* what the one multi-get of a cacheable page brought (dispatch.c) */
	int64_t unread;	      /* the person's unread count, once known this request */
	int unread_known;
	int64_t oauth_app;  /* the app of an OAuth access token (oauth.h), else 0 */
	const char *scopes; /* ... and the token's scopes */
	int vary_accept;    /* the answer depends on Accept (ActivityPub negotiation, apub.c) */
	int fetch_slot;	    /* the fetch slot held (ctx_fetch_slot), plus one; 0: none */
	int decode_slot;    /* the decode slot held (ctx_decode_slot), plus one; 0: none,
			     * -1: none needed (the slots could not be set up) */
};

/* Handlers return an HTTP status. Helpers: */
/* Record an error for the dispatcher to render; returns status. */
int ctx_fail(struct ctx *c, int status, const char *code, const char *message);
/* The error of a picture that image_sniff or an image store refused (st,
 * with why): 507 disk_full, another 5xx "could not store the <noun>", else
 * too_large (413), too_complex (422) or bad_image. Returns st. */
int ctx_image_fail(struct ctx *c, int st, const char *noun, const char *why);
/* An uploaded picture is decoded and encoded in a decode slot: at most
 * server.workers - 1 at once in the pool, so one worker is always free for
 * everything else (four 40 MP uploads held all four workers for 30 s).
 * The slots are byte-range locks on one file in the var dir, taken
 * without waiting: the kernel drops a dead worker's lock with it, and a
 * worker never blocks on another. 0 with the slot held (given back by
 * ctx_decode_slot_give, or at the end of the request), or 503 "busy" with
 * Retry-After. */
int ctx_decode_slot(struct ctx *c);
void ctx_decode_slot_give(struct ctx *c);
/* A fetch slot, held while a request worker waits on another server (the
 * inbox's key fetch): at most a quarter of the pool (one at least) at once
 * on this host, so slow or silent servers cannot take every worker. 0, or
 * 503 "busy" with Retry-After. Given back by ctx_fetch_slot_give (and at
 * the end of the request). */
int ctx_fetch_slot(struct ctx *c);
void ctx_fetch_slot_give(struct ctx *c);
/* Drop the answer a handler made (its body, view model, error, redirect,
 * raw type and the headers it added after the first keep_head bytes), so
 * that another can be made in its place. */
void ctx_drop_answer(struct ctx *c, size_t keep_head);
/* Answer doc (which becomes c->data) printed as the body, with Content-Type
 * type (a JSON face of its own: ActivityPub, WebFinger, NodeInfo).
 * Returns status. */
int ctx_send_json(struct ctx *c, struct cJSON *doc, const char *type, int status);
/* HTML: 303 to location; API: status (200/201) with c->data. */
int ctx_done(struct ctx *c, int api_status, const char *location);
/* A request parameter: JSON body member (string), else form field, else query. */
const char *ctx_param(struct ctx *c, const char *name);
/* A whole-number parameter (JSON number or decimal string) in [0, max]:
 * 1 = set *out, 0 = absent or empty, -1 = present but not such a number. */
int ctx_param_u64(struct ctx *c, const char *name, uint64_t max, uint64_t *out);
/* The uploaded (non-empty) multipart file of field name, or NULL. */
const struct part *ctx_file(struct ctx *c, const char *name);
/* path if it is a same-site path to send a person back to ("/p/1"; not
 * "//host", no backslash, no control character), else NULL. */
const char *ctx_local_path(const char *path);
/* Add a response header line. */
void ctx_header(struct ctx *c, const char *name, const char *value);
/* Set a cookie (HttpOnly, SameSite=Lax, Path=/, Secure when configured);
 * max_age < 0 deletes it. */
void ctx_cookie(struct ctx *c, const char *name, const char *value, long max_age);
/* 1 if the viewer is a moderator or an admin. */
int ctx_is_mod(const struct ctx *c);
/* access.c: the database's answer about a cached session (found 1 live, 0
 * ended; its role and suspension) that an R_RECHECK_LATE handler read with
 * its own first statement: applied as run() applies its own recheck. 0, or
 * the status of the refusal run() would have given (log in, suspended). */
int ctx_session_rechecked(struct ctx *c, int found, const char *role, int64_t suspended_until);
/* access.c: a cached session's role and suspension set from its row (found
 * 0: it ended; the cached copy goes either way when it changed); the answer
 * to a request that needs a login and has none (503 when the database is
 * away, 303 to /login for pages, else 401); 0, or 403 when the person is
 * suspended and the route is not one they may still use. */
void ctx_session_apply(struct ctx *c, int found, const char *role, int64_t suspended_until);
int ctx_login_fail(struct ctx *c);
int ctx_suspended_fail(struct ctx *c);
/* The lazily created view model object. */
struct cJSON *ctx_data(struct ctx *c);

/* routes.c */
extern const struct route routes[];
extern const size_t nroutes;

/* dispatch.c: serve one parsed request into resp. */
/* body_status: 0, or 413 when the body was refused before reading. */
void dispatch(struct app *app, struct request *req, struct response *resp, int body_status);
/* Set up / tear down per-worker state. Returns 0 or -1 (logged). */
int app_init(struct app *app, char *err, size_t errlen);
void app_free(struct app *app);

/* Handlers, by area. */
int health_show(struct ctx *c);
int account_signup_form(struct ctx *c);
int account_create(struct ctx *c);
int session_login_form(struct ctx *c);
int session_create(struct ctx *c);
int session_delete(struct ctx *c);
int me_show(struct ctx *c);
int post_upload_form(struct ctx *c);
int post_create(struct ctx *c);
int post_show(struct ctx *c);
int feed_show(struct ctx *c);
int gen_create_form(struct ctx *c);
int gen_create(struct ctx *c);
int gen_show(struct ctx *c);
int gen_cancel(struct ctx *c);
int gen_publish(struct ctx *c);
int remix_form(struct ctx *c);
int remix_create(struct ctx *c);
int lineage_show(struct ctx *c);
int like_put(struct ctx *c);
int like_delete(struct ctx *c);
int like_form(struct ctx *c);
int comments_list(struct ctx *c);
int comment_create(struct ctx *c);
int comment_delete(struct ctx *c);
int follow_user_put(struct ctx *c);
int follow_user_delete(struct ctx *c);
int follow_user_form(struct ctx *c);
int person_lookup_show(struct ctx *c);
int follow_tag_put(struct ctx *c);
int follow_tag_delete(struct ctx *c);
int follow_tag_form(struct ctx *c);
int user_show(struct ctx *c);
int user_posts(struct ctx *c);
int tag_posts(struct ctx *c);
int settings_form(struct ctx *c);
int me_update(struct ctx *c);
int search_show(struct ctx *c);
int notifications_show(struct ctx *c);
/* followreq.c - a locked account's follow requests */
int follow_requests_show(struct ctx *c);
int follow_request_authorize(struct ctx *c);
int follow_request_reject(struct ctx *c);
int notifications_read(struct ctx *c);
int feed_following_page(struct ctx *c);
int feed_top_page(struct ctx *c);
int foryou_page(struct ctx *c);
int feed_feedback(struct ctx *c);
int filters_show(struct ctx *c);
int mute_user_put(struct ctx *c);
int mute_user_delete(struct ctx *c);
int mute_user_form(struct ctx *c);
int report_create(struct ctx *c);
int queue_show(struct ctx *c);
int filters_update(struct ctx *c);
/* moderate.c: actions, audit log, users; appeal.c: what a person sees of
 * actions about them, and appeals. */
int mod_action(struct ctx *c);
int audit_show(struct ctx *c);
int admin_users_list(struct ctx *c);
int admin_user_show(struct ctx *c);
int admin_user_update(struct ctx *c);
int my_actions(struct ctx *c);
int my_action_show(struct ctx *c);
int appeal_create(struct ctx *c);
/* stats.c: the stats page and its server-drawn charts. */
int stats_show(struct ctx *c);
int stats_chart(struct ctx *c);
/* classify.c: the learning text classifier and the image hash blocklist. */
int classifier_show(struct ctx *c);
/* fedadmin.c: defederated hosts. */
int fed_blocks_show(struct ctx *c);
int fed_blocks_update(struct ctx *c);
/* myfilters.c: blocks, muted words and tags, content-warning choice. */
int block_user_put(struct ctx *c);
int block_user_delete(struct ctx *c);
int block_user_form(struct ctx *c);
int my_filters_show(struct ctx *c);
int my_filters_update(struct ctx *c);
/* apub.c: ActivityPub documents (actor, Note, outbox, followers,
 * following); wellknown.c: WebFinger, host-meta, NodeInfo. The actor and
 * the Note are the other face of user_posts and post_show (apub.h). */
int apub_outbox(struct ctx *c);
int apub_followers(struct ctx *c);
int apub_following(struct ctx *c);
int webfinger_show(struct ctx *c);
int host_meta_show(struct ctx *c);
int nodeinfo_index(struct ctx *c);
int nodeinfo_show(struct ctx *c);
/* syndicate.c: Atom and RSS feeds per person and tag, oEmbed. */
int user_feed_atom(struct ctx *c);
int user_feed_rss(struct ctx *c);
int tag_feed_atom(struct ctx *c);
int tag_feed_rss(struct ctx *c);
int oembed_show(struct ctx *c);
/* consent.c: training consent per person and per post, and its history. */
int post_update(struct ctx *c);
int post_consent_form(struct ctx *c);
int consent_history(struct ctx *c);
/* export.c: a person's own data as an archive, made in the background. */
int export_page(struct ctx *c);
int export_create(struct ctx *c);
int export_show(struct ctx *c);
int export_download(struct ctx *c);
/* media.c: the file of a hidden or removed post, for who may see it. */
int media_show(struct ctx *c);
/* delete.c: deleting an account and everything of it. */
int delete_form(struct ctx *c);
int account_delete(struct ctx *c);
/* sessions.c: changing one's password, one's sessions and logging them out. */
int password_form(struct ctx *c);
int password_change(struct ctx *c);
int sessions_show(struct ctx *c);
int session_end_one(struct ctx *c);
int sessions_end_others(struct ctx *c);
/* oauth.c: OAuth 2 and the instance; masto_face: 1 when errors take
 * Mastodon's shape {"error": "text"}; masto_scope_check: 0, or 403 when an
 * OAuth token may not use the route (not a Mastodon one, or a scope it was
 * not granted). */
int masto_face(const struct ctx *c);
int masto_scope_check(struct ctx *c);
int masto_instance(struct ctx *c);
int masto_instance_v2(struct ctx *c);
int masto_app_create(struct ctx *c);
int masto_app_verify(struct ctx *c);
int oauth_authorize_form(struct ctx *c);
int oauth_authorize(struct ctx *c);
int oauth_token(struct ctx *c);
int oauth_revoke(struct ctx *c);
/* masto.c, masto_post.c, masto_acct.c: the Mastodon client API. */
int masto_timeline_home(struct ctx *c);
int masto_timeline_public(struct ctx *c);
int masto_timeline_tag(struct ctx *c);
int masto_account_statuses(struct ctx *c);
int masto_status_create(struct ctx *c);
int masto_status_show(struct ctx *c);
int masto_status_delete(struct ctx *c);
int masto_status_context(struct ctx *c);
int masto_favourite(struct ctx *c);
int masto_unfavourite(struct ctx *c);
int masto_media_create(struct ctx *c);
int masto_media_show(struct ctx *c);
int masto_verify_credentials(struct ctx *c);
int masto_account_lookup(struct ctx *c);
int masto_account_show(struct ctx *c);
int masto_relationships(struct ctx *c);
int masto_follow(struct ctx *c);
int masto_followers(struct ctx *c);
int masto_following(struct ctx *c);
int masto_unfollow(struct ctx *c);
int masto_notifications(struct ctx *c);
int masto_follow_requests(struct ctx *c);
int masto_follow_request_authorize(struct ctx *c);
int masto_follow_request_reject(struct ctx *c);
int masto_search(struct ctx *c);
/* inbox.c: the ActivityPub inboxes (signed activities, stored for imagier-gen). */
int inbox_user(struct ctx *c);
int inbox_shared(struct ctx *c);
/* ratelimit.c: 0, or 429 (ctx_fail, Retry-After set) when this person or
 * address used up the limit of class ("post", "comment", ...). */
int ratelimit_check(struct ctx *c, const char *klass);
/* idempotency.c: the Idempotency-Key of an R_IDEM route. idem_begin: 0 to
 * run the handler (a new key is armed), or the status of an answer already
 * made: the first answer replayed, 422 (the key was used for another
 * request), 400 (a bad key), 503. idem_end, after the answer: records it;
 * returns 1 with *status when the handler met the same key committed by a
 * request running at once, and the response was reset to answer as that
 * one did (to be rendered again). */
int idem_begin(struct ctx *c);
int idem_end(struct ctx *c, int *status);
/* 0 if text passes the word filter, else the status of ctx_fail (400
 * blocked_word, naming the entry); label is the field ("The caption"). */
int filter_check(struct ctx *c, const char *label, const char *text);
/* The site's word filter, compiled and current (NULL: none, or the
 * database cannot say and there is no copy yet). */
struct textnorm_list;
const struct textnorm_list *word_filter(struct ctx *c);

#endif
