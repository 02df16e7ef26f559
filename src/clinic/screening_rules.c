/* Loading protocols/screening.json: strict validation in one pass, every failure naming the file,
 * the rule (or list entry) and the field, so that a clinic's edit fails at start-up, not later. */
#include "clinic/screening_rules.h"

#include "clinic/protofile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/text.h"

#define CODE_MAX_CHARS 48
#define ID_MAX_CHARS 32
#define LABEL_MAX_CHARS 200
#define UNIT_MAX_CHARS 16
#define SOURCE_MAX_CHARS 1000
#define TEXT_MAX_CHARS 2000
/* Ten years in each unit bound every window and result age, so no time sum can overflow. */
#define MAX_HOURS 87600
#define MAX_DAYS 3660
#define MAX_MONTHS 120

static const char *const effect_names[] = {"note", "caution", "defer", "contraindicated", NULL};
static const char *const tier_names[] = {"G", "SR", "RCT", "S", "E", NULL};
static const char *const kind_names[] = {"diagnosis", "medication", "lab", "finding", NULL};
static const char *const cmp_names[] = {"<",
                                        "<=",
                                        ">",
                                        ">=",
                                        "below_reference_range",
                                        "above_reference_range",
                                        "outside_reference_range",
                                        NULL};
static const char *const type_names[] = {"boolean", "number", "event", NULL};
static const char *const complaint_names[] = {"hair", "face", NULL};
static const char *const window_names[] = {"", "hours", "days", "months", NULL};

/* Where in the file we are, for messages. */

/* "a, b or c" of a NULL-terminated list, for messages. */
static void
names_list(const char *const *names, char *out, size_t cap)
{
    size_t used = 0;
    size_t n = 0;

    out[0] = '\0';
    while (names[n])
        n++;
    for (size_t i = 0; i < n && used < cap; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(out + used, cap - used, "%s%s", sep, names[i]);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

/* Codes and ids: `lower` allows a-z, 0-9, '_' and '-'; otherwise A-Z, 0-9 and '-'. */
static bool
code_syntax_ok(const char *s, bool lower)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        bool ok = (ch >= '0' && ch <= '9') || ch == '-' ||
                  (lower ? ((ch >= 'a' && ch <= 'z') || ch == '_') : (ch >= 'A' && ch <= 'Z'));
        if (!ok)
            return false;
    }
    return true;
}

static int
get_code(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, bool lower,
         char **out)
{
    char path[96];
    int st = protofile_string(c, obj, prefix, key, lower ? CODE_MAX_CHARS : ID_MAX_CHARS, out);

    if (st != ST_OK)
        return st;
    if (code_syntax_ok(*out, lower))
        return ST_OK;
    free(*out);
    *out = NULL;
    protofile_path(path, sizeof(path), prefix, key);
    return protofile_bad(c, path, "invalid_value",
                         lower ? "must hold only a-z, 0-9, '_' and '-'"
                               : "must hold only A-Z, 0-9 and '-'");
}

static int
get_text(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
         size_t max_chars, struct screening_text *out)
{
    return protofile_text(c, obj, prefix, key, max_chars, &out->en, &out->ar);
}

static int
get_choice(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
           const char *const *names, int *out)
{
    json_t *v;
    char path[96];
    char list[200];
    int st;

    *out = -1;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    names_list(names, list, sizeof(list));
    if (!json_is_string(v))
        return protofile_bad(c, path, "invalid_type", "must be a string: %s", list);
    *out = protofile_name_index(names, json_string_value(v));
    if (*out < 0)
        return protofile_bad(c, path, "invalid_value", "must be %s", list);
    return ST_OK;
}

static int
get_bool(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, bool *out)
{
    json_t *v;
    char path[96];
    int st;

    *out = false;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_boolean(v))
        return protofile_bad(c, path, "invalid_type", "must be true or false");
    *out = json_is_true(v);
    return ST_OK;
}

static int
get_number(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
           double *out)
{
    json_t *v;
    char path[96];
    int st;

    *out = 0.0;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return protofile_bad(c, path, "invalid_type", "must be a number");
    *out = json_number_value(v);
    return ST_OK;
}

static int
get_positive(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
             int64_t max, int64_t *out)
{
    json_t *v;
    char path[96];
    int st;

    *out = 0;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
        return protofile_bad(c, path, "invalid_value", "must be a positive whole number up to %lld",
                             (long long)max);
    *out = json_integer_value(v);
    return ST_OK;
}

static bool
has(json_t *obj, const char *key)
{
    return json_object_get(obj, key) != NULL;
}

/* ---- coded lists ---- */

enum list_flavour { LIST_PLAIN, LIST_TREATMENT, LIST_ANALYTE, LIST_FINDING };

static int
parse_list(struct protofile_reader *c, json_t *root, const char *name, enum list_flavour flavour,
           size_t max, struct screening_list *out)
{
    static const char *const plain_fields[] = {"code", "label", NULL};
    static const char *const treatment_fields[] = {"code", "complaint", "label", NULL};
    static const char *const analyte_fields[] = {"code", "unit", "label", NULL};
    static const char *const finding_fields[] = {"code", "type", "unit", "label", NULL};
    json_t *arr;
    int st;

    c->where[0] = '\0';
    if ((st = protofile_need(c, root, "", name, &arr)) != ST_OK)
        return st;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > max)
        return protofile_bad(c, name, "invalid_type", "must be a list of 1 to %zu entries", max);
    out->items = calloc(json_array_size(arr), sizeof(*out->items));
    if (!out->items)
        return fail_set(c->f, ST_NOMEM, name, "no_memory", "%s: out of memory", c->file);
    out->n = json_array_size(arr);
    for (size_t i = 0; i < out->n; i++) {
        struct screening_code *e = &out->items[i];
        json_t *o = json_array_get(arr, i);
        snprintf(c->where, sizeof(c->where), "%s[%zu]", name, i);
        if (!json_is_object(o))
            return protofile_bad(c, "code", "invalid_type", "must be in an object");
        if ((st = get_code(c, o, "", "code", true, &e->code)) != ST_OK)
            return st;
        snprintf(c->where, sizeof(c->where), "%s[%zu] (%s)", name, i, e->code);
        if ((st = protofile_only(c, o, "",
                                 flavour == LIST_PLAIN       ? plain_fields
                                 : flavour == LIST_TREATMENT ? treatment_fields
                                 : flavour == LIST_ANALYTE   ? analyte_fields
                                                             : finding_fields)) != ST_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->items[j].code, e->code) == 0)
                return protofile_bad(c, "code", "duplicate", "repeats code '%s' of %s[%zu]",
                                     e->code, name, j);
        if (flavour == LIST_TREATMENT) {
            int k;
            if ((st = get_choice(c, o, "", "complaint", complaint_names, &k)) != ST_OK)
                return st;
            e->complaint = complaint_names[k];
        }
        if (flavour == LIST_FINDING) {
            int t;
            if ((st = get_choice(c, o, "", "type", type_names, &t)) != ST_OK)
                return st;
            e->type = (enum screening_finding_type)t;
        }
        bool unit = flavour == LIST_ANALYTE ||
                    (flavour == LIST_FINDING && e->type == SCREENING_FINDING_NUMBER);
        if (unit && (st = protofile_string(c, o, "", "unit", UNIT_MAX_CHARS, &e->unit)) != ST_OK)
            return st;
        if (!unit && has(o, "unit"))
            return protofile_bad(c, "unit", "not_allowed", "is only allowed for number findings");
        if ((st = get_text(c, o, "", "label", LABEL_MAX_CHARS, &e->label)) != ST_OK)
            return st;
    }
    c->where[0] = '\0';
    return ST_OK;
}

/* ---- rules ---- */

/* An array of codes of `list`, each once, stored as indices. */
static int
parse_codes(struct protofile_reader *c, json_t *cond, const char *key,
            const struct screening_list *list, const char *list_name, struct screening_rule *rule)
{
    char path[96];
    json_t *arr;
    int st;

    protofile_path(path, sizeof(path), "condition", key);
    if ((st = protofile_need(c, cond, "condition", key, &arr)) != ST_OK)
        return st;
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > SCREENING_MAX_CODES_PER_RULE)
        return protofile_bad(c, path, "invalid_type", "must be a list of 1 to %d codes",
                             SCREENING_MAX_CODES_PER_RULE);
    rule->codes = calloc(json_array_size(arr), sizeof(*rule->codes));
    if (!rule->codes)
        return fail_set(c->f, ST_NOMEM, path, "no_memory", "%s: out of memory", c->file);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v))
            return protofile_bad(c, path, "invalid_type", "must hold strings");
        long k = screening_list_find(list, json_string_value(v));
        if (k < 0)
            return protofile_bad(c, path, "unknown_code", "names '%s', which is not in '%s'",
                                 json_string_value(v), list_name);
        for (size_t j = 0; j < rule->ncodes; j++)
            if (rule->codes[j] == (size_t)k)
                return protofile_bad(c, path, "duplicate", "names '%s' twice",
                                     json_string_value(v));
        rule->codes[rule->ncodes++] = (size_t)k;
    }
    return ST_OK;
}

/* At most one of window_hours, window_days and window_months; none leaves the unit NONE. */
static int
parse_window(struct protofile_reader *c, json_t *cond, struct screening_rule *rule)
{
    static const char *const keys[] = {"window_hours", "window_days", "window_months"};
    static const int64_t caps[] = {MAX_HOURS, MAX_DAYS, MAX_MONTHS};
    int st;

    rule->window_unit = SCREENING_WINDOW_NONE;
    for (int i = 0; i < 3; i++) {
        if (!has(cond, keys[i]))
            continue;
        char path[96];
        protofile_path(path, sizeof(path), "condition", keys[i]);
        if (rule->window_unit != SCREENING_WINDOW_NONE)
            return protofile_bad(c, path, "not_allowed",
                                 "cannot be given with another window: use one of window_hours, "
                                 "window_days and window_months");
        if ((st = get_positive(c, cond, "condition", keys[i], caps[i], &rule->window)) != ST_OK)
            return st;
        rule->window_unit = (enum screening_window_unit)(i + 1);
    }
    return ST_OK;
}

static int
not_allowed(struct protofile_reader *c, json_t *cond, const char *key, const char *why)
{
    char path[96];

    if (!has(cond, key))
        return ST_OK;
    protofile_path(path, sizeof(path), "condition", key);
    return protofile_bad(c, path, "not_allowed", "is not allowed %s", why);
}

static int
no_window(struct protofile_reader *c, json_t *cond, const char *why)
{
    int st;

    if ((st = not_allowed(c, cond, "window_hours", why)) != ST_OK ||
        (st = not_allowed(c, cond, "window_days", why)) != ST_OK)
        return st;
    return not_allowed(c, cond, "window_months", why);
}

static int
parse_comparison(struct protofile_reader *c, json_t *cond, bool ranges, struct screening_rule *rule)
{
    int cmp;
    int st;

    if ((st = get_choice(c, cond, "condition", "comparison", cmp_names, &cmp)) != ST_OK)
        return st;
    rule->cmp = (enum screening_cmp)cmp;
    if (rule->cmp >= SCREENING_CMP_BELOW_RANGE) {
        if (!ranges)
            return protofile_bad(c, "condition.comparison", "invalid_value",
                                 "must be <, <=, > or >= for a finding");
        return not_allowed(c, cond, "threshold", "with a reference-range comparison");
    }
    rule->has_threshold = true;
    return get_number(c, cond, "condition", "threshold", &rule->threshold);
}

static int
parse_condition(struct protofile_reader *c, const struct screening_rules *r, json_t *cond,
                struct screening_rule *rule)
{
    static const char *const diagnosis_fields[] = {"kind", "conditions", NULL};
    static const char *const medication_fields[] = {
        "kind", "classes", "window_hours", "window_days", "window_months", "required", NULL};
    static const char *const lab_fields[] = {"kind",         "analyte",  "comparison", "threshold",
                                             "max_age_days", "required", NULL};
    static const char *const finding_fields[] = {
        "kind",         "findings",    "equals",        "comparison", "threshold",
        "window_hours", "window_days", "window_months", "required",   NULL};
    int kind;
    int st;

    if (!json_is_object(cond))
        return protofile_bad(c, "condition", "invalid_type", "must be an object");
    if ((st = get_choice(c, cond, "condition", "kind", kind_names, &kind)) != ST_OK)
        return st;
    rule->kind = (enum screening_kind)kind;
    switch (rule->kind) {
    case SCREENING_KIND_DIAGNOSIS:
        if ((st = protofile_only(c, cond, "condition", diagnosis_fields)) != ST_OK)
            return st;
        return parse_codes(c, cond, "conditions", &r->conditions, "conditions", rule);
    case SCREENING_KIND_MEDICATION:
        if ((st = protofile_only(c, cond, "condition", medication_fields)) != ST_OK ||
            (st = parse_codes(c, cond, "classes", &r->medication_classes, "medication_classes",
                              rule)) != ST_OK ||
            (st = parse_window(c, cond, rule)) != ST_OK)
            return st;
        /* without a window every recorded medicine of the class counts: no dose time is needed */
        if (rule->window_unit == SCREENING_WINDOW_NONE)
            return not_allowed(c, cond, "required", "without a window");
        return get_bool(c, cond, "condition", "required", &rule->required);
    case SCREENING_KIND_LAB: {
        char *analyte = NULL;
        if ((st = protofile_only(c, cond, "condition", lab_fields)) != ST_OK ||
            (st = protofile_string(c, cond, "condition", "analyte", CODE_MAX_CHARS, &analyte)) !=
                ST_OK)
            return st;
        long k = screening_list_find(&r->analytes, analyte);
        if (k < 0) {
            st = protofile_bad(c, "condition.analyte", "unknown_code",
                               "names '%s', which is not in 'analytes'", analyte);
            free(analyte);
            return st;
        }
        free(analyte);
        rule->codes = calloc(1, sizeof(*rule->codes));
        if (!rule->codes)
            return fail_set(c->f, ST_NOMEM, "condition", "no_memory", "%s: out of memory", c->file);
        rule->codes[0] = (size_t)k;
        rule->ncodes = 1;
        if ((st = parse_comparison(c, cond, true, rule)) != ST_OK)
            return st;
        rule->max_age_days = r->lab_max_age_days;
        if (has(cond, "max_age_days") &&
            (st = get_positive(c, cond, "condition", "max_age_days", MAX_DAYS,
                               &rule->max_age_days)) != ST_OK)
            return st;
        return get_bool(c, cond, "condition", "required", &rule->required);
    }
    case SCREENING_KIND_FINDING:
        if ((st = protofile_only(c, cond, "condition", finding_fields)) != ST_OK ||
            (st = parse_codes(c, cond, "findings", &r->findings, "findings", rule)) != ST_OK)
            return st;
        enum screening_finding_type type = r->findings.items[rule->codes[0]].type;
        for (size_t i = 1; i < rule->ncodes; i++)
            if (r->findings.items[rule->codes[i]].type != type)
                return protofile_bad(c, "condition.findings", "invalid_value",
                                     "must name findings of one type ('%s' is %s, '%s' is %s)",
                                     r->findings.items[rule->codes[0]].code, type_names[type],
                                     r->findings.items[rule->codes[i]].code,
                                     type_names[r->findings.items[rule->codes[i]].type]);
        if (type == SCREENING_FINDING_BOOLEAN) {
            if ((st = not_allowed(c, cond, "comparison", "for boolean findings")) != ST_OK ||
                (st = not_allowed(c, cond, "threshold", "for boolean findings")) != ST_OK ||
                (st = no_window(c, cond, "for boolean findings")) != ST_OK)
                return st;
            if ((st = get_bool(c, cond, "condition", "equals", &rule->equals)) != ST_OK)
                return st;
        } else if (type == SCREENING_FINDING_NUMBER) {
            if ((st = not_allowed(c, cond, "equals", "for number findings")) != ST_OK ||
                (st = no_window(c, cond, "for number findings")) != ST_OK)
                return st;
            if ((st = parse_comparison(c, cond, false, rule)) != ST_OK)
                return st;
        } else {
            if ((st = not_allowed(c, cond, "equals", "for event findings")) != ST_OK ||
                (st = not_allowed(c, cond, "comparison", "for event findings")) != ST_OK ||
                (st = not_allowed(c, cond, "threshold", "for event findings")) != ST_OK ||
                (st = parse_window(c, cond, rule)) != ST_OK)
                return st;
            if (rule->window_unit == SCREENING_WINDOW_NONE)
                return protofile_bad(
                    c, "condition.window_months", "required",
                    "is required for an event finding (or window_days or window_hours)");
        }
        return get_bool(c, cond, "condition", "required", &rule->required);
    }
    return protofile_bad(c, "condition.kind", "invalid_value", "is not handled");
}

static int
parse_treatments(struct protofile_reader *c, const struct screening_rules *r, json_t *o,
                 struct screening_rule *rule)
{
    json_t *arr;
    int st;

    if ((st = protofile_need(c, o, "", "treatments", &arr)) != ST_OK)
        return st;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return protofile_bad(c, "treatments", "invalid_type", "must be a list of treatment codes");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v))
            return protofile_bad(c, "treatments", "invalid_type", "must hold strings");
        long k = screening_list_find(&r->treatments, json_string_value(v));
        if (k < 0)
            return protofile_bad(c, "treatments", "unknown_code",
                                 "names '%s', which is not in 'treatments'", json_string_value(v));
        uint32_t bit = (uint32_t)1 << k;
        if (rule->treatments & bit)
            return protofile_bad(c, "treatments", "duplicate", "names '%s' twice",
                                 json_string_value(v));
        rule->treatments |= bit;
    }
    return ST_OK;
}

static int
parse_rule(struct protofile_reader *c, const struct screening_rules *r, size_t index, json_t *o,
           struct screening_rule *rule)
{
    static const char *const fields[] = {"id",   "treatments", "condition", "effect",
                                         "tier", "source",     "text",      NULL};
    static const char *const text_fields[] = {"clinician", "patient", NULL};
    json_t *v;
    int e;
    int st;

    snprintf(c->where, sizeof(c->where), "rules[%zu]", index);
    if (!json_is_object(o))
        return protofile_bad(c, "id", "invalid_type", "must be in an object");
    if ((st = get_code(c, o, "", "id", false, &rule->id)) != ST_OK)
        return st;
    snprintf(c->where, sizeof(c->where), "rule %s", rule->id);
    for (size_t j = 0; j < index; j++)
        if (strcmp(r->rules[j].id, rule->id) == 0)
            return protofile_bad(c, "id", "duplicate", "repeats the id of rules[%zu]", j);
    if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
        (st = parse_treatments(c, r, o, rule)) != ST_OK ||
        (st = protofile_need(c, o, "", "condition", &v)) != ST_OK ||
        (st = parse_condition(c, r, v, rule)) != ST_OK)
        return st;
    if ((st = get_choice(c, o, "", "effect", effect_names, &e)) != ST_OK)
        return st;
    rule->effect = (enum screening_effect)e;
    if ((st = get_choice(c, o, "", "tier", tier_names, &e)) != ST_OK)
        return st;
    rule->tier = (enum screening_tier)e;
    if ((st = protofile_string(c, o, "", "source", SOURCE_MAX_CHARS, &rule->source)) != ST_OK ||
        (st = protofile_need(c, o, "", "text", &v)) != ST_OK)
        return st;
    if (!json_is_object(v))
        return protofile_bad(c, "text", "invalid_type",
                             "must be an object with 'clinician' and 'patient'");
    if ((st = protofile_only(c, v, "text", text_fields)) != ST_OK ||
        (st = get_text(c, v, "text", "clinician", TEXT_MAX_CHARS, &rule->clinician)) != ST_OK)
        return st;
    return get_text(c, v, "text", "patient", TEXT_MAX_CHARS, &rule->patient);
}

static int
parse_root(struct protofile_reader *c, json_t *root, struct screening_rules *r)
{
    static const char *const fields[] = {"schema_version",
                                         "lab_max_age_days",
                                         "lab_max_age_days_source",
                                         "treatments",
                                         "conditions",
                                         "medication_classes",
                                         "analytes",
                                         "findings",
                                         "rules",
                                         NULL};
    json_t *v;
    int st;

    if ((st = protofile_only(c, root, "", fields)) != ST_OK ||
        (st = protofile_need(c, root, "", "schema_version", &v)) != ST_OK)
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != SCREENING_SCHEMA_VERSION)
        return protofile_bad(c, "schema_version", "unsupported_version",
                             "must be %d (the schema version this build reads)",
                             SCREENING_SCHEMA_VERSION);
    r->schema_version = SCREENING_SCHEMA_VERSION;
    if ((st = get_positive(c, root, "", "lab_max_age_days", MAX_DAYS, &r->lab_max_age_days)) !=
            ST_OK ||
        (st = protofile_string(c, root, "", "lab_max_age_days_source", SOURCE_MAX_CHARS,
                               &r->lab_max_age_days_source)) != ST_OK ||
        (st = parse_list(c, root, "treatments", LIST_TREATMENT, SCREENING_MAX_TREATMENTS,
                         &r->treatments)) != ST_OK ||
        (st = parse_list(c, root, "conditions", LIST_PLAIN, SCREENING_MAX_CODES, &r->conditions)) !=
            ST_OK ||
        (st = parse_list(c, root, "medication_classes", LIST_PLAIN, SCREENING_MAX_CODES,
                         &r->medication_classes)) != ST_OK ||
        (st = parse_list(c, root, "analytes", LIST_ANALYTE, SCREENING_MAX_CODES, &r->analytes)) !=
            ST_OK ||
        (st = parse_list(c, root, "findings", LIST_FINDING, SCREENING_MAX_CODES, &r->findings)) !=
            ST_OK ||
        (st = protofile_need(c, root, "", "rules", &v)) != ST_OK)
        return st;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > SCREENING_MAX_RULES)
        return protofile_bad(c, "rules", "invalid_type", "must be a list of 1 to %d rules",
                             SCREENING_MAX_RULES);
    r->rules = calloc(json_array_size(v), sizeof(*r->rules));
    if (!r->rules)
        return fail_set(c->f, ST_NOMEM, "rules", "no_memory", "%s: out of memory", c->file);
    r->nrules = json_array_size(v);
    for (size_t i = 0; i < r->nrules; i++)
        if ((st = parse_rule(c, r, i, json_array_get(v, i), &r->rules[i])) != ST_OK)
            return st;
    return ST_OK;
}

static int
build(json_t *root, const char *name, void *out, struct fail *f)
{
    struct protofile_reader c = {.file = name, .f = f};
    struct screening_rules *r = calloc(1, sizeof(*r));
    if (!r)
        return fail_set(f, ST_NOMEM, "", "no_memory", "%s: out of memory", name);
    int st = parse_root(&c, root, r);
    if (st == ST_OK)
        *(struct screening_rules **)out = r;
    else
        screening_rules_free(r);
    return st;
}

int
screening_rules_parse(const char *name, const char *data, size_t n, struct screening_rules **out,
                      struct fail *f)
{
    *out = NULL;
    return protofile_parse_into(data, n, name, build, out, f);
}

int
screening_rules_load(const char *path, struct screening_rules **out, struct fail *f)
{
    *out = NULL;
    return protofile_load_into(path, build, out, f);
}

static void
text_release(struct screening_text *t)
{
    free(t->en);
    free(t->ar);
}

static void
list_release(struct screening_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].code);
        free(l->items[i].unit);
        text_release(&l->items[i].label);
    }
    free(l->items);
}

void
screening_rules_free(struct screening_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrules; i++) {
        struct screening_rule *rule = &r->rules[i];
        free(rule->id);
        free(rule->codes);
        free(rule->source);
        text_release(&rule->clinician);
        text_release(&rule->patient);
    }
    free(r->rules);
    free(r->lab_max_age_days_source);
    list_release(&r->treatments);
    list_release(&r->conditions);
    list_release(&r->medication_classes);
    list_release(&r->analytes);
    list_release(&r->findings);
    free(r);
}

long
screening_list_find(const struct screening_list *l, const char *code)
{
    if (!code)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].code, code) == 0)
            return (long)i;
    return -1;
}

const struct screening_rule *
screening_rules_rule(const struct screening_rules *r, const char *id)
{
    for (size_t i = 0; i < r->nrules; i++)
        if (strcmp(r->rules[i].id, id) == 0)
            return &r->rules[i];
    return NULL;
}

/* A window in hours, to compare windows of different units. */
static int64_t
window_hours(enum screening_window_unit unit, int64_t n)
{
    switch (unit) {
    case SCREENING_WINDOW_HOURS:
        return n;
    case SCREENING_WINDOW_DAYS:
        return n * 24;
    case SCREENING_WINDOW_MONTHS:
        return n * 31 * 24;
    default:
        return 0;
    }
}

size_t
screening_rules_deferrals(const struct screening_rules *r, const char *treatment,
                          struct screening_deferral *out, size_t cap)
{
    uint32_t want;
    if (treatment) {
        long t = screening_list_find(&r->treatments, treatment);
        if (t < 0)
            return 0;
        want = (uint32_t)1 << t;
    } else {
        /* Every treatment's bit: the rule must hold whatever the session turns out to be. */
        want = r->treatments.n >= 32 ? UINT32_MAX : ((uint32_t)1 << r->treatments.n) - 1;
    }
    size_t n = 0;
    for (size_t c = 0; c < r->medication_classes.n; c++) {
        struct screening_deferral best = {.cls = c, .unit = SCREENING_WINDOW_NONE};
        for (size_t i = 0; i < r->nrules; i++) {
            const struct screening_rule *rule = &r->rules[i];
            if (rule->kind != SCREENING_KIND_MEDICATION || rule->effect != SCREENING_EFFECT_DEFER ||
                rule->window_unit == SCREENING_WINDOW_NONE || (rule->treatments & want) != want)
                continue;
            bool names_class = false;
            for (size_t k = 0; k < rule->ncodes; k++)
                names_class = names_class || rule->codes[k] == c;
            if (names_class && window_hours(rule->window_unit, rule->window) >
                                   window_hours(best.unit, best.window)) {
                best.unit = rule->window_unit;
                best.window = rule->window;
            }
        }
        if (best.unit == SCREENING_WINDOW_NONE)
            continue;
        if (n < cap)
            out[n] = best;
        n++;
    }
    return n;
}

#define NAME_OF(table, v, n) ((unsigned)(v) < (n) ? table[v] : "unknown")

const char *
screening_effect_name(enum screening_effect e)
{
    return NAME_OF(effect_names, e, 4u);
}

const char *
screening_tier_name(enum screening_tier t)
{
    return NAME_OF(tier_names, t, 5u);
}

const char *
screening_kind_name(enum screening_kind k)
{
    return NAME_OF(kind_names, k, 4u);
}

const char *
screening_cmp_name(enum screening_cmp c)
{
    return NAME_OF(cmp_names, c, 7u);
}

const char *
screening_window_name(enum screening_window_unit u)
{
    return NAME_OF(window_names, u, 4u);
}

const char *
screening_finding_type_name(enum screening_finding_type t)
{
    return NAME_OF(type_names, t, 3u);
}
