/* The outbox's messages in their API form: listing for gateways and people, marking sent or
 * failed. */
#include "clinic/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
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

/* A message in its API form; NULL when out of memory. */
static json_t *
message_json(const struct db_outbox *m, bool with_patient)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)m->id, "patient_id", (json_int_t)m->patient_id, "appointment_id",
        m->appointment_id > 0 ? json_integer(m->appointment_id) : json_null(), "kind", m->kind,
        "channel", m->channel, "recipient", m->recipient ? m->recipient : "", "language",
        m->language, "due_at", time_json(m->due_ms), "due_local", local_json(m->due_ms), "subject",
        str_or_null(m->subject), "body", m->body ? m->body : "", "status", m->status, "attempts",
        (json_int_t)m->attempts, "sent_at", m->has_sent ? time_json(m->sent_ms) : json_null(),
        "sent_local", m->has_sent ? local_json(m->sent_ms) : json_null(), "gateway_ref",
        str_or_null(m->gateway_ref), "error", str_or_null(m->error));
    if (o && with_patient) {
        json_t *p = json_pack("{s:I, s:s, s:{s:o, s:o}}", "id", (json_int_t)m->patient_id, "mrn",
                              m->patient_mrn, "name", "en", str_or_null(m->patient_name_en), "ar",
                              str_or_null(m->patient_name_ar));
        if (!p || json_object_set_new(o, "patient", p) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

struct list_ctx {
    json_t *items;
    bool with_patient;
};

static int
list_item(void *ctx, const struct db_outbox *m)
{
    struct list_ctx *lc = ctx;
    json_t *item = message_json(m, lc->with_patient);
    if (!item || json_array_append_new(lc->items, item) != 0)
        return ST_NOMEM;
    return ST_OK;
}

static int
parse_query(const struct outbox_query *q, struct db_outbox_query *dq, struct fail *f)
{
    static const char *const statuses[] = {"pending", "sent", "failed", "cancelled", NULL};
    memset(dq, 0, sizeof(*dq));
    if (q->status && *q->status) {
        for (int i = 0; statuses[i] && !dq->status; i++)
            if (strcmp(q->status, statuses[i]) == 0)
                dq->status = statuses[i];
        if (!dq->status)
            return fail_set(f, ST_INVALID, "status", "invalid_query",
                            "status must be pending, sent, failed or cancelled");
    }
    if (q->due_before && *q->due_before) {
        if (time_parse_iso(q->due_before, &dq->due_before_ms) != ST_OK)
            return fail_set(f, ST_INVALID, "due_before", "invalid_query",
                            "due_before must be a UTC time such as 2026-12-01T09:00:00Z");
        dq->has_due_before = true;
    }
    if (q->order && *q->order && strcmp(q->order, "asc") != 0) {
        if (strcmp(q->order, "desc") != 0)
            return fail_set(f, ST_INVALID, "order", "invalid_query", "order must be asc or desc");
        dq->descending = true;
    }
    if (q->limit < 1 || q->limit > OUTBOX_LIST_MAX)
        return fail_set(f, ST_INVALID, "limit", "invalid_query", "limit must be from 1 to %d",
                        OUTBOX_LIST_MAX);
    dq->limit = (int)q->limit;
    return ST_OK;
}

int
outbox_list(struct db *db, const struct actor *a, const struct outbox_query *q, bool with_patient,
            json_t **out, struct fail *f)
{
    struct db_outbox_query dq;
    struct list_ctx lc = {.with_patient = with_patient};
    *out = NULL;
    int st = parse_query(q, &dq, f);
    if (st != ST_OK)
        return st;
    lc.items = json_array();
    if (!lc.items)
        return nomem(f);
    st = db_begin_read(db);
    if (st == ST_OK)
        st = db_outbox_list(db, &dq, list_item, &lc);
    db_rollback(db);
    if (st == ST_NOMEM)
        st = nomem(f);
    else if (st != ST_OK)
        st = db_fail(db, st, f);
    if (st == ST_OK) {
        /* The messages hold patients' names and numbers: the read is a patient-data read. */
        audit_read(a, "outbox.list", "outbox", "");
        *out = json_pack("{s:O}", "messages", lc.items);
        if (!*out)
            st = nomem(f);
    }
    json_decref(lc.items);
    return st;
}

int
outbox_mark(struct db *db, const struct actor *a, int64_t id, bool sent, json_t *body,
            bool with_patient, json_t **out, struct fail *f)
{
    static const char *const sent_fields[] = {"gateway_ref", NULL};
    static const char *const failed_fields[] = {"error", "gateway_ref", NULL};
    char *ref = NULL, *error = NULL, ids[24];
    struct db_outbox m;
    *out = NULL;
    memset(&m, 0, sizeof(m));
    int st = jsonin_only_fields(body, sent ? sent_fields : failed_fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "gateway_ref", OUTBOX_REF_MAX, false, &ref, f);
    if (st == ST_OK && !sent)
        st = jsonin_string(body, "error", OUTBOX_ERROR_MAX, true, &error, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = db_outbox_finish(db, id, sent ? "sent" : "failed", time_now_ms(), ref, error);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "outbox message %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st == ST_CONFLICT) {
        struct db_outbox cur;
        const char *was = db_outbox_get(db, id, &cur) == ST_OK ? cur.status : "no longer pending";
        st = fail_set(f, ST_CONFLICT, "", "not_pending",
                      "outbox message %lld is %s, not pending: it was marked or cancelled before",
                      (long long)id, was);
        db_outbox_release(&cur);
        goto out;
    }
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    if (st == ST_OK)
        st = audit_write(db, a, sent ? "outbox.sent" : "outbox.failed", "outbox", ids);
    if (st == ST_OK)
        st = db_outbox_get(db, id, &m);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = message_json(&m, with_patient);
    if (!*out) {
        st = nomem(f);
        goto out;
    }
    if ((st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    db_outbox_release(&m);
    free(ref);
    free(error);
    return st;
}
