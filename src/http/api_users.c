/* User management for administrators. */
#include "clinic/user.h"
#include "http/router.h"

void
api_users_list(struct request *r, struct response *res)
{
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = user_list_json(r->db, &r->actor, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_users_create(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = user_create_json(r->db, &r->actor, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_user_update(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_param_id(r, 0, &id)) {
        respond_error(res, MHD_HTTP_NOT_FOUND, "not_found", "", "no such user");
        return;
    }
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = user_update_json(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_user_password(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_param_id(r, 0, &id)) {
        respond_error(res, MHD_HTTP_NOT_FOUND, "not_found", "", "no such user");
        return;
    }
    json_t *body = request_json(r, res);
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    if (user_password_json(r->db, &r->actor, id, body, &f) != ST_OK)
        respond_fail(res, &f);
    else
        respond_empty(res, MHD_HTTP_NO_CONTENT);
    json_decref(body);
}
