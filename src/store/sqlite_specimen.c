/* Specimens in SQLite (db.h): the tubes and syringes of a procedure, their chain-of-custody
 * events, the identity checks at the chair, and the little they read of patients. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

/* ---- specimens ---- */

void
db_specimen_release(struct db_specimen *s)
{
    if (!s)
        return;
    free(s->label);
    memset(s, 0, sizeof(*s));
}

#define SPECIMEN_COLS                                                                              \
    "id, procedure_id, patient_id, kind, label, volume_ml, parent_id, collected_at, expires_at,"   \
    " status, created_at, created_by"

static int
specimen_from_row(sqlite3_stmt *st, void *out)
{
    struct db_specimen *s = out;
    memset(s, 0, sizeof(*s));
    sq_col_copy(st, 0, s->id, sizeof(s->id));
    s->procedure_id = sqlite3_column_int64(st, 1);
    s->patient_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, s->kind, sizeof(s->kind));
    s->has_volume = sqlite3_column_type(st, 5) != SQLITE_NULL;
    s->volume_ml = s->has_volume ? sqlite3_column_double(st, 5) : 0;
    sq_col_copy(st, 6, s->parent_id, sizeof(s->parent_id));
    s->collected_ms = sqlite3_column_int64(st, 7);
    s->expires_ms = sqlite3_column_int64(st, 8);
    sq_col_copy(st, 9, s->status, sizeof(s->status));
    s->created_ms = sqlite3_column_int64(st, 10);
    s->created_by = sqlite3_column_int64(st, 11);
    int ret = sq_col_dup_checked(st, 4, &s->label);
    if (ret == ST_OK && !s->label)
        ret = ST_DB; /* the schema keeps label NOT NULL */
    if (ret != ST_OK)
        db_specimen_release(s);
    return ret;
}

int
db_specimen_next_seq(struct db *db, int64_t *seq)
{
    *seq = 0;
    sqlite3_stmt *st = sq_stmt(
        db, "UPDATE counters SET value = value + 1 WHERE name = 'specimen' RETURNING value");
    if (!st)
        return ST_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    int ret = rc == SQLITE_ROW ? ST_OK : rc == SQLITE_DONE ? ST_DB : sq_status(rc);
    /* Step to completion so the UPDATE is finished before the statement is reused. */
    if (rc == SQLITE_ROW)
        sqlite3_step(st);
    sqlite3_reset(st);
    return ret;
}

int
db_specimen_insert(struct db *db, const struct db_specimen *s)
{
    if (!sq_fits(s->id, sizeof(s->id)) || !sq_fits(s->kind, sizeof(s->kind)) ||
        !sq_fits(s->parent_id, sizeof(s->parent_id)) || !sq_fits(s->status, sizeof(s->status)) ||
        !s->label)
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO specimens (" SPECIMEN_COLS
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, s->id);
    sqlite3_bind_int64(st, 2, s->procedure_id);
    sqlite3_bind_int64(st, 3, s->patient_id);
    sq_bind_text(st, 4, s->kind);
    sq_bind_text(st, 5, s->label);
    if (s->has_volume)
        sqlite3_bind_double(st, 6, s->volume_ml);
    sq_bind_text(st, 7, s->parent_id[0] ? s->parent_id : NULL);
    sqlite3_bind_int64(st, 8, s->collected_ms);
    sqlite3_bind_int64(st, 9, s->expires_ms);
    sq_bind_text(st, 10, s->status);
    sqlite3_bind_int64(st, 11, s->created_ms);
    sq_bind_user_id(st, 12, s->created_by);
    return sq_run(st);
}

int
db_specimen_get(struct db *db, const char *id, struct db_specimen *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " SPECIMEN_COLS " FROM specimens WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, id);
    return sq_one(st, specimen_from_row, out);
}

int
db_specimen_set_status(struct db *db, const char *id, const char *status)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE specimens SET status = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, status);
    sq_bind_text(st, 2, id);
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) != 1)
        ret = ST_NOT_FOUND;
    return ret;
}

int
db_specimen_list(struct db *db, int64_t procedure_id, db_specimen_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " SPECIMEN_COLS " FROM specimens WHERE procedure_id = ?"
                                   " ORDER BY created_at, id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_specimen s;
        ret = specimen_from_row(st, &s);
        if (ret == ST_OK)
            ret = cb(ctx, &s);
        db_specimen_release(&s);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_specimen_count_kind(struct db *db, int64_t procedure_id, const char *kind, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT count(*) FROM specimens WHERE procedure_id = ? AND kind = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    sq_bind_text(st, 2, kind);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    int ret = rc == SQLITE_ROW ? ST_OK : sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- the chain of custody ---- */

void
db_specimen_event_release(struct db_specimen_event *e)
{
    if (!e)
        return;
    free(e->note);
    free(e->by_display_name);
    memset(e, 0, sizeof(*e));
}

static int
event_from_row(sqlite3_stmt *st, void *out)
{
    struct db_specimen_event *e = out;
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, e->specimen_id, sizeof(e->specimen_id));
    sq_col_copy(st, 2, e->event, sizeof(e->event));
    e->at_ms = sqlite3_column_int64(st, 3);
    e->by = sqlite3_column_int64(st, 4);
    sq_col_copy(st, 6, e->by_username, sizeof(e->by_username));
    int ret = sq_col_dup_checked(st, 5, &e->note);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 7, &e->by_display_name);
    if (ret != ST_OK)
        db_specimen_event_release(e);
    return ret;
}

int
db_specimen_event_insert(struct db *db, const struct db_specimen_event *e)
{
    if (!sq_fits(e->specimen_id, sizeof(e->specimen_id)) || !sq_fits(e->event, sizeof(e->event)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO specimen_events (specimen_id, event, at, by, note)"
                                   " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, e->specimen_id);
    sq_bind_text(st, 2, e->event);
    sqlite3_bind_int64(st, 3, e->at_ms);
    sq_bind_user_id(st, 4, e->by);
    sq_bind_text(st, 5, e->note);
    return sq_run(st);
}

int
db_specimen_events(struct db *db, const char *specimen_id, db_specimen_event_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT e.id, e.specimen_id, e.event, e.at, e.by, e.note, u.username,"
                    " u.display_name FROM specimen_events e LEFT JOIN users u ON u.id = e.by"
                    " WHERE e.specimen_id = ? ORDER BY e.id");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, specimen_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_specimen_event e;
        ret = event_from_row(st, &e);
        if (ret == ST_OK)
            ret = cb(ctx, &e);
        db_specimen_event_release(&e);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_specimen_mark(struct db *db, const char *id, const char *status, const char *event,
                 int64_t at_ms, int64_t by, const char *note)
{
    struct db_specimen_event e;
    memset(&e, 0, sizeof(e));
    /* Refused rather than cut to the event's arrays. */
    if (strlen(id) >= sizeof(e.specimen_id) || strlen(event) >= sizeof(e.event))
        return ST_INVALID;
    int ret = db_specimen_set_status(db, id, status);
    if (ret != ST_OK)
        return ret;
    snprintf(e.specimen_id, sizeof(e.specimen_id), "%s", id);
    snprintf(e.event, sizeof(e.event), "%s", event);
    e.at_ms = at_ms;
    e.by = by;
    e.note = (char *)note; /* borrowed: e is not released */
    return db_specimen_event_insert(db, &e);
}

/* ---- identity checks ---- */

void
db_identity_check_release(struct db_identity_check *c)
{
    if (!c)
        return;
    free(c->patient_scan);
    free(c->specimen_scan);
    free(c->by_display_name);
    memset(c, 0, sizeof(*c));
}

#define CHECK_SELECT                                                                               \
    "SELECT c.id, c.procedure_id, c.patient_scan, c.specimen_scan, c.specimen_id, c.passed,"       \
    " c.failure, c.at, c.by, u.username, u.display_name"                                           \
    " FROM identity_checks c LEFT JOIN users u ON u.id = c.by"

static int
check_from_row(sqlite3_stmt *st, void *out)
{
    struct db_identity_check *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->procedure_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 4, c->specimen_id, sizeof(c->specimen_id));
    c->passed = sqlite3_column_int(st, 5) != 0;
    sq_col_copy(st, 6, c->failure, sizeof(c->failure));
    c->at_ms = sqlite3_column_int64(st, 7);
    c->by = sqlite3_column_int64(st, 8);
    sq_col_copy(st, 9, c->by_username, sizeof(c->by_username));
    int ret = sq_col_dup_checked(st, 2, &c->patient_scan);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 3, &c->specimen_scan);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 10, &c->by_display_name);
    if (ret == ST_OK && (!c->patient_scan || !c->specimen_scan))
        ret = ST_DB; /* NOT NULL in the schema */
    if (ret != ST_OK)
        db_identity_check_release(c);
    return ret;
}

int
db_identity_check_insert(struct db *db, struct db_identity_check *c)
{
    if (!sq_fits(c->specimen_id, sizeof(c->specimen_id)) ||
        !sq_fits(c->failure, sizeof(c->failure)) || !c->patient_scan || !c->specimen_scan ||
        c->passed != !c->failure[0])
        return ST_INVALID;
    sqlite3_stmt *st =
        sq_stmt(db, "INSERT INTO identity_checks (procedure_id, patient_scan, specimen_scan,"
                    " specimen_id, passed, failure, at, by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, c->procedure_id);
    sq_bind_text(st, 2, c->patient_scan);
    sq_bind_text(st, 3, c->specimen_scan);
    sq_bind_text(st, 4, c->specimen_id[0] ? c->specimen_id : NULL);
    sqlite3_bind_int(st, 5, c->passed ? 1 : 0);
    sq_bind_text(st, 6, c->failure[0] ? c->failure : NULL);
    sqlite3_bind_int64(st, 7, c->at_ms);
    sq_bind_user_id(st, 8, c->by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        c->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_identity_check_get(struct db *db, int64_t id, struct db_identity_check *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, CHECK_SELECT " WHERE c.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, check_from_row, out);
}

int
db_identity_checks(struct db *db, int64_t procedure_id, db_identity_check_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, CHECK_SELECT " WHERE c.procedure_id = ? ORDER BY c.id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, procedure_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_identity_check c;
        ret = check_from_row(st, &c);
        if (ret == ST_OK)
            ret = cb(ctx, &c);
        db_identity_check_release(&c);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- what specimens read of patients ---- */

static int
id_from_row(sqlite3_stmt *st, void *out)
{
    *(int64_t *)out = sqlite3_column_int64(st, 0);
    return ST_OK;
}

int
db_specimen_patient_by_mrn(struct db *db, const char *mrn, int64_t *patient_id)
{
    *patient_id = 0;
    sqlite3_stmt *st = sq_stmt(db, "SELECT id FROM patients WHERE mrn = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, mrn);
    return sq_one(st, id_from_row, patient_id);
}
