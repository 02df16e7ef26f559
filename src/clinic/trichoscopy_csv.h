/* Reading a trichoscopy program's CSV export (TrichoScan-style: one line per examination of a
 * marked target area) into a preview: for every row its date, area and measures, or the errors
 * that name the row, the column and the problem. Nothing is saved here.
 *
 * The file: RFC 4180 (core/csv.h) with commas or semicolons between fields, taken from the
 * header line; with semicolons a decimal comma is read too ("142,5"). UTF-8 with or without a
 * byte order mark. Header names are compared without case, a unit in brackets or parentheses
 * dropped ("Density [1/cm²]" is density), other signs and spaces read as underscores. Columns:
 * date (required: YYYY-MM-DD or DD.MM.YYYY), mrn, area / area_cm2, and the measures hair_count
 * (count), hair_density (density), terminal_density, vellus_density, anagen_percent (anagen),
 * telogen_percent (telogen), shaft_diameter (diameter, mean_diameter), at least one of them.
 * Other columns are ignored and listed. Rows are numbered as a spreadsheet shows them (the
 * header is row 1); empty rows are skipped. Values with more decimals than the measure keeps
 * are rounded to it (the programs print more than they resolve). */
#ifndef AUTOLOGA_CLINIC_TRICHOSCOPY_CSV_H
#define AUTOLOGA_CLINIC_TRICHOSCOPY_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "clinic/measures.h"
#include "core/csv.h"
#include "core/status.h"

#define TRICHOSCOPY_CSV_MAX_BYTES (5u << 20)
#define TRICHOSCOPY_CSV_MAX_ROWS 5000
/* A phototrichogram's target area is about 0.5 to 1 cm²; beyond this it is a typing mistake. */
#define TRICHOSCOPY_AREA_MAX_CM2 100.0

enum trichoscopy_column {
    TRICHOSCOPY_DATE,
    TRICHOSCOPY_MRN,
    TRICHOSCOPY_AREA,
    /* the measures, named by their codes of measures.json: */
    TRICHOSCOPY_HAIR_COUNT,
    TRICHOSCOPY_HAIR_DENSITY,
    TRICHOSCOPY_TERMINAL_DENSITY,
    TRICHOSCOPY_VELLUS_DENSITY,
    TRICHOSCOPY_ANAGEN_PERCENT,
    TRICHOSCOPY_TELOGEN_PERCENT,
    TRICHOSCOPY_SHAFT_DIAMETER,
    TRICHOSCOPY_NCOLUMNS
};
#define TRICHOSCOPY_FIRST_MEASURE TRICHOSCOPY_HAIR_COUNT

/* The column's name ("date", "area_cm2", "hair_density"; for measures their code); NULL out of
 * range. */
const char *trichoscopy_column_name(enum trichoscopy_column c);

/* What the rows are checked against besides the file itself; every member may be NULL. */
struct trichoscopy_context {
    const char *mrn;           /* the patient's: a row naming another is "mrn_mismatch" */
    const char *today;         /* YYYY-MM-DD in the clinic: a later date is "future_date" */
    const char *date_of_birth; /* YYYY-MM-DD: an earlier date is "invalid_date" */
};

struct trichoscopy_row {
    size_t row; /* in the file; the header is row 1 */
    bool ok;    /* no errors */
    /* Each set as soon as its own column is valid, even in a row with errors: */
    bool has_date;
    char date[11]; /* YYYY-MM-DD */
    bool has_area;
    double area_cm2;
    bool has[TRICHOSCOPY_NCOLUMNS];     /* for the measure columns */
    double value[TRICHOSCOPY_NCOLUMNS]; /* rounded to the measure's decimals */
    /* The problems in column order, one per column at most and one for the row: `field` the
     * column name ("" for the row), `code` one of "required", "invalid_date", "future_date",
     * "invalid_number", "invalid_type" (a count that is not whole), "out_of_range",
     * "mrn_mismatch", "invalid_value" (control characters), "too_long", "field_count";
     * `message` reads "row 3, column 'hair_density': '1200' is ...". */
    struct fail *errors;
    size_t nerrors;
};

struct trichoscopy_preview {
    char delimiter;                     /* ',' or ';' */
    bool present[TRICHOSCOPY_NCOLUMNS]; /* the columns the file has */
    char **ignored;                     /* header names of the other columns, as written */
    size_t nignored;
    struct trichoscopy_row *rows; /* data rows in file order, empty rows left out */
    size_t nrows;
    size_t nok;
    size_t nfailed;
};

/* Parses data[0..n) into *out (zeroed on entry; released with trichoscopy_csv_release; after a
 * failure it holds nothing). A measure column whose measure is not in `m` is ignored. Failures
 * of the whole file: ST_TOO_BIG ("too_big": bytes, rows or columns) and ST_INVALID
 * ("invalid_utf8", "empty", "missing_column", "duplicate_column", "invalid_csv", "too_long" for
 * a header name over the field cap), naming the row and column where there is one; problems of
 * a row are the row's errors, not a failure. */
int trichoscopy_csv_parse(const struct measures *m, const char *data, size_t n,
                          const struct trichoscopy_context *ctx, struct trichoscopy_preview *out,
                          struct fail *f) WARN_UNUSED;

/* Frees what the preview holds; it may be reused after. Accepts NULL. */
void trichoscopy_csv_release(struct trichoscopy_preview *p);

/* The preview as the API answers it: {"committed":false,"delimiter",
 * "columns":[names of the columns read],"ignored_columns":[...],"rows":[{"row","ok","date",
 * "area_cm2","values":{code:number},"errors":[{"field","code","message"}]}],"valid","invalid"}.
 * New reference; NULL when out of memory. */
json_t *trichoscopy_preview_json(const struct trichoscopy_preview *p);

#endif
