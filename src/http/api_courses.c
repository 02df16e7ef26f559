/* The course endpoints: prescribing a protocol to a patient, reading courses with their items
 * and quotes, and changing a course's status. */
#include <stdlib.h>
#include <string.h>

#include "clinic/course.h"
#include "clinic/reminders.h"
#include "clinic/schedule.h"
#include "docs/quote_pdf.h"
#include "http/router.h"

/* A quote's PDF is tens of kilobytes; a cap keeps a runaway document from the memory. */
#define QUOTE_PDF_MAX_BYTES (8u << 20)

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
    int st = course_set_status(r->db, &r->actor, id, body, schedule_end_course, r->protocols, &out,
                               &f);
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

void
api_course_quote_pdf(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such course", &id))
        return;
    const char *lang = request_query(r, "lang");
    if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "lang", "lang must be en or ar");
        return;
    }
    struct fail f;
    fail_clear(&f);
    json_t *quote = NULL;
    struct buf pdf;
    buf_init(&pdf, QUOTE_PDF_MAX_BYTES);
    int st = course_quote(r->db, &r->actor, id, &quote, &f);
    if (st == ST_OK)
        st = quote_pdf_render(quote, lang ? lang : "en", reminders_clinic_name(), &pdf, &f);
    json_decref(quote);
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
