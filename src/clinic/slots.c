/* The slot finder: reads the calendar once, then sweeps the slot grid day by day in local time,
 * reading each day's holds once, and offers the starts where every resource is free. */
#include "clinic/slots.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinic_tz.h"

#define MINUTE_MS INT64_C(60000)
#define DAY_MS (1440 * MINUTE_MS)

struct span {
    int64_t s, e;
};

struct spans {
    struct span *v;
    size_t n, cap;
};

static int
spans_add(struct spans *l, int64_t s, int64_t e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct span *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct span){s, e};
    return ST_OK;
}

/* Whether nothing in the list overlaps [s, e). */
static bool
spans_free(const struct spans *l, int64_t s, int64_t e)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].s < e && l->v[i].e > s)
            return false;
    return true;
}

/* Whether one interval of the list holds the whole of [s, e). */
static bool
spans_cover(const struct spans *l, int64_t s, int64_t e)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].s <= s && e <= l->v[i].e)
            return true;
    return false;
}

/* A resource that may be offered: its id, the day's holds and, for a clinician, the day's
 * working intervals and where its weekly hours lie in the calendar's list. */
struct res {
    int64_t id;
    struct spans busy;
    struct spans work;
    size_t hours_from, hours_to;
};

struct pool {
    struct res *v;
    size_t n, cap;
};

static int
pool_add(struct pool *p, int64_t id)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct res *v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        p->v = v;
        p->cap = cap;
    }
    memset(&p->v[p->n], 0, sizeof(p->v[0]));
    p->v[p->n++].id = id;
    return ST_OK;
}

static int
res_by_id(const void *a, const void *b)
{
    int64_t x = ((const struct res *)a)->id, y = ((const struct res *)b)->id;
    return (x > y) - (x < y);
}

static struct res *
pool_find(const struct pool *p, int64_t id)
{
    struct res key = {.id = id};
    return p->n ? bsearch(&key, p->v, p->n, sizeof(p->v[0]), res_by_id) : NULL;
}

static void
pool_release(struct pool *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].busy.v);
        free(p->v[i].work.v);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

struct hours_list {
    struct db_hours *v;
    size_t n, cap;
};

struct closure_days {
    int64_t first, last; /* days since the epoch */
};

/* What one search reads before it sweeps. */
struct calendar {
    const struct slots_query *q;
    struct hours_list opening;
    struct hours_list working; /* every clinician's, by clinician */
    struct closure_days *closures;
    size_t nclosures, capclosures;
    struct pool rooms, clinicians, centrifuges;
    struct spans patient_busy;
};

static int
hours_add(void *ctx, const struct db_hours *h)
{
    struct hours_list *l = ctx;
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

static int
closure_add(void *ctx, const struct db_closure *c)
{
    struct calendar *cal = ctx;
    struct date a, b;
    if (date_parse(c->first_date, &a) != ST_OK || date_parse(c->last_date, &b) != ST_OK)
        return ST_DB;
    if (cal->nclosures == cal->capclosures) {
        size_t cap = cal->capclosures ? cal->capclosures * 2 : 8;
        struct closure_days *v = realloc(cal->closures, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        cal->closures = v;
        cal->capclosures = cap;
    }
    cal->closures[cal->nclosures++] = (struct closure_days){date_to_days(&a), date_to_days(&b)};
    return ST_OK;
}

static int
room_add(void *ctx, const struct db_room *r)
{
    struct calendar *cal = ctx;
    if (!r->active || strcmp(r->kind, cal->q->room_kind) != 0)
        return ST_OK;
    return pool_add(&cal->rooms, r->id);
}

static int
clinician_add(void *ctx, const struct db_clinician *c)
{
    struct calendar *cal = ctx;
    if (!c->active || c->user_disabled || (cal->q->clinician_id && c->id != cal->q->clinician_id))
        return ST_OK;
    return pool_add(&cal->clinicians, c->id);
}

static int
centrifuge_add(void *ctx, const struct db_centrifuge *c)
{
    struct calendar *cal = ctx;
    return c->active ? pool_add(&cal->centrifuges, c->id) : ST_OK;
}

static void
calendar_release(struct calendar *cal)
{
    free(cal->opening.v);
    free(cal->working.v);
    free(cal->closures);
    pool_release(&cal->rooms);
    pool_release(&cal->clinicians);
    pool_release(&cal->centrifuges);
    free(cal->patient_busy.v);
}

static int
calendar_load(struct db *db, struct calendar *cal)
{
    const struct slots_query *q = cal->q;
    char from[11], to[11];
    date_format(&q->from, from);
    date_format(&q->to, to);
    int st = db_opening_hours_list(db, hours_add, &cal->opening);
    if (st == ST_OK)
        st = db_closure_list(db, from, to, closure_add, cal);
    if (st == ST_OK)
        st = db_room_list(db, room_add, cal);
    if (st == ST_OK)
        st = db_clinician_list(db, clinician_add, cal);
    if (st == ST_OK && q->prep_minutes > 0)
        st = db_centrifuge_list(db, centrifuge_add, cal);
    if (st == ST_OK)
        st = db_clinician_hours_list(db, q->clinician_id, hours_add, &cal->working);
    if (st != ST_OK)
        return st;
    qsort(cal->rooms.v, cal->rooms.n, sizeof(struct res), res_by_id);
    qsort(cal->clinicians.v, cal->clinicians.n, sizeof(struct res), res_by_id);
    qsort(cal->centrifuges.v, cal->centrifuges.n, sizeof(struct res), res_by_id);
    /* The working hours come ordered by clinician: each clinician gets its run of them. */
    for (size_t i = 0; i < cal->working.n;) {
        size_t j = i;
        while (j < cal->working.n && cal->working.v[j].owner_id == cal->working.v[i].owner_id)
            j++;
        struct res *c = pool_find(&cal->clinicians, cal->working.v[i].owner_id);
        if (c) {
            c->hours_from = i;
            c->hours_to = j;
        }
        i = j;
    }
    return ST_OK;
}

static bool
closed_on(const struct calendar *cal, int64_t day)
{
    for (size_t i = 0; i < cal->nclosures; i++)
        if (cal->closures[i].first <= day && day <= cal->closures[i].last)
            return true;
    return false;
}

/* Sorts one hold of the day into the busy list of the resource it keeps busy, if the search
 * may offer that resource. */
static int
hold_add(void *ctx, const struct db_hold *h)
{
    struct calendar *cal = ctx;
    struct res *r = NULL;
    switch (h->resource) {
    case DB_RES_ROOM:
        r = pool_find(&cal->rooms, h->resource_id);
        break;
    case DB_RES_CLINICIAN:
        r = pool_find(&cal->clinicians, h->resource_id);
        break;
    case DB_RES_CENTRIFUGE:
        r = pool_find(&cal->centrifuges, h->resource_id);
        break;
    case DB_RES_PATIENT:
        if (cal->q->patient_id && h->resource_id == cal->q->patient_id)
            return spans_add(&cal->patient_busy, h->start_ms, h->end_ms);
        return ST_OK;
    }
    return r ? spans_add(&r->busy, h->start_ms, h->end_ms) : ST_OK;
}

int
slots_local_bound(const struct date *d, int minute, int64_t *out_ms)
{
    *out_ms = 0;
    /* No zone skips more than a few hours; a bound past midnight is the next day's start. */
    for (int m = minute; m <= 1440 && m <= minute + 240; m++)
        if (clinic_tz_to_utc(d, m, out_ms) == ST_OK)
            return ST_OK;
    return ST_INVALID;
}

/* A local day and how its minutes become instants. */
struct day_clock {
    struct date d;
    int64_t start_ms, end_ms; /* [start, end) is the whole local day */
    bool linear;              /* 24 hours from an existing midnight: no clock change that day */
};

static int
day_clock(const struct date *d, struct day_clock *c)
{
    int64_t midnight;
    c->d = *d;
    if (clinic_tz_day_bounds(d, &c->start_ms, &c->end_ms) != ST_OK)
        return ST_INVALID;
    /* Minute m of such a day is m minutes after its start, with no need to ask the zone. */
    c->linear = c->end_ms - c->start_ms == DAY_MS && clinic_tz_to_utc(d, 0, &midnight) == ST_OK &&
                midnight == c->start_ms;
    return ST_OK;
}

/* The instant of local `minute` (0..1440) as the bound of an interval (slots_local_bound). */
static int
day_bound(const struct day_clock *c, int minute, int64_t *ms)
{
    if (c->linear) {
        *ms = c->start_ms + minute * MINUTE_MS;
        return ST_OK;
    }
    return slots_local_bound(&c->d, minute, ms);
}

/* The instant a start at local `minute` is; ST_INVALID for a minute the clocks skip. */
static int
day_start_at(const struct day_clock *c, int minute, int64_t *ms)
{
    if (c->linear) {
        *ms = c->start_ms + minute * MINUTE_MS;
        return ST_OK;
    }
    return clinic_tz_to_utc(&c->d, minute, ms);
}

/* The day's working intervals of every clinician, as UTC instants. */
static int
day_work(struct calendar *cal, const struct day_clock *dc, int weekday)
{
    for (size_t i = 0; i < cal->clinicians.n; i++) {
        struct res *c = &cal->clinicians.v[i];
        c->work.n = 0;
        for (size_t k = c->hours_from; k < c->hours_to; k++) {
            const struct db_hours *h = &cal->working.v[k];
            int64_t s, e;
            if (h->weekday != weekday)
                continue;
            if (day_bound(dc, h->start_minute, &s) != ST_OK ||
                day_bound(dc, h->end_minute, &e) != ST_OK)
                continue;
            int st = spans_add(&c->work, s, e);
            if (st != ST_OK)
                return st;
        }
    }
    return ST_OK;
}

static void
day_clear(struct calendar *cal)
{
    struct pool *pools[] = {&cal->rooms, &cal->clinicians, &cal->centrifuges};
    for (size_t p = 0; p < 3; p++)
        for (size_t i = 0; i < pools[p]->n; i++)
            pools[p]->v[i].busy.n = 0;
    cal->patient_busy.n = 0;
}

/* The first free resource of a pool for [s, e), or NULL. */
static const struct res *
first_free(const struct pool *p, int64_t s, int64_t e)
{
    for (size_t i = 0; i < p->n; i++)
        if (spans_free(&p->v[i].busy, s, e))
            return &p->v[i];
    return NULL;
}

/* Fills *slot for a start at s when every resource is free. */
static bool
try_start(const struct calendar *cal, int64_t s, struct slots_slot *slot)
{
    const struct slots_query *q = cal->q;
    int64_t e = s + q->duration_minutes * MINUTE_MS;
    if (!spans_free(&cal->patient_busy, s, e))
        return false;
    const struct res *clinician = NULL;
    for (size_t i = 0; i < cal->clinicians.n && !clinician; i++) {
        const struct res *c = &cal->clinicians.v[i];
        if (spans_cover(&c->work, s, e) && spans_free(&c->busy, s, e))
            clinician = c;
    }
    const struct res *room = clinician ? first_free(&cal->rooms, s, e) : NULL;
    if (!room)
        return false;
    const struct res *centrifuge = NULL;
    if (q->prep_minutes > 0) {
        centrifuge = first_free(&cal->centrifuges, s, s + q->prep_minutes * MINUTE_MS);
        if (!centrifuge)
            return false;
    }
    *slot = (struct slots_slot){s, e, room->id, clinician->id, centrifuge ? centrifuge->id : 0};
    return true;
}

/* Sweeps one day; appends what it finds to out[*n..q->limit). */
static int
sweep_day(struct db *db, struct calendar *cal, const struct date *d, struct slots_slot *out, int *n)
{
    const struct slots_query *q = cal->q;
    int weekday = date_iso_weekday(d);
    struct day_clock dc;
    bool open = false;

    if (closed_on(cal, date_to_days(d)))
        return ST_OK;
    for (size_t i = 0; i < cal->opening.n && !open; i++)
        open = cal->opening.v[i].weekday == weekday;
    if (!open || day_clock(d, &dc) != ST_OK || dc.end_ms <= q->not_before_ms)
        return ST_OK;

    day_clear(cal);
    int st = db_hold_range(db, dc.start_ms, dc.end_ms, hold_add, cal);
    if (st == ST_OK)
        st = day_work(cal, &dc, weekday);
    if (st != ST_OK)
        return st;

    int64_t dur_ms = q->duration_minutes * MINUTE_MS;
    for (size_t i = 0; i < cal->opening.n && *n < q->limit; i++) {
        const struct db_hours *h = &cal->opening.v[i];
        int64_t close_ms;
        if (h->weekday != weekday || day_bound(&dc, h->end_minute, &close_ms) != ST_OK)
            continue;
        int m = (h->start_minute + q->slot_minutes - 1) / q->slot_minutes * q->slot_minutes;
        for (; m < h->end_minute && *n < q->limit; m += q->slot_minutes) {
            int64_t s;
            if (day_start_at(&dc, m, &s) != ST_OK)
                continue; /* skipped by the clocks going forward */
            if (s + dur_ms > close_ms)
                break;
            if (s >= q->not_before_ms && try_start(cal, s, &out[*n]))
                (*n)++;
        }
    }
    return ST_OK;
}

int
slots_find(struct db *db, const struct slots_query *q, struct slots_slot *out, int *n)
{
    struct calendar cal = {.q = q};
    *n = 0;
    if (q->limit < 1 || q->limit > SLOTS_MAX || q->duration_minutes < 1 ||
        q->duration_minutes > 1440 || q->prep_minutes < 0 ||
        q->prep_minutes > q->duration_minutes || q->slot_minutes < 1 || !q->room_kind ||
        date_compare(&q->from, &q->to) > 0)
        return ST_INVALID;
    int st = calendar_load(db, &cal);
    if (st == ST_OK && cal.rooms.n && cal.clinicians.n && (!q->prep_minutes || cal.centrifuges.n)) {
        struct date d = q->from;
        for (int days = 0; date_compare(&d, &q->to) <= 0 && *n < q->limit && st == ST_OK; days++) {
            if (days >= SLOTS_MAX_DAYS) {
                st = ST_INVALID;
                break;
            }
            st = sweep_day(db, &cal, &d, out, n);
            date_add_days(&d, 1, &d);
        }
    }
    calendar_release(&cal);
    if (st != ST_OK)
        *n = 0;
    return st;
}
