/* The clinic's calendar: its resources, the slot search, appointments from booking to done, and
 * the day and week views. One transaction per call; the store knows SQL, this file the rules. */
#include "clinic/schedule.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/course.h"
#include "clinic/docin.h"
#include "clinic/reminders.h"
#include "clinic/role.h"
#include "clinic/slots.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"

#define MINUTE_MS INT64_C(60000)
#define HOURS_MAX 56 /* intervals in a week: eight a day is more than any clinic opens */
#define CLOSURE_DAYS_MAX 366
#define RADIUS_MAX_MM 1000

static const char *const room_kinds[] = {"treatment", "procedure", "consultation", NULL};
static const char *const appointment_kinds[] = {"session", "follow_up", "consultation", NULL};
static const char *const statuses[] = {"booked",    "checked_in", "in_progress", "done",
                                       "cancelled", "no_show",    NULL};

/* ---- small helpers ---- */

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
id_or_null(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

static json_t *
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
    return json_string(s);
}

static json_t *
local_json(int64_t ms)
{
    char s[17];
    clinic_tz_format_local(ms, s);
    return json_string(s);
}

/* Sets o[key] = v (taking the reference); clears *ok when either is missing. */
static void
put(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

/* Appends v (taking the reference); clears *ok when either is missing. */
static void
append(json_t *arr, json_t *v, bool *ok)
{
    if (!arr || !v || json_array_append_new(arr, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

/* "HH:MM" of a minute after midnight; 1440 is "24:00", the end of the day. */
static json_t *
hm_json(int minute)
{
    char s[8];
    snprintf(s, sizeof(s), "%02d:%02d", minute / 60 % 100, minute % 60);
    return json_string(s);
}

/* Reads "HH:MM" (00:00..23:59, or 24:00 when `end`). */
static bool
hm_parse(const char *s, bool end, int *minute)
{
    *minute = 0;
    if (!s || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
        return false;
    *minute = h * 60 + m;
    return true;
}

/* A whole number in [min, max] from a query value; false when it is not one. */
static bool
query_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    *out = 0;
    if (!s || !*s || s[0] == '+' || s[0] == ' ')
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool
given(const char *s)
{
    return s && *s;
}

/* An optional id field of a body: *out 0 when absent or null. */
static int
body_id(json_t *body, const char *key, bool required, int64_t *out, struct fail *f)
{
    return jsonin_int(body, key, 1, INT64_MAX, required, NULL, out, f);
}

/* Whether the body has `key` at all (JSON null included: null clears). */
static bool
has_key(json_t *body, const char *key)
{
    return json_object_get(body, key) != NULL;
}

/* ---- growable lists for what the store calls back with ---- */

struct hours_vec {
    struct db_hours *v;
    size_t n, cap;
};

static int
hours_collect(void *ctx, const struct db_hours *h)
{
    struct hours_vec *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct db_hours *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *h;
    return ST_OK;
}

/* [{"weekday", open_key, close_key}] of the intervals of one owner (every owner when -1). */
static json_t *
hours_json(const struct hours_vec *l, int64_t owner, const char *open_key, const char *close_key)
{
    json_t *arr = json_array();
    bool ok = arr != NULL;
    for (size_t i = 0; ok && i < l->n; i++) {
        const struct db_hours *h = &l->v[i];
        if (owner >= 0 && h->owner_id != owner)
            continue;
        append(arr,
               json_pack("{s:i, s:o, s:o}", "weekday", h->weekday, open_key,
                         hm_json(h->start_minute), close_key, hm_json(h->end_minute)),
               &ok);
    }
    if (!ok) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* Reads body[key], a week of intervals [{"weekday", open_key, close_key}], into *out (the
 * caller frees out->v). Intervals of one weekday must not overlap. */
static int
parse_hours(json_t *body, const char *key, const char *open_key, const char *close_key,
            int64_t owner, struct hours_vec *out, struct fail *f)
{
    const char *const fields[] = {"weekday", open_key, close_key, NULL};
    json_t *arr = NULL;
    memset(out, 0, sizeof(*out));
    int st = docin_array(body, "", key, HOURS_MAX, &arr, f);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        char path[DOCIN_PATH_MAX], cpath[DOCIN_PATH_MAX];
        json_t *wd = NULL, *open = NULL, *close = NULL;
        struct db_hours h = {.owner_id = owner};
        docin_item_path(path, key, i);
        if (st == ST_OK && !json_is_object(item))
            st = fail_set(f, ST_INVALID, path, "invalid_type",
                          "field '%s' must be an object such as {\"weekday\":1,\"%s\":\"09:00\","
                          "\"%s\":\"18:00\"}",
                          path, open_key, close_key);
        if (st == ST_OK)
            st = docin_only_fields(item, path, fields, f);
        if (st == ST_OK)
            st = docin_int(item, path, "weekday", 1, 7, true, &wd, f);
        if (st == ST_OK)
            st = docin_text(item, path, open_key, 5, true, &open, f);
        if (st == ST_OK)
            st = docin_text(item, path, close_key, 5, true, &close, f);
        if (st == ST_OK) {
            h.weekday = (int)json_integer_value(wd);
            docin_path(cpath, path, open_key);
            if (!hm_parse(json_string_value(open), false, &h.start_minute))
                st = fail_set(f, ST_INVALID, cpath, "invalid_value",
                              "field '%s' must be a time of day such as 09:00", cpath);
        }
        if (st == ST_OK) {
            docin_path(cpath, path, close_key);
            if (!hm_parse(json_string_value(close), true, &h.end_minute))
                st = fail_set(f, ST_INVALID, cpath, "invalid_value",
                              "field '%s' must be a time of day such as 18:00 (24:00 for "
                              "midnight)",
                              cpath);
            else if (h.end_minute <= h.start_minute)
                st = fail_set(f, ST_INVALID, cpath, "invalid_value", "field '%s' must be after %s",
                              cpath, open_key);
        }
        for (size_t k = 0; st == ST_OK && k < out->n; k++) {
            const struct db_hours *o = &out->v[k];
            if (o->weekday == h.weekday && o->start_minute < h.end_minute &&
                h.start_minute < o->end_minute)
                st =
                    fail_set(f, ST_INVALID, path, "invalid_value",
                             "field '%s' overlaps another interval of weekday %d", path, h.weekday);
        }
        if (st == ST_OK && hours_collect(out, &h) != ST_OK)
            st = nomem(f);
        json_decref(wd);
        json_decref(open);
        json_decref(close);
        if (st != ST_OK)
            break;
    }
    if (st != ST_OK) {
        free(out->v);
        memset(out, 0, sizeof(*out));
    }
    return st;
}

/* ---- JSON of the resources ---- */

static json_t *
closure_json(const struct db_closure *c)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c->id, "first_date", c->first_date,
                     "last_date", c->last_date, "reason", c->reason ? c->reason : "");
}

static json_t *
room_json(const struct db_room *r)
{
    return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)r->id, "name",
                     r->name ? r->name : "", "kind", r->kind, "active", r->active);
}

static json_t *
centrifuge_json(const struct db_centrifuge *c)
{
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:b}", "id", (json_int_t)c->id, "name",
                     c->name ? c->name : "", "model", str_or_null(c->model), "rotor_radius_mm",
                     c->rotor_radius_mm > 0 ? json_integer(c->rotor_radius_mm) : json_null(),
                     "rotor_type", c->rotor_type[0] ? json_string(c->rotor_type) : json_null(),
                     "active", c->active);
}

static json_t *
roles_json(unsigned roles)
{
    json_t *arr = json_array();
    bool ok = arr != NULL;
    for (int i = 0; ok && i < ROLE_COUNT; i++)
        if (roles & role_at(i))
            append(arr, json_string(role_name(role_at(i))), &ok);
    if (!ok) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *
clinician_json(const struct db_clinician *c, const struct hours_vec *hours)
{
    return json_pack("{s:I, s:{s:I, s:s, s:o, s:o}, s:b, s:o}", "id", (json_int_t)c->id, "user",
                     "id", (json_int_t)c->user_id, "username", c->username, "display_name",
                     str_or_null(c->display_name), "roles", roles_json(c->roles), "active",
                     c->active, "hours", hours_json(hours, c->id, "start", "end"));
}

/* ---- opening hours and closures ---- */

static int
closure_to_list(void *ctx, const struct db_closure *c)
{
    json_t *arr = ctx, *o = closure_json(c);
    return o && json_array_append_new(arr, o) == 0 ? ST_OK : ST_NOMEM;
}

/* The hours answer, inside the caller's transaction. */
static int
hours_answer(struct db *db, json_t **out, struct fail *f)
{
    struct hours_vec hv = {0};
    json_t *closures = json_array();
    *out = NULL;
    int st = closures ? db_opening_hours_list(db, hours_collect, &hv) : ST_NOMEM;
    if (st == ST_OK)
        st = db_closure_list(db, "0001-01-01", "9999-12-31", closure_to_list, closures);
    if (st == ST_OK) {
        *out = json_pack("{s:o, s:O}", "opening_hours", hours_json(&hv, -1, "open", "close"),
                         "closures", closures);
        if (!*out)
            st = ST_NOMEM;
    }
    free(hv.v);
    json_decref(closures);
    return st == ST_NOMEM ? nomem(f) : st != ST_OK ? db_fail(db, st, f) : ST_OK;
}

int
schedule_hours_get(struct db *db, json_t **out, struct fail *f)
{
    *out = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = hours_answer(db, out, f);
    db_rollback(db);
    return st;
}

/* Commits, or turns the commit's failure into one for a person. */
static int
commit(struct db *db, struct fail *f)
{
    int st = db_commit(db);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
schedule_hours_put(struct db *db, const struct actor *a, json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"opening_hours", NULL};
    struct hours_vec hv = {0};
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    json_t *week = json_object_get(body, "opening_hours");
    if (st == ST_OK && (!week || json_is_null(week)))
        st = fail_set(f, ST_INVALID, "opening_hours", "required",
                      "opening_hours is required: a list of {\"weekday\",\"open\",\"close\"}");
    if (st == ST_OK)
        st = parse_hours(body, "opening_hours", "open", "close", 0, &hv, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_opening_hours_clear(db);
    for (size_t i = 0; st == ST_OK && i < hv.n; i++)
        st = db_opening_hours_insert(db, &hv.v[i]);
    if (st == ST_OK)
        st = audit_write(db, a, "schedule.hours", "schedule", "opening_hours");
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = hours_answer(db, out, f);
    if (st == ST_OK)
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(hv.v);
    return st;
}

/* Reads a date field: "required", "invalid_date". */
static int
body_date(json_t *body, const char *key, struct date *d, struct fail *f)
{
    char *s = NULL;
    int st = jsonin_string(body, key, 10, true, &s, f);
    if (st == ST_OK && date_parse(s, d) != ST_OK)
        st = fail_set(f, ST_INVALID, key, "invalid_date",
                      "%s '%s' is not a date such as 2026-12-02", key, s);
    free(s);
    return st;
}

/* Appointments that still count (booked, checked in) on the local days [first, last]. */
struct affected {
    json_t *arr;
};

static int
affected_item(void *ctx, const struct db_appointment *ap)
{
    struct affected *af = ctx;
    if (strcmp(ap->status, "booked") != 0 && strcmp(ap->status, "checked_in") != 0)
        return ST_OK;
    json_t *o = schedule_appointment_json(ap);
    return o && json_array_append_new(af->arr, o) == 0 ? ST_OK : ST_NOMEM;
}

int
schedule_closure_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                        struct fail *f)
{
    static const char *const fields[] = {"first_date", "last_date", "reason", NULL};
    struct db_closure c = {0}, stored = {0};
    struct date first, last;
    struct affected af = {0};
    int64_t from_ms, to_ms, ignore;
    char ids[24];
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = body_date(body, "first_date", &first, f);
    if (st == ST_OK)
        st = body_date(body, "last_date", &last, f);
    if (st == ST_OK && date_compare(&last, &first) < 0)
        st = fail_set(f, ST_INVALID, "last_date", "before_start",
                      "last_date must be on or after first_date");
    if (st == ST_OK && date_to_days(&last) - date_to_days(&first) >= CLOSURE_DAYS_MAX)
        st = fail_set(f, ST_INVALID, "last_date", "out_of_range", "a closure lasts at most %d days",
                      CLOSURE_DAYS_MAX);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", SCHEDULE_NAME_MAX * 2, true, &c.reason, f);
    if (st != ST_OK)
        goto out;
    date_format(&first, c.first_date);
    date_format(&last, c.last_date);
    c.created_ms = time_now_ms();
    c.created_by = a->user_id;
    af.arr = json_array();
    if (!af.arr) {
        st = nomem(f);
        goto out;
    }
    if (clinic_tz_day_bounds(&first, &from_ms, &ignore) != ST_OK ||
        clinic_tz_day_bounds(&last, &ignore, &to_ms) != ST_OK) {
        st = fail_set(f, ST_INVALID, "first_date", "invalid_date",
                      "the dates are outside the clinic's calendar");
        goto out;
    }
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_closure_insert(db, &c);
    id_str(c.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "closure.create", "closure", ids);
    if (st == ST_OK)
        st = db_closure_get(db, c.id, &stored);
    if (st == ST_OK)
        st = db_appointment_range(db, from_ms, to_ms, false, affected_item, &af);
    if (st != ST_OK) {
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
        goto out;
    }
    *out =
        json_pack("{s:o, s:O}", "closure", closure_json(&stored), "affected_appointments", af.arr);
    st = *out ? commit(db, f) : nomem(f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    json_decref(af.arr);
    db_closure_release(&c);
    db_closure_release(&stored);
    return st;
}

int
schedule_closure_delete(struct db *db, const struct actor *a, int64_t id, struct fail *f)
{
    char ids[24];
    id_str(id, ids);
    int st = db_begin_write(db);
    if (st == ST_OK)
        st = db_closure_delete(db, id);
    if (st == ST_NOT_FOUND) {
        db_rollback(db);
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "closure %lld does not exist",
                        (long long)id);
    }
    if (st == ST_OK)
        st = audit_write(db, a, "closure.delete", "closure", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        db_rollback(db);
    }
    return st;
}

/* ---- rooms ---- */

static int
room_to_list(void *ctx, const struct db_room *r)
{
    json_t *o = room_json(r);
    return o && json_array_append_new(ctx, o) == 0 ? ST_OK : ST_NOMEM;
}

int
schedule_rooms_list(struct db *db, json_t **out, struct fail *f)
{
    json_t *arr = json_array();
    *out = NULL;
    if (!arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st == ST_OK)
        st = db_room_list(db, room_to_list, arr);
    db_rollback(db);
    if (st == ST_OK && !(*out = json_pack("{s:O}", "rooms", arr)))
        st = ST_NOMEM;
    json_decref(arr);
    return st == ST_OK ? ST_OK : st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
}

/* What a room body asks to change (NULL or has_active false: unchanged). */
struct room_change {
    char *name;
    const char *kind; /* points into room_kinds */
    bool has_active, active;
};

static int
parse_room(json_t *body, bool create, struct room_change *ch, struct fail *f)
{
    static const char *const create_fields[] = {"name", "kind", NULL};
    static const char *const update_fields[] = {"name", "kind", "active", NULL};
    memset(ch, 0, sizeof(*ch));
    int st = jsonin_only_fields(body, create ? create_fields : update_fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "name", SCHEDULE_NAME_MAX, create, &ch->name, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "kind", room_kinds, create, &ch->kind, f);
    if (st == ST_OK && !create)
        st = jsonin_bool(body, "active", false, &ch->has_active, &ch->active, f);
    return st;
}

/* Adds a room (id 0) or changes room `id` in one write transaction, audits it and answers with
 * it as stored. */
static int
room_save(struct db *db, const struct actor *a, int64_t id, const struct room_change *ch,
          json_t **out, struct fail *f)
{
    struct db_room r = {0};
    char ids[24];
    int st = db_begin_write(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (id) {
        st = db_room_get(db, id, &r);
        if (st == ST_NOT_FOUND) {
            st = fail_set(f, ST_NOT_FOUND, "", "not_found", "room %lld does not exist",
                          (long long)id);
            goto out;
        }
        if (st == ST_OK && ch->name) {
            free(r.name);
            r.name = strdup(ch->name);
            st = r.name ? ST_OK : ST_NOMEM;
        }
        if (ch->kind)
            snprintf(r.kind, sizeof(r.kind), "%s", ch->kind);
        if (ch->has_active)
            r.active = ch->active;
        if (st == ST_OK)
            st = db_room_update(db, &r);
    } else {
        st = db_room_insert(db, ch->name, ch->kind, &id);
    }
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "name", "conflict", "a room is named '%s' already",
                      ch->name ? ch->name : r.name);
        goto out;
    }
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, r.id ? "room.update" : "room.create", "room", ids);
    db_room_release(&r);
    if (st == ST_OK)
        st = db_room_get(db, id, &r);
    if (st != ST_OK) {
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
        goto out;
    }
    *out = room_json(&r);
    st = *out ? commit(db, f) : nomem(f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_room_release(&r);
    return st;
}

int
schedule_room_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                     struct fail *f)
{
    struct room_change ch;
    *out = NULL;
    int st = parse_room(body, true, &ch, f);
    if (st == ST_OK)
        st = room_save(db, a, 0, &ch, out, f);
    free(ch.name);
    return st;
}

int
schedule_room_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                     struct fail *f)
{
    struct room_change ch;
    *out = NULL;
    int st = parse_room(body, false, &ch, f);
    if (st == ST_OK)
        st = room_save(db, a, id, &ch, out, f);
    free(ch.name);
    return st;
}

/* ---- centrifuges ---- */

static int
centrifuge_to_list(void *ctx, const struct db_centrifuge *c)
{
    json_t *o = centrifuge_json(c);
    return o && json_array_append_new(ctx, o) == 0 ? ST_OK : ST_NOMEM;
}

int
schedule_centrifuges_list(struct db *db, json_t **out, struct fail *f)
{
    json_t *arr = json_array();
    *out = NULL;
    if (!arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st == ST_OK)
        st = db_centrifuge_list(db, centrifuge_to_list, arr);
    db_rollback(db);
    if (st == ST_OK && !(*out = json_pack("{s:O}", "centrifuges", arr)))
        st = ST_NOMEM;
    json_decref(arr);
    return st == ST_OK ? ST_OK : st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
}

/* What a centrifuge body asks to change: fields not given stay, and null clears the model, the
 * radius and the rotor type. */
struct centrifuge_change {
    char *name, *model;
    int64_t radius;
    const char *rotor_type; /* NULL: cleared (when has_rotor_type) */
    bool has_model, has_radius, has_rotor_type, has_active, active;
};

static const char *const rotor_types[] = {"fixed_angle", "swing_out", NULL};

static int
parse_centrifuge(json_t *body, bool create, struct centrifuge_change *ch, struct fail *f)
{
    static const char *const create_fields[] = {"name", "model", "rotor_radius_mm", "rotor_type",
                                                NULL};
    static const char *const update_fields[] = {"name",       "model",  "rotor_radius_mm",
                                                "rotor_type", "active", NULL};
    memset(ch, 0, sizeof(*ch));
    int st = jsonin_only_fields(body, create ? create_fields : update_fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "name", SCHEDULE_NAME_MAX, create, &ch->name, f);
    if (st == ST_OK)
        st = jsonin_string(body, "model", SCHEDULE_NAME_MAX, false, &ch->model, f);
    if (st == ST_OK)
        st = jsonin_int(body, "rotor_radius_mm", 1, RADIUS_MAX_MM, false, NULL, &ch->radius, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "rotor_type", rotor_types, false, &ch->rotor_type, f);
    if (st == ST_OK && !create)
        st = jsonin_bool(body, "active", false, &ch->has_active, &ch->active, f);
    ch->has_model = create || has_key(body, "model");
    ch->has_radius = create || has_key(body, "rotor_radius_mm");
    ch->has_rotor_type = create || has_key(body, "rotor_type");
    return st;
}

static void
centrifuge_change_release(struct centrifuge_change *ch)
{
    free(ch->name);
    free(ch->model);
    memset(ch, 0, sizeof(*ch));
}

/* Adds a centrifuge (id 0) or changes centrifuge `id` in one write transaction, audits it and
 * answers with it as stored. */
static int
centrifuge_save(struct db *db, const struct actor *a, int64_t id, struct centrifuge_change *ch,
                json_t **out, struct fail *f)
{
    struct db_centrifuge c = {.active = true};
    char ids[24];
    bool create = id == 0;
    int st = db_begin_write(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (!create && (st = db_centrifuge_get(db, id, &c)) == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "centrifuge %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st == ST_OK) {
        /* The record takes the change's strings; the change keeps none. */
        if (ch->name) {
            free(c.name);
            c.name = ch->name;
            ch->name = NULL;
        }
        if (ch->has_model) {
            free(c.model);
            c.model = ch->model;
            ch->model = NULL;
        }
        if (ch->has_radius)
            c.rotor_radius_mm = (int)ch->radius;
        if (ch->has_rotor_type)
            snprintf(c.rotor_type, sizeof(c.rotor_type), "%s",
                     ch->rotor_type ? ch->rotor_type : "");
        if (ch->has_active)
            c.active = ch->active;
        c.id = id;
        st = create ? db_centrifuge_insert(db, &c) : db_centrifuge_update(db, &c);
    }
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "name", "conflict", "a centrifuge is named '%s' already",
                      c.name);
        goto out;
    }
    id_str(c.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, create ? "centrifuge.create" : "centrifuge.update", "centrifuge",
                         ids);
    id = c.id;
    db_centrifuge_release(&c);
    if (st == ST_OK)
        st = db_centrifuge_get(db, id, &c);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = centrifuge_json(&c);
    st = *out ? commit(db, f) : nomem(f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_centrifuge_release(&c);
    return st;
}

int
schedule_centrifuge_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                           struct fail *f)
{
    struct centrifuge_change ch;
    *out = NULL;
    int st = parse_centrifuge(body, true, &ch, f);
    if (st == ST_OK)
        st = centrifuge_save(db, a, 0, &ch, out, f);
    centrifuge_change_release(&ch);
    return st;
}

int
schedule_centrifuge_update(struct db *db, const struct actor *a, int64_t id, json_t *body,
                           json_t **out, struct fail *f)
{
    struct centrifuge_change ch;
    *out = NULL;
    int st = parse_centrifuge(body, false, &ch, f);
    if (st == ST_OK)
        st = centrifuge_save(db, a, id, &ch, out, f);
    centrifuge_change_release(&ch);
    return st;
}

/* ---- clinicians ---- */

struct clinicians_ctx {
    json_t *arr;
    const struct hours_vec *hours;
};

static int
clinician_to_list(void *ctx, const struct db_clinician *c)
{
    struct clinicians_ctx *cc = ctx;
    json_t *o = clinician_json(c, cc->hours);
    return o && json_array_append_new(cc->arr, o) == 0 ? ST_OK : ST_NOMEM;
}

int
schedule_clinicians_list(struct db *db, json_t **out, struct fail *f)
{
    struct hours_vec hv = {0};
    struct clinicians_ctx cc = {.arr = json_array(), .hours = &hv};
    *out = NULL;
    if (!cc.arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st == ST_OK)
        st = db_clinician_hours_list(db, 0, hours_collect, &hv);
    if (st == ST_OK)
        st = db_clinician_list(db, clinician_to_list, &cc);
    db_rollback(db);
    if (st == ST_OK && !(*out = json_pack("{s:O}", "clinicians", cc.arr)))
        st = ST_NOMEM;
    json_decref(cc.arr);
    free(hv.v);
    return st == ST_OK ? ST_OK : st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
}

/* Replaces the clinician's week with `hours` (when given), audits and answers, inside the
 * caller's write transaction. */
static int
clinician_finish(struct db *db, const struct actor *a, int64_t id, const struct hours_vec *hours,
                 const char *action, json_t **out, struct fail *f)
{
    struct db_clinician c = {0};
    struct hours_vec stored = {0};
    char ids[24];
    int st = ST_OK;
    if (hours) {
        st = db_clinician_hours_clear(db, id);
        for (size_t i = 0; st == ST_OK && i < hours->n; i++) {
            struct db_hours h = hours->v[i];
            h.owner_id = id;
            st = db_clinician_hours_insert(db, &h);
        }
    }
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, action, "clinician", ids);
    if (st == ST_OK)
        st = db_clinician_get(db, id, &c);
    if (st == ST_OK)
        st = db_clinician_hours_list(db, id, hours_collect, &stored);
    if (st != ST_OK) {
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
        goto out;
    }
    *out = clinician_json(&c, &stored);
    if (!*out)
        st = nomem(f);
out:
    db_clinician_release(&c);
    free(stored.v);
    return st;
}

int
schedule_clinician_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                          struct fail *f)
{
    static const char *const fields[] = {"user_id", "hours", NULL};
    struct hours_vec hv = {0};
    struct db_user u = {0};
    struct db_clinician c = {.active = true};
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = body_id(body, "user_id", true, &c.user_id, f);
    if (st == ST_OK)
        st = parse_hours(body, "hours", "start", "end", 0, &hv, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_user_get(db, c.user_id, &u);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_INVALID, "user_id", "invalid_value", "user %lld does not exist",
                      (long long)c.user_id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (!(u.roles & (ROLE_DOCTOR | ROLE_NURSE))) {
        st = fail_set(f, ST_INVALID, "user_id", "invalid_value",
                      "user '%s' is neither a doctor nor a nurse", u.username);
        goto out;
    }
    st = db_clinician_insert(db, &c);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "user_id", "conflict", "user '%s' is a clinician already",
                      u.username);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinician_finish(db, a, c.id, &hv, "clinician.create", out, f);
    if (st == ST_OK)
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_user_release(&u);
    free(hv.v);
    return st;
}

int
schedule_clinician_update(struct db *db, const struct actor *a, int64_t id, json_t *body,
                          json_t **out, struct fail *f)
{
    static const char *const fields[] = {"hours", "active", NULL};
    struct hours_vec hv = {0};
    struct db_clinician c = {0};
    bool active = false, has_active = false, has_hours = false;
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "active", false, &has_active, &active, f);
    if (st == ST_OK && has_key(body, "hours") && !json_is_null(json_object_get(body, "hours"))) {
        has_hours = true;
        st = parse_hours(body, "hours", "start", "end", id, &hv, f);
    }
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_clinician_get(db, id, &c);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "clinician %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st == ST_OK && has_active) {
        c.active = active;
        st = db_clinician_update(db, &c);
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinician_finish(db, a, id, has_hours ? &hv : NULL, "clinician.update", out, f);
    if (st == ST_OK)
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_clinician_release(&c);
    free(hv.v);
    return st;
}

/* ---- appointments as JSON ---- */

/* How the instants of one local day show as local times. A day without a clock change is a
 * fixed offset from UTC, which spares asking the zone twice for every appointment of a view. */
struct local_day {
    int64_t start_ms, end_ms; /* the day, its end included */
    int64_t offset_ms;        /* local minus UTC */
    bool fixed;
};

static void
local_day_init(struct local_day *ld, const struct date *d, int64_t start_ms, int64_t end_ms)
{
    int64_t midnight;
    *ld =
        (struct local_day){start_ms, end_ms, date_to_days(d) * 1440 * MINUTE_MS - start_ms, false};
    ld->fixed = end_ms - start_ms == 1440 * MINUTE_MS &&
                clinic_tz_to_utc(d, 0, &midnight) == ST_OK && midnight == start_ms;
}

/* "YYYY-MM-DDTHH:MM" of an instant, by the day's offset when it holds, else by the zone. */
static json_t *
local_json_in(const struct local_day *ld, int64_t ms)
{
    if (!ld || !ld->fixed || ms < ld->start_ms || ms > ld->end_ms)
        return local_json(ms);
    int64_t t = ms + ld->offset_ms, day_ms = 1440 * MINUTE_MS;
    int64_t days = t >= 0 ? t / day_ms : (t - day_ms + 1) / day_ms;
    unsigned minute = (unsigned)((t - days * day_ms) / MINUTE_MS) % 1440;
    struct date d;
    char day[11], s[32];
    date_from_days(days, &d);
    date_format(&d, day);
    snprintf(s, sizeof(s), "%.10sT%02u:%02u", day, minute / 60, minute % 60);
    return json_string(s);
}

/* "Given Family" from whichever parts there are; NULL when neither. The caller frees it. */
static char *
full_name(const char *given, const char *family)
{
    size_t g = given ? strlen(given) : 0, fa = family ? strlen(family) : 0;
    if (!g && !fa)
        return NULL;
    char *s = malloc(g + fa + 2);
    if (!s)
        return NULL;
    snprintf(s, g + fa + 2, "%s%s%s", g ? given : "", g && fa ? " " : "", fa ? family : "");
    return s;
}

/* What the appointments of one view share: the local day they are shown in, and one JSON object
 * per room, clinician and centrifuge that each appointment using it refers to (a JSON value may
 * sit in several places; it is written out in each), which spares building the same object a
 * hundred times for a busy day. */
struct shown {
    struct local_day ld;
    json_t *refs; /* "r<id>", "c<id>", "f<id>" → the object */
};

/* {"id", name_key: name} for a resource, shared through `sh` when there is one. */
static json_t *
resource_ref(struct shown *sh, char tag, int64_t id, const char *name_key, const char *name)
{
    char key[32];
    json_t *o;
    snprintf(key, sizeof(key), "%c%lld", tag, (long long)id);
    if (sh && (o = json_object_get(sh->refs, key)))
        return json_incref(o);
    o = json_pack("{s:I, s:o}", "id", (json_int_t)id, name_key,
                  name         ? json_string(name)
                  : tag == 'c' ? json_null()
                               : json_string(""));
    if (o && sh && json_object_set(sh->refs, key, o) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" by arithmetic: a view writes two for every appointment. */
static json_t *
utc_json(int64_t ms)
{
    int64_t day_ms = 1440 * MINUTE_MS;
    if (ms < 0 || ms >= INT64_C(253402300800000)) /* outside 1970..9999: the general path */
        return time_json(ms);
    int64_t days = ms / day_ms, rest = ms % day_ms;
    struct date d;
    char day[11], s[40];
    date_from_days(days, &d);
    date_format(&d, day);
    unsigned msec = (unsigned)(rest % 1000), sec = (unsigned)(rest / 1000 % 60),
             min = (unsigned)(rest / MINUTE_MS % 60), hour = (unsigned)(rest / 3600000 % 24);
    snprintf(s, sizeof(s), "%.10sT%02u:%02u:%02u.%03uZ", day, hour, min, sec, msec);
    return json_string(s);
}

/* The appointment as JSON; `sh` (may be NULL) is the view it is shown in. */
static json_t *
appointment_json(const struct db_appointment *a, struct shown *sh)
{
    const struct local_day *ld = sh ? &sh->ld : NULL;
    char *en = full_name(a->given_name, a->family_name);
    char *ar = full_name(a->given_name_ar, a->family_name_ar);
    bool ok = true;
    json_t *o = json_object();
    put(o, "id", json_integer(a->id), &ok);
    put(o, "patient",
        json_pack("{s:I, s:s, s:{s:o, s:o}, s:s}", "id", (json_int_t)a->patient_id, "mrn", a->mrn,
                  "name", "en", str_or_null(en), "ar", str_or_null(ar), "preferred_language",
                  a->preferred_language),
        &ok);
    put(o, "kind", json_string(a->kind), &ok);
    put(o, "course_item_id", id_or_null(a->course_item_id), &ok);
    put(o, "course_id", id_or_null(a->course_id), &ok);
    put(o, "start", utc_json(a->start_ms), &ok);
    put(o, "end", utc_json(a->end_ms), &ok);
    put(o, "local_start", local_json_in(ld, a->start_ms), &ok);
    put(o, "local_end", local_json_in(ld, a->end_ms), &ok);
    put(o, "prep_minutes", json_integer(a->prep_minutes), &ok);
    put(o, "room", resource_ref(sh, 'r', a->room_id, "name", a->room_name), &ok);
    put(o, "clinician", resource_ref(sh, 'c', a->clinician_id, "display_name", a->clinician_name),
        &ok);
    put(o, "centrifuge",
        a->centrifuge_id > 0 ? resource_ref(sh, 'f', a->centrifuge_id, "name", a->centrifuge_name)
                             : json_null(),
        &ok);
    put(o, "status", json_string(a->status), &ok);
    put(o, "status_reason", str_or_null(a->status_reason), &ok);
    put(o, "notes", str_or_null(a->notes), &ok);
    put(o, "override_reason", str_or_null(a->override_reason), &ok);
    put(o, "version", json_integer(a->version), &ok);
    free(en);
    free(ar);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
schedule_appointment_json(const struct db_appointment *a)
{
    return appointment_json(a, NULL);
}

/* The stored appointment `id` as JSON, inside the caller's transaction. */
static int
stored_json(struct db *db, int64_t id, json_t **out, struct fail *f)
{
    struct db_appointment ap;
    int st = db_appointment_get(db, id, &ap);
    if (st != ST_OK)
        return db_fail(db, st, f);
    *out = schedule_appointment_json(&ap);
    db_appointment_release(&ap);
    return *out ? ST_OK : nomem(f);
}

/* ---- where an appointment may go ---- */

/* An appointment's time and resources, as booking or moving proposes them. */
struct placement {
    int64_t patient_id;
    int64_t start_ms, end_ms;
    int prep_minutes;
    int64_t room_id, clinician_id, centrifuge_id;
    const char *room_kind; /* the kind a course item needs; NULL: any */
};

/* Whether an interval of `weekday` in the list holds [s, e) on local day d. */
static bool
hours_cover(const struct hours_vec *hv, const struct date *d, int weekday, int64_t s, int64_t e)
{
    for (size_t i = 0; i < hv->n; i++) {
        int64_t open, close;
        const struct db_hours *h = &hv->v[i];
        if (h->weekday == weekday && slots_local_bound(d, h->start_minute, &open) == ST_OK &&
            slots_local_bound(d, h->end_minute, &close) == ST_OK && open <= s && e <= close)
            return true;
    }
    return false;
}

static int
first_closure(void *ctx, const struct db_closure *c)
{
    struct db_closure *out = ctx;
    *out = *c;
    out->reason = c->reason ? strdup(c->reason) : NULL;
    return 1; /* the first is enough */
}

/* The closure covering local day `day` (YYYY-MM-DD) into *c (c->id 0 when none). */
static int
closure_on(struct db *db, const char *day, struct db_closure *c)
{
    memset(c, 0, sizeof(*c));
    int st = db_closure_list(db, day, day, first_closure, c);
    return st == 1 ? ST_OK : st;
}

/* Checks the resources themselves: they exist, are in use and fit the appointment. */
static int
check_resources(struct db *db, const struct placement *pl, struct fail *f)
{
    struct db_room r = {0};
    struct db_clinician c = {0};
    struct db_centrifuge cf = {0};
    int st = db_room_get(db, pl->room_id, &r);
    if (st == ST_NOT_FOUND || (st == ST_OK && !r.active)) {
        st = fail_set(f, ST_INVALID, "room_id", "invalid_value", "room %lld is not in use",
                      (long long)pl->room_id);
        goto out;
    }
    if (st == ST_OK && pl->room_kind && strcmp(r.kind, pl->room_kind) != 0) {
        st = fail_set(f, ST_INVALID, "room_id", "invalid_value",
                      "room '%s' is a %s room; this appointment needs a %s room", r.name, r.kind,
                      pl->room_kind);
        goto out;
    }
    if (st == ST_OK)
        st = db_clinician_get(db, pl->clinician_id, &c);
    if (st == ST_NOT_FOUND || (st == ST_OK && (!c.active || c.user_disabled))) {
        st = fail_set(f, ST_INVALID, "clinician_id", "invalid_value",
                      "clinician %lld is not in use", (long long)pl->clinician_id);
        goto out;
    }
    if (st == ST_OK && pl->prep_minutes > 0 && pl->centrifuge_id == 0) {
        st = fail_set(f, ST_INVALID, "centrifuge_id", "required",
                      "an appointment with %d minutes of preparation needs a centrifuge",
                      pl->prep_minutes);
        goto out;
    }
    if (st == ST_OK && pl->prep_minutes == 0 && pl->centrifuge_id != 0) {
        st = fail_set(f, ST_INVALID, "centrifuge_id", "invalid_value",
                      "an appointment without preparation holds no centrifuge");
        goto out;
    }
    if (st == ST_OK && pl->centrifuge_id) {
        st = db_centrifuge_get(db, pl->centrifuge_id, &cf);
        if (st == ST_NOT_FOUND || (st == ST_OK && !cf.active)) {
            st = fail_set(f, ST_INVALID, "centrifuge_id", "invalid_value",
                          "centrifuge %lld is not in use", (long long)pl->centrifuge_id);
            goto out;
        }
    }
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    db_room_release(&r);
    db_clinician_release(&c);
    db_centrifuge_release(&cf);
    return st;
}

/* Checks the time: on the grid, not long past, inside the clinic's and the clinician's hours on
 * a day without closure. */
static int
check_time(struct db *db, const struct clinic_settings *cs, const struct placement *pl,
           struct fail *f)
{
    struct hours_vec opening = {0}, working = {0};
    struct db_closure closure = {0};
    struct date d;
    char day[11];
    int minute;
    clinic_tz_from_utc(pl->start_ms, &d, &minute);
    date_format(&d, day);
    if (pl->start_ms % MINUTE_MS != 0 || minute % cs->slot_minutes != 0)
        return fail_set(f, ST_INVALID, "start", "invalid_value",
                        "start must be on the clinic's %d-minute grid of local time",
                        cs->slot_minutes);
    if (pl->start_ms < time_now_ms() - SCHEDULE_PAST_MS)
        return fail_set(f, ST_INVALID, "start", "out_of_range",
                        "start may be at most one day in the past");
    int weekday = date_iso_weekday(&d);
    int st = closure_on(db, day, &closure);
    if (st == ST_OK && closure.id) {
        st = fail_set(f, ST_CONFLICT, "start", "outside_hours", "the clinic is closed on %s (%s)",
                      day, closure.reason ? closure.reason : "closure");
        goto out;
    }
    if (st == ST_OK)
        st = db_opening_hours_list(db, hours_collect, &opening);
    if (st == ST_OK && !hours_cover(&opening, &d, weekday, pl->start_ms, pl->end_ms)) {
        st = fail_set(f, ST_CONFLICT, "start", "outside_hours",
                      "the clinic is not open for the whole appointment on %s", day);
        goto out;
    }
    if (st == ST_OK)
        st = db_clinician_hours_list(db, pl->clinician_id, hours_collect, &working);
    if (st == ST_OK && !hours_cover(&working, &d, weekday, pl->start_ms, pl->end_ms)) {
        st = fail_set(f, ST_CONFLICT, "clinician_id", "outside_hours",
                      "clinician %lld is not working for the whole appointment on %s",
                      (long long)pl->clinician_id, day);
        goto out;
    }
    if (st != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
out:
    free(opening.v);
    free(working.v);
    db_closure_release(&closure);
    return st;
}

/* The holds of a placement, in the order a refusal names them. */
struct hold_plan {
    struct db_hold h;
    const char *field;
    const char *what;
};

static int
hold_plan(const struct placement *pl, int64_t appointment_id, struct hold_plan out[4])
{
    int n = 0;
    out[n++] =
        (struct hold_plan){{DB_RES_ROOM, pl->room_id, pl->start_ms, pl->end_ms, appointment_id},
                           "room_id",
                           "the room"};
    out[n++] = (struct hold_plan){
        {DB_RES_CLINICIAN, pl->clinician_id, pl->start_ms, pl->end_ms, appointment_id},
        "clinician_id",
        "the clinician"};
    if (pl->prep_minutes > 0)
        out[n++] = (struct hold_plan){{DB_RES_CENTRIFUGE, pl->centrifuge_id, pl->start_ms,
                                       pl->start_ms + pl->prep_minutes * MINUTE_MS, appointment_id},
                                      "centrifuge_id",
                                      "the centrifuge"};
    out[n++] = (struct hold_plan){
        {DB_RES_PATIENT, pl->patient_id, pl->start_ms, pl->end_ms, appointment_id},
        "patient_id",
        "the patient"};
    return n;
}

static int
slot_taken(struct fail *f, const struct hold_plan *p)
{
    char from[17], to[17];
    clinic_tz_format_local(p->h.start_ms, from);
    clinic_tz_format_local(p->h.end_ms, to);
    return fail_set(f, ST_CONFLICT, p->field, "slot_taken",
                    "%s is booked already for part of %s to %s", p->what, from, to + 11);
}

/* Whether everything the placement would hold is free (its own holds, when moving, are gone
 * already): the refusal names the first resource that is not. */
static int
check_free(struct db *db, const struct placement *pl, struct fail *f)
{
    struct hold_plan plan[4];
    int n = hold_plan(pl, 0, plan);
    for (int i = 0; i < n; i++) {
        int64_t other;
        int st = db_hold_overlap(db, plan[i].h.resource, plan[i].h.resource_id, plan[i].h.start_ms,
                                 plan[i].h.end_ms, &other);
        if (st == ST_OK)
            return slot_taken(f, &plan[i]);
        if (st != ST_NOT_FOUND)
            return db_fail(db, st, f);
    }
    return ST_OK;
}

/* Writes the holds. The schema's trigger has the last word: a booking that committed between
 * the checks and here (another process) makes the insert fail, and the refusal names it. */
static int
write_holds(struct db *db, const struct placement *pl, int64_t appointment_id, struct fail *f)
{
    struct hold_plan plan[4];
    int n = hold_plan(pl, appointment_id, plan);
    for (int i = 0; i < n; i++) {
        int st = db_hold_insert(db, &plan[i].h);
        if (st == ST_CONFLICT)
            return slot_taken(f, &plan[i]);
        if (st != ST_OK)
            return db_fail(db, st, f);
    }
    return ST_OK;
}

static int
placement_check(struct db *db, const struct clinic_settings *cs, const struct placement *pl,
                struct fail *f)
{
    int st = check_resources(db, pl, f);
    if (st == ST_OK)
        st = check_time(db, cs, pl, f);
    if (st == ST_OK)
        st = check_free(db, pl, f);
    return st;
}

/* Whether the start's local day lies in the course item's window; outside it the booking
 * needs a reason, which *use_reason then says to record. */
static int
window_check(const struct db_schedule_item *it, int64_t start_ms, const char *reason,
             bool *use_reason, struct fail *f)
{
    struct date d;
    char day[11];
    int minute;
    *use_reason = false;
    clinic_tz_from_utc(start_ms, &d, &minute);
    date_format(&d, day);
    if (strcmp(day, it->earliest_date) >= 0 && strcmp(day, it->latest_date) <= 0)
        return ST_OK;
    if (!reason)
        return fail_set(f, ST_CONFLICT, "start", "outside_window",
                        "%s is outside the window of course item %lld (%s to %s); give an "
                        "override_reason to book it anyway",
                        day, (long long)it->id, it->earliest_date, it->latest_date);
    if (text_codepoints(reason, strlen(reason)) < SCHEDULE_REASON_MIN)
        return fail_set(f, ST_INVALID, "override_reason", "too_short",
                        "the reason for booking outside the window must be at least %d "
                        "characters",
                        SCHEDULE_REASON_MIN);
    *use_reason = true;
    return ST_OK;
}

/* Reads an appointment's start: a UTC time with its time of day. */
static int
body_start(json_t *body, int64_t *start_ms, struct fail *f)
{
    char *s = NULL;
    *start_ms = 0;
    int st = jsonin_string(body, "start", 40, true, &s, f);
    if (st == ST_OK && (strlen(s) <= 10 || time_parse_iso(s, start_ms) != ST_OK))
        st = fail_set(f, ST_INVALID, "start", "invalid_date",
                      "start '%s' is not a UTC time such as 2026-12-01T05:00:00.000Z", s);
    free(s);
    return st;
}

/* ---- booking ---- */

struct booking {
    int64_t patient_id, course_item_id, room_id, clinician_id, centrifuge_id, start_ms;
    int64_t duration, prep;
    bool has_duration, has_prep;
    const char *kind; /* points into appointment_kinds; NULL when not given */
    char *notes, *override_reason;
};

static void
booking_release(struct booking *b)
{
    free(b->notes);
    free(b->override_reason);
    memset(b, 0, sizeof(*b));
}

static int
parse_booking(json_t *body, struct booking *b, struct fail *f)
{
    static const char *const fields[] = {
        "patient_id", "kind",         "course_item_id", "start", "duration_minutes", "prep_minutes",
        "room_id",    "clinician_id", "centrifuge_id",  "notes", "override_reason",  NULL};
    memset(b, 0, sizeof(*b));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = body_id(body, "patient_id", true, &b->patient_id, f);
    if (st == ST_OK)
        st = body_id(body, "course_item_id", false, &b->course_item_id, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "kind", appointment_kinds, !b->course_item_id, &b->kind, f);
    if (st == ST_OK)
        st = body_start(body, &b->start_ms, f);
    if (st == ST_OK)
        st = jsonin_int(body, "duration_minutes", 5, SCHEDULE_DURATION_MAX, !b->course_item_id,
                        &b->has_duration, &b->duration, f);
    if (st == ST_OK)
        st = jsonin_int(body, "prep_minutes", 0, SCHEDULE_DURATION_MAX, false, &b->has_prep,
                        &b->prep, f);
    if (st == ST_OK)
        st = body_id(body, "room_id", true, &b->room_id, f);
    if (st == ST_OK)
        st = body_id(body, "clinician_id", true, &b->clinician_id, f);
    if (st == ST_OK)
        st = body_id(body, "centrifuge_id", false, &b->centrifuge_id, f);
    if (st == ST_OK)
        st = jsonin_string(body, "notes", SCHEDULE_TEXT_MAX, false, &b->notes, f);
    if (st == ST_OK)
        st = jsonin_string(body, "override_reason", SCHEDULE_TEXT_MAX, false, &b->override_reason,
                           f);
    if (st != ST_OK)
        booking_release(b);
    return st;
}

/* The appointment kind of a course item's kind. */
static const char *
item_appointment_kind(const struct db_schedule_item *it)
{
    return strcmp(it->kind, "follow_up") == 0 ? "follow_up" : "session";
}

/* Checks that a course item of this patient may be booked, and fills what the booking left
 * to the item. */
static int
booking_item(struct db *db, struct booking *b, struct db_schedule_item *it, struct fail *f)
{
    int st = db_schedule_item_get(db, b->course_item_id, it);
    if (st == ST_NOT_FOUND || (st == ST_OK && it->patient_id != b->patient_id))
        return fail_set(f, ST_INVALID, "course_item_id", "invalid_value",
                        "course item %lld is not an item of patient %lld's courses",
                        (long long)b->course_item_id, (long long)b->patient_id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (strcmp(it->course_status, "planned") != 0 && strcmp(it->course_status, "active") != 0)
        return fail_set(f, ST_CONFLICT, "course_item_id", "invalid_transition",
                        "the course of item %lld is %s: nothing more is booked for it",
                        (long long)it->id, it->course_status);
    if (strcmp(it->status, "planned") != 0 && strcmp(it->status, "missed") != 0)
        return fail_set(f, ST_CONFLICT, "course_item_id", "invalid_transition",
                        "course item %lld is %s already%s", (long long)it->id, it->status,
                        strcmp(it->status, "booked") == 0 ? "; move its appointment instead" : "");
    const char *kind = item_appointment_kind(it);
    if (b->kind && strcmp(b->kind, kind) != 0)
        return fail_set(f, ST_INVALID, "kind", "invalid_value",
                        "course item %lld is booked as a %s", (long long)it->id, kind);
    b->kind = kind;
    if (!b->has_duration)
        b->duration = it->duration_minutes;
    if (!b->has_prep)
        b->prep = it->prep_minutes;
    return ST_OK;
}

/* The patient, unless missing or deleted. */
/* What every change of an appointment brings with it, inside the change's transaction: the
 * windows of its course's later items counted again from the day it now falls on (stored unless
 * `preview`; *effects, when asked for, says where they go), a planned course started by a
 * booking, and the patient's messages rewritten (not for a preview). */
static int
follow_change(struct db *db, const struct protocols *p, const struct actor *a,
              const struct db_appointment *ap, int64_t course_id, bool preview, json_t **effects,
              struct fail *f)
{
    int st = ST_OK;
    json_t *e = NULL;
    if (effects)
        *effects = NULL;
    if (course_id) {
        st = course_replan(db, course_id, NULL, !preview, &e, f);
        if (st == ST_OK && !preview && strcmp(ap->status, "booked") == 0)
            st = course_start(db, a, course_id, f);
    }
    if (st == ST_OK && !preview)
        st = reminders_sync_appointment(db, p, ap->id, time_now_ms(), f);
    if (st == ST_OK && effects) {
        *effects = e;
        e = NULL;
    }
    json_decref(e);
    return st;
}

static int
live_patient(struct db *db, int64_t id, const char *field, struct fail *f)
{
    struct db_patient p;
    int st = db_patient_get(db, id, &p);
    bool deleted = st == ST_OK && p.deleted;
    db_patient_release(&p);
    if (st == ST_NOT_FOUND || deleted)
        return fail_set(f, ST_INVALID, field, "invalid_value", "patient %lld does not exist",
                        (long long)id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
schedule_book(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
              const struct actor *a, json_t *body, json_t **out, struct fail *f)
{
    struct booking b;
    struct db_schedule_item it = {0};
    struct db_appointment ap = {0};
    bool use_reason = false;
    char ids[24];
    *out = NULL;
    int st = parse_booking(body, &b, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, b.patient_id, "patient_id", f);
    if (st == ST_OK && b.course_item_id)
        st = booking_item(db, &b, &it, f);
    if (st == ST_OK && b.prep > b.duration)
        st = fail_set(f, ST_INVALID, "prep_minutes", "out_of_range",
                      "prep_minutes must not be longer than the appointment (%lld minutes)",
                      (long long)b.duration);
    if (st != ST_OK)
        goto out;
    struct placement pl = {.patient_id = b.patient_id,
                           .start_ms = b.start_ms,
                           .end_ms = b.start_ms + b.duration * MINUTE_MS,
                           .prep_minutes = (int)b.prep,
                           .room_id = b.room_id,
                           .clinician_id = b.clinician_id,
                           .centrifuge_id = b.centrifuge_id,
                           .room_kind = b.course_item_id ? it.room_kind : NULL};
    st = placement_check(db, cs, &pl, f);
    if (st == ST_OK && b.course_item_id)
        st = window_check(&it, b.start_ms, b.override_reason, &use_reason, f);
    if (st != ST_OK)
        goto out;
    int64_t now = time_now_ms();
    ap = (struct db_appointment){.patient_id = b.patient_id,
                                 .course_item_id = b.course_item_id,
                                 .start_ms = pl.start_ms,
                                 .end_ms = pl.end_ms,
                                 .prep_minutes = pl.prep_minutes,
                                 .room_id = pl.room_id,
                                 .clinician_id = pl.clinician_id,
                                 .centrifuge_id = pl.centrifuge_id,
                                 .notes = b.notes,
                                 .override_reason = use_reason ? b.override_reason : NULL,
                                 .version = 1,
                                 .created_ms = now,
                                 .created_by = a->user_id,
                                 .updated_ms = now,
                                 .updated_by = a->user_id};
    snprintf(ap.kind, sizeof(ap.kind), "%s", b.kind);
    snprintf(ap.status, sizeof(ap.status), "booked");
    st = db_appointment_insert(db, &ap);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = write_holds(db, &pl, ap.id, f);
    if (st == ST_OK && b.course_item_id &&
        (st = db_schedule_item_set_status(db, it.id, "booked")) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = follow_change(db, p, a, &ap, b.course_item_id ? it.course_id : 0, false, NULL, f);
    id_str(ap.id, ids);
    if (st == ST_OK && (st = audit_write(db, a, "appointment.book", "appointment", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = stored_json(db, ap.id, out, f);
    if (st == ST_OK)
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    booking_release(&b);
    return st;
}

/* ---- reading appointments ---- */

int
schedule_appointment_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                          struct fail *f)
{
    struct db_appointment ap;
    char ids[24];
    *out = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = db_appointment_get(db, id, &ap);
    db_rollback(db);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                        (long long)id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    *out = schedule_appointment_json(&ap);
    id_str(ap.patient_id, ids);
    db_appointment_release(&ap);
    if (!*out)
        return nomem(f);
    audit_read(a, "appointment.read", "patient", ids);
    return ST_OK;
}

static int
appointment_to_list(void *ctx, const struct db_appointment *ap)
{
    json_t *o = schedule_appointment_json(ap);
    return o && json_array_append_new(ctx, o) == 0 ? ST_OK : ST_NOMEM;
}

int
schedule_patient_appointments(struct db *db, const struct actor *a, int64_t patient_id,
                              json_t **out, struct fail *f)
{
    struct db_patient p;
    json_t *arr = json_array();
    char ids[24];
    *out = NULL;
    if (!arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st == ST_OK)
        st = db_patient_get(db, patient_id, &p);
    if (st == ST_OK && p.deleted)
        st = ST_NOT_FOUND;
    if (st == ST_OK || st == ST_NOT_FOUND)
        db_patient_release(&p);
    if (st == ST_OK)
        st = db_appointment_of_patient(db, patient_id, appointment_to_list, arr);
    db_rollback(db);
    if (st == ST_NOT_FOUND)
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                      (long long)patient_id);
    else if (st == ST_NOMEM)
        st = nomem(f);
    else if (st != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK && !(*out = json_pack("{s:O}", "appointments", arr)))
        st = nomem(f);
    json_decref(arr);
    if (st == ST_OK) {
        id_str(patient_id, ids);
        audit_read(a, "appointment.list", "patient", ids);
    }
    return st;
}

/* The appointment `id` for a change, with the version the caller saw. */
static int
appointment_for_change(struct db *db, int64_t id, int64_t version, struct db_appointment *ap,
                       struct fail *f)
{
    int st = db_appointment_get(db, id, ap);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                        (long long)id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (ap->version != version)
        return fail_set(f, ST_CONFLICT, "version", "stale_version",
                        "appointment %lld was changed by someone else (version %lld, not %lld)",
                        (long long)id, (long long)ap->version, (long long)version);
    return ST_OK;
}

/* ---- moving ---- */

struct move {
    int64_t start_ms, room_id, clinician_id, centrifuge_id, version;
    bool preview;
    char *override_reason;
};

static int
parse_move(json_t *body, struct move *m, struct fail *f)
{
    static const char *const fields[] = {"start",   "room_id", "clinician_id",    "centrifuge_id",
                                         "version", "preview", "override_reason", NULL};
    memset(m, 0, sizeof(*m));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = body_start(body, &m->start_ms, f);
    if (st == ST_OK)
        st = body_id(body, "room_id", false, &m->room_id, f);
    if (st == ST_OK)
        st = body_id(body, "clinician_id", false, &m->clinician_id, f);
    if (st == ST_OK)
        st = body_id(body, "centrifuge_id", false, &m->centrifuge_id, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, &m->version, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "preview", false, NULL, &m->preview, f);
    if (st == ST_OK)
        st = jsonin_string(body, "override_reason", SCHEDULE_TEXT_MAX, false, &m->override_reason,
                           f);
    if (st != ST_OK) {
        free(m->override_reason);
        m->override_reason = NULL;
    }
    return st;
}

int
schedule_move(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
              const struct actor *a, int64_t id, json_t *body, json_t **out, struct fail *f)
{
    struct move m;
    struct db_appointment ap = {0};
    struct db_schedule_item it = {0};
    json_t *appointment = NULL, *course_effects = NULL;
    bool use_reason = false;
    char ids[24];
    *out = NULL;
    int st = parse_move(body, &m, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = appointment_for_change(db, id, m.version, &ap, f);
    if (st != ST_OK)
        goto out;
    if (strcmp(ap.status, "booked") != 0 && strcmp(ap.status, "checked_in") != 0) {
        st = fail_set(f, ST_CONFLICT, "start", "invalid_transition",
                      "appointment %lld is %s: only a booked or checked-in one moves",
                      (long long)id, ap.status);
        goto out;
    }
    if (ap.course_item_id && (st = db_schedule_item_get(db, ap.course_item_id, &it)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    struct placement pl = {.patient_id = ap.patient_id,
                           .start_ms = m.start_ms,
                           .end_ms = m.start_ms + (ap.end_ms - ap.start_ms),
                           .prep_minutes = ap.prep_minutes,
                           .room_id = m.room_id ? m.room_id : ap.room_id,
                           .clinician_id = m.clinician_id ? m.clinician_id : ap.clinician_id,
                           .centrifuge_id = m.centrifuge_id ? m.centrifuge_id : ap.centrifuge_id,
                           .room_kind = ap.course_item_id ? it.room_kind : NULL};
    /* Its own holds go first, so that a move by a quarter of an hour is not in its own way. */
    if ((st = db_hold_delete_appointment(db, id)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = placement_check(db, cs, &pl, f);
    if (st == ST_OK && ap.course_item_id)
        st = window_check(&it, pl.start_ms, m.override_reason, &use_reason, f);
    if (st == ST_OK)
        st = write_holds(db, &pl, id, f);
    if (st != ST_OK)
        goto out;
    ap.start_ms = pl.start_ms;
    ap.end_ms = pl.end_ms;
    ap.room_id = pl.room_id;
    ap.clinician_id = pl.clinician_id;
    ap.centrifuge_id = pl.centrifuge_id;
    free(ap.override_reason);
    ap.override_reason = use_reason ? m.override_reason : NULL;
    if (use_reason)
        m.override_reason = NULL;
    ap.version++;
    ap.updated_ms = time_now_ms();
    ap.updated_by = a->user_id;
    st = db_appointment_update(db, &ap);
    id_str(id, ids);
    if (st == ST_OK && !m.preview)
        st = audit_write(db, a, "appointment.move", "appointment", ids);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = follow_change(db, p, a, &ap, ap.course_item_id ? it.course_id : 0, m.preview,
                       &course_effects, f);
    if (st == ST_OK)
        st = stored_json(db, id, &appointment, f);
    if (st != ST_OK)
        goto out;
    if (!course_effects && !(course_effects = json_null())) {
        st = nomem(f);
        goto out;
    }
    *out = json_pack("{s:O, s:O}", "appointment", appointment, "course_effects", course_effects);
    if (!*out) {
        st = nomem(f);
        goto out;
    }
    if (m.preview)
        db_rollback(db);
    else
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    json_decref(appointment);
    json_decref(course_effects);
    free(m.override_reason);
    db_appointment_release(&ap);
    return st;
}

/* ---- status ---- */

static bool
transition_ok(const char *from, const char *to)
{
    static const char *const allowed[][2] = {
        {"booked", "checked_in"},      {"booked", "cancelled"},      {"booked", "no_show"},
        {"checked_in", "in_progress"}, {"checked_in", "cancelled"},  {"checked_in", "no_show"},
        {"in_progress", "done"},       {"in_progress", "cancelled"},
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (strcmp(allowed[i][0], from) == 0 && strcmp(allowed[i][1], to) == 0)
            return true;
    return false;
}

/* What a status means for the appointment's course item; NULL: nothing. */
static const char *
item_status_for(const char *status)
{
    if (strcmp(status, "cancelled") == 0)
        return "planned";
    if (strcmp(status, "no_show") == 0)
        return "missed";
    if (strcmp(status, "done") == 0)
        return "done";
    return NULL;
}

/* Gives `ap` its new status inside the caller's write transaction: frees the holds of an
 * appointment that no longer counts and, with `item_too`, sets its course item's status. */
static int
apply_status(struct db *db, const struct actor *a, struct db_appointment *ap, const char *status,
             char *reason, bool item_too, struct fail *f)
{
    char ids[24];
    snprintf(ap->status, sizeof(ap->status), "%s", status);
    free(ap->status_reason);
    ap->status_reason = reason;
    ap->version++;
    ap->updated_ms = time_now_ms();
    ap->updated_by = a->user_id;
    int st = db_appointment_update(db, ap);
    if (st == ST_OK && (strcmp(status, "cancelled") == 0 || strcmp(status, "no_show") == 0))
        st = db_hold_delete_appointment(db, ap->id);
    const char *item_status = item_status_for(status);
    if (st == ST_OK && item_too && ap->course_item_id && item_status)
        st = db_schedule_item_set_status(db, ap->course_item_id, item_status);
    id_str(ap->id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "appointment.status", "appointment", ids);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* An appointment whose procedure was started at the chair ends with that procedure (completed
 * or abandoned, with its specimens), never by a status change of its own. */
static int
no_procedure(struct db *db, const struct db_appointment *ap, struct fail *f)
{
    struct db_procedure proc;
    int st = db_procedure_by_appointment(db, ap->id, &proc);
    db_procedure_release(&proc);
    if (st == ST_NOT_FOUND)
        return ST_OK;
    if (st != ST_OK)
        return db_fail(db, st, f);
    return fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                    "appointment %lld is at the chair: complete or abandon its procedure instead",
                    (long long)ap->id);
}

int
schedule_status_in_tx(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                      const char *status, const char *reason, struct fail *f)
{
    struct db_appointment ap = {0};
    char *copy = NULL;
    int st = db_appointment_get(db, id, &ap);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (!transition_ok(ap.status, status)) {
        st = fail_set(f, ST_CONFLICT, "appointment", "invalid_transition",
                      "appointment %lld is %s: it cannot become %s", (long long)id, ap.status,
                      status);
        goto out;
    }
    if (reason && !(copy = strdup(reason))) {
        st = nomem(f);
        goto out;
    }
    st = apply_status(db, a, &ap, status, copy, true, f);
    copy = NULL;
    if (st == ST_OK)
        st = follow_change(db, p, a, &ap, ap.course_id, false, NULL, f);
out:
    free(copy);
    db_appointment_release(&ap);
    return st;
}

int
schedule_set_status(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                    json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"status", "reason", "version", NULL};
    struct db_appointment ap = {0};
    const char *status = NULL;
    char *reason = NULL;
    int64_t version = 0;
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "status", statuses, true, &status, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", SCHEDULE_TEXT_MAX, false, &reason, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, &version, f);
    if (st == ST_OK && strcmp(status, "cancelled") == 0 && !reason)
        st = fail_set(f, ST_INVALID, "reason", "required", "cancelling needs a reason");
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = appointment_for_change(db, id, version, &ap, f);
    if (st == ST_OK && !transition_ok(ap.status, status))
        st = fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                      "appointment %lld is %s: it cannot become %s", (long long)id, ap.status,
                      status);
    if (st == ST_OK && strcmp(ap.status, "in_progress") == 0)
        st = no_procedure(db, &ap, f);
    if (st == ST_OK) {
        st = apply_status(db, a, &ap, status, reason, true, f);
        reason = NULL;
    }
    if (st == ST_OK)
        st = follow_change(db, p, a, &ap, ap.course_id, false, NULL, f);
    if (st == ST_OK)
        st = stored_json(db, id, out, f);
    if (st == ST_OK)
        st = commit(db, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(reason);
    db_appointment_release(&ap);
    return st;
}

struct id_vec {
    int64_t *v;
    size_t n, cap;
};

static int
id_collect(void *ctx, const struct db_appointment *ap)
{
    struct id_vec *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        int64_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = ap->id;
    return ST_OK;
}

int
schedule_cancel_course(struct db *db, const struct protocols *p, const struct actor *a,
                       int64_t course_id, const char *reason, int64_t now_ms, int *cancelled,
                       struct fail *f)
{
    struct id_vec ids = {0};
    int n = 0;
    if (cancelled)
        *cancelled = 0;
    /* The ids first: the rows change while they are cancelled. */
    int st = db_appointment_of_course(db, course_id, now_ms, id_collect, &ids);
    if (st != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    for (size_t i = 0; st == ST_OK && i < ids.n; i++) {
        struct db_appointment ap;
        char *copy = reason ? strdup(reason) : NULL;
        st = db_appointment_get(db, ids.v[i], &ap);
        if (st == ST_OK && reason && !copy)
            st = ST_NOMEM;
        if (st == ST_OK) {
            st = apply_status(db, a, &ap, "cancelled", copy, false, f);
            copy = NULL;
            n++;
            /* The course ends: its item is not open to booking again. */
            if (st == ST_OK && ap.course_item_id &&
                (st = db_schedule_item_set_status(db, ap.course_item_id, "cancelled")) != ST_OK)
                st = db_fail(db, st, f);
            if (st == ST_OK)
                st = reminders_sync_appointment(db, p, ap.id, now_ms, f);
        } else {
            st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
        }
        free(copy);
        db_appointment_release(&ap);
    }
    free(ids.v);
    if (st == ST_OK && cancelled)
        *cancelled = n;
    return st;
}

int
schedule_end_course(const void *protocols, struct db *db, const struct actor *a, int64_t course_id,
                    const char *reason, struct fail *f)
{
    return schedule_cancel_course(db, protocols, a, course_id, reason, time_now_ms(), NULL, f);
}

/* ---- finding slots ---- */

static int
bad_query(struct fail *f, const char *key, const char *what)
{
    return fail_set(f, ST_INVALID, key, "invalid_query", "%s %s", key, what);
}

/* Reads a query date. */
static int
query_date(const char *s, const char *key, struct date *d, struct fail *f)
{
    if (!given(s))
        return bad_query(f, key, "is required: a date such as 2026-12-01");
    if (date_parse(s, d) != ST_OK)
        return bad_query(f, key, "must be a date such as 2026-12-01");
    return ST_OK;
}

/* The slots as JSON, with the names of their resources. */
static int
slots_json(struct db *db, const struct slots_slot *s, int n, json_t **out, struct fail *f)
{
    json_t *arr = json_array();
    bool ok = arr != NULL;
    int st = ST_OK;
    for (int i = 0; ok && st == ST_OK && i < n; i++) {
        struct db_room r = {0};
        struct db_clinician c = {0};
        struct db_centrifuge cf = {0};
        st = db_room_get(db, s[i].room_id, &r);
        if (st == ST_OK)
            st = db_clinician_get(db, s[i].clinician_id, &c);
        if (st == ST_OK && s[i].centrifuge_id)
            st = db_centrifuge_get(db, s[i].centrifuge_id, &cf);
        if (st == ST_OK)
            append(arr,
                   json_pack("{s:o, s:o, s:o, s:o, s:{s:I, s:s}, s:{s:I, s:o}, s:o}", "start",
                             time_json(s[i].start_ms), "end", time_json(s[i].end_ms), "local_start",
                             local_json(s[i].start_ms), "local_end", local_json(s[i].end_ms),
                             "room", "id", (json_int_t)r.id, "name", r.name ? r.name : "",
                             "clinician", "id", (json_int_t)c.id, "display_name",
                             str_or_null(c.display_name), "centrifuge",
                             s[i].centrifuge_id ? json_pack("{s:I, s:s}", "id", (json_int_t)cf.id,
                                                            "name", cf.name ? cf.name : "")
                                                : json_null()),
                   &ok);
        db_room_release(&r);
        db_clinician_release(&c);
        db_centrifuge_release(&cf);
    }
    if (st == ST_OK && ok && !(*out = json_pack("{s:O}", "slots", arr)))
        ok = false;
    json_decref(arr);
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ok ? ST_OK : nomem(f);
}

/* Reads the query of a search that names its own window and needs. */
static int
parse_slot_window(const struct schedule_slot_params *p, struct slots_query *q, struct fail *f)
{
    int64_t v;
    int st = query_date(p->from, "from", &q->from, f);
    if (st == ST_OK)
        st = query_date(p->to, "to", &q->to, f);
    if (st != ST_OK)
        return st;
    if (!query_int(p->duration, 5, SCHEDULE_DURATION_MAX, &v))
        return bad_query(f, "duration", "is required: minutes from 5 to 720");
    q->duration_minutes = (int)v;
    if (given(p->prep) && !query_int(p->prep, 0, q->duration_minutes, &v))
        return bad_query(f, "prep", "must be minutes from 0 to the duration");
    q->prep_minutes = given(p->prep) ? (int)v : 0;
    for (int i = 0; room_kinds[i]; i++)
        if (given(p->room_kind) && strcmp(p->room_kind, room_kinds[i]) == 0)
            q->room_kind = room_kinds[i];
    if (!q->room_kind)
        return bad_query(f, "room_kind", "must be treatment, procedure or consultation");
    if (given(p->patient) && !query_int(p->patient, 1, INT64_MAX, &q->patient_id))
        return bad_query(f, "patient", "must be a patient id");
    return ST_OK;
}

/* Fills the query from a course item: its window from today on, its needs, its patient. */
static int
slot_item(struct db *db, int64_t item_id, struct slots_query *q, char room_kind[16],
          bool *window_over, struct fail *f)
{
    struct db_schedule_item it;
    struct date earliest, today;
    *window_over = false;
    int st = db_schedule_item_get(db, item_id, &it);
    if (st == ST_NOT_FOUND)
        return bad_query(f, "course_item", "names no course item");
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (date_parse(it.earliest_date, &earliest) != ST_OK ||
        date_parse(it.latest_date, &q->to) != ST_OK)
        return fail_set(f, ST_DB, "", "internal", "course item %lld has no valid window",
                        (long long)item_id);
    clinic_tz_today(&today);
    q->from = date_compare(&earliest, &today) >= 0 ? earliest : today;
    if (date_compare(&q->from, &q->to) > 0) {
        *window_over = true;
        return ST_OK;
    }
    struct date last;
    date_add_days(&q->from, SLOTS_MAX_DAYS - 1, &last);
    if (date_compare(&q->to, &last) > 0)
        q->to = last;
    q->duration_minutes = it.duration_minutes;
    q->prep_minutes = it.prep_minutes;
    snprintf(room_kind, 16, "%s", it.room_kind);
    q->room_kind = room_kind;
    q->patient_id = it.patient_id;
    return ST_OK;
}

int
schedule_slots(struct db *db, const struct clinic_settings *cs,
               const struct schedule_slot_params *p, json_t **out, struct fail *f)
{
    struct slots_query q = {.slot_minutes = cs->slot_minutes,
                            .limit = SCHEDULE_SLOTS_DEFAULT,
                            .not_before_ms = time_now_ms()};
    struct slots_slot found[SLOTS_MAX];
    int64_t v = 0, item_id = 0;
    char room_kind[16];
    bool window_over = false;
    int n = 0, st = ST_OK;
    *out = NULL;
    if (given(p->course_item)) {
        const char *keys[] = {"from", "to", "duration", "prep", "room_kind", "patient"};
        const char *vals[] = {p->from, p->to, p->duration, p->prep, p->room_kind, p->patient};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (given(vals[i]))
                return bad_query(f, keys[i], "is taken from the course item: leave it out");
        if (!query_int(p->course_item, 1, INT64_MAX, &item_id))
            return bad_query(f, "course_item", "must be a course item id");
    } else if ((st = parse_slot_window(p, &q, f)) != ST_OK) {
        return st;
    }
    if (given(p->clinician) && !query_int(p->clinician, 1, INT64_MAX, &q.clinician_id))
        return bad_query(f, "clinician", "must be a clinician id");
    if (given(p->limit) && !query_int(p->limit, 1, SLOTS_MAX, &v))
        return bad_query(f, "limit", "must be from 1 to 50");
    if (given(p->limit))
        q.limit = (int)v;
    if (!item_id && date_compare(&q.to, &q.from) < 0)
        return bad_query(f, "to", "must not be before from");
    if (!item_id && date_to_days(&q.to) - date_to_days(&q.from) >= SLOTS_MAX_DAYS)
        return bad_query(f, "to", "must be at most 92 days after from");

    st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (item_id)
        st = slot_item(db, item_id, &q, room_kind, &window_over, f);
    if (st == ST_OK && q.patient_id) {
        struct db_patient pt;
        int ps = db_patient_get(db, q.patient_id, &pt);
        bool gone = ps == ST_NOT_FOUND || (ps == ST_OK && pt.deleted);
        db_patient_release(&pt);
        if (gone)
            st = bad_query(f, "patient", "names no patient");
        else if (ps != ST_OK)
            st = db_fail(db, ps, f);
    }
    if (st == ST_OK && q.clinician_id) {
        struct db_clinician c;
        int cs_st = db_clinician_get(db, q.clinician_id, &c);
        db_clinician_release(&c);
        if (cs_st == ST_NOT_FOUND)
            st = bad_query(f, "clinician", "names no clinician");
        else if (cs_st != ST_OK)
            st = db_fail(db, cs_st, f);
    }
    if (st == ST_OK && !window_over && (st = slots_find(db, &q, found, &n)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    if (st == ST_OK)
        st = slots_json(db, found, n, out, f);
    db_rollback(db);
    return st;
}

/* ---- day and week views ---- */

/* A column of the views: a room or a clinician. */
struct column {
    int64_t id;
    char *name;
    bool active;
    bool used; /* has an appointment on the day being built */
};

struct columns {
    struct column *v;
    size_t n, cap;
};

static int
column_add(struct columns *l, int64_t id, const char *name, bool active)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct column *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(name ? name : "");
    if (!copy)
        return ST_NOMEM;
    l->v[l->n++] = (struct column){id, copy, active, false};
    return ST_OK;
}

static void
columns_release(struct columns *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int
room_column(void *ctx, const struct db_room *r)
{
    return column_add(ctx, r->id, r->name, r->active);
}

static int
clinician_column(void *ctx, const struct db_clinician *c)
{
    return column_add(ctx, c->id, c->display_name ? c->display_name : c->username,
                      c->active && !c->user_disabled);
}

struct view {
    bool by_clinician;
    bool with_cancelled;
    struct columns columns;
    struct hours_vec opening;
};

struct day_ctx {
    struct view *v;
    json_t *appointments;
    struct shown sh;
};

static int
day_appointment(void *ctx, const struct db_appointment *ap)
{
    struct day_ctx *dc = ctx;
    int64_t col = dc->v->by_clinician ? ap->clinician_id : ap->room_id;
    for (size_t i = 0; i < dc->v->columns.n; i++)
        if (dc->v->columns.v[i].id == col)
            dc->v->columns.v[i].used = true;
    json_t *o = appointment_json(ap, &dc->sh);
    return o && json_array_append_new(dc->appointments, o) == 0 ? ST_OK : ST_NOMEM;
}

/* One day of a view, inside the caller's read transaction. */
static int
view_day(struct db *db, struct view *v, const struct date *d, json_t **out, struct fail *f)
{
    struct day_ctx dc = {.v = v, .appointments = json_array(), .sh.refs = json_object()};
    struct db_closure closure = {0};
    json_t *columns = json_array();
    int64_t ds, de;
    int open = -1, close = -1, weekday = date_iso_weekday(d);
    char day[11];
    bool ok = dc.appointments && columns && dc.sh.refs;
    int st = ok ? ST_OK : ST_NOMEM;
    *out = NULL;
    date_format(d, day);
    if (st == ST_OK && clinic_tz_day_bounds(d, &ds, &de) != ST_OK)
        st = ST_INVALID;
    for (size_t i = 0; i < v->columns.n; i++)
        v->columns.v[i].used = false;
    if (st == ST_OK)
        local_day_init(&dc.sh.ld, d, ds, de);
    if (st == ST_OK)
        st = db_appointment_range(db, ds, de, v->with_cancelled, day_appointment, &dc);
    if (st == ST_OK)
        st = closure_on(db, day, &closure);
    for (size_t i = 0; i < v->opening.n; i++) {
        const struct db_hours *h = &v->opening.v[i];
        if (h->weekday != weekday)
            continue;
        if (open < 0 || h->start_minute < open)
            open = h->start_minute;
        if (h->end_minute > close)
            close = h->end_minute;
    }
    for (size_t i = 0; st == ST_OK && ok && i < v->columns.n; i++) {
        const struct column *c = &v->columns.v[i];
        if (c->active || c->used)
            append(columns, json_pack("{s:I, s:s}", "id", (json_int_t)c->id, "name", c->name), &ok);
    }
    if (st == ST_OK && ok) {
        *out = json_pack("{s:s, s:s, s:o, s:o, s:o, s:O, s:O}", "date", day, "time_zone",
                         clinic_tz_name(), "open", open >= 0 ? hm_json(open) : json_null(), "close",
                         close >= 0 ? hm_json(close) : json_null(), "closure",
                         closure.id ? closure_json(&closure) : json_null(), "columns", columns,
                         "appointments", dc.appointments);
        ok = *out != NULL;
    }
    json_decref(dc.appointments);
    json_decref(dc.sh.refs);
    json_decref(columns);
    db_closure_release(&closure);
    if (st == ST_INVALID)
        return fail_set(f, ST_INVALID, "date", "invalid_query",
                        "date %s is outside the clinic's calendar", day);
    if (st != ST_OK)
        return st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    return ok ? ST_OK : nomem(f);
}

/* Reads the view's query and the calendar it shows, inside the caller's read transaction. */
static int
view_open(struct db *db, const struct schedule_view_params *p, const char *date_key, struct view *v,
          struct date *d, struct fail *f)
{
    memset(v, 0, sizeof(*v));
    int st = query_date(p->date, date_key, d, f);
    if (st != ST_OK)
        return st;
    if (given(p->by) && strcmp(p->by, "room") != 0 && strcmp(p->by, "clinician") != 0)
        return bad_query(f, "by", "must be room or clinician");
    if (given(p->cancelled) && strcmp(p->cancelled, "0") != 0 && strcmp(p->cancelled, "1") != 0)
        return bad_query(f, "cancelled", "must be 0 or 1");
    v->by_clinician = given(p->by) && strcmp(p->by, "clinician") == 0;
    v->with_cancelled = given(p->cancelled) && strcmp(p->cancelled, "1") == 0;
    st = db_opening_hours_list(db, hours_collect, &v->opening);
    if (st == ST_OK)
        st = v->by_clinician ? db_clinician_list(db, clinician_column, &v->columns)
                             : db_room_list(db, room_column, &v->columns);
    if (st != ST_OK)
        return st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    return ST_OK;
}

static void
view_release(struct view *v)
{
    columns_release(&v->columns);
    free(v->opening.v);
}

int
schedule_day(struct db *db, const struct actor *a, const struct schedule_view_params *p,
             json_t **out, struct fail *f)
{
    struct view v;
    struct date d;
    *out = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = view_open(db, p, "date", &v, &d, f);
    if (st == ST_OK)
        st = view_day(db, &v, &d, out, f);
    db_rollback(db);
    view_release(&v);
    if (st == ST_OK)
        audit_read(a, "schedule.day", "schedule", p->date);
    return st;
}

int
schedule_week(struct db *db, const struct actor *a, const struct schedule_view_params *p,
              json_t **out, struct fail *f)
{
    struct view v;
    struct date d;
    json_t *days = json_array();
    *out = NULL;
    if (!days)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(days);
        return db_fail(db, st, f);
    }
    st = view_open(db, p, "start", &v, &d, f);
    for (int i = 0; st == ST_OK && i < 7; i++) {
        json_t *day = NULL;
        st = view_day(db, &v, &d, &day, f);
        if (st == ST_OK && json_array_append_new(days, day) != 0)
            st = nomem(f);
        date_add_days(&d, 1, &d);
    }
    db_rollback(db);
    view_release(&v);
    if (st == ST_OK && !(*out = json_pack("{s:O}", "days", days)))
        st = nomem(f);
    json_decref(days);
    if (st == ST_OK)
        audit_read(a, "schedule.week", "schedule", p->date);
    return st;
}
