/* Unit tests of src/core/validate.c: phone, e-mail and username tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/validate.h"

struct vcase {
    const char *s;
    bool ok;
};

static const struct vcase phones[] = {
    {"+201001234567", true},
    {"+1234567", true},         /* 7 digits, the shortest */
    {"+123456789012345", true}, /* 15 digits, the longest */
    {"+971501234567", true},
    {"+123456", false},           /* 6 digits */
    {"+1234567890123456", false}, /* 16 digits */
    {"+0201001234567", false},    /* leading zero */
    {"201001234567", false},      /* no plus */
    {"++201001234567", false},
    {"+20 100 123 4567", false},
    {"+20-100-123-4567", false},
    {"+20100123456a", false},
    {"+201001234567 ", false},
    {" +201001234567", false},
    {"+", false},
    {"", false},
    {"+٢٠١٠٠١٢٣٤٥٦٧", false}, /* Arabic-Indic digits */
};

static const struct vcase emails[] = {
    {"a@example.invalid", true},
    {"first.last+tag@mail.example.invalid", true},
    {"x_y-z@sub-domain.example.invalid", true},
    {"a@b.c", true},
    {"!#$%&'*+/=?^_`{|}~-@example.invalid", true},
    {"", false},
    {"@example.invalid", false},
    {"a@", false},
    {"a@localhost", false},
    {"a@@example.invalid", false},
    {"a@b@example.invalid", false},
    {"a b@example.invalid", false},
    {"a@exa mple.invalid", false},
    {"a@example..invalid", false},
    {"a@.example.invalid", false},
    {"a@example.invalid.", false},
    {"a@-example.invalid", false},
    {"a@example-.invalid", false},
    {"a@exa_mple.invalid", false},
    {"é@example.invalid", false},
    {"a@exämple.invalid", false},
    {"a\t@example.invalid", false},
    {"no-at-sign.example.invalid", false},
};

static const struct vcase usernames[] = {
    {"abc", true},
    {"admin", true},
    {"nurse.one", true},
    {"dr_sample-2", true},
    {"a23456789012345678901234567890ab", true}, /* 32 */
    {"ab", false},
    {"a234567890123456789012345678901bc", false}, /* 33 */
    {"1abc", false},
    {"_abc", false},
    {".abc", false},
    {"Admin", false},
    {"adMin", false},
    {"ad min", false},
    {"ad@min", false},
    {"", false},
    {"émile", false},
};

static void
run(const struct vcase *cases, size_t n, bool (*check)(const char *), const char *what)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (check(cases[i].s) != cases[i].ok)
            fail_msg("%s '%s': expected %s", what, cases[i].s, cases[i].ok ? "valid" : "invalid");
}

static void
test_phone(void **state)
{
    (void)state;
    run(phones, sizeof(phones) / sizeof(phones[0]), valid_phone_e164, "phone");
    assert_false(valid_phone_e164(NULL));
}

static void
test_email(void **state)
{
    char long_mail[300];

    (void)state;
    run(emails, sizeof(emails) / sizeof(emails[0]), valid_email, "email");
    assert_false(valid_email(NULL));
    /* 254 bytes pass, 255 do not. */
    memset(long_mail, 'a', sizeof(long_mail));
    memcpy(long_mail + 254 - strlen("@example.invalid"), "@example.invalid",
           strlen("@example.invalid") + 1);
    assert_int_equal(strlen(long_mail), 254);
    assert_true(valid_email(long_mail));
    memset(long_mail, 'a', sizeof(long_mail));
    memcpy(long_mail + 255 - strlen("@example.invalid"), "@example.invalid",
           strlen("@example.invalid") + 1);
    assert_false(valid_email(long_mail));
}

static void
test_username(void **state)
{
    (void)state;
    run(usernames, sizeof(usernames) / sizeof(usernames[0]), valid_username, "username");
    assert_false(valid_username(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_username),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
