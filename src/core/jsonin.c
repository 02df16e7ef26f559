/* Strict reading of JSON request bodies: valid UTF-8, one object, known fields only, each of
 * the expected type and length; every failure names the field for the person who sent it. */
#include "jsonin.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

int
jsonin_parse_object(const char *body, size_t n, json_t **out, struct fail *f)
{
    json_error_t err;
    json_t *root;

    *out = NULL;
    /* Checked on the raw bytes first: the parser would accept control characters hidden
     * behind escapes, but never a NUL or a broken sequence in the body itself. */
    if (!text_valid_utf8(body, n))
        return fail_set(f, ST_INVALID, "", "invalid_utf8", "request body is not valid UTF-8 text");
    root = json_loadb(n ? body : "", n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root)
        return fail_set(f, ST_INVALID, "", "invalid_json",
                        "request body is not valid JSON: %s (line %d, column %d)", err.text,
                        err.line, err.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail_set(f, ST_INVALID, "", "not_object", "request body is not a JSON object");
    }
    *out = root;
    return ST_OK;
}

int
jsonin_only_fields(json_t *obj, const char *const *allowed, struct fail *f)
{
    const char *key;
    json_t *value;
    size_t i;

    if (!json_is_object(obj))
        return fail_set(f, ST_INVALID, "", "not_object", "request body is not a JSON object");
    json_object_foreach(obj, key, value)
    {
        for (i = 0; allowed && allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (!allowed || !allowed[i])
            return fail_set(f, ST_INVALID, key, "unknown_field", "unknown field '%s'", key);
    }
    return ST_OK;
}

/* Looks a field up; NULL when it is absent or JSON null. */
static json_t *
field(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return json_is_null(v) ? NULL : v;
}

static int
missing(const char *key, bool required, struct fail *f)
{
    if (required)
        return fail_set(f, ST_INVALID, key, "required", "field '%s' is required", key);
    return ST_OK;
}

int
jsonin_string(json_t *obj, const char *key, size_t max_chars, bool required, char **out,
              struct fail *f)
{
    json_t *v = field(obj, key);
    const char *s;
    size_t n;
    char *copy;

    *out = NULL;
    if (!v)
        return missing(key, required, f);
    if (!json_is_string(v))
        return fail_set(f, ST_INVALID, key, "invalid_type", "field '%s' must be a string", key);
    s = json_string_value(v);
    n = json_string_length(v);
    if (!text_valid_utf8(s, n))
        return fail_set(f, ST_INVALID, key, "invalid_utf8", "field '%s' holds a control character",
                        key);
    s = text_trim(s, &n);
    if (n == 0)
        return missing(key, required, f);
    if (text_codepoints(s, n) > max_chars)
        return fail_set(f, ST_INVALID, key, "too_long", "field '%s' is longer than %zu characters",
                        key, max_chars);
    copy = malloc(n + 1);
    if (!copy)
        return ST_NOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    *out = copy;
    return ST_OK;
}

int
jsonin_int(json_t *obj, const char *key, int64_t min, int64_t max, bool required, bool *present,
           int64_t *out, struct fail *f)
{
    json_t *v = field(obj, key);
    json_int_t i;

    if (present)
        *present = false;
    *out = 0;
    if (!v)
        return missing(key, required, f);
    if (!json_is_integer(v))
        return fail_set(f, ST_INVALID, key, "invalid_type", "field '%s' must be an integer", key);
    i = json_integer_value(v);
    if (i < min || i > max)
        return fail_set(f, ST_INVALID, key, "out_of_range",
                        "field '%s' must be between %lld and %lld", key, (long long)min,
                        (long long)max);
    if (present)
        *present = true;
    *out = i;
    return ST_OK;
}

int
jsonin_bool(json_t *obj, const char *key, bool required, bool *present, bool *out, struct fail *f)
{
    json_t *v = field(obj, key);

    if (present)
        *present = false;
    *out = false;
    if (!v)
        return missing(key, required, f);
    if (!json_is_boolean(v))
        return fail_set(f, ST_INVALID, key, "invalid_type", "field '%s' must be true or false",
                        key);
    if (present)
        *present = true;
    *out = json_is_true(v);
    return ST_OK;
}

int
jsonin_choice(json_t *obj, const char *key, const char *const *choices, bool required,
              const char **out, struct fail *f)
{
    json_t *v = field(obj, key);
    const char *s;
    size_t n, i, used = 0;
    char list[160];
    int w;

    *out = NULL;
    if (!v)
        return missing(key, required, f);
    if (!json_is_string(v))
        return fail_set(f, ST_INVALID, key, "invalid_type", "field '%s' must be a string", key);
    s = json_string_value(v);
    n = json_string_length(v);
    for (i = 0; choices && choices[i]; i++) {
        if (strlen(choices[i]) == n && memcmp(choices[i], s, n) == 0) {
            *out = choices[i];
            return ST_OK;
        }
    }
    /* Name the accepted values so the message says how to fix the input. */
    list[0] = '\0';
    for (i = 0; choices && choices[i] && used < sizeof(list); i++) {
        w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return fail_set(f, ST_INVALID, key, "invalid_value", "field '%s' must be one of: %s", key,
                    list);
}
