/* The outcome report on docs/pdf.h: the patient and the course, one chart per measure drawn
 * with cairo (values, the expected band, sessions, milestones, the baseline; time runs left to
 * right in both languages, as on the screen), the values, the notes on evidence and the first
 * and latest photographs of each view. */
#include "docs/outcome_pdf.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/image.h"
#include "docs/pdf.h"
#include "docs/pdf_text.h"

#define CHART_H 190.0
#define PHOTO_H 250.0
/* Pixels of the longest side a photograph is printed from: about 200 dpi at the printed size. */
#define PHOTO_PIXELS 1000
/* The plot inside a chart block: room for the value labels at the left, dates below. */
#define PLOT_LEFT 46.0
#define PLOT_RIGHT 10.0
#define PLOT_TOP 14.0
#define PLOT_BOTTOM 26.0

static const struct words {
    const char *title, *patient, *mrn, *dob, *course, *status, *anchor, *anchor_planned, *printed,
        *no_course, *sessions, *seq, *kind, *date, *milestones, *results, *no_results, *baseline,
        *no_baseline, *band_from, *no_anchor, *months, *value, *evidence, *sources, *photos, *first,
        *latest, *legend, *footer;
    const char *kinds[2][2];
    const char *statuses[5][2];
} words_en =
    {
        .title = "Outcome report",
        .patient = "Patient",
        .mrn = "MRN",
        .dob = "Date of birth",
        .course = "Course",
        .status = "Status",
        .anchor = "First session",
        .anchor_planned = "First session (planned)",
        .printed = "Printed",
        .no_course = "No course of treatment is recorded: the values are shown without sessions "
                     "or an expected range.",
        .sessions = "Sessions",
        .seq = "No.",
        .kind = "Kind",
        .date = "Date",
        .milestones = "Milestones",
        .results = "Results over time",
        .no_results = "No measurement is recorded yet.",
        .baseline = "Start (baseline)",
        .no_baseline = "No expected range is drawn: there is no value in the 90 days up to the "
                       "first session to start it from.",
        .band_from = "Expected range",
        .no_anchor = "No expected range is drawn: the course has no session date yet.",
        .months = "Months",
        .value = "Value",
        .evidence = "What the evidence says",
        .sources = "Sources",
        .photos = "Photographs",
        .first = "First",
        .latest = "Latest",
        .legend = "Chart: dots are the values, the shaded area the expected range over the start "
                  "value, grey lines the sessions, triangles the milestones, the dashed line "
                  "the start value.",
        .footer = "Outcome report",
        .kinds = {{"session", "Session"}, {"maintenance", "Maintenance"}},
        .statuses = {{"planned", "planned"},
                     {"booked", "booked"},
                     {"done", "done"},
                     {"cancelled", "cancelled"},
                     {"missed", "missed"}},
},
  words_ar = {
      .title = "تقرير النتائج",
      .patient = "المريض",
      .mrn = "رقم الملف الطبي",
      .dob = "تاريخ الميلاد",
      .course = "البرنامج العلاجي",
      .status = "الحالة",
      .anchor = "الجلسة الأولى",
      .anchor_planned = "الجلسة الأولى (مخطط لها)",
      .printed = "تاريخ الطباعة",
      .no_course = "لا يوجد برنامج علاجي مسجل: تظهر القيم دون جلسات أو نطاق متوقع.",
      .sessions = "الجلسات",
      .seq = "رقم",
      .kind = "النوع",
      .date = "التاريخ",
      .milestones = "المحطات",
      .results = "النتائج عبر الزمن",
      .no_results = "لم يُسجَّل أي قياس بعد.",
      .baseline = "البداية (القيمة الأساسية)",
      .no_baseline = "لا يُرسم نطاق متوقع: لا توجد قيمة خلال 90 يومًا قبل الجلسة الأولى للبدء "
                     "منها.",
      .band_from = "النطاق المتوقع",
      .no_anchor = "لا يُرسم نطاق متوقع: لا يوجد تاريخ جلسة للبرنامج بعد.",
      .months = "الأشهر",
      .value = "القيمة",
      .evidence = "ما تقوله الأدلة",
      .sources = "المصادر",
      .photos = "الصور",
      .first = "الأولى",
      .latest = "الأحدث",
      .legend = "الرسم: النقاط هي القيم، والمنطقة المظللة هي النطاق المتوقع فوق قيمة البداية، "
                "والخطوط الرمادية الجلسات، والمثلثات المحطات، والخط المتقطع قيمة البداية.",
      .footer = "تقرير النتائج",
      .kinds = {{"session", "جلسة"}, {"maintenance", "جلسة صيانة"}},
      .statuses = {{"planned", "مخطط لها"},
                   {"booked", "محجوزة"},
                   {"done", "تمت"},
                   {"cancelled", "ملغاة"},
                   {"missed", "فائتة"}},
};

/* ---- reading the timeline ---- */

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* o[key][lang], else the other language, else "". */
static const char *
text_in(const json_t *o, const char *key, const char *lang)
{
    const json_t *t = json_object_get(o, key);
    const char *s = str(t, lang);
    if (!s || !*s)
        s = str(t, strcmp(lang, "ar") == 0 ? "en" : "ar");
    return s ? s : "";
}

static const char *
word_of(const char *const (*table)[2], size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (!strcmp(table[i][0], code))
            return table[i][1];
    return code ? code : "";
}

/* Days since the epoch of a "YYYY-MM-DD", or false. */
static bool
day_of(const char *s, double *day)
{
    struct date d;
    if (!s || date_parse(s, &d) != ST_OK)
        return false;
    *day = (double)date_to_days(&d);
    return true;
}

/* A value as the chart places it: a number, or a code's place among the codes. */
static bool
chart_value(const json_t *series, const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    const json_t *codes = json_object_get(series, "codes");
    size_t i;
    const json_t *c;
    json_array_foreach(codes, i, c)
    {
        if (json_is_string(v) && json_equal((json_t *)c, (json_t *)v)) {
            *out = (double)i;
            return true;
        }
    }
    return false;
}

/* A value as text: numbers without trailing zeros. */
static void
value_text(const json_t *v, char *out, size_t cap)
{
    if (json_is_integer(v))
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_number(v))
        snprintf(out, cap, "%.6g", json_number_value(v));
    else if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else
        snprintf(out, cap, "-");
}

/* ---- a chart ---- */

struct chart {
    const json_t *series;
    const json_t *course; /* NULL or null when none */
    double t0, t1;        /* days shown */
    double v0, v1;        /* values shown */
    bool coded;
};

static void
widen(double *lo, double *hi, bool *any, double v)
{
    if (!*any || v < *lo)
        *lo = v;
    if (!*any || v > *hi)
        *hi = v;
    *any = true;
}

/* The ranges a chart shows: every point, the baseline, the band, the sessions and milestones. */
static void
chart_ranges(struct chart *c)
{
    bool any_t = false, any_v = false;
    double d, v;
    size_t i;
    const json_t *p;

    json_array_foreach(json_object_get(c->series, "points"), i, p)
    {
        if (day_of(str(p, "date"), &d))
            widen(&c->t0, &c->t1, &any_t, d);
        if (chart_value(c->series, json_object_get(p, "value"), &v))
            widen(&c->v0, &c->v1, &any_v, v);
    }
    const json_t *band = json_object_get(c->series, "band");
    if (json_is_object(band)) {
        if (day_of(str(band, "from"), &d))
            widen(&c->t0, &c->t1, &any_t, d);
        if (day_of(str(band, "to"), &d))
            widen(&c->t0, &c->t1, &any_t, d);
        widen(&c->v0, &c->v1, &any_v, json_number_value(json_object_get(band, "low")));
        widen(&c->v0, &c->v1, &any_v, json_number_value(json_object_get(band, "high")));
    }
    if (json_is_object(c->course)) {
        json_array_foreach(json_object_get(c->course, "sessions"), i, p)
        {
            if (day_of(str(p, "date"), &d))
                widen(&c->t0, &c->t1, &any_t, d);
        }
        json_array_foreach(json_object_get(c->course, "milestones"), i, p)
        {
            if (day_of(str(p, "date"), &d))
                widen(&c->t0, &c->t1, &any_t, d);
        }
    }
    c->coded = json_is_array(json_object_get(c->series, "codes"));
    if (c->coded) {
        c->v0 = 0;
        c->v1 = (double)json_array_size(json_object_get(c->series, "codes")) - 1;
    }
    /* Room around the data so that no dot sits on the frame. */
    double span = c->t1 - c->t0;
    if (span < 30)
        span = 30;
    c->t0 -= span * 0.04;
    c->t1 = c->t0 + span * 1.08;
    double vs = c->v1 - c->v0;
    if (vs <= 0)
        vs = fabs(c->v1) > 0 ? fabs(c->v1) * 0.2 : 1;
    c->v0 -= vs * 0.12;
    c->v1 += vs * 0.12;
}

/* One line of Latin text (dates, numbers, codes) with its left edge at x, or its right edge when
 * right_align, its top at y. */
static int
chart_label(cairo_t *cr, PangoContext *ctx, PangoFontDescription *font, const char *text, double x,
            double y, bool right_align, bool centre)
{
    PangoLayout *l = pango_layout_new(ctx);
    if (!l)
        return ST_NOMEM;
    pango_layout_set_font_description(l, font);
    pango_layout_set_text(l, text, -1);
    PangoRectangle r;
    pango_layout_get_extents(l, NULL, &r);
    double w = (double)r.width / PANGO_SCALE;
    if (right_align)
        x -= w;
    else if (centre)
        x -= w / 2;
    int st = pdf_text_draw(cr, l, x, y, 0, 0);
    g_object_unref(l);
    return st;
}

static int
draw_chart(void *arg, cairo_t *cr, double x, double y, double w, double h, bool rtl)
{
    struct chart *c = arg;
    (void)rtl; /* time runs left to right in both languages, as on the screen */
    double px = x + PLOT_LEFT, py = y + PLOT_TOP, pw = w - PLOT_LEFT - PLOT_RIGHT,
           ph = h - PLOT_TOP - PLOT_BOTTOM;
#define TX(t) (px + ((t)-c->t0) / (c->t1 - c->t0) * pw)
#define VY(v) (py + ph - ((v)-c->v0) / (c->v1 - c->v0) * ph)
    PangoContext *ctx = pdf_text_context(false);
    PangoFontDescription *font = pdf_text_font(PDF_TEXT_LATIN_FAMILIES, 7, false);
    int st = ST_OK;
    double d, v;
    size_t i;
    const json_t *p;
    char buf[64];

    /* The expected band, under everything else. */
    const json_t *band = json_object_get(c->series, "band");
    double b0, b1;
    if (json_is_object(band) && day_of(str(band, "from"), &b0) && day_of(str(band, "to"), &b1)) {
        double lo = json_number_value(json_object_get(band, "low")),
               hi = json_number_value(json_object_get(band, "high"));
        cairo_set_source_rgb(cr, 0.80, 0.92, 0.82);
        cairo_rectangle(cr, TX(b0), VY(hi), TX(b1) - TX(b0), VY(lo) - VY(hi));
        cairo_fill(cr);
    }
    /* The frame and the value grid. */
    cairo_set_line_width(cr, 0.5);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_rectangle(cr, px, py, pw, ph);
    cairo_stroke(cr);
    if (c->coded) {
        json_array_foreach(json_object_get(c->series, "codes"), i, p)
        {
            double yy = VY((double)i);
            cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
            cairo_move_to(cr, px, yy);
            cairo_line_to(cr, px + pw, yy);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            if (st == ST_OK)
                st =
                    chart_label(cr, ctx, font, json_string_value(p), px - 4, yy - 4.5, true, false);
        }
    } else {
        double step = (c->v1 - c->v0) / 4;
        double mag = pow(10, floor(log10(step)));
        double nice = step / mag < 1.5 ? 1 : step / mag < 3.5 ? 2 : step / mag < 7.5 ? 5 : 10;
        step = nice * mag;
        for (double t = ceil(c->v0 / step) * step; t <= c->v1; t += step) {
            double yy = VY(t);
            cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
            cairo_move_to(cr, px, yy);
            cairo_line_to(cr, px + pw, yy);
            cairo_stroke(cr);
            snprintf(buf, sizeof(buf), "%.6g", fabs(t) < step * 1e-9 ? 0.0 : t);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            if (st == ST_OK)
                st = chart_label(cr, ctx, font, buf, px - 4, yy - 4.5, true, false);
        }
    }
    /* The dates: the first of each month, every month or every few when the span is long. */
    struct date a, m;
    date_from_days((int64_t)ceil(c->t0), &a);
    int every = (c->t1 - c->t0) > 800 ? 6 : (c->t1 - c->t0) > 400 ? 3 : 1;
    m = (struct date){a.year, a.month, 1};
    for (int k = 0; k < 200 && st == ST_OK; k++) {
        struct date next;
        if (date_add_months(&m, k == 0 ? 0 : 1, &next) != ST_OK)
            break;
        m = next;
        double t = (double)date_to_days(&m);
        if (t < c->t0)
            continue;
        if (t > c->t1)
            break;
        if ((m.month - 1) % every != 0)
            continue;
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        cairo_move_to(cr, TX(t), py + ph);
        cairo_line_to(cr, TX(t), py + ph + 3);
        cairo_stroke(cr);
        snprintf(buf, sizeof(buf), "%04d-%02d", m.year, m.month);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        st = chart_label(cr, ctx, font, buf, TX(t), py + ph + 5, false, true);
    }
    /* Sessions: grey vertical lines; milestones: triangles at the top. */
    if (json_is_object(c->course)) {
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.8);
        json_array_foreach(json_object_get(c->course, "sessions"), i, p)
        {
            if (!day_of(str(p, "date"), &d) || !strcmp(str(p, "status"), "cancelled"))
                continue;
            cairo_move_to(cr, TX(d), py);
            cairo_line_to(cr, TX(d), py + ph);
            cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, 0.85, 0.45, 0.1);
        json_array_foreach(json_object_get(c->course, "milestones"), i, p)
        {
            if (!day_of(str(p, "date"), &d))
                continue;
            cairo_move_to(cr, TX(d) - 4, py - 7);
            cairo_line_to(cr, TX(d) + 4, py - 7);
            cairo_line_to(cr, TX(d), py);
            cairo_close_path(cr);
            cairo_fill(cr);
        }
    }
    /* The baseline: a dashed line across the plot. */
    const json_t *base = json_object_get(c->series, "baseline");
    if (json_is_object(base) && chart_value(c->series, json_object_get(base, "value"), &v)) {
        double dash[] = {3, 2};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_line_width(cr, 0.7);
        cairo_set_source_rgb(cr, 0.2, 0.45, 0.25);
        cairo_move_to(cr, px, VY(v));
        cairo_line_to(cr, px + pw, VY(v));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* The values: a line through the dots, in date order as the timeline gives them. */
    cairo_set_source_rgb(cr, 0.12, 0.35, 0.65);
    cairo_set_line_width(cr, 1.4);
    bool started = false;
    json_array_foreach(json_object_get(c->series, "points"), i, p)
    {
        if (!day_of(str(p, "date"), &d) || !chart_value(c->series, json_object_get(p, "value"), &v))
            continue;
        if (started)
            cairo_line_to(cr, TX(d), VY(v));
        else
            cairo_move_to(cr, TX(d), VY(v));
        started = true;
    }
    cairo_stroke(cr);
    json_array_foreach(json_object_get(c->series, "points"), i, p)
    {
        if (!day_of(str(p, "date"), &d) || !chart_value(c->series, json_object_get(p, "value"), &v))
            continue;
        cairo_arc(cr, TX(d), VY(v), 2.6, 0, 2 * M_PI);
        cairo_fill(cr);
    }
#undef TX
#undef VY
    pango_font_description_free(font);
    g_object_unref(ctx);
    return st;
}

/* ---- photographs ---- */

struct picture {
    uint32_t *pixels;
    int width, height;
};

struct photo_block {
    struct picture first, latest;
    const char *first_caption, *latest_caption; /* "First · 2026-01-05" */
};

static int
draw_picture(cairo_t *cr, const struct picture *p, double x, double y, double w, double h)
{
    cairo_surface_t *s = cairo_image_surface_create_for_data(
        (unsigned char *)p->pixels, CAIRO_FORMAT_RGB24, p->width, p->height, p->width * 4);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return ST_NOMEM;
    }
    double scale = fmin(w / p->width, h / p->height);
    double dw = p->width * scale, dh = p->height * scale;
    cairo_save(cr);
    cairo_translate(cr, x + (w - dw) / 2, y + (h - dh) / 2);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(s);
    return ST_OK;
}

static int
draw_photos(void *arg, cairo_t *cr, double x, double y, double w, double h, bool rtl)
{
    const struct photo_block *b = arg;
    const double gap = 12, caption = 18;
    double cw = (w - gap) / 2, chh = h - caption;
    /* The first picture at the start side: at the left in English, at the right in Arabic. */
    double fx = rtl ? x + cw + gap : x, lx = rtl ? x : x + cw + gap;
    int st = draw_picture(cr, &b->first, fx, y, cw, chh);
    if (st == ST_OK)
        st = draw_picture(cr, &b->latest, lx, y, cw, chh);
    PangoContext *ctx = pdf_text_context(rtl);
    PangoFontDescription *font =
        pdf_text_font(rtl ? PDF_TEXT_ARABIC_FAMILIES : PDF_TEXT_LATIN_FAMILIES, 9, false);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    if (st == ST_OK)
        st = chart_label(cr, ctx, font, b->first_caption, fx + cw / 2, y + chh + 4, false, true);
    if (st == ST_OK)
        st = chart_label(cr, ctx, font, b->latest_caption, lx + cw / 2, y + chh + 4, false, true);
    pango_font_description_free(font);
    g_object_unref(ctx);
    return st;
}

/* ---- the document ---- */

struct state {
    struct chart charts[OUTCOME_PDF_MAX_SERIES];
    struct photo_block photos[OUTCOME_PDF_MAX_PAIRS];
    char captions[OUTCOME_PDF_MAX_PAIRS][2][96];
};

static void
state_free(struct state *s, size_t npairs)
{
    if (!s)
        return;
    for (size_t i = 0; i < npairs; i++) {
        free(s->photos[i].first.pixels);
        free(s->photos[i].latest.pixels);
    }
    free(s);
}

static int
check_input(const struct outcome_pdf_input *in, struct fail *f)
{
    struct date d;
    if (!in->lang || (strcmp(in->lang, "en") != 0 && strcmp(in->lang, "ar") != 0))
        return fail_set(f, ST_INVALID, "lang", "invalid_value", "language is not en or ar");
    if (!in->date || date_parse(in->date, &d) != ST_OK)
        return fail_set(f, ST_INVALID, "date", "invalid_date", "the report's date is not a date");
    const json_t *t = in->timeline;
    if (!json_is_object(t) || !json_is_object(json_object_get(t, "patient")) ||
        !json_is_array(json_object_get(t, "series")) ||
        json_array_size(json_object_get(t, "series")) > OUTCOME_PDF_MAX_SERIES)
        return fail_set(f, ST_INVALID, "timeline", "invalid_value",
                        "the timeline lacks its patient or series, or has over %d series",
                        OUTCOME_PDF_MAX_SERIES);
    if (in->npairs > OUTCOME_PDF_MAX_PAIRS || (in->npairs && !in->pairs))
        return fail_set(f, ST_INVALID, "pairs", "too_many", "over %d photo pairs",
                        OUTCOME_PDF_MAX_PAIRS);
    return ST_OK;
}

static int
decode(const struct outcome_pdf_photo *p, struct picture *out, const char *field, struct fail *f)
{
    struct fail why;
    fail_clear(&why);
    if (!p->bytes || image_decode_rgb24(p->bytes, p->n, PHOTO_PIXELS, &out->pixels, &out->width,
                                        &out->height, &why) != ST_OK)
        return fail_set(f, ST_INVALID, field, "invalid_image", "%s is not a picture: %s", field,
                        why.message);
    return ST_OK;
}

static void
course_part(struct pdf_doc *doc, const struct words *w, const char *lang, const json_t *course)
{
    pdf_key_value(doc, w->course, text_in(course, "label", lang), false);
    pdf_key_value(doc, w->status, str(course, "status"), false);
    const char *anchor = str(course, "anchor");
    const char *kind = str(course, "anchor_kind");
    if (anchor)
        pdf_key_value(doc, kind && !strcmp(kind, "planned") ? w->anchor_planned : w->anchor, anchor,
                      true);

    const json_t *sessions = json_object_get(course, "sessions"), *s;
    size_t i;
    if (json_array_size(sessions) > 0) {
        pdf_heading(doc, w->sessions);
        struct pdf_column cols[] = {{w->seq, 0.12, PDF_ALIGN_START, true},
                                    {w->kind, 0.36, PDF_ALIGN_START, false},
                                    {w->date, 0.26, PDF_ALIGN_START, true},
                                    {w->status, 0.26, PDF_ALIGN_START, false}};
        pdf_table_begin(doc, cols, 4);
        json_array_foreach(sessions, i, s)
        {
            char seq[16];
            snprintf(seq, sizeof(seq), "%lld",
                     (long long)json_integer_value(json_object_get(s, "seq")));
            const char *cells[] = {seq, word_of(w->kinds, 2, str(s, "kind")), str(s, "date"),
                                   word_of(w->statuses, 5, str(s, "status"))};
            pdf_table_row(doc, cells);
        }
        pdf_table_end(doc);
    }
    const json_t *ms = json_object_get(course, "milestones");
    if (json_array_size(ms) > 0) {
        pdf_heading(doc, w->milestones);
        json_array_foreach(ms, i, s)
        {
            char line[1600];
            snprintf(line, sizeof(line), "%s (" PDF_LRI "%s" PDF_PDI "): %s",
                     text_in(s, "label", lang), str(s, "date"), text_in(s, "expect", lang));
            pdf_list_item(doc, line);
        }
    }
}

static void
series_part(struct pdf_doc *doc, const struct words *w, const char *lang, const json_t *se,
            struct chart *c)
{
    char title[400], unit[120] = "", line[1600], b1[64], b2[64];
    const json_t *u = json_object_get(se, "unit");
    if (json_is_object(u))
        snprintf(unit, sizeof(unit), " (%s)", text_in(se, "unit", lang));
    snprintf(title, sizeof(title), "%s%s", text_in(se, "label", lang), unit);
    /* The heading stays with its chart. */
    if (pdf_space_left(doc) < CHART_H + 50)
        pdf_page_break(doc);
    pdf_heading(doc, title);
    pdf_drawing(doc, CHART_H, draw_chart, c);

    const json_t *base = json_object_get(se, "baseline");
    if (json_is_object(base)) {
        value_text(json_object_get(base, "value"), b1, sizeof(b1));
        snprintf(line, sizeof(line), PDF_LRI "%s" PDF_PDI " · " PDF_LRI "%s" PDF_PDI, b1,
                 str(base, "date"));
        pdf_key_value(doc, w->baseline, line, false);
    }
    const json_t *band = json_object_get(se, "band");
    const char *missing = str(se, "band_missing");
    if (json_is_object(band)) {
        snprintf(b1, sizeof(b1), "%.6g", json_number_value(json_object_get(band, "low")));
        snprintf(b2, sizeof(b2), "%.6g", json_number_value(json_object_get(band, "high")));
        snprintf(line, sizeof(line),
                 PDF_LRI "%s – %s" PDF_PDI " · " PDF_LRI "%s – %s" PDF_PDI "\n%s", b1, b2,
                 str(band, "from"), str(band, "to"), text_in(band, "label", lang));
        pdf_key_value(doc, w->band_from, line, false);
    } else if (missing) {
        pdf_paragraph(doc, !strcmp(missing, "no_anchor") ? w->no_anchor : w->no_baseline);
    }

    struct pdf_column cols[] = {{w->date, 0.34, PDF_ALIGN_START, true},
                                {w->months, 0.22, PDF_ALIGN_START, true},
                                {w->value, 0.44, PDF_ALIGN_START, true}};
    pdf_table_begin(doc, cols, 3);
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(se, "points"), i, p)
    {
        char months[32] = "";
        const json_t *mo = json_object_get(p, "months");
        if (json_is_number(mo))
            snprintf(months, sizeof(months), "%.1f", json_number_value(mo));
        value_text(json_object_get(p, "value"), b1, sizeof(b1));
        const char *cells[] = {str(p, "date"), months, b1};
        pdf_table_row(doc, cells);
    }
    pdf_table_end(doc);
}

static void
evidence_part(struct pdf_doc *doc, const struct words *w, const char *lang, const json_t *tl)
{
    const json_t *course = json_object_get(tl, "course");
    const json_t *notes = json_object_get(course, "notes"), *n, *se, *s;
    size_t i, j, k;
    bool cites = false;
    json_array_foreach(json_object_get(tl, "series"), i, se)
    {
        cites =
            cites || json_array_size(json_object_get(json_object_get(se, "band"), "sources")) > 0;
    }
    if (json_array_size(notes) == 0 && !cites)
        return;
    pdf_heading(doc, w->evidence);
    json_array_foreach(notes, i, n)
    {
        pdf_list_item(doc, str(n, lang) ? str(n, lang) : "");
    }
    if (!cites)
        return;
    pdf_paragraph(doc, w->sources);
    /* Each source once, however many bands cite it. */
    json_array_foreach(json_object_get(tl, "series"), i, se)
    {
        json_array_foreach(json_object_get(json_object_get(se, "band"), "sources"), j, s)
        {
            bool seen = false;
            for (k = 0; k < i && !seen; k++) {
                const json_t *other =
                    json_object_get(json_array_get(json_object_get(tl, "series"), k), "band");
                size_t q;
                const json_t *o;
                json_array_foreach(json_object_get(other, "sources"), q, o)
                {
                    seen = seen || json_equal(json_object_get(o, "id"), json_object_get(s, "id"));
                }
            }
            if (!seen)
                pdf_list_item(doc, str(s, "citation") ? str(s, "citation") : "");
        }
    }
}

int
outcome_pdf(const struct outcome_pdf_input *in, struct buf *out, struct outcome_pdf_report *report,
            struct fail *f)
{
    struct pdf_doc *doc = NULL;
    struct state *s = NULL;
    size_t decoded = 0;
    char footer[256], field[48];
    int st;

    if (report)
        memset(report, 0, sizeof(*report));
    if ((st = check_input(in, f)) != ST_OK)
        return st;
    bool rtl = strcmp(in->lang, "ar") == 0;
    const struct words *w = rtl ? &words_ar : &words_en;
    s = calloc(1, sizeof(*s));
    if (!s)
        return fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
    for (; decoded < in->npairs; decoded++) {
        const struct outcome_pdf_pair *p = &in->pairs[decoded];
        struct photo_block *b = &s->photos[decoded];
        snprintf(field, sizeof(field), "pairs[%zu].first", decoded);
        if ((st = decode(&p->first, &b->first, field, f)) != ST_OK)
            goto out;
        snprintf(field, sizeof(field), "pairs[%zu].latest", decoded);
        if ((st = decode(&p->latest, &b->latest, field, f)) != ST_OK) {
            decoded++; /* the first picture of this pair is freed with the rest */
            goto out;
        }
        snprintf(s->captions[decoded][0], sizeof(s->captions[decoded][0]),
                 "%s · " PDF_LRI "%s" PDF_PDI, w->first, p->first.date ? p->first.date : "");
        snprintf(s->captions[decoded][1], sizeof(s->captions[decoded][1]),
                 "%s · " PDF_LRI "%s" PDF_PDI, w->latest, p->latest.date ? p->latest.date : "");
        b->first_caption = s->captions[decoded][0];
        b->latest_caption = s->captions[decoded][1];
    }

    const json_t *tl = in->timeline, *pt = json_object_get(tl, "patient");
    const json_t *course = json_object_get(tl, "course");
    const char *mrn = str(pt, "mrn") ? str(pt, "mrn") : "";
    if (rtl)
        snprintf(footer, sizeof(footer), "%s · رقم الملف الطبي " PDF_LRI "%s" PDF_PDI, w->footer,
                 mrn);
    else
        snprintf(footer, sizeof(footer), "%s · MRN %s", w->footer, mrn);
    struct pdf_options o = {.lang = in->lang,
                            .title = w->title,
                            .clinic_name = in->clinic_name,
                            .footer = footer,
                            .date = in->date};
    if ((st = pdf_doc_new(&o, &doc, f)) != ST_OK)
        goto out;

    pdf_title(doc, w->title);
    const json_t *name = json_object_get(pt, "name");
    const char *nm = str(name, in->lang);
    if (!nm)
        nm = str(name, rtl ? "en" : "ar");
    pdf_key_value(doc, w->patient, nm ? nm : "", false);
    pdf_key_value(doc, w->mrn, mrn, true);
    pdf_key_value(doc, w->dob, str(pt, "date_of_birth") ? str(pt, "date_of_birth") : "", true);
    pdf_key_value(doc, w->printed, in->date, true);
    if (json_is_object(course))
        course_part(doc, w, in->lang, course);
    else
        pdf_paragraph(doc, w->no_course);

    pdf_heading(doc, w->results);
    const json_t *series = json_object_get(tl, "series"), *se;
    size_t i;
    if (json_array_size(series) == 0)
        pdf_paragraph(doc, w->no_results);
    else
        pdf_paragraph(doc, w->legend);
    json_array_foreach(series, i, se)
    {
        struct chart *c = &s->charts[i];
        c->series = se;
        c->course = course;
        chart_ranges(c);
        series_part(doc, w, in->lang, se, c);
    }
    evidence_part(doc, w, in->lang, tl);
    if (in->npairs > 0) {
        pdf_heading(doc, w->photos);
        for (i = 0; i < in->npairs; i++) {
            if (pdf_space_left(doc) < PHOTO_H + 30)
                pdf_page_break(doc);
            pdf_paragraph(doc, in->pairs[i].label ? in->pairs[i].label : "");
            pdf_drawing(doc, PHOTO_H, draw_photos, &s->photos[i]);
        }
    }
    st = pdf_doc_write(doc, out, f);
    if (st == ST_OK && report) {
        report->pages = pdf_doc_pages(doc);
        report->charts = (int)json_array_size(series);
        report->photos = (int)in->npairs * 2;
    }
out:
    pdf_doc_free(doc);
    state_free(s, decoded);
    return st;
}
