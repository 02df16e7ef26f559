/* Screening results of one patient: the stored medical history, newest assessment and lab
 * results gathered into the engine's input, evaluated with the clinic's rules, and kept with the
 * data they were computed from and a doctor's sign-off (docs/api.md, "Screening").
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_SCREENING_RECORD_H
#define AUTOLOGA_CLINIC_SCREENING_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "clinic/screening.h"
#include "store/db.h"

#define SCREENING_RECORD_LIST_DEFAULT 20
#define SCREENING_RECORD_LIST_MAX 100
/* An override's reason must say something: a word or two is not a reason. */
#define SCREENING_RECORD_REASON_MIN 10
#define SCREENING_RECORD_REASON_MAX 2000
/* A result may be stored for a session that started at most this long ago (entered late). */
#define SCREENING_RECORD_PAST_MS INT64_C(86400000)

/* One patient's data as the engine reads it. `in` points into the arrays below and into the
 * rules (every code is the rules' own string): valid while both the record and the rules live. */
struct screening_record_data {
    struct screening_input in;
    /* {"medical_history_version", "assessment": {"id","version","visit_date"} or null,
     *  "labs": [{"id","analyte","value","unit","measured_at"}]}: where the input came from */
    json_t *sources;
    const char **conditions;
    struct screening_medication *medications;
    struct screening_lab *labs;
    struct screening_finding *findings;
};

/* The complaint whose assessment a treatment reads, as the rules file says ("complaint" of each
 * treatment: "hair" for prp-hair and adsc-hair, "face" for prp-face); NULL for a treatment the
 * rules do not know. */
const char *screening_record_complaint(const struct screening_rules *rules, const char *treatment);

/* Gathers the data of `patient` for `treatment` (a treatments code of the rules) at session_ms,
 * inside the caller's read or write transaction:
 * - the medical history (none: every finding it gives is unknown, except that a male patient is
 *   known not pregnant or breastfeeding): active coded conditions, medications by class,
 *   pregnancy, breastfeeding, smoking, bmi, scalp_procedure;
 * - the newest assessment of the treatment's complaint with a visit date on or before the
 *   session's UTC date: consent, recent_fever_or_illness, hair_present_in_area,
 *   high_risk_face_zone_planned;
 * - every lab result that is not deleted, of an analyte the rules read, in the rules' unit (its
 *   reference range converted the same way).
 * Codes and findings the loaded rules do not know are left out, so that a clinic may remove
 * them from its rules file. On failure `out` holds nothing (ST_DB with `f` filled when a stored
 * document does not parse, ST_NOMEM, or the store's status). */
int screening_record_gather(struct db *db, const struct protocols *p,
                            const struct db_patient *patient, const char *treatment,
                            int64_t session_ms, struct screening_record_data *out,
                            struct fail *f) WARN_UNUSED;
/* Frees what the record owns and zeroes it. Accepts NULL. */
void screening_record_data_release(struct screening_record_data *d);

/* The engine input as JSON, exactly as evaluated (NULL when out of memory):
 * {"treatment","session_at","conditions":["diabetes"],
 *  "medications":[{"class","ongoing","last_dose_at" or null}],
 *  "labs":[{"analyte","value","unit","measured_at","reference_low","reference_high"}],
 *  "findings":[{"code","type","value"} and for events "at" (null when the date is unknown)]}
 * with lab values in the unit the rules compare in. */
json_t *screening_record_input_json(const struct screening_rules *rules,
                                    const struct screening_input *in);

/* Computes, without storing, the result of every treatment of the rules (or of `treatment`
 * alone) for patient `patient_id` at session_ms: {"items":[result without id]}. The read is
 * audited as screening.preview (entity patient, its id); with `audit_now` the event
 * is written at once in a write transaction (the command line, which has no queue of reads).
 * ST_NOT_FOUND for a missing or deleted patient, ST_INVALID ("invalid_query" on "treatment")
 * for an unknown treatment. */
int screening_record_preview(struct db *db, const struct protocols *p, const struct actor *a,
                             int64_t patient_id, const char *treatment, int64_t session_ms,
                             bool audit_now, json_t **out, struct fail *f) WARN_UNUSED;

/* Computes and stores the result of body {"treatment","session_at"} with its inputs, audited as
 * screening.create in the same transaction; *out is the stored result with its inputs. */
int screening_record_create(struct db *db, const struct protocols *p, const struct actor *a,
                            int64_t patient_id, json_t *body, json_t **out,
                            struct fail *f) WARN_UNUSED;

/* The patient's stored results, newest first, without inputs: {"items":[result]}. `treatment`
 * NULL or "" for all; limit 1..SCREENING_RECORD_LIST_MAX ("invalid_query"). */
int screening_record_list(struct db *db, const struct actor *a, int64_t patient_id,
                          const char *treatment, int64_t limit, json_t **out,
                          struct fail *f) WARN_UNUSED;

/* One stored result with its inputs. */
int screening_record_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                          struct fail *f) WARN_UNUSED;

/* Signs result `id` with body {"decision":"proceed"|"do_not_proceed","reason"}; proceeding when
 * the outcome is not eligible is an override and needs a reason of at least
 * SCREENING_RECORD_REASON_MIN characters ("required", "too_short"). ST_CONFLICT
 * ("already_signed") when it is signed already. *out is the result as screening_record_read
 * gives it. */
int screening_record_sign(struct db *db, const struct actor *a, int64_t id, json_t *body,
                          json_t **out, struct fail *f) WARN_UNUSED;

#endif
