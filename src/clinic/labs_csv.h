/* Reading a laboratory's CSV export into a preview: for every row either a result ready to be
 * stored or the errors that name the row, the column and the problem. Nothing is saved here.
 *
 * The file: RFC 4180 (fields separated by commas, quoted with double quotes, a quote inside a
 * quoted field doubled; lines end in CRLF or LF), UTF-8 with or without a byte order mark, a
 * header row first. Header names are compared without case, with spaces and hyphens read as
 * underscores: date, analyte, value and unit are required; reference_low, reference_high and mrn
 * are optional; other columns are ignored. Rows are numbered as a spreadsheet shows them: the
 * header is row 1. Empty rows (every field empty) are skipped.
 *
 * Caps: LABS_CSV_MAX_BYTES, LABS_CSV_MAX_ROWS rows after the header, LABS_CSV_MAX_COLUMNS
 * columns, LABS_CSV_MAX_FIELD bytes per field. */
#ifndef AUTOLOGA_CLINIC_LABS_CSV_H
#define AUTOLOGA_CLINIC_LABS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "clinic/labs.h"
#include "core/csv.h"
#include "core/status.h"

#define LABS_CSV_MAX_BYTES (5u << 20)
#define LABS_CSV_MAX_ROWS 10000
#define LABS_CSV_MAX_COLUMNS CSV_MAX_COLUMNS
#define LABS_CSV_MAX_FIELD CSV_MAX_FIELD

enum labs_csv_column {
    LABS_CSV_DATE,
    LABS_CSV_ANALYTE,
    LABS_CSV_VALUE,
    LABS_CSV_UNIT,
    LABS_CSV_REFERENCE_LOW,
    LABS_CSV_REFERENCE_HIGH,
    LABS_CSV_MRN,
    LABS_CSV_NCOLUMNS
};

/* The header name of a column ("reference_low"); NULL out of range. */
const char *labs_csv_column_name(enum labs_csv_column c);

struct labs_csv_row {
    size_t row;                    /* in the file; the header is row 1 */
    char *text[LABS_CSV_NCOLUMNS]; /* each known column as given, trimmed of spaces; NULL
                                      when the file has no such column or the field is
                                      over the cap */
    bool ok;                       /* no errors: every field below is set */
    /* Each set as soon as its own column is valid, even in a row with errors: */
    const struct labs_analyte *analyte; /* borrowed from the labs table */
    const struct labs_unit *unit;       /* one of analyte's units */
    double value;                       /* in `unit` */
    double canonical;                   /* in analyte->canonical */
    int64_t time_ms;                    /* UTC */
    bool date_only;                     /* given as YYYY-MM-DD: time_ms is 00:00 UTC that day */
    bool has_low, has_high;
    double reference_low, reference_high; /* in `unit`, as the lab reported them */
    /* The problems, in column order: `field` is the column name ("" for the row as a whole),
     * `code` one of "required", "invalid_date", "invalid_number", "unknown_analyte",
     * "unknown_unit", "invalid_range", "invalid_mrn", "too_long", "field_count", and `message`
     * reads "row 7, column 'unit': 'mmHg' is not a unit of Haemoglobin (...)". */
    struct fail *errors;
    size_t nerrors;
};

struct labs_csv_preview {
    struct labs_csv_row *rows; /* data rows in file order, empty rows left out */
    size_t nrows;
    size_t nok;
    size_t nfailed;
};

/* Parses data[0..n) against the analytes of `table` into *out (zeroed on entry; the caller
 * releases it with labs_csv_release; after a failure it holds nothing). A date-time without a zone
 * is local time `tz_offset_min` minutes east of UTC (-840..840). Failures of the whole file:
 * ST_TOO_BIG ("too_big": over a cap of bytes, rows or columns) and ST_INVALID ("invalid_utf8",
 * "empty", "missing_column", "duplicate_column", "invalid_csv" for broken quoting, "too_long"
 * for a header name over the field cap, "invalid_value" for the time zone), each naming the
 * row and the column where there is one. Problems of a row are the row's errors, not a
 * failure. */
int labs_csv_parse(const struct labs *table, const char *data, size_t n, int tz_offset_min,
                   struct labs_csv_preview *out, struct fail *f) WARN_UNUSED;

/* Frees the rows; the preview may be reused after. Accepts NULL. */
void labs_csv_release(struct labs_csv_preview *p);

#endif
