/* Barcodes on the printed documents: zint encodes the data, its vector output is drawn with
 * cairo inside a box given in the page's units, the quiet zones the scanners need included. */
#ifndef AUTOLOGA_DOCS_BARCODE_H
#define AUTOLOGA_DOCS_BARCODE_H

#include <cairo.h>

#include "core/status.h"

enum barcode_kind {
    BARCODE_KIND_CODE128,   /* linear: what the chairside keyboard-wedge scanners all read */
    BARCODE_KIND_DATAMATRIX /* square 2D: for small tubes, read by 2D imagers */
};

/* The most bytes of data a barcode takes: specimen ids and MRNs are far shorter. */
#define BARCODE_MAX_DATA 64

/* A box on the page in cairo user units (points on the PDF surfaces): x, y its top-left. */
struct barcode_box {
    double x, y, w, h;
};

/* What barcode_draw placed: the symbol without its quiet zones, and the width of one module
 * (the narrowest bar). */
struct barcode_placed {
    double x, y, w, h;
    double module;
    int modules; /* the symbol's width in modules, quiet zones excluded */
};

/* Draws `data` (UTF-8 text without control characters, 1 to BARCODE_MAX_DATA bytes; Code 128
 * takes what ISO 8859-1 has) as a barcode in `box`: the box is painted white, the symbol set
 * as large as it fits with its quiet zones (10 modules each side for Code 128, 1 module round a
 * Data Matrix) and centred. A module is a whole number of dots of a 300 dpi label printer, so
 * that every bar prints the same width, and at least two (0.17 mm). Code 128 bars fill the
 * box's height; Data Matrix modules are square.
 * ST_INVALID naming "data": codes "required", "too_long", "invalid_text", "unencodable" (zint
 * refuses it: its message is quoted), "too_small" (the box is too narrow for the symbol);
 * ST_NOMEM; ST_IO when cairo fails. `placed` may be NULL; it is zeroed on entry. */
int barcode_draw(cairo_t *cr, enum barcode_kind kind, const char *data,
                 const struct barcode_box *box, struct barcode_placed *placed,
                 struct fail *f) WARN_UNUSED;

#endif
