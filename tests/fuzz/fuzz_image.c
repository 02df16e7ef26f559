/* libFuzzer target for src/core/image.c: arbitrary bytes as an uploaded photo. Whatever
 * image_clean accepts must clean to the same bytes again (nothing left to strip) and decode into
 * a thumbnail and cairo pixels of the size it reported; nothing may crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* Decoding a full picture of up to 40 megapixels is allowed but slow under the sanitizers: the
 * thumbnail and pixel checks run on pictures up to this size. */
#define DECODE_MAX_PIXELS (2000L * 2000L)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *out = NULL, *again = NULL, *thumb = NULL;
    size_t out_n = 0, again_n = 0, thumb_n = 0;
    uint32_t *px = NULL;
    struct image_info info, info2;
    struct fail f;
    int w, h;

    int st = image_clean(data, size, &out, &out_n, &info, &f);
    if (st != ST_OK) {
        CHECK(out == NULL && out_n == 0);
        CHECK(!strcmp(f.code, "invalid_image") || !strcmp(f.code, "too_big") ||
              !strcmp(f.code, "internal"));
        return 0;
    }
    CHECK(out && out_n > 0);
    CHECK(image_sniff(out, out_n) == info.type);
    CHECK(info.width > 0 && info.height > 0);
    CHECK((long)info.width * info.height <= IMAGE_MAX_PIXELS);
    CHECK(image_clean(out, out_n, &again, &again_n, &info2, &f) == ST_OK);
    CHECK(again_n == out_n && !memcmp(again, out, out_n));
    CHECK(info2.width == info.width && info2.height == info.height && info2.type == info.type);
    if ((long)info.width * info.height <= DECODE_MAX_PIXELS) {
        CHECK(image_thumbnail(out, out_n, 64, &thumb, &thumb_n, &w, &h, &f) == ST_OK);
        CHECK(w >= 1 && h >= 1 && w <= 64 && h <= 64);
        CHECK(w == info.width || h == info.height || w == 64 || h == 64);
        CHECK(image_decode_rgb24(out, out_n, 4096, &px, &w, &h, &f) == ST_OK);
        if (info.width <= 4096 && info.height <= 4096)
            CHECK(w == info.width && h == info.height);
        else
            CHECK((w == 4096 || h == 4096) && w <= 4096 && h <= 4096);
    }
    free(out);
    free(again);
    free(thumb);
    free(px);
    return 0;
}
