/* Unit tests of src/clinic/labs.c: the shipped analytes load, every unit spelling and every
 * conversion there and back, analyte names, and broken files that name the analyte and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/labs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/labs.json"

static struct labs *shipped;

static int
setup(void **state)
{
    struct fail f = {0};

    (void)state;
    if (labs_load(SHIPPED, &shipped, &f) != ST_OK) {
        fprintf(stderr, "cannot load %s: %s\n", SHIPPED, f.message);
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    labs_free(shipped);
    shipped = NULL;
    return 0;
}

static const struct labs_analyte *
analyte(const char *code)
{
    const struct labs_analyte *a = labs_find(shipped, code);

    if (!a)
        fail_msg("analyte '%s' is missing", code);
    return a;
}

static bool
close_to(double got, double want)
{
    return fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want));
}

/* ---- the shipped file ---- */

static void
test_shipped_analytes(void **state)
{
    static const struct {
        const char *code;
        const char *canonical;
        size_t nunits;
    } cases[] = {
        {"platelets", "×10⁹/L", 2}, {"haemoglobin", "g/dL", 2},   {"haematocrit", "L/L", 2},
        {"wbc", "×10⁹/L", 2},       {"neutrophils", "×10⁹/L", 2}, {"lymphocytes", "×10⁹/L", 2},
        {"monocytes", "×10⁹/L", 2}, {"eosinophils", "×10⁹/L", 2}, {"basophils", "×10⁹/L", 2},
        {"ferritin", "ng/mL", 2},   {"tsh", "mIU/L", 2},          {"vitamin_d", "ng/mL", 3},
        {"inr", "ratio", 1},        {"glucose", "mmol/L", 2},     {"hba1c", "mmol/mol", 2},
    };

    (void)state;
    assert_int_equal(labs_count(shipped), N(cases));
    for (size_t i = 0; i < N(cases); i++) {
        const struct labs_analyte *a = analyte(cases[i].code);
        assert_ptr_equal(labs_at(shipped, i), a); /* file order */
        assert_string_equal(a->canonical->symbol, cases[i].canonical);
        assert_int_equal(a->nunits, cases[i].nunits);
        assert_non_null(a->label_en);
        assert_non_null(a->label_ar);
        assert_null(a->canonical->source);
        for (size_t u = 0; u < a->nunits; u++)
            if (&a->units[u] != a->canonical && !(a->units[u].source && a->units[u].factor > 0))
                fail_msg("%s: unit '%s' lacks a factor or its source", a->code, a->units[u].symbol);
    }
    assert_null(labs_at(shipped, N(cases)));
    assert_null(labs_find(shipped, "cholesterol"));
    assert_null(labs_find(shipped, "Ferritin")); /* codes are exact */
}

/* ---- unit spellings ---- */

static const struct unit_case {
    const char *analyte;
    const char *text;
    const char *symbol; /* NULL: not a unit of the analyte */
} unit_cases[] = {
    {"platelets", "×10⁹/L", "×10⁹/L"},
    {"platelets", "10^9/L", "×10⁹/L"},
    {"platelets", "x10^9/L", "×10⁹/L"},
    {"platelets", "X10^9/l", "×10⁹/L"},
    {"platelets", "10*9/L", "×10⁹/L"},
    {"platelets", "10E9/L", "×10⁹/L"},
    {"platelets", " 10 ^ 9 / L ", "×10⁹/L"},
    {"platelets", "10⁹/L", "×10⁹/L"},
    {"platelets", "K/uL", "×10⁹/L"},
    {"platelets", "k/µL", "×10⁹/L"},
    {"platelets", "10^3/uL", "×10⁹/L"},
    {"platelets", "10³/µL", "×10⁹/L"},
    {"platelets", "x10³/μL", "×10⁹/L"}, /* Greek mu */
    {"platelets", "10*3/uL", "×10⁹/L"},
    {"platelets", "/µL", "/µL"},
    {"platelets", "/uL", "/µL"},
    {"platelets", "/UL", "/µL"},
    {"platelets", "cells/uL", "/µL"},
    {"platelets", "/mm3", "/µL"},
    {"platelets", "/mm³", "/µL"},
    {"platelets", "g/L", NULL},
    {"platelets", "10^6/uL", NULL},
    {"platelets", "10^12/L", NULL},
    {"platelets", "%", NULL},
    {"wbc", "10^9/L", "×10⁹/L"},
    {"wbc", "/µL", "/µL"},
    {"neutrophils", "K/uL", "×10⁹/L"},
    {"neutrophils", "%", NULL},
    {"lymphocytes", "x10^9/L", "×10⁹/L"},
    {"monocytes", "cells/mm3", "/µL"},
    {"eosinophils", "10^9/L", "×10⁹/L"},
    {"basophils", "/uL", "/µL"},
    {"haemoglobin", "g/dL", "g/dL"},
    {"haemoglobin", "g/dl", "g/dL"},
    {"haemoglobin", "G/DL", "g/dL"},
    {"haemoglobin", "gm/dL", "g/dL"},
    {"haemoglobin", "g%", "g/dL"},
    {"haemoglobin", "g/L", "g/L"},
    {"haemoglobin", "GM/L", "g/L"},
    {"haemoglobin", "mmHg", NULL},
    {"haemoglobin", "mmol/L", NULL},
    {"haematocrit", "%", "%"},
    {"haematocrit", "L/L", "L/L"},
    {"haematocrit", "l/l", "L/L"},
    {"haematocrit", "g/dL", NULL},
    {"ferritin", "ng/mL", "ng/mL"},
    {"ferritin", "NG/ML", "ng/mL"},
    {"ferritin", "µg/L", "µg/L"},
    {"ferritin", "ug/L", "µg/L"},
    {"ferritin", "μg/L", "µg/L"},
    {"ferritin", "mcg/L", "µg/L"},
    {"ferritin", "pmol/L", NULL},
    {"tsh", "mIU/L", "mIU/L"},
    {"tsh", "mU/L", "mIU/L"},
    {"tsh", "µIU/mL", "µIU/mL"},
    {"tsh", "uIU/mL", "µIU/mL"},
    {"tsh", "µU/mL", "µIU/mL"},
    {"tsh", "mcIU/mL", "µIU/mL"},
    {"tsh", "ng/mL", NULL},
    {"vitamin_d", "ng/mL", "ng/mL"},
    {"vitamin_d", "ng/ml", "ng/mL"},
    {"vitamin_d", "nmol/L", "nmol/L"},
    {"vitamin_d", "NMOL/L", "nmol/L"},
    {"vitamin_d", "ug/L", "µg/L"},
    {"vitamin_d", "IU", NULL},
    {"inr", "", "ratio"},
    {"inr", "ratio", "ratio"},
    {"inr", "INR", "ratio"},
    {"inr", "-", "ratio"},
    {"inr", "s", NULL},
    {"glucose", "mmol/L", "mmol/L"},
    {"glucose", "mmol/l", "mmol/L"},
    {"glucose", "mg/dL", "mg/dL"},
    {"glucose", "mg/dl", "mg/dL"},
    {"glucose", "mg%", "mg/dL"},
    {"glucose", "", NULL},
    {"glucose", "g/L", NULL},
    {"hba1c", "%", "%"},
    {"hba1c", "% (NGSP)", "%"},
    {"hba1c", "%Hb", "%"},
    {"hba1c", "mmol/mol", "mmol/mol"},
    {"hba1c", "mmol/mol Hb", "mmol/mol"},
    {"hba1c", "mmol/L", NULL},
    /* not text a unit can be */
    {"glucose", "mmol/L\xff", NULL},
    {"glucose", "mmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/Lmmol/L", NULL},
};

static void
test_unit_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(unit_cases); i++) {
        const struct unit_case *c = &unit_cases[i];
        const struct labs_unit *u = labs_unit_parse(analyte(c->analyte), c->text);
        if (!c->symbol && u)
            fail_msg("%s: '%s' read as '%s'", c->analyte, c->text, u->symbol);
        if (c->symbol && (!u || strcmp(u->symbol, c->symbol) != 0))
            fail_msg("%s: '%s' read as '%s', expected '%s'", c->analyte, c->text,
                     u ? u->symbol : "nothing", c->symbol);
    }
    assert_null(labs_unit_parse(NULL, "g/dL"));
    assert_null(labs_unit_parse(analyte("glucose"), NULL));
}

/* ---- conversions ---- */

static const struct conv_case {
    const char *analyte;
    double value;
    const char *unit;
    double canonical;
} conv_cases[] = {
    {"platelets", 250, "×10⁹/L", 250},
    {"platelets", 250000, "/µL", 250},
    {"platelets", 100000, "/uL", 100}, /* the PRP-REL-2 threshold */
    {"platelets", 250, "K/uL", 250},
    {"platelets", 250, "10^3/uL", 250},
    {"wbc", 6500, "/µL", 6.5},
    {"neutrophils", 4200, "cells/mm3", 4.2},
    {"lymphocytes", 2.1, "10^9/L", 2.1},
    {"monocytes", 450, "/uL", 0.45},
    {"eosinophils", 150, "/uL", 0.15},
    {"basophils", 30, "/uL", 0.03},
    {"haemoglobin", 135, "g/L", 13.5},
    {"haemoglobin", 100, "g/L", 10}, /* the PRP-REL-1 threshold */
    {"haemoglobin", 13.5, "g/dL", 13.5},
    {"haematocrit", 42, "%", 0.42},
    {"haematocrit", 0.42, "L/L", 0.42},
    {"ferritin", 30, "µg/L", 30},
    {"ferritin", 30, "ng/mL", 30},
    {"tsh", 2.5, "µIU/mL", 2.5},
    {"tsh", 2.5, "mIU/L", 2.5},
    {"vitamin_d", 75, "nmol/L", 75 / 2.496},
    {"vitamin_d", 74.88, "nmol/L", 30},
    {"vitamin_d", 30, "ng/mL", 30},
    {"vitamin_d", 30, "µg/L", 30},
    {"inr", 1.1, "", 1.1},
    {"glucose", 90.08, "mg/dL", 5},
    {"glucose", 126, "mg/dL", 126 / 18.016},
    {"glucose", 7, "mmol/L", 7},
    {"hba1c", 6.5, "%", (6.5 - 2.152) / 0.09148}, /* ≈ 47.5 mmol/mol, the usual "48" */
    {"hba1c", 2.152, "%", 0},
    {"hba1c", 48, "mmol/mol", 48},
    {"hba1c", 0.09148 * 53 + 2.152, "%", 53},
};

static void
test_conversions(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(conv_cases); i++) {
        const struct conv_case *c = &conv_cases[i];
        const struct labs_analyte *a = analyte(c->analyte);
        const struct labs_unit *u = labs_unit_parse(a, c->unit);
        double canonical, back;
        if (!u)
            fail_msg("%s: no unit '%s'", c->analyte, c->unit);
        assert_int_equal(labs_to_canonical(a, c->value, u, &canonical), ST_OK);
        if (!close_to(canonical, c->canonical))
            fail_msg("%s: %g %s gave %.15g, expected %.15g", c->analyte, c->value, c->unit,
                     canonical, c->canonical);
        assert_int_equal(labs_from_canonical(a, c->canonical, u, &back), ST_OK);
        if (!close_to(back, c->value))
            fail_msg("%s: %.15g back to %s gave %.15g, expected %g", c->analyte, c->canonical,
                     c->unit, back, c->value);
    }
}

/* The factors as the file states them: value in the unit = canonical × factor + offset. */
static void
test_factors(void **state)
{
    static const struct {
        const char *analyte, *unit;
        double factor, offset;
    } cases[] = {
        {"platelets", "/µL", 1000, 0},    {"haemoglobin", "g/L", 10, 0},
        {"haematocrit", "%", 100, 0},     {"ferritin", "µg/L", 1, 0},
        {"tsh", "µIU/mL", 1, 0},          {"vitamin_d", "nmol/L", 2.496, 0},
        {"glucose", "mg/dL", 18.016, 0},  {"hba1c", "%", 0.09148, 2.152},
        {"vitamin_d", "µg/L", 1, 0},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct labs_unit *u = labs_unit_parse(analyte(cases[i].analyte), cases[i].unit);
        assert_non_null(u);
        if (u->factor != cases[i].factor || u->offset != cases[i].offset)
            fail_msg("%s %s: factor %g offset %g", cases[i].analyte, cases[i].unit, u->factor,
                     u->offset);
        assert_non_null(u->source);
    }
}

/* Every unit of every analyte, there and back, over a spread of values. */
static void
test_round_trips(void **state)
{
    static const double values[] = {0, 0.001, 0.5, 1, 7.25, 13.5, 150, 250000, 1e9};

    (void)state;
    for (size_t i = 0; i < labs_count(shipped); i++) {
        const struct labs_analyte *a = labs_at(shipped, i);
        for (size_t u = 0; u < a->nunits; u++) {
            for (size_t k = 0; k < N(values); k++) {
                double c, back;
                assert_int_equal(labs_to_canonical(a, values[k], &a->units[u], &c), ST_OK);
                assert_int_equal(labs_from_canonical(a, c, &a->units[u], &back), ST_OK);
                if (fabs(back - values[k]) > 1e-9 * fmax(1.0, fabs(values[k])))
                    fail_msg("%s %s: %.17g came back as %.17g", a->code, a->units[u].symbol,
                             values[k], back);
            }
        }
    }
}

static void
test_conversion_refusals(void **state)
{
    const struct labs_analyte *hb = analyte("haemoglobin"), *glu = analyte("glucose");
    double out = 99;

    (void)state;
    assert_int_equal(labs_to_canonical(hb, 1, glu->canonical, &out), ST_INVALID);
    assert_true(out == 0);
    out = 99;
    assert_int_equal(labs_from_canonical(hb, 1, glu->canonical, &out), ST_INVALID);
    assert_true(out == 0);
    assert_int_equal(labs_to_canonical(hb, NAN, hb->canonical, &out), ST_INVALID);
    assert_int_equal(labs_to_canonical(hb, INFINITY, hb->canonical, &out), ST_INVALID);
    assert_int_equal(labs_from_canonical(hb, -INFINITY, hb->canonical, &out), ST_INVALID);
    assert_int_equal(labs_from_canonical(hb, 1.7e308, &hb->units[1], &out), ST_INVALID);
    assert_int_equal(labs_to_canonical(NULL, 1, hb->canonical, &out), ST_INVALID);
    assert_int_equal(labs_to_canonical(hb, 1, NULL, &out), ST_INVALID);
}

/* ---- analyte names ---- */

static void
test_find_name(void **state)
{
    static const struct {
        const char *text;
        const char *code; /* NULL: none */
    } cases[] = {
        {"haemoglobin", "haemoglobin"},
        {"Haemoglobin", "haemoglobin"},
        {"Hemoglobin", "haemoglobin"},
        {"HGB", "haemoglobin"},
        {"hb", "haemoglobin"},
        {"Platelet count", "platelets"},
        {"PLATELETS", "platelets"},
        {"PLT", "platelets"},
        {"WBC", "wbc"},
        {"White blood cell count", "wbc"},
        {"Neutrophils", "neutrophils"},
        {"Hematocrit", "haematocrit"},
        {"Ferritin", "ferritin"},
        {"TSH", "tsh"},
        {"Vitamin D (25-OH)", "vitamin_d"},
        {"vitamin_d", "vitamin_d"},
        {"25(OH)D", "vitamin_d"},
        {"25-OH vitamin D", "vitamin_d"},
        {"  vitamin   d ", "vitamin_d"},
        {"INR", "inr"},
        {"PT-INR", "inr"},
        {"Glucose", "glucose"},
        {"HbA1c", "hba1c"},
        {"Hemoglobin A1c", "hba1c"},
        {"Héмoglobin", NULL}, /* a Cyrillic м is not an m */
        {"Cholesterol", NULL},
        {"", NULL},
        {"Hb A", NULL},
        {"Ferritin\xff", NULL},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct labs_analyte *a =
            labs_find_name(shipped, cases[i].text, strlen(cases[i].text));
        const char *got = a ? a->code : NULL;
        if ((got == NULL) != (cases[i].code == NULL) || (got && strcmp(got, cases[i].code) != 0))
            fail_msg("'%s' names %s, expected %s", cases[i].text, got ? got : "nothing",
                     cases[i].code ? cases[i].code : "nothing");
    }
}

/* ---- broken files ---- */

#define HEAD "{\"schema_version\":1,\"analytes\":["
#define TAIL "]}"
#define HB_START                                                                                   \
    "{\"code\":\"haemoglobin\",\"label_en\":\"Haemoglobin\",\"label_ar\":\"الهيموغلوبين\","
#define HB_UNITS                                                                                   \
    "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"                                \
    "{\"symbol\":\"g/L\",\"factor\":10,\"source\":\"1 dL = 0.1 L\"}]"
#define HB HB_START "\"names_en\":[\"Hb\"]," HB_UNITS "}"

static const struct broken_case {
    const char *text;
    const char *code; /* NULL: valid */
    const char *field;
    const char *where;
} broken_cases[] = {
    {HEAD HB TAIL, NULL, NULL, NULL},
    {"[]", "not_object", "", "one JSON object"},
    {"{\"schema_version\":1,\"analytes\":[" HB, "invalid_json", "", "line 1"},
    {"{\"schema_version\":3,\"analytes\":[" HB TAIL, "schema_version", "schema_version",
     "must be 1"},
    {"{\"schema_version\":1,\"ranges\":{},\"analytes\":[" HB TAIL, "unknown_field", "ranges",
     "not known"},
    {"{\"schema_version\":1}", "required", "analytes", "non-empty"},
    {HEAD TAIL, "invalid_type", "analytes", "non-empty"},
    {HEAD HB_START "\"reference_low\":12," HB_UNITS "}" TAIL, "unknown_field", "reference_low",
     "analyte 'haemoglobin'"},
    {HEAD "{\"label_en\":\"Haemoglobin\",\"label_ar\":\"الهيموغلوبين\"," HB_UNITS "}" TAIL,
     "required", "code", "analyte #1"},
    {HEAD HB "," HB TAIL, "duplicate_code", "code", "analyte 'haemoglobin'"},
    {HEAD "{\"code\":\"haemoglobin\",\"label_en\":\"Haemoglobin\"," HB_UNITS "}" TAIL, "required",
     "label_ar", "analyte 'haemoglobin'"},
    {HEAD "{\"code\":\"haemoglobin\",\"label_ar\":\"الهيموغلوبين\"," HB_UNITS "}" TAIL, "required",
     "label_en", "analyte 'haemoglobin'"},
    {HEAD "{\"code\":\"haemoglobin\",\"label_en\":\"Haemoglobin\",\"label_ar\":\"Hb\"," HB_UNITS
          "}" TAIL,
     "wrong_script", "label_ar", "analyte 'haemoglobin'"},
    {HEAD HB_START "\"names_en\":\"Hb\"," HB_UNITS "}" TAIL, "invalid_type", "names_en",
     "analyte 'haemoglobin'"},
    {HEAD HB_START "\"names_en\":[\"HAEMOGLOBIN\"]," HB_UNITS "}" TAIL, "duplicate_name",
     "names_en[0]", "analyte 'haemoglobin'"},
    {HEAD HB ",{\"code\":\"hb2\",\"label_en\":\"HB\",\"label_ar\":\"هيموغلوبين\","
             "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"}]}" TAIL,
     "duplicate_name", "label_en", "analyte 'hb2'"},
    {HEAD HB_START "\"units\":[{\"symbol\":\"g/dL\"}]}" TAIL, "required", "canonical_unit",
     "analyte 'haemoglobin'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\"}" TAIL, "required", "units",
     "analyte 'haemoglobin'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[]}" TAIL, "invalid_type", "units",
     "analyte 'haemoglobin'"},
    {HEAD HB_START "\"canonical_unit\":\"mg/dL\",\"units\":[{\"symbol\":\"g/dL\",\"factor\":1,"
                   "\"source\":\"x\"}]}" TAIL,
     "unknown_unit", "canonical_unit", "analyte 'haemoglobin'"},
    {HEAD HB_START
     "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\",\"factor\":1}]}" TAIL,
     "invalid_value", "factor", "unit 'g/dL'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"source\":\"x\"}]}" TAIL,
     "required", "factor", "analyte 'haemoglobin', unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":\"10\",\"source\":\"x\"}]}" TAIL,
     "invalid_type", "factor", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":0,\"source\":\"x\"}]}" TAIL,
     "invalid_value", "factor", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":-10,\"source\":\"x\"}]}" TAIL,
     "invalid_value", "factor", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":10}]}" TAIL,
     "required", "source", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":10,\"offset\":\"1\",\"source\":\"x\"}]}" TAIL,
     "invalid_type", "offset", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"g/L\",\"factor\":10,\"source\":\"x\",\"per\":1}]}" TAIL,
     "unknown_field", "per", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"factor\":10,\"source\":\"x\"}]}" TAIL,
     "required", "symbol", "unit #2"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
                   "{\"symbol\":\"G/DL\",\"factor\":10,\"source\":\"x\"}]}" TAIL,
     "duplicate_unit", "symbol", "unit 'G/DL'"},
    {HEAD HB_START
     "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\"},"
     "{\"symbol\":\"g/L\",\"factor\":10,\"source\":\"x\",\"aliases\":[\"g / dl\"]}]}" TAIL,
     "duplicate_unit", "aliases[0]", "unit 'g/L'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\","
                   "\"aliases\":[\"g/dL\"]}]}" TAIL,
     "duplicate_unit", "aliases[0]", "unit 'g/dL'"},
    {HEAD HB_START "\"canonical_unit\":\"g/dL\",\"units\":[{\"symbol\":\"g/dL\","
                   "\"aliases\":[7]}]}" TAIL,
     "invalid_type", "aliases[0]", "unit 'g/dL'"},
};

static void
test_broken_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(broken_cases); i++) {
        const struct broken_case *c = &broken_cases[i];
        struct labs *l = (struct labs *)&l;
        struct fail f = {0};
        int st = labs_parse(c->text, strlen(c->text), "protocols/test.json", &l, &f);
        if (!c->code) {
            if (st != ST_OK || !l)
                fail_msg("case %zu: refused: %s", i, f.message);
            labs_free(l);
            continue;
        }
        if (st == ST_OK) {
            labs_free(l);
            fail_msg("case %zu: accepted, expected %s", i, c->code);
        }
        assert_null(l);
        if (strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
            fail_msg("case %zu: got %s on '%s' (%s), expected %s on '%s'", i, f.code, f.field,
                     f.message, c->code, c->field);
        if (strncmp(f.message, "protocols/test.json: ", 21) != 0 || !strstr(f.message, c->where))
            fail_msg("case %zu: message '%s' lacks the file or '%s'", i, f.message, c->where);
    }
    struct labs *l = NULL;
    struct fail f = {0};
    assert_int_equal(labs_load("no/such/labs.json", &l, &f), ST_IO);
    assert_null(l);
    labs_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_analytes), cmocka_unit_test(test_unit_parse),
        cmocka_unit_test(test_conversions),      cmocka_unit_test(test_factors),
        cmocka_unit_test(test_round_trips),      cmocka_unit_test(test_conversion_refusals),
        cmocka_unit_test(test_find_name),        cmocka_unit_test(test_broken_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
