/* A course protocol laid out on the calendar: the dated items of a course (loading sessions,
 * maintenance sessions, follow-up visits) with the item each is counted from and its window,
 * the replanning of those dates when sessions are booked on other days, and the price of the
 * plan. Pure functions over plain data: no database, no clock. */
#ifndef AUTOLOGA_CLINIC_COURSE_PLAN_H
#define AUTOLOGA_CLINIC_COURSE_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/course_protocols.h"
#include "core/date.h"
#include "core/status.h"

/* A follow-up visit is a consultation of this length (the protocol format gives sessions a
 * duration, not follow-ups). */
#define COURSE_FOLLOW_UP_MINUTES 30
#define COURSE_FOLLOW_UP_ROOM "consultation"

enum course_item_kind { COURSE_ITEM_SESSION, COURSE_ITEM_MAINTENANCE, COURSE_ITEM_FOLLOW_UP };

struct course_plan_item {
    int seq; /* 1..n in the order of the target dates at prescription */
    enum course_item_kind kind;
    char milestone[COURSE_CODE_MAX + 1]; /* follow-ups: the protocol's code; "" otherwise */
    /* The item's target is `offset_months` calendar months, then `offset_days` days, after the
     * day of item `anchor_seq` (its booked day when booked, else its target), or after the
     * course's start date when anchor_seq is 0; its window runs from window_before_days before
     * the target to window_after_days after it. An item's anchor always has a smaller seq. */
    int anchor_seq;
    int offset_months;
    int offset_days;
    int window_before_days;
    int window_after_days;
    struct date target;
    struct date earliest;
    struct date latest;
    int duration_minutes;
    int prep_minutes;
    char room_kind[16];
    int64_t price_minor;
};

struct course_plan {
    struct course_plan_item items[COURSE_MAX_ITEMS];
    size_t n;
};

/* Lays `p` out from the start date `start`: the sessions (the first on the start date, its
 * window to first_window_days after; each next one interval_days.target after the one before,
 * window earliest..latest), the maintenance sessions (every_months after the session before,
 * ± window_days), then the follow-ups (after the first or last loading session, ± window_days),
 * numbered by target date. ST_INVALID when a date falls outside years 1..9999. */
int course_plan_layout(const struct course_protocol *p, const struct date *start,
                       struct course_plan *out) WARN_UNUSED;

/* What is known of an item's appointment: the local day of its live appointment (one that is
 * not cancelled and not a no-show), when there is one. */
struct course_plan_booking {
    bool booked;
    struct date day;
};

/* Recomputes target, earliest and latest of every item from `start` and the booked days
 * (booked[i] belongs to items[i]): an item counts from its anchor's booked day when the anchor
 * is booked, else from the anchor's recomputed target. The items may come in any order; their
 * seqs must be distinct and every anchor_seq that of an item with a smaller seq (else
 * ST_INVALID, and nothing is changed). `outside[i]` (when not NULL; all false on failure) says
 * whether item i is booked on a day outside its new window. */
int course_plan_replan(struct course_plan_item *items, size_t n, const struct date *start,
                       const struct course_plan_booking *booked, bool *outside) WARN_UNUSED;

/* The price of a set of items: one line per kind (sessions, maintenance sessions, follow-ups,
 * in that order, only those present) with its quantity and unit price; with `package` the
 * discount is discount_hundredths / 100 percent of the subtotal, rounded half up to a minor
 * unit. */
struct course_quote_line {
    enum course_item_kind kind;
    int64_t quantity;
    int64_t unit_minor;
    int64_t total_minor;
};
struct course_quote {
    struct course_quote_line lines[3];
    size_t nlines;
    int64_t subtotal_minor;
    int discount_hundredths; /* 0 unless a package */
    int64_t discount_minor;
    int64_t total_minor;
};
/* kinds[i] and prices[i] describe item i. ST_INVALID when items of one kind differ in price
 * or a price is negative. */
int course_plan_quote(const enum course_item_kind *kinds, const int64_t *prices, size_t n,
                      bool package, int discount_hundredths, struct course_quote *out) WARN_UNUSED;
/* The discount in minor units: `subtotal` × hundredths / 10000, rounded half up. */
int64_t course_plan_discount(int64_t subtotal_minor, int discount_hundredths);

/* "session", "maintenance", "follow_up" (the store's words); never NULL. */
const char *course_item_kind_name(enum course_item_kind k);
/* The kind of a store word; ST_INVALID for another. */
int course_item_kind_parse(const char *s, enum course_item_kind *out) WARN_UNUSED;

/* The item's label {"en","ar"}: "Session 2 of 3", "Maintenance session 1 of 2", or the
 * follow-up's label from `p` (its milestone code when `p` does not have it). `number` is the
 * item's place among the items of its kind, `total` how many there are. NULL when out of
 * memory. */
json_t *course_plan_item_label(const struct course_protocol *p, enum course_item_kind kind,
                               const char *milestone, int number, int total);
/* The lines of a quote as the API gives them: [{"label":{"en","ar"},"quantity","unit_minor",
 * "total_minor"}]. */
json_t *course_plan_quote_lines_json(const struct course_quote *q);
/* The discount percent as JSON: 10 for 1000 hundredths, 12.5 for 1250. */
json_t *course_plan_percent_json(int hundredths);

/* A laid-out plan as the command line prints it (no course, no patient):
 * {"protocol","label","start_date","package","currency",
 *  "items":[{"seq","kind","milestone","label","anchor_seq","offset_months","offset_days",
 *            "window_before_days","window_after_days","target_date","earliest_date",
 *            "latest_date","duration_minutes","prep_minutes","room_kind",
 *            "price":{"currency","minor"}}],
 *  "quote":{"currency","lines","subtotal_minor","discount_percent","discount_minor",
 *           "total_minor"}}. NULL when out of memory. */
json_t *course_plan_json(const struct course_protocol *p, const struct course_plan *plan,
                         const struct date *start, bool package);

#endif
