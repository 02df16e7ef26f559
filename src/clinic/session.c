/* Login sessions and the throttling of failed logins. */
#include "clinic/session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/user.h"
#include "core/date.h"

#define THROTTLE_SLOTS 4096
#define TOUCH_EVERY_MS 60000

static struct session_policy policy = {
    .idle_ms = 30LL * 60 * 1000,
    .absolute_ms = 12LL * 3600 * 1000,
    .max_user_failures = 5,
    .max_remote_failures = 20,
    .window_ms = 15LL * 60 * 1000,
};

void
session_policy_default(struct session_policy *p)
{
    *p = (struct session_policy){
        .idle_ms = 30LL * 60 * 1000,
        .absolute_ms = 12LL * 3600 * 1000,
        .max_user_failures = 5,
        .max_remote_failures = 20,
        .window_ms = 15LL * 60 * 1000,
    };
}

void
session_configure(const struct session_policy *p)
{
    policy = *p;
}

/* ---- throttling: fixed windows of failures per key, in a bounded open-addressed table ---- */

struct throttle_slot {
    char key[80]; /* "u:<username>" or "a:<address>"; "" when free */
    int64_t window_start_ms;
    int failures;
};

static struct {
    pthread_mutex_t lock;
    struct throttle_slot slots[THROTTLE_SLOTS];
} throttle = {.lock = PTHREAD_MUTEX_INITIALIZER};

static unsigned
key_hash(const char *k)
{
    unsigned h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

/* The slot of `key`, claiming a free or expired one; with the table full of live keys the
 * oldest window in the probe run is reused, so memory stays bounded under a flood. The whole
 * probe run is searched for the key first: it may sit past a slot whose window has ended since
 * it was placed, and claiming that slot instead would forget the key's failures. */
static struct throttle_slot *
throttle_slot(const char *key, int64_t now)
{
    unsigned h = key_hash(key);
    struct throttle_slot *reusable = NULL, *oldest = NULL, *victim;
    for (unsigned i = 0; i < 16; i++) {
        struct throttle_slot *s = &throttle.slots[(h + i) % THROTTLE_SLOTS];
        if (strcmp(s->key, key) == 0)
            return s;
        bool expired = s->key[0] && now - s->window_start_ms >= policy.window_ms;
        if (!s->key[0] || expired) {
            if (!reusable)
                reusable = s;
        } else if (!oldest || s->window_start_ms < oldest->window_start_ms) {
            oldest = s;
        }
    }
    victim = reusable ? reusable : oldest;
    snprintf(victim->key, sizeof(victim->key), "%s", key);
    victim->window_start_ms = now;
    victim->failures = 0;
    return victim;
}

/* Seconds until `key` may try again, 0 when it may now. Caller holds the lock. */
static int
throttle_wait(const char *key, int limit, int64_t now)
{
    struct throttle_slot *s = throttle_slot(key, now);
    if (now - s->window_start_ms >= policy.window_ms) {
        s->window_start_ms = now;
        s->failures = 0;
    }
    if (s->failures < limit)
        return 0;
    int64_t left = s->window_start_ms + policy.window_ms - now;
    return (int)((left + 999) / 1000);
}

static void
throttle_fail(const char *key, int64_t now)
{
    struct throttle_slot *s = throttle_slot(key, now);
    if (s->failures == 0)
        s->window_start_ms = now;
    s->failures++;
}

static void
throttle_clear(const char *key, int64_t now)
{
    struct throttle_slot *s = throttle_slot(key, now);
    s->failures = 0;
}

void
session_throttle_reset(void)
{
    pthread_mutex_lock(&throttle.lock);
    memset(throttle.slots, 0, sizeof(throttle.slots));
    pthread_mutex_unlock(&throttle.lock);
}

/* ---- sessions ---- */

static int
audit_alone(struct db *db, const struct actor *a, const char *action, const char *entity_id)
{
    int st = db_begin_write(db);
    if (st == ST_OK)
        st = audit_write(db, a, action, "session", entity_id);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        db_rollback(db);
    return st;
}

static void
fill_user(struct session_user *out, const struct db_user *u)
{
    out->user_id = u->id;
    snprintf(out->username, sizeof(out->username), "%s", u->username);
    snprintf(out->display_name, sizeof(out->display_name), "%s",
             u->display_name ? u->display_name : u->username);
    out->roles = u->roles;
}

int
session_login(struct db *db, struct actor *a, const char *username, const char *password,
              struct session_user *out, char token[CRYPTO_TOKEN_HEX], int *retry_after_s,
              struct fail *f)
{
    memset(out, 0, sizeof(*out));
    token[0] = '\0';
    *retry_after_s = 0;
    char ukey[80], akey[80];
    snprintf(ukey, sizeof(ukey), "u:%.60s", username);
    snprintf(akey, sizeof(akey), "a:%.60s", a->remote);
    int64_t now = time_now_ms();

    pthread_mutex_lock(&throttle.lock);
    int wait_u = throttle_wait(ukey, policy.max_user_failures, now);
    int wait_a = throttle_wait(akey, policy.max_remote_failures, now);
    pthread_mutex_unlock(&throttle.lock);
    int wait = wait_u > wait_a ? wait_u : wait_a;
    if (wait > 0) {
        *retry_after_s = wait;
        return fail_set(f, ST_THROTTLED, "", "throttled",
                        "too many failed logins; try again in %d seconds", wait);
    }

    struct db_user u;
    int st = user_authenticate(db, username, password, &u);
    if (st == ST_UNAUTHORIZED) {
        pthread_mutex_lock(&throttle.lock);
        throttle_fail(ukey, now);
        throttle_fail(akey, now);
        pthread_mutex_unlock(&throttle.lock);
        struct actor anon = *a;
        snprintf(anon.username, sizeof(anon.username), "%.39s", username);
        anon.user_id = 0;
        anon.roles = 0;
        if (audit_alone(db, &anon, "session.login_failed", "") != ST_OK)
            return db_fail(db, ST_DB, f);
        return fail_set(f, ST_UNAUTHORIZED, "", "bad_credentials",
                        "the username or the password is wrong");
    }
    if (st != ST_OK)
        return db_fail(db, st, f);

    struct db_session s = {.user_id = u.id, .created_ms = now, .last_seen_ms = now};
    crypto_random_token(token);
    crypto_random_token(s.csrf_token);
    crypto_sha256_hex(token, strlen(token), s.token_hash);
    a->user_id = u.id;
    snprintf(a->username, sizeof(a->username), "%s", u.username);
    char uid[24];
    snprintf(uid, sizeof(uid), "%lld", (long long)u.id);
    a->roles = u.roles;
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_session_insert(db, &s);
    /* Logging in is also the moment to forget sessions that expired long ago. */
    if (st == ST_OK)
        st = db_session_purge(db, now - policy.idle_ms, now - policy.absolute_ms);
    if (st == ST_OK)
        st = audit_write(db, a, "session.login", "user", uid);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        db_user_release(&u);
        token[0] = '\0';
        return db_fail(db, st, f);
    }
    pthread_mutex_lock(&throttle.lock);
    throttle_clear(ukey, now);
    pthread_mutex_unlock(&throttle.lock);
    fill_user(out, &u);
    memcpy(out->csrf_token, s.csrf_token, sizeof(out->csrf_token));
    memcpy(out->token_hash, s.token_hash, sizeof(out->token_hash));
    db_user_release(&u);
    return ST_OK;
}

int
session_lookup(struct db *db, const char *token, struct session_user *out)
{
    memset(out, 0, sizeof(*out));
    size_t n = strnlen(token, CRYPTO_TOKEN_HEX);
    if (n != CRYPTO_TOKEN_HEX - 1)
        return ST_UNAUTHORIZED;
    struct db_session s;
    struct db_user u;
    char hash[CRYPTO_HEX_SHA256];
    crypto_sha256_hex(token, n, hash);
    int st = db_session_with_user(db, hash, &s, &u);
    if (st == ST_NOT_FOUND)
        return ST_UNAUTHORIZED;
    if (st != ST_OK)
        return st;
    int64_t now = time_now_ms();
    if (now - s.last_seen_ms > policy.idle_ms || now - s.created_ms > policy.absolute_ms) {
        db_user_release(&u);
        if (db_session_delete(db, hash) != ST_OK)
            return ST_DB;
        return ST_UNAUTHORIZED;
    }
    if (u.disabled) {
        db_user_release(&u);
        return ST_UNAUTHORIZED;
    }
    /* Refreshing last_seen on every request would turn every read into a write; refreshing
     * it at a tenth of the idle limit keeps a busy session alive however short that limit. */
    int64_t touch_every =
        policy.idle_ms / 10 < TOUCH_EVERY_MS ? policy.idle_ms / 10 : TOUCH_EVERY_MS;
    if (now - s.last_seen_ms > touch_every)
        st = db_session_touch(db, hash, now);
    fill_user(out, &u);
    memcpy(out->csrf_token, s.csrf_token, sizeof(out->csrf_token));
    memcpy(out->token_hash, hash, sizeof(out->token_hash));
    db_user_release(&u);
    return st == ST_BUSY ? ST_OK : st;
}

int
session_gateway_lookup(struct db *db, const char *token, struct session_gateway *out)
{
    memset(out, 0, sizeof(*out));
    size_t n = strnlen(token, CRYPTO_TOKEN_HEX);
    if (n != CRYPTO_TOKEN_HEX - 1)
        return ST_UNAUTHORIZED;
    struct db_gateway g;
    char hash[CRYPTO_HEX_SHA256];
    crypto_sha256_hex(token, n, hash);
    int st = db_gateway_by_token(db, hash, &g);
    if (st == ST_NOT_FOUND || (st == ST_OK && g.revoked))
        return ST_UNAUTHORIZED;
    if (st != ST_OK)
        return st;
    int64_t now = time_now_ms();
    /* When it was last used tells an administrator whether a gateway still polls; a minute's
     * precision is enough and spares a write on every poll. */
    if (!g.has_last_used || now - g.last_used_ms > TOUCH_EVERY_MS)
        st = db_gateway_touch(db, g.id, now);
    out->id = g.id;
    snprintf(out->name, sizeof(out->name), "%s", g.name);
    return st == ST_BUSY ? ST_OK : st;
}

int
session_logout(struct db *db, const struct actor *a, const struct session_user *s)
{
    char uid[24];
    snprintf(uid, sizeof(uid), "%lld", (long long)s->user_id);
    int st = db_begin_write(db);
    if (st == ST_OK)
        st = db_session_delete(db, s->token_hash);
    if (st == ST_OK)
        st = audit_write(db, a, "session.logout", "user", uid);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        db_rollback(db);
    return st;
}

int
session_change_password(struct db *db, const struct actor *a, const struct session_user *s,
                        const char *current, const char *next, struct fail *f)
{
    struct db_user u;
    int st = user_authenticate(db, s->username, current, &u);
    db_user_release(&u);
    if (st == ST_UNAUTHORIZED)
        return fail_set(f, ST_INVALID, "current_password", "bad_credentials",
                        "the current password is wrong");
    if (st != ST_OK)
        return db_fail(db, st, f);
    return user_set_password(db, a, s->user_id, next, f);
}
