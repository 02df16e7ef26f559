/* The aftercare sheet as one A4 page on docs/pdf.h: the session's facts, the protocol's items
 * as a list, what to watch for and when to call the clinic, with the sheet's own words in
 * English and Arabic here. */
#include "docs/aftercare_pdf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/text.h"
#include "docs/pdf.h"

/* An item is a sentence or two; more is a mistake in the protocol file. */
#define MAX_ITEM_BYTES 2000
#define MAX_FIELD_BYTES 400
/* A line to write on when the sheet is printed before it is known for whom. */
#define BLANK "________________________________"

static const struct words {
    const char *title, *patient, *mrn, *treatment, *date, *after, *watch, *watch_intro, *call,
        *call_text, *contact;
} words_en =
    {
        .title = "Aftercare after your treatment",
        .patient = "Patient",
        .mrn = "MRN",
        .treatment = "Treatment",
        .date = "Session date",
        .after = "After your session",
        .watch = "What to watch for",
        .watch_intro = "These may follow the treatment and usually settle within a few days. "
                       "Tell the clinic if one of them worries you:",
        .call = "When to call the clinic",
        .call_text = "Call the clinic at once if you have a fever; redness, warmth or swelling "
                     "that spreads or gets worse instead of better; pus; pain that painkillers "
                     "do not ease; bleeding that does not stop with gentle pressure; or any "
                     "change in your sight. In an emergency call the emergency services.",
        .contact = "Clinic",
},
  words_ar = {
      .title = "تعليمات العناية بعد العلاج",
      .patient = "المريض",
      .mrn = "رقم الملف الطبي",
      .treatment = "العلاج",
      .date = "تاريخ الجلسة",
      .after = "بعد الجلسة",
      .watch = "ما يجب الانتباه إليه",
      .watch_intro = "قد تظهر هذه الأعراض بعد العلاج وعادةً ما تزول خلال أيام قليلة. "
                     "أخبر العيادة إذا أقلقك أيٌّ منها:",
      .call = "متى تتصل بالعيادة",
      .call_text = "اتصل بالعيادة فورًا إذا أصبت بالحمّى، أو باحمرار أو سخونة أو تورّم ينتشر أو "
                   "يزداد بدلًا من أن يخفّ، أو بخروج صديد، أو بألم لا تخففه المسكنات، أو بنزيف "
                   "لا يتوقف بالضغط الخفيف، أو بأي تغيّر في الرؤية. في حالة الطوارئ اتصل "
                   "بخدمات الطوارئ.",
      .contact = "العيادة",
};

static bool
given(const char *s)
{
    return s && *s;
}

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
check_list(const char *name, const char *const *list, size_t n, size_t min, struct fail *f)
{
    if (n < min || n > AFTERCARE_PDF_MAX_ITEMS)
        return fail_set(f, ST_INVALID, name, n < min ? "required" : "too_many",
                        "%s has %zu entries (%zu to %d)", name, n, min, AFTERCARE_PDF_MAX_ITEMS);
    if (n > 0 && !list)
        return fail_set(f, ST_INVALID, name, "required", "%s is missing", name);
    for (size_t i = 0; i < n; i++) {
        char field[64];
        snprintf(field, sizeof(field), "%s[%zu]", name, i);
        int st = check_text(field, list[i], MAX_ITEM_BYTES, true, f);
        if (st != ST_OK)
            return st;
    }
    return ST_OK;
}

static int
check_sheet(const struct aftercare_sheet *s, bool *rtl, struct fail *f)
{
    *rtl = s->lang && strcmp(s->lang, "ar") == 0;
    if (!s->lang || (!*rtl && strcmp(s->lang, "en") != 0))
        return fail_set(f, ST_INVALID, "lang", "invalid_value", "language '%s' is not en or ar",
                        s->lang ? s->lang : "");
    int st = check_text("clinic_name", s->clinic_name, MAX_FIELD_BYTES, false, f);
    if (st == ST_OK)
        st = check_text("patient_name", s->patient_name, MAX_FIELD_BYTES, false, f);
    if (st == ST_OK)
        st = check_text("mrn", s->mrn, 32, false, f);
    if (st == ST_OK)
        st = check_text("treatment_label", s->treatment_label, MAX_FIELD_BYTES, true, f);
    struct date d;
    if (st == ST_OK)
        st = check_text("date", s->date, 10, false, f);
    if (st == ST_OK && given(s->date) && date_parse(s->date, &d) != ST_OK)
        st =
            fail_set(f, ST_INVALID, "date", "invalid_date", "date '%s' is not YYYY-MM-DD", s->date);
    if (st == ST_OK)
        st = check_list("items", s->items, s->n_items, 1, f);
    if (st == ST_OK)
        st = check_list("side_effects", s->side_effects, s->n_side_effects, 0, f);
    if (st == ST_OK)
        st = check_text("contact_line", s->contact_line, MAX_FIELD_BYTES, false, f);
    return st;
}

/* Whether a text has an Arabic letter: one without is a number or a Latin name and keeps
 * its left-to-right order inside an Arabic line. */
static bool
has_arabic(const char *s)
{
    size_t n = strlen(s), len;
    for (size_t i = 0; i < n; i += len) {
        uint32_t cp = text_decode(s + i, n - i, &len);
        if (len == 0)
            return false;
        if (text_is_arabic_letter(cp))
            return true;
    }
    return false;
}

static int
sheet_document(struct pdf_doc *doc, const struct aftercare_sheet *s, bool rtl)
{
    const struct words *w = rtl ? &words_ar : &words_en;
    pdf_title(doc, w->title);
    pdf_key_value(doc, w->patient, given(s->patient_name) ? s->patient_name : BLANK, false);
    pdf_key_value(doc, w->mrn, given(s->mrn) ? s->mrn : BLANK, true);
    pdf_key_value(doc, w->treatment, s->treatment_label, false);
    pdf_key_value(doc, w->date, given(s->date) ? s->date : BLANK, true);

    pdf_heading(doc, w->after);
    for (size_t i = 0; i < s->n_items; i++)
        pdf_list_item(doc, s->items[i]);

    pdf_heading(doc, w->watch);
    if (s->n_side_effects > 0) {
        pdf_paragraph(doc, w->watch_intro);
        /* Side effects are a word or two each: one run of text keeps the sheet on its page. */
        struct buf b;
        buf_init(&b, 0);
        int st = ST_OK;
        for (size_t i = 0; st == ST_OK && i < s->n_side_effects; i++) {
            if (i > 0)
                st = buf_append_str(&b, rtl ? "، " : ", ");
            if (st == ST_OK)
                st = buf_append_str(&b, s->side_effects[i]);
        }
        if (st == ST_OK)
            st = buf_append_char(&b, '.');
        if (st == ST_OK)
            pdf_paragraph(doc, buf_str(&b));
        buf_release(&b);
        if (st != ST_OK)
            return st;
    }

    pdf_heading(doc, w->call);
    pdf_paragraph(doc, w->call_text);
    if (given(s->contact_line))
        pdf_key_value(doc, w->contact, s->contact_line, rtl && !has_arabic(s->contact_line));
    return ST_OK;
}

int
aftercare_pdf_report(const struct aftercare_sheet *s, struct buf *out,
                     struct aftercare_pdf_report *report, struct fail *f)
{
    struct pdf_doc *doc = NULL;
    bool rtl;
    char footer[512];
    if (report)
        memset(report, 0, sizeof(*report));
    int st = check_sheet(s, &rtl, f);
    if (st != ST_OK)
        return st;
    const char *mrn = given(s->mrn) ? s->mrn : "", *date = given(s->date) ? s->date : "";
    if (rtl)
        snprintf(footer, sizeof(footer),
                 "تعليمات العناية بعد العلاج"
                 "%s" PDF_LRI "%s" PDF_PDI "%s" PDF_LRI "%s" PDF_PDI,
                 *mrn ? " · رقم الملف الطبي " : "", mrn, *date ? " · " : "", date);
    else
        snprintf(footer, sizeof(footer), "Aftercare%s%s%s%s", *mrn ? " · MRN " : "", mrn,
                 *date ? " · session of " : "", date);
    const struct words *w = rtl ? &words_ar : &words_en;
    struct pdf_options o = {
        .lang = s->lang,
        .title = w->title,
        .clinic_name = s->clinic_name,
        .footer = footer,
        .date = given(s->date) ? s->date : NULL,
    };
    st = pdf_doc_new(&o, &doc, f);
    if (st != ST_OK)
        goto out;
    if (sheet_document(doc, s, rtl) != ST_OK) {
        st = fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
        goto out;
    }
    /* The sheet is handed over as one page: a longer one is a protocol to shorten, not a
     * second page to lose. */
    if (pdf_doc_pages(doc) > 1) {
        st = fail_set(f, ST_TOO_BIG, "items", "too_long",
                      "the aftercare sheet takes %d pages, not one: shorten the items",
                      pdf_doc_pages(doc));
        goto out;
    }
    st = pdf_doc_write(doc, out, f);
    if (st == ST_OK && report) {
        struct pdf_fonts fonts;
        pdf_doc_fonts(doc, &fonts);
        report->pages = pdf_doc_pages(doc);
        memcpy(report->fonts, fonts.families, sizeof(report->fonts));
        report->unknown_glyphs = fonts.unknown_glyphs;
    }
out:
    pdf_doc_free(doc);
    return st;
}

int
aftercare_pdf(const struct aftercare_sheet *s, struct buf *out, struct fail *f)
{
    return aftercare_pdf_report(s, out, NULL, f);
}
