/* The documents of a procedure at the chair (PRP preparation, fat-derived cells, injection):
 * strict validation into the stored, normalised document and what is computed from it. */
#ifndef AUTOLOGA_CLINIC_PROCDOC_H
#define AUTOLOGA_CLINIC_PROCDOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/protocols.h"
#include "core/status.h"

/* Pure functions: the caller owns the database, the transaction and the audit. Every failure
 * names the member by its path below "doc" ("doc.spins[1].rpm") with the codes of
 * core/jsonin.h and clinic/docin.h; unknown members are refused ("unknown_field"). Numbers not
 * known come out as JSON null. The fields, units, ranges and computations are those of
 * docs/procedure-records.md. */

/* A centrifuge of the clinic as the record keeps it: a snapshot, so that a later change of the
 * device does not change the record. */
struct procdoc_centrifuge {
    int64_t id;
    char name[128];
    char model[128];
    char rotor_type[16];    /* "fixed_angle"|"swing_out"|"" */
    double rotor_radius_mm; /* 0: unknown */
};
/* ST_NOT_FOUND when the centrifuge does not exist or is inactive. */
typedef int (*procdoc_centrifuge_fn)(void *ctx, int64_t id, struct procdoc_centrifuge *out,
                                     struct fail *f);

struct procdoc_context {
    const struct protocols *protocols; /* injection maps, screening rules (PRP-FACE-1 text) */
    const json_t *protocol; /* the course protocol document (its "preparation" items) or NULL */
    procdoc_centrifuge_fn centrifuge;
    void *centrifuge_ctx;
    double injected_volume_ml; /* NAN when no injection is recorded */
};

/* Validates the preparation document `in` into *doc (a new object the caller json_decref()s;
 * NULL on failure): every spin gets both rpm and rcf_g (one computed from the other at the
 * centrifuge's radius), and the centrifuge's snapshot is added as "centrifuge". ST_INVALID
 * naming the path; ST_CONFLICT with code "radius_unknown" (field "doc.centrifuge_id") when a
 * spin needs a conversion the centrifuge's unknown radius cannot give; the centrifuge
 * callback's own failures (other than ST_NOT_FOUND, which is "invalid_value") pass through. */
int procdoc_preparation_normalise(json_t *in, const struct procdoc_context *c, json_t **doc,
                                  struct fail *f) WARN_UNUSED;
/* What a normalised preparation document gives (*computed a new object): spins, concentration
 * factor, recovery, platelets injected, the five classifications and the deviations from the
 * protocol's preparation items. */
int procdoc_preparation_compute(const json_t *doc, const struct procdoc_context *c,
                                json_t **computed, struct fail *f) WARN_UNUSED;

/* Validates the fat-derived cells document (adsc-hair); a centrifugation's spin is normalised as
 * a preparation's spin is. Codes and statuses as procdoc_preparation_normalise. */
int procdoc_fat_normalise(json_t *in, const struct procdoc_context *c, json_t **doc,
                          struct fail *f) WARN_UNUSED;

/* ST_CONFLICT with code "incomplete", naming the field, when a normalised fat document lacks
 * what must be recorded before the procedure is completed: the harvest site and aspirate
 * volume, the processing method, the final volume and the regulatory basis (facts.md §6). */
int procdoc_fat_check_complete(const json_t *doc, struct fail *f) WARN_UNUSED;

/* Validates the injection document for `treatment` (prp-hair, prp-face, adsc-hair): the map
 * must be the treatment's (scalp for hair, face for prp-face), each zone one of the map's and
 * named once, and a PRP injection names at least one specimen ("required" on doc.specimens). */
int procdoc_injection_normalise(json_t *in, const struct procdoc_context *c, const char *treatment,
                                json_t **doc, struct fail *f) WARN_UNUSED;
/* Totals, areas, volume per cm², the PRP-FACE-1 warnings of high-risk zones and the deviations
 * (dose, dose_per_area) from the protocol's preparation items. */
int procdoc_injection_compute(const json_t *doc, const struct procdoc_context *c, json_t **computed,
                              struct fail *f) WARN_UNUSED;

/* The injected specimen ids of a normalised injection doc, for the caller's identity rules:
 * their number, and the i-th (borrowed from `doc`; NULL past the end). */
size_t procdoc_injection_nspecimens(const json_t *doc);
const char *procdoc_injection_specimen(const json_t *doc, size_t i);
/* The total volume injected of a normalised injection doc (the sum of its zones' volumes), for
 * procdoc_context.injected_volume_ml; NAN when it has no zone. */
double procdoc_injection_total_ml(const json_t *doc);

#endif
