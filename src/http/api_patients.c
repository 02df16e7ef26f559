/* The patient endpoints: list and search, register, open, correct, soft-delete, history. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/patient.h"
#include "clinic/role.h"
#include "http/router.h"

static bool
sees_deleted(const struct request *r)
{
    return permission_allows(r->session.roles, PERM_PATIENT_DELETE);
}

void
api_patients_list(struct request *r, struct response *res)
{
    struct patient_list_params p = {
        .q = request_query(r, "q"),
        .sort = request_query(r, "sort"),
        .order = request_query(r, "order"),
    };
    if (!request_query_int(r, res, "offset", 0, &p.offset) ||
        !request_query_int(r, res, "limit", 50, &p.limit))
        return;
    const char *inc = request_query(r, "include_deleted");
    p.include_deleted = inc && (strcmp(inc, "1") == 0 || strcmp(inc, "true") == 0);
    if (p.include_deleted && !sees_deleted(r)) {
        respond_error(res, MHD_HTTP_FORBIDDEN, "forbidden", "include_deleted",
                      "only administrators may list deleted patients");
        return;
    }
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = patient_list(r->db, &r->actor, &p, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_patients_create(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = patient_create(r->db, &r->actor, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_patient_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = patient_read(r->db, &r->actor, id, sees_deleted(r), &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_patient_update(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = patient_update(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_patient_delete(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res);
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    if (patient_delete(r->db, &r->actor, id, body, &f) != ST_OK)
        respond_fail(res, &f);
    else
        respond_empty(res, MHD_HTTP_NO_CONTENT);
    json_decref(body);
}

void
api_patient_history(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = patient_history(r->db, &r->actor, id, sees_deleted(r), &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
