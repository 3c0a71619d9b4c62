/* apreply.h - reading what a remote person sends about local content
 * (lib/apin_social.c): the Note of a Create or an Update, the local post
 * or comment a URL of ours names, and the leading @mention a reply starts
 * with. Outside input: every string has a limit, fuzzed by
 * tests/fuzz/fuzz_apreply.c. */
#ifndef IMAGIER_APREPLY_H
#define IMAGIER_APREPLY_H

#include <stdint.h>

struct cJSON;

/* A Note's content is read up to this many bytes of HTML; longer is
 * refused (a comment holds COMMENT_MAX_CHARS characters of text). */
#define APREPLY_MAX_CONTENT 65536

struct ap_note {
	const char *id;		   /* its id: an http(s) URL */
	const char *type;	   /* "Note" */
	const char *attributed_to; /* its author's actor id ("" when not said) */
	const char *in_reply_to;   /* the id it answers, NULL for none */
	const char *content;	   /* HTML as sent, "" when none */
	int is_public;		   /* to or cc holds the Public collection */
};

/* obj (the object of a Create or an Update) as a Note: an object whose
 * type is "Note", with an http(s) id of at most APREMOTE_MAX_URI bytes;
 * attributedTo an id, an object with one, or an array whose first entry
 * is either; inReplyTo an id or an object with one; content a string of at
 * most APREPLY_MAX_CONTENT bytes; to and cc (an id or an array of at
 * most 64 of them) read for the Public collection
 * ("https://www.w3.org/ns/activitystreams#Public", "as:Public" or
 * "Public"). 0 with *out (its strings are obj's),
 * or -1 with *why. */
int apreply_note(const struct cJSON *obj, struct ap_note *out, const char **why);

/* The local post (and comment) url names: "{base}/p/{id}" (*comment_id 0)
 * or "{base}/p/{id}#comment-{cid}" (the id local comments have,
 * docs/FEDERATION.md), ids of at most 18 digits. base: site.base_url
 * without its trailing slash. 0, or -1 when url is none of ours. */
int apreply_local(const char *base, const char *url, int64_t *post_id, int64_t *comment_id);

/* text without the "@name" or "@name@host" mentions of name it starts
 * with (any case; a reply from Mastodon starts with its author's mention
 * of whom it answers), nor the blanks after them: a pointer into text. */
const char *apreply_unmention(const char *text, const char *name);

#endif
