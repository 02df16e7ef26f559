/* Specimen ids: formatting from the specimen counter and reading scans, with the MRNs' Damm
 * check digit so that a mistyped or misread id names no specimen at all. */
#include "clinic/specimen_id.h"

#include <stdbool.h>
#include <string.h>

#include "clinic/mrn.h"

void
specimen_id_format(int64_t seq, char out[SPECIMEN_ID_MAX])
{
    char digits[MRN_MAX];
    mrn_format(seq, digits);
    out[0] = 'S';
    /* MRN_MAX and SPECIMEN_ID_MAX differ by the "S": the copy always fits. */
    size_t n = strlen(digits);
    memcpy(out + 1, digits, n + 1);
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int
specimen_id_parse(const char *scan, size_t n, char out[SPECIMEN_ID_MAX])
{
    out[0] = '\0';
    if (!scan)
        return ST_INVALID;
    while (n > 0 && is_space(scan[0])) {
        scan++;
        n--;
    }
    while (n > 0 && is_space(scan[n - 1]))
        n--;
    if (n < 1 + SPECIMEN_ID_MIN_DIGITS || n > 1 + SPECIMEN_ID_MAX_DIGITS)
        return ST_INVALID;
    if (scan[0] != 'S' && scan[0] != 's')
        return ST_INVALID;
    char digits[SPECIMEN_ID_MAX];
    for (size_t i = 1; i < n; i++)
        if (scan[i] < '0' || scan[i] > '9')
            return ST_INVALID; /* a NUL inside the scan included */
    memcpy(digits, scan + 1, n - 1);
    digits[n - 1] = '\0';
    if (!mrn_valid(digits))
        return ST_INVALID;
    out[0] = 'S';
    memcpy(out + 1, digits, n);
    return ST_OK;
}
