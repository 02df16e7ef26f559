/* Unit tests of src/core/stats.c against values computed independently: Student's t quantiles
 * from published tables (to the 6 decimals they give), Wilson intervals and sample summaries
 * worked by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_mean_sd_median(void **state)
{
    (void)state;
    double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    assert_true(fabs(stats_mean(x, N(x)) - 5) < 1e-12);
    /* Sum of squares about the mean is 32, so s = sqrt(32 / 7). */
    assert_true(fabs(stats_sd(x, N(x)) - sqrt(32.0 / 7)) < 1e-12);
    assert_true(fabs(stats_median(x, N(x)) - 4.5) < 1e-12);

    double odd[] = {9, -3, 1.5};
    assert_true(fabs(stats_median(odd, N(odd)) - 1.5) < 1e-12);
    assert_true(odd[0] == -3 && odd[2] == 9); /* sorted in place */

    /* Values far from zero with a small spread keep their sd. */
    double big[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    assert_true(fabs(stats_sd(big, N(big)) - 1) < 1e-6);

    double one[] = {7};
    assert_true(stats_mean(one, 1) == 7);
    assert_true(stats_median(one, 1) == 7);
    assert_true(isnan(stats_sd(one, 1)));
    assert_true(isnan(stats_mean(NULL, 0)));
    assert_true(isnan(stats_median(NULL, 0)));
}

static const struct {
    double p, df, t;
} t_table[] = {
    {0.975, 1, 12.706205},  {0.975, 2, 4.302653},   {0.975, 3, 3.182446},  {0.975, 5, 2.570582},
    {0.975, 10, 2.228139},  {0.975, 29, 2.045230},  {0.975, 30, 2.042272}, {0.975, 100, 1.983972},
    {0.975, 1e6, 1.959966}, {0.95, 1, 6.313752},    {0.95, 4, 2.131847},   {0.995, 7, 3.499483},
    {0.9, 20, 1.325341},    {0.025, 10, -2.228139}, {0.5, 3, 0},           {0.75, 1, 1.0},
};

static void
test_t_quantile(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(t_table); i++) {
        double t = stats_t_quantile(t_table[i].p, t_table[i].df);
        if (fabs(t - t_table[i].t) > 5e-7)
            fail_msg("t(%g, %g): got %.9f, want %.6f", t_table[i].p, t_table[i].df, t,
                     t_table[i].t);
        /* And back: the distribution function gives p again. */
        assert_true(fabs(stats_t_cdf(t, t_table[i].df) - t_table[i].p) < 1e-9);
    }
    /* df = 1 is the Cauchy distribution: P(T <= 1) = 3/4 exactly. */
    assert_true(fabs(stats_t_cdf(1, 1) - 0.75) < 1e-12);
    assert_true(fabs(stats_t_cdf(0, 5) - 0.5) < 1e-12);
    assert_true(isnan(stats_t_quantile(0, 5)));
    assert_true(isnan(stats_t_quantile(1, 5)));
    assert_true(isnan(stats_t_quantile(0.975, 0)));
    assert_true(isnan(stats_t_quantile(0.975, -1)));
}

static const struct {
    long k, n;
    double low, high;
} wilson_table[] = {
    /* p = 0.5, n = 10: centre 0.5, half = 1.96/(1+0.38415) * sqrt(0.025 + 0.0096037). */
    {5, 10, 0.236593, 0.763407},
    {0, 10, 0, 0.277533},
    {10, 10, 0.722467, 1},
    {1, 1, 0.206549, 1},
    /* Newcombe, Stat Med 1998, table II: 81/263 gives 0.2553 to 0.3662. */
    {81, 263, 0.255289, 0.366210},
    {45, 50, 0.786398, 0.956524},
};

static void
test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    for (size_t i = 0; i < N(wilson_table); i++) {
        assert_true(stats_wilson(wilson_table[i].k, wilson_table[i].n, STATS_Z95, &lo, &hi));
        if (fabs(lo - wilson_table[i].low) > 1e-6 || fabs(hi - wilson_table[i].high) > 1e-6)
            fail_msg("wilson(%ld/%ld): got %.6f..%.6f", wilson_table[i].k, wilson_table[i].n, lo,
                     hi);
    }
    assert_false(stats_wilson(0, 0, STATS_Z95, &lo, &hi));
    assert_true(isnan(lo) && isnan(hi));
    assert_false(stats_wilson(3, 2, STATS_Z95, &lo, &hi));
    assert_false(stats_wilson(-1, 2, STATS_Z95, &lo, &hi));
}

static void
test_summarise(void **state)
{
    (void)state;
    struct stats_summary s;
    /* 10, 12, 14, 16, 18: mean 14, s = sqrt(40 / 4) = sqrt(10), t(0.975, 4) = 2.776445. */
    double x[] = {18, 10, 14, 12, 16};
    stats_summarise(x, N(x), &s);
    assert_int_equal(s.n, 5);
    assert_true(fabs(s.mean - 14) < 1e-12);
    assert_true(fabs(s.median - 14) < 1e-12);
    assert_true(fabs(s.sd - sqrt(10)) < 1e-12);
    double half = 2.776445 * sqrt(10) / sqrt(5);
    assert_true(fabs(s.ci_low - (14 - half)) < 1e-5);
    assert_true(fabs(s.ci_high - (14 + half)) < 1e-5);

    double one[] = {3.5};
    stats_summarise(one, 1, &s);
    assert_int_equal(s.n, 1);
    assert_true(s.mean == 3.5 && s.median == 3.5);
    assert_true(isnan(s.sd) && isnan(s.ci_low) && isnan(s.ci_high));

    stats_summarise(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.median));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_sd_median),
        cmocka_unit_test(test_t_quantile),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_summarise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
