/* Staff accounts: usernames, display names, roles, Argon2id password hashes, disabling.
 * Functions returning json_t give a new reference to the caller. */
#ifndef AUTOLOGA_CLINIC_USER_H
#define AUTOLOGA_CLINIC_USER_H

#include <jansson.h>
#include <stdbool.h>
#include "clinic/audit.h"
#include "store/db.h"

#define USER_PASSWORD_MIN 10
#define USER_PASSWORD_MAX 200

/* Creates a user in its own transaction, audited. `fast_hash` uses libsodium's minimum Argon2id
 * cost (demo data and tests only). Codes: invalid_username, weak_password, invalid_value
 * (roles), conflict (username taken). Sets *id when not NULL. */
int user_add(struct db *db, const struct actor *a, const char *username, const char *display_name,
             const char *password, unsigned roles, bool fast_hash, int64_t *id,
             struct fail *f) WARN_UNUSED;

/* The API representation (never the password hash). */
json_t *user_to_json(const struct db_user *u);

/* The HTTP forms of the above and of the admin's changes (docs/api.md, "Users"). */
int user_create_json(struct db *db, const struct actor *a, json_t *body, json_t **out,
                     struct fail *f) WARN_UNUSED;
int user_update_json(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                     struct fail *f) WARN_UNUSED;
int user_password_json(struct db *db, const struct actor *a, int64_t id, json_t *body,
                       struct fail *f) WARN_UNUSED;
int user_list_json(struct db *db, const struct actor *a, json_t **out, struct fail *f) WARN_UNUSED;

/* Sets a user's password (ends their sessions), audited. */
int user_set_password(struct db *db, const struct actor *a, int64_t id, const char *password,
                      struct fail *f) WARN_UNUSED;
/* Disables or enables a user (disabling ends their sessions), audited. */
int user_set_disabled(struct db *db, const struct actor *a, int64_t id, bool disabled,
                      struct fail *f) WARN_UNUSED;

/* Checks a username and password: ST_OK and the user in *out (release it), or
 * ST_UNAUTHORIZED for an unknown user, a wrong password or a disabled account alike. */
int user_authenticate(struct db *db, const char *username, const char *password,
                      struct db_user *out) WARN_UNUSED;

#endif
