/* A patient's laboratory results: entered by hand or imported from a laboratory's CSV export,
 * corrected only by deleting with a reason and entering the right value (docs/api.md, "Lab
 * results"). Every API function opens and closes its own transaction and writes its audit event.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_LABRESULT_H
#define AUTOLOGA_CLINIC_LABRESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "clinic/audit.h"
#include "clinic/labs.h"
#include "store/db.h"

#define LABRESULT_REASON_MAX 500
#define LABRESULT_FILE_NAME_MAX 200
/* A time may run ahead of the server's clock by this much (the clocks of the browser, the
 * laboratory and the server differ a little) before it counts as in the future. */
#define LABRESULT_CLOCK_SKEW_MS (5 * 60 * 1000)

/* Validates a manual entry {"analyte","value","unit","measured_at","reference_low",
 * "reference_high"} against the analytes of `table` into a record: analyte code, unit symbol,
 * canonical value, measured_ms/date_only and the reference range; the caller sets patient_id
 * and the entered_* fields. `now_ms` is the time "in the future" is judged against. Codes:
 * "unknown_field", "required", "invalid_type", "too_long", "unknown_analyte" (analyte),
 * "out_of_range" (a negative or unconvertible number), "unknown_unit" (unit), "invalid_date",
 * "future_date" (measured_at), "invalid_range" (reference_high below reference_low). */
int labresult_parse(const struct labs *table, json_t *body, int64_t now_ms, struct db_lab *out,
                    struct fail *f) WARN_UNUSED;

/* Whether a measurement at `ms` lies in the future at `now_ms`. A date only (date_only) is
 * in the future once it has not yet begun anywhere (at UTC+14:00); a time, once it is more
 * than LABRESULT_CLOCK_SKEW_MS ahead. Shared by manual entry and the import. */
bool labresult_in_future(int64_t ms, bool date_only, int64_t now_ms);

/* The API form of a record: labels from `table` (the code when the analyte has left it),
 * "flag" low/high against the reference range given, "deleted_by" with `deleted_by_name`
 * (may be NULL). */
json_t *labresult_to_json(const struct labs *table, const struct db_lab *l,
                          const char *deleted_by_name);

/* Enters a result for patient `patient_id` (404 when missing or soft-deleted); audit
 * "lab.create" on the result. */
int labresult_create(struct db *db, const struct actor *a, const struct labs *table,
                     int64_t patient_id, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* {"items":[lab...]} newest measurement first, deleted ones only when `include_deleted`; audit
 * read "lab.list" on the patient. */
int labresult_list(struct db *db, const struct actor *a, const struct labs *table,
                   int64_t patient_id, bool include_deleted, json_t **out,
                   struct fail *f) WARN_UNUSED;

/* Deletes result `id` with body {"reason"}; ST_CONFLICT ("conflict") when it already is
 * deleted; audit "lab.delete" on the result. */
int labresult_delete(struct db *db, const struct actor *a, int64_t id, json_t *body,
                     struct fail *f) WARN_UNUSED;

/* A laboratory's CSV file for patient `patient_id`: body {"csv","file_name","tz_offset_min",
 * "commit","skip_invalid"}. Without commit: the preview (audit read "lab.import_preview" on the
 * patient). With commit: the valid rows saved in one transaction with a lab_imports row (the
 * SHA-256 of the CSV text) and audit "lab.import" on the patient; *committed is then true.
 * Failures besides those of the fields: the file's own (labs_csv_parse codes, field "csv"),
 * ST_INVALID "import_has_errors" (the API answers 422) when a row has errors and
 * skip_invalid is false or no row is valid, ST_CONFLICT "already_imported". */
int labresult_import(struct db *db, const struct actor *a, const struct labs *table,
                     int64_t patient_id, json_t *body, json_t **out, bool *committed,
                     struct fail *f) WARN_UNUSED;

/* For screening: the patient's results that are not deleted, newest measurement first, read
 * inside the caller's open transaction (read or write) and without an audit event (the caller
 * audits what it does with them). *out is an array of *n records (NULL when none) released
 * with labresult_for_screening_release; canonical_value is in labs.json's canonical unit (see
 * protocols_lab_for_screening). A database failure fills `f`. */
int labresult_for_screening(struct db *db, int64_t patient_id, struct db_lab **out, size_t *n,
                            struct fail *f) WARN_UNUSED;
/* Releases what labresult_for_screening gave. Accepts NULL. */
void labresult_for_screening_release(struct db_lab *labs, size_t n);

#endif
