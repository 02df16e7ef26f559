/* The aftercare sheet handed to the patient after a session: one A4 page in English or
 * Arabic with the protocol's aftercare items, the side effects to watch for and when to call
 * the clinic. The items come already in the sheet's language; the headings are the sheet's. */
#ifndef AUTOLOGA_DOCS_AFTERCARE_PDF_H
#define AUTOLOGA_DOCS_AFTERCARE_PDF_H

#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

/* The most items and side effects a sheet lists (a protocol has about ten of each). */
#define AFTERCARE_PDF_MAX_ITEMS 40

struct aftercare_sheet {
    const char *lang;            /* "en" or "ar" */
    const char *clinic_name;     /* NULL or "": none */
    const char *patient_name;    /* NULL or "": a line to write the name on */
    const char *mrn;             /* NULL or "": likewise */
    const char *treatment_label; /* required */
    const char *date;            /* YYYY-MM-DD the session; NULL or "": a line to write on */
    const char *const *items;    /* 1 to AFTERCARE_PDF_MAX_ITEMS */
    size_t n_items;
    const char *const *side_effects; /* 0 to AFTERCARE_PDF_MAX_ITEMS */
    size_t n_side_effects;
    const char *contact_line; /* how to reach the clinic ("+971 4 000 0000"); NULL or "" */
};

/* What aftercare_pdf_report tells besides the bytes. */
struct aftercare_pdf_report {
    int pages;
    char fonts[256];    /* the font families used, ", " separated */
    int unknown_glyphs; /* characters no installed font could show */
};

/* Appends the sheet's PDF to `out` (nothing on failure). ST_INVALID naming the field: "lang",
 * "treatment_label", "items" (none, or too many), "items[2]" (empty or invalid UTF-8),
 * "side_effects[0]", "date" ("invalid_date"), "mrn", ...; ST_TOO_BIG with code "too_long"
 * when the sheet does not fit on one page, or past the buffer's cap; ST_NOMEM; ST_IO. */
int aftercare_pdf(const struct aftercare_sheet *s, struct buf *out, struct fail *f) WARN_UNUSED;
/* The same, also filling `report` (when not NULL; zeroed on entry). */
int aftercare_pdf_report(const struct aftercare_sheet *s, struct buf *out,
                         struct aftercare_pdf_report *report, struct fail *f) WARN_UNUSED;

#endif
