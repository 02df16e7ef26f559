/* The preparation pipeline of the designer: this patient's blood, a tube, a rotor and a list of
 * spins with their collection rules → the predicted PRP (recovery, counts, classifications) and
 * the predicted layers of the tube after each spin. Pure computation: no database, no HTTP. */
#ifndef AUTOLOGA_PRP_SIMULATE_H
#define AUTOLOGA_PRP_SIMULATE_H

#include "core/status.h"
#include "prp/classify.h"
#include "prp/species.h"
#include "prp/tube.h"

/* The model is docs/prp-model.md: the multi-species kinematic solver of sediment.h on the real
 * tube, run once per spin; between spins the collection rule takes part of the tube (by volume
 * at rest) into a fresh tube of the same kind, mixed evenly. Everything it returns is a
 * prediction, and says so (struct prp_band). Volumes in mL, counts per µL, forces in × g at the
 * rotor radius (the bottom of the tube, r_max). */

#define PRP_MAX_SPINS 4
/* The layer profile of each spin is given in this many bands of equal volume. */
#define PRP_PROFILE_BANDS 40
/* Default cells of the solver's column (prp-model.md §6.5: 150–400, default 200). */
#define PRP_DEFAULT_CELLS 200
/* Fewest cells of a later spin, whose smaller fill gets the first spin's cell volume. */
#define PRP_MIN_CELLS 60

/* How a spin's product is taken from its tube. */
enum prp_rule {
    /* the plasma above the red cells, stopping margin_mm above their interface (pure PRP) */
    PRP_RULE_ABOVE_RBC,
    /* the plasma, the buffy coat and margin_mm of red cells below the interface (L-PRP) */
    PRP_RULE_BUFFY_COAT,
    /* volume_ml from the top */
    PRP_RULE_VOLUME,
    /* discard the top, keep the bottom `fraction` of the liquid with its pellet resuspended:
     * the last spin's rule (platelet-poor plasma removed) */
    PRP_RULE_KEEP_BOTTOM,
};

struct prp_collect {
    enum prp_rule rule;
    double margin_mm; /* above-rbc, buffy-coat: ≥ 0 */
    double volume_ml; /* volume: > 0 */
    double fraction;  /* keep-bottom-fraction: 0 < f ≤ 1 */
};

struct prp_spin {
    double g;       /* RCF of the hold at the rotor radius, × g */
    double minutes; /* hold */
    double accel_s; /* linear ramp up, s (0: instant) */
    double decel_s; /* linear ramp down, s (0: instant) */
    struct prp_collect collect;
};

/* The patient's sample. Leukocyte types not given are split from wbc_per_ul by
 * PRP_DEFAULT_LYM/MON/NEU. */
struct prp_blood {
    double volume_ml;        /* whole blood drawn, > 0 */
    double hct;              /* fraction, PRP_HCT_MIN…PRP_HCT_MAX */
    double platelets_per_ul; /* > 0 */
    double wbc_per_ul;       /* ≥ 0 */
    double lymphocytes_per_ul, monocytes_per_ul, neutrophils_per_ul; /* NAN when not given */
    double anticoagulant_ml; /* ≥ 0, added to the blood (dilutes every count) */
    double temperature_c;    /* of the spin, SPECIES_TEMP_MIN_C…SPECIES_TEMP_MAX_C */
};

/* Haematocrit accepted, and the narrower span without a warning (prp-model.md §1.4). */
#define PRP_HCT_MIN 0.25
#define PRP_HCT_MAX 0.60
#define PRP_HCT_WARN_LOW 0.30
#define PRP_HCT_WARN_HIGH 0.55

/* Leukocyte differential when only the total is known: the midpoints of the ranges of
 * prp-model.md §1.1 [45] (lymphocytes 20–50 %, monocytes 3–9 %, neutrophils 40–75 %), scaled to
 * add up to 1. A population default, not a patient value. */
#define PRP_DEFAULT_LYM (35.0 / 98.5)
#define PRP_DEFAULT_MON (6.0 / 98.5)
#define PRP_DEFAULT_NEU (57.5 / 98.5)

/* The model's free parameters (prp-model.md §6.8). prp_params_default gives the calibrated
 * values of docs/prp-model.md; the calibration harness varies them. */
struct prp_params {
    double m_rbc;           /* slip multiplier of the red cells (aggregation), × Stokes */
    double m_plt;           /* slip multiplier of the platelets */
    double m_wbc;           /* slip multiplier of the leukocytes */
    double exponent_n;      /* Richardson–Zaki exponent n; the hindrance is Michaels–Bolger with
                               κ = φ_max·n */
    double phi_max;         /* packing of the red-cell bed */
    double resuspension;    /* η_res: share of a pellet resuspended by keep-bottom-fraction */
    double interface_share; /* ε_I: the interface is where φ_RBC first exceeds this × the
                               blood's haematocrit */
    /* relative half-width of the uncertainty band of recovery, counts and concentration factor
     * (the calibration's error, docs/prp-model.md) */
    double band_rel;
};

/* The calibrated parameters. */
void prp_params_default(struct prp_params *p);

/* A request: what prp_simulate needs. The caller owns it; plain data. */
struct prp_request {
    struct prp_blood blood;
    struct tube tube;        /* every spin uses a tube of this kind */
    struct tube_rotor rotor; /* radius_mm = the rotor radius the g values refer to */
    int spins;               /* 1…PRP_MAX_SPINS */
    struct prp_spin spin[PRP_MAX_SPINS];
    struct prp_params params;
    int cells; /* solver cells per spin; 0 means PRP_DEFAULT_CELLS */
};

/* Sets defaults: blood counts unknown (NAN) for the leukocyte types, 22 °C, no anticoagulant, the
 * 15 mL conical tube, a swing-out rotor of 100 mm, no spins, the calibrated parameters. */
void prp_request_init(struct prp_request *r);

/* A prediction with its band: value and the interval [low, high] around it. */
struct prp_band {
    double value, low, high;
};

/* Counts of a volume of liquid, per µL. */
struct prp_counts {
    double platelets_per_ul, wbc_per_ul, lymphocytes_per_ul, monocytes_per_ul, neutrophils_per_ul,
        rbc_per_ul;
    double hct; /* red-cell volume fraction */
};

/* One band of the predicted layer profile after a spin, at rest, by volume from the top. */
struct prp_profile_band {
    double top_ml, bottom_ml;
    double hct;              /* red-cell volume fraction */
    double platelets_per_ul; /* and leukocytes per µL in the band */
    double wbc_per_ul;
};

/* What one spin does. */
struct prp_spin_result {
    double rpm;                /* the speed that gives spin.g at the rotor radius */
    double g_meniscus;         /* RCF at the meniscus (r_min) */
    double tau;                /* ∫ω²dt of the spin, rad²/s */
    double fill_ml;            /* liquid spun */
    double interface_ml;       /* red-cell interface, mL from the top at rest */
    double buffy_bottom_ml;    /* bottom of the buffy coat band, mL from the top */
    double cut_ml;             /* where the collection rule cut, mL from the top */
    double collected_ml;       /* volume taken on (or kept) */
    double platelet_share;     /* platelets collected / platelets spun */
    struct prp_counts product; /* counts of what was collected */
    long steps;                /* solver steps */
    int cells;                 /* solver cells */
    /* the solver's invariants over the spin (prp-model.md §6.9 test 13): the largest relative
     * change of a species' cell volume in the tube, the smallest volume fraction any step gave
     * (before round-off below zero was clipped) and the largest total fraction of a cell */
    double solver_conservation, solver_phi_min, solver_total_max;
    struct prp_profile_band profile[PRP_PROFILE_BANDS];
};

/* The predicted preparation. */
struct prp_result {
    int spins;
    struct prp_spin_result spin[PRP_MAX_SPINS];
    struct prp_counts blood;  /* the drawn blood, anticoagulant included */
    double blood_ml;          /* drawn blood plus anticoagulant */
    struct prp_band recovery; /* platelets in the PRP / platelets drawn, 0…1 */
    struct prp_band prp_volume_ml;
    struct prp_band platelets_per_ul;
    struct prp_band concentration_factor; /* PRP platelets / drawn blood platelets (no
                                             anticoagulant: the count the lab reports) */
    struct prp_band dose_billion;         /* platelets in the PRP, ×10⁹ */
    struct prp_counts prp;                /* the final counts (central values) */
    double wbc_reduction, rbc_reduction;  /* 1 − share carried over */
    struct classify_result classes;       /* of the central values, not activated */
    int warn_hct;                         /* haematocrit outside the usual span */
    int warn_activation;                  /* a first spin above 800 × g (prp-model.md §7.5) */
    int warn_fixed_angle;                 /* no calibration data for fixed-angle rotors */
};

/* Runs the preparation. ST_INVALID with `f` naming the field of the request (as the JSON names
 * it: "blood.hct", "spins[1].collect.fraction") and a code ("out_of_range", "invalid_value",
 * "too_big" when the rule takes more than the tube holds, "empty" when a rule takes nothing,
 * "required"); ST_NOMEM; ST_TOO_BIG when the solver's step cap is reached. `out` is zeroed on
 * entry. */
int prp_simulate(const struct prp_request *req, struct prp_result *out, struct fail *f) WARN_UNUSED;

/* "above-rbc", "buffy-coat", "volume", "keep-bottom-fraction"; NULL for a bad value. */
const char *prp_rule_name(enum prp_rule rule);

#endif
