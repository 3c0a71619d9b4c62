/* xmlesc.c - text into XML 1.0 (see xmlesc.h). */
#include "xmlesc.h"

#include <stdint.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Length of the well-formed UTF-8 sequence at s (at most n bytes) that XML
 * may carry, or 0 when the byte at s must be replaced. */
static size_t utf8_ok(const unsigned char *s, size_t n)
{
	unsigned char b = s[0];
	size_t len;
	uint32_t cp, min;
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF) {
		len = 2;
		cp = b & 0x1F;
		min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		len = 3;
		cp = b & 0x0F;
		min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		len = 4;
		cp = b & 0x07;
		min = 0x10000;
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong) or F5+ */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
	    cp == 0xFFFF)
		return 0;
	return len;
}

void xml_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0; /* p[run..i) is copied as it is */
	while (i < n) {
		unsigned char ch = p[i];
		const char *rep = NULL;
		size_t len = 1;
		switch (ch) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		case '\r':
			rep = "&#13;";
			break;
		case '\t':
		case '\n':
			break;
		default:
			if (ch < 0x20)
				rep = REPLACEMENT;
			else if (ch >= 0x80 && !(len = utf8_ok(p + i, n - i))) {
				rep = REPLACEMENT;
				len = 1;
			}
		}
		if (rep) {
			if (i > run)
				buf_append(out, p + run, i - run);
			buf_puts(out, rep);
			run = i + len;
		}
		i += len;
	}
	if (n > run)
		buf_append(out, p + run, n - run);
}

char *xml_escape_str(struct arena *a, const char *s)
{
	struct buf b = {0};
	xml_escape(&b, s ? s : "", s ? strlen(s) : 0);
	char *r = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return r;
}
