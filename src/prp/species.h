/* Physical properties of the blood components that separate in a spin (red cells, platelets,
 * three leukocyte types, plasma) and the Stokes sedimentation coefficient each gets from them. */
#ifndef AUTOLOGA_PRP_SPECIES_H
#define AUTOLOGA_PRP_SPECIES_H

#include "core/status.h"

/* Every number here comes from the research behind the model, prp-model.md §1, cited by its
 * reference numbers [n] (listed in its §9). They are priors: the model's calibration (prp-model.md
 * §6.8) scales them; do not treat them as measured values for a patient. */

enum species_id { SPECIES_RBC, SPECIES_PLT, SPECIES_LYM, SPECIES_MON, SPECIES_NEU, SPECIES_COUNT };

/* One cell type. Instances are static constants owned by the module. */
struct species {
    enum species_id id;
    const char *name;    /* short lower-case key: "rbc", "plt", "lym", "mon", "neu" */
    double volume_fl;    /* mean cell volume, fL */
    double density_g_ml; /* cell density, g/mL */
};

/* Plasma density, g/mL: the "≈1.025" of prp-model.md §1.1 [49] [50], the value the §1.3
 * sedimentation table uses. [49] measured 1.0205 at 37 °C and 1.0310 at 4 °C; the difference
 * shifts every cell's excess density alike and is absorbed by calibration. */
#define SPECIES_PLASMA_DENSITY 1.025

/* Plasma viscosity at 37 °C, mPa·s: the model input of prp-model.md §1.2 (serum 1.23 mPa·s at
 * 37 °C [51]; plasma 1.50–1.70 mPa·s at room temperature [52]). */
#define SPECIES_PLASMA_MU37 1.25

/* Fractional fall of plasma viscosity per °C of warming (about 3 % per °C, Harkness & Philips
 * quoted in [51]; prp-model.md §1.2). */
#define SPECIES_VISCOSITY_SLOPE 0.03

/* Temperatures the viscosity law is used for, °C: the span of the measurements behind it, from
 * 4 °C [49] to body temperature [51]. */
#define SPECIES_TEMP_MIN_C 4.0
#define SPECIES_TEMP_MAX_C 37.0

/* The built-in properties of `id`; NULL for an id out of range. Borrowed, static. */
const struct species *species_get(enum species_id id);

/* Radius in µm of the sphere with the volume `volume_fl`, a = (3V/4π)^(1/3): the size Stokes'
 * law uses for a non-spherical cell (prp-model.md §1.3). ST_INVALID unless the volume is
 * positive and finite. Output zeroed on entry. */
int species_radius_um(double volume_fl, double *radius_um) WARN_UNUSED;

/* Plasma viscosity at `temp_c`: µ(T) = µ37·exp(SPECIES_VISCOSITY_SLOPE·(37 − T))
 * (prp-model.md §1.2). ST_INVALID for a non-positive or non-finite µ37 or a temperature outside
 * SPECIES_TEMP_MIN_C…SPECIES_TEMP_MAX_C. Output zeroed on entry. */
int species_plasma_viscosity(double mu37_mpas, double temp_c, double *mu_mpas) WARN_UNUSED;

/* Stokes sedimentation coefficient in seconds, s = 2a²(ρ_cell − ρ_plasma)/(9µ)
 * (prp-model.md §1.3 and §2.1), in plasma of density `plasma_density_g_ml` and viscosity
 * `mu_mpas`. The terminal velocity at acceleration ω²r is s·ω²r; s is negative for a cell lighter
 * than the plasma. ST_INVALID for a NULL species or non-positive, non-finite inputs. Output
 * zeroed on entry. */
int species_sedimentation(const struct species *sp, double plasma_density_g_ml, double mu_mpas,
                          double *s_seconds) WARN_UNUSED;

/* species_sedimentation in the default plasma (SPECIES_PLASMA_DENSITY) at `temp_c`, with the
 * viscosity of species_plasma_viscosity(SPECIES_PLASMA_MU37, temp_c). */
int species_sedimentation_at(const struct species *sp, double temp_c,
                             double *s_seconds) WARN_UNUSED;

#endif
