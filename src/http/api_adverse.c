/* The adverse event endpoints: recording an event for a patient, following it up, its versions,
 * and the clinic's list with its filters. */
#include "clinic/adverse.h"
#include "http/router.h"

void
api_adverse_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = adverse_create(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_adverse_of_patient(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = adverse_list_patient(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_adverse_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such adverse event", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = adverse_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_adverse_update(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such adverse event", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = adverse_update(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_adverse_versions(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such adverse event", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = adverse_versions(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_adverse_list(struct request *r, struct response *res)
{
    struct db_adverse_query q;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = adverse_query_parse(request_query(r, "severity"), request_query(r, "outcome"),
                                 request_query(r, "from"), request_query(r, "to"),
                                 request_query(r, "limit"), &q, &f);
    if (st == ST_OK)
        st = adverse_list_clinic(r->db, &r->actor, &q, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
