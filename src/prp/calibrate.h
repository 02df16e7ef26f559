/* Calibration of the preparation model: the published rows of tests/data/prp-prep with the
 * assumptions that make each a model request, their errors under a parameter set, and the fit of
 * the free parameters (prp-model.md §6.8) to them. */
#ifndef AUTOLOGA_PRP_CALIBRATE_H
#define AUTOLOGA_PRP_CALIBRATE_H

#include "core/status.h"
#include "prp/simulate.h"

#define PRP_CAL_MAX_ROWS 16
#define PRP_CAL_MAX_SKIPPED 32
/* Cells of the calibration runs: the default grid, so that the fitted values and the errors
 * recorded are those of the predictions the model gives (a fit takes well under a minute). */
#define PRP_CAL_CELLS PRP_DEFAULT_CELLS

/* What a row reports: the platelet recovery of the whole preparation, of its first spin alone,
 * or of its second spin alone. */
enum prp_cal_kind { PRP_CAL_OVERALL, PRP_CAL_SPIN1, PRP_CAL_SPIN2 };

struct prp_cal_row {
    char paper[32]; /* file key, e.g. "perez2014" */
    char label[160];
    char citation[200];
    enum prp_cal_kind kind;
    struct prp_request req;
    double recovery;      /* published, fraction (the midpoint of a range); NAN when none */
    double cf;            /* published concentration factor; NAN when none */
    double spread;        /* published donor spread, relative to the value */
    double pred_recovery; /* of the kind's spin or of the whole; set by prp_cal_evaluate */
    double pred_cf;
    double err_recovery; /* (predicted − published) / published; NAN when not published */
    double err_cf;
};

struct prp_cal_set {
    int n;
    struct prp_cal_row row[PRP_CAL_MAX_ROWS];
    int skipped;
    char why[PRP_CAL_MAX_SKIPPED][200]; /* "paper: label: reason" of each row left out */
};

/* Reads `dir`/assumptions.csv and each paper's CSV it names; the rows of every other CSV of the
 * folder are listed in `why` with the reason they cannot be used. ST_IO for a missing file,
 * ST_INVALID (with the file and line in `f`) for a malformed one. */
int prp_cal_load(const char *dir, struct prp_cal_set *set, struct fail *f) WARN_UNUSED;

/* Runs every row with `p` and fills its predictions and errors; *worst is the largest
 * |error| + spread over the rows: the band the parameters earn. */
int prp_cal_evaluate(struct prp_cal_set *set, const struct prp_params *p, double *worst,
                     struct fail *f) WARN_UNUSED;

/* Fits m_rbc, m_plt and η_res of `p` (the others stay) by Nelder–Mead on the sum of squared
 * relative errors, within the priors of prp-model.md §6.8 (m_rbc 1–10, m_plt 0.3–1.5, η_res
 * 0.7–1); sets p->band_rel to the worst of prp_cal_evaluate. `evaluations` (may be NULL) counts
 * the model runs. */
int prp_cal_fit(struct prp_cal_set *set, struct prp_params *p, int *evaluations,
                struct fail *f) WARN_UNUSED;

#endif
