/* Assessments in SQLite (db.h): one JSON document per visit and complaint, each version kept,
 * and the versioned-document helpers that medical histories share. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

/* ---- versions of a document (assessments and medical histories) ---- */

int
sq_doc_version_insert(sqlite3_stmt *st, const struct db_doc_version *v)
{
    sqlite3_bind_int64(st, 1, v->record_id);
    sqlite3_bind_int64(st, 2, v->version);
    sq_bind_user_id(st, 3, v->user_id);
    sqlite3_bind_int64(st, 4, v->at_ms);
    sq_bind_text(st, 5, v->changes_json);
    sq_bind_text(st, 6, v->snapshot_json);
    return sq_run(st);
}

int
sq_doc_version_rows(sqlite3_stmt *st, db_doc_version_cb cb, void *ctx)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* Borrowed from the statement: valid until the next step, which is what the callback
         * is promised. */
        struct db_doc_version v = {
            .record_id = sqlite3_column_int64(st, 0),
            .version = sqlite3_column_int64(st, 1),
            .user_id = sqlite3_column_int64(st, 2),
            .at_ms = sqlite3_column_int64(st, 3),
            .changes_json = (const char *)sqlite3_column_text(st, 4),
            .snapshot_json = (const char *)sqlite3_column_text(st, 5),
            .username = (const char *)sqlite3_column_text(st, 6),
            .display_name = (const char *)sqlite3_column_text(st, 7),
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

/* ---- assessments ---- */

void
db_assessment_release(struct db_assessment *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof(*a));
}

#define ASSESSMENT_COLS                                                                            \
    "id, patient_id, version, visit_date, complaint, data, created_at, coalesce(created_by, 0),"   \
    " updated_at, coalesce(updated_by, 0)"

static int
assessment_from_row(sqlite3_stmt *st, void *out)
{
    struct db_assessment *a = out;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    a->patient_id = sqlite3_column_int64(st, 1);
    a->version = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, a->visit_date, sizeof(a->visit_date));
    sq_col_copy(st, 4, a->complaint, sizeof(a->complaint));
    a->created_ms = sqlite3_column_int64(st, 6);
    a->created_by = sqlite3_column_int64(st, 7);
    a->updated_ms = sqlite3_column_int64(st, 8);
    a->updated_by = sqlite3_column_int64(st, 9);
    int ret = sq_col_dup_checked(st, 5, &a->data);
    if (ret != ST_OK)
        db_assessment_release(a);
    return ret;
}

/* The fixed-size fields of an assessment a writer is about to store. */
static bool
assessment_fits(const struct db_assessment *a)
{
    return sq_fits(a->visit_date, sizeof(a->visit_date)) &&
           sq_fits(a->complaint, sizeof(a->complaint));
}

int
db_assessment_insert(struct db *db, struct db_assessment *a)
{
    if (!assessment_fits(a))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO assessments (patient_id, version, visit_date,"
                                   " complaint, data, created_at, created_by, updated_at,"
                                   " updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, a->patient_id);
    sqlite3_bind_int64(st, 2, a->version);
    sq_bind_text(st, 3, a->visit_date);
    sq_bind_text(st, 4, a->complaint);
    sq_bind_text(st, 5, a->data);
    sqlite3_bind_int64(st, 6, a->created_ms);
    sq_bind_user_id(st, 7, a->created_by);
    sqlite3_bind_int64(st, 8, a->updated_ms);
    sq_bind_user_id(st, 9, a->updated_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        a->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_assessment_update(struct db *db, const struct db_assessment *a)
{
    if (!assessment_fits(a))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE assessments SET version = ?, visit_date = ?,"
                                   " complaint = ?, data = ?, updated_at = ?, updated_by = ?"
                                   " WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, a->version);
    sq_bind_text(st, 2, a->visit_date);
    sq_bind_text(st, 3, a->complaint);
    sq_bind_text(st, 4, a->data);
    sqlite3_bind_int64(st, 5, a->updated_ms);
    sq_bind_user_id(st, 6, a->updated_by);
    sqlite3_bind_int64(st, 7, a->id);
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) == 0)
        ret = ST_NOT_FOUND;
    return ret;
}

int
db_assessment_get(struct db *db, int64_t id, struct db_assessment *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " ASSESSMENT_COLS " FROM assessments WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, assessment_from_row, out);
}

int
db_assessment_list(struct db *db, int64_t patient_id, db_assessment_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " ASSESSMENT_COLS " FROM assessments"
                                   " WHERE patient_id = ? ORDER BY visit_date DESC, id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_assessment a;
        ret = assessment_from_row(st, &a);
        if (ret == ST_OK)
            ret = cb(ctx, &a);
        db_assessment_release(&a);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_assessment_latest(struct db *db, int64_t patient_id, const char *complaint,
                     const char *on_or_before, struct db_assessment *out)
{
    memset(out, 0, sizeof(*out));
    /* Walks assessments_by_patient backwards from the bound: one row read, however many. */
    sqlite3_stmt *st = sq_stmt(db, "SELECT " ASSESSMENT_COLS " FROM assessments"
                                   " WHERE patient_id = ? AND complaint = ? AND visit_date <= ?"
                                   " ORDER BY visit_date DESC, id DESC LIMIT 1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    sq_bind_text(st, 2, complaint);
    sq_bind_text(st, 3, on_or_before);
    return sq_one(st, assessment_from_row, out);
}

int
db_assessment_version_insert(struct db *db, const struct db_doc_version *v)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO assessment_versions (assessment_id, version,"
                                   " user_id, at, changes, snapshot) VALUES (?, ?, ?, ?, ?, ?)");
    return st ? sq_doc_version_insert(st, v) : ST_DB;
}

int
db_assessment_versions(struct db *db, int64_t assessment_id, db_doc_version_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT v.assessment_id, v.version, coalesce(v.user_id, 0), v.at, v.changes,"
                    " v.snapshot, u.username, u.display_name FROM assessment_versions v"
                    " LEFT JOIN users u ON u.id = v.user_id WHERE v.assessment_id = ?"
                    " ORDER BY v.version DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, assessment_id);
    return sq_doc_version_rows(st, cb, ctx);
}
