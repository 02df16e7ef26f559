/* Unit tests of src/clinic/procedure.c against a migrated test database: the start's rules (not
 * checked in, a stale or uncleared screening, a doctor's signed override), the sections' versions,
 * what completion needs, and abandoning. Specimens and identity checks are rows written with SQL,
 * as the specimen module would write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/audit.h"
#include "clinic/procedure.h"
#include "clinic/role.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testcal.h"
#include "testdb.h"

#define HOUR_MS INT64_C(3600000)

static struct protocols *protocols;

static int
group_setup(void **state)
{
    struct fail f;
    if (testdb_group_setup(state) != 0)
        return -1;
    fail_clear(&f);
    if (protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protocols, &f) != ST_OK) {
        fprintf(stderr, "cannot load protocols: %s\n", f.message);
        return -1;
    }
    return clinic_tz_set("UTC", &f) == ST_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    protocols_free(protocols);
    return 0;
}

static struct testdb *
tdb(void **state)
{
    return *state;
}

static json_t *
parse(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

static void
actor_of(int64_t user_id, const char *username, unsigned roles, struct actor *a)
{
    memset(a, 0, sizeof(*a));
    a->user_id = user_id;
    snprintf(a->username, sizeof(a->username), "%s", username);
    a->roles = roles;
    snprintf(a->remote, sizeof(a->remote), "test");
}

/* A stored screening with `outcome`, computed at `computed_ms`, signed `decision` (NULL:
 * unsigned) by `signer`. */
static int64_t
add_screening(struct db *db, int64_t patient, const char *treatment, const char *outcome,
              int64_t computed_ms, const char *decision, int64_t signer)
{
    struct db_screening s;
    memset(&s, 0, sizeof(s));
    s.patient_id = patient;
    snprintf(s.treatment, sizeof(s.treatment), "%s", treatment);
    s.session_ms = time_now_ms();
    snprintf(s.outcome, sizeof(s.outcome), "%s", outcome);
    s.result_json = (char *)"{}";
    s.inputs_json = (char *)"{}";
    memcpy(s.rules_sha256, protocols->screening_sha256, sizeof(s.rules_sha256));
    s.computed_ms = computed_ms;
    s.computed_by = signer;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_screening_insert(db, &s), ST_OK);
    if (decision) {
        snprintf(s.decision, sizeof(s.decision), "%s", decision);
        s.override = !strcmp(decision, "proceed") && strcmp(outcome, "eligible") != 0;
        s.reason = s.override ? (char *)"Benefit discussed with the patient" : NULL;
        s.signed_ms = computed_ms;
        s.signed_by = signer;
        assert_int_equal(db_screening_sign(db, &s), ST_OK);
    }
    assert_int_equal(db_commit(db), ST_OK);
    return s.id;
}

/* The chair of one test: a patient, a nurse, a doctor and a session booked now. */
struct chair {
    int64_t patient, appointment, doctor_id;
    struct actor nurse;
};

static void
chair_setup(struct testdb *t, const char *status, struct chair *c)
{
    memset(c, 0, sizeof(*c));
    c->patient = testcal_patient(t->db, "Sample");
    int64_t room = testcal_room(t->db, "Chair room", "treatment");
    int64_t clinician = testcal_clinician(t->db, "doctor1", 0, 1440);
    c->doctor_id = testdb_int(t, "SELECT user_id FROM clinicians ORDER BY id DESC LIMIT 1");
    int64_t nurse = testcal_user(t->db, "nurse1", ROLE_NURSE);
    actor_of(nurse, "nurse1", ROLE_NURSE, &c->nurse);
    int64_t now = time_now_ms();
    c->appointment = testcal_book(t->db, c->patient, now - HOUR_MS / 2, now + HOUR_MS / 2, 0, room,
                                  clinician, 0);
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE appointments SET status = '%s' WHERE id = %lld", status,
             (long long)c->appointment);
    assert_int_equal(testdb_exec(t, sql), 0);
}

static int
start(struct testdb *t, struct chair *c, int64_t screening, const char *treatment, json_t **out,
      struct fail *f)
{
    json_t *body =
        json_pack("{s:I, s:s}", "screening_id", (json_int_t)screening, "treatment", treatment);
    fail_clear(f);
    int st = procedure_start(t->db, protocols, &c->nurse, c->appointment, body, out, f);
    json_decref(body);
    return st;
}

static void
assert_code(int st, int want, const struct fail *f, const char *code, const char *field)
{
    assert_int_equal(st, want);
    assert_string_equal(f->code, code);
    if (field)
        assert_string_equal(f->field, field);
}

static char *
appointment_status(struct testdb *t, int64_t id, char *buf, size_t cap)
{
    static const char *const names[] = {"booked", "checked_in", "in_progress",
                                        "done",   "cancelled",  "no_show"};
    char sql[200];
    for (size_t i = 0; i < 6; i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM appointments WHERE id = %lld AND status = '%s'",
                 (long long)id, names[i]);
        if (testdb_int(t, sql) == 1) {
            snprintf(buf, cap, "%s", names[i]);
            return buf;
        }
    }
    snprintf(buf, cap, "?");
    return buf;
}

static void
test_start_rules(void **state)
{
    struct testdb *t = tdb(state);
    struct chair c;
    struct fail f;
    json_t *out = NULL;
    char buf[16];
    int64_t now = time_now_ms();

    chair_setup(t, "booked", &c);
    int64_t fresh = add_screening(t->db, c.patient, "prp-hair", "eligible", now, NULL, 0);
    /* Not checked in. */
    assert_code(start(t, &c, fresh, "prp-hair", &out, &f), ST_CONFLICT, &f, "invalid_transition",
                "appointment");
    assert_null(out);
    assert_int_equal(testdb_exec(t, "UPDATE appointments SET status = 'checked_in'"), 0);

    /* A screening of two days ago is stale; one of another treatment is not this one. */
    int64_t stale =
        add_screening(t->db, c.patient, "prp-hair", "eligible", now - 50 * HOUR_MS, NULL, 0);
    assert_code(start(t, &c, stale, "prp-hair", &out, &f), ST_CONFLICT, &f, "screening_stale",
                "screening_id");
    assert_code(start(t, &c, fresh, "prp-face", &out, &f), ST_INVALID, &f, "invalid_value",
                "screening_id");
    assert_code(start(t, &c, 999, "prp-hair", &out, &f), ST_INVALID, &f, "invalid_value",
                "screening_id");

    /* Deferred and unsigned: not cleared; signed do-not-proceed never clears, even eligible. */
    int64_t defer = add_screening(t->db, c.patient, "prp-hair", "defer", now, NULL, 0);
    assert_code(start(t, &c, defer, "prp-hair", &out, &f), ST_CONFLICT, &f, "screening_not_cleared",
                "screening_id");
    int64_t refused =
        add_screening(t->db, c.patient, "prp-hair", "eligible", now, "do_not_proceed", c.doctor_id);
    assert_code(start(t, &c, refused, "prp-hair", &out, &f), ST_CONFLICT, &f,
                "screening_not_cleared", "screening_id");
    assert_string_equal(appointment_status(t, c.appointment, buf, sizeof(buf)), "checked_in");
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM procedures"), 0);

    /* A deferral signed proceed by a doctor is the recorded override. */
    int64_t override =
        add_screening(t->db, c.patient, "prp-hair", "defer", now, "proceed", c.doctor_id);
    assert_int_equal(start(t, &c, override, "prp-hair", &out, &f), ST_OK);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "open");
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(out, "screening"), "signoff"), "override")));
    json_decref(out);
    out = NULL;
    assert_string_equal(appointment_status(t, c.appointment, buf, sizeof(buf)), "in_progress");
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = "
                                   "'procedure.start'"),
                     1);
    /* Once per appointment. */
    assert_code(start(t, &c, override, "prp-hair", &out, &f), ST_CONFLICT, &f, "procedure_exists",
                "appointment");
}

static int64_t
started(struct testdb *t, struct chair *c, const char *treatment)
{
    struct fail f;
    json_t *out = NULL;
    chair_setup(t, "checked_in", c);
    int64_t s = add_screening(t->db, c->patient, treatment, "eligible", time_now_ms(), NULL, 0);
    assert_int_equal(start(t, c, s, treatment, &out, &f), ST_OK);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static int
put(struct testdb *t, struct chair *c, int64_t id, const char *section, const char *body_json,
    json_t **out, struct fail *f)
{
    json_t *body = parse(body_json);
    fail_clear(f);
    *out = NULL;
    int st = procedure_put_section(t->db, protocols, &c->nurse, id, section, body, out, f);
    json_decref(body);
    return st;
}

#define FAT_DOC                                                                                    \
    "{\"harvest\":{\"site\":\"abdomen\",\"site_other\":null,\"at\":\"2026-01-10T08:00:00Z\","      \
    "\"tumescent_ml\":100,\"aspirate_ml\":60,\"anaesthetic\":\"lidocaine 0.5%%\"},"                \
    "\"processing\":{\"method\":\"mechanical\",\"device\":\"Example kit\"},"                       \
    "\"centrifugation\":null,\"final_volume_ml\":20%s}"
#define INJECTION_DOC                                                                              \
    "{\"map\":\"scalp\",\"zones\":[{\"zone\":\"crown\",\"volume_ml\":2,\"technique\":\"depot\","   \
    "\"depth\":\"subcutaneous\",\"needle_gauge\":25,\"area_cm2\":null}],"                          \
    "\"anaesthesia\":{\"kind\":\"ice\",\"agent\":null,\"dose\":null},\"duration_minutes\":%d,"     \
    "\"specimens\":[%s]}"

static void
test_section_versions(void **state)
{
    struct testdb *t = tdb(state);
    struct chair c;
    struct fail f;
    json_t *out = NULL;
    char body[1200], doc[1000];
    int64_t id = started(t, &c, "adsc-hair");

    /* Fat for adsc-hair only; preparation for PRP only. */
    assert_code(put(t, &c, id, "preparation", "{\"doc\":{},\"version\":0}", &out, &f), ST_CONFLICT,
                &f, "wrong_treatment", NULL);
    snprintf(doc, sizeof(doc), INJECTION_DOC, 20, "");
    snprintf(body, sizeof(body), "{\"doc\":%s,\"version\":1}", doc);
    assert_code(put(t, &c, id, "injection", body, &out, &f), ST_CONFLICT, &f, "stale_version",
                "version");
    snprintf(body, sizeof(body), "{\"doc\":%s,\"version\":0}", doc);
    assert_int_equal(put(t, &c, id, "injection", body, &out, &f), ST_OK);
    json_t *inj = json_object_get(out, "injection");
    assert_int_equal(json_integer_value(json_object_get(inj, "version")), 1);
    assert_true(json_is_object(json_object_get(inj, "computed")));
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    json_decref(out);

    snprintf(doc, sizeof(doc), INJECTION_DOC, 35, "");
    snprintf(body, sizeof(body), "{\"doc\":%s,\"version\":1}", doc);
    assert_int_equal(put(t, &c, id, "injection", body, &out, &f), ST_OK);
    inj = json_object_get(out, "injection");
    assert_int_equal(json_integer_value(json_object_get(inj, "version")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(inj, "doc"), "duration_minutes")), 35);
    json_decref(out);
    /* Both versions are kept. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM procedure_records WHERE section = "
                                   "'injection'"),
                     2);
}

static void
test_completion_needs(void **state)
{
    struct testdb *t = tdb(state);
    struct chair c;
    struct fail f;
    json_t *out = NULL, *body = NULL;
    char buf[1200], doc[1000], sql[300];
    int64_t id = started(t, &c, "adsc-hair");

#define COMPLETE(version)                                                                          \
    (body = json_pack("{s:I}", "version", (json_int_t)(version)), fail_clear(&f),                  \
     procedure_complete(t->db, protocols, &c.nurse, id, body, &out, &f))

    assert_code(COMPLETE(1), ST_CONFLICT, &f, "incomplete", "injection");
    json_decref(body);
    snprintf(doc, sizeof(doc), INJECTION_DOC, 20, "");
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":0}", doc);
    assert_int_equal(put(t, &c, id, "injection", buf, &out, &f), ST_OK);
    json_decref(out);
    assert_code(COMPLETE(2), ST_CONFLICT, &f, "incomplete", "fat");
    json_decref(body);
    /* The fat record needs its regulatory basis before completion. */
    snprintf(doc, sizeof(doc), FAT_DOC, "");
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":0}", doc);
    assert_int_equal(put(t, &c, id, "fat", buf, &out, &f), ST_OK);
    json_decref(out);
    assert_code(COMPLETE(3), ST_CONFLICT, &f, "incomplete", "fat.regulatory_basis");
    json_decref(body);
    snprintf(doc, sizeof(doc), FAT_DOC,
             ",\"regulatory_basis\":\"Same-day autologous use, minimal manipulation\"");
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":1}", doc);
    assert_int_equal(put(t, &c, id, "fat", buf, &out, &f), ST_OK);
    json_decref(out);
    /* Without a passed identity check, then a stale version, then done. */
    assert_code(COMPLETE(4), ST_CONFLICT, &f, "incomplete", "identity_check");
    json_decref(body);
    snprintf(sql, sizeof(sql),
             "INSERT INTO identity_checks (procedure_id, patient_scan, specimen_scan, passed, at,"
             " by) VALUES (%lld, '10000012', 'S1000007', 1, %lld, %lld)",
             (long long)id, (long long)time_now_ms(), (long long)c.nurse.user_id);
    assert_int_equal(testdb_exec(t, sql), 0);
    assert_code(COMPLETE(3), ST_CONFLICT, &f, "stale_version", "version");
    json_decref(body);
    assert_int_equal(COMPLETE(4), ST_OK);
    json_decref(body);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "completed");
    json_decref(out);
    out = NULL;
    assert_string_equal(appointment_status(t, c.appointment, buf, sizeof(buf)), "done");
    assert_code(COMPLETE(5), ST_CONFLICT, &f, "invalid_transition", NULL);
    json_decref(body);

    /* A correction of the completed record needs a reason of some length. */
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":2}", doc);
    assert_code(put(t, &c, id, "fat", buf, &out, &f), ST_INVALID, &f, "required", "reason");
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":2,\"reason\":\"typo\"}", doc);
    assert_code(put(t, &c, id, "fat", buf, &out, &f), ST_INVALID, &f, "too_short", "reason");
    snprintf(buf, sizeof(buf), "{\"doc\":%s,\"version\":2,\"reason\":\"Volume misread\"}", doc);
    assert_int_equal(put(t, &c, id, "fat", buf, &out, &f), ST_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "fat"), "reason")),
                        "Volume misread");
    json_decref(out);
#undef COMPLETE
}

static void
test_abandon(void **state)
{
    struct testdb *t = tdb(state);
    struct chair c;
    struct fail f;
    json_t *out = NULL;
    char sql[400], buf[16];
    int64_t id = started(t, &c, "prp-hair");
    int64_t now = time_now_ms();
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO specimens (id, procedure_id, patient_id, kind, label, collected_at,"
                 " expires_at, status, created_at, created_by) VALUES ('S10000%d', %lld, %lld,"
                 " 'prp', 'PRP syringe', %lld, %lld, '%s', %lld, %lld)",
                 i, (long long)id, (long long)c.patient, (long long)now,
                 (long long)(now + 3 * HOUR_MS), i == 0 ? "active" : "injected", (long long)now,
                 (long long)c.nurse.user_id);
        assert_int_equal(testdb_exec(t, sql), 0);
    }
    json_t *body = json_pack("{s:s, s:i}", "reason", "short", "version", 1);
    fail_clear(&f);
    assert_code(procedure_abandon(t->db, protocols, &c.nurse, id, body, &out, &f), ST_INVALID, &f,
                "too_short", "reason");
    json_decref(body);
    body = json_pack("{s:s, s:i}", "reason", "Vein collapsed at the draw", "version", 1);
    assert_int_equal(procedure_abandon(t->db, protocols, &c.nurse, id, body, &out, &f), ST_OK);
    json_decref(body);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "abandoned");
    json_decref(out);
    assert_string_equal(appointment_status(t, c.appointment, buf, sizeof(buf)), "cancelled");
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM specimens WHERE id = 'S100000' AND "
                                   "status = 'discarded'"),
                     1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM specimens WHERE id = 'S100001' AND "
                                   "status = 'injected'"),
                     1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM specimen_events WHERE event = "
                                   "'discarded' AND note = 'Vein collapsed at the draw'"),
                     1);
    /* Abandoned is final. */
    body = json_pack("{s:s}", "lang", "en");
    fail_clear(&f);
    assert_code(procedure_aftercare(t->db, protocols, &c.nurse, id, body, &out, &f), ST_CONFLICT,
                &f, "invalid_transition", NULL);
    json_decref(body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_rules, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_section_versions, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_completion_needs, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_abandon, testdb_test_setup, testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
