/* The identity check at the chair: before a specimen is injected the nurse scans the patient's
 * wristband (or types the MRN) and the specimen's label; the check passes only when both name
 * this procedure's patient and an injectable, unused, unexpired specimen of this procedure.
 * Every check is kept, a failed one too (docs/specimens.md). */
#ifndef AUTOLOGA_CLINIC_IDENTITY_CHECK_H
#define AUTOLOGA_CLINIC_IDENTITY_CHECK_H

#include <jansson.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

/* The longest scan kept: a wristband or label never holds more. */
#define IDENTITY_SCAN_MAX 64

/* Why a check failed, in the order they are tested: the first that applies is the one given. */
enum identity_failure {
    IDENTITY_PASSED = 0,
    IDENTITY_PATIENT_UNKNOWN,          /* the patient scan is no MRN of any patient */
    IDENTITY_WRONG_PATIENT,            /* the MRN of another patient than the procedure's */
    IDENTITY_SPECIMEN_UNKNOWN,         /* no specimen id, or no such specimen */
    IDENTITY_SPECIMEN_OTHER_PATIENT,   /* a specimen of another patient */
    IDENTITY_SPECIMEN_OTHER_PROCEDURE, /* this patient's, from another procedure */
    IDENTITY_SPECIMEN_NOT_INJECTABLE,  /* a blood tube or a fat aspirate */
    IDENTITY_SPECIMEN_DISCARDED,
    IDENTITY_SPECIMEN_USED, /* injected already */
    IDENTITY_SPECIMEN_EXPIRED,
};

/* The stable code of a failure ("patient_unknown", ...; "" for IDENTITY_PASSED). */
const char *identity_failure_code(enum identity_failure why);

/* What a check compares: the procedure's patient and what the scans named (0 / NULL when the
 * scan names nothing). */
struct identity_facts {
    int64_t procedure_id;
    int64_t procedure_patient_id;
    int64_t scanned_patient_id;         /* 0: the patient scan is no MRN of any patient */
    const struct db_specimen *specimen; /* NULL: the specimen scan names no specimen */
    int64_t now_ms;
};
/* The verdict on `facts`: the first failure that applies, in the enum's order. */
enum identity_failure identity_judge(const struct identity_facts *facts);

/* Runs a check for procedure `procedure_id` with body {"patient_scan","specimen_scan"} (each
 * 1..IDENTITY_SCAN_MAX characters, trimmed; the MRN exactly, the specimen id with S or s). The
 * procedure must exist (ST_NOT_FOUND) and be open (ST_CONFLICT "invalid_transition"); bad
 * input is ST_INVALID; none of these stores anything.
 * Otherwise the check is stored and committed whatever its verdict:
 * - passed: a "checked" event on the specimen, audited as identity.check; ST_OK and *out is
 *   {"check":{...},"specimen":{...}};
 * - failed: audited as identity.check_failed and nothing else changes; ST_CONFLICT with
 *   f->code the failure's code and a message a nurse cannot mistake, and *out is
 *   {"check":{... "passed":false,"failure":code}} for the caller to answer beside the error. */
int identity_check_run(struct db *db, const struct actor *a, int64_t procedure_id, json_t *body,
                       json_t **out, struct fail *f) WARN_UNUSED;

/* {"checks":[...]} of a procedure, newest first (audited as specimen.read of the procedure). */
int identity_check_list(struct db *db, const struct actor *a, int64_t procedure_id, json_t **out,
                        struct fail *f) WARN_UNUSED;

#endif
