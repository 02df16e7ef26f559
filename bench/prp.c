/* Benchmark of the PRP preparation designer (bench/run --prp-only; make bench): one full two-spin
 * simulation at the default grid, the optimiser over its default grid, evaluations per second,
 * the fast path's error against the full solver, and the pipeline's invariants over random
 * protocols. Writes a Markdown table to OUTDIR/prp.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prp/design.h"
#include "prp/simulate.h"

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The request of the example (a 15 mL conical tube on a 150 mm swing-out rotor). */
static void
example(struct prp_request *r)
{
    prp_request_init(r);
    r->blood = (struct prp_blood){10.0, 0.42, 250000.0, 6500.0, NAN, NAN, NAN, 1.0, 22.0};
    r->rotor.radius_mm = 150.0;
    r->spins = 2;
    r->spin[0] = (struct prp_spin){100.0, 15.0, 0.0, 0.0, {PRP_RULE_ABOVE_RBC, 2.0, 0.0, 0.0}};
    r->spin[1] = (struct prp_spin){1600.0, 20.0, 0.0, 0.0, {PRP_RULE_KEEP_BOTTOM, 0.0, 0.0, 0.333}};
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
uniform(unsigned long long *seed)
{
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*seed >> 11) / 9007199254740992.0;
}

/* Random protocols through the full pipeline (grids of 20–60 cells): each species conserved by
 * the solver to 1e-12, no fraction below −1e-15 (round-off), no cell past φ_max + 1e-12, counts
 * ≥ 0, recovery in [0, 1], platelets of each spin's profile equal to those spun. Returns the
 * number of violations. */
static long
random_protocols(int runs, int *ran)
{
    unsigned long long seed = 11ULL;
    long bad = 0;
    *ran = 0;
    for (int i = 0; i < runs; i++) {
        struct prp_request r;
        prp_request_init(&r);
        double cap = uniform(&seed) < 0.5 ? 10.0 : 15.0;
        if (tube_default(&r.tube, cap, uniform(&seed) < 0.5 ? TUBE_TIP_CONICAL : TUBE_TIP_ROUND))
            return -1;
        r.rotor.radius_mm = 90.0 + 80.0 * uniform(&seed);
        double ml = (0.3 + 0.55 * uniform(&seed)) * cap;
        r.blood = (struct prp_blood){ml,
                                     0.3 + 0.25 * uniform(&seed),
                                     1e5 + 3e5 * uniform(&seed),
                                     3000.0 + 8000.0 * uniform(&seed),
                                     NAN,
                                     NAN,
                                     NAN,
                                     ml / 9.0 * uniform(&seed),
                                     18.0 + 19.0 * uniform(&seed)};
        r.cells = 20 + (int)(40 * uniform(&seed));
        r.spins = 2;
        r.spin[0] =
            (struct prp_spin){50.0 + 500.0 * uniform(&seed),
                              2.0 + 15.0 * uniform(&seed),
                              30.0 * uniform(&seed),
                              30.0 * uniform(&seed),
                              {uniform(&seed) < 0.5 ? PRP_RULE_ABOVE_RBC : PRP_RULE_BUFFY_COAT,
                               3.0 * uniform(&seed), 0.0, 0.0}};
        r.spin[1] = (struct prp_spin){300.0 + 2000.0 * uniform(&seed),
                                      3.0 + 20.0 * uniform(&seed),
                                      0.0,
                                      0.0,
                                      {PRP_RULE_KEEP_BOTTOM, 0.0, 0.0, 0.1 + 0.6 * uniform(&seed)}};
        struct prp_result o;
        struct fail f = {0};
        if (prp_simulate(&r, &o, &f) != ST_OK) {
            /* a first spin that leaves no plasma, or a rotor too small for the tube */
            bad += strcmp(f.code, "empty") != 0 && strcmp(f.field, "rotor") != 0;
            continue;
        }
        (*ran)++;
        bad += !(o.recovery.value >= 0.0 && o.recovery.value <= 1.0);
        for (int s = 0; s < 2; s++) {
            /* the solver's invariants (prp-model.md §6.9 test 13): per species conservation,
             * no negative fraction beyond round-off, no cell past φ_max */
            bad += !(o.spin[s].solver_conservation <= 1e-12);
            bad += !(o.spin[s].solver_phi_min >= -1e-15);
            bad += !(o.spin[s].solver_total_max <= r.params.phi_max + 1e-12);
            double sum = 0.0;
            for (int b = 0; b < PRP_PROFILE_BANDS; b++) {
                const struct prp_profile_band *pb = &o.spin[s].profile[b];
                bad += !(pb->hct >= 0.0 && pb->platelets_per_ul >= 0.0 && pb->wbc_per_ul >= 0.0);
                sum += pb->platelets_per_ul * (pb->bottom_ml - pb->top_ml);
            }
            double spun = s == 0 ? o.blood.platelets_per_ul * o.blood_ml
                                 : o.spin[0].product.platelets_per_ul * o.spin[0].collected_ml;
            bad += !(fabs(sum - spun) <= 1e-9 * spun);
        }
    }
    return bad;
}

int
main(int argc, char **argv)
{
    const char *outdir = argc > 1 ? argv[1] : ".";
    int random_runs = 10000;
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], "--random") == 0)
            random_runs = atoi(argv[i + 1]);

    /* 1. one full two-spin simulation at the default grid: 5 untimed, then 30 timed */
    struct prp_request r;
    struct prp_result o;
    struct fail f = {0};
    example(&r);
    double t_sim[30];
    for (int i = 0; i < 35; i++) {
        double t0 = cpu_s();
        if (prp_simulate(&r, &o, &f) != ST_OK) {
            fprintf(stderr, "bench_prp: simulate failed: %s\n", f.message);
            return 1;
        }
        if (i >= 5)
            t_sim[i - 5] = (cpu_s() - t0) * 1e3;
    }
    qsort(t_sim, 30, sizeof t_sim[0], cmp);

    /* 2. the optimiser over its default grid, verified on its 20 best */
    struct prp_design_request *d = malloc(sizeof *d);
    struct prp_design_result *res = malloc(sizeof *res);
    if (d == NULL || res == NULL)
        return 1;
    prp_design_init(d);
    d->base.blood = r.blood;
    d->base.rotor = r.rotor;
    d->results = 20;
    double t_design[5];
    for (int i = 0; i < 5; i++) {
        double t0 = cpu_s();
        if (prp_design(d, res, &f) != ST_OK) {
            fprintf(stderr, "bench_prp: design failed: %s\n", f.message);
            return 1;
        }
        t_design[i] = cpu_s() - t0;
    }
    qsort(t_design, 5, sizeof t_design[0], cmp);
    d->verify = 1;
    double w0 = now_s();
    if (prp_design(d, res, &f) != ST_OK)
        return 1;
    double verify_s = now_s() - w0;
    double err_max = 0.0, err_sum = 0.0, cerr_max = 0.0;
    for (int i = 0; i < res->n; i++) {
        double e = fabs(res->item[i].full.recovery.value - res->item[i].recovery);
        err_max = fmax(err_max, e);
        err_sum += e;
        cerr_max = fmax(cerr_max, fabs(res->item[i].full.platelets_per_ul.value -
                                       res->item[i].platelets_per_ul) /
                                      res->item[i].full.platelets_per_ul.value);
    }

    /* 3. invariants over random protocols */
    int ran;
    double t0 = now_s();
    long bad = random_protocols(random_runs, &ran);
    double random_s = now_s() - t0;

    char path[512];
    snprintf(path, sizeof path, "%s/prp.md", outdir);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "bench_prp: cannot write %s\n", path);
        return 1;
    }
    double evals = (double)res->candidates / t_design[2];
    fprintf(out, "## PRP preparation designer\n\n");
    fprintf(out, "| measurement | value | target | met |\n| --- | --- | --- | --- |\n");
    fprintf(out,
            "| one two-spin simulation, %d cells (100 × g 15 min, 1600 × g 20 min), CPU time | "
            "p50 %.1f ms · max %.1f ms | ≤ 50 ms | %s |\n",
            PRP_DEFAULT_CELLS, t_sim[15], t_sim[29], t_sim[15] <= 50.0 ? "yes" : "no");
    fprintf(out,
            "| design over %ld candidates, one core, CPU time | median %.3f s | ≤ 1 s | %s |\n",
            res->candidates, t_design[2], t_design[2] <= 1.0 ? "yes" : "no");
    fprintf(out, "| candidate evaluations per second (tables included) | %.0f | | |\n", evals);
    fprintf(out,
            "| fast path vs full solver, %d best protocols | recovery: max %.4f, mean %.4f "
            "(absolute); platelets/µL: max %.2f %% | | |\n",
            res->n, err_max, res->n ? err_sum / res->n : 0.0, 100.0 * cerr_max);
    fprintf(out, "| verifying those %d with the full solver | %.2f s | | |\n", res->n, verify_s);
    fprintf(out,
            "| random protocols through the pipeline | %d run (%d refused: no plasma left or a "
            "rotor too small for the tube), %ld "
            "violations, %.1f s | 0 violations | %s |\n",
            ran, random_runs - ran, bad, random_s, bad == 0 ? "yes" : "no");
    fclose(out);
    printf("bench_prp: simulate p50 %.1f ms; design %.3f s for %ld candidates (%.0f/s); fast-path "
           "recovery error max %.4f; %d random protocols, %ld violations\n",
           t_sim[15], t_design[2], res->candidates, evals, err_max, ran, bad);
    free(d);
    free(res);
    return bad == 0 ? 0 : 1;
}
