/* Unit tests of src/core/date.c: parsing, calendar arithmetic and ISO timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/date.h"

static const struct {
    const char *s;
    int ok;
    int y, m, d;
} parse_cases[] = {
    {"2026-01-01", 1, 2026, 1, 1},
    {"2024-02-29", 1, 2024, 2, 29},
    {"2000-02-29", 1, 2000, 2, 29},
    {"0001-01-01", 1, 1, 1, 1},
    {"9999-12-31", 1, 9999, 12, 31},
    {"2026-04-30", 1, 2026, 4, 30},
    {"2026-02-30", 0, 0, 0, 0},
    {"2023-02-29", 0, 0, 0, 0},
    {"1900-02-29", 0, 0, 0, 0},
    {"2026-04-31", 0, 0, 0, 0},
    {"2026-13-01", 0, 0, 0, 0},
    {"2026-00-10", 0, 0, 0, 0},
    {"2026-01-00", 0, 0, 0, 0},
    {"2026-01-32", 0, 0, 0, 0},
    {"0000-01-01", 0, 0, 0, 0},
    {"2026-1-01", 0, 0, 0, 0},
    {"2026-01-1", 0, 0, 0, 0},
    {"26-01-01", 0, 0, 0, 0},
    {"2026-01-01x", 0, 0, 0, 0},
    {"2026-01-01 ", 0, 0, 0, 0},
    {" 2026-01-01", 0, 0, 0, 0},
    {"2026-01-01T00:00:00Z", 0, 0, 0, 0},
    {"2026/01/01", 0, 0, 0, 0},
    {"2026-0a-01", 0, 0, 0, 0},
    {"+026-01-01", 0, 0, 0, 0},
    {"2026-+1-01", 0, 0, 0, 0},
    {"", 0, 0, 0, 0},
};

static void
test_parse(void **state)
{
    struct date d;
    char out[11];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        int rc = date_parse(parse_cases[i].s, &d);

        if ((rc == ST_OK) != parse_cases[i].ok)
            fail_msg("'%s': got %d", parse_cases[i].s, rc);
        assert_int_equal(d.year, parse_cases[i].y);
        assert_int_equal(d.month, parse_cases[i].m);
        assert_int_equal(d.day, parse_cases[i].d);
        if (rc == ST_OK) {
            date_format(&d, out);
            assert_string_equal(out, parse_cases[i].s);
        }
    }
    assert_int_equal(date_parse(NULL, &d), ST_INVALID);
}

static void
test_calendar(void **state)
{
    static const struct {
        int year;
        bool leap;
    } leap[] = {{2024, true}, {2023, false}, {2000, true}, {1900, false}, {2100, false}, {4, true}};
    static const struct {
        int y, m, days;
    } dim[] = {{2026, 1, 31},  {2026, 2, 28}, {2024, 2, 29}, {2026, 4, 30},
               {2026, 12, 31}, {2026, 0, 0},  {2026, 13, 0}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(leap) / sizeof(leap[0]); i++)
        assert_int_equal(date_is_leap(leap[i].year), leap[i].leap);
    for (i = 0; i < sizeof(dim) / sizeof(dim[0]); i++)
        assert_int_equal(date_days_in_month(dim[i].y, dim[i].m), dim[i].days);
}

static void
test_days(void **state)
{
    static const struct {
        struct date d;
        int64_t days;
    } cases[] = {
        {{1970, 1, 1}, 0},     {{1970, 1, 2}, 1},         {{1969, 12, 31}, -1},
        {{2000, 3, 1}, 11017}, {{2024, 2, 29}, 19782},    {{2026, 1, 1}, 20454},
        {{1, 1, 1}, -719162},  {{9999, 12, 31}, 2932896},
    };
    struct date back, d = {1, 1, 1};
    int64_t n, prev;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(date_to_days(&cases[i].d), cases[i].days);
        date_from_days(cases[i].days, &back);
        assert_int_equal(date_compare(&back, &cases[i].d), 0);
    }
    /* Every day from year 1 to 9999 follows the one before. */
    prev = date_to_days(&d) - 1;
    while (d.year <= 9999) {
        n = date_to_days(&d);
        assert_int_equal(n, prev + 1);
        date_from_days(n, &back);
        assert_int_equal(date_compare(&back, &d), 0);
        prev = n;
        if (++d.day > date_days_in_month(d.year, d.month)) {
            d.day = 1;
            if (++d.month > 12) {
                d.month = 1;
                d.year++;
            }
        }
    }
}

static void
test_compare(void **state)
{
    struct date a = {2026, 3, 4}, b = {2026, 3, 5}, c = {2025, 12, 31}, e = {2026, 4, 1};

    (void)state;
    assert_int_equal(date_compare(&a, &a), 0);
    assert_int_equal(date_compare(&a, &b), -1);
    assert_int_equal(date_compare(&b, &a), 1);
    assert_int_equal(date_compare(&c, &a), -1);
    assert_int_equal(date_compare(&e, &a), 1);
}

static void
test_time_format(void **state)
{
    static const struct {
        int64_t ms;
        const char *s;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {1709210096789, "2024-02-29T12:34:56.789Z"},
        {INT64_C(-62135596800000), "0001-01-01T00:00:00.000Z"},
        {INT64_C(-99999999999999999), "0001-01-01T00:00:00.000Z"},
        {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999Z"},
    };
    char out[25];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        time_format_ms(cases[i].ms, out);
        assert_string_equal(out, cases[i].s);
    }
}

static void
test_time_parse(void **state)
{
    static const struct {
        const char *s;
        int ok;
        int64_t ms;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 1, 0},
        {"1970-01-01", 1, 0},
        {"2024-02-29T12:34:56.789Z", 1, 1709210096789},
        {"2024-02-29T12:34:56.7Z", 1, 1709210096700},
        {"2024-02-29T12:34:56.78Z", 1, 1709210096780},
        {"2024-02-29", 1, 1709164800000},
        {"1969-12-31T23:59:59.999Z", 1, -1},
        {"2023-02-29T00:00:00Z", 0, 0},
        {"2024-02-29T24:00:00Z", 0, 0},
        {"2024-02-29T23:60:00Z", 0, 0},
        {"2024-02-29T23:59:60Z", 0, 0},
        {"2024-02-29T12:34:56", 0, 0},
        {"2024-02-29T12:34:56.Z", 0, 0},
        {"2024-02-29T12:34:56.7890Z", 0, 0},
        {"2024-02-29T12:34:56.7a9Z", 0, 0},
        {"2024-02-29 12:34:56Z", 0, 0},
        {"2024-02-29T12:34:56+02:00", 0, 0},
        {"2024-02-29T12:34:56Zjunk", 0, 0},
        {"2024-02-29T1:34:56Z", 0, 0},
        {"2024-02-29x", 0, 0},
        {"", 0, 0},
    };
    char out[25];
    int64_t ms;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = time_parse_iso(cases[i].s, &ms);

        if ((rc == ST_OK) != cases[i].ok)
            fail_msg("'%s': got %d", cases[i].s, rc);
        assert_int_equal(ms, cases[i].ms);
    }
    /* Formatting and parsing are inverse. */
    time_format_ms(1767225599123, out);
    assert_int_equal(time_parse_iso(out, &ms), ST_OK);
    assert_int_equal(ms, 1767225599123);
}

static void
test_clocks(void **state)
{
    struct date today, min = {2024, 1, 1};
    int64_t a, b;

    (void)state;
    date_today_utc(&today);
    assert_true(date_compare(&today, &min) > 0);
    assert_int_equal(date_to_days(&today), time_now_ms() / 86400000);
    a = time_mono_us();
    b = time_mono_us();
    assert_true(b >= a);
}

static void
check_months(const char *from, int n, const char *want)
{
    struct date d, out;
    char got[11];
    assert_int_equal(date_parse(from, &d), ST_OK);
    assert_int_equal(date_add_months(&d, n, &out), ST_OK);
    date_format(&out, got);
    assert_string_equal(got, want);
}

static void
test_month_and_day_steps(void **state)
{
    (void)state;
    check_months("2026-01-31", 1, "2026-02-28");
    check_months("2028-01-31", 1, "2028-02-29");
    check_months("2026-03-31", -1, "2026-02-28");
    check_months("2026-08-31", 1, "2026-09-30");
    check_months("2026-11-15", 3, "2027-02-15");
    check_months("2026-01-15", -13, "2024-12-15");
    check_months("2026-05-10", 0, "2026-05-10");
    struct date d = {9999, 12, 1}, out;
    assert_int_equal(date_add_months(&d, 1, &out), ST_INVALID);

    struct date a = {2026, 12, 30};
    date_add_days(&a, 33, &out);
    assert_int_equal(out.year, 2027);
    assert_int_equal(out.month, 2);
    assert_int_equal(out.day, 1);
    date_add_days(&out, -33, &out);
    assert_int_equal(date_compare(&out, &a), 0);

    struct date thu = {1970, 1, 1}, mon = {2026, 11, 23}, sun = {2026, 11, 22}, old = {1969, 12, 29};
    assert_int_equal(date_iso_weekday(&thu), 4);
    assert_int_equal(date_iso_weekday(&mon), 1);
    assert_int_equal(date_iso_weekday(&sun), 7);
    assert_int_equal(date_iso_weekday(&old), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_days),        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_time_format), cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_clocks),      cmocka_unit_test(test_month_and_day_steps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
