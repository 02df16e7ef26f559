/* Unit tests of src/clinic/session.c: login, lookup and logout, idle and absolute expiry, and
 * the throttling of failed logins per username and per address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "clinic/role.h"
#include "clinic/session.h"
#include "clinic/user.h"
#include "core/date.h"
#include "testdb.h"

#define PW "correct-horse-7"

struct fixture {
    struct testdb t;
    int64_t doctor, nurse, admin;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct session_policy p;
    struct actor cli;
    struct fail f;

    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    actor_cli(&cli);
    if (user_add(fx->t.db, &cli, "doctor1", "Demo Doctor", PW, ROLE_DOCTOR, true, &fx->doctor,
                 &f) != ST_OK ||
        user_add(fx->t.db, &cli, "nurse1", NULL, PW, ROLE_NURSE, true, &fx->nurse, &f) != ST_OK ||
        user_add(fx->t.db, &cli, "admin1", NULL, PW, ROLE_ADMIN | ROLE_DOCTOR, true, &fx->admin,
                 &f) != ST_OK)
        return -1;
    session_policy_default(&p);
    session_configure(&p);
    session_throttle_reset();
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;

    session_policy_default(&p);
    session_configure(&p);
    session_throttle_reset();
    testdb_teardown(&fx->t);
    free(fx);
    return 0;
}

static void
from(struct actor *a, const char *remote)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->remote, sizeof(a->remote), "%s", remote);
    snprintf(a->request_id, sizeof(a->request_id), "req");
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static bool
is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* Logs in from `remote`; returns the status, fills token and retry. */
static int
login(struct fixture *fx, const char *remote, const char *user, const char *pw,
      char token[CRYPTO_TOKEN_HEX], int *retry, struct fail *f)
{
    struct actor a;
    struct session_user s;

    from(&a, remote);
    fail_clear(f);
    return session_login(fx->t.db, &a, user, pw, &s, token, retry, f);
}

static void
test_login_lookup_logout(void **state)
{
    struct fixture *fx = *state;
    struct actor a;
    struct session_user s, found;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX], hash[CRYPTO_HEX_SHA256], sql[200];
    int retry = -1;

    from(&a, "192.0.2.1");
    assert_int_equal(session_login(fx->t.db, &a, "doctor1", PW, &s, token, &retry, &f), ST_OK);
    assert_int_equal(retry, 0);
    assert_true(is_hex64(token));
    assert_true(is_hex64(s.csrf_token));
    assert_int_equal(s.user_id, fx->doctor);
    assert_string_equal(s.username, "doctor1");
    assert_string_equal(s.display_name, "Demo Doctor");
    assert_int_equal(s.roles, ROLE_DOCTOR);
    /* The actor now speaks for the user. */
    assert_int_equal(a.user_id, fx->doctor);
    assert_string_equal(a.username, "doctor1");
    /* Only the token's SHA-256 is stored. */
    crypto_sha256_hex(token, strlen(token), hash);
    assert_string_equal(s.token_hash, hash);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = '%s'", token);
    assert_int_equal(testdb_int(&fx->t, sql), 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = '%s'", hash);
    assert_int_equal(testdb_int(&fx->t, sql), 1);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'session.login' AND username = 'doctor1'"),
                     1);

    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
    assert_int_equal(found.user_id, fx->doctor);
    assert_string_equal(found.username, "doctor1");
    assert_string_equal(found.csrf_token, s.csrf_token);
    assert_string_equal(found.token_hash, hash);
    assert_int_equal(found.roles, ROLE_DOCTOR);

    /* Tokens that are not one: wrong length, the stored hash itself, an unknown token. */
    static const char *const bad[] = {
        "",
        "abc",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000000000000000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(session_lookup(fx->t.db, bad[i], &found), ST_UNAUTHORIZED);
        assert_int_equal(found.user_id, 0);
    }
    assert_int_equal(session_lookup(fx->t.db, hash, &found), ST_UNAUTHORIZED);

    /* Two logins are two sessions. */
    char token2[CRYPTO_TOKEN_HEX];
    assert_int_equal(login(fx, "192.0.2.1", "doctor1", PW, token2, &retry, &f), ST_OK);
    assert_string_not_equal(token, token2);

    assert_int_equal(session_logout(fx->t.db, &a, &s), ST_OK);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);
    assert_int_equal(session_lookup(fx->t.db, token2, &found), ST_OK);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'session.logout'"),
                     1);
    struct audit_check c;
    assert_int_equal(audit_verify(fx->t.db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 0);
}

static void
test_bad_credentials(void **state)
{
    static const struct {
        const char *user, *pw;
    } cases[] = {
        {"doctor1", "correct-horse-8"},
        {"doctor1", ""},
        {"nobody", PW},
    };
    struct fixture *fx = *state;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(token, 'x', sizeof(token));
        assert_int_equal(login(fx, "192.0.2.2", cases[i].user, cases[i].pw, token, &retry, &f),
                         ST_UNAUTHORIZED);
        assert_string_equal(f.code, "bad_credentials");
        assert_string_equal(token, "");
        assert_int_equal(retry, 0);
    }
    /* Each failure is audited under the name that was tried, with no user id. */
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'session.login_failed' AND user_id IS NULL"
                                        " AND remote = '192.0.2.2'"),
                     3);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'session.login_failed' AND username = 'nobody'"),
                     1);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM sessions"), 0);

    /* A disabled user cannot log in. */
    assert_int_equal(testdb_exec(&fx->t, "UPDATE users SET disabled = 1 WHERE username ="
                                         " 'nurse1'"),
                     0);
    assert_int_equal(login(fx, "192.0.2.2", "nurse1", PW, token, &retry, &f), ST_UNAUTHORIZED);
}

static void
test_idle_expiry(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct session_user found;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    session_policy_default(&p);
    p.idle_ms = 100;
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.3", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
    sleep_ms(150);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);
    /* The expired session is gone, not only refused. */
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM sessions"), 0);

    /* A session in use lives on past the idle limit, however short that limit is: used every
     * 200 ms for 1.6 s with a 1 s idle limit (wide margins for slow sanitizer builds). */
    p.idle_ms = 1000;
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.3", "doctor1", PW, token, &retry, &f), ST_OK);
    for (int i = 0; i < 8; i++) {
        sleep_ms(200);
        assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
    }
    assert_int_equal(testdb_exec(&fx->t, "DELETE FROM sessions"), 0);

    /* With the default policy, an edit of last_seen to 31 minutes ago expires it too. */
    session_policy_default(&p);
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.3", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(testdb_exec(&fx->t, "UPDATE sessions SET last_seen = last_seen - 1860000"), 0);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);

    /* 29 minutes is still fine, and the lookup refreshes last_seen. */
    assert_int_equal(login(fx, "192.0.2.3", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(testdb_exec(&fx->t, "UPDATE sessions SET last_seen = last_seen - 1740000"), 0);
    int64_t before = time_now_ms();
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
    assert_true(testdb_int(&fx->t, "SELECT last_seen FROM sessions") >= before);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
}

static void
test_absolute_expiry(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct session_user found;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    /* A session in use all the time still ends at the absolute limit. */
    session_policy_default(&p);
    p.absolute_ms = 200;
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.4", "doctor1", PW, token, &retry, &f), ST_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);
        sleep_ms(20);
    }
    sleep_ms(250);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);

    /* With the default policy: created 13 hours ago, seen just now. */
    session_policy_default(&p);
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.4", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(testdb_exec(&fx->t, "UPDATE sessions SET created_at = created_at - 46800000"),
                     0);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);

    /* A user disabled behind the session's back is refused at once. */
    assert_int_equal(login(fx, "192.0.2.4", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(testdb_exec(&fx->t, "UPDATE users SET disabled = 1 WHERE username ="
                                         " 'doctor1'"),
                     0);
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);

    /* A login purges sessions that expired long ago. */
    assert_int_equal(testdb_exec(&fx->t, "UPDATE users SET disabled = 0"), 0);
    assert_int_equal(testdb_exec(&fx->t, "UPDATE sessions SET last_seen = 0, created_at = 0"), 0);
    assert_int_equal(login(fx, "192.0.2.4", "nurse1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM sessions"), 1);
}

static void
test_throttle_user(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    session_policy_default(&p);
    p.max_user_failures = 3;
    p.max_remote_failures = 100;
    p.window_ms = 60000;
    session_configure(&p);
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(fx, "192.0.2.5", "doctor1", "wrong password", token, &retry, &f),
                         ST_UNAUTHORIZED);
    /* Now even the right password is refused, with a time to wait. */
    assert_int_equal(login(fx, "192.0.2.5", "doctor1", PW, token, &retry, &f), ST_THROTTLED);
    assert_string_equal(f.code, "throttled");
    assert_true(retry >= 1 && retry <= 60);
    assert_string_equal(token, "");
    /* Per username: another address does not help. */
    assert_int_equal(login(fx, "198.51.100.9", "doctor1", PW, token, &retry, &f), ST_THROTTLED);
    /* Other users from the same address are not affected. */
    assert_int_equal(login(fx, "192.0.2.5", "nurse1", PW, token, &retry, &f), ST_OK);
    /* Throttled attempts are not checked, so they are not new failures either. */
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'session.login_failed'"),
                     3);

    session_throttle_reset();
    assert_int_equal(login(fx, "192.0.2.5", "doctor1", PW, token, &retry, &f), ST_OK);
    assert_int_equal(retry, 0);
}

static void
test_throttle_remote(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    session_policy_default(&p);
    p.max_user_failures = 100;
    p.max_remote_failures = 3;
    session_configure(&p);
    /* One address guessing at several accounts. */
    assert_int_equal(login(fx, "203.0.113.7", "doctor1", "guess 1", token, &retry, &f),
                     ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "203.0.113.7", "nurse1", "guess 2", token, &retry, &f),
                     ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "203.0.113.7", "admin1", "guess 3", token, &retry, &f),
                     ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "203.0.113.7", "nurse1", PW, token, &retry, &f), ST_THROTTLED);
    assert_true(retry >= 1 && retry <= 15 * 60);
    /* The same accounts from elsewhere are fine. */
    assert_int_equal(login(fx, "203.0.113.8", "nurse1", PW, token, &retry, &f), ST_OK);
}

static void
test_throttle_window(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    session_policy_default(&p);
    p.max_user_failures = 3;
    session_configure(&p);
    /* A success forgets the user's failures. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2; i++)
            assert_int_equal(login(fx, "192.0.2.6", "doctor1", "wrong", token, &retry, &f),
                             ST_UNAUTHORIZED);
        assert_int_equal(login(fx, "192.0.2.6", "doctor1", PW, token, &retry, &f), ST_OK);
    }

    /* Failures count within a window; once it has passed the user may try again. */
    p.window_ms = 150;
    p.max_user_failures = 2;
    session_configure(&p);
    session_throttle_reset();
    for (int i = 0; i < 2; i++)
        assert_int_equal(login(fx, "192.0.2.6", "nurse1", "wrong", token, &retry, &f),
                         ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.6", "nurse1", PW, token, &retry, &f), ST_THROTTLED);
    assert_int_equal(retry, 1); /* rounded up to a whole second */
    sleep_ms(200);
    assert_int_equal(login(fx, "192.0.2.6", "nurse1", PW, token, &retry, &f), ST_OK);
}

static void
test_throttle_many_keys(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX], remote[32];
    int retry;

    /* Logins from many other addresses, each taking a slot of the bounded table, leave the
     * throttled address throttled. */
    session_policy_default(&p);
    p.max_user_failures = 1000;
    p.max_remote_failures = 1;
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.99", "doctor1", "wrong", token, &retry, &f),
                     ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.99", "doctor1", PW, token, &retry, &f), ST_THROTTLED);
    for (int i = 0; i < 40; i++) {
        snprintf(remote, sizeof(remote), "10.0.%d.%d", i / 250, i % 250);
        assert_int_equal(login(fx, remote, "doctor1", PW, token, &retry, &f), ST_OK);
    }
    assert_int_equal(login(fx, "192.0.2.99", "doctor1", PW, token, &retry, &f), ST_THROTTLED);
}

/* The slot of a throttling key in session.c's table (its FNV-1a hash, 4096 slots). */
static unsigned
throttle_slot_of(const char *key)
{
    unsigned h = 2166136261u;

    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h % 4096;
}

static void
test_throttle_collision(void **state)
{
    struct fixture *fx = *state;
    struct session_policy p;
    struct actor cli;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX], x[16], y[16], key[32];
    unsigned remote = throttle_slot_of("a:192.0.2.50");
    int retry;

    /* Two usernames whose keys want the same slot: the second sits in the next one. */
    x[0] = y[0] = '\0';
    for (int i = 0; i < 5000 && !y[0]; i++) {
        snprintf(key, sizeof(key), "u:staff%d", i);
        unsigned si = throttle_slot_of(key);
        if (si == remote || (si + 1) % 4096 == remote)
            continue;
        for (int j = 0; j < i && !y[0]; j++) {
            snprintf(key, sizeof(key), "u:staff%d", j);
            if (throttle_slot_of(key) == si) {
                snprintf(x, sizeof(x), "staff%d", j);
                snprintf(y, sizeof(y), "staff%d", i);
            }
        }
    }
    assert_true(y[0] != '\0');
    actor_cli(&cli);
    assert_int_equal(user_add(fx->t.db, &cli, x, NULL, PW, ROLE_NURSE, true, NULL, &f), ST_OK);
    assert_int_equal(user_add(fx->t.db, &cli, y, NULL, PW, ROLE_NURSE, true, NULL, &f), ST_OK);

    session_policy_default(&p);
    p.max_user_failures = 2;
    p.max_remote_failures = 1000;
    p.window_ms = 400;
    session_configure(&p);
    assert_int_equal(login(fx, "192.0.2.50", x, "wrong", token, &retry, &f), ST_UNAUTHORIZED);
    sleep_ms(200);
    assert_int_equal(login(fx, "192.0.2.50", y, "wrong", token, &retry, &f), ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.50", y, "wrong", token, &retry, &f), ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.50", y, PW, token, &retry, &f), ST_THROTTLED);
    /* x's window has ended, y's has not: y must stay throttled although the slot before it,
     * where its key would have gone first, is free to reuse now. */
    sleep_ms(250);
    assert_int_equal(login(fx, "192.0.2.50", y, PW, token, &retry, &f), ST_THROTTLED);
    assert_int_equal(login(fx, "192.0.2.50", x, PW, token, &retry, &f), ST_OK);
}

static void
test_change_password(void **state)
{
    struct fixture *fx = *state;
    struct actor a;
    struct session_user s, found;
    struct fail f;
    char token[CRYPTO_TOKEN_HEX];
    int retry;

    from(&a, "192.0.2.7");
    assert_int_equal(session_login(fx->t.db, &a, "doctor1", PW, &s, token, &retry, &f), ST_OK);
    fail_clear(&f);
    assert_int_equal(
        session_change_password(fx->t.db, &a, &s, "not it at all", "new passphrase 1", &f),
        ST_INVALID);
    assert_string_equal(f.code, "bad_credentials");
    assert_string_equal(f.field, "current_password");
    assert_int_equal(session_change_password(fx->t.db, &a, &s, PW, "short", &f), ST_INVALID);
    assert_string_equal(f.code, "weak_password");
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_OK);

    assert_int_equal(session_change_password(fx->t.db, &a, &s, PW, "new passphrase 1", &f), ST_OK);
    /* Every session of the user ends, this one included. */
    assert_int_equal(session_lookup(fx->t.db, token, &found), ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.7", "doctor1", PW, token, &retry, &f), ST_UNAUTHORIZED);
    assert_int_equal(login(fx, "192.0.2.7", "doctor1", "new passphrase 1", token, &retry, &f),
                     ST_OK);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_login_lookup_logout), T(test_bad_credentials),    T(test_idle_expiry),
        T(test_absolute_expiry),     T(test_throttle_user),      T(test_throttle_remote),
        T(test_throttle_window),     T(test_throttle_many_keys), T(test_throttle_collision),
        T(test_change_password),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
