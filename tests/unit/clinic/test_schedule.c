/* Unit tests of src/clinic/schedule.c against a migrated test database: the clinic's resources,
 * booking with every refusal naming its field, nothing half-written, status transitions, course
 * items and their windows, moves with and without preview, cancelling a course's appointments,
 * the slot search's query and the day and week views. */
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
#include "clinic/role.h"
#include "clinic/schedule.h"
#include "core/clinic_tz.h"
#include "testcal.h"
#include "testdb.h"

#define H(h, m) ((h)*60 + (m))

static struct clinic_settings settings;
/* The shipped data files: the messages of every change are written with them. */
static struct protocols *protocols;

static int
setup(void **state)
{
    struct fail f;
    clinic_settings_default(&settings);
    if (clinic_tz_set("UTC", &f) != ST_OK ||
        protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protocols, &f) != ST_OK)
        return -1;
    return testdb_test_setup(state);
}

static int
teardown(void **state)
{
    struct fail f;
    protocols_free(protocols);
    protocols = NULL;
    if (clinic_tz_set("UTC", &f) != ST_OK)
        return -1;
    return testdb_test_teardown(state);
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

/* The calendar most tests use: open 09:00-18:00 every day, two treatment rooms and a
 * consultation room, two doctors 09:00-17:00, two centrifuges, two patients, and an actor. */
struct fixture {
    struct testdb *t;
    struct db *db;
    struct actor a;
    int64_t room1, room2, consult, doc1, doc2, cf1, cf2, p1, p2, user;
};

static struct fixture
fixture(void **state)
{
    struct fixture x = {.t = *state};
    x.db = x.t->db;
    testcal_open_daily(x.db, H(9, 0), H(18, 0));
    x.room1 = testcal_room(x.db, "Treatment 1", "treatment");
    x.room2 = testcal_room(x.db, "Treatment 2", "treatment");
    x.consult = testcal_room(x.db, "Consultation", "consultation");
    x.doc1 = testcal_clinician(x.db, "doctor1", H(9, 0), H(17, 0));
    x.doc2 = testcal_clinician(x.db, "doctor2", H(9, 0), H(17, 0));
    x.cf1 = testcal_centrifuge(x.db, "Centrifuge A");
    x.cf2 = testcal_centrifuge(x.db, "Centrifuge B");
    x.p1 = testcal_patient(x.db, "Sample");
    x.p2 = testcal_patient(x.db, "Other");
    x.user = testcal_user(x.db, "reception1", ROLE_RECEPTION);
    actor_cli(&x.a);
    x.a.user_id = x.user;
    x.a.roles = ROLE_RECEPTION;
    snprintf(x.a.username, sizeof(x.a.username), "reception1");
    return x;
}

/* A booking body: patient, local start on 2030-06-03 (a Monday), duration, prep, room,
 * clinician, centrifuge (0: none). */
static json_t *
booking(int64_t patient, int hour, int minute, int duration, int prep, int64_t room,
        int64_t clinician, int64_t centrifuge)
{
    char at[25];
    time_format_ms(testcal_at(2030, 6, 3, hour, minute), at);
    json_t *b =
        json_pack("{s:I, s:s, s:s, s:i, s:i, s:I, s:I}", "patient_id", (json_int_t)patient, "kind",
                  "session", "start", at, "duration_minutes", duration, "prep_minutes", prep,
                  "room_id", (json_int_t)room, "clinician_id", (json_int_t)clinician);
    if (centrifuge)
        json_object_set_new(b, "centrifuge_id", json_integer(centrifuge));
    return b;
}

/* Books and expects success; returns the appointment (the caller json_decref()s it). */
static json_t *
book_ok(struct fixture *x, json_t *body)
{
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int st = schedule_book(x->db, &settings, protocols, &x->a, body, &out, &f);
    if (st != ST_OK)
        fail_msg("booking refused: %s (%s on %s)", f.message, f.code, f.field);
    json_decref(body);
    return out;
}

/* Books and expects a refusal with this status, code and field. */
static void
book_refused(struct fixture *x, json_t *body, int status, const char *code, const char *field)
{
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int st = schedule_book(x->db, &settings, protocols, &x->a, body, &out, &f);
    if (st != status || strcmp(f.code, code) != 0 || strcmp(f.field, field) != 0)
        fail_msg("expected %d %s on %s, got %d %s on %s (%s) for %s", status, code, field, st,
                 f.code, f.field, f.message, json_dumps(body, JSON_COMPACT));
    assert_null(out);
    json_decref(body);
}

static int64_t
id_of(json_t *o)
{
    return json_integer_value(json_object_get(o, "id"));
}

static int64_t
count(struct fixture *x, const char *sql)
{
    return testdb_int(x->t, sql);
}

/* ---- resources ---- */

static void
hours_refused(struct db *db, const struct actor *a, const char *body, const char *code,
              const char *field)
{
    json_t *b = parse(body), *out = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(schedule_hours_put(db, a, b, &out, &f), ST_INVALID);
    if (strcmp(f.code, code) != 0 || strcmp(f.field, field) != 0)
        fail_msg("%s: expected %s on %s, got %s on %s", body, code, field, f.code, f.field);
    json_decref(b);
}

static void
test_opening_hours(void **state)
{
    struct fixture x = fixture(state);
    json_t *b = parse("{\"opening_hours\":[{\"weekday\":6,\"open\":\"16:00\",\"close\":\"24:00\"},"
                      "{\"weekday\":6,\"open\":\"09:00\",\"close\":\"13:00\"},"
                      "{\"weekday\":1,\"open\":\"09:00\",\"close\":\"18:00\"}]}"),
           *out = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(schedule_hours_put(x.db, &x.a, b, &out, &f), ST_OK);
    json_decref(b);
    /* The week comes back by weekday and time, midnight as 24:00. */
    char *s = json_dumps(json_object_get(out, "opening_hours"), JSON_COMPACT);
    assert_string_equal(s, "[{\"weekday\":1,\"open\":\"09:00\",\"close\":\"18:00\"},"
                           "{\"weekday\":6,\"open\":\"09:00\",\"close\":\"13:00\"},"
                           "{\"weekday\":6,\"open\":\"16:00\",\"close\":\"24:00\"}]");
    free(s);
    json_decref(out);
    assert_int_equal(count(&x, "SELECT count(*) FROM opening_hours"), 3);
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE action = 'schedule.hours'"), 1);

    hours_refused(x.db, &x.a, "{}", "required", "opening_hours");
    hours_refused(x.db, &x.a, "{\"hours\":[]}", "unknown_field", "hours");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":8,\"open\":\"09:00\",\"close\":\"10:00\"}]}",
                  "out_of_range", "opening_hours[0].weekday");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":1,\"open\":\"25:00\",\"close\":\"26:00\"}]}",
                  "invalid_value", "opening_hours[0].open");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":1,\"open\":\"24:00\",\"close\":\"24:00\"}]}",
                  "invalid_value", "opening_hours[0].open");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":1,\"open\":\"10:00\",\"close\":\"09:30\"}]}",
                  "invalid_value", "opening_hours[0].close");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":1,\"open\":\"9:00\",\"close\":\"10:00\"}]}",
                  "invalid_value", "opening_hours[0].open");
    hours_refused(x.db, &x.a,
                  "{\"opening_hours\":[{\"weekday\":2,\"open\":\"09:00\",\"close\":\"13:00\"},"
                  "{\"weekday\":2,\"open\":\"12:00\",\"close\":\"18:00\"}]}",
                  "invalid_value", "opening_hours[1]");
    hours_refused(x.db, &x.a, "{\"opening_hours\":[{\"weekday\":1,\"open\":\"09:00\"}]}",
                  "required", "opening_hours[0].close");
    hours_refused(
        x.db, &x.a,
        "{\"opening_hours\":[{\"weekday\":1,\"open\":\"09:00\",\"close\":\"10:00\",\"x\":1}]}",
        "unknown_field", "opening_hours[0].x");
    /* A refused week leaves the one before. */
    assert_int_equal(count(&x, "SELECT count(*) FROM opening_hours"), 3);
}

static void
test_rooms_centrifuges_clinicians(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    json_t *out = NULL, *b;

    b = parse("{\"name\":\"Procedure room\",\"kind\":\"procedure\"}");
    assert_int_equal(schedule_room_create(x.db, &x.a, b, &out, &f), ST_OK);
    int64_t proc = id_of(out);
    assert_string_equal(json_string_value(json_object_get(out, "kind")), "procedure");
    assert_true(json_is_true(json_object_get(out, "active")));
    json_decref(out);
    /* The same name twice, a kind the calendar does not book. */
    assert_int_equal(schedule_room_create(x.db, &x.a, b, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "conflict");
    assert_string_equal(f.field, "name");
    json_decref(b);
    b = parse("{\"name\":\"Lab\",\"kind\":\"laboratory\"}");
    assert_int_equal(schedule_room_create(x.db, &x.a, b, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "kind");
    json_decref(b);
    b = parse("{\"active\":false,\"name\":\"Procedure room A\"}");
    assert_int_equal(schedule_room_update(x.db, &x.a, proc, b, &out, &f), ST_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "Procedure room A");
    assert_true(json_is_false(json_object_get(out, "active")));
    json_decref(out);
    assert_int_equal(schedule_room_update(x.db, &x.a, 999, b, &out, &f), ST_NOT_FOUND);
    json_decref(b);
    assert_int_equal(schedule_rooms_list(x.db, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "rooms")), 4);
    json_decref(out);

    b = parse("{\"name\":\"Centrifuge C\",\"model\":\"Benchtop\",\"rotor_radius_mm\":95}");
    assert_int_equal(schedule_centrifuge_create(x.db, &x.a, b, &out, &f), ST_OK);
    int64_t cf = id_of(out);
    assert_int_equal(json_integer_value(json_object_get(out, "rotor_radius_mm")), 95);
    json_decref(out);
    json_decref(b);
    /* null clears what is optional; what is not given stays. */
    b = parse("{\"model\":null}");
    assert_int_equal(schedule_centrifuge_update(x.db, &x.a, cf, b, &out, &f), ST_OK);
    assert_true(json_is_null(json_object_get(out, "model")));
    assert_int_equal(json_integer_value(json_object_get(out, "rotor_radius_mm")), 95);
    json_decref(out);
    json_decref(b);
    b = parse("{\"rotor_radius_mm\":0}");
    assert_int_equal(schedule_centrifuge_update(x.db, &x.a, cf, b, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "out_of_range");
    assert_string_equal(f.field, "rotor_radius_mm");
    json_decref(b);

    /* A clinician is a doctor or a nurse, once. */
    int64_t nurse = testcal_user(x.db, "nurse1", ROLE_NURSE);
    char body[200];
    snprintf(body, sizeof(body),
             "{\"user_id\":%lld,\"hours\":[{\"weekday\":1,\"start\":\"10:00\",\"end\":\"14:00\"}]}",
             (long long)nurse);
    b = parse(body);
    assert_int_equal(schedule_clinician_create(x.db, &x.a, b, &out, &f), ST_OK);
    int64_t cl = id_of(out);
    char *s = json_dumps(json_object_get(out, "hours"), JSON_COMPACT);
    assert_string_equal(s, "[{\"weekday\":1,\"start\":\"10:00\",\"end\":\"14:00\"}]");
    free(s);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(out, "user"), "roles"), 0)),
                        "nurse");
    json_decref(out);
    assert_int_equal(schedule_clinician_create(x.db, &x.a, b, &out, &f), ST_CONFLICT);
    assert_string_equal(f.field, "user_id");
    json_decref(b);
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)x.user);
    b = parse(body);
    assert_int_equal(schedule_clinician_create(x.db, &x.a, b, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "user_id");
    json_decref(b);
    b = parse("{\"hours\":[],\"active\":false}");
    assert_int_equal(schedule_clinician_update(x.db, &x.a, cl, b, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "hours")), 0);
    assert_true(json_is_false(json_object_get(out, "active")));
    json_decref(out);
    json_decref(b);
    assert_int_equal(schedule_clinicians_list(x.db, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "clinicians")), 3);
    json_decref(out);
}

/* ---- booking ---- */

static void
test_booking_refusals_name_their_field(void **state)
{
    struct fixture x = fixture(state);
    testcal_closure(x.db, "2030-06-04", "2030-06-04");
    json_t *b;

    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    json_object_set_new(b, "colour", json_string("blue"));
    book_refused(&x, b, ST_INVALID, "unknown_field", "colour");
    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    json_object_del(b, "patient_id");
    book_refused(&x, b, ST_INVALID, "required", "patient_id");
    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    json_object_del(b, "kind");
    book_refused(&x, b, ST_INVALID, "required", "kind");
    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    json_object_set_new(b, "start", json_string("2030-06-03"));
    book_refused(&x, b, ST_INVALID, "invalid_date", "start");
    book_refused(&x, booking(x.p1, 10, 7, 60, 0, x.room1, x.doc1, 0), ST_INVALID, "invalid_value",
                 "start");
    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    json_object_set_new(b, "start", json_string("2020-06-03T10:00:00.000Z"));
    book_refused(&x, b, ST_INVALID, "out_of_range", "start");
    book_refused(&x, booking(x.p1, 10, 0, 30, 45, x.room1, x.doc1, x.cf1), ST_INVALID,
                 "out_of_range", "prep_minutes");
    book_refused(&x, booking(x.p1, 10, 0, 60, 30, x.room1, x.doc1, 0), ST_INVALID, "required",
                 "centrifuge_id");
    book_refused(&x, booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, x.cf1), ST_INVALID,
                 "invalid_value", "centrifuge_id");
    book_refused(&x, booking(x.p1, 10, 0, 60, 0, 999, x.doc1, 0), ST_INVALID, "invalid_value",
                 "room_id");
    book_refused(&x, booking(x.p1, 10, 0, 60, 0, x.room1, 999, 0), ST_INVALID, "invalid_value",
                 "clinician_id");
    book_refused(&x, booking(999, 10, 0, 60, 0, x.room1, x.doc1, 0), ST_INVALID, "invalid_value",
                 "patient_id");
    book_refused(&x, booking(x.p1, 8, 30, 60, 0, x.room1, x.doc1, 0), ST_CONFLICT, "outside_hours",
                 "start");
    /* The doctor stops at 17:00, the clinic at 18:00. */
    book_refused(&x, booking(x.p1, 16, 30, 60, 0, x.room1, x.doc1, 0), ST_CONFLICT, "outside_hours",
                 "clinician_id");
    book_refused(&x, booking(x.p1, 17, 30, 60, 0, x.room1, x.doc1, 0), ST_CONFLICT, "outside_hours",
                 "start");
    /* The closure the next day. */
    b = booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0);
    char at[25];
    time_format_ms(testcal_at(2030, 6, 4, 10, 0), at);
    json_object_set_new(b, "start", json_string(at));
    book_refused(&x, b, ST_CONFLICT, "outside_hours", "start");

    /* One session at 10:00; each resource it holds is named when another booking wants it. */
    json_decref(book_ok(&x, booking(x.p1, 10, 0, 60, 30, x.room1, x.doc1, x.cf1)));
    book_refused(&x, booking(x.p2, 10, 30, 60, 0, x.room1, x.doc2, 0), ST_CONFLICT, "slot_taken",
                 "room_id");
    book_refused(&x, booking(x.p2, 10, 45, 60, 0, x.room2, x.doc1, 0), ST_CONFLICT, "slot_taken",
                 "clinician_id");
    book_refused(&x, booking(x.p2, 10, 15, 60, 30, x.room2, x.doc2, x.cf1), ST_CONFLICT,
                 "slot_taken", "centrifuge_id");
    b = booking(x.p1, 9, 30, 60, 0, x.consult, x.doc2, 0);
    json_object_set_new(b, "kind", json_string("consultation"));
    book_refused(&x, b, ST_CONFLICT, "slot_taken", "patient_id");
    /* Nothing of the refused bookings was written. */
    assert_int_equal(count(&x, "SELECT count(*) FROM appointments"), 1);
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds"), 4);
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE action = 'appointment.book'"), 1);
    /* Right after the centrifuge's half hour, and in the other room, all is free. */
    json_decref(book_ok(&x, booking(x.p2, 10, 30, 60, 30, x.room2, x.doc2, x.cf1)));
}

static void
test_booked_appointment_json(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("Asia/Dubai", &f), ST_OK);
    json_t *b = booking(x.p1, 9, 0, 60, 30, x.room1, x.doc1, x.cf1);
    json_object_set_new(b, "notes", json_string("first session"));
    json_t *ap = book_ok(&x, b);
    assert_string_equal(json_string_value(json_object_get(ap, "start")),
                        "2030-06-03T05:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(ap, "end")), "2030-06-03T06:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(ap, "local_start")), "2030-06-03T09:00");
    assert_string_equal(json_string_value(json_object_get(ap, "local_end")), "2030-06-03T10:00");
    assert_string_equal(json_string_value(json_object_get(ap, "status")), "booked");
    assert_string_equal(json_string_value(json_object_get(ap, "notes")), "first session");
    assert_int_equal(json_integer_value(json_object_get(ap, "version")), 1);
    assert_true(json_is_null(json_object_get(ap, "course_item_id")));
    json_t *patient = json_object_get(ap, "patient");
    assert_string_equal(json_string_value(json_object_get(json_object_get(patient, "name"), "en")),
                        "Sample Testpatient");
    assert_true(json_is_null(json_object_get(json_object_get(patient, "name"), "ar")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ap, "centrifuge"), "name")),
        "Centrifuge A");
    /* Room and clinician for the hour, the centrifuge for the half hour, the patient. */
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds"), 4);
    assert_int_equal(count(&x, "SELECT end_ms - start_ms FROM appointment_holds"
                               " WHERE resource = 'centrifuge'"),
                     30 * 60000);
    json_t *read = NULL;
    assert_int_equal(schedule_appointment_read(x.db, &x.a, id_of(ap), &read, &f), ST_OK);
    assert_true(json_equal(read, ap));
    json_decref(read);
    assert_int_equal(schedule_appointment_read(x.db, &x.a, 999, &read, &f), ST_NOT_FOUND);
    json_t *list = NULL;
    assert_int_equal(schedule_patient_appointments(x.db, &x.a, x.p1, &list, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(list, "appointments")), 1);
    json_decref(list);
    assert_int_equal(schedule_patient_appointments(x.db, &x.a, 999, &list, &f), ST_NOT_FOUND);
    json_decref(ap);
}

/* Changes the status; expects `want` (ST_OK or a failure code). Returns the new version. */
static int64_t
set_status(struct fixture *x, int64_t id, const char *status, const char *reason, int64_t version,
           const char *want)
{
    json_t *b = json_pack("{s:s, s:I}", "status", status, "version", (json_int_t)version), *out;
    if (reason)
        json_object_set_new(b, "reason", json_string(reason));
    struct fail f;
    fail_clear(&f);
    int st = schedule_set_status(x->db, protocols, &x->a, id, b, &out, &f);
    json_decref(b);
    if (strcmp(want, "ok") == 0) {
        if (st != ST_OK)
            fail_msg("%s refused: %s", status, f.message);
        int64_t v = json_integer_value(json_object_get(out, "version"));
        json_decref(out);
        return v;
    }
    if (st == ST_OK || strcmp(f.code, want) != 0)
        fail_msg("%s: expected %s, got %d %s", status, want, st, f.code);
    return version;
}

static void
test_status_transitions(void **state)
{
    struct fixture x = fixture(state);
    static const char *const all[] = {"booked", "checked_in", "in_progress",
                                      "done",   "cancelled",  "no_show"};
    /* How to reach each state that has a way out, and where it may go from there. */
    static const char *const walk[][3] = {
        {NULL}, {"checked_in", NULL}, {"checked_in", "in_progress", NULL}};
    static const char *const allowed[][4] = {{"checked_in", "cancelled", "no_show", NULL},
                                             {"in_progress", "cancelled", "no_show", NULL},
                                             {"done", "cancelled", NULL}};
    for (int from = 0; from < 3; from++) {
        for (int to = 0; to < 6; to++) {
            /* A day of its own for each pair: 2030-06-03 onwards. */
            json_t *b = booking(x.p1, 10, 0, 30, 0, x.room1, x.doc1, 0);
            char at[25];
            time_format_ms(testcal_at(2030, 6, 3 + from * 6 + to, 10, 0), at);
            json_object_set_new(b, "start", json_string(at));
            json_t *ap = book_ok(&x, b);
            int64_t id = id_of(ap), v = 1;
            json_decref(ap);
            for (int k = 0; walk[from][k]; k++)
                v = set_status(&x, id, walk[from][k], NULL, v, "ok");
            bool ok = false;
            for (int k = 0; allowed[from][k]; k++)
                ok |= strcmp(allowed[from][k], all[to]) == 0;
            set_status(&x, id, all[to], "the patient asked", v, ok ? "ok" : "invalid_transition");
        }
    }
    /* From the ends nothing goes anywhere. An appointment in progress without a procedure may be
     * cancelled (one with a procedure ends with it: test_procedure.c). */
    assert_int_equal(count(&x, "SELECT count(*) FROM appointments WHERE status IN ('done',"
                               " 'cancelled', 'no_show')"),
                     6);
    int64_t done = count(&x, "SELECT min(id) FROM appointments WHERE status = 'done'");
    int64_t dv = count(&x, "SELECT version FROM appointments WHERE status = 'done'");
    for (int to = 0; to < 6; to++)
        set_status(&x, done, all[to], "the patient asked", dv, "invalid_transition");
    /* Cancelling needs a reason; a stale version is refused. */
    json_t *ap = book_ok(&x, booking(x.p1, 16, 0, 30, 0, x.room1, x.doc1, 0));
    int64_t id = id_of(ap);
    json_decref(ap);
    set_status(&x, id, "cancelled", NULL, 1, "required");
    set_status(&x, id, "checked_in", NULL, 2, "stale_version");
    set_status(&x, id, "no_show", NULL, 1, "ok");
}

static void
test_cancelled_and_no_show_free_the_slot(void **state)
{
    struct fixture x = fixture(state);
    json_t *ap = book_ok(&x, booking(x.p1, 10, 0, 60, 30, x.room1, x.doc1, x.cf1));
    int64_t id = id_of(ap);
    json_decref(ap);
    book_refused(&x, booking(x.p2, 10, 0, 60, 30, x.room1, x.doc1, x.cf1), ST_CONFLICT,
                 "slot_taken", "room_id");
    set_status(&x, id, "cancelled", "patient is travelling", 1, "ok");
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds"), 0);
    ap = book_ok(&x, booking(x.p2, 10, 0, 60, 30, x.room1, x.doc1, x.cf1));
    id = id_of(ap);
    json_decref(ap);
    set_status(&x, id, "no_show", NULL, 1, "ok");
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds"), 0);
    json_decref(book_ok(&x, booking(x.p1, 10, 0, 60, 30, x.room1, x.doc1, x.cf1)));
    assert_int_equal(count(&x, "SELECT count(*) FROM appointments"), 3);
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE action = 'appointment.status'"),
                     2);
}

/* The schema refuses overlapping holds whatever the caller checked. */
static void
test_trigger_refuses_double_booking(void **state)
{
    struct fixture x = fixture(state);
    json_t *ap = book_ok(&x, booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0));
    int64_t id = id_of(ap);
    json_decref(ap);
    struct db_hold h = {DB_RES_ROOM, x.room1, testcal_at(2030, 6, 3, 10, 59),
                        testcal_at(2030, 6, 3, 11, 30), id};
    assert_int_equal(db_begin_write(x.db), ST_OK);
    assert_int_equal(db_hold_insert(x.db, &h), ST_CONFLICT);
    h.start_ms = testcal_at(2030, 6, 3, 11, 0);
    assert_int_equal(db_hold_insert(x.db, &h), ST_OK);
    h.resource = DB_RES_CLINICIAN;
    h.resource_id = x.doc2;
    h.start_ms = testcal_at(2030, 6, 3, 10, 0);
    assert_int_equal(db_hold_insert(x.db, &h), ST_OK);
    db_rollback(x.db);
}

/* ---- course items ---- */

/* A course of patient p with one session item: window 2030-06-03..2030-06-10, 60 minutes,
 * 30 of preparation, a treatment room. Returns the item's id; *course its course. */
static int64_t
course_item(struct fixture *x, int64_t patient, const char *course_status, int64_t *course)
{
    char sql[1200];
    snprintf(sql, sizeof(sql),
             "INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,"
             " rules_sha256, computed_at) VALUES (%lld, 'prp-hair', 0, 'eligible', '{}', '{}',"
             " 'x', 0);"
             "INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256,"
             " screening_id, status, start_date, currency, package, discount_minor, version,"
             " created_at, created_by, updated_at, updated_by) VALUES (%lld, 'prp-hair', '{}',"
             " 'x', last_insert_rowid(), '%s', '2030-06-03', 'AED', 0, 0, 1, 0, %lld, 0, %lld);"
             "INSERT INTO course_items (course_id, seq, kind, window_before_days,"
             " window_after_days, target_date, earliest_date, latest_date, duration_minutes,"
             " prep_minutes, room_kind, price_minor, status) VALUES (last_insert_rowid(), 1,"
             " 'session', 0, 7, '2030-06-03', '2030-06-03', '2030-06-10', 60, 30, 'treatment',"
             " 150000, 'planned');",
             (long long)patient, (long long)patient, course_status, (long long)x->user,
             (long long)x->user);
    assert_int_equal(testdb_exec(x->t, sql), 0);
    *course = count(x, "SELECT max(id) FROM courses");
    return count(x, "SELECT max(id) FROM course_items");
}

static const char *
item_status(struct fixture *x, int64_t item)
{
    static char s[16];
    char sql[100];
    static const char *const names[] = {"planned", "booked", "done", "cancelled", "missed"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM course_items WHERE id = %lld AND status = '%s'",
                 (long long)item, names[i]);
        if (count(x, sql) == 1) {
            snprintf(s, sizeof(s), "%s", names[i]);
            return s;
        }
    }
    return "?";
}

/* A booking body for a course item on local day 2030-06-dd at hh:00. */
static json_t *
item_booking(int64_t patient, int64_t item, int dd, int hh, int64_t room, int64_t clinician,
             int64_t centrifuge)
{
    char at[25];
    time_format_ms(testcal_at(2030, 6, dd, hh, 0), at);
    json_t *b = json_pack("{s:I, s:I, s:s, s:I, s:I}", "patient_id", (json_int_t)patient,
                          "course_item_id", (json_int_t)item, "start", at, "room_id",
                          (json_int_t)room, "clinician_id", (json_int_t)clinician);
    if (centrifuge)
        json_object_set_new(b, "centrifuge_id", json_integer(centrifuge));
    return b;
}

static void
test_course_item_booking(void **state)
{
    struct fixture x = fixture(state);
    int64_t course;
    int64_t item = course_item(&x, x.p1, "active", &course);

    /* Someone else's item, a room of the wrong kind, a kind the item is not. */
    book_refused(&x, item_booking(x.p2, item, 3, 10, x.room1, x.doc1, x.cf1), ST_INVALID,
                 "invalid_value", "course_item_id");
    book_refused(&x, item_booking(x.p1, item, 3, 10, x.consult, x.doc1, x.cf1), ST_INVALID,
                 "invalid_value", "room_id");
    json_t *b = item_booking(x.p1, item, 3, 10, x.room1, x.doc1, x.cf1);
    json_object_set_new(b, "kind", json_string("consultation"));
    book_refused(&x, b, ST_INVALID, "invalid_value", "kind");
    /* The item's preparation needs a centrifuge. */
    book_refused(&x, item_booking(x.p1, item, 3, 10, x.room1, x.doc1, 0), ST_INVALID, "required",
                 "centrifuge_id");
    /* Outside the window: refused, then booked with a reason that says something. */
    book_refused(&x, item_booking(x.p1, item, 12, 10, x.room1, x.doc1, x.cf1), ST_CONFLICT,
                 "outside_window", "start");
    b = item_booking(x.p1, item, 12, 10, x.room1, x.doc1, x.cf1);
    json_object_set_new(b, "override_reason", json_string("away"));
    book_refused(&x, b, ST_INVALID, "too_short", "override_reason");
    assert_string_equal(item_status(&x, item), "planned");

    /* Inside the window: kind, duration and preparation come from the item. */
    json_t *ap = book_ok(&x, item_booking(x.p1, item, 4, 10, x.room1, x.doc1, x.cf1));
    assert_string_equal(json_string_value(json_object_get(ap, "kind")), "session");
    assert_int_equal(json_integer_value(json_object_get(ap, "prep_minutes")), 30);
    assert_string_equal(json_string_value(json_object_get(ap, "local_end")), "2030-06-04T11:00");
    assert_int_equal(json_integer_value(json_object_get(ap, "course_item_id")), item);
    assert_int_equal(json_integer_value(json_object_get(ap, "course_id")), course);
    assert_string_equal(item_status(&x, item), "booked");
    int64_t id = id_of(ap);
    json_decref(ap);
    /* Booked once: a second booking is refused. */
    book_refused(&x, item_booking(x.p1, item, 5, 10, x.room1, x.doc1, x.cf1), ST_CONFLICT,
                 "invalid_transition", "course_item_id");
    /* Cancelled: planned again; no-show: missed; done: done. */
    set_status(&x, id, "cancelled", "patient has a cold", 1, "ok");
    assert_string_equal(item_status(&x, item), "planned");
    b = item_booking(x.p1, item, 12, 10, x.room1, x.doc1, x.cf1);
    json_object_set_new(b, "override_reason", json_string("patient abroad until the 12th"));
    ap = book_ok(&x, b);
    assert_string_equal(json_string_value(json_object_get(ap, "override_reason")),
                        "patient abroad until the 12th");
    id = id_of(ap);
    json_decref(ap);
    set_status(&x, id, "no_show", NULL, 1, "ok");
    assert_string_equal(item_status(&x, item), "missed");
    ap = book_ok(&x, item_booking(x.p1, item, 6, 10, x.room1, x.doc1, x.cf1));
    id = id_of(ap);
    json_decref(ap);
    int64_t v = set_status(&x, id, "checked_in", NULL, 1, "ok");
    v = set_status(&x, id, "in_progress", NULL, v, "ok");
    assert_string_equal(item_status(&x, item), "booked");
    set_status(&x, id, "done", NULL, v, "ok");
    assert_string_equal(item_status(&x, item), "done");
    book_refused(&x, item_booking(x.p1, item, 7, 10, x.room1, x.doc1, x.cf1), ST_CONFLICT,
                 "invalid_transition", "course_item_id");

    /* Nothing more is booked for a cancelled course. */
    int64_t other_course;
    int64_t closed = course_item(&x, x.p2, "cancelled", &other_course);
    book_refused(&x, item_booking(x.p2, closed, 4, 10, x.room2, x.doc2, x.cf2), ST_CONFLICT,
                 "invalid_transition", "course_item_id");
}

/* ---- moving ---- */

static int
move(struct fixture *x, int64_t id, int dd, int hh, int mm, int64_t version, bool preview,
     const char *reason, json_t **out, struct fail *f)
{
    char at[25];
    time_format_ms(testcal_at(2030, 6, dd, hh, mm), at);
    json_t *b = json_pack("{s:s, s:I, s:b}", "start", at, "version", (json_int_t)version, "preview",
                          preview);
    if (reason)
        json_object_set_new(b, "override_reason", json_string(reason));
    fail_clear(f);
    int st = schedule_move(x->db, &settings, protocols, &x->a, id, b, out, f);
    json_decref(b);
    return st;
}

static void
test_move(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    json_t *out = NULL;
    json_t *ap = book_ok(&x, booking(x.p1, 10, 0, 60, 30, x.room1, x.doc1, x.cf1));
    int64_t id = id_of(ap);
    json_decref(ap);
    json_decref(book_ok(&x, booking(x.p2, 12, 0, 60, 30, x.room1, x.doc1, x.cf1)));

    /* A preview answers as if moved and writes nothing. */
    assert_int_equal(move(&x, id, 3, 14, 0, 1, true, NULL, &out, &f), ST_OK);
    ap = json_object_get(out, "appointment");
    assert_string_equal(json_string_value(json_object_get(ap, "local_start")), "2030-06-03T14:00");
    assert_int_equal(json_integer_value(json_object_get(ap, "version")), 2);
    assert_true(json_is_null(json_object_get(out, "course_effects")));
    json_decref(out);
    assert_int_equal(count(&x, "SELECT version FROM appointments WHERE id = 1"), 1);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM appointment_holds WHERE appointment_id = 1 AND start_ms = %lld",
             (long long)testcal_at(2030, 6, 3, 10, 0));
    assert_int_equal(count(&x, sql), 4);
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE action = 'appointment.move'"), 0);

    /* A quarter of an hour later overlaps only itself. */
    assert_int_equal(move(&x, id, 3, 10, 15, 1, false, NULL, &out, &f), ST_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "appointment"), "local_end")),
        "2030-06-03T11:15");
    json_decref(out);
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE action = 'appointment.move'"), 1);
    /* Stale, taken, closed: refused, and the appointment keeps its holds. */
    assert_int_equal(move(&x, id, 3, 14, 0, 1, false, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");
    assert_int_equal(move(&x, id, 3, 11, 30, 2, false, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "slot_taken");
    assert_string_equal(f.field, "room_id");
    assert_int_equal(move(&x, id, 3, 11, 30, 2, true, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "slot_taken");
    assert_int_equal(move(&x, id, 3, 7, 0, 2, false, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "outside_hours");
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds WHERE appointment_id = 1"),
                     4);
    assert_int_equal(count(&x, "SELECT version FROM appointments WHERE id = 1"), 2);
    /* Another room at the taken time. */
    char at[25];
    time_format_ms(testcal_at(2030, 6, 3, 12, 0), at);
    json_t *b = json_pack("{s:s, s:I, s:I, s:I, s:I}", "start", at, "version", (json_int_t)2,
                          "room_id", (json_int_t)x.room2, "clinician_id", (json_int_t)x.doc2,
                          "centrifuge_id", (json_int_t)x.cf2);
    assert_int_equal(schedule_move(x.db, &settings, protocols, &x.a, id, b, &out, &f), ST_OK);
    json_decref(b);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(out, "appointment"), "room"), "name")),
                        "Treatment 2");
    json_decref(out);
    /* Done appointments stay where they were. */
    int64_t v = set_status(&x, id, "checked_in", NULL, 3, "ok");
    v = set_status(&x, id, "in_progress", NULL, v, "ok");
    v = set_status(&x, id, "done", NULL, v, "ok");
    assert_int_equal(move(&x, id, 3, 15, 0, v, false, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition");
    assert_int_equal(move(&x, 999, 3, 15, 0, 1, false, NULL, &out, &f), ST_NOT_FOUND);
}

static void
test_move_course_item_window(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    json_t *out = NULL;
    int64_t course;
    int64_t item = course_item(&x, x.p1, "active", &course);
    json_t *ap = book_ok(&x, item_booking(x.p1, item, 4, 10, x.room1, x.doc1, x.cf1));
    int64_t id = id_of(ap);
    json_decref(ap);
    assert_int_equal(move(&x, id, 11, 10, 0, 1, true, NULL, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "outside_window");
    assert_int_equal(move(&x, id, 11, 10, 0, 1, false, "the patient is away that week", &out, &f),
                     ST_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "appointment"), "override_reason")),
        "the patient is away that week");
    json_decref(out);
    /* Back inside the window, no reason is kept. */
    assert_int_equal(move(&x, id, 5, 10, 0, 2, false, NULL, &out, &f), ST_OK);
    assert_true(
        json_is_null(json_object_get(json_object_get(out, "appointment"), "override_reason")));
    json_decref(out);
    assert_string_equal(item_status(&x, item), "booked");
}

static void
test_cancel_course(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    int64_t course;
    int64_t item = course_item(&x, x.p1, "active", &course);
    testdb_exec(x.t, "INSERT INTO course_items (course_id, seq, kind, window_before_days,"
                     " window_after_days, target_date, earliest_date, latest_date,"
                     " duration_minutes, prep_minutes, room_kind, price_minor, status)"
                     " VALUES (1, 2, 'follow_up', 0, 7, '2030-06-03', '2030-06-03',"
                     " '2030-06-10', 30, 0, 'treatment', 0, 'planned')");
    int64_t follow_up = count(&x, "SELECT max(id) FROM course_items");
    json_decref(book_ok(&x, item_booking(x.p1, item, 4, 10, x.room1, x.doc1, x.cf1)));
    json_decref(book_ok(&x, item_booking(x.p1, follow_up, 6, 10, x.room1, x.doc1, 0)));
    json_decref(book_ok(&x, booking(x.p1, 14, 0, 30, 0, x.room1, x.doc1, 0)));
    int n = -1;
    /* Between the two: only the later one is cancelled, the appointment outside the course
     * stays. */
    assert_int_equal(db_begin_write(x.db), ST_OK);
    assert_int_equal(schedule_cancel_course(x.db, protocols, &x.a, course, "course cancelled by the doctor",
                                            testcal_at(2030, 6, 5, 0, 0), &n, &f),
                     ST_OK);
    assert_int_equal(db_commit(x.db), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(count(&x, "SELECT count(*) FROM appointments WHERE status = 'cancelled'"
                               " AND status_reason = 'course cancelled by the doctor'"
                               " AND course_item_id = 2"),
                     1);
    assert_int_equal(count(&x, "SELECT count(*) FROM appointments WHERE status = 'booked'"), 2);
    assert_int_equal(count(&x, "SELECT count(*) FROM appointment_holds WHERE appointment_id = 2"),
                     0);
}

/* ---- slots and views ---- */

static void
slots_refused(struct fixture *x, struct schedule_slot_params p, const char *field)
{
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int st = schedule_slots(x->db, &settings, &p, &out, &f);
    if (st != ST_INVALID || strcmp(f.code, "invalid_query") != 0 || strcmp(f.field, field) != 0)
        fail_msg("expected invalid_query on %s, got %d %s on %s", field, st, f.code, f.field);
}

static void
test_slot_search_query(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    json_t *out = NULL;
    const struct schedule_slot_params good = {.from = "2030-06-03",
                                              .to = "2030-06-04",
                                              .duration = "60",
                                              .prep = "30",
                                              .room_kind = "treatment",
                                              .limit = "2"};
    struct schedule_slot_params p = good;
    assert_int_equal(schedule_slots(x.db, &settings, &p, &out, &f), ST_OK);
    json_t *slots = json_object_get(out, "slots");
    assert_int_equal(json_array_size(slots), 2);
    json_t *s0 = json_array_get(slots, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "local_start")), "2030-06-03T09:00");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s0, "room"), "name")),
                        "Treatment 1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(s0, "clinician"), "display_name")),
        "doctor1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(s0, "centrifuge"), "name")),
        "Centrifuge A");
    json_decref(out);

    p = good, p.from = NULL;
    slots_refused(&x, p, "from");
    p = good, p.to = "2030-02-30";
    slots_refused(&x, p, "to");
    p = good, p.to = "2030-06-02";
    slots_refused(&x, p, "to");
    p = good, p.to = "2030-09-10";
    slots_refused(&x, p, "to");
    p = good, p.duration = "sixty";
    slots_refused(&x, p, "duration");
    p = good, p.prep = "90";
    slots_refused(&x, p, "prep");
    p = good, p.room_kind = "lab";
    slots_refused(&x, p, "room_kind");
    p = good, p.limit = "51";
    slots_refused(&x, p, "limit");
    p = good, p.patient = "999";
    slots_refused(&x, p, "patient");
    p = good, p.clinician = "999";
    slots_refused(&x, p, "clinician");
    p = good, p.course_item = "1";
    slots_refused(&x, p, "from");
    p = (struct schedule_slot_params){.course_item = "999"};
    slots_refused(&x, p, "course_item");

    /* A course item: its window, needs and patient. The window lies in 2030, after today. */
    int64_t course;
    int64_t item = course_item(&x, x.p1, "active", &course);
    json_decref(book_ok(&x, booking(x.p1, 9, 0, 60, 0, x.consult, x.doc2, 0)));
    char item_s[24];
    snprintf(item_s, sizeof(item_s), "%lld", (long long)item);
    p = (struct schedule_slot_params){.course_item = item_s, .limit = "1"};
    assert_int_equal(schedule_slots(x.db, &settings, &p, &out, &f), ST_OK);
    s0 = json_array_get(json_object_get(out, "slots"), 0);
    /* The patient is at a consultation until 10:00. */
    assert_string_equal(json_string_value(json_object_get(s0, "local_start")), "2030-06-03T10:00");
    assert_string_equal(json_string_value(json_object_get(s0, "local_end")), "2030-06-03T11:00");
    json_decref(out);
}

static json_t *
view(struct fixture *x, bool week, const char *date, const char *by, const char *cancelled)
{
    struct schedule_view_params p = {date, by, cancelled};
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int st =
        week ? schedule_week(x->db, &x->a, &p, &out, &f) : schedule_day(x->db, &x->a, &p, &out, &f);
    if (st != ST_OK)
        fail_msg("view refused: %s", f.message);
    return out;
}

static void
test_day_and_week_views(void **state)
{
    struct fixture x = fixture(state);
    json_t *ap = book_ok(&x, booking(x.p1, 10, 0, 60, 0, x.room2, x.doc2, 0));
    int64_t id = id_of(ap);
    json_decref(ap);
    json_decref(book_ok(&x, booking(x.p2, 9, 0, 60, 0, x.room1, x.doc1, 0)));
    set_status(&x, id, "cancelled", "moved to another clinic", 1, "ok");
    /* Room 2 is retired, but it had an appointment that day. */
    struct db_room r;
    assert_int_equal(db_room_get(x.db, x.room2, &r), ST_OK);
    r.active = false;
    assert_int_equal(db_begin_write(x.db), ST_OK);
    assert_int_equal(db_room_update(x.db, &r), ST_OK);
    assert_int_equal(db_commit(x.db), ST_OK);
    db_room_release(&r);
    testcal_closure(x.db, "2030-06-05", "2030-06-05");

    json_t *day = view(&x, false, "2030-06-03", NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(day, "open")), "09:00");
    assert_string_equal(json_string_value(json_object_get(day, "close")), "18:00");
    assert_string_equal(json_string_value(json_object_get(day, "time_zone")), "UTC");
    assert_true(json_is_null(json_object_get(day, "closure")));
    /* Cancelled left out; the retired room is not a column when nothing shows in it. */
    assert_int_equal(json_array_size(json_object_get(day, "appointments")), 1);
    assert_int_equal(json_array_size(json_object_get(day, "columns")), 2);
    json_decref(day);
    day = view(&x, false, "2030-06-03", "room", "1");
    assert_int_equal(json_array_size(json_object_get(day, "appointments")), 2);
    assert_int_equal(json_array_size(json_object_get(day, "columns")), 3);
    json_decref(day);
    day = view(&x, false, "2030-06-03", "clinician", "0");
    json_t *cols = json_object_get(day, "columns");
    assert_int_equal(json_array_size(cols), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cols, 0), "name")),
                        "doctor1");
    json_decref(day);

    json_t *week = view(&x, true, "2030-06-02", "room", NULL);
    json_t *days = json_object_get(week, "days");
    assert_int_equal(json_array_size(days), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(days, 0), "date")),
                        "2030-06-02");
    assert_int_equal(json_array_size(json_object_get(json_array_get(days, 1), "appointments")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(days, 3), "closure"), "reason")),
                        "Holiday");
    assert_string_equal(json_string_value(json_object_get(json_array_get(days, 6), "date")),
                        "2030-06-08");
    json_decref(week);

    struct schedule_view_params bad[] = {{NULL, NULL, NULL},
                                         {"2030-13-01", NULL, NULL},
                                         {"2030-06-03", "nurse", NULL},
                                         {"2030-06-03", NULL, "yes"}};
    static const char *const fields[] = {"date", "date", "by", "cancelled"};
    for (size_t i = 0; i < 4; i++) {
        json_t *out = NULL;
        struct fail f;
        fail_clear(&f);
        assert_int_equal(schedule_day(x.db, &x.a, &bad[i], &out, &f), ST_INVALID);
        assert_string_equal(f.code, "invalid_query");
        assert_string_equal(f.field, fields[i]);
    }
}

/* A view shows each appointment exactly as reading it alone does, on a day with a clock change
 * and on days without (where the view reckons local times by the day's offset). */
static void
test_views_show_local_times_as_reads_do(void **state)
{
    struct fail f;
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("Europe/London", &f), ST_OK);
    struct fixture x = fixture(state);
    /* The day before the change, the change itself (23 hours), and the day after. */
    static const int when[][3] = {{3, 30, 9}, {3, 31, 9}, {4, 1, 16}};
    for (size_t i = 0; i < 3; i++) {
        char at[25];
        time_format_ms(testcal_at(2030, when[i][0], when[i][1], when[i][2], 0), at);
        json_t *b = booking(x.p1, 9, 0, 60, 30, x.room1, x.doc1, x.cf1);
        json_object_set_new(b, "start", json_string(at));
        json_decref(book_ok(&x, b));
    }
    json_t *week = view(&x, true, "2030-03-30", NULL, NULL);
    json_t *days = json_object_get(week, "days"), *day;
    size_t i;
    int shown = 0;
    json_array_foreach(days, i, day)
    {
        size_t k;
        json_t *ap;
        json_array_foreach(json_object_get(day, "appointments"), k, ap)
        {
            json_t *read = NULL;
            assert_int_equal(schedule_appointment_read(x.db, &x.a, id_of(ap), &read, &f), ST_OK);
            assert_true(json_equal(read, ap));
            json_decref(read);
            shown++;
        }
    }
    assert_int_equal(shown, 3);
    static const char *const want[][2] = {{"2030-03-30T09:00", "2030-03-30T09:00:00.000Z"},
                                          {"2030-03-31T09:00", "2030-03-31T08:00:00.000Z"},
                                          {"2030-04-01T16:00", "2030-04-01T15:00:00.000Z"}};
    for (size_t d = 0; d < 3; d++) {
        json_t *ap = json_array_get(json_object_get(json_array_get(days, d), "appointments"), 0);
        assert_string_equal(json_string_value(json_object_get(ap, "local_start")), want[d][0]);
        assert_string_equal(json_string_value(json_object_get(ap, "start")), want[d][1]);
    }
    json_decref(week);
}

static void
test_closure_lists_affected_appointments(void **state)
{
    struct fixture x = fixture(state);
    struct fail f;
    json_t *out = NULL;
    json_decref(book_ok(&x, booking(x.p1, 10, 0, 60, 0, x.room1, x.doc1, 0)));
    json_t *b = parse("{\"first_date\":\"2030-06-03\",\"last_date\":\"2030-06-03\","
                      "\"reason\":\"Water damage\"}");
    assert_int_equal(schedule_closure_create(x.db, &x.a, b, &out, &f), ST_OK);
    json_decref(b);
    assert_int_equal(json_array_size(json_object_get(out, "affected_appointments")), 1);
    int64_t id = id_of(json_object_get(out, "closure"));
    json_decref(out);
    /* The day is closed to new bookings now. */
    book_refused(&x, booking(x.p2, 14, 0, 60, 0, x.room2, x.doc2, 0), ST_CONFLICT, "outside_hours",
                 "start");
    b = parse("{\"first_date\":\"2030-06-05\",\"last_date\":\"2030-06-04\",\"reason\":\"x\"}");
    assert_int_equal(schedule_closure_create(x.db, &x.a, b, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "last_date");
    json_decref(b);
    b = parse("{\"first_date\":\"2030-06-05\",\"last_date\":\"2030-06-05\"}");
    assert_int_equal(schedule_closure_create(x.db, &x.a, b, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "reason");
    json_decref(b);
    assert_int_equal(schedule_closure_delete(x.db, &x.a, id, &f), ST_OK);
    assert_int_equal(schedule_closure_delete(x.db, &x.a, id, &f), ST_NOT_FOUND);
    json_decref(book_ok(&x, booking(x.p2, 14, 0, 60, 0, x.room2, x.doc2, 0)));
    assert_int_equal(count(&x, "SELECT count(*) FROM audit WHERE entity = 'closure'"), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_opening_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rooms_centrifuges_clinicians, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booking_refusals_name_their_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booked_appointment_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled_and_no_show_free_the_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_refuses_double_booking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_course_item_booking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_course_item_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_course, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_search_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_day_and_week_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closure_lists_affected_appointments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_show_local_times_as_reads_do, setup, teardown),
    };
    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
