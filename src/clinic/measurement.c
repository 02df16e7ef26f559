/* Measurements: checking what is recorded against measures.json and the patient, keeping every
 * version of a value, voiding instead of deleting, and saving a trichoscopy import. */
#include "clinic/measurement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/docin.h"
#include "clinic/role.h"
#include "clinic/trichoscopy_csv.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"

#define DEFAULT_IMPORT_METHOD "trichoscopy_software"

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static int
value_not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "measurement %lld does not exist",
                    (long long)id);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
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

/* A stored value as JSON: the measure says number or code; a measure the clinic has taken out
 * of measures.json still shows what was stored. */
static json_t *
stored_value_json(const struct measures *m, const char *measure, bool is_code, double num,
                  const char *code)
{
    const struct measures_measure *mm = measures_find(m, measure);
    if (is_code)
        return json_string(code ? code : "");
    if (mm)
        return measures_value_json(mm, num, NULL);
    return docin_number_value(num);
}

/* ---- the API form ---- */

struct values_ctx {
    struct db *db;
    const struct measures *m;
    json_t *values;
};

static int
value_item(void *ctx, const struct db_measurement *v)
{
    struct values_ctx *c = ctx;
    json_t *o = json_object();
    bool ok = true;
    put(o, "id", json_integer(v->id), &ok);
    put(o, "measure", json_string(v->measure), &ok);
    put(o, "value", stored_value_json(c->m, v->measure, v->is_code, v->value_num, v->value_code),
        &ok);
    put(o, "version", json_integer(v->version), &ok);
    if (v->voided_ms > 0)
        put(o, "voided",
            json_pack("{s:o, s:o, s:o, s:o}", "at", time_json(v->voided_ms), "local",
                      local_json(v->voided_ms), "by", clinical_user_json(c->db, v->voided_by),
                      "reason", str_or_null(v->void_reason)),
            &ok);
    else
        put(o, "voided", json_null(), &ok);
    put(o, "updated_at", time_json(v->updated_ms), &ok);
    put(o, "updated_by", clinical_user_json(c->db, v->updated_by), &ok);
    if (!ok) {
        json_decref(o);
        return ST_NOMEM;
    }
    return json_array_append_new(c->values, o) == 0 ? 0 : ST_NOMEM;
}

json_t *
measurement_set_json(struct db *db, const struct measures *m, const struct db_measurement_set *s,
                     const char *measure, bool include_voided)
{
    struct values_ctx c = {.db = db, .m = m, .values = json_array()};
    json_t *o = json_object();
    bool ok = c.values != NULL;

    if (ok && db_measurements_of_set(db, s->id, measure, include_voided, value_item, &c) != ST_OK)
        ok = false;
    put(o, "id", json_integer(s->id), &ok);
    put(o, "patient_id", json_integer(s->patient_id), &ok);
    put(o, "date", json_string(s->date), &ok);
    put(o, "course_id", s->course_id > 0 ? json_integer(s->course_id) : json_null(), &ok);
    put(o, "method", json_string(s->method), &ok);
    put(o, "device", str_or_null(s->device), &ok);
    put(o, "site", str_or_null(s->site), &ok);
    put(o, "area_cm2", s->has_area ? docin_number_value(s->area_cm2) : json_null(), &ok);
    put(o, "notes", str_or_null(s->notes), &ok);
    put(o, "measured_by", clinical_user_json(db, s->measured_by), &ok);
    put(o, "source", json_string(s->source), &ok);
    put(o, "import_id", s->import_id > 0 ? json_integer(s->import_id) : json_null(), &ok);
    put(o, "created_at", time_json(s->created_ms), &ok);
    put(o, "created_local", local_json(s->created_ms), &ok);
    put(o, "created_by", clinical_user_json(db, s->created_by), &ok);
    if (ok) {
        put(o, "values", c.values, &ok);
        c.values = NULL;
    }
    json_decref(c.values);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- what the fields are checked against ---- */

/* The patient, visible (not deleted), with its MRN and date of birth. */
static int
live_patient(struct db *db, int64_t patient_id, char mrn[24], char dob[11], struct fail *f)
{
    struct db_patient p;
    int st = db_patient_get(db, patient_id, &p);
    bool deleted = st == ST_OK && p.deleted;
    if (st == ST_OK) {
        snprintf(mrn, 24, "%s", p.mrn);
        snprintf(dob, 11, "%s", p.date_of_birth);
    }
    db_patient_release(&p);
    if (st == ST_NOT_FOUND || deleted)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                        (long long)patient_id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* A course of this patient, inside the caller's transaction. */
static int
check_course(struct db *db, int64_t patient_id, int64_t course_id, struct fail *f)
{
    struct db_course c;
    if (course_id <= 0)
        return ST_OK;
    int st = db_course_get(db, course_id, &c);
    bool other = st == ST_OK && c.patient_id != patient_id;
    db_course_release(&c);
    if (st == ST_NOT_FOUND || other)
        return fail_set(f, ST_INVALID, "course_id", "invalid_value",
                        "course %lld is not a course of this patient", (long long)course_id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* Who measured: an active user with the doctor or nurse role. */
static int
check_measurer(struct db *db, int64_t user_id, struct fail *f)
{
    struct db_user u;
    int st = db_user_get(db, user_id, &u);
    bool fits = st == ST_OK && !u.disabled && (u.roles & (ROLE_DOCTOR | ROLE_NURSE)) != 0;
    db_user_release(&u);
    if (st != ST_OK && st != ST_NOT_FOUND)
        return db_fail(db, st, f);
    if (!fits)
        return fail_set(f, ST_INVALID, "measured_by", "invalid_value",
                        "user %lld is not an active doctor or nurse", (long long)user_id);
    return ST_OK;
}

/* The visit's date: a day of the calendar, not after the clinic's today; the date of birth is
 * checked once the patient is read. */
static int
read_date(json_t *body, char out[11], struct fail *f)
{
    char *s = NULL;
    struct date d, today;
    int st = jsonin_string(body, "date", 10, true, &s, f);
    if (st == ST_INVALID && strcmp(f->code, "too_long") == 0)
        return fail_set(f, ST_INVALID, "date", "invalid_date",
                        "date is not a date such as 2026-08-01");
    if (st != ST_OK)
        return st;
    if (date_parse(s, &d) != ST_OK || d.year < 1900)
        st = fail_set(f, ST_INVALID, "date", "invalid_date",
                      "date '%s' is not a date such as 2026-08-01", s);
    free(s);
    if (st != ST_OK)
        return st;
    clinic_tz_today(&today);
    date_format(&d, out);
    if (date_compare(&d, &today) > 0)
        return fail_set(f, ST_INVALID, "date", "future_date",
                        "date %s is after today in the clinic", out);
    return ST_OK;
}

static int
check_born(const char *date, const char *dob, struct fail *f)
{
    if (dob[0] && strcmp(date, dob) < 0)
        return fail_set(f, ST_INVALID, "date", "invalid_date",
                        "date %s is before the patient's date of birth (%s)", date, dob);
    return ST_OK;
}

static int
read_method(const struct measures *m, json_t *body, const char *dflt, char out[41], struct fail *f)
{
    char *s = NULL;
    int st = jsonin_string(body, "method", MEASURES_CODE_MAX, dflt == NULL, &s, f);
    if (st != ST_OK)
        return st;
    const char *code = s ? s : dflt;
    if (!measures_method_find(m, code))
        st = fail_set(f, ST_INVALID, "method", "invalid_value",
                      "method '%.40s' is not a method of measures.json", code);
    else
        snprintf(out, 41, "%s", code);
    free(s);
    return st;
}

/* A reason of 10 to 1000 characters (a correction, a void). */
static int
read_reason(json_t *body, char **out, struct fail *f)
{
    int st = jsonin_string(body, "reason", MEASUREMENT_REASON_MAX, true, out, f);
    if (st == ST_OK && text_codepoints(*out, strlen(*out)) < MEASUREMENT_REASON_MIN) {
        free(*out);
        *out = NULL;
        st = fail_set(f, ST_INVALID, "reason", "too_short",
                      "the reason must say why in at least %d characters", MEASUREMENT_REASON_MIN);
    }
    return st;
}

/* The parts of a set that come from the request (a form's or an import's). */
struct set_fields {
    char method[41];
    int64_t course_id;
    int64_t measured_by;
    char *device, *site, *notes;
    bool has_area;
    double area_cm2;
};

static void
set_fields_release(struct set_fields *s)
{
    free(s->device);
    free(s->site);
    free(s->notes);
    memset(s, 0, sizeof(*s));
}

static int
read_set_fields(const struct measures *m, json_t *body, const char *method_dflt, bool with_area,
                struct set_fields *s, struct fail *f)
{
    bool present = false;
    int st = read_method(m, body, method_dflt, s->method, f);
    if (st == ST_OK)
        st = jsonin_int(body, "course_id", 1, INT64_MAX, false, &present, &s->course_id, f);
    if (st == ST_OK)
        st = jsonin_string(body, "device", MEASUREMENT_DEVICE_MAX, false, &s->device, f);
    if (st == ST_OK)
        st = jsonin_string(body, "site", MEASUREMENT_SITE_MAX, false, &s->site, f);
    if (st != ST_OK || !with_area)
        return st;
    st = jsonin_string(body, "notes", MEASUREMENT_NOTES_MAX, false, &s->notes, f);
    if (st == ST_OK)
        st = jsonin_int(body, "measured_by", 1, INT64_MAX, false, &present, &s->measured_by, f);
    json_t *area = json_object_get(body, "area_cm2");
    if (st == ST_OK && area && !json_is_null(area)) {
        if (!json_is_number(area))
            return fail_set(f, ST_INVALID, "area_cm2", "invalid_type",
                            "area_cm2 must be a number of cm²");
        s->area_cm2 = json_number_value(area);
        if (!(s->area_cm2 > 0 && s->area_cm2 <= MEASUREMENT_AREA_MAX_CM2))
            return fail_set(f, ST_INVALID, "area_cm2", "out_of_range",
                            "area_cm2 must be above 0 and at most %g", MEASUREMENT_AREA_MAX_CM2);
        s->has_area = true;
    }
    return st;
}

/* A value checked for its measure, ready to be stored. */
struct checked_value {
    const struct measures_measure *mm;
    double num;
    const char *code; /* borrowed from the measures */
};

/* body.values: at least one measure, each known and valid; in measures.json order. */
static int
read_values(const struct measures *m, json_t *body, struct checked_value **out, size_t *n,
            struct fail *f)
{
    json_t *values = json_object_get(body, "values"), *v;
    const char *key;
    char path[DOCIN_PATH_MAX];

    *out = NULL;
    *n = 0;
    if (!values || json_is_null(values))
        return fail_set(f, ST_INVALID, "values", "required",
                        "values must give at least one measure");
    if (!json_is_object(values))
        return fail_set(f, ST_INVALID, "values", "invalid_type",
                        "values must be an object of measure codes and values");
    if (json_object_size(values) == 0)
        return fail_set(f, ST_INVALID, "values", "required",
                        "values must give at least one measure");
    json_object_foreach(values, key, v)
    {
        if (!measures_find(m, key)) {
            docin_path(path, "values", key);
            return fail_set(f, ST_INVALID, path, "unknown_measure",
                            "'%.40s' is not a measure of measures.json", key);
        }
    }
    struct checked_value *cv = calloc(json_object_size(values), sizeof(*cv));
    if (!cv)
        return nomem(f);
    size_t k = 0;
    for (size_t i = 0; i < m->nmeasures; i++) {
        const struct measures_measure *mm = &m->measures[i];
        if (!(v = json_object_get(values, mm->code)))
            continue;
        docin_path(path, "values", mm->code);
        int st = measures_check_value(mm, v, path, &cv[k].num, &cv[k].code, f);
        if (st != ST_OK) {
            free(cv);
            return st;
        }
        cv[k++].mm = mm;
    }
    *out = cv;
    *n = k;
    return ST_OK;
}

/* Saves a set and its values (each version 1) inside the open write transaction. */
static int
save_set(struct db *db, const struct actor *a, int64_t patient_id, const char *date,
         const struct set_fields *sf, int64_t import_id, const struct checked_value *values,
         size_t nvalues, int64_t now, int64_t *set_id, struct fail *f)
{
    struct db_measurement_set s = {
        .patient_id = patient_id,
        .course_id = sf->course_id,
        .device = sf->device,
        .site = sf->site,
        .notes = sf->notes,
        .has_area = sf->has_area,
        .area_cm2 = sf->area_cm2,
        .measured_by = sf->measured_by > 0 ? sf->measured_by : a->user_id,
        .import_id = import_id,
        .created_ms = now,
        .created_by = a->user_id,
    };
    snprintf(s.date, sizeof(s.date), "%s", date);
    snprintf(s.method, sizeof(s.method), "%s", sf->method);
    snprintf(s.source, sizeof(s.source), "%s", import_id > 0 ? "import" : "manual");
    int st = db_measurement_set_insert(db, &s);
    for (size_t i = 0; st == ST_OK && i < nvalues; i++) {
        struct db_measurement v = {
            .set_id = s.id,
            .patient_id = patient_id,
            .is_code = values[i].code != NULL,
            .value_num = values[i].num,
            .version = 1,
            .updated_ms = now,
            .updated_by = a->user_id,
        };
        snprintf(v.date, sizeof(v.date), "%s", date);
        snprintf(v.measure, sizeof(v.measure), "%s", values[i].mm->code);
        snprintf(v.value_code, sizeof(v.value_code), "%s", values[i].code ? values[i].code : "");
        st = db_measurement_insert(db, &v);
        if (st == ST_OK) {
            struct db_measurement_version ver = {
                .measurement_id = v.id,
                .version = 1,
                .is_code = v.is_code,
                .value_num = v.value_num,
                .value_code = v.is_code ? v.value_code : NULL,
                .at_ms = now,
                .by = a->user_id,
            };
            st = db_measurement_version_insert(db, &ver);
        }
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    *set_id = s.id;
    return ST_OK;
}

/* Reads set `id` back with all its values and gives its API form, then commits. */
static int
answer_and_commit(struct db *db, const struct measures *m, int64_t set_id, json_t **out,
                  struct fail *f)
{
    struct db_measurement_set s;
    int st = db_measurement_set_get(db, set_id, &s);
    if (st != ST_OK)
        return db_fail(db, st, f);
    *out = measurement_set_json(db, m, &s, NULL, true);
    db_measurement_set_release(&s);
    if (!*out)
        return nomem(f);
    st = db_commit(db);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
measurement_create(struct db *db, const struct actor *a, const struct measures *m,
                   int64_t patient_id, json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"date",     "course_id", "method",      "device", "site",
                                         "area_cm2", "notes",     "measured_by", "values", NULL};
    struct set_fields sf;
    struct checked_value *values = NULL;
    size_t nvalues = 0;
    char date[11], mrn[24], dob[11], ids[24];
    int64_t set_id = 0, now = time_now_ms();

    *out = NULL;
    memset(&sf, 0, sizeof(sf));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = read_date(body, date, f);
    if (st == ST_OK)
        st = read_set_fields(m, body, NULL, true, &sf, f);
    if (st == ST_OK)
        st = read_values(m, body, &values, &nvalues, f);
    if (st != ST_OK)
        goto out;
    if ((st = db_begin_write(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, mrn, dob, f);
    if (st == ST_OK)
        st = check_born(date, dob, f);
    if (st == ST_OK)
        st = check_course(db, patient_id, sf.course_id, f);
    if (st == ST_OK && sf.measured_by > 0)
        st = check_measurer(db, sf.measured_by, f);
    if (st == ST_OK)
        st = save_set(db, a, patient_id, date, &sf, 0, values, nvalues, now, &set_id, f);
    clinical_id_str(set_id, ids);
    if (st == ST_OK &&
        (st = audit_write(db, a, "measurement.create", "measurement_set", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, m, set_id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    set_fields_release(&sf);
    free(values);
    return st;
}

/* ---- the list ---- */

static int
query_date(const char *key, const char *s, const char **out, struct fail *f)
{
    struct date d;
    *out = NULL;
    if (!s || !*s)
        return ST_OK;
    if (strlen(s) != 10 || date_parse(s, &d) != ST_OK)
        return fail_set(f, ST_INVALID, key, "invalid_query", "%s must be a date such as 2026-08-01",
                        key);
    *out = s;
    return ST_OK;
}

int
measurement_query_parse(const struct measures *m, const char *measure, const char *from,
                        const char *to, const char *include_voided, struct db_measurement_query *q,
                        struct fail *f)
{
    int64_t patient_id = q->patient_id;
    memset(q, 0, sizeof(*q));
    q->patient_id = patient_id;
    if (measure && *measure) {
        const struct measures_measure *mm = measures_find(m, measure);
        if (!mm)
            return fail_set(f, ST_INVALID, "measure", "invalid_query",
                            "measure must be a measure of measures.json");
        q->measure = mm->code;
    }
    int st = query_date("from", from, &q->from, f);
    if (st == ST_OK)
        st = query_date("to", to, &q->to, f);
    if (st != ST_OK)
        return st;
    if (q->from && q->to && strcmp(q->from, q->to) > 0)
        return fail_set(f, ST_INVALID, "to", "invalid_query", "to must not be before from");
    if (include_voided && *include_voided) {
        if (!strcmp(include_voided, "1") || !strcmp(include_voided, "true"))
            q->include_voided = true;
        else if (strcmp(include_voided, "0") != 0 && strcmp(include_voided, "false") != 0)
            return fail_set(f, ST_INVALID, "include_voided", "invalid_query",
                            "include_voided must be 1 or 0");
    }
    return ST_OK;
}

struct list_ctx {
    struct db *db;
    const struct measures *m;
    const struct db_measurement_query *q;
    json_t *sets;
};

static int
list_set(void *ctx, const struct db_measurement_set *s)
{
    struct list_ctx *c = ctx;
    json_t *o = measurement_set_json(c->db, c->m, s, c->q->measure, c->q->include_voided);
    if (!o || json_array_append_new(c->sets, o) != 0)
        return ST_NOMEM;
    return 0;
}

int
measurement_list(struct db *db, const struct actor *a, const struct measures *m,
                 const struct db_measurement_query *q, json_t **out, struct fail *f)
{
    struct list_ctx c = {.db = db, .m = m, .q = q, .sets = json_array()};
    char mrn[24], dob[11], ids[24];

    *out = NULL;
    if (!c.sets)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(c.sets);
        return db_fail(db, st, f);
    }
    st = live_patient(db, q->patient_id, mrn, dob, f);
    if (st == ST_OK && (st = db_measurement_sets(db, q, list_set, &c)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    db_rollback(db);
    if (st != ST_OK) {
        json_decref(c.sets);
        return st;
    }
    if (!(*out = json_pack("{s:o}", "sets", c.sets)))
        return nomem(f);
    clinical_id_str(q->patient_id, ids);
    audit_read(a, "measurement.list", "patient", ids);
    return ST_OK;
}

/* ---- one value: correct, void, versions ---- */

/* Value `id` unless missing or its patient deleted, inside the caller's transaction. */
static int
get_value(struct db *db, int64_t id, struct db_measurement *v, struct fail *f)
{
    char mrn[24], dob[11];
    int st = db_measurement_get(db, id, v);
    if (st == ST_NOT_FOUND)
        return value_not_found(id, f);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = live_patient(db, v->patient_id, mrn, dob, f);
    if (st == ST_NOT_FOUND) {
        db_measurement_release(v);
        return value_not_found(id, f);
    }
    if (st != ST_OK)
        db_measurement_release(v);
    return st;
}

static int
not_voided(const struct db_measurement *v, const char *what, struct fail *f)
{
    if (v->voided_ms == 0)
        return ST_OK;
    return fail_set(f, ST_CONFLICT, "", "invalid_transition",
                    "measurement %lld is voided: it cannot be %s", (long long)v->id, what);
}

int
measurement_correct(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                    json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"value", "version", "reason", NULL};
    struct db_measurement v;
    char *reason = NULL, ids[24];
    int64_t version = 0, now = time_now_ms();
    double num = 0;
    const char *code = NULL;

    *out = NULL;
    memset(&v, 0, sizeof(v));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, &version, f);
    if (st == ST_OK && !json_object_get(body, "value"))
        st = fail_set(f, ST_INVALID, "value", "required", "value is required");
    if (st == ST_OK)
        st = read_reason(body, &reason, f);
    if (st != ST_OK)
        goto out;
    if ((st = db_begin_write(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if ((st = get_value(db, id, &v, f)) != ST_OK || (st = not_voided(&v, "corrected", f)) != ST_OK)
        goto out;
    if (v.version != version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "measurement %lld was changed by someone else (version %lld, not %lld)",
                      (long long)id, (long long)v.version, (long long)version);
        goto out;
    }
    const struct measures_measure *mm = measures_find(m, v.measure);
    if (!mm) {
        st = fail_set(f, ST_CONFLICT, "", "invalid_transition",
                      "measure '%s' is no longer in measures.json: its values cannot be corrected",
                      v.measure);
        goto out;
    }
    if ((st = measures_check_value(mm, json_object_get(body, "value"), "value", &num, &code, f)) !=
        ST_OK)
        goto out;
    /* Saving the value it already has is no correction. */
    bool same =
        code ? v.is_code && strcmp(v.value_code, code) == 0 : !v.is_code && v.value_num == num;
    if (!same) {
        int64_t expected = v.version;
        v.is_code = code != NULL;
        v.value_num = code ? 0 : num;
        snprintf(v.value_code, sizeof(v.value_code), "%s", code ? code : "");
        v.version = expected + 1;
        v.updated_ms = now;
        v.updated_by = a->user_id;
        st = db_measurement_set_value(db, &v, expected);
        if (st == ST_CONFLICT) {
            st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                          "measurement %lld was changed by someone else first", (long long)id);
            goto out;
        }
        struct db_measurement_version ver = {
            .measurement_id = id,
            .version = v.version,
            .is_code = v.is_code,
            .value_num = v.value_num,
            .value_code = v.is_code ? v.value_code : NULL,
            .reason = reason,
            .at_ms = now,
            .by = a->user_id,
        };
        if (st == ST_OK)
            st = db_measurement_version_insert(db, &ver);
        clinical_id_str(id, ids);
        if (st == ST_OK)
            st = audit_write(db, a, "measurement.correct", "measurement", ids);
        if (st != ST_OK) {
            st = db_fail(db, st, f);
            goto out;
        }
    }
    st = answer_and_commit(db, m, v.set_id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_measurement_release(&v);
    free(reason);
    return st;
}

int
measurement_void(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                 json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"reason", NULL};
    struct db_measurement v;
    char *reason = NULL, ids[24];

    *out = NULL;
    memset(&v, 0, sizeof(v));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = read_reason(body, &reason, f);
    if (st != ST_OK)
        goto out;
    if ((st = db_begin_write(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if ((st = get_value(db, id, &v, f)) != ST_OK ||
        (st = not_voided(&v, "voided again", f)) != ST_OK)
        goto out;
    st = db_measurement_void(db, id, time_now_ms(), a->user_id, reason);
    clinical_id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "measurement.void", "measurement", ids);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = answer_and_commit(db, m, v.set_id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_measurement_release(&v);
    free(reason);
    return st;
}

struct versions_ctx {
    struct db *db;
    const struct measures *m;
    const char *measure;
    json_t *items;
};

static int
version_item(void *ctx, const struct db_measurement_version *v)
{
    struct versions_ctx *c = ctx;
    json_t *o =
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "version", (json_int_t)v->version, "value",
                  stored_value_json(c->m, c->measure, v->is_code, v->value_num, v->value_code),
                  "reason", str_or_null(v->reason), "at", time_json(v->at_ms), "local",
                  local_json(v->at_ms), "by", clinical_user_json(c->db, v->by));
    if (!o || json_array_append_new(c->items, o) != 0)
        return ST_NOMEM;
    return 0;
}

int
measurement_versions(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                     json_t **out, struct fail *f)
{
    struct db_measurement v;
    struct versions_ctx c = {.db = db, .m = m, .items = json_array()};
    char ids[24];

    *out = NULL;
    memset(&v, 0, sizeof(v));
    if (!c.items)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(c.items);
        return db_fail(db, st, f);
    }
    st = get_value(db, id, &v, f);
    c.measure = v.measure;
    if (st == ST_OK && (st = db_measurement_versions(db, id, version_item, &c)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    db_rollback(db);
    db_measurement_release(&v);
    if (st != ST_OK) {
        json_decref(c.items);
        return st;
    }
    if (!(*out = json_pack("{s:o}", "items", c.items)))
        return nomem(f);
    clinical_id_str(id, ids);
    audit_read(a, "measurement.read", "measurement", ids);
    return ST_OK;
}

/* ---- the trichoscopy import ---- */

struct import_req {
    const char *csv; /* borrowed from the body */
    size_t len;
    char *file_name;
    bool commit, skip_invalid;
    struct set_fields set;
};

static int
import_parse(const struct measures *m, json_t *body, struct import_req *q, struct fail *f)
{
    static const char *const fields[] = {"csv",          "file_name", "commit",
                                         "skip_invalid", "method",    "device",
                                         "site",         "course_id", NULL};
    bool present;
    memset(q, 0, sizeof(*q));
    int st = jsonin_only_fields(body, fields, f);
    if (st != ST_OK)
        return st;
    json_t *csv = json_object_get(body, "csv");
    if (!csv || json_is_null(csv))
        return fail_set(f, ST_INVALID, "csv", "required", "csv (the file's text) is required");
    if (!json_is_string(csv))
        return fail_set(f, ST_INVALID, "csv", "invalid_type", "csv must be the file's text");
    q->csv = json_string_value(csv);
    q->len = json_string_length(csv);
    if (q->len > TRICHOSCOPY_CSV_MAX_BYTES)
        return fail_set(f, ST_TOO_BIG, "csv", "too_big",
                        "the file is larger than %u MiB; split it into smaller files",
                        TRICHOSCOPY_CSV_MAX_BYTES >> 20);
    st = jsonin_bool(body, "commit", false, &present, &q->commit, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "skip_invalid", false, &present, &q->skip_invalid, f);
    if (st == ST_OK)
        st = jsonin_string(body, "file_name", MEASUREMENT_FILE_NAME_MAX, false, &q->file_name, f);
    if (st == ST_OK)
        st = read_set_fields(m, body, DEFAULT_IMPORT_METHOD, false, &q->set, f);
    return st;
}

/* The row's values in the form save_set takes, in measures.json order. */
static size_t
row_values(const struct measures *m, const struct trichoscopy_row *row, struct checked_value *out)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nmeasures; i++)
        for (int c = TRICHOSCOPY_FIRST_MEASURE; c < TRICHOSCOPY_NCOLUMNS; c++)
            if (row->has[c] && strcmp(trichoscopy_column_name((enum trichoscopy_column)c),
                                      m->measures[i].code) == 0) {
                out[k].mm = &m->measures[i];
                out[k].num = row->value[c];
                out[k++].code = NULL;
            }
    return k;
}

/* Saves the valid rows under a new measurement_imports row, inside the write transaction. */
static int
save_import(struct db *db, const struct actor *a, const struct measures *m, int64_t patient_id,
            struct import_req *q, const struct trichoscopy_preview *p, int64_t now,
            int64_t *import_id, json_t *set_ids, struct fail *f)
{
    struct db_measurement_import mi = {
        .patient_id = patient_id,
        .file_name = q->file_name,
        .rows = (int64_t)p->nok,
        .imported_ms = now,
        .imported_by = a->user_id,
    };
    crypto_sha256_hex(q->csv, q->len, mi.sha256);
    int st = db_measurement_import_insert(db, &mi);
    if (st == ST_CONFLICT)
        return fail_set(f, ST_CONFLICT, "csv", "already_imported",
                        "this file was already imported for this patient");
    if (st != ST_OK)
        return db_fail(db, st, f);
    *import_id = mi.id;
    for (size_t i = 0; i < p->nrows; i++) {
        const struct trichoscopy_row *row = &p->rows[i];
        struct checked_value values[TRICHOSCOPY_NCOLUMNS];
        int64_t set_id = 0;
        if (!row->ok)
            continue;
        q->set.has_area = row->has_area;
        q->set.area_cm2 = row->area_cm2;
        size_t n = row_values(m, row, values);
        st = save_set(db, a, patient_id, row->date, &q->set, mi.id, values, n, now, &set_id, f);
        if (st != ST_OK)
            return st;
        if (json_array_append_new(set_ids, json_integer(set_id)) != 0)
            return nomem(f);
    }
    return ST_OK;
}

int
measurement_import(struct db *db, const struct actor *a, const struct measures *m,
                   int64_t patient_id, json_t *body, json_t **out, bool *committed, struct fail *f)
{
    struct import_req q;
    struct trichoscopy_preview p;
    struct date today_d;
    char today[11], mrn[24], dob[11], ids[24];
    int64_t import_id = 0;
    json_t *set_ids = NULL;
    bool in_tx = false;

    *out = NULL;
    *committed = false;
    memset(&p, 0, sizeof(p));
    int st = import_parse(m, body, &q, f);
    if (st != ST_OK)
        goto out;
    st = q.commit ? db_begin_write(db) : db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    in_tx = true;
    st = live_patient(db, patient_id, mrn, dob, f);
    if (st == ST_OK)
        st = check_course(db, patient_id, q.set.course_id, f);
    if (st != ST_OK)
        goto out;
    clinic_tz_today(&today_d);
    date_format(&today_d, today);
    struct trichoscopy_context ctx = {.mrn = mrn, .today = today, .date_of_birth = dob};
    st = trichoscopy_csv_parse(m, q.csv, q.len, &ctx, &p, f);
    if (st != ST_OK) {
        if (st == ST_INVALID || st == ST_TOO_BIG)
            snprintf(f->field, sizeof(f->field), "csv");
        else
            st = nomem(f);
        goto out;
    }
    clinical_id_str(patient_id, ids);
    if (q.commit) {
        if (p.nfailed > 0 && (!q.skip_invalid || p.nok == 0)) {
            st = fail_set(f, ST_INVALID, "csv", "import_has_errors",
                          p.nok == 0 ? "none of the %zu rows can be imported: nothing was saved"
                                     : "%zu of the rows have errors: nothing was saved (correct "
                                       "them, or import only the valid rows)",
                          p.nok == 0 ? p.nrows : p.nfailed);
            goto out;
        }
        if (p.nok == 0) {
            st = fail_set(f, ST_INVALID, "csv", "empty",
                          "the file holds no examinations, only its header: nothing to import");
            goto out;
        }
        if (!(set_ids = json_array())) {
            st = nomem(f);
            goto out;
        }
        st = save_import(db, a, m, patient_id, &q, &p, time_now_ms(), &import_id, set_ids, f);
        if (st == ST_OK && (st = audit_write(db, a, "measurement.import", "patient", ids)) != ST_OK)
            st = db_fail(db, st, f);
        if (st == ST_OK && (st = db_commit(db)) != ST_OK)
            st = db_fail(db, st, f);
        if (st != ST_OK)
            goto out;
        in_tx = false;
        *out = json_pack("{s:b, s:I, s:O}", "committed", 1, "import_id", (json_int_t)import_id,
                         "sets", set_ids);
        if (!*out) {
            /* A saved import stays saved; only its answer is lost. */
            st = nomem(f);
            goto out;
        }
        *committed = true;
    } else {
        db_rollback(db);
        in_tx = false;
        audit_read(a, "measurement.import_preview", "patient", ids);
        if (!(*out = trichoscopy_preview_json(&p)))
            st = nomem(f);
    }
out:
    if (in_tx)
        db_rollback(db);
    json_decref(set_ids);
    trichoscopy_csv_release(&p);
    free(q.file_name);
    set_fields_release(&q.set);
    return st;
}
