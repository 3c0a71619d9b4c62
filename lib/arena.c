/* arena.c - per-request bump allocator, reset after each request. */
#include "arena.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 65536
#define ARENA_ALIGN 16
#define ARENA_KEEP  16 /* standard blocks kept over a reset */

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->spare = NULL;
	a->total = 0;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head;
	int kept = 0;
	for (struct arena_block *s = a->spare; s; s = s->next)
		kept++;
	while (b) {
		struct arena_block *next = b->next;
		if (kept < ARENA_KEEP && b->size == ARENA_BLOCK) {
			b->used = 0;
			b->next = a->spare;
			a->spare = b;
			kept++;
		} else {
			free(b);
		}
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

static void chain_free(struct arena_block *b)
{
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
}

void arena_free(struct arena *a)
{
	chain_free(a->head);
	chain_free(a->spare);
	a->head = NULL;
	a->spare = NULL;
	a->total = 0;
}

int arena_owns(const struct arena *a, const void *p)
{
	const unsigned char *q = p;
	for (const struct arena_block *b = a->head; b; b = b->next)
		if (q >= b->data && q < b->data + b->size)
			return 1;
	return 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need < n)
		abort();
	a->total += need;
	if (need > ARENA_BLOCK / 4) {
		/* Big: its own block, linked behind the current one. */
		struct arena_block *b = block_new(need);
		b->used = need;
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
		return b->data;
	}
	if (!a->head || a->head->size - a->head->used < need) {
		struct arena_block *b = a->spare;
		if (b)
			a->spare = b->next;
		else
			b = block_new(ARENA_BLOCK);
		b->next = a->head;
		a->head = b;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += need;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
