/* Checks of common contact fields, shared by every module that accepts them. */
#ifndef AUTOLOGA_CORE_VALIDATE_H
#define AUTOLOGA_CORE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* E.164: '+', a first digit 1-9, then 6 to 14 more digits (7..15 digits in all), nothing else. */
bool valid_phone_e164(const char *s);

/* A pragmatic e-mail check: one '@', a non-empty local part of printable ASCII without
 * spaces, a domain of dot-separated labels (letters, digits, hyphens; no empty label, no
 * leading/trailing hyphen) with at least one dot; at most 254 bytes in all. */
bool valid_email(const char *s);

/* Username: 3..32 bytes of a-z, 0-9, '.', '_' and '-', starting with a letter. */
bool valid_username(const char *s);

#endif
