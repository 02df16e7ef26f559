/* A trichoscopy export read into a preview: the records of core/csv, the header mapped to the
 * known columns, then each row checked field by field against the measures of measures.json. */
#include "clinic/trichoscopy_csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/docin.h"
#include "core/date.h"

static const char *const column_names[TRICHOSCOPY_NCOLUMNS] = {
    "date",
    "mrn",
    "area_cm2",
    "hair_count",
    "hair_density",
    "terminal_density",
    "vellus_density",
    "anagen_percent",
    "telogen_percent",
    "shaft_diameter",
};

/* Header names (as keys, see header_key) and the column each names. */
static const struct {
    const char *key;
    enum trichoscopy_column column;
} aliases[] = {
    {"date", TRICHOSCOPY_DATE},
    {"mrn", TRICHOSCOPY_MRN},
    {"area", TRICHOSCOPY_AREA},
    {"area_cm2", TRICHOSCOPY_AREA},
    {"hair_count", TRICHOSCOPY_HAIR_COUNT},
    {"count", TRICHOSCOPY_HAIR_COUNT},
    {"density", TRICHOSCOPY_HAIR_DENSITY},
    {"hair_density", TRICHOSCOPY_HAIR_DENSITY},
    {"terminal_density", TRICHOSCOPY_TERMINAL_DENSITY},
    {"vellus_density", TRICHOSCOPY_VELLUS_DENSITY},
    {"anagen", TRICHOSCOPY_ANAGEN_PERCENT},
    {"anagen_percent", TRICHOSCOPY_ANAGEN_PERCENT},
    {"telogen", TRICHOSCOPY_TELOGEN_PERCENT},
    {"telogen_percent", TRICHOSCOPY_TELOGEN_PERCENT},
    {"diameter", TRICHOSCOPY_SHAFT_DIAMETER},
    {"mean_diameter", TRICHOSCOPY_SHAFT_DIAMETER},
    {"shaft_diameter", TRICHOSCOPY_SHAFT_DIAMETER},
};
#define NALIASES (sizeof(aliases) / sizeof(aliases[0]))

#define ROW_ONLY (-1)
#define KEY_MAX 40

const char *
trichoscopy_column_name(enum trichoscopy_column c)
{
    if ((int)c < 0 || c >= TRICHOSCOPY_NCOLUMNS)
        return NULL;
    return column_names[c];
}

/* ---- the header ---- */

/* A header name as a key: units in brackets or parentheses dropped, ASCII letters lower-cased,
 * every other ASCII sign or space one underscore, none at either end. Bytes of other scripts
 * are kept, so that a name in another language stays a column to ignore. False when the key
 * does not fit (longer than any known name). */
static bool
header_key(const char *s, size_t len, char out[KEY_MAX])
{
    size_t k = 0;
    int depth = 0;
    bool gap = false;

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '[' || ch == '(') {
            depth++;
            continue;
        }
        if ((ch == ']' || ch == ')') && depth > 0) {
            depth--;
            continue;
        }
        if (depth > 0)
            continue;
        bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch >= 0x80;
        if (!word) {
            gap = k > 0;
            continue;
        }
        if (gap) {
            if (k + 1 >= KEY_MAX)
                return false;
            out[k++] = '_';
            gap = false;
        }
        if (k + 1 >= KEY_MAX)
            return false;
        out[k++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : (char)ch;
    }
    out[k] = '\0';
    return true;
}

static int
add_ignored(struct trichoscopy_preview *p, const char *s, size_t len)
{
    char **grown = realloc(p->ignored, (p->nignored + 1) * sizeof(*grown));
    if (!grown)
        return ST_NOMEM;
    p->ignored = grown;
    if (!(grown[p->nignored] = strndup(s, len)))
        return ST_NOMEM;
    p->nignored++;
    return ST_OK;
}

/* Maps header names to columns: where[c] is the field index of column c, or -1. */
static int
read_header(const struct measures *m, const struct csv_reader *r, int *where,
            struct trichoscopy_preview *p, struct fail *f)
{
    char key[KEY_MAX];
    size_t len;
    int c;

    for (c = 0; c < TRICHOSCOPY_NCOLUMNS; c++)
        where[c] = -1;
    if (csv_nfields(r) > CSV_MAX_COLUMNS)
        return fail_set(f, ST_TOO_BIG, "", "too_big", "row 1: more than %d columns",
                        CSV_MAX_COLUMNS);
    for (size_t i = 0; i < csv_nfields(r); i++) {
        const char *s = csv_field(r, i, &len);
        if (csv_field_too_long(r, i))
            return fail_set(f, ST_INVALID, "", "too_long",
                            "row 1, column %zu: the header name is longer than %d bytes", i + 1,
                            CSV_MAX_FIELD);
        int col = -1;
        if (header_key(s, len, key))
            for (size_t a = 0; a < NALIASES && col < 0; a++)
                if (strcmp(key, aliases[a].key) == 0)
                    col = (int)aliases[a].column;
        /* A measure the clinic has taken out of measures.json is not imported. */
        if (col >= TRICHOSCOPY_FIRST_MEASURE && !measures_find(m, column_names[col]))
            col = -1;
        if (col < 0) {
            if (len > 0 && add_ignored(p, s, len) != ST_OK)
                return ST_NOMEM;
            continue;
        }
        if (where[col] >= 0)
            return fail_set(f, ST_INVALID, column_names[col], "duplicate_column",
                            "row 1: columns %d and %zu both give '%s'", where[col] + 1, i + 1,
                            column_names[col]);
        where[col] = (int)i;
        p->present[col] = true;
    }
    if (where[TRICHOSCOPY_DATE] < 0)
        return fail_set(f, ST_INVALID, "date", "missing_column",
                        "row 1: the header has no column 'date'");
    for (c = TRICHOSCOPY_FIRST_MEASURE; c < TRICHOSCOPY_NCOLUMNS; c++)
        if (where[c] >= 0)
            return ST_OK;
    return fail_set(f, ST_INVALID, "", "missing_column",
                    "row 1: the header has no measure column (count, density, "
                    "terminal_density, vellus_density, anagen, telogen or diameter)");
}

/* ---- values ---- */

/* How much of a person's text goes into a message: enough to recognise, cut at a character. */
static int
shown(const char *s, size_t n)
{
    size_t k = n < 60 ? n : 60;

    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

/* A decimal number: an optional sign, digits, and optionally a decimal point (or, in a
 * semicolon file, a decimal comma) with more digits. No thousands separators or exponents. */
static bool
parse_number(const char *s, size_t n, bool decimal_comma, double *out)
{
    char tmp[40];
    size_t i = 0, digits = 0;
    char *end;

    *out = 0;
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (tmp[0] == '-' || tmp[0] == '+')
        i++;
    while (i < n && tmp[i] >= '0' && tmp[i] <= '9')
        i++, digits++;
    if (digits == 0)
        return false;
    if (i < n && (tmp[i] == '.' || (decimal_comma && tmp[i] == ','))) {
        size_t frac = 0;
        tmp[i] = '.';
        for (i++; i < n && tmp[i] >= '0' && tmp[i] <= '9'; i++)
            frac++;
        if (frac == 0)
            return false;
    }
    if (i != n)
        return false;
    errno = 0;
    *out = strtod(tmp, &end);
    return errno == 0 && end == tmp + n && isfinite(*out);
}

static int
two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DD" or "DD.MM.YYYY" (a single-digit day or month too: "1.3.2026"), a real day. */
static bool
parse_date(const char *s, size_t n, char out[11])
{
    struct date d;
    char iso[11];

    if (n == 10 && s[4] == '-' && s[7] == '-') {
        memcpy(iso, s, 10);
    } else {
        const char *dot1 = memchr(s, '.', n);
        const char *dot2 = dot1 ? memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - s)) : NULL;
        if (!dot2)
            return false;
        size_t dl = (size_t)(dot1 - s), ml = (size_t)(dot2 - dot1 - 1);
        size_t yl = n - (size_t)(dot2 + 1 - s);
        if (dl < 1 || dl > 2 || ml < 1 || ml > 2 || yl != 4)
            return false;
        char day[3] = {'0', '0', 0}, mon[3] = {'0', '0', 0};
        memcpy(day + 2 - dl, s, dl);
        memcpy(mon + 2 - ml, dot1 + 1, ml);
        if (two_digits(day) < 0 || two_digits(mon) < 0)
            return false;
        memcpy(iso, dot2 + 1, 4);
        iso[4] = '-';
        memcpy(iso + 5, mon, 2);
        iso[7] = '-';
        memcpy(iso + 8, day, 2);
    }
    iso[10] = '\0';
    if (date_parse(iso, &d) != ST_OK)
        return false;
    date_format(&d, out);
    return true;
}

/* ---- rows ---- */

static void row_error(struct trichoscopy_row *row, int col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
row_error(struct trichoscopy_row *row, int col, const char *code, const char *fmt, ...)
{
    char problem[200];
    va_list ap;

    /* One error per column at most, plus one for the row: the array never grows. */
    if (row->nerrors >= TRICHOSCOPY_NCOLUMNS + 1)
        return;
    struct fail *e = &row->errors[row->nerrors++];
    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    if (col < 0)
        fail_set(e, ST_INVALID, "", code, "row %zu: %s", row->row, problem);
    else
        fail_set(e, ST_INVALID, column_names[col], code, "row %zu, column '%s': %s", row->row,
                 column_names[col], problem);
}

/* A measure's value: parsed, rounded to its decimals, checked against its range. */
static void
check_measure(const struct measures_measure *mm, int c, const char *s, size_t len,
              bool decimal_comma, struct trichoscopy_row *row)
{
    double v;
    struct fail e;

    if (!parse_number(s, len, decimal_comma, &v)) {
        row_error(row, c, "invalid_number",
                  "'%.*s' is not a number (digits, with a decimal point%s; no thousands "
                  "separators)",
                  shown(s, len), s, decimal_comma ? " or comma" : "");
        return;
    }
    if (mm->type == MEASURES_NUMBER) {
        double scale = pow(10, mm->decimals);
        v = round(v * scale) / scale;
    }
    if (measures_check_number(mm, v, column_names[c], &e) != ST_OK) {
        /* The message of measures names the measure: the row's names the column instead. */
        if (strcmp(e.code, "out_of_range") == 0)
            row_error(row, c, e.code, "'%.*s' is outside %g to %g", shown(s, len), s, mm->min,
                      mm->max);
        else
            row_error(row, c, e.code, "'%.*s' is not a whole number", shown(s, len), s);
        return;
    }
    row->has[c] = true;
    row->value[c] = v;
}

static int
check_row(const struct measures *m, const struct csv_reader *r, size_t header_fields,
          const int *where, bool decimal_comma, const struct trichoscopy_context *ctx,
          struct trichoscopy_row *row)
{
    const char *s[TRICHOSCOPY_NCOLUMNS] = {0};
    size_t len[TRICHOSCOPY_NCOLUMNS] = {0};
    bool bad[TRICHOSCOPY_NCOLUMNS] = {0};
    int c;

    row->row = csv_row(r);
    row->errors = calloc(TRICHOSCOPY_NCOLUMNS + 1, sizeof(*row->errors));
    if (!row->errors)
        return ST_NOMEM;
    for (c = 0; c < TRICHOSCOPY_NCOLUMNS; c++) {
        if (where[c] < 0)
            continue;
        size_t i = (size_t)where[c];
        if (i >= csv_kept(r)) {
            bad[c] = true;
            continue;
        }
        if (csv_field_too_long(r, i)) {
            bad[c] = true;
            row_error(row, c, "too_long", "longer than %d bytes", CSV_MAX_FIELD);
            continue;
        }
        s[c] = csv_field(r, i, &len[c]);
        if (memchr(s[c], '\n', len[c]) || memchr(s[c], '\r', len[c]) ||
            memchr(s[c], '\t', len[c])) {
            /* Valid in a quoted field, but never part of a date, a code or a number. */
            bad[c] = true;
            row_error(row, c, "invalid_value", "holds control characters");
        }
    }
    if (csv_nfields(r) != header_fields)
        row_error(row, ROW_ONLY, "field_count", "has %zu fields where the header has %zu",
                  csv_nfields(r), header_fields);

    if (!bad[TRICHOSCOPY_DATE]) {
        const char *d = s[TRICHOSCOPY_DATE];
        size_t dn = len[TRICHOSCOPY_DATE];
        if (dn == 0)
            row_error(row, TRICHOSCOPY_DATE, "required", "is empty");
        else if (!parse_date(d, dn, row->date))
            row_error(row, TRICHOSCOPY_DATE, "invalid_date",
                      "'%.*s' is not a date (YYYY-MM-DD or DD.MM.YYYY)", shown(d, dn), d);
        else if (ctx && ctx->today && strcmp(row->date, ctx->today) > 0)
            row_error(row, TRICHOSCOPY_DATE, "future_date", "%s is after today in the clinic",
                      row->date);
        else if (ctx && ctx->date_of_birth && ctx->date_of_birth[0] &&
                 strcmp(row->date, ctx->date_of_birth) < 0)
            row_error(row, TRICHOSCOPY_DATE, "invalid_date",
                      "%s is before the patient's date of birth (%s)", row->date,
                      ctx->date_of_birth);
        else
            row->has_date = true;
    }
    if (!bad[TRICHOSCOPY_MRN] && len[TRICHOSCOPY_MRN] > 0 && ctx && ctx->mrn) {
        const char *v = s[TRICHOSCOPY_MRN];
        size_t vn = len[TRICHOSCOPY_MRN];
        if (vn != strlen(ctx->mrn) || strncmp(v, ctx->mrn, vn) != 0)
            row_error(row, TRICHOSCOPY_MRN, "mrn_mismatch",
                      "'%.*s' is not this patient's medical record number (%s)", shown(v, vn), v,
                      ctx->mrn);
    }
    if (!bad[TRICHOSCOPY_AREA] && len[TRICHOSCOPY_AREA] > 0) {
        const char *v = s[TRICHOSCOPY_AREA];
        size_t vn = len[TRICHOSCOPY_AREA];
        double a;
        if (!parse_number(v, vn, decimal_comma, &a))
            row_error(row, TRICHOSCOPY_AREA, "invalid_number", "'%.*s' is not a number",
                      shown(v, vn), v);
        else if (!(a > 0 && a <= TRICHOSCOPY_AREA_MAX_CM2))
            row_error(row, TRICHOSCOPY_AREA, "out_of_range",
                      "'%.*s' is not above 0 and at most %g cm²", shown(v, vn), v,
                      TRICHOSCOPY_AREA_MAX_CM2);
        else {
            row->has_area = true;
            row->area_cm2 = a;
        }
    }
    bool any = false;
    for (c = TRICHOSCOPY_FIRST_MEASURE; c < TRICHOSCOPY_NCOLUMNS; c++) {
        if (where[c] < 0 || bad[c])
            continue;
        if (len[c] == 0)
            continue; /* this examination did not give that measure */
        any = true;
        check_measure(measures_find(m, column_names[c]), c, s[c], len[c], decimal_comma, row);
    }
    if (!any)
        row_error(row, ROW_ONLY, "required", "holds no measurement");
    row->ok = row->nerrors == 0;
    return ST_OK;
}

/* Keeps the errors in column order: the row's own error (field "") comes after the columns. */
static int
error_rank(const struct fail *e)
{
    for (int c = 0; c < TRICHOSCOPY_NCOLUMNS; c++)
        if (strcmp(e->field, column_names[c]) == 0)
            return c;
    return TRICHOSCOPY_NCOLUMNS;
}

static void
sort_errors(struct trichoscopy_row *row)
{
    for (size_t i = 1; i < row->nerrors; i++) {
        struct fail e = row->errors[i];
        size_t k = i;
        while (k > 0 && error_rank(&row->errors[k - 1]) > error_rank(&e)) {
            row->errors[k] = row->errors[k - 1];
            k--;
        }
        row->errors[k] = e;
    }
}

/* ---- the file ---- */

int
trichoscopy_csv_parse(const struct measures *m, const char *data, size_t n,
                      const struct trichoscopy_context *ctx, struct trichoscopy_preview *out,
                      struct fail *f)
{
    struct csv_reader *r = NULL;
    int where[TRICHOSCOPY_NCOLUMNS];
    size_t cap = 0, header_fields;
    int st;

    memset(out, 0, sizeof(*out));
    if (!m || (!data && n > 0))
        return ST_INVALID;
    if ((st = csv_check_text(&data, &n, TRICHOSCOPY_CSV_MAX_BYTES, f)) != ST_OK)
        return st;
    out->delimiter = csv_sniff_delimiter(data, n);
    r = csv_reader_new(data, n, out->delimiter);
    if (!r)
        return ST_NOMEM;
    st = csv_next(r, f);
    if (st == 0)
        st = fail_set(f, ST_INVALID, "", "empty", "the file is empty: a header row is required");
    if (st < 0)
        goto out;
    if ((st = read_header(m, r, where, out, f)) != ST_OK)
        goto out;
    header_fields = csv_nfields(r);
    while ((st = csv_next(r, f)) == 1) {
        if (csv_empty_record(r))
            continue;
        if (out->nrows == TRICHOSCOPY_CSV_MAX_ROWS) {
            st = fail_set(f, ST_TOO_BIG, "", "too_big", "row %zu: more than %d rows", csv_row(r),
                          TRICHOSCOPY_CSV_MAX_ROWS);
            goto out;
        }
        if (out->nrows == cap) {
            size_t ncap = cap ? 2 * cap : 32;
            if (ncap > TRICHOSCOPY_CSV_MAX_ROWS)
                ncap = TRICHOSCOPY_CSV_MAX_ROWS;
            struct trichoscopy_row *grown = realloc(out->rows, ncap * sizeof(*grown));
            if (!grown) {
                st = ST_NOMEM;
                goto out;
            }
            out->rows = grown;
            cap = ncap;
        }
        struct trichoscopy_row *row = &out->rows[out->nrows++];
        memset(row, 0, sizeof(*row));
        st = check_row(m, r, header_fields, where, out->delimiter == ';', ctx, row);
        if (st != ST_OK)
            goto out;
        sort_errors(row);
        if (row->ok)
            out->nok++;
        else
            out->nfailed++;
    }
out:
    csv_reader_free(r);
    if (st < 0) {
        trichoscopy_csv_release(out);
        return st;
    }
    return ST_OK;
}

void
trichoscopy_csv_release(struct trichoscopy_preview *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrows; i++)
        free(p->rows[i].errors);
    free(p->rows);
    for (size_t i = 0; i < p->nignored; i++)
        free(p->ignored[i]);
    free(p->ignored);
    memset(p, 0, sizeof(*p));
}

/* ---- the answer ---- */

/* Appends v to arr (taking the reference); false when either is missing. */
static bool
append(json_t *arr, json_t *v)
{
    return arr && v && json_array_append_new(arr, v) == 0;
}

static json_t *
row_json(const struct trichoscopy_row *row)
{
    json_t *values = json_object(), *errors = json_array();
    bool ok = values && errors;

    for (int c = TRICHOSCOPY_FIRST_MEASURE; ok && c < TRICHOSCOPY_NCOLUMNS; c++)
        if (row->has[c])
            ok = json_object_set_new(values, column_names[c], docin_number_value(row->value[c])) ==
                 0;
    for (size_t i = 0; ok && i < row->nerrors; i++) {
        const struct fail *e = &row->errors[i];
        ok = append(errors, json_pack("{s:o, s:s, s:s}", "field",
                                      e->field[0] ? json_string(e->field) : json_null(), "code",
                                      e->code, "message", e->message));
    }
    if (!ok) {
        json_decref(values);
        json_decref(errors);
        return NULL;
    }
    return json_pack("{s:I, s:b, s:o, s:o, s:o, s:o}", "row", (json_int_t)row->row, "ok", row->ok,
                     "date", row->has_date ? json_string(row->date) : json_null(), "area_cm2",
                     row->has_area ? docin_number_value(row->area_cm2) : json_null(), "values",
                     values, "errors", errors);
}

json_t *
trichoscopy_preview_json(const struct trichoscopy_preview *p)
{
    json_t *columns = json_array(), *ignored = json_array(), *rows = json_array();
    bool ok = columns && ignored && rows;
    char delim[2] = {p->delimiter ? p->delimiter : ',', '\0'};

    for (int c = 0; ok && c < TRICHOSCOPY_NCOLUMNS; c++)
        if (p->present[c])
            ok = append(columns, json_string(column_names[c]));
    for (size_t i = 0; ok && i < p->nignored; i++)
        ok = append(ignored, json_string(p->ignored[i]));
    for (size_t i = 0; ok && i < p->nrows; i++)
        ok = append(rows, row_json(&p->rows[i]));
    if (!ok) {
        json_decref(columns);
        json_decref(ignored);
        json_decref(rows);
        return NULL;
    }
    return json_pack("{s:b, s:s, s:o, s:o, s:o, s:I, s:I}", "committed", 0, "delimiter", delim,
                     "columns", columns, "ignored_columns", ignored, "rows", rows, "valid",
                     (json_int_t)p->nok, "invalid", (json_int_t)p->nfailed);
}
