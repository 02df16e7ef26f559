/* Change lists between two versions of a clinical JSON document (an assessment, a medical
 * history): what each field was and what it became, keyed by the field's dotted path.
 *
 * The shape is {"hair.norwood": {"from": "III", "to": "IV"}, "medications": {"from": [...],
 * "to": [...]}}:
 * - members of objects are walked, their path being the parent's path, a dot and the key
 *   ("hair.norwood"; a top-level member is its key alone);
 * - an object on one side and null (or an absent member) on the other is walked as if the missing
 *   side were an object of nulls, so a section that appears lists the values it brings; when that
 *   finds nothing although the two differ (an object of nulls against null), the path itself is
 *   reported whole;
 * - everything else (strings, numbers, booleans, arrays, an object against a scalar) is compared
 *   whole: arrays such as `medications` or `zones` are reported under their own key.
 * Absent members count as null. Numbers compare by JSON type and value (1 differs from 1.0), so
 * documents are normalised before they are compared.
 *
 * Both functions leave their arguments as they are and return a new object that the caller
 * json_decref()s, or NULL when out of memory. */
#ifndef AUTOLOGA_CLINIC_DOCDIFF_H
#define AUTOLOGA_CLINIC_DOCDIFF_H

#include <jansson.h>

/* Paths longer than this are reported at their longest ancestor that fits. */
#define DOCDIFF_PATH_MAX 256

/* The changes from `before` to `after` (either may be NULL, meaning an empty document); an empty
 * object when they are equal. */
json_t *docdiff_changes(json_t *before, json_t *after);

/* The change list of a creation: every value `doc` sets, as a change from null. Members that are
 * null or an empty array set nothing and are left out. */
json_t *docdiff_creation(json_t *doc);

#endif
