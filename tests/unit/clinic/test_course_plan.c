/* Unit tests of src/clinic/course_plan.c: laying protocols out on the calendar (month lengths,
 * leap years, windows, anchors on the first and last session, maintenance), replanning after
 * a session is booked late or early, and the price of a plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/course_plan.h"

static struct date
day(const char *s)
{
    struct date d;
    if (date_parse(s, &d) != ST_OK)
        fail_msg("bad test date %s", s);
    return d;
}

static void
assert_day(const struct date *d, const char *want, const char *what)
{
    char got[11];
    date_format(d, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: %s, wanted %s", what, got, want);
}

/* One expected item: kind, milestone (or ""), anchor seq, target, earliest, latest. */
struct want {
    enum course_item_kind kind;
    const char *milestone;
    int anchor_seq;
    const char *target;
    const char *earliest;
    const char *latest;
};

static void
expect_items(const struct course_plan_item *items, size_t n, const struct want *w, size_t nw)
{
    assert_int_equal(n, nw);
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof(what), "item %zu", i + 1);
        assert_int_equal(items[i].seq, (int)i + 1);
        if (items[i].kind != w[i].kind || strcmp(items[i].milestone, w[i].milestone) != 0 ||
            items[i].anchor_seq != w[i].anchor_seq)
            fail_msg("%s: %s %s anchor %d, wanted %s %s anchor %d", what,
                     course_item_kind_name(items[i].kind), items[i].milestone, items[i].anchor_seq,
                     course_item_kind_name(w[i].kind), w[i].milestone, w[i].anchor_seq);
        assert_day(&items[i].target, w[i].target, what);
        assert_day(&items[i].earliest, w[i].earliest, what);
        assert_day(&items[i].latest, w[i].latest, what);
    }
}

static struct course_follow_up hair_follow_ups[] = {
    {.code = "first_results",
     .label = {"First results", "النتائج الأولى"},
     .anchor = COURSE_ANCHOR_FIRST_SESSION,
     .months = 3,
     .window_days = 14},
    {.code = "assessment_6m",
     .label = {"6-month assessment", "تقييم الشهر السادس"},
     .anchor = COURSE_ANCHOR_FIRST_SESSION,
     .months = 6,
     .window_days = 14},
};

/* The shape of the shipped prp-hair protocol, written out so the test does not move with the
 * clinic's data. */
static struct course_protocol
hair_protocol(void)
{
    struct course_protocol p = {
        .code = "prp-hair",
        .label = {"PRP for the scalp", "البلازما الغنية بالصفائح الدموية لفروة الرأس"},
        .session_count = 3,
        .interval_target_days = 30,
        .interval_earliest_days = 21,
        .interval_latest_days = 42,
        .first_window_days = 14,
        .duration_minutes = 60,
        .prep_minutes = 30,
        .room_kind = "treatment",
        .has_maintenance = true,
        .maintenance_every_months = 6,
        .maintenance_window_days = 14,
        .maintenance_count = 2,
        .follow_ups = hair_follow_ups,
        .nfollow_ups = 2,
        .currency = "AED",
        .session_minor = 150000,
        .follow_up_minor = 30000,
        .discount_hundredths = 1000,
    };
    return p;
}

static struct course_follow_up adsc_follow_ups[] = {
    {.code = "early_hair",
     .label = {"Early hair check", "فحص الشعر المبكر"},
     .anchor = COURSE_ANCHOR_LAST_SESSION,
     .days = 14,
     .window_days = 7},
    {.code = "final_result",
     .label = {"Final result", "النتيجة النهائية"},
     .anchor = COURSE_ANCHOR_FIRST_SESSION,
     .months = 6,
     .window_days = 21},
};

static struct course_protocol
adsc_protocol(void)
{
    struct course_protocol p = {
        .code = "adsc-hair",
        .label = {"Fat-derived cells", "الخلايا المشتقة من الدهون"},
        .session_count = 2,
        .interval_target_days = 14,
        .interval_earliest_days = 7,
        .interval_latest_days = 28,
        .first_window_days = 21,
        .duration_minutes = 120,
        .prep_minutes = 60,
        .room_kind = "procedure",
        .has_maintenance = true,
        .maintenance_every_months = 4,
        .maintenance_window_days = 21,
        .maintenance_count = 2,
        .follow_ups = adsc_follow_ups,
        .nfollow_ups = 2,
        .currency = "AED",
        .session_minor = 300000,
        .follow_up_minor = 30000,
        .discount_hundredths = 1000,
    };
    return p;
}

static void
test_prp_hair_layout(void **state)
{
    (void)state;
    struct course_protocol p = hair_protocol();
    struct course_plan plan;
    struct date start = day("2026-12-01");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    /* Sessions 30 days apart (the third across the year's end), follow-ups counted in calendar
     * months from the first session, maintenance every 6 months from the session before. */
    static const struct want w[] = {
        {COURSE_ITEM_SESSION, "", 0, "2026-12-01", "2026-12-01", "2026-12-15"},
        {COURSE_ITEM_SESSION, "", 1, "2026-12-31", "2026-12-22", "2027-01-12"},
        {COURSE_ITEM_SESSION, "", 2, "2027-01-30", "2027-01-21", "2027-02-11"},
        {COURSE_ITEM_FOLLOW_UP, "first_results", 1, "2027-03-01", "2027-02-15", "2027-03-15"},
        {COURSE_ITEM_FOLLOW_UP, "assessment_6m", 1, "2027-06-01", "2027-05-18", "2027-06-15"},
        {COURSE_ITEM_MAINTENANCE, "", 3, "2027-07-30", "2027-07-16", "2027-08-13"},
        {COURSE_ITEM_MAINTENANCE, "", 6, "2028-01-30", "2028-01-16", "2028-02-13"},
    };
    expect_items(plan.items, plan.n, w, sizeof(w) / sizeof(w[0]));
    /* What an item needs and costs. */
    assert_int_equal(plan.items[0].duration_minutes, 60);
    assert_int_equal(plan.items[0].prep_minutes, 30);
    assert_string_equal(plan.items[0].room_kind, "treatment");
    assert_int_equal(plan.items[0].price_minor, 150000);
    assert_int_equal(plan.items[0].window_before_days, 0);
    assert_int_equal(plan.items[0].window_after_days, 14);
    assert_int_equal(plan.items[1].offset_days, 30);
    assert_int_equal(plan.items[1].window_before_days, 9);
    assert_int_equal(plan.items[1].window_after_days, 12);
    assert_int_equal(plan.items[3].offset_months, 3);
    assert_int_equal(plan.items[3].duration_minutes, COURSE_FOLLOW_UP_MINUTES);
    assert_int_equal(plan.items[3].prep_minutes, 0);
    assert_string_equal(plan.items[3].room_kind, "consultation");
    assert_int_equal(plan.items[3].price_minor, 30000);
    assert_int_equal(plan.items[5].offset_months, 6);
    assert_int_equal(plan.items[5].price_minor, 150000);
}

/* A course started on 31 January: calendar months end on the last day of shorter months, and a
 * chain of maintenance sessions carries the clamped day on. */
static void
test_month_ends(void **state)
{
    (void)state;
    static struct course_follow_up fus[] = {
        {.code = "one_month",
         .label = {"a", "ا"},
         .anchor = COURSE_ANCHOR_FIRST_SESSION,
         .months = 1,
         .window_days = 3},
        {.code = "three_months",
         .label = {"b", "ب"},
         .anchor = COURSE_ANCHOR_FIRST_SESSION,
         .months = 3,
         .window_days = 0},
        {.code = "thirteen_months",
         .label = {"c", "ج"},
         .anchor = COURSE_ANCHOR_FIRST_SESSION,
         .months = 13,
         .window_days = 0},
    };
    struct course_protocol p = hair_protocol();
    p.session_count = 1;
    p.maintenance_every_months = 1;
    p.maintenance_count = 3;
    p.maintenance_window_days = 2;
    p.follow_ups = fus;
    p.nfollow_ups = 3;
    struct course_plan plan;
    struct date start = day("2026-01-31");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    static const struct want w[] = {
        {COURSE_ITEM_SESSION, "", 0, "2026-01-31", "2026-01-31", "2026-02-14"},
        {COURSE_ITEM_MAINTENANCE, "", 1, "2026-02-28", "2026-02-26", "2026-03-02"},
        {COURSE_ITEM_FOLLOW_UP, "one_month", 1, "2026-02-28", "2026-02-25", "2026-03-03"},
        {COURSE_ITEM_MAINTENANCE, "", 2, "2026-03-28", "2026-03-26", "2026-03-30"},
        {COURSE_ITEM_MAINTENANCE, "", 4, "2026-04-28", "2026-04-26", "2026-04-30"},
        {COURSE_ITEM_FOLLOW_UP, "three_months", 1, "2026-04-30", "2026-04-30", "2026-04-30"},
        {COURSE_ITEM_FOLLOW_UP, "thirteen_months", 1, "2027-02-28", "2027-02-28", "2027-02-28"},
    };
    expect_items(plan.items, plan.n, w, sizeof(w) / sizeof(w[0]));

    /* In a leap year the same start reaches 29 February. */
    start = day("2024-01-31");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    assert_day(&plan.items[1].target, "2024-02-29", "maintenance in a leap year");
    assert_day(&plan.items[6].target, "2025-02-28", "13 months from 2024-01-31");
}

static void
test_leap_years(void **state)
{
    (void)state;
    static struct course_follow_up fus[] = {
        {.code = "year",
         .label = {"a", "ا"},
         .anchor = COURSE_ANCHOR_FIRST_SESSION,
         .months = 12,
         .window_days = 1},
        {.code = "four_years",
         .label = {"b", "ب"},
         .anchor = COURSE_ANCHOR_FIRST_SESSION,
         .months = 48,
         .window_days = 0},
    };
    struct course_protocol p = hair_protocol();
    p.session_count = 2;
    p.has_maintenance = false;
    p.follow_ups = fus;
    p.nfollow_ups = 2;
    struct course_plan plan;

    /* 29 February plus 12 months is 28 February; plus 48 months, 29 February again. */
    struct date start = day("2024-02-29");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    static const struct want w[] = {
        {COURSE_ITEM_SESSION, "", 0, "2024-02-29", "2024-02-29", "2024-03-14"},
        {COURSE_ITEM_SESSION, "", 1, "2024-03-30", "2024-03-21", "2024-04-11"},
        {COURSE_ITEM_FOLLOW_UP, "year", 1, "2025-02-28", "2025-02-27", "2025-03-01"},
        {COURSE_ITEM_FOLLOW_UP, "four_years", 1, "2028-02-29", "2028-02-29", "2028-02-29"},
    };
    expect_items(plan.items, plan.n, w, sizeof(w) / sizeof(w[0]));

    /* Thirty days from 1 February end on 2 March in a leap year, 3 March in another. */
    start = day("2024-02-01");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    assert_day(&plan.items[1].target, "2024-03-02", "30 days in leap February");
    start = day("2026-02-01");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    assert_day(&plan.items[1].target, "2026-03-03", "30 days in common February");
    /* A window that reaches back over 29 February. */
    assert_int_equal(plan.items[1].window_before_days, 9);
    start = day("2024-01-31");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    assert_day(&plan.items[1].target, "2024-03-01", "31 Jan + 30 days, leap year");
    assert_day(&plan.items[1].earliest, "2024-02-21", "earliest of it");
}

/* Fat-derived cells: early hair counted from the last session, the final result from the first,
 * maintenance from the second session. */
static void
test_last_session_anchor(void **state)
{
    (void)state;
    struct course_protocol p = adsc_protocol();
    struct course_plan plan;
    struct date start = day("2026-03-10");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    static const struct want w[] = {
        {COURSE_ITEM_SESSION, "", 0, "2026-03-10", "2026-03-10", "2026-03-31"},
        {COURSE_ITEM_SESSION, "", 1, "2026-03-24", "2026-03-17", "2026-04-07"},
        {COURSE_ITEM_FOLLOW_UP, "early_hair", 2, "2026-04-07", "2026-03-31", "2026-04-14"},
        {COURSE_ITEM_MAINTENANCE, "", 2, "2026-07-24", "2026-07-03", "2026-08-14"},
        {COURSE_ITEM_FOLLOW_UP, "final_result", 1, "2026-09-10", "2026-08-20", "2026-10-01"},
        {COURSE_ITEM_MAINTENANCE, "", 4, "2026-11-24", "2026-11-03", "2026-12-15"},
    };
    expect_items(plan.items, plan.n, w, sizeof(w) / sizeof(w[0]));
    assert_string_equal(plan.items[3].room_kind, "procedure");
    assert_int_equal(plan.items[3].prep_minutes, 60);

    /* A single-session course: the last session is the first. */
    p.session_count = 1;
    p.has_maintenance = false;
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    assert_int_equal(plan.n, 3);
    assert_int_equal(plan.items[1].anchor_seq, 1);
    assert_day(&plan.items[1].target, "2026-03-24", "early hair after the only session");
}

/* The prp-hair plan from 2026-12-01 with some items booked. */
static void
hair_plan(struct course_plan *plan, struct course_plan_booking *b)
{
    struct course_protocol p = hair_protocol();
    struct date start = day("2026-12-01");
    assert_int_equal(course_plan_layout(&p, &start, plan), ST_OK);
    memset(b, 0, sizeof(*b) * COURSE_MAX_ITEMS);
}

static void
test_replan_late_session(void **state)
{
    (void)state;
    struct course_plan plan;
    struct course_plan_booking b[COURSE_MAX_ITEMS];
    bool outside[COURSE_MAX_ITEMS];
    struct date start = day("2026-12-01");

    hair_plan(&plan, b);
    /* Session 1 on its day, session 2 booked 10 days late (inside its window), session 3 still
     * booked on its old target: 10 days before its new target, one day before its window. */
    b[0] = (struct course_plan_booking){true, day("2026-12-01")};
    b[1] = (struct course_plan_booking){true, day("2027-01-10")};
    b[2] = (struct course_plan_booking){true, day("2027-01-30")};
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    static const struct want w[] = {
        {COURSE_ITEM_SESSION, "", 0, "2026-12-01", "2026-12-01", "2026-12-15"},
        {COURSE_ITEM_SESSION, "", 1, "2026-12-31", "2026-12-22", "2027-01-12"},
        {COURSE_ITEM_SESSION, "", 2, "2027-02-09", "2027-01-31", "2027-02-21"},
        {COURSE_ITEM_FOLLOW_UP, "first_results", 1, "2027-03-01", "2027-02-15", "2027-03-15"},
        {COURSE_ITEM_FOLLOW_UP, "assessment_6m", 1, "2027-06-01", "2027-05-18", "2027-06-15"},
        /* maintenance counts from session 3's booked day, which did not move */
        {COURSE_ITEM_MAINTENANCE, "", 3, "2027-07-30", "2027-07-16", "2027-08-13"},
        {COURSE_ITEM_MAINTENANCE, "", 6, "2028-01-30", "2028-01-16", "2028-02-13"},
    };
    expect_items(plan.items, plan.n, w, sizeof(w) / sizeof(w[0]));
    assert_false(outside[0]);
    assert_false(outside[1]);
    assert_true(outside[2]);
    for (size_t i = 3; i < plan.n; i++)
        assert_false(outside[i]);

    /* Session 3 unbooked: maintenance follows its new target. */
    b[2].booked = false;
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    assert_day(&plan.items[5].target, "2027-08-09", "maintenance after the moved session 3");
    assert_day(&plan.items[6].target, "2028-02-09", "second maintenance after the first");
    assert_false(outside[2]);
}

static void
test_replan_early_session(void **state)
{
    (void)state;
    struct course_plan plan;
    struct course_plan_booking b[COURSE_MAX_ITEMS];
    bool outside[COURSE_MAX_ITEMS];
    struct date start = day("2026-12-01");

    hair_plan(&plan, b);
    /* The first session is booked a week after the start (inside its 14 days): everything
     * counted from it moves a week, and the follow-up already booked on its old day is now a
     * week before its target but inside its ±14 days; session 2 booked on its old target is
     * 7 days early, inside 9. */
    b[0] = (struct course_plan_booking){true, day("2026-12-08")};
    b[1] = (struct course_plan_booking){true, day("2026-12-31")};
    b[3] = (struct course_plan_booking){true, day("2027-03-01")};
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    assert_day(&plan.items[1].target, "2027-01-07", "session 2");
    assert_day(&plan.items[2].target, "2027-01-30", "session 3 after session 2's booked day");
    assert_day(&plan.items[3].target, "2027-03-08", "first results");
    assert_day(&plan.items[4].target, "2027-06-08", "6-month assessment");
    assert_false(outside[0]);
    assert_false(outside[1]);
    assert_false(outside[3]);

    /* Session 2 moved 15 days early: before its earliest (9 days before the target). */
    b[1].day = day("2026-12-23");
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    assert_true(outside[1]);
    assert_day(&plan.items[2].target, "2027-01-22", "session 3 follows the early session 2");

    /* The first session booked after its window: it is outside, and still the base. */
    b[0].day = day("2026-12-20");
    b[1].booked = false;
    b[3].booked = false;
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    assert_true(outside[0]);
    assert_day(&plan.items[1].target, "2027-01-19", "session 2 after a late first session");
}

/* The items may come in any order (as the store returns them); the result is the same. */
static void
test_replan_any_order(void **state)
{
    (void)state;
    struct course_plan plan, shuffled;
    struct course_plan_booking b[COURSE_MAX_ITEMS], sb[COURSE_MAX_ITEMS];
    bool outside[COURSE_MAX_ITEMS], sout[COURSE_MAX_ITEMS];
    struct date start = day("2026-12-01");

    hair_plan(&plan, b);
    b[1] = (struct course_plan_booking){true, day("2027-01-09")};
    shuffled = plan;
    memset(sb, 0, sizeof(sb));
    for (size_t i = 0; i < plan.n; i++) {
        size_t j = plan.n - 1 - i;
        shuffled.items[j] = plan.items[i];
        sb[j] = b[i];
    }
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, outside), ST_OK);
    assert_int_equal(course_plan_replan(shuffled.items, shuffled.n, &start, sb, sout), ST_OK);
    for (size_t i = 0; i < plan.n; i++) {
        size_t j = plan.n - 1 - i;
        assert_int_equal(date_compare(&plan.items[i].target, &shuffled.items[j].target), 0);
        assert_int_equal(outside[i], sout[j]);
    }
    /* Without bookings the plan is the layout again. */
    struct course_plan fresh;
    hair_plan(&fresh, b);
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, NULL, NULL), ST_OK);
    assert_memory_equal(plan.items, fresh.items, plan.n * sizeof(plan.items[0]));
}

static void
test_replan_refuses_bad_links(void **state)
{
    (void)state;
    struct course_plan plan, before;
    struct course_plan_booking b[COURSE_MAX_ITEMS];
    struct date start = day("2026-12-01");

    hair_plan(&plan, b);
    before = plan;
    plan.items[2].seq = 2; /* twice */
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, NULL), ST_INVALID);
    plan = before;
    plan.items[1].anchor_seq = 2; /* itself */
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, NULL), ST_INVALID);
    plan = before;
    plan.items[1].anchor_seq = 5; /* a later item */
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, NULL), ST_INVALID);
    plan = before;
    plan.items[5].seq = 9; /* item 7 counts from seq 6, which nobody has now */
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, NULL), ST_INVALID);
    plan = before;
    plan.items[0].seq = 0;
    assert_int_equal(course_plan_replan(plan.items, plan.n, &start, b, NULL), ST_INVALID);

    /* A date beyond year 9999 leaves the items as they were. */
    plan = before;
    struct date far = day("9999-06-01");
    assert_int_equal(course_plan_replan(plan.items, plan.n, &far, b, NULL), ST_INVALID);
    assert_memory_equal(plan.items, before.items, plan.n * sizeof(plan.items[0]));
    struct course_protocol p = hair_protocol();
    struct course_plan out;
    assert_int_equal(course_plan_layout(&p, &far, &out), ST_INVALID);
    assert_int_equal(out.n, 0);
}

static void
test_quote(void **state)
{
    (void)state;
    struct course_plan plan;
    struct course_plan_booking b[COURSE_MAX_ITEMS];
    enum course_item_kind kinds[COURSE_MAX_ITEMS];
    int64_t prices[COURSE_MAX_ITEMS];
    struct course_quote q;

    hair_plan(&plan, b);
    for (size_t i = 0; i < plan.n; i++) {
        kinds[i] = plan.items[i].kind;
        prices[i] = plan.items[i].price_minor;
    }
    /* 3 × 1500.00 + 2 × 1500.00 + 2 × 300.00 = 8100.00; a package takes 10 % off. */
    assert_int_equal(course_plan_quote(kinds, prices, plan.n, true, 1000, &q), ST_OK);
    assert_int_equal(q.nlines, 3);
    assert_int_equal(q.lines[0].kind, COURSE_ITEM_SESSION);
    assert_int_equal(q.lines[0].quantity, 3);
    assert_int_equal(q.lines[0].total_minor, 450000);
    assert_int_equal(q.lines[1].kind, COURSE_ITEM_MAINTENANCE);
    assert_int_equal(q.lines[1].quantity, 2);
    assert_int_equal(q.lines[2].kind, COURSE_ITEM_FOLLOW_UP);
    assert_int_equal(q.lines[2].unit_minor, 30000);
    assert_int_equal(q.subtotal_minor, 810000);
    assert_int_equal(q.discount_hundredths, 1000);
    assert_int_equal(q.discount_minor, 81000);
    assert_int_equal(q.total_minor, 729000);
    /* Not a package: no discount. */
    assert_int_equal(course_plan_quote(kinds, prices, plan.n, false, 1000, &q), ST_OK);
    assert_int_equal(q.discount_hundredths, 0);
    assert_int_equal(q.discount_minor, 0);
    assert_int_equal(q.total_minor, 810000);
    /* Two prices for one kind, a negative price, a discount above 100 %. */
    prices[1] = 1;
    assert_int_equal(course_plan_quote(kinds, prices, plan.n, true, 1000, &q), ST_INVALID);
    prices[1] = prices[0];
    prices[3] = -1;
    assert_int_equal(course_plan_quote(kinds, prices, plan.n, true, 1000, &q), ST_INVALID);
    prices[3] = 30000;
    assert_int_equal(course_plan_quote(kinds, prices, plan.n, true, 10001, &q), ST_INVALID);
    /* Only the kinds present have a line. */
    assert_int_equal(course_plan_quote(kinds, prices, 3, true, 0, &q), ST_OK);
    assert_int_equal(q.nlines, 1);
    assert_int_equal(q.total_minor, 450000);
}

/* Half a minor unit rounds up; less than half rounds down. */
static void
test_discount_rounding(void **state)
{
    (void)state;
    static const struct {
        int64_t subtotal;
        int hundredths;
        int64_t discount;
    } cases[] = {
        {810000, 1000, 81000}, /* 10 % */
        {12345, 1250, 1543},   /* 1543.125 */
        {4, 1250, 1},          /* 0.5 */
        {3, 5000, 2},          /* 1.5 */
        {1, 5000, 1},          /* 0.5 */
        {1000, 5, 1},          /* 0.5 */
        {999, 5, 0},           /* 0.4995 */
        {10001, 5, 5},         /* 5.0005 */
        {12345, 1, 1},         /* 1.2345 */
        {100, 10000, 100},     /* everything */
        {100, 0, 0},           {0, 1000, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (course_plan_discount(cases[i].subtotal, cases[i].hundredths) != cases[i].discount)
            fail_msg("%lld at %d hundredths: %lld, wanted %lld", (long long)cases[i].subtotal,
                     cases[i].hundredths,
                     (long long)course_plan_discount(cases[i].subtotal, cases[i].hundredths),
                     (long long)cases[i].discount);
}

static void
test_labels_and_json(void **state)
{
    (void)state;
    struct course_protocol p = hair_protocol();
    json_t *l = course_plan_item_label(&p, COURSE_ITEM_SESSION, "", 2, 3);
    assert_string_equal(json_string_value(json_object_get(l, "en")), "Session 2 of 3");
    assert_string_equal(json_string_value(json_object_get(l, "ar")), "الجلسة 2 من 3");
    json_decref(l);
    l = course_plan_item_label(&p, COURSE_ITEM_MAINTENANCE, "", 1, 2);
    assert_string_equal(json_string_value(json_object_get(l, "en")), "Maintenance session 1 of 2");
    json_decref(l);
    l = course_plan_item_label(&p, COURSE_ITEM_FOLLOW_UP, "assessment_6m", 2, 2);
    assert_string_equal(json_string_value(json_object_get(l, "ar")), "تقييم الشهر السادس");
    json_decref(l);
    l = course_plan_item_label(&p, COURSE_ITEM_FOLLOW_UP, "gone", 1, 1);
    assert_string_equal(json_string_value(json_object_get(l, "en")), "gone");
    json_decref(l);

    json_t *pct = course_plan_percent_json(1250);
    assert_true(json_is_real(pct) && json_real_value(pct) == 12.5);
    json_decref(pct);
    pct = course_plan_percent_json(1000);
    assert_true(json_is_integer(pct) && json_integer_value(pct) == 10);
    json_decref(pct);

    struct course_plan plan;
    struct date start = day("2026-12-01");
    assert_int_equal(course_plan_layout(&p, &start, &plan), ST_OK);
    json_t *j = course_plan_json(&p, &plan, &start, true);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "start_date")), "2026-12-01");
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 7);
    json_t *first = json_array_get(items, 0), *fr = json_array_get(items, 3);
    assert_true(json_is_null(json_object_get(first, "anchor_seq")));
    assert_true(json_is_null(json_object_get(first, "milestone")));
    assert_string_equal(json_string_value(json_object_get(first, "latest_date")), "2026-12-15");
    assert_string_equal(json_string_value(json_object_get(fr, "milestone")), "first_results");
    assert_int_equal(json_integer_value(json_object_get(fr, "anchor_seq")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(fr, "label"), "en")),
                        "First results");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(items, 6), "label"), "en")),
                        "Maintenance session 2 of 2");
    json_t *q = json_object_get(j, "quote");
    assert_int_equal(json_integer_value(json_object_get(q, "total_minor")), 729000);
    assert_int_equal(json_integer_value(json_object_get(q, "discount_percent")), 10);
    assert_int_equal(json_array_size(json_object_get(q, "lines")), 3);
    json_decref(j);

    enum course_item_kind k;
    assert_int_equal(course_item_kind_parse("follow_up", &k), ST_OK);
    assert_int_equal(k, COURSE_ITEM_FOLLOW_UP);
    assert_int_equal(course_item_kind_parse("visit", &k), ST_INVALID);
    assert_string_equal(course_item_kind_name(COURSE_ITEM_MAINTENANCE), "maintenance");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prp_hair_layout),
        cmocka_unit_test(test_month_ends),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_last_session_anchor),
        cmocka_unit_test(test_replan_late_session),
        cmocka_unit_test(test_replan_early_session),
        cmocka_unit_test(test_replan_any_order),
        cmocka_unit_test(test_replan_refuses_bad_links),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_discount_rounding),
        cmocka_unit_test(test_labels_and_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
