/* syndicate.c - a person's and a tag's newest posts as Atom 1.0 and RSS 2.0
 * feeds, and oEmbed 1.0 so a post embeds in other sites.
 *
 * The ids come from the same queries as the pages (lib/feed.c), cached under
 * the feed version; the posts from the same hydration (feed_render_items),
 * which leaves out what moderation hid and the posts of banned people. The
 * pieces (picture sizes, titles, dates) are lib/syndication.c's; the bodies
 * are written here (c->raw_type: no template), every piece of text through
 * the one XML escape (lib/xmlesc.c); the HTML inside an entry is escaped for
 * HTML first (html_escape), then the whole for XML. The links pages put in
 * their head are syndicate_links.c's. */
#include "app.h"
#include "feed.h"
#include "feedview.h"
#include "oembed.h"
#include "post.h"
#include "profile.h"
#include "render.h"
#include "syndicate.h"
#include "syndication.h"
#include "xmlesc.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#define SYND_ITEMS	 20   /* entries in a feed */
#define SYND_IDS	 30   /* ids asked for, so a few hidden posts still leave 20 */
#define SYND_TTL	 60   /* seconds a logged-in browser may keep a feed (routes: 60) */
#define SYND_PICTURE_W	 640  /* the picture inside an entry */
#define SYND_ENCLOSURE_W 1280 /* the enclosure: the size a post page shows */
#define OEMBED_DEFAULT_W 1280 /* maxwidth when the consumer names none */
#define OEMBED_THUMB_W	 320
#define OEMBED_CACHE_AGE 3600

#define ATOM_TYPE	"application/atom+xml; charset=utf-8"
#define RSS_TYPE	"application/rss+xml; charset=utf-8"
#define OEMBED_XML_TYPE "text/xml; charset=utf-8"

/* ---- small helpers ------------------------------------------------------- */

/* 1 if host (len bytes) names this site: site.base_url's host, or the Host
 * the request came to. */
static int host_ours(struct ctx *c, const char *host, size_t len)
{
	const char *o = site_origin(c), *sep = strstr(o, "://");
	o = sep ? sep + 3 : o;
	const char *req = kv_get(&c->req->headers, "host");
	return (strcspn(o, "/") == len && !strncasecmp(host, o, len)) ||
	       (req && strlen(req) == len && !strncasecmp(host, req, len));
}

static void xml_text(struct buf *o, const char *s)
{
	xml_escape(o, s, strlen(s));
}

/* <name>text</name> and a line break; text escaped. */
static void xml_el(struct buf *o, const char *name, const char *text)
{
	buf_printf(o, "<%s>", name);
	xml_text(o, text);
	buf_printf(o, "</%s>\n", name);
}

/* ' name="value"', the value escaped. */
static void xml_attr(struct buf *o, const char *name, const char *value)
{
	buf_printf(o, " %s=\"", name);
	xml_text(o, value);
	buf_putc(o, '"');
}

static void html_text(struct buf *o, const char *s)
{
	html_escape(o, s, strlen(s));
}

/* ---- feeds: what goes in ------------------------------------------------- */

struct synd {
	int user;	    /* 1: a person's feed, 0: a tag's */
	int64_t id;	    /* the person or the tag */
	const char *name;   /* as stored (its canonical spelling) */
	int64_t since;	    /* the person's sign-up: the date of an empty feed */
	const char *origin; /* "https://example.org" */
	const char *page;   /* the HTML page, absolute */
	const char *self;   /* this feed, absolute */
	const char *title, *subtitle;
	const cJSON *items; /* the posts, newest first (in c's view model) */
	int64_t updated;    /* the newest post's time */
	int64_t *bytes;	    /* per item: the enclosure's size (0: unknown) */
};

/* The size in bytes of each item's enclosure file (lib/syndication.c: one
 * query); left 0 (unknown) when the database does not answer. */
static void synd_bytes(struct ctx *c, struct synd *s, size_t n)
{
	s->bytes = arena_zalloc(c->a, (n + 1) * sizeof(*s->bytes));
	const char **path = arena_zalloc(c->a, (n + 1) * sizeof(*path));
	const char *prefix = arena_printf(c->a, "%s/", c->app->cfg.media_url);
	size_t plen = strlen(prefix), i = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, s->items)
	{
		struct synd_pic pc;
		if (!synd_pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_ENCLOSURE_W,
				  SYND_NO_LIMIT, &pc) &&
		    !strncmp(pc.url, prefix, plen))
			path[i] = pc.url + plen;
		i++;
	}
	synd_file_bytes(c->app->db, c->a, path, n, s->bytes);
}

/* Everything a feed of the person or tag named in the path shows. 0, or the
 * status of ctx_fail: 404 for nobody / no such tag (a banned person too). */
static int synd_load(struct ctx *c, int user, const char *ext, struct synd *s)
{
	memset(s, 0, sizeof(*s));
	s->user = user;
	int st =
	    profile_feed_owner(c->app->db, c->a, user, c->sparams[0], &s->id, &s->name, &s->since);
	if (st == 404)
		return ctx_fail(c, 404, "not_found",
				user ? "There is nobody by that name."
				     : "No post carries that tag yet.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");

	struct feed_page pg;
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "items");
	if (feed_page_newest(c->app->db, c->app->cache, c->a, user, s->id, s->name, SYND_IDS,
			     &pg) ||
	    feed_render_items(c, &pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	while (cJSON_GetArraySize(items) > SYND_ITEMS)
		cJSON_DeleteItemFromArray(items, SYND_ITEMS);
	s->items = items;

	const char *site = c->app->cfg.site_name;
	s->origin = site_origin(c);
	s->page =
	    synd_abs_url(c->a, s->origin,
			 arena_printf(c->a, "/%c/%s", user ? 'u' : 't', url_encode(c->a, s->name)));
	s->self = arena_printf(c->a, "%s/feed.%s", s->page, ext);
	s->title = arena_printf(c->a, "%s%s on %s", user ? "@" : "#", s->name, site);
	s->subtitle =
	    user ? arena_printf(c->a, "The newest AI-generated images by @%s", s->name)
		 : arena_printf(c->a, "The newest AI-generated images tagged #%s", s->name);
	const cJSON *first = cJSON_GetArrayItem(items, 0);
	s->updated = first ? synd_iso_unix(synd_str(first, "created_at")) : s->since;
	synd_bytes(c, s, (size_t)cJSON_GetArraySize(items));
	return 0;
}

/* ---- feeds: one entry ---------------------------------------------------- */

struct entry {
	const char *url;    /* the post page, absolute */
	const char *title;  /* the prompt on one line, shortened */
	const char *author; /* user name */
	const char *author_url;
	int64_t created;
	const char *html;	   /* the content, as HTML (escaped for HTML) */
	struct synd_pic enclosure; /* url "" for none (a content warning) */
	int64_t bytes;
};

/* The HTML of an entry: the picture linked to the post (640 px), the prompt,
 * the caption and that it is AI-generated. A post with a content warning
 * shows the warning and a link instead of the picture. */
static const char *entry_html(struct ctx *c, const cJSON *p, const struct entry *e,
			      const char *origin)
{
	struct buf b = {0};
	const char *cw = synd_str(p, "content_warning"), *prompt = synd_str(p, "prompt");
	const char *caption = synd_str(p, "caption");
	struct synd_pic pc;
	if (*cw) {
		buf_puts(&b, "<p><strong>Content warning: ");
		html_text(&b, cw);
		buf_puts(&b, ".</strong> <a href=\"");
		html_text(&b, e->url);
		buf_puts(&b, "\">See the picture on ");
		html_text(&b, c->app->cfg.site_name);
		buf_puts(&b, "</a></p>\n");
	} else if (!synd_pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_PICTURE_W,
				 SYND_NO_LIMIT, &pc)) {
		buf_puts(&b, "<p><a href=\"");
		html_text(&b, e->url);
		buf_puts(&b, "\"><img src=\"");
		html_text(&b, synd_abs_url(c->a, origin, pc.url));
		buf_printf(&b, "\" width=\"%lld\" height=\"%lld\" alt=\"", (long long)pc.w,
			   (long long)pc.h);
		html_text(&b, prompt);
		buf_puts(&b, "\"></a></p>\n");
	}
	buf_puts(&b, "<p><strong>Prompt:</strong> ");
	html_text(&b, prompt);
	buf_puts(&b, "</p>\n");
	if (*caption) {
		buf_puts(&b, "<p>");
		html_text(&b, caption);
		buf_puts(&b, "</p>\n");
	}
	buf_puts(&b, "<p>AI-generated image by <a href=\"");
	html_text(&b, e->author_url);
	buf_puts(&b, "\">@");
	html_text(&b, e->author);
	buf_puts(&b, "</a>.</p>");
	const char *html = arena_strdup(c->a, buf_cstr(&b));
	buf_free(&b);
	return html;
}

static void entry_of(struct ctx *c, const struct synd *s, const cJSON *p, size_t i, struct entry *e)
{
	const char *cw = synd_str(p, "content_warning");
	const char *prompt = synd_one_line(c->a, synd_str(p, "prompt"), SYND_TITLE_CHARS);
	e->url = synd_abs_url(c->a, s->origin, synd_str(p, "url"));
	e->author = synd_str(cJSON_GetObjectItemCaseSensitive(p, "author"), "username");
	e->author_url =
	    synd_abs_url(c->a, s->origin, arena_printf(c->a, "/u/%s", url_encode(c->a, e->author)));
	e->title = *cw ? arena_printf(c->a, "[CW: %s] %s", synd_one_line(c->a, cw, 40), prompt)
		   : *prompt ? prompt
			     : arena_printf(c->a, "Post %lld", (long long)synd_num(p, "id"));
	e->created = synd_iso_unix(synd_str(p, "created_at"));
	e->html = entry_html(c, p, e, s->origin);
	e->enclosure.url = "";
	e->bytes = s->bytes[i];
	if (!*cw && !synd_pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_ENCLOSURE_W,
				  SYND_NO_LIMIT, &e->enclosure))
		e->enclosure.url = synd_abs_url(c->a, s->origin, e->enclosure.url);
}

/* ---- feeds: Atom and RSS ------------------------------------------------- */

static void atom_write(struct ctx *c, const struct synd *s, struct buf *o)
{
	buf_puts(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
	xml_el(o, "id", s->page);
	xml_el(o, "title", s->title);
	xml_el(o, "subtitle", s->subtitle);
	xml_el(o, "updated", time_iso(c->a, s->updated));
	buf_puts(o, "<link rel=\"self\" type=\"application/atom+xml\"");
	xml_attr(o, "href", s->self);
	buf_puts(o, "/>\n<link rel=\"alternate\" type=\"text/html\"");
	xml_attr(o, "href", s->page);
	buf_puts(o, "/>\n<author>");
	xml_el(o, "name", s->user ? s->name : c->app->cfg.site_name);
	if (s->user)
		xml_el(o, "uri", s->page);
	buf_puts(o, "</author>\n<generator>imagier</generator>\n");
	const cJSON *p;
	size_t i = 0;
	cJSON_ArrayForEach(p, s->items)
	{
		struct entry e;
		entry_of(c, s, p, i++, &e);
		buf_puts(o, "<entry>\n");
		xml_el(o, "id", e.url);
		xml_el(o, "title", e.title);
		buf_puts(o, "<link rel=\"alternate\" type=\"text/html\"");
		xml_attr(o, "href", e.url);
		buf_puts(o, "/>\n");
		xml_el(o, "published", time_iso(c->a, e.created));
		xml_el(o, "updated", time_iso(c->a, e.created));
		buf_puts(o, "<author>");
		xml_el(o, "name", e.author);
		xml_el(o, "uri", e.author_url);
		buf_puts(o, "</author>\n");
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(p, "tags"))
		{
			const char *tag = cJSON_GetStringValue(t) ? t->valuestring : "";
			buf_puts(o, "<category");
			xml_attr(o, "term", tag);
			xml_attr(o, "label", arena_printf(c->a, "#%s", tag));
			buf_puts(o, "/>\n");
		}
		buf_puts(o, "<content type=\"html\">");
		xml_text(o, e.html);
		buf_puts(o, "</content>\n");
		if (*e.enclosure.url) {
			buf_puts(o, "<link rel=\"enclosure\" type=\"image/jpeg\"");
			if (e.bytes > 0)
				buf_printf(o, " length=\"%lld\"", (long long)e.bytes);
			xml_attr(o, "href", e.enclosure.url);
			buf_puts(o, "/>\n");
		}
		buf_puts(o, "</entry>\n");
	}
	buf_puts(o, "</feed>\n");
}

static void rss_write(struct ctx *c, const struct synd *s, struct buf *o)
{
	buf_puts(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
		    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n");
	xml_el(o, "title", s->title);
	xml_el(o, "link", s->page);
	xml_el(o, "description", s->subtitle);
	buf_puts(o, "<atom:link rel=\"self\" type=\"application/rss+xml\"");
	xml_attr(o, "href", s->self);
	buf_puts(o, "/>\n");
	xml_el(o, "lastBuildDate", synd_date_822(c->a, s->updated, "+0000"));
	xml_el(o, "generator", "imagier");
	const cJSON *p;
	size_t i = 0;
	cJSON_ArrayForEach(p, s->items)
	{
		struct entry e;
		entry_of(c, s, p, i++, &e);
		buf_puts(o, "<item>\n");
		xml_el(o, "title", e.title);
		xml_el(o, "link", e.url);
		buf_puts(o, "<guid isPermaLink=\"true\">");
		xml_text(o, e.url);
		buf_puts(o, "</guid>\n");
		xml_el(o, "pubDate", synd_date_822(c->a, e.created, "+0000"));
		xml_el(o, "dc:creator", e.author);
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(p, "tags"))
		{
			xml_el(o, "category", cJSON_GetStringValue(t) ? t->valuestring : "");
		}
		xml_el(o, "description", e.html);
		if (*e.enclosure.url) {
			buf_puts(o, "<enclosure");
			xml_attr(o, "url", e.enclosure.url);
			buf_printf(o, " length=\"%lld\" type=\"image/jpeg\"/>\n",
				   (long long)e.bytes);
		}
		buf_puts(o, "</item>\n");
	}
	buf_puts(o, "</channel>\n</rss>\n");
}

/* The body in c->resp->body is done: its type, an ETag (a hash of it) and
 * Last-Modified; an If-None-Match that names the ETag gets 304 and no body. */
static int raw_finish(struct ctx *c, const char *type, int64_t modified)
{
	struct buf *body = &c->resp->body;
	unsigned char h[16];
	char hex[2 * sizeof(h) + 1];
	crypto_generichash(h, sizeof(h), (const unsigned char *)body->data, body->len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	const char *etag = arena_printf(c->a, "\"%s\"", hex);
	c->raw_type = type;
	c->raw_max_age = SYND_TTL;
	ctx_header(c, "ETag", etag);
	if (modified > 0)
		ctx_header(c, "Last-Modified", synd_date_822(c->a, modified, "GMT"));
	const char *inm = kv_get(&c->req->headers, "if-none-match");
	if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
		buf_reset(body);
		return 304;
	}
	return 200;
}

static int feed_serve(struct ctx *c, int user, int atom)
{
	struct synd s;
	int st;
	if ((st = synd_load(c, user, atom ? "atom" : "rss", &s)))
		return st;
	struct buf *o = &c->resp->body;
	buf_reset(o);
	if (atom)
		atom_write(c, &s, o);
	else
		rss_write(c, &s, o);
	return raw_finish(c, atom ? ATOM_TYPE : RSS_TYPE, s.updated);
}

int user_feed_atom(struct ctx *c)
{
	return feed_serve(c, 1, 1);
}

int user_feed_rss(struct ctx *c)
{
	return feed_serve(c, 1, 0);
}

int tag_feed_atom(struct ctx *c)
{
	return feed_serve(c, 0, 1);
}

int tag_feed_rss(struct ctx *c)
{
	return feed_serve(c, 0, 0);
}

/* ---- oEmbed -------------------------------------------------------------- */

static int host_ours_cb(const char *host, size_t len, void *arg)
{
	return host_ours(arg, host, len);
}

/* The post id of url when it names a post of this site (lib/oembed.c). 0
 * with *id, else the status of ctx_fail: 400 when url is missing or not an
 * address, 404 for another site or not a post. */
static int oembed_target(struct ctx *c, const char *url, int64_t *id)
{
	switch (oembed_url_post(url, host_ours_cb, c, id)) {
	case OEMBED_URL_OK:
		return 0;
	case OEMBED_URL_MISSING:
		return ctx_fail(c, 400, "missing_url",
				"Say which post to embed: ?url= and the post's address.");
	case OEMBED_URL_BAD:
		return ctx_fail(c, 400, "bad_url",
				"The url must be a post's address: http(s)://…/p/ID or /p/ID.");
	case OEMBED_URL_FOREIGN:
		return ctx_fail(c, 404, "not_found", "That address is not on this site.");
	default:
		return ctx_fail(c, 404, "not_found", "That address is not a post.");
	}
}

/* ?maxwidth= / ?maxheight=: 0 with *out (def when absent; capped at
 * SYND_NO_LIMIT), or the status of ctx_fail (400). */
static int oembed_size(struct ctx *c, const char *name, int64_t def, int64_t *out)
{
	uint64_t v = 0;
	int rc = ctx_param_u64(c, name, UINT32_MAX, &v);
	if (rc < 0 || (rc > 0 && v == 0))
		return ctx_fail(
		    c, 400, "bad_size",
		    arena_printf(c->a, "%s is a whole number of pixels, 1 or more.", name));
	*out = rc == 0 ? def : v > SYND_NO_LIMIT ? SYND_NO_LIMIT : (int64_t)v;
	return 0;
}

int oembed_show(struct ctx *c)
{
	const char *format = ctx_param(c, "format");
	int xml = format && !strcmp(format, "xml");
	if (format && *format && !xml && strcmp(format, "json"))
		return ctx_fail(c, 501, "unsupported_format", "The format is json or xml.");
	int64_t id = 0, maxw = 0, maxh = 0;
	int st, down;
	if ((st = oembed_target(c, ctx_param(c, "url"), &id)) ||
	    (st = oembed_size(c, "maxwidth", OEMBED_DEFAULT_W, &maxw)) ||
	    (st = oembed_size(c, "maxheight", SYND_NO_LIMIT, &maxh)))
		return st;
	cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, id, &down);
	if (!p)
		return down ? ctx_fail(c, 503, "unavailable", "The database is not answering.")
			    : ctx_fail(c, 404, "not_found", "There is no such post.");
	const cJSON *image = cJSON_GetObjectItemCaseSensitive(p, "image");
	struct synd_pic pic, thumb;
	/* a remote post embeds from its own server, not from here */
	if (cJSON_GetObjectItemCaseSensitive(p, "mod_state") ||
	    cJSON_GetObjectItemCaseSensitive(p, "remote") ||
	    synd_pic_fit(image, maxw, maxh, &pic) ||
	    synd_pic_fit(image, maxw < OEMBED_THUMB_W ? maxw : OEMBED_THUMB_W, maxh, &thumb)) {
		cJSON_Delete(p);
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	}
	const char *origin = site_origin(c);
	const char *author = synd_str(cJSON_GetObjectItemCaseSensitive(p, "author"), "username");
	const char *prompt = synd_one_line(c->a, synd_str(p, "prompt"), 200);
	const char *cw = synd_str(p, "content_warning");
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "type", "photo");
	cJSON_AddStringToObject(d, "version", "1.0");
	cJSON_AddStringToObject(d, "title", *prompt ? prompt : synd_str(p, "url"));
	cJSON_AddStringToObject(d, "author_name", author);
	cJSON_AddStringToObject(
	    d, "author_url",
	    synd_abs_url(c->a, origin, arena_printf(c->a, "/u/%s", url_encode(c->a, author))));
	cJSON_AddStringToObject(d, "provider_name", c->app->cfg.site_name);
	cJSON_AddStringToObject(d, "provider_url", arena_printf(c->a, "%s/", origin));
	cJSON_AddNumberToObject(d, "cache_age", OEMBED_CACHE_AGE);
	cJSON_AddStringToObject(d, "url", synd_abs_url(c->a, origin, pic.url));
	cJSON_AddNumberToObject(d, "width", (double)pic.w);
	cJSON_AddNumberToObject(d, "height", (double)pic.h);
	cJSON_AddStringToObject(d, "thumbnail_url", synd_abs_url(c->a, origin, thumb.url));
	cJSON_AddNumberToObject(d, "thumbnail_width", (double)thumb.w);
	cJSON_AddNumberToObject(d, "thumbnail_height", (double)thumb.h);
	if (*cw)
		cJSON_AddStringToObject(d, "content_warning", cw);
	cJSON_Delete(p);
	if (!xml)
		return 200;
	struct buf *o = &c->resp->body;
	buf_reset(o);
	buf_puts(o, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<oembed>\n");
	const cJSON *f;
	cJSON_ArrayForEach(f, d)
	{
		if (cJSON_IsNumber(f))
			buf_printf(o, "<%s>%lld</%s>\n", f->string, (long long)f->valuedouble,
				   f->string);
		else
			xml_el(o, f->string, cJSON_GetStringValue(f));
	}
	buf_puts(o, "</oembed>\n");
	c->raw_type = OEMBED_XML_TYPE;
	return 200;
}
