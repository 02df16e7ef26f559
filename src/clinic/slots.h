/* The slot finder: the first free starts for an appointment in a window of local days, each
 * with a room of the kind, a clinician at work, a centrifuge for the preparation and the
 * patient free, on the clinic's slot grid in local time. */
#ifndef AUTOLOGA_CLINIC_SLOTS_H
#define AUTOLOGA_CLINIC_SLOTS_H

#include <stdint.h>

#include "core/date.h"
#include "store/db.h"

#define SLOTS_MAX 50
/* The longest window one search sweeps: a quarter of a year. */
#define SLOTS_MAX_DAYS 92

struct slots_query {
    struct date from; /* first local day */
    struct date to;   /* last local day (inclusive) */
    int duration_minutes;
    int prep_minutes;      /* centrifuge time at the start; 0 needs no centrifuge */
    const char *room_kind; /* "treatment", "procedure", "consultation" */
    int64_t clinician_id;  /* 0: any active clinician */
    int64_t patient_id;    /* 0: no patient to keep free */
    int64_t not_before_ms; /* no start earlier than this (now) */
    int slot_minutes;      /* the grid, minutes after local midnight */
    int limit;             /* 1..SLOTS_MAX */
};

struct slots_slot {
    int64_t start_ms;
    int64_t end_ms;
    int64_t room_id;
    int64_t clinician_id;
    int64_t centrifuge_id; /* 0 when prep_minutes is 0 */
};

/* Finds the first q->limit free starts, earliest first, into out[0..*n) (out holds q->limit).
 * Inside the caller's transaction: the calendar (hours, closures, rooms, clinicians and their
 * hours, centrifuges) is read once, and the holds of each day once, when the sweep reaches it.
 * A start is offered when, in the clinic's local time:
 * - the day is not inside a closure and the whole appointment lies inside one interval of the
 *   day's opening hours, and inside one of a clinician's working intervals;
 * - a room of the kind, the clinician, and the patient are free for the whole appointment, and
 *   a centrifuge for its first prep_minutes;
 * - the start is on the grid and exists that day (the hour skipped when clocks go forward is
 *   not), and is not before not_before_ms.
 * Among free resources the one with the lowest id is named. Inactive rooms, clinicians (and
 * those whose user is disabled) and centrifuges are never offered. Returns a store status. */
int slots_find(struct db *db, const struct slots_query *q, struct slots_slot *out,
               int *n) WARN_UNUSED;

/* The UTC instant of local `minute` (0..1440) of day `d` for use as the bound of an interval:
 * a minute in the hour skipped when clocks go forward is the first instant after the gap, where
 * the local interval really begins or ends. ST_INVALID only when the zone skips far more. */
int slots_local_bound(const struct date *d, int minute, int64_t *out_ms) WARN_UNUSED;

#endif
