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

#endif
