/* Unit tests of src/prp/tube: volumes, heights and areas of upright tubes against hand-computed
 * solids of revolution, and radii, volumes and areas of spinning tubes in swing-out and
 * fixed-angle rotors against closed forms. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/tube.h"

static void
assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tolerance %g)", got, want, tol);
}

static struct tube
conical15(void)
{
    struct tube t;
    assert_int_equal(tube_default(&t, 15.0, TUBE_TIP_CONICAL), ST_OK);
    return t;
}

static void
test_defaults(void **state)
{
    (void)state;
    struct tube t;
    /* every default tube is valid and holds its capacity */
    const enum tube_tip tips[] = {TUBE_TIP_CONICAL, TUBE_TIP_ROUND, TUBE_TIP_FLAT};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tube_default(&t, 10.0, tips[i]), ST_OK);
        assert_int_equal(tube_check(&t), ST_OK);
        assert_true(tube_total_ml(&t) >= 10.0);
        assert_int_equal(tube_default(&t, 15.0, tips[i]), ST_OK);
        assert_int_equal(tube_check(&t), ST_OK);
        assert_true(tube_total_ml(&t) >= 15.0);
    }
    t.diameter_mm = 99.0;
    assert_int_equal(tube_default(&t, 12.0, TUBE_TIP_CONICAL), ST_INVALID);
    assert_true(t.diameter_mm == 0.0);
    assert_int_equal(tube_default(&t, 15.0, (enum tube_tip)7), ST_INVALID);
}

struct height_row {
    enum tube_tip tip;
    double capacity, h, want_ml;
};

static void
test_volume_of_height(void **state)
{
    (void)state;
    static const struct height_row rows[] = {
        /* 15 mL conical, R = 7.45, cone 22 mm: ρ(10) = 7.45·10/22 = 3.386364,
         * V = π·ρ²·10/3 = 120.0869 mm³ */
        {TUBE_TIP_CONICAL, 15.0, 10.0, 0.12008694645720901},
        /* cone π·7.45²·22/3 = 1278.6858 mm³, plus 28 mm of body at π·7.45² = 174.36625 mm²:
         * 1278.6858 + 4882.2549 = 6160.9407 mm³ */
        {TUBE_TIP_CONICAL, 15.0, 50.0, 6.160940701040652},
        /* the whole tube: 1278.6858 + 174.36625·95.5 = 17930.662 mm³ */
        {TUBE_TIP_CONICAL, 15.0, 117.5, 17.93066232331171},
        /* 10 mL round, R = 7: cap of height 3 is π·3²·(3·7 − 3)/3 = 54π = 169.646 mm³ */
        {TUBE_TIP_ROUND, 10.0, 3.0, 0.16964600329384882},
        /* hemisphere 2π·7³/3 = 718.3775 mm³ plus 89 mm of body at 49π mm²: 14418.863 mm³ */
        {TUBE_TIP_ROUND, 10.0, 96.0, 14.418863082425953},
        /* 15 mL flat: 40 mm of π·7.45² = 6974.6498 mm³ */
        {TUBE_TIP_FLAT, 15.0, 40.0, 6.974649850234700},
        {TUBE_TIP_FLAT, 15.0, 0.0, 0.0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct tube t;
        double v = -1.0;
        assert_int_equal(tube_default(&t, rows[i].capacity, rows[i].tip), ST_OK);
        assert_int_equal(tube_volume_of_height(&t, rows[i].h, &v), ST_OK);
        assert_near(v, rows[i].want_ml, 1e-12);
    }
    /* a truncated cone: Ø 14, tip Ø 2, cone 18 mm; the frustum up to 9 mm has radii 1 and 4:
     * π·9/3·(1² + 1·4 + 4²) = 63π = 197.920 mm³ */
    struct tube t = {.tip = TUBE_TIP_CONICAL,
                     .capacity_ml = 5.0,
                     .diameter_mm = 14.0,
                     .length_mm = 60.0,
                     .cone_length_mm = 18.0,
                     .cone_tip_diameter_mm = 2.0};
    double v;
    assert_int_equal(tube_volume_of_height(&t, 9.0, &v), ST_OK);
    assert_near(v, 0.19792033717615698, 1e-12);
}

static void
test_height_of_volume(void **state)
{
    (void)state;
    struct tube t = conical15();
    double h = 0.0;
    /* 10 mL: 22 + (10000 − 1278.6858)/174.36625 = 72.017216 mm */
    assert_int_equal(tube_height_of_volume(&t, 10.0, &h), ST_OK);
    assert_near(h, 72.01721595431869, 1e-9);
    assert_int_equal(tube_default(&t, 10.0, TUBE_TIP_ROUND), ST_OK);
    /* 5 mL: 7 + (5000 − 718.3775)/153.93804 = 34.813934 mm */
    assert_int_equal(tube_height_of_volume(&t, 5.0, &h), ST_OK);
    assert_near(h, 34.81393396433238, 1e-9);
    /* 54π mm³ is the cap of height 3 (see above) */
    assert_int_equal(tube_height_of_volume(&t, 0.054 * M_PI, &h), ST_OK);
    assert_near(h, 3.0, 1e-9);
}

/* height → volume → height is the identity, in every tip and across tip and body, for a fine
 * sweep of heights including the very bottom. */
static void
test_round_trip(void **state)
{
    (void)state;
    struct tube tubes[4];
    assert_int_equal(tube_default(&tubes[0], 15.0, TUBE_TIP_CONICAL), ST_OK);
    assert_int_equal(tube_default(&tubes[1], 10.0, TUBE_TIP_ROUND), ST_OK);
    assert_int_equal(tube_default(&tubes[2], 15.0, TUBE_TIP_FLAT), ST_OK);
    tubes[3] = tubes[0];
    tubes[3].cone_tip_diameter_mm = 3.0;
    for (size_t k = 0; k < 4; k++) {
        double prev = -1.0;
        for (int i = 0; i <= 2000; i++) {
            double h0 = tubes[k].length_mm * i / 2000.0;
            if (i == 1)
                h0 = 1e-4; /* just above the apex, where the cone and cap are thinnest */
            double v = 0.0, h1 = 0.0;
            assert_int_equal(tube_volume_of_height(&tubes[k], h0, &v), ST_OK);
            assert_true(v > prev || (i == 0 && v == 0.0)); /* strictly increasing */
            prev = v;
            assert_int_equal(tube_height_of_volume(&tubes[k], v, &h1), ST_OK);
            assert_near(h1, h0, 1e-9);
        }
    }
}

static void
test_area(void **state)
{
    (void)state;
    struct tube t = conical15();
    double a = 0.0;
    /* ρ(11) = 7.45/2: π·3.725² = 43.5916 mm² */
    assert_int_equal(tube_area_at_height(&t, 11.0, &a), ST_OK);
    assert_near(a, 43.59156156396688, 1e-10);
    assert_int_equal(tube_area_at_height(&t, 80.0, &a), ST_OK);
    assert_near(a, 174.3662462558675, 1e-10);
    /* round, R = 7: ρ² = h(2R − h) = 3·11 = 33 at h = 3 → 33π mm² */
    assert_int_equal(tube_default(&t, 10.0, TUBE_TIP_ROUND), ST_OK);
    assert_int_equal(tube_area_at_height(&t, 3.0, &a), ST_OK);
    assert_near(a, 103.67255756846318, 1e-10);
    /* dV/dh = A: central difference in the tip of each shape */
    for (int tip = 0; tip < 2; tip++) {
        assert_int_equal(tube_default(&t, 15.0, tip == 0 ? TUBE_TIP_CONICAL : TUBE_TIP_ROUND),
                         ST_OK);
        double v1, v2;
        assert_int_equal(tube_volume_of_height(&t, 5.0 - 1e-4, &v1), ST_OK);
        assert_int_equal(tube_volume_of_height(&t, 5.0 + 1e-4, &v2), ST_OK);
        assert_int_equal(tube_area_at_height(&t, 5.0, &a), ST_OK);
        assert_near((v2 - v1) * 1000.0 / 2e-4, a, 1e-5 * a);
    }
}

static void
test_invalid_tubes(void **state)
{
    (void)state;
    struct tube base = conical15();
    struct tube t;
    double out = 1.0;

    t = base;
    t.diameter_mm = 0.0;
    assert_int_equal(tube_check(&t), ST_INVALID);
    t = base;
    t.length_mm = NAN;
    assert_int_equal(tube_check(&t), ST_INVALID);
    t = base;
    t.cone_tip_diameter_mm = t.diameter_mm; /* no taper: not a cone */
    assert_int_equal(tube_check(&t), ST_INVALID);
    t = base;
    t.cone_tip_diameter_mm = -1.0;
    assert_int_equal(tube_check(&t), ST_INVALID);
    t = base;
    t.cone_length_mm = t.length_mm; /* no body left */
    assert_int_equal(tube_check(&t), ST_INVALID);
    t = base;
    t.capacity_ml = 18.0; /* more than the 17.93 mL it can hold */
    assert_int_equal(tube_check(&t), ST_INVALID);
    assert_true(tube_total_ml(&t) == 0.0);
    t = base;
    t.tip = (enum tube_tip)9;
    assert_int_equal(tube_check(&t), ST_INVALID);

    t = base;
    assert_int_equal(tube_volume_of_height(&t, -0.1, &out), ST_INVALID);
    assert_true(out == 0.0);
    out = 1.0;
    assert_int_equal(tube_volume_of_height(&t, 117.6, &out), ST_INVALID);
    assert_true(out == 0.0);
    out = 1.0;
    assert_int_equal(tube_height_of_volume(&t, 17.94, &out), ST_INVALID);
    assert_true(out == 0.0);
    assert_int_equal(tube_height_of_volume(&t, NAN, &out), ST_INVALID);
    assert_int_equal(tube_area_at_height(&t, INFINITY, &out), ST_INVALID);
}

/* ---- rotors ---- */

static void
test_swing_out(void **state)
{
    (void)state;
    struct tube t = conical15();
    struct tube_rotor rot = {.kind = TUBE_ROTOR_SWING_OUT, .radius_mm = 150.0};
    double r = 0.0, lo = 0.0, hi = 0.0, v = 0.0, a = 0.0;

    assert_int_equal(tube_rotor_check(&t, &rot), ST_OK);
    /* the axis is the radius: 150 − 40 = 110 mm, with no spread across the tube */
    assert_int_equal(tube_axis_radius(&t, &rot, 40.0, &r), ST_OK);
    assert_near(r, 110.0, 1e-12);
    assert_int_equal(tube_radius_span(&t, &rot, 40.0, &lo, &hi), ST_OK);
    assert_near(lo, 110.0, 1e-12);
    assert_near(hi, 110.0, 1e-12);
    /* extent 150 − 117.5 = 32.5 … 150 */
    assert_int_equal(tube_spin_extent(&t, &rot, &lo, &hi), ST_OK);
    assert_near(lo, 32.5, 1e-12);
    assert_near(hi, 150.0, 1e-12);
    /* 10 mL stands 72.017216 mm high: meniscus at 150 − 72.017216 = 77.982784 mm */
    assert_int_equal(tube_spin_meniscus(&t, &rot, 10.0, &r), ST_OK);
    assert_near(r, 150.0 - 72.01721595431869, 1e-9);
    /* beyond r = 100 lies the tube below h = 50: 6.1609407 mL (see test_volume_of_height) */
    assert_int_equal(tube_spin_volume_beyond(&t, &rot, 100.0, &v), ST_OK);
    assert_near(v, 6.160940701040652, 1e-12);
    /* area at r = 139 is the area at h = 11 */
    assert_int_equal(tube_spin_area(&t, &rot, 139.0, &a), ST_OK);
    assert_near(a, 43.59156156396688, 1e-10);
    /* outside the tube the area is 0 and the volume saturates */
    assert_int_equal(tube_spin_area(&t, &rot, 151.0, &a), ST_OK);
    assert_true(a == 0.0);
    assert_int_equal(tube_spin_volume_beyond(&t, &rot, 10.0, &v), ST_OK);
    assert_near(v, 17.93066232331171, 1e-12);
    /* a rotor too small for the tube puts its top across the axis */
    rot.radius_mm = 100.0;
    assert_int_equal(tube_rotor_check(&t, &rot), ST_INVALID);
    assert_int_equal(tube_axis_radius(&t, &rot, 1.0, &r), ST_INVALID);
    /* the fixed-angle helpers refuse a swing-out rotor */
    rot.radius_mm = 150.0;
    assert_int_equal(tube_fa_path_mm(&t, &rot, &r), ST_INVALID);
}

static struct tube_rotor
fa30(void)
{
    return (struct tube_rotor){
        .kind = TUBE_ROTOR_FIXED_ANGLE, .radius_mm = 100.0, .angle_deg = 30.0};
}

static void
test_fixed_angle_flat(void **state)
{
    (void)state;
    struct tube t;
    assert_int_equal(tube_default(&t, 15.0, TUBE_TIP_FLAT), ST_OK);
    struct tube_rotor rot = fa30();
    double lo = 0.0, hi = 0.0, a = 0.0, v = 0.0, r = 0.0;

    /* sin 30° = 0.5, cos 30° = 0.8660254: extent 100 − 117.5·0.5 − 7.45·0.8660254 = 34.798111
     * to 100 + 7.45·0.8660254 = 106.451889 */
    assert_int_equal(tube_spin_extent(&t, &rot, &lo, &hi), ST_OK);
    assert_near(lo, 34.79811074180593, 1e-12);
    assert_near(hi, 106.45188925819407, 1e-12);
    /* axis at h = 40: 100 − 20 = 80; the disc spans ±7.45·0.8660254 */
    assert_int_equal(tube_radius_span(&t, &rot, 40.0, &lo, &hi), ST_OK);
    assert_near(lo, 80.0 - 6.451889258194068, 1e-12);
    assert_near(hi, 80.0 + 6.451889258194068, 1e-12);
    /* a plane through the middle of the body cuts an ellipse of area πR²/sin θ
     * = 174.36625/0.5 = 348.732493 mm² (valid for 47.70 ≤ r ≤ 93.548) */
    assert_int_equal(tube_spin_area(&t, &rot, 70.0, &a), ST_OK);
    assert_near(a, 348.732492511735, 1e-9);
    /* beyond r = 100 − R·cos θ = 93.548 lies the hoof under the bottom rim:
     * ∫∫ (u + R)/tan θ du dw = πR³/tan 30° = 2249.9834 mm³; 23.548 mm further in, add
     * 348.73249·23.548111 = 8211.9913: 10461.9748 mm³ at r = 70 */
    assert_int_equal(tube_spin_volume_beyond(&t, &rot, 100.0 - 6.451889258194068, &v), ST_OK);
    assert_near(v, 2.249983422419706, 1e-10);
    assert_int_equal(tube_spin_volume_beyond(&t, &rot, 70.0, &v), ST_OK);
    assert_near(v, 10.461974775352048, 1e-10);
    /* and the inverse */
    assert_int_equal(tube_spin_meniscus(&t, &rot, 10.461974775352048, &r), ST_OK);
    assert_near(r, 70.0, 1e-8);
}

/* The tilted conical and round tubes have no closed form over the tip; check what must hold:
 * V is the whole tube at the inner edge and 0 at the outer one, A = −dV/dr, the meniscus inverts V,
 * a tube parallel to the rotation axis is cut in half at its axis, and a tube at 89.999° behaves
 * like a swing-out one. */
static void
test_fixed_angle_tips(void **state)
{
    (void)state;
    const enum tube_tip tips[] = {TUBE_TIP_CONICAL, TUBE_TIP_ROUND};
    for (size_t k = 0; k < 2; k++) {
        struct tube t;
        assert_int_equal(tube_default(&t, 15.0, tips[k]), ST_OK);
        double total = tube_total_ml(&t);
        const double angles[] = {0.0, 17.0, 30.0, 45.0, 60.0};
        for (size_t j = 0; j < sizeof angles / sizeof angles[0]; j++) {
            struct tube_rotor rot = {
                .kind = TUBE_ROTOR_FIXED_ANGLE, .radius_mm = 130.0, .angle_deg = angles[j]};
            double lo, hi, v, r, a;
            assert_int_equal(tube_spin_extent(&t, &rot, &lo, &hi), ST_OK);
            assert_int_equal(tube_spin_volume_beyond(&t, &rot, lo + 1e-9, &v), ST_OK);
            assert_near(v, total, 1e-9);
            assert_int_equal(tube_spin_volume_beyond(&t, &rot, hi - 1e-9, &v), ST_OK);
            assert_near(v, 0.0, 1e-9);
            /* A = −dV/dr in the tip region and in the body */
            const double probes[] = {hi - 3.0, hi - 12.0, 0.5 * (lo + hi)};
            for (size_t p = 0; p < 3; p++) {
                double v1, v2;
                assert_int_equal(tube_spin_volume_beyond(&t, &rot, probes[p] - 1e-3, &v1), ST_OK);
                assert_int_equal(tube_spin_volume_beyond(&t, &rot, probes[p] + 1e-3, &v2), ST_OK);
                assert_int_equal(tube_spin_area(&t, &rot, probes[p], &a), ST_OK);
                assert_true(a > 0.0);
                assert_near((v1 - v2) * 1000.0 / 2e-3, a, 1e-5 * a);
            }
            const double fills[] = {0.5, 3.0, 10.0, 15.0};
            for (size_t f = 0; f < 4; f++) {
                assert_int_equal(tube_spin_meniscus(&t, &rot, fills[f], &r), ST_OK);
                assert_int_equal(tube_spin_volume_beyond(&t, &rot, r, &v), ST_OK);
                assert_near(v, fills[f], 1e-9);
            }
        }
        /* θ = 0: the surface through the axis halves a solid of revolution */
        struct tube_rotor upright = {
            .kind = TUBE_ROTOR_FIXED_ANGLE, .radius_mm = 130.0, .angle_deg = 0.0};
        double v;
        assert_int_equal(tube_spin_volume_beyond(&t, &upright, 130.0, &v), ST_OK);
        assert_near(v, total / 2.0, 1e-9);
        /* 89.999°: the disc spreads only ±7.45·1.75e-5 mm, so the volume beyond matches the
         * swing-out volume to about A·1.3e-4 mm³ */
        struct tube_rotor nearly = {
            .kind = TUBE_ROTOR_FIXED_ANGLE, .radius_mm = 130.0, .angle_deg = 89.999};
        struct tube_rotor swing = {.kind = TUBE_ROTOR_SWING_OUT, .radius_mm = 130.0};
        const double radii[] = {125.0, 115.0, 60.0};
        for (size_t p = 0; p < 3; p++) {
            double v1, v2;
            assert_int_equal(tube_spin_volume_beyond(&t, &nearly, radii[p], &v1), ST_OK);
            assert_int_equal(tube_spin_volume_beyond(&t, &swing, radii[p], &v2), ST_OK);
            assert_near(v1, v2, 1e-4);
        }
    }
}

/* prp-model.md §6.9 test 6: the Livshts pelleting fraction in a fixed-angle tube equals the share
 * of the disc swept by a shift of distance·cos θ across it, computed here independently as
 * ∫ min(s, 2√(R² − w²)) dw / πR² by Simpson's rule. */
static void
test_fixed_angle_wall_fraction(void **state)
{
    (void)state;
    struct tube t = conical15();
    struct tube_rotor rot = fa30();
    double path = 0.0, p = 0.0;
    /* D / cos 30° = 14.9 / 0.8660254 = 17.205038 mm */
    assert_int_equal(tube_fa_path_mm(&t, &rot, &path), ST_OK);
    assert_near(path, 17.2050380218508, 1e-9);
    /* (2/π)(asin ξ + ξ√(1 − ξ²)): 0.1 → 0.1271114, 0.5 → 0.6089978, 0.9 → 0.9626139 */
    static const double xi[] = {0.1, 0.5, 0.9};
    static const double want[] = {0.12711142843046183, 0.6089977810442294, 0.9626139265315014};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tube_fa_wall_fraction(&t, &rot, xi[i] * path, &p), ST_OK);
        assert_near(p, want[i], 1e-12);
        double big = t.diameter_mm / 2.0, shift = xi[i] * path * cos(M_PI / 6.0);
        const int n = 200000;
        double sum = 0.0;
        for (int j = 0; j <= n; j++) {
            double w = -big + 2.0 * big * j / n;
            double c = 2.0 * sqrt(fmax(0.0, big * big - w * w));
            double f = fmin(shift, c);
            sum += f * (j == 0 || j == n ? 1.0 : (j % 2 ? 4.0 : 2.0));
        }
        sum *= 2.0 * big / n / 3.0;
        assert_near(sum / (M_PI * big * big), want[i], 1e-6);
    }
    assert_int_equal(tube_fa_wall_fraction(&t, &rot, 1.2 * path, &p), ST_OK);
    assert_true(p == 1.0);
    assert_int_equal(tube_fa_wall_fraction(&t, &rot, -1.0, &p), ST_INVALID);
}

static void
test_invalid_rotors(void **state)
{
    (void)state;
    struct tube t = conical15();
    struct tube_rotor rot = fa30();
    double out = 1.0;
    rot.angle_deg = 90.0;
    assert_int_equal(tube_rotor_check(&t, &rot), ST_INVALID);
    rot.angle_deg = -1.0;
    assert_int_equal(tube_rotor_check(&t, &rot), ST_INVALID);
    rot = fa30();
    rot.radius_mm = NAN;
    assert_int_equal(tube_spin_extent(&t, &rot, &out, &out), ST_INVALID);
    assert_true(out == 0.0);
    rot = fa30();
    rot.kind = (enum tube_rotor_kind)5;
    assert_int_equal(tube_rotor_check(&t, &rot), ST_INVALID);
    rot = fa30();
    out = 1.0;
    assert_int_equal(tube_spin_meniscus(&t, &rot, 0.0, &out), ST_INVALID);
    assert_true(out == 0.0);
    assert_int_equal(tube_spin_meniscus(&t, &rot, 18.0, &out), ST_INVALID);
    assert_int_equal(tube_spin_volume_beyond(&t, &rot, NAN, &out), ST_INVALID);
    assert_int_equal(tube_axis_radius(&t, &rot, 118.0, &out), ST_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_volume_of_height),
        cmocka_unit_test(test_height_of_volume),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_area),
        cmocka_unit_test(test_invalid_tubes),
        cmocka_unit_test(test_swing_out),
        cmocka_unit_test(test_fixed_angle_flat),
        cmocka_unit_test(test_fixed_angle_tips),
        cmocka_unit_test(test_fixed_angle_wall_fraction),
        cmocka_unit_test(test_invalid_rotors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
