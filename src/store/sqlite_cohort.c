/* The cohort report's reads in SQLite (db.h): each a single pass over one table (or a covering
 * index) in id or patient order, with no lookup per row; the report merges them in memory.
 * A lookup per row is what made the first version slow: a hundred thousand courses meant a
 * million B-tree searches. */
#include "store/db.h"

#include <sqlite3.h>

#include "store/sqlite_internal.h"

/* Steps `st` to its end, calling `row` for each row with `pass` (the caller's callback and its
 * context); a non-zero return stops and is returned. */
static int
each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *pass), void *pass)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = row(st, pass);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

struct course_pass {
    db_cohort_course_cb cb;
    void *ctx;
};

static int
course_row(sqlite3_stmt *st, void *pass)
{
    const struct course_pass *ps = pass;
    struct db_cohort_course c = {
        .id = sqlite3_column_int64(st, 0),
        .patient_id = sqlite3_column_int64(st, 1),
        .protocol = (const char *)sqlite3_column_text(st, 2),
        .date_of_birth = (const char *)sqlite3_column_text(st, 3),
        .sex = (const char *)sqlite3_column_text(st, 4),
    };
    if (!c.protocol || !c.date_of_birth || !c.sex)
        return ST_NOMEM;
    return ps->cb(ps->ctx, &c);
}

int
db_cohort_courses(struct db *db, const char *protocol, db_cohort_course_cb cb, void *ctx)
{
    /* courses_for_reports covers the columns: the protocol document each row carries is never
     * read. */
    sqlite3_stmt *st = sq_stmt(db, "SELECT c.id, c.patient_id, c.protocol, p.date_of_birth, p.sex"
                                   " FROM courses c INDEXED BY courses_for_reports"
                                   " JOIN patients p ON p.id = c.patient_id"
                                   " WHERE p.deleted = 0 AND (?1 IS NULL OR c.protocol = ?1)"
                                   " ORDER BY c.patient_id, c.id");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, protocol);
    struct course_pass ps = {cb, ctx};
    return each_row(st, course_row, &ps);
}

struct item_pass {
    db_cohort_item_cb cb;
    void *ctx;
};

static int
item_row(sqlite3_stmt *st, void *pass)
{
    const struct item_pass *ps = pass;
    struct db_cohort_item it = {
        .id = sqlite3_column_int64(st, 0),
        .course_id = sqlite3_column_int64(st, 1),
        .done_session = sqlite3_column_int(st, 2) != 0,
        .target_date = (const char *)sqlite3_column_text(st, 3),
    };
    if (!it.target_date)
        return ST_NOMEM;
    return ps->cb(ps->ctx, &it);
}

int
db_cohort_items(struct db *db, db_cohort_item_cb cb, void *ctx)
{
    /* Procedures are started for session appointments only, which loading and maintenance
     * items book: follow-up visits are not read. */
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, course_id, kind = 'session' AND status = 'done',"
                                   " target_date FROM course_items"
                                   " INDEXED BY course_items_treatments"
                                   " WHERE kind IN ('session', 'maintenance')");
    if (!st)
        return ST_DB;
    struct item_pass ps = {cb, ctx};
    return each_row(st, item_row, &ps);
}

struct appointment_pass {
    db_cohort_appointment_cb cb;
    void *ctx;
};

static int
appointment_row(sqlite3_stmt *st, void *pass)
{
    const struct appointment_pass *ps = pass;
    struct db_cohort_appointment a = {
        .id = sqlite3_column_int64(st, 0),
        .course_item_id = sqlite3_column_int64(st, 1),
        .holds = sqlite3_column_int(st, 2) != 0,
        .start_ms = sqlite3_column_int64(st, 3),
    };
    return ps->cb(ps->ctx, &a);
}

int
db_cohort_appointments(struct db *db, db_cohort_appointment_cb cb, void *ctx)
{
    /* appointments_by_item covers the columns. */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT id, course_item_id, status NOT IN ('cancelled', 'no_show'), start_ms"
                    " FROM appointments INDEXED BY appointments_by_item"
                    " WHERE course_item_id IS NOT NULL");
    if (!st)
        return ST_DB;
    struct appointment_pass ps = {cb, ctx};
    return each_row(st, appointment_row, &ps);
}

struct procedure_pass {
    db_cohort_procedure_cb cb;
    void *ctx;
};

static int
procedure_row(sqlite3_stmt *st, void *pass)
{
    const struct procedure_pass *ps = pass;
    struct db_cohort_procedure p = {
        .id = sqlite3_column_int64(st, 0),
        .appointment_id = sqlite3_column_int64(st, 1),
        .completed = sqlite3_column_int(st, 2) != 0,
    };
    return ps->cb(ps->ctx, &p);
}

int
db_cohort_procedures(struct db *db, db_cohort_procedure_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, appointment_id, status = 'completed'"
                                   " FROM procedures INDEXED BY procedures_for_reports");
    if (!st)
        return ST_DB;
    struct procedure_pass ps = {cb, ctx};
    return each_row(st, procedure_row, &ps);
}

struct event_pass {
    db_cohort_event_cb cb;
    void *ctx;
};

static int
event_row(sqlite3_stmt *st, void *pass)
{
    const struct event_pass *ps = pass;
    struct db_cohort_event e = {
        .procedure_id = sqlite3_column_int64(st, 0),
        .serious = sqlite3_column_int(st, 1) != 0,
    };
    return ps->cb(ps->ctx, &e);
}

int
db_cohort_events(struct db *db, db_cohort_event_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT procedure_id, severity = 'serious' FROM adverse_events"
                                   " WHERE procedure_id IS NOT NULL");
    if (!st)
        return ST_DB;
    struct event_pass ps = {cb, ctx};
    return each_row(st, event_row, &ps);
}

struct value_pass {
    db_cohort_value_cb cb;
    void *ctx;
};

static int
value_row(sqlite3_stmt *st, void *pass)
{
    const struct value_pass *ps = pass;
    struct db_cohort_value v = {
        .id = sqlite3_column_int64(st, 0),
        .patient_id = sqlite3_column_int64(st, 1),
        .date = (const char *)sqlite3_column_text(st, 2),
        .value = sqlite3_column_double(st, 3),
    };
    if (!v.date)
        return ST_NOMEM;
    return ps->cb(ps->ctx, &v);
}

int
db_cohort_values(struct db *db, const char *measure, db_cohort_value_cb cb, void *ctx)
{
    /* measurements_by_measure covers the columns (its key ends with value_num). */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT id, patient_id, date, value_num FROM measurements"
                    " WHERE measure = ? AND voided_at IS NULL AND value_num IS NOT NULL"
                    " ORDER BY patient_id, date, id");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, measure);
    struct value_pass ps = {cb, ctx};
    return each_row(st, value_row, &ps);
}

struct grade_pass {
    db_cohort_grade_cb cb;
    void *ctx;
};

static int
grade_row(sqlite3_stmt *st, void *pass)
{
    const struct grade_pass *ps = pass;
    struct db_cohort_grade g = {
        .id = sqlite3_column_int64(st, 0),
        .patient_id = sqlite3_column_int64(st, 1),
        .visit_date = (const char *)sqlite3_column_text(st, 2),
        .norwood = (const char *)sqlite3_column_text(st, 3),
        .ludwig = (const char *)sqlite3_column_text(st, 4),
        .sinclair = (const char *)sqlite3_column_text(st, 5),
        .savin = (const char *)sqlite3_column_text(st, 6),
    };
    if (!g.visit_date)
        return ST_NOMEM;
    return ps->cb(ps->ctx, &g);
}

int
db_cohort_grades(struct db *db, db_cohort_grade_cb cb, void *ctx)
{
    /* SQLite keeps the parse of a row's document between the four extractions. */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT id, patient_id, visit_date, json_extract(data, '$.hair.norwood'),"
                    " json_extract(data, '$.hair.ludwig'), json_extract(data, '$.hair.sinclair'),"
                    " json_extract(data, '$.hair.savin') FROM assessments INDEXED BY"
                    " assessments_hair WHERE complaint = 'hair' ORDER BY patient_id, visit_date,"
                    " id");
    if (!st)
        return ST_DB;
    struct grade_pass ps = {cb, ctx};
    return each_row(st, grade_row, &ps);
}
