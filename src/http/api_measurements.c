/* The measurement endpoints: a patient's sets of values, recording a set, correcting or voiding
 * one value with a reason, a value's versions, and the import of a trichoscopy CSV export. */
#include <string.h>

#include "clinic/measurement.h"
#include "http/router.h"

/* 422: the request was understood but the file's rows stop the import. */
#define HTTP_UNPROCESSABLE 422

void
api_measurements_list(struct request *r, struct response *res)
{
    struct db_measurement_query q = {0};
    if (!request_id_or_404(r, res, 0, "no such patient", &q.patient_id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = measurement_query_parse(r->protocols->measures, request_query(r, "measure"),
                                     request_query(r, "from"), request_query(r, "to"),
                                     request_query(r, "include_voided"), &q, &f);
    if (st == ST_OK)
        st = measurement_list(r->db, &r->actor, r->protocols->measures, &q, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_measurements_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = measurement_create(r->db, &r->actor, r->protocols->measures, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_measurement_correct(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such measurement", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = measurement_correct(r->db, &r->actor, r->protocols->measures, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_measurement_void(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such measurement", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = measurement_void(r->db, &r->actor, r->protocols->measures, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_measurement_versions(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such measurement", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = measurement_versions(r->db, &r->actor, r->protocols->measures, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_measurements_import(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    bool committed = false;
    if (measurement_import(r->db, &r->actor, r->protocols->measures, id, body, &out, &committed,
                           &f) != ST_OK) {
        if (strcmp(f.code, "import_has_errors") == 0)
            respond_error(res, HTTP_UNPROCESSABLE, f.code, f.field, f.message);
        else
            respond_fail(res, &f);
    } else {
        respond_json(res, committed ? MHD_HTTP_CREATED : MHD_HTTP_OK, out);
    }
    json_decref(body);
}
