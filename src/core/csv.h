/* An RFC 4180 reader with hard caps, shared by the CSV imports (laboratory results, trichoscopy
 * exports): fields separated by a delimiter (a comma or, as spreadsheets of comma-decimal
 * locales write, a semicolon), quoted with double quotes, a quote inside a quoted field doubled;
 * lines end in CRLF, LF or a lone CR. The caller checks what the fields mean. */
#ifndef AUTOLOGA_CORE_CSV_H
#define AUTOLOGA_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

/* Fields beyond this many in a record are counted, not kept. */
#define CSV_MAX_COLUMNS 64
/* Bytes of one field; longer ones are kept cut and marked too long. */
#define CSV_MAX_FIELD 1000

struct csv_reader;

/* Checks the whole file before reading: at most max_bytes (ST_TOO_BIG "too_big"), a UTF-8 byte
 * order mark dropped (*data and *n move past it), valid UTF-8 (ST_INVALID "invalid_utf8"). */
int csv_check_text(const char **data, size_t *n, size_t max_bytes, struct fail *f) WARN_UNUSED;

/* The delimiter of a file, taken from its first line: ';' when it holds more semicolons than
 * commas outside quotes, else ','. */
char csv_sniff_delimiter(const char *data, size_t n);

/* A reader of data[0..n) (borrowed for the reader's life); NULL when out of memory. */
struct csv_reader *csv_reader_new(const char *data, size_t n, char delimiter);
/* Accepts NULL. */
void csv_reader_free(struct csv_reader *r);

/* Reads the next record: 1 when there is one, 0 at the end of the data, ST_INVALID
 * "invalid_csv" for broken quoting (the message names the row and the field). */
int csv_next(struct csv_reader *r, struct fail *f) WARN_UNUSED;

/* The row of the record read last, as a spreadsheet numbers it (the first line is row 1). */
size_t csv_row(const struct csv_reader *r);
/* The number of fields of the record, also those past CSV_MAX_COLUMNS. */
size_t csv_nfields(const struct csv_reader *r);
/* How many of them are kept (at most CSV_MAX_COLUMNS). */
size_t csv_kept(const struct csv_reader *r);
/* Field i (< csv_kept) trimmed of ASCII spaces, not NUL-terminated at *len but NUL-terminated
 * after its untrimmed end; borrowed until the next csv_next. */
const char *csv_field(const struct csv_reader *r, size_t i, size_t *len);
/* Whether field i was longer than CSV_MAX_FIELD bytes (its text is then cut). */
bool csv_field_too_long(const struct csv_reader *r, size_t i);
/* Whether every field of the record is empty (and none was cut or dropped). */
bool csv_empty_record(const struct csv_reader *r);

/* A header name as a key: ASCII letters lower-cased, spaces and hyphens read as underscores, so
 * that "Reference Low", "reference-low" and "REFERENCE_LOW" are the same. False when it does not
 * fit in out[cap] (a name longer than any known one: a column to ignore). */
bool csv_header_key(const char *s, size_t len, char *out, size_t cap);

#endif
