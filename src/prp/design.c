/* The preparation optimiser (see design.h): one run of the first spin paused at every τ of the
 * grid, a closed-form table of the dilute second spin per collected volume, then every candidate
 * of the grid from the tables. */
#include "prp/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prp/pipeline.h"
#include "prp/rcf.h"

#define MM3_PER_ML 1000.0
#define FL_PER_UL 1e9
/* Spacing of the second spin's table in collected volume, mL (prp-model.md §6.6 suggests about
 * 0.25; the closed form is cheap enough for finer). */
#define LEVEL_STEP_ML 0.1
#define MAX_LEVELS 64
#define MAX_TAU (PRP_DESIGN_AXIS_MAX * PRP_DESIGN_AXIS_MAX)

/* A field error of the request: core/status.h's fail_set with ST_INVALID. */
#define fail_at(f, field, code, ...) fail_set((f), ST_INVALID, (field), (code), __VA_ARGS__)

static void
axis(struct prp_axis *a, int n, const double *v)
{
    a->n = n;
    for (int i = 0; i < n; i++)
        a->v[i] = v[i];
}

void
prp_design_init(struct prp_design_request *r)
{
    memset(r, 0, sizeof *r);
    prp_request_init(&r->base);
    r->target_min = PRP_DESIGN_TARGET_MIN;
    r->target_max = PRP_DESIGN_TARGET_MAX;
    r->wbc_max_per_ul = NAN;
    r->rbc_max_per_ul = NAN;
    r->max_rpm = NAN;
    r->max_g = NAN;
    /* the IADVL ranges of facts.md §3 (spin 1 100–300 × g 5–10 min, spin 2 400–700 × g
     * 10–17 min) widened on either side, so that the search can show what lies beyond them */
    static const double g1[] = {100, 150, 200, 250, 300, 400};
    static const double m1[] = {4, 6, 8, 10, 12, 15};
    static const double g2[] = {400, 600, 800, 1000, 1500, 2000};
    static const double m2[] = {5, 10, 15, 20};
    static const double fr[] = {0.15, 0.2, 0.25, 1.0 / 3.0, 0.4, 0.5};
    axis(&r->g1, 6, g1);
    axis(&r->min1, 6, m1);
    axis(&r->g2, 6, g2);
    axis(&r->min2, 4, m2);
    axis(&r->fraction, 6, fr);
    r->rule_above_rbc = 1;
    r->rule_buffy_coat = 1;
    r->margin_mm = 2.0;
    r->results = 5;
}

static int
check_axis(const struct prp_axis *a, const char *field, double lo, double hi, struct fail *f)
{
    if (a->n < 1 || a->n > PRP_DESIGN_AXIS_MAX)
        return fail_at(f, field, "out_of_range", "%s must list 1 to %d values", field,
                       PRP_DESIGN_AXIS_MAX);
    for (int i = 0; i < a->n; i++)
        if (!(isfinite(a->v[i]) && a->v[i] >= lo && a->v[i] <= hi))
            return fail_at(f, field, "out_of_range", "%s values must be from %g to %g", field, lo,
                           hi);
    return ST_OK;
}

static int
check_request(const struct prp_design_request *r, struct fail *f)
{
    if (!(isfinite(r->target_min) && isfinite(r->target_max) && r->target_min > 0.0 &&
          r->target_max >= r->target_min && r->target_max <= 1e8))
        return fail_at(f, "target", "out_of_range",
                       "the target must be 0 < platelets_per_ul_min ≤ platelets_per_ul_max");
    const struct {
        const char *name;
        double v;
    } lim[] = {{"limits.wbc_per_ul_max", r->wbc_max_per_ul},
               {"limits.rbc_per_ul_max", r->rbc_max_per_ul},
               {"limits.max_rpm", r->max_rpm},
               {"limits.max_g", r->max_g}};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (!isnan(lim[i].v) && !(isfinite(lim[i].v) && lim[i].v >= 0.0))
            return fail_at(f, lim[i].name, "out_of_range", "%s must be 0 or more", lim[i].name);
    int st = check_axis(&r->g1, "grid.g1", 1.0, 20000.0, f);
    if (st == ST_OK)
        st = check_axis(&r->min1, "grid.minutes1", 0.1, 120.0, f);
    if (st == ST_OK)
        st = check_axis(&r->g2, "grid.g2", 1.0, 20000.0, f);
    if (st == ST_OK)
        st = check_axis(&r->min2, "grid.minutes2", 0.1, 120.0, f);
    if (st == ST_OK)
        st = check_axis(&r->fraction, "grid.fractions", 0.01, 1.0, f);
    if (st != ST_OK)
        return st;
    if (!r->rule_above_rbc && !r->rule_buffy_coat)
        return fail_at(f, "grid.rules", "required", "grid.rules must list at least one rule");
    if (!(isfinite(r->margin_mm) && r->margin_mm >= 0.0 && r->margin_mm <= 50.0))
        return fail_at(f, "grid.margin_mm", "out_of_range", "grid.margin_mm must be 0 to 50 mm");
    if (r->results < 0 || r->results > PRP_DESIGN_MAX_RESULTS)
        return fail_at(f, "results", "out_of_range", "results must be from 1 to %d",
                       PRP_DESIGN_MAX_RESULTS);
    return ST_OK;
}

/* A force the centrifuge can give: within max_g and max_rpm at its radius. */
static int
allowed(const struct prp_design_request *r, double g)
{
    if (!isnan(r->max_g) && g > r->max_g)
        return 0;
    double rpm;
    if (!isnan(r->max_rpm) &&
        (rcf_to_rpm(r->base.rotor.radius_mm / 10.0, g, &rpm) != ST_OK || rpm > r->max_rpm))
        return 0;
    return 1;
}

/* Sorted distinct τ of a force × minutes grid, and for each pair its index among them. */
static int
tau_list(const struct prp_design_request *r, const struct prp_axis *g, const struct prp_axis *m,
         double *taus, int *index)
{
    int n = 0;
    double all[MAX_TAU];
    for (int i = 0; i < g->n; i++) {
        for (int j = 0; j < m->n; j++) {
            struct prp_spin s = {g->v[i], m->v[j], r->accel_s, r->decel_s, {0}};
            double omega;
            if (prp_pipeline_tau(&r->base, &s, &omega, &all[i * m->n + j]) != ST_OK)
                return -1;
        }
    }
    for (int i = 0; i < g->n * m->n; i++) {
        int at = 0;
        while (at < n && taus[at] < all[i])
            at++;
        if (at < n && taus[at] == all[i])
            continue;
        memmove(taus + at + 1, taus + at, (size_t)(n - at) * sizeof *taus);
        taus[at] = all[i];
        n++;
    }
    for (int i = 0; i < g->n * m->n; i++)
        for (int k = 0; k < n; k++)
            if (taus[k] == all[i])
                index[i] = k;
    return n;
}

/* What spin 1 gives for one (force, minutes, rule). */
struct first {
    double volume_ml;
    double content[PRP_NSPECIES];
};

/* The second spin's table for one rule: kept share of each species per volume level, τ and
 * fraction, [level][tau][fraction][species]. */
struct second {
    int levels;
    double v0, step;
    double *share;
};

/* Runs `fill_ml` of composition `comp` through the τ list, calling back at each. */
typedef int (*pause_fn)(void *ctx, int tau_index, const struct sediment_grid *g, const double *phi,
                        struct fail *f);

static int
run_paused(const struct prp_request *req, const struct sediment_model *m, double fill_ml, int cells,
           const double *comp, const double *taus, int ntau, pause_fn cb, void *ctx, struct fail *f)
{
    struct sediment_grid g = {0};
    double *phi = NULL;
    struct tube spun;
    int st = prp_pipeline_tube(req, fill_ml, &spun, f);
    if (st != ST_OK)
        return st;
    st = sediment_grid_tube(&g, cells, &spun, &req->rotor, fill_ml);
    if (st != ST_OK)
        return st == ST_NOMEM ? st : fail_at(f, "blood.volume_ml", "invalid_value", "no grid");
    phi = malloc((size_t)cells * PRP_NSPECIES * sizeof *phi);
    if (phi == NULL) {
        st = ST_NOMEM;
        goto out;
    }
    for (int j = 0; j < cells; j++)
        memcpy(phi + (size_t)j * PRP_NSPECIES, comp, PRP_NSPECIES * sizeof *comp);
    double done = 0.0;
    for (int t = 0; t < ntau; t++) {
        st = sediment_run(m, &g, phi, taus[t] - done, &prp_solver_options, NULL);
        if (st != ST_OK)
            goto out;
        done = taus[t];
        st = cb(ctx, t, &g, phi, f);
        if (st != ST_OK)
            goto out;
    }
out:
    free(phi);
    sediment_grid_release(&g);
    return st;
}

struct first_ctx {
    const struct prp_design_request *req;
    double fill, threshold;
    int nrules;
    enum prp_rule rules[2];
    struct first *out; /* [tau][rule] */
};

static int
first_pause(void *vctx, int t, const struct sediment_grid *g, const double *phi, struct fail *f)
{
    struct first_ctx *c = vctx;
    for (int r = 0; r < c->nrules; r++) {
        struct prp_collect col = {c->rules[r], c->req->margin_mm, 0.0, 0.0};
        struct prp_take take;
        struct first *o = &c->out[t * c->nrules + r];
        /* a rule that takes nothing here is a candidate that gives nothing, not an error */
        if (prp_pipeline_take(&c->req->base, g, phi, c->fill, c->threshold, &col, "grid", &take,
                              NULL) != ST_OK) {
            memset(o, 0, sizeof *o);
            continue;
        }
        o->volume_ml = take.to_ml - take.from_ml;
        memcpy(o->content, take.content, sizeof o->content);
    }
    (void)f;
    return ST_OK;
}

/* Ranking: feasible first by recovery, then shorter; misses by how far they miss. */
static int
better(const struct prp_design_item *a, double miss_a, const struct prp_design_item *b,
       double miss_b)
{
    if (a->meets_target != b->meets_target)
        return a->meets_target > b->meets_target;
    if (!a->meets_target && miss_a != miss_b)
        return miss_a < miss_b;
    if (a->recovery != b->recovery)
        return a->recovery > b->recovery;
    return a->spin[0].minutes + a->spin[1].minutes < b->spin[0].minutes + b->spin[1].minutes;
}

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The second spin of `v` mL of composition `comp`, dilute (prp-model.md §6.6): each species
 * moves at its MLB velocity in that mixture, v_k·ω²r, so a cell starting at r0 is at r0·e^(v_k τ)
 * after τ (report §6.9 test 4). The bottom `fraction` kept by volume at rest is the liquid beyond
 * r_cut while spinning; it keeps the cells that started beyond r_cut·e^(−v_k τ), those pelleted
 * (started beyond r_max·e^(−v_k τ)) resuspended with η_res. Fills share[tau][fraction][species]. */
static int
second_level(const struct prp_design_request *req, const struct sediment_model *m,
             const double *comp, double v, const double *taus, int ntau, double *share,
             struct fail *f)
{
    struct tube spun;
    double vel[PRP_NSPECIES], r_s, lo, hi;
    int st = prp_pipeline_tube(&req->base, v, &spun, f);
    if (st != ST_OK)
        return st;
    const struct tube_rotor *rot = &req->base.rotor;
    if (sediment_velocity(m, comp, vel) != ST_OK || tube_spin_meniscus(&spun, rot, v, &r_s) ||
        tube_spin_extent(&spun, rot, &lo, &hi))
        return fail_at(f, "grid", "invalid_value", "the second spin cannot be tabulated");
    double eta = req->base.params.resuspension;
    for (int e = 0; e < req->fraction.n; e++) {
        double r_cut, kept_v;
        if (tube_spin_meniscus(&spun, rot, req->fraction.v[e] * v, &r_cut))
            return fail_at(f, "grid.fractions", "invalid_value", "no cut for this fraction");
        for (int t = 0; t < ntau; t++) {
            double *s = share + ((size_t)t * req->fraction.n + e) * PRP_NSPECIES;
            for (int k = 0; k < PRP_NSPECIES; k++) {
                double x = exp(-vel[k] * taus[t]), pellet_v;
                if (tube_spin_volume_beyond(&spun, rot, fmax(r_cut * x, r_s), &kept_v) ||
                    tube_spin_volume_beyond(&spun, rot, fmax(hi * x, r_s), &pellet_v))
                    return fail_at(f, "grid", "invalid_value", "the tube cannot be read");
                s[k] = fmax(0.0, (kept_v - (1.0 - eta) * pellet_v) / v);
            }
        }
    }
    return ST_OK;
}

int
prp_design(const struct prp_design_request *req, struct prp_design_result *out, struct fail *f)
{
    memset(out, 0, sizeof *out);
    double t0 = now_s();
    struct first *firsts = NULL;
    struct second tables[2] = {{0}, {0}};
    struct sediment_model m;
    double phi0[PRP_NSPECIES];
    int st = prp_pipeline_model(&req->base, &m, phi0, f);
    if (st != ST_OK)
        return st;
    st = check_request(req, f);
    if (st != ST_OK)
        return st;
    const struct prp_blood *b = &req->base.blood;
    double fill0 = b->volume_ml + b->anticoagulant_ml;
    if (fill0 > req->base.tube.capacity_ml)
        return fail_at(f, "blood.volume_ml", "too_big",
                       "blood and anticoagulant (%.2f mL) exceed the tube's %.1f mL", fill0,
                       req->base.tube.capacity_ml);
    int want = req->results ? req->results : 5;
    int nrules = 0;
    enum prp_rule rules[2];
    if (req->rule_above_rbc)
        rules[nrules++] = PRP_RULE_ABOVE_RBC;
    if (req->rule_buffy_coat)
        rules[nrules++] = PRP_RULE_BUFFY_COAT;

    /* spin 1: one run, paused at every τ of the grid (the model is τ-invariant: prp-model.md
     * §6.6, with φ_max fixed) */
    double tau1[MAX_TAU], tau2[MAX_TAU];
    int idx1[MAX_TAU], idx2[MAX_TAU];
    int n1 = tau_list(req, &req->g1, &req->min1, tau1, idx1);
    int n2 = tau_list(req, &req->g2, &req->min2, tau2, idx2);
    if (n1 < 1 || n2 < 1)
        return fail_at(f, "grid", "out_of_range", "a force of the grid gives no speed");
    firsts = calloc((size_t)n1 * (size_t)nrules, sizeof *firsts);
    if (firsts == NULL)
        return ST_NOMEM;
    struct first_ctx fc = {req,
                           fill0,
                           req->base.params.interface_share * phi0[SPECIES_RBC],
                           nrules,
                           {rules[0], rules[nrules - 1]},
                           firsts};
    int cells0 = req->base.cells ? req->base.cells : PRP_DEFAULT_CELLS;
    st = run_paused(&req->base, &m, fill0, cells0, phi0, tau1, n1, first_pause, &fc, f);
    if (st != ST_OK)
        goto out;

    /* spin 2: per rule, a table over the collected volumes, each level run once with the rule's
     * mean composition (the second spin is dilute: each species moves nearly on its own) */
    for (int r = 0; r < nrules; r++) {
        double vmin = INFINITY, vmax = 0.0, comp[PRP_NSPECIES] = {0}, wsum = 0.0;
        for (int t = 0; t < n1; t++) {
            const struct first *o = &firsts[t * nrules + r];
            if (o->volume_ml <= 0.0)
                continue;
            vmin = fmin(vmin, o->volume_ml);
            vmax = fmax(vmax, o->volume_ml);
            for (int k = 0; k < PRP_NSPECIES; k++)
                comp[k] += o->content[k];
            wsum += o->volume_ml;
        }
        if (wsum <= 0.0)
            continue;
        for (int k = 0; k < PRP_NSPECIES; k++)
            comp[k] /= wsum;
        struct second *tb = &tables[r];
        tb->step = LEVEL_STEP_ML;
        tb->v0 = vmin;
        tb->levels = 1 + (int)ceil((vmax - vmin) / tb->step);
        if (tb->levels > MAX_LEVELS) {
            tb->levels = MAX_LEVELS;
            tb->step = (vmax - vmin) / (MAX_LEVELS - 1);
        }
        if (tb->levels < 2) {
            tb->levels = 2;
            tb->step = fmax(vmax - vmin, 1e-3);
        }
        tb->share = calloc((size_t)tb->levels * (size_t)n2 * (size_t)req->fraction.n * PRP_NSPECIES,
                           sizeof *tb->share);
        if (tb->share == NULL) {
            st = ST_NOMEM;
            goto out;
        }
        for (int l = 0; l < tb->levels; l++) {
            double v = fmin(tb->v0 + l * tb->step, req->base.tube.capacity_ml);
            st = second_level(req, &m, comp, v, tau2, n2,
                              tb->share + (size_t)l * n2 * req->fraction.n * PRP_NSPECIES, f);
            if (st != ST_OK)
                goto out;
        }
    }

    /* every candidate from the tables */
    double drawn_plt = phi0[SPECIES_PLT] * fill0;
    double miss[PRP_DESIGN_MAX_RESULTS];
    const struct species *sp[PRP_NSPECIES];
    for (int k = 0; k < PRP_NSPECIES; k++)
        sp[k] = species_get((enum species_id)k);
    for (int a = 0; a < req->g1.n; a++) {
        for (int bm = 0; bm < req->min1.n; bm++) {
            for (int r = 0; r < nrules; r++) {
                const struct first *o = &firsts[idx1[a * req->min1.n + bm] * nrules + r];
                const struct second *tb = &tables[r];
                for (int c = 0; c < req->g2.n; c++) {
                    int ok_g = allowed(req, req->g1.v[a]) && allowed(req, req->g2.v[c]);
                    for (int d = 0; d < req->min2.n; d++) {
                        int t2 = idx2[c * req->min2.n + d];
                        for (int e = 0; e < req->fraction.n; e++) {
                            if (!ok_g) {
                                out->skipped_limits++;
                                continue;
                            }
                            out->candidates++;
                            if (o->volume_ml <= 0.0 || tb->share == NULL)
                                continue;
                            /* linear between the two volume levels around this one */
                            double x = (o->volume_ml - tb->v0) / tb->step;
                            int l = (int)floor(x);
                            l = l < 0 ? 0 : l > tb->levels - 2 ? tb->levels - 2 : l;
                            double w = fmin(1.0, fmax(0.0, x - l));
                            const double *s0 =
                                tb->share +
                                (((size_t)l * n2 + t2) * req->fraction.n + e) * PRP_NSPECIES;
                            const double *s1 = s0 + (size_t)n2 * req->fraction.n * PRP_NSPECIES;
                            double vol = o->volume_ml * req->fraction.v[e];
                            double per_ul[PRP_NSPECIES];
                            for (int k = 0; k < PRP_NSPECIES; k++) {
                                double share = (1.0 - w) * s0[k] + w * s1[k];
                                per_ul[k] =
                                    o->content[k] * share / vol * FL_PER_UL / sp[k]->volume_fl;
                            }
                            struct prp_design_item it;
                            memset(&it, 0, sizeof it);
                            it.platelets_per_ul = per_ul[SPECIES_PLT];
                            it.wbc_per_ul =
                                per_ul[SPECIES_LYM] + per_ul[SPECIES_MON] + per_ul[SPECIES_NEU];
                            it.rbc_per_ul = per_ul[SPECIES_RBC];
                            it.prp_volume_ml = vol;
                            it.recovery = per_ul[SPECIES_PLT] * vol * sp[SPECIES_PLT]->volume_fl /
                                          FL_PER_UL / drawn_plt;
                            it.concentration_factor = it.platelets_per_ul / b->platelets_per_ul;
                            double m_out = 0.0;
                            if (it.platelets_per_ul < req->target_min)
                                m_out += log(req->target_min / fmax(it.platelets_per_ul, 1.0));
                            if (it.platelets_per_ul > req->target_max)
                                m_out += log(it.platelets_per_ul / req->target_max);
                            if (!isnan(req->wbc_max_per_ul) && it.wbc_per_ul > req->wbc_max_per_ul)
                                m_out += log(it.wbc_per_ul / fmax(req->wbc_max_per_ul, 1.0));
                            if (!isnan(req->rbc_max_per_ul) && it.rbc_per_ul > req->rbc_max_per_ul)
                                m_out += log(it.rbc_per_ul / fmax(req->rbc_max_per_ul, 1.0));
                            it.meets_target = m_out == 0.0;
                            out->feasible += it.meets_target;
                            /* insert into the ranked list if it belongs there */
                            int at = out->n;
                            while (at > 0 && better(&it, m_out, &out->item[at - 1], miss[at - 1]))
                                at--;
                            if (at >= want)
                                continue;
                            it.spin[0] = (struct prp_spin){req->g1.v[a],
                                                           req->min1.v[bm],
                                                           req->accel_s,
                                                           req->decel_s,
                                                           {rules[r], req->margin_mm, 0.0, 0.0}};
                            it.spin[1] = (struct prp_spin){
                                req->g2.v[c],
                                req->min2.v[d],
                                req->accel_s,
                                req->decel_s,
                                {PRP_RULE_KEEP_BOTTOM, 0.0, 0.0, req->fraction.v[e]}};
                            int last = out->n < want ? out->n : want - 1;
                            memmove(&out->item[at + 1], &out->item[at],
                                    (size_t)(last - at) * sizeof out->item[0]);
                            memmove(&miss[at + 1], &miss[at], (size_t)(last - at) * sizeof miss[0]);
                            out->item[at] = it;
                            miss[at] = m_out;
                            if (out->n < want)
                                out->n++;
                        }
                    }
                }
            }
        }
    }
    for (int i = 0; i < out->n; i++) {
        struct prp_design_item *it = &out->item[i];
        for (int s = 0; s < 2; s++)
            if (rcf_to_rpm(req->base.rotor.radius_mm / 10.0, it->spin[s].g, &it->rpm[s]) != ST_OK)
                it->rpm[s] = 0.0;
    }
    out->seconds = now_s() - t0;

    if (req->verify) {
        for (int i = 0; i < out->n; i++) {
            struct prp_design_item *it = &out->item[i];
            struct prp_request full = req->base;
            full.spins = 2;
            full.spin[0] = it->spin[0];
            full.spin[1] = it->spin[1];
            st = prp_simulate(&full, &it->full, f);
            if (st != ST_OK)
                goto out;
            it->verified = 1;
            out->fast_error_max =
                fmax(out->fast_error_max, fabs(it->full.recovery.value - it->recovery));
        }
    }
out:
    free(firsts);
    free(tables[0].share);
    free(tables[1].share);
    if (st != ST_OK) {
        struct fail keep;
        if (f != NULL)
            keep = *f;
        memset(out, 0, sizeof *out);
        if (f != NULL)
            *f = keep;
    }
    return st;
}
