/* Runs poppler's pdftotext on a PDF held in memory, through a temporary file. */
#include "pdftext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"

/* Writes the PDF to a new temporary file; its path goes into `path` (64 bytes). */
static int
write_temp(const char *pdf, size_t n, char path[64])
{
    snprintf(path, 64, "/tmp/autologa-pdf-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, pdf + done, n - done);
        if (w <= 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        done += (size_t)w;
    }
    close(fd);
    return 0;
}

/* The standard output of `pdftotext ARGS FILE -`, or NULL. */
static char *
run(const char *pdf, size_t n, const char *args)
{
    char path[64], cmd[256];
    if (write_temp(pdf, n, path) != 0) {
        fprintf(stderr, "pdftext: cannot write a temporary file\n");
        return NULL;
    }
    snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s %s - 2>&1", args, path);
    FILE *p = popen(cmd, "r");
    struct buf b;
    buf_init(&b, 0);
    char chunk[4096];
    size_t got;
    int ok = p != NULL;
    while (p && (got = fread(chunk, 1, sizeof(chunk), p)) > 0)
        ok = ok && buf_append(&b, chunk, got) == ST_OK;
    int rc = p ? pclose(p) : -1;
    unlink(path);
    if (!ok || rc != 0) {
        fprintf(stderr, "pdftext: '%s' failed (status %d): %s\n", cmd, rc, buf_str(&b));
        fprintf(stderr,
                "pdftext: pdftotext comes with poppler-utils (scripts/install-deps test)\n");
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b);
}

char *
pdftext(const char *pdf, size_t n)
{
    char *t = run(pdf, n, "");
    if (!t)
        return NULL;
    /* Drop U+202A..U+202E (E2 80 AA..AE) and U+2066..U+2069 (E2 81 A6..A9). */
    char *w = t;
    for (const char *r = t; *r;) {
        const unsigned char *u = (const unsigned char *)r;
        if (u[0] == 0xE2 && ((u[1] == 0x80 && u[2] >= 0xAA && u[2] <= 0xAE) ||
                             (u[1] == 0x81 && u[2] >= 0xA6 && u[2] <= 0xA9))) {
            r += 3;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return t;
}

static double
attr(const char *tag, const char *name)
{
    char key[32];
    snprintf(key, sizeof(key), " %s=\"", name);
    const char *p = strstr(tag, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}

/* s with its code points in reverse order (the caller frees it). */
static char *
reverse_utf8(const char *s)
{
    size_t n = strlen(s);
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    size_t w = 0;
    for (size_t end = n; end > 0;) {
        size_t start = end - 1;
        while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
            start--;
        memcpy(r + w, s + start, end - start);
        w += end - start;
        end = start;
    }
    r[w] = '\0';
    return r;
}

int
pdftext_word_box(const char *pdf, size_t n, int page, const char *word, double *x_min,
                 double *x_max, double *y_min)
{
    char *html = run(pdf, n, "-bbox");
    /* -bbox lists the letters of a right-to-left word as they stand on the page. */
    char *reversed = reverse_utf8(word);
    if (!html || !reversed) {
        free(html);
        free(reversed);
        return -1;
    }
    int rc = -1, current = 0;
    for (const char *p = html; (p = strchr(p, '<')) != NULL; p++) {
        if (strncmp(p, "<page ", 6) == 0) {
            current++;
            continue;
        }
        if (current != page || strncmp(p, "<word ", 6) != 0)
            continue;
        const char *end = strchr(p, '>');
        const char *close = end ? strstr(end, "</word>") : NULL;
        if (!close)
            break;
        size_t len = (size_t)(close - end - 1);
        if (len == strlen(word) &&
            (memcmp(end + 1, word, len) == 0 || memcmp(end + 1, reversed, len) == 0)) {
            *x_min = attr(p, "xMin");
            *x_max = attr(p, "xMax");
            *y_min = attr(p, "yMin");
            rc = 0;
            break;
        }
    }
    free(html);
    free(reversed);
    return rc;
}

char *
pdftext_squeeze(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    size_t w = 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t')
            out[w++] = *s;
    out[w] = '\0';
    return out;
}

int
pdftext_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = hay; len && (p = strstr(p, needle)) != NULL; p += len)
        n++;
    return n;
}
