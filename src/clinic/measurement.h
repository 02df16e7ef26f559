/* Measurements at visits: a set of values measured together (the date, method, device, marked
 * site and target area, who measured), each value checked against measures.json, corrected as a
 * new version with a reason (the old one kept) or voided with a reason, never deleted; and the
 * import of trichoscopy CSV exports (preview, then commit). docs/api.md, "Measurements".
 * Every call runs in one transaction with its audit event.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_MEASUREMENT_H
#define AUTOLOGA_CLINIC_MEASUREMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/measures.h"
#include "store/db.h"

#define MEASUREMENT_REASON_MIN 10
#define MEASUREMENT_REASON_MAX 1000
#define MEASUREMENT_DEVICE_MAX 200
#define MEASUREMENT_SITE_MAX 200
#define MEASUREMENT_NOTES_MAX 2000
#define MEASUREMENT_FILE_NAME_MAX 200
/* A target area is under a few cm²; a whole scalp is under 1000. */
#define MEASUREMENT_AREA_MAX_CM2 1000.0

/* Records body {"date","course_id"?,"method","device"?,"site"?,"area_cm2"?,"notes"?,
 * "measured_by"?,"values":{code: value}} for patient `patient_id` (ST_NOT_FOUND when missing or
 * deleted). date: YYYY-MM-DD, not after the clinic's today ("future_date"), not before the date
 * of birth ("invalid_date"); method a method of measures.json ("invalid_value"); course_id one
 * of the patient's courses ("invalid_value"); measured_by an active user with the doctor or
 * nurse role ("invalid_value"; default the caller); values at least one ("required"), each a
 * measure of measures.json ("unknown_measure" on values.<code>) with a value it accepts
 * (measures_check_value: "invalid_type", "out_of_range", "invalid_value"). Each value starts at
 * version 1. Audited as measurement.create of the set; *out is the set. */
int measurement_create(struct db *db, const struct actor *a, const struct measures *m,
                       int64_t patient_id, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* The list's filters from the query string's values (NULL or "" when absent): measure a code of
 * measures.json, from and to dates (both included), include_voided 1/0/true/false. ST_INVALID
 * "invalid_query" naming the key. */
int measurement_query_parse(const struct measures *m, const char *measure, const char *from,
                            const char *to, const char *include_voided,
                            struct db_measurement_query *q, struct fail *f) WARN_UNUSED;

/* {"sets":[set]} of patient q->patient_id, newest date first (then newest id): the values that
 * match the filters (voided ones only with include_voided), sets without such a value left out.
 * Audited as measurement.list of the patient. */
int measurement_list(struct db *db, const struct actor *a, const struct measures *m,
                     const struct db_measurement_query *q, json_t **out,
                     struct fail *f) WARN_UNUSED;

/* Corrects value `id` with body {"value","version","reason"}: a version that is not the value's
 * is ST_CONFLICT "stale_version", a voided value ST_CONFLICT "invalid_transition"; the reason
 * is 10 to 1000 characters ("too_short", "too_long"). The new value is version + 1 and the old
 * one stays among the versions; a value equal to the current one changes nothing. Audited as
 * measurement.correct of the value; *out is its set with every value (voided ones too). */
int measurement_correct(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                        json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* Voids value `id` with body {"reason"} (10 to 1000 characters); an already voided value is
 * ST_CONFLICT "invalid_transition". Audited as measurement.void; *out is its set with every
 * value. */
int measurement_void(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                     json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* {"items":[{"version","value","reason","at","local","by"}]} of value `id`, newest first.
 * Audited as measurement.read of the value. */
int measurement_versions(struct db *db, const struct actor *a, const struct measures *m, int64_t id,
                         json_t **out, struct fail *f) WARN_UNUSED;

/* A trichoscopy CSV export for patient `patient_id`: body {"csv","file_name"?,"commit"?,
 * "skip_invalid"?,"method"? (default trichoscopy_software),"device"?,"site"?,"course_id"?}.
 * Without commit: the preview of trichoscopy_preview_json (audit read
 * measurement.import_preview on the patient). With commit: each valid row saved as a set of
 * source "import" under one measurement_imports row (the SHA-256 of the CSV text), audit
 * measurement.import on the patient, *out {"committed":true,"import_id","sets":[ids]} and
 * *committed true. Failures besides those of the fields: the file's own (trichoscopy_csv_parse
 * codes, field "csv"), ST_INVALID "import_has_errors" (the API answers 422) when a row has
 * errors and skip_invalid is false or no row is valid, ST_CONFLICT "already_imported". */
int measurement_import(struct db *db, const struct actor *a, const struct measures *m,
                       int64_t patient_id, json_t *body, json_t **out, bool *committed,
                       struct fail *f) WARN_UNUSED;

/* The API form of a stored set with its values (those matching `measure` when not NULL, voided
 * ones only with include_voided), read inside the caller's transaction. NULL when out of memory
 * or the database fails (db_errmsg). */
json_t *measurement_set_json(struct db *db, const struct measures *m,
                             const struct db_measurement_set *s, const char *measure,
                             bool include_voided);

#endif
