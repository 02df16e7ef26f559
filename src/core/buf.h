/* A growable byte buffer with a hard size cap chosen by its user: memory per request stays
 * bounded. The contents are always NUL-terminated once anything was appended. */
#ifndef AUTOLOGA_CORE_BUF_H
#define AUTOLOGA_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "status.h"

struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t limit; /* appends that would make len exceed this fail with ST_TOO_BIG */
};

/* Fills a buffer the caller owns: empty, with the given cap (0 means 64 MiB). */
void buf_init(struct buf *b, size_t limit);
/* Frees the contents; the struct may be reused after buf_init. Accepts NULL. */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Gives the contents to the caller (free() them); the buffer is left empty. Never NULL on
 * success: an empty buffer gives "". Returns NULL only when out of memory. */
char *buf_detach(struct buf *b);

int buf_append(struct buf *b, const void *p, size_t n) WARN_UNUSED;
int buf_append_str(struct buf *b, const char *s) WARN_UNUSED;
int buf_append_char(struct buf *b, char c) WARN_UNUSED;
int buf_printf(struct buf *b, const char *fmt, ...) WARN_UNUSED
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) WARN_UNUSED
    __attribute__((format(printf, 2, 0)));

/* The contents as a C string: "" for a buffer never appended to. Borrowed. */
const char *buf_str(const struct buf *b);

#endif
