/* libFuzzer target for src/core/text.c: arbitrary bytes through validation, decoding, trimming,
 * the name script checks and search folding, with the properties search relies on. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* Folded text: valid, and words separated by single spaces with none at either end. */
static void
check_folded(const char *s, size_t n)
{
    CHECK(text_valid_utf8(s, n));
    if (n == 0)
        return;
    CHECK(s[0] != ' ' && s[n - 1] != ' ');
    CHECK(memmem(s, n, "  ", 2) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct buf once, twice;
    size_t n = size, len, count = 0, pos = 0;

    /* Trimming works on any bytes and stays inside them. */
    const char *t = text_trim(s, &n);
    CHECK(t >= s && t + n <= s + size);

    if (!text_valid_utf8(s, size))
        return 0;
    /* Decoding walks valid text exactly, one code point per step. */
    while (pos < size) {
        uint32_t cp = text_decode(s + pos, size - pos, &len);
        CHECK(len >= 1 && len <= 4 && pos + len <= size);
        CHECK(cp <= 0x10FFFF);
        pos += len;
        count++;
    }
    CHECK(pos == size);
    CHECK(count == text_codepoints(s, size));

    /* No name is in both scripts. */
    bool arabic = text_is_arabic_name(s, size);
    bool latin = text_is_latin_name(s, size);
    CHECK(!(arabic && latin));

    buf_init(&once, 0);
    buf_init(&twice, 0);
    if (text_fold(s, size, &once) == ST_OK) {
        check_folded(buf_str(&once), once.len);
        /* Folding folded text changes nothing: a query typed in folded form finds the record. */
        CHECK(text_fold(buf_str(&once), once.len, &twice) == ST_OK);
        CHECK(twice.len == once.len && memcmp(buf_str(&twice), buf_str(&once), once.len) == 0);
    }
    buf_release(&once);
    buf_release(&twice);

    /* A small cap fails cleanly. */
    buf_init(&once, 8);
    int st = text_fold(s, size, &once);
    CHECK(st == ST_OK || st == ST_TOO_BIG);
    CHECK(once.len <= 8);
    buf_release(&once);
    return 0;
}
