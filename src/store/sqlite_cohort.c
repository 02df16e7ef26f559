/* The cohort report's reads in SQLite (db.h): the whole clinic's courses, values, hair grades
 * and procedures, each in one statement whose order lets the report merge them in one pass. */
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
        .has_first_ms = sqlite3_column_type(st, 5) != SQLITE_NULL,
        .first_ms = sqlite3_column_int64(st, 5),
        .first_target = (const char *)sqlite3_column_text(st, 6),
    };
    if (!c.has_first_ms && !c.first_target)
        return ST_OK; /* no done session: no anchor */
    if (!c.protocol || !c.date_of_birth || !c.sex)
        return ST_NOMEM;
    return ps->cb(ps->ctx, &c);
}

int
db_cohort_courses(struct db *db, const char *protocol, db_cohort_course_cb cb, void *ctx)
{
    /* A done session's date is its appointment's start when an appointment holds the item (the
     * same rule as db_course_items), else its target date: the two minimums are taken apart
     * and the caller, who knows the clinic's time zone, takes the earlier local day. */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT c.id, c.patient_id, c.protocol, p.date_of_birth, p.sex,"
                    " (SELECT min(a.start_ms) FROM course_items ci JOIN appointments a"
                    "   ON a.course_item_id = ci.id AND a.status NOT IN ('cancelled', 'no_show')"
                    "   WHERE ci.course_id = c.id AND ci.kind = 'session' AND ci.status = 'done'),"
                    " (SELECT min(ci.target_date) FROM course_items ci"
                    "   WHERE ci.course_id = c.id AND ci.kind = 'session' AND ci.status = 'done'"
                    "   AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.course_item_id = ci.id"
                    "     AND a.status NOT IN ('cancelled', 'no_show')))"
                    " FROM courses c JOIN patients p ON p.id = c.patient_id"
                    " WHERE p.deleted = 0 AND (?1 IS NULL OR c.protocol = ?1)"
                    " ORDER BY c.patient_id, c.id");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, protocol);
    struct course_pass ps = {cb, ctx};
    return each_row(st, course_row, &ps);
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
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT id, patient_id, visit_date, json_extract(data, '$.hair.norwood'),"
                    " json_extract(data, '$.hair.ludwig'), json_extract(data, '$.hair.sinclair'),"
                    " json_extract(data, '$.hair.savin') FROM assessments WHERE complaint = 'hair'"
                    " ORDER BY patient_id, visit_date, id");
    if (!st)
        return ST_DB;
    struct grade_pass ps = {cb, ctx};
    return each_row(st, grade_row, &ps);
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
        .course_id = sqlite3_column_int64(st, 1),
        .patient_id = sqlite3_column_int64(st, 2),
        .completed = sqlite3_column_int(st, 3) != 0,
        .events = sqlite3_column_int(st, 4),
        .serious = sqlite3_column_int(st, 5),
    };
    return ps->cb(ps->ctx, &p);
}

int
db_cohort_procedures(struct db *db, db_cohort_procedure_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT pr.id, ci.course_id, pr.patient_id, pr.status = 'completed',"
                    " (SELECT count(*) FROM adverse_events e WHERE e.procedure_id = pr.id),"
                    " (SELECT count(*) FROM adverse_events e WHERE e.procedure_id = pr.id"
                    "   AND e.severity = 'serious')"
                    " FROM procedures pr JOIN appointments a ON a.id = pr.appointment_id"
                    " JOIN course_items ci ON ci.id = a.course_item_id");
    if (!st)
        return ST_DB;
    struct procedure_pass ps = {cb, ctx};
    return each_row(st, procedure_row, &ps);
}
