/* syndicate.c - a person's and a tag's newest posts as Atom 1.0 and RSS 2.0
 * feeds, and oEmbed 1.0 so a post embeds in other sites.
 *
 * The ids come from the same queries as the pages (lib/feed.c), cached under
 * the feed version; the posts from the same hydration (cgi/feed.c), which
 * leaves out what moderation hid and the posts of banned people. The bodies
 * are written here (c->raw_type: no template), every piece of text through
 * the one XML escape (lib/xmlesc.c); the HTML inside an entry is escaped for
 * HTML first (html_escape), then the whole for XML. */
#include "app.h"
#include "oembed.h"
#include "cache.h"
#include "db.h"
#include "feed.h"
#include "feedview.h"
#include "post.h"
#include "render.h"
#include "syndicate.h"
#include "util.h"
#include "xmlesc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SYND_ITEMS	 20  /* entries in a feed */
#define SYND_IDS	 30  /* ids asked for, so a few hidden posts still leave 20 */
#define SYND_TTL	 60  /* seconds a logged-in browser may keep a feed (routes: 60) */
#define SYND_IDS_TTL	 300 /* the cached list of ids (also stale on every new post) */
#define SYND_TITLE_CHARS 80
#define SYND_PICTURE_W	 640  /* the picture inside an entry */
#define SYND_ENCLOSURE_W 1280 /* the enclosure: the size a post page shows */
#define OEMBED_DEFAULT_W 1280 /* maxwidth when the consumer names none */
#define OEMBED_THUMB_W	 320
#define OEMBED_CACHE_AGE 3600
#define NO_LIMIT	 1000000 /* "any size": above every stored width and height */

#define ATOM_TYPE	"application/atom+xml; charset=utf-8"
#define RSS_TYPE	"application/rss+xml; charset=utf-8"
#define OEMBED_XML_TYPE "text/xml; charset=utf-8"

/* ---- small helpers ------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

static int64_t num_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

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

/* The site's origin, "https://example.org" (no slash at the end): site.base_url,
 * else (set empty) the request's: TLS or not, and its Host header (nginx's
 * microcache keys on the Host too, so one host's answer never reaches
 * another). X-Forwarded-Proto is not trusted: the cache key lacks it. */
static const char *site_origin(struct ctx *c)
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

/* A site path ("/p/1") as an absolute URL; a URL with a scheme stays. */
static const char *abs_url(struct ctx *c, const char *origin, const char *path)
{
	if (!strncmp(path, "//", 2))
		return arena_printf(c->a, "%s:%s", strncmp(origin, "http:", 5) ? "https" : "http",
				    path);
	if (path[0] == '/')
		return arena_printf(c->a, "%s%s", origin, path);
	return path;
}

/* Unix time of "2026-11-24T23:59:00Z" (lib/post.c's time_iso), 0 if not. */
static int64_t iso_unix(const char *iso)
{
	struct tm tm = {0};
	if (sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* "Tue, 24 Nov 2026 23:59:00 +0000": RFC 822 for RSS (zone "+0000") and
 * HTTP dates (zone "GMT"); English names whatever the locale. */
static char *date_822(struct arena *a, int64_t t, const char *zone)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	return arena_printf(a, "%s, %02d %s %04d %02d:%02d:%02d %s", days[tm.tm_wday], tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
			    zone);
}

/* s on one line (each run of white space one space, none at the ends), cut
 * to at most max characters -- at the last space when that keeps more than
 * half -- with "…" when it was cut. */
static char *one_line(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s), len = 0, chars = 0, last_space = 0;
	char *out = arena_alloc(a, n + 4);
	int cut = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
		if (space && (!len || out[len - 1] == ' '))
			continue;
		if ((ch & 0xC0) != 0x80 && chars++ == max) {
			/* not cut when only white space follows */
			cut = s[i + strspn(s + i, " \t\n\r")] != '\0';
			break;
		}
		if (space)
			last_space = len;
		out[len++] = space ? ' ' : (char)ch;
	}
	if (cut && last_space > len / 2)
		len = last_space;
	while (len && out[len - 1] == ' ')
		len--;
	if (cut) {
		memcpy(out + len, "\xE2\x80\xA6", 3); /* … */
		len += 3;
	}
	out[len] = '\0';
	return out;
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

/* ---- pictures ------------------------------------------------------------ */

struct pic {
	const char *url; /* a JPEG, as lib/post.c wrote it (media.url + path) */
	int64_t w, h;
};

/* The stored size of image (a post's "image") to show within maxw x maxh:
 * the largest JPEG that fits; when none does, the smallest, with width and
 * height scaled down to fit (the URL stays the smallest file's, which the
 * consumer shows at that size). 0, or -1 when the image lists no JPEG. */
static int pic_fit(const cJSON *image, int64_t maxw, int64_t maxh, struct pic *out)
{
	const cJSON *s, *best = NULL, *small = NULL;
	int64_t best_w = 0, small_w = 0;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(image, "sizes"))
	{
		int64_t w = num_of(s, "width"), h = num_of(s, "height");
		if (!*str_of(s, "jpeg") || w <= 0 || h <= 0)
			continue;
		if (w <= maxw && h <= maxh && w > best_w) {
			best = s;
			best_w = w;
		}
		if (!small || w < small_w) {
			small = s;
			small_w = w;
		}
	}
	const cJSON *use = best ? best : small;
	if (!use)
		return -1;
	out->url = str_of(use, "jpeg");
	out->w = num_of(use, "width");
	out->h = num_of(use, "height");
	if (!best) { /* scale by min(maxw / w, maxh / h), never below a pixel */
		int64_t w = out->w, h = out->h;
		if (w * maxh > h * maxw) {
			out->w = maxw;
			out->h = h * maxw / w;
		} else {
			out->h = maxh;
			out->w = w * maxh / h;
		}
		out->w = out->w < 1 ? 1 : out->w;
		out->h = out->h < 1 ? 1 : out->h;
	}
	return 0;
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

/* The newest ids of the person or tag, through memcached under the feed
 * version (a new post makes them stale at once). 0 or -1 (database). */
static int synd_ids(struct ctx *c, const struct synd *s, struct feed_page *pg)
{
	uint64_t ver = cache_version(c->app->cache, FEED_VERSION_KEY);
	char *key = ver ? arena_printf(c->a, "imagier:ids:synd:%c:%lld:%llu", s->user ? 'u' : 't',
				       (long long)s->id, (unsigned long long)ver)
			: NULL;
	char *hit;
	size_t len;
	if (key && cache_get(c->app->cache, c->a, key, &hit, &len) == 0 &&
	    feed_page_decode(c, hit, len, pg) == 0)
		return 0;
	int rc = s->user ? feed_ids_user(c->app->db, c->a, s->id, s->name, 0, SYND_IDS, pg)
			 : feed_ids_tag(c->app->db, c->a, s->id, s->name, 0, SYND_IDS, pg);
	if (rc)
		return -1;
	if (key)
		feed_page_store(c, key, SYND_IDS_TTL, pg);
	return 0;
}

/* The size in bytes of each item's enclosure file, from media_files in one
 * query; left 0 (unknown) when the database does not answer. */
static void synd_bytes(struct ctx *c, struct synd *s, size_t n)
{
	s->bytes = arena_zalloc(c->a, (n + 1) * sizeof(*s->bytes));
	const char **path = arena_zalloc(c->a, (n + 1) * sizeof(*path));
	const char *prefix = arena_printf(c->a, "%s/", c->app->cfg.media_url);
	size_t plen = strlen(prefix), i = 0;
	cJSON *list = cJSON_CreateArray();
	const cJSON *p;
	cJSON_ArrayForEach(p, s->items)
	{
		struct pic pc;
		if (!pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_ENCLOSURE_W,
			     NO_LIMIT, &pc) &&
		    !strncmp(pc.url, prefix, plen)) {
			path[i] = pc.url + plen;
			cJSON_AddItemToArray(list, cJSON_CreateString(path[i]));
		}
		i++;
	}
	char *json = cJSON_PrintUnformatted(list);
	cJSON_Delete(list);
	struct db_res r;
	int rc = db_exec(c->app->db, c->a, &r,
			 "SELECT STRAIGHT_JOIN m.path, m.bytes FROM JSON_TABLE(?, '$[*]' COLUMNS "
			 "(p VARCHAR(100) CHARACTER SET ascii PATH '$')) j "
			 "JOIN media_files m ON m.path = j.p",
			 "s", json);
	free(json);
	if (rc != DB_OK)
		return;
	for (size_t k = 0; k < r.nrows; k++)
		for (i = 0; i < n; i++)
			if (path[i] && !strcmp(path[i], db_str(&r, k, 0)))
				s->bytes[i] = db_int(&r, k, 1);
}

/* Everything a feed of the person or tag named in the path shows. 0, or the
 * status of ctx_fail: 404 for nobody / no such tag (a banned person too). */
static int synd_load(struct ctx *c, int user, const char *ext, struct synd *s)
{
	struct db_res r;
	memset(s, 0, sizeof(*s));
	s->user = user;
	if (db_exec(c->app->db, c->a, &r,
		    user ? "SELECT id, username, created_at FROM users WHERE username = ? AND "
			   "banned_at IS NULL"
			 : "SELECT id, name, 0 FROM tags WHERE name = ?",
		    "s", c->sparams[0]) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (r.nrows == 0)
		return ctx_fail(c, 404, "not_found",
				user ? "There is nobody by that name."
				     : "No post carries that tag yet.");
	s->id = db_int(&r, 0, 0);
	s->name = db_str(&r, 0, 1);
	s->since = db_int(&r, 0, 2);

	struct feed_page pg;
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "items");
	if (synd_ids(c, s, &pg) || feed_render_items(c, &pg, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	while (cJSON_GetArraySize(items) > SYND_ITEMS)
		cJSON_DeleteItemFromArray(items, SYND_ITEMS);
	s->items = items;

	const char *site = c->app->cfg.site_name;
	s->origin = site_origin(c);
	s->page =
	    abs_url(c, s->origin,
		    arena_printf(c->a, "/%c/%s", user ? 'u' : 't', url_encode(c->a, s->name)));
	s->self = arena_printf(c->a, "%s/feed.%s", s->page, ext);
	s->title = arena_printf(c->a, "%s%s on %s", user ? "@" : "#", s->name, site);
	s->subtitle =
	    user ? arena_printf(c->a, "The newest AI-generated images by @%s", s->name)
		 : arena_printf(c->a, "The newest AI-generated images tagged #%s", s->name);
	const cJSON *first = cJSON_GetArrayItem(items, 0);
	s->updated = first ? iso_unix(str_of(first, "created_at")) : s->since;
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
	const char *html;     /* the content, as HTML (escaped for HTML) */
	struct pic enclosure; /* url "" for none (a content warning) */
	int64_t bytes;
};

/* The HTML of an entry: the picture linked to the post (640 px), the prompt,
 * the caption and that it is AI-generated. A post with a content warning
 * shows the warning and a link instead of the picture. */
static const char *entry_html(struct ctx *c, const cJSON *p, const struct entry *e,
			      const char *origin)
{
	struct buf b = {0};
	const char *cw = str_of(p, "content_warning"), *prompt = str_of(p, "prompt");
	const char *caption = str_of(p, "caption");
	struct pic pc;
	if (*cw) {
		buf_puts(&b, "<p><strong>Content warning: ");
		html_text(&b, cw);
		buf_puts(&b, ".</strong> <a href=\"");
		html_text(&b, e->url);
		buf_puts(&b, "\">See the picture on ");
		html_text(&b, c->app->cfg.site_name);
		buf_puts(&b, "</a></p>\n");
	} else if (!pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_PICTURE_W, NO_LIMIT,
			    &pc)) {
		buf_puts(&b, "<p><a href=\"");
		html_text(&b, e->url);
		buf_puts(&b, "\"><img src=\"");
		html_text(&b, abs_url(c, origin, pc.url));
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
	const char *cw = str_of(p, "content_warning");
	const char *prompt = one_line(c->a, str_of(p, "prompt"), SYND_TITLE_CHARS);
	e->url = abs_url(c, s->origin, str_of(p, "url"));
	e->author = str_of(cJSON_GetObjectItemCaseSensitive(p, "author"), "username");
	e->author_url =
	    abs_url(c, s->origin, arena_printf(c->a, "/u/%s", url_encode(c->a, e->author)));
	e->title = *cw	     ? arena_printf(c->a, "[CW: %s] %s", one_line(c->a, cw, 40), prompt)
		   : *prompt ? prompt
			     : arena_printf(c->a, "Post %lld", (long long)num_of(p, "id"));
	e->created = iso_unix(str_of(p, "created_at"));
	e->html = entry_html(c, p, e, s->origin);
	e->enclosure.url = "";
	e->bytes = s->bytes[i];
	if (!*cw && !pic_fit(cJSON_GetObjectItemCaseSensitive(p, "image"), SYND_ENCLOSURE_W,
			     NO_LIMIT, &e->enclosure))
		e->enclosure.url = abs_url(c, s->origin, e->enclosure.url);
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
	xml_el(o, "lastBuildDate", date_822(c->a, s->updated, "+0000"));
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
		xml_el(o, "pubDate", date_822(c->a, e.created, "+0000"));
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
		ctx_header(c, "Last-Modified", date_822(c->a, modified, "GMT"));
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
 * NO_LIMIT), or the status of ctx_fail (400). */
static int oembed_size(struct ctx *c, const char *name, int64_t def, int64_t *out)
{
	uint64_t v = 0;
	int rc = ctx_param_u64(c, name, UINT32_MAX, &v);
	if (rc < 0 || (rc > 0 && v == 0))
		return ctx_fail(
		    c, 400, "bad_size",
		    arena_printf(c->a, "%s is a whole number of pixels, 1 or more.", name));
	*out = rc == 0 ? def : v > NO_LIMIT ? NO_LIMIT : (int64_t)v;
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
	    (st = oembed_size(c, "maxheight", NO_LIMIT, &maxh)))
		return st;
	cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, id, &down);
	if (!p)
		return down ? ctx_fail(c, 503, "unavailable", "The database is not answering.")
			    : ctx_fail(c, 404, "not_found", "There is no such post.");
	const cJSON *image = cJSON_GetObjectItemCaseSensitive(p, "image");
	struct pic pic, thumb;
	if (cJSON_GetObjectItemCaseSensitive(p, "mod_state") || pic_fit(image, maxw, maxh, &pic) ||
	    pic_fit(image, maxw < OEMBED_THUMB_W ? maxw : OEMBED_THUMB_W, maxh, &thumb)) {
		cJSON_Delete(p);
		return ctx_fail(c, 404, "not_found", "There is no such post.");
	}
	const char *origin = site_origin(c);
	const char *author = str_of(cJSON_GetObjectItemCaseSensitive(p, "author"), "username");
	const char *prompt = one_line(c->a, str_of(p, "prompt"), 200);
	const char *cw = str_of(p, "content_warning");
	cJSON *d = ctx_data(c);
	cJSON_AddStringToObject(d, "type", "photo");
	cJSON_AddStringToObject(d, "version", "1.0");
	cJSON_AddStringToObject(d, "title", *prompt ? prompt : str_of(p, "url"));
	cJSON_AddStringToObject(d, "author_name", author);
	cJSON_AddStringToObject(
	    d, "author_url",
	    abs_url(c, origin, arena_printf(c->a, "/u/%s", url_encode(c->a, author))));
	cJSON_AddStringToObject(d, "provider_name", c->app->cfg.site_name);
	cJSON_AddStringToObject(d, "provider_url", arena_printf(c->a, "%s/", origin));
	cJSON_AddNumberToObject(d, "cache_age", OEMBED_CACHE_AGE);
	cJSON_AddStringToObject(d, "url", abs_url(c, origin, pic.url));
	cJSON_AddNumberToObject(d, "width", (double)pic.w);
	cJSON_AddNumberToObject(d, "height", (double)pic.h);
	cJSON_AddStringToObject(d, "thumbnail_url", abs_url(c, origin, thumb.url));
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

/* ---- links for the pages' heads ------------------------------------------ */

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
	link_add(links, "application/atom+xml", abs_url(c, origin, atom),
		 arena_printf(c->a, "%s (Atom)", what));
	link_add(links, "application/rss+xml", abs_url(c, origin, rss),
		 arena_printf(c->a, "%s (RSS)", what));
	cJSON *feeds = cJSON_AddObjectToObject(d, "feeds");
	cJSON_AddStringToObject(feeds, "atom", atom);
	cJSON_AddStringToObject(feeds, "rss", rss);
}

void syndicate_post_links(struct ctx *c, const cJSON *post)
{
	if (c->api || cJSON_GetObjectItemCaseSensitive(post, "mod_state"))
		return;
	const char *origin = site_origin(c);
	const char *url = url_encode(c->a, abs_url(c, origin, str_of(post, "url")));
	const char *title = one_line(c->a, str_of(post, "prompt"), SYND_TITLE_CHARS);
	cJSON *links = cJSON_AddArrayToObject(ctx_data(c), "feed_links");
	link_add(links, "application/json+oembed",
		 arena_printf(c->a, "%s/oembed?url=%s&format=json", origin, url), title);
	link_add(links, "text/xml+oembed",
		 arena_printf(c->a, "%s/oembed?url=%s&format=xml", origin, url), title);
}
