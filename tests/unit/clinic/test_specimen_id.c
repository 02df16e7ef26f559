/* Unit tests of src/clinic/specimen_id.c: ids formatted from the counter, scans read back the
 * way a keyboard-wedge scanner types them, and proof on the first ids a clinic hands out (and a
 * sample of later ones) that every single-digit error and every swap of adjacent digits gives a
 * scan that names no specimen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/specimen_id.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
parse(const char *s, char out[SPECIMEN_ID_MAX])
{
    return specimen_id_parse(s, strlen(s), out);
}

static void
test_format(void **state)
{
    /* Check digits worked out by hand from the published Damm table; 100001 is the first
     * specimen of a fresh database. */
    static const struct {
        int64_t seq;
        const char *id;
    } cases[] = {
        {100000, "S1000002"},   {100001, "S1000015"},
        {100002, "S1000028"},   {100007, "S1000077"},
        {123456, "S1234566"},   {999999, "S9999990"},
        {1000000, "S10000004"}, {INT64_MAX, "S92233720368547758077"},
    };
    char out[SPECIMEN_ID_MAX], back[SPECIMEN_ID_MAX];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        memset(out, 'x', sizeof(out));
        specimen_id_format(cases[i].seq, out);
        assert_string_equal(out, cases[i].id);
        assert_int_equal(parse(out, back), ST_OK);
        assert_string_equal(back, cases[i].id);
    }
}

static void
test_parse(void **state)
{
    static const struct {
        const char *scan;
        const char *id; /* NULL: refused */
    } cases[] = {
        {"S1000015", "S1000015"},
        {"s1000015", "S1000015"},       /* a scanner with caps lock off */
        {"  S1000015\r\n", "S1000015"}, /* the scanner's Enter, spaces pasted around it */
        {"\tS1000015\t", "S1000015"},   /* a scanner set to end with a tab */
        {"S92233720368547758077", "S92233720368547758077"}, /* 20 digits, the longest */
        {"S922337203685477580770", NULL},                   /* 21 */
        {"S1000012", NULL},                                 /* wrong check digit */
        {"S1000051", NULL},                                 /* two digits swapped */
        {"1000015", NULL}, /* no S: an MRN-shaped scan is not a specimen */
        {"S 1000015", NULL},
        {"S1000 015", NULL},
        {"S-1000015", NULL},
        {"SS1000015", NULL},
        {"T1000015", NULL},
        {"S13", NULL}, /* a valid Damm number, but shorter than any id */
        {"S", NULL},
        {"", NULL},
        {"   ", NULL},
        {"S١٠٠٠٠١٥", NULL}, /* Arabic-Indic digits are not what a label prints */
        {"S1000015x", NULL},
    };
    char out[SPECIMEN_ID_MAX];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        memset(out, 'x', sizeof(out));
        int st = parse(cases[i].scan, out);
        if (cases[i].id) {
            if (st != ST_OK)
                fail_msg("\"%s\": refused, expected %s", cases[i].scan, cases[i].id);
            assert_string_equal(out, cases[i].id);
        } else {
            if (st != ST_INVALID)
                fail_msg("\"%s\": accepted as %s", cases[i].scan, out);
            assert_string_equal(out, "");
        }
    }
}

static void
test_parse_bounds(void **state)
{
    /* Only the n bytes given are read: a NUL inside them, or a valid id after them, is no id. */
    char out[SPECIMEN_ID_MAX];
    static const char with_nul[] = "S1000015\0abc";

    (void)state;
    assert_int_equal(specimen_id_parse(with_nul, sizeof(with_nul) - 1, out), ST_INVALID);
    assert_int_equal(specimen_id_parse("S1000015", 7, out), ST_INVALID);
    assert_int_equal(specimen_id_parse("S1000015", 8, out), ST_OK);
    assert_int_equal(specimen_id_parse(NULL, 0, out), ST_INVALID);
}

static void
test_errors_detected(void **state)
{
    char id[SPECIMEN_ID_MAX], typo[SPECIMEN_ID_MAX], out[SPECIMEN_ID_MAX];
    int64_t seqs[2100];
    size_t nseq = 0, checked_single = 0, checked_swap = 0;

    (void)state;
    /* Every id of the first two thousand specimens, then later ones of every length. */
    for (int64_t s = 100001; s <= 102000; s++)
        seqs[nseq++] = s;
    for (uint64_t u = 7; nseq < N(seqs) - 1;) {
        u = u * 6364136223846793005ULL + 1442695040888963407ULL;
        seqs[nseq] = 100000 + (int64_t)((u >> 2) >> (nseq % 44));
        nseq++;
    }
    seqs[nseq++] = INT64_MAX;

    for (size_t k = 0; k < nseq; k++) {
        specimen_id_format(seqs[k], id);
        assert_int_equal(parse(id, out), ST_OK);
        size_t n = strlen(id);
        for (size_t i = 1; i < n; i++) {
            for (char d = '0'; d <= '9'; d++) {
                if (d == id[i])
                    continue;
                memcpy(typo, id, n + 1);
                typo[i] = d;
                if (parse(typo, out) == ST_OK)
                    fail_msg("single-digit error %s -> %s not detected", id, typo);
                checked_single++;
            }
        }
        for (size_t i = 1; i + 1 < n; i++) {
            if (id[i] == id[i + 1])
                continue;
            memcpy(typo, id, n + 1);
            typo[i] = id[i + 1];
            typo[i + 1] = id[i];
            if (parse(typo, out) == ST_OK)
                fail_msg("adjacent swap %s -> %s not detected", id, typo);
            checked_swap++;
        }
    }
    /* The loops ran over what they claim: 2000 ids of 7 digits alone give 126000 typos. */
    assert_true(checked_single > 126000);
    assert_true(checked_swap > 8000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_errors_detected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
