/* Unit tests of src/clinic/ics.c: TEXT escaping as a table, folding at 75 octets that never
 * splits a UTF-8 sequence (long Arabic lines), and the whole VCALENDAR of one appointment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/ics.h"
#include "core/text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_escape_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a,b", "a\\,b"},
        {"a;b", "a\\;b"},
        {"back\\slash", "back\\\\slash"},
        {"line\nbreak", "line\\nbreak"},
        {"crlf\r\nonce", "crlf\\nonce"},
        {"lone\rcr", "lone\\ncr"},
        {"two\n\nbreaks", "two\\n\\nbreaks"},
        {"tab\there", "tab here"},
        {"bell\aand\x7f", "belland"},
        {"colon: stays", "colon: stays"},
        {"\"quotes\" stay", "\"quotes\" stay"},
        {"جلسة، علاج؛ هنا", "جلسة، علاج؛ هنا"}, /* Arabic comma and semicolon are not TEXT's */
        {"ليلى, حداد; 1\\2", "ليلى\\, حداد\\; 1\\\\2"},
        {"", ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(ics_escape_text(cases[i].in, &b), ST_OK);
        assert_string_equal(buf_str(&b), cases[i].out);
        buf_release(&b);
    }
}

/* Checks every physical line of folded text: CRLF-terminated, at most 75 octets, and whole
 * UTF-8 on its own (no sequence cut at either end); *nlines counts them. */
static void
check_lines(const char *folded, size_t *nlines)
{
    size_t n = strlen(folded);
    *nlines = 0;
    assert_true(n >= 2 && memcmp(folded + n - 2, "\r\n", 2) == 0);
    for (const char *p = folded; *p;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        size_t len = (size_t)(eol - p);
        assert_true(len <= ICS_LINE_OCTETS);
        assert_true(text_valid_utf8(p, len));
        (*nlines)++;
        p = eol + 2;
    }
}

/* Undoes folding (every CRLF followed by a space goes), keeping the other line ends. */
static char *
unfold(const char *folded)
{
    size_t n = strlen(folded), o = 0;
    char *out = calloc(n + 1, 1);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        if (folded[i] == '\r' && folded[i + 1] == '\n' && folded[i + 2] == ' ') {
            i += 2;
            continue;
        }
        out[o++] = folded[i];
    }
    return out;
}

static void
check_fold(const char *line, size_t min_lines)
{
    struct buf b;
    size_t nlines;
    buf_init(&b, 0);
    assert_int_equal(ics_fold(line, strlen(line), &b), ST_OK);
    check_lines(buf_str(&b), &nlines);
    assert_true(nlines >= min_lines);
    char *back = unfold(buf_str(&b));
    size_t n = strlen(back);
    assert_true(n >= 2);
    back[n - 2] = '\0'; /* the line's own end */
    assert_string_equal(back, line);
    free(back);
    buf_release(&b);
}

static void
test_fold_short_and_exact(void **state)
{
    (void)state;
    char line[200];
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(ics_fold("SUMMARY:short", 13, &b), ST_OK);
    assert_string_equal(buf_str(&b), "SUMMARY:short\r\n");
    buf_reset(&b);
    /* Exactly 75 octets: one line. 76: the 76th moves to a continuation line. */
    memset(line, 'a', 75);
    line[75] = '\0';
    assert_int_equal(ics_fold(line, 75, &b), ST_OK);
    assert_int_equal(b.len, 77);
    buf_reset(&b);
    line[75] = 'b';
    line[76] = '\0';
    assert_int_equal(ics_fold(line, 76, &b), ST_OK);
    assert_int_equal(b.len, 75 + 3 + 1 + 2);
    assert_memory_equal(buf_str(&b) + 75, "\r\n b\r\n", 6);
    buf_release(&b);
    /* Continuation lines carry 74 octets after their space. */
    memset(line, 'x', 75 + 74 + 10);
    line[75 + 74 + 10] = '\0';
    check_fold(line, 3);
}

static void
test_fold_long_arabic(void **state)
{
    (void)state;
    /* Two-byte letters after an odd-length ASCII prefix, so that a cut at a fixed octet count
     * would fall inside a letter on every line. */
    static const char arabic[] =
        "DESCRIPTION;LANGUAGE=ar:يُرجى عدم تناول أي مضاد التهاب غير ستيرويدي غير انتقائي (مثل "
        "إيبوبروفين أو نابروكسين أو ديكلوفيناك) خلال 48 ساعة قبل الجلسة. يُرجى عدم إيقاف أي دواء "
        "وصفه لك طبيب دون استشارته، وإبلاغ فريقنا بجميع أدويتك الحالية.";
    check_fold(arabic, 5);
    /* Three- and four-byte sequences too: isolates around a name, and an emoji. */
    char mixed[600];
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        memcpy(mixed + n,
               "\xe2\x81\xa8"
               "Ab"
               "\xe2\x81\xa9 \xf0\x9f\x98\x80 ",
               14);
        n += 14;
    }
    mixed[n] = '\0';
    check_fold(mixed, 4);
    for (size_t shift = 0; shift < 4; shift++) {
        char s[700];
        memset(s, 'k', shift);
        snprintf(s + shift, sizeof(s) - shift, "%s", arabic);
        check_fold(s, 5);
    }
}

static void
test_write_event(void **state)
{
    (void)state;
    struct ics_event e = {
        .uid = "appointment-501@autologa",
        .dtstamp_ms = INT64_C(1795253400000), /* 2026-11-21T09:30:00Z */
        .start_ms = INT64_C(1796101200000),   /* 2026-12-01T05:00:00Z */
        .end_ms = INT64_C(1796104800000),     /* 2026-12-01T06:00:00Z */
        .sequence = 2,
        .status = "CONFIRMED",
        .language = "ar",
        .summary = "جلسة علاج: البلازما الغنية بالصفائح الدموية لفروة الرأس",
        .location = "Example Clinic, Room 1",
        .description = "Line one;\nline two, with a comma",
    };
    struct buf b;
    size_t nlines;
    buf_init(&b, 0);
    assert_int_equal(ics_write(&e, &b), ST_OK);
    const char *s = buf_str(&b);
    /* Every line ends in CRLF: no bare LF anywhere. */
    for (size_t i = 0; i < b.len; i++)
        if (s[i] == '\n')
            assert_int_equal(s[i - 1], '\r');
    check_lines(s, &nlines);
    static const char *const want[] = {
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:",
        "METHOD:PUBLISH\r\nBEGIN:VEVENT\r\nUID:appointment-501@autologa\r\n",
        "DTSTAMP:20261121T093000Z\r\nDTSTART:20261201T050000Z\r\nDTEND:20261201T060000Z\r\n",
        "SEQUENCE:2\r\nSTATUS:CONFIRMED\r\n",
        "SUMMARY;LANGUAGE=ar:جلسة علاج: البلازما الغنية بالصفائح الدموية لفروة الرأس\r\n",
        "LOCATION;LANGUAGE=ar:Example Clinic\\, Room 1\r\n",
        "DESCRIPTION;LANGUAGE=ar:Line one\\;\\nline two\\, with a comma\r\n",
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    };
    char *plain = unfold(s);
    for (size_t i = 0; i < N(want); i++)
        if (!strstr(plain, want[i]))
            fail_msg("missing %s in\n%s", want[i], plain);
    /* 17 properties, the Arabic summary folded once. */
    assert_int_equal(nlines, 18);
    free(plain);

    /* Optional texts left out; a cancelled appointment says so. */
    buf_reset(&b);
    e.location = NULL;
    e.description = NULL;
    e.language = NULL;
    e.status = "CANCELLED";
    e.summary = "Treatment session";
    assert_int_equal(ics_write(&e, &b), ST_OK);
    assert_null(strstr(buf_str(&b), "LOCATION"));
    assert_null(strstr(buf_str(&b), "DESCRIPTION"));
    assert_non_null(strstr(buf_str(&b), "\r\nSUMMARY:Treatment session\r\n"));
    assert_non_null(strstr(buf_str(&b), "\r\nSTATUS:CANCELLED\r\n"));
    buf_release(&b);
}

static void
test_write_refuses(void **state)
{
    (void)state;
    struct ics_event ok = {
        .uid = "u", .start_ms = 1000, .end_ms = 2000, .status = "CONFIRMED", .summary = "s"};
    struct ics_event bad[4] = {ok, ok, ok, ok};
    bad[0].uid = NULL;
    bad[1].summary = NULL;
    bad[2].end_ms = bad[2].start_ms;
    bad[3].status = NULL;
    for (size_t i = 0; i < N(bad); i++) {
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(ics_write(&bad[i], &b), ST_INVALID);
        buf_release(&b);
    }
    /* A cap too small for the object. */
    struct buf small;
    buf_init(&small, 64);
    assert_int_equal(ics_write(&ok, &small), ST_TOO_BIG);
    buf_release(&small);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),     cmocka_unit_test(test_fold_short_and_exact),
        cmocka_unit_test(test_fold_long_arabic), cmocka_unit_test(test_write_event),
        cmocka_unit_test(test_write_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
