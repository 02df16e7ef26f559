/* Unit tests of src/clinic/docdiff.c: change lists by dotted path, objects walked, arrays and
 * scalars compared whole, sections that appear or go, and the creation form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/docdiff.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *
load(const char *s)
{
    json_error_t err;
    if (!s)
        return NULL;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

static void
expect(json_t *got, const char *want_s, const char *what)
{
    json_t *want = load(want_s);
    if (!got || !json_equal(got, want)) {
        char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
        fail_msg("%s: got %s, want %s", what, g ? g : "NULL", want_s);
    }
    json_decref(want);
}

static const struct change_case {
    const char *before, *after; /* NULL: no document */
    const char *changes;
} change_cases[] = {
    /* equal documents */
    {"{}", "{}", "{}"},
    {"{\"a\":1,\"b\":{\"c\":[1,2]}}", "{\"b\":{\"c\":[1,2]},\"a\":1}", "{}"},
    {NULL, NULL, "{}"},
    {NULL, "{}", "{}"},
    /* absent and null are the same */
    {"{\"a\":null}", "{}", "{}"},
    {"{}", "{\"a\":null}", "{}"},
    /* scalars */
    {"{\"a\":1}", "{\"a\":2}", "{\"a\":{\"from\":1,\"to\":2}}"},
    {"{\"a\":\"x\"}", "{\"a\":null}", "{\"a\":{\"from\":\"x\",\"to\":null}}"},
    {"{}", "{\"a\":false}", "{\"a\":{\"from\":null,\"to\":false}}"},
    {"{\"a\":true}", "{}", "{\"a\":{\"from\":true,\"to\":null}}"},
    {"{\"a\":1}", "{\"a\":1.5}", "{\"a\":{\"from\":1,\"to\":1.5}}"},
    /* JSON types differ: 1 is not 1.0 (documents are normalised first) */
    {"{\"a\":1}", "{\"a\":1.0}", "{\"a\":{\"from\":1,\"to\":1.0}}"},
    /* nested objects by dotted path */
    {"{\"hair\":{\"norwood\":\"III\",\"ludwig\":null}}",
     "{\"hair\":{\"norwood\":\"IV\",\"ludwig\":null}}",
     "{\"hair.norwood\":{\"from\":\"III\",\"to\":\"IV\"}}"},
    {"{\"a\":{\"b\":{\"c\":1,\"d\":2}}}", "{\"a\":{\"b\":{\"c\":1,\"d\":3}}}",
     "{\"a.b.d\":{\"from\":2,\"to\":3}}"},
    {"{\"a\":{\"x\":1}}", "{\"a\":{\"y\":1}}",
     "{\"a.y\":{\"from\":null,\"to\":1},\"a.x\":{\"from\":1,\"to\":null}}"},
    /* arrays compared whole, under their own key */
    {"{\"hair\":{\"zones\":[\"vertex\"]}}", "{\"hair\":{\"zones\":[\"vertex\",\"frontal\"]}}",
     "{\"hair.zones\":{\"from\":[\"vertex\"],\"to\":[\"vertex\",\"frontal\"]}}"},
    {"{\"zones\":[\"vertex\",\"frontal\"]}", "{\"zones\":[\"frontal\",\"vertex\"]}",
     "{\"zones\":{\"from\":[\"vertex\",\"frontal\"],\"to\":[\"frontal\",\"vertex\"]}}"},
    {"{\"medications\":[{\"name\":\"x\",\"dose\":null}]}",
     "{\"medications\":[{\"name\":\"x\",\"dose\":\"1 mg\"}]}",
     "{\"medications\":{\"from\":[{\"name\":\"x\",\"dose\":null}],"
     "\"to\":[{\"name\":\"x\",\"dose\":\"1 mg\"}]}}"},
    {"{\"m\":[]}", "{\"m\":null}", "{\"m\":{\"from\":[],\"to\":null}}"},
    /* a section that appears lists what it brings; one that goes, what it took */
    {"{\"hair\":null}", "{\"hair\":{\"norwood\":\"II\",\"ludwig\":null}}",
     "{\"hair.norwood\":{\"from\":null,\"to\":\"II\"}}"},
    {"{\"face\":{\"glogau\":\"I\",\"fitzpatrick\":null}}", "{\"face\":null}",
     "{\"face.glogau\":{\"from\":\"I\",\"to\":null}}"},
    {"{}", "{\"s\":{\"had\":false}}", "{\"s.had\":{\"from\":null,\"to\":false}}"},
    /* ...and when it brings nothing but still differs, the section itself */
    {"{\"hair\":null}", "{\"hair\":{\"norwood\":null}}",
     "{\"hair\":{\"from\":null,\"to\":{\"norwood\":null}}}"},
    {"{\"hair\":{}}", "{\"hair\":null}", "{\"hair\":{\"from\":{},\"to\":null}}"},
    /* an object against a scalar or an array is compared whole */
    {"{\"a\":{\"b\":1}}", "{\"a\":5}", "{\"a\":{\"from\":{\"b\":1},\"to\":5}}"},
    {"{\"a\":[1]}", "{\"a\":{\"b\":1}}", "{\"a\":{\"from\":[1],\"to\":{\"b\":1}}}"},
    /* Arabic text and keys pass through */
    {"{\"note\":\"قديم\"}", "{\"note\":\"جديد\"}",
     "{\"note\":{\"from\":\"قديم\",\"to\":\"جديد\"}}"},
};

static void
test_changes(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(change_cases); i++) {
        const struct change_case *c = &change_cases[i];
        json_t *a = load(c->before), *b = load(c->after);
        json_t *got = docdiff_changes(a, b);
        char what[32];
        snprintf(what, sizeof(what), "case %zu", i);
        expect(got, c->changes, what);
        json_decref(got);
        json_decref(a);
        json_decref(b);
    }
}

/* The documents compared are left as they were. */
static void
test_changes_leave_arguments(void **state)
{
    (void)state;
    json_t *a = load("{\"x\":{\"y\":[1,2]},\"z\":1}"), *b = load("{\"x\":{\"y\":[2]}}");
    json_t *a2 = json_deep_copy(a), *b2 = json_deep_copy(b);
    json_t *got = docdiff_changes(a, b);
    expect(got, "{\"x.y\":{\"from\":[1,2],\"to\":[2]},\"z\":{\"from\":1,\"to\":null}}", "diff");
    assert_true(json_equal(a, a2));
    assert_true(json_equal(b, b2));
    json_decref(got);
    json_decref(a);
    json_decref(b);
    json_decref(a2);
    json_decref(b2);
}

static const struct creation_case {
    const char *doc;
    const char *changes;
} creation_cases[] = {
    {"{}", "{}"},
    {"{\"a\":null,\"b\":[]}", "{}"},
    {"{\"visit_date\":\"2026-11-21\",\"complaint\":\"hair\","
     "\"hair\":{\"norwood\":\"III-vertex\",\"ludwig\":null,\"zones\":[\"vertex\"]},"
     "\"face\":null,\"notes\":null,\"consent_to_risks\":false}",
     "{\"visit_date\":{\"from\":null,\"to\":\"2026-11-21\"},"
     "\"complaint\":{\"from\":null,\"to\":\"hair\"},"
     "\"hair.norwood\":{\"from\":null,\"to\":\"III-vertex\"},"
     "\"hair.zones\":{\"from\":null,\"to\":[\"vertex\"]},"
     "\"consent_to_risks\":{\"from\":null,\"to\":false}}"},
    /* a section of nulls sets nothing */
    {"{\"hair\":{\"norwood\":null}}", "{}"},
    {"{\"conditions\":[{\"code\":\"diabetes\",\"active\":true}],\"bmi\":27.2}",
     "{\"conditions\":{\"from\":null,\"to\":[{\"code\":\"diabetes\",\"active\":true}]},"
     "\"bmi\":{\"from\":null,\"to\":27.2}}"},
    {"{\"n\":0,\"s\":\"\"}", "{\"n\":{\"from\":null,\"to\":0},\"s\":{\"from\":null,\"to\":\"\"}}"},
};

static void
test_creation(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(creation_cases); i++) {
        json_t *d = load(creation_cases[i].doc);
        json_t *got = docdiff_creation(d);
        char what[32];
        snprintf(what, sizeof(what), "creation case %zu", i);
        expect(got, creation_cases[i].changes, what);
        json_decref(got);
        json_decref(d);
    }
    json_t *none = docdiff_creation(NULL);
    expect(none, "{}", "creation of nothing");
    json_decref(none);
}

/* Keys too long to name below their parent are reported at the parent, whole. */
static void
test_long_paths(void **state)
{
    (void)state;
    char key[DOCDIFF_PATH_MAX + 8];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    json_t *a = json_pack("{s:{s:i, s:i}}", "sec", key, 1, "short", 1);
    json_t *b = json_pack("{s:{s:i, s:i}}", "sec", key, 2, "short", 2);
    json_t *got = docdiff_changes(a, b);
    assert_non_null(got);
    assert_int_equal(json_object_size(got), 1);
    json_t *sec = json_object_get(got, "sec");
    assert_non_null(sec);
    assert_true(json_equal(json_object_get(sec, "from"), json_object_get(a, "sec")));
    assert_true(json_equal(json_object_get(sec, "to"), json_object_get(b, "sec")));
    json_decref(got);

    /* A path that just fits is named. */
    char fits[DOCDIFF_PATH_MAX];
    memset(fits, 'f', DOCDIFF_PATH_MAX - 5);
    fits[DOCDIFF_PATH_MAX - 5] = '\0'; /* "sec." + key = DOCDIFF_PATH_MAX - 1 bytes */
    json_t *c = json_pack("{s:{s:i}}", "sec", fits, 1), *d = json_pack("{s:{s:i}}", "sec", fits, 2);
    got = docdiff_changes(c, d);
    char path[DOCDIFF_PATH_MAX + 8];
    snprintf(path, sizeof(path), "sec.%s", fits);
    assert_non_null(json_object_get(got, path));
    json_decref(got);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_changes_leave_arguments),
        cmocka_unit_test(test_creation),
        cmocka_unit_test(test_long_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
