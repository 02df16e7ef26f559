/* The preparation optimiser: searches a grid of two-spin protocols for the ones that reach a target
 * platelet concentration within leukocyte, red-cell and centrifuge limits, with the most recovery.
 */
#ifndef AUTOLOGA_PRP_DESIGN_H
#define AUTOLOGA_PRP_DESIGN_H

#include "core/status.h"
#include "prp/simulate.h"

/* Target from facts.md §3 (IADVL 2021): 1.0–1.5 million platelets/µL. */
#define PRP_DESIGN_TARGET_MIN 1000000.0
#define PRP_DESIGN_TARGET_MAX 1500000.0
/* Most values a grid axis may list, and most protocols returned. */
#define PRP_DESIGN_AXIS_MAX 16
#define PRP_DESIGN_MAX_RESULTS 20

/* One axis of the grid: its values in order. */
struct prp_axis {
    int n;
    double v[PRP_DESIGN_AXIS_MAX];
};

/* What to search. The caller owns it; start from prp_design_init. */
struct prp_design_request {
    struct prp_request base;       /* blood, tube, rotor, params, cells; its spins are ignored */
    double target_min, target_max; /* platelets per µL of the PRP */
    double wbc_max_per_ul;         /* NAN: no limit */
    double rbc_max_per_ul;         /* NAN: no limit */
    double max_rpm, max_g;         /* the centrifuge's limits at its radius; NAN: none */
    /* the grid: spin 1 force and minutes, its rule (above-rbc and/or buffy-coat, both with
     * margin_mm), spin 2 force and minutes, the kept bottom fraction */
    struct prp_axis g1, min1, g2, min2, fraction;
    int rule_above_rbc, rule_buffy_coat; /* which first-spin rules to try (at least one) */
    double margin_mm;
    double accel_s, decel_s; /* ramps of every spin */
    int results;             /* how many to return, 1…PRP_DESIGN_MAX_RESULTS; 0 means 5 */
    int verify;              /* re-run the returned protocols with the full solver */
};

/* The default search: the IADVL ranges of facts.md §3 widened on either side (spin 1 100–400 × g
 * in 6 steps, 4–15 min in 6; spin 2 400–2000 × g in 6, 5–20 min in 4), kept fractions 0.15–0.5
 * in 6, both first-spin rules with a 2 mm margin: 10,368 candidates. Blood, tube and rotor are
 * left to the caller (prp_request_init's). */
void prp_design_init(struct prp_design_request *r);

/* One proposed protocol. */
struct prp_design_item {
    struct prp_spin spin[2];
    double rpm[2];
    double recovery;         /* fast path */
    double platelets_per_ul; /* fast path */
    double prp_volume_ml, wbc_per_ul, rbc_per_ul, concentration_factor;
    int meets_target;       /* 1 when every constraint holds, 0 for the nearest misses */
    struct prp_result full; /* the full solver's result, when verified */
    int verified;
};

struct prp_design_result {
    long candidates;     /* protocols evaluated */
    long feasible;       /* of which met every constraint */
    long skipped_limits; /* left out by the centrifuge's limits */
    double seconds;      /* wall time */
    int n;               /* items returned */
    struct prp_design_item item[PRP_DESIGN_MAX_RESULTS];
    double fast_error_max; /* largest |fast − full| of recovery over the verified items */
};

/* Searches. Feasible protocols rank by recovery (then fewer minutes in all); when none is
 * feasible the nearest misses (by how far the concentration falls outside the target, then the
 * limits) are returned with meets_target 0. ST_INVALID with `f` naming the field ("target",
 * "grid.g1", "limits.max_g", …), ST_NOMEM, ST_TOO_BIG. `out` is zeroed on entry. */
int prp_design(const struct prp_design_request *req, struct prp_design_result *out,
               struct fail *f) WARN_UNUSED;

#endif
