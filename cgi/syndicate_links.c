/* syndicate_links.c - what pages borrow from syndication (a helper: it uses
 * no handler): the <link rel="alternate"> entries of the layout's head for a
 * person's or a tag's feeds and for a post's oEmbed, and the site's origin
 * that these and cgi/syndicate.c write absolute URLs with. */
#include "app.h"
#include "syndicate.h"
#include "syndication.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

/* 1 if h can stand in a URL as a host: letters, digits, '.', '-', an IPv6
 * literal's brackets and colons, a port. */
static int host_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0;
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-:[]", h[i]))
			return 0;
	return 1;
}

/* site.base_url, else (set empty) the request's: TLS or not, and its Host
 * header (nginx's microcache keys on the Host too, so one host's answer
 * never reaches another). X-Forwarded-Proto is not trusted: the cache key
 * lacks it. */
const char *site_origin(struct ctx *c)
{
	const char *base = c->app->cfg.site_base_url;
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	if (n)
		return arena_strndup(c->a, base, n);
	const char *host = kv_get(&c->req->headers, "host");
	return arena_printf(c->a, "%s://%s", c->req->https ? "https" : "http",
			    host_ok(host) ? host : "localhost");
}

static void link_add(cJSON *links, const char *type, const char *href, const char *title)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "type", type);
	cJSON_AddStringToObject(l, "href", href);
	cJSON_AddStringToObject(l, "title", title);
	cJSON_AddItemToArray(links, l);
}

void syndicate_feed_links(struct ctx *c, char kind, const char *name)
{
	if (c->api)
		return;
	const char *path = arena_printf(c->a, "/%c/%s", kind, url_encode(c->a, name));
	const char *atom = arena_printf(c->a, "%s/feed.atom", path);
	const char *rss = arena_printf(c->a, "%s/feed.rss", path);
	const char *origin = site_origin(c);
	const char *what =
	    arena_printf(c->a, "%s%s on %s", kind == 'u' ? "@" : "#", name, c->app->cfg.site_name);
	cJSON *d = ctx_data(c);
	cJSON *links = cJSON_AddArrayToObject(d, "feed_links");
	link_add(links, "application/atom+xml", synd_abs_url(c->a, origin, atom),
		 arena_printf(c->a, "%s (Atom)", what));
	link_add(links, "application/rss+xml", synd_abs_url(c->a, origin, rss),
		 arena_printf(c->a, "%s (RSS)", what));
	if (kind == 'u') /* the same URL is the actor (docs/FEDERATION.md) */
		link_add(links, "application/activity+json", synd_abs_url(c->a, origin, path),
			 arena_printf(c->a, "%s (ActivityPub)", what));
	cJSON *feeds = cJSON_AddObjectToObject(d, "feeds");
	cJSON_AddStringToObject(feeds, "atom", atom);
	cJSON_AddStringToObject(feeds, "rss", rss);
}

void syndicate_post_links(struct ctx *c, const cJSON *post)
{
	if (c->api || cJSON_GetObjectItemCaseSensitive(post, "mod_state"))
		return;
	const char *origin = site_origin(c);
	const char *url = url_encode(c->a, synd_abs_url(c->a, origin, synd_str(post, "url")));
	const char *title = synd_one_line(c->a, synd_str(post, "prompt"), SYND_TITLE_CHARS);
	cJSON *links = cJSON_AddArrayToObject(ctx_data(c), "feed_links");
	link_add(links, "application/json+oembed",
		 arena_printf(c->a, "%s/oembed?url=%s&format=json", origin, url), title);
	link_add(links, "text/xml+oembed",
		 arena_printf(c->a, "%s/oembed?url=%s&format=xml", origin, url), title);
	/* the post's own URL is its Note (docs/FEDERATION.md) */
	link_add(links, "application/activity+json",
		 synd_abs_url(c->a, origin, synd_str(post, "url")), title);
}
