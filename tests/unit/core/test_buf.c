/* Unit tests of src/core/buf.c: growth, the size cap, printf and ownership transfer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"

static void
test_empty(void **state)
{
    struct buf b;
    char *s;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(b.limit, (size_t)64 * 1024 * 1024);
    assert_null(b.data);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_append(&b, NULL, 0), ST_OK);
    assert_int_equal(buf_append_str(&b, ""), ST_OK);
    s = buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    buf_release(&b);
    buf_release(NULL);
}

static void
test_append_grows(void **state)
{
    struct buf b;
    size_t i;
    char *s;

    (void)state;
    buf_init(&b, 0);
    for (i = 0; i < 10000; i++)
        assert_int_equal(buf_append_char(&b, (char)('a' + i % 26)), ST_OK);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    for (i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(buf_append(&b, "x\0y", 3), ST_OK);
    assert_int_equal(b.len, 10003);
    assert_memory_equal(b.data + 10000, "x\0y", 4);
    s = buf_detach(&b);
    assert_int_equal(s[10002], 'y');
    free(s);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    buf_release(&b);
}

static void
test_cap(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_append_str(&b, "0123456"), ST_OK);
    assert_int_equal(buf_append_str(&b, "7890"), ST_TOO_BIG);
    assert_int_equal(b.len, 7);
    assert_string_equal(buf_str(&b), "0123456");
    assert_int_equal(buf_printf(&b, "%d", 1234), ST_TOO_BIG);
    assert_string_equal(buf_str(&b), "0123456");
    assert_int_equal(buf_append(&b, "xyz", SIZE_MAX), ST_TOO_BIG);
    assert_int_equal(buf_append_str(&b, "789"), ST_OK);
    assert_string_equal(buf_str(&b), "0123456789");
    assert_true(b.cap <= 11);
    assert_int_equal(buf_append_char(&b, 'x'), ST_TOO_BIG);
    assert_string_equal(buf_str(&b), "0123456789");
    buf_release(&b);

    /* A huge cap must not let len + n wrap around. */
    buf_init(&b, SIZE_MAX);
    assert_int_equal(buf_append_str(&b, "ab"), ST_OK);
    assert_int_not_equal(buf_append(&b, "x", SIZE_MAX - 1), ST_OK);
    assert_int_not_equal(buf_append(&b, "x", SIZE_MAX - 2), ST_OK);
    assert_string_equal(buf_str(&b), "ab");
    buf_release(&b);
}

static void
test_printf_and_reset(void **state)
{
    struct buf b;
    char big[5000];

    (void)state;
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_init(&b, 0);
    assert_int_equal(buf_printf(&b, "%s=%d", "n", 42), ST_OK);
    assert_int_equal(buf_printf(&b, " %s", big), ST_OK);
    assert_int_equal(b.len, 4 + 1 + sizeof(big) - 1);
    assert_memory_equal(b.data, "n=42 zzz", 8);
    assert_int_equal(buf_printf(&b, "%s", ""), ST_OK);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_append_str(&b, "again"), ST_OK);
    assert_string_equal(buf_str(&b), "again");
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_grows),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_printf_and_reset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
