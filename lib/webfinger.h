/* webfinger.h - reading a WebFinger resource (RFC 7033) as imagier accepts
 * it: "acct:name@host", "name@host" (with or without a leading '@'), or the
 * actor URL "http(s)://host/u/name". Pure: no I/O, no allocation. */
#ifndef IMAGIER_WEBFINGER_H
#define IMAGIER_WEBFINGER_H

#include <stddef.h>

#define WEBFINGER_MAX_RESOURCE 512 /* bytes of the whole resource */
#define WEBFINGER_MAX_NAME     64  /* bytes of the name part */
#define WEBFINGER_MAX_HOST     255 /* bytes of the host (with its port) */

struct webfinger_res {
	const char *name; /* into the resource; not NUL-terminated */
	size_t name_len;
	const char *host; /* host[:port], as written */
	size_t host_len;
};

/* Split resource s (len bytes) into name and host. 0, or -1 when it is not
 * one of the accepted forms: too long, empty parts, a name of anything but
 * ASCII letters, digits and '_', a host of anything but letters, digits,
 * '.', '-', ':', '[' and ']', or a URL with anything after /u/name (a query,
 * a fragment, more segments). */
int webfinger_parse(const char *s, size_t len, struct webfinger_res *out);

#endif
