/* The document builder of docs/pdf.h: blocks are laid out with pango as they are added and
 * placed on pages at once; pdf_doc_write draws the pages on cairo's PDF surface. */
#include "docs/pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/text.h"
#include "docs/pdf_text.h"

/* A4 in PostScript points (the unit of the PDF surface): 210 × 297 mm. */
#define PAGE_W 595.2756
#define PAGE_H 841.8898
#define MARGIN_X 56.6929 /* 20 mm */
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define HEADER_Y 34.0
#define HEADER_RULE_Y 58.0
#define CONTENT_TOP 78.0
#define CONTENT_BOTTOM (PAGE_H - 66.0)
#define FOOTER_RULE_Y (PAGE_H - 52.0)
#define FOOTER_Y (PAGE_H - 46.0)

#define CELL_PAD_X 4.0
#define CELL_PAD_Y 3.5

/* Caps that bound the memory of one document whatever its input. */
#define MAX_PAGES 500
#define MAX_OPS 200000
#define MAX_LAYOUTS 100000
#define MAX_TEXT_BYTES 16384

enum style {
    STYLE_BODY,
    STYLE_LABEL, /* the key of a key/value row */
    STYLE_BOLD,
    STYLE_SMALL, /* header title and footer */
    STYLE_HEADING,
    STYLE_TITLE,
    STYLE_CLINIC,
    STYLE_COUNT
};

static const struct {
    double size; /* points */
    bool bold;
    double gray; /* 0 black .. 1 white */
} styles[STYLE_COUNT] = {
    [STYLE_BODY] = {10, false, 0.10},   [STYLE_LABEL] = {10, false, 0.38},
    [STYLE_BOLD] = {10, true, 0.05},    [STYLE_SMALL] = {8, false, 0.38},
    [STYLE_HEADING] = {13, true, 0.10}, [STYLE_TITLE] = {18, true, 0.05},
    [STYLE_CLINIC] = {11, true, 0.10},
};

enum op_kind { OP_TEXT, OP_RULE, OP_FILL, OP_DRAW };

/* One thing drawn on a page; ops are kept in page order. */
struct op {
    enum op_kind kind;
    int page;
    double x, y; /* OP_TEXT: where the layout's top-left lands; OP_RULE: the left end; OP_FILL:
                    the top-left corner */
    double w, h; /* OP_RULE: length and thickness; OP_FILL: size */
    double gray;
    size_t layout;             /* OP_TEXT: index into layouts */
    int first_line, last_line; /* OP_TEXT: the lines drawn, inclusive */
    pdf_draw_fn draw;          /* OP_DRAW: the caller's drawing, and its context */
    void *draw_ctx;
};

struct pdf_doc {
    int status; /* the first failure of a building call, kept for pdf_doc_write */
    struct fail fail;
    bool rtl;
    bool written;
    char *title, *clinic_name, *footer;
    char date[20]; /* "YYYY-MM-DDT00:00:00" or "" */
    PangoContext *ctx;
    PangoFontDescription *fonts[STYLE_COUNT];
    PangoFontDescription *latin[STYLE_COUNT]; /* numbers and codes: the digits of English text */
    PangoLayout **layouts;
    size_t n_layouts, cap_layouts;
    struct op *ops;
    size_t n_ops, cap_ops;
    int page;
    double y;
    /* the open table */
    bool in_table;
    size_t n_cols;
    struct pdf_column cols[PDF_MAX_COLUMNS];
    double col_x[PDF_MAX_COLUMNS], col_w[PDF_MAX_COLUMNS];
    size_t header[PDF_MAX_COLUMNS]; /* layouts of the header row, placed again on each page */
    double header_h;
};

/* Keeps the first failure only: the rest usually follow from it. */
static void doc_fail(struct pdf_doc *d, int status, const char *field, const char *code,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
doc_fail(struct pdf_doc *d, int status, const char *field, const char *code, const char *fmt, ...)
{
    if (d->status != ST_OK)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    d->status = status;
    fail_set(&d->fail, status, field, code, "%s", msg);
}

static char *
dup_optional(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static bool
valid_text(const char *s)
{
    return !s || text_valid_utf8(s, strlen(s));
}

/* ---- building ---- */

static PangoAlignment
pango_align(const struct pdf_doc *d, enum pdf_align a)
{
    switch (a) {
    case PDF_ALIGN_START:
        return d->rtl ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
    case PDF_ALIGN_END:
        return d->rtl ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT;
    case PDF_ALIGN_RIGHT:
        break;
    }
    return PANGO_ALIGN_RIGHT;
}

/* Lays out `text` in a box `width` wide; returns its index in d->layouts, or SIZE_MAX after
 * recording a failure. `max_lines` > 0 cuts longer text with an ellipsis. */
static size_t
add_layout(struct pdf_doc *d, const char *text, enum style s, double width, enum pdf_align a,
           bool ltr, int max_lines)
{
    if (d->status != ST_OK)
        return SIZE_MAX;
    if (!text)
        text = "";
    size_t n = strlen(text);
    if (n > MAX_TEXT_BYTES) {
        doc_fail(d, ST_TOO_BIG, "text", "too_long", "a text block of %zu bytes is over %d", n,
                 MAX_TEXT_BYTES);
        return SIZE_MAX;
    }
    if (!text_valid_utf8(text, n)) {
        doc_fail(d, ST_INVALID, "text", "invalid_utf8", "text is not valid UTF-8");
        return SIZE_MAX;
    }
    if (d->n_layouts == d->cap_layouts) {
        if (d->n_layouts >= MAX_LAYOUTS) {
            doc_fail(d, ST_TOO_BIG, "", "too_big", "the document has over %d text blocks",
                     MAX_LAYOUTS);
            return SIZE_MAX;
        }
        size_t cap = d->cap_layouts ? d->cap_layouts * 2 : 64;
        PangoLayout **p = realloc(d->layouts, cap * sizeof(*p));
        if (!p) {
            doc_fail(d, ST_NOMEM, "", "no_memory", "out of memory");
            return SIZE_MAX;
        }
        d->layouts = p;
        d->cap_layouts = cap;
    }
    PangoLayout *l = pango_layout_new(d->ctx);
    /* The paragraph direction is the document's, not guessed from the first strong letter: an
     * Arabic line that starts with an MRN is still right to left. */
    pango_layout_set_auto_dir(l, FALSE);
    pango_layout_set_font_description(l, ltr ? d->latin[s] : d->fonts[s]);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, pango_align(d, a));
    if (max_lines > 0) {
        pango_layout_set_height(l, -max_lines);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    }
    if (ltr && d->rtl && n > 0) {
        struct buf b;
        buf_init(&b, 2 * MAX_TEXT_BYTES);
        if (buf_printf(&b, PDF_LRI "%s" PDF_PDI, text) != ST_OK) {
            buf_release(&b);
            g_object_unref(l);
            doc_fail(d, ST_NOMEM, "", "no_memory", "out of memory");
            return SIZE_MAX;
        }
        pango_layout_set_text(l, buf_str(&b), (int)b.len);
        buf_release(&b);
    } else {
        pango_layout_set_text(l, text, (int)n);
    }
    d->layouts[d->n_layouts] = l;
    return d->n_layouts++;
}

static struct op *
add_op(struct pdf_doc *d, enum op_kind kind)
{
    if (d->status != ST_OK)
        return NULL;
    if (d->n_ops == d->cap_ops) {
        if (d->n_ops >= MAX_OPS) {
            doc_fail(d, ST_TOO_BIG, "", "too_big", "the document is over %d drawing operations",
                     MAX_OPS);
            return NULL;
        }
        size_t cap = d->cap_ops ? d->cap_ops * 2 : 256;
        struct op *p = realloc(d->ops, cap * sizeof(*p));
        if (!p) {
            doc_fail(d, ST_NOMEM, "", "no_memory", "out of memory");
            return NULL;
        }
        d->ops = p;
        d->cap_ops = cap;
    }
    struct op *o = &d->ops[d->n_ops++];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->page = d->page;
    return o;
}

static void
add_text_op(struct pdf_doc *d, size_t layout, double x, double y, int first, int last, enum style s)
{
    struct op *o = add_op(d, OP_TEXT);
    if (!o)
        return;
    o->layout = layout;
    o->x = x;
    o->y = y;
    o->first_line = first;
    o->last_line = last;
    o->gray = styles[s].gray;
}

static void
add_rule(struct pdf_doc *d, double y, double thickness, double gray)
{
    struct op *o = add_op(d, OP_RULE);
    if (!o)
        return;
    o->x = MARGIN_X;
    o->y = y;
    o->w = TEXT_W;
    o->h = thickness;
    o->gray = gray;
}

static double
layout_height(const struct pdf_doc *d, size_t layout)
{
    PangoRectangle r;
    pango_layout_get_extents(d->layouts[layout], NULL, &r);
    return (double)r.height / PANGO_SCALE;
}

static void place_table_header(struct pdf_doc *d);

static void
new_page(struct pdf_doc *d)
{
    if (d->status != ST_OK)
        return;
    if (d->page + 1 >= MAX_PAGES) {
        doc_fail(d, ST_TOO_BIG, "", "too_many_pages", "the document is over %d pages", MAX_PAGES);
        return;
    }
    d->page++;
    d->y = CONTENT_TOP;
    if (d->in_table)
        place_table_header(d);
}

/* Moves to a new page unless `h` more points fit on this one (or the page is still empty). */
static void
ensure(struct pdf_doc *d, double h)
{
    if (d->y + h > CONTENT_BOTTOM && d->y > CONTENT_TOP)
        new_page(d);
}

/* Places a laid-out text with its left edge at x, line by line, breaking pages between
 * lines. */
static void
place_lines(struct pdf_doc *d, size_t layout, double x, enum style s)
{
    if (d->status != ST_OK)
        return;
    PangoLayoutIter *it = pango_layout_get_iter(d->layouts[layout]);
    int line = 0, first = 0;
    double origin_y = 0; /* the page position of the layout's top for the current segment */
    do {
        PangoRectangle r;
        pango_layout_iter_get_line_extents(it, NULL, &r);
        double top = (double)r.y / PANGO_SCALE, h = (double)r.height / PANGO_SCALE;
        if (line == first)
            origin_y = d->y - top;
        if (d->y + h > CONTENT_BOTTOM && d->y > CONTENT_TOP) {
            if (line > first)
                add_text_op(d, layout, x, origin_y, first, line - 1, s);
            new_page(d);
            first = line;
            origin_y = d->y - top;
        }
        d->y = origin_y + top + h;
        line++;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    add_text_op(d, layout, x, origin_y, first, line - 1, s);
}

static void
text_block(struct pdf_doc *d, const char *text, enum style s, double keep_with_next)
{
    if (d->in_table) {
        doc_fail(d, ST_INVALID, "", "table_open", "text added inside a table");
        return;
    }
    size_t l = add_layout(d, text, s, TEXT_W, PDF_ALIGN_START, false, 0);
    if (l == SIZE_MAX)
        return;
    /* A heading is not left alone at the foot of a page. */
    if (keep_with_next > 0)
        ensure(d, layout_height(d, l) + keep_with_next);
    place_lines(d, l, MARGIN_X, s);
}

void
pdf_title(struct pdf_doc *d, const char *text)
{
    text_block(d, text, STYLE_TITLE, 40);
    d->y += 10;
}

void
pdf_heading(struct pdf_doc *d, const char *text)
{
    if (d->y > CONTENT_TOP)
        d->y += 10;
    text_block(d, text, STYLE_HEADING, 40);
    d->y += 5;
}

void
pdf_paragraph(struct pdf_doc *d, const char *text)
{
    text_block(d, text, STYLE_BODY, 0);
    d->y += 6;
}

void
pdf_list_item(struct pdf_doc *d, const char *text)
{
    if (d->in_table) {
        doc_fail(d, ST_INVALID, "", "table_open", "a list item inside a table");
        return;
    }
    const double indent = 14;
    size_t bullet = add_layout(d, "\xE2\x80\xA2", STYLE_BODY, indent, PDF_ALIGN_START, false, 0);
    size_t l = add_layout(d, text, STYLE_BODY, TEXT_W - indent, PDF_ALIGN_START, false, 0);
    if (bullet == SIZE_MAX || l == SIZE_MAX)
        return;
    /* The bullet stands beside the first line: both go on the page that line is on. */
    PangoLayoutLine *first = pango_layout_get_line_readonly(d->layouts[l], 0);
    PangoRectangle r;
    pango_layout_line_get_extents(first, NULL, &r);
    ensure(d, (double)r.height / PANGO_SCALE);
    add_text_op(d, bullet, d->rtl ? PAGE_W - MARGIN_X - indent : MARGIN_X, d->y, 0, 0, STYLE_BODY);
    place_lines(d, l, d->rtl ? MARGIN_X : MARGIN_X + indent, STYLE_BODY);
    d->y += 3;
}

void
pdf_drawing(struct pdf_doc *d, double height, pdf_draw_fn fn, void *ctx)
{
    if (d->in_table) {
        doc_fail(d, ST_INVALID, "", "table_open", "a drawing inside a table");
        return;
    }
    if (!fn || !(height > 0) || height > CONTENT_BOTTOM - CONTENT_TOP) {
        doc_fail(d, ST_INVALID, "", "bad_drawing", "a drawing must be 0 to %.0f points tall",
                 CONTENT_BOTTOM - CONTENT_TOP);
        return;
    }
    ensure(d, height);
    struct op *o = add_op(d, OP_DRAW);
    if (!o)
        return;
    o->x = MARGIN_X;
    o->y = d->y;
    o->w = TEXT_W;
    o->h = height;
    o->draw = fn;
    o->draw_ctx = ctx;
    d->y += height + 4;
}

double
pdf_space_left(const struct pdf_doc *d)
{
    return CONTENT_BOTTOM - d->y;
}

double
pdf_text_width(void)
{
    return TEXT_W;
}

void
pdf_space(struct pdf_doc *d, double points)
{
    if (points > 0 && points < PAGE_H)
        d->y += points;
}

void
pdf_page_break(struct pdf_doc *d)
{
    if (d->in_table)
        doc_fail(d, ST_INVALID, "", "table_open", "a page break inside a table");
    else if (d->y > CONTENT_TOP)
        new_page(d);
}

/* The page x of column `i` of widths w[0..n): reading order runs from the right in Arabic. */
static void
column_positions(const struct pdf_doc *d, const double *w, size_t n, double *x)
{
    double before = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = d->rtl ? PAGE_W - MARGIN_X - before - w[i] : MARGIN_X + before;
        before += w[i];
    }
}

void
pdf_key_value(struct pdf_doc *d, const char *key, const char *value, bool value_ltr)
{
    if (d->in_table) {
        doc_fail(d, ST_INVALID, "", "table_open", "a key/value row inside a table");
        return;
    }
    const double gap = 10;
    double w[2] = {TEXT_W * 0.3, TEXT_W * 0.7}, x[2];
    column_positions(d, w, 2, x);
    size_t k =
        add_layout(d, key, STYLE_LABEL, w[0] - gap, PDF_ALIGN_START, false, PDF_MAX_CELL_LINES);
    size_t v =
        add_layout(d, value, STYLE_BODY, w[1], PDF_ALIGN_START, value_ltr, PDF_MAX_CELL_LINES);
    if (k == SIZE_MAX || v == SIZE_MAX)
        return;
    double hk = layout_height(d, k), hv = layout_height(d, v);
    double h = hk > hv ? hk : hv;
    ensure(d, h);
    /* The key keeps its side of the gap: at the left in English, at the right in Arabic. */
    add_text_op(d, k, d->rtl ? x[0] + gap : x[0], d->y, 0, INT32_MAX, STYLE_LABEL);
    add_text_op(d, v, x[1], d->y, 0, INT32_MAX, STYLE_BODY);
    d->y += h + 3;
}

/* ---- tables ---- */

static void
place_table_header(struct pdf_doc *d)
{
    struct op *o = add_op(d, OP_FILL);
    if (!o)
        return;
    o->x = MARGIN_X;
    o->y = d->y;
    o->w = TEXT_W;
    o->h = d->header_h;
    o->gray = 0.93;
    for (size_t i = 0; i < d->n_cols; i++)
        add_text_op(d, d->header[i], d->col_x[i] + CELL_PAD_X, d->y + CELL_PAD_Y, 0, INT32_MAX,
                    STYLE_BOLD);
    d->y += d->header_h;
    add_rule(d, d->y, 0.8, 0.45);
}

void
pdf_table_begin(struct pdf_doc *d, const struct pdf_column *columns, size_t n)
{
    if (d->status != ST_OK)
        return;
    if (d->in_table || n == 0 || n > PDF_MAX_COLUMNS) {
        doc_fail(d, ST_INVALID, "", "bad_table", "a table of %zu columns (1 to %d, not nested)", n,
                 PDF_MAX_COLUMNS);
        return;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(columns[i].share > 0)) {
            doc_fail(d, ST_INVALID, "", "bad_table", "column %zu has no width", i);
            return;
        }
        total += columns[i].share;
    }
    d->n_cols = n;
    for (size_t i = 0; i < n; i++) {
        d->cols[i] = columns[i];
        d->cols[i].title = NULL; /* the caller's string is not kept */
        d->col_w[i] = TEXT_W * columns[i].share / total;
    }
    column_positions(d, d->col_w, n, d->col_x);
    d->header_h = 0;
    for (size_t i = 0; i < n; i++) {
        d->header[i] = add_layout(d, columns[i].title, STYLE_BOLD, d->col_w[i] - 2 * CELL_PAD_X,
                                  columns[i].align, false, PDF_MAX_CELL_LINES);
        if (d->header[i] == SIZE_MAX)
            return;
        double h = layout_height(d, d->header[i]) + 2 * CELL_PAD_Y;
        if (h > d->header_h)
            d->header_h = h;
    }
    d->y += 4;
    /* The header row comes with room for at least two rows under it. */
    ensure(d, d->header_h + 2 * (styles[STYLE_BODY].size * 1.5 + 2 * CELL_PAD_Y));
    d->in_table = true;
    place_table_header(d);
}

/* Places one row of laid-out cells: cell i at x[i], `n` cells, with a rule under it (or a
 * heavier one above it for a grand total). */
static void
place_row(struct pdf_doc *d, const size_t *cells, const double *x, size_t n, enum style s,
          bool strong)
{
    double h = 0;
    for (size_t i = 0; i < n; i++) {
        double ch = layout_height(d, cells[i]);
        if (ch > h)
            h = ch;
    }
    h += 2 * CELL_PAD_Y;
    ensure(d, h);
    if (strong)
        add_rule(d, d->y, 1.2, 0.15);
    for (size_t i = 0; i < n; i++)
        add_text_op(d, cells[i], x[i] + CELL_PAD_X, d->y + CELL_PAD_Y, 0, INT32_MAX, s);
    d->y += h;
    if (!strong)
        add_rule(d, d->y, 0.4, 0.78);
}

void
pdf_table_row(struct pdf_doc *d, const char *const *cells)
{
    if (d->status != ST_OK)
        return;
    if (!d->in_table) {
        doc_fail(d, ST_INVALID, "", "no_table", "a table row outside a table");
        return;
    }
    size_t l[PDF_MAX_COLUMNS];
    for (size_t i = 0; i < d->n_cols; i++) {
        l[i] = add_layout(d, cells[i], STYLE_BODY, d->col_w[i] - 2 * CELL_PAD_X, d->cols[i].align,
                          d->cols[i].ltr, PDF_MAX_CELL_LINES);
        if (l[i] == SIZE_MAX)
            return;
    }
    place_row(d, l, d->col_x, d->n_cols, STYLE_BODY, false);
}

void
pdf_table_total(struct pdf_doc *d, const char *label, const char *value, bool strong)
{
    if (d->status != ST_OK)
        return;
    if (!d->in_table || d->n_cols < 2) {
        doc_fail(d, ST_INVALID, "", "no_table", "a total row outside a table of 2 columns or more");
        return;
    }
    size_t last = d->n_cols - 1;
    double w[2] = {0, d->col_w[last]}, x[2];
    for (size_t i = 0; i < last; i++)
        w[0] += d->col_w[i];
    column_positions(d, w, 2, x);
    enum style s = strong ? STYLE_BOLD : STYLE_BODY;
    size_t l[2];
    l[0] = add_layout(d, label, s, w[0] - 2 * CELL_PAD_X, PDF_ALIGN_END, false, PDF_MAX_CELL_LINES);
    l[1] = add_layout(d, value, s, w[1] - 2 * CELL_PAD_X, d->cols[last].align, d->cols[last].ltr,
                      PDF_MAX_CELL_LINES);
    if (l[0] == SIZE_MAX || l[1] == SIZE_MAX)
        return;
    place_row(d, l, x, 2, s, strong);
}

void
pdf_table_end(struct pdf_doc *d)
{
    if (!d->in_table) {
        doc_fail(d, ST_INVALID, "", "no_table", "a table ended that was not begun");
        return;
    }
    d->in_table = false;
    d->y += 10;
}

/* ---- the document ---- */

int
pdf_doc_new(const struct pdf_options *o, struct pdf_doc **out, struct fail *f)
{
    *out = NULL;
    bool rtl;
    if (o->lang && strcmp(o->lang, "ar") == 0)
        rtl = true;
    else if (o->lang && strcmp(o->lang, "en") == 0)
        rtl = false;
    else
        return fail_set(f, ST_INVALID, "lang", "invalid_value", "language '%s' is not en or ar",
                        o->lang ? o->lang : "");
    const struct {
        const char *name, *value;
    } texts[] = {{"title", o->title}, {"clinic_name", o->clinic_name}, {"footer", o->footer}};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (!valid_text(texts[i].value) ||
            (texts[i].value && strlen(texts[i].value) > MAX_TEXT_BYTES))
            return fail_set(f, ST_INVALID, texts[i].name, "invalid_utf8",
                            "%s is not valid UTF-8 text", texts[i].name);
    struct date date;
    if (o->date && date_parse(o->date, &date) != ST_OK)
        return fail_set(f, ST_INVALID, "date", "invalid_date", "date '%s' is not YYYY-MM-DD",
                        o->date);

    struct pdf_doc *d = calloc(1, sizeof(*d));
    if (!d)
        return fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
    d->rtl = rtl;
    d->title = dup_optional(o->title);
    d->clinic_name = dup_optional(o->clinic_name);
    d->footer = dup_optional(o->footer);
    if ((o->title && *o->title && !d->title) ||
        (o->clinic_name && *o->clinic_name && !d->clinic_name) ||
        (o->footer && *o->footer && !d->footer)) {
        pdf_doc_free(d);
        return fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
    }
    if (o->date)
        snprintf(d->date, sizeof(d->date), "%.10sT00:00:00", o->date);

    d->ctx = pdf_text_context(rtl);
    for (int s = 0; s < STYLE_COUNT; s++) {
        d->fonts[s] = pdf_text_font(rtl ? PDF_TEXT_ARABIC_FAMILIES : PDF_TEXT_LATIN_FAMILIES,
                                    styles[s].size, styles[s].bold);
        d->latin[s] = pdf_text_font(PDF_TEXT_LATIN_FAMILIES, styles[s].size, styles[s].bold);
    }
    d->y = CONTENT_TOP;
    fail_clear(&d->fail);
    *out = d;
    return ST_OK;
}

void
pdf_doc_free(struct pdf_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_layouts; i++)
        g_object_unref(d->layouts[i]);
    free(d->layouts);
    free(d->ops);
    for (int s = 0; s < STYLE_COUNT; s++) {
        if (d->fonts[s])
            pango_font_description_free(d->fonts[s]);
        if (d->latin[s])
            pango_font_description_free(d->latin[s]);
    }
    if (d->ctx)
        g_object_unref(d->ctx);
    free(d->title);
    free(d->clinic_name);
    free(d->footer);
    free(d);
}

int
pdf_doc_pages(const struct pdf_doc *d)
{
    return d->page + 1;
}

void
pdf_doc_fonts(const struct pdf_doc *d, struct pdf_fonts *out)
{
    memset(out, 0, sizeof(*out));
    size_t used = 0;
    for (size_t i = 0; i < d->n_layouts; i++) {
        PangoLayout *l = d->layouts[i];
        out->unknown_glyphs += pango_layout_get_unknown_glyphs_count(l);
        PangoLayoutIter *it = pango_layout_get_iter(l);
        do {
            PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
            if (!run || !run->item->analysis.font)
                continue;
            PangoFontDescription *fd = pango_font_describe(run->item->analysis.font);
            const char *family = pango_font_description_get_family(fd);
            size_t n = family ? strlen(family) : 0;
            bool seen = false;
            for (const char *p = out->families; n && (p = strstr(p, family)); p += n)
                if ((p == out->families || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
                    seen = true;
            if (n && !seen && used + n + 2 < sizeof(out->families)) {
                if (used) {
                    memcpy(out->families + used, ", ", 2);
                    used += 2;
                }
                memcpy(out->families + used, family, n);
                used += n;
                out->families[used] = '\0';
            }
            pango_font_description_free(fd);
        } while (pango_layout_iter_next_run(it));
        pango_layout_iter_free(it);
    }
}

/* ---- drawing ---- */

/* A one-line text of the page frame, at the start or end side. */
static int
draw_frame_text(struct pdf_doc *d, cairo_t *cr, const char *text, enum style s, double y,
                enum pdf_align a, double width)
{
    PangoLayout *l = pango_layout_new(d->ctx);
    pango_layout_set_auto_dir(l, FALSE);
    pango_layout_set_font_description(l, d->fonts[s]);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_alignment(l, pango_align(d, a));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_text(l, text, -1);
    double x = MARGIN_X;
    if ((a == PDF_ALIGN_END) != d->rtl)
        x = PAGE_W - MARGIN_X - width;
    cairo_set_source_rgb(cr, styles[s].gray, styles[s].gray, styles[s].gray);
    int st = pdf_text_draw(cr, l, x, y, 0, 0);
    g_object_unref(l);
    return st;
}

static void
draw_rule(cairo_t *cr, double x, double y, double w, double thickness, double gray)
{
    cairo_set_source_rgb(cr, gray, gray, gray);
    cairo_set_line_width(cr, thickness);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + w, y);
    cairo_stroke(cr);
}

static int
draw_frame(struct pdf_doc *d, cairo_t *cr, int page, int pages)
{
    int st = ST_OK;
    bool both = d->clinic_name && d->title;
    if (d->clinic_name)
        st = draw_frame_text(d, cr, d->clinic_name, STYLE_CLINIC, HEADER_Y, PDF_ALIGN_START,
                             both ? TEXT_W * 0.6 : TEXT_W);
    if (st == ST_OK && d->title)
        st = draw_frame_text(d, cr, d->title, STYLE_SMALL, HEADER_Y + 3, PDF_ALIGN_END,
                             both ? TEXT_W * 0.38 : TEXT_W);
    draw_rule(cr, MARGIN_X, HEADER_RULE_Y, TEXT_W, 0.6, 0.6);
    draw_rule(cr, MARGIN_X, FOOTER_RULE_Y, TEXT_W, 0.6, 0.6);
    if (st == ST_OK && d->footer)
        st = draw_frame_text(d, cr, d->footer, STYLE_SMALL, FOOTER_Y, PDF_ALIGN_START,
                             TEXT_W * 0.78);
    char number[64];
    if (d->rtl)
        snprintf(number, sizeof(number), "صفحة %d من %d", page + 1, pages);
    else
        snprintf(number, sizeof(number), "Page %d of %d", page + 1, pages);
    if (st == ST_OK)
        st = draw_frame_text(d, cr, number, STYLE_SMALL, FOOTER_Y, PDF_ALIGN_END, TEXT_W * 0.2);
    return st;
}

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

int
pdf_doc_write(struct pdf_doc *d, struct buf *out, struct fail *f)
{
    if (d->status == ST_OK && d->in_table)
        doc_fail(d, ST_INVALID, "", "table_open", "the document ends inside a table");
    if (d->status == ST_OK && d->written)
        doc_fail(d, ST_INVALID, "", "written", "the document was already written");
    if (d->status != ST_OK) {
        if (f)
            *f = d->fail;
        return d->status;
    }
    d->written = true;
    size_t start = out->len;
    struct sink sink = {out, ST_OK};
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W, PAGE_H);
    if (d->title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Autologa");
    if (d->date[0])
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, d->date);
    cairo_t *cr = cairo_create(surface);
    int pages = d->page + 1, st = ST_OK;
    size_t o = 0;
    for (int p = 0; p < pages && st == ST_OK; p++) {
        st = draw_frame(d, cr, p, pages);
        for (; st == ST_OK && o < d->n_ops && d->ops[o].page == p; o++) {
            const struct op *op = &d->ops[o];
            switch (op->kind) {
            case OP_TEXT:
                cairo_set_source_rgb(cr, op->gray, op->gray, op->gray);
                st = pdf_text_draw(cr, d->layouts[op->layout], op->x, op->y, op->first_line,
                                   op->last_line);
                break;
            case OP_RULE:
                draw_rule(cr, op->x, op->y, op->w, op->h, op->gray);
                break;
            case OP_FILL:
                cairo_set_source_rgb(cr, op->gray, op->gray, op->gray);
                cairo_rectangle(cr, op->x, op->y, op->w, op->h);
                cairo_fill(cr);
                break;
            case OP_DRAW:
                cairo_save(cr);
                st = op->draw(op->draw_ctx, cr, op->x, op->y, op->w, op->h, d->rtl);
                cairo_restore(cr);
                break;
            }
        }
        cairo_show_page(cr);
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (st == ST_OK && sink.status != ST_OK)
        st = sink.status;
    if (st == ST_OK && cs == CAIRO_STATUS_NO_MEMORY)
        st = ST_NOMEM;
    else if (st == ST_OK && cs != CAIRO_STATUS_SUCCESS)
        st = ST_IO;
    if (st != ST_OK) {
        /* No half document is left behind. */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        if (st == ST_TOO_BIG)
            return fail_set(f, st, "", "too_big", "the PDF is larger than its buffer allows");
        if (st == ST_NOMEM)
            return fail_set(f, st, "", "no_memory", "out of memory while writing the PDF");
        return fail_set(f, st, "", "pdf_failed", "cairo failed to write the PDF: %s",
                        cairo_status_to_string(cs));
    }
    return ST_OK;
}
