/* The procedure endpoints: starting a procedure at the chair, reading it, saving its documents,
 * the aftercare sheet, completing and abandoning it. */
#include <stdlib.h>
#include <string.h>

#include "clinic/procedure.h"
#include "http/router.h"

typedef int (*body_fn)(struct db *db, const struct protocols *p, const struct actor *a,
                       int64_t id, json_t *body, json_t **out, struct fail *f);

/* A write on the procedure (or appointment) of the path's id with a JSON body. */
static void
with_body(struct request *r, struct response *res, const char *missing, int ok_status,
          body_fn fn)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, missing, &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = fn(r->db, r->protocols, &r->actor, id, body, &out, &f);
    respond_result(res, st, ok_status, out, &f);
    json_decref(body);
}

void
api_procedure_start(struct request *r, struct response *res)
{
    with_body(r, res, "no such appointment", MHD_HTTP_CREATED, procedure_start);
}

void
api_procedure_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = procedure_read(r->db, r->protocols, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_appointment_procedure(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such appointment", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = procedure_read_by_appointment(r->db, r->protocols, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_patient_procedures(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = procedure_list(r->db, r->protocols, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

static void
put_section(struct request *r, struct response *res, const char *section)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = procedure_put_section(r->db, r->protocols, &r->actor, id, section, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_procedure_preparation(struct request *r, struct response *res)
{
    put_section(r, res, "preparation");
}

void
api_procedure_fat(struct request *r, struct response *res)
{
    put_section(r, res, "fat");
}

void
api_procedure_injection(struct request *r, struct response *res)
{
    put_section(r, res, "injection");
}

void
api_procedure_aftercare(struct request *r, struct response *res)
{
    with_body(r, res, "no such procedure", MHD_HTTP_OK, procedure_aftercare);
}

void
api_procedure_complete(struct request *r, struct response *res)
{
    with_body(r, res, "no such procedure", MHD_HTTP_OK, procedure_complete);
}

void
api_procedure_abandon(struct request *r, struct response *res)
{
    with_body(r, res, "no such procedure", MHD_HTTP_OK, procedure_abandon);
}
