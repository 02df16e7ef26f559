/* Unit tests of src/clinic/screening_rules.c: the shipped protocols/screening.json loads and holds
 * every rule of facts.md §1–2; a table of broken copies, each naming the file, rule and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/protofile.h"
#include "clinic/screening_rules.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_SOURCE_ROOT "/protocols/screening.json"

static char tmpdir[64];
static char tmpfile_path[128];

static int
setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/screening-rules-XXXXXX",
             base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/screening.json", tmpdir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(tmpfile_path);
    return rmdir(tmpdir);
}

/* ---- the shipped file ---- */

#define ALL "prp-hair prp-face adsc-hair"
#define HAIR "prp-hair adsc-hair"

/* facts.md §1 and §2, row by row: what each rule must be. */
static const struct expect {
    const char *id;
    const char *treatments;
    enum screening_kind kind;
    enum screening_effect effect;
    enum screening_tier tier;
} expected[] = {
    {"PRP-ABS-1", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CONTRAINDICATED,
     SCREENING_TIER_E},
    {"PRP-ABS-2", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CONTRAINDICATED,
     SCREENING_TIER_E},
    {"PRP-ABS-3", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CONTRAINDICATED,
     SCREENING_TIER_E},
    {"PRP-ABS-4", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CONTRAINDICATED,
     SCREENING_TIER_E},
    {"PRP-ABS-5", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CONTRAINDICATED,
     SCREENING_TIER_E},
    {"PRP-ABS-6", ALL, SCREENING_KIND_FINDING, SCREENING_EFFECT_CONTRAINDICATED, SCREENING_TIER_E},
    {"PRP-REL-1", ALL, SCREENING_KIND_LAB, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-REL-2", ALL, SCREENING_KIND_LAB, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-REL-3", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_DEFER, SCREENING_TIER_E},
    {"PRP-REL-4", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-REL-5", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-REL-6", ALL, SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-REL-7", ALL, SCREENING_KIND_FINDING, SCREENING_EFFECT_DEFER, SCREENING_TIER_E},
    {"PRP-REL-8", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-DRUG-1", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_CAUTION, SCREENING_TIER_SR},
    {"PRP-DRUG-2", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_DEFER, SCREENING_TIER_SR},
    {"PRP-DRUG-3", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-DRUG-4", ALL, SCREENING_KIND_MEDICATION, SCREENING_EFFECT_NOTE, SCREENING_TIER_SR},
    {"PRP-COND-1", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_DEFER, SCREENING_TIER_E},
    {"PRP-COND-2", ALL, SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-COND-3", ALL, SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"PRP-FACE-1", "prp-face", SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_SR},
    {"PRP-HAIR-1", HAIR, SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
    {"HAIR-WU-1", HAIR, SCREENING_KIND_LAB, SCREENING_EFFECT_NOTE, SCREENING_TIER_E},
    {"HAIR-WU-2", HAIR, SCREENING_KIND_LAB, SCREENING_EFFECT_NOTE, SCREENING_TIER_E},
    {"HAIR-WU-3", HAIR, SCREENING_KIND_LAB, SCREENING_EFFECT_NOTE, SCREENING_TIER_E},
    {"HAIR-WU-4", HAIR, SCREENING_KIND_LAB, SCREENING_EFFECT_NOTE, SCREENING_TIER_E},
    {"ADSC-1", "adsc-hair", SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_S},
    {"ADSC-2", "adsc-hair", SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CAUTION, SCREENING_TIER_S},
    {"ADSC-3", "adsc-hair", SCREENING_KIND_MEDICATION, SCREENING_EFFECT_CAUTION, SCREENING_TIER_S},
    {"ADSC-4", "adsc-hair", SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CAUTION, SCREENING_TIER_S},
    {"ADSC-5", "adsc-hair", SCREENING_KIND_FINDING, SCREENING_EFFECT_CAUTION, SCREENING_TIER_S},
    {"ADSC-6", "adsc-hair", SCREENING_KIND_MEDICATION, SCREENING_EFFECT_NOTE, SCREENING_TIER_S},
    {"ADSC-7", "adsc-hair", SCREENING_KIND_MEDICATION, SCREENING_EFFECT_NOTE, SCREENING_TIER_S},
    {"ADSC-8", "adsc-hair", SCREENING_KIND_DIAGNOSIS, SCREENING_EFFECT_CAUTION, SCREENING_TIER_E},
};

static uint32_t
mask_of(const struct screening_rules *r, const char *list)
{
    char copy[128];
    char *save = NULL;
    uint32_t m = 0;

    snprintf(copy, sizeof(copy), "%s", list);
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        long k = screening_list_find(&r->treatments, t);
        assert_true(k >= 0);
        m |= (uint32_t)1 << k;
    }
    return m;
}

static void
test_shipped_loads(void **state)
{
    (void)state;
    struct screening_rules *r = NULL;
    struct fail f = {0};

    int st = screening_rules_load(SHIPPED, &r, &f);
    if (st != ST_OK)
        fail_msg("%s", f.message);
    assert_non_null(r);
    assert_int_equal(r->schema_version, 1);
    assert_int_equal(r->lab_max_age_days, 90);
    assert_int_equal(r->nrules, N(expected));
    for (size_t i = 0; i < N(expected); i++) {
        const struct screening_rule *rule = screening_rules_rule(r, expected[i].id);
        if (!rule)
            fail_msg("rule %s is missing", expected[i].id);
        assert_int_equal(rule->treatments, mask_of(r, expected[i].treatments));
        assert_int_equal(rule->kind, expected[i].kind);
        assert_int_equal(rule->effect, expected[i].effect);
        assert_int_equal(rule->tier, expected[i].tier);
    }
    /* the numbers of facts.md, as loaded */
    const struct screening_rule *rule = screening_rules_rule(r, "PRP-REL-1");
    assert_int_equal(rule->cmp, SCREENING_CMP_LT);
    assert_true(rule->threshold == 10.0);
    assert_int_equal(rule->max_age_days, 90);
    rule = screening_rules_rule(r, "PRP-REL-2");
    assert_true(rule->threshold == 100000.0);
    rule = screening_rules_rule(r, "PRP-REL-3");
    assert_int_equal(rule->window_unit, SCREENING_WINDOW_HOURS);
    assert_int_equal(rule->window, 48);
    rule = screening_rules_rule(r, "HAIR-WU-1");
    assert_true(rule->threshold == 30.0);
    rule = screening_rules_rule(r, "ADSC-1");
    assert_int_equal(rule->cmp, SCREENING_CMP_GE);
    assert_true(rule->threshold == 40.0);
    /* facts.md: "not found in any source, so not a rule: an INR threshold, a haematocrit
     * threshold"; and COX-2 selective NSAIDs and statins have no effect */
    for (size_t i = 0; i < r->nrules; i++) {
        const struct screening_rule *x = &r->rules[i];
        for (size_t j = 0; j < x->ncodes; j++) {
            const char *code = x->kind == SCREENING_KIND_LAB ? r->analytes.items[x->codes[j]].code
                               : x->kind == SCREENING_KIND_MEDICATION
                                   ? r->medication_classes.items[x->codes[j]].code
                                   : "";
            assert_string_not_equal(code, "inr");
            assert_string_not_equal(code, "haematocrit");
            assert_string_not_equal(code, "nsaid_cox2");
            assert_string_not_equal(code, "statin");
        }
    }
    /* every analyte of the contract, in its canonical unit */
    static const char *const units[][2] = {
        {"platelets", "/µL"}, {"haemoglobin", "g/dL"}, {"haematocrit", "%"},
        {"wbc", "/µL"},       {"neutrophils", "/µL"},  {"ferritin", "ng/mL"},
        {"tsh", "mIU/L"},     {"vitamin_d", "ng/mL"},  {"inr", "ratio"},
        {"glucose", "mg/dL"}, {"hba1c", "%"},
    };
    for (size_t i = 0; i < N(units); i++) {
        long k = screening_list_find(&r->analytes, units[i][0]);
        assert_true(k >= 0);
        assert_string_equal(r->analytes.items[k].unit, units[i][1]);
    }
    screening_rules_free(r);
}

/* ---- broken copies ---- */

struct broken {
    const char *target; /* "" the top level, "rule:<id>", "list:<name>:<code>" */
    const char *path;   /* dotted path inside the target */
    const char *value;  /* JSON text to set; NULL deletes */
    const char *code;   /* expected struct fail code */
    const char *where;  /* expected in the message before the field */
    const char *field;  /* expected struct fail field */
};

static const struct broken broken[] = {
    /* windows */
    {"rule:PRP-REL-3", "condition.window_hours", "-1", "invalid_value", "rule PRP-REL-3",
     "condition.window_hours"},
    {"rule:PRP-REL-3", "condition.window_hours", "0", "invalid_value", "rule PRP-REL-3",
     "condition.window_hours"},
    {"rule:PRP-REL-3", "condition.window_hours", "1.5", "invalid_value", "rule PRP-REL-3",
     "condition.window_hours"},
    {"rule:PRP-REL-3", "condition.window_hours", "\"48\"", "invalid_value", "rule PRP-REL-3",
     "condition.window_hours"},
    {"rule:PRP-REL-3", "condition.window_hours", "87601", "invalid_value", "rule PRP-REL-3",
     "condition.window_hours"},
    {"rule:PRP-REL-3", "condition.window_days", "2", "not_allowed", "rule PRP-REL-3",
     "condition.window_days"},
    {"rule:PRP-REL-3", "condition.required", NULL, "required", "rule PRP-REL-3",
     "condition.required"},
    {"rule:PRP-REL-3", "condition.required", "1", "invalid_type", "rule PRP-REL-3",
     "condition.required"},
    {"rule:PRP-DRUG-3", "condition.required", "true", "not_allowed", "rule PRP-DRUG-3",
     "condition.required"},
    {"rule:ADSC-5", "condition.window_months", NULL, "required", "rule ADSC-5",
     "condition.window_months"},
    {"rule:ADSC-5", "condition.window_months", "121", "invalid_value", "rule ADSC-5",
     "condition.window_months"},
    {"rule:PRP-REL-6", "condition.window_days", "3", "not_allowed", "rule PRP-REL-6",
     "condition.window_days"},
    /* codes */
    {"rule:PRP-REL-3", "condition.classes", "[\"nsaid\"]", "unknown_code", "rule PRP-REL-3",
     "condition.classes"},
    {"rule:PRP-REL-3", "condition.classes", "[\"nsaid_cox2\", \"nsaid_cox2\"]", "duplicate",
     "rule PRP-REL-3", "condition.classes"},
    {"rule:PRP-REL-3", "condition.classes", "[]", "invalid_type", "rule PRP-REL-3",
     "condition.classes"},
    {"rule:PRP-REL-3", "condition.classes", "[3]", "invalid_type", "rule PRP-REL-3",
     "condition.classes"},
    {"rule:PRP-ABS-1", "condition.conditions", "[\"vampirism\"]", "unknown_code", "rule PRP-ABS-1",
     "condition.conditions"},
    {"rule:PRP-ABS-1", "condition.conditions", NULL, "required", "rule PRP-ABS-1",
     "condition.conditions"},
    {"rule:PRP-REL-1", "condition.analyte", "\"iron\"", "unknown_code", "rule PRP-REL-1",
     "condition.analyte"},
    {"rule:PRP-COND-2", "condition.findings", "[\"pregnancy\", \"bmi\"]", "invalid_value",
     "rule PRP-COND-2", "condition.findings"},
    {"rule:PRP-COND-2", "condition.findings", "[\"pregnant\"]", "unknown_code", "rule PRP-COND-2",
     "condition.findings"},
    {"rule:PRP-REL-3", "treatments", "[\"prp-body\"]", "unknown_code", "rule PRP-REL-3",
     "treatments"},
    {"rule:PRP-REL-3", "treatments", "[]", "invalid_type", "rule PRP-REL-3", "treatments"},
    {"rule:PRP-REL-3", "treatments", "[\"prp-hair\", \"prp-hair\"]", "duplicate", "rule PRP-REL-3",
     "treatments"},
    /* kinds and their fields */
    {"rule:PRP-REL-3", "condition.kind", "\"symptom\"", "invalid_value", "rule PRP-REL-3",
     "condition.kind"},
    {"rule:PRP-REL-3", "condition.kind", NULL, "required", "rule PRP-REL-3", "condition.kind"},
    {"rule:PRP-REL-3", "condition", "[]", "invalid_type", "rule PRP-REL-3", "condition"},
    {"rule:PRP-REL-3", "condition", NULL, "required", "rule PRP-REL-3", "condition"},
    {"rule:PRP-ABS-1", "condition.required", "true", "unknown_field", "rule PRP-ABS-1",
     "condition.required"},
    {"rule:PRP-REL-1", "condition.comparison", "\"==\"", "invalid_value", "rule PRP-REL-1",
     "condition.comparison"},
    {"rule:PRP-REL-1", "condition.threshold", NULL, "required", "rule PRP-REL-1",
     "condition.threshold"},
    {"rule:PRP-REL-1", "condition.threshold", "\"10\"", "invalid_type", "rule PRP-REL-1",
     "condition.threshold"},
    {"rule:PRP-REL-1", "condition.max_age_days", "0", "invalid_value", "rule PRP-REL-1",
     "condition.max_age_days"},
    {"rule:PRP-REL-1", "condition.window_days", "3", "unknown_field", "rule PRP-REL-1",
     "condition.window_days"},
    {"rule:HAIR-WU-2", "condition.threshold", "5", "not_allowed", "rule HAIR-WU-2",
     "condition.threshold"},
    {"rule:PRP-ABS-6", "condition.equals", NULL, "required", "rule PRP-ABS-6", "condition.equals"},
    {"rule:PRP-ABS-6", "condition.equals", "\"no\"", "invalid_type", "rule PRP-ABS-6",
     "condition.equals"},
    {"rule:PRP-ABS-6", "condition.threshold", "1", "not_allowed", "rule PRP-ABS-6",
     "condition.threshold"},
    {"rule:ADSC-1", "condition.comparison", "\"below_reference_range\"", "invalid_value",
     "rule ADSC-1", "condition.comparison"},
    {"rule:ADSC-1", "condition.equals", "true", "not_allowed", "rule ADSC-1", "condition.equals"},
    {"rule:ADSC-5", "condition.equals", "true", "not_allowed", "rule ADSC-5", "condition.equals"},
    {"rule:PRP-REL-3", "condition.extra", "1", "unknown_field", "rule PRP-REL-3",
     "condition.extra"},
    /* effect, tier, source, texts, id */
    {"rule:PRP-REL-3", "effect", "\"block\"", "invalid_value", "rule PRP-REL-3", "effect"},
    {"rule:PRP-REL-3", "effect", NULL, "required", "rule PRP-REL-3", "effect"},
    {"rule:PRP-REL-3", "tier", "\"A\"", "invalid_value", "rule PRP-REL-3", "tier"},
    {"rule:PRP-REL-3", "tier", "3", "invalid_type", "rule PRP-REL-3", "tier"},
    {"rule:PRP-REL-3", "source", NULL, "required", "rule PRP-REL-3", "source"},
    {"rule:PRP-REL-3", "source", "7", "invalid_type", "rule PRP-REL-3", "source"},
    {"rule:PRP-REL-3", "text.patient.ar", NULL, "required", "rule PRP-REL-3", "text.patient.ar"},
    {"rule:PRP-REL-3", "text.clinician.en", "\"   \"", "required", "rule PRP-REL-3",
     "text.clinician.en"},
    {"rule:PRP-REL-3", "text.clinician.ar", "\"\"", "required", "rule PRP-REL-3",
     "text.clinician.ar"},
    {"rule:PRP-REL-3", "text.clinician.en", "\"a\\u0001b\"", "invalid_text", "rule PRP-REL-3",
     "text.clinician.en"},
    {"rule:PRP-REL-3", "text.patient.fr", "\"x\"", "unknown_field", "rule PRP-REL-3",
     "text.patient.fr"},
    {"rule:PRP-REL-3", "text.patient", NULL, "required", "rule PRP-REL-3", "text.patient"},
    {"rule:PRP-REL-3", "text", "\"x\"", "invalid_type", "rule PRP-REL-3", "text"},
    {"rule:PRP-REL-3", "colour", "\"red\"", "unknown_field", "rule PRP-REL-3", "colour"},
    {"rule:PRP-REL-3", "id", "\"PRP-REL-2\"", "duplicate", "rule PRP-REL-2", "id"},
    {"rule:PRP-REL-3", "id", "\"prp rel 3\"", "invalid_value", "rules[8]", "id"},
    {"rule:PRP-REL-3", "id", NULL, "required", "rules[8]", "id"},
    /* coded lists */
    {"list:conditions:diabetes", "label.ar", NULL, "required", "(diabetes)", "label.ar"},
    {"list:conditions:diabetes", "label", "\"diabetes\"", "invalid_type", "(diabetes)", "label"},
    {"list:conditions:diabetes", "code", "\"hypertension\"", "duplicate", "(hypertension)", "code"},
    {"list:conditions:diabetes", "code", "\"Diabetes\"", "invalid_value", "conditions[12]", "code"},
    {"list:analytes:ferritin", "unit", NULL, "required", "(ferritin)", "unit"},
    {"list:findings:bmi", "type", "\"text\"", "invalid_value", "(bmi)", "type"},
    {"list:findings:consent", "unit", "\"x\"", "not_allowed", "(consent)", "unit"},
    {"list:medication_classes:aspirin", "colour", "1", "unknown_field", "(aspirin)", "colour"},
    {"list:treatments:prp-face", "label.en", NULL, "required", "(prp-face)", "label.en"},
    {"list:treatments:prp-face", "complaint", NULL, "required", "(prp-face)", "complaint"},
    {"list:treatments:prp-face", "complaint", "\"scalp\"", "invalid_value", "(prp-face)",
     "complaint"},
    /* the top level */
    {"", "schema_version", "2", "unsupported_version", NULL, "schema_version"},
    {"", "schema_version", NULL, "required", NULL, "schema_version"},
    {"", "lab_max_age_days", "-5", "invalid_value", NULL, "lab_max_age_days"},
    {"", "lab_max_age_days_source", NULL, "required", NULL, "lab_max_age_days_source"},
    {"", "extra", "1", "unknown_field", NULL, "extra"},
    {"", "rules", "[]", "invalid_type", NULL, "rules"},
    {"", "conditions", NULL, "required", NULL, "conditions"},
    {"", "analytes", "{}", "invalid_type", NULL, "analytes"},
};

static json_t *
find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, key)), value) == 0)
            return v;
    }
    fail_msg("no entry with %s %s", key, value);
    return NULL;
}

static json_t *
target_of(json_t *root, const char *target)
{
    char copy[96];

    if (!target[0])
        return root;
    snprintf(copy, sizeof(copy), "%s", target);
    if (strncmp(copy, "rule:", 5) == 0)
        return find_by(json_object_get(root, "rules"), "id", copy + 5);
    char *list = copy + 5;
    char *code = strchr(list, ':');
    assert_non_null(code);
    *code++ = '\0';
    return find_by(json_object_get(root, list), "code", code);
}

static void
apply(json_t *obj, const char *path, const char *value)
{
    char copy[96];
    char *key = copy;
    char *dot;

    snprintf(copy, sizeof(copy), "%s", path);
    while ((dot = strchr(key, '.'))) {
        *dot = '\0';
        obj = json_object_get(obj, key);
        assert_non_null(obj);
        key = dot + 1;
    }
    if (!value) {
        assert_int_equal(json_object_del(obj, key), 0);
        return;
    }
    json_error_t err;
    json_t *v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v)
        fail_msg("bad test value %s: %s", value, err.text);
    assert_int_equal(json_object_set_new(obj, key, v), 0);
}

static void
write_file(const char *data, size_t n)
{
    FILE *fp = fopen(tmpfile_path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void
expect_failure(int st, const struct fail *f, int want_st, const char *code, const char *where,
               const char *field)
{
    char want[256];

    if (st != want_st)
        fail_msg("status %d, want %d (%s)", st, want_st, f->message);
    assert_string_equal(f->code, code);
    /* the file comes first, then the rule or entry, then the field */
    assert_int_equal(strncmp(f->message, tmpfile_path, strlen(tmpfile_path)), 0);
    if (field) {
        assert_string_equal(f->field, field);
        if (where)
            snprintf(want, sizeof(want), "%s: field '%s' ", where, field);
        else
            snprintf(want, sizeof(want), "%s: field '%s' ", tmpfile_path, field);
        if (!strstr(f->message, want))
            fail_msg("message \"%s\" lacks \"%s\"", f->message, want);
    }
}

static void
test_broken(void **state)
{
    (void)state;
    json_error_t err;
    json_t *shipped = json_load_file(SHIPPED, 0, &err);

    assert_non_null(shipped);
    for (size_t i = 0; i < N(broken); i++) {
        const struct broken *b = &broken[i];
        json_t *copy = json_deep_copy(shipped);
        apply(target_of(copy, b->target), b->path, b->value);
        char *text = json_dumps(copy, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        assert_non_null(text);
        write_file(text, strlen(text));
        free(text);
        json_decref(copy);

        struct screening_rules *r = (struct screening_rules *)&r;
        struct fail f = {0};
        print_message("broken[%zu]: %s %s\n", i, b->target, b->path);
        int st = screening_rules_load(tmpfile_path, &r, &f);
        assert_null(r);
        print_message("  %s\n", f.message);
        expect_failure(st, &f, ST_INVALID, b->code, b->where, b->field);
    }
    json_decref(shipped);
}

/* Bytes that are not a rules file at all. */
static void
test_not_a_rules_file(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *code;
    } cases[] = {
        {"{", "invalid_json"},
        {"", "invalid_json"},
        {"{\"schema_version\": 1, \"schema_version\": 1}", "invalid_json"},
        {"[1, 2]", "not_object"},
        {"\"rules\"", "not_object"},
    };
    struct screening_rules *r;
    struct fail f;

    for (size_t i = 0; i < N(cases); i++) {
        write_file(cases[i].text, strlen(cases[i].text));
        int st = screening_rules_load(tmpfile_path, &r, &f);
        assert_null(r);
        expect_failure(st, &f, ST_INVALID, cases[i].code, NULL, NULL);
    }

    /* one byte over the cap, even of blanks, is refused before parsing */
    size_t n = PROTOFILE_MAX_BYTES + 1; /* the one cap of every protocol file */
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    write_file(big, n);
    free(big);
    assert_int_equal(screening_rules_load(tmpfile_path, &r, &f), ST_TOO_BIG);
    assert_null(r);
    assert_string_equal(f.code, "too_big");

    unlink(tmpfile_path);
    assert_int_equal(screening_rules_load(tmpfile_path, &r, &f), ST_IO);
    assert_null(r);
    assert_string_equal(f.code, "unreadable");
    assert_int_equal(strncmp(f.message, tmpfile_path, strlen(tmpfile_path)), 0);
}

/* A clinic changes a threshold in the file, not in the code. */
static void
test_threshold_is_data(void **state)
{
    (void)state;
    json_error_t err;
    json_t *j = json_load_file(SHIPPED, 0, &err);
    struct screening_rules *r = NULL;
    struct fail f;

    assert_non_null(j);
    apply(target_of(j, "rule:HAIR-WU-1"), "condition.threshold", "50");
    apply(target_of(j, "rule:PRP-REL-2"), "condition.max_age_days", "30");
    apply(target_of(j, ""), "lab_max_age_days", "60");
    char *text = json_dumps(j, 0);
    json_decref(j);
    assert_non_null(text);
    int st = screening_rules_parse("edited.json", text, strlen(text), &r, &f);
    free(text);
    if (st != ST_OK)
        fail_msg("%s", f.message);
    assert_true(screening_rules_rule(r, "HAIR-WU-1")->threshold == 50.0);
    assert_int_equal(screening_rules_rule(r, "PRP-REL-2")->max_age_days, 30);
    assert_int_equal(screening_rules_rule(r, "PRP-REL-1")->max_age_days, 60);
    screening_rules_free(r);
    screening_rules_free(NULL);
}

/* What the pre-session instructions read: each deferring medication class once, with its
 * longest window, for one treatment or for every treatment. */
static void
test_deferrals(void **state)
{
    (void)state;
#define TXT                                                                                        \
    "\"text\":{\"clinician\":{\"en\":\"x\",\"ar\":\"س\"},\"patient\":{\"en\":\"x\",\"ar\":\"س\"}}"
#define LBL(c) "{\"code\":\"" c "\",\"label\":{\"en\":\"" c "\",\"ar\":\"س\"}}"
#define MED(id, tr, classes, window, effect)                                                       \
    "{\"id\":\"" id "\",\"treatments\":[" tr "],\"condition\":{\"kind\":\"medication\","           \
    "\"classes\":[" classes "]" window "},\"effect\":\"" effect "\",\"tier\":\"E\","               \
    "\"source\":\"s\"," TXT "}"
    static const char text[] =
        "{\"schema_version\":1,\"lab_max_age_days\":90,\"lab_max_age_days_source\":\"x\","
        "\"treatments\":[{\"code\":\"a\",\"complaint\":\"hair\",\"label\":{\"en\":\"a\","
        "\"ar\":\"أ\"}},{\"code\":\"b\",\"complaint\":\"face\",\"label\":{\"en\":\"b\","
        "\"ar\":\"ب\"}}],"
        "\"conditions\":[" LBL(
            "c") "],"
                 "\"medication_classes\":[" LBL("x") "," LBL("y") "," LBL("z") "," LBL(
                     "w") "],"
                          "\"analytes\":[{\"code\":\"n\",\"unit\":\"u\",\"label\":{\"en\":\"n\","
                          "\"ar\":\"ن\"}}],"
                          "\"findings\":[{\"code\":\"f\",\"type\":\"boolean\",\"label\":{\"en\":"
                          "\"f\","
                          "\"ar\":\"ف\"}}],\"rules\":["
        /* x: 48 h for both treatments, 3 days for a alone: a reads 3 days, b 48 hours */
        MED("R-1", "\"a\",\"b\"", "\"x\"", ",\"window_hours\":48,\"required\":true",
            "defer") "," MED("R-2", "\"a\"", "\"x\"", ",\"window_days\":3,\"required\":true",
                             "defer") ","
        /* y and w: 2 months for a alone, named in one rule */
        MED("R-3", "\"a\"", "\"w\",\"y\"", ",\"window_months\":2,\"required\":false", "defer") ","
        /* z: a caution with a window and a deferral without one: neither is a deferral window */
        MED("R-4", "\"a\",\"b\"", "\"z\"", ",\"window_days\":10,\"required\":false",
            "caution") "," MED("R-5", "\"a\",\"b\"", "\"z\"", "", "defer") "]}";
#undef TXT
#undef LBL
#undef MED
    struct screening_rules *r = NULL;
    struct fail f;
    struct screening_deferral d[8];
    if (screening_rules_parse("deferrals.json", text, strlen(text), &r, &f) != ST_OK)
        fail_msg("%s", f.message);

    assert_int_equal(screening_rules_deferrals(r, "a", d, N(d)), 3);
    assert_string_equal(r->medication_classes.items[d[0].cls].code, "x");
    assert_int_equal(d[0].unit, SCREENING_WINDOW_DAYS);
    assert_int_equal(d[0].window, 3);
    /* In the order of medication_classes, not of the rule's list. */
    assert_string_equal(r->medication_classes.items[d[1].cls].code, "y");
    assert_int_equal(d[1].unit, SCREENING_WINDOW_MONTHS);
    assert_int_equal(d[1].window, 2);
    assert_string_equal(r->medication_classes.items[d[2].cls].code, "w");

    assert_int_equal(screening_rules_deferrals(r, "b", d, N(d)), 1);
    assert_string_equal(r->medication_classes.items[d[0].cls].code, "x");
    assert_int_equal(d[0].unit, SCREENING_WINDOW_HOURS);
    assert_int_equal(d[0].window, 48);

    /* A session whose treatment is not known: only what holds for every treatment. */
    assert_int_equal(screening_rules_deferrals(r, NULL, d, N(d)), 1);
    assert_int_equal(d[0].window, 48);

    assert_int_equal(screening_rules_deferrals(r, "nope", d, N(d)), 0);
    /* Counting without room, and writing only what fits. */
    assert_int_equal(screening_rules_deferrals(r, "a", NULL, 0), 3);
    memset(d, 0, sizeof(d));
    assert_int_equal(screening_rules_deferrals(r, "a", d, 1), 3);
    assert_int_equal(d[0].window, 3);
    assert_int_equal(d[1].window, 0);
    screening_rules_free(r);

    /* The shipped rules: the NSAIDs, 48 hours before any of the three treatments. */
    assert_int_equal(screening_rules_load(SHIPPED, &r, &f), ST_OK);
    for (int t = 0; t < 4; t++) {
        const char *tr = t < 3 ? r->treatments.items[t].code : NULL;
        assert_int_equal(screening_rules_deferrals(r, tr, d, N(d)), 1);
        assert_string_equal(r->medication_classes.items[d[0].cls].code, "nsaid_nonselective");
        assert_int_equal(d[0].unit, SCREENING_WINDOW_HOURS);
        assert_int_equal(d[0].window, 48);
    }
    screening_rules_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_loads),
        cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_rules_file, setup, teardown),
        cmocka_unit_test(test_threshold_is_data),
        cmocka_unit_test(test_deferrals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
