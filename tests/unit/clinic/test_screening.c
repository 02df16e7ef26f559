/* Unit tests of src/clinic/screening.c against the shipped protocols/screening.json: every rule at,
 * just below and just above its threshold and window, each treatment's rules, the precedence of
 * outcomes, what is missing, bad input and the JSON an API returns. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/screening.h"
#include "core/buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_SOURCE_ROOT "/protocols/screening.json"

/* The planned session: 2026-12-01T09:00:00Z. */
#define S INT64_C(1796115600000)
#define H INT64_C(3600000)
#define D INT64_C(86400000)
#define NOV_01 INT64_C(1793523600000)      /* 2026-11-01T09:00:00Z: one month before S */
#define JUN_01 INT64_C(1780304400000)      /* 2026-06-01T09:00:00Z: six months before S */
#define DEC_01_2025 INT64_C(1764579600000) /* twelve months before S */
#define OCT_31_0H INT64_C(1793404800000)   /* 2026-10-31T00:00:00Z */
#define NOV_30_0H INT64_C(1795996800000)   /* 2026-11-30T00:00:00Z */

#define FACE "prp-face"
#define HAIR "prp-hair"
#define ADSC "adsc-hair"

/* inputs, built from a clean patient that each case changes */
#define LAB(k, v, age)                                                                             \
    {                                                                                              \
        .analyte = k, .value = v, .measured_ms = S - (age)                                         \
    }
#define LABR(k, v, age, lo, hi)                                                                    \
    {                                                                                              \
        .analyte = k, .value = v, .measured_ms = S - (age), .has_low = true, .low = lo,            \
        .has_high = true, .high = hi                                                               \
    }
#define YES(k)                                                                                     \
    {                                                                                              \
        .code = k, .known = true, .yes = true                                                      \
    }
#define NO(k)                                                                                      \
    {                                                                                              \
        .code = k, .known = true, .yes = false                                                     \
    }
#define UNKNOWN(k)                                                                                 \
    {                                                                                              \
        .code = k                                                                                  \
    }
#define NUM(k, v)                                                                                  \
    {                                                                                              \
        .code = k, .known = true, .number = v                                                      \
    }
#define EVENT(k, t)                                                                                \
    {                                                                                              \
        .code = k, .known = true, .yes = true, .time_known = true, .time_ms = t                    \
    }
#define MED(cls, t)                                                                                \
    {                                                                                              \
        .class_code = cls, .last_dose_known = true, .last_dose_ms = t                              \
    }
#define ONGOING(cls)                                                                               \
    {                                                                                              \
        .class_code = cls, .ongoing = true                                                         \
    }
#define ONGOING_AT(cls, t)                                                                         \
    {                                                                                              \
        .class_code = cls, .ongoing = true, .last_dose_known = true, .last_dose_ms = t             \
    }
#define STOPPED_UNKNOWN(cls)                                                                       \
    {                                                                                              \
        .class_code = cls                                                                          \
    }

static const struct screening_lab base_labs[] = {
    LABR("platelets", 250000, 10 * D, 150000, 400000),
    LABR("haemoglobin", 14.0, 10 * D, 12.0, 16.0),
    LAB("ferritin", 80, 10 * D),
    LABR("tsh", 2.0, 10 * D, 0.4, 4.0),
    LABR("vitamin_d", 40, 10 * D, 30, 100),
};

static const struct screening_finding base_findings[] = {
    YES("consent"),
    NO("pregnancy"),
    NO("breastfeeding"),
    NO("smoking"),
    NO("recent_fever_or_illness"),
    YES("hair_present_in_area"),
    NO("high_risk_face_zone_planned"),
    NUM("bmi", 25.0),
    NO("scalp_procedure"),
};

struct tcase {
    const char *name;
    const char *treatment;
    int64_t session; /* 0: S */
    const char *conditions[4];
    struct screening_medication meds[4];  /* until class_code NULL */
    struct screening_lab labs[4];         /* replace the clean patient's results of the analyte */
    struct screening_finding findings[4]; /* replace the clean patient's finding */
    const char *drop[3];                  /* clean labs or findings removed */
    enum screening_outcome want;
    int64_t until;       /* the result's until; 0: none */
    int64_t first_until; /* the first reason's until; 0: not checked */
    const char *reasons; /* rule ids in result order */
    const char *missing; /* kind:code in result order, '*' when required */
};

#define ELIGIBLE SCREENING_ELIGIBLE
#define CAUTION SCREENING_CAUTION
#define DEFER SCREENING_DEFER
#define INCOMPLETE SCREENING_INCOMPLETE
#define CONTRA SCREENING_CONTRAINDICATED

static const struct tcase cases[] = {
    /* a clean patient */
    {"clean face", FACE, .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"clean scalp", HAIR, .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"clean fat", ADSC, .want = ELIGIBLE, .reasons = "", .missing = ""},

    /* PRP-ABS-1..6: contraindicated for every treatment */
    {"ABS-1 face", FACE, .conditions = {"platelet_dysfunction_syndrome"}, .want = CONTRA,
     .reasons = "PRP-ABS-1", .missing = ""},
    {"ABS-1 scalp", HAIR, .conditions = {"platelet_dysfunction_syndrome"}, .want = CONTRA,
     .reasons = "PRP-ABS-1", .missing = ""},
    {"ABS-1 fat", ADSC, .conditions = {"platelet_dysfunction_syndrome"}, .want = CONTRA,
     .reasons = "PRP-ABS-1", .missing = ""},
    {"ABS-2", FACE, .conditions = {"critical_thrombocytopenia"}, .want = CONTRA,
     .reasons = "PRP-ABS-2", .missing = ""},
    {"ABS-3", HAIR, .conditions = {"haemodynamic_instability"}, .want = CONTRA,
     .reasons = "PRP-ABS-3", .missing = ""},
    {"ABS-4", ADSC, .conditions = {"systemic_infection"}, .want = CONTRA, .reasons = "PRP-ABS-4",
     .missing = ""},
    {"ABS-5", FACE, .conditions = {"injection_site_infection"}, .want = CONTRA,
     .reasons = "PRP-ABS-5", .missing = ""},
    {"ABS-6 face", FACE, .findings = {NO("consent")}, .want = CONTRA, .reasons = "PRP-ABS-6",
     .missing = ""},
    {"ABS-6 scalp", HAIR, .findings = {NO("consent")}, .want = CONTRA, .reasons = "PRP-ABS-6",
     .missing = ""},
    {"ABS-6 fat", ADSC, .findings = {NO("consent")}, .want = CONTRA, .reasons = "PRP-ABS-6",
     .missing = ""},
    {"ABS-6 unknown", FACE, .findings = {UNKNOWN("consent")}, .want = INCOMPLETE, .reasons = "",
     .missing = "finding:consent*"},
    {"ABS-6 not sent", FACE, .drop = {"consent"}, .want = INCOMPLETE, .reasons = "",
     .missing = "finding:consent*"},

    /* PRP-REL-1: haemoglobin < 10 g/dL, a result from the last 90 days */
    {"Hb 9.9", FACE, .labs = {LAB("haemoglobin", 9.9, 10 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-1", .missing = ""},
    {"Hb 10.0", FACE, .labs = {LAB("haemoglobin", 10.0, 10 * D)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"Hb 10.1", FACE, .labs = {LAB("haemoglobin", 10.1, 10 * D)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"Hb 9.9 fat", ADSC, .labs = {LABR("haemoglobin", 9.9, 10 * D, 12, 16)}, .want = CAUTION,
     .reasons = "PRP-REL-1 HAIR-WU-2", .missing = ""},
    {"Hb 9.9 exactly 90 days old", FACE, .labs = {LAB("haemoglobin", 9.9, 90 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-1", .missing = ""},
    {"Hb 90 days + 1 ms old", FACE, .labs = {LAB("haemoglobin", 9.9, 90 * D + 1)},
     .want = INCOMPLETE, .reasons = "", .missing = "lab:haemoglobin*"},
    {"Hb 91 days old", FACE, .labs = {LAB("haemoglobin", 14, 91 * D)}, .want = INCOMPLETE,
     .reasons = "", .missing = "lab:haemoglobin*"},
    {"Hb after the session", FACE, .labs = {LAB("haemoglobin", 14, -1)}, .want = INCOMPLETE,
     .reasons = "", .missing = "lab:haemoglobin*"},
    {"Hb at the session", FACE, .labs = {LAB("haemoglobin", 9, 0)}, .want = CAUTION,
     .reasons = "PRP-REL-1", .missing = ""},
    {"Hb newest counts (normal)", FACE,
     .labs = {LAB("haemoglobin", 9.0, 30 * D), LAB("haemoglobin", 11.0, 5 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"Hb newest counts (low)", FACE,
     .labs = {LAB("haemoglobin", 11.0, 5 * D), LAB("haemoglobin", 9.5, 2 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-1", .missing = ""},
    {"Hb old low, newer out of date", FACE,
     .labs = {LAB("haemoglobin", 9.0, 100 * D), LAB("haemoglobin", 13.0, 95 * D)},
     .want = INCOMPLETE, .reasons = "", .missing = "lab:haemoglobin*"},

    /* PRP-REL-2: platelets < 100,000 /µL */
    {"platelets 99,999", FACE, .labs = {LAB("platelets", 99999, 10 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-2", .missing = ""},
    {"platelets 100,000", FACE, .labs = {LAB("platelets", 100000, 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"platelets 100,001", FACE, .labs = {LAB("platelets", 100001, 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"platelets 99,999 scalp", HAIR, .labs = {LAB("platelets", 99999, 10 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-2", .missing = ""},
    {"platelets 99,999 fat", ADSC, .labs = {LAB("platelets", 99999, 10 * D)}, .want = CAUTION,
     .reasons = "PRP-REL-2", .missing = ""},
    {"platelets 90 days old", FACE, .labs = {LAB("platelets", 250000, 90 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"platelets 91 days old", FACE, .labs = {LAB("platelets", 250000, 91 * D)}, .want = INCOMPLETE,
     .reasons = "", .missing = "lab:platelets*"},
    {"platelets never measured", HAIR, .drop = {"platelets"}, .want = INCOMPLETE, .reasons = "",
     .missing = "lab:platelets*"},

    /* PRP-REL-3 and PRP-DRUG-2: non-selective NSAID within 48 h defers */
    {"naproxen 30 h before", FACE, .meds = {MED("nsaid_nonselective", S - 30 * H)}, .want = DEFER,
     .until = S + 18 * H, .first_until = S + 18 * H, .reasons = "PRP-REL-3 PRP-DRUG-2",
     .missing = ""},
    {"naproxen 30 h before scalp", HAIR, .meds = {MED("nsaid_nonselective", S - 30 * H)},
     .want = DEFER, .until = S + 18 * H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"naproxen 30 h before fat", ADSC, .meds = {MED("nsaid_nonselective", S - 30 * H)},
     .want = DEFER, .until = S + 18 * H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID exactly 48 h before", FACE, .meds = {MED("nsaid_nonselective", S - 48 * H)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"NSAID 48 h - 1 ms before", FACE, .meds = {MED("nsaid_nonselective", S - 48 * H + 1)},
     .want = DEFER, .until = S + 1, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID 49 h before", FACE, .meds = {MED("nsaid_nonselective", S - 49 * H)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"NSAID 47 h before", FACE, .meds = {MED("nsaid_nonselective", S - 47 * H)}, .want = DEFER,
     .until = S + H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID ongoing, last dose unknown", FACE, .meds = {ONGOING("nsaid_nonselective")},
     .want = DEFER, .until = S + 48 * H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID ongoing, last dose 72 h before", FACE,
     .meds = {ONGOING_AT("nsaid_nonselective", S - 72 * H)}, .want = DEFER, .until = S + 48 * H,
     .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID stopped, last dose unknown", FACE, .meds = {STOPPED_UNKNOWN("nsaid_nonselective")},
     .want = INCOMPLETE, .reasons = "", .missing = "dose:nsaid_nonselective*"},
    {"two NSAIDs: the later dose decides", FACE,
     .meds = {MED("nsaid_nonselective", S - 30 * H), MED("nsaid_nonselective", S - 10 * H)},
     .want = DEFER, .until = S + 38 * H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"NSAID dose after the planned session", FACE, .meds = {MED("nsaid_nonselective", S + 2 * H)},
     .want = DEFER, .until = S + 50 * H, .reasons = "PRP-REL-3 PRP-DRUG-2", .missing = ""},
    {"COX-2 1 h before", FACE, .meds = {MED("nsaid_cox2", S - H)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"COX-2 ongoing", HAIR, .meds = {ONGOING("nsaid_cox2")}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"COX-2 stopped, time unknown", FACE, .meds = {STOPPED_UNKNOWN("nsaid_cox2")}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"statin ongoing", ADSC, .meds = {ONGOING("statin")}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},

    /* PRP-REL-4: steroid injection at the site within 1 month (calendar month) */
    {"steroid injection exactly 1 month before", FACE,
     .meds = {MED("steroid_injection_local", NOV_01)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"steroid injection 1 month - 1 ms before", FACE,
     .meds = {MED("steroid_injection_local", NOV_01 + 1)}, .want = CAUTION, .first_until = S + 1,
     .reasons = "PRP-REL-4", .missing = ""},
    {"steroid injection 1 month + 1 ms before", FACE,
     .meds = {MED("steroid_injection_local", NOV_01 - 1)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"31 Oct + 1 month is 30 Nov", HAIR, NOV_30_0H,
     .meds = {MED("steroid_injection_local", OCT_31_0H)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"31 Oct + 1 ms + 1 month is after 30 Nov", HAIR, NOV_30_0H,
     .meds = {MED("steroid_injection_local", OCT_31_0H + 1)}, .want = CAUTION,
     .first_until = NOV_30_0H + 1, .reasons = "PRP-REL-4", .missing = ""},
    {"steroid injection, date unknown", FACE, .meds = {STOPPED_UNKNOWN("steroid_injection_local")},
     .want = ELIGIBLE, .reasons = "", .missing = "dose:steroid_injection_local"},

    /* PRP-REL-5: systemic corticosteroids within 2 weeks */
    {"steroids exactly 14 days before", FACE, .meds = {MED("corticosteroid_systemic", S - 14 * D)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"steroids 14 days - 1 ms before", FACE,
     .meds = {MED("corticosteroid_systemic", S - 14 * D + 1)}, .want = CAUTION,
     .first_until = S + 1, .reasons = "PRP-REL-5", .missing = ""},
    {"steroids 13 days before", ADSC, .meds = {MED("corticosteroid_systemic", S - 13 * D)},
     .want = CAUTION, .first_until = S + D, .reasons = "PRP-REL-5", .missing = ""},
    {"steroids ongoing", HAIR, .meds = {ONGOING("corticosteroid_systemic")}, .want = CAUTION,
     .first_until = S + 14 * D, .reasons = "PRP-REL-5", .missing = ""},

    /* PRP-REL-6: tobacco */
    {"smoker", FACE, .findings = {YES("smoking")}, .want = CAUTION, .reasons = "PRP-REL-6",
     .missing = ""},
    {"smoker fat", ADSC, .findings = {YES("smoking")}, .want = CAUTION, .reasons = "PRP-REL-6",
     .missing = ""},
    {"smoking unknown", FACE, .findings = {UNKNOWN("smoking")}, .want = ELIGIBLE, .reasons = "",
     .missing = "finding:smoking"},

    /* PRP-REL-7: recent fever or illness defers with no end date */
    {"recent fever", HAIR, .findings = {YES("recent_fever_or_illness")}, .want = DEFER,
     .reasons = "PRP-REL-7", .missing = ""},
    {"recent fever unknown", FACE, .findings = {UNKNOWN("recent_fever_or_illness")},
     .want = INCOMPLETE, .reasons = "", .missing = "finding:recent_fever_or_illness*"},

    /* PRP-REL-8: cancer */
    {"bone cancer", FACE, .conditions = {"cancer_bone"}, .want = CAUTION, .reasons = "PRP-REL-8",
     .missing = ""},
    {"blood cancer", HAIR, .conditions = {"cancer_haematological"}, .want = CAUTION,
     .reasons = "PRP-REL-8", .missing = ""},
    {"other cancer", ADSC, .conditions = {"cancer_other"}, .want = CAUTION, .reasons = "PRP-REL-8",
     .missing = ""},

    /* PRP-DRUG-1: aspirin, 10 days */
    {"aspirin exactly 10 days before", FACE, .meds = {MED("aspirin", S - 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"aspirin 10 days - 1 ms before", FACE, .meds = {MED("aspirin", S - 10 * D + 1)},
     .want = CAUTION, .first_until = S + 1, .reasons = "PRP-DRUG-1", .missing = ""},
    {"aspirin 7 days before", HAIR, .meds = {MED("aspirin", S - 7 * D)}, .want = CAUTION,
     .first_until = S + 3 * D, .reasons = "PRP-DRUG-1", .missing = ""},
    {"cardiac aspirin ongoing", ADSC, .meds = {ONGOING("aspirin")}, .want = CAUTION,
     .first_until = S + 10 * D, .reasons = "PRP-DRUG-1", .missing = ""},
    {"aspirin stopped, date unknown", FACE, .meds = {STOPPED_UNKNOWN("aspirin")}, .want = ELIGIBLE,
     .reasons = "", .missing = "dose:aspirin"},

    /* PRP-DRUG-3: anticoagulants and antiplatelets, no window; ADSC-3 adds anticoagulants */
    {"clopidogrel stopped a year ago", FACE, .meds = {MED("antiplatelet", S - 365 * D)},
     .want = CAUTION, .reasons = "PRP-DRUG-3", .missing = ""},
    {"warfarin ongoing", HAIR, .meds = {ONGOING("anticoagulant")}, .want = CAUTION,
     .reasons = "PRP-DRUG-3", .missing = ""},
    {"anticoagulant, dose unknown", FACE, .meds = {STOPPED_UNKNOWN("anticoagulant")},
     .want = CAUTION, .reasons = "PRP-DRUG-3", .missing = ""},
    {"anticoagulant fat", ADSC, .meds = {ONGOING("anticoagulant")}, .want = CAUTION,
     .reasons = "PRP-DRUG-3 ADSC-3", .missing = ""},
    {"antiplatelet fat", ADSC, .meds = {ONGOING("antiplatelet")}, .want = CAUTION,
     .reasons = "PRP-DRUG-3", .missing = ""},

    /* PRP-DRUG-4: paracetamol is a note */
    {"paracetamol", FACE, .meds = {ONGOING("paracetamol")}, .want = ELIGIBLE,
     .reasons = "PRP-DRUG-4", .missing = ""},

    /* PRP-COND-1: inflamed site defers with no end date */
    {"psoriasis plaque", FACE, .conditions = {"psoriasis_plaque_at_site"}, .want = DEFER,
     .reasons = "PRP-COND-1", .missing = ""},
    {"dermatitis", HAIR, .conditions = {"dermatitis_at_site"}, .want = DEFER,
     .reasons = "PRP-COND-1", .missing = ""},
    {"severe inflammation", ADSC, .conditions = {"severe_inflammation_at_site"}, .want = DEFER,
     .reasons = "PRP-COND-1", .missing = ""},

    /* PRP-COND-2: pregnancy or breastfeeding */
    {"pregnant", FACE, .findings = {YES("pregnancy")}, .want = CAUTION, .reasons = "PRP-COND-2",
     .missing = ""},
    {"breastfeeding", HAIR, .findings = {YES("breastfeeding")}, .want = CAUTION,
     .reasons = "PRP-COND-2", .missing = ""},
    {"pregnant, breastfeeding unknown", FACE,
     .findings = {YES("pregnancy"), UNKNOWN("breastfeeding")}, .want = CAUTION,
     .reasons = "PRP-COND-2", .missing = ""},
    {"both unknown", FACE, .findings = {UNKNOWN("pregnancy"), UNKNOWN("breastfeeding")},
     .want = ELIGIBLE, .reasons = "", .missing = "finding:pregnancy finding:breastfeeding"},

    /* PRP-COND-3, and the diseases §2 adds for fat-derived cells */
    {"chronic liver disease", FACE, .conditions = {"liver_disease_chronic"}, .want = CAUTION,
     .reasons = "PRP-COND-3", .missing = ""},
    {"uncontrolled thyroid disease", HAIR, .conditions = {"thyroid_disease_uncontrolled"},
     .want = CAUTION, .reasons = "PRP-COND-3", .missing = ""},
    {"diabetes face", FACE, .conditions = {"diabetes"}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"diabetes fat", ADSC, .conditions = {"diabetes"}, .want = CAUTION, .reasons = "ADSC-8",
     .missing = ""},
    {"uncontrolled diabetes fat", ADSC, .conditions = {"diabetes_uncontrolled"}, .want = CAUTION,
     .reasons = "PRP-COND-3 ADSC-8", .missing = ""},
    {"active autoimmune fat", ADSC, .conditions = {"autoimmune_disease_active"}, .want = CAUTION,
     .reasons = "PRP-COND-3 ADSC-2", .missing = ""},
    {"autoimmune scalp", HAIR, .conditions = {"autoimmune_disease"}, .want = CAUTION,
     .reasons = "PRP-COND-3", .missing = ""},
    {"serious kidney disease fat", ADSC, .conditions = {"kidney_disease_serious"}, .want = CAUTION,
     .reasons = "PRP-COND-3 ADSC-4", .missing = ""},
    {"serious heart disease fat", ADSC, .conditions = {"heart_disease_serious"}, .want = CAUTION,
     .reasons = "ADSC-4 ADSC-8", .missing = ""},
    {"serious blood disease fat", ADSC, .conditions = {"blood_disease_serious"}, .want = CAUTION,
     .reasons = "ADSC-4", .missing = ""},
    {"high blood pressure scalp", HAIR, .conditions = {"hypertension"}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"high blood pressure fat", ADSC, .conditions = {"hypertension"}, .want = CAUTION,
     .reasons = "ADSC-8", .missing = ""},

    /* PRP-FACE-1: face only */
    {"glabella planned", FACE, .findings = {YES("high_risk_face_zone_planned")}, .want = CAUTION,
     .reasons = "PRP-FACE-1", .missing = ""},
    {"glabella flag on a scalp plan", HAIR, .findings = {YES("high_risk_face_zone_planned")},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"face zones unknown", FACE, .findings = {UNKNOWN("high_risk_face_zone_planned")},
     .want = ELIGIBLE, .reasons = "", .missing = "finding:high_risk_face_zone_planned"},

    /* PRP-HAIR-1: scalp and fat, not face */
    {"no hair left scalp", HAIR, .findings = {NO("hair_present_in_area")}, .want = CAUTION,
     .reasons = "PRP-HAIR-1", .missing = ""},
    {"no hair left fat", ADSC, .findings = {NO("hair_present_in_area")}, .want = CAUTION,
     .reasons = "PRP-HAIR-1", .missing = ""},
    {"no hair on a face plan", FACE, .findings = {NO("hair_present_in_area")}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"hair unknown", HAIR, .findings = {UNKNOWN("hair_present_in_area")}, .want = ELIGIBLE,
     .reasons = "", .missing = "finding:hair_present_in_area"},

    /* hair-loss work-up: flags, never blocks */
    {"ferritin 29.9", HAIR, .labs = {LAB("ferritin", 29.9, 10 * D)}, .want = ELIGIBLE,
     .reasons = "HAIR-WU-1", .missing = ""},
    {"ferritin 30", HAIR, .labs = {LAB("ferritin", 30, 10 * D)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"ferritin 30.1", ADSC, .labs = {LAB("ferritin", 30.1, 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"ferritin 29.9 fat", ADSC, .labs = {LAB("ferritin", 29.9, 10 * D)}, .want = ELIGIBLE,
     .reasons = "HAIR-WU-1", .missing = ""},
    {"ferritin 29.9 face", FACE, .labs = {LAB("ferritin", 29.9, 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"ferritin missing", HAIR, .drop = {"ferritin"}, .want = ELIGIBLE, .reasons = "",
     .missing = "lab:ferritin"},
    {"ferritin missing face", FACE, .drop = {"ferritin"}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"ferritin 91 days old", HAIR, .labs = {LAB("ferritin", 10, 91 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = "lab:ferritin"},
    {"Hb below the lab's range", HAIR, .labs = {LABR("haemoglobin", 11.9, 10 * D, 12, 16)},
     .want = ELIGIBLE, .reasons = "HAIR-WU-2", .missing = ""},
    {"Hb at the lab's low limit", HAIR, .labs = {LABR("haemoglobin", 12.0, 10 * D, 12, 16)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"Hb without a range", HAIR, .labs = {LAB("haemoglobin", 11.9, 10 * D)}, .want = ELIGIBLE,
     .reasons = "", .missing = "range:haemoglobin"},
    {"Hb never measured scalp", HAIR, .drop = {"haemoglobin"}, .want = INCOMPLETE, .reasons = "",
     .missing = "lab:haemoglobin*"},
    {"TSH above the range", HAIR, .labs = {LABR("tsh", 4.01, 10 * D, 0.4, 4.0)}, .want = ELIGIBLE,
     .reasons = "HAIR-WU-3", .missing = ""},
    {"TSH at the high limit", HAIR, .labs = {LABR("tsh", 4.0, 10 * D, 0.4, 4.0)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"TSH below the range", HAIR, .labs = {LABR("tsh", 0.39, 10 * D, 0.4, 4.0)}, .want = ELIGIBLE,
     .reasons = "HAIR-WU-3", .missing = ""},
    {"TSH at the low limit", HAIR, .labs = {LABR("tsh", 0.4, 10 * D, 0.4, 4.0)}, .want = ELIGIBLE,
     .reasons = "", .missing = ""},
    {"TSH with only a high limit", HAIR,
     .labs = {{.analyte = "tsh", .value = 5, .measured_ms = S - D, .has_high = true, .high = 4}},
     .want = ELIGIBLE, .reasons = "HAIR-WU-3", .missing = ""},
    {"TSH without a range", HAIR, .labs = {LAB("tsh", 9, 10 * D)}, .want = ELIGIBLE, .reasons = "",
     .missing = "range:tsh"},
    {"vitamin D below the range", HAIR, .labs = {LABR("vitamin_d", 29.9, 10 * D, 30, 100)},
     .want = ELIGIBLE, .reasons = "HAIR-WU-4", .missing = ""},
    {"vitamin D at the low limit", HAIR, .labs = {LABR("vitamin_d", 30, 10 * D, 30, 100)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"vitamin D above the range", HAIR, .labs = {LABR("vitamin_d", 150, 10 * D, 30, 100)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},

    /* ADSC-1: BMI >= 40 */
    {"BMI 40", ADSC, .findings = {NUM("bmi", 40.0)}, .want = CAUTION, .reasons = "ADSC-1",
     .missing = ""},
    {"BMI 39.9", ADSC, .findings = {NUM("bmi", 39.9)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"BMI 40.1", ADSC, .findings = {NUM("bmi", 40.1)}, .want = CAUTION, .reasons = "ADSC-1",
     .missing = ""},
    {"BMI 45 scalp", HAIR, .findings = {NUM("bmi", 45)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"BMI unknown", ADSC, .findings = {UNKNOWN("bmi")}, .want = ELIGIBLE, .reasons = "",
     .missing = "finding:bmi"},

    /* ADSC-5: scalp procedure within 6 months */
    {"scalp procedure exactly 6 months before", ADSC,
     .findings = {EVENT("scalp_procedure", JUN_01)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"scalp procedure 6 months - 1 ms before", ADSC,
     .findings = {EVENT("scalp_procedure", JUN_01 + 1)}, .want = CAUTION, .first_until = S + 1,
     .reasons = "ADSC-5", .missing = ""},
    {"scalp procedure 6 months + 1 ms before", ADSC,
     .findings = {EVENT("scalp_procedure", JUN_01 - 1)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"scalp procedure, date unknown", ADSC,
     .findings = {{.code = "scalp_procedure", .known = true, .yes = true}}, .want = ELIGIBLE,
     .reasons = "", .missing = "time:scalp_procedure"},
    {"scalp procedure unknown", ADSC, .findings = {UNKNOWN("scalp_procedure")}, .want = ELIGIBLE,
     .reasons = "", .missing = "finding:scalp_procedure"},
    {"scalp procedure on a scalp PRP plan", HAIR,
     .findings = {EVENT("scalp_procedure", S - 10 * D)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},

    /* ADSC-6 and ADSC-7: notes for judging the result */
    {"finasteride exactly 12 months before", ADSC,
     .meds = {MED("finasteride_dutasteride", DEC_01_2025)}, .want = ELIGIBLE, .reasons = "",
     .missing = ""},
    {"finasteride 12 months - 1 ms before", ADSC,
     .meds = {MED("finasteride_dutasteride", DEC_01_2025 + 1)}, .want = ELIGIBLE,
     .first_until = S + 1, .reasons = "ADSC-6", .missing = ""},
    {"finasteride ongoing", ADSC, .meds = {ONGOING("finasteride_dutasteride")}, .want = ELIGIBLE,
     .reasons = "ADSC-6", .missing = ""},
    {"finasteride stopped, date unknown", ADSC,
     .meds = {STOPPED_UNKNOWN("finasteride_dutasteride")}, .want = ELIGIBLE, .reasons = "",
     .missing = "dose:finasteride_dutasteride"},
    {"finasteride ongoing scalp", HAIR, .meds = {ONGOING("finasteride_dutasteride")},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"minoxidil exactly 6 months before", ADSC, .meds = {MED("minoxidil", JUN_01)},
     .want = ELIGIBLE, .reasons = "", .missing = ""},
    {"minoxidil 6 months - 1 ms before", ADSC, .meds = {MED("minoxidil", JUN_01 + 1)},
     .want = ELIGIBLE, .reasons = "ADSC-7", .missing = ""},

    /* precedence: contraindicated > incomplete > defer > caution > eligible */
    {"contraindicated beats everything", FACE, .meds = {MED("nsaid_nonselective", S - 30 * H)},
     .findings = {NO("consent"), YES("smoking")}, .drop = {"platelets"}, .want = CONTRA,
     .reasons = "PRP-ABS-6 PRP-REL-3 PRP-DRUG-2 PRP-REL-6", .missing = "lab:platelets*"},
    {"incomplete beats defer", FACE, .meds = {MED("nsaid_nonselective", S - 30 * H)},
     .drop = {"platelets"}, .want = INCOMPLETE, .reasons = "PRP-REL-3 PRP-DRUG-2",
     .missing = "lab:platelets*"},
    {"defer beats caution and note", FACE,
     .meds = {MED("nsaid_nonselective", S - 30 * H), ONGOING("paracetamol")},
     .findings = {YES("smoking")}, .want = DEFER, .until = S + 18 * H,
     .reasons = "PRP-REL-3 PRP-DRUG-2 PRP-REL-6 PRP-DRUG-4", .missing = ""},
    {"a defer without an end leaves the end open", FACE,
     .meds = {MED("nsaid_nonselective", S - 30 * H)}, .findings = {YES("recent_fever_or_illness")},
     .want = DEFER, .reasons = "PRP-REL-3 PRP-REL-7 PRP-DRUG-2", .missing = ""},
    {"caution beats note", FACE, .meds = {ONGOING("paracetamol")}, .findings = {YES("smoking")},
     .want = CAUTION, .reasons = "PRP-REL-6 PRP-DRUG-4", .missing = ""},
    {"a listed gap does not make it incomplete", FACE, .labs = {LAB("haemoglobin", 9.9, D)},
     .findings = {UNKNOWN("smoking")}, .want = CAUTION, .reasons = "PRP-REL-1",
     .missing = "finding:smoking"},
    {"two contraindications and a caution", HAIR,
     .conditions = {"platelet_dysfunction_syndrome", "systemic_infection"},
     .labs = {LAB("haemoglobin", 9.9, D)}, .want = CONTRA,
     .reasons = "PRP-ABS-1 PRP-ABS-4 PRP-REL-1", .missing = "range:haemoglobin"},
    {"missing items in rule order", FACE, .drop = {"platelets", "haemoglobin", "consent"},
     .want = INCOMPLETE, .reasons = "",
     .missing = "finding:consent* lab:haemoglobin* lab:platelets*"},
};

static const char *const *
conditions_of(const struct tcase *c, size_t *n)
{
    *n = 0;
    while (*n < N(c->conditions) && c->conditions[*n])
        (*n)++;
    return c->conditions;
}

static bool
dropped(const struct tcase *c, const char *code)
{
    for (size_t i = 0; i < N(c->drop) && c->drop[i]; i++)
        if (strcmp(c->drop[i], code) == 0)
            return true;
    return false;
}

/* The clean patient's labs, without those the case replaces or drops, then the case's. */
static size_t
labs_of(const struct tcase *c, struct screening_lab *out)
{
    size_t n = 0;

    for (size_t i = 0; i < N(base_labs); i++) {
        bool replaced = dropped(c, base_labs[i].analyte);
        for (size_t j = 0; j < N(c->labs) && c->labs[j].analyte; j++)
            replaced = replaced || strcmp(c->labs[j].analyte, base_labs[i].analyte) == 0;
        if (!replaced)
            out[n++] = base_labs[i];
    }
    for (size_t j = 0; j < N(c->labs) && c->labs[j].analyte; j++)
        out[n++] = c->labs[j];
    return n;
}

static size_t
findings_of(const struct tcase *c, struct screening_finding *out)
{
    size_t n = 0;

    for (size_t i = 0; i < N(base_findings); i++) {
        bool replaced = dropped(c, base_findings[i].code);
        for (size_t j = 0; j < N(c->findings) && c->findings[j].code; j++)
            replaced = replaced || strcmp(c->findings[j].code, base_findings[i].code) == 0;
        if (!replaced)
            out[n++] = base_findings[i];
    }
    for (size_t j = 0; j < N(c->findings) && c->findings[j].code; j++)
        out[n++] = c->findings[j];
    return n;
}

static size_t
meds_of(const struct tcase *c)
{
    size_t n = 0;

    while (n < N(c->meds) && c->meds[n].class_code)
        n++;
    return n;
}

static void
joined_reasons(const struct screening_result *r, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < r->nreasons; i++)
        used +=
            (size_t)snprintf(out + used, cap - used, "%s%s", i ? " " : "", r->reasons[i].rule->id);
}

static void
joined_missing(const struct screening_result *r, char *out, size_t cap)
{
    static const char *const kinds[] = {"lab", "range", "finding", "time", "dose"};
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < r->nmissing; i++) {
        const struct screening_missing *m = &r->missing[i];
        used += (size_t)snprintf(out + used, cap - used, "%s%s:%s%s", i ? " " : "", kinds[m->kind],
                                 m->item->code, m->required ? "*" : "");
    }
}

static int
load(void **state)
{
    struct screening_rules *r = NULL;
    struct fail f;

    if (screening_rules_load(SHIPPED, &r, &f) != ST_OK) {
        fprintf(stderr, "%s\n", f.message);
        return -1;
    }
    *state = r;
    return 0;
}

static int
unload(void **state)
{
    screening_rules_free(*state);
    return 0;
}

static int
run_case(const struct screening_rules *rules, const struct tcase *c, struct screening_result *res)
{
    struct screening_lab labs[N(base_labs) + 4];
    struct screening_finding findings[N(base_findings) + 4];
    struct screening_input in = {
        .treatment = c->treatment,
        .session_ms = c->session ? c->session : S,
        .medications = c->meds,
        .nmedications = meds_of(c),
        .labs = labs,
        .nlabs = labs_of(c, labs),
        .findings = findings,
        .nfindings = findings_of(c, findings),
    };
    in.conditions = conditions_of(c, &in.nconditions);
    return screening_evaluate(rules, &in, res);
}

static void
test_cases(void **state)
{
    const struct screening_rules *rules = *state;
    char got[512];

    for (size_t i = 0; i < N(cases); i++) {
        const struct tcase *c = &cases[i];
        struct screening_result res;
        int st = run_case(rules, c, &res);
        if (st != ST_OK)
            fail_msg("%s: %s", c->name, res.fail.message);
        if (res.outcome != c->want)
            fail_msg("%s: outcome %s, want %s", c->name, screening_outcome_name(res.outcome),
                     screening_outcome_name(c->want));
        joined_reasons(&res, got, sizeof(got));
        if (strcmp(got, c->reasons) != 0)
            fail_msg("%s: reasons \"%s\", want \"%s\"", c->name, got, c->reasons);
        joined_missing(&res, got, sizeof(got));
        if (strcmp(got, c->missing) != 0)
            fail_msg("%s: missing \"%s\", want \"%s\"", c->name, got, c->missing);
        if (res.has_until != (c->until != 0) || (c->until && res.until_ms != c->until))
            fail_msg("%s: until %d/%lld, want %lld", c->name, res.has_until,
                     (long long)res.until_ms, (long long)c->until);
        if (c->first_until &&
            (!res.reasons[0].has_until || res.reasons[0].until_ms != c->first_until))
            fail_msg("%s: first reason until %lld, want %lld", c->name,
                     (long long)res.reasons[0].until_ms, (long long)c->first_until);
        assert_ptr_equal(res.rules, rules);
        screening_result_release(&res);
    }
}

/* Which rules each treatment evaluates, seen through a patient who matches every rule. */
static void
test_rules_per_treatment(void **state)
{
    const struct screening_rules *rules = *state;
    static const struct {
        const char *treatment;
        const char *reasons;
    } rows[] = {
        {FACE, "PRP-ABS-1 PRP-ABS-6 PRP-REL-3 PRP-REL-7 PRP-DRUG-2 PRP-COND-1 PRP-REL-1 PRP-REL-2 "
               "PRP-REL-4 PRP-REL-5 PRP-REL-6 PRP-REL-8 PRP-DRUG-1 PRP-DRUG-3 PRP-COND-2 "
               "PRP-COND-3 PRP-FACE-1 PRP-DRUG-4"},
        {HAIR, "PRP-ABS-1 PRP-ABS-6 PRP-REL-3 PRP-REL-7 PRP-DRUG-2 PRP-COND-1 PRP-REL-1 PRP-REL-2 "
               "PRP-REL-4 PRP-REL-5 PRP-REL-6 PRP-REL-8 PRP-DRUG-1 PRP-DRUG-3 PRP-COND-2 "
               "PRP-COND-3 PRP-HAIR-1 PRP-DRUG-4 HAIR-WU-1 HAIR-WU-2 HAIR-WU-3 HAIR-WU-4"},
        {ADSC, "PRP-ABS-1 PRP-ABS-6 PRP-REL-3 PRP-REL-7 PRP-DRUG-2 PRP-COND-1 PRP-REL-1 PRP-REL-2 "
               "PRP-REL-4 PRP-REL-5 PRP-REL-6 PRP-REL-8 PRP-DRUG-1 PRP-DRUG-3 PRP-COND-2 "
               "PRP-COND-3 PRP-HAIR-1 ADSC-1 ADSC-2 ADSC-3 ADSC-4 ADSC-5 ADSC-8 PRP-DRUG-4 "
               "HAIR-WU-1 HAIR-WU-2 HAIR-WU-3 HAIR-WU-4 ADSC-6 ADSC-7"},
    };
    static const char *const conditions[] = {
        "platelet_dysfunction_syndrome", "cancer_bone",
        "psoriasis_plaque_at_site",      "kidney_disease_serious",
        "autoimmune_disease_active",     "heart_disease_serious"};
    static const struct screening_medication meds[] = {
        MED("nsaid_nonselective", S - H),
        MED("steroid_injection_local", S - D),
        MED("corticosteroid_systemic", S - D),
        MED("aspirin", S - D),
        ONGOING("anticoagulant"),
        ONGOING("paracetamol"),
        ONGOING("finasteride_dutasteride"),
        ONGOING("minoxidil"),
    };
    static const struct screening_lab labs[] = {
        LABR("platelets", 50000, D, 150000, 400000), LABR("haemoglobin", 9, D, 12, 16),
        LAB("ferritin", 5, D), LABR("tsh", 9, D, 0.4, 4), LABR("vitamin_d", 10, D, 30, 100)};
    static const struct screening_finding findings[] = {
        NO("consent"),
        YES("pregnancy"),
        YES("smoking"),
        YES("recent_fever_or_illness"),
        NO("hair_present_in_area"),
        YES("high_risk_face_zone_planned"),
        NUM("bmi", 41),
        EVENT("scalp_procedure", S - D),
    };
    char got[1024];

    for (size_t i = 0; i < N(rows); i++) {
        struct screening_input in = {
            rows[i].treatment, S,    conditions, N(conditions), meds,
            N(meds),           labs, N(labs),    findings,      N(findings)};
        struct screening_result res;
        assert_int_equal(screening_evaluate(rules, &in, &res), ST_OK);
        assert_int_equal(res.outcome, SCREENING_CONTRAINDICATED);
        joined_reasons(&res, got, sizeof(got));
        if (strcmp(got, rows[i].reasons) != 0)
            fail_msg("%s: reasons \"%s\", want \"%s\"", rows[i].treatment, got, rows[i].reasons);
        assert_int_equal(res.nmissing, 0);
        screening_result_release(&res);
    }
}

/* One missing value asked for by two rules is listed once, with both rules. */
static void
test_missing_shared(void **state)
{
    const struct screening_rules *rules = *state;
    const struct tcase c = {"no Hb", HAIR, .drop = {"haemoglobin"}};
    struct screening_result res;

    assert_int_equal(run_case(rules, &c, &res), ST_OK);
    assert_int_equal(res.nmissing, 1);
    assert_int_equal(res.missing[0].nrules, 2);
    assert_string_equal(res.missing[0].rules[0]->id, "PRP-REL-1");
    assert_string_equal(res.missing[0].rules[1]->id, "HAIR-WU-2");
    assert_true(res.missing[0].required);
    assert_int_equal(res.missing[0].max_age_days, 90);
    assert_string_equal(res.missing[0].label.en, "haemoglobin from the last 90 days");
    assert_string_equal(res.missing[0].label.ar, "الهيموغلوبين خلال الأيام الـ90 الماضية");
    screening_result_release(&res);
}

static void
test_bad_input(void **state)
{
    const struct screening_rules *rules = *state;
    static const char *const unknown_condition[] = {"vampirism"};
    static const struct screening_medication unknown_med[] = {ONGOING("nsaid")};
    static const struct screening_medication bad_dose[] = {MED("aspirin", INT64_MAX / 2)};
    static const struct screening_lab unknown_lab[] = {LAB("iron", 1, D)};
    static const struct screening_lab nan_lab[] = {{.analyte = "ferritin", .value = NAN}};
    static const struct screening_lab nan_range[] = {
        {.analyte = "tsh", .value = 1, .measured_ms = S, .has_low = true, .low = INFINITY}};
    static const struct screening_finding unknown_finding[] = {YES("sunburn")};
    static const struct screening_finding twice[] = {YES("smoking"), NO("smoking")};
    static const struct screening_finding inf_bmi[] = {NUM("bmi", INFINITY)};
    static const struct screening_finding bad_event[] = {EVENT("scalp_procedure", INT64_MIN)};
    static const struct {
        struct screening_input in;
        const char *field;
        const char *code;
    } rows[] = {
        {{.treatment = "prp-body", .session_ms = S}, "treatment", "unknown_code"},
        {{.treatment = NULL, .session_ms = S}, "treatment", "unknown_code"},
        {{.treatment = FACE, .session_ms = INT64_MAX}, "session_at", "out_of_range"},
        {{.treatment = FACE, .session_ms = S, .conditions = unknown_condition, .nconditions = 1},
         "conditions",
         "unknown_code"},
        {{.treatment = FACE, .session_ms = S, .medications = unknown_med, .nmedications = 1},
         "medications",
         "unknown_code"},
        {{.treatment = FACE, .session_ms = S, .medications = bad_dose, .nmedications = 1},
         "medications",
         "out_of_range"},
        {{.treatment = FACE, .session_ms = S, .labs = unknown_lab, .nlabs = 1},
         "labs",
         "unknown_code"},
        {{.treatment = FACE, .session_ms = S, .labs = nan_lab, .nlabs = 1},
         "labs",
         "invalid_number"},
        {{.treatment = FACE, .session_ms = S, .labs = nan_range, .nlabs = 1},
         "labs",
         "invalid_number"},
        {{.treatment = FACE, .session_ms = S, .findings = unknown_finding, .nfindings = 1},
         "findings",
         "unknown_code"},
        {{.treatment = FACE, .session_ms = S, .findings = twice, .nfindings = 2},
         "findings",
         "duplicate"},
        {{.treatment = ADSC, .session_ms = S, .findings = inf_bmi, .nfindings = 1},
         "findings",
         "invalid_number"},
        {{.treatment = ADSC, .session_ms = S, .findings = bad_event, .nfindings = 1},
         "findings",
         "out_of_range"},
    };

    for (size_t i = 0; i < N(rows); i++) {
        struct screening_result res;
        assert_int_equal(screening_evaluate(rules, &rows[i].in, &res), ST_INVALID);
        assert_string_equal(res.fail.field, rows[i].field);
        assert_string_equal(res.fail.code, rows[i].code);
        assert_int_equal(res.nreasons, 0);
        assert_null(res.reasons);
        screening_result_release(&res);
    }
    screening_result_release(NULL);
}

static json_t *
result_json(const struct screening_rules *rules, const struct tcase *c)
{
    struct screening_result res;

    assert_int_equal(run_case(rules, c, &res), ST_OK);
    json_t *j = screening_result_to_json(&res);
    assert_non_null(j);
    screening_result_release(&res);
    return j;
}

static const char *
str_at(json_t *j, const char *path)
{
    json_t *v = j;
    char copy[128];
    char *save = NULL;

    snprintf(copy, sizeof(copy), "%s", path);
    for (char *t = strtok_r(copy, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
        if (*t >= '0' && *t <= '9')
            v = json_array_get(v, (size_t)atoi(t));
        else
            v = json_object_get(v, t);
        if (!v)
            fail_msg("no %s", path);
    }
    if (json_is_null(v))
        return "null";
    if (json_is_string(v))
        return json_string_value(v);
    fail_msg("%s is not a string", path);
    return NULL;
}

static void
test_json(void **state)
{
    const struct screening_rules *rules = *state;
    const struct tcase naproxen = {"naproxen", FACE,
                                   .meds = {MED("nsaid_nonselective", S - 30 * H)},
                                   .labs = {LAB("haemoglobin", 9.5, 2 * D)}};
    json_t *j = result_json(rules, &naproxen);

    assert_string_equal(str_at(j, "treatment"), "prp-face");
    assert_string_equal(str_at(j, "session_at"), "2026-12-01T09:00:00.000Z");
    assert_string_equal(str_at(j, "outcome"), "defer");
    assert_string_equal(str_at(j, "until"), "2026-12-02T03:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "reasons")), 3);
    assert_string_equal(str_at(j, "reasons.0.rule"), "PRP-REL-3");
    assert_string_equal(str_at(j, "reasons.0.effect"), "defer");
    assert_string_equal(str_at(j, "reasons.0.tier"), "E");
    assert_non_null(strstr(str_at(j, "reasons.0.source"), "Leach et al., Cureus 2024"));
    assert_string_equal(str_at(j, "reasons.0.until"), "2026-12-02T03:00:00.000Z");
    assert_string_equal(str_at(j, "reasons.0.condition.kind"), "medication");
    assert_string_equal(str_at(j, "reasons.0.condition.window.unit"), "hours");
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(j, "reasons"), 0), "condition"),
                "window"),
            "amount")),
        48);
    assert_string_equal(str_at(j, "reasons.0.matched.code"), "nsaid_nonselective");
    assert_string_equal(str_at(j, "reasons.0.matched.at"), "2026-11-30T03:00:00.000Z");
    assert_true(json_is_false(json_object_get(
        json_object_get(json_array_get(json_object_get(j, "reasons"), 0), "matched"), "ongoing")));
    assert_true(strlen(str_at(j, "reasons.0.text.patient.ar")) > 0);
    assert_true(strlen(str_at(j, "reasons.0.text.clinician.en")) > 0);
    assert_string_equal(str_at(j, "reasons.2.rule"), "PRP-REL-1");
    assert_string_equal(str_at(j, "reasons.2.until"), "null");
    assert_string_equal(str_at(j, "reasons.2.condition.comparison"), "<");
    assert_string_equal(str_at(j, "reasons.2.condition.unit"), "g/dL");
    assert_string_equal(str_at(j, "reasons.2.matched.unit"), "g/dL");
    assert_string_equal(str_at(j, "reasons.2.matched.at"), "2026-11-29T09:00:00.000Z");
    json_t *reason2 = json_array_get(json_object_get(j, "reasons"), 2);
    assert_true(json_real_value(json_object_get(json_object_get(reason2, "matched"), "value")) ==
                9.5);
    assert_true(json_number_value(
                    json_object_get(json_object_get(reason2, "condition"), "threshold")) == 10.0);
    assert_int_equal(json_array_size(json_object_get(j, "missing")), 0);
    json_decref(j);

    const struct tcase old = {"old platelets", FACE, .labs = {LAB("platelets", 250000, 91 * D)}};
    j = result_json(rules, &old);
    assert_string_equal(str_at(j, "outcome"), "incomplete");
    assert_string_equal(str_at(j, "until"), "null");
    assert_int_equal(json_array_size(json_object_get(j, "reasons")), 0);
    assert_string_equal(str_at(j, "missing.0.kind"), "lab");
    assert_string_equal(str_at(j, "missing.0.code"), "platelets");
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(j, "missing"), 0), "required")));
    assert_string_equal(str_at(j, "missing.0.label.en"), "platelet count from the last 90 days");
    assert_string_equal(str_at(j, "missing.0.label.ar"),
                        "عدد الصفائح الدموية خلال الأيام الـ90 الماضية");
    assert_string_equal(str_at(j, "missing.0.rules.0"), "PRP-REL-2");
    json_decref(j);

    const struct tcase gaps = {
        "gaps", ADSC, .meds = {STOPPED_UNKNOWN("aspirin")}, .labs = {LAB("tsh", 3, D)},
        .findings = {{.code = "scalp_procedure", .known = true, .yes = true}, NO("consent")}};
    j = result_json(rules, &gaps);
    assert_string_equal(str_at(j, "outcome"), "contraindicated");
    assert_string_equal(str_at(j, "missing.0.label.en"), "time of the last dose of aspirin");
    assert_string_equal(str_at(j, "missing.0.label.ar"), "وقت آخر جرعة من الأسبرين");
    assert_string_equal(str_at(j, "missing.1.kind"), "reference_range");
    assert_string_equal(str_at(j, "missing.1.label.en"),
                        "TSH with the laboratory's reference range, from the last 90 days");
    assert_string_equal(str_at(j, "missing.2.kind"), "event_time");
    assert_string_equal(str_at(j, "missing.2.label.en"), "date of the last scalp procedure");
    assert_string_equal(str_at(j, "missing.2.label.ar"), "تاريخ آخر إجراء على فروة الرأس");
    json_decref(j);
}

/* A clinic's edit of the file changes the outcome without a rebuild. */
static void
test_edited_threshold(void **state)
{
    json_error_t err;
    json_t *j = json_load_file(SHIPPED, 0, &err);
    struct screening_rules *edited = NULL;
    struct fail f;
    size_t i;
    json_t *rule;

    assert_non_null(j);
    json_array_foreach(json_object_get(j, "rules"), i, rule)
    {
        if (strcmp(json_string_value(json_object_get(rule, "id")), "HAIR-WU-1") == 0)
            json_object_set_new(json_object_get(rule, "condition"), "threshold", json_integer(50));
    }
    char *text = json_dumps(j, 0);
    json_decref(j);
    assert_non_null(text);
    assert_int_equal(screening_rules_parse("edited.json", text, strlen(text), &edited, &f), ST_OK);
    free(text);

    const struct tcase c = {"ferritin 40", HAIR, .labs = {LAB("ferritin", 40, D)}};
    struct screening_result res;
    char got[256];
    assert_int_equal(run_case(*state, &c, &res), ST_OK);
    joined_reasons(&res, got, sizeof(got));
    assert_string_equal(got, "");
    screening_result_release(&res);
    assert_int_equal(run_case(edited, &c, &res), ST_OK);
    joined_reasons(&res, got, sizeof(got));
    assert_string_equal(got, "HAIR-WU-1");
    screening_result_release(&res);
    screening_rules_free(edited);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),          cmocka_unit_test(test_rules_per_treatment),
        cmocka_unit_test(test_missing_shared), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_json),           cmocka_unit_test(test_edited_threshold),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
