/* A course's quote as a PDF: the quote JSON is read strictly (each failure names its field),
 * then set as a title, the patient and course, the price table and its totals. */
#include "docs/quote_pdf.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/docin.h"
#include "clinic/mrn.h"
#include "core/date.h"
#include "docs/pdf.h"

#define LABEL_CHARS 200
#define LABEL_BYTES (LABEL_CHARS * 4 + 1)
/* Bounds that keep every sum of a quote inside int64 (500 lines × 1000 × 10^13 < 2^63). */
#define MAX_QUANTITY 1000
#define MAX_UNIT_MINOR INT64_C(10000000000000)
#define AMOUNT_BYTES 64

static const struct currency {
    const char *code;
    int exponent;
    const char *name_en, *name_ar;
} currencies[] = {
    {"AED", 2, "UAE dirhams", "الدرهم الإماراتي"},
    {"SAR", 2, "Saudi riyals", "الريال السعودي"},
    {"QAR", 2, "Qatari riyals", "الريال القطري"},
    {"KWD", 3, "Kuwaiti dinars", "الدينار الكويتي"},
    {"BHD", 3, "Bahraini dinars", "الدينار البحريني"},
    {"OMR", 3, "Omani rials", "الريال العماني"},
    {"JOD", 3, "Jordanian dinars", "الدينار الأردني"},
    {"EGP", 2, "Egyptian pounds", "الجنيه المصري"},
    {"USD", 2, "US dollars", "الدولار الأمريكي"},
    {"EUR", 2, "euros", "اليورو"},
    {"GBP", 2, "pounds sterling", "الجنيه الإسترليني"},
    {"JPY", 0, "Japanese yen", "الين الياباني"},
};

/* The words of the document. Templates take {1}, {2}, {3}; numbers, dates and codes put into
 * Arabic ones are isolated so that they read left to right. */
static const struct words {
    const char *title, *patient, *mrn, *treatment, *course, *issued, *valid_until, *price, *item,
        *quantity, *unit_price, *amount, *subtotal, *discount, *total, *currency, *validity,
        *footer;
} words_en =
    {
        .title = "Treatment quote",
        .patient = "Patient",
        .mrn = "MRN",
        .treatment = "Treatment",
        .course = "Course number",
        .issued = "Issued",
        .valid_until = "Valid until",
        .price = "Price",
        .item = "Item",
        .quantity = "Quantity",
        .unit_price = "Unit price",
        .amount = "Amount",
        .subtotal = "Subtotal",
        .discount = "Package discount ({1} %)",
        .total = "Total",
        .currency = "Amounts in {1} ({2}).",
        .validity = "This quote is valid until {1}. A change to the course changes its price.",
        .footer = "Quote for MRN {1}, issued {2}, valid until {3}",
},
  words_ar = {
      .title = "عرض سعر العلاج",
      .patient = "المريض",
      .mrn = "رقم الملف الطبي",
      .treatment = "العلاج",
      .course = "رقم الخطة العلاجية",
      .issued = "تاريخ الإصدار",
      .valid_until = "صالح حتى",
      .price = "السعر",
      .item = "البند",
      .quantity = "الكمية",
      .unit_price = "سعر الوحدة",
      .amount = "المبلغ",
      .subtotal = "المجموع الفرعي",
      .discount = "خصم الباقة ({1} ٪)",
      .total = "الإجمالي",
      .currency = "المبالغ بعملة {1} (" PDF_LRI "{2}" PDF_PDI ").",
      .validity = "عرض السعر هذا صالح حتى " PDF_LRI "{1}" PDF_PDI
                  ". أي تغيير في الخطة العلاجية يغير سعرها.",
      .footer = "عرض سعر لرقم الملف الطبي " PDF_LRI "{1}" PDF_PDI "، صادر في " PDF_LRI "{2}" PDF_PDI
                "، صالح حتى " PDF_LRI "{3}" PDF_PDI,
};

struct bilingual {
    char en[LABEL_BYTES];
    char ar[LABEL_BYTES];
};

struct quote_line {
    struct bilingual label;
    int64_t quantity, unit_minor, total_minor;
};

struct quote {
    int64_t course_id;
    char mrn[MRN_MAX];
    struct bilingual name, treatment;
    const struct currency *currency;
    struct quote_line *lines; /* owned */
    size_t n_lines;
    int64_t subtotal_minor, discount_minor, total_minor;
    double discount_percent;
    char issued[11], valid_until[11];
};

static const struct currency *
currency_find(const char *code)
{
    for (size_t i = 0; code && i < sizeof(currencies) / sizeof(currencies[0]); i++)
        if (strcmp(currencies[i].code, code) == 0)
            return &currencies[i];
    return NULL;
}

int
quote_pdf_exponent(const char *currency)
{
    const struct currency *c = currency_find(currency);
    return c ? c->exponent : -1;
}

int
quote_pdf_amount(int64_t minor, const char *currency, char *out, size_t n)
{
    if (n)
        out[0] = '\0';
    int e = quote_pdf_exponent(currency);
    if (e < 0)
        return ST_INVALID;
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t scale = 1;
    for (int i = 0; i < e; i++)
        scale *= 10;
    char digits[24], grouped[32];
    snprintf(digits, sizeof(digits), "%" PRIu64, mag / scale);
    /* Thousands grouped with commas, as in English; Arabic documents keep Western digits. */
    size_t nd = strlen(digits), g = 0;
    for (size_t i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    int w;
    if (e > 0)
        w = snprintf(out, n, "%s%s.%0*" PRIu64 " %s", minor < 0 ? "-" : "", grouped, e, mag % scale,
                     currency);
    else
        w = snprintf(out, n, "%s%s %s", minor < 0 ? "-" : "", grouped, currency);
    if (w < 0 || (size_t)w >= n) {
        if (n)
            out[0] = '\0';
        return ST_TOO_BIG;
    }
    return ST_OK;
}

/* ---- reading the quote ---- */

static int
read_text(json_t *obj, const char *prefix, const char *key, size_t max_chars, bool required,
          char *out, size_t n, struct fail *f)
{
    json_t *v = NULL;
    out[0] = '\0';
    int st = docin_text(obj, prefix, key, max_chars, required, &v, f);
    if (st == ST_OK && json_is_string(v)) {
        size_t len = json_string_length(v);
        if (len >= n) {
            char path[DOCIN_PATH_MAX];
            docin_path(path, prefix, key);
            st = fail_set(f, ST_INVALID, path, "too_long", "%s is too long", path);
        } else {
            memcpy(out, json_string_value(v), len + 1);
        }
    }
    json_decref(v);
    return st;
}

static int
read_int(json_t *obj, const char *prefix, const char *key, int64_t min, int64_t max, int64_t *out,
         struct fail *f)
{
    json_t *v = NULL;
    *out = 0;
    int st = docin_int(obj, prefix, key, min, max, true, &v, f);
    if (st == ST_OK)
        *out = json_integer_value(v);
    json_decref(v);
    return st;
}

/* {"en","ar"}: one of them at least. */
static int
read_bilingual(json_t *obj, const char *prefix, const char *key, struct bilingual *out,
               struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    json_t *o = NULL;
    int st = docin_object(obj, prefix, key, true, &o, f);
    if (st == ST_OK)
        st = read_text(o, path, "en", LABEL_CHARS, false, out->en, sizeof(out->en), f);
    if (st == ST_OK)
        st = read_text(o, path, "ar", LABEL_CHARS, false, out->ar, sizeof(out->ar), f);
    if (st == ST_OK && !out->en[0] && !out->ar[0])
        st = fail_set(f, ST_INVALID, path, "required", "%s needs an English or an Arabic text",
                      path);
    return st;
}

static int
read_date(json_t *obj, const char *key, char out[11], struct fail *f)
{
    struct date d;
    int st = read_text(obj, "", key, 10, true, out, 11, f);
    if (st == ST_OK && date_parse(out, &d) != ST_OK)
        st = fail_set(f, ST_INVALID, key, "invalid_date", "%s '%s' is not a date (YYYY-MM-DD)", key,
                      out);
    return st;
}

static int
read_line(json_t *lines, size_t i, struct quote_line *line, struct fail *f)
{
    char path[DOCIN_PATH_MAX], field[DOCIN_PATH_MAX];
    docin_item_path(path, "lines", i);
    json_t *l = json_array_get(lines, i);
    if (!json_is_object(l))
        return fail_set(f, ST_INVALID, path, "invalid_type", "%s is not an object", path);
    int st = read_bilingual(l, path, "label", &line->label, f);
    if (st == ST_OK)
        st = read_int(l, path, "quantity", 1, MAX_QUANTITY, &line->quantity, f);
    if (st == ST_OK)
        st = read_int(l, path, "unit_minor", 0, MAX_UNIT_MINOR, &line->unit_minor, f);
    if (st == ST_OK)
        st = read_int(l, path, "total_minor", 0, INT64_MAX, &line->total_minor, f);
    if (st == ST_OK && line->total_minor != line->quantity * line->unit_minor) {
        docin_path(field, path, "total_minor");
        st = fail_set(f, ST_INVALID, field, "mismatch",
                      "%s is %" PRId64 ", not quantity × unit_minor = %" PRId64, field,
                      line->total_minor, line->quantity * line->unit_minor);
    }
    return st;
}

/* Reads and checks the whole quote; q->lines is the caller's to free, also on failure. */
static int
quote_read(const json_t *quote, struct quote *q, struct fail *f)
{
    /* The docin readers take a non-const object but only read it. */
    json_t *j = (json_t *)quote;
    char currency[16];
    json_t *patient = NULL, *lines = NULL;
    if (!json_is_object(j))
        return fail_set(f, ST_INVALID, "", "not_object", "the quote is not a JSON object");
    int st = read_int(j, "", "course_id", 1, INT64_MAX, &q->course_id, f);
    if (st == ST_OK)
        st = docin_object(j, "", "patient", true, &patient, f);
    if (st == ST_OK)
        st = read_text(patient, "patient", "mrn", MRN_MAX - 1, true, q->mrn, sizeof(q->mrn), f);
    if (st == ST_OK && !mrn_valid(q->mrn))
        st = fail_set(f, ST_INVALID, "patient.mrn", "invalid_mrn",
                      "patient.mrn '%s' is not a medical record number", q->mrn);
    if (st == ST_OK)
        st = read_bilingual(patient, "patient", "name", &q->name, f);
    if (st == ST_OK)
        st = read_bilingual(j, "", "protocol_label", &q->treatment, f);
    if (st == ST_OK)
        st = read_text(j, "", "currency", 3, true, currency, sizeof(currency), f);
    if (st == ST_OK && !(q->currency = currency_find(currency)))
        st = fail_set(f, ST_INVALID, "currency", "unknown_currency",
                      "currency '%s' is not one whose decimals are known", currency);
    if (st == ST_OK)
        st = docin_array(j, "", "lines", QUOTE_PDF_MAX_LINES, &lines, f);
    if (st == ST_OK && json_array_size(lines) == 0)
        st = fail_set(f, ST_INVALID, "lines", "required", "the quote has no lines");
    if (st == ST_OK) {
        q->lines = calloc(json_array_size(lines), sizeof(*q->lines));
        if (!q->lines)
            st = fail_set(f, ST_NOMEM, "", "no_memory", "out of memory");
    }
    int64_t sum = 0;
    for (size_t i = 0; st == ST_OK && i < json_array_size(lines); i++) {
        st = read_line(lines, i, &q->lines[i], f);
        /* A checked total is at most MAX_QUANTITY × MAX_UNIT_MINOR: the sum cannot overflow. */
        if (st == ST_OK)
            sum += q->lines[i].total_minor;
        q->n_lines = i + 1;
    }
    if (st == ST_OK)
        st = read_int(j, "", "subtotal_minor", 0, INT64_MAX, &q->subtotal_minor, f);
    if (st == ST_OK && q->subtotal_minor != sum)
        st = fail_set(f, ST_INVALID, "subtotal_minor", "mismatch",
                      "subtotal_minor is %" PRId64 ", not the sum of the lines %" PRId64,
                      q->subtotal_minor, sum);
    json_t *pct = NULL;
    if (st == ST_OK)
        st = docin_number(j, "", "discount_percent", 0, 100, true, &pct, f);
    if (st == ST_OK)
        q->discount_percent = json_number_value(pct);
    json_decref(pct);
    if (st == ST_OK)
        st = read_int(j, "", "discount_minor", 0, q->subtotal_minor, &q->discount_minor, f);
    if (st == ST_OK)
        st = read_int(j, "", "total_minor", 0, INT64_MAX, &q->total_minor, f);
    if (st == ST_OK && q->total_minor != q->subtotal_minor - q->discount_minor)
        st = fail_set(f, ST_INVALID, "total_minor", "mismatch",
                      "total_minor is %" PRId64 ", not subtotal_minor − discount_minor = %" PRId64,
                      q->total_minor, q->subtotal_minor - q->discount_minor);
    if (st == ST_OK)
        st = read_date(j, "issued", q->issued, f);
    if (st == ST_OK)
        st = read_date(j, "valid_until", q->valid_until, f);
    if (st == ST_OK && strcmp(q->valid_until, q->issued) < 0)
        st = fail_set(f, ST_INVALID, "valid_until", "invalid_date",
                      "valid_until %s is before the issue date %s", q->valid_until, q->issued);
    return st;
}

/* ---- the document ---- */

/* The text in the document's language, else the other one. */
static const char *
pick(const struct bilingual *b, bool rtl)
{
    if (rtl)
        return b->ar[0] ? b->ar : b->en;
    return b->en[0] ? b->en : b->ar;
}

/* Writes `tmpl` with {1}, {2}, {3} replaced by a[0..2] into out (cut at n bytes on a whole
 * character). */
static void
expand(char *out, size_t n, const char *tmpl, const char *const a[3])
{
    struct buf b;
    buf_init(&b, n - 1);
    int st = ST_OK;
    for (const char *p = tmpl; *p && st == ST_OK; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '3' && p[2] == '}') {
            st = buf_append_str(&b, a[p[1] - '1'] ? a[p[1] - '1'] : "");
            p += 2;
        } else {
            st = buf_append_char(&b, *p);
        }
    }
    size_t len = b.len;
    if (st != ST_OK && len > 0) {
        /* Past the cap: drop a character the last byte-wise append left unfinished. */
        size_t lead = len - 1;
        while (lead > 0 && ((unsigned char)b.data[lead] & 0xC0) == 0x80)
            lead--;
        unsigned char c = (unsigned char)b.data[lead];
        size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (len - lead < need)
            len = lead;
    }
    memcpy(out, b.data ? b.data : "", len);
    out[len] = '\0';
    buf_release(&b);
}

static void
format_percent(double p, char out[16])
{
    snprintf(out, 16, "%.2f", p);
    /* 10 rather than 10.00, 7.5 rather than 7.50 */
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    char *end = out + strlen(out);
    while (end > dot + 1 && end[-1] == '0')
        *--end = '\0';
    if (end == dot + 1)
        *dot = '\0';
}

static void
amount(const struct quote *q, int64_t minor, char out[AMOUNT_BYTES])
{
    /* The currency is known and the buffer holds any int64: this cannot fail. */
    if (quote_pdf_amount(minor, q->currency->code, out, AMOUNT_BYTES) != ST_OK)
        out[0] = '\0';
}

static void
quote_document(struct pdf_doc *doc, const struct quote *q, bool rtl)
{
    const struct words *w = rtl ? &words_ar : &words_en;
    char text[2048], number[32], a1[AMOUNT_BYTES], a2[AMOUNT_BYTES], a3[AMOUNT_BYTES];

    pdf_title(doc, w->title);
    pdf_key_value(doc, w->patient, pick(&q->name, rtl), false);
    pdf_key_value(doc, w->mrn, q->mrn, true);
    pdf_key_value(doc, w->treatment, pick(&q->treatment, rtl), false);
    snprintf(number, sizeof(number), "%" PRId64, q->course_id);
    pdf_key_value(doc, w->course, number, true);
    pdf_key_value(doc, w->issued, q->issued, true);
    pdf_key_value(doc, w->valid_until, q->valid_until, true);

    pdf_heading(doc, w->price);
    const struct pdf_column cols[] = {
        {w->item, 0.46, PDF_ALIGN_START, false},
        {w->quantity, 0.12, PDF_ALIGN_RIGHT, true},
        {w->unit_price, 0.21, PDF_ALIGN_RIGHT, true},
        {w->amount, 0.21, PDF_ALIGN_RIGHT, true},
    };
    pdf_table_begin(doc, cols, sizeof(cols) / sizeof(cols[0]));
    for (size_t i = 0; i < q->n_lines; i++) {
        const struct quote_line *l = &q->lines[i];
        snprintf(number, sizeof(number), "%" PRId64, l->quantity);
        amount(q, l->unit_minor, a1);
        amount(q, l->total_minor, a2);
        const char *cells[] = {pick(&l->label, rtl), number, a1, a2};
        pdf_table_row(doc, cells);
    }
    amount(q, q->subtotal_minor, a1);
    pdf_table_total(doc, w->subtotal, a1, false);
    /* A quote without a package discount shows no discount line of zero. */
    if (q->discount_minor > 0 || q->discount_percent > 0) {
        char pct[16];
        format_percent(q->discount_percent, pct);
        expand(text, sizeof(text), w->discount, (const char *const[3]){pct, NULL, NULL});
        amount(q, -q->discount_minor, a2);
        pdf_table_total(doc, text, a2, false);
    }
    amount(q, q->total_minor, a3);
    pdf_table_total(doc, w->total, a3, true);
    pdf_table_end(doc);

    expand(text, sizeof(text), w->currency,
           (const char *const[3]){rtl ? q->currency->name_ar : q->currency->name_en,
                                  q->currency->code, NULL});
    pdf_paragraph(doc, text);
    expand(text, sizeof(text), w->validity, (const char *const[3]){q->valid_until, NULL, NULL});
    pdf_paragraph(doc, text);
}

int
quote_pdf_render_report(const json_t *quote, const char *lang, const char *clinic_name,
                        struct buf *out, struct quote_pdf_report *report, struct fail *f)
{
    struct quote q;
    struct pdf_doc *doc = NULL;
    char footer[512];
    int st;

    if (report)
        memset(report, 0, sizeof(*report));
    bool rtl = lang && strcmp(lang, "ar") == 0;
    if (!lang || (!rtl && strcmp(lang, "en") != 0))
        return fail_set(f, ST_INVALID, "lang", "invalid_value", "language '%s' is not en or ar",
                        lang ? lang : "");
    memset(&q, 0, sizeof(q));
    st = quote_read(quote, &q, f);
    if (st != ST_OK)
        goto out;
    const struct words *w = rtl ? &words_ar : &words_en;
    expand(footer, sizeof(footer), w->footer,
           (const char *const[3]){q.mrn, q.issued, q.valid_until});
    struct pdf_options o = {
        .lang = lang,
        .title = w->title,
        .clinic_name = clinic_name,
        .footer = footer,
        .date = q.issued,
    };
    st = pdf_doc_new(&o, &doc, f);
    if (st != ST_OK)
        goto out;
    quote_document(doc, &q, rtl);
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
    free(q.lines);
    return st;
}

int
quote_pdf_render(const json_t *quote, const char *lang, const char *clinic_name, struct buf *out,
                 struct fail *f)
{
    return quote_pdf_render_report(quote, lang, clinic_name, out, NULL, f);
}
