/* The hash-chained audit trail and the batched writer of read events. */
#include "clinic/audit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic/role.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/log.h"

#define QUEUE_CAP 65536

void
actor_cli(struct actor *a)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->username, sizeof(a->username), "cli");
    snprintf(a->remote, sizeof(a->remote), "local");
    snprintf(a->request_id, sizeof(a->request_id), "cli-%lld", (long long)time_now_ms());
}

void
audit_hash(const struct db_audit *e, char out[65])
{
    /* Fields joined by the ASCII unit separator, which no field may contain. The detail joins
     * only when there is one, so events written before it existed keep their hashes. */
    char line[1024 + DB_AUDIT_DETAIL_MAX];
    int n = snprintf(line, sizeof(line),
                     "%lld\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s"
                     "\x1f%s\x1f%s%s%s",
                     (long long)e->id, (long long)e->at_ms, (long long)e->user_id, e->username,
                     e->roles, e->action, e->entity, e->entity_id, e->remote, e->request_id,
                     e->prev_hash, e->detail[0] ? "\x1f" : "", e->detail);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    crypto_sha256_hex(line, (size_t)n, out);
}

static void
event_fill(struct db_audit *e, const struct actor *a, const char *action, const char *entity,
           const char *entity_id, const char *detail, int64_t at_ms)
{
    memset(e, 0, sizeof(*e));
    e->at_ms = at_ms;
    e->user_id = a->user_id;
    snprintf(e->username, sizeof(e->username), "%s", a->username);
    struct buf r;
    buf_init(&r, sizeof(e->roles) - 1);
    if (role_format(a->roles, &r) == ST_OK)
        snprintf(e->roles, sizeof(e->roles), "%s", buf_str(&r));
    buf_release(&r);
    snprintf(e->action, sizeof(e->action), "%s", action);
    snprintf(e->entity, sizeof(e->entity), "%s", entity);
    snprintf(e->entity_id, sizeof(e->entity_id), "%s", entity_id ? entity_id : "");
    snprintf(e->remote, sizeof(e->remote), "%s", a->remote);
    snprintf(e->request_id, sizeof(e->request_id), "%s", a->request_id);
    if (detail && detail[0]) {
        /* Cut JSON would not parse: say it was cut instead. */
        if (strlen(detail) < sizeof(e->detail))
            memcpy(e->detail, detail, strlen(detail) + 1);
        else
            snprintf(e->detail, sizeof(e->detail), "{\"cut\":true}");
    }
}

/* Chains and inserts events inside an open write transaction. */
static int
append_events(struct db *db, struct db_audit *ev, size_t n)
{
    int64_t last;
    char prev[65];
    int st = db_audit_tail(db, &last, prev);
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        ev[i].id = ++last;
        memcpy(ev[i].prev_hash, prev, sizeof(prev));
        audit_hash(&ev[i], ev[i].hash);
        memcpy(prev, ev[i].hash, sizeof(prev));
        st = db_audit_insert(db, &ev[i]);
    }
    return st;
}

int
audit_write(struct db *db, const struct actor *a, const char *action, const char *entity,
            const char *entity_id)
{
    return audit_write_detail(db, a, action, entity, entity_id, NULL);
}

int
audit_write_detail(struct db *db, const struct actor *a, const char *action, const char *entity,
                   const char *entity_id, const char *detail)
{
    struct db_audit e;
    event_fill(&e, a, action, entity, entity_id, detail, time_now_ms());
    return append_events(db, &e, 1);
}

/* ---- the queue of read events ---- */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* the writer: events are waiting or it should stop */
    pthread_cond_t drained; /* producers and flushers: room or progress */
    struct db_audit *items;
    size_t len;
    uint64_t queued;  /* events ever queued */
    uint64_t written; /* events ever committed */
    bool running;
    bool stopping;
    struct db *db;
    pthread_t thread;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .drained = PTHREAD_COND_INITIALIZER};

static int
write_batch(struct db_audit *batch, size_t n)
{
    int st = db_begin_write(q.db);
    if (st == ST_OK)
        st = append_events(q.db, batch, n);
    if (st == ST_OK)
        st = db_commit(q.db);
    if (st != ST_OK)
        db_rollback(q.db);
    return st;
}

static void *
writer_main(void *arg)
{
    (void)arg;
    struct db_audit *batch = malloc(sizeof(*batch) * QUEUE_CAP);
    pthread_mutex_lock(&q.lock);
    for (;;) {
        while (q.len == 0 && !q.stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += AUDIT_FLUSH_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&q.wake, &q.lock, &until);
        }
        if (q.len == 0 && q.stopping)
            break;
        size_t n = q.len;
        if (batch)
            memcpy(batch, q.items, sizeof(*batch) * n);
        pthread_mutex_unlock(&q.lock);
        int st = batch ? write_batch(batch, n) : ST_NOMEM;
        pthread_mutex_lock(&q.lock);
        if (st == ST_OK) {
            /* Producers may have appended meanwhile: keep those for the next batch. */
            memmove(q.items, q.items + n, sizeof(*q.items) * (q.len - n));
            q.len -= n;
            q.written += n;
            pthread_cond_broadcast(&q.drained);
        } else {
            log_line(LOG_ERROR, "event=audit_flush_failed status=%s events=%zu err=\"%s\"",
                     status_name(st), n, db_errmsg(q.db));
            /* Keep the events and try again shortly rather than lose them. */
            pthread_mutex_unlock(&q.lock);
            struct timespec pause = {0, 100 * 1000000L};
            nanosleep(&pause, NULL);
            pthread_mutex_lock(&q.lock);
            if (q.stopping && st != ST_BUSY)
                break;
        }
    }
    pthread_mutex_unlock(&q.lock);
    free(batch);
    return NULL;
}

int
audit_queue_start(const char *db_path, struct fail *f)
{
    int st = ST_OK;
    pthread_mutex_lock(&q.lock);
    if (q.running)
        goto out;
    q.items = malloc(sizeof(*q.items) * QUEUE_CAP);
    if (!q.items) {
        st = fail_set(f, ST_NOMEM, "", "nomem", "out of memory for the audit queue");
        goto out;
    }
    st = db_open(db_path, false, &q.db, f);
    if (st != ST_OK)
        goto out;
    q.len = 0;
    q.stopping = false;
    if (pthread_create(&q.thread, NULL, writer_main, NULL) != 0) {
        st = fail_set(f, ST_IO, "", "thread", "cannot start the audit writer");
        goto out;
    }
    q.running = true;
out:
    if (st != ST_OK) {
        db_close(q.db);
        q.db = NULL;
        free(q.items);
        q.items = NULL;
    }
    pthread_mutex_unlock(&q.lock);
    return st;
}

void
audit_read(const struct actor *a, const char *action, const char *entity, const char *entity_id)
{
    audit_read_detail(a, action, entity, entity_id, NULL);
}

void
audit_read_detail(const struct actor *a, const char *action, const char *entity,
                  const char *entity_id, const char *detail)
{
    struct db_audit e;
    event_fill(&e, a, action, entity, entity_id, detail, time_now_ms());
    pthread_mutex_lock(&q.lock);
    if (q.running && !q.stopping) {
        while (q.len == QUEUE_CAP && !q.stopping)
            pthread_cond_wait(&q.drained, &q.lock);
        if (q.len < QUEUE_CAP) {
            q.items[q.len++] = e;
            q.queued++;
            /* The writer wakes on its timer: one commit for many reads. */
            if (q.len >= QUEUE_CAP / 2)
                pthread_cond_signal(&q.wake);
        }
    }
    pthread_mutex_unlock(&q.lock);
}

int
audit_queue_flush(void)
{
    pthread_mutex_lock(&q.lock);
    uint64_t target = q.queued;
    pthread_cond_signal(&q.wake);
    while (q.running && q.written < target)
        pthread_cond_wait(&q.drained, &q.lock);
    pthread_mutex_unlock(&q.lock);
    return ST_OK;
}

void
audit_queue_stop(void)
{
    pthread_mutex_lock(&q.lock);
    if (!q.running) {
        pthread_mutex_unlock(&q.lock);
        return;
    }
    q.stopping = true;
    pthread_cond_broadcast(&q.wake);
    pthread_cond_broadcast(&q.drained);
    pthread_mutex_unlock(&q.lock);
    pthread_join(q.thread, NULL);
    pthread_mutex_lock(&q.lock);
    q.running = false;
    db_close(q.db);
    q.db = NULL;
    free(q.items);
    q.items = NULL;
    q.len = 0;
    pthread_mutex_unlock(&q.lock);
}

/* ---- verification ---- */

struct verify_ctx {
    struct audit_check *out;
    int64_t expect_id;
    char prev[65];
};

static int
verify_one(void *ctx, const struct db_audit *e)
{
    struct verify_ctx *v = ctx;
    char h[65];
    audit_hash(e, h);
    v->out->events++;
    if (v->out->first_bad_id)
        return 0; /* already broken: only count the rest */
    /* A gap in the ids, a broken link or a changed event all break the chain here. */
    if (e->id != v->expect_id || strcmp(e->prev_hash, v->prev) != 0 || strcmp(h, e->hash) != 0) {
        v->out->first_bad_id = e->id;
        return 0;
    }
    v->expect_id = e->id + 1;
    memcpy(v->prev, e->hash, sizeof(v->prev));
    memcpy(v->out->head_hash, e->hash, sizeof(v->prev));
    return 0;
}

int
audit_verify(struct db *db, struct audit_check *out)
{
    memset(out, 0, sizeof(*out));
    struct verify_ctx v = {.out = out, .expect_id = 1, .prev = ""};
    int st = db_begin_read(db);
    if (st != ST_OK)
        return st;
    st = db_audit_scan(db, verify_one, &v);
    db_rollback(db);
    return st;
}
