/* Adverse events: checking what is recorded against the patient's procedures and specimens,
 * keeping every version, and the patient's and the clinic's lists. */
#include "clinic/adverse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinical.h"
#include "clinic/docdiff.h"
#include "clinic/docin.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"

static const char *const types[] = {
    "bruising", "bleeding",          "pain",     "swelling",  "redness",
    "itching",  "tingling_numbness", "headache", "infection", "haematoma",
    "shedding", "vision_change",     "fainting", "other",     NULL};
/* In the order of the bit sets of struct db_adverse_query. */
static const char *const severities[] = {"mild", "moderate", "severe", "serious", NULL};
static const char *const outcomes[] = {"ongoing", "resolved", "resolved_with_sequelae", "unknown",
                                       NULL};

/* Longer than any specimen id the counter can make ("S" and up to 14 digits). */
#define SPECIMEN_ID_MAX 15

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static int
not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "adverse event %lld does not exist",
                    (long long)id);
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

static bool
is_resolved(const char *outcome)
{
    return !strcmp(outcome, "resolved") || !strcmp(outcome, "resolved_with_sequelae");
}

/* ---- the document: the fields a person records ---- */

/* A specimen id as printed ("S" and digits): trimmed, the S in either case. */
static int
specimen_id(json_t *body, json_t **out, struct fail *f)
{
    json_t *v = NULL;
    *out = NULL;
    int st = docin_text(body, "", "specimen_id", SPECIMEN_ID_MAX, false, &v, f);
    if (st != ST_OK || json_is_null(v)) {
        *out = v;
        return st;
    }
    /* Checked before it is copied or quoted: what was typed may be any text. */
    const char *typed = json_string_value(v);
    size_t n = strlen(typed);
    bool ok = n >= 2 && n <= SPECIMEN_ID_MAX && (typed[0] == 'S' || typed[0] == 's');
    for (size_t i = 1; ok && i < n; i++)
        ok = isdigit((unsigned char)typed[i]) != 0;
    if (!ok) {
        json_decref(v);
        return fail_set(f, ST_INVALID, "specimen_id", "invalid_value",
                        "specimen_id is not a specimen id such as S1000007");
    }
    char id[SPECIMEN_ID_MAX + 1];
    memcpy(id, typed, n + 1);
    json_decref(v);
    id[0] = 'S';
    *out = json_string(id);
    return *out ? ST_OK : nomem(f);
}

/* Sets doc[key] from a docin reader's result. */
static int
keep(json_t *doc, const char *key, json_t *v, struct fail *f)
{
    if (json_object_set_new(doc, key, v) != 0)
        return nomem(f);
    return ST_OK;
}

/* The resolved date: a local day not after the clinic's today, not before the onset's day, and
 * given exactly when the outcome is a resolution. */
static int
resolved_date(json_t *body, const char *outcome, int64_t onset_ms, json_t **out, struct fail *f)
{
    char *s = NULL;
    *out = NULL;
    int st = jsonin_string(body, "resolved_date", 10, false, &s, f);
    if (st == ST_INVALID && !strcmp(f->code, "too_long"))
        st = fail_set(f, ST_INVALID, "resolved_date", "invalid_date",
                      "resolved_date is not a date such as 2026-12-01");
    if (st != ST_OK)
        return st;
    if (!s) {
        if (is_resolved(outcome))
            return fail_set(f, ST_INVALID, "resolved_date", "required",
                            "resolved_date is required when the outcome is %s", outcome);
        *out = json_null();
        return ST_OK;
    }
    struct date d, today, onset;
    int minute;
    char day[11], onset_day[11];
    if (!is_resolved(outcome))
        st = fail_set(f, ST_INVALID, "resolved_date", "not_allowed",
                      "resolved_date is only for a resolved outcome, not %s", outcome);
    else if (date_parse(s, &d) != ST_OK)
        st = fail_set(f, ST_INVALID, "resolved_date", "invalid_date",
                      "resolved_date '%s' is not a date such as 2026-12-01", s);
    if (st == ST_OK) {
        clinic_tz_today(&today);
        clinic_tz_from_utc(onset_ms, &onset, &minute);
        date_format(&d, day);
        date_format(&onset, onset_day);
        if (date_compare(&d, &today) > 0)
            st = fail_set(f, ST_INVALID, "resolved_date", "future_date",
                          "resolved_date %s is after today in the clinic", day);
        else if (date_compare(&d, &onset) < 0)
            st = fail_set(f, ST_INVALID, "resolved_date", "before_start",
                          "resolved_date %s is before the onset (%s)", day, onset_day);
    }
    if (st == ST_OK && !(*out = json_string(day)))
        st = nomem(f);
    free(s);
    return st;
}

/* Reads a request body into the normalised document:
 * {"procedure_id","specimen_id","type","type_other","severity","onset_at","description",
 *  "actions","outcome","resolved_date"}, absent members null (outcome "ongoing"). */
static int
parse_doc(json_t *body, bool for_update, int64_t now_ms, json_t **doc, int64_t *version,
          int64_t *onset_ms, struct fail *f)
{
    static const char *const create_fields[] = {
        "procedure_id", "specimen_id", "type",    "type_other",    "severity", "onset_at",
        "description",  "actions",     "outcome", "resolved_date", NULL};
    static const char *const update_fields[] = {
        "procedure_id", "specimen_id", "type",    "type_other",    "severity", "onset_at",
        "description",  "actions",     "outcome", "resolved_date", "version",  NULL};
    json_t *d = json_object(), *v = NULL;
    const char *outcome = "ongoing";

    *doc = NULL;
    if (!d)
        return nomem(f);
    int st = jsonin_only_fields(body, for_update ? update_fields : create_fields, f);
    if (st == ST_OK && for_update)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, version, f);
    if (st == ST_OK &&
        (st = docin_int(body, "", "procedure_id", 1, INT64_MAX, false, &v, f)) == ST_OK)
        st = keep(d, "procedure_id", v, f);
    if (st == ST_OK && (st = specimen_id(body, &v, f)) == ST_OK)
        st = keep(d, "specimen_id", v, f);
    if (st == ST_OK && (st = docin_choice(body, "", "type", types, true, &v, f)) == ST_OK)
        st = keep(d, "type", v, f);
    if (st == ST_OK &&
        (st = docin_text(body, "", "type_other", ADVERSE_TYPE_OTHER_MAX, false, &v, f)) == ST_OK)
        st = keep(d, "type_other", v, f);
    if (st == ST_OK) {
        bool other = !strcmp(json_string_value(json_object_get(d, "type")), "other");
        bool has_text = !json_is_null(json_object_get(d, "type_other"));
        if (other && !has_text)
            st = fail_set(f, ST_INVALID, "type_other", "required",
                          "type_other says what happened when the type is other");
        else if (!other && has_text)
            st = fail_set(f, ST_INVALID, "type_other", "not_allowed",
                          "type_other is only for the type other");
    }
    if (st == ST_OK && (st = docin_choice(body, "", "severity", severities, true, &v, f)) == ST_OK)
        st = keep(d, "severity", v, f);
    if (st == ST_OK &&
        (st = docin_time(body, "", "onset_at", true, now_ms, &v, onset_ms, f)) == ST_OK)
        st = keep(d, "onset_at", v, f);
    if (st == ST_OK &&
        (st = docin_text(body, "", "description", ADVERSE_TEXT_MAX, false, &v, f)) == ST_OK)
        st = keep(d, "description", v, f);
    if (st == ST_OK &&
        (st = docin_text(body, "", "actions", ADVERSE_TEXT_MAX, false, &v, f)) == ST_OK)
        st = keep(d, "actions", v, f);
    if (st == ST_OK && (st = docin_choice(body, "", "outcome", outcomes, false, &v, f)) == ST_OK) {
        if (json_is_null(v)) {
            json_decref(v);
            v = json_string(outcome);
        }
        st = keep(d, "outcome", v, f);
        if (st == ST_OK)
            outcome = json_string_value(json_object_get(d, "outcome"));
    }
    if (st == ST_OK && (st = resolved_date(body, outcome, *onset_ms, &v, f)) == ST_OK)
        st = keep(d, "resolved_date", v, f);
    if (st != ST_OK) {
        json_decref(d);
        return st;
    }
    *doc = d;
    return ST_OK;
}

/* Checks the links of a document against the store, inside the caller's transaction: the
 * procedure must be the patient's and started no later than the onset, the specimen of that
 * procedure. A specimen given alone brings its procedure into the document. */
static int
check_links(struct db *db, int64_t patient_id, json_t *doc, int64_t onset_ms, struct fail *f)
{
    json_t *proc = json_object_get(doc, "procedure_id");
    const char *specimen = json_string_value(json_object_get(doc, "specimen_id"));
    int64_t procedure_id = json_is_integer(proc) ? json_integer_value(proc) : 0;
    int64_t owner = 0, started = 0, spec_proc = 0, spec_patient = 0;
    int st;

    if (specimen) {
        st = db_adverse_specimen(db, specimen, &spec_proc, &spec_patient);
        if (st == ST_NOT_FOUND || (st == ST_OK && spec_patient != patient_id))
            return fail_set(f, ST_INVALID, "specimen_id", "invalid_value",
                            "specimen %s is not a specimen of this patient", specimen);
        if (st != ST_OK)
            return db_fail(db, st, f);
        if (procedure_id == 0) {
            procedure_id = spec_proc;
            if (json_object_set_new(doc, "procedure_id", json_integer(procedure_id)) != 0)
                return nomem(f);
        } else if (spec_proc != procedure_id) {
            return fail_set(f, ST_INVALID, "specimen_id", "invalid_value",
                            "specimen %s is not of procedure %lld", specimen,
                            (long long)procedure_id);
        }
    }
    if (procedure_id == 0)
        return ST_OK;
    st = db_adverse_procedure(db, procedure_id, &owner, &started);
    if (st == ST_NOT_FOUND || (st == ST_OK && owner != patient_id))
        return fail_set(f, ST_INVALID, "procedure_id", "invalid_value",
                        "procedure %lld is not a procedure of this patient",
                        (long long)procedure_id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (onset_ms < started) {
        char local[17];
        clinic_tz_format_local(started, local);
        return fail_set(f, ST_INVALID, "onset_at", "before_start",
                        "onset_at is before procedure %lld started (%s in the clinic)",
                        (long long)procedure_id, local);
    }
    return ST_OK;
}

/* Copies a document into the fields of a record. */
static int
record_from(json_t *doc, struct db_adverse *e, int64_t onset_ms, struct fail *f)
{
    const char *s;
    json_t *proc = json_object_get(doc, "procedure_id");
    e->procedure_id = json_is_integer(proc) ? json_integer_value(proc) : 0;
    s = json_string_value(json_object_get(doc, "specimen_id"));
    snprintf(e->specimen_id, sizeof(e->specimen_id), "%s", s ? s : "");
    snprintf(e->type, sizeof(e->type), "%s", json_string_value(json_object_get(doc, "type")));
    snprintf(e->severity, sizeof(e->severity), "%s",
             json_string_value(json_object_get(doc, "severity")));
    snprintf(e->outcome, sizeof(e->outcome), "%s",
             json_string_value(json_object_get(doc, "outcome")));
    s = json_string_value(json_object_get(doc, "resolved_date"));
    snprintf(e->resolved_date, sizeof(e->resolved_date), "%s", s ? s : "");
    e->onset_ms = onset_ms;
    free(e->type_other);
    free(e->description);
    free(e->actions);
    e->type_other = e->description = e->actions = NULL;
    const char *keys[] = {"type_other", "description", "actions"};
    char **dst[] = {&e->type_other, &e->description, &e->actions};
    for (size_t i = 0; i < 3; i++) {
        s = json_string_value(json_object_get(doc, keys[i]));
        if (s && !(*dst[i] = strdup(s)))
            return nomem(f);
    }
    return ST_OK;
}

/* The document of a stored record, as its versions keep it. */
static json_t *
doc_of(const struct db_adverse *e)
{
    json_t *o = json_object();
    bool ok = true;
    put(o, "procedure_id", e->procedure_id > 0 ? json_integer(e->procedure_id) : json_null(), &ok);
    put(o, "specimen_id", str_or_null(e->specimen_id), &ok);
    put(o, "type", json_string(e->type), &ok);
    put(o, "type_other", str_or_null(e->type_other), &ok);
    put(o, "severity", json_string(e->severity), &ok);
    put(o, "onset_at", time_json(e->onset_ms), &ok);
    put(o, "description", str_or_null(e->description), &ok);
    put(o, "actions", str_or_null(e->actions), &ok);
    put(o, "outcome", json_string(e->outcome), &ok);
    put(o, "resolved_date", str_or_null(e->resolved_date), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the API form ---- */

/* A name of one script: "given family", or null when either part is missing. */
static json_t *
name_json(const char *given, const char *family)
{
    char buf[512];
    if (!given || !family)
        return json_null();
    snprintf(buf, sizeof(buf), "%s %s", given, family);
    return json_string(buf);
}

static json_t *
patient_brief(const struct db_adverse *e)
{
    return json_pack("{s:I, s:s, s:{s:o, s:o}, s:s}", "id", (json_int_t)e->patient_id, "mrn",
                     e->mrn, "name", "en", name_json(e->given_name, e->family_name), "ar",
                     name_json(e->given_name_ar, e->family_name_ar), "date_of_birth",
                     e->date_of_birth);
}

static json_t *
event_json(struct db *db, const struct db_adverse *e)
{
    json_t *o = json_object();
    bool ok = true;
    put(o, "id", json_integer(e->id), &ok);
    put(o, "patient", patient_brief(e), &ok);
    put(o, "procedure_id", e->procedure_id > 0 ? json_integer(e->procedure_id) : json_null(), &ok);
    put(o, "specimen_id", str_or_null(e->specimen_id), &ok);
    put(o, "type", json_string(e->type), &ok);
    put(o, "type_other", str_or_null(e->type_other), &ok);
    put(o, "severity", json_string(e->severity), &ok);
    put(o, "onset_at", time_json(e->onset_ms), &ok);
    put(o, "onset_local", local_json(e->onset_ms), &ok);
    put(o, "description", str_or_null(e->description), &ok);
    put(o, "actions", str_or_null(e->actions), &ok);
    put(o, "outcome", json_string(e->outcome), &ok);
    put(o, "resolved_date", str_or_null(e->resolved_date), &ok);
    put(o, "version", json_integer(e->version), &ok);
    put(o, "created_at", time_json(e->created_ms), &ok);
    put(o, "created_by", clinical_user_json(db, e->created_by), &ok);
    put(o, "updated_at", time_json(e->updated_ms), &ok);
    put(o, "updated_by", clinical_user_json(db, e->updated_by), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The event `id` unless missing or its patient deleted, inside the caller's transaction. */
static int
get_visible(struct db *db, int64_t id, struct db_adverse *e, struct fail *f)
{
    int st = db_adverse_get(db, id, e);
    if (st == ST_NOT_FOUND || (st == ST_OK && e->patient_deleted)) {
        db_adverse_release(e);
        return not_found(id, f);
    }
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* Stores version `e->version` of an event: its document as it now is. */
static int
keep_version(struct db *db, const struct db_adverse *e, struct fail *f)
{
    json_t *doc = doc_of(e);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return nomem(f);
    struct db_adverse_version v = {
        .adverse_event_id = e->id,
        .version = e->version,
        .doc = text,
        .at_ms = e->updated_ms,
        .by = e->updated_by,
    };
    int st = db_adverse_version_insert(db, &v);
    free(text);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* Reads the stored event back and gives its API form, then commits. */
static int
answer_and_commit(struct db *db, int64_t id, json_t **out, struct fail *f)
{
    struct db_adverse stored;
    int st = db_adverse_get(db, id, &stored);
    if (st != ST_OK)
        return db_fail(db, st, f);
    *out = event_json(db, &stored);
    db_adverse_release(&stored);
    if (!*out)
        return nomem(f);
    st = db_commit(db);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
adverse_create(struct db *db, const struct actor *a, int64_t patient_id, json_t *body, json_t **out,
               struct fail *f)
{
    struct db_adverse e;
    json_t *doc = NULL;
    int64_t onset_ms = 0, now = time_now_ms();
    char ids[24];

    *out = NULL;
    memset(&e, 0, sizeof(e));
    int st = parse_doc(body, false, now, &doc, NULL, &onset_ms, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK)
        st = check_links(db, patient_id, doc, onset_ms, f);
    if (st == ST_OK)
        st = record_from(doc, &e, onset_ms, f);
    if (st != ST_OK)
        goto out;
    e.patient_id = patient_id;
    e.version = 1;
    e.created_ms = e.updated_ms = now;
    e.created_by = e.updated_by = a->user_id;
    st = db_adverse_insert(db, &e);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = keep_version(db, &e, f);
    clinical_id_str(e.id, ids);
    if (st == ST_OK && (st = audit_write(db, a, "adverse.create", "adverse_event", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, e.id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    json_decref(doc);
    db_adverse_release(&e);
    return st;
}

int
adverse_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
               struct fail *f)
{
    struct db_adverse e;
    json_t *doc = NULL, *cur = NULL;
    int64_t onset_ms = 0, version = 0, now = time_now_ms();
    char ids[24];

    *out = NULL;
    memset(&e, 0, sizeof(e));
    int st = parse_doc(body, true, now, &doc, &version, &onset_ms, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = get_visible(db, id, &e, f);
    if (st != ST_OK)
        goto out;
    if (e.version != version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "adverse event %lld was changed by someone else (version %lld, not %lld)",
                      (long long)id, (long long)e.version, (long long)version);
        goto out;
    }
    st = check_links(db, e.patient_id, doc, onset_ms, f);
    if (st != ST_OK)
        goto out;
    /* Saving an unchanged form is not a new version. */
    if (!(cur = doc_of(&e))) {
        st = nomem(f);
        goto out;
    }
    if (json_equal(cur, doc)) {
        *out = event_json(db, &e);
        st = *out ? ST_OK : nomem(f);
        db_rollback(db);
        goto out;
    }
    if ((st = record_from(doc, &e, onset_ms, f)) != ST_OK)
        goto out;
    e.version = version + 1;
    e.updated_ms = now;
    e.updated_by = a->user_id;
    st = db_adverse_update(db, &e, version);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "adverse event %lld was changed by someone else first", (long long)id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = keep_version(db, &e, f);
    clinical_id_str(id, ids);
    if (st == ST_OK && (st = audit_write(db, a, "adverse.update", "adverse_event", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    json_decref(doc);
    json_decref(cur);
    db_adverse_release(&e);
    return st;
}

int
adverse_read(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    struct db_adverse e;
    char ids[24];

    *out = NULL;
    memset(&e, 0, sizeof(e));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = get_visible(db, id, &e, f);
    if (st == ST_OK && !(*out = event_json(db, &e)))
        st = nomem(f);
    db_rollback(db);
    if (st == ST_OK) {
        clinical_id_str(id, ids);
        audit_read(a, "adverse.read", "adverse_event", ids);
    }
    db_adverse_release(&e);
    return st;
}

/* ---- lists ---- */

struct list_ctx {
    struct db *db;
    json_t *events;
    json_t *patients; /* the ids of the patients shown, as object keys */
};

static int
list_event(void *ctx, const struct db_adverse *e)
{
    struct list_ctx *lc = ctx;
    json_t *o = event_json(lc->db, e);
    if (!o || json_array_append_new(lc->events, o) != 0)
        return ST_NOMEM;
    if (lc->patients) {
        char ids[24];
        clinical_id_str(e->patient_id, ids);
        if (json_object_set_new(lc->patients, ids, json_true()) != 0)
            return ST_NOMEM;
    }
    return 0;
}

/* {"adverse_events": events}, taking the reference. */
static int
wrap_list(json_t *events, json_t **out, struct fail *f)
{
    *out = json_pack("{s:o}", "adverse_events", events);
    return *out ? ST_OK : nomem(f);
}

int
adverse_list_patient(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                     struct fail *f)
{
    struct list_ctx lc = {.db = db, .events = json_array(), .patients = NULL};
    char ids[24];

    *out = NULL;
    if (!lc.events)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(lc.events);
        return db_fail(db, st, f);
    }
    st = clinical_patient_visible(db, patient_id, f);
    if (st == ST_OK && (st = db_adverse_of_patient(db, patient_id, list_event, &lc)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    db_rollback(db);
    if (st != ST_OK) {
        json_decref(lc.events);
        return st;
    }
    clinical_id_str(patient_id, ids);
    audit_read(a, "adverse.list", "patient", ids);
    return wrap_list(lc.events, out, f);
}

/* A comma-separated list of `names` as a bit set; ST_INVALID naming `key` for anything else. */
static int
parse_set(const char *key, const char *value, const char *const *names, unsigned *bits,
          struct fail *f)
{
    *bits = 0;
    if (!value || !value[0])
        return ST_OK;
    const char *p = value;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int found = -1;
        for (int i = 0; names[i]; i++)
            if (strlen(names[i]) == n && !strncmp(names[i], p, n))
                found = i;
        if (found < 0)
            return fail_set(f, ST_INVALID, key, "invalid_query",
                            "%s '%s' is not a list of %s values", key, value, key);
        *bits |= 1u << found;
        if (!end)
            return ST_OK;
        p = end + 1;
    }
}

/* A local day's first instant (or, with `next`, the next day's). */
static int
parse_day(const char *key, const char *value, bool next, int64_t *ms, struct fail *f)
{
    struct date d;
    int64_t start, end;
    *ms = 0;
    if (!value || !value[0])
        return ST_OK;
    if (strlen(value) != 10 || date_parse(value, &d) != ST_OK ||
        clinic_tz_day_bounds(&d, &start, &end) != ST_OK)
        return fail_set(f, ST_INVALID, key, "invalid_query",
                        "%s '%s' is not a date such as 2026-12-01", key, value);
    *ms = next ? end : start;
    return ST_OK;
}

int
adverse_query_parse(const char *severity, const char *outcome, const char *from, const char *to,
                    const char *limit, struct db_adverse_query *q, struct fail *f)
{
    memset(q, 0, sizeof(*q));
    q->limit = ADVERSE_LIST_DEFAULT;
    int st = parse_set("severity", severity, severities, &q->severities, f);
    if (st == ST_OK)
        st = parse_set("outcome", outcome, outcomes, &q->outcomes, f);
    if (st == ST_OK)
        st = parse_day("from", from, false, &q->from_ms, f);
    if (st == ST_OK)
        st = parse_day("to", to, true, &q->to_ms, f);
    if (st == ST_OK && q->from_ms && q->to_ms && q->to_ms <= q->from_ms)
        st = fail_set(f, ST_INVALID, "to", "invalid_query", "to %s is before from %s", to, from);
    if (st == ST_OK && limit && limit[0]) {
        char *end = NULL;
        errno = 0;
        long n = strtol(limit, &end, 10);
        if (errno || !isdigit((unsigned char)limit[0]) || *end || n < 1 || n > ADVERSE_LIST_MAX)
            st = fail_set(f, ST_INVALID, "limit", "invalid_query",
                          "limit '%s' is not a whole number from 1 to %d", limit, ADVERSE_LIST_MAX);
        else
            q->limit = (int)n;
    }
    return st;
}

int
adverse_list_clinic(struct db *db, const struct actor *a, const struct db_adverse_query *q,
                    json_t **out, struct fail *f)
{
    struct list_ctx lc = {.db = db, .events = json_array(), .patients = json_object()};

    *out = NULL;
    if (!lc.events || !lc.patients) {
        json_decref(lc.events);
        json_decref(lc.patients);
        return nomem(f);
    }
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if ((st = db_adverse_list(db, q, list_event, &lc)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    /* The trail says whose records were read, not only that the list was. */
    const char *pid;
    json_t *unused;
    json_object_foreach(lc.patients, pid, unused) audit_read(a, "adverse.list", "patient", pid);
    if (json_object_size(lc.patients) == 0)
        audit_read(a, "adverse.list", "adverse_event", "");
    st = wrap_list(lc.events, out, f);
    lc.events = NULL;
out:
    json_decref(lc.events);
    json_decref(lc.patients);
    return st;
}

/* ---- versions ---- */

struct versions_ctx {
    struct db *db;
    json_t *items; /* oldest first while reading */
    json_t *prev;  /* the document of the version before */
    bool damaged;  /* a stored document is not a JSON object */
};

static int
version_item(void *ctx, const struct db_adverse_version *v)
{
    struct versions_ctx *vc = ctx;
    json_t *doc = clinical_doc_load(v->doc);
    if (!json_is_object(doc)) {
        json_decref(doc);
        vc->damaged = true;
        return ST_DB;
    }
    json_t *changes = vc->prev ? docdiff_changes(vc->prev, doc) : docdiff_creation(doc);
    json_t *event = json_deep_copy(doc);
    const char *onset = json_string_value(json_object_get(doc, "onset_at"));
    int64_t onset_ms = 0;
    bool ok = changes && event;
    if (ok && onset && time_parse_iso(onset, &onset_ms) == ST_OK)
        put(event, "onset_local", local_json(onset_ms), &ok);
    json_t *o = json_object();
    put(o, "version", json_integer(v->version), &ok);
    put(o, "at", time_json(v->at_ms), &ok);
    put(o, "at_local", local_json(v->at_ms), &ok);
    put(o, "by", clinical_user_json(vc->db, v->by), &ok);
    put(o, "changes", changes, &ok);
    put(o, "event", event, &ok);
    json_decref(vc->prev);
    vc->prev = doc;
    if (!ok || json_array_append_new(vc->items, o) != 0)
        return ST_NOMEM;
    return 0;
}

int
adverse_versions(struct db *db, const struct actor *a, int64_t id, json_t **out, struct fail *f)
{
    struct db_adverse e;
    struct versions_ctx vc = {.db = db, .items = json_array(), .prev = NULL};
    char ids[24];

    *out = NULL;
    memset(&e, 0, sizeof(e));
    if (!vc.items)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = get_visible(db, id, &e, f);
    if (st == ST_OK && (st = db_adverse_versions(db, id, version_item, &vc)) != ST_OK)
        st = st == ST_NOMEM ? nomem(f)
             : vc.damaged
                 ? fail_set(f, ST_DB, "", "internal",
                            "a version of adverse event %lld is stored damaged", (long long)id)
                 : db_fail(db, st, f);
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    /* Newest first, as every list of versions. */
    json_t *items = json_array();
    for (size_t i = json_array_size(vc.items); items && i > 0; i--)
        if (json_array_append(items, json_array_get(vc.items, i - 1)) != 0) {
            json_decref(items);
            items = NULL;
        }
    if (!items) {
        st = nomem(f);
        goto out;
    }
    st = ST_OK;
    *out = json_pack("{s:o}", "versions", items);
    if (!*out)
        st = nomem(f);
    clinical_id_str(id, ids);
    if (st == ST_OK)
        audit_read(a, "adverse.read", "adverse_event", ids);
out:
    json_decref(vc.items);
    json_decref(vc.prev);
    db_adverse_release(&e);
    return st;
}
