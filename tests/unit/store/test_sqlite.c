/* Unit tests of src/store/sqlite.c: every store function against a real, freshly migrated
 * SQLite file in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/db.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- connection and schema ---- */

static void
test_open_migrate(void **state)
{
    struct testdb *t = *state;
    char path[160];
    struct db *db = (struct db *)&path; /* any non-NULL value: a failed open must reset it */
    struct fail f;
    int applied = -1, version = -1;

    fail_clear(&f);
    snprintf(path, sizeof(path), "%s/missing.db", t->dir);
    assert_int_equal(db_open(path, false, &db, &f), ST_NOT_FOUND);
    assert_null(db);
    assert_string_equal(f.code, "not_found");

    snprintf(path, sizeof(path), "%s/fresh.db", t->dir);
    assert_int_equal(db_open(path, true, &db, &f), ST_OK);
    assert_int_equal(db_schema_version(db, &version), ST_OK);
    assert_int_equal(version, 0);
    assert_int_equal(db_migrate(db, &applied, &version, &f), ST_OK);
    assert_int_equal(applied, db_schema_latest());
    assert_int_equal(version, db_schema_latest());
    assert_true(db_schema_latest() >= 1);
    /* A second run has nothing left to do. */
    assert_int_equal(db_migrate(db, &applied, &version, &f), ST_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(version, db_schema_latest());
    assert_int_equal(db_schema_version(db, &version), ST_OK);
    assert_int_equal(version, db_schema_latest());
    db_close(db);

    /* Reopening without `create` finds the file and its schema. */
    assert_int_equal(db_open(path, false, &db, &f), ST_OK);
    assert_int_equal(db_schema_version(db, &version), ST_OK);
    assert_int_equal(version, db_schema_latest());
    db_close(db);
    db_close(NULL);
}

static void
test_migrate_too_new(void **state)
{
    struct testdb *t = *state;
    struct fail f;
    char sql[64];
    int applied = -1, version = -1;

    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", db_schema_latest() + 1);
    assert_int_equal(testdb_exec(t, sql), 0);
    fail_clear(&f);
    assert_int_equal(db_migrate(t->db, &applied, &version, &f), ST_CONFLICT);
    assert_string_equal(f.code, "too_new");
    assert_int_equal(applied, 0);
    assert_int_equal(version, 0);
}

static void
test_rollback(void **state)
{
    struct testdb *t = *state;
    struct db_user u = {.roles = 1, .created_ms = 1};
    int64_t n = -1, seq = 0, room = 0;

    /* Rolling back with no transaction open is harmless. */
    db_rollback(t->db);
    db_rollback(NULL);

    assert_int_equal(db_begin_write(t->db), ST_OK);
    snprintf(u.username, sizeof(u.username), "ghost");
    snprintf(u.password_hash, sizeof(u.password_hash), "h");
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    assert_int_equal(db_patient_next_seq(t->db, &seq), ST_OK);
    assert_int_equal(db_room_insert(t->db, "Room", "treatment", &room), ST_OK);
    assert_int_equal(db_user_count(t->db, &n), ST_OK);
    assert_int_equal(n, 1);
    db_rollback(t->db);

    assert_int_equal(db_user_count(t->db, &n), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(db_room_count(t->db, &n), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM users"), 0);
    /* The sequence did not move either: the next number is the first one again. */
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(db_patient_next_seq(t->db, &n), ST_OK);
    assert_int_equal(n, seq);
    assert_int_equal(db_commit(t->db), ST_OK);
}

static void
test_read_snapshot(void **state)
{
    struct testdb *t = *state;
    struct db *other = NULL;
    struct db_user u = {.roles = 1, .created_ms = 1};
    struct fail f;
    int64_t n;

    assert_int_equal(db_open(t->path, false, &other, &f), ST_OK);
    assert_int_equal(db_begin_write(t->db), ST_OK);
    snprintf(u.username, sizeof(u.username), "pending");
    snprintf(u.password_hash, sizeof(u.password_hash), "h");
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    /* A reader on another connection sees the last committed state, not the pending write. */
    assert_int_equal(db_begin_read(other), ST_OK);
    assert_int_equal(db_user_count(other, &n), ST_OK);
    assert_int_equal(n, 0);
    db_rollback(other);
    db_rollback(t->db);
    assert_string_equal(db_errmsg(NULL), "no connection");
    assert_non_null(db_errmsg(t->db));
    db_close(other);
}

/* ---- users ---- */

static void
make_user(struct db_user *u, const char *name, const char *display, unsigned roles)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    u->display_name = (char *)display;
    snprintf(u->password_hash, sizeof(u->password_hash), "hash-of-%s", name);
    u->roles = roles;
    u->created_ms = 1700000000000;
}

struct names {
    char seen[8][40];
    int n;
    int stop_after;
};

static int
collect_user(void *ctx, const struct db_user *u)
{
    struct names *c = ctx;

    if (c->n < 8)
        snprintf(c->seen[c->n], sizeof(c->seen[0]), "%s", u->username);
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static void
test_users(void **state)
{
    struct testdb *t = *state;
    struct db_user u, got;
    struct names c = {0};
    int64_t n = -1, id_nurse;

    make_user(&u, "nurse1", "Demo Nurse", 4);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    assert_true(u.id > 0);
    id_nurse = u.id;
    make_user(&u, "admin1", NULL, 1 | 2);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    make_user(&u, "doctor1", "Demo Doctor", 2);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);

    /* The username is unique. */
    make_user(&u, "nurse1", "Someone Else", 8);
    assert_int_equal(db_user_insert(t->db, &u), ST_CONFLICT);
    /* The schema refuses a user without a role. */
    make_user(&u, "norole", NULL, 0);
    assert_int_equal(db_user_insert(t->db, &u), ST_CONFLICT);

    assert_int_equal(db_user_count(t->db, &n), ST_OK);
    assert_int_equal(n, 3);

    assert_int_equal(db_user_get(t->db, id_nurse, &got), ST_OK);
    assert_int_equal(got.id, id_nurse);
    assert_string_equal(got.username, "nurse1");
    assert_string_equal(got.display_name, "Demo Nurse");
    assert_string_equal(got.password_hash, "hash-of-nurse1");
    assert_int_equal(got.roles, 4);
    assert_false(got.disabled);
    assert_int_equal(got.created_ms, 1700000000000);
    db_user_release(&got);
    assert_null(got.display_name);
    db_user_release(NULL);

    /* Without a display name the username stands in. */
    assert_int_equal(db_user_by_name(t->db, "admin1", &got), ST_OK);
    assert_string_equal(got.display_name, "admin1");
    assert_int_equal(got.roles, 3);
    db_user_release(&got);

    assert_int_equal(db_user_by_name(t->db, "nobody", &got), ST_NOT_FOUND);
    assert_int_equal(got.id, 0);
    assert_null(got.display_name);
    assert_int_equal(db_user_get(t->db, 9999, &got), ST_NOT_FOUND);

    /* Update writes display name, hash, roles and disabled. */
    make_user(&u, "nurse1", "Head Nurse", 4 | 8);
    u.id = id_nurse;
    snprintf(u.password_hash, sizeof(u.password_hash), "new-hash");
    u.disabled = true;
    assert_int_equal(db_user_update(t->db, &u), ST_OK);
    assert_int_equal(db_user_get(t->db, id_nurse, &got), ST_OK);
    assert_string_equal(got.display_name, "Head Nurse");
    assert_string_equal(got.password_hash, "new-hash");
    assert_int_equal(got.roles, 12);
    assert_true(got.disabled);
    assert_string_equal(got.username, "nurse1");
    db_user_release(&got);
    u.id = 9999;
    assert_int_equal(db_user_update(t->db, &u), ST_NOT_FOUND);

    /* Listed by username; a non-zero callback return stops and comes back. */
    assert_int_equal(db_user_list(t->db, collect_user, &c), ST_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.seen[0], "admin1");
    assert_string_equal(c.seen[1], "doctor1");
    assert_string_equal(c.seen[2], "nurse1");
    memset(&c, 0, sizeof(c));
    c.stop_after = 2;
    assert_int_equal(db_user_list(t->db, collect_user, &c), 42);
    assert_int_equal(c.n, 2);
}

/* ---- sessions ---- */

static void
make_session(struct db_session *s, const char *hash, int64_t user_id, int64_t created, int64_t seen)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->token_hash, sizeof(s->token_hash), "%s", hash);
    snprintf(s->csrf_token, sizeof(s->csrf_token), "csrf-%s", hash);
    s->user_id = user_id;
    s->created_ms = created;
    s->last_seen_ms = seen;
}

static void
test_sessions(void **state)
{
    struct testdb *t = *state;
    struct db_user u;
    struct db_session s, got;
    int64_t uid, uid2;

    make_user(&u, "doctor1", NULL, 2);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    uid = u.id;
    make_user(&u, "nurse1", NULL, 4);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    uid2 = u.id;

    make_session(&s, "aaaa", uid, 1000, 1000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    assert_int_equal(db_session_insert(t->db, &s), ST_CONFLICT);
    make_session(&s, "bbbb", uid, 2000, 5000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    make_session(&s, "cccc", uid2, 3000, 3000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    /* A session of a user that does not exist breaks the foreign key. */
    make_session(&s, "dddd", 9999, 3000, 3000);
    assert_int_equal(db_session_insert(t->db, &s), ST_CONFLICT);

    assert_int_equal(db_session_get(t->db, "aaaa", &got), ST_OK);
    assert_string_equal(got.token_hash, "aaaa");
    assert_string_equal(got.csrf_token, "csrf-aaaa");
    assert_int_equal(got.user_id, uid);
    assert_int_equal(got.created_ms, 1000);
    assert_int_equal(got.last_seen_ms, 1000);
    assert_int_equal(db_session_get(t->db, "zzzz", &got), ST_NOT_FOUND);
    assert_int_equal(got.user_id, 0);

    assert_int_equal(db_session_touch(t->db, "aaaa", 7000), ST_OK);
    assert_int_equal(db_session_get(t->db, "aaaa", &got), ST_OK);
    assert_int_equal(got.last_seen_ms, 7000);
    assert_int_equal(got.created_ms, 1000);

    assert_int_equal(db_session_delete(t->db, "aaaa"), ST_OK);
    assert_int_equal(db_session_get(t->db, "aaaa", &got), ST_NOT_FOUND);
    assert_int_equal(db_session_get(t->db, "bbbb", &got), ST_OK);

    /* Purge: bbbb was seen at 5000 (kept with idle bound 4000) but created at 2000; cccc
     * was seen at 3000. Idle bound alone removes cccc. */
    assert_int_equal(db_session_purge(t->db, 4000, 0), ST_OK);
    assert_int_equal(db_session_get(t->db, "cccc", &got), ST_NOT_FOUND);
    assert_int_equal(db_session_get(t->db, "bbbb", &got), ST_OK);
    /* The creation bound removes bbbb although it was seen recently. */
    assert_int_equal(db_session_purge(t->db, 0, 2001), ST_OK);
    assert_int_equal(db_session_get(t->db, "bbbb", &got), ST_NOT_FOUND);

    make_session(&s, "eeee", uid, 1000, 1000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    make_session(&s, "ffff", uid, 1000, 1000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    make_session(&s, "gggg", uid2, 1000, 1000);
    assert_int_equal(db_session_insert(t->db, &s), ST_OK);
    assert_int_equal(db_session_delete_user(t->db, uid), ST_OK);
    assert_int_equal(db_session_get(t->db, "eeee", &got), ST_NOT_FOUND);
    assert_int_equal(db_session_get(t->db, "ffff", &got), ST_NOT_FOUND);
    assert_int_equal(db_session_get(t->db, "gggg", &got), ST_OK);
}

/* ---- patients ---- */

/* Four invented patients whose every sort key differs, so each sort has one right order. */
static const struct sample {
    const char *given, *family, *given_ar, *family_ar;
    const char *search, *sort_family, *sort_given;
    const char *mrn, *dob, *phone;
    int64_t created, updated;
} samples[] = {
    {"Layla", "Haddad", "ليلى", "حداد", "layla haddad ليلي حداد", "haddad", "layla", "10000013",
     "1988-04-12", "+971501234567", 3000, 9000},
    {"Omar", "Khoury", NULL, NULL, "omar khoury", "khoury", "omar", "10000024", "1975-01-30",
     "+971551112222", 1000, 8000},
    {NULL, NULL, "فاطمة", "ناصر", "فاطمه ناصر", "ناصر", "فاطمه", "10000002", "1990-12-01", NULL,
     4000, 7000},
    {"Ahmad", "Aziz", "أحمد", "عزيز", "ahmad aziz احمد عزيز", "aziz", "ahmad", "10000035",
     "2001-06-15", "+201001234567", 2000, 10000},
};

static char *
dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void
sample_patient(const struct sample *s, struct db_patient *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->mrn, sizeof(p->mrn), "%s", s->mrn);
    p->version = 1;
    p->given_name = dup_or_null(s->given);
    p->family_name = dup_or_null(s->family);
    p->given_name_ar = dup_or_null(s->given_ar);
    p->family_name_ar = dup_or_null(s->family_ar);
    snprintf(p->date_of_birth, sizeof(p->date_of_birth), "%s", s->dob);
    snprintf(p->sex, sizeof(p->sex), "female");
    p->phone = dup_or_null(s->phone);
    snprintf(p->preferred_language, sizeof(p->preferred_language), "ar");
    p->notes = strdup("invented test patient");
    p->created_ms = s->created;
    p->updated_ms = s->updated;
}

static int64_t ids[N(samples)];

static void
insert_samples(struct testdb *t)
{
    struct db_patient p;

    assert_int_equal(db_begin_write(t->db), ST_OK);
    for (size_t i = 0; i < N(samples); i++) {
        struct db_patient_keys k = {samples[i].search, samples[i].sort_family,
                                    samples[i].sort_given};
        sample_patient(&samples[i], &p);
        assert_int_equal(db_patient_insert(t->db, &p, &k), ST_OK);
        assert_true(p.id > 0);
        ids[i] = p.id;
        db_patient_release(&p);
    }
    assert_int_equal(db_commit(t->db), ST_OK);
}

struct found {
    int64_t ids[16];
    int n;
};

static int
collect_patient(void *ctx, const struct db_patient *p)
{
    struct found *c = ctx;

    if (c->n < 16)
        c->ids[c->n] = p->id;
    c->n++;
    return 0;
}

/* The sample indexes a query returns, as a string such as "2,0,1" (easy to compare). */
static void
list_indexes(struct testdb *t, const struct db_patient_query *q, char *out, size_t cap)
{
    struct found c = {0};
    size_t len = 0;

    out[0] = '\0';
    assert_int_equal(db_patient_list(t->db, q, collect_patient, &c), ST_OK);
    for (int i = 0; i < c.n && i < 16; i++) {
        int idx = -1;
        for (size_t j = 0; j < N(samples); j++)
            if (ids[j] == c.ids[i])
                idx = (int)j;
        len += (size_t)snprintf(out + len, cap - len, "%s%d", i ? "," : "", idx);
        assert_true(len < cap);
    }
}

static void
test_patient_insert_get_update(void **state)
{
    struct testdb *t = *state;
    struct db_patient p, got;
    struct db_patient_keys k = {"layla nasser", "nasser", "layla"};
    int64_t seq1 = 0, seq2 = 0;

    insert_samples(t);
    assert_int_equal(db_patient_get(t->db, ids[0], &got), ST_OK);
    assert_int_equal(got.id, ids[0]);
    assert_string_equal(got.mrn, "10000013");
    assert_int_equal(got.version, 1);
    assert_string_equal(got.given_name, "Layla");
    assert_string_equal(got.family_name, "Haddad");
    assert_string_equal(got.given_name_ar, "ليلى");
    assert_string_equal(got.family_name_ar, "حداد");
    assert_string_equal(got.date_of_birth, "1988-04-12");
    assert_string_equal(got.sex, "female");
    assert_string_equal(got.phone, "+971501234567");
    assert_null(got.email);
    assert_string_equal(got.preferred_language, "ar");
    assert_null(got.address);
    assert_null(got.emergency_contact_name);
    assert_null(got.emergency_contact_phone);
    assert_string_equal(got.notes, "invented test patient");
    assert_int_equal(got.created_ms, 3000);
    assert_int_equal(got.updated_ms, 9000);
    assert_false(got.deleted);
    db_patient_release(&got);
    db_patient_release(NULL);
    assert_int_equal(db_patient_get(t->db, 9999, &got), ST_NOT_FOUND);
    assert_null(got.given_name);

    /* The MRN is unique. */
    sample_patient(&samples[0], &p);
    assert_int_equal(db_patient_insert(t->db, &p, &k), ST_CONFLICT);
    db_patient_release(&p);

    /* An update overwrites fields, version and updated_at, and the search index. */
    sample_patient(&samples[0], &p);
    p.id = ids[0];
    p.version = 2;
    free(p.family_name);
    p.family_name = strdup("Nasser");
    free(p.phone);
    p.phone = NULL;
    p.email = strdup("layla@example.invalid");
    p.updated_ms = 12000;
    assert_int_equal(db_patient_update(t->db, &p, &k), ST_OK);
    db_patient_release(&p);
    assert_int_equal(db_patient_get(t->db, ids[0], &got), ST_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.family_name, "Nasser");
    assert_null(got.phone);
    assert_string_equal(got.email, "layla@example.invalid");
    assert_int_equal(got.updated_ms, 12000);
    assert_int_equal(got.created_ms, 3000);
    assert_string_equal(got.mrn, "10000013");
    db_patient_release(&got);

    sample_patient(&samples[0], &p);
    p.id = 9999;
    assert_int_equal(db_patient_update(t->db, &p, &k), ST_NOT_FOUND);
    db_patient_release(&p);

    /* The sequence counts up from its start. */
    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(db_patient_next_seq(t->db, &seq1), ST_OK);
    assert_int_equal(db_patient_next_seq(t->db, &seq2), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    assert_int_equal(seq1, 1000001);
    assert_int_equal(seq2, 1000002);
}

static void
test_patient_sorts(void **state)
{
    static const struct {
        enum db_patient_sort sort;
        const char *asc; /* sample indexes in ascending order */
        const char *desc;
    } cases[] = {
        {DB_SORT_FAMILY_NAME, "3,0,1,2", "2,1,0,3"}, {DB_SORT_GIVEN_NAME, "3,0,1,2", "2,1,0,3"},
        {DB_SORT_MRN, "2,0,1,3", "3,1,0,2"},         {DB_SORT_DATE_OF_BIRTH, "1,0,2,3", "3,2,0,1"},
        /* Registration order is insertion order (the id), whatever created_ms says. */
        {DB_SORT_CREATED, "0,1,2,3", "3,2,1,0"},     {DB_SORT_UPDATED, "2,1,0,3", "3,0,1,2"},
    };
    struct testdb *t = *state;
    char got[64];

    insert_samples(t);
    for (size_t i = 0; i < N(cases); i++) {
        struct db_patient_query q = {.sort = cases[i].sort, .limit = 50};
        list_indexes(t, &q, got, sizeof(got));
        if (strcmp(got, cases[i].asc) != 0)
            fail_msg("sort %d asc: got %s, expected %s", (int)cases[i].sort, got, cases[i].asc);
        q.descending = true;
        list_indexes(t, &q, got, sizeof(got));
        if (strcmp(got, cases[i].desc) != 0)
            fail_msg("sort %d desc: got %s, expected %s", (int)cases[i].sort, got, cases[i].desc);
    }
    /* A sort value out of range falls back to the family name. */
    struct db_patient_query q = {.sort = (enum db_patient_sort)99, .limit = 50};
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "3,0,1,2");

    /* Paging: limit and offset cut the ordered list. */
    q = (struct db_patient_query){.sort = DB_SORT_MRN, .limit = 2, .offset = 1};
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "0,1");
    q.offset = 3;
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "3");
    q.offset = 4;
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "");
}

static void
test_patient_search(void **state)
{
    static const struct {
        const char *words;  /* folded name words, or NULL */
        const char *digits; /* or digits */
        const char *expect;
    } cases[] = {
        {"layla", NULL, "0"},
        {"lay", NULL, "0"},
        {"l", NULL, "0"},
        {"haddad layla", NULL, "0"},
        {"  lay   had  ", NULL, "0"},
        {"layla khoury", NULL, ""}, /* every word must match the same patient */
        {"ayla", NULL, ""},         /* prefixes only, not infixes */
        {"a", NULL, "3"},
        {"ليلي", NULL, "0"},
        {"حد", NULL, "0"},
        {"احمد aziz", NULL, "3"},
        {"فاطمه ناصر", NULL, "2"},
        {"omar", NULL, "1"},
        {"o\"mar", NULL, ""}, /* a quote is a literal character, not FTS syntax */
        {"omar OR layla", NULL, ""},
        {"NEAR(omar", NULL, ""},
        {"*", NULL, ""},
        {NULL, "10000013", "0"},
        {NULL, "1000001", ""}, /* an MRN matches whole, never by prefix */
        {NULL, "10000002", "2"},
        {NULL, "971", "0,1"},
        {NULL, "97155", "1"},
        {NULL, "971501234567", "0"},
        {NULL, "9715012345678", ""},
        {NULL, "20", "3"},
        {NULL, "71", ""}, /* a phone matches from its start only */
    };
    struct testdb *t = *state;
    char got[64];

    insert_samples(t);
    for (size_t i = 0; i < N(cases); i++) {
        struct db_patient_query q = {
            .limit = 50, .name_words = cases[i].words, .digits = cases[i].digits};
        list_indexes(t, &q, got, sizeof(got));
        if (strcmp(got, cases[i].expect) != 0)
            fail_msg("case %zu (%s): got \"%s\", expected \"%s\"", i,
                     cases[i].words ? cases[i].words : cases[i].digits, got, cases[i].expect);
    }
}

static void
test_patient_delete_counts(void **state)
{
    struct testdb *t = *state;
    struct db_patient got;
    int64_t n = -1;
    char list[64];

    assert_int_equal(db_patient_count(t->db, false, &n), ST_OK);
    assert_int_equal(n, 0);
    insert_samples(t);
    assert_int_equal(db_patient_count(t->db, false, &n), ST_OK);
    assert_int_equal(n, 4);
    assert_int_equal(db_patient_count(t->db, true, &n), ST_OK);
    assert_int_equal(n, 4);

    assert_int_equal(db_begin_write(t->db), ST_OK);
    assert_int_equal(db_patient_mark_deleted(t->db, ids[0], 2, 20000), ST_OK);
    assert_int_equal(db_commit(t->db), ST_OK);
    /* Deleting twice finds nothing to delete and leaves the counts alone. */
    assert_int_equal(db_patient_mark_deleted(t->db, ids[0], 3, 21000), ST_NOT_FOUND);
    assert_int_equal(db_patient_mark_deleted(t->db, 9999, 2, 21000), ST_NOT_FOUND);

    assert_int_equal(db_patient_count(t->db, false, &n), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(db_patient_count(t->db, true, &n), ST_OK);
    assert_int_equal(n, 4);

    /* Every value is kept. */
    assert_int_equal(db_patient_get(t->db, ids[0], &got), ST_OK);
    assert_true(got.deleted);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.updated_ms, 20000);
    assert_string_equal(got.given_name, "Layla");
    db_patient_release(&got);

    /* Gone from the list, the name index and the number search unless asked for. */
    struct db_patient_query q = {.sort = DB_SORT_MRN, .limit = 50};
    list_indexes(t, &q, list, sizeof(list));
    assert_string_equal(list, "2,1,3");
    q.include_deleted = true;
    list_indexes(t, &q, list, sizeof(list));
    assert_string_equal(list, "2,0,1,3");
    q = (struct db_patient_query){.limit = 50, .name_words = "layla"};
    list_indexes(t, &q, list, sizeof(list));
    assert_string_equal(list, "");
    q = (struct db_patient_query){.limit = 50, .digits = "10000013"};
    list_indexes(t, &q, list, sizeof(list));
    assert_string_equal(list, "");
    q.include_deleted = true;
    list_indexes(t, &q, list, sizeof(list));
    assert_string_equal(list, "0");

    /* A deleted patient cannot be updated. */
    struct db_patient p;
    struct db_patient_keys k = {"x", "x", "x"};
    sample_patient(&samples[0], &p);
    p.id = ids[0];
    assert_int_equal(db_patient_update(t->db, &p, &k), ST_NOT_FOUND);
    db_patient_release(&p);
}

/* ---- versions ---- */

struct versions {
    int64_t version[8];
    char action[8][8];
    char username[8][40];
    char reason[8][40];
    int n;
};

static int
collect_version(void *ctx, const struct db_patient_version *v)
{
    struct versions *c = ctx;

    if (c->n < 8) {
        c->version[c->n] = v->version;
        snprintf(c->action[c->n], sizeof(c->action[0]), "%s", v->action);
        snprintf(c->username[c->n], sizeof(c->username[0]), "%s",
                 v->username ? v->username : "(none)");
        snprintf(c->reason[c->n], sizeof(c->reason[0]), "%s", v->reason ? v->reason : "(none)");
        assert_non_null(v->changes_json);
        assert_non_null(v->snapshot_json);
    }
    c->n++;
    return 0;
}

static void
test_versions(void **state)
{
    struct testdb *t = *state;
    struct db_user u;
    struct versions c = {0};

    insert_samples(t);
    make_user(&u, "reception1", "Front Desk", 8);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);

    struct db_patient_version v = {.patient_id = ids[1],
                                   .version = 1,
                                   .action = "create",
                                   .user_id = 0,
                                   .at_ms = 1000,
                                   .changes_json = "{}",
                                   .snapshot_json = "{\"v\":1}"};
    assert_int_equal(db_patient_version_insert(t->db, &v), ST_OK);
    v.version = 3;
    v.action = "delete";
    v.user_id = u.id;
    v.reason = "registered twice";
    assert_int_equal(db_patient_version_insert(t->db, &v), ST_OK);
    v.version = 2;
    v.action = "update";
    v.reason = NULL;
    v.changes_json = "{\"phone\":{\"from\":null,\"to\":\"+971501111111\"}}";
    assert_int_equal(db_patient_version_insert(t->db, &v), ST_OK);
    /* One row per version; the action is one of three words. */
    assert_int_equal(db_patient_version_insert(t->db, &v), ST_CONFLICT);
    v.version = 4;
    v.action = "merge";
    assert_int_equal(db_patient_version_insert(t->db, &v), ST_CONFLICT);

    assert_int_equal(db_patient_versions(t->db, ids[1], collect_version, &c), ST_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.version[0], 3);
    assert_int_equal(c.version[1], 2);
    assert_int_equal(c.version[2], 1);
    assert_string_equal(c.action[0], "delete");
    assert_string_equal(c.action[1], "update");
    assert_string_equal(c.action[2], "create");
    assert_string_equal(c.username[0], "reception1");
    assert_string_equal(c.username[2], "(none)");
    assert_string_equal(c.reason[0], "registered twice");
    assert_string_equal(c.reason[1], "(none)");

    memset(&c, 0, sizeof(c));
    assert_int_equal(db_patient_versions(t->db, ids[0], collect_version, &c), ST_OK);
    assert_int_equal(c.n, 0);
}

/* ---- audit ---- */

static void
make_event(struct db_audit *e, int64_t id, int64_t at, const char *user, const char *action,
           const char *entity, const char *entity_id)
{
    memset(e, 0, sizeof(*e));
    e->id = id;
    e->at_ms = at;
    snprintf(e->username, sizeof(e->username), "%s", user);
    snprintf(e->roles, sizeof(e->roles), "admin");
    snprintf(e->action, sizeof(e->action), "%s", action);
    snprintf(e->entity, sizeof(e->entity), "%s", entity);
    snprintf(e->entity_id, sizeof(e->entity_id), "%s", entity_id);
    snprintf(e->remote, sizeof(e->remote), "127.0.0.1");
    snprintf(e->request_id, sizeof(e->request_id), "req-%lld", (long long)id);
    snprintf(e->prev_hash, sizeof(e->prev_hash), "prev-%lld", (long long)id);
    snprintf(e->hash, sizeof(e->hash), "hash-%lld", (long long)id);
}

struct events {
    char ids[128];
    size_t len;
};

static int
collect_event(void *ctx, const struct db_audit *e)
{
    struct events *c = ctx;

    c->len += (size_t)snprintf(c->ids + c->len, sizeof(c->ids) - c->len, "%s%lld",
                               c->len ? "," : "", (long long)e->id);
    assert_true(c->len < sizeof(c->ids));
    return 0;
}

static void
test_audit(void **state)
{
    static const struct {
        const char *user, *action, *entity, *entity_id;
        int64_t at;
    } rows[] = {
        {"admin", "session.login", "user", "", 1000},
        {"reception1", "patient.create", "patient", "1", 2000},
        {"reception1", "patient.read", "patient", "1", 3000},
        {"doctor1", "patient.read", "patient", "2", 4000},
        {"admin", "patient.delete", "patient", "1", 5000},
        {"doctor1", "patient.read", "patient", "1", 6000},
    };
    static const struct {
        struct db_audit_filter f;
        const char *expect;
    } cases[] = {
        {{.limit = 100}, "6,5,4,3,2,1"},
        {{.limit = 2}, "6,5"},
        {{.limit = 100, .before_id = 4}, "3,2,1"},
        {{.limit = 2, .before_id = 4}, "3,2"},
        {{.limit = 100, .username = "reception1"}, "3,2"},
        {{.limit = 100, .action = "patient.read"}, "6,4,3"},
        {{.limit = 100, .entity = "user"}, "1"},
        {{.limit = 100, .entity = "patient", .entity_id = "1"}, "6,5,3,2"},
        {{.limit = 100, .entity_id = "2"}, "4"},
        {{.limit = 100, .from_ms = 3000}, "6,5,4,3"},
        {{.limit = 100, .to_ms = 3000}, "3,2,1"},
        {{.limit = 100, .from_ms = 2000, .to_ms = 4000}, "4,3,2"},
        {{.limit = 100, .username = "doctor1", .action = "patient.read", .entity_id = "1"}, "6"},
        {{.limit = 100, .username = "nobody"}, ""},
        {{.limit = 100, .username = "' OR 1=1 --"}, ""},
    };
    struct testdb *t = *state;
    struct db_audit e;
    struct events c;
    int64_t tail = -1;
    char hash[65] = "x";

    assert_int_equal(db_audit_tail(t->db, &tail, hash), ST_OK);
    assert_int_equal(tail, 0);
    assert_string_equal(hash, "");

    for (size_t i = 0; i < N(rows); i++) {
        make_event(&e, (int64_t)i + 1, rows[i].at, rows[i].user, rows[i].action, rows[i].entity,
                   rows[i].entity_id);
        assert_int_equal(db_audit_insert(t->db, &e), ST_OK);
    }
    /* Ids are the caller's: one cannot be used twice. */
    make_event(&e, 3, 1, "x", "x", "x", "x");
    assert_int_equal(db_audit_insert(t->db, &e), ST_CONFLICT);

    assert_int_equal(db_audit_tail(t->db, &tail, hash), ST_OK);
    assert_int_equal(tail, 6);
    assert_string_equal(hash, "hash-6");

    for (size_t i = 0; i < N(cases); i++) {
        memset(&c, 0, sizeof(c));
        assert_int_equal(db_audit_list(t->db, &cases[i].f, collect_event, &c), ST_OK);
        if (strcmp(c.ids, cases[i].expect) != 0)
            fail_msg("filter %zu: got \"%s\", expected \"%s\"", i, c.ids, cases[i].expect);
    }

    memset(&c, 0, sizeof(c));
    assert_int_equal(db_audit_scan(t->db, collect_event, &c), ST_OK);
    assert_string_equal(c.ids, "1,2,3,4,5,6");
}

static int
check_event_two(void *ctx, const struct db_audit *e)
{
    (void)ctx;
    if (e->id != 2)
        return 0;
    assert_int_equal(e->at_ms, 2000);
    assert_int_equal(e->user_id, 0);
    assert_string_equal(e->username, "reception1");
    assert_string_equal(e->roles, "admin");
    assert_string_equal(e->action, "patient.create");
    assert_string_equal(e->entity, "patient");
    assert_string_equal(e->entity_id, "1");
    assert_string_equal(e->remote, "127.0.0.1");
    assert_string_equal(e->request_id, "req-2");
    assert_string_equal(e->prev_hash, "prev-2");
    assert_string_equal(e->hash, "hash-2");
    return 7;
}

static void
test_audit_fields(void **state)
{
    struct testdb *t = *state;
    struct db_audit e;
    struct db_user u;

    make_user(&u, "reception1", NULL, 8);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    make_event(&e, 1, 1000, "reception1", "session.login", "user", "");
    e.user_id = u.id;
    assert_int_equal(db_audit_insert(t->db, &e), ST_OK);
    make_event(&e, 2, 2000, "reception1", "patient.create", "patient", "1");
    assert_int_equal(db_audit_insert(t->db, &e), ST_OK);
    /* Every column comes back; a callback's non-zero return stops the scan and is returned. */
    assert_int_equal(db_audit_scan(t->db, check_event_two, NULL), 7);
    assert_int_equal(testdb_int(t, "SELECT user_id FROM audit WHERE id = 1"), u.id);
    assert_int_equal(testdb_int(t, "SELECT user_id IS NULL FROM audit WHERE id = 2"), 1);
}

/* ---- backup ---- */

static void
test_backup(void **state)
{
    struct testdb *t = *state;
    struct testdb copy;
    struct db_user u;
    struct db_audit e;
    struct fail f;
    int64_t n = -1;
    int version = -1;

    insert_samples(t);
    make_user(&u, "admin1", NULL, 1);
    assert_int_equal(db_user_insert(t->db, &u), ST_OK);
    make_event(&e, 1, 1000, "admin1", "session.login", "user", "");
    assert_int_equal(db_audit_insert(t->db, &e), ST_OK);
    assert_int_equal(db_room_insert(t->db, "Treatment room 1", "treatment", &n), ST_OK);
    assert_true(n > 0);

    memset(&copy, 0, sizeof(copy));
    snprintf(copy.dir, sizeof(copy.dir), "%s", t->dir);
    snprintf(copy.path, sizeof(copy.path), "%s/backup.db", t->dir);
    assert_int_equal(db_backup(t->db, copy.path, &f), ST_OK);

    assert_int_equal(db_open(copy.path, false, &copy.db, &f), ST_OK);
    assert_int_equal(db_schema_version(copy.db, &version), ST_OK);
    assert_int_equal(version, db_schema_latest());
    assert_int_equal(db_user_count(copy.db, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_patient_count(copy.db, true, &n), ST_OK);
    assert_int_equal(n, 4);
    assert_int_equal(db_room_count(copy.db, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(testdb_int(&copy, "SELECT count(*) FROM audit"), 1);
    assert_int_equal(testdb_int(&copy, "SELECT count(*) FROM patient_search"), 4);
    /* The same rows, not only the same number of them. */
    char got[64];
    struct db *orig = t->db;
    t->db = copy.db;
    struct db_patient_query q = {.sort = DB_SORT_MRN, .limit = 50};
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "2,0,1,3");
    q = (struct db_patient_query){.limit = 50, .name_words = "ليلي"};
    list_indexes(t, &q, got, sizeof(got));
    assert_string_equal(got, "0");
    t->db = orig;
    db_close(copy.db);

    /* A destination that cannot be created is an I/O failure. */
    snprintf(copy.path, sizeof(copy.path), "%s/no/such/dir/backup.db", t->dir);
    fail_clear(&f);
    assert_int_equal(db_backup(t->db, copy.path, &f), ST_IO);
    assert_string_equal(f.field, "to");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, testdb_test_setup, testdb_test_teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_migrate),
        T(test_migrate_too_new),
        T(test_rollback),
        T(test_read_snapshot),
        T(test_users),
        T(test_sessions),
        T(test_patient_insert_get_update),
        T(test_patient_sorts),
        T(test_patient_search),
        T(test_patient_delete_counts),
        T(test_versions),
        T(test_audit),
        T(test_audit_fields),
        T(test_backup),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
