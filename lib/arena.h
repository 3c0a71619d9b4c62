/* arena.h - per-request bump allocator, reset after each request. */
#ifndef IMAGIER_ARENA_H
#define IMAGIER_ARENA_H

#include <stdarg.h>
#include <stddef.h>

/* An arena hands out memory that lives until arena_reset(). Allocation never
 * fails (aborts on OOM). Large allocations get their own block, which
 * arena_reset() returns to the system, so one big upload does not pin memory
 * in the worker. Not thread-safe; one arena per worker. */
struct arena_block;
struct arena {
	struct arena_block *head;  /* current block, newest first */
	struct arena_block *spare; /* standard blocks kept by arena_reset */
	size_t total;		   /* bytes handed out since the last reset */
};

void arena_init(struct arena *a);
/* Free everything allocated since init/reset; keeps up to 16 standard
 * blocks (64 KiB each) for the next request: a worker's pages need a few
 * to ten, and a block handed back to malloc costs more than its bytes
 * (glibc consolidates its free lists on every free of 64 KiB). */
void arena_reset(struct arena *a);
/* Free everything, including the kept block. */
void arena_free(struct arena *a);

/* 1 when p points into memory a handed out since the last reset. */
int arena_owns(const struct arena *a, const void *p);

/* n bytes aligned to 16, uninitialised / zeroed. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
/* NUL-terminated copies. arena_strndup copies exactly n bytes and adds NUL. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into the arena: p = arena_printf(a, "%d", 5) -> "5". */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

#endif
