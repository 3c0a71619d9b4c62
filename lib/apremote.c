/* apremote.c - remote actors and activities (apremote.h). */
#include "apremote.h"
#include "apnet.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

/* s when it is a string of 1..max bytes, else NULL. */
static const char *str_max(const cJSON *v, size_t max)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t n = s ? strlen(s) : 0;
	return n && n <= max ? s : NULL;
}

static const char *member(const cJSON *o, const char *name, size_t max)
{
	return str_max(cJSON_GetObjectItemCaseSensitive(o, name), max);
}

const char *apremote_id_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return str_max(v, APREMOTE_MAX_URI);
	if (cJSON_IsObject(v))
		return member(v, "id", APREMOTE_MAX_URI);
	return NULL;
}

/* The publicKey entry of doc whose id is key_id (or the only one). */
static const cJSON *key_entry(const cJSON *doc, const char *key_id)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "publicKey"), *it;
	if (cJSON_IsObject(k)) {
		const char *id = member(k, "id", APREMOTE_MAX_URI);
		return id && !strcmp(id, key_id) ? k : NULL;
	}
	if (!cJSON_IsArray(k))
		return NULL;
	int n = 0;
	cJSON_ArrayForEach(it, k)
	{
		if (++n > 16)
			return NULL;
		const char *id = member(it, "id", APREMOTE_MAX_URI);
		if (cJSON_IsObject(it) && id && !strcmp(id, key_id))
			return it;
	}
	return NULL;
}

/* "host[:port]" of an http(s) URL, lower case as written; "" when none. */
static const char *url_domain(struct arena *a, const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return "";
	p += 3;
	size_t n = strcspn(p, "/?#");
	if (n > APREMOTE_MAX_NAME)
		n = APREMOTE_MAX_NAME;
	return arena_strndup(a, p, n);
}

static int http_url(const char *s)
{
	return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8));
}

int apremote_parse_actor(struct arena *a, const char *body, size_t len, const char *key_id,
			 struct ap_remote *out, const char **owner, const char **why)
{
	struct http_limits lim;
	cJSON *doc = NULL;
	int rc = -1;
	memset(out, 0, sizeof(*out));
	http_limits_default(&lim);
	if (http_parse_json((const unsigned char *)body, len, &doc, &lim, why))
		return -1;
	const char *pem = member(doc, "publicKeyPem", APREMOTE_MAX_PEM);
	const char *own = member(doc, "owner", APREMOTE_MAX_URI);
	if (pem && own && !cJSON_GetObjectItemCaseSensitive(doc, "inbox")) {
		/* a key document: its owner is the actor */
		*owner = arena_strdup(a, own);
		rc = http_url(*owner) ? 1 : -1;
		*why = "the key's owner is not an http(s) URL";
		goto done;
	}
	const char *id = member(doc, "id", APREMOTE_MAX_URI);
	const char *inbox = member(doc, "inbox", APREMOTE_MAX_URI);
	const cJSON *k = key_entry(doc, key_id);
	const char *kpem = member(k, "publicKeyPem", APREMOTE_MAX_PEM);
	const char *kown = member(k, "owner", APREMOTE_MAX_URI);
	if (!id || !http_url(id)) {
		*why = "the actor document has no http(s) id";
		goto done;
	}
	if (!inbox || !http_url(inbox)) {
		*why = "the actor has no inbox";
		goto done;
	}
	if (!kpem || (kown && strcmp(kown, id))) {
		*why = "the actor does not hold that key";
		goto done;
	}
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(doc, "endpoints");
	const char *shared = member(ep, "sharedInbox", APREMOTE_MAX_URI);
	const char *name = member(doc, "preferredUsername", APREMOTE_MAX_NAME);
	out->uri = arena_strdup(a, id);
	out->key_id = arena_strdup(a, key_id);
	out->inbox = arena_strdup(a, inbox);
	out->shared_inbox = arena_strdup(a, http_url(shared) ? shared : "");
	out->username = arena_strdup(a, name ? name : "");
	out->domain = url_domain(a, id);
	out->public_pem = arena_strdup(a, kpem);
	const char *nm = member(doc, "name", APREMOTE_MAX_NAME);
	const char *sum = member(doc, "summary", APREMOTE_MAX_SUMMARY);
	const char *url = member(doc, "url", APREMOTE_MAX_URI);
	const cJSON *icon = cJSON_GetObjectItemCaseSensitive(doc, "icon");
	const char *icon_url = member(icon, "url", APREMOTE_MAX_URI);
	const char *outbox = member(doc, "outbox", APREMOTE_MAX_URI);
	const char *followers = member(doc, "followers", APREMOTE_MAX_URI);
	out->name = arena_strdup(a, nm ? nm : "");
	out->summary = arena_strdup(a, sum ? sum : "");
	out->url = arena_strdup(a, http_url(url) ? url : "");
	out->icon_url = arena_strdup(a, http_url(icon_url) ? icon_url : "");
	out->outbox = arena_strdup(a, http_url(outbox) ? outbox : "");
	out->followers = arena_strdup(a, http_url(followers) ? followers : "");
	rc = 0;
done:
	cJSON_Delete(doc);
	return rc;
}

#define ACTOR_COLS                                                                                 \
	"id, uri, key_id, inbox, IFNULL(shared_inbox, ''), username, domain, public_pem, "         \
	"fetched_at, name, IFNULL(summary, ''), IFNULL(url, ''), IFNULL(icon_url, ''), "           \
	"IFNULL(outbox, ''), IFNULL(followers, ''), IFNULL(user_id, 0)"

static void actor_row(const struct db_res *r, struct ap_remote *out)
{
	out->id = db_int(r, 0, 0);
	out->uri = db_str(r, 0, 1);
	out->key_id = db_str(r, 0, 2);
	out->inbox = db_str(r, 0, 3);
	out->shared_inbox = db_str(r, 0, 4);
	out->username = db_str(r, 0, 5);
	out->domain = db_str(r, 0, 6);
	out->public_pem = db_str(r, 0, 7);
	out->fetched_at = db_int(r, 0, 8);
	out->name = db_str(r, 0, 9);
	out->summary = db_str(r, 0, 10);
	out->url = db_str(r, 0, 11);
	out->icon_url = db_str(r, 0, 12);
	out->outbox = db_str(r, 0, 13);
	out->followers = db_str(r, 0, 14);
	out->user_id = db_int(r, 0, 15);
}

int apremote_load(struct db *db, struct arena *a, int64_t id, struct ap_remote *out)
{
	struct db_res r;
	if (db_exec(db, a, &r, "SELECT " ACTOR_COLS " FROM ap_actors WHERE id = ?", "i", id) !=
	    DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	actor_row(&r, out);
	return 0;
}

/* Fetch the document of key_id (its URL without the fragment), and its
 * owner's when it is a key document. 0 with *out, or 401 with *why. */
static int fetch_actor(struct arena *a, const char *key_id, struct ap_remote *out, const char **why)
{
	const char *url = arena_strndup(a, key_id, strcspn(key_id, "#"));
	const char *owner = NULL;
	char *body;
	size_t len;
	for (int hop = 0; hop < 2; hop++) {
		if (apnet_fetch(a, url, &body, &len, why)) {
			*why = arena_printf(a, "the key %s could not be fetched: %s", key_id, *why);
			return 401;
		}
		int rc = apremote_parse_actor(a, body, len, key_id, out, &owner, why);
		if (rc == 0)
			return 0;
		if (rc < 0 || hop == 1)
			break;
		url = owner;
	}
	*why = arena_printf(a, "the key %s could not be read: %s", key_id, *why);
	return 401;
}

int apremote_cached(struct db *db, struct arena *a, const char *key_id, struct ap_remote *out)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT " ACTOR_COLS " FROM ap_actors WHERE key_id = ? ORDER BY fetched_at "
		    "DESC LIMIT 1",
		    "s", key_id) != DB_OK)
		return 503;
	if (!r.nrows || db_int(&r, 0, 8) <= now_unix() - APREMOTE_TTL)
		return 404;
	actor_row(&r, out);
	return 0;
}

int apremote_get(struct db *db, struct arena *a, const char *key_id, int refresh,
		 struct ap_remote *out, const char **why)
{
	int st = refresh ? 404 : apremote_cached(db, a, key_id, out);
	if (st != 404)
		return st;
	st = fetch_actor(a, key_id, out, why);
	if (st)
		return st;
	return apremote_save(db, a, out);
}

int apremote_save(struct db *db, struct arena *a, struct ap_remote *out)
{
	struct db_res r;
	out->fetched_at = now_unix();
	if (db_exec(db, a, NULL,
		    "INSERT INTO ap_actors (uri, key_id, inbox, shared_inbox, username, domain, "
		    "public_pem, fetched_at, name, summary, url, icon_url, outbox, followers) "
		    "VALUES (?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), "
		    "NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, '')) ON DUPLICATE KEY UPDATE key_id = "
		    "VALUES(key_id), inbox = VALUES(inbox), shared_inbox = VALUES(shared_inbox), "
		    "username = VALUES(username), domain = VALUES(domain), public_pem = "
		    "VALUES(public_pem), fetched_at = VALUES(fetched_at), name = VALUES(name), "
		    "summary = VALUES(summary), url = VALUES(url), icon_url = VALUES(icon_url), "
		    "outbox = VALUES(outbox), followers = VALUES(followers)",
		    "sssssssissssss", out->uri, out->key_id, out->inbox, out->shared_inbox,
		    out->username, out->domain, out->public_pem, out->fetched_at, out->name,
		    out->summary, out->url, out->icon_url, out->outbox, out->followers) != DB_OK ||
	    db_exec(db, a, &r, "SELECT id, IFNULL(user_id, 0) FROM ap_actors WHERE uri = ?", "s",
		    out->uri) != DB_OK ||
	    !r.nrows)
		return 503;
	out->id = db_int(&r, 0, 0);
	out->user_id = db_int(&r, 0, 1);
	return 0;
}

int apremote_activity(struct arena *a, const cJSON *act, struct ap_activity *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(act)) {
		*why = "the activity is not a JSON object";
		return -1;
	}
	out->type = member(act, "type", APREMOTE_MAX_TYPE);
	if (!out->type) {
		*why = "the activity has no type";
		return -1;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(act, "id");
	out->id = id ? str_max(id, APREMOTE_MAX_URI) : "";
	if (!out->id) {
		*why = "the activity's id is not a string of at most 512 bytes";
		return -1;
	}
	out->actor = apremote_id_of(cJSON_GetObjectItemCaseSensitive(act, "actor"));
	if (!out->actor) {
		*why = "the activity has no actor";
		return -1;
	}
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(act, "object");
	if (obj && !cJSON_IsString(obj) && !cJSON_IsObject(obj)) {
		*why = "the activity's object is neither an id nor an object";
		return -1;
	}
	/* the addressing: an id or a list of ids, each within the limits */
	static const char *const audience[] = {"to", "cc", "bto", "bcc", "audience"};
	for (size_t i = 0; i < sizeof(audience) / sizeof(audience[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(act, audience[i]), *it;
		int n = 0;
		if (!v || cJSON_IsString(v))
			continue;
		if (!cJSON_IsArray(v)) {
			*why = arena_printf(a, "the activity's %s is not an id or a list of ids",
					    audience[i]);
			return -1;
		}
		cJSON_ArrayForEach(it, v)
		{
			if (++n > APREMOTE_MAX_RECIPIENTS || !apremote_id_of(it)) {
				*why = arena_printf(
				    a,
				    "the activity's %s is not a list of at most %d ids "
				    "(of at most 512 bytes)",
				    audience[i], APREMOTE_MAX_RECIPIENTS);
				return -1;
			}
		}
	}
	out->object_id = apremote_id_of(obj);
	if (!out->object_id)
		out->object_id = "";
	out->object_type = "";
	out->object_object = "";
	if (cJSON_IsObject(obj)) {
		const char *t = member(obj, "type", APREMOTE_MAX_TYPE);
		const char *oo = apremote_id_of(cJSON_GetObjectItemCaseSensitive(obj, "object"));
		out->object_type = t ? t : "";
		out->object_object = oo ? oo : "";
	}
	return 0;
}

int apremote_store(struct db *db, struct arena *a, const struct ap_activity *act, int64_t actor_id,
		   int64_t user_id, const char *body, int handled, int64_t now)
{
	return db_exec(
		   db, a, NULL,
		   "INSERT IGNORE INTO ap_inbox (ref, actor_id, user_id, type, body, state, "
		   "received_at) VALUES (IF(? = '', NULL, UNHEX(SHA2(?, 256))), ?, NULLIF(?, 0), "
		   "?, ?, ?, ?)",
		   "ssiisssi", act->id, act->id, actor_id, user_id, act->type, body,
		   handled ? "new" : "ignored", now) == DB_OK
		   ? 0
		   : 503;
}
