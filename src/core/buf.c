/* Growable, always NUL-terminated byte buffers with a hard cap chosen by their user. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_LIMIT ((size_t)64 * 1024 * 1024)
#define BUF_MIN_CAP 64

void
buf_init(struct buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit ? limit : BUF_DEFAULT_LIMIT;
}

void
buf_release(struct buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *
buf_detach(struct buf *b)
{
    char *p = b->data;

    if (!p)
        return calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

/* Makes room for `extra` more bytes plus the terminating NUL. The cap is checked before any
 * arithmetic that could overflow, so a failed call leaves the buffer exactly as it was. */
static int
buf_grow(struct buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->len > b->limit || extra > b->limit - b->len)
        return ST_TOO_BIG;
    if (b->len + extra == SIZE_MAX)
        return ST_NOMEM;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return ST_OK;
    cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    /* Never hold more than the cap allows. */
    if (b->limit < SIZE_MAX && cap > b->limit + 1)
        cap = b->limit + 1;
    if (cap < need)
        cap = need;
    p = realloc(b->data, cap);
    if (!p)
        return ST_NOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return ST_OK;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
    int rc;

    if (n == 0)
        return ST_OK;
    rc = buf_grow(b, n);
    if (rc != ST_OK)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ST_OK;
}

int
buf_append_str(struct buf *b, const char *s)
{
    if (!s)
        return ST_OK;
    return buf_append(b, s, strlen(s));
}

int
buf_append_char(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n, rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return ST_INVALID;
    if (n == 0)
        return ST_OK;
    rc = buf_grow(b, (size_t)n);
    if (rc != ST_OK)
        return rc;
    va_copy(ap2, ap);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    va_end(ap2);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->data[b->len] = '\0';
        return ST_INVALID;
    }
    b->len += (size_t)n;
    return ST_OK;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *
buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}
