/* util.h - allocation that never returns NULL, small string helpers. */
#ifndef IMAGIER_UTIL_H
#define IMAGIER_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Like malloc/calloc/realloc/strdup, but abort() on out-of-memory instead of
 * returning NULL (the Redis zmalloc rule). Use for ordinary allocations. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Copy at most dstlen-1 bytes of src into dst, always NUL-terminate.
 * Returns strlen(src) (like strlcpy) so truncation is detectable. */
size_t str_copy(char *dst, const char *src, size_t dstlen);
/* 1 when snprintf's answer r says all of it fit in a buffer of n bytes. */
int fmt_fits(int r, size_t n);

/* Parse a whole decimal string into *out (no sign, no spaces, no overflow).
 * Returns 0 on success, -1 if s is not exactly a number in [0, max]. */
int str_to_u64(const char *s, uint64_t max, uint64_t *out);

/* Milliseconds / microseconds since an arbitrary monotonic origin. */
int64_t now_mono_us(void);
/* Seconds since the Unix epoch (wall clock). */
int64_t now_unix(void);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
