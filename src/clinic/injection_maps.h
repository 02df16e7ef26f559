/* The injection maps of protocols/injection-maps.json: the zones of the scalp and the face that
 * an injection record names, with their labels, estimated areas and high-risk flags. */
#ifndef AUTOLOGA_CLINIC_INJECTION_MAPS_H
#define AUTOLOGA_CLINIC_INJECTION_MAPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define INJECTION_MAPS_FILE "injection-maps.json"
#define INJECTION_MAPS_SCHEMA_VERSION 1

/* The zone codes are fixed: the web UI's drawings have one clickable shape per zone, so the
 * file must list exactly these (in any order, which is the order the forms show). */
#define INJECTION_MAPS_NSCALP 8
#define INJECTION_MAPS_NFACE 12

struct injection_zone {
    char *code;
    char *label_en, *label_ar;
    double area_cm2; /* the clinic's estimate for an adult; a record may give a measured area */
    bool high_risk;
    char *rule; /* the screening rule a high-risk zone cites ("PRP-FACE-1"); NULL otherwise */
};

struct injection_map {
    char *code; /* "scalp" or "face" */
    char *label_en, *label_ar;
    struct injection_zone *zones;
    size_t nzones;
};

struct injection_maps {
    struct injection_map *maps; /* both maps, in file order */
    size_t nmaps;
};

/* Reads and checks the file at `path` (or text[0..n) standing for the file `name`): schema
 * version 1, both maps, exactly their zones, each with labels in both languages, an area above 0
 * and at most 2000 cm², and a rule for every high-risk zone; the "basis" of the areas must say
 * they are the clinic's setting. On failure *out is NULL and `f` names the file, the entry and
 * the field. The caller frees *out with injection_maps_free. */
int injection_maps_load(const char *path, struct injection_maps **out, struct fail *f) WARN_UNUSED;
int injection_maps_parse(const char *text, size_t n, const char *name, struct injection_maps **out,
                         struct fail *f) WARN_UNUSED;
/* Accepts NULL. */
void injection_maps_free(struct injection_maps *m);

/* The map or zone with this code, or NULL (borrowed). */
const struct injection_map *injection_maps_find(const struct injection_maps *m, const char *code);
const struct injection_zone *injection_map_zone(const struct injection_map *map, const char *code);

/* The catalogue's "injection_maps": [{"code","label":{"en","ar"},"zones":[{"code","label",
 * "area_cm2","high_risk"}]}] (the caller json_decref()s; NULL when out of memory). */
json_t *injection_maps_json(const struct injection_maps *m);

#endif
