/* Calendars for unit tests, written through the store alone. */
#include "testcal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "core/clinic_tz.h"

#define MINUTE_MS INT64_C(60000)

int64_t
testcal_at(int y, int m, int d, int hour, int minute)
{
    struct date day = {y, m, d};
    int64_t ms;
    assert_int_equal(clinic_tz_to_utc(&day, hour * 60 + minute, &ms), ST_OK);
    return ms;
}

int64_t
testcal_patient(struct db *db, const char *given_name)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    p.given_name = strdup(given_name);
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

int64_t
testcal_user(struct db *db, const char *username, unsigned roles)
{
    struct db_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", username);
    u.display_name = strdup(username);
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-hash");
    u.roles = roles;
    u.created_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_user_insert(db, &u), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = u.id;
    db_user_release(&u);
    return id;
}

int64_t
testcal_room(struct db *db, const char *name, const char *kind)
{
    int64_t id;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_room_insert(db, name, kind, &id), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    return id;
}

int64_t
testcal_centrifuge(struct db *db, const char *name)
{
    struct db_centrifuge c = {.name = (char *)name, .rotor_radius_mm = 86, .active = true};
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_centrifuge_insert(db, &c), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    return c.id;
}

int64_t
testcal_clinician(struct db *db, const char *username, int start, int end)
{
    struct db_clinician c = {.user_id = testcal_user(db, username, ROLE_DOCTOR), .active = true};
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_clinician_insert(db, &c), ST_OK);
    for (int wd = 1; wd <= 7; wd++) {
        struct db_hours h = {c.id, wd, start, end};
        assert_int_equal(db_clinician_hours_insert(db, &h), ST_OK);
    }
    assert_int_equal(db_commit(db), ST_OK);
    return c.id;
}

void
testcal_open_daily(struct db *db, int open, int close)
{
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_opening_hours_clear(db), ST_OK);
    for (int wd = 1; wd <= 7; wd++) {
        struct db_hours h = {0, wd, open, close};
        assert_int_equal(db_opening_hours_insert(db, &h), ST_OK);
    }
    assert_int_equal(db_commit(db), ST_OK);
}

void
testcal_closure(struct db *db, const char *first, const char *last)
{
    struct db_closure c = {.reason = (char *)"Holiday", .created_ms = time_now_ms()};
    snprintf(c.first_date, sizeof(c.first_date), "%s", first);
    snprintf(c.last_date, sizeof(c.last_date), "%s", last);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_closure_insert(db, &c), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
}

int64_t
testcal_book(struct db *db, int64_t patient, int64_t start, int64_t end, int prep, int64_t room,
             int64_t clinician, int64_t centrifuge)
{
    struct db_appointment a = {.patient_id = patient,
                               .start_ms = start,
                               .end_ms = end,
                               .prep_minutes = prep,
                               .room_id = room,
                               .clinician_id = clinician,
                               .centrifuge_id = centrifuge,
                               .version = 1,
                               .created_ms = start,
                               .updated_ms = start};
    snprintf(a.kind, sizeof(a.kind), "session");
    snprintf(a.status, sizeof(a.status), "booked");
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_appointment_insert(db, &a), ST_OK);
    struct db_hold holds[] = {
        {DB_RES_ROOM, room, start, end, a.id},
        {DB_RES_CLINICIAN, clinician, start, end, a.id},
        {DB_RES_PATIENT, patient, start, end, a.id},
        {DB_RES_CENTRIFUGE, centrifuge, start, start + prep * MINUTE_MS, a.id}};
    for (size_t i = 0; i < (centrifuge ? 4u : 3u); i++)
        assert_int_equal(db_hold_insert(db, &holds[i]), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    return a.id;
}
