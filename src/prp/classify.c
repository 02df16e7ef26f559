/* The five PRP classifications (see classify.h): each part is computed only from known inputs;
 * anything missing yields an unknown part, never a default. */
#include "prp/classify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* PAW platelet bands, per µL (facts.md §3, DeLong et al. 2012). */
#define PAW_P2_MAX 750000.0
#define PAW_P3_MAX 1250000.0
/* Mishra subtype A from this multiple of baseline platelets (facts.md §3). */
#define MISHRA_A_FACTOR 5.0
/* PLRA cut-offs: neutrophils as a share of the PRP's WBC, and the PRP's haematocrit
 * (facts.md §3; prp-model.md §6.7 [58]). */
#define PLRA_NEUTROPHIL_SHARE 0.01
#define PLRA_HCT 0.01
/* DEPA purity grade A above this percentage (facts.md §3; Magalon et al. 2016 [59]). */
#define DEPA_PURITY_A_PCT 90.0

#define UL_PER_ML 1000.0

static int
known(double x)
{
    return !isnan(x);
}

static int fail_at(struct fail *f, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills `f` like fail_set of core/status.h would; kept local so this module stays pure. */
static int
fail_at(struct fail *f, const char *field, const char *fmt, ...)
{
    if (f != NULL) {
        f->status = ST_INVALID;
        snprintf(f->code, sizeof f->code, "%s", "invalid_value");
        snprintf(f->field, sizeof f->field, "%s", field);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->message, sizeof f->message, fmt, ap);
        va_end(ap);
    }
    return ST_INVALID;
}

static int
check_count(double x, const char *field, struct fail *f)
{
    if (known(x) && !(isfinite(x) && x >= 0.0))
        return fail_at(f, field, "%s must be a count of 0 or more, got %g", field, x);
    return ST_OK;
}

static int
check_counts(const struct classify_counts *c, const char *side, struct fail *f)
{
    char field[64];
    const struct {
        const char *name;
        double value;
    } items[] = {
        {"platelets_per_ul", c->platelets_per_ul},
        {"wbc_per_ul", c->wbc_per_ul},
        {"neutrophils_per_ul", c->neutrophils_per_ul},
        {"rbc_per_ul", c->rbc_per_ul},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        snprintf(field, sizeof field, "%s.%s", side, items[i].name);
        int st = check_count(items[i].value, field, f);
        if (st != ST_OK)
            return st;
    }
    snprintf(field, sizeof field, "%s.hct", side);
    if (known(c->hct) && !(isfinite(c->hct) && c->hct >= 0.0 && c->hct <= 1.0))
        return fail_at(f, field, "%s must be a fraction from 0 to 1, got %g", field, c->hct);
    if (known(c->neutrophils_per_ul) && known(c->wbc_per_ul) &&
        c->neutrophils_per_ul > c->wbc_per_ul) {
        snprintf(field, sizeof field, "%s.neutrophils_per_ul", side);
        return fail_at(f, field, "%s (%g) exceeds the WBC count (%g)", field, c->neutrophils_per_ul,
                       c->wbc_per_ul);
    }
    return ST_OK;
}

static int
check_input(const struct classify_input *in, struct fail *f)
{
    int st = check_counts(&in->blood, "blood", f);
    if (st != ST_OK)
        return st;
    st = check_counts(&in->prp, "prp", f);
    if (st != ST_OK)
        return st;
    if (known(in->blood.platelets_per_ul) && in->blood.platelets_per_ul == 0.0)
        return fail_at(f, "blood.platelets_per_ul",
                       "blood.platelets_per_ul is 0: a baseline must be above 0");
    if (known(in->blood_volume_ml) && !(isfinite(in->blood_volume_ml) && in->blood_volume_ml > 0.0))
        return fail_at(f, "blood_volume_ml", "blood_volume_ml must be above 0, got %g",
                       in->blood_volume_ml);
    if (known(in->prp_volume_ml) && !(isfinite(in->prp_volume_ml) && in->prp_volume_ml > 0.0))
        return fail_at(f, "prp_volume_ml", "prp_volume_ml must be above 0, got %g",
                       in->prp_volume_ml);
    if (in->activated != CLASSIFY_FLAG_UNKNOWN && in->activated != CLASSIFY_FLAG_NO &&
        in->activated != CLASSIFY_FLAG_YES)
        return fail_at(f, "activated", "activated is %d, not unknown, no or yes",
                       (int)in->activated);
    if (in->fibrin != CLASSIFY_FIBRIN_UNKNOWN && in->fibrin != CLASSIFY_FIBRIN_LOW &&
        in->fibrin != CLASSIFY_FIBRIN_HIGH)
        return fail_at(f, "fibrin", "fibrin is %d, not unknown, low or high", (int)in->fibrin);
    return ST_OK;
}

void
classify_input_init(struct classify_input *in)
{
    const struct classify_counts none = {CLASSIFY_UNKNOWN, CLASSIFY_UNKNOWN, CLASSIFY_UNKNOWN,
                                         CLASSIFY_UNKNOWN, CLASSIFY_UNKNOWN};
    in->blood = none;
    in->prp = none;
    in->blood_volume_ml = CLASSIFY_UNKNOWN;
    in->prp_volume_ml = CLASSIFY_UNKNOWN;
    in->activated = CLASSIFY_FLAG_UNKNOWN;
    in->fibrin = CLASSIFY_FIBRIN_UNKNOWN;
}

const char *
classify_flag_name(enum classify_flag flag)
{
    switch (flag) {
    case CLASSIFY_FLAG_NO:
        return "no";
    case CLASSIFY_FLAG_YES:
        return "yes";
    case CLASSIFY_FLAG_UNKNOWN:
        break;
    }
    return "unknown";
}

/* "a above b", as a flag: unknown unless both are known. */
static enum classify_flag
above(double a, double b)
{
    if (!known(a) || !known(b))
        return CLASSIFY_FLAG_UNKNOWN;
    return a > b ? CLASSIFY_FLAG_YES : CLASSIFY_FLAG_NO;
}

static char
flag_sign(enum classify_flag flag)
{
    return flag == CLASSIFY_FLAG_YES ? '+' : flag == CLASSIFY_FLAG_NO ? '-' : '?';
}

/* Mean red-cell volume of the blood as haematocrit per RBC/µL, or NAN. */
static double
blood_mcv(const struct classify_input *in)
{
    if (!known(in->blood.hct) || !known(in->blood.rbc_per_ul) || in->blood.rbc_per_ul <= 0.0)
        return NAN;
    return in->blood.hct / in->blood.rbc_per_ul;
}

static double
prp_hct(const struct classify_input *in)
{
    if (known(in->prp.hct))
        return in->prp.hct;
    double mcv = blood_mcv(in);
    return known(mcv) && known(in->prp.rbc_per_ul) ? in->prp.rbc_per_ul * mcv : NAN;
}

static double
prp_rbc(const struct classify_input *in)
{
    if (known(in->prp.rbc_per_ul))
        return in->prp.rbc_per_ul;
    double mcv = blood_mcv(in);
    return known(mcv) && mcv > 0.0 && known(in->prp.hct) ? in->prp.hct / mcv : NAN;
}

/* A number for a code: fixed decimals, or "?" when unknown. Bounded for any double. */
static void
format_number(char *buf, size_t size, double x, int decimals)
{
    if (!known(x))
        snprintf(buf, size, "?");
    else if (fabs(x) < 1e12)
        snprintf(buf, size, "%.*f", decimals, x);
    else
        snprintf(buf, size, "%.4g", x);
}

static void
classify_paw(const struct classify_input *in, struct classify_paw *paw)
{
    double prp = in->prp.platelets_per_ul, base = in->blood.platelets_per_ul;
    if (known(prp) && known(base)) {
        if (prp <= base)
            paw->platelets = 1;
        else if (prp <= PAW_P2_MAX)
            paw->platelets = 2;
        else if (prp <= PAW_P3_MAX)
            paw->platelets = 3;
        else
            paw->platelets = 4;
    }
    paw->activated = in->activated;
    paw->wbc_above = above(in->prp.wbc_per_ul, in->blood.wbc_per_ul);
    paw->neutrophils_above = above(in->prp.neutrophils_per_ul, in->blood.neutrophils_per_ul);

    char p = paw->platelets ? (char)('0' + paw->platelets) : '?';
    const char *act = paw->activated == CLASSIFY_FLAG_YES  ? "-x"
                      : paw->activated == CLASSIFY_FLAG_NO ? ""
                                                           : "-?";
    char w = paw->wbc_above == CLASSIFY_FLAG_YES  ? 'A'
             : paw->wbc_above == CLASSIFY_FLAG_NO ? 'B'
                                                  : '?';
    const char *n = paw->neutrophils_above == CLASSIFY_FLAG_YES  ? "α"
                    : paw->neutrophils_above == CLASSIFY_FLAG_NO ? "β"
                                                                 : "?";
    snprintf(paw->code, sizeof paw->code, "P%c%s-%c%s", p, act, w, n);
}

static void
classify_mishra(const struct classify_input *in, struct classify_mishra *m)
{
    enum classify_flag wbc = above(in->prp.wbc_per_ul, in->blood.wbc_per_ul);
    if (wbc != CLASSIFY_FLAG_UNKNOWN && in->activated != CLASSIFY_FLAG_UNKNOWN) {
        int increased = wbc == CLASSIFY_FLAG_YES, activated = in->activated == CLASSIFY_FLAG_YES;
        m->type = increased ? (activated ? 2 : 1) : (activated ? 4 : 3);
    }
    double prp = in->prp.platelets_per_ul, base = in->blood.platelets_per_ul;
    if (known(prp) && known(base))
        m->subtype = prp >= MISHRA_A_FACTOR * base ? 'A' : 'B';
    snprintf(m->code, sizeof m->code, "%c%c", m->type ? (char)('0' + m->type) : '?',
             m->subtype ? m->subtype : '?');
}

static void
classify_dohan(const struct classify_input *in, struct classify_dohan *d)
{
    d->leukocytes = above(in->prp.wbc_per_ul, in->blood.wbc_per_ul);
    d->fibrin = in->fibrin;
    char l = d->leukocytes == CLASSIFY_FLAG_YES  ? 'L'
             : d->leukocytes == CLASSIFY_FLAG_NO ? 'P'
                                                 : '?';
    const char *form = d->fibrin == CLASSIFY_FIBRIN_LOW    ? "PRP"
                       : d->fibrin == CLASSIFY_FIBRIN_HIGH ? "PRF"
                                                           : "?";
    snprintf(d->code, sizeof d->code, "%c-%s", l, form);
}

static void
classify_plra(const struct classify_input *in, struct classify_plra *p)
{
    p->platelets_per_ul = in->prp.platelets_per_ul;
    double wbc = in->prp.wbc_per_ul, neu = in->prp.neutrophils_per_ul;
    if (known(wbc) && known(neu)) {
        /* no leukocytes at all is L- */
        p->leukocytes =
            wbc > 0.0 && neu > PLRA_NEUTROPHIL_SHARE * wbc ? CLASSIFY_FLAG_YES : CLASSIFY_FLAG_NO;
    }
    p->red_cells = above(prp_hct(in), PLRA_HCT);
    p->activated = in->activated;
    p->volume_ml = in->prp_volume_ml;

    char plt[24], vol[24];
    format_number(plt, sizeof plt, p->platelets_per_ul, 0);
    format_number(vol, sizeof vol, p->volume_ml, 1);
    snprintf(p->code, sizeof p->code, "P %s/µL, L%c, R%c, A%c, %s mL", plt,
             flag_sign(p->leukocytes), flag_sign(p->red_cells), flag_sign(p->activated), vol);
}

static void
classify_depa(const struct classify_input *in, double recovery_pct, struct classify_depa *d)
{
    double plt = in->prp.platelets_per_ul, vol = in->prp_volume_ml;
    d->dose_billion = known(plt) && known(vol) ? plt * vol * UL_PER_ML / 1e9 : NAN;
    d->efficiency_pct = recovery_pct;
    double rbc = prp_rbc(in), wbc = in->prp.wbc_per_ul;
    d->purity_pct = NAN;
    if (known(plt) && known(rbc) && known(wbc) && plt + rbc + wbc > 0.0)
        d->purity_pct = 100.0 * plt / (plt + rbc + wbc);
    d->grade_a = above(d->purity_pct, DEPA_PURITY_A_PCT);
    d->activated = in->activated;
    classify_depa_format(d);
}

void
classify_depa_format(struct classify_depa *d)
{
    char dose[24], eff[24], pur[32];
    format_number(dose, sizeof dose, d->dose_billion, 2);
    format_number(eff, sizeof eff, d->efficiency_pct, 1);
    if (d->grade_a == CLASSIFY_FLAG_YES) {
        snprintf(pur, sizeof pur, "A");
    } else {
        char num[24];
        format_number(num, sizeof num, d->purity_pct, 1);
        snprintf(pur, sizeof pur, "%s%s", num, known(d->purity_pct) ? " %" : "");
    }
    snprintf(d->code, sizeof d->code, "D %s%s, E %s%s, P %s, A%c", dose,
             known(d->dose_billion) ? "×10⁹" : "", eff, known(d->efficiency_pct) ? " %" : "", pur,
             flag_sign(d->activated));
}

int
classify_compute(const struct classify_input *in, struct classify_result *out, struct fail *f)
{
    memset(out, 0, sizeof *out);
    int st = check_input(in, f);
    if (st != ST_OK)
        return st;

    double prp = in->prp.platelets_per_ul, base = in->blood.platelets_per_ul;
    out->concentration_factor = known(prp) && known(base) ? prp / base : NAN;
    out->recovery_pct = NAN;
    if (known(prp) && known(base) && known(in->prp_volume_ml) && known(in->blood_volume_ml))
        out->recovery_pct = 100.0 * (prp * in->prp_volume_ml) / (base * in->blood_volume_ml);

    classify_paw(in, &out->paw);
    classify_mishra(in, &out->mishra);
    classify_dohan(in, &out->dohan);
    classify_plra(in, &out->plra);
    classify_depa(in, out->recovery_pct, &out->depa);
    return ST_OK;
}
