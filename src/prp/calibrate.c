/* Calibration of the preparation model (see calibrate.h): CSV rows → requests, errors, and a
 * Nelder–Mead fit of the free parameters. */
#include "prp/calibrate.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 20
#define LINE_MAX_BYTES 4096

static int fail_at(struct fail *f, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail_at(struct fail *f, int status, const char *field, const char *fmt, ...)
{
    if (f != NULL) {
        f->status = status;
        snprintf(f->code, sizeof f->code, "%s", status == ST_IO ? "io" : "invalid_value");
        snprintf(f->field, sizeof f->field, "%s", field);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->message, sizeof f->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* Splits one CSV record (RFC 4180 quoting, no line breaks inside fields) in place. */
static int
split(char *line, char **fields)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    for (;;) {
        if (n == MAX_FIELDS)
            return n;
        char *w = p;
        fields[n++] = p;
        if (*p == '"') {
            p++;
            while (*p != '\0') {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            while (*p != '\0' && *p != ',')
                p++;
        } else {
            while (*p != '\0' && *p != ',')
                w = ++p;
        }
        int end = *p == '\0';
        *w = '\0';
        if (end)
            return n;
        p++;
    }
}

/* A number cell: NAN when empty; a range "lo-hi" gives its midpoint and half-width. */
static double
cell(const char *s, double *half)
{
    if (half != NULL)
        *half = 0.0;
    if (s == NULL || *s == '\0')
        return NAN;
    char *end;
    double a = strtod(s, &end);
    if (end == s)
        return NAN;
    if (*end == '-') {
        double b = strtod(end + 1, NULL);
        if (half != NULL)
            *half = fabs(b - a) / 2.0;
        return (a + b) / 2.0;
    }
    return a;
}

/* The columns of a paper's CSV (README.md). */
enum { C_PAPER, C_LABEL, C_G1, C_M1, C_G2, C_M2, C_ML, C_TUBE, C_HCT, C_BASE, C_PRP, C_REC, C_CF };

static int
find_row(const char *dir, const char *paper, const char *label, char **out_fields, char *line,
         struct fail *f)
{
    char file[512];
    snprintf(file, sizeof file, "%s/%s.csv", dir, paper);
    FILE *in = fopen(file, "r");
    if (in == NULL)
        return fail_at(f, ST_IO, paper, "cannot read %s", file);
    int found = 0;
    while (!found && fgets(line, LINE_MAX_BYTES, in) != NULL) {
        int n = split(line, out_fields);
        found = n > C_CF && strcmp(out_fields[C_LABEL], label) == 0;
    }
    fclose(in);
    return found ? ST_OK : fail_at(f, ST_INVALID, paper, "%s has no row '%s'", file, label);
}

static enum prp_rule
rule_of(const char *s)
{
    return strcmp(s, "buffy-coat") == 0 ? PRP_RULE_BUFFY_COAT : PRP_RULE_ABOVE_RBC;
}

/* The rows of the other CSVs, each with why it cannot calibrate the model. */
static void
list_skipped(const char *dir, struct prp_cal_set *set)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char line[LINE_MAX_BYTES], *fl[MAX_FIELDS];
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0 ||
            strcmp(e->d_name, "assumptions.csv") == 0)
            continue;
        char file[512];
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        FILE *in = fopen(file, "r");
        if (in == NULL)
            continue;
        int first = 1;
        while (fgets(line, sizeof line, in) != NULL) {
            int n = split(line, fl);
            if (first || n <= C_CF) {
                first = 0;
                continue;
            }
            int used = 0;
            for (int i = 0; i < set->n; i++)
                used = used || (strncmp(set->row[i].paper, e->d_name, len - 4) == 0 &&
                                strcmp(set->row[i].label, fl[C_LABEL]) == 0);
            if (used || set->skipped >= PRP_CAL_MAX_SKIPPED)
                continue;
            int spins = !isnan(cell(fl[C_G1], NULL)) && !isnan(cell(fl[C_M1], NULL));
            spins = spins || (!isnan(cell(fl[C_G2], NULL)) && !isnan(cell(fl[C_M2], NULL)));
            int outcome = !isnan(cell(fl[C_REC], NULL)) || !isnan(cell(fl[C_CF], NULL));
            const char *why = !spins     ? "no force and time of a spin in the abstract"
                              : !outcome ? "no recovery or concentration factor in the abstract"
                                         : "not in assumptions.csv";
            snprintf(set->why[set->skipped++], sizeof set->why[0], "%.*s: %.100s: %s",
                     (int)(len - 4), e->d_name, fl[C_LABEL], why);
        }
        fclose(in);
    }
    closedir(d);
}

/* The assumptions' columns. */
enum {
    A_KEY,
    A_LABEL,
    A_ML,
    A_HCT,
    A_TUBE,
    A_SHAPE,
    A_RADIUS,
    A_RULE,
    A_MARGIN,
    A_G1,
    A_M1,
    A_KEEP,
    A_SPREAD,
    A_REASON
};

int
prp_cal_load(const char *dir, struct prp_cal_set *set, struct fail *f)
{
    memset(set, 0, sizeof *set);
    char file[512], line[LINE_MAX_BYTES], row_line[LINE_MAX_BYTES], *a[MAX_FIELDS], *r[MAX_FIELDS];
    snprintf(file, sizeof file, "%s/assumptions.csv", dir);
    FILE *in = fopen(file, "r");
    if (in == NULL)
        return fail_at(f, ST_IO, "assumptions.csv", "cannot read %s", file);
    int st = ST_OK, lineno = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        if (++lineno == 1)
            continue;
        if (split(line, a) <= A_REASON) {
            st = fail_at(f, ST_INVALID, "assumptions.csv", "%s line %d: too few columns", file,
                         lineno);
            break;
        }
        if (set->n >= PRP_CAL_MAX_ROWS)
            break;
        st = find_row(dir, a[A_KEY], a[A_LABEL], r, row_line, f);
        if (st != ST_OK)
            break;
        struct prp_cal_row *row = &set->row[set->n];
        snprintf(row->paper, sizeof row->paper, "%s", a[A_KEY]);
        snprintf(row->label, sizeof row->label, "%s", a[A_LABEL]);
        snprintf(row->citation, sizeof row->citation, "%s", r[C_PAPER]);
        double half;
        row->recovery = cell(r[C_REC], &half) / 100.0;
        row->cf = cell(r[C_CF], NULL);
        row->spread = cell(a[A_SPREAD], NULL) / 100.0;
        if (!isnan(row->recovery) && row->recovery > 0.0)
            row->spread /= row->recovery; /* a spread in percentage points, relative */
        struct prp_request *q = &row->req;
        prp_request_init(q);
        double ml = cell(a[A_ML], NULL);
        q->blood = (struct prp_blood){
            ml, cell(a[A_HCT], NULL), 250000.0, 6500.0, NAN, NAN, NAN, ml / 9.0, 22.0};
        enum tube_tip tip = strcmp(a[A_SHAPE], "conical") == 0 ? TUBE_TIP_CONICAL
                            : strcmp(a[A_SHAPE], "flat") == 0  ? TUBE_TIP_FLAT
                                                               : TUBE_TIP_ROUND;
        if (tube_default(&q->tube, cell(a[A_TUBE], NULL), tip) != ST_OK) {
            st =
                fail_at(f, ST_INVALID, "assumptions.csv", "%s line %d: no such tube", file, lineno);
            break;
        }
        q->rotor.radius_mm = cell(a[A_RADIUS], NULL);
        q->cells = PRP_CAL_CELLS;
        struct prp_collect c1 = {rule_of(a[A_RULE]), cell(a[A_MARGIN], NULL), 0.0, 0.0};
        struct prp_collect c2 = {PRP_RULE_KEEP_BOTTOM, 0.0, 0.0, cell(a[A_KEEP], NULL)};
        double g1 = cell(r[C_G1], NULL), m1 = cell(r[C_M1], NULL);
        double g2 = cell(r[C_G2], NULL), m2 = cell(r[C_M2], NULL);
        if (!isnan(g1) && !isnan(g2)) {
            row->kind = PRP_CAL_OVERALL;
            q->spins = 2;
            q->spin[0] = (struct prp_spin){g1, m1, 0.0, 0.0, c1};
            q->spin[1] = (struct prp_spin){g2, m2, 0.0, 0.0, c2};
        } else if (!isnan(g1)) {
            row->kind = PRP_CAL_SPIN1;
            q->spins = 1;
            q->spin[0] = (struct prp_spin){g1, m1, 0.0, 0.0, c1};
        } else {
            row->kind = PRP_CAL_SPIN2;
            q->spins = 2;
            q->spin[0] = (struct prp_spin){cell(a[A_G1], NULL), cell(a[A_M1], NULL), 0.0, 0.0, c1};
            q->spin[1] = (struct prp_spin){g2, m2, 0.0, 0.0, c2};
        }
        set->n++;
    }
    fclose(in);
    if (st == ST_OK)
        list_skipped(dir, set);
    return st;
}

int
prp_cal_evaluate(struct prp_cal_set *set, const struct prp_params *p, double *worst, struct fail *f)
{
    *worst = 0.0;
    for (int i = 0; i < set->n; i++) {
        struct prp_cal_row *row = &set->row[i];
        row->req.params = *p;
        struct prp_result res;
        int st = prp_simulate(&row->req, &res, f);
        if (st != ST_OK)
            return st;
        row->pred_recovery = row->kind == PRP_CAL_OVERALL ? res.recovery.value
                             : row->kind == PRP_CAL_SPIN1 ? res.spin[0].platelet_share
                                                          : res.spin[1].platelet_share;
        row->pred_cf = res.concentration_factor.value;
        row->err_recovery =
            isnan(row->recovery) ? NAN : (row->pred_recovery - row->recovery) / row->recovery;
        row->err_cf = isnan(row->cf) ? NAN : (row->pred_cf - row->cf) / row->cf;
        double spread = isnan(row->spread) ? 0.0 : row->spread;
        if (!isnan(row->err_recovery))
            *worst = fmax(*worst, fabs(row->err_recovery) + spread);
        if (!isnan(row->err_cf))
            *worst = fmax(*worst, fabs(row->err_cf) + spread);
    }
    return ST_OK;
}

/* The fitted parameters from the unconstrained x: m_rbc in 1…10, m_plt in 0.3…1.5, η in
 * 0.7…1 through a logistic map, so the simplex can roam freely. */
static void
params_of(const double *x, const struct prp_params *base, struct prp_params *p)
{
    *p = *base;
    p->m_rbc = 1.0 + 9.0 / (1.0 + exp(-x[0]));
    p->m_plt = 0.3 + 1.2 / (1.0 + exp(-x[1]));
    p->resuspension = 0.7 + 0.3 / (1.0 + exp(-x[2]));
}

static double
inverse(double v, double lo, double hi)
{
    double t = (v - lo) / (hi - lo);
    t = fmin(0.99, fmax(0.01, t));
    return log(t / (1.0 - t));
}

static double
cost(struct prp_cal_set *set, const double *x, const struct prp_params *base, int *evals)
{
    struct prp_params p;
    params_of(x, base, &p);
    double worst;
    (*evals)++;
    if (prp_cal_evaluate(set, &p, &worst, NULL) != ST_OK)
        return 1e9; /* a rule that takes nothing: far from every row */

    double sum = 0.0;
    for (int i = 0; i < set->n; i++) {
        if (!isnan(set->row[i].err_recovery))
            sum += set->row[i].err_recovery * set->row[i].err_recovery;
        if (!isnan(set->row[i].err_cf))
            sum += set->row[i].err_cf * set->row[i].err_cf;
    }

    return sum;
}

int
prp_cal_fit(struct prp_cal_set *set, struct prp_params *p, int *evaluations, struct fail *f)
{
    enum { D = 3 };
    int evals = 0;
    struct prp_params base = *p;
    double s[D + 1][D], c[D + 1];
    s[0][0] = inverse(p->m_rbc, 1.0, 10.0);
    s[0][1] = inverse(p->m_plt, 0.3, 1.5);
    s[0][2] = inverse(p->resuspension, 0.7, 1.0);
    for (int i = 1; i <= D; i++) {
        memcpy(s[i], s[0], sizeof s[0]);
        s[i][i - 1] += 1.0;
    }
    for (int i = 0; i <= D; i++)
        c[i] = cost(set, s[i], &base, &evals);
    for (int iter = 0; iter < 80; iter++) {
        /* order: best first */
        for (int i = 1; i <= D; i++)
            for (int j = i; j > 0 && c[j] < c[j - 1]; j--) {
                double t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
                double tmp[D];
                memcpy(tmp, s[j], sizeof tmp);
                memcpy(s[j], s[j - 1], sizeof tmp);
                memcpy(s[j - 1], tmp, sizeof tmp);
            }
        if (c[D] - c[0] < 1e-10)
            break;
        double mid[D] = {0}, xr[D], xe[D], xc[D];
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++)
                mid[j] += s[i][j] / D;
        for (int j = 0; j < D; j++)
            xr[j] = mid[j] + (mid[j] - s[D][j]);
        double cr = cost(set, xr, &base, &evals);
        if (cr < c[0]) {
            for (int j = 0; j < D; j++)
                xe[j] = mid[j] + 2.0 * (mid[j] - s[D][j]);
            double ce = cost(set, xe, &base, &evals);
            memcpy(s[D], ce < cr ? xe : xr, sizeof xr);
            c[D] = fmin(ce, cr);
        } else if (cr < c[D - 1]) {
            memcpy(s[D], xr, sizeof xr);
            c[D] = cr;
        } else {
            for (int j = 0; j < D; j++)
                xc[j] = mid[j] + 0.5 * (s[D][j] - mid[j]);
            double cc = cost(set, xc, &base, &evals);
            if (cc < c[D]) {
                memcpy(s[D], xc, sizeof xc);
                c[D] = cc;
            } else {
                for (int i = 1; i <= D; i++) {
                    for (int j = 0; j < D; j++)
                        s[i][j] = s[0][j] + 0.5 * (s[i][j] - s[0][j]);
                    c[i] = cost(set, s[i], &base, &evals);
                }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= D; i++)
        if (c[i] < c[best])
            best = i;
    params_of(s[best], &base, p);
    double worst;
    int st = prp_cal_evaluate(set, p, &worst, f);
    if (st == ST_OK)
        p->band_rel = worst;
    if (evaluations != NULL)
        *evaluations = evals;
    return st;
}
