/* The outbox as the API gives it (docs/api.md, "Outbox"): messages listed for a gateway that
 * polls them or for the outbox screen, and marked sent or failed once. Every function opens and
 * closes its own transaction and writes its audit event (reads through the queue).
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_OUTBOX_H
#define AUTOLOGA_CLINIC_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

#define OUTBOX_LIST_DEFAULT 100
#define OUTBOX_LIST_MAX 500
#define OUTBOX_REF_MAX 200
#define OUTBOX_ERROR_MAX 1000

struct outbox_query {
    const char *status;     /* "pending", "sent", "failed", "cancelled"; NULL or "": all */
    const char *due_before; /* a UTC time; NULL or "": no bound */
    const char *order;      /* "asc" (default: earliest due first) or "desc" */
    int64_t limit;          /* 1..OUTBOX_LIST_MAX */
};

/* {"messages":[message...]} (a message: {"id","patient_id","appointment_id","kind","channel",
 * "recipient","language","due_at","due_local","subject","body","status","attempts","sent_at",
 * "sent_local","gateway_ref","error"}). `with_patient` adds "patient":{"id","mrn","name":
 * {"en","ar"}} to each message: people see whose message it is, a gateway needs only where it
 * goes. Audited as the read outbox.list. ST_INVALID ("invalid_query") naming status,
 * due_before, order or limit. */
int outbox_list(struct db *db, const struct actor *a, const struct outbox_query *q,
                bool with_patient, json_t **out, struct fail *f) WARN_UNUSED;

/* Marks the pending message `id` sent (body {"gateway_ref"?}) or failed (body {"error",
 * "gateway_ref"?}), counting an attempt; audited as outbox.sent or outbox.failed. *out is the
 * message. ST_CONFLICT ("not_pending") when it is not pending any more, ST_NOT_FOUND when there
 * is no such message. */
int outbox_mark(struct db *db, const struct actor *a, int64_t id, bool sent, json_t *body,
                bool with_patient, json_t **out, struct fail *f) WARN_UNUSED;

#endif
