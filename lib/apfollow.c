/* apfollow.c - local people following remote ones (apfollow.h). */
#include "apfollow.h"
#include "apaccount.h"
#include "apnet.h"
#include "apnote.h"
#include "apqueue.h"
#include "apremote.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "post.h"
#include "render.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AS_CONTEXT "https://www.w3.org/ns/activitystreams"
#define AS_PUBLIC  "https://www.w3.org/ns/activitystreams#Public"
#define AP_ACCEPT                                                                                  \
	"application/activity+json, application/ld+json; "                                         \
	"profile=\"https://www.w3.org/ns/activitystreams\""

/* "host[:port]" of base ("" when none). */
static const char *base_host(struct arena *a, const char *base)
{
	const char *p = strstr(base, "://");
	if (!p)
		return "";
	p += 3;
	char *h = arena_strndup(a, p, strcspn(p, "/?#"));
	for (char *q = h; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return h;
}

static int64_t ms_left(int64_t deadline_us)
{
	int64_t left = (deadline_us - now_mono_us()) / 1000;
	return left > 0 ? left : 0;
}

/* Fetch the actor at url (within the deadline), store it and its users
 * row. 0 with *user_id, 403, 404 with *why, 503. */
static int fetch_actor(struct db *db, struct arena *a, const char *url, int64_t deadline,
		       int64_t *user_id, const char **why)
{
	char *body;
	size_t len;
	const char *key_id, *owner, *host, *target;
	struct ap_remote who;
	if (apnet_url_parts(a, url, &host, &target)) {
		*why = "the actor's address is not an http(s) URL";
		return 404;
	}
	if (apaccount_domain_blocked(db, a, host) > 0)
		return 403;
	if (apnet_get(a, url, AP_ACCEPT, (long)ms_left(deadline), APNET_MAX_DOC, &body, &len,
		      why)) {
		*why = arena_printf(a, "the actor %s could not be fetched: %s", url, *why);
		return 404;
	}
	if (apnote_key_id(a, body, len, &key_id, why) ||
	    apremote_parse_actor(a, body, len, key_id, &who, &owner, why)) {
		*why = arena_printf(a, "the actor %s could not be read: %s", url, *why);
		return 404;
	}
	/* Its id names the server that answered: no one else's person. */
	if (!apnote_same_host(who.uri, host)) {
		*why = "the actor document's id is on another host";
		return 404;
	}
	if (apremote_save(db, a, &who))
		return 503;
	return apaccount_user(db, a, &who, user_id);
}

int apfollow_resolve(struct db *db, struct arena *a, const char *base, const char *acct,
		     int64_t *user_id, const char **why)
{
	struct db_res r;
	const char *name, *host;
	int64_t deadline = now_mono_us() + (int64_t)APFOLLOW_LOOKUP_MS * 1000;
	*why = "";
	if (acct && (!strncmp(acct, "http://", 7) || !strncmp(acct, "https://", 8))) {
		if (strlen(acct) > APNET_MAX_URL)
			return 400;
		if (db_read(db, a, &r,
			    "SELECT a.user_id FROM ap_actors a JOIN users u ON u.id = a.user_id "
			    "WHERE a.uri = ? AND a.fetched_at > ?",
			    "si", acct, now_unix() - APREMOTE_TTL) != DB_OK)
			return 503;
		if (r.nrows) {
			*user_id = db_int(&r, 0, 0);
			return 0;
		}
		return fetch_actor(db, a, acct, deadline, user_id, why);
	}
	if (apnote_acct(a, acct, &name, &host))
		return 400;
	if (!strcmp(host, base_host(a, base))) {
		if (db_read(db, a, &r,
			    "SELECT id FROM users WHERE username = ? AND domain = '' AND banned_at "
			    "IS NULL",
			    "s", name) != DB_OK)
			return 503;
		if (!r.nrows)
			return 404;
		*user_id = db_int(&r, 0, 0);
		return 0;
	}
	int blocked = apaccount_domain_blocked(db, a, host);
	if (blocked)
		return blocked < 0 ? 503 : 403;
	if (db_read(db, a, &r,
		    "SELECT u.id FROM users u JOIN ap_actors a ON a.user_id = u.id WHERE "
		    "u.username = ? AND u.domain <> '' AND a.fetched_at > ?",
		    "si", arena_printf(a, "%s@%s", name, host), now_unix() - APREMOTE_TTL) != DB_OK)
		return 503;
	if (r.nrows) {
		*user_id = db_int(&r, 0, 0);
		return 0;
	}
	/* WebFinger over the scheme this site itself is served on. */
	const char *scheme = strncmp(base, "https://", 8) ? "http" : "https";
	const char *wf = arena_printf(a, "%s://%s/.well-known/webfinger?resource=acct:%s@%s",
				      scheme, host, url_encode(a, name), url_encode(a, host));
	char *body;
	size_t len;
	const char *href;
	if (apnet_get(a, wf, "application/jrd+json, application/json", (long)ms_left(deadline),
		      APFOLLOW_MAX_JRD, &body, &len, why)) {
		*why = arena_printf(a, "WebFinger of %s@%s failed: %s", name, host, *why);
		return 404;
	}
	if (apnote_jrd_self(a, body, len, &href, why))
		return 404;
	return fetch_actor(db, a, href, deadline, user_id, why);
}

int apfollow_is_remote(struct db *db, struct arena *a, int64_t target_id)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT domain <> '' FROM users WHERE id = ?", "i", target_id) !=
	    DB_OK)
		return -1;
	return r.nrows && db_int(&r, 0, 0) ? 1 : 0;
}

const char *apfollow_state(struct db *db, struct arena *a, int64_t user_id, int64_t target_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT o.state FROM ap_follows_out o JOIN ap_actors x ON x.id = o.actor_id "
		    "WHERE o.user_id = ? AND x.user_id = ?",
		    "ii", user_id, target_id) != DB_OK)
		return NULL;
	if (!r.nrows)
		return "none";
	return strcmp(db_str(&r, 0, 0), "accepted") ? "requested" : "following";
}

static const char *actor_of(struct arena *a, const char *base, const char *name)
{
	return arena_printf(a, "%s/u/%s", base, name);
}

/* Queue d (then deleted) from user_id to inbox. 0 or -1. */
static int send_doc(struct db *db, struct arena *a, int64_t user_id, const char *inbox, cJSON *d)
{
	char *s = json_print(d);
	cJSON_Delete(d);
	int rc = s ? apq_enqueue(db, a, user_id, inbox, s) : -1;
	free(s);
	return rc;
}

static cJSON *follow_doc(const char *uri, const char *me, const char *them)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", uri);
	cJSON_AddStringToObject(f, "type", "Follow");
	cJSON_AddStringToObject(f, "actor", me);
	cJSON_AddStringToObject(f, "object", them);
	return f;
}

int apfollow_set(struct db *db, struct arena *a, const char *base, int64_t user_id,
		 int64_t target_id, int on, int *changed)
{
	struct db_res r;
	int ok = 0;
	*changed = 0;
	if (db_exec(db, a, &r,
		    "SELECT x.id, x.uri, x.inbox, x.domain, (SELECT username FROM users WHERE id "
		    "= ?), (SELECT o.follow_uri FROM ap_follows_out o WHERE o.user_id = ? AND "
		    "o.actor_id = x.id) FROM ap_actors x JOIN users u ON u.id = x.user_id WHERE "
		    "x.user_id = ? AND u.domain <> ''",
		    "iii", user_id, user_id, target_id) != DB_OK)
		return 503;
	if (!r.nrows || !db_str(&r, 0, 4))
		return 404;
	int64_t actor_id = db_int(&r, 0, 0);
	const char *them = db_str(&r, 0, 1), *inbox = db_str(&r, 0, 2);
	const char *me = actor_of(a, base, db_str(&r, 0, 4)), *old = db_str(&r, 0, 5);
	if (on) {
		int blocked = apaccount_domain_blocked(db, a, db_str(&r, 0, 3));
		if (blocked)
			return blocked < 0 ? 503 : 403;
		if (old)
			return 0; /* pending or accepted already */
		const char *uri = arena_printf(a, "%s#follows/%lld/%lld", me, (long long)actor_id,
					       (long long)now_unix());
		cJSON *d = follow_doc(uri, me, them);
		cJSON_AddStringToObject(d, "@context", AS_CONTEXT);
		if (db_begin(db) != DB_OK)
			return 503;
		if (db_exec(db, a, &r,
			    "INSERT IGNORE INTO ap_follows_out (user_id, actor_id, follow_uri, "
			    "state, created_at) VALUES (?, ?, ?, 'pending', ?)",
			    "iisi", user_id, actor_id, uri, now_unix()) != DB_OK) {
			cJSON_Delete(d);
			goto done;
		}
		*changed = r.affected == 1;
		if (*changed ? send_doc(db, a, user_id, inbox, d) : (cJSON_Delete(d), 0))
			goto done;
		ok = 1;
	done:
		if (db_finish(db, ok) != DB_OK)
			return 503;
		if (*changed)
			log_info("apfollow: %lld asked to follow %s", (long long)user_id, them);
		return 0;
	}
	if (old) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "@context", AS_CONTEXT);
		cJSON_AddStringToObject(d, "id", arena_printf(a, "%s/undo", old));
		cJSON_AddStringToObject(d, "type", "Undo");
		cJSON_AddStringToObject(d, "actor", me);
		cJSON_AddItemToObject(d, "object", follow_doc(old, me, them));
		if (db_begin(db) != DB_OK) {
			cJSON_Delete(d);
			return 503;
		}
		if (db_exec(db, a, &r,
			    "DELETE FROM ap_follows_out WHERE user_id = ? AND actor_id = ?", "ii",
			    user_id, actor_id) != DB_OK ||
		    (r.affected == 1 ? send_doc(db, a, user_id, inbox, d) : (cJSON_Delete(d), 0))) {
			db_finish(db, 0);
			return 503;
		}
		*changed = r.affected == 1;
		if (db_finish(db, 1) != DB_OK)
			return 503;
	}
	int unfollowed = 0;
	if (social_follow_user(db, a, user_id, target_id, 0, &unfollowed))
		return 503;
	*changed |= unfollowed;
	return 0;
}

int apfollow_answered(struct db *db, struct arena *a, int64_t actor_id, const char *follow_uri,
		      int accept, int64_t *user_id)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT o.user_id, o.state, x.user_id FROM ap_follows_out o JOIN ap_actors x "
		    "ON x.id = o.actor_id WHERE o.follow_uri = ? AND o.actor_id = ?",
		    "si", follow_uri, actor_id) != DB_OK)
		return 503;
	if (!r.nrows || !db_str(&r, 0, 2))
		return 404;
	*user_id = db_int(&r, 0, 0);
	int64_t target = db_int(&r, 0, 2);
	int changed;
	if (accept) {
		if (db_exec(db, a, NULL,
			    "UPDATE ap_follows_out SET state = 'accepted' WHERE follow_uri = ?",
			    "s", follow_uri) != DB_OK ||
		    social_follow_user(db, a, *user_id, target, 1, &changed))
			return 503;
		return 0;
	}
	if (db_exec(db, a, NULL, "DELETE FROM ap_follows_out WHERE follow_uri = ?", "s",
		    follow_uri) != DB_OK ||
	    social_follow_user(db, a, *user_id, target, 0, &changed))
		return 503;
	return 0;
}

/* ---- interactions with remote posts ------------------------------------------ */

/* When post_id is remote: its Note's id, its author's actor and inbox, and
 * the acting person's name. 1, 0 (not remote), -1. */
static int remote_post(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
		       const char **note, const char **author, const char **inbox,
		       const char **name)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT o.uri, x.uri, x.inbox, (SELECT username FROM users WHERE id = ?) FROM "
		    "ap_objects o JOIN ap_actors x ON x.id = o.actor_id WHERE o.kind = 'post' AND "
		    "o.local_id = ?",
		    "ii", user_id, post_id) != DB_OK)
		return -1;
	if (!r.nrows || !db_str(&r, 0, 3))
		return 0;
	*note = db_str(&r, 0, 0);
	*author = db_str(&r, 0, 1);
	*inbox = db_str(&r, 0, 2);
	*name = db_str(&r, 0, 3);
	return 1;
}

const char *apfollow_like_id(struct arena *a, const char *base, const char *name, int64_t post_id,
			     int64_t stamp)
{
	return arena_printf(a, "%s#likes/%lld/%lld", actor_of(a, base, name), (long long)post_id,
			    (long long)stamp);
}

int64_t apfollow_like_stamp(struct db *db, struct arena *a, int64_t user_id, int64_t post_id)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT l.created_at FROM likes l JOIN posts p ON p.id = l.post_id WHERE "
		    "l.post_id = ? AND l.user_id = ? AND p.remote = 1",
		    "ii", post_id, user_id) != DB_OK)
		return -1;
	return r.nrows ? db_int(&r, 0, 0) : 0;
}

static cJSON *like_doc(struct arena *a, const char *base, const char *name, int64_t post_id,
		       int64_t stamp, const char *note, const char *author)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "id", apfollow_like_id(a, base, name, post_id, stamp));
	cJSON_AddStringToObject(l, "type", "Like");
	cJSON_AddStringToObject(l, "actor", actor_of(a, base, name));
	cJSON_AddStringToObject(l, "object", note);
	cJSON_AddItemToObject(l, "to", cJSON_CreateStringArray(&author, 1));
	return l;
}

int apfollow_like(struct db *db, struct arena *a, const char *base, int64_t user_id,
		  int64_t post_id, int on, int64_t stamp)
{
	const char *note, *author, *inbox, *name;
	int rp = remote_post(db, a, user_id, post_id, &note, &author, &inbox, &name);
	if (rp <= 0)
		return rp;
	if (on) {
		stamp = apfollow_like_stamp(db, a, user_id, post_id);
		if (stamp <= 0)
			return stamp < 0 ? -1 : 0; /* unliked meanwhile */
	}
	cJSON *like = like_doc(a, base, name, post_id, stamp, note, author), *d = like;
	if (!on) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    d, "id",
		    arena_printf(a, "%s/undo",
				 cJSON_GetStringValue(cJSON_GetObjectItem(like, "id"))));
		cJSON_AddStringToObject(d, "type", "Undo");
		cJSON_AddStringToObject(d, "actor", actor_of(a, base, name));
		cJSON_AddItemToObject(d, "object", like);
	}
	cJSON_AddStringToObject(d, "@context", AS_CONTEXT);
	return send_doc(db, a, user_id, inbox, d);
}

/* The Note id of local comment comment_id on post_id. */
static const char *comment_uri(struct arena *a, const char *base, int64_t post_id,
			       int64_t comment_id)
{
	return arena_printf(a, "%s/p/%lld#c%lld", base, (long long)post_id, (long long)comment_id);
}

int apfollow_comment(struct db *db, struct arena *a, const char *base, int64_t user_id,
		     int64_t post_id, int64_t comment_id, int64_t parent_id, const char *text,
		     int64_t created_at)
{
	const char *note, *author, *inbox, *name;
	int rp = remote_post(db, a, user_id, post_id, &note, &author, &inbox, &name);
	if (rp <= 0)
		return rp;
	const char *me = actor_of(a, base, name), *id = comment_uri(a, base, post_id, comment_id);
	struct buf html = {0};
	buf_append(&html, "<p>", 3);
	html_escape(&html, text, strlen(text));
	buf_append(&html, "</p>", 4);
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "id", id);
	cJSON_AddStringToObject(n, "type", "Note");
	cJSON_AddStringToObject(n, "attributedTo", me);
	cJSON_AddStringToObject(n, "inReplyTo",
				parent_id ? comment_uri(a, base, post_id, parent_id) : note);
	cJSON_AddStringToObject(n, "content", arena_strndup(a, html.data, html.len));
	buf_free(&html);
	cJSON_AddStringToObject(n, "mediaType", "text/html");
	cJSON_AddStringToObject(n, "published", time_iso(a, created_at));
	cJSON_AddStringToObject(n, "url",
				arena_printf(a, "%s/p/%lld#comment-%lld", base, (long long)post_id,
					     (long long)comment_id));
	const char *to[] = {AS_PUBLIC}, *cc[] = {author};
	cJSON_AddItemToObject(n, "to", cJSON_CreateStringArray(to, 1));
	cJSON_AddItemToObject(n, "cc", cJSON_CreateStringArray(cc, 1));
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@context", AS_CONTEXT);
	cJSON_AddStringToObject(d, "id", arena_printf(a, "%s/create", id));
	cJSON_AddStringToObject(d, "type", "Create");
	cJSON_AddStringToObject(d, "actor", me);
	cJSON_AddStringToObject(d, "published", time_iso(a, created_at));
	cJSON_AddItemToObject(d, "to", cJSON_CreateStringArray(to, 1));
	cJSON_AddItemToObject(d, "cc", cJSON_CreateStringArray(cc, 1));
	cJSON_AddItemToObject(d, "object", n);
	return send_doc(db, a, user_id, inbox, d);
}

int apfollow_comment_deleted(struct db *db, struct arena *a, const char *base, int64_t user_id,
			     int64_t post_id, int64_t comment_id)
{
	const char *note, *author, *inbox, *name;
	int rp = remote_post(db, a, user_id, post_id, &note, &author, &inbox, &name);
	if (rp <= 0)
		return rp;
	const char *id = comment_uri(a, base, post_id, comment_id);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@context", AS_CONTEXT);
	cJSON_AddStringToObject(d, "id", arena_printf(a, "%s/delete", id));
	cJSON_AddStringToObject(d, "type", "Delete");
	cJSON_AddStringToObject(d, "actor", actor_of(a, base, name));
	const char *to[] = {AS_PUBLIC};
	cJSON_AddItemToObject(d, "to", cJSON_CreateStringArray(to, 1));
	cJSON *t = cJSON_AddObjectToObject(d, "object");
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "type", "Tombstone");
	return send_doc(db, a, user_id, inbox, d);
}
