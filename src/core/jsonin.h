/* Reading JSON request bodies strictly: size-capped, valid UTF-8, an object, no unknown
 * fields, each field of the expected type and length. Every failure names the field. */
#ifndef AUTOLOGA_CORE_JSONIN_H
#define AUTOLOGA_CORE_JSONIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"

/* Parses body[0..n) into a JSON object (the caller json_decref()s *out).
 * Fails with ST_INVALID and code "invalid_utf8" / "invalid_json" / "not_object". */
int jsonin_parse_object(const char *body, size_t n, json_t **out, struct fail *f) WARN_UNUSED;

/* ST_INVALID with code "unknown_field" naming the first key of `obj` not in the
 * NULL-terminated `allowed` list. */
int jsonin_only_fields(json_t *obj, const char *const *allowed, struct fail *f) WARN_UNUSED;

/* Reads an optional string field. A missing field or JSON null leaves *out NULL and succeeds
 * unless `required`. Strings are trimmed of surrounding ASCII space; an empty result counts
 * as missing. The result is a copy the caller frees. Codes: "required", "invalid_type",
 * "too_long" (more than max_chars code points), "invalid_utf8" (an escaped control character
 * other than tab, LF or CR). */
int jsonin_string(json_t *obj, const char *key, size_t max_chars, bool required, char **out,
                  struct fail *f) WARN_UNUSED;

/* Reads an integer field (JSON integer only). Codes: "required", "invalid_type", "out_of_range". */
int jsonin_int(json_t *obj, const char *key, int64_t min, int64_t max, bool required, bool *present,
               int64_t *out, struct fail *f) WARN_UNUSED;

/* Reads a boolean field. Codes: "required", "invalid_type". */
int jsonin_bool(json_t *obj, const char *key, bool required, bool *present, bool *out,
                struct fail *f) WARN_UNUSED;

/* Reads a string field that must be one of the NULL-terminated `choices`; *out points into
 * `choices` (not a copy). Codes: "required", "invalid_type", "invalid_value". */
int jsonin_choice(json_t *obj, const char *key, const char *const *choices, bool required,
                  const char **out, struct fail *f) WARN_UNUSED;

#endif
