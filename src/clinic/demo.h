/* The invented demo clinic: staff of every role, rooms and generated patients with names in
 * English and Arabic. All of it is clearly fake (example.invalid e-mail addresses). */
#ifndef AUTOLOGA_CLINIC_DEMO_H
#define AUTOLOGA_CLINIC_DEMO_H

#include <stdint.h>
#include "clinic/protocols.h"
#include "store/db.h"

#define DEMO_PASSWORD "autologa-demo"
#define DEMO_DEFAULT_PATIENTS 240

/* The demo users, for printing the logins: NULL-terminated arrays of username and role. */
extern const char *const demo_usernames[];
extern const char *const demo_user_roles[];

/* Fills a freshly migrated, empty database. Patients are inserted in large transactions so
 * that a million take well under two minutes; `progress` (may be NULL) is called after each. */
int demo_create(struct db *db, int64_t patients, void (*progress)(int64_t done, int64_t total),
                struct fail *f) WARN_UNUSED;

/* Number of demo patients that demo_clinical gives clinical records. */
#define DEMO_CLINICAL_PATIENTS 3

/* Gives the first DEMO_CLINICAL_PATIENTS patients of a demo clinic (made by demo_create) a
 * medical history, an assessment and lab results that show each side of screening: one whose
 * recent naproxen defers a session tomorrow, one eligible for PRP of the face, one without lab
 * results (incomplete). Written as the demo doctor through the same functions as the API, with
 * times relative to `now_ms` so the demo stays current. ST_NOT_FOUND when there are not enough
 * patients or no demo doctor. */
int demo_clinical(struct db *db, const struct protocols *p, int64_t now_ms,
                  struct fail *f) WARN_UNUSED;

/* Number of demo patients demo_calendar books appointments for. */
#define DEMO_CALENDAR_PATIENTS 4

/* Gives a demo clinic (made by demo_create, with at least 4 patients) its calendar, written
 * through the same functions as the API in the clinic's time zone (set by the caller): opening
 * hours Saturday to Thursday 09:00-18:00 with Friday closed, the demo doctor and nurse as
 * clinicians with working hours, two centrifuges, a public holiday three weeks after `now_ms`,
 * and a few appointments of the first patients in the next open days; the second patient
 * (eligible for PRP of the face) is screened, prescribed a prp-face course from today and booked
 * for its first session at the calendar's next free slot (today, or the next open day when today
 * is closed or its hours are over), so that a session is there to take through the chair flow,
 * and the reminders and the course show too. Both centrifuges have a rotor type and radius. */
int demo_calendar(struct db *db, const struct protocols *p, int64_t now_ms,
                  struct fail *f) WARN_UNUSED;

/* The demo patient whose results demo_outcomes records (the fifth). */
#define DEMO_OUTCOMES_PATIENTS 5

/* Gives the fifth patient of a demo clinic with its calendar (demo_calendar) results to show: a
 * prp-hair course that started seven calendar months before `now_ms` in the clinic's time zone,
 * its items up to today done with their appointments (written through the store in one
 * transaction, as a migration of old records would be: the calendar books only what is to come;
 * audited as course.import), measurement sets at the start, about 3 and about 6 months
 * (density, count, diameter, anagen %, the Norwood or Ludwig grade, the global photographic
 * assessment, satisfaction) recorded by the demo nurse, and synthetic photographs of the top and
 * the crown at the start and at 6 months, drawn with cairo and marked DEMO, uploaded through
 * photo_create. Every number is invented. */
int demo_outcomes(struct db *db, const struct protocols *p, int64_t now_ms,
                  struct fail *f) WARN_UNUSED;

#endif
