/* The medical history: validation against the clinic's coded lists, the computed BMI,
 * versions with change lists, and the drug search that fills a medication. */
#include "clinic/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/docdiff.h"
#include "clinic/docin.h"
#include "core/date.h"
#include "core/jsonin.h"

#define NOTE_MAX 500
#define TEXT_MAX 200
#define OTHER_CONDITIONS_MAX 4000
#define CODE_MAX 64
/* A last dose may be dated up to this long before midnight UTC of the day the medicine was
 * started: that day began earlier in the easternmost time zone (UTC+14). */
#define START_DAY_SLACK_MS (14LL * 3600 * 1000)

static const char *const smoking[] = {"never", "former", "current", NULL};

/* Sets d[key] to v (taking it); a NULL v or a failed set is out of memory. */
static int
put(json_t *d, const char *key, json_t *v)
{
    if (!v)
        return ST_NOMEM;
    return json_object_set_new(d, key, v) == 0 ? ST_OK : ST_NOMEM;
}

/* Reads obj[key] with one docin reader and stores it in d[key]. */
#define READ(call, d, key)                                                                         \
    do {                                                                                           \
        json_t *v_ = NULL;                                                                         \
        st = (call);                                                                               \
        if (st == ST_OK)                                                                           \
            st = put((d), (key), v_);                                                              \
    } while (0)

static int
parse_condition(const struct screening_list *codes, json_t *in, const char *path, json_t *seen,
                json_t **out, struct fail *f)
{
    static const char *const fields[] = {"code", "active", "note", NULL};
    *out = NULL;
    int st = docin_only_fields(in, path, fields, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    READ(docin_text(in, path, "code", CODE_MAX, true, &v_, f), o, "code");
    const char *code = json_string_value(json_object_get(o, "code"));
    char cpath[DOCIN_PATH_MAX];
    docin_path(cpath, path, "code");
    if (st == ST_OK && screening_list_find(codes, code) < 0)
        st = fail_set(f, ST_INVALID, cpath, "invalid_value",
                      "field '%s': '%s' is not a condition of the catalogue", cpath, code);
    if (st == ST_OK && json_object_get(seen, code))
        st = fail_set(f, ST_INVALID, cpath, "duplicate",
                      "field '%s': condition '%s' is listed twice", cpath, code);
    if (st == ST_OK && json_object_set(seen, code, json_true()) != 0)
        st = ST_NOMEM;
    if (st == ST_OK)
        READ(docin_bool(in, path, "active", true, &v_, f), o, "active");
    if (st == ST_OK)
        READ(docin_text(in, path, "note", NOTE_MAX, false, &v_, f), o, "note");
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

static int
parse_medication(const struct drugs *drugs, const char *const *classes, json_t *in,
                 const char *path, int64_t now_ms, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"drug",       "name",    "class",        "dose",
                                         "started_on", "ongoing", "last_dose_at", NULL};
    *out = NULL;
    int st = docin_only_fields(in, path, fields, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    READ(docin_text(in, path, "drug", CODE_MAX, false, &v_, f), o, "drug");
    const char *drug = json_string_value(json_object_get(o, "drug"));
    if (st == ST_OK && drug && !drugs_find(drugs, drug)) {
        char dpath[DOCIN_PATH_MAX];
        docin_path(dpath, path, "drug");
        st = fail_set(f, ST_INVALID, dpath, "invalid_value",
                      "field '%s': '%s' is not a drug of the dictionary", dpath, drug);
    }
    if (st == ST_OK)
        READ(docin_text(in, path, "name", TEXT_MAX, true, &v_, f), o, "name");
    if (st == ST_OK)
        READ(docin_choice(in, path, "class", classes, true, &v_, f), o, "class");
    if (st == ST_OK)
        READ(docin_text(in, path, "dose", TEXT_MAX, false, &v_, f), o, "dose");
    if (st == ST_OK)
        READ(docin_date(in, path, "started_on", false, now_ms, &v_, f), o, "started_on");
    if (st == ST_OK)
        READ(docin_bool(in, path, "ongoing", true, &v_, f), o, "ongoing");
    int64_t last_ms = 0;
    if (st == ST_OK)
        READ(docin_time(in, path, "last_dose_at", false, now_ms, &v_, &last_ms, f), o,
             "last_dose_at");
    const char *started = json_string_value(json_object_get(o, "started_on"));
    if (st == ST_OK && started && json_is_string(json_object_get(o, "last_dose_at")) &&
        last_ms < docin_date_ms(started) - START_DAY_SLACK_MS) {
        char lpath[DOCIN_PATH_MAX];
        docin_path(lpath, path, "last_dose_at");
        st = fail_set(f, ST_INVALID, lpath, "before_start",
                      "field '%s' is before the medicine was started (%s)", lpath, started);
    }
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

static int
parse_allergy(json_t *in, const char *path, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"substance", "reaction", NULL};
    *out = NULL;
    int st = docin_only_fields(in, path, fields, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    READ(docin_text(in, path, "substance", TEXT_MAX, true, &v_, f), o, "substance");
    if (st == ST_OK)
        READ(docin_text(in, path, "reaction", TEXT_MAX, false, &v_, f), o, "reaction");
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

static int
parse_scalp(json_t *body, int64_t now_ms, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"had", "on", "what", NULL};
    *out = NULL;
    json_t *in = NULL;
    int st = docin_object(body, "", "scalp_procedure", false, &in, f);
    if (st != ST_OK)
        return st;
    if (!in) {
        *out = json_null();
        return ST_OK;
    }
    st = docin_only_fields(in, "scalp_procedure", fields, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    READ(docin_bool(in, "scalp_procedure", "had", true, &v_, f), o, "had");
    if (st == ST_OK && !json_is_true(json_object_get(o, "had"))) {
        /* Nothing can be said of a procedure that did not happen. */
        for (size_t i = 1; fields[i] && st == ST_OK; i++) {
            json_t *v = json_object_get(in, fields[i]);
            if (v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0)) {
                char p[DOCIN_PATH_MAX];
                docin_path(p, "scalp_procedure", fields[i]);
                st =
                    fail_set(f, ST_INVALID, p, "not_allowed",
                             "field '%s' is only for a procedure that happened (\"had\": true)", p);
            }
        }
    }
    if (st == ST_OK)
        READ(docin_date(in, "scalp_procedure", "on", false, now_ms, &v_, f), o, "on");
    if (st == ST_OK)
        READ(docin_text(in, "scalp_procedure", "what", TEXT_MAX, false, &v_, f), o, "what");
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

/* Each item of the list at body[key] parsed by `item` into a new array (none: []). */
enum list_kind { L_CONDITIONS, L_MEDICATIONS, L_ALLERGIES };

static int
parse_list(const struct protocols *p, json_t *body, const char *key, enum list_kind kind,
           size_t max, int64_t now_ms, json_t **out, struct fail *f)
{
    *out = NULL;
    json_t *in = NULL;
    int st = docin_array(body, "", key, max, &in, f);
    if (st != ST_OK)
        return st;
    const char *classes[DRUGS_NCLASSES + 1];
    for (int c = 0; c < DRUGS_NCLASSES; c++)
        classes[c] = drugs_class_code((enum drugs_class)c);
    classes[DRUGS_NCLASSES] = NULL;
    json_t *arr = json_array(), *seen = json_object();
    if (!arr || !seen) {
        json_decref(arr);
        json_decref(seen);
        return ST_NOMEM;
    }
    size_t i;
    json_t *item;
    json_array_foreach(in, i, item)
    {
        char path[DOCIN_PATH_MAX];
        docin_item_path(path, key, i);
        json_t *o = NULL;
        switch (kind) {
        case L_CONDITIONS:
            st = parse_condition(&p->screening->conditions, item, path, seen, &o, f);
            break;
        case L_MEDICATIONS:
            st = parse_medication(p->drugs, classes, item, path, now_ms, &o, f);
            break;
        case L_ALLERGIES:
            st = parse_allergy(item, path, &o, f);
            break;
        }
        if (st == ST_OK && json_array_append_new(arr, o) != 0)
            st = ST_NOMEM;
        if (st != ST_OK)
            break;
    }
    json_decref(seen);
    if (st != ST_OK)
        json_decref(arr);
    else
        *out = arr;
    return st;
}

double
history_bmi(double height_cm, double weight_kg)
{
    double m = height_cm / 100.0;
    return round(weight_kg / (m * m) * 10.0) / 10.0;
}

int
history_parse(const struct protocols *p, json_t *body, int64_t now_ms, json_t **doc,
              int64_t *version, struct fail *f)
{
    static const char *const fields[] = {
        "conditions",      "other_conditions", "medications", "allergies", "pregnant",
        "breastfeeding",   "smoking",          "height_cm",   "weight_kg", "bmi",
        "scalp_procedure", "version",          NULL};
    *doc = NULL;
    *version = 0;
    int st = jsonin_only_fields(body, fields, f);
    if (st != ST_OK)
        return st;
    if (json_object_get(body, "bmi"))
        return fail_set(f, ST_INVALID, "bmi", "not_allowed",
                        "field 'bmi' is computed from height_cm and weight_kg; do not send it");
    bool present;
    st = jsonin_int(body, "version", 0, INT64_MAX, true, &present, version, f);
    if (st != ST_OK)
        return st;
    json_t *d = json_object();
    if (!d)
        return ST_NOMEM;
    READ(parse_list(p, body, "conditions", L_CONDITIONS, SCREENING_MAX_CODES, now_ms, &v_, f), d,
         "conditions");
    if (st == ST_OK)
        READ(docin_text(body, "", "other_conditions", OTHER_CONDITIONS_MAX, false, &v_, f), d,
             "other_conditions");
    if (st == ST_OK)
        READ(parse_list(p, body, "medications", L_MEDICATIONS, HISTORY_MEDICATIONS_MAX, now_ms, &v_,
                        f),
             d, "medications");
    if (st == ST_OK)
        READ(parse_list(p, body, "allergies", L_ALLERGIES, HISTORY_ALLERGIES_MAX, now_ms, &v_, f),
             d, "allergies");
    if (st == ST_OK)
        READ(docin_bool(body, "", "pregnant", false, &v_, f), d, "pregnant");
    if (st == ST_OK)
        READ(docin_bool(body, "", "breastfeeding", false, &v_, f), d, "breastfeeding");
    if (st == ST_OK)
        READ(docin_choice(body, "", "smoking", smoking, false, &v_, f), d, "smoking");
    if (st == ST_OK)
        READ(docin_number(body, "", "height_cm", 50, 250, false, &v_, f), d, "height_cm");
    if (st == ST_OK)
        READ(docin_number(body, "", "weight_kg", 2, 400, false, &v_, f), d, "weight_kg");
    if (st == ST_OK) {
        json_t *h = json_object_get(d, "height_cm"), *w = json_object_get(d, "weight_kg");
        json_t *bmi =
            json_is_number(h) && json_is_number(w)
                ? docin_number_value(history_bmi(json_number_value(h), json_number_value(w)))
                : json_null();
        st = put(d, "bmi", bmi);
    }
    if (st == ST_OK)
        READ(parse_scalp(body, now_ms, &v_, f), d, "scalp_procedure");
    if (st != ST_OK) {
        json_decref(d);
        return st;
    }
    *doc = d;
    return ST_OK;
}

json_t *
history_empty(void)
{
    return json_pack("{s:[], s:n, s:[], s:[], s:n, s:n, s:n, s:n, s:n, s:n, s:n}", "conditions",
                     "other_conditions", "medications", "allergies", "pregnant", "breastfeeding",
                     "smoking", "height_cm", "weight_kg", "bmi", "scalp_procedure");
}

/* The API representation: the patient, the version, the document, who saved it last. */
static json_t *
to_json(struct db *db, int64_t patient_id, int64_t version, json_t *doc, int64_t updated_ms,
        int64_t updated_by)
{
    json_t *o = json_pack("{s:I, s:I}", "patient_id", (json_int_t)patient_id, "version",
                          (json_int_t)version);
    if (!o)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        json_object_set(o, key, v);
    }
    if (version > 0) {
        char at[25];
        time_format_ms(updated_ms, at);
        json_object_set_new(o, "updated_at", json_string(at));
        json_object_set_new(o, "updated_by", clinical_user_json(db, updated_by));
    } else {
        json_object_set_new(o, "updated_at", json_null());
        json_object_set_new(o, "updated_by", json_null());
    }
    return o;
}

/* The stored history (or the empty one) with its record; *doc NULL on failure. */
static int
load_current(struct db *db, int64_t patient_id, struct db_history *rec, json_t **doc,
             struct fail *f)
{
    *doc = NULL;
    int st = db_history_get(db, patient_id, rec);
    if (st == ST_NOT_FOUND) {
        db_history_release(rec);
        memset(rec, 0, sizeof(*rec));
        rec->patient_id = patient_id;
        *doc = history_empty();
        return *doc ? ST_OK : fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    *doc = clinical_doc_load(rec->data);
    if (!json_is_object(*doc)) {
        json_decref(*doc);
        *doc = NULL;
        return fail_set(f, ST_DB, "", "internal",
                        "the medical history of patient %lld is stored damaged",
                        (long long)patient_id);
    }
    return ST_OK;
}

int
history_current(struct db *db, int64_t patient_id, json_t **doc, int64_t *version, struct fail *f)
{
    *doc = NULL;
    *version = 0;
    struct db_history rec;
    memset(&rec, 0, sizeof(rec));
    int st = load_current(db, patient_id, &rec, doc, f);
    if (st == ST_OK)
        *version = rec.version;
    db_history_release(&rec);
    return st;
}

int
history_read(struct db *db, const struct actor *a, int64_t patient_id, json_t **out, struct fail *f)
{
    *out = NULL;
    struct db_history rec;
    memset(&rec, 0, sizeof(rec));
    json_t *doc = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK)
        st = load_current(db, patient_id, &rec, &doc, f);
    if (st == ST_OK) {
        *out = to_json(db, patient_id, rec.version, doc, rec.updated_ms, rec.updated_by);
        if (!*out)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    }
    db_rollback(db);
    if (st == ST_OK) {
        char ids[24];
        clinical_id_str(patient_id, ids);
        audit_read(a, "medical_history.read", "medical_history", ids);
    }
    db_history_release(&rec);
    json_decref(doc);
    return st;
}

int
history_update(struct db *db, const struct actor *a, const struct protocols *p, int64_t patient_id,
               json_t *body, json_t **out, struct fail *f)
{
    *out = NULL;
    struct db_history cur;
    memset(&cur, 0, sizeof(cur));
    json_t *doc = NULL, *cur_doc = NULL, *changes = NULL;
    char *data = NULL, *changes_s = NULL;
    int64_t version = 0, now = time_now_ms();
    int st = history_parse(p, body, now, &doc, &version, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK)
        st = load_current(db, patient_id, &cur, &cur_doc, f);
    if (st != ST_OK)
        goto out;
    if (cur.version != version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "the medical history of patient %lld was changed by someone else "
                      "(version %lld, not %lld)",
                      (long long)patient_id, (long long)cur.version, (long long)version);
        goto out;
    }
    /* Saving an unchanged form is not a new version. */
    if (json_equal(cur_doc, doc)) {
        *out = to_json(db, patient_id, cur.version, cur_doc, cur.updated_ms, cur.updated_by);
        db_rollback(db);
        if (!*out)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    /* A first save stores no change list: its snapshot holds the values (clinical.h). */
    changes = cur.version == 0 ? json_object() : docdiff_changes(cur_doc, doc);
    data = json_dumps(doc, JSON_COMPACT);
    changes_s = changes ? json_dumps(changes, JSON_COMPACT) : NULL;
    if (!data || !changes_s) {
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    struct db_history next = {
        .patient_id = patient_id,
        .version = cur.version + 1,
        .data = data,
        .updated_ms = now,
        .updated_by = a->user_id,
    };
    struct db_doc_version v = {
        .record_id = patient_id,
        .version = next.version,
        .user_id = a->user_id,
        .at_ms = now,
        .changes_json = changes_s,
        .snapshot_json = data,
    };
    char ids[24];
    clinical_id_str(patient_id, ids);
    st = db_history_put(db, &next);
    if (st == ST_OK)
        st = db_history_version_insert(db, &v);
    if (st == ST_OK)
        st = audit_write(db, a, "medical_history.update", "medical_history", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = to_json(db, patient_id, next.version, doc, now, a->user_id);
    if (!*out)
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
out:
    if (st != ST_OK)
        db_rollback(db);
    db_history_release(&cur);
    json_decref(doc);
    json_decref(cur_doc);
    json_decref(changes);
    free(data);
    free(changes_s);
    return st;
}

static int
version_item(void *ctx, const struct db_doc_version *v)
{
    json_t *item = clinical_version_json(v);
    if (!item)
        return ST_NOMEM;
    return json_array_append_new(ctx, item) == 0 ? 0 : ST_NOMEM;
}

int
history_versions(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                 struct fail *f)
{
    *out = NULL;
    json_t *items = json_array();
    if (!items)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(items);
        return db_fail(db, st, f);
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK) {
        st = db_history_versions(db, patient_id, version_item, items);
        if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
    if (st != ST_OK) {
        json_decref(items);
        return st;
    }
    char ids[24];
    clinical_id_str(patient_id, ids);
    audit_read(a, "medical_history.versions", "medical_history", ids);
    *out = json_pack("{s:o}", "items", items);
    return *out ? ST_OK : fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static const char *
kind_name(enum drugs_name_kind k)
{
    switch (k) {
    case DRUGS_NAME_EN:
        return "generic_en";
    case DRUGS_NAME_AR:
        return "generic_ar";
    case DRUGS_SYNONYM:
        return "synonym";
    case DRUGS_BRAND:
        return "brand";
    }
    return "synonym";
}

int
history_drug_search(const struct drugs *d, const char *q, int64_t limit, json_t **out,
                    struct fail *f)
{
    *out = NULL;
    if (limit < 1 || limit > HISTORY_DRUG_LIMIT_MAX)
        return fail_set(f, ST_INVALID, "limit", "invalid_query", "limit must be between 1 and %d",
                        HISTORY_DRUG_LIMIT_MAX);
    struct drugs_hit hits[HISTORY_DRUG_LIMIT_MAX];
    int n = drugs_search(d, q ? q : "", (size_t)limit, hits);
    if (n == ST_INVALID)
        return fail_set(f, ST_INVALID, "q", "invalid_query",
                        "the search text must be valid UTF-8 of at most %d bytes",
                        DRUGS_QUERY_MAX_BYTES);
    if (n < 0)
        return fail_set(f, n, "", "internal", "out of memory");
    json_t *items = json_array();
    for (int i = 0; items && i < n; i++) {
        const struct drugs_hit *h = &hits[i];
        json_t *item =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "drug", h->drug->code, "name",
                      h->name, "kind", kind_name(h->kind), "name_en", h->drug->name_en, "name_ar",
                      h->drug->name_ar, "class", drugs_class_code(h->cls), "class_label", "en",
                      drugs_class_label(d, h->cls, "en"), "ar", drugs_class_label(d, h->cls, "ar"));
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    *out = items ? json_pack("{s:o}", "items", items) : NULL;
    return *out ? ST_OK : fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}
