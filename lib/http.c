/* http.c - strict, bounded parsers for query strings, forms, cookies, multipart and JSON. */
#include "http.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Longest Content-Type header http_multipart_boundary() looks at. */
#define CT_MAX 1024
/* RFC 2046: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX 70

static int fail(const char **why, int status, const char *reason)
{
	if (why)
		*why = reason;
	return status;
}

void http_limits_default(struct http_limits *l)
{
	l->max_body = (size_t)25 << 20;
	l->max_fields = 64;
	l->max_key = 64;
	l->max_value = (size_t)64 << 10;
	l->max_parts = 16;
	l->max_file = (size_t)20 << 20;
	l->max_header_value = (size_t)8 << 10;
	l->max_json_depth = 16;
}

void kv_add(struct arena *a, struct kvlist *l, const char *key, const char *val, size_t val_len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kv *items = arena_alloc(a, cap * sizeof(*items));
		if (l->n)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	struct kv *kv = &l->items[l->n++];
	kv->key = arena_strdup(a, key ? key : "");
	kv->val = arena_strndup(a, val ? val : "", val ? val_len : 0);
	kv->val_len = val ? val_len : 0;
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].val;
	return NULL;
}

/* ---- UTF-8 and text ---------------------------------------------------- */

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF */
		}
		if (n - i - 1 < need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			unsigned b = s[i + k];
			if ((b & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (b & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0; /* overlong or out of range */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return 0; /* UTF-16 surrogate */
		i += need + 1;
	}
	return 1;
}

/* 1 if s[0..n) is valid UTF-8 with no NUL byte (what every text field must be). */
static int text_ok(const char *s, size_t n)
{
	return (n == 0 || !memchr(s, '\0', n)) && utf8_valid(s, n);
}

/* 1 if the UTF-8 sequence starting at s[i] is a C0, DEL or C1 control character. */
static int is_control_at(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] < 0x20 || s[i] == 0x7F)
		return 1;
	/* U+0080..U+009F are C2 80..C2 9F */
	return s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] < 0xA0;
}

static int is_trim_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int text_clean(struct arena *a, const char *s, size_t n, size_t max_chars, const char **out,
	       const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!utf8_valid(s, n))
		return fail(why, 400, "text is not valid UTF-8");
	char *d = arena_alloc(a, n + 1);
	size_t dn = 0;
	for (size_t i = 0; i < n; i++) {
		if (u[i] == '\r')
			continue;
		if (u[i] != '\n' && u[i] != '\t' && is_control_at(u, n, i))
			return fail(why, 400, "text has a control character");
		d[dn++] = (char)u[i];
	}
	size_t start = 0, end = dn;
	while (start < end && is_trim_space((unsigned char)d[start]))
		start++;
	while (end > start && is_trim_space((unsigned char)d[end - 1]))
		end--;
	size_t chars = 0;
	for (size_t i = start; i < end; i++)
		chars += ((unsigned char)d[i] & 0xC0) != 0x80;
	if (chars > max_chars)
		return fail(why, 400, "text is too long");
	d[end] = '\0';
	*out = d + start;
	return 0;
}

char *url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *d = arena_alloc(a, 3 * n + 1), *p = d;
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		unsigned char c = *q;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return d;
}

/* ---- application/x-www-form-urlencoded -------------------------------- */

static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) ('+' -> space, %XX) into a NUL-terminated arena string.
 * Returns it and sets *out_len, or NULL on a bad escape. */
static char *form_decode(struct arena *a, const char *s, size_t n, size_t *out_len)
{
	char *d = arena_alloc(a, n + 1);
	size_t dn = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (n - i < 3)
				return NULL;
			int hi = hex_val((unsigned char)s[i + 1]),
			    lo = hex_val((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		d[dn++] = (char)c;
	}
	d[dn] = '\0';
	*out_len = dn;
	return d;
}

/* Decode and add one "key=value" segment; *count counts pairs added. */
static int form_pair(struct arena *a, const char *p, const char *end, struct kvlist *out,
		     const struct http_limits *lim, size_t *count, const char **why)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	const char *kend = eq ? eq : end, *v = eq ? eq + 1 : end;
	size_t klen, vlen;
	if (kend == p)
		return 0; /* "=x" or "": no name, nothing to keep */
	if ((size_t)(kend - p) / 3 > lim->max_key)
		return fail(why, 400, "field name too long");
	if ((size_t)(end - v) / 3 > lim->max_value)
		return fail(why, 413, "field value too long");
	char *key = form_decode(a, p, (size_t)(kend - p), &klen);
	char *val = form_decode(a, v, (size_t)(end - v), &vlen);
	if (!key || !val)
		return fail(why, 400, "bad %-escape in form data");
	if (klen > lim->max_key)
		return fail(why, 400, "field name too long");
	if (vlen > lim->max_value)
		return fail(why, 413, "field value too long");
	if (!text_ok(key, klen) || !text_ok(val, vlen))
		return fail(why, 400, "form data is not valid UTF-8 text");
	if (++*count > lim->max_fields)
		return fail(why, 413, "too many fields");
	kv_add(a, out, key, val, vlen);
	return 0;
}

int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvlist *out,
			  const struct http_limits *lim, const char **why)
{
	size_t n0 = out->n, count = 0;
	if (len > lim->max_body)
		return fail(why, 413, "form data too large");
	if (len == 0)
		return 0;
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		int rc = form_pair(a, p, seg_end, out, lim, &count, why);
		if (rc) {
			out->n = n0;
			return rc;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}

/* ---- Cookie header ----------------------------------------------------- */

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 7230 tchar: the characters of a header or parameter name. */
static int is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet. */
static int is_cookie_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* Add one "name=value" cookie if it is well formed; returns 1 if added. */
static int cookie_pair(struct arena *a, const char *p, const char *end, struct kvlist *out,
		       const struct http_limits *lim)
{
	while (p < end && is_ows(*p))
		p++;
	while (end > p && is_ows(end[-1]))
		end--;
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (!eq)
		return 0;
	const char *nend = eq, *v = eq + 1;
	while (nend > p && is_ows(nend[-1]))
		nend--;
	while (v < end && is_ows(*v))
		v++;
	if (nend == p || (size_t)(nend - p) > lim->max_key)
		return 0;
	for (const char *q = p; q < nend; q++)
		if (!is_tchar((unsigned char)*q))
			return 0;
	if (end - v >= 2 && *v == '"' && end[-1] == '"') {
		v++;
		end--;
	}
	for (const char *q = v; q < end; q++)
		if (!is_cookie_octet((unsigned char)*q))
			return 0;
	char *name = arena_strndup(a, p, (size_t)(nend - p));
	kv_add(a, out, name, v, (size_t)(end - v));
	return 1;
}

int http_parse_cookies(struct arena *a, const char *header, struct kvlist *out,
		       const struct http_limits *lim, const char **why)
{
	if (!header)
		return 0;
	size_t len = strnlen(header, lim->max_header_value + 1);
	if (len > lim->max_header_value)
		return fail(why, 400, "cookie header too long");
	const char *p = header, *end = header + len;
	size_t count = 0;
	/* Pairs past max_fields are ignored, like invalid ones: the list stays bounded. */
	while (p < end && count < lim->max_fields) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		count += (size_t)cookie_pair(a, p, semi ? semi : end, out, lim);
		p = semi ? semi + 1 : end;
	}
	return 0;
}

/* ---- header parameters: '; name=value' or '; name="quoted \" value"' --- */

struct param {
	const char *name;
	size_t name_len;
	const char *val;
	size_t val_len;
};

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && is_ows(*p))
		p++;
	return p;
}

/* Parse a quoted-string at p (just after the opening quote) into an arena
 * copy with backslash escapes resolved. Returns the position after the
 * closing quote, or NULL if it is unterminated. */
static const char *quoted_string(struct arena *a, const char *p, const char *end, struct param *out)
{
	char *v = arena_alloc(a, (size_t)(end - p) + 1);
	size_t vn = 0;
	for (;;) {
		if (p == end)
			return NULL;
		char c = *p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (p == end)
				return NULL;
			c = *p++;
		}
		v[vn++] = c;
	}
	v[vn] = '\0';
	out->val = v;
	out->val_len = vn;
	return p;
}

/* A character of an unquoted parameter value (lenient: bchars are checked later). */
static int is_bare_value(unsigned char c)
{
	return c > 0x20 && c < 0x7F && c != ';' && c != '"';
}

/* Parse the next "; name=value" at *pp. Returns 1 with *out filled, 0 at the
 * end of the header, -1 on a syntax error. */
static int param_next(struct arena *a, const char **pp, const char *end, struct param *out)
{
	const char *p = skip_ows(*pp, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_ows(p + 1, end);
	if (p == end)
		return 0; /* a trailing ';' is harmless */
	out->name = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	out->name_len = (size_t)(p - out->name);
	if (out->name_len == 0 || p == end || *p != '=')
		return -1;
	p++;
	if (p < end && *p == '"') {
		p = quoted_string(a, p + 1, end, out);
		if (!p)
			return -1;
	} else {
		const char *v = p;
		while (p < end && is_bare_value((unsigned char)*p))
			p++;
		if (p == v)
			return -1;
		out->val = arena_strndup(a, v, (size_t)(p - v));
		out->val_len = (size_t)(p - v);
	}
	*pp = p;
	return 1;
}

static int param_is(const struct param *pm, const char *name)
{
	return pm->name_len == strlen(name) && strncasecmp(pm->name, name, pm->name_len) == 0;
}

/* Read the leading token (media type or disposition type) and compare it. */
static int lead_token_is(const char **pp, const char *end, const char *want)
{
	const char *p = skip_ows(*pp, end), *t = p;
	while (p < end && *p != ';' && !is_ows(*p))
		p++;
	*pp = p;
	return (size_t)(p - t) == strlen(want) && strncasecmp(t, want, (size_t)(p - t)) == 0;
}

/* RFC 2046 bchars; space is allowed but not as the last character. */
static int boundary_valid(const char *b, size_t n)
{
	if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c && strchr("'()+_,-./:=? ", c))))
			return 0;
	}
	return 1;
}

const char *http_multipart_boundary(struct arena *a, const char *content_type)
{
	if (!content_type)
		return NULL;
	size_t len = strnlen(content_type, CT_MAX + 1);
	if (len > CT_MAX)
		return NULL;
	const char *p = content_type, *end = content_type + len, *boundary = NULL;
	size_t blen = 0;
	if (!lead_token_is(&p, end, "multipart/form-data"))
		return NULL;
	struct param pm;
	int rc;
	while ((rc = param_next(a, &p, end, &pm)) == 1) {
		if (!param_is(&pm, "boundary"))
			continue;
		if (boundary)
			return NULL; /* two boundaries: ambiguous */
		boundary = pm.val;
		blen = pm.val_len;
	}
	if (rc < 0 || !boundary || !boundary_valid(boundary, blen))
		return NULL;
	return boundary;
}

/* ---- multipart/form-data ----------------------------------------------- */

struct mp {
	struct arena *a;
	const struct http_limits *lim;
	const unsigned char *body, *end;
	const char *delim; /* "\r\n--" boundary */
	size_t dlen;
	struct kvlist *fields;
	size_t nfields;
	struct part *parts;
	size_t nparts, cap;
	size_t nseen; /* every part, also the skipped empty file inputs */
	const char **why;
};

/* The headers of one part, as parsed. */
struct mp_head {
	int has_disposition, has_type;
	const char *name, *filename, *content_type;
};

/* p is just after "--boundary": returns the start of the next part after a
 * "[padding]CRLF", p + 2 after "--" (close delimiter, *final = 1), or NULL if
 * this is not a delimiter line at all. */
static const unsigned char *delim_tail(const unsigned char *p, const unsigned char *end, int *final)
{
	if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
		*final = 1;
		return p + 2;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		*final = 0;
		return p + 2;
	}
	return NULL;
}

/* Find the first delimiter line ("CRLF--boundary" + tail) at or after from.
 * Returns where it starts (the end of the part data) and sets *next, or NULL. */
static const unsigned char *mp_find_delim(const struct mp *m, const unsigned char *from,
					  const unsigned char **next, int *final)
{
	const unsigned char *p = from;
	while ((size_t)(m->end - p) >= m->dlen) {
		const unsigned char *hit = memmem(p, (size_t)(m->end - p), m->delim, m->dlen);
		if (!hit)
			return NULL;
		*next = delim_tail(hit + m->dlen, m->end, final);
		if (*next)
			return hit;
		p = hit + 1;
	}
	return NULL;
}

static int mp_disposition(struct mp *m, const char *p, const char *end, struct mp_head *h)
{
	if (h->has_disposition)
		return fail(m->why, 400, "part has two Content-Disposition headers");
	h->has_disposition = 1;
	if (!lead_token_is(&p, end, "form-data"))
		return fail(m->why, 400, "part is not form-data");
	struct param pm;
	int rc;
	while ((rc = param_next(m->a, &p, end, &pm)) == 1) {
		const char **slot = NULL;
		if (param_is(&pm, "name"))
			slot = &h->name;
		else if (param_is(&pm, "filename"))
			slot = &h->filename;
		if (!slot)
			continue;
		if (*slot)
			return fail(m->why, 400, "part has a duplicate parameter");
		*slot = pm.val;
	}
	if (rc < 0)
		return fail(m->why, 400, "bad Content-Disposition header in part");
	return 0;
}

/* Parse one header line "Name: value" of a part. */
static int mp_header_line(struct mp *m, const char *p, const char *end, struct mp_head *h)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon || colon == p)
		return fail(m->why, 400, "bad header in multipart part");
	for (const char *q = p; q < colon; q++)
		if (!is_tchar((unsigned char)*q))
			return fail(m->why, 400, "bad header in multipart part");
	for (const char *q = colon + 1; q < end; q++)
		if (is_control_at((const unsigned char *)q, (size_t)(end - q), 0) && *q != '\t')
			return fail(m->why, 400, "control character in multipart header");
	if (!utf8_valid(p, (size_t)(end - p)))
		return fail(m->why, 400, "multipart header is not valid UTF-8");
	const char *v = skip_ows(colon + 1, end), *vend = end;
	while (vend > v && is_ows(vend[-1]))
		vend--;
	size_t nlen = (size_t)(colon - p);
	if (nlen == 19 && strncasecmp(p, "Content-Disposition", nlen) == 0)
		return mp_disposition(m, v, vend, h);
	if (nlen == 12 && strncasecmp(p, "Content-Type", nlen) == 0) {
		if (h->has_type)
			return fail(m->why, 400, "part has two Content-Type headers");
		h->has_type = 1;
		h->content_type = arena_strndup(m->a, v, (size_t)(vend - v));
	}
	return 0; /* other headers are ignored */
}

/* Parse the header block [p, end) of one part (CRLF separated lines). */
static int mp_headers(struct mp *m, const char *p, const char *end, struct mp_head *h)
{
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if (is_ows(*p))
			return fail(m->why, 400, "folded header in multipart part");
		int rc = mp_header_line(m, p, eol, h);
		if (rc)
			return rc;
		p = eol == end ? end : eol + 2;
	}
	if (!h->has_disposition)
		return fail(m->why, 400, "part without Content-Disposition");
	if (!h->name || !h->name[0])
		return fail(m->why, 400, "part without a name");
	if (strlen(h->name) > m->lim->max_key)
		return fail(m->why, 400, "field name too long");
	return 0;
}

static int mp_add_file(struct mp *m, const struct mp_head *h, const unsigned char *data, size_t n)
{
	if (!h->filename[0] && n == 0)
		return 0; /* a file input left empty: no upload */
	if (m->nparts >= m->lim->max_parts)
		return fail(m->why, 413, "too many files");
	if (n > m->lim->max_file)
		return fail(m->why, 413, "file too large");
	if (m->nparts == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4;
		struct part *np = arena_alloc(m->a, cap * sizeof(*np));
		if (m->nparts)
			memcpy(np, m->parts, m->nparts * sizeof(*np));
		m->parts = np;
		m->cap = cap;
	}
	m->parts[m->nparts++] = (struct part){
	    .name = h->name,
	    .filename = h->filename,
	    .content_type = h->content_type ? h->content_type : "",
	    .data = data,
	    .len = n,
	};
	return 0;
}

static int mp_add_field(struct mp *m, const struct mp_head *h, const unsigned char *data, size_t n)
{
	if (m->nfields >= m->lim->max_fields)
		return fail(m->why, 413, "too many fields");
	if (n > m->lim->max_value)
		return fail(m->why, 413, "field value too long");
	if (!text_ok((const char *)data, n))
		return fail(m->why, 400, "form field is not valid UTF-8 text");
	kv_add(m->a, m->fields, h->name, (const char *)data, n);
	m->nfields++;
	return 0;
}

/* Parse the part starting at *pp (just after its delimiter line); moves *pp
 * past the next delimiter line and sets *final if it was the close one. */
static int mp_part(struct mp *m, const unsigned char **pp, int *final)
{
	const unsigned char *p = *pp;
	if (++m->nseen > m->lim->max_parts + m->lim->max_fields)
		return fail(m->why, 413, "too many parts");
	/* Search from the delimiter's own CRLF so an empty header block is found. */
	const unsigned char *from = p - 2;
	size_t avail = (size_t)(m->end - from), window = m->lim->max_header_value + 4;
	const unsigned char *hend = memmem(from, avail < window ? avail : window, "\r\n\r\n", 4);
	if (!hend)
		return fail(m->why, 400,
			    avail > window ? "multipart part headers too long"
					   : "unterminated multipart part headers");
	struct mp_head h = {0};
	int rc = mp_headers(m, (const char *)p, (const char *)(hend > p ? hend : p), &h);
	if (rc)
		return rc;
	const unsigned char *data = hend + 4, *next;
	const unsigned char *dend = mp_find_delim(m, data, &next, final);
	if (!dend)
		return fail(m->why, 400, "unterminated multipart body (no closing boundary)");
	*pp = next;
	size_t n = (size_t)(dend - data);
	return h.filename ? mp_add_file(m, &h, data, n) : mp_add_field(m, &h, data, n);
}

/* Find the first delimiter line, which may open the body (no CRLF before it). */
static const unsigned char *mp_first(const struct mp *m, int *final)
{
	const unsigned char *next;
	size_t len = (size_t)(m->end - m->body);
	if (len >= m->dlen - 2 && memcmp(m->body, m->delim + 2, m->dlen - 2) == 0) {
		next = delim_tail(m->body + m->dlen - 2, m->end, final);
		if (next)
			return next;
	}
	return mp_find_delim(m, m->body, &next, final) ? next : NULL;
}

int http_parse_multipart(struct arena *a, const char *content_type, const unsigned char *body,
			 size_t len, struct kvlist *fields, struct part **parts, size_t *nparts,
			 const struct http_limits *lim, const char **why)
{
	if (len > lim->max_body)
		return fail(why, 413, "request body too large");
	const char *b = http_multipart_boundary(a, content_type);
	if (!b)
		return fail(why, 400, "missing or bad multipart boundary");
	if (len == 0)
		return fail(why, 400, "multipart body has no boundary line");
	struct mp m = {
	    .a = a,
	    .lim = lim,
	    .body = body,
	    .end = body + len,
	    .delim = arena_printf(a, "\r\n--%s", b),
	    .fields = fields,
	    .why = why,
	};
	m.dlen = strlen(m.delim);
	size_t n0 = fields->n;
	int final = 0, rc = 0;
	const unsigned char *p = mp_first(&m, &final);
	if (!p)
		rc = fail(why, 400, "multipart body has no boundary line");
	while (!rc && !final)
		rc = mp_part(&m, &p, &final);
	if (rc) {
		fields->n = n0;
		return rc;
	}
	*parts = m.parts;
	*nparts = m.nparts;
	return 0;
}

/* ---- JSON -------------------------------------------------------------- */

/* Container nesting of raw JSON text (strings skipped); stops counting past max. */
static size_t json_text_depth(const unsigned char *s, size_t n, size_t max)
{
	size_t depth = 0, deepest = 0;
	int in_str = 0;
	for (size_t i = 0; i < n && deepest <= max; i++) {
		unsigned char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > deepest)
				deepest = depth;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	return deepest;
}

/* Container nesting of a parsed tree (a scalar is 0, {} is 1). */
static size_t json_tree_depth(const cJSON *j)
{
	if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
		return 0;
	size_t deepest = 0;
	for (const cJSON *c = j->child; c; c = c->next) {
		size_t d = json_tree_depth(c);
		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

/* Whether a JSON text spells a NUL character (\u0000) in a string: cJSON
 * would decode it into a C string that silently ends there. A backslash
 * occurs only inside strings, and the character after one is never the start
 * of another escape ("\\u0000" is the text \u0000, not a NUL). */
static int json_has_nul(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 5 < len && !memcmp(s + i + 2, "0000", 4))
			return 1;
		i++;
	}
	return 0;
}

int http_parse_json(const unsigned char *body, size_t len, struct cJSON **out,
		    const struct http_limits *lim, const char **why)
{
	*out = NULL;
	if (len > lim->max_body)
		return fail(why, 413, "JSON body too large");
	if (!utf8_valid((const char *)body, len))
		return fail(why, 400, "JSON body is not valid UTF-8");
	for (size_t i = 0; i < len; i++)
		if (body[i] < 0x20 && body[i] != '\t' && body[i] != '\n' && body[i] != '\r')
			return fail(why, 400, "JSON body has a control character");
	if (json_has_nul(body, len))
		return fail(why, 400, "JSON text has a NUL character (\\u0000)");
	if (json_text_depth(body, len, lim->max_json_depth) > lim->max_json_depth)
		return fail(why, 400, "JSON nested too deeply");
	const char *end = NULL;
	cJSON *j = len ? cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0) : NULL;
	if (!j)
		return fail(why, 400, "invalid JSON");
	const char *stop = (const char *)body + len;
	while (end < stop && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	int rc = 0;
	if (end != stop)
		rc = fail(why, 400, "trailing data after JSON");
	else if (!cJSON_IsObject(j))
		rc = fail(why, 400, "JSON body must be an object");
	else if (json_tree_depth(j) > lim->max_json_depth)
		rc = fail(why, 400, "JSON nested too deeply");
	if (rc) {
		cJSON_Delete(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* The q-value of one Accept entry's parameters (p .. end) is zero. */
static int q_zero(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			if (p < end && *p == '0') {
				p++;
				if (p < end && *p == '.')
					p++;
				while (p < end && *p == '0')
					p++;
				return p == end || *p == ';' || *p == ' ' || *p == '\t';
			}
			return 0;
		}
		while (p < end && *p != ';')
			p++;
	}
	return 0;
}

int http_accepts(const char *accept, const char *type)
{
	size_t tn = strlen(type);
	const char *stop = accept ? accept + strnlen(accept, 4096) : NULL;
	for (const char *p = accept; p && p < stop;) {
		const char *end = memchr(p, ',', (size_t)(stop - p));
		if (!end)
			end = stop;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *t = p;
		while (p < end && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - t) == tn && !strncasecmp(t, type, tn) && !q_zero(p, end))
			return 1;
		p = end + 1;
	}
	return 0;
}
