/* Screening results in SQLite (db.h): each stored with the data and rules it was computed from,
 * and at most one doctor's sign-off, read together. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_screening_release(struct db_screening *s)
{
    if (!s)
        return;
    free(s->result_json);
    free(s->inputs_json);
    free(s->reason);
    memset(s, 0, sizeof(*s));
}

#define SCREENING_COLS                                                                             \
    "s.id, s.patient_id, s.treatment, s.session_at, s.outcome, s.until_at, s.result, s.inputs,"    \
    " s.rules_sha256, s.computed_at, coalesce(s.computed_by, 0), cu.username,"                     \
    " so.screening_id IS NOT NULL, so.decision, so.override, so.reason, so.signed_at,"             \
    " so.signed_by, su.username"
#define SCREENING_FROM                                                                             \
    " FROM screenings s LEFT JOIN users cu ON cu.id = s.computed_by"                               \
    " LEFT JOIN screening_signoffs so ON so.screening_id = s.id"                                   \
    " LEFT JOIN users su ON su.id = so.signed_by"

static int
screening_from_row(sqlite3_stmt *st, void *out)
{
    struct db_screening *s = out;
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    s->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, s->treatment, sizeof(s->treatment));
    s->session_ms = sqlite3_column_int64(st, 3);
    sq_col_copy(st, 4, s->outcome, sizeof(s->outcome));
    s->has_until = sqlite3_column_type(st, 5) != SQLITE_NULL;
    s->until_ms = sqlite3_column_int64(st, 5);
    sq_col_copy(st, 8, s->rules_sha256, sizeof(s->rules_sha256));
    s->computed_ms = sqlite3_column_int64(st, 9);
    s->computed_by = sqlite3_column_int64(st, 10);
    sq_col_copy(st, 11, s->computed_by_name, sizeof(s->computed_by_name));
    s->is_signed = sqlite3_column_int(st, 12) != 0;
    sq_col_copy(st, 13, s->decision, sizeof(s->decision));
    s->override = sqlite3_column_int(st, 14) != 0;
    s->signed_ms = sqlite3_column_int64(st, 16);
    s->signed_by = sqlite3_column_int64(st, 17);
    sq_col_copy(st, 18, s->signed_by_name, sizeof(s->signed_by_name));
    int ret = sq_col_dup_checked(st, 6, &s->result_json);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 7, &s->inputs_json);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 15, &s->reason);
    if (ret != ST_OK)
        db_screening_release(s);
    return ret;
}

int
db_screening_insert(struct db *db, struct db_screening *s)
{
    if (!sq_fits(s->treatment, sizeof(s->treatment)) || !sq_fits(s->outcome, sizeof(s->outcome)) ||
        !sq_fits(s->rules_sha256, sizeof(s->rules_sha256)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO screenings (patient_id, treatment, session_at,"
                                   " outcome, until_at, result, inputs, rules_sha256, computed_at,"
                                   " computed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, s->patient_id);
    sq_bind_text(st, 2, s->treatment);
    sqlite3_bind_int64(st, 3, s->session_ms);
    sq_bind_text(st, 4, s->outcome);
    if (s->has_until)
        sqlite3_bind_int64(st, 5, s->until_ms);
    sq_bind_text(st, 6, s->result_json);
    sq_bind_text(st, 7, s->inputs_json);
    sq_bind_text(st, 8, s->rules_sha256);
    sqlite3_bind_int64(st, 9, s->computed_ms);
    sq_bind_user_id(st, 10, s->computed_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        s->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_screening_get(struct db *db, int64_t id, struct db_screening *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " SCREENING_COLS SCREENING_FROM " WHERE s.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, screening_from_row, out);
}

int
db_screening_list(struct db *db, int64_t patient_id, const char *treatment, int limit,
                  db_screening_cb cb, void *ctx)
{
    /* Two statements rather than "?2 IS NULL OR ...", so that a treatment uses the index. */
    sqlite3_stmt *st =
        treatment ? sq_stmt(db, "SELECT " SCREENING_COLS SCREENING_FROM
                                " WHERE s.patient_id = ?1 AND s.treatment = ?2"
                                " ORDER BY s.computed_at DESC, s.id DESC LIMIT ?3")
                  : sq_stmt(db, "SELECT " SCREENING_COLS SCREENING_FROM " WHERE s.patient_id = ?1"
                                " ORDER BY s.computed_at DESC, s.id DESC LIMIT ?3");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    if (treatment)
        sq_bind_text(st, 2, treatment);
    sqlite3_bind_int(st, 3, limit);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_screening s;
        ret = screening_from_row(st, &s);
        if (ret == ST_OK)
            ret = cb(ctx, &s);
        db_screening_release(&s);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_screening_latest_signed(struct db *db, int64_t patient_id, const char *treatment,
                           struct db_screening *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " SCREENING_COLS SCREENING_FROM
                                   " WHERE s.patient_id = ?1 AND s.treatment = ?2"
                                   " AND so.screening_id IS NOT NULL"
                                   " ORDER BY so.signed_at DESC, s.id DESC LIMIT 1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    sq_bind_text(st, 2, treatment);
    return sq_one(st, screening_from_row, out);
}

/* Whether screening result `id` exists: *exists, or a failure. */
static int
screening_exists(struct db *db, int64_t id, bool *exists)
{
    *exists = false;
    sqlite3_stmt *st = sq_stmt(db, "SELECT 1 FROM screenings WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    *exists = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : sq_status(rc);
}

int
db_screening_sign(struct db *db, const struct db_screening *s)
{
    /* Without a signer the schema's refusal would read as "already signed". */
    if (!sq_fits(s->decision, sizeof(s->decision)) || s->signed_by <= 0)
        return ST_INVALID;
    /* A missing result would fail the foreign key, which SQLite reports like the primary key of
     * a second sign-off; asking first tells "no such result" from "already signed". */
    bool exists;
    int ret = screening_exists(db, s->id, &exists);
    if (ret != ST_OK)
        return ret;
    if (!exists)
        return ST_NOT_FOUND;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO screening_signoffs (screening_id, decision,"
                                   " override, reason, signed_at, signed_by)"
                                   " VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, s->id);
    sq_bind_text(st, 2, s->decision);
    sqlite3_bind_int(st, 3, s->override);
    sq_bind_text(st, 4, s->reason);
    sqlite3_bind_int64(st, 5, s->signed_ms);
    sqlite3_bind_int64(st, 6, s->signed_by);
    return sq_run(st);
}
