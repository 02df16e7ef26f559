/* Specimen labels and wristbands: each page is drawn straight on cairo's PDF surface (a label
 * is a fixed layout, not a flow of blocks), its text set with the fonts of pdf_text and its
 * barcode drawn by barcode.c. */
#include "docs/labels.h"

#include <cairo-pdf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clinic/mrn.h"
#include "core/date.h"
#include "core/text.h"
#include "docs/barcode.h"
#include "docs/pdf_text.h"

#define MM PDF_TEXT_MM
/* Texts longer than this are not names or codes but mistakes. */
#define MAX_NAME_BYTES 400
#define MAX_KIND_BYTES 80
#define MAX_CLINIC_BYTES 400
#define MAX_ID_BYTES 32
/* Text on a label shrinks to fit its line down to this size, then is cut with an ellipsis. */
#define MIN_TEXT_PT 5.0

enum side { SIDE_LEFT, SIDE_RIGHT };

/* One page's drawing state. */
struct page {
    cairo_t *cr;
    PangoContext *ltr, *rtl;
};

/* ---- checking the input ---- */

static int
check_text(const char *field, const char *s, size_t max, bool required, struct fail *f)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return required ? fail_set(f, ST_INVALID, field, "required", "%s is required", field)
                        : ST_OK;
    if (!text_valid_utf8(s, n))
        return fail_set(f, ST_INVALID, field, "invalid_utf8", "%s is not valid UTF-8", field);
    if (n > max)
        return fail_set(f, ST_INVALID, field, "too_long", "%s is over %zu bytes", field, max);
    return ST_OK;
}

static int
check_date(const char *field, const char *s, struct fail *f)
{
    struct date d;
    int st = check_text(field, s, 10, true, f);
    if (st == ST_OK && date_parse(s, &d) != ST_OK)
        st = fail_set(f, ST_INVALID, field, "invalid_date", "%s '%s' is not a date (YYYY-MM-DD)",
                      field, s);
    return st;
}

/* "YYYY-MM-DDTHH:MM", local time as the API gives it. */
static int
check_local_time(const char *field, const char *s, bool required, struct fail *f)
{
    int st = check_text(field, s, 16, required, f);
    if (st != ST_OK || !s || !*s)
        return st;
    char day[11];
    struct date d;
    bool ok = strlen(s) == 16 && s[10] == 'T' && s[13] == ':';
    if (ok) {
        memcpy(day, s, 10);
        day[10] = '\0';
        ok = date_parse(day, &d) == ST_OK && s[11] >= '0' && s[11] <= '2' && s[12] >= '0' &&
             s[12] <= '9' && (s[11] - '0') * 10 + (s[12] - '0') < 24 && s[14] >= '0' &&
             s[14] <= '5' && s[15] >= '0' && s[15] <= '9';
    }
    if (!ok)
        return fail_set(f, ST_INVALID, field, "invalid_time",
                        "%s '%s' is not a local time (YYYY-MM-DDTHH:MM)", field, s);
    return ST_OK;
}

static int
check_mrn(const char *field, const char *s, struct fail *f)
{
    int st = check_text(field, s, MRN_MAX - 1, true, f);
    if (st == ST_OK && !mrn_valid(s))
        st = fail_set(f, ST_INVALID, field, "invalid_mrn", "%s '%s' is not a medical record number",
                      field, s);
    return st;
}

/* Both names are optional but not together: a label names its patient. */
static int
check_names(const char *prefix, const char *en, const char *ar, struct fail *f)
{
    char field[64];
    snprintf(field, sizeof(field), "%sname_en", prefix);
    int st = check_text(field, en, MAX_NAME_BYTES, false, f);
    if (st == ST_OK) {
        snprintf(field, sizeof(field), "%sname_ar", prefix);
        st = check_text(field, ar, MAX_NAME_BYTES, false, f);
    }
    if (st == ST_OK && !(en && *en) && !(ar && *ar)) {
        snprintf(field, sizeof(field), "%sname_en", prefix);
        st = fail_set(f, ST_INVALID, field, "required", "%s or name_ar is required", field);
    }
    return st;
}

static int
check_specimen(const struct label_specimen *s, size_t i, struct fail *f)
{
    char p[32], field[64];
    snprintf(p, sizeof(p), "items[%zu].", i);
#define FIELD(name) (snprintf(field, sizeof(field), "%s%s", p, name), field)
    int st = check_text(FIELD("specimen_id"), s->specimen_id, MAX_ID_BYTES, true, f);
    if (st == ST_OK)
        st = check_names(p, s->name_en, s->name_ar, f);
    if (st == ST_OK)
        st = check_mrn(FIELD("mrn"), s->mrn, f);
    if (st == ST_OK)
        st = check_date(FIELD("date_of_birth"), s->date_of_birth, f);
    if (st == ST_OK)
        st = check_local_time(FIELD("collected_local"), s->collected_local, true, f);
    if (st == ST_OK)
        st = check_text(FIELD("kind_en"), s->kind_en, MAX_KIND_BYTES, true, f);
    if (st == ST_OK)
        st = check_local_time(FIELD("expires_local"), s->expires_local, false, f);
#undef FIELD
    return st;
}

/* ---- drawing ---- */

/* Sets `text` on one line of the box [x, x + w) with its top at y, aligned to `side`: the
 * size shrinks from `size` to MIN_TEXT_PT until it fits, then the end is cut with an ellipsis.
 * Arabic text (`rtl`) is shaped right to left. Returns the height of the line, or -1 after
 * filling `f`. */
static double
draw_line(struct page *pg, const char *text, double x, double y, double w, double size, bool bold,
          bool rtl, enum side side, double gray, struct fail *f)
{
    PangoLayout *l = pango_layout_new(rtl ? pg->rtl : pg->ltr);
    pango_layout_set_auto_dir(l, FALSE);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_height(l, -1);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(l, side == SIDE_LEFT ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT);
    pango_layout_set_text(l, text, -1);
    PangoFontDescription *fd = NULL;
    for (double s = size;; s -= 0.25) {
        if (s < MIN_TEXT_PT)
            s = MIN_TEXT_PT;
        if (fd)
            pango_font_description_free(fd);
        fd = pdf_text_font(rtl ? PDF_TEXT_ARABIC_FAMILIES : PDF_TEXT_LATIN_FAMILIES, s, bold);
        pango_layout_set_font_description(l, fd);
        if (!pango_layout_is_ellipsized(l) || s <= MIN_TEXT_PT)
            break;
    }
    PangoRectangle r;
    pango_layout_get_extents(l, NULL, &r);
    cairo_set_source_rgb(pg->cr, gray, gray, gray);
    int st = pdf_text_draw(pg->cr, l, x, y, 0, 0);
    pango_font_description_free(fd);
    g_object_unref(l);
    if (st != ST_OK) {
        fail_set(f, st, "", "no_memory", "out of memory while drawing a label");
        return -1;
    }
    return (double)r.height / PANGO_SCALE;
}

/* The natural width of a one-line text. */
static double
text_width(struct page *pg, const char *text, double size, bool bold)
{
    PangoLayout *l = pango_layout_new(pg->ltr);
    PangoFontDescription *fd = pdf_text_font(PDF_TEXT_LATIN_FAMILIES, size, bold);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_text(l, text, -1);
    PangoRectangle r;
    pango_layout_get_extents(l, NULL, &r);
    pango_font_description_free(fd);
    g_object_unref(l);
    return (double)r.width / PANGO_SCALE;
}

/* "2026-11-21T09:40" as "2026-11-21 09:40"; with `same_day` set to the day of another time,
 * only "12:40" when it is that day. */
static void
show_time(const char *local, const char *same_day, char out[20])
{
    if (same_day && strncmp(local, same_day, 10) == 0)
        snprintf(out, 20, "%.5s", local + 11);
    else
        snprintf(out, 20, "%.10s %.5s", local, local + 11);
}

/* Renames a barcode failure's field "data" to the caller's field. */
static int
barcode_fail(struct fail *f, const char *field, int st)
{
    if (f && strcmp(f->field, "data") == 0)
        snprintf(f->field, sizeof(f->field), "%s", field);
    return st;
}

/* The specimen label, 62 × 29 mm:
 *   [ AUTOLOGOUS USE ONLY                         PRP ]  white on black
 *   Sara Ahmed                                           bold
 *                                          سارة أحمد
 *   MRN 10000127 · DOB 1990-04-12
 *   Drawn 2026-11-21 09:40 · Use by 12:40
 *   ||||||||||||||||||||||||||||||         S1000007      Code 128 and the id */
static int
draw_specimen(struct page *pg, const struct label_specimen *s, size_t i, struct fail *f)
{
    const double W = LABELS_SPECIMEN_W_MM * MM, H = LABELS_SPECIMEN_H_MM * MM;
    const double mx = 2 * MM, my = 1.5 * MM, iw = W - 2 * mx;
    cairo_t *cr = pg->cr;
    char line[256], t1[20], t2[20];
    double y = my, h;

    /* The warning band: black, so that it is the first thing seen on the tube. */
    const double band = 9.5;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, mx, y, iw, band);
    cairo_fill(cr);
    double kind_w = text_width(pg, s->kind_en, 7, true) + 2;
    if (kind_w > iw * 0.4)
        kind_w = iw * 0.4;
    if (draw_line(pg, "AUTOLOGOUS USE ONLY", mx + 1.5, y + 0.8, iw - kind_w - 4, 7, true, false,
                  SIDE_LEFT, 1, f) < 0 ||
        draw_line(pg, s->kind_en, mx + iw - kind_w - 1.5, y + 0.8, kind_w, 7, true, false,
                  SIDE_RIGHT, 1, f) < 0)
        return f->status;
    y += band + 0.8;

    if (s->name_en && *s->name_en) {
        if ((h = draw_line(pg, s->name_en, mx, y, iw, 8, true, false, SIDE_LEFT, 0, f)) < 0)
            return f->status;
        y += h - 0.5;
    }
    if (s->name_ar && *s->name_ar) {
        if ((h = draw_line(pg, s->name_ar, mx, y, iw, 8.5, true, true, SIDE_RIGHT, 0, f)) < 0)
            return f->status;
        y += h - 1.5;
    }
    snprintf(line, sizeof(line), "MRN %s  ·  DOB %s", s->mrn, s->date_of_birth);
    if ((h = draw_line(pg, line, mx, y, iw, 6.5, false, false, SIDE_LEFT, 0, f)) < 0)
        return f->status;
    y += h - 0.5;
    show_time(s->collected_local, NULL, t1);
    if (s->expires_local && *s->expires_local) {
        show_time(s->expires_local, s->collected_local, t2);
        snprintf(line, sizeof(line), "Drawn %s  ·  Use by %s", t1, t2);
    } else {
        snprintf(line, sizeof(line), "Drawn %s", t1);
    }
    if ((h = draw_line(pg, line, mx, y, iw, 6.5, false, false, SIDE_LEFT, 0, f)) < 0)
        return f->status;
    y += h;

    /* The barcode takes what the id in text leaves of the bottom row. */
    double id_w = text_width(pg, s->specimen_id, 9, true);
    if (id_w > iw * 0.4)
        id_w = iw * 0.4;
    double bottom = H - my;
    struct barcode_box box = {mx, y, iw - id_w - 2, bottom - y};
    char field[64];
    snprintf(field, sizeof(field), "items[%zu].specimen_id", i);
    int st = barcode_draw(cr, BARCODE_KIND_CODE128, s->specimen_id, &box, NULL, f);
    if (st != ST_OK)
        return barcode_fail(f, field, st);
    if (draw_line(pg, s->specimen_id, mx + iw - id_w, y + (bottom - y) / 2 - 6.5, id_w, 9, true,
                  false, SIDE_RIGHT, 0, f) < 0)
        return f->status;
    return ST_OK;
}

/* The wristband, 250 × 25 mm: 20 mm left blank at each end for the clasp, the MRN's barcode at
 * both ends of the printed part and the identity between them. */
static int
draw_wristband(struct page *pg, const struct label_wristband *w, struct fail *f)
{
    const double H = LABELS_WRISTBAND_H_MM * MM, end = 20 * MM, my = 2 * MM;
    const double code_w = 45 * MM, gap = 5 * MM;
    const double text_x = end + code_w + gap;
    const double text_w = LABELS_WRISTBAND_W_MM * MM - 2 * (end + code_w + gap);
    char line[256];
    double y = my, h;
    const double ends[2] = {end, LABELS_WRISTBAND_W_MM * MM - end - code_w};
    for (int k = 0; k < 2; k++) {
        struct barcode_box box = {ends[k], my, code_w, H - 2 * my};
        int st = barcode_draw(pg->cr, BARCODE_KIND_CODE128, w->mrn, &box, NULL, f);
        if (st != ST_OK)
            return barcode_fail(f, "mrn", st);
    }
    if (w->name_en && *w->name_en) {
        if ((h = draw_line(pg, w->name_en, text_x, y, text_w, 12, true, false, SIDE_LEFT, 0, f)) <
            0)
            return f->status;
        y += h - 1;
    }
    if (w->name_ar && *w->name_ar) {
        if ((h = draw_line(pg, w->name_ar, text_x, y, text_w, 12.5, true, true, SIDE_RIGHT, 0, f)) <
            0)
            return f->status;
        y += h - 2;
    }
    snprintf(line, sizeof(line), "MRN %s  ·  DOB %s", w->mrn, w->date_of_birth);
    if ((h = draw_line(pg, line, text_x, y, text_w, 9, false, false, SIDE_LEFT, 0, f)) < 0)
        return f->status;
    y += h;
    if (w->clinic_name && *w->clinic_name &&
        draw_line(pg, w->clinic_name, text_x, y, text_w, 7, false, false, SIDE_LEFT, 0.38, f) < 0)
        return f->status;
    return ST_OK;
}

/* ---- the PDF ---- */

struct sink {
    struct buf *out;
    int status;
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct sink *s = closure;
    int st = buf_append(s->out, data, length);
    if (st != ST_OK) {
        if (s->status == ST_OK)
            s->status = st;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* What one document is: n pages of w × h mm, the i-th drawn by draw(i). */
struct job {
    double w_mm, h_mm;
    size_t n;
    const char *title;
    const char *date; /* YYYY-MM-DD or NULL */
    int (*draw)(struct page *pg, const void *arg, size_t i, struct fail *f);
    const void *arg;
};

static int
write_pdf(const struct job *j, struct buf *out, struct fail *f)
{
    size_t start = out->len;
    struct sink sink = {out, ST_OK};
    int st = ST_OK;
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(sink_write, &sink, j->w_mm * MM, j->h_mm * MM);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, j->title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Autologa");
    if (j->date) {
        /* Dated by the content, so that the same labels give the same bytes. */
        char date[20];
        snprintf(date, sizeof(date), "%.10sT00:00:00", j->date);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    }
    cairo_t *cr = cairo_create(surface);
    struct page pg = {cr, pdf_text_context(false), pdf_text_context(true)};
    for (size_t i = 0; st == ST_OK && i < j->n; i++) {
        st = j->draw(&pg, j->arg, i, f);
        cairo_show_page(cr);
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    g_object_unref(pg.ltr);
    g_object_unref(pg.rtl);
    if (st == ST_OK && sink.status != ST_OK)
        st = fail_set(f, sink.status, "", sink.status == ST_TOO_BIG ? "too_big" : "no_memory",
                      "the PDF does not fit its buffer");
    else if (st == ST_OK && cs == CAIRO_STATUS_NO_MEMORY)
        st = fail_set(f, ST_NOMEM, "", "no_memory", "out of memory while writing the PDF");
    else if (st == ST_OK && cs != CAIRO_STATUS_SUCCESS)
        st = fail_set(f, ST_IO, "", "pdf_failed", "cairo failed to write the PDF: %s",
                      cairo_status_to_string(cs));
    if (st != ST_OK) {
        /* No half document is left behind. */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return st;
}

static int
draw_specimen_page(struct page *pg, const void *arg, size_t i, struct fail *f)
{
    const struct label_specimen *items = arg;
    return draw_specimen(pg, &items[i], i, f);
}

int
labels_specimens_pdf(const struct label_specimen *items, size_t n, struct buf *out, struct fail *f)
{
    if (n == 0 || !items)
        return fail_set(f, ST_INVALID, "items", "required", "no specimen to label");
    if (n > LABELS_MAX_SPECIMENS)
        return fail_set(f, ST_INVALID, "items", "too_many", "%zu labels are over %d", n,
                        LABELS_MAX_SPECIMENS);
    for (size_t i = 0; i < n; i++) {
        int st = check_specimen(&items[i], i, f);
        if (st != ST_OK)
            return st;
    }
    struct job j = {LABELS_SPECIMEN_W_MM,
                    LABELS_SPECIMEN_H_MM,
                    n,
                    n == 1 ? items[0].specimen_id : "Specimen labels",
                    items[0].collected_local,
                    draw_specimen_page,
                    items};
    return write_pdf(&j, out, f);
}

static int
draw_wristband_page(struct page *pg, const void *arg, size_t i, struct fail *f)
{
    (void)i;
    return draw_wristband(pg, arg, f);
}

int
labels_wristband_pdf(const struct label_wristband *w, struct buf *out, struct fail *f)
{
    int st = check_mrn("mrn", w->mrn, f);
    if (st == ST_OK)
        st = check_names("", w->name_en, w->name_ar, f);
    if (st == ST_OK)
        st = check_date("date_of_birth", w->date_of_birth, f);
    if (st == ST_OK)
        st = check_text("clinic_name", w->clinic_name, MAX_CLINIC_BYTES, false, f);
    if (st != ST_OK)
        return st;
    char title[64];
    snprintf(title, sizeof(title), "Wristband %s", w->mrn);
    struct job j = {
        LABELS_WRISTBAND_W_MM, LABELS_WRISTBAND_H_MM, 1, title, NULL, draw_wristband_page, w};
    return write_pdf(&j, out, f);
}
