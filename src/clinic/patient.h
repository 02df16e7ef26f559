/* The patient registry: registration details with every change kept as a version, search by
 * name in either script, by MRN and by phone, soft deletion with a reason. Every function
 * opens and closes its own transaction and writes its audit event (reads through the queue).
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_PATIENT_H
#define AUTOLOGA_CLINIC_PATIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "clinic/audit.h"
#include "store/db.h"

#define PATIENT_PAGE_MAX 200

/* Validates a registration body (docs/api.md, "Patients") into a record. `for_update` also
 * requires "version" (stored in *version). On failure `out` holds nothing to release. */
int patient_parse(json_t *body, bool for_update, struct db_patient *out, int64_t *version,
                  struct fail *f) WARN_UNUSED;

/* The API representation of a record. */
json_t *patient_to_json(const struct db_patient *p);

int patient_create(struct db *db, const struct actor *a, json_t *body, json_t **out,
                   struct fail *f) WARN_UNUSED;
/* ST_CONFLICT ("stale_version") when body.version is not the current version. */
int patient_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                   struct fail *f) WARN_UNUSED;
/* Soft delete: body {"reason"}. */
int patient_delete(struct db *db, const struct actor *a, int64_t id, json_t *body,
                   struct fail *f) WARN_UNUSED;
/* A record; deleted ones only when `see_deleted`. Leaves a patient.read audit event. */
int patient_read(struct db *db, const struct actor *a, int64_t id, bool see_deleted, json_t **out,
                 struct fail *f) WARN_UNUSED;
/* The versions of a record, newest first. */
int patient_history(struct db *db, const struct actor *a, int64_t id, bool see_deleted,
                    json_t **out, struct fail *f) WARN_UNUSED;

struct patient_list_params {
    const char *q;     /* search text, NULL or "" for the plain list */
    const char *sort;  /* NULL for "family_name" */
    const char *order; /* NULL for "asc" */
    int64_t offset;
    int64_t limit;
    bool include_deleted;
};
/* A page: {"items","offset","limit","has_more"} and "total" when not searching. */
int patient_list(struct db *db, const struct actor *a, const struct patient_list_params *p,
                 json_t **out, struct fail *f) WARN_UNUSED;

/* Inserts a valid record inside the caller's write transaction, with its first version and
 * audit event; sets p->id and p->mrn. Used by patient_create and the demo generator. */
int patient_insert_tx(struct db *db, const struct actor *a, struct db_patient *p,
                      int64_t at_ms) WARN_UNUSED;

#endif
