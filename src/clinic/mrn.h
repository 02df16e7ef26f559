/* Medical record numbers: a sequence number followed by a Damm check digit, which catches every
 * single-digit error and every swap of two adjacent digits when a number is typed or read. */
#ifndef AUTOLOGA_CLINIC_MRN_H
#define AUTOLOGA_CLINIC_MRN_H

#include <stdbool.h>
#include <stdint.h>

#define MRN_MAX 24 /* a buffer for any MRN: up to 19 digits of int64 and the check digit */

/* The Damm check digit (0-9) of a string of decimal digits; -1 if it holds anything else. */
int mrn_check_digit(const char *digits);
/* Writes the MRN of sequence number `seq` (> 0): its digits and the check digit. */
void mrn_format(int64_t seq, char out[MRN_MAX]);
/* True for a string of 2..20 digits whose last digit checks the others. */
bool mrn_valid(const char *mrn);

#endif
