/* What the clinical records of a patient (assessments, the medical history) share: the patient
 * they belong to must be on the register, the people who wrote them are shown by name, and their
 * versions are listed with change lists (clinic/docdiff.h). */
#ifndef AUTOLOGA_CLINIC_CLINICAL_H
#define AUTOLOGA_CLINIC_CLINICAL_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

/* ST_OK when the patient exists and is not soft-deleted; otherwise ST_NOT_FOUND with `f` set to
 * not_found (a deleted patient's records are as hidden as the patient), or the database failure. */
int clinical_patient_visible(struct db *db, int64_t patient_id, struct fail *f) WARN_UNUSED;

/* {"id","username","display_name"} of a user, or JSON null for 0 or an unknown id. A new
 * reference (NULL only when out of memory). */
json_t *clinical_user_json(struct db *db, int64_t user_id);

/* One entry of a versions list: {"version","at","user","changes"}. A first version stores no
 * change list ("{}"): it is shown as every value its snapshot set, changed from null. A new
 * reference, NULL when out of memory. */
json_t *clinical_version_json(const struct db_doc_version *v);

/* Writes the id as decimal text for audit events (24 bytes). */
void clinical_id_str(int64_t id, char out[24]);

/* A document stored as JSON text, parsed (NULL when it is not JSON: the store is corrupt). */
json_t *clinical_doc_load(const char *text);

#endif
