/* Unit tests of src/clinic/mrn.c: Damm check digits, and proof on a sample of MRNs that every
 * single-digit error and every swap of adjacent digits is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/mrn.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_check_digit(void **state)
{
    /* Values worked out by hand from the published Damm table ("572" → 4 is its textbook
     * example). */
    static const struct {
        const char *digits;
        int check;
    } cases[] = {
        {"572", 4},
        {"5724", 0},
        {"0", 0},
        {"1", 3},
        {"1000001", 2},
        {"1000012", 7},
        {"9999999", 2},
        {"123456789", 4},
        {"9223372036854775807", 7},
        {"", -1},
        {"12a", -1},
        {"-1", -1},
        {" 12", -1},
        {"1 2", -1},
        {"١٢", -1}, /* Arabic-Indic digits are not accepted here */
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        if (mrn_check_digit(cases[i].digits) != cases[i].check)
            fail_msg("\"%s\": got %d, expected %d", cases[i].digits,
                     mrn_check_digit(cases[i].digits), cases[i].check);
}

static void
test_format(void **state)
{
    static const struct {
        int64_t seq;
        const char *mrn;
    } cases[] = {
        {1, "13"},
        {572, "5724"},
        {1000001, "10000012"}, /* the first MRN of a fresh database */
        {1000012, "10000127"},
        {9999999, "99999992"},
        {INT64_MAX, "92233720368547758077"},
    };
    char out[MRN_MAX];

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        memset(out, 'x', sizeof(out));
        mrn_format(cases[i].seq, out);
        assert_string_equal(out, cases[i].mrn);
        assert_true(mrn_valid(out));
    }
}

static void
test_valid(void **state)
{
    static const struct {
        const char *mrn;
        bool valid;
    } cases[] = {
        {"5724", true},
        {"10000012", true},
        {"00", true},
        {"92233720368547758077", true},   /* 20 digits, the longest */
        {"922337203685477580770", false}, /* 21 */
        {"5720", false},
        {"5742", false},
        {"0", false}, /* too short to carry a check digit */
        {"", false},
        {"5724 ", false},
        {" 5724", false},
        {"57-24", false},
        {"+5724", false},
        {"572a", false},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        if (mrn_valid(cases[i].mrn) != cases[i].valid)
            fail_msg("\"%s\": expected %s", cases[i].mrn, cases[i].valid ? "valid" : "invalid");
}

static void
test_errors_detected(void **state)
{
    /* A sample: the first MRNs a clinic hands out, a spread of later ones, and the largest. */
    char mrn[MRN_MAX], typo[MRN_MAX];
    int64_t seqs[300];
    size_t nseq = 0, checked_single = 0, checked_swap = 0;

    (void)state;
    for (int64_t s = 1000001; s <= 1000200; s++)
        seqs[nseq++] = s;
    /* A linear congruential walk, shifted to numbers of every length from 1 to 19 digits. */
    for (uint64_t u = 1; nseq < N(seqs) - 1;) {
        u = u * 6364136223846793005ULL + 1442695040888963407ULL;
        seqs[nseq] = 1 + (int64_t)((u >> 2) >> (nseq % 61));
        nseq++;
    }
    seqs[nseq++] = INT64_MAX;

    for (size_t k = 0; k < nseq; k++) {
        mrn_format(seqs[k], mrn);
        assert_true(mrn_valid(mrn));
        size_t n = strlen(mrn);
        for (size_t i = 0; i < n; i++) {
            for (char d = '0'; d <= '9'; d++) {
                if (d == mrn[i])
                    continue;
                memcpy(typo, mrn, n + 1);
                typo[i] = d;
                if (mrn_valid(typo))
                    fail_msg("single-digit error %s -> %s not detected", mrn, typo);
                checked_single++;
            }
        }
        for (size_t i = 0; i + 1 < n; i++) {
            if (mrn[i] == mrn[i + 1])
                continue;
            memcpy(typo, mrn, n + 1);
            typo[i] = mrn[i + 1];
            typo[i + 1] = mrn[i];
            if (mrn_valid(typo))
                fail_msg("transposition %s -> %s not detected", mrn, typo);
            checked_swap++;
        }
    }
    /* The loops really ran over the sample. */
    assert_true(checked_single > 20000);
    assert_true(checked_swap > 1000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors_detected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
