/* What the outcome report is printed from: the timeline, the patient's language and the first
 * and latest photographs of each view, read in one transaction and audited as one print. */
#include "clinic/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/photo.h"

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static void
append(json_t *arr, json_t *v, bool *ok)
{
    if (!arr || !v || json_array_append_new(arr, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

/* The first and the latest photo of each view, as the store lists them (by view, date, id). */
struct photo_scan {
    struct timeline_photo_pair pairs[64];
    size_t count[64];
    size_t n;
};

static int
collect_photo(void *ctx, const struct db_timeline_photo *ph)
{
    struct photo_scan *sc = ctx;
    size_t i = 0;
    while (i < sc->n && strcmp(sc->pairs[i].view, ph->view) != 0)
        i++;
    if (i == sc->n) {
        if (sc->n == sizeof(sc->pairs) / sizeof(sc->pairs[0]))
            return 0;
        sc->n++;
        snprintf(sc->pairs[i].view, sizeof(sc->pairs[i].view), "%s", ph->view);
        sc->pairs[i].first.id = ph->id;
        memcpy(sc->pairs[i].first.date, ph->date, sizeof(ph->date));
    }
    sc->pairs[i].latest.id = ph->id;
    memcpy(sc->pairs[i].latest.date, ph->date, sizeof(ph->date));
    sc->count[i]++;
    return 0;
}

static int
photo_pairs(struct db *db, const struct measures *m, int64_t patient_id, struct timeline_report *r,
            struct fail *f)
{
    struct photo_scan *sc = calloc(1, sizeof(*sc));
    char mime[16];
    int st;

    if (!sc)
        return nomem(f);
    if ((st = db_timeline_photos(db, patient_id, collect_photo, sc)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    /* In measures.json's order of views; a view it no longer has is not printed. */
    for (size_t v = 0; v < m->nviews && r->npairs < TIMELINE_MAX_PHOTO_PAIRS; v++) {
        for (size_t i = 0; i < sc->n; i++) {
            if (strcmp(sc->pairs[i].view, m->views[v].code) != 0 || sc->count[i] < 2)
                continue;
            struct timeline_photo_pair *pp = &r->pairs[r->npairs];
            *pp = sc->pairs[i];
            pp->first.bytes = pp->latest.bytes = NULL;
            pp->label_en = m->views[v].label_en;
            pp->label_ar = m->views[v].label_ar;
            r->npairs++;
            if ((st = photo_bytes_in_tx(db, pp->first.id, false, &pp->first.bytes, &pp->first.n,
                                        mime, f)) != ST_OK ||
                (st = photo_bytes_in_tx(db, pp->latest.id, false, &pp->latest.bytes, &pp->latest.n,
                                        mime, f)) != ST_OK)
                goto out;
        }
    }
    st = ST_OK;
out:
    free(sc);
    return st;
}

void
timeline_report_release(struct timeline_report *r)
{
    if (!r)
        return;
    json_decref(r->timeline);
    for (size_t i = 0; i < r->npairs; i++) {
        free(r->pairs[i].first.bytes);
        free(r->pairs[i].latest.bytes);
    }
    memset(r, 0, sizeof(*r));
}

int
timeline_report_gather(struct db *db, const struct protocols *p, const struct actor *a,
                       int64_t patient_id, int64_t course_id, const char *lang, bool with_photos,
                       struct timeline_report *out, struct fail *f)
{
    struct db_patient pt;
    char ids[24];
    int st;

    memset(out, 0, sizeof(*out));
    if (lang && *lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0)
        return fail_set(f, ST_INVALID, "lang", "invalid_query", "lang must be en or ar");
    if ((st = db_begin_read(db)) != ST_OK)
        return db_fail(db, st, f);
    st = db_patient_get(db, patient_id, &pt);
    if (st == ST_OK && pt.deleted) {
        db_patient_release(&pt);
        st = ST_NOT_FOUND;
    }
    if (st != ST_OK) {
        db_rollback(db);
        if (st == ST_NOT_FOUND)
            return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                            (long long)patient_id);
        return db_fail(db, st, f);
    }
    if (lang && *lang)
        snprintf(out->lang, sizeof(out->lang), "%s", lang);
    else
        snprintf(out->lang, sizeof(out->lang), "%s",
                 strcmp(pt.preferred_language, "ar") == 0 ? "ar" : "en");
    db_patient_release(&pt);
    st = timeline_build_in_tx(db, p, patient_id, course_id, &out->timeline, f);
    if (st == ST_OK && with_photos)
        st = photo_pairs(db, p->measures, patient_id, out, f);
    db_rollback(db);
    if (st != ST_OK) {
        timeline_report_release(out);
        return st;
    }

    /* The report shows these pictures: the audit names each one, as a view of it would. */
    json_t *course = json_object_get(out->timeline, "course");
    json_t *photo_ids = json_array();
    bool ok = photo_ids != NULL;
    for (size_t i = 0; ok && i < out->npairs; i++) {
        append(photo_ids, json_integer(out->pairs[i].first.id), &ok);
        append(photo_ids, json_integer(out->pairs[i].latest.id), &ok);
    }
    json_t *detail =
        ok ? json_pack("{s:O, s:s, s:o}", "course_id",
                       json_is_object(course) ? json_object_get(course, "id") : json_null(), "lang",
                       out->lang, "photo_ids", photo_ids)
           : NULL;
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (!ok)
        json_decref(photo_ids);
    if (!text) {
        timeline_report_release(out);
        return nomem(f);
    }
    clinical_id_str(patient_id, ids);
    audit_read_detail(a, "outcome_report.print", "patient", ids, text);
    free(text);
    return ST_OK;
}
