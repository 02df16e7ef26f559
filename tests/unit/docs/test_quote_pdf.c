/* Unit tests of src/docs/quote_pdf.c: amounts in each currency's decimals, the English and
 * Arabic quote read back with pdftotext (Arabic words in logical order, amounts left to right),
 * page breaks of a long quote, the same bytes for the same quote, and every malformed field
 * named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "docs/pdf.h"
#include "docs/quote_pdf.h"
#include "pdftext.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Whether the PDF's bytes (binary streams included) hold `s`. */
static bool
bytes_have(const struct buf *b, const char *s)
{
    return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

/* An invented patient of the demo kind; 10000127 carries its Damm check digit. */
static const char *const QUOTE =
    "{\"course_id\":7,"
    "\"patient\":{\"mrn\":\"10000127\",\"name\":{\"en\":\"Sara Ahmed\",\"ar\":\"سارة أحمد\"}},"
    "\"protocol_label\":{\"en\":\"PRP for the scalp\",\"ar\":\"البلازما الغنية بالصفائح للشعر\"},"
    "\"currency\":\"AED\","
    "\"lines\":[{\"label\":{\"en\":\"PRP session\",\"ar\":\"جلسة بلازما\"},\"quantity\":3,"
    "\"unit_minor\":150000,\"total_minor\":450000},"
    "{\"label\":{\"en\":\"Follow-up visit\",\"ar\":\"زيارة مراجعة\"},\"quantity\":2,"
    "\"unit_minor\":30000,\"total_minor\":60000}],"
    "\"subtotal_minor\":510000,\"discount_percent\":10,\"discount_minor\":51000,"
    "\"total_minor\":459000,\"issued\":\"2026-11-21\",\"valid_until\":\"2026-12-21\"}";

static json_t *
load(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad test JSON: %s", err.text);
    return j;
}

/* Renders `quote` and returns the text pdftotext reads from it (the caller frees it). */
static char *
render_text(const json_t *quote, const char *lang, struct quote_pdf_report *report)
{
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    int st = quote_pdf_render_report(quote, lang, "Example Hair Clinic", &b, report, &f);
    if (st != ST_OK)
        fail_msg("render %s: %d %s %s", lang, st, f.field, f.message);
    assert_true(b.len > 1000);
    assert_memory_equal(b.data, "%PDF-", 5);
    assert_non_null(strstr(b.data + b.len - 8, "%%EOF"));
    char *text = pdftext(b.data, b.len);
    buf_release(&b);
    assert_non_null(text);
    return text;
}

static void
expect_all(const char *text, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strstr(text, want[i]))
            fail_msg("'%s' is not in the text:\n%s", want[i], text);
}

static void
test_amounts(void **state)
{
    static const struct {
        int64_t minor;
        const char *currency;
        const char *want;
    } cases[] = {
        {150000, "AED", "1,500.00 AED"},
        {0, "AED", "0.00 AED"},
        {5, "USD", "0.05 USD"},
        {99, "EUR", "0.99 EUR"},
        {100, "SAR", "1.00 SAR"},
        {123456789, "AED", "1,234,567.89 AED"},
        {-51000, "AED", "-510.00 AED"},
        {1250, "KWD", "1.250 KWD"},
        {1000, "BHD", "1.000 BHD"},
        {999, "OMR", "0.999 OMR"},
        {12000, "JPY", "12,000 JPY"},
        {999, "JPY", "999 JPY"},
        {1000000, "JPY", "1,000,000 JPY"},
        {INT64_MAX, "JPY", "9,223,372,036,854,775,807 JPY"},
        {INT64_MIN, "USD", "-92,233,720,368,547,758.08 USD"},
    };
    char out[64];
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        assert_int_equal(quote_pdf_amount(cases[i].minor, cases[i].currency, out, sizeof(out)),
                         ST_OK);
        assert_string_equal(out, cases[i].want);
    }
    assert_int_equal(quote_pdf_exponent("AED"), 2);
    assert_int_equal(quote_pdf_exponent("KWD"), 3);
    assert_int_equal(quote_pdf_exponent("JPY"), 0);
    /* An unknown code is refused, never printed with guessed decimals. */
    assert_int_equal(quote_pdf_exponent("XYZ"), -1);
    assert_int_equal(quote_pdf_exponent("aed"), -1);
    assert_int_equal(quote_pdf_exponent(NULL), -1);
    assert_int_equal(quote_pdf_amount(100, "XYZ", out, sizeof(out)), ST_INVALID);
    assert_string_equal(out, "");
    assert_int_equal(quote_pdf_amount(150000, "AED", out, 12), ST_TOO_BIG);
    assert_string_equal(out, "");
    assert_int_equal(quote_pdf_amount(150000, "AED", out, 13), ST_OK);
}

static void
test_english(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    struct quote_pdf_report r;
    char *text = render_text(q, "en", &r);
    static const char *const want[] = {
        "Example Hair Clinic",
        "Treatment quote",
        "Patient",
        "Sara Ahmed",
        "MRN",
        "10000127",
        "Treatment",
        "PRP for the scalp",
        "Course number",
        "Issued",
        "2026-11-21",
        "Valid until",
        "2026-12-21",
        "Item",
        "Quantity",
        "Unit price",
        "Amount",
        "PRP session",
        "Follow-up visit",
        "1,500.00 AED",
        "4,500.00 AED",
        "300.00 AED",
        "600.00 AED",
        "Subtotal",
        "5,100.00 AED",
        "Package discount (10 %)",
        "-510.00 AED",
        "Total",
        "4,590.00 AED",
        "Amounts in UAE dirhams (AED).",
        "Page 1 of 1",
    };
    expect_all(text, want, N(want));
    /* An English quote shows no Arabic. */
    assert_null(strstr(text, "سارة"));
    assert_int_equal(r.pages, 1);
    assert_int_equal(r.unknown_glyphs, 0);
    assert_non_null(strstr(r.fonts, "Noto Sans"));
    free(text);
    json_decref(q);
}

static void
test_arabic(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    struct quote_pdf_report r;
    char *text = render_text(q, "ar", &r);
    /* Each phrase as it is typed: a reversed (visual-order) extraction would not match. */
    static const char *const want[] = {
        "عرض سعر العلاج",
        "المريض",
        "سارة أحمد",
        "رقم الملف الطبي",
        "10000127",
        "البلازما الغنية بالصفائح للشعر",
        "تاريخ الإصدار",
        "2026-11-21",
        "صالح حتى",
        "2026-12-21",
        "البند",
        "الكمية",
        "سعر الوحدة",
        "المبلغ",
        "جلسة بلازما",
        "زيارة مراجعة",
        "1,500.00 AED",
        "4,500.00 AED",
        "المجموع الفرعي",
        "5,100.00 AED",
        "خصم الباقة",
        "-510.00 AED",
        "الإجمالي",
        "4,590.00 AED",
        "المبالغ بعملة الدرهم الإماراتي",
        "أي تغيير في الخطة العلاجية يغير سعرها",
    };
    expect_all(text, want, N(want));
    /* The patient's name in the Arabic script, not the Latin one. */
    assert_null(strstr(text, "Sara Ahmed"));
    /* Numbers keep their order: no digit string comes out reversed. */
    assert_null(strstr(text, "72100001"));
    assert_null(strstr(text, "12-11-6202"));
    assert_int_equal(r.pages, 1);
    assert_int_equal(r.unknown_glyphs, 0);
    assert_non_null(strstr(r.fonts, "Arabic"));
    free(text);
    json_decref(q);
}

/* Right to left: the item column is at the right and the amounts at the left, each amount
 * still right-aligned under the others. */
static void
test_arabic_mirrors_the_table(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    struct buf en, ar;
    struct fail f = {0};
    buf_init(&en, 0);
    buf_init(&ar, 0);
    assert_int_equal(quote_pdf_render(q, "en", NULL, &en, &f), ST_OK);
    assert_int_equal(quote_pdf_render(q, "ar", NULL, &ar, &f), ST_OK);
    double item_x0, item_x1, amount_x0, amount_x1, y, a_x0, a_x1, b_x0, b_x1;
    assert_int_equal(pdftext_word_box(en.data, en.len, 1, "Item", &item_x0, &item_x1, &y), 0);
    assert_int_equal(pdftext_word_box(en.data, en.len, 1, "Amount", &amount_x0, &amount_x1, &y), 0);
    assert_true(item_x1 < amount_x0);
    assert_true(item_x0 < 100); /* at the left margin */
    assert_int_equal(pdftext_word_box(ar.data, ar.len, 1, "البند", &item_x0, &item_x1, &y), 0);
    assert_int_equal(pdftext_word_box(ar.data, ar.len, 1, "المبلغ", &amount_x0, &amount_x1, &y), 0);
    assert_true(amount_x1 < item_x0);
    assert_true(item_x1 > 495); /* at the right margin */
    /* 4,500.00 and 600.00 end at the same x in both languages. */
    const struct buf *docs[] = {&en, &ar};
    for (size_t i = 0; i < N(docs); i++) {
        assert_int_equal(
            pdftext_word_box(docs[i]->data, docs[i]->len, 1, "4,500.00", &a_x0, &a_x1, &y), 0);
        assert_int_equal(
            pdftext_word_box(docs[i]->data, docs[i]->len, 1, "600.00", &b_x0, &b_x1, &y), 0);
        assert_true(b_x0 > a_x0);
        assert_true(a_x1 - b_x1 < 0.5 && b_x1 - a_x1 < 0.5);
    }
    buf_release(&en);
    buf_release(&ar);
    json_decref(q);
}

static void
test_same_quote_same_bytes(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    const char *langs[] = {"en", "ar"};
    for (size_t i = 0; i < N(langs); i++) {
        struct buf a, b;
        struct fail f = {0};
        buf_init(&a, 0);
        buf_init(&b, 0);
        assert_int_equal(quote_pdf_render(q, langs[i], "Example Hair Clinic", &a, &f), ST_OK);
        assert_int_equal(quote_pdf_render(q, langs[i], "Example Hair Clinic", &b, &f), ST_OK);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        /* Dated by the quote, not by the clock; made by Autologa. */
        assert_true(bytes_have(&a, "/CreationDate ("));
        assert_true(bytes_have(&a, "20261121000000)"));
        assert_true(bytes_have(&a, "/Creator (Autologa)"));
        buf_release(&a);
        buf_release(&b);
    }
    json_decref(q);
}

/* A quote of many lines: the table breaks between rows, repeats its header row on each page,
 * and every page says which of how many it is. */
static void
test_many_lines_break_pages(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    json_t *lines = json_array();
    int n = 70;
    for (int i = 0; i < n; i++) {
        char en[64], ar[64];
        snprintf(en, sizeof(en), "Session %d", i + 1);
        snprintf(ar, sizeof(ar), "جلسة رقم %d", i + 1);
        json_array_append_new(lines, json_pack("{s:{s:s,s:s},s:i,s:i,s:i}", "label", "en", en, "ar",
                                               ar, "quantity", 1, "unit_minor", 150000,
                                               "total_minor", 150000));
    }
    json_object_set_new(q, "lines", lines);
    json_object_set_new(q, "subtotal_minor", json_integer(150000LL * n));
    json_object_set_new(q, "discount_minor", json_integer(150000LL * n / 10));
    json_object_set_new(q, "total_minor", json_integer(150000LL * n - 150000LL * n / 10));

    struct quote_pdf_report r;
    char *text = render_text(q, "en", &r);
    assert_true(r.pages >= 2);
    char want[64];
    for (int p = 1; p <= r.pages; p++) {
        snprintf(want, sizeof(want), "Page %d of %d", p, r.pages);
        assert_non_null(strstr(text, want));
    }
    /* The header row on every page the table reaches: at least the first two. */
    assert_true(pdftext_count(text, "Unit price") >= 2);
    assert_true(pdftext_count(text, "Unit price") <= r.pages);
    assert_int_equal(pdftext_count(text, "Example Hair Clinic"), r.pages);
    for (int i = 1; i <= n; i++) {
        snprintf(want, sizeof(want), "Session %d\n", i);
        if (!strstr(text, want))
            fail_msg("line %d is missing", i);
    }
    assert_non_null(strstr(text, "94,500.00 AED")); /* 70 × 1,500.00 less 10 % */
    free(text);

    text = render_text(q, "ar", &r);
    assert_true(r.pages >= 2);
    char *squeezed = pdftext_squeeze(text);
    for (int p = 1; p <= r.pages; p++) {
        snprintf(want, sizeof(want), "صفحة%dمن%d", p, r.pages);
        assert_non_null(strstr(squeezed, want));
    }
    assert_true(pdftext_count(text, "سعر الوحدة") >= 2);
    assert_true(pdftext_count(text, "سعر الوحدة") <= r.pages);
    assert_non_null(strstr(squeezed, "جلسةرقم70"));
    free(squeezed);
    free(text);
    json_decref(q);
}

/* Names and labels fall back to the other language; no discount line without a discount. */
static void
test_fallbacks(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    json_t *name = json_object_get(json_object_get(q, "patient"), "name");
    json_object_set_new(name, "ar", json_null());
    json_object_set_new(json_object_get(q, "protocol_label"), "en", json_null());
    json_object_set_new(q, "discount_percent", json_integer(0));
    json_object_set_new(q, "discount_minor", json_integer(0));
    json_object_set_new(q, "total_minor", json_integer(510000));
    char *text = render_text(q, "ar", NULL);
    assert_non_null(strstr(text, "Sara Ahmed"));
    assert_null(strstr(text, "خصم الباقة"));
    assert_non_null(strstr(text, "5,100.00 AED"));
    free(text);
    text = render_text(q, "en", NULL);
    assert_non_null(strstr(text, "البلازما الغنية بالصفائح للشعر"));
    assert_null(strstr(text, "Package discount"));
    free(text);
    json_decref(q);
}

/* One malformed field each: set `key` (a path of object keys and array indexes, like
 * "lines.1.quantity") to `value` (JSON, or NULL to remove it). */
static const struct bad_case {
    const char *key;
    const char *value;
    const char *field, *code;
} bad_cases[] = {
    {"course_id", NULL, "course_id", "required"},
    {"course_id", "0", "course_id", "out_of_range"},
    {"patient", NULL, "patient", "required"},
    {"patient", "[]", "patient", "invalid_type"},
    {"patient.mrn", NULL, "patient.mrn", "required"},
    {"patient.mrn", "\"10000125\"", "patient.mrn", "invalid_mrn"},
    {"patient.name", "{\"en\":null,\"ar\":\"\"}", "patient.name", "required"},
    {"patient.name.en", "5", "patient.name.en", "invalid_type"},
    {"protocol_label", NULL, "protocol_label", "required"},
    {"currency", NULL, "currency", "required"},
    {"currency", "\"XYZ\"", "currency", "unknown_currency"},
    {"currency", "\"aed\"", "currency", "unknown_currency"},
    {"currency", "978", "currency", "invalid_type"},
    {"lines", NULL, "lines", "required"},
    {"lines", "[]", "lines", "required"},
    {"lines", "{}", "lines", "invalid_type"},
    {"lines.1", "7", "lines[1]", "invalid_type"},
    {"lines.0.label", NULL, "lines[0].label", "required"},
    {"lines.1.label", "{}", "lines[1].label", "required"},
    {"lines.1.quantity", "\"2\"", "lines[1].quantity", "invalid_type"},
    {"lines.0.quantity", "0", "lines[0].quantity", "out_of_range"},
    {"lines.0.quantity", "2.5", "lines[0].quantity", "invalid_type"},
    {"lines.0.unit_minor", "-1", "lines[0].unit_minor", "out_of_range"},
    {"lines.0.total_minor", "450001", "lines[0].total_minor", "mismatch"},
    {"subtotal_minor", "510001", "subtotal_minor", "mismatch"},
    {"discount_percent", "150", "discount_percent", "out_of_range"},
    {"discount_percent", NULL, "discount_percent", "required"},
    {"discount_minor", "520000", "discount_minor", "out_of_range"},
    {"total_minor", "459001", "total_minor", "mismatch"},
    {"issued", "\"2026-02-30\"", "issued", "invalid_date"},
    {"issued", NULL, "issued", "required"},
    {"valid_until", "\"21/12/2026\"", "valid_until", "invalid_date"},
    {"valid_until", "\"2026-12-21T00:00\"", "valid_until", "too_long"},
    {"valid_until", "\"2026-11-20\"", "valid_until", "invalid_date"},
};

static void
set_path(json_t *root, const char *path, const char *value)
{
    char key[64];
    json_t *parent = root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        memcpy(key, p, len);
        key[len] = '\0';
        bool index = json_is_array(parent);
        if (!dot) {
            json_t *v = value ? load(value) : NULL;
            if (index && v)
                json_array_set_new(parent, strtoul(key, NULL, 10), v);
            else if (v)
                json_object_set_new(parent, key, v);
            else
                json_object_del(parent, key);
            return;
        }
        parent =
            index ? json_array_get(parent, strtoul(key, NULL, 10)) : json_object_get(parent, key);
        p = dot + 1;
    }
}

static void
test_malformed_fields_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++) {
        json_t *q = load(QUOTE);
        set_path(q, bad_cases[i].key, bad_cases[i].value);
        struct buf b;
        struct fail f = {0};
        buf_init(&b, 0);
        int st = quote_pdf_render(q, i % 2 ? "ar" : "en", NULL, &b, &f);
        if (st != ST_INVALID || strcmp(f.field, bad_cases[i].field) != 0 ||
            strcmp(f.code, bad_cases[i].code) != 0)
            fail_msg("case %zu (%s = %s): got %d field '%s' code '%s' (%s), want %s %s", i,
                     bad_cases[i].key, bad_cases[i].value ? bad_cases[i].value : "removed", st,
                     f.field, f.code, f.message, bad_cases[i].field, bad_cases[i].code);
        assert_int_equal(b.len, 0);
        buf_release(&b);
        json_decref(q);
    }
}

static void
test_bad_calls(void **state)
{
    (void)state;
    json_t *q = load(QUOTE);
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    assert_int_equal(quote_pdf_render(q, "fr", NULL, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "lang");
    assert_int_equal(quote_pdf_render(q, NULL, NULL, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "lang");
    json_t *arr = load("[1]");
    assert_int_equal(quote_pdf_render(arr, "en", NULL, &b, &f), ST_INVALID);
    assert_string_equal(f.code, "not_object");
    json_decref(arr);
    assert_int_equal(b.len, 0);
    buf_release(&b);

    /* Over the caller's cap: nothing is left in the buffer. */
    buf_init(&b, 4000);
    assert_int_equal(quote_pdf_render(q, "ar", NULL, &b, &f), ST_TOO_BIG);
    assert_int_equal(b.len, 0);
    buf_release(&b);
    json_decref(q);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_arabic),
        cmocka_unit_test(test_arabic_mirrors_the_table),
        cmocka_unit_test(test_same_quote_same_bytes),
        cmocka_unit_test(test_many_lines_break_pages),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_malformed_fields_named),
        cmocka_unit_test(test_bad_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
