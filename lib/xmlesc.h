/* xmlesc.h - text into XML 1.0: one escaping function for feeds and oEmbed. */
#ifndef IMAGIER_XMLESC_H
#define IMAGIER_XMLESC_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"

/* Append n bytes of UTF-8 text s to out as XML character data that is safe
 * both as element text and inside an attribute value (either quote):
 * & < > " ' become entities, CR becomes "&#13;" (so a parser gives it back
 * instead of folding it into LF), and what XML 1.0 cannot carry at all --
 * control characters other than tab, LF and CR, U+FFFE, U+FFFF, and bytes
 * that are not well-formed UTF-8 (overlong, surrogates, past U+10FFFF,
 * truncated) -- becomes U+FFFD, one per bad byte.
 *   xml_escape(&b, "<b>&", 4)  ->  "&lt;b&gt;&amp;" */
void xml_escape(struct buf *out, const char *s, size_t n);

/* The same for a NUL-terminated string (NULL: ""), as an arena copy. */
char *xml_escape_str(struct arena *a, const char *s);

#endif
