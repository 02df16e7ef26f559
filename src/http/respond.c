/* Building responses and reading request parts: JSON bodies, errors, query values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonin.h"
#include "http/http.h"

const char *
request_query(const struct request *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *
request_header(const struct request *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

bool
request_param_id(const struct request *r, int i, int64_t *id)
{
    *id = 0;
    if (i < 0 || i >= HTTP_MAX_PARAMS || !r->params[i][0])
        return false;
    const char *s = r->params[i];
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return false;
    *id = v;
    return true;
}

int
respond_status_of(int st)
{
    switch (st) {
    case ST_OK:
        return MHD_HTTP_OK;
    case ST_INVALID:
        return MHD_HTTP_BAD_REQUEST;
    case ST_NOT_FOUND:
        return MHD_HTTP_NOT_FOUND;
    case ST_CONFLICT:
        return MHD_HTTP_CONFLICT;
    case ST_FORBIDDEN:
        return MHD_HTTP_FORBIDDEN;
    case ST_UNAUTHORIZED:
        return MHD_HTTP_UNAUTHORIZED;
    case ST_TOO_BIG:
        return MHD_HTTP_CONTENT_TOO_LARGE;
    case ST_THROTTLED:
        return MHD_HTTP_TOO_MANY_REQUESTS;
    case ST_BUSY:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

void
respond_json(struct response *res, int status, json_t *body)
{
    free(res->body);
    res->status = status;
    res->content_type = "application/json; charset=utf-8";
    /* 15 significant digits write a BMI of 27.2 as 27.2, not 27.199999999999999; every value a
     * person entered with fewer digits comes back as it was entered. */
    res->body = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    res->len = res->body ? strlen(res->body) : 0;
    json_decref(body);
    if (!res->body) {
        res->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        res->content_type = "text/plain";
    }
}

void
respond_bytes(struct response *res, int status, const char *content_type, unsigned char *body,
              size_t len, const char *disposition)
{
    free(res->body);
    res->status = status;
    res->content_type = content_type;
    res->body = (char *)body;
    res->len = len;
    snprintf(res->disposition, sizeof(res->disposition), "%s", disposition ? disposition : "");
}

void
respond_empty(struct response *res, int status)
{
    free(res->body);
    res->body = NULL;
    res->len = 0;
    res->status = status;
    res->content_type = NULL;
}

void
respond_error(struct response *res, int http_status, const char *code, const char *field,
              const char *message)
{
    json_t *err = json_object();
    /* JSON cannot carry bytes that are not UTF-8, and a message may quote what a client sent:
     * a generic sentence then keeps the error body complete. */
    json_t *msg = json_string(message);
    if (!msg)
        msg = json_string("the request failed");
    json_object_set_new(err, "code", json_string(code));
    json_object_set_new(err, "message", msg);
    if (field && *field)
        json_object_set_new(err, "field", json_string(field));
    respond_json(res, http_status, json_pack("{s:o}", "error", err));
}

void
respond_fail(struct response *res, const struct fail *f)
{
    int status = f->status ? f->status : ST_DB;
    const char *code = f->code[0] ? f->code : status_name(status);
    const char *message = f->message[0] ? f->message : "the request failed";
    respond_error(res, respond_status_of(status), code, f->field, message);
}

json_t *
request_json(struct request *r, struct response *res)
{
    if (r->body_too_big) {
        /* The cap is the route's: a file upload accepts more than a form. */
        size_t limit = r->body.limit ? r->body.limit : HTTP_BODY_MAX;
        char msg[80];
        if (limit >= 1024 * 1024)
            snprintf(msg, sizeof(msg), "the request body is larger than %zu MiB",
                     limit / (1024 * 1024));
        else
            snprintf(msg, sizeof(msg), "the request body is larger than %zu KiB", limit / 1024);
        respond_error(res, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", "", msg);
        return NULL;
    }
    struct fail f;
    fail_clear(&f);
    json_t *obj = NULL;
    if (jsonin_parse_object(r->body.data ? r->body.data : "", r->body.len, &obj, &f) != ST_OK) {
        respond_fail(res, &f);
        return NULL;
    }
    return obj;
}

bool
request_id_or_404(const struct request *r, struct response *res, int i, const char *missing,
                  int64_t *id)
{
    if (request_param_id(r, i, id))
        return true;
    respond_error(res, MHD_HTTP_NOT_FOUND, "not_found", "", missing);
    return false;
}

bool
request_query_int(const struct request *r, struct response *res, const char *key, int64_t dflt,
                  int64_t *out)
{
    const char *v = request_query(r, key);
    *out = dflt;
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s must be a whole number", key);
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", key, msg);
        return false;
    }
    *out = n;
    return true;
}

void
respond_result(struct response *res, int st, int ok_status, json_t *out, const struct fail *f)
{
    if (st == ST_OK) {
        respond_json(res, ok_status, out);
        return;
    }
    json_decref(out);
    respond_fail(res, f);
}
