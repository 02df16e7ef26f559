/* The calendar endpoints: the clinic's settings, opening hours and closures, rooms, clinicians,
 * centrifuges, the slot search, appointments and the day and week views. */
#include <string.h>

#include "clinic/schedule.h"
#include "http/router.h"

void
api_clinic(struct request *r, struct response *res)
{
    json_t *out = clinic_settings_json(r->clinic);
    if (!out) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
        return;
    }
    respond_json(res, MHD_HTTP_OK, out);
}

/* Runs a domain call that takes the request body: fn(db, actor, body, &out, &f). */
static void
with_body(struct request *r, struct response *res, int ok_status,
          int (*fn)(struct db *, const struct actor *, json_t *, json_t **, struct fail *))
{
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = fn(r->db, &r->actor, body, &out, &f);
    respond_result(res, st, ok_status, out, &f);
    json_decref(body);
}

/* Runs a domain call on the record {id} of the path with the request body. */
static void
with_id_body(struct request *r, struct response *res, const char *missing,
             int (*fn)(struct db *, const struct actor *, int64_t, json_t *, json_t **,
                       struct fail *))
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, missing, &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = fn(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

/* Runs a domain call that lists: fn(db, &out, &f). */
static void
listing(struct response *res, struct request *r, int (*fn)(struct db *, json_t **, struct fail *))
{
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = fn(r->db, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_schedule_hours_get(struct request *r, struct response *res)
{
    listing(res, r, schedule_hours_get);
}

void
api_schedule_hours_put(struct request *r, struct response *res)
{
    with_body(r, res, MHD_HTTP_OK, schedule_hours_put);
}

void
api_closures_create(struct request *r, struct response *res)
{
    with_body(r, res, MHD_HTTP_CREATED, schedule_closure_create);
}

void
api_closure_delete(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such closure", &id))
        return;
    struct fail f;
    fail_clear(&f);
    int st = schedule_closure_delete(r->db, &r->actor, id, &f);
    if (st == ST_OK)
        respond_empty(res, MHD_HTTP_NO_CONTENT);
    else
        respond_fail(res, &f);
}

void
api_rooms_list(struct request *r, struct response *res)
{
    listing(res, r, schedule_rooms_list);
}

void
api_rooms_create(struct request *r, struct response *res)
{
    with_body(r, res, MHD_HTTP_CREATED, schedule_room_create);
}

void
api_room_update(struct request *r, struct response *res)
{
    with_id_body(r, res, "no such room", schedule_room_update);
}

void
api_centrifuges_list(struct request *r, struct response *res)
{
    listing(res, r, schedule_centrifuges_list);
}

void
api_centrifuges_create(struct request *r, struct response *res)
{
    with_body(r, res, MHD_HTTP_CREATED, schedule_centrifuge_create);
}

void
api_centrifuge_update(struct request *r, struct response *res)
{
    with_id_body(r, res, "no such centrifuge", schedule_centrifuge_update);
}

void
api_clinicians_list(struct request *r, struct response *res)
{
    listing(res, r, schedule_clinicians_list);
}

void
api_clinicians_create(struct request *r, struct response *res)
{
    with_body(r, res, MHD_HTTP_CREATED, schedule_clinician_create);
}

void
api_clinician_update(struct request *r, struct response *res)
{
    with_id_body(r, res, "no such clinician", schedule_clinician_update);
}

void
api_schedule_slots(struct request *r, struct response *res)
{
    struct schedule_slot_params p = {
        .from = request_query(r, "from"),
        .to = request_query(r, "to"),
        .duration = request_query(r, "duration"),
        .prep = request_query(r, "prep"),
        .room_kind = request_query(r, "room_kind"),
        .clinician = request_query(r, "clinician"),
        .patient = request_query(r, "patient"),
        .limit = request_query(r, "limit"),
        .course_item = request_query(r, "course_item"),
    };
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = schedule_slots(r->db, r->clinic, &p, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_appointments_create(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = schedule_book(r->db, r->clinic, r->protocols, &r->actor, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_appointment_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such appointment", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = schedule_appointment_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_patient_appointments(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = schedule_patient_appointments(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_appointment_move(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such appointment", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = schedule_move(r->db, r->clinic, r->protocols, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_appointment_status(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such appointment", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = schedule_set_status(r->db, r->protocols, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

void
api_schedule_day(struct request *r, struct response *res)
{
    struct schedule_view_params p = {request_query(r, "date"), request_query(r, "by"),
                                     request_query(r, "cancelled")};
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = schedule_day(r->db, &r->actor, &p, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_schedule_week(struct request *r, struct response *res)
{
    struct schedule_view_params p = {request_query(r, "start"), request_query(r, "by"),
                                     request_query(r, "cancelled")};
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = schedule_week(r->db, &r->actor, &p, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
