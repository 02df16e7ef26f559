/* Descriptive statistics for the clinic's reports: mean, standard deviation, exact median,
 * Student's t quantile for the interval of a mean, and Wilson's interval of a proportion. Pure
 * functions over arrays of doubles; no allocation. */
#ifndef AUTOLOGA_CORE_STATS_H
#define AUTOLOGA_CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* The normal quantile of 0.975: the z of a two-sided 95 % interval. */
#define STATS_Z95 1.959963984540054

/* The arithmetic mean of x[0..n); NaN when n is 0. */
double stats_mean(const double *x, size_t n);
/* The sample standard deviation (divisor n - 1) of x[0..n); NaN when n < 2. */
double stats_sd(const double *x, size_t n);
/* The exact median of x[0..n), which it sorts in place (the mean of the two middle values when
 * n is even); NaN when n is 0. */
double stats_median(double *x, size_t n);

/* The p-quantile (0 < p < 1) of Student's t distribution with df > 0 degrees of freedom
 * (df need not be whole): the t with P(T <= t) = p, to about 1e-10. NaN outside the domain. */
double stats_t_quantile(double p, double df);
/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double stats_t_cdf(double t, double df);

/* The Wilson score interval of k successes in n trials at normal quantile z (STATS_Z95 for
 * 95 %): false (and both NaN) when n is 0 or k is not in 0..n. */
bool stats_wilson(long k, long n, double z, double *low, double *high);

/* What a report gives of a sample: n, mean, median, sample sd and the 95 % interval of the mean
 * by Student's t (mean ± t(0.975, n-1) · sd / √n). Values a sample this small cannot give are
 * NaN: mean and median with n = 0, sd and the interval with n < 2. */
struct stats_summary {
    size_t n;
    double mean;
    double median;
    double sd;
    double ci_low;
    double ci_high;
};
/* Summarises x[0..n), which it sorts in place. */
void stats_summarise(double *x, size_t n, struct stats_summary *out);

#endif
