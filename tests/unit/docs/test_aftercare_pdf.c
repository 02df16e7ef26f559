/* Unit tests of src/docs/aftercare_pdf.c: the sheet of every shipped protocol on one page in
 * English and in Arabic with every aftercare item and side effect, read back with pdftotext;
 * blank lines for a sheet printed ahead; bad input named by its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/course_protocols.h"
#include "docs/aftercare_pdf.h"
#include "pdftext.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ITEMS[] = {"Do not wash your hair for 24 hours.",
                                    "Drink plenty of water."};
static const char *const EFFECTS[] = {"Pain", "Swelling"};

static struct aftercare_sheet
sample(void)
{
    return (struct aftercare_sheet){.lang = "en",
                                    .clinic_name = "Example Hair Clinic",
                                    .patient_name = "Sara Ahmed",
                                    .mrn = "10000127",
                                    .treatment_label = "PRP for the scalp",
                                    .date = "2026-11-21",
                                    .items = ITEMS,
                                    .n_items = N(ITEMS),
                                    .side_effects = EFFECTS,
                                    .n_side_effects = N(EFFECTS),
                                    .contact_line = "+971 4 000 0000"};
}

/* Renders the sheet; returns the squeezed text (spaces and line breaks out, so that wrapped
 * items compare whole) and the plain text in *plain. */
static char *
render(const struct aftercare_sheet *s, struct aftercare_pdf_report *r, char **plain)
{
    struct buf b;
    struct fail f = {0};
    buf_init(&b, 0);
    int st = aftercare_pdf_report(s, &b, r, &f);
    if (st != ST_OK)
        fail_msg("aftercare %s: %d %s %s", s->lang, st, f.field, f.message);
    assert_memory_equal(b.data, "%PDF-", 5);
    char *text = pdftext(b.data, b.len);
    buf_release(&b);
    assert_non_null(text);
    char *squeezed = pdftext_squeeze(text);
    *plain = text;
    return squeezed;
}

static void
expect_squeezed(const char *squeezed, const char *want, const char *lang)
{
    char *w = pdftext_squeeze(want);
    if (!strstr(squeezed, w))
        fail_msg("%s sheet: '%s' is missing", lang, want);
    free(w);
}

/* Every protocol of the catalogue, both languages: one page with all of its items. */
static void
test_every_protocol_one_page(void **state)
{
    (void)state;
    struct course_protocols *cp = NULL;
    struct fail f = {0};
    assert_int_equal(course_protocols_load(AUTOLOGA_PROTOCOLS_DIR, &cp, &f), ST_OK);
    assert_true(cp->nprotocols >= 3);
    for (size_t k = 0; k < cp->nprotocols; k++) {
        const struct course_protocol *p = &cp->protocols[k];
        for (int ar = 0; ar <= 1; ar++) {
            const char *items[AFTERCARE_PDF_MAX_ITEMS], *effects[AFTERCARE_PDF_MAX_ITEMS];
            assert_true(p->naftercare <= AFTERCARE_PDF_MAX_ITEMS);
            assert_true(p->nside_effects <= AFTERCARE_PDF_MAX_ITEMS);
            for (size_t i = 0; i < p->naftercare; i++)
                items[i] = ar ? p->aftercare[i].text.ar : p->aftercare[i].text.en;
            for (size_t i = 0; i < p->nside_effects; i++)
                effects[i] = ar ? p->side_effects[i].text.ar : p->side_effects[i].text.en;
            struct aftercare_sheet s = sample();
            s.lang = ar ? "ar" : "en";
            s.patient_name = ar ? "سارة أحمد" : "Sara Ahmed";
            s.treatment_label = ar ? p->label.ar : p->label.en;
            s.items = items;
            s.n_items = p->naftercare;
            s.side_effects = effects;
            s.n_side_effects = p->nside_effects;
            struct aftercare_pdf_report r;
            char *plain;
            char *text = render(&s, &r, &plain);
            assert_int_equal(r.pages, 1);
            assert_int_equal(r.unknown_glyphs, 0);
            for (size_t i = 0; i < s.n_items; i++)
                expect_squeezed(text, items[i], s.lang);
            for (size_t i = 0; i < s.n_side_effects; i++)
                expect_squeezed(text, effects[i], s.lang);
            expect_squeezed(text, s.treatment_label, s.lang);
            expect_squeezed(text, s.patient_name, s.lang);
            assert_non_null(strstr(plain, "10000127"));
            assert_non_null(strstr(plain, "2026-11-21"));
            /* The headings in the sheet's language only. */
            if (ar) {
                expect_squeezed(text, "ما يجب الانتباه إليه", "ar");
                expect_squeezed(text, "متى تتصل بالعيادة", "ar");
                expect_squeezed(text, "اتصل بالعيادة فورًا", "ar");
                assert_null(strstr(plain, "When to call"));
                assert_non_null(strstr(r.fonts, "Arabic"));
            } else {
                assert_non_null(strstr(plain, "What to watch for"));
                assert_non_null(strstr(plain, "When to call the clinic"));
                assert_non_null(strstr(plain, "Page 1 of 1"));
                assert_null(strstr(plain, "متى"));
            }
            /* The number keeps its order inside Arabic text. */
            assert_non_null(strstr(plain, "+971 4 000 0000"));
            free(plain);
            free(text);
        }
    }
    course_protocols_free(cp);
}

/* Printed before it is known for whom: lines to write on, and no contact line. */
static void
test_blank_lines(void **state)
{
    (void)state;
    struct aftercare_sheet s = sample();
    s.patient_name = NULL;
    s.mrn = "";
    s.date = NULL;
    s.contact_line = NULL;
    s.n_side_effects = 0;
    s.side_effects = NULL;
    struct aftercare_pdf_report r;
    char *plain;
    char *text = render(&s, &r, &plain);
    assert_int_equal(pdftext_count(plain, "________________________________"), 3);
    assert_null(strstr(plain, "+971"));
    assert_non_null(strstr(plain, "When to call the clinic"));
    assert_null(strstr(plain, "Tell the clinic if one of them worries you"));
    free(plain);
    free(text);
}

static void
test_bad_input_named(void **state)
{
    (void)state;
    const char *bad_utf8[] = {"Fine.", "Not \xE2\x80 fine."};
    const char *empty[] = {"Fine.", ""};
    const char *many[AFTERCARE_PDF_MAX_ITEMS + 1];
    for (size_t i = 0; i < N(many); i++)
        many[i] = "Drink water.";
    static char long_item[1900];
    memset(long_item, 'w', sizeof(long_item) - 1);
    for (size_t i = 7; i < sizeof(long_item) - 1; i += 8)
        long_item[i] = ' ';
    const char *long_items[AFTERCARE_PDF_MAX_ITEMS];
    for (size_t i = 0; i < N(long_items); i++)
        long_items[i] = long_item;
    for (int k = 0; k < 12; k++) {
        struct aftercare_sheet s = sample();
        const char *field = NULL, *code = NULL;
        int want = ST_INVALID;
        switch (k) {
        case 0:
            s.lang = "fr", field = "lang", code = "invalid_value";
            break;
        case 1:
            s.lang = NULL, field = "lang", code = "invalid_value";
            break;
        case 2:
            s.n_items = 0, field = "items", code = "required";
            break;
        case 3:
            s.items = bad_utf8, field = "items[1]", code = "invalid_utf8";
            break;
        case 4:
            s.items = empty, field = "items[1]", code = "required";
            break;
        case 5:
            s.items = many, s.n_items = N(many), field = "items", code = "too_many";
            break;
        case 6:
            s.side_effects = bad_utf8, field = "side_effects[1]", code = "invalid_utf8";
            break;
        case 7:
            s.treatment_label = "", field = "treatment_label", code = "required";
            break;
        case 8:
            s.date = "21/11/2026", field = "date", code = "invalid_date";
            break;
        case 9:
            s.date = "2026-13-01", field = "date", code = "invalid_date";
            break;
        case 10:
            s.patient_name = "\xFF", field = "patient_name", code = "invalid_utf8";
            break;
        case 11:
            /* Forty long items cannot be one page. */
            s.items = long_items, s.n_items = N(long_items), field = "items", code = "too_long";
            want = ST_TOO_BIG;
            break;
        }
        struct buf b;
        struct fail f = {0};
        buf_init(&b, 0);
        int st = aftercare_pdf(&s, &b, &f);
        if (st != want || strcmp(f.field, field) != 0 || strcmp(f.code, code) != 0)
            fail_msg("case %d: got %d '%s' '%s' (%s), want %s %s", k, st, f.field, f.code,
                     f.message, field, code);
        assert_int_equal(b.len, 0);
        buf_release(&b);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_protocol_one_page),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_bad_input_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
