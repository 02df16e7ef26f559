/* Procedures at the chair: starting one after check-in and a re-screening, saving its documents
 * with the identity rule on each specimen injected, the aftercare sheet, completing and
 * abandoning. The store knows SQL, clinic/procdoc.c the documents, this file the rules. */
#include "clinic/procedure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/course_protocols.h"
#include "clinic/labresult.h"
#include "clinic/procdoc.h"
#include "clinic/prp_inputs.h"
#include "clinic/schedule.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"

enum { SEC_PREPARATION, SEC_FAT, SEC_INJECTION, SEC_COUNT };

static const char *const section_names[] = {"preparation", "fat", "injection", NULL};
static const char *const treatments[] = {"prp-hair", "prp-face", "adsc-hair", NULL};
static const char *const langs[] = {"en", "ar", NULL};
/* The specimens whose content goes into the patient; tubes and aspirates are only sources. */
static const char *const injectable_kinds[] = {"prp", "fat_graft", "cell_suspension", NULL};

/* ---- small helpers ---- */

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
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
in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static bool
is_prp(const char *treatment)
{
    return strcmp(treatment, "prp-hair") == 0 || strcmp(treatment, "prp-face") == 0;
}

/* The section of the treatment's preparation: the PRP preparation or the fat record. */
static int
prep_section(const char *treatment)
{
    return is_prp(treatment) ? SEC_PREPARATION : SEC_FAT;
}

static int
commit(struct db *db, struct fail *f)
{
    int st = db_commit(db);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* {"id","username","display_name"}, or null for no user. */
static int
user_json(struct db *db, int64_t id, json_t **out, struct fail *f)
{
    struct db_user u;
    *out = NULL;
    if (id <= 0) {
        *out = json_null();
        return ST_OK;
    }
    int st = db_user_get(db, id, &u);
    if (st == ST_NOT_FOUND) {
        *out = json_pack("{s:I, s:n, s:n}", "id", (json_int_t)id, "username", "display_name");
        return *out ? ST_OK : nomem(f);
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    *out = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "username", u.username,
                     "display_name", str_or_null(u.display_name));
    db_user_release(&u);
    return *out ? ST_OK : nomem(f);
}

/* "given family" of one script, or NULL when either part is missing; *buf holds it. */
static const char *
name_of(const char *given, const char *family, char *buf, size_t cap)
{
    if (!given || !family)
        return NULL;
    snprintf(buf, cap, "%s %s", given, family);
    return buf;
}

static json_t *
patient_brief(const struct db_patient *pt)
{
    char en[512], ar[512];
    return json_pack("{s:I, s:s, s:{s:o, s:o}, s:s}", "id", (json_int_t)pt->id, "mrn", pt->mrn,
                     "name", "en",
                     str_or_null(name_of(pt->given_name, pt->family_name, en, sizeof(en))), "ar",
                     str_or_null(name_of(pt->given_name_ar, pt->family_name_ar, ar, sizeof(ar))),
                     "date_of_birth", pt->date_of_birth);
}

/* ---- what a procedure is made of ---- */

struct proc {
    struct db_procedure p;
    struct db_patient pt;
    struct db_appointment ap;
    json_t *protocol; /* the protocol document the record is compared with; NULL when none */
    bool has[SEC_COUNT];
    struct db_procedure_record rec[SEC_COUNT];
    json_t *doc[SEC_COUNT]; /* rec[i].doc parsed */
};

static void
proc_release(struct proc *x)
{
    db_procedure_release(&x->p);
    db_patient_release(&x->pt);
    db_appointment_release(&x->ap);
    json_decref(x->protocol);
    for (int i = 0; i < SEC_COUNT; i++) {
        db_procedure_record_release(&x->rec[i]);
        json_decref(x->doc[i]);
    }
    memset(x, 0, sizeof(*x));
}

/* The protocol document of a course (as prescribed), parsed. */
static int
course_document(struct db *db, int64_t course_id, json_t **out, struct db_course *c, struct fail *f)
{
    json_error_t err;
    *out = NULL;
    int st = db_course_get(db, course_id, c);
    if (st != ST_OK)
        return db_fail(db, st == ST_NOT_FOUND ? ST_DB : st, f);
    *out = json_loads(c->protocol_json ? c->protocol_json : "", 0, &err);
    if (!*out)
        return fail_set(f, ST_DB, "", "internal",
                        "the stored protocol of course %lld does not parse", (long long)course_id);
    return ST_OK;
}

/* The course protocol of the catalogue for a screening treatment, or NULL. */
static const struct course_protocol *
treatment_protocol(const struct protocols *p, const char *treatment)
{
    for (size_t i = 0; p && p->courses && i < p->courses->nprotocols; i++)
        if (strcmp(p->courses->protocols[i].screening_treatment, treatment) == 0)
            return &p->courses->protocols[i];
    return NULL;
}

/* The protocol a procedure is compared with: the course's as prescribed for a course session,
 * else the catalogue's protocol of the treatment. */
static int
load_protocol(struct db *db, const struct protocols *p, struct proc *x, struct fail *f)
{
    if (x->ap.course_id) {
        struct db_course c;
        int st = course_document(db, x->ap.course_id, &x->protocol, &c, f);
        db_course_release(&c);
        return st;
    }
    const struct course_protocol *cp = treatment_protocol(p, x->p.treatment);
    x->protocol = cp ? json_incref(cp->document) : NULL;
    return ST_OK;
}

/* The procedure `id` with its patient, appointment, protocol and latest documents, inside the
 * caller's transaction. A procedure of a deleted patient is not found. */
static int
load_proc(struct db *db, const struct protocols *p, int64_t id, struct proc *x, struct fail *f)
{
    memset(x, 0, sizeof(*x));
    int st = db_procedure_get(db, id, &x->p);
    if (st == ST_OK) {
        st = db_patient_get(db, x->p.patient_id, &x->pt);
        if (st == ST_OK && x->pt.deleted)
            st = ST_NOT_FOUND;
    }
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "procedure %lld does not exist",
                        (long long)id);
    if (st == ST_OK)
        st = db_appointment_get(db, x->p.appointment_id, &x->ap);
    if (st != ST_OK)
        return db_fail(db, st == ST_NOT_FOUND ? ST_DB : st, f);
    if ((st = load_protocol(db, p, x, f)) != ST_OK)
        return st;
    for (int i = 0; i < SEC_COUNT; i++) {
        st = db_procedure_record_latest(db, id, section_names[i], &x->rec[i]);
        if (st == ST_NOT_FOUND)
            continue;
        if (st != ST_OK)
            return db_fail(db, st, f);
        json_error_t err;
        x->has[i] = true;
        x->doc[i] = json_loads(x->rec[i].doc, 0, &err);
        if (!x->doc[i])
            return fail_set(f, ST_DB, "", "internal",
                            "the stored %s of procedure %lld does not parse", section_names[i],
                            (long long)id);
    }
    return ST_OK;
}

/* The clinic's centrifuge for procdoc (ctx is the db). */
static int
centrifuge_lookup(void *ctx, int64_t id, struct procdoc_centrifuge *out, struct fail *f)
{
    struct db *db = ctx;
    struct db_centrifuge c;
    memset(out, 0, sizeof(*out));
    int st = db_centrifuge_get(db, id, &c);
    if (st == ST_OK && !c.active)
        st = ST_NOT_FOUND;
    if (st == ST_OK) {
        out->id = c.id;
        snprintf(out->name, sizeof(out->name), "%s", c.name ? c.name : "");
        snprintf(out->model, sizeof(out->model), "%s", c.model ? c.model : "");
        snprintf(out->rotor_type, sizeof(out->rotor_type), "%s", c.rotor_type);
        out->rotor_radius_mm = c.rotor_radius_mm;
    }
    db_centrifuge_release(&c);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "centrifuge %lld is not in use",
                        (long long)id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

static void
doc_context(struct db *db, const struct protocols *p, const struct proc *x,
            struct procdoc_context *c)
{
    memset(c, 0, sizeof(*c));
    c->protocols = p;
    c->protocol = x->protocol;
    c->centrifuge = centrifuge_lookup;
    c->centrifuge_ctx = db;
    c->injected_volume_ml =
        x->doc[SEC_INJECTION] ? procdoc_injection_total_ml(x->doc[SEC_INJECTION]) : NAN;
}

/* ---- the answer ---- */

struct specimens_ctx {
    json_t *arr;
    int64_t now;
    size_t n;
};

static int
specimen_item(void *ctx, const struct db_specimen *s)
{
    struct specimens_ctx *sc = ctx;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "id", s->id, "kind", s->kind, "label",
                          s->label ? s->label : "", "status", s->status, "expires_at",
                          time_json(s->expires_ms), "expired", sc->now >= s->expires_ms);
    sc->n++;
    return o && json_array_append_new(sc->arr, o) == 0 ? ST_OK : ST_NOMEM;
}

static int
specimens_json(struct db *db, int64_t procedure_id, json_t **out, size_t *n, struct fail *f)
{
    struct specimens_ctx sc = {.arr = json_array(), .now = time_now_ms()};
    *out = NULL;
    *n = 0;
    if (!sc.arr)
        return nomem(f);
    int st = db_specimen_list(db, procedure_id, specimen_item, &sc);
    if (st != ST_OK) {
        json_decref(sc.arr);
        return st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    }
    *out = sc.arr;
    *n = sc.n;
    return ST_OK;
}

/* The latest passed identity check, and whether the identity step is done: the latest check
 * passed, or a passed one stands behind the recorded injection. */
static int
check_json(struct db *db, const struct proc *x, json_t **out, bool *step, struct fail *f)
{
    struct db_proc_check last, passed;
    json_t *by = NULL;
    *out = NULL;
    *step = false;
    int st = db_proc_check_latest(db, x->p.id, true, &passed);
    if (st == ST_NOT_FOUND) {
        *out = json_null();
        return ST_OK;
    }
    if (st == ST_OK)
        st = db_proc_check_latest(db, x->p.id, false, &last);
    if (st != ST_OK)
        return db_fail(db, st, f);
    *step = last.passed || x->has[SEC_INJECTION];
    if ((st = user_json(db, passed.by, &by, f)) != ST_OK)
        return st;
    *out = json_pack("{s:I, s:b, s:o, s:o, s:o}", "id", (json_int_t)passed.id, "passed", 1,
                     "specimen_id", str_or_null(passed.specimen_id), "at", time_json(passed.at_ms),
                     "by", by);
    return *out ? ST_OK : nomem(f);
}

static int
screening_json(struct db *db, int64_t id, json_t **out, struct fail *f)
{
    struct db_screening s;
    json_t *signoff = NULL, *by = NULL;
    *out = NULL;
    int st = db_screening_get(db, id, &s);
    if (st != ST_OK)
        return db_fail(db, st == ST_NOT_FOUND ? ST_DB : st, f);
    if (s.is_signed && (st = user_json(db, s.signed_by, &by, f)) == ST_OK)
        signoff = json_pack("{s:s, s:b, s:o, s:o, s:o}", "decision", s.decision, "override",
                            s.override, "reason", str_or_null(s.reason), "signed_at",
                            time_json(s.signed_ms), "signed_by", by);
    else if (st == ST_OK)
        signoff = json_null();
    if (st == ST_OK) {
        *out = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)s.id, "outcome", s.outcome,
                         "computed_at", time_json(s.computed_ms), "signoff", signoff);
        if (!*out)
            st = nomem(f);
    }
    db_screening_release(&s);
    return st;
}

/* A section in its API form: {"version","doc","computed"?,"at","by","reason"}, or null. */
static int
section_json(struct db *db, const struct protocols *p, const struct proc *x, int i, json_t **out,
             struct fail *f)
{
    struct procdoc_context c;
    json_t *computed = NULL, *by = NULL;
    *out = NULL;
    if (!x->has[i]) {
        *out = json_null();
        return ST_OK;
    }
    doc_context(db, p, x, &c);
    int st = ST_OK;
    if (i == SEC_PREPARATION)
        st = procdoc_preparation_compute(x->doc[i], &c, &computed, f);
    else if (i == SEC_INJECTION)
        st = procdoc_injection_compute(x->doc[i], &c, &computed, f);
    if (st == ST_OK)
        st = user_json(db, x->rec[i].by, &by, f);
    if (st != ST_OK) {
        json_decref(computed);
        return st;
    }
    json_t *o = json_object();
    bool ok = true;
    put(o, "version", json_integer(x->rec[i].version), &ok);
    put(o, "doc", json_incref(x->doc[i]), &ok);
    if (i != SEC_FAT)
        put(o, "computed", computed, &ok);
    put(o, "at", time_json(x->rec[i].at_ms), &ok);
    put(o, "by", by, &ok);
    put(o, "reason", str_or_null(x->rec[i].reason), &ok);
    if (!ok) {
        json_decref(o);
        return nomem(f);
    }
    *out = o;
    return ST_OK;
}

static json_t *
appointment_brief(const struct db_appointment *ap)
{
    return json_pack("{s:I, s:o, s:o, s:s}", "id", (json_int_t)ap->id, "start",
                     time_json(ap->start_ms), "local_start", local_json(ap->start_ms), "status",
                     ap->status);
}

/* The procedure in its API form (`full`: with its documents, specimens and checks; otherwise the
 * list's summary), inside the caller's transaction. */
static int
procedure_json(struct db *db, const struct protocols *p, const struct proc *x, bool full,
               json_t **out, struct fail *f)
{
    json_t *o = json_object(), *specimens = NULL, *check = NULL, *started_by = NULL,
           *completed_by = NULL, *screening = NULL, *sec[SEC_COUNT] = {NULL, NULL, NULL},
           *aftercare = NULL, *given_by = NULL;
    size_t nspecimens = 0;
    bool ok = true, check_step = false;
    int st = o ? ST_OK : nomem(f);

    *out = NULL;
    if (st == ST_OK)
        st = specimens_json(db, x->p.id, &specimens, &nspecimens, f);
    if (st == ST_OK)
        st = check_json(db, x, &check, &check_step, f);
    if (st == ST_OK)
        st = user_json(db, x->p.started_by, &started_by, f);
    if (st == ST_OK)
        st = user_json(db, x->p.completed_ms ? x->p.completed_by : 0, &completed_by, f);
    if (st == ST_OK && full)
        st = screening_json(db, x->p.screening_id, &screening, f);
    for (int i = 0; st == ST_OK && full && i < SEC_COUNT; i++)
        st = section_json(db, p, x, i, &sec[i], f);
    if (st == ST_OK && full && x->p.aftercare_lang[0]) {
        st = user_json(db, x->p.aftercare_given_by, &given_by, f);
        if (st == ST_OK)
            aftercare = json_pack("{s:s, s:o, s:o, s:o}", "lang", x->p.aftercare_lang, "given_at",
                                  time_json(x->p.aftercare_given_ms), "given_local",
                                  local_json(x->p.aftercare_given_ms), "given_by", given_by);
        given_by = NULL;
        if (st == ST_OK && !aftercare)
            st = nomem(f);
    } else if (st == ST_OK && full) {
        aftercare = json_null();
    }
    if (st != ST_OK)
        goto out;
    json_t *steps =
        json_pack("{s:b, s:b, s:b, s:b, s:b}", "preparation", x->has[prep_section(x->p.treatment)],
                  "specimens", nspecimens > 0, "identity_check", check_step, "injection",
                  x->has[SEC_INJECTION], "aftercare", x->p.aftercare_lang[0] != '\0');
    put(o, "id", json_integer(x->p.id), &ok);
    if (full)
        put(o, "patient", patient_brief(&x->pt), &ok);
    put(o, "appointment", appointment_brief(&x->ap), &ok);
    put(o, "treatment", json_string(x->p.treatment), &ok);
    if (full) {
        put(o, "protocol", str_or_null(x->p.protocol), &ok);
        put(o, "course_id", x->ap.course_id ? json_integer(x->ap.course_id) : json_null(), &ok);
        put(o, "screening", screening, &ok);
        screening = NULL;
    }
    put(o, "status", json_string(x->p.status), &ok);
    if (full) {
        put(o, "status_reason", str_or_null(x->p.status_reason), &ok);
        put(o, "version", json_integer(x->p.version), &ok);
    }
    put(o, "started_at", time_json(x->p.started_ms), &ok);
    put(o, "started_local", local_json(x->p.started_ms), &ok);
    put(o, "started_by", started_by, &ok);
    started_by = NULL;
    put(o, "completed_at", x->p.completed_ms ? time_json(x->p.completed_ms) : json_null(), &ok);
    put(o, "completed_by", completed_by, &ok);
    completed_by = NULL;
    if (full) {
        for (int i = 0; i < SEC_COUNT; i++) {
            put(o, section_names[i], sec[i], &ok);
            sec[i] = NULL;
        }
        put(o, "aftercare", aftercare, &ok);
        aftercare = NULL;
        put(o, "specimens", specimens, &ok);
        specimens = NULL;
        put(o, "identity_check", check, &ok);
        check = NULL;
    }
    put(o, "steps", steps, &ok);
    if (!ok) {
        st = nomem(f);
        goto out;
    }
    *out = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(specimens);
    json_decref(check);
    json_decref(started_by);
    json_decref(completed_by);
    json_decref(screening);
    json_decref(aftercare);
    json_decref(given_by);
    for (int i = 0; i < SEC_COUNT; i++)
        json_decref(sec[i]);
    return st;
}

/* Reads procedure `id` again after a write and answers with it, then commits. */
static int
answer_and_commit(struct db *db, const struct protocols *p, int64_t id, json_t **out,
                  struct fail *f)
{
    struct proc x;
    int st = load_proc(db, p, id, &x, f);
    if (st == ST_OK)
        st = procedure_json(db, p, &x, true, out, f);
    proc_release(&x);
    if (st == ST_OK)
        st = commit(db, f);
    return st;
}

/* Gives the procedure its next version, who changed it and when (with the other fields the
 * caller set), refusing a version changed meanwhile. */
static int
bump(struct db *db, struct db_procedure *p, const struct actor *a, int64_t now, struct fail *f)
{
    int64_t expected = p->version;
    p->version++;
    p->updated_ms = now;
    p->updated_by = a->user_id;
    int st = db_procedure_update(db, p, expected);
    if (st == ST_CONFLICT)
        return fail_set(f, ST_CONFLICT, "version", "stale_version",
                        "procedure %lld was changed by someone else first", (long long)p->id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

static int
check_version(const struct db_procedure *p, int64_t version, struct fail *f)
{
    if (version == p->version)
        return ST_OK;
    return fail_set(f, ST_CONFLICT, "version", "stale_version",
                    "procedure %lld is at version %lld, not %lld: someone changed it first",
                    (long long)p->id, (long long)p->version, (long long)version);
}

static int
must_be_open(const struct db_procedure *p, const char *what, struct fail *f)
{
    if (strcmp(p->status, "open") == 0)
        return ST_OK;
    return fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                    "procedure %lld is %s: it cannot be %s", (long long)p->id, p->status, what);
}

/* A reason of at least PROCEDURE_REASON_MIN characters; *out NULL when absent and optional. */
static int
read_reason(json_t *body, bool required, char **out, struct fail *f)
{
    int st = jsonin_string(body, "reason", PROCEDURE_REASON_MAX, required, out, f);
    if (st == ST_OK && *out && text_codepoints(*out, strlen(*out)) < PROCEDURE_REASON_MIN) {
        free(*out);
        *out = NULL;
        st = fail_set(f, ST_INVALID, "reason", "too_short",
                      "the reason must say what happened in at least %d characters",
                      PROCEDURE_REASON_MIN);
    }
    return st;
}

/* ---- start ---- */

/* The treatment of the session: the course protocol's for a course session. */
static int
session_treatment(struct db *db, const struct db_appointment *ap, const char *given,
                  char treatment[32], char protocol[32], struct fail *f)
{
    treatment[0] = protocol[0] = '\0';
    if (!ap->course_id) {
        if (!given)
            return fail_set(f, ST_INVALID, "treatment", "required",
                            "a session outside a course needs its treatment: prp-hair, prp-face "
                            "or adsc-hair");
        snprintf(treatment, 32, "%s", given);
        return ST_OK;
    }
    struct db_course c;
    struct course_protocol *cp = NULL;
    struct fail why;
    fail_clear(&why);
    int st = db_course_get(db, ap->course_id, &c);
    if (st != ST_OK) {
        st = db_fail(db, st == ST_NOT_FOUND ? ST_DB : st, f);
        goto out;
    }
    const char *text = c.protocol_json ? c.protocol_json : "";
    if (course_protocol_parse("course protocol", text, strlen(text), &cp, &why) != ST_OK) {
        st = fail_set(f, ST_DB, "", "internal", "the stored protocol of course %lld does not parse",
                      (long long)c.id);
        goto out;
    }
    if (given && strcmp(given, cp->screening_treatment) != 0) {
        st = fail_set(f, ST_INVALID, "treatment", "invalid_value",
                      "this session belongs to a course of %s: its treatment is %s, not %s",
                      c.protocol, cp->screening_treatment, given);
        goto out;
    }
    if (!in_list(cp->screening_treatment, treatments)) {
        st = fail_set(f, ST_CONFLICT, "treatment", "invalid_value",
                      "the course's treatment %s has no procedure record", cp->screening_treatment);
        goto out;
    }
    snprintf(treatment, 32, "%s", cp->screening_treatment);
    snprintf(protocol, 32, "%s", c.protocol);
out:
    course_protocol_free(cp);
    db_course_release(&c);
    return st;
}

/* The re-screening at check-in: this patient's, for the treatment, of the day or the day
 * before, and cleared. */
static int
check_screening(struct db *db, const struct db_appointment *ap, const char *treatment,
                int64_t screening_id, struct fail *f)
{
    struct db_screening s;
    int st = db_screening_get(db, screening_id, &s);
    if (st == ST_NOT_FOUND ||
        (st == ST_OK && (s.patient_id != ap->patient_id || strcmp(s.treatment, treatment) != 0))) {
        st = fail_set(f, ST_INVALID, "screening_id", "invalid_value",
                      "screening %lld is not a screening of this patient for %s",
                      (long long)screening_id, treatment);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    struct date sd, ad;
    int minute;
    clinic_tz_from_utc(s.computed_ms, &sd, &minute);
    clinic_tz_from_utc(ap->start_ms, &ad, &minute);
    int64_t days = date_to_days(&ad) - date_to_days(&sd);
    if (days < 0 || days > 1) {
        char day[11];
        date_format(&sd, day);
        st = fail_set(f, ST_CONFLICT, "screening_id", "screening_stale",
                      "screening %lld was computed on %s: screen the patient again on the day "
                      "of the session",
                      (long long)screening_id, day);
        goto out;
    }
    bool cleared = s.is_signed
                       ? strcmp(s.decision, "proceed") == 0
                       : strcmp(s.outcome, "eligible") == 0 || strcmp(s.outcome, "caution") == 0;
    if (!cleared)
        st = fail_set(f, ST_CONFLICT, "screening_id", "screening_not_cleared",
                      s.is_signed ? "screening %lld is signed do not proceed"
                                  : "screening %lld is %s: a doctor must sign it proceed first",
                      (long long)screening_id, s.outcome);
out:
    db_screening_release(&s);
    return st;
}

int
procedure_start(struct db *db, const struct protocols *p, const struct actor *a,
                int64_t appointment_id, json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"screening_id", "treatment", NULL};
    struct db_appointment ap = {0};
    struct db_patient pt = {0};
    struct db_procedure proc = {0};
    const char *given = NULL;
    int64_t screening_id = 0;
    char ids[24];

    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_int(body, "screening_id", 1, INT64_MAX, true, NULL, &screening_id, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "treatment", treatments, false, &given, f);
    if (st != ST_OK)
        return st;
    if ((st = db_begin_write(db)) != ST_OK)
        return db_fail(db, st, f);
    st = db_appointment_get(db, appointment_id, &ap);
    if (st == ST_OK) {
        st = db_patient_get(db, ap.patient_id, &pt);
        if (st == ST_OK && pt.deleted)
            st = ST_NOT_FOUND;
    }
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                      (long long)appointment_id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = db_procedure_by_appointment(db, appointment_id, &proc);
    if (st == ST_OK) {
        st = fail_set(f, ST_CONFLICT, "appointment", "procedure_exists",
                      "appointment %lld has procedure %lld already", (long long)appointment_id,
                      (long long)proc.id);
        goto out;
    }
    if (st != ST_NOT_FOUND) {
        st = db_fail(db, st, f);
        goto out;
    }
    db_procedure_release(&proc);
    if (strcmp(ap.kind, "session") != 0) {
        st = fail_set(f, ST_CONFLICT, "appointment", "invalid_transition",
                      "appointment %lld is a %s, not a treatment session", (long long)ap.id,
                      ap.kind);
        goto out;
    }
    if (strcmp(ap.status, "checked_in") != 0) {
        st = fail_set(f, ST_CONFLICT, "appointment", "invalid_transition",
                      "appointment %lld is %s: check the patient in first", (long long)ap.id,
                      ap.status);
        goto out;
    }
    st = session_treatment(db, &ap, given, proc.treatment, proc.protocol, f);
    if (st == ST_OK)
        st = check_screening(db, &ap, proc.treatment, screening_id, f);
    if (st != ST_OK)
        goto out;
    int64_t now = time_now_ms();
    proc.patient_id = ap.patient_id;
    proc.appointment_id = ap.id;
    proc.screening_id = screening_id;
    snprintf(proc.status, sizeof(proc.status), "open");
    proc.version = 1;
    proc.started_ms = proc.updated_ms = now;
    proc.started_by = proc.updated_by = a->user_id;
    st = db_procedure_insert(db, &proc);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "appointment", "procedure_exists",
                      "appointment %lld has a procedure already", (long long)ap.id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = schedule_status_in_tx(db, p, a, ap.id, "in_progress", NULL, f);
    id_str(proc.id, ids);
    if (st == ST_OK && (st = audit_write(db, a, "procedure.start", "procedure", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, p, proc.id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_procedure_release(&proc);
    db_patient_release(&pt);
    db_appointment_release(&ap);
    return st;
}

/* ---- reading ---- */

static int
read_one(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
         int64_t appointment_id, json_t **out, struct fail *f)
{
    struct proc x;
    struct db_procedure byap;
    char ids[24];
    *out = NULL;
    memset(&x, 0, sizeof(x));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (appointment_id) {
        st = db_procedure_by_appointment(db, appointment_id, &byap);
        id = byap.id;
        db_procedure_release(&byap);
        if (st == ST_NOT_FOUND)
            st = fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld has no procedure",
                          (long long)appointment_id);
        else if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    if (st == ST_OK)
        st = load_proc(db, p, id, &x, f);
    if (st == ST_OK)
        st = procedure_json(db, p, &x, true, out, f);
    db_rollback(db);
    if (st == ST_OK) {
        id_str(id, ids);
        audit_read(a, "procedure.read", "procedure", ids);
    }
    proc_release(&x);
    return st;
}

int
procedure_read(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
               json_t **out, struct fail *f)
{
    return read_one(db, p, a, id, 0, out, f);
}

int
procedure_read_by_appointment(struct db *db, const struct protocols *p, const struct actor *a,
                              int64_t appointment_id, json_t **out, struct fail *f)
{
    return read_one(db, p, a, 0, appointment_id, out, f);
}

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int
collect_id(void *ctx, const struct db_procedure *p)
{
    struct ids *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        int64_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = p->id;
    return ST_OK;
}

int
procedure_list(struct db *db, const struct protocols *p, const struct actor *a, int64_t patient_id,
               json_t **out, struct fail *f)
{
    struct db_patient pt;
    struct ids ids = {0};
    json_t *arr = json_array();
    char idbuf[24];
    *out = NULL;
    if (!arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        json_decref(arr);
        return db_fail(db, st, f);
    }
    st = db_patient_get(db, patient_id, &pt);
    if (st == ST_NOT_FOUND || (st == ST_OK && pt.deleted)) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                      (long long)patient_id);
    } else if (st == ST_OK) {
        /* The ids first: each procedure is read with statements of its own. */
        st = db_procedure_list(db, patient_id, collect_id, &ids);
        if (st != ST_OK)
            st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    } else {
        st = db_fail(db, st, f);
    }
    db_patient_release(&pt);
    for (size_t i = 0; st == ST_OK && i < ids.n; i++) {
        struct proc x;
        json_t *o = NULL;
        st = load_proc(db, p, ids.v[i], &x, f);
        if (st == ST_OK)
            st = procedure_json(db, p, &x, false, &o, f);
        if (st == ST_OK && json_array_append_new(arr, o) != 0)
            st = nomem(f);
        proc_release(&x);
    }
    db_rollback(db);
    free(ids.v);
    if (st == ST_OK) {
        id_str(patient_id, idbuf);
        audit_read(a, "procedure.list", "patient", idbuf);
        *out = json_pack("{s:O}", "procedures", arr);
        if (!*out)
            st = nomem(f);
    }
    json_decref(arr);
    return st;
}

/* ---- documents ---- */

/* Whether `sid` is among the specimens of a stored injection document. */
static bool
listed(const json_t *doc, const char *sid)
{
    size_t n = doc ? procdoc_injection_nspecimens(doc) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = procdoc_injection_specimen(doc, i);
        if (s && strcmp(s, sid) == 0)
            return true;
    }
    return false;
}

/* The identity rule of an injection: every specimen it names that this record has not injected
 * yet must be this procedure's, injectable, active, in date and checked at the chair since the
 * procedure's latest failed check; each then becomes injected. */
static int
inject_specimens(struct db *db, const struct actor *a, const struct proc *x, const json_t *doc,
                 int64_t now, struct fail *f)
{
    size_t n = procdoc_injection_nspecimens(doc);
    int st = ST_OK;
    for (size_t i = 0; st == ST_OK && i < n; i++) {
        const char *sid = procdoc_injection_specimen(doc, i);
        char path[48];
        struct db_specimen s;
        bool cleared = false;
        snprintf(path, sizeof(path), "doc.specimens[%zu]", i);
        if (!sid)
            return fail_set(f, ST_INVALID, path, "invalid_type", "%s must be a specimen id", path);
        for (size_t j = 0; j < i; j++) {
            const char *other = procdoc_injection_specimen(doc, j);
            if (other && strcmp(other, sid) == 0)
                return fail_set(f, ST_INVALID, path, "duplicate", "specimen %s is named twice",
                                sid);
        }
        st = db_specimen_get(db, sid, &s);
        if (st == ST_NOT_FOUND || (st == ST_OK && s.procedure_id != x->p.id)) {
            db_specimen_release(&s);
            return fail_set(f, ST_INVALID, path, "invalid_value",
                            "specimen %s is not a specimen of this procedure", sid);
        }
        if (st != ST_OK)
            return db_fail(db, st, f);
        if (strcmp(s.status, "injected") == 0 && listed(x->doc[SEC_INJECTION], sid)) {
            /* Injected by an earlier version of this record: a correction names it again. */
            db_specimen_release(&s);
            continue;
        }
        if (!in_list(s.kind, injectable_kinds))
            st = fail_set(f, ST_INVALID, path, "invalid_value",
                          "specimen %s is a %s: it is not injected", sid, s.kind);
        else if (strcmp(s.status, "injected") == 0)
            st = fail_set(f, ST_CONFLICT, path, "specimen_used",
                          "STOP — specimen %s was injected already", sid);
        else if (strcmp(s.status, "discarded") == 0)
            st = fail_set(f, ST_CONFLICT, path, "specimen_discarded",
                          "STOP — specimen %s was discarded", sid);
        else if (now >= s.expires_ms)
            st = fail_set(f, ST_CONFLICT, path, "specimen_expired",
                          "STOP — specimen %s is past its use-by time", sid);
        else if ((st = db_proc_check_cleared(db, x->p.id, sid, &cleared)) != ST_OK)
            st = db_fail(db, st, f);
        else if (!cleared)
            st = fail_set(f, ST_CONFLICT, path, "identity_check_required",
                          "STOP — scan the patient's wristband and specimen %s at the chair "
                          "before recording its injection",
                          sid);
        if (st == ST_OK && (st = db_specimen_mark(db, sid, "injected", "injected", now, a->user_id,
                                                  NULL)) != ST_OK)
            st = db_fail(db, st, f);
        db_specimen_release(&s);
    }
    return st;
}

int
procedure_put_section(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                      const char *section, json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"doc", "version", "reason", NULL};
    struct proc x;
    struct procdoc_context c;
    struct db_procedure_record rec = {0};
    json_t *doc = NULL;
    char *reason = NULL, ids[24];
    int64_t version = 0;
    int i;

    *out = NULL;
    memset(&x, 0, sizeof(x));
    for (i = 0; section_names[i] && strcmp(section_names[i], section) != 0; i++)
        ;
    if (!section_names[i])
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "no section %s", section);
    int st = jsonin_only_fields(body, fields, f);
    json_t *in = json_object_get(body, "doc");
    if (st == ST_OK && (!in || json_is_null(in)))
        st = fail_set(f, ST_INVALID, "doc", "required", "doc is required");
    if (st == ST_OK && !json_is_object(in))
        st = fail_set(f, ST_INVALID, "doc", "invalid_type", "doc must be an object");
    if (st == ST_OK)
        st = jsonin_int(body, "version", 0, INT64_MAX, true, NULL, &version, f);
    if (st == ST_OK)
        st = read_reason(body, false, &reason, f);
    if (st != ST_OK)
        goto out;
    if ((st = db_begin_write(db)) != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if ((st = load_proc(db, p, id, &x, f)) != ST_OK)
        goto out;
    if (strcmp(x.p.status, "abandoned") == 0) {
        st = fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                      "procedure %lld was abandoned: its record is closed", (long long)id);
        goto out;
    }
    if (strcmp(x.p.status, "completed") == 0 && !reason) {
        st = fail_set(f, ST_INVALID, "reason", "required",
                      "procedure %lld is completed: a correction needs its reason", (long long)id);
        goto out;
    }
    if ((i == SEC_PREPARATION && !is_prp(x.p.treatment)) ||
        (i == SEC_FAT && strcmp(x.p.treatment, "adsc-hair") != 0)) {
        st = fail_set(f, ST_CONFLICT, "", "wrong_treatment",
                      "a %s record is not kept for a %s procedure", section, x.p.treatment);
        goto out;
    }
    int64_t current = x.has[i] ? x.rec[i].version : 0;
    if (version != current) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "the %s of procedure %lld is at version %lld, not %lld: someone saved it "
                      "first",
                      section, (long long)id, (long long)current, (long long)version);
        goto out;
    }
    doc_context(db, p, &x, &c);
    if (i == SEC_PREPARATION)
        st = procdoc_preparation_normalise(in, &c, &doc, f);
    else if (i == SEC_FAT)
        st = procdoc_fat_normalise(in, &c, &doc, f);
    else
        st = procdoc_injection_normalise(in, &c, x.p.treatment, &doc, f);
    if (st != ST_OK)
        goto out;
    int64_t now = time_now_ms();
    if (i == SEC_INJECTION && (st = inject_specimens(db, a, &x, doc, now, f)) != ST_OK)
        goto out;
    rec.procedure_id = id;
    snprintf(rec.section, sizeof(rec.section), "%s", section);
    rec.version = current + 1;
    rec.doc = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    rec.reason = strcmp(x.p.status, "completed") == 0 ? reason : NULL;
    rec.at_ms = now;
    rec.by = a->user_id;
    if (!rec.doc) {
        st = nomem(f);
        goto out;
    }
    st = db_procedure_record_insert(db, &rec);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "the %s of procedure %lld was saved by someone else first", section,
                      (long long)id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = bump(db, &x.p, a, now, f);
    id_str(id, ids);
    if (st == ST_OK && (st = audit_write(db, a, "procedure.record", "procedure", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, p, id, out, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(rec.doc);
    free(reason);
    json_decref(doc);
    proc_release(&x);
    return st;
}

/* ---- the end of a procedure ---- */

/* What completion lacks, in the order of the chair: the preparation (or fat record with its
 * regulatory basis), a passed identity check, the injection. */
static int
completion_needs(struct db *db, const struct proc *x, struct fail *f)
{
    int prep = prep_section(x->p.treatment);
    if (!x->has[SEC_INJECTION])
        return fail_set(f, ST_CONFLICT, "injection", "incomplete",
                        "record the injection before completing the procedure");
    if (!x->has[prep])
        return fail_set(f, ST_CONFLICT, section_names[prep], "incomplete",
                        prep == SEC_FAT ? "record the fat harvest and processing before completing"
                                        : "record the PRP preparation before completing");
    if (prep == SEC_FAT) {
        const char *basis = json_string_value(json_object_get(x->doc[SEC_FAT], "regulatory_basis"));
        if (!basis || !basis[0])
            return fail_set(f, ST_CONFLICT, "fat.regulatory_basis", "incomplete",
                            "record the clinic's regulatory basis for fat-derived cells before "
                            "completing");
    }
    struct db_proc_check passed;
    int st = db_proc_check_latest(db, x->p.id, true, &passed);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_CONFLICT, "identity_check", "incomplete",
                        "no identity check passed at the chair: scan the patient and the "
                        "specimen first");
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* The common shape of complete, abandon and aftercare: read the body, lock the procedure, let
 * `apply` change it, bump, audit, answer. */
struct change {
    const char *action; /* the audit action */
    int64_t version;
    bool has_version;
    char *reason;
    const char *lang;
};
typedef int (*apply_fn)(struct db *db, const struct protocols *p, const struct actor *a,
                        struct proc *x, struct change *ch, int64_t now, struct fail *f);

static int
change_procedure(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                 struct change *ch, apply_fn apply, json_t **out, struct fail *f)
{
    struct proc x;
    char ids[24];
    memset(&x, 0, sizeof(x));
    int st = db_begin_write(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = load_proc(db, p, id, &x, f);
    if (st == ST_OK && ch->has_version)
        st = check_version(&x.p, ch->version, f);
    int64_t now = time_now_ms();
    if (st == ST_OK)
        st = apply(db, p, a, &x, ch, now, f);
    if (st == ST_OK)
        st = bump(db, &x.p, a, now, f);
    id_str(id, ids);
    if (st == ST_OK && (st = audit_write(db, a, ch->action, "procedure", ids)) != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK)
        st = answer_and_commit(db, p, id, out, f);
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    proc_release(&x);
    return st;
}

static int
apply_complete(struct db *db, const struct protocols *p, const struct actor *a, struct proc *x,
               struct change *ch, int64_t now, struct fail *f)
{
    (void)ch;
    int st = must_be_open(&x->p, "completed", f);
    if (st == ST_OK)
        st = completion_needs(db, x, f);
    if (st != ST_OK)
        return st;
    snprintf(x->p.status, sizeof(x->p.status), "completed");
    x->p.completed_ms = now;
    x->p.completed_by = a->user_id;
    return schedule_status_in_tx(db, p, a, x->p.appointment_id, "done", NULL, f);
}

int
procedure_complete(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                   json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"version", NULL};
    struct change ch = {.action = "procedure.complete", .has_version = true};
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, &ch.version, f);
    if (st == ST_OK)
        st = change_procedure(db, p, a, id, &ch, apply_complete, out, f);
    return st;
}

/* An id as the specimens store keeps it. */
typedef char specimen_id_buf[sizeof((struct db_specimen){0}.id)];

struct discard_ctx {
    specimen_id_buf *ids;
    size_t n, cap;
};

static int
collect_active(void *ctx, const struct db_specimen *s)
{
    struct discard_ctx *d = ctx;
    if (strcmp(s->status, "active") != 0)
        return ST_OK;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        specimen_id_buf *v = realloc(d->ids, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        d->ids = v;
        d->cap = cap;
    }
    memcpy(d->ids[d->n++], s->id, sizeof(s->id));
    return ST_OK;
}

static int
apply_abandon(struct db *db, const struct protocols *p, const struct actor *a, struct proc *x,
              struct change *ch, int64_t now, struct fail *f)
{
    struct discard_ctx d = {0};
    int st = must_be_open(&x->p, "abandoned", f);
    if (st != ST_OK)
        return st;
    /* The ids first: each is then changed with statements of its own. */
    st = db_specimen_list(db, x->p.id, collect_active, &d);
    if (st != ST_OK)
        st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    for (size_t i = 0; st == ST_OK && i < d.n; i++)
        if ((st = db_specimen_mark(db, d.ids[i], "discarded", "discarded", now, a->user_id,
                                   ch->reason)) != ST_OK)
            st = db_fail(db, st, f);
    free(d.ids);
    if (st != ST_OK)
        return st;
    snprintf(x->p.status, sizeof(x->p.status), "abandoned");
    free(x->p.status_reason);
    x->p.status_reason = strdup(ch->reason);
    if (!x->p.status_reason)
        return nomem(f);
    return schedule_status_in_tx(db, p, a, x->p.appointment_id, "cancelled", ch->reason, f);
}

int
procedure_abandon(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                  json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"reason", "version", NULL};
    struct change ch = {.action = "procedure.abandon", .has_version = true};
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = read_reason(body, true, &ch.reason, f);
    if (st == ST_OK)
        st = jsonin_int(body, "version", 1, INT64_MAX, true, NULL, &ch.version, f);
    if (st == ST_OK)
        st = change_procedure(db, p, a, id, &ch, apply_abandon, out, f);
    free(ch.reason);
    return st;
}

static int
apply_aftercare(struct db *db, const struct protocols *p, const struct actor *a, struct proc *x,
                struct change *ch, int64_t now, struct fail *f)
{
    (void)db;
    (void)p;
    if (strcmp(x->p.status, "abandoned") == 0)
        return fail_set(f, ST_CONFLICT, "status", "invalid_transition",
                        "procedure %lld was abandoned: no aftercare sheet is given",
                        (long long)x->p.id);
    snprintf(x->p.aftercare_lang, sizeof(x->p.aftercare_lang), "%s", ch->lang);
    x->p.aftercare_given_ms = now;
    x->p.aftercare_given_by = a->user_id;
    return ST_OK;
}

int
procedure_aftercare(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                    json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"lang", NULL};
    struct change ch = {.action = "procedure.aftercare"};
    *out = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "lang", langs, true, &ch.lang, f);
    if (st == ST_OK)
        st = change_procedure(db, p, a, id, &ch, apply_aftercare, out, f);
    return st;
}

/* ---- the aftercare sheet ---- */

/* The texts of a protocol list in `lang`: entry.<field>.<lang>. */
static json_t *
protocol_texts(const json_t *protocol, const char *key, const char *field, const char *lang)
{
    json_t *arr = json_array();
    const json_t *list = json_object_get(protocol, key);
    for (size_t i = 0; arr && i < json_array_size(list); i++) {
        const char *s = json_string_value(
            json_object_get(json_object_get(json_array_get(list, i), field), lang));
        if (s && s[0] && json_array_append_new(arr, json_string(s)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

int
procedure_aftercare_sheet(struct db *db, const struct protocols *p, const struct actor *a,
                          int64_t id, const char *lang, json_t **out, struct fail *f)
{
    struct proc x;
    char ids[24], en[512], ar[512], today_s[11];
    struct date today;
    *out = NULL;
    if (lang && !in_list(lang, langs))
        return fail_set(f, ST_INVALID, "lang", "invalid_value", "lang must be en or ar");
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = load_proc(db, p, id, &x, f);
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    if (!lang)
        lang = strcmp(x.pt.preferred_language, "ar") == 0 ? "ar" : "en";
    bool in_ar = strcmp(lang, "ar") == 0;
    const char *name_en = name_of(x.pt.given_name, x.pt.family_name, en, sizeof(en));
    const char *name_ar = name_of(x.pt.given_name_ar, x.pt.family_name_ar, ar, sizeof(ar));
    const char *name = in_ar ? (name_ar ? name_ar : name_en) : (name_en ? name_en : name_ar);
    const char *label =
        json_string_value(json_object_get(json_object_get(x.protocol, "label"), lang));
    clinic_tz_today(&today);
    date_format(&today, today_s);
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "lang", lang, "patient_name",
                     name ? name : "", "mrn", x.pt.mrn, "treatment_label",
                     label ? label : x.p.treatment, "date", today_s, "items",
                     protocol_texts(x.protocol, "aftercare", "text", lang), "side_effects",
                     protocol_texts(x.protocol, "side_effects", "label", lang));
    if (!*out) {
        st = nomem(f);
        goto out;
    }
    id_str(id, ids);
    audit_read(a, "procedure.read", "procedure", ids);
out:
    proc_release(&x);
    return st;
}

/* ---- the preparation designer's starting point ---- */

struct centrifuges_ctx {
    struct db_centrifuge *v;
    size_t n, cap;
};

/* Copies each centrifuge (the row's strings are the store's until the callback returns). */
static int
collect_centrifuge(void *ctx, const struct db_centrifuge *c)
{
    struct centrifuges_ctx *cc = ctx;
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? cc->cap * 2 : 8;
        struct db_centrifuge *v = realloc(cc->v, cap * sizeof(*v));
        if (!v)
            return ST_NOMEM;
        cc->v = v;
        cc->cap = cap;
    }
    struct db_centrifuge *d = &cc->v[cc->n];
    *d = *c;
    d->model = NULL;
    d->name = strdup(c->name ? c->name : "");
    if (!d->name)
        return ST_NOMEM;
    cc->n++;
    return ST_OK;
}

static void
centrifuges_release(struct centrifuges_ctx *cc)
{
    for (size_t i = 0; i < cc->n; i++)
        db_centrifuge_release(&cc->v[i]);
    free(cc->v);
    memset(cc, 0, sizeof(*cc));
}

int
procedure_prp_request(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                      json_t **out, struct fail *f)
{
    struct proc x;
    struct centrifuges_ctx cc = {0};
    struct db_lab *labs = NULL;
    size_t n_labs = 0;
    char ids[24];
    *out = NULL;
    memset(&x, 0, sizeof(x));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = load_proc(db, p, id, &x, f);
    if (st == ST_OK && !is_prp(x.p.treatment))
        st = fail_set(f, ST_CONFLICT, "", "wrong_treatment",
                      "procedure %lld is a %s treatment: the PRP designer is for PRP",
                      (long long)id, x.p.treatment);
    if (st == ST_OK)
        st = labresult_for_screening(db, x.p.patient_id, &labs, &n_labs, f);
    if (st == ST_OK) {
        st = db_centrifuge_list(db, collect_centrifuge, &cc);
        if (st == ST_NOMEM)
            st = nomem(f);
        else if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    const struct prp_inputs in = {
        .labs = labs,
        .n_labs = n_labs,
        .preparation = x.doc[SEC_PREPARATION],
        .centrifuges = cc.v,
        .n_centrifuges = cc.n,
        .protocol = x.protocol,
        .booked_centrifuge_id = x.ap.centrifuge_id,
    };
    if ((st = prp_inputs_request(&in, out, f)) != ST_OK)
        goto out;
    json_t *used = json_object_get(json_object_get(*out, "sources"), "rotor");
    json_int_t cid = json_integer_value(json_object_get(used, "centrifuge_id"));
    json_t *proc = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "treatment", x.p.treatment,
                             "centrifuge_id", cid > 0 ? json_integer(cid) : json_null());
    if (!proc || json_object_set_new(*out, "procedure", proc) != 0) {
        json_decref(*out);
        *out = NULL;
        st = nomem(f);
        goto out;
    }
    id_str(id, ids);
    audit_read(a, "procedure.prp_request", "procedure", ids);
out:
    labresult_for_screening_release(labs, n_labs);
    centrifuges_release(&cc);
    proc_release(&x);
    return st;
}
