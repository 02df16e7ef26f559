/* What the preparation designer starts from for one procedure: the simulate request of
 * docs/prp-model.md filled from the patient's labs, the preparation record, the clinic's
 * centrifuges and the course protocol, each value with where it came from (docs/api.md, "PRP
 * preparation designer"). Pure mapping: no database, no clock, no audit. */
#ifndef AUTOLOGA_CLINIC_PRP_INPUTS_H
#define AUTOLOGA_CLINIC_PRP_INPUTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "store/db.h"

/* Defaults of the model where the clinic records nothing (docs/prp-model.md §2). */
#define PRP_INPUTS_TEMPERATURE_C 22.0
#define PRP_INPUTS_TUBE_CAPACITY_ML 15.0
/* Kept bottom fraction of a second spin when the record does not give it. */
#define PRP_INPUTS_KEEP_FRACTION 0.333
/* Collection margins: above the red cells for plain plasma, into them for a buffy coat. */
#define PRP_INPUTS_MARGIN_PLASMA_MM 2.0
#define PRP_INPUTS_MARGIN_BUFFY_MM 1.0
/* ACD-A: 1 volume per 9 volumes of blood (facts.md §3). */
#define PRP_INPUTS_ANTICOAGULANT_RATIO (1.0 / 9.0)
/* The target when the protocol gives none: 1.0–1.5 million platelets/µL (facts.md §3). */
#define PRP_INPUTS_TARGET_MIN 1000000.0
#define PRP_INPUTS_TARGET_MAX 1500000.0

/* The plain inputs, borrowed. */
struct prp_inputs {
    /* the patient's lab results; deleted ones are skipped, the newest measurement of each
     * analyte counts (canonical units of protocols/labs.json) */
    const struct db_lab *labs;
    size_t n_labs;
    /* the latest normalised preparation document (clinic/procdoc.h), or NULL */
    const json_t *preparation;
    /* the clinic's centrifuges by name (inactive ones are skipped) */
    const struct db_centrifuge *centrifuges;
    size_t n_centrifuges;
    /* the centrifuge the appointment holds (0: none): preferred to the first by name when the
     * preparation names none */
    int64_t booked_centrifuge_id;
    /* the protocol document the procedure follows (its "preparation" items), or NULL */
    const json_t *protocol;
};

/* Maps the inputs into *out (a new object; NULL on failure):
 *   {"request": {"blood":{...},"tube":{...},"rotor":{...},"spins":[...]},
 *    "sources": {"blood.hct": {"from":"lab","lab_id","measured_at","date_only"}, ...},
 *    "missing": ["rotor", ...],
 *    "target": {"platelets_per_ul_min","platelets_per_ul_max","from"}}
 * `from` is one of "preparation", "lab", "protocol", "ratio", "centrifuge", "default". What
 * nothing fills is left out of "request" and its path listed in "missing" (only what the model
 * needs: the blood's volume, haematocrit, platelets and leukocytes, the rotor or its angle, the
 * spins). ST_NOMEM only. */
int prp_inputs_request(const struct prp_inputs *in, json_t **out, struct fail *f) WARN_UNUSED;

#endif
