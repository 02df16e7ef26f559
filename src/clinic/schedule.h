/* The clinic's calendar: opening hours and closures, rooms, clinicians with their working
 * hours, centrifuges, and appointments (booked, moved, checked in, done, cancelled), with the
 * slot search and the day and week views (docs/api.md, "Calendar" and "Appointments").
 *
 * Every function that takes a body reads it strictly (unknown fields refused, each failure
 * naming its field), runs in one transaction of its own with its audit event, and gives a new
 * JSON reference in *out to the caller, who json_decref()s it. Times are UTC instants; days and
 * hours are local to the clinic's time zone (core/clinic_tz.h). */
#ifndef AUTOLOGA_CLINIC_SCHEDULE_H
#define AUTOLOGA_CLINIC_SCHEDULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/clinic_settings.h"
#include "clinic/protocols.h"
#include "store/db.h"

/* A reason that overrides a rule must say something: a word or two is not a reason. */
#define SCHEDULE_REASON_MIN 10
#define SCHEDULE_TEXT_MAX 2000
#define SCHEDULE_NAME_MAX 100
#define SCHEDULE_DURATION_MAX 720
#define SCHEDULE_SLOTS_DEFAULT 5
/* An appointment may be entered at most this long after it began (a walk-in booked late). */
#define SCHEDULE_PAST_MS INT64_C(86400000)

/* ---- clinic resources ---- */

/* {"opening_hours":[{"weekday","open","close"}],"closures":[{"id","first_date","last_date",
 * "reason"}]}: the week by weekday and opening time, every closure by its first day. */
int schedule_hours_get(struct db *db, json_t **out, struct fail *f) WARN_UNUSED;
/* Replaces the week with body {"opening_hours":[...]} (a weekday may have several intervals
 * that do not overlap; a weekday without any is closed); *out as schedule_hours_get. */
int schedule_hours_put(struct db *db, const struct actor *a, json_t *body, json_t **out,
                       struct fail *f) WARN_UNUSED;
/* Adds a closure from body {"first_date","last_date","reason"}: *out is {"closure",
 * "affected_appointments":[appointment...]}, the appointments still counting on those days. */
int schedule_closure_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                            struct fail *f) WARN_UNUSED;
int schedule_closure_delete(struct db *db, const struct actor *a, int64_t id,
                            struct fail *f) WARN_UNUSED;

/* {"rooms":[{"id","name","kind","active"}]} by name. */
int schedule_rooms_list(struct db *db, json_t **out, struct fail *f) WARN_UNUSED;
/* body {"name","kind"}; a taken name is ST_CONFLICT "conflict". */
int schedule_room_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                         struct fail *f) WARN_UNUSED;
/* body {"name"?,"kind"?,"active"?}. */
int schedule_room_update(struct db *db, const struct actor *a, int64_t id, json_t *body,
                         json_t **out, struct fail *f) WARN_UNUSED;

/* {"centrifuges":[{"id","name","model","rotor_radius_mm","rotor_type","active"}]} by name;
 * rotor_type "fixed_angle", "swing_out" or null (not recorded). */
int schedule_centrifuges_list(struct db *db, json_t **out, struct fail *f) WARN_UNUSED;
/* body {"name","model"?,"rotor_radius_mm"?,"rotor_type"?}. */
int schedule_centrifuge_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                               struct fail *f) WARN_UNUSED;
/* body {"name"?,"model"?,"rotor_radius_mm"?,"rotor_type"?,"active"?}; null clears model, radius
 * and rotor type. */
int schedule_centrifuge_update(struct db *db, const struct actor *a, int64_t id, json_t *body,
                               json_t **out, struct fail *f) WARN_UNUSED;

/* {"clinicians":[{"id","user":{"id","username","display_name","roles"},"active","hours":
 * [{"weekday","start","end"}]}]} by display name. */
int schedule_clinicians_list(struct db *db, json_t **out, struct fail *f) WARN_UNUSED;
/* body {"user_id","hours":[...]}: the user must be a doctor or a nurse. */
int schedule_clinician_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                              struct fail *f) WARN_UNUSED;
/* body {"hours"?,"active"?}: hours replace the clinician's whole week. */
int schedule_clinician_update(struct db *db, const struct actor *a, int64_t id, json_t *body,
                              json_t **out, struct fail *f) WARN_UNUSED;

/* ---- finding slots ---- */

/* The query of a slot search as it arrived (NULL or "" for an absent value): either from, to,
 * duration, prep, room_kind and patient, or course_item instead of them; clinician and limit
 * with both. Each bad value is ST_INVALID "invalid_query" naming it. */
struct schedule_slot_params {
    const char *from, *to, *duration, *prep, *room_kind, *clinician, *patient, *limit;
    const char *course_item;
};
/* {"slots":[{"start","end","local_start","local_end","room":{"id","name"},"clinician":{"id",
 * "display_name"},"centrifuge":{"id","name"}|null}]}: the first free starts (clinic/slots.h),
 * none earlier than now. With course_item: the item's window (from today on), needs and
 * patient. */
int schedule_slots(struct db *db, const struct clinic_settings *cs,
                   const struct schedule_slot_params *p, json_t **out, struct fail *f) WARN_UNUSED;

/* ---- appointments ---- */

/* An appointment as the API shows it (docs/api.md); NULL when out of memory. */
json_t *schedule_appointment_json(const struct db_appointment *a);

/* Books body {"patient_id","kind","course_item_id"?,"start","duration_minutes",
 * "prep_minutes","room_id","clinician_id","centrifuge_id"?,"notes"?,"override_reason"?}: the
 * appointment and its holds (room and clinician for the whole appointment, the centrifuge for
 * the first prep minutes, the patient for the whole appointment) and, for a course item, the
 * item's status "booked", in one transaction audited as appointment.book. Refusals:
 * ST_CONFLICT "slot_taken" naming room_id, clinician_id, centrifuge_id or patient_id (checked
 * first, so the answer says which; the schema's trigger decides under concurrency),
 * "outside_hours" on start (closed, a closure) or clinician_id (not working then),
 * "outside_window" on start (a course item's local day outside its window, unless
 * override_reason), "invalid_transition" on course_item_id (an item that is not open to
 * booking); ST_INVALID for bad input. A course item's booking also counts the windows of the
 * course's later items again from its day and starts a planned course; every change also
 * rewrites the appointment's messages (reminders_sync_appointment). *out is the appointment. */
int schedule_book(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
                  const struct actor *a, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* One appointment; audited as appointment.read on the patient. */
int schedule_appointment_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                              struct fail *f) WARN_UNUSED;
/* {"appointments":[...]} of a patient, cancelled ones included, by start; audited as
 * appointment.list on the patient. */
int schedule_patient_appointments(struct db *db, const struct actor *a, int64_t patient_id,
                                  json_t **out, struct fail *f) WARN_UNUSED;

/* Moves a booked or checked-in appointment with body {"start","room_id"?,"clinician_id"?,
 * "centrifuge_id"?,"version","preview"?,"override_reason"?} (resources not given stay): the
 * same checks as booking, its own holds aside; ST_CONFLICT "stale_version" on a wrong version.
 * *out is {"appointment":{...as it is, or would be},"course_effects":null or, for a course
 * item, course_replan's effects: every item's window counted again from the new day, and which
 * booked ones would fall outside theirs}. With preview nothing is written or audited; otherwise
 * audited as appointment.move. */
int schedule_move(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
                  const struct actor *a, int64_t id, json_t *body, json_t **out,
                  struct fail *f) WARN_UNUSED;

/* Changes the status with body {"status","reason"?,"version"}: booked → checked_in →
 * in_progress → done, and booked or checked_in → cancelled (reason required) or no_show;
 * anything else is ST_CONFLICT "invalid_transition", and so is a change of an appointment in
 * progress whose procedure was started (it ends with the procedure: clinic/procedure.h).
 * Cancelled and no-show free the holds; a course item goes back to planned (cancelled), becomes
 * missed (no-show) or done. Audited as appointment.status. *out is the appointment. */
int schedule_set_status(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                        json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* Inside the caller's write transaction (a procedure started, completed or abandoned): gives
 * appointment `id` the status `status` with `reason` (may be NULL) if the transitions above, and
 * in_progress → cancelled besides, allow it (else ST_CONFLICT "invalid_transition" on
 * "appointment"), with everything schedule_set_status does after: holds, the course item, the
 * course's windows and the appointment's messages. Audited as appointment.status. */
int schedule_status_in_tx(struct db *db, const struct protocols *p, const struct actor *a,
                          int64_t id, const char *status, const char *reason,
                          struct fail *f) WARN_UNUSED;

/* Inside the caller's write transaction (a course being cancelled): cancels the booked and
 * checked-in appointments of the course's items that start at or after now_ms, with `reason`,
 * frees their holds, cancels their items and pending messages, and audits each as
 * appointment.status. *cancelled (may be NULL) counts them. */
int schedule_cancel_course(struct db *db, const struct protocols *p, const struct actor *a,
                           int64_t course_id, const char *reason, int64_t now_ms, int *cancelled,
                           struct fail *f) WARN_UNUSED;
/* schedule_cancel_course from now, in the shape course_set_status calls when a course is
 * completed or cancelled (`protocols` is the struct protocols the messages are written with). */
int schedule_end_course(const void *protocols, struct db *db, const struct actor *a,
                        int64_t course_id, const char *reason, struct fail *f) WARN_UNUSED;

/* ---- views ---- */

/* The query of a day or week view as it arrived: `date` (the day, or the week's first day),
 * `by` "room" (default) or "clinician", `cancelled` "1" to show cancelled appointments. */
struct schedule_view_params {
    const char *date, *by, *cancelled;
};
/* {"date","time_zone","open","close","closure","columns":[{"id","name"}],"appointments"}:
 * open and close the day's first opening and last closing time (null when closed), closure
 * the one covering the day or null, columns the active rooms or clinicians (and any inactive
 * one that has an appointment that day). Audited as schedule.day. */
int schedule_day(struct db *db, const struct actor *a, const struct schedule_view_params *p,
                 json_t **out, struct fail *f) WARN_UNUSED;
/* {"days":[day ×7]} from p->date. Audited as schedule.week. */
int schedule_week(struct db *db, const struct actor *a, const struct schedule_view_params *p,
                  json_t **out, struct fail *f) WARN_UNUSED;

#endif
