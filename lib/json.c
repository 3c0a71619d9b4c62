/* json.c - printing cJSON trees with every whole number exact. */
#include "json.h"
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
