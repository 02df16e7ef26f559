/* Unit tests of src/clinic/cohort.c on a small clinic written with SQL, whose figures are worked
 * out by hand below: the anchor (an appointment's local day, a paper record's target day, a
 * cancelled appointment ignored), the baseline and 3/6-month windows with their ties and month
 * ends, voided values, a course without baseline, every filter, the thresholds, the adverse
 * figures and both CSV files. */
#include <math.h>
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
#include "clinic/cohort.h"
#include "clinic/protocols.h"
#include "core/clinic_tz.h"
#include "testdb.h"

static struct protocols *protocols;

/* The clinic, in the Asia/Dubai zone (UTC+4, no daylight saving time).
 *
 * prp-hair:
 *   C1, P1 male born 1980-06-15: session 1 done, its appointment at 2025-01-01T21:30Z = local
 *       2025-01-02 (an earlier cancelled one on 2024-12-20 does not count), session 2 done.
 *       Anchor 2025-01-02 (age 44). Density: 100 on 2024-10-01 (more than 90 days before),
 *       120 on 2024-12-20, 122 and then 124 on 2025-01-02 (same day: the later entry is the
 *       baseline, 124). 3 months = 2025-04-02: 140 on 03-28 and 150 on 04-07, both 5 days off:
 *       the earlier, 140 (+16). 6 months = 2025-07-02: 160 on 07-20 voided, 158 on 07-25 (23 days
 *       off; +34). Hair assessments: norwood III on 2024-12-20, IV on 2025-03-01 (after).
 *       Procedures: two completed, the first with a mild and a serious event.
 *   C2, P2 female born 2000-01-10: session 1 done at 2025-03-10T06:00Z; anchor 2025-03-10 (25).
 *       Baseline 130 on 03-01; 3 months 2025-06-10: two sets that day, 135 then 137: the lower
 *       id, 135 (+5); no 6-month value. Assessment: ludwig II, sinclair 3. Procedures: one
 *       completed, one abandoned with a pain event.
 *   C3, P3 male born 1960-03-01, from paper records: sessions done without appointments, target
 *       days 2025-08-31 and 2025-09-30; anchor 2025-08-31 (65). Baseline 100 on 08-01;
 *       3 months = 2025-11-30: 112 (+12); 6 months = 2026-02-28 (the month's last day):
 *       120 on 02-27 and 125 on 03-01, both a day off: 120 (+20).
 *   C4, P4: no done session: no anchor, not reported.
 *   C6, P6 deleted from the register: not reported.
 *   C7, P7 male born 1990-02-10: session done at 2025-02-10T10:00Z, anchor 2025-02-10 (35 that
 *       day); no baseline (the first value is after the anchor). One completed procedure.
 * prp-face:
 *   C5, P5 male born 1970-01-01: session done 2025-04-01T08:00Z; no density; one completed
 *       procedure.
 *
 * prp-hair, no filter: 4 courses, 4 patients; changes at 3 months 16, 5, 12 (mean 11, median
 * 12, sd √31); at 6 months 34, 20 (mean 27, sd √98); procedures 4, events 3, serious 1,
 * patients treated 3 (P1, P2, P7), with an event 2. */
static const char *const clinic_sql[] = {
    "INSERT INTO users (id, username, display_name, password_hash, roles, disabled, created_at)"
    " VALUES (1, 'doc', 'Doctor', 'x', 2, 0, 1)",
    "INSERT INTO rooms (id, name, kind) VALUES (1, 'Room', 'treatment')",
    "INSERT INTO clinicians (id, user_id) VALUES (1, 1)",
    "INSERT INTO patients (id, mrn, version, sort_family, sort_given, date_of_birth, sex,"
    " preferred_language, created_at, updated_at, deleted) VALUES"
    " (1, 'M1', 1, 'a', 'a', '1980-06-15', 'male', 'en', 1, 1, 0),"
    " (2, 'M2', 1, 'b', 'b', '2000-01-10', 'female', 'en', 1, 1, 0),"
    " (3, 'M3', 1, 'c', 'c', '1960-03-01', 'male', 'ar', 1, 1, 0),"
    " (4, 'M4', 1, 'd', 'd', '1985-01-01', 'female', 'en', 1, 1, 0),"
    " (5, 'M5', 1, 'e', 'e', '1970-01-01', 'male', 'en', 1, 1, 0),"
    " (6, 'M6', 1, 'f', 'f', '1975-01-01', 'male', 'en', 1, 1, 1),"
    " (7, 'M7', 1, 'g', 'g', '1990-02-10', 'male', 'en', 1, 1, 0)",
    "INSERT INTO screenings (id, patient_id, treatment, session_at, outcome, result, inputs,"
    " rules_sha256, computed_at) SELECT id, id, 'prp-hair', 1, 'eligible', '{}', '{}', 'x', 1"
    " FROM patients",
    "INSERT INTO courses (id, patient_id, protocol, protocol_json, protocol_sha256, screening_id,"
    " status, start_date, currency, package, discount_minor, version, created_at, created_by,"
    " updated_at, updated_by) SELECT id, id, CASE id WHEN 5 THEN 'prp-face' ELSE 'prp-hair' END,"
    " '{}', 'x', id, 'active', '2024-12-01', 'AED', 0, 0, 1, 1, 1, 1, 1 FROM patients",
    /* items: id = course * 10 + seq */
    "INSERT INTO course_items (id, course_id, seq, kind, window_before_days, window_after_days,"
    " target_date, earliest_date, latest_date, duration_minutes, prep_minutes, room_kind,"
    " price_minor, status) VALUES"
    " (11, 1, 1, 'session', 0, 0, '2024-12-20', '2024-12-20', '2024-12-20', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (12, 1, 2, 'session', 0, 0, '2025-02-01', '2025-02-01', '2025-02-01', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (13, 1, 3, 'maintenance', 0, 0, '2025-08-01', '2025-08-01', '2025-08-01', 60, 30,"
    "  'treatment', 0, 'planned'),"
    " (21, 2, 1, 'session', 0, 0, '2025-03-01', '2025-03-01', '2025-03-01', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (31, 3, 1, 'session', 0, 0, '2025-08-31', '2025-08-31', '2025-08-31', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (32, 3, 2, 'session', 0, 0, '2025-09-30', '2025-09-30', '2025-09-30', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (41, 4, 1, 'session', 0, 0, '2025-01-10', '2025-01-10', '2025-01-10', 60, 30, 'treatment',"
    "  0, 'planned'),"
    " (51, 5, 1, 'session', 0, 0, '2025-04-01', '2025-04-01', '2025-04-01', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (61, 6, 1, 'session', 0, 0, '2025-01-05', '2025-01-05', '2025-01-05', 60, 30, 'treatment',"
    "  0, 'done'),"
    " (71, 7, 1, 'session', 0, 0, '2025-02-01', '2025-02-01', '2025-02-01', 60, 30, 'treatment',"
    "  0, 'done')",
    /* appointments: 2024-12-20 cancelled, then 2025-01-01T21:30Z (local 01-02) for item 11 */
    "INSERT INTO appointments (id, patient_id, kind, course_item_id, start_ms, end_ms, room_id,"
    " clinician_id, status, version, created_at, updated_at) VALUES"
    " (1, 1, 'session', 11, 1734688800000, 1734692400000, 1, 1, 'cancelled', 1, 1, 1),"
    " (2, 1, 'session', 11, 1735767000000, 1735770600000, 1, 1, 'done', 1, 1, 1),"
    " (3, 1, 'session', 12, 1738400400000, 1738404000000, 1, 1, 'done', 1, 1, 1),"
    " (4, 2, 'session', 21, 1741586400000, 1741590000000, 1, 1, 'done', 1, 1, 1),"
    " (5, 5, 'session', 51, 1743494400000, 1743498000000, 1, 1, 'done', 1, 1, 1),"
    " (6, 6, 'session', 61, 1736064000000, 1736067600000, 1, 1, 'done', 1, 1, 1),"
    " (7, 7, 'session', 71, 1739181600000, 1739185200000, 1, 1, 'done', 1, 1, 1),"
    " (8, 2, 'session', 21, 1741586400000, 1741590000000, 1, 1, 'no_show', 1, 1, 1)",
    "INSERT INTO procedures (id, patient_id, appointment_id, treatment, protocol, screening_id,"
    " status, version, started_at, started_by, completed_at, completed_by, updated_at,"
    " updated_by) VALUES"
    " (1, 1, 2, 'prp-hair', 'prp-hair', 1, 'completed', 1, 1, 1, 2, 1, 2, 1),"
    " (2, 1, 3, 'prp-hair', 'prp-hair', 1, 'completed', 1, 1, 1, 2, 1, 2, 1),"
    " (3, 2, 4, 'prp-hair', 'prp-hair', 2, 'completed', 1, 1, 1, 2, 1, 2, 1),"
    " (4, 2, 8, 'prp-hair', 'prp-hair', 2, 'abandoned', 1, 1, 1, NULL, NULL, 2, 1),"
    " (5, 5, 5, 'prp-face', 'prp-face', 5, 'completed', 1, 1, 1, 2, 1, 2, 1),"
    " (6, 6, 6, 'prp-hair', 'prp-hair', 6, 'completed', 1, 1, 1, 2, 1, 2, 1),"
    " (7, 7, 7, 'prp-hair', 'prp-hair', 7, 'completed', 1, 1, 1, 2, 1, 2, 1)",
    "INSERT INTO adverse_events (patient_id, procedure_id, type, severity, onset_at, outcome,"
    " version, created_at, created_by, updated_at, updated_by) VALUES"
    " (1, 1, 'bruising', 'mild', 3, 'ongoing', 1, 3, 1, 3, 1),"
    " (1, 1, 'haematoma', 'serious', 3, 'ongoing', 1, 3, 1, 3, 1),"
    " (2, 4, 'pain', 'moderate', 3, 'ongoing', 1, 3, 1, 3, 1),"
    " (6, 6, 'pain', 'serious', 3, 'ongoing', 1, 3, 1, 3, 1),"
    " (1, NULL, 'headache', 'serious', 3, 'ongoing', 1, 3, 1, 3, 1)",
    "INSERT INTO assessments (patient_id, version, visit_date, complaint, data, created_at,"
    " updated_at) VALUES"
    " (1, 1, '2024-12-20', 'hair', '{\"hair\":{\"norwood\":\"III\",\"ludwig\":null,"
    "\"sinclair\":null,\"savin\":null}}', 1, 1),"
    " (1, 1, '2025-03-01', 'hair', '{\"hair\":{\"norwood\":\"IV\",\"ludwig\":null,"
    "\"sinclair\":null,\"savin\":null}}', 1, 1),"
    " (2, 1, '2025-02-01', 'hair', '{\"hair\":{\"norwood\":null,\"ludwig\":\"II\","
    "\"sinclair\":3,\"savin\":null}}', 1, 1),"
    " (2, 1, '2025-02-01', 'face', '{\"hair\":null,\"face\":{}}', 1, 1)",
};

/* Density values: (set id, patient, date, value, voided). Each value its own set. */
static const struct {
    int patient;
    const char *date;
    double value;
    int voided;
} density[] = {
    {1, "2024-10-01", 100, 0}, {1, "2024-12-20", 120, 0}, {1, "2025-01-02", 122, 0},
    {1, "2025-01-02", 124, 0}, {1, "2025-03-28", 140, 0}, {1, "2025-04-07", 150, 0},
    {1, "2025-07-20", 160, 1}, {1, "2025-07-25", 158, 0}, {2, "2025-03-01", 130, 0},
    {2, "2025-06-10", 135, 0}, {2, "2025-06-10", 137, 0}, {3, "2025-08-01", 100, 0},
    {3, "2025-11-30", 112, 0}, {3, "2026-02-27", 120, 0}, {3, "2026-03-01", 125, 0},
    {7, "2025-03-01", 90, 0},  {7, "2025-05-10", 99, 0},  {6, "2025-01-01", 80, 0},
    {6, "2025-04-05", 95, 0},
};

static struct testdb *
tdb(void **state)
{
    return *state;
}

static int
group_setup(void **state)
{
    struct fail f;
    if (testdb_group_setup(state) != 0)
        return -1;
    if (protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protocols, &f) != ST_OK) {
        fprintf(stderr, "protocols: %s\n", f.message);
        return -1;
    }
    return clinic_tz_set("Asia/Dubai", &f) == ST_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    protocols_free(protocols);
    return 0;
}

/* A fresh database with the clinic above. */
static int
setup(void **state)
{
    if (testdb_test_setup(state) != 0)
        return -1;
    struct testdb *t = *state;
    for (size_t i = 0; i < sizeof(clinic_sql) / sizeof(clinic_sql[0]); i++)
        if (testdb_exec(t, clinic_sql[i]) != 0) {
            fprintf(stderr, "clinic_sql[%zu] failed\n", i);
            return -1;
        }
    char sql[600];
    for (size_t i = 0; i < sizeof(density) / sizeof(density[0]); i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO measurement_sets (id, patient_id, date, method, measured_by,"
                 " source, created_at, created_by) VALUES (%zu, %d, '%s', 'phototrichogram', 1,"
                 " 'manual', 1, 1);"
                 "INSERT INTO measurements (set_id, patient_id, date, measure, value_num,"
                 " version, voided_at, voided_by, void_reason, updated_at, updated_by) VALUES"
                 " (%zu, %d, '%s', 'hair_density', %.1f, 1, %s, %s, %s, 1, 1);"
                 /* Another measure on the same set: the report reads density alone. */
                 "INSERT INTO measurements (set_id, patient_id, date, measure, value_num,"
                 " version, updated_at, updated_by) VALUES (%zu, %d, '%s', 'hair_count', 999,"
                 " 1, 1, 1)",
                 i + 1, density[i].patient, density[i].date, i + 1, density[i].patient,
                 density[i].date, density[i].value, density[i].voided ? "5" : "NULL",
                 density[i].voided ? "1" : "NULL",
                 density[i].voided ? "'entered on the wrong patient'" : "NULL", i + 1,
                 density[i].patient, density[i].date);
        if (testdb_exec(t, sql) != 0) {
            fprintf(stderr, "density[%zu] failed\n", i);
            return -1;
        }
    }
    return 0;
}

static json_t *
report(void **state, const struct cohort_params *q)
{
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    actor_cli(&a);
    fail_clear(&f);
    int st = cohort_report(tdb(state)->db, protocols, &a, q, &out, &f);
    if (st != ST_OK)
        fail_msg("cohort_report: %d %s (%s)", st, f.message, f.field);
    return out;
}

/* The entry of `protocol` in a report, or NULL. */
static json_t *
entry(json_t *r, const char *protocol)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(r, "protocols"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "protocol")), protocol) == 0)
            return v;
    }
    return NULL;
}

/* A number at a path of two or three keys ("density", "m3", "mean"); NaN for null. */
static double
num(json_t *e, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(e, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    if (json_is_null(v))
        return NAN;
    if (!json_is_number(v))
        fail_msg("%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return json_number_value(v);
}

static void
near(double got, double want)
{
    if (isnan(want) ? !isnan(got) : fabs(got - want) > 0.006)
        fail_msg("got %.4f, want %.4f", got, want);
}

static void
test_unfiltered(void **state)
{
    struct cohort_params q = {.threshold = "14"};
    json_t *r = report(state, &q);
    json_t *hair = entry(r, "prp-hair");
    assert_non_null(hair);
    near(num(hair, "courses", NULL, NULL), 4);
    near(num(hair, "patients", NULL, NULL), 4);
    /* 3 months: 16, 5, 12. */
    near(num(hair, "density", "m3", "n"), 3);
    near(num(hair, "density", "m3", "mean"), 11);
    near(num(hair, "density", "m3", "median"), 12);
    near(num(hair, "density", "m3", "sd"), sqrt(31));
    double half = 4.302653 * sqrt(31) / sqrt(3);
    near(num(hair, "density", "m3", "ci_low"), 11 - half);
    near(num(hair, "density", "m3", "ci_high"), 11 + half);
    /* 6 months: 34 (the voided 160 is not read), 20 (a day before the month's end). */
    near(num(hair, "density", "m6", "n"), 2);
    near(num(hair, "density", "m6", "mean"), 27);
    near(num(hair, "density", "m6", "median"), 27);
    near(num(hair, "density", "m6", "sd"), sqrt(98));
    half = 12.706205 * sqrt(98) / sqrt(2);
    near(num(hair, "density", "m6", "ci_low"), 27 - half);
    /* Responders at 14: one of three at 3 months (Wilson 0.0615..0.7923), both at 6. */
    near(num(hair, "responders", "threshold", NULL), 14);
    near(num(hair, "responders", "m3", "n"), 3);
    near(num(hair, "responders", "m3", "responders"), 1);
    near(num(hair, "responders", "m3", "share"), 0.3333);
    near(num(hair, "responders", "m3", "ci_low"), 0.0615);
    near(num(hair, "responders", "m3", "ci_high"), 0.7923);
    near(num(hair, "responders", "m6", "responders"), 2);
    near(num(hair, "responders", "m6", "share"), 1);
    /* Adverse: the deleted patient's and the unlinked events are not counted. */
    near(num(hair, "adverse", "procedures", NULL), 4);
    near(num(hair, "adverse", "events", NULL), 3);
    near(num(hair, "adverse", "serious", NULL), 1);
    near(num(hair, "adverse", "patients_treated", NULL), 3);
    near(num(hair, "adverse", "patients_with_event", NULL), 2);
    near(num(hair, "adverse", "per_100_procedures", NULL), 75);
    near(num(hair, "adverse", "patient_share", NULL), 0.6667);

    json_t *face = entry(r, "prp-face");
    assert_non_null(face);
    near(num(face, "courses", NULL, NULL), 1);
    near(num(face, "density", "m3", "n"), 0);
    near(num(face, "density", "m3", "mean"), NAN);
    near(num(face, "adverse", "procedures", NULL), 1);
    near(num(face, "adverse", "events", NULL), 0);
    near(num(face, "adverse", "per_100_procedures", NULL), 0);
    assert_non_null(entry(r, "adsc-hair"));
    near(num(entry(r, "adsc-hair"), "courses", NULL, NULL), 0);
    near(num(entry(r, "adsc-hair"), "adverse", "per_100_procedures", NULL), NAN);

    assert_int_equal(json_object_size(json_object_get(r, "settings")), 2);
    near(num(r, "settings", "baseline_days", NULL), 90);
    near(num(r, "settings", "window_days", NULL), 30);
    near(num(r, "filters", "threshold", NULL), 14);
    assert_true(json_is_null(json_object_get(json_object_get(r, "filters"), "sex")));
    assert_non_null(json_string_value(json_object_get(r, "generated_at")));
    json_decref(r);
}

/* Without a threshold asked for, a protocol's responder threshold is its
 * outcomes.responder.min_gain of the density; without one the counts are null. */
static void
test_default_threshold(void **state)
{
    struct cohort_params q = {0};
    json_t *r = report(state, &q);
    for (size_t i = 0; i < protocols->courses->nprotocols; i++) {
        const struct course_protocol *cp = &protocols->courses->protocols[i];
        json_t *resp = json_object_get(json_object_get(cp->document, "outcomes"), "responder");
        json_t *gain = json_object_get(resp, "min_gain");
        json_t *e = entry(r, cp->code);
        assert_non_null(e);
        if (json_is_number(gain)) {
            near(num(e, "responders", "threshold", NULL), json_number_value(gain));
            assert_true(json_is_integer(json_object_get(
                json_object_get(json_object_get(e, "responders"), "m3"), "responders")));
        } else {
            near(num(e, "responders", "threshold", NULL), NAN);
            near(num(e, "responders", "m3", "responders"), NAN);
            near(num(e, "responders", "m3", "share"), NAN);
            near(num(e, "responders", "m6", "ci_low"), NAN);
        }
    }
    /* prp-face has no responder: its counts are null whatever the data. */
    near(num(entry(r, "prp-face"), "responders", "m3", "responders"), NAN);
    json_decref(r);
}

struct filter_case {
    struct cohort_params q;
    double courses, m3_n, m3_mean, m6_n;
};

static void
test_filters(void **state)
{
    const struct filter_case cases[] = {
        {{.sex = "female"}, 1, 1, 5, 0},
        {{.sex = "male"}, 3, 2, 14, 2},
        {{.sex = "other"}, 0, 0, NAN, 0},
        {{.age_band = "18_29"}, 1, 1, 5, 0},
        {{.age_band = "30_39"}, 1, 0, NAN, 0},  /* P7, 35 on the anchor day */
        {{.age_band = "40_49"}, 1, 1, 16, 1},   /* P1, 44 */
        {{.age_band = "60_plus"}, 1, 1, 12, 1}, /* P3, 65 */
        {{.age_band = "under_18"}, 0, 0, NAN, 0},
        {{.grade = "norwood:III"}, 1, 1, 16, 1}, /* IV came after the anchor */
        {{.grade = "norwood:IV"}, 0, 0, NAN, 0},
        {{.grade = "ludwig:II"}, 1, 1, 5, 0},
        {{.grade = "sinclair:3"}, 1, 1, 5, 0},
        {{.grade = "savin:I-2"}, 0, 0, NAN, 0},
        /* The anchor is the local day: 2025-01-01T21:30Z is 2025-01-02 in Dubai. */
        {{.from = "2025-01-02", .to = "2025-01-02"}, 1, 1, 16, 1},
        {{.to = "2025-01-01"}, 0, 0, NAN, 0},
        {{.from = "2025-02-10"}, 3, 2, 8.5, 1},
        /* Window 20 days: C1's 6-month value (23 days off) drops. */
        {{.window_days = "20"}, 4, 3, 11, 1},
        /* Window 4 days: C1's two 5-day-off values at 3 months drop too. */
        {{.window_days = "4"}, 4, 2, 8.5, 1},
        /* Baseline 29 days: C3's baseline (30 days before) drops. */
        {{.baseline_days = "29"}, 4, 2, 10.5, 1},
        /* Baseline 0 days: only a value on the anchor day (C1's 124). */
        {{.baseline_days = "0"}, 4, 1, 16, 1},
        {{.protocol = "prp-hair", .sex = "male", .age_band = "40_49", .grade = "norwood:III"},
         1,
         1,
         16,
         1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *r = report(state, &cases[i].q);
        json_t *hair = entry(r, "prp-hair");
        assert_non_null(hair);
        double courses = num(hair, "courses", NULL, NULL), n3 = num(hair, "density", "m3", "n"),
               mean3 = num(hair, "density", "m3", "mean"), n6 = num(hair, "density", "m6", "n");
        if (courses != cases[i].courses || n3 != cases[i].m3_n || n6 != cases[i].m6_n ||
            (isnan(cases[i].m3_mean) ? !isnan(mean3) : fabs(mean3 - cases[i].m3_mean) > 0.006))
            fail_msg("case %zu: courses %g n3 %g mean3 %g n6 %g", i, courses, n3, mean3, n6);
        json_decref(r);
    }
}

static void
test_protocol_filter(void **state)
{
    struct cohort_params q = {.protocol = "prp-face"};
    json_t *r = report(state, &q);
    assert_int_equal(json_array_size(json_object_get(r, "protocols")), 1);
    assert_non_null(entry(r, "prp-face"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "filters"), "protocol")), "prp-face");
    json_decref(r);
    struct cohort_params all = {0};
    r = report(state, &all);
    assert_int_equal(json_array_size(json_object_get(r, "protocols")),
                     protocols->courses->nprotocols);
    json_decref(r);
}

static const struct {
    struct cohort_params q;
    const char *field;
} bad_cases[] = {
    {{.protocol = "prp-knee"}, "protocol"},
    {{.age_band = "18-29"}, "age_band"},
    {{.sex = "f"}, "sex"},
    {{.grade = "norwood"}, "grade"},
    {{.grade = "norwood:VIII"}, "grade"},
    {{.grade = "sinclair:6"}, "grade"},
    {{.grade = "glogau:II"}, "grade"},
    {{.grade = ":III"}, "grade"},
    {{.threshold = "-1"}, "threshold"},
    {{.threshold = "1001"}, "threshold"},
    {{.threshold = "ten"}, "threshold"},
    {{.threshold = "nan"}, "threshold"},
    {{.threshold = "14x"}, "threshold"},
    {{.baseline_days = "366"}, "baseline_days"},
    {{.baseline_days = "-1"}, "baseline_days"},
    {{.baseline_days = "1.5"}, "baseline_days"},
    {{.window_days = "61"}, "window_days"},
    {{.window_days = "+3"}, "window_days"},
    {{.from = "2025-02-30"}, "from"},
    {{.to = "yesterday"}, "to"},
    {{.from = "2025-03-01", .to = "2025-02-01"}, "to"},
};

static void
test_invalid_query(void **state)
{
    struct actor a;
    actor_cli(&a);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct fail f;
        json_t *out = NULL;
        char *csv = NULL;
        size_t len = 0;
        fail_clear(&f);
        int st = cohort_report(tdb(state)->db, protocols, &a, &bad_cases[i].q, &out, &f);
        if (st != ST_INVALID || strcmp(f.code, "invalid_query") != 0 ||
            strcmp(f.field, bad_cases[i].field) != 0)
            fail_msg("case %zu: status %d code %s field %s", i, st, f.code, f.field);
        assert_null(out);
        st = cohort_courses_csv(tdb(state)->db, protocols, &a, &bad_cases[i].q, &csv, &len, &f);
        assert_int_equal(st, ST_INVALID);
        assert_null(csv);
        assert_int_equal(len, 0);
    }
    /* Empty values are absent ones, as a form sends them. */
    struct cohort_params empty = {.protocol = "", .sex = "", .threshold = "", .from = ""};
    json_t *r = report(state, &empty);
    assert_int_equal(json_array_size(json_object_get(r, "protocols")),
                     protocols->courses->nprotocols);
    json_decref(r);
}

static void
test_report_csv(void **state)
{
    struct actor a;
    struct fail f;
    char *csv = NULL;
    size_t len = 0;
    actor_cli(&a);
    struct cohort_params q = {.threshold = "14", .protocol = "prp-hair"};
    assert_int_equal(cohort_report_csv(tdb(state)->db, protocols, &a, &q, &csv, &len, &f), ST_OK);
    assert_int_equal(len, strlen(csv));
    const char *want =
        "protocol,label,courses,patients,density_m3_n,density_m3_mean,density_m3_median,"
        "density_m3_sd,density_m3_ci_low,density_m3_ci_high,density_m6_n,density_m6_mean,"
        "density_m6_median,density_m6_sd,density_m6_ci_low,density_m6_ci_high,"
        "responder_threshold,responders_m3_n,responders_m3,responders_m3_share,"
        "responders_m3_ci_low,responders_m3_ci_high,responders_m6_n,responders_m6,"
        "responders_m6_share,responders_m6_ci_low,responders_m6_ci_high,procedures,"
        "adverse_events,serious_events,patients_treated,patients_with_event,"
        "events_per_100_procedures,patient_share\r\n"
        "prp-hair,PRP for hair loss,4,4,3,11,12,5.57,-2.83,24.83,2,27,27,9.9,-61.94,115.94,"
        "14,3,1,0.3333,0.0615,0.7923,2,2,1,0.3424,1,4,3,1,3,2,75,0.6667\r\n";
    const char *label = course_protocols_find(protocols->courses, "prp-hair")->label.en;
    char expect[2048];
    /* The label is the catalogue's; the rest is worked out above. */
    const char *row = strstr(want, "PRP for hair loss");
    snprintf(expect, sizeof(expect), "%.*s%s%s", (int)(row - want), want, label,
             row + strlen("PRP for hair loss"));
    assert_string_equal(csv, expect);
    free(csv);
}

static void
test_courses_csv(void **state)
{
    struct actor a;
    struct fail f;
    char *csv = NULL;
    size_t len = 0;
    actor_cli(&a);
    struct cohort_params q = {0};
    assert_int_equal(cohort_courses_csv(tdb(state)->db, protocols, &a, &q, &csv, &len, &f), ST_OK);
    assert_string_equal(
        csv, "course_id,protocol,age_band,sex,grade,anchor_month,baseline,change_m3,change_m6\r\n"
             "1,prp-hair,40_49,male,norwood:III,2025-01,124,16,34\r\n"
             "2,prp-hair,18_29,female,ludwig:II sinclair:3,2025-03,130,5,\r\n"
             "3,prp-hair,60_plus,male,,2025-08,100,12,20\r\n"
             "5,prp-face,50_59,male,,2025-04,,,\r\n"
             "7,prp-hair,30_39,male,,2025-02,,,\r\n");
    free(csv);

    struct cohort_params female = {.sex = "female", .window_days = "4"};
    assert_int_equal(cohort_courses_csv(tdb(state)->db, protocols, &a, &female, &csv, &len, &f),
                     ST_OK);
    assert_string_equal(
        csv, "course_id,protocol,age_band,sex,grade,anchor_month,baseline,change_m3,change_m6\r\n"
             "2,prp-hair,18_29,female,ludwig:II sinclair:3,2025-03,130,5,\r\n");
    free(csv);
}

/* Ids far apart (records merged from another system) are found by search rather than by a
 * direct table: the same figures plus the new course. */
static void
test_sparse_ids(void **state)
{
    assert_int_equal(
        testdb_exec(
            tdb(state),
            "INSERT INTO patients (id, mrn, version, sort_family, sort_given, date_of_birth, sex,"
            " preferred_language, created_at, updated_at, deleted) VALUES (8, 'M8', 1, 'h', 'h',"
            " '1990-05-05', 'female', 'en', 1, 1, 0);"
            "INSERT INTO screenings (id, patient_id, treatment, session_at, outcome, result,"
            " inputs, rules_sha256, computed_at) VALUES (8, 8, 'prp-hair', 1, 'eligible', '{}',"
            " '{}', 'x', 1);"
            "INSERT INTO courses (id, patient_id, protocol, protocol_json, protocol_sha256,"
            " screening_id, status, start_date, currency, package, discount_minor, version,"
            " created_at, created_by, updated_at, updated_by) VALUES (5000000, 8, 'prp-hair', '{}',"
            " 'x', 8, 'active', '2025-01-01', 'AED', 0, 0, 1, 1, 1, 1, 1);"
            "INSERT INTO course_items (id, course_id, seq, kind, window_before_days,"
            " window_after_days, target_date, earliest_date, latest_date, duration_minutes,"
            " prep_minutes, room_kind, price_minor, status) VALUES (9000000, 5000000, 1,"
            " 'session', 0, 0, '2025-05-05', '2025-05-05', '2025-05-05', 60, 30, 'treatment', 0,"
            " 'done');"
            "INSERT INTO appointments (id, patient_id, kind, course_item_id, start_ms, end_ms,"
            " room_id, clinician_id, status, version, created_at, updated_at) VALUES (7000000, 8,"
            " 'session', 9000000, 1746432000000, 1746435600000, 1, 1, 'done', 1, 1, 1);"
            "INSERT INTO procedures (id, patient_id, appointment_id, treatment, protocol,"
            " screening_id, status, version, started_at, started_by, completed_at, completed_by,"
            " updated_at, updated_by) VALUES (8000000, 8, 7000000, 'prp-hair', 'prp-hair', 8,"
            " 'completed', 1, 1, 1, 2, 1, 2, 1);"
            "INSERT INTO adverse_events (patient_id, procedure_id, type, severity, onset_at,"
            " outcome, version, created_at, created_by, updated_at, updated_by) VALUES (8,"
            " 8000000, 'redness', 'mild', 3, 'ongoing', 1, 3, 1, 3, 1)"),
        0);
    struct cohort_params q = {0};
    json_t *r = report(state, &q);
    json_t *hair = entry(r, "prp-hair");
    near(num(hair, "courses", NULL, NULL), 5);
    near(num(hair, "adverse", "procedures", NULL), 5);
    near(num(hair, "adverse", "events", NULL), 4);
    near(num(hair, "adverse", "patients_with_event", NULL), 3);
    near(num(hair, "density", "m3", "mean"), 11);
    json_decref(r);
    struct cohort_params may = {.from = "2025-05-05", .to = "2025-05-05"};
    r = report(state, &may);
    near(num(entry(r, "prp-hair"), "courses", NULL, NULL), 1);
    json_decref(r);
}

/* A clinic with no courses gives every protocol with zeros and nulls. */
static void
test_empty(void **state)
{
    assert_int_equal(testdb_exec(tdb(state), "DELETE FROM adverse_events; DELETE FROM procedures;"
                                             " DELETE FROM appointments;"
                                             " DELETE FROM course_items"),
                     0);
    struct cohort_params q = {.threshold = "10"};
    json_t *r = report(state, &q);
    json_t *hair = entry(r, "prp-hair");
    near(num(hair, "courses", NULL, NULL), 0);
    near(num(hair, "patients", NULL, NULL), 0);
    near(num(hair, "density", "m3", "n"), 0);
    near(num(hair, "density", "m3", "median"), NAN);
    near(num(hair, "responders", "m3", "responders"), 0);
    near(num(hair, "responders", "m3", "share"), NAN);
    near(num(hair, "responders", "m3", "ci_low"), NAN);
    near(num(hair, "adverse", "patient_share", NULL), NAN);
    json_decref(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unfiltered, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_default_threshold, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_protocol_filter, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_query, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_report_csv, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_courses_csv, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_sparse_ids, setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
