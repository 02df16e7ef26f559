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

/* Draws `data` (printable ASCII, 1 to BARCODE_MAX_DATA bytes) as a barcode in `box`: the box
 * is painted white, the symbol set as wide as it fits with its quiet zones (10 modules each
 * side for Code 128, 1 module round a Data Matrix) and centred. Where it fits, a module is a
 * whole number of dots of a 300 dpi label printer, so that every bar prints the same width.
 * Code 128 bars fill the box's height; Data Matrix modules are square.
 * ST_INVALID naming "data" for data that is empty, too long or not printable ASCII, or that
 * zint refuses (its message quoted; code "unencodable"); ST_INVALID with code "too_small"
 * when a module would be under 0.5 points; ST_NOMEM. `placed` may be NULL; it is zeroed on
 * entry. Nothing is drawn on failure. */
int barcode_draw(cairo_t *cr, enum barcode_kind kind, const char *data,
                 const struct barcode_box *box, struct barcode_placed *placed,
                 struct fail *f) WARN_UNUSED;

#endif
