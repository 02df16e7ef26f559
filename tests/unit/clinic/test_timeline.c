/* Unit tests of src/clinic/timeline.c: the anchor and window rules on their edges (month ends,
 * ties, no baseline), and a timeline built from a test database: the series, the baseline and
 * band over it, voided values left out, milestones from the anchor, and a missing baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cairo.h>
#include <jansson.h>

#include "clinic/audit.h"
#include "clinic/course.h"
#include "clinic/patient.h"
#include "clinic/photo.h"
#include "clinic/role.h"
#include "clinic/timeline.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testdb.h"

static struct protocols *protocols;

/* ---- the rules ---- */

static void
test_anchor(void **state)
{
    char a[11];
    (void)state;
    struct timeline_session s[] = {
        {"done", "2026-03-09"}, {"done", "2026-03-02"}, {"planned", "2026-04-01"}};
    assert_int_equal(timeline_anchor(s, 3, a), TIMELINE_ANCHOR_DONE);
    assert_string_equal(a, "2026-03-02");

    /* Nothing done: the first session that is not cancelled, as booked or planned. */
    struct timeline_session p[] = {
        {"cancelled", "2026-01-05"}, {"booked", "2026-02-10"}, {"planned", "2026-03-10"}};
    assert_int_equal(timeline_anchor(p, 3, a), TIMELINE_ANCHOR_PLANNED);
    assert_string_equal(a, "2026-02-10");

    struct timeline_session c[] = {{"cancelled", "2026-01-05"}};
    assert_int_equal(timeline_anchor(c, 1, a), TIMELINE_ANCHOR_NONE);
    assert_string_equal(a, "");
    assert_int_equal(timeline_anchor(NULL, 0, a), TIMELINE_ANCHOR_NONE);
}

static void
test_baseline(void **state)
{
    (void)state;
    struct timeline_value v[] = {
        {1, "2025-11-01", 100}, /* 91 days before: outside 90 */
        {2, "2025-11-02", 110}, /* exactly 90 days before */
        {3, "2026-01-31", 120}, /* on the anchor */
        {4, "2026-02-01", 130}, /* after: never a baseline */
    };
    assert_int_equal(timeline_baseline(v, 4, "2026-01-31", 90), 2);
    assert_int_equal(timeline_baseline(v, 2, "2026-01-31", 90), 1);
    assert_int_equal(timeline_baseline(v, 1, "2026-01-31", 90), -1);
    assert_int_equal(timeline_baseline(v, 4, "2026-01-30", 90), 1);
    assert_int_equal(timeline_baseline(v, 4, "not a date", 90), -1);
    /* Two on the same day: the later entry. */
    struct timeline_value t[] = {{9, "2026-01-20", 1}, {7, "2026-01-20", 2}};
    assert_int_equal(timeline_baseline(t, 2, "2026-01-31", 90), 0);
}

static void
test_value_at(void **state)
{
    (void)state;
    /* 31 January + 1 month is 28 February (29 in a leap year). */
    struct timeline_value v[] = {
        {5, "2026-03-01", 1}, /* 1 day after 28 Feb */
        {4, "2026-02-27", 2}, /* 1 day before: the earlier date wins the tie */
    };
    assert_int_equal(timeline_value_at(v, 2, "2026-01-31", 1, 30), 1);
    struct timeline_value leap[] = {{1, "2028-02-29", 1}, {2, "2028-02-28", 2}};
    assert_int_equal(timeline_value_at(leap, 2, "2028-01-31", 1, 30), 0);
    /* Same date twice: the lower id. */
    struct timeline_value same[] = {{8, "2026-07-02", 1}, {6, "2026-07-02", 2}};
    assert_int_equal(timeline_value_at(same, 2, "2026-01-02", 6, 30), 1);
    /* The window's edge counts; one day beyond it does not. */
    struct timeline_value edge[] = {{1, "2026-08-01", 1}, {2, "2026-05-02", 2}};
    assert_int_equal(timeline_value_at(edge, 2, "2026-01-02", 6, 30), 0);
    assert_int_equal(timeline_value_at(edge, 1, "2026-01-02", 6, 29), -1);
    /* The closest wins over an earlier one. */
    struct timeline_value near[] = {{1, "2026-06-20", 1}, {2, "2026-07-03", 2}};
    assert_int_equal(timeline_value_at(near, 2, "2026-01-02", 6, 30), 1);
    assert_int_equal(timeline_value_at(near, 2, "bad", 6, 30), -1);
}

static void
test_months(void **state)
{
    double m;
    (void)state;
    assert_int_equal(timeline_months("2026-01-15", "2026-04-30", &m), ST_OK);
    assert_true(m > 3.49 && m < 3.51);
    assert_int_equal(timeline_months("2026-01-31", "2026-02-28", &m), ST_OK);
    assert_true(m == 1.0);
    assert_int_equal(timeline_months("2026-03-02", "2026-03-02", &m), ST_OK);
    assert_true(m == 0.0);
    assert_int_equal(timeline_months("2026-03-02", "2026-02-02", &m), ST_OK);
    assert_true(m == -1.0);
    assert_int_equal(timeline_months("2026-03-02", "2026-02-16", &m), ST_OK);
    assert_true(m < -0.4 && m > -0.6);
    assert_int_equal(timeline_months("2026-03-02", "2026-13-01", &m), ST_INVALID);
}

/* ---- a timeline from the store ---- */

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

static void exec(struct testdb *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
exec(struct testdb *t, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (testdb_exec(t, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

/* A patient with a prp-hair course whose three sessions were done on 2 March, 1 April and
 * 4 May 2026 (as a migration of old records would store them), by user 1. */
static int64_t
hair_course(struct testdb *t, int64_t *patient)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    exec(t,
         "INSERT INTO users (id, username, display_name, password_hash, roles, created_at)"
         " VALUES (1, 'doctor1', 'Sample Doctor', 'x', %u, 0)",
         (unsigned)ROLE_DOCTOR);
    p.given_name = strdup("Sample");
    p.family_name = strdup("Testpatient");
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-06-15");
    snprintf(p.sex, sizeof(p.sex), "male");
    snprintf(p.preferred_language, sizeof(p.preferred_language), "ar");
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(patient_insert_tx(t->db, &a, &p, time_now_ms()), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    *patient = p.id;
    db_patient_release(&p);
    const struct course_protocol *cp = course_protocols_find(protocols->courses, "prp-hair");
    exec(t,
         "INSERT INTO screenings (id, patient_id, treatment, session_at, outcome, result, inputs,"
         " rules_sha256, computed_at, computed_by) VALUES (1, %lld, 'prp-hair', 0, 'eligible',"
         " '{}', '{}', '%064d', 0, 1)",
         (long long)*patient, 0);
    struct db_course c;
    memset(&c, 0, sizeof(c));
    c.patient_id = *patient;
    snprintf(c.protocol, sizeof(c.protocol), "prp-hair");
    c.protocol_json = cp->text;
    memcpy(c.protocol_sha256, cp->sha256, sizeof(c.protocol_sha256));
    c.screening_id = 1;
    snprintf(c.status, sizeof(c.status), "active");
    snprintf(c.start_date, sizeof(c.start_date), "2026-03-02");
    snprintf(c.currency, sizeof(c.currency), "AED");
    c.version = 1;
    c.created_by = c.updated_by = 1;
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(db_course_insert(t->db, &c), ST_OK);
    static const char *const days[] = {"2026-03-02", "2026-04-01", "2026-05-04"};
    for (int i = 0; i < 3; i++) {
        struct db_course_item it;
        memset(&it, 0, sizeof(it));
        it.course_id = c.id;
        it.seq = i + 1;
        snprintf(it.kind, sizeof(it.kind), "session");
        snprintf(it.target_date, sizeof(it.target_date), "%s", days[i]);
        memcpy(it.earliest_date, it.target_date, sizeof(it.target_date));
        memcpy(it.latest_date, it.target_date, sizeof(it.target_date));
        it.duration_minutes = 60;
        snprintf(it.room_kind, sizeof(it.room_kind), "treatment");
        snprintf(it.status, sizeof(it.status), "done");
        it.anchor_seq = i;
        assert_int_equal(db_course_item_insert(t->db, &it), ST_OK);
    }
    assert_int_equal(db_commit(t->db), ST_OK);
    return c.id;
}

/* A set of one value on `date`; returns the measurement id. */
static int64_t
measure(struct testdb *t, int64_t patient, const char *date, const char *code, const char *num,
        const char *grade)
{
    exec(t,
         "INSERT INTO measurement_sets (patient_id, date, method, measured_by, source, created_at,"
         " created_by) VALUES (%lld, '%s', 'phototrichogram', 1, 'manual', 0, 1);"
         "INSERT INTO measurements (set_id, patient_id, date, measure, value_num, value_code,"
         " version, updated_at, updated_by) VALUES (last_insert_rowid(), %lld, '%s', '%s', %s,"
         " %s, 1, 0, 1)",
         (long long)patient, date, (long long)patient, date, code, num ? num : "NULL",
         grade ? grade : "NULL");
    return testdb_int(t, "SELECT max(id) FROM measurements");
}

static json_t *
series_of(json_t *tl, const char *code)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(tl, "series"), i, s)
    {
        if (!strcmp(json_string_value(json_object_get(s, "measure")), code))
            return s;
    }
    return NULL;
}

static void
test_timeline_hair(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    json_t *tl = NULL;
    int64_t patient;

    int64_t course = hair_course(t, &patient);
    measure(t, patient, "2026-02-20", "hair_density", "120.5", NULL);
    int64_t voided = measure(t, patient, "2026-03-01", "hair_density", "90", NULL);
    exec(t,
         "UPDATE measurements SET voided_at = 1, voided_by = 1, void_reason = 'typed wrong'"
         " WHERE id = %lld",
         (long long)voided);
    measure(t, patient, "2026-06-03", "hair_density", "131", NULL);
    int64_t m6 = measure(t, patient, "2026-09-01", "hair_density", "141.5", NULL);
    measure(t, patient, "2026-02-20", "norwood", NULL, "'IV'");
    measure(t, patient, "2026-09-01", "norwood", NULL, "'III'");
    measure(t, patient, "2026-09-01", "shaft_diameter", "62", NULL);

    fail_clear(&f);
    assert_int_equal(timeline_build_in_tx(t->db, protocols, patient, 0, &tl, &f), ST_OK);
    json_t *c = json_object_get(tl, "course");
    assert_int_equal(json_integer_value(json_object_get(c, "id")), course);
    assert_string_equal(json_string_value(json_object_get(c, "anchor")), "2026-03-02");
    assert_string_equal(json_string_value(json_object_get(c, "anchor_kind")), "done");
    assert_int_equal(json_array_size(json_object_get(c, "sessions")), 3);
    /* Milestones of prp-hair: 3 and 6 months after the first session. */
    json_t *ms = json_object_get(c, "milestones");
    assert_int_equal(json_array_size(ms), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "date")),
                        "2026-06-02");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 1), "date")),
                        "2026-09-02");
    assert_true(json_array_size(json_object_get(c, "notes")) >= 1);

    /* Series in measures.json order: density, diameter, Norwood. */
    json_t *series = json_object_get(tl, "series");
    assert_int_equal(json_array_size(series), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(series, 0), "measure")),
                        "hair_density");
    json_t *d = series_of(tl, "hair_density");
    json_t *pts = json_object_get(d, "points");
    assert_int_equal(json_array_size(pts), 3); /* the voided value is left out */
    json_t *last = json_array_get(pts, 2);
    assert_int_equal(json_integer_value(json_object_get(last, "measurement_id")), m6);
    assert_true(json_real_value(json_object_get(last, "months")) > 5.9);
    json_t *base = json_object_get(d, "baseline");
    assert_string_equal(json_string_value(json_object_get(base, "date")), "2026-02-20");
    assert_true(json_number_value(json_object_get(base, "value")) == 120.5);
    /* The band: +14 to +28 over the baseline, from 3 to 6 months after the anchor. */
    json_t *band = json_object_get(d, "band");
    assert_true(json_is_object(band));
    assert_string_equal(json_string_value(json_object_get(band, "from")), "2026-06-02");
    assert_string_equal(json_string_value(json_object_get(band, "to")), "2026-09-02");
    assert_true(json_number_value(json_object_get(band, "low")) == 134.5);
    assert_true(json_number_value(json_object_get(band, "high")) == 148.5);
    assert_int_equal(json_array_size(json_object_get(band, "sources")), 2);
    assert_true(json_is_null(json_object_get(d, "band_missing")));
    /* No band for a measure the protocol expects nothing of; codes as strings. */
    json_t *nw = series_of(tl, "norwood");
    assert_true(json_is_null(json_object_get(nw, "band")));
    assert_true(json_is_null(json_object_get(nw, "band_missing")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(nw, "points"), 1), "value")),
                        "III");
    assert_true(json_array_size(json_object_get(nw, "codes")) > 5);
    json_decref(tl);

    /* Without a baseline within 90 days the band is not drawn, and the timeline says why. */
    exec(t, "UPDATE measurements SET date = '2025-11-01' WHERE date = '2026-02-20'");
    assert_int_equal(timeline_build_in_tx(t->db, protocols, patient, course, &tl, &f), ST_OK);
    d = series_of(tl, "hair_density");
    assert_true(json_is_null(json_object_get(d, "band")));
    assert_true(json_is_null(json_object_get(d, "baseline")));
    assert_string_equal(json_string_value(json_object_get(d, "band_missing")), "no_baseline");
    json_decref(tl);

    /* Another patient's course is not this patient's. */
    assert_int_equal(timeline_build_in_tx(t->db, protocols, patient, course + 1, &tl, &f),
                     ST_NOT_FOUND);
    assert_null(tl);
}

static void
test_timeline_without_course(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    json_t *tl = NULL;
    int64_t patient;

    int64_t course = hair_course(t, &patient);
    exec(t, "UPDATE courses SET status = 'cancelled' WHERE id = %lld", (long long)course);
    measure(t, patient, "2026-02-20", "satisfaction", "7", NULL);
    fail_clear(&f);
    assert_int_equal(timeline_build_in_tx(t->db, protocols, patient, 0, &tl, &f), ST_OK);
    assert_true(json_is_null(json_object_get(tl, "course")));
    assert_int_equal(json_array_size(json_object_get(tl, "courses")), 1);
    json_t *s = series_of(tl, "satisfaction");
    assert_true(
        json_is_integer(json_object_get(json_array_get(json_object_get(s, "points"), 0), "value")));
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(s, "points"), 0), "months")));
    json_decref(tl);

    /* A deleted patient has no timeline. */
    exec(t, "UPDATE patients SET deleted = 1");
    assert_int_equal(timeline_build_in_tx(t->db, protocols, patient, 0, &tl, &f), ST_NOT_FOUND);
}

struct png {
    unsigned char *data;
    size_t n;
};

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct png *p = closure;
    unsigned char *grown = realloc(p->data, p->n + length);
    if (!grown)
        return CAIRO_STATUS_NO_MEMORY;
    memcpy(grown + p->n, data, length);
    p->data = grown;
    p->n += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Uploads a small PNG of one shade as a photo of `view` on `date`; returns its id. */
static int64_t
photo(struct testdb *t, int64_t patient, const char *view, const char *date, double shade)
{
    struct png p = {NULL, 0};
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    memset(&a, 0, sizeof(a));
    a.user_id = 1;
    a.roles = ROLE_DOCTOR;
    snprintf(a.username, sizeof(a.username), "doctor1");
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 40, 30);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, shade, shade / 2, shade / 3);
    cairo_paint(cr);
    cairo_destroy(cr);
    assert_int_equal(cairo_surface_write_to_png_stream(s, png_write, &p), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    fail_clear(&f);
    int st = photo_create(t->db, &a, patient, view, date, 0, "scalp.png", p.data, p.n, "image/png",
                          &out, &f);
    if (st != ST_OK)
        fail_msg("photo_create: %s", f.message);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    free(p.data);
    return id;
}

/* The report's photographs: the first and the latest of each view with two or more, voided ones
 * left out; the patient's language unless another is asked for. */
static void
test_report_gather(void **state)
{
    struct testdb *t = *state;
    struct timeline_report r;
    struct actor a;
    struct fail f;
    int64_t patient;

    hair_course(t, &patient);
    measure(t, patient, "2026-02-20", "hair_density", "120.5", NULL);
    int64_t top1 = photo(t, patient, "hair_top", "2026-02-20", 0.9);
    photo(t, patient, "hair_top", "2026-06-03", 0.7);
    int64_t top3 = photo(t, patient, "hair_top", "2026-09-01", 0.5);
    int64_t gone = photo(t, patient, "hair_top", "2026-09-20", 0.3);
    exec(t,
         "UPDATE photos SET voided_at = 1, voided_by = 1, void_reason = 'wrong patient'"
         " WHERE id = %lld",
         (long long)gone);
    photo(t, patient, "hair_crown", "2026-02-20", 0.2); /* one alone: no pair */

    actor_cli(&a);
    fail_clear(&f);
    assert_int_equal(timeline_report_gather(t->db, protocols, &a, patient, 0, NULL, true, &r, &f),
                     ST_OK);
    assert_string_equal(r.lang, "ar");
    assert_non_null(json_object_get(r.timeline, "series"));
    assert_int_equal(r.npairs, 1);
    assert_string_equal(r.pairs[0].view, "hair_top");
    assert_int_equal(r.pairs[0].first.id, top1);
    assert_string_equal(r.pairs[0].first.date, "2026-02-20");
    assert_int_equal(r.pairs[0].latest.id, top3);
    assert_memory_equal(r.pairs[0].latest.bytes, "\x89PNG", 4);
    assert_string_equal(r.pairs[0].label_en, "Hair: top");
    timeline_report_release(&r);

    /* Without photo.read the pictures stay out; English when asked. */
    assert_int_equal(timeline_report_gather(t->db, protocols, &a, patient, 0, "en", false, &r, &f),
                     ST_OK);
    assert_string_equal(r.lang, "en");
    assert_int_equal(r.npairs, 0);
    timeline_report_release(&r);
    assert_int_equal(timeline_report_gather(t->db, protocols, &a, patient, 0, "fr", false, &r, &f),
                     ST_INVALID);
    assert_string_equal(f.field, "lang");
    assert_int_equal(
        timeline_report_gather(t->db, protocols, &a, patient + 1, 0, NULL, true, &r, &f),
        ST_NOT_FOUND);
    timeline_report_release(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchor),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_value_at),
        cmocka_unit_test(test_months),
        cmocka_unit_test_setup_teardown(test_timeline_hair, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_timeline_without_course, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_report_gather, testdb_test_setup,
                                        testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
