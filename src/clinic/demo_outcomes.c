/* The demo clinic's results: the fifth patient's PRP course for hair that started about seven
 * months ago, with its loading sessions done, measurements at the start, 3 and 6 months, and
 * synthetic photographs drawn here and marked DEMO, so that the timeline, the outcome report and
 * the cohort report have something true to the rules to show. Every number is invented. */
#include "clinic/demo.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/assessment.h"
#include "clinic/audit.h"
#include "clinic/course_plan.h"
#include "clinic/measurement.h"
#include "clinic/photo.h"
#include "core/clinic_tz.h"
#include "core/date.h"

#define PATIENT_ID 5
#define SESSION_MINUTE (10 * 60) /* the sessions were at 10:00 */

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static int
find_user(struct db *db, const char *name, struct actor *a, struct fail *f)
{
    struct db_user u;
    actor_cli(a);
    int st = db_user_by_name(db, name, &u);
    if (st != ST_OK)
        return fail_set(f, ST_NOT_FOUND, "", "not_found",
                        "the demo user '%s' is missing: run demo_create first", name);
    a->user_id = u.id;
    a->roles = u.roles;
    snprintf(a->username, sizeof(a->username), "%s", u.username);
    db_user_release(&u);
    return ST_OK;
}

struct pick {
    int64_t want;     /* a user id (clinicians) */
    const char *kind; /* a room kind (rooms) */
    int64_t id;
};

static int
pick_clinician(void *ctx, const struct db_clinician *c)
{
    struct pick *p = ctx;
    if (c->user_id == p->want && !p->id)
        p->id = c->id;
    return 0;
}

static int
pick_room(void *ctx, const struct db_room *r)
{
    struct pick *p = ctx;
    if (!strcmp(r->kind, p->kind) && !p->id)
        p->id = r->id;
    return 0;
}

/* ---- the course, as a migration of old paper records would store it ---- */

/* A signed screening for prp-hair at `at_ms`: the course rests on one. */
static int
old_screening(struct db *db, const struct protocols *p, const struct actor *doctor, int64_t patient,
              int64_t at_ms, int64_t *id)
{
    struct db_screening s;
    memset(&s, 0, sizeof(s));
    s.patient_id = patient;
    snprintf(s.treatment, sizeof(s.treatment), "prp-hair");
    s.session_ms = at_ms;
    snprintf(s.outcome, sizeof(s.outcome), "eligible");
    s.result_json = (char *)"{\"outcome\":\"eligible\",\"findings\":[]}";
    s.inputs_json = (char *)"{}";
    memcpy(s.rules_sha256, p->screening_sha256, sizeof(s.rules_sha256));
    s.computed_ms = at_ms;
    s.computed_by = doctor->user_id;
    int st = db_screening_insert(db, &s);
    if (st != ST_OK)
        return st;
    snprintf(s.decision, sizeof(s.decision), "proceed");
    s.signed_ms = at_ms;
    s.signed_by = doctor->user_id;
    *id = s.id;
    return db_screening_sign(db, &s);
}

/* The course from `start`, laid out by the protocol, with the items before `today` done at
 * 10:00 in `room` with `clinician` and the rest planned. The calendar books only what is to
 * come, so the past is written through the store in the caller's transaction. */
static int
old_course(struct db *db, const struct course_protocol *cp, const struct actor *doctor,
           int64_t patient, int64_t screening, const struct date *start, const struct date *today,
           int64_t room, int64_t clinician, int64_t *course_id, struct fail *f)
{
    struct course_plan *plan = calloc(1, sizeof(*plan));
    struct db_course c;
    int st;

    if (!plan)
        return nomem(f);
    if (course_plan_layout(cp, start, plan) != ST_OK) {
        free(plan);
        return fail_set(f, ST_INVALID, "", "invalid_date", "the demo course cannot be laid out");
    }
    int64_t now = time_now_ms(), start_ms;
    if (clinic_tz_to_utc(start, SESSION_MINUTE, &start_ms) != ST_OK)
        start_ms = now;
    memset(&c, 0, sizeof(c));
    c.patient_id = patient;
    snprintf(c.protocol, sizeof(c.protocol), "%s", cp->code);
    c.protocol_json = cp->text;
    memcpy(c.protocol_sha256, cp->sha256, sizeof(c.protocol_sha256));
    c.screening_id = screening;
    snprintf(c.status, sizeof(c.status), "active");
    date_format(start, c.start_date);
    memcpy(c.currency, cp->currency, sizeof(c.currency));
    c.package = true;
    c.version = 1;
    c.created_ms = c.updated_ms = start_ms - 86400000;
    c.created_by = c.updated_by = doctor->user_id;
    if ((st = db_course_insert(db, &c)) != ST_OK)
        goto out;
    *course_id = c.id;
    for (size_t i = 0; i < plan->n; i++) {
        const struct course_plan_item *pi = &plan->items[i];
        struct db_course_item it;
        memset(&it, 0, sizeof(it));
        it.course_id = c.id;
        it.seq = pi->seq;
        snprintf(it.kind, sizeof(it.kind), "%s",
                 pi->kind == COURSE_ITEM_SESSION       ? "session"
                 : pi->kind == COURSE_ITEM_MAINTENANCE ? "maintenance"
                                                       : "follow_up");
        snprintf(it.milestone, sizeof(it.milestone), "%s", pi->milestone);
        it.anchor_seq = pi->anchor_seq;
        it.offset_months = pi->offset_months;
        it.offset_days = pi->offset_days;
        it.window_before_days = pi->window_before_days;
        it.window_after_days = pi->window_after_days;
        date_format(&pi->target, it.target_date);
        date_format(&pi->earliest, it.earliest_date);
        date_format(&pi->latest, it.latest_date);
        it.duration_minutes = pi->duration_minutes;
        it.prep_minutes = pi->prep_minutes;
        snprintf(it.room_kind, sizeof(it.room_kind), "%s", pi->room_kind);
        it.price_minor = pi->price_minor;
        bool past = date_compare(&pi->target, today) < 0;
        snprintf(it.status, sizeof(it.status), "%s", past ? "done" : "planned");
        if ((st = db_course_item_insert(db, &it)) != ST_OK)
            goto out;
        if (!past)
            continue;
        /* A done visit kept its appointment, as the chair flow leaves it. */
        struct db_appointment ap;
        memset(&ap, 0, sizeof(ap));
        ap.patient_id = patient;
        snprintf(ap.kind, sizeof(ap.kind), "%s",
                 pi->kind == COURSE_ITEM_FOLLOW_UP ? "follow_up" : "session");
        ap.course_item_id = it.id;
        if ((st = clinic_tz_to_utc(&pi->target, SESSION_MINUTE, &ap.start_ms)) != ST_OK)
            goto out;
        ap.end_ms = ap.start_ms + (int64_t)pi->duration_minutes * 60000;
        ap.prep_minutes = pi->prep_minutes;
        ap.room_id = room;
        ap.clinician_id = clinician;
        snprintf(ap.status, sizeof(ap.status), "done");
        ap.version = 1;
        ap.created_ms = ap.updated_ms = ap.start_ms - 7 * 86400000LL;
        ap.created_by = ap.updated_by = doctor->user_id;
        if ((st = db_appointment_insert(db, &ap)) != ST_OK)
            goto out;
    }
out:
    free(plan);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* ---- measurements ---- */

static int
measure_set(struct db *db, const struct protocols *p, const struct actor *nurse, int64_t patient,
            int64_t course, const char *date, json_t *values, struct fail *f)
{
    json_t *out = NULL;
    json_t *body = values ? json_pack("{s:s, s:I, s:s, s:s, s:s, s:f, s:o}", "date", date,
                                      "course_id", (json_int_t)course, "method", "phototrichogram",
                                      "device", "Demo dermatoscope", "site",
                                      "vertex, tattoo-marked", "area_cm2", 0.65, "values", values)
                          : NULL;
    if (!body)
        return nomem(f);
    int st = measurement_create(db, nurse, p->measures, patient, body, &out, f);
    json_decref(body);
    json_decref(out);
    return st;
}

/* ---- photographs ---- */

struct png {
    unsigned char *data;
    size_t n;
    bool nomem;
};

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct png *p = closure;
    unsigned char *grown = realloc(p->data, p->n + length);
    if (!grown) {
        p->nomem = true;
        return CAIRO_STATUS_NO_MEMORY;
    }
    memcpy(grown + p->n, data, length);
    p->data = grown;
    p->n += length;
    return CAIRO_STATUS_SUCCESS;
}

/* A stylised scalp seen from above (top) or from behind (crown): skin, then `hairs` strokes laid
 * out by a fixed pseudo-random sequence (the same picture every time), thinner where the hair is
 * thin; "DEMO" written across it. */
static int
draw_scalp(bool crown, int hairs, const char *caption, struct png *out)
{
    const int w = 640, h = 480;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    uint32_t seed = crown ? 0x2468ace1u : 0x13579bdfu;

    cairo_set_source_rgb(cr, 0.93, 0.93, 0.95);
    cairo_paint(cr);
    cairo_save(cr);
    cairo_translate(cr, w / 2.0, h / 2.0 + 10);
    cairo_scale(cr, 1.0, crown ? 0.85 : 1.15);
    cairo_arc(cr, 0, 0, 190, 0, 2 * M_PI);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.87, 0.72, 0.62);
    cairo_fill_preserve(cr);
    cairo_clip(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int i = 0; i < hairs; i++) {
        seed = seed * 1664525u + 1013904223u;
        double a = (seed >> 8) / 16777216.0 * 2 * M_PI;
        seed = seed * 1664525u + 1013904223u;
        double r = sqrt((seed >> 8) / 16777216.0) * 200;
        double x = w / 2.0 + r * cos(a), y = h / 2.0 + 10 + r * sin(a);
        /* The thinning patch: the vertex for the crown, the mid-scalp seen from the top. */
        double cx = w / 2.0 + (crown ? 0 : 10), cy = h / 2.0 + (crown ? 0 : -30);
        double dist = hypot(x - cx, y - cy);
        seed = seed * 1664525u + 1013904223u;
        if (dist < 90 && (seed >> 24) < 150)
            continue;
        double len = 10 + (seed >> 28), turn = a + 0.6;
        cairo_set_source_rgb(cr, 0.18, 0.12, 0.08);
        cairo_set_line_width(cr, dist < 90 ? 1.0 : 1.8);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + len * cos(turn), y + len * sin(turn));
        cairo_stroke(cr);
    }
    cairo_reset_clip(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 96);
    cairo_set_source_rgba(cr, 0.8, 0.1, 0.1, 0.55);
    cairo_move_to(cr, 150, h / 2.0 + 40);
    cairo_show_text(cr, "DEMO");
    cairo_set_font_size(cr, 18);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, 16, h - 16);
    cairo_show_text(cr, caption);
    cairo_destroy(cr);
    cairo_status_t cs = cairo_surface_write_to_png_stream(s, png_write, out);
    cairo_surface_destroy(s);
    return cs == CAIRO_STATUS_SUCCESS ? ST_OK : ST_NOMEM;
}

static int
demo_photo(struct db *db, const struct actor *nurse, int64_t patient, int64_t course,
           const char *view, const char *date, int hairs, struct fail *f)
{
    struct png png = {NULL, 0, false};
    char caption[96], name[64];
    json_t *out = NULL;
    bool crown = strcmp(view, "hair_crown") == 0;
    snprintf(caption, sizeof(caption), "Synthetic demo picture - %s - %s", crown ? "crown" : "top",
             date);
    snprintf(name, sizeof(name), "demo-%s-%s.png", view, date);
    int st = draw_scalp(crown, hairs, caption, &png);
    if (st == ST_OK)
        st = photo_create(db, nurse, patient, view, date, course, name, png.data, png.n,
                          "image/png", &out, f);
    else
        st = nomem(f);
    free(png.data);
    json_decref(out);
    return st;
}

/* ---- the whole ---- */

int
demo_outcomes(struct db *db, const struct protocols *p, int64_t now_ms, struct fail *f)
{
    struct actor doctor, nurse;
    struct db_patient pt;
    struct date today, start, d;
    char day[3][11];
    int minute, st;
    int64_t screening = 0, course = 0;
    bool have_patient = false;

    const struct course_protocol *cp = course_protocols_find(p->courses, "prp-hair");
    if (!cp)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "the catalogue has no prp-hair");
    if ((st = find_user(db, "doctor", &doctor, f)) != ST_OK ||
        (st = find_user(db, "nurse", &nurse, f)) != ST_OK)
        return st;
    if (db_patient_get(db, PATIENT_ID, &pt) != ST_OK)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "the demo results need %d patients",
                        DEMO_OUTCOMES_PATIENTS);
    have_patient = true;
    clinic_tz_from_utc(now_ms, &today, &minute);
    if ((st = date_add_months(&today, -7, &start)) != ST_OK) {
        st = fail_set(f, ST_INVALID, "", "invalid_date", "today is too early for the demo");
        goto out;
    }
    struct pick cl = {doctor.user_id, NULL, 0}, rm = {0, "treatment", 0};
    if ((st = db_clinician_list(db, pick_clinician, &cl)) != ST_OK ||
        (st = db_room_list(db, pick_room, &rm)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (!cl.id || !rm.id) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found",
                      "the demo results need the calendar's doctor and treatment room");
        goto out;
    }

    /* The course and what it rests on, in one transaction, as a migration of old records. */
    if ((st = db_begin_write(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    int64_t start_ms;
    if (clinic_tz_to_utc(&start, 9 * 60, &start_ms) != ST_OK)
        start_ms = now_ms;
    st = old_screening(db, p, &doctor, pt.id, start_ms - 14 * 86400000LL, &screening);
    if (st != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st =
            old_course(db, cp, &doctor, pt.id, screening, &start, &today, rm.id, cl.id, &course, f);
    char ids[24];
    snprintf(ids, sizeof(ids), "%lld", (long long)course);
    if (st == ST_OK && (st = audit_write(db, &doctor, "course.import", "course", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st != ST_OK) {
        db_rollback(db);
        goto out;
    }
    if ((st = db_commit(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }

    /* The start (the first session's day), about 3 and about 6 months: the nurse measures. */
    date_format(&start, day[0]);
    struct date m3, m6;
    if (date_add_months(&start, 3, &m3) != ST_OK || date_add_months(&start, 6, &m6) != ST_OK) {
        st = fail_set(f, ST_INVALID, "", "invalid_date", "today is too late for the demo");
        goto out;
    }
    date_add_days(&m3, 2, &d);
    date_format(&d, day[1]);
    date_add_days(&m6, -1, &d);
    date_format(&d, day[2]);
    bool woman = strcmp(pt.sex, "female") == 0;
    const char *grade_key = woman ? "ludwig" : "norwood";
    const char *grade[3] = {woman ? "II" : "III-vertex", woman ? "II" : "III-vertex",
                            woman ? "II" : "III"};
    static const double density[3] = {118.4, 129.6, 139.2};
    static const int count[3] = {77, 84, 90};
    static const double diameter[3] = {58.2, 60.1, 61.5};
    static const double anagen[3] = {71.5, 76.0, 78.4};
    for (int k = 0; k < 3 && st == ST_OK; k++) {
        json_t *v = json_pack("{s:f, s:i, s:f, s:f, s:s}", "hair_density", density[k], "hair_count",
                              count[k], "shaft_diameter", diameter[k], "anagen_percent", anagen[k],
                              grade_key, grade[k]);
        /* How it looks and how the patient feels are asked after the start. */
        if (v && k > 0) {
            json_object_set_new(v, "global_photo", json_integer(k));
            json_object_set_new(v, "satisfaction", json_integer(k == 1 ? 6 : 8));
        }
        st = measure_set(db, p, &nurse, pt.id, course, day[k], v, f);
    }
    /* Photographs of the top and the crown at the start and at 6 months. */
    if (st == ST_OK)
        st = demo_photo(db, &nurse, pt.id, course, "hair_top", day[0], 2600, f);
    if (st == ST_OK)
        st = demo_photo(db, &nurse, pt.id, course, "hair_crown", day[0], 2400, f);
    if (st == ST_OK)
        st = demo_photo(db, &nurse, pt.id, course, "hair_top", day[2], 3300, f);
    if (st == ST_OK)
        st = demo_photo(db, &nurse, pt.id, course, "hair_crown", day[2], 3100, f);
out:
    if (have_patient)
        db_patient_release(&pt);
    return st;
}
