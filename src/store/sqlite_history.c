/* Medical histories in SQLite (db.h): one JSON document per patient, overwritten in place, with
 * every version kept beside it. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_history_release(struct db_history *h)
{
    if (!h)
        return;
    free(h->data);
    memset(h, 0, sizeof(*h));
}

static int
history_from_row(sqlite3_stmt *st, void *out)
{
    struct db_history *h = out;
    h->patient_id = sqlite3_column_int64(st, 0);
    h->version = sqlite3_column_int64(st, 1);
    h->updated_ms = sqlite3_column_int64(st, 3);
    h->updated_by = sqlite3_column_int64(st, 4);
    int ret = sq_col_dup_checked(st, 2, &h->data);
    if (ret != ST_OK)
        db_history_release(h);
    return ret;
}

int
db_history_get(struct db *db, int64_t patient_id, struct db_history *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT patient_id, version, data, updated_at,"
                                   " coalesce(updated_by, 0) FROM medical_histories"
                                   " WHERE patient_id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    return sq_one(st, history_from_row, out);
}

int
db_history_put(struct db *db, const struct db_history *h)
{
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO medical_histories (patient_id, version, data, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (patient_id) DO UPDATE SET"
            " version = excluded.version, data = excluded.data,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, h->patient_id);
    sqlite3_bind_int64(st, 2, h->version);
    sq_bind_text(st, 3, h->data);
    sqlite3_bind_int64(st, 4, h->updated_ms);
    sq_bind_user_id(st, 5, h->updated_by);
    return sq_run(st);
}

int
db_history_version_insert(struct db *db, const struct db_doc_version *v)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO medical_history_versions (patient_id, version,"
                                   " user_id, at, changes, snapshot) VALUES (?, ?, ?, ?, ?, ?)");
    return st ? sq_doc_version_insert(st, v) : ST_DB;
}

int
db_history_versions(struct db *db, int64_t patient_id, db_doc_version_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT v.patient_id, v.version, coalesce(v.user_id, 0), v.at, v.changes,"
                    " v.snapshot, u.username, u.display_name FROM medical_history_versions v"
                    " LEFT JOIN users u ON u.id = v.user_id WHERE v.patient_id = ?"
                    " ORDER BY v.version DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    return sq_doc_version_rows(st, cb, ctx);
}
