/* Procedures in SQLite (db.h, "procedures"): the procedure of an appointment, the versions of its
 * documents, and what its injection rule reads of the identity checks. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_procedure_release(struct db_procedure *p)
{
    if (!p)
        return;
    free(p->status_reason);
    memset(p, 0, sizeof(*p));
}

#define PROC_COLS                                                                                  \
    "id, patient_id, appointment_id, treatment, protocol, screening_id, status, status_reason,"    \
    " aftercare_lang, aftercare_given_at, aftercare_given_by, version, started_at, started_by,"    \
    " completed_at, completed_by, updated_at, updated_by"

static int
procedure_from_row(sqlite3_stmt *st, void *out)
{
    struct db_procedure *p = out;
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(st, 0);
    p->patient_id = sqlite3_column_int64(st, 1);
    p->appointment_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, p->treatment, sizeof(p->treatment));
    sq_col_copy(st, 4, p->protocol, sizeof(p->protocol));
    p->screening_id = sqlite3_column_int64(st, 5);
    sq_col_copy(st, 6, p->status, sizeof(p->status));
    sq_col_copy(st, 8, p->aftercare_lang, sizeof(p->aftercare_lang));
    p->aftercare_given_ms = sqlite3_column_int64(st, 9);
    p->aftercare_given_by = sqlite3_column_int64(st, 10);
    p->version = sqlite3_column_int64(st, 11);
    p->started_ms = sqlite3_column_int64(st, 12);
    p->started_by = sqlite3_column_int64(st, 13);
    p->completed_ms = sqlite3_column_int64(st, 14);
    p->completed_by = sqlite3_column_int64(st, 15);
    p->updated_ms = sqlite3_column_int64(st, 16);
    p->updated_by = sqlite3_column_int64(st, 17);
    return sq_col_dup_checked(st, 7, &p->status_reason);
}

static bool
procedure_fits(const struct db_procedure *p)
{
    return sq_fits(p->treatment, sizeof(p->treatment)) &&
           sq_fits(p->protocol, sizeof(p->protocol)) && sq_fits(p->status, sizeof(p->status)) &&
           sq_fits(p->aftercare_lang, sizeof(p->aftercare_lang));
}

static void
bind_ms_or_null(sqlite3_stmt *st, int i, int64_t ms)
{
    if (ms > 0)
        sqlite3_bind_int64(st, i, ms);
    else
        sqlite3_bind_null(st, i);
}

int
db_procedure_insert(struct db *db, struct db_procedure *p)
{
    if (!procedure_fits(p))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO procedures (patient_id, appointment_id, treatment, protocol,"
            " screening_id, status, status_reason, version, started_at, started_by, updated_at,"
            " updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, p->patient_id);
    sqlite3_bind_int64(st, 2, p->appointment_id);
    sq_bind_text(st, 3, p->treatment);
    sq_bind_text(st, 4, p->protocol[0] ? p->protocol : NULL);
    sqlite3_bind_int64(st, 5, p->screening_id);
    sq_bind_text(st, 6, p->status);
    sq_bind_text(st, 7, p->status_reason);
    sqlite3_bind_int64(st, 8, p->version);
    sqlite3_bind_int64(st, 9, p->started_ms);
    sq_bind_user_id(st, 10, p->started_by);
    sqlite3_bind_int64(st, 11, p->updated_ms);
    sq_bind_user_id(st, 12, p->updated_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        p->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_procedure_get(struct db *db, int64_t id, struct db_procedure *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " PROC_COLS " FROM procedures WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, procedure_from_row, out);
}

int
db_procedure_by_appointment(struct db *db, int64_t appointment_id, struct db_procedure *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " PROC_COLS " FROM procedures WHERE appointment_id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, appointment_id);
    return sq_one(st, procedure_from_row, out);
}

int
db_procedure_update(struct db *db, const struct db_procedure *p, int64_t expected_version)
{
    if (!procedure_fits(p))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "UPDATE procedures SET status = ?, status_reason = ?, aftercare_lang = ?,"
            " aftercare_given_at = ?, aftercare_given_by = ?, version = ?, completed_at = ?,"
            " completed_by = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, p->status);
    sq_bind_text(st, 2, p->status_reason);
    sq_bind_text(st, 3, p->aftercare_lang[0] ? p->aftercare_lang : NULL);
    bind_ms_or_null(st, 4, p->aftercare_lang[0] ? p->aftercare_given_ms : 0);
    if (p->aftercare_lang[0])
        sq_bind_user_id(st, 5, p->aftercare_given_by);
    sqlite3_bind_int64(st, 6, p->version);
    bind_ms_or_null(st, 7, p->completed_ms);
    if (p->completed_ms > 0)
        sq_bind_user_id(st, 8, p->completed_by);
    sqlite3_bind_int64(st, 9, p->updated_ms);
    sq_bind_user_id(st, 10, p->updated_by);
    sqlite3_bind_int64(st, 11, p->id);
    sqlite3_bind_int64(st, 12, expected_version);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) == 1)
        return ret;
    /* Nothing changed: tell a stale version from a missing procedure. */
    struct db_procedure cur;
    ret = db_procedure_get(db, p->id, &cur);
    db_procedure_release(&cur);
    return ret == ST_OK ? ST_CONFLICT : ret;
}

int
db_procedure_list(struct db *db, int64_t patient_id, db_procedure_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " PROC_COLS " FROM procedures WHERE patient_id = ? ORDER BY id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_procedure p;
        ret = procedure_from_row(st, &p);
        if (ret == ST_OK)
            ret = cb(ctx, &p);
        db_procedure_release(&p);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- documents ---- */

void
db_procedure_record_release(struct db_procedure_record *r)
{
    if (!r)
        return;
    free(r->doc);
    free(r->reason);
    memset(r, 0, sizeof(*r));
}

int
db_procedure_record_insert(struct db *db, const struct db_procedure_record *r)
{
    if (!sq_fits(r->section, sizeof(r->section)) || !r->doc)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO procedure_records (procedure_id, section, version,"
                                   " doc, reason, at, by) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, r->procedure_id);
    sq_bind_text(st, 2, r->section);
    sqlite3_bind_int64(st, 3, r->version);
    sq_bind_text(st, 4, r->doc);
    sq_bind_text(st, 5, r->reason);
    sqlite3_bind_int64(st, 6, r->at_ms);
    sq_bind_user_id(st, 7, r->by);
    return sq_run(st);
}

static int
record_from_row(sqlite3_stmt *st, void *out)
{
    struct db_procedure_record *r = out;
    memset(r, 0, sizeof(*r));
    r->procedure_id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, r->section, sizeof(r->section));
    r->version = sqlite3_column_int64(st, 2);
    r->at_ms = sqlite3_column_int64(st, 5);
    r->by = sqlite3_column_int64(st, 6);
    int ret = sq_col_dup_checked(st, 3, &r->doc);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 4, &r->reason);
    if (ret != ST_OK)
        db_procedure_record_release(r);
    return ret;
}

int
db_procedure_record_latest(struct db *db, int64_t procedure_id, const char *section,
                           struct db_procedure_record *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT procedure_id, section, version, doc, reason, at,"
                                   " coalesce(by, 0) FROM procedure_records"
                                   " WHERE procedure_id = ? AND section = ?"
                                   " ORDER BY version DESC LIMIT 1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    sq_bind_text(st, 2, section);
    return sq_one(st, record_from_row, out);
}

/* ---- identity checks ---- */

static int
check_from_row(sqlite3_stmt *st, void *out)
{
    struct db_proc_check *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->passed = sqlite3_column_int(st, 1) != 0;
    sq_col_copy(st, 2, c->specimen_id, sizeof(c->specimen_id));
    c->at_ms = sqlite3_column_int64(st, 3);
    c->by = sqlite3_column_int64(st, 4);
    return ST_OK;
}

int
db_proc_check_latest(struct db *db, int64_t procedure_id, bool passed_only,
                     struct db_proc_check *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, passed, specimen_id, at, coalesce(by, 0)"
                                   " FROM identity_checks WHERE procedure_id = ?"
                                   " AND (? = 0 OR passed = 1) ORDER BY id DESC LIMIT 1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    sqlite3_bind_int(st, 2, passed_only ? 1 : 0);
    return sq_one(st, check_from_row, out);
}

int
db_proc_check_cleared(struct db *db, int64_t procedure_id, const char *specimen_id, bool *cleared)
{
    *cleared = false;
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT EXISTS (SELECT 1 FROM identity_checks WHERE procedure_id = ?1"
                    " AND specimen_id = ?2 AND passed = 1 AND id > coalesce((SELECT max(id)"
                    " FROM identity_checks WHERE procedure_id = ?1 AND passed = 0), 0))");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    sq_bind_text(st, 2, specimen_id);
    int rc = sqlite3_step(st);
    int ret = ST_OK;
    if (rc == SQLITE_ROW)
        *cleared = sqlite3_column_int(st, 0) != 0;
    else
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}
