/* The outcome report a doctor prints for a patient: the course, one chart per measure (values,
 * the expected band, sessions and milestones), the values, the protocol's notes on evidence and
 * the first and latest photographs of each view side by side, in English or in Arabic. Pure:
 * the timeline JSON and the photo bytes in, the PDF out. */
#ifndef AUTOLOGA_DOCS_OUTCOME_PDF_H
#define AUTOLOGA_DOCS_OUTCOME_PDF_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

/* The most series charted and photo pairs shown: more is not a report a patient reads. */
#define OUTCOME_PDF_MAX_SERIES 24
#define OUTCOME_PDF_MAX_PAIRS 12
/* A PDF with a dozen photo pairs stays well under this. */
#define OUTCOME_PDF_MAX_BYTES (48u << 20)

struct outcome_pdf_photo {
    const char *date;           /* YYYY-MM-DD */
    const unsigned char *bytes; /* a JPEG or PNG */
    size_t n;
};

struct outcome_pdf_pair {
    const char *label; /* the view, in the report's language */
    struct outcome_pdf_photo first, latest;
};

struct outcome_pdf_input {
    const char *lang;        /* "en" or "ar" */
    const char *clinic_name; /* NULL or "": none */
    const char *date;        /* YYYY-MM-DD the report is printed (its PDF date); required */
    const json_t *timeline;  /* as GET /api/v1/patients/{id}/timeline gives it */
    const struct outcome_pdf_pair *pairs;
    size_t npairs;
};

/* What outcome_pdf tells besides the bytes (for tests). */
struct outcome_pdf_report {
    int pages;
    int charts;
    int photos; /* pictures drawn */
};

/* Appends the report's PDF to `out` (nothing on failure). ST_INVALID naming the field: "lang",
 * "date", "timeline" (not the timeline's shape: "invalid_value"), "pairs" (too many),
 * "pairs[1].first" ("invalid_image": the bytes are no picture); ST_TOO_BIG past the buffer's
 * cap; ST_NOMEM; ST_IO. `report` may be NULL (zeroed on entry). */
int outcome_pdf(const struct outcome_pdf_input *in, struct buf *out,
                struct outcome_pdf_report *report, struct fail *f) WARN_UNUSED;

#endif
