/* Loading the data files of protocols/ together and checking that they agree. */
#include "clinic/protocols.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/protofile.h"
#include "core/crypto.h"

static int
file_path(const char *dir, const char *name, char *out, size_t cap, struct fail *f)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return fail_set(f, ST_INVALID, "protocols", "too_long",
                        "the protocols directory path is too long");
    return ST_OK;
}

/* The screening rules, whose bytes are also hashed: a stored result names the rules it used. */
static int
load_screening(const char *path, struct protocols *p, struct fail *f)
{
    char *data = NULL;
    size_t n = 0;
    int st = protofile_read(path, &data, &n, f);
    if (st != ST_OK)
        goto out;
    st = screening_rules_parse(path, data, n, &p->screening, f);
    if (st == ST_OK)
        crypto_sha256_hex(data, n, p->screening_sha256);
out:
    free(data);
    return st;
}

static int
check_agreement(const struct protocols *p, const char *screening_path, struct fail *f)
{
    const struct screening_list *an = &p->screening->analytes;
    for (size_t i = 0; i < an->n; i++) {
        const struct screening_code *c = &an->items[i];
        const struct labs_analyte *a = labs_find(p->labs, c->code);
        if (!a)
            return protofile_fail(f, ST_INVALID, screening_path, "analytes", "code",
                                  "unknown_analyte", "'%s' is not an analyte of labs.json",
                                  c->code);
        if (!labs_unit_parse(a, c->unit))
            return protofile_fail(f, ST_INVALID, screening_path, c->code, "unit", "unknown_unit",
                                  "'%s' is not a unit of '%s' in labs.json", c->unit, c->code);
    }
    const struct course_protocols *cp = p->courses;
    for (size_t i = 0; i < cp->nprotocols; i++) {
        const struct course_protocol *c = &cp->protocols[i];
        if (screening_list_find(&p->screening->treatments, c->screening_treatment) < 0)
            return protofile_fail(f, ST_INVALID, c->file, "", "screening_treatment",
                                  "unknown_treatment", "'%s' is not a treatment of screening.json",
                                  c->screening_treatment);
    }
    for (size_t i = 0; i < p->maps->nmaps; i++) {
        const struct injection_map *m = &p->maps->maps[i];
        for (size_t k = 0; k < m->nzones; k++)
            if (m->zones[k].rule && !screening_rules_rule(p->screening, m->zones[k].rule))
                return protofile_fail(f, ST_INVALID, INJECTION_MAPS_FILE, m->zones[k].code, "rule",
                                      "unknown_rule", "'%s' is not a rule of screening.json",
                                      m->zones[k].rule);
    }
    const struct screening_list *mc = &p->screening->medication_classes;
    for (size_t i = 0; i < mc->n; i++) {
        enum drugs_class cls;
        if (drugs_class_parse(mc->items[i].code, &cls) != ST_OK)
            return protofile_fail(f, ST_INVALID, screening_path, "medication_classes", "code",
                                  "unknown_class", "'%s' is not a class of drugs.json",
                                  mc->items[i].code);
    }
    return ST_OK;
}

/* The type of a measure of measures.json, for the course protocols' outcomes check. */
static const char *
measure_type(const void *ctx, const char *code)
{
    const struct measures_measure *mm = measures_find(ctx, code);
    return mm ? measures_type_name(mm->type) : NULL;
}

int
protocols_load(const char *dir, struct protocols **out, struct fail *f)
{
    char path[4096];
    int st;
    struct protocols *p = calloc(1, sizeof(*p));

    *out = NULL;
    if (!p)
        return ST_NOMEM;
    if ((st = file_path(dir, "screening.json", path, sizeof(path), f)) != ST_OK ||
        (st = load_screening(path, p, f)) != ST_OK)
        goto out;
    if ((st = file_path(dir, "drugs.json", path, sizeof(path), f)) != ST_OK ||
        (st = drugs_load(path, &p->drugs, f)) != ST_OK)
        goto out;
    if ((st = file_path(dir, "labs.json", path, sizeof(path), f)) != ST_OK ||
        (st = labs_load(path, &p->labs, f)) != ST_OK)
        goto out;
    /* Before the course protocols: their expected outcomes name measures. */
    if ((st = file_path(dir, MEASURES_FILE, path, sizeof(path), f)) != ST_OK ||
        (st = measures_load(path, &p->measures, f)) != ST_OK)
        goto out;
    if ((st = course_protocols_load(dir, &p->courses, f)) != ST_OK ||
        (st = course_protocols_check_measures(p->courses, measure_type, p->measures, f)) != ST_OK)
        goto out;
    if ((st = file_path(dir, INJECTION_MAPS_FILE, path, sizeof(path), f)) != ST_OK ||
        (st = injection_maps_load(path, &p->maps, f)) != ST_OK)
        goto out;
    if ((st = file_path(dir, "screening.json", path, sizeof(path), f)) != ST_OK ||
        (st = check_agreement(p, path, f)) != ST_OK)
        goto out;
    *out = p;
    p = NULL;
out:
    protocols_free(p);
    return st;
}

void
protocols_free(struct protocols *p)
{
    if (!p)
        return;
    screening_rules_free(p->screening);
    drugs_free(p->drugs);
    labs_free(p->labs);
    course_protocols_free(p->courses);
    injection_maps_free(p->maps);
    measures_free(p->measures);
    free(p);
}

int
protocols_lab_for_screening(const struct protocols *p, const char *analyte, double canonical,
                            double *out)
{
    *out = 0;
    long i = screening_list_find(&p->screening->analytes, analyte);
    const struct labs_analyte *a = labs_find(p->labs, analyte);
    if (i < 0 || !a)
        return ST_NOT_FOUND;
    /* Agreement was checked at load, so the unit is one of the analyte's. */
    const struct labs_unit *u = labs_unit_parse(a, p->screening->analytes.items[i].unit);
    if (!u)
        return ST_NOT_FOUND;
    return labs_from_canonical(a, canonical, u, out);
}

static json_t *
label_json(const char *en, const char *ar)
{
    return json_pack("{s:s, s:s}", "en", en ? en : "", "ar", ar ? ar : "");
}

/* Appends {"code","label"} (and for findings "type" and "unit") of every entry of a list. */
static json_t *
codes_json(const struct screening_list *l, bool findings)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n; i++) {
        const struct screening_code *c = &l->items[i];
        json_t *o =
            json_pack("{s:s, s:o}", "code", c->code, "label", label_json(c->label.en, c->label.ar));
        if (o && findings &&
            (json_object_set_new(o, "type", json_string(screening_finding_type_name(c->type))) !=
                 0 ||
             json_object_set_new(o, "unit", c->unit ? json_string(c->unit) : json_null()) != 0)) {
            json_decref(o);
            o = NULL;
        }
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *
classes_json(const struct protocols *p)
{
    json_t *arr = json_array();
    for (int c = 0; arr && c < DRUGS_NCLASSES; c++) {
        json_t *o = json_pack("{s:s, s:o}", "code", drugs_class_code((enum drugs_class)c), "label",
                              label_json(drugs_class_label(p->drugs, (enum drugs_class)c, "en"),
                                         drugs_class_label(p->drugs, (enum drugs_class)c, "ar")));
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *
analytes_json(const struct protocols *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < labs_count(p->labs); i++) {
        const struct labs_analyte *a = labs_at(p->labs, i);
        json_t *units = json_array();
        for (size_t u = 0; units && u < a->nunits; u++)
            if (json_array_append_new(units, json_string(a->units[u].symbol)) != 0) {
                json_decref(units);
                units = NULL;
            }
        long si = screening_list_find(&p->screening->analytes, a->code);
        json_t *o = units ? json_pack("{s:s, s:o, s:s, s:o, s:o}", "code", a->code, "label",
                                      label_json(a->label_en, a->label_ar), "canonical_unit",
                                      a->canonical->symbol, "units", units, "screening_unit",
                                      si >= 0 ? json_string(p->screening->analytes.items[si].unit)
                                              : json_null())
                          : NULL;
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Each request gets its own copy: the loaded documents are shared by every thread. */
static json_t *
course_protocols_json(const struct course_protocols *cp)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < cp->nprotocols; i++)
        if (json_array_append_new(arr, json_deep_copy(cp->protocols[i].document)) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *
offered_json(const struct course_protocols *cp)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < cp->ntreatments; i++) {
        const struct course_treatment *t = &cp->treatments[i];
        json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "code", t->code, "label",
                              label_json(t->label.en, t->label.ar), "summary",
                              label_json(t->summary.en, t->summary.ar), "protocol",
                              t->protocol ? json_string(t->protocol->code) : json_null());
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *
protocols_catalog_json(const struct protocols *p)
{
    const struct screening_rules *r = p->screening;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o}", "treatments",
                     codes_json(&r->treatments, false), "conditions",
                     codes_json(&r->conditions, false), "medication_classes", classes_json(p),
                     "findings", codes_json(&r->findings, true), "analytes", analytes_json(p),
                     "lab_max_age_days", (json_int_t)r->lab_max_age_days, "protocols",
                     course_protocols_json(p->courses), "treatments_offered",
                     offered_json(p->courses), "injection_maps", injection_maps_json(p->maps),
                     "measures", measures_catalog_json(p->measures));
}
