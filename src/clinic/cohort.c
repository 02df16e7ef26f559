/* The cohort report (cohort.h): the clinic's courses read in one transaction, each table once
 * and in patient order, merged here with the anchor and window rules of docs/outcomes.md, then
 * summarised per protocol. A hundred thousand courses fit in a few megabytes of arrays. */
#include "clinic/cohort.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/assessment.h"
#include "core/buf.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/stats.h"

/* The CSV files hold a line per course: 100,000 courses take about 6 MB. */
#define COHORT_CSV_MAX (256 * 1024 * 1024)
/* Stored grades are short codes ("III-vertex"); anything longer matches no filter. */
#define GRADE_MAX 16
/* A value at 3 and one at 6 months. */
#define POINTS 2

static const int point_months[POINTS] = {3, 6};
static const char *const point_keys[POINTS] = {"m3", "m6"};
static const char *const age_bands[] = {"under_18", "18_29",   "30_39", "40_49",
                                        "50_59",    "60_plus", NULL};
static const char *const sexes[] = {"female", "male", "other", "unknown", NULL};
/* The hair grading scales of an assessment, in the order of struct course's grades. */
static const char *const scales[] = {"norwood", "ludwig", "sinclair", "savin", NULL};
#define NSCALES 4

/* The query once checked. Unset filters are -1 or false. */
struct query {
    const struct cohort_params *raw;
    const struct course_protocol *protocol;
    int age_band;
    int sex;
    int grade_scale;
    char grade_value[GRADE_MAX];
    bool has_threshold;
    double threshold;
    int baseline_days;
    int window_days;
    bool has_from, has_to;
    int64_t from_day, to_day; /* days since 1970-01-01 */
};

struct course {
    int64_t id;
    int64_t patient_id;
    int proto; /* index in the catalogue */
    struct date dob;
    bool has_dob;
    int sex;
    /* What the anchor is made of: the earliest start of an appointment holding a done session,
     * and the earliest target day of a done session without one. */
    bool has_ms, has_target;
    int64_t min_ms, min_target;
    bool included; /* has an anchor and passes every filter */
    int64_t anchor;
    int age_band;
    char grade[NSCALES][GRADE_MAX]; /* of the latest hair assessment on or before the anchor */
    int64_t target[POINTS];         /* anchor + 3 and + 6 calendar months */
    bool has_baseline;
    double baseline;
    bool has_at[POINTS];
    double at[POINTS];
    int64_t distance[POINTS]; /* |date - target| of the value chosen */
    long procedures;          /* completed */
    long events, serious;
    bool treated; /* has a procedure */
};

struct id_index {
    int64_t id;
    int32_t i;
};

/* Where a record of an id is: a direct table when the ids are dense (they are row ids, so
 * they nearly always are), else a binary search of the sorted pairs. */
struct id_map {
    int64_t lo;
    size_t span;
    int32_t *direct; /* index of id lo + k, or -1 */
    struct id_index *sorted;
    size_t n;
};

/* A done session or other course item kept for the merge: its course. */
struct item {
    int32_t course;
    bool done_session;
    bool held; /* an appointment holds it (not cancelled, not a no-show) */
    int64_t target_day;
};

/* What each protocol adds up to. */
struct acc {
    size_t courses, patients;
    double *change[POINTS];
    size_t nchange[POINTS];
    long responders[POINTS];
    bool has_threshold;
    double threshold;
    long procedures, events, serious, treated, with_event;
};

/* The courses of one report, sorted by patient id, and the maps of the merge. */
struct run {
    const struct protocols *p;
    const struct query *q;
    struct course *c;
    size_t n, cap;
    size_t cursor;
    struct id_map courses; /* course id -> index in c */
    struct item *items;
    struct id_index *item_ids;
    size_t nitems, items_cap, item_ids_cap;
    struct id_map item_map;
    struct id_index *appointments; /* appointment id -> index in items */
    size_t nappointments, appointments_cap;
    struct id_map appointment_map;
    struct id_index *procedures; /* procedure id -> index in c */
    size_t nprocedures, procedures_cap;
    struct id_map procedure_map;
    struct id_index *by_id; /* course ids, sorted */
    struct acc *acc;        /* one per protocol of the catalogue */
};

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "nomem", "out of memory building the cohort report");
}

/* A bad query value: 400 invalid_query naming the parameter. */
#define bad(f, key, ...) fail_set(f, ST_INVALID, key, "invalid_query", __VA_ARGS__)

static int
index_of(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

static bool
given(const char *s)
{
    return s && s[0];
}

/* A whole number of days in 0..max. */
static int
parse_days(const char *key, const char *s, int dflt, int max, int *out, struct fail *f)
{
    *out = dflt;
    if (!given(s))
        return ST_OK;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || s[0] == '+' || s[0] == ' ' || v < 0 || v > max)
        return fail_set(f, ST_INVALID, key, "invalid_query",
                        "%s '%.40s' is not a whole number of days from 0 to %d", key, s, max);
    *out = (int)v;
    return ST_OK;
}

static int
parse_day(const char *key, const char *s, bool *has, int64_t *day, struct fail *f)
{
    struct date d;
    *has = false;
    *day = 0;
    if (!given(s))
        return ST_OK;
    if (date_parse(s, &d) != ST_OK)
        return bad(f, key, "'%.40s' is not a date YYYY-MM-DD", s);
    *has = true;
    *day = date_to_days(&d);
    return ST_OK;
}

static int
parse_query(const struct protocols *p, const struct cohort_params *raw, struct query *q,
            struct fail *f)
{
    memset(q, 0, sizeof(*q));
    q->raw = raw;
    q->age_band = q->sex = q->grade_scale = -1;
    if (given(raw->protocol)) {
        q->protocol = course_protocols_find(p->courses, raw->protocol);
        if (!q->protocol)
            return bad(f, "protocol", "protocol '%.40s' is not a course protocol", raw->protocol);
    }
    if (given(raw->age_band) && (q->age_band = index_of(age_bands, raw->age_band)) < 0)
        return bad(f, "age_band",
                   "age_band '%.40s' is not one of under_18, 18_29, 30_39, 40_49, 50_59, 60_plus",
                   raw->age_band);
    if (given(raw->sex) && (q->sex = index_of(sexes, raw->sex)) < 0)
        return bad(f, "sex", "sex '%.40s' is not one of female, male, other, unknown", raw->sex);
    if (given(raw->grade)) {
        const char *colon = strchr(raw->grade, ':');
        char scale[16];
        size_t n = colon ? (size_t)(colon - raw->grade) : 0;
        if (!colon || n >= sizeof(scale) || strlen(colon + 1) >= GRADE_MAX)
            return bad(f, "grade", "grade '%.40s' is not SCALE:VALUE, e.g. norwood:III",
                       raw->grade);
        memcpy(scale, raw->grade, n);
        scale[n] = '\0';
        q->grade_scale = index_of(scales, scale);
        if (q->grade_scale < 0 || !assessment_grade_valid(scale, colon + 1))
            return bad(f, "grade",
                       "grade '%.40s' is not a grade of norwood, ludwig, sinclair or savin",
                       raw->grade);
        snprintf(q->grade_value, sizeof(q->grade_value), "%s", colon + 1);
    }
    if (given(raw->threshold)) {
        char *end;
        errno = 0;
        double v = strtod(raw->threshold, &end);
        if (errno || *end || end == raw->threshold || !isfinite(v) || v < 0 ||
            v > COHORT_THRESHOLD_MAX || raw->threshold[0] == ' ' || raw->threshold[0] == '+')
            return bad(f, "threshold",
                       "threshold '%.40s' is not a number of hairs/cm² from 0 to 1000",
                       raw->threshold);
        q->has_threshold = true;
        q->threshold = v;
    }
    int st = parse_days("baseline_days", raw->baseline_days, COHORT_BASELINE_DAYS,
                        COHORT_BASELINE_DAYS_MAX, &q->baseline_days, f);
    if (st == ST_OK)
        st = parse_days("window_days", raw->window_days, COHORT_WINDOW_DAYS, COHORT_WINDOW_DAYS_MAX,
                        &q->window_days, f);
    if (st == ST_OK)
        st = parse_day("from", raw->from, &q->has_from, &q->from_day, f);
    if (st == ST_OK)
        st = parse_day("to", raw->to, &q->has_to, &q->to_day, f);
    if (st == ST_OK && q->has_from && q->has_to && q->to_day < q->from_day)
        st = bad(f, "to", "to '%.40s' is before from", raw->to);
    return st;
}

/* The protocol's responder threshold of the density (outcomes.responder.min_gain), read from
 * the document the loader checked; false when it names none. */
static bool
protocol_threshold(const struct course_protocol *cp, double *out)
{
    json_t *r = json_object_get(json_object_get(cp->document, "outcomes"), "responder");
    json_t *measure = json_object_get(r, "measure"), *gain = json_object_get(r, "min_gain");
    *out = 0;
    if (!json_is_string(measure) || strcmp(json_string_value(measure), COHORT_MEASURE) != 0 ||
        !json_is_number(gain))
        return false;
    *out = json_number_value(gain);
    return true;
}

/* Whole years from the date of birth to the anchor. */
static int
age_band_at(const struct date *dob, const struct date *at)
{
    int age = at->year - dob->year;
    if (at->month < dob->month || (at->month == dob->month && at->day < dob->day))
        age--;
    if (age < 18)
        return 0;
    if (age >= 60)
        return 5;
    return age < 30 ? 1 : age / 10 - 1;
}

/* Grows an array of `size`-byte elements to hold one more; false when out of memory. */
static bool
grow(void **array, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 4096;
    void *p = realloc(*array, want * size);
    if (!p)
        return false;
    *array = p;
    *cap = want;
    return true;
}

static int
cmp_id_index(const void *a, const void *b)
{
    int64_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;
    return (x > y) - (x < y);
}

/* Builds the map of n pairs in any order (kept by the map, which may sort them). */
static int
map_build(struct id_map *m, struct id_index *pairs, size_t n)
{
    memset(m, 0, sizeof(*m));
    m->sorted = pairs;
    m->n = n;
    if (n == 0)
        return ST_OK;
    int64_t lo = pairs[0].id, hi = pairs[0].id;
    for (size_t k = 1; k < n; k++) {
        lo = pairs[k].id < lo ? pairs[k].id : lo;
        hi = pairs[k].id > hi ? pairs[k].id : hi;
    }
    uint64_t span = (uint64_t)(hi - lo) + 1;
    if (span > 4 * (uint64_t)n + 4096) {
        qsort(pairs, n, sizeof(*pairs), cmp_id_index);
        return ST_OK;
    }
    m->lo = lo;
    m->span = (size_t)span;
    m->direct = malloc(m->span * sizeof(int32_t));
    if (!m->direct)
        return ST_NOMEM;
    memset(m->direct, 0xff, m->span * sizeof(int32_t));
    for (size_t k = 0; k < n; k++)
        m->direct[pairs[k].id - m->lo] = pairs[k].i;
    return ST_OK;
}

/* The index of id, or -1. */
static int32_t
map_find(const struct id_map *m, int64_t id)
{
    if (m->direct) {
        if (id < m->lo || (uint64_t)(id - m->lo) >= m->span)
            return -1;
        return m->direct[id - m->lo];
    }
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->sorted[mid].id == id)
            return m->sorted[mid].i;
        if (m->sorted[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void
map_release(struct id_map *m)
{
    free(m->direct);
    memset(m, 0, sizeof(*m));
}

static int
take_course(void *ctx, const struct db_cohort_course *row)
{
    struct run *r = ctx;
    int proto = -1;
    for (size_t i = 0; i < r->p->courses->nprotocols; i++)
        if (strcmp(r->p->courses->protocols[i].code, row->protocol) == 0)
            proto = (int)i;
    if (proto < 0)
        return ST_OK; /* a protocol no longer in the catalogue is not reported */
    int sex = index_of(sexes, row->sex);
    if (r->q->sex >= 0 && sex != r->q->sex)
        return ST_OK;
    if (r->n >= INT32_MAX || !grow((void **)&r->c, r->n, &r->cap, sizeof(*r->c)))
        return ST_NOMEM;
    struct course *c = &r->c[r->n++];
    memset(c, 0, sizeof(*c));
    c->id = row->id;
    c->patient_id = row->patient_id;
    c->proto = proto;
    c->sex = sex;
    c->has_dob = date_parse(row->date_of_birth, &c->dob) == ST_OK;
    c->age_band = -1;
    return ST_OK;
}

/* Days since 1970 of a stored date, false for a malformed one (skipped). */
static bool
day_of(const char *s, int64_t *day)
{
    struct date d;
    if (date_parse(s, &d) != ST_OK)
        return false;
    *day = date_to_days(&d);
    return true;
}

static int
take_item(void *ctx, const struct db_cohort_item *row)
{
    struct run *r = ctx;
    int32_t course = map_find(&r->courses, row->course_id);
    int64_t day = 0;
    if (course < 0 || (row->done_session && !day_of(row->target_date, &day)))
        return ST_OK;
    if (r->nitems >= INT32_MAX ||
        !grow((void **)&r->items, r->nitems, &r->items_cap, sizeof(*r->items)) ||
        !grow((void **)&r->item_ids, r->nitems, &r->item_ids_cap, sizeof(*r->item_ids)))
        return ST_NOMEM;
    r->items[r->nitems] = (struct item){course, row->done_session, false, day};
    r->item_ids[r->nitems] = (struct id_index){row->id, (int32_t)r->nitems};
    r->nitems++;
    return ST_OK;
}

static int
take_appointment(void *ctx, const struct db_cohort_appointment *row)
{
    struct run *r = ctx;
    int32_t it = map_find(&r->item_map, row->course_item_id);
    if (it < 0)
        return ST_OK;
    struct item *item = &r->items[it];
    struct course *c = &r->c[item->course];
    item->held |= row->holds;
    /* A done session held by an appointment is dated by the appointment's start. */
    if (item->done_session && row->holds && (!c->has_ms || row->start_ms < c->min_ms)) {
        c->has_ms = true;
        c->min_ms = row->start_ms;
    }
    if (!grow((void **)&r->appointments, r->nappointments, &r->appointments_cap,
              sizeof(*r->appointments)))
        return ST_NOMEM;
    r->appointments[r->nappointments++] = (struct id_index){row->id, it};
    return ST_OK;
}

static int
take_procedure(void *ctx, const struct db_cohort_procedure *row)
{
    struct run *r = ctx;
    int32_t it = map_find(&r->appointment_map, row->appointment_id);
    if (it < 0)
        return ST_OK;
    int32_t course = r->items[it].course;
    struct course *c = &r->c[course];
    c->treated = true;
    c->procedures += row->completed;
    if (!grow((void **)&r->procedures, r->nprocedures, &r->procedures_cap, sizeof(*r->procedures)))
        return ST_NOMEM;
    r->procedures[r->nprocedures++] = (struct id_index){row->id, course};
    return ST_OK;
}

static int
take_event(void *ctx, const struct db_cohort_event *row)
{
    struct run *r = ctx;
    int32_t course = map_find(&r->procedure_map, row->procedure_id);
    if (course < 0)
        return ST_OK;
    /* Counted whatever became of the procedure (an abandoned one may still have bruised);
     * the rate is per completed procedure. */
    r->c[course].events++;
    r->c[course].serious += row->serious;
    return ST_OK;
}

/* The anchor of each course and whatever else the filters need, then the filters but the
 * grade: what is left is marked included. */
static void
anchor_courses(struct run *r)
{
    const struct query *q = r->q;
    for (size_t k = 0; k < r->nitems; k++) {
        const struct item *it = &r->items[k];
        struct course *c = &r->c[it->course];
        if (it->done_session && !it->held && (!c->has_target || it->target_day < c->min_target)) {
            c->has_target = true;
            c->min_target = it->target_day;
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        struct course *c = &r->c[i];
        struct date anchor = {0, 0, 0};
        bool has = false;
        if (c->has_ms) {
            int minute;
            clinic_tz_from_utc(c->min_ms, &anchor, &minute);
            has = anchor.year > 0;
        }
        if (c->has_target) {
            struct date t;
            date_from_days(c->min_target, &t);
            if (!has || date_compare(&t, &anchor) < 0)
                anchor = t;
            has = true;
        }
        if (!has)
            continue; /* no done session: no anchor */
        c->anchor = date_to_days(&anchor);
        if ((q->has_from && c->anchor < q->from_day) || (q->has_to && c->anchor > q->to_day))
            continue;
        c->age_band = c->has_dob ? age_band_at(&c->dob, &anchor) : -1;
        if (q->age_band >= 0 && c->age_band != q->age_band)
            continue;
        bool ok = true;
        for (int k = 0; k < POINTS && ok; k++) {
            struct date t;
            ok = date_add_months(&anchor, point_months[k], &t) == ST_OK;
            c->target[k] = date_to_days(&t);
        }
        c->included = ok;
    }
}

/* Moves the merge to the first course of `patient_id`: the tables come in patient order as the
 * courses do. The courses of that patient are r->c[*first .. return value). */
static size_t
courses_of(struct run *r, int64_t patient_id, size_t *first)
{
    while (r->cursor < r->n && r->c[r->cursor].patient_id < patient_id)
        r->cursor++;
    *first = r->cursor;
    size_t end = r->cursor;
    while (end < r->n && r->c[end].patient_id == patient_id)
        end++;
    return end;
}

static int
take_grade(void *ctx, const struct db_cohort_grade *g)
{
    struct run *r = ctx;
    size_t first, end = courses_of(r, g->patient_id, &first);
    int64_t day;
    if (first == end || !day_of(g->visit_date, &day))
        return ST_OK;
    const char *values[NSCALES] = {g->norwood, g->ludwig, g->sinclair, g->savin};
    /* Rows come oldest first (then by id): the last one on or before the anchor stays. */
    for (size_t i = first; i < end; i++) {
        if (!r->c[i].included || day > r->c[i].anchor)
            continue;
        for (int k = 0; k < NSCALES; k++) {
            const char *v = values[k] ? values[k] : "";
            if (strlen(v) >= GRADE_MAX)
                v = "";
            snprintf(r->c[i].grade[k], GRADE_MAX, "%s", v);
        }
    }
    return ST_OK;
}

static int
take_value(void *ctx, const struct db_cohort_value *v)
{
    struct run *r = ctx;
    size_t first, end = courses_of(r, v->patient_id, &first);
    int64_t day;
    if (first == end || !day_of(v->date, &day))
        return ST_OK;
    for (size_t i = first; i < end; i++) {
        struct course *c = &r->c[i];
        if (!c->included)
            continue;
        /* Baseline: the latest on or before the anchor within baseline_days; rows come by date
         * then id, so a later row replaces an earlier one. */
        if (day <= c->anchor && day >= c->anchor - r->q->baseline_days) {
            c->has_baseline = true;
            c->baseline = v->value;
        }
        /* At N months: the closest to the target within the window; a later row replaces only
         * a strictly closer one, so ties keep the earlier date, then the lower id. */
        for (int k = 0; k < POINTS; k++) {
            int64_t dist = day > c->target[k] ? day - c->target[k] : c->target[k] - day;
            if (dist <= r->q->window_days && (!c->has_at[k] || dist < c->distance[k])) {
                c->has_at[k] = true;
                c->at[k] = v->value;
                c->distance[k] = dist;
            }
        }
    }
    return ST_OK;
}

static void
run_release(struct run *r)
{
    if (!r)
        return;
    if (r->acc && r->p)
        for (size_t i = 0; i < r->p->courses->nprotocols; i++)
            for (int k = 0; k < POINTS; k++)
                free(r->acc[i].change[k]);
    free(r->acc);
    map_release(&r->courses);
    map_release(&r->item_map);
    map_release(&r->appointment_map);
    map_release(&r->procedure_map);
    free(r->by_id);
    free(r->items);
    free(r->item_ids);
    free(r->appointments);
    free(r->procedures);
    free(r->c);
    memset(r, 0, sizeof(*r));
}

/* Leaves out the courses whose grade does not match the filter. */
static void
filter_grade(struct run *r)
{
    const struct query *q = r->q;
    if (q->grade_scale < 0)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (r->c[i].included && strcmp(r->c[i].grade[q->grade_scale], q->grade_value) != 0)
            r->c[i].included = false;
}

/* The change a course shows at point k, rounded to a millionth: values have at most a few
 * decimals, and 150.2 - 136.2 must reach a threshold of 14. */
static bool
change_at(const struct course *c, int k, double *out)
{
    *out = 0;
    if (!c->has_baseline || !c->has_at[k])
        return false;
    *out = round((c->at[k] - c->baseline) * 1e6) / 1e6;
    return true;
}

/* Adds the included courses up per protocol (courses come by patient: a patient's courses are
 * adjacent, which counts distinct patients with a look at the ones before). */
static int
sum_up(struct run *r)
{
    size_t np = r->p->courses->nprotocols;
    for (size_t i = 0; i < np; i++) {
        struct acc *a = &r->acc[i];
        a->has_threshold = r->q->has_threshold;
        a->threshold = r->q->threshold;
        if (!a->has_threshold)
            a->has_threshold = protocol_threshold(&r->p->courses->protocols[i], &a->threshold);
        for (int k = 0; k < POINTS; k++) {
            a->change[k] = malloc((r->n ? r->n : 1) * sizeof(double));
            if (!a->change[k])
                return ST_NOMEM;
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct course *c = &r->c[i];
        if (!c->included)
            continue;
        struct acc *a = &r->acc[c->proto];
        bool new_patient = true, treated_before = false, event_before = false;
        /* Earlier courses of the same patient and protocol: the patient is counted once. */
        for (size_t j = i; j > 0 && r->c[j - 1].patient_id == c->patient_id; j--) {
            const struct course *o = &r->c[j - 1];
            if (!o->included || o->proto != c->proto)
                continue;
            new_patient = false;
            treated_before |= o->treated;
            event_before |= o->events > 0;
        }
        a->courses++;
        a->patients += new_patient;
        a->treated += c->treated && !treated_before;
        a->with_event += c->events > 0 && !event_before;
        a->procedures += c->procedures;
        a->events += c->events;
        a->serious += c->serious;
        for (int k = 0; k < POINTS; k++) {
            double ch;
            if (!change_at(c, k, &ch))
                continue;
            a->change[k][a->nchange[k]++] = ch;
            if (a->has_threshold && ch >= a->threshold)
                a->responders[k]++;
        }
    }
    return ST_OK;
}

/* Reads what the report needs in one transaction: the courses, their items, appointments,
 * procedures and adverse events (the anchor and the adverse figures), then the grades when
 * asked and the density values, and adds them up. */
static int
gather(struct db *db, const struct protocols *p, const struct query *q, bool grades, struct run *r,
       struct fail *f)
{
    memset(r, 0, sizeof(*r));
    r->p = p;
    r->q = q;
    r->acc = calloc(p->courses->nprotocols ? p->courses->nprotocols : 1, sizeof(*r->acc));
    if (!r->acc)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = db_cohort_courses(db, q->protocol ? q->protocol->code : NULL, take_course, r);
    if (st == ST_OK) {
        r->by_id = malloc((r->n ? r->n : 1) * sizeof(*r->by_id));
        if (!r->by_id)
            st = ST_NOMEM;
    }
    if (st == ST_OK) {
        for (size_t i = 0; i < r->n; i++)
            r->by_id[i] = (struct id_index){r->c[i].id, (int32_t)i};
        st = map_build(&r->courses, r->by_id, r->n);
    }
    if (st == ST_OK)
        st = db_cohort_items(db, take_item, r);
    if (st == ST_OK)
        st = map_build(&r->item_map, r->item_ids, r->nitems);
    if (st == ST_OK)
        st = db_cohort_appointments(db, take_appointment, r);
    if (st == ST_OK)
        st = map_build(&r->appointment_map, r->appointments, r->nappointments);
    if (st == ST_OK)
        st = db_cohort_procedures(db, take_procedure, r);
    if (st == ST_OK)
        st = map_build(&r->procedure_map, r->procedures, r->nprocedures);
    if (st == ST_OK)
        st = db_cohort_events(db, take_event, r);
    if (st == ST_OK)
        anchor_courses(r);
    if (st == ST_OK && (grades || q->grade_scale >= 0)) {
        r->cursor = 0;
        st = db_cohort_grades(db, take_grade, r);
        if (st == ST_OK)
            filter_grade(r);
    }
    if (st == ST_OK) {
        r->cursor = 0;
        st = db_cohort_values(db, COHORT_MEASURE, take_value, r);
    }
    db_rollback(db);
    if (st == ST_OK)
        st = sum_up(r);
    if (st == ST_NOMEM)
        return nomem(f);
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

/* A figure rounded to `decimals`, or null when there is none (NaN). */
static json_t *
num(double v, int decimals)
{
    if (!isfinite(v))
        return json_null();
    double scale = pow(10, decimals);
    double x = round(v * scale) / scale;
    return json_real(x == 0 ? 0 : x); /* no "-0" */
}

static json_t *
text_or_null(const char *s)
{
    return given(s) ? json_string(s) : json_null();
}

static json_t *
density_json(const struct acc *a, int k)
{
    struct stats_summary s;
    stats_summarise(a->change[k], a->nchange[k], &s);
    return json_pack("{sI so so so so so}", "n", (json_int_t)s.n, "mean", num(s.mean, 2), "median",
                     num(s.median, 2), "sd", num(s.sd, 2), "ci_low", num(s.ci_low, 2), "ci_high",
                     num(s.ci_high, 2));
}

static json_t *
responders_json(const struct acc *a, int k)
{
    long n = (long)a->nchange[k];
    if (!a->has_threshold)
        return json_pack("{sI sn sn sn sn}", "n", (json_int_t)n, "responders", "share", "ci_low",
                         "ci_high");
    double lo, hi;
    stats_wilson(a->responders[k], n, STATS_Z95, &lo, &hi);
    return json_pack("{sI sI so so so}", "n", (json_int_t)n, "responders",
                     (json_int_t)a->responders[k], "share",
                     num(n ? (double)a->responders[k] / (double)n : NAN, 4), "ci_low", num(lo, 4),
                     "ci_high", num(hi, 4));
}

static json_t *
protocol_json(const struct course_protocol *cp, const struct acc *a)
{
    json_t *density = json_object(), *resp = json_object();
    if (!density || !resp) {
        json_decref(density);
        json_decref(resp);
        return NULL;
    }
    for (int k = 0; k < POINTS; k++) {
        json_object_set_new(density, point_keys[k], density_json(a, k));
        json_object_set_new(resp, point_keys[k], responders_json(a, k));
    }
    json_object_set_new(resp, "threshold", a->has_threshold ? num(a->threshold, 4) : json_null());
    double per100 = a->procedures ? 100.0 * (double)a->events / (double)a->procedures : NAN;
    double share = a->treated ? (double)a->with_event / (double)a->treated : NAN;
    return json_pack("{ss s{ss ss} sI sI so so s{sI sI sI sI sI so so}}", "protocol", cp->code,
                     "label", "en", cp->label.en, "ar", cp->label.ar, "courses",
                     (json_int_t)a->courses, "patients", (json_int_t)a->patients, "density",
                     density, "responders", resp, "adverse", "procedures",
                     (json_int_t)a->procedures, "events", (json_int_t)a->events, "serious",
                     (json_int_t)a->serious, "patients_treated", (json_int_t)a->treated,
                     "patients_with_event", (json_int_t)a->with_event, "per_100_procedures",
                     num(per100, 2), "patient_share", num(share, 4));
}

/* The protocols the report shows: the one asked for, else every one of the catalogue. */
static bool
shown(const struct query *q, const struct course_protocol *cp)
{
    return !q->protocol || q->protocol == cp;
}

static json_t *
report_json(const struct run *r)
{
    const struct query *q = r->q;
    const struct cohort_params *raw = q->raw;
    char at[25], local[17];
    int64_t now = time_now_ms();
    time_format_ms(now, at);
    clinic_tz_format_local(now, local);
    json_t *list = json_array();
    json_t *out = json_pack(
        "{ss ss s{so so so so so so so} s{si si} so}", "generated_at", at, "generated_local", local,
        "filters", "protocol", text_or_null(raw->protocol), "age_band", text_or_null(raw->age_band),
        "sex", text_or_null(raw->sex), "grade", text_or_null(raw->grade), "threshold",
        q->has_threshold ? num(q->threshold, 4) : json_null(), "from", text_or_null(raw->from),
        "to", text_or_null(raw->to), "settings", "baseline_days", q->baseline_days, "window_days",
        q->window_days, "protocols", list);
    if (!out)
        return NULL;
    for (size_t i = 0; i < r->p->courses->nprotocols; i++) {
        const struct course_protocol *cp = &r->p->courses->protocols[i];
        if (!shown(q, cp))
            continue;
        json_t *one = protocol_json(cp, &r->acc[i]);
        if (!one || json_array_append_new(list, one) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int
cohort_report(struct db *db, const struct protocols *p, const struct actor *a,
              const struct cohort_params *params, json_t **out, struct fail *f)
{
    struct query q;
    struct run r = {0};
    *out = NULL;
    int st = parse_query(p, params, &q, f);
    if (st != ST_OK)
        return st;
    st = gather(db, p, &q, false, &r, f);
    if (st != ST_OK)
        goto out;
    *out = report_json(&r);
    if (!*out) {
        st = nomem(f);
        goto out;
    }
    audit_read(a, "report.outcomes", "report", "outcomes");
out:
    run_release(&r);
    return st;
}

/* ---- CSV ---- */

/* A figure as CSV text: rounded to `decimals` without trailing zeros; empty for none. */
static int
csv_num(struct buf *b, double v, int decimals)
{
    if (!isfinite(v))
        return ST_OK;
    char text[64];
    double scale = pow(10, decimals), x = round(v * scale) / scale;
    snprintf(text, sizeof(text), "%.*f", decimals, x == 0 ? 0.0 : x);
    if (strchr(text, '.')) {
        size_t n = strlen(text);
        while (text[n - 1] == '0')
            text[--n] = '\0';
        if (text[n - 1] == '.')
            text[--n] = '\0';
    }
    return buf_append_str(b, text);
}

/* A text cell, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
static int
csv_text(struct buf *b, const char *s)
{
    if (!s || !strpbrk(s, ",\"\r\n"))
        return buf_append_str(b, s ? s : "");
    int st = buf_append_char(b, '"');
    for (const char *c = s; st == ST_OK && *c; c++)
        st = *c == '"' ? buf_append_str(b, "\"\"") : buf_append_char(b, *c);
    return st == ST_OK ? buf_append_char(b, '"') : st;
}

static int
csv_long(struct buf *b, long v)
{
    return buf_printf(b, "%ld", v);
}

static int
csv_sep(struct buf *b)
{
    return buf_append_char(b, ',');
}

static int
report_csv_row(struct buf *b, const struct course_protocol *cp, const struct acc *a)
{
    int st = csv_text(b, cp->code);
    if (st == ST_OK)
        st = csv_sep(b);
    if (st == ST_OK)
        st = csv_text(b, cp->label.en);
    if (st == ST_OK)
        st = buf_printf(b, ",%zu,%zu", a->courses, a->patients);
    for (int k = 0; st == ST_OK && k < POINTS; k++) {
        struct stats_summary s;
        stats_summarise(a->change[k], a->nchange[k], &s);
        double v[] = {s.mean, s.median, s.sd, s.ci_low, s.ci_high};
        st = buf_printf(b, ",%zu", s.n);
        for (size_t i = 0; st == ST_OK && i < sizeof(v) / sizeof(v[0]); i++) {
            st = csv_sep(b);
            if (st == ST_OK)
                st = csv_num(b, v[i], 2);
        }
    }
    if (st == ST_OK)
        st = csv_sep(b);
    if (st == ST_OK && a->has_threshold)
        st = csv_num(b, a->threshold, 4);
    for (int k = 0; st == ST_OK && k < POINTS; k++) {
        long n = (long)a->nchange[k];
        st = buf_printf(b, ",%ld,", n);
        if (st != ST_OK || !a->has_threshold) {
            if (st == ST_OK)
                st = buf_append_str(b, ",,,");
            continue;
        }
        double lo, hi;
        stats_wilson(a->responders[k], n, STATS_Z95, &lo, &hi);
        st = csv_long(b, a->responders[k]);
        if (st == ST_OK)
            st = csv_sep(b);
        if (st == ST_OK)
            st = csv_num(b, n ? (double)a->responders[k] / (double)n : NAN, 4);
        if (st == ST_OK)
            st = csv_sep(b);
        if (st == ST_OK)
            st = csv_num(b, lo, 4);
        if (st == ST_OK)
            st = csv_sep(b);
        if (st == ST_OK)
            st = csv_num(b, hi, 4);
    }
    if (st == ST_OK)
        st = buf_printf(b, ",%ld,%ld,%ld,%ld,%ld,", a->procedures, a->events, a->serious,
                        a->treated, a->with_event);
    if (st == ST_OK)
        st = csv_num(b, a->procedures ? 100.0 * (double)a->events / (double)a->procedures : NAN, 2);
    if (st == ST_OK)
        st = csv_sep(b);
    if (st == ST_OK)
        st = csv_num(b, a->treated ? (double)a->with_event / (double)a->treated : NAN, 4);
    return st == ST_OK ? buf_append_str(b, "\r\n") : st;
}

#define REPORT_CSV_HEADER                                                                          \
    "protocol,label,courses,patients,"                                                             \
    "density_m3_n,density_m3_mean,density_m3_median,density_m3_sd,density_m3_ci_low,"              \
    "density_m3_ci_high,"                                                                          \
    "density_m6_n,density_m6_mean,density_m6_median,density_m6_sd,density_m6_ci_low,"              \
    "density_m6_ci_high,"                                                                          \
    "responder_threshold,"                                                                         \
    "responders_m3_n,responders_m3,responders_m3_share,responders_m3_ci_low,"                      \
    "responders_m3_ci_high,"                                                                       \
    "responders_m6_n,responders_m6,responders_m6_share,responders_m6_ci_low,"                      \
    "responders_m6_ci_high,"                                                                       \
    "procedures,adverse_events,serious_events,patients_treated,patients_with_event,"               \
    "events_per_100_procedures,patient_share\r\n"

#define COURSES_CSV_HEADER                                                                         \
    "course_id,protocol,age_band,sex,grade,anchor_month,baseline,change_m3,change_m6\r\n"

/* The grades of a course as "norwood:III" (several separated by a space), as the filter
 * takes them. */
static int
csv_grade(struct buf *b, const struct course *c)
{
    int st = ST_OK;
    bool any = false;
    for (int k = 0; st == ST_OK && k < NSCALES; k++) {
        if (!c->grade[k][0])
            continue;
        st = buf_printf(b, "%s%s:%s", any ? " " : "", scales[k], c->grade[k]);
        any = true;
    }
    return st;
}

static int
courses_csv_row(struct buf *b, const struct run *r, const struct course *c)
{
    struct date anchor;
    date_from_days(c->anchor, &anchor);
    int st = buf_printf(b, "%lld,", (long long)c->id);
    if (st == ST_OK)
        st = csv_text(b, r->p->courses->protocols[c->proto].code);
    if (st == ST_OK)
        st = buf_printf(b, ",%s,%s,", c->age_band >= 0 ? age_bands[c->age_band] : "",
                        c->sex >= 0 ? sexes[c->sex] : "");
    if (st == ST_OK)
        st = csv_grade(b, c);
    if (st == ST_OK)
        st = buf_printf(b, ",%04d-%02d,", anchor.year, anchor.month);
    if (st == ST_OK)
        st = csv_num(b, c->has_baseline ? c->baseline : NAN, 2);
    for (int k = 0; st == ST_OK && k < POINTS; k++) {
        double ch;
        st = csv_sep(b);
        if (st == ST_OK)
            st = csv_num(b, change_at(c, k, &ch) ? ch : NAN, 2);
    }
    return st == ST_OK ? buf_append_str(b, "\r\n") : st;
}

static int
finish_csv(struct buf *b, int st, char **csv, size_t *len, struct fail *f)
{
    if (st == ST_OK) {
        *len = b->len;
        *csv = buf_detach(b);
        if (!*csv)
            st = ST_NOMEM;
    }
    buf_release(b);
    if (st == ST_TOO_BIG)
        return fail_set(f, ST_TOO_BIG, "", "too_big", "the CSV file would pass its size cap");
    if (st != ST_OK) {
        *csv = NULL;
        *len = 0;
        return nomem(f);
    }
    return ST_OK;
}

int
cohort_report_csv(struct db *db, const struct protocols *p, const struct actor *a,
                  const struct cohort_params *params, char **csv, size_t *len, struct fail *f)
{
    struct query q;
    struct run r = {0};
    struct buf b;
    *csv = NULL;
    *len = 0;
    buf_init(&b, COHORT_CSV_MAX);
    int st = parse_query(p, params, &q, f);
    if (st == ST_OK)
        st = gather(db, p, &q, false, &r, f);
    if (st != ST_OK)
        goto out;
    st = buf_append_str(&b, REPORT_CSV_HEADER);
    for (size_t i = 0; st == ST_OK && i < p->courses->nprotocols; i++)
        if (shown(&q, &p->courses->protocols[i]))
            st = report_csv_row(&b, &p->courses->protocols[i], &r.acc[i]);
    st = finish_csv(&b, st, csv, len, f);
    if (st == ST_OK)
        audit_read(a, "report.outcomes_export", "report", "outcomes.csv");
out:
    buf_release(&b);
    run_release(&r);
    return st;
}

int
cohort_courses_csv(struct db *db, const struct protocols *p, const struct actor *a,
                   const struct cohort_params *params, char **csv, size_t *len, struct fail *f)
{
    struct query q;
    struct run r = {0};
    struct buf b;
    *csv = NULL;
    *len = 0;
    buf_init(&b, COHORT_CSV_MAX);
    int st = parse_query(p, params, &q, f);
    if (st == ST_OK)
        st = gather(db, p, &q, true, &r, f);
    if (st != ST_OK)
        goto out;
    /* By course id: the order says nothing of who the patients are. */
    struct id_index *order = malloc((r.n ? r.n : 1) * sizeof(*order));
    if (!order) {
        st = nomem(f);
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.c[i].included)
            order[n++] = (struct id_index){r.c[i].id, (int32_t)i};
    qsort(order, n, sizeof(*order), cmp_id_index);
    st = buf_append_str(&b, COURSES_CSV_HEADER);
    for (size_t i = 0; st == ST_OK && i < n; i++)
        st = courses_csv_row(&b, &r, &r.c[order[i].i]);
    free(order);
    st = finish_csv(&b, st, csv, len, f);
    if (st == ST_OK)
        audit_read(a, "report.outcomes_export", "report", "outcomes/courses.csv");
out:
    buf_release(&b);
    run_release(&r);
    return st;
}
