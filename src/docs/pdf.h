/* Printable documents as PDF: A4 pages built from a title, headings, paragraphs, key/value rows
 * and tables, shaped by pango (HarfBuzz, bidi) and drawn on cairo's PDF surface, in English or
 * in Arabic read right to left.
 *
 * A document is built first and drawn when written: the page count is known only once every
 * block is placed, and every page's footer says "Page i of n". The building calls cannot
 * fail one by one: the first failure (bad UTF-8, a table call out of order, a size cap) is kept
 * in the document, later calls do nothing, and pdf_doc_write reports it. So a caller writes
 * the whole document as a straight sequence and checks one status at the end.
 *
 * Fonts come from fontconfig by family name: "Noto Sans" for Latin text, "Noto Naskh Arabic"
 * (then "Noto Sans Arabic") for Arabic, "DejaVu Sans" when those are missing. */
#ifndef AUTOLOGA_DOCS_PDF_H
#define AUTOLOGA_DOCS_PDF_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

/* Unicode isolates: text between them keeps its own direction inside a line of the other
 * direction ("⁦1,500.00 AED⁩" stays as written inside Arabic). */
#define PDF_LRI "\xE2\x81\xA6"
#define PDF_PDI "\xE2\x81\xA9"

/* Horizontal alignment, named by reading direction so that an Arabic document mirrors. */
enum pdf_align {
    PDF_ALIGN_START, /* left in English, right in Arabic */
    PDF_ALIGN_END,   /* right in English, left in Arabic */
    PDF_ALIGN_RIGHT  /* right in both: amounts, whose units digits then line up */
};

struct pdf_options {
    const char *lang;        /* "en" or "ar" (right to left, Arabic shaping) */
    const char *title;       /* the PDF's title; also at the end side of every page's header */
    const char *clinic_name; /* the start side of every page's header; NULL or "" for none */
    const char *footer;      /* a line at the foot of every page; NULL or "" for none */
    const char *date;        /* "YYYY-MM-DD" the document is dated: its PDF creation date, so
                                the same content gives the same bytes; NULL: the time of writing */
};

struct pdf_column {
    const char *title;
    double share; /* of the text width; the shares of a table's columns are scaled to fill it */
    enum pdf_align align;
    bool ltr; /* numbers and codes: kept left to right inside Arabic */
};

/* The most columns a table may have, and lines a cell shows. */
#define PDF_MAX_COLUMNS 8
#define PDF_MAX_CELL_LINES 8

struct pdf_doc;

/* A new, empty document. ST_INVALID naming "lang" for a language other than en and ar, or
 * "title" / "clinic_name" / "footer" / "date" for text that is not valid UTF-8 or a date that
 * is not YYYY-MM-DD. The caller frees it with pdf_doc_free. */
int pdf_doc_new(const struct pdf_options *o, struct pdf_doc **out, struct fail *f) WARN_UNUSED;
/* Frees a document. Accepts NULL. */
void pdf_doc_free(struct pdf_doc *d);

/* Blocks, placed one below the other; a block that does not fit on the page goes on the next
 * one (a paragraph breaks between its lines, a table between its rows and repeats its header
 * row). Text is plain UTF-8 (no markup); "\n" breaks a line in a paragraph. */
void pdf_title(struct pdf_doc *d, const char *text);
void pdf_heading(struct pdf_doc *d, const char *text);
void pdf_paragraph(struct pdf_doc *d, const char *text);
/* A label and its value on one row; value_ltr for a number or code. Like a table cell, each
 * is cut with an ellipsis after PDF_MAX_CELL_LINES lines, so that a row fits on a page. */
void pdf_key_value(struct pdf_doc *d, const char *key, const char *value, bool value_ltr);
/* An item of a bulleted list: the bullet at the start side, the text beside it, its
 * following lines under the first one's text. */
void pdf_list_item(struct pdf_doc *d, const char *text);
/* Draws a block of the document's own making (a chart, a photograph): called while the page is
 * drawn, with the block's top-left corner and size in points and the document's direction, in a
 * saved cairo state. Returns ST_OK or a status that stops the writing. */
typedef int (*pdf_draw_fn)(void *ctx, cairo_t *cr, double x, double y, double w, double h,
                           bool rtl);
/* A drawn block `height` points tall across the text width, kept whole on one page. `ctx` must
 * live until pdf_doc_write returns. A height of zero or more than a page is ST_INVALID. */
void pdf_drawing(struct pdf_doc *d, double height, pdf_draw_fn fn, void *ctx);
/* Points left on the current page below the last block: a caller that keeps a heading with the
 * drawing under it breaks the page when less is left. */
double pdf_space_left(const struct pdf_doc *d);
/* The text width in points: what a drawing is as wide as. */
double pdf_text_width(void);

/* Vertical space in points. */
void pdf_space(struct pdf_doc *d, double points);
/* Starts the next block on a new page. */
void pdf_page_break(struct pdf_doc *d);

/* A table: its columns (1 to PDF_MAX_COLUMNS, copied), then rows of one cell per column (NULL
 * for an empty cell), then total rows, then the end. Columns run in reading order: the first
 * is at the left in English and at the right in Arabic. */
void pdf_table_begin(struct pdf_doc *d, const struct pdf_column *columns, size_t n);
void pdf_table_row(struct pdf_doc *d, const char *const *cells);
/* A row whose label spans every column but the last, aligned to the end, and whose value is
 * in the last column; `strong` sets it in bold under a heavier rule (a grand total). */
void pdf_table_total(struct pdf_doc *d, const char *label, const char *value, bool strong);
void pdf_table_end(struct pdf_doc *d);

/* Draws every page into `out` (appended; the buffer's cap bounds the PDF). ST_OK, the kept
 * failure of a building call, ST_TOO_BIG past the buffer's cap or the page cap, ST_NOMEM, or
 * ST_IO when cairo fails. A document is written once. */
int pdf_doc_write(struct pdf_doc *d, struct buf *out, struct fail *f) WARN_UNUSED;

/* The number of pages placed so far (at least 1). */
int pdf_doc_pages(const struct pdf_doc *d);

/* Which fonts the text is set in: their family names, ", " separated in order of first use
 * (cut to fit), and how many characters no installed font can show (drawn as boxes). */
struct pdf_fonts {
    char families[256];
    int unknown_glyphs;
};
void pdf_doc_fonts(const struct pdf_doc *d, struct pdf_fonts *out);

#endif
