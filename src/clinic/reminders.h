/* Reminders: the messages an appointment sends its patient through the outbox (the appointment
 * in two days, pre-session instructions from the screening rules and the course's protocol,
 * aftercare check-ins on day 1 and day 7), in the patient's language, and the appointment's
 * .ics file. Composing is pure (reminders_compose: facts in, texts out); the sync reads the
 * facts and writes what it composes (docs/reminders.md). */
#ifndef AUTOLOGA_CLINIC_REMINDERS_H
#define AUTOLOGA_CLINIC_REMINDERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/drugs.h"
#include "clinic/protocols.h"
#include "clinic/screening_rules.h"
#include "store/db.h"

#define REMINDERS_HOUR_MS INT64_C(3600000)
#define REMINDERS_DAY_MS (24 * REMINDERS_HOUR_MS)
/* The reminder and the instructions are due this long before the start. */
#define REMINDERS_BEFORE_MS (2 * REMINDERS_DAY_MS)
/* The check-ins are due this long after the end of a session that was done. */
#define REMINDERS_DAY1_MS REMINDERS_DAY_MS
#define REMINDERS_DAY7_MS (7 * REMINDERS_DAY_MS)
/* Example drugs named for a medication class in the instructions. */
#define REMINDERS_MAX_EXAMPLES 3
#define REMINDERS_CLINIC_NAME_MAX 120

enum reminders_kind {
    REMINDERS_REMINDER,
    REMINDERS_INSTRUCTIONS,
    REMINDERS_AFTERCARE_DAY1,
    REMINDERS_AFTERCARE_DAY7,
    REMINDERS_NKINDS
};
/* The outbox's word for a kind: "reminder", "instructions", "aftercare_day1", "aftercare_day7". */
const char *reminders_kind_name(enum reminders_kind k);

/* The clinic's name as messages and .ics files give it (NULL or "": they say "the clinic").
 * Set once at start-up, before any thread starts; longer names are cut. */
void reminders_set_clinic_name(const char *name);
/* The name set last; NULL when none. */
const char *reminders_clinic_name(void);

/* Everything a message says is made from these. Strings are borrowed; NULL or "" is none. */
struct reminders_facts {
    int64_t appointment_id;
    const char *kind;   /* "session", "follow_up", "consultation" */
    const char *status; /* "booked", ..., "done", "cancelled", "no_show" */
    int64_t start_ms;
    int64_t end_ms;
    int64_t version;
    int64_t now_ms;       /* an appointment that has begun needs no reminder */
    const char *language; /* the patient's preferred language: "en" or "ar" */
    const char *given_name;
    const char *phone; /* an SMS when there is one, else an e-mail, else nothing */
    const char *email;
    bool patient_deleted;
    const char *clinic_name;
    const char *room_name;
    const char *treatment;  /* a treatments code of the screening rules; NULL: not known */
    const json_t *protocol; /* the course's protocol document; NULL without a course */
    const struct screening_rules *rules;
    const struct drugs *drugs; /* NULL: the instructions name no example drugs */
};

struct reminders_message {
    bool wanted;
    int64_t due_ms;
    const char *channel;   /* "sms" or "email" */
    const char *recipient; /* borrowed from the facts */
    const char *language;  /* "en" or "ar" */
    char *subject;         /* e-mail only; owned */
    char *body;            /* owned */
};

struct reminders_plan {
    struct reminders_message m[REMINDERS_NKINDS];
};

/* The messages the facts call for, indexed by kind, each with its due time (whether it is in
 * the past is for the caller to judge):
 * - a booked appointment that has not begun: the reminder, due REMINDERS_BEFORE_MS before the
 *   start, and for a session the instructions, due with it, when the rules or the protocol
 *   give any;
 * - a session that is done: the check-ins, due REMINDERS_DAY1_MS and REMINDERS_DAY7_MS after
 *   its end, with the protocol's aftercare items (day 1) and side effects to report (day 7);
 * - nothing for a deleted patient or one without a phone number or e-mail address.
 * ST_NOMEM or ST_TOO_BIG; on failure `out` holds nothing. */
int reminders_compose(const struct reminders_facts *fa, struct reminders_plan *out) WARN_UNUSED;
/* Frees the texts and zeroes the plan. Accepts NULL. */
void reminders_plan_release(struct reminders_plan *p);

/* The appointment's iCalendar object in `lang` ("en" or "ar"): UID appointment-<id>@autologa,
 * DTSTAMP dtstamp_ms, DTSTART/DTEND in UTC, SEQUENCE the version - 1, SUMMARY, LOCATION (the
 * clinic and the room) and DESCRIPTION (when, and a session's instructions). *out is the
 * caller's to free(). */
int reminders_ics(const struct reminders_facts *fa, const char *lang, int64_t dtstamp_ms,
                  char **out) WARN_UNUSED;

/* (Re)writes the outbox messages of appointment `appointment_id` inside the caller's write
 * transaction, after every booking, move and status change: a pending message is rewritten to
 * what the facts now call for (a move re-times it), or cancelled when they no longer call for
 * it (a cancellation, a no-show, a move too close to the start); a message called for that has
 * none pending is written unless it is due at or before `now_ms`, or the same message (kind and
 * due time) was sent or failed already. ST_NOT_FOUND ("not_found") when there is no such
 * appointment; store failures as db_fail gives them. */
int reminders_sync_appointment(struct db *db, const struct protocols *p, int64_t appointment_id,
                               int64_t now_ms, struct fail *f) WARN_UNUSED;

/* The .ics file of appointment `id`, read in its own read transaction and audited as the read
 * appointment.ics (entity appointment): in `lang` ("en" or "ar"; NULL or "" for the patient's
 * language). *out is the caller's to free(). ST_INVALID ("invalid_query" on "lang") for
 * another language, ST_NOT_FOUND for a missing appointment or a deleted patient. */
int reminders_appointment_ics(struct db *db, const struct protocols *p, const struct actor *a,
                              int64_t id, const char *lang, char **out, struct fail *f) WARN_UNUSED;

#endif
