/* Reading the clinical data files of protocols/ into JSON, with failures that name the file. */
#include "clinic/protofile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

int
protofile_parse(const char *text, size_t n, const char *name, json_t **out, struct fail *f)
{
    json_error_t err;
    json_t *root;

    *out = NULL;
    if (n > PROTOFILE_MAX_BYTES)
        return fail_set(f, ST_TOO_BIG, "", "too_big", "%s: larger than %u bytes", name,
                        PROTOFILE_MAX_BYTES);
    if (!text_valid_utf8(text, n))
        return fail_set(f, ST_INVALID, "", "invalid_utf8", "%s: not valid UTF-8 text", name);
    /* Decoding any value lets a bare number or list be named as "not an object". */
    root = json_loadb(n ? text : "", n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root)
        return fail_set(f, ST_INVALID, "", "invalid_json", "%s: line %d, column %d: %s", name,
                        err.line, err.column, err.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail_set(f, ST_INVALID, "", "not_object", "%s: the file must hold one JSON object",
                        name);
    }
    *out = root;
    return ST_OK;
}

int
protofile_read(const char *path, char **data, size_t *n, struct fail *f)
{
    FILE *fp = NULL;
    char *buf = NULL;
    int st = ST_OK;

    *data = NULL;
    *n = 0;
    fp = fopen(path, "rb");
    if (!fp) {
        st =
            fail_set(f, ST_IO, "", "unreadable", "%s: cannot be opened: %s", path, strerror(errno));
        goto out;
    }
    /* One byte more than allowed, so that a file over the cap is seen as such. */
    buf = malloc(PROTOFILE_MAX_BYTES + 1);
    if (!buf) {
        st = ST_NOMEM;
        goto out;
    }
    size_t got = fread(buf, 1, PROTOFILE_MAX_BYTES + 1, fp);
    if (ferror(fp)) {
        st = fail_set(f, ST_IO, "", "unreadable", "%s: cannot be read", path);
        goto out;
    }
    *data = buf;
    *n = got;
    buf = NULL;
out:
    if (fp)
        fclose(fp);
    free(buf);
    return st;
}

int
protofile_load(const char *path, json_t **out, struct fail *f)
{
    char *data = NULL;
    size_t n = 0;

    *out = NULL;
    int st = protofile_read(path, &data, &n, f);
    if (st == ST_OK)
        st = protofile_parse(data, n, path, out, f);
    free(data);
    return st;
}

int
protofile_parse_into(const char *text, size_t n, const char *name, protofile_build_fn build,
                     void *out, struct fail *f)
{
    json_t *root = NULL;
    int st = protofile_parse(text, n, name, &root, f);
    if (st == ST_OK)
        st = build(root, name, out, f);
    json_decref(root);
    return st;
}

int
protofile_load_into(const char *path, protofile_build_fn build, void *out, struct fail *f)
{
    json_t *root = NULL;
    int st = protofile_load(path, &root, f);
    if (st == ST_OK)
        st = build(root, path, out, f);
    json_decref(root);
    return st;
}

bool
protofile_only_fields(json_t *obj, const char *const *allowed, const char **unknown)
{
    const char *key;
    json_t *value;
    size_t i;

    *unknown = NULL;
    json_object_foreach(obj, key, value)
    {
        (void)value;
        for (i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (!allowed[i]) {
            *unknown = key;
            return false;
        }
    }
    return true;
}

int
protofile_fail(struct fail *f, int st, const char *file, const char *where, const char *field,
               const char *code, const char *fmt, ...)
{
    char problem[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    if (where && where[0])
        return fail_set(f, st, field, code, "%s: %s: field '%s' %s", file, where, field, problem);
    return fail_set(f, st, field, code, "%s: field '%s' %s", file, field, problem);
}

/* ---- reading fields ---- */

int
protofile_bad(struct protofile_reader *r, const char *field, const char *code, const char *fmt, ...)
{
    char problem[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    return protofile_fail(r->f, ST_INVALID, r->file, r->where, field, code, "%s", problem);
}

void
protofile_path(char *out, size_t cap, const char *prefix, const char *key)
{
    if (prefix[0])
        snprintf(out, cap, "%s.%s", prefix, key);
    else
        snprintf(out, cap, "%s", key);
}

int
protofile_name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int
protofile_only(struct protofile_reader *r, json_t *obj, const char *prefix,
               const char *const *allowed)
{
    const char *unknown;
    char path[96];

    if (protofile_only_fields(obj, allowed, &unknown))
        return ST_OK;
    protofile_path(path, sizeof(path), prefix, unknown);
    return protofile_bad(r, path, "unknown_field", "is not a known field");
}

int
protofile_need(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
               json_t **v)
{
    char path[96];

    *v = json_object_get(obj, key);
    if (*v && !json_is_null(*v))
        return ST_OK;
    *v = NULL;
    protofile_path(path, sizeof(path), prefix, key);
    return protofile_bad(r, path, "required", "is required");
}

int
protofile_string_value(struct protofile_reader *r, json_t *v, const char *path, size_t max_chars,
                       char **out)
{
    if (out)
        *out = NULL;
    if (!json_is_string(v))
        return protofile_bad(r, path, "invalid_type", "must be a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    size_t tn = n;
    text_trim(s, &tn);
    if (tn == 0)
        return protofile_bad(r, path, "required", "must not be empty");
    if (!text_valid_utf8(s, n))
        return protofile_bad(r, path, "invalid_text", "must not hold control characters");
    if (text_codepoints(s, n) > max_chars)
        return protofile_bad(r, path, "too_long", "must be at most %zu characters", max_chars);
    if (out && !(*out = strdup(s)))
        return fail_set(r->f, ST_NOMEM, path, "no_memory", "%s: out of memory", r->file);
    return ST_OK;
}

int
protofile_string(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
                 size_t max_chars, char **out)
{
    json_t *v;
    char path[96];
    int st;

    if (out)
        *out = NULL;
    if ((st = protofile_need(r, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    return protofile_string_value(r, v, path, max_chars, out);
}

int
protofile_text(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
               size_t max_chars, char **en, char **ar)
{
    static const char *const langs[] = {"en", "ar", NULL};
    json_t *v;
    char path[96];
    int st;

    if ((st = protofile_need(r, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_object(v))
        return protofile_bad(r, path, "invalid_type", "must be an object with 'en' and 'ar'");
    if ((st = protofile_only(r, v, path, langs)) != ST_OK ||
        (st = protofile_string(r, v, path, "en", max_chars, en)) != ST_OK)
        return st;
    return protofile_string(r, v, path, "ar", max_chars, ar);
}
