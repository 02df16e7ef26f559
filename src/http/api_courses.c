/* The course endpoints: prescribing a protocol to a patient, reading courses with their items
 * and quotes, and changing a course's status. */
#include "clinic/course.h"
#include "http/router.h"

void
api_courses_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = course_prescribe(r->db, r->protocols, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_courses_list(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = course_list(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_course_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such course", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = course_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_course_status(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such course", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = course_set_status(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_course_quote(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such course", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = course_quote(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
