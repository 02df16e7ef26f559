/* The clinic's reports: the cohort report of outcomes per protocol, as JSON and as two CSV
 * files (docs/cohort-report.md). */
#include <stdlib.h>
#include <string.h>

#include "clinic/cohort.h"
#include "http/router.h"

static struct cohort_params
params_of(const struct request *r)
{
    return (struct cohort_params){
        .protocol = request_query(r, "protocol"),
        .age_band = request_query(r, "age_band"),
        .sex = request_query(r, "sex"),
        .grade = request_query(r, "grade"),
        .threshold = request_query(r, "threshold"),
        .baseline_days = request_query(r, "baseline_days"),
        .window_days = request_query(r, "window_days"),
        .from = request_query(r, "from"),
        .to = request_query(r, "to"),
    };
}

void
api_report_outcomes(struct request *r, struct response *res)
{
    struct cohort_params q = params_of(r);
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = cohort_report(r->db, r->protocols, &r->actor, &q, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

static void
respond_csv(struct response *res, int st, char *csv, size_t len, const struct fail *f)
{
    if (st != ST_OK) {
        respond_fail(res, f);
        return;
    }
    free(res->body);
    res->status = MHD_HTTP_OK;
    res->content_type = "text/csv; charset=utf-8";
    res->body = csv;
    res->len = len;
}

void
api_report_outcomes_csv(struct request *r, struct response *res)
{
    struct cohort_params q = params_of(r);
    struct fail f;
    fail_clear(&f);
    char *csv = NULL;
    size_t len = 0;
    int st = cohort_report_csv(r->db, r->protocols, &r->actor, &q, &csv, &len, &f);
    respond_csv(res, st, csv, len, &f);
}

void
api_report_outcome_courses_csv(struct request *r, struct response *res)
{
    struct cohort_params q = params_of(r);
    struct fail f;
    fail_clear(&f);
    char *csv = NULL;
    size_t len = 0;
    int st = cohort_courses_csv(r->db, r->protocols, &r->actor, &q, &csv, &len, &f);
    respond_csv(res, st, csv, len, &f);
}
