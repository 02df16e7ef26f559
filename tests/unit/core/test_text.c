/* Unit tests of src/core/text.c: UTF-8 validation, name script checks and search folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/text.h"

struct utf8_case {
    const char *bytes;
    size_t n;
    bool valid;
};

#define U8(s, v)                                                                                   \
    {                                                                                              \
        s, sizeof(s) - 1, v                                                                        \
    }

static const struct utf8_case utf8_cases[] = {
    U8("", true),
    U8("plain ascii", true),
    U8("tab\there\nline\r\n", true),
    U8("Mohámmad", true),
    U8("أَحْمَد", true),
    U8("\xF0\x9F\x98\x80", true),  /* U+1F600 */
    U8("\xF4\x8F\xBF\xBF", true),  /* U+10FFFF, the last code point */
    U8("\xEF\xBF\xBD", true),      /* U+FFFD */
    U8("\xC2\xA0", true),          /* U+00A0, first after C1 */
    U8("a\0b", false),             /* NUL */
    U8("\x01", false),             /* C0 control */
    U8("\x1B[31m", false),         /* escape */
    U8("\x7F", false),             /* DEL */
    U8("\xC2\x80", false),         /* U+0080, C1 control */
    U8("\xC2\x9F", false),         /* U+009F, C1 control */
    U8("\xC0\xAF", false),         /* overlong '/' */
    U8("\xC1\xBF", false),         /* overlong */
    U8("\xE0\x80\xAF", false),     /* overlong, 3 bytes */
    U8("\xE0\x9F\xBF", false),     /* overlong U+07FF */
    U8("\xF0\x80\x80\xAF", false), /* overlong, 4 bytes */
    U8("\xF0\x8F\xBF\xBF", false), /* overlong U+FFFF */
    U8("\xED\xA0\x80", false),     /* U+D800, surrogate */
    U8("\xED\xBF\xBF", false),     /* U+DFFF, surrogate */
    U8("\xED\x9F\xBF", true),      /* U+D7FF, just below */
    U8("\xF4\x90\x80\x80", false), /* U+110000 */
    U8("\xF5\x80\x80\x80", false), /* lead byte past range */
    U8("\xFF", false),
    U8("\x80", false), /* lone continuation */
    U8("a\xBF", false),
    U8("\xC3", false),         /* truncated, 2 bytes */
    U8("\xE2\x82", false),     /* truncated, 3 bytes */
    U8("\xF0\x9F\x98", false), /* truncated, 4 bytes */
    U8("\xC3(", false),        /* bad continuation */
    U8("\xE2\x28\xA1", false),
    U8("ok\xE2\x82\xACok", true), /* euro sign in the middle */
};

static void
test_valid_utf8(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        if (text_valid_utf8(utf8_cases[i].bytes, utf8_cases[i].n) != utf8_cases[i].valid)
            fail_msg("case %zu: expected %s", i, utf8_cases[i].valid ? "valid" : "invalid");
    }
}

static void
test_codepoints_and_decode(void **state)
{
    size_t len = 0;

    (void)state;
    assert_int_equal(text_codepoints("", 0), 0);
    assert_int_equal(text_codepoints("abc", 3), 3);
    assert_int_equal(text_codepoints("فاطمة", strlen("فاطمة")), 5);
    assert_int_equal(text_codepoints("\xF0\x9F\x98\x80x", 5), 2);
    assert_int_equal(text_decode("\xD8\xA3", 2, &len), 0x0623);
    assert_int_equal(len, 2);
    assert_int_equal(text_decode("\xF0\x9F\x98\x80", 4, &len), 0x1F600);
    assert_int_equal(len, 4);
    assert_int_equal(text_decode("\xE2\x82", 2, &len), 0xFFFD);
    assert_int_equal(len, 1);
    assert_int_equal(text_decode("", 0, &len), 0);
    assert_int_equal(len, 0);
}

static void
test_arabic_letter(void **state)
{
    static const struct {
        uint32_t cp;
        bool letter;
    } cases[] = {
        {0x0627, true},  {0x0621, true},  {0x064A, true},  {0x0671, true},  {0x06CC, true},
        {0x0751, true},  {0xFEFB, true},  {0xFB56, true},  {0x0660, false}, {0x06F5, false},
        {0x060C, false}, {0x061F, false}, {0x064E, false}, {0x0640, false}, {0x066B, false},
        {0x06D4, false}, {'a', false},    {0x00E9, false}, {0xFEFF, false}, {0xFD3E, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (text_is_arabic_letter(cases[i].cp) != cases[i].letter)
            fail_msg("U+%04X: expected %d", (unsigned)cases[i].cp, cases[i].letter);
}

static const struct {
    const char *s;
    bool arabic;
    bool latin;
} name_cases[] = {
    {"أحمد", true, false},
    {"أَحْمَد", true, false},
    {"عبد الله", true, false},
    {"آل-سعود", true, false},
    {"مـحـمد", true, false},
    {"Mohammad", false, true},
    {"Mohámmad", false, true},
    {"José María-López", false, true},
    {"O'Brien", false, true},
    {"O\xE2\x80\x99"
     "Brien",
     false, true},
    {"Jr.", false, true},
    {"Jose\xCC\x81", false, true}, /* combining acute */
    {"Łukasz Żółć", false, true},
    {"", false, false},
    {" - ", false, false},
    {"...", false, false},
    {"\xD9\x8E", false, false}, /* a haraka alone */
    {"Ahmad أحمد", false, false},
    {"R2D2", false, false},
    {"أحمد2", false, false},
    {"Anna!", false, false},
    {"a_b", false, false},
    {"Иван", false, false},
    {"5 × 3", false, false},
};

static void
test_names(void **state)
{
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
        n = strlen(name_cases[i].s);
        if (text_is_arabic_name(name_cases[i].s, n) != name_cases[i].arabic)
            fail_msg("arabic '%s': expected %d", name_cases[i].s, name_cases[i].arabic);
        if (text_is_latin_name(name_cases[i].s, n) != name_cases[i].latin)
            fail_msg("latin '%s': expected %d", name_cases[i].s, name_cases[i].latin);
    }
}

static const struct {
    const char *in;
    const char *out;
} fold_cases[] = {
    {"", ""},
    {"   ", ""},
    {"Mohammad", "mohammad"},
    {"Mohámmad", "mohammad"},
    {"MOHÁMMAD", "mohammad"},
    {"José  María-López", "jose maria lopez"},
    {"  --José--  ", "jose"},
    {"Jose\xCC\x81", "jose"}, /* decomposed accent */
    {"Straße", "strasse"},
    {"Ærøskøbing", "aeroskobing"},
    {"Œuvre", "oeuvre"},
    {"Đorđe Łukasz", "dorde lukasz"},
    {"Ñúñez Çelik Şahin Ğ", "nunez celik sahin g"},
    {"Þór Ðað", "thor dad"},
    {"Ǆ ǅ ǆ", "dz dz dz"},
    {"Ș Ț ș ț", "s t s t"},
    {"Əliyev əliyev", "aliyev aliyev"},
    {"Ɓ ɓ Ɛ ɛ", "b b e e"},
    {"5 × 3 ÷ 2", "5 3 2"},
    {"O'Brien", "o brien"},
    {"O\xE2\x80\x99"
     "Brien",
     "o brien"},
    {"a\xC2\xA0"
     "b",
     "a b"}, /* no-break space */
    {"a\xE2\x80\x8C"
     "b",
     "ab"}, /* zero width non-joiner */
    {"\xE2\x81\xA6"
     "abc\xE2\x81\xA9",
     "abc"}, /* isolates */
    {"a\xC2\xAD"
     "b",
     "ab"}, /* soft hyphen */
    {"+20 100 123", "20 100 123"},
    {"Anna, Bob; (Carl)!", "anna bob carl"},
    {"أَحْمَد", "احمد"},
    {"أحمد", "احمد"},
    {"إبراهيم", "ابراهيم"},
    {"آمنة", "امنه"},
    {"ٱلله", "الله"},
    {"فاطمة", "فاطمه"},
    {"مصطفى", "مصطفي"},
    {"مؤمن", "مومن"},
    {"هانئ", "هاني"},
    {"مـحـمـد", "محمد"},      /* tatweel */
    {"عَبْدُ ٱللّٰه", "عبد الله"}, /* shadda and superscript alef */
    {"٠١٢٣٤٥٦٧٨٩", "0123456789"},
    {"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
    {"رقم ١٢، شارع؛ هل؟", "رقم 12 شارع هل"},
    {"٥٠٪", "50"},
    {"نهاية۔", "نهايه"},
    {"Ahmad أحمد", "ahmad احمد"},
    {"Иван", "Иван"}, /* other scripts copied */
    {"東京", "東京"},
    {"a\tb\nc\r", "a b c"},
};

static void
test_fold(void **state)
{
    struct buf b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(fold_cases) / sizeof(fold_cases[0]); i++) {
        buf_init(&b, 0);
        assert_int_equal(text_fold(fold_cases[i].in, strlen(fold_cases[i].in), &b), ST_OK);
        if (strcmp(buf_str(&b), fold_cases[i].out) != 0)
            fail_msg("fold '%s': got '%s', expected '%s'", fold_cases[i].in, buf_str(&b),
                     fold_cases[i].out);
        buf_release(&b);
    }
}

/* The fold table must be closed: folding twice changes nothing. */
static void
test_fold_idempotent(void **state)
{
    struct buf once, twice;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(fold_cases) / sizeof(fold_cases[0]); i++) {
        buf_init(&once, 0);
        buf_init(&twice, 0);
        assert_int_equal(text_fold(fold_cases[i].in, strlen(fold_cases[i].in), &once), ST_OK);
        assert_int_equal(text_fold(buf_str(&once), once.len, &twice), ST_OK);
        assert_string_equal(buf_str(&once), buf_str(&twice));
        buf_release(&once);
        buf_release(&twice);
    }
}

/* Every code point of U+00C0..U+024F folds to valid UTF-8 with no capital ASCII letter. */
static void
test_fold_latin_block(void **state)
{
    struct buf b;
    char in[2];
    uint32_t cp;
    size_t i;

    (void)state;
    for (cp = 0xC0; cp <= 0x24F; cp++) {
        in[0] = (char)(0xC0 | (cp >> 6));
        in[1] = (char)(0x80 | (cp & 0x3F));
        buf_init(&b, 0);
        assert_int_equal(text_fold(in, 2, &b), ST_OK);
        assert_true(text_valid_utf8(buf_str(&b), b.len));
        for (i = 0; i < b.len; i++)
            if (b.data[i] >= 'A' && b.data[i] <= 'Z')
                fail_msg("U+%04X folds to '%s'", (unsigned)cp, buf_str(&b));
        if ((cp == 0xD7 || cp == 0xF7) != (b.len == 0))
            fail_msg("U+%04X folds to '%s'", (unsigned)cp, buf_str(&b));
        buf_release(&b);
    }
}

static void
test_fold_appends_and_caps(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_append_str(&b, "x|"), ST_OK);
    assert_int_equal(text_fold(" Ab ", 4, &b), ST_OK);
    assert_string_equal(buf_str(&b), "x|ab");
    assert_int_equal(text_fold("cdefgh", 6, &b), ST_TOO_BIG);
    buf_release(&b);
}

static void
test_trim(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},           {"   ", ""},           {"a", "a"},
        {"  a b  ", "a b"}, {"\t\r\n a\v\f", "a"}, {"\xC2\xA0x", "\xC2\xA0x"},
    };
    size_t i, n;
    const char *p;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = strlen(cases[i].in);
        p = text_trim(cases[i].in, &n);
        assert_int_equal(n, strlen(cases[i].out));
        assert_memory_equal(p, cases[i].out, n);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_codepoints_and_decode),
        cmocka_unit_test(test_arabic_letter),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_fold_idempotent),
        cmocka_unit_test(test_fold_latin_block),
        cmocka_unit_test(test_fold_appends_and_caps),
        cmocka_unit_test(test_trim),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
