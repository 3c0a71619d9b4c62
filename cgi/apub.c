/* apub.c - ActivityPub documents (docs/FEDERATION.md): a person as a
 * Person actor, a post as a Note, the outbox of Create activities, and the
 * followers and following collections.
 *
 * The rows are lib/apub.c's; the key pair lib/apkey.c's. Every id is
 * absolute under site_origin() (site.base_url): {base}/u/{name} for an
 * actor, {base}/p/{id} for a Note, {base}/p/{id}#create for its Create. The
 * documents are built as cJSON trees (the one JSON writer escapes every
 * string) and written by apub_send with the ActivityPub Content-Type; the
 * HTML inside content and summary is escaped for HTML first. */
#include "apub.h"
#include "apkey.h"
#include "apqueue.h"
#include "app.h"
#include "json.h"
#include "log.h"
#include "post.h"
#include "render.h"
#include "syndicate.h"
#include "syndication.h"
#include "util.h"

#include "apub_data.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AS_PUBLIC  "https://www.w3.org/ns/activitystreams#Public"
#define IMAGIER_NS "https://w3id.org/imagier/ns#"
/* IPTC's term for "made by a trained model", on every attachment */
#define IPTC_AI "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

int apub_wanted(struct ctx *c)
{
	if (c->api)
		return 0;
	c->vary_accept = 1;
	const char *accept = kv_get(&c->req->headers, "accept");
	return http_accepts(accept, "application/activity+json") ||
	       http_accepts(accept, "application/ld+json");
}

/* ---- pieces ---------------------------------------------------------------- */

/* The @context of every document: ActivityStreams, the security vocabulary
 * (publicKey), and the extension terms used (Mastodon's, IPTC's, ours). */
static cJSON *apub_context(void)
{
	cJSON *ctx = cJSON_CreateArray();
	cJSON_AddItemToArray(ctx, cJSON_CreateString("https://www.w3.org/ns/activitystreams"));
	cJSON_AddItemToArray(ctx, cJSON_CreateString("https://w3id.org/security/v1"));
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "manuallyApprovesFollowers", "as:manuallyApprovesFollowers");
	cJSON_AddStringToObject(t, "sensitive", "as:sensitive");
	cJSON_AddStringToObject(t, "Hashtag", "as:Hashtag");
	cJSON_AddStringToObject(t, "toot", "http://joinmastodon.org/ns#");
	cJSON_AddStringToObject(t, "discoverable", "toot:discoverable");
	cJSON_AddStringToObject(t, "blurhash", "toot:blurhash");
	cJSON_AddStringToObject(t, "imagier", IMAGIER_NS);
	cJSON *dst = cJSON_AddObjectToObject(t, "digitalSourceType");
	cJSON_AddStringToObject(dst, "@id",
				"http://iptc.org/std/Iptc4xmpExt/2008-02-29/DigitalSourceType");
	cJSON_AddStringToObject(dst, "@type", "@id");
	cJSON *remix = cJSON_AddObjectToObject(t, "imagier:remixOf");
	cJSON_AddStringToObject(remix, "@type", "@id");
	cJSON_AddItemToArray(ctx, t);
	return ctx;
}

/* Write doc (which becomes c->data, freed by the dispatcher) as the body. */
static int apub_send(struct ctx *c, cJSON *doc, int status)
{
	return ctx_send_json(c, doc, APUB_TYPE, status);
}

/* 410 Gone with a Tombstone of id (deleted 0: removed, no date given). */
static int apub_gone(struct ctx *c, const char *id, const char *former, int64_t deleted)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context",
			      cJSON_CreateString("https://www.w3.org/ns/activitystreams"));
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", "Tombstone");
	cJSON_AddStringToObject(d, "formerType", former);
	if (deleted > 0)
		cJSON_AddStringToObject(d, "deleted", time_iso(c->a, deleted));
	return apub_send(c, d, 410);
}

static const char *actor_url(struct ctx *c, const char *name)
{
	return arena_printf(c->a, "%s/u/%s", site_origin(c), url_encode(c->a, name));
}

static const char *note_url(struct ctx *c, int64_t id)
{
	return arena_printf(c->a, "%s/p/%lld", site_origin(c), (long long)id);
}

static void html_text(struct buf *o, const char *s)
{
	html_escape(o, s, strlen(s));
}

/* The media type of a stored file by its name. */
static const char *media_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg"))
		return "image/jpeg";
	if (!strcmp(dot, ".png"))
		return "image/png";
	if (!strcmp(dot, ".webp"))
		return "image/webp";
	if (!strcmp(dot, ".avif"))
		return "image/avif";
	return "application/octet-stream";
}

/* One stored file of an images.variants object: the size under key (NULL:
 * the widest numbered size), JPEG first, then PNG, WebP, AVIF. 0 with its
 * absolute URL, type and size, or -1 when there is none. */
static int variant_pick(struct ctx *c, const char *variants, const char *key, const char **url,
			const char **type, int64_t *w, int64_t *h)
{
	cJSON *v = cJSON_Parse(variants ? variants : "{}"), *it, *best = NULL;
	int rc = -1;
	if (key)
		best = cJSON_GetObjectItemCaseSensitive(v, key);
	else
		cJSON_ArrayForEach(it, v)
		{
			if (it->string[0] >= '0' && it->string[0] <= '9' &&
			    (!best || atol(it->string) > atol(best->string)))
				best = it;
		}
	static const char *const fmts[] = {"jpeg", "png", "webp", "avif"};
	for (size_t i = 0; best && i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		const char *p =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(best, fmts[i]));
		if (!p)
			continue;
		*url = synd_abs_url(c->a, site_origin(c),
				    arena_printf(c->a, "%s/%s", c->app->cfg.media_url, p));
		*type = media_type(p);
		*w = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(best, "w"));
		*h = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(best, "h"));
		rc = 0;
		break;
	}
	cJSON_Delete(v);
	return rc;
}

/* ---- the actor --------------------------------------------------------------- */

static cJSON *actor_json(struct ctx *c, const struct apub_actor *u, const char *pem)
{
	const char *id = actor_url(c, u->username);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context", apub_context());
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", "Person");
	cJSON_AddStringToObject(d, "preferredUsername", u->username);
	cJSON_AddStringToObject(d, "name", u->username);
	struct buf b = {0};
	if (*u->bio) {
		buf_puts(&b, "<p>");
		html_text(&b, u->bio);
		buf_puts(&b, "</p>");
	}
	cJSON_AddStringToObject(d, "summary", buf_cstr(&b));
	buf_free(&b);
	cJSON_AddStringToObject(d, "url", id);
	cJSON_AddStringToObject(d, "inbox", arena_printf(c->a, "%s/inbox", id));
	cJSON_AddStringToObject(d, "outbox", arena_printf(c->a, "%s/outbox", id));
	cJSON_AddStringToObject(d, "followers", arena_printf(c->a, "%s/followers", id));
	cJSON_AddStringToObject(d, "following", arena_printf(c->a, "%s/following", id));
	cJSON *ep = cJSON_AddObjectToObject(d, "endpoints");
	cJSON_AddStringToObject(ep, "sharedInbox", arena_printf(c->a, "%s/inbox", site_origin(c)));
	/* a locked account approves each follower (lib/followreq.h) */
	cJSON_AddBoolToObject(d, "manuallyApprovesFollowers", u->locked);
	cJSON_AddBoolToObject(d, "discoverable", 1);
	cJSON_AddStringToObject(d, "published", time_iso(c->a, u->created_at));
	const char *url, *type;
	int64_t w, h;
	if (u->avatar_variants &&
	    (!variant_pick(c, u->avatar_variants, NULL, &url, &type, &w, &h) ||
	     !variant_pick(c, u->avatar_variants, "full", &url, &type, &w, &h))) {
		cJSON *icon = cJSON_AddObjectToObject(d, "icon");
		cJSON_AddStringToObject(icon, "type", "Image");
		cJSON_AddStringToObject(icon, "mediaType", type);
		cJSON_AddStringToObject(icon, "url", url);
	}
	cJSON *key = cJSON_AddObjectToObject(d, "publicKey");
	cJSON_AddStringToObject(key, "id", arena_printf(c->a, "%s#main-key", id));
	cJSON_AddStringToObject(key, "owner", id);
	cJSON_AddStringToObject(key, "publicKeyPem", pem);
	return d;
}

/* The person of c->sparams[0]: 0 with *u, or the status of an answer made
 * (404 error, 410 Tombstone, 503). */
static int actor_find(struct ctx *c, struct apub_actor *u)
{
	int64_t deleted;
	int st = apub_actor_load(c->app->db, c->a, c->sparams[0], u, &deleted);
	c->api = 1;
	if (st == 410)
		return apub_gone(c, actor_url(c, c->sparams[0]), "Person", deleted);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return 0;
}

/* An erased person's actor while the Delete of it is delivered: only what
 * verifying that Delete needs (id, type, inbox, the key), no profile. The
 * servers it reaches fetch the key from here (Fedify and Mastodon refuse a
 * Delete whose actor already answers 410); afterwards the URL answers 410. */
static int actor_erased(struct ctx *c, const char *pem)
{
	const char *id = actor_url(c, c->sparams[0]);
	cJSON *d = cJSON_CreateObject();
	cJSON *ctxs = cJSON_AddArrayToObject(d, "@context");
	cJSON_AddItemToArray(ctxs, cJSON_CreateString("https://www.w3.org/ns/activitystreams"));
	cJSON_AddItemToArray(ctxs, cJSON_CreateString("https://w3id.org/security/v1"));
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", "Person");
	cJSON_AddStringToObject(d, "preferredUsername", c->sparams[0]);
	cJSON_AddStringToObject(d, "inbox", arena_printf(c->a, "%s/inbox", id));
	cJSON *key = cJSON_AddObjectToObject(d, "publicKey");
	cJSON_AddStringToObject(key, "id", arena_printf(c->a, "%s#main-key", id));
	cJSON_AddStringToObject(key, "owner", id);
	cJSON_AddStringToObject(key, "publicKeyPem", pem);
	return apub_send(c, d, 200);
}

int apub_actor_show(struct ctx *c)
{
	struct apub_actor u;
	const char *pem;
	int64_t deleted;
	int st = apub_actor_load(c->app->db, c->a, c->sparams[0], &u, &deleted);
	if (st == 410 && !apub_tombstone_key(c->app->db, c->a, c->sparams[0], &pem)) {
		c->api = 1;
		return actor_erased(c, pem);
	}
	if ((st = actor_find(c, &u)))
		return st;
	if (apkey_get(c->app->db, c->a, u.id, &pem, NULL))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return apub_send(c, actor_json(c, &u, pem), 200);
}

/* ---- the Note ------------------------------------------------------------------ */

/* The id of a remix's parent: its own server's for a remote post. */
static const char *parent_ref(struct ctx *c, const struct apub_post *p)
{
	return *p->parent_uri ? p->parent_uri : note_url(c, p->parent_id);
}

/* The content: the caption, the provenance line with the prompt, the remix's
 * parent, the tags as Mastodon links them; all of it escaped for HTML. */
static const char *note_content(struct ctx *c, const struct apub_post *p, const char **tags,
				int ntags)
{
	struct buf b = {0};
	if (*p->caption) {
		buf_puts(&b, "<p>");
		html_text(&b, p->caption);
		buf_puts(&b, "</p>");
	}
	buf_puts(&b, "<p>AI-generated image");
	if (*p->model) {
		buf_puts(&b, ", made with ");
		html_text(&b, p->model);
	}
	buf_puts(&b, " (prompt: ");
	html_text(&b, p->prompt);
	buf_puts(&b, ")</p>");
	if (p->parent_id) {
		const char *parent = parent_ref(c, p);
		buf_puts(&b, "<p>Remix of <a href=\"");
		html_text(&b, parent);
		buf_puts(&b, "\">");
		html_text(&b, parent);
		buf_puts(&b, "</a></p>");
	}
	for (int i = 0; i < ntags; i++) {
		buf_puts(&b, i ? " " : "<p>");
		buf_puts(&b, "<a href=\"");
		html_text(&b,
			  arena_printf(c->a, "%s/t/%s", site_origin(c), url_encode(c->a, tags[i])));
		buf_puts(&b, "\" class=\"mention hashtag\" rel=\"tag\">#<span>");
		html_text(&b, tags[i]);
		buf_puts(&b, "</span></a>");
	}
	if (ntags)
		buf_puts(&b, "</p>");
	const char *s = arena_strdup(c->a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static cJSON *note_json(struct ctx *c, const struct apub_post *p, int with_context)
{
	const char *id = note_url(c, p->id), *actor = actor_url(c, p->username);
	const char *tags[POST_MAX_TAGS];
	const char *why;
	int ntags = post_parse_tags(c->a, p->tags, tags, &why);
	if (ntags < 0)
		ntags = 0;
	cJSON *d = cJSON_CreateObject();
	if (with_context)
		cJSON_AddItemToObject(d, "@context", apub_context());
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", "Note");
	cJSON_AddStringToObject(d, "attributedTo", actor);
	cJSON_AddStringToObject(d, "url", id);
	cJSON_AddStringToObject(d, "published", time_iso(c->a, p->created_at));
	cJSON *to = cJSON_AddArrayToObject(d, "to");
	cJSON_AddItemToArray(to, cJSON_CreateString(AS_PUBLIC));
	cJSON *cc = cJSON_AddArrayToObject(d, "cc");
	cJSON_AddItemToArray(cc, cJSON_CreateString(arena_printf(c->a, "%s/followers", actor)));
	if (p->parent_id && *p->parent_actor) /* a remix of theirs: they hear of it */
		cJSON_AddItemToArray(cc, cJSON_CreateString(p->parent_actor));
	if (*p->content_warning) { /* HTML in ActivityStreams, as content is */
		struct buf w = {0};
		html_text(&w, p->content_warning);
		cJSON_AddStringToObject(d, "summary", buf_cstr(&w));
		buf_free(&w);
	} else
		cJSON_AddNullToObject(d, "summary");
	cJSON_AddBoolToObject(d, "sensitive", *p->content_warning != 0);
	cJSON_AddStringToObject(d, "content", note_content(c, p, tags, ntags));
	cJSON_AddStringToObject(d, "mediaType", "text/html");
	cJSON_AddStringToObject(d, "imagier:prompt", p->prompt);
	cJSON_AddBoolToObject(d, "imagier:trainingConsent", p->consent);
	cJSON *tag = cJSON_AddArrayToObject(d, "tag");
	for (int i = 0; i < ntags; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "type", "Hashtag");
		cJSON_AddStringToObject(
		    t, "href",
		    arena_printf(c->a, "%s/t/%s", site_origin(c), url_encode(c->a, tags[i])));
		cJSON_AddStringToObject(t, "name", arena_printf(c->a, "#%s", tags[i]));
		cJSON_AddItemToArray(tag, t);
	}
	if (p->parent_id) {
		/* A remix links its parent as FEP-e232 does (a Link tag), not as a
		 * reply: it is a new picture, not a comment on the old one. */
		const char *parent = parent_ref(c, p);
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "type", "Link");
		cJSON_AddStringToObject(
		    l, "mediaType",
		    "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
		cJSON_AddStringToObject(l, "rel", IMAGIER_NS "remixOf");
		cJSON_AddStringToObject(l, "href", parent);
		cJSON_AddStringToObject(l, "name", arena_printf(c->a, "Remix of %s", parent));
		cJSON_AddItemToArray(tag, l);
		cJSON_AddStringToObject(d, "imagier:remixOf", parent);
	}
	cJSON *att = cJSON_AddArrayToObject(d, "attachment");
	const char *url, *type;
	int64_t w, h;
	if (!variant_pick(c, p->variants, "full", &url, &type, &w, &h) ||
	    !variant_pick(c, p->variants, NULL, &url, &type, &w, &h)) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "type", "Document");
		cJSON_AddStringToObject(doc, "mediaType", type);
		cJSON_AddStringToObject(doc, "url", url);
		cJSON_AddNumberToObject(doc, "width", (double)(w ? w : p->width));
		cJSON_AddNumberToObject(doc, "height", (double)(h ? h : p->height));
		if (p->blurhash && *p->blurhash)
			cJSON_AddStringToObject(doc, "blurhash", p->blurhash);
		/* no alt text of its own: the prompt describes the picture */
		cJSON_AddStringToObject(doc, "name", p->prompt);
		cJSON_AddStringToObject(doc, "digitalSourceType", IPTC_AI);
		cJSON_AddItemToArray(att, doc);
	}
	return d;
}

/* The Create of a post, as the outbox lists it. */
static cJSON *create_json(struct ctx *c, const struct apub_post *p, int with_context)
{
	cJSON *note = note_json(c, p, 0);
	cJSON *act = cJSON_CreateObject();
	if (with_context)
		cJSON_AddItemToObject(act, "@context", apub_context());
	cJSON_AddStringToObject(act, "id", arena_printf(c->a, "%s#create", note_url(c, p->id)));
	cJSON_AddStringToObject(act, "type", "Create");
	cJSON_AddStringToObject(act, "actor", actor_url(c, p->username));
	cJSON_AddStringToObject(act, "published", time_iso(c->a, p->created_at));
	cJSON_AddItemToObject(act, "to", cJSON_Duplicate(cJSON_GetObjectItem(note, "to"), 1));
	cJSON_AddItemToObject(act, "cc", cJSON_Duplicate(cJSON_GetObjectItem(note, "cc"), 1));
	cJSON_AddItemToObject(act, "object", note);
	return act;
}

/* Queue doc for author's remote followers (their inboxes, once each) and,
 * when not NULL, for the one inbox also (a remixed author's server). */
static void queue_to(struct ctx *c, int64_t author, cJSON *doc, const char *what, const char *also)
{
	char *s = json_print(doc);
	cJSON_Delete(doc);
	if (s && also && apq_enqueue(c->app->db, c->a, author, also, s))
		log_error("apub: the %s could not be queued for %s", what, also);
	int n = s ? apq_enqueue_followers(c->app->db, c->a, author, s) : -1;
	free(s);
	if (n < 0)
		log_error("apub: the %s could not be queued for the remote followers", what);
}

/* Queue doc for author's remote followers only. */
static void queue_followers(struct ctx *c, int64_t author, cJSON *doc, const char *what)
{
	queue_to(c, author, doc, what, NULL);
}

void apub_post_published(struct ctx *c, int64_t author, int64_t post_id)
{
	struct apub_post p;
	int64_t deleted;
	/* a post held for review is not public yet: nothing to send */
	if (apub_post_load(c->app->db, c->a, post_id, &p, &deleted))
		return;
	/* a remix of a remote post: its author's server hears of it too */
	queue_to(c, author, create_json(c, &p, 1), "Create",
		 p.parent_id && *p.parent_inbox ? p.parent_inbox : NULL);
}

void apub_post_deleted(struct ctx *c, int64_t author, const char *username, int64_t post_id)
{
	const char *note = note_url(c, post_id);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context", apub_context());
	cJSON_AddStringToObject(d, "id", arena_printf(c->a, "%s#delete", note));
	cJSON_AddStringToObject(d, "type", "Delete");
	cJSON_AddStringToObject(d, "actor", actor_url(c, username));
	cJSON *to = cJSON_AddArrayToObject(d, "to");
	cJSON_AddItemToArray(to, cJSON_CreateString(AS_PUBLIC));
	cJSON *t = cJSON_AddObjectToObject(d, "object");
	cJSON_AddStringToObject(t, "id", note);
	cJSON_AddStringToObject(t, "type", "Tombstone");
	queue_followers(c, author, d, "Delete");
}

/* An Update of object (a Note or the Person) by actor, for the followers:
 * its id is the object's with "#updates/" and the time, as Mastodon's. */
static cJSON *update_json(struct ctx *c, const char *actor, cJSON *object)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context", apub_context());
	cJSON_DeleteItemFromObject(object, "@context");
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(object, "id"));
	cJSON_AddStringToObject(
	    d, "id", arena_printf(c->a, "%s#updates/%lld", id ? id : actor, (long long)now_unix()));
	cJSON_AddStringToObject(d, "type", "Update");
	cJSON_AddStringToObject(d, "actor", actor);
	cJSON *to = cJSON_AddArrayToObject(d, "to");
	cJSON_AddItemToArray(to, cJSON_CreateString(AS_PUBLIC));
	cJSON *cc = cJSON_AddArrayToObject(d, "cc");
	cJSON_AddItemToArray(cc, cJSON_CreateString(arena_printf(c->a, "%s/followers", actor)));
	cJSON_AddItemToObject(d, "object", object);
	return d;
}

void apub_post_updated(struct ctx *c, int64_t author, int64_t post_id)
{
	struct apub_post p;
	int64_t deleted;
	if (apub_post_load(c->app->db, c->a, post_id, &p, &deleted))
		return;
	queue_followers(c, author, update_json(c, actor_url(c, p.username), note_json(c, &p, 0)),
			"Update of a Note");
}

void apub_actor_updated(struct ctx *c, int64_t user_id, const char *username)
{
	struct apub_actor u;
	int64_t deleted;
	const char *pem;
	if (apub_actor_load(c->app->db, c->a, username, &u, &deleted) ||
	    apkey_get(c->app->db, c->a, user_id, &pem, NULL))
		return;
	queue_followers(c, user_id, update_json(c, actor_url(c, username), actor_json(c, &u, pem)),
			"Update of the Person");
}

int apub_note_show(struct ctx *c)
{
	struct apub_post p;
	int64_t deleted;
	c->api = 1;
	int st = apub_post_load(c->app->db, c->a, c->params[0], &p, &deleted);
	if (st == 410)
		return apub_gone(c, note_url(c, c->params[0]), "Note", deleted);
	if (st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	return apub_send(c, note_json(c, &p, 1), 200);
}

/* ---- collections ------------------------------------------------------------- */

/* ?page and the keyset bounds: 0, or 400 (ctx_fail) for a bound that is not
 * a whole number. */
static int page_params(struct ctx *c, int *page, int64_t *max_id, int64_t *min_id)
{
	uint64_t v;
	int rc;
	*page = ctx_param(c, "page") != NULL;
	*max_id = 0;
	*min_id = -1;
	if ((rc = ctx_param_u64(c, "max_id", INT64_MAX, &v)) < 0)
		return ctx_fail(c, 400, "bad_cursor", "max_id is a whole number.");
	if (rc > 0)
		*max_id = (int64_t)v;
	if ((rc = ctx_param_u64(c, "min_id", INT64_MAX, &v)) < 0)
		return ctx_fail(c, 400, "bad_cursor", "min_id is a whole number.");
	if (rc > 0)
		*min_id = (int64_t)v;
	return 0;
}

/* The OrderedCollection at id with total items and its first page (and a
 * last, when given). */
static cJSON *collection(struct ctx *c, const char *id, int64_t total, const char *last)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context", apub_context());
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "type", "OrderedCollection");
	cJSON_AddNumberToObject(d, "totalItems", (double)total);
	cJSON_AddStringToObject(d, "first", arena_printf(c->a, "%s?page=true", id));
	if (last)
		cJSON_AddStringToObject(d, "last", last);
	return d;
}

static cJSON *collection_page(struct ctx *c, const char *of, int64_t max_id, int64_t min_id)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "@context", apub_context());
	const char *self =
	    max_id	  ? arena_printf(c->a, "%s?page=true&max_id=%lld", of, (long long)max_id)
	    : min_id >= 0 ? arena_printf(c->a, "%s?page=true&min_id=%lld", of, (long long)min_id)
			  : arena_printf(c->a, "%s?page=true", of);
	cJSON_AddStringToObject(d, "id", self);
	cJSON_AddStringToObject(d, "type", "OrderedCollectionPage");
	cJSON_AddStringToObject(d, "partOf", of);
	return d;
}

int apub_outbox(struct ctx *c)
{
	struct apub_actor u;
	int st, page;
	int64_t max_id, min_id, oldest;
	if ((st = actor_find(c, &u)) || (st = page_params(c, &page, &max_id, &min_id)))
		return st;
	const char *of = arena_printf(c->a, "%s/outbox", actor_url(c, u.username));
	if (!page)
		return apub_send(
		    c, collection(c, of, u.posts, arena_printf(c->a, "%s?page=true&min_id=0", of)),
		    200);
	struct apub_post *posts;
	size_t n;
	if (apub_outbox_page(c->app->db, c->a, u.id, max_id, min_id, &posts, &n) ||
	    apub_oldest_post(c->app->db, c->a, u.id, &oldest))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = collection_page(c, of, max_id, min_id);
	cJSON *items = cJSON_AddArrayToObject(d, "orderedItems");
	for (size_t i = 0; i < n; i++) {
		cJSON *act = create_json(c, &posts[i], 0);
		cJSON_AddItemToArray(items, act);
	}
	/* next: older posts (none once the oldest is on the page); prev: newer
	 * ones (none on the first page) */
	if (n && posts[n - 1].id != oldest)
		cJSON_AddStringToObject(
		    d, "next",
		    arena_printf(c->a, "%s?page=true&max_id=%lld", of, (long long)posts[n - 1].id));
	if (n && (max_id || min_id >= 0))
		cJSON_AddStringToObject(
		    d, "prev",
		    arena_printf(c->a, "%s?page=true&min_id=%lld", of, (long long)posts[0].id));
	return apub_send(c, d, 200);
}

static int follow_collection(struct ctx *c, int followers)
{
	struct apub_actor u;
	int st, page;
	int64_t max_id, min_id;
	if ((st = actor_find(c, &u)) || (st = page_params(c, &page, &max_id, &min_id)))
		return st;
	const char *of = arena_printf(c->a, "%s/%s", actor_url(c, u.username),
				      followers ? "followers" : "following");
	if (!page)
		return apub_send(c, collection(c, of, followers ? u.followers : u.following, NULL),
				 200);
	const char **names;
	int64_t *ids;
	size_t n;
	if (apub_follow_page(c->app->db, c->a, u.id, followers, max_id, &names, &ids, &n))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = collection_page(c, of, max_id, -1);
	cJSON *items = cJSON_AddArrayToObject(d, "orderedItems");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(items, cJSON_CreateString(ids[i] >= APUB_REMOTE_KEY
								   ? names[i]
								   : actor_url(c, names[i])));
	if (n == APUB_PAGE)
		cJSON_AddStringToObject(
		    d, "next",
		    arena_printf(c->a, "%s?page=true&max_id=%lld", of, (long long)ids[n - 1]));
	return apub_send(c, d, 200);
}

int apub_followers(struct ctx *c)
{
	return follow_collection(c, 1);
}

int apub_following(struct ctx *c)
{
	return follow_collection(c, 0);
}
