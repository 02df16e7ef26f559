/* The specimen endpoints: making specimens and recording their chain of custody, their labels
 * and the patient's wristband as PDF, and the identity check at the chair. */
#include <stdlib.h>
#include <string.h>

#include "clinic/identity_check.h"
#include "clinic/reminders.h"
#include "clinic/specimen.h"
#include "docs/labels.h"
#include "http/router.h"

/* A label is a few kilobytes; a page per specimen of a procedure stays far below this. */
#define LABELS_PDF_MAX_BYTES (8u << 20)

void
api_specimens_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = specimen_create(r->db, &r->actor, r->specimen_hours, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
    json_decref(body);
}

void
api_specimens_list(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = specimen_list(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_specimen_get(struct request *r, struct response *res)
{
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = specimen_read(r->db, &r->actor, r->params[0], &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_specimen_event(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = specimen_add_event(r->db, &r->actor, r->params[0], body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}

/* ---- PDFs ---- */

/* Answers with the PDF in `pdf` (taking its bytes), or with the failure. */
static void
respond_pdf(struct response *res, int st, struct buf *pdf, const struct fail *f)
{
    if (st != ST_OK) {
        buf_release(pdf);
        respond_fail(res, f);
        return;
    }
    size_t len = pdf->len;
    char *body = buf_detach(pdf);
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

static int
render_labels(void *ctx, const struct specimen_label *items, size_t n, struct fail *f)
{
    struct label_specimen *l = calloc(n ? n : 1, sizeof(*l));
    if (!l)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    for (size_t i = 0; i < n; i++)
        l[i] = (struct label_specimen){
            .specimen_id = items[i].specimen_id,
            .name_en = items[i].name_en,
            .name_ar = items[i].name_ar,
            .mrn = items[i].mrn,
            .date_of_birth = items[i].date_of_birth,
            .collected_local = items[i].collected_local,
            .kind_en = items[i].kind_en,
            .expires_local = items[i].expires_local,
        };
    int st = labels_specimens_pdf(l, n, ctx, f);
    free(l);
    return st;
}

static void
labels(struct request *r, struct response *res, int64_t procedure_id, const char *specimen_id)
{
    struct fail f;
    struct buf pdf;
    fail_clear(&f);
    buf_init(&pdf, LABELS_PDF_MAX_BYTES);
    int st =
        specimen_print_labels(r->db, &r->actor, procedure_id, specimen_id, render_labels, &pdf, &f);
    respond_pdf(res, st, &pdf, &f);
}

void
api_specimen_label_pdf(struct request *r, struct response *res)
{
    labels(r, res, 0, r->params[0]);
}

void
api_procedure_labels_pdf(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    labels(r, res, id, NULL);
}

static int
render_wristband(void *ctx, const struct specimen_wristband *w, struct fail *f)
{
    struct label_wristband band = {
        .mrn = w->mrn,
        .name_en = w->name_en,
        .name_ar = w->name_ar,
        .date_of_birth = w->date_of_birth,
        .clinic_name = reminders_clinic_name(),
    };
    return labels_wristband_pdf(&band, ctx, f);
}

void
api_patient_wristband_pdf(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    struct fail f;
    struct buf pdf;
    fail_clear(&f);
    buf_init(&pdf, LABELS_PDF_MAX_BYTES);
    int st = specimen_print_wristband(r->db, &r->actor, id, render_wristband, &pdf, &f);
    respond_pdf(res, st, &pdf, &f);
}

/* ---- the identity check ---- */

void
api_identity_checks_create(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = identity_check_run(r->db, &r->actor, id, body, &out, &f);
    json_decref(body);
    if (st == ST_CONFLICT && out) {
        /* A failed check: the error, and beside it the check as it was stored. */
        json_t *err =
            json_pack("{s:s, s:s, s:s}", "code", f.code, "message", f.message, "field", f.field);
        if (!err || json_object_set_new(out, "error", err) != 0) {
            json_decref(out);
            respond_fail(res, &f);
            return;
        }
        respond_json(res, MHD_HTTP_CONFLICT, out);
        return;
    }
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
}

void
api_identity_checks_list(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such procedure", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = identity_check_list(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}
