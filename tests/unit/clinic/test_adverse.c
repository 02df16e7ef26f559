/* Unit tests of src/clinic/adverse.c against a migrated test database: the links to the
 * patient's procedures and specimens (rows written with SQL, as the chair would), the resolved
 * date against the onset's local day, follow-ups as versions with the old ones kept, nothing half
 * written, and the clinic's list with its filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/adverse.h"
#include "clinic/audit.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testdb.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

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

static int64_t
add_patient(struct db *db, const char *family)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    p.given_name = strdup("Sample");
    p.family_name = strdup(family);
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

/* A nurse acting. */
static void
nurse(struct db *db, struct actor *a)
{
    struct db_user u;
    memset(&u, 0, sizeof(u));
    memset(a, 0, sizeof(*a));
    snprintf(u.username, sizeof(u.username), "nurse1");
    u.display_name = strdup("Sample Nurse");
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-hash");
    u.roles = ROLE_NURSE;
    u.created_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_user_insert(db, &u), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    a->user_id = u.id;
    snprintf(a->username, sizeof(a->username), "nurse1");
    a->roles = ROLE_NURSE;
    snprintf(a->remote, sizeof(a->remote), "test");
    db_user_release(&u);
}

/* A procedure of `patient` started at `started_ms` with the appointment and screening it rests
 * on, and one PRP specimen of it named `specimen`. Returns the procedure's id. */
static int64_t
add_procedure(struct testdb *t, int64_t user, int64_t patient, int64_t started_ms,
              const char *specimen)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Room 1', 'treatment');"
             "INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, %lld);"
             "INSERT INTO appointments (patient_id, kind, start_ms, end_ms, prep_minutes, room_id,"
             " clinician_id, status, version, created_at, updated_at) VALUES (%lld, 'session',"
             " %lld, %lld, 0, 1, 1, 'in_progress', 1, %lld, %lld);"
             "INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,"
             " rules_sha256, computed_at, computed_by) VALUES (%lld, 'prp-hair', %lld,"
             " 'eligible', '{}', '{}', 'x', %lld, %lld);"
             "INSERT INTO procedures (patient_id, appointment_id, treatment, screening_id, status,"
             " version, started_at, started_by, updated_at, updated_by) VALUES (%lld,"
             " (SELECT max(id) FROM appointments), 'prp-hair', (SELECT max(id) FROM screenings),"
             " 'open', 1, %lld, %lld, %lld, %lld);"
             "INSERT INTO specimens (id, procedure_id, patient_id, kind, label, collected_at,"
             " expires_at, status, created_at, created_by) VALUES ('%s', (SELECT max(id) FROM"
             " procedures), %lld, 'prp', 'PRP syringe 1', %lld, %lld, 'active', %lld, %lld);",
             (long long)user, (long long)patient, (long long)started_ms,
             (long long)(started_ms + HOUR_MS), (long long)started_ms, (long long)started_ms,
             (long long)patient, (long long)started_ms, (long long)started_ms, (long long)user,
             (long long)patient, (long long)started_ms, (long long)user, (long long)started_ms,
             (long long)user, specimen, (long long)patient, (long long)started_ms,
             (long long)(started_ms + 3 * HOUR_MS), (long long)started_ms, (long long)user);
    assert_int_equal(testdb_exec(t, sql), 0);
    return testdb_int(t, "SELECT max(id) FROM procedures");
}

static void
iso(int64_t ms, char out[25])
{
    time_format_ms(ms, out);
}

static void
day_of(int64_t ms, char out[11])
{
    struct date d;
    int minute;
    clinic_tz_from_utc(ms, &d, &minute);
    date_format(&d, out);
}

/* Records `body` for `patient`; returns the status, *out the event. */
static int
create(struct db *db, const struct actor *a, int64_t patient, const char *body, json_t **out,
       struct fail *f)
{
    json_t *b = parse(body);
    fail_clear(f);
    int st = adverse_create(db, a, patient, b, out, f);
    json_decref(b);
    return st;
}

static int
update(struct db *db, const struct actor *a, int64_t id, const char *body, json_t **out,
       struct fail *f)
{
    json_t *b = parse(body);
    fail_clear(f);
    int st = adverse_update(db, a, id, b, out, f);
    json_decref(b);
    return st;
}

static const char *
str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void
test_links_to_procedure_and_specimen(void **state)
{
    struct testdb *t = tdb(state);
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char body[512], onset[25], before[25];

    nurse(t->db, &a);
    int64_t p = add_patient(t->db, "Testpatient");
    int64_t q = add_patient(t->db, "Otherpatient");
    int64_t started = time_now_ms() - 4 * HOUR_MS;
    int64_t proc = add_procedure(t, a.user_id, p, started, "S1000007");
    int64_t other = add_procedure(t, a.user_id, q, started, "S1000015");
    int64_t older = add_procedure(t, a.user_id, p, started - 30 * DAY_MS, "S1000023");
    iso(time_now_ms() - HOUR_MS, onset);
    iso(started - 60000, before);

    /* Another patient's procedure or specimen, a specimen of another procedure, none at all. */
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\",\"procedure_id\":%lld}",
             onset, (long long)other);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "procedure_id");
    assert_string_equal(f.code, "invalid_value");
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"specimen_id\":\"S1000015\"}",
             onset);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "specimen_id");
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\",\"procedure_id\":%lld,"
             "\"specimen_id\":\"S1000023\"}",
             onset, (long long)proc);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "specimen_id");
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"specimen_id\":\"S9999999\"}",
             onset);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "specimen_id");
    /* An onset before the procedure began cannot be its adverse event. */
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\",\"procedure_id\":%lld}",
             before, (long long)proc);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "onset_at");
    assert_string_equal(f.code, "before_start");
    assert_null(out);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM adverse_events"), 0);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action LIKE 'adverse.%'"), 0);

    /* A scanned specimen alone links its procedure. */
    snprintf(body, sizeof(body),
             "{\"type\":\"haematoma\",\"severity\":\"serious\",\"onset_at\":\"%s\","
             "\"specimen_id\":\" s1000023 \"}",
             onset);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_OK);
    assert_int_equal(num(out, "procedure_id"), older);
    assert_string_equal(str(out, "specimen_id"), "S1000023");
    assert_string_equal(str(out, "outcome"), "ongoing");
    assert_int_equal(num(out, "version"), 1);
    json_t *pt = json_object_get(out, "patient");
    assert_int_equal(num(pt, "id"), p);
    assert_string_equal(str(json_object_get(pt, "name"), "en"), "Sample Testpatient");
    assert_true(json_is_null(json_object_get(json_object_get(pt, "name"), "ar")));
    assert_string_equal(str(json_object_get(out, "created_by"), "username"), "nurse1");
    json_decref(out);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM adverse_event_versions"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'adverse.create'"
                                   " AND entity = 'adverse_event'"),
                     1);

    /* The moment the procedure began is its first possible onset. */
    iso(started, before);
    snprintf(body, sizeof(body),
             "{\"type\":\"fainting\",\"severity\":\"severe\",\"onset_at\":\"%s\","
             "\"procedure_id\":%lld,\"specimen_id\":\"S1000007\"}",
             before, (long long)proc);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_OK);
    json_decref(out);

    /* No such patient, or a deleted one. */
    snprintf(body, sizeof(body), "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\"}",
             onset);
    assert_int_equal(create(t->db, &a, 999999, body, &out, &f), ST_NOT_FOUND);
    assert_int_equal(testdb_exec(t, "UPDATE patients SET deleted = 1"), 0);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_NOT_FOUND);
}

static void
test_fields(void **state)
{
    struct testdb *t = tdb(state);
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char body[512], onset[25], future[25], today[11], onset_day[11], day_before[11];

    nurse(t->db, &a);
    int64_t p = add_patient(t->db, "Testpatient");
    int64_t onset_ms = time_now_ms() - 2 * DAY_MS;
    iso(onset_ms, onset);
    iso(time_now_ms() + 10 * 60000, future);
    day_of(time_now_ms(), today);
    day_of(onset_ms, onset_day);
    day_of(onset_ms - DAY_MS, day_before);
    /* Each body is its members and the onset (a time in the future where `future`). */
    static const struct {
        const char *members;
        bool future;
        const char *field;
        const char *code;
    } cases[] = {
        {"\"severity\":\"mild\",", false, "type", "required"},
        {"\"type\":\"rash\",\"severity\":\"mild\",", false, "type", "invalid_value"},
        {"\"type\":\"other\",\"severity\":\"mild\",", false, "type_other", "required"},
        {"\"type\":\"pain\",\"type_other\":\"x\",\"severity\":\"mild\",", false, "type_other",
         "not_allowed"},
        {"\"type\":\"pain\",", false, "severity", "required"},
        {"\"type\":\"pain\",\"severity\":\"grave\",", false, "severity", "invalid_value"},
        {"\"type\":\"pain\",\"severity\":\"mild\",", true, "onset_at", "future_date"},
        {"\"type\":\"pain\",\"severity\":\"mild\",\"outcome\":\"resolved\",", false,
         "resolved_date", "required"},
        {"\"type\":\"pain\",\"severity\":\"mild\",\"outcome\":\"ongoing\","
         "\"resolved_date\":\"2026-01-01\",",
         false, "resolved_date", "not_allowed"},
        {"\"type\":\"pain\",\"severity\":\"mild\",\"procedure_id\":-1,", false, "procedure_id",
         "out_of_range"},
        {"\"type\":\"pain\",\"severity\":\"mild\",\"specimen_id\":\"S\",", false, "specimen_id",
         "invalid_value"},
        {"\"type\":\"pain\",\"severity\":\"mild\",\"extra\":1,", false, "extra", "unknown_field"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "{%s\"onset_at\":\"%s\"}", cases[i].members,
                 cases[i].future ? future : onset);
        assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
        assert_string_equal(f.field, cases[i].field);
        assert_string_equal(f.code, cases[i].code);
        assert_null(out);
    }
    /* The resolved date: not before the onset's day, not after today. */
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved_with_sequelae\",\"resolved_date\":\"%s\"}",
             onset, day_before);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "before_start");
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved\",\"resolved_date\":\"2999-01-01\"}",
             onset);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "future_date");
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM adverse_events"), 0);
    snprintf(body, sizeof(body),
             "{\"type\":\"other\",\"type_other\":\" Hives \",\"severity\":\"moderate\","
             "\"onset_at\":\"%s\",\"outcome\":\"resolved\",\"resolved_date\":\"%s\","
             "\"description\":\"\",\"actions\":\"Antihistamine\"}",
             onset, onset_day);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_OK);
    assert_string_equal(str(out, "type_other"), "Hives");
    assert_string_equal(str(out, "resolved_date"), onset_day);
    assert_true(json_is_null(json_object_get(out, "description")));
    assert_string_equal(str(out, "actions"), "Antihistamine");
    json_decref(out);
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved\",\"resolved_date\":\"%s\"}",
             onset, today);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_OK);
    json_decref(out);
}

/* In a clinic east of UTC the resolved date is compared with the onset's local day. */
static void
test_resolved_date_is_local(void **state)
{
    struct testdb *t = tdb(state);
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char body[512], onset[25], utc_day[11], local_day[11];
    struct date today;

    nurse(t->db, &a);
    int64_t p = add_patient(t->db, "Testpatient");
    assert_int_equal(clinic_tz_set("Asia/Dubai", &f), ST_OK);
    /* 22:30 UTC two days ago is 02:30 the next day in Dubai. */
    clinic_tz_today(&today);
    int64_t onset_ms = (date_to_days(&today) - 2) * DAY_MS + 22 * HOUR_MS + 30 * 60000;
    iso(onset_ms, onset);
    memcpy(utc_day, onset, 10);
    utc_day[10] = '\0';
    day_of(onset_ms, local_day);
    assert_string_not_equal(utc_day, local_day);
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved\",\"resolved_date\":\"%s\"}",
             onset, utc_day);
    int st = create(t->db, &a, p, body, &out, &f);
    snprintf(body, sizeof(body),
             "{\"type\":\"pain\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved\",\"resolved_date\":\"%s\"}",
             onset, local_day);
    json_t *ok = NULL;
    int st2 = create(t->db, &a, p, body, &ok, &f);
    char local[17];
    snprintf(local, sizeof(local), "%s", ok ? str(ok, "onset_local") : "");
    json_decref(ok);
    assert_int_equal(clinic_tz_set("UTC", &f), ST_OK);
    assert_int_equal(st, ST_INVALID);
    assert_int_equal(st2, ST_OK);
    assert_memory_equal(local, local_day, 10);
    assert_string_equal(local + 10, "T02:30");
}

static void
test_versions(void **state)
{
    struct testdb *t = tdb(state);
    struct actor a;
    struct fail f;
    json_t *out = NULL, *v = NULL;
    char body[512], onset[25], today[11];

    nurse(t->db, &a);
    int64_t p = add_patient(t->db, "Testpatient");
    int64_t started = time_now_ms() - 5 * HOUR_MS;
    int64_t proc = add_procedure(t, a.user_id, p, started, "S1000007");
    iso(time_now_ms() - HOUR_MS, onset);
    day_of(time_now_ms(), today);
    snprintf(body, sizeof(body),
             "{\"type\":\"infection\",\"severity\":\"severe\",\"onset_at\":\"%s\","
             "\"procedure_id\":%lld}",
             onset, (long long)proc);
    assert_int_equal(create(t->db, &a, p, body, &out, &f), ST_OK);
    int64_t id = num(out, "id");
    json_decref(out);

    /* The same fields again: no new version, no event. */
    snprintf(body, sizeof(body),
             "{\"version\":1,\"type\":\"infection\",\"severity\":\"severe\",\"onset_at\":\"%s\","
             "\"procedure_id\":%lld,\"outcome\":\"ongoing\",\"description\":null}",
             onset, (long long)proc);
    assert_int_equal(update(t->db, &a, id, body, &out, &f), ST_OK);
    assert_int_equal(num(out, "version"), 1);
    json_decref(out);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM adverse_event_versions"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'adverse.update'"),
                     0);

    /* The follow-up: serious, resolved today; the link is dropped. */
    snprintf(body, sizeof(body),
             "{\"version\":1,\"type\":\"infection\",\"severity\":\"serious\",\"onset_at\":\"%s\","
             "\"outcome\":\"resolved\",\"resolved_date\":\"%s\"}",
             onset, today);
    assert_int_equal(update(t->db, &a, id, body, &out, &f), ST_OK);
    assert_int_equal(num(out, "version"), 2);
    assert_true(json_is_null(json_object_get(out, "procedure_id")));
    json_decref(out);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM adverse_event_versions"), 2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'adverse.update'"),
                     1);

    /* A stale version, a bad field, a missing event: nothing changes. */
    assert_int_equal(update(t->db, &a, id, body, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");
    snprintf(body, sizeof(body),
             "{\"version\":2,\"type\":\"infection\",\"severity\":\"mild\",\"onset_at\":\"%s\","
             "\"procedure_id\":999}",
             onset);
    assert_int_equal(update(t->db, &a, id, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "procedure_id");
    snprintf(body, sizeof(body),
             "{\"type\":\"infection\",\"severity\":\"mild\",\"onset_at\":\"%s\"}", onset);
    assert_int_equal(update(t->db, &a, id, body, &out, &f), ST_INVALID);
    assert_string_equal(f.field, "version");
    snprintf(body, sizeof(body),
             "{\"version\":2,\"type\":\"infection\",\"severity\":\"mild\",\"onset_at\":\"%s\"}",
             onset);
    assert_int_equal(update(t->db, &a, 999999, body, &out, &f), ST_NOT_FOUND);
    assert_null(out);
    assert_int_equal(testdb_int(t, "SELECT version FROM adverse_events"), 2);

    /* A failure after the row is written leaves neither the row, the version nor the event. */
    assert_int_equal(testdb_exec(t, "CREATE TRIGGER fail_version BEFORE INSERT ON"
                                    " adverse_event_versions BEGIN SELECT RAISE(ABORT, 'test');"
                                    " END"),
                     0);
    assert_int_not_equal(update(t->db, &a, id, body, &out, &f), ST_OK);
    assert_null(out);
    assert_int_equal(testdb_int(t, "SELECT version FROM adverse_events"), 2);
    assert_int_equal(testdb_int(t, "SELECT severity = 'serious' FROM adverse_events"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'adverse.update'"),
                     1);
    assert_int_equal(testdb_exec(t, "DROP TRIGGER fail_version"), 0);

    /* The versions, newest first, each as it was with what it changed. */
    assert_int_equal(adverse_versions(t->db, &a, id, &v, &f), ST_OK);
    json_t *vs = json_object_get(v, "versions");
    assert_int_equal(json_array_size(vs), 2);
    json_t *v2 = json_array_get(vs, 0), *v1 = json_array_get(vs, 1);
    assert_int_equal(num(v2, "version"), 2);
    assert_int_equal(num(v1, "version"), 1);
    assert_string_equal(str(json_object_get(v1, "event"), "severity"), "severe");
    assert_int_equal(num(json_object_get(v1, "event"), "procedure_id"), proc);
    json_t *ch = json_object_get(v2, "changes");
    assert_string_equal(str(json_object_get(ch, "severity"), "from"), "severe");
    assert_string_equal(str(json_object_get(ch, "severity"), "to"), "serious");
    assert_string_equal(str(json_object_get(ch, "outcome"), "to"), "resolved");
    assert_int_equal(num(json_object_get(ch, "procedure_id"), "from"), proc);
    assert_true(json_is_null(json_object_get(json_object_get(ch, "procedure_id"), "to")));
    assert_null(json_object_get(ch, "type"));
    assert_string_equal(str(json_object_get(json_object_get(v1, "changes"), "type"), "to"),
                        "infection");
    assert_string_equal(str(json_object_get(v2, "by"), "username"), "nurse1");
    json_decref(v);
    assert_int_equal(adverse_versions(t->db, &a, 999999, &v, &f), ST_NOT_FOUND);
}

static void
test_query_parse(void **state)
{
    (void)state;
    struct db_adverse_query q;
    struct fail f;

    assert_int_equal(adverse_query_parse(NULL, NULL, NULL, NULL, NULL, &q, &f), ST_OK);
    assert_int_equal(q.severities, 0);
    assert_int_equal(q.outcomes, 0);
    assert_int_equal(q.from_ms, 0);
    assert_int_equal(q.to_ms, 0);
    assert_int_equal(q.limit, ADVERSE_LIST_DEFAULT);
    assert_int_equal(
        adverse_query_parse("serious,severe", "ongoing", "2026-01-01", "2026-01-01", "500", &q, &f),
        ST_OK);
    assert_int_equal(q.severities, (1u << 2) | (1u << 3));
    assert_int_equal(q.outcomes, 1u);
    struct date jan1 = {2026, 1, 1};
    assert_int_equal(q.from_ms, date_to_days(&jan1) * DAY_MS);
    assert_int_equal(q.to_ms - q.from_ms, DAY_MS);
    assert_int_equal(q.limit, 500);
    static const struct {
        const char *v[5];
        const char *field;
    } bad[] = {
        {{"grave", NULL, NULL, NULL, NULL}, "severity"},
        {{"serious,", NULL, NULL, NULL, NULL}, "severity"},
        {{",serious", NULL, NULL, NULL, NULL}, "severity"},
        {{NULL, "fine", NULL, NULL, NULL}, "outcome"},
        {{NULL, NULL, "2026-02-30", NULL, NULL}, "from"},
        {{NULL, NULL, "2026-2-3", NULL, NULL}, "from"},
        {{NULL, NULL, NULL, "today", NULL}, "to"},
        {{NULL, NULL, "2026-01-02", "2026-01-01", NULL}, "to"},
        {{NULL, NULL, NULL, NULL, "0"}, "limit"},
        {{NULL, NULL, NULL, NULL, "501"}, "limit"},
        {{NULL, NULL, NULL, NULL, "+5"}, "limit"},
        {{NULL, NULL, NULL, NULL, "5x"}, "limit"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fail_clear(&f);
        assert_int_equal(adverse_query_parse(bad[i].v[0], bad[i].v[1], bad[i].v[2], bad[i].v[3],
                                             bad[i].v[4], &q, &f),
                         ST_INVALID);
        assert_string_equal(f.field, bad[i].field);
        assert_string_equal(f.code, "invalid_query");
    }
}

/* The ids of a list, in order, into ids[]; returns how many. */
static size_t
list_ids(json_t *list, int64_t *ids, size_t cap)
{
    json_t *arr = json_object_get(list, "adverse_events");
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n && i < cap; i++)
        ids[i] = num(json_array_get(arr, i), "id");
    return n;
}

static void
test_lists(void **state)
{
    struct testdb *t = tdb(state);
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    char body[512], onset[25];
    int64_t e[4], ids[8];
    static const char *const sev[] = {"serious", "mild", "severe", "serious"};
    static const char *const outcome[] = {"ongoing", "ongoing", "unknown", "ongoing"};

    nurse(t->db, &a);
    int64_t p = add_patient(t->db, "Testpatient");
    int64_t q = add_patient(t->db, "Otherpatient");
    /* Onsets 10, 9, 8 and 7 days ago: e[3] is the latest. */
    for (int i = 0; i < 4; i++) {
        iso(time_now_ms() - (10 - i) * DAY_MS, onset);
        snprintf(body, sizeof(body),
                 "{\"type\":\"pain\",\"severity\":\"%s\",\"onset_at\":\"%s\",\"outcome\":\"%s\"}",
                 sev[i], onset, outcome[i]);
        assert_int_equal(create(t->db, &a, i % 2 ? q : p, body, &out, &f), ST_OK);
        e[i] = num(out, "id");
        json_decref(out);
    }
    assert_int_equal(adverse_list_patient(t->db, &a, p, &out, &f), ST_OK);
    assert_int_equal(list_ids(out, ids, 8), 2);
    assert_int_equal(ids[0], e[2]);
    assert_int_equal(ids[1], e[0]);
    json_decref(out);

    struct db_adverse_query query;
    assert_int_equal(adverse_query_parse("serious", "ongoing", NULL, NULL, NULL, &query, &f),
                     ST_OK);
    assert_int_equal(adverse_list_clinic(t->db, &a, &query, &out, &f), ST_OK);
    assert_int_equal(list_ids(out, ids, 8), 2);
    assert_int_equal(ids[0], e[3]);
    assert_int_equal(ids[1], e[0]);
    assert_string_equal(
        str(json_object_get(json_array_get(json_object_get(out, "adverse_events"), 0), "patient"),
            "date_of_birth"),
        "1985-06-15");
    json_decref(out);
    assert_int_equal(adverse_query_parse("severe,serious", NULL, NULL, NULL, "2", &query, &f),
                     ST_OK);
    assert_int_equal(adverse_list_clinic(t->db, &a, &query, &out, &f), ST_OK);
    assert_int_equal(list_ids(out, ids, 8), 2);
    assert_int_equal(ids[0], e[3]);
    assert_int_equal(ids[1], e[2]);
    json_decref(out);

    /* A removed patient's events leave the clinic's list. */
    assert_int_equal(testdb_exec(t, "UPDATE patients SET deleted = 1 WHERE family_name ="
                                    " 'Otherpatient'"),
                     0);
    assert_int_equal(adverse_query_parse(NULL, NULL, NULL, NULL, NULL, &query, &f), ST_OK);
    assert_int_equal(adverse_list_clinic(t->db, &a, &query, &out, &f), ST_OK);
    assert_int_equal(list_ids(out, ids, 8), 2);
    assert_int_equal(ids[0], e[2]);
    assert_int_equal(ids[1], e[0]);
    json_decref(out);
    assert_int_equal(adverse_read(t->db, &a, e[1], &out, &f), ST_NOT_FOUND);
    assert_int_equal(adverse_list_patient(t->db, &a, q, &out, &f), ST_NOT_FOUND);
    assert_null(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_links_to_procedure_and_specimen, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_fields, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_resolved_date_is_local, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_versions, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test_setup_teardown(test_lists, testdb_test_setup, testdb_test_teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
