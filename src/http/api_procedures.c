/* The procedure endpoints: starting a procedure at the chair, reading it, saving its documents,
 * the aftercare sheet, completing and abandoning it. */
#include <stdlib.h>
#include <string.h>

#include "clinic/procedure.h"
#include "clinic/reminders.h"
#include "docs/aftercare_pdf.h"
#include "http/router.h"

/* An aftercare sheet is tens of kilobytes; a cap keeps a runaway document from the memory. */
#define AFTERCARE_PDF_MAX_BYTES (8u << 20)

typedef int (*body_fn)(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                       json_t *body, json_t **out, struct fail *f);

typedef int (*read_fn)(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                       json_t **out, struct fail *f);

/* A read of the procedure (appointment, patient) of the path's id. */
static void
with_id(struct request *r, struct response *res, const char *missing, read_fn fn)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, missing, &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = fn(r->db, r->protocols, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

/* A write on the procedure (or appointment) of the path's id with a JSON body. */
static void
with_body(struct request *r, struct response *res, const char *missing, int ok_status, body_fn fn)
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
    with_id(r, res, "no such procedure", procedure_read);
}

void
api_appointment_procedure(struct request *r, struct response *res)
{
    with_id(r, res, "no such appointment", procedure_read_by_appointment);
}

void
api_patient_procedures(struct request *r, struct response *res)
{
    with_id(r, res, "no such patient", procedure_list);
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

/* The strings of a JSON array of strings, borrowed from it; the count in *n. */
static int
strings_of(const json_t *arr, const char **v, size_t cap, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (*n == cap)
            return ST_TOO_BIG;
        v[(*n)++] = json_string_value(json_array_get(arr, i));
    }
    return ST_OK;
}

void
api_procedure_aftercare_pdf(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    const char *lang = request_query(r, "lang");
    if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "lang", "lang must be en or ar");
        return;
    }
    const char *items[AFTERCARE_PDF_MAX_ITEMS], *effects[AFTERCARE_PDF_MAX_ITEMS];
    struct aftercare_sheet s = {0};
    struct fail f;
    struct buf pdf;
    json_t *sheet = NULL;
    fail_clear(&f);
    buf_init(&pdf, AFTERCARE_PDF_MAX_BYTES);
    int st = procedure_aftercare_sheet(r->db, r->protocols, &r->actor, id, lang, &sheet, &f);
    if (st == ST_OK) {
        s.lang = json_string_value(json_object_get(sheet, "lang"));
        s.clinic_name = reminders_clinic_name();
        s.patient_name = json_string_value(json_object_get(sheet, "patient_name"));
        s.mrn = json_string_value(json_object_get(sheet, "mrn"));
        s.treatment_label = json_string_value(json_object_get(sheet, "treatment_label"));
        s.date = json_string_value(json_object_get(sheet, "date"));
        s.items = items;
        s.side_effects = effects;
        if (strings_of(json_object_get(sheet, "items"), items, AFTERCARE_PDF_MAX_ITEMS,
                       &s.n_items) != ST_OK ||
            strings_of(json_object_get(sheet, "side_effects"), effects, AFTERCARE_PDF_MAX_ITEMS,
                       &s.n_side_effects) != ST_OK)
            st = fail_set(&f, ST_TOO_BIG, "", "too_long",
                          "the protocol lists more aftercare items than one sheet holds");
    }
    if (st == ST_OK)
        st = aftercare_pdf(&s, &pdf, &f);
    json_decref(sheet);
    if (st != ST_OK) {
        buf_release(&pdf);
        respond_fail(res, &f);
        return;
    }
    size_t len = pdf.len;
    char *body = buf_detach(&pdf);
    if (!body) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL, "out of memory");
        return;
    }
    free(res->body);
    res->status = MHD_HTTP_OK;
    res->content_type = "application/pdf";
    res->len = len;
    res->body = body;
}

/* What the preparation designer's panel starts from (docs/api.md, "PRP preparation designer"). */
void
api_procedure_prp_request(struct request *r, struct response *res)
{
    with_id(r, res, "no such procedure", procedure_prp_request);
}
