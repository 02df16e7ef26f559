/* The cohort report: how each course protocol performs across the clinic's courses — the change
 * in hair density at 3 and 6 months from the course anchor, the share of responders, adverse
 * event rates — with filters, as JSON and as two CSV files (docs/cohort-report.md).
 *
 * Every call reads in one transaction and queues its audit event (no patient: the report is of
 * the clinic). Functions returning json_t give a new reference to the caller (json_decref it);
 * CSV text is the caller's (free()). */
#ifndef AUTOLOGA_CLINIC_COHORT_H
#define AUTOLOGA_CLINIC_COHORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "store/db.h"

/* The report settings: how far before the anchor a baseline may be, and how far from 3 or 6
 * months a value may be to stand for it (days). Defaults and the accepted ranges. */
#define COHORT_BASELINE_DAYS 90
#define COHORT_BASELINE_DAYS_MAX 365
#define COHORT_WINDOW_DAYS 30
#define COHORT_WINDOW_DAYS_MAX 60
/* The responder threshold a query may set (hairs/cm²). */
#define COHORT_THRESHOLD_MAX 1000.0
/* The measure the report follows (measures.json). */
#define COHORT_MEASURE "hair_density"

/* The query as the API and the command line receive it: each value NULL or "" when absent.
 * protocol: a course protocol code; age_band: under_18, 18_29, 30_39, 40_49, 50_59, 60_plus
 * (age at the anchor); sex: female, male, other, unknown; grade: "norwood:III", "ludwig:II",
 * "sinclair:3", "savin:I-2" (the patient's latest hair assessment on or before the anchor);
 * threshold: hairs/cm², 0..COHORT_THRESHOLD_MAX (default the protocol's
 * outcomes.responder.min_gain, none when it has none); baseline_days, window_days: whole days
 * within the ranges above; from, to: local dates YYYY-MM-DD bounding the anchor (both
 * included). */
struct cohort_params {
    const char *protocol;
    const char *age_band;
    const char *sex;
    const char *grade;
    const char *threshold;
    const char *baseline_days;
    const char *window_days;
    const char *from;
    const char *to;
};

/* The report of every protocol of the catalogue (or the one asked for), in catalogue order:
 * {"generated_at","filters":{...},"settings":{"baseline_days","window_days"},
 *  "protocols":[{"protocol","label":{"en","ar"},"courses","patients",
 *    "density":{"m3":{"n","mean","median","sd","ci_low","ci_high"},"m6":{...}},
 *    "responders":{"threshold","m3":{"n","responders","share","ci_low","ci_high"},"m6":{...}},
 *    "adverse":{"procedures","events","serious","patients_treated","patients_with_event",
 *               "per_100_procedures","patient_share"}}]}
 * A bad parameter is ST_INVALID "invalid_query" with f->field the parameter's name. Audited as
 * report.outcomes. */
int cohort_report(struct db *db, const struct protocols *p, const struct actor *a,
                  const struct cohort_params *q, json_t **out, struct fail *f) WARN_UNUSED;

/* The same report as CSV: a header row, then one row per protocol; numbers with a dot, empty
 * cells for what the report gives as null. Audited as report.outcomes_export. */
int cohort_report_csv(struct db *db, const struct protocols *p, const struct actor *a,
                      const struct cohort_params *q, char **csv, size_t *len,
                      struct fail *f) WARN_UNUSED;

/* One de-identified row per course of the report: course_id, protocol, age_band, sex, grade,
 * anchor_month (YYYY-MM), baseline, change_m3, change_m6. Audited as report.outcomes_export. */
int cohort_courses_csv(struct db *db, const struct protocols *p, const struct actor *a,
                       const struct cohort_params *q, char **csv, size_t *len,
                       struct fail *f) WARN_UNUSED;

#endif
