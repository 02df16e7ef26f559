/* Unit tests of src/clinic/protocols.c: the shipped protocols/ load and agree, broken copies
 * fail with errors that name the file and the entry, and lab values convert into the unit the
 * screening rules compare in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "clinic/labs.h"
#include "clinic/protocols.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR

static const char *const files[] = {"screening.json",  "drugs.json",          "labs.json",
                                    "treatments.json", "prp-hair.json",       "prp-face.json",
                                    "adsc-hair.json",  "injection-maps.json", "measures.json"};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* A copy of the shipped protocols/ in a temporary directory, to break on purpose. */
struct copy {
    char dir[64];
};

static void
path_in(const char *dir, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static json_t *
load_json(const char *dir, const char *name)
{
    char path[256];
    json_error_t err;

    path_in(dir, name, path, sizeof(path));
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("cannot read %s: %s", path, err.text);
    return j;
}

static void
save_json(const char *dir, const char *name, json_t *j)
{
    char path[256];

    path_in(dir, name, path, sizeof(path));
    assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

static void
copy_make(struct copy *c)
{
    snprintf(c->dir, sizeof(c->dir), "/tmp/autologa-unit-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    for (size_t i = 0; i < NFILES; i++) {
        json_t *j = load_json(SHIPPED, files[i]);
        save_json(c->dir, files[i], j);
        json_decref(j);
    }
}

static void
copy_remove(struct copy *c)
{
    char path[256];

    for (size_t i = 0; i < NFILES; i++) {
        path_in(c->dir, files[i], path, sizeof(path));
        unlink(path);
    }
    rmdir(c->dir);
}

/* The entry of `array` whose "code" is `code`, with its index. */
static json_t *
entry(json_t *array, const char *code, size_t *index)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "code")), code)) {
            if (index)
                *index = i;
            return v;
        }
    }
    fail_msg("no entry '%s'", code);
    return NULL;
}

/* Loads the copy, expecting a failure with `code` whose message holds each of `needles`. */
static void
expect_failure(const struct copy *c, const char *code, const char *const *needles)
{
    struct protocols *p = (struct protocols *)1;
    struct fail f;

    fail_clear(&f);
    assert_int_not_equal(protocols_load(c->dir, &p, &f), ST_OK);
    assert_null(p);
    if (strcmp(f.code, code) != 0)
        fail_msg("code %s, wanted %s: %s", f.code, code, f.message);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(f.message, needles[i]))
            fail_msg("the message does not name %s: %s", needles[i], f.message);
}

static void
test_shipped_load(void **state)
{
    struct protocols *p = NULL;
    struct fail f;

    (void)state;
    fail_clear(&f);
    if (protocols_load(SHIPPED, &p, &f) != ST_OK)
        fail_msg("the shipped protocols do not load: %s", f.message);
    assert_non_null(p->screening);
    assert_non_null(p->drugs);
    assert_non_null(p->labs);
    assert_int_equal(strlen(p->screening_sha256), 64);
    assert_int_equal(strspn(p->screening_sha256, "0123456789abcdef"), 64);

    /* The catalogue names each analyte's screening unit, or null when the rules do not read
     * it. */
    json_t *cat = protocols_catalog_json(p);
    assert_non_null(cat);
    json_t *plt = entry(json_object_get(cat, "analytes"), "platelets", NULL);
    assert_string_equal(json_string_value(json_object_get(plt, "screening_unit")), "/µL");
    assert_string_equal(json_string_value(json_object_get(plt, "canonical_unit")), "×10⁹/L");
    json_t *lym = entry(json_object_get(cat, "analytes"), "lymphocytes", NULL);
    assert_true(json_is_null(json_object_get(lym, "screening_unit")));
    json_t *classes = json_object_get(cat, "medication_classes");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(classes, json_array_size(classes) - 1), "code")),
                        "other");

    /* The course protocols whole, and the treatments offered with their protocol or null. */
    json_t *docs = json_object_get(cat, "protocols");
    assert_int_equal(json_array_size(docs), 3);
    json_t *hair = entry(docs, "prp-hair", NULL);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(hair, "sessions"), "interval_days"), "target")),
        30);
    assert_non_null(json_object_get(hair, "sources"));
    json_t *offered = json_object_get(cat, "treatments_offered");
    assert_int_equal(json_array_size(offered), 6);
    assert_string_equal(
        json_string_value(json_object_get(entry(offered, "adsc-hair", NULL), "protocol")),
        "adsc-hair");
    json_t *meso = entry(offered, "mesotherapy", NULL);
    assert_true(json_is_null(json_object_get(meso, "protocol")));
    assert_non_null(json_string_value(json_object_get(json_object_get(meso, "summary"), "ar")));
    /* The catalogue holds copies: changing one changes nothing loaded. */
    assert_int_equal(json_object_set_new(hair, "code", json_string("changed")), 0);
    assert_non_null(course_protocols_find(p->courses, "prp-hair"));
    assert_string_equal(json_string_value(json_object_get(
                            course_protocols_find(p->courses, "prp-hair")->document, "code")),
                        "prp-hair");
    /* The injection maps, each zone with its area and whether it is high-risk. */
    json_t *maps = json_object_get(cat, "injection_maps");
    assert_int_equal(json_array_size(maps), 2);
    json_t *face = entry(maps, "face", NULL);
    json_t *glabella = entry(json_object_get(face, "zones"), "glabella", NULL);
    assert_true(json_is_true(json_object_get(glabella, "high_risk")));
    assert_true(json_is_number(json_object_get(glabella, "area_cm2")));
    json_t *crown = entry(json_object_get(entry(maps, "scalp", NULL), "zones"), "crown", NULL);
    assert_true(json_is_false(json_object_get(crown, "high_risk")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(crown, "label"), "ar")),
                        "قمة الرأس");
    json_decref(cat);
    protocols_free(p);
    protocols_free(NULL);
}

/* The outcomes of a protocol name a measure of measures.json that holds numbers. */
static void
test_outcome_measure_unknown(void **state)
{
    struct copy c;

    (void)state;
    copy_make(&c);
    json_t *doc = load_json(c.dir, "prp-hair.json");
    json_t *band = json_array_get(json_object_get(json_object_get(doc, "outcomes"), "expected"), 0);
    assert_int_equal(json_object_set_new(band, "measure", json_string("hair_weight")), 0);
    save_json(c.dir, "prp-hair.json", doc);
    json_decref(doc);
    static const char *const needles[] = {"prp-hair.json", "outcomes.expected[0]",
                                          "field 'measure'", "'hair_weight'", NULL};
    expect_failure(&c, "unknown_measure", needles);
    copy_remove(&c);

    /* A responder counted on a grade has no gain to count. */
    copy_make(&c);
    doc = load_json(c.dir, "prp-hair.json");
    json_t *resp = json_object_get(json_object_get(doc, "outcomes"), "responder");
    assert_int_equal(json_object_set_new(resp, "measure", json_string("norwood")), 0);
    save_json(c.dir, "prp-hair.json", doc);
    json_decref(doc);
    static const char *const needles2[] = {"prp-hair.json", "outcomes.responder", "'norwood'",
                                           NULL};
    expect_failure(&c, "invalid_value", needles2);
    copy_remove(&c);
}

static void
test_protocol_treatment_unknown(void **state)
{
    struct copy c;

    (void)state;
    /* A protocol that screening.json cannot screen for. */
    copy_make(&c);
    json_t *doc = load_json(c.dir, "prp-face.json");
    assert_int_equal(json_object_set_new(doc, "screening_treatment", json_string("prp-knee")), 0);
    save_json(c.dir, "prp-face.json", doc);
    json_decref(doc);
    static const char *const needles[] = {"prp-face.json", "field 'screening_treatment'",
                                          "'prp-knee'", "screening.json", NULL};
    expect_failure(&c, "unknown_treatment", needles);
    copy_remove(&c);

    /* The same when screening.json drops a treatment a protocol screens for. */
    copy_make(&c);
    json_t *rules = load_json(c.dir, "screening.json");
    size_t i = 0;
    json_t *treatments = json_object_get(rules, "treatments");
    entry(treatments, "adsc-hair", &i);
    assert_int_equal(json_array_remove(treatments, i), 0);
    json_t *r;
    json_array_foreach(json_object_get(rules, "rules"), i, r)
    {
        json_t *ts = json_object_get(r, "treatments"), *t;
        size_t k;
        json_array_foreach(ts, k, t)
        {
            if (!strcmp(json_string_value(t), "adsc-hair")) {
                assert_int_equal(json_array_remove(ts, k), 0);
                break;
            }
        }
    }
    /* Rules that were for adsc-hair alone would now be for nothing: keep them for prp-hair. */
    json_array_foreach(json_object_get(rules, "rules"), i, r)
    {
        json_t *ts = json_object_get(r, "treatments");
        if (json_array_size(ts) == 0)
            assert_int_equal(json_array_append_new(ts, json_string("prp-hair")), 0);
    }
    save_json(c.dir, "screening.json", rules);
    json_decref(rules);
    static const char *const needles2[] = {"adsc-hair.json", "'adsc-hair'", NULL};
    expect_failure(&c, "unknown_treatment", needles2);
    copy_remove(&c);
}

static void
test_lab_for_screening(void **state)
{
    struct protocols *p = NULL;
    struct fail f;
    double canonical, v;

    (void)state;
    fail_clear(&f);
    assert_int_equal(protocols_load(SHIPPED, &p, &f), ST_OK);

    /* Platelets: 250 ×10⁹/L (the canonical unit) is 250000 per µL, the rules' unit. */
    const struct labs_analyte *a = labs_find(p->labs, "platelets");
    assert_non_null(a);
    assert_int_equal(labs_to_canonical(a, 250, labs_unit_parse(a, "10^9/L"), &canonical), ST_OK);
    assert_int_equal(protocols_lab_for_screening(p, "platelets", canonical, &v), ST_OK);
    assert_true(fabs(v - 250000) < 1e-6);

    /* Glucose: 5.5 mmol/L (canonical) is 5.5 × 18.016 = 99.088 mg/dL. */
    a = labs_find(p->labs, "glucose");
    assert_non_null(a);
    assert_int_equal(labs_to_canonical(a, 5.5, labs_unit_parse(a, "mmol/L"), &canonical), ST_OK);
    assert_int_equal(protocols_lab_for_screening(p, "glucose", canonical, &v), ST_OK);
    assert_true(fabs(v - 99.088) < 1e-9);

    /* Haemoglobin is compared in its canonical unit: unchanged. */
    assert_int_equal(protocols_lab_for_screening(p, "haemoglobin", 12.5, &v), ST_OK);
    assert_true(fabs(v - 12.5) < 1e-12);

    /* An analyte the rules do not read, one nobody knows, and a value that is not finite. */
    v = 7;
    assert_int_equal(protocols_lab_for_screening(p, "lymphocytes", 2, &v), ST_NOT_FOUND);
    assert_true(v == 0);
    assert_int_equal(protocols_lab_for_screening(p, "unobtainium", 2, &v), ST_NOT_FOUND);
    assert_int_equal(protocols_lab_for_screening(p, "platelets", NAN, &v), ST_INVALID);
    assert_int_equal(protocols_lab_for_screening(p, "platelets", INFINITY, &v), ST_INVALID);
    protocols_free(p);
}

static void
test_copy_loads(void **state)
{
    struct copy c;
    struct protocols *p = NULL;
    struct fail f;

    (void)state;
    /* The copy itself is sound: the failures below come from the breakage alone. */
    copy_make(&c);
    fail_clear(&f);
    int st = protocols_load(c.dir, &p, &f);
    protocols_free(p);
    copy_remove(&c);
    if (st != ST_OK)
        fail_msg("a faithful copy does not load: %s", f.message);
}

static void
test_analyte_missing_from_labs(void **state)
{
    struct copy c;
    size_t i = 0;

    (void)state;
    copy_make(&c);
    json_t *labs = load_json(c.dir, "labs.json");
    json_t *analytes = json_object_get(labs, "analytes");
    entry(analytes, "ferritin", &i);
    assert_int_equal(json_array_remove(analytes, i), 0);
    save_json(c.dir, "labs.json", labs);
    json_decref(labs);
    static const char *const needles[] = {"screening.json", "'ferritin'", "labs.json", NULL};
    expect_failure(&c, "unknown_analyte", needles);
    copy_remove(&c);
}

static void
test_unit_unknown_to_labs(void **state)
{
    struct copy c;
    size_t i;

    (void)state;
    /* labs.json loses the unit the rules compare platelets in. */
    copy_make(&c);
    json_t *labs = load_json(c.dir, "labs.json");
    json_t *units =
        json_object_get(entry(json_object_get(labs, "analytes"), "platelets", NULL), "units");
    json_t *u;
    json_array_foreach(units, i, u)
    {
        if (!strcmp(json_string_value(json_object_get(u, "symbol")), "/µL"))
            break;
    }
    assert_true(i < json_array_size(units));
    assert_int_equal(json_array_remove(units, i), 0);
    save_json(c.dir, "labs.json", labs);
    json_decref(labs);
    static const char *const needles[] = {"screening.json", "platelets", "'/µL'", "labs.json",
                                          NULL};
    expect_failure(&c, "unknown_unit", needles);
    copy_remove(&c);

    /* The rules name a unit labs.json never heard of. */
    copy_make(&c);
    json_t *rules = load_json(c.dir, "screening.json");
    json_t *glucose = entry(json_object_get(rules, "analytes"), "glucose", NULL);
    assert_int_equal(json_object_set_new(glucose, "unit", json_string("mmHg")), 0);
    save_json(c.dir, "screening.json", rules);
    json_decref(rules);
    static const char *const needles2[] = {"screening.json", "glucose", "'mmHg'", NULL};
    expect_failure(&c, "unknown_unit", needles2);
    copy_remove(&c);
}

static void
test_missing_file(void **state)
{
    struct copy c;
    char path[256];

    (void)state;
    copy_make(&c);
    path_in(c.dir, "drugs.json", path, sizeof(path));
    assert_int_equal(unlink(path), 0);
    struct protocols *p = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_not_equal(protocols_load(c.dir, &p, &f), ST_OK);
    assert_null(p);
    if (!strstr(f.message, "drugs.json"))
        fail_msg("the message does not name drugs.json: %s", f.message);
    copy_remove(&c);
}

static void
test_map_rule_unknown(void **state)
{
    (void)state;
    /* A high-risk zone citing a rule that screening.json does not have. */
    struct copy c;
    copy_make(&c);
    json_t *maps = load_json(c.dir, "injection-maps.json");
    json_t *face = entry(json_object_get(maps, "maps"), "face", NULL);
    json_t *lips = entry(json_object_get(face, "zones"), "lips", NULL);
    assert_int_equal(json_object_set_new(lips, "high_risk", json_true()), 0);
    assert_int_equal(json_object_set_new(lips, "rule", json_string("PRP-LIPS-9")), 0);
    save_json(c.dir, "injection-maps.json", maps);
    json_decref(maps);
    static const char *const needles[] = {"injection-maps.json", "lips", "'PRP-LIPS-9'",
                                          "screening.json", NULL};
    expect_failure(&c, "unknown_rule", needles);
    copy_remove(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_load),
        cmocka_unit_test(test_lab_for_screening),
        cmocka_unit_test(test_copy_loads),
        cmocka_unit_test(test_analyte_missing_from_labs),
        cmocka_unit_test(test_unit_unknown_to_labs),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_protocol_treatment_unknown),
        cmocka_unit_test(test_outcome_measure_unknown),
        cmocka_unit_test(test_map_rule_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
