/* The lab result endpoints: a patient's results, manual entry, deletion with a reason, and the
 * import of a laboratory's CSV export (preview, then commit). */
#include <stdio.h>
#include <string.h>

#include "clinic/labresult.h"
#include "http/router.h"

/* 422: the request was understood but the file's rows stop the import. */
#define HTTP_UNPROCESSABLE 422

void
api_labs_list(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    const char *inc = request_query(r, "include_deleted");
    bool include_deleted = false;
    if (inc && *inc) {
        if (strcmp(inc, "1") == 0 || strcmp(inc, "true") == 0) {
            include_deleted = true;
        } else if (strcmp(inc, "0") != 0 && strcmp(inc, "false") != 0) {
            respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "include_deleted",
                          "include_deleted must be 1 or 0");
            return;
        }
    }
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = labresult_list(r->db, &r->actor, r->protocols->labs, id, include_deleted, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_labs_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = labresult_create(r->db, &r->actor, r->protocols->labs, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_lab_delete(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such lab result", &id))
        return;
    json_t *body = request_json(r, res);
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    if (labresult_delete(r->db, &r->actor, id, body, &f) != ST_OK)
        respond_fail(res, &f);
    else
        respond_empty(res, MHD_HTTP_NO_CONTENT);
    json_decref(body);
}

void
api_labs_import(struct request *r, struct response *res)
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
    if (labresult_import(r->db, &r->actor, r->protocols->labs, id, body, &out, &committed, &f) !=
        ST_OK) {
        if (strcmp(f.code, "import_has_errors") == 0)
            respond_error(res, HTTP_UNPROCESSABLE, f.code, f.field, f.message);
        else
            respond_fail(res, &f);
    } else {
        respond_json(res, committed ? MHD_HTTP_CREATED : MHD_HTTP_OK, out);
    }
    json_decref(body);
}
