/* The timeline's reads of migration 007: a patient's live measurements in the order charts draw
 * them, and which photos exist in each view (the bytes are read through clinic/photo.h). */
#include <string.h>

#include "sqlite_internal.h"

int
db_timeline_values(struct db *db, int64_t patient_id, db_timeline_value_cb cb, void *ctx)
{
    /* measurements_by_patient (patient_id, measure, date, id) gives this order. */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT id, set_id, date, measure, value_num, value_code FROM measurements"
                    " WHERE patient_id = ? AND voided_at IS NULL ORDER BY measure, date, id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_timeline_value v;
        memset(&v, 0, sizeof(v));
        v.id = sqlite3_column_int64(st, 0);
        v.set_id = sqlite3_column_int64(st, 1);
        sq_col_copy(st, 2, v.date, sizeof(v.date));
        sq_col_copy(st, 3, v.measure, sizeof(v.measure));
        v.is_code = sqlite3_column_type(st, 4) == SQLITE_NULL;
        if (v.is_code)
            sq_col_copy(st, 5, v.value_code, sizeof(v.value_code));
        else
            v.value_num = sqlite3_column_double(st, 4);
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
db_timeline_photos(struct db *db, int64_t patient_id, db_timeline_photo_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, view, date FROM photos"
                                   " WHERE patient_id = ? AND voided_at IS NULL"
                                   " ORDER BY view, date, id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_timeline_photo p;
        memset(&p, 0, sizeof(p));
        p.id = sqlite3_column_int64(st, 0);
        sq_col_copy(st, 1, p.view, sizeof(p.view));
        sq_col_copy(st, 2, p.date, sizeof(p.date));
        ret = cb(ctx, &p);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}
