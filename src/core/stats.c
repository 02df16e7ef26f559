/* Descriptive statistics for the reports (stats.h): the t quantile is found by bisection on the
 * t distribution function, itself the regularised incomplete beta function by its continued
 * fraction (modified Lentz), so every figure comes from one well-understood definition. */
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>

double
stats_mean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum / (double)n;
}

double
stats_sd(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    /* Two passes: the squares are taken about the mean, which keeps the sum exact enough for
     * values far from zero (densities around 150 with changes of a few units). */
    double mean = stats_mean(x, n), ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
stats_median(double *x, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(x, n, sizeof(x[0]), cmp_double);
    if (n % 2)
        return x[n / 2];
    return (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* The continued fraction of the incomplete beta function, for x < (a + 1) / (a + b + 2) where it
 * converges fast. */
static double
beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        /* The even step d_{2m}, then the odd step d_{2m+1}. */
        double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        d = 1 + num * d;
        c = 1 + num / c;
        if (fabs(d) < tiny)
            d = tiny;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        d = 1 + num * d;
        c = 1 + num / c;
        if (fabs(d) < tiny)
            d = tiny;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1) < 1e-15)
            break;
    }
    return h;
}

/* The regularised incomplete beta function I_x(a, b). */
static double
incomplete_beta(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_fraction(a, b, x) / a;
    return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double
stats_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1 : 0;
    /* P(|T| > |t|) = I_{df / (df + t²)}(df / 2, 1 / 2). */
    double tail = incomplete_beta(df / 2, 0.5, df / (df + t * t)) / 2;
    return t >= 0 ? 1 - tail : tail;
}

double
stats_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (p == 0.5)
        return 0;
    /* The distribution is symmetric: find the upper quantile and mirror it. */
    double q = p > 0.5 ? p : 1 - p;
    double lo = 0, hi = 1;
    while (stats_t_cdf(hi, df) < q && hi < 1e300)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + hi); i++) {
        double mid = lo + (hi - lo) / 2;
        if (stats_t_cdf(mid, df) < q)
            lo = mid;
        else
            hi = mid;
    }
    double t = lo + (hi - lo) / 2;
    return p > 0.5 ? t : -t;
}

bool
stats_wilson(long k, long n, double z, double *low, double *high)
{
    *low = NAN;
    *high = NAN;
    if (n <= 0 || k < 0 || k > n)
        return false;
    double nn = (double)n, phat = (double)k / nn, z2 = z * z;
    double centre = (phat + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z / (1 + z2 / nn) * sqrt(phat * (1 - phat) / nn + z2 / (4 * nn * nn));
    *low = centre - half;
    *high = centre + half;
    /* Rounding must not put the bounds outside [0, 1], where the exact ones lie. */
    if (*low < 0)
        *low = 0;
    if (*high > 1)
        *high = 1;
    return true;
}

void
stats_summarise(double *x, size_t n, struct stats_summary *out)
{
    out->n = n;
    out->mean = stats_mean(x, n);
    out->median = stats_median(x, n);
    out->sd = stats_sd(x, n);
    out->ci_low = NAN;
    out->ci_high = NAN;
    if (n >= 2) {
        double half = stats_t_quantile(0.975, (double)(n - 1)) * out->sd / sqrt((double)n);
        out->ci_low = out->mean - half;
        out->ci_high = out->mean + half;
    }
}
