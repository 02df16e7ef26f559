/* Laboratory analytes: strict loading of protocols/labs.json, unit spellings and the exact
 * conversions between an analyte's units. */
#include "clinic/labs.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/protofile.h"
#include "core/buf.h"
#include "core/text.h"

#define LABEL_MAX_CHARS 100
#define NAME_QUERY_MAX_BYTES 200

/* One name an analyte is known by, folded once at load. */
struct name_entry {
    char *folded;
    size_t analyte;
    bool is_code;
};

struct labs {
    struct labs_analyte *analytes;
    size_t nanalytes;
    struct name_entry *names;
    size_t nnames;
};

/* ---- unit spellings ---- */

/* The spelling of a unit as compared: see labs_unit_parse. Writes a NUL-terminated key into
 * out[LABS_UNIT_MAX_BYTES + 1]; false for text that is not valid UTF-8 or too long. */
static bool
unit_key(const char *s, size_t n, char *out)
{
    size_t i = 0, o = 0, len, rn;
    bool prev_sup = false;

    if (n > LABS_UNIT_MAX_BYTES || !text_valid_utf8(s, n))
        return false;
    while (i < n) {
        uint32_t cp = text_decode(s + i, n - i, &len);
        const char *rep = s + i; /* by default the character is kept as it is */
        char tmp[2];
        int sup = -1;

        rn = len;
        if (cp == 0xB9)
            sup = 1;
        else if (cp == 0xB2 || cp == 0xB3)
            sup = (int)cp - 0xB0;
        else if (cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079))
            sup = (int)(cp - 0x2070);
        if (sup >= 0) {
            /* 10⁹ → 10^9, 10¹² → 10^12: one caret before a run of superscript digits. */
            tmp[0] = '^';
            tmp[1] = (char)('0' + sup);
            rep = prev_sup ? tmp + 1 : tmp;
            rn = prev_sup ? 1 : 2;
        } else if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n') {
            rn = 0;
        } else if (cp == 0xB5 || cp == 0x3BC || cp == 0xD7) {
            tmp[0] = cp == 0xD7 ? 'x' : 'u';
            rep = tmp;
            rn = 1;
        } else if (cp >= 'A' && cp <= 'Z') {
            tmp[0] = (char)(cp + ('a' - 'A'));
            rep = tmp;
            rn = 1;
        }
        prev_sup = sup >= 0;
        if (o + rn > LABS_UNIT_MAX_BYTES)
            return false;
        memcpy(out + o, rep, rn);
        o += rn;
        i += len;
    }
    out[o] = '\0';
    return true;
}

const struct labs_unit *
labs_unit_parse(const struct labs_analyte *a, const char *text)
{
    char key[LABS_UNIT_MAX_BYTES + 1];
    size_t n;

    if (!a || !text)
        return NULL;
    n = strnlen(text, LABS_UNIT_MAX_BYTES + 1);
    if (!unit_key(text, n, key))
        return NULL;
    for (size_t u = 0; u < a->nunits; u++)
        for (size_t k = 0; k < a->units[u].nkeys; k++)
            if (strcmp(a->units[u].keys[k], key) == 0)
                return &a->units[u];
    return NULL;
}

static bool
owns_unit(const struct labs_analyte *a, const struct labs_unit *u)
{
    return a && u && u >= a->units && u < a->units + a->nunits;
}

int
labs_to_canonical(const struct labs_analyte *a, double value, const struct labs_unit *u,
                  double *out)
{
    double r;

    *out = 0;
    if (!owns_unit(a, u) || !isfinite(value))
        return ST_INVALID;
    r = u == a->canonical ? value : (value - u->offset) / u->factor;
    if (!isfinite(r))
        return ST_INVALID;
    *out = r;
    return ST_OK;
}

int
labs_from_canonical(const struct labs_analyte *a, double canonical, const struct labs_unit *u,
                    double *out)
{
    double r;

    *out = 0;
    if (!owns_unit(a, u) || !isfinite(canonical))
        return ST_INVALID;
    r = u == a->canonical ? canonical : canonical * u->factor + u->offset;
    if (!isfinite(r))
        return ST_INVALID;
    *out = r;
    return ST_OK;
}

/* ---- loading ---- */

struct ctx {
    const char *file;
    char where[96]; /* "analyte 'ferritin'", "analyte 'ferritin', unit 'µg/L'", ... */
};

/* A string field: valid text without control characters, trimmed, at most `max` characters;
 * `arabic` asks for at least one Arabic letter. Borrowed from the JSON. */
static int
check_text(json_t *v, const struct ctx *c, const char *field, size_t max, bool arabic,
           bool allow_empty, const char **out, struct fail *f)
{
    const char *s;
    size_t n, tn, i, len;
    bool has_arabic = false;

    *out = NULL;
    if (!json_is_string(v))
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "invalid_type",
                              "must be a string");
    s = json_string_value(v);
    n = json_string_length(v);
    tn = n;
    if (!text_valid_utf8(s, n) || memchr(s, '\n', n) || memchr(s, '\t', n) || memchr(s, '\r', n))
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "invalid_value",
                              "holds control characters");
    if (text_trim(s, &tn) != s || tn != n)
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "invalid_value",
                              "has spaces at its start or end");
    if (n == 0 && !allow_empty)
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "required", "is empty");
    if (text_codepoints(s, n) > max)
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "too_long",
                              "is longer than %zu characters", max);
    for (i = 0; arabic && i < n; i += len)
        if (text_is_arabic_letter(text_decode(s + i, n - i, &len)))
            has_arabic = true;
    if (arabic && !has_arabic)
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "wrong_script",
                              "must be written in Arabic letters: '%s'", s);
    *out = s;
    return ST_OK;
}

static int
take_text(json_t *obj, const char *key, const struct ctx *c, size_t max, bool arabic, char **out,
          struct fail *f)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    int st;

    *out = NULL;
    if (!v || json_is_null(v))
        return protofile_fail(f, ST_INVALID, c->file, c->where, key, "required", "is required");
    st = check_text(v, c, key, max, arabic, false, &s, f);
    if (st != ST_OK)
        return st;
    *out = strdup(s);
    return *out ? ST_OK : ST_NOMEM;
}

/* An optional array of strings, copied; "" allowed when `allow_empty`. */
static int
take_list(json_t *obj, const char *key, const struct ctx *c, size_t max, bool allow_empty,
          char ***out, size_t *count, struct fail *f)
{
    json_t *arr = json_object_get(obj, key), *v;
    char field[64];
    const char *s;
    size_t i;
    int st;

    *out = NULL;
    *count = 0;
    if (!arr)
        return ST_OK;
    if (!json_is_array(arr))
        return protofile_fail(f, ST_INVALID, c->file, c->where, key, "invalid_type",
                              "must be an array of strings");
    *out = calloc(json_array_size(arr) + 1, sizeof(**out));
    if (!*out)
        return ST_NOMEM;
    json_array_foreach(arr, i, v)
    {
        snprintf(field, sizeof(field), "%s[%zu]", key, i);
        st = check_text(v, c, field, max, false, allow_empty, &s, f);
        if (st != ST_OK)
            return st;
        (*out)[i] = strdup(s);
        if (!(*out)[i])
            return ST_NOMEM;
        (*count)++;
    }
    return ST_OK;
}

static int
take_number(json_t *obj, const char *key, const struct ctx *c, bool positive, double *out,
            struct fail *f)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_number(v))
        return protofile_fail(f, ST_INVALID, c->file, c->where, key,
                              v ? "invalid_type" : "required", "must be a number");
    *out = json_number_value(v);
    if (!isfinite(*out) || (positive && !(*out > 0)))
        return protofile_fail(f, ST_INVALID, c->file, c->where, key, "invalid_value",
                              "must be a number above 0");
    return ST_OK;
}

/* Adds a spelling to a unit, refusing one that another unit of the analyte already has. */
static int
add_key(struct labs_analyte *a, struct labs_unit *u, const char *spelling, const struct ctx *c,
        const char *field, struct fail *f)
{
    char key[LABS_UNIT_MAX_BYTES + 1];

    if (!unit_key(spelling, strlen(spelling), key))
        return protofile_fail(f, ST_INVALID, c->file, c->where, field, "too_long",
                              "is longer than %d bytes", LABS_UNIT_MAX_BYTES);
    for (size_t i = 0; i < a->nunits; i++)
        for (size_t k = 0; k < a->units[i].nkeys; k++)
            if (strcmp(a->units[i].keys[k], key) == 0)
                return protofile_fail(f, ST_INVALID, c->file, c->where, field, "duplicate_unit",
                                      "'%s' spells unit '%s' of this analyte already", spelling,
                                      a->units[i].symbol);
    u->keys[u->nkeys] = strdup(key);
    if (!u->keys[u->nkeys])
        return ST_NOMEM;
    u->nkeys++;
    return ST_OK;
}

static int
load_unit(struct labs_analyte *a, json_t *obj, const char *canonical, const char *file,
          struct fail *f)
{
    static const char *const fields[] = {"symbol", "factor", "offset", "source", "aliases", NULL};
    struct labs_unit *u = &a->units[a->nunits];
    struct ctx c = {file, ""};
    const char *unknown;
    char field[64];
    int st;

    snprintf(c.where, sizeof(c.where), "analyte '%s', unit #%zu", a->code, a->nunits + 1);
    if (!json_is_object(obj))
        return protofile_fail(f, ST_INVALID, file, c.where, "units", "invalid_type",
                              "must hold objects");
    st = take_text(obj, "symbol", &c, 32, false, &u->symbol, f);
    if (st != ST_OK)
        return st;
    snprintf(c.where, sizeof(c.where), "analyte '%s', unit '%s'", a->code, u->symbol);
    if (!protofile_only_fields(obj, fields, &unknown))
        return protofile_fail(f, ST_INVALID, file, c.where, unknown, "unknown_field",
                              "is not known");
    st = take_list(obj, "aliases", &c, 32, true, &u->aliases, &u->naliases, f);
    if (st != ST_OK)
        return st;
    u->factor = 1;
    u->offset = 0;
    if (strcmp(u->symbol, canonical) == 0) {
        /* The canonical unit converts to itself: any factor written here would be a mistake. */
        if (json_object_get(obj, "factor") || json_object_get(obj, "offset") ||
            json_object_get(obj, "source"))
            return protofile_fail(f, ST_INVALID, file, c.where,
                                  json_object_get(obj, "factor")   ? "factor"
                                  : json_object_get(obj, "offset") ? "offset"
                                                                   : "source",
                                  "invalid_value", "is not allowed on the canonical unit");
        a->canonical = u;
    } else {
        st = take_number(obj, "factor", &c, true, &u->factor, f);
        if (st == ST_OK && json_object_get(obj, "offset"))
            st = take_number(obj, "offset", &c, false, &u->offset, f);
        if (st == ST_OK)
            st = take_text(obj, "source", &c, 1000, false, &u->source, f);
        if (st != ST_OK)
            return st;
    }
    u->keys = calloc(u->naliases + 1, sizeof(*u->keys));
    if (!u->keys)
        return ST_NOMEM;
    /* Counted before its spellings are checked, so the check sees this unit's own keys too. */
    a->nunits++;
    st = add_key(a, u, u->symbol, &c, "symbol", f);
    for (size_t i = 0; i < u->naliases && st == ST_OK; i++) {
        snprintf(field, sizeof(field), "aliases[%zu]", i);
        st = add_key(a, u, u->aliases[i], &c, field, f);
    }
    return st;
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
add_name(struct labs *l, size_t analyte, const char *name, bool is_code, const struct ctx *c,
         const char *field, struct fail *f)
{
    struct buf b;
    int st;

    buf_init(&b, 4 * NAME_QUERY_MAX_BYTES);
    st = text_fold(name, strlen(name), &b);
    if (st == ST_OK && b.len == 0)
        st = protofile_fail(f, ST_INVALID, c->file, c->where, field, "invalid_value",
                            "'%s' holds no letter or digit", name);
    for (size_t i = 0; i < l->nnames && st == ST_OK; i++) {
        const struct name_entry *o = &l->names[i];
        if (strcmp(o->folded, b.data) != 0)
            continue;
        /* An analyte's code may read like one of its own names ("tsh", "TSH"). */
        if (o->analyte == analyte && (o->is_code || is_code))
            continue;
        st = protofile_fail(f, ST_INVALID, c->file, c->where, field, "duplicate_name",
                            "'%s' reads the same as a name of analyte '%s'", name,
                            l->analytes[o->analyte].code);
    }
    if (st == ST_OK) {
        struct name_entry *e = &l->names[l->nnames];
        e->analyte = analyte;
        e->is_code = is_code;
        e->folded = buf_detach(&b);
        if (!e->folded)
            st = ST_NOMEM;
        else
            l->nnames++;
    }
    buf_release(&b);
    return st;
}

static int
load_analyte(struct labs *l, json_t *obj, size_t index, const char *file, struct fail *f)
{
    static const char *const fields[] = {"code",           "label_en", "label_ar", "names_en",
                                         "canonical_unit", "units",    NULL};
    struct labs_analyte *a = &l->analytes[index];
    struct ctx c = {file, ""};
    const char *unknown, *code, *canonical = NULL;
    json_t *units, *v;
    char field[64];
    size_t i;
    int st;

    snprintf(c.where, sizeof(c.where), "analyte #%zu", index + 1);
    if (!json_is_object(obj))
        return protofile_fail(f, ST_INVALID, file, c.where, "analytes", "invalid_type",
                              "must hold objects");
    code = json_string_value(json_object_get(obj, "code"));
    if (code)
        snprintf(c.where, sizeof(c.where), "analyte '%.60s'", code);
    if (!protofile_only_fields(obj, fields, &unknown))
        return protofile_fail(f, ST_INVALID, file, c.where, unknown, "unknown_field",
                              "is not known");
    if (!code)
        return protofile_fail(f, ST_INVALID, file, c.where, "code", "required",
                              "must be a code such as 'ferritin'");
    if (!valid_code(code))
        return protofile_fail(f, ST_INVALID, file, c.where, "code", "invalid_value",
                              "must be 1 to 64 of a-z, 0-9 and _");
    for (i = 0; i < index; i++)
        if (strcmp(l->analytes[i].code, code) == 0)
            return protofile_fail(f, ST_INVALID, file, c.where, "code", "duplicate_code",
                                  "is used by analyte #%zu too", i + 1);
    a->code = strdup(code);
    if (!a->code)
        return ST_NOMEM;
    st = take_text(obj, "label_en", &c, LABEL_MAX_CHARS, false, &a->label_en, f);
    if (st == ST_OK)
        st = take_text(obj, "label_ar", &c, LABEL_MAX_CHARS, true, &a->label_ar, f);
    if (st == ST_OK)
        st = take_list(obj, "names_en", &c, LABEL_MAX_CHARS, false, &a->names_en, &a->nnames, f);
    if (st == ST_OK)
        st = add_name(l, index, a->code, true, &c, "code", f);
    if (st == ST_OK)
        st = add_name(l, index, a->label_en, false, &c, "label_en", f);
    for (i = 0; i < a->nnames && st == ST_OK; i++) {
        snprintf(field, sizeof(field), "names_en[%zu]", i);
        st = add_name(l, index, a->names_en[i], false, &c, field, f);
    }
    if (st != ST_OK)
        return st;
    v = json_object_get(obj, "canonical_unit");
    if (v)
        st = check_text(v, &c, "canonical_unit", 32, false, false, &canonical, f);
    else
        st = protofile_fail(f, ST_INVALID, file, c.where, "canonical_unit", "required",
                            "is required");
    if (st != ST_OK)
        return st;
    units = json_object_get(obj, "units");
    if (!json_is_array(units) || json_array_size(units) == 0)
        return protofile_fail(f, ST_INVALID, file, c.where, "units",
                              units ? "invalid_type" : "required",
                              "must be a non-empty array of units");
    a->units = calloc(json_array_size(units), sizeof(*a->units));
    if (!a->units)
        return ST_NOMEM;
    json_array_foreach(units, i, v)
    {
        st = load_unit(a, v, canonical, file, f);
        if (st != ST_OK) {
            /* A unit that failed before it was counted still owns what it read. */
            if (a->nunits == i)
                a->nunits++;
            return st;
        }
    }
    if (!a->canonical)
        return protofile_fail(f, ST_INVALID, file, c.where, "canonical_unit", "unknown_unit",
                              "'%s' is not the symbol of one of the units", canonical);
    return ST_OK;
}

static size_t
count_names(json_t *arr)
{
    size_t total = 0, i;
    json_t *v, *names;

    json_array_foreach(arr, i, v)
    {
        names = json_object_get(v, "names_en");
        total += 2 + (json_is_array(names) ? json_array_size(names) : 0);
    }
    return total;
}

static int
from_json(json_t *root, const char *name, struct labs **out, struct fail *f)
{
    static const char *const fields[] = {"schema_version", "description", "analytes", NULL};
    struct labs *l = NULL;
    const char *unknown;
    json_t *v, *arr;
    size_t i;
    int st;

    *out = NULL;
    if (!protofile_only_fields(root, fields, &unknown))
        return protofile_fail(f, ST_INVALID, name, "", unknown, "unknown_field", "is not known");
    v = json_object_get(root, "schema_version");
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return protofile_fail(f, ST_INVALID, name, "", "schema_version", "schema_version",
                              "must be 1, the version this program reads");
    v = json_object_get(root, "description");
    if (v && !json_is_string(v))
        return protofile_fail(f, ST_INVALID, name, "", "description", "invalid_type",
                              "must be a string");
    arr = json_object_get(root, "analytes");
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return protofile_fail(f, ST_INVALID, name, "", "analytes",
                              arr ? "invalid_type" : "required",
                              "must be a non-empty array of analytes");
    l = calloc(1, sizeof(*l));
    if (!l)
        return ST_NOMEM;
    l->analytes = calloc(json_array_size(arr), sizeof(*l->analytes));
    l->names = calloc(count_names(arr), sizeof(*l->names));
    if (!l->analytes || !l->names) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(arr, i, v)
    {
        l->nanalytes = i + 1; /* counted first, so that a half-read analyte is freed too */
        st = load_analyte(l, v, i, name, f);
        if (st != ST_OK)
            goto out;
    }
    st = ST_OK;
out:
    if (st != ST_OK)
        labs_free(l);
    else
        *out = l;
    return st;
}

static int
build(json_t *root, const char *name, void *out, struct fail *f)
{
    return from_json(root, name, out, f);
}

int
labs_parse(const char *text, size_t n, const char *name, struct labs **out, struct fail *f)
{
    *out = NULL;
    return protofile_parse_into(text, n, name, build, out, f);
}

int
labs_load(const char *path, struct labs **out, struct fail *f)
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
labs_free(struct labs *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->analytes && i < l->nanalytes; i++) {
        struct labs_analyte *a = &l->analytes[i];
        free(a->code);
        free(a->label_en);
        free(a->label_ar);
        free_list(a->names_en, a->nnames);
        for (size_t u = 0; a->units && u < a->nunits; u++) {
            free(a->units[u].symbol);
            free(a->units[u].source);
            free_list(a->units[u].aliases, a->units[u].naliases);
            free_list(a->units[u].keys, a->units[u].nkeys);
        }
        free(a->units);
    }
    free(l->analytes);
    for (size_t i = 0; l->names && i < l->nnames; i++)
        free(l->names[i].folded);
    free(l->names);
    free(l);
}

size_t
labs_count(const struct labs *l)
{
    return l ? l->nanalytes : 0;
}

const struct labs_analyte *
labs_at(const struct labs *l, size_t i)
{
    return l && i < l->nanalytes ? &l->analytes[i] : NULL;
}

const struct labs_analyte *
labs_find(const struct labs *l, const char *code)
{
    for (size_t i = 0; l && code && i < l->nanalytes; i++)
        if (strcmp(l->analytes[i].code, code) == 0)
            return &l->analytes[i];
    return NULL;
}

const struct labs_analyte *
labs_find_name(const struct labs *l, const char *s, size_t n)
{
    const struct labs_analyte *found = NULL;
    struct buf b;

    if (!l || !s || n > NAME_QUERY_MAX_BYTES || !text_valid_utf8(s, n))
        return NULL;
    buf_init(&b, 4 * NAME_QUERY_MAX_BYTES);
    if (text_fold(s, n, &b) == ST_OK && b.len > 0) {
        for (size_t i = 0; i < l->nnames; i++) {
            if (strcmp(l->names[i].folded, b.data) == 0) {
                found = &l->analytes[l->names[i].analyte];
                break;
            }
        }
    }
    buf_release(&b);
    return found;
}
