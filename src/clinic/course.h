/* Treatment courses: a doctor prescribes a course protocol to a patient who has a screening
 * signed to proceed; the course keeps the protocol as prescribed, its items laid out with their
 * windows, its status and its price (docs/api.md, "Courses"). Every call runs in one
 * transaction with its audit event, except course_replan, which works inside the caller's.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_COURSE_H
#define AUTOLOGA_CLINIC_COURSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "core/date.h"
#include "store/db.h"

#define COURSE_NOTES_MAX 4000
#define COURSE_REASON_MAX 1000
/* A course may start at most this many days after today (the clinic's today). */
#define COURSE_START_MAX_DAYS 365
/* A quote is valid for this many calendar months from the day it is issued. */
#define COURSE_QUOTE_VALID_MONTHS 1

/* Prescribes body {"protocol","start_date","package","notes"?} to patient `patient_id`:
 * allowed only when the patient's newest signed screening for the protocol's
 * screening_treatment is signed "proceed" (a proceed against a result that is not eligible is
 * the recorded override); otherwise ST_CONFLICT "screening_required" (none is signed) or
 * "screening_not_proceed". start_date is a day from the clinic's today to
 * COURSE_START_MAX_DAYS after it. Stores the course (status "planned", the protocol file's
 * bytes and hash, the screening relied on, the package discount) and its items, audited as
 * course.create; *out is the course as course_read gives it. */
int course_prescribe(struct db *db, const struct protocols *p, const struct actor *a,
                     int64_t patient_id, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* One course with its items and quote (audited as course.read). ST_NOT_FOUND when there is no
 * such course or its patient is deleted. */
int course_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                struct fail *f) WARN_UNUSED;

/* {"courses":[course without "items"]}, newest first (audited as course.list of the patient). */
int course_list(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                struct fail *f) WARN_UNUSED;

/* Changes the status with body {"status","reason","version"?}: planned → active, on_hold or
 * cancelled; active → on_hold, completed or cancelled; on_hold → active, completed or
 * cancelled; completed and cancelled are final (ST_CONFLICT "invalid_transition"). A reason is
 * required except to make the course active. A "version" that is not the course's is
 * ST_CONFLICT "stale_version". Completing or cancelling cancels the items still planned or
 * missed (booked ones follow their appointments). Audited as course.status; *out is the course. */
/* What ends with a course, called inside course_set_status's transaction when the course is
 * completed or cancelled (the calendar cancels its future appointments: schedule_end_course);
 * `ctx` is passed through. */
typedef int (*course_end_fn)(const void *ctx, struct db *db, const struct actor *a,
                             int64_t course_id, const char *reason, struct fail *f);

int course_set_status(struct db *db, const struct actor *a, int64_t id, json_t *body,
                      course_end_fn on_end, const void *ctx, json_t **out,
                      struct fail *f) WARN_UNUSED;

/* Inside the caller's write transaction (a session being booked): makes a planned course
 * active, audited as course.status; a course in any other status is left as it is. */
int course_start(struct db *db, const struct actor *a, int64_t id, struct fail *f) WARN_UNUSED;

/* The quote of a course (audited as course.quote):
 * {"course_id","patient":{"mrn","name":{"en","ar"}},"protocol_label":{"en","ar"},"currency",
 *  "lines":[{"label":{"en","ar"},"quantity","unit_minor","total_minor"}],"subtotal_minor",
 *  "discount_percent","discount_minor","total_minor","issued","valid_until"}; issued is the
 * clinic's today, valid for COURSE_QUOTE_VALID_MONTHS. A name in a script the patient has no
 * name in is null. */
int course_quote(struct db *db, const struct actor *a, int64_t id, json_t **out,
                 struct fail *f) WARN_UNUSED;

/* An item of a course booked, or about to be booked, on another day. */
struct course_replan_change {
    int64_t item_id;
    struct date local_day; /* the clinic's local day of the new appointment */
    int64_t start_ms;      /* its start (UTC), or 0 when only the day is known */
};

/* Recomputes the target, earliest and latest dates of every item of course `course_id` from
 * its anchor: the local day of the anchor's live appointment when it has one, else the anchor's
 * recomputed target (the course's start date for the first session), with `change` (may be
 * NULL) standing for the changed item's appointment. Runs inside the caller's transaction (the
 * schedule's booking, move or status change) and begins none; with `write` the new dates are
 * stored, without it nothing is. *effects:
 * {"items":[{"id","seq","target_date","earliest_date","latest_date",
 *            "appointment_local": "YYYY-MM-DDTHH:MM" or null,"outside_window"}]}
 * in seq order, outside_window true for an item whose appointment (or the change) falls outside
 * its new window. ST_NOT_FOUND when there is no such course or the change names an item of
 * another course; ST_DB when the stored items do not link up. Not audited: the caller's
 * operation is. */
int course_replan(struct db *db, int64_t course_id, const struct course_replan_change *change,
                  bool write, json_t **effects, struct fail *f) WARN_UNUSED;

#endif
