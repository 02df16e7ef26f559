/* Loading protocols/measures.json strictly: a clinic adds a measure or relabels a view, and a
 * mistake fails at start-up naming the file, the entry and the field. */
#include "clinic/measures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/docin.h"
#include "clinic/protofile.h"

#define LABEL_MAX_CHARS 100
#define UNIT_MAX_CHARS 40
#define CITATION_MAX_CHARS 1000
#define MAX_ENTRIES 200
#define MAX_CODES 64
/* Limits beyond which a number is a typing mistake, not a scale. */
#define LIMIT_ABS 1e9
/* An integer scale with a label for each value stays short enough to read. */
#define MAX_LABELLED_VALUES 21

static const char *const tier_names[] = {"G", "SR", "RCT", "S", "E", NULL};
static const char *const type_names[] = {"number", "integer", "code", NULL};

/* Codes: a-z, 0-9 and '_', starting with a letter. */
static bool
code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MEASURES_CODE_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static int
read_code(struct protofile_reader *r, json_t *obj, const char *key, char **out)
{
    int st = protofile_string(r, obj, "", key, MEASURES_CODE_MAX, out);
    if (st != ST_OK)
        return st;
    if (!code_ok(*out))
        return protofile_bad(r, key, "invalid_value",
                             "must be lower-case letters, digits and '_', starting with a letter");
    return ST_OK;
}

/* A list at root[key] of 1..MAX_ENTRIES objects. */
static int
need_list(struct protofile_reader *r, json_t *obj, const char *key, json_t **v)
{
    int st = protofile_need(r, obj, "", key, v);
    if (st != ST_OK)
        return st;
    if (!json_is_array(*v) || json_array_size(*v) == 0 || json_array_size(*v) > MAX_ENTRIES)
        return protofile_bad(r, key, "invalid_type", "must be a list of 1 to %d entries",
                             MAX_ENTRIES);
    return ST_OK;
}

/* "complaint": "hair", "face" or null, present so that whoever adds an entry decides. */
static int
read_complaint(struct protofile_reader *r, json_t *obj, enum measures_complaint *out)
{
    json_t *v = json_object_get(obj, "complaint");
    if (!v)
        return protofile_bad(r, "complaint", "required",
                             "is required (\"hair\", \"face\" or null for both)");
    if (json_is_null(v)) {
        *out = MEASURES_ANY;
        return ST_OK;
    }
    const char *s = json_string_value(v);
    if (s && strcmp(s, "hair") == 0)
        *out = MEASURES_HAIR;
    else if (s && strcmp(s, "face") == 0)
        *out = MEASURES_FACE;
    else
        return protofile_bad(r, "complaint", "invalid_value", "must be \"hair\", \"face\" or null");
    return ST_OK;
}

static int
read_sources(struct protofile_reader *r, json_t *root)
{
    static const char *const fields[] = {"id", "tier", "citation", NULL};
    json_t *arr, *s;
    size_t i;
    int st;

    r->where[0] = '\0';
    if ((st = need_list(r, root, "sources", &arr)) != ST_OK)
        return st;
    json_array_foreach(arr, i, s)
    {
        char *id = NULL;
        snprintf(r->where, sizeof(r->where), "sources[%zu]", i);
        if (!json_is_object(s))
            return protofile_bad(r, "id", "invalid_type", "must be in an object");
        if ((st = protofile_only(r, s, "", fields)) != ST_OK ||
            (st = read_code(r, s, "id", &id)) != ST_OK) {
            free(id);
            return st;
        }
        for (size_t j = 0; j < i && st == ST_OK; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(arr, j), "id")), id) == 0)
                st = protofile_bad(r, "id", "duplicate", "repeats the id '%s' of sources[%zu]", id,
                                   j);
        free(id);
        if (st != ST_OK)
            return st;
        json_t *tier = json_object_get(s, "tier");
        if (!tier || !json_is_string(tier) ||
            protofile_name_index(tier_names, json_string_value(tier)) < 0)
            return protofile_bad(r, "tier", tier ? "invalid_value" : "required",
                                 "must be G, SR, RCT, S or E");
        if ((st = protofile_string(r, s, "", "citation", CITATION_MAX_CHARS, NULL)) != ST_OK)
            return st;
    }
    r->sources = arr;
    return ST_OK;
}

static bool
source_known(const struct protofile_reader *r, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(r->sources, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0)
            return true;
    }
    return false;
}

static int
read_measure_sources(struct protofile_reader *r, json_t *obj, struct measures_measure *mm)
{
    json_t *ids, *id;
    size_t i;
    int st = protofile_need(r, obj, "", "sources", &ids);
    if (st != ST_OK)
        return st;
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > MAX_CODES)
        return protofile_bad(r, "sources", "invalid_type", "must be a list of source ids");
    if (!(mm->sources = calloc(json_array_size(ids) + 1, sizeof(*mm->sources))))
        return ST_NOMEM;
    json_array_foreach(ids, i, id)
    {
        if (!json_is_string(id))
            return protofile_bad(r, "sources", "invalid_type", "must hold source ids");
        if (!source_known(r, json_string_value(id)))
            return protofile_bad(r, "sources", "unknown_source",
                                 "names '%.40s', which is not in 'sources'", json_string_value(id));
        if (!(mm->sources[i] = strdup(json_string_value(id))))
            return ST_NOMEM;
    }
    return ST_OK;
}

/* A limit of the range: finite, and whole for an integer measure. */
static int
read_limit(struct protofile_reader *r, json_t *obj, const char *key, bool whole, double *out)
{
    json_t *v;
    int st = protofile_need(r, obj, "", key, &v);
    if (st != ST_OK)
        return st;
    if (whole ? !json_is_integer(v) : !json_is_number(v))
        return protofile_bad(r, key, "invalid_type",
                             whole ? "must be a whole number" : "must be a number");
    *out = json_number_value(v);
    if (!(fabs(*out) <= LIMIT_ABS))
        return protofile_bad(r, key, "invalid_value", "must be between -%g and %g", LIMIT_ABS,
                             LIMIT_ABS);
    return ST_OK;
}

static int
read_codes(struct protofile_reader *r, json_t *obj, struct measures_measure *mm)
{
    json_t *arr, *c;
    size_t i;
    int st = protofile_need(r, obj, "", "codes", &arr);
    if (st != ST_OK)
        return st;
    if (!json_is_array(arr) || json_array_size(arr) < 2 || json_array_size(arr) > MAX_CODES)
        return protofile_bad(r, "codes", "invalid_type", "must be a list of 2 to %d codes",
                             MAX_CODES);
    if (!(mm->codes = calloc(json_array_size(arr) + 1, sizeof(*mm->codes))))
        return ST_NOMEM;
    json_array_foreach(arr, i, c)
    {
        char path[32];
        snprintf(path, sizeof(path), "codes[%zu]", i);
        if ((st = protofile_string_value(r, c, path, MEASURES_VALUE_CODE_MAX, &mm->codes[i])) !=
            ST_OK)
            return st;
        mm->ncodes = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(mm->codes[j], mm->codes[i]) == 0)
                return protofile_bad(r, path, "duplicate", "repeats the code of codes[%zu]", j);
    }
    return ST_OK;
}

/* An integer scale's "labels": {"-3": {"en","ar"}, ...}, one for every value min..max. */
static int
read_value_labels(struct protofile_reader *r, json_t *obj, struct measures_measure *mm)
{
    json_t *labels = json_object_get(obj, "labels");
    if (!labels || json_is_null(labels))
        return ST_OK;
    if (!json_is_object(labels))
        return protofile_bad(r, "labels", "invalid_type",
                             "must be an object of {\"en\",\"ar\"} by value");
    double span = mm->max - mm->min + 1;
    if (span > MAX_LABELLED_VALUES || json_object_size(labels) != (size_t)span)
        return protofile_bad(r, "labels", "invalid_value",
                             "must label every value from %.0f to %.0f (at most %d values)",
                             mm->min, mm->max, MAX_LABELLED_VALUES);
    if (!(mm->labels = calloc((size_t)span, sizeof(*mm->labels))))
        return ST_NOMEM;
    for (long v = (long)mm->min; v <= (long)mm->max; v++) {
        char key[24], path[40];
        snprintf(key, sizeof(key), "%ld", v);
        snprintf(path, sizeof(path), "labels.%s", key);
        struct measures_value_label *l = &mm->labels[mm->nlabels];
        l->value = v;
        mm->nlabels++;
        if (!json_object_get(labels, key))
            return protofile_bad(r, path, "required", "is required: every value has a label");
        int st = protofile_text(r, labels, "labels", key, LABEL_MAX_CHARS, &l->en, &l->ar);
        if (st != ST_OK)
            return st;
    }
    return ST_OK;
}

/* Fields only some types take: a field given to a type that does not use it is a mistake. */
static int
refuse(struct protofile_reader *r, json_t *obj, const char *key, const char *type)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_null(v))
        return protofile_bad(r, key, "unknown_field", "does not belong to a %s measure", type);
    return ST_OK;
}

static int
read_type(struct protofile_reader *r, json_t *obj, struct measures_measure *mm)
{
    json_t *v;
    int st = protofile_need(r, obj, "", "type", &v);
    if (st != ST_OK)
        return st;
    int t = json_is_string(v) ? protofile_name_index(type_names, json_string_value(v)) : -1;
    if (t < 0)
        return protofile_bad(r, "type", "invalid_value",
                             "must be \"number\", \"integer\" or \"code\"");
    mm->type = (enum measures_type)(t + 1);
    if (mm->type == MEASURES_CODE) {
        if ((st = refuse(r, obj, "decimals", "code")) != ST_OK ||
            (st = refuse(r, obj, "min", "code")) != ST_OK ||
            (st = refuse(r, obj, "max", "code")) != ST_OK ||
            (st = refuse(r, obj, "labels", "code")) != ST_OK ||
            (st = refuse(r, obj, "unit", "code")) != ST_OK)
            return st;
        return read_codes(r, obj, mm);
    }
    if ((st = refuse(r, obj, "codes", mm->type == MEASURES_NUMBER ? "number" : "integer")) != ST_OK)
        return st;
    bool whole = mm->type == MEASURES_INTEGER;
    if (whole) {
        if ((st = refuse(r, obj, "decimals", "integer")) != ST_OK)
            return st;
    } else {
        if ((st = refuse(r, obj, "labels", "number")) != ST_OK ||
            (st = protofile_need(r, obj, "", "decimals", &v)) != ST_OK)
            return st;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > MEASURES_DECIMALS_MAX)
            return protofile_bad(r, "decimals", "invalid_value", "must be a whole number 0 to %d",
                                 MEASURES_DECIMALS_MAX);
        mm->decimals = (int)json_integer_value(v);
    }
    if ((st = read_limit(r, obj, "min", whole, &mm->min)) != ST_OK ||
        (st = read_limit(r, obj, "max", whole, &mm->max)) != ST_OK)
        return st;
    if (!(mm->min < mm->max))
        return protofile_bad(r, "max", "invalid_value", "must be above min (%g)", mm->min);
    if (whole)
        return read_value_labels(r, obj, mm);
    return ST_OK;
}

static int
read_direction(struct protofile_reader *r, json_t *obj, struct measures_measure *mm)
{
    json_t *v = json_object_get(obj, "direction");
    if (!v)
        return protofile_bad(r, "direction", "required",
                             "is required (\"higher_better\", \"lower_better\" or null)");
    const char *s = json_string_value(v);
    if (json_is_null(v))
        mm->direction = MEASURES_DIRECTION_NONE;
    else if (s && strcmp(s, "higher_better") == 0)
        mm->direction = MEASURES_HIGHER_BETTER;
    else if (s && strcmp(s, "lower_better") == 0)
        mm->direction = MEASURES_LOWER_BETTER;
    else
        return protofile_bad(r, "direction", "invalid_value",
                             "must be \"higher_better\", \"lower_better\" or null");
    return ST_OK;
}

static int
read_measure(struct protofile_reader *r, json_t *o, size_t i, struct measures *m)
{
    static const char *const fields[] = {"code",      "label",   "unit",  "type",   "decimals",
                                         "min",       "max",     "codes", "labels", "direction",
                                         "complaint", "sources", NULL};
    struct measures_measure *mm = &m->measures[i];
    int st;

    snprintf(r->where, sizeof(r->where), "measures[%zu]", i);
    if (!json_is_object(o))
        return protofile_bad(r, "code", "invalid_type", "must be in an object");
    if ((st = protofile_only(r, o, "", fields)) != ST_OK ||
        (st = read_code(r, o, "code", &mm->code)) != ST_OK)
        return st;
    snprintf(r->where, sizeof(r->where), "measures[%zu] (%.40s)", i, mm->code);
    for (size_t j = 0; j < i; j++)
        if (strcmp(m->measures[j].code, mm->code) == 0)
            return protofile_bad(r, "code", "duplicate", "repeats the measure of measures[%zu]", j);
    if ((st = protofile_text(r, o, "", "label", LABEL_MAX_CHARS, &mm->label_en, &mm->label_ar)) !=
            ST_OK ||
        (st = read_type(r, o, mm)) != ST_OK || (st = read_direction(r, o, mm)) != ST_OK ||
        (st = read_complaint(r, o, &mm->complaint)) != ST_OK ||
        (st = read_measure_sources(r, o, mm)) != ST_OK)
        return st;
    json_t *unit = json_object_get(o, "unit");
    if (unit && !json_is_null(unit))
        st = protofile_text(r, o, "", "unit", UNIT_MAX_CHARS, &mm->unit_en, &mm->unit_ar);
    return st;
}

static int
read_method(struct protofile_reader *r, json_t *o, size_t i, struct measures *m)
{
    static const char *const fields[] = {"code", "label", NULL};
    struct measures_method *mt = &m->methods[i];
    int st;

    snprintf(r->where, sizeof(r->where), "methods[%zu]", i);
    if (!json_is_object(o))
        return protofile_bad(r, "code", "invalid_type", "must be in an object");
    if ((st = protofile_only(r, o, "", fields)) != ST_OK ||
        (st = read_code(r, o, "code", &mt->code)) != ST_OK)
        return st;
    snprintf(r->where, sizeof(r->where), "methods[%zu] (%.40s)", i, mt->code);
    for (size_t j = 0; j < i; j++)
        if (strcmp(m->methods[j].code, mt->code) == 0)
            return protofile_bad(r, "code", "duplicate", "repeats the method of methods[%zu]", j);
    return protofile_text(r, o, "", "label", LABEL_MAX_CHARS, &mt->label_en, &mt->label_ar);
}

static int
read_view(struct protofile_reader *r, json_t *o, size_t i, struct measures *m)
{
    static const char *const fields[] = {"code", "complaint", "label", NULL};
    struct measures_view *vw = &m->views[i];
    int st;

    snprintf(r->where, sizeof(r->where), "photo_views[%zu]", i);
    if (!json_is_object(o))
        return protofile_bad(r, "code", "invalid_type", "must be in an object");
    if ((st = protofile_only(r, o, "", fields)) != ST_OK ||
        (st = read_code(r, o, "code", &vw->code)) != ST_OK)
        return st;
    snprintf(r->where, sizeof(r->where), "photo_views[%zu] (%.40s)", i, vw->code);
    for (size_t j = 0; j < i; j++)
        if (strcmp(m->views[j].code, vw->code) == 0)
            return protofile_bad(r, "code", "duplicate", "repeats the view of photo_views[%zu]", j);
    if ((st = read_complaint(r, o, &vw->complaint)) != ST_OK)
        return st;
    return protofile_text(r, o, "", "label", LABEL_MAX_CHARS, &vw->label_en, &vw->label_ar);
}

static int
build(json_t *root, const char *name, void *out, struct fail *f)
{
    static const char *const fields[] = {"schema_version", "description", "sources", "methods",
                                         "measures",       "photo_views", NULL};
    struct protofile_reader r = {.file = name, .f = f};
    struct measures *m = NULL;
    json_t *v, *list;
    size_t i;
    int st;

    if ((st = protofile_only(&r, root, "", fields)) != ST_OK ||
        (st = protofile_need(&r, root, "", "schema_version", &v)) != ST_OK)
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != MEASURES_SCHEMA_VERSION)
        return protofile_bad(&r, "schema_version", "schema_version",
                             "must be 1, the version this program reads");
    v = json_object_get(root, "description");
    if (v && !json_is_string(v))
        return protofile_bad(&r, "description", "invalid_type", "must be a string");
    if ((st = read_sources(&r, root)) != ST_OK)
        return st;
    if (!(m = calloc(1, sizeof(*m))))
        return ST_NOMEM;

    r.where[0] = '\0';
    if ((st = need_list(&r, root, "methods", &list)) != ST_OK)
        goto out;
    if (!(m->methods = calloc(json_array_size(list), sizeof(*m->methods)))) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(list, i, v)
    {
        m->nmethods = i + 1; /* counted first, so that a half-read entry is freed too */
        if ((st = read_method(&r, v, i, m)) != ST_OK)
            goto out;
    }

    r.where[0] = '\0';
    if ((st = need_list(&r, root, "measures", &list)) != ST_OK)
        goto out;
    if (!(m->measures = calloc(json_array_size(list), sizeof(*m->measures)))) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(list, i, v)
    {
        m->nmeasures = i + 1;
        if ((st = read_measure(&r, v, i, m)) != ST_OK)
            goto out;
    }

    r.where[0] = '\0';
    if ((st = need_list(&r, root, "photo_views", &list)) != ST_OK)
        goto out;
    if (!(m->views = calloc(json_array_size(list), sizeof(*m->views)))) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(list, i, v)
    {
        m->nviews = i + 1;
        if ((st = read_view(&r, v, i, m)) != ST_OK)
            goto out;
    }
    m->document = json_incref(root);
    *(struct measures **)out = m;
    m = NULL;
out:
    measures_free(m);
    return st;
}

int
measures_parse(const char *text, size_t n, const char *name, struct measures **out, struct fail *f)
{
    *out = NULL;
    return protofile_parse_into(text, n, name, build, out, f);
}

int
measures_load(const char *path, struct measures **out, struct fail *f)
{
    *out = NULL;
    return protofile_load_into(path, build, out, f);
}

static void
free_list(char **l)
{
    for (size_t i = 0; l && l[i]; i++)
        free(l[i]);
    free(l);
}

void
measures_free(struct measures *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nmeasures; i++) {
        struct measures_measure *mm = &m->measures[i];
        free(mm->code);
        free(mm->label_en);
        free(mm->label_ar);
        free(mm->unit_en);
        free(mm->unit_ar);
        free_list(mm->codes);
        free_list(mm->sources);
        for (size_t k = 0; k < mm->nlabels; k++) {
            free(mm->labels[k].en);
            free(mm->labels[k].ar);
        }
        free(mm->labels);
    }
    for (size_t i = 0; i < m->nmethods; i++) {
        free(m->methods[i].code);
        free(m->methods[i].label_en);
        free(m->methods[i].label_ar);
    }
    for (size_t i = 0; i < m->nviews; i++) {
        free(m->views[i].code);
        free(m->views[i].label_en);
        free(m->views[i].label_ar);
    }
    free(m->measures);
    free(m->methods);
    free(m->views);
    json_decref(m->document);
    free(m);
}

const struct measures_measure *
measures_find(const struct measures *m, const char *code)
{
    for (size_t i = 0; m && code && i < m->nmeasures; i++)
        if (strcmp(m->measures[i].code, code) == 0)
            return &m->measures[i];
    return NULL;
}

const struct measures_view *
measures_view_find(const struct measures *m, const char *code)
{
    for (size_t i = 0; m && code && i < m->nviews; i++)
        if (strcmp(m->views[i].code, code) == 0)
            return &m->views[i];
    return NULL;
}

const struct measures_method *
measures_method_find(const struct measures *m, const char *code)
{
    for (size_t i = 0; m && code && i < m->nmethods; i++)
        if (strcmp(m->methods[i].code, code) == 0)
            return &m->methods[i];
    return NULL;
}

long
measures_code_index(const struct measures_measure *mm, const char *code)
{
    for (size_t i = 0; mm && code && i < mm->ncodes; i++)
        if (strcmp(mm->codes[i], code) == 0)
            return (long)i;
    return -1;
}

const char *
measures_value_label(const struct measures_measure *mm, long value, const char *lang)
{
    bool ar = lang && strcmp(lang, "ar") == 0;
    for (size_t i = 0; mm && i < mm->nlabels; i++)
        if (mm->labels[i].value == value)
            return ar ? mm->labels[i].ar : mm->labels[i].en;
    return NULL;
}

const char *
measures_type_name(enum measures_type t)
{
    switch (t) {
    case MEASURES_NUMBER:
        return "number";
    case MEASURES_INTEGER:
        return "integer";
    case MEASURES_CODE:
        return "code";
    }
    return "number";
}

const char *
measures_direction_name(enum measures_direction d)
{
    switch (d) {
    case MEASURES_HIGHER_BETTER:
        return "higher_better";
    case MEASURES_LOWER_BETTER:
        return "lower_better";
    case MEASURES_DIRECTION_NONE:
        break;
    }
    return NULL;
}

const char *
measures_complaint_name(enum measures_complaint c)
{
    switch (c) {
    case MEASURES_HAIR:
        return "hair";
    case MEASURES_FACE:
        return "face";
    case MEASURES_ANY:
        break;
    }
    return NULL;
}

int
measures_check_number(const struct measures_measure *mm, double v, const char *field,
                      struct fail *f)
{
    if (mm->type == MEASURES_CODE)
        return fail_set(f, ST_INVALID, field, "invalid_type", "%s takes one of its codes",
                        mm->code);
    if (!isfinite(v))
        return fail_set(f, ST_INVALID, field, "invalid_type", "%s must be a number", mm->code);
    if (v < mm->min || v > mm->max)
        return fail_set(f, ST_INVALID, field, "out_of_range", "%s must be from %g to %g", mm->code,
                        mm->min, mm->max);
    /* Decimals are judged on the value scaled to whole units of the last allowed decimal; the
     * tolerance absorbs binary rounding of what was typed (0.1 is not exact in a double). */
    double scaled = v * pow(10, mm->type == MEASURES_INTEGER ? 0 : mm->decimals);
    if (fabs(scaled - nearbyint(scaled)) > 1e-6 * fmax(1.0, fabs(scaled))) {
        if (mm->type == MEASURES_INTEGER)
            return fail_set(f, ST_INVALID, field, "invalid_type", "%s must be a whole number",
                            mm->code);
        return fail_set(f, ST_INVALID, field, "invalid_value", "%s takes at most %d decimal%s",
                        mm->code, mm->decimals, mm->decimals == 1 ? "" : "s");
    }
    return ST_OK;
}

int
measures_check_value(const struct measures_measure *mm, json_t *v, const char *field, double *num,
                     const char **code, struct fail *f)
{
    *num = 0;
    *code = NULL;
    if (mm->type == MEASURES_CODE) {
        if (!json_is_string(v))
            return fail_set(f, ST_INVALID, field, "invalid_type", "%s takes one of its codes",
                            mm->code);
        long i = measures_code_index(mm, json_string_value(v));
        if (i < 0)
            return fail_set(f, ST_INVALID, field, "invalid_value", "'%.40s' is not a code of %s",
                            json_string_value(v), mm->code);
        *code = mm->codes[i];
        return ST_OK;
    }
    if (!json_is_number(v) || (mm->type == MEASURES_INTEGER && !json_is_integer(v) &&
                               nearbyint(json_number_value(v)) != json_number_value(v)))
        return fail_set(f, ST_INVALID, field, "invalid_type",
                        mm->type == MEASURES_INTEGER ? "%s must be a whole number"
                                                     : "%s must be a number",
                        mm->code);
    int st = measures_check_number(mm, json_number_value(v), field, f);
    if (st == ST_OK)
        *num = json_number_value(v);
    return st;
}

json_t *
measures_value_json(const struct measures_measure *mm, double num, const char *code)
{
    if (mm->type == MEASURES_CODE)
        return json_string(code ? code : "");
    if (mm->type == MEASURES_INTEGER)
        return json_integer((json_int_t)llround(num));
    return docin_number_value(num);
}

json_t *
measures_catalog_json(const struct measures *m)
{
    json_t *d = m->document;
    return json_pack("{s:o, s:o, s:o, s:o}", "methods",
                     json_deep_copy(json_object_get(d, "methods")), "measures",
                     json_deep_copy(json_object_get(d, "measures")), "photo_views",
                     json_deep_copy(json_object_get(d, "photo_views")), "sources",
                     json_deep_copy(json_object_get(d, "sources")));
}
