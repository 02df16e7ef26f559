/* The medical history of a patient, one document per patient and every change a new version:
 * coded conditions, medications with their class and last dose, allergies, pregnancy and
 * breastfeeding, smoking, height and weight with the BMI computed from them, and a past
 * procedure on the scalp (docs/api.md, "Medical history"). Also the drug search that fills a
 * medication from the dictionary.
 *
 * The stored document (medical_histories.data) is the body of the API, validated and normalised,
 * with the computed BMI and every field present:
 *   {"conditions":       [{"code", "active": bool, "note": text | null}],   [] when none
 *    "other_conditions": text | null,
 *    "medications":      [{"drug": code | null, "name", "class", "dose": text | null,
 *                          "started_on": date | null, "ongoing": bool,
 *                          "last_dose_at": time | null}],                  [] when none
 *    "allergies":        [{"substance", "reaction": text | null}],         [] when none
 *    "pregnant": bool | null, "breastfeeding": bool | null,
 *    "smoking": "never" | "former" | "current" | null,
 *    "height_cm": number | null, "weight_kg": number | null, "bmi": number | null,
 *    "scalp_procedure": null | {"had": bool, "on": date | null, "what": text | null}}
 * Condition codes are those of protocols/screening.json, classes those of protocols/drugs.json;
 * times are UTC ("2026-11-29T03:00:00.000Z").
 *
 * Functions that change or read records open and close their own transaction, write the audit
 * event of a change inside it and queue the read events. Functions returning json_t give a new
 * reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_HISTORY_H
#define AUTOLOGA_CLINIC_HISTORY_H

#include <jansson.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "store/db.h"

#define HISTORY_MEDICATIONS_MAX 100
#define HISTORY_ALLERGIES_MAX 50
#define HISTORY_DRUG_LIMIT_MAX 50

/* Validates a PUT body into the normalised document (*doc, the caller's; NULL on failure),
 * reading conditions from p->screening and drugs and classes from p->drugs; "version" (>= 0) is
 * required and stored in *version. Times and dates are judged against `now_ms`. Every failure
 * names the field by its path ("medications[2].last_dose_at") with the codes of docs/api.md:
 * unknown_field, required, invalid_type, invalid_value, out_of_range, duplicate, not_allowed
 * (bmi, which is computed; "on" or "what" of a scalp procedure that did not happen), too_long,
 * too_many, invalid_date, future_date, before_start (a last dose before the medicine was
 * started, in any time zone). */
int history_parse(const struct protocols *p, json_t *body, int64_t now_ms, json_t **doc,
                  int64_t *version, struct fail *f) WARN_UNUSED;

/* The document of a patient whose history was never saved: every list empty, every value null.
 * NULL when out of memory. */
json_t *history_empty(void);

/* Body mass index in kg/m², rounded to one decimal (half away from zero). */
double history_bmi(double height_cm, double weight_kg);

/* The history of a patient: version 0 and every field empty before the first save; read event
 * medical_history.read. */
int history_read(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                 struct fail *f) WARN_UNUSED;
/* Saves a new version (body.version 0 for the first save); ST_CONFLICT ("stale_version") when
 * body.version is not the current one. A save that changes nothing is not a new version (and
 * writes no event). Audit event medical_history.update. */
int history_update(struct db *db, const struct actor *a, const struct protocols *p,
                   int64_t patient_id, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;
/* {"items":[{"version","at","user","changes"}]}, newest first; read event
 * medical_history.versions. */
int history_versions(struct db *db, const struct actor *a, int64_t patient_id, json_t **out,
                     struct fail *f) WARN_UNUSED;

/* For the screening code, inside the caller's open transaction and without any audit event
 * (the caller audits what it reads): the patient's current history. *doc is the stored
 * document described above (history_empty() and *version 0 when it was never saved); the
 * caller json_decref()s it. Both outputs are zeroed on entry; a database failure fills `f`. The
 * patient is not checked: the caller has. */
int history_current(struct db *db, int64_t patient_id, json_t **doc, int64_t *version,
                    struct fail *f) WARN_UNUSED;

/* Drug search as one types (GET /api/v1/drugs): {"items":[{"drug","name","kind","name_en",
 * "name_ar","class","class_label":{"en","ar"}}]}, kind being generic_en, generic_ar, synonym or
 * brand. `q` NULL or empty gives no items; `limit` 1..HISTORY_DRUG_LIMIT_MAX. Code
 * invalid_query on "q" (not valid UTF-8, longer than DRUGS_QUERY_MAX_BYTES) or "limit". */
int history_drug_search(const struct drugs *d, const char *q, int64_t limit, json_t **out,
                        struct fail *f) WARN_UNUSED;

#endif
