/* The screening endpoints: a patient's results computed now, stored results with their inputs,
 * and a doctor's sign-off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/screening_record.h"
#include "core/date.h"
#include "http/router.h"

void
api_screening_preview(struct request *r, struct response *res)
{
    int64_t id, session_ms = 0;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    const char *at = request_query(r, "session_at");
    if (!at || !*at || time_parse_iso(at, &session_ms) != ST_OK) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "session_at",
                      "session_at is required: a UTC time such as 2026-12-01T09:00:00Z");
        return;
    }
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = screening_record_preview(r->db, r->protocols, &r->actor, id,
                                      request_query(r, "treatment"), session_ms, false, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_screenings_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = screening_record_create(r->db, r->protocols, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_screenings_list(struct request *r, struct response *res)
{
    int64_t id, limit;
    if (!request_id_or_404(r, res, 0, "no such patient", &id) ||
        !request_query_int(r, res, "limit", SCREENING_RECORD_LIST_DEFAULT, &limit))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st =
        screening_record_list(r->db, &r->actor, id, request_query(r, "treatment"), limit, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_screening_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such screening result", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = screening_record_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_screening_signoff(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such screening result", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = screening_record_sign(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}
