/* Unit tests of src/clinic/trichoscopy_csv.c: exports with commas or semicolons and decimal
 * commas, a byte order mark, quoted fields, units in brackets, both date forms, every error of a
 * row and of the whole file, and the preview's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/trichoscopy_csv.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/" MEASURES_FILE

static struct measures *measures;

static int
setup(void **state)
{
    struct fail f;
    (void)state;
    fail_clear(&f);
    if (measures_load(SHIPPED, &measures, &f) != ST_OK)
        fail_msg("the shipped measures do not load: %s", f.message);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    measures_free(measures);
    return 0;
}

static const struct trichoscopy_context ctx = {
    .mrn = "10000057", .today = "2026-06-30", .date_of_birth = "1980-04-02"};

static void
parse_ok(const char *text, struct trichoscopy_preview *p)
{
    struct fail f;
    fail_clear(&f);
    if (trichoscopy_csv_parse(measures, text, strlen(text), &ctx, p, &f) != ST_OK)
        fail_msg("%s: %s", f.code, f.message);
}

/* "field:code" of each error of a row, joined by spaces. */
static const char *
errors_of(const struct trichoscopy_row *row)
{
    static char out[512];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->nerrors; i++) {
        int w = snprintf(out + used, sizeof(out) - used, "%s%s:%s", i ? " " : "",
                         row->errors[i].field, row->errors[i].code);
        if (w < 0 || (size_t)w >= sizeof(out) - used)
            break;
        used += (size_t)w;
    }
    return out;
}

static void
test_semicolons(void **state)
{
    (void)state;
    struct trichoscopy_preview p;
    parse_ok(
        "\xEF\xBB\xBF"
        "Patient ID;Date;MRN;Area [cm²];Count;Density [1/cm²];Terminal density;"
        "Vellus-density;Anagen (%);Telogen [%];Mean diameter [µm];\"Operator; site\"\r\n"
        "DEMO;02.03.2026;10000057;0,65;86;132,3;101,5;30,8;68,2;31,8;58,4;\"Nurse A; vertex\"\r\n"
        "DEMO;1.6.2026;;0,65;95;146,26;;;;;;\r\n"
        ";;;;;;;;;;;\r\n",
        &p);
    assert_int_equal(p.delimiter, ';');
    for (int c = 0; c < TRICHOSCOPY_NCOLUMNS; c++)
        assert_true(p.present[c]);
    assert_int_equal(p.nignored, 2);
    assert_string_equal(p.ignored[0], "Patient ID");
    assert_string_equal(p.ignored[1], "Operator; site");
    assert_int_equal(p.nrows, 2); /* the empty row is skipped */
    assert_int_equal(p.nok, 2);
    const struct trichoscopy_row *r = &p.rows[0];
    assert_int_equal(r->row, 2);
    assert_true(r->ok);
    assert_string_equal(r->date, "2026-03-02");
    assert_true(r->has_area && r->area_cm2 == 0.65);
    assert_true(r->has[TRICHOSCOPY_HAIR_DENSITY] && r->value[TRICHOSCOPY_HAIR_DENSITY] == 132.3);
    assert_true(r->value[TRICHOSCOPY_HAIR_COUNT] == 86);
    assert_true(r->value[TRICHOSCOPY_SHAFT_DIAMETER] == 58.4);
    assert_true(r->value[TRICHOSCOPY_TELOGEN_PERCENT] == 31.8);
    r = &p.rows[1];
    assert_string_equal(r->date, "2026-06-01");
    /* more decimals than the measure keeps: rounded to it */
    assert_true(r->value[TRICHOSCOPY_HAIR_DENSITY] == 146.3);
    assert_false(r->has[TRICHOSCOPY_TERMINAL_DENSITY]);

    json_t *j = trichoscopy_preview_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "delimiter")), ";");
    assert_int_equal(json_array_size(json_object_get(j, "columns")), TRICHOSCOPY_NCOLUMNS);
    assert_int_equal(json_integer_value(json_object_get(j, "valid")), 2);
    json_t *row = json_array_get(json_object_get(j, "rows"), 1);
    assert_int_equal(json_object_size(json_object_get(row, "values")), 2);
    assert_true(json_is_integer(json_object_get(json_object_get(row, "values"), "hair_count")));
    json_decref(j);
    trichoscopy_csv_release(&p);
    trichoscopy_csv_release(NULL);
}

static void
test_commas(void **state)
{
    (void)state;
    struct trichoscopy_preview p;
    /* With commas a decimal comma cannot be told from a separator: only points. */
    parse_ok("date,hair_density,ANAGEN_PERCENT,diameter (µm)\n"
             "2026-01-05,\"150.5\",70,60.04\n"
             "2026-01-06,150,\"70,5\",60\n",
             &p);
    assert_int_equal(p.delimiter, ',');
    assert_false(p.present[TRICHOSCOPY_MRN]);
    assert_false(p.present[TRICHOSCOPY_AREA]);
    assert_int_equal(p.nok, 1);
    assert_true(p.rows[0].value[TRICHOSCOPY_HAIR_DENSITY] == 150.5);
    assert_true(p.rows[0].value[TRICHOSCOPY_SHAFT_DIAMETER] == 60.0);
    assert_false(p.rows[0].has_area);
    assert_string_equal(errors_of(&p.rows[1]), "anagen_percent:invalid_number");
    trichoscopy_csv_release(&p);
}

static void
test_row_errors(void **state)
{
    (void)state;
    struct trichoscopy_preview p;
    parse_ok("date;mrn;area;count;density;anagen;telogen\n"
             "2026-06-30;10000057;0,5;1;1;1;1\n" /* today: fine */
             "2026-07-01;;;1;;;\n"               /* after today */
             "1980-04-01;;;1;;;\n"               /* before the date of birth */
             "30.02.2026;;;1;;;\n"               /* no such day */
             "2026/03/01;;;1;;;\n"               /* neither form */
             ";;;1;;;\n"                         /* no date */
             "2026-03-01;10000058;;1;;;\n"       /* another patient */
             "2026-03-01;;0;1;;;\n"              /* no area */
             "2026-03-01;;abc;1;;;\n"            /* not a number */
             "2026-03-01;;;1,5;1000,1;-1;1e2\n"  /* each measure wrong */
             "2026-03-01;;;;;;\n"                /* nothing measured */
             "2026-03-01;;;1;;\n"                /* a field short */
             "2026-03-01;;;\"1\n2\";;;\n",       /* a control character */
             &p);
    static const char *const want[] = {
        "",
        "date:future_date",
        "date:invalid_date",
        "date:invalid_date",
        "date:invalid_date",
        "date:required",
        "mrn:mrn_mismatch",
        "area_cm2:out_of_range",
        "area_cm2:invalid_number",
        "hair_count:invalid_type hair_density:out_of_range anagen_percent:out_of_range "
        "telogen_percent:invalid_number",
        ":required",
        ":field_count",
        "hair_count:invalid_value :required",
    };
    assert_int_equal(p.nrows, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < p.nrows; i++)
        if (strcmp(errors_of(&p.rows[i]), want[i]) != 0)
            fail_msg("row %zu: wanted '%s', got '%s'", p.rows[i].row, want[i],
                     errors_of(&p.rows[i]));
    assert_int_equal(p.nok, 1);
    assert_int_equal(p.nfailed, p.nrows - 1);
    const struct fail *e = &p.rows[6].errors[0];
    assert_non_null(strstr(e->message, "row 8, column 'mrn'"));
    assert_non_null(strstr(e->message, "10000058"));
    /* A value that failed leaves the others of its row read. */
    assert_true(p.rows[6].has[TRICHOSCOPY_HAIR_COUNT]);
    assert_true(p.rows[6].has_date);
    trichoscopy_csv_release(&p);

    /* Without a context nothing is checked against a patient or a day. */
    struct fail f;
    const char *text = "date;mrn;count\n2099-01-01;123;5\n";
    assert_int_equal(trichoscopy_csv_parse(measures, text, strlen(text), NULL, &p, &f), ST_OK);
    assert_int_equal(p.nok, 1);
    trichoscopy_csv_release(&p);
}

static void
expect_file(const char *text, size_t n, int st, const char *code, const char *needle)
{
    struct trichoscopy_preview p;
    struct fail f;
    fail_clear(&f);
    int got = trichoscopy_csv_parse(measures, text, n, &ctx, &p, &f);
    if (got != st || strcmp(f.code, code) != 0 || (needle && !strstr(f.message, needle)))
        fail_msg("wanted %d %s naming %s, got %d %s: %s", st, code, needle ? needle : "", got,
                 f.code, f.message);
    assert_int_equal(p.nrows, 0);
    assert_null(p.rows);
    assert_null(p.ignored);
}

static void
test_file_errors(void **state)
{
    (void)state;
    expect_file("", 0, ST_INVALID, "empty", NULL);
    expect_file("\xEF\xBB\xBF", 3, ST_INVALID, "empty", NULL);
    expect_file("count;density\n1;2\n", 18, ST_INVALID, "missing_column", "'date'");
    expect_file("date;operator\n2026-01-01;x\n", 27, ST_INVALID, "missing_column", "measure");
    expect_file("date;density;Hair Density\n", 26, ST_INVALID, "duplicate_column",
                "'hair_density'");
    expect_file("date;count\n\"2026-01-01;1\n", 25, ST_INVALID, "invalid_csv", "row 2");
    expect_file("date;count\n2026\xC3\x28;1\n", 20, ST_INVALID, "invalid_utf8", NULL);

    size_t n = TRICHOSCOPY_CSV_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, '\n', n);
    expect_file(big, n, ST_TOO_BIG, "too_big", NULL);
    free(big);

    /* Too many rows. */
    const char *row = "2026-01-01;1\n";
    size_t rows = TRICHOSCOPY_CSV_MAX_ROWS + 1;
    char *text = malloc(11 + rows * strlen(row) + 1);
    memcpy(text, "date;count\n", 11);
    for (size_t i = 0; i < rows; i++)
        memcpy(text + 11 + i * strlen(row), row, strlen(row));
    expect_file(text, 11 + rows * strlen(row), ST_TOO_BIG, "too_big", "rows");
    free(text);

    /* A header name over the field cap. */
    char header[CSV_MAX_FIELD + 20];
    memset(header, 'h', sizeof(header));
    memcpy(header, "date;", 5);
    expect_file(header, sizeof(header), ST_INVALID, "too_long", "column 2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semicolons),
        cmocka_unit_test(test_commas),
        cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
