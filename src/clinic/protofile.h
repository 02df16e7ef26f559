/* Reading the clinical data files of protocols/: size-capped, valid UTF-8, one JSON object
 * without duplicate keys. Every failure names the file, for the person who edits it. */
#ifndef AUTOLOGA_CLINIC_PROTOFILE_H
#define AUTOLOGA_CLINIC_PROTOFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/status.h"

/* Files above this size are refused: the data files are a few hundred KiB at most. */
#define PROTOFILE_MAX_BYTES (4u << 20)

/* Parses text[0..n) as the contents of the file `name` into a JSON object (the caller
 * json_decref()s *out). Codes: "too_big", "invalid_utf8", "invalid_json", "not_object";
 * the message starts with `name`. */
int protofile_parse(const char *text, size_t n, const char *name, json_t **out,
                    struct fail *f) WARN_UNUSED;

/* Reads the whole file at `path` (at most PROTOFILE_MAX_BYTES + 1 bytes, so that a larger file
 * is seen as too big when parsed) into *data, the caller's to free(). ST_IO ("unreadable"). */
int protofile_read(const char *path, char **data, size_t *n, struct fail *f) WARN_UNUSED;

/* Reads the file at `path` and parses it as protofile_parse does. A file that cannot be read
 * gives ST_IO with code "unreadable". */
int protofile_load(const char *path, json_t **out, struct fail *f) WARN_UNUSED;

/* Builds a module's structure from a parsed file: `out` is the module's result pointer (for
 * example a struct drugs **), `name` the file for messages. */
typedef int (*protofile_build_fn)(json_t *root, const char *name, void *out, struct fail *f);

/* protofile_parse or protofile_load, then `build`: the one way every module reads its file. */
int protofile_parse_into(const char *text, size_t n, const char *name, protofile_build_fn build,
                         void *out, struct fail *f) WARN_UNUSED;
int protofile_load_into(const char *path, protofile_build_fn build, void *out,
                        struct fail *f) WARN_UNUSED;

/* True when `obj` (an object) has only keys from the NULL-terminated `allowed`; otherwise
 * stores the first other key in *unknown. */
bool protofile_only_fields(json_t *obj, const char *const *allowed, const char **unknown);

/* Fills `f` for a mistake in a data file and returns `st`: the message reads
 * "<file>: <where>: field '<field>' <problem>" (without "<where>: " when `where` is empty), so
 * that the person who edits the file finds the entry and the field. */
int protofile_fail(struct fail *f, int st, const char *file, const char *where, const char *field,
                   const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Reading one file's fields: the file and the entry being read (for messages), where failures
 * go, and the file's checked sources for entries that cite them (NULL when none). Fields are
 * named by their path inside the entry ("pricing.currency", "label.ar"). */
struct protofile_reader {
    const char *file;
    char where[128]; /* "rule PRP-REL-3", "follow_ups[1] (assessment_6m)"; "" at the top */
    struct fail *f;
    json_t *sources;
};

/* protofile_fail with ST_INVALID for the reader's file and entry. */
int protofile_bad(struct protofile_reader *r, const char *field, const char *code, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
/* "prefix.key", or "key" when prefix is empty, into out (cap bytes). */
void protofile_path(char *out, size_t cap, const char *prefix, const char *key);
/* The index of s in the NULL-terminated names, or -1. */
int protofile_name_index(const char *const *names, const char *s);
/* "unknown_field" for the first key of obj not in `allowed`. */
int protofile_only(struct protofile_reader *r, json_t *obj, const char *prefix,
                   const char *const *allowed) WARN_UNUSED;
/* obj[key] present and not null in *v, or "required". */
int protofile_need(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
                   json_t **v) WARN_UNUSED;
/* A string value at `path`: not blank, valid UTF-8 without control characters, at most
 * max_chars characters; *out (when out is not NULL) a copy the caller frees. */
int protofile_string_value(struct protofile_reader *r, json_t *v, const char *path,
                           size_t max_chars, char **out) WARN_UNUSED;
/* protofile_need, then protofile_string_value. */
int protofile_string(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
                     size_t max_chars, char **out) WARN_UNUSED;
/* A text in both languages, {"en","ar"}, each as protofile_string; *en and *ar are copies the
 * caller frees (also the first one when the second fails). */
int protofile_text(struct protofile_reader *r, json_t *obj, const char *prefix, const char *key,
                   size_t max_chars, char **en, char **ar) WARN_UNUSED;

#endif
