/* Lab results in SQLite (db.h): entered by hand or imported from a file, corrected by deleting
 * with a reason and never overwritten. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_lab_release(struct db_lab *l)
{
    if (!l)
        return;
    free(l->delete_reason);
    memset(l, 0, sizeof(*l));
}

#define LAB_COLS                                                                                   \
    "l.id, l.patient_id, l.analyte, l.measured_at, l.date_only, l.value, l.unit,"                  \
    " l.canonical_value, l.canonical_unit, l.reference_low, l.reference_high, l.source,"           \
    " coalesce(l.import_id, 0), l.entered_at, coalesce(l.entered_by, 0), l.deleted_at,"            \
    " coalesce(l.deleted_by, 0), l.delete_reason, u.username"
#define LAB_FROM " FROM lab_results l LEFT JOIN users u ON u.id = l.entered_by"

static int
lab_from_row(sqlite3_stmt *st, void *out)
{
    struct db_lab *l = out;
    memset(l, 0, sizeof(*l));
    l->id = sqlite3_column_int64(st, 0);
    l->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, l->analyte, sizeof(l->analyte));
    l->measured_ms = sqlite3_column_int64(st, 3);
    l->date_only = sqlite3_column_int(st, 4) != 0;
    l->value = sqlite3_column_double(st, 5);
    sq_col_copy(st, 6, l->unit, sizeof(l->unit));
    l->canonical_value = sqlite3_column_double(st, 7);
    sq_col_copy(st, 8, l->canonical_unit, sizeof(l->canonical_unit));
    l->has_low = sqlite3_column_type(st, 9) != SQLITE_NULL;
    if (l->has_low)
        l->reference_low = sqlite3_column_double(st, 9);
    l->has_high = sqlite3_column_type(st, 10) != SQLITE_NULL;
    if (l->has_high)
        l->reference_high = sqlite3_column_double(st, 10);
    sq_col_copy(st, 11, l->source, sizeof(l->source));
    l->import_id = sqlite3_column_int64(st, 12);
    l->entered_ms = sqlite3_column_int64(st, 13);
    l->entered_by = sqlite3_column_int64(st, 14);
    l->deleted = sqlite3_column_type(st, 15) != SQLITE_NULL;
    l->deleted_ms = sqlite3_column_int64(st, 15);
    l->deleted_by = sqlite3_column_int64(st, 16);
    sq_col_copy(st, 18, l->entered_by_name, sizeof(l->entered_by_name));
    int ret = sq_col_dup_checked(st, 17, &l->delete_reason);
    if (ret != ST_OK)
        db_lab_release(l);
    return ret;
}

int
db_lab_insert(struct db *db, struct db_lab *l)
{
    if (!sq_fits(l->analyte, sizeof(l->analyte)) || !sq_fits(l->unit, sizeof(l->unit)) ||
        !sq_fits(l->canonical_unit, sizeof(l->canonical_unit)) ||
        !sq_fits(l->source, sizeof(l->source)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO lab_results (patient_id, analyte, measured_at, date_only, value, unit,"
            " canonical_value, canonical_unit, reference_low, reference_high, source, import_id,"
            " entered_at, entered_by, deleted_at, deleted_by, delete_reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, l->patient_id);
    sq_bind_text(st, 2, l->analyte);
    sqlite3_bind_int64(st, 3, l->measured_ms);
    sqlite3_bind_int(st, 4, l->date_only);
    sqlite3_bind_double(st, 5, l->value);
    sq_bind_text(st, 6, l->unit);
    sqlite3_bind_double(st, 7, l->canonical_value);
    sq_bind_text(st, 8, l->canonical_unit);
    if (l->has_low)
        sqlite3_bind_double(st, 9, l->reference_low);
    if (l->has_high)
        sqlite3_bind_double(st, 10, l->reference_high);
    sq_bind_text(st, 11, l->source);
    if (l->import_id)
        sqlite3_bind_int64(st, 12, l->import_id);
    sqlite3_bind_int64(st, 13, l->entered_ms);
    sq_bind_user_id(st, 14, l->entered_by);
    /* A record copied whole (a restore, the demo clinic) keeps its deletion; a new result is
     * deleted only through db_lab_mark_deleted. Unbound parameters are NULL. */
    if (l->deleted) {
        sqlite3_bind_int64(st, 15, l->deleted_ms);
        sq_bind_user_id(st, 16, l->deleted_by);
        sq_bind_text(st, 17, l->delete_reason);
    }
    int ret = sq_run(st);
    if (ret == ST_OK)
        l->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_lab_get(struct db *db, int64_t id, struct db_lab *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " LAB_COLS LAB_FROM " WHERE l.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, lab_from_row, out);
}

/* Whether lab result `id` exists, deleted or not: *exists, or a failure. */
static int
lab_exists(struct db *db, int64_t id, bool *exists)
{
    *exists = false;
    sqlite3_stmt *st = sq_stmt(db, "SELECT 1 FROM lab_results WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    *exists = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : sq_status(rc);
}

int
db_lab_mark_deleted(struct db *db, int64_t id, int64_t at_ms, int64_t user_id, const char *reason)
{
    /* The schema refuses it as well, but as a constraint (ST_CONFLICT): the mistake is the
     * caller's, not a clash with stored data. */
    if (!reason)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE lab_results SET deleted_at = ?, deleted_by = ?,"
                                   " delete_reason = ? WHERE id = ? AND deleted_at IS NULL");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, at_ms);
    sq_bind_user_id(st, 2, user_id);
    sq_bind_text(st, 3, reason);
    sqlite3_bind_int64(st, 4, id);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) > 0)
        return ret;
    /* Nothing changed: either there is no such result or it was deleted before. */
    bool exists;
    ret = lab_exists(db, id, &exists);
    if (ret == ST_OK)
        ret = exists ? ST_CONFLICT : ST_NOT_FOUND;
    return ret;
}

int
db_lab_list(struct db *db, int64_t patient_id, bool include_deleted, db_lab_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        include_deleted
            ? sq_stmt(db, "SELECT " LAB_COLS LAB_FROM " WHERE l.patient_id = ?"
                          " ORDER BY l.measured_at DESC, l.id DESC")
            : sq_stmt(db, "SELECT " LAB_COLS LAB_FROM " WHERE l.patient_id = ?"
                          " AND l.deleted_at IS NULL ORDER BY l.measured_at DESC, l.id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_lab l;
        ret = lab_from_row(st, &l);
        if (ret == ST_OK)
            ret = cb(ctx, &l);
        db_lab_release(&l);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_lab_import_insert(struct db *db, struct db_lab_import *li)
{
    if (!sq_fits(li->sha256, sizeof(li->sha256)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO lab_imports (patient_id, file_name, sha256, rows,"
                                   " imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, li->patient_id);
    sq_bind_text(st, 2, li->file_name);
    sq_bind_text(st, 3, li->sha256);
    sqlite3_bind_int64(st, 4, li->rows);
    sqlite3_bind_int64(st, 5, li->imported_ms);
    sq_bind_user_id(st, 6, li->imported_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        li->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}
