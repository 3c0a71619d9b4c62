/* syndicate.h - what pages borrow from syndication: the <link
 * rel="alternate"> entries of the layout's head (feeds, oEmbed discovery).
 * They live in cgi/syndicate_links.c, a helper that uses no handler; the
 * handlers of cgi/syndicate.c are declared in app.h. */
#ifndef IMAGIER_SYNDICATE_H
#define IMAGIER_SYNDICATE_H

struct ctx;
struct cJSON;

/* HTML face only (nothing for the API): the Atom and RSS feeds of a person
 * (kind 'u', with their ActivityPub actor) or a tag (kind 't') named name,
 * as "feed_links" (the layout's
 * head: [{"type","href","title"}], absolute URLs) and "feeds" ({"atom","rss"}
 * paths, for a visible link on the page). */
void syndicate_feed_links(struct ctx *c, char kind, const char *name);

/* HTML face only: oEmbed discovery links (JSON and XML) and its ActivityPub
 * Note for a post, a view model object of lib/post.c; nothing for a post
 * under moderation. */
void syndicate_post_links(struct ctx *c, const struct cJSON *post);

/* The site's origin, "https://example.org" (no slash at the end):
 * site.base_url, else (set empty) the request's scheme and Host. */
const char *site_origin(struct ctx *c);

#endif
