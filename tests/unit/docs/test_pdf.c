/* Unit tests of src/docs/pdf.c: blocks placed and read back, long text breaking pages,
 * Arabic mirrored, characters no font has counted, and misuse kept as the first failure. */
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
#include "pdftext.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Whether the PDF's bytes (binary streams included) hold `s`. */
static bool
bytes_have(const struct buf *b, const char *s)
{
    return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

static struct pdf_doc *
new_doc(const char *lang)
{
    struct pdf_options o = {.lang = lang,
                            .title = "Sample document",
                            .clinic_name = "Example Clinic",
                            .footer = "Printed for tests",
                            .date = "2026-01-15"};
    struct pdf_doc *d = NULL;
    struct fail f = {0};
    assert_int_equal(pdf_doc_new(&o, &d, &f), ST_OK);
    return d;
}

/* Writes the document, frees it and returns the PDF in *b. */
static void
finish(struct pdf_doc *d, struct buf *b)
{
    struct fail f = {0};
    buf_init(b, 0);
    int st = pdf_doc_write(d, b, &f);
    if (st != ST_OK)
        fail_msg("write: %d %s", st, f.message);
    pdf_doc_free(d);
    assert_memory_equal(b->data, "%PDF-", 5);
}

static void
test_blocks_read_back(void **state)
{
    (void)state;
    struct pdf_doc *d = new_doc("en");
    pdf_title(d, "Consent and aftercare");
    pdf_heading(d, "Before the session");
    pdf_paragraph(d, "Stop ibuprofen two days before.\nDrink water in the morning.");
    pdf_key_value(d, "Reference", "AB-2041", true);
    pdf_space(d, 12);
    const struct pdf_column cols[] = {{"Product", 2, PDF_ALIGN_START, false},
                                      {"Code", 1, PDF_ALIGN_END, true},
                                      {"Price", 1, PDF_ALIGN_RIGHT, true}};
    pdf_table_begin(d, cols, N(cols));
    pdf_table_row(d, (const char *const[]){"Tube kit", "TK-9", "12.50"});
    pdf_table_row(d, (const char *const[]){"Gauze", NULL, "1.00"});
    pdf_table_total(d, "Sum", "13.50", true);
    pdf_table_end(d);
    assert_int_equal(pdf_doc_pages(d), 1);
    struct pdf_fonts fonts;
    pdf_doc_fonts(d, &fonts);
    assert_int_equal(fonts.unknown_glyphs, 0);
    assert_non_null(strstr(fonts.families, "Noto Sans"));
    assert_null(strstr(fonts.families, "Noto Sans, Noto Sans")); /* each family once */
    struct buf b;
    finish(d, &b);
    assert_true(bytes_have(&b, "/Title (Sample document)"));
    assert_true(bytes_have(&b, "/Creator (Autologa)"));
    assert_true(bytes_have(&b, "20260115000000)"));
    char *text = pdftext(b.data, b.len);
    assert_non_null(text);
    static const char *const want[] = {
        "Example Clinic",
        "Sample document",
        "Consent and aftercare",
        "Before the session",
        "Stop ibuprofen two days before.",
        "Drink water in the morning.",
        "Reference",
        "AB-2041",
        "Product",
        "Tube kit",
        "TK-9",
        "12.50",
        "Gauze",
        "Sum",
        "13.50",
        "Printed for tests",
        "Page 1 of 1",
    };
    for (size_t i = 0; i < N(want); i++)
        if (!strstr(text, want[i]))
            fail_msg("'%s' is not in:\n%s", want[i], text);
    free(text);
    buf_release(&b);
}

/* A paragraph longer than a page breaks between its lines and loses none. */
static void
test_long_text_breaks_pages(void **state)
{
    (void)state;
    const char *langs[] = {"en", "ar"};
    for (size_t l = 0; l < N(langs); l++) {
        struct pdf_doc *d = new_doc(langs[l]);
        struct buf para;
        buf_init(&para, 0);
        for (int i = 1; i <= 150; i++)
            assert_int_equal(buf_printf(&para, "%s %d\n", l ? "السطر" : "Line", i), ST_OK);
        pdf_heading(d, l ? "ملاحظات" : "Notes");
        pdf_paragraph(d, buf_str(&para));
        buf_release(&para);
        int pages = pdf_doc_pages(d);
        assert_true(pages >= 3);
        struct buf b;
        finish(d, &b);
        char *text = pdftext(b.data, b.len);
        assert_non_null(text);
        char want[64];
        for (int i = 1; i <= 150; i++) {
            snprintf(want, sizeof(want), "%s %d\n", l ? "السطر" : "Line", i);
            if (!strstr(text, want))
                fail_msg("%s: '%s' is missing", langs[l], want);
        }
        char *squeezed = pdftext_squeeze(text);
        snprintf(want, sizeof(want), l ? "صفحة%dمن%d" : "Page%dof%d", pages, pages);
        assert_non_null(strstr(squeezed, want));
        free(squeezed);
        /* One header per page. */
        assert_int_equal(pdftext_count(text, "Example Clinic"), pages);
        free(text);
        buf_release(&b);
    }
}

/* In Arabic the label of a key/value row is at the right of its value; in English at the
 * left. Numbers and codes keep their left-to-right order. */
static void
test_arabic_mirrors(void **state)
{
    (void)state;
    struct pdf_doc *d = new_doc("ar");
    pdf_key_value(d, "المرجع", "AB-2041", true);
    pdf_paragraph(d, "الرقم " PDF_LRI "1,250.500 KWD" PDF_PDI " فقط");
    struct buf b;
    finish(d, &b);
    double kx0, kx1, vx0, vx1, y;
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "المرجع", &kx0, &kx1, &y), 0);
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "AB-2041", &vx0, &vx1, &y), 0);
    assert_true(vx1 < kx0);
    assert_true(kx1 > 495);
    char *text = pdftext(b.data, b.len);
    assert_non_null(strstr(text, "AB-2041"));
    assert_non_null(strstr(text, "1,250.500 KWD"));
    assert_non_null(strstr(text, "الرقم"));
    free(text);
    buf_release(&b);

    d = new_doc("en");
    pdf_key_value(d, "Reference", "AB-2041", true);
    finish(d, &b);
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "Reference", &kx0, &kx1, &y), 0);
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "AB-2041", &vx0, &vx1, &y), 0);
    assert_true(kx1 < vx0);
    assert_true(kx0 < 100);
    buf_release(&b);
}

/* A character no installed font has is counted (and drawn as a box), not silently lost. */
static void
test_unknown_glyphs_counted(void **state)
{
    (void)state;
    struct pdf_doc *d = new_doc("en");
    pdf_paragraph(d, "Code \xF4\x8F\xBF\xBD here"); /* U+10FFFD, private use */
    struct pdf_fonts fonts;
    pdf_doc_fonts(d, &fonts);
    assert_int_equal(fonts.unknown_glyphs, 1);
    struct buf b;
    finish(d, &b);
    buf_release(&b);
}

/* A cell of very long text is cut, so one row never outgrows a page. */
static void
test_long_cell_is_cut(void **state)
{
    (void)state;
    struct pdf_doc *d = new_doc("en");
    struct buf cell;
    buf_init(&cell, 0);
    for (int i = 0; i < 1500; i++)
        assert_int_equal(buf_append_str(&cell, "word "), ST_OK);
    const struct pdf_column cols[] = {{"Text", 1, PDF_ALIGN_START, false}};
    pdf_table_begin(d, cols, 1);
    pdf_table_row(d, (const char *const[]){buf_str(&cell)});
    pdf_table_end(d);
    buf_release(&cell);
    assert_int_equal(pdf_doc_pages(d), 1);
    struct buf b;
    finish(d, &b);
    buf_release(&b);
}

static void
test_bad_options(void **state)
{
    (void)state;
    static const struct {
        struct pdf_options o;
        const char *field;
    } cases[] = {
        {{.lang = "de"}, "lang"},
        {{.lang = NULL}, "lang"},
        {{.lang = "en", .title = "bad \xC3"}, "title"},
        {{.lang = "ar", .clinic_name = "\x01"}, "clinic_name"},
        {{.lang = "en", .footer = "\xFF"}, "footer"},
        {{.lang = "en", .date = "2026-13-01"}, "date"},
        {{.lang = "en", .date = "2026-1-1"}, "date"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char sentinel;
        struct pdf_doc *d = (struct pdf_doc *)&sentinel; /* must be reset to NULL */
        struct fail f = {0};
        assert_int_equal(pdf_doc_new(&cases[i].o, &d, &f), ST_INVALID);
        assert_null(d);
        assert_string_equal(f.field, cases[i].field);
    }
    pdf_doc_free(NULL);
}

typedef void (*misuse_fn)(struct pdf_doc *d);

static void
bad_utf8_then_row(struct pdf_doc *d)
{
    pdf_paragraph(d, "caf\xC3");
    pdf_table_row(d, (const char *const[]){"x"});
}
static void
row_outside_table(struct pdf_doc *d)
{
    pdf_table_row(d, (const char *const[]){"x"});
}
static void
total_outside_table(struct pdf_doc *d)
{
    pdf_table_total(d, "Sum", "1", false);
}
static void
end_without_begin(struct pdf_doc *d)
{
    pdf_table_end(d);
}
static void
unfinished_table(struct pdf_doc *d)
{
    const struct pdf_column c[] = {{"A", 1, PDF_ALIGN_START, false}};
    pdf_table_begin(d, c, 1);
}
static void
text_in_table(struct pdf_doc *d)
{
    const struct pdf_column c[] = {{"A", 1, PDF_ALIGN_START, false}};
    pdf_table_begin(d, c, 1);
    pdf_heading(d, "Inside");
}
static void
no_columns(struct pdf_doc *d)
{
    const struct pdf_column c[] = {{"A", 1, PDF_ALIGN_START, false}};
    pdf_table_begin(d, c, 0);
}
static void
zero_width(struct pdf_doc *d)
{
    const struct pdf_column c[] = {{"A", 0, PDF_ALIGN_START, false}};
    pdf_table_begin(d, c, 1);
}
static void
too_long(struct pdf_doc *d)
{
    char *s = malloc(20001);
    memset(s, 'a', 20000);
    s[20000] = '\0';
    pdf_paragraph(d, s);
    free(s);
}

static void
test_misuse_kept_until_write(void **state)
{
    (void)state;
    static const struct {
        misuse_fn fn;
        int status;
        const char *code;
    } cases[] = {
        {bad_utf8_then_row, ST_INVALID, "invalid_utf8"}, /* the first failure is the one kept */
        {row_outside_table, ST_INVALID, "no_table"},
        {total_outside_table, ST_INVALID, "no_table"},
        {end_without_begin, ST_INVALID, "no_table"},
        {unfinished_table, ST_INVALID, "table_open"},
        {text_in_table, ST_INVALID, "table_open"},
        {no_columns, ST_INVALID, "bad_table"},
        {zero_width, ST_INVALID, "bad_table"},
        {too_long, ST_TOO_BIG, "too_long"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct pdf_doc *d = new_doc(i % 2 ? "ar" : "en");
        pdf_title(d, "Before");
        cases[i].fn(d);
        struct buf b;
        struct fail f = {0};
        buf_init(&b, 0);
        int st = pdf_doc_write(d, &b, &f);
        if (st != cases[i].status || strcmp(f.code, cases[i].code) != 0)
            fail_msg("case %zu: got %d '%s' (%s), want %d '%s'", i, st, f.code, f.message,
                     cases[i].status, cases[i].code);
        assert_int_equal(b.len, 0);
        pdf_doc_free(d);
        buf_release(&b);
    }
}

static void
test_written_once(void **state)
{
    (void)state;
    struct pdf_doc *d = new_doc("en");
    pdf_paragraph(d, "Once");
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    assert_int_equal(pdf_doc_write(d, &b, &f), ST_OK);
    size_t len = b.len;
    assert_int_equal(pdf_doc_write(d, &b, &f), ST_INVALID);
    assert_string_equal(f.code, "written");
    assert_int_equal(b.len, len);
    pdf_doc_free(d);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_read_back),
        cmocka_unit_test(test_long_text_breaks_pages),
        cmocka_unit_test(test_arabic_mirrors),
        cmocka_unit_test(test_unknown_glyphs_counted),
        cmocka_unit_test(test_long_cell_is_cut),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_misuse_kept_until_write),
        cmocka_unit_test(test_written_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
