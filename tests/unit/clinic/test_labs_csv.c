/* Unit tests of src/clinic/labs_csv.c: RFC 4180 details (quotes, CRLF, BOM), the header, every
 * kind of row error with its row, column and message, dates and zones, and the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/labs.h"
#include "clinic/labs_csv.h"
#include "core/buf.h"
#include "core/date.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/labs.json"

static struct labs *table;

static int
setup(void **state)
{
    struct fail f = {0};

    (void)state;
    if (labs_load(SHIPPED, &table, &f) != ST_OK) {
        fprintf(stderr, "cannot load %s: %s\n", SHIPPED, f.message);
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    labs_free(table);
    table = NULL;
    return 0;
}

/* One row expected in a preview: accepted with this analyte and canonical value, or refused
 * with an error on `column` with `code` whose message holds `msg`. */
struct row_expect {
    size_t row;
    const char *analyte;
    double canonical;
    const char *column; /* NULL: the row is accepted */
    const char *code;
    const char *msg;
};

struct csv_case {
    const char *name;
    const char *csv;
    int status; /* of labs_csv_parse */
    const char *code;
    const char *field;
    const char *msg;
    size_t nrows, nok;
    struct row_expect rows[3];
};

#define H "date,analyte,value,unit\n"

static const struct csv_case csv_cases[] = {
    {"one row",
     H "2026-03-01,haemoglobin,13.5,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "haemoglobin", 13.5, NULL, NULL, NULL}}},
    {"no final newline",
     H "2026-03-01,haemoglobin,13.5,g/dL",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "haemoglobin", 13.5, NULL, NULL, NULL}}},
    {"English names and unit conversion",
     H "2026-03-01,Platelet count,250000,/uL\n2026-03-01,Hemoglobin,135,g/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     2,
     {{2, "platelets", 250, NULL, NULL, NULL}, {3, "haemoglobin", 13.5, NULL, NULL, NULL}}},
    {"CRLF",
     "date,analyte,value,unit\r\n2026-03-01,Hb,135,g/L\r\n2026-03-01,PLT,250,K/uL\r\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     2,
     {{2, "haemoglobin", 13.5, NULL, NULL, NULL}, {3, "platelets", 250, NULL, NULL, NULL}}},
    {"BOM",
     "\xEF\xBB\xBF" H "2026-03-01,ferritin,25,ng/mL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "ferritin", 25, NULL, NULL, NULL}}},
    {"quoted commas and quotes",
     "date,analyte,value,unit,comment\n"
     "2026-03-01,\"Vitamin D (25-OH)\",74.88,nmol/L,\"low, recheck \"\"fasting\"\"\"\n"
     "\"2026-03-01\",\"HbA1c\",\"48\",\"mmol/mol\",\"\"\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     2,
     {{2, "vitamin_d", 30, NULL, NULL, NULL}, {3, "hba1c", 48, NULL, NULL, NULL}}},
    {"spaces around fields",
     H " 2026-03-01 , glucose , 90.08 , mg/dL \n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "glucose", 5, NULL, NULL, NULL}}},
    {"unitless INR",
     H "2026-03-01,INR,1.1,\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "inr", 1.1, NULL, NULL, NULL}}},
    {"empty rows skipped, numbering kept",
     H "\n2026-03-01,tsh,2.5,uIU/mL\n,,,\n\r\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{3, "tsh", 2.5, NULL, NULL, NULL}}},
    {"header only", H, ST_OK, NULL, NULL, NULL, 0, 0, {{0}}},
    {"header variants and optional columns",
     "Date,ANALYTE,Value,Unit,Reference Low,Reference-High,MRN,Lab\n"
     "2026-03-01,ferritin,25,ug/L,30,400,10000012,Example Lab\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "ferritin", 25, NULL, NULL, NULL}}},
    {"columns in another order",
     "unit,value,analyte,date\ng/dL,9.8,Hb,2026-03-01\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     1,
     {{2, "haemoglobin", 9.8, NULL, NULL, NULL}}},
    /* row errors */
    {"bad date",
     H "2026-02-30,haemoglobin,13,g/dL\n2026-03-01,haemoglobin,13,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     1,
     {{2, NULL, 0, "date", "invalid_date", "row 2, column 'date': '2026-02-30' is not a date"},
      {3, "haemoglobin", 13, NULL, NULL, NULL}}},
    {"day-first date",
     H "01/03/2026,haemoglobin,13,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "date", "invalid_date", "'01/03/2026' is not a date"}}},
    {"date-time with a bad hour",
     H "2026-03-01T24:00:00Z,haemoglobin,13,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "date", "invalid_date", "is not a date"}}},
    {"decimal comma",
     H "2026-03-01,haemoglobin,\"1,2\",g/dL\n2026-03-01,haemoglobin,1.2,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     1,
     {{2, NULL, 0, "value", "invalid_number", "row 2, column 'value': '1,2' is not a number"},
      {3, "haemoglobin", 1.2, NULL, NULL, NULL}}},
    {"thousands separator",
     H "2026-03-01,platelets,\"250,000\",/uL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "value", "invalid_number", "no thousands separators"}}},
    {"negative value",
     H "2026-03-01,platelets,-250,/uL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "value", "invalid_number", "'-250' is not a number"}}},
    {"qualifier",
     H "2026-03-01,tsh,<0.01,mIU/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "value", "invalid_number", "'<0.01'"}}},
    {"exponent",
     H "2026-03-01,tsh,1e3,mIU/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "value", "invalid_number", "'1e3'"}}},
    {"bare point",
     H "2026-03-01,tsh,5.,mIU/L\n2026-03-01,tsh,.5,mIU/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     0,
     {{2, NULL, 0, "value", "invalid_number", "'5.'"},
      {3, NULL, 0, "value", "invalid_number", "'.5'"}}},
    {"empty value",
     H "2026-03-01,tsh,,mIU/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "value", "required", "row 2, column 'value': is empty"}}},
    {"unknown analyte",
     H "2026-03-01,Cholesterol,5.2,mmol/L\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "analyte", "unknown_analyte",
       "row 2, column 'analyte': 'Cholesterol' is not a known analyte"}}},
    {"unit that does not fit",
     H "2026-03-01,haemoglobin,13,mmHg\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "unit", "unknown_unit",
       "row 2, column 'unit': 'mmHg' is not a unit of Haemoglobin (accepted: g/dL, g/L)"}}},
    {"percent is not a neutrophil count",
     H "2026-03-01,Neutrophils,60,%\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "unit", "unknown_unit", "'%' is not a unit of Neutrophils"}}},
    {"empty unit where one is needed",
     H "2026-03-01,glucose,5.1,\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "unit", "unknown_unit", "'' is not a unit of Glucose"}}},
    {"several errors in one row",
     H "yesterday,haemoglobin,abc,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "date", "invalid_date", "'yesterday'"},
      {2, NULL, 0, "value", "invalid_number", "'abc'"}}},
    {"too few fields",
     H "2026-03-01,haemoglobin,13\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "", "field_count", "row 2: has 3 fields where the header has 4"}}},
    {"too many fields",
     H "2026-03-01,haemoglobin,13,g/dL,x\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "", "field_count", "has 5 fields"}}},
    {"reference range upside down",
     "date,analyte,value,unit,reference_low,reference_high\n2026-03-01,ferritin,25,ng/mL,400,30\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "reference_high", "invalid_range", "30 is below reference_low 400"}}},
    {"an unquoted decimal comma in a reference",
     "date,analyte,value,unit,reference_low,reference_high\n2026-03-01,ferritin,25,ng/mL,,1,5\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "", "field_count", "has 7 fields"}}},
    {"reference with a comma",
     "date,analyte,value,unit,reference_low,reference_high\n"
     "2026-03-01,ferritin,25,ng/mL,\"1,5\",400\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "reference_low", "invalid_number", "'1,5' is not a number"}}},
    {"bad MRN",
     "date,analyte,value,unit,mrn\n2026-03-01,ferritin,25,ng/mL,10000013\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     1,
     0,
     {{2, NULL, 0, "mrn", "invalid_mrn", "'10000013' is not a medical record number"}}},
    {"line break inside a quoted value, rows counted as records",
     H "2026-03-01,haemoglobin,\"13\n5\",g/dL\n2026-03-01,haemoglobin,13,g/dL\n",
     ST_OK,
     NULL,
     NULL,
     NULL,
     2,
     1,
     {{2, NULL, 0, "value", "invalid_value", "control characters"},
      {3, "haemoglobin", 13, NULL, NULL, NULL}}},
    /* the whole file */
    {"missing column",
     "date,analyte,value\n2026-03-01,haemoglobin,13\n",
     ST_INVALID,
     "missing_column",
     "unit",
     "the header has no column 'unit'",
     0,
     0,
     {{0}}},
    {"missing date column",
     "analyte,value,unit\nhaemoglobin,13,g/dL\n",
     ST_INVALID,
     "missing_column",
     "date",
     "no column 'date'",
     0,
     0,
     {{0}}},
    {"duplicate column",
     "date,analyte,value,unit,Unit\n",
     ST_INVALID,
     "duplicate_column",
     "unit",
     "appears twice",
     0,
     0,
     {{0}}},
    {"empty file", "", ST_INVALID, "empty", "", "header row", 0, 0, {{0}}},
    {"only a BOM", "\xEF\xBB\xBF", ST_INVALID, "empty", "", "header row", 0, 0, {{0}}},
    {"not UTF-8",
     H "2026-03-01,\xe9,13,g/dL\n",
     ST_INVALID,
     "invalid_utf8",
     "",
     "UTF-8",
     0,
     0,
     {{0}}},
    {"NUL byte",
     H "2026-03-01,hb\0,13,g/dL\n",
     ST_INVALID,
     "invalid_utf8",
     "",
     "UTF-8",
     0,
     0,
     {{0}}},
    {"unclosed quote",
     H "2026-03-01,\"haemoglobin,13,g/dL\n",
     ST_INVALID,
     "invalid_csv",
     "",
     "row 2: a quoted field is not closed",
     0,
     0,
     {{0}}},
    {"text after a closing quote",
     H "2026-03-01,\"haemo\"globin,13,g/dL\n",
     ST_INVALID,
     "invalid_csv",
     "",
     "row 2, field 2: text after the closing quote",
     0,
     0,
     {{0}}},
};

static const struct fail *
find_error(const struct labs_csv_row *row, const char *column, const char *code)
{
    for (size_t i = 0; i < row->nerrors; i++)
        if (strcmp(row->errors[i].field, column) == 0 && strcmp(row->errors[i].code, code) == 0)
            return &row->errors[i];
    return NULL;
}

static void
check_case(const struct csv_case *c, size_t len)
{
    struct labs_csv_preview p;
    struct fail f = {0};
    int st = labs_csv_parse(table, c->csv, len, 0, &p, &f);

    if (st != c->status)
        fail_msg("%s: status %d (%s), expected %d", c->name, st, f.message, c->status);
    if (st != ST_OK) {
        if (strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0 ||
            !strstr(f.message, c->msg))
            fail_msg("%s: %s on '%s': '%s'", c->name, f.code, f.field, f.message);
        assert_null(p.rows);
        assert_int_equal(p.nrows, 0);
        return;
    }
    if (p.nrows != c->nrows || p.nok != c->nok || p.nfailed != c->nrows - c->nok)
        fail_msg("%s: %zu rows, %zu ok, %zu failed", c->name, p.nrows, p.nok, p.nfailed);
    for (size_t i = 0; i < N(c->rows) && c->rows[i].row; i++) {
        const struct row_expect *e = &c->rows[i];
        const struct labs_csv_row *row = NULL;
        for (size_t k = 0; k < p.nrows; k++)
            if (p.rows[k].row == e->row)
                row = &p.rows[k];
        if (!row)
            fail_msg("%s: no row %zu", c->name, e->row);
        if (!e->column) {
            if (!row->ok)
                fail_msg("%s: row %zu refused: %s", c->name, e->row, row->errors[0].message);
            assert_int_equal(row->nerrors, 0);
            assert_string_equal(row->analyte->code, e->analyte);
            if (fabs(row->canonical - e->canonical) > 1e-9 * fmax(1, fabs(e->canonical)))
                fail_msg("%s: row %zu canonical %.15g, expected %.15g", c->name, e->row,
                         row->canonical, e->canonical);
            continue;
        }
        const struct fail *err = find_error(row, e->column, e->code);
        if (row->ok || !err)
            fail_msg("%s: row %zu lacks error %s on '%s' (%zu errors, first '%s')", c->name, e->row,
                     e->code, e->column, row->nerrors, row->nerrors ? row->errors[0].message : "");
        if (!strstr(err->message, e->msg))
            fail_msg("%s: row %zu message '%s' lacks '%s'", c->name, e->row, err->message, e->msg);
    }
    labs_csv_release(&p);
    assert_null(p.rows);
}

static void
test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(csv_cases); i++) {
        size_t len = strlen(csv_cases[i].csv);
        /* The one case with a NUL inside: its length runs to the end of the literal. */
        if (strcmp(csv_cases[i].name, "NUL byte") == 0)
            len = sizeof(H "2026-03-01,hb\0,13,g/dL\n") - 1;
        check_case(&csv_cases[i], len);
    }
}

/* What a row keeps: the texts as given, the unit, the reference range and the MRN. */
static void
test_row_contents(void **state)
{
    static const char csv[] = "date,analyte,value,unit,reference_low,reference_high,mrn,lab\n"
                              "2026-03-01T08:30:00+03:00,Hb,135,gm/L,120,160,10000012,x\n"
                              "2026-03-02,Ferritin,25,ng/mL,,,,\n";
    struct labs_csv_preview p;
    struct fail f = {0};
    int64_t want;

    (void)state;
    assert_int_equal(labs_csv_parse(table, csv, strlen(csv), 0, &p, &f), ST_OK);
    assert_int_equal(p.nrows, 2);
    const struct labs_csv_row *r = &p.rows[0];
    assert_true(r->ok);
    assert_string_equal(r->text[LABS_CSV_ANALYTE], "Hb");
    assert_string_equal(r->text[LABS_CSV_VALUE], "135");
    assert_string_equal(r->text[LABS_CSV_UNIT], "gm/L");
    assert_string_equal(r->unit->symbol, "g/L");
    assert_true(r->value == 135);
    assert_true(r->canonical == 13.5);
    assert_true(r->has_low && r->has_high);
    assert_true(r->reference_low == 120 && r->reference_high == 160);
    assert_string_equal(r->text[LABS_CSV_MRN], "10000012");
    assert_false(r->date_only);
    assert_int_equal(time_parse_iso("2026-03-01T05:30:00Z", &want), ST_OK);
    assert_int_equal(r->time_ms, want);
    r = &p.rows[1];
    assert_true(r->ok);
    assert_false(r->has_low || r->has_high);
    assert_string_equal(r->text[LABS_CSV_MRN], "");
    assert_true(r->date_only);
    assert_int_equal(time_parse_iso("2026-03-02", &want), ST_OK);
    assert_int_equal(r->time_ms, want);
    labs_csv_release(&p);
    labs_csv_release(NULL);
    assert_string_equal(labs_csv_column_name(LABS_CSV_REFERENCE_HIGH), "reference_high");
    assert_null(labs_csv_column_name(LABS_CSV_NCOLUMNS));
}

/* Dates and date-times, with zones and without (then the clinic's offset applies). */
static void
test_dates(void **state)
{
    static const struct {
        const char *text;
        int tz_min;
        const char *utc; /* NULL: refused */
        bool date_only;
    } cases[] = {
        {"2026-03-01", 180, "2026-03-01T00:00:00Z", true},
        {"2024-02-29", 0, "2024-02-29T00:00:00Z", true},
        {"2026-03-01T08:30:00Z", 180, "2026-03-01T08:30:00Z", false},
        {"2026-03-01T08:30:00.250Z", 0, "2026-03-01T08:30:00.250Z", false},
        {"2026-03-01T08:30Z", 0, "2026-03-01T08:30:00Z", false},
        {"2026-03-01T08:30:00+03:00", 0, "2026-03-01T05:30:00Z", false},
        {"2026-03-01T08:30:00+0300", 0, "2026-03-01T05:30:00Z", false},
        {"2026-03-01T08:30:00+03", 0, "2026-03-01T05:30:00Z", false},
        {"2026-03-01T01:30:00-05:00", 0, "2026-03-01T06:30:00Z", false},
        {"2026-03-01T01:30:00+04:00", 0, "2026-02-28T21:30:00Z", false},
        {"2026-03-01 08:30:00", 180, "2026-03-01T05:30:00Z", false},
        {"2026-03-01T08:30", 240, "2026-03-01T04:30:00Z", false},
        {"2026-03-01T08:30", -60, "2026-03-01T09:30:00Z", false},
        {"2023-02-29", 0, NULL, false},
        {"2026-13-01", 0, NULL, false},
        {"2026-3-1", 0, NULL, false},
        {"01/03/2026", 0, NULL, false},
        {"2026-03-01T", 0, NULL, false},
        {"2026-03-01T8:30", 0, NULL, false},
        {"2026-03-01T08:60", 0, NULL, false},
        {"2026-03-01T08:30:61", 0, NULL, false},
        {"2026-03-01T08:30:00.Z", 0, NULL, false},
        {"2026-03-01T08:30:00+15:00", 0, NULL, false},
        {"2026-03-01T08:30:00+03:0", 0, NULL, false},
        {"2026-03-01T08:30:00 Z", 0, NULL, false},
        {"2026-03-01T08:30:00ZZ", 0, NULL, false},
        {"2026-03-01x", 0, NULL, false},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct labs_csv_preview p;
        struct fail f = {0};
        struct buf b;
        int64_t want = 0;
        buf_init(&b, 0);
        assert_int_equal(buf_printf(&b, H "%s,hb,13,g/dL\n", cases[i].text), ST_OK);
        assert_int_equal(labs_csv_parse(table, b.data, b.len, cases[i].tz_min, &p, &f), ST_OK);
        buf_release(&b);
        assert_int_equal(p.nrows, 1);
        const struct labs_csv_row *r = &p.rows[0];
        if (!cases[i].utc) {
            if (r->ok || !find_error(r, "date", "invalid_date"))
                fail_msg("'%s' accepted", cases[i].text);
        } else {
            assert_int_equal(time_parse_iso(cases[i].utc, &want), ST_OK);
            if (!r->ok || r->time_ms != want || r->date_only != cases[i].date_only)
                fail_msg("'%s' (tz %d): ok %d, %lld, expected %s", cases[i].text, cases[i].tz_min,
                         r->ok, (long long)r->time_ms, cases[i].utc);
        }
        labs_csv_release(&p);
    }
    struct labs_csv_preview p;
    struct fail f = {0};
    assert_int_equal(labs_csv_parse(table, H, strlen(H), 841, &p, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_value");
    assert_int_equal(labs_csv_parse(table, H, strlen(H), -841, &p, &f), ST_INVALID);
    assert_int_equal(labs_csv_parse(table, H, strlen(H), -840, &p, &f), ST_OK);
    labs_csv_release(&p);
}

/* A file of `rows` data rows. */
static char *
make_rows(size_t rows, size_t *len)
{
    struct buf b;

    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, H), ST_OK);
    for (size_t i = 0; i < rows; i++)
        assert_int_equal(buf_append_str(&b, "2026-03-01,platelets,250,10^9/L\n"), ST_OK);
    *len = b.len;
    return buf_detach(&b);
}

static void
test_caps(void **state)
{
    struct labs_csv_preview p;
    struct fail f = {0};
    struct buf b;
    size_t len;
    char *csv;

    (void)state;
    /* rows */
    csv = make_rows(LABS_CSV_MAX_ROWS, &len);
    assert_int_equal(labs_csv_parse(table, csv, len, 0, &p, &f), ST_OK);
    assert_int_equal(p.nrows, LABS_CSV_MAX_ROWS);
    assert_int_equal(p.nok, LABS_CSV_MAX_ROWS);
    assert_int_equal(p.rows[LABS_CSV_MAX_ROWS - 1].row, LABS_CSV_MAX_ROWS + 1);
    labs_csv_release(&p);
    free(csv);
    csv = make_rows(LABS_CSV_MAX_ROWS + 1, &len);
    assert_int_equal(labs_csv_parse(table, csv, len, 0, &p, &f), ST_TOO_BIG);
    assert_string_equal(f.code, "too_big");
    assert_non_null(strstr(f.message, "more than 10000 rows"));
    assert_null(p.rows);
    free(csv);

    /* bytes: empty rows do not count as rows, but they count as bytes */
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, H), ST_OK);
    while (b.len <= LABS_CSV_MAX_BYTES)
        assert_int_equal(buf_append_str(&b, ",,,\n"), ST_OK);
    assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_TOO_BIG);
    assert_non_null(strstr(f.message, "larger than"));
    assert_int_equal(labs_csv_parse(table, b.data, LABS_CSV_MAX_BYTES, 0, &p, &f), ST_OK);
    assert_int_equal(p.nrows, 0);
    labs_csv_release(&p);
    buf_release(&b);

    /* columns: 64 in the header are fine, 65 are not */
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, "date,analyte,value,unit"), ST_OK);
    for (int i = 4; i < LABS_CSV_MAX_COLUMNS; i++)
        assert_int_equal(buf_printf(&b, ",extra%d", i), ST_OK);
    assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_OK);
    labs_csv_release(&p);
    assert_int_equal(buf_append_str(&b, ",one_more\n"), ST_OK);
    assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_TOO_BIG);
    assert_non_null(strstr(f.message, "more than 64 columns"));
    buf_release(&b);

    /* a data row of 70 fields is a row error, not a crash */
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, H "2026-03-01,hb,13,g/dL"), ST_OK);
    for (int i = 4; i < 70; i++)
        assert_int_equal(buf_append_str(&b, ",x"), ST_OK);
    assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_OK);
    assert_int_equal(p.nrows, 1);
    assert_non_null(find_error(&p.rows[0], "", "field_count"));
    assert_non_null(strstr(p.rows[0].errors[0].message, "has 70 fields"));
    labs_csv_release(&p);
    buf_release(&b);

    /* fields: 1,000 bytes pass the cap, 1,001 do not */
    for (size_t size = LABS_CSV_MAX_FIELD; size <= LABS_CSV_MAX_FIELD + 1; size++) {
        buf_init(&b, 0);
        assert_int_equal(buf_append_str(&b, H "2026-03-01,\""), ST_OK);
        for (size_t i = 0; i < size; i++)
            assert_int_equal(buf_append_char(&b, 'a'), ST_OK);
        assert_int_equal(buf_append_str(&b, "\",13,g/dL\n"), ST_OK);
        assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_OK);
        assert_int_equal(p.nrows, 1);
        const struct labs_csv_row *r = &p.rows[0];
        if (size == LABS_CSV_MAX_FIELD) {
            assert_non_null(find_error(r, "analyte", "unknown_analyte"));
            assert_int_equal(strlen(r->text[LABS_CSV_ANALYTE]), size);
            /* The message quotes only the start of a long text. */
            assert_true(strlen(r->errors[0].message) < 200);
        } else {
            assert_non_null(find_error(r, "analyte", "too_long"));
            assert_null(r->text[LABS_CSV_ANALYTE]);
        }
        labs_csv_release(&p);
        buf_release(&b);
    }
    /* a header name over the cap */
    buf_init(&b, 0);
    assert_int_equal(buf_append_str(&b, "date,analyte,value,unit,"), ST_OK);
    for (size_t i = 0; i <= LABS_CSV_MAX_FIELD; i++)
        assert_int_equal(buf_append_char(&b, 'c'), ST_OK);
    assert_int_equal(labs_csv_parse(table, b.data, b.len, 0, &p, &f), ST_INVALID);
    assert_string_equal(f.code, "too_long");
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_row_contents),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
