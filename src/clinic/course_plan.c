/* Laying a course protocol out on the calendar and moving its dates when sessions are booked
 * elsewhere: calendar-month arithmetic with end-of-month clamping, windows around each target,
 * and the price of the plan. */
#include "clinic/course_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"session", "maintenance", "follow_up", NULL};

const char *
course_item_kind_name(enum course_item_kind k)
{
    return (unsigned)k < 3u ? kind_names[k] : "unknown";
}

int
course_item_kind_parse(const char *s, enum course_item_kind *out)
{
    *out = COURSE_ITEM_SESSION;
    for (int i = 0; s && kind_names[i]; i++)
        if (strcmp(kind_names[i], s) == 0) {
            *out = (enum course_item_kind)i;
            return ST_OK;
        }
    return ST_INVALID;
}

/* The item's dates from its base day (the anchor's day, or the start). */
static int
place(struct course_plan_item *it, const struct date *base)
{
    struct date d;
    if (date_add_months(base, it->offset_months, &d) != ST_OK)
        return ST_INVALID;
    date_add_days(&d, it->offset_days, &it->target);
    date_add_days(&it->target, -(int64_t)it->window_before_days, &it->earliest);
    date_add_days(&it->target, it->window_after_days, &it->latest);
    /* date_add_days does not check the year range: a plan near year 9999 is refused here. */
    if (it->earliest.year < 1 || it->latest.year > 9999)
        return ST_INVALID;
    return ST_OK;
}

/* Indices of `items` in seq order (insertion sort: at most COURSE_MAX_ITEMS items). */
static void
seq_order(const struct course_plan_item *items, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && items[order[j - 1]].seq > items[order[j]].seq; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

int
course_plan_replan(struct course_plan_item *items, size_t n, const struct date *start,
                   const struct course_plan_booking *booked, bool *outside)
{
    size_t order[COURSE_MAX_ITEMS];
    long at_seq[COURSE_MAX_ITEMS + 1]; /* the index of the item with each seq, or -1 */
    struct course_plan_item work[COURSE_MAX_ITEMS];

    if (n > COURSE_MAX_ITEMS)
        return ST_INVALID;
    for (size_t i = 0; outside && i < n; i++)
        outside[i] = false;
    for (size_t s = 0; s <= COURSE_MAX_ITEMS; s++)
        at_seq[s] = -1;
    for (size_t i = 0; i < n; i++) {
        int s = items[i].seq;
        if (s < 1 || s > COURSE_MAX_ITEMS || at_seq[s] >= 0)
            return ST_INVALID;
        at_seq[s] = (long)i;
    }
    for (size_t i = 0; i < n; i++) {
        int a = items[i].anchor_seq;
        if (a < 0 || a >= items[i].seq || (a > 0 && at_seq[a] < 0))
            return ST_INVALID;
    }
    /* In seq order every anchor is placed before the items counted from it; the work copy
     * leaves `items` untouched when a date falls out of range. */
    memcpy(work, items, n * sizeof(*items));
    seq_order(work, n, order);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        struct course_plan_item *it = &work[i];
        const struct date *base = start;
        if (it->anchor_seq > 0) {
            size_t a = (size_t)at_seq[it->anchor_seq];
            base = booked && booked[a].booked ? &booked[a].day : &work[a].target;
        }
        if (place(it, base) != ST_OK)
            return ST_INVALID;
    }
    memcpy(items, work, n * sizeof(*items));
    for (size_t i = 0; outside && i < n; i++)
        outside[i] = booked && booked[i].booked &&
                     (date_compare(&booked[i].day, &items[i].earliest) < 0 ||
                      date_compare(&booked[i].day, &items[i].latest) > 0);
    return ST_OK;
}

/* Appends one item in layout order (its seq is its place in that order for now). */
static struct course_plan_item *
add(struct course_plan *plan, enum course_item_kind kind, int anchor_seq)
{
    struct course_plan_item *it = &plan->items[plan->n++];
    memset(it, 0, sizeof(*it));
    it->seq = (int)plan->n;
    it->kind = kind;
    it->anchor_seq = anchor_seq;
    return it;
}

static void
session_needs(struct course_plan_item *it, const struct course_protocol *p)
{
    it->duration_minutes = p->duration_minutes;
    it->prep_minutes = p->prep_minutes;
    snprintf(it->room_kind, sizeof(it->room_kind), "%s", p->room_kind);
    it->price_minor = p->session_minor;
}

int
course_plan_layout(const struct course_protocol *p, const struct date *start,
                   struct course_plan *out)
{
    memset(out, 0, sizeof(*out));
    if (p->session_count < 1 || p->session_count > COURSE_MAX_SESSIONS ||
        (p->has_maintenance && p->maintenance_count > COURSE_MAX_MAINTENANCE) ||
        p->nfollow_ups > COURSE_MAX_FOLLOW_UPS)
        return ST_INVALID;
    for (int s = 0; s < p->session_count; s++) {
        struct course_plan_item *it = add(out, COURSE_ITEM_SESSION, s);
        if (s == 0) {
            it->window_after_days = p->first_window_days;
        } else {
            it->offset_days = p->interval_target_days;
            it->window_before_days = p->interval_target_days - p->interval_earliest_days;
            it->window_after_days = p->interval_latest_days - p->interval_target_days;
        }
        session_needs(it, p);
    }
    const int first = 1, last = p->session_count;
    for (int m = 0; p->has_maintenance && m < p->maintenance_count; m++) {
        /* Each maintenance session counts from the session just before it. */
        struct course_plan_item *it = add(out, COURSE_ITEM_MAINTENANCE, (int)out->n);
        it->offset_months = p->maintenance_every_months;
        it->window_before_days = it->window_after_days = p->maintenance_window_days;
        session_needs(it, p);
    }
    for (size_t k = 0; k < p->nfollow_ups; k++) {
        const struct course_follow_up *fu = &p->follow_ups[k];
        struct course_plan_item *it = add(out, COURSE_ITEM_FOLLOW_UP,
                                          fu->anchor == COURSE_ANCHOR_FIRST_SESSION ? first : last);
        snprintf(it->milestone, sizeof(it->milestone), "%s", fu->code);
        it->offset_months = fu->months;
        it->offset_days = fu->days;
        it->window_before_days = it->window_after_days = fu->window_days;
        it->duration_minutes = COURSE_FOLLOW_UP_MINUTES;
        it->prep_minutes = 0;
        snprintf(it->room_kind, sizeof(it->room_kind), "%s", COURSE_FOLLOW_UP_ROOM);
        it->price_minor = p->follow_up_minor;
    }
    if (course_plan_replan(out->items, out->n, start, NULL, NULL) != ST_OK) {
        memset(out, 0, sizeof(*out));
        return ST_INVALID;
    }
    /* Number by target date; on the same day the layout order stands, so that an anchor (laid
     * out before what counts from it, and never later) keeps the smaller number. */
    size_t order[COURSE_MAX_ITEMS];
    int new_seq[COURSE_MAX_ITEMS + 1];
    for (size_t i = 0; i < out->n; i++)
        order[i] = i;
    for (size_t i = 1; i < out->n; i++)
        for (size_t j = i; j > 0; j--) {
            const struct course_plan_item *a = &out->items[order[j - 1]],
                                          *b = &out->items[order[j]];
            if (date_compare(&a->target, &b->target) <= 0)
                break;
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    struct course_plan_item sorted[COURSE_MAX_ITEMS];
    for (size_t k = 0; k < out->n; k++) {
        sorted[k] = out->items[order[k]];
        new_seq[out->items[order[k]].seq] = (int)k + 1;
    }
    for (size_t k = 0; k < out->n; k++) {
        sorted[k].seq = (int)k + 1;
        if (sorted[k].anchor_seq > 0)
            sorted[k].anchor_seq = new_seq[sorted[k].anchor_seq];
    }
    memcpy(out->items, sorted, out->n * sizeof(sorted[0]));
    return ST_OK;
}

/* ---- prices ---- */

int64_t
course_plan_discount(int64_t subtotal_minor, int discount_hundredths)
{
    if (subtotal_minor <= 0 || discount_hundredths <= 0)
        return 0;
    /* subtotal × hundredths / 10000, the half rounded up: both factors are bounded by the
     * protocol checks (prices ≤ 10^10 minor units per item, ≤ 44 items; ≤ 10000 hundredths), so
     * the product stays far below 2^63. */
    return (subtotal_minor * discount_hundredths + 5000) / 10000;
}

int
course_plan_quote(const enum course_item_kind *kinds, const int64_t *prices, size_t n, bool package,
                  int discount_hundredths, struct course_quote *out)
{
    bool seen[3] = {false, false, false};
    int64_t unit[3] = {0, 0, 0}, qty[3] = {0, 0, 0};

    memset(out, 0, sizeof(*out));
    if (n > COURSE_MAX_ITEMS || discount_hundredths < 0 || discount_hundredths > 10000)
        return ST_INVALID;
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)kinds[i];
        if (k > 2 || prices[i] < 0 || prices[i] > COURSE_MAX_PRICE_MINOR ||
            (seen[k] && unit[k] != prices[i]))
            return ST_INVALID;
        seen[k] = true;
        unit[k] = prices[i];
        qty[k]++;
    }
    for (unsigned k = 0; k < 3; k++) {
        if (!seen[k])
            continue;
        struct course_quote_line *l = &out->lines[out->nlines++];
        l->kind = (enum course_item_kind)k;
        l->quantity = qty[k];
        l->unit_minor = unit[k];
        l->total_minor = qty[k] * unit[k];
        out->subtotal_minor += l->total_minor;
    }
    out->discount_hundredths = package ? discount_hundredths : 0;
    out->discount_minor = course_plan_discount(out->subtotal_minor, out->discount_hundredths);
    out->total_minor = out->subtotal_minor - out->discount_minor;
    return ST_OK;
}

/* ---- JSON ---- */

static json_t *
text_json(const char *en, const char *ar)
{
    return json_pack("{s:s, s:s}", "en", en, "ar", ar);
}

json_t *
course_plan_item_label(const struct course_protocol *p, enum course_item_kind kind,
                       const char *milestone, int number, int total)
{
    char en[96], ar[96];
    switch (kind) {
    case COURSE_ITEM_SESSION:
        snprintf(en, sizeof(en), "Session %d of %d", number, total);
        snprintf(ar, sizeof(ar), "الجلسة %d من %d", number, total);
        return text_json(en, ar);
    case COURSE_ITEM_MAINTENANCE:
        snprintf(en, sizeof(en), "Maintenance session %d of %d", number, total);
        snprintf(ar, sizeof(ar), "جلسة المحافظة %d من %d", number, total);
        return text_json(en, ar);
    case COURSE_ITEM_FOLLOW_UP:
        break;
    }
    const struct course_follow_up *fu = course_protocol_follow_up(p, milestone);
    if (fu)
        return text_json(fu->label.en, fu->label.ar);
    return text_json(milestone ? milestone : "", milestone ? milestone : "");
}

static json_t *
line_label(enum course_item_kind k)
{
    switch (k) {
    case COURSE_ITEM_SESSION:
        return text_json("Treatment sessions", "جلسات العلاج");
    case COURSE_ITEM_MAINTENANCE:
        return text_json("Maintenance sessions", "جلسات المحافظة على النتيجة");
    case COURSE_ITEM_FOLLOW_UP:
        return text_json("Follow-up visits", "زيارات المتابعة");
    }
    return text_json("", "");
}

json_t *
course_plan_quote_lines_json(const struct course_quote *q)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < q->nlines; i++) {
        const struct course_quote_line *l = &q->lines[i];
        json_t *o = json_pack("{s:o, s:I, s:I, s:I}", "label", line_label(l->kind), "quantity",
                              (json_int_t)l->quantity, "unit_minor", (json_int_t)l->unit_minor,
                              "total_minor", (json_int_t)l->total_minor);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *
course_plan_percent_json(int hundredths)
{
    if (hundredths % 100 == 0)
        return json_integer(hundredths / 100);
    return json_real(hundredths / 100.0);
}

static json_t *
date_json(const struct date *d)
{
    char s[11];
    date_format(d, s);
    return json_string(s);
}

/* Counts of each kind, and each item's place among its kind (items in seq order). */
static void
numbering(const struct course_plan *plan, int *number, int total[3])
{
    int seen[3] = {0, 0, 0};
    total[0] = total[1] = total[2] = 0;
    for (size_t i = 0; i < plan->n; i++)
        total[plan->items[i].kind]++;
    for (size_t i = 0; i < plan->n; i++)
        number[i] = ++seen[plan->items[i].kind];
}

json_t *
course_plan_json(const struct course_protocol *p, const struct course_plan *plan,
                 const struct date *start, bool package)
{
    enum course_item_kind kinds[COURSE_MAX_ITEMS];
    int64_t prices[COURSE_MAX_ITEMS];
    int number[COURSE_MAX_ITEMS], total[3];
    struct course_quote q;

    numbering(plan, number, total);
    json_t *items = json_array();
    for (size_t i = 0; items && i < plan->n; i++) {
        const struct course_plan_item *it = &plan->items[i];
        kinds[i] = it->kind;
        prices[i] = it->price_minor;
        json_t *o = json_pack(
            "{s:i, s:s, s:o, s:o, s:o, s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:i, s:i, s:s, "
            "s:{s:s, s:I}}",
            "seq", it->seq, "kind", course_item_kind_name(it->kind), "milestone",
            it->milestone[0] ? json_string(it->milestone) : json_null(), "label",
            course_plan_item_label(p, it->kind, it->milestone, number[i], total[it->kind]),
            "anchor_seq", it->anchor_seq ? json_integer(it->anchor_seq) : json_null(),
            "offset_months", it->offset_months, "offset_days", it->offset_days,
            "window_before_days", it->window_before_days, "window_after_days",
            it->window_after_days, "target_date", date_json(&it->target), "earliest_date",
            date_json(&it->earliest), "latest_date", date_json(&it->latest), "duration_minutes",
            it->duration_minutes, "prep_minutes", it->prep_minutes, "room_kind", it->room_kind,
            "price", "currency", p->currency, "minor", (json_int_t)it->price_minor);
        if (!o || json_array_append_new(items, o) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    if (!items ||
        course_plan_quote(kinds, prices, plan->n, package, p->discount_hundredths, &q) != ST_OK) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:o, s:b, s:s, s:o, s:{s:s, s:o, s:I, s:o, s:I, s:I}}", "protocol",
                     p->code, "label", text_json(p->label.en, p->label.ar), "start_date",
                     date_json(start), "package", package, "currency", p->currency, "items", items,
                     "quote", "currency", p->currency, "lines", course_plan_quote_lines_json(&q),
                     "subtotal_minor", (json_int_t)q.subtotal_minor, "discount_percent",
                     course_plan_percent_json(q.discount_hundredths), "discount_minor",
                     (json_int_t)q.discount_minor, "total_minor", (json_int_t)q.total_minor);
}
