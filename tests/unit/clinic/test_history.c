/* Unit tests of src/clinic/history.c: every field of the contract (valid values, each error
 * with its path, the boundaries), the computed BMI, and against a database: the empty history,
 * first save, versions with change lists, stale versions, unchanged saves, hidden patients, the
 * screening code's reader, the audit events; and the drug search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/history.h"
#include "clinic/patient.h"
#include "clinic/protocols.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct protocols *protocols;

static json_t *
load(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

/* 2026-11-21T12:00:00Z: the dates and times below are judged against it. */
static int64_t
fixed_now(void)
{
    struct date d = {2026, 11, 21};
    return date_to_days(&d) * 86400000LL + 12LL * 3600 * 1000;
}

#define V "\"version\":0"
#define MED "\"name\":\"Naprosyn 500\",\"class\":\"nsaid_nonselective\",\"ongoing\":false"

static const struct parse_case {
    const char *body;
    const char *code; /* NULL: valid */
    const char *field;
} parse_cases[] = {
    /* valid */
    {"{" V "}", NULL, NULL},
    {"{\"version\":7,\"conditions\":[],\"medications\":null,\"allergies\":[]}", NULL, NULL},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\",\"active\":true,\"note\":\"since 2019\"},"
     "{\"code\":\"hypertension\",\"active\":false}],\"other_conditions\":\"migraine\","
     "\"medications\":[{\"drug\":\"naproxen\"," MED ",\"dose\":\"500 mg twice daily\","
     "\"started_on\":\"2026-10-01\",\"last_dose_at\":\"2026-11-19T03:00:00.000Z\"}],"
     "\"allergies\":[{\"substance\":\"penicillin\",\"reaction\":\"rash\"}],"
     "\"pregnant\":false,\"breastfeeding\":false,\"smoking\":\"never\",\"height_cm\":172,"
     "\"weight_kg\":80.5,\"scalp_procedure\":{\"had\":true,\"on\":\"2026-03-10\","
     "\"what\":\"hair transplant (FUE)\"}}",
     NULL, NULL},
    /* fields that may not be sent */
    {"{" V ",\"bmi\":27.2}", "not_allowed", "bmi"},
    {"{" V ",\"bmi\":null}", "not_allowed", "bmi"},
    {"{" V ",\"patient_id\":1}", "unknown_field", "patient_id"},
    {"{" V ",\"updated_at\":\"2026-11-20\"}", "unknown_field", "updated_at"},
    {"{" V ",\"allergy\":[]}", "unknown_field", "allergy"},
    {"[]", "not_object", ""},
    /* version */
    {"{}", "required", "version"},
    {"{\"version\":-1}", "out_of_range", "version"},
    {"{\"version\":\"0\"}", "invalid_type", "version"},
    /* conditions */
    {"{" V ",\"conditions\":{}}", "invalid_type", "conditions"},
    {"{" V ",\"conditions\":[\"diabetes\"]}", "invalid_type", "conditions[0]"},
    {"{" V ",\"conditions\":[{\"active\":true}]}", "required", "conditions[0].code"},
    {"{" V ",\"conditions\":[{\"code\":\"gout\",\"active\":true}]}", "invalid_value",
     "conditions[0].code"},
    {"{" V ",\"conditions\":[{\"code\":\"Diabetes\",\"active\":true}]}", "invalid_value",
     "conditions[0].code"},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\",\"active\":true},{\"code\":\"hypertension\","
     "\"active\":true},{\"code\":\"diabetes\",\"active\":false}]}",
     "duplicate", "conditions[2].code"},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\"}]}", "required", "conditions[0].active"},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\",\"active\":null}]}", "required",
     "conditions[0].active"},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\",\"active\":\"yes\"}]}", "invalid_type",
     "conditions[0].active"},
    {"{" V ",\"conditions\":[{\"code\":\"diabetes\",\"active\":true,\"since\":2019}]}",
     "unknown_field", "conditions[0].since"},
    {"{" V ",\"other_conditions\":[]}", "invalid_type", "other_conditions"},
    /* medications */
    {"{" V ",\"medications\":[{" MED "}]}", NULL, NULL},
    {"{" V ",\"medications\":[{\"drug\":null," MED "}]}", NULL, NULL},
    {"{" V ",\"medications\":[{\"drug\":\"aspirin\",\"name\":\"Aspocid\",\"class\":\"other\","
     "\"ongoing\":true}]}",
     NULL, NULL},
    {"{" V ",\"medications\":[{\"class\":\"nsaid_nonselective\",\"ongoing\":false}]}", "required",
     "medications[0].name"},
    {"{" V ",\"medications\":[{\"name\":\"  \",\"class\":\"other\",\"ongoing\":false}]}",
     "required", "medications[0].name"},
    {"{" V ",\"medications\":[{\"name\":\"x\",\"ongoing\":false}]}", "required",
     "medications[0].class"},
    {"{" V ",\"medications\":[{\"name\":\"x\",\"class\":\"nsaid\",\"ongoing\":false}]}",
     "invalid_value", "medications[0].class"},
    {"{" V ",\"medications\":[{\"name\":\"x\",\"class\":\"other\"}]}", "required",
     "medications[0].ongoing"},
    {"{" V ",\"medications\":[{\"name\":\"x\",\"class\":\"other\",\"ongoing\":\"no\"}]}",
     "invalid_type", "medications[0].ongoing"},
    {"{" V ",\"medications\":[{\"drug\":\"unobtainium\"," MED "}]}", "invalid_value",
     "medications[0].drug"},
    {"{" V ",\"medications\":[{\"drug\":\"Naproxen\"," MED "}]}", "invalid_value",
     "medications[0].drug"},
    {"{" V ",\"medications\":[{\"drug\":12," MED "}]}", "invalid_type", "medications[0].drug"},
    {"{" V ",\"medications\":[{" MED "},{\"name\":\"x\",\"class\":\"other\",\"ongoing\":true,"
     "\"route\":\"oral\"}]}",
     "unknown_field", "medications[1].route"},
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-02-30\"}]}", "invalid_date",
     "medications[0].started_on"},
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-11-23\"}]}", "future_date",
     "medications[0].started_on"},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"2026-11-21T12:01:00.000Z\"}]}", NULL,
     NULL},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"2026-11-21T12:01:00.001Z\"}]}",
     "future_date", "medications[0].last_dose_at"},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"2026-11-22T00:00:00Z\"}]}", "future_date",
     "medications[0].last_dose_at"},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"2026-11-20T10:00:00+04:00\"}]}",
     "invalid_date", "medications[0].last_dose_at"},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"yesterday\"}]}", "invalid_date",
     "medications[0].last_dose_at"},
    {"{" V ",\"medications\":[{" MED ",\"last_dose_at\":\"1899-12-31T23:59:59Z\"}]}",
     "invalid_date", "medications[0].last_dose_at"},
    /* not before the day the medicine was started, in any time zone (UTC+14 at the most) */
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-10-01\","
     "\"last_dose_at\":\"2026-10-01T00:00:00Z\"}]}",
     NULL, NULL},
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-10-01\","
     "\"last_dose_at\":\"2026-09-30T10:00:00Z\"}]}",
     NULL, NULL},
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-10-01\","
     "\"last_dose_at\":\"2026-09-30T09:59:59.999Z\"}]}",
     "before_start", "medications[0].last_dose_at"},
    {"{" V ",\"medications\":[{" MED ",\"started_on\":\"2026-10-01\","
     "\"last_dose_at\":\"2025-10-01T12:00:00Z\"}]}",
     "before_start", "medications[0].last_dose_at"},
    /* allergies */
    {"{" V ",\"allergies\":[{\"substance\":\"latex\"}]}", NULL, NULL},
    {"{" V ",\"allergies\":[{\"reaction\":\"rash\"}]}", "required", "allergies[0].substance"},
    {"{" V ",\"allergies\":[{\"substance\":\"latex\",\"severity\":\"mild\"}]}", "unknown_field",
     "allergies[0].severity"},
    {"{" V ",\"allergies\":\"latex\"}", "invalid_type", "allergies"},
    /* findings */
    {"{" V ",\"pregnant\":true,\"breastfeeding\":null}", NULL, NULL},
    {"{" V ",\"pregnant\":\"no\"}", "invalid_type", "pregnant"},
    {"{" V ",\"breastfeeding\":0}", "invalid_type", "breastfeeding"},
    {"{" V ",\"smoking\":\"former\"}", NULL, NULL},
    {"{" V ",\"smoking\":\"current\"}", NULL, NULL},
    {"{" V ",\"smoking\":\"sometimes\"}", "invalid_value", "smoking"},
    {"{" V ",\"smoking\":true}", "invalid_type", "smoking"},
    /* height and weight */
    {"{" V ",\"height_cm\":49.9}", "out_of_range", "height_cm"},
    {"{" V ",\"height_cm\":50}", NULL, NULL},
    {"{" V ",\"height_cm\":250}", NULL, NULL},
    {"{" V ",\"height_cm\":250.1}", "out_of_range", "height_cm"},
    {"{" V ",\"height_cm\":\"172\"}", "invalid_type", "height_cm"},
    {"{" V ",\"weight_kg\":1.9}", "out_of_range", "weight_kg"},
    {"{" V ",\"weight_kg\":2}", NULL, NULL},
    {"{" V ",\"weight_kg\":400}", NULL, NULL},
    {"{" V ",\"weight_kg\":400.1}", "out_of_range", "weight_kg"},
    {"{" V ",\"weight_kg\":-80}", "out_of_range", "weight_kg"},
    /* scalp procedure */
    {"{" V ",\"scalp_procedure\":null}", NULL, NULL},
    {"{" V ",\"scalp_procedure\":{\"had\":false}}", NULL, NULL},
    {"{" V ",\"scalp_procedure\":{\"had\":false,\"on\":null,\"what\":\"\"}}", NULL, NULL},
    {"{" V ",\"scalp_procedure\":{\"had\":true}}", NULL, NULL},
    {"{" V ",\"scalp_procedure\":{}}", "required", "scalp_procedure.had"},
    {"{" V ",\"scalp_procedure\":{\"had\":\"yes\"}}", "invalid_type", "scalp_procedure.had"},
    {"{" V ",\"scalp_procedure\":{\"had\":false,\"on\":\"2026-01-01\"}}", "not_allowed",
     "scalp_procedure.on"},
    {"{" V ",\"scalp_procedure\":{\"had\":false,\"what\":\"FUE\"}}", "not_allowed",
     "scalp_procedure.what"},
    {"{" V ",\"scalp_procedure\":{\"had\":true,\"on\":\"2026-11-23\"}}", "future_date",
     "scalp_procedure.on"},
    {"{" V ",\"scalp_procedure\":{\"had\":true,\"on\":\"10/03/2026\"}}", "invalid_date",
     "scalp_procedure.on"},
    {"{" V ",\"scalp_procedure\":{\"had\":true,\"where\":\"vertex\"}}", "unknown_field",
     "scalp_procedure.where"},
    {"{" V ",\"scalp_procedure\":true}", "invalid_type", "scalp_procedure"},
};

static void
test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        json_t *body = load(c->body), *doc = (json_t *)&parse_cases;
        int64_t version = -1;
        struct fail f;
        fail_clear(&f);
        int st = history_parse(protocols, body, fixed_now(), &doc, &version, &f);
        if (!c->code) {
            if (st != ST_OK)
                fail_msg("case %zu (%s): %s on %s: %s", i, c->body, f.code, f.field, f.message);
            assert_true(json_is_object(doc));
            assert_true(version >= 0);
        } else {
            if (st != ST_INVALID)
                fail_msg("case %zu (%s): accepted, want %s", i, c->body, c->code);
            if (strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
                fail_msg("case %zu (%s): got %s on '%s', want %s on '%s' (%s)", i, c->body, f.code,
                         f.field, c->code, c->field, f.message);
            assert_null(doc);
            if (*c->field)
                assert_non_null(strstr(f.message, c->field));
        }
        json_decref(doc);
        json_decref(body);
    }
}

/* A text field of `n` Arabic letters (two bytes each) at `path` of a body. */
static json_t *
long_text(size_t n)
{
    char *s = malloc(n * 2 + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 2 * i, "\xd8\xa8", 2); /* ب */
    s[n * 2] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

static void
expect_len(json_t *body, bool ok, const char *field)
{
    json_t *doc = NULL;
    int64_t version;
    struct fail f;
    fail_clear(&f);
    int st = history_parse(protocols, body, fixed_now(), &doc, &version, &f);
    if (ok) {
        if (st != ST_OK)
            fail_msg("%s: %s", field, f.message);
    } else {
        assert_int_equal(st, ST_INVALID);
        assert_string_equal(f.code, "too_long");
        assert_string_equal(f.field, field);
    }
    json_decref(doc);
    json_decref(body);
}

static void
test_parse_lengths(void **state)
{
    (void)state;
    for (int over = 0; over < 2; over++) {
        bool ok = !over;
        expect_len(
            json_pack("{s:i, s:o}", "version", 0, "other_conditions", long_text(4000 + over)), ok,
            "other_conditions");
        expect_len(json_pack("{s:i, s:[{s:s, s:b, s:o}]}", "version", 0, "conditions", "code",
                             "diabetes", "active", 1, "note", long_text(500 + over)),
                   ok, "conditions[0].note");
        expect_len(json_pack("{s:i, s:[{s:o, s:s, s:b}]}", "version", 0, "medications", "name",
                             long_text(200 + over), "class", "other", "ongoing", 0),
                   ok, "medications[0].name");
        expect_len(json_pack("{s:i, s:[{s:s, s:s, s:b, s:o}]}", "version", 0, "medications", "name",
                             "x", "class", "other", "ongoing", 0, "dose", long_text(200 + over)),
                   ok, "medications[0].dose");
        expect_len(json_pack("{s:i, s:[{s:o}]}", "version", 0, "allergies", "substance",
                             long_text(200 + over)),
                   ok, "allergies[0].substance");
        expect_len(json_pack("{s:i, s:[{s:s, s:o}]}", "version", 0, "allergies", "substance", "x",
                             "reaction", long_text(200 + over)),
                   ok, "allergies[0].reaction");
        expect_len(json_pack("{s:i, s:{s:b, s:o}}", "version", 0, "scalp_procedure", "had", 1,
                             "what", long_text(200 + over)),
                   ok, "scalp_procedure.what");
    }
}

static void
test_parse_list_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        size_t max;
        const char *item;
    } lists[] = {
        {"medications", HISTORY_MEDICATIONS_MAX,
         "{\"name\":\"x\",\"class\":\"other\",\"ongoing\":true}"},
        {"allergies", HISTORY_ALLERGIES_MAX, "{\"substance\":\"latex\"}"},
    };
    for (size_t l = 0; l < N(lists); l++) {
        for (size_t n = lists[l].max; n <= lists[l].max + 1; n++) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, load(lists[l].item));
            json_t *body = json_pack("{s:i, s:o}", "version", 0, lists[l].key, arr), *doc = NULL;
            int64_t version;
            struct fail f;
            fail_clear(&f);
            int st = history_parse(protocols, body, fixed_now(), &doc, &version, &f);
            if (n == lists[l].max) {
                assert_int_equal(st, ST_OK);
                assert_int_equal(json_array_size(json_object_get(doc, lists[l].key)), n);
            } else {
                assert_int_equal(st, ST_INVALID);
                assert_string_equal(f.code, "too_many");
                assert_string_equal(f.field, lists[l].key);
            }
            json_decref(doc);
            json_decref(body);
        }
    }
}

static void
test_bmi(void **state)
{
    (void)state;
    static const struct {
        double height, weight, bmi;
    } cases[] = {
        {172, 80.5, 27.2}, {180, 81, 25.0}, {160, 50, 19.5},     {50, 2, 8.0},
        {250, 400, 64.0},  {50, 400, 1600}, {165.5, 72.3, 26.4},
    };
    for (size_t i = 0; i < N(cases); i++)
        assert_float_equal(history_bmi(cases[i].height, cases[i].weight), cases[i].bmi, 1e-9);

    /* Stored with the document: whole values as integers, missing when either part is. */
    static const struct {
        const char *body;
        const char *bmi;
    } docs[] = {
        {"{\"version\":0,\"height_cm\":172,\"weight_kg\":80.5}", "27.2"},
        {"{\"version\":0,\"height_cm\":180.0,\"weight_kg\":81}", "25"},
        {"{\"version\":0,\"height_cm\":172}", "null"},
        {"{\"version\":0,\"weight_kg\":80.5}", "null"},
    };
    for (size_t i = 0; i < N(docs); i++) {
        json_t *body = load(docs[i].body), *doc = NULL, *want = load(docs[i].bmi);
        int64_t version;
        struct fail f;
        assert_int_equal(history_parse(protocols, body, fixed_now(), &doc, &version, &f), ST_OK);
        if (!json_equal(json_object_get(doc, "bmi"), want))
            fail_msg("%s: bmi %s", docs[i].body,
                     json_dumps(json_object_get(doc, "bmi"), JSON_ENCODE_ANY));
        json_decref(body);
        json_decref(doc);
        json_decref(want);
    }
}

static void
test_parse_normalises(void **state)
{
    (void)state;
    json_t *body = load("{\"version\":3,\"scalp_procedure\":{\"had\":false},"
                        "\"medications\":[{\"name\":\" Brufen \",\"class\":\"nsaid_nonselective\","
                        "\"ongoing\":false,\"last_dose_at\":\"2026-11-20T08:30:00Z\"}],"
                        "\"conditions\":[{\"code\":\"diabetes\",\"active\":false,\"note\":\"\"}],"
                        "\"allergies\":[{\"substance\":\"latex\"}],\"height_cm\":170.0}");
    json_t *want = load("{\"conditions\":[{\"code\":\"diabetes\",\"active\":false,\"note\":null}],"
                        "\"other_conditions\":null,"
                        "\"medications\":[{\"drug\":null,\"name\":\"Brufen\","
                        "\"class\":\"nsaid_nonselective\",\"dose\":null,\"started_on\":null,"
                        "\"ongoing\":false,\"last_dose_at\":\"2026-11-20T08:30:00.000Z\"}],"
                        "\"allergies\":[{\"substance\":\"latex\",\"reaction\":null}],"
                        "\"pregnant\":null,\"breastfeeding\":null,\"smoking\":null,"
                        "\"height_cm\":170,\"weight_kg\":null,\"bmi\":null,"
                        "\"scalp_procedure\":{\"had\":false,\"on\":null,\"what\":null}}");
    json_t *doc = NULL;
    int64_t version = 0;
    struct fail f;
    assert_int_equal(history_parse(protocols, body, fixed_now(), &doc, &version, &f), ST_OK);
    assert_int_equal(version, 3);
    if (!json_equal(doc, want))
        fail_msg("got %s", json_dumps(doc, JSON_COMPACT));
    json_decref(doc);
    json_decref(body);

    /* The empty document is what a body of nothing but the version gives. */
    body = load("{\"version\":0}");
    json_t *empty = history_empty();
    assert_int_equal(history_parse(protocols, body, fixed_now(), &doc, &version, &f), ST_OK);
    assert_true(json_equal(doc, empty));
    json_t *literal = load("{\"conditions\":[],\"other_conditions\":null,\"medications\":[],"
                           "\"allergies\":[],\"pregnant\":null,\"breastfeeding\":null,"
                           "\"smoking\":null,\"height_cm\":null,\"weight_kg\":null,\"bmi\":null,"
                           "\"scalp_procedure\":null}");
    assert_true(json_equal(doc, literal));
    json_decref(literal);
    json_decref(doc);
    json_decref(empty);
    json_decref(body);
    json_decref(want);
}

/* ---- the drug search ---- */

static void
test_drug_search(void **state)
{
    (void)state;
    struct fail f;
    json_t *out = NULL;

    assert_int_equal(history_drug_search(protocols->drugs, "nap", 10, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_true(json_array_size(items) >= 2);
    bool generic = false, brand = false;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(it, "drug")), "naproxen");
        assert_string_equal(json_string_value(json_object_get(it, "class")), "nsaid_nonselective");
        assert_string_equal(json_string_value(json_object_get(it, "name_en")), "naproxen");
        assert_true(json_is_string(json_object_get(it, "name_ar")));
        assert_true(json_is_string(json_object_get(json_object_get(it, "class_label"), "ar")));
        const char *kind = json_string_value(json_object_get(it, "kind"));
        generic |= strcmp(kind, "generic_en") == 0;
        brand |= strcmp(kind, "brand") == 0 &&
                 strcmp(json_string_value(json_object_get(it, "name")), "Naprosyn") == 0;
    }
    assert_true(generic && brand);
    json_decref(out);

    /* Arabic, by brand: بروفين is Brufen, ibuprofen. */
    assert_int_equal(history_drug_search(protocols->drugs, "بروفين", 10, &out, &f), ST_OK);
    json_t *first = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "drug")), "ibuprofen");
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "brand");
    json_decref(out);

    /* The limit, nothing to search, and queries refused. */
    assert_int_equal(history_drug_search(protocols->drugs, "a", 1, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    assert_int_equal(history_drug_search(protocols->drugs, NULL, 10, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
    assert_int_equal(history_drug_search(protocols->drugs, "zzzz", 10, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
    for (int64_t bad = -1; bad <= 51; bad += 52) {
        fail_clear(&f);
        assert_int_equal(history_drug_search(protocols->drugs, "nap", bad, &out, &f), ST_INVALID);
        assert_string_equal(f.code, "invalid_query");
        assert_string_equal(f.field, "limit");
    }
    assert_int_equal(history_drug_search(protocols->drugs, "nap", 0, &out, &f), ST_INVALID);
    assert_int_equal(history_drug_search(protocols->drugs, "nap", 50, &out, &f), ST_OK);
    json_decref(out);
    char q[DRUGS_QUERY_MAX_BYTES + 2];
    memset(q, 'a', sizeof(q) - 1);
    q[sizeof(q) - 1] = '\0';
    fail_clear(&f);
    assert_int_equal(history_drug_search(protocols->drugs, q, 10, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_query");
    assert_string_equal(f.field, "q");
    assert_null(out);
    q[DRUGS_QUERY_MAX_BYTES] = '\0';
    assert_int_equal(history_drug_search(protocols->drugs, q, 10, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(history_drug_search(protocols->drugs, "na\xff", 10, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "q");
}

/* ---- against a database ---- */

struct fixture {
    struct testdb t;
    struct actor a, b;
    int64_t patient;
};

static int
add_user(struct fixture *fx, struct actor *a, const char *name)
{
    struct db_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    u.display_name = "Test Clinician";
    snprintf(u.password_hash, sizeof(u.password_hash), "unused");
    u.roles = 4;
    if (db_user_insert(fx->t.db, &u) != ST_OK)
        return -1;
    a->user_id = u.id;
    snprintf(a->username, sizeof(a->username), "%s", name);
    a->roles = 4;
    snprintf(a->remote, sizeof(a->remote), "192.0.2.30");
    snprintf(a->request_id, sizeof(a->request_id), "test");
    return 0;
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    if (add_user(fx, &fx->a, "nurse1") != 0 || add_user(fx, &fx->b, "doctor1") != 0)
        return -1;
    json_t *body = load("{\"given_name\":\"Sample\",\"family_name\":\"Testpatient\","
                        "\"date_of_birth\":\"1985-06-15\",\"sex\":\"female\"}");
    json_t *out = NULL;
    struct fail f;
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        return -1;
    fx->patient = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(body);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    audit_queue_stop();
    testdb_teardown(&fx->t);
    free(fx);
    return 0;
}

static int
put(struct fixture *fx, const struct actor *a, const char *body_s, json_t **out, struct fail *f)
{
    json_t *body = load(body_s);
    fail_clear(f);
    *out = NULL;
    int st = history_update(fx->t.db, a, protocols, fx->patient, body, out, f);
    json_decref(body);
    return st;
}

static int64_t
count(struct fixture *fx, const char *sql)
{
    return testdb_int(&fx->t, sql);
}

static void
test_save_and_versions(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;

    /* Before the first save: version 0, every field empty. */
    assert_int_equal(history_read(fx->t.db, &fx->a, fx->patient, &out, &f), ST_OK);
    json_t *want0 = history_empty();
    json_object_set_new(want0, "patient_id", json_integer(fx->patient));
    json_object_set_new(want0, "version", json_integer(0));
    json_object_set_new(want0, "updated_at", json_null());
    json_object_set_new(want0, "updated_by", json_null());
    assert_true(json_equal(out, want0));
    json_decref(want0);
    json_decref(out);

    /* An empty first save is no save. */
    assert_int_equal(put(fx, &fx->a, "{\"version\":0,\"conditions\":[]}", &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 0);
    json_decref(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM medical_histories"), 0);

    /* A first save with a version other than 0 is stale. */
    assert_int_equal(put(fx, &fx->a, "{\"version\":1,\"smoking\":\"never\"}", &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");

    const char *v1 = "{\"version\":0,\"conditions\":[{\"code\":\"diabetes\",\"active\":true}],"
                     "\"height_cm\":172,\"weight_kg\":80.5,\"smoking\":\"never\"}";
    assert_int_equal(put(fx, &fx->a, v1, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    assert_float_equal(json_number_value(json_object_get(out, "bmi")), 27.2, 1e-9);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "updated_by"), "username")),
        "nurse1");
    assert_true(json_is_string(json_object_get(out, "updated_at")));
    json_decref(out);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM audit WHERE action = 'medical_history.update'"), 1);

    /* The same form again: no new version, no event. */
    const char *v1_again = "{\"version\":1,\"conditions\":[{\"code\":\"diabetes\","
                           "\"active\":true,\"note\":\" \"}],\"height_cm\":172.0,"
                           "\"weight_kg\":80.5,\"smoking\":\"never\",\"pregnant\":null}";
    assert_int_equal(put(fx, &fx->b, v1_again, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    json_decref(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM medical_history_versions"), 1);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM audit WHERE action = 'medical_history.update'"), 1);

    /* Stale, then a real change by someone else. */
    assert_int_equal(put(fx, &fx->b, "{\"version\":0,\"pregnant\":false}", &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");
    assert_string_equal(f.field, "version");
    const char *v2 = "{\"version\":1,\"conditions\":[{\"code\":\"diabetes\",\"active\":true}],"
                     "\"medications\":[{\"drug\":\"naproxen\",\"name\":\"Naprosyn\","
                     "\"class\":\"nsaid_nonselective\",\"ongoing\":true}],"
                     "\"height_cm\":172,\"weight_kg\":80.5,\"smoking\":\"never\","
                     "\"pregnant\":false,\"scalp_procedure\":{\"had\":false}}";
    assert_int_equal(put(fx, &fx->b, v2, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    json_decref(out);
    /* A failing save leaves nothing behind. */
    assert_int_equal(put(fx, &fx->b, "{\"version\":2,\"height_cm\":20}", &out, &f), ST_INVALID);
    assert_int_equal(count(fx, "SELECT count(*) FROM medical_history_versions"), 2);
    assert_int_equal(count(fx, "SELECT version FROM medical_histories"), 2);

    assert_int_equal(history_versions(fx->t.db, &fx->a, fx->patient, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *want2 = load("{\"medications\":{\"from\":[],\"to\":[{\"drug\":\"naproxen\","
                         "\"name\":\"Naprosyn\",\"class\":\"nsaid_nonselective\",\"dose\":null,"
                         "\"started_on\":null,\"ongoing\":true,\"last_dose_at\":null}]},"
                         "\"pregnant\":{\"from\":null,\"to\":false},"
                         "\"scalp_procedure.had\":{\"from\":null,\"to\":false}}");
    json_t *want1 = load("{\"conditions\":{\"from\":null,\"to\":[{\"code\":\"diabetes\","
                         "\"active\":true,\"note\":null}]},"
                         "\"smoking\":{\"from\":null,\"to\":\"never\"},"
                         "\"height_cm\":{\"from\":null,\"to\":172},"
                         "\"weight_kg\":{\"from\":null,\"to\":80.5},"
                         "\"bmi\":{\"from\":null,\"to\":27.2}}");
    json_t *it2 = json_array_get(items, 0), *it1 = json_array_get(items, 1);
    assert_int_equal(json_integer_value(json_object_get(it2, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(it1, "version")), 1);
    if (!json_equal(json_object_get(it2, "changes"), want2))
        fail_msg("v2 %s", json_dumps(json_object_get(it2, "changes"), JSON_COMPACT));
    if (!json_equal(json_object_get(it1, "changes"), want1))
        fail_msg("v1 %s", json_dumps(json_object_get(it1, "changes"), JSON_COMPACT));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(it2, "user"), "username")), "doctor1");
    json_decref(want1);
    json_decref(want2);
    json_decref(out);

    /* The screening code's reader, in its own transaction, without an event. */
    int64_t audits = count(fx, "SELECT count(*) FROM audit");
    json_t *doc = NULL;
    int64_t version = -1;
    assert_int_equal(db_begin_read(fx->t.db), ST_OK);
    assert_int_equal(history_current(fx->t.db, fx->patient, &doc, &version, &f), ST_OK);
    db_rollback(fx->t.db);
    assert_int_equal(version, 2);
    assert_true(json_is_false(json_object_get(doc, "pregnant")));
    assert_int_equal(json_array_size(json_object_get(doc, "medications")), 1);
    assert_null(json_object_get(doc, "version"));
    assert_null(json_object_get(doc, "updated_by"));
    json_decref(doc);
    assert_int_equal(history_current(fx->t.db, fx->patient + 50, &doc, &version, &f), ST_OK);
    assert_int_equal(version, 0);
    json_t *empty = history_empty();
    assert_true(json_equal(doc, empty));
    json_decref(empty);
    json_decref(doc);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit"), audits);
}

static void
test_hidden_patients(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;
    int64_t missing = fx->patient + 100;
    json_t *body = load("{\"version\":0,\"smoking\":\"never\"}");
    fail_clear(&f);
    assert_int_equal(history_read(fx->t.db, &fx->a, missing, &out, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    assert_int_equal(history_versions(fx->t.db, &fx->a, missing, &out, &f), ST_NOT_FOUND);
    assert_int_equal(history_update(fx->t.db, &fx->a, protocols, missing, body, &out, &f),
                     ST_NOT_FOUND);
    assert_null(out);

    assert_int_equal(history_update(fx->t.db, &fx->a, protocols, fx->patient, body, &out, &f),
                     ST_OK);
    json_decref(out);
    json_t *reason = load("{\"reason\":\"Duplicate registration\"}");
    assert_int_equal(patient_delete(fx->t.db, &fx->a, fx->patient, reason, &f), ST_OK);
    json_decref(reason);
    assert_int_equal(history_read(fx->t.db, &fx->a, fx->patient, &out, &f), ST_NOT_FOUND);
    assert_int_equal(history_versions(fx->t.db, &fx->a, fx->patient, &out, &f), ST_NOT_FOUND);
    json_decref(body);
    body = load("{\"version\":1,\"smoking\":\"current\"}");
    assert_int_equal(history_update(fx->t.db, &fx->a, protocols, fx->patient, body, &out, &f),
                     ST_NOT_FOUND);
    assert_null(out);
    json_decref(body);
    assert_int_equal(count(fx, "SELECT version FROM medical_histories"), 1);
}

static void
test_reads_audited(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;
    assert_int_equal(audit_queue_start(fx->t.path, &f), ST_OK);
    assert_int_equal(history_read(fx->t.db, &fx->b, fx->patient, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(history_versions(fx->t.db, &fx->b, fx->patient, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(history_read(fx->t.db, &fx->b, fx->patient + 1, &out, &f), ST_NOT_FOUND);
    assert_int_equal(audit_queue_flush(), ST_OK);
    audit_queue_stop();
    char sql[200];
    static const char *const actions[] = {"medical_history.read", "medical_history.versions"};
    for (size_t i = 0; i < N(actions); i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM audit WHERE username = 'doctor1' AND action = '%s'"
                 " AND entity = 'medical_history' AND entity_id = '%lld'",
                 actions[i], (long long)fx->patient);
        assert_int_equal(count(fx, sql), 1);
    }
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE username = 'doctor1'"), 2);
}

static int
group_setup(void **state)
{
    struct fail f;
    if (protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protocols, &f) != ST_OK) {
        fprintf(stderr, "protocols: %s\n", f.message);
        return -1;
    }
    return testdb_group_setup(state);
}

static int
group_teardown(void **state)
{
    (void)state;
    protocols_free(protocols);
    return 0;
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_lengths),
        cmocka_unit_test(test_parse_list_sizes),
        cmocka_unit_test(test_bmi),
        cmocka_unit_test(test_parse_normalises),
        cmocka_unit_test(test_drug_search),
        T(test_save_and_versions),
        T(test_hidden_patients),
        T(test_reads_audited),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
