/* A laboratory's CSV export read into a preview: the records of core/csv, each row checked
 * field by field against the analytes and their units. */
#include "clinic/labs_csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/mrn.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/text.h"

static const char *const column_names[LABS_CSV_NCOLUMNS] = {
    "date", "analyte", "value", "unit", "reference_low", "reference_high", "mrn",
};

const char *
labs_csv_column_name(enum labs_csv_column c)
{
    if ((int)c < 0 || c >= LABS_CSV_NCOLUMNS)
        return NULL;
    return column_names[c];
}

/* ---- values ---- */

/* A decimal number as labs print it: digits, optionally a point and more digits. Anything
 * else (a comma, a sign, an exponent, "<5") is refused rather than guessed. */
static bool
parse_number(const char *s, size_t n, double *out)
{
    char tmp[40];
    size_t i = 0, digits = 0;
    char *end;

    *out = 0;
    if (n == 0 || n >= sizeof(tmp))
        return false;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (digits == 0)
        return false;
    if (i < n && s[i] == '.') {
        size_t frac = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            frac++;
        if (frac == 0)
            return false;
    }
    if (i != n)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    errno = 0;
    *out = strtod(tmp, &end);
    return errno == 0 && end == tmp + n && isfinite(*out);
}

static int
digits_at(const char *s, size_t k)
{
    int v = 0;

    for (size_t i = 0; i < k; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD", or an ISO 8601 date-time "YYYY-MM-DDTHH:MM[:SS[.fff…]]" (T or a space) with
 * an optional zone Z, ±HH:MM, ±HHMM or ±HH; without one it is local time at tz_min. */
static bool
parse_when(const char *s, size_t n, int tz_min, int64_t *ms, bool *date_only)
{
    char day[11];
    struct date d;
    size_t i;
    int h, mi, sec = 0, frac = 0, zone = tz_min;

    *ms = 0;
    *date_only = false;
    if (n < 10)
        return false;
    memcpy(day, s, 10);
    day[10] = '\0';
    if (date_parse(day, &d) != ST_OK)
        return false;
    if (n == 10) {
        *ms = date_to_days(&d) * 86400000LL;
        *date_only = true;
        return true;
    }
    if (n < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
        return false;
    h = digits_at(s + 11, 2);
    mi = digits_at(s + 14, 2);
    i = 16;
    if (i < n && s[i] == ':') {
        if (n < 19 || (sec = digits_at(s + 17, 2)) < 0)
            return false;
        i = 19;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            int scale = 100;
            size_t start = ++i;
            for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
                frac += (s[i] - '0') * scale;
                scale /= 10;
            }
            if (i == start)
                return false;
        }
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec > 59)
        return false;
    if (i < n) {
        if (s[i] == 'Z' && i + 1 == n) {
            zone = 0;
        } else if (s[i] == '+' || s[i] == '-') {
            size_t left = n - i - 1;
            int zh = -1, zm = 0;
            if (left == 2) {
                zh = digits_at(s + i + 1, 2);
            } else if (left == 4) {
                zh = digits_at(s + i + 1, 2);
                zm = digits_at(s + i + 3, 2);
            } else if (left == 5 && s[i + 3] == ':') {
                zh = digits_at(s + i + 1, 2);
                zm = digits_at(s + i + 4, 2);
            }
            if (zh < 0 || zh > 14 || zm < 0 || zm > 59)
                return false;
            zone = (s[i] == '-' ? -1 : 1) * (zh * 60 + zm);
        } else {
            return false;
        }
    }
    *ms = date_to_days(&d) * 86400000LL + ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac -
          (int64_t)zone * 60000;
    return true;
}

/* ---- rows ---- */

/* How much of a person's text goes into a message: enough to recognise, cut at a character. */
static int
shown(const char *s, size_t n)
{
    size_t k = n < 60 ? n : 60;

    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

static void row_error(struct labs_csv_row *row, enum labs_csv_column col, const char *code,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
row_error(struct labs_csv_row *row, enum labs_csv_column col, const char *code, const char *fmt,
          ...)
{
    char problem[200];
    va_list ap;
    struct fail *e;

    /* One error per column at most, plus one for the row: the array never grows. */
    if (row->nerrors >= LABS_CSV_NCOLUMNS + 1)
        return;
    e = &row->errors[row->nerrors++];
    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    if ((int)col < 0)
        fail_set(e, ST_INVALID, "", code, "row %zu: %s", row->row, problem);
    else
        fail_set(e, ST_INVALID, column_names[col], code, "row %zu, column '%s': %s", row->row,
                 column_names[col], problem);
}

#define ROW_ONLY ((enum labs_csv_column) - 1)

/* The accepted units of an analyte, for a message: "g/dL, g/L". */
static void
unit_list(const struct labs_analyte *a, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < a->nunits && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", a->units[i].symbol);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int
check_row(const struct labs *table, const struct csv_reader *r, size_t header_fields,
          const int *where, int tz_min, struct labs_csv_row *row)
{
    const char *s[LABS_CSV_NCOLUMNS] = {0};
    size_t len[LABS_CSV_NCOLUMNS] = {0};
    bool bad[LABS_CSV_NCOLUMNS] = {0};
    char units[160];
    int c;

    row->row = csv_row(r);
    row->errors = calloc(LABS_CSV_NCOLUMNS + 1, sizeof(*row->errors));
    if (!row->errors)
        return ST_NOMEM;
    for (c = 0; c < LABS_CSV_NCOLUMNS; c++) {
        size_t i;
        if (where[c] < 0)
            continue;
        i = (size_t)where[c];
        if (i >= csv_kept(r) || csv_field_too_long(r, i)) {
            bad[c] = true;
            if (i < csv_kept(r))
                row_error(row, (enum labs_csv_column)c, "too_long", "longer than %d bytes",
                          LABS_CSV_MAX_FIELD);
            continue;
        }
        s[c] = csv_field(r, i, &len[c]);
        row->text[c] = strndup(s[c], len[c]);
        if (!row->text[c])
            return ST_NOMEM;
        if (memchr(s[c], '\n', len[c]) || memchr(s[c], '\r', len[c]) ||
            memchr(s[c], '\t', len[c])) {
            /* Valid in a quoted field, but never part of a lab value. */
            bad[c] = true;
            row_error(row, (enum labs_csv_column)c, "invalid_value", "holds control characters");
        }
    }
    if (csv_nfields(r) != header_fields)
        row_error(row, ROW_ONLY, "field_count", "has %zu fields where the header has %zu",
                  csv_nfields(r), header_fields);

    for (c = 0; c < LABS_CSV_NCOLUMNS; c++) {
        bool optional = c == LABS_CSV_REFERENCE_LOW || c == LABS_CSV_REFERENCE_HIGH ||
                        c == LABS_CSV_MRN || c == LABS_CSV_UNIT;
        if (where[c] < 0 || bad[c] || len[c] > 0 || optional)
            continue;
        bad[c] = true;
        row_error(row, (enum labs_csv_column)c, "required", "is empty");
    }
    if (!bad[LABS_CSV_DATE] &&
        !parse_when(s[LABS_CSV_DATE], len[LABS_CSV_DATE], tz_min, &row->time_ms, &row->date_only))
        row_error(row, LABS_CSV_DATE, "invalid_date",
                  "'%.*s' is not a date (YYYY-MM-DD) or an ISO 8601 date-time",
                  shown(s[LABS_CSV_DATE], len[LABS_CSV_DATE]), s[LABS_CSV_DATE]);
    if (!bad[LABS_CSV_ANALYTE]) {
        row->analyte = labs_find_name(table, s[LABS_CSV_ANALYTE], len[LABS_CSV_ANALYTE]);
        if (!row->analyte)
            row_error(row, LABS_CSV_ANALYTE, "unknown_analyte", "'%.*s' is not a known analyte",
                      shown(s[LABS_CSV_ANALYTE], len[LABS_CSV_ANALYTE]), s[LABS_CSV_ANALYTE]);
    }
    if (!bad[LABS_CSV_VALUE] && !parse_number(s[LABS_CSV_VALUE], len[LABS_CSV_VALUE], &row->value))
        row_error(row, LABS_CSV_VALUE, "invalid_number",
                  "'%.*s' is not a number (digits with a point for decimals, as in 1.2; no "
                  "thousands separators)",
                  shown(s[LABS_CSV_VALUE], len[LABS_CSV_VALUE]), s[LABS_CSV_VALUE]);
    if (!bad[LABS_CSV_UNIT] && row->analyte) {
        row->unit = labs_unit_parse(row->analyte, row->text[LABS_CSV_UNIT]);
        if (!row->unit) {
            unit_list(row->analyte, units, sizeof(units));
            row_error(row, LABS_CSV_UNIT, "unknown_unit",
                      "'%.*s' is not a unit of %s (accepted: %s)",
                      shown(s[LABS_CSV_UNIT], len[LABS_CSV_UNIT]), s[LABS_CSV_UNIT],
                      row->analyte->label_en, units);
        }
    }
    for (c = LABS_CSV_REFERENCE_LOW; c <= LABS_CSV_REFERENCE_HIGH; c++) {
        bool low = c == LABS_CSV_REFERENCE_LOW;
        double v;
        if (bad[c] || len[c] == 0)
            continue;
        if (!parse_number(s[c], len[c], &v)) {
            bad[c] = true;
            row_error(row, (enum labs_csv_column)c, "invalid_number",
                      "'%.*s' is not a number (digits with a point for decimals, as in 1.2; no "
                      "thousands separators)",
                      shown(s[c], len[c]), s[c]);
            continue;
        }
        *(low ? &row->reference_low : &row->reference_high) = v;
        *(low ? &row->has_low : &row->has_high) = true;
    }
    if (row->has_low && row->has_high && row->reference_low > row->reference_high)
        row_error(row, LABS_CSV_REFERENCE_HIGH, "invalid_range", "%.*s is below reference_low %.*s",
                  shown(s[LABS_CSV_REFERENCE_HIGH], len[LABS_CSV_REFERENCE_HIGH]),
                  s[LABS_CSV_REFERENCE_HIGH],
                  shown(s[LABS_CSV_REFERENCE_LOW], len[LABS_CSV_REFERENCE_LOW]),
                  s[LABS_CSV_REFERENCE_LOW]);
    if (!bad[LABS_CSV_MRN] && len[LABS_CSV_MRN] > 0 && !mrn_valid(row->text[LABS_CSV_MRN]))
        row_error(row, LABS_CSV_MRN, "invalid_mrn", "'%.*s' is not a medical record number",
                  shown(s[LABS_CSV_MRN], len[LABS_CSV_MRN]), s[LABS_CSV_MRN]);
    if (row->nerrors == 0 &&
        labs_to_canonical(row->analyte, row->value, row->unit, &row->canonical) != ST_OK)
        row_error(row, LABS_CSV_VALUE, "invalid_number", "'%s' cannot be converted to %s",
                  row->text[LABS_CSV_VALUE], row->analyte->canonical->symbol);
    row->ok = row->nerrors == 0;
    return ST_OK;
}

/* ---- the file ---- */

/* Maps header names to columns: where[c] is the field index of column c, or -1. */
static int
read_header(const struct csv_reader *r, int *where, struct fail *f)
{
    char name[40];
    size_t len, i;
    int c;

    for (c = 0; c < LABS_CSV_NCOLUMNS; c++)
        where[c] = -1;
    if (csv_nfields(r) > LABS_CSV_MAX_COLUMNS)
        return fail_set(f, ST_TOO_BIG, "", "too_big", "row 1: more than %d columns",
                        LABS_CSV_MAX_COLUMNS);
    for (i = 0; i < csv_nfields(r); i++) {
        const char *s = csv_field(r, i, &len);
        if (csv_field_too_long(r, i))
            return fail_set(f, ST_INVALID, "", "too_long",
                            "row 1, column %zu: the header name is longer than %d bytes", i + 1,
                            LABS_CSV_MAX_FIELD);
        /* "Reference Low", "reference-low" and "REFERENCE_LOW" name the same column; a name
         * longer than any known one is a column to ignore. */
        if (!csv_header_key(s, len, name, sizeof(name)))
            continue;
        for (c = 0; c < LABS_CSV_NCOLUMNS; c++) {
            if (strcmp(name, column_names[c]) != 0)
                continue;
            if (where[c] >= 0)
                return fail_set(f, ST_INVALID, column_names[c], "duplicate_column",
                                "row 1: the column '%s' appears twice", column_names[c]);
            where[c] = (int)i;
        }
    }
    for (c = 0; c <= LABS_CSV_UNIT; c++)
        if (where[c] < 0)
            return fail_set(f, ST_INVALID, column_names[c], "missing_column",
                            "row 1: the header has no column '%s' (required: date, analyte, "
                            "value, unit)",
                            column_names[c]);
    return ST_OK;
}

int
labs_csv_parse(const struct labs *table, const char *data, size_t n, int tz_offset_min,
               struct labs_csv_preview *out, struct fail *f)
{
    struct csv_reader *r = NULL;
    int where[LABS_CSV_NCOLUMNS];
    size_t cap = 0, header_fields;
    int st;

    memset(out, 0, sizeof(*out));
    if (!table || (!data && n > 0))
        return ST_INVALID;
    if (tz_offset_min < -840 || tz_offset_min > 840)
        return fail_set(f, ST_INVALID, "", "invalid_value",
                        "time zone offset %d minutes is outside -14:00..+14:00", tz_offset_min);
    if ((st = csv_check_text(&data, &n, LABS_CSV_MAX_BYTES, f)) != ST_OK)
        return st;
    r = csv_reader_new(data, n, ',');
    if (!r)
        return ST_NOMEM;
    st = csv_next(r, f);
    if (st == 0)
        st = fail_set(f, ST_INVALID, "", "empty", "the file is empty: a header row is required");
    if (st < 0)
        goto out;
    st = read_header(r, where, f);
    if (st != ST_OK)
        goto out;
    header_fields = csv_nfields(r);
    while ((st = csv_next(r, f)) == 1) {
        if (csv_empty_record(r))
            continue;
        if (out->nrows == LABS_CSV_MAX_ROWS) {
            st = fail_set(f, ST_TOO_BIG, "", "too_big", "row %zu: more than %d rows", csv_row(r),
                          LABS_CSV_MAX_ROWS);
            goto out;
        }
        if (out->nrows == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            struct labs_csv_row *grown;
            if (ncap > LABS_CSV_MAX_ROWS)
                ncap = LABS_CSV_MAX_ROWS;
            grown = realloc(out->rows, ncap * sizeof(*grown));
            if (!grown) {
                st = ST_NOMEM;
                goto out;
            }
            out->rows = grown;
            cap = ncap;
        }
        struct labs_csv_row *row = &out->rows[out->nrows++];
        memset(row, 0, sizeof(*row));
        st = check_row(table, r, header_fields, where, tz_offset_min, row);
        if (st != ST_OK)
            goto out;
        if (row->ok)
            out->nok++;
        else
            out->nfailed++;
    }
out:
    csv_reader_free(r);
    if (st < 0) {
        labs_csv_release(out);
        return st;
    }
    return ST_OK;
}

void
labs_csv_release(struct labs_csv_preview *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrows; i++) {
        for (int c = 0; c < LABS_CSV_NCOLUMNS; c++)
            free(p->rows[i].text[c]);
        free(p->rows[i].errors);
    }
    free(p->rows);
    memset(p, 0, sizeof(*p));
}
