/* Unit tests of src/core/crypto.c: digests, tokens, password hashes and comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/crypto.h"

static int
setup(void **state)
{
    (void)state;
    return crypto_setup() == ST_OK ? 0 : -1;
}

static void
test_sha256(void **state)
{
    static const struct {
        const char *in;
        const char *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    };
    char out[CRYPTO_HEX_SHA256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        crypto_sha256_hex(cases[i].in, strlen(cases[i].in), out);
        assert_string_equal(out, cases[i].hex);
    }
}

static void
test_tokens(void **state)
{
    char tokens[64][CRYPTO_TOKEN_HEX];
    size_t i, j;

    (void)state;
    for (i = 0; i < 64; i++) {
        crypto_random_token(tokens[i]);
        assert_int_equal(strlen(tokens[i]), 64);
        for (j = 0; j < 64; j++)
            assert_non_null(strchr("0123456789abcdef", tokens[i][j]));
        for (j = 0; j < i; j++)
            assert_string_not_equal(tokens[i], tokens[j]);
    }
}

static void
test_password(void **state)
{
    char h1[CRYPTO_PWHASH_MAX], h2[CRYPTO_PWHASH_MAX];

    (void)state;
    assert_int_equal(crypto_password_hash("correct horse", 1, h1), ST_OK);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_int_equal(crypto_password_verify(h1, "correct horse"), ST_OK);
    assert_int_equal(crypto_password_verify(h1, "correct horse "), ST_UNAUTHORIZED);
    assert_int_equal(crypto_password_verify(h1, ""), ST_UNAUTHORIZED);
    /* Salted: the same password never gives the same string. */
    assert_int_equal(crypto_password_hash("correct horse", 1, h2), ST_OK);
    assert_string_not_equal(h1, h2);
    assert_int_equal(crypto_password_verify(h2, "correct horse"), ST_OK);
    assert_int_equal(crypto_password_hash("كلمة سر", 1, h2), ST_OK);
    assert_int_equal(crypto_password_verify(h2, "كلمة سر"), ST_OK);
    assert_int_equal(crypto_password_verify("not a hash", "x"), ST_UNAUTHORIZED);
    assert_int_equal(crypto_password_verify("", ""), ST_UNAUTHORIZED);
    assert_int_equal(crypto_password_verify(NULL, "x"), ST_UNAUTHORIZED);
    assert_int_equal(crypto_password_verify(h1, NULL), ST_UNAUTHORIZED);
    assert_int_equal(crypto_password_hash(NULL, 1, h1), ST_INVALID);
}

static void
test_equal(void **state)
{
    (void)state;
    assert_int_equal(crypto_equal("abcdef", "abcdef"), 1);
    assert_int_equal(crypto_equal("abcdef", "abcdeg"), 0);
    assert_int_equal(crypto_equal("abcdef", "abcde"), 0);
    assert_int_equal(crypto_equal("", ""), 1);
    assert_int_equal(crypto_equal(NULL, "a"), 0);
    assert_int_equal(crypto_equal("a", NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_equal),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
