/* render.h - HTML templates over a cJSON view model; escapes by default. */
#ifndef IMAGIER_RENDER_H
#define IMAGIER_RENDER_H

#include <stddef.h>

#include "buf.h"

struct cJSON;
struct tmpl_set;

/* Template language (a strict subset of Mustache):
 *   {{name}}        value of name, HTML-escaped (strings; numbers printed;
 *                   true -> "true"; null/false/missing -> nothing)
 *   {{a.b.c}}       dotted lookup; {{.}} is the current value
 *   {{#name}}..{{/name}}  section: false/null/missing/empty array/""/0 -> skip;
 *                   array -> once per element with it as context; object ->
 *                   once with it pushed as context; other truthy -> once
 *   {{^name}}..{{/name}}  inverted section
 *   {{>partial}}    include another template of the set by name
 *   {{! comment }}
 *   {{{name_html}}} raw output: allowed ONLY for keys whose last segment ends
 *                   in "_html" (a load error otherwise). Only code-built
 *                   strings may be put under such keys.
 * Names are looked up from the innermost context outwards.
 * Parse errors (unclosed section, mismatched close, bad tag) fail the load
 * with a message naming the file and line. */

/* Load every *.html in dir; template name = file name without .html.
 * Returns NULL on error with a message in err. */
struct tmpl_set *tmpl_load_dir(const char *dir, char *err, size_t errlen);
/* Parse one template from memory into a set (used by tests and fuzzing);
 * set may be NULL to create one. Returns the set or NULL with err. */
struct tmpl_set *tmpl_add(struct tmpl_set *set, const char *name, const char *src, size_t len,
			  char *err, size_t errlen);
void tmpl_free(struct tmpl_set *set);

/* Render template name with view as the root context, appending to out.
 * Returns 0, or -1 if the template does not exist (out unchanged).
 * Partial recursion deeper than 16 stops silently. */
int tmpl_render(const struct tmpl_set *set, const char *name, const struct cJSON *view,
		struct buf *out);

/* Escapes. html: & < > " ' escaped; attr is the same set. */
void html_escape(struct buf *out, const char *s, size_t n);

#endif
