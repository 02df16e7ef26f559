/* The audit trail for administrators: filtered listing and chain verification. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/audit.h"
#include "core/date.h"
#include "http/router.h"

/* "admin,doctor" as ["admin","doctor"]. */
static json_t *
role_list(const char *roles)
{
    json_t *arr = json_array();
    const char *p = roles;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        p += n + (comma ? 1 : 0);
    }
    return arr;
}

static int
event_item(void *ctx, const struct db_audit *e)
{
    char at[25];
    time_format_ms(e->at_ms, at);
    json_t *user_id = e->user_id > 0 ? json_integer(e->user_id) : json_null();
    /* The detail was written as JSON by the server itself; null when there is none. */
    json_t *detail = e->detail[0] ? json_loads(e->detail, 0, NULL) : NULL;
    if (!detail)
        detail = json_null();
    json_array_append_new(ctx,
                          json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
                                    (json_int_t)e->id, "at", at, "user_id", user_id, "username",
                                    e->username, "roles", role_list(e->roles), "action", e->action,
                                    "entity", e->entity, "entity_id", e->entity_id, "remote",
                                    e->remote, "request_id", e->request_id, "detail", detail));
    return 0;
}

/* An optional filter value: NULL when absent or empty. */
static const char *
filter(struct request *r, const char *key)
{
    const char *v = request_query(r, key);
    return v && *v && strlen(v) <= 64 ? v : NULL;
}

static bool
time_filter(struct request *r, struct response *res, const char *key, bool end_of_day, int64_t *out)
{
    const char *v = filter(r, key);
    *out = 0;
    if (!v)
        return true;
    if (time_parse_iso(v, out) != ST_OK) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", key,
                      "must be a date (YYYY-MM-DD) or a UTC time");
        return false;
    }
    /* A bare date as the upper bound means the whole of that day. */
    if (end_of_day && strlen(v) == 10)
        *out += 86400000 - 1;
    return true;
}

void
api_audit_list(struct request *r, struct response *res)
{
    struct db_audit_filter flt = {
        .username = filter(r, "user"),
        .action = filter(r, "action"),
        .entity = filter(r, "entity"),
        .entity_id = filter(r, "entity_id"),
        .limit = 100,
    };
    if (!time_filter(r, res, "from", false, &flt.from_ms) ||
        !time_filter(r, res, "to", true, &flt.to_ms))
        return;
    const char *before = filter(r, "before_id"), *limit = filter(r, "limit");
    char *end;
    if (before) {
        errno = 0;
        flt.before_id = strtoll(before, &end, 10);
        if (errno || *end || flt.before_id <= 0) {
            respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "before_id",
                          "must be a positive whole number");
            return;
        }
    }
    if (limit) {
        errno = 0;
        long long n = strtoll(limit, &end, 10);
        if (errno || *end || n < 1 || n > 500) {
            respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "limit",
                          "must be a whole number from 1 to 500");
            return;
        }
        flt.limit = (int)n;
    }
    json_t *items = json_array();
    /* Make this admin's own recent reads visible in what they are about to see. */
    if (audit_queue_flush() != ST_OK || db_audit_list(r->db, &flt, event_item, items) != ST_OK) {
        json_decref(items);
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "",
                      "the audit trail could not be read");
        return;
    }
    size_t n = json_array_size(items);
    json_t *next = json_null();
    if (n == (size_t)flt.limit)
        next =
            json_integer(json_integer_value(json_object_get(json_array_get(items, n - 1), "id")));
    audit_read(&r->actor, "audit.list", "audit", "");
    respond_json(res, MHD_HTTP_OK, json_pack("{s:o, s:o}", "items", items, "next_before_id", next));
}

void
api_audit_verify(struct request *r, struct response *res)
{
    struct audit_check c;
    if (audit_queue_flush() != ST_OK || audit_verify(r->db, &c) != ST_OK) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "",
                      "the audit trail could not be read");
        return;
    }
    audit_read(&r->actor, "audit.verify", "audit", "");
    json_t *out = json_pack("{s:b, s:I, s:s}", "ok", c.first_bad_id == 0, "events",
                            (json_int_t)c.events, "head_hash", c.head_hash);
    if (c.first_bad_id)
        json_object_set_new(out, "first_bad_id", json_integer(c.first_bad_id));
    respond_json(res, MHD_HTTP_OK, out);
}
