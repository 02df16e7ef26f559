/* A patient's results over time (docs/outcomes.md): each measure's values against the course's
 * sessions, the protocol's milestones and the range the literature expects, and the outcome
 * report printed from the same data. The anchor and window rules are pure functions here,
 * shared with the cohort report so that both read a course the same way.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_TIMELINE_H
#define AUTOLOGA_CLINIC_TIMELINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "store/db.h"

/* Report settings, not clinical numbers: how far before the anchor a value still counts as the
 * baseline, and how far from anchor + N months a value still counts as "at N months". */
#define TIMELINE_BASELINE_DAYS 90
#define TIMELINE_WINDOW_DAYS 30
/* The most values of one measure a timeline reads (years of monthly visits fit many times). */
#define TIMELINE_MAX_POINTS 2000
/* The most photo views an outcome report shows side by side. */
#define TIMELINE_MAX_PHOTO_PAIRS 12

/* ---- the rules (pure) ---- */

/* One session item of a course, as the anchor rule reads it. */
struct timeline_session {
    char status[16]; /* planned, booked, done, cancelled, missed */
    char date[11];   /* the local day of its appointment when it has one, else its target */
};

enum timeline_anchor_kind {
    TIMELINE_ANCHOR_NONE = 0,
    TIMELINE_ANCHOR_DONE,   /* the earliest done session */
    TIMELINE_ANCHOR_PLANNED /* no session done yet: the first session's booked or target day */
};

/* The course anchor from its loading sessions (in seq order): the earliest date of a session
 * in status done; without one, the date of the first session that is not cancelled (kind
 * PLANNED); without sessions NONE and anchor "". */
enum timeline_anchor_kind timeline_anchor(const struct timeline_session *s, size_t n,
                                          char anchor[11]);

/* One non-voided value of one measure (the caller leaves voided values out). */
struct timeline_value {
    int64_t id; /* the measurement id: breaks ties */
    char date[11];
    double value;
};

/* The index in v[0..n) of the baseline: the latest value dated on or before `anchor` and not
 * more than baseline_days before it (ties on the date: the higher id, the later entry); -1 when
 * none. */
long timeline_baseline(const struct timeline_value *v, size_t n, const char *anchor,
                       int baseline_days);

/* The index of the value at `months` calendar months after `anchor` (31 Jan + 1 month = 28/29
 * Feb): the value dated closest to that day within ± window_days; ties: the earlier date, then
 * the lower id. -1 when none. */
long timeline_value_at(const struct timeline_value *v, size_t n, const char *anchor, int months,
                       int window_days);

/* The calendar months from `anchor` to `date` as a fraction: whole months first, then the days
 * left over a fraction of the month that follows (2026-01-15 to 2026-04-30: 3 + 15/30 = 3.5).
 * Negative before the anchor. ST_INVALID when either is not a date. */
int timeline_months(const char *anchor, const char *date, double *out) WARN_UNUSED;

/* ---- the timeline ---- */

/* The timeline of patient `patient_id` inside the caller's read transaction, without audit:
 * course_id 0 picks the patient's newest course that is not cancelled (none: "course" null).
 * The JSON is docs/api.md "Timeline". ST_NOT_FOUND "not_found" when the patient is missing or
 * deleted, or course_id is not one of the patient's courses. */
int timeline_build_in_tx(struct db *db, const struct protocols *p, int64_t patient_id,
                         int64_t course_id, json_t **out, struct fail *f) WARN_UNUSED;

/* timeline_build_in_tx in its own read transaction, audited as timeline.read of the patient. */
int timeline_read(struct db *db, const struct protocols *p, const struct actor *a,
                  int64_t patient_id, int64_t course_id, json_t **out, struct fail *f) WARN_UNUSED;

/* ---- the outcome report ---- */

/* The first and the latest non-voided photo of one view. */
struct timeline_photo {
    int64_t id;
    char date[11];
    unsigned char *bytes; /* the stored (cleaned) picture */
    size_t n;
};

struct timeline_photo_pair {
    char view[48];
    const char *label_en, *label_ar; /* the view's labels, borrowed from the protocols */
    struct timeline_photo first, latest;
};

/* What the outcome report is printed from, gathered in one read transaction. */
struct timeline_report {
    json_t *timeline; /* as timeline_build_in_tx */
    char lang[3];     /* "en" or "ar" */
    struct timeline_photo_pair pairs[TIMELINE_MAX_PHOTO_PAIRS];
    size_t npairs;
};

/* Gathers the report of patient `patient_id` (course_id as for the timeline) in `lang` (NULL or
 * "": the patient's preferred language; else "en" or "ar", ST_INVALID "invalid_query" on lang):
 * the timeline and, when with_photos, for every view (in measures.json order) with at least two
 * non-voided photos the first and the latest with their bytes. Audited as
 * outcome_report.print of the patient with detail {"course_id","lang","photo_ids":[...]}: the
 * report shows those pictures. *out is zeroed on entry; release it with
 * timeline_report_release. */
int timeline_report_gather(struct db *db, const struct protocols *p, const struct actor *a,
                           int64_t patient_id, int64_t course_id, const char *lang,
                           bool with_photos, struct timeline_report *out,
                           struct fail *f) WARN_UNUSED;
/* Accepts NULL and a zeroed report. */
void timeline_report_release(struct timeline_report *r);

#endif
