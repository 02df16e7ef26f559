/* The treatment catalogue (protocols/treatments.json) and the course protocols it names
 * (protocols/prp-hair.json, ...; format in docs/course-protocols.md): read and validated strictly
 * once at start-up, then read-only and shared by every request. */
#ifndef AUTOLOGA_CLINIC_COURSE_PROTOCOLS_H
#define AUTOLOGA_CLINIC_COURSE_PROTOCOLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define COURSE_SCHEMA_VERSION 1
#define COURSE_CATALOG_FILE "treatments.json"
/* Codes of protocols and treatments: the store's treatment columns hold 31 bytes. */
#define COURSE_CODE_MAX 31
/* The files are written by people; more than this is a mistake, not a plan. */
#define COURSE_MAX_TREATMENTS 32
#define COURSE_MAX_SESSIONS 20
#define COURSE_MAX_MAINTENANCE 12
#define COURSE_MAX_FOLLOW_UPS 12
#define COURSE_MAX_ITEMS (COURSE_MAX_SESSIONS + COURSE_MAX_MAINTENANCE + COURSE_MAX_FOLLOW_UPS)
/* Prices are minor units; a hundred million of the major unit is beyond any course. */
#define COURSE_MAX_PRICE_MINOR INT64_C(10000000000)

struct course_text {
    char *en;
    char *ar;
};

/* Which loading session a follow-up is counted from. */
enum course_anchor { COURSE_ANCHOR_FIRST_SESSION, COURSE_ANCHOR_LAST_SESSION };

struct course_follow_up {
    char *code; /* the milestone, e.g. "first_results" */
    struct course_text label;
    enum course_anchor anchor;
    int months; /* exactly one of months and days is above 0 */
    int days;
    int window_days; /* the visit may be this many days before or after its date */
    struct course_text expect;
};

/* An aftercare item, a pre-session instruction (text) or a side effect to ask about (label). */
struct course_note {
    char *code;
    struct course_text text;
};

/* The protocols' "outcomes": what the literature expects of a measure, drawn as a band over the
 * patient's own baseline in the timeline and the outcome report. */
#define COURSE_MAX_EXPECTED 12
#define COURSE_MAX_OUTCOME_NOTES 12

struct course_expected {
    char *measure; /* a measure of measures.json */
    enum course_anchor anchor;
    int from_months; /* the band spans anchor + from_months .. anchor + to_months */
    int to_months;
    double change_low; /* the expected change over the baseline, in the measure's unit */
    double change_high;
    struct course_text label;
    json_t *sources; /* the basis's source ids (strings); borrowed from the document */
};

struct course_outcomes {
    bool present; /* false only for a document written before the section existed */
    struct course_expected *expected; /* at most one band per measure */
    size_t nexpected;
    bool has_responder;
    char *responder_measure; /* NULL without a responder rule */
    double responder_min_gain;
    struct course_text *notes; /* on the evidence, for the patient and the doctor */
    size_t nnotes;
};

struct course_protocol {
    char *code;
    char *file; /* the file name the catalogue gives ("prp-hair.json") */
    struct course_text label;
    char *screening_treatment; /* a treatment of screening.json */
    /* the loading sessions */
    int session_count;
    int interval_target_days; /* from one session to the next */
    int interval_earliest_days;
    int interval_latest_days;
    int first_window_days; /* the first session may be up to this long after the start */
    int duration_minutes;
    int prep_minutes;   /* centrifuge time at the start of a session */
    char room_kind[16]; /* "treatment", "procedure" or "consultation" */
    bool has_maintenance;
    int maintenance_every_months;
    int maintenance_window_days;
    int maintenance_count;
    struct course_follow_up *follow_ups;
    size_t nfollow_ups;
    struct course_note *aftercare;
    size_t naftercare;
    struct course_note *side_effects;
    size_t nside_effects;
    struct course_note *pre_session; /* may be empty */
    size_t npre_session;
    char currency[4];        /* ISO 4217 */
    int64_t session_minor;   /* a loading or maintenance session */
    int64_t follow_up_minor; /* a follow-up visit */
    int discount_hundredths; /* the package discount in hundredths of a percent (1000: 10 %) */
    struct course_outcomes outcomes;
    json_t *document; /* the whole file as parsed (the catalogue shows it) */
    char *text;       /* the file's bytes, kept with every course prescribed from it */
    size_t text_len;
    char sha256[65]; /* of text */
};

struct course_treatment {
    char *code;
    struct course_text label;
    struct course_text summary;
    const struct course_protocol *protocol; /* NULL: offered without a course protocol */
};

struct course_protocols {
    struct course_treatment *treatments; /* in file order */
    size_t ntreatments;
    struct course_protocol *protocols; /* in catalogue order */
    size_t nprotocols;
};

/* Reads protocols/treatments.json in `dir` and every protocol file it names (a plain file name
 * of `dir`). On success *out is the caller's, freed with course_protocols_free. On failure *out
 * is NULL and `f` says "<file>: <entry>: field '<field>' <problem>" ("treatments[2]
 * (prp-face)", "follow_ups[0] (first_results)", "" at the top of a file), with f->field the
 * field's path inside the entry. Codes: the protofile codes, "unknown_field", "required",
 * "invalid_type", "invalid_value", "too_long", "duplicate", "unsupported_version",
 * "unknown_source" (a basis or item names a source the file does not list), "missing_basis"
 * (a number without its basis), "currency_mismatch" (two protocols price in different
 * currencies). Every protocol file must have its "outcomes" section ("required"). Status: ST_IO,
 * ST_TOO_BIG, ST_INVALID, ST_NOMEM. */
int course_protocols_load(const char *dir, struct course_protocols **out,
                          struct fail *f) WARN_UNUSED;

/* Parses one protocol document from bytes (`name` stands for the file in messages): what the
 * loader does for each file, and how a course reads the document it was prescribed with. A
 * document without "outcomes" is accepted here (outcomes.present false): courses prescribed
 * before the section existed keep their documents. The caller frees *out with
 * course_protocol_free. */
int course_protocol_parse(const char *name, const char *data, size_t n,
                          struct course_protocol **out, struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void course_protocol_free(struct course_protocol *p);
void course_protocols_free(struct course_protocols *p);

/* The protocol with this code, or NULL. Borrowed from `p`. */
const struct course_protocol *course_protocols_find(const struct course_protocols *p,
                                                    const char *code);
/* The follow-up with this milestone code, or NULL. */
const struct course_follow_up *course_protocol_follow_up(const struct course_protocol *p,
                                                         const char *code);

/* ST_OK when every protocol prices in `currency` (the clinic's, from its configuration);
 * otherwise ST_INVALID "currency_mismatch" naming the file and "pricing.currency". */
int course_protocols_check_currency(const struct course_protocols *p, const char *currency,
                                    struct fail *f) WARN_UNUSED;

/* The band of `measure` in the protocol's outcomes, or NULL. */
const struct course_expected *course_protocol_expected(const struct course_protocol *p,
                                                       const char *measure);

/* The type of a measure of measures.json ("number", "integer", "code"), or NULL when there is
 * no such measure: how course_protocols_check_measures learns the measures without depending on
 * their module. */
typedef const char *(*course_measure_type_fn)(const void *ctx, const char *measure);

/* ST_OK when every measure the protocols' outcomes name (bands and responder rules) is a
 * measure of measures.json with numbers (number or integer); otherwise ST_INVALID naming the
 * file, the entry and the field: "unknown_measure", or "invalid_value" for a coded measure. */
int course_protocols_check_measures(const struct course_protocols *p,
                                    course_measure_type_fn type_of, const void *ctx,
                                    struct fail *f) WARN_UNUSED;

/* "first_session" or "last_session". Never NULL. */
const char *course_anchor_name(enum course_anchor a);

#endif
