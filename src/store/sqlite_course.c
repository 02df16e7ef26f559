/* Treatment courses in SQLite (db.h): the course with the protocol document it was prescribed
 * with, its planned items, and for each item the appointment that currently holds it. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

void
db_course_release(struct db_course *c)
{
    if (!c)
        return;
    free(c->protocol_json);
    free(c->status_reason);
    free(c->notes);
    memset(c, 0, sizeof(*c));
}

#define COURSE_COLS                                                                                \
    "c.id, c.patient_id, c.protocol, c.protocol_json, c.protocol_sha256, c.screening_id,"          \
    " c.status, c.status_reason, c.start_date, c.currency, c.package, c.discount_minor, c.notes,"  \
    " c.version, c.created_at, c.created_by, c.updated_at, c.updated_by, u.username"
#define COURSE_FROM " FROM courses c LEFT JOIN users u ON u.id = c.created_by"

static int
course_from_row(sqlite3_stmt *st, void *out)
{
    struct db_course *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, c->protocol, sizeof(c->protocol));
    sq_col_copy(st, 4, c->protocol_sha256, sizeof(c->protocol_sha256));
    c->screening_id = sqlite3_column_int64(st, 5);
    sq_col_copy(st, 6, c->status, sizeof(c->status));
    sq_col_copy(st, 8, c->start_date, sizeof(c->start_date));
    sq_col_copy(st, 9, c->currency, sizeof(c->currency));
    c->package = sqlite3_column_int(st, 10) != 0;
    c->discount_minor = sqlite3_column_int64(st, 11);
    c->version = sqlite3_column_int64(st, 13);
    c->created_ms = sqlite3_column_int64(st, 14);
    c->created_by = sqlite3_column_int64(st, 15);
    c->updated_ms = sqlite3_column_int64(st, 16);
    c->updated_by = sqlite3_column_int64(st, 17);
    sq_col_copy(st, 18, c->created_by_name, sizeof(c->created_by_name));
    int ret = sq_col_dup_checked(st, 3, &c->protocol_json);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 7, &c->status_reason);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 12, &c->notes);
    if (ret != ST_OK)
        db_course_release(c);
    return ret;
}

int
db_course_insert(struct db *db, struct db_course *c)
{
    if (!sq_fits(c->protocol, sizeof(c->protocol)) || !sq_fits(c->status, sizeof(c->status)) ||
        !sq_fits(c->start_date, sizeof(c->start_date)) ||
        !sq_fits(c->currency, sizeof(c->currency)) ||
        !sq_fits(c->protocol_sha256, sizeof(c->protocol_sha256)) || !c->protocol_json)
        return ST_INVALID;
    sqlite3_stmt *st =
        sq_stmt(db, "INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256,"
                    " screening_id, status, status_reason, start_date, currency, package,"
                    " discount_minor, notes, version, created_at, created_by, updated_at,"
                    " updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, c->patient_id);
    sq_bind_text(st, 2, c->protocol);
    sq_bind_text(st, 3, c->protocol_json);
    sq_bind_text(st, 4, c->protocol_sha256);
    sqlite3_bind_int64(st, 5, c->screening_id);
    sq_bind_text(st, 6, c->status);
    sq_bind_text(st, 7, c->status_reason);
    sq_bind_text(st, 8, c->start_date);
    sq_bind_text(st, 9, c->currency);
    sqlite3_bind_int(st, 10, c->package ? 1 : 0);
    sqlite3_bind_int64(st, 11, c->discount_minor);
    sq_bind_text(st, 12, c->notes);
    sqlite3_bind_int64(st, 13, c->version);
    sqlite3_bind_int64(st, 14, c->created_ms);
    sqlite3_bind_int64(st, 15, c->created_by);
    sqlite3_bind_int64(st, 16, c->updated_ms);
    sqlite3_bind_int64(st, 17, c->updated_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        c->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_course_get(struct db *db, int64_t id, struct db_course *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " COURSE_COLS COURSE_FROM " WHERE c.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, course_from_row, out);
}

int
db_course_list(struct db *db, int64_t patient_id, db_course_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT " COURSE_COLS COURSE_FROM " WHERE c.patient_id = ? ORDER BY c.id DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_course c;
        ret = course_from_row(st, &c);
        if (ret == ST_OK)
            ret = cb(ctx, &c);
        db_course_release(&c);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_course_set_status(struct db *db, const struct db_course *c, int64_t expected_version)
{
    if (!sq_fits(c->status, sizeof(c->status)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE courses SET status = ?, status_reason = ?,"
                                   " version = ?, updated_at = ?, updated_by = ?"
                                   " WHERE id = ? AND version = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, c->status);
    sq_bind_text(st, 2, c->status_reason);
    sqlite3_bind_int64(st, 3, c->version);
    sqlite3_bind_int64(st, 4, c->updated_ms);
    sqlite3_bind_int64(st, 5, c->updated_by);
    sqlite3_bind_int64(st, 6, c->id);
    sqlite3_bind_int64(st, 7, expected_version);
    int ret = sq_run(st);
    if (ret != ST_OK || sqlite3_changes(db->conn) == 1)
        return ret;
    /* Nothing changed: tell a stale version from a missing course. */
    struct db_course cur;
    ret = db_course_get(db, c->id, &cur);
    db_course_release(&cur);
    return ret == ST_OK ? ST_CONFLICT : ret;
}

/* ---- items ---- */

int
db_course_item_insert(struct db *db, struct db_course_item *it)
{
    if (!sq_fits(it->kind, sizeof(it->kind)) || !sq_fits(it->milestone, sizeof(it->milestone)) ||
        !sq_fits(it->target_date, sizeof(it->target_date)) ||
        !sq_fits(it->earliest_date, sizeof(it->earliest_date)) ||
        !sq_fits(it->latest_date, sizeof(it->latest_date)) ||
        !sq_fits(it->room_kind, sizeof(it->room_kind)) || !sq_fits(it->status, sizeof(it->status)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO course_items (course_id, seq, kind, milestone, anchor_seq, offset_months,"
            " offset_days, window_before_days, window_after_days, target_date, earliest_date,"
            " latest_date, duration_minutes, prep_minutes, room_kind, price_minor, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, it->course_id);
    sqlite3_bind_int(st, 2, it->seq);
    sq_bind_text(st, 3, it->kind);
    sq_bind_text(st, 4, it->milestone[0] ? it->milestone : NULL);
    if (it->anchor_seq > 0)
        sqlite3_bind_int(st, 5, it->anchor_seq);
    sqlite3_bind_int(st, 6, it->offset_months);
    sqlite3_bind_int(st, 7, it->offset_days);
    sqlite3_bind_int(st, 8, it->window_before_days);
    sqlite3_bind_int(st, 9, it->window_after_days);
    sq_bind_text(st, 10, it->target_date);
    sq_bind_text(st, 11, it->earliest_date);
    sq_bind_text(st, 12, it->latest_date);
    sqlite3_bind_int(st, 13, it->duration_minutes);
    sqlite3_bind_int(st, 14, it->prep_minutes);
    sq_bind_text(st, 15, it->room_kind);
    sqlite3_bind_int64(st, 16, it->price_minor);
    sq_bind_text(st, 17, it->status);
    int ret = sq_run(st);
    if (ret == ST_OK)
        it->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

static void
item_from_row(sqlite3_stmt *st, struct db_course_item *it)
{
    memset(it, 0, sizeof(*it));
    it->id = sqlite3_column_int64(st, 0);
    it->course_id = sqlite3_column_int64(st, 1);
    it->seq = sqlite3_column_int(st, 2);
    sq_col_copy(st, 3, it->kind, sizeof(it->kind));
    sq_col_copy(st, 4, it->milestone, sizeof(it->milestone));
    it->anchor_seq = sqlite3_column_int(st, 5); /* NULL reads as 0: the start date */
    it->offset_months = sqlite3_column_int(st, 6);
    it->offset_days = sqlite3_column_int(st, 7);
    it->window_before_days = sqlite3_column_int(st, 8);
    it->window_after_days = sqlite3_column_int(st, 9);
    sq_col_copy(st, 10, it->target_date, sizeof(it->target_date));
    sq_col_copy(st, 11, it->earliest_date, sizeof(it->earliest_date));
    sq_col_copy(st, 12, it->latest_date, sizeof(it->latest_date));
    it->duration_minutes = sqlite3_column_int(st, 13);
    it->prep_minutes = sqlite3_column_int(st, 14);
    sq_col_copy(st, 15, it->room_kind, sizeof(it->room_kind));
    it->price_minor = sqlite3_column_int64(st, 16);
    sq_col_copy(st, 17, it->status, sizeof(it->status));
    it->has_appointment = sqlite3_column_type(st, 18) != SQLITE_NULL;
    it->appointment_id = sqlite3_column_int64(st, 18);
    it->appointment_start_ms = sqlite3_column_int64(st, 19);
    sq_col_copy(st, 20, it->appointment_status, sizeof(it->appointment_status));
}

int
db_course_items(struct db *db, int64_t course_id, db_course_item_cb cb, void *ctx)
{
    /* An item is booked again after a cancellation or a no-show: the newest appointment that
     * still counts is the one that holds it (appointments_by_item finds them). */
    sqlite3_stmt *st = sq_stmt(
        db, "SELECT ci.id, ci.course_id, ci.seq, ci.kind, ci.milestone, ci.anchor_seq,"
            " ci.offset_months, ci.offset_days, ci.window_before_days, ci.window_after_days,"
            " ci.target_date, ci.earliest_date, ci.latest_date, ci.duration_minutes,"
            " ci.prep_minutes, ci.room_kind, ci.price_minor, ci.status, a.id, a.start_ms,"
            " a.status FROM course_items ci LEFT JOIN appointments a ON a.id ="
            " (SELECT max(x.id) FROM appointments x WHERE x.course_item_id = ci.id"
            " AND x.status NOT IN ('cancelled', 'no_show'))"
            " WHERE ci.course_id = ? ORDER BY ci.seq");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, course_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_course_item it;
        item_from_row(st, &it);
        ret = cb(ctx, &it);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_course_item_set_dates(struct db *db, int64_t id, const char *target, const char *earliest,
                         const char *latest)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE course_items SET target_date = ?, earliest_date = ?,"
                                   " latest_date = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, target);
    sq_bind_text(st, 2, earliest);
    sq_bind_text(st, 3, latest);
    sqlite3_bind_int64(st, 4, id);
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) == 0)
        return ST_NOT_FOUND;
    return ret;
}

int
db_course_items_cancel_open(struct db *db, int64_t course_id)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE course_items SET status = 'cancelled'"
                                   " WHERE course_id = ? AND status IN ('planned', 'missed')");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, course_id);
    return sq_run(st);
}
