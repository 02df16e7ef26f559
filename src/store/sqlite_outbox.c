/* The outbox in SQLite (db.h): messages for SMS and e-mail gateways with their patient, the
 * appointment facts reminders are composed from, and the gateways' tokens. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

/* ---- messages ---- */

void
db_outbox_release(struct db_outbox *m)
{
    if (!m)
        return;
    free(m->recipient);
    free(m->subject);
    free(m->body);
    free(m->gateway_ref);
    free(m->error);
    free(m->patient_name_en);
    free(m->patient_name_ar);
    memset(m, 0, sizeof(*m));
}

/* A person's name in one script: "given family", NULL when neither is recorded. */
#define NAME_OF(g, f) "nullif(trim(coalesce(" g ", '') || ' ' || coalesce(" f ", '')), '')"

#define OUTBOX_COLS                                                                                \
    "o.id, o.patient_id, coalesce(o.appointment_id, 0), o.kind, o.channel, o.recipient,"           \
    " o.language, o.due_at, o.subject, o.body, o.status, o.attempts, o.created_at, o.sent_at,"     \
    " o.gateway_ref, o.error, p.mrn, " NAME_OF("p.given_name", "p.family_name") ", " NAME_OF(      \
        "p.given_name_ar", "p.family_name_ar")
#define OUTBOX_FROM " FROM outbox o JOIN patients p ON p.id = o.patient_id"

static int
outbox_from_row(sqlite3_stmt *st, void *out)
{
    struct db_outbox *m = out;
    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(st, 0);
    m->patient_id = sqlite3_column_int64(st, 1);
    m->appointment_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, m->kind, sizeof(m->kind));
    sq_col_copy(st, 4, m->channel, sizeof(m->channel));
    sq_col_copy(st, 6, m->language, sizeof(m->language));
    m->due_ms = sqlite3_column_int64(st, 7);
    sq_col_copy(st, 10, m->status, sizeof(m->status));
    m->attempts = sqlite3_column_int64(st, 11);
    m->created_ms = sqlite3_column_int64(st, 12);
    m->has_sent = sqlite3_column_type(st, 13) != SQLITE_NULL;
    m->sent_ms = sqlite3_column_int64(st, 13);
    sq_col_copy(st, 16, m->patient_mrn, sizeof(m->patient_mrn));
    int ret = sq_col_dup_checked(st, 5, &m->recipient);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 8, &m->subject);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 9, &m->body);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 14, &m->gateway_ref);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 15, &m->error);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 17, &m->patient_name_en);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 18, &m->patient_name_ar);
    if (ret != ST_OK)
        db_outbox_release(m);
    return ret;
}

static bool
outbox_fits(const struct db_outbox *m)
{
    return sq_fits(m->kind, sizeof(m->kind)) && sq_fits(m->channel, sizeof(m->channel)) &&
           sq_fits(m->language, sizeof(m->language)) && sq_fits(m->status, sizeof(m->status)) &&
           m->recipient && m->body;
}

int
db_outbox_insert(struct db *db, struct db_outbox *m)
{
    if (!outbox_fits(m))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO outbox (patient_id, appointment_id, kind, channel,"
                                   " recipient, language, due_at, subject, body, status, attempts,"
                                   " created_at, sent_at, gateway_ref, error)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, m->patient_id);
    if (m->appointment_id > 0)
        sqlite3_bind_int64(st, 2, m->appointment_id);
    sq_bind_text(st, 3, m->kind);
    sq_bind_text(st, 4, m->channel);
    sq_bind_text(st, 5, m->recipient);
    sq_bind_text(st, 6, m->language);
    sqlite3_bind_int64(st, 7, m->due_ms);
    sq_bind_text(st, 8, m->subject);
    sq_bind_text(st, 9, m->body);
    sq_bind_text(st, 10, m->status);
    sqlite3_bind_int64(st, 11, m->attempts);
    sqlite3_bind_int64(st, 12, m->created_ms);
    if (m->has_sent)
        sqlite3_bind_int64(st, 13, m->sent_ms);
    sq_bind_text(st, 14, m->gateway_ref);
    sq_bind_text(st, 15, m->error);
    int ret = sq_run(st);
    if (ret == ST_OK)
        m->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_outbox_get(struct db *db, int64_t id, struct db_outbox *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, outbox_from_row, out);
}

/* After an update of a pending message changed nothing: whether the message is missing
 * (ST_NOT_FOUND) or no longer pending (ST_CONFLICT). */
static int
not_pending_status(struct db *db, int64_t id)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT 1 FROM outbox WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return ST_CONFLICT;
    return rc == SQLITE_DONE ? ST_NOT_FOUND : sq_status(rc);
}

/* Runs an UPDATE ... WHERE id = ? AND status = 'pending' and tells why nothing changed. */
static int
update_pending(struct db *db, sqlite3_stmt *st, int64_t id)
{
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) == 0)
        ret = not_pending_status(db, id);
    return ret;
}

int
db_outbox_rewrite(struct db *db, const struct db_outbox *m)
{
    if (!outbox_fits(m))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE outbox SET channel = ?, recipient = ?, language = ?,"
                                   " due_at = ?, subject = ?, body = ?"
                                   " WHERE id = ? AND status = 'pending'");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, m->channel);
    sq_bind_text(st, 2, m->recipient);
    sq_bind_text(st, 3, m->language);
    sqlite3_bind_int64(st, 4, m->due_ms);
    sq_bind_text(st, 5, m->subject);
    sq_bind_text(st, 6, m->body);
    sqlite3_bind_int64(st, 7, m->id);
    return update_pending(db, st, m->id);
}

int
db_outbox_finish(struct db *db, int64_t id, const char *status, int64_t at_ms,
                 const char *gateway_ref, const char *error)
{
    sqlite3_stmt *st;
    if (strcmp(status, "sent") == 0) {
        st = sq_stmt(db, "UPDATE outbox SET status = 'sent', sent_at = ?, gateway_ref = ?,"
                         " attempts = attempts + 1 WHERE id = ? AND status = 'pending'");
        if (!st)
            return ST_DB;
        sqlite3_bind_int64(st, 1, at_ms);
        sq_bind_text(st, 2, gateway_ref);
    } else if (strcmp(status, "failed") == 0) {
        if (!error)
            return ST_INVALID;
        st = sq_stmt(db, "UPDATE outbox SET status = 'failed', error = ?, gateway_ref = ?,"
                         " attempts = attempts + 1 WHERE id = ? AND status = 'pending'");
        if (!st)
            return ST_DB;
        sq_bind_text(st, 1, error);
        sq_bind_text(st, 2, gateway_ref);
    } else if (strcmp(status, "cancelled") == 0) {
        st = sq_stmt(db, "UPDATE outbox SET status = 'cancelled'"
                         " WHERE id = ?3 AND status = 'pending'");
        if (!st)
            return ST_DB;
    } else {
        return ST_INVALID;
    }
    sqlite3_bind_int64(st, 3, id);
    return update_pending(db, st, id);
}

/* Calls cb for each row of a statement selecting OUTBOX_COLS; resets it. */
static int
outbox_rows(sqlite3_stmt *st, db_outbox_cb cb, void *ctx)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_outbox m;
        ret = outbox_from_row(st, &m);
        if (ret == ST_OK)
            ret = cb(ctx, &m);
        db_outbox_release(&m);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_outbox_for_appointment(struct db *db, int64_t appointment_id, db_outbox_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.appointment_id = ? ORDER BY o.id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, appointment_id);
    return outbox_rows(st, cb, ctx);
}

int
db_outbox_list(struct db *db, const struct db_outbox_query *q, db_outbox_cb cb, void *ctx)
{
    /* One statement per shape, each a range of one index (outbox_due with a status,
     * outbox_by_due without); an unbounded due time is the largest instant. */
    static const char *const sql[2][2] = {
        {"SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.due_at < ?2"
         " ORDER BY o.due_at, o.id LIMIT ?3",
         "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.due_at < ?2"
         " ORDER BY o.due_at DESC, o.id DESC LIMIT ?3"},
        {"SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.status = ?1 AND o.due_at < ?2"
         " ORDER BY o.due_at, o.id LIMIT ?3",
         "SELECT " OUTBOX_COLS OUTBOX_FROM " WHERE o.status = ?1 AND o.due_at < ?2"
         " ORDER BY o.due_at DESC, o.id DESC LIMIT ?3"},
    };
    sqlite3_stmt *st = sq_stmt(db, sql[q->status != NULL][q->descending]);
    if (!st)
        return ST_DB;
    if (q->status)
        sq_bind_text(st, 1, q->status);
    sqlite3_bind_int64(st, 2, q->has_due_before ? q->due_before_ms : INT64_MAX);
    sqlite3_bind_int(st, 3, q->limit);
    return outbox_rows(st, cb, ctx);
}

/* ---- appointment facts ---- */

void
db_outbox_appointment_release(struct db_outbox_appointment *a)
{
    if (!a)
        return;
    free(a->room_name);
    free(a->protocol);
    free(a->protocol_json);
    memset(a, 0, sizeof(*a));
}

static int
appointment_from_row(sqlite3_stmt *st, void *out)
{
    struct db_outbox_appointment *a = out;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    a->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, a->kind, sizeof(a->kind));
    sq_col_copy(st, 3, a->status, sizeof(a->status));
    a->start_ms = sqlite3_column_int64(st, 4);
    a->end_ms = sqlite3_column_int64(st, 5);
    a->version = sqlite3_column_int64(st, 6);
    int ret = sq_col_dup_checked(st, 7, &a->room_name);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 8, &a->protocol);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 9, &a->protocol_json);
    if (ret != ST_OK)
        db_outbox_appointment_release(a);
    return ret;
}

int
db_outbox_appointment_get(struct db *db, int64_t id, struct db_outbox_appointment *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT a.id, a.patient_id, a.kind, a.status, a.start_ms, a.end_ms,"
                    " a.version, r.name, c.protocol, c.protocol_json"
                    " FROM appointments a LEFT JOIN rooms r ON r.id = a.room_id"
                    " LEFT JOIN course_items ci ON ci.id = a.course_item_id"
                    " LEFT JOIN courses c ON c.id = ci.course_id WHERE a.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, appointment_from_row, out);
}

/* ---- gateway tokens ---- */

#define GATEWAY_COLS "id, name, token_hash, created_at, revoked, last_used_at"

static int
gateway_from_row(sqlite3_stmt *st, void *out)
{
    struct db_gateway *g = out;
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, g->name, sizeof(g->name));
    sq_col_copy(st, 2, g->token_hash, sizeof(g->token_hash));
    g->created_ms = sqlite3_column_int64(st, 3);
    g->revoked = sqlite3_column_int(st, 4) != 0;
    g->has_last_used = sqlite3_column_type(st, 5) != SQLITE_NULL;
    g->last_used_ms = sqlite3_column_int64(st, 5);
    return ST_OK;
}

int
db_gateway_insert(struct db *db, struct db_gateway *g)
{
    if (!sq_fits(g->name, sizeof(g->name)) || !sq_fits(g->token_hash, sizeof(g->token_hash)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO gateway_tokens (name, token_hash, created_at,"
                                   " revoked) VALUES (?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, g->name);
    sq_bind_text(st, 2, g->token_hash);
    sqlite3_bind_int64(st, 3, g->created_ms);
    sqlite3_bind_int(st, 4, g->revoked);
    int ret = sq_run(st);
    if (ret == ST_OK)
        g->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_gateway_by_token(struct db *db, const char *token_hash, struct db_gateway *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " GATEWAY_COLS " FROM gateway_tokens WHERE token_hash = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, token_hash);
    return sq_one(st, gateway_from_row, out);
}

int
db_gateway_by_name(struct db *db, const char *name, struct db_gateway *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " GATEWAY_COLS " FROM gateway_tokens WHERE name = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, name);
    return sq_one(st, gateway_from_row, out);
}

int
db_gateway_revoke(struct db *db, const char *name)
{
    struct db_gateway g;
    int ret = db_gateway_by_name(db, name, &g);
    if (ret != ST_OK)
        return ret;
    if (g.revoked)
        return ST_CONFLICT;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE gateway_tokens SET revoked = 1 WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, g.id);
    return sq_run(st);
}

int
db_gateway_touch(struct db *db, int64_t id, int64_t at_ms)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE gateway_tokens SET last_used_at = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, at_ms);
    sqlite3_bind_int64(st, 2, id);
    return sq_run(st);
}

int
db_gateway_list(struct db *db, db_gateway_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " GATEWAY_COLS " FROM gateway_tokens ORDER BY name");
    if (!st)
        return ST_DB;
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_gateway g;
        ret = gateway_from_row(st, &g);
        if (ret == ST_OK)
            ret = cb(ctx, &g);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}
