/* Unit tests of src/docs/labels.c: specimen labels and the wristband read back with pdftotext
 * (both scripts, Arabic in logical order) and their barcodes decoded by zbarimg from a 300 dpi
 * rendering; one page per label; bad input named by its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "barscan.h"
#include "docs/labels.h"
#include "pdftext.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Invented patients of the demo kind; the MRNs carry their Damm check digits. */
static const struct label_specimen PRP = {
    .specimen_id = "S1000007",
    .name_en = "Sara Ahmed",
    .name_ar = "سارة أحمد",
    .mrn = "10000127",
    .date_of_birth = "1990-04-12",
    .collected_local = "2026-11-21T09:40",
    .kind_en = "PRP",
    .expires_local = "2026-11-21T12:40",
};

static void
render(const struct label_specimen *items, size_t n, struct buf *b)
{
    struct fail f = {0};
    buf_init(b, 0);
    int st = labels_specimens_pdf(items, n, b, &f);
    if (st != ST_OK)
        fail_msg("labels: %d %s %s", st, f.field, f.message);
    assert_memory_equal(b->data, "%PDF-", 5);
}

static void
expect_all(const char *text, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strstr(text, want[i]))
            fail_msg("'%s' is not in the text:\n%s", want[i], text);
}

static void
test_specimen_label(void **state)
{
    (void)state;
    struct buf b;
    render(&PRP, 1, &b);
    char *text = pdftext(b.data, b.len);
    assert_non_null(text);
    /* The Arabic name as it is typed: a reversed (visual-order) extraction would not match. */
    static const char *const want[] = {
        "S1000007", "Sara Ahmed",       "سارة أحمد",           "10000127", "1990-04-12",
        "09:40",    "2026-11-21 09:40", "AUTOLOGOUS USE ONLY", "PRP",      "Use by 12:40",
    };
    expect_all(text, want, N(want));
    assert_int_equal(pdftext_count(text, "\f"), 1); /* one page */
    free(text);
    char *codes = barscan_page(b.data, b.len, 1);
    assert_non_null(codes);
    assert_string_equal(codes, "S1000007\n");
    free(codes);
    buf_release(&b);
}

/* One label per page in the order given, each with its own barcode; a use-before time on
 * another day than the draw shows its date. */
static void
test_one_label_per_page(void **state)
{
    (void)state;
    struct label_specimen items[3] = {PRP, PRP, PRP};
    items[0].specimen_id = "S1000014";
    items[0].kind_en = "Blood tube";
    items[1].specimen_id = "S1000021";
    items[1].collected_local = "2026-11-21T22:30";
    items[1].expires_local = "2026-11-22T01:30";
    items[2].specimen_id = "S10000045";
    items[2].expires_local = NULL;
    struct buf b;
    render(items, N(items), &b);
    char *text = pdftext(b.data, b.len);
    assert_non_null(text);
    assert_int_equal(pdftext_count(text, "\f"), 3);
    assert_int_equal(pdftext_count(text, "AUTOLOGOUS USE ONLY"), 3);
    assert_non_null(strstr(text, "Blood tube"));
    assert_non_null(strstr(text, "Use by 2026-11-22 01:30"));
    assert_int_equal(pdftext_count(text, "Use by"), 2);
    /* Page order is the order given. */
    char *a = strstr(text, "S1000014"), *c = strstr(text, "S1000021"),
         *e = strstr(text, "S10000045");
    assert_true(a && c && e && a < c && c < e);
    free(text);
    const char *ids[] = {"S1000014\n", "S1000021\n", "S10000045\n"};
    for (int p = 1; p <= 3; p++) {
        char *codes = barscan_page(b.data, b.len, p);
        assert_non_null(codes);
        assert_string_equal(codes, ids[p - 1]);
        free(codes);
    }
    buf_release(&b);
}

/* Long names shrink and are cut rather than running off the label; one name is enough. */
static void
test_names_fit(void **state)
{
    (void)state;
    struct label_specimen s = PRP;
    s.name_en = "Mariam Abdullah Mohammed Hassan Ibrahim Al Example";
    s.name_ar = NULL;
    struct buf b;
    render(&s, 1, &b);
    char *text = pdftext(b.data, b.len);
    assert_non_null(strstr(text, "Mariam Abdullah"));
    assert_null(strstr(text, "سارة"));
    double x0, x1, y;
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "Mariam", &x0, &x1, &y), 0);
    assert_true(x0 >= 5);
    free(text);
    char *codes = barscan_page(b.data, b.len, 1);
    assert_string_equal(codes, "S1000007\n");
    free(codes);
    buf_release(&b);

    s.name_en = "";
    s.name_ar = "مريم عبدالله محمد حسن إبراهيم";
    render(&s, 1, &b);
    text = pdftext(b.data, b.len);
    assert_non_null(strstr(text, "مريم عبدالله"));
    /* Right to left: the name ends at the label's right edge. */
    assert_int_equal(pdftext_word_box(b.data, b.len, 1, "مريم", &x0, &x1, &y), 0);
    assert_true(x1 > 62 * 72 / 25.4 - 12);
    free(text);
    buf_release(&b);
}

static void
test_same_labels_same_bytes(void **state)
{
    (void)state;
    struct buf a, b;
    render(&PRP, 1, &a);
    render(&PRP, 1, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Dated by the draw, not by the clock. */
    assert_non_null(memmem(a.data, a.len, "20261121000000", 14));
    buf_release(&a);
    buf_release(&b);
}

static void
test_wristband(void **state)
{
    (void)state;
    struct label_wristband w = {"10000127", "Sara Ahmed", "سارة أحمد", "1990-04-12",
                                "Example Hair Clinic"};
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    assert_int_equal(labels_wristband_pdf(&w, &b, &f), ST_OK);
    char *text = pdftext(b.data, b.len);
    assert_non_null(text);
    static const char *const want[] = {"Sara Ahmed", "سارة أحمد", "10000127", "1990-04-12",
                                       "Example Hair Clinic"};
    expect_all(text, want, N(want));
    assert_int_equal(pdftext_count(text, "\f"), 1);
    free(text);
    char *codes = barscan_page(b.data, b.len, 1);
    assert_non_null(codes);
    /* Both ends carry the MRN and nothing else (zbarimg may report the twin once). */
    assert_non_null(strstr(codes, "10000127\n"));
    for (const char *p = codes; *p; p += strlen("10000127\n"))
        assert_memory_equal(p, "10000127\n", strlen("10000127\n"));
    free(codes);
    buf_release(&b);
}

/* One bad field each, in the second of two labels: set by `edit`. */
static const struct bad_case {
    const char *field, *code;
    const char *id, *name_en, *name_ar, *mrn, *dob, *drawn, *kind, *expires;
} bad_cases[] = {
    {"items[1].specimen_id", "required", .id = ""},
    {"items[1].specimen_id", "unencodable", .id = "S100\xE6\xBC\xA2"},
    {"items[1].specimen_id", "invalid_utf8", .id = "S100\xC3("},
    {"items[1].specimen_id", "too_long", .id = "S10000070000000000000000000000000000"},
    {"items[1].name_en", "invalid_utf8", .name_en = "Sara \xFF"},
    {"items[1].name_ar", "invalid_utf8", .name_ar = "\xD8"},
    {"items[1].name_en", "required", .name_en = "", .name_ar = ""},
    {"items[1].mrn", "required", .mrn = ""},
    {"items[1].mrn", "invalid_mrn", .mrn = "10000125"},
    {"items[1].date_of_birth", "invalid_date", .dob = "1990-02-30"},
    {"items[1].date_of_birth", "required", .dob = ""},
    {"items[1].collected_local", "invalid_time", .drawn = "2026-11-21 09:40"},
    {"items[1].collected_local", "invalid_time", .drawn = "2026-11-21T24:00"},
    {"items[1].collected_local", "required", .drawn = ""},
    {"items[1].kind_en", "required", .kind = ""},
    {"items[1].expires_local", "invalid_time", .expires = "12:40"},
};

#define PICK(field, dflt) (c->field ? c->field : (dflt))

static void
test_bad_input_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct label_specimen items[2] = {PRP, PRP};
        items[1] = (struct label_specimen){
            PICK(id, PRP.specimen_id),    PICK(name_en, PRP.name_en),
            PICK(name_ar, PRP.name_ar),   PICK(mrn, PRP.mrn),
            PICK(dob, PRP.date_of_birth), PICK(drawn, PRP.collected_local),
            PICK(kind, PRP.kind_en),      PICK(expires, PRP.expires_local),
        };
        struct buf b;
        struct fail f = {0};
        buf_init(&b, 0);
        int st = labels_specimens_pdf(items, 2, &b, &f);
        if (st != ST_INVALID || strcmp(f.field, c->field) != 0 || strcmp(f.code, c->code) != 0)
            fail_msg("case %zu: got %d '%s' '%s' (%s), want %s %s", i, st, f.field, f.code,
                     f.message, c->field, c->code);
        assert_int_equal(b.len, 0);
        buf_release(&b);
    }
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    assert_int_equal(labels_specimens_pdf(&PRP, 0, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "items");
    struct label_wristband w = {"10000127", "Sara Ahmed", NULL, "1990-04-12", NULL};
    assert_int_equal(labels_wristband_pdf(&w, &b, &f), ST_OK);
    buf_reset(&b);
    w.mrn = "1000012";
    assert_int_equal(labels_wristband_pdf(&w, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "mrn");
    w.mrn = "10000127";
    w.name_en = "Sara \xC0";
    assert_int_equal(labels_wristband_pdf(&w, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "name_en");
    assert_string_equal(f.code, "invalid_utf8");
    w.name_en = "Sara Ahmed";
    w.date_of_birth = NULL;
    assert_int_equal(labels_wristband_pdf(&w, &b, &f), ST_INVALID);
    assert_string_equal(f.field, "date_of_birth");
    assert_int_equal(b.len, 0);
    /* Over the caller's cap: nothing is left in the buffer. */
    buf_release(&b);
    buf_init(&b, 3000);
    assert_int_equal(labels_specimens_pdf(&PRP, 1, &b, &f), ST_TOO_BIG);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specimen_label), cmocka_unit_test(test_one_label_per_page),
        cmocka_unit_test(test_names_fit),      cmocka_unit_test(test_same_labels_same_bytes),
        cmocka_unit_test(test_wristband),      cmocka_unit_test(test_bad_input_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
