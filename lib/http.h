/* http.h - the request as one struct, and strict parsers for its parts. */
#ifndef IMAGIER_HTTP_H
#define IMAGIER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;

/* Size limits for every parser. http_limits_default() fills sane values. */
struct http_limits {
	size_t max_body;	 /* whole request body, bytes (default 25 MiB) */
	size_t max_fields;	 /* query/form/cookie pairs each (default 64) */
	size_t max_key;		 /* one field name, bytes (default 64) */
	size_t max_value;	 /* one non-file field value, bytes (default 64 KiB) */
	size_t max_parts;	 /* multipart parts (default 16) */
	size_t max_file;	 /* one file part, bytes (default 20 MiB) */
	size_t max_header_value; /* one header/cookie value, bytes (default 8 KiB) */
	size_t max_json_depth;	 /* nesting of a JSON body (default 16) */
};
void http_limits_default(struct http_limits *l);

/* One name=value pair. key and val are NUL-terminated arena strings; val may
 * contain NUL bytes only if the parser allows it (none of ours do: a %00 in a
 * text field is rejected). */
struct kv {
	const char *key;
	const char *val;
	size_t val_len;
};

/* A list of pairs in arrival order; lookups are linear (lists are short). */
struct kvlist {
	struct kv *items;
	size_t n, cap;
};

/* One multipart part that carried a filename (an upload). */
struct part {
	const char *name;	   /* form field name */
	const char *filename;	   /* as sent, for display only; never a path */
	const char *content_type;  /* as sent, may be "" */
	const unsigned char *data; /* points into the body buffer */
	size_t len;
};

struct request {
	struct arena *arena;
	const char *method;	  /* "GET", "POST", ... */
	const char *path;	  /* decoded-free raw path, without the query */
	const char *query_string; /* raw, may be "" */
	const char *content_type; /* raw header, may be "" */
	const char *remote_addr;  /* may be "" */
	const char *user_agent;	  /* may be "" */
	int https;		  /* 1 when the client connection is TLS */
	/* nginx can send a cached page's body from memcached itself
	 * (IMAGIER_PAGE_BODIES: the /_pagebody/ location of
	 * nginx/imagier-locations.conf), and whether this request is its
	 * fallback: the body it was sent to fetch was gone. */
	int nginx_page_bodies;
	int page_body_missing;
	struct kvlist headers; /* lower-case names with '-' (from HTTP_*) */
	struct kvlist query;   /* parsed query string */
	struct kvlist form;    /* urlencoded or multipart text fields */
	struct kvlist cookies;
	struct part *parts; /* multipart file parts */
	size_t nparts;
	const unsigned char *body; /* raw body (NUL-terminated), body_len bytes */
	size_t body_len;
	struct cJSON *json; /* parsed body when Content-Type is JSON, else NULL */
};

/* Parser results: 0 on success, otherwise an HTTP status (400, 413, 415) and
 * *why is set to a short English reason a person can read ("field name too
 * long"). On failure the output lists are left as they were (nothing added). */

/* Append one pair (copies into the arena). */
void kv_add(struct arena *a, struct kvlist *l, const char *key, const char *val, size_t val_len);
/* First value for key, or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);

/* application/x-www-form-urlencoded (also used for query strings): '&'
 * separated, '+' is space, %XX decoded (bad escapes -> 400), decoded text
 * must be valid UTF-8 without NUL (-> 400), limits -> 413/400. */
int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvlist *out,
			  const struct http_limits *lim, const char **why);

/* Cookie header: "a=b; c=d". Values may be quoted. Invalid pairs, and pairs
 * past max_fields, are skipped, not fatal (browsers send junk); over-long
 * header -> 400. */
int http_parse_cookies(struct arena *a, const char *header, struct kvlist *out,
		       const struct http_limits *lim, const char **why);

/* 1 when the Accept header accept lists the media type type (any case,
 * with any parameters) with a q-value above 0; 0 otherwise (no header, not
 * listed, or "q=0"). Reads at most the first 4096 bytes. */
int http_accepts(const char *accept, const char *type);

/* Find boundary= in a multipart/form-data content type; returns an arena
 * string or NULL (missing, empty, longer than 70 chars, bad chars). */
const char *http_multipart_boundary(struct arena *a, const char *content_type);

/* multipart/form-data: fields without filename go to *fields (UTF-8 checked,
 * max_value, max_fields), parts with a filename go to *parts (max_file,
 * max_parts; data points into body); a file input left empty (filename=""
 * and no data) is dropped. Missing boundary, unterminated part, missing
 * headers -> 400; limits -> 413. */
int http_parse_multipart(struct arena *a, const char *content_type, const unsigned char *body,
			 size_t len, struct kvlist *fields, struct part **parts, size_t *nparts,
			 const struct http_limits *lim, const char **why);

/* Parse a JSON body (object at the top level required, depth limited).
 * On success *out is a cJSON tree the caller frees with cJSON_Delete. */
int http_parse_json(const unsigned char *body, size_t len, struct cJSON **out,
		    const struct http_limits *lim, const char **why);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int utf8_valid(const char *s, size_t n);

/* Validate a person's text (caption, prompt, name): valid UTF-8, no control
 * characters except \n and \t (and \r, which is dropped), at most max_chars
 * code points. Returns 0, or 400 with *why set. *out is the cleaned
 * arena copy (\r removed, trimmed of leading/trailing whitespace). */
int text_clean(struct arena *a, const char *s, size_t n, size_t max_chars, const char **out,
	       const char **why);

/* Percent-encode s for use in a URL query value (RFC 3986 unreserved kept). */
char *url_encode(struct arena *a, const char *s);

#endif
