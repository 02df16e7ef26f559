/* Hashing, random tokens and password hashes (libsodium), behind names that say what for. */
#ifndef AUTOLOGA_CORE_CRYPTO_H
#define AUTOLOGA_CORE_CRYPTO_H

#include <stddef.h>
#include "status.h"

#define CRYPTO_HEX_SHA256 65 /* 64 hex digits + NUL */
#define CRYPTO_TOKEN_HEX 65  /* a 256-bit token as hex + NUL */
#define CRYPTO_PWHASH_MAX 128

/* Must run once before any other function here (calls sodium_init). */
int crypto_setup(void) WARN_UNUSED;

/* SHA-256 of p[0..n) as lower-case hex. */
void crypto_sha256_hex(const void *p, size_t n, char out[CRYPTO_HEX_SHA256]);

/* 256 random bits as lower-case hex (randombytes_buf). */
void crypto_random_token(char out[CRYPTO_TOKEN_HEX]);

/* Argon2id hash string of a password (libsodium's interactive limits unless `fast`, which the
 * demo and the tests use to keep start-up quick: crypto_pwhash_OPSLIMIT_MIN/MEMLIMIT_MIN). */
int crypto_password_hash(const char *password, int fast, char out[CRYPTO_PWHASH_MAX]) WARN_UNUSED;

/* ST_OK when `password` matches `hash`, ST_UNAUTHORIZED when not. */
int crypto_password_verify(const char *hash, const char *password) WARN_UNUSED;

/* Constant-time comparison of two NUL-terminated strings of the same length: 1 when equal,
 * 0 when not (also for different lengths or NULL). */
int crypto_equal(const char *a, const char *b);

#endif
