/* The clinic's data files of protocols/ loaded together at start-up and checked against each
 * other: screening rules, the drug dictionary, the laboratory analytes, the treatment catalogue
 * and its course protocols. Read-only after loading, shared by every request. */
#ifndef AUTOLOGA_CLINIC_PROTOCOLS_H
#define AUTOLOGA_CLINIC_PROTOCOLS_H

#include <jansson.h>

#include "clinic/course_protocols.h"
#include "clinic/drugs.h"
#include "clinic/injection_maps.h"
#include "clinic/labs.h"
#include "clinic/measures.h"
#include "clinic/screening_rules.h"
#include "core/status.h"

struct protocols {
    struct screening_rules *screening;
    struct drugs *drugs;
    struct labs *labs;
    struct course_protocols *courses; /* treatments.json and the course protocols it names */
    struct injection_maps *maps;      /* injection-maps.json: the zones of injection records */
    struct measures *measures;        /* measures.json: measures, methods and photo views */
    char screening_sha256[65];        /* of screening.json as read: stored with every result */
};

/* Loads screening.json, drugs.json, labs.json, measures.json, treatments.json (with the course
 * protocols it names) and injection-maps.json from `dir` and checks that they agree: every analyte
 * of the screening rules is an analyte of labs.json whose units include the one the rules compare
 * in, every medication class of the rules is a class of drugs.json, every course protocol's
 * screening_treatment is a treatment of screening.json, every measure the protocols' outcomes
 * name is a measure of measures.json holding numbers, and every rule a high-risk zone of the
 * injection maps cites is a rule of screening.json. On failure *out is NULL and `f` names
 * the file, the entry and the field (codes of each module's loader, and "unknown_analyte",
 * "unknown_unit", "unknown_class", "unknown_treatment", "unknown_measure", "unknown_rule" for
 * disagreements). The
 * currency of the prices is checked against the clinic's by the caller that knows it
 * (course_protocols_check_currency). */
int protocols_load(const char *dir, struct protocols **out, struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void protocols_free(struct protocols *p);

/* A lab value in labs.json's canonical unit of `analyte`, in the unit the screening rules
 * compare it in. ST_NOT_FOUND when the rules do not read this analyte; ST_INVALID when the
 * value is not finite. */
int protocols_lab_for_screening(const struct protocols *p, const char *analyte, double canonical,
                                double *out) WARN_UNUSED;

/* The coded lists the forms offer, with English and Arabic labels (the caller json_decref()s;
 * NULL when out of memory):
 * {"treatments":         [{"code","label":{"en","ar"}}],
 *  "conditions":         [{"code","label"}],
 *  "medication_classes": [{"code","label"}],        every class of drugs.json, "other" last
 *  "findings":           [{"code","label","type","unit"}],
 *  "analytes":           [{"code","label","canonical_unit","units":["g/dL","g/L"],
 *                          "screening_unit": "g/dL" or null}],
 *  "lab_max_age_days": 90,
 *  "protocols":          [the whole document of each course protocol, in catalogue order],
 *  "treatments_offered": [{"code","label","summary","protocol": "prp-hair" or null}],
 *  "injection_maps":     [{"code","label","zones":[{"code","label","area_cm2","high_risk"}]}],
 *  "measures":           {"methods":[...],"measures":[...],"photo_views":[...],"sources":[...]}
 *                        (measures.json's lists as written)} */
json_t *protocols_catalog_json(const struct protocols *p);

#endif
