/* Unit tests of src/core/jsonin.c: strict parsing and typed field reading, one case per code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/jsonin.h"

#define BODY(s) s, sizeof(s) - 1

static const struct {
    const char *body;
    size_t n;
    const char *code; /* NULL: parses */
} parse_cases[] = {
    {BODY("{}"), NULL},
    {BODY(" {\"a\": 1, \"b\": [true, null]}\n"), NULL},
    {BODY("{\"name\": \"أحمد\"}"), NULL},
    {BODY("{\"a\": \"x\\u0000y\"}"), "invalid_json"},
    {BODY("{\"a\": 1} trailing"), "invalid_json"},
    {BODY("{\"a\": 1, \"a\": 2}"), "invalid_json"},
    {BODY("{\"a\": 1,}"), "invalid_json"},
    {BODY("{'a': 1}"), "invalid_json"},
    {BODY(""), "invalid_json"},
    {BODY("   "), "invalid_json"},
    {BODY("{\"a\": \"\\ud800\"}"), "invalid_json"},
    {BODY("[1, 2]"), "not_object"},
    {BODY("\"text\""), "not_object"},
    {BODY("42"), "not_object"},
    {BODY("null"), "not_object"},
    {BODY("{\"a\": 1}\0{\"b\": 2}"), "invalid_utf8"},
    {BODY("{\"a\": \"\xC3\"}"), "invalid_utf8"},
    {BODY("{\"a\": \"\xED\xA0\x80\"}"), "invalid_utf8"},
    {BODY("{\"a\": \"\x01\"}"), "invalid_utf8"},
    {BODY("\xEF\xBB\xBF{}"), "invalid_json"},
};

static void
test_parse(void **state)
{
    struct fail f;
    json_t *obj;
    size_t i;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        fail_clear(&f);
        obj = (json_t *)&f; /* must be reset by the call */
        rc = jsonin_parse_object(parse_cases[i].body, parse_cases[i].n, &obj, &f);
        if (!parse_cases[i].code) {
            if (rc != ST_OK || !json_is_object(obj))
                fail_msg("case %zu: %s", i, f.message);
            json_decref(obj);
            continue;
        }
        assert_int_equal(rc, ST_INVALID);
        assert_null(obj);
        assert_int_equal(f.status, ST_INVALID);
        if (strcmp(f.code, parse_cases[i].code) != 0)
            fail_msg("case %zu: got %s (%s), expected %s", i, f.code, f.message,
                     parse_cases[i].code);
        assert_string_equal(f.field, "");
        assert_true(f.message[0] != '\0');
    }
    assert_int_equal(jsonin_parse_object(NULL, 0, &obj, NULL), ST_INVALID);
    assert_null(obj);
}

static json_t *
parse(const char *s)
{
    json_t *obj = NULL;

    assert_int_equal(jsonin_parse_object(s, strlen(s), &obj, NULL), ST_OK);
    return obj;
}

static void
test_only_fields(void **state)
{
    static const char *const allowed[] = {"name", "phone", NULL};
    json_t *obj;
    struct fail f;

    (void)state;
    obj = parse("{\"name\": \"a\", \"phone\": null}");
    assert_int_equal(jsonin_only_fields(obj, allowed, &f), ST_OK);
    json_decref(obj);

    obj = parse("{\"name\": \"a\", \"foo\": 1, \"bar\": 2}");
    assert_int_equal(jsonin_only_fields(obj, allowed, &f), ST_INVALID);
    assert_string_equal(f.code, "unknown_field");
    assert_string_equal(f.field, "foo");
    assert_string_equal(f.message, "unknown field 'foo'");
    json_decref(obj);

    obj = parse("{}");
    assert_int_equal(jsonin_only_fields(obj, allowed, &f), ST_OK);
    json_decref(obj);
}

static const struct {
    const char *body;
    size_t max;
    bool required;
    int rc;
    const char *value; /* expected copy, or NULL */
    const char *code;
    const char *message;
} string_cases[] = {
    {"{\"v\": \"Nour\"}", 10, true, ST_OK, "Nour", "", ""},
    {"{\"v\": \"  Nour \\n\"}", 10, true, ST_OK, "Nour", "", ""},
    {"{\"v\": \"فاطمة\"}", 5, true, ST_OK, "فاطمة", "", ""},
    {"{\"v\": \"a\\tb\\nc\"}", 10, true, ST_OK, "a\tb\nc", "", ""},
    {"{}", 10, false, ST_OK, NULL, "", ""},
    {"{\"v\": null}", 10, false, ST_OK, NULL, "", ""},
    {"{\"v\": \"   \"}", 10, false, ST_OK, NULL, "", ""},
    {"{}", 10, true, ST_INVALID, NULL, "required", "field 'v' is required"},
    {"{\"v\": null}", 10, true, ST_INVALID, NULL, "required", "field 'v' is required"},
    {"{\"v\": \" \\t \"}", 10, true, ST_INVALID, NULL, "required", "field 'v' is required"},
    {"{\"v\": 5}", 10, false, ST_INVALID, NULL, "invalid_type", "field 'v' must be a string"},
    {"{\"v\": [\"a\"]}", 10, false, ST_INVALID, NULL, "invalid_type", "field 'v' must be a string"},
    {"{\"v\": \"فاطمة\"}", 4, true, ST_INVALID, NULL, "too_long",
     "field 'v' is longer than 4 characters"},
    {"{\"v\": \"abcde\"}", 4, true, ST_INVALID, NULL, "too_long",
     "field 'v' is longer than 4 characters"},
    {"{\"v\": \"a\\u0007b\"}", 10, true, ST_INVALID, NULL, "invalid_utf8",
     "field 'v' holds a control character"},
};

static void
test_string(void **state)
{
    struct fail f;
    json_t *obj;
    char *out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
        obj = parse(string_cases[i].body);
        fail_clear(&f);
        out = (char *)"garbage";
        assert_int_equal(
            jsonin_string(obj, "v", string_cases[i].max, string_cases[i].required, &out, &f),
            string_cases[i].rc);
        if (string_cases[i].value)
            assert_string_equal(out, string_cases[i].value);
        else
            assert_null(out);
        assert_string_equal(f.code, string_cases[i].code);
        assert_string_equal(f.message, string_cases[i].message);
        if (string_cases[i].rc != ST_OK)
            assert_string_equal(f.field, "v");
        free(out);
        json_decref(obj);
    }
}

static void
test_int(void **state)
{
    static const struct {
        const char *body;
        bool required;
        int rc;
        bool present;
        int64_t value;
        const char *code;
    } cases[] = {
        {"{\"n\": 5}", true, ST_OK, true, 5, ""},
        {"{\"n\": -10}", true, ST_OK, true, -10, ""},
        {"{\"n\": 100}", true, ST_OK, true, 100, ""},
        {"{}", false, ST_OK, false, 0, ""},
        {"{\"n\": null}", false, ST_OK, false, 0, ""},
        {"{}", true, ST_INVALID, false, 0, "required"},
        {"{\"n\": 5.0}", true, ST_INVALID, false, 0, "invalid_type"},
        {"{\"n\": \"5\"}", true, ST_INVALID, false, 0, "invalid_type"},
        {"{\"n\": true}", true, ST_INVALID, false, 0, "invalid_type"},
        {"{\"n\": 101}", true, ST_INVALID, false, 0, "out_of_range"},
        {"{\"n\": -11}", true, ST_INVALID, false, 0, "out_of_range"},
    };
    struct fail f;
    json_t *obj;
    bool present;
    int64_t v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        obj = parse(cases[i].body);
        fail_clear(&f);
        present = !cases[i].present;
        v = 77;
        assert_int_equal(jsonin_int(obj, "n", -10, 100, cases[i].required, &present, &v, &f),
                         cases[i].rc);
        assert_int_equal(present, cases[i].present);
        assert_int_equal(v, cases[i].value);
        assert_string_equal(f.code, cases[i].code);
        json_decref(obj);
    }
    obj = parse("{\"n\": 101}");
    assert_int_equal(jsonin_int(obj, "n", -10, 100, true, NULL, &v, &f), ST_INVALID);
    assert_string_equal(f.message, "field 'n' must be between -10 and 100");
    json_decref(obj);
}

static void
test_bool(void **state)
{
    static const struct {
        const char *body;
        bool required;
        int rc;
        bool present;
        bool value;
        const char *code;
    } cases[] = {
        {"{\"b\": true}", true, ST_OK, true, true, ""},
        {"{\"b\": false}", true, ST_OK, true, false, ""},
        {"{}", false, ST_OK, false, false, ""},
        {"{\"b\": null}", true, ST_INVALID, false, false, "required"},
        {"{\"b\": 1}", true, ST_INVALID, false, false, "invalid_type"},
        {"{\"b\": \"true\"}", false, ST_INVALID, false, false, "invalid_type"},
    };
    struct fail f;
    json_t *obj;
    bool present, v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        obj = parse(cases[i].body);
        fail_clear(&f);
        present = !cases[i].present;
        v = !cases[i].value;
        assert_int_equal(jsonin_bool(obj, "b", cases[i].required, &present, &v, &f), cases[i].rc);
        assert_int_equal(present, cases[i].present);
        assert_int_equal(v, cases[i].value);
        assert_string_equal(f.code, cases[i].code);
        json_decref(obj);
    }
}

static void
test_choice(void **state)
{
    static const char *const sexes[] = {"female", "male", NULL};
    static const struct {
        const char *body;
        bool required;
        int rc;
        int index; /* into sexes, -1 for NULL */
        const char *code;
    } cases[] = {
        {"{\"c\": \"female\"}", true, ST_OK, 0, ""},
        {"{\"c\": \"male\"}", true, ST_OK, 1, ""},
        {"{}", false, ST_OK, -1, ""},
        {"{}", true, ST_INVALID, -1, "required"},
        {"{\"c\": \"Male\"}", true, ST_INVALID, -1, "invalid_value"},
        {"{\"c\": \"mal\"}", true, ST_INVALID, -1, "invalid_value"},
        {"{\"c\": \"male \"}", true, ST_INVALID, -1, "invalid_value"},
        {"{\"c\": 1}", true, ST_INVALID, -1, "invalid_type"},
    };
    struct fail f;
    json_t *obj;
    const char *out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        obj = parse(cases[i].body);
        fail_clear(&f);
        out = "garbage";
        assert_int_equal(jsonin_choice(obj, "c", sexes, cases[i].required, &out, &f), cases[i].rc);
        if (cases[i].index < 0)
            assert_null(out);
        else
            assert_ptr_equal(out, sexes[cases[i].index]);
        assert_string_equal(f.code, cases[i].code);
        json_decref(obj);
    }
    obj = parse("{\"c\": \"other\"}");
    assert_int_equal(jsonin_choice(obj, "c", sexes, true, &out, &f), ST_INVALID);
    assert_string_equal(f.message, "field 'c' must be one of: female, male");
    assert_string_equal(f.field, "c");
    json_decref(obj);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),  cmocka_unit_test(test_only_fields),
        cmocka_unit_test(test_string), cmocka_unit_test(test_int),
        cmocka_unit_test(test_bool),   cmocka_unit_test(test_choice),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
