/* Unit tests of src/clinic/slots.c against calendars built in a temporary database: the grid
 * and its alignment, opening hours and closures (month and year ends, a leap day), clinicians'
 * hours, the centrifuge for the preparation, the patient's own appointments, the limit, and the
 * days the clocks change in Europe/London. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/slots.h"
#include "core/clinic_tz.h"
#include "testcal.h"
#include "testdb.h"

#define H(h, m) ((h)*60 + (m))
#define MINUTE_MS INT64_C(60000)

static void
zone(const char *name)
{
    struct fail f;
    fail_clear(&f);
    assert_int_equal(clinic_tz_set(name, &f), ST_OK);
}

static int
setup(void **state)
{
    zone("UTC");
    return testdb_test_setup(state);
}

static int
teardown(void **state)
{
    zone("UTC");
    return testdb_test_teardown(state);
}

static struct db *
db_of(void **state)
{
    return ((struct testdb *)*state)->db;
}

/* The usual clinic: open 09:00-18:00 every day, one treatment room, one doctor 09:00-17:00, one
 * centrifuge. */
struct clinic {
    int64_t room, doctor, centrifuge, patient;
};

static struct clinic
small_clinic(struct db *db)
{
    struct clinic c;
    testcal_open_daily(db, H(9, 0), H(18, 0));
    c.room = testcal_room(db, "Treatment 1", "treatment");
    c.doctor = testcal_clinician(db, "doctor1", H(9, 0), H(17, 0));
    c.centrifuge = testcal_centrifuge(db, "Centrifuge A");
    c.patient = testcal_patient(db, "Sample");
    return c;
}

static struct slots_query
query(int y1, int m1, int d1, int y2, int m2, int d2, int duration, int prep, int limit)
{
    struct slots_query q = {.from = {y1, m1, d1},
                            .to = {y2, m2, d2},
                            .duration_minutes = duration,
                            .prep_minutes = prep,
                            .room_kind = "treatment",
                            .slot_minutes = 15,
                            .limit = limit};
    return q;
}

/* Finds slots and checks their local starts ("YYYY-MM-DDTHH:MM"), in order. */
static void
expect(struct db *db, const struct slots_query *q, const char *const *starts, int n)
{
    struct slots_slot out[SLOTS_MAX];
    int got = -1;
    assert_int_equal(slots_find(db, q, out, &got), ST_OK);
    for (int i = 0; i < got && i < n; i++) {
        char local[17];
        clinic_tz_format_local(out[i].start_ms, local);
        if (strcmp(local, starts[i]) != 0)
            fail_msg("slot %d starts at %s, expected %s", i, local, starts[i]);
        assert_int_equal(out[i].end_ms - out[i].start_ms, q->duration_minutes * MINUTE_MS);
    }
    assert_int_equal(got, n);
}

static void
test_first_slots_on_the_grid(void **state)
{
    struct db *db = db_of(state);
    struct clinic c = small_clinic(db);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 60, 30, 3);
    static const char *const want[] = {"2030-06-03T09:00", "2030-06-03T09:15", "2030-06-03T09:30"};
    expect(db, &q, want, 3);

    struct slots_slot out[3];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    assert_int_equal(out[0].room_id, c.room);
    assert_int_equal(out[0].clinician_id, c.doctor);
    assert_int_equal(out[0].centrifuge_id, c.centrifuge);
    /* Without preparation no centrifuge is named. */
    q.prep_minutes = 0;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    assert_int_equal(out[0].centrifuge_id, 0);
}

static void
test_grid_alignment(void **state)
{
    struct db *db = db_of(state);
    small_clinic(db);
    /* Opening at 09:10: the first start is the next point of the grid. */
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_opening_hours_clear(db), ST_OK);
    struct db_hours h = {0, 1, H(9, 10), H(18, 0)};
    assert_int_equal(db_opening_hours_insert(db, &h), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 30, 0, 2); /* a Monday */
    static const char *const q15[] = {"2030-06-03T09:15", "2030-06-03T09:30"};
    expect(db, &q, q15, 2);
    q.slot_minutes = 20;
    static const char *const q20[] = {"2030-06-03T09:20", "2030-06-03T09:40"};
    expect(db, &q, q20, 2);
    q.slot_minutes = 60;
    static const char *const q60[] = {"2030-06-03T10:00", "2030-06-03T11:00"};
    expect(db, &q, q60, 2);
}

static void
test_day_end_and_limit(void **state)
{
    struct db *db = db_of(state);
    small_clinic(db);
    /* The doctor stops at 17:00: 16:00 is the last hour-long start, then the next day. */
    struct slots_query q = query(2030, 6, 3, 2030, 6, 4, 60, 0, 50);
    struct slots_slot out[SLOTS_MAX];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    assert_int_equal(n, 50);
    char local[17];
    clinic_tz_format_local(out[28].start_ms, local);
    assert_string_equal(local, "2030-06-03T16:00");
    clinic_tz_format_local(out[29].start_ms, local);
    assert_string_equal(local, "2030-06-04T09:00");
    /* The limit is obeyed however many are free. */
    for (int limit = 1; limit <= 5; limit++) {
        q.limit = limit;
        assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
        assert_int_equal(n, limit);
    }
    /* Nonsense is refused rather than searched. */
    q.limit = 0;
    assert_int_equal(slots_find(db, &q, out, &n), ST_INVALID);
    q.limit = 5;
    q.prep_minutes = 90;
    assert_int_equal(slots_find(db, &q, out, &n), ST_INVALID);
}

/* Each window crosses the end of a month (or year) whose last days are closed. */
static void
test_closures_across_month_ends(void **state)
{
    struct db *db = db_of(state);
    small_clinic(db);
    testcal_closure(db, "2030-01-30", "2030-01-31");
    testcal_closure(db, "2030-12-31", "2030-12-31");
    testcal_closure(db, "2032-02-27", "2032-02-28");
    testcal_closure(db, "2030-04-30", "2030-05-01");
    static const struct {
        int from[3], to[3];
        const char *first;
    } cases[] = {
        {{2030, 1, 30}, {2030, 2, 2}, "2030-02-01T09:00"},  /* January into February */
        {{2030, 12, 31}, {2031, 1, 2}, "2031-01-01T09:00"}, /* a year's end */
        {{2032, 2, 27}, {2032, 3, 1}, "2032-02-29T09:00"},  /* a leap day is a day */
        {{2030, 4, 29}, {2030, 5, 3}, "2030-04-29T09:00"},  /* open before the closure */
        {{2030, 4, 30}, {2030, 5, 3}, "2030-05-02T09:00"},  /* a closure over a month end */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct slots_query q = query(cases[i].from[0], cases[i].from[1], cases[i].from[2],
                                     cases[i].to[0], cases[i].to[1], cases[i].to[2], 60, 0, 1);
        const char *const want[] = {cases[i].first};
        expect(db, &q, want, 1);
    }
    /* A window wholly closed has nothing. */
    struct slots_query q = query(2030, 1, 30, 2030, 1, 31, 60, 0, 5);
    expect(db, &q, NULL, 0);
}

static void
test_days_the_clinic_does_not_open(void **state)
{
    struct db *db = db_of(state);
    small_clinic(db);
    /* Open on Mondays only (2030-06-03 is a Monday). */
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_opening_hours_clear(db), ST_OK);
    struct db_hours morning = {0, 1, H(9, 0), H(12, 0)}, evening = {0, 1, H(16, 0), H(18, 0)};
    assert_int_equal(db_opening_hours_insert(db, &morning), ST_OK);
    assert_int_equal(db_opening_hours_insert(db, &evening), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    /* Two intervals: 11:00 is the last morning start, 16:00 the first of the evening (the
     * doctor works until 17:00). */
    struct slots_query q = query(2030, 6, 4, 2030, 6, 12, 60, 0, 50);
    static const char *const want[] = {"2030-06-10T09:00", "2030-06-10T09:15", "2030-06-10T09:30",
                                       "2030-06-10T09:45", "2030-06-10T10:00", "2030-06-10T10:15",
                                       "2030-06-10T10:30", "2030-06-10T10:45", "2030-06-10T11:00",
                                       "2030-06-10T16:00"};
    expect(db, &q, want, 10);
}

static void
test_clinicians_hours(void **state)
{
    struct db *db = db_of(state);
    testcal_open_daily(db, H(8, 0), H(20, 0));
    testcal_room(db, "Treatment 1", "treatment");
    int64_t morning = testcal_clinician(db, "morning", H(9, 0), H(12, 0));
    int64_t afternoon = testcal_clinician(db, "afternoon", H(13, 0), H(17, 0));
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 60, 0, 50);
    struct slots_slot out[SLOTS_MAX];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    /* 09:00..11:00 with the first, 13:00..16:00 with the second; nothing crosses lunch. */
    assert_int_equal(n, 9 + 13);
    char local[17];
    clinic_tz_format_local(out[8].start_ms, local);
    assert_string_equal(local, "2030-06-03T11:00");
    assert_int_equal(out[8].clinician_id, morning);
    clinic_tz_format_local(out[9].start_ms, local);
    assert_string_equal(local, "2030-06-03T13:00");
    assert_int_equal(out[9].clinician_id, afternoon);
    /* Asking for one clinician offers only their hours. */
    q.clinician_id = afternoon;
    static const char *const want[] = {"2030-06-03T13:00"};
    q.limit = 1;
    expect(db, &q, want, 1);
    /* An inactive clinician is never offered. */
    struct db_clinician c;
    assert_int_equal(db_clinician_get(db, afternoon, &c), ST_OK);
    c.active = false;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_clinician_update(db, &c), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    db_clinician_release(&c);
    expect(db, &q, NULL, 0);
}

static void
test_centrifuge_for_the_preparation(void **state)
{
    struct db *db = db_of(state);
    struct clinic c = small_clinic(db);
    int64_t room2 = testcal_room(db, "Treatment 2", "treatment");
    int64_t doctor2 = testcal_clinician(db, "doctor2", H(9, 0), H(17, 0));
    int64_t other = testcal_patient(db, "Other");
    /* A session at 09:00 in room 1 holds the only centrifuge until 09:30. */
    testcal_book(db, other, testcal_at(2030, 6, 3, 9, 0), testcal_at(2030, 6, 3, 10, 0), 30, c.room,
                 c.doctor, c.centrifuge);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 60, 30, 1);
    static const char *const after_prep[] = {"2030-06-03T09:30"};
    expect(db, &q, after_prep, 1);
    struct slots_slot out[1];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    assert_int_equal(out[0].room_id, room2);
    assert_int_equal(out[0].clinician_id, doctor2);
    /* Without preparation the second room is free at once. */
    q.prep_minutes = 0;
    static const char *const at_once[] = {"2030-06-03T09:00"};
    expect(db, &q, at_once, 1);
    /* A second centrifuge frees 09:00 for a session too. */
    int64_t second = testcal_centrifuge(db, "Centrifuge B");
    q.prep_minutes = 30;
    expect(db, &q, at_once, 1);
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    assert_int_equal(out[0].centrifuge_id, second);
}

static void
test_patient_busy(void **state)
{
    struct db *db = db_of(state);
    struct clinic c = small_clinic(db);
    testcal_room(db, "Treatment 2", "treatment");
    testcal_clinician(db, "doctor2", H(9, 0), H(17, 0));
    int64_t consult = testcal_room(db, "Consultation", "consultation");
    /* The patient sees the doctor 09:00-10:30 in the consultation room. */
    testcal_book(db, c.patient, testcal_at(2030, 6, 3, 9, 0), testcal_at(2030, 6, 3, 10, 30), 0,
                 consult, c.doctor, 0);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 60, 0, 1);
    q.patient_id = c.patient;
    static const char *const after[] = {"2030-06-03T10:30"};
    expect(db, &q, after, 1);
    /* Another patient can be seen at 09:00 by the other doctor. */
    q.patient_id = testcal_patient(db, "Other");
    static const char *const at_once[] = {"2030-06-03T09:00"};
    expect(db, &q, at_once, 1);
}

static void
test_busy_rooms_and_kinds(void **state)
{
    struct db *db = db_of(state);
    struct clinic c = small_clinic(db);
    int64_t doctor2 = testcal_clinician(db, "doctor2", H(9, 0), H(17, 0));
    int64_t p2 = testcal_patient(db, "Other");
    /* A hold from the evening before into the morning keeps the room until 10:00. */
    testcal_book(db, p2, testcal_at(2030, 6, 2, 22, 0), testcal_at(2030, 6, 3, 10, 0), 0, c.room,
                 doctor2, 0);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 3, 60, 0, 1);
    static const char *const after[] = {"2030-06-03T10:00"};
    expect(db, &q, after, 1);
    /* No procedure room: nothing. An inactive procedure room: still nothing. */
    q.room_kind = "procedure";
    expect(db, &q, NULL, 0);
    int64_t proc = testcal_room(db, "Procedure", "procedure");
    struct db_room r;
    assert_int_equal(db_room_get(db, proc, &r), ST_OK);
    r.active = false;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_room_update(db, &r), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    expect(db, &q, NULL, 0);
    r.active = true;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_room_update(db, &r), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    db_room_release(&r);
    static const char *const proc_free[] = {"2030-06-03T09:00"};
    expect(db, &q, proc_free, 1);
}

static void
test_not_before_now(void **state)
{
    struct db *db = db_of(state);
    small_clinic(db);
    struct slots_query q = query(2030, 6, 3, 2030, 6, 4, 60, 0, 1);
    q.not_before_ms = testcal_at(2030, 6, 3, 11, 5);
    static const char *const later[] = {"2030-06-03T11:15"};
    expect(db, &q, later, 1);
    q.not_before_ms = testcal_at(2030, 6, 3, 20, 0);
    static const char *const tomorrow[] = {"2030-06-04T09:00"};
    expect(db, &q, tomorrow, 1);
}

/* 2030-03-31: London's clocks go from 01:00 GMT to 02:00 BST. The clinic opens at night to
 * show what the sweep does with the hour that does not exist. */
static void
test_dst_spring_forward_london(void **state)
{
    struct db *db = db_of(state);
    zone("Europe/London");
    testcal_open_daily(db, H(0, 0), H(4, 0));
    testcal_room(db, "Treatment 1", "treatment");
    testcal_clinician(db, "doctor1", H(0, 0), H(24, 0));
    struct slots_query q = query(2030, 3, 31, 2030, 3, 31, 30, 0, 50);
    q.slot_minutes = 30;
    struct slots_slot out[SLOTS_MAX];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    /* 00:00 and 00:30 GMT, then 02:00 to 03:30 BST: 01:00 and 01:30 do not exist. */
    static const char *const utc[] = {"2030-03-31T00:00:00.000Z", "2030-03-31T00:30:00.000Z",
                                      "2030-03-31T01:00:00.000Z", "2030-03-31T01:30:00.000Z",
                                      "2030-03-31T02:00:00.000Z", "2030-03-31T02:30:00.000Z"};
    static const char *const local[] = {"2030-03-31T00:00", "2030-03-31T00:30", "2030-03-31T02:00",
                                        "2030-03-31T02:30", "2030-03-31T03:00", "2030-03-31T03:30"};
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++) {
        char u[25], l[17];
        time_format_ms(out[i].start_ms, u);
        clinic_tz_format_local(out[i].start_ms, l);
        assert_string_equal(u, utc[i]);
        assert_string_equal(l, local[i]);
    }
    /* 09:00 local is 09:00 UTC the day before and 08:00 UTC the day after. */
    testcal_open_daily(db, H(9, 0), H(18, 0));
    struct slots_query before = query(2030, 3, 30, 2030, 3, 30, 60, 0, 1);
    struct slots_query after = query(2030, 4, 1, 2030, 4, 1, 60, 0, 1);
    struct slots_slot a, b;
    assert_int_equal(slots_find(db, &before, &a, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(slots_find(db, &after, &b, &n), ST_OK);
    assert_int_equal(n, 1);
    char u[25];
    time_format_ms(a.start_ms, u);
    assert_string_equal(u, "2030-03-30T09:00:00.000Z");
    time_format_ms(b.start_ms, u);
    assert_string_equal(u, "2030-04-01T08:00:00.000Z");
    /* And on the day itself, after the change, 09:00 is already summer time. */
    struct slots_query same = query(2030, 3, 31, 2030, 3, 31, 60, 0, 1);
    assert_int_equal(slots_find(db, &same, &a, &n), ST_OK);
    assert_int_equal(n, 1);
    time_format_ms(a.start_ms, u);
    assert_string_equal(u, "2030-03-31T08:00:00.000Z");
}

/* 2030-10-27: 02:00 BST becomes 01:00 GMT, so 01:00-01:59 happens twice; each start is offered
 * once, at its first occurrence, and the 25-hour day ends at the right instant. */
static void
test_dst_fall_back_london(void **state)
{
    struct db *db = db_of(state);
    zone("Europe/London");
    testcal_open_daily(db, H(0, 0), H(3, 0));
    testcal_room(db, "Treatment 1", "treatment");
    testcal_clinician(db, "doctor1", H(0, 0), H(24, 0));
    struct slots_query q = query(2030, 10, 27, 2030, 10, 27, 30, 0, 50);
    q.slot_minutes = 30;
    struct slots_slot out[SLOTS_MAX];
    int n;
    assert_int_equal(slots_find(db, &q, out, &n), ST_OK);
    static const char *const utc[] = {"2030-10-26T23:00:00.000Z", "2030-10-26T23:30:00.000Z",
                                      "2030-10-27T00:00:00.000Z", "2030-10-27T00:30:00.000Z",
                                      "2030-10-27T02:00:00.000Z", "2030-10-27T02:30:00.000Z"};
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++) {
        char u[25];
        time_format_ms(out[i].start_ms, u);
        assert_string_equal(u, utc[i]);
    }
}

static void
test_local_bound(void **state)
{
    (void)state;
    int64_t ms;
    zone("Europe/London");
    /* A bound inside the skipped hour is where the day really goes on. */
    struct date d = {2030, 3, 31};
    assert_int_equal(slots_local_bound(&d, H(1, 30), &ms), ST_OK);
    assert_int_equal(ms, testcal_at(2030, 3, 31, 2, 0));
    assert_int_equal(slots_local_bound(&d, H(24, 0), &ms), ST_OK);
    assert_int_equal(ms, testcal_at(2030, 4, 1, 0, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_slots_on_the_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grid_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_day_end_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closures_across_month_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_days_the_clinic_does_not_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clinicians_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_centrifuge_for_the_preparation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_rooms_and_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_before_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dst_spring_forward_london, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dst_fall_back_london, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
