/* webfinger.c - reading a WebFinger resource (webfinger.h). */
#include "webfinger.h"

#include <string.h>
#include <strings.h>

static int name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static int host_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']';
}

/* 1 if the n bytes at s are all accepted by ok and 1 <= n <= max. */
static int all_of(const char *s, size_t n, size_t max, int (*ok)(unsigned char))
{
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return 0;
	return 1;
}

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);
	return len >= n && !strncasecmp(s, p, n);
}

int webfinger_parse(const char *s, size_t len, struct webfinger_res *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || len == 0 || len > WEBFINGER_MAX_RESOURCE || memchr(s, '\0', len))
		return -1;
	size_t skip = has_prefix(s, len, "https://") ? 8 : has_prefix(s, len, "http://") ? 7 : 0;
	if (skip) {
		/* http(s)://host/u/name */
		const char *host = s + skip, *end = s + len;
		const char *slash = memchr(host, '/', (size_t)(end - host));
		if (!slash || end - slash < 4 || memcmp(slash, "/u/", 3))
			return -1;
		out->host = host;
		out->host_len = (size_t)(slash - host);
		out->name = slash + 3;
		out->name_len = (size_t)(end - out->name);
	} else {
		if (has_prefix(s, len, "acct:")) {
			s += 5;
			len -= 5;
		}
		if (len && *s == '@') {
			s++;
			len--;
		}
		const char *at = memchr(s, '@', len);
		if (!at)
			return -1;
		out->name = s;
		out->name_len = (size_t)(at - s);
		out->host = at + 1;
		out->host_len = len - out->name_len - 1;
	}
	if (!all_of(out->name, out->name_len, WEBFINGER_MAX_NAME, name_char) ||
	    !all_of(out->host, out->host_len, WEBFINGER_MAX_HOST, host_char))
		return -1;
	return 0;
}
