/* A patient's timeline: the course anchor, each measure's values with its baseline and the
 * protocol's expected band, the sessions and milestones, and what the outcome report prints. */
#include "clinic/timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/photo.h"
#include "core/clinic_tz.h"
#include "core/date.h"

/* A course has at most this many; more is a store that does not link up. */
#define MAX_COURSES 500

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
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

static void
append(json_t *arr, json_t *v, bool *ok)
{
    if (!arr || !v || json_array_append_new(arr, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

static json_t *
text_json(const char *en, const char *ar)
{
    return json_pack("{s:s, s:s}", "en", en ? en : "", "ar", ar ? ar : "");
}

/* ---- the rules ---- */

enum timeline_anchor_kind
timeline_anchor(const struct timeline_session *s, size_t n, char anchor[11])
{
    struct date best = {0, 0, 0}, d;
    bool done = false;

    anchor[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s[i].status, "done") != 0 || date_parse(s[i].date, &d) != ST_OK)
            continue;
        if (!done || date_compare(&d, &best) < 0)
            best = d;
        done = true;
    }
    if (done) {
        date_format(&best, anchor);
        return TIMELINE_ANCHOR_DONE;
    }
    /* Nothing done yet: the course is charted from the day its first session is booked for. */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s[i].status, "cancelled") == 0 || date_parse(s[i].date, &d) != ST_OK)
            continue;
        date_format(&d, anchor);
        return TIMELINE_ANCHOR_PLANNED;
    }
    return TIMELINE_ANCHOR_NONE;
}

/* Days since the epoch of a date, or false when it is not one. */
static bool
day_of(const char *s, int64_t *day)
{
    struct date d;
    if (!s || date_parse(s, &d) != ST_OK)
        return false;
    *day = date_to_days(&d);
    return true;
}

long
timeline_baseline(const struct timeline_value *v, size_t n, const char *anchor, int baseline_days)
{
    int64_t a, day, best_day = 0;
    long best = -1;

    if (!day_of(anchor, &a))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!day_of(v[i].date, &day) || day > a || day < a - baseline_days)
            continue;
        /* The latest day wins; on the same day the later entry (higher id). */
        if (best < 0 || day > best_day || (day == best_day && v[i].id > v[best].id)) {
            best = (long)i;
            best_day = day;
        }
    }
    return best;
}

long
timeline_value_at(const struct timeline_value *v, size_t n, const char *anchor, int months,
                  int window_days)
{
    struct date a, t;
    int64_t day, best_day = 0, best_dist = 0;
    long best = -1;

    if (!anchor || date_parse(anchor, &a) != ST_OK || date_add_months(&a, months, &t) != ST_OK)
        return -1;
    int64_t target = date_to_days(&t);
    for (size_t i = 0; i < n; i++) {
        if (!day_of(v[i].date, &day))
            continue;
        int64_t dist = day > target ? day - target : target - day;
        if (dist > window_days)
            continue;
        /* Closest first; then the earlier date; then the lower id. */
        if (best < 0 || dist < best_dist || (dist == best_dist && day < best_day) ||
            (dist == best_dist && day == best_day && v[i].id < v[best].id)) {
            best = (long)i;
            best_day = day;
            best_dist = dist;
        }
    }
    return best;
}

int
timeline_months(const char *anchor, const char *date, double *out)
{
    struct date a, d, lo, hi;

    *out = 0;
    if (!anchor || !date || date_parse(anchor, &a) != ST_OK || date_parse(date, &d) != ST_OK)
        return ST_INVALID;
    /* m is the whole months: anchor + m <= date < anchor + m + 1 (adding months never goes
     * back, so a first guess from the calendar is moved a step at a time). */
    int m = (d.year - a.year) * 12 + (d.month - a.month);
    for (;;) {
        if (date_add_months(&a, m, &lo) != ST_OK || date_add_months(&a, m + 1, &hi) != ST_OK)
            return ST_INVALID;
        if (date_compare(&lo, &d) > 0)
            m--;
        else if (date_compare(&hi, &d) <= 0)
            m++;
        else
            break;
    }
    int64_t span = date_to_days(&hi) - date_to_days(&lo);
    *out = m + (double)(date_to_days(&d) - date_to_days(&lo)) / (double)span;
    return ST_OK;
}

/* ---- what a timeline is built from ---- */

struct course_row {
    int64_t id;
    char protocol[32];
    char status[16];
    char start_date[11];
};

struct courses {
    struct course_row v[MAX_COURSES];
    size_t n;
};

static int
collect_course(void *ctx, const struct db_course *c)
{
    struct courses *cs = ctx;
    if (cs->n == MAX_COURSES)
        return 1;
    struct course_row *r = &cs->v[cs->n++];
    r->id = c->id;
    snprintf(r->protocol, sizeof(r->protocol), "%s", c->protocol);
    snprintf(r->status, sizeof(r->status), "%s", c->status);
    snprintf(r->start_date, sizeof(r->start_date), "%s", c->start_date);
    return 0;
}

struct item_row {
    int64_t id;
    int seq;
    char kind[16];
    char status[16];
    char date[11];
};

struct items {
    struct item_row v[COURSE_MAX_ITEMS];
    size_t n;
    bool overflow;
};

static int
collect_item(void *ctx, const struct db_course_item *it)
{
    struct items *items = ctx;
    if (strcmp(it->kind, "session") != 0 && strcmp(it->kind, "maintenance") != 0)
        return 0;
    if (items->n == COURSE_MAX_ITEMS) {
        items->overflow = true;
        return 1;
    }
    struct item_row *r = &items->v[items->n++];
    r->id = it->id;
    r->seq = it->seq;
    snprintf(r->kind, sizeof(r->kind), "%s", it->kind);
    snprintf(r->status, sizeof(r->status), "%s", it->status);
    /* A session happened, or will, on its appointment's local day; else on its target. */
    if (it->has_appointment) {
        struct date d;
        int minute;
        clinic_tz_from_utc(it->appointment_start_ms, &d, &minute);
        date_format(&d, r->date);
    } else {
        snprintf(r->date, sizeof(r->date), "%s", it->target_date);
    }
    return 0;
}

/* The label of a protocol: the catalogue's, else the course's own document's, else its code. */
static json_t *
protocol_label(const struct protocols *p, const char *code, const struct course_protocol *doc)
{
    const struct course_protocol *cp = course_protocols_find(p->courses, code);
    if (cp)
        return text_json(cp->label.en, cp->label.ar);
    if (doc)
        return text_json(doc->label.en, doc->label.ar);
    return text_json(code, code);
}

/* The protocol document course `id` was prescribed with (NULL when it does not parse: the
 * timeline then shows no milestones rather than nothing at all). */
static int
course_document(struct db *db, int64_t id, struct course_protocol **out, struct fail *f)
{
    struct db_course c;
    struct fail why;

    *out = NULL;
    int st = db_course_get(db, id, &c);
    if (st != ST_OK)
        return db_fail(db, st, f);
    const char *text = c.protocol_json ? c.protocol_json : "";
    fail_clear(&why);
    st = course_protocol_parse("course protocol", text, strlen(text), out, &why);
    db_course_release(&c);
    if (st == ST_NOMEM)
        return nomem(f);
    return ST_OK;
}

/* ---- JSON ---- */

static json_t *
name_json(const char *given, const char *family)
{
    char buf[512];
    if (!given || !family)
        return json_null();
    snprintf(buf, sizeof(buf), "%s %s", given, family);
    return json_string(buf);
}

static json_t *
patient_brief(const struct db_patient *pt)
{
    return json_pack("{s:I, s:s, s:{s:o, s:o}, s:s}", "id", (json_int_t)pt->id, "mrn", pt->mrn,
                     "name", "en", name_json(pt->given_name, pt->family_name), "ar",
                     name_json(pt->given_name_ar, pt->family_name_ar), "date_of_birth",
                     pt->date_of_birth);
}

/* A date `months` and `days` after `from`, or "" when out of range. */
static void
date_after(const char *from, int months, int days, char out[11])
{
    struct date d, m;
    out[0] = '\0';
    if (date_parse(from, &d) != ST_OK || date_add_months(&d, months, &m) != ST_OK)
        return;
    date_add_days(&m, days, &d);
    date_format(&d, out);
}

/* The milestones of the prescribed document, dated from the anchor or the last session. */
static json_t *
milestones_json(const struct course_protocol *doc, const char *anchor, const struct items *items)
{
    char last[11] = "", date[11];
    json_t *arr = json_array();
    bool ok = arr != NULL;

    for (size_t i = 0; i < items->n; i++)
        if (!strcmp(items->v[i].kind, "session") && strcmp(items->v[i].status, "cancelled") != 0)
            memcpy(last, items->v[i].date, sizeof(last));
    for (size_t i = 0; ok && doc && i < doc->nfollow_ups; i++) {
        const struct course_follow_up *fu = &doc->follow_ups[i];
        const char *from = fu->anchor == COURSE_ANCHOR_FIRST_SESSION ? anchor : last;
        if (!from || !from[0])
            continue;
        date_after(from, fu->months, fu->days, date);
        if (!date[0])
            continue;
        append(arr,
               json_pack("{s:s, s:o, s:s, s:o}", "code", fu->code, "label",
                         text_json(fu->label.en, fu->label.ar), "date", date, "expect",
                         text_json(fu->expect.en, fu->expect.ar)),
               &ok);
    }
    if (!ok) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* The source entries of a protocol document that a band cites. */
static json_t *
band_sources(const struct course_protocol *cp, const json_t *ids)
{
    json_t *all = json_object_get(cp->document, "sources"), *out = json_array(), *id, *s;
    size_t i, j;
    bool ok = out != NULL;

    json_array_foreach(ids, i, id)
    {
        json_array_foreach(all, j, s)
        {
            if (json_equal(json_object_get(s, "id"), id))
                append(out,
                       json_pack("{s:O, s:O, s:O}", "id", json_object_get(s, "id"), "tier",
                                 json_object_get(s, "tier"), "citation",
                                 json_object_get(s, "citation")),
                       &ok);
        }
    }
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Where the outcomes of a course come from: the protocol's current file (what the literature
 * says now), else the document kept with the course. */
static const struct course_protocol *
outcomes_of(const struct protocols *p, const char *code, const struct course_protocol *doc)
{
    const struct course_protocol *cp = course_protocols_find(p->courses, code);
    if (cp && cp->outcomes.present)
        return cp;
    if (doc && doc->outcomes.present)
        return doc;
    return NULL;
}

static json_t *
course_json(const struct protocols *p, const struct course_row *c,
            const struct course_protocol *doc, const struct course_protocol *oc,
            const struct items *items, const char *anchor, enum timeline_anchor_kind kind)
{
    json_t *o = json_object(), *sessions = json_array(), *notes = json_array();
    bool ok = o && sessions && notes;

    for (size_t i = 0; ok && i < items->n; i++) {
        const struct item_row *it = &items->v[i];
        append(sessions,
               json_pack("{s:I, s:i, s:s, s:s, s:s}", "item_id", (json_int_t)it->id, "seq", it->seq,
                         "kind", it->kind, "date", it->date, "status", it->status),
               &ok);
    }
    for (size_t i = 0; ok && oc && i < oc->outcomes.nnotes; i++)
        append(notes, text_json(oc->outcomes.notes[i].en, oc->outcomes.notes[i].ar), &ok);
    put(o, "id", json_integer(c->id), &ok);
    put(o, "protocol", json_string(c->protocol), &ok);
    put(o, "label", protocol_label(p, c->protocol, doc), &ok);
    put(o, "status", json_string(c->status), &ok);
    put(o, "anchor", anchor[0] ? json_string(anchor) : json_null(), &ok);
    put(o, "anchor_kind",
        kind == TIMELINE_ANCHOR_DONE      ? json_string("done")
        : kind == TIMELINE_ANCHOR_PLANNED ? json_string("planned")
                                          : json_null(),
        &ok);
    put(o, "sessions", sessions, &ok);
    sessions = NULL;
    put(o, "milestones", milestones_json(doc, anchor, items), &ok);
    put(o, "notes", notes, &ok);
    notes = NULL;
    if (!ok) {
        json_decref(o);
        json_decref(sessions);
        json_decref(notes);
        return NULL;
    }
    return o;
}

/* The values of one measure, gathered from the store's rows (which come by measure). */
struct series {
    const struct measures_measure *mm;
    struct db_timeline_value *rows;
    size_t n, cap;
};

struct all_series {
    const struct measures *m;
    struct series *s; /* one per measure of measures.json, in its order */
    bool nomem;
};

static int
collect_value(void *ctx, const struct db_timeline_value *v)
{
    struct all_series *all = ctx;
    const struct measures_measure *mm = measures_find(all->m, v->measure);
    /* A measure taken out of measures.json is no longer charted; its values stay stored. */
    if (!mm)
        return 0;
    struct series *s = &all->s[mm - all->m->measures];
    s->mm = mm;
    if (s->n == TIMELINE_MAX_POINTS)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct db_timeline_value *p = realloc(s->rows, cap * sizeof(*p));
        if (!p) {
            all->nomem = true;
            return 1;
        }
        s->rows = p;
        s->cap = cap;
    }
    s->rows[s->n++] = *v;
    return 0;
}

/* The number a row is charted at: its value, or a code's place on the scale. */
static double
chart_value(const struct measures_measure *mm, const struct db_timeline_value *v)
{
    return v->is_code ? (double)measures_code_index(mm, v->value_code) : v->value_num;
}

static json_t *
row_value_json(const struct measures_measure *mm, const struct db_timeline_value *v)
{
    return measures_value_json(mm, v->value_num, v->is_code ? v->value_code : NULL);
}

static double
round2(double x)
{
    return round(x * 100.0) / 100.0;
}

static json_t *
series_json(const struct series *s, const struct course_protocol *oc, const char *anchor)
{
    const struct measures_measure *mm = s->mm;
    json_t *o = json_object(), *points = json_array(), *codes = NULL;
    struct timeline_value *vals = calloc(s->n, sizeof(*vals));
    bool ok = o && points && vals;

    for (size_t i = 0; ok && i < s->n; i++) {
        const struct db_timeline_value *r = &s->rows[i];
        vals[i].id = r->id;
        memcpy(vals[i].date, r->date, sizeof(vals[i].date));
        vals[i].value = chart_value(mm, r);
        double months;
        json_t *mj = anchor[0] && timeline_months(anchor, r->date, &months) == ST_OK
                         ? json_real(round2(months))
                         : json_null();
        append(points,
               json_pack("{s:s, s:o, s:I, s:I, s:o}", "date", r->date, "value",
                         row_value_json(mm, r), "measurement_id", (json_int_t)r->id, "set_id",
                         (json_int_t)r->set_id, "months", mj),
               &ok);
    }
    if (ok && mm->codes) {
        codes = json_array();
        for (size_t i = 0; codes && i < mm->ncodes; i++)
            append(codes, json_string(mm->codes[i]), &ok);
        ok = ok && codes;
    }
    long b = ok && anchor[0] ? timeline_baseline(vals, s->n, anchor, TIMELINE_BASELINE_DAYS) : -1;
    const struct course_expected *e = oc ? course_protocol_expected(oc, mm->code) : NULL;
    json_t *band = json_null(), *missing = json_null();
    if (e && !anchor[0]) {
        json_decref(missing);
        missing = json_string("no_anchor");
    } else if (e && b < 0) {
        json_decref(missing);
        missing = json_string("no_baseline");
    } else if (e) {
        char from[11], to[11];
        date_after(anchor, e->from_months, 0, from);
        date_after(anchor, e->to_months, 0, to);
        double base = vals[b].value;
        json_decref(band);
        band =
            json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:o, s:o}", "from", from, "to", to, "low",
                      base + e->change_low, "high", base + e->change_high, "change_low",
                      e->change_low, "change_high", e->change_high, "label",
                      text_json(e->label.en, e->label.ar), "sources", band_sources(oc, e->sources));
    }
    put(o, "measure", json_string(mm->code), &ok);
    put(o, "label", text_json(mm->label_en, mm->label_ar), &ok);
    put(o, "unit", mm->unit_en ? text_json(mm->unit_en, mm->unit_ar) : json_null(), &ok);
    put(o, "type", json_string(measures_type_name(mm->type)), &ok);
    put(o, "codes", codes ? codes : json_null(), &ok);
    codes = NULL;
    const char *dir = measures_direction_name(mm->direction);
    put(o, "direction", dir ? json_string(dir) : json_null(), &ok);
    put(o, "points", points, &ok);
    points = NULL;
    put(o, "baseline",
        b >= 0 ? json_pack("{s:s, s:o}", "date", s->rows[b].date, "value",
                           row_value_json(mm, &s->rows[b]))
               : json_null(),
        &ok);
    put(o, "band", band, &ok);
    put(o, "band_missing", missing, &ok);
    free(vals);
    json_decref(codes);
    json_decref(points);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void
all_series_release(struct all_series *all)
{
    for (size_t i = 0; all->s && i < all->m->nmeasures; i++)
        free(all->s[i].rows);
    free(all->s);
    all->s = NULL;
}

/* The patient unless missing or deleted. */
static int
live_patient(struct db *db, int64_t id, struct db_patient *pt, struct fail *f)
{
    int st = db_patient_get(db, id, pt);
    if (st == ST_NOT_FOUND || (st == ST_OK && pt->deleted)) {
        if (st == ST_OK)
            db_patient_release(pt);
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                        (long long)id);
    }
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
timeline_build_in_tx(struct db *db, const struct protocols *p, int64_t patient_id,
                     int64_t course_id, json_t **out, struct fail *f)
{
    struct db_patient pt;
    struct courses *cs = NULL;
    struct items *items = NULL;
    struct course_protocol *doc = NULL;
    struct all_series all = {.m = p->measures};
    json_t *o = NULL, *list = NULL, *series = NULL;
    char anchor[11] = "";
    enum timeline_anchor_kind kind = TIMELINE_ANCHOR_NONE;
    bool ok = true, have_patient = false;
    int st;

    *out = NULL;
    if ((st = live_patient(db, patient_id, &pt, f)) != ST_OK)
        return st;
    have_patient = true;
    cs = calloc(1, sizeof(*cs));
    items = calloc(1, sizeof(*items));
    all.s = calloc(p->measures->nmeasures + 1, sizeof(*all.s));
    if (!cs || !items || !all.s) {
        st = nomem(f);
        goto out;
    }
    if ((st = db_course_list(db, patient_id, collect_course, cs)) != ST_OK &&
        st != 1) { /* 1: more courses than a timeline lists; the newest are kept */
        st = db_fail(db, st, f);
        goto out;
    }
    /* The course: the one asked for, else the newest that is not cancelled. */
    const struct course_row *chosen = NULL;
    for (size_t i = 0; i < cs->n && !chosen; i++)
        if (course_id ? cs->v[i].id == course_id : strcmp(cs->v[i].status, "cancelled") != 0)
            chosen = &cs->v[i];
    if (course_id && !chosen) {
        st = fail_set(f, ST_NOT_FOUND, "course_id", "not_found",
                      "course %lld is not a course of this patient", (long long)course_id);
        goto out;
    }
    const struct course_protocol *oc = NULL;
    if (chosen) {
        items->n = 0;
        st = db_course_items(db, chosen->id, collect_item, items);
        if (st != ST_OK && !items->overflow) {
            st = db_fail(db, st, f);
            goto out;
        }
        if ((st = course_document(db, chosen->id, &doc, f)) != ST_OK)
            goto out;
        struct timeline_session sess[COURSE_MAX_ITEMS];
        size_t ns = 0;
        for (size_t i = 0; i < items->n; i++) {
            if (strcmp(items->v[i].kind, "session") != 0)
                continue;
            memcpy(sess[ns].status, items->v[i].status, sizeof(sess[ns].status));
            memcpy(sess[ns].date, items->v[i].date, sizeof(sess[ns].date));
            ns++;
        }
        kind = timeline_anchor(sess, ns, anchor);
        oc = outcomes_of(p, chosen->protocol, doc);
    }
    if ((st = db_timeline_values(db, patient_id, collect_value, &all)) != ST_OK) {
        st = all.nomem ? nomem(f) : db_fail(db, st, f);
        goto out;
    }

    o = json_object();
    list = json_array();
    series = json_array();
    ok = o && list && series;
    for (size_t i = 0; ok && i < cs->n; i++) {
        const struct course_row *c = &cs->v[i];
        append(list,
               json_pack("{s:I, s:s, s:o, s:s, s:s}", "id", (json_int_t)c->id, "protocol",
                         c->protocol, "label",
                         protocol_label(p, c->protocol, c == chosen ? doc : NULL), "status",
                         c->status, "start_date", c->start_date),
               &ok);
    }
    for (size_t i = 0; ok && i < p->measures->nmeasures; i++)
        if (all.s[i].n > 0)
            append(series, series_json(&all.s[i], chosen ? oc : NULL, anchor), &ok);
    put(o, "patient", patient_brief(&pt), &ok);
    put(o, "courses", list, &ok);
    list = NULL;
    put(o, "course", chosen ? course_json(p, chosen, doc, oc, items, anchor, kind) : json_null(),
        &ok);
    put(o, "series", series, &ok);
    series = NULL;
    if (!ok) {
        st = nomem(f);
        goto out;
    }
    *out = o;
    o = NULL;
    st = ST_OK;
out:
    if (have_patient)
        db_patient_release(&pt);
    json_decref(o);
    json_decref(list);
    json_decref(series);
    all_series_release(&all);
    course_protocol_free(doc);
    free(items);
    free(cs);
    return st;
}

int
timeline_read(struct db *db, const struct protocols *p, const struct actor *a, int64_t patient_id,
              int64_t course_id, json_t **out, struct fail *f)
{
    char ids[24];

    *out = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = timeline_build_in_tx(db, p, patient_id, course_id, out, f);
    db_rollback(db);
    if (st != ST_OK)
        return st;
    clinical_id_str(patient_id, ids);
    audit_read(a, "timeline.read", "patient", ids);
    return ST_OK;
}
