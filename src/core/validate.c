/* Checks of contact fields (phone, e-mail, username) shared by every module that accepts them. */
#include "validate.h"

#include <string.h>

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
valid_phone_e164(const char *s)
{
    size_t i;

    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return false;
    for (i = 2; i < 17 && s[i] != '\0'; i++)
        if (!is_digit(s[i]))
            return false;
    /* i - 1 digits were read; at most 15 and nothing after them. */
    return s[i] == '\0' && i - 1 >= 7 && i - 1 <= 15;
}

/* One domain label: letters, digits and inner hyphens. */
static bool
valid_label(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool
valid_email(const char *s)
{
    const char *at, *domain, *dot;
    size_t n, i, dots = 0;

    if (!s)
        return false;
    n = strnlen(s, 255);
    if (n == 0 || n > 254)
        return false;
    at = memchr(s, '@', n);
    if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
        return false;
    for (i = 0; s + i < at; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    domain = at + 1;
    n -= (size_t)(domain - s);
    while (1) {
        dot = memchr(domain, '.', n);
        if (!dot)
            return dots > 0 && valid_label(domain, n);
        if (!valid_label(domain, (size_t)(dot - domain)))
            return false;
        dots++;
        n -= (size_t)(dot + 1 - domain);
        domain = dot + 1;
    }
}

bool
valid_username(const char *s)
{
    size_t i;

    if (!s || s[0] < 'a' || s[0] > 'z')
        return false;
    for (i = 1; i < 33 && s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '.' || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return s[i] == '\0' && i >= 3 && i <= 32;
}
