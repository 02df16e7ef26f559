/* Unit tests of src/clinic/identity_check.c against a migrated test database: the verdict on a
 * scan gives the first failure in the contract's order, every failure is stored as a failed
 * check and audited while nothing else changes, a pass adds a `checked` event, and a closed
 * procedure or bad input stores nothing. Procedures are inserted with SQL, as the procedure
 * module would store them. */
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
#include "clinic/identity_check.h"
#include "clinic/role.h"
#include "clinic/specimen.h"
#include "clinic/specimen_id.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testcal.h"
#include "testdb.h"

#define H 3600000LL

static int
group_setup(void **state)
{
    struct fail f;
    if (testdb_group_setup(state) != 0)
        return -1;
    return clinic_tz_set("UTC", &f) == ST_OK ? 0 : -1;
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

static void exec(struct testdb *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
exec(struct testdb *t, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (testdb_exec(t, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

/* An open (or `status`) procedure of `patient` started `started` with a stored screening. */
static int64_t
add_procedure(struct testdb *t, int64_t patient, int64_t user, const char *treatment,
              const char *status, int64_t started)
{
    static int n;
    n++;
    exec(t,
         "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Room 1', 'treatment');"
         "INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, %lld);",
         (long long)user);
    exec(t,
         "INSERT INTO appointments (id, patient_id, kind, start_ms, end_ms, prep_minutes, room_id,"
         " clinician_id, status, version, created_at, updated_at) VALUES (%d, %lld, 'session',"
         " %lld, %lld, 0, 1, 1, 'in_progress', 1, %lld, %lld);"
         "INSERT INTO screenings (id, patient_id, treatment, session_at, outcome, result, inputs,"
         " rules_sha256, computed_at) VALUES (%d, %lld, '%s', %lld, 'eligible', '{}', '{}', 'x',"
         " %lld);",
         n, (long long)patient, (long long)started + n * H, (long long)started + n * H + H,
         (long long)started, (long long)started, n, (long long)patient, treatment,
         (long long)started, (long long)started);
    int completed = strcmp(status, "completed") == 0;
    exec(t,
         "INSERT INTO procedures (id, patient_id, appointment_id, treatment, screening_id, status,"
         " version, started_at, started_by, completed_at, completed_by, updated_at, updated_by)"
         " VALUES (%d, %lld, %d, '%s', %d, '%s', 1, %lld, %lld, %s, %s, %lld, %lld);",
         n, (long long)patient, n, treatment, n, status, (long long)started, (long long)user,
         completed ? "1" : "NULL", completed ? "1" : "NULL", (long long)started, (long long)user);
    return n;
}

struct world {
    struct actor nurse;
    int64_t alice, bob;
    char alice_mrn[24], bob_mrn[24];
    int64_t proc, proc_other, proc_bob, proc_closed;
    char tube[24], prp[24], discarded[24], used[24], expired[24], other[24], bob_prp[24];
};

static void
mrn_of(struct db *db, int64_t id, char out[24])
{
    struct db_patient p;
    assert_int_equal(db_patient_get(db, id, &p), ST_OK);
    snprintf(out, 24, "%s", p.mrn);
    db_patient_release(&p);
}

/* Makes a specimen through the domain and copies its id. */
static void
make(struct db *db, const struct actor *a, int hours, int64_t proc, const char *body, char out[24])
{
    json_t *b = parse(body), *o = NULL;
    struct fail f;
    fail_clear(&f);
    int st = specimen_create(db, a, hours, proc, b, &o, &f);
    if (st != ST_OK)
        fail_msg("specimen %s: %s %s", body, f.code, f.message);
    snprintf(out, 24, "%s", json_string_value(json_object_get(o, "id")));
    json_decref(o);
    json_decref(b);
}

static void
world_make(struct testdb *t, struct world *w)
{
    char body[160];
    memset(w, 0, sizeof(*w));
    w->nurse.user_id = testcal_user(t->db, "nurse1", ROLE_NURSE);
    snprintf(w->nurse.username, sizeof(w->nurse.username), "nurse1");
    w->nurse.roles = ROLE_NURSE;
    w->alice = testcal_patient(t->db, "Alice");
    w->bob = testcal_patient(t->db, "Bob");
    mrn_of(t->db, w->alice, w->alice_mrn);
    mrn_of(t->db, w->bob, w->bob_mrn);
    int64_t now = time_now_ms();
    w->proc = add_procedure(t, w->alice, w->nurse.user_id, "prp-hair", "open", now - 4 * H);
    w->proc_other = add_procedure(t, w->alice, w->nurse.user_id, "prp-face", "open", now);
    w->proc_bob = add_procedure(t, w->bob, w->nurse.user_id, "prp-hair", "open", now);
    w->proc_closed = add_procedure(t, w->alice, w->nurse.user_id, "prp-hair", "completed", now);

    make(t->db, &w->nurse, 3, w->proc, "{\"kind\":\"blood_tube\"}", w->tube);
    snprintf(body, sizeof(body), "{\"kind\":\"prp\",\"parent_id\":\"%s\"}", w->tube);
    make(t->db, &w->nurse, 3, w->proc, body, w->prp);
    make(t->db, &w->nurse, 3, w->proc, body, w->discarded);
    make(t->db, &w->nurse, 3, w->proc, body, w->used);
    exec(t, "UPDATE specimens SET status = 'discarded' WHERE id = '%s';", w->discarded);
    exec(t, "UPDATE specimens SET status = 'injected' WHERE id = '%s';", w->used);
    /* Drawn four hours ago, usable for one: expired. */
    char old_tube[24], at[25];
    time_format_ms(now - 4 * H + 60000, at);
    snprintf(body, sizeof(body), "{\"kind\":\"blood_tube\",\"collected_at\":\"%s\"}", at);
    make(t->db, &w->nurse, 1, w->proc, body, old_tube);
    snprintf(body, sizeof(body), "{\"kind\":\"prp\",\"parent_id\":\"%s\"}", old_tube);
    make(t->db, &w->nurse, 1, w->proc, body, w->expired);

    char t2[24];
    make(t->db, &w->nurse, 3, w->proc_other, "{\"kind\":\"blood_tube\"}", t2);
    snprintf(body, sizeof(body), "{\"kind\":\"prp\",\"parent_id\":\"%s\"}", t2);
    make(t->db, &w->nurse, 3, w->proc_other, body, w->other);
    make(t->db, &w->nurse, 3, w->proc_bob, "{\"kind\":\"blood_tube\"}", t2);
    snprintf(body, sizeof(body), "{\"kind\":\"prp\",\"parent_id\":\"%s\"}", t2);
    make(t->db, &w->nurse, 3, w->proc_bob, body, w->bob_prp);
}

/* What a failed check must leave alone: specimens (status, expiry), their events, procedures. */
struct snapshot {
    int64_t events, active, injected, discarded, expiry_sum, proc_sum, checks, audit_failed,
        audit_passed, checked_events;
};

static void
snap(struct testdb *t, struct snapshot *s)
{
    s->events = testdb_int(t, "SELECT count(*) FROM specimen_events");
    s->active = testdb_int(t, "SELECT count(*) FROM specimens WHERE status = 'active'");
    s->injected = testdb_int(t, "SELECT count(*) FROM specimens WHERE status = 'injected'");
    s->discarded = testdb_int(t, "SELECT count(*) FROM specimens WHERE status = 'discarded'");
    s->expiry_sum = testdb_int(t, "SELECT total(expires_at % 1000003) FROM specimens");
    s->proc_sum = testdb_int(t, "SELECT total(version * 7 + updated_at % 1000003 +"
                                " length(status)) FROM procedures");
    s->checks = testdb_int(t, "SELECT count(*) FROM identity_checks");
    s->audit_failed =
        testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'identity.check_failed'");
    s->audit_passed = testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'identity.check'");
    s->checked_events = testdb_int(t, "SELECT count(*) FROM specimen_events WHERE"
                                      " event = 'checked'");
}

static int
run(struct testdb *t, const struct actor *a, int64_t proc, const char *patient_scan,
    const char *specimen_scan, json_t **out, struct fail *f)
{
    json_t *body =
        json_pack("{s:s, s:s}", "patient_scan", patient_scan, "specimen_scan", specimen_scan);
    fail_clear(f);
    int st = identity_check_run(t->db, a, proc, body, out, f);
    json_decref(body);
    return st;
}

static void
test_every_failure_fails_safe(void **state)
{
    struct testdb *t = tdb(state);
    struct world w;
    char missing[SPECIMEN_ID_MAX], bad_digit[SPECIMEN_ID_MAX];
    world_make(t, &w);
    specimen_id_format(999999, missing);
    snprintf(bad_digit, sizeof(bad_digit), "%s", w.prp);
    size_t last = strlen(bad_digit) - 1;
    bad_digit[last] = (char)('0' + (bad_digit[last] - '0' + 1) % 10);

    const struct {
        const char *patient, *specimen, *code, *field, *names;
    } cases[] = {
        {"12345", w.prp, "patient_unknown", "patient_scan", w.prp},
        {"99999997", w.prp, "patient_unknown", "patient_scan", w.prp},
        {w.bob_mrn, w.prp, "wrong_patient", "patient_scan", w.prp},
        {w.bob_mrn, w.bob_prp, "wrong_patient", "patient_scan", w.bob_prp},
        {w.alice_mrn, missing, "specimen_unknown", "specimen_scan", NULL},
        {w.alice_mrn, bad_digit, "specimen_unknown", "specimen_scan", NULL},
        {w.alice_mrn, w.alice_mrn, "specimen_unknown", "specimen_scan", NULL},
        {w.alice_mrn, w.bob_prp, "specimen_other_patient", "specimen_scan", w.bob_prp},
        {w.alice_mrn, w.other, "specimen_other_procedure", "specimen_scan", w.other},
        {w.alice_mrn, w.tube, "specimen_not_injectable", "specimen_scan", w.tube},
        {w.alice_mrn, w.discarded, "specimen_discarded", "specimen_scan", w.discarded},
        {w.alice_mrn, w.used, "specimen_used", "specimen_scan", w.used},
        {w.alice_mrn, w.expired, "specimen_expired", "specimen_scan", w.expired},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct snapshot before, after;
        struct fail f;
        json_t *out = NULL;
        snap(t, &before);
        int st = run(t, &w.nurse, w.proc, cases[i].patient, cases[i].specimen, &out, &f);
        if (st != ST_CONFLICT || strcmp(f.code, cases[i].code) != 0)
            fail_msg("%s / %s: got %d %s, expected %s", cases[i].patient, cases[i].specimen, st,
                     f.code, cases[i].code);
        assert_string_equal(f.field, cases[i].field);
        assert_memory_equal(f.message, "STOP", 4);
        json_t *check = json_object_get(out, "check");
        assert_non_null(check);
        assert_true(json_is_false(json_object_get(check, "passed")));
        assert_string_equal(json_string_value(json_object_get(check, "failure")), cases[i].code);
        json_t *named = json_object_get(check, "specimen_id");
        if (cases[i].names)
            assert_string_equal(json_string_value(named), cases[i].names);
        else
            assert_true(json_is_null(named));
        assert_null(json_object_get(out, "specimen"));
        snap(t, &after);
        /* Its own row and its audit event, and nothing else. */
        assert_int_equal(after.checks, before.checks + 1);
        assert_int_equal(after.audit_failed, before.audit_failed + 1);
        assert_int_equal(after.audit_passed, before.audit_passed);
        assert_int_equal(after.events, before.events);
        assert_int_equal(after.checked_events, before.checked_events);
        assert_int_equal(after.active, before.active);
        assert_int_equal(after.injected, before.injected);
        assert_int_equal(after.discarded, before.discarded);
        assert_int_equal(after.expiry_sum, before.expiry_sum);
        assert_int_equal(after.proc_sum, before.proc_sum);
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "SELECT passed FROM identity_checks WHERE id = %lld AND failure = '%s'",
                 (long long)json_integer_value(json_object_get(check, "id")), cases[i].code);
        assert_int_equal(testdb_int(t, sql), 0);
        json_decref(out);
    }
}

static void
test_pass_adds_checked_event(void **state)
{
    struct testdb *t = tdb(state);
    struct world w;
    struct snapshot before, after;
    struct fail f;
    json_t *out = NULL;
    char scan[40];
    world_make(t, &w);
    snap(t, &before);
    /* As a scanner types it: lower-case s, a trailing Enter. */
    snprintf(scan, sizeof(scan), " s%.22s\r\n", w.prp + 1);
    assert_int_equal(run(t, &w.nurse, w.proc, w.alice_mrn, scan, &out, &f), ST_OK);
    json_t *check = json_object_get(out, "check");
    assert_true(json_is_true(json_object_get(check, "passed")));
    assert_true(json_is_null(json_object_get(check, "failure")));
    assert_string_equal(json_string_value(json_object_get(check, "specimen_id")), w.prp);
    json_t *events = json_object_get(json_object_get(out, "specimen"), "events");
    json_t *lastev = json_array_get(events, json_array_size(events) - 1);
    assert_string_equal(json_string_value(json_object_get(lastev, "event")), "checked");
    snap(t, &after);
    assert_int_equal(after.checks, before.checks + 1);
    assert_int_equal(after.checked_events, before.checked_events + 1);
    assert_int_equal(after.audit_passed, before.audit_passed + 1);
    assert_int_equal(after.audit_failed, before.audit_failed);
    assert_int_equal(after.active, before.active);
    json_decref(out);
}

static void
test_refusals_store_nothing(void **state)
{
    struct testdb *t = tdb(state);
    struct world w;
    struct snapshot before, after;
    struct fail f;
    json_t *out = NULL;
    world_make(t, &w);
    snap(t, &before);
    assert_int_equal(run(t, &w.nurse, w.proc_closed, w.alice_mrn, w.prp, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition");
    assert_null(out);
    assert_int_equal(run(t, &w.nurse, 9999, w.alice_mrn, w.prp, &out, &f), ST_NOT_FOUND);
    assert_null(out);
    assert_int_equal(run(t, &w.nurse, w.proc, "", w.prp, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "patient_scan");
    json_t *body = parse("{\"patient_scan\":\"1\",\"specimen_scan\":\"2\",\"extra\":1}");
    assert_int_equal(identity_check_run(t->db, &w.nurse, w.proc, body, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "unknown_field");
    json_decref(body);
    snap(t, &after);
    assert_memory_equal(&before, &after, sizeof(before));
}

static void
test_judge_order(void **state)
{
    /* Facts failing several ways at once give the first failure of the contract's order. */
    struct db_specimen s;
    (void)state;
    memset(&s, 0, sizeof(s));
    snprintf(s.kind, sizeof(s.kind), "blood_tube");
    snprintf(s.status, sizeof(s.status), "discarded");
    s.patient_id = 2;
    s.procedure_id = 9;
    s.expires_ms = 1000;
    struct identity_facts x = {.procedure_id = 1,
                               .procedure_patient_id = 1,
                               .scanned_patient_id = 0,
                               .specimen = &s,
                               .now_ms = 5000};
    static const enum identity_failure expected[] = {
        IDENTITY_PATIENT_UNKNOWN,          IDENTITY_WRONG_PATIENT,
        IDENTITY_SPECIMEN_UNKNOWN,         IDENTITY_SPECIMEN_OTHER_PATIENT,
        IDENTITY_SPECIMEN_OTHER_PROCEDURE, IDENTITY_SPECIMEN_NOT_INJECTABLE,
        IDENTITY_SPECIMEN_DISCARDED,       IDENTITY_SPECIMEN_USED,
        IDENTITY_SPECIMEN_EXPIRED,         IDENTITY_PASSED,
    };
    /* Each step mends the failure just seen, uncovering the next. */
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        enum identity_failure got = identity_judge(&x);
        if (got != expected[i])
            fail_msg("step %zu: got %s, expected %s", i, identity_failure_code(got),
                     identity_failure_code(expected[i]));
        switch (got) {
        case IDENTITY_PATIENT_UNKNOWN:
            x.scanned_patient_id = 3;
            break;
        case IDENTITY_WRONG_PATIENT:
            x.scanned_patient_id = 1;
            x.specimen = NULL;
            break;
        case IDENTITY_SPECIMEN_UNKNOWN:
            x.specimen = &s;
            break;
        case IDENTITY_SPECIMEN_OTHER_PATIENT:
            s.patient_id = 1;
            break;
        case IDENTITY_SPECIMEN_OTHER_PROCEDURE:
            s.procedure_id = 1;
            break;
        case IDENTITY_SPECIMEN_NOT_INJECTABLE:
            snprintf(s.kind, sizeof(s.kind), "prp");
            break;
        case IDENTITY_SPECIMEN_DISCARDED:
            snprintf(s.status, sizeof(s.status), "injected");
            break;
        case IDENTITY_SPECIMEN_USED:
            snprintf(s.status, sizeof(s.status), "active");
            break;
        case IDENTITY_SPECIMEN_EXPIRED:
            s.expires_ms = 5001; /* usable up to, not at, its expiry */
            break;
        case IDENTITY_PASSED:
            break;
        }
    }
    s.expires_ms = 5000;
    assert_int_equal(identity_judge(&x), IDENTITY_SPECIMEN_EXPIRED);
    for (const char *k = "fat_graft"; k;
         k = strcmp(k, "fat_graft") == 0 ? "cell_suspension" : NULL) {
        snprintf(s.kind, sizeof(s.kind), "%s", k);
        s.expires_ms = 6000;
        assert_int_equal(identity_judge(&x), IDENTITY_PASSED);
    }
    snprintf(s.kind, sizeof(s.kind), "fat_aspirate");
    assert_int_equal(identity_judge(&x), IDENTITY_SPECIMEN_NOT_INJECTABLE);
    assert_string_equal(identity_failure_code(IDENTITY_SPECIMEN_USED), "specimen_used");
    assert_string_equal(identity_failure_code(IDENTITY_PASSED), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge_order),
        cmocka_unit_test_setup_teardown(test_every_failure_fails_safe, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_pass_adds_checked_event, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_store_nothing, testdb_test_setup,
                                        testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
