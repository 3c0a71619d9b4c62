/* apqueue.c - ActivityPub's work in imagier-gen (apqueue.h). */
#include "apqueue.h"
#include "apaccount.h"
#include "apin.h"
#include "apkey.h"
#include "apmod.h"
#include "apnet.h"
#include "apremote.h"
#include "db.h"
#include "followreq.h"
#include "http.h"
#include "httpsig.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int64_t apq_backoff(int attempts)
{
	static const int64_t steps[] = {60, 300, 1800, 7200, 43200};
	if (attempts < 1)
		return 0;
	if (attempts <= (int)(sizeof(steps) / sizeof(steps[0])))
		return steps[attempts - 1];
	return 86400;
}

int apq_enqueue(struct db *db, struct arena *a, int64_t user_id, const char *inbox,
		const char *activity)
{
	const char *host, *target;
	if (apnet_url_parts(a, inbox, &host, &target)) {
		log_error("apqueue: not queued to %.100s: not an http(s) URL", inbox);
		return -1;
	}
	int blocked = apmod_blocked(db, a, host);
	if (blocked)
		return blocked < 0 ? -1 : 0; /* defederated: nothing is sent there */
	int64_t now = now_unix();
	return db_exec(db, a, NULL,
		       "INSERT INTO ap_deliveries (user_id, inbox, host, activity, next_at, "
		       "created_at) VALUES (?, ?, ?, ?, ?, ?)",
		       "isssii", user_id, inbox, host, activity, now, now) == DB_OK
		   ? 0
		   : -1;
}

int apq_enqueue_signed(struct db *db, struct arena *a, const char *key_id, const char *private_pem,
		       const char *inbox, const char *activity)
{
	const char *host, *target;
	if (apnet_url_parts(a, inbox, &host, &target))
		return -1;
	int blocked = apmod_blocked(db, a, host);
	if (blocked)
		return blocked < 0 ? -1 : 0;
	int64_t now = now_unix();
	return db_exec(db, a, NULL,
		       "INSERT INTO ap_deliveries (user_id, inbox, host, activity, next_at, "
		       "created_at, key_id, private_pem) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)",
		       "sssiiss", inbox, host, activity, now, now, key_id, private_pem) == DB_OK
		   ? 0
		   : -1;
}

int apq_enqueue_followers(struct db *db, struct arena *a, int64_t user_id, const char *activity)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT DISTINCT IFNULL(r.shared_inbox, r.inbox) FROM ap_followers f JOIN "
		    "ap_actors r ON r.id = f.actor_id WHERE f.user_id = ?",
		    "i", user_id) != DB_OK)
		return -1;
	int n = 0;
	for (size_t i = 0; i < r.nrows; i++)
		if (!apq_enqueue(db, a, user_id, db_str(&r, i, 0), activity))
			n++;
	return n;
}

/* ---- the inbox's activities ----------------------------------------------- */

/* The local person an actor URL of ours names ({base}/u/NAME), not
 * banned: 0 with *id and *name, 404, 503. */
static int local_person(struct db *db, struct arena *a, const char *base, const char *url,
			int64_t *id, const char **name)
{
	size_t n = strlen(base);
	if (strncmp(url, base, n) || strncmp(url + n, "/u/", 3))
		return 404;
	const char *nm = url + n + 3;
	if (!*nm || strpbrk(nm, "/?#"))
		return 404;
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT id, username FROM users WHERE username = ? AND domain = '' AND "
		    "banned_at IS NULL",
		    "s", nm) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	*id = db_int(&r, 0, 0);
	*name = db_str(&r, 0, 1);
	return 0;
}

static const char *actor_url(struct arena *a, const char *base, const char *name)
{
	return arena_printf(a, "%s/u/%s", base, name);
}

int apq_answer_follow(struct db *db, struct arena *a, int64_t uid, const char *me, const char *id,
		      const char *type, const char *follow_id, const char *follower,
		      const char *inbox)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "@context", "https://www.w3.org/ns/activitystreams");
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", type);
	cJSON_AddStringToObject(d, "actor", me);
	cJSON *f = cJSON_AddObjectToObject(d, "object");
	if (follow_id && *follow_id)
		cJSON_AddStringToObject(f, "id", follow_id);
	cJSON_AddStringToObject(f, "type", "Follow");
	cJSON_AddStringToObject(f, "actor", follower);
	cJSON_AddStringToObject(f, "object", me);
	char *s = json_print(d);
	cJSON_Delete(d);
	int rc = s ? apq_enqueue(db, a, uid, inbox, s) : -1;
	free(s);
	return rc;
}

/* Follow of a local person: the follower row, and an Accept queued; of a
 * locked person who does not have them as a follower yet: a follow
 * request (followreq.h), answered when they approve or reject it. */
static int on_follow(struct db *db, struct arena *a, const char *base, int64_t row,
		     const struct ap_remote *who, const struct ap_activity *act)
{
	int64_t uid;
	const char *name;
	struct db_res r;
	int st = local_person(db, a, base, act->object_id, &uid, &name);
	if (st)
		return st;
	int locked = followreq_locked(db, a, uid);
	if (locked < 0 ||
	    db_exec(db, a, &r, "SELECT 1 FROM ap_followers WHERE user_id = ? AND actor_id = ?",
		    "ii", uid, who->id) != DB_OK)
		return 503;
	if (locked && !r.nrows) {
		/* the requester as an account here: listed, answered and told
		 * apart by its users row as anyone (apaccount.h) */
		struct ap_remote w = *who;
		int64_t acc = 0;
		int created = 0;
		if ((st = apaccount_user(db, a, &w, &acc)))
			return st == 403 ? 404 : 503;
		if (followreq_add_remote(db, a, uid, who->id, acc, act->id, &created))
			return 503;
		log_info("apqueue: %s asks to follow %s", who->uri, name);
		return 0;
	}
	if (db_exec(db, a, NULL,
		    "INSERT INTO ap_followers (user_id, actor_id, follow_id, created_at) VALUES "
		    "(?, ?, ?, ?) ON DUPLICATE KEY UPDATE follow_id = VALUES(follow_id)",
		    "iisi", uid, who->id, act->id, now_unix()) != DB_OK)
		return 503;
	const char *me = actor_url(a, base, name);
	int rc = apq_answer_follow(
	    db, a, uid, me, arena_printf(a, "%s#accepts/%lld", me, (long long)row), "Accept",
	    act->id, who->uri, *who->shared_inbox ? who->shared_inbox : who->inbox);
	log_info("apqueue: %s follows %s", who->uri, name);
	return rc ? 503 : 0;
}

/* Undo of a Follow: by the Follow's id, or by whom it followed. */
static int on_undo(struct db *db, struct arena *a, const char *base, const struct ap_remote *who,
		   const struct ap_activity *act)
{
	int64_t uid = 0;
	const char *name;
	if (*act->object_type && strcmp(act->object_type, "Follow"))
		return 404; /* an Undo of a Like...: not acted on yet */
	if (local_person(db, a, base, act->object_object, &uid, &name) == 503)
		return 503;
	struct db_res r;
	if (db_exec(db, a, &r,
		    "DELETE FROM ap_followers WHERE actor_id = ? AND ((? <> '' AND follow_id = ?) "
		    "OR user_id = ?)",
		    "issi", who->id, act->object_id, act->object_id, uid) != DB_OK)
		return 503;
	int64_t gone = (int64_t)r.affected;
	/* a follow request not answered yet goes with its Follow */
	if (db_exec(db, a, &r,
		    "DELETE FROM follow_requests WHERE actor_id = ? AND ((? <> '' AND follow_uri = "
		    "?) OR user_id = ?)",
		    "issi", who->id, act->object_id, act->object_id, uid) != DB_OK)
		return 503;
	if (gone)
		log_info("apqueue: %s no longer follows %lld", who->uri, (long long)uid);
	return gone || r.affected ? 0 : 404;
}

/* Act on inbox row i of r: 0 done, 404 nothing to do (ignored), 503. */
static int inbox_one(struct db *db, struct arena *a, const char *base, const struct db_res *r,
		     size_t i)
{
	struct ap_remote who;
	struct http_limits lim;
	struct ap_activity act;
	cJSON *j = NULL;
	const char *why, *body = db_str(r, i, 2);
	int st = apremote_load(db, a, db_int(r, i, 1), &who);
	if (st)
		return st;
	/* taken before its host was defederated or its author banned or
	 * suspended: left alone */
	int blocked = apmod_blocked(db, a, who.domain);
	int silenced = blocked ? 0 : apmod_user_silenced(db, a, who.user_id);
	if (blocked < 0 || silenced < 0)
		return 503;
	if (blocked || silenced)
		return 404;
	http_limits_default(&lim);
	if (http_parse_json((const unsigned char *)body, strlen(body), &j, &lim, &why) ||
	    apremote_activity(a, j, &act, &why)) {
		cJSON_Delete(j);
		return 404;
	}
	struct apin in = {db, a, base, db_int(r, i, 0), db_int(r, i, 3), &who, &act, j};
	st = 404;
	if (!strcmp(act.type, "Follow"))
		st = on_follow(db, a, base, db_int(r, i, 0), &who, &act);
	else if (!strcmp(act.type, "Undo"))
		st = on_undo(db, a, base, &who, &act);
	if (st == 404)
		st = apin_social(&in);
	if (st == 404)
		st = apin_follow(&in);
	cJSON_Delete(j);
	return st;
}

int apq_inbox_step(struct db *db, struct arena *a, const char *base, int batch)
{
	struct db_res r, u;
	if (db_exec(
		db, a, &r,
		"SELECT id, actor_id, body, IFNULL(user_id, 0) FROM ap_inbox WHERE state = 'new' "
		"ORDER BY id LIMIT ?",
		"i", (int64_t)batch) != DB_OK)
		return -1;
	int n = 0;
	int64_t until = now_mono_us() + APQ_INBOX_BUDGET_MS * 1000;
	for (size_t i = 0; i < r.nrows; i++) {
		/* a remote picture can take seconds to fetch: past the budget, the
		 * rest wait for the next round, after a generation job */
		if (n && now_mono_us() > until)
			break;
		int64_t id = db_int(&r, i, 0);
		/* taken by whichever worker marks it first */
		if (db_exec(
			db, a, &u,
			"UPDATE ap_inbox SET state = 'done', done_at = ? WHERE id = ? AND state = "
			"'new'",
			"ii", now_unix(), id) != DB_OK)
			return -1;
		if (u.affected != 1)
			continue;
		int st = inbox_one(db, a, base, &r, i);
		if (st == 404)
			db_exec(db, a, NULL, "UPDATE ap_inbox SET state = 'ignored' WHERE id = ?",
				"i", id);
		else if (st)
			log_error("apqueue: inbox activity %lld could not be handled (database)",
				  (long long)id);
		n++;
	}
	return n;
}

/* ---- deliveries ------------------------------------------------------------- */

/* The host answered (any status): its breaker closes. */
static void host_ok(struct db *db, struct arena *a, const char *host)
{
	db_exec(db, a, NULL,
		"INSERT INTO ap_hosts (host, failures, open_until) VALUES (?, 0, 0) ON DUPLICATE "
		"KEY UPDATE failures = 0, open_until = 0",
		"s", host);
}

/* One more failure of host; APQ_BREAKER_FAILS in a row open its breaker:
 * its rows wait until it closes again (moved to then). */
static void host_failed(struct db *db, struct arena *a, const char *host, const char *why)
{
	struct db_res r;
	int64_t now = now_unix();
	if (db_exec(
		db, a, NULL,
		"INSERT INTO ap_hosts (host, failures, open_until, last_error) VALUES (?, 1, 0, "
		"?) ON DUPLICATE KEY UPDATE failures = failures + 1, last_error = "
		"VALUES(last_error)",
		"ss", host, why) != DB_OK ||
	    db_exec(db, a, &r, "SELECT failures FROM ap_hosts WHERE host = ?", "s", host) !=
		DB_OK ||
	    !r.nrows || db_int(&r, 0, 0) < APQ_BREAKER_FAILS)
		return;
	int64_t until = now + APQ_BREAKER_OPEN;
	db_exec(db, a, NULL, "UPDATE ap_hosts SET open_until = ? WHERE host = ?", "is", until,
		host);
	db_exec(db, a, NULL,
		"UPDATE ap_deliveries SET next_at = GREATEST(next_at, ?) WHERE host = ?", "is",
		until, host);
	log_info("apqueue: %s failed %lld times in a row: its deliveries wait %d s", host,
		 (long long)db_int(&r, 0, 0), APQ_BREAKER_OPEN);
}

/* The signed request of row i of r (SELECT in apq_deliver_step): with its
 * author's key, or the key kept on the row (an erased person's Delete).
 * 0 with *req ready, or -1 with *why. */
static int deliver_prepare(struct db *db, struct arena *a, const char *base, const struct db_res *r,
			   size_t i, struct apnet_post_req *req, const char **why)
{
	struct db_res u;
	const char *pem, *priv, *key_id, *host, *target, *inbox = db_str(r, i, 2),
							 *body = db_str(r, i, 4);
	struct httpsig_signed sig;
	int64_t user_id = db_int(r, i, 1);
	if (!user_id && db_str(r, i, 7)[0] && db_str(r, i, 8)[0]) {
		key_id = db_str(r, i, 7);
		priv = db_str(r, i, 8);
	} else if (db_exec(db, a, &u, "SELECT username FROM users WHERE id = ?", "i", user_id) !=
		       DB_OK ||
		   !u.nrows || apkey_get(db, a, user_id, &pem, &priv)) {
		*why = "the author's key could not be read";
		return -1;
	} else {
		key_id = arena_printf(a, "%s#main-key", actor_url(a, base, db_str(&u, 0, 0)));
	}
	size_t len = strlen(body);
	if (apnet_url_parts(a, inbox, &host, &target) ||
	    httpsig_sign(a, priv, key_id, "POST", target, host, now_unix(), body, len, &sig)) {
		*why = "the request could not be signed";
		return -1;
	}
	const char **hdrs = arena_alloc(a, 5 * sizeof(*hdrs));
	hdrs[0] = arena_printf(a, "Host: %s", host);
	hdrs[1] = arena_printf(a, "Date: %s", sig.date);
	hdrs[2] = arena_printf(a, "Digest: %s", sig.digest);
	hdrs[3] = arena_printf(a, "Signature: %s", sig.signature);
	hdrs[4] = "Accept: application/activity+json";
	req->url = inbox;
	req->headers = hdrs;
	req->nheaders = 5;
	req->body = body;
	req->len = len;
	return 0;
}

/* The outcome of one try of row i of r. */
static void deliver_done(struct db *db, struct arena *a, const struct db_res *r, size_t i, int rc,
			 long status, const char *why)
{
	int64_t id = db_int(r, i, 0), created = db_int(r, i, 6), now = now_unix();
	const char *inbox = db_str(r, i, 2), *host = db_str(r, i, 3);
	int attempts = (int)db_int(r, i, 5) + 1;
	if (rc == 0 && status >= 200 && status < 300) {
		db_exec(db, a, NULL, "DELETE FROM ap_deliveries WHERE id = ?", "i", id);
		host_ok(db, a, host);
		return;
	}
	if (rc == 0 && status >= 400 && status < 500 && status != 408 && status != 429) {
		log_info("apqueue: delivery %lld to %s dropped: HTTP %ld", (long long)id, inbox,
			 status);
		db_exec(db, a, NULL, "DELETE FROM ap_deliveries WHERE id = ?", "i", id);
		host_ok(db, a, host);
		return;
	}
	if (rc == 0)
		why = arena_printf(a, "HTTP %ld", status);
	int64_t delay = apq_backoff(attempts);
	if (now + delay > created + APQ_GIVE_UP) {
		log_info("apqueue: delivery %lld to %s dropped after %d tries: %s", (long long)id,
			 inbox, attempts, why);
		db_exec(db, a, NULL, "DELETE FROM ap_deliveries WHERE id = ?", "i", id);
	} else {
		log_info("apqueue: delivery %lld to %s failed (%s), try %d again in %lld s",
			 (long long)id, inbox, why, attempts + 1, (long long)delay);
		db_exec(db, a, NULL,
			"UPDATE ap_deliveries SET attempts = ?, next_at = ?, last_error = LEFT(?, "
			"255), claim = NULL, claimed_until = 0 WHERE id = ?",
			"iisi", (int64_t)attempts, now + delay, why, id);
	}
	host_failed(db, a, host, arena_strndup(a, why, strnlen(why, 255)));
}

int apq_deliver_step(struct db *db, struct arena *a, const char *base, int batch)
{
	unsigned char raw[16];
	char claim[33];
	struct db_res r, u;
	int64_t now = now_unix();
	if (batch > APNET_PARALLEL)
		batch = APNET_PARALLEL;
	if (batch < 1)
		return 0;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(claim, sizeof(claim), raw, sizeof(raw));
	/* a round: up to batch due rows, sent at once */
	if (db_exec(db, a, &u,
		    "UPDATE ap_deliveries SET claim = ?, claimed_until = ? WHERE next_at <= ? AND "
		    "claimed_until < ? AND host NOT IN (SELECT host FROM ap_hosts WHERE open_until "
		    "> ?) ORDER BY next_at, id LIMIT ?",
		    "siiiii", claim, now + APQ_LEASE, now, now, now, (int64_t)batch) != DB_OK)
		return -1;
	if (!u.affected)
		return 0;
	if (db_exec(
		db, a, &r,
		"SELECT id, IFNULL(user_id, 0), inbox, host, activity, attempts, created_at, "
		"IFNULL(key_id, ''), IFNULL(private_pem, '') FROM ap_deliveries WHERE claim = ? "
		"ORDER BY id",
		"s", claim) != DB_OK)
		return -1;
	struct apnet_post_req req[APNET_PARALLEL];
	size_t row[APNET_PARALLEL], n = 0;
	for (size_t i = 0; i < r.nrows && n < APNET_PARALLEL; i++) {
		const char *why = "";
		int blocked = apmod_blocked(db, a, db_str(&r, i, 3));
		if (blocked > 0) { /* defederated since it was queued */
			log_info("apqueue: delivery %lld to %s dropped: its host is defederated",
				 (long long)db_int(&r, i, 0), db_str(&r, i, 2));
			db_exec(db, a, NULL, "DELETE FROM ap_deliveries WHERE id = ?", "i",
				db_int(&r, i, 0));
			continue;
		}
		memset(&req[n], 0, sizeof(req[n]));
		if (deliver_prepare(db, a, base, &r, i, &req[n], &why)) {
			deliver_done(db, a, &r, i, -1, 0, why);
			continue;
		}
		row[n++] = i;
	}
	apnet_post_many(a, req, n, APQ_ROUND_MS);
	for (size_t k = 0; k < n; k++)
		deliver_done(db, a, &r, row[k], req[k].rc, req[k].status,
			     req[k].why ? req[k].why : "");
	return (int)r.nrows;
}

int apq_inbox_sweep(struct db *db, struct arena *a, int batch)
{
	struct db_res r;
	int64_t before = now_unix() - APQ_INBOX_KEEP;
	if (db_exec(db, a, &r,
		    "DELETE FROM ap_inbox WHERE state IN ('done', 'ignored') AND received_at < ? "
		    "LIMIT ?",
		    "ii", before, (int64_t)batch) != DB_OK)
		return -1;
	return (int)r.affected;
}
