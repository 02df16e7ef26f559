/* Unit tests of src/prp/protocol: τ = ∫ω²dt of ramp-hold-ramp spins against hand computations,
 * against an independent trapezoidal quadrature of ω(t)², and the inverse τ → t. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/protocol.h"

static void
assert_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.15g, want %.15g (relative tolerance %g)", got, want, rel);
}

/* 3000 rpm = 100π rad/s; Ω² = 98696.044010894 */
#define W3000 314.1592653589793
#define W3000_SQ 98696.04401089359

struct tau_row {
    struct protocol_spin p;
    double want;
};

static const struct tau_row rows[] = {
    /* Ω²·(30/3 + 600 + 20/3) = 98696.044·616.6667 = 60862560.47 */
    {{W3000, 30.0, 600.0, 20.0}, 60862560.47338437},
    /* prp-model.md §6.9 test 2: a ramp alone gives ω²t_a/3 = 98696.044·20 = 1973920.88 */
    {{W3000, 60.0, 0.0, 0.0}, 1973920.8802178716},
    /* 100 g at 10 cm: ω² = 100·980.665/10 = 9806.65; 9806.65·(60/3 + 900 + 120/3) = 9806.65·960 */
    {{99.02853124226371, 60.0, 900.0, 120.0}, 9414384.0},
    /* instant start and stop: Ω²·600 */
    {{W3000, 0.0, 600.0, 0.0}, W3000_SQ * 600.0},
    /* only a coast down: Ω²·45/3 */
    {{W3000, 0.0, 0.0, 45.0}, W3000_SQ * 15.0},
};

static void
test_tau(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double tau = -1.0;
        assert_int_equal(protocol_check(&rows[i].p), ST_OK);
        assert_int_equal(protocol_tau(&rows[i].p, &tau), ST_OK);
        assert_rel(tau, rows[i].want, 1e-12);
        /* and the running integral reaches the same value at the end */
        assert_int_equal(protocol_tau_until(&rows[i].p, protocol_duration_s(&rows[i].p), &tau),
                         ST_OK);
        assert_rel(tau, rows[i].want, 1e-12);
    }
}

/* The closed forms match an independent trapezoidal quadrature of ω(t)² on 2·10⁵ steps, whose
 * error is O(Δt²) ≈ 1e-10 relative here. */
static void
test_trapezoid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct protocol_spin *p = &rows[i].p;
        const int n = 200000;
        double total = protocol_duration_s(p), dt = total / n, sum = 0.0, prev = 0.0;
        assert_int_equal(protocol_omega_at(p, 0.0, &prev), ST_OK);
        for (int k = 1; k <= n; k++) {
            double w = 0.0;
            assert_int_equal(protocol_omega_at(p, k * dt, &w), ST_OK);
            sum += 0.5 * dt * (prev * prev + w * w);
            prev = w;
        }
        assert_rel(sum, rows[i].want, 1e-7);
    }
}

static void
test_tau_until(void **state)
{
    (void)state;
    const struct protocol_spin p = {W3000, 30.0, 600.0, 20.0};
    double tau = 0.0;
    /* mid-ramp: Ω²·15³/(3·30²) = Ω²·1.25 */
    assert_int_equal(protocol_tau_until(&p, 15.0, &tau), ST_OK);
    assert_rel(tau, W3000_SQ * 1.25, 1e-12);
    /* mid-hold: Ω²·(10 + 300) */
    assert_int_equal(protocol_tau_until(&p, 330.0, &tau), ST_OK);
    assert_rel(tau, W3000_SQ * 310.0, 1e-12);
    /* half-way down: y = 0.5, 20·(1 − 0.125)/3 = 5.8333: Ω²·(610 + 5.8333) */
    assert_int_equal(protocol_tau_until(&p, 640.0, &tau), ST_OK);
    assert_rel(tau, W3000_SQ * (610.0 + 35.0 / 6.0), 1e-12);
    /* after the end nothing more accumulates */
    assert_int_equal(protocol_tau_until(&p, 5000.0, &tau), ST_OK);
    assert_rel(tau, 60862560.47338437, 1e-12);
    double w = 1.0;
    assert_int_equal(protocol_omega_at(&p, 5000.0, &w), ST_OK);
    assert_true(w == 0.0);
    /* speeds on each piece: Ω/2 at 15 s, Ω at 330 s, Ω/2 at 640 s */
    assert_int_equal(protocol_omega_at(&p, 15.0, &w), ST_OK);
    assert_rel(w, W3000 / 2.0, 1e-12);
    assert_int_equal(protocol_omega_at(&p, 330.0, &w), ST_OK);
    assert_rel(w, W3000, 1e-12);
    assert_int_equal(protocol_omega_at(&p, 640.0, &w), ST_OK);
    assert_rel(w, W3000 / 2.0, 1e-12);
}

/* t → τ → t is the identity over the whole spin (τ is strictly increasing while ω > 0). */
static void
test_inverse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct protocol_spin *p = &rows[i].p;
        double total = protocol_duration_s(p), prev = -1.0;
        for (int k = 0; k <= 1000; k++) {
            double t0 = total * k / 1000.0, tau = 0.0, t1 = -1.0;
            assert_int_equal(protocol_tau_until(p, t0, &tau), ST_OK);
            assert_true(tau > prev || k == 0);
            prev = tau;
            assert_int_equal(protocol_time_for_tau(p, tau, &t1), ST_OK);
            if (!(fabs(t1 - t0) <= 1e-9 * total))
                fail_msg("row %zu: t %.15g → τ %.15g → t %.15g", i, t0, tau, t1);
        }
    }
}

static void
test_invalid(void **state)
{
    (void)state;
    const struct protocol_spin bad[] = {
        {0.0, 10.0, 60.0, 10.0},   {-5.0, 10.0, 60.0, 10.0},     {NAN, 10.0, 60.0, 10.0},
        {W3000, -1.0, 60.0, 10.0}, {W3000, 10.0, -60.0, 10.0},   {W3000, 10.0, 60.0, -1.0},
        {W3000, 0.0, 0.0, 0.0},    {W3000, 10.0, INFINITY, 0.0}, {1e200, 10.0, 60.0, 10.0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double out = 7.0;
        assert_int_equal(protocol_check(&bad[i]), ST_INVALID);
        assert_true(protocol_duration_s(&bad[i]) == 0.0);
        assert_int_equal(protocol_tau(&bad[i], &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 7.0;
        assert_int_equal(protocol_tau_until(&bad[i], 1.0, &out), ST_INVALID);
        assert_true(out == 0.0);
        out = 7.0;
        assert_int_equal(protocol_omega_at(&bad[i], 1.0, &out), ST_INVALID);
        assert_true(out == 0.0);
    }
    const struct protocol_spin p = {W3000, 30.0, 600.0, 20.0};
    double out = 7.0;
    assert_int_equal(protocol_tau_until(&p, -1.0, &out), ST_INVALID);
    assert_int_equal(protocol_omega_at(&p, NAN, &out), ST_INVALID);
    assert_int_equal(protocol_time_for_tau(&p, -1.0, &out), ST_INVALID);
    assert_int_equal(protocol_time_for_tau(&p, 60862560.47338437 * 1.001, &out), ST_INVALID);
    assert_true(out == 0.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tau),       cmocka_unit_test(test_trapezoid),
        cmocka_unit_test(test_tau_until), cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
