/* Unit tests of src/clinic/course.c against a migrated test database: prescribing needs the
 * latest signed screening to say proceed, a prescription is written whole or not at all, and
 * replanning follows the booked local days of appointments (inserted with SQL, as the schedule
 * would), in the caller's transaction, writing only when asked. */
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
#include "clinic/course.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testdb.h"

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

static int64_t
add_patient(struct db *db)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    p.given_name = strdup("Sample");
    p.family_name = strdup("Testpatient");
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-06-15");
    snprintf(p.sex, sizeof(p.sex), "female");
    snprintf(p.preferred_language, sizeof(p.preferred_language), "en");
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(patient_insert_tx(db, &a, &p, time_now_ms()), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = p.id;
    db_patient_release(&p);
    return id;
}

/* A doctor acting. */
static void
doctor(struct db *db, struct actor *a)
{
    struct db_user u;
    memset(&u, 0, sizeof(u));
    memset(a, 0, sizeof(*a));
    snprintf(u.username, sizeof(u.username), "doctor1");
    u.display_name = strdup("Sample Doctor");
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-hash");
    u.roles = ROLE_DOCTOR;
    u.created_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_user_insert(db, &u), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    a->user_id = u.id;
    snprintf(a->username, sizeof(a->username), "doctor1");
    a->roles = ROLE_DOCTOR;
    snprintf(a->remote, sizeof(a->remote), "test");
    db_user_release(&u);
}

/* A stored screening result with `outcome`, signed with `decision` (NULL: unsigned) at
 * `signed_ms`. */
static int64_t
add_screening(struct db *db, const struct actor *a, int64_t patient, const char *treatment,
              const char *outcome, const char *decision, int64_t signed_ms)
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
    s.computed_ms = time_now_ms();
    s.computed_by = a->user_id;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_screening_insert(db, &s), ST_OK);
    if (decision) {
        snprintf(s.decision, sizeof(s.decision), "%s", decision);
        s.override = !strcmp(decision, "proceed") && strcmp(outcome, "eligible") != 0;
        s.reason = s.override ? (char *)"Benefit discussed with the patient" : NULL;
        s.signed_ms = signed_ms;
        s.signed_by = a->user_id;
        assert_int_equal(db_screening_sign(db, &s), ST_OK);
    }
    assert_int_equal(db_commit(db), ST_OK);
    return s.id;
}

static void
today_plus(int64_t days, char out[11])
{
    struct date t, d;
    clinic_tz_today(&t);
    date_add_days(&t, days, &d);
    date_format(&d, out);
}

static void
day_plus(const char *day, int64_t days, char out[11])
{
    struct date d, r;
    assert_int_equal(date_parse(day, &d), ST_OK);
    date_add_days(&d, days, &r);
    date_format(&r, out);
}

/* Prescribes prp-hair from `start`; returns the status, *out the course. */
static int
prescribe(struct db *db, const struct actor *a, int64_t patient, const char *start, json_t **out,
          struct fail *f)
{
    char body[160];
    snprintf(body, sizeof(body),
             "{\"protocol\":\"prp-hair\",\"start_date\":\"%s\",\"package\":true}", start);
    json_t *b = parse(body);
    fail_clear(f);
    int st = course_prescribe(db, protocols, a, patient, b, out, f);
    json_decref(b);
    return st;
}

static void
test_prescribe_needs_proceed(void **state)
{
    struct db *db = tdb(state)->db;
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char start[11];

    doctor(db, &a);
    int64_t p = add_patient(db);
    today_plus(7, start);
    int64_t now = time_now_ms();

    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "screening_required");
    assert_null(out);
    add_screening(db, &a, p, "prp-hair", "eligible", NULL, 0);
    add_screening(db, &a, p, "prp-face", "eligible", "proceed", now);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "screening_required");
    /* The latest by signing time decides, not the latest computed. */
    add_screening(db, &a, p, "prp-hair", "eligible", "proceed", now - 1000);
    add_screening(db, &a, p, "prp-hair", "eligible", "do_not_proceed", now);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "screening_not_proceed");
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM courses"), 0);

    /* A deferral signed to proceed is the override, and allowed. */
    int64_t s = add_screening(db, &a, p, "prp-hair", "defer", "proceed", now + 1000);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "screening_id")), s);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "planned");
    assert_int_equal(json_array_size(json_object_get(out, "items")), 7);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM course_items"), 7);
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM audit WHERE action ="
                                            " 'course.create' AND entity = 'course'"),
                     1);
    /* The course keeps the file as it was read, with its hash. */
    const struct course_protocol *hair = course_protocols_find(protocols->courses, "prp-hair");
    struct db_course c;
    assert_int_equal(db_course_get(db, id, &c), ST_OK);
    assert_string_equal(c.protocol_json, hair->text);
    assert_string_equal(c.protocol_sha256, hair->sha256);
    assert_string_equal(c.currency, "AED");
    assert_int_equal(c.discount_minor, 81000);
    db_course_release(&c);

    /* A deleted patient gets no course. */
    assert_int_equal(testdb_exec(tdb(state), "UPDATE patients SET deleted = 1"), 0);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_NOT_FOUND);
}

/* A failure after the course row is written leaves nothing: not the course, not an item, not
 * the audit event. */
static void
test_nothing_half_written(void **state)
{
    struct db *db = tdb(state)->db;
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char start[11];

    doctor(db, &a);
    int64_t p = add_patient(db);
    add_screening(db, &a, p, "prp-hair", "eligible", "proceed", time_now_ms());
    today_plus(3, start);
    assert_int_equal(testdb_exec(tdb(state),
                                 "CREATE TRIGGER fail_fifth BEFORE INSERT ON course_items"
                                 " WHEN NEW.seq = 5 BEGIN SELECT RAISE(ABORT, 'test'); END"),
                     0);
    assert_int_not_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    assert_null(out);
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM courses"), 0);
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM course_items"), 0);
    assert_int_equal(testdb_int(tdb(state), "SELECT count(*) FROM audit WHERE action ="
                                            " 'course.create'"),
                     0);
    assert_int_equal(testdb_exec(tdb(state), "DROP TRIGGER fail_fifth"), 0);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    json_decref(out);
}

/* The items' ids and target dates, in seq order. */
struct plan_view {
    int64_t id[16];
    char target[16][11];
    char earliest[16][11];
    size_t n;
};

static void
view_of(json_t *items, struct plan_view *v)
{
    size_t i;
    json_t *it;
    memset(v, 0, sizeof(*v));
    json_array_foreach(items, i, it)
    {
        v->id[i] = json_integer_value(json_object_get(it, "id"));
        snprintf(v->target[i], 11, "%s", json_string_value(json_object_get(it, "target_date")));
        snprintf(v->earliest[i], 11, "%s", json_string_value(json_object_get(it, "earliest_date")));
        v->n = i + 1;
    }
}

/* Books course item `item` at local `day` `hhmm` (UTC in these tests unless the zone says
 * otherwise) as the schedule would. */
static void
book(struct testdb *t, int64_t patient, int64_t item, const char *day, int minute,
     const char *status)
{
    struct date d;
    int64_t start;
    char sql[512];
    assert_int_equal(date_parse(day, &d), ST_OK);
    assert_int_equal(clinic_tz_to_utc(&d, minute, &start), ST_OK);
    snprintf(sql, sizeof(sql),
             "INSERT INTO appointments (patient_id, kind, course_item_id, start_ms, end_ms,"
             " prep_minutes, room_id, clinician_id, status, version, created_at, updated_at)"
             " VALUES (%lld, 'session', %lld, %lld, %lld, 30, 1, 1, '%s', 1, 0, 0)",
             (long long)patient, (long long)item, (long long)start, (long long)(start + 3600000),
             status);
    assert_int_equal(testdb_exec(t, sql), 0);
}

static json_t *
effect_of(json_t *effects, int64_t id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(effects, "items"), i, it)
    {
        if (json_integer_value(json_object_get(it, "id")) == id)
            return it;
    }
    fail_msg("no effect for item %lld", (long long)id);
    return NULL;
}

static const char *
eff(json_t *effects, int64_t id, const char *key)
{
    return json_string_value(json_object_get(effect_of(effects, id), key));
}

static bool
eff_outside(json_t *effects, int64_t id)
{
    return json_is_true(json_object_get(effect_of(effects, id), "outside_window"));
}

static void
test_replan(void **state)
{
    struct testdb *t = tdb(state);
    struct db *db = t->db;
    struct actor a;
    struct fail f;
    json_t *out = NULL, *effects = NULL;
    char start[11], day[11], want[11];
    struct plan_view v;

    doctor(db, &a);
    int64_t p = add_patient(db);
    add_screening(db, &a, p, "prp-hair", "eligible", "proceed", time_now_ms());
    today_plus(10, start);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    int64_t course = json_integer_value(json_object_get(out, "id"));
    view_of(json_object_get(out, "items"), &v);
    json_decref(out);
    assert_int_equal(testdb_exec(t, "INSERT INTO rooms (id, name, kind) VALUES (1, 'Room 1',"
                                    " 'treatment'); INSERT INTO clinicians (id, user_id)"
                                    " VALUES (1, 1)"),
                     0);

    /* Session 2 booked 10 days late (inside its +12), session 3 on its planned day. */
    day_plus(v.target[1], 10, day);
    book(t, p, v.id[1], day, 9 * 60, "booked");
    book(t, p, v.id[2], v.target[2], 9 * 60, "booked");
    assert_int_equal(db_begin_write(db), ST_OK);
    fail_clear(&f);
    assert_int_equal(course_replan(db, course, NULL, false, &effects, &f), ST_OK);
    db_rollback(db);
    day_plus(day, 30, want);
    assert_string_equal(eff(effects, v.id[2], "target_date"), want);
    assert_false(eff_outside(effects, v.id[1]));
    /* session 3 is now 10 days before its target: one day before its window */
    assert_true(eff_outside(effects, v.id[2]));
    char local[17];
    snprintf(local, sizeof(local), "%sT09:00", v.target[2]);
    assert_string_equal(eff(effects, v.id[2], "appointment_local"), local);
    assert_true(json_is_null(json_object_get(effect_of(effects, v.id[3]), "appointment_local")));
    assert_int_equal(json_array_size(json_object_get(effects, "items")), v.n);
    json_decref(effects);
    /* Without write nothing was stored. */
    json_t *cur = NULL;
    assert_int_equal(course_read(db, &a, course, &cur, &f), ST_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(cur, "items"), 2), "target_date")),
                        v.target[2]);
    json_decref(cur);

    /* The move previewed back to the planned day: session 3 fits again. */
    struct course_replan_change ch = {.item_id = v.id[1]};
    assert_int_equal(date_parse(v.target[1], &ch.local_day), ST_OK);
    assert_int_equal(clinic_tz_to_utc(&ch.local_day, 10 * 60, &ch.start_ms), ST_OK);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(course_replan(db, course, &ch, false, &effects, &f), ST_OK);
    db_rollback(db);
    assert_string_equal(eff(effects, v.id[2], "target_date"), v.target[2]);
    assert_false(eff_outside(effects, v.id[2]));
    snprintf(local, sizeof(local), "%sT10:00", v.target[1]);
    assert_string_equal(eff(effects, v.id[1], "appointment_local"), local);
    json_decref(effects);

    /* Written: the stored windows move, and the course shows session 3 outside its own. */
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(course_replan(db, course, NULL, true, &effects, &f), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    json_decref(effects);
    assert_int_equal(course_read(db, &a, course, &cur, &f), ST_OK);
    json_t *third = json_array_get(json_object_get(cur, "items"), 2);
    day_plus(day, 30, want);
    assert_string_equal(json_string_value(json_object_get(third, "target_date")), want);
    assert_true(json_is_true(json_object_get(third, "outside_window")));
    json_t *appt = json_object_get(third, "appointment");
    snprintf(local, sizeof(local), "%sT09:00", v.target[2]);
    assert_string_equal(json_string_value(json_object_get(appt, "local")), local);
    assert_string_equal(json_string_value(json_object_get(appt, "status")), "booked");
    json_decref(cur);

    /* A cancelled appointment does not hold the item: session 3 counts from session 2's target
     * again once session 2's appointment is cancelled. */
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE appointments SET status = 'cancelled' WHERE course_item_id"
             " = %lld",
             (long long)v.id[1]);
    assert_int_equal(testdb_exec(t, sql), 0);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(course_replan(db, course, NULL, true, &effects, &f), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    assert_string_equal(eff(effects, v.id[2], "target_date"), v.target[2]);
    assert_false(eff_outside(effects, v.id[2]));
    assert_true(json_is_null(json_object_get(effect_of(effects, v.id[1]), "appointment_local")));
    json_decref(effects);

    /* Another course's item, or no such course. */
    ch.item_id = 999999;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(course_replan(db, course, &ch, false, &effects, &f), ST_NOT_FOUND);
    assert_string_equal(f.field, "course_item_id");
    assert_null(effects);
    assert_int_equal(course_replan(db, 424242, NULL, false, &effects, &f), ST_NOT_FOUND);
    db_rollback(db);
}

/* The booked day is the clinic's local day: in Dubai (UTC+4) an appointment at 21:00 UTC is
 * the next morning's, and the next session counts from that day. */
static void
test_replan_local_day(void **state)
{
    struct testdb *t = tdb(state);
    struct db *db = t->db;
    struct actor a;
    struct fail f;
    json_t *out = NULL, *effects = NULL;
    char start[11], want[11];
    struct plan_view v;

    fail_clear(&f);
    assert_int_equal(clinic_tz_set("Asia/Dubai", &f), ST_OK);
    doctor(db, &a);
    int64_t p = add_patient(db);
    add_screening(db, &a, p, "prp-hair", "eligible", "proceed", time_now_ms());
    today_plus(10, start);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    int64_t course = json_integer_value(json_object_get(out, "id"));
    view_of(json_object_get(out, "items"), &v);
    json_decref(out);
    /* 01:00 local on the day after session 1's target: 21:00 UTC the day before. */
    char next[11];
    day_plus(v.target[0], 1, next);
    book(t, p, v.id[0], next, 60, "checked_in");
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(course_replan(db, course, NULL, false, &effects, &f), ST_OK);
    db_rollback(db);
    day_plus(next, 30, want);
    assert_string_equal(eff(effects, v.id[1], "target_date"), want);
    char local[17];
    snprintf(local, sizeof(local), "%sT01:00", next);
    assert_string_equal(eff(effects, v.id[0], "appointment_local"), local);
    json_decref(effects);
    assert_int_equal(clinic_tz_set("UTC", &f), ST_OK);
}

/* What a course's end hook saw: how often it ran, for which course, with which reason. */
struct end_seen {
    int calls;
    int64_t course_id;
    char reason[64];
};

static int
record_end(const void *ctx, struct db *db, const struct actor *a, int64_t course_id,
           const char *reason, struct fail *f)
{
    struct end_seen *seen = (struct end_seen *)ctx;
    (void)db;
    (void)a;
    (void)f;
    seen->calls++;
    seen->course_id = course_id;
    snprintf(seen->reason, sizeof(seen->reason), "%s", reason ? reason : "");
    return ST_OK;
}

static void
test_status_cancels_open_items(void **state)
{
    struct testdb *t = tdb(state);
    struct db *db = t->db;
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char start[11];

    doctor(db, &a);
    int64_t p = add_patient(db);
    add_screening(db, &a, p, "prp-hair", "eligible", "proceed", time_now_ms());
    today_plus(2, start);
    assert_int_equal(prescribe(db, &a, p, start, &out, &f), ST_OK);
    int64_t course = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    /* One item done, one booked, one missed; the rest planned. */
    assert_int_equal(testdb_exec(t, "UPDATE course_items SET status = 'done' WHERE seq = 1;"
                                    " UPDATE course_items SET status = 'booked' WHERE seq = 2;"
                                    " UPDATE course_items SET status = 'missed' WHERE seq = 3"),
                     0);
    json_t *body = parse("{\"status\":\"completed\",\"reason\":\"Moved abroad\"}");
    fail_clear(&f);
    struct end_seen seen = {0};
    assert_int_equal(course_set_status(db, &a, course, body, record_end, &seen, &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition"); /* planned: nothing to complete */
    json_decref(body);
    body = parse("{\"status\":\"active\"}");
    assert_int_equal(course_set_status(db, &a, course, body, record_end, &seen, &out, &f), ST_OK);
    json_decref(out);
    json_decref(body);
    assert_int_equal(seen.calls, 0); /* becoming active ends nothing */
    body = parse("{\"status\":\"completed\",\"reason\":\"Moved abroad\",\"version\":2}");
    assert_int_equal(course_set_status(db, &a, course, body, record_end, &seen, &out, &f), ST_OK);
    json_decref(body);
    /* The calendar hears of the end once, with the course and the reason. */
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.course_id, course);
    assert_string_equal(seen.reason, "Moved abroad");
    json_t *progress = json_object_get(out, "progress");
    assert_int_equal(json_integer_value(json_object_get(progress, "done")), 1);
    assert_int_equal(json_integer_value(json_object_get(progress, "total")), 2);
    assert_int_equal(json_integer_value(json_object_get(progress, "next_item_id")),
                     json_integer_value(
                         json_object_get(json_array_get(json_object_get(out, "items"), 1), "id")));
    json_decref(out);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM course_items WHERE status ="
                                   " 'cancelled'"),
                     5);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM course_items WHERE seq = 2 AND"
                                   " status = 'booked'"),
                     1);
    assert_int_equal(testdb_int(t, "SELECT version FROM courses"), 3);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'course.status'"), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prescribe_needs_proceed, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_nothing_half_written, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_replan, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_replan_local_day, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_status_cancels_open_items, testdb_test_setup,
                                        testdb_test_teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
