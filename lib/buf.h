/* buf.h - a growable byte buffer (malloc-backed, reusable across requests). */
#ifndef IMAGIER_BUF_H
#define IMAGIER_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* data is always NUL-terminated after len bytes (once anything was added).
 * A zeroed struct buf is a valid empty buffer. */
struct buf {
	char *data;
	size_t len, cap;
};

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Empty the buffer; keeps up to 1 MiB of capacity for reuse, frees more. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Return the contents as a C string ("" when empty). */
const char *buf_cstr(const struct buf *b);

#endif
