/* Unit tests of src/prp/species: the property table, sphere radii, the viscosity law and Stokes
 * sedimentation coefficients, against hand computations and the table of prp-model.md §1.3. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/species.h"

static void
assert_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.15g, want %.15g (relative tolerance %g)", got, want, rel);
}

static void
test_table(void **state)
{
    (void)state;
    for (int i = 0; i < SPECIES_COUNT; i++) {
        const struct species *sp = species_get((enum species_id)i);
        assert_non_null(sp);
        assert_int_equal(sp->id, i);
    }
    assert_null(species_get(SPECIES_COUNT));
    assert_null(species_get((enum species_id) - 1));
    assert_string_equal(species_get(SPECIES_PLT)->name, "plt");
    /* the density order of Boyum gradients [43]: MON < LYM < NEU < RBC, plasma below all */
    assert_true(species_get(SPECIES_MON)->density_g_ml < species_get(SPECIES_LYM)->density_g_ml);
    assert_true(species_get(SPECIES_LYM)->density_g_ml < species_get(SPECIES_NEU)->density_g_ml);
    assert_true(species_get(SPECIES_NEU)->density_g_ml < species_get(SPECIES_RBC)->density_g_ml);
    assert_true(SPECIES_PLASMA_DENSITY < species_get(SPECIES_PLT)->density_g_ml);
}

static void
test_radius(void **state)
{
    (void)state;
    double a = 0.0;
    /* (3·90/(4π))^(1/3) = 21.4859^(1/3) = 2.78004 µm (§1.3: 2.78) */
    assert_int_equal(species_radius_um(90.0, &a), ST_OK);
    assert_rel(a, 2.7800416344456402, 1e-12);
    /* a sphere of radius 1 µm has 4π/3 = 4.18879 fL */
    assert_int_equal(species_radius_um(4.0 * M_PI / 3.0, &a), ST_OK);
    assert_rel(a, 1.0, 1e-12);
    assert_int_equal(species_radius_um(0.0, &a), ST_INVALID);
    assert_true(a == 0.0);
    assert_int_equal(species_radius_um(NAN, &a), ST_INVALID);
}

struct visc_row {
    double mu37, temp, want;
};

static void
test_viscosity(void **state)
{
    (void)state;
    static const struct visc_row rows[] = {
        {1.25, 37.0, 1.25},               /* exp(0) */
        {1.25, 22.0, 1.960390231862711},  /* 1.25·e^0.45 = 1.25·1.568312 */
        {1.25, 4.0, 3.3640430904365775},  /* 1.25·e^0.99 = 1.25·2.691234 */
        {1.10, 27.0, 1.4848446883336037}, /* 1.10·e^0.30 = 1.10·1.3498588 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double mu = 0.0;
        assert_int_equal(species_plasma_viscosity(rows[i].mu37, rows[i].temp, &mu), ST_OK);
        assert_rel(mu, rows[i].want, 1e-12);
    }
    double mu = 9.0;
    assert_int_equal(species_plasma_viscosity(1.25, 3.9, &mu), ST_INVALID);
    assert_true(mu == 0.0);
    assert_int_equal(species_plasma_viscosity(1.25, 37.1, &mu), ST_INVALID);
    assert_int_equal(species_plasma_viscosity(0.0, 20.0, &mu), ST_INVALID);
    assert_int_equal(species_plasma_viscosity(1.25, NAN, &mu), ST_INVALID);
}

/* s = 2a²Δρ/(9µ) with ρ_f = 1.025 g/mL; hand values in SI, e.g. RBC at µ = 1.2 mPa·s:
 * 2·(2.78004e-6)²·75/(9·1.2e-3) = 1.15928e-9/1.08e-2 = 1.07342e-7 s. The same inputs give the
 * rounded values of the §1.3 table (1.07, 0.090, 1.20, 1.72, 2.13 ×10⁻⁷ s), checked to 1 %. */
static void
test_sedimentation(void **state)
{
    (void)state;
    static const double want_12[SPECIES_COUNT] = {1.0734210401737788e-07, 9.010909254917824e-09,
                                                  1.203866247532859e-07, 1.723213403223924e-07,
                                                  2.1278933190811792e-07};
    static const double table_13[SPECIES_COUNT] = {1.07e-7, 9.0e-9, 1.20e-7, 1.72e-7, 2.13e-7};
    /* at 37 °C the default µ37 = 1.25 mPa·s scales every s by 1.2/1.25 = 0.96 */
    static const double want_37[SPECIES_COUNT] = {1.0304841985668275e-07, 8.65047288472111e-09,
                                                  1.1557115976315444e-07, 1.654284867094967e-07,
                                                  2.042777586317932e-07};
    for (int i = 0; i < SPECIES_COUNT; i++) {
        const struct species *sp = species_get((enum species_id)i);
        double s = 0.0;
        assert_int_equal(species_sedimentation(sp, 1.025, 1.2, &s), ST_OK);
        assert_rel(s, want_12[i], 1e-12);
        assert_rel(s, table_13[i], 0.01);
        assert_int_equal(species_sedimentation_at(sp, 37.0, &s), ST_OK);
        assert_rel(s, want_37[i], 1e-12);
    }
    /* 22 °C: µ = 1.960390, so RBC s = 1.07342e-7·1.2/1.960390 = 6.57071e-8 s */
    double s = 0.0;
    assert_int_equal(species_sedimentation_at(species_get(SPECIES_RBC), 22.0, &s), ST_OK);
    assert_rel(s, 1.0734210401737788e-07 * 1.2 / 1.960390231862711, 1e-12);
    /* a cell lighter than its medium rises: platelets in packed red cells (ρ ≈ 1.0925) */
    assert_int_equal(species_sedimentation(species_get(SPECIES_PLT), 1.0925, 1.25, &s), ST_OK);
    assert_true(s < 0.0);
    /* bad inputs */
    s = 1.0;
    assert_int_equal(species_sedimentation(NULL, 1.025, 1.2, &s), ST_INVALID);
    assert_true(s == 0.0);
    assert_int_equal(species_sedimentation(species_get(SPECIES_RBC), 0.0, 1.2, &s), ST_INVALID);
    assert_int_equal(species_sedimentation(species_get(SPECIES_RBC), 1.025, -1.0, &s), ST_INVALID);
    assert_int_equal(species_sedimentation(species_get(SPECIES_RBC), 1.025, INFINITY, &s),
                     ST_INVALID);
    assert_int_equal(species_sedimentation_at(species_get(SPECIES_RBC), 50.0, &s), ST_INVALID);
    struct species odd = {SPECIES_RBC, "odd", -5.0, 1.1};
    assert_int_equal(species_sedimentation(&odd, 1.025, 1.2, &s), ST_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_radius),
        cmocka_unit_test(test_viscosity),
        cmocka_unit_test(test_sedimentation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
