/* Unit tests of src/docs/outcome_pdf.c: a report in English and in Arabic read back with
 * pdftotext (the patient, the measures' labels, the chart's dates, both dates of a photo pair,
 * the notes), a sane page count, and bad input named by its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cairo.h>
#include <jansson.h>

#include "docs/outcome_pdf.h"
#include "pdftext.h"

/* A timeline as the API gives it: a prp-hair course, density with a band, a Norwood grade. */
static const char TIMELINE[] =
    "{\"patient\":{\"id\":9,\"mrn\":\"10000127\",\"name\":{\"en\":\"Sample Testpatient\","
    "\"ar\":\"سامي مثال\"},\"date_of_birth\":\"1985-06-15\"},"
    "\"courses\":[{\"id\":7,\"protocol\":\"prp-hair\",\"label\":{\"en\":\"PRP for the scalp\","
    "\"ar\":\"البلازما لفروة الرأس\"},\"status\":\"active\",\"start_date\":\"2026-03-02\"}],"
    "\"course\":{\"id\":7,\"protocol\":\"prp-hair\",\"label\":{\"en\":\"PRP for the scalp\","
    "\"ar\":\"البلازما لفروة الرأس\"},\"status\":\"active\",\"anchor\":\"2026-03-02\","
    "\"anchor_kind\":\"done\",\"sessions\":["
    "{\"item_id\":1,\"seq\":1,\"kind\":\"session\",\"date\":\"2026-03-02\",\"status\":\"done\"},"
    "{\"item_id\":2,\"seq\":2,\"kind\":\"session\",\"date\":\"2026-04-01\",\"status\":\"done\"},"
    "{\"item_id\":3,\"seq\":3,\"kind\":\"session\",\"date\":\"2026-05-04\",\"status\":\"done\"}],"
    "\"milestones\":[{\"code\":\"first_results\",\"label\":{\"en\":\"First results\",\"ar\":"
    "\"النتائج الأولى\"},\"date\":\"2026-06-02\",\"expect\":{\"en\":\"Less shedding first.\","
    "\"ar\":\"يقل التساقط أولًا.\"}}],"
    "\"notes\":[{\"en\":\"Two randomised trials found no benefit (Shapiro 2020, Gressenberger "
    "2020).\",\"ar\":\"دراستان عشوائيتان لم تجدا فائدة.\"}]},"
    "\"series\":[{\"measure\":\"hair_density\",\"label\":{\"en\":\"Hair density\",\"ar\":"
    "\"كثافة الشعر\"},\"unit\":{\"en\":\"hairs/cm²\",\"ar\":\"شعرة/سم²\"},\"type\":\"number\","
    "\"codes\":null,\"direction\":\"higher_better\",\"points\":["
    "{\"date\":\"2026-02-20\",\"value\":120.5,\"measurement_id\":1,\"set_id\":1,\"months\":-0.3},"
    "{\"date\":\"2026-06-03\",\"value\":131,\"measurement_id\":2,\"set_id\":2,\"months\":3.03},"
    "{\"date\":\"2026-09-01\",\"value\":141.5,\"measurement_id\":3,\"set_id\":3,\"months\":5.97}],"
    "\"baseline\":{\"date\":\"2026-02-20\",\"value\":120.5},\"band\":{\"from\":\"2026-06-02\","
    "\"to\":\"2026-09-02\",\"low\":134.5,\"high\":148.5,\"change_low\":14,\"change_high\":28,"
    "\"label\":{\"en\":\"Pooled trials: 14 to 28 more hairs/cm² than control\",\"ar\":"
    "\"الدراسات المجمّعة: من 14 إلى 28\"},\"sources\":[{\"id\":\"giordano2018\",\"tier\":\"SR\","
    "\"citation\":\"Giordano et al. 2018 (systematic review)\"}]},\"band_missing\":null},"
    "{\"measure\":\"norwood\",\"label\":{\"en\":\"Norwood-Hamilton grade\",\"ar\":"
    "\"درجة نوروود-هاملتون\"},\"unit\":null,\"type\":\"code\",\"codes\":[\"I\",\"II\",\"III\","
    "\"IV\"],\"direction\":\"lower_better\",\"points\":[{\"date\":\"2026-02-20\",\"value\":\"IV\","
    "\"measurement_id\":4,\"set_id\":1,\"months\":-0.3},{\"date\":\"2026-09-01\",\"value\":"
    "\"III\",\"measurement_id\":5,\"set_id\":3,\"months\":5.97}],\"baseline\":{\"date\":"
    "\"2026-02-20\",\"value\":\"IV\"},\"band\":null,\"band_missing\":null},"
    "{\"measure\":\"shaft_diameter\",\"label\":{\"en\":\"Mean shaft diameter\",\"ar\":"
    "\"متوسط قطر ساق الشعرة\"},\"unit\":{\"en\":\"µm\",\"ar\":\"ميكرومتر\"},\"type\":\"number\","
    "\"codes\":null,\"direction\":\"higher_better\",\"points\":[{\"date\":\"2026-09-01\","
    "\"value\":62,\"measurement_id\":6,\"set_id\":3,\"months\":5.97}],\"baseline\":null,"
    "\"band\":null,\"band_missing\":\"no_baseline\"}]}";

struct png {
    unsigned char *data;
    size_t n;
};

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct png *p = closure;
    unsigned char *grown = realloc(p->data, p->n + length);
    if (!grown)
        return CAIRO_STATUS_NO_MEMORY;
    memcpy(grown + p->n, data, length);
    p->data = grown;
    p->n += length;
    return CAIRO_STATUS_SUCCESS;
}

/* A small PNG of one colour, drawn with cairo. */
static struct png
picture(double r, double g, double b)
{
    struct png p = {NULL, 0};
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 120, 90);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, r, g, b);
    cairo_paint(cr);
    cairo_destroy(cr);
    assert_int_equal(cairo_surface_write_to_png_stream(s, png_write, &p), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    return p;
}

static char *
render(const char *lang, struct outcome_pdf_report *rep, char **squeezed)
{
    json_error_t err;
    json_t *tl = json_loads(TIMELINE, 0, &err);
    if (!tl)
        fail_msg("bad timeline: %s", err.text);
    struct png a = picture(0.8, 0.6, 0.5), b = picture(0.4, 0.3, 0.2);
    struct outcome_pdf_pair pair = {
        .label = strcmp(lang, "ar") == 0 ? "الشعر: من الأعلى" : "Hair: top",
        .first = {"2026-02-20", a.data, a.n},
        .latest = {"2026-09-01", b.data, b.n},
    };
    struct outcome_pdf_input in = {.lang = lang,
                                   .clinic_name = "Example Hair Clinic",
                                   .date = "2026-09-05",
                                   .timeline = tl,
                                   .pairs = &pair,
                                   .npairs = 1};
    struct buf out;
    struct fail f = {0};
    buf_init(&out, OUTCOME_PDF_MAX_BYTES);
    int st = outcome_pdf(&in, &out, rep, &f);
    if (st != ST_OK)
        fail_msg("outcome_pdf %s: %d %s %s", lang, st, f.field, f.message);
    assert_memory_equal(out.data, "%PDF-", 5);
    char *text = pdftext(out.data, out.len);
    assert_non_null(text);
    *squeezed = pdftext_squeeze(text);
    buf_release(&out);
    free(a.data);
    free(b.data);
    json_decref(tl);
    return text;
}

static void
test_english(void **state)
{
    struct outcome_pdf_report rep;
    char *sq;
    (void)state;
    char *text = render("en", &rep, &sq);
    assert_non_null(strstr(text, "Outcome report"));
    assert_non_null(strstr(text, "Sample Testpatient"));
    assert_non_null(strstr(text, "10000127"));
    assert_non_null(strstr(text, "Hair density"));
    assert_non_null(strstr(text, "Norwood-Hamilton grade"));
    assert_non_null(strstr(text, "Mean shaft diameter"));
    assert_non_null(strstr(text, "PRP for the scalp"));
    assert_non_null(strstr(sq, "Gressenberger2020"));
    assert_non_null(strstr(sq, "134.5–148.5"));
    /* The chart's month labels and the photo pair's two dates. */
    assert_non_null(strstr(text, "2026-06"));
    assert_non_null(strstr(text, "First · 2026-02-20"));
    assert_non_null(strstr(text, "Latest · 2026-09-01"));
    assert_non_null(strstr(text, "Hair: top"));
    assert_int_equal(rep.charts, 3);
    assert_int_equal(rep.photos, 2);
    /* Three charts, their tables and one pair of photographs: a few pages, not one, not many. */
    assert_true(rep.pages >= 2 && rep.pages <= 6);
    free(sq);
    free(text);
}

static void
test_arabic(void **state)
{
    struct outcome_pdf_report rep;
    char *sq;
    (void)state;
    char *text = render("ar", &rep, &sq);
    assert_non_null(strstr(sq, "تقريرالنتائج"));
    assert_non_null(strstr(sq, "ساميمثال"));
    assert_non_null(strstr(sq, "كثافةالشعر"));
    assert_non_null(strstr(sq, "درجةنوروود-هاملتون"));
    assert_non_null(strstr(sq, "2026-02-20"));
    assert_non_null(strstr(sq, "2026-09-01"));
    assert_non_null(strstr(sq, "الأولى"));
    assert_non_null(strstr(sq, "الأحدث"));
    assert_non_null(strstr(sq, "دراستانعشوائيتانلمتجدافائدة"));
    assert_true(rep.pages >= 2 && rep.pages <= 6);
    free(sq);
    free(text);
}

static void
test_bad_input(void **state)
{
    struct buf out;
    struct fail f = {0};
    (void)state;
    json_t *tl = json_loads(TIMELINE, 0, NULL);
    unsigned char junk[] = "not a picture";
    struct outcome_pdf_pair pair = {.label = "Hair: top",
                                    .first = {"2026-02-20", junk, sizeof(junk)},
                                    .latest = {"2026-09-01", junk, sizeof(junk)}};
    struct outcome_pdf_input in = {
        .lang = "en", .date = "2026-09-05", .timeline = tl, .pairs = &pair, .npairs = 1};
    buf_init(&out, 0);
    assert_int_equal(outcome_pdf(&in, &out, NULL, &f), ST_INVALID);
    assert_string_equal(f.field, "pairs[0].first");
    assert_string_equal(f.code, "invalid_image");
    assert_int_equal(out.len, 0);

    in.npairs = 0;
    in.lang = "fr";
    assert_int_equal(outcome_pdf(&in, &out, NULL, &f), ST_INVALID);
    assert_string_equal(f.field, "lang");
    in.lang = "en";
    in.date = "05/09/2026";
    assert_int_equal(outcome_pdf(&in, &out, NULL, &f), ST_INVALID);
    assert_string_equal(f.field, "date");
    in.date = "2026-09-05";
    json_t *bare = json_object();
    in.timeline = bare;
    assert_int_equal(outcome_pdf(&in, &out, NULL, &f), ST_INVALID);
    assert_string_equal(f.field, "timeline");
    json_decref(bare);

    /* A patient with no course and no values still gets a report that says so. */
    json_t *empty = json_pack("{s:O, s:[], s:n, s:[]}", "patient", json_object_get(tl, "patient"),
                              "courses", "course", "series");
    in.timeline = empty;
    struct outcome_pdf_report rep;
    assert_int_equal(outcome_pdf(&in, &out, &rep, &f), ST_OK);
    assert_int_equal(rep.pages, 1);
    char *text = pdftext(out.data, out.len);
    assert_non_null(strstr(text, "No measurement is recorded yet."));
    free(text);
    json_decref(empty);
    buf_release(&out);
    json_decref(tl);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_arabic),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
