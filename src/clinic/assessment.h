/* Assessments: one per visit and complaint (hair or face), the grading of the hair loss or the
 * skin and what screening reads from the visit (consent to the risks, an acute illness, whether
 * hair is still present in the area, an injection planned in a high-risk zone of the face).
 * Every change is a new version with its change list (docs/api.md, "Assessments").
 *
 * The stored document (assessments.data) is the body of the API, validated and normalised: every
 * field present, null when empty, in this shape:
 *   {"visit_date": "2026-11-21", "complaint": "hair" | "face",
 *    "hair": null | {"norwood", "ludwig", "sinclair", "savin", "salt", "duration_months",
 *                    "hair_present_in_area", "zones": [..] | null, "factors": [..] | null},
 *    "face": null | {"indications": [..] | null, "fitzpatrick", "glogau",
 *                    "high_risk_zone_planned"},
 *    "consent_to_risks": bool | null, "acute_illness": bool | null, "notes": text | null}
 * An empty list is stored as null. The section of the complaint is an object; the other is null.
 *
 * Functions that change or read records open and close their own transaction, write the audit
 * event of a change inside it and queue the read events. Functions returning json_t give a new
 * reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_ASSESSMENT_H
#define AUTOLOGA_CLINIC_ASSESSMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

#define ASSESSMENT_NOTES_MAX 4000

/* Validates a body into the normalised document (*doc, the caller's). `for_update` also
 * requires "version" (>= 1, stored in *version). Dates are judged against `now_ms`. Every
 * failure names the field by its path ("hair.norwood") with the codes of docs/api.md:
 * unknown_field, required, invalid_type, invalid_value, out_of_range, duplicate, not_allowed,
 * too_long, invalid_date, future_date. On failure *doc is NULL. */
int assessment_parse(json_t *body, bool for_update, int64_t now_ms, json_t **doc, int64_t *version,
                     struct fail *f) WARN_UNUSED;

/* Records a new assessment (version 1) of the patient; audit event assessment.create. */
int assessment_create(struct db *db, const struct actor *a, int64_t patient_id, json_t *body,
                      json_t **out, struct fail *f) WARN_UNUSED;
/* Saves a new version; ST_CONFLICT ("stale_version") when body.version is not the current one.
 * A save that changes nothing is not a new version (and writes no event): the assessment comes
 * back as it was. Audit event assessment.update. */
int assessment_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                      struct fail *f) WARN_UNUSED;
/* One assessment; read event assessment.read. */
int assessment_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                    struct fail *f) WARN_UNUSED;
/* {"items":[...]} of a patient, newest visit first; read event assessment.list (recorded on the
 * patient: entity "patient" and its id, so that the trail says whose record was read). */
int assessment_list(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                    struct fail *f) WARN_UNUSED;
/* {"items":[{"version","at","user","changes"}]}, newest first; read event assessment.versions. */
int assessment_versions(struct db *db, const struct actor *a, int64_t id, json_t **out,
                        struct fail *f) WARN_UNUSED;

/* For the screening code, inside the caller's open transaction and without any audit event
 * (the caller audits what it reads): the newest assessment of the patient for `complaint`
 * ("hair" or "face") with a visit date on or before `on_or_before_date` ("YYYY-MM-DD"). On
 * success *doc is the stored document described above (the caller json_decref()s it), *id,
 * *version and visit_date its identity. ST_NOT_FOUND (with `f` set to not_found) when there is
 * none; a database failure otherwise. Every output is zeroed (NULL, 0, "") on entry. The
 * patient is not checked: the caller has. */
int assessment_latest_for(struct db *db, int64_t patient_id, const char *complaint,
                          const char *on_or_before_date, json_t **doc, int64_t *id,
                          int64_t *version, char visit_date[11], struct fail *f) WARN_UNUSED;

/* Whether `value` is a grade of the hair grading scale `scale` ("norwood", "ludwig", "savin"
 * with their codes, "sinclair" with its digit "1".."5"): the values a stored assessment holds,
 * for the reports that filter on them. */
bool assessment_grade_valid(const char *scale, const char *value);

#endif
