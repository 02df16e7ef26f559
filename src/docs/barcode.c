/* Barcodes drawn with cairo from zint's vector output: zint decides the bars, this file only
 * scales them into the caller's box with the quiet zones around them. */
#include "docs/barcode.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <zint.h>

#include "core/text.h"

/* One dot of a 300 dpi label printer in points. Modules of whole dots print evenly; two dots
 * (0.17 mm) is the narrowest bar the chairside scanners and zbar read reliably. */
#define DOT (72.0 / 300.0)
#define MIN_MODULE (2 * DOT)

/* Whether `s` is text a scanner can type back: valid UTF-8 without control characters. */
static bool
printable_text(const char *s, size_t n)
{
    if (!text_valid_utf8(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return true;
}

int
barcode_draw(cairo_t *cr, enum barcode_kind kind, const char *data, const struct barcode_box *box,
             struct barcode_placed *placed, struct fail *f)
{
    if (placed)
        memset(placed, 0, sizeof(*placed));
    size_t n = data ? strlen(data) : 0;
    if (n == 0)
        return fail_set(f, ST_INVALID, "data", "required", "a barcode needs data");
    if (n > BARCODE_MAX_DATA)
        return fail_set(f, ST_INVALID, "data", "too_long", "barcode data of %zu bytes is over %d",
                        n, BARCODE_MAX_DATA);
    if (!printable_text(data, n))
        return fail_set(f, ST_INVALID, "data", "invalid_text",
                        "barcode data is not printable UTF-8 text");
    if (!(box->w > 0 && box->h > 0 && isfinite(box->x) && isfinite(box->y)))
        return fail_set(f, ST_INVALID, "box", "too_small", "the barcode's box is empty");

    struct zint_symbol *sym = ZBarcode_Create();
    if (!sym)
        return fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
    int st = ST_OK;
    bool linear = kind == BARCODE_KIND_CODE128;
    sym->symbology = linear ? BARCODE_CODE128 : BARCODE_DATAMATRIX;
    sym->input_mode = UNICODE_MODE;
    sym->show_hrt = 0;
    /* The quiet zones are drawn here, in the box the caller reserved for them. */
    sym->output_options |= BARCODE_NO_QUIET_ZONES;
    int zr = ZBarcode_Encode(sym, (const unsigned char *)data, (int)n);
    if (zr >= ZINT_ERROR) {
        st = fail_set(f, ST_INVALID, "data", "unencodable", "'%s' cannot be encoded as %s: %s",
                      data, linear ? "Code 128" : "Data Matrix", sym->errtxt);
        goto out;
    }
    zr = ZBarcode_Buffer_Vector(sym, 0);
    if (zr >= ZINT_ERROR || !sym->vector || !(sym->vector->width > 0) ||
        !(sym->vector->height > 0) || sym->width <= 0 || sym->rows <= 0) {
        st = fail_set(f, ST_NOMEM, "", "no_memory", "zint could not lay the barcode out: %s",
                      sym->errtxt);
        goto out;
    }

    int cols = sym->width, rows = sym->rows;
    /* Code 128 wants ten modules of white each side; Data Matrix one all round. */
    int quiet = linear ? 10 : 1;
    double fit = box->w / (cols + 2 * quiet);
    if (!linear && box->h / (rows + 2 * quiet) < fit)
        fit = box->h / (rows + 2 * quiet);
    if (fit < MIN_MODULE) {
        st = fail_set(f, ST_INVALID, "data", "too_small",
                      "'%s' needs %d modules: its bars would be under 0.17 mm in a box %.1f mm "
                      "wide",
                      data, cols + 2 * quiet, box->w * 25.4 / 72);
        goto out;
    }
    double module = floor(fit / DOT) * DOT;
    double w = cols * module, h = linear ? box->h : rows * module;
    double x0 = box->x + (box->w - w) / 2, y0 = box->y + (box->h - h) / 2;
    /* zint's vector units per module, across and down. */
    double ux = sym->vector->width / cols, uy = sym->vector->height / (linear ? 1 : rows);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, box->x, box->y, box->w, box->h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (const struct zint_vector_rect *r = sym->vector->rectangles; r; r = r->next) {
        /* -1 is the foreground; 8 a white (light) area such as a Data Matrix gap. */
        if (r->colour != -1 && r->colour != 7)
            continue;
        double rx = x0 + r->x / ux * module, rw = r->width / ux * module;
        double ry, rh;
        if (linear) {
            ry = y0 + r->y / sym->vector->height * h;
            rh = r->height / sym->vector->height * h;
        } else {
            ry = y0 + r->y / uy * module;
            rh = r->height / uy * module;
        }
        cairo_rectangle(cr, rx, ry, rw, rh);
    }
    cairo_fill(cr);
    cairo_restore(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        st = fail_set(f, ST_IO, "", "pdf_failed", "cairo failed to draw the barcode: %s",
                      cairo_status_to_string(cairo_status(cr)));
        goto out;
    }
    if (placed) {
        placed->x = x0;
        placed->y = y0;
        placed->w = w;
        placed->h = h;
        placed->module = module;
        placed->modules = cols;
    }
out:
    ZBarcode_Delete(sym);
    return st;
}
