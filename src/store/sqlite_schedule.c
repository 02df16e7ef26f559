/* The clinic's calendar in SQLite (db.h, "calendar"): opening hours, closures, rooms, clinicians,
 * centrifuges, appointments and the holds whose trigger refuses any double booking. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

#define DAY_MS INT64_C(86400000)

/* A record type read by `rows`: how to read one, release it, and call its typed callback. */
union row_cb {
    db_hours_cb hours;
    db_closure_cb closure;
    db_room_cb room;
    db_clinician_cb clinician;
    db_centrifuge_cb centrifuge;
    db_appointment_cb appointment;
};
struct row_type {
    sq_read_fn read;
    void (*release)(void *rec);
    size_t size;
    int (*call)(union row_cb cb, void *ctx, const void *rec);
};

/* Steps a statement through its rows, reading each into a record that is released after `cb`
 * saw it; a non-zero return of cb stops and is returned. Resets the statement. */
static int
rows(sqlite3_stmt *st, const struct row_type *t, union row_cb cb, void *ctx)
{
    int rc, ret = ST_OK;
    void *rec = malloc(t->size);
    if (!rec) {
        sqlite3_reset(st);
        return ST_NOMEM;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = t->read(st, rec);
        if (ret != ST_OK)
            break;
        ret = t->call(cb, ctx, rec);
        t->release(rec);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    free(rec);
    return ret;
}

/* Runs an UPDATE or DELETE and says ST_NOT_FOUND when it touched no row. */
static int
run_changed(struct db *db, sqlite3_stmt *st)
{
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) == 0)
        ret = ST_NOT_FOUND;
    return ret;
}

static void
bind_id_or_null(sqlite3_stmt *st, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

/* ---- hours ---- */

static int
hours_from_row(sqlite3_stmt *st, void *out)
{
    struct db_hours *h = out;
    h->owner_id = sqlite3_column_int64(st, 0);
    h->weekday = sqlite3_column_int(st, 1);
    h->start_minute = sqlite3_column_int(st, 2);
    h->end_minute = sqlite3_column_int(st, 3);
    return ST_OK;
}

static void
hours_release_rec(void *rec)
{
    (void)rec;
}

static int
hours_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.hours(ctx, rec);
}

static const struct row_type hours_rows = {hours_from_row, hours_release_rec,
                                           sizeof(struct db_hours), hours_call};

int
db_opening_hours_list(struct db *db, db_hours_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT 0, weekday, open_minute, close_minute FROM opening_hours"
                                   " ORDER BY weekday, open_minute");
    if (!st)
        return ST_DB;
    return rows(st, &hours_rows, (union row_cb){.hours = cb}, ctx);
}

int
db_opening_hours_clear(struct db *db)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM opening_hours");
    return st ? sq_run(st) : ST_DB;
}

int
db_opening_hours_insert(struct db *db, const struct db_hours *h)
{
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO opening_hours (weekday, open_minute, close_minute) VALUES (?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int(st, 1, h->weekday);
    sqlite3_bind_int(st, 2, h->start_minute);
    sqlite3_bind_int(st, 3, h->end_minute);
    return sq_run(st);
}

/* ---- closures ---- */

void
db_closure_release(struct db_closure *c)
{
    if (!c)
        return;
    free(c->reason);
    c->reason = NULL;
}

static int
closure_from_row(sqlite3_stmt *st, void *out)
{
    struct db_closure *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, c->first_date, sizeof(c->first_date));
    sq_col_copy(st, 2, c->last_date, sizeof(c->last_date));
    c->created_ms = sqlite3_column_int64(st, 4);
    c->created_by = sqlite3_column_int64(st, 5);
    return sq_col_dup_checked(st, 3, &c->reason);
}

#define CLOSURE_COLS "id, first_date, last_date, reason, created_at, coalesce(created_by, 0)"

int
db_closure_insert(struct db *db, struct db_closure *c)
{
    if (!sq_fits(c->first_date, sizeof(c->first_date)) ||
        !sq_fits(c->last_date, sizeof(c->last_date)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO closures (first_date, last_date, reason,"
                                   " created_at, created_by) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, c->first_date);
    sq_bind_text(st, 2, c->last_date);
    sq_bind_text(st, 3, c->reason);
    sqlite3_bind_int64(st, 4, c->created_ms);
    sq_bind_user_id(st, 5, c->created_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        c->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_closure_get(struct db *db, int64_t id, struct db_closure *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CLOSURE_COLS " FROM closures WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, closure_from_row, out);
}

int
db_closure_delete(struct db *db, int64_t id)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM closures WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return run_changed(db, st);
}

static void
closure_release_rec(void *rec)
{
    db_closure_release(rec);
}

static int
closure_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.closure(ctx, rec);
}

static const struct row_type closure_rows = {closure_from_row, closure_release_rec,
                                             sizeof(struct db_closure), closure_call};

int
db_closure_list(struct db *db, const char *first, const char *last, db_closure_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CLOSURE_COLS " FROM closures"
                                   " WHERE first_date <= ?2 AND last_date >= ?1"
                                   " ORDER BY first_date, id");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, first);
    sq_bind_text(st, 2, last);
    return rows(st, &closure_rows, (union row_cb){.closure = cb}, ctx);
}

/* ---- rooms ---- */

void
db_room_release(struct db_room *r)
{
    if (!r)
        return;
    free(r->name);
    r->name = NULL;
}

static int
room_from_row(sqlite3_stmt *st, void *out)
{
    struct db_room *r = out;
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 2, r->kind, sizeof(r->kind));
    r->active = sqlite3_column_int(st, 3) != 0;
    return sq_col_dup_checked(st, 1, &r->name);
}

int
db_room_get(struct db *db, int64_t id, struct db_room *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, name, kind, active FROM rooms WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, room_from_row, out);
}

int
db_room_update(struct db *db, const struct db_room *r)
{
    if (!sq_fits(r->kind, sizeof(r->kind)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE rooms SET name = ?, kind = ?, active = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, r->name);
    sq_bind_text(st, 2, r->kind);
    sqlite3_bind_int(st, 3, r->active);
    sqlite3_bind_int64(st, 4, r->id);
    return run_changed(db, st);
}

static void
room_release_rec(void *rec)
{
    db_room_release(rec);
}

static int
room_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.room(ctx, rec);
}

static const struct row_type room_rows = {room_from_row, room_release_rec, sizeof(struct db_room),
                                          room_call};

int
db_room_list(struct db *db, db_room_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, name, kind, active FROM rooms ORDER BY name, id");
    if (!st)
        return ST_DB;
    return rows(st, &room_rows, (union row_cb){.room = cb}, ctx);
}

/* ---- clinicians ---- */

void
db_clinician_release(struct db_clinician *c)
{
    if (!c)
        return;
    free(c->display_name);
    c->display_name = NULL;
}

#define CLINICIAN_COLS                                                                             \
    "c.id, c.user_id, c.active, u.username, u.display_name, u.roles, u.disabled"                   \
    " FROM clinicians c JOIN users u ON u.id = c.user_id"

static int
clinician_from_row(sqlite3_stmt *st, void *out)
{
    struct db_clinician *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->user_id = sqlite3_column_int64(st, 1);
    c->active = sqlite3_column_int(st, 2) != 0;
    sq_col_copy(st, 3, c->username, sizeof(c->username));
    c->roles = (unsigned)sqlite3_column_int(st, 5);
    c->user_disabled = sqlite3_column_int(st, 6) != 0;
    return sq_col_dup_checked(st, 4, &c->display_name);
}

int
db_clinician_insert(struct db *db, struct db_clinician *c)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO clinicians (user_id, active) VALUES (?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, c->user_id);
    sqlite3_bind_int(st, 2, c->active);
    int ret = sq_run(st);
    if (ret == ST_OK)
        c->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_clinician_get(struct db *db, int64_t id, struct db_clinician *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CLINICIAN_COLS " WHERE c.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, clinician_from_row, out);
}

int
db_clinician_update(struct db *db, const struct db_clinician *c)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE clinicians SET active = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int(st, 1, c->active);
    sqlite3_bind_int64(st, 2, c->id);
    return run_changed(db, st);
}

static void
clinician_release_rec(void *rec)
{
    db_clinician_release(rec);
}

static int
clinician_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.clinician(ctx, rec);
}

static const struct row_type clinician_rows = {clinician_from_row, clinician_release_rec,
                                               sizeof(struct db_clinician), clinician_call};

int
db_clinician_list(struct db *db, db_clinician_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CLINICIAN_COLS " ORDER BY u.display_name, c.id");
    if (!st)
        return ST_DB;
    return rows(st, &clinician_rows, (union row_cb){.clinician = cb}, ctx);
}

int
db_clinician_hours_clear(struct db *db, int64_t clinician_id)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM clinician_hours WHERE clinician_id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, clinician_id);
    return sq_run(st);
}

int
db_clinician_hours_insert(struct db *db, const struct db_hours *h)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO clinician_hours (clinician_id, weekday,"
                                   " start_minute, end_minute) VALUES (?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, h->owner_id);
    sqlite3_bind_int(st, 2, h->weekday);
    sqlite3_bind_int(st, 3, h->start_minute);
    sqlite3_bind_int(st, 4, h->end_minute);
    return sq_run(st);
}

int
db_clinician_hours_list(struct db *db, int64_t clinician_id, db_hours_cb cb, void *ctx)
{
    /* Two statements, so that one clinician's hours read only their part of the key. */
    sqlite3_stmt *st =
        clinician_id > 0
            ? sq_stmt(db, "SELECT clinician_id, weekday, start_minute, end_minute"
                          " FROM clinician_hours WHERE clinician_id = ?"
                          " ORDER BY weekday, start_minute")
            : sq_stmt(db, "SELECT clinician_id, weekday, start_minute, end_minute"
                          " FROM clinician_hours ORDER BY clinician_id, weekday, start_minute");
    if (!st)
        return ST_DB;
    if (clinician_id > 0)
        sqlite3_bind_int64(st, 1, clinician_id);
    return rows(st, &hours_rows, (union row_cb){.hours = cb}, ctx);
}

/* ---- centrifuges ---- */

void
db_centrifuge_release(struct db_centrifuge *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->model);
    c->name = c->model = NULL;
}

#define CENTRIFUGE_COLS "id, name, model, coalesce(rotor_radius_mm, 0), active, rotor_type"

static int
centrifuge_from_row(sqlite3_stmt *st, void *out)
{
    struct db_centrifuge *c = out;
    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->rotor_radius_mm = sqlite3_column_int(st, 3);
    c->active = sqlite3_column_int(st, 4) != 0;
    sq_col_copy(st, 5, c->rotor_type, sizeof(c->rotor_type));
    int ret = sq_col_dup_checked(st, 1, &c->name);
    if (ret == ST_OK)
        ret = sq_col_dup_checked(st, 2, &c->model);
    if (ret != ST_OK)
        db_centrifuge_release(c);
    return ret;
}

static void
bind_centrifuge(sqlite3_stmt *st, const struct db_centrifuge *c)
{
    sq_bind_text(st, 1, c->name);
    sq_bind_text(st, 2, c->model);
    if (c->rotor_radius_mm > 0)
        sqlite3_bind_int(st, 3, c->rotor_radius_mm);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, c->active);
    sq_bind_text(st, 5, c->rotor_type[0] ? c->rotor_type : NULL);
}

int
db_centrifuge_insert(struct db *db, struct db_centrifuge *c)
{
    if (!sq_fits(c->rotor_type, sizeof(c->rotor_type)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO centrifuges (name, model, rotor_radius_mm, active,"
                                   " rotor_type) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    bind_centrifuge(st, c);
    int ret = sq_run(st);
    if (ret == ST_OK)
        c->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_centrifuge_get(struct db *db, int64_t id, struct db_centrifuge *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CENTRIFUGE_COLS " FROM centrifuges WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, centrifuge_from_row, out);
}

int
db_centrifuge_update(struct db *db, const struct db_centrifuge *c)
{
    if (!sq_fits(c->rotor_type, sizeof(c->rotor_type)))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(db, "UPDATE centrifuges SET name = ?, model = ?,"
                                   " rotor_radius_mm = ?, active = ?, rotor_type = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    bind_centrifuge(st, c);
    sqlite3_bind_int64(st, 6, c->id);
    return run_changed(db, st);
}

static void
centrifuge_release_rec(void *rec)
{
    db_centrifuge_release(rec);
}

static int
centrifuge_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.centrifuge(ctx, rec);
}

static const struct row_type centrifuge_rows = {centrifuge_from_row, centrifuge_release_rec,
                                                sizeof(struct db_centrifuge), centrifuge_call};

int
db_centrifuge_list(struct db *db, db_centrifuge_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " CENTRIFUGE_COLS " FROM centrifuges ORDER BY name, id");
    if (!st)
        return ST_DB;
    return rows(st, &centrifuge_rows, (union row_cb){.centrifuge = cb}, ctx);
}

/* ---- appointments ---- */

void
db_appointment_release(struct db_appointment *a)
{
    if (!a)
        return;
    char **strs[] = {&a->status_reason,  &a->notes,          &a->override_reason, &a->given_name,
                     &a->family_name,    &a->given_name_ar,  &a->family_name_ar,  &a->room_name,
                     &a->clinician_name, &a->centrifuge_name};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

/* Everything an appointment shows, its names included, in one join. */
#define APPOINTMENT_SELECT                                                                         \
    "SELECT a.id, a.patient_id, a.kind, coalesce(a.course_item_id, 0), a.start_ms, a.end_ms,"      \
    " a.prep_minutes, a.room_id, a.clinician_id, coalesce(a.centrifuge_id, 0), a.status,"          \
    " a.status_reason, a.notes, a.override_reason, a.version, a.created_at,"                       \
    " coalesce(a.created_by, 0), a.updated_at, coalesce(a.updated_by, 0),"                         \
    " coalesce(ci.course_id, 0), p.mrn, p.given_name, p.family_name, p.given_name_ar,"             \
    " p.family_name_ar, p.preferred_language, r.name, u.display_name, cf.name"                     \
    " FROM appointments a JOIN patients p ON p.id = a.patient_id"                                  \
    " JOIN rooms r ON r.id = a.room_id JOIN clinicians c ON c.id = a.clinician_id"                 \
    " JOIN users u ON u.id = c.user_id LEFT JOIN centrifuges cf ON cf.id = a.centrifuge_id"        \
    " LEFT JOIN course_items ci ON ci.id = a.course_item_id"

static int
appointment_from_row(sqlite3_stmt *st, void *out)
{
    struct db_appointment *a = out;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    a->patient_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, a->kind, sizeof(a->kind));
    a->course_item_id = sqlite3_column_int64(st, 3);
    a->start_ms = sqlite3_column_int64(st, 4);
    a->end_ms = sqlite3_column_int64(st, 5);
    a->prep_minutes = sqlite3_column_int(st, 6);
    a->room_id = sqlite3_column_int64(st, 7);
    a->clinician_id = sqlite3_column_int64(st, 8);
    a->centrifuge_id = sqlite3_column_int64(st, 9);
    sq_col_copy(st, 10, a->status, sizeof(a->status));
    a->version = sqlite3_column_int64(st, 14);
    a->created_ms = sqlite3_column_int64(st, 15);
    a->created_by = sqlite3_column_int64(st, 16);
    a->updated_ms = sqlite3_column_int64(st, 17);
    a->updated_by = sqlite3_column_int64(st, 18);
    a->course_id = sqlite3_column_int64(st, 19);
    sq_col_copy(st, 20, a->mrn, sizeof(a->mrn));
    sq_col_copy(st, 25, a->preferred_language, sizeof(a->preferred_language));
    struct {
        int col;
        char **dst;
    } strs[] = {{11, &a->status_reason},  {12, &a->notes},       {13, &a->override_reason},
                {21, &a->given_name},     {22, &a->family_name}, {23, &a->given_name_ar},
                {24, &a->family_name_ar}, {26, &a->room_name},   {27, &a->clinician_name},
                {28, &a->centrifuge_name}};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (sq_col_dup_checked(st, strs[i].col, strs[i].dst) != ST_OK) {
            db_appointment_release(a);
            return ST_NOMEM;
        }
    return ST_OK;
}

static bool
appointment_fits(const struct db_appointment *a)
{
    return sq_fits(a->kind, sizeof(a->kind)) && sq_fits(a->status, sizeof(a->status));
}

int
db_appointment_insert(struct db *db, struct db_appointment *a)
{
    if (!appointment_fits(a))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO appointments (patient_id, kind, course_item_id, start_ms, end_ms,"
            " prep_minutes, room_id, clinician_id, centrifuge_id, status, status_reason, notes,"
            " override_reason, version, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, a->patient_id);
    sq_bind_text(st, 2, a->kind);
    bind_id_or_null(st, 3, a->course_item_id);
    sqlite3_bind_int64(st, 4, a->start_ms);
    sqlite3_bind_int64(st, 5, a->end_ms);
    sqlite3_bind_int(st, 6, a->prep_minutes);
    sqlite3_bind_int64(st, 7, a->room_id);
    sqlite3_bind_int64(st, 8, a->clinician_id);
    bind_id_or_null(st, 9, a->centrifuge_id);
    sq_bind_text(st, 10, a->status);
    sq_bind_text(st, 11, a->status_reason);
    sq_bind_text(st, 12, a->notes);
    sq_bind_text(st, 13, a->override_reason);
    sqlite3_bind_int64(st, 14, a->version);
    sqlite3_bind_int64(st, 15, a->created_ms);
    sq_bind_user_id(st, 16, a->created_by);
    sqlite3_bind_int64(st, 17, a->updated_ms);
    sq_bind_user_id(st, 18, a->updated_by);
    int ret = sq_run(st);
    if (ret == ST_OK)
        a->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_appointment_update(struct db *db, const struct db_appointment *a)
{
    if (!appointment_fits(a))
        return ST_INVALID;
    sqlite3_stmt *st = sq_stmt(
        db, "UPDATE appointments SET start_ms = ?, end_ms = ?, prep_minutes = ?, room_id = ?,"
            " clinician_id = ?, centrifuge_id = ?, status = ?, status_reason = ?, notes = ?,"
            " override_reason = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, a->start_ms);
    sqlite3_bind_int64(st, 2, a->end_ms);
    sqlite3_bind_int(st, 3, a->prep_minutes);
    sqlite3_bind_int64(st, 4, a->room_id);
    sqlite3_bind_int64(st, 5, a->clinician_id);
    bind_id_or_null(st, 6, a->centrifuge_id);
    sq_bind_text(st, 7, a->status);
    sq_bind_text(st, 8, a->status_reason);
    sq_bind_text(st, 9, a->notes);
    sq_bind_text(st, 10, a->override_reason);
    sqlite3_bind_int64(st, 11, a->version);
    sqlite3_bind_int64(st, 12, a->updated_ms);
    sq_bind_user_id(st, 13, a->updated_by);
    sqlite3_bind_int64(st, 14, a->id);
    return run_changed(db, st);
}

int
db_appointment_get(struct db *db, int64_t id, struct db_appointment *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, APPOINTMENT_SELECT " WHERE a.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, appointment_from_row, out);
}

static void
appointment_release_rec(void *rec)
{
    db_appointment_release(rec);
}

static int
appointment_call(union row_cb cb, void *ctx, const void *rec)
{
    return cb.appointment(ctx, rec);
}

static const struct row_type appointment_rows = {appointment_from_row, appointment_release_rec,
                                                 sizeof(struct db_appointment), appointment_call};

static int
appointment_list(sqlite3_stmt *st, db_appointment_cb cb, void *ctx)
{
    return rows(st, &appointment_rows, (union row_cb){.appointment = cb}, ctx);
}

int
db_appointment_range(struct db *db, int64_t from_ms, int64_t to_ms, bool with_cancelled,
                     db_appointment_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, APPOINTMENT_SELECT
                               " WHERE a.start_ms >= ?1 AND a.start_ms < ?2"
                               " AND (?3 OR a.status <> 'cancelled') ORDER BY a.start_ms, a.id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, from_ms);
    sqlite3_bind_int64(st, 2, to_ms);
    sqlite3_bind_int(st, 3, with_cancelled);
    return appointment_list(st, cb, ctx);
}

int
db_appointment_of_patient(struct db *db, int64_t patient_id, db_appointment_cb cb, void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, APPOINTMENT_SELECT " WHERE a.patient_id = ? ORDER BY a.start_ms, a.id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    return appointment_list(st, cb, ctx);
}

int
db_appointment_of_course(struct db *db, int64_t course_id, int64_t from_ms, db_appointment_cb cb,
                         void *ctx)
{
    sqlite3_stmt *st =
        sq_stmt(db, APPOINTMENT_SELECT
                " WHERE ci.course_id = ? AND a.start_ms >= ?"
                " AND a.status IN ('booked', 'checked_in') ORDER BY a.start_ms, a.id");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, course_id);
    sqlite3_bind_int64(st, 2, from_ms);
    return appointment_list(st, cb, ctx);
}

/* ---- holds ---- */

static const char *const resource_names[] = {"room", "clinician", "centrifuge", "patient"};

const char *
db_resource_name(enum db_resource r)
{
    return (unsigned)r < sizeof(resource_names) / sizeof(resource_names[0]) ? resource_names[r]
                                                                            : "?";
}

int
db_hold_insert(struct db *db, const struct db_hold *h)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO appointment_holds (resource, resource_id,"
                                   " start_ms, end_ms, appointment_id) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, db_resource_name(h->resource));
    sqlite3_bind_int64(st, 2, h->resource_id);
    sqlite3_bind_int64(st, 3, h->start_ms);
    sqlite3_bind_int64(st, 4, h->end_ms);
    sqlite3_bind_int64(st, 5, h->appointment_id);
    return sq_run(st);
}

int
db_hold_delete_appointment(struct db *db, int64_t appointment_id)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM appointment_holds WHERE appointment_id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, appointment_id);
    return sq_run(st);
}

static int
first_id(sqlite3_stmt *st, void *out)
{
    *(int64_t *)out = sqlite3_column_int64(st, 0);
    return ST_OK;
}

int
db_hold_overlap(struct db *db, enum db_resource resource, int64_t resource_id, int64_t from_ms,
                int64_t to_ms, int64_t *appointment_id)
{
    *appointment_id = 0;
    /* Holds last at most a day: only those starting in the day before can reach into the
     * interval, which keeps the search a short range of the primary key. */
    sqlite3_stmt *st = sq_stmt(db, "SELECT appointment_id FROM appointment_holds"
                                   " WHERE resource = ?1 AND resource_id = ?2"
                                   " AND start_ms > ?3 - 86400000 AND start_ms < ?4"
                                   " AND end_ms > ?3 LIMIT 1");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, db_resource_name(resource));
    sqlite3_bind_int64(st, 2, resource_id);
    sqlite3_bind_int64(st, 3, from_ms);
    sqlite3_bind_int64(st, 4, to_ms);
    return sq_one(st, first_id, appointment_id);
}

static int
resource_of(const unsigned char *name, enum db_resource *out)
{
    for (size_t i = 0; i < sizeof(resource_names) / sizeof(resource_names[0]); i++)
        if (name && strcmp((const char *)name, resource_names[i]) == 0) {
            *out = (enum db_resource)i;
            return ST_OK;
        }
    return ST_DB;
}

int
db_hold_range(struct db *db, int64_t from_ms, int64_t to_ms, db_hold_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT resource, resource_id, start_ms, end_ms,"
                                   " appointment_id FROM appointment_holds"
                                   " WHERE start_ms > ?1 - 86400000 AND start_ms < ?2"
                                   " AND end_ms > ?1");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, from_ms);
    sqlite3_bind_int64(st, 2, to_ms);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_hold h;
        ret = resource_of(sqlite3_column_text(st, 0), &h.resource);
        if (ret != ST_OK)
            break;
        h.resource_id = sqlite3_column_int64(st, 1);
        h.start_ms = sqlite3_column_int64(st, 2);
        h.end_ms = sqlite3_column_int64(st, 3);
        h.appointment_id = sqlite3_column_int64(st, 4);
        ret = cb(ctx, &h);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- course items, as booking needs them ---- */

static int
item_from_row(sqlite3_stmt *st, void *out)
{
    struct db_schedule_item *it = out;
    memset(it, 0, sizeof(*it));
    it->id = sqlite3_column_int64(st, 0);
    it->course_id = sqlite3_column_int64(st, 1);
    it->patient_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, it->kind, sizeof(it->kind));
    sq_col_copy(st, 4, it->status, sizeof(it->status));
    sq_col_copy(st, 5, it->course_status, sizeof(it->course_status));
    sq_col_copy(st, 6, it->earliest_date, sizeof(it->earliest_date));
    sq_col_copy(st, 7, it->latest_date, sizeof(it->latest_date));
    it->duration_minutes = sqlite3_column_int(st, 8);
    it->prep_minutes = sqlite3_column_int(st, 9);
    sq_col_copy(st, 10, it->room_kind, sizeof(it->room_kind));
    return ST_OK;
}

int
db_schedule_item_get(struct db *db, int64_t item_id, struct db_schedule_item *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT ci.id, ci.course_id, c.patient_id, ci.kind, ci.status, c.status,"
                    " ci.earliest_date, ci.latest_date, ci.duration_minutes, ci.prep_minutes,"
                    " ci.room_kind FROM course_items ci JOIN courses c ON c.id = ci.course_id"
                    " WHERE ci.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, item_id);
    return sq_one(st, item_from_row, out);
}

int
db_schedule_item_set_status(struct db *db, int64_t item_id, const char *status)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE course_items SET status = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, item_id);
    return run_changed(db, st);
}
