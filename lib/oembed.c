/* oembed.c - the oEmbed url parameter (see oembed.h). */
#include "oembed.h"

#include <string.h>
#include <strings.h>

enum oembed_url oembed_url_post(const char *url,
				int (*ours)(const char *host, size_t len, void *arg), void *arg,
				int64_t *id)
{
	const char *path;
	if (!url || !*url)
		return OEMBED_URL_MISSING;
	if (strlen(url) > OEMBED_URL_MAX)
		return OEMBED_URL_BAD;
	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) {
		const char *host = strstr(url, "://") + 3;
		size_t len = strcspn(host, "/?#");
		if (!len || !ours(host, len, arg))
			return OEMBED_URL_FOREIGN;
		path = host + len;
	} else if (url[0] == '/' && url[1] != '/') {
		path = url;
	} else {
		return OEMBED_URL_BAD;
	}
	size_t end = strcspn(path, "?#"), digits = 0;
	if (end > 0 && path[end - 1] == '/')
		end--;
	if (!strncmp(path, "/p/", 3))
		digits = strspn(path + 3, "0123456789");
	/* A post's address as the site writes it: no leading zeros. */
	if (digits == 0 || digits > 18 || 3 + digits != end || path[3] == '0')
		return OEMBED_URL_NOT_POST;
	int64_t v = 0;
	for (size_t i = 0; i < digits; i++)
		v = v * 10 + (path[3 + i] - '0'); /* 18 digits fit in int64 */
	if (v == 0)
		return OEMBED_URL_NOT_POST;
	*id = v;
	return OEMBED_URL_OK;
}
