/* The drug dictionary: strict loading of protocols/drugs.json and search as one types over
 * names folded once at load. */
#include "clinic/drugs.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/protofile.h"
#include "core/buf.h"
#include "core/text.h"

static const char *const class_codes[DRUGS_NCLASSES] = {
    "antiplatelet",
    "anticoagulant",
    "aspirin",
    "nsaid_nonselective",
    "nsaid_cox2",
    "corticosteroid_systemic",
    "steroid_injection_local",
    "paracetamol",
    "isotretinoin",
    "finasteride_dutasteride",
    "minoxidil",
    "supplement_bleeding",
    "statin",
    "other",
};

/* One searchable name: the text as written and its fold, computed once at load. */
struct name_entry {
    size_t drug;
    const char *name; /* borrowed from the drug */
    char *folded;
    size_t folded_len;
    enum drugs_name_kind kind;
};

struct drugs {
    struct drugs_drug *drugs;
    size_t ndrugs;
    char *labels[DRUGS_NCLASSES][2]; /* [class][0: en, 1: ar] */
    struct name_entry *names;
    size_t nnames;
};

const char *
drugs_class_code(enum drugs_class c)
{
    if ((int)c < 0 || c >= DRUGS_NCLASSES)
        return NULL;
    return class_codes[c];
}

int
drugs_class_parse(const char *code, enum drugs_class *out)
{
    *out = DRUGS_OTHER;
    for (int i = 0; code && i < DRUGS_NCLASSES; i++) {
        if (strcmp(code, class_codes[i]) == 0) {
            *out = (enum drugs_class)i;
            return ST_OK;
        }
    }
    return ST_NOT_FOUND;
}

/* ---- loading ---- */

/* Where in the file a check is: the file name and the drug or class being read. */
struct ctx {
    const char *file;
    char where[96]; /* "drug 'ibuprofen'", "class #3", "" for the top level */
};

static int fail_at(struct fail *f, const struct ctx *c, int st, const char *field, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int
fail_at(struct fail *f, const struct ctx *c, int st, const char *field, const char *code,
        const char *fmt, ...)
{
    char problem[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    return protofile_fail(f, st, c->file, c->where, field, code, "%s", problem);
}

enum script { SCRIPT_LATIN, SCRIPT_ARABIC, SCRIPT_ANY };

static bool
has_ascii_letter(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
            return true;
    return false;
}

static bool
has_arabic_letter(const char *s, size_t n)
{
    size_t i = 0, len;

    while (i < n) {
        if (text_is_arabic_letter(text_decode(s + i, n - i, &len)))
            return true;
        i += len;
    }
    return false;
}

/* Checks one name (a JSON string) and returns its text, borrowed from the JSON. */
static int
check_name(json_t *v, const struct ctx *c, const char *field, enum script script, const char **out,
           struct fail *f)
{
    const char *s;
    size_t n, tn;

    *out = NULL;
    if (!json_is_string(v))
        return fail_at(f, c, ST_INVALID, field, "invalid_type", "must be a string");
    s = json_string_value(v);
    n = json_string_length(v);
    tn = n;
    if (!text_valid_utf8(s, n) || memchr(s, '\n', n) || memchr(s, '\t', n) || memchr(s, '\r', n))
        return fail_at(f, c, ST_INVALID, field, "invalid_value", "holds control characters");
    if (text_trim(s, &tn) != s || tn != n)
        return fail_at(f, c, ST_INVALID, field, "invalid_value", "has spaces at its start or end");
    if (n == 0)
        return fail_at(f, c, ST_INVALID, field, "required", "is empty");
    if (text_codepoints(s, n) > DRUGS_NAME_MAX_CHARS)
        return fail_at(f, c, ST_INVALID, field, "too_long", "is longer than %d characters",
                       DRUGS_NAME_MAX_CHARS);
    if (script == SCRIPT_LATIN && (!has_ascii_letter(s, n) || has_arabic_letter(s, n)))
        return fail_at(f, c, ST_INVALID, field, "wrong_script",
                       "must be written in Latin letters: '%s'", s);
    if (script == SCRIPT_ARABIC && (!has_arabic_letter(s, n) || has_ascii_letter(s, n)))
        return fail_at(f, c, ST_INVALID, field, "wrong_script",
                       "must be written in Arabic letters: '%s'", s);
    *out = s;
    return ST_OK;
}

/* A required string field, copied. */
static int
take_name(json_t *obj, const char *key, const struct ctx *c, enum script script, char **out,
          struct fail *f)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    int st;

    *out = NULL;
    if (!v || json_is_null(v))
        return fail_at(f, c, ST_INVALID, key, "required", "is required");
    st = check_name(v, c, key, script, &s, f);
    if (st != ST_OK)
        return st;
    *out = strdup(s);
    return *out ? ST_OK : ST_NOMEM;
}

/* An optional array of names, copied. */
static int
take_names(json_t *obj, const char *key, const struct ctx *c, char ***out, size_t *count,
           struct fail *f)
{
    json_t *arr = json_object_get(obj, key), *v;
    size_t i;
    const char *s;
    char field[64];
    int st = ST_OK;

    *out = NULL;
    *count = 0;
    if (!arr)
        return ST_OK;
    if (!json_is_array(arr))
        return fail_at(f, c, ST_INVALID, key, "invalid_type", "must be an array of names");
    if (json_array_size(arr) == 0)
        return ST_OK;
    *out = calloc(json_array_size(arr), sizeof(**out));
    if (!*out)
        return ST_NOMEM;
    json_array_foreach(arr, i, v)
    {
        snprintf(field, sizeof(field), "%s[%zu]", key, i);
        st = check_name(v, c, field, SCRIPT_ANY, &s, f);
        if (st != ST_OK)
            return st;
        (*out)[i] = strdup(s);
        if (!(*out)[i])
            return ST_NOMEM;
        (*count)++;
    }
    return ST_OK;
}

static bool
valid_code(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static int
load_classes(struct drugs *d, json_t *arr, const char *file, struct fail *f)
{
    static const char *const fields[] = {"code", "label_en", "label_ar", NULL};
    struct ctx c = {file, ""};
    const char *unknown, *code;
    enum drugs_class cls;
    json_t *obj;
    size_t i;
    int st;

    if (!json_is_array(arr))
        return fail_at(f, &c, ST_INVALID, "classes", arr ? "invalid_type" : "required",
                       "must be an array of classes");
    json_array_foreach(arr, i, obj)
    {
        snprintf(c.where, sizeof(c.where), "class #%zu", i + 1);
        if (!json_is_object(obj))
            return fail_at(f, &c, ST_INVALID, "classes", "invalid_type", "must hold objects");
        if (!protofile_only_fields(obj, fields, &unknown))
            return fail_at(f, &c, ST_INVALID, unknown, "unknown_field", "is not known");
        code = json_string_value(json_object_get(obj, "code"));
        if (!code)
            return fail_at(f, &c, ST_INVALID, "code", "required", "must be a class code");
        snprintf(c.where, sizeof(c.where), "class '%.60s'", code);
        if (drugs_class_parse(code, &cls) != ST_OK)
            return fail_at(f, &c, ST_INVALID, "code", "unknown_class",
                           "is not one of the classes screening knows");
        if (d->labels[cls][0])
            return fail_at(f, &c, ST_INVALID, "code", "duplicate_class", "appears twice");
        st = take_name(obj, "label_en", &c, SCRIPT_LATIN, &d->labels[cls][0], f);
        if (st == ST_OK)
            st = take_name(obj, "label_ar", &c, SCRIPT_ARABIC, &d->labels[cls][1], f);
        if (st != ST_OK)
            return st;
    }
    c.where[0] = '\0';
    for (int k = 0; k < DRUGS_NCLASSES; k++)
        if (!d->labels[k][0])
            return fail_at(f, &c, ST_INVALID, "classes", "missing_class", "lacks the class '%s'",
                           class_codes[k]);
    return ST_OK;
}

static int
load_drug(struct drugs *d, json_t *obj, size_t index, const char *file, struct fail *f)
{
    static const char *const fields[] = {"code",     "class",  "name_en", "name_ar",
                                         "synonyms", "brands", NULL};
    struct drugs_drug *g = &d->drugs[index];
    struct ctx c = {file, ""};
    const char *unknown, *code, *cls;
    int st;

    snprintf(c.where, sizeof(c.where), "drug #%zu", index + 1);
    if (!json_is_object(obj))
        return fail_at(f, &c, ST_INVALID, "drugs", "invalid_type", "must hold objects");
    code = json_string_value(json_object_get(obj, "code"));
    if (code)
        snprintf(c.where, sizeof(c.where), "drug '%.60s'", code);
    if (!protofile_only_fields(obj, fields, &unknown))
        return fail_at(f, &c, ST_INVALID, unknown, "unknown_field", "is not known");
    if (!code)
        return fail_at(f, &c, ST_INVALID, "code", "required", "must be a code such as 'ibuprofen'");
    if (!valid_code(code))
        return fail_at(f, &c, ST_INVALID, "code", "invalid_value",
                       "must be 1 to 64 of a-z, 0-9 and _");
    for (size_t i = 0; i < index; i++)
        if (strcmp(d->drugs[i].code, code) == 0)
            return fail_at(f, &c, ST_INVALID, "code", "duplicate_code", "is used by drug #%zu too",
                           i + 1);
    g->code = strdup(code);
    if (!g->code)
        return ST_NOMEM;
    cls = json_string_value(json_object_get(obj, "class"));
    if (!cls)
        return fail_at(f, &c, ST_INVALID, "class", "required", "must be a class code");
    if (drugs_class_parse(cls, &g->cls) != ST_OK)
        return fail_at(f, &c, ST_INVALID, "class", "unknown_class",
                       "'%.60s' is not a class of the file", cls);
    st = take_name(obj, "name_en", &c, SCRIPT_LATIN, &g->name_en, f);
    if (st == ST_OK)
        st = take_name(obj, "name_ar", &c, SCRIPT_ARABIC, &g->name_ar, f);
    if (st == ST_OK)
        st = take_names(obj, "synonyms", &c, &g->synonyms, &g->nsynonyms, f);
    if (st == ST_OK)
        st = take_names(obj, "brands", &c, &g->brands, &g->nbrands, f);
    return st;
}

/* The field a name came from, for messages. */
static void
name_field(const struct drugs *d, const struct name_entry *e, char *out, size_t cap)
{
    const struct drugs_drug *g = &d->drugs[e->drug];
    char **list = e->kind == DRUGS_SYNONYM ? g->synonyms : g->brands;
    size_t n = e->kind == DRUGS_SYNONYM ? g->nsynonyms : g->nbrands;

    if (e->kind == DRUGS_NAME_EN || e->kind == DRUGS_NAME_AR) {
        snprintf(out, cap, "%s", e->kind == DRUGS_NAME_EN ? "name_en" : "name_ar");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i] == e->name) {
            snprintf(out, cap, "%s[%zu]", e->kind == DRUGS_SYNONYM ? "synonyms" : "brands", i);
            return;
        }
    }
    snprintf(out, cap, "?");
}

static int
add_name(struct drugs *d, size_t drug, const char *name, enum drugs_name_kind kind)
{
    struct name_entry *e = &d->names[d->nnames];
    struct buf b;
    int st;

    buf_init(&b, 4 * DRUGS_NAME_MAX_CHARS * 4);
    st = text_fold(name, strlen(name), &b);
    if (st == ST_OK && !b.data)
        st = buf_append_str(&b, "");
    if (st != ST_OK) {
        buf_release(&b);
        return st;
    }
    e->drug = drug;
    e->name = name;
    e->kind = kind;
    e->folded_len = b.len;
    e->folded = buf_detach(&b);
    if (!e->folded)
        return ST_NOMEM;
    d->nnames++;
    return ST_OK;
}

/* Folds every name once and refuses a name that folds to nothing or to the fold of another. */
static int
index_names(struct drugs *d, const char *file, struct fail *f)
{
    size_t total = 0, i, j, k;
    struct ctx c = {file, ""};
    char field[64], other[64];
    int st = ST_OK;

    for (i = 0; i < d->ndrugs; i++)
        total += 2 + d->drugs[i].nsynonyms + d->drugs[i].nbrands;
    d->names = calloc(total ? total : 1, sizeof(*d->names));
    if (!d->names)
        return ST_NOMEM;
    for (i = 0; i < d->ndrugs && st == ST_OK; i++) {
        const struct drugs_drug *g = &d->drugs[i];
        st = add_name(d, i, g->name_en, DRUGS_NAME_EN);
        if (st == ST_OK)
            st = add_name(d, i, g->name_ar, DRUGS_NAME_AR);
        for (k = 0; k < g->nsynonyms && st == ST_OK; k++)
            st = add_name(d, i, g->synonyms[k], DRUGS_SYNONYM);
        for (k = 0; k < g->nbrands && st == ST_OK; k++)
            st = add_name(d, i, g->brands[k], DRUGS_BRAND);
    }
    if (st != ST_OK)
        return st;
    /* Quadratic, but a few thousand names once at start-up is a few million comparisons. */
    for (i = 0; i < d->nnames; i++) {
        const struct name_entry *e = &d->names[i];
        snprintf(c.where, sizeof(c.where), "drug '%.60s'", d->drugs[e->drug].code);
        name_field(d, e, field, sizeof(field));
        if (e->folded_len == 0)
            return fail_at(f, &c, ST_INVALID, field, "invalid_value",
                           "'%s' holds no letter or digit", e->name);
        for (j = 0; j < i; j++) {
            const struct name_entry *o = &d->names[j];
            if (o->folded_len != e->folded_len || memcmp(o->folded, e->folded, e->folded_len))
                continue;
            name_field(d, o, other, sizeof(other));
            return fail_at(f, &c, ST_INVALID, field, "duplicate_name",
                           "'%s' is the same name as '%s' (drug '%.60s', field '%s')", e->name,
                           o->name, d->drugs[o->drug].code, other);
        }
    }
    return ST_OK;
}

/* Builds the dictionary from the parsed file; `name` stands for the file in messages. */
static int
from_json(json_t *root, const char *name, struct drugs **out, struct fail *f)
{
    static const char *const fields[] = {"schema_version", "description", "classes", "drugs", NULL};
    struct ctx c = {name, ""};
    struct drugs *d = NULL;
    const char *unknown;
    json_t *v, *arr;
    size_t i;
    int st;

    *out = NULL;
    if (!protofile_only_fields(root, fields, &unknown))
        return fail_at(f, &c, ST_INVALID, unknown, "unknown_field", "is not known");
    v = json_object_get(root, "schema_version");
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return fail_at(f, &c, ST_INVALID, "schema_version", "schema_version",
                       "must be 1, the version this program reads");
    v = json_object_get(root, "description");
    if (v && !json_is_string(v))
        return fail_at(f, &c, ST_INVALID, "description", "invalid_type", "must be a string");
    d = calloc(1, sizeof(*d));
    if (!d)
        return ST_NOMEM;
    st = load_classes(d, json_object_get(root, "classes"), name, f);
    if (st != ST_OK)
        goto out;
    arr = json_object_get(root, "drugs");
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        st = fail_at(f, &c, ST_INVALID, "drugs", arr ? "invalid_type" : "required",
                     "must be a non-empty array of drugs");
        goto out;
    }
    d->drugs = calloc(json_array_size(arr), sizeof(*d->drugs));
    if (!d->drugs) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(arr, i, v)
    {
        d->ndrugs = i + 1; /* counted first, so that a half-read drug is freed too */
        st = load_drug(d, v, i, name, f);
        if (st != ST_OK)
            goto out;
    }
    st = index_names(d, name, f);
out:
    if (st != ST_OK)
        drugs_free(d);
    else
        *out = d;
    return st;
}

static int
build(json_t *root, const char *name, void *out, struct fail *f)
{
    return from_json(root, name, out, f);
}

int
drugs_parse(const char *text, size_t n, const char *name, struct drugs **out, struct fail *f)
{
    *out = NULL;
    return protofile_parse_into(text, n, name, build, out, f);
}

int
drugs_load(const char *path, struct drugs **out, struct fail *f)
{
    *out = NULL;
    return protofile_load_into(path, build, out, f);
}

static void
free_list(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

void
drugs_free(struct drugs *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ndrugs; i++) {
        struct drugs_drug *g = &d->drugs[i];
        free(g->code);
        free(g->name_en);
        free(g->name_ar);
        free_list(g->synonyms, g->nsynonyms);
        free_list(g->brands, g->nbrands);
    }
    free(d->drugs);
    for (size_t i = 0; i < d->nnames; i++)
        free(d->names[i].folded);
    free(d->names);
    for (int k = 0; k < DRUGS_NCLASSES; k++) {
        free(d->labels[k][0]);
        free(d->labels[k][1]);
    }
    free(d);
}

size_t
drugs_count(const struct drugs *d)
{
    return d ? d->ndrugs : 0;
}

const struct drugs_drug *
drugs_at(const struct drugs *d, size_t i)
{
    return d && i < d->ndrugs ? &d->drugs[i] : NULL;
}

const struct drugs_drug *
drugs_find(const struct drugs *d, const char *code)
{
    for (size_t i = 0; d && code && i < d->ndrugs; i++)
        if (strcmp(d->drugs[i].code, code) == 0)
            return &d->drugs[i];
    return NULL;
}

const char *
drugs_class_label(const struct drugs *d, enum drugs_class c, const char *lang)
{
    if (!d || (int)c < 0 || c >= DRUGS_NCLASSES)
        return NULL;
    return d->labels[c][lang && strcmp(lang, "ar") == 0 ? 1 : 0];
}

/* ---- search ---- */

struct candidate {
    const struct name_entry *e;
    size_t index; /* file order, the last tie-break */
    enum drugs_rank rank;
};

static int
cmp_candidates(const void *pa, const void *pb)
{
    const struct candidate *a = pa, *b = pb;
    int r;

    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->e->folded_len != b->e->folded_len)
        return a->e->folded_len < b->e->folded_len ? -1 : 1;
    r = strcmp(a->e->folded, b->e->folded);
    if (r)
        return r;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The best rank at which the folded query q starts a word of e, or -1 when it starts none. */
static int
match_rank(const struct name_entry *e, const char *q, size_t qn)
{
    const char *s = e->folded;
    size_t n = e->folded_len;

    for (size_t pos = 0; pos + qn <= n; pos++) {
        if (pos > 0 && s[pos - 1] != ' ')
            continue;
        if (memcmp(s + pos, q, qn) != 0)
            continue;
        if (pos == 0)
            return qn == n ? DRUGS_EXACT : DRUGS_FIRST_WORD;
        return DRUGS_OTHER_WORD;
    }
    return -1;
}

int
drugs_search(const struct drugs *d, const char *query, size_t limit, struct drugs_hit *results)
{
    struct candidate *cand = NULL;
    size_t qlen, ncand = 0, i;
    struct buf q;
    int st, rank;

    if (!d || !query)
        return ST_INVALID;
    qlen = strnlen(query, DRUGS_QUERY_MAX_BYTES + 1);
    if (qlen > DRUGS_QUERY_MAX_BYTES || !text_valid_utf8(query, qlen))
        return ST_INVALID;
    buf_init(&q, 4 * DRUGS_QUERY_MAX_BYTES);
    st = text_fold(query, qlen, &q);
    if (st != ST_OK || q.len == 0 || limit == 0)
        goto out;
    cand = malloc(d->nnames * sizeof(*cand));
    if (!cand) {
        st = ST_NOMEM;
        goto out;
    }
    for (i = 0; i < d->nnames; i++) {
        rank = match_rank(&d->names[i], q.data, q.len);
        if (rank < 0)
            continue;
        cand[ncand].e = &d->names[i];
        cand[ncand].index = i;
        cand[ncand].rank = (enum drugs_rank)rank;
        ncand++;
    }
    qsort(cand, ncand, sizeof(*cand), cmp_candidates);
    if (ncand > limit)
        ncand = limit;
    for (i = 0; i < ncand; i++) {
        const struct name_entry *e = cand[i].e;
        results[i].drug = &d->drugs[e->drug];
        results[i].name = e->name;
        results[i].kind = e->kind;
        results[i].cls = d->drugs[e->drug].cls;
        results[i].rank = cand[i].rank;
    }
out:
    free(cand);
    buf_release(&q);
    if (st != ST_OK)
        return st;
    return (int)ncand;
}
