/* Login sessions: a random 256-bit token in the browser's cookie (only its SHA-256 is stored),
 * a CSRF token for state-changing requests, idle and absolute expiry, and throttling of
 * repeated failed logins per username and per address. */
#ifndef AUTOLOGA_CLINIC_SESSION_H
#define AUTOLOGA_CLINIC_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "clinic/audit.h"
#include "core/crypto.h"
#include "store/db.h"

struct session_policy {
    int64_t idle_ms;         /* default 30 minutes */
    int64_t absolute_ms;     /* default 12 hours */
    int max_user_failures;   /* default 5 per window */
    int max_remote_failures; /* default 20 per window */
    int64_t window_ms;       /* default 15 minutes */
};
/* Fills the defaults above. */
void session_policy_default(struct session_policy *p);
/* Sets the policy used by the functions below (once, at start-up). */
void session_configure(const struct session_policy *p);

/* Who a session belongs to. */
struct session_user {
    int64_t user_id;
    char username[40];
    char display_name[104];
    unsigned roles;
    char csrf_token[CRYPTO_TOKEN_HEX];
    char token_hash[CRYPTO_HEX_SHA256];
};

/* Logs in: on success fills *out and the cookie token (only returned here). Failures:
 * ST_UNAUTHORIZED (code bad_credentials), ST_THROTTLED (*retry_after_s set). Audited as
 * session.login or session.login_failed with `a`'s remote address and request id. */
int session_login(struct db *db, struct actor *a, const char *username, const char *password,
                  struct session_user *out, char token[CRYPTO_TOKEN_HEX], int *retry_after_s,
                  struct fail *f) WARN_UNUSED;

/* Resolves a cookie token: ST_OK with *out, or ST_UNAUTHORIZED (unknown, expired, disabled). */
int session_lookup(struct db *db, const char *token, struct session_user *out) WARN_UNUSED;

/* A gateway of the outbox, resolved from the bearer token of a request (clinic/gateway.h). */
struct session_gateway {
    int64_t id;
    char name[32];
};

/* Resolves a gateway's bearer token: ST_OK with *out, or ST_UNAUTHORIZED (unknown, revoked,
 * malformed). Notes when the token was last used, at most once a minute. */
int session_gateway_lookup(struct db *db, const char *token,
                           struct session_gateway *out) WARN_UNUSED;

/* Ends the session of `s`, audited. */
int session_logout(struct db *db, const struct actor *a, const struct session_user *s) WARN_UNUSED;

/* Changes the password of the session's own user after checking the current one. */
int session_change_password(struct db *db, const struct actor *a, const struct session_user *s,
                            const char *current, const char *next, struct fail *f) WARN_UNUSED;

/* Forgets all throttling state (tests). */
void session_throttle_reset(void);

#endif
