/* The steps of prp_simulate, shared with the optimiser's fast path: the solver model of a request,
 * one spin on a state, and the collection operator that reads a spun tube. */
#ifndef AUTOLOGA_PRP_PIPELINE_H
#define AUTOLOGA_PRP_PIPELINE_H

#include "core/status.h"
#include "prp/sediment.h"
#include "prp/simulate.h"

/* Species of the pipeline, in the solver's order: enum species_id (RBC, PLT, LYM, MON, NEU). */
#define PRP_NSPECIES SPECIES_COUNT

/* Solver options of the pipeline: the receiver flux at CFL 0.45 (prp-model.md §6.5) and a step
 * cap far above any protocol of the accepted ranges. */
extern const struct sediment_options prp_solver_options;

/* The solver model of `req` (mobilities at the blood's temperature, with the slip multipliers)
 * and the volume fractions of the drawn blood with its anticoagulant, phi0[PRP_NSPECIES].
 * Checks the blood and the parameters; ST_INVALID naming the field. */
int prp_pipeline_model(const struct prp_request *req, struct sediment_model *m, double *phi0,
                       struct fail *f) WARN_UNUSED;

/* ω of a spin's hold at the rotor radius and its τ (ramps included). */
int prp_pipeline_tau(const struct prp_request *req, const struct prp_spin *s, double *omega,
                     double *tau) WARN_UNUSED;

/* The tube as it spins: the request's tube, cut short above the liquid when its open end would
 * reach past the rotor axis (the model never looks above the meniscus, and a capped tube's empty
 * top carries no load), with its capacity reduced to match. ST_INVALID (field "rotor") when even
 * `fill_ml` of liquid would reach the axis or the tube is not usable. */
int prp_pipeline_tube(const struct prp_request *req, double fill_ml, struct tube *out,
                      struct fail *f) WARN_UNUSED;

/* What a collection rule takes from a spun tube. Contents are cell volumes in mL per species. */
struct prp_take {
    double interface_ml, buffy_bottom_ml, cut_ml;
    double from_ml, to_ml;        /* the part taken, by volume from the top */
    double content[PRP_NSPECIES]; /* cell volume taken, mL */
    double spun[PRP_NSPECIES];    /* cell volume in the tube, mL */
};

/* Applies rule `c` to the state `phi` of grid `g` (fill_ml of liquid in req->tube), with the
 * interface threshold `threshold` (a red-cell volume fraction); keep-bottom-fraction resuspends
 * its pellet with req->params.resuspension. ST_INVALID (field `field`, code "empty" or "too_big")
 * when the rule takes nothing or more than there is. */
int prp_pipeline_take(const struct prp_request *req, const struct sediment_grid *g,
                      const double *phi, double fill_ml, double threshold,
                      const struct prp_collect *c, const char *field, struct prp_take *out,
                      struct fail *f) WARN_UNUSED;

#endif
