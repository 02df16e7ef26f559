/* Measurements in SQLite (db.h): the sets measured at visits, their values with the versions
 * kept of each, and the trichoscopy files imported. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_measurement_set_release(struct db_measurement_set *s)
{
    if (!s)
        return;
    free(s->device);
    free(s->site);
    free(s->notes);
    memset(s, 0, sizeof(*s));
}

#define SET_COLS                                                                                   \
    "s.id, s.patient_id, s.date, s.course_id, s.method, s.device, s.site, s.area_cm2, s.notes,"    \
    " s.measured_by, s.source, s.import_id, s.created_at, s.created_by"

static int
set_from_row(sqlite3_stmt *st, void *out)
{
    struct db_measurement_set *s = out;
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    s->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, s->date, sizeof(s->date));
    s->course_id = sqlite3_column_int64(st, 3); /* NULL reads as 0: none */
    sq_col_copy(st, 4, s->method, sizeof(s->method));
    s->has_area = sqlite3_column_type(st, 7) != SQLITE_NULL;
    s->area_cm2 = sqlite3_column_double(st, 7);
    s->measured_by = sqlite3_column_int64(st, 9);
    sq_col_copy(st, 10, s->source, sizeof(s->source));
    s->import_id = sqlite3_column_int64(st, 11);
    s->created_ms = sqlite3_column_int64(st, 12);
    s->created_by = sqlite3_column_int64(st, 13);
    int ret = sq_col_dup_checked(st, 5, &s->device);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 6, &s->site);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 8, &s->notes);
    if (ret != ST_OK)
        db_measurement_set_release(s);
    return ret;
}

int
db_measurement_set_insert(struct db *db, struct db_measurement_set *s)
{
    if (!sq_fits(s->date, sizeof(s->date)) || !sq_fits(s->method, sizeof(s->method)) ||
        !sq_fits(s->source, sizeof(s->source)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO measurement_sets (patient_id, date, course_id, method, device, site,"
            " area_cm2, notes, measured_by, source, import_id, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, s->patient_id);
    sq_bind_text(st, 2, s->date);
    if (s->course_id > 0)
        sqlite3_bind_int64(st, 3, s->course_id);
    sq_bind_text(st, 4, s->method);
    sq_bind_text(st, 5, s->device);
    sq_bind_text(st, 6, s->site);
    if (s->has_area)
        sqlite3_bind_double(st, 7, s->area_cm2);
    sq_bind_text(st, 8, s->notes);
    sqlite3_bind_int64(st, 9, s->measured_by);
    sq_bind_text(st, 10, s->source);
    if (s->import_id > 0)
        sqlite3_bind_int64(st, 11, s->import_id);
    sqlite3_bind_int64(st, 12, s->created_ms);
    sqlite3_bind_int64(st, 13, s->created_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        s->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_measurement_set_get(struct db *db, int64_t id, struct db_measurement_set *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " SET_COLS " FROM measurement_sets s WHERE s.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, set_from_row, out);
}

int
db_measurement_sets(struct db *db, const struct db_measurement_query *q, db_measurement_set_cb cb,
                    void *ctx)
{
    /* One statement for every combination of filters: a filter that is off matches all. */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " SET_COLS " FROM measurement_sets s WHERE s.patient_id = ?"
                    " AND s.date >= ? AND s.date <= ?"
                    " AND EXISTS (SELECT 1 FROM measurements m WHERE m.set_id = s.id"
                    " AND (? IS NULL OR m.measure = ?) AND (? OR m.voided_at IS NULL))"
                    " ORDER BY s.date DESC, s.id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, q->patient_id);
    sq_bind_text(st, 2, q->from ? q->from : "0000-00-00");
    sq_bind_text(st, 3, q->to ? q->to : "9999-99-99");
    sq_bind_text(st, 4, q->measure);
    sq_bind_text(st, 5, q->measure);
    sqlite3_bind_int(st, 6, q->include_voided);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_measurement_set s;
        ret = set_from_row(st, &s);
        if (ret == ST_OK)
            ret = cb(ctx, &s);
        db_measurement_set_release(&s);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- values ---- */

void
db_measurement_release(struct db_measurement *m)
{
    if (!m)
        return;
    free(m->void_reason);
    memset(m, 0, sizeof(*m));
}

#define VALUE_COLS                                                                                 \
    "id, set_id, patient_id, date, measure, value_num, value_code, version, voided_at,"            \
    " voided_by, void_reason, updated_at, updated_by"

static int
value_from_row(sqlite3_stmt *st, void *out)
{
    struct db_measurement *m = out;
    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(st, 0);
    m->set_id = sqlite3_column_int64(st, 1);
    m->patient_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, m->date, sizeof(m->date));
    sq_col_copy(st, 4, m->measure, sizeof(m->measure));
    m->is_code = sqlite3_column_type(st, 6) != SQLITE_NULL;
    m->value_num = sqlite3_column_double(st, 5);
    sq_col_copy(st, 6, m->value_code, sizeof(m->value_code));
    m->version = sqlite3_column_int64(st, 7);
    m->voided_ms = sqlite3_column_int64(st, 8);
    m->voided_by = sqlite3_column_int64(st, 9);
    m->updated_ms = sqlite3_column_int64(st, 11);
    m->updated_by = sqlite3_column_int64(st, 12);
    int ret = sq_col_dup_checked(st, 10, &m->void_reason);
    if (ret != ST_OK)
        db_measurement_release(m);
    return ret;
}

static bool
value_fits(const struct db_measurement *m)
{
    return sq_fits(m->date, sizeof(m->date)) && sq_fits(m->measure, sizeof(m->measure)) &&
           sq_fits(m->value_code, sizeof(m->value_code)) && (!m->is_code || m->value_code[0]);
}

/* Binds a value as the (value_num, value_code) pair at i, i + 1: exactly one is set. */
static void
bind_value(sqlite3_stmt *st, int i, bool is_code, double num, const char *code)
{
    if (is_code)
        sq_bind_text(st, i + 1, code);
    else
        sqlite3_bind_double(st, i, num);
}

int
db_measurement_insert(struct db *db, struct db_measurement *m)
{
    if (!value_fits(m))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO measurements (set_id, patient_id, date, measure, value_num, value_code,"
            " version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, m->set_id);
    sqlite3_bind_int64(st, 2, m->patient_id);
    sq_bind_text(st, 3, m->date);
    sq_bind_text(st, 4, m->measure);
    bind_value(st, 5, m->is_code, m->value_num, m->value_code);
    sqlite3_bind_int64(st, 7, m->version);
    sqlite3_bind_int64(st, 8, m->updated_ms);
    sqlite3_bind_int64(st, 9, m->updated_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        m->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_measurement_get(struct db *db, int64_t id, struct db_measurement *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " VALUE_COLS " FROM measurements WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, value_from_row, out);
}

/* After an update that changed nothing: a conflict when the value exists, else not found. */
static int
unchanged(struct db *db, int64_t id)
{
    struct db_measurement cur;
    int ret = db_measurement_get(db, id, &cur);
    db_measurement_release(&cur);
    return ret == ST_OK ? ST_CONFLICT : ret;
}

int
db_measurement_set_value(struct db *db, const struct db_measurement *m, int64_t expected_version)
{
    if (!value_fits(m))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE measurements SET value_num = ?, value_code = ?,"
                                   " version = ?, updated_at = ?, updated_by = ?"
                                   " WHERE id = ? AND version = ? AND voided_at IS NULL");
    if (!st)
        return ST_DB;
    bind_value(st, 1, m->is_code, m->value_num, m->value_code);
    sqlite3_bind_int64(st, 3, m->version);
    sqlite3_bind_int64(st, 4, m->updated_ms);
    sqlite3_bind_int64(st, 5, m->updated_by);
    sqlite3_bind_int64(st, 6, m->id);
    sqlite3_bind_int64(st, 7, expected_version);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) == 1)
        return ret;
    return unchanged(db, m->id);
}

int
db_measurement_void(struct db *db, int64_t id, int64_t at_ms, int64_t by, const char *reason)
{
    if (!reason)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE measurements SET voided_at = ?, voided_by = ?,"
                                   " void_reason = ? WHERE id = ? AND voided_at IS NULL");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, at_ms);
    sq_bind_user_id(st, 2, by);
    sq_bind_text(st, 3, reason);
    sqlite3_bind_int64(st, 4, id);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) == 1)
        return ret;
    return unchanged(db, id);
}

int
db_measurements_of_set(struct db *db, int64_t set_id, const char *measure, bool include_voided,
                       db_measurement_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " VALUE_COLS " FROM measurements WHERE set_id = ?"
                                   " AND (? IS NULL OR measure = ?) AND (? OR voided_at IS NULL)"
                                   " ORDER BY id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, set_id);
    sq_bind_text(st, 2, measure);
    sq_bind_text(st, 3, measure);
    sqlite3_bind_int(st, 4, include_voided);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_measurement m;
        ret = value_from_row(st, &m);
        if (ret == ST_OK)
            ret = cb(ctx, &m);
        db_measurement_release(&m);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_measurement_version_insert(struct db *db, const struct db_measurement_version *v)
{
    if (v->is_code && !v->value_code)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO measurement_versions (measurement_id, version,"
                                   " value_num, value_code, reason, at, by)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, v->measurement_id);
    sqlite3_bind_int64(st, 2, v->version);
    bind_value(st, 3, v->is_code, v->value_num, v->value_code);
    sq_bind_text(st, 5, v->reason);
    sqlite3_bind_int64(st, 6, v->at_ms);
    sqlite3_bind_int64(st, 7, v->by);
    return sq_run(st);
}

int
db_measurement_versions(struct db *db, int64_t id, db_measurement_version_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT measurement_id, version, value_num, value_code, reason,"
                                   " at, by FROM measurement_versions WHERE measurement_id = ?"
                                   " ORDER BY version DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_measurement_version v = {
            .measurement_id = sqlite3_column_int64(st, 0),
            .version = sqlite3_column_int64(st, 1),
            .is_code = sqlite3_column_type(st, 3) != SQLITE_NULL,
            .value_num = sqlite3_column_double(st, 2),
            .value_code = (const char *)sqlite3_column_text(st, 3),
            .reason = (const char *)sqlite3_column_text(st, 4),
            .at_ms = sqlite3_column_int64(st, 5),
            .by = sqlite3_column_int64(st, 6),
        };
        ret = cb(ctx, &v);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_measurement_import_insert(struct db *db, struct db_measurement_import *mi)
{
    if (!sq_fits(mi->sha256, sizeof(mi->sha256)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO measurement_imports (patient_id, file_name, sha256,"
                                   " rows, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, mi->patient_id);
    sq_bind_text(st, 2, mi->file_name);
    sq_bind_text(st, 3, mi->sha256);
    sqlite3_bind_int64(st, 4, mi->rows);
    sqlite3_bind_int64(st, 5, mi->imported_ms);
    sqlite3_bind_int64(st, 6, mi->imported_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        mi->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}
