/* Strict reading of nested document fields by path: the checks of core/jsonin.h, named
 * "hair.norwood" or "medications[2].dose" when they fail, and values normalised for storage. */
#include "clinic/docin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/jsonin.h"

#define MS_PER_DAY 86400000LL
/* Today's date somewhere on Earth: the easternmost zone is UTC+14. */
#define EASTERNMOST_MS (14LL * 3600 * 1000)
/* Times sent as "now" by a device whose clock runs a little ahead are not the future. */
#define CLOCK_SLACK_MS 60000LL

/* Shortens a string cut by snprintf so that it ends on a whole UTF-8 sequence. */
static void
cut_utf8(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < want)
        s[i - 1] = '\0';
}

void
docin_path(char out[DOCIN_PATH_MAX], const char *prefix, const char *key)
{
    int w = snprintf(out, DOCIN_PATH_MAX, "%s%s%s", prefix, *prefix ? "." : "", key);
    if (w < 0)
        out[0] = '\0';
    else if ((size_t)w >= DOCIN_PATH_MAX)
        cut_utf8(out);
}

void
docin_item_path(char out[DOCIN_PATH_MAX], const char *prefix, size_t i)
{
    int w = snprintf(out, DOCIN_PATH_MAX, "%s[%zu]", prefix, i);
    if (w < 0)
        out[0] = '\0';
    else if ((size_t)w >= DOCIN_PATH_MAX)
        cut_utf8(out);
}

/* obj[key], NULL when absent or null. */
static json_t *
member(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

/* A one-member object {path: obj[key]}: the readers of core/jsonin.h then name the path. */
static json_t *
as_path(json_t *obj, const char *key, const char *path)
{
    json_t *t = json_object();
    json_t *v = member(obj, key);
    if (t && v && json_object_set(t, path, v) != 0) {
        json_decref(t);
        return NULL;
    }
    return t;
}

int
docin_only_fields(json_t *obj, const char *prefix, const char *const *allowed, struct fail *f)
{
    if (!json_is_object(obj))
        return fail_set(f, ST_INVALID, prefix, "invalid_type", "field '%s' must be an object",
                        prefix);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i;
        for (i = 0; allowed[i] && strcmp(key, allowed[i]) != 0; i++)
            ;
        if (!allowed[i]) {
            char path[DOCIN_PATH_MAX];
            docin_path(path, prefix, key);
            return fail_set(f, ST_INVALID, path, "unknown_field", "unknown field '%s'", path);
        }
    }
    return ST_OK;
}

static int
absent(const char *path, bool required, struct fail *f)
{
    if (required)
        return fail_set(f, ST_INVALID, path, "required", "field '%s' is required", path);
    return ST_OK;
}

int
docin_object(json_t *obj, const char *prefix, const char *key, bool required, json_t **out,
             struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *v = member(obj, key);
    if (!v)
        return absent(path, required, f);
    if (!json_is_object(v))
        return fail_set(f, ST_INVALID, path, "invalid_type", "field '%s' must be an object", path);
    *out = v;
    return ST_OK;
}

int
docin_array(json_t *obj, const char *prefix, const char *key, size_t max_items, json_t **out,
            struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *v = member(obj, key);
    if (!v)
        return ST_OK;
    if (!json_is_array(v))
        return fail_set(f, ST_INVALID, path, "invalid_type", "field '%s' must be a list", path);
    if (json_array_size(v) > max_items)
        return fail_set(f, ST_INVALID, path, "too_many", "field '%s' holds more than %zu entries",
                        path, max_items);
    *out = v;
    return ST_OK;
}

/* Stores `v` (a new reference, or NULL when out of memory) in *out. */
static int
give(json_t *v, json_t **out)
{
    *out = v;
    return v ? ST_OK : ST_NOMEM;
}

int
docin_text(json_t *obj, const char *prefix, const char *key, size_t max_chars, bool required,
           json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *t = as_path(obj, key, path);
    if (!t)
        return ST_NOMEM;
    char *s = NULL;
    int st = jsonin_string(t, path, max_chars, required, &s, f);
    json_decref(t);
    if (st == ST_OK)
        st = give(s ? json_string(s) : json_null(), out);
    free(s);
    return st;
}

int
docin_choice(json_t *obj, const char *prefix, const char *key, const char *const *choices,
             bool required, json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *t = as_path(obj, key, path);
    if (!t)
        return ST_NOMEM;
    const char *c = NULL;
    int st = jsonin_choice(t, path, choices, required, &c, f);
    json_decref(t);
    if (st == ST_OK)
        st = give(c ? json_string(c) : json_null(), out);
    return st;
}

int
docin_choice_set(json_t *obj, const char *prefix, const char *key, const char *const *choices,
                 json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *v = member(obj, key);
    if (!v || (json_is_array(v) && json_array_size(v) == 0))
        return give(json_null(), out);
    if (!json_is_array(v))
        return fail_set(f, ST_INVALID, path, "invalid_type", "field '%s' must be a list", path);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        size_t k;
        for (k = 0; s && choices[k] && strcmp(s, choices[k]) != 0; k++)
            ;
        if (!s || !choices[k])
            return fail_set(f, ST_INVALID, path, "invalid_value",
                            "field '%s': entry %zu is not one of the accepted values", path, i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(v, j)), s) == 0)
                return fail_set(f, ST_INVALID, path, "duplicate", "field '%s' names '%s' twice",
                                path, s);
    }
    return give(json_deep_copy(v), out);
}

int
docin_int(json_t *obj, const char *prefix, const char *key, int64_t min, int64_t max, bool required,
          json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *t = as_path(obj, key, path);
    if (!t)
        return ST_NOMEM;
    bool present = false;
    int64_t n = 0;
    int st = jsonin_int(t, path, min, max, required, &present, &n, f);
    json_decref(t);
    if (st == ST_OK)
        st = give(present ? json_integer(n) : json_null(), out);
    return st;
}

json_t *
docin_number_value(double v)
{
    if (!isfinite(v))
        return NULL;
    /* Whole numbers within the exact range of a double become integers. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

int
docin_number(json_t *obj, const char *prefix, const char *key, double min, double max,
             bool required, json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *v = member(obj, key);
    if (!v) {
        int st = absent(path, required, f);
        return st == ST_OK ? give(json_null(), out) : st;
    }
    if (!json_is_number(v))
        return fail_set(f, ST_INVALID, path, "invalid_type", "field '%s' must be a number", path);
    double d = json_number_value(v);
    if (!(d >= min && d <= max))
        return fail_set(f, ST_INVALID, path, "out_of_range", "field '%s' must be between %g and %g",
                        path, min, max);
    return give(docin_number_value(d), out);
}

int
docin_bool(json_t *obj, const char *prefix, const char *key, bool required, json_t **out,
           struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *t = as_path(obj, key, path);
    if (!t)
        return ST_NOMEM;
    bool present = false, b = false;
    int st = jsonin_bool(t, path, required, &present, &b, f);
    json_decref(t);
    if (st == ST_OK)
        st = give(present ? json_boolean(b) : json_null(), out);
    return st;
}

/* Reads obj[key] as a string short enough to be a date or time; *s NULL when absent. */
static int
short_string(json_t *obj, const char *key, const char *path, bool required, char **s,
             struct fail *f)
{
    json_t *t = as_path(obj, key, path);
    if (!t)
        return ST_NOMEM;
    int st = jsonin_string(t, path, 40, required, s, f);
    json_decref(t);
    if (st == ST_INVALID && strcmp(f->code, "too_long") == 0)
        st = fail_set(f, ST_INVALID, path, "invalid_date", "field '%s' is not a date", path);
    return st;
}

int64_t
docin_date_ms(const char *date)
{
    struct date d;
    if (date_parse(date, &d) != ST_OK)
        return 0;
    return date_to_days(&d) * MS_PER_DAY;
}

int
docin_date(json_t *obj, const char *prefix, const char *key, bool required, int64_t now_ms,
           json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    char *s = NULL;
    int st = short_string(obj, key, path, required, &s, f);
    if (st != ST_OK || !s)
        return st == ST_OK ? give(json_null(), out) : st;
    struct date d, earliest = {1900, 1, 1}, latest;
    date_from_days((now_ms + EASTERNMOST_MS) / MS_PER_DAY, &latest);
    if (date_parse(s, &d) != ST_OK)
        st = fail_set(f, ST_INVALID, path, "invalid_date",
                      "field '%s' is not a real date (YYYY-MM-DD)", path);
    else if (date_compare(&d, &earliest) < 0)
        st = fail_set(f, ST_INVALID, path, "invalid_date", "field '%s' is before 1900", path);
    else if (date_compare(&d, &latest) > 0)
        st = fail_set(f, ST_INVALID, path, "future_date", "field '%s' is in the future", path);
    if (st == ST_OK) {
        char buf[11];
        date_format(&d, buf);
        st = give(json_string(buf), out);
    }
    free(s);
    return st;
}

int
docin_time(json_t *obj, const char *prefix, const char *key, bool required, int64_t now_ms,
           json_t **out, int64_t *ms, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    if (ms)
        *ms = 0;
    char *s = NULL;
    int st = short_string(obj, key, path, required, &s, f);
    if (st != ST_OK || !s)
        return st == ST_OK ? give(json_null(), out) : st;
    struct date earliest = {1900, 1, 1};
    int64_t t = 0;
    if (time_parse_iso(s, &t) != ST_OK)
        st = fail_set(f, ST_INVALID, path, "invalid_date",
                      "field '%s' is not a UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)", path);
    else if (t < date_to_days(&earliest) * MS_PER_DAY)
        st = fail_set(f, ST_INVALID, path, "invalid_date", "field '%s' is before 1900", path);
    else if (t > now_ms + CLOCK_SLACK_MS)
        st = fail_set(f, ST_INVALID, path, "future_date", "field '%s' is in the future", path);
    if (st == ST_OK) {
        char buf[25];
        time_format_ms(t, buf);
        st = give(json_string(buf), out);
        if (st == ST_OK && ms)
            *ms = t;
    }
    free(s);
    return st;
}
