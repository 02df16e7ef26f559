/* The drug dictionary (protocols/drugs.json): generic and brand names in English and Arabic,
 * each mapped to the medication class that screening reads, and search as one types.
 *
 * File schema (schema_version 1), every field checked at load, unknown fields refused:
 *   {"schema_version": 1, "description": "...",
 *    "classes": [{"code", "label_en", "label_ar"}, ...]      every code of enum drugs_class once
 *    "drugs": [{"code":     "ibuprofen"                      [a-z0-9_], unique
 *               "class":    "nsaid_nonselective"             a class code
 *               "name_en":  "ibuprofen"                      generic name, Latin script
 *               "name_ar":  "إيبوبروفين"                     generic name, Arabic script
 *               "synonyms": ["..."]                          optional: other generic names
 *               "brands":   ["Brufen", "بروفين"]},...]}       optional: brand names, either script
 * No two names of the whole file may fold (text_fold) to the same text: a name maps to one drug.
 *
 * Ownership: drugs_load and drugs_parse give the caller a dictionary freed with drugs_free; every
 * pointer that a lookup or a search returns is borrowed from it and valid until drugs_free. */
#ifndef AUTOLOGA_CLINIC_DRUGS_H
#define AUTOLOGA_CLINIC_DRUGS_H

#include <stddef.h>
#include "core/status.h"

/* The medication classes, in the order of the file's "classes". */
enum drugs_class {
    DRUGS_ANTIPLATELET,
    DRUGS_ANTICOAGULANT,
    DRUGS_ASPIRIN,
    DRUGS_NSAID_NONSELECTIVE,
    DRUGS_NSAID_COX2,
    DRUGS_CORTICOSTEROID_SYSTEMIC,
    DRUGS_STEROID_INJECTION_LOCAL,
    DRUGS_PARACETAMOL,
    DRUGS_ISOTRETINOIN,
    DRUGS_FINASTERIDE_DUTASTERIDE,
    DRUGS_MINOXIDIL,
    DRUGS_SUPPLEMENT_BLEEDING,
    DRUGS_STATIN,
    DRUGS_OTHER,
    DRUGS_NCLASSES
};

#define DRUGS_NAME_MAX_CHARS 100
#define DRUGS_QUERY_MAX_BYTES 200

/* The stable code of a class ("nsaid_cox2"); NULL for a value out of range. */
const char *drugs_class_code(enum drugs_class c);
/* The class of a code; ST_OK, or ST_NOT_FOUND (then *out is DRUGS_OTHER). */
int drugs_class_parse(const char *code, enum drugs_class *out) WARN_UNUSED;

struct drugs_drug {
    char *code;
    enum drugs_class cls;
    char *name_en;
    char *name_ar;
    char **synonyms;
    size_t nsynonyms;
    char **brands;
    size_t nbrands;
};

struct drugs;

/* Loads and validates the file at `path`. On failure *out is NULL and `f` names the file, the
 * drug (by code, or by its position when it has none) and the field; codes: those of
 * protofile_load, "unknown_field", "required", "invalid_type", "invalid_value",
 * "schema_version", "too_long", "wrong_script", "unknown_class", "missing_class",
 * "duplicate_class", "duplicate_code", "duplicate_name". */
int drugs_load(const char *path, struct drugs **out, struct fail *f) WARN_UNUSED;
/* The same for the contents of a file, `name` standing for it in messages. */
int drugs_parse(const char *text, size_t n, const char *name, struct drugs **out,
                struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void drugs_free(struct drugs *d);

size_t drugs_count(const struct drugs *d);
/* The i-th drug in file order, NULL past the end. */
const struct drugs_drug *drugs_at(const struct drugs *d, size_t i);
/* The drug with this code, NULL when none. */
const struct drugs_drug *drugs_find(const struct drugs *d, const char *code);
/* The file's label of a class in "en" or "ar" (anything else gives English). */
const char *drugs_class_label(const struct drugs *d, enum drugs_class c, const char *lang);

enum drugs_name_kind { DRUGS_NAME_EN, DRUGS_NAME_AR, DRUGS_SYNONYM, DRUGS_BRAND };

/* How well a name matched: lower is better. */
enum drugs_rank {
    DRUGS_EXACT,      /* the whole name, folded, is the folded query */
    DRUGS_FIRST_WORD, /* the query starts the name */
    DRUGS_OTHER_WORD  /* the query starts a later word of the name */
};

struct drugs_hit {
    const struct drugs_drug *drug;
    const char *name; /* the name that matched, as written in the file */
    enum drugs_name_kind kind;
    enum drugs_class cls;
    enum drugs_rank rank;
};

/* Search as one types: the query is folded with text_fold, and a name matches when the folded
 * query starts one of its words (a query of several words must match consecutive words from
 * there). Every matching name is a hit, so a drug may come back once per name ("asp" gives
 * aspirin and Aspocid). Hits are ordered by rank, then shorter names, then the folded name,
 * then file order; at most `limit` of them are written to `results`. Returns the number
 * written (0 for a query that folds to nothing), or ST_INVALID for a query that is not valid
 * UTF-8 or is longer than DRUGS_QUERY_MAX_BYTES, or ST_NOMEM. */
int drugs_search(const struct drugs *d, const char *query, size_t limit,
                 struct drugs_hit *results) WARN_UNUSED;

#endif
