/* The screening rules of protocols/screening.json (schema in docs/screening-rules.md): read and
 * validated strictly once at start-up, then read-only and shared by every screening. */
#ifndef AUTOLOGA_CLINIC_SCREENING_RULES_H
#define AUTOLOGA_CLINIC_SCREENING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define SCREENING_SCHEMA_VERSION 1
/* The file is written by people; a larger one is a mistake, not a protocol. */
/* Treatments are a bit set in each rule. */
#define SCREENING_MAX_TREATMENTS 32
#define SCREENING_MAX_RULES 1000
#define SCREENING_MAX_CODES 500
#define SCREENING_MAX_CODES_PER_RULE 64

/* In order of weight: the engine ranks reasons by it. */
enum screening_effect {
    SCREENING_EFFECT_NOTE,
    SCREENING_EFFECT_CAUTION,
    SCREENING_EFFECT_DEFER,
    SCREENING_EFFECT_CONTRAINDICATED
};

/* Evidence tiers of facts.md: guideline, systematic review, randomised trial, single study,
 * expert or clinic material. */
enum screening_tier {
    SCREENING_TIER_G,
    SCREENING_TIER_SR,
    SCREENING_TIER_RCT,
    SCREENING_TIER_S,
    SCREENING_TIER_E
};

enum screening_kind {
    SCREENING_KIND_DIAGNOSIS,
    SCREENING_KIND_MEDICATION,
    SCREENING_KIND_LAB,
    SCREENING_KIND_FINDING
};

/* The value compared with the threshold (<, <=, >, >=) or with the laboratory's own reference
 * range sent with the result. */
enum screening_cmp {
    SCREENING_CMP_LT,
    SCREENING_CMP_LE,
    SCREENING_CMP_GT,
    SCREENING_CMP_GE,
    SCREENING_CMP_BELOW_RANGE,
    SCREENING_CMP_ABOVE_RANGE,
    SCREENING_CMP_OUTSIDE_RANGE
};

/* boolean: yes / no; number: a measurement in the finding's unit; event: whether something
 * happened and when (a scalp procedure). */
enum screening_finding_type {
    SCREENING_FINDING_BOOLEAN,
    SCREENING_FINDING_NUMBER,
    SCREENING_FINDING_EVENT
};

enum screening_window_unit {
    SCREENING_WINDOW_NONE,
    SCREENING_WINDOW_HOURS,
    SCREENING_WINDOW_DAYS,
    SCREENING_WINDOW_MONTHS /* calendar months: 31 Oct + 1 month = 30 Nov, same time of day */
};

struct screening_text {
    char *en;
    char *ar;
};

/* One entry of a coded list: a treatment, condition, medication class, analyte or finding. */
struct screening_code {
    char *code;
    struct screening_text label;      /* as written mid-sentence ("platelet count") */
    char *unit;                       /* analytes and number findings; NULL otherwise */
    enum screening_finding_type type; /* findings only */
    const char *complaint;            /* treatments only: "hair" or "face", the assessment read */
};

struct screening_list {
    struct screening_code *items;
    size_t n;
};

struct screening_rule {
    char *id;
    uint32_t treatments; /* bit i set: applies to rules->treatments.items[i] */
    enum screening_kind kind;
    /* indices into the list of the kind (conditions, medication_classes, analytes, findings); a
     * lab rule has exactly one */
    size_t *codes;
    size_t ncodes;
    enum screening_cmp cmp; /* lab rules and number findings */
    bool has_threshold;     /* set for <, <=, >, >= */
    double threshold;       /* in the analyte's or finding's unit */
    int64_t max_age_days;   /* lab rules: the result must be at most this old at the session */
    bool equals;            /* boolean findings: the value that triggers the rule */
    enum screening_window_unit window_unit;
    int64_t window; /* in window_unit; medication (optional) and event findings (required) */
    /* a missing or too old value (or dose time) makes the result incomplete; when false it is
     * only listed as missing */
    bool required;
    enum screening_effect effect;
    enum screening_tier tier;
    char *source;
    struct screening_text clinician;
    struct screening_text patient;
};

struct screening_rules {
    int schema_version;
    int64_t lab_max_age_days; /* default for lab rules without max_age_days */
    char *lab_max_age_days_source;
    struct screening_list treatments;
    struct screening_list conditions;
    struct screening_list medication_classes;
    struct screening_list analytes;
    struct screening_list findings;
    struct screening_rule *rules; /* in file order */
    size_t nrules;
};

/* Reads and validates the rules file at `path` (at most PROTOFILE_MAX_BYTES, read by
 * clinic/protofile.c). On success *out is the caller's, freed with screening_rules_free. On failure
 * *out is NULL and `f` says what is wrong as "<path>: rule <id>: field '<field>' <problem>" (or
 * "rules[<index>]" before the id is known, "<list>[<index>]" for coded lists), with f->field the
 * field's path inside the rule or list entry. Status: ST_IO (cannot read), ST_TOO_BIG, ST_INVALID,
 * ST_NOMEM. */
int screening_rules_load(const char *path, struct screening_rules **out,
                         struct fail *f) WARN_UNUSED;

/* The same on bytes already in memory; `name` stands for the file in messages. */
int screening_rules_parse(const char *name, const char *data, size_t n,
                          struct screening_rules **out, struct fail *f) WARN_UNUSED;

/* Frees the rules and everything they own. Accepts NULL. */
void screening_rules_free(struct screening_rules *r);

/* Index of `code` in the list, or -1. */
long screening_list_find(const struct screening_list *l, const char *code);

/* The rule with this id, or NULL. Borrowed from the rules. */
const struct screening_rule *screening_rules_rule(const struct screening_rules *r, const char *id);

/* A medication class that defers a session: how long after the last dose. */
struct screening_deferral {
    size_t cls; /* index into rules->medication_classes */
    enum screening_window_unit unit;
    int64_t window; /* in unit: the longest of the class's deferring rules */
};

/* What a patient should not take before a session of `treatment` (a treatments code; NULL for
 * a session whose treatment is not known: only rules that apply to every treatment count):
 * each medication class of a rule with effect "defer" and a window, once, with the longest
 * window of those rules (a month counting as 31 days when units differ), in the order of
 * medication_classes. Writes at most `cap` entries to `out` and returns how many there are
 * (0 for a treatment the rules do not know). */
size_t screening_rules_deferrals(const struct screening_rules *r, const char *treatment,
                                 struct screening_deferral *out, size_t cap);

/* The words of the file: "contraindicated", "G", "diagnosis", "<", "hours", "boolean". Never
 * NULL. */
const char *screening_effect_name(enum screening_effect e);
const char *screening_tier_name(enum screening_tier t);
const char *screening_kind_name(enum screening_kind k);
const char *screening_cmp_name(enum screening_cmp c);
const char *screening_window_name(enum screening_window_unit u);
const char *screening_finding_type_name(enum screening_finding_type t);

#endif
