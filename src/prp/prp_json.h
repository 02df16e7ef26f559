/* JSON of the preparation designer: requests of `prp simulate` / `prp design` (and of the API
 * built on them) into their structs, and results back out. Strict: unknown fields are refused,
 * and every error names the field by its JSON path. */
#ifndef AUTOLOGA_PRP_PRP_JSON_H
#define AUTOLOGA_PRP_PRP_JSON_H

#include <jansson.h>

#include "core/status.h"
#include "prp/design.h"
#include "prp/simulate.h"

/* The simulate request (docs/prp-model.md, "Request"):
 *   {"blood": {"volume_ml", "hct", "platelets_per_ul", "wbc_per_ul", "lymphocytes_per_ul"?,
 *              "monocytes_per_ul"?, "neutrophils_per_ul"?, "anticoagulant_ml"?, "temperature_c"?},
 *    "tube": {"shape": "conical"|"round"|"flat", "capacity_ml": 10|15, "diameter_mm"?,
 *             "length_mm"?, "cone_length_mm"?},
 *    "rotor": {"kind": "swing-out"|"fixed-angle", "radius_cm"|"radius_mm", "angle_deg"?},
 *    "spins": [{"g"|"rpm", "minutes", "accel_s"?, "decel_s"?,
 *               "collect": {"rule", "margin_mm"?, "volume_ml"?, "fraction"?}}],
 *    "cells"?}
 * Codes: "required", "invalid_type", "out_of_range", "invalid_value", "unknown_field"; the field
 * is the path ("blood.hct", "spins[0].collect.rule"). `out` is initialised first. */
int prp_json_request(json_t *in, struct prp_request *out, struct fail *f) WARN_UNUSED;

/* The design request: "blood", "tube", "rotor" as above, and
 *   "target"?: {"platelets_per_ul_min", "platelets_per_ul_max"},
 *   "limits"?: {"wbc_per_ul_max"?, "rbc_per_ul_max"?, "max_rpm"?, "max_g"?},
 *   "grid"?: {"g1"?: [...], "minutes1"?: [...], "g2"?: [...], "minutes2"?: [...],
 *             "fractions"?: [...], "rules"?: ["above-rbc", "buffy-coat"], "margin_mm"?},
 *   "results"?, "verify"?, "cells"? */
int prp_json_design_request(json_t *in, struct prp_design_request *out, struct fail *f) WARN_UNUSED;

/* The result of prp_simulate as JSON (new reference; NULL on allocation failure). Holds
 * "prediction" (what it is and how its band is computed), "recovery", "prp_volume_ml",
 * "platelets_per_ul", "concentration_factor", "wbc_per_ul", "rbc_per_ul", "hct", "dose_billion",
 * their "bands", "classifications", "warnings" and "spins" with each spin's layers and profile. */
json_t *prp_json_result(const struct prp_request *req, const struct prp_result *r);

/* The result of prp_design as JSON: "candidates", "feasible", "seconds", "protocols" ranked,
 * each with the request's "spins" shape so it can be fed back to simulate. */
json_t *prp_json_design_result(const struct prp_design_request *req,
                               const struct prp_design_result *r);

/* The classifications of `c` as JSON (shared with the API). */
json_t *prp_json_classes(const struct classify_result *c);

#endif
