/* The shared text machinery of docs/pdf_text.h: pango contexts and fonts for the PDF
 * surfaces, and glyph runs drawn in visual order with their text for extraction. */
#include "docs/pdf_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "core/text.h"

PangoContext *
pdf_text_context(bool rtl)
{
    /* The default font map is per thread in pango, so documents may be built on several
     * threads at once. Resolution 72 makes one pango point one PDF unit. */
    PangoContext *ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
    pango_cairo_context_set_resolution(ctx, 72);
    /* Unhinted metrics: the layout is the same whatever the output device, so the same
     * document always breaks its lines and pages in the same places. */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(ctx, FALSE);
    pango_context_set_language(ctx, pango_language_from_string(rtl ? "ar" : "en"));
    pango_context_set_base_dir(ctx, rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
    return ctx;
}

PangoFontDescription *
pdf_text_font(const char *families, double size, bool bold)
{
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, families);
    pango_font_description_set_size(fd, (int)(size * PANGO_SCALE));
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    return fd;
}

/* Whether a code point is an invisible direction control (isolates, embeddings, marks): it
 * shapes the line but is no text a reader copies. */
static bool
is_bidi_control(uint32_t cp)
{
    return cp == 0x200E || cp == 0x200F || cp == 0x061C || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Whether a code point is a combining mark that follows its letter: Arabic vowel signs and
 * shadda, and the general diacritics. */
static bool
is_combining_mark(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0610 && cp <= 0x061A) ||
           (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 || (cp >= 0x06D6 && cp <= 0x06DC) ||
           (cp >= 0x06DF && cp <= 0x06E4) || cp == 0x06E7 || cp == 0x06E8 ||
           (cp >= 0x06EA && cp <= 0x06ED);
}

static bool
only_marks(const char *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len) {
        uint32_t cp = text_decode(s + i, n - i, &len);
        if (len == 0 || !is_combining_mark(cp))
            return false;
    }
    return n > 0;
}

/* Appends s[0..n) to u without direction controls, in reverse code point order when
 * `reverse`. */
static void
append_cluster_text(char *u, size_t *ul, const char *s, size_t n, bool reverse)
{
    size_t i = reverse ? n : 0;
    while (reverse ? i > 0 : i < n) {
        size_t start = i, len;
        if (reverse) {
            start = i - 1;
            while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
                start--;
        }
        uint32_t cp = text_decode(s + start, n - start, &len);
        if (!is_bidi_control(cp)) {
            memcpy(u + *ul, s + start, len);
            *ul += len;
        }
        i = reverse ? start : start + len;
    }
}

/* Draws one run of glyphs with its baseline origin at (x, y).
 *
 * pango hands cairo a right-to-left run in logical order, and cairo's PDF then places each
 * glyph to the left of the one before it; text extraction (pdftotext, copy and paste) reads
 * such glyphs as separate words. Here every run is drawn in visual order, left to right, with
 * the text of right-to-left clusters reversed to match: readers put Arabic lines back into
 * logical order themselves, whole words intact. */
static int
draw_run(cairo_t *cr, const char *text, PangoGlyphItem *run, double x, double y)
{
    PangoGlyphString *gs = run->glyphs;
    PangoItem *item = run->item;
    int n = gs->num_glyphs;
    if (n <= 0)
        return ST_OK;
    for (int i = 0; i < n; i++)
        if (gs->glyphs[i].glyph & PANGO_GLYPH_UNKNOWN_FLAG) {
            /* No font has the character: pango draws its code in a box, which at least shows
             * what is missing. */
            cairo_move_to(cr, x, y);
            pango_cairo_show_glyph_item(cr, text, run);
            return ST_OK;
        }
    bool rtl = item->analysis.level % 2 == 1;
    const char *s = text + item->offset;
    int st = ST_OK;
    cairo_glyph_t *glyphs = malloc(sizeof(*glyphs) * (size_t)n);
    cairo_text_cluster_t *clusters = malloc(sizeof(*clusters) * (size_t)n);
    char *u = malloc((size_t)item->length + 1);
    if (!glyphs || !clusters || !u) {
        st = ST_NOMEM;
        goto out;
    }
    int ng = 0, nc = 0;
    size_t ul = 0;
    double pen = x;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && gs->log_clusters[j] == gs->log_clusters[i])
            j++;
        int end = rtl ? (i > 0 ? gs->log_clusters[i - 1] : item->length)
                      : (j < n ? gs->log_clusters[j] : item->length);
        /* A mark the font shapes as a cluster of its own goes with its letter, which a right
         * to left run draws after it: extraction would set a lone mark apart as a word. */
        while (rtl && j < n && end > gs->log_clusters[j - 1] && end <= item->length &&
               only_marks(s + gs->log_clusters[j - 1], (size_t)(end - gs->log_clusters[j - 1]))) {
            int k = j;
            while (k < n && gs->log_clusters[k] == gs->log_clusters[j])
                k++;
            j = k;
        }
        int start = rtl ? gs->log_clusters[j - 1] : gs->log_clusters[i];
        int first_glyph = ng, base_glyph = -1;
        for (int k = i; k < j; k++) {
            PangoGlyphInfo *g = &gs->glyphs[k];
            if (base_glyph < 0 && gs->log_clusters[k] == gs->log_clusters[j - 1])
                base_glyph = ng;
            if (g->glyph != PANGO_GLYPH_EMPTY) {
                glyphs[ng].index = g->glyph;
                glyphs[ng].x = pen + (double)g->geometry.x_offset / PANGO_SCALE;
                glyphs[ng].y = y + (double)g->geometry.y_offset / PANGO_SCALE;
                ng++;
            }
            pen += (double)g->geometry.width / PANGO_SCALE;
        }
        /* The marks' glyphs carry no text of their own: the letter's glyph carries it all, so
         * that extraction sees one character box where the letter stands. */
        if (base_glyph > first_glyph && base_glyph < ng) {
            clusters[nc].num_bytes = 0;
            clusters[nc].num_glyphs = base_glyph - first_glyph;
            nc++;
            first_glyph = base_glyph;
        }
        /* A cluster without a visible glyph (a direction control) leaves no text behind. */
        if (ng > first_glyph && end > start && end <= item->length) {
            size_t before = ul;
            append_cluster_text(u, &ul, s + start, (size_t)(end - start), rtl);
            clusters[nc].num_bytes = (int)(ul - before);
            clusters[nc].num_glyphs = ng - first_glyph;
            nc++;
        } else if (ng > first_glyph) {
            clusters[nc].num_bytes = 0;
            clusters[nc].num_glyphs = ng - first_glyph;
            nc++;
        }
        i = j;
    }
    if (ng > 0) {
        cairo_set_scaled_font(
            cr, pango_cairo_font_get_scaled_font((PangoCairoFont *)item->analysis.font));
        cairo_show_text_glyphs(cr, u, (int)ul, glyphs, ng, clusters, nc, 0);
    }
out:
    free(glyphs);
    free(clusters);
    free(u);
    return st;
}

int
pdf_text_draw(cairo_t *cr, PangoLayout *l, double ox, double oy, int first, int last)
{
    const char *text = pango_layout_get_text(l);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    PangoLayoutLine *current = pango_layout_iter_get_line_readonly(it);
    int line = 0, st = ST_OK;
    do {
        PangoLayoutLine *ln = pango_layout_iter_get_line_readonly(it);
        if (ln != current) {
            current = ln;
            line++;
        }
        if (line > last)
            break;
        PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
        if (line < first || !run)
            continue;
        PangoRectangle r;
        pango_layout_iter_get_run_extents(it, NULL, &r);
        double x = ox + (double)r.x / PANGO_SCALE;
        double y = oy + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        st = draw_run(cr, text, run, x, y);
    } while (st == ST_OK && pango_layout_iter_next_run(it));
    pango_layout_iter_free(it);
    return st;
}