/* Blood component properties and their Stokes sedimentation coefficients (see species.h). */
#include "prp/species.h"

#include <math.h>
#include <stddef.h>

/* The sizes and densities below are the inputs of the sedimentation table of prp-model.md §1.3,
 * each chosen inside the ranges of §1.1 with the sources given there:
 *  - RBC: 90 fL within 82–96 fL [46] [45]; 1.100 g/mL, the widely quoted single-cell value
 *    (Grover et al. [39]; 1.096 in [76], 1.093 in [29]).
 *  - Platelets: 7.5 fL within 6–10 fL [47] [42]; 1.058 g/mL, between the 1.053 of [29] and the
 *    ≤ 1.062 lightest subpopulation of [40] (counterflow fractions 1.067–1.072 [41]).
 *  - Lymphocytes: 230 fL, the small end of ≈230–320 fL [45]; 1.070 g/mL, above monocytes and
 *    below the Ficoll 1.077 band [43] [44].
 *  - Monocytes: 470 fL, the top of ≈400–470 fL [45]; 1.065 g/mL, the lightest leukocytes,
 *    separated on Nycoprep 1.068 [44].
 *  - Neutrophils: 400 fL, the top of ≈300–400 fL [45]; 1.080 g/mL, the densest leukocytes,
 *    still below red cells [43].
 * Density order monocytes < lymphocytes < granulocytes < erythrocytes as in Boyum gradients [43].
 */
static const struct species table[SPECIES_COUNT] = {
    [SPECIES_RBC] = {SPECIES_RBC, "rbc", 90.0, 1.100},
    [SPECIES_PLT] = {SPECIES_PLT, "plt", 7.5, 1.058},
    [SPECIES_LYM] = {SPECIES_LYM, "lym", 230.0, 1.070},
    [SPECIES_MON] = {SPECIES_MON, "mon", 470.0, 1.065},
    [SPECIES_NEU] = {SPECIES_NEU, "neu", 400.0, 1.080},
};

static int
finite_pos(double x)
{
    return isfinite(x) && x > 0.0;
}

const struct species *
species_get(enum species_id id)
{
    if ((int)id < 0 || id >= SPECIES_COUNT)
        return NULL;
    return &table[id];
}

int
species_radius_um(double volume_fl, double *radius_um)
{
    *radius_um = 0.0;
    if (!finite_pos(volume_fl))
        return ST_INVALID;
    /* 1 fL = 1 µm³ */
    *radius_um = cbrt(3.0 * volume_fl / (4.0 * M_PI));
    return ST_OK;
}

int
species_plasma_viscosity(double mu37_mpas, double temp_c, double *mu_mpas)
{
    *mu_mpas = 0.0;
    if (!finite_pos(mu37_mpas) || !isfinite(temp_c) || temp_c < SPECIES_TEMP_MIN_C ||
        temp_c > SPECIES_TEMP_MAX_C)
        return ST_INVALID;
    double mu = mu37_mpas * exp(SPECIES_VISCOSITY_SLOPE * (37.0 - temp_c));
    if (!finite_pos(mu))
        return ST_INVALID;
    *mu_mpas = mu;
    return ST_OK;
}

int
species_sedimentation(const struct species *sp, double plasma_density_g_ml, double mu_mpas,
                      double *s_seconds)
{
    *s_seconds = 0.0;
    if (sp == NULL || !finite_pos(plasma_density_g_ml) || !finite_pos(mu_mpas))
        return ST_INVALID;
    double a_um;
    int st = species_radius_um(sp->volume_fl, &a_um);
    if (st != ST_OK)
        return st;
    if (!finite_pos(sp->density_g_ml))
        return ST_INVALID;
    /* SI: a in m, Δρ in kg/m³ (1 g/mL = 1000 kg/m³), µ in Pa·s (1 mPa·s = 1e-3 Pa·s) */
    double a = a_um * 1e-6;
    double drho = (sp->density_g_ml - plasma_density_g_ml) * 1000.0;
    double mu = mu_mpas * 1e-3;
    double s = 2.0 * a * a * drho / (9.0 * mu);
    if (!isfinite(s))
        return ST_INVALID;
    *s_seconds = s;
    return ST_OK;
}

int
species_sedimentation_at(const struct species *sp, double temp_c, double *s_seconds)
{
    *s_seconds = 0.0;
    double mu;
    int st = species_plasma_viscosity(SPECIES_PLASMA_MU37, temp_c, &mu);
    if (st != ST_OK)
        return st;
    return species_sedimentation(sp, SPECIES_PLASMA_DENSITY, mu, s_seconds);
}
