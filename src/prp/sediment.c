/* Multi-species kinematic sedimentation (see sediment.h): MLB velocities and their Jacobian,
 * grids for planar, power-law and real tube columns, and the explicit finite-volume march in τ. */
#include "prp/sediment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MM3_PER_ML 1000.0

/* Fractions below this are set to 0 in the march (see there). */
#define SEDIMENT_FLUSH 1e-250

/* fmax/fmin without their NaN rules, so that they compile to one instruction in the march (the
 * march never sees a NaN: every state is checked on entry). */
static inline double
maxd(double a, double b)
{
    return a > b ? a : b;
}

static inline double
mind(double a, double b)
{
    return a < b ? a : b;
}

/* ---- the model ---------------------------------------------------------------------------- */

int
sediment_model_check(const struct sediment_model *m)
{
    if (m->species < 1 || m->species > SEDIMENT_MAX_SPECIES)
        return ST_INVALID;
    if (!(isfinite(m->fluid_density) && m->fluid_density > 0.0))
        return ST_INVALID;
    if (!(isfinite(m->phi_max) && m->phi_max > 0.0 && m->phi_max <= 1.0))
        return ST_INVALID;
    if (m->hindrance != SEDIMENT_RICHARDSON_ZAKI && m->hindrance != SEDIMENT_MICHAELS_BOLGER)
        return ST_INVALID;
    /* below 1 the slip u or V' grows without bound as φ nears packing */
    if (!(isfinite(m->exponent) && m->exponent >= 1.0 && m->exponent <= 100.0))
        return ST_INVALID;
    /* Richardson–Zaki with n < 2 has V = (1 − φ)^(n − 2) growing as φ → 1: one species stays
     * bounded because its flux carries (1 − φ)², but a second species in a dense bed would slip
     * ever faster (and stiffen the time step without limit) */
    if (m->hindrance == SEDIMENT_RICHARDSON_ZAKI && m->exponent < 2.0 && m->species > 1)
        return ST_INVALID;
    for (int k = 0; k < m->species; k++) {
        if (!(isfinite(m->mobility[k]) && m->mobility[k] >= 0.0))
            return ST_INVALID;
        if (!(isfinite(m->density[k]) && m->density[k] > 0.0))
            return ST_INVALID;
    }
    return ST_OK;
}

/* V(φ) and V'(φ); both 0 at and beyond packing. */
static void
hindrance(const struct sediment_model *m, double total, double *vh, double *dvh)
{
    *vh = 0.0;
    *dvh = 0.0;
    if (total >= m->phi_max)
        return;
    /* one pow: V' = −e·V/w (w > 0 here, as total < φ_max ≤ 1) */
    if (m->hindrance == SEDIMENT_RICHARDSON_ZAKI) {
        double w = 1.0 - total, e = m->exponent - 2.0;
        *vh = pow(w, e);
        *dvh = -e * *vh / w;
    } else {
        double x = 1.0 - total / m->phi_max, e = m->exponent;
        *vh = pow(x, e);
        *dvh = -e / m->phi_max * *vh / x;
    }
}

/* V and V' of the Michaels–Bolger hindrance at HINDRANCE_NODES + 1 evenly spaced fractions of
 * [0, φ_max], read back by cubic Hermite interpolation: the march calls V once per cell and step,
 * and pow was a third of its time (prp-model.md §6.5, "no pow in the inner loop"). For κ = 2.55
 * the interpolation's relative error is below 1e-13 up to 0.9·φ_max and 1e-9 up to 0.99·φ_max;
 * nearer packing, where V is below 1e-5 of its dilute value, it grows to 1e-6 and, in the last
 * interval, to a fraction of a V that is below 1e-11. */
#define HINDRANCE_NODES 4096

struct hindrance_table {
    double step, inv_step, phi_max;
    const double *val, *der; /* [HINDRANCE_NODES + 1] */
};

static void
hindrance_table_fill(const struct sediment_model *m, double *val, double *der,
                     struct hindrance_table *t)
{
    t->phi_max = m->phi_max;
    t->step = m->phi_max / HINDRANCE_NODES;
    t->inv_step = HINDRANCE_NODES / m->phi_max;
    for (int i = 0; i <= HINDRANCE_NODES; i++)
        hindrance(m, i == HINDRANCE_NODES ? m->phi_max : i * t->step, &val[i], &der[i]);
    t->val = val;
    t->der = der;
}

static inline void
hindrance_lookup(const struct hindrance_table *t, double total, double *vh, double *dvh)
{
    *vh = 0.0;
    *dvh = 0.0;
    if (total >= t->phi_max)
        return;
    double x = total * t->inv_step;
    int i = (int)x;
    if (i >= HINDRANCE_NODES) /* round-off just below φ_max */
        i = HINDRANCE_NODES - 1;
    double s = x - i, h = t->step;
    double v0 = t->val[i], v1 = t->val[i + 1], d0 = t->der[i] * h, d1 = t->der[i + 1] * h;
    double s2 = s * s, s3 = s2 * s;
    *vh = (2 * s3 - 3 * s2 + 1) * v0 + (s3 - 2 * s2 + s) * d0 + (-2 * s3 + 3 * s2) * v1 +
          (s3 - s2) * d1;
    *dvh = ((6 * s2 - 6 * s) * v0 + (3 * s2 - 4 * s + 1) * d0 + (-6 * s2 + 6 * s) * v1 +
            (3 * s2 - 2 * s) * d1) *
           t->inv_step;
}

/* Velocities of one cell's mixture, and when asked the two bounds the face speeds need:
 * g_k = Σ_i |∂v_k/∂φ_i| and jinf = ‖∂F/∂Φ‖∞ (prp-model.md §6.5). With
 * B_ki = ∂u_k/∂φ_i = c_k[−(ρ_i − ρ_f)V + (ρ_k − ρ_mix)V'], ∂v_k/∂φ_i = B_ki − u_i − Σ_l φ_l B_li
 * and ∂F_k/∂φ_i = δ_ki v_k + φ_k ∂v_k/∂φ_i. */
static inline __attribute__((always_inline)) void
eval_cell_k(const struct sediment_model *m, const struct hindrance_table *t, int nk,
            const double *phi, double *v, double *g, double *jinf)
{
    double rf = m->fluid_density;
    double total = 0.0, rho_mix = rf;
    for (int k = 0; k < nk; k++) {
        total += phi[k];
        rho_mix += phi[k] * (m->density[k] - rf);
    }
    double vh, dvh;
    if (t != NULL)
        hindrance_lookup(t, total, &vh, &dvh);
    else
        hindrance(m, total, &vh, &dvh);
    double u[SEDIMENT_MAX_SPECIES];
    double mean = 0.0;
    for (int k = 0; k < nk; k++) {
        u[k] = m->mobility[k] * (m->density[k] - rho_mix) * vh;
        mean += phi[k] * u[k];
    }
    for (int k = 0; k < nk; k++)
        v[k] = u[k] - mean;
    if (g == NULL && jinf == NULL)
        return;

    /* B_ki = −a_k·(ρ_i − ρ_f) + b_k with a_k = c_k·V and b_k = c_k·(ρ_k − ρ_mix)·V', so
     * Σ_l φ_l B_li = −(ρ_i − ρ_f)·A + B with A = Σ φ_l a_l, B = Σ φ_l b_l, and
     * ∂v_k/∂φ_i = (ρ_i − ρ_f)(A − a_k) + (b_k − B) − u_i: O(K²) without a K × K matrix */
    double a[SEDIMENT_MAX_SPECIES], bk[SEDIMENT_MAX_SPECIES], dr[SEDIMENT_MAX_SPECIES];
    double sa = 0.0, sb = 0.0;
    for (int k = 0; k < nk; k++) {
        a[k] = m->mobility[k] * vh;
        bk[k] = m->mobility[k] * (m->density[k] - rho_mix) * dvh;
        dr[k] = m->density[k] - rf;
        sa += phi[k] * a[k];
        sb += phi[k] * bk[k];
    }
    double worst = 0.0;
    for (int k = 0; k < nk; k++) {
        double gk = 0.0, row = 0.0, ak = sa - a[k], bb = bk[k] - sb;
        for (int i = 0; i < nk; i++) {
            double dv = dr[i] * ak + bb - u[i];
            gk += fabs(dv);
            if (jinf != NULL) /* only the Rusanov and Engquist–Osher bounds need ‖J‖∞ */
                row += fabs((i == k ? v[k] : 0.0) + phi[k] * dv);
        }
        if (g != NULL)
            g[k] = gk;
        worst = maxd(worst, row);
    }
    if (jinf != NULL)
        *jinf = worst;
}

static void
eval_cell(const struct sediment_model *m, const double *phi, double *v, double *g, double *jinf)
{
    eval_cell_k(m, NULL, m->species, phi, v, g, jinf);
}

/* The march's five species (red cells, platelets, three leukocytes) with the count known to the
 * compiler, which then unrolls the K² loop: a third of a step's time. */
static void
eval_cell5(const struct sediment_model *m, const struct hindrance_table *t, const double *phi,
           double *v, double *g, double *jinf)
{
    eval_cell_k(m, t, 5, phi, v, g, jinf);
}

static void
eval_cell_any(const struct sediment_model *m, const struct hindrance_table *t, const double *phi,
              double *v, double *g, double *jinf)
{
    eval_cell_k(m, t, m->species, phi, v, g, jinf);
}

/* A mixture the model can take: finite fractions ≥ 0 summing to at most φ_max (with room for
 * round-off). */
static int
valid_mixture(const struct sediment_model *m, const double *phi)
{
    double total = 0.0;
    for (int k = 0; k < m->species; k++) {
        if (!(isfinite(phi[k]) && phi[k] >= 0.0))
            return 0;
        total += phi[k];
    }
    return total <= m->phi_max * (1.0 + 1e-12);
}

int
sediment_velocity(const struct sediment_model *m, const double *phi, double *v)
{
    if (sediment_model_check(m) != ST_OK)
        return ST_INVALID;
    for (int k = 0; k < m->species; k++)
        v[k] = 0.0;
    if (!valid_mixture(m, phi))
        return ST_INVALID;
    eval_cell(m, phi, v, NULL, NULL);
    return ST_OK;
}

int
sediment_flux(const struct sediment_model *m, const double *phi, double *flux)
{
    int st = sediment_velocity(m, phi, flux);
    if (st != ST_OK)
        return st;
    for (int k = 0; k < m->species; k++)
        flux[k] *= phi[k];
    return ST_OK;
}

/* f(φ) of the one species of a valid model, for φ in [0, φ_max]. */
static double
scalar_flux(const struct sediment_model *m, double phi)
{
    double v;
    eval_cell(m, &phi, &v, NULL, NULL);
    return phi * v;
}

int
sediment_flux_peak(const struct sediment_model *m, double *phi_peak)
{
    *phi_peak = 0.0;
    if (sediment_model_check(m) != ST_OK || m->species != 1)
        return ST_INVALID;
    const double ratio = (sqrt(5.0) - 1.0) / 2.0;
    double a = 0.0, b = m->phi_max;
    double c = b - ratio * (b - a), d = a + ratio * (b - a);
    double fc = scalar_flux(m, c), fd = scalar_flux(m, d);
    /* f ≥ 0 for a settling species, ≤ 0 for a rising one: search the larger |f| */
    double sign = fc + fd < 0.0 ? -1.0 : 1.0;
    while (b - a > 1e-12) {
        if (sign * fc > sign * fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = scalar_flux(m, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = scalar_flux(m, d);
        }
    }
    *phi_peak = 0.5 * (a + b);
    return ST_OK;
}

/* F^EO for a settling (f ≥ 0) species; a rising one takes the mirror image. */
static double
eo(const struct sediment_model *m, double peak, double up, double down)
{
    double fp = scalar_flux(m, peak);
    if (fp >= 0.0)
        return scalar_flux(m, up < peak ? up : peak) + scalar_flux(m, down > peak ? down : peak) -
               fp;
    return scalar_flux(m, up > peak ? up : peak) + scalar_flux(m, down < peak ? down : peak) - fp;
}

int
sediment_eo_flux(const struct sediment_model *m, double phi_peak, double up, double down,
                 double *flux)
{
    *flux = 0.0;
    if (sediment_model_check(m) != ST_OK || m->species != 1)
        return ST_INVALID;
    if (!valid_mixture(m, &up) || !valid_mixture(m, &down) ||
        !(isfinite(phi_peak) && phi_peak >= 0.0 && phi_peak <= m->phi_max))
        return ST_INVALID;
    *flux = eo(m, phi_peak, up, down);
    return ST_OK;
}

/* ---- grids -------------------------------------------------------------------------------- */

void
sediment_grid_release(struct sediment_grid *g)
{
    if (g == NULL)
        return;
    free(g->volume);
    free(g->area);
    free(g->accel);
    free(g->pos);
    memset(g, 0, sizeof *g);
}

static int
grid_alloc(struct sediment_grid *g, int cells)
{
    memset(g, 0, sizeof *g);
    if (cells < 1 || cells > SEDIMENT_MAX_CELLS)
        return ST_INVALID;
    size_t n = (size_t)cells;
    g->volume = calloc(n, sizeof *g->volume);
    g->area = calloc(n + 1, sizeof *g->area);
    g->accel = calloc(n + 1, sizeof *g->accel);
    g->pos = calloc(n + 1, sizeof *g->pos);
    if (g->volume == NULL || g->area == NULL || g->accel == NULL || g->pos == NULL) {
        sediment_grid_release(g);
        return ST_NOMEM;
    }
    g->cells = cells;
    return ST_OK;
}

int
sediment_grid_planar(struct sediment_grid *g, int cells, double height)
{
    memset(g, 0, sizeof *g);
    if (!(isfinite(height) && height > 0.0))
        return ST_INVALID;
    int st = grid_alloc(g, cells);
    if (st != ST_OK)
        return st;
    for (int f = 0; f <= cells; f++) {
        g->pos[f] = height * f / cells;
        g->area[f] = 1.0;
        g->accel[f] = 1.0;
    }
    for (int j = 0; j < cells; j++)
        g->volume[j] = g->pos[j + 1] - g->pos[j];
    return ST_OK;
}

int
sediment_grid_power(struct sediment_grid *g, int cells, double r_in, double r_out, double p)
{
    memset(g, 0, sizeof *g);
    if (!(isfinite(r_in) && isfinite(r_out) && r_in > 0.0 && r_out > r_in && isfinite(p) &&
          p >= 0.0 && p <= 10.0))
        return ST_INVALID;
    int st = grid_alloc(g, cells);
    if (st != ST_OK)
        return st;
    /* W(r) = (r^q − r_in^q)/q with q = p + 1: equal volumes put the faces at equal steps of r^q */
    double q = p + 1.0, lo = pow(r_in, q), hi = pow(r_out, q);
    for (int f = 0; f <= cells; f++) {
        double r = f == 0 ? r_in : f == cells ? r_out : pow(lo + (hi - lo) * f / cells, 1.0 / q);
        g->pos[f] = r;
        g->area[f] = pow(r, p);
        g->accel[f] = r;
    }
    /* the exact volume between the faces actually placed, so that the plateau of a dilute
     * species thins exactly as the PDE says */
    for (int j = 0; j < cells; j++)
        g->volume[j] = (pow(g->pos[j + 1], q) - pow(g->pos[j], q)) / q;
    return ST_OK;
}

int
sediment_grid_tube(struct sediment_grid *g, int cells, const struct tube *t,
                   const struct tube_rotor *rot, double fill_ml)
{
    memset(g, 0, sizeof *g);
    double lo, hi;
    int st = tube_spin_extent(t, rot, &lo, &hi);
    if (st != ST_OK)
        return st;
    if (!(isfinite(fill_ml) && fill_ml > 0.0 && fill_ml <= tube_total_ml(t)))
        return ST_INVALID;
    st = grid_alloc(g, cells);
    if (st != ST_OK)
        return st;
    for (int f = 0; f <= cells; f++) {
        double r;
        if (f == cells) {
            r = hi;
        } else {
            st = tube_spin_meniscus(t, rot, fill_ml * (cells - f) / cells, &r);
            if (st != ST_OK)
                goto out;
        }
        g->pos[f] = r;
        g->accel[f] = r;
        st = tube_spin_area(t, rot, r, &g->area[f]);
        if (st != ST_OK)
            goto out;
    }
    for (int j = 0; j < cells; j++) {
        double v_in, v_out;
        st = tube_spin_volume_beyond(t, rot, g->pos[j], &v_in);
        if (st != ST_OK)
            goto out;
        st = tube_spin_volume_beyond(t, rot, g->pos[j + 1], &v_out);
        if (st != ST_OK)
            goto out;
        g->volume[j] = (v_in - v_out) * MM3_PER_ML;
        if (!(g->volume[j] > 0.0)) {
            st = ST_INVALID;
            goto out;
        }
    }
out:
    if (st != ST_OK)
        sediment_grid_release(g);
    return st;
}

static int
valid_grid(const struct sediment_grid *g)
{
    if (g->cells < 1 || g->cells > SEDIMENT_MAX_CELLS || g->volume == NULL || g->area == NULL ||
        g->accel == NULL || g->pos == NULL)
        return 0;
    for (int j = 0; j < g->cells; j++)
        if (!(isfinite(g->volume[j]) && g->volume[j] > 0.0))
            return 0;
    for (int f = 0; f <= g->cells; f++)
        if (!(isfinite(g->area[f]) && g->area[f] >= 0.0 && isfinite(g->accel[f]) &&
              g->accel[f] >= 0.0))
            return 0;
    return 1;
}

/* ---- the march ---------------------------------------------------------------------------- */

/* Bound of the wave speeds at a face between cells l and r (values per species in vl, vr, gl,
 * gr and fractions pl, pr). Receiver flux: cell j of the scalar scheme is monotone when
 * λ_j·(v(φ_{j+1}) + φ_{j−1}·|v'(φ_j)|) ≤ 1 (prp-model.md §6.5). The two terms come through j's two
 * faces, so each face bounds the one it carries: outwards, the receiver's velocity v_r (the
 * donor's outflow) and the donor's fraction times the receiver's |v'| (how the receiver's inflow
 * moves with it); inwards the mirror image. A face's α is the larger, and with CFL ≤ ½ per face
 * the sum for each cell stays ≤ 1. Taking the larger fraction of the two cells instead, as a first
 * version did, made the step ten times smaller at a platelet pellet. Species absent from the
 * donor carry no flux. Rusanov: the larger of ‖J‖∞ and max|v_k|. */
static double
face_speed(const struct sediment_model *m, enum sediment_flux kind, const double *vl,
           const double *vr, const double *gl, const double *gr, const double *pl, const double *pr,
           double jl, double jr)
{
    double alpha = 0.0;
    if (kind != SEDIMENT_FLUX_RECEIVER) {
        alpha = maxd(jl, jr);
        for (int k = 0; k < m->species; k++)
            alpha = maxd(alpha, maxd(fabs(vl[k]), fabs(vr[k])));
        return alpha;
    }
    for (int k = 0; k < m->species; k++) {
        /* only a side holding the species can give it across the face, outwards at the
         * receiver's velocity when both move outwards, inwards likewise; a species with no mass
         * here does not limit the step (prp-model.md §6.5), and the outflow limiter of
         * sediment_run keeps such traces positive and conserved */
        int from_l = pl[k] > SEDIMENT_TRACE, from_r = pr[k] > SEDIMENT_TRACE;
        if (!from_l && !from_r)
            continue;
        if (from_l && vl[k] > 0.0)
            alpha = maxd(alpha, maxd(vr[k], pl[k] * gr[k]));
        if (from_r && vr[k] < 0.0)
            alpha = maxd(alpha, maxd(-vl[k], pr[k] * gl[k]));
    }
    return alpha;
}

static double
face_flux(enum sediment_flux kind, double pl, double pr, double vl, double vr, double alpha)
{
    if (kind == SEDIMENT_FLUX_RUSANOV)
        return 0.5 * (pl * vl + pr * vr) - 0.5 * alpha * (pr - pl);
    double out = vl > 0.0 ? pl * maxd(vr, 0.0) : 0.0;
    double in = vr < 0.0 ? pr * mind(vl, 0.0) : 0.0;
    return out + in;
}

int
sediment_run(const struct sediment_model *m, const struct sediment_grid *g, double *phi, double tau,
             const struct sediment_options *o, struct sediment_stats *stats)
{
    double *work = NULL;
    int st = ST_OK;
    long steps = 0;
    double clipped = 0.0, phi_min = INFINITY, total_max = 0.0;
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (sediment_model_check(m) != ST_OK || !valid_grid(g) || !(isfinite(tau) && tau >= 0.0) ||
        (o->flux != SEDIMENT_FLUX_RECEIVER && o->flux != SEDIMENT_FLUX_RUSANOV &&
         !(o->flux == SEDIMENT_FLUX_ENGQUIST_OSHER && m->species == 1)) ||
        !(isfinite(o->cfl) && o->cfl > 0.0 && o->cfl <= 0.5) || o->max_steps < 0)
        return ST_INVALID;
    int n = g->cells, nk = m->species;
    for (int j = 0; j < n; j++)
        if (!valid_mixture(m, phi + (size_t)j * nk))
            return ST_INVALID;
    long max_steps = o->max_steps ? o->max_steps : 10000000L;
    double peak = 0.0;
    if (o->flux == SEDIMENT_FLUX_ENGQUIST_OSHER && sediment_flux_peak(m, &peak) != ST_OK)
        return ST_INVALID;

    /* v, g [n·nk]; fhat [(n+1)·nk]; jinf, inflow, theta, total [n]. With n ≤ SEDIMENT_MAX_CELLS
     * and nk ≤ SEDIMENT_MAX_SPECIES (both checked above) this is at most 2.9 million doubles. */
    size_t cells = (size_t)n, species = (size_t)nk;
    size_t need = 2 * cells * species + (cells + 1) * species + 4 * cells + 2 * (cells + 1) +
                  cells + 2 * (HINDRANCE_NODES + 1);
    work = malloc(need * sizeof *work);
    if (work == NULL) {
        st = ST_NOMEM;
        goto out;
    }
    double *v = work, *gs = v + cells * species, *fhat = gs + cells * species;
    double *jinf = fhat + (cells + 1) * species, *inflow = jinf + cells, *theta = inflow + cells;
    double *total = theta + cells;
    /* per face A·a and 1/min(ΔW) of its two cells, per cell 1/ΔW: the march divides nowhere */
    double *aa = total + cells, *inv_min = aa + cells + 1, *inv_vol = inv_min + cells + 1;
    for (int f = 0; f <= n; f++) {
        aa[f] = g->area[f] * g->accel[f];
        inv_min[f] = f == 0 || f == n ? 0.0 : 1.0 / mind(g->volume[f - 1], g->volume[f]);
    }
    for (int j = 0; j < n; j++)
        inv_vol[j] = 1.0 / g->volume[j];
    struct hindrance_table hold, *table = NULL;
    if (m->hindrance == SEDIMENT_MICHAELS_BOLGER) {
        double *val = inv_vol + cells;
        hindrance_table_fill(m, val, val + HINDRANCE_NODES + 1, &hold);
        table = &hold;
    }
    for (size_t k = 0; k < species; k++) {
        fhat[k] = 0.0;
        fhat[cells * species + k] = 0.0;
    }
    for (size_t j = 0; j < cells; j++)
        jinf[j] = 0.0; /* stays 0 for the receiver flux, which does not use it */

    double done = 0.0;
    while (done < tau) {
        if (steps >= max_steps) {
            st = ST_TOO_BIG;
            goto out;
        }
        for (int j = 0; j < n; j++) {
            const double *pj = phi + (size_t)j * nk;
            (nk == 5 ? eval_cell5
                     : eval_cell_any)(m, table, pj, v + (size_t)j * nk, gs + (size_t)j * nk,
                                      o->flux == SEDIMENT_FLUX_RECEIVER ? NULL : &jinf[j]);
            double s = 0.0;
            for (int k = 0; k < nk; k++)
                s += pj[k];
            total[j] = s;
            total_max = maxd(total_max, s);
        }
        /* the step: each face may drain at most cfl of either neighbour */
        double fastest = 0.0; /* max over faces of A·a·α / min(ΔW) */
        for (int f = 1; f < n; f++) {
            size_t l = (size_t)(f - 1) * nk, r = (size_t)f * nk;
            double alpha = face_speed(m, o->flux, v + l, v + r, gs + l, gs + r, phi + l, phi + r,
                                      jinf[f - 1], jinf[f]);
            fastest = maxd(fastest, aa[f] * alpha * inv_min[f]);
            if (o->flux == SEDIMENT_FLUX_ENGQUIST_OSHER)
                fhat[f] = eo(m, peak, phi[l], phi[r]);
            else
                for (int k = 0; k < nk; k++)
                    fhat[(size_t)f * nk + k] =
                        face_flux(o->flux, phi[l + k], phi[r + k], v[l + k], v[r + k], alpha);
        }
        double dt = fastest > 0.0 ? o->cfl / fastest : INFINITY;
        double remaining = tau - done;
        int last = !(dt < remaining);
        if (last)
            dt = remaining;

        /* capacity limiter: scale what flows into each cell so it cannot pass φ_max */
        for (int j = 0; j < n; j++)
            inflow[j] = 0.0;
        for (int f = 1; f < n; f++) {
            for (int k = 0; k < nk; k++) {
                double w = aa[f] * fhat[(size_t)f * nk + k];
                if (w > 0.0)
                    inflow[f] += w;
                else
                    inflow[f - 1] -= w;
            }
        }
        for (int j = 0; j < n; j++) {
            double room = maxd(0.0, m->phi_max - total[j]) * g->volume[j];
            theta[j] = inflow[j] * dt > room ? room / (inflow[j] * dt) : 1.0;
        }
        for (int f = 1; f < n; f++) {
            for (int k = 0; k < nk; k++) {
                double *fk = &fhat[(size_t)f * nk + k];
                *fk *= *fk > 0.0 ? theta[f] : theta[f - 1];
            }
        }
        /* outflow limiter: a trace species (below SEDIMENT_TRACE, left out of the step size) may
         * not take more out of a cell than it holds; only ever scales a flux down, so the
         * capacity limit above still holds */
        if (o->flux == SEDIMENT_FLUX_RECEIVER) {
            for (int j = 0; j < n; j++) {
                double a_in = aa[j], a_out = aa[j + 1];
                for (int k = 0; k < nk; k++) {
                    double *up = &fhat[(size_t)j * nk + k], *down = &fhat[(size_t)(j + 1) * nk + k];
                    double out = dt * (maxd(*down, 0.0) * a_out - mind(*up, 0.0) * a_in);
                    double have = phi[(size_t)j * nk + k] * g->volume[j];
                    if (out > have) {
                        double scale = have / out * (1.0 - 1e-9); /* room for round-off */
                        if (*down > 0.0)
                            *down *= scale;
                        if (*up < 0.0)
                            *up *= scale;
                    }
                }
            }
        }

        for (int j = 0; j < n; j++) {
            double a_in = aa[j], a_out = aa[j + 1], scale = dt * inv_vol[j];
            for (int k = 0; k < nk; k++) {
                double *p = &phi[(size_t)j * nk + k];
                double change =
                    a_out * fhat[(size_t)(j + 1) * nk + k] - a_in * fhat[(size_t)j * nk + k];
                *p -= scale * change;
                /* below SEDIMENT_FLUSH a fraction is nothing physical (far less than one cell in
                 * any tube), and subnormal doubles slow the arithmetic a hundredfold */
                if (*p < SEDIMENT_FLUSH) {
                    phi_min = mind(phi_min, *p);
                    if (*p < 0.0)
                        clipped -= *p * g->volume[j];
                    *p = 0.0;
                }
            }
        }
        steps++;
        if (last)
            break;
        done += dt;
    }
    /* the state the last step left, and the fractions that never came near zero */
    for (size_t i = 0; i < cells * species; i++)
        phi_min = mind(phi_min, phi[i]);
    for (size_t j = 0; j < cells; j++) {
        double s = 0.0;
        for (size_t k = 0; k < species; k++)
            s += phi[j * species + k];
        total_max = maxd(total_max, s);
    }
out:
    if (stats != NULL) {
        stats->steps = steps;
        stats->clipped = clipped;
        stats->phi_min = isfinite(phi_min) ? phi_min : 0.0;
        stats->total_max = total_max;
    }
    free(work);
    return st;
}
