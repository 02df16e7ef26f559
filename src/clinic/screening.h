/* The screening engine: a pure function of the rules, one patient's data, the planned treatment
 * and the planned session time, giving an outcome with every reason and every missing item. */
#ifndef AUTOLOGA_CLINIC_SCREENING_H
#define AUTOLOGA_CLINIC_SCREENING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/screening_rules.h"
#include "core/status.h"

/* ---- input: borrowed by screening_evaluate, never kept ---- */

struct screening_medication {
    const char *class_code; /* a medication_classes code */
    /* still being taken: counts as taken at the planned session, whatever last_dose says, so
     * that a window runs from the session (the patient must stop first) */
    bool ongoing;
    bool last_dose_known;
    int64_t last_dose_ms; /* epoch ms, UTC */
};

struct screening_lab {
    const char *analyte; /* an analytes code */
    double value;        /* in the analyte's canonical unit (the rules file names it) */
    int64_t measured_ms; /* when the sample was taken */
    /* the laboratory's reference range, in the same unit; rules comparing with it need it */
    bool has_low;
    double low;
    bool has_high;
    double high;
};

/* One assessment finding. Unknown (known == false) is the same as not sending it. */
struct screening_finding {
    const char *code; /* a findings code */
    bool known;
    bool yes;        /* boolean findings; event findings: the event happened */
    double number;   /* number findings, in the finding's unit */
    bool time_known; /* event findings that happened: when */
    int64_t time_ms;
};

struct screening_input {
    const char *treatment;         /* a treatments code: "prp-hair" */
    int64_t session_ms;            /* planned session, epoch ms UTC */
    const char *const *conditions; /* active conditions (conditions codes) */
    size_t nconditions;
    const struct screening_medication *medications;
    size_t nmedications;
    const struct screening_lab *labs; /* any number per analyte; the newest usable one counts */
    size_t nlabs;
    const struct screening_finding *findings; /* each code at most once */
    size_t nfindings;
};

/* ---- output ---- */

/* Precedence, strongest first: contraindicated > incomplete > defer > caution > eligible. A
 * contraindication stands whatever is missing; anything required but missing hides a defer or a
 * caution (the missing value could be worse); notes never change the outcome. */
enum screening_outcome {
    SCREENING_ELIGIBLE,
    SCREENING_CAUTION,
    SCREENING_DEFER,
    SCREENING_INCOMPLETE,
    SCREENING_CONTRAINDICATED
};

/* What a rule matched. One reason per rule: for several matching items, the one that decides
 * (a medication: the latest window end; otherwise the first in the rule's list). */
struct screening_reason {
    const struct screening_rule *rule; /* borrowed from the rules */
    const struct screening_code *item; /* the matched condition, class, analyte or finding */
    bool has_value;                    /* a lab value or a number finding */
    double value;
    bool has_at; /* lab: measured; medication: the dose time used; event: when */
    int64_t at_ms;
    bool ongoing;   /* medication */
    bool has_until; /* rules with a window: the session must be at or after this time */
    int64_t until_ms;
};

enum screening_missing_kind {
    SCREENING_MISSING_LAB,     /* no result of the analyte recent enough */
    SCREENING_MISSING_RANGE,   /* a recent result, but without the laboratory's reference range */
    SCREENING_MISSING_FINDING, /* the finding is not recorded */
    SCREENING_MISSING_EVENT_TIME, /* the event happened, date unknown */
    SCREENING_MISSING_LAST_DOSE   /* a medicine no longer taken, last dose unknown */
};

struct screening_missing {
    enum screening_missing_kind kind;
    const struct screening_code *item;   /* borrowed from the rules */
    int64_t max_age_days;                /* labs */
    bool required;                       /* true makes the outcome incomplete */
    struct screening_text label;         /* owned: "platelet count from the last 90 days" */
    const struct screening_rule **rules; /* owned array of borrowed rules that need it */
    size_t nrules;
};

struct screening_result {
    const struct screening_rules *rules; /* borrowed: the rules it was computed with */
    enum screening_outcome outcome;
    const struct screening_code *treatment; /* borrowed from the rules */
    int64_t session_ms;
    /* outcome defer: the latest end of the deferring reasons; has_until is false when one of
     * them has no end (a fever defers until recovery) */
    bool has_until;
    int64_t until_ms;
    struct screening_reason *reasons; /* owned; by effect (strongest first), then file order */
    size_t nreasons;
    struct screening_missing *missing; /* owned; in the order the rules asked for them */
    size_t nmissing;
    int schema_version;
    struct fail fail; /* why screening_evaluate failed */
};

/* Evaluates every rule of `rules` that applies to in->treatment against the patient's data at
 * in->session_ms. Rules:
 * - diagnosis: any listed condition is active;
 * - medication with a window: the session is before (dose time + window); the dose time is the
 *   last dose, or the session itself for an ongoing medicine; a medicine no longer taken with an
 *   unknown last dose is missing. Exactly at the end of the window the rule does not apply.
 *   Without a window: any recorded medicine of the class;
 * - lab: the newest result of the analyte measured at most max_age_days before the session (and
 *   not after it); none is missing, and so is its reference range when the comparison needs one;
 * - finding: boolean equal to `equals`, number compared with the threshold, event within the
 *   window; unknown is missing (only listed when the rule did not apply anyway).
 * The result is filled on success (release it with screening_result_release) and borrows from
 * `rules`, which must outlive it. ST_INVALID (result->fail says why) for an unknown treatment or
 * code, a repeated finding, a value that is not finite, or a time outside years 1..9999;
 * ST_NOMEM. The result is zeroed on entry, so it may be released after a failure. */
int screening_evaluate(const struct screening_rules *rules, const struct screening_input *in,
                       struct screening_result *result) WARN_UNUSED;

/* Frees what the result owns and zeroes it. Accepts NULL. */
void screening_result_release(struct screening_result *r);

/* "eligible", "caution", "defer", "incomplete", "contraindicated". */
const char *screening_outcome_name(enum screening_outcome o);

/* The result as the API returns it (the caller json_decref()s it; NULL when out of memory):
 * {
 *   "treatment": "prp-hair",
 *   "session_at": "2026-12-01T09:00:00.000Z",
 *   "outcome": "defer",
 *   "until": "2026-12-02T03:00:00.000Z",        null unless outcome is defer with a known end
 *   "schema_version": 1,
 *   "reasons": [{
 *     "rule": "PRP-REL-3", "effect": "defer", "tier": "E", "source": "...",
 *     "text": {"clinician": {"en": "...", "ar": "..."}, "patient": {"en": "...", "ar": "..."}},
 *     "until": "2026-12-02T03:00:00.000Z",      null for rules without a window
 *     "condition": {"kind": "medication", "window": {"amount": 48, "unit": "hours"}},
 *         lab and number rules: "comparison", "threshold" (absent for reference ranges), "unit";
 *         labs also "max_age_days"; boolean findings "equals"
 *     "matched": {"kind": "medication", "code": "nsaid_nonselective",
 *                 "label": {"en": "...", "ar": "..."},
 *                 "value": 9.9, "unit": "g/dL",   labs and number findings
 *                 "at": "...",                    lab measured, dose time used, event time
 *                 "ongoing": false}               medications
 *   }],
 *   "missing": [{
 *     "kind": "lab",          lab, reference_range, finding, event_time, last_dose
 *     "code": "platelets", "required": true, "max_age_days": 90 (labs only),
 *     "label": {"en": "platelet count from the last 90 days", "ar": "..."},
 *     "rules": ["PRP-REL-2"]
 *   }]
 * } */
json_t *screening_result_to_json(const struct screening_result *r);

#endif
