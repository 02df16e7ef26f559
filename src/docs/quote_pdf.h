/* The quote of a treatment course as a printable PDF in English or Arabic, from the quote JSON
 * of the API (GET /api/v1/courses/{id}/quote, docs/api.md):
 *
 *   {"course_id":7,"patient":{"mrn":"10000125","name":{"en":"…","ar":"…"}},
 *    "protocol_label":{"en":"…","ar":"…"},"currency":"AED",
 *    "lines":[{"label":{"en","ar"},"quantity":3,"unit_minor":150000,"total_minor":450000}],
 *    "subtotal_minor":450000,"discount_percent":10,"discount_minor":45000,
 *    "total_minor":405000,"issued":"2026-11-21","valid_until":"2026-12-21"}
 *
 * Names and labels need one of en and ar (the document's language first, the other when it
 * is missing). The arithmetic must hold: each line's total is quantity × unit price, the
 * subtotal their sum, the total the subtotal less the discount. Other members are ignored. */
#ifndef AUTOLOGA_DOCS_QUOTE_PDF_H
#define AUTOLOGA_DOCS_QUOTE_PDF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/status.h"

/* The most lines a quote may have. */
#define QUOTE_PDF_MAX_LINES 500

/* The number of decimals of an ISO 4217 currency the clinic may price in (AED, SAR, QAR, EGP,
 * USD, EUR, GBP 2; KWD, BHD, OMR, JOD 3; JPY 0), or -1 for a code it does not know: an amount
 * is never printed with a guessed number of decimals. */
int quote_pdf_exponent(const char *currency);

/* Writes an amount of minor units as people read it, with Western digits in both languages:
 * "1,500.00 AED", "-450.00 AED", "12,000 JPY", "1.250 KWD" (the hyphen-minus is in every
 * font, where Noto Sans lacks the minus sign U+2212).
 * ST_INVALID for an unknown currency, ST_TOO_BIG when `out` (n bytes) is too small. */
int quote_pdf_amount(int64_t minor, const char *currency, char *out, size_t n) WARN_UNUSED;

/* What quote_pdf_render_report tells about a rendering besides the bytes. */
struct quote_pdf_report {
    int pages;
    char fonts[256];    /* the font families used, ", " separated */
    int unknown_glyphs; /* characters no installed font could show */
};

/* Renders the quote in `lang` ("en" or "ar") for the clinic `clinic_name` (printed at the top
 * of every page; NULL for none), appending the PDF to `out` (nothing is appended on failure).
 * The PDF is dated the quote's issue date, so one quote always gives the same bytes.
 * ST_INVALID naming the field for a malformed quote ("lines[2].quantity", "currency" with
 * code "unknown_currency", "total_minor" with code "mismatch", ...) or "lang"; ST_TOO_BIG past
 * the buffer's cap; ST_NOMEM; ST_IO when cairo fails. */
int quote_pdf_render(const json_t *quote, const char *lang, const char *clinic_name,
                     struct buf *out, struct fail *f) WARN_UNUSED;
/* The same, also filling `report` (when not NULL; zeroed on entry). */
int quote_pdf_render_report(const json_t *quote, const char *lang, const char *clinic_name,
                            struct buf *out, struct quote_pdf_report *report,
                            struct fail *f) WARN_UNUSED;

#endif
