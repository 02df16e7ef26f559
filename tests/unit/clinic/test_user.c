/* Unit tests of src/clinic/user.c: account rules, authentication, role and disabling changes,
 * password resets (which end the user's sessions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/role.h"
#include "clinic/user.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PW "correct-horse-7"

struct fixture {
    struct testdb t;
    struct actor admin; /* the acting administrator, user "admin1" */
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct fail f;
    int64_t id;

    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    actor_cli(&fx->admin);
    if (user_add(fx->t.db, &fx->admin, "admin1", "Clinic Manager", PW, ROLE_ADMIN, true, &id, &f) !=
        ST_OK)
        return -1;
    fx->admin.user_id = id;
    snprintf(fx->admin.username, sizeof(fx->admin.username), "admin1");
    fx->admin.roles = ROLE_ADMIN;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    testdb_teardown(&fx->t);
    free(fx);
    return 0;
}

static json_t *
body_of(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);

    if (!j)
        fail_msg("bad test body %s", s);
    return j;
}

static int64_t
add(struct fixture *fx, const char *name, unsigned roles)
{
    struct fail f;
    int64_t id = 0;

    if (user_add(fx->t.db, &fx->admin, name, NULL, PW, roles, true, &id, &f) != ST_OK)
        fail_msg("user_add %s: %s", name, f.message);
    return id;
}

static void
test_add_rules(void **state)
{
    static const struct {
        const char *username;
        const char *password;
        unsigned roles;
        int rc;
        const char *code;
        const char *field;
    } cases[] = {
        {"doctor1", PW, ROLE_DOCTOR, ST_OK, "", ""},
        {"nurse.night", PW, ROLE_NURSE | ROLE_RECEPTION, ST_OK, "", ""},
        {"r_2-x", "0123456789", ROLE_RECEPTION, ST_OK, "", ""}, /* exactly 10 characters */
        {"arabic", "كلمةسرطويل", ROLE_DOCTOR, ST_OK, "", ""},   /* 10 characters, 20 bytes */
        {"ab", PW, ROLE_DOCTOR, ST_INVALID, "invalid_username", "username"},
        {"1doctor", PW, ROLE_DOCTOR, ST_INVALID, "invalid_username", "username"},
        {"Doctor2", PW, ROLE_DOCTOR, ST_INVALID, "invalid_username", "username"},
        {"doc tor", PW, ROLE_DOCTOR, ST_INVALID, "invalid_username", "username"},
        {"abcdefghijklmnopqrstuvwxyz0123456", PW, ROLE_DOCTOR, ST_INVALID, "invalid_username",
         "username"},
        {NULL, PW, ROLE_DOCTOR, ST_INVALID, "invalid_username", "username"},
        {"doctor3", NULL, ROLE_DOCTOR, ST_INVALID, "required", "password"},
        {"doctor3", "012345678", ROLE_DOCTOR, ST_INVALID, "weak_password", "password"},
        {"doctor3", "pässwörd1", ROLE_DOCTOR, ST_INVALID, "weak_password", "password"},
        {"doctor3", "", ROLE_DOCTOR, ST_INVALID, "weak_password", "password"},
        {"doctor3", "bad\xff-utf8-password", ROLE_DOCTOR, ST_INVALID, "invalid_utf8", "password"},
        {"doctor3", PW, 0, ST_INVALID, "invalid_value", "roles"},
        {"doctor3", PW, 1u << 4, ST_INVALID, "invalid_value", "roles"},
        {"doctor3", PW, ROLE_DOCTOR | (1u << 9), ST_INVALID, "invalid_value", "roles"},
        {"doctor1", PW, ROLE_NURSE, ST_CONFLICT, "conflict", "username"},
    };
    struct fixture *fx = *state;
    struct fail f;
    int64_t id, n = 0, ok = 1; /* admin1 from the setup */
    char longpw[USER_PASSWORD_MAX + 2];

    for (size_t i = 0; i < N(cases); i++) {
        fail_clear(&f);
        id = -1;
        int rc = user_add(fx->t.db, &fx->admin, cases[i].username, NULL, cases[i].password,
                          cases[i].roles, true, &id, &f);
        if (rc != cases[i].rc || strcmp(f.code, cases[i].code) || strcmp(f.field, cases[i].field))
            fail_msg("case %zu (%s): got %d %s/%s, expected %d %s/%s", i,
                     cases[i].username ? cases[i].username : "NULL", rc, f.code, f.field,
                     cases[i].rc, cases[i].code, cases[i].field);
        assert_true(rc == ST_OK ? id > 0 : id == 0);
        ok += rc == ST_OK;
    }
    memset(longpw, 'p', sizeof(longpw) - 1);
    longpw[sizeof(longpw) - 1] = '\0';
    assert_int_equal(
        user_add(fx->t.db, &fx->admin, "doctor4", NULL, longpw, ROLE_DOCTOR, true, NULL, &f),
        ST_INVALID);
    assert_string_equal(f.code, "too_long");
    longpw[USER_PASSWORD_MAX] = '\0';
    assert_int_equal(
        user_add(fx->t.db, &fx->admin, "doctor4", NULL, longpw, ROLE_DOCTOR, true, NULL, &f),
        ST_OK);
    ok++;

    assert_int_equal(db_user_count(fx->t.db, &n), ST_OK);
    assert_int_equal(n, ok);
    /* Each account created is audited, and the chain holds. */
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action = 'user.create'"),
                     ok);
    struct audit_check c;
    assert_int_equal(audit_verify(fx->t.db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 0);

    /* Without a display name the username stands in; the hash is Argon2id, never the text. */
    struct db_user u;
    assert_int_equal(db_user_by_name(fx->t.db, "nurse.night", &u), ST_OK);
    assert_string_equal(u.display_name, "nurse.night");
    assert_int_equal(u.roles, ROLE_NURSE | ROLE_RECEPTION);
    assert_false(u.disabled);
    assert_memory_equal(u.password_hash, "$argon2id$", 10);
    assert_null(strstr(u.password_hash, PW));
    db_user_release(&u);
    assert_int_equal(db_user_by_name(fx->t.db, "admin1", &u), ST_OK);
    assert_string_equal(u.display_name, "Clinic Manager");
    db_user_release(&u);
}

static void
test_authenticate(void **state)
{
    struct fixture *fx = *state;
    struct db_user u;
    struct fail f;
    int64_t id = add(fx, "doctor1", ROLE_DOCTOR);

    assert_int_equal(user_authenticate(fx->t.db, "doctor1", PW, &u), ST_OK);
    assert_int_equal(u.id, id);
    assert_string_equal(u.username, "doctor1");
    assert_int_equal(u.roles, ROLE_DOCTOR);
    db_user_release(&u);

    static const struct {
        const char *username, *password;
    } wrong[] = {
        {"doctor1", "correct-horse-8"},
        {"doctor1", "CORRECT-HORSE-7"},
        {"doctor1", ""},
        {"Doctor1", PW},
        {"nobody", PW}, /* an unknown user fails the same way */
    };
    for (size_t i = 0; i < N(wrong); i++) {
        memset(&u, 'x', sizeof(u));
        u.display_name = NULL;
        assert_int_equal(user_authenticate(fx->t.db, wrong[i].username, wrong[i].password, &u),
                         ST_UNAUTHORIZED);
        assert_int_equal(u.id, 0);
        assert_null(u.display_name);
    }

    /* A disabled account cannot log in, even with the right password. */
    assert_int_equal(user_set_disabled(fx->t.db, &fx->admin, id, true, &f), ST_OK);
    assert_int_equal(user_authenticate(fx->t.db, "doctor1", PW, &u), ST_UNAUTHORIZED);
    assert_int_equal(user_set_disabled(fx->t.db, &fx->admin, id, false, &f), ST_OK);
    assert_int_equal(user_authenticate(fx->t.db, "doctor1", PW, &u), ST_OK);
    db_user_release(&u);
    assert_int_equal(user_set_disabled(fx->t.db, &fx->admin, id + 100, true, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
}

static unsigned
roles_of(struct fixture *fx, int64_t id)
{
    struct db_user u;
    unsigned r;

    assert_int_equal(db_user_get(fx->t.db, id, &u), ST_OK);
    r = u.roles;
    db_user_release(&u);
    return r;
}

static void
test_update_json(void **state)
{
    static const struct {
        const char *body;
        bool self; /* the administrator edits their own account */
        int rc;
        const char *code, *field;
        unsigned roles_after; /* of the edited user */
    } cases[] = {
        {"{\"roles\":[\"doctor\",\"nurse\"]}", false, ST_OK, "", "", ROLE_DOCTOR | ROLE_NURSE},
        {"{\"roles\":[\"reception\",\"reception\"]}", false, ST_OK, "", "", ROLE_RECEPTION},
        {"{\"display_name\":\"Dr. Example\"}", false, ST_OK, "", "", ROLE_RECEPTION},
        {"{\"roles\":null}", false, ST_OK, "", "", ROLE_RECEPTION},
        {"{\"roles\":[]}", false, ST_INVALID, "required", "roles", ROLE_RECEPTION},
        {"{\"roles\":\"doctor\"}", false, ST_INVALID, "invalid_type", "roles", ROLE_RECEPTION},
        {"{\"roles\":[\"doctor\",\"surgeon\"]}", false, ST_INVALID, "invalid_value", "roles",
         ROLE_RECEPTION},
        {"{\"roles\":[1]}", false, ST_INVALID, "invalid_value", "roles", ROLE_RECEPTION},
        {"{\"disabled\":\"yes\"}", false, ST_INVALID, "invalid_type", "disabled", ROLE_RECEPTION},
        {"{\"password\":\"x\"}", false, ST_INVALID, "unknown_field", "password", ROLE_RECEPTION},
        {"{\"username\":\"other\"}", false, ST_INVALID, "unknown_field", "username",
         ROLE_RECEPTION},
        /* an administrator may not lock themself out */
        {"{\"disabled\":true}", true, ST_INVALID, "invalid_value", "disabled", ROLE_ADMIN},
        {"{\"roles\":[\"doctor\"]}", true, ST_INVALID, "invalid_value", "roles", ROLE_ADMIN},
        {"{\"disabled\":false}", true, ST_OK, "", "", ROLE_ADMIN},
        {"{\"roles\":[\"admin\",\"doctor\"]}", true, ST_OK, "", "", ROLE_ADMIN | ROLE_DOCTOR},
        {"{\"display_name\":\"Head of Clinic\"}", true, ST_OK, "", "", ROLE_ADMIN | ROLE_DOCTOR},
    };
    struct fixture *fx = *state;
    struct fail f;
    json_t *out;
    int64_t id = add(fx, "doctor1", ROLE_DOCTOR);

    for (size_t i = 0; i < N(cases); i++) {
        int64_t target = cases[i].self ? fx->admin.user_id : id;
        json_t *body = body_of(cases[i].body);
        fail_clear(&f);
        out = NULL;
        int rc = user_update_json(fx->t.db, &fx->admin, target, body, &out, &f);
        json_decref(body);
        if (rc != cases[i].rc || strcmp(f.code, cases[i].code) || strcmp(f.field, cases[i].field))
            fail_msg("case %zu (%s): got %d %s/%s", i, cases[i].body, rc, f.code, f.field);
        assert_int_equal(roles_of(fx, target), cases[i].roles_after);
        if (rc == ST_OK) {
            assert_int_equal(json_integer_value(json_object_get(out, "id")), target);
            assert_null(json_object_get(out, "password_hash"));
        } else {
            assert_null(out);
        }
        json_decref(out);
    }
    struct db_user u;
    assert_int_equal(db_user_get(fx->t.db, id, &u), ST_OK);
    assert_string_equal(u.display_name, "Dr. Example");
    assert_false(u.disabled);
    db_user_release(&u);
    assert_int_equal(db_user_get(fx->t.db, fx->admin.user_id, &u), ST_OK);
    assert_string_equal(u.display_name, "Head of Clinic");
    assert_false(u.disabled);
    db_user_release(&u);

    json_t *body = body_of("{\"disabled\":true}");
    assert_int_equal(user_update_json(fx->t.db, &fx->admin, id + 100, body, &out, &f),
                     ST_NOT_FOUND);
    /* Another administrator's account can be disabled. */
    int64_t other = add(fx, "admin2", ROLE_ADMIN);
    assert_int_equal(user_update_json(fx->t.db, &fx->admin, other, body, &out, &f), ST_OK);
    assert_true(json_is_true(json_object_get(out, "disabled")));
    json_decref(out);
    json_decref(body);
}

static void
insert_session(struct fixture *fx, const char *hash, int64_t user_id)
{
    struct db_session s = {.user_id = user_id, .created_ms = 1, .last_seen_ms = 1};

    snprintf(s.token_hash, sizeof(s.token_hash), "%s", hash);
    snprintf(s.csrf_token, sizeof(s.csrf_token), "csrf");
    assert_int_equal(db_session_insert(fx->t.db, &s), ST_OK);
}

static bool
has_session(struct fixture *fx, const char *hash)
{
    struct db_session s;

    return db_session_get(fx->t.db, hash, &s) == ST_OK;
}

static void
test_disable_ends_sessions(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *body, *out;
    int64_t doctor = add(fx, "doctor1", ROLE_DOCTOR), nurse = add(fx, "nurse1", ROLE_NURSE);

    insert_session(fx, "d1", doctor);
    insert_session(fx, "d2", doctor);
    insert_session(fx, "n1", nurse);
    body = body_of("{\"disabled\":true}");
    assert_int_equal(user_update_json(fx->t.db, &fx->admin, doctor, body, &out, &f), ST_OK);
    json_decref(out);
    json_decref(body);
    assert_false(has_session(fx, "d1"));
    assert_false(has_session(fx, "d2"));
    assert_true(has_session(fx, "n1"));

    /* Changing roles alone keeps the sessions. */
    body = body_of("{\"roles\":[\"nurse\",\"reception\"]}");
    assert_int_equal(user_update_json(fx->t.db, &fx->admin, nurse, body, &out, &f), ST_OK);
    json_decref(out);
    json_decref(body);
    assert_true(has_session(fx, "n1"));
    assert_int_equal(user_set_disabled(fx->t.db, &fx->admin, nurse, true, &f), ST_OK);
    assert_false(has_session(fx, "n1"));
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action = 'user.update'"),
                     3);
}

static void
test_password_reset(void **state)
{
    static const struct {
        const char *body;
        const char *code, *field;
    } bad[] = {
        {"{}", "required", "password"},
        {"{\"password\":\"short\"}", "weak_password", "password"},
        {"{\"password\":12345678901}", "invalid_type", "password"},
        {"{\"password\":\"long enough 1\",\"old\":\"x\"}", "unknown_field", "old"},
    };
    struct fixture *fx = *state;
    struct db_user u;
    struct fail f;
    int64_t doctor = add(fx, "doctor1", ROLE_DOCTOR), nurse = add(fx, "nurse1", ROLE_NURSE);

    for (size_t i = 0; i < N(bad); i++) {
        json_t *body = body_of(bad[i].body);
        fail_clear(&f);
        assert_int_equal(user_password_json(fx->t.db, &fx->admin, doctor, body, &f), ST_INVALID);
        assert_string_equal(f.code, bad[i].code);
        assert_string_equal(f.field, bad[i].field);
        json_decref(body);
    }
    assert_int_equal(user_authenticate(fx->t.db, "doctor1", PW, &u), ST_OK);
    db_user_release(&u);

    insert_session(fx, "d1", doctor);
    insert_session(fx, "n1", nurse);
    json_t *body = body_of("{\"password\":\"a new passphrase\"}");
    assert_int_equal(user_password_json(fx->t.db, &fx->admin, doctor, body, &f), ST_OK);
    json_decref(body);
    /* The old password stops working, the new one works, and the user's sessions end. */
    assert_int_equal(user_authenticate(fx->t.db, "doctor1", PW, &u), ST_UNAUTHORIZED);
    assert_int_equal(user_authenticate(fx->t.db, "doctor1", "a new passphrase", &u), ST_OK);
    db_user_release(&u);
    assert_false(has_session(fx, "d1"));
    assert_true(has_session(fx, "n1"));
    assert_int_equal(
        testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action = 'user.password'"), 1);

    assert_int_equal(user_set_password(fx->t.db, &fx->admin, nurse + 100, "long enough 1", &f),
                     ST_NOT_FOUND);
    assert_int_equal(user_set_password(fx->t.db, &fx->admin, nurse, "short", &f), ST_INVALID);
    assert_string_equal(f.code, "weak_password");
}

static void
test_create_and_list_json(void **state)
{
    static const struct {
        const char *body;
        int rc;
        const char *code, *field;
    } cases[] = {
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"password\":\"long enough 1\"}", ST_INVALID, "required",
         "roles"},
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"password\":\"long enough 1\",\"roles\":[]}", ST_INVALID,
         "required", "roles"},
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"password\":\"long enough 1\",\"roles\":\"nurse\"}", ST_INVALID,
         "invalid_type", "roles"},
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"roles\":[\"nurse\"]}", ST_INVALID, "required", "password"},
        {"{\"display_name\":\"Example\",\"password\":\"long enough 1\",\"roles\":[\"nurse\"]}", ST_INVALID, "required",
         "username"},
        {"{\"display_name\":\"Example\",\"username\":\"Nurse1\",\"password\":\"long enough 1\",\"roles\":[\"nurse\"]}",
         ST_INVALID, "invalid_username", "username"},
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"password\":\"short\",\"roles\":[\"nurse\"]}", ST_INVALID,
         "weak_password", "password"},
        {"{\"display_name\":\"Example\",\"username\":\"nurse1\",\"password\":\"long enough 1\",\"roles\":[\"nurse\"],"
         "\"disabled\":true}",
         ST_INVALID, "unknown_field", "disabled"},
        {"{\"display_name\":\"Example\",\"username\":\"admin1\",\"password\":\"long enough 1\",\"roles\":[\"nurse\"]}",
         ST_CONFLICT, "conflict", "username"},
    };
    struct fixture *fx = *state;
    struct fail f;
    json_t *body, *out;

    for (size_t i = 0; i < N(cases); i++) {
        body = body_of(cases[i].body);
        fail_clear(&f);
        out = NULL;
        int rc = user_create_json(fx->t.db, &fx->admin, body, &out, &f);
        json_decref(body);
        if (rc != cases[i].rc || strcmp(f.code, cases[i].code) || strcmp(f.field, cases[i].field))
            fail_msg("case %zu: got %d %s/%s", i, rc, f.code, f.field);
        assert_null(out);
    }

    body = body_of("{\"username\":\"nurse1\",\"display_name\":\"Night Nurse\","
                   "\"password\":\"long enough 1\",\"roles\":[\"reception\",\"nurse\"]}");
    assert_int_equal(user_create_json(fx->t.db, &fx->admin, body, &out, &f), ST_OK);
    json_decref(body);
    assert_string_equal(json_string_value(json_object_get(out, "username")), "nurse1");
    assert_string_equal(json_string_value(json_object_get(out, "display_name")), "Night Nurse");
    assert_null(json_object_get(out, "password"));
    assert_null(json_object_get(out, "password_hash"));
    assert_true(json_is_false(json_object_get(out, "disabled")));
    json_t *roles = json_object_get(out, "roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "nurse");
    assert_string_equal(json_string_value(json_array_get(roles, 1)), "reception");
    assert_non_null(json_string_value(json_object_get(out, "created_at")));
    json_decref(out);

    add(fx, "doctor1", ROLE_DOCTOR);
    assert_int_equal(user_list_json(fx->t.db, &fx->admin, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 3);
    static const char *const order[] = {"admin1", "doctor1", "nurse1"};
    for (size_t i = 0; i < N(order); i++) {
        json_t *it = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(it, "username")), order[i]);
        assert_null(json_object_get(it, "password_hash"));
    }
    json_decref(out);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_rules),      T(test_authenticate),
        T(test_update_json),    T(test_disable_ends_sessions),
        T(test_password_reset), T(test_create_and_list_json),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
