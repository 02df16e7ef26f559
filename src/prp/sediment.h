/* The multi-species kinematic sedimentation solver of the preparation designer: volume fractions
 * of red cells, platelets and leukocytes evolving along the radius of a spinning tube. */
#ifndef AUTOLOGA_PRP_SEDIMENT_H
#define AUTOLOGA_PRP_SEDIMENT_H

#include "core/status.h"
#include "prp/tube.h"

/* The model (prp-model.md §2.5, §6.3, §6.5). Species k has volume fraction φ_k; φ = Σφ_k.
 * Relative to the fluid it slips at u_k = c_k·(ρ_k − ρ_mix)·V(φ), where
 * ρ_mix = Σφ_jρ_j + (1 − φ)ρ_f and c_k = s_k/(ρ_k − ρ_f) is the species' mobility (2a²/9µ times a
 * calibrated slip multiplier). In a closed tube the mixture's volume-average velocity is zero, so
 * the absolute velocity is v_k = u_k − Σφ_j·u_j (Masliyah–Lockett–Bassoon) and the flux per unit of
 * centrifugal acceleration is F_k = φ_k·v_k. Velocities are "per unit acceleration": a species
 * at radius r moves at v_k·ω²r, so with τ = ∫ω²dt the equations contain no ω at all
 * (prp-model.md §6.6) and the solver advances in τ.
 *
 * Hindrance V(φ), 0 at and above φ_max:
 *   SEDIMENT_RICHARDSON_ZAKI  V = (1 − φ)^(n − 2): one species settles at s(1 − φ)^n (§2.5)
 *   SEDIMENT_MICHAELS_BOLGER  V = (1 − φ/φ_max)^κ: vanishes smoothly at packing (§6.3; κ ≈ φ_max·n)
 * Richardson–Zaki with n < 2 is accepted for one species only (the Kynch tests): V grows without
 * bound as φ → 1, and a second species in a dense bed would slip without bound.
 *
 * Discretisation (§6.5): cells of the 1-D radial column, numbered from the meniscus outwards,
 * face f between cells f − 1 and f; faces 0 and n are closed. The cell update is
 *   ΔW_j dφ_{k,j}/dτ = −(A a F̂_k)_{j+1/2} + (A a F̂_k)_{j−1/2}
 * with face area A and face acceleration factor a (the radius r for a rotor, 1 for a planar
 * column in a uniform field) staggered on the faces. Face fluxes:
 *   SEDIMENT_FLUX_RECEIVER  bidirectional receiver-velocity upwind: a species leaves cell j
 *                           outwards at φ_{k,j}·max(v_k^{j+1}, 0) when it moves outwards in j,
 *                           inwards at φ_{k,j+1}·min(v_k^j, 0) when it moves inwards in j + 1;
 *                           converging velocities give no flux, which is how a buffy coat forms.
 *                           Outflow is proportional to a cell's own content: positive for
 *                           CFL ≤ 1/2. The default.
 *   SEDIMENT_FLUX_ENGQUIST_OSHER  one species only (the red-cell scalar mode of §6.5): with f
 *                           unimodal, peak at φ_M, F = f(min(φ_L, φ_M)) + f(max(φ_R, φ_M)) −
 * f(φ_M); α the bound ‖J‖∞ ≥ |f'| as for Rusanov. The scalar tests' reference.
 *   SEDIMENT_FLUX_RUSANOV   local Lax–Friedrichs ½(F_L + F_R) − ½α(Φ_R − Φ_L), α the larger of
 *                           ‖J‖∞ (the analytic MLB Jacobian) and max|v_k|: the cross-check.
 * A capacity limiter scales every inflow into a cell so that φ never exceeds φ_max; it keeps the
 * same face flux on both sides, so each species is conserved exactly. Forward Euler in τ with
 * Δτ = cfl·min_j ΔW_j / (A a α) over the faces of j, α a bound of the wave speeds there. */

#define SEDIMENT_MAX_SPECIES 8

/* A species whose fraction is at most this on both sides of a face does not limit the receiver
 * flux's step (prp-model.md §6.5: "species with no mass do not limit Δτ"); an outflow limiter
 * keeps it positive instead. Without it the last traces of fast red cells above a pellet would
 * set the step for the whole spin. 1e-12 of a 10 mL column is far below one cell. */
#define SEDIMENT_TRACE 1e-12

enum sediment_hindrance {
    SEDIMENT_RICHARDSON_ZAKI,
    SEDIMENT_MICHAELS_BOLGER,
};

enum sediment_flux {
    SEDIMENT_FLUX_RECEIVER,
    SEDIMENT_FLUX_RUSANOV,
    SEDIMENT_FLUX_ENGQUIST_OSHER,
};

/* The physics of one run. The caller owns it; plain data. */
struct sediment_model {
    int species;                           /* 1…SEDIMENT_MAX_SPECIES */
    double mobility[SEDIMENT_MAX_SPECIES]; /* c_k ≥ 0, s per g/mL: s_k = c_k·(ρ_k − ρ_f) */
    double density[SEDIMENT_MAX_SPECIES];  /* ρ_k, g/mL */
    double fluid_density;                  /* ρ_f, g/mL */
    double phi_max;                        /* packing limit, 0 < φ_max ≤ 1 */
    enum sediment_hindrance hindrance;
    double exponent; /* n (≥ 1) or κ (≥ 1) */
};

/* ST_OK for a usable model, ST_INVALID otherwise. */
int sediment_model_check(const struct sediment_model *m) WARN_UNUSED;

/* Velocities v_k (per unit acceleration, in s) of the mixture `phi` into `v`; both arrays hold
 * m->species values, and `v` is zeroed first when the model is valid. ST_INVALID for a bad model
 * or fractions that are negative, not finite or sum above φ_max. */
int sediment_velocity(const struct sediment_model *m, const double *phi, double *v) WARN_UNUSED;

/* Fluxes F_k = φ_k·v_k of the mixture `phi` into `flux` (m->species values each); same checks. */
int sediment_flux(const struct sediment_model *m, const double *phi, double *flux) WARN_UNUSED;

/* The scalar mode (one species): where f(φ) = φ·v(φ) peaks on [0, φ_max], by golden-section
 * search to 1e-12 (prp-model.md §6.5). The hindrances here make f unimodal. ST_INVALID for a bad
 * model or more than one species; *phi_peak zeroed first. */
int sediment_flux_peak(const struct sediment_model *m, double *phi_peak) WARN_UNUSED;

/* The Engquist–Osher flux between an inner state `up` and an outer state `down` of the one
 * species, with the peak from sediment_flux_peak. Same checks; *flux zeroed first. */
int sediment_eo_flux(const struct sediment_model *m, double phi_peak, double up, double down,
                     double *flux) WARN_UNUSED;

/* The column: n cells, each with its volume, and n + 1 faces with area, acceleration factor
 * and position. Arrays are owned by the grid; release with sediment_grid_release. Positions
 * (r or depth x) increase outwards; a planar grid starts at 0. */
struct sediment_grid {
    int cells;
    double *volume; /* [cells], ΔW_j */
    double *area;   /* [cells + 1], A at each face */
    double *accel;  /* [cells + 1], a at each face */
    double *pos;    /* [cells + 1], r (or x) of each face */
};

/* Largest grid accepted: far beyond the 150–400 cells the model uses (prp-model.md §6.5), small
 * enough that a bad request cannot exhaust memory. */
#define SEDIMENT_MAX_CELLS 100000

/* A planar column of `height` in `cells` equal cells of unit area in a uniform field (a = 1):
 * the geometry of the classical Kynch tests. ST_INVALID for a bad size, ST_NOMEM. */
int sediment_grid_planar(struct sediment_grid *g, int cells, double height) WARN_UNUSED;

/* A radial column from r_in to r_out whose cross-section grows as A = r^p (p = 0 a cylinder in a
 * swing-out rotor, p = 1 a sector), in `cells` cells of equal volume, a = r. */
int sediment_grid_power(struct sediment_grid *g, int cells, double r_in, double r_out,
                        double p) WARN_UNUSED;

/* The liquid `fill_ml` spinning in tube `t` on rotor `rot`, in `cells` cells of equal volume
 * between its meniscus and the outermost point of the tube; positions and radii in mm, areas in
 * mm², volumes in mm³, a = r. */
int sediment_grid_tube(struct sediment_grid *g, int cells, const struct tube *t,
                       const struct tube_rotor *rot, double fill_ml) WARN_UNUSED;

/* Frees the arrays and zeroes the grid. Accepts NULL and a zeroed grid. */
void sediment_grid_release(struct sediment_grid *g);

struct sediment_options {
    enum sediment_flux flux;
    double cfl;     /* (0, 0.5]; the scheme is positive up to 0.5, 0.45 is the usual choice */
    long max_steps; /* give up with ST_TOO_BIG past this many steps; 0 means 10 million */
};

struct sediment_stats {
    long steps;
    double clipped; /* total negative round-off set to 0, in volume (should stay ~1e-15) */
    /* the invariants over every state the march produced (prp-model.md §6.5, §6.9 test 13):
     * the smallest φ_k an update gave before round-off was clipped, and the largest Σ_k φ_k of
     * any cell */
    double phi_min, total_max;
};

/* Advances `phi` ([cells × species], cell-major: phi[j·species + k]) through `tau` (rad²/s, or
 * time × acceleration for a planar grid). The state must be valid: every φ ≥ 0 and Σ_k φ ≤ φ_max.
 * Returns ST_INVALID for a bad model, grid, state or options, ST_NOMEM, ST_TOO_BIG when the step
 * limit is reached (phi then holds the state reached). `stats` may be NULL. */
int sediment_run(const struct sediment_model *m, const struct sediment_grid *g, double *phi,
                 double tau, const struct sediment_options *o,
                 struct sediment_stats *stats) WARN_UNUSED;

#endif
