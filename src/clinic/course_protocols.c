/* Loading protocols/treatments.json and the course protocols it names: strict validation in one
 * pass, every failure naming the file, the entry and the field, so that a clinic's edit fails
 * at start-up and not when a doctor prescribes. */
#include "clinic/course_protocols.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/protofile.h"
#include "core/crypto.h"
#include "core/text.h"

#define LABEL_MAX_CHARS 200
#define TEXT_MAX_CHARS 1000
#define NOTE_MAX_CHARS 500
#define FILE_NAME_MAX 64
#define MAX_SOURCES 50
#define MAX_NOTES 50
#define MAX_PRE_SESSION 20
#define MAX_PREPARATION 50
/* The words of a number that is the clinic's own choice, not a clinical fact. */
#define CLINIC_SETTING "clinic setting"

static const char *const tier_names[] = {"G", "SR", "RCT", "S", "E", NULL};
static const char *const room_kinds[] = {"treatment", "procedure", "consultation", NULL};
static const char *const anchor_names[] = {"first_session", "last_session", NULL};
/* The other data files of protocols/: a catalogue entry may not name them as a protocol. */
static const char *const reserved_files[] = {"screening.json", "drugs.json", "labs.json",
                                             COURSE_CATALOG_FILE, NULL};

/* Where in the file we are, for messages. */

static int
nomem(struct protofile_reader *c)
{
    return fail_set(c->f, ST_NOMEM, "", "no_memory", "%s: out of memory", c->file);
}

/* A JSON object at obj[key] (required). */
static int
need_object(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
            json_t **v)
{
    char path[96];
    int st = protofile_need(c, obj, prefix, key, v);

    if (st != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_object(*v))
        return protofile_bad(c, path, "invalid_type", "must be an object");
    return ST_OK;
}

/* A list of min..max entries at obj[key]; an absent key is required unless min is 0. */
static int
need_list(struct protofile_reader *c, json_t *obj, const char *key, size_t min, size_t max,
          json_t **v)
{
    *v = json_object_get(obj, key);
    if ((!*v || json_is_null(*v)) && min == 0) {
        *v = NULL;
        return ST_OK;
    }
    int st = protofile_need(c, obj, "", key, v);
    if (st != ST_OK)
        return st;
    if (!json_is_array(*v) || json_array_size(*v) < min || json_array_size(*v) > max)
        return protofile_bad(c, key, "invalid_type", "must be a list of %zu to %zu entries", min,
                             max);
    return ST_OK;
}

/* Codes: a-z, 0-9, '_' and '-', at most COURSE_CODE_MAX bytes. */
static bool
code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > COURSE_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static int
get_code(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, char **out)
{
    char path[96];
    int st = protofile_string(c, obj, prefix, key, COURSE_CODE_MAX, out);

    if (st != ST_OK)
        return st;
    if (code_ok(*out))
        return ST_OK;
    free(*out);
    *out = NULL;
    protofile_path(path, sizeof(path), prefix, key);
    return protofile_bad(c, path, "invalid_value",
                         "must hold only a-z, 0-9, '_' and '-' (at most %d)", COURSE_CODE_MAX);
}

static int
get_text(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key,
         size_t max_chars, struct course_text *out)
{
    return protofile_text(c, obj, prefix, key, max_chars, &out->en, &out->ar);
}

static int
get_int(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, int64_t min,
        int64_t max, int64_t *out)
{
    json_t *v;
    char path[96];
    int st;

    *out = 0;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_integer(v))
        return protofile_bad(c, path, "invalid_type", "must be a whole number");
    if (json_integer_value(v) < min || json_integer_value(v) > max)
        return protofile_bad(c, path, "invalid_value", "must be from %lld to %lld", (long long)min,
                             (long long)max);
    *out = json_integer_value(v);
    return ST_OK;
}

/* get_int into an int (every bound used here fits one). */
static int
get_small(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, int min,
          int max, int *out)
{
    int64_t v;
    int st = get_int(c, obj, prefix, key, min, max, &v);
    *out = (int)v;
    return st;
}

static bool
has(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v);
}

static void
where_entry(struct protofile_reader *c, const char *list, size_t i, json_t *entry, const char *key)
{
    const char *code = json_string_value(json_object_get(entry, key));
    if (code)
        snprintf(c->where, sizeof(c->where), "%s[%zu] (%.40s)", list, i, code);
    else
        snprintf(c->where, sizeof(c->where), "%s[%zu]", list, i);
}

/* ---- sources and the basis of numbers ---- */

/* The list of sources of `obj`: [{"id","tier","citation"}], ids unique. Messages name the
 * entry as "<where> sources[i]". */
static int
check_sources(struct protofile_reader *c, json_t *obj)
{
    static const char *const fields[] = {"id", "tier", "citation", NULL};
    json_t *arr, *s;
    size_t i;
    int st;

    if ((st = need_list(c, obj, "sources", 1, MAX_SOURCES, &arr)) != ST_OK)
        return st;
    char saved[sizeof(c->where)];
    memcpy(saved, c->where, sizeof(saved));
    json_array_foreach(arr, i, s)
    {
        char *id = NULL;
        snprintf(c->where, sizeof(c->where), "%.90s%ssources[%zu]", saved, saved[0] ? " " : "", i);
        if (!json_is_object(s))
            return protofile_bad(c, "id", "invalid_type", "must be in an object");
        if ((st = protofile_only(c, s, "", fields)) != ST_OK ||
            (st = get_code(c, s, "", "id", &id)) != ST_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(arr, j), "id")), id)) {
                st = protofile_bad(c, "id", "duplicate", "repeats the id '%s' of sources[%zu]", id,
                                   j);
                free(id);
                return st;
            }
        free(id);
        json_t *tier = json_object_get(s, "tier");
        if (!tier || !json_is_string(tier) ||
            protofile_name_index(tier_names, json_string_value(tier)) < 0)
            return protofile_bad(c, "tier", tier ? "invalid_value" : "required",
                                 "must be G, SR, RCT, S or E");
        if ((st = protofile_string(c, s, "", "citation", TEXT_MAX_CHARS, NULL)) != ST_OK)
            return st;
    }
    memcpy(c->where, saved, sizeof(saved));
    c->sources = arr;
    return ST_OK;
}

static bool
source_known(struct protofile_reader *c, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(c->sources, i, s)
    {
        if (!strcmp(json_string_value(json_object_get(s, "id")), id))
            return true;
    }
    return false;
}

/* A list of source ids that the file lists (at `path`). */
static int
check_source_ids(struct protofile_reader *c, json_t *v, const char *path)
{
    size_t i;
    json_t *id;

    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_SOURCES)
        return protofile_bad(c, path, "invalid_type", "must be a list of source ids");
    json_array_foreach(v, i, id)
    {
        if (!json_is_string(id))
            return protofile_bad(c, path, "invalid_type", "must hold source ids");
        if (!source_known(c, json_string_value(id)))
            return protofile_bad(c, path, "unknown_source",
                                 "names '%.40s', which is not in 'sources'", json_string_value(id));
    }
    return ST_OK;
}

/* The basis of one number: "clinic setting", or {"sources":[ids],"note"?} citing the file's
 * sources. */
static int
check_basis_value(struct protofile_reader *c, json_t *v, const char *path)
{
    static const char *const fields[] = {"sources", "note", NULL};
    char sub[128];
    int st;

    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), CLINIC_SETTING) != 0)
            return protofile_bad(c, path, "invalid_value",
                                 "must be \"" CLINIC_SETTING "\" or an object naming its sources");
        return ST_OK;
    }
    if (!json_is_object(v))
        return protofile_bad(c, path, "invalid_type",
                             "must be \"" CLINIC_SETTING
                             "\" or {\"sources\": [...], \"note\": \"...\"}");
    if ((st = protofile_only(c, v, path, fields)) != ST_OK)
        return st;
    snprintf(sub, sizeof(sub), "%s.sources", path);
    json_t *ids = json_object_get(v, "sources");
    if (!ids)
        return protofile_bad(c, sub, "required", "is required");
    if ((st = check_source_ids(c, ids, sub)) != ST_OK)
        return st;
    if (has(v, "note") &&
        (st = protofile_string(c, v, path, "note", NOTE_MAX_CHARS, NULL)) != ST_OK)
        return st;
    return ST_OK;
}

/* The section's "basis": one entry for each of its numbers `keys` (paths such as
 * "interval_days.target"), and nothing else. */
static int
check_basis(struct protofile_reader *c, json_t *section, const char *prefix,
            const char *const *keys)
{
    json_t *basis, *v;
    const char *key;
    char path[128];
    int st;

    if ((st = need_object(c, section, prefix, "basis", &basis)) != ST_OK)
        return st;
    for (size_t i = 0; keys[i]; i++) {
        snprintf(path, sizeof(path), "%s%sbasis.%s", prefix, prefix[0] ? "." : "", keys[i]);
        v = json_object_get(basis, keys[i]);
        if (!v)
            return protofile_bad(
                c, path, "missing_basis",
                "is required: say where the number comes from, or \"" CLINIC_SETTING "\"");
        if ((st = check_basis_value(c, v, path)) != ST_OK)
            return st;
    }
    json_object_foreach(basis, key, v)
    {
        if (protofile_name_index(keys, key) < 0) {
            snprintf(path, sizeof(path), "%s%sbasis.%s", prefix, prefix[0] ? "." : "", key);
            return protofile_bad(c, path, "unknown_field", "is not a number of this section");
        }
    }
    return ST_OK;
}

/* ---- the parts of a protocol ---- */

static int
parse_sessions(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    static const char *const fields[] = {"count",
                                         "interval_days",
                                         "first_window_days",
                                         "duration_minutes",
                                         "prep_minutes",
                                         "room_kind",
                                         "basis",
                                         NULL};
    static const char *const interval_fields[] = {"target", "earliest", "latest", NULL};
    static const char *const numbers[] = {"count",
                                          "interval_days.target",
                                          "interval_days.earliest",
                                          "interval_days.latest",
                                          "first_window_days",
                                          "duration_minutes",
                                          "prep_minutes",
                                          NULL};
    json_t *s, *iv;
    char *room = NULL;
    int st;

    if ((st = need_object(c, root, "", "sessions", &s)) != ST_OK)
        return st;
    snprintf(c->where, sizeof(c->where), "sessions");
    if ((st = protofile_only(c, s, "", fields)) != ST_OK ||
        (st = get_small(c, s, "", "count", 1, COURSE_MAX_SESSIONS, &p->session_count)) != ST_OK ||
        (st = need_object(c, s, "", "interval_days", &iv)) != ST_OK ||
        (st = protofile_only(c, iv, "interval_days", interval_fields)) != ST_OK ||
        (st = get_small(c, iv, "interval_days", "target", 1, 365, &p->interval_target_days)) !=
            ST_OK ||
        (st = get_small(c, iv, "interval_days", "earliest", 1, 365, &p->interval_earliest_days)) !=
            ST_OK ||
        (st = get_small(c, iv, "interval_days", "latest", 1, 730, &p->interval_latest_days)) !=
            ST_OK)
        return st;
    if (p->interval_earliest_days > p->interval_target_days)
        return protofile_bad(c, "interval_days.earliest", "invalid_value",
                             "must not be after the target (%d days)", p->interval_target_days);
    if (p->interval_latest_days < p->interval_target_days)
        return protofile_bad(c, "interval_days.latest", "invalid_value",
                             "must not be before the target (%d days)", p->interval_target_days);
    if ((st = get_small(c, s, "", "first_window_days", 0, 365, &p->first_window_days)) != ST_OK ||
        (st = get_small(c, s, "", "duration_minutes", 5, 480, &p->duration_minutes)) != ST_OK ||
        (st = get_small(c, s, "", "prep_minutes", 0, 240, &p->prep_minutes)) != ST_OK)
        return st;
    /* The centrifuge works at the start of the session, inside its time. */
    if (p->prep_minutes > p->duration_minutes)
        return protofile_bad(c, "prep_minutes", "invalid_value",
                             "must not be longer than the session (%d minutes)",
                             p->duration_minutes);
    if ((st = protofile_string(c, s, "", "room_kind", 16, &room)) != ST_OK)
        return st;
    if (protofile_name_index(room_kinds, room) < 0) {
        free(room);
        return protofile_bad(c, "room_kind", "invalid_value",
                             "must be treatment, procedure or consultation");
    }
    snprintf(p->room_kind, sizeof(p->room_kind), "%s", room);
    free(room);
    return check_basis(c, s, "", numbers);
}

static int
parse_maintenance(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    static const char *const fields[] = {"every_months", "window_days", "count", "basis", NULL};
    static const char *const numbers[] = {"every_months", "window_days", "count", NULL};
    json_t *m = json_object_get(root, "maintenance");
    int st;

    snprintf(c->where, sizeof(c->where), "maintenance");
    if (!m)
        return protofile_bad(c, "maintenance", "required", "is required (null when there is none)");
    if (json_is_null(m))
        return ST_OK;
    if (!json_is_object(m))
        return protofile_bad(c, "maintenance", "invalid_type", "must be an object or null");
    p->has_maintenance = true;
    if ((st = protofile_only(c, m, "", fields)) != ST_OK ||
        (st = get_small(c, m, "", "every_months", 1, 24, &p->maintenance_every_months)) != ST_OK ||
        (st = get_small(c, m, "", "window_days", 0, 90, &p->maintenance_window_days)) != ST_OK ||
        (st = get_small(c, m, "", "count", 1, COURSE_MAX_MAINTENANCE, &p->maintenance_count)) !=
            ST_OK)
        return st;
    return check_basis(c, m, "", numbers);
}

static int
parse_follow_up(struct protofile_reader *c, json_t *o, struct course_follow_up *fu)
{
    static const char *const fields[] = {"code",   "label", "after", "window_days",
                                         "expect", "basis", NULL};
    static const char *const after_fields[] = {"anchor", "months", "days", NULL};
    static const char *const numbers[] = {"after", "window_days", NULL};
    json_t *after, *anchor;
    int st;

    if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
        (st = get_code(c, o, "", "code", &fu->code)) != ST_OK ||
        (st = get_text(c, o, "", "label", LABEL_MAX_CHARS, &fu->label)) != ST_OK ||
        (st = need_object(c, o, "", "after", &after)) != ST_OK ||
        (st = protofile_only(c, after, "after", after_fields)) != ST_OK ||
        (st = protofile_need(c, after, "after", "anchor", &anchor)) != ST_OK)
        return st;
    int a =
        json_is_string(anchor) ? protofile_name_index(anchor_names, json_string_value(anchor)) : -1;
    if (a < 0)
        return protofile_bad(c, "after.anchor", "invalid_value",
                             "must be first_session or last_session");
    fu->anchor = (enum course_anchor)a;
    if (has(after, "months") == has(after, "days"))
        return protofile_bad(c, "after.months", "invalid_value",
                             "exactly one of months and days is needed");
    if (has(after, "months"))
        st = get_small(c, after, "after", "months", 1, 60, &fu->months);
    else
        st = get_small(c, after, "after", "days", 1, 730, &fu->days);
    if (st != ST_OK ||
        (st = get_small(c, o, "", "window_days", 0, 90, &fu->window_days)) != ST_OK ||
        (st = get_text(c, o, "", "expect", TEXT_MAX_CHARS, &fu->expect)) != ST_OK)
        return st;
    return check_basis(c, o, "", numbers);
}

static int
parse_follow_ups(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    json_t *arr, *o;
    size_t i;
    int st;

    c->where[0] = '\0';
    if ((st = need_list(c, root, "follow_ups", 0, COURSE_MAX_FOLLOW_UPS, &arr)) != ST_OK)
        return st;
    if (!arr)
        return protofile_bad(c, "follow_ups", "required",
                             "is required (an empty list when there are none)");
    p->follow_ups = calloc(json_array_size(arr) + 1, sizeof(*p->follow_ups));
    if (!p->follow_ups)
        return nomem(c);
    json_array_foreach(arr, i, o)
    {
        where_entry(c, "follow_ups", i, o, "code");
        if (!json_is_object(o))
            return protofile_bad(c, "code", "invalid_type", "must be in an object");
        p->nfollow_ups = i + 1;
        if ((st = parse_follow_up(c, o, &p->follow_ups[i])) != ST_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->follow_ups[j].code, p->follow_ups[i].code))
                return protofile_bad(c, "code", "duplicate", "repeats the code of follow_ups[%zu]",
                                     j);
    }
    return ST_OK;
}

/* One default preparation parameter: {"code","label","value"|"min"+"max","unit","basis"}. */
static int
parse_parameter(struct protofile_reader *c, json_t *o)
{
    static const char *const fields[] = {"code", "label", "value", "min",
                                         "max",  "unit",  "basis", NULL};
    struct course_text label = {0};
    char *code = NULL;
    json_t *v;
    int st;

    if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
        (st = get_code(c, o, "", "code", &code)) != ST_OK ||
        (st = get_text(c, o, "", "label", LABEL_MAX_CHARS, &label)) != ST_OK)
        goto out;
    bool ranged = has(o, "min") || has(o, "max");
    if (ranged == has(o, "value")) {
        st = protofile_bad(c, "value", "invalid_value", "give either 'value' or 'min' and 'max'");
        goto out;
    }
    if (ranged) {
        json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
        if (!mn || !json_is_number(mn) || !isfinite(json_number_value(mn))) {
            st = protofile_bad(c, "min", mn ? "invalid_type" : "required", "must be a number");
            goto out;
        }
        if (!mx || !json_is_number(mx) || !isfinite(json_number_value(mx))) {
            st = protofile_bad(c, "max", mx ? "invalid_type" : "required", "must be a number");
            goto out;
        }
        if (json_number_value(mn) > json_number_value(mx)) {
            st = protofile_bad(c, "max", "invalid_value", "must not be below 'min'");
            goto out;
        }
    } else {
        v = json_object_get(o, "value");
        if (json_is_number(v))
            st = isfinite(json_number_value(v))
                     ? ST_OK
                     : protofile_bad(c, "value", "invalid_type", "must be a number or a text");
        else
            st = protofile_string_value(c, v, "value", NOTE_MAX_CHARS, NULL);
        if (st != ST_OK)
            goto out;
    }
    v = json_object_get(o, "unit");
    if (!v) {
        st = protofile_bad(c, "unit", "required", "is required (null when there is none)");
        goto out;
    }
    if (!json_is_null(v) && (st = protofile_string_value(c, v, "unit", 32, NULL)) != ST_OK)
        goto out;
    if ((st = protofile_need(c, o, "", "basis", &v)) == ST_OK)
        st = check_basis_value(c, v, "basis");
out:
    free(code);
    free(label.en);
    free(label.ar);
    return st;
}

static int
parse_preparation(struct protofile_reader *c, json_t *root)
{
    json_t *arr, *o;
    size_t i;
    int st;

    c->where[0] = '\0';
    if ((st = need_list(c, root, "preparation", 1, MAX_PREPARATION, &arr)) != ST_OK)
        return st;
    json_array_foreach(arr, i, o)
    {
        where_entry(c, "preparation", i, o, "code");
        if (!json_is_object(o))
            return protofile_bad(c, "code", "invalid_type", "must be in an object");
        if ((st = parse_parameter(c, o)) != ST_OK)
            return st;
        const char *code = json_string_value(json_object_get(o, "code"));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(arr, j), "code")), code))
                return protofile_bad(c, "code", "duplicate", "repeats the code of preparation[%zu]",
                                     j);
    }
    return ST_OK;
}

/* aftercare, side_effects and pre_session_instructions: {"code", `text_key` {en,ar},
 * "sources":[ids]}. */
static int
parse_notes(struct protofile_reader *c, json_t *root, const char *key, const char *text_key,
            size_t min, size_t max, struct course_note **out, size_t *n)
{
    const char *const fields[] = {"code", text_key, "sources", NULL};
    json_t *arr, *o;
    size_t i;
    int st;

    c->where[0] = '\0';
    if ((st = need_list(c, root, key, min, max, &arr)) != ST_OK)
        return st;
    *out = calloc(json_array_size(arr) + 1, sizeof(**out));
    if (!*out)
        return nomem(c);
    json_array_foreach(arr, i, o)
    {
        struct course_note *note = &(*out)[i];
        where_entry(c, key, i, o, "code");
        if (!json_is_object(o))
            return protofile_bad(c, "code", "invalid_type", "must be in an object");
        *n = i + 1;
        if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
            (st = get_code(c, o, "", "code", &note->code)) != ST_OK ||
            (st = get_text(c, o, "", text_key, TEXT_MAX_CHARS, &note->text)) != ST_OK)
            return st;
        json_t *ids = json_object_get(o, "sources");
        if (!ids)
            return protofile_bad(c, "sources", "required", "is required");
        if ((st = check_source_ids(c, ids, "sources")) != ST_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (!strcmp((*out)[j].code, note->code))
                return protofile_bad(c, "code", "duplicate", "repeats the code of %s[%zu]", key, j);
    }
    return ST_OK;
}

static int
parse_pricing(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    static const char *const fields[] = {
        "currency", "session_minor", "follow_up_minor", "package_discount_percent", "basis", NULL};
    static const char *const numbers[] = {"session_minor", "follow_up_minor",
                                          "package_discount_percent", NULL};
    json_t *pr, *v;
    char *cur = NULL;
    int st;

    if ((st = need_object(c, root, "", "pricing", &pr)) != ST_OK)
        return st;
    snprintf(c->where, sizeof(c->where), "pricing");
    if ((st = protofile_only(c, pr, "", fields)) != ST_OK ||
        (st = protofile_string(c, pr, "", "currency", 3, &cur)) != ST_OK)
        return st;
    bool ok = strlen(cur) == 3;
    for (size_t i = 0; ok && i < 3; i++)
        ok = cur[i] >= 'A' && cur[i] <= 'Z';
    if (ok)
        memcpy(p->currency, cur, 4);
    free(cur);
    if (!ok)
        return protofile_bad(c, "currency", "invalid_value",
                             "must be an ISO 4217 code of three capital letters, such as AED");
    if ((st = get_int(c, pr, "", "session_minor", 0, COURSE_MAX_PRICE_MINOR, &p->session_minor)) !=
            ST_OK ||
        (st = get_int(c, pr, "", "follow_up_minor", 0, COURSE_MAX_PRICE_MINOR,
                      &p->follow_up_minor)) != ST_OK ||
        (st = protofile_need(c, pr, "", "package_discount_percent", &v)) != ST_OK)
        return st;
    double pct = json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(pct) || pct < 0 || pct > 100)
        return protofile_bad(c, "package_discount_percent", "invalid_value",
                             "must be a number from 0 to 100");
    /* Hundredths of a percent keep the discount's rounding in integers. */
    double h = pct * 100.0;
    if (fabs(h - round(h)) > 1e-6)
        return protofile_bad(c, "package_discount_percent", "invalid_value",
                             "may have at most two decimals");
    p->discount_hundredths = (int)round(h);
    return check_basis(c, pr, "", numbers);
}

/* ---- outcomes: what the literature expects ---- */

/* A number of the file that must be finite. */
static int
get_number(struct protofile_reader *c, json_t *obj, const char *prefix, const char *key, double min,
           double max, double *out)
{
    json_t *v;
    char path[96];
    int st;

    *out = 0;
    if ((st = protofile_need(c, obj, prefix, key, &v)) != ST_OK)
        return st;
    protofile_path(path, sizeof(path), prefix, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return protofile_bad(c, path, "invalid_type", "must be a number");
    if (json_number_value(v) < min || json_number_value(v) > max)
        return protofile_bad(c, path, "invalid_value", "must be from %g to %g", min, max);
    *out = json_number_value(v);
    return ST_OK;
}

/* A measure code: the measures themselves are checked against measures.json by
 * course_protocols_check_measures, once both files are read. */
static int
get_measure(struct protofile_reader *c, json_t *obj, const char *key, char **out)
{
    return get_code(c, obj, "", key, out);
}

/* One band: {"measure","anchor","from_months","to_months","change_low","change_high","label",
 * "basis":{"sources":[...],"note"?}}. A band is the literature's: its basis names sources, never
 * "clinic setting". */
static int
parse_expected(struct protofile_reader *c, json_t *o, struct course_expected *e)
{
    static const char *const fields[] = {"measure",   "anchor",     "from_months",
                                         "to_months", "change_low", "change_high",
                                         "label",     "basis",      NULL};
    json_t *anchor, *basis;
    int st;

    if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
        (st = get_measure(c, o, "measure", &e->measure)) != ST_OK ||
        (st = protofile_need(c, o, "", "anchor", &anchor)) != ST_OK)
        return st;
    int a =
        json_is_string(anchor) ? protofile_name_index(anchor_names, json_string_value(anchor)) : -1;
    if (a < 0)
        return protofile_bad(c, "anchor", "invalid_value", "must be first_session or last_session");
    e->anchor = (enum course_anchor)a;
    if ((st = get_small(c, o, "", "from_months", 0, 60, &e->from_months)) != ST_OK ||
        (st = get_small(c, o, "", "to_months", 0, 60, &e->to_months)) != ST_OK)
        return st;
    if (e->to_months < e->from_months)
        return protofile_bad(c, "to_months", "invalid_value", "must not be before from_months (%d)",
                             e->from_months);
    if ((st = get_number(c, o, "", "change_low", -1e6, 1e6, &e->change_low)) != ST_OK ||
        (st = get_number(c, o, "", "change_high", -1e6, 1e6, &e->change_high)) != ST_OK)
        return st;
    if (e->change_high < e->change_low)
        return protofile_bad(c, "change_high", "invalid_value", "must not be below change_low (%g)",
                             e->change_low);
    if ((st = get_text(c, o, "", "label", TEXT_MAX_CHARS, &e->label)) != ST_OK ||
        (st = need_object(c, o, "", "basis", &basis)) != ST_OK)
        return st;
    if (!json_object_get(basis, "sources"))
        return protofile_bad(c, "basis.sources", "required",
                             "is required: an expected range cites the trials it comes from");
    if ((st = check_basis_value(c, basis, "basis")) != ST_OK)
        return st;
    e->sources = json_object_get(basis, "sources");
    return ST_OK;
}

static int
parse_responder(struct protofile_reader *c, json_t *out_obj, struct course_outcomes *oc)
{
    static const char *const fields[] = {"measure", "min_gain", "basis", NULL};
    json_t *r = json_object_get(out_obj, "responder"), *basis;
    int st;

    snprintf(c->where, sizeof(c->where), "outcomes");
    if (!r)
        return protofile_bad(c, "responder", "required", "is required (null when there is none)");
    if (json_is_null(r))
        return ST_OK;
    if (!json_is_object(r))
        return protofile_bad(c, "responder", "invalid_type", "must be an object or null");
    snprintf(c->where, sizeof(c->where), "outcomes.responder");
    if ((st = protofile_only(c, r, "", fields)) != ST_OK ||
        (st = get_measure(c, r, "measure", &oc->responder_measure)) != ST_OK ||
        (st = get_number(c, r, "", "min_gain", 0, 1e6, &oc->responder_min_gain)) != ST_OK)
        return st;
    if (oc->responder_min_gain <= 0)
        return protofile_bad(c, "min_gain", "invalid_value", "must be above 0");
    if ((st = protofile_need(c, r, "", "basis", &basis)) != ST_OK ||
        (st = check_basis_value(c, basis, "basis")) != ST_OK)
        return st;
    oc->has_responder = true;
    return ST_OK;
}

static int
parse_outcome_notes(struct protofile_reader *c, json_t *out_obj, struct course_outcomes *oc)
{
    static const char *const fields[] = {"en", "ar", NULL};
    json_t *arr = json_object_get(out_obj, "notes"), *o;
    size_t i;
    int st;

    snprintf(c->where, sizeof(c->where), "outcomes");
    if (!arr)
        return protofile_bad(c, "notes", "required", "is required (an empty list when none)");
    if (!json_is_array(arr) || json_array_size(arr) > COURSE_MAX_OUTCOME_NOTES)
        return protofile_bad(c, "notes", "invalid_type", "must be a list of 0 to %d texts",
                             COURSE_MAX_OUTCOME_NOTES);
    oc->notes = calloc(json_array_size(arr) + 1, sizeof(*oc->notes));
    if (!oc->notes)
        return nomem(c);
    json_array_foreach(arr, i, o)
    {
        snprintf(c->where, sizeof(c->where), "outcomes.notes[%zu]", i);
        if (!json_is_object(o))
            return protofile_bad(c, "en", "invalid_type", "must be {\"en\", \"ar\"}");
        oc->nnotes = i + 1;
        if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
            (st = protofile_string(c, o, "", "en", TEXT_MAX_CHARS, &oc->notes[i].en)) != ST_OK ||
            (st = protofile_string(c, o, "", "ar", TEXT_MAX_CHARS, &oc->notes[i].ar)) != ST_OK)
            return st;
    }
    return ST_OK;
}

/* "outcomes": {"expected":[bands],"responder":{...}|null,"notes":[{"en","ar"}]}. */
static int
parse_outcomes(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    static const char *const fields[] = {"expected", "responder", "notes", NULL};
    struct course_outcomes *oc = &p->outcomes;
    json_t *o = json_object_get(root, "outcomes"), *arr, *e;
    size_t i;
    int st;

    c->where[0] = '\0';
    if (!o)
        return ST_OK;
    if (!json_is_object(o))
        return protofile_bad(c, "outcomes", "invalid_type", "must be an object");
    snprintf(c->where, sizeof(c->where), "outcomes");
    if ((st = protofile_only(c, o, "", fields)) != ST_OK)
        return st;
    arr = json_object_get(o, "expected");
    if (!arr)
        return protofile_bad(c, "expected", "required", "is required (an empty list when none)");
    if (!json_is_array(arr) || json_array_size(arr) > COURSE_MAX_EXPECTED)
        return protofile_bad(c, "expected", "invalid_type", "must be a list of 0 to %d ranges",
                             COURSE_MAX_EXPECTED);
    oc->expected = calloc(json_array_size(arr) + 1, sizeof(*oc->expected));
    if (!oc->expected)
        return nomem(c);
    json_array_foreach(arr, i, e)
    {
        where_entry(c, "outcomes.expected", i, e, "measure");
        if (!json_is_object(e))
            return protofile_bad(c, "measure", "invalid_type", "must be in an object");
        oc->nexpected = i + 1;
        if ((st = parse_expected(c, e, &oc->expected[i])) != ST_OK)
            return st;
        /* One band per measure: a chart draws one. */
        for (size_t j = 0; j < i; j++)
            if (!strcmp(oc->expected[j].measure, oc->expected[i].measure))
                return protofile_bad(c, "measure", "duplicate",
                                     "repeats the measure of outcomes.expected[%zu]", j);
    }
    if ((st = parse_responder(c, o, oc)) != ST_OK || (st = parse_outcome_notes(c, o, oc)) != ST_OK)
        return st;
    oc->present = true;
    return ST_OK;
}

static int
parse_protocol(struct protofile_reader *c, json_t *root, struct course_protocol *p)
{
    static const char *const fields[] = {"schema_version",
                                         "code",
                                         "label",
                                         "screening_treatment",
                                         "sessions",
                                         "maintenance",
                                         "follow_ups",
                                         "preparation",
                                         "aftercare",
                                         "side_effects",
                                         "pre_session_instructions",
                                         "pricing",
                                         "outcomes",
                                         "sources",
                                         NULL};
    json_t *v;
    int st;

    if ((st = protofile_only(c, root, "", fields)) != ST_OK ||
        (st = protofile_need(c, root, "", "schema_version", &v)) != ST_OK)
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != COURSE_SCHEMA_VERSION)
        return protofile_bad(c, "schema_version", "unsupported_version",
                             "must be %d (the schema version this build reads)",
                             COURSE_SCHEMA_VERSION);
    /* The sources first: every basis below cites them. */
    if ((st = check_sources(c, root)) != ST_OK ||
        (st = get_code(c, root, "", "code", &p->code)) != ST_OK ||
        (st = get_text(c, root, "", "label", LABEL_MAX_CHARS, &p->label)) != ST_OK ||
        (st = get_code(c, root, "", "screening_treatment", &p->screening_treatment)) != ST_OK ||
        (st = parse_sessions(c, root, p)) != ST_OK ||
        (st = parse_maintenance(c, root, p)) != ST_OK ||
        (st = parse_follow_ups(c, root, p)) != ST_OK ||
        (st = parse_preparation(c, root)) != ST_OK ||
        (st = parse_notes(c, root, "aftercare", "text", 1, MAX_NOTES, &p->aftercare,
                          &p->naftercare)) != ST_OK ||
        (st = parse_notes(c, root, "side_effects", "label", 1, MAX_NOTES, &p->side_effects,
                          &p->nside_effects)) != ST_OK ||
        (st = parse_notes(c, root, "pre_session_instructions", "text", 0, MAX_PRE_SESSION,
                          &p->pre_session, &p->npre_session)) != ST_OK ||
        (st = parse_pricing(c, root, p)) != ST_OK)
        return st;
    return parse_outcomes(c, root, p);
}

int
course_protocol_parse(const char *name, const char *data, size_t n, struct course_protocol **out,
                      struct fail *f)
{
    struct protofile_reader c = {.file = name, .f = f};
    json_t *root = NULL;
    struct course_protocol *p = NULL;

    *out = NULL;
    int st = protofile_parse(data, n, name, &root, f);
    if (st != ST_OK)
        return st;
    p = calloc(1, sizeof(*p));
    if (!p) {
        st = nomem(&c);
        goto out;
    }
    if ((st = parse_protocol(&c, root, p)) != ST_OK)
        goto out;
    p->text = malloc(n + 1);
    if (!p->text) {
        st = nomem(&c);
        goto out;
    }
    memcpy(p->text, data, n);
    p->text[n] = '\0';
    p->text_len = n;
    crypto_sha256_hex(data, n, p->sha256);
    p->document = root;
    root = NULL;
    *out = p;
    p = NULL;
out:
    json_decref(root);
    course_protocol_free(p);
    return st;
}

static void
text_release(struct course_text *t)
{
    free(t->en);
    free(t->ar);
}

static void
notes_free(struct course_note *notes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(notes[i].code);
        text_release(&notes[i].text);
    }
    free(notes);
}

/* Frees what a protocol owns without freeing the struct. */
static void
protocol_release(struct course_protocol *p)
{
    free(p->code);
    free(p->file);
    text_release(&p->label);
    free(p->screening_treatment);
    for (size_t i = 0; i < p->nfollow_ups; i++) {
        free(p->follow_ups[i].code);
        text_release(&p->follow_ups[i].label);
        text_release(&p->follow_ups[i].expect);
    }
    free(p->follow_ups);
    notes_free(p->aftercare, p->naftercare);
    notes_free(p->side_effects, p->nside_effects);
    notes_free(p->pre_session, p->npre_session);
    for (size_t i = 0; i < p->outcomes.nexpected; i++) {
        free(p->outcomes.expected[i].measure);
        text_release(&p->outcomes.expected[i].label);
    }
    free(p->outcomes.expected);
    free(p->outcomes.responder_measure);
    for (size_t i = 0; i < p->outcomes.nnotes; i++)
        text_release(&p->outcomes.notes[i]);
    free(p->outcomes.notes);
    json_decref(p->document);
    free(p->text);
    memset(p, 0, sizeof(*p));
}

void
course_protocol_free(struct course_protocol *p)
{
    if (!p)
        return;
    protocol_release(p);
    free(p);
}

void
course_protocols_free(struct course_protocols *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ntreatments; i++) {
        free(p->treatments[i].code);
        text_release(&p->treatments[i].label);
        text_release(&p->treatments[i].summary);
    }
    free(p->treatments);
    for (size_t i = 0; i < p->nprotocols; i++)
        protocol_release(&p->protocols[i]);
    free(p->protocols);
    free(p);
}

/* ---- the catalogue ---- */

/* A protocol file name: a plain name of protocols/ ending in .json, not another data file. */
static bool
file_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > FILE_NAME_MAX || strcmp(s + n - 5, ".json") != 0)
        return false;
    for (size_t i = 0; i + 5 < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return protofile_name_index(reserved_files, s) < 0;
}

/* Loads the protocol file `name` of `dir` into slot `p`. */
static int
load_protocol(const char *dir, const char *name, struct course_protocol *p, struct fail *f)
{
    char path[4096];
    char *data = NULL;
    size_t n = 0;
    struct course_protocol *parsed = NULL;

    int len = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= sizeof(path))
        return fail_set(f, ST_INVALID, "protocols", "too_long",
                        "the protocols directory path is too long");
    int st = protofile_read(path, &data, &n, f);
    if (st == ST_OK)
        st = course_protocol_parse(path, data, n, &parsed, f);
    free(data);
    if (st != ST_OK)
        return st;
    /* A file of protocols/ is current: only documents kept with older courses lack the section. */
    if (!parsed->outcomes.present) {
        struct protofile_reader c = {.file = path, .f = f};
        st = protofile_bad(&c, "outcomes", "required",
                           "is required: what the literature expects, or empty lists and null");
        course_protocol_free(parsed);
        return st;
    }
    *p = *parsed;
    free(parsed);
    p->file = strdup(name);
    if (p->file)
        return ST_OK;
    protocol_release(p);
    return fail_set(f, ST_NOMEM, "", "no_memory", "%s: out of memory", path);
}

static int
parse_entry(struct protofile_reader *c, const char *dir, struct course_protocols *cp, size_t i,
            json_t *o)
{
    static const char *const fields[] = {"code", "label", "summary", "protocol", "sources", NULL};
    struct course_treatment *t = &cp->treatments[i];
    json_t *file;
    int st;

    where_entry(c, "treatments", i, o, "code");
    if (!json_is_object(o))
        return protofile_bad(c, "code", "invalid_type", "must be in an object");
    cp->ntreatments = i + 1;
    if ((st = protofile_only(c, o, "", fields)) != ST_OK ||
        (st = get_code(c, o, "", "code", &t->code)) != ST_OK)
        return st;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(cp->treatments[j].code, t->code))
            return protofile_bad(c, "code", "duplicate", "repeats the code of treatments[%zu]", j);
    if ((st = get_text(c, o, "", "label", LABEL_MAX_CHARS, &t->label)) != ST_OK ||
        (st = get_text(c, o, "", "summary", TEXT_MAX_CHARS, &t->summary)) != ST_OK)
        return st;
    file = json_object_get(o, "protocol");
    if (!file)
        return protofile_bad(c, "protocol", "required",
                             "is required: a protocol file name, or null when there is none");
    if (!json_is_null(file)) {
        if ((st = protofile_string_value(c, file, "protocol", FILE_NAME_MAX, NULL)) != ST_OK)
            return st;
        const char *name = json_string_value(file);
        if (!file_name_ok(name))
            return protofile_bad(
                c, "protocol", "invalid_value",
                "must be a file name of protocols/ such as prp-hair.json (a-z, 0-9, '_', "
                "'-'), not another data file");
        for (size_t j = 0; j < cp->nprotocols; j++)
            if (!strcmp(cp->protocols[j].file, name))
                return protofile_bad(c, "protocol", "duplicate",
                                     "names '%s', which another entry names", name);
        struct course_protocol *p = &cp->protocols[cp->nprotocols];
        st = load_protocol(dir, name, p, c->f);
        /* The file's own mistakes name the file; one that is not there is the entry's. */
        if (st == ST_IO)
            return protofile_fail(c->f, ST_IO, c->file, c->where, "protocol", "unreadable",
                                  "names %s, which cannot be read in the protocols directory",
                                  name);
        if (st != ST_OK)
            return st;
        cp->nprotocols++;
        for (size_t j = 0; j + 1 < cp->nprotocols; j++)
            if (!strcmp(cp->protocols[j].code, p->code))
                return protofile_bad(c, "protocol", "duplicate",
                                     "names %s, whose code '%s' is already the code of %s", name,
                                     p->code, cp->protocols[j].file);
    }
    /* The entry's own sources are checked last: check_sources points the context at them. */
    return check_sources(c, o);
}

static int
check_currencies(const struct course_protocols *cp, struct fail *f)
{
    for (size_t i = 1; i < cp->nprotocols; i++)
        if (strcmp(cp->protocols[i].currency, cp->protocols[0].currency) != 0)
            return protofile_fail(
                f, ST_INVALID, cp->protocols[i].file, "pricing", "currency", "currency_mismatch",
                "is '%s', but %s prices in '%s': a clinic has one currency",
                cp->protocols[i].currency, cp->protocols[0].file, cp->protocols[0].currency);
    return ST_OK;
}

static int
parse_catalog(struct protofile_reader *c, const char *dir, json_t *root,
              struct course_protocols *cp)
{
    static const char *const fields[] = {"schema_version", "treatments", NULL};
    json_t *v, *arr, *o;
    size_t i;
    int st;

    if ((st = protofile_only(c, root, "", fields)) != ST_OK ||
        (st = protofile_need(c, root, "", "schema_version", &v)) != ST_OK)
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != COURSE_SCHEMA_VERSION)
        return protofile_bad(c, "schema_version", "unsupported_version",
                             "must be %d (the schema version this build reads)",
                             COURSE_SCHEMA_VERSION);
    if ((st = need_list(c, root, "treatments", 1, COURSE_MAX_TREATMENTS, &arr)) != ST_OK)
        return st;
    cp->treatments = calloc(json_array_size(arr), sizeof(*cp->treatments));
    cp->protocols = calloc(json_array_size(arr), sizeof(*cp->protocols));
    if (!cp->treatments || !cp->protocols)
        return nomem(c);
    json_array_foreach(arr, i, o)
    {
        if ((st = parse_entry(c, dir, cp, i, o)) != ST_OK)
            return st;
    }
    /* The entries point at their protocols only now: the array no longer grows. */
    size_t k = 0;
    json_array_foreach(arr, i, o)
    {
        if (!json_is_null(json_object_get(o, "protocol")))
            cp->treatments[i].protocol = &cp->protocols[k++];
    }
    return check_currencies(cp, c->f);
}

int
course_protocols_load(const char *dir, struct course_protocols **out, struct fail *f)
{
    char path[4096];
    json_t *root = NULL;
    struct course_protocols *cp = NULL;
    int st;

    *out = NULL;
    int len = snprintf(path, sizeof(path), "%s/%s", dir, COURSE_CATALOG_FILE);
    if (len < 0 || (size_t)len >= sizeof(path))
        return fail_set(f, ST_INVALID, "protocols", "too_long",
                        "the protocols directory path is too long");
    struct protofile_reader c = {.file = path, .f = f};
    if ((st = protofile_load(path, &root, f)) != ST_OK)
        goto out;
    cp = calloc(1, sizeof(*cp));
    if (!cp) {
        st = nomem(&c);
        goto out;
    }
    if ((st = parse_catalog(&c, dir, root, cp)) != ST_OK)
        goto out;
    *out = cp;
    cp = NULL;
out:
    json_decref(root);
    course_protocols_free(cp);
    return st;
}

const struct course_protocol *
course_protocols_find(const struct course_protocols *p, const char *code)
{
    if (!p || !code)
        return NULL;
    for (size_t i = 0; i < p->nprotocols; i++)
        if (strcmp(p->protocols[i].code, code) == 0)
            return &p->protocols[i];
    return NULL;
}

const struct course_follow_up *
course_protocol_follow_up(const struct course_protocol *p, const char *code)
{
    if (!p || !code)
        return NULL;
    for (size_t i = 0; i < p->nfollow_ups; i++)
        if (strcmp(p->follow_ups[i].code, code) == 0)
            return &p->follow_ups[i];
    return NULL;
}

int
course_protocols_check_currency(const struct course_protocols *p, const char *currency,
                                struct fail *f)
{
    for (size_t i = 0; i < p->nprotocols; i++)
        if (strcmp(p->protocols[i].currency, currency) != 0)
            return protofile_fail(f, ST_INVALID, p->protocols[i].file, "pricing", "currency",
                                  "currency_mismatch", "is '%s', but the clinic's currency is '%s'",
                                  p->protocols[i].currency, currency);
    return ST_OK;
}

const struct course_expected *
course_protocol_expected(const struct course_protocol *p, const char *measure)
{
    if (!p || !measure)
        return NULL;
    for (size_t i = 0; i < p->outcomes.nexpected; i++)
        if (strcmp(p->outcomes.expected[i].measure, measure) == 0)
            return &p->outcomes.expected[i];
    return NULL;
}

/* One measure named at `where`/`field` of protocol `p`: known and numeric. */
static int
check_measure(const struct course_protocol *p, course_measure_type_fn type_of, const void *ctx,
              const char *measure, const char *where, const char *field, struct fail *f)
{
    const char *type = type_of(ctx, measure);
    const char *file = p->file ? p->file : p->code;

    if (!type)
        return protofile_fail(f, ST_INVALID, file, where, field, "unknown_measure",
                              "names '%s', which is not a measure of measures.json", measure);
    if (strcmp(type, "number") != 0 && strcmp(type, "integer") != 0)
        return protofile_fail(f, ST_INVALID, file, where, field, "invalid_value",
                              "names '%s', a coded measure: a range needs numbers", measure);
    return ST_OK;
}

int
course_protocols_check_measures(const struct course_protocols *p, course_measure_type_fn type_of,
                                const void *ctx, struct fail *f)
{
    char where[96];
    int st;

    for (size_t i = 0; i < p->nprotocols; i++) {
        const struct course_protocol *cp = &p->protocols[i];
        for (size_t j = 0; j < cp->outcomes.nexpected; j++) {
            snprintf(where, sizeof(where), "outcomes.expected[%zu] (%.31s)", j,
                     cp->outcomes.expected[j].measure);
            if ((st = check_measure(cp, type_of, ctx, cp->outcomes.expected[j].measure, where,
                                    "measure", f)) != ST_OK)
                return st;
        }
        if (cp->outcomes.has_responder &&
            (st = check_measure(cp, type_of, ctx, cp->outcomes.responder_measure,
                                "outcomes.responder", "measure", f)) != ST_OK)
            return st;
    }
    return ST_OK;
}

const char *
course_anchor_name(enum course_anchor a)
{
    return (unsigned)a < 2u ? anchor_names[a] : "unknown";
}
