/* Unit tests of src/clinic/assessment.c: every field of the contract (valid values, each error
 * with its path, the boundaries), the normalised document, and against a database: versions
 * with change lists, stale versions, unchanged saves, the list order, hidden patients, the
 * screening code's reader and the audit events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/assessment.h"
#include "clinic/audit.h"
#include "clinic/patient.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *
load(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

/* 2026-11-21T12:00:00Z: the dates below are judged against it. */
static int64_t
fixed_now(void)
{
    struct date d = {2026, 11, 21};
    return date_to_days(&d) * 86400000LL + 12LL * 3600 * 1000;
}

#define HAIR "\"visit_date\":\"2026-11-20\",\"complaint\":\"hair\""
#define FACE "\"visit_date\":\"2026-11-20\",\"complaint\":\"face\""

static const struct parse_case {
    const char *body;
    bool update;
    const char *code; /* NULL: valid */
    const char *field;
} parse_cases[] = {
    /* valid */
    {"{" HAIR ",\"hair\":{}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{},\"face\":null}", false, NULL, NULL},
    {"{" FACE ",\"face\":{},\"hair\":null}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"norwood\":\"III-vertex\",\"ludwig\":\"II\",\"sinclair\":3,"
     "\"savin\":\"I-4\",\"salt\":12.5,\"duration_months\":18,\"hair_present_in_area\":true,"
     "\"zones\":[\"vertex\",\"frontal\"],\"factors\":[\"genetics\",\"stress\"]},"
     "\"consent_to_risks\":true,\"acute_illness\":false,\"notes\":\"first visit\"}",
     false, NULL, NULL},
    {"{" FACE ",\"face\":{\"indications\":[\"fine_lines\",\"lips\"],\"fitzpatrick\":\"IV\","
     "\"glogau\":\"II\",\"high_risk_zone_planned\":false}}",
     false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"norwood\":null,\"zones\":[],\"factors\":null},\"notes\":\"  \"}", false,
     NULL, NULL},
    {"{" HAIR ",\"hair\":{},\"version\":1}", true, NULL, NULL},
    /* visit_date */
    {"{\"complaint\":\"hair\",\"hair\":{}}", false, "required", "visit_date"},
    {"{\"visit_date\":null,\"complaint\":\"hair\",\"hair\":{}}", false, "required", "visit_date"},
    {"{\"visit_date\":\"2026-02-30\",\"complaint\":\"hair\",\"hair\":{}}", false, "invalid_date",
     "visit_date"},
    {"{\"visit_date\":\"2026-1-2\",\"complaint\":\"hair\",\"hair\":{}}", false, "invalid_date",
     "visit_date"},
    {"{\"visit_date\":\"1899-12-31\",\"complaint\":\"hair\",\"hair\":{}}", false, "invalid_date",
     "visit_date"},
    {"{\"visit_date\":\"1900-01-01\",\"complaint\":\"hair\",\"hair\":{}}", false, NULL, NULL},
    {"{\"visit_date\":\"2026-11-21\",\"complaint\":\"hair\",\"hair\":{}}", false, NULL, NULL},
    /* already the 22nd at UTC+14 */
    {"{\"visit_date\":\"2026-11-22\",\"complaint\":\"hair\",\"hair\":{}}", false, NULL, NULL},
    {"{\"visit_date\":\"2026-11-23\",\"complaint\":\"hair\",\"hair\":{}}", false, "future_date",
     "visit_date"},
    {"{\"visit_date\":20261120,\"complaint\":\"hair\",\"hair\":{}}", false, "invalid_type",
     "visit_date"},
    {"{\"visit_date\":\"2026-11-20T10:00:00Z\",\"complaint\":\"hair\",\"hair\":{}}", false,
     "invalid_date", "visit_date"},
    /* complaint and its section */
    {"{\"visit_date\":\"2026-11-20\",\"hair\":{}}", false, "required", "complaint"},
    {"{\"visit_date\":\"2026-11-20\",\"complaint\":\"scalp\"}", false, "invalid_value",
     "complaint"},
    {"{\"visit_date\":\"2026-11-20\",\"complaint\":\"Hair\",\"hair\":{}}", false, "invalid_value",
     "complaint"},
    {"{" HAIR "}", false, "required", "hair"},
    {"{" HAIR ",\"hair\":null}", false, "required", "hair"},
    {"{" FACE "}", false, "required", "face"},
    {"{" FACE ",\"hair\":{},\"face\":{}}", false, "not_allowed", "hair"},
    {"{" HAIR ",\"hair\":{},\"face\":{}}", false, "not_allowed", "face"},
    {"{" HAIR ",\"hair\":{},\"face\":{\"glogau\":\"I\"}}", false, "not_allowed", "face"},
    {"{" HAIR ",\"hair\":\"III\"}", false, "invalid_type", "hair"},
    {"{" HAIR ",\"hair\":[]}", false, "invalid_type", "hair"},
    {"{" FACE ",\"face\":true}", false, "invalid_type", "face"},
    {"{" HAIR ",\"hair\":{\"colour\":\"grey\"}}", false, "unknown_field", "hair.colour"},
    {"{" FACE ",\"face\":{\"norwood\":\"I\"}}", false, "unknown_field", "face.norwood"},
    {"{" HAIR ",\"hair\":{\"glogau\":\"I\"}}", false, "unknown_field", "hair.glogau"},
    /* hair grading */
    {"{" HAIR ",\"hair\":{\"norwood\":\"I\"}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"norwood\":\"VII\"}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"norwood\":\"VIII\"}}", false, "invalid_value", "hair.norwood"},
    {"{" HAIR ",\"hair\":{\"norwood\":\"iii\"}}", false, "invalid_value", "hair.norwood"},
    {"{" HAIR ",\"hair\":{\"norwood\":\"III vertex\"}}", false, "invalid_value", "hair.norwood"},
    {"{" HAIR ",\"hair\":{\"norwood\":3}}", false, "invalid_type", "hair.norwood"},
    {"{" HAIR ",\"hair\":{\"ludwig\":\"III\"}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"ludwig\":\"IV\"}}", false, "invalid_value", "hair.ludwig"},
    {"{" HAIR ",\"hair\":{\"sinclair\":0}}", false, "out_of_range", "hair.sinclair"},
    {"{" HAIR ",\"hair\":{\"sinclair\":1}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"sinclair\":5}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"sinclair\":6}}", false, "out_of_range", "hair.sinclair"},
    {"{" HAIR ",\"hair\":{\"sinclair\":2.5}}", false, "invalid_type", "hair.sinclair"},
    {"{" HAIR ",\"hair\":{\"sinclair\":\"2\"}}", false, "invalid_type", "hair.sinclair"},
    {"{" HAIR ",\"hair\":{\"savin\":\"advanced\"}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"savin\":\"frontal\"}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"savin\":\"I-5\"}}", false, "invalid_value", "hair.savin"},
    {"{" HAIR ",\"hair\":{\"salt\":0}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"salt\":100}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"salt\":100.0}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"salt\":-0.1}}", false, "out_of_range", "hair.salt"},
    {"{" HAIR ",\"hair\":{\"salt\":100.1}}", false, "out_of_range", "hair.salt"},
    {"{" HAIR ",\"hair\":{\"salt\":\"50\"}}", false, "invalid_type", "hair.salt"},
    {"{" HAIR ",\"hair\":{\"duration_months\":0}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"duration_months\":1200}}", false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"duration_months\":-1}}", false, "out_of_range", "hair.duration_months"},
    {"{" HAIR ",\"hair\":{\"duration_months\":1201}}", false, "out_of_range",
     "hair.duration_months"},
    {"{" HAIR ",\"hair\":{\"hair_present_in_area\":\"yes\"}}", false, "invalid_type",
     "hair.hair_present_in_area"},
    {"{" HAIR ",\"hair\":{\"hair_present_in_area\":0}}", false, "invalid_type",
     "hair.hair_present_in_area"},
    /* lists without repeats */
    {"{" HAIR ",\"hair\":{\"zones\":[\"frontal\",\"midscalp\",\"vertex\",\"temporal_left\","
     "\"temporal_right\",\"parietal_left\",\"parietal_right\",\"occipital\"]}}",
     false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"zones\":[\"vertex\",\"vertex\"]}}", false, "duplicate", "hair.zones"},
    {"{" HAIR ",\"hair\":{\"zones\":[\"crown\"]}}", false, "invalid_value", "hair.zones"},
    {"{" HAIR ",\"hair\":{\"zones\":[1]}}", false, "invalid_value", "hair.zones"},
    {"{" HAIR ",\"hair\":{\"zones\":[null]}}", false, "invalid_value", "hair.zones"},
    {"{" HAIR ",\"hair\":{\"zones\":\"vertex\"}}", false, "invalid_type", "hair.zones"},
    {"{" HAIR ",\"hair\":{\"factors\":[\"genetics\",\"age\",\"diet\",\"stress\",\"illness\","
     "\"childbirth\",\"contraception_change\",\"medicines\",\"dandruff_psoriasis\","
     "\"heat_styling\",\"dyes\",\"tight_hairstyles\",\"thyroid_disease\",\"fungal_infection\","
     "\"seborrhoeic_dermatitis\",\"chemotherapy\"]}}",
     false, NULL, NULL},
    {"{" HAIR ",\"hair\":{\"factors\":[\"stress\",\"diet\",\"stress\"]}}", false, "duplicate",
     "hair.factors"},
    {"{" HAIR ",\"hair\":{\"factors\":[\"smoking\"]}}", false, "invalid_value", "hair.factors"},
    /* face grading */
    {"{" FACE ",\"face\":{\"indications\":[\"fine_lines\",\"acne_scars\",\"uneven_tone\","
     "\"dark_circles\",\"lips\",\"laxity\"]}}",
     false, NULL, NULL},
    {"{" FACE ",\"face\":{\"indications\":[\"lips\",\"lips\"]}}", false, "duplicate",
     "face.indications"},
    {"{" FACE ",\"face\":{\"indications\":[\"wrinkles\"]}}", false, "invalid_value",
     "face.indications"},
    {"{" FACE ",\"face\":{\"fitzpatrick\":\"I\"}}", false, NULL, NULL},
    {"{" FACE ",\"face\":{\"fitzpatrick\":\"VI\"}}", false, NULL, NULL},
    {"{" FACE ",\"face\":{\"fitzpatrick\":\"VII\"}}", false, "invalid_value", "face.fitzpatrick"},
    {"{" FACE ",\"face\":{\"glogau\":\"IV\"}}", false, NULL, NULL},
    {"{" FACE ",\"face\":{\"glogau\":\"V\"}}", false, "invalid_value", "face.glogau"},
    {"{" FACE ",\"face\":{\"high_risk_zone_planned\":true}}", false, NULL, NULL},
    {"{" FACE ",\"face\":{\"high_risk_zone_planned\":\"no\"}}", false, "invalid_type",
     "face.high_risk_zone_planned"},
    /* visit findings */
    {"{" HAIR ",\"hair\":{},\"consent_to_risks\":\"true\"}", false, "invalid_type",
     "consent_to_risks"},
    {"{" HAIR ",\"hair\":{},\"acute_illness\":1}", false, "invalid_type", "acute_illness"},
    {"{" HAIR ",\"hair\":{},\"notes\":42}", false, "invalid_type", "notes"},
    /* fields that may not be sent */
    {"{" HAIR ",\"hair\":{},\"id\":1}", false, "unknown_field", "id"},
    {"{" HAIR ",\"hair\":{},\"patient_id\":1}", false, "unknown_field", "patient_id"},
    {"{" HAIR ",\"hair\":{},\"created_at\":\"2026-11-20\"}", false, "unknown_field", "created_at"},
    {"{" HAIR ",\"hair\":{},\"version\":1}", false, "unknown_field", "version"},
    {"[]", false, "not_object", ""},
    /* version on update */
    {"{" HAIR ",\"hair\":{}}", true, "required", "version"},
    {"{" HAIR ",\"hair\":{},\"version\":0}", true, "out_of_range", "version"},
    {"{" HAIR ",\"hair\":{},\"version\":\"1\"}", true, "invalid_type", "version"},
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
        int st = assessment_parse(body, c->update, fixed_now(), &doc, &version, &f);
        if (!c->code) {
            if (st != ST_OK)
                fail_msg("case %zu (%s): %s %s", i, c->body, f.code, f.message);
            assert_true(json_is_object(doc));
            if (c->update)
                assert_int_equal(version, 1);
        } else {
            if (st != ST_INVALID)
                fail_msg("case %zu (%s): accepted, want %s", i, c->body, c->code);
            if (strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
                fail_msg("case %zu (%s): got %s on '%s', want %s on '%s' (%s)", i, c->body, f.code,
                         f.field, c->code, c->field, f.message);
            assert_null(doc);
            /* The message names the field where there is one. */
            if (*c->field)
                assert_non_null(strstr(f.message, c->field));
        }
        json_decref(doc);
        json_decref(body);
    }
}

static void
expect_doc(const char *body_s, const char *want_s)
{
    json_t *body = load(body_s), *want = load(want_s), *doc = NULL;
    struct fail f;
    fail_clear(&f);
    if (assessment_parse(body, false, fixed_now(), &doc, NULL, &f) != ST_OK)
        fail_msg("%s: %s", body_s, f.message);
    if (!json_equal(doc, want)) {
        char *got = json_dumps(doc, JSON_COMPACT);
        fail_msg("%s\n got %s\nwant %s", body_s, got, want_s);
    }
    json_decref(body);
    json_decref(want);
    json_decref(doc);
}

/* Every field present, null when empty, whole numbers as integers, text trimmed. */
static void
test_parse_normalises(void **state)
{
    (void)state;
    expect_doc("{\"visit_date\":\"2026-11-20\",\"complaint\":\"hair\",\"hair\":{}}",
               "{\"visit_date\":\"2026-11-20\",\"complaint\":\"hair\","
               "\"hair\":{\"norwood\":null,\"ludwig\":null,\"sinclair\":null,\"savin\":null,"
               "\"salt\":null,\"duration_months\":null,\"hair_present_in_area\":null,"
               "\"zones\":null,\"factors\":null},"
               "\"face\":null,\"consent_to_risks\":null,\"acute_illness\":null,\"notes\":null}");
    expect_doc("{\"notes\":\"  seen with her sister \",\"face\":{\"indications\":[],"
               "\"glogau\":\"III\"},\"complaint\":\"face\",\"visit_date\":\"2026-11-20\","
               "\"hair\":null,\"acute_illness\":true}",
               "{\"visit_date\":\"2026-11-20\",\"complaint\":\"face\",\"hair\":null,"
               "\"face\":{\"indications\":null,\"fitzpatrick\":null,\"glogau\":\"III\","
               "\"high_risk_zone_planned\":null},"
               "\"consent_to_risks\":null,\"acute_illness\":true,"
               "\"notes\":\"seen with her sister\"}");
    expect_doc("{\"visit_date\":\"2026-11-20\",\"complaint\":\"hair\",\"hair\":{\"salt\":40.0,"
               "\"zones\":[\"vertex\",\"frontal\"]}}",
               "{\"visit_date\":\"2026-11-20\",\"complaint\":\"hair\","
               "\"hair\":{\"norwood\":null,\"ludwig\":null,\"sinclair\":null,\"savin\":null,"
               "\"salt\":40,\"duration_months\":null,\"hair_present_in_area\":null,"
               "\"zones\":[\"vertex\",\"frontal\"],\"factors\":null},"
               "\"face\":null,\"consent_to_risks\":null,\"acute_illness\":null,\"notes\":null}");
}

static void
test_parse_notes_length(void **state)
{
    (void)state;
    /* 4000 characters of two bytes each are 4000 characters, not 8000. */
    for (size_t n = 3999; n <= 4001; n++) {
        size_t bytes = n * 2;
        char *notes = malloc(bytes + 1);
        assert_non_null(notes);
        for (size_t i = 0; i < n; i++)
            memcpy(notes + 2 * i, "\xd8\xa7", 2); /* ا */
        notes[bytes] = '\0';
        json_t *body = json_pack("{s:s, s:s, s:{}, s:s}", "visit_date", "2026-11-20", "complaint",
                                 "hair", "hair", "notes", notes);
        json_t *doc = NULL;
        struct fail f;
        fail_clear(&f);
        int st = assessment_parse(body, false, fixed_now(), &doc, NULL, &f);
        if (n <= ASSESSMENT_NOTES_MAX) {
            assert_int_equal(st, ST_OK);
        } else {
            assert_int_equal(st, ST_INVALID);
            assert_string_equal(f.code, "too_long");
            assert_string_equal(f.field, "notes");
        }
        json_decref(doc);
        json_decref(body);
        free(notes);
    }
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
    u.roles = 2;
    if (db_user_insert(fx->t.db, &u) != ST_OK)
        return -1;
    a->user_id = u.id;
    snprintf(a->username, sizeof(a->username), "%s", name);
    a->roles = 2;
    snprintf(a->remote, sizeof(a->remote), "192.0.2.20");
    snprintf(a->request_id, sizeof(a->request_id), "test");
    return 0;
}

static int64_t
add_patient(struct fixture *fx)
{
    json_t *body = load("{\"given_name\":\"Sample\",\"family_name\":\"Testpatient\","
                        "\"date_of_birth\":\"1985-06-15\",\"sex\":\"female\"}");
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        fail_msg("patient: %s", f.message);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(body);
    return id;
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    if (add_user(fx, &fx->a, "doctor1") != 0 || add_user(fx, &fx->b, "nurse1") != 0)
        return -1;
    fx->patient = add_patient(fx);
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

static int64_t
count(struct fixture *fx, const char *sql)
{
    return testdb_int(&fx->t, sql);
}

static json_t *
create(struct fixture *fx, int64_t patient, const char *body_s)
{
    json_t *body = load(body_s), *out = NULL;
    struct fail f;
    fail_clear(&f);
    if (assessment_create(fx->t.db, &fx->a, patient, body, &out, &f) != ST_OK)
        fail_msg("create %s: %s %s", body_s, f.code, f.message);
    json_decref(body);
    return out;
}

static int
update(struct fixture *fx, const struct actor *a, int64_t id, const char *body_s, json_t **out,
       struct fail *f)
{
    json_t *body = load(body_s);
    fail_clear(f);
    int st = assessment_update(fx->t.db, a, id, body, out, f);
    json_decref(body);
    return st;
}

static void
test_create_update_versions(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *a = create(fx, fx->patient,
                       "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\",\"hair\":"
                       "{\"norwood\":\"III\",\"zones\":[\"vertex\"]},\"consent_to_risks\":true}");
    int64_t id = json_integer_value(json_object_get(a, "id"));
    assert_true(id > 0);
    assert_int_equal(json_integer_value(json_object_get(a, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(a, "patient_id")), fx->patient);
    assert_string_equal(json_string_value(json_object_get(a, "complaint")), "hair");
    json_t *by = json_object_get(a, "created_by");
    assert_string_equal(json_string_value(json_object_get(by, "username")), "doctor1");
    assert_string_equal(json_string_value(json_object_get(by, "display_name")), "Test Clinician");
    assert_true(json_equal(by, json_object_get(a, "updated_by")));
    assert_true(json_is_string(json_object_get(a, "created_at")));
    json_decref(a);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'assessment.create'"), 1);

    /* A save that changes nothing is not a new version. */
    json_t *out = NULL;
    const char *same = "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\",\"hair\":"
                       "{\"norwood\":\"III\",\"zones\":[\"vertex\"],\"salt\":null},"
                       "\"consent_to_risks\":true,\"notes\":\"\",\"version\":1}";
    assert_int_equal(update(fx, &fx->b, id, same, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "updated_by"), "username")),
        "doctor1");
    json_decref(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM assessment_versions"), 1);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'assessment.update'"), 0);

    /* A change by someone else: version 2, updated_by is them, created_by stays. */
    const char *v2 = "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\",\"hair\":"
                     "{\"norwood\":\"IV\",\"zones\":[\"vertex\",\"frontal\"]},"
                     "\"consent_to_risks\":true,\"version\":1}";
    assert_int_equal(update(fx, &fx->b, id, v2, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "updated_by"), "username")),
        "nurse1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "created_by"), "username")),
        "doctor1");
    json_decref(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action = 'assessment.update'"
                               " AND username = 'nurse1'"),
                     1);

    /* The same version again is stale, and leaves nothing behind. */
    assert_int_equal(update(fx, &fx->b, id, v2, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");
    assert_string_equal(f.field, "version");
    assert_null(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM assessment_versions"), 2);

    /* The complaint changes: the hair section goes, the face section comes. */
    const char *v3 = "{\"visit_date\":\"2025-03-02\",\"complaint\":\"face\",\"face\":"
                     "{\"glogau\":\"II\"},\"consent_to_risks\":true,\"version\":2}";
    assert_int_equal(update(fx, &fx->a, id, v3, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM assessments WHERE complaint = 'face' AND version = 3"
                  " AND visit_date = '2025-03-02'"),
        1);

    assert_int_equal(assessment_versions(fx->t.db, &fx->a, id, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 3);
    json_t *want3 = load("{\"visit_date\":{\"from\":\"2025-03-01\",\"to\":\"2025-03-02\"},"
                         "\"complaint\":{\"from\":\"hair\",\"to\":\"face\"},"
                         "\"face.glogau\":{\"from\":null,\"to\":\"II\"},"
                         "\"hair.norwood\":{\"from\":\"IV\",\"to\":null},"
                         "\"hair.zones\":{\"from\":[\"vertex\",\"frontal\"],\"to\":null}}");
    json_t *want2 = load("{\"hair.norwood\":{\"from\":\"III\",\"to\":\"IV\"},"
                         "\"hair.zones\":{\"from\":[\"vertex\"],\"to\":[\"vertex\",\"frontal\"]}}");
    json_t *want1 = load("{\"visit_date\":{\"from\":null,\"to\":\"2025-03-01\"},"
                         "\"complaint\":{\"from\":null,\"to\":\"hair\"},"
                         "\"hair.norwood\":{\"from\":null,\"to\":\"III\"},"
                         "\"hair.zones\":{\"from\":null,\"to\":[\"vertex\"]},"
                         "\"consent_to_risks\":{\"from\":null,\"to\":true}}");
    json_t *wants[] = {want3, want2, want1};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        assert_int_equal(json_integer_value(json_object_get(it, "version")), 3 - (int)i);
        if (!json_equal(json_object_get(it, "changes"), wants[i]))
            fail_msg("version %zu: %s", 3 - i,
                     json_dumps(json_object_get(it, "changes"), JSON_COMPACT));
        assert_true(json_is_string(json_object_get(it, "at")));
        assert_true(json_is_object(json_object_get(it, "user")));
        json_decref(wants[i]);
    }
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(items, 1), "user"), "username")),
                        "nurse1");
    json_decref(out);
}

static void
test_invalid_leaves_nothing(void **state)
{
    struct fixture *fx = *state;
    json_t *body = load("{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\","
                        "\"hair\":{\"salt\":101}}"),
           *out = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(assessment_create(fx->t.db, &fx->a, fx->patient, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "hair.salt");
    assert_string_equal(f.code, "out_of_range");
    json_decref(body);
    assert_int_equal(count(fx, "SELECT count(*) FROM assessments"), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE entity = 'assessment'"), 0);
}

static void
test_hidden_patients(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;
    const char *b = "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\",\"hair\":{}}";
    json_t *body = load(b);

    /* A patient that does not exist. */
    fail_clear(&f);
    assert_int_equal(assessment_create(fx->t.db, &fx->a, fx->patient + 100, body, &out, &f),
                     ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    assert_int_equal(assessment_list(fx->t.db, &fx->a, fx->patient + 100, &out, &f), ST_NOT_FOUND);
    assert_int_equal(assessment_read(fx->t.db, &fx->a, 999, &out, &f), ST_NOT_FOUND);
    assert_int_equal(assessment_versions(fx->t.db, &fx->a, 999, &out, &f), ST_NOT_FOUND);
    assert_null(out);

    /* A soft-deleted patient hides their assessments. */
    json_t *a = create(fx, fx->patient, b);
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(a);
    json_t *reason = load("{\"reason\":\"Duplicate registration\"}");
    assert_int_equal(patient_delete(fx->t.db, &fx->a, fx->patient, reason, &f), ST_OK);
    json_decref(reason);
    assert_int_equal(assessment_read(fx->t.db, &fx->a, id, &out, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    assert_int_equal(assessment_versions(fx->t.db, &fx->a, id, &out, &f), ST_NOT_FOUND);
    assert_int_equal(assessment_list(fx->t.db, &fx->a, fx->patient, &out, &f), ST_NOT_FOUND);
    assert_int_equal(assessment_create(fx->t.db, &fx->a, fx->patient, body, &out, &f),
                     ST_NOT_FOUND);
    assert_int_equal(update(fx, &fx->a, id,
                            "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\","
                            "\"hair\":{\"norwood\":\"II\"},\"version\":1}",
                            &out, &f),
                     ST_NOT_FOUND);
    assert_null(out);
    assert_int_equal(count(fx, "SELECT count(*) FROM assessments"), 1);
    json_decref(body);
}

static void
test_list_order_and_latest(void **state)
{
    struct fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"visit_date\":\"2025-01-10\",\"complaint\":\"hair\",\"hair\":{\"norwood\":\"II\"}}",
        "{\"visit_date\":\"2025-03-10\",\"complaint\":\"face\",\"face\":{\"glogau\":\"I\"}}",
        "{\"visit_date\":\"2025-02-10\",\"complaint\":\"hair\",\"hair\":{\"norwood\":\"III\"}}",
        "{\"visit_date\":\"2025-02-10\",\"complaint\":\"hair\",\"hair\":{\"norwood\":\"IV\"}}",
    };
    int64_t ids[N(bodies)];
    for (size_t i = 0; i < N(bodies); i++) {
        json_t *a = create(fx, fx->patient, bodies[i]);
        ids[i] = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
    }
    /* Another patient's assessment is not listed. */
    int64_t other = add_patient(fx);
    json_decref(create(fx, other, bodies[0]));

    struct fail f;
    json_t *out = NULL;
    assert_int_equal(assessment_list(fx->t.db, &fx->a, fx->patient, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 4);
    /* Newest visit first; the same day, the newest record first. */
    int64_t want[] = {ids[1], ids[3], ids[2], ids[0]};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "id")),
                         want[i]);
    json_decref(out);

    /* The screening code's reader: newest of the complaint on or before the date. */
    json_t *doc = NULL;
    int64_t id = -1, version = -1;
    char visit[11] = "x";
    assert_int_equal(assessment_latest_for(fx->t.db, fx->patient, "hair", "2025-03-31", &doc, &id,
                                           &version, visit, &f),
                     ST_OK);
    assert_int_equal(id, ids[3]);
    assert_int_equal(version, 1);
    assert_string_equal(visit, "2025-02-10");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "hair"), "norwood")),
                        "IV");
    assert_true(json_is_null(json_object_get(doc, "face")));
    assert_null(json_object_get(doc, "id"));
    json_decref(doc);
    assert_int_equal(assessment_latest_for(fx->t.db, fx->patient, "hair", "2025-02-09", &doc, &id,
                                           &version, visit, &f),
                     ST_OK);
    assert_int_equal(id, ids[0]);
    json_decref(doc);
    assert_int_equal(assessment_latest_for(fx->t.db, fx->patient, "face", "2025-03-09", &doc, &id,
                                           &version, visit, &f),
                     ST_NOT_FOUND);
    assert_null(doc);
    assert_int_equal(id, 0);
    assert_int_equal(version, 0);
    assert_string_equal(visit, "");
    assert_int_equal(assessment_latest_for(fx->t.db, fx->patient, "face", "2025-03-10", &doc, &id,
                                           &version, visit, &f),
                     ST_OK);
    assert_int_equal(id, ids[1]);
    json_decref(doc);
    /* It writes no audit event: the caller audits. */
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE entity != 'assessment' AND "
                               "entity != 'patient'"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE action NOT IN "
                               "('assessment.create', 'patient.create', 'assessment.list')"),
                     0);
}

static void
test_reads_audited(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;
    json_t *a = create(fx, fx->patient,
                       "{\"visit_date\":\"2025-03-01\",\"complaint\":\"hair\",\"hair\":{}}");
    int64_t id = json_integer_value(json_object_get(a, "id"));
    json_decref(a);
    assert_int_equal(audit_queue_start(fx->t.path, &f), ST_OK);
    assert_int_equal(assessment_read(fx->t.db, &fx->b, id, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(assessment_list(fx->t.db, &fx->b, fx->patient, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(assessment_versions(fx->t.db, &fx->b, id, &out, &f), ST_OK);
    json_decref(out);
    /* A read that fails is no read. */
    assert_int_equal(assessment_read(fx->t.db, &fx->b, id + 1, &out, &f), ST_NOT_FOUND);
    assert_int_equal(audit_queue_flush(), ST_OK);
    audit_queue_stop();
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE username = 'nurse1' AND action = 'assessment.read'"
             " AND entity = 'assessment' AND entity_id = '%lld'",
             (long long)id);
    assert_int_equal(count(fx, sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE username = 'nurse1' AND action = "
             "'assessment.versions' AND entity = 'assessment' AND entity_id = '%lld'",
             (long long)id);
    assert_int_equal(count(fx, sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE username = 'nurse1' AND action = 'assessment.list'"
             " AND entity = 'patient' AND entity_id = '%lld'",
             (long long)fx->patient);
    assert_int_equal(count(fx, sql), 1);
    assert_int_equal(count(fx, "SELECT count(*) FROM audit WHERE username = 'nurse1'"), 3);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_normalises),
        cmocka_unit_test(test_parse_notes_length),
        T(test_create_update_versions),
        T(test_invalid_leaves_nothing),
        T(test_hidden_patients),
        T(test_list_order_and_latest),
        T(test_reads_audited),
    };
#undef T
    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
