/* libFuzzer target for src/clinic/course_protocols.c and course_plan.c: arbitrary bytes as a
 * course protocol file; whatever loads is laid out from a month's end, replanned with every
 * other item booked late, priced and turned into JSON, and the plan's promises are checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/course_plan.h"
#include "clinic/course_protocols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, so that libFuzzer keeps the input. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void
check_plan(const struct course_plan_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct course_plan_item *it = &items[i];
        CHECK(it->anchor_seq >= 0 && it->anchor_seq < it->seq);
        CHECK(date_compare(&it->earliest, &it->target) <= 0);
        CHECK(date_compare(&it->target, &it->latest) <= 0);
    }
}

static void
plan_all(const struct course_protocol *p)
{
    struct course_plan plan;
    struct course_plan_booking booked[COURSE_MAX_ITEMS];
    bool outside[COURSE_MAX_ITEMS];
    enum course_item_kind kinds[COURSE_MAX_ITEMS];
    int64_t prices[COURSE_MAX_ITEMS];
    struct course_quote q;
    struct date start = {2028, 1, 31};

    if (course_plan_layout(p, &start, &plan) != ST_OK)
        return;
    size_t want = (size_t)p->session_count + p->nfollow_ups +
                  (p->has_maintenance ? (size_t)p->maintenance_count : 0);
    CHECK(plan.n == want);
    check_plan(plan.items, plan.n);
    for (size_t i = 1; i < plan.n; i++)
        CHECK(date_compare(&plan.items[i - 1].target, &plan.items[i].target) <= 0);
    for (size_t i = 0; i < plan.n; i++) {
        booked[i].booked = i % 2 == 0;
        date_add_days(&plan.items[i].latest, 3, &booked[i].day);
        kinds[i] = plan.items[i].kind;
        prices[i] = plan.items[i].price_minor;
    }
    if (course_plan_replan(plan.items, plan.n, &start, booked, outside) == ST_OK)
        check_plan(plan.items, plan.n);
    CHECK(course_plan_quote(kinds, prices, plan.n, true, p->discount_hundredths, &q) == ST_OK);
    CHECK(q.discount_minor >= 0 && q.discount_minor <= q.subtotal_minor);
    CHECK(q.total_minor == q.subtotal_minor - q.discount_minor);
    json_t *j = course_plan_json(p, &plan, &start, true);
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct course_protocol *p = (struct course_protocol *)&p;
    struct fail f;

    int st = course_protocol_parse("fuzz.json", (const char *)data, size, &p, &f);
    if (st != ST_OK) {
        CHECK(p == NULL);
        CHECK(st == ST_INVALID || st == ST_TOO_BIG || st == ST_NOMEM);
        CHECK(f.status == st && f.code[0] != '\0' && f.message[0] != '\0');
        CHECK(strncmp(f.message, "fuzz.json: ", 11) == 0);
        return 0;
    }
    CHECK(p->session_count >= 1 && p->text_len == size);
    plan_all(p);
    course_protocol_free(p);
    return 0;
}
