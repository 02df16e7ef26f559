/* Hashing, random tokens and password hashes, all from libsodium, behind names that say what
 * each is for. */
#include "crypto.h"

#include <sodium.h>
#include <string.h>

_Static_assert(CRYPTO_PWHASH_MAX >= crypto_pwhash_STRBYTES, "password hash buffer too small");

int
crypto_setup(void)
{
    /* 1 means another caller already initialised the library: still fine. */
    return sodium_init() < 0 ? ST_IO : ST_OK;
}

void
crypto_sha256_hex(const void *p, size_t n, char out[CRYPTO_HEX_SHA256])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, p, (unsigned long long)n);
    sodium_bin2hex(out, CRYPTO_HEX_SHA256, h, sizeof(h));
}

void
crypto_random_token(char out[CRYPTO_TOKEN_HEX])
{
    unsigned char r[32];

    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(out, CRYPTO_TOKEN_HEX, r, sizeof(r));
    sodium_memzero(r, sizeof(r));
}

int
crypto_password_hash(const char *password, int fast, char out[CRYPTO_PWHASH_MAX])
{
    unsigned long long ops =
        fast ? crypto_pwhash_argon2id_OPSLIMIT_MIN : crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
    size_t mem =
        fast ? crypto_pwhash_argon2id_MEMLIMIT_MIN : crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;

    memset(out, 0, CRYPTO_PWHASH_MAX);
    if (!password)
        return ST_INVALID;
    /* Fails only when the memory for the hash cannot be had. */
    if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return ST_NOMEM;
    return ST_OK;
}

int
crypto_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || strnlen(hash, CRYPTO_PWHASH_MAX) >= CRYPTO_PWHASH_MAX)
        return ST_UNAUTHORIZED;
    if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        return ST_UNAUTHORIZED;
    return ST_OK;
}

int
crypto_equal(const char *a, const char *b)
{
    size_t n;

    if (!a || !b)
        return 0;
    /* The length is not secret (tokens have a fixed one); only the contents are. */
    n = strlen(a);
    if (strlen(b) != n)
        return 0;
    return sodium_memcmp(a, b, n) == 0;
}
