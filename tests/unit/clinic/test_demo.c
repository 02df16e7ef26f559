/* Unit tests of src/clinic/demo.c: the demo clinic has its staff, rooms and invented patients,
 * every record valid and the audit trail intact, and a few patients with clinical records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/demo.h"
#include "clinic/history.h"
#include "clinic/mrn.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "clinic/timeline.h"
#include "clinic/user.h"
#include "core/clinic_tz.h"
#include "testdb.h"

#define PATIENTS 50

static int progress_calls;
static int64_t progress_done;

static void
progress(int64_t done, int64_t total)
{
    assert_int_equal(total, PATIENTS);
    assert_true(done > progress_done);
    progress_done = done;
    progress_calls++;
}

struct check {
    int n;
    int both_scripts;
    int arabic_only;
    int latin_only;
};

/* Every generated record would pass the API's own validation. */
static int
check_patient(void *ctx, const struct db_patient *p)
{
    struct check *c = ctx;
    struct db_patient parsed;
    struct fail f;
    json_t *j = patient_to_json(p);

    c->n++;
    assert_true(mrn_valid(p->mrn));
    assert_int_equal(strlen(p->mrn), 8);
    assert_int_equal(p->version, 1);
    assert_false(p->deleted);
    if (p->email)
        assert_non_null(strstr(p->email, "@example.invalid"));
    c->both_scripts += p->given_name && p->given_name_ar;
    c->arabic_only += !p->given_name && p->given_name_ar;
    c->latin_only += p->given_name && !p->given_name_ar;
    /* Strip what the server owns, then parse as if the record came from a form. */
    static const char *const owned[] = {"id",         "mrn",        "version",
                                        "created_at", "updated_at", "deleted"};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        json_object_del(j, owned[i]);
    fail_clear(&f);
    if (patient_parse(j, false, &parsed, NULL, &f) != ST_OK)
        fail_msg("demo patient %s is not valid: %s", p->mrn, f.message);
    db_patient_release(&parsed);
    json_decref(j);
    return 0;
}

static void
test_demo(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    struct audit_check ac;
    struct check c = {0};
    struct db_user u;
    int64_t n = -1;

    progress_calls = 0;
    progress_done = 0;
    fail_clear(&f);
    assert_int_equal(demo_create(t->db, PATIENTS, progress, &f), ST_OK);
    assert_int_equal(progress_calls, 1);
    assert_int_equal(progress_done, PATIENTS);

    /* Four users, one per role, who log in with the demo password. */
    assert_int_equal(db_user_count(t->db, &n), ST_OK);
    assert_int_equal(n, 4);
    for (int i = 0; demo_usernames[i]; i++) {
        assert_int_equal(user_authenticate(t->db, demo_usernames[i], DEMO_PASSWORD, &u), ST_OK);
        assert_int_equal(u.roles, role_from_name(demo_user_roles[i]));
        assert_int_equal(u.roles, role_at(i));
        assert_false(u.disabled);
        db_user_release(&u);
    }
    assert_null(demo_usernames[4]);

    assert_int_equal(db_room_count(t->db, &n), ST_OK);
    assert_int_equal(n, 4);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM rooms WHERE kind = 'treatment'"), 2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM rooms WHERE kind = 'procedure'"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM rooms WHERE kind = 'consultation'"), 1);

    assert_int_equal(db_patient_count(t->db, false, &n), ST_OK);
    assert_int_equal(n, PATIENTS);
    assert_int_equal(db_patient_count(t->db, true, &n), ST_OK);
    assert_int_equal(n, PATIENTS);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM patient_versions"), PATIENTS);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM patient_search"), PATIENTS);
    struct db_patient_query q = {.sort = DB_SORT_MRN, .limit = 1000};
    assert_int_equal(db_patient_list(t->db, &q, check_patient, &c), ST_OK);
    assert_int_equal(c.n, PATIENTS);
    /* Most have names in both scripts; the generator also makes one-script records. */
    assert_true(c.both_scripts > PATIENTS / 2);
    assert_int_equal(c.both_scripts + c.arabic_only + c.latin_only, PATIENTS);
    /* Registrations are spread over the past, not all made now. */
    assert_true(testdb_int(t, "SELECT max(created_at) - min(created_at) FROM patients") >
                30LL * 86400 * 1000);

    /* One audit event per user and per patient, chained. */
    assert_int_equal(audit_verify(t->db, &ac), ST_OK);
    assert_int_equal(ac.events, 4 + PATIENTS);
    assert_int_equal(ac.first_bad_id, 0);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'patient.create'"
                                   " AND username = 'demo'"),
                     PATIENTS);
}

static void
test_demo_deterministic(void **state)
{
    struct testdb *t = *state, other;
    struct db_patient a, b;
    struct fail f;

    assert_int_equal(demo_create(t->db, 10, NULL, &f), ST_OK);
    assert_int_equal(testdb_setup(&other), 0);
    assert_int_equal(demo_create(other.db, 10, NULL, &f), ST_OK);
    /* The same generator gives the same clinic every time. */
    for (int64_t id = 1; id <= 10; id++) {
        assert_int_equal(db_patient_get(t->db, id, &a), ST_OK);
        assert_int_equal(db_patient_get(other.db, id, &b), ST_OK);
        assert_string_equal(a.mrn, b.mrn);
        assert_string_equal(a.date_of_birth, b.date_of_birth);
        if (a.given_name || b.given_name)
            assert_string_equal(a.given_name, b.given_name);
        if (a.family_name_ar || b.family_name_ar)
            assert_string_equal(a.family_name_ar, b.family_name_ar);
        db_patient_release(&a);
        db_patient_release(&b);
    }
    testdb_teardown(&other);

    /* A second run on the same database collides with the first one's users. */
    fail_clear(&f);
    assert_int_equal(demo_create(t->db, 1, NULL, &f), ST_CONFLICT);
    assert_string_equal(f.code, "conflict");
}

struct count_ctx {
    int n;
};

static int
count_lab(void *ctx, const struct db_lab *l)
{
    (void)l;
    ((struct count_ctx *)ctx)->n++;
    return 0;
}

static void
test_demo_clinical(void **state)
{
    struct testdb *t = *state;
    struct protocols *p = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(protocols_load(AUTOLOGA_PROTOCOLS_DIR, &p, &f), ST_OK);

    /* Without patients there is nobody to give records to. */
    assert_int_equal(demo_create(t->db, 2, NULL, &f), ST_OK);
    assert_int_equal(demo_clinical(t->db, p, INT64_C(1795251600000), &f), ST_NOT_FOUND);
    testdb_teardown(t);
    assert_int_equal(testdb_setup(t), 0);

    assert_int_equal(demo_create(t->db, 5, NULL, &f), ST_OK);
    /* 2026-11-21T09:00:00Z */
    assert_int_equal(demo_clinical(t->db, p, INT64_C(1795251600000), &f), ST_OK);

    /* Each of the three has a history; the first takes naproxen, last dose 14 hours before. */
    for (int64_t id = 1; id <= DEMO_CLINICAL_PATIENTS; id++) {
        json_t *doc = NULL;
        int64_t version = 0;
        assert_int_equal(history_current(t->db, id, &doc, &version, &f), ST_OK);
        assert_int_equal(version, 1);
        if (id == 1) {
            json_t *med = json_array_get(json_object_get(doc, "medications"), 0);
            assert_string_equal(json_string_value(json_object_get(med, "class")),
                                "nsaid_nonselective");
            assert_string_equal(json_string_value(json_object_get(med, "last_dose_at")),
                                "2026-11-20T19:00:00.000Z");
        }
        json_decref(doc);
        struct db_assessment a;
        assert_int_equal(
            db_assessment_latest(t->db, id, id == 2 ? "face" : "hair", "2026-11-21", &a), ST_OK);
        assert_string_equal(a.visit_date, "2026-11-21");
        db_assessment_release(&a);
    }
    /* Lab results for the first two only (with the blood count the preparation designer reads):
     * the third shows what "incomplete" looks like. */
    int want[] = {5, 5, 0};
    for (int64_t id = 1; id <= DEMO_CLINICAL_PATIENTS; id++) {
        struct count_ctx c = {0};
        assert_int_equal(db_lab_list(t->db, id, false, count_lab, &c), ST_OK);
        assert_int_equal(c.n, want[id - 1]);
    }
    struct audit_check ac;
    assert_int_equal(audit_verify(t->db, &ac), ST_OK);
    assert_int_equal(ac.first_bad_id, 0);
    protocols_free(p);
}

/* The calendar of a Gulf clinic, placed in its own time zone. */
static void
test_demo_calendar(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    struct date today;
    char sql[256];
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("Asia/Dubai", &f), ST_OK);
    struct protocols *p = NULL;
    assert_int_equal(protocols_load(AUTOLOGA_PROTOCOLS_DIR, &p, &f), ST_OK);

    /* Too few patients to book for. */
    assert_int_equal(demo_create(t->db, DEMO_CALENDAR_PATIENTS - 1, NULL, &f), ST_OK);
    assert_int_equal(demo_calendar(t->db, p, time_now_ms(), &f), ST_NOT_FOUND);
    testdb_teardown(t);
    assert_int_equal(testdb_setup(t), 0);

    int64_t now = time_now_ms();
    assert_int_equal(demo_create(t->db, 10, NULL, &f), ST_OK);
    assert_int_equal(demo_clinical(t->db, p, now, &f), ST_OK);
    assert_int_equal(demo_calendar(t->db, p, now, &f), ST_OK);

    /* Saturday to Thursday 09:00 to 18:00, Friday closed. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM opening_hours"), 6);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM opening_hours WHERE weekday = 5"), 0);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM opening_hours"
                                   " WHERE open_minute = 540 AND close_minute = 1080"),
                     6);
    /* The doctor and the nurse, with their weeks; two centrifuges with their rotors. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM clinicians c JOIN users u"
                                   " ON u.id = c.user_id WHERE u.username IN ('doctor', 'nurse')"),
                     2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM clinician_hours"), 12);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM centrifuges"
                                   " WHERE rotor_radius_mm > 0 AND active = 1"),
                     2);
    /* A holiday in the coming weeks, on a day the clinic would open. */
    clinic_tz_today(&today);
    struct date in3weeks;
    char day[11];
    date_add_days(&today, 21, &in3weeks);
    date_format(&in3weeks, day);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM closures"), 1);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM closures WHERE first_date >= '%s'", day);
    assert_int_equal(testdb_int(t, sql), 1);
    /* Booked appointments in the next days, one the first session of a course of PRP of the
     * face (screened and signed to proceed, now active), none on a Friday. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM appointments WHERE status = 'booked'"
                                   " AND course_item_id IS NULL"),
                     4);
    assert_int_equal(testdb_int(t,
                                "SELECT count(*) FROM appointments a JOIN course_items i"
                                " ON i.id = a.course_item_id JOIN courses c ON c.id = i.course_id"
                                " WHERE a.patient_id = 2 AND i.seq = 1 AND i.status = 'booked'"
                                " AND c.protocol = 'prp-face' AND c.status = 'active'"),
                     1);
    /* Messages wait only for what is still ahead: none was written already due. */
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE due_at <= %lld", (long long)now);
    assert_int_equal(testdb_int(t, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM appointments WHERE start_ms > %lld",
             (long long)now);
    assert_int_equal(testdb_int(t, sql), 5);
    assert_int_equal(testdb_int(t, "SELECT count(DISTINCT patient_id) FROM appointments"),
                     DEMO_CALENDAR_PATIENTS);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM appointments"
                                   " WHERE strftime('%w', (start_ms / 1000) + 14400,"
                                   " 'unixepoch') = '5'"),
                     0);
    /* Room, clinician and patient for each, a centrifuge for the two sessions. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM appointment_holds"), 5 * 3 + 2);
    struct audit_check ac;
    assert_int_equal(audit_verify(t->db, &ac), ST_OK);
    assert_int_equal(ac.first_bad_id, 0);
    protocols_free(p);
    assert_int_equal(clinic_tz_set("UTC", &f), ST_OK);
}

/* The fifth patient's results: a prp-hair course seven months old with its loading sessions done,
 * three measurement sets and four synthetic photographs, charted with a band. */
static void
test_demo_outcomes(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(clinic_tz_set("Asia/Dubai", &f), ST_OK);
    struct protocols *p = NULL;
    assert_int_equal(protocols_load(AUTOLOGA_PROTOCOLS_DIR, &p, &f), ST_OK);
    int64_t now = time_now_ms();
    assert_int_equal(demo_create(t->db, DEMO_OUTCOMES_PATIENTS - 1, NULL, &f), ST_OK);
    assert_int_equal(demo_outcomes(t->db, p, now, &f), ST_NOT_FOUND);
    testdb_teardown(t);
    assert_int_equal(testdb_setup(t), 0);

    assert_int_equal(demo_create(t->db, 10, NULL, &f), ST_OK);
    assert_int_equal(demo_clinical(t->db, p, now, &f), ST_OK);
    assert_int_equal(demo_calendar(t->db, p, now, &f), ST_OK);
    if (demo_outcomes(t->db, p, now, &f) != ST_OK)
        fail_msg("demo_outcomes: %s", f.message);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM course_items i JOIN courses c"
                                   " ON c.id = i.course_id WHERE c.patient_id = 5"
                                   " AND c.protocol = 'prp-hair' AND i.kind = 'session'"
                                   " AND i.status = 'done'"),
                     3);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM appointments a JOIN course_items i"
                                   " ON i.id = a.course_item_id WHERE a.patient_id = 5"
                                   " AND a.status = 'done' AND i.kind = 'session'"),
                     3);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM measurement_sets WHERE patient_id = 5"),
                     3);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM photos WHERE patient_id = 5"), 4);
    json_t *tl = NULL;
    assert_int_equal(timeline_build_in_tx(t->db, p, 5, 0, &tl, &f), ST_OK);
    json_t *density = json_array_get(json_object_get(tl, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(density, "measure")), "hair_density");
    assert_int_equal(json_array_size(json_object_get(density, "points")), 3);
    assert_true(json_is_object(json_object_get(density, "band")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(tl, "course"), "anchor_kind")), "done");
    json_decref(tl);
    struct audit_check ac;
    assert_int_equal(audit_verify(t->db, &ac), ST_OK);
    assert_int_equal(ac.first_bad_id, 0);
    protocols_free(p);
    assert_int_equal(clinic_tz_set("UTC", &f), ST_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_demo, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_demo_deterministic, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_demo_clinical, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_demo_outcomes, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_demo_calendar, testdb_test_setup,
                                        testdb_test_teardown),
    };

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
