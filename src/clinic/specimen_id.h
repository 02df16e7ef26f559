/* Specimen ids: "S", the digits of a sequence number and their Damm check digit, printed on
 * every tube and syringe and read back by a barcode scanner at the chair. */
#ifndef AUTOLOGA_CLINIC_SPECIMEN_ID_H
#define AUTOLOGA_CLINIC_SPECIMEN_ID_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* A buffer for any specimen id: "S", up to 19 digits of int64, the check digit and the NUL. */
#define SPECIMEN_ID_MAX 24
/* Fewest and most digits of an id, check digit included: the counter starts at 100000 (six
 * digits), so a shorter scan is a misread, never an id. */
#define SPECIMEN_ID_MIN_DIGITS 7
#define SPECIMEN_ID_MAX_DIGITS 20

/* Writes the id of sequence number `seq` (> 0): "S", its digits and the check digit. */
void specimen_id_format(int64_t seq, char out[SPECIMEN_ID_MAX]);

/* Reads what a scanner typed, scan[0..n): white space (a scanner's tab or Enter) trimmed at both
 * ends, "S" or "s", then SPECIMEN_ID_MIN_DIGITS..SPECIMEN_ID_MAX_DIGITS ASCII digits whose
 * last checks the others. On success writes the id in its canonical form (capital S) to `out`
 * and returns ST_OK; anything else is ST_INVALID and `out` is "". */
int specimen_id_parse(const char *scan, size_t n, char out[SPECIMEN_ID_MAX]) WARN_UNUSED;

#endif
