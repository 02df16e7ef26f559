/* The RFC 4180 reader of the CSV imports: one record at a time into a fixed scratch buffer, so
 * that no file, however shaped, makes it grow. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

struct field {
    size_t off; /* in the reader's scratch */
    size_t len;
    bool too_long;
};

struct csv_reader {
    const char *p;
    size_t n, pos;
    char delim;
    size_t row; /* of the record read last; the first line is row 1 */
    /* The record read last: fields beyond the column cap are counted, not kept. */
    struct field fields[CSV_MAX_COLUMNS];
    size_t nfields;
    /* Unescaped field contents; every field is capped, so this never grows. */
    char scratch[CSV_MAX_COLUMNS * (CSV_MAX_FIELD + 1)];
    size_t used;
};

int
csv_check_text(const char **data, size_t *n, size_t max_bytes, struct fail *f)
{
    if (*n > max_bytes)
        return fail_set(f, ST_TOO_BIG, "", "too_big", "the file is larger than %zu bytes",
                        max_bytes);
    if (*n >= 3 && memcmp(*data, "\xEF\xBB\xBF", 3) == 0) {
        *data += 3;
        *n -= 3;
    }
    if (*n > 0 && !text_valid_utf8(*data, *n))
        return fail_set(f, ST_INVALID, "", "invalid_utf8",
                        "the file is not UTF-8 text (export it as \"CSV UTF-8\")");
    return ST_OK;
}

char
csv_sniff_delimiter(const char *data, size_t n)
{
    size_t commas = 0, semicolons = 0;
    bool quoted = false;

    for (size_t i = 0; data && i < n; i++) {
        char c = data[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted && c == ',')
            commas++;
        else if (!quoted && c == ';')
            semicolons++;
    }
    return semicolons > commas ? ';' : ',';
}

struct csv_reader *
csv_reader_new(const char *data, size_t n, char delimiter)
{
    struct csv_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->p = data;
    r->n = data ? n : 0;
    r->delim = delimiter;
    return r;
}

void
csv_reader_free(struct csv_reader *r)
{
    free(r);
}

/* Appends a byte of the current field, unless it is already over the cap. */
static void
put(struct csv_reader *r, struct field *fd, char c)
{
    if (!fd)
        return;
    if (fd->len >= CSV_MAX_FIELD) {
        fd->too_long = true;
        return;
    }
    r->scratch[fd->off + fd->len++] = c;
}

static bool
ends_field(const struct csv_reader *r)
{
    char c = r->p[r->pos];
    return c == r->delim || c == '\n' || c == '\r';
}

int
csv_next(struct csv_reader *r, struct fail *f)
{
    size_t count = 0;

    if (r->pos >= r->n)
        return 0;
    r->row++;
    r->nfields = 0;
    r->used = 0;
    for (;;) {
        struct field *fd = NULL;
        if (count < CSV_MAX_COLUMNS) {
            fd = &r->fields[count];
            fd->off = r->used;
            fd->len = 0;
            fd->too_long = false;
        }
        count++;
        if (r->pos < r->n && r->p[r->pos] == '"') {
            r->pos++;
            for (;;) {
                if (r->pos >= r->n)
                    return fail_set(f, ST_INVALID, "", "invalid_csv",
                                    "row %zu: a quoted field is not closed", r->row);
                char c = r->p[r->pos++];
                if (c == '"') {
                    if (r->pos < r->n && r->p[r->pos] == '"') {
                        r->pos++;
                        put(r, fd, '"');
                        continue;
                    }
                    break;
                }
                put(r, fd, c);
            }
            if (r->pos < r->n && !ends_field(r))
                return fail_set(f, ST_INVALID, "", "invalid_csv",
                                "row %zu, field %zu: text after the closing quote (a quote "
                                "inside a quoted field is written twice: \"\")",
                                r->row, count);
        } else {
            while (r->pos < r->n && !ends_field(r))
                put(r, fd, r->p[r->pos++]);
        }
        if (fd) {
            r->used += fd->len;
            r->scratch[r->used++] = '\0';
        }
        if (r->pos < r->n && r->p[r->pos] == r->delim) {
            r->pos++;
            continue;
        }
        /* End of the record: CRLF, LF, a lone CR, or the end of the data. */
        if (r->pos < r->n && r->p[r->pos] == '\r')
            r->pos++;
        if (r->pos < r->n && r->p[r->pos] == '\n')
            r->pos++;
        break;
    }
    r->nfields = count;
    return 1;
}

size_t
csv_row(const struct csv_reader *r)
{
    return r->row;
}

size_t
csv_nfields(const struct csv_reader *r)
{
    return r->nfields;
}

size_t
csv_kept(const struct csv_reader *r)
{
    return r->nfields < CSV_MAX_COLUMNS ? r->nfields : CSV_MAX_COLUMNS;
}

const char *
csv_field(const struct csv_reader *r, size_t i, size_t *len)
{
    size_t n = r->fields[i].len;
    const char *s = text_trim(r->scratch + r->fields[i].off, &n);

    *len = n;
    return s;
}

bool
csv_field_too_long(const struct csv_reader *r, size_t i)
{
    return r->fields[i].too_long;
}

bool
csv_empty_record(const struct csv_reader *r)
{
    size_t len;

    for (size_t i = 0; i < csv_kept(r); i++) {
        csv_field(r, i, &len);
        if (len > 0 || r->fields[i].too_long)
            return false;
    }
    return r->nfields <= CSV_MAX_COLUMNS;
}

bool
csv_header_key(const char *s, size_t len, char *out, size_t cap)
{
    if (len >= cap)
        return false;
    for (size_t k = 0; k < len; k++) {
        char ch = s[k];
        out[k] = ch == ' ' || ch == '-' ? '_' : (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    out[len] = '\0';
    return true;
}
