/* Staff accounts and their passwords. */
#include "clinic/user.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/role.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"
#include "core/validate.h"

static int
check_password(const char *password, struct fail *f)
{
    size_t n = strlen(password);
    if (!text_valid_utf8(password, n))
        return fail_set(f, ST_INVALID, "password", "invalid_utf8", "password is not valid UTF-8");
    size_t chars = text_codepoints(password, n);
    if (chars < USER_PASSWORD_MIN)
        return fail_set(f, ST_INVALID, "password", "weak_password",
                        "password must have at least %d characters", USER_PASSWORD_MIN);
    if (chars > USER_PASSWORD_MAX)
        return fail_set(f, ST_INVALID, "password", "too_long",
                        "password must have at most %d characters", USER_PASSWORD_MAX);
    return ST_OK;
}

json_t *
user_to_json(const struct db_user *u)
{
    char created[25];
    time_format_ms(u->created_ms, created);
    json_t *roles = json_array();
    for (int i = 0; i < ROLE_COUNT; i++)
        if (u->roles & role_at(i))
            json_array_append_new(roles, json_string(role_name(role_at(i))));
    return json_pack("{s:I, s:s, s:s, s:o, s:b, s:s}", "id", (json_int_t)u->id, "username",
                     u->username, "display_name", u->display_name ? u->display_name : u->username,
                     "roles", roles, "disabled", u->disabled, "created_at", created);
}

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

int
user_add(struct db *db, const struct actor *a, const char *username, const char *display_name,
         const char *password, unsigned roles, bool fast_hash, int64_t *id, struct fail *f)
{
    if (id)
        *id = 0;
    if (!username || !valid_username(username))
        return fail_set(f, ST_INVALID, "username", "invalid_username",
                        "username must be 3 to 32 of a-z, 0-9, '.', '_' or '-', starting with a "
                        "letter");
    if (!password)
        return fail_set(f, ST_INVALID, "password", "required", "password is required");
    int st = check_password(password, f);
    if (st != ST_OK)
        return st;
    if (roles == 0 || (roles & ~(unsigned)ROLE_ALL))
        return fail_set(f, ST_INVALID, "roles", "invalid_value",
                        "roles must name at least one of admin, doctor, nurse, reception");
    struct db_user u = {0};
    snprintf(u.username, sizeof(u.username), "%s", username);
    u.display_name = (char *)(display_name && *display_name ? display_name : username);
    u.roles = roles;
    u.created_ms = time_now_ms();
    /* Hash before taking the write lock: Argon2id is slow on purpose. */
    st = crypto_password_hash(password, fast_hash, u.password_hash);
    if (st != ST_OK)
        return fail_set(f, st, "", "internal", "cannot hash the password");
    st = db_begin_write(db);
    if (st == ST_OK)
        st = db_user_insert(db, &u);
    if (st == ST_CONFLICT) {
        db_rollback(db);
        return fail_set(f, ST_CONFLICT, "username", "conflict", "username '%s' is taken", username);
    }
    char ids[24];
    id_str(u.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "user.create", "user", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        return db_fail(db, st, f);
    }
    if (id)
        *id = u.id;
    return ST_OK;
}

/* A password field: an empty one is too weak rather than missing. */
static int
read_password(json_t *body, const char *key, char **out, struct fail *f)
{
    json_t *v = json_object_get(body, key);
    if (json_is_string(v) && json_string_length(v) == 0)
        return fail_set(f, ST_INVALID, key, "weak_password",
                        "password must have at least %d characters", USER_PASSWORD_MIN);
    return jsonin_string(body, key, USER_PASSWORD_MAX, true, out, f);
}

static int
parse_roles(json_t *body, bool required, bool *present, unsigned *roles, struct fail *f)
{
    *roles = 0;
    *present = false;
    json_t *arr = json_object_get(body, "roles");
    if (!arr || json_is_null(arr)) {
        if (required)
            return fail_set(f, ST_INVALID, "roles", "required", "field 'roles' is required");
        return ST_OK;
    }
    if (!json_is_array(arr))
        return fail_set(f, ST_INVALID, "roles", "invalid_type",
                        "field 'roles' must be a list of role names");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        unsigned r = json_is_string(v) ? role_from_name(json_string_value(v)) : 0;
        if (!r)
            return fail_set(f, ST_INVALID, "roles", "invalid_value",
                            "roles must be admin, doctor, nurse or reception");
        *roles |= r;
    }
    if (*roles == 0)
        return fail_set(f, ST_INVALID, "roles", "required", "at least one role is required");
    *present = true;
    return ST_OK;
}

int
user_create_json(struct db *db, const struct actor *a, json_t *body, json_t **out, struct fail *f)
{
    static const char *const fields[] = {"username", "display_name", "password", "roles", NULL};
    *out = NULL;
    char *username = NULL, *display = NULL, *password = NULL;
    unsigned roles = 0;
    bool present;
    int64_t id = 0;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "username", 200, true, &username, f);
    if (st == ST_OK)
        st = jsonin_string(body, "display_name", 100, true, &display, f);
    if (st == ST_OK)
        st = read_password(body, "password", &password, f);
    if (st == ST_OK)
        st = parse_roles(body, true, &present, &roles, f);
    if (st == ST_OK)
        st = user_add(db, a, username, display, password, roles, false, &id, f);
    if (st == ST_OK) {
        struct db_user u;
        st = db_user_get(db, id, &u);
        if (st == ST_OK)
            *out = user_to_json(&u);
        else
            st = db_fail(db, st, f);
        db_user_release(&u);
    }
    free(username);
    free(display);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    return st;
}

/* Loads a user inside an open write transaction. */
static int
load_user(struct db *db, int64_t id, struct db_user *u, struct fail *f)
{
    int st = db_user_get(db, id, u);
    if (st == ST_NOT_FOUND)
        return fail_set(f, st, "", "not_found", "user %lld does not exist", (long long)id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

int
user_update_json(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                 struct fail *f)
{
    static const char *const fields[] = {"display_name", "roles", "disabled", NULL};
    *out = NULL;
    char *display = NULL;
    unsigned roles = 0;
    bool roles_present = false, dis_present = false, disabled = false;
    struct db_user u = {0};
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "display_name", 100, false, &display, f);
    if (st == ST_OK)
        st = parse_roles(body, false, &roles_present, &roles, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "disabled", false, &dis_present, &disabled, f);
    if (st != ST_OK)
        goto out;
    if (id == a->user_id &&
        ((dis_present && disabled) || (roles_present && !(roles & ROLE_ADMIN)))) {
        st =
            fail_set(f, ST_INVALID, dis_present && disabled ? "disabled" : "roles", "invalid_value",
                     "an administrator cannot disable their own account or drop their own "
                     "admin role");
        goto out;
    }
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = load_user(db, id, &u, f);
    if (st != ST_OK)
        goto out;
    if (display) {
        free(u.display_name);
        u.display_name = display;
        display = NULL;
    }
    if (roles_present)
        u.roles = roles;
    bool ending = dis_present && disabled && !u.disabled;
    if (dis_present)
        u.disabled = disabled;
    st = db_user_update(db, &u);
    if (st == ST_OK && ending)
        st = db_session_delete_user(db, id);
    char ids[24];
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "user.update", "user", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = user_to_json(&u);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_user_release(&u);
    free(display);
    return st;
}

int
user_set_password(struct db *db, const struct actor *a, int64_t id, const char *password,
                  struct fail *f)
{
    struct db_user u = {0};
    int st = check_password(password, f);
    if (st != ST_OK)
        return st;
    char hash[CRYPTO_PWHASH_MAX];
    st = crypto_password_hash(password, false, hash);
    if (st != ST_OK)
        return fail_set(f, st, "", "internal", "cannot hash the password");
    st = db_begin_write(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = load_user(db, id, &u, f);
    if (st != ST_OK)
        goto out;
    snprintf(u.password_hash, sizeof(u.password_hash), "%s", hash);
    st = db_user_update(db, &u);
    if (st == ST_OK)
        st = db_session_delete_user(db, id);
    char ids[24];
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "user.password", "user", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_user_release(&u);
    return st;
}

int
user_set_disabled(struct db *db, const struct actor *a, int64_t id, bool disabled, struct fail *f)
{
    struct db_user u = {0};
    int st = db_begin_write(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = load_user(db, id, &u, f);
    if (st != ST_OK)
        goto out;
    u.disabled = disabled;
    st = db_user_update(db, &u);
    if (st == ST_OK && disabled)
        st = db_session_delete_user(db, id);
    char ids[24];
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "user.update", "user", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_user_release(&u);
    return st;
}

int
user_password_json(struct db *db, const struct actor *a, int64_t id, json_t *body, struct fail *f)
{
    static const char *const fields[] = {"password", NULL};
    char *password = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = read_password(body, "password", &password, f);
    if (st == ST_OK)
        st = user_set_password(db, a, id, password, f);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    return st;
}

static int
list_item(void *ctx, const struct db_user *u)
{
    json_array_append_new(ctx, user_to_json(u));
    return 0;
}

int
user_list_json(struct db *db, const struct actor *a, json_t **out, struct fail *f)
{
    json_t *items = json_array();
    int st = db_user_list(db, list_item, items);
    if (st != ST_OK) {
        json_decref(items);
        *out = NULL;
        return db_fail(db, st, f);
    }
    audit_read(a, "user.list", "user", "");
    *out = json_pack("{s:o}", "items", items);
    return ST_OK;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[CRYPTO_PWHASH_MAX];

static void
dummy_init(void)
{
    if (crypto_password_hash("not the password of anyone", false, dummy_hash) != ST_OK)
        dummy_hash[0] = '\0';
}

int
user_authenticate(struct db *db, const char *username, const char *password, struct db_user *out)
{
    int st = db_user_by_name(db, username, out);
    if (st == ST_NOT_FOUND) {
        /* Spend the same time as for a real account so that timing does not reveal which
         * usernames exist. */
        pthread_once(&dummy_once, dummy_init);
        if (dummy_hash[0] && crypto_password_verify(dummy_hash, password) == ST_OK)
            return ST_UNAUTHORIZED;
        return ST_UNAUTHORIZED;
    }
    if (st != ST_OK)
        return st;
    if (crypto_password_verify(out->password_hash, password) != ST_OK || out->disabled) {
        db_user_release(out);
        memset(out, 0, sizeof(*out));
        return ST_UNAUTHORIZED;
    }
    return ST_OK;
}
