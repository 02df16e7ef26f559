/* Unit tests of src/clinic/injection_maps.c: the shipped maps load with their zones and
 * high-risk flags, and each kind of mistake a clinic can make in the file is refused naming the
 * file, the zone and the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/injection_maps.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/" INJECTION_MAPS_FILE

static json_t *
shipped(void)
{
    json_error_t err;
    json_t *j = json_load_file(SHIPPED, 0, &err);
    if (!j)
        fail_msg("cannot read %s: %s", SHIPPED, err.text);
    return j;
}

static void
test_shipped(void **state)
{
    struct injection_maps *m = NULL;
    struct fail f;
    (void)state;
    fail_clear(&f);
    if (injection_maps_load(SHIPPED, &m, &f) != ST_OK)
        fail_msg("the shipped maps do not load: %s", f.message);
    assert_int_equal(m->nmaps, 2);
    const struct injection_map *scalp = injection_maps_find(m, "scalp");
    const struct injection_map *face = injection_maps_find(m, "face");
    assert_non_null(scalp);
    assert_non_null(face);
    assert_null(injection_maps_find(m, "knee"));
    assert_int_equal(scalp->nzones, INJECTION_MAPS_NSCALP);
    assert_int_equal(face->nzones, INJECTION_MAPS_NFACE);
    size_t risky = 0;
    for (size_t i = 0; i < face->nzones; i++) {
        const struct injection_zone *z = &face->zones[i];
        assert_true(z->area_cm2 > 0);
        assert_non_null(z->label_ar);
        if (z->high_risk) {
            risky++;
            assert_string_equal(z->rule, "PRP-FACE-1");
        } else {
            assert_null(z->rule);
        }
    }
    assert_int_equal(risky, 4);
    assert_true(injection_map_zone(face, "glabella")->high_risk);
    assert_true(injection_map_zone(face, "forehead")->high_risk);
    assert_true(injection_map_zone(face, "nasolabial_left")->high_risk);
    assert_true(injection_map_zone(face, "nasolabial_right")->high_risk);
    assert_false(injection_map_zone(face, "lips")->high_risk);
    for (size_t i = 0; i < scalp->nzones; i++)
        assert_false(scalp->zones[i].high_risk);
    assert_null(injection_map_zone(scalp, "glabella"));

    json_t *j = injection_maps_json(m);
    assert_int_equal(json_array_size(j), 2);
    json_t *z0 = json_array_get(json_object_get(json_array_get(j, 0), "zones"), 0);
    assert_string_equal(json_string_value(json_object_get(z0, "code")), "frontal");
    assert_true(json_is_integer(json_object_get(z0, "area_cm2")));
    assert_true(json_is_false(json_object_get(z0, "high_risk")));
    json_decref(j);
    injection_maps_free(m);
    injection_maps_free(NULL);
}

/* Changes the shipped file with `spoil`, then expects a failure with `code` naming `needle`. */
static void
expect(void (*spoil)(json_t *root), const char *code, const char *needle)
{
    json_t *root = shipped();
    spoil(root);
    char *text = json_dumps(root, 0);
    json_decref(root);
    struct injection_maps *m = (struct injection_maps *)1;
    struct fail f;
    fail_clear(&f);
    int st = injection_maps_parse(text, strlen(text), "injection-maps.json", &m, &f);
    free(text);
    assert_int_equal(st, ST_INVALID);
    assert_null(m);
    if (strcmp(f.code, code) != 0 || !strstr(f.message, needle) ||
        !strstr(f.message, "injection-maps.json"))
        fail_msg("wanted %s naming %s, got %s: %s", code, needle, f.code, f.message);
}

static json_t *
zone(json_t *root, size_t map, size_t i)
{
    return json_array_get(
        json_object_get(json_array_get(json_object_get(root, "maps"), map), "zones"), i);
}

static void
spoil_zone_code(json_t *root)
{
    json_object_set_new(zone(root, 0, 2), "code", json_string("vertex"));
}
static void
spoil_zone_missing(json_t *root)
{
    json_array_remove(json_object_get(json_array_get(json_object_get(root, "maps"), 0), "zones"),
                      7);
}
static void
spoil_zone_twice(json_t *root)
{
    json_object_set_new(zone(root, 0, 1), "code", json_string("frontal"));
}
static void
spoil_area(json_t *root)
{
    json_object_set_new(zone(root, 1, 3), "area_cm2", json_integer(0));
}
static void
spoil_rule_missing(json_t *root)
{
    json_object_del(zone(root, 1, 1), "rule");
}
static void
spoil_rule_stray(json_t *root)
{
    json_object_set_new(zone(root, 1, 9), "rule", json_string("PRP-FACE-1"));
}
static void
spoil_basis(json_t *root)
{
    json_object_set_new(json_object_get(root, "basis"), "area_cm2",
                        json_string("measured on a typical adult"));
}
static void
spoil_unknown(json_t *root)
{
    json_object_set_new(zone(root, 1, 0), "colour", json_string("red"));
}
static void
spoil_version(json_t *root)
{
    json_object_set_new(root, "schema_version", json_integer(2));
}
static void
spoil_label(json_t *root)
{
    json_object_del(json_object_get(zone(root, 0, 0), "label"), "ar");
}
static void
spoil_map(json_t *root)
{
    json_object_set_new(json_array_get(json_object_get(root, "maps"), 1), "code",
                        json_string("scalp"));
}

static void
test_mistakes(void **state)
{
    (void)state;
    expect(spoil_zone_code, "unknown_zone", "'vertex'");
    expect(spoil_zone_missing, "invalid_type", "zones");
    expect(spoil_zone_twice, "duplicate", "zones[1]");
    expect(spoil_area, "invalid_value", "area_cm2");
    expect(spoil_rule_missing, "required", "glabella");
    expect(spoil_rule_stray, "invalid_value", "lips");
    expect(spoil_basis, "invalid_value", "basis.area_cm2");
    expect(spoil_unknown, "unknown_field", "colour");
    expect(spoil_version, "schema_version", "schema_version");
    expect(spoil_label, "required", "label.ar");
    expect(spoil_map, "duplicate", "maps[1]");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_mistakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
