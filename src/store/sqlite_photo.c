/* Photographs in SQLite (db.h): the cleaned bytes and thumbnails kept once per hash, the photos
 * of each patient pointing at them, voiding. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

int
db_photo_file_put(struct db *db, const struct db_photo_file *pf)
{
    if (!sq_fits(pf->sha256, sizeof(pf->sha256)) || !sq_fits(pf->mime, sizeof(pf->mime)) ||
        pf->data_n == 0 || pf->thumb_n == 0 || pf->data_n > INT32_MAX || pf->thumb_n > INT32_MAX)
        return ST_INVALID;
    sqlite3_stmt *st =
        sq_stmt(db, "INSERT INTO photo_files (sha256, mime, width, height, bytes, data, thumb,"
                    " thumb_width, thumb_height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (sha256) DO NOTHING");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, pf->sha256);
    sq_bind_text(st, 2, pf->mime);
    sqlite3_bind_int(st, 3, pf->width);
    sqlite3_bind_int(st, 4, pf->height);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)pf->data_n);
    sqlite3_bind_blob(st, 6, pf->data, (int)pf->data_n, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, pf->thumb, (int)pf->thumb_n, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, pf->thumb_width);
    sqlite3_bind_int(st, 9, pf->thumb_height);
    int ret = sq_run(st);
    /* The blobs are the caller's: the cached statement must not keep pointers to them. */
    sqlite3_clear_bindings(st);
    return ret;
}

void
db_photo_release(struct db_photo *p)
{
    if (!p)
        return;
    free(p->original_name);
    free(p->notes);
    free(p->void_reason);
    memset(p, 0, sizeof(*p));
}

#define PHOTO_COLS                                                                                 \
    "ph.id, ph.patient_id, ph.view, ph.date, ph.course_id, ph.sha256, ph.original_name,"           \
    " ph.notes, ph.uploaded_at, ph.uploaded_by, ph.voided_at, ph.voided_by, ph.void_reason,"       \
    " pf.mime, pf.width, pf.height, pf.bytes, pf.thumb_width, pf.thumb_height, p.mrn, p.deleted"
#define PHOTO_FROM                                                                                 \
    " FROM photos ph JOIN photo_files pf ON pf.sha256 = ph.sha256"                                 \
    " JOIN patients p ON p.id = ph.patient_id"

static int
photo_from_row(sqlite3_stmt *st, void *out)
{
    struct db_photo *p = out;
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(st, 0);
    p->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, p->view, sizeof(p->view));
    sq_col_copy(st, 3, p->date, sizeof(p->date));
    p->course_id = sqlite3_column_int64(st, 4); /* NULL reads as 0: none */
    sq_col_copy(st, 5, p->sha256, sizeof(p->sha256));
    p->uploaded_ms = sqlite3_column_int64(st, 8);
    p->uploaded_by = sqlite3_column_int64(st, 9);
    p->voided_ms = sqlite3_column_int64(st, 10);
    p->voided_by = sqlite3_column_int64(st, 11);
    sq_col_copy(st, 13, p->mime, sizeof(p->mime));
    p->width = sqlite3_column_int(st, 14);
    p->height = sqlite3_column_int(st, 15);
    p->bytes = sqlite3_column_int64(st, 16);
    p->thumb_width = sqlite3_column_int(st, 17);
    p->thumb_height = sqlite3_column_int(st, 18);
    sq_col_copy(st, 19, p->mrn, sizeof(p->mrn));
    p->patient_deleted = sqlite3_column_int(st, 20) != 0;
    int ret = sq_col_dup_checked(st, 6, &p->original_name);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 7, &p->notes);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 12, &p->void_reason);
    if (ret != ST_OK)
        db_photo_release(p);
    return ret;
}

int
db_photo_insert(struct db *db, struct db_photo *p)
{
    if (!sq_fits(p->view, sizeof(p->view)) || !sq_fits(p->date, sizeof(p->date)) ||
        !sq_fits(p->sha256, sizeof(p->sha256)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO photos (patient_id, view, date, course_id, sha256, original_name, notes,"
            " uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, p->patient_id);
    sq_bind_text(st, 2, p->view);
    sq_bind_text(st, 3, p->date);
    if (p->course_id > 0)
        sqlite3_bind_int64(st, 4, p->course_id);
    sq_bind_text(st, 5, p->sha256);
    sq_bind_text(st, 6, p->original_name);
    sq_bind_text(st, 7, p->notes);
    sqlite3_bind_int64(st, 8, p->uploaded_ms);
    sq_bind_user_id(st, 9, p->uploaded_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        p->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_photo_get(struct db *db, int64_t id, struct db_photo *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " PHOTO_COLS PHOTO_FROM " WHERE ph.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, photo_from_row, out);
}

int
db_photo_of_patient(struct db *db, int64_t patient_id, const char *view, bool include_voided,
                    db_photo_cb cb, void *ctx)
{
    /* ?2 NULL matches every view; ?3 1 keeps the voided ones. */
    sqlite3_stmt *st = sq_stmt(db, "SELECT " PHOTO_COLS PHOTO_FROM
                                   " WHERE ph.patient_id = ?1 AND (?2 IS NULL OR ph.view = ?2)"
                                   " AND (?3 OR ph.voided_at IS NULL)"
                                   " ORDER BY ph.view, ph.date, ph.id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    sq_bind_text(st, 2, view && view[0] ? view : NULL);
    sqlite3_bind_int(st, 3, include_voided ? 1 : 0);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_photo p;
        ret = photo_from_row(st, &p);
        if (ret == ST_OK)
            ret = cb(ctx, &p);
        db_photo_release(&p);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_photo_same_bytes(struct db *db, int64_t patient_id, const char *sha256, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *st = sq_stmt(db, "SELECT id FROM photos WHERE patient_id = ? AND sha256 = ?"
                                   " AND voided_at IS NULL ORDER BY id LIMIT 1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    sq_bind_text(st, 2, sha256);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : sq_status(rc);
}

int
db_photo_void(struct db *db, int64_t id, int64_t at_ms, int64_t by, const char *reason)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE photos SET voided_at = ?, voided_by = ?,"
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
    /* Nothing changed: tell a photo already voided from a missing one. */
    struct db_photo cur;
    ret = db_photo_get(db, id, &cur);
    db_photo_release(&cur);
    return ret == ST_OK ? ST_CONFLICT : ret;
}

int
db_photo_bytes(struct db *db, int64_t id, bool thumb, unsigned char **data, size_t *n,
               char mime[16])
{
    *data = NULL;
    *n = 0;
    mime[0] = '\0';
    sqlite3_stmt *st =
        thumb ? sq_stmt(db, "SELECT pf.thumb, 'image/jpeg' FROM photos ph"
                            " JOIN photo_files pf ON pf.sha256 = ph.sha256 WHERE ph.id = ?")
              : sq_stmt(db, "SELECT pf.data, pf.mime FROM photos ph"
                            " JOIN photo_files pf ON pf.sha256 = ph.sha256 WHERE ph.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), ret = ST_OK;
    if (rc == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        if (!blob || len <= 0) {
            ret = ST_DB; /* the table's checks make this a damaged file */
        } else if (!(*data = malloc((size_t)len))) {
            ret = ST_NOMEM;
        } else {
            memcpy(*data, blob, (size_t)len);
            *n = (size_t)len;
            sq_col_copy(st, 1, mime, 16);
        }
    } else {
        ret = rc == SQLITE_DONE ? ST_NOT_FOUND : sq_status(rc);
    }
    sqlite3_reset(st);
    return ret;
}
