/* Adverse events after a treatment: recorded for a patient, linked to the procedure and the
 * specimen when known, followed up as new versions (the old ones kept), and listed for the clinic
 * with the serious ones first to be seen (docs/api.md, "Adverse events"). Every call runs in one
 * transaction with its audit event.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_ADVERSE_H
#define AUTOLOGA_CLINIC_ADVERSE_H

#include <jansson.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

#define ADVERSE_TEXT_MAX 4000
#define ADVERSE_TYPE_OTHER_MAX 200
/* The clinic's list gives this many events unless asked for fewer, and never more than the
 * maximum. */
#define ADVERSE_LIST_DEFAULT 100
#define ADVERSE_LIST_MAX 500

/* Records body {"type","type_other"?,"severity","onset_at","procedure_id"?,"specimen_id"?,
 * "description"?,"actions"?,"outcome"?,"resolved_date"?} for patient `patient_id` (ST_NOT_FOUND
 * when missing or deleted). type_other is required exactly for type "other"; outcome defaults to
 * "ongoing"; resolved_date is required exactly for a resolved outcome, not before the onset's
 * local day nor after the clinic's today. The procedure must be this patient's and the onset not
 * before its start; the specimen must be of that procedure (a specimen alone links its
 * procedure). Stores version 1, audited as adverse.create; *out is the event. */
int adverse_create(struct db *db, const struct actor *a, int64_t patient_id, json_t *body,
                   json_t **out, struct fail *f) WARN_UNUSED;

/* Replaces every field of event `id` with body (the fields of adverse_create and "version"):
 * a version that is not the event's is ST_CONFLICT "stale_version". A body that changes nothing
 * is no new version (the event comes back as it is); otherwise the version grows, the new one is
 * kept beside the old, audited as adverse.update. */
int adverse_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                   struct fail *f) WARN_UNUSED;

/* One event (audited as adverse.read); ST_NOT_FOUND when there is none or its patient is
 * deleted. */
int adverse_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                 struct fail *f) WARN_UNUSED;

/* {"adverse_events":[event]} of a patient, latest onset first (audited as adverse.list of the
 * patient). */
int adverse_list_patient(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                         struct fail *f) WARN_UNUSED;

/* {"versions":[{"version","at","at_local","by","changes","event"}]} of an event, newest first:
 * each the event's fields as that version saved them and what changed from the version before
 * (version 1: every value it set, from null). Audited as adverse.read of the event. */
int adverse_versions(struct db *db, const struct actor *a, int64_t id, json_t **out,
                     struct fail *f) WARN_UNUSED;

/* The clinic's list query from the query string's values (each NULL or "" when absent):
 * severity and outcome are comma-separated lists of their values, from and to local days
 * (YYYY-MM-DD, both included) of the onset, limit 1..ADVERSE_LIST_MAX. ST_INVALID with code
 * "invalid_query" naming the key at fault. */
int adverse_query_parse(const char *severity, const char *outcome, const char *from, const char *to,
                        const char *limit, struct db_adverse_query *q, struct fail *f) WARN_UNUSED;

/* {"adverse_events":[event]} of the clinic's patients on the register matching `q`, latest
 * onset first. Audited as adverse.list of each patient shown (of "adverse_event" when none is). */
int adverse_list_clinic(struct db *db, const struct actor *a, const struct db_adverse_query *q,
                        json_t **out, struct fail *f) WARN_UNUSED;

#endif
