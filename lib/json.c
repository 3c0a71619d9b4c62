/* json.c - printing cJSON trees with every whole number exact, and packing them. */
#include "json.h"
#include "buf.h"
#include "arena.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bit of cJSON's type word it never uses (it switches on type & 0xFF and
 * tests 256 and 512): marks a number turned into raw text for one print. */
#define JSON_EXACT (1 << 14)

/* Below 2^63 a whole double prints exactly with %.0f (at most 19 digits). */
static int whole(double d)
{
	return isfinite(d) && d == floor(d) && fabs(d) < 9223372036854775808.0;
}

/* raw = 1: each whole number of n and below becomes raw text holding its
 * exact digits; raw = 0: put them back. 0, or -1 when memory ran out. */
static int exact(cJSON *n, int raw)
{
	if (raw && (n->type & 0xFF) == cJSON_Number && whole(n->valuedouble)) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%.0f", n->valuedouble);
		char *s = strdup(buf);
		if (!s)
			return -1;
		n->valuestring = s;
		n->type = (n->type & ~0xFF) | cJSON_Raw | JSON_EXACT;
	} else if (!raw && (n->type & JSON_EXACT)) {
		free(n->valuestring);
		n->valuestring = NULL;
		n->type = (n->type & ~(0xFF | JSON_EXACT)) | cJSON_Number;
	}
	for (cJSON *k = n->child; k; k = k->next)
		if (exact(k, raw))
			return -1;
	return 0;
}

/* The arena cJSON allocates from (json_request_begin), or NULL: malloc. */
static _Thread_local struct arena *json_arena;
/* How many of this request's cJSON allocations came from malloc all the
 * same (past JSON_ARENA_MAX). While none did, whatever cJSON frees is the
 * arena's, and json_release need not look. */
static _Thread_local size_t json_heap_allocs;
/* Past this much of the request's arena, trees come from malloc again: a
 * request that parses and deletes many documents in a loop would
 * otherwise keep them all until its end. */
#define JSON_ARENA_MAX (4u << 20)

static void *json_alloc(size_t n)
{
	if (json_arena && json_arena->total < JSON_ARENA_MAX)
		return arena_alloc(json_arena, n);
	if (json_arena)
		json_heap_allocs++;
	return malloc(n);
}

static void json_release(void *p)
{
	if (!p || (json_arena && (!json_heap_allocs || arena_owns(json_arena, p))))
		return;
	free(p);
}

void json_request_begin(struct arena *a)
{
	static int hooked; /* cJSON's hooks are the process's, not a thread's */
	if (!hooked) {
		cJSON_Hooks h = {.malloc_fn = json_alloc, .free_fn = json_release};
		cJSON_InitHooks(&h);
		hooked = 1;
	}
	json_arena = a;
	json_heap_allocs = 0;
}

void json_request_end(void)
{
	json_arena = NULL;
}

static char *print(cJSON *j, int pretty)
{
	if (!j)
		return NULL;
	char *s = NULL;
	if (exact(j, 1) == 0)
		s = pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	exact(j, 0);
	/* The text is the caller's to free(): a copy when the arena holds it */
	if (s && json_arena && arena_owns(json_arena, s))
		s = strdup(s);
	return s;
}

char *json_print(cJSON *j)
{
	return print(j, 0);
}

char *json_print_pretty(cJSON *j)
{
	return print(j, 1);
}

/* ---- the packed form ---------------------------------------------------------
 * JSON_PACK_MARK, then one node: 'n' null, 'f' false, 't' true, 'd' and a
 * double's 8 bytes (this host's order: the form never leaves the site's
 * machines, which share it), 's' a length and the bytes, 'a' a count and the
 * nodes, 'o' a count and that many (a length and the key's bytes, a node).
 * Lengths and counts are LEB128 (7 bits a byte, low first). */
#define JSON_PACK_MARK '\x01'

static void put_len(struct buf *out, size_t n)
{
	unsigned char b[10];
	size_t k = 0;
	do {
		b[k] = (unsigned char)(n & 0x7f);
		n >>= 7;
		if (n)
			b[k] |= 0x80;
		k++;
	} while (n);
	buf_append(out, b, k);
}

static void put_bytes(struct buf *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_len(out, n);
	buf_append(out, s ? s : "", n);
}

static void pack_node(const cJSON *j, struct buf *out)
{
	const cJSON *c;
	size_t n = 0;
	switch (j->type & 0xff) {
	case cJSON_False:
		buf_putc(out, 'f');
		break;
	case cJSON_True:
		buf_putc(out, 't');
		break;
	case cJSON_Number:
		buf_putc(out, 'd');
		buf_append(out, &j->valuedouble, sizeof(j->valuedouble));
		break;
	case cJSON_String:
		buf_putc(out, 's');
		put_bytes(out, j->valuestring);
		break;
	case cJSON_Array:
	case cJSON_Object:
		buf_putc(out, (j->type & 0xff) == cJSON_Array ? 'a' : 'o');
		for (c = j->child; c; c = c->next)
			n++;
		put_len(out, n);
		for (c = j->child; c; c = c->next) {
			if ((j->type & 0xff) == cJSON_Object)
				put_bytes(out, c->string);
			pack_node(c, out);
		}
		break;
	default: /* null, and raw text (never in a stored tree) */
		buf_putc(out, 'n');
		break;
	}
}

void json_pack(const cJSON *j, struct buf *out)
{
	buf_putc(out, JSON_PACK_MARK);
	if (j)
		pack_node(j, out);
	else
		buf_putc(out, 'n');
}

int json_is_packed(const char *p, size_t len)
{
	return len > 1 && p[0] == JSON_PACK_MARK;
}

struct unpack {
	const unsigned char *p, *end;
	size_t nodes;
};

/* A length or count; -1 past the end or beyond what is left to read. */
static int get_len(struct unpack *u, size_t *n)
{
	size_t v = 0;
	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (u->p >= u->end)
			return -1;
		unsigned char b = *u->p++;
		v |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (v > (size_t)(u->end - u->p))
				return -1; /* no count or length can exceed the bytes left */
			*n = v;
			return 0;
		}
	}
	return -1;
}

/* A NUL-terminated copy of the next length and bytes, from cJSON's
 * allocator (so cJSON_Delete frees it), or NULL. */
static char *get_bytes(struct unpack *u)
{
	size_t n;
	if (get_len(u, &n))
		return NULL;
	char *s = cJSON_malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, u->p, n);
	s[n] = 0;
	u->p += n;
	return s;
}

static cJSON *unpack_node(struct unpack *u, int depth)
{
	if (u->p >= u->end || ++u->nodes > JSON_PACK_NODES || depth > JSON_PACK_DEPTH)
		return NULL;
	cJSON *j = NULL;
	size_t n;
	switch (*u->p++) {
	case 'n':
		return cJSON_CreateNull();
	case 'f':
		return cJSON_CreateFalse();
	case 't':
		return cJSON_CreateTrue();
	case 'd': {
		double d;
		if ((size_t)(u->end - u->p) < sizeof(d))
			return NULL;
		memcpy(&d, u->p, sizeof(d));
		u->p += sizeof(d);
		return cJSON_CreateNumber(d);
	}
	case 's':
		if (!(j = cJSON_CreateNull()) || !(j->valuestring = get_bytes(u))) {
			cJSON_Delete(j);
			return NULL;
		}
		j->type = cJSON_String;
		return j;
	case 'a':
	case 'o': {
		int object = u->p[-1] == 'o';
		j = object ? cJSON_CreateObject() : cJSON_CreateArray();
		if (!j || get_len(u, &n))
			break;
		for (size_t i = 0; i < n; i++) {
			char *key = object ? get_bytes(u) : NULL;
			cJSON *c = object && !key ? NULL : unpack_node(u, depth + 1);
			if (!c) {
				cJSON_free(key);
				cJSON_Delete(j);
				return NULL;
			}
			c->string = key;
			cJSON_AddItemToArray(j, c); /* appends, keeping c->string */
		}
		return j;
	}
	default:
		return NULL;
	}
	cJSON_Delete(j);
	return NULL;
}

cJSON *json_unpack(const char *p, size_t len)
{
	if (!json_is_packed(p, len))
		return NULL;
	struct unpack u = {(const unsigned char *)p + 1, (const unsigned char *)p + len, 0};
	cJSON *j = unpack_node(&u, 0);
	if (j && u.p != u.end) { /* trailing bytes: not one whole tree */
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}
