/* Unit tests of src/core/clinic_tz.c: local day and minute against UTC across daylight-saving
 * changes, in zones with and without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/clinic_tz.h"

static struct date
day(int y, int m, int d)
{
    struct date r = {y, m, d};
    return r;
}

static int64_t
utc(const char *iso)
{
    int64_t ms;
    assert_int_equal(time_parse_iso(iso, &ms), ST_OK);
    return ms;
}

static void
use(const char *zone)
{
    struct fail f;
    fail_clear(&f);
    assert_int_equal(clinic_tz_set(zone, &f), ST_OK);
    assert_string_equal(clinic_tz_name(), zone);
}

static void
test_unknown_zone_refused(void **state)
{
    (void)state;
    struct fail f;
    fail_clear(&f);
    use("UTC");
    assert_int_equal(clinic_tz_set("Europe/Atlantis", &f), ST_INVALID);
    assert_string_equal(f.field, "time_zone");
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("../etc/passwd", &f), ST_INVALID);
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("", &f), ST_INVALID);
    assert_string_equal(clinic_tz_name(), "UTC");
}

static void
test_zone_without_dst(void **state)
{
    (void)state;
    int64_t ms;
    use("Asia/Dubai"); /* UTC+4 all year */
    struct date d = day(2026, 12, 1);
    assert_int_equal(clinic_tz_to_utc(&d, 9 * 60, &ms), ST_OK);
    assert_int_equal(ms, utc("2026-12-01T05:00:00Z"));
    struct date back;
    int minute;
    clinic_tz_from_utc(utc("2026-12-01T21:30:00Z"), &back, &minute);
    assert_int_equal(back.day, 2);
    assert_int_equal(minute, 90);
    char local[17];
    clinic_tz_format_local(utc("2026-12-01T05:00:00Z"), local);
    assert_string_equal(local, "2026-12-01T09:00");
}

static void
test_same_local_hour_moves_in_utc_across_dst(void **state)
{
    (void)state;
    int64_t winter, summer;
    use("Europe/London");
    struct date w = day(2026, 3, 28), s = day(2026, 3, 30);
    assert_int_equal(clinic_tz_to_utc(&w, 9 * 60, &winter), ST_OK);
    assert_int_equal(clinic_tz_to_utc(&s, 9 * 60, &summer), ST_OK);
    assert_int_equal(winter, utc("2026-03-28T09:00:00Z"));
    assert_int_equal(summer, utc("2026-03-30T08:00:00Z"));
}

static void
test_skipped_hour_does_not_exist(void **state)
{
    (void)state;
    int64_t ms = 1;
    use("Europe/London"); /* 2026-03-29 01:00 -> 02:00 */
    struct date d = day(2026, 3, 29);
    assert_int_equal(clinic_tz_to_utc(&d, 60 + 30, &ms), ST_INVALID);
    assert_int_equal(ms, 0);
    assert_int_equal(clinic_tz_to_utc(&d, 2 * 60, &ms), ST_OK);
    assert_int_equal(ms, utc("2026-03-29T01:00:00Z"));
}

static void
test_repeated_hour_is_its_first_occurrence(void **state)
{
    (void)state;
    int64_t ms;
    use("Europe/London"); /* 2026-10-25 02:00 BST -> 01:00 GMT */
    struct date d = day(2026, 10, 25);
    assert_int_equal(clinic_tz_to_utc(&d, 60 + 30, &ms), ST_OK);
    assert_int_equal(ms, utc("2026-10-25T00:30:00Z"));
}

static void
test_day_lengths(void **state)
{
    (void)state;
    int64_t a, b;
    use("Europe/London");
    struct date spring = day(2026, 3, 29), autumn = day(2026, 10, 25), plain = day(2026, 6, 1);
    assert_int_equal(clinic_tz_day_bounds(&spring, &a, &b), ST_OK);
    assert_int_equal(b - a, 23 * 3600000LL);
    assert_int_equal(clinic_tz_day_bounds(&autumn, &a, &b), ST_OK);
    assert_int_equal(b - a, 25 * 3600000LL);
    assert_int_equal(clinic_tz_day_bounds(&plain, &a, &b), ST_OK);
    assert_int_equal(b - a, 24 * 3600000LL);
    assert_int_equal(a, utc("2026-05-31T23:00:00Z"));
    struct date e = day(2026, 6, 1);
    assert_int_equal(clinic_tz_to_utc(&e, 1440, &a), ST_OK);
    assert_int_equal(a, b);
}

static void
test_southern_hemisphere(void **state)
{
    (void)state;
    int64_t jan, jul;
    use("Australia/Sydney"); /* daylight saving in January */
    struct date j = day(2026, 1, 15), k = day(2026, 7, 15);
    assert_int_equal(clinic_tz_to_utc(&j, 9 * 60, &jan), ST_OK);
    assert_int_equal(clinic_tz_to_utc(&k, 9 * 60, &jul), ST_OK);
    assert_int_equal(jan, utc("2026-01-14T22:00:00Z"));
    assert_int_equal(jul, utc("2026-07-14T23:00:00Z"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_zone_refused),
        cmocka_unit_test(test_zone_without_dst),
        cmocka_unit_test(test_same_local_hour_moves_in_utc_across_dst),
        cmocka_unit_test(test_skipped_hour_does_not_exist),
        cmocka_unit_test(test_repeated_hour_is_its_first_occurrence),
        cmocka_unit_test(test_day_lengths),
        cmocka_unit_test(test_southern_hemisphere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
