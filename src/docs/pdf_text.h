/* The text machinery every PDF of src/docs shares: one way of choosing fonts, of making a
 * pango context for a PDF surface, and of drawing laid-out text so that extraction (pdftotext,
 * copy and paste) reads Arabic in logical order with whole words. Internal to src/docs. */
#ifndef AUTOLOGA_DOCS_PDF_TEXT_H
#define AUTOLOGA_DOCS_PDF_TEXT_H

#include <pango/pangocairo.h>
#include <stdbool.h>

/* Naskh first for Arabic letters; Latin letters and the punctuation Naskh lacks then come
 * from Noto Sans, whose line height matches, before the taller Noto Sans Arabic. */
#define PDF_TEXT_ARABIC_FAMILIES "Noto Naskh Arabic,Noto Sans,Noto Sans Arabic,DejaVu Sans"
#define PDF_TEXT_LATIN_FAMILIES "Noto Sans,DejaVu Sans"

/* One millimetre in PDF points. */
#define PDF_TEXT_MM (72.0 / 25.4)

/* A new pango context for text drawn on a PDF surface (the caller g_object_unref()s it):
 * one pango point is one PDF unit, metrics unhinted so that the same text always breaks in
 * the same places, and the paragraph direction and language of `rtl` (Arabic) or English. */
PangoContext *pdf_text_context(bool rtl);

/* A font description of `families` (one of the lists above) at `size` points (the caller
 * frees it with pango_font_description_free). */
PangoFontDescription *pdf_text_font(const char *families, double size, bool bold);

/* Draws lines first..last (0-based, inclusive) of a layout whose top-left is at (x, y), in
 * the current source colour. ST_OK or ST_NOMEM. */
int pdf_text_draw(cairo_t *cr, PangoLayout *l, double x, double y, int first, int last);

#endif
