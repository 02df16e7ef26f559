/* Assessments: validation into the stored document, versions with change lists, reads. */
#include "clinic/assessment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/docdiff.h"
#include "clinic/docin.h"
#include "core/date.h"
#include "core/jsonin.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The grading values of the contract, one list per field; docs/api.md ("Assessments") and
 * docs/openapi.json (AssessmentInput) list the same values in the same order. */
static const char *const complaints[] = {"hair", "face", NULL};
static const char *const norwood[] = {"I",   "II", "IIa", "III", "IIIa", "III-vertex", "IV",
                                      "IVa", "V",  "Va",  "VI",  "VII",  NULL};
static const char *const ludwig[] = {"I", "II", "III", NULL};
static const char *const savin[] = {"I-1",  "I-2", "I-3",      "I-4",     "II-1",
                                    "II-2", "III", "advanced", "frontal", NULL};
static const char *const zones[] = {"frontal",        "midscalp",       "vertex",
                                    "temporal_left",  "temporal_right", "parietal_left",
                                    "parietal_right", "occipital",      NULL};
static const char *const factors[] = {"genetics",
                                      "age",
                                      "diet",
                                      "stress",
                                      "illness",
                                      "childbirth",
                                      "contraception_change",
                                      "medicines",
                                      "dandruff_psoriasis",
                                      "heat_styling",
                                      "dyes",
                                      "tight_hairstyles",
                                      "thyroid_disease",
                                      "fungal_infection",
                                      "seborrhoeic_dermatitis",
                                      "chemotherapy",
                                      NULL};
static const char *const indications[] = {"fine_lines", "acne_scars", "uneven_tone", "dark_circles",
                                          "lips",       "laxity",     NULL};
static const char *const fitzpatrick[] = {"I", "II", "III", "IV", "V", "VI", NULL};
static const char *const glogau[] = {"I", "II", "III", "IV", NULL};

/* What each field of a complaint's section accepts, in the order of the stored document. */
enum kind { K_CHOICE, K_SET, K_INT, K_NUMBER, K_BOOL };
struct spec {
    const char *name;
    enum kind kind;
    const char *const *values; /* K_CHOICE, K_SET */
    double min, max;           /* K_INT, K_NUMBER */
};
static const struct spec hair_fields[] = {
    {"norwood", K_CHOICE, norwood, 0, 0},
    {"ludwig", K_CHOICE, ludwig, 0, 0},
    {"sinclair", K_INT, NULL, 1, 5},
    {"savin", K_CHOICE, savin, 0, 0},
    {"salt", K_NUMBER, NULL, 0, 100},
    {"duration_months", K_INT, NULL, 0, 1200},
    {"hair_present_in_area", K_BOOL, NULL, 0, 0},
    {"zones", K_SET, zones, 0, 0},
    {"factors", K_SET, factors, 0, 0},
};
static const struct spec face_fields[] = {
    {"indications", K_SET, indications, 0, 0},
    {"fitzpatrick", K_CHOICE, fitzpatrick, 0, 0},
    {"glogau", K_CHOICE, glogau, 0, 0},
    {"high_risk_zone_planned", K_BOOL, NULL, 0, 0},
};
#define SECTION_FIELDS_MAX 9
struct section {
    const char *name; /* also the complaint it belongs to */
    const struct spec *fields;
    size_t n;
};
static const struct section sections[] = {
    {"hair", hair_fields, N(hair_fields)},
    {"face", face_fields, N(face_fields)},
};

/* Sets d[key] to v (taking it); a NULL v or a failed set is out of memory. */
static int
put(json_t *d, const char *key, json_t *v)
{
    if (!v)
        return ST_NOMEM;
    return json_object_set_new(d, key, v) == 0 ? ST_OK : ST_NOMEM;
}

static int
read_field(json_t *in, const char *prefix, const struct spec *s, json_t **v, struct fail *f)
{
    switch (s->kind) {
    case K_CHOICE:
        return docin_choice(in, prefix, s->name, s->values, false, v, f);
    case K_SET:
        return docin_choice_set(in, prefix, s->name, s->values, v, f);
    case K_INT:
        return docin_int(in, prefix, s->name, (int64_t)s->min, (int64_t)s->max, false, v, f);
    case K_NUMBER:
        return docin_number(in, prefix, s->name, s->min, s->max, false, v, f);
    case K_BOOL:
        return docin_bool(in, prefix, s->name, false, v, f);
    }
    return ST_INVALID;
}

static int
parse_section(json_t *in, const struct section *sec, json_t **out, struct fail *f)
{
    const char *names[SECTION_FIELDS_MAX + 1];
    for (size_t i = 0; i < sec->n; i++)
        names[i] = sec->fields[i].name;
    names[sec->n] = NULL;
    *out = NULL;
    int st = docin_only_fields(in, sec->name, names, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    for (size_t i = 0; i < sec->n && st == ST_OK; i++) {
        json_t *v = NULL;
        st = read_field(in, sec->name, &sec->fields[i], &v, f);
        if (st == ST_OK)
            st = put(o, sec->fields[i].name, v);
    }
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

int
assessment_parse(json_t *body, bool for_update, int64_t now_ms, json_t **doc, int64_t *version,
                 struct fail *f)
{
    static const char *const create_fields[] = {
        "visit_date",       "complaint",     "hair",  "face",
        "consent_to_risks", "acute_illness", "notes", NULL};
    static const char *const update_fields[] = {"visit_date", "complaint",        "hair",
                                                "face",       "consent_to_risks", "acute_illness",
                                                "notes",      "version",          NULL};
    *doc = NULL;
    if (version)
        *version = 0;
    int st = jsonin_only_fields(body, for_update ? update_fields : create_fields, f);
    if (st != ST_OK)
        return st;
    if (for_update) {
        bool present;
        int64_t v = 0;
        st = jsonin_int(body, "version", 1, INT64_MAX, true, &present, &v, f);
        if (st != ST_OK)
            return st;
        if (version)
            *version = v;
    }
    json_t *d = json_object(), *v = NULL;
    if (!d)
        return ST_NOMEM;
    st = docin_date(body, "", "visit_date", true, now_ms, &v, f);
    if (st == ST_OK)
        st = put(d, "visit_date", v);
    if (st == ST_OK)
        st = docin_choice(body, "", "complaint", complaints, true, &v, f);
    if (st == ST_OK)
        st = put(d, "complaint", v);
    const char *complaint = st == ST_OK ? json_string_value(json_object_get(d, "complaint")) : "";
    for (size_t i = 0; i < N(sections) && st == ST_OK; i++) {
        const struct section *sec = &sections[i];
        json_t *in = NULL;
        if (strcmp(complaint, sec->name) == 0) {
            st = docin_object(body, "", sec->name, true, &in, f);
            if (st == ST_OK)
                st = parse_section(in, sec, &v, f);
        } else if (json_object_get(body, sec->name) &&
                   !json_is_null(json_object_get(body, sec->name))) {
            st = fail_set(f, ST_INVALID, sec->name, "not_allowed",
                          "field '%s' belongs to a %s complaint, not to a %s one", sec->name,
                          sec->name, complaint);
        } else {
            v = json_null();
        }
        if (st == ST_OK)
            st = put(d, sec->name, v);
    }
    if (st == ST_OK)
        st = docin_bool(body, "", "consent_to_risks", false, &v, f);
    if (st == ST_OK)
        st = put(d, "consent_to_risks", v);
    if (st == ST_OK)
        st = docin_bool(body, "", "acute_illness", false, &v, f);
    if (st == ST_OK)
        st = put(d, "acute_illness", v);
    if (st == ST_OK)
        st = docin_text(body, "", "notes", ASSESSMENT_NOTES_MAX, false, &v, f);
    if (st == ST_OK)
        st = put(d, "notes", v);
    if (st != ST_OK) {
        json_decref(d);
        return st;
    }
    *doc = d;
    return ST_OK;
}

/* The API representation: server-owned fields around the stored document. */
static json_t *
to_json(struct db *db, const struct db_assessment *rec, json_t *doc)
{
    char created[25], updated[25];
    time_format_ms(rec->created_ms, created);
    time_format_ms(rec->updated_ms, updated);
    json_t *o = json_pack("{s:I, s:I, s:I}", "id", (json_int_t)rec->id, "patient_id",
                          (json_int_t)rec->patient_id, "version", (json_int_t)rec->version);
    if (!o)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) json_object_set(o, key, v);
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "created_by", clinical_user_json(db, rec->created_by));
    json_object_set_new(o, "updated_at", json_string(updated));
    json_object_set_new(o, "updated_by", clinical_user_json(db, rec->updated_by));
    return o;
}

/* Copies the identity columns of a document into its record. */
static void
columns_from(json_t *doc, struct db_assessment *rec)
{
    snprintf(rec->visit_date, sizeof(rec->visit_date), "%s",
             json_string_value(json_object_get(doc, "visit_date")));
    snprintf(rec->complaint, sizeof(rec->complaint), "%s",
             json_string_value(json_object_get(doc, "complaint")));
}

static int
not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "assessment %lld does not exist",
                    (long long)id);
}

static int
write_version(struct db *db, const struct actor *a, int64_t id, int64_t version, int64_t at_ms,
              const char *changes, const char *snapshot)
{
    struct db_doc_version v = {
        .record_id = id,
        .version = version,
        .user_id = a->user_id,
        .at_ms = at_ms,
        .changes_json = changes,
        .snapshot_json = snapshot,
    };
    return db_assessment_version_insert(db, &v);
}

int
assessment_create(struct db *db, const struct actor *a, int64_t patient_id, json_t *body,
                  json_t **out, struct fail *f)
{
    *out = NULL;
    json_t *doc = NULL;
    char *data = NULL;
    int64_t now = time_now_ms();
    int st = assessment_parse(body, false, now, &doc, NULL, f);
    if (st != ST_OK)
        return st;
    struct db_assessment rec = {
        .patient_id = patient_id,
        .version = 1,
        .created_ms = now,
        .created_by = a->user_id,
        .updated_ms = now,
        .updated_by = a->user_id,
    };
    columns_from(doc, &rec);
    data = json_dumps(doc, JSON_COMPACT);
    if (!data) {
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    rec.data = data;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st != ST_OK)
        goto out;
    char ids[24];
    st = db_assessment_insert(db, &rec);
    /* A creation stores no change list: its snapshot holds the values (clinical.h). */
    if (st == ST_OK)
        st = write_version(db, a, rec.id, 1, now, "{}", data);
    clinical_id_str(rec.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "assessment.create", "assessment", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = to_json(db, &rec, doc);
    if (!*out)
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
out:
    if (st != ST_OK)
        db_rollback(db);
    json_decref(doc);
    free(data);
    return st;
}

/* Reads an assessment and checks that its patient is on the register. */
static int
get_visible(struct db *db, int64_t id, struct db_assessment *rec, json_t **doc, struct fail *f)
{
    *doc = NULL;
    int st = db_assessment_get(db, id, rec);
    if (st == ST_NOT_FOUND)
        return not_found(id, f);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = clinical_patient_visible(db, rec->patient_id, f);
    if (st == ST_NOT_FOUND)
        return not_found(id, f);
    if (st != ST_OK)
        return st;
    *doc = clinical_doc_load(rec->data);
    if (!json_is_object(*doc)) {
        json_decref(*doc);
        *doc = NULL;
        return fail_set(f, ST_DB, "", "internal", "assessment %lld is stored damaged",
                        (long long)id);
    }
    return ST_OK;
}

int
assessment_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                  struct fail *f)
{
    *out = NULL;
    struct db_assessment cur, next;
    memset(&cur, 0, sizeof(cur));
    json_t *doc = NULL, *cur_doc = NULL, *changes = NULL;
    char *data = NULL, *changes_s = NULL;
    int64_t version = 0, now = time_now_ms();
    int st = assessment_parse(body, true, now, &doc, &version, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = get_visible(db, id, &cur, &cur_doc, f);
    if (st != ST_OK)
        goto out;
    if (cur.version != version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "assessment %lld was changed by someone else (version %lld, not %lld)",
                      (long long)id, (long long)cur.version, (long long)version);
        goto out;
    }
    /* Saving an unchanged form is not a new version. */
    if (json_equal(cur_doc, doc)) {
        *out = to_json(db, &cur, cur_doc);
        db_rollback(db);
        if (!*out)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    changes = docdiff_changes(cur_doc, doc);
    data = json_dumps(doc, JSON_COMPACT);
    changes_s = changes ? json_dumps(changes, JSON_COMPACT) : NULL;
    if (!data || !changes_s) {
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    next = cur;
    next.version = cur.version + 1;
    next.data = data;
    next.updated_ms = now;
    next.updated_by = a->user_id;
    columns_from(doc, &next);
    char ids[24];
    clinical_id_str(id, ids);
    st = db_assessment_update(db, &next);
    if (st == ST_OK)
        st = write_version(db, a, id, next.version, now, changes_s, data);
    if (st == ST_OK)
        st = audit_write(db, a, "assessment.update", "assessment", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = to_json(db, &next, doc);
    if (!*out)
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
out:
    if (st != ST_OK)
        db_rollback(db);
    db_assessment_release(&cur);
    json_decref(doc);
    json_decref(cur_doc);
    json_decref(changes);
    free(data);
    free(changes_s);
    return st;
}

int
assessment_read(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    *out = NULL;
    struct db_assessment rec;
    memset(&rec, 0, sizeof(rec));
    json_t *doc = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = get_visible(db, id, &rec, &doc, f);
    if (st == ST_OK) {
        *out = to_json(db, &rec, doc);
        if (!*out)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    }
    db_rollback(db);
    if (st == ST_OK) {
        char ids[24];
        clinical_id_str(id, ids);
        audit_read(a, "assessment.read", "assessment", ids);
    }
    db_assessment_release(&rec);
    json_decref(doc);
    return st;
}

struct list_ctx {
    struct db *db;
    json_t *items;
};

static int
list_item(void *ctx, const struct db_assessment *rec)
{
    struct list_ctx *c = ctx;
    json_t *doc = clinical_doc_load(rec->data);
    json_t *item = json_is_object(doc) ? to_json(c->db, rec, doc) : NULL;
    json_decref(doc);
    if (!item)
        return ST_DB;
    return json_array_append_new(c->items, item) == 0 ? 0 : ST_NOMEM;
}

int
assessment_list(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                struct fail *f)
{
    *out = NULL;
    struct list_ctx c = {db, json_array()};
    if (!c.items)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(c.items);
        return db_fail(db, st, f);
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK) {
        st = db_assessment_list(db, patient_id, list_item, &c);
        if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
    if (st != ST_OK) {
        json_decref(c.items);
        return st;
    }
    char ids[24];
    clinical_id_str(patient_id, ids);
    audit_read(a, "assessment.list", "patient", ids);
    *out = json_pack("{s:o}", "items", c.items);
    return *out ? ST_OK : fail_set(f, ST_NOMEM, "", "internal", "out of memory");
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
assessment_versions(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    *out = NULL;
    struct db_assessment rec;
    memset(&rec, 0, sizeof(rec));
    json_t *doc = NULL, *items = json_array();
    if (!items)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(items);
        return db_fail(db, st, f);
    }
    st = get_visible(db, id, &rec, &doc, f);
    if (st == ST_OK) {
        st = db_assessment_versions(db, id, version_item, items);
        if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
    db_assessment_release(&rec);
    json_decref(doc);
    if (st != ST_OK) {
        json_decref(items);
        return st;
    }
    char ids[24];
    clinical_id_str(id, ids);
    audit_read(a, "assessment.versions", "assessment", ids);
    *out = json_pack("{s:o}", "items", items);
    return *out ? ST_OK : fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

int
assessment_latest_for(struct db *db, int64_t patient_id, const char *complaint,
                      const char *on_or_before_date, json_t **doc, int64_t *id, int64_t *version,
                      char visit_date[11], struct fail *f)
{
    *doc = NULL;
    *id = 0;
    *version = 0;
    visit_date[0] = '\0';
    struct db_assessment rec;
    memset(&rec, 0, sizeof(rec));
    int st = db_assessment_latest(db, patient_id, complaint, on_or_before_date, &rec);
    if (st == ST_NOT_FOUND) {
        db_assessment_release(&rec);
        return fail_set(f, ST_NOT_FOUND, "", "not_found",
                        "patient %lld has no %s assessment on or before %s", (long long)patient_id,
                        complaint, on_or_before_date);
    }
    if (st != ST_OK) {
        db_assessment_release(&rec);
        return db_fail(db, st, f);
    }
    json_t *d = clinical_doc_load(rec.data);
    if (!json_is_object(d)) {
        json_decref(d);
        st = fail_set(f, ST_DB, "", "internal", "assessment %lld is stored damaged",
                      (long long)rec.id);
    } else {
        *doc = d;
        *id = rec.id;
        *version = rec.version;
        memcpy(visit_date, rec.visit_date, 11);
    }
    db_assessment_release(&rec);
    return st;
}

bool
assessment_grade_valid(const char *scale, const char *value)
{
    static const struct {
        const char *scale;
        const char *const *values;
    } scales[] = {{"norwood", norwood}, {"ludwig", ludwig}, {"savin", savin}};
    if (!scale || !value)
        return false;
    for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
        if (strcmp(scale, scales[i].scale) != 0)
            continue;
        for (const char *const *v = scales[i].values; *v; v++)
            if (strcmp(*v, value) == 0)
                return true;
        return false;
    }
    /* The Sinclair scale is stored as a whole number 1..5 (hair_fields). */
    return strcmp(scale, "sinclair") == 0 && value[0] >= '1' && value[0] <= '5' && !value[1];
}
