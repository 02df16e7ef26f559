/* Photographs as bytes (libjpeg + libpng): checking that an upload is a whole JPEG or PNG,
 * stripping what a camera or a phone writes beside the picture, thumbnails, and decoding for the
 * printed report. Pure: no database, no global state; corrupt input never ends the process.
 *
 * Every function that returns bytes or pixels gives them to the caller, who frees them with
 * free(). On failure the outputs are NULL / 0 and `f` says why: code "invalid_image" for bytes
 * that are not a picture this module reads, "too_big" past IMAGE_MAX_PIXELS. */
#ifndef AUTOLOGA_CORE_IMAGE_H
#define AUTOLOGA_CORE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* 40 megapixels: more than any clinic camera or phone takes, and a bound on the memory one
 * decode may use (four bytes a pixel: 160 MB). */
#define IMAGE_MAX_PIXELS 40000000L

enum image_type { IMAGE_JPEG = 1, IMAGE_PNG = 2 };

struct image_info {
    enum image_type type;
    int width, height;
};

/* The type of in[0..n) by its first bytes (the JPEG SOI marker or the PNG signature), 0 when it
 * is neither. Says nothing of the rest of the file. */
enum image_type image_sniff(const unsigned char *in, size_t n);

/* The MIME type of a type ("image/jpeg", "image/png"), NULL for anything else. */
const char *image_mime(enum image_type type);

/* Checks the bytes are a whole JPEG or PNG (by content, not by name), refuses more than
 * IMAGE_MAX_PIXELS (40 megapixels), and returns a copy without metadata: JPEG keeps only what
 * drawing needs (SOI..EOI, DQT, DHT, SOF, SOS, DRI, APP0 JFIF, APP2 ICC), drops EXIF, XMP,
 * IPTC, comments; an EXIF orientation other than 1 is applied first (decoded, turned and
 * re-encoded at quality 92), so the picture stands as taken. PNG keeps IHDR, PLTE, IDAT, IEND,
 * tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, pHYs and drops the rest (tEXt, zTXt, iTXt, eXIf, tIME…).
 * info gets the type and the size as stored (after turning). *out is the caller's (free()). */
int image_clean(const unsigned char *in, size_t n, unsigned char **out, size_t *out_n,
                struct image_info *info, struct fail *f) WARN_UNUSED;

/* A JPEG (quality 85) whose longest side is at most max_side, area-averaged; a picture already
 * that small keeps its size. The input is a JPEG or PNG (a cleaned one: no orientation is
 * applied here). *jpeg is the caller's (free()). */
int image_thumbnail(const unsigned char *in, size_t n, int max_side, unsigned char **jpeg,
                    size_t *jpeg_n, int *width, int *height, struct fail *f) WARN_UNUSED;

/* Decoded to cairo's CAIRO_FORMAT_RGB24 layout (uint32 0x00RRGGBB per pixel, native endian,
 * stride = width * 4), scaled to fit max_side; for the outcome report PDF. Transparent PNG
 * pixels are laid on white. *pixels is the caller's (free()). */
int image_decode_rgb24(const unsigned char *in, size_t n, int max_side, uint32_t **pixels,
                       int *width, int *height, struct fail *f) WARN_UNUSED;

#endif
