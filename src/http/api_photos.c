/* The photo endpoints: upload of the raw file, a patient's photos by view, one photo, its
 * picture and thumbnail (each answer audited as a view of the record), voiding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/photo.h"
#include "http/router.h"

#define HTTP_UNSUPPORTED_MEDIA_TYPE 415

void
api_photos_upload(struct request *r, struct response *res)
{
    int64_t id, course_id = 0;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    if (r->body_too_big) {
        respond_error(res, MHD_HTTP_CONTENT_TOO_LARGE, "too_big", "content",
                      "the photo is larger than 12 MiB");
        return;
    }
    if (!request_query_int(r, res, "course_id", 0, &course_id))
        return;
    struct photo_upload u = {
        .patient_id = id,
        .view = request_query(r, "view"),
        .date = request_query(r, "date"),
        .course_id = course_id,
        .name = request_query(r, "name"),
        .notes = request_query(r, "notes"),
        .bytes = (const unsigned char *)r->body.data,
        .n = r->body.len,
        .content_type = request_header(r, "Content-Type"),
    };
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = photo_upload(r->db, &r->actor, r->protocols->measures, &u, &out, &f);
    if (st != ST_OK && strcmp(f.code, "unsupported_media_type") == 0) {
        respond_error(res, HTTP_UNSUPPORTED_MEDIA_TYPE, f.code, f.field, f.message);
        return;
    }
    respond_result(res, st, MHD_HTTP_CREATED, out, &f);
}

void
api_photos_list(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such patient", &id))
        return;
    const char *inc = request_query(r, "include_voided");
    bool include_voided = false;
    if (inc && *inc) {
        if (strcmp(inc, "1") == 0 || strcmp(inc, "true") == 0) {
            include_voided = true;
        } else if (strcmp(inc, "0") != 0 && strcmp(inc, "false") != 0) {
            respond_error(res, MHD_HTTP_BAD_REQUEST, "invalid_query", "include_voided",
                          "include_voided must be 1 or 0");
            return;
        }
    }
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = photo_list(r->db, &r->actor, r->protocols->measures, id, request_query(r, "view"),
                        include_voided, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

void
api_photo_get(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such photo", &id))
        return;
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    int st = photo_read(r->db, &r->actor, id, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
}

/* The picture or its thumbnail, shown in the page (inline) under a name that says whose it is. */
static void
send_picture(struct request *r, struct response *res, bool thumb)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such photo", &id))
        return;
    unsigned char *data = NULL;
    size_t n = 0;
    char mime[16], name[96], disposition[160];
    struct fail f;
    fail_clear(&f);
    if (photo_view(r->db, &r->actor, id, thumb, &data, &n, mime, name, &f) != ST_OK) {
        respond_fail(res, &f);
        return;
    }
    /* The name is made of the MRN, a view code and a date; anything else would break the
     * header's quoting, so it is left out. */
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    snprintf(disposition, sizeof(disposition), "inline; filename=\"%s\"", name);
    respond_bytes(res, MHD_HTTP_OK, strcmp(mime, "image/png") == 0 ? "image/png" : "image/jpeg",
                  data, n, disposition);
}

void
api_photo_image(struct request *r, struct response *res)
{
    send_picture(r, res, false);
}

void
api_photo_thumb(struct request *r, struct response *res)
{
    send_picture(r, res, true);
}

void
api_photo_void(struct request *r, struct response *res)
{
    int64_t id;
    if (!request_id_or_404(r, res, 0, "no such photo", &id))
        return;
    json_t *body = request_json(r, res), *out = NULL;
    if (!body)
        return;
    struct fail f;
    fail_clear(&f);
    int st = photo_void(r->db, &r->actor, id, body, &out, &f);
    respond_result(res, st, MHD_HTTP_OK, out, &f);
    json_decref(body);
}
