/* The outbox endpoints (polled and marked by a gateway, read by the outbox screen) and the .ics
 * file of an appointment. */
#include <stdlib.h>
#include <string.h>

#include "clinic/outbox.h"
#include "clinic/reminders.h"
#include "http/router.h"

/* A gateway's request has no session (the router resolved its bearer token instead): people see
 * whose message it is, a gateway only where it goes. */
static bool
for_person(const struct request *r)
{
    return r->has_session;
}

void
api_outbox_list(struct request *r, struct response *res)
{
    struct outbox_query q = {
        .status = request_query(r, "status"),
        .due_before = request_query(r, "due_before"),
        .order = request_query(r, "order"),
    };
    if (!request_query_int(r, res, "limit", OUTBOX_LIST_DEFAULT, &q.limit))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = outbox_list(r->db, &r->actor, &q, for_person(r), &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

static void
mark(struct request *r, struct response *res, bool sent)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such outbox message", &id))
        return;
    /* A gateway that has nothing to add may mark a message sent with an empty body. */
    json_t *body = r->body.len == 0 && !r->body_too_big ? json_object() : request_json(r, res);
    json_t *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = outbox_mark(r->db, &r->actor, id, sent, body, for_person(r), &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_outbox_sent(struct request *r, struct response *res)
{
    mark(r, res, true);
}

void
api_outbox_failed(struct request *r, struct response *res)
{
    mark(r, res, false);
}

void
api_appointment_ics(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such appointment", &id))
        return;
    struct fail f;
    fail_clear(&f);
    char *ics = NULL;
    int st = reminders_appointment_ics(r->db, r->protocols, &r->actor, id, request_query(r, "lang"),
                                       &ics, &f);
    if (st != ST_OK) {
        respond_fail(res, &f);
        return;
    }
    free(res->body);
    res->status = MHD_HTTP_OK;
    res->content_type = "text/calendar; charset=utf-8";
    res->body = ics;
    res->len = strlen(ics);
}
