/* Unit tests of src/clinic/labresult.c: every rule of a manual entry (docs/api.md, "Lab
 * results"), the flag, entry, listing and deletion against a database, the import's own checks
 * and its all-or-nothing commit, and the list screening reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/labresult.h"
#include "clinic/labs.h"
#include "clinic/labs_csv.h"
#include "clinic/mrn.h"
#include "clinic/patient.h"
#include "core/buf.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/labs.json"

static struct labs *table;

static json_t *
body_of(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);

    if (!j)
        fail_msg("bad test body %s: %s", s, err.text);
    return j;
}

static int64_t
ms_of(const char *iso)
{
    int64_t ms;

    if (time_parse_iso(iso, &ms) != ST_OK)
        fail_msg("bad test time %s", iso);
    return ms;
}

/* ---- labresult_parse ---- */

/* The "now" every parse case is judged at. */
#define NOW "2026-11-20T12:00:00.000Z"

#define PLT "\"analyte\":\"platelets\",\"value\":250,\"unit\":\"×10⁹/L\""
#define DAY "\"measured_at\":\"2026-11-19\""
#define BASE PLT "," DAY

static const struct parse_case {
    const char *body;
    const char *code;  /* NULL: valid */
    const char *field; /* the field at fault, or for a valid case the analyte code */
    const char *unit;  /* valid: the stored symbol */
    double canonical;  /* valid: the canonical value */
} parse_cases[] = {
    /* analyte by code, by name in any case, by label */
    {"{" BASE "}", NULL, "platelets", "×10⁹/L", 250},
    {"{\"analyte\":\"PLT\",\"value\":250,\"unit\":\"10^9/L\"," DAY "}", NULL, "platelets", "×10⁹/L",
     250},
    {"{\"analyte\":\"plt\",\"value\":250,\"unit\":\"K/uL\"," DAY "}", NULL, "platelets", "×10⁹/L",
     250},
    {"{\"analyte\":\"Platelet count\",\"value\":250000,\"unit\":\"/µL\"," DAY "}", NULL,
     "platelets", "/µL", 250},
    {"{\"analyte\":\"platelets\",\"value\":250000,\"unit\":\"cells/uL\"," DAY "}", NULL,
     "platelets", "/µL", 250},
    {"{\"analyte\":\"platelets\",\"value\":250000,\"unit\":\"/μL\"," DAY "}", NULL, "platelets",
     "/µL", 250},
    {"{\"analyte\":\"platelets\",\"value\":250,\"unit\":\" x10^3/uL \"," DAY "}", NULL, "platelets",
     "×10⁹/L", 250},
    {"{\"analyte\":\"Hb\",\"value\":135,\"unit\":\"g/l\"," DAY "}", NULL, "haemoglobin", "g/L",
     13.5},
    {"{\"analyte\":\"Hemoglobin\",\"value\":13.5,\"unit\":\"g/dL\"," DAY "}", NULL, "haemoglobin",
     "g/dL", 13.5},
    {"{\"analyte\":\"glucose\",\"value\":99.088,\"unit\":\"mg/dl\"," DAY "}", NULL, "glucose",
     "mg/dL", 5.5},
    /* boundaries of the value and the range */
    {"{\"analyte\":\"platelets\",\"value\":0,\"unit\":\"×10⁹/L\"," DAY "}", NULL, "platelets",
     "×10⁹/L", 0},
    {"{" BASE ",\"reference_low\":150,\"reference_high\":150}", NULL, "platelets", "×10⁹/L", 250},
    {"{" BASE ",\"reference_low\":0}", NULL, "platelets", "×10⁹/L", 250},
    {"{" BASE ",\"reference_low\":null,\"reference_high\":null}", NULL, "platelets", "×10⁹/L", 250},
    /* measured_at: a time, the earliest day, today and tomorrow somewhere on Earth */
    {"{" PLT ",\"measured_at\":\"2026-11-20T08:30:00.000Z\"}", NULL, "platelets", "×10⁹/L", 250},
    {"{" PLT ",\"measured_at\":\"1900-01-01\"}", NULL, "platelets", "×10⁹/L", 250},
    {"{" PLT ",\"measured_at\":\"2026-11-20\"}", NULL, "platelets", "×10⁹/L", 250},
    {"{" PLT ",\"measured_at\":\"2026-11-21\"}", NULL, "platelets", "×10⁹/L", 250},
    {"{" PLT ",\"measured_at\":\"2026-11-20T12:05:00.000Z\"}", NULL, "platelets", "×10⁹/L", 250},

    /* fields */
    {"{" BASE ",\"flag\":\"low\"}", "unknown_field", "flag"},
    {"{" BASE ",\"canonical\":250}", "unknown_field", "canonical"},
    {"{" BASE ",\"source\":\"import\"}", "unknown_field", "source"},
    {"[1]", "not_object", ""},
    /* analyte */
    {"{\"value\":250,\"unit\":\"×10⁹/L\"," DAY "}", "required", "analyte"},
    {"{\"analyte\":\"  \",\"value\":250,\"unit\":\"×10⁹/L\"," DAY "}", "required", "analyte"},
    {"{\"analyte\":7,\"value\":250,\"unit\":\"×10⁹/L\"," DAY "}", "invalid_type", "analyte"},
    {"{\"analyte\":\"unobtainium\",\"value\":250,\"unit\":\"×10⁹/L\"," DAY "}", "unknown_analyte",
     "analyte"},
    /* value */
    {"{\"analyte\":\"platelets\",\"unit\":\"×10⁹/L\"," DAY "}", "required", "value"},
    {"{\"analyte\":\"platelets\",\"value\":null,\"unit\":\"×10⁹/L\"," DAY "}", "required", "value"},
    {"{\"analyte\":\"platelets\",\"value\":\"250\",\"unit\":\"×10⁹/L\"," DAY "}", "invalid_type",
     "value"},
    {"{\"analyte\":\"platelets\",\"value\":true,\"unit\":\"×10⁹/L\"," DAY "}", "invalid_type",
     "value"},
    {"{\"analyte\":\"platelets\",\"value\":-1,\"unit\":\"×10⁹/L\"," DAY "}", "out_of_range",
     "value"},
    {"{\"analyte\":\"platelets\",\"value\":-0.001,\"unit\":\"×10⁹/L\"," DAY "}", "out_of_range",
     "value"},
    /* % HbA1c converts through an offset: the largest double overflows */
    {"{\"analyte\":\"hba1c\",\"value\":1.7e308,\"unit\":\"%\"," DAY "}", "out_of_range", "value"},
    /* unit */
    {"{\"analyte\":\"platelets\",\"value\":250," DAY "}", "required", "unit"},
    {"{\"analyte\":\"platelets\",\"value\":250,\"unit\":5," DAY "}", "invalid_type", "unit"},
    {"{\"analyte\":\"platelets\",\"value\":250,\"unit\":\"g/dL\"," DAY "}", "unknown_unit", "unit"},
    {"{\"analyte\":\"haemoglobin\",\"value\":13,\"unit\":\"mmHg\"," DAY "}", "unknown_unit",
     "unit"},
    /* measured_at */
    {"{" PLT "}", "required", "measured_at"},
    {"{" PLT ",\"measured_at\":20261119}", "invalid_type", "measured_at"},
    {"{" PLT ",\"measured_at\":\"2026-02-30\"}", "invalid_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"19/11/2026\"}", "invalid_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"2026-11-19T08:30:00+04:00\"}", "invalid_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"1899-12-31\"}", "invalid_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"2026-11-22\"}", "future_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"2026-11-20T12:05:00.001Z\"}", "future_date", "measured_at"},
    {"{" PLT ",\"measured_at\":\"2031-01-01\"}", "future_date", "measured_at"},
    /* the reference range */
    {"{" BASE ",\"reference_low\":-1}", "out_of_range", "reference_low"},
    {"{" BASE ",\"reference_high\":-150}", "out_of_range", "reference_high"},
    {"{" BASE ",\"reference_low\":\"150\"}", "invalid_type", "reference_low"},
    {"{" BASE ",\"reference_low\":400,\"reference_high\":150}", "invalid_range", "reference_high"},
    {"{" BASE ",\"reference_low\":150.1,\"reference_high\":150}", "invalid_range",
     "reference_high"},
};

static void
test_parse_table(void **state)
{
    (void)state;
    int64_t now = ms_of(NOW);
    for (size_t i = 0; i < N(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        json_t *body = body_of(c->body);
        struct db_lab l;
        struct fail f;
        fail_clear(&f);
        int st = labresult_parse(table, body, now, &l, &f);
        if (!c->code) {
            if (st != ST_OK)
                fail_msg("case %zu %s: refused: %s", i, c->body, f.message);
            assert_string_equal(l.analyte, c->field);
            assert_string_equal(l.unit, c->unit);
            assert_string_equal(l.source, "manual");
            if (fabs(l.canonical_value - c->canonical) > 1e-3)
                fail_msg("case %zu %s: canonical %g, not %g", i, c->body, l.canonical_value,
                         c->canonical);
        } else {
            if (st == ST_OK || strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
                fail_msg("case %zu %s: got %d %s on '%s' (%s), wanted %s on '%s'", i, c->body, st,
                         f.code, f.field, f.message, c->code, c->field);
            assert_int_equal(st, ST_INVALID);
            assert_true(f.message[0] != '\0');
        }
        db_lab_release(&l);
        json_decref(body);
    }
}

static void
test_parse_values(void **state)
{
    (void)state;
    struct db_lab l;
    struct fail f;
    json_t *body = body_of("{\"analyte\":\"Hb\",\"value\":118,\"unit\":\"gm/L\",\"measured_at\":"
                           "\"2026-11-19T07:45:10.5Z\",\"reference_low\":120,"
                           "\"reference_high\":160}");

    fail_clear(&f);
    assert_int_equal(labresult_parse(table, body, ms_of(NOW), &l, &f), ST_OK);
    assert_string_equal(l.analyte, "haemoglobin");
    assert_string_equal(l.unit, "g/L");
    assert_string_equal(l.canonical_unit, "g/dL");
    assert_true(fabs(l.value - 118) < 1e-9);
    assert_true(fabs(l.canonical_value - 11.8) < 1e-9);
    assert_false(l.date_only);
    assert_int_equal(l.measured_ms, ms_of("2026-11-19T07:45:10.500Z"));
    assert_true(l.has_low && l.has_high);
    assert_true(fabs(l.reference_low - 120) < 1e-9);
    assert_true(fabs(l.reference_high - 160) < 1e-9);
    db_lab_release(&l);
    json_decref(body);

    /* A date alone is midnight UTC of that day, marked date_only. */
    body = body_of("{" BASE "}");
    assert_int_equal(labresult_parse(table, body, ms_of(NOW), &l, &f), ST_OK);
    assert_true(l.date_only);
    assert_int_equal(l.measured_ms, ms_of("2026-11-19T00:00:00.000Z"));
    assert_false(l.has_low || l.has_high);
    db_lab_release(&l);
    json_decref(body);

    /* The messages say what is accepted. */
    body = body_of("{\"analyte\":\"haemoglobin\",\"value\":13,\"unit\":\"mmHg\"," DAY "}");
    assert_int_equal(labresult_parse(table, body, ms_of(NOW), &l, &f), ST_INVALID);
    assert_non_null(strstr(f.message, "'mmHg'"));
    assert_non_null(strstr(f.message, "g/dL, g/L"));
    json_decref(body);
}

static void
test_in_future(void **state)
{
    (void)state;
    int64_t now = ms_of(NOW);
    /* A day is in the future until it has begun at UTC+14:00. */
    assert_false(labresult_in_future(ms_of("2026-11-21T00:00:00.000Z"), true, now));
    assert_false(labresult_in_future(ms_of("2026-11-21T00:00:00.000Z"), true,
                                     ms_of("2026-11-20T10:00:00.000Z")));
    assert_true(labresult_in_future(ms_of("2026-11-21T00:00:00.000Z"), true,
                                    ms_of("2026-11-20T09:59:59.999Z")));
    assert_true(labresult_in_future(ms_of("2026-11-22T00:00:00.000Z"), true, now));
    /* A time, once past the allowed clock skew. */
    assert_false(labresult_in_future(now + LABRESULT_CLOCK_SKEW_MS, false, now));
    assert_true(labresult_in_future(now + LABRESULT_CLOCK_SKEW_MS + 1, false, now));
    assert_false(labresult_in_future(now - 1, false, now));
}

static void
test_flag(void **state)
{
    (void)state;
    struct db_lab l = {.id = 3,
                       .patient_id = 9,
                       .value = 100,
                       .has_low = true,
                       .reference_low = 150,
                       .has_high = true,
                       .reference_high = 400};
    snprintf(l.analyte, sizeof(l.analyte), "platelets");
    snprintf(l.unit, sizeof(l.unit), "×10⁹/L");
    snprintf(l.canonical_unit, sizeof(l.canonical_unit), "×10⁹/L");
    snprintf(l.source, sizeof(l.source), "manual");
    static const struct {
        double value;
        bool low, high;
        const char *flag;
    } cases[] = {
        {100, true, true, "low"},  {149.9, true, true, "low"},  {150, true, true, NULL},
        {400, true, true, NULL},   {400.1, true, true, "high"}, {500, false, true, "high"},
        {100, false, true, NULL},  {100, true, false, "low"},   {500, true, false, NULL},
        {500, false, false, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        l.value = cases[i].value;
        l.has_low = cases[i].low;
        l.has_high = cases[i].high;
        json_t *o = labresult_to_json(table, &l, NULL);
        json_t *flag = json_object_get(o, "flag");
        if (cases[i].flag)
            assert_string_equal(json_string_value(flag), cases[i].flag);
        else
            assert_true(json_is_null(flag));
        if (!cases[i].low)
            assert_true(json_is_null(json_object_get(o, "reference_low")));
        if (!cases[i].high)
            assert_true(json_is_null(json_object_get(o, "reference_high")));
        json_decref(o);
    }
    /* Labels come from labs.json; an analyte it no longer has shows its code. */
    json_t *o = labresult_to_json(table, &l, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "label"), "ar")),
                        "عدد الصفائح الدموية");
    json_decref(o);
    snprintf(l.analyte, sizeof(l.analyte), "retired_test");
    o = labresult_to_json(table, &l, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "label"), "en")),
                        "retired_test");
    json_decref(o);
}

/* ---- against a database ---- */

struct fixture {
    struct testdb t;
    struct actor a;
    int64_t patient;
    char mrn[24];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct db_user u;
    struct fail f;
    json_t *body, *out = NULL;

    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "nurse1");
    u.display_name = "Ward Nurse";
    snprintf(u.password_hash, sizeof(u.password_hash), "unused");
    u.roles = 4;
    if (db_user_insert(fx->t.db, &u) != ST_OK)
        return -1;
    fx->a.user_id = u.id;
    snprintf(fx->a.username, sizeof(fx->a.username), "nurse1");
    fx->a.roles = 4;
    snprintf(fx->a.remote, sizeof(fx->a.remote), "192.0.2.10");
    snprintf(fx->a.request_id, sizeof(fx->a.request_id), "test");
    body = body_of("{\"given_name\":\"Sample\",\"family_name\":\"Testpatient\","
                   "\"date_of_birth\":\"1985-06-15\",\"sex\":\"female\"}");
    fail_clear(&f);
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        return -1;
    fx->patient = json_integer_value(json_object_get(out, "id"));
    snprintf(fx->mrn, sizeof(fx->mrn), "%s", json_string_value(json_object_get(out, "mrn")));
    json_decref(out);
    json_decref(body);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    testdb_teardown(&fx->t);
    free(fx);
    return 0;
}

/* Enters a result from a JSON text; returns its id. */
static int64_t
enter(struct fixture *fx, const char *s)
{
    json_t *body = body_of(s), *out = NULL;
    struct fail f;

    fail_clear(&f);
    if (labresult_create(fx->t.db, &fx->a, table, fx->patient, body, &out, &f) != ST_OK)
        fail_msg("create %s: %s", s, f.message);
    json_decref(body);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static json_t *
list(struct fixture *fx, bool include_deleted)
{
    json_t *out = NULL;
    struct fail f;

    fail_clear(&f);
    if (labresult_list(fx->t.db, &fx->a, table, fx->patient, include_deleted, &out, &f) != ST_OK)
        fail_msg("list: %s", f.message);
    return out;
}

static int64_t
count(struct fixture *fx, const char *sql)
{
    return testdb_int(&fx->t, sql);
}

static void
test_create_list_delete(void **state)
{
    struct fixture *fx = *state;
    json_t *body, *out = NULL, *o;
    struct fail f;

    body = body_of("{\"analyte\":\"PLT\",\"value\":90,\"unit\":\"K/uL\",\"measured_at\":"
                   "\"2026-01-10\",\"reference_low\":150,\"reference_high\":400}");
    fail_clear(&f);
    assert_int_equal(labresult_create(fx->t.db, &fx->a, table, fx->patient, body, &out, &f), ST_OK);
    json_decref(body);
    assert_string_equal(json_string_value(json_object_get(out, "analyte")), "platelets");
    assert_string_equal(json_string_value(json_object_get(out, "unit")), "×10⁹/L");
    assert_string_equal(json_string_value(json_object_get(out, "flag")), "low");
    assert_string_equal(json_string_value(json_object_get(out, "measured_at")),
                        "2026-01-10T00:00:00.000Z");
    assert_true(json_is_true(json_object_get(out, "date_only")));
    assert_string_equal(json_string_value(json_object_get(out, "source")), "manual");
    assert_true(json_is_null(json_object_get(out, "import_id")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "entered_by"), "username")),
        "nurse1");
    int64_t first = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE action = 'lab.create' AND entity = 'lab' AND "
             "entity_id = '%lld'",
             (long long)first);
    assert_int_equal(count(fx, sql), 1);

    int64_t newer = enter(fx, "{\"analyte\":\"platelets\",\"value\":260000,\"unit\":\"/uL\","
                              "\"measured_at\":\"2026-03-01T09:00:00.000Z\"}");
    int64_t older = enter(fx, "{\"analyte\":\"haemoglobin\",\"value\":13,\"unit\":\"g/dL\","
                              "\"measured_at\":\"2025-12-31\"}");

    /* Newest measurement first, whatever the order of entry. */
    out = list(fx, false);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), newer);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), first);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "id")), older);
    o = json_object_get(json_array_get(items, 0), "canonical");
    assert_true(fabs(json_number_value(json_object_get(o, "value")) - 260) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(o, "unit")), "×10⁹/L");
    json_decref(out);

    /* Deleted with a reason; a second time is a conflict; gone from the plain list. */
    body = body_of("{\"reason\":\"entered for the wrong patient\"}");
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, first, body, &f), ST_OK);
    fail_clear(&f);
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, first, body, &f), ST_CONFLICT);
    assert_string_equal(f.code, "conflict");
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, 999999, body, &f), ST_NOT_FOUND);
    json_decref(body);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'lab.delete'"), 1);

    out = list(fx, false);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
    json_decref(out);
    out = list(fx, true);
    items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 3);
    o = json_array_get(items, 1);
    assert_true(json_is_true(json_object_get(o, "deleted")));
    assert_string_equal(json_string_value(json_object_get(o, "delete_reason")),
                        "entered for the wrong patient");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "deleted_by"), "username")), "nurse1");
    assert_true(json_is_string(json_object_get(o, "deleted_at")));
    json_decref(out);
}

static void
test_delete_rules(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    int64_t id = enter(fx, "{" BASE "}");
    static const struct {
        const char *body, *code, *field;
    } bad[] = {
        {"{}", "required", "reason"},
        {"{\"reason\":\"   \"}", "required", "reason"},
        {"{\"reason\":42}", "invalid_type", "reason"},
        {"{\"reason\":\"typo\",\"at\":1}", "unknown_field", "at"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        json_t *body = body_of(bad[i].body);
        fail_clear(&f);
        assert_int_equal(labresult_delete(fx->t.db, &fx->a, id, body, &f), ST_INVALID);
        assert_string_equal(f.code, bad[i].code);
        assert_string_equal(f.field, bad[i].field);
        json_decref(body);
    }
    /* 500 characters pass, 501 do not. */
    char reason[502], text[600];
    memset(reason, 'r', 501);
    reason[501] = '\0';
    snprintf(text, sizeof(text), "{\"reason\":\"%s\"}", reason);
    json_t *body = body_of(text);
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, id, body, &f), ST_INVALID);
    assert_string_equal(f.code, "too_long");
    json_decref(body);
    reason[500] = '\0';
    snprintf(text, sizeof(text), "{\"reason\":\"%s\"}", reason);
    body = body_of(text);
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, id, body, &f), ST_OK);
    json_decref(body);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results WHERE deleted_at IS NOT NULL"), 1);
}

static void
test_patient_must_exist(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *body = body_of("{" BASE "}"), *out = NULL;
    int64_t id = enter(fx, "{" BASE "}");

    fail_clear(&f);
    assert_int_equal(labresult_create(fx->t.db, &fx->a, table, 4242, body, &out, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    assert_int_equal(labresult_list(fx->t.db, &fx->a, table, 4242, false, &out, &f), ST_NOT_FOUND);
    json_decref(body);

    /* A soft-deleted patient's results are as hidden as the patient. */
    body = body_of("{\"reason\":\"duplicate registration\"}");
    assert_int_equal(patient_delete(fx->t.db, &fx->a, fx->patient, body, &f), ST_OK);
    assert_int_equal(labresult_list(fx->t.db, &fx->a, table, fx->patient, false, &out, &f),
                     ST_NOT_FOUND);
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, id, body, &f), ST_NOT_FOUND);
    json_decref(body);
    body = body_of("{" BASE "}");
    assert_int_equal(labresult_create(fx->t.db, &fx->a, table, fx->patient, body, &out, &f),
                     ST_NOT_FOUND);
    json_decref(body);
    assert_null(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 1);
}

/* ---- the import ---- */

static int
import(struct fixture *fx, const char *csv, bool commit, bool skip_invalid, json_t **out,
       bool *committed, struct fail *f)
{
    json_t *body = json_pack("{s:s, s:s, s:b, s:b}", "csv", csv, "file_name", "cbc.csv", "commit",
                             commit, "skip_invalid", skip_invalid);
    fail_clear(f);
    int st = labresult_import(fx->t.db, &fx->a, table, fx->patient, body, out, committed, f);
    json_decref(body);
    return st;
}

static json_t *
row_of(json_t *preview, size_t i)
{
    return json_array_get(json_object_get(preview, "rows"), i);
}

static const char *
first_code(json_t *row)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(row, "errors"), 0), "code"));
}

static void
test_import_checks(void **state)
{
    struct fixture *fx = *state;
    char csv[1024], other[MRN_MAX];
    json_t *out = NULL;
    bool committed;
    struct fail f;

    mrn_format(777, other);
    assert_string_not_equal(other, fx->mrn);
    snprintf(csv, sizeof(csv),
             "date,analyte,value,unit,reference_low,reference_high,mrn\n"
             "2026-01-10,PLT,250,10^9/L,150,400,%s\n"
             "2026-01-10,Hb,13.1,g/dL,,,\n"
             "2026-01-10,Hb,13.1,g/dL,,,%s\n"
             "2099-01-10,WBC,6.1,10^9/L,,,\n"
             "2026-01-10 08:15,glucose,99,mg/dL,,,%s\n"
             "2026-01-10,WBC,6.1,mmHg,,,123\n",
             fx->mrn, other, fx->mrn);
    assert_int_equal(import(fx, csv, false, false, &out, &committed, &f), ST_OK);
    assert_false(committed);
    assert_int_equal(json_integer_value(json_object_get(out, "nok")), 3);
    assert_int_equal(json_integer_value(json_object_get(out, "nfailed")), 3);
    assert_true(json_is_false(json_object_get(out, "committed")));
    assert_null(json_object_get(out, "import_id"));

    json_t *r = row_of(out, 0);
    assert_int_equal(json_integer_value(json_object_get(r, "row")), 2);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_string_equal(json_string_value(json_object_get(r, "analyte")), "platelets");
    assert_string_equal(json_string_value(json_object_get(r, "unit")), "×10⁹/L");
    assert_int_equal(json_array_size(json_object_get(r, "errors")), 0);

    /* Another patient's MRN. */
    r = row_of(out, 2);
    assert_true(json_is_false(json_object_get(r, "ok")));
    assert_string_equal(first_code(r), "mrn_mismatch");
    assert_non_null(strstr(json_string_value(json_object_get(
                               json_array_get(json_object_get(r, "errors"), 0), "message")),
                           "row 4, column 'mrn'"));
    /* The analyte and value stay known in a row with errors. */
    assert_string_equal(json_string_value(json_object_get(r, "analyte")), "haemoglobin");
    assert_true(json_is_number(json_object_get(r, "value")));

    /* A measurement in the future: the date is shown, the row refused. */
    r = row_of(out, 3);
    assert_string_equal(first_code(r), "future_date");
    assert_string_equal(json_string_value(json_object_get(r, "measured_at")),
                        "2099-01-10T00:00:00.000Z");

    /* A local time at the default offset 0. */
    r = row_of(out, 4);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_string_equal(json_string_value(json_object_get(r, "measured_at")),
                        "2026-01-10T08:15:00.000Z");

    /* Errors in column order: the unit before the MRN. */
    r = row_of(out, 5);
    json_t *errs = json_object_get(r, "errors");
    assert_int_equal(json_array_size(errs), 2);
    assert_string_equal(first_code(r), "unknown_unit");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 1), "code")),
                        "invalid_mrn");
    assert_true(json_is_null(json_object_get(r, "unit")));
    json_decref(out);
    out = NULL;

    /* Refused while rows have errors: nothing is saved. */
    assert_int_equal(import(fx, csv, true, false, &out, &committed, &f), ST_INVALID);
    assert_string_equal(f.code, "import_has_errors");
    assert_null(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_imports"), 0);

    /* skip_invalid saves the valid rows, with the import's id and hash. */
    assert_int_equal(import(fx, csv, true, true, &out, &committed, &f), ST_OK);
    assert_true(committed);
    assert_int_equal(json_integer_value(json_object_get(out, "saved")), 3);
    int64_t import_id = json_integer_value(json_object_get(out, "import_id"));
    assert_true(import_id > 0);
    json_decref(out);
    out = NULL;
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM lab_results WHERE source = 'import' AND import_id = %lld",
             (long long)import_id);
    assert_int_equal(count(fx, sql), 3);
    assert_int_equal(count(fx, "SELECT rows FROM lab_imports"), 3);
    assert_int_equal(count(fx, "SELECT length(sha256) FROM lab_imports"), 64);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'lab.import' AND "
                               "entity = 'patient'"),
                     1);

    /* The same file again. */
    assert_int_equal(import(fx, csv, true, true, &out, &committed, &f), ST_CONFLICT);
    assert_string_equal(f.code, "already_imported");
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 3);
}

static void
test_import_file_errors(void **state)
{
    struct fixture *fx = *state;
    json_t *out = NULL;
    bool committed;
    struct fail f;
    static const struct {
        const char *csv, *code;
        int status;
    } cases[] = {
        {"", "empty", ST_INVALID},
        {"date,analyte,value\n2026-01-10,PLT,250\n", "missing_column", ST_INVALID},
        {"date,analyte,value,unit,unit\n", "duplicate_column", ST_INVALID},
        {"date,analyte,value,unit\n\"2026-01-10,PLT,250,K/uL\n", "invalid_csv", ST_INVALID},
        {"date,analyte,value,unit\n2026-01-10,PLT,250,K/uL\x01\n", "invalid_utf8", ST_INVALID},
    };
    for (size_t i = 0; i < N(cases); i++) {
        assert_int_equal(import(fx, cases[i].csv, false, false, &out, &committed, &f),
                         cases[i].status);
        assert_string_equal(f.code, cases[i].code);
        assert_string_equal(f.field, "csv");
        assert_null(out);
    }
    /* Over the size cap. */
    size_t n = LABS_CSV_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    assert_int_equal(import(fx, big, false, false, &out, &committed, &f), ST_TOO_BIG);
    assert_string_equal(f.code, "too_big");
    assert_string_equal(f.field, "csv");
    assert_non_null(strstr(f.message, "5 MiB"));
    free(big);

    /* A header alone previews as nothing and commits nothing. */
    assert_int_equal(import(fx, "date,analyte,value,unit\n", false, false, &out, &committed, &f),
                     ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "rows")), 0);
    json_decref(out);
    out = NULL;
    assert_int_equal(import(fx, "date,analyte,value,unit\n", true, false, &out, &committed, &f),
                     ST_INVALID);
    assert_string_equal(f.code, "empty");
    /* Every row bad, even when told to skip them. */
    assert_int_equal(import(fx, "date,analyte,value,unit\nsoon,PLT,250,K/uL\n", true, true, &out,
                            &committed, &f),
                     ST_INVALID);
    assert_string_equal(f.code, "import_has_errors");

    /* The fields of the request. */
    static const struct {
        const char *body, *code, *field;
    } bad[] = {
        {"{}", "required", "csv"},
        {"{\"csv\":null}", "required", "csv"},
        {"{\"csv\":5}", "invalid_type", "csv"},
        {"{\"csv\":\"date\",\"tz_offset_min\":841}", "out_of_range", "tz_offset_min"},
        {"{\"csv\":\"date\",\"tz_offset_min\":-841}", "out_of_range", "tz_offset_min"},
        {"{\"csv\":\"date\",\"tz_offset_min\":\"+04:00\"}", "invalid_type", "tz_offset_min"},
        {"{\"csv\":\"date\",\"commit\":\"yes\"}", "invalid_type", "commit"},
        {"{\"csv\":\"date\",\"skip_invalid\":1}", "invalid_type", "skip_invalid"},
        {"{\"csv\":\"date\",\"file_name\":7}", "invalid_type", "file_name"},
        {"{\"csv\":\"date\",\"patient\":7}", "unknown_field", "patient"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        json_t *body = body_of(bad[i].body);
        fail_clear(&f);
        assert_int_equal(
            labresult_import(fx->t.db, &fx->a, table, fx->patient, body, &out, &committed, &f),
            ST_INVALID);
        assert_string_equal(f.code, bad[i].code);
        assert_string_equal(f.field, bad[i].field);
        json_decref(body);
    }
    /* The time zone moves local times, not dates. */
    json_t *body = body_of("{\"csv\":\"date,analyte,value,unit\\n2026-01-10 08:15,PLT,250,K/uL\\n"
                           "2026-01-10,PLT,250,K/uL\\n\",\"tz_offset_min\":240}");
    assert_int_equal(
        labresult_import(fx->t.db, &fx->a, table, fx->patient, body, &out, &committed, &f), ST_OK);
    assert_string_equal(json_string_value(json_object_get(row_of(out, 0), "measured_at")),
                        "2026-01-10T04:15:00.000Z");
    assert_string_equal(json_string_value(json_object_get(row_of(out, 1), "measured_at")),
                        "2026-01-10T00:00:00.000Z");
    json_decref(out);
    json_decref(body);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_imports"), 0);
}

static void
test_import_all_or_nothing(void **state)
{
    struct fixture *fx = *state;
    json_t *out = NULL;
    bool committed;
    struct fail f;

    /* The database refuses the third row: the rows before it and the import go too. */
    assert_int_equal(testdb_exec(&fx->t, "CREATE TRIGGER refuse BEFORE INSERT ON lab_results "
                                         "WHEN NEW.value = 777 BEGIN "
                                         "SELECT RAISE(ABORT, 'refused by the test'); END"),
                     0);
    const char *csv = "date,analyte,value,unit\n"
                      "2026-01-10,PLT,250,K/uL\n"
                      "2026-01-10,Hb,13,g/dL\n"
                      "2026-01-10,PLT,777,K/uL\n"
                      "2026-01-10,WBC,6,K/uL\n";
    assert_int_equal(import(fx, csv, true, false, &out, &committed, &f) == ST_OK, 0);
    assert_false(committed);
    assert_null(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_imports"), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'lab.import'"), 0);

    /* Without the obstacle the same file goes in whole. */
    assert_int_equal(testdb_exec(&fx->t, "DROP TRIGGER refuse"), 0);
    assert_int_equal(import(fx, csv, true, false, &out, &committed, &f), ST_OK);
    assert_true(committed);
    json_decref(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM lab_results"), 4);
}

static void
test_for_screening(void **state)
{
    struct fixture *fx = *state;
    struct db_lab *labs = NULL;
    size_t n = 99;
    struct fail f;

    /* No results: an empty list. */
    assert_int_equal(db_begin_read(fx->t.db), ST_OK);
    assert_int_equal(labresult_for_screening(fx->t.db, fx->patient, &labs, &n, &f), ST_OK);
    db_rollback(fx->t.db);
    assert_int_equal(n, 0);
    assert_null(labs);

    int64_t old = enter(fx, "{\"analyte\":\"platelets\",\"value\":250000,\"unit\":\"/uL\","
                            "\"measured_at\":\"2026-01-10\"}");
    int64_t gone = enter(fx, "{\"analyte\":\"haemoglobin\",\"value\":11,\"unit\":\"g/dL\","
                             "\"measured_at\":\"2026-02-10\"}");
    int64_t recent = enter(fx, "{\"analyte\":\"haemoglobin\",\"value\":125,\"unit\":\"g/L\","
                               "\"measured_at\":\"2026-03-10\"}");
    json_t *body = body_of("{\"reason\":\"haemolysed sample\"}");
    assert_int_equal(labresult_delete(fx->t.db, &fx->a, gone, body, &f), ST_OK);
    json_decref(body);
    int64_t events = count(fx, "SELECT count(*) FROM audit");

    assert_int_equal(db_begin_read(fx->t.db), ST_OK);
    assert_int_equal(labresult_for_screening(fx->t.db, fx->patient, &labs, &n, &f), ST_OK);
    db_rollback(fx->t.db);
    assert_int_equal(n, 2);
    assert_int_equal(labs[0].id, recent);
    assert_int_equal(labs[1].id, old);
    assert_string_equal(labs[0].canonical_unit, "g/dL");
    assert_true(fabs(labs[0].canonical_value - 12.5) < 1e-9);
    assert_true(fabs(labs[1].canonical_value - 250) < 1e-9);
    assert_false(labs[0].deleted || labs[1].deleted);
    labresult_for_screening_release(labs, n);
    labresult_for_screening_release(NULL, 0);
    /* It writes no audit event of its own. */
    assert_int_equal(count(fx, "SELECT count(*) FROM audit"), events);
}

static int
group_setup(void **state)
{
    struct fail f = {0};

    if (testdb_group_setup(state) != 0)
        return -1;
    if (labs_load(SHIPPED, &table, &f) != ST_OK) {
        fprintf(stderr, "cannot load %s: %s\n", SHIPPED, f.message);
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    labs_free(table);
    table = NULL;
    return 0;
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_in_future),
        cmocka_unit_test(test_flag),
        T(test_create_list_delete),
        T(test_delete_rules),
        T(test_patient_must_exist),
        T(test_import_checks),
        T(test_import_file_errors),
        T(test_import_all_or_nothing),
        T(test_for_screening),
    };
#undef T

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
