/* Unit tests of src/clinic/docin.c: paths that name nested fields (cut on whole UTF-8
 * characters), numbers as documents store them, and the readers' values and failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/docin.h"
#include "core/date.h"
#include "core/text.h"

static void
test_paths(void **state)
{
    (void)state;
    char p[DOCIN_PATH_MAX];
    docin_path(p, "", "visit_date");
    assert_string_equal(p, "visit_date");
    docin_path(p, "hair", "norwood");
    assert_string_equal(p, "hair.norwood");
    char item[DOCIN_PATH_MAX];
    docin_item_path(item, "medications", 12);
    assert_string_equal(item, "medications[12]");
    docin_path(p, item, "last_dose_at");
    assert_string_equal(p, "medications[12].last_dose_at");

    /* A path too long is cut before a character, never inside one. */
    char key[200];
    for (int i = 0; i < 60; i++)
        memcpy(key + 2 * i, "\xd8\xa8", 2); /* ب */
    key[120] = '\0';
    for (size_t pre = 0; pre < 4; pre++) {
        char prefix[8] = "abc";
        prefix[pre] = '\0';
        docin_path(p, prefix, key);
        size_t n = strlen(p);
        assert_true(n < DOCIN_PATH_MAX);
        assert_true(n >= DOCIN_PATH_MAX - 3);
        assert_true(text_valid_utf8(p, n));
    }
}

static void
test_unknown_field_long_key(void **state)
{
    (void)state;
    char key[300];
    for (int i = 0; i < 90; i++)
        memcpy(key + 3 * i, "\xe2\x82\xac", 3); /* € */
    key[270] = '\0';
    json_t *obj = json_pack("{s:i}", key, 1);
    static const char *const allowed[] = {"had", NULL};
    struct fail f;
    fail_clear(&f);
    assert_int_equal(docin_only_fields(obj, "scalp_procedure", allowed, &f), ST_INVALID);
    assert_string_equal(f.code, "unknown_field");
    assert_true(strncmp(f.field, "scalp_procedure.", 16) == 0);
    assert_true(text_valid_utf8(f.field, strlen(f.field)));
    assert_true(text_valid_utf8(f.message, strlen(f.message)));
    json_decref(obj);

    fail_clear(&f);
    json_t *one = json_integer(1);
    assert_int_equal(docin_only_fields(one, "hair", allowed, &f), ST_INVALID);
    json_decref(one);
    assert_string_equal(f.code, "invalid_type");
    assert_string_equal(f.field, "hair");
}

static void
test_numbers(void **state)
{
    (void)state;
    json_t *v = docin_number_value(172.0);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), 172);
    json_decref(v);
    v = docin_number_value(-0.0);
    assert_true(json_is_integer(v));
    json_decref(v);
    v = docin_number_value(80.5);
    assert_true(json_is_real(v));
    json_decref(v);
    v = docin_number_value(1e300);
    assert_true(json_is_real(v));
    json_decref(v);
    assert_null(docin_number_value(1.0 / 0.0));
}

static void
test_readers(void **state)
{
    (void)state;
    struct date d = {2026, 11, 21};
    int64_t now = date_to_days(&d) * 86400000LL;
    json_t *obj =
        json_pack("{s:s, s:n, s:s, s:f, s:[s,s], s:s}", "t", "  x  ", "n", "d", "2026-11-21", "r",
                  2.5, "set", "a", "b", "time", "2026-11-20T01:02:03Z");
    static const char *const ab[] = {"a", "b", NULL};
    struct fail f;
    json_t *v = NULL;

    assert_int_equal(docin_text(obj, "s", "t", 10, true, &v, &f), ST_OK);
    assert_string_equal(json_string_value(v), "x");
    json_decref(v);
    assert_int_equal(docin_text(obj, "s", "n", 10, false, &v, &f), ST_OK);
    assert_true(json_is_null(v));
    json_decref(v);
    assert_int_equal(docin_text(obj, "s", "absent", 10, true, &v, &f), ST_INVALID);
    assert_string_equal(f.field, "s.absent");
    assert_string_equal(f.code, "required");
    assert_null(v);
    assert_int_equal(docin_date(obj, "", "d", true, now, &v, &f), ST_OK);
    assert_string_equal(json_string_value(v), "2026-11-21");
    json_decref(v);
    assert_int_equal(docin_time(obj, "", "time", true, now, &v, NULL, &f), ST_OK);
    assert_string_equal(json_string_value(v), "2026-11-20T01:02:03.000Z");
    json_decref(v);
    int64_t ms = 0;
    assert_int_equal(docin_time(obj, "", "d", true, now, &v, &ms, &f), ST_OK);
    assert_int_equal(ms, now);
    json_decref(v);
    assert_int_equal(docin_number(obj, "", "r", 0, 2, false, &v, &f), ST_INVALID);
    assert_string_equal(f.code, "out_of_range");
    assert_int_equal(docin_number(obj, "", "r", 2.5, 2.5, false, &v, &f), ST_OK);
    json_decref(v);
    assert_int_equal(docin_choice_set(obj, "", "set", ab, &v, &f), ST_OK);
    assert_int_equal(json_array_size(v), 2);
    json_decref(v);
    assert_int_equal(docin_choice(obj, "", "t", ab, false, &v, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_value");
    json_t *arr = NULL;
    assert_int_equal(docin_array(obj, "", "set", 1, &arr, &f), ST_INVALID);
    assert_string_equal(f.code, "too_many");
    assert_int_equal(docin_array(obj, "", "set", 2, &arr, &f), ST_OK);
    assert_int_equal(json_array_size(arr), 2);
    /* A long string where a date belongs is not a date (not too_long). */
    json_t *bad = json_pack("{s:s}", "d", "2026-11-21 and a great deal of text after the date");
    assert_int_equal(docin_date(bad, "", "d", true, now, &v, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_date");
    json_decref(bad);
    json_decref(obj);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_unknown_field_long_key),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
