/* Unit tests of src/core/csv.c: records and fields of RFC 4180 text with a comma or a semicolon,
 * quoting, line ends, caps, the byte order mark, the delimiter taken from the header line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csv.h"

/* Field i of the current record as a string (a static buffer). */
static const char *
field(const struct csv_reader *r, size_t i)
{
    static char out[CSV_MAX_FIELD + 1];
    size_t n;
    const char *s = csv_field(r, i, &n);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static void
test_records(void **state)
{
    (void)state;
    struct fail f;
    const char *text = "a;\"b;c\";\" d \"\r\n"
                       "1;\"say \"\"hi\"\"\";\"two\nlines\"\r"
                       "x\n"
                       "\n"
                       ";;";
    struct csv_reader *r = csv_reader_new(text, strlen(text), ';');
    assert_non_null(r);
    assert_int_equal(csv_next(r, &f), 1);
    assert_int_equal(csv_row(r), 1);
    assert_int_equal(csv_nfields(r), 3);
    assert_string_equal(field(r, 0), "a");
    assert_string_equal(field(r, 1), "b;c");
    assert_string_equal(field(r, 2), "d"); /* trimmed of spaces */
    assert_int_equal(csv_next(r, &f), 1);
    assert_string_equal(field(r, 1), "say \"hi\"");
    assert_string_equal(field(r, 2), "two\nlines");
    assert_int_equal(csv_next(r, &f), 1); /* the lone CR ended the record before */
    assert_int_equal(csv_row(r), 3);
    assert_string_equal(field(r, 0), "x");
    assert_false(csv_empty_record(r));
    assert_int_equal(csv_next(r, &f), 1);
    assert_int_equal(csv_nfields(r), 1);
    assert_true(csv_empty_record(r));
    assert_int_equal(csv_next(r, &f), 1);
    assert_int_equal(csv_nfields(r), 3);
    assert_true(csv_empty_record(r));
    assert_int_equal(csv_next(r, &f), 0);
    csv_reader_free(r);

    /* With a comma delimiter the semicolon is text. */
    r = csv_reader_new("a;b,c", 5, ',');
    assert_int_equal(csv_next(r, &f), 1);
    assert_int_equal(csv_nfields(r), 2);
    assert_string_equal(field(r, 0), "a;b");
    csv_reader_free(r);
    csv_reader_free(NULL);
}

static void
test_broken(void **state)
{
    (void)state;
    struct fail f;
    struct csv_reader *r = csv_reader_new("a,b\n\"open,c\n", 12, ',');
    assert_int_equal(csv_next(r, &f), 1);
    assert_int_equal(csv_next(r, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_csv");
    assert_non_null(strstr(f.message, "row 2"));
    csv_reader_free(r);

    r = csv_reader_new("\"a\"b,c\n", 7, ',');
    assert_int_equal(csv_next(r, &f), ST_INVALID);
    assert_non_null(strstr(f.message, "row 1, field 1"));
    csv_reader_free(r);

    /* A field over the cap is kept cut and marked; columns over the cap are counted. */
    size_t n = CSV_MAX_FIELD + 10 + CSV_MAX_COLUMNS + 2;
    char *big = malloc(n);
    memset(big, 'x', CSV_MAX_FIELD + 10);
    memset(big + CSV_MAX_FIELD + 10, ',', CSV_MAX_COLUMNS + 2);
    r = csv_reader_new(big, n, ',');
    assert_int_equal(csv_next(r, &f), 1);
    assert_true(csv_field_too_long(r, 0));
    assert_false(csv_field_too_long(r, 1));
    assert_int_equal(csv_nfields(r), CSV_MAX_COLUMNS + 3);
    assert_int_equal(csv_kept(r), CSV_MAX_COLUMNS);
    assert_false(csv_empty_record(r));
    csv_reader_free(r);
    free(big);
}

static void
test_text(void **state)
{
    (void)state;
    struct fail f;
    const char *data = "\xEF\xBB\xBF"
                       "date;count";
    size_t n = strlen(data);
    assert_int_equal(csv_check_text(&data, &n, 100, &f), ST_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(data, "date", 4);
    const char *bad = "a,\xFF";
    n = 3;
    assert_int_equal(csv_check_text(&bad, &n, 100, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_utf8");
    const char *big = "0123456789";
    n = 10;
    assert_int_equal(csv_check_text(&big, &n, 9, &f), ST_TOO_BIG);
    assert_string_equal(f.code, "too_big");

    assert_int_equal(csv_sniff_delimiter("a;b;c,d\n1,2,3,4,5", 17), ';');
    assert_int_equal(csv_sniff_delimiter("a,b\n1;2;3;4", 11), ',');
    assert_int_equal(csv_sniff_delimiter("\"a;b;c\",d", 9), ',');
    assert_int_equal(csv_sniff_delimiter("date", 4), ',');
    assert_int_equal(csv_sniff_delimiter(NULL, 0), ',');

    char key[16];
    assert_true(csv_header_key("Reference-Low", 13, key, sizeof(key)));
    assert_string_equal(key, "reference_low");
    assert_true(csv_header_key("MRN ID", 6, key, sizeof(key)));
    assert_string_equal(key, "mrn_id");
    assert_false(csv_header_key("a very long header name", 23, key, sizeof(key)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
