/* The cohort report benchmark of `make bench`: a clinic group of 100,000 patients, each with a
 * course (prp-hair, prp-face or adsc-hair) whose sessions are done, and about 1,000,000
 * measurements over their visits, then the time of the report with and without each filter,
 * measured in the server's own function (cohort_report, JSON included).
 * Usage: bench_outcomes RESULTS_DIR [--protocols DIR] [--iterations N] [--patients N] [--reuse]
 * (--reuse times the database an earlier run left in RESULTS_DIR instead of writing it again) */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clinic/audit.h"
#include "clinic/clinic_settings.h"
#include "clinic/cohort.h"
#include "clinic/demo.h"
#include "clinic/protocols.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "store/db.h"

#define DAY_MS INT64_C(86400000)
#define PATIENTS 100000
/* Courses start between these many days before today: every 6-month visit is in the past. */
#define START_MIN_DAYS 230
#define START_MAX_DAYS 900
/* Of a hundred courses: how many have no done session yet (no anchor), and how many were
 * carried over from paper records (done sessions without an appointment). */
#define NOT_STARTED_PERCENT 3
#define PAPER_PERCENT 5
/* Of a thousand procedures: how many are followed by an adverse event. */
#define EVENT_PERMILLE 40
/* Of a thousand values: how many were voided. */
#define VOID_PERMILLE 10

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

/* 0..n-1 */
static int
rand_below(int n)
{
    return (int)(next_rand() % (uint64_t)n);
}

/* A normal variate (Box-Muller). */
static double
rand_normal(double mean, double sd)
{
    double u = ((double)(next_rand() >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(next_rand() >> 11) + 0.5) / 9007199254740992.0;
    return mean + sd * sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Rounded to one decimal, within [lo, hi]. */
static double
clamp1(double x, double lo, double hi)
{
    x = round(x * 10) / 10;
    return x < lo ? lo : x > hi ? hi : x;
}

static int
die(const char *what, const struct fail *f, sqlite3 *conn)
{
    fprintf(stderr, "bench_outcomes: %s: %s\n", what,
            f && f->message[0] ? f->message
            : conn             ? sqlite3_errmsg(conn)
                               : "failed");
    return 1;
}

/* The prepared statements of the generator: one each, reused for every row. */
enum {
    S_SCREENING,
    S_COURSE,
    S_ITEM,
    S_APPOINTMENT,
    S_PROCEDURE,
    S_EVENT,
    S_ASSESSMENT,
    S_SET,
    S_VALUE,
    S_VERSION,
    S_COUNT
};
static const char *const insert_sql[S_COUNT] = {
    [S_SCREENING] = "INSERT INTO screenings (patient_id, treatment, session_at, outcome, result,"
                    " inputs, rules_sha256, computed_at, computed_by)"
                    " VALUES (?, ?, ?, 'eligible', '{\"outcome\":\"eligible\"}', '{}', ?, ?, ?)",
    [S_COURSE] = "INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256,"
                 " screening_id, status, start_date, currency, package, discount_minor, version,"
                 " created_at, created_by, updated_at, updated_by)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, 'AED', 1, 0, 1, ?, ?, ?, ?)",
    [S_ITEM] = "INSERT INTO course_items (course_id, seq, kind, milestone, anchor_seq,"
               " offset_months, offset_days, window_before_days, window_after_days, target_date,"
               " earliest_date, latest_date, duration_minutes, prep_minutes, room_kind,"
               " price_minor, status) VALUES (?, ?, ?, ?, ?, ?, ?, 7, 7, ?, ?, ?, ?, ?, ?, ?, ?)",
    [S_APPOINTMENT] = "INSERT INTO appointments (patient_id, kind, course_item_id, start_ms,"
                      " end_ms, prep_minutes, room_id, clinician_id, status, version,"
                      " created_at, created_by, updated_at, updated_by)"
                      " VALUES (?, 'session', ?, ?, ?, ?, ?, ?, 'done', 4, ?, ?, ?, ?)",
    [S_PROCEDURE] = "INSERT INTO procedures (patient_id, appointment_id, treatment, protocol,"
                    " screening_id, status, version, started_at, started_by, completed_at,"
                    " completed_by, updated_at, updated_by)"
                    " VALUES (?, ?, ?, ?, ?, 'completed', 3, ?, ?, ?, ?, ?, ?)",
    [S_EVENT] = "INSERT INTO adverse_events (patient_id, procedure_id, type, severity, onset_at,"
                " outcome, resolved_date, version, created_at, created_by, updated_at,"
                " updated_by) VALUES (?, ?, ?, ?, ?, 'resolved', ?, 1, ?, ?, ?, ?)",
    [S_ASSESSMENT] = "INSERT INTO assessments (patient_id, version, visit_date, complaint, data,"
                     " created_at, created_by, updated_at, updated_by)"
                     " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
    [S_SET] = "INSERT INTO measurement_sets (patient_id, date, course_id, method, device, site,"
              " area_cm2, measured_by, source, created_at, created_by)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'manual', ?, ?)",
    [S_VALUE] = "INSERT INTO measurements (set_id, patient_id, date, measure, value_num,"
                " value_code, version, voided_at, voided_by, void_reason, updated_at, updated_by)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
    [S_VERSION] = "INSERT INTO measurement_versions (measurement_id, version, value_num,"
                  " value_code, reason, at, by) VALUES (?, 1, ?, ?, NULL, ?, ?)",
};

struct gen {
    sqlite3 *conn;
    sqlite3_stmt *st[S_COUNT];
    const struct protocols *p;
    int64_t doctor, nurse, clinician, rooms[2];
    struct date today;
    int64_t courses, anchored, items, appointments, procedures, events, assessments, sets, values,
        voided, patients;
};

static int
step(struct gen *g, int which, int64_t *id)
{
    sqlite3_stmt *st = g->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return rc;
    if (id)
        *id = sqlite3_last_insert_rowid(g->conn);
    return SQLITE_OK;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* 10:00 local on day `d` (plus `minutes`), as UTC. */
static int64_t
local_ms(const struct date *d, int minutes)
{
    int64_t ms = 0;
    if (clinic_tz_to_utc(d, 600 + minutes, &ms) != ST_OK)
        ms = date_to_days(d) * DAY_MS + 36000000;
    return ms;
}

/* One value of a set (and its first version), voided now and then. */
static int
add_value(struct gen *g, int64_t set_id, int64_t patient, const char *date, int64_t at_ms,
          const char *measure, double num, const char *code)
{
    sqlite3_stmt *st = g->st[S_VALUE];
    bool voided = rand_below(1000) < VOID_PERMILLE;
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_int64(st, 2, patient);
    bind_text(st, 3, date);
    bind_text(st, 4, measure);
    if (code)
        bind_text(st, 6, code);
    else
        sqlite3_bind_double(st, 5, num);
    if (voided) {
        sqlite3_bind_int64(st, 7, at_ms + DAY_MS);
        sqlite3_bind_int64(st, 8, g->doctor);
        bind_text(st, 9, "entered for the wrong patient (benchmark)");
    }
    sqlite3_bind_int64(st, 10, at_ms);
    sqlite3_bind_int64(st, 11, g->nurse);
    int64_t id = 0;
    int rc = step(g, S_VALUE, &id);
    if (rc != SQLITE_OK)
        return rc;
    st = g->st[S_VERSION];
    sqlite3_bind_int64(st, 1, id);
    if (code)
        bind_text(st, 3, code);
    else
        sqlite3_bind_double(st, 2, num);
    sqlite3_bind_int64(st, 4, at_ms);
    sqlite3_bind_int64(st, 5, g->nurse);
    return step(g, S_VERSION, NULL);
}

/* A visit's set of values: hair (density, count, diameter, anagen) or face (wrinkles,
 * pigmentation). `gain` is the density change since baseline that this visit shows. */
static int
add_visit(struct gen *g, int64_t patient, int64_t course, const struct date *day, bool hair,
          double base_density, double gain)
{
    char date[11];
    date_format(day, date);
    int64_t at = local_ms(day, 90);
    sqlite3_stmt *st = g->st[S_SET];
    sqlite3_bind_int64(st, 1, patient);
    bind_text(st, 2, date);
    sqlite3_bind_int64(st, 3, course);
    bind_text(st, 4, hair ? "phototrichogram" : "clinical_grading");
    bind_text(st, 5, hair ? "Bench dermatoscope" : NULL);
    bind_text(st, 6, hair ? "vertex, tattoo-marked" : NULL);
    if (hair)
        sqlite3_bind_double(st, 7, 0.65);
    sqlite3_bind_int64(st, 8, g->nurse);
    sqlite3_bind_int64(st, 9, at);
    sqlite3_bind_int64(st, 10, g->nurse);
    int64_t set = 0;
    int rc = step(g, S_SET, &set);
    if (rc != SQLITE_OK)
        return rc;
    if (hair) {
        double density = clamp1(base_density + gain, 5, 400);
        rc = add_value(g, set, patient, date, at, "hair_density", density, NULL);
        if (rc == SQLITE_OK)
            rc = add_value(g, set, patient, date, at, "hair_count", round(density * 0.65), NULL);
        if (rc == SQLITE_OK)
            rc = add_value(g, set, patient, date, at, "shaft_diameter",
                           clamp1(rand_normal(62 + gain / 4, 8), 20, 120), NULL);
        if (rc == SQLITE_OK)
            rc = add_value(g, set, patient, date, at, "anagen_percent",
                           clamp1(rand_normal(72 + gain / 3, 8), 30, 99), NULL);
        return rc;
    }
    static const char *const wrinkles[] = {"I", "II", "III", "IV"};
    rc = add_value(g, set, patient, date, at, "wrinkle_grade", 0, wrinkles[rand_below(4)]);
    if (rc == SQLITE_OK)
        rc = add_value(g, set, patient, date, at, "pigmentation", clamp1(rand_normal(6, 3), 0, 24),
                       NULL);
    return rc;
}

/* A course item; sets *id. */
static int
add_item(struct gen *g, int64_t course, int seq, const char *kind, const char *milestone,
         const struct date *target, const struct course_protocol *cp, const char *status,
         int64_t *id)
{
    char t[11], lo[11], hi[11];
    struct date a, b;
    date_add_days(target, -7, &a);
    date_add_days(target, 7, &b);
    date_format(target, t);
    date_format(&a, lo);
    date_format(&b, hi);
    bool session = strcmp(kind, "follow_up") != 0;
    sqlite3_stmt *st = g->st[S_ITEM];
    sqlite3_bind_int64(st, 1, course);
    sqlite3_bind_int(st, 2, seq);
    bind_text(st, 3, kind);
    bind_text(st, 4, milestone);
    if (seq > 1)
        sqlite3_bind_int(st, 5, 1);
    sqlite3_bind_int(st, 6, 0);
    sqlite3_bind_int(st, 7, 0);
    bind_text(st, 8, t);
    bind_text(st, 9, lo);
    bind_text(st, 10, hi);
    sqlite3_bind_int(st, 11, session ? cp->duration_minutes : 30);
    sqlite3_bind_int(st, 12, session ? cp->prep_minutes : 0);
    bind_text(st, 13, session ? cp->room_kind : "consultation");
    sqlite3_bind_int64(st, 14, session ? cp->session_minor : cp->follow_up_minor);
    bind_text(st, 15, status);
    return step(g, S_ITEM, id);
}

/* A done session: its appointment (unless the course came from paper records), the procedure
 * at the chair and now and then an adverse event. */
static int
add_session(struct gen *g, int64_t patient, int64_t screening, int64_t item, const struct date *day,
            const struct course_protocol *cp, bool paper)
{
    if (paper)
        return SQLITE_OK;
    int64_t start = local_ms(day, 15 * rand_below(24)), end = start + cp->duration_minutes * 60000;
    sqlite3_stmt *st = g->st[S_APPOINTMENT];
    sqlite3_bind_int64(st, 1, patient);
    sqlite3_bind_int64(st, 2, item);
    sqlite3_bind_int64(st, 3, start);
    sqlite3_bind_int64(st, 4, end);
    sqlite3_bind_int(st, 5, cp->prep_minutes);
    sqlite3_bind_int64(st, 6, g->rooms[strcmp(cp->room_kind, "procedure") == 0]);
    sqlite3_bind_int64(st, 7, g->clinician);
    sqlite3_bind_int64(st, 8, start - 20 * DAY_MS);
    sqlite3_bind_int64(st, 9, g->doctor);
    sqlite3_bind_int64(st, 10, end);
    sqlite3_bind_int64(st, 11, g->doctor);
    int64_t appointment = 0, procedure = 0;
    int rc = step(g, S_APPOINTMENT, &appointment);
    if (rc != SQLITE_OK)
        return rc;
    st = g->st[S_PROCEDURE];
    sqlite3_bind_int64(st, 1, patient);
    sqlite3_bind_int64(st, 2, appointment);
    bind_text(st, 3, cp->screening_treatment);
    bind_text(st, 4, cp->code);
    sqlite3_bind_int64(st, 5, screening);
    sqlite3_bind_int64(st, 6, start);
    sqlite3_bind_int64(st, 7, g->doctor);
    sqlite3_bind_int64(st, 8, end);
    sqlite3_bind_int64(st, 9, g->doctor);
    sqlite3_bind_int64(st, 10, end);
    sqlite3_bind_int64(st, 11, g->doctor);
    if ((rc = step(g, S_PROCEDURE, &procedure)) != SQLITE_OK)
        return rc;
    if (rand_below(1000) >= EVENT_PERMILLE)
        return SQLITE_OK;
    static const char *const types[] = {"pain",     "swelling", "redness",
                                        "bruising", "headache", "bleeding"};
    /* One in fifty events is serious. */
    const char *severity = rand_below(50) == 0 ? "serious" : rand_below(4) ? "mild" : "moderate";
    struct date resolved;
    char rd[11];
    date_add_days(day, 1 + rand_below(6), &resolved);
    date_format(&resolved, rd);
    st = g->st[S_EVENT];
    sqlite3_bind_int64(st, 1, patient);
    sqlite3_bind_int64(st, 2, procedure);
    bind_text(st, 3, types[rand_below(6)]);
    bind_text(st, 4, severity);
    sqlite3_bind_int64(st, 5, end + 3600000);
    bind_text(st, 6, rd);
    sqlite3_bind_int64(st, 7, end + 7200000);
    sqlite3_bind_int64(st, 8, g->nurse);
    sqlite3_bind_int64(st, 9, end + 7200000);
    sqlite3_bind_int64(st, 10, g->nurse);
    return step(g, S_EVENT, NULL);
}

/* The hair assessment at the first visit, graded as a clinic would: Norwood for men, Ludwig
 * and now and then Sinclair for women. */
static int
add_assessment(struct gen *g, int64_t patient, const char *sex, const struct date *day)
{
    static const char *const norwood[] = {"II", "IIa", "III", "III-vertex", "IV", "V"};
    static const char *const ludwig[] = {"I", "II", "III"};
    char date[11], data[512], sinclair[8] = "null";
    date_format(day, date);
    bool woman = strcmp(sex, "female") == 0;
    char nw[16] = "null", lw[16] = "null";
    if (woman) {
        snprintf(lw, sizeof(lw), "\"%s\"", ludwig[rand_below(3)]);
        if (rand_below(3) == 0)
            snprintf(sinclair, sizeof(sinclair), "%d", 2 + rand_below(3));
    } else {
        snprintf(nw, sizeof(nw), "\"%s\"", norwood[rand_below(6)]);
    }
    snprintf(data, sizeof(data),
             "{\"visit_date\":\"%s\",\"complaint\":\"hair\",\"hair\":{\"norwood\":%s,"
             "\"ludwig\":%s,\"sinclair\":%s,\"savin\":null,\"salt\":null,\"duration_months\":%d,"
             "\"hair_present_in_area\":true,\"zones\":[\"vertex\"],\"factors\":null},"
             "\"face\":null,\"consent_to_risks\":true,\"acute_illness\":false,\"notes\":null}",
             date, nw, lw, sinclair, 6 + rand_below(120));
    int64_t at = local_ms(day, 0);
    sqlite3_stmt *st = g->st[S_ASSESSMENT];
    sqlite3_bind_int64(st, 1, patient);
    bind_text(st, 2, date);
    bind_text(st, 3, "hair");
    bind_text(st, 4, data);
    sqlite3_bind_int64(st, 5, at);
    sqlite3_bind_int64(st, 6, g->doctor);
    sqlite3_bind_int64(st, 7, at);
    sqlite3_bind_int64(st, 8, g->doctor);
    return step(g, S_ASSESSMENT, NULL);
}

/* A patient's course from start to its 6-month visit. */
static int
add_patient(struct gen *g, int64_t patient, const char *sex)
{
    /* Two hair courses for each face course; adsc-hair is the rarer hair treatment. */
    int pick = rand_below(6);
    const struct course_protocol *cp =
        course_protocols_find(g->p->courses, pick < 3   ? "prp-hair"
                                             : pick < 4 ? "adsc-hair"
                                                        : "prp-face");
    bool hair = pick < 4, paper = rand_below(100) < PAPER_PERCENT;
    bool started = rand_below(100) >= NOT_STARTED_PERCENT;
    struct date start;
    date_add_days(&g->today, -(START_MIN_DAYS + rand_below(START_MAX_DAYS - START_MIN_DAYS)),
                  &start);
    char sd[11];
    date_format(&start, sd);
    int64_t created = local_ms(&start, -60);

    sqlite3_stmt *st = g->st[S_SCREENING];
    sqlite3_bind_int64(st, 1, patient);
    bind_text(st, 2, cp->screening_treatment);
    sqlite3_bind_int64(st, 3, local_ms(&start, 0));
    bind_text(st, 4, g->p->screening_sha256);
    sqlite3_bind_int64(st, 5, created);
    sqlite3_bind_int64(st, 6, g->doctor);
    int64_t screening = 0, course = 0;
    int rc = step(g, S_SCREENING, &screening);
    if (rc != SQLITE_OK)
        return rc;
    st = g->st[S_COURSE];
    sqlite3_bind_int64(st, 1, patient);
    bind_text(st, 2, cp->code);
    sqlite3_bind_text(st, 3, cp->text, (int)cp->text_len, SQLITE_STATIC);
    bind_text(st, 4, cp->sha256);
    sqlite3_bind_int64(st, 5, screening);
    bind_text(st, 6, started ? "completed" : "active");
    bind_text(st, 7, sd);
    sqlite3_bind_int64(st, 8, created);
    sqlite3_bind_int64(st, 9, g->doctor);
    sqlite3_bind_int64(st, 10, created);
    sqlite3_bind_int64(st, 11, g->doctor);
    if ((rc = step(g, S_COURSE, &course)) != SQLITE_OK)
        return rc;

    /* Loading sessions from about a week after the start, then the follow-ups from the first
     * session, then maintenance still to come. */
    struct date anchor, d;
    date_add_days(&start, 3 + rand_below(10), &anchor);
    int seq = 0;
    for (int i = 0; i < cp->session_count && rc == SQLITE_OK; i++) {
        int64_t item = 0;
        date_add_days(&anchor, (int64_t)i * cp->interval_target_days + (i ? rand_below(7) : 0), &d);
        rc = add_item(g, course, ++seq, "session", NULL, &d, cp, started ? "done" : "planned",
                      &item);
        if (rc == SQLITE_OK && started)
            rc = add_session(g, patient, screening, item, &d, cp, paper);
    }
    for (size_t i = 0; i < cp->nfollow_ups && rc == SQLITE_OK; i++) {
        const struct course_follow_up *fu = &cp->follow_ups[i];
        if (fu->months) {
            if (date_add_months(&anchor, fu->months, &d) != ST_OK)
                d = anchor;
        } else {
            date_add_days(&anchor, fu->days, &d);
        }
        rc = add_item(g, course, ++seq, "follow_up", fu->code, &d, cp, started ? "done" : "planned",
                      NULL);
    }
    for (int i = 0; cp->has_maintenance && i < cp->maintenance_count && rc == SQLITE_OK; i++) {
        if (date_add_months(&anchor, 3 + (i + 1) * cp->maintenance_every_months, &d) != ST_OK)
            d = anchor;
        rc = add_item(g, course, ++seq, "maintenance", NULL, &d, cp, "planned", NULL);
    }
    if (rc != SQLITE_OK)
        return rc;

    /* The visits: baseline a few days before the first session, then about 3 and 6 months
     * after it, each a few days off the month. */
    struct date visit;
    date_add_days(&anchor, -rand_below(21), &visit);
    if (hair && (rc = add_assessment(g, patient, sex, &visit)) != SQLITE_OK)
        return rc;
    double base = rand_normal(strcmp(sex, "female") == 0 ? 125 : 110, 25);
    double mean_gain = strcmp(cp->code, "prp-hair") == 0 ? 12 : 5;
    rc = add_visit(g, patient, course, &visit, hair, base, 0);
    for (int k = 1; k <= 2 && rc == SQLITE_OK; k++) {
        if (date_add_months(&anchor, 3 * k, &visit) != ST_OK)
            break;
        date_add_days(&visit, rand_below(25) - 12, &visit);
        rc = add_visit(g, patient, course, &visit, hair, base, rand_normal(mean_gain * k, 15));
    }
    return rc;
}

struct patient_row {
    int64_t id;
    char sex[8];
};

/* Writes the whole clinic's outcomes in one transaction with prepared statements. */
static int
generate(struct gen *g, const char *path, int64_t patients)
{
    struct patient_row *rows = calloc((size_t)patients, sizeof(*rows));
    if (!rows)
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(path, &g->conn, SQLITE_OPEN_READWRITE, NULL);
    /* The file is new and written again on the next run if this one fails: no journal, so that
     * the gigabyte of courses (each keeps its protocol document) is written once, not twice. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(g->conn,
                          "PRAGMA journal_mode=OFF; PRAGMA locking_mode=EXCLUSIVE;"
                          " PRAGMA foreign_keys=ON; PRAGMA synchronous=OFF;"
                          " PRAGMA cache_size=-524288; BEGIN IMMEDIATE",
                          NULL, NULL, NULL);
    for (int i = 0; i < S_COUNT && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v2(g->conn, insert_sql[i], -1, &g->st[i], NULL);
    /* The demo's staff and rooms; the doctor treats, the nurse measures. */
    sqlite3_stmt *q = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(g->conn,
                          "INSERT INTO clinicians (user_id) SELECT id FROM users"
                          " WHERE username = 'doctor'",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(g->conn,
                                "SELECT (SELECT id FROM users WHERE username = 'doctor'),"
                                " (SELECT id FROM users WHERE username = 'nurse'),"
                                " (SELECT max(id) FROM clinicians),"
                                " (SELECT min(id) FROM rooms WHERE kind = 'treatment'),"
                                " (SELECT min(id) FROM rooms WHERE kind = 'procedure')",
                                -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        g->doctor = sqlite3_column_int64(q, 0);
        g->nurse = sqlite3_column_int64(q, 1);
        g->clinician = sqlite3_column_int64(q, 2);
        g->rooms[0] = sqlite3_column_int64(q, 3);
        g->rooms[1] = sqlite3_column_int64(q, 4);
    }
    sqlite3_finalize(q);
    q = NULL;
    int64_t n = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(g->conn, "SELECT id, sex FROM patients ORDER BY id", -1, &q, NULL);
    while (rc == SQLITE_OK && n < patients && sqlite3_step(q) == SQLITE_ROW) {
        rows[n].id = sqlite3_column_int64(q, 0);
        snprintf(rows[n].sex, sizeof(rows[n].sex), "%s", (const char *)sqlite3_column_text(q, 1));
        n++;
    }
    sqlite3_finalize(q);
    for (int64_t i = 0; i < n && rc == SQLITE_OK; i++)
        rc = add_patient(g, rows[i].id, rows[i].sex);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(g->conn, "COMMIT", NULL, NULL, NULL);
    /* Back to what a clinic's database is: write-ahead logging. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(g->conn, "PRAGMA locking_mode=NORMAL; PRAGMA journal_mode=WAL", NULL,
                          NULL, NULL);
    free(rows);
    return rc;
}

static void
gen_close(struct gen *g)
{
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(g->st[i]);
    if (g->conn)
        sqlite3_close(g->conn);
    g->conn = NULL;
}

/* This thread's CPU time in microseconds: the work itself, whatever else the machine runs. */
static int64_t
cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* What the database holds, counted (a reused database was written by an earlier run). */
static int
count_rows(const char *path, struct gen *g)
{
    static const char *const sql =
        "SELECT (SELECT count(*) FROM courses), (SELECT count(DISTINCT course_id) FROM"
        " course_items WHERE kind = 'session' AND status = 'done'), (SELECT count(*) FROM"
        " course_items), (SELECT count(*) FROM appointments), (SELECT count(*) FROM procedures),"
        " (SELECT count(*) FROM adverse_events), (SELECT count(*) FROM assessments), (SELECT"
        " count(*) FROM measurement_sets), (SELECT count(*) FROM measurements), (SELECT count(*)"
        " FROM measurements WHERE voided_at IS NOT NULL), (SELECT count(*) FROM patients)";
    sqlite3 *conn = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(conn, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *into[] = {&g->courses,    &g->anchored, &g->items,       &g->appointments,
                           &g->procedures, &g->events,   &g->assessments, &g->sets,
                           &g->values,     &g->voided,   &g->patients};
        for (int i = 0; i < 11; i++)
            *into[i] = sqlite3_column_int64(st, i);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return rc;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of n sorted durations, nearest rank, in ms. */
static double
percentile_ms(const int64_t *sorted_us, int n, double p)
{
    int rank = (int)(p / 100.0 * n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted_us[rank - 1] / 1000.0;
}

/* One timed case: a name for the table and the query as the API would receive it. */
struct bench_case {
    const char *name;
    struct cohort_params q;
    bool courses_csv;
};

int
main(int argc, char **argv)
{
    const char *dir = NULL, *protocols_dir = "protocols";
    long iterations = 20, patients = PATIENTS;
    bool reuse = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reuse") == 0) {
            reuse = true;
            continue;
        }
        if (strcmp(argv[i], "--protocols") == 0 && i + 1 < argc) {
            protocols_dir = argv[++i];
            continue;
        }
        long *target = strcmp(argv[i], "--iterations") == 0 ? &iterations
                       : strcmp(argv[i], "--patients") == 0 ? &patients
                                                            : NULL;
        if (target && i + 1 < argc) {
            char *end;
            errno = 0;
            *target = strtol(argv[++i], &end, 10);
            if (errno || *end || *target < 1 || *target > 10000000) {
                fprintf(stderr, "bench_outcomes: %s wants a whole number from 1\n", argv[i - 1]);
                return 2;
            }
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_outcomes RESULTS_DIR [--protocols DIR] [--iterations N]"
                            " [--patients N]\n");
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: bench_outcomes RESULTS_DIR [--protocols DIR] [--iterations N]"
                        " [--patients N]\n");
        return 2;
    }

    struct fail f;
    fail_clear(&f);
    struct db *db = NULL;
    struct protocols *p = NULL;
    struct gen g = {0};
    struct clinic_settings cs;
    struct actor actor;
    char path[512], md[600];
    int64_t *us = NULL, *cpu = NULL;
    int rc = 1;

    clinic_settings_default(&cs);
    if (crypto_setup() != ST_OK)
        return die("libsodium", NULL, NULL);
    if (clinic_settings_time_zone(&cs, "Asia/Dubai", &f) != ST_OK ||
        clinic_settings_apply(&cs, &f) != ST_OK)
        return die("time zone", &f, NULL);
    if (protocols_load(protocols_dir, &p, &f) != ST_OK)
        return die("protocols", &f, NULL);
    if ((size_t)snprintf(path, sizeof(path), "%s/outcomes.db", dir) >= sizeof(path)) {
        rc = die("the results directory's name is too long", NULL, NULL);
        goto out;
    }
    int64_t t0 = time_mono_us(), t1 = t0, t2 = t0;
    if (!reuse) {
        unlink(path);
        snprintf(md, sizeof(md), "%s-wal", path);
        unlink(md);
        snprintf(md, sizeof(md), "%s-shm", path);
        unlink(md);
        if (db_open(path, true, &db, &f) != ST_OK || db_migrate(db, NULL, NULL, &f) != ST_OK ||
            db_bulk_load(db) != ST_OK || demo_create(db, patients, NULL, &f) != ST_OK) {
            rc = die("building the patients", &f, NULL);
            goto out;
        }
        db_close(db);
        db = NULL;
        t1 = time_mono_us();
        clinic_tz_today(&g.today);
        g.p = p;
        if (generate(&g, path, patients) != SQLITE_OK ||
            /* The planner's statistics, as a clinic's database has them once it has run. */
            sqlite3_exec(g.conn, "ANALYZE", NULL, NULL, NULL) != SQLITE_OK) {
            rc = die("writing the outcomes", NULL, g.conn);
            gen_close(&g);
            goto out;
        }
        gen_close(&g);
        t2 = time_mono_us();
    }
    clinic_tz_today(&g.today);
    if (count_rows(path, &g) != SQLITE_OK) {
        rc = die("counting the rows", NULL, NULL);
        goto out;
    }

    /* Reports run on a connection as the server's workers have: the default page cache. */
    if (db_open(path, false, &db, &f) != ST_OK) {
        rc = die("reopening", &f, NULL);
        goto out;
    }
    actor_cli(&actor);
    struct date from, to;
    char from_s[11], to_s[11];
    date_add_days(&g.today, -540, &from);
    date_add_days(&g.today, -180, &to);
    date_format(&from, from_s);
    date_format(&to, to_s);
    const struct bench_case cases[] = {
        {"every protocol, no filter", {0}, false},
        {"protocol prp-hair", {.protocol = "prp-hair"}, false},
        {"age band 40_49", {.age_band = "40_49"}, false},
        {"sex female", {.sex = "female"}, false},
        {"grade norwood:III", {.grade = "norwood:III"}, false},
        {"threshold 20", {.threshold = "20"}, false},
        {"anchor within a year (from, to)", {.from = from_s, .to = to_s}, false},
        {"baseline_days 60, window_days 14", {.baseline_days = "60", .window_days = "14"}, false},
        {"every filter at once",
         {.protocol = "prp-hair",
          .age_band = "30_39",
          .sex = "male",
          .grade = "norwood:III",
          .threshold = "10",
          .from = from_s,
          .to = to_s},
         false},
        {"courses CSV, no filter", {0}, true},
    };
    size_t ncases = sizeof(cases) / sizeof(cases[0]);
    us = calloc((size_t)iterations * ncases, sizeof(int64_t));
    cpu = calloc((size_t)iterations, sizeof(int64_t));
    if (!us || !cpu) {
        rc = die("memory", NULL, NULL);
        goto out;
    }
    struct {
        double p50, p99, max, cpu50, cpu99;
        long long courses, bytes;
    } fig[sizeof(cases) / sizeof(cases[0])];
    for (size_t c = 0; c < ncases; c++) {
        int64_t *t = us + c * (size_t)iterations;
        /* One untimed run first: the first read of the file into the page cache is not what a
         * clinic's server, which has read it before, pays. */
        for (long it = -1; it < iterations; it++) {
            int64_t s0 = time_mono_us(), c0 = cpu_us();
            json_t *out = NULL;
            char *text = NULL;
            size_t len = 0;
            int st;
            if (cases[c].courses_csv) {
                st = cohort_courses_csv(db, p, &actor, &cases[c].q, &text, &len, &f);
            } else {
                st = cohort_report(db, p, &actor, &cases[c].q, &out, &f);
                if (st == ST_OK) {
                    text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(15));
                    len = text ? strlen(text) : 0;
                }
            }
            int64_t took = time_mono_us() - s0, took_cpu = cpu_us() - c0;
            if (st != ST_OK || !text) {
                json_decref(out);
                free(text);
                rc = die(cases[c].name, &f, NULL);
                goto out;
            }
            if (it >= 0) {
                t[it] = took;
                cpu[it] = took_cpu;
            }
            fig[c].bytes = (long long)len;
            fig[c].courses = 0;
            json_t *v;
            size_t i;
            json_array_foreach(json_object_get(out, "protocols"), i, v)
            {
                fig[c].courses += json_integer_value(json_object_get(v, "courses"));
            }
            json_decref(out);
            free(text);
        }
        qsort(t, (size_t)iterations, sizeof(t[0]), cmp_i64);
        fig[c].p50 = percentile_ms(t, (int)iterations, 50);
        fig[c].p99 = percentile_ms(t, (int)iterations, 99);
        fig[c].max = t[iterations - 1] / 1000.0;
        qsort(cpu, (size_t)iterations, sizeof(cpu[0]), cmp_i64);
        fig[c].cpu50 = percentile_ms(cpu, (int)iterations, 50);
        fig[c].cpu99 = percentile_ms(cpu, (int)iterations, 99);
        printf("bench_outcomes: %-36s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  CPU p50 %7.1f ms\n",
               cases[c].name, fig[c].p50, fig[c].p99, fig[c].max, fig[c].cpu50);
        fflush(stdout);
    }

    char load[64] = "unknown", cpu_name[128] = "", line[256];
    FILE *la = fopen("/proc/loadavg", "r");
    if (la && fgets(load, sizeof(load), la)) {
        char *end = load;
        for (int sp = 0; sp < 3 && end; sp++)
            end = strchr(end + 1, ' ');
        if (end)
            *end = '\0';
    }
    if (la)
        fclose(la);
    FILE *ci = fopen("/proc/cpuinfo", "r");
    while (ci && fgets(line, sizeof(line), ci))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(cpu_name, sizeof(cpu_name), "%s", strchr(line, ':') + 2);
            cpu_name[strcspn(cpu_name, "\n")] = '\0';
            break;
        }
    if (ci)
        fclose(ci);
    struct stat sb;
    double db_mb = stat(path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;

    snprintf(md, sizeof(md), "%s/outcomes.md", dir);
    FILE *out = fopen(md, "w");
    if (!out) {
        rc = die("cannot write the results", NULL, NULL);
        goto out;
    }
    int met = 0;
    FILE *targets[] = {stdout, out};
    for (int i = 0; i < 2; i++) {
        FILE *o = targets[i];
        fprintf(o, "## Cohort report benchmark\n\n");
        fprintf(o,
                "- Clinic: %lld patients, %lld courses (%lld with a done session: prp-hair,"
                " adsc-hair and prp-face as 3 : 1 : 2), %lld course items, %lld appointments"
                " and %lld procedures, %lld adverse events, %lld hair assessments, %lld"
                " measurement sets with %lld measurements (%lld voided); database %.0f MB\n",
                (long long)g.patients, (long long)g.courses, (long long)g.anchored,
                (long long)g.items, (long long)g.appointments, (long long)g.procedures,
                (long long)g.events, (long long)g.assessments, (long long)g.sets,
                (long long)g.values, (long long)g.voided, db_mb);
        if (reuse)
            fprintf(o, "- Database written by an earlier run (--reuse)\n");
        else
            fprintf(o,
                    "- Written in %.1f s: the patients by the demo generator (%.1f s), the rest"
                    " straight through SQL in one transaction with prepared statements (%.1f s)\n",
                    (t2 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        fprintf(o,
                "- Timed: `cohort_report` as the handler calls it, JSON written out (the last"
                " row: `cohort_courses_csv`), %ld runs of each after one untimed, on a"
                " connection with the default page cache\n",
                iterations);
        fprintf(o,
                "- Machine: %ld CPUs, %s, load average %s after the run. Elapsed time, and the"
                " thread's CPU time, which other work on the machine does not lengthen\n\n",
                sysconf(_SC_NPROCESSORS_ONLN), cpu_name[0] ? cpu_name : "unknown CPU", load);
        fprintf(o, "| query | courses reported | output | p50 | p99 | max | CPU p50 | CPU p99 |"
                   " target | met |\n");
        fprintf(o, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        met = 0;
        for (size_t c = 0; c < ncases; c++) {
            bool ok = fig[c].max < 1000;
            met += ok;
            char courses[32] = "";
            if (!cases[c].courses_csv)
                snprintf(courses, sizeof(courses), "%lld", fig[c].courses);
            fprintf(o,
                    "| %s | %s | %lld bytes | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |"
                    " < 1 s | %s |\n",
                    cases[c].name, courses, fig[c].bytes, fig[c].p50, fig[c].p99, fig[c].max,
                    fig[c].cpu50, fig[c].cpu99, ok ? "yes" : "no");
        }
        fprintf(o, "\nTargets met: %d of %zu (judged on the slowest run of each query).\n", met,
                ncases);
    }
    fclose(out);
    /* A missed target is a finding of the table, not a failure of the run. */
    rc = 0;
out:
    free(us);
    free(cpu);
    db_close(db);
    protocols_free(p);
    return rc;
}
