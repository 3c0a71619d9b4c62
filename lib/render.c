/* render.c - Mustache-subset templates: parsed once at load, rendered by a fast walk. */
#include "render.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TMPL_MAX_SRC	  (1u << 20) /* bytes of one template source */
#define TMPL_MAX_NAME	  128	     /* bytes of a tag name */
#define TMPL_MAX_NEST	  32	     /* open sections inside one template */
#define TMPL_MAX_CTX	  32	     /* context stack depth while rendering */
#define TMPL_MAX_PARTIALS 16	     /* nested partial inclusions */
#define TMPL_MAX_FILES	  4096	     /* templates in one directory */
/* Safety valves against runaway templates (e.g. a partial including itself
 * twice, 2^16 times over): a render stops silently past these. */
#define TMPL_MAX_STEPS (1u << 20)  /* ops executed in one render */
#define TMPL_MAX_OUT   (16u << 20) /* bytes appended by one render */

enum op_kind {
	OP_TEXT,     /* literal text: pool[off .. off+arg) */
	OP_VAR,	     /* escaped value of name */
	OP_RAW,	     /* unescaped value of a *_html name */
	OP_SECTION,  /* body is ops (i, arg) */
	OP_INVERTED, /* body is ops (i, arg) */
	OP_PARTIAL,  /* template named pool + off */
};

/* One instruction. Names live in the pool as NUL-separated segments
 * ("a.b" -> "a\0b\0"), nseg of them; nseg 0 means "." (current value). */
struct op {
	uint8_t kind;
	uint8_t nseg;
	uint32_t off;
	uint32_t arg; /* OP_TEXT: length; sections: index just past the body */
};

struct tmpl {
	char *name;
	struct op *ops;
	uint32_t nops;
	char *pool;
};

/* Open-addressing hash table of templates by name. */
struct tmpl_set {
	struct tmpl **slots;
	size_t cap; /* power of two */
	size_t count;
};

/* ---- errors ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy s into dst for a message (truncated to fit), non-printables as '?'. */
static const char *err_name(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i;
	if (n > dstlen - 4)
		n = dstlen - 4;
	for (i = 0; i < n; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* ---- escaping ---- */

static const char *const esc_tab[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",	['>'] = "&gt;",
    ['"'] = "&quot;", ['\''] = "&#39;", ['`'] = "&#96;",
};

void html_escape(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = esc_tab[(unsigned char)s[i]];
		if (!e)
			continue;
		if (i > run)
			buf_append(out, s + run, i - run);
		buf_puts(out, e);
		run = i + 1;
	}
	if (n > run)
		buf_append(out, s + run, n - run);
}

/* ---- parser ---- */

struct open_sec {
	uint32_t op;	   /* index of the section op */
	int line;	   /* line of the opening tag */
	size_t name, nlen; /* name span in the source */
};

struct parser {
	const char *src;
	size_t len, pos;
	int line;
	const char *file; /* for messages */
	char *err;
	size_t errlen;
	struct op *ops;
	size_t nops, cap;
	size_t merge_from; /* first op index a text may merge into (not across a close) */
	struct buf pool;
	struct open_sec open[TMPL_MAX_NEST];
	int nopen;
};

static struct op *emit(struct parser *p, enum op_kind kind)
{
	if (p->nops == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->ops = xrealloc(p->ops, p->cap * sizeof(*p->ops));
	}
	struct op *o = &p->ops[p->nops++];
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	return o;
}

/* Literal text; merged into the previous text op when contiguous in the pool. */
static void emit_text(struct parser *p, const char *s, size_t n)
{
	if (!n)
		return;
	struct op *last = p->nops ? &p->ops[p->nops - 1] : NULL;
	if (last && p->nops > p->merge_from && last->kind == OP_TEXT &&
	    last->off + last->arg == p->pool.len) {
		last->arg += (uint32_t)n;
	} else {
		struct op *o = emit(p, OP_TEXT);
		o->off = (uint32_t)p->pool.len;
		o->arg = (uint32_t)n;
	}
	buf_append(&p->pool, s, n);
}

static int perr(struct parser *p, int line, const char *what, const char *name, size_t n)
{
	char nb[48];
	if (name)
		set_err(p->err, p->errlen, "%s:%d: %s '%s'", p->file, line, what,
			err_name(nb, sizeof(nb), name, n));
	else
		set_err(p->err, p->errlen, "%s:%d: %s", p->file, line, what);
	return -1;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* "." or dot-separated non-empty segments of [A-Za-z0-9_-]. Returns segment
 * count (0 for "."), or -1 if invalid. */
static int name_segments(const char *s, size_t n)
{
	if (n == 1 && s[0] == '.')
		return 0;
	if (!n || n > TMPL_MAX_NAME)
		return -1;
	int nseg = 1;
	size_t seglen = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!seglen)
				return -1;
			nseg++;
			seglen = 0;
		} else if (is_name_char(s[i])) {
			seglen++;
		} else {
			return -1;
		}
	}
	return seglen ? nseg : -1;
}

/* Partial names: [A-Za-z0-9_./-]+ */
static int partial_name_ok(const char *s, size_t n)
{
	if (!n || n > TMPL_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]) && s[i] != '.' && s[i] != '/')
			return 0;
	return 1;
}

/* Raw output rule: the last dotted segment must end in "_html". */
static int raw_allowed(const char *s, size_t n)
{
	static const char sfx[] = "_html";
	size_t k = sizeof(sfx) - 1;
	return n >= k && memcmp(s + n - k, sfx, k) == 0;
}

/* Append name to the pool as NUL-separated segments; returns its offset. */
static uint32_t pool_name(struct parser *p, const char *s, size_t n, int split)
{
	uint32_t off = (uint32_t)p->pool.len;
	for (size_t i = 0; i < n; i++)
		buf_putc(&p->pool, (split && s[i] == '.') ? '\0' : s[i]);
	buf_putc(&p->pool, '\0');
	return off;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Handle one tag whose content (between the braces) is s[0..n). */
static int parse_tag(struct parser *p, int line, const char *s, size_t n, int triple)
{
	char sigil = '{';
	if (!triple) {
		sigil = (n && strchr("!#^/>&=", s[0])) ? s[0] : '\0';
		if (sigil)
			s++, n--;
	}
	if (sigil == '!')
		return 0;
	if (sigil == '=')
		return perr(p, line, "set-delimiter tags are not supported", NULL, 0);
	while (n && is_space(s[0]))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;

	if (sigil == '>') {
		if (!partial_name_ok(s, n))
			return perr(p, line, "bad partial name", s, n);
		uint32_t off = pool_name(p, s, n, 0);
		emit(p, OP_PARTIAL)->off = off;
		return 0;
	}
	int nseg = name_segments(s, n);
	if (nseg < 0)
		return perr(p, line, "bad tag name", s, n);

	if (sigil == '/') {
		if (!p->nopen)
			return perr(p, line, "close without open section", s, n);
		struct open_sec *o = &p->open[p->nopen - 1];
		if (o->nlen != n || memcmp(p->src + o->name, s, n) != 0)
			return perr(p, line, "mismatched close", s, n);
		p->ops[o->op].arg = (uint32_t)p->nops;
		p->merge_from = p->nops;
		p->nopen--;
		return 0;
	}
	if ((sigil == '{' || sigil == '&') && !raw_allowed(s, n))
		return perr(p, line, "raw output only for *_html keys", s, n);

	enum op_kind kind = OP_VAR;
	if (sigil == '{' || sigil == '&')
		kind = OP_RAW;
	else if (sigil == '#')
		kind = OP_SECTION;
	else if (sigil == '^')
		kind = OP_INVERTED;
	if (kind == OP_SECTION || kind == OP_INVERTED) {
		if (p->nopen == TMPL_MAX_NEST)
			return perr(p, line, "sections nested deeper than 32 at", s, n);
		p->open[p->nopen++] = (struct open_sec){
		    .op = (uint32_t)p->nops, .line = line, .name = (size_t)(s - p->src), .nlen = n};
	}
	uint32_t off = nseg ? pool_name(p, s, n, 1) : 0;
	struct op *o = emit(p, kind);
	o->off = off;
	o->nseg = (uint8_t)nseg;
	return 0;
}

static void count_lines(struct parser *p, size_t from, size_t to)
{
	for (const char *q = p->src + from; (q = memchr(q, '\n', (size_t)(p->src + to - q))); q++)
		p->line++;
}

/* Find needle (2 or 3 bytes) in src[from..len); returns position or len. */
static size_t find(const struct parser *p, size_t from, const char *needle, size_t k)
{
	while (from + k <= p->len) {
		const char *q = memchr(p->src + from, needle[0], p->len - from);
		if (!q)
			break;
		size_t at = (size_t)(q - p->src);
		if (at + k > p->len)
			break;
		if (memcmp(q, needle, k) == 0)
			return at;
		from = at + 1;
	}
	return p->len;
}

static int parse_all(struct parser *p)
{
	while (p->pos < p->len) {
		size_t open = find(p, p->pos, "{{", 2);
		emit_text(p, p->src + p->pos, open - p->pos);
		count_lines(p, p->pos, open);
		p->pos = open;
		if (open >= p->len)
			break;
		int line = p->line;
		int triple = open + 2 < p->len && p->src[open + 2] == '{';
		size_t body = open + (triple ? 3 : 2);
		size_t close = find(p, body, triple ? "}}}" : "}}", triple ? 3 : 2);
		if (close >= p->len)
			return perr(p, line, "unclosed tag", NULL, 0);
		if (parse_tag(p, line, p->src + body, close - body, triple) < 0)
			return -1;
		p->pos = close + (triple ? 3 : 2);
		count_lines(p, open, p->pos);
	}
	if (p->nopen) {
		struct open_sec *o = &p->open[p->nopen - 1];
		return perr(p, o->line, "unclosed section", p->src + o->name, o->nlen);
	}
	return 0;
}

static void tmpl_destroy(struct tmpl *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->ops);
	free(t->pool);
	free(t);
}

/* Parse src into a new template; file names it in error messages. */
static struct tmpl *tmpl_parse(const char *name, const char *file, const char *src, size_t len,
			       char *err, size_t errlen)
{
	if (len > TMPL_MAX_SRC) {
		set_err(err, errlen, "%s: template larger than %u bytes", file, TMPL_MAX_SRC);
		return NULL;
	}
	struct parser p = {
	    .src = src, .len = len, .line = 1, .file = file, .err = err, .errlen = errlen};
	if (parse_all(&p) < 0) {
		free(p.ops);
		buf_free(&p.pool);
		return NULL;
	}
	struct tmpl *t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->ops = p.ops;
	t->nops = (uint32_t)p.nops;
	t->pool = p.pool.data;
	return t;
}

/* ---- the set ---- */

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Slot holding name, or the empty slot where it would go. */
static struct tmpl **set_slot(const struct tmpl_set *set, const char *name)
{
	size_t mask = set->cap - 1;
	for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask) {
		struct tmpl **s = &set->slots[i];
		if (!*s || strcmp((*s)->name, name) == 0)
			return s;
	}
}

static const struct tmpl *set_get(const struct tmpl_set *set, const char *name)
{
	return set->count ? *set_slot(set, name) : NULL;
}

static void set_put(struct tmpl_set *set, struct tmpl *t)
{
	if ((set->count + 1) * 4 > set->cap * 3) {
		struct tmpl_set big = {.cap = set->cap * 2, .count = set->count};
		big.slots = xcalloc(big.cap, sizeof(*big.slots));
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i])
				*set_slot(&big, set->slots[i]->name) = set->slots[i];
		free(set->slots);
		*set = big;
	}
	struct tmpl **s = set_slot(set, t->name);
	if (*s)
		tmpl_destroy(*s);
	else
		set->count++;
	*s = t;
}

static struct tmpl_set *set_new(void)
{
	struct tmpl_set *set = xcalloc(1, sizeof(*set));
	set->cap = 16;
	set->slots = xcalloc(set->cap, sizeof(*set->slots));
	return set;
}

void tmpl_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++)
		tmpl_destroy(set->slots[i]);
	free(set->slots);
	free(set);
}

/* On a parse error a set passed in is left unchanged (still the caller's);
 * a set created here is freed. */
struct tmpl_set *tmpl_add(struct tmpl_set *set, const char *name, const char *src, size_t len,
			  char *err, size_t errlen)
{
	if (!name || !*name || (!src && len)) {
		set_err(err, errlen, "tmpl_add: missing name or source");
		return NULL;
	}
	struct tmpl *t = tmpl_parse(name, name, src ? src : "", len, err, errlen);
	if (!t)
		return NULL;
	if (!set)
		set = set_new();
	set_put(set, t);
	return set;
}

/* Read a whole file of at most TMPL_MAX_SRC bytes; caller frees. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *data = xmalloc(TMPL_MAX_SRC + 1);
	size_t n = fread(data, 1, TMPL_MAX_SRC + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > TMPL_MAX_SRC) {
		set_err(err, errlen, "%s: %s", path,
			bad ? "read error" : "template larger than 1 MiB");
		free(data);
		return NULL;
	}
	*len = n;
	return data;
}

/* Load dir/file (a *.html) into set. */
static int load_one(struct tmpl_set *set, const char *dir, const char *file, char *err,
		    size_t errlen)
{
	char path[4096], name[256];
	size_t flen = strlen(file);
	if (flen - 5 >= sizeof(name) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		set_err(err, errlen, "%s: name too long", file);
		return -1;
	}
	memcpy(name, file, flen - 5);
	name[flen - 5] = '\0';
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0; /* skip directories, dangling links */
	size_t len;
	char *src = read_file(path, &len, err, errlen);
	if (!src)
		return -1;
	struct tmpl *t = tmpl_parse(name, file, src, len, err, errlen);
	free(src);
	if (!t)
		return -1;
	set_put(set, t);
	return 0;
}

struct tmpl_set *tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	struct tmpl_set *set = set_new();
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= 5 || e->d_name[0] == '.' || strcmp(e->d_name + n - 5, ".html") != 0)
			continue;
		if (set->count >= TMPL_MAX_FILES) {
			set_err(err, errlen, "%s: more than %d templates", dir, TMPL_MAX_FILES);
			goto fail;
		}
		if (load_one(set, dir, e->d_name, err, errlen) < 0)
			goto fail;
	}
	closedir(d);
	return set;
fail:
	closedir(d);
	tmpl_free(set);
	return NULL;
}

/* ---- rendering ---- */

struct render {
	const struct tmpl_set *set;
	struct buf *out;
	const cJSON *ctx[TMPL_MAX_CTX];
	int depth;
	int partials;
	int stop;     /* a safety valve tripped: render nothing more */
	size_t steps; /* ops executed */
	size_t start; /* out->len when the render began */
};

static const cJSON *obj_get(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string && c->string[0] == key[0] && strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

/* Resolve a name: first segment from the innermost context outwards, the
 * rest inside what the first one found. NULL if missing. */
static const cJSON *lookup(const struct render *r, const char *pool, const struct op *o)
{
	if (!o->nseg)
		return r->ctx[r->depth - 1];
	const char *seg = pool + o->off;
	const cJSON *v = NULL;
	for (int i = r->depth - 1; i >= 0 && !v; i--)
		v = obj_get(r->ctx[i], seg);
	for (int k = 1; k < o->nseg && v; k++) {
		seg += strlen(seg) + 1;
		v = obj_get(v, seg);
	}
	return v;
}

static int truthy(const cJSON *v)
{
	if (!v || cJSON_IsFalse(v) || cJSON_IsNull(v) || cJSON_IsInvalid(v))
		return 0;
	if (cJSON_IsArray(v))
		return v->child != NULL;
	if (cJSON_IsString(v))
		return v->valuestring && v->valuestring[0];
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0; /* "{{#count}}" hides a zero count */
	return 1;
}

/* Integers print without ".0" (exact up to 2^53); others as %g. */
static void put_number(struct buf *out, double d)
{
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(long long)d) {
		buf_printf(out, "%g", d);
		return;
	}
	char tmp[24], *p = tmp + sizeof(tmp);
	long long v = (long long)d;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void put_value(struct buf *out, const cJSON *v, int raw)
{
	if (cJSON_IsString(v) && v->valuestring) {
		if (raw)
			buf_puts(out, v->valuestring);
		else
			html_escape(out, v->valuestring, strlen(v->valuestring));
	} else if (cJSON_IsNumber(v)) {
		put_number(out, v->valuedouble);
	} else if (cJSON_IsTrue(v)) {
		buf_puts(out, "true");
	}
}

static void render_ops(struct render *r, const struct tmpl *t, uint32_t from, uint32_t to);

static void render_body(struct render *r, const struct tmpl *t, uint32_t i, const cJSON *v)
{
	if (r->depth == TMPL_MAX_CTX)
		return; /* too deep: the body is skipped */
	r->ctx[r->depth++] = v;
	render_ops(r, t, i + 1, t->ops[i].arg);
	r->depth--;
}

static void render_section(struct render *r, const struct tmpl *t, uint32_t i)
{
	const cJSON *v = lookup(r, t->pool, &t->ops[i]);
	if (!truthy(v))
		return;
	if (cJSON_IsArray(v)) {
		for (const cJSON *e = v->child; e && !r->stop; e = e->next)
			render_body(r, t, i, e);
	} else {
		render_body(r, t, i, v);
	}
}

static void render_partial(struct render *r, const char *name)
{
	const struct tmpl *p = set_get(r->set, name);
	if (!p || r->partials >= TMPL_MAX_PARTIALS)
		return;
	r->partials++;
	render_ops(r, p, 0, p->nops);
	r->partials--;
}

static void render_ops(struct render *r, const struct tmpl *t, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		if (r->stop || ++r->steps > TMPL_MAX_STEPS ||
		    r->out->len - r->start > TMPL_MAX_OUT) {
			r->stop = 1;
			return;
		}
		const struct op *o = &t->ops[i];
		switch (o->kind) {
		case OP_TEXT:
			buf_append(r->out, t->pool + o->off, o->arg);
			break;
		case OP_VAR:
		case OP_RAW:
			put_value(r->out, lookup(r, t->pool, o), o->kind == OP_RAW);
			break;
		case OP_SECTION:
			render_section(r, t, i);
			i = o->arg - 1;
			break;
		case OP_INVERTED:
			if (!truthy(lookup(r, t->pool, o)))
				render_ops(r, t, i + 1, o->arg);
			i = o->arg - 1;
			break;
		case OP_PARTIAL:
			render_partial(r, t->pool + o->off);
			break;
		}
	}
}

int tmpl_render(const struct tmpl_set *set, const char *name, const struct cJSON *view,
		struct buf *out)
{
	const struct tmpl *t = set && name ? set_get(set, name) : NULL;
	if (!t)
		return -1;
	struct render r = {.set = set, .out = out, .depth = 1, .start = out->len};
	r.ctx[0] = view;
	render_ops(&r, t, 0, t->nops);
	return 0;
}
