/* The identity check at the chair: the verdict on what was scanned, stored and audited in its
 * own committed transaction whether it passes or not, so that a failed check leaves a trace and
 * changes nothing else. */
#include "clinic/identity_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/mrn.h"
#include "clinic/specimen.h"
#include "clinic/specimen_id.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"

static const char *const codes[] = {
    [IDENTITY_PASSED] = "",
    [IDENTITY_PATIENT_UNKNOWN] = "patient_unknown",
    [IDENTITY_WRONG_PATIENT] = "wrong_patient",
    [IDENTITY_SPECIMEN_UNKNOWN] = "specimen_unknown",
    [IDENTITY_SPECIMEN_OTHER_PATIENT] = "specimen_other_patient",
    [IDENTITY_SPECIMEN_OTHER_PROCEDURE] = "specimen_other_procedure",
    [IDENTITY_SPECIMEN_NOT_INJECTABLE] = "specimen_not_injectable",
    [IDENTITY_SPECIMEN_DISCARDED] = "specimen_discarded",
    [IDENTITY_SPECIMEN_USED] = "specimen_used",
    [IDENTITY_SPECIMEN_EXPIRED] = "specimen_expired",
};

const char *
identity_failure_code(enum identity_failure why)
{
    if ((size_t)why >= sizeof(codes) / sizeof(codes[0]))
        return "";
    return codes[why];
}

enum identity_failure
identity_judge(const struct identity_facts *x)
{
    const struct db_specimen *s = x->specimen;
    if (x->scanned_patient_id <= 0)
        return IDENTITY_PATIENT_UNKNOWN;
    if (x->scanned_patient_id != x->procedure_patient_id)
        return IDENTITY_WRONG_PATIENT;
    if (!s)
        return IDENTITY_SPECIMEN_UNKNOWN;
    if (s->patient_id != x->procedure_patient_id)
        return IDENTITY_SPECIMEN_OTHER_PATIENT;
    if (s->procedure_id != x->procedure_id)
        return IDENTITY_SPECIMEN_OTHER_PROCEDURE;
    if (!specimen_kind_injectable(s->kind))
        return IDENTITY_SPECIMEN_NOT_INJECTABLE;
    if (strcmp(s->status, "discarded") == 0)
        return IDENTITY_SPECIMEN_DISCARDED;
    if (strcmp(s->status, "active") != 0)
        return IDENTITY_SPECIMEN_USED;
    if (x->now_ms >= s->expires_ms)
        return IDENTITY_SPECIMEN_EXPIRED;
    return IDENTITY_PASSED;
}

/* The sentence the nurse reads: it starts with STOP, says what is wrong and what to do. */
static void
failure_message(enum identity_failure why, const char *patient_scan, const char *specimen_scan,
                const struct db_specimen *s, struct fail *f)
{
    char until[17] = "";
    if (s)
        clinic_tz_format_local(s->expires_ms, until);
    const char *code = identity_failure_code(why);
    const char *field = why <= IDENTITY_WRONG_PATIENT ? "patient_scan" : "specimen_scan";
    switch (why) {
    case IDENTITY_PATIENT_UNKNOWN:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — '%s' is not the MRN of any patient: scan the patient's wristband again",
                 patient_scan);
        break;
    case IDENTITY_WRONG_PATIENT:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — MRN %s belongs to another patient, not to the patient of this procedure: "
                 "check who is in the chair",
                 patient_scan);
        break;
    case IDENTITY_SPECIMEN_UNKNOWN:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — '%s' is not the id of any specimen: scan the label again, and do not "
                 "inject an unlabelled product",
                 specimen_scan);
        break;
    case IDENTITY_SPECIMEN_OTHER_PATIENT:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — this tube belongs to another patient (%s): do not inject it", s->id);
        break;
    case IDENTITY_SPECIMEN_OTHER_PROCEDURE:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — %s is from another procedure of this patient: do not inject it", s->id);
        break;
    case IDENTITY_SPECIMEN_NOT_INJECTABLE:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — %s is a %s, not a product for injection: scan the syringe to be "
                 "injected",
                 s->id, strcmp(s->kind, "blood_tube") == 0 ? "blood tube" : "fat aspirate");
        break;
    case IDENTITY_SPECIMEN_DISCARDED:
        fail_set(f, ST_CONFLICT, field, code, "STOP — %s was discarded: do not inject it", s->id);
        break;
    case IDENTITY_SPECIMEN_USED:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — %s was injected already: do not inject it again", s->id);
        break;
    case IDENTITY_SPECIMEN_EXPIRED:
        fail_set(f, ST_CONFLICT, field, code,
                 "STOP — %s expired at %s: it is past its usable time, do not inject it", s->id,
                 until);
        break;
    case IDENTITY_PASSED:
        break;
    }
}

static json_t *
check_json(const struct db_identity_check *c)
{
    char at[25], local[17];
    time_format_ms(c->at_ms, at);
    clinic_tz_format_local(c->at_ms, local);
    return json_pack("{s:I, s:b, s:o, s:o, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)c->id,
                     "passed", c->passed, "failure",
                     c->failure[0] ? json_string(c->failure) : json_null(), "specimen_id",
                     c->specimen_id[0] ? json_string(c->specimen_id) : json_null(), "patient_scan",
                     c->patient_scan, "specimen_scan", c->specimen_scan, "at", at, "local", local,
                     "by", specimen_user_json(c->by, c->by_username, c->by_display_name));
}

/* The patient the scan names, 0 when it names none. */
static int
scanned_patient(struct db *db, const char *scan, int64_t *id)
{
    *id = 0;
    if (!mrn_valid(scan))
        return ST_OK;
    int st = db_specimen_patient_by_mrn(db, scan, id);
    return st == ST_NOT_FOUND ? ST_OK : st;
}

/* The specimen the scan names (s zeroed and *found false when none). */
static int
scanned_specimen(struct db *db, const char *scan, struct db_specimen *s, bool *found)
{
    char id[SPECIMEN_ID_MAX];
    memset(s, 0, sizeof(*s));
    *found = false;
    if (specimen_id_parse(scan, strlen(scan), id) != ST_OK)
        return ST_OK;
    int st = db_specimen_get(db, id, s);
    if (st == ST_NOT_FOUND)
        return ST_OK;
    *found = st == ST_OK;
    return st;
}

int
identity_check_run(struct db *db, const struct actor *a, int64_t procedure_id, json_t *body,
                   json_t **out, struct fail *f)
{
    static const char *const fields[] = {"patient_scan", "specimen_scan", NULL};
    char *patient_scan = NULL, *specimen_scan = NULL, ids[24];
    struct db_procedure proc;
    struct db_specimen s;
    struct db_identity_check c, stored;
    json_t *check = NULL, *spec = NULL;
    bool found = false;
    struct fail verdict;

    *out = NULL;
    memset(&proc, 0, sizeof(proc));
    memset(&s, 0, sizeof(s));
    memset(&c, 0, sizeof(c));
    memset(&stored, 0, sizeof(stored));
    fail_clear(&verdict);
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "patient_scan", IDENTITY_SCAN_MAX, true, &patient_scan, f);
    if (st == ST_OK)
        st = jsonin_string(body, "specimen_scan", IDENTITY_SCAN_MAX, true, &specimen_scan, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = specimen_procedure(db, procedure_id, &proc, f);
    if (st != ST_OK)
        goto out;
    if (strcmp(proc.status, "open") != 0) {
        st = fail_set(f, ST_CONFLICT, "", "invalid_transition",
                      "procedure %lld is %s: identity checks are made only while it is open",
                      (long long)procedure_id, proc.status);
        goto out;
    }
    struct identity_facts facts = {
        .procedure_id = procedure_id,
        .procedure_patient_id = proc.patient_id,
        .now_ms = time_now_ms(),
    };
    st = scanned_patient(db, patient_scan, &facts.scanned_patient_id);
    if (st == ST_OK)
        st = scanned_specimen(db, specimen_scan, &s, &found);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    facts.specimen = found ? &s : NULL;
    enum identity_failure why = identity_judge(&facts);

    c.procedure_id = procedure_id;
    c.patient_scan = patient_scan;   /* borrowed: c is not released */
    c.specimen_scan = specimen_scan; /* borrowed */
    if (found)
        snprintf(c.specimen_id, sizeof(c.specimen_id), "%s", s.id);
    c.passed = why == IDENTITY_PASSED;
    snprintf(c.failure, sizeof(c.failure), "%s", identity_failure_code(why));
    c.at_ms = facts.now_ms;
    c.by = a->user_id;
    snprintf(ids, sizeof(ids), "%lld", (long long)procedure_id);
    st = db_identity_check_insert(db, &c);
    if (st == ST_OK && c.passed) {
        struct db_specimen_event e;
        memset(&e, 0, sizeof(e));
        snprintf(e.specimen_id, sizeof(e.specimen_id), "%s", s.id);
        snprintf(e.event, sizeof(e.event), "checked");
        e.at_ms = facts.now_ms;
        e.by = a->user_id;
        st = db_specimen_event_insert(db, &e);
    }
    if (st == ST_OK)
        st = audit_write(db, a, c.passed ? "identity.check" : "identity.check_failed", "procedure",
                         ids);
    if (st == ST_OK)
        st = db_identity_check_get(db, c.id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    check = check_json(&stored);
    if (!check) {
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    if (c.passed && (st = specimen_json_tx(db, s.id, &spec, f)) != ST_OK)
        goto out;
    /* A failed check is committed like a passed one: the record of the attempt is the point. */
    st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = c.passed ? json_pack("{s:O, s:O}", "check", check, "specimen", spec)
                    : json_pack("{s:O}", "check", check);
    if (!*out) {
        /* Stored and committed; only the answer is lost, and the list shows the check. */
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    if (!c.passed) {
        failure_message(why, patient_scan, specimen_scan, found ? &s : NULL, &verdict);
        *f = verdict;
        st = ST_CONFLICT;
    }
out:
    /* Nothing is open after the commit, where rolling back does nothing. */
    if (st != ST_OK)
        db_rollback(db);
    json_decref(check);
    json_decref(spec);
    free(patient_scan);
    free(specimen_scan);
    db_procedure_release(&proc);
    db_specimen_release(&s);
    db_identity_check_release(&stored);
    return st;
}

struct list_ctx {
    json_t *arr;
};

static int
list_row(void *ctx, const struct db_identity_check *c)
{
    struct list_ctx *lc = ctx;
    json_t *o = check_json(c);
    if (!o)
        return ST_NOMEM;
    return json_array_append_new(lc->arr, o) == 0 ? ST_OK : ST_NOMEM;
}

int
identity_check_list(struct db *db, const struct actor *a, int64_t procedure_id, json_t **out,
                    struct fail *f)
{
    struct db_procedure proc;
    struct list_ctx lc = {.arr = json_array()};
    char ids[24];

    *out = NULL;
    memset(&proc, 0, sizeof(proc));
    if (!lc.arr)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = specimen_procedure(db, procedure_id, &proc, f);
    if (st == ST_OK) {
        st = db_identity_checks(db, procedure_id, list_row, &lc);
        if (st == ST_NOMEM)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        else if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
out:
    if (st == ST_OK) {
        snprintf(ids, sizeof(ids), "%lld", (long long)procedure_id);
        audit_read(a, "specimen.read", "procedure", ids);
        *out = json_pack("{s:O}", "checks", lc.arr);
        if (!*out)
            st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    }
    json_decref(lc.arr);
    db_procedure_release(&proc);
    return st;
}
