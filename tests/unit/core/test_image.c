/* Unit tests of src/core/image.c with pictures made here by libjpeg and libpng: metadata
 * stripped, the EXIF orientation applied, damaged and oversized files refused, thumbnails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jpeglib.h>
#include <png.h>

#include "core/image.h"

#define GPS_TEXT "GPSTEST-52N13E"

/* ---- pictures ---- */

/* The test pattern: a green square in the top-left corner, red elsewhere on the left half,
 * blue on the right half. */
static void
pattern_pixel(int x, int y, int w, int h, unsigned char rgb[3])
{
    int corner = (w < h ? w : h) / 4;
    if (x < corner && y < corner) {
        rgb[0] = 0, rgb[1] = 220, rgb[2] = 0;
    } else if (x < w / 2) {
        rgb[0] = 220, rgb[1] = 0, rgb[2] = 0;
    } else {
        rgb[0] = 0, rgb[1] = 0, rgb[2] = 220;
    }
}

static unsigned char *
make_jpeg(int w, int h, size_t *n)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    unsigned char *buf = NULL;
    unsigned long len = 0;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc((size_t)w * 3);
    assert_non_null(row);
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w; x++)
            pattern_pixel(x, (int)c.next_scanline, w, h, row + x * 3);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    *n = len;
    return buf;
}

/* A big-endian EXIF block: orientation, a GPS sub-directory with a latitude reference and a
 * text that the tests look for, a camera make. */
static size_t
exif_block(int orientation, unsigned char *b)
{
    size_t i = 0;
    memcpy(b, "Exif\0\0", 6);
    unsigned char *t = b + 6;
    memcpy(t, "MM\0\x2a\0\0\0\x08", 8);
    i = 8;
    /* IFD0: 3 entries at 8: orientation, make, GPS pointer; next IFD 0. */
    t[i++] = 0, t[i++] = 3;
    unsigned char e1[12] = {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (unsigned char)orientation, 0, 0};
    memcpy(t + i, e1, 12), i += 12;
    /* Make, ASCII, 8 bytes at offset 62. */
    unsigned char e2[12] = {0x01, 0x0f, 0, 2, 0, 0, 0, 8, 0, 0, 0, 62};
    memcpy(t + i, e2, 12), i += 12;
    /* GPS IFD pointer to offset 70. */
    unsigned char e3[12] = {0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 70};
    memcpy(t + i, e3, 12), i += 12;
    memset(t + i, 0, 4), i += 4;         /* i == 50 */
    memset(t + i, 0, 12), i += 12;       /* padding to 62 */
    memcpy(t + i, "PhoneCo", 8), i += 8; /* i == 70 */
    /* GPS IFD: 2 entries: GPSLatitudeRef "N", GPSAreaInformation (undefined) -> the text. */
    t[i++] = 0, t[i++] = 2;
    unsigned char g1[12] = {0x00, 0x01, 0, 2, 0, 0, 0, 2, 'N', 0, 0, 0};
    memcpy(t + i, g1, 12), i += 12;
    size_t text_n = strlen(GPS_TEXT);
    size_t text_at = i + 12 + 4;
    unsigned char g2[12] = {
        0x00, 0x1c, 0, 7, 0, 0, 0, (unsigned char)text_n, 0, 0, 0, (unsigned char)text_at};
    memcpy(t + i, g2, 12), i += 12;
    memset(t + i, 0, 4), i += 4;
    memcpy(t + i, GPS_TEXT, text_n), i += text_n;
    return 6 + i;
}

/* A JPEG with, after SOI: APP1 EXIF, APP1 XMP, APP13 IPTC and a comment; and bytes after EOI. */
static unsigned char *
jpeg_with_metadata(int w, int h, int orientation, size_t *n)
{
    size_t jn;
    unsigned char *j = make_jpeg(w, h, &jn);
    unsigned char exif[256];
    size_t en = exif_block(orientation, exif);
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSTEST-XMP</x:xmpmeta>";
    static const char iptc[] = "Photoshop 3.0\0"
                               "8BIM-GPSTEST-IPTC";
    static const char com[] = "GPSTEST-COMMENT";
    static const char tail[] = "TRAILER-GPSTEST";
    size_t cap = jn + en + sizeof(xmp) + sizeof(iptc) + sizeof(com) + sizeof(tail) + 64;
    unsigned char *o = malloc(cap);
    assert_non_null(o);
    size_t i = 0;
    o[i++] = 0xff, o[i++] = 0xd8;
    const unsigned char markers[] = {0xe1, 0xe1, 0xed, 0xfe};
    const void *bodies[] = {exif, xmp, iptc, com};
    size_t lens[] = {en, sizeof(xmp) - 1, sizeof(iptc) - 1, sizeof(com) - 1};
    for (int k = 0; k < 4; k++) {
        o[i++] = 0xff, o[i++] = markers[k];
        o[i++] = (unsigned char)((lens[k] + 2) >> 8), o[i++] = (unsigned char)(lens[k] + 2);
        memcpy(o + i, bodies[k], lens[k]), i += lens[k];
    }
    memcpy(o + i, j + 2, jn - 2), i += jn - 2;
    memcpy(o + i, tail, sizeof(tail) - 1), i += sizeof(tail) - 1;
    free(j);
    *n = i;
    return o;
}

struct membuf {
    unsigned char *p;
    size_t n;
};

static void
png_write_mem(png_structp png, png_bytep data, size_t len)
{
    struct membuf *m = png_get_io_ptr(png);
    m->p = realloc(m->p, m->n + len);
    assert_non_null(m->p);
    memcpy(m->p + m->n, data, len);
    m->n += len;
}

static void
png_flush_mem(png_structp png)
{
    (void)png;
}

/* An RGBA PNG of the pattern (alpha 255, or 0 on the right half when `clear_right`), with a
 * tEXt, a zTXt, an iTXt and a tIME chunk. */
static unsigned char *
make_png(int w, int h, bool clear_right, size_t *n)
{
    struct membuf m = {NULL, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_set_write_fn(png, &m, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGBA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text text[3];
    memset(text, 0, sizeof(text));
    text[0].compression = PNG_TEXT_COMPRESSION_NONE;
    text[0].key = (char *)"Comment";
    text[0].text = (char *)"GPSTEST-TEXT";
    text[1].compression = PNG_TEXT_COMPRESSION_zTXt;
    text[1].key = (char *)"Description";
    text[1].text = (char *)"compressed words";
    text[2].compression = PNG_ITXT_COMPRESSION_NONE;
    text[2].key = (char *)"Author";
    text[2].text = (char *)"GPSTEST-ITXT";
    png_set_text(png, info, text, 3);
    png_time t = {2026, 8, 1, 10, 0, 0};
    png_set_tIME(png, info, &t);
    png_set_gAMA(png, info, 0.45455);
    png_write_info(png, info);
    unsigned char *row = malloc((size_t)w * 4);
    assert_non_null(row);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            pattern_pixel(x, y, w, h, row + x * 4);
            row[x * 4 + 3] = clear_right && x >= w / 2 ? 0 : 255;
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    *n = m.n;
    return m.p;
}

static bool
contains(const unsigned char *p, size_t n, const void *needle, size_t k)
{
    for (size_t i = 0; k <= n && i + k <= n; i++)
        if (!memcmp(p + i, needle, k))
            return true;
    return false;
}

static bool
has_jpeg_marker(const unsigned char *p, size_t n, unsigned char marker)
{
    /* Walks the segments up to the first scan: markers there are real, not entropy bytes. */
    size_t i = 2;
    while (i + 4 <= n && p[i] == 0xff) {
        if (p[i + 1] == marker)
            return true;
        if (p[i + 1] == 0xda)
            return false;
        i += 2 + (size_t)(p[i + 2] << 8 | p[i + 3]);
    }
    return false;
}

/* The pixel at (x, y) of a picture decoded at its own size. */
static uint32_t
pixel_at(const unsigned char *img, size_t n, int side, int x, int y, int *w, int *h)
{
    uint32_t *px = NULL;
    struct fail f;
    assert_int_equal(image_decode_rgb24(img, n, side, &px, w, h, &f), ST_OK);
    uint32_t v = px[(size_t)y * (size_t)*w + (size_t)x];
    free(px);
    return v;
}

static void
assert_near(uint32_t got, unsigned r, unsigned g, unsigned b)
{
    int dr = (int)(got >> 16 & 0xff) - (int)r, dg = (int)(got >> 8 & 0xff) - (int)g,
        db = (int)(got & 0xff) - (int)b;
    if (abs(dr) > 40 || abs(dg) > 40 || abs(db) > 40)
        fail_msg("pixel %06x is not near %02x%02x%02x", got, r, g, b);
}

/* ---- tests ---- */

static void
test_sniff(void **state)
{
    (void)state;
    size_t n;
    unsigned char *j = make_jpeg(8, 8, &n);
    assert_int_equal(image_sniff(j, n), IMAGE_JPEG);
    free(j);
    unsigned char *p = make_png(8, 8, false, &n);
    assert_int_equal(image_sniff(p, n), IMAGE_PNG);
    free(p);
    assert_int_equal(image_sniff((const unsigned char *)"GIF89a", 6), 0);
    assert_int_equal(image_sniff(NULL, 0), 0);
    assert_string_equal(image_mime(IMAGE_JPEG), "image/jpeg");
    assert_string_equal(image_mime(IMAGE_PNG), "image/png");
    assert_null(image_mime(0));
}

static void
test_jpeg_exif_stripped_and_turned(void **state)
{
    (void)state;
    size_t n, on;
    unsigned char *in = jpeg_with_metadata(64, 32, 6, &n), *out = NULL;
    struct image_info info;
    struct fail f;
    assert_true(contains(in, n, GPS_TEXT, strlen(GPS_TEXT)));
    assert_int_equal(image_clean(in, n, &out, &on, &info, &f), ST_OK);
    assert_int_equal(info.type, IMAGE_JPEG);
    /* Orientation 6: the camera was turned, so the picture stands 32 wide and 64 high. */
    assert_int_equal(info.width, 32);
    assert_int_equal(info.height, 64);
    assert_false(has_jpeg_marker(out, on, 0xe1));
    assert_false(has_jpeg_marker(out, on, 0xed));
    assert_false(has_jpeg_marker(out, on, 0xfe));
    assert_false(contains(out, on, "Exif", 4));
    assert_false(contains(out, on, "GPSTEST", 7));
    assert_false(contains(out, on, "PhoneCo", 7));
    assert_true(out[on - 2] == 0xff && out[on - 1] == 0xd9);
    /* Turned clockwise: the green top-left corner is now top-right, red on top, blue below. */
    int w, h;
    assert_near(pixel_at(out, on, 64, 28, 3, &w, &h), 0, 220, 0);
    assert_int_equal(w, 32);
    assert_int_equal(h, 64);
    assert_near(pixel_at(out, on, 64, 3, 3, &w, &h), 220, 0, 0);
    assert_near(pixel_at(out, on, 64, 16, 60, &w, &h), 0, 0, 220);
    /* Cleaning what is clean changes nothing. */
    unsigned char *again = NULL;
    size_t an;
    assert_int_equal(image_clean(out, on, &again, &an, &info, &f), ST_OK);
    assert_int_equal(an, on);
    assert_memory_equal(again, out, on);
    free(again);
    free(out);
    free(in);
}

static void
test_jpeg_every_orientation(void **state)
{
    (void)state;
    /* Where the green corner of a 40 x 20 picture ends up, for each orientation. */
    static const struct {
        int orientation, w, h, gx, gy;
    } cases[] = {
        {1, 40, 20, 1, 1}, {2, 40, 20, 38, 1}, {3, 40, 20, 38, 18}, {4, 40, 20, 1, 18},
        {5, 20, 40, 1, 1}, {6, 20, 40, 18, 1}, {7, 20, 40, 18, 38}, {8, 20, 40, 1, 38},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n, on;
        unsigned char *in = jpeg_with_metadata(40, 20, cases[i].orientation, &n), *out = NULL;
        struct image_info info;
        struct fail f;
        assert_int_equal(image_clean(in, n, &out, &on, &info, &f), ST_OK);
        assert_int_equal(info.width, cases[i].w);
        assert_int_equal(info.height, cases[i].h);
        int w, h;
        assert_near(pixel_at(out, on, 40, cases[i].gx, cases[i].gy, &w, &h), 0, 220, 0);
        assert_int_equal(w, cases[i].w);
        free(out);
        free(in);
    }
}

static void
test_png_text_dropped(void **state)
{
    (void)state;
    size_t n, on;
    unsigned char *in = make_png(30, 20, false, &n), *out = NULL;
    struct image_info info;
    struct fail f;
    assert_true(contains(in, n, "tEXt", 4));
    assert_true(contains(in, n, "tIME", 4));
    assert_int_equal(image_clean(in, n, &out, &on, &info, &f), ST_OK);
    assert_int_equal(info.type, IMAGE_PNG);
    assert_int_equal(info.width, 30);
    assert_int_equal(info.height, 20);
    assert_false(contains(out, on, "tEXt", 4));
    assert_false(contains(out, on, "zTXt", 4));
    assert_false(contains(out, on, "iTXt", 4));
    assert_false(contains(out, on, "tIME", 4));
    assert_false(contains(out, on, "GPSTEST", 7));
    assert_true(contains(out, on, "gAMA", 4));
    assert_true(contains(out, on, "IEND", 4));
    int w, h;
    assert_near(pixel_at(out, on, 30, 1, 1, &w, &h), 0, 220, 0);
    assert_near(pixel_at(out, on, 30, 28, 18, &w, &h), 0, 0, 220);
    free(out);
    free(in);
}

static void
test_png_transparency_on_white(void **state)
{
    (void)state;
    size_t n;
    unsigned char *in = make_png(20, 10, true, &n);
    int w, h;
    assert_near(pixel_at(in, n, 20, 18, 5, &w, &h), 255, 255, 255);
    assert_near(pixel_at(in, n, 20, 4, 8, &w, &h), 220, 0, 0);
    free(in);
}

/* Every way a file can fail: refused with invalid_image (or too_big), never a crash. */
static void
expect_refused(const unsigned char *in, size_t n, int status, const char *code)
{
    unsigned char *out = (unsigned char *)"not touched";
    size_t on = 99;
    struct image_info info = {IMAGE_JPEG, 1, 1};
    struct fail f;
    fail_clear(&f);
    assert_int_equal(image_clean(in, n, &out, &on, &info, &f), status);
    assert_string_equal(f.code, code);
    assert_string_equal(f.field, "content");
    assert_null(out);
    assert_int_equal(on, 0);
    assert_int_equal(info.width, 0);
    unsigned char *thumb = NULL;
    int w = 5, h = 5;
    assert_int_not_equal(image_thumbnail(in, n, 100, &thumb, &on, &w, &h, &f), ST_OK);
    assert_null(thumb);
    assert_int_equal(w, 0);
    uint32_t *px = NULL;
    assert_int_not_equal(image_decode_rgb24(in, n, 100, &px, &w, &h, &f), ST_OK);
    assert_null(px);
}

static void
test_refused(void **state)
{
    (void)state;
    size_t jn, pn;
    unsigned char *j = make_jpeg(64, 64, &jn), *p = make_png(64, 64, false, &pn);
    expect_refused(NULL, 0, ST_INVALID, "invalid_image");
    expect_refused((const unsigned char *)"", 0, ST_INVALID, "invalid_image");
    expect_refused((const unsigned char *)"GIF89a\x01\x00\x01\x00", 10, ST_INVALID,
                   "invalid_image");
    expect_refused((const unsigned char *)"\xff\xd8\xff", 3, ST_INVALID, "invalid_image");
    expect_refused((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, ST_INVALID, "invalid_image");
    /* Cut short anywhere. */
    for (size_t cut = 4; cut < jn; cut += jn / 13)
        expect_refused(j, cut, ST_INVALID, "invalid_image");
    expect_refused(j, jn - 2, ST_INVALID, "invalid_image");
    for (size_t cut = 9; cut < pn; cut += pn / 11)
        expect_refused(p, cut, ST_INVALID, "invalid_image");
    /* Garbage after a valid start. */
    unsigned char *g = malloc(jn);
    assert_non_null(g);
    memcpy(g, j, jn);
    for (size_t i = jn / 2; i < jn - 2; i++)
        g[i] = (unsigned char)(i * 7919u);
    unsigned char *out = NULL;
    size_t on;
    struct image_info info;
    struct fail f;
    int st = image_clean(g, jn, &out, &on, &info, &f);
    /* The entropy data may still decode to something (JPEG has no checksum), but it never
     * crashes and never answers with anything but a picture or invalid_image. */
    if (st != ST_OK)
        assert_string_equal(f.code, "invalid_image");
    free(out);
    memcpy(g, p, pn < jn ? pn : jn);
    if (pn <= jn) {
        g[pn / 2] ^= 0x55; /* a CRC no longer matches */
        expect_refused(g, pn, ST_INVALID, "invalid_image");
    }
    free(g);
    free(j);
    free(p);
}

static void
test_too_many_pixels(void **state)
{
    (void)state;
    size_t jn, pn;
    unsigned char *j = make_jpeg(16, 16, &jn), *p = make_png(16, 16, false, &pn);
    /* 10000 x 5000 = 50 megapixels in the frame header, the data of a small picture. */
    for (size_t i = 2; i + 9 < jn; i++)
        if (j[i] == 0xff && j[i + 1] == 0xc0) {
            j[i + 5] = 5000 >> 8, j[i + 6] = 5000 & 0xff;   /* height */
            j[i + 7] = 10000 >> 8, j[i + 8] = 10000 & 0xff; /* width */
            break;
        }
    expect_refused(j, jn, ST_TOO_BIG, "too_big");
    /* The same in a PNG's header (its CRC is not even looked at first). */
    p[16] = 0, p[17] = 0, p[18] = 10000 >> 8, p[19] = 10000 & 0xff;
    p[20] = 0, p[21] = 0, p[22] = 5000 >> 8, p[23] = 5000 & 0xff;
    expect_refused(p, pn, ST_TOO_BIG, "too_big");
    free(j);
    free(p);
}

static void
test_thumbnail(void **state)
{
    (void)state;
    static const struct {
        int w, h, side, tw, th;
    } cases[] = {
        {1000, 500, 320, 320, 160}, {500, 1000, 320, 160, 320}, {640, 480, 320, 320, 240},
        {100, 50, 320, 100, 50},    {2001, 3, 320, 320, 1},     {333, 333, 320, 320, 320},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t n, tn;
            unsigned char *in = kind ? make_png(cases[i].w, cases[i].h, false, &n)
                                     : make_jpeg(cases[i].w, cases[i].h, &n);
            unsigned char *t = NULL;
            int w, h;
            struct fail f;
            assert_int_equal(image_thumbnail(in, n, cases[i].side, &t, &tn, &w, &h, &f), ST_OK);
            assert_int_equal(w, cases[i].tw);
            assert_int_equal(h, cases[i].th);
            assert_int_equal(image_sniff(t, tn), IMAGE_JPEG);
            /* The thumbnail is itself a clean JPEG of that size. */
            unsigned char *c = NULL;
            size_t cn;
            struct image_info info;
            assert_int_equal(image_clean(t, tn, &c, &cn, &info, &f), ST_OK);
            assert_int_equal(info.width, w);
            assert_int_equal(info.height, h);
            free(c);
            free(t);
            free(in);
        }
    }
    /* Area averaging: a one-pixel checkerboard shrinks to its mean grey, not to black or
     * white. */
    struct membuf m = {NULL, 0};
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = 64;
    img.height = 64;
    img.format = PNG_FORMAT_GRAY;
    unsigned char board[64 * 64];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            board[y * 64 + x] = (x + y) % 2 ? 255 : 0;
    png_alloc_size_t size = 0;
    assert_true(png_image_write_to_memory(&img, NULL, &size, 0, board, 0, NULL));
    m.p = malloc(size);
    assert_true(png_image_write_to_memory(&img, m.p, &size, 0, board, 0, NULL));
    int w, h;
    uint32_t v = pixel_at(m.p, size, 8, 4, 4, &w, &h);
    assert_int_equal(w, 8);
    assert_near(v, 128, 128, 128);
    free(m.p);
}

static void
test_bad_sizes(void **state)
{
    (void)state;
    size_t n;
    unsigned char *in = make_jpeg(10, 10, &n), *t = NULL;
    uint32_t *px = NULL;
    int w, h;
    size_t tn;
    struct fail f;
    assert_int_equal(image_thumbnail(in, n, 0, &t, &tn, &w, &h, &f), ST_INVALID);
    assert_null(t);
    assert_int_equal(image_decode_rgb24(in, n, -1, &px, &w, &h, &f), ST_INVALID);
    assert_null(px);
    free(in);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_jpeg_exif_stripped_and_turned),
        cmocka_unit_test(test_jpeg_every_orientation),
        cmocka_unit_test(test_png_text_dropped),
        cmocka_unit_test(test_png_transparency_on_white),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_too_many_pixels),
        cmocka_unit_test(test_thumbnail),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
