/* apnet.h - ActivityPub's outgoing HTTP (docs/FEDERATION.md): fetching a
 * remote actor document (the one outgoing call on the inbox's request
 * path, so short timeouts and a size limit) and POSTing a signed activity
 * to an inbox (from imagier-gen only). libcurl, http and https only, no
 * redirects, no proxy. */
#ifndef IMAGIER_APNET_H
#define IMAGIER_APNET_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define APNET_MAX_DOC	   (256u << 10) /* bytes of a fetched actor document */
#define APNET_FETCH_MS	   3000		/* the whole fetch, connect included */
#define APNET_CONNECT_MS   2000
#define APNET_DELIVER_MS   10000 /* one delivery POST */
#define APNET_MAX_URL	   512
#define APNET_MAX_RESPONSE (64u << 10) /* of a delivery's answer (read, dropped) */

/* The parts of an http(s) URL a signature needs: "host[:port]" as the
 * Host header carries it, and the path with its query. 0, or -1 (not an
 * absolute http(s) URL of at most APNET_MAX_URL bytes). */
int apnet_url_parts(struct arena *a, const char *url, const char **host, const char **target);

/* GET url with Accept: application/activity+json. 0 with *body (arena,
 * NUL-terminated) and *len when it answered 2xx with at most APNET_MAX_DOC
 * bytes; -1 with *why (arena) otherwise. */
int apnet_fetch(struct arena *a, const char *url, char **body, size_t *len, const char **why);

/* GET url with the given Accept, within timeout_ms (connect included),
 * reading at most max bytes: 0 with *body (arena, NUL-terminated) and *len
 * on a 2xx answer; -1 with *why otherwise (larger, slower, another status,
 * not an http(s) URL). Redirects are not followed. */
int apnet_get(struct arena *a, const char *url, const char *accept, long timeout_ms, size_t max,
	      char **body, size_t *len, const char **why);

/* POST body (Content-Type application/activity+json) to url with the
 * given extra header lines ("Name: value"). 0 with *status (any HTTP
 * status), or -1 with *why (arena: could not connect, timed out...). */
int apnet_post(struct arena *a, const char *url, const char *const *headers, size_t nheaders,
	       const char *body, size_t len, long *status, const char **why);

#endif
