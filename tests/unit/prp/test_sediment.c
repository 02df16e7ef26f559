/* Unit tests of src/prp/sediment: the test cases of prp-model.md §6.9 that have exact answers
 * (3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14), the Rusanov cross-check, and the tube grid. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/protocol.h"
#include "prp/sediment.h"
#include "prp/species.h"
#include "prp/tube.h"

static void
assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tolerance %g)", got, want, tol);
}

/* One species with s = c(ρ − ρ_f) = 10·(1.1 − 1.0) = 1 and Richardson–Zaki exponent n:
 * F = φ(1 − φ)^n, the flux of the classical Kynch tests (v0 = 1). */
static struct sediment_model
kynch(double n)
{
    struct sediment_model m = {.species = 1,
                               .fluid_density = 1.0,
                               .phi_max = 1.0,
                               .hindrance = SEDIMENT_RICHARDSON_ZAKI,
                               .exponent = n};
    m.mobility[0] = 10.0;
    m.density[0] = 1.1;
    return m;
}

static const struct sediment_options receiver = {SEDIMENT_FLUX_RECEIVER, 0.45, 0};
static const struct sediment_options rusanov = {SEDIMENT_FLUX_RUSANOV, 0.45, 0};

static double *
fill(const struct sediment_grid *g, int species, const double *phi0, double x_from, double x_to)
{
    double *phi = calloc((size_t)g->cells * (size_t)species, sizeof *phi);
    assert_non_null(phi);
    for (int j = 0; j < g->cells; j++) {
        double mid = 0.5 * (g->pos[j] + g->pos[j + 1]);
        if (mid >= x_from && mid <= x_to)
            for (int k = 0; k < species; k++)
                phi[(size_t)j * species + k] = phi0[k];
    }
    return phi;
}

static double
mass(const struct sediment_grid *g, const double *phi, int species, int k, int from, int to)
{
    double sum = 0.0;
    for (int j = from; j < to; j++)
        sum += phi[(size_t)j * species + k] * g->volume[j];
    return sum;
}

/* ---- fluxes ---- */

/* §6.9 test 10: K = 1 reproduces φ·s·h(φ) exactly, and two identical species carrying half the
 * concentration each reproduce the single-species flux. */
static void
test_mlb_reduction(void **state)
{
    (void)state;
    struct sediment_model m = kynch(2.71);
    m.mobility[0] = 2.0; /* s = 2·(1.1 − 1.0) = 0.2 */
    double phi = 0.3, f[SEDIMENT_MAX_SPECIES];
    /* RZ: 0.2·0.3·0.7^2.71 = 0.06·0.380378 = 0.0228227 */
    assert_int_equal(sediment_flux(&m, &phi, f), ST_OK);
    assert_near(f[0], 0.02282269565107982, 1e-15);
    /* Michaels–Bolger, φ_max 0.95, κ = 0.95·2.71: 0.2·0.3·0.7²·(1 − 0.3/0.95)^2.5745 = 0.0110673 */
    m.hindrance = SEDIMENT_MICHAELS_BOLGER;
    m.phi_max = 0.95;
    m.exponent = 0.95 * 2.71;
    assert_int_equal(sediment_flux(&m, &phi, f), ST_OK);
    assert_near(f[0], 0.011067342373816492, 1e-15);

    struct sediment_model two = m;
    two.species = 2;
    two.mobility[1] = two.mobility[0];
    two.density[1] = two.density[0];
    const double fractions[] = {0.0, 0.01, 0.2, 0.5, 0.9, 0.95};
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        double one = fractions[i], halves[2] = {one / 2.0, one / 2.0};
        double f1[SEDIMENT_MAX_SPECIES], f2[SEDIMENT_MAX_SPECIES], v1[SEDIMENT_MAX_SPECIES],
            v2[SEDIMENT_MAX_SPECIES];
        assert_int_equal(sediment_flux(&m, &one, f1), ST_OK);
        assert_int_equal(sediment_flux(&two, halves, f2), ST_OK);
        assert_near(f2[0] + f2[1], f1[0], 1e-16);
        assert_int_equal(sediment_velocity(&m, &one, v1), ST_OK);
        assert_int_equal(sediment_velocity(&two, halves, v2), ST_OK);
        assert_near(v2[0], v1[0], 1e-16);
        assert_near(v2[1], v1[0], 1e-16);
    }
    /* packed: nothing moves */
    phi = 0.95;
    assert_int_equal(sediment_velocity(&m, &phi, f), ST_OK);
    assert_true(f[0] == 0.0);
}

/* §6.9 test 11: a light tracer (ρ 1.06) inside a packed red-cell bed (φ 0.9, ρ_mix = 1.025 +
 * 0.9·0.075 = 1.0925) moves inwards; with no red cells it settles outwards. */
static void
test_buoyancy(void **state)
{
    (void)state;
    const struct species *rbc = species_get(SPECIES_RBC);
    double s_rbc;
    assert_int_equal(species_sedimentation_at(rbc, 37.0, &s_rbc), ST_OK);
    struct sediment_model m = {.species = 2,
                               .fluid_density = SPECIES_PLASMA_DENSITY,
                               .phi_max = 0.95,
                               .hindrance = SEDIMENT_MICHAELS_BOLGER,
                               .exponent = 0.95 * 2.71};
    m.mobility[0] = s_rbc / (rbc->density_g_ml - SPECIES_PLASMA_DENSITY);
    m.density[0] = rbc->density_g_ml;
    m.mobility[1] = m.mobility[0] / 10.0; /* a smaller particle */
    m.density[1] = 1.06;
    double v[SEDIMENT_MAX_SPECIES];
    double bed[2] = {0.9, 1e-4}, clear[2] = {0.0, 1e-4};
    assert_int_equal(sediment_velocity(&m, bed, v), ST_OK);
    assert_true(v[1] < 0.0);
    assert_true(v[0] > 0.0);
    assert_int_equal(sediment_velocity(&m, clear, v), ST_OK);
    assert_true(v[1] > 0.0);
}

/* ---- planar columns ---- */

/* Equal-area position of the top front: the clear depth whose deficit matches the mass that
 * left the cells above `limit`, Σ(φ0 − φ)Δx/φ0. */
static double
top_front(const struct sediment_grid *g, const double *phi, double phi0, double limit)
{
    double sum = 0.0;
    for (int j = 0; j < g->cells && g->pos[j + 1] <= limit; j++)
        sum += (phi0 - phi[j]) * g->volume[j];
    return sum / phi0;
}

/* Equal-area position of the bottom front from the excess mass below `limit`, for a sediment
 * of concentration phi_sed. */
static double
bottom_front(const struct sediment_grid *g, const double *phi, double phi0, double phi_sed,
             double limit)
{
    double sum = 0.0;
    for (int j = 0; j < g->cells; j++)
        if (g->pos[j] >= limit)
            sum += (phi[j] - phi0) * g->volume[j];
    return g->pos[g->cells] - sum / (phi_sed - phi0);
}

/* §6.9 test 3: φ0 = 1e-4, v = (1 − φ0) (n = 1), τ = 0.4: the top front at v·τ = 0.39996, the
 * bottom front at H − φ0·v·τ/(φ_max − φ0) = 1 − 4e-5, and φ0 untouched between them. The
 * positions are exact by conservation: every face in the plateau carries φ0·v. */
static void
test_dilute_planar(void **state)
{
    (void)state;
    struct sediment_model m = kynch(1.0);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_planar(&g, 400, 1.0), ST_OK);
    double phi0 = 1e-4;
    double *phi = fill(&g, 1, &phi0, 0.0, 1.0);
    struct sediment_stats stats;
    assert_int_equal(sediment_run(&m, &g, phi, 0.4, &receiver, &stats), ST_OK);
    assert_true(stats.steps > 0);
    assert_true(stats.clipped == 0.0);
    assert_near(top_front(&g, phi, phi0, 0.7), 0.9999 * 0.4, 1e-12);
    assert_near(bottom_front(&g, phi, phi0, 1.0, 0.7), 1.0 - 4e-5, 1e-12);
    for (int j = 0; j < 400; j++) {
        double mid = 0.5 * (g.pos[j] + g.pos[j + 1]);
        /* the nearly linear top front spreads like a contact, ~√steps cells: 0.2 away it is
         * eight of its widths */
        if (mid > 0.6 && mid < 0.95)
            assert_near(phi[j], phi0, 1e-16);
        assert_true(phi[j] <= 1.0);
    }
    assert_near(mass(&g, phi, 1, 0, 0, 400), phi0, 1e-18);
    free(phi);
    sediment_grid_release(&g);
}

/* φ at distance `cells` on either side of a front at x: outside the smeared zone the states of
 * the exact solution must be reached (an entropy-violating scheme would leave a fan). */
static void
assert_states(const struct sediment_grid *g, const double *phi, double x, int cells, double left,
              double right, double tol)
{
    double dx = g->pos[1] - g->pos[0];
    for (int j = 0; j < g->cells; j++) {
        double mid = 0.5 * (g->pos[j] + g->pos[j + 1]);
        if (mid < x - cells * dx && mid > x - 4 * cells * dx)
            assert_near(phi[j], left, tol);
        if (mid > x + cells * dx && mid < x + 4 * cells * dx)
            assert_near(phi[j], right, tol);
    }
}

/* §6.9 test 7, f = φ(1 − φ), φ0 = 0.3, H = 1. (a) top shock σ = 1 − φ0 = 0.7 and (b) bottom
 * shock σ = −φ0 = −0.3: at τ = 0.5 the fronts stand at 0.35 and 0.85, both sharp; (c) the fronts
 * meet at τ* = H/v0 = 1, leaving a packed sediment of height H·φ0 = 0.3. */
static void
test_kynch_shocks(void **state)
{
    (void)state;
    const struct sediment_options *opts[] = {&receiver, &rusanov};
    for (int o = 0; o < 2; o++) {
        struct sediment_model m = kynch(1.0);
        struct sediment_grid g;
        assert_int_equal(sediment_grid_planar(&g, 400, 1.0), ST_OK);
        double phi0 = 0.3;
        double *phi = fill(&g, 1, &phi0, 0.0, 1.0);
        assert_int_equal(sediment_run(&m, &g, phi, 0.5, opts[o], NULL), ST_OK);
        assert_near(top_front(&g, phi, phi0, 0.6), 0.35, 1e-9);
        assert_near(bottom_front(&g, phi, phi0, 1.0, 0.6), 0.85, 1e-9);
        /* both fluxes hold both shocks within 16 cells (a scheme that let a shock open into a
         * fan would spread over 0.7·0.5·400 = 140 cells here) */
        assert_states(&g, phi, 0.35, 16, 0.0, phi0, 1e-4);
        assert_states(&g, phi, 0.85, 16, phi0, 1.0, 1e-4);
        /* (c): at τ = 1.5 all is settled into the bottom 0.3 */
        assert_int_equal(sediment_run(&m, &g, phi, 1.0, opts[o], NULL), ST_OK);
        assert_states(&g, phi, 0.7, 16, 0.0, 1.0, 1e-4);
        assert_near(mass(&g, phi, 1, 0, 0, 400), 0.3, 1e-12);
        free(phi);
        sediment_grid_release(&g);
    }
}

/* §6.9 test 7(d): a suspension layer (φ0 = 0.3 over 0 ≤ x ≤ 0.3) above clear liquid opens a
 * rarefaction fan φ = (1 − ξ)/2 for ξ = (x − 0.3)/τ in [1 − 2φ0, 1]; its top edge is the shock
 * at x = 0.7τ. At τ = 0.4: 0 above 0.28, 0.3 to 0.46, the fan to 0.70, 0 below. The L¹ error is
 * first order: small, and smaller on a finer grid. */
static double
diehl_error(int cells)
{
    struct sediment_model m = kynch(1.0);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_planar(&g, cells, 1.0), ST_OK);
    double phi0 = 0.3;
    double *phi = fill(&g, 1, &phi0, 0.0, 0.3);
    assert_int_equal(sediment_run(&m, &g, phi, 0.4, &receiver, NULL), ST_OK);
    double err = 0.0;
    for (int j = 0; j < cells; j++) {
        double x = 0.5 * (g.pos[j] + g.pos[j + 1]), want;
        double xi = (x - 0.3) / 0.4;
        if (x < 0.28)
            want = 0.0;
        else if (xi < 1.0 - 2.0 * phi0)
            want = phi0;
        else if (xi < 1.0)
            want = (1.0 - xi) / 2.0;
        else
            want = 0.0;
        err += fabs(phi[j] - want) * g.volume[j];
    }
    free(phi);
    sediment_grid_release(&g);
    return err;
}

static void
test_kynch_rarefaction(void **state)
{
    (void)state;
    double coarse = diehl_error(400), fine = diehl_error(800);
    print_message("Diehl L1 error: %g (400 cells), %g (800 cells)\n", coarse, fine);
    assert_true(coarse < 6e-3);
    assert_true(fine < 0.7 * coarse);
}

/* §6.9 test 8: f = φ(1 − φ)^2.71, φ0 = 0.2 below the inflection 2/(n + 1) = 0.539: the top
 * interface is one shock at σ = 0.8^2.71 = 0.546228, at x = 0.163868 when τ = 0.3. */
static void
test_rz_shock(void **state)
{
    (void)state;
    struct sediment_model m = kynch(2.71);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_planar(&g, 400, 1.0), ST_OK);
    double phi0 = 0.2;
    double *phi = fill(&g, 1, &phi0, 0.0, 1.0);
    assert_int_equal(sediment_run(&m, &g, phi, 0.3, &receiver, NULL), ST_OK);
    assert_near(top_front(&g, phi, phi0, 0.5), 0.16386836459155177, 1e-9);
    assert_states(&g, phi, 0.16386836459155177, 16, 0.0, phi0, 1e-4);
    assert_near(mass(&g, phi, 1, 0, 0, 400), 0.2, 1e-12);
    free(phi);
    sediment_grid_release(&g);
}

/* §6.9 test 9: the Engquist–Osher flux. Its peak for f = φ(1 − φ)^n is at 1/(n + 1); F(u, u) =
 * f(u); F rises with the inner state and falls with the outer one; and as the flux of a run it
 * moves the Richardson–Zaki shock of test 8 to the same place. */
static void
test_engquist_osher(void **state)
{
    (void)state;
    struct sediment_model m = kynch(2.71);
    double peak;
    assert_int_equal(sediment_flux_peak(&m, &peak), ST_OK);
    assert_near(peak, 1.0 / 3.71, 1e-9);
    for (double u = 0.0; u <= 1.0; u += 0.05) {
        double fe, f;
        assert_int_equal(sediment_eo_flux(&m, peak, u, u, &fe), ST_OK);
        assert_int_equal(sediment_flux(&m, &u, &f), ST_OK);
        assert_near(fe, f, 1e-15);
    }
    const double h = 1e-6;
    for (double a = 0.01; a < 0.99; a += 0.07) {
        for (double b = 0.01; b < 0.99; b += 0.07) {
            double f0, fa, fb;
            assert_int_equal(sediment_eo_flux(&m, peak, a, b, &f0), ST_OK);
            assert_int_equal(sediment_eo_flux(&m, peak, a + h, b, &fa), ST_OK);
            assert_int_equal(sediment_eo_flux(&m, peak, a, b + h, &fb), ST_OK);
            assert_true(fa - f0 >= -1e-15);
            assert_true(fb - f0 <= 1e-15);
        }
    }
    struct sediment_grid g;
    assert_int_equal(sediment_grid_planar(&g, 400, 1.0), ST_OK);
    double phi0 = 0.2;
    double *phi = fill(&g, 1, &phi0, 0.0, 1.0);
    const struct sediment_options eo = {SEDIMENT_FLUX_ENGQUIST_OSHER, 0.45, 0};
    assert_int_equal(sediment_run(&m, &g, phi, 0.3, &eo, NULL), ST_OK);
    assert_near(top_front(&g, phi, phi0, 0.5), 0.16386836459155177, 1e-9);
    assert_near(mass(&g, phi, 1, 0, 0, 400), 0.2, 1e-12);
    free(phi);
    sediment_grid_release(&g);
    /* one species only */
    struct sediment_model two = m;
    two.species = 2;
    two.exponent = 2.71;
    two.mobility[1] = 1.0;
    two.density[1] = 1.05;
    assert_int_equal(sediment_flux_peak(&two, &peak), ST_INVALID);
}

/* ---- radial columns ---- */

/* Plateau of a single species in a radial column of cross-section r^p: dφ/dτ = −(p + 1)·φ·v(φ)
 * with v = (1 − φ) for n = 1, whose solution is φ0e^(−kτ)/(1 − φ0 + φ0e^(−kτ)), k = p + 1
 * (prp-model.md §6.9 tests 4 and 5: the radial-dilution laws φ0e^(−sτ) and φ0e^(−2sτ) of the
 * dilute limit). Returns the relative error of the plateau at r = 88 after τ = 0.3, well
 * below the front (at 50·e^0.3 = 67.5) and above the sediment. */
static double
plateau_error(int cells, double p, double *pelleted_error)
{
    struct sediment_model m = kynch(1.0);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_power(&g, cells, 50.0, 100.0, p), ST_OK);
    /* s = 1 per unit radius: the meniscus front moves from 50 to 50·e^0.3 by τ = 0.3 */
    double phi0 = 1e-4, t = 0.3;
    double *phi = fill(&g, 1, &phi0, 0.0, 1e9);
    struct sediment_stats stats;
    assert_int_equal(sediment_run(&m, &g, phi, t, &receiver, &stats), ST_OK);
    double k = p + 1.0, e = exp(-k * t);
    double want = phi0 * e / (1.0 - phi0 + phi0 * e);
    int mid = 0;
    while (g.pos[mid + 1] < 88.0)
        mid++;
    double err = fabs(phi[mid] / want - 1.0);
    if (pelleted_error != NULL) {
        /* fraction pelleted, (r_b − r_b·e^(−sτ))/(r_b − r_s) for p = 0 ([56]; dilute) */
        double excess = 0.0;
        for (int j = cells - 3; j < cells; j++)
            excess += (phi[j] - phi[mid]) * g.volume[j];
        double total = mass(&g, phi, 1, 0, 0, cells);
        double p_want = (100.0 - 100.0 * exp(-t)) / (100.0 - 50.0);
        *pelleted_error = fabs(excess / total / p_want - 1.0);
    }
    free(phi);
    sediment_grid_release(&g);
    return err;
}

static void
test_radial_dilution(void **state)
{
    (void)state;
    for (int p = 0; p <= 1; p++) {
        double pe1 = 0.0, pe2 = 0.0;
        double e1 = plateau_error(200, p, p == 0 ? &pe1 : NULL);
        double e2 = plateau_error(400, p, p == 0 ? &pe2 : NULL);
        print_message("A ∝ r^%d: plateau error %g (200 cells), %g (400 cells)\n", p, e1, e2);
        assert_true(e1 < 2e-3);
        assert_true(e2 < 0.6 * e1); /* first order in Δτ */
        if (p == 0) {
            print_message("pelleted fraction error %g, %g\n", pe1, pe2);
            assert_true(pe1 < 5e-3);
            assert_true(pe2 < 5e-3);
        }
    }
}

/* §6.9 test 4: the meniscus-side front of a dilute species moves as r_s·e^(sτ): at τ = 0.3 from
 * 50 to 50·e^0.3 = 67.4929. Its half-height point stays within a few cells. */
static void
test_radial_front(void **state)
{
    (void)state;
    struct sediment_model m = kynch(1.0);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_power(&g, 400, 50.0, 100.0, 0.0), ST_OK);
    double phi0 = 1e-4;
    double *phi = fill(&g, 1, &phi0, 0.0, 1e9);
    assert_int_equal(sediment_run(&m, &g, phi, 0.3, &receiver, NULL), ST_OK);
    int mid = 0;
    while (g.pos[mid + 1] < 85.0)
        mid++;
    double half = phi[mid] / 2.0, front = 0.0;
    for (int j = 0; j + 1 < 400; j++) {
        double a = phi[j], b = phi[j + 1];
        if (a < half && b >= half) {
            double ra = 0.5 * (g.pos[j] + g.pos[j + 1]), rb = 0.5 * (g.pos[j + 1] + g.pos[j + 2]);
            front = ra + (half - a) / (b - a) * (rb - ra);
            break;
        }
    }
    assert_near(front, 50.0 * exp(0.3), 3.0 * 50.0 / 400.0);
    free(phi);
    sediment_grid_release(&g);
}

/* §6.9 test 14: as r_out/r_in → 1 the radial column is the planar one, with τ scaled by the
 * radius: a column from 1000 to 1001 at τ = 0.5/1000.5 matches the planar column at τ = 0.5. */
static void
test_planar_limit(void **state)
{
    (void)state;
    struct sediment_model m = kynch(1.0);
    struct sediment_grid gp, gr;
    assert_int_equal(sediment_grid_planar(&gp, 200, 1.0), ST_OK);
    assert_int_equal(sediment_grid_power(&gr, 200, 1000.0, 1001.0, 0.0), ST_OK);
    double phi0 = 0.3;
    double *pp = fill(&gp, 1, &phi0, 0.0, 1.0), *pr = fill(&gr, 1, &phi0, 0.0, 1e9);
    assert_int_equal(sediment_run(&m, &gp, pp, 0.5, &receiver, NULL), ST_OK);
    assert_int_equal(sediment_run(&m, &gr, pr, 0.5 / 1000.5, &receiver, NULL), ST_OK);
    double l1 = 0.0;
    for (int j = 0; j < 200; j++)
        l1 += fabs(pp[j] - pr[j]) * gp.volume[j];
    print_message("planar limit: L1 difference %g\n", l1);
    assert_true(l1 < 2e-3);
    free(pp);
    free(pr);
    sediment_grid_release(&gp);
    sediment_grid_release(&gr);
}

/* ---- protocol, invariants, cross-check ---- */

/* §6.9 test 12: (G, t) and (2G, t/2) have the same τ; the kinematic solution depends on τ
 * alone, so the two runs agree to rounding. A ramp counts as a third of its time at speed. */
static void
test_tau_invariance(void **state)
{
    (void)state;
    struct protocol_spin a = {100.0, 0.0, 600.0, 0.0};
    struct protocol_spin b = {100.0 * sqrt(2.0), 0.0, 300.0, 0.0};
    struct protocol_spin c = {100.0, 90.0, 540.0, 90.0}; /* 30 + 540 + 30 = 600 s at speed */
    double ta, tb, tc;
    assert_int_equal(protocol_tau(&a, &ta), ST_OK);
    assert_int_equal(protocol_tau(&b, &tb), ST_OK);
    assert_int_equal(protocol_tau(&c, &tc), ST_OK);
    assert_near(tb, ta, 1e-9 * ta);
    assert_near(tc, ta, 1e-9 * ta);
    struct sediment_model m = kynch(2.71);
    m.mobility[0] = 10.0 * 0.3 / ta; /* s·τ = 0.3: fronts move about a quarter of the column */
    struct sediment_grid g;
    assert_int_equal(sediment_grid_power(&g, 100, 50.0, 100.0, 0.0), ST_OK);
    double phi0 = 0.2;
    double *p1 = fill(&g, 1, &phi0, 0.0, 1e9), *p2 = fill(&g, 1, &phi0, 0.0, 1e9);
    assert_int_equal(sediment_run(&m, &g, p1, ta, &receiver, NULL), ST_OK);
    assert_int_equal(sediment_run(&m, &g, p2, tb, &receiver, NULL), ST_OK);
    for (int j = 0; j < 100; j++)
        assert_near(p1[j], p2[j], 1e-10);
    free(p1);
    free(p2);
    sediment_grid_release(&g);
}

/* A small deterministic generator, so a failure can be replayed. */
static double
uniform(unsigned long long *seed)
{
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*seed >> 11) / 9007199254740992.0;
}

/* §6.9 test 13: random mixtures, grids, exponents and τ; each species is conserved to 1e-12,
 * no fraction goes negative, and no cell passes φ_max. Both fluxes. */
static void
test_invariants(void **state)
{
    (void)state;
    unsigned long long seed = 20261121ULL;
    for (int run = 0; run < 2000; run++) {
        struct sediment_model m = {.species = 1 + (int)(uniform(&seed) * 5.0),
                                   .fluid_density = 1.025,
                                   .phi_max = 0.6 + 0.4 * uniform(&seed),
                                   .hindrance = uniform(&seed) < 0.5 ? SEDIMENT_RICHARDSON_ZAKI
                                                                     : SEDIMENT_MICHAELS_BOLGER,
                                   .exponent = 2.0 + 3.0 * uniform(&seed)};
        double phi0[SEDIMENT_MAX_SPECIES], room = m.phi_max * uniform(&seed);
        for (int k = 0; k < m.species; k++) {
            m.mobility[k] = 5.0 * uniform(&seed);       /* s up to 0.5: most runs pack */
            m.density[k] = 1.0 + 0.12 * uniform(&seed); /* lighter and heavier than plasma */
            phi0[k] = room * uniform(&seed) / m.species;
        }
        struct sediment_grid g;
        int cells = 10 + (int)(uniform(&seed) * 40.0);
        if (uniform(&seed) < 0.5)
            assert_int_equal(sediment_grid_planar(&g, cells, 1.0), ST_OK);
        else
            assert_int_equal(sediment_grid_power(&g, cells, 1.0, 2.0, 2.0 * uniform(&seed)), ST_OK);
        double *phi = fill(&g, m.species, phi0, 0.0, 1e9);
        double before[SEDIMENT_MAX_SPECIES];
        for (int k = 0; k < m.species; k++)
            before[k] = mass(&g, phi, m.species, k, 0, cells);
        const struct sediment_options *o = run % 2 ? &rusanov : &receiver;
        struct sediment_stats stats;
        assert_int_equal(sediment_run(&m, &g, phi, 20.0 * uniform(&seed), o, &stats), ST_OK);
        for (int k = 0; k < m.species; k++) {
            double after = mass(&g, phi, m.species, k, 0, cells);
            /* the Rusanov flux is not positive by construction: what it clips is reported */
            double lost = o == &rusanov ? stats.clipped : 0.0;
            if (!(fabs(after - before[k]) <= 1e-12 * before[k] + lost + 1e-300))
                fail_msg("run %d species %d: %.17g → %.17g", run, k, before[k], after);
        }
        if (o == &receiver)
            assert_true(stats.clipped == 0.0);
        for (int j = 0; j < cells; j++) {
            double total = 0.0;
            for (int k = 0; k < m.species; k++) {
                assert_true(phi[(size_t)j * m.species + k] >= 0.0);
                total += phi[(size_t)j * m.species + k];
            }
            if (!(total <= m.phi_max * (1.0 + 1e-12)))
                fail_msg("run %d cell %d: Σφ = %.17g over φ_max %.17g", run, j, total, m.phi_max);
        }
        free(phi);
        sediment_grid_release(&g);
    }
}

/* The Rusanov cross-check on a blood-like three-species mixture in a radial column: both fluxes
 * must agree on where each species went (mass-weighted mean radius) to a fraction of the column,
 * and converge towards each other as the grid is refined. */
static double
mean_radius(const struct sediment_grid *g, const double *phi, int species, int k)
{
    double m = 0.0, mr = 0.0;
    for (int j = 0; j < g->cells; j++) {
        double w = phi[(size_t)j * species + k] * g->volume[j];
        m += w;
        mr += w * 0.5 * (g->pos[j] + g->pos[j + 1]);
    }
    return mr / m;
}

static double
cross_check(int cells)
{
    /* red cells, platelets, a leukocyte: prp-model.md §1.3 sizes and densities at 37 °C */
    struct sediment_model m = {.species = 3,
                               .fluid_density = SPECIES_PLASMA_DENSITY,
                               .phi_max = 0.95,
                               .hindrance = SEDIMENT_MICHAELS_BOLGER,
                               .exponent = 0.95 * 2.71};
    const enum species_id ids[3] = {SPECIES_RBC, SPECIES_PLT, SPECIES_NEU};
    for (int k = 0; k < 3; k++) {
        const struct species *sp = species_get(ids[k]);
        double s;
        assert_int_equal(species_sedimentation_at(sp, 37.0, &s), ST_OK);
        m.mobility[k] = s / (sp->density_g_ml - SPECIES_PLASMA_DENSITY);
        m.density[k] = sp->density_g_ml;
    }
    struct sediment_grid g;
    assert_int_equal(sediment_grid_power(&g, cells, 70.0, 150.0, 0.0), ST_OK);
    const double phi0[3] = {0.42, 0.0019, 0.0016};
    double *a = fill(&g, 3, phi0, 0.0, 1e9), *b = fill(&g, 3, phi0, 0.0, 1e9);
    /* 200 g at 150 mm (ω² = 200·9806.65/150) for 10 min */
    double tau = 200.0 * 9806.65 / 150.0 * 600.0;
    assert_int_equal(sediment_run(&m, &g, a, tau, &receiver, NULL), ST_OK);
    assert_int_equal(sediment_run(&m, &g, b, tau, &rusanov, NULL), ST_OK);
    double worst = 0.0;
    for (int k = 0; k < 3; k++) {
        double ra = mean_radius(&g, a, 3, k), rb = mean_radius(&g, b, 3, k);
        worst = fmax(worst, fabs(ra - rb) / 80.0);
        /* red cells moved outwards from the 110 mm middle */
        if (k == 0)
            assert_true(ra > 112.0 && rb > 112.0);
    }
    free(a);
    free(b);
    sediment_grid_release(&g);
    return worst;
}

static void
test_cross_check(void **state)
{
    (void)state;
    double coarse = cross_check(100), fine = cross_check(200);
    print_message("receiver vs Rusanov, mean-radius gap: %g (100 cells), %g (200 cells)\n", coarse,
                  fine);
    assert_true(coarse < 0.02);
    assert_true(fine < coarse);
}

/* The tube grid: equal volumes adding up to the fill, from the meniscus to the apex. */
static void
test_tube_grid(void **state)
{
    (void)state;
    struct tube t;
    assert_int_equal(tube_default(&t, 15.0, TUBE_TIP_CONICAL), ST_OK);
    struct tube_rotor rot = {.kind = TUBE_ROTOR_SWING_OUT, .radius_mm = 150.0};
    struct sediment_grid g;
    assert_int_equal(sediment_grid_tube(&g, 200, &t, &rot, 10.0), ST_OK);
    double sum = 0.0;
    for (int j = 0; j < 200; j++) {
        assert_near(g.volume[j], 50.0, 1e-9);
        sum += g.volume[j];
        assert_true(g.pos[j + 1] > g.pos[j]);
    }
    assert_near(sum, 10000.0, 1e-8);
    /* meniscus at 150 − 72.017216 (see test_tube) and the apex at 150 with no area */
    assert_near(g.pos[0], 150.0 - 72.01721595431869, 1e-9);
    assert_near(g.pos[200], 150.0, 1e-12);
    assert_true(g.area[200] == 0.0);
    assert_near(g.area[0], 174.3662462558675, 1e-9);
    assert_near(g.accel[100], g.pos[100], 0.0);
    sediment_grid_release(&g);
    sediment_grid_release(&g); /* releasing twice is harmless */
    sediment_grid_release(NULL);

    /* a fixed-angle tube, coarser: the volumes still add up */
    struct tube_rotor fa = {.kind = TUBE_ROTOR_FIXED_ANGLE, .radius_mm = 100.0, .angle_deg = 30.0};
    assert_int_equal(sediment_grid_tube(&g, 40, &t, &fa, 8.0), ST_OK);
    sum = 0.0;
    for (int j = 0; j < 40; j++)
        sum += g.volume[j];
    assert_near(sum, 8000.0, 1e-6);
    sediment_grid_release(&g);
    assert_int_equal(sediment_grid_tube(&g, 40, &t, &fa, 20.0), ST_INVALID);
    assert_null(g.volume);
}

static void
test_invalid(void **state)
{
    (void)state;
    struct sediment_model m = kynch(1.0);
    struct sediment_grid g;
    assert_int_equal(sediment_grid_planar(&g, 0, 1.0), ST_INVALID);
    assert_int_equal(sediment_grid_planar(&g, 10, -1.0), ST_INVALID);
    assert_int_equal(sediment_grid_power(&g, 10, 2.0, 1.0, 0.0), ST_INVALID);
    assert_int_equal(sediment_grid_planar(&g, SEDIMENT_MAX_CELLS + 1, 1.0), ST_INVALID);
    assert_int_equal(sediment_grid_planar(&g, 10, 1.0), ST_OK);
    double phi[10] = {0};
    struct sediment_options o = receiver;
    o.cfl = 0.6;
    assert_int_equal(sediment_run(&m, &g, phi, 1.0, &o, NULL), ST_INVALID);
    o = receiver;
    assert_int_equal(sediment_run(&m, &g, phi, -1.0, &o, NULL), ST_INVALID);
    phi[3] = 1.5; /* above φ_max */
    assert_int_equal(sediment_run(&m, &g, phi, 1.0, &o, NULL), ST_INVALID);
    phi[3] = -0.1;
    assert_int_equal(sediment_run(&m, &g, phi, 1.0, &o, NULL), ST_INVALID);
    phi[3] = 0.3;
    struct sediment_model bad = m;
    bad.exponent = 0.5;
    assert_int_equal(sediment_run(&bad, &g, phi, 1.0, &o, NULL), ST_INVALID);
    bad = m;
    bad.species = 0;
    assert_int_equal(sediment_model_check(&bad), ST_INVALID);
    bad = m;
    bad.phi_max = 1.2;
    assert_int_equal(sediment_model_check(&bad), ST_INVALID);
    bad = m;
    bad.mobility[0] = -1.0;
    assert_int_equal(sediment_model_check(&bad), ST_INVALID);
    bad = m; /* n = 1 is fine for one species, not for two */
    bad.species = 2;
    bad.mobility[1] = 1.0;
    bad.density[1] = 1.05;
    assert_int_equal(sediment_model_check(&bad), ST_INVALID);
    bad.exponent = 2.0;
    assert_int_equal(sediment_model_check(&bad), ST_OK);
    /* the step cap stops a run that would take too long, and says so */
    o.max_steps = 3;
    struct sediment_stats stats;
    assert_int_equal(sediment_run(&m, &g, phi, 100.0, &o, &stats), ST_TOO_BIG);
    assert_int_equal(stats.steps, 3);
    sediment_grid_release(&g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlb_reduction),     cmocka_unit_test(test_buoyancy),
        cmocka_unit_test(test_dilute_planar),     cmocka_unit_test(test_kynch_shocks),
        cmocka_unit_test(test_kynch_rarefaction), cmocka_unit_test(test_rz_shock),
        cmocka_unit_test(test_engquist_osher),    cmocka_unit_test(test_radial_dilution),
        cmocka_unit_test(test_radial_front),      cmocka_unit_test(test_planar_limit),
        cmocka_unit_test(test_tau_invariance),    cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_cross_check),       cmocka_unit_test(test_tube_grid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
