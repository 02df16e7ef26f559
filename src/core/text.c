/* UTF-8 validation, script checks for personal names, and the folding that search uses so that
 * spelling variants (accents, harakat, alef forms, digit scripts) find each other. */
#include "text.h"

#include <string.h>

/* Decodes one well-formed UTF-8 sequence at s (n > 0 bytes left) into *cp and returns its
 * length, or 0 when the bytes are not well-formed: overlong forms, surrogates, values past
 * U+10FFFF and truncated sequences are all refused here, in one place. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len, i;
    uint32_t c;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        c = b & 0x0Fu;
        if (b == 0xE0)
            lo = 0xA0; /* below is overlong */
        else if (b == 0xED)
            hi = 0x9F; /* above is a surrogate */
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        c = b & 0x07u;
        if (b == 0xF0)
            lo = 0x90; /* below is overlong */
        else if (b == 0xF4)
            hi = 0x8F; /* above is past U+10FFFF */
    } else {
        return 0; /* a continuation byte, an overlong lead (C0, C1) or F5..FF */
    }
    if (n < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    *cp = c;
    return len;
}

bool
text_valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len;
    uint32_t cp;

    if (n > 0 && !s)
        return false;
    while (i < n) {
        len = utf8_decode(p + i, n - i, &cp);
        if (len == 0)
            return false;
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
            return false;
        if (cp >= 0x7F && cp <= 0x9F)
            return false;
        i += len;
    }
    return true;
}

size_t
text_codepoints(const char *s, size_t n)
{
    size_t i, count = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

uint32_t
text_decode(const char *s, size_t n, size_t *len)
{
    uint32_t cp;
    size_t l;

    if (n == 0) {
        *len = 0;
        return 0;
    }
    l = utf8_decode((const unsigned char *)s, n, &cp);
    if (l == 0) {
        /* Not valid after all: consume one byte so callers always advance. */
        *len = 1;
        return 0xFFFD;
    }
    *len = l;
    return cp;
}

bool
text_is_arabic_letter(uint32_t cp)
{
    if (cp >= 0x0600 && cp <= 0x06FF)
        return (cp >= 0x0620 && cp <= 0x063F) || (cp >= 0x0641 && cp <= 0x064A) || cp == 0x066E ||
               cp == 0x066F || (cp >= 0x0671 && cp <= 0x06D3) || cp == 0x06D5 || cp == 0x06EE ||
               cp == 0x06EF || (cp >= 0x06FA && cp <= 0x06FC) || cp == 0x06FF;
    if (cp >= 0x0750 && cp <= 0x077F)
        return true;
    if (cp >= 0x08A0 && cp <= 0x08FF)
        return cp <= 0x08C9; /* the rest of the block are marks */
    if (cp >= 0xFB50 && cp <= 0xFDFF)
        return (cp <= 0xFBB1) || (cp >= 0xFBD3 && cp <= 0xFD3D) ||
               (cp >= 0xFD50 && cp <= 0xFDC7 && cp != 0xFD90 && cp != 0xFD91) ||
               (cp >= 0xFDF0 && cp <= 0xFDFB);
    if (cp >= 0xFE70 && cp <= 0xFEFF)
        return cp <= 0xFEFC && cp != 0xFE75;
    return false;
}

/* Harakat (tanwin, short vowels, shadda, sukun and their relatives) and the superscript alef. */
static bool
is_haraka(uint32_t cp)
{
    return (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670;
}

/* Everything search ignores inside Arabic words: harakat, Quranic marks and tatweel. */
static bool
is_arabic_ignorable(uint32_t cp)
{
    return is_haraka(cp) || (cp >= 0x0610 && cp <= 0x061A) || (cp >= 0x06D6 && cp <= 0x06ED) ||
           cp == 0x0640;
}

static bool
is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019;
}

static bool
is_latin_letter(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= 0x00C0 && cp <= 0x024F && cp != 0x00D7 && cp != 0x00F7);
}

bool
text_is_arabic_name(const char *s, size_t n)
{
    size_t i = 0, len;
    uint32_t cp;
    bool letter = false;

    while (i < n) {
        cp = text_decode(s + i, n - i, &len);
        i += len;
        if (text_is_arabic_letter(cp))
            letter = true;
        else if (!is_haraka(cp) && cp != 0x0640 && cp != ' ' && cp != '-' && !is_apostrophe(cp))
            return false;
    }
    return letter;
}

bool
text_is_latin_name(const char *s, size_t n)
{
    size_t i = 0, len;
    uint32_t cp;
    bool letter = false;

    while (i < n) {
        cp = text_decode(s + i, n - i, &len);
        i += len;
        if (is_latin_letter(cp))
            letter = true;
        else if (!(cp >= 0x0300 && cp <= 0x036F) && cp != ' ' && cp != '-' && cp != '.' &&
                 !is_apostrophe(cp))
            return false;
    }
    return letter;
}

/* Folding of U+00C0..U+024F, indexed by cp - 0xC0: the lower-case base letters; "" keeps a
 * letter that has no Latin base as it is; NULL marks the two symbols (U+00D7, U+00F7). */
static const char *const latin_fold[0x250 - 0xC0] = {
    /* U+00C0 */ "a",      "a",      "a",  "a",  "a",      "a",  "ae",     "c",
    /* U+00C8 */ "e",      "e",      "e",  "e",  "i",      "i",  "i",      "i",
    /* U+00D0 */ "d",      "n",      "o",  "o",  "o",      "o",  "o",      NULL,
    /* U+00D8 */ "o",      "u",      "u",  "u",  "u",      "y",  "th",     "ss",
    /* U+00E0 */ "a",      "a",      "a",  "a",  "a",      "a",  "ae",     "c",
    /* U+00E8 */ "e",      "e",      "e",  "e",  "i",      "i",  "i",      "i",
    /* U+00F0 */ "d",      "n",      "o",  "o",  "o",      "o",  "o",      NULL,
    /* U+00F8 */ "o",      "u",      "u",  "u",  "u",      "y",  "th",     "y",
    /* U+0100 */ "a",      "a",      "a",  "a",  "a",      "a",  "c",      "c",
    /* U+0108 */ "c",      "c",      "c",  "c",  "c",      "c",  "d",      "d",
    /* U+0110 */ "d",      "d",      "e",  "e",  "e",      "e",  "e",      "e",
    /* U+0118 */ "e",      "e",      "e",  "e",  "g",      "g",  "g",      "g",
    /* U+0120 */ "g",      "g",      "g",  "g",  "h",      "h",  "h",      "h",
    /* U+0128 */ "i",      "i",      "i",  "i",  "i",      "i",  "i",      "i",
    /* U+0130 */ "i",      "i",      "ij", "ij", "j",      "j",  "k",      "k",
    /* U+0138 */ "k",      "l",      "l",  "l",  "l",      "l",  "l",      "l",
    /* U+0140 */ "l",      "l",      "l",  "n",  "n",      "n",  "n",      "n",
    /* U+0148 */ "n",      "n",      "n",  "n",  "o",      "o",  "o",      "o",
    /* U+0150 */ "o",      "o",      "oe", "oe", "r",      "r",  "r",      "r",
    /* U+0158 */ "r",      "r",      "s",  "s",  "s",      "s",  "s",      "s",
    /* U+0160 */ "s",      "s",      "t",  "t",  "t",      "t",  "t",      "t",
    /* U+0168 */ "u",      "u",      "u",  "u",  "u",      "u",  "u",      "u",
    /* U+0170 */ "u",      "u",      "u",  "u",  "w",      "w",  "y",      "y",
    /* U+0178 */ "y",      "z",      "z",  "z",  "z",      "z",  "z",      "s",
    /* U+0180 */ "b",      "b",      "b",  "b",  "\u0185", "",   "o",      "c",
    /* U+0188 */ "c",      "d",      "d",  "d",  "d",      "",   "e",      "a",
    /* U+0190 */ "e",      "f",      "f",  "g",  "\u0263", "hv", "i",      "i",
    /* U+0198 */ "k",      "k",      "l",  "",   "m",      "n",  "n",      "o",
    /* U+01A0 */ "o",      "o",      "oi", "oi", "p",      "p",  "yr",     "\u01a8",
    /* U+01A8 */ "",       "\u0283", "",   "t",  "t",      "t",  "t",      "u",
    /* U+01B0 */ "u",      "u",      "v",  "y",  "y",      "z",  "z",      "\u0292",
    /* U+01B8 */ "\u01b9", "",       "",   "",   "\u01bd", "",   "",       "w",
    /* U+01C0 */ "",       "",       "",   "",   "dz",     "dz", "dz",     "lj",
    /* U+01C8 */ "lj",     "lj",     "nj", "nj", "nj",     "a",  "a",      "i",
    /* U+01D0 */ "i",      "o",      "o",  "u",  "u",      "u",  "u",      "u",
    /* U+01D8 */ "u",      "u",      "u",  "u",  "u",      "e",  "a",      "a",
    /* U+01E0 */ "a",      "a",      "ae", "ae", "g",      "g",  "g",      "g",
    /* U+01E8 */ "k",      "k",      "o",  "o",  "o",      "o",  "\u0292", "\u0292",
    /* U+01F0 */ "j",      "dz",     "dz", "dz", "g",      "g",  "hv",     "w",
    /* U+01F8 */ "n",      "n",      "a",  "a",  "ae",     "ae", "o",      "o",
    /* U+0200 */ "a",      "a",      "a",  "a",  "e",      "e",  "e",      "e",
    /* U+0208 */ "i",      "i",      "i",  "i",  "o",      "o",  "o",      "o",
    /* U+0210 */ "r",      "r",      "r",  "r",  "u",      "u",  "u",      "u",
    /* U+0218 */ "s",      "s",      "t",  "t",  "\u021d", "",   "h",      "h",
    /* U+0220 */ "n",      "d",      "ou", "ou", "z",      "z",  "a",      "a",
    /* U+0228 */ "e",      "e",      "o",  "o",  "o",      "o",  "o",      "o",
    /* U+0230 */ "o",      "o",      "y",  "y",  "l",      "n",  "t",      "j",
    /* U+0238 */ "db",     "qp",     "a",  "c",  "c",      "l",  "t",      "s",
    /* U+0240 */ "z",      "\u0242", "",   "b",  "u",      "v",  "e",      "e",
    /* U+0248 */ "j",      "j",      "q",  "q",  "r",      "r",  "y",      "y",
};

/* Lower-case partners (IPA block) of capitals that latin_fold maps to a base letter, so both
 * cases fold alike: e.g. Hausa ɓ ɗ, Ewe ɛ ɔ, Azerbaijani ə. */
static const struct {
    uint32_t cp;
    char ascii;
} ipa_fold[] = {
    {0x0253, 'b'}, {0x0254, 'o'}, {0x0256, 'd'}, {0x0257, 'd'}, {0x0259, 'a'}, {0x025B, 'e'},
    {0x0260, 'g'}, {0x0268, 'i'}, {0x0269, 'i'}, {0x026F, 'm'}, {0x0272, 'n'}, {0x0275, 'o'},
    {0x0289, 'u'}, {0x028A, 'u'}, {0x028B, 'v'}, {0x028C, 'v'},
};

/* Characters without width that may sit inside a word (soft hyphen, joiners, direction marks
 * and isolates, byte order mark): dropped so that they never split or change a word. */
static bool
is_invisible(uint32_t cp)
{
    return cp == 0x00AD || cp == 0x061C || (cp >= 0x200C && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

static bool
is_separator(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
    return cp <= 0xBF || cp == 0x00D7 || cp == 0x00F7 || (cp >= 0x2000 && cp <= 0x206F) ||
           cp == 0x060C || cp == 0x061B || cp == 0x061F || (cp >= 0x066A && cp <= 0x066D) ||
           cp == 0x06D4;
}

/* The replacement text for one letter or digit: ASCII or UTF-8, NUL-terminated in out[8].
 * Returns false when cp is to be copied as it is. */
static bool
fold_one(uint32_t cp, char out[8])
{
    const char *r;
    size_t i;

    out[1] = '\0';
    if (cp < 0x80) {
        out[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
        return true;
    }
    if (cp >= 0xC0 && cp <= 0x24F) {
        r = latin_fold[cp - 0xC0];
        if (!r || !r[0])
            return false;
        memcpy(out, r, strlen(r) + 1);
        return true;
    }
    for (i = 0; i < sizeof(ipa_fold) / sizeof(ipa_fold[0]); i++) {
        if (ipa_fold[i].cp == cp) {
            out[0] = ipa_fold[i].ascii;
            return true;
        }
    }
    if (cp >= 0x0660 && cp <= 0x0669) {
        out[0] = (char)('0' + (cp - 0x0660));
        return true;
    }
    if (cp >= 0x06F0 && cp <= 0x06F9) {
        out[0] = (char)('0' + (cp - 0x06F0));
        return true;
    }
    switch (cp) {
    case 0x0622:      /* آ */
    case 0x0623:      /* أ */
    case 0x0625:      /* إ */
    case 0x0671:      /* ٱ */
        r = "\u0627"; /* ا */
        break;
    case 0x0629:      /* ة */
        r = "\u0647"; /* ه */
        break;
    case 0x0649:      /* ى */
    case 0x0626:      /* ئ */
        r = "\u064A"; /* ي */
        break;
    case 0x0624:      /* ؤ */
        r = "\u0648"; /* و */
        break;
    default:
        return false;
    }
    memcpy(out, r, strlen(r) + 1);
    return true;
}

int
text_fold(const char *s, size_t n, struct buf *out)
{
    size_t i = 0, len;
    uint32_t cp;
    bool emitted = false, gap = false;
    char rep[8];
    int rc;

    while (i < n) {
        cp = text_decode(s + i, n - i, &len);
        if ((cp >= 0x0300 && cp <= 0x036F) || is_arabic_ignorable(cp) || is_invisible(cp)) {
            i += len;
            continue;
        }
        if (is_separator(cp) || cp == 0xFFFD) {
            gap = true;
            i += len;
            continue;
        }
        if (gap && emitted) {
            rc = buf_append_char(out, ' ');
            if (rc != ST_OK)
                return rc;
        }
        gap = false;
        if (fold_one(cp, rep))
            rc = buf_append_str(out, rep);
        else
            rc = buf_append(out, s + i, len);
        if (rc != ST_OK)
            return rc;
        emitted = true;
        i += len;
    }
    return ST_OK;
}

const char *
text_trim(const char *s, size_t *n)
{
    size_t start = 0, end = *n;

    while (start < end && strchr(" \t\n\r\v\f", s[start]) && s[start] != '\0')
        start++;
    while (end > start && strchr(" \t\n\r\v\f", s[end - 1]) && s[end - 1] != '\0')
        end--;
    *n = end - start;
    return s + start;
}
