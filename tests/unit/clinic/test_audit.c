/* Unit tests of src/clinic/audit.c: the hash chain (tampering with a row, or removing one, is
 * found at the right id) and the background queue of read events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/role.h"
#include "core/crypto.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
actor(struct actor *a, int64_t user_id, const char *username, unsigned roles)
{
    memset(a, 0, sizeof(*a));
    a->user_id = user_id;
    snprintf(a->username, sizeof(a->username), "%s", username);
    a->roles = roles;
    snprintf(a->remote, sizeof(a->remote), "192.0.2.7");
    snprintf(a->request_id, sizeof(a->request_id), "req-%s", username);
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

static void
test_actor_cli(void **state)
{
    struct actor a;

    (void)state;
    memset(&a, 'x', sizeof(a));
    actor_cli(&a);
    assert_int_equal(a.user_id, 0);
    assert_int_equal(a.roles, 0);
    assert_string_equal(a.username, "cli");
    assert_string_equal(a.remote, "local");
    assert_memory_equal(a.request_id, "cli-", 4);
    assert_true(strlen(a.request_id) > 4);
}

/* Each mutation changes one input of the hash. */
static void
mut_id(struct db_audit *e)
{
    e->id++;
}
static void
mut_at(struct db_audit *e)
{
    e->at_ms++;
}
static void
mut_user_id(struct db_audit *e)
{
    e->user_id++;
}
static void
mut_username(struct db_audit *e)
{
    e->username[0] = 'X';
}
static void
mut_roles(struct db_audit *e)
{
    e->roles[0] = 'X';
}
static void
mut_action(struct db_audit *e)
{
    e->action[0] = 'X';
}
static void
mut_entity(struct db_audit *e)
{
    e->entity[0] = 'X';
}
static void
mut_entity_id(struct db_audit *e)
{
    e->entity_id[0] = '9';
}
static void
mut_remote(struct db_audit *e)
{
    e->remote[0] = 'X';
}
static void
mut_request_id(struct db_audit *e)
{
    e->request_id[0] = 'X';
}
static void
mut_prev_hash(struct db_audit *e)
{
    e->prev_hash[0] = 'f';
}
static void
mut_detail(struct db_audit *e)
{
    snprintf(e->detail, sizeof(e->detail), "{}");
}
/* Moving text from one field to the next must not give the same hash either. */
static void
mut_shift(struct db_audit *e)
{
    snprintf(e->entity, sizeof(e->entity), "patient1");
    e->entity_id[0] = '\0';
}

static void
test_hash(void **state)
{
    static void (*const muts[])(struct db_audit *) = {
        mut_id,     mut_at,        mut_user_id,    mut_username,  mut_roles, mut_action, mut_entity,
        mut_remote, mut_entity_id, mut_request_id, mut_prev_hash, mut_shift, mut_detail,
    };
    struct db_audit e, m;
    char h[65], h2[65];

    (void)state;
    memset(&e, 0, sizeof(e));
    e.id = 7;
    e.at_ms = 1700000000123;
    e.user_id = 3;
    snprintf(e.username, sizeof(e.username), "doctor1");
    snprintf(e.roles, sizeof(e.roles), "doctor");
    snprintf(e.action, sizeof(e.action), "patient.read");
    snprintf(e.entity, sizeof(e.entity), "patient");
    snprintf(e.entity_id, sizeof(e.entity_id), "1");
    snprintf(e.remote, sizeof(e.remote), "192.0.2.7");
    snprintf(e.request_id, sizeof(e.request_id), "r1");
    memset(e.prev_hash, 'a', 64);
    audit_hash(&e, h);
    assert_true(is_hex64(h));
    audit_hash(&e, h2);
    assert_string_equal(h, h2);
    /* The stored hash is not an input of itself. */
    m = e;
    snprintf(m.hash, sizeof(m.hash), "anything");
    audit_hash(&m, h2);
    assert_string_equal(h, h2);
    for (size_t i = 0; i < N(muts); i++) {
        m = e;
        muts[i](&m);
        audit_hash(&m, h2);
        if (strcmp(h, h2) == 0)
            fail_msg("mutation %zu does not change the hash", i);
    }
    /* Without a detail the hash is the one events had before details existed: the fields joined
     * by the unit separator, nothing after prev_hash. */
    char line[512];
    int n = snprintf(line, sizeof(line),
                     "7\x1f"
                     "1700000000123\x1f"
                     "3\x1f"
                     "doctor1\x1f"
                     "doctor\x1f"
                     "patient.read\x1fpatient\x1f"
                     "1\x1f"
                     "192.0.2.7\x1fr1\x1f%s",
                     e.prev_hash);
    crypto_sha256_hex(line, (size_t)n, h2);
    assert_string_equal(h, h2);
    /* A detail moved into the request id is another event. */
    m = e;
    snprintf(m.detail, sizeof(m.detail), "x");
    audit_hash(&m, h);
    m = e;
    snprintf(m.request_id, sizeof(m.request_id), "r1\x1fx");
    audit_hash(&m, h2);
    assert_string_not_equal(h, h2);
}

/* Writes five events in two transactions, as requests would. */
static void
write_five(struct testdb *t)
{
    struct actor admin, doctor;

    actor(&admin, 1, "admin1", ROLE_ADMIN);
    actor(&doctor, 2, "doctor1", ROLE_DOCTOR | ROLE_NURSE);
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(audit_write(t->db, &admin, "user.create", "user", "2"), ST_OK);
    assert_int_equal(audit_write(t->db, &doctor, "session.login", "user", ""), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(audit_write(t->db, &doctor, "patient.create", "patient", "1"), ST_OK);
    assert_int_equal(audit_write_detail(t->db, &doctor, "patient.update", "patient", "1",
                                        "{\"size\":\"thumb\"}"),
                     ST_OK);
    assert_int_equal(audit_write(t->db, &admin, "patient.delete", "patient", NULL), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
}

static int
check_second(void *ctx, const struct db_audit *e)
{
    char h[65];

    (void)ctx;
    audit_hash(e, h);
    assert_string_equal(e->hash, h);
    if (e->id != 2)
        return 0;
    assert_int_equal(e->user_id, 2);
    assert_string_equal(e->username, "doctor1");
    assert_string_equal(e->roles, "doctor,nurse");
    assert_string_equal(e->action, "session.login");
    assert_string_equal(e->entity, "user");
    assert_string_equal(e->entity_id, "");
    assert_string_equal(e->remote, "192.0.2.7");
    assert_string_equal(e->request_id, "req-doctor1");
    assert_true(is_hex64(e->prev_hash));
    return 0;
}

static void
test_write_verify(void **state)
{
    struct testdb *t = *state;
    struct audit_check c;
    int64_t tail;
    char tail_hash[65];

    /* An empty trail is intact. */
    memset(&c, 'x', sizeof(c));
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.events, 0);
    assert_int_equal(c.first_bad_id, 0);
    assert_string_equal(c.head_hash, "");

    write_five(t);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.events, 5);
    assert_int_equal(c.first_bad_id, 0);
    assert_int_equal(db_audit_tail(t->db, &tail, tail_hash), ST_OK);
    assert_int_equal(tail, 5);
    assert_string_equal(c.head_hash, tail_hash);
    /* The first event links to nothing. */
    assert_int_equal(testdb_int(t, "SELECT prev_hash = '' FROM audit WHERE id = 1"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
                                   " WHERE b.prev_hash = a.hash"),
                     4);
    assert_int_equal(db_audit_scan(t->db, check_second, NULL), ST_OK);
    assert_int_equal(testdb_int(t, "SELECT user_id FROM audit WHERE id = 2"), 2);
    /* The detail is stored as given; events without one store NULL. */
    assert_int_equal(
        testdb_int(t, "SELECT detail = '{\"size\":\"thumb\"}' FROM audit WHERE id = 4"), 1);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE detail IS NULL"), 4);
}

static void
test_detail_too_long(void **state)
{
    struct testdb *t = *state;
    struct actor a;
    struct audit_check c;
    char big[DB_AUDIT_DETAIL_MAX + 20];

    actor(&a, 2, "doctor1", ROLE_DOCTOR);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(db_begin_write(t->db), ST_OK);
    /* Cut JSON would not parse: the event says it was cut instead. */
    assert_int_equal(audit_write_detail(t->db, &a, "photo.view", "photo", "1", big), ST_OK);
    assert_int_equal(audit_write_detail(t->db, &a, "photo.view", "photo", "2", ""), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    assert_int_equal(
        testdb_int(t, "SELECT detail = '{\"cut\":true}' FROM audit WHERE entity_id = '1'"), 1);
    assert_int_equal(testdb_int(t, "SELECT detail IS NULL FROM audit WHERE entity_id = '2'"), 1);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 0);
}

static void
test_write_rolled_back(void **state)
{
    struct testdb *t = *state;
    struct actor a;
    struct audit_check c;

    write_five(t);
    actor(&a, 1, "admin1", ROLE_ADMIN);
    /* An event written in a transaction that fails goes with it, and the chain stays whole. */
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(audit_write(t->db, &a, "patient.create", "patient", "42"), ST_OK);
    db_rollback(t->db);
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(audit_write(t->db, &a, "patient.create", "patient", "3"), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.events, 6);
    assert_int_equal(c.first_bad_id, 0);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE entity_id = '42'"), 0);
}

static void
test_tamper(void **state)
{
    static const struct {
        const char *sql;
        int64_t events;
        int64_t first_bad;
    } cases[] = {
        {"UPDATE audit SET action = 'patient.read' WHERE id = 3", 5, 3},
        {"UPDATE audit SET username = 'someone' WHERE id = 1", 5, 1},
        {"UPDATE audit SET at = at + 1 WHERE id = 5", 5, 5},
        {"UPDATE audit SET entity_id = '2' WHERE id = 4", 5, 4},
        {"DELETE FROM audit WHERE id = 3", 4, 4}, /* the gap shows at the next event */
        {"DELETE FROM audit WHERE id = 1", 4, 2},
        {"UPDATE audit SET prev_hash = hash WHERE id = 2", 5, 2},
        {"UPDATE audit SET id = 9 WHERE id = 5", 5, 9},
        {"UPDATE audit SET detail = '{\"size\":\"full\"}' WHERE id = 4", 5, 4},
        {"UPDATE audit SET detail = NULL WHERE id = 4", 5, 4},
        {"UPDATE audit SET detail = '{}' WHERE id = 2", 5, 2},
    };
    struct testdb *t = *state;
    struct audit_check c;

    for (size_t i = 0; i < N(cases); i++) {
        assert_int_equal(testdb_exec(t, "DELETE FROM audit"), 0);
        write_five(t);
        assert_int_equal(testdb_exec(t, cases[i].sql), 0);
        assert_int_equal(audit_verify(t->db, &c), ST_OK);
        if (c.first_bad_id != cases[i].first_bad || c.events != cases[i].events)
            fail_msg("\"%s\": first bad %lld of %lld, expected %lld of %lld", cases[i].sql,
                     (long long)c.first_bad_id, (long long)c.events, (long long)cases[i].first_bad,
                     (long long)cases[i].events);
    }
}

static int
rehash_three(void *ctx, const struct db_audit *e)
{
    struct db_audit *out = ctx;

    if (e->id == 3)
        *out = *e;
    return 0;
}

static void
test_tamper_rehashed(void **state)
{
    struct testdb *t = *state;
    struct audit_check c, before;
    struct db_audit e;
    char sql[256];

    write_five(t);
    /* Someone who changes event 3 and recomputes its hash still breaks the link from 4. */
    assert_int_equal(testdb_exec(t, "UPDATE audit SET action = 'patient.read' WHERE id = 3"), 0);
    memset(&e, 0, sizeof(e));
    assert_int_equal(db_audit_scan(t->db, rehash_three, &e), ST_OK);
    assert_int_equal(e.id, 3);
    audit_hash(&e, e.hash);
    snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = 3", e.hash);
    assert_int_equal(testdb_exec(t, sql), 0);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 4);

    /* Cutting off the newest event leaves an intact chain with another head: only a recorded
     * head hash shows it. */
    assert_int_equal(testdb_exec(t, "DELETE FROM audit"), 0);
    write_five(t);
    assert_int_equal(audit_verify(t->db, &before), ST_OK);
    assert_int_equal(before.first_bad_id, 0);
    assert_int_equal(testdb_exec(t, "DELETE FROM audit WHERE id = 5"), 0);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 0);
    assert_int_equal(c.events, 4);
    assert_string_not_equal(c.head_hash, before.head_hash);
}

static void
test_queue(void **state)
{
    struct testdb *t = *state;
    struct actor reader, writer;
    struct audit_check c;
    struct fail f;
    char id[24], sql[128];

    actor(&reader, 2, "doctor1", ROLE_DOCTOR);
    actor(&writer, 1, "admin1", ROLE_ADMIN);

    /* Without a running queue a read event is dropped, and flushing or stopping is harmless. */
    audit_read(&reader, "patient.read", "patient", "1");
    assert_int_equal(audit_queue_flush(), ST_OK);
    audit_queue_stop();
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit"), 0);

    assert_int_equal(audit_queue_start(t->path, &f), ST_OK);
    /* Starting twice keeps the one writer. */
    assert_int_equal(audit_queue_start(t->path, &f), ST_OK);
    for (int i = 1; i <= 300; i++) {
        snprintf(id, sizeof(id), "%d", i);
        audit_read(&reader, "patient.read", "patient", id);
        /* Writes on another connection interleave with the queue's batches. */
        if (i % 100 == 0) {
            assert_int_equal(db_begin_write(t->db), ST_OK);
            assert_int_equal(audit_write(t->db, &writer, "patient.update", "patient", id), ST_OK);
            assert_int_equal(db_commit(t->db), ST_OK);
        }
    }
    assert_int_equal(audit_queue_flush(), ST_OK);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'patient.read'"),
                     300);
    assert_int_equal(testdb_int(t, "SELECT count(DISTINCT entity_id) FROM audit"
                                   " WHERE action = 'patient.read'"),
                     300);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'patient.update'"),
                     3);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE username = 'doctor1' AND user_id = 2"
             " AND roles = 'doctor' AND remote = '192.0.2.7'");
    assert_int_equal(testdb_int(t, sql), 300);
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.events, 303);
    assert_int_equal(c.first_bad_id, 0);

    /* Stopping writes what is still queued. */
    audit_read(&reader, "patient.history", "patient", "7");
    audit_queue_stop();
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'patient.history'"),
                     1);
    audit_queue_stop();
    audit_read(&reader, "patient.history", "patient", "8");
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit"), 304);

    /* The queue starts again after a stop. */
    assert_int_equal(audit_queue_start(t->path, &f), ST_OK);
    audit_read(&reader, "patient.list", "patient", "");
    assert_int_equal(audit_queue_flush(), ST_OK);
    audit_queue_stop();
    assert_int_equal(audit_verify(t->db, &c), ST_OK);
    assert_int_equal(c.events, 305);
    assert_int_equal(c.first_bad_id, 0);
}

static void
test_queue_missing_db(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    char path[160];

    snprintf(path, sizeof(path), "%s/missing.db", t->dir);
    fail_clear(&f);
    assert_int_equal(audit_queue_start(path, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    /* Nothing is running: reads are dropped, stop is harmless. */
    audit_queue_stop();
    assert_int_equal(audit_queue_flush(), ST_OK);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, testdb_test_setup, testdb_test_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actor_cli),
        cmocka_unit_test(test_hash),
        T(test_write_verify),
        T(test_write_rolled_back),
        T(test_detail_too_long),
        T(test_tamper),
        T(test_tamper_rehashed),
        T(test_queue),
        T(test_queue_missing_db),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
