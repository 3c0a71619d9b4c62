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
#define APNET_PARALLEL	   8	       /* deliveries sent at once (apnet_post_many) */

struct sockaddr;

/* The process's setting ([federation] allow_private), set once at start:
 * 0 (the default) refuses to connect to loopback, private, link-local,
 * unique-local, multicast and reserved addresses, checked on the address
 * each connection is actually made to (CURLOPT_OPENSOCKETFUNCTION), so a
 * name that resolves (or re-resolves) to one is refused too. */
void apnet_configure(int allow_private);

/* 1 when sa (AF_INET or AF_INET6) is an address apnet refuses without
 * allow_private: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, 192.168/16, 198.18/15, 224/4 and above; ::, ::1, fc00::/7,
 * fe80::/10, ff00::/8, and IPv4-mapped, -compatible and NAT64 (64:ff9b::/96)
 * forms of the IPv4 ones. 0 for a public address. Pure. */
int apnet_addr_private(const struct sockaddr *sa);

/* The same for a numeric address in text ("10.0.0.1", "::1"): 1, 0, or -1
 * when s is not one. */
int apnet_ip_private(const char *s);

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

/* One POST of apnet_post_many: in url, headers, body; out rc (0: an
 * answer, with status; -1: none, with why). */
struct apnet_post_req {
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	size_t nheaders;
	const char *body;
	size_t len;
	int rc;
	long status;
	const char *why;
};

/* Send n POSTs (Content-Type application/activity+json) at once, at most
 * APNET_PARALLEL, each bounded to APNET_DELIVER_MS and the whole to
 * total_ms: a slow receiver holds the round that long, not each row. Each
 * req's rc/status/why are set. */
void apnet_post_many(struct arena *a, struct apnet_post_req *reqs, size_t n, long total_ms);

/* POST body (Content-Type application/activity+json) to url with the
 * given extra header lines ("Name: value"). 0 with *status (any HTTP
 * status), or -1 with *why (arena: could not connect, timed out...). */
int apnet_post(struct arena *a, const char *url, const char *const *headers, size_t nheaders,
	       const char *body, size_t len, long *status, const char **why);

#endif
