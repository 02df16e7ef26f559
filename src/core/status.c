/* The one status type: filling struct fail for a person and naming statuses for logs. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Cuts s (length n, NUL at s[n]) back so that it does not end inside a UTF-8 sequence: a
 * truncated message must still be valid UTF-8, or the JSON encoder would refuse it. */
static void
utf8_cut_tail(char *s, size_t n)
{
    size_t i = n;
    size_t need;
    unsigned char lead;

    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 3)
        i--;
    if (i == 0)
        return;
    lead = (unsigned char)s[i - 1];
    if (lead < 0x80)
        return;
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

/* Copies src into dst[cap], truncating at a UTF-8 boundary; NULL copies as "". */
static void
copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap) : 0;

    if (n >= cap) {
        n = cap - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
        utf8_cut_tail(dst, n);
        return;
    }
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int
fail_set(struct fail *f, int status, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!f)
        return status;
    f->status = status;
    copy_trunc(f->field, sizeof(f->field), field);
    copy_trunc(f->code, sizeof(f->code), code);
    f->message[0] = '\0';
    if (!fmt)
        return status;
    va_start(ap, fmt);
    n = vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    if (n < 0)
        f->message[0] = '\0';
    else if ((size_t)n >= sizeof(f->message))
        utf8_cut_tail(f->message, sizeof(f->message) - 1);
    return status;
}

void
fail_clear(struct fail *f)
{
    if (!f)
        return;
    memset(f, 0, sizeof(*f));
}

const char *
status_name(int status)
{
    switch (status) {
    case ST_OK:
        return "ok";
    case ST_INVALID:
        return "invalid";
    case ST_NOT_FOUND:
        return "not_found";
    case ST_CONFLICT:
        return "conflict";
    case ST_FORBIDDEN:
        return "forbidden";
    case ST_UNAUTHORIZED:
        return "unauthorized";
    case ST_TOO_BIG:
        return "too_big";
    case ST_THROTTLED:
        return "throttled";
    case ST_NOMEM:
        return "nomem";
    case ST_DB:
        return "db";
    case ST_IO:
        return "io";
    case ST_BUSY:
        return "busy";
    default:
        return "unknown";
    }
}
