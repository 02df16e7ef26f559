/* Photographs of patients: an upload checked and cleaned (core/image.h) before the transaction,
 * then stored once per hash with its thumbnail; lists by view, reads, views of the bytes (each
 * audited with the size shown) and voiding. */
#include "clinic/photo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clinic/clinical.h"
#include "clinic/measures.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/image.h"
#include "core/jsonin.h"
#include "core/text.h"

#define REASON_MIN 10
#define REASON_MAX 1000

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static int
not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "photo %lld does not exist", (long long)id);
}

static json_t *
str_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
    return json_string(s);
}

static json_t *
local_json(int64_t ms)
{
    char s[17];
    clinic_tz_format_local(ms, s);
    return json_string(s);
}

/* Sets o[key] = v (taking the reference); clears *ok when either is missing. */
static void
put(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

/* ---- the API form ---- */

static json_t *
photo_json(struct db *db, const struct db_photo *p)
{
    char url[64];
    json_t *o = json_object();
    bool ok = true;
    put(o, "id", json_integer(p->id), &ok);
    put(o, "patient_id", json_integer(p->patient_id), &ok);
    put(o, "view", json_string(p->view), &ok);
    put(o, "date", json_string(p->date), &ok);
    put(o, "course_id", p->course_id > 0 ? json_integer(p->course_id) : json_null(), &ok);
    put(o, "sha256", json_string(p->sha256), &ok);
    put(o, "mime", json_string(p->mime), &ok);
    put(o, "width", json_integer(p->width), &ok);
    put(o, "height", json_integer(p->height), &ok);
    put(o, "bytes", json_integer(p->bytes), &ok);
    put(o, "original_name", str_or_null(p->original_name), &ok);
    put(o, "notes", str_or_null(p->notes), &ok);
    put(o, "uploaded_at", time_json(p->uploaded_ms), &ok);
    put(o, "uploaded_local", local_json(p->uploaded_ms), &ok);
    put(o, "uploaded_by", clinical_user_json(db, p->uploaded_by), &ok);
    if (p->voided_ms) {
        json_t *v = json_object();
        put(v, "at", time_json(p->voided_ms), &ok);
        put(v, "local", local_json(p->voided_ms), &ok);
        put(v, "by", clinical_user_json(db, p->voided_by), &ok);
        put(v, "reason", str_or_null(p->void_reason), &ok);
        put(o, "voided", v, &ok);
    } else {
        put(o, "voided", json_null(), &ok);
    }
    snprintf(url, sizeof(url), "/api/v1/photos/%lld/image", (long long)p->id);
    put(o, "image_url", json_string(url), &ok);
    snprintf(url, sizeof(url), "/api/v1/photos/%lld/thumb", (long long)p->id);
    put(o, "thumb_url", json_string(url), &ok);
    put(o, "thumb_width", json_integer(p->thumb_width), &ok);
    put(o, "thumb_height", json_integer(p->thumb_height), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The photo `id` unless missing or its patient deleted, inside the caller's transaction. */
static int
get_visible(struct db *db, int64_t id, struct db_photo *p, struct fail *f)
{
    int st = db_photo_get(db, id, p);
    if (st == ST_NOT_FOUND || (st == ST_OK && p->patient_deleted)) {
        db_photo_release(p);
        return not_found(id, f);
    }
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* ---- checks of an upload ---- */

/* A view code as the store keeps it: lower-case letters, digits, underscores. */
static bool
code_like(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= sizeof(((struct db_photo *)0)->view))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

static int
check_view(const struct measures *m, const char *view, struct fail *f)
{
    if (!view || !view[0])
        return fail_set(f, ST_INVALID, "view", "required", "view names the standard view");
    bool known = m ? measures_view_find(m, view) != NULL : code_like(view);
    if (!known)
        return fail_set(f, ST_INVALID, "view", "invalid_value",
                        "view is not one of the standard photo views");
    return ST_OK;
}

/* The date of the picture: a real day, not after the clinic's today (its day against the date of
 * birth is checked once the patient is read). */
static int
check_date(const char *s, struct date *d, struct fail *f)
{
    struct date today;
    if (!s || !s[0])
        return fail_set(f, ST_INVALID, "date", "required", "date says when the photo was taken");
    if (strlen(s) != 10 || date_parse(s, d) != ST_OK)
        return fail_set(f, ST_INVALID, "date", "invalid_date",
                        "date is not a date such as 2026-08-01");
    clinic_tz_today(&today);
    if (date_compare(d, &today) > 0)
        return fail_set(f, ST_INVALID, "date", "future_date",
                        "date %s is after today in the clinic", s);
    return ST_OK;
}

/* An optional text of the query string: valid UTF-8, trimmed, at most max code points. *out is a
 * copy (NULL when absent or empty). */
static int
check_text(const char *field, const char *s, size_t max, char **out, struct fail *f)
{
    *out = NULL;
    if (!s)
        return ST_OK;
    size_t n = strlen(s);
    const char *t = text_trim(s, &n);
    if (n == 0)
        return ST_OK;
    if (!text_valid_utf8(t, n))
        return fail_set(f, ST_INVALID, field, "invalid_utf8", "%s holds bytes that are not text",
                        field);
    if (text_codepoints(t, n) > max)
        return fail_set(f, ST_INVALID, field, "too_long", "%s is longer than %zu characters", field,
                        max);
    if (!(*out = strndup(t, n)))
        return nomem(f);
    return ST_OK;
}

/* The declared type of the body: JPEG or PNG (parameters after ';' ignored), else 0. */
static enum image_type
declared_type(const char *content_type)
{
    if (!content_type)
        return 0;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    if (n == 10 && !strncasecmp(content_type, "image/jpeg", 10))
        return IMAGE_JPEG;
    if (n == 9 && !strncasecmp(content_type, "image/png", 9))
        return IMAGE_PNG;
    return 0;
}

/* What an upload becomes before the database sees it. */
struct prepared {
    unsigned char *clean, *thumb;
    size_t clean_n, thumb_n;
    struct image_info info;
    int thumb_w, thumb_h;
    char sha256[CRYPTO_HEX_SHA256];
    struct date date;
    char *name, *notes;
};

static void
prepared_release(struct prepared *p)
{
    free(p->clean);
    free(p->thumb);
    free(p->name);
    free(p->notes);
    memset(p, 0, sizeof(*p));
}

/* Every check that needs no database, and the work on the bytes: done before the write
 * transaction so that decoding a large picture never holds the clinic's writer. */
static int
prepare(const struct measures *m, bool check_views, const struct photo_upload *u,
        struct prepared *p, struct fail *f)
{
    memset(p, 0, sizeof(*p));
    int st = check_views ? check_view(m, u->view, f) : check_view(NULL, u->view, f);
    if (st == ST_OK)
        st = check_date(u->date, &p->date, f);
    if (st == ST_OK && u->course_id < 0)
        st = fail_set(f, ST_INVALID, "course_id", "invalid_value", "course_id is not a course");
    if (st == ST_OK)
        st = check_text("name", u->name, PHOTO_NAME_MAX, &p->name, f);
    if (st == ST_OK)
        st = check_text("notes", u->notes, PHOTO_NOTES_MAX, &p->notes, f);
    if (st != ST_OK)
        goto out;
    enum image_type declared = declared_type(u->content_type);
    if (!declared) {
        st = fail_set(f, ST_INVALID, "content_type", "unsupported_media_type",
                      "a photo is sent as image/jpeg or image/png");
        goto out;
    }
    enum image_type sniffed = image_sniff(u->bytes, u->n);
    if (sniffed && sniffed != declared) {
        st = fail_set(f, ST_INVALID, "content", "invalid_value",
                      "the file is a %s but was sent as %s", image_mime(sniffed),
                      image_mime(declared));
        goto out;
    }
    st = image_clean(u->bytes, u->n, &p->clean, &p->clean_n, &p->info, f);
    if (st != ST_OK)
        goto out;
    crypto_sha256_hex(p->clean, p->clean_n, p->sha256);
    st = image_thumbnail(p->clean, p->clean_n, PHOTO_THUMB_SIDE, &p->thumb, &p->thumb_n,
                         &p->thumb_w, &p->thumb_h, f);
out:
    if (st != ST_OK)
        prepared_release(p);
    return st;
}

/* The patient's side of the checks, inside the write transaction: on the register, the date not
 * before the birth, the course theirs, the picture not already on file. */
static int
check_patient(struct db *db, const struct photo_upload *u, const struct prepared *p, struct fail *f)
{
    struct db_patient pt;
    struct date dob;
    int st = clinical_patient_visible(db, u->patient_id, f);
    if (st != ST_OK)
        return st;
    st = db_patient_get(db, u->patient_id, &pt);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (pt.date_of_birth[0] && date_parse(pt.date_of_birth, &dob) == ST_OK &&
        date_compare(&p->date, &dob) < 0)
        st = fail_set(f, ST_INVALID, "date", "invalid_date",
                      "date %s is before the patient's date of birth (%s)", u->date,
                      pt.date_of_birth);
    db_patient_release(&pt);
    if (st != ST_OK)
        return st;
    if (u->course_id > 0) {
        struct db_course c;
        st = db_course_get(db, u->course_id, &c);
        bool theirs = st == ST_OK && c.patient_id == u->patient_id;
        db_course_release(&c);
        if (st != ST_OK && st != ST_NOT_FOUND)
            return db_fail(db, st, f);
        if (!theirs)
            return fail_set(f, ST_INVALID, "course_id", "invalid_value",
                            "course %lld is not a course of this patient", (long long)u->course_id);
    }
    int64_t same = 0;
    st = db_photo_same_bytes(db, u->patient_id, p->sha256, &same);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (same)
        return fail_set(f, ST_CONFLICT, "content", "duplicate_photo",
                        "this picture is already on file for the patient as photo %lld",
                        (long long)same);
    return ST_OK;
}

static int
create(struct db *db, const struct actor *a, const struct measures *m, bool check_views,
       const struct photo_upload *u, json_t **out, struct fail *f)
{
    struct prepared p;
    struct db_photo ph, stored;
    char ids[24], detail[64];

    *out = NULL;
    memset(&ph, 0, sizeof(ph));
    memset(&stored, 0, sizeof(stored));
    int st = prepare(m, check_views, u, &p, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = check_patient(db, u, &p, f);
    if (st != ST_OK)
        goto out;
    struct db_photo_file pf = {
        .width = p.info.width,
        .height = p.info.height,
        .data = p.clean,
        .data_n = p.clean_n,
        .thumb = p.thumb,
        .thumb_n = p.thumb_n,
        .thumb_width = p.thumb_w,
        .thumb_height = p.thumb_h,
    };
    memcpy(pf.sha256, p.sha256, sizeof(pf.sha256));
    snprintf(pf.mime, sizeof(pf.mime), "%s", image_mime(p.info.type));
    ph.patient_id = u->patient_id;
    snprintf(ph.view, sizeof(ph.view), "%s", u->view);
    date_format(&p.date, ph.date);
    ph.course_id = u->course_id;
    memcpy(ph.sha256, p.sha256, sizeof(ph.sha256));
    ph.original_name = p.name;
    ph.notes = p.notes;
    ph.uploaded_ms = time_now_ms();
    ph.uploaded_by = a->user_id;
    st = db_photo_file_put(db, &pf);
    if (st == ST_OK)
        st = db_photo_insert(db, &ph);
    /* The strings stay p's to free. */
    ph.original_name = ph.notes = NULL;
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    clinical_id_str(ph.id, ids);
    snprintf(detail, sizeof(detail), "{\"patient_id\":%lld}", (long long)u->patient_id);
    st = audit_write_detail(db, a, "photo.upload", "photo", ids, detail);
    if (st == ST_OK)
        st = db_photo_get(db, ph.id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (!(*out = photo_json(db, &stored))) {
        st = nomem(f);
        goto out;
    }
    st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_photo_release(&stored);
    prepared_release(&p);
    return st;
}

int
photo_upload(struct db *db, const struct actor *a, const struct measures *m,
             const struct photo_upload *u, json_t **out, struct fail *f)
{
    return create(db, a, m, true, u, out, f);
}

int
photo_create(struct db *db, const struct actor *a, int64_t patient_id, const char *view,
             const char *date, int64_t course_id, const char *name, const unsigned char *bytes,
             size_t n, const char *content_type, json_t **out, struct fail *f)
{
    struct photo_upload u = {
        .patient_id = patient_id,
        .view = view,
        .date = date,
        .course_id = course_id,
        .name = name,
        .bytes = bytes,
        .n = n,
        .content_type = content_type,
    };
    return create(db, a, NULL, false, &u, out, f);
}

/* ---- lists ---- */

struct list_ctx {
    struct db *db;
    const struct measures *m;
    json_t *photos;
    size_t *rank; /* the view's place in measures.json, per photo */
    size_t n, cap;
};

static size_t
view_rank(const struct measures *m, const char *view)
{
    for (size_t i = 0; m && i < m->nviews; i++)
        if (!strcmp(m->views[i].code, view))
            return i;
    return m ? m->nviews : 0;
}

static int
list_photo(void *ctx, const struct db_photo *p)
{
    struct list_ctx *lc = ctx;
    if (lc->n == lc->cap) {
        size_t cap = lc->cap ? lc->cap * 2 : 16;
        size_t *r = realloc(lc->rank, cap * sizeof(*r));
        if (!r)
            return ST_NOMEM;
        lc->rank = r;
        lc->cap = cap;
    }
    json_t *o = photo_json(lc->db, p);
    if (!o || json_array_append_new(lc->photos, o) != 0)
        return ST_NOMEM;
    lc->rank[lc->n++] = view_rank(lc->m, p->view);
    return 0;
}

int
photo_list(struct db *db, const struct actor *a, const struct measures *m, int64_t patient_id,
           const char *view, bool include_voided, json_t **out, struct fail *f)
{
    struct list_ctx lc = {.db = db, .m = m, .photos = json_array()};
    json_t *sorted = NULL;
    char ids[24];

    *out = NULL;
    if (!lc.photos)
        return nomem(f);
    int st = ST_OK;
    if (view && view[0] && !(m ? measures_view_find(m, view) != NULL : code_like(view))) {
        st = fail_set(f, ST_INVALID, "view", "invalid_query",
                      "view is not one of the standard photo views");
        goto out;
    }
    st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK &&
        (st = db_photo_of_patient(db, patient_id, view, include_voided, list_photo, &lc)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    /* The store gives them by view code, date, id: regrouped in measures.json's order of views
     * (front, top, crown...), keeping date order within a view. */
    if (!(sorted = json_array())) {
        st = nomem(f);
        goto out;
    }
    size_t views = m ? m->nviews + 1 : 1;
    for (size_t r = 0; r < views; r++)
        for (size_t i = 0; i < lc.n; i++)
            if (lc.rank[i] == r && json_array_append(sorted, json_array_get(lc.photos, i)) != 0) {
                st = nomem(f);
                goto out;
            }
    *out = json_pack("{s:O}", "photos", sorted);
    if (!*out) {
        st = nomem(f);
        goto out;
    }
    clinical_id_str(patient_id, ids);
    audit_read(a, "photo.list", "patient", ids);
out:
    json_decref(sorted);
    json_decref(lc.photos);
    free(lc.rank);
    return st;
}

/* ---- one photo ---- */

int
photo_read(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    struct db_photo p;
    char ids[24], detail[64];

    *out = NULL;
    memset(&p, 0, sizeof(p));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = get_visible(db, id, &p, f);
    if (st == ST_OK && !(*out = photo_json(db, &p)))
        st = nomem(f);
    db_rollback(db);
    if (st == ST_OK) {
        clinical_id_str(id, ids);
        snprintf(detail, sizeof(detail), "{\"patient_id\":%lld}", (long long)p.patient_id);
        audit_read_detail(a, "photo.read", "photo", ids, detail);
    }
    db_photo_release(&p);
    return st;
}

int
photo_bytes_in_tx(struct db *db, int64_t id, bool thumb, unsigned char **data, size_t *n,
                  char mime[16], struct fail *f)
{
    int st = db_photo_bytes(db, id, thumb, data, n, mime);
    if (st == ST_NOT_FOUND)
        return not_found(id, f);
    if (st == ST_NOMEM)
        return nomem(f);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
photo_view(struct db *db, const struct actor *a, int64_t id, bool thumb, unsigned char **data,
           size_t *n, char mime[16], char filename[96], struct fail *f)
{
    struct db_photo p;
    char ids[24], detail[80];

    *data = NULL;
    *n = 0;
    mime[0] = filename[0] = '\0';
    memset(&p, 0, sizeof(p));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = get_visible(db, id, &p, f);
    if (st == ST_OK)
        st = photo_bytes_in_tx(db, id, thumb, data, n, mime, f);
    db_rollback(db);
    if (st == ST_OK) {
        /* MRN, view and date: a saved copy says whose it is without opening it. */
        snprintf(filename, 96, "%s-%s-%s.%s", p.mrn, p.view, p.date,
                 !strcmp(mime, "image/png") ? "png" : "jpg");
        clinical_id_str(id, ids);
        snprintf(detail, sizeof(detail), "{\"patient_id\":%lld,\"size\":\"%s\"}",
                 (long long)p.patient_id, thumb ? "thumb" : "full");
        audit_read_detail(a, "photo.view", "photo", ids, detail);
    } else {
        free(*data);
        *data = NULL;
        *n = 0;
    }
    db_photo_release(&p);
    return st;
}

int
photo_void(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
           struct fail *f)
{
    static const char *const fields[] = {"reason", NULL};
    struct db_photo p;
    char *reason = NULL;
    char ids[24], detail[64];

    *out = NULL;
    memset(&p, 0, sizeof(p));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", REASON_MAX, true, &reason, f);
    if (st == ST_OK && text_codepoints(reason, strlen(reason)) < REASON_MIN)
        st = fail_set(f, ST_INVALID, "reason", "too_short",
                      "the reason must say why in at least %d characters", REASON_MIN);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = get_visible(db, id, &p, f);
    if (st != ST_OK)
        goto out;
    st = db_photo_void(db, id, time_now_ms(), a->user_id, reason);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "", "invalid_transition", "photo %lld is already voided",
                      (long long)id);
        goto out;
    }
    clinical_id_str(id, ids);
    snprintf(detail, sizeof(detail), "{\"patient_id\":%lld}", (long long)p.patient_id);
    if (st == ST_OK)
        st = audit_write_detail(db, a, "photo.void", "photo", ids, detail);
    db_photo_release(&p);
    if (st == ST_OK)
        st = db_photo_get(db, id, &p);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (!(*out = photo_json(db, &p))) {
        st = nomem(f);
        goto out;
    }
    st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_photo_release(&p);
    free(reason);
    return st;
}
