/* Unit tests of src/clinic/measures.c: the shipped measures.json loads with its measures, methods
 * and views; each kind of mistake a clinic can make in the file is refused naming the file, the
 * entry and the field; and values are checked at every edge of their type, range and decimals. */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/measures.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/" MEASURES_FILE

static json_t *
shipped(void)
{
    json_error_t err;
    json_t *j = json_load_file(SHIPPED, 0, &err);
    if (!j)
        fail_msg("cannot read %s: %s", SHIPPED, err.text);
    return j;
}

static struct measures *
load_shipped(void)
{
    struct measures *m = NULL;
    struct fail f;
    fail_clear(&f);
    if (measures_load(SHIPPED, &m, &f) != ST_OK)
        fail_msg("the shipped measures do not load: %s", f.message);
    return m;
}

static void
test_shipped(void **state)
{
    (void)state;
    struct measures *m = load_shipped();
    assert_int_equal(m->nmeasures, 17);
    assert_int_equal(m->nmethods, 7);
    assert_int_equal(m->nviews, 11);
    assert_string_equal(m->measures[0].code, "hair_density");

    const struct measures_measure *d = measures_find(m, "hair_density");
    assert_int_equal(d->type, MEASURES_NUMBER);
    assert_int_equal(d->decimals, 1);
    assert_true(d->min == 0 && d->max == 1000);
    assert_string_equal(d->unit_en, "hairs/cm²");
    assert_int_equal(d->direction, MEASURES_HIGHER_BETTER);
    assert_int_equal(d->complaint, MEASURES_HAIR);
    assert_null(d->codes);
    assert_string_equal(d->sources[0], "facts4");
    assert_null(d->sources[1]);

    const struct measures_measure *n = measures_find(m, "norwood");
    assert_int_equal(n->type, MEASURES_CODE);
    assert_int_equal(n->ncodes, 12);
    assert_string_equal(n->codes[5], "III-vertex");
    assert_null(n->codes[12]);
    assert_null(n->unit_en);
    assert_int_equal(measures_code_index(n, "III"), 3);
    assert_int_equal(measures_code_index(n, "iii"), -1);
    assert_int_equal(measures_code_index(d, "III"), -1);

    const struct measures_measure *g = measures_find(m, "global_photo");
    assert_int_equal(g->type, MEASURES_INTEGER);
    assert_int_equal(g->nlabels, 7);
    assert_string_equal(measures_value_label(g, -3, "en"), "greatly worse");
    assert_string_equal(measures_value_label(g, 1, "ar"), "أفضل قليلًا");
    assert_null(measures_value_label(g, 4, "en"));
    assert_null(measures_value_label(d, 1, "en"));

    const struct measures_measure *s = measures_find(m, "satisfaction");
    assert_int_equal(s->complaint, MEASURES_ANY);
    assert_null(measures_complaint_name(s->complaint));
    assert_int_equal(measures_find(m, "vellus_density")->direction, MEASURES_DIRECTION_NONE);
    assert_null(measures_direction_name(MEASURES_DIRECTION_NONE));
    assert_string_equal(measures_direction_name(MEASURES_LOWER_BETTER), "lower_better");
    assert_string_equal(measures_type_name(MEASURES_CODE), "code");
    assert_string_equal(measures_complaint_name(MEASURES_FACE), "face");

    assert_null(measures_find(m, "hair_volume"));
    assert_null(measures_find(m, NULL));
    assert_null(measures_find(NULL, "hair_density"));
    assert_string_equal(measures_method_find(m, "phototrichogram")->label_en, "Phototrichogram");
    assert_null(measures_method_find(m, "guessing"));
    const struct measures_view *v = measures_view_find(m, "face_oblique_left");
    assert_int_equal(v->complaint, MEASURES_FACE);
    assert_null(measures_view_find(m, "hair_back"));

    json_t *c = measures_catalog_json(m);
    assert_int_equal(json_array_size(json_object_get(c, "measures")), 17);
    assert_int_equal(json_array_size(json_object_get(c, "methods")), 7);
    assert_int_equal(json_array_size(json_object_get(c, "photo_views")), 11);
    assert_int_equal(json_array_size(json_object_get(c, "sources")), 4);
    assert_null(json_object_get(c, "schema_version"));
    json_decref(c);
    measures_free(m);
    measures_free(NULL);
}

/* One mistake: in list[index] (or the top when list is NULL), key set to the JSON `value`
 * (removed when NULL); the failure's code and a text its message names. */
struct mistake {
    const char *list;
    size_t index;
    const char *key;
    const char *value;
    const char *code;
    const char *needle;
};

static void
expect(const struct mistake *k)
{
    json_t *root = shipped();
    json_t *obj = k->list ? json_array_get(json_object_get(root, k->list), k->index) : root;
    assert_non_null(obj);
    if (k->value) {
        json_error_t err;
        json_t *v = json_loads(k->value, JSON_DECODE_ANY, &err);
        if (!v)
            fail_msg("bad test value %s", k->value);
        json_object_set_new(obj, k->key, v);
    } else {
        json_object_del(obj, k->key);
    }
    char *text = json_dumps(root, 0);
    json_decref(root);
    struct measures *m = (struct measures *)1;
    struct fail f;
    fail_clear(&f);
    int st = measures_parse(text, strlen(text), MEASURES_FILE, &m, &f);
    free(text);
    if (st != ST_INVALID || m != NULL || strcmp(f.code, k->code) != 0 ||
        !strstr(f.message, k->needle) || !strstr(f.message, MEASURES_FILE))
        fail_msg("%s.%s = %s: wanted %s naming %s, got %d %s: %s", k->list ? k->list : "", k->key,
                 k->value ? k->value : "(removed)", k->code, k->needle, st, f.code, f.message);
}

static void
test_mistakes(void **state)
{
    (void)state;
    static const struct mistake cases[] = {
        {NULL, 0, "schema_version", "2", "schema_version", "schema_version"},
        {NULL, 0, "measures", NULL, "required", "measures"},
        {NULL, 0, "measures", "[]", "invalid_type", "measures"},
        {NULL, 0, "colour", "\"red\"", "unknown_field", "colour"},
        {"sources", 1, "id", "\"facts4\"", "duplicate", "sources[1]"},
        {"sources", 0, "tier", "\"A\"", "invalid_value", "tier"},
        {"methods", 2, "code", "\"phototrichogram\"", "duplicate", "methods[2]"},
        {"methods", 0, "label", "{\"en\": \"Photo\"}", "required", "label.ar"},
        {"measures", 1, "code", "\"hair_density\"", "duplicate", "measures[1]"},
        {"measures", 0, "code", "\"Hair density\"", "invalid_value", "code"},
        {"measures", 0, "type", "\"float\"", "invalid_value", "type"},
        {"measures", 0, "decimals", NULL, "required", "decimals"},
        {"measures", 0, "decimals", "5", "invalid_value", "decimals"},
        {"measures", 0, "max", "0", "invalid_value", "max"},
        {"measures", 0, "min", "\"0\"", "invalid_type", "min"},
        {"measures", 0, "codes", "[\"I\", \"II\"]", "unknown_field", "codes"},
        {"measures", 1, "min", "0.5", "invalid_type", "min"},
        {"measures", 1, "decimals", "1", "unknown_field", "decimals"},
        {"measures", 7, "codes", "[\"I\", \"II\", \"I\"]", "duplicate", "codes[2]"},
        {"measures", 7, "codes", "[\"I\"]", "invalid_type", "codes"},
        {"measures", 7, "min", "0", "unknown_field", "min"},
        {"measures", 7, "unit", "{\"en\": \"grade\", \"ar\": \"درجة\"}", "unknown_field", "unit"},
        {"measures", 12, "labels", "{\"-3\": {\"en\": \"worse\", \"ar\": \"أسوأ\"}}",
         "invalid_value", "labels"},
        {"measures", 0, "direction", NULL, "required", "direction"},
        {"measures", 0, "direction", "\"up\"", "invalid_value", "direction"},
        {"measures", 0, "complaint", "\"knee\"", "invalid_value", "complaint"},
        {"measures", 0, "complaint", NULL, "required", "complaint"},
        {"measures", 0, "sources", "[\"nowhere2020\"]", "unknown_source", "nowhere2020"},
        {"measures", 0, "sources", "[]", "invalid_type", "sources"},
        {"measures", 0, "unit", "{\"en\": \"hairs/cm²\"}", "required", "unit.ar"},
        {"measures", 0, "label", NULL, "required", "label"},
        {"photo_views", 3, "code", "\"hair_top\"", "duplicate", "photo_views[3]"},
        {"photo_views", 0, "complaint", "\"scalp\"", "invalid_value", "complaint"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect(&cases[i]);

    /* A label missing for one value of a labelled scale names that value. */
    json_t *root = shipped();
    json_t *labels =
        json_object_get(json_array_get(json_object_get(root, "measures"), 12), "labels");
    json_object_del(labels, "0");
    json_object_set_new(labels, "4", json_pack("{s:s, s:s}", "en", "x", "ar", "س"));
    char *text = json_dumps(root, 0);
    json_decref(root);
    struct measures *m = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(measures_parse(text, strlen(text), MEASURES_FILE, &m, &f), ST_INVALID);
    free(text);
    assert_string_equal(f.code, "required");
    assert_non_null(strstr(f.message, "labels.0"));

    /* Not JSON, and an unreadable file. */
    assert_int_equal(measures_parse("{", 1, MEASURES_FILE, &m, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_json");
    assert_int_equal(measures_load("no/such/measures.json", &m, &f), ST_IO);
    assert_null(m);
}

/* Checks JSON `text` for measure `code`: the status, and the failure's code. */
static void
check(const struct measures *m, const char *code, const char *text, int want, const char *want_code)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
    double num = -1;
    const char *c = "x";
    struct fail f;
    fail_clear(&f);
    assert_non_null(v);
    int st = measures_check_value(measures_find(m, code), v, "values.x", &num, &c, &f);
    json_decref(v);
    if (st != want || (want_code && strcmp(f.code, want_code) != 0))
        fail_msg("%s = %s: wanted %d %s, got %d %s (%s)", code, text, want,
                 want_code ? want_code : "", st, f.code, f.message);
    if (st != ST_OK)
        assert_string_equal(f.field, "values.x");
}

static void
test_values(void **state)
{
    (void)state;
    struct measures *m = load_shipped();
    /* number, one decimal, 0..1000 */
    check(m, "hair_density", "0", ST_OK, NULL);
    check(m, "hair_density", "1000", ST_OK, NULL);
    check(m, "hair_density", "142.5", ST_OK, NULL);
    check(m, "hair_density", "0.1", ST_OK, NULL);
    check(m, "hair_density", "999.9", ST_OK, NULL);
    check(m, "hair_density", "142.55", ST_INVALID, "invalid_value");
    check(m, "hair_density", "0.01", ST_INVALID, "invalid_value");
    check(m, "hair_density", "-0.1", ST_INVALID, "out_of_range");
    check(m, "hair_density", "1000.1", ST_INVALID, "out_of_range");
    check(m, "hair_density", "\"142\"", ST_INVALID, "invalid_type");
    check(m, "hair_density", "null", ST_INVALID, "invalid_type");
    check(m, "hair_density", "true", ST_INVALID, "invalid_type");
    /* integer: whole, with negative values on the global scale */
    check(m, "global_photo", "-3", ST_OK, NULL);
    check(m, "global_photo", "3", ST_OK, NULL);
    check(m, "global_photo", "3.0", ST_OK, NULL);
    check(m, "global_photo", "-4", ST_INVALID, "out_of_range");
    check(m, "global_photo", "1.5", ST_INVALID, "invalid_type");
    check(m, "hair_count", "100000", ST_OK, NULL);
    check(m, "hair_count", "100001", ST_INVALID, "out_of_range");
    check(m, "sinclair", "0", ST_INVALID, "out_of_range");
    /* code: exactly one of the codes */
    check(m, "norwood", "\"IIIa\"", ST_OK, NULL);
    check(m, "norwood", "\"IIIA\"", ST_INVALID, "invalid_value");
    check(m, "norwood", "\"\"", ST_INVALID, "invalid_value");
    check(m, "norwood", "3", ST_INVALID, "invalid_type");
    check(m, "savin", "\"frontal\"", ST_OK, NULL);

    double num = 0;
    const char *code = NULL;
    struct fail f;
    json_t *v = json_string("III");
    assert_int_equal(measures_check_value(measures_find(m, "norwood"), v, "v", &num, &code, &f),
                     ST_OK);
    assert_string_equal(code, "III");
    json_decref(v);
    v = json_real(0.3);
    assert_int_equal(
        measures_check_value(measures_find(m, "pigmentation"), v, "v", &num, &code, &f), ST_OK);
    assert_null(code);
    assert_true(num == 0.3);
    json_decref(v);
    assert_int_equal(measures_check_number(measures_find(m, "anagen_percent"), INFINITY, "a", &f),
                     ST_INVALID);
    assert_string_equal(f.code, "invalid_type");

    json_t *j = measures_value_json(measures_find(m, "hair_count"), 93, NULL);
    assert_true(json_is_integer(j));
    json_decref(j);
    j = measures_value_json(measures_find(m, "hair_density"), 142.5, NULL);
    assert_true(json_real_value(j) == 142.5);
    json_decref(j);
    j = measures_value_json(measures_find(m, "norwood"), 0, "V");
    assert_string_equal(json_string_value(j), "V");
    json_decref(j);
    measures_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_mistakes),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
