/* Unit tests of src/prp/rcf: conversions between rpm, ω and × g against values computed by hand,
 * round trips, and rejection of every kind of bad input. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/rcf.h"

/* Relative closeness, for values whose magnitude varies across a table. */
static void
assert_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.15g, want %.15g (relative tolerance %g)", got, want, rel);
}

struct two_in {
    double a, b, want;
};

static void
test_from_rpm(void **state)
{
    (void)state;
    static const struct two_in rows[] = {
        /* 1.118e-5 × 10 × 1000² = 111.8 (prp-model.md §6.9 test 1 quotes 111.82, which is the
         * unrounded constant; the clinical formula of facts.md §3 gives 111.8) */
        {10.0, 1000.0, 111.8},
        /* 1.118e-5 × 15 × 3000² = 1.118e-5 × 1.35e8 = 1509.3 */
        {15.0, 3000.0, 1509.3},
        /* 1.118e-5 × 8.5 × 1500² = 1.118e-5 × 1.9125e7 = 213.8175 */
        {8.5, 1500.0, 213.8175},
        /* the mm form: 1.118e-6 × 95 mm × 2000² = 424.84, the same as r = 9.5 cm */
        {9.5, 2000.0, 424.84},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double g = -1.0;
        assert_int_equal(rcf_from_rpm(rows[i].a, rows[i].b, &g), ST_OK);
        assert_rel(g, rows[i].want, 1e-12);
    }
}

static void
test_to_rpm(void **state)
{
    (void)state;
    static const struct two_in rows[] = {
        /* √(100 / (1.118e-5 × 10)) = √894454.38 = 945.755984821918 */
        {10.0, 100.0, 945.755984821918},
        /* √(1600 / (1.118e-5 × 12)) = √11926058.4 = 3453.41257854985 */
        {12.0, 1600.0, 3453.41257854985},
        /* √(1630 / (1.118e-5 × 13.5)) = √10799740.2 = 3286.29099048260 */
        {13.5, 1630.0, 3286.2909904826},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double rpm = -1.0;
        assert_int_equal(rcf_to_rpm(rows[i].a, rows[i].b, &rpm), ST_OK);
        assert_rel(rpm, rows[i].want, 1e-12);
    }
}

/* rcf_to_rpm undoes rcf_from_rpm to 1e-12 relative (prp-model.md §6.9 test 1), over five
 * decades of speed and two of radius. */
static void
test_round_trip(void **state)
{
    (void)state;
    static const double radii[] = {0.5, 6.7, 10.0, 18.25, 42.0};
    static const double speeds[] = {10.0, 333.3, 1000.0, 4321.0, 150000.0};
    for (size_t i = 0; i < 5; i++) {
        for (size_t j = 0; j < 5; j++) {
            double g = 0.0, rpm = 0.0, omega = 0.0, g2 = 0.0;
            assert_int_equal(rcf_from_rpm(radii[i], speeds[j], &g), ST_OK);
            assert_int_equal(rcf_to_rpm(radii[i], g, &rpm), ST_OK);
            assert_rel(rpm, speeds[j], 1e-12);
            assert_int_equal(rcf_omega_from_g(radii[i], g, &omega), ST_OK);
            assert_int_equal(rcf_g_from_omega(radii[i], omega, &g2), ST_OK);
            assert_rel(g2, g, 1e-12);
        }
    }
}

static void
test_omega(void **state)
{
    (void)state;
    double w = 0.0;
    /* 3000 rpm × 2π / 60 = 100π = 314.159265358979 rad/s */
    assert_int_equal(rcf_omega_from_rpm(3000.0, &w), ST_OK);
    assert_rel(w, 314.159265358979, 1e-12);
    /* 100 g at 10 cm: ω = √(100 × 980.665 / 10) = √9806.65 = 99.0285312422637 rad/s */
    assert_int_equal(rcf_omega_from_g(10.0, 100.0, &w), ST_OK);
    assert_rel(w, 99.0285312422637, 1e-12);
    /* 200 rad/s at 7.5 cm: 200² × 7.5 / 980.665 = 305.914863893379 g */
    double g = 0.0;
    assert_int_equal(rcf_g_from_omega(7.5, 200.0, &g), ST_OK);
    assert_rel(g, 305.914863893379, 1e-12);
    /* The exact and the rounded constants agree to their rounding: 1000 rpm at 10 cm is 111.8 g
     * by the formula and (104.7197551)² × 10 / 980.665 = 10966.2271 × 10 / 980.665
     * = 111.824396 g by definition. */
    assert_int_equal(rcf_omega_from_rpm(1000.0, &w), ST_OK);
    assert_int_equal(rcf_g_from_omega(10.0, w, &g), ST_OK);
    assert_rel(g, 111.824396, 1e-7);
}

/* Every bad value in every position is refused, and the output is zeroed. */
static void
test_invalid(void **state)
{
    (void)state;
    const double bad[] = {0.0, -1.0, -0.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double out = 42.0;
        assert_int_equal(rcf_from_rpm(bad[i], 1000.0, &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_from_rpm(10.0, bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_to_rpm(bad[i], 100.0, &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_to_rpm(10.0, bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_omega_from_rpm(bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_omega_from_g(bad[i], 100.0, &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_omega_from_g(10.0, bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_g_from_omega(bad[i], 100.0, &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 42.0;
        assert_int_equal(rcf_g_from_omega(10.0, bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
    }
    /* finite inputs whose result overflows to infinity are refused too */
    double out = 42.0;
    assert_int_equal(rcf_from_rpm(1e300, 1e300, &out), ST_INVALID);
    assert_true(out == 0.0);
    out = 42.0;
    assert_int_equal(rcf_g_from_omega(1e300, 1e300, &out), ST_INVALID);
    assert_true(out == 0.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_rpm),   cmocka_unit_test(test_to_rpm),
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_omega),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
