/* Laboratory analytes (protocols/labs.json): labels in English and Arabic, the names a lab's
 * export may use, the units each analyte accepts and their exact conversion to one canonical
 * unit. No reference ranges: a result carries the range its own lab reported.
 *
 * File schema (schema_version 1), every field checked at load, unknown fields refused:
 *   {"schema_version": 1, "description": "...",
 *    "analytes": [{"code":           "haemoglobin"          [a-z0-9_], unique
 *                  "label_en":       "Haemoglobin"          shown in English
 *                  "label_ar":       "الهيموغلوبين"          shown in Arabic
 *                  "names_en":       ["Hemoglobin", "Hb"]   other names an export may use
 *                  "canonical_unit": "g/dL"                 the symbol of one of "units"
 *                  "units": [{"symbol": "g/L",              as shown
 *                             "factor": 10,                 value in this unit =
 *                             "offset": 0,                  canonical × factor + offset
 *                             "source": "1 dL = 0.1 L",     where the factor comes from
 *                             "aliases": ["gm/L"]}]}]}      other spellings, "" allowed
 * The canonical unit has no factor, offset or source (it is factor 1); every other unit needs a
 * factor > 0 and a source. Codes, labels and names fold (text_fold) to distinct texts across
 * the file (an analyte's own code may equal one of its names); the unit spellings of an analyte
 * are distinct after the matching rules of labs_unit_parse.
 *
 * Ownership: labs_load and labs_parse give the caller a table freed with labs_free; every
 * pointer a lookup returns is borrowed from it and valid until labs_free. */
#ifndef AUTOLOGA_CLINIC_LABS_H
#define AUTOLOGA_CLINIC_LABS_H

#include <stddef.h>
#include "core/status.h"

#define LABS_UNIT_MAX_BYTES 64

struct labs_unit {
    char *symbol;
    double factor; /* value in this unit = canonical × factor + offset */
    double offset;
    char *source; /* NULL for the canonical unit */
    char **aliases;
    size_t naliases;
    char **keys; /* internal: the spellings as labs_unit_parse compares them */
    size_t nkeys;
};

struct labs_analyte {
    char *code;
    char *label_en;
    char *label_ar;
    char **names_en;
    size_t nnames;
    struct labs_unit *units;
    size_t nunits;
    const struct labs_unit *canonical; /* one of units */
};

struct labs;

/* Loads and validates the file at `path`. On failure *out is NULL and `f` names the file, the
 * analyte and the field; codes: those of protofile_load, "unknown_field", "required",
 * "invalid_type", "invalid_value", "schema_version", "too_long", "wrong_script",
 * "duplicate_code", "duplicate_name", "duplicate_unit", "unknown_unit". */
int labs_load(const char *path, struct labs **out, struct fail *f) WARN_UNUSED;
/* The same for the contents of a file, `name` standing for it in messages. */
int labs_parse(const char *text, size_t n, const char *name, struct labs **out,
               struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void labs_free(struct labs *l);

size_t labs_count(const struct labs *l);
/* The i-th analyte in file order, NULL past the end. */
const struct labs_analyte *labs_at(const struct labs *l, size_t i);
/* The analyte with exactly this code, NULL when none. */
const struct labs_analyte *labs_find(const struct labs *l, const char *code);
/* The analyte that s[0..n) names: its code, English label or one of its English names, compared
 * after text_fold (so case, accents and punctuation do not matter). NULL when none, or for text
 * that is not valid UTF-8 or longer than 200 bytes. */
const struct labs_analyte *labs_find_name(const struct labs *l, const char *s, size_t n);

/* The unit of `a` that `text` spells, NULL when none. Before comparing, ASCII white space is
 * removed, µ (U+00B5) and μ (U+03BC) become u, × (U+00D7) becomes x, superscript digits become
 * ^ and the digits (10⁹ is 10^9), and ASCII letters are compared without case: the spellings
 * of one analyte are checked at load to stay distinct under these rules, so a match is never
 * ambiguous. */
const struct labs_unit *labs_unit_parse(const struct labs_analyte *a, const char *text);

/* value in unit `u` of `a` → the canonical unit, and back. ST_INVALID (and *out 0) for a unit
 * that is not one of a's, or a value or result that is not finite. */
int labs_to_canonical(const struct labs_analyte *a, double value, const struct labs_unit *u,
                      double *out) WARN_UNUSED;
int labs_from_canonical(const struct labs_analyte *a, double canonical, const struct labs_unit *u,
                        double *out) WARN_UNUSED;

#endif
