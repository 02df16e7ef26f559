/* Classification of a platelet-rich plasma preparation by the five published systems (PAW,
 * Mishra, Dohan Ehrenfest, PLRA, DEPA) from its counts and volumes, as facts.md §3 defines them. */
#ifndef AUTOLOGA_PRP_CLASSIFY_H
#define AUTOLOGA_PRP_CLASSIFY_H

#include <math.h>

#include "core/status.h"

/* Shared by the preparation record (measured counts) and the preparation designer (predicted
 * counts). Nothing is guessed: an input not measured is CLASSIFY_UNKNOWN, and every part of a
 * classification that needs it comes out unknown ("?" in the printed codes). The systems:
 *
 *  PAW (DeLong et al. 2012): P1 PRP platelets ≤ baseline; P2 > baseline to 750 000/µL;
 *    P3 > 750 000 to 1 250 000; P4 > 1 250 000. "x" when activated exogenously. W: A when WBC is
 *    above baseline, B at or below; α / β for neutrophils above / not above baseline (equality is
 *    not stated for neutrophils; it is read like WBC). Code "P3-x-Bβ", or "P3-Bβ" unactivated.
 *  Mishra: type 1 increased WBC not activated, 2 increased WBC activated, 3 minimal WBC not
 *    activated, 4 minimal WBC activated; A ≥ 5× baseline platelets, B < 5×. "Increased" is WBC
 *    above baseline, the comparison PAW makes. Code "3B".
 *  Dohan Ehrenfest families: P (pure, WBC at or below baseline, prp-model.md §6.7) or L
 *    (leukocytes) with PRP (low-density fibrin) or PRF (high-density fibrin). Code "P-PRP".
 *  PLRA (Mautner et al. 2015): platelets per µL; L+ when neutrophils are more than 1 % of the
 *    PRP's WBC (prp-model.md §6.7 [58]); R+ when red cells are more than 1 % of the PRP, i.e. its
 *    haematocrit exceeds 0.01 (facts.md §3; [58]); A activation; volume. Code
 *    "P 1100000/µL, L+, R-, A-, 3.0 mL".
 *  DEPA (Magalon et al. 2016): dose = platelets in the PRP, count × volume, in billions;
 *    efficiency = recovery %; purity = platelets / (platelets + RBC + WBC) %; activation. Only
 *    the purity grade A (> 90 %) is verified (facts.md §3), so the other grades are given as
 *    numbers. Code "D 3.30×10⁹, E 66.0 %, P A, A-" or "…, P 81.6 %, …".
 *
 * Concentration factor = PRP platelets / blood platelets; recovery = (PRP platelets × PRP volume)
 * / (blood platelets × blood volume) (facts.md §3). Blood count and blood volume must describe the
 * same sample (both with or both without anticoagulant). */

/* The value of an input that was not measured. */
#define CLASSIFY_UNKNOWN NAN

/* A yes/no fact that may be unknown. Zero is unknown, so a zeroed struct knows nothing. */
enum classify_flag {
    CLASSIFY_FLAG_UNKNOWN = 0,
    CLASSIFY_FLAG_NO,
    CLASSIFY_FLAG_YES,
};

/* Fibrin architecture after activation, for the Dohan Ehrenfest families. */
enum classify_fibrin {
    CLASSIFY_FIBRIN_UNKNOWN = 0,
    CLASSIFY_FIBRIN_LOW,  /* a liquid PRP: low-density fibrin network once activated */
    CLASSIFY_FIBRIN_HIGH, /* a PRF: high-density fibrin */
};

/* Counts of one sample, each ≥ 0 or CLASSIFY_UNKNOWN. */
struct classify_counts {
    double platelets_per_ul;
    double wbc_per_ul;
    double neutrophils_per_ul; /* at most wbc_per_ul when both are known */
    double rbc_per_ul;
    /* haematocrit as a fraction 0…1. When the PRP's is unknown but its RBC count and the blood's
     * haematocrit and RBC count are known, it is derived through the blood's mean cell volume
     * (Hct / RBC), and the PRP's RBC count likewise from its haematocrit. */
    double hct;
};

/* What is known of a preparation. The caller owns it; start from classify_input_init. */
struct classify_input {
    struct classify_counts blood; /* the whole blood the PRP was made from: the baseline */
    struct classify_counts prp;   /* the final preparation */
    double blood_volume_ml;       /* > 0 or CLASSIFY_UNKNOWN */
    double prp_volume_ml;         /* > 0 or CLASSIFY_UNKNOWN: the volume made (or injected) */
    enum classify_flag activated; /* exogenous activation (calcium, thrombin) */
    enum classify_fibrin fibrin;
};

/* Sets every number to CLASSIFY_UNKNOWN and every flag to unknown. */
void classify_input_init(struct classify_input *in);

struct classify_paw {
    int platelets;                        /* 1…4; 0 unknown */
    enum classify_flag activated;         /* "x" */
    enum classify_flag wbc_above;         /* A (yes) or B (no) */
    enum classify_flag neutrophils_above; /* α (yes) or β (no) */
    char code[24];                        /* UTF-8, e.g. "P3-x-Bβ" */
};

struct classify_mishra {
    int type;     /* 1…4; 0 unknown */
    char subtype; /* 'A', 'B', or 0 unknown */
    char code[8]; /* e.g. "3B", "?B" */
};

struct classify_dohan {
    enum classify_flag leukocytes; /* L (yes) or P (no) */
    enum classify_fibrin fibrin;   /* PRP (low) or PRF (high) */
    char code[8];                  /* e.g. "P-PRP", "L-?" */
};

struct classify_plra {
    double platelets_per_ul;       /* NAN unknown */
    enum classify_flag leukocytes; /* L+ / L- */
    enum classify_flag red_cells;  /* R+ / R- */
    enum classify_flag activated;  /* A+ / A- */
    double volume_ml;              /* NAN unknown */
    char code[96];
};

struct classify_depa {
    double dose_billion;        /* platelets in the preparation, ×10⁹; NAN unknown */
    double efficiency_pct;      /* platelet recovery, %; NAN unknown */
    double purity_pct;          /* platelets among platelets + RBC + WBC, %; NAN unknown */
    enum classify_flag grade_a; /* purity > 90 % */
    enum classify_flag activated;
    char code[128];
};

/* The classifications of one preparation. Numbers not computable are NAN. */
struct classify_result {
    double concentration_factor;
    double recovery_pct;
    struct classify_paw paw;
    struct classify_mishra mishra;
    struct classify_dohan dohan;
    struct classify_plra plra;
    struct classify_depa depa;
};

/* Classifies `in` into `out`. ST_INVALID, with `f` (when not NULL) naming the field
 * (e.g. "prp.hct", "blood_volume_ml") and the code "invalid_value", when a count is negative or
 * not finite, a haematocrit is outside 0…1, a volume is not positive, the baseline platelet count
 * is 0, neutrophils exceed WBC, or an enum is out of range. `out` is zeroed on entry and filled
 * only on success. */
int classify_compute(const struct classify_input *in, struct classify_result *out,
                     struct fail *f) WARN_UNUSED;

/* Writes d->code from its other members, for a caller that takes the dose and the efficiency
 * from different volumes (the preparation record: the dose injected, the recovery of the volume
 * made). */
void classify_depa_format(struct classify_depa *d);

/* "unknown", "no" or "yes"; never NULL. */
const char *classify_flag_name(enum classify_flag flag);

#endif
