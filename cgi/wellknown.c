/* wellknown.c - how other servers find people here: WebFinger (RFC 7033),
 * host-meta (RFC 6415, for older software that starts there) and NodeInfo
 * (2.0 and 2.1: what software this is and how many use it). See
 * docs/FEDERATION.md. */
#include "app.h"
#include "apub_data.h"
#include "json.h"
#include "syndicate.h"
#include "util.h"
#include "webfinger.h"
#include "xmlesc.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JRD_TYPE		 "application/jrd+json; charset=utf-8"
#define XRD_TYPE		 "application/xrd+xml; charset=utf-8"
#define NODEINFO_NS		 "http://nodeinfo.diaspora.software/ns/schema/"
#define IMAGIER_SOFTWARE_VERSION "0.14.0"

/* The host (with its port) of the site's origin: "example.org". */
static const char *origin_host(struct ctx *c)
{
	const char *o = site_origin(c), *sep = strstr(o, "://");
	o = sep ? sep + 3 : o;
	return arena_strndup(c->a, o, strcspn(o, "/"));
}

/* 1 if host (len bytes) names this site: site.base_url's host, or the Host
 * the request came to; case does not matter. */
static int host_ours(struct ctx *c, const char *host, size_t len)
{
	const char *o = origin_host(c), *req = kv_get(&c->req->headers, "host");
	return (strlen(o) == len && !strncasecmp(host, o, len)) ||
	       (req && strlen(req) == len && !strncasecmp(host, req, len));
}

static void link_add(cJSON *links, const char *rel, const char *type, const char *href)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "rel", rel);
	if (type)
		cJSON_AddStringToObject(l, "type", type);
	cJSON_AddStringToObject(l, "href", href);
	cJSON_AddItemToArray(links, l);
}

int webfinger_show(struct ctx *c)
{
	/* any page may look people up: nginx sends Access-Control-Allow-Origin */
	const char *res = ctx_param(c, "resource");
	struct webfinger_res wf;
	if (!res || !*res)
		return ctx_fail(c, 400, "missing_resource",
				"Say whom to look up: ?resource=acct:name@host.");
	if (webfinger_parse(res, strlen(res), &wf))
		return ctx_fail(c, 400, "bad_resource",
				"The resource is acct:name@host or a person's address.");
	if (!host_ours(c, wf.host, wf.host_len))
		return ctx_fail(c, 404, "not_found", "That account is not on this site.");
	struct apub_actor u;
	int64_t deleted;
	int st = apub_actor_load(c->app->db, c->a, arena_strndup(c->a, wf.name, wf.name_len), &u,
				 &deleted);
	if (st == 404 || st == 410)
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	const char *actor =
	    arena_printf(c->a, "%s/u/%s", site_origin(c), url_encode(c->a, u.username));
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "subject",
				arena_printf(c->a, "acct:%s@%s", u.username, origin_host(c)));
	cJSON *aliases = cJSON_AddArrayToObject(d, "aliases");
	cJSON_AddItemToArray(aliases, cJSON_CreateString(actor));
	cJSON *links = cJSON_AddArrayToObject(d, "links");
	link_add(links, "self", "application/activity+json", actor);
	link_add(links, "http://webfinger.net/rel/profile-page", "text/html", actor);
	return ctx_send_json(c, d, JRD_TYPE, 200);
}

int host_meta_show(struct ctx *c)
{
	struct buf *o = &c->resp->body;
	buf_reset(o);
	buf_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
		    "<Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"");
	const char *t =
	    arena_printf(c->a, "%s/.well-known/webfinger?resource={uri}", site_origin(c));
	xml_escape(o, t, strlen(t));
	buf_puts(o, "\"/>\n</XRD>\n");
	c->raw_type = XRD_TYPE;
	return 200;
}

int nodeinfo_index(struct ctx *c)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *links = cJSON_AddArrayToObject(d, "links");
	link_add(links, NODEINFO_NS "2.1", NULL,
		 arena_printf(c->a, "%s/nodeinfo/2.1", site_origin(c)));
	link_add(links, NODEINFO_NS "2.0", NULL,
		 arena_printf(c->a, "%s/nodeinfo/2.0", site_origin(c)));
	return ctx_send_json(c, d, "application/json; charset=utf-8", 200);
}

int nodeinfo_show(struct ctx *c)
{
	int v21 = !strcmp(c->req->path, "/nodeinfo/2.1");
	struct apub_usage use;
	if (apub_usage_load(c->app->db, c->a, now_unix(), &use))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "version", v21 ? "2.1" : "2.0");
	cJSON *sw = cJSON_AddObjectToObject(d, "software");
	cJSON_AddStringToObject(sw, "name", "imagier");
	cJSON_AddStringToObject(sw, "version", IMAGIER_SOFTWARE_VERSION);
	cJSON *protocols = cJSON_AddArrayToObject(d, "protocols");
	cJSON_AddItemToArray(protocols, cJSON_CreateString("activitypub"));
	cJSON *svc = cJSON_AddObjectToObject(d, "services");
	cJSON_AddArrayToObject(svc, "inbound");
	cJSON *out = cJSON_AddArrayToObject(svc, "outbound");
	cJSON_AddItemToArray(out, cJSON_CreateString("atom1.0"));
	cJSON_AddItemToArray(out, cJSON_CreateString("rss2.0"));
	/* anyone may sign up (there is no invitation or approval step) */
	cJSON_AddBoolToObject(d, "openRegistrations", 1);
	cJSON *usage = cJSON_AddObjectToObject(d, "usage");
	cJSON *users = cJSON_AddObjectToObject(usage, "users");
	cJSON_AddNumberToObject(users, "total", (double)use.users);
	cJSON_AddNumberToObject(users, "activeMonth", (double)use.active_month);
	cJSON_AddNumberToObject(users, "activeHalfyear", (double)use.active_halfyear);
	cJSON_AddNumberToObject(usage, "localPosts", (double)use.posts);
	cJSON *meta = cJSON_AddObjectToObject(d, "metadata");
	cJSON_AddStringToObject(meta, "nodeName", c->app->cfg.site_name);
	return ctx_send_json(
	    c, d,
	    v21 ? "application/json; profile=\"" NODEINFO_NS "2.1#\"; charset=utf-8"
		: "application/json; profile=\"" NODEINFO_NS "2.0#\"; charset=utf-8",
	    200);
}
