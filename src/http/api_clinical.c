/* The clinical record endpoints: assessments, the medical history and the drug search. */
#include <errno.h>
#include <stdlib.h>

#include "clinic/assessment.h"
#include "clinic/history.h"
#include "http/router.h"

void
api_assessments_list(struct request *r, struct response *res)
{
    int64_t pid;
    if (!request_id_or_404(r, res, 0, "no such patient", &pid))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = assessment_list(r->db, &r->actor, pid, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_assessments_create(struct request *r, struct response *res)
{
    int64_t pid;
    if (!request_id_or_404(r, res, 0, "no such patient", &pid))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = assessment_create(r->db, &r->actor, pid, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_assessment_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such assessment", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = assessment_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_assessment_update(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such assessment", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = assessment_update(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_assessment_versions(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such assessment", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = assessment_versions(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_history_get(struct request *r, struct response *res)
{
    int64_t pid;
    if (!request_id_or_404(r, res, 0, "no such patient", &pid))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = history_read(r->db, &r->actor, pid, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_history_update(struct request *r, struct response *res)
{
    int64_t pid;
    if (!request_id_or_404(r, res, 0, "no such patient", &pid))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = history_update(r->db, &r->actor, r->protocols, pid, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_history_versions(struct request *r, struct response *res)
{
    int64_t pid;
    if (!request_id_or_404(r, res, 0, "no such patient", &pid))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = history_versions(r->db, &r->actor, pid, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_drugs_search(struct request *r, struct response *res)
{
    int64_t limit = 10;
    const char *lim = request_query(r, "limit");
    if (lim && *lim) {
        char *end;
        errno = 0;
        long long n = strtoll(lim, &end, 10);
        if (errno || *end) {
            respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "limit",
                          "limit must be a whole number");
            return;
        }
        limit = n;
    }
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = history_drug_search(r->protocols->drugs, request_query(r, "q"), limit, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
