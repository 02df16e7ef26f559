/* Reading the fields of a nested clinical document (an assessment, a medical history) strictly,
 * with every failure naming the field by its path: "hair.norwood", "medications[2].dose".
 *
 * Each reader looks up obj[key] (an absent member and JSON null are the same), checks it, and
 * stores in *out a new reference to the normalised value, or to JSON null when there is none;
 * on failure *out is NULL and `f` names the path `prefix.key` ("" as prefix: `key` alone) with
 * the codes of core/jsonin.h and those listed below. The caller json_decref()s *out. */
#ifndef AUTOLOGA_CLINIC_DOCIN_H
#define AUTOLOGA_CLINIC_DOCIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* The longest path a failure can name (the size of struct fail's field). */
#define DOCIN_PATH_MAX 64

/* Writes the path of obj[key] below `prefix` (which must not be `out`); a path that does not
 * fit is cut on a whole UTF-8 character (it still names the document's section). */
void docin_path(char out[DOCIN_PATH_MAX], const char *prefix, const char *key);
/* The path of the i-th item of the list at `prefix` ("medications[2]"). */
void docin_item_path(char out[DOCIN_PATH_MAX], const char *prefix, size_t i);

/* "unknown_field" naming prefix.key for the first member of `obj` not in `allowed` (NULL
 * terminated); "invalid_type" naming `prefix` when obj is not an object. */
int docin_only_fields(json_t *obj, const char *prefix, const char *const *allowed,
                      struct fail *f) WARN_UNUSED;

/* obj[key] as an object (borrowed, NULL when absent or null): "invalid_type", "required". */
int docin_object(json_t *obj, const char *prefix, const char *key, bool required, json_t **out,
                 struct fail *f) WARN_UNUSED;
/* obj[key] as an array of at most max_items (borrowed, NULL when absent or null):
 * "invalid_type", "too_many". */
int docin_array(json_t *obj, const char *prefix, const char *key, size_t max_items, json_t **out,
                struct fail *f) WARN_UNUSED;

/* Text trimmed of surrounding spaces (empty is none), at most max_chars code points. */
int docin_text(json_t *obj, const char *prefix, const char *key, size_t max_chars, bool required,
               json_t **out, struct fail *f) WARN_UNUSED;
/* One of `choices` (NULL terminated), exactly as written: "invalid_value". */
int docin_choice(json_t *obj, const char *prefix, const char *key, const char *const *choices,
                 bool required, json_t **out, struct fail *f) WARN_UNUSED;
/* A list of `choices` without repeats, kept in the order given; an empty list is none (null).
 * "invalid_type", "invalid_value", "duplicate" (all naming the list). */
int docin_choice_set(json_t *obj, const char *prefix, const char *key, const char *const *choices,
                     json_t **out, struct fail *f) WARN_UNUSED;
/* A JSON integer within [min, max]: "invalid_type", "out_of_range". */
int docin_int(json_t *obj, const char *prefix, const char *key, int64_t min, int64_t max,
              bool required, json_t **out, struct fail *f) WARN_UNUSED;
/* A JSON number within [min, max], stored as docin_number_value gives it. */
int docin_number(json_t *obj, const char *prefix, const char *key, double min, double max,
                 bool required, json_t **out, struct fail *f) WARN_UNUSED;
int docin_bool(json_t *obj, const char *prefix, const char *key, bool required, json_t **out,
               struct fail *f) WARN_UNUSED;

/* A calendar date "YYYY-MM-DD", from 1900-01-01, not in the future: "invalid_date",
 * "future_date". The server does not know the clinic's time zone, so "the future" starts after
 * today's date anywhere on Earth (UTC+14 at `now_ms`). */
int docin_date(json_t *obj, const char *prefix, const char *key, bool required, int64_t now_ms,
               json_t **out, struct fail *f) WARN_UNUSED;
/* A UTC time ("2026-11-29T03:00:00.000Z", or a bare date for midnight UTC) from 1900, not after
 * `now_ms` (a minute of clock difference allowed): "invalid_date", "future_date". Stored as
 * time_format_ms writes it; *ms (may be NULL) receives it in epoch ms (0 when none). */
int docin_time(json_t *obj, const char *prefix, const char *key, bool required, int64_t now_ms,
               json_t **out, int64_t *ms, struct fail *f) WARN_UNUSED;

/* A number as documents store it: a JSON integer when it is whole (so 172 and 172.0 are the same
 * value), a real otherwise. NULL when out of memory or not finite. */
json_t *docin_number_value(double v);

/* Epoch ms of midnight UTC at the start of a valid "YYYY-MM-DD". */
int64_t docin_date_ms(const char *date);

#endif
