/* The preparation pipeline (see simulate.h and pipeline.h): blood → spins → collection → counts,
 * bands and classifications. */
#include "prp/simulate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prp/pipeline.h"
#include "prp/protocol.h"
#include "prp/rcf.h"

#define MM3_PER_ML 1000.0
#define FL_PER_UL 1e9
/* A first spin above this force risks activating platelets (prp-model.md §7.5). */
#define ACTIVATION_WARN_G 800.0
/* The buffy coat: cells below the interface whose leukocyte fraction is above this multiple of
 * the spun liquid's. A display boundary, not a clinical number. */
#define BUFFY_FACTOR 2.0
/* The pellet of keep-bottom-fraction: the bottom cells holding at least this multiple of the
 * spun liquid's mean fraction of cells (a grid-independent mark of "sedimented there"). */
#define PELLET_FACTOR 2.0

/* A tenth of a platelet's volume (7.5 fL), in mL: smaller than one cell of any species. */
#define CONSERVATION_FLOOR_ML 1e-12

const struct sediment_options prp_solver_options = {SEDIMENT_FLUX_RECEIVER, 0.45, 20000000L};

/* A field error of the request: core/status.h's fail_set with ST_INVALID. */
#define fail_at(f, field, code, ...) fail_set((f), ST_INVALID, (field), (code), __VA_ARGS__)

void
prp_params_default(struct prp_params *p)
{
    /* m_rbc, m_plt and η_res as fitted by `autologa prp calibrate tests/data/prp-prep` at the
     * default 200 cells (132 model runs; docs/prp-model.md, "Calibration"), and band_rel the error
     * that fit reports. m_rbc sits at the upper bound of its prior (1–10): the rows ask for more
     * platelets above the red cells than the plasma there carries (docs/prp-model.md §4). n,
     * φ_max, m_wbc and ε_I are fixed, not fitted. */
    p->m_rbc = 10.0;
    p->m_plt = 0.7658;
    p->m_wbc = 1.0;            /* no leukocyte data with spin settings: Stokes as it is */
    p->exponent_n = 2.71;      /* Barnea & Mizrahi, prp-model.md §2.2 [29] */
    p->phi_max = 0.94;         /* true/observed Hct 0.94 above 1430 × g, Clark & Walsh [14] */
    p->resuspension = 0.9267;  /* η_res */
    p->interface_share = 0.05; /* ε_I = 0.05·Hct, prp-model.md §6.4 */
    p->band_rel = 0.2179;
}

void
prp_request_init(struct prp_request *r)
{
    memset(r, 0, sizeof *r);
    r->blood.lymphocytes_per_ul = NAN;
    r->blood.monocytes_per_ul = NAN;
    r->blood.neutrophils_per_ul = NAN;
    r->blood.temperature_c = 22.0;
    if (tube_default(&r->tube, 15.0, TUBE_TIP_CONICAL) != ST_OK)
        memset(&r->tube, 0, sizeof r->tube);
    r->rotor.kind = TUBE_ROTOR_SWING_OUT;
    r->rotor.radius_mm = 100.0;
    prp_params_default(&r->params);
}

const char *
prp_rule_name(enum prp_rule rule)
{
    switch (rule) {
    case PRP_RULE_ABOVE_RBC:
        return "above-rbc";
    case PRP_RULE_BUFFY_COAT:
        return "buffy-coat";
    case PRP_RULE_VOLUME:
        return "volume";
    case PRP_RULE_KEEP_BOTTOM:
        return "keep-bottom-fraction";
    }
    return NULL;
}

static int
in_range(double x, double lo, double hi)
{
    return isfinite(x) && x >= lo && x <= hi;
}

static int
check_params(const struct prp_params *p, struct fail *f)
{
    if (!in_range(p->m_rbc, 0.01, 100.0) || !in_range(p->m_plt, 0.01, 100.0) ||
        !in_range(p->m_wbc, 0.01, 100.0))
        return fail_at(f, "params", "out_of_range", "a slip multiplier is outside 0.01…100");
    if (!in_range(p->exponent_n, 1.0, 10.0) || !in_range(p->phi_max, 0.5, 1.0) ||
        !(p->phi_max * p->exponent_n >= 1.0))
        return fail_at(f, "params", "out_of_range",
                       "the hindrance exponent or packing is out of range");
    if (!in_range(p->resuspension, 0.0, 1.0) || !in_range(p->interface_share, 1e-6, 1.0) ||
        !in_range(p->band_rel, 0.0, 1.0))
        return fail_at(f, "params", "out_of_range", "a collection parameter is out of range");
    return ST_OK;
}

static int
check_blood(const struct prp_blood *b, struct fail *f)
{
    if (!in_range(b->volume_ml, 0.1, 500.0))
        return fail_at(f, "blood.volume_ml", "out_of_range",
                       "blood.volume_ml must be from 0.1 to 500 mL");
    if (!in_range(b->hct, PRP_HCT_MIN, PRP_HCT_MAX))
        return fail_at(f, "blood.hct", "out_of_range",
                       "blood.hct must be a fraction from %.2f to %.2f", PRP_HCT_MIN, PRP_HCT_MAX);
    /* prp-model.md §1.4 accepts 50–1000 ×10⁹/L */
    if (!in_range(b->platelets_per_ul, 50000.0, 1000000.0))
        return fail_at(f, "blood.platelets_per_ul", "out_of_range",
                       "blood.platelets_per_ul must be from 50000 to 1000000");
    if (!in_range(b->wbc_per_ul, 0.0, 100000.0))
        return fail_at(f, "blood.wbc_per_ul", "out_of_range",
                       "blood.wbc_per_ul must be from 0 to 100000");
    const struct {
        const char *name;
        double v;
    } diff[] = {{"blood.lymphocytes_per_ul", b->lymphocytes_per_ul},
                {"blood.monocytes_per_ul", b->monocytes_per_ul},
                {"blood.neutrophils_per_ul", b->neutrophils_per_ul}};
    double sum = 0.0;
    for (size_t i = 0; i < 3; i++) {
        if (isnan(diff[i].v))
            continue;
        if (!in_range(diff[i].v, 0.0, 100000.0))
            return fail_at(f, diff[i].name, "out_of_range", "%s must be from 0 to 100000",
                           diff[i].name);
        sum += diff[i].v;
    }
    if (sum > b->wbc_per_ul * (1.0 + 1e-9) + 1e-9)
        return fail_at(f, "blood.wbc_per_ul", "invalid_value",
                       "the leukocyte types add up to more than blood.wbc_per_ul");
    if (!in_range(b->anticoagulant_ml, 0.0, b->volume_ml))
        return fail_at(f, "blood.anticoagulant_ml", "out_of_range",
                       "blood.anticoagulant_ml must be from 0 to the blood volume");
    if (!in_range(b->temperature_c, SPECIES_TEMP_MIN_C, SPECIES_TEMP_MAX_C))
        return fail_at(f, "blood.temperature_c", "out_of_range",
                       "blood.temperature_c must be from %.0f to %.0f °C", SPECIES_TEMP_MIN_C,
                       SPECIES_TEMP_MAX_C);
    return ST_OK;
}

/* Leukocytes per type: those given, the rest of the total split by the default differential
 * among the types not given. */
static void
differential(const struct prp_blood *b, double *lym, double *mon, double *neu)
{
    double given[3] = {b->lymphocytes_per_ul, b->monocytes_per_ul, b->neutrophils_per_ul};
    const double share[3] = {PRP_DEFAULT_LYM, PRP_DEFAULT_MON, PRP_DEFAULT_NEU};
    double known_sum = 0.0, free_share = 0.0;
    for (int i = 0; i < 3; i++) {
        if (isnan(given[i]))
            free_share += share[i];
        else
            known_sum += given[i];
    }
    double rest = fmax(0.0, b->wbc_per_ul - known_sum);
    double out[3];
    for (int i = 0; i < 3; i++)
        out[i] =
            isnan(given[i]) ? (free_share > 0.0 ? rest * share[i] / free_share : 0.0) : given[i];
    *lym = out[0];
    *mon = out[1];
    *neu = out[2];
}

int
prp_pipeline_model(const struct prp_request *req, struct sediment_model *m, double *phi0,
                   struct fail *f)
{
    memset(m, 0, sizeof *m);
    for (int k = 0; k < PRP_NSPECIES; k++)
        phi0[k] = 0.0;
    int st = check_blood(&req->blood, f);
    if (st != ST_OK)
        return st;
    st = check_params(&req->params, f);
    if (st != ST_OK)
        return st;
    const struct prp_blood *b = &req->blood;
    const struct prp_params *p = &req->params;
    m->species = PRP_NSPECIES;
    m->fluid_density = SPECIES_PLASMA_DENSITY;
    m->phi_max = p->phi_max;
    m->hindrance = SEDIMENT_MICHAELS_BOLGER;
    m->exponent = p->phi_max * p->exponent_n;
    double lym, mon, neu;
    differential(b, &lym, &mon, &neu);
    const double mult[PRP_NSPECIES] = {p->m_rbc, p->m_plt, p->m_wbc, p->m_wbc, p->m_wbc};
    double dilution = b->volume_ml / (b->volume_ml + b->anticoagulant_ml);
    for (int k = 0; k < PRP_NSPECIES; k++) {
        const struct species *sp = species_get((enum species_id)k);
        double s;
        st = species_sedimentation_at(sp, b->temperature_c, &s);
        if (st != ST_OK)
            return fail_at(f, "blood.temperature_c", "out_of_range",
                           "no plasma viscosity at this temperature");
        m->mobility[k] = mult[k] * s / (sp->density_g_ml - SPECIES_PLASMA_DENSITY);
        m->density[k] = sp->density_g_ml;
        double per_ul = k == SPECIES_RBC   ? b->hct * FL_PER_UL / sp->volume_fl
                        : k == SPECIES_PLT ? b->platelets_per_ul
                        : k == SPECIES_LYM ? lym
                        : k == SPECIES_MON ? mon
                                           : neu;
        phi0[k] = per_ul * sp->volume_fl / FL_PER_UL * dilution;
    }
    return ST_OK;
}

int
prp_pipeline_tau(const struct prp_request *req, const struct prp_spin *s, double *omega,
                 double *tau)
{
    *omega = 0.0;
    *tau = 0.0;
    double w;
    if (rcf_omega_from_g(req->rotor.radius_mm / 10.0, s->g, &w) != ST_OK)
        return ST_INVALID;
    struct protocol_spin ps = {w, s->accel_s, s->minutes * 60.0, s->decel_s};
    int st = protocol_tau(&ps, tau);
    if (st != ST_OK)
        return st;
    *omega = w;
    return ST_OK;
}

int
prp_pipeline_tube(const struct prp_request *req, double fill_ml, struct tube *out, struct fail *f)
{
    *out = req->tube;
    if (tube_check(&req->tube) != ST_OK)
        return fail_at(f, "tube", "invalid_value", "the tube's dimensions are not usable");
    double h_fill;
    if (tube_height_of_volume(&req->tube, fmin(fill_ml, tube_total_ml(&req->tube)), &h_fill) !=
        ST_OK)
        return fail_at(f, "tube", "invalid_value", "the tube's dimensions are not usable");
    /* shorten 1 mm at a time: at most the tube's length in steps, each a closed form */
    while (tube_rotor_check(out, &req->rotor) != ST_OK) {
        double shorter = out->length_mm - 1.0;
        if (shorter < h_fill + 1.0 || shorter <= tube_tip_length_mm(out))
            return fail_at(f, "rotor", "invalid_value",
                           "the rotor does not fit the tube: the liquid would reach the axis");
        out->length_mm = shorter;
        out->capacity_ml = fill_ml; /* a capacity the shorter tube holds, so it can be measured */
        out->capacity_ml = tube_total_ml(out) * (1.0 - 1e-12);
    }
    return ST_OK;
}

/* ---- reading a spun tube ------------------------------------------------------------------- */

/* Cell volume of species k between a and b (mm³ from the meniscus), each cell uniform. */
static double
integrate(const struct sediment_grid *g, const double *phi, int k, double a, double b)
{
    double w0 = 0.0, sum = 0.0;
    for (int j = 0; j < g->cells && w0 < b; j++) {
        double w1 = w0 + g->volume[j];
        double lap = fmin(b, w1) - fmax(a, w0);
        if (lap > 0.0)
            sum += phi[(size_t)j * PRP_NSPECIES + k] * lap;
        w0 = w1;
    }
    return sum;
}

/* Volume (mL from the top at rest) where the red-cell fraction first passes `threshold`,
 * interpolated between cell centres; the whole fill when it never does. */
static double
find_interface(const struct sediment_grid *g, const double *phi, double threshold, int *cell)
{
    double w0 = 0.0, prev_mid = 0.0, prev = 0.0;
    for (int j = 0; j < g->cells; j++) {
        double mid = w0 + 0.5 * g->volume[j];
        double here = phi[(size_t)j * PRP_NSPECIES + SPECIES_RBC];
        if (here > threshold) {
            *cell = j;
            if (j == 0)
                return 0.0;
            double t = (threshold - prev) / (here - prev);
            return (prev_mid + t * (mid - prev_mid)) / MM3_PER_ML;
        }
        prev = here;
        prev_mid = mid;
        w0 += g->volume[j];
    }
    *cell = g->cells;
    return w0 / MM3_PER_ML;
}

/* Volume from the top of the point `dh_mm` below (negative: above) the level that lies `w_ml`
 * from the top of `fill_ml` in the upright tube, clamped to the liquid. */
static int
shift_mm(const struct tube *t, double fill_ml, double w_ml, double dh_mm, double *out)
{
    double h, h_top, v;
    *out = 0.0;
    int st = tube_height_of_volume(t, fmax(0.0, fill_ml - w_ml), &h);
    if (st == ST_OK)
        st = tube_height_of_volume(t, fill_ml, &h_top);
    if (st != ST_OK)
        return st;
    double hc = fmin(h_top, fmax(0.0, h - dh_mm));
    st = tube_volume_of_height(t, hc, &v);
    if (st != ST_OK)
        return st;
    *out = fmin(fill_ml, fmax(0.0, fill_ml - v));
    return ST_OK;
}

int
prp_pipeline_take(const struct prp_request *req, const struct sediment_grid *g, const double *phi,
                  double fill_ml, double threshold, const struct prp_collect *c, const char *field,
                  struct prp_take *out, struct fail *f)
{
    memset(out, 0, sizeof *out);
    double total_mm3 = 0.0;
    for (int j = 0; j < g->cells; j++)
        total_mm3 += g->volume[j];
    for (int k = 0; k < PRP_NSPECIES; k++)
        out->spun[k] = integrate(g, phi, k, 0.0, total_mm3) / MM3_PER_ML;

    int jint;
    out->interface_ml = find_interface(g, phi, threshold, &jint);
    /* the buffy coat: from the interface down while leukocytes stay above BUFFY_FACTOR times
     * their mean in this tube */
    double wbc_mean =
        (out->spun[SPECIES_LYM] + out->spun[SPECIES_MON] + out->spun[SPECIES_NEU]) / fill_ml;
    double w0 = 0.0;
    for (int j = 0; j < jint && j < g->cells; j++)
        w0 += g->volume[j];
    out->buffy_bottom_ml = out->interface_ml;
    for (int j = jint; j < g->cells; j++) {
        const double *pj = phi + (size_t)j * PRP_NSPECIES;
        double wbc = pj[SPECIES_LYM] + pj[SPECIES_MON] + pj[SPECIES_NEU];
        if (!(wbc_mean > 0.0 && wbc > BUFFY_FACTOR * wbc_mean))
            break;
        w0 += g->volume[j];
        out->buffy_bottom_ml = fmax(out->interface_ml, w0 / MM3_PER_ML);
    }

    int st = ST_OK;
    switch (c->rule) {
    case PRP_RULE_ABOVE_RBC:
        st = shift_mm(&req->tube, fill_ml, out->interface_ml, -c->margin_mm, &out->cut_ml);
        out->from_ml = 0.0;
        out->to_ml = out->cut_ml;
        break;
    case PRP_RULE_BUFFY_COAT:
        st = shift_mm(&req->tube, fill_ml, out->buffy_bottom_ml, c->margin_mm, &out->cut_ml);
        out->from_ml = 0.0;
        out->to_ml = out->cut_ml;
        break;
    case PRP_RULE_VOLUME:
        if (c->volume_ml > fill_ml * (1.0 + 1e-12)) {
            char fld[64];
            snprintf(fld, sizeof fld, "%s.volume_ml", field);
            return fail_at(f, fld, "too_big", "%s asks for %.2f mL of %.2f mL in the tube", fld,
                           c->volume_ml, fill_ml);
        }
        out->cut_ml = fmin(c->volume_ml, fill_ml);
        out->from_ml = 0.0;
        out->to_ml = out->cut_ml;
        break;
    case PRP_RULE_KEEP_BOTTOM:
        out->cut_ml = fill_ml * (1.0 - c->fraction);
        out->from_ml = out->cut_ml;
        out->to_ml = fill_ml;
        break;
    default:
        return fail_at(f, field, "invalid_value", "%s has an unknown rule", field);
    }
    if (st != ST_OK)
        return fail_at(f, field, "invalid_value", "%s: the tube cannot be read", field);
    if (!(out->to_ml - out->from_ml > 1e-9))
        return fail_at(f, field, "empty",
                       "%s takes nothing: the red cells fill the tube up to the cut", field);
    double a = out->from_ml * MM3_PER_ML, b = out->to_ml * MM3_PER_ML;
    for (int k = 0; k < PRP_NSPECIES; k++)
        out->content[k] = integrate(g, phi, k, a, b) / MM3_PER_ML;
    if (c->rule == PRP_RULE_KEEP_BOTTOM && req->params.resuspension < 1.0) {
        /* the pellet: the cells at the bottom holding at least PELLET_FACTOR times the tube's
         * mean fraction of cells; it comes back into suspension only in part */
        double mean = 0.0;
        for (int k = 0; k < PRP_NSPECIES; k++)
            mean += out->spun[k] / fill_ml;
        double hi = total_mm3;
        for (int j = g->cells - 1; j >= 0; j--) {
            double lo = hi - g->volume[j];
            const double *pj = phi + (size_t)j * PRP_NSPECIES;
            double sum = 0.0;
            for (int k = 0; k < PRP_NSPECIES; k++)
                sum += pj[k];
            if (!(sum >= PELLET_FACTOR * mean))
                break;
            double lap = fmin(b, hi) - fmax(a, lo);
            if (lap > 0.0)
                for (int k = 0; k < PRP_NSPECIES; k++)
                    out->content[k] -= (1.0 - req->params.resuspension) * pj[k] * lap / MM3_PER_ML;
            hi = lo;
        }
        for (int k = 0; k < PRP_NSPECIES; k++)
            out->content[k] = fmax(0.0, out->content[k]);
    }
    return ST_OK;
}

/* ---- the whole preparation ----------------------------------------------------------------- */

static void
counts_of(const double *content_ml, double volume_ml, struct prp_counts *c)
{
    double per_ul[PRP_NSPECIES];
    for (int k = 0; k < PRP_NSPECIES; k++) {
        const struct species *sp = species_get((enum species_id)k);
        /* mL of cells in mL of liquid → cells per µL */
        per_ul[k] = content_ml[k] / volume_ml * FL_PER_UL / sp->volume_fl;
    }
    c->rbc_per_ul = per_ul[SPECIES_RBC];
    c->platelets_per_ul = per_ul[SPECIES_PLT];
    c->lymphocytes_per_ul = per_ul[SPECIES_LYM];
    c->monocytes_per_ul = per_ul[SPECIES_MON];
    c->neutrophils_per_ul = per_ul[SPECIES_NEU];
    c->wbc_per_ul = per_ul[SPECIES_LYM] + per_ul[SPECIES_MON] + per_ul[SPECIES_NEU];
    c->hct = content_ml[SPECIES_RBC] / volume_ml;
}

static void
profile_of(const struct sediment_grid *g, const double *phi, double fill_ml,
           struct prp_profile_band *bands)
{
    for (int i = 0; i < PRP_PROFILE_BANDS; i++) {
        double top = fill_ml * i / PRP_PROFILE_BANDS,
               bottom = fill_ml * (i + 1) / PRP_PROFILE_BANDS;
        double content[PRP_NSPECIES];
        for (int k = 0; k < PRP_NSPECIES; k++)
            content[k] = integrate(g, phi, k, top * MM3_PER_ML, bottom * MM3_PER_ML) / MM3_PER_ML;
        struct prp_counts c;
        counts_of(content, bottom - top, &c);
        bands[i] = (struct prp_profile_band){top, bottom, c.hct, c.platelets_per_ul, c.wbc_per_ul};
    }
}

/* Cell volume (mL) of each species in the whole column, summed cell by cell in a fixed order. */
static void
tube_content(const struct sediment_grid *g, const double *phi, double *content)
{
    for (int k = 0; k < PRP_NSPECIES; k++)
        content[k] = 0.0;
    for (int j = 0; j < g->cells; j++)
        for (int k = 0; k < PRP_NSPECIES; k++)
            content[k] += phi[(size_t)j * PRP_NSPECIES + k] * g->volume[j] / MM3_PER_ML;
}

static int
check_spin(const struct prp_request *req, int i, struct fail *f)
{
    const struct prp_spin *s = &req->spin[i];
    char fld[64];
    snprintf(fld, sizeof fld, "spins[%d].g", i);
    if (!in_range(s->g, 1.0, 20000.0))
        return fail_at(f, fld, "out_of_range", "%s must be from 1 to 20000 x g", fld);
    snprintf(fld, sizeof fld, "spins[%d].minutes", i);
    if (!in_range(s->minutes, 0.1, 120.0))
        return fail_at(f, fld, "out_of_range", "%s must be from 0.1 to 120", fld);
    snprintf(fld, sizeof fld, "spins[%d].accel_s", i);
    if (!in_range(s->accel_s, 0.0, 600.0))
        return fail_at(f, fld, "out_of_range", "%s must be from 0 to 600 s", fld);
    snprintf(fld, sizeof fld, "spins[%d].decel_s", i);
    if (!in_range(s->decel_s, 0.0, 600.0))
        return fail_at(f, fld, "out_of_range", "%s must be from 0 to 600 s", fld);
    const struct prp_collect *c = &s->collect;
    switch (c->rule) {
    case PRP_RULE_ABOVE_RBC:
    case PRP_RULE_BUFFY_COAT:
        snprintf(fld, sizeof fld, "spins[%d].collect.margin_mm", i);
        if (!in_range(c->margin_mm, 0.0, 50.0))
            return fail_at(f, fld, "out_of_range", "%s must be from 0 to 50 mm", fld);
        break;
    case PRP_RULE_VOLUME:
        snprintf(fld, sizeof fld, "spins[%d].collect.volume_ml", i);
        if (!in_range(c->volume_ml, 0.01, 500.0))
            return fail_at(f, fld, "out_of_range", "%s must be from 0.01 to 500 mL", fld);
        break;
    case PRP_RULE_KEEP_BOTTOM:
        snprintf(fld, sizeof fld, "spins[%d].collect.fraction", i);
        if (!(isfinite(c->fraction) && c->fraction > 0.0 && c->fraction <= 1.0))
            return fail_at(f, fld, "out_of_range", "%s must be above 0 and at most 1", fld);
        break;
    default:
        snprintf(fld, sizeof fld, "spins[%d].collect.rule", i);
        return fail_at(f, fld, "invalid_value", "%s is not a rule", fld);
    }
    return ST_OK;
}

static struct prp_band
band(double value, double rel, double cap)
{
    struct prp_band b = {value, value * (1.0 - rel), value * (1.0 + rel)};
    if (b.low < 0.0)
        b.low = 0.0;
    if (b.high > cap)
        b.high = cap;
    return b;
}

int
prp_simulate(const struct prp_request *req, struct prp_result *out, struct fail *f)
{
    memset(out, 0, sizeof *out);
    struct sediment_grid g = {0};
    double *phi = NULL;
    struct sediment_model m;
    double phi0[PRP_NSPECIES];
    int st = prp_pipeline_model(req, &m, phi0, f);
    if (st != ST_OK)
        return st;
    if (tube_check(&req->tube) != ST_OK)
        return fail_at(f, "tube", "invalid_value", "the tube's dimensions are not usable");
    if (req->spins < 1 || req->spins > PRP_MAX_SPINS)
        return fail_at(f, "spins", req->spins < 1 ? "required" : "too_big",
                       "spins must list 1 to %d spins", PRP_MAX_SPINS);
    for (int i = 0; i < req->spins; i++) {
        st = check_spin(req, i, f);
        if (st != ST_OK)
            return st;
    }
    int cells = req->cells ? req->cells : PRP_DEFAULT_CELLS;
    if (cells < 20 || cells > 5000)
        return fail_at(f, "cells", "out_of_range", "cells must be from 20 to 5000");
    const struct prp_blood *b = &req->blood;
    double fill = b->volume_ml + b->anticoagulant_ml;
    if (fill > req->tube.capacity_ml)
        return fail_at(f, "blood.volume_ml", "too_big",
                       "blood and anticoagulant (%.2f mL) exceed the tube's %.1f mL", fill,
                       req->tube.capacity_ml);
    struct tube spun;
    st = prp_pipeline_tube(req, fill, &spun, f);
    if (st != ST_OK)
        return st;
    out->blood_ml = fill;
    double drawn[PRP_NSPECIES];
    for (int k = 0; k < PRP_NSPECIES; k++)
        drawn[k] = phi0[k] * fill;
    counts_of(drawn, fill, &out->blood);
    double threshold = req->params.interface_share * phi0[SPECIES_RBC];

    phi = malloc((size_t)cells * PRP_NSPECIES * sizeof *phi); /* the largest grid: spin 1's */
    if (phi == NULL)
        return ST_NOMEM;
    double comp[PRP_NSPECIES];
    memcpy(comp, phi0, sizeof comp);
    double content[PRP_NSPECIES];
    memcpy(content, drawn, sizeof content);
    for (int i = 0; i < req->spins; i++) {
        struct prp_spin_result *sr = &out->spin[i];
        const struct prp_spin *s = &req->spin[i];
        char fld[64];
        snprintf(fld, sizeof fld, "spins[%d].collect", i);
        if (fill > req->tube.capacity_ml * (1.0 + 1e-9)) {
            st = fail_at(f, fld, "too_big", "spin %d gets %.2f mL, more than the tube holds", i + 1,
                         fill);
            goto out;
        }
        /* later spins keep the first spin's cell volume (a smaller fill gets fewer cells), so
         * the step a fast species allows does not shrink with the column; never under
         * PRP_MIN_CELLS */
        int n = i == 0 ? cells : (int)fmax(PRP_MIN_CELLS, ceil(cells * fill / out->blood_ml));
        n = n > cells ? cells : n;
        sr->cells = n;
        st = sediment_grid_tube(&g, n, &spun, &req->rotor, fill);
        if (st != ST_OK) {
            st =
                st == ST_NOMEM ? st : fail_at(f, fld, "invalid_value", "no grid for %.2f mL", fill);
            goto out;
        }
        for (int j = 0; j < n; j++)
            memcpy(phi + (size_t)j * PRP_NSPECIES, comp, sizeof comp);
        double omega;
        if (prp_pipeline_tau(req, s, &omega, &sr->tau) != ST_OK) {
            snprintf(fld, sizeof fld, "spins[%d].g", i);
            st = fail_at(f, fld, "out_of_range", "%s gives no speed at this radius", fld);
            goto out;
        }
        double rpm;
        if (rcf_to_rpm(req->rotor.radius_mm / 10.0, s->g, &rpm) == ST_OK)
            sr->rpm = rpm;
        if (rcf_g_from_omega(g.pos[0] / 10.0, omega, &sr->g_meniscus) != ST_OK)
            sr->g_meniscus = 0.0;
        sr->fill_ml = fill;
        double before[PRP_NSPECIES];
        tube_content(&g, phi, before);
        struct sediment_stats stats;
        st = sediment_run(&m, &g, phi, sr->tau, &prp_solver_options, &stats);
        sr->steps = stats.steps;
        if (st != ST_OK)
            goto out;
        double after[PRP_NSPECIES];
        tube_content(&g, phi, after);
        /* relative to at least CONSERVATION_FLOOR_ML: below one cell a relative change means
         * nothing, and the solver flushes fractions under 1e-250 to zero (sediment.c) */
        for (int k = 0; k < PRP_NSPECIES; k++)
            sr->solver_conservation =
                fmax(sr->solver_conservation,
                     fabs(after[k] - before[k]) / fmax(before[k], CONSERVATION_FLOOR_ML));
        sr->solver_phi_min = stats.phi_min;
        sr->solver_total_max = stats.total_max;
        profile_of(&g, phi, fill, sr->profile);
        struct prp_take take;
        st = prp_pipeline_take(req, &g, phi, fill, threshold, &s->collect, fld, &take, f);
        if (st != ST_OK)
            goto out;
        sr->interface_ml = take.interface_ml;
        sr->buffy_bottom_ml = take.buffy_bottom_ml;
        sr->cut_ml = take.cut_ml;
        sr->collected_ml = take.to_ml - take.from_ml;
        sr->platelet_share =
            take.spun[SPECIES_PLT] > 0.0 ? take.content[SPECIES_PLT] / take.spun[SPECIES_PLT] : 0.0;
        counts_of(take.content, sr->collected_ml, &sr->product);
        fill = sr->collected_ml;
        for (int k = 0; k < PRP_NSPECIES; k++) {
            content[k] = take.content[k];
            comp[k] = take.content[k] / fill;
        }
        sediment_grid_release(&g);
    }
    out->spins = req->spins;

    /* the final product and what it means */
    double vol = fill;
    counts_of(content, vol, &out->prp);
    double recovery = drawn[SPECIES_PLT] > 0.0 ? content[SPECIES_PLT] / drawn[SPECIES_PLT] : 0.0;
    double wbc_drawn = drawn[SPECIES_LYM] + drawn[SPECIES_MON] + drawn[SPECIES_NEU];
    double wbc_kept = content[SPECIES_LYM] + content[SPECIES_MON] + content[SPECIES_NEU];
    out->wbc_reduction = wbc_drawn > 0.0 ? 1.0 - wbc_kept / wbc_drawn : 1.0;
    out->rbc_reduction =
        drawn[SPECIES_RBC] > 0.0 ? 1.0 - content[SPECIES_RBC] / drawn[SPECIES_RBC] : 1.0;
    double cf = out->prp.platelets_per_ul / b->platelets_per_ul;
    double rel = req->params.band_rel;
    out->recovery = band(recovery, rel, 1.0);
    out->prp_volume_ml = band(vol, 0.0, INFINITY);
    out->platelets_per_ul = band(out->prp.platelets_per_ul, rel, INFINITY);
    out->concentration_factor = band(cf, rel, INFINITY);
    double dose = out->prp.platelets_per_ul * vol * 1000.0 / 1e9;
    out->dose_billion = band(dose, rel, INFINITY);

    /* the classifications of the central prediction against the drawn blood as the lab counts
     * it (no anticoagulant) */
    struct classify_input ci;
    classify_input_init(&ci);
    double lym, mon, neu;
    differential(b, &lym, &mon, &neu);
    ci.blood.platelets_per_ul = b->platelets_per_ul;
    ci.blood.wbc_per_ul = b->wbc_per_ul;
    ci.blood.neutrophils_per_ul = neu;
    ci.blood.hct = b->hct;
    ci.blood.rbc_per_ul = b->hct * FL_PER_UL / species_get(SPECIES_RBC)->volume_fl;
    ci.prp.platelets_per_ul = out->prp.platelets_per_ul;
    ci.prp.wbc_per_ul = out->prp.wbc_per_ul;
    ci.prp.neutrophils_per_ul = fmin(out->prp.neutrophils_per_ul, out->prp.wbc_per_ul);
    ci.prp.rbc_per_ul = out->prp.rbc_per_ul;
    ci.prp.hct = fmin(1.0, out->prp.hct);
    ci.blood_volume_ml = b->volume_ml;
    ci.prp_volume_ml = vol;
    ci.activated = CLASSIFY_FLAG_NO;
    ci.fibrin = CLASSIFY_FIBRIN_LOW;
    st = classify_compute(&ci, &out->classes, f);
    if (st != ST_OK)
        goto out;
    out->warn_hct = b->hct < PRP_HCT_WARN_LOW || b->hct > PRP_HCT_WARN_HIGH;
    out->warn_activation = req->spin[0].g > ACTIVATION_WARN_G;
    out->warn_fixed_angle = req->rotor.kind == TUBE_ROTOR_FIXED_ANGLE;
out:
    sediment_grid_release(&g);
    free(phi);
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
