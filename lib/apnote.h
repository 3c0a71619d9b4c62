/* apnote.h - reading what other servers send about the people followed
 * from here (docs/FEDERATION.md "Following people of other servers"): a
 * handle typed by a person ("@bob@host"), a WebFinger answer (JRD) for its
 * actor link, an actor document's key id, and a Note for the remote post it
 * becomes. Pure functions over outside input, with limits on every string,
 * fuzzed by tests/fuzz/fuzz_apnote.c. */
#ifndef IMAGIER_APNOTE_H
#define IMAGIER_APNOTE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;

#define APNOTE_MAX_ACCT	   320	       /* "name@host" as typed */
#define APNOTE_MAX_CONTENT (64u << 10) /* a Note's content (HTML) read at most */
#define APNOTE_MAX_ATTACH  16	       /* attachments looked at */
#define APNOTE_MAX_LINKS   64	       /* links of a JRD looked at */
#define APNOTE_MAX_CAPTION 2000	       /* bytes of the caption kept (post.h POST_MAX_CAPTION) */
#define APNOTE_MAX_PROMPT  2000	       /* bytes of imagier:prompt kept */
#define APNOTE_MAX_CW	   40	       /* characters of the content warning kept */

/* The IPTC term for media made by a trained model. */
#define APNOTE_AI_SOURCE "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

/* A handle: "bob@host", "@bob@host" or "acct:bob@host" (host may have a
 * :port). 0 with *name and *host (arena strings; host lower case), or -1:
 * not a handle (no "@", an empty part, a name of more than 64 bytes or
 * with bytes outside [A-Za-z0-9_.-], a host of more than 255 with bytes
 * outside [A-Za-z0-9.-:[]]). */
int apnote_acct(struct arena *a, const char *in, const char **name, const char **host);

/* The actor URL of a WebFinger answer: the first link with rel "self" and
 * type application/activity+json (or application/ld+json with any
 * profile) whose href is http(s) and at most 512 bytes. 0 with *href, or
 * -1 with *why. */
int apnote_jrd_self(struct arena *a, const char *body, size_t len, const char **href,
		    const char **why);

/* The id of an actor document's key (publicKey: an object, or the first
 * of an array with an id). 0 with *key_id, or -1 with *why. */
int apnote_key_id(struct arena *a, const char *body, size_t len, const char **key_id,
		  const char **why);

/* A Note (or an Image, Article, Page) as a remote post. Every string is an
 * arena copy, "" when absent. */
struct ap_note {
	const char *id, *type, *attributed_to, *url, *in_reply_to;
	const char *caption; /* content as plain text, at most APNOTE_MAX_CAPTION bytes */
	const char *cw;	     /* summary as plain text (or "sensitive" for sensitive:true
			      * without one), at most APNOTE_MAX_CW characters */
	const char *prompt;  /* imagier:prompt, at most APNOTE_MAX_PROMPT bytes */
	/* The first attachment that is an image (mediaType image/..., or no
	 * mediaType on an Image / Document) with an http(s) URL. */
	const char *image_url, *image_type, *image_name;
	int ai_labelled; /* its digitalSourceType is trainedAlgorithmicMedia (or
			  * compositeWithTrainedAlgorithmicMedia), or imagier:prompt is there */
};

/* Read obj (a parsed object) as above. 0, or -1 with *why (not an object,
 * no id or type, an id or attributedTo that is not an http(s) URL of at
 * most 512 bytes, a type that is not one of the four). */
int apnote_parse(struct arena *a, const struct cJSON *obj, struct ap_note *out, const char **why);

/* 1 when url's host[:port] is host (case-insensitive), else 0. */
int apnote_same_host(const char *url, const char *host);

#endif
