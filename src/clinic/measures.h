/* The measures of protocols/measures.json: what the clinic measures to follow results (their
 * units, the values each accepts, how it is charted), how it was measured, and the standard
 * photograph views. Loaded strictly at start-up, read-only after, shared by every request. */
#ifndef AUTOLOGA_CLINIC_MEASURES_H
#define AUTOLOGA_CLINIC_MEASURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define MEASURES_FILE "measures.json"
#define MEASURES_SCHEMA_VERSION 1
/* Codes of measures, methods and views: the store keeps them as text, the API as JSON keys. */
#define MEASURES_CODE_MAX 40
/* A code measure's codes ("III-vertex"). */
#define MEASURES_VALUE_CODE_MAX 32
/* Decimals a number measure may allow: beyond this no instrument of the clinic resolves. */
#define MEASURES_DECIMALS_MAX 4

enum measures_type { MEASURES_NUMBER = 1, MEASURES_INTEGER = 2, MEASURES_CODE = 3 };
/* Which way is better, for charts and reports; NONE when neither is (vellus density). */
enum measures_direction {
    MEASURES_DIRECTION_NONE = 0,
    MEASURES_HIGHER_BETTER = 1,
    MEASURES_LOWER_BETTER = 2
};
/* The complaint a measure or a view belongs to; ANY for both (satisfaction). */
enum measures_complaint { MEASURES_ANY = 0, MEASURES_HAIR = 1, MEASURES_FACE = 2 };

/* The label of one value of an integer scale (global photographic assessment: -3..+3). */
struct measures_value_label {
    long value;
    char *en, *ar;
};

struct measures_measure {
    char *code;                /* "hair_density" */
    char *label_en, *label_ar; /* "Hair density" */
    char *unit_en, *unit_ar;   /* "hairs/cm²"; both NULL when the measure has no unit */
    enum measures_type type;
    int decimals;    /* number: at most this many decimals; 0 for integer and code */
    double min, max; /* number and integer: the accepted range, both ends included */
    char **codes;    /* code: the codes in scale order, NULL-terminated; NULL otherwise */
    size_t ncodes;   /* code: how many; charted by index 0..ncodes-1 */
    struct measures_value_label *labels; /* integer: a label per value min..max, or NULL */
    size_t nlabels;
    enum measures_direction direction;
    enum measures_complaint complaint;
    char **sources; /* ids of the file's sources, NULL-terminated (at least one) */
};

struct measures_method {
    char *code; /* "phototrichogram" */
    char *label_en, *label_ar;
};

struct measures_view {
    char *code; /* "hair_top" */
    char *label_en, *label_ar;
    enum measures_complaint complaint;
};

struct measures {
    struct measures_measure *measures; /* in file order: the order of forms and charts */
    size_t nmeasures;
    struct measures_method *methods;
    size_t nmethods;
    struct measures_view *views;
    size_t nviews;
    json_t *document; /* the whole file as parsed: the catalogue serves its lists */
};

/* Reads and checks protocols/measures.json at `path` (or text[0..n) standing for the file
 * `name`): schema version 1; sources [{"id","tier","citation"}] with unique ids; methods, measures
 * and photo_views each with a unique code of lower-case letters, digits and underscores and a
 * label in both languages; for each measure a type (number: "decimals" 0..MEASURES_DECIMALS_MAX,
 * min < max; integer: whole min < max, optional "labels" naming every value; code: "codes", unique,
 * at least two), an optional unit in both languages, "direction" and "complaint" present (null
 * allowed), and "sources" naming sources of the file. Fields a type does not use are refused. On
 * failure *out is NULL and `f` says "measures.json: <entry>: field '<field>' <problem>" with
 * codes "unknown_field", "required", "invalid_type", "invalid_value", "too_long", "duplicate",
 * "schema_version", "unknown_source" (and the protofile codes). The caller frees *out with
 * measures_free. */
int measures_load(const char *path, struct measures **out, struct fail *f) WARN_UNUSED;
int measures_parse(const char *text, size_t n, const char *name, struct measures **out,
                   struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void measures_free(struct measures *m);

/* The entry with this code, or NULL (borrowed from `m`; NULL m or code give NULL). */
const struct measures_measure *measures_find(const struct measures *m, const char *code);
const struct measures_view *measures_view_find(const struct measures *m, const char *code);
const struct measures_method *measures_method_find(const struct measures *m, const char *code);

/* The index of `code` among a code measure's codes (its place on a chart's axis), or -1. */
long measures_code_index(const struct measures_measure *mm, const char *code);
/* The label of an integer measure's value in "en" or "ar" ("slightly better"), or NULL. */
const char *measures_value_label(const struct measures_measure *mm, long value, const char *lang);

/* "number", "integer", "code"; "higher_better", "lower_better" or NULL; "hair", "face" or NULL. */
const char *measures_type_name(enum measures_type t);
const char *measures_direction_name(enum measures_direction d);
const char *measures_complaint_name(enum measures_complaint c);

/* Checks one value given for `mm`: for number and integer measures a JSON number (an integer
 * measure a whole one) within min..max with at most `decimals` decimals, for code measures a
 * string among the codes. On success *num (number, integer) or *code (code; borrowed from mm)
 * holds it and the other is 0 / NULL. Failures name `field` with "invalid_type", "out_of_range"
 * or "invalid_value" (too many decimals, not a code). */
int measures_check_value(const struct measures_measure *mm, json_t *v, const char *field,
                         double *num, const char **code, struct fail *f) WARN_UNUSED;
/* The same check for a number read from text (the CSV import): not finite is "invalid_type". */
int measures_check_number(const struct measures_measure *mm, double v, const char *field,
                          struct fail *f) WARN_UNUSED;
/* A stored value as JSON: the number (a JSON integer for integer measures) or the code string.
 * New reference; NULL when out of memory. */
json_t *measures_value_json(const struct measures_measure *mm, double num, const char *code);

/* The catalogue's "measures": {"methods":[...],"measures":[...],"photo_views":[...],
 * "sources":[...]}, the file's lists as written (a copy; the caller json_decref()s; NULL when out
 * of memory). */
json_t *measures_catalog_json(const struct measures *m);

#endif
