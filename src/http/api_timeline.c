/* The timeline endpoint and the outcome report PDF of a patient. */
#include <stdlib.h>
#include <string.h>

#include "clinic/reminders.h"
#include "clinic/role.h"
#include "clinic/timeline.h"
#include "core/clinic_tz.h"
#include "docs/outcome_pdf.h"
#include "http/router.h"

/* The course asked for with ?course_id= (0: the default course); false when answered. */
static bool
course_query(struct request *r, struct response *res, int64_t *course_id)
{
    if (!request_query_int(r, res, "course_id", 0, course_id))
        return false;
    if (*course_id < 0) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "course_id",
                      "course_id must be a course id");
        return false;
    }
    return true;
}

void
api_timeline_get(struct request *r, struct response *res)
{
    int64_t id, course_id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id) || !course_query(r, res, &course_id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = timeline_read(r->db, r->protocols, &r->actor, id, course_id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

int
api_outcome_report_render(const struct timeline_report *rep, const char *clinic_name,
                          const char *date, struct buf *out, struct fail *f)
{
    struct outcome_pdf_pair pairs[TIMELINE_MAX_PHOTO_PAIRS];
    bool ar = strcmp(rep->lang, "ar") == 0;

    for (size_t i = 0; i < rep->npairs; i++) {
        const struct timeline_photo_pair *p = &rep->pairs[i];
        pairs[i] = (struct outcome_pdf_pair){
            .label = ar ? p->label_ar : p->label_en,
            .first = {p->first.date, p->first.bytes, p->first.n},
            .latest = {p->latest.date, p->latest.bytes, p->latest.n},
        };
    }
    struct outcome_pdf_input in = {
        .lang = rep->lang,
        .clinic_name = clinic_name,
        .date = date,
        .timeline = rep->timeline,
        .pairs = pairs,
        .npairs = rep->npairs,
    };
    return outcome_pdf(&in, out, NULL, f);
}

void
api_outcome_report_pdf(struct request *r, struct response *res)
{
    int64_t id, course_id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id) || !course_query(r, res, &course_id))
        return;
    const char *lang = request_query(r, "lang");
    if (lang && *lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0) {
        respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "lang", "lang must be en or ar");
        return;
    }
    struct timeline_report rep;
    struct fail f;
    struct buf pdf;
    fail_clear(&f);
    buf_init(&pdf, OUTCOME_PDF_MAX_BYTES);
    /* The report shows photographs only to those who may see them. */
    bool photos = permission_allows(r->actor.roles, PERM_PHOTO_READ);
    int st = timeline_report_gather(r->db, r->protocols, &r->actor, id, course_id, lang, photos,
                                    &rep, &f);
    if (st == ST_OK) {
        struct date today;
        char date[11];
        clinic_tz_today(&today);
        date_format(&today, date);
        st = api_outcome_report_render(&rep, reminders_clinic_name(), date, &pdf, &f);
        timeline_report_release(&rep);
    }
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
