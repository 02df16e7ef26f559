/* Change lists between two versions of a JSON document, keyed by dotted field path (see
 * docdiff.h for the rules). */
#include "clinic/docdiff.h"

#include <stdbool.h>
#include <string.h>

/* An absent member and JSON null are the same: no value. */
static json_t *
value_or_null(json_t *v)
{
    return v ? v : json_null();
}

static bool
is_empty(json_t *v)
{
    return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0);
}

static int
add(json_t *out, const char *path, json_t *from, json_t *to)
{
    json_t *ch = json_pack("{s:O, s:O}", "from", value_or_null(from), "to", value_or_null(to));
    if (!ch)
        return -1;
    return json_object_set_new(out, path, ch);
}

/* True when every member of the objects among a and b can be named below a path of len bytes;
 * otherwise the path itself stands for all of them. */
static bool
members_fit(json_t *a, json_t *b, size_t len)
{
    const char *key;
    json_t *v;
    json_t *objs[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (!json_is_object(objs[i]))
            continue;
        json_object_foreach(objs[i], key, v)
        {
            if (len + 1 + strlen(key) >= DOCDIFF_PATH_MAX)
                return false;
        }
    }
    return true;
}

/* Compares a and b (either may be NULL) at `path` (len bytes long, in a buffer of
 * DOCDIFF_PATH_MAX), adding what differs to `out`. -1 when out of memory. */
static int
walk(json_t *out, char *path, size_t len, json_t *a, json_t *b, bool creation)
{
    bool ao = json_is_object(a), bo = json_is_object(b);
    bool an = !a || json_is_null(a), bn = !b || json_is_null(b);
    if (!((ao && (bo || bn)) || (bo && an)) || !members_fit(a, b, len)) {
        if (creation)
            return is_empty(b) ? 0 : add(out, path, NULL, b);
        return json_equal(value_or_null(a), value_or_null(b)) ? 0 : add(out, path, a, b);
    }
    size_t found = json_object_size(out);
    const char *key;
    json_t *v;
    /* Members of `b` first (the newer order), then those only `a` has. */
    for (int side = 0; side < 2; side++) {
        json_t *obj = side == 0 ? b : a;
        if (!json_is_object(obj))
            continue;
        json_object_foreach(obj, key, v)
        {
            json_t *other = side == 0 ? (ao ? json_object_get(a, key) : NULL)
                                      : (bo ? json_object_get(b, key) : NULL);
            if (side == 1 && other)
                continue; /* already compared from b's side */
            size_t klen = strlen(key), need = len + (len ? 1 : 0) + klen;
            size_t at = len;
            if (len)
                path[at++] = '.';
            memcpy(path + at, key, klen + 1);
            int rc = side == 0 ? walk(out, path, need, other, v, creation)
                               : walk(out, path, need, v, NULL, creation);
            path[len] = '\0';
            if (rc != 0)
                return rc;
        }
    }
    /* An object of nulls against null: they differ, but no member says how. */
    if (!creation && len > 0 && json_object_size(out) == found &&
        !json_equal(value_or_null(a), value_or_null(b)))
        return add(out, path, a, b);
    return 0;
}

json_t *
docdiff_changes(json_t *before, json_t *after)
{
    char path[DOCDIFF_PATH_MAX] = "";
    json_t *out = json_object();
    if (out && walk(out, path, 0, before, after, false) != 0) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

json_t *
docdiff_creation(json_t *doc)
{
    char path[DOCDIFF_PATH_MAX] = "";
    json_t *out = json_object();
    if (out && walk(out, path, 0, NULL, doc, true) != 0) {
        json_decref(out);
        out = NULL;
    }
    return out;
}
