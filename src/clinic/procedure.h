/* Procedures: the record of one treatment session at the chair, bound to its appointment — its
 * start after check-in and a re-screening, its documents (PRP preparation, fat-derived cells,
 * injection) with the identity rule on every specimen injected, the aftercare sheet, and its end
 * (completed or abandoned). docs/api.md, "Procedures"; docs/procedures.md for the clinic.
 *
 * Every call runs in one transaction with its audit event; *out is a new JSON reference the
 * caller json_decref()s (NULL on failure). */
#ifndef AUTOLOGA_CLINIC_PROCEDURE_H
#define AUTOLOGA_CLINIC_PROCEDURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/protocols.h"
#include "store/db.h"

/* A correction of a completed record, or an abandoned procedure, must say why. */
#define PROCEDURE_REASON_MIN 10
#define PROCEDURE_REASON_MAX 1000

/* Starts the procedure of appointment `appointment_id` with body {"screening_id","treatment"?}:
 * the appointment must be a session that is checked in (ST_CONFLICT "invalid_transition" on
 * "appointment") and have no procedure ("procedure_exists"). The treatment comes from the
 * course's protocol for a course session (another one given: ST_INVALID "invalid_value"), else
 * it is required. The screening must be the patient's for that treatment ("invalid_value" on
 * screening_id), computed on the appointment's local day or the day before (ST_CONFLICT
 * "screening_stale"), and cleared: signed proceed by a doctor, or unsigned and eligible or
 * caution ("screening_not_cleared"; a signed do-not-proceed never clears). The appointment
 * becomes in_progress. Audited as procedure.start; *out is the procedure. */
int procedure_start(struct db *db, const struct protocols *p, const struct actor *a,
                    int64_t appointment_id, json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* The procedure `id`, or the one of appointment `appointment_id` (ST_NOT_FOUND when none), with
 * its documents and what they compute; audited as procedure.read. */
int procedure_read(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                   json_t **out, struct fail *f) WARN_UNUSED;
int procedure_read_by_appointment(struct db *db, const struct protocols *p, const struct actor *a,
                                  int64_t appointment_id, json_t **out, struct fail *f) WARN_UNUSED;

/* {"procedures":[{"id","appointment","treatment","status","started_at","started_local",
 * "started_by","completed_at","completed_by","steps"}]} of a patient, newest first; audited as
 * procedure.list on the patient. */
int procedure_list(struct db *db, const struct protocols *p, const struct actor *a,
                   int64_t patient_id, json_t **out, struct fail *f) WARN_UNUSED;

/* Saves a new version of `section` ("preparation", "fat" or "injection") with body
 * {"doc","version","reason"?}: version is the section's current one (0 for the first save;
 * otherwise ST_CONFLICT "stale_version"); the procedure must be open, or completed with a reason
 * of PROCEDURE_REASON_MIN characters (a correction); abandoned is ST_CONFLICT
 * "invalid_transition". Preparation is for PRP treatments and fat for adsc-hair (ST_CONFLICT
 * "wrong_treatment"). The document is validated and normalised by clinic/procdoc.h. An
 * injection's specimens not yet injected must each be of this procedure, injectable, active, not
 * expired and checked at the chair since the procedure's latest failed check (docs/api.md);
 * they become injected. Audited as procedure.record; *out is the procedure. */
int procedure_put_section(struct db *db, const struct protocols *p, const struct actor *a,
                          int64_t id, const char *section, json_t *body, json_t **out,
                          struct fail *f) WARN_UNUSED;

/* Completes an open procedure with body {"version"}: it needs the injection record, the
 * preparation (PRP) or the fat record with its regulatory basis (adsc-hair), and a passed
 * identity check (ST_CONFLICT "incomplete" naming what is missing). The appointment becomes
 * done, its course item done and its aftercare messages follow. Audited as
 * procedure.complete. */
int procedure_complete(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                       json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* Abandons an open procedure with body {"reason","version"}: its active specimens are discarded
 * with the reason, the appointment is cancelled with it and its course item is planned again.
 * Audited as procedure.abandon. */
int procedure_abandon(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                      json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* Records that the aftercare sheet was given, with body {"lang":"en"|"ar"}: the latest is kept,
 * the audit has each (procedure.aftercare). Not for an abandoned procedure. */
int procedure_aftercare(struct db *db, const struct protocols *p, const struct actor *a, int64_t id,
                        json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* What the aftercare sheet of procedure `id` says in `lang` ("en", "ar", or NULL for the
 * patient's preferred language), audited as procedure.read:
 * {"lang","patient_name","mrn","treatment_label","date","items":[...],"side_effects":[...]}
 * — the protocol's aftercare and side-effect items, the patient's name in the language's script
 * when the patient has one, the clinic's today. */
int procedure_aftercare_sheet(struct db *db, const struct protocols *p, const struct actor *a,
                              int64_t id, const char *lang, json_t **out,
                              struct fail *f) WARN_UNUSED;

/* What the preparation designer of procedure `id` starts from (clinic/prp_inputs.h): the
 * patient's labs, the latest preparation record, the clinic's centrifuges and the protocol, read
 * in one read transaction, with "procedure":{"id","treatment","centrifuge_id"} (the centrifuge
 * whose rotor the request uses, or null). ST_NOT_FOUND for an unknown procedure, ST_CONFLICT
 * "wrong_treatment" for one that is not PRP. Audited as procedure.prp_request. */
int procedure_prp_request(struct db *db, const struct protocols *p, const struct actor *a,
                          int64_t id, json_t **out, struct fail *f) WARN_UNUSED;

#endif
