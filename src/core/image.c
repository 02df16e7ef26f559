/* JPEG and PNG photographs: structural checks and metadata stripping done on the file's own
 * segments and chunks, then a decode by libjpeg or libpng to prove the picture whole; the EXIF
 * orientation applied; thumbnails and cairo pixels by area averaging. */
#include "core/image.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

/* Quality of a JPEG re-encoded to stand upright: high enough that a second generation shows no
 * loss a clinician could see. */
#define ROTATE_QUALITY 92
#define THUMB_QUALITY 85
/* A progressive JPEG may have many scans; one with thousands is an attack on the decoder's time,
 * not a photograph. */
#define JPEG_MAX_SCANS 500

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

enum image_type
image_sniff(const unsigned char *in, size_t n)
{
    if (in && n >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
        return IMAGE_JPEG;
    if (in && n >= sizeof(png_signature) && !memcmp(in, png_signature, sizeof(png_signature)))
        return IMAGE_PNG;
    return 0;
}

const char *
image_mime(enum image_type type)
{
    switch (type) {
    case IMAGE_JPEG:
        return "image/jpeg";
    case IMAGE_PNG:
        return "image/png";
    }
    return NULL;
}

static int
invalid(struct fail *f, const char *why)
{
    return fail_set(f, ST_INVALID, "content", "invalid_image",
                    "the file is not a whole picture: %s", why);
}

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

static int
too_many_pixels(struct fail *f, long w, long h)
{
    return fail_set(f, ST_TOO_BIG, "content", "too_big",
                    "the picture is %ld x %ld pixels, more than %ld megapixels", w, h,
                    IMAGE_MAX_PIXELS / 1000000);
}

static bool
pixels_ok(long w, long h)
{
    return w > 0 && h > 0 && w <= IMAGE_MAX_PIXELS / h;
}

/* ---- a growable output ---- */

struct out {
    unsigned char *p;
    size_t len, cap;
    bool failed;
};

static void
out_put(struct out *o, const unsigned char *p, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        unsigned char *q = realloc(o->p, cap);
        if (!q) {
            o->failed = true;
            return;
        }
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

/* ---- pixels in memory ---- */

/* 8-bit pixels, `comps` bytes each (1 gray, 3 RGB, 4 CMYK or RGBA), rows packed. */
struct raster {
    int w, h, comps;
    unsigned char *px;
};

static void
raster_release(struct raster *r)
{
    free(r->px);
    memset(r, 0, sizeof(*r));
}

static int
raster_alloc(struct raster *r, int w, int h, int comps)
{
    memset(r, 0, sizeof(*r));
    if (!pixels_ok(w, h))
        return ST_TOO_BIG;
    r->px = malloc((size_t)w * (size_t)h * (size_t)comps);
    if (!r->px)
        return ST_NOMEM;
    r->w = w;
    r->h = h;
    r->comps = comps;
    return ST_OK;
}

/* The picture as it should stand, for an EXIF orientation 2..8 (1 and unknown: as is). */
static int
raster_orient(const struct raster *in, int orientation, struct raster *out)
{
    bool swap = orientation >= 5 && orientation <= 8;
    int w = in->w, h = in->h, c = in->comps;
    int st = raster_alloc(out, swap ? h : w, swap ? w : h, c);
    if (st != ST_OK)
        return st;
    for (int oy = 0; oy < out->h; oy++)
        for (int ox = 0; ox < out->w; ox++) {
            int sx, sy;
            switch (orientation) {
            case 2: /* mirrored left to right */
                sx = w - 1 - ox, sy = oy;
                break;
            case 3: /* upside down */
                sx = w - 1 - ox, sy = h - 1 - oy;
                break;
            case 4: /* mirrored top to bottom */
                sx = ox, sy = h - 1 - oy;
                break;
            case 5: /* transposed */
                sx = oy, sy = ox;
                break;
            case 6: /* taken turned: the camera's top was on its right */
                sx = oy, sy = h - 1 - ox;
                break;
            case 7: /* transversed */
                sx = w - 1 - oy, sy = h - 1 - ox;
                break;
            case 8: /* taken turned the other way */
                sx = w - 1 - oy, sy = ox;
                break;
            default:
                sx = ox, sy = oy;
                break;
            }
            memcpy(out->px + ((size_t)oy * (size_t)out->w + (size_t)ox) * (size_t)c,
                   in->px + ((size_t)sy * (size_t)w + (size_t)sx) * (size_t)c, (size_t)c);
        }
    return ST_OK;
}

/* The output size of fitting w x h into max_side (never larger than it is). */
static void
fit(int w, int h, int max_side, int *ow, int *oh)
{
    *ow = w;
    *oh = h;
    if (max_side <= 0 || (w <= max_side && h <= max_side))
        return;
    if (w >= h) {
        *ow = max_side;
        *oh = (int)(((long long)h * max_side + w / 2) / w);
    } else {
        *oh = max_side;
        *ow = (int)(((long long)w * max_side + h / 2) / h);
    }
    if (*ow < 1)
        *ow = 1;
    if (*oh < 1)
        *oh = 1;
}

/* Scales an RGB raster to fit max_side, each output pixel the mean of the source pixels its area
 * covers: no aliasing from skipped pixels. */
static int
raster_scale(const struct raster *in, int max_side, struct raster *out)
{
    int ow, oh;
    fit(in->w, in->h, max_side, &ow, &oh);
    int st = raster_alloc(out, ow, oh, 3);
    if (st != ST_OK)
        return st;
    uint64_t *sum = calloc((size_t)ow * 3, sizeof(*sum));
    uint32_t *count = calloc((size_t)ow, sizeof(*count));
    if (!sum || !count) {
        free(sum);
        free(count);
        raster_release(out);
        return ST_NOMEM;
    }
    for (int oy = 0; oy < oh; oy++) {
        int y0 = (int)((long long)oy * in->h / oh), y1 = (int)((long long)(oy + 1) * in->h / oh);
        if (y1 <= y0)
            y1 = y0 + 1;
        memset(sum, 0, (size_t)ow * 3 * sizeof(*sum));
        memset(count, 0, (size_t)ow * sizeof(*count));
        for (int y = y0; y < y1 && y < in->h; y++) {
            const unsigned char *row = in->px + (size_t)y * (size_t)in->w * 3;
            for (int ox = 0; ox < ow; ox++) {
                int x0 = (int)((long long)ox * in->w / ow),
                    x1 = (int)((long long)(ox + 1) * in->w / ow);
                if (x1 <= x0)
                    x1 = x0 + 1;
                for (int x = x0; x < x1 && x < in->w; x++) {
                    sum[ox * 3] += row[x * 3];
                    sum[ox * 3 + 1] += row[x * 3 + 1];
                    sum[ox * 3 + 2] += row[x * 3 + 2];
                    count[ox]++;
                }
            }
        }
        unsigned char *orow = out->px + (size_t)oy * (size_t)ow * 3;
        for (int ox = 0; ox < ow; ox++)
            for (int k = 0; k < 3; k++)
                orow[ox * 3 + k] =
                    count[ox] ? (unsigned char)((sum[ox * 3 + k] + count[ox] / 2) / count[ox]) : 0;
    }
    free(sum);
    free(count);
    return ST_OK;
}

/* ---- libjpeg: errors come back here instead of ending the process ---- */

struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    bool premature_end; /* the data stopped before the picture did */
    char msg[JMSG_LENGTH_MAX];
};

static void
jerr_exit(j_common_ptr c)
{
    struct jerr *e = (struct jerr *)c->err;
    (*c->err->format_message)(c, e->msg);
    longjmp(e->jump, 1);
}

static void
jerr_emit(j_common_ptr c, int level)
{
    struct jerr *e = (struct jerr *)c->err;
    /* Warnings are corrupt data libjpeg papers over; a cut-off file is the one that matters
     * (its missing part would show grey). Nothing goes to stderr. */
    if (level < 0) {
        if (c->err->msg_code == JWRN_JPEG_EOF)
            e->premature_end = true;
        c->err->num_warnings++;
    }
}

static void
jerr_init(struct jerr *e)
{
    memset(e, 0, sizeof(*e));
    jpeg_std_error(&e->pub);
    e->pub.error_exit = jerr_exit;
    e->pub.emit_message = jerr_emit;
}

static void
jpeg_progress(j_common_ptr c)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->input_scan_number > JPEG_MAX_SCANS) {
        d->err->msg_code = JERR_BAD_PROGRESSION;
        (*d->err->error_exit)(c);
    }
}

/* How a JPEG is to be decoded. */
struct jpeg_want {
    int max_side;     /* decode at a DCT scale no smaller than this needs (0: full size) */
    bool keep_pixels; /* false: decode only to prove the data whole */
    bool rgb;         /* convert to RGB (CMYK included); else keep gray / RGB / CMYK as stored */
};

struct jpeg_got {
    struct raster r;
    int stored_w, stored_h; /* the size in the file, before any scaling */
    bool cmyk, adobe;       /* r holds CMYK (as stored: Adobe files invert it) */
    unsigned char *icc;     /* the ICC profile, malloc()ed, or NULL */
    unsigned int icc_n;
};

static void
jpeg_got_release(struct jpeg_got *g)
{
    raster_release(&g->r);
    free(g->icc);
    memset(g, 0, sizeof(*g));
}

/* CMYK as libjpeg gives it to RGB: Adobe's files store the inks inverted. */
static void
cmyk_to_rgb(const unsigned char *in, unsigned char *out, int w, bool adobe)
{
    for (int x = 0; x < w; x++) {
        int c = in[x * 4], m = in[x * 4 + 1], y = in[x * 4 + 2], k = in[x * 4 + 3];
        if (!adobe) {
            c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        }
        out[x * 3] = (unsigned char)(c * k / 255);
        out[x * 3 + 1] = (unsigned char)(m * k / 255);
        out[x * 3 + 2] = (unsigned char)(y * k / 255);
    }
}

static int
jpeg_decode(const unsigned char *in, size_t n, const struct jpeg_want *want, struct jpeg_got *got,
            struct fail *f)
{
    struct jpeg_decompress_struct d;
    struct jpeg_progress_mgr progress = {.progress_monitor = jpeg_progress};
    struct jerr e;
    /* Everything touched after setjmp and read after a longjmp lives behind this pointer. */
    struct {
        unsigned char *row;
        int st;
    } volatile state = {NULL, ST_OK};

    memset(got, 0, sizeof(*got));
    if (n > 0xffffffffUL)
        return invalid(f, "the file is too large for a JPEG");
    jerr_init(&e);
    d.err = &e.pub;
    jpeg_create_decompress(&d);
    if (setjmp(e.jump)) {
        free(state.row);
        jpeg_destroy_decompress(&d);
        jpeg_got_release(got);
        if (state.st == ST_NOMEM)
            return nomem(f);
        return invalid(f, e.msg[0] ? e.msg : "the JPEG data is damaged");
    }
    d.progress = &progress;
    jpeg_mem_src(&d, in, (unsigned long)n);
    jpeg_save_markers(&d, JPEG_APP0 + 2, 0xffff);
    jpeg_read_header(&d, TRUE);
    got->stored_w = (int)d.image_width;
    got->stored_h = (int)d.image_height;
    if (!pixels_ok(d.image_width, d.image_height)) {
        jpeg_destroy_decompress(&d);
        return too_many_pixels(f, (long)got->stored_w, (long)got->stored_h);
    }
    {
        JOCTET *icc = NULL;
        unsigned int icc_n = 0;
        if (jpeg_read_icc_profile(&d, &icc, &icc_n)) {
            got->icc = icc;
            got->icc_n = icc_n;
        }
    }
    got->adobe = d.saw_Adobe_marker;
    got->cmyk = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
    if (got->cmyk)
        d.out_color_space = JCS_CMYK;
    else if (want->rgb || d.num_components != 1)
        d.out_color_space = JCS_RGB;
    else
        d.out_color_space = JCS_GRAYSCALE;
    /* A smaller DCT scale decodes every bit of the data (a damaged file still fails) at a
     * fraction of the work. */
    d.scale_num = 1;
    d.scale_denom = 1;
    if (want->max_side > 0 || !want->keep_pixels) {
        unsigned longest = d.image_width > d.image_height ? d.image_width : d.image_height;
        unsigned target = want->keep_pixels ? (unsigned)want->max_side : 1;
        while (d.scale_denom < 8 &&
               (longest + d.scale_denom * 2 - 1) / (d.scale_denom * 2) >= target)
            d.scale_denom *= 2;
    }
    jpeg_start_decompress(&d);
    int w = (int)d.output_width, h = (int)d.output_height, c = d.output_components;
    int store_c = got->cmyk && want->rgb ? 3 : c;
    state.row = malloc((size_t)w * (size_t)c);
    if (!state.row) {
        state.st = ST_NOMEM;
        longjmp(e.jump, 1);
    }
    if (want->keep_pixels) {
        int st = raster_alloc(&got->r, w, h, store_c);
        if (st != ST_OK) {
            state.st = st;
            longjmp(e.jump, 1);
        }
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[1] = {state.row};
        unsigned y = d.output_scanline;
        if (jpeg_read_scanlines(&d, rows, 1) != 1)
            break;
        if (!want->keep_pixels)
            continue;
        unsigned char *dst = got->r.px + (size_t)y * (size_t)w * (size_t)store_c;
        if (got->cmyk && want->rgb)
            cmyk_to_rgb(state.row, dst, w, got->adobe);
        else
            memcpy(dst, state.row, (size_t)w * (size_t)c);
    }
    bool short_read = d.output_scanline < d.output_height;
    if (!short_read)
        jpeg_finish_decompress(&d);
    free(state.row);
    state.row = NULL;
    jpeg_destroy_decompress(&d);
    if (e.premature_end || short_read) {
        jpeg_got_release(got);
        return invalid(f, "the JPEG data ends before the picture does");
    }
    if (want->keep_pixels && got->cmyk && want->rgb)
        got->cmyk = false;
    return ST_OK;
}

/* A JPEG of the raster (gray, RGB or CMYK), with an ICC profile when given. */
static int
jpeg_encode(const struct raster *r, bool cmyk, int quality, const unsigned char *icc,
            unsigned int icc_n, unsigned char **out, size_t *out_n, struct fail *f)
{
    struct jpeg_compress_struct c;
    struct jerr e;
    struct {
        unsigned char *buf;
        unsigned long len;
    } volatile dest = {NULL, 0};

    *out = NULL;
    *out_n = 0;
    jerr_init(&e);
    c.err = &e.pub;
    jpeg_create_compress(&c);
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        free(dest.buf);
        return fail_set(f, ST_NOMEM, "", "internal", "the picture could not be written: %s", e.msg);
    }
    jpeg_mem_dest(&c, (unsigned char **)&dest.buf, (unsigned long *)&dest.len);
    c.image_width = (JDIMENSION)r->w;
    c.image_height = (JDIMENSION)r->h;
    c.input_components = r->comps;
    c.in_color_space = r->comps == 1 ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    c.optimize_coding = TRUE;
    jpeg_start_compress(&c, TRUE);
    if (icc && icc_n)
        jpeg_write_icc_profile(&c, icc, icc_n);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = r->px + (size_t)c.next_scanline * (size_t)r->w * (size_t)r->comps;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = dest.buf;
    *out_n = dest.len;
    return ST_OK;
}

/* ---- JPEG segments ---- */

static uint16_t
be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The orientation tag (0x0112) of an EXIF block ("Exif\0\0" and a TIFF structure), 1 when it
 * has none or the block is damaged: a damaged block is dropped anyway. */
static int
exif_orientation(const unsigned char *p, size_t n)
{
    if (n < 14 || memcmp(p, "Exif\0\0", 6) != 0)
        return 1;
    const unsigned char *t = p + 6;
    size_t tn = n - 6;
    bool le;
    if (t[0] == 'I' && t[1] == 'I')
        le = true;
    else if (t[0] == 'M' && t[1] == 'M')
        le = false;
    else
        return 1;
#define RD16(q) (le ? (uint16_t)((q)[0] | (q)[1] << 8) : be16(q))
#define RD32(q)                                                                                    \
    (le ? (uint32_t)((q)[0] | (q)[1] << 8 | (q)[2] << 16 | (uint32_t)(q)[3] << 24) : be32(q))
    uint32_t ifd = RD32(t + 4);
    if (ifd > tn || tn - ifd < 2)
        return 1;
    unsigned entries = RD16(t + ifd);
    for (unsigned i = 0; i < entries; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;
        if (at + 12 > tn)
            return 1;
        if (RD16(t + at) == 0x0112 && RD16(t + at + 2) == 3) {
            unsigned v = RD16(t + at + 8);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
#undef RD16
#undef RD32
}

static bool
starts(const unsigned char *p, size_t n, const char *tag, size_t tag_n)
{
    return n >= tag_n && memcmp(p, tag, tag_n) == 0;
}

/* Whether a segment is one drawing needs. */
static bool
jpeg_keep(unsigned char marker, const unsigned char *body, size_t n)
{
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc8)
        return true; /* SOFn, DHT, DAC */
    switch (marker) {
    case 0xdb: /* DQT */
    case 0xdd: /* DRI */
    case 0xda: /* SOS */
        return true;
    case 0xe0:
        return starts(body, n, "JFIF\0", 5);
    case 0xe2:
        return starts(body, n, "ICC_PROFILE\0", 12);
    case 0xee:
        /* Adobe's marker says whether the channels are RGB, YCbCr or CMYK: without it colours
         * change. */
        return starts(body, n, "Adobe", 5);
    }
    return false;
}

/* Copies the segments drawing needs into `o` and finds the EXIF orientation. */
static int
jpeg_strip(const unsigned char *in, size_t n, struct out *o, int *orientation, struct fail *f)
{
    static const unsigned char soi[2] = {0xff, 0xd8}, eoi[2] = {0xff, 0xd9};
    size_t pos = 2;
    bool frame = false, scan = false;

    *orientation = 1;
    out_put(o, soi, 2);
    for (;;) {
        if (pos >= n || in[pos] != 0xff)
            return invalid(f, pos >= n ? "the JPEG ends before its end marker"
                                       : "a JPEG segment is damaged");
        while (pos < n && in[pos] == 0xff)
            pos++;
        if (pos >= n)
            return invalid(f, "the JPEG ends before its end marker");
        unsigned char marker = in[pos++];
        if (marker == 0xd9)
            break;
        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x00)
            return invalid(f, "a JPEG marker is out of place");
        if (n - pos < 2 || be16(in + pos) < 2 || n - pos < be16(in + pos))
            return invalid(f, "a JPEG segment runs past the end of the file");
        size_t len = be16(in + pos), start = pos - 2, end = pos + len;
        const unsigned char *body = in + pos + 2;
        size_t body_n = len - 2;
        if (marker == 0xe1 && *orientation == 1)
            *orientation = exif_orientation(body, body_n);
        if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
            frame = true;
        if (jpeg_keep(marker, body, body_n))
            out_put(o, in + start, end - start);
        pos = end;
        if (marker != 0xda)
            continue;
        /* The entropy-coded data runs to the next marker that is not a stuffed 0xff00 nor a
         * restart marker. */
        scan = true;
        size_t i = pos;
        while (i + 1 < n && !(in[i] == 0xff && in[i + 1] != 0x00 && in[i + 1] != 0xff &&
                              !(in[i + 1] >= 0xd0 && in[i + 1] <= 0xd7)))
            i++;
        if (i + 1 >= n)
            return invalid(f, "the JPEG data ends before its end marker");
        out_put(o, in + pos, i - pos);
        pos = i;
    }
    if (!frame || !scan)
        return invalid(f, "the JPEG has no frame or no scan");
    /* Whatever follows the end marker (a phone's second picture, a video) is dropped. */
    out_put(o, eoi, 2);
    return o->failed ? nomem(f) : ST_OK;
}

static int
clean_jpeg(const unsigned char *in, size_t n, unsigned char **out, size_t *out_n,
           struct image_info *info, struct fail *f)
{
    struct out o = {0};
    struct jpeg_got got;
    int orientation = 1;
    int st = jpeg_strip(in, n, &o, &orientation, f);
    if (st != ST_OK)
        goto out;
    /* Decoding the stripped copy proves that what is kept is a whole picture. */
    struct jpeg_want check = {.keep_pixels = orientation != 1, .rgb = false};
    st = jpeg_decode(o.p, o.len, &check, &got, f);
    if (st != ST_OK)
        goto out;
    info->type = IMAGE_JPEG;
    info->width = got.stored_w;
    info->height = got.stored_h;
    if (orientation == 1) {
        *out = o.p;
        *out_n = o.len;
        o.p = NULL;
        jpeg_got_release(&got);
        goto out;
    }
    struct raster turned;
    if (got.cmyk && !got.adobe) {
        /* Written back with Adobe's marker, which says the inks are stored inverted. */
        for (size_t i = 0; i < (size_t)got.r.w * (size_t)got.r.h * 4; i++)
            got.r.px[i] = (unsigned char)(255 - got.r.px[i]);
    }
    st = raster_orient(&got.r, orientation, &turned);
    if (st == ST_OK) {
        st = jpeg_encode(&turned, got.cmyk, ROTATE_QUALITY, got.icc, got.icc_n, out, out_n, f);
        info->width = turned.w;
        info->height = turned.h;
        raster_release(&turned);
    } else {
        st = st == ST_NOMEM ? nomem(f) : too_many_pixels(f, got.r.w, got.r.h);
    }
    jpeg_got_release(&got);
out:
    free(o.p);
    return st;
}

/* ---- PNG ---- */

struct png_src {
    const unsigned char *p;
    size_t n, pos;
};

static void
png_read_mem(png_structp png, png_bytep data, size_t len)
{
    struct png_src *s = png_get_io_ptr(png);
    if (s->n - s->pos < len)
        png_error(png, "the PNG data ends before the picture does");
    memcpy(data, s->p + s->pos, len);
    s->pos += len;
}

struct png_jmp {
    char msg[200];
};

static void
png_on_error(png_structp png, png_const_charp msg)
{
    struct png_jmp *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof(j->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void
png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Decodes a PNG: with `pixels`, to RGB laid on white; without, only to prove it whole. */
static int
png_decode(const unsigned char *in, size_t n, struct raster *pixels, struct fail *f)
{
    struct png_src src = {in, n, 0};
    struct png_jmp j = {{0}};
    png_structp png = NULL;
    png_infop info = NULL;
    struct {
        unsigned char *rgba;
        png_bytep *rows;
        int st;
    } volatile state = {NULL, NULL, ST_OK};

    if (pixels)
        memset(pixels, 0, sizeof(*pixels));
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &j, png_on_error, png_on_warning);
    if (!png || !(info = png_create_info_struct(png))) {
        png_destroy_read_struct(&png, NULL, NULL);
        return nomem(f);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(state.rgba);
        free(state.rows);
        if (pixels)
            raster_release(pixels);
        if (state.st == ST_NOMEM)
            return nomem(f);
        if (state.st == ST_TOO_BIG)
            return fail_set(f, ST_TOO_BIG, "content", "too_big",
                            "the picture is more than %ld megapixels", IMAGE_MAX_PIXELS / 1000000);
        return invalid(f, j.msg[0] ? j.msg : "the PNG data is damaged");
    }
    png_set_read_fn(png, &src, png_read_mem);
    png_set_user_limits(png, 65535, 65535);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (!pixels_ok((long)w, (long)h)) {
        state.st = ST_TOO_BIG;
        png_longjmp(png, 1);
    }
    int color = png_get_color_type(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    png_set_filler(png, 0xff, PNG_FILLER_AFTER);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * 4)
        png_error(png, "unexpected PNG row layout");
    if (!pixels) {
        /* One row is enough to run every pass over the data. */
        state.rgba = malloc(rowbytes);
        if (!state.rgba) {
            state.st = ST_NOMEM;
            png_longjmp(png, 1);
        }
        for (int p = 0; p < passes; p++)
            for (png_uint_32 y = 0; y < h; y++)
                png_read_row(png, state.rgba, NULL);
    } else {
        state.rgba = malloc(rowbytes * h);
        state.rows = malloc(sizeof(png_bytep) * h);
        if (!state.rgba || !state.rows) {
            state.st = ST_NOMEM;
            png_longjmp(png, 1);
        }
        for (png_uint_32 y = 0; y < h; y++)
            state.rows[y] = state.rgba + rowbytes * y;
        png_read_image(png, state.rows);
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(state.rows);
    if (pixels) {
        if (raster_alloc(pixels, (int)w, (int)h, 3) != ST_OK) {
            free(state.rgba);
            return nomem(f);
        }
        /* Transparent parts laid on white: the page of the report and the gallery's card. */
        for (size_t i = 0; i < (size_t)w * h; i++) {
            const unsigned char *s = state.rgba + i * 4;
            for (int k = 0; k < 3; k++)
                pixels->px[i * 3 + k] =
                    (unsigned char)((s[k] * s[3] + 255 * (255 - s[3]) + 127) / 255);
        }
    }
    free(state.rgba);
    return ST_OK;
}

/* Whether a chunk is one drawing needs (or that says how to draw it). */
static bool
png_keep(const unsigned char type[4])
{
    static const char keep[][5] = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA",
                                   "cHRM", "sRGB", "iCCP", "sBIT", "pHYs"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (!memcmp(type, keep[i], 4))
            return true;
    return false;
}

static int
clean_png(const unsigned char *in, size_t n, unsigned char **out, size_t *out_n,
          struct image_info *info, struct fail *f)
{
    struct out o = {0};
    size_t pos = sizeof(png_signature);
    bool first = true, end = false;
    long w = 0, h = 0;
    int st = ST_OK;

    out_put(&o, png_signature, sizeof(png_signature));
    while (!end) {
        if (n - pos < 12) {
            st = invalid(f, "the PNG ends before its end chunk");
            goto out;
        }
        uint32_t len = be32(in + pos);
        const unsigned char *type = in + pos + 4;
        if (len > 0x7fffffffu || n - pos - 12 < len) {
            st = invalid(f, "a PNG chunk runs past the end of the file");
            goto out;
        }
        if (first) {
            if (memcmp(type, "IHDR", 4) != 0 || len != 13) {
                st = invalid(f, "the PNG does not start with its header");
                goto out;
            }
            w = (long)be32(in + pos + 8);
            h = (long)be32(in + pos + 12);
            first = false;
        }
        end = !memcmp(type, "IEND", 4);
        if (png_keep(type))
            out_put(&o, in + pos, (size_t)len + 12);
        pos += (size_t)len + 12;
    }
    if (o.failed) {
        st = nomem(f);
        goto out;
    }
    if (!pixels_ok(w, h)) {
        st = w > 0 && h > 0 ? too_many_pixels(f, w, h) : invalid(f, "the PNG has no size");
        goto out;
    }
    st = png_decode(o.p, o.len, NULL, f);
    if (st != ST_OK)
        goto out;
    info->type = IMAGE_PNG;
    info->width = (int)w;
    info->height = (int)h;
    *out = o.p;
    *out_n = o.len;
    o.p = NULL;
out:
    free(o.p);
    return st;
}

/* ---- the public functions ---- */

int
image_clean(const unsigned char *in, size_t n, unsigned char **out, size_t *out_n,
            struct image_info *info, struct fail *f)
{
    *out = NULL;
    *out_n = 0;
    memset(info, 0, sizeof(*info));
    switch (image_sniff(in, n)) {
    case IMAGE_JPEG:
        return clean_jpeg(in, n, out, out_n, info, f);
    case IMAGE_PNG:
        return clean_png(in, n, out, out_n, info, f);
    }
    return invalid(f, n == 0 ? "it is empty" : "it is neither a JPEG nor a PNG");
}

/* The picture as RGB, decoded at a size no smaller than max_side needs. */
static int
decode_rgb(const unsigned char *in, size_t n, int max_side, struct raster *r, struct fail *f)
{
    memset(r, 0, sizeof(*r));
    switch (image_sniff(in, n)) {
    case IMAGE_JPEG: {
        struct jpeg_want want = {.max_side = max_side, .keep_pixels = true, .rgb = true};
        struct jpeg_got got;
        int st = jpeg_decode(in, n, &want, &got, f);
        if (st != ST_OK)
            return st;
        *r = got.r;
        got.r.px = NULL;
        jpeg_got_release(&got);
        return ST_OK;
    }
    case IMAGE_PNG:
        return png_decode(in, n, r, f);
    }
    return invalid(f, n == 0 ? "it is empty" : "it is neither a JPEG nor a PNG");
}

int
image_thumbnail(const unsigned char *in, size_t n, int max_side, unsigned char **jpeg,
                size_t *jpeg_n, int *width, int *height, struct fail *f)
{
    struct raster full, small;
    *jpeg = NULL;
    *jpeg_n = 0;
    *width = *height = 0;
    if (max_side < 1)
        return fail_set(f, ST_INVALID, "max_side", "invalid_value", "a thumbnail needs a size");
    int st = decode_rgb(in, n, max_side, &full, f);
    if (st != ST_OK)
        return st;
    st = raster_scale(&full, max_side, &small);
    raster_release(&full);
    if (st != ST_OK)
        return nomem(f);
    st = jpeg_encode(&small, false, THUMB_QUALITY, NULL, 0, jpeg, jpeg_n, f);
    if (st == ST_OK) {
        *width = small.w;
        *height = small.h;
    }
    raster_release(&small);
    return st;
}

int
image_decode_rgb24(const unsigned char *in, size_t n, int max_side, uint32_t **pixels, int *width,
                   int *height, struct fail *f)
{
    struct raster full, small;
    *pixels = NULL;
    *width = *height = 0;
    if (max_side < 1)
        return fail_set(f, ST_INVALID, "max_side", "invalid_value", "a picture needs a size");
    int st = decode_rgb(in, n, max_side, &full, f);
    if (st != ST_OK)
        return st;
    st = raster_scale(&full, max_side, &small);
    raster_release(&full);
    if (st != ST_OK)
        return nomem(f);
    uint32_t *px = malloc((size_t)small.w * (size_t)small.h * sizeof(*px));
    if (!px) {
        raster_release(&small);
        return nomem(f);
    }
    for (size_t i = 0; i < (size_t)small.w * (size_t)small.h; i++)
        px[i] = (uint32_t)small.px[i * 3] << 16 | (uint32_t)small.px[i * 3 + 1] << 8 |
                small.px[i * 3 + 2];
    *pixels = px;
    *width = small.w;
    *height = small.h;
    raster_release(&small);
    return ST_OK;
}
