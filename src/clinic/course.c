/* Treatment courses: prescribing a protocol after a signed screening, reading a course with its
 * items, progress and quote, changing its status, and replanning its dates when sessions are
 * booked on other days. */
#include "clinic/course.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/course_plan.h"
#include "core/clinic_tz.h"
#include "core/jsonin.h"

static const char *const statuses[] = {"active", "on_hold", "completed", "cancelled", NULL};

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
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
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

static json_t *
text_json(const struct course_text *t)
{
    return json_pack("{s:s, s:s}", "en", t->en, "ar", t->ar);
}

/* ---- reading what a course is made of ---- */

/* The items of a course, in seq order. */
struct items {
    struct db_course_item v[COURSE_MAX_ITEMS];
    size_t n;
    bool overflow;
};

static int
collect_item(void *ctx, const struct db_course_item *it)
{
    struct items *items = ctx;
    if (items->n == COURSE_MAX_ITEMS) {
        items->overflow = true;
        return 1;
    }
    items->v[items->n++] = *it;
    return 0;
}

static int
load_items(struct db *db, int64_t course_id, struct items *out, struct fail *f)
{
    out->n = 0;
    out->overflow = false;
    int st = db_course_items(db, course_id, collect_item, out);
    if (out->overflow)
        return fail_set(f, ST_DB, "", "internal", "course %lld has more than %d items",
                        (long long)course_id, COURSE_MAX_ITEMS);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* The protocol document the course was prescribed with. */
static int
stored_protocol(const struct db_course *c, struct course_protocol **out, struct fail *f)
{
    struct fail why;
    char name[48];
    fail_clear(&why);
    snprintf(name, sizeof(name), "course %lld protocol", (long long)c->id);
    const char *text = c->protocol_json ? c->protocol_json : "";
    int st = course_protocol_parse(name, text, strlen(text), out, &why);
    if (st == ST_NOMEM)
        return nomem(f);
    if (st != ST_OK)
        return fail_set(f, ST_DB, "", "internal",
                        "the stored protocol of course %lld does not "
                        "parse: %s",
                        (long long)c->id, why.message);
    return ST_OK;
}

/* The patient, unless missing or deleted (404 either way). */
static int
live_patient(struct db *db, int64_t id, struct db_patient *p, struct fail *f)
{
    int st = db_patient_get(db, id, p);
    if (st == ST_NOT_FOUND || (st == ST_OK && p->deleted)) {
        db_patient_release(p);
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                        (long long)id);
    }
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* A course and its patient, unless the course is missing or the patient deleted. */
static int
live_course(struct db *db, int64_t id, struct db_course *c, struct db_patient *pt, struct fail *f)
{
    int st = db_course_get(db, id, c);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "course %lld does not exist",
                        (long long)id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = live_patient(db, c->patient_id, pt, f);
    if (st == ST_NOT_FOUND)
        st =
            fail_set(f, ST_NOT_FOUND, "", "not_found", "course %lld does not exist", (long long)id);
    if (st != ST_OK)
        db_course_release(c);
    return st;
}

/* The clinic's local day of an item's appointment, if it has one. */
static bool
appointment_day(const struct db_course_item *it, struct date *d)
{
    int minute;
    if (!it->has_appointment)
        return false;
    clinic_tz_from_utc(it->appointment_start_ms, d, &minute);
    return true;
}

/* Whether a booked item's appointment falls outside its stored window. */
static bool
outside_window(const struct db_course_item *it)
{
    struct date d;
    char day[11];
    if (!appointment_day(it, &d))
        return false;
    date_format(&d, day);
    return strcmp(day, it->earliest_date) < 0 || strcmp(day, it->latest_date) > 0;
}

/* ---- JSON ---- */

static json_t *
money_json(const char *currency, int64_t minor)
{
    return json_pack("{s:s, s:I}", "currency", currency, "minor", (json_int_t)minor);
}

static json_t *
appointment_json(const struct db_course_item *it)
{
    char local[17];
    if (!it->has_appointment)
        return json_null();
    clinic_tz_format_local(it->appointment_start_ms, local);
    return json_pack("{s:I, s:o, s:s, s:s}", "id", (json_int_t)it->appointment_id, "start",
                     time_json(it->appointment_start_ms), "local", local, "status",
                     it->appointment_status);
}

static json_t *
item_json(const struct course_protocol *p, const char *currency, const struct db_course_item *it,
          int number, int total)
{
    enum course_item_kind kind;
    if (course_item_kind_parse(it->kind, &kind) != ST_OK)
        return NULL;
    const struct course_follow_up *fu =
        kind == COURSE_ITEM_FOLLOW_UP ? course_protocol_follow_up(p, it->milestone) : NULL;
    json_t *o = json_object();
    bool ok = true;
    put(o, "id", json_integer(it->id), &ok);
    put(o, "seq", json_integer(it->seq), &ok);
    put(o, "kind", json_string(it->kind), &ok);
    put(o, "milestone", it->milestone[0] ? json_string(it->milestone) : json_null(), &ok);
    put(o, "label", course_plan_item_label(p, kind, it->milestone, number, total), &ok);
    put(o, "expect", fu ? text_json(&fu->expect) : json_null(), &ok);
    put(o, "target_date", json_string(it->target_date), &ok);
    put(o, "earliest_date", json_string(it->earliest_date), &ok);
    put(o, "latest_date", json_string(it->latest_date), &ok);
    put(o, "duration_minutes", json_integer(it->duration_minutes), &ok);
    put(o, "prep_minutes", json_integer(it->prep_minutes), &ok);
    put(o, "room_kind", json_string(it->room_kind), &ok);
    put(o, "price", money_json(currency, it->price_minor), &ok);
    put(o, "status", json_string(it->status), &ok);
    put(o, "appointment", appointment_json(it), &ok);
    put(o, "outside_window", json_boolean(outside_window(it)), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A name of one script: "given family", or null when either part is missing. */
static json_t *
name_json(const char *given, const char *family)
{
    char buf[512];
    if (!given || !family)
        return json_null();
    snprintf(buf, sizeof(buf), "%s %s", given, family);
    return json_string(buf);
}

static int
quote_json(const struct db_course *c, const struct course_protocol *p, const struct items *items,
           const struct db_patient *pt, json_t **out, struct fail *f)
{
    enum course_item_kind kinds[COURSE_MAX_ITEMS];
    int64_t prices[COURSE_MAX_ITEMS];
    struct course_quote q;
    struct date today, until;
    char issued[11], valid[11];

    *out = NULL;
    for (size_t i = 0; i < items->n; i++) {
        prices[i] = items->v[i].price_minor;
        if (course_item_kind_parse(items->v[i].kind, &kinds[i]) != ST_OK)
            return fail_set(f, ST_DB, "", "internal", "course %lld has an item of kind '%s'",
                            (long long)c->id, items->v[i].kind);
    }
    if (course_plan_quote(kinds, prices, items->n, c->package, p->discount_hundredths, &q) != ST_OK)
        return fail_set(f, ST_DB, "", "internal", "the items of course %lld cannot be priced",
                        (long long)c->id);
    /* The discount agreed at prescription is the one quoted, whatever the file says now. */
    int64_t discount = c->package ? c->discount_minor : 0;
    clinic_tz_today(&today);
    if (date_add_months(&today, COURSE_QUOTE_VALID_MONTHS, &until) != ST_OK)
        until = today;
    date_format(&today, issued);
    date_format(&until, valid);
    json_t *o = json_object();
    bool ok = true;
    put(o, "course_id", json_integer(c->id), &ok);
    put(o, "patient",
        json_pack("{s:s, s:{s:o, s:o}}", "mrn", pt->mrn, "name", "en",
                  name_json(pt->given_name, pt->family_name), "ar",
                  name_json(pt->given_name_ar, pt->family_name_ar)),
        &ok);
    put(o, "protocol_label", text_json(&p->label), &ok);
    put(o, "currency", json_string(c->currency), &ok);
    put(o, "lines", course_plan_quote_lines_json(&q), &ok);
    put(o, "subtotal_minor", json_integer(q.subtotal_minor), &ok);
    put(o, "discount_percent", course_plan_percent_json(q.discount_hundredths), &ok);
    put(o, "discount_minor", json_integer(discount), &ok);
    put(o, "total_minor", json_integer(q.subtotal_minor - discount), &ok);
    put(o, "issued", json_string(issued), &ok);
    put(o, "valid_until", json_string(valid), &ok);
    if (!ok) {
        json_decref(o);
        return nomem(f);
    }
    *out = o;
    return ST_OK;
}

static json_t *
progress_json(const struct items *items)
{
    int64_t done = 0, total = 0;
    json_t *next = json_null();
    for (size_t i = 0; i < items->n; i++) {
        const struct db_course_item *it = &items->v[i];
        if (strcmp(it->status, "cancelled") != 0)
            total++;
        if (strcmp(it->status, "done") == 0)
            done++;
        if (json_is_null(next) &&
            (!strcmp(it->status, "planned") || !strcmp(it->status, "booked"))) {
            json_decref(next);
            next = json_integer(it->id);
        }
    }
    return json_pack("{s:I, s:I, s:o}", "done", (json_int_t)done, "total", (json_int_t)total,
                     "next_item_id", next);
}

static int
items_json(const struct db_course *c, const struct course_protocol *p, const struct items *items,
           json_t **out, struct fail *f)
{
    int total[3] = {0, 0, 0}, seen[3] = {0, 0, 0};
    enum course_item_kind kinds[COURSE_MAX_ITEMS];

    *out = NULL;
    for (size_t i = 0; i < items->n; i++) {
        if (course_item_kind_parse(items->v[i].kind, &kinds[i]) != ST_OK)
            return fail_set(f, ST_DB, "", "internal", "course %lld has an item of kind '%s'",
                            (long long)c->id, items->v[i].kind);
        total[kinds[i]]++;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < items->n; i++) {
        json_t *o = item_json(p, c->currency, &items->v[i], ++seen[kinds[i]], total[kinds[i]]);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (!arr)
        return nomem(f);
    *out = arr;
    return ST_OK;
}

/* A course in its API form, inside the caller's transaction. */
static int
course_json(struct db *db, const struct db_course *c, const struct db_patient *pt, bool with_items,
            json_t **out, struct fail *f)
{
    struct course_protocol *p = NULL;
    struct db_user u;
    json_t *o = NULL, *quote = NULL, *items_arr = NULL;
    struct items *items = malloc(sizeof(*items));
    bool ok = true;

    *out = NULL;
    memset(&u, 0, sizeof(u));
    if (!items)
        return nomem(f);
    int st = load_items(db, c->id, items, f);
    if (st == ST_OK)
        st = stored_protocol(c, &p, f);
    if (st == ST_OK)
        st = quote_json(c, p, items, pt, &quote, f);
    if (st == ST_OK && with_items)
        st = items_json(c, p, items, &items_arr, f);
    if (st != ST_OK)
        goto out;
    st = db_user_get(db, c->created_by, &u);
    if (st != ST_OK && st != ST_NOT_FOUND) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = ST_OK;
    o = json_object();
    put(o, "id", json_integer(c->id), &ok);
    put(o, "patient_id", json_integer(c->patient_id), &ok);
    put(o, "protocol", json_string(c->protocol), &ok);
    put(o, "label", text_json(&p->label), &ok);
    put(o, "status", json_string(c->status), &ok);
    put(o, "status_reason", str_or_null(c->status_reason), &ok);
    put(o, "start_date", json_string(c->start_date), &ok);
    put(o, "screening_id", json_integer(c->screening_id), &ok);
    put(o, "package", json_boolean(c->package), &ok);
    put(o, "notes", str_or_null(c->notes), &ok);
    put(o, "version", json_integer(c->version), &ok);
    put(o, "protocol_sha256", json_string(c->protocol_sha256), &ok);
    put(o, "created_at", time_json(c->created_ms), &ok);
    put(o, "created_by",
        json_pack("{s:I, s:s, s:o}", "id", (json_int_t)c->created_by, "username",
                  c->created_by_name, "display_name", str_or_null(u.display_name)),
        &ok);
    put(o, "updated_at", time_json(c->updated_ms), &ok);
    put(o, "progress", progress_json(items), &ok);
    if (with_items) {
        put(o, "items", items_arr, &ok);
        items_arr = NULL;
    }
    put(o, "quote", quote, &ok);
    quote = NULL;
    if (!ok) {
        json_decref(o);
        o = NULL;
        st = nomem(f);
        goto out;
    }
    *out = o;
out:
    json_decref(quote);
    json_decref(items_arr);
    db_user_release(&u);
    course_protocol_free(p);
    free(items);
    return st;
}

/* ---- prescribing ---- */

struct prescription {
    const struct course_protocol *protocol;
    struct date start;
    char start_s[11];
    bool package;
    char *notes;
};

static int
parse_prescription(const struct protocols *p, json_t *body, struct prescription *rx, struct fail *f)
{
    static const char *const fields[] = {"protocol", "start_date", "package", "notes", NULL};
    char *code = NULL, *start = NULL;
    struct date today, last;

    memset(rx, 0, sizeof(*rx));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "protocol", COURSE_CODE_MAX, true, &code, f);
    if (st == ST_OK && !(rx->protocol = course_protocols_find(p->courses, code)))
        st = fail_set(f, ST_INVALID, "protocol", "invalid_value",
                      "protocol '%s' is not a course protocol of the catalogue", code);
    if (st == ST_OK)
        st = jsonin_string(body, "start_date", 10, true, &start, f);
    if (st == ST_OK && date_parse(start, &rx->start) != ST_OK)
        st = fail_set(f, ST_INVALID, "start_date", "invalid_date",
                      "start_date '%s' is not a date such as 2026-12-01", start);
    if (st == ST_OK) {
        clinic_tz_today(&today);
        date_add_days(&today, COURSE_START_MAX_DAYS, &last);
        char t[11];
        date_format(&today, t);
        if (date_compare(&rx->start, &today) < 0)
            st = fail_set(f, ST_INVALID, "start_date", "out_of_range",
                          "start_date may not be before today (%s in the clinic)", t);
        else if (date_compare(&rx->start, &last) > 0)
            st = fail_set(f, ST_INVALID, "start_date", "out_of_range",
                          "start_date may be at most %d days after today (%s in the clinic)",
                          COURSE_START_MAX_DAYS, t);
    }
    if (st == ST_OK)
        st = jsonin_bool(body, "package", true, NULL, &rx->package, f);
    if (st == ST_OK)
        st = jsonin_string(body, "notes", COURSE_NOTES_MAX, false, &rx->notes, f);
    if (st == ST_OK)
        date_format(&rx->start, rx->start_s);
    free(code);
    free(start);
    return st;
}

/* The screening the prescription relies on: the newest signed one for the treatment, which
 * must say proceed. */
static int
check_screening(struct db *db, int64_t patient_id, const char *treatment, int64_t *screening_id,
                struct fail *f)
{
    struct db_screening s;
    *screening_id = 0;
    int st = db_screening_latest_signed(db, patient_id, treatment, &s);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_CONFLICT, "protocol", "screening_required",
                        "the patient has no signed screening for '%s': screen and sign first",
                        treatment);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (strcmp(s.decision, "proceed") != 0)
        st = fail_set(f, ST_CONFLICT, "protocol", "screening_not_proceed",
                      "the patient's latest signed screening for '%s' (%lld) says do not proceed",
                      treatment, (long long)s.id);
    else
        *screening_id = s.id;
    db_screening_release(&s);
    return st;
}

static void
item_row(const struct course_plan_item *pi, int64_t course_id, struct db_course_item *row)
{
    memset(row, 0, sizeof(*row));
    row->course_id = course_id;
    row->seq = pi->seq;
    snprintf(row->kind, sizeof(row->kind), "%s", course_item_kind_name(pi->kind));
    snprintf(row->milestone, sizeof(row->milestone), "%s", pi->milestone);
    row->anchor_seq = pi->anchor_seq;
    row->offset_months = pi->offset_months;
    row->offset_days = pi->offset_days;
    row->window_before_days = pi->window_before_days;
    row->window_after_days = pi->window_after_days;
    date_format(&pi->target, row->target_date);
    date_format(&pi->earliest, row->earliest_date);
    date_format(&pi->latest, row->latest_date);
    row->duration_minutes = pi->duration_minutes;
    row->prep_minutes = pi->prep_minutes;
    snprintf(row->room_kind, sizeof(row->room_kind), "%s", pi->room_kind);
    row->price_minor = pi->price_minor;
    snprintf(row->status, sizeof(row->status), "planned");
}

int
course_prescribe(struct db *db, const struct protocols *p, const struct actor *a,
                 int64_t patient_id, json_t *body, json_t **out, struct fail *f)
{
    struct prescription rx;
    struct db_patient pt;
    struct db_course c, stored;
    struct course_plan *plan = NULL;
    enum course_item_kind kinds[COURSE_MAX_ITEMS];
    int64_t prices[COURSE_MAX_ITEMS];
    struct course_quote q;
    char ids[24];

    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    memset(&c, 0, sizeof(c));
    memset(&stored, 0, sizeof(stored));
    int st = parse_prescription(p, body, &rx, f);
    if (st != ST_OK)
        goto out;
    const struct course_protocol *proto = rx.protocol;
    plan = malloc(sizeof(*plan));
    if (!plan) {
        st = nomem(f);
        goto out;
    }
    if (course_plan_layout(proto, &rx.start, plan) != ST_OK) {
        st = fail_set(f, ST_INVALID, "start_date", "out_of_range",
                      "the plan from start_date runs past the calendar");
        goto out;
    }
    for (size_t i = 0; i < plan->n; i++) {
        kinds[i] = plan->items[i].kind;
        prices[i] = plan->items[i].price_minor;
    }
    if (course_plan_quote(kinds, prices, plan->n, rx.package, proto->discount_hundredths, &q) !=
        ST_OK) {
        st = fail_set(f, ST_INVALID, "protocol", "invalid_value",
                      "the prices of protocol '%s' do not add up", proto->code);
        goto out;
    }
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, &pt, f);
    if (st == ST_OK)
        st = check_screening(db, patient_id, proto->screening_treatment, &c.screening_id, f);
    if (st != ST_OK)
        goto out;
    int64_t now = time_now_ms();
    c.patient_id = patient_id;
    snprintf(c.protocol, sizeof(c.protocol), "%s", proto->code);
    c.protocol_json = proto->text; /* borrowed: c is not released while it points there */
    memcpy(c.protocol_sha256, proto->sha256, sizeof(c.protocol_sha256));
    snprintf(c.status, sizeof(c.status), "planned");
    memcpy(c.start_date, rx.start_s, sizeof(c.start_date));
    memcpy(c.currency, proto->currency, sizeof(c.currency));
    c.package = rx.package;
    c.discount_minor = q.discount_minor;
    c.notes = rx.notes;
    c.version = 1;
    c.created_ms = c.updated_ms = now;
    c.created_by = c.updated_by = a->user_id;
    st = db_course_insert(db, &c);
    for (size_t i = 0; st == ST_OK && i < plan->n; i++) {
        struct db_course_item row;
        item_row(&plan->items[i], c.id, &row);
        st = db_course_item_insert(db, &row);
    }
    id_str(c.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "course.create", "course", ids);
    if (st == ST_OK)
        st = db_course_get(db, c.id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = course_json(db, &stored, &pt, true, out, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(rx.notes);
    free(plan);
    db_course_release(&stored);
    db_patient_release(&pt);
    return st;
}

/* ---- reading ---- */

int
course_read(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    struct db_course c;
    struct db_patient pt;
    char ids[24];

    *out = NULL;
    memset(&c, 0, sizeof(c));
    memset(&pt, 0, sizeof(pt));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = live_course(db, id, &c, &pt, f);
    if (st == ST_OK)
        st = course_json(db, &c, &pt, true, out, f);
    db_rollback(db);
    if (st == ST_OK) {
        id_str(id, ids);
        audit_read(a, "course.read", "course", ids);
    }
    db_course_release(&c);
    db_patient_release(&pt);
    return st;
}

struct list_ctx {
    struct db *db;
    const struct db_patient *pt;
    json_t *courses;
    struct fail *f;
    int st;
};

static int
list_course(void *ctx, const struct db_course *c)
{
    struct list_ctx *lc = ctx;
    json_t *o = NULL;
    lc->st = course_json(lc->db, c, lc->pt, false, &o, lc->f);
    if (lc->st == ST_OK && json_array_append_new(lc->courses, o) != 0)
        lc->st = nomem(lc->f);
    return lc->st;
}

int
course_list(struct db *db, const struct actor *a, int64_t patient_id, json_t **out, struct fail *f)
{
    struct db_patient pt;
    struct list_ctx lc = {.db = db, .pt = &pt, .f = f};
    char ids[24];

    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    lc.courses = json_array();
    if (!lc.courses)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, &pt, f);
    if (st == ST_OK) {
        st = db_course_list(db, patient_id, list_course, &lc);
        if (st != ST_OK && lc.st == ST_OK)
            st = db_fail(db, st, f);
    }
out:
    db_rollback(db);
    if (st == ST_OK) {
        id_str(patient_id, ids);
        audit_read(a, "course.list", "patient", ids);
        *out = json_pack("{s:O}", "courses", lc.courses);
        if (!*out)
            st = nomem(f);
    }
    json_decref(lc.courses);
    db_patient_release(&pt);
    return st;
}

int
course_quote(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    struct db_course c;
    struct db_patient pt;
    struct course_protocol *p = NULL;
    struct items *items = malloc(sizeof(*items));
    char ids[24];

    *out = NULL;
    memset(&c, 0, sizeof(c));
    memset(&pt, 0, sizeof(pt));
    if (!items)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_course(db, id, &c, &pt, f);
    if (st == ST_OK)
        st = load_items(db, id, items, f);
    if (st == ST_OK)
        st = stored_protocol(&c, &p, f);
    if (st == ST_OK)
        st = quote_json(&c, p, items, &pt, out, f);
out:
    db_rollback(db);
    if (st == ST_OK) {
        id_str(id, ids);
        audit_read(a, "course.quote", "course", ids);
    }
    course_protocol_free(p);
    free(items);
    db_course_release(&c);
    db_patient_release(&pt);
    return st;
}

/* ---- status ---- */

/* Whether a course may go from `from` to `to`. */
static bool
transition_ok(const char *from, const char *to)
{
    static const struct {
        const char *from;
        const char *to;
    } allowed[] = {
        {"planned", "active"}, {"planned", "on_hold"},   {"planned", "cancelled"},
        {"active", "on_hold"}, {"active", "completed"},  {"active", "cancelled"},
        {"on_hold", "active"}, {"on_hold", "completed"}, {"on_hold", "cancelled"},
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (!strcmp(allowed[i].from, from) && !strcmp(allowed[i].to, to))
            return true;
    return false;
}

int
course_set_status(struct db *db, const struct actor *a, int64_t id, json_t *body,
                  course_end_fn on_end, const void *ctx, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"status", "reason", "version", NULL};
    const char *status = NULL;
    char *reason = NULL, ids[24];
    bool has_version = false;
    int64_t version = 0;
    struct db_course c, stored;
    struct db_patient pt;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    memset(&stored, 0, sizeof(stored));
    memset(&pt, 0, sizeof(pt));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "status", statuses, true, &status, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", COURSE_REASON_MAX, false, &reason, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, false, &has_version, &version, f);
    if (st == ST_OK && !reason && strcmp(status, "active") != 0)
        st = fail_set(f, ST_INVALID, "reason", "required",
                      "a reason is required to make a course %s", status);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_course(db, id, &c, &pt, f);
    if (st != ST_OK)
        goto out;
    if (has_version && version != c.version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "course %lld is at version %lld, not %lld: someone changed it first",
                      (long long)id, (long long)c.version, (long long)version);
        goto out;
    }
    if (!transition_ok(c.status, status)) {
        st = fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                      "a course that is %s cannot become %s", c.status, status);
        goto out;
    }
    int64_t expected = c.version;
    snprintf(c.status, sizeof(c.status), "%s", status);
    free(c.status_reason);
    c.status_reason = reason;
    reason = NULL;
    c.version++;
    c.updated_ms = time_now_ms();
    c.updated_by = a->user_id;
    st = db_course_set_status(db, &c, expected);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "course %lld was changed by someone else first", (long long)id);
        goto out;
    }
    bool ends = !strcmp(status, "completed") || !strcmp(status, "cancelled");
    if (st == ST_OK && ends && on_end &&
        (st = on_end(ctx, db, a, id, c.status_reason, f)) != ST_OK)
        goto out;
    if (st == ST_OK && ends)
        st = db_course_items_cancel_open(db, id);
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "course.status", "course", ids);
    if (st == ST_OK)
        st = db_course_get(db, id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = course_json(db, &stored, &pt, true, out, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(reason);
    db_course_release(&c);
    db_course_release(&stored);
    db_patient_release(&pt);
    return st;
}

/* ---- replanning ---- */

/* A stored item as the planner sees it. */
static int
plan_item(const struct db_course_item *row, struct course_plan_item *it)
{
    memset(it, 0, sizeof(*it));
    it->seq = row->seq;
    it->anchor_seq = row->anchor_seq;
    it->offset_months = row->offset_months;
    it->offset_days = row->offset_days;
    it->window_before_days = row->window_before_days;
    it->window_after_days = row->window_after_days;
    if (course_item_kind_parse(row->kind, &it->kind) != ST_OK ||
        date_parse(row->target_date, &it->target) != ST_OK ||
        date_parse(row->earliest_date, &it->earliest) != ST_OK ||
        date_parse(row->latest_date, &it->latest) != ST_OK)
        return ST_INVALID;
    return ST_OK;
}

static int
replan_effects(const struct items *items, const struct course_plan_item *plan, const bool *outside,
               const struct course_replan_change *change, json_t **out)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < items->n; i++) {
        const struct db_course_item *row = &items->v[i];
        char t[11], e[11], l[11], local[17];
        json_t *appt = json_null();
        date_format(&plan[i].target, t);
        date_format(&plan[i].earliest, e);
        date_format(&plan[i].latest, l);
        if (change && change->item_id == row->id) {
            if (change->start_ms) {
                clinic_tz_format_local(change->start_ms, local);
                appt = json_string(local);
            }
        } else if (row->has_appointment) {
            clinic_tz_format_local(row->appointment_start_ms, local);
            appt = json_string(local);
        }
        json_t *o = json_pack("{s:I, s:i, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)row->id,
                              "seq", row->seq, "target_date", t, "earliest_date", e, "latest_date",
                              l, "appointment_local", appt, "outside_window", outside[i]);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *out = arr ? json_pack("{s:o}", "items", arr) : NULL;
    return *out ? ST_OK : ST_NOMEM;
}

int
course_replan(struct db *db, int64_t course_id, const struct course_replan_change *change,
              bool write, json_t **effects, struct fail *f)
{
    struct db_course c;
    struct date start;
    struct items *items = malloc(sizeof(*items));
    struct course_plan_item plan[COURSE_MAX_ITEMS];
    struct course_plan_booking booked[COURSE_MAX_ITEMS];
    bool outside[COURSE_MAX_ITEMS];
    bool change_found = false;

    *effects = NULL;
    memset(&c, 0, sizeof(c));
    if (!items)
        return nomem(f);
    int st = db_course_get(db, course_id, &c);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "course %lld does not exist",
                      (long long)course_id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if ((st = load_items(db, course_id, items, f)) != ST_OK)
        goto out;
    if (date_parse(c.start_date, &start) != ST_OK) {
        st = fail_set(f, ST_DB, "", "internal", "course %lld has no valid start date",
                      (long long)course_id);
        goto out;
    }
    for (size_t i = 0; i < items->n; i++) {
        const struct db_course_item *row = &items->v[i];
        if (plan_item(row, &plan[i]) != ST_OK) {
            st = fail_set(f, ST_DB, "", "internal", "item %lld of course %lld does not read",
                          (long long)row->id, (long long)course_id);
            goto out;
        }
        booked[i].booked = appointment_day(row, &booked[i].day);
        if (change && change->item_id == row->id) {
            booked[i].booked = true;
            booked[i].day = change->local_day;
            change_found = true;
        }
    }
    if (change && !change_found) {
        st = fail_set(f, ST_NOT_FOUND, "course_item_id", "not_found",
                      "item %lld is not an item of course %lld", (long long)change->item_id,
                      (long long)course_id);
        goto out;
    }
    if (course_plan_replan(plan, items->n, &start, booked, outside) != ST_OK) {
        st = fail_set(f, ST_DB, "", "internal",
                      "the items of course %lld do not link up or run past the calendar",
                      (long long)course_id);
        goto out;
    }
    for (size_t i = 0; write && i < items->n; i++) {
        char t[11], e[11], l[11];
        date_format(&plan[i].target, t);
        date_format(&plan[i].earliest, e);
        date_format(&plan[i].latest, l);
        const struct db_course_item *row = &items->v[i];
        if (!strcmp(t, row->target_date) && !strcmp(e, row->earliest_date) &&
            !strcmp(l, row->latest_date))
            continue;
        if ((st = db_course_item_set_dates(db, row->id, t, e, l)) != ST_OK) {
            st = db_fail(db, st, f);
            goto out;
        }
    }
    if (replan_effects(items, plan, outside, change, effects) != ST_OK)
        st = nomem(f);
out:
    free(items);
    db_course_release(&c);
    return st;
}

int
course_start(struct db *db, const struct actor *a, int64_t id, struct fail *f)
{
    struct db_course c;
    char ids[24];
    int st = db_course_get(db, id, &c);
    if (st == ST_OK && strcmp(c.status, "planned") == 0) {
        int64_t expected = c.version;
        snprintf(c.status, sizeof(c.status), "active");
        c.version++;
        c.updated_ms = time_now_ms();
        c.updated_by = a->user_id;
        st = db_course_set_status(db, &c, expected);
        id_str(id, ids);
        if (st == ST_OK)
            st = audit_write(db, a, "course.status", "course", ids);
    }
    db_course_release(&c);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}
