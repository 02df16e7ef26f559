/* Unit tests of the clinical records of the store (sqlite_assessment.c, sqlite_history.c,
 * sqlite_labs.c, sqlite_screening.c) against a real, freshly migrated SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/db.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STOPPED 42 /* what a collecting callback returns to stop a list early */

/* ---- fixture: two staff users and two patients, all invented ---- */

struct fixture {
    int64_t doctor, nurse;
    int64_t p1, p2;
};

static int64_t
add_user(struct testdb *t, const char *name, const char *display, unsigned roles)
{
    struct db_user u = {.roles = roles, .created_ms = 1700000000000};

    snprintf(u.username, sizeof(u.username), "%s", name);
    u.display_name = (char *)display;
    snprintf(u.password_hash, sizeof(u.password_hash), "hash-of-%s", name);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    return u.id;
}

static int64_t
add_patient(struct testdb *t, const char *mrn, const char *given, const char *family)
{
    struct db_patient p = {.version = 1, .created_ms = 1000, .updated_ms = 1000};
    struct db_patient_keys k = {given, family, given};

    snprintf(p.mrn, sizeof(p.mrn), "%s", mrn);
    p.given_name = (char *)given;
    p.family_name = (char *)family;
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-03-14");
    snprintf(p.sex, sizeof(p.sex), "female");
    snprintf(p.preferred_language, sizeof(p.preferred_language), "en");
    assert_int_equal(db_patient_insert(t->db, &p, &k), ST_OK);
    return p.id;
}

static void
seed(struct testdb *t, struct fixture *fx)
{
    assert_int_equal(db_begin_write(t->db), ST_OK);
    fx->doctor = add_user(t, "doctor1", "Demo Doctor", 2);
    fx->nurse = add_user(t, "nurse1", "Demo Nurse", 4);
    fx->p1 = add_patient(t, "10000013", "Sara", "Haddad");
    fx->p2 = add_patient(t, "10000024", "Omar", "Khoury");
    assert_int_equal(db_commit(t->db), ST_OK);
}

/* Ids (or versions) in the order a list gave them; stops with STOPPED after `stop_after`. */
struct seen {
    int64_t ids[16];
    int n;
    int stop_after;
};

static int
seen_add(struct seen *c, int64_t id)
{
    if (c->n < (int)N(c->ids))
        c->ids[c->n] = id;
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? STOPPED : 0;
}

static void
assert_seen(const struct seen *c, const int64_t *want, int n)
{
    assert_int_equal(c->n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(c->ids[i], want[i]);
}

/* ---- assessments ---- */

static void
make_assessment(struct db_assessment *a, int64_t patient, const char *date, const char *complaint,
                const char *data, int64_t by)
{
    memset(a, 0, sizeof(*a));
    a->patient_id = patient;
    a->version = 1;
    snprintf(a->visit_date, sizeof(a->visit_date), "%s", date);
    snprintf(a->complaint, sizeof(a->complaint), "%s", complaint);
    a->data = (char *)data;
    a->created_ms = 5000;
    a->created_by = by;
    a->updated_ms = 5000;
    a->updated_by = by;
}

static void
test_assessment_insert_get_update(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_assessment a, got;

    seed(t, &fx);
    make_assessment(&a, fx.p1, "2026-03-01", "hair", "{\"norwood\":3}", fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &a), ST_OK);
    assert_true(a.id > 0);
    int64_t first = a.id;

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_assessment_get(t->db, a.id, &got), ST_OK);
    assert_int_equal(got.id, a.id);
    assert_int_equal(got.patient_id, fx.p1);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.visit_date, "2026-03-01");
    assert_string_equal(got.complaint, "hair");
    assert_string_equal(got.data, "{\"norwood\":3}");
    assert_int_equal(got.created_ms, 5000);
    assert_int_equal(got.created_by, fx.doctor);
    assert_int_equal(got.updated_ms, 5000);
    assert_int_equal(got.updated_by, fx.doctor);
    db_assessment_release(&got);
    assert_null(got.data);
    assert_int_equal(got.id, 0);
    db_assessment_release(NULL);

    /* Every field the update names changes; who created it and when does not. */
    a.version = 2;
    snprintf(a.visit_date, sizeof(a.visit_date), "2026-03-02");
    snprintf(a.complaint, sizeof(a.complaint), "face");
    a.data = "{\"texture\":\"fine\"}";
    a.created_ms = 1;
    a.created_by = fx.nurse;
    a.updated_ms = 6000;
    a.updated_by = 0; /* the command line: stored as NULL, read as 0 */
    assert_int_equal(db_assessment_update(t->db, &a), ST_OK);
    assert_int_equal(db_assessment_get(t->db, a.id, &got), ST_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.visit_date, "2026-03-02");
    assert_string_equal(got.complaint, "face");
    assert_string_equal(got.data, "{\"texture\":\"fine\"}");
    assert_int_equal(got.created_ms, 5000);
    assert_int_equal(got.created_by, fx.doctor);
    assert_int_equal(got.updated_ms, 6000);
    assert_int_equal(got.updated_by, 0);
    db_assessment_release(&got);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM assessments WHERE updated_by IS NULL"), 1);

    /* Absent records. */
    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_assessment_get(t->db, a.id + 100, &got), ST_NOT_FOUND);
    assert_null(got.data);
    assert_int_equal(got.id, 0);
    a.id += 100;
    assert_int_equal(db_assessment_update(t->db, &a), ST_NOT_FOUND);
    a.id -= 100;

    /* A fixed field without its terminator is refused, not cut or read past. */
    make_assessment(&a, fx.p1, "2026-03-01", "hair", "{}", fx.doctor);
    memset(a.complaint, 'h', sizeof(a.complaint));
    assert_int_equal(db_assessment_insert(t->db, &a), ST_INVALID);
    make_assessment(&a, fx.p1, "2026-03-01", "hair", "{}", fx.doctor);
    memset(a.visit_date, '2', sizeof(a.visit_date));
    assert_int_equal(db_assessment_insert(t->db, &a), ST_INVALID);
    a.id = first;
    assert_int_equal(db_assessment_update(t->db, &a), ST_INVALID);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM assessments"), 1);

    /* The schema's rules: a known complaint, an existing patient, a document. */
    make_assessment(&a, fx.p1, "2026-03-01", "nose", "{}", fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &a), ST_CONFLICT);
    make_assessment(&a, fx.p2 + 100, "2026-03-01", "hair", "{}", fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &a), ST_CONFLICT);
    make_assessment(&a, fx.p1, "2026-03-01", "hair", NULL, fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &a), ST_CONFLICT);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM assessments"), 1);
}

static int
collect_assessment(void *ctx, const struct db_assessment *a)
{
    assert_non_null(a->data);
    return seen_add(ctx, a->id);
}

static void
test_assessment_list_latest(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_assessment a, got;
    static const struct {
        int p; /* 1 or 2 */
        const char *date, *complaint;
    } rows[] = {
        {1, "2026-01-10", "hair"}, {1, "2026-02-20", "face"}, {1, "2026-02-20", "hair"},
        {2, "2026-05-01", "hair"}, {1, "2025-12-31", "hair"}, {1, "2026-02-20", "hair"},
        {1, "2026-04-01", "hair"},
    };
    int64_t id[N(rows)];

    seed(t, &fx);
    for (size_t i = 0; i < N(rows); i++) {
        make_assessment(&a, rows[i].p == 1 ? fx.p1 : fx.p2, rows[i].date, rows[i].complaint, "{}",
                        fx.nurse);
        assert_int_equal(db_assessment_insert(t->db, &a), ST_OK);
        id[i] = a.id;
    }

    /* Newest visit first; on the same day the newer record (higher id) first. */
    struct seen c = {0};
    assert_int_equal(db_assessment_list(t->db, fx.p1, collect_assessment, &c), ST_OK);
    int64_t want[] = {id[6], id[5], id[2], id[1], id[0], id[4]};
    assert_seen(&c, want, N(want));

    c = (struct seen){.stop_after = 2};
    assert_int_equal(db_assessment_list(t->db, fx.p1, collect_assessment, &c), STOPPED);
    assert_seen(&c, want, 2);

    c = (struct seen){0};
    assert_int_equal(db_assessment_list(t->db, fx.p2 + 100, collect_assessment, &c), ST_OK);
    assert_int_equal(c.n, 0);

    /* The newest of a complaint on or before a day: the bound is inclusive, ties go to the
     * newer record, the other complaint and the other patient do not count. */
    static const struct {
        const char *complaint, *bound;
        int want; /* index into rows, -1 for none */
    } cases[] = {
        {"hair", "2026-12-31", 6},  {"hair", "2026-04-01", 6}, {"hair", "2026-03-31", 5},
        {"hair", "2026-02-20", 5},  {"hair", "2026-02-19", 0}, {"hair", "2026-01-09", 4},
        {"hair", "2025-12-30", -1}, {"face", "2026-12-31", 1}, {"face", "2026-02-19", -1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        memset(&got, 0x5a, sizeof(got));
        int st = db_assessment_latest(t->db, fx.p1, cases[i].complaint, cases[i].bound, &got);
        if (cases[i].want < 0) {
            assert_int_equal(st, ST_NOT_FOUND);
            assert_int_equal(got.id, 0);
            assert_null(got.data);
            continue;
        }
        assert_int_equal(st, ST_OK);
        assert_int_equal(got.id, id[cases[i].want]);
        assert_string_equal(got.visit_date, rows[cases[i].want].date);
        assert_string_equal(got.complaint, cases[i].complaint);
        db_assessment_release(&got);
    }
    assert_int_equal(db_assessment_latest(t->db, fx.p2, "face", "2026-12-31", &got), ST_NOT_FOUND);
    assert_int_equal(db_assessment_latest(t->db, fx.p2, "hair", "2026-12-31", &got), ST_OK);
    assert_int_equal(got.id, id[3]);
    db_assessment_release(&got);
}

/* ---- versions of documents (assessments and histories) ---- */

struct doc_versions {
    int64_t record[8], version[8], user[8], at[8];
    char changes[8][64], snapshot[8][64], username[8][40], display[8][40];
    int n;
    int stop_after;
};

static int
collect_doc_version(void *ctx, const struct db_doc_version *v)
{
    struct doc_versions *c = ctx;

    if (c->n < 8) {
        c->record[c->n] = v->record_id;
        c->version[c->n] = v->version;
        c->user[c->n] = v->user_id;
        c->at[c->n] = v->at_ms;
        snprintf(c->changes[c->n], sizeof(c->changes[0]), "%s", v->changes_json);
        snprintf(c->snapshot[c->n], sizeof(c->snapshot[0]), "%s", v->snapshot_json);
        snprintf(c->username[c->n], sizeof(c->username[0]), "%s",
                 v->username ? v->username : "(none)");
        snprintf(c->display[c->n], sizeof(c->display[0]), "%s",
                 v->display_name ? v->display_name : "(none)");
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? STOPPED : 0;
}

typedef int (*version_insert_fn)(struct db *db, const struct db_doc_version *v);
typedef int (*version_list_fn)(struct db *db, int64_t id, db_doc_version_cb cb, void *ctx);

/* The same checks for both kinds of versioned document: `record` is the assessment or the
 * patient the versions belong to, `other` a record with none. */
static void
check_doc_versions(struct testdb *t, const struct fixture *fx, version_insert_fn insert,
                   version_list_fn list, int64_t record, int64_t other)
{
    struct doc_versions c = {0};
    struct db_doc_version v = {.record_id = record,
                               .version = 1,
                               .user_id = 0,
                               .at_ms = 1000,
                               .changes_json = "{}",
                               .snapshot_json = "{\"v\":1}"};

    assert_int_equal(insert(t->db, &v), ST_OK);
    v.version = 3;
    v.user_id = fx->doctor;
    v.at_ms = 3000;
    v.changes_json = "{\"a\":{\"from\":2,\"to\":3}}";
    v.snapshot_json = "{\"v\":3}";
    assert_int_equal(insert(t->db, &v), ST_OK);
    v.version = 2;
    v.user_id = fx->nurse;
    v.at_ms = 2000;
    v.changes_json = "{\"a\":{\"from\":1,\"to\":2}}";
    v.snapshot_json = "{\"v\":2}";
    assert_int_equal(insert(t->db, &v), ST_OK);
    /* One row per version. */
    assert_int_equal(insert(t->db, &v), ST_CONFLICT);

    assert_int_equal(list(t->db, record, collect_doc_version, &c), ST_OK);
    assert_int_equal(c.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(c.record[i], record);
        assert_int_equal(c.version[i], 3 - i);
        assert_int_equal(c.at[i], (3 - i) * 1000);
    }
    assert_int_equal(c.user[0], fx->doctor);
    assert_string_equal(c.username[0], "doctor1");
    assert_string_equal(c.display[0], "Demo Doctor");
    assert_string_equal(c.changes[0], "{\"a\":{\"from\":2,\"to\":3}}");
    assert_string_equal(c.snapshot[0], "{\"v\":3}");
    assert_int_equal(c.user[1], fx->nurse);
    assert_string_equal(c.username[1], "nurse1");
    assert_string_equal(c.display[1], "Demo Nurse");
    assert_int_equal(c.user[2], 0);
    assert_string_equal(c.username[2], "(none)");
    assert_string_equal(c.display[2], "(none)");
    assert_string_equal(c.changes[2], "{}");

    c = (struct doc_versions){.stop_after = 1};
    assert_int_equal(list(t->db, record, collect_doc_version, &c), STOPPED);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.version[0], 3);

    c = (struct doc_versions){0};
    assert_int_equal(list(t->db, other, collect_doc_version, &c), ST_OK);
    assert_int_equal(c.n, 0);
}

static void
test_assessment_versions(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_assessment a, b;

    seed(t, &fx);
    make_assessment(&a, fx.p1, "2026-03-01", "hair", "{}", fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &a), ST_OK);
    make_assessment(&b, fx.p1, "2026-03-02", "face", "{}", fx.doctor);
    assert_int_equal(db_assessment_insert(t->db, &b), ST_OK);
    check_doc_versions(t, &fx, db_assessment_version_insert, db_assessment_versions, a.id, b.id);

    /* A version of an assessment that does not exist is refused. */
    struct db_doc_version v = {.record_id = b.id + 100,
                               .version = 1,
                               .at_ms = 1,
                               .changes_json = "{}",
                               .snapshot_json = "{}"};
    assert_int_equal(db_assessment_version_insert(t->db, &v), ST_CONFLICT);
}

/* ---- medical history ---- */

static void
test_history(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_history h, got;

    seed(t, &fx);
    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_history_get(t->db, fx.p1, &got), ST_NOT_FOUND);
    assert_null(got.data);
    assert_int_equal(got.version, 0);

    h = (struct db_history){.patient_id = fx.p1,
                            .version = 1,
                            .data = "{\"allergies\":[]}",
                            .updated_ms = 7000,
                            .updated_by = fx.nurse};
    assert_int_equal(db_history_put(t->db, &h), ST_OK);
    assert_int_equal(db_history_get(t->db, fx.p1, &got), ST_OK);
    assert_int_equal(got.patient_id, fx.p1);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.data, "{\"allergies\":[]}");
    assert_int_equal(got.updated_ms, 7000);
    assert_int_equal(got.updated_by, fx.nurse);
    db_history_release(&got);
    assert_null(got.data);
    assert_int_equal(got.patient_id, 0);
    db_history_release(NULL);

    /* A second put overwrites the one row of the patient. */
    h.version = 2;
    h.data = "{\"allergies\":[\"latex\"]}";
    h.updated_ms = 8000;
    h.updated_by = 0;
    assert_int_equal(db_history_put(t->db, &h), ST_OK);
    assert_int_equal(db_history_get(t->db, fx.p1, &got), ST_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.data, "{\"allergies\":[\"latex\"]}");
    assert_int_equal(got.updated_ms, 8000);
    assert_int_equal(got.updated_by, 0);
    db_history_release(&got);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM medical_histories"), 1);
    assert_int_equal(testdb_int(t, "SELECT updated_by IS NULL FROM medical_histories"), 1);
    assert_int_equal(db_history_get(t->db, fx.p2, &got), ST_NOT_FOUND);

    /* No history for a patient that does not exist, nor one without a document. */
    h.patient_id = fx.p2 + 100;
    assert_int_equal(db_history_put(t->db, &h), ST_CONFLICT);
    h.patient_id = fx.p2;
    h.data = NULL;
    assert_int_equal(db_history_put(t->db, &h), ST_CONFLICT);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM medical_histories"), 1);

    check_doc_versions(t, &fx, db_history_version_insert, db_history_versions, fx.p1, fx.p2);
}

/* ---- lab results ---- */

static void
make_lab(struct db_lab *l, int64_t patient, const char *analyte, int64_t measured, double value,
         int64_t by)
{
    memset(l, 0, sizeof(*l));
    l->patient_id = patient;
    snprintf(l->analyte, sizeof(l->analyte), "%s", analyte);
    l->measured_ms = measured;
    l->value = value;
    snprintf(l->unit, sizeof(l->unit), "g/dL");
    l->canonical_value = value * 10;
    snprintf(l->canonical_unit, sizeof(l->canonical_unit), "g/L");
    snprintf(l->source, sizeof(l->source), "manual");
    l->entered_ms = measured + 1;
    l->entered_by = by;
}

static void
test_lab_insert_get(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_lab l, got;

    seed(t, &fx);
    make_lab(&l, fx.p1, "hemoglobin", 86400000, 13.5, fx.nurse);
    l.date_only = true;
    l.has_low = l.has_high = true;
    l.reference_low = 12.0;
    l.reference_high = 15.5;
    assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
    assert_true(l.id > 0);

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_lab_get(t->db, l.id, &got), ST_OK);
    assert_int_equal(got.id, l.id);
    assert_int_equal(got.patient_id, fx.p1);
    assert_string_equal(got.analyte, "hemoglobin");
    assert_int_equal(got.measured_ms, 86400000);
    assert_true(got.date_only);
    assert_true(got.value == 13.5);
    assert_string_equal(got.unit, "g/dL");
    assert_true(got.canonical_value == 135.0);
    assert_string_equal(got.canonical_unit, "g/L");
    assert_true(got.has_low);
    assert_true(got.has_high);
    assert_true(got.reference_low == 12.0);
    assert_true(got.reference_high == 15.5);
    assert_string_equal(got.source, "manual");
    assert_int_equal(got.import_id, 0);
    assert_int_equal(got.entered_ms, 86400001);
    assert_int_equal(got.entered_by, fx.nurse);
    assert_string_equal(got.entered_by_name, "nurse1");
    assert_false(got.deleted);
    assert_int_equal(got.deleted_ms, 0);
    assert_int_equal(got.deleted_by, 0);
    assert_null(got.delete_reason);
    db_lab_release(&got);
    assert_int_equal(got.id, 0);
    db_lab_release(NULL);

    /* Absent reference bounds stay absent (not 0), one or both; no user reads as 0 and "". */
    static const struct {
        bool low, high;
    } bounds[] = {{true, false}, {false, true}, {false, false}};
    for (size_t i = 0; i < N(bounds); i++) {
        make_lab(&l, fx.p1, "ferritin", 1000, 40, 0);
        l.has_low = bounds[i].low;
        l.has_high = bounds[i].high;
        l.reference_low = 15; /* ignored unless has_low */
        l.reference_high = 150;
        assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
        assert_int_equal(db_lab_get(t->db, l.id, &got), ST_OK);
        assert_int_equal(got.has_low, bounds[i].low);
        assert_int_equal(got.has_high, bounds[i].high);
        assert_true(got.reference_low == (bounds[i].low ? 15 : 0));
        assert_true(got.reference_high == (bounds[i].high ? 150 : 0));
        assert_false(got.date_only);
        assert_int_equal(got.entered_by, 0);
        assert_string_equal(got.entered_by_name, "");
        db_lab_release(&got);
    }
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM lab_results WHERE reference_low IS NULL"),
                     2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM lab_results WHERE reference_high IS NULL"),
                     2);

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_lab_get(t->db, l.id + 100, &got), ST_NOT_FOUND);
    assert_int_equal(got.id, 0);
    assert_null(got.delete_reason);

    /* Unterminated fixed fields are refused, each of them. */
    for (int field = 0; field < 4; field++) {
        make_lab(&l, fx.p1, "hemoglobin", 1000, 13, fx.nurse);
        char *arrays[] = {l.analyte, l.unit, l.canonical_unit, l.source};
        size_t sizes[] = {sizeof(l.analyte), sizeof(l.unit), sizeof(l.canonical_unit),
                          sizeof(l.source)};
        memset(arrays[field], 'm', sizes[field]);
        assert_int_equal(db_lab_insert(t->db, &l), ST_INVALID);
    }
    /* The schema's rules: a known source, an existing patient and import. */
    make_lab(&l, fx.p1, "hemoglobin", 1000, 13, fx.nurse);
    snprintf(l.source, sizeof(l.source), "fax");
    assert_int_equal(db_lab_insert(t->db, &l), ST_CONFLICT);
    make_lab(&l, fx.p2 + 100, "hemoglobin", 1000, 13, fx.nurse);
    assert_int_equal(db_lab_insert(t->db, &l), ST_CONFLICT);
    make_lab(&l, fx.p1, "hemoglobin", 1000, 13, fx.nurse);
    snprintf(l.source, sizeof(l.source), "import");
    l.import_id = 999;
    assert_int_equal(db_lab_insert(t->db, &l), ST_CONFLICT);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM lab_results"), 4);
}

static void
test_lab_import(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_lab l, got;
    struct db_lab_import li = {0};

    seed(t, &fx);
    li.patient_id = fx.p1;
    li.file_name = "results-march.csv";
    snprintf(li.sha256, sizeof(li.sha256), "%064d", 7);
    li.rows = 12;
    li.imported_ms = 9000;
    li.imported_by = fx.nurse;
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_OK);
    assert_true(li.id > 0);
    int64_t first = li.id;
    assert_int_equal(testdb_int(t, "SELECT rows FROM lab_imports"), 12);

    /* The same file twice for one patient is a conflict; for another patient it is not. */
    li.id = 0;
    li.file_name = "renamed.csv";
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_CONFLICT);
    assert_int_equal(li.id, 0);
    li.patient_id = fx.p2;
    li.file_name = NULL;
    li.imported_by = 0;
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_OK);
    assert_true(li.id > first);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM lab_imports WHERE file_name IS NULL"
                                   " AND imported_by IS NULL"),
                     1);
    /* Another file for the first patient is welcome. */
    li.patient_id = fx.p1;
    snprintf(li.sha256, sizeof(li.sha256), "%064d", 8);
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_OK);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM lab_imports"), 3);

    memset(li.sha256, 'f', sizeof(li.sha256));
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_INVALID);
    snprintf(li.sha256, sizeof(li.sha256), "%064d", 9);
    li.patient_id = fx.p2 + 100;
    assert_int_equal(db_lab_import_insert(t->db, &li), ST_CONFLICT);

    /* A result of the import points back at it. */
    make_lab(&l, fx.p1, "vitamin_d", 5000, 30, fx.nurse);
    snprintf(l.source, sizeof(l.source), "import");
    l.import_id = first;
    assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
    assert_int_equal(db_lab_get(t->db, l.id, &got), ST_OK);
    assert_string_equal(got.source, "import");
    assert_int_equal(got.import_id, first);
    db_lab_release(&got);
}

static int
collect_lab(void *ctx, const struct db_lab *l)
{
    /* A deleted result always carries its reason, a live one never. */
    assert_int_equal(l->deleted, l->delete_reason != NULL);
    return seen_add(ctx, l->id);
}

static void
test_lab_delete_list(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_lab l, got;
    static const int64_t measured[] = {3000, 1000, 3000, 2000, 5000};
    int64_t id[N(measured)];

    seed(t, &fx);
    for (size_t i = 0; i < N(measured); i++) {
        make_lab(&l, fx.p1, "platelets", measured[i], 250, fx.nurse);
        assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
        id[i] = l.id;
    }
    make_lab(&l, fx.p2, "platelets", 4000, 300, fx.nurse);
    assert_int_equal(db_lab_insert(t->db, &l), ST_OK);

    /* Newest measurement first, ties by the newer record. */
    struct seen c = {0};
    assert_int_equal(db_lab_list(t->db, fx.p1, false, collect_lab, &c), ST_OK);
    int64_t all[] = {id[4], id[2], id[0], id[3], id[1]};
    assert_seen(&c, all, N(all));

    /* Deleting keeps who, when and why. */
    assert_int_equal(db_lab_mark_deleted(t->db, id[2], 8000, fx.doctor, "entered twice"), ST_OK);
    assert_int_equal(db_lab_get(t->db, id[2], &got), ST_OK);
    assert_true(got.deleted);
    assert_int_equal(got.deleted_ms, 8000);
    assert_int_equal(got.deleted_by, fx.doctor);
    assert_string_equal(got.delete_reason, "entered twice");
    assert_true(got.value == 250);
    assert_string_equal(got.entered_by_name, "nurse1");
    db_lab_release(&got);
    assert_null(got.delete_reason);

    /* Once only; an absent result is not found; a reason is required. */
    assert_int_equal(db_lab_mark_deleted(t->db, id[2], 9000, fx.nurse, "again"), ST_CONFLICT);
    assert_int_equal(db_lab_mark_deleted(t->db, l.id + 100, 9000, fx.nurse, "gone"), ST_NOT_FOUND);
    assert_int_equal(db_lab_mark_deleted(t->db, id[0], 9000, fx.nurse, NULL), ST_INVALID);
    assert_int_equal(db_lab_get(t->db, id[2], &got), ST_OK);
    assert_int_equal(got.deleted_ms, 8000);
    assert_string_equal(got.delete_reason, "entered twice");
    db_lab_release(&got);

    /* Deleted by the command line (no user). */
    assert_int_equal(db_lab_mark_deleted(t->db, id[1], 9500, 0, "wrong patient"), ST_OK);
    assert_int_equal(db_lab_get(t->db, id[1], &got), ST_OK);
    assert_true(got.deleted);
    assert_int_equal(got.deleted_by, 0);
    db_lab_release(&got);

    c = (struct seen){0};
    assert_int_equal(db_lab_list(t->db, fx.p1, false, collect_lab, &c), ST_OK);
    int64_t live[] = {id[4], id[0], id[3]};
    assert_seen(&c, live, N(live));
    c = (struct seen){0};
    assert_int_equal(db_lab_list(t->db, fx.p1, true, collect_lab, &c), ST_OK);
    assert_seen(&c, all, N(all));

    c = (struct seen){.stop_after = 2};
    assert_int_equal(db_lab_list(t->db, fx.p1, true, collect_lab, &c), STOPPED);
    assert_seen(&c, all, 2);

    c = (struct seen){0};
    assert_int_equal(db_lab_list(t->db, fx.p2 + 100, true, collect_lab, &c), ST_OK);
    assert_int_equal(c.n, 0);

    /* A record copied whole keeps its deletion. */
    make_lab(&l, fx.p2, "platelets", 6000, 310, fx.nurse);
    l.deleted = true;
    l.deleted_ms = 6500;
    l.deleted_by = fx.doctor;
    l.delete_reason = "sample clotted";
    assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
    assert_int_equal(db_lab_get(t->db, l.id, &got), ST_OK);
    assert_true(got.deleted);
    assert_int_equal(got.deleted_ms, 6500);
    assert_int_equal(got.deleted_by, fx.doctor);
    assert_string_equal(got.delete_reason, "sample clotted");
    db_lab_release(&got);
    c = (struct seen){0};
    assert_int_equal(db_lab_list(t->db, fx.p2, false, collect_lab, &c), ST_OK);
    assert_int_equal(c.n, 1);
    /* Deletion fields of a live record are not written. */
    make_lab(&l, fx.p2, "platelets", 7000, 320, fx.nurse);
    l.deleted_ms = 7500;
    l.delete_reason = "ignored";
    assert_int_equal(db_lab_insert(t->db, &l), ST_OK);
    assert_int_equal(db_lab_get(t->db, l.id, &got), ST_OK);
    assert_false(got.deleted);
    assert_int_equal(got.deleted_ms, 0);
    assert_null(got.delete_reason);
    db_lab_release(&got);
}

/* ---- screening results ---- */

static void
make_screening(struct db_screening *s, int64_t patient, const char *treatment, int64_t computed,
               int64_t by)
{
    memset(s, 0, sizeof(*s));
    s->patient_id = patient;
    snprintf(s->treatment, sizeof(s->treatment), "%s", treatment);
    s->session_ms = computed + 86400000;
    snprintf(s->outcome, sizeof(s->outcome), "eligible");
    s->result_json = "{\"outcome\":\"eligible\"}";
    s->inputs_json = "{\"labs\":[]}";
    snprintf(s->rules_sha256, sizeof(s->rules_sha256), "%064d", 1);
    s->computed_ms = computed;
    s->computed_by = by;
}

static void
test_screening_insert_get(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_screening s, got;

    seed(t, &fx);
    make_screening(&s, fx.p1, "prp_scalp", 10000, fx.nurse);
    snprintf(s.outcome, sizeof(s.outcome), "defer");
    s.has_until = true;
    s.until_ms = 50000;
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    assert_true(s.id > 0);

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_screening_get(t->db, s.id, &got), ST_OK);
    assert_int_equal(got.id, s.id);
    assert_int_equal(got.patient_id, fx.p1);
    assert_string_equal(got.treatment, "prp_scalp");
    assert_int_equal(got.session_ms, 10000 + 86400000);
    assert_string_equal(got.outcome, "defer");
    assert_true(got.has_until);
    assert_int_equal(got.until_ms, 50000);
    assert_string_equal(got.result_json, "{\"outcome\":\"eligible\"}");
    assert_string_equal(got.inputs_json, "{\"labs\":[]}");
    assert_int_equal(strlen(got.rules_sha256), 64);
    assert_int_equal(got.computed_ms, 10000);
    assert_int_equal(got.computed_by, fx.nurse);
    assert_string_equal(got.computed_by_name, "nurse1");
    /* Not signed: every sign-off field is empty. */
    assert_false(got.is_signed);
    assert_string_equal(got.decision, "");
    assert_false(got.override);
    assert_null(got.reason);
    assert_int_equal(got.signed_ms, 0);
    assert_int_equal(got.signed_by, 0);
    assert_string_equal(got.signed_by_name, "");
    db_screening_release(&got);
    assert_null(got.result_json);
    assert_null(got.inputs_json);
    assert_int_equal(got.id, 0);
    db_screening_release(NULL);

    /* No end date and no user: NULL in the file, absent when read. */
    make_screening(&s, fx.p1, "prp_face", 11000, 0);
    s.until_ms = 99; /* ignored without has_until */
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    assert_int_equal(db_screening_get(t->db, s.id, &got), ST_OK);
    assert_false(got.has_until);
    assert_int_equal(got.until_ms, 0);
    assert_int_equal(got.computed_by, 0);
    assert_string_equal(got.computed_by_name, "");
    db_screening_release(&got);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM screenings WHERE until_at IS NULL"
                                   " AND computed_by IS NULL"),
                     1);

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(db_screening_get(t->db, s.id + 100, &got), ST_NOT_FOUND);
    assert_int_equal(got.id, 0);
    assert_null(got.result_json);

    /* Unterminated fixed fields are refused, each of them. */
    for (int field = 0; field < 3; field++) {
        make_screening(&s, fx.p1, "prp_scalp", 12000, fx.nurse);
        char *arrays[] = {s.treatment, s.outcome, s.rules_sha256};
        size_t sizes[] = {sizeof(s.treatment), sizeof(s.outcome), sizeof(s.rules_sha256)};
        memset(arrays[field], 'a', sizes[field]);
        assert_int_equal(db_screening_insert(t->db, &s), ST_INVALID);
    }
    /* The schema's rules: a known outcome, an existing patient, the documents. */
    make_screening(&s, fx.p1, "prp_scalp", 12000, fx.nurse);
    snprintf(s.outcome, sizeof(s.outcome), "maybe");
    assert_int_equal(db_screening_insert(t->db, &s), ST_CONFLICT);
    make_screening(&s, fx.p2 + 100, "prp_scalp", 12000, fx.nurse);
    assert_int_equal(db_screening_insert(t->db, &s), ST_CONFLICT);
    make_screening(&s, fx.p1, "prp_scalp", 12000, fx.nurse);
    s.inputs_json = NULL;
    assert_int_equal(db_screening_insert(t->db, &s), ST_CONFLICT);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM screenings"), 2);
}

static void
make_signoff(struct db_screening *s, int64_t id, const char *decision, bool override,
             const char *reason, int64_t at, int64_t by)
{
    memset(s, 0, sizeof(*s));
    s->id = id;
    snprintf(s->decision, sizeof(s->decision), "%s", decision);
    s->override = override;
    s->reason = (char *)reason;
    s->signed_ms = at;
    s->signed_by = by;
}

static void
test_screening_sign(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_screening s, got;
    int64_t caution, eligible;

    seed(t, &fx);
    make_screening(&s, fx.p1, "prp_scalp", 10000, fx.nurse);
    snprintf(s.outcome, sizeof(s.outcome), "caution");
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    caution = s.id;
    make_screening(&s, fx.p1, "prp_scalp", 10500, fx.nurse);
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    eligible = s.id;

    /* Overriding a caution needs a reason (the schema's rule). */
    make_signoff(&s, caution, "proceed", true, NULL, 20000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_CONFLICT);
    make_signoff(&s, caution, "maybe", false, NULL, 20000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_CONFLICT);
    make_signoff(&s, caution, "proceed", true, "benefit outweighs a mild risk", 20000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_OK);

    assert_int_equal(db_screening_get(t->db, caution, &got), ST_OK);
    assert_true(got.is_signed);
    assert_string_equal(got.decision, "proceed");
    assert_true(got.override);
    assert_string_equal(got.reason, "benefit outweighs a mild risk");
    assert_int_equal(got.signed_ms, 20000);
    assert_int_equal(got.signed_by, fx.doctor);
    assert_string_equal(got.signed_by_name, "doctor1");
    /* The result itself is untouched. */
    assert_string_equal(got.outcome, "caution");
    assert_string_equal(got.computed_by_name, "nurse1");
    db_screening_release(&got);
    assert_null(got.reason);

    /* Signed once only, whoever tries again. */
    make_signoff(&s, caution, "do_not_proceed", false, NULL, 21000, fx.nurse);
    assert_int_equal(db_screening_sign(t->db, &s), ST_CONFLICT);
    assert_int_equal(db_screening_get(t->db, caution, &got), ST_OK);
    assert_string_equal(got.decision, "proceed");
    assert_int_equal(got.signed_by, fx.doctor);
    db_screening_release(&got);

    /* No such result; no signer; a decision without its terminator. */
    make_signoff(&s, eligible + 100, "proceed", false, NULL, 21000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_NOT_FOUND);
    make_signoff(&s, eligible, "proceed", false, NULL, 21000, 0);
    assert_int_equal(db_screening_sign(t->db, &s), ST_INVALID);
    make_signoff(&s, eligible, "proceed", false, NULL, 21000, fx.doctor);
    memset(s.decision, 'p', sizeof(s.decision));
    assert_int_equal(db_screening_sign(t->db, &s), ST_INVALID);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM screening_signoffs"), 1);

    /* Without an override the reason may be absent. */
    make_signoff(&s, eligible, "do_not_proceed", false, NULL, 22000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_OK);
    assert_int_equal(db_screening_get(t->db, eligible, &got), ST_OK);
    assert_true(got.is_signed);
    assert_string_equal(got.decision, "do_not_proceed");
    assert_false(got.override);
    assert_null(got.reason);
    db_screening_release(&got);

    /* Inside a write transaction, as the clinic signs: a rollback leaves it unsigned. */
    make_screening(&s, fx.p2, "prp_face", 30000, fx.nurse);
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    int64_t face = s.id;
    assert_int_equal(db_begin_write(t->db), ST_OK);
    make_signoff(&s, face, "proceed", false, NULL, 31000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_OK);
    db_rollback(t->db);
    assert_int_equal(db_screening_get(t->db, face, &got), ST_OK);
    assert_false(got.is_signed);
    db_screening_release(&got);
}

struct signed_seen {
    struct seen ids;
    int is_signed[16];
};

static int
collect_screening(void *ctx, const struct db_screening *s)
{
    struct signed_seen *c = ctx;

    assert_non_null(s->result_json);
    assert_non_null(s->inputs_json);
    if (c->ids.n < (int)N(c->is_signed))
        c->is_signed[c->ids.n] = s->is_signed;
    return seen_add(&c->ids, s->id);
}

static void
test_screening_list(void **state)
{
    struct testdb *t = *state;
    struct fixture fx;
    struct db_screening s;
    static const struct {
        const char *treatment;
        int64_t computed;
    } rows[] = {
        {"prp_scalp", 3000}, {"prp_face", 5000},   {"prp_scalp", 1000},
        {"prp_scalp", 3000}, {"adsc_scalp", 2000}, {"prp_scalp", 4000},
    };
    int64_t id[N(rows)];

    seed(t, &fx);
    for (size_t i = 0; i < N(rows); i++) {
        make_screening(&s, fx.p1, rows[i].treatment, rows[i].computed, fx.nurse);
        assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
        id[i] = s.id;
    }
    make_screening(&s, fx.p2, "prp_scalp", 9000, fx.nurse);
    assert_int_equal(db_screening_insert(t->db, &s), ST_OK);
    make_signoff(&s, id[3], "proceed", false, NULL, 6000, fx.doctor);
    assert_int_equal(db_screening_sign(t->db, &s), ST_OK);

    /* Newest computation first, ties by the newer record; all treatments or one. */
    struct signed_seen c = {0};
    assert_int_equal(db_screening_list(t->db, fx.p1, NULL, 50, collect_screening, &c), ST_OK);
    int64_t all[] = {id[1], id[5], id[3], id[0], id[4], id[2]};
    assert_seen(&c.ids, all, N(all));
    assert_int_equal(c.is_signed[2], 1);
    assert_int_equal(c.is_signed[3], 0);

    c = (struct signed_seen){0};
    assert_int_equal(db_screening_list(t->db, fx.p1, "prp_scalp", 50, collect_screening, &c),
                     ST_OK);
    int64_t scalp[] = {id[5], id[3], id[0], id[2]};
    assert_seen(&c.ids, scalp, N(scalp));

    /* At most `limit`, with or without a treatment. */
    c = (struct signed_seen){0};
    assert_int_equal(db_screening_list(t->db, fx.p1, "prp_scalp", 2, collect_screening, &c), ST_OK);
    assert_seen(&c.ids, scalp, 2);
    c = (struct signed_seen){0};
    assert_int_equal(db_screening_list(t->db, fx.p1, NULL, 3, collect_screening, &c), ST_OK);
    assert_seen(&c.ids, all, 3);

    /* A callback stops the list. */
    c = (struct signed_seen){.ids.stop_after = 1};
    assert_int_equal(db_screening_list(t->db, fx.p1, NULL, 50, collect_screening, &c), STOPPED);
    assert_seen(&c.ids, all, 1);

    c = (struct signed_seen){0};
    assert_int_equal(db_screening_list(t->db, fx.p1, "adsc_face", 50, collect_screening, &c),
                     ST_OK);
    assert_int_equal(c.ids.n, 0);
    c = (struct signed_seen){0};
    assert_int_equal(db_screening_list(t->db, fx.p2 + 100, NULL, 50, collect_screening, &c), ST_OK);
    assert_int_equal(c.ids.n, 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, testdb_test_setup, testdb_test_teardown)
    const struct CMUnitTest tests[] = {
        T(test_assessment_insert_get_update),
        T(test_assessment_list_latest),
        T(test_assessment_versions),
        T(test_history),
        T(test_lab_insert_get),
        T(test_lab_import),
        T(test_lab_delete_list),
        T(test_screening_insert_get),
        T(test_screening_sign),
        T(test_screening_list),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
