/* Text handling for untrusted input and for search: UTF-8 validation, script checks and the
 * folding that makes "Mohammad" find "Mohámmad" and "احمد" find "أَحْمَد". */
#ifndef AUTOLOGA_CORE_TEXT_H
#define AUTOLOGA_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and
 * holds no NUL and no C0/C1 control characters (nor DEL) other than tab, LF and CR. */
bool text_valid_utf8(const char *s, size_t n);

/* Number of code points in valid UTF-8 s[0..n). */
size_t text_codepoints(const char *s, size_t n);

/* Decodes one code point from valid UTF-8 at s (n bytes left); stores its length in *len.
 * Bytes that are not valid after all give U+FFFD with *len 1, so loops always advance. */
uint32_t text_decode(const char *s, size_t n, size_t *len);

/* True when the code point is an Arabic-script letter (U+0600–U+06FF, U+0750–U+077F,
 * U+08A0–U+08FF, U+FB50–U+FDFF, U+FE70–U+FEFF), excluding digits and punctuation. */
bool text_is_arabic_letter(uint32_t cp);

/* Script checks for personal names (valid UTF-8 input):
 * - text_is_arabic_name: only Arabic letters, Arabic diacritics (harakat), tatweel, spaces,
 *   hyphens and apostrophes (' or U+2019); at least one Arabic letter.
 * - text_is_latin_name: no Arabic letters; at least one letter (a-z, A-Z or U+00C0..U+024F);
 *   letters, combining marks, spaces, hyphens, apostrophes and periods only. */
bool text_is_arabic_name(const char *s, size_t n);
bool text_is_latin_name(const char *s, size_t n);

/* Folds valid UTF-8 for search, appending to `out`:
 * - Latin: lower case; accents removed (U+00C0..U+024F mapped to their base letter, ß→ss,
 *   æ→ae, œ→oe, ø→o, đ→d, ł→l; combining marks U+0300..U+036F dropped);
 * - Arabic: harakat and Quranic marks (U+0610..U+061A, U+064B..U+065F, U+0670, U+06D6..U+06ED)
 *   and tatweel (U+0640) dropped; أ إ آ ٱ → ا; ة → ه; ى → ي; ؤ → و; ئ → ي;
 * - Arabic-Indic and Eastern Arabic-Indic digits → ASCII digits;
 * - every run of characters that are not letters or digits becomes one ASCII space; no
 *   leading or trailing space. Separators are ASCII other than letters and digits,
 *   U+0080..U+00BF, U+00D7, U+00F7, U+2000..U+206F and Arabic punctuation (U+060C, U+061B,
 *   U+061F, U+066A..U+066D, U+06D4);
 * - invisible format characters (soft hyphen, ZWNJ/ZWJ, direction marks and isolates,
 *   U+061C, BOM) are dropped without splitting the word.
 * Other code points are copied unchanged (so both sides of a search must be folded alike). Returns
 * ST_TOO_BIG past the buffer's cap. */
int text_fold(const char *s, size_t n, struct buf *out) WARN_UNUSED;

/* Trims ASCII white space at both ends: returns the start, stores the new length in *n. */
const char *text_trim(const char *s, size_t *n);

#endif
