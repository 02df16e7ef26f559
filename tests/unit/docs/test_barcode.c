/* Unit tests of src/docs/barcode.c: bars of whole printer dots inside their quiet zones, a
 * Data Matrix with its finder pattern, and data zint refuses or that does not fit named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "docs/barcode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* 300 dpi: one pixel of the test image is one dot of the label printer. */
#define DPI_SCALE (300.0 / 72.0)

struct canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
};

/* A white image of w × h points at 300 dpi, drawn on in points. */
static void
canvas_new(struct canvas *c, double w, double h)
{
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * DPI_SCALE),
                                            (int)ceil(h * DPI_SCALE));
    c->cr = cairo_create(c->surface);
    cairo_set_source_rgb(c->cr, 0.5, 0.5, 0.5);
    cairo_paint(c->cr);
    cairo_scale(c->cr, DPI_SCALE, DPI_SCALE);
    cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_NONE);
}

static void
canvas_free(struct canvas *c)
{
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
}

/* Whether the point (x, y), in points, is black: 1, white: 0, anything else: -1. */
static int
dark(struct canvas *c, double x, double y)
{
    cairo_surface_flush(c->surface);
    int px = (int)(x * DPI_SCALE), py = (int)(y * DPI_SCALE);
    const unsigned char *data = cairo_image_surface_get_data(c->surface);
    int stride = cairo_image_surface_get_stride(c->surface);
    uint32_t v = *(const uint32_t *)(data + py * stride + px * 4) & 0xFFFFFF;
    return v == 0 ? 1 : v == 0xFFFFFF ? 0 : -1;
}

static void
test_code128_in_its_quiet_zones(void **state)
{
    (void)state;
    struct canvas c;
    canvas_new(&c, 200, 60);
    struct barcode_box box = {10, 10, 150, 30};
    struct barcode_placed p;
    struct fail f = {0};
    assert_int_equal(barcode_draw(c.cr, BARCODE_KIND_CODE128, "S1000007", &box, &p, &f), ST_OK);
    /* A module is a whole number of dots, at least two. */
    double dots = p.module * DPI_SCALE;
    assert_true(fabs(dots - round(dots)) < 1e-6);
    assert_true(round(dots) >= 2);
    assert_true(p.modules > 50);
    assert_true(fabs(p.w - p.modules * p.module) < 1e-6);
    /* Ten modules of white each side, inside the box, centred. */
    assert_true(p.x - box.x >= 10 * p.module - 1e-6);
    assert_true(box.x + box.w - (p.x + p.w) >= 10 * p.module - 1e-6);
    assert_true(fabs((p.x - box.x) - (box.x + box.w - p.x - p.w)) < 1e-6);
    assert_true(fabs(p.h - box.h) < 1e-6);
    for (double x = box.x + 0.5; x < p.x - 0.5; x += 0.5)
        assert_int_equal(dark(&c, x, box.y + box.h / 2), 0);
    for (double x = p.x + p.w + 0.5; x < box.x + box.w - 0.5; x += 0.5)
        assert_int_equal(dark(&c, x, box.y + box.h / 2), 0);
    /* Code 128 starts and ends with a bar; outside the box nothing is drawn. */
    assert_int_equal(dark(&c, p.x + p.module / 2, box.y + box.h / 2), 1);
    assert_int_equal(dark(&c, p.x + p.w - p.module / 2, box.y + box.h / 2), 1);
    assert_int_equal(dark(&c, box.x - 2, box.y + box.h / 2), -1);
    assert_int_equal(dark(&c, box.x + box.w + 2, box.y + box.h / 2), -1);
    canvas_free(&c);
}

/* The Data Matrix finder: a solid bar down the left and along the bottom, alternating
 * modules along the top and down the right. */
static void
test_datamatrix_square_modules(void **state)
{
    (void)state;
    struct canvas c;
    canvas_new(&c, 80, 80);
    struct barcode_box box = {5, 5, 60, 40};
    struct barcode_placed p;
    struct fail f = {0};
    assert_int_equal(barcode_draw(c.cr, BARCODE_KIND_DATAMATRIX, "S1000007", &box, &p, &f), ST_OK);
    assert_true(fabs(p.w - p.h) < 1e-6); /* 10 × 10 or 12 × 12: square */
    assert_true(p.h <= box.h - 2 * p.module + 1e-6);
    int n = (int)round(p.w / p.module);
    assert_int_equal(n, p.modules);
    double m = p.module;
    for (int i = 0; i < n; i++) {
        double along = i * m + m / 2;
        assert_int_equal(dark(&c, p.x + m / 2, p.y + along), 1);       /* left */
        assert_int_equal(dark(&c, p.x + along, p.y + p.h - m / 2), 1); /* bottom */
        assert_int_equal(dark(&c, p.x + along, p.y + m / 2), i % 2 == 0);
        assert_int_equal(dark(&c, p.x + p.w - m / 2, p.y + p.h - along), i % 2 == 0);
    }
    /* The quiet zone round it is white. */
    assert_int_equal(dark(&c, p.x - m / 2, p.y + p.h / 2), 0);
    assert_int_equal(dark(&c, p.x + p.w / 2, p.y + p.h + m / 2), 0);
    canvas_free(&c);
}

static void
test_bad_data_named(void **state)
{
    (void)state;
    static const struct {
        enum barcode_kind kind;
        const char *data;
        double w;
        const char *code;
    } cases[] = {
        {BARCODE_KIND_CODE128, "", 150, "required"},
        {BARCODE_KIND_CODE128, NULL, 150, "required"},
        {BARCODE_KIND_CODE128, "S100\n0007", 150, "invalid_text"},
        {BARCODE_KIND_CODE128, "S100\xC3", 150, "invalid_text"},
        {BARCODE_KIND_CODE128, "S10000070123456789012345678901234567890123456789012345678901234567",
         2000, "too_long"},
        /* Beyond ISO 8859-1: no Code 128 character set has it. */
        {BARCODE_KIND_CODE128, "S100\xE6\xBC\xA2", 150, "unencodable"},
        /* 132 modules of two dots at the least need 63 points. */
        {BARCODE_KIND_CODE128, "S1000007", 40, "too_small"},
        {BARCODE_KIND_DATAMATRIX, "S1000007", 5, "too_small"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct canvas c;
        canvas_new(&c, 10, 10);
        struct barcode_box box = {0, 0, cases[i].w, 30};
        struct barcode_placed p;
        struct fail f = {0};
        int st = barcode_draw(c.cr, cases[i].kind, cases[i].data, &box, &p, &f);
        if (st != ST_INVALID || strcmp(f.field, "data") != 0 || strcmp(f.code, cases[i].code))
            fail_msg("case %zu: %d '%s' '%s' (%s), want %s", i, st, f.field, f.code, f.message,
                     cases[i].code);
        assert_true(p.module == 0 && p.modules == 0);
        canvas_free(&c);
    }
    /* zint's own words say why. */
    struct canvas c;
    canvas_new(&c, 10, 10);
    struct barcode_box box = {0, 0, 150, 30};
    struct fail f = {0};
    assert_int_equal(barcode_draw(c.cr, BARCODE_KIND_CODE128, "S100\xE6\xBC\xA2", &box, NULL, &f),
                     ST_INVALID);
    assert_non_null(strstr(f.message, "Code 128"));
    assert_true(strlen(f.message) > 40);
    canvas_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code128_in_its_quiet_zones),
        cmocka_unit_test(test_datamatrix_square_modules),
        cmocka_unit_test(test_bad_data_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
