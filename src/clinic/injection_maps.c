/* Loading protocols/injection-maps.json strictly: a clinic edits labels, areas and high-risk
 * flags, and a mistake fails at start-up naming the file, the zone and the field. */
#include "clinic/injection_maps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/docin.h"
#include "clinic/protofile.h"

#define LABEL_MAX_CHARS 100
#define NOTE_MAX_CHARS 500
#define RULE_MAX_CHARS 64
/* A whole adult scalp is about 600-800 cm² and a face with the neck under 1000 cm²: a larger
 * zone is a typing mistake. */
#define AREA_MAX_CM2 2000.0
#define CLINIC_SETTING "clinic setting"

struct map_spec {
    const char *code;
    const char *const *zones;
    size_t nzones;
};

static const char *const scalp_zones[INJECTION_MAPS_NSCALP] = {
    "frontal",        "mid_scalp",     "crown",          "temporal_left",
    "temporal_right", "parietal_left", "parietal_right", "occipital",
};
static const char *const face_zones[INJECTION_MAPS_NFACE] = {
    "forehead",   "glabella",    "periorbital_left", "periorbital_right",
    "cheek_left", "cheek_right", "nasolabial_left",  "nasolabial_right",
    "perioral",   "lips",        "jawline",          "neck",
};
static const struct map_spec specs[] = {
    {"scalp", scalp_zones, INJECTION_MAPS_NSCALP},
    {"face", face_zones, INJECTION_MAPS_NFACE},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static int
read_zone(struct protofile_reader *r, json_t *z, const struct map_spec *spec, size_t i,
          struct injection_map *map, struct injection_zone *out)
{
    static const char *const fields[] = {"code", "label", "area_cm2", "high_risk", "rule", NULL};
    json_t *v;
    int st;

    snprintf(r->where, sizeof(r->where), "map %s zones[%zu]", map->code, i);
    if (!json_is_object(z))
        return protofile_bad(r, "code", "invalid_type", "must be in an object");
    if ((st = protofile_only(r, z, "", fields)) != ST_OK ||
        (st = protofile_string(r, z, "", "code", 64, &out->code)) != ST_OK)
        return st;
    snprintf(r->where, sizeof(r->where), "map %s zones[%zu] (%.40s)", map->code, i, out->code);
    size_t k;
    for (k = 0; k < spec->nzones && strcmp(spec->zones[k], out->code) != 0; k++)
        ;
    if (k == spec->nzones)
        return protofile_bad(r, "code", "unknown_zone",
                             "'%s' is not a zone of the %s map (the drawings have no such zone)",
                             out->code, map->code);
    for (size_t j = 0; j < i; j++)
        if (strcmp(map->zones[j].code, out->code) == 0)
            return protofile_bad(r, "code", "duplicate", "repeats the zone of zones[%zu]", j);
    if ((st = protofile_text(r, z, "", "label", LABEL_MAX_CHARS, &out->label_en, &out->label_ar)) !=
            ST_OK ||
        (st = protofile_need(r, z, "", "area_cm2", &v)) != ST_OK)
        return st;
    if (!json_is_number(v))
        return protofile_bad(r, "area_cm2", "invalid_type", "must be a number");
    out->area_cm2 = json_number_value(v);
    if (!(out->area_cm2 > 0 && out->area_cm2 <= AREA_MAX_CM2))
        return protofile_bad(r, "area_cm2", "invalid_value", "must be above 0 and at most %g",
                             AREA_MAX_CM2);
    v = json_object_get(z, "high_risk");
    if (v && !json_is_null(v) && !json_is_boolean(v))
        return protofile_bad(r, "high_risk", "invalid_type", "must be true or false");
    out->high_risk = json_is_true(v);
    v = json_object_get(z, "rule");
    if (out->high_risk)
        return protofile_string(r, z, "", "rule", RULE_MAX_CHARS, &out->rule);
    if (v && !json_is_null(v))
        return protofile_bad(r, "rule", "invalid_value",
                             "belongs only to a high-risk zone (\"high_risk\": true)");
    return ST_OK;
}

static int
read_map(struct protofile_reader *r, json_t *m, size_t i, struct injection_maps *maps)
{
    static const char *const fields[] = {"code", "label", "zones", NULL};
    struct injection_map *map = &maps->maps[i];
    const struct map_spec *spec = NULL;
    json_t *zones, *z;
    size_t k;
    int st;

    snprintf(r->where, sizeof(r->where), "maps[%zu]", i);
    if (!json_is_object(m))
        return protofile_bad(r, "code", "invalid_type", "must be in an object");
    if ((st = protofile_only(r, m, "", fields)) != ST_OK ||
        (st = protofile_string(r, m, "", "code", 64, &map->code)) != ST_OK)
        return st;
    for (k = 0; k < NSPECS; k++)
        if (strcmp(specs[k].code, map->code) == 0)
            spec = &specs[k];
    if (!spec)
        return protofile_bad(r, "code", "invalid_value", "must be \"scalp\" or \"face\"");
    for (k = 0; k < i; k++)
        if (strcmp(maps->maps[k].code, map->code) == 0)
            return protofile_bad(r, "code", "duplicate", "repeats the map of maps[%zu]", k);
    snprintf(r->where, sizeof(r->where), "map %s", map->code);
    if ((st = protofile_text(r, m, "", "label", LABEL_MAX_CHARS, &map->label_en, &map->label_ar)) !=
            ST_OK ||
        (st = protofile_need(r, m, "", "zones", &zones)) != ST_OK)
        return st;
    if (!json_is_array(zones) || json_array_size(zones) != spec->nzones)
        return protofile_bad(r, "zones", "invalid_type",
                             "must be a list of the %zu zones of the %s map", spec->nzones,
                             spec->code);
    map->zones = calloc(spec->nzones, sizeof(*map->zones));
    if (!map->zones)
        return ST_NOMEM;
    json_array_foreach(zones, k, z)
    {
        map->nzones = k + 1; /* counted first, so that a half-read zone is freed too */
        if ((st = read_zone(r, z, spec, k, map, &map->zones[k])) != ST_OK)
            return st;
    }
    return ST_OK;
}

/* The areas are estimates the clinic chose, and the file must say so where it gives them. */
static int
read_basis(struct protofile_reader *r, json_t *root)
{
    static const char *const fields[] = {"area_cm2", NULL};
    json_t *b;
    char *note = NULL;
    int st;

    r->where[0] = '\0';
    if ((st = protofile_need(r, root, "", "basis", &b)) != ST_OK)
        return st;
    if (!json_is_object(b))
        return protofile_bad(r, "basis", "invalid_type", "must be an object");
    if ((st = protofile_only(r, b, "basis", fields)) != ST_OK ||
        (st = protofile_string(r, b, "basis", "area_cm2", NOTE_MAX_CHARS, &note)) != ST_OK)
        return st;
    if (strncmp(note, CLINIC_SETTING, strlen(CLINIC_SETTING)) != 0)
        st = protofile_bad(r, "basis.area_cm2", "invalid_value",
                           "must start with \"" CLINIC_SETTING "\": the areas are estimates");
    free(note);
    return st;
}

static int
build(json_t *root, const char *name, void *out, struct fail *f)
{
    static const char *const fields[] = {"schema_version", "description", "basis", "maps", NULL};
    struct protofile_reader r = {.file = name, .f = f};
    struct injection_maps *m = NULL;
    json_t *v, *maps;
    size_t i;
    int st;

    if ((st = protofile_only(&r, root, "", fields)) != ST_OK ||
        (st = protofile_need(&r, root, "", "schema_version", &v)) != ST_OK)
        return st;
    if (!json_is_integer(v) || json_integer_value(v) != INJECTION_MAPS_SCHEMA_VERSION)
        return protofile_bad(&r, "schema_version", "schema_version",
                             "must be 1, the version this program reads");
    v = json_object_get(root, "description");
    if (v && !json_is_string(v))
        return protofile_bad(&r, "description", "invalid_type", "must be a string");
    if ((st = read_basis(&r, root)) != ST_OK ||
        (st = protofile_need(&r, root, "", "maps", &maps)) != ST_OK)
        return st;
    if (!json_is_array(maps) || json_array_size(maps) != NSPECS)
        return protofile_bad(&r, "maps", "invalid_type",
                             "must be a list of the two maps, scalp and face");
    m = calloc(1, sizeof(*m));
    if (!m || !(m->maps = calloc(NSPECS, sizeof(*m->maps)))) {
        st = ST_NOMEM;
        goto out;
    }
    json_array_foreach(maps, i, v)
    {
        m->nmaps = i + 1;
        if ((st = read_map(&r, v, i, m)) != ST_OK)
            goto out;
    }
    *(struct injection_maps **)out = m;
    m = NULL;
out:
    injection_maps_free(m);
    return st;
}

int
injection_maps_parse(const char *text, size_t n, const char *name, struct injection_maps **out,
                     struct fail *f)
{
    *out = NULL;
    return protofile_parse_into(text, n, name, build, out, f);
}

int
injection_maps_load(const char *path, struct injection_maps **out, struct fail *f)
{
    *out = NULL;
    return protofile_load_into(path, build, out, f);
}

void
injection_maps_free(struct injection_maps *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nmaps; i++) {
        struct injection_map *map = &m->maps[i];
        for (size_t k = 0; k < map->nzones; k++) {
            struct injection_zone *z = &map->zones[k];
            free(z->code);
            free(z->label_en);
            free(z->label_ar);
            free(z->rule);
        }
        free(map->zones);
        free(map->code);
        free(map->label_en);
        free(map->label_ar);
    }
    free(m->maps);
    free(m);
}

const struct injection_map *
injection_maps_find(const struct injection_maps *m, const char *code)
{
    for (size_t i = 0; m && code && i < m->nmaps; i++)
        if (strcmp(m->maps[i].code, code) == 0)
            return &m->maps[i];
    return NULL;
}

const struct injection_zone *
injection_map_zone(const struct injection_map *map, const char *code)
{
    for (size_t i = 0; map && code && i < map->nzones; i++)
        if (strcmp(map->zones[i].code, code) == 0)
            return &map->zones[i];
    return NULL;
}

json_t *
injection_maps_json(const struct injection_maps *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < m->nmaps; i++) {
        const struct injection_map *map = &m->maps[i];
        json_t *zones = json_array();
        for (size_t k = 0; zones && k < map->nzones; k++) {
            const struct injection_zone *z = &map->zones[k];
            json_t *o = json_pack("{s:s, s:{s:s, s:s}, s:o, s:b}", "code", z->code, "label", "en",
                                  z->label_en, "ar", z->label_ar, "area_cm2",
                                  docin_number_value(z->area_cm2), "high_risk", z->high_risk);
            if (!o || json_array_append_new(zones, o) != 0) {
                json_decref(zones);
                zones = NULL;
            }
        }
        json_t *o = zones ? json_pack("{s:s, s:{s:s, s:s}, s:o}", "code", map->code, "label", "en",
                                      map->label_en, "ar", map->label_ar, "zones", zones)
                          : NULL;
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}
