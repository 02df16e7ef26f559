/* One-line key=value logs on standard error: each line is built whole and written with one
 * write(2), so lines from different threads never interleave. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "date.h"

#define LOG_LINE_MAX 2048

static atomic_int log_min = LOG_INFO;

static const char *
level_name(enum log_level level)
{
    switch (level) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    case LOG_ERROR:
        return "error";
    }
    return "unknown";
}

void
log_set_level(enum log_level level)
{
    atomic_store(&log_min, (int)level);
}

void
log_line(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    char ts[25];
    va_list ap;
    size_t len, i;
    int n;
    ssize_t w;

    if ((int)level < atomic_load(&log_min))
        return;
    time_format_ms(time_now_ms(), ts);
    n = snprintf(line, sizeof(line), "ts=%s level=%s ", ts, level_name(level));
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    len = (size_t)n;
    va_start(ap, fmt);
    /* One byte stays free for the newline. */
    n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(line) - len - 1) {
        len = sizeof(line) - 2;
        /* Do not end a cut line inside a UTF-8 sequence. */
        i = len;
        while (i > 0 && ((unsigned char)line[i - 1] & 0xC0) == 0x80)
            i--;
        if (i > 0 && (unsigned char)line[i - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)line[i - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

            if (len - (i - 1) < need)
                len = i - 1;
        }
    } else {
        len += (size_t)n;
    }
    /* A line break inside a value (say, from a request) must not forge a second line. */
    for (i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7F)
            line[i] = ' ';
    line[len++] = '\n';
    do {
        w = write(STDERR_FILENO, line, len);
    } while (w < 0 && errno == EINTR);
}
