/* Specimen labels and the patient's wristband as PDF: the label printer's page per specimen
 * (62 × 29 mm) with the specimen id as Code 128, and the wristband (250 × 25 mm) with the MRN
 * as Code 128; names in both scripts, Arabic shaped right to left. Pure renderers: the caller
 * reads the records and writes the audit events. */
#ifndef AUTOLOGA_DOCS_LABELS_H
#define AUTOLOGA_DOCS_LABELS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

/* The page sizes in millimetres: a 62 mm continuous label tape cut at 29 mm, and the
 * printable part of an adult wristband. */
#define LABELS_SPECIMEN_W_MM 62.0
#define LABELS_SPECIMEN_H_MM 29.0
#define LABELS_WRISTBAND_W_MM 250.0
#define LABELS_WRISTBAND_H_MM 25.0

/* The most labels one PDF holds (a procedure has a handful of tubes and syringes). */
#define LABELS_MAX_SPECIMENS 200

/* One specimen. name_en or name_ar may be NULL or "" (not both); expires_local may be NULL
 * for a specimen without a use-before time. Every text is UTF-8; ids, MRNs and times print
 * left to right. */
struct label_specimen {
    const char *specimen_id; /* "S1000007": the barcode */
    const char *name_en, *name_ar;
    const char *mrn;
    const char *date_of_birth;   /* YYYY-MM-DD */
    const char *collected_local; /* YYYY-MM-DDTHH:MM, the time drawn */
    const char *kind_en;         /* "PRP", "Blood tube", ... */
    const char *expires_local;   /* YYYY-MM-DDTHH:MM, use before */
};

/* Appends a PDF of one label per page, in the order given, to `out` (nothing is appended on
 * failure). ST_INVALID naming the field as "items[i].mrn" (codes "required", "invalid_utf8",
 * "invalid_mrn" when the check digit is wrong, "invalid_date", "invalid_time", "too_long",
 * "unencodable" for a specimen id zint cannot encode), or "items" for n of 0 or over
 * LABELS_MAX_SPECIMENS; ST_TOO_BIG past the buffer's
 * cap; ST_NOMEM; ST_IO when cairo fails. The PDF is dated the first label's draw date. */
int labels_specimens_pdf(const struct label_specimen *items, size_t n, struct buf *out,
                         struct fail *f) WARN_UNUSED;

/* The wristband. clinic_name may be NULL or "". */
struct label_wristband {
    const char *mrn, *name_en, *name_ar, *date_of_birth, *clinic_name;
};

/* Appends the wristband's one-page PDF to `out`: the MRN as Code 128 twice (at both ends of
 * the printed part, so one faces the scanner however the band turns), the names, MRN and
 * date of birth. Failures as labels_specimens_pdf, fields named "mrn", "name_en", ... */
int labels_wristband_pdf(const struct label_wristband *w, struct buf *out,
                         struct fail *f) WARN_UNUSED;

#endif
