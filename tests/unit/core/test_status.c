/* Unit tests of src/core/status.c: filling struct fail and naming statuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"

static void
test_fail_set(void **state)
{
    struct fail f;

    (void)state;
    assert_int_equal(
        fail_set(&f, ST_INVALID, "phone", "invalid_phone", "phone '%s' is not E.164", "12"),
        ST_INVALID);
    assert_int_equal(f.status, ST_INVALID);
    assert_string_equal(f.field, "phone");
    assert_string_equal(f.code, "invalid_phone");
    assert_string_equal(f.message, "phone '12' is not E.164");

    assert_int_equal(fail_set(&f, ST_NOT_FOUND, NULL, "not_found", "no such patient"),
                     ST_NOT_FOUND);
    assert_string_equal(f.field, "");
    assert_int_equal(fail_set(NULL, ST_CONFLICT, "x", "y", "z"), ST_CONFLICT);

    fail_clear(&f);
    assert_int_equal(f.status, ST_OK);
    assert_string_equal(f.code, "");
    assert_string_equal(f.field, "");
    assert_string_equal(f.message, "");
    fail_clear(NULL);
}

static void
test_fail_truncates(void **state)
{
    struct fail f;
    char longs[600];
    char arabic[600];
    size_t i;

    (void)state;
    memset(longs, 'k', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    /* Two-byte letters placed so that every cut falls inside one of them. */
    for (i = 0; i + 2 < sizeof(arabic); i += 2) {
        arabic[i] = '\xD8';
        arabic[i + 1] = '\xA7';
    }
    arabic[i] = '\0';

    fail_set(&f, ST_INVALID, longs, longs, "%s", longs);
    assert_int_equal(strlen(f.field), sizeof(f.field) - 1);
    assert_int_equal(strlen(f.code), sizeof(f.code) - 1);
    assert_int_equal(strlen(f.message), sizeof(f.message) - 1);

    fail_set(&f, ST_INVALID, arabic, arabic, "%s", arabic);
    /* 63, 39 and 255 bytes would end inside a letter: cut one byte earlier. */
    assert_int_equal(strlen(f.field), sizeof(f.field) - 2);
    assert_int_equal(strlen(f.code), sizeof(f.code) - 2);
    assert_int_equal(strlen(f.message), sizeof(f.message) - 2);
    assert_int_equal((unsigned char)f.message[strlen(f.message) - 1], 0xA7);
}

static void
test_status_name(void **state)
{
    static const struct {
        int status;
        const char *name;
    } cases[] = {
        {ST_OK, "ok"},
        {ST_INVALID, "invalid"},
        {ST_NOT_FOUND, "not_found"},
        {ST_CONFLICT, "conflict"},
        {ST_FORBIDDEN, "forbidden"},
        {ST_UNAUTHORIZED, "unauthorized"},
        {ST_TOO_BIG, "too_big"},
        {ST_THROTTLED, "throttled"},
        {ST_NOMEM, "nomem"},
        {ST_DB, "db"},
        {ST_IO, "io"},
        {ST_BUSY, "busy"},
        {-99, "unknown"},
        {5, "unknown"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(status_name(cases[i].status), cases[i].name);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_set),
        cmocka_unit_test(test_fail_truncates),
        cmocka_unit_test(test_status_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
