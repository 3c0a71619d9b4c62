/* oembed.h - which post an oEmbed ?url= names (pure: no I/O). */
#ifndef IMAGIER_OEMBED_H
#define IMAGIER_OEMBED_H

#include <stddef.h>
#include <stdint.h>

enum oembed_url {
	OEMBED_URL_OK = 0,
	OEMBED_URL_MISSING, /* NULL or empty */
	OEMBED_URL_BAD,	    /* not http(s)://... and not a /path */
	OEMBED_URL_FOREIGN, /* another site's address */
	OEMBED_URL_NOT_POST /* ours, but not /p/ID (ID 1..10^18, no leading zero) */
};

#define OEMBED_URL_MAX 2048 /* longer is OEMBED_URL_BAD */

/* "/p/12" or "http(s)://HOST/p/12" (case-insensitive scheme; a trailing
 * slash, a query or a fragment is ignored) into *id. ours(host, len, arg)
 * says whether HOST (not NUL-terminated) is this site. */
enum oembed_url oembed_url_post(const char *url,
				int (*ours)(const char *host, size_t len, void *arg), void *arg,
				int64_t *id);

#endif
