/* Adverse events in SQLite (db.h): the current state of each event with its patient's identity,
 * the versions kept of it, and the procedure and specimen facts its links are checked against. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

/* The orders of the bit sets of struct db_adverse_query. */
static const char *const severities[] = {"mild", "moderate", "severe", "serious"};
static const char *const outcomes[] = {"ongoing", "resolved", "resolved_with_sequelae", "unknown"};

void
db_adverse_release(struct db_adverse *e)
{
    if (!e)
        return;
    free(e->type_other);
    free(e->description);
    free(e->actions);
    free(e->given_name);
    free(e->family_name);
    free(e->given_name_ar);
    free(e->family_name_ar);
    memset(e, 0, sizeof(*e));
}

#define ADVERSE_COLS                                                                               \
    "e.id, e.patient_id, e.procedure_id, e.specimen_id, e.type, e.type_other, e.severity,"         \
    " e.onset_at, e.description, e.actions, e.outcome, e.resolved_date, e.version, e.created_at,"  \
    " e.created_by, e.updated_at, e.updated_by, p.mrn, p.given_name, p.family_name,"               \
    " p.given_name_ar, p.family_name_ar, p.date_of_birth, p.deleted"
#define ADVERSE_FROM " FROM adverse_events e JOIN patients p ON p.id = e.patient_id"

static int
adverse_from_row(sqlite3_stmt *st, void *out)
{
    struct db_adverse *e = out;
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    e->patient_id = sqlite3_column_int64(st, 1);
    e->procedure_id = sqlite3_column_int64(st, 2); /* NULL reads as 0: none */
    sq_col_copy(st, 3, e->specimen_id, sizeof(e->specimen_id));
    sq_col_copy(st, 4, e->type, sizeof(e->type));
    sq_col_copy(st, 6, e->severity, sizeof(e->severity));
    e->onset_ms = sqlite3_column_int64(st, 7);
    sq_col_copy(st, 10, e->outcome, sizeof(e->outcome));
    sq_col_copy(st, 11, e->resolved_date, sizeof(e->resolved_date));
    e->version = sqlite3_column_int64(st, 12);
    e->created_ms = sqlite3_column_int64(st, 13);
    e->created_by = sqlite3_column_int64(st, 14);
    e->updated_ms = sqlite3_column_int64(st, 15);
    e->updated_by = sqlite3_column_int64(st, 16);
    sq_col_copy(st, 17, e->mrn, sizeof(e->mrn));
    sq_col_copy(st, 22, e->date_of_birth, sizeof(e->date_of_birth));
    e->patient_deleted = sqlite3_column_int(st, 23) != 0;
    int ret = sq_col_dup_checked(st, 5, &e->type_other);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 8, &e->description);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 9, &e->actions);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 18, &e->given_name);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 19, &e->family_name);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 20, &e->given_name_ar);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 21, &e->family_name_ar);
    if (ret != ST_OK)
        db_adverse_release(e);
    return ret;
}

static bool
adverse_fits(const struct db_adverse *e)
{
    return sq_fits(e->specimen_id, sizeof(e->specimen_id)) && sq_fits(e->type, sizeof(e->type)) &&
           sq_fits(e->severity, sizeof(e->severity)) && sq_fits(e->outcome, sizeof(e->outcome)) &&
           sq_fits(e->resolved_date, sizeof(e->resolved_date));
}

/* Binds the fields an update writes, from index `i` on, in the order of the column lists of
 * the insert and the update. */
static void
bind_fields(sqlite3_stmt *st, int i, const struct db_adverse *e)
{
    if (e->procedure_id > 0)
        sqlite3_bind_int64(st, i, e->procedure_id);
    sq_bind_text(st, i + 1, e->specimen_id[0] ? e->specimen_id : NULL);
    sq_bind_text(st, i + 2, e->type);
    sq_bind_text(st, i + 3, e->type_other);
    sq_bind_text(st, i + 4, e->severity);
    sqlite3_bind_int64(st, i + 5, e->onset_ms);
    sq_bind_text(st, i + 6, e->description);
    sq_bind_text(st, i + 7, e->actions);
    sq_bind_text(st, i + 8, e->outcome);
    sq_bind_text(st, i + 9, e->resolved_date[0] ? e->resolved_date : NULL);
    sqlite3_bind_int64(st, i + 10, e->version);
    sqlite3_bind_int64(st, i + 11, e->updated_ms);
    sqlite3_bind_int64(st, i + 12, e->updated_by);
}

int
db_adverse_insert(struct db *db, struct db_adverse *e)
{
    if (!adverse_fits(e))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO adverse_events (patient_id, procedure_id, specimen_id, type, type_other,"
            " severity, onset_at, description, actions, outcome, resolved_date, version,"
            " updated_at, updated_by, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, e->patient_id);
    bind_fields(st, 2, e);
    sqlite3_bind_int64(st, 15, e->created_ms);
    sqlite3_bind_int64(st, 16, e->created_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        e->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_adverse_update(struct db *db, const struct db_adverse *e, int64_t expected_version)
{
    if (!adverse_fits(e))
        return ST_INVALID;
    sqlite3_stmt *st =
        sq_stmt(db, "UPDATE adverse_events SET procedure_id = ?, specimen_id = ?, type = ?,"
                    " type_other = ?, severity = ?, onset_at = ?, description = ?, actions = ?,"
                    " outcome = ?, resolved_date = ?, version = ?, updated_at = ?, updated_by = ?"
                    " WHERE id = ? AND version = ?");
    if (!st)
        return ST_DB;
    bind_fields(st, 1, e);
    sqlite3_bind_int64(st, 14, e->id);
    sqlite3_bind_int64(st, 15, expected_version);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) == 1)
        return ret;
    /* Nothing changed: tell a stale version from a missing event. */
    struct db_adverse cur;
    ret = db_adverse_get(db, e->id, &cur);
    db_adverse_release(&cur);
    return ret == ST_OK ? ST_CONFLICT : ret;
}

int
db_adverse_get(struct db *db, int64_t id, struct db_adverse *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " ADVERSE_COLS ADVERSE_FROM " WHERE e.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, adverse_from_row, out);
}

/* Calls cb for each row of `st`, then resets it. */
static int
adverse_rows(sqlite3_stmt *st, db_adverse_cb cb, void *ctx)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_adverse e;
        ret = adverse_from_row(st, &e);
        if (ret == ST_OK)
            ret = cb(ctx, &e);
        db_adverse_release(&e);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_adverse_of_patient(struct db *db, int64_t patient_id, db_adverse_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " ADVERSE_COLS ADVERSE_FROM
                                   " WHERE e.patient_id = ? ORDER BY e.onset_at DESC, e.id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    return adverse_rows(st, cb, ctx);
}

/* Binds the names of the bits set in `bits` to the next parameters, NULL to those left over:
 * "IN (?, ?, ?, ?)" then matches exactly the chosen ones. */
static void
bind_set(sqlite3_stmt *st, int first, unsigned bits, const char *const *names, int n)
{
    int k = first;
    for (int i = 0; i < n; i++)
        if (bits & (1u << i))
            sq_bind_text(st, k++, names[i]);
}

int
db_adverse_list(struct db *db, const struct db_adverse_query *q, db_adverse_cb cb, void *ctx)
{
    /* One statement for every combination of filters: a filter that is off matches all, so the
     * statement cache holds a single entry and the severity index still serves "serious". */
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " ADVERSE_COLS ADVERSE_FROM " WHERE p.deleted = 0"
                    " AND (? OR e.severity IN (?, ?, ?, ?)) AND (? OR e.outcome IN (?, ?, ?, ?))"
                    " AND e.onset_at >= ? AND e.onset_at < ?"
                    " ORDER BY e.onset_at DESC, e.id DESC LIMIT ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int(st, 1, q->severities == 0);
    bind_set(st, 2, q->severities, severities, 4);
    sqlite3_bind_int(st, 6, q->outcomes == 0);
    bind_set(st, 7, q->outcomes, outcomes, 4);
    sqlite3_bind_int64(st, 11, q->from_ms);
    sqlite3_bind_int64(st, 12, q->to_ms > 0 ? q->to_ms : INT64_MAX);
    sqlite3_bind_int(st, 13, q->limit > 0 ? q->limit : -1);
    return adverse_rows(st, cb, ctx);
}

int
db_adverse_version_insert(struct db *db, const struct db_adverse_version *v)
{
    if (!v->doc)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO adverse_event_versions (adverse_event_id,"
                                   " version, doc, at, by) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, v->adverse_event_id);
    sqlite3_bind_int64(st, 2, v->version);
    sq_bind_text(st, 3, v->doc);
    sqlite3_bind_int64(st, 4, v->at_ms);
    sqlite3_bind_int64(st, 5, v->by);
    return sq_run(st);
}

int
db_adverse_versions(struct db *db, int64_t id, db_adverse_version_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT adverse_event_id, version, doc, at, by"
                                   " FROM adverse_event_versions WHERE adverse_event_id = ?"
                                   " ORDER BY version");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_adverse_version v = {
            .adverse_event_id = sqlite3_column_int64(st, 0),
            .version = sqlite3_column_int64(st, 1),
            .doc = (const char *)sqlite3_column_text(st, 2),
            .at_ms = sqlite3_column_int64(st, 3),
            .by = sqlite3_column_int64(st, 4),
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

/* The two integer columns of a row. */
struct two_ints {
    int64_t first;
    int64_t second;
};

static int
two_ints_from_row(sqlite3_stmt *st, void *out)
{
    struct two_ints *p = out;
    p->first = sqlite3_column_int64(st, 0);
    p->second = sqlite3_column_int64(st, 1);
    return ST_OK;
}

int
db_adverse_procedure(struct db *db, int64_t procedure_id, int64_t *patient_id, int64_t *started_ms)
{
    struct two_ints r = {0, 0};
    *patient_id = 0;
    *started_ms = 0;
    sqlite3_stmt *st = sq_stmt(db, "SELECT patient_id, started_at FROM procedures WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    int ret = sq_one(st, two_ints_from_row, &r);
    if (ret == ST_OK) {
        *patient_id = r.first;
        *started_ms = r.second;
    }
    return ret;
}

int
db_adverse_specimen(struct db *db, const char *specimen_id, int64_t *procedure_id,
                    int64_t *patient_id)
{
    struct two_ints r = {0, 0};
    *procedure_id = 0;
    *patient_id = 0;
    sqlite3_stmt *st = sq_stmt(db, "SELECT procedure_id, patient_id FROM specimens WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, specimen_id);
    int ret = sq_one(st, two_ints_from_row, &r);
    if (ret == ST_OK) {
        *procedure_id = r.first;
        *patient_id = r.second;
    }
    return ret;
}
