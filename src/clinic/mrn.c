/* Damm check digits for MRNs (H. M. Damm's totally anti-symmetric quasigroup of order 10). */
#include "clinic/mrn.h"

#include <stdio.h>
#include <string.h>

static const unsigned char damm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
    {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
    {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int
mrn_check_digit(const char *digits)
{
    int interim = 0;
    if (!*digits)
        return -1;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        interim = damm[interim][*p - '0'];
    }
    return interim;
}

void
mrn_format(int64_t seq, char out[MRN_MAX])
{
    char digits[MRN_MAX];
    int n = snprintf(digits, MRN_MAX - 1, "%lld", (long long)seq);
    /* The check digit takes the place of the NUL, which moves one further. */
    memcpy(out, digits, (size_t)n);
    out[n] = (char)('0' + mrn_check_digit(digits));
    out[n + 1] = '\0';
}

bool
mrn_valid(const char *mrn)
{
    size_t n = strlen(mrn);
    if (n < 2 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (mrn[i] < '0' || mrn[i] > '9')
            return false;
    /* A valid Damm number checks to 0 as a whole. */
    return mrn_check_digit(mrn) == 0;
}
