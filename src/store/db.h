/* The store: every SQL statement of Autologa lives behind this header. It speaks in records, not
 * in HTTP or rules; src/clinic/ decides what to write, the store only how. A PostgreSQL backend
 * implements the same functions (see docs/architecture.md).
 *
 * Ownership: records filled by db_*_get and passed to callbacks own their strings; release them
 * with the matching *_release (callbacks receive borrowed records valid during the call only).
 * A struct db is one connection: use it from one thread at a time. */
#ifndef AUTOLOGA_STORE_DB_H
#define AUTOLOGA_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>
#include "core/status.h"

struct db;

/* ---- connection, transactions, schema ---- */

/* Opens (and, when `create`, creates) the database at `path`: WAL journal, foreign keys on,
 * busy timeout, synchronous=NORMAL. Without `create` a missing file is ST_NOT_FOUND. */
int db_open(const char *path, bool create, struct db **out, struct fail *f) WARN_UNUSED;
/* Closes the connection and its prepared statements. Accepts NULL. */
void db_close(struct db *db);

/* Applies the migrations compiled into the binary that the file has not had yet, each in its
 * own transaction. `*applied` (may be NULL) counts them; `*version` (may be NULL) is the
 * resulting schema version. ST_CONFLICT if the file is newer than this binary. */
int db_migrate(struct db *db, int *applied, int *version, struct fail *f) WARN_UNUSED;
/* The schema version of the file (0 for an empty file). */
int db_schema_version(struct db *db, int *version) WARN_UNUSED;
/* The schema version this binary knows. */
int db_schema_latest(void);

/* A read transaction (a consistent snapshot) or a write transaction (takes the write lock at
 * once, so two writers never deadlock). Every begin is paired with commit or rollback. */
int db_begin_read(struct db *db) WARN_UNUSED;
int db_begin_write(struct db *db) WARN_UNUSED;
int db_commit(struct db *db) WARN_UNUSED;
/* Rolls back if a transaction is open; safe to call when none is. Accepts NULL. */
void db_rollback(struct db *db);

/* Tunes a connection for loading a new database in bulk (the demo generator): a large page
 * cache, no waiting for the disk. Never for a clinic's live database. */
int db_bulk_load(struct db *db) WARN_UNUSED;

/* Copies the database to `dest` with SQLite's online backup: consistent while others write. */
int db_backup(struct db *db, const char *dest, struct fail *f) WARN_UNUSED;

/* The last SQLite error message of this connection, for logs. */
const char *db_errmsg(struct db *db);

/* Fills `f` for a database failure `st` as a person should see it ("busy; try again", or
 * "the database failed: <SQLite's message>") and returns `st`. */
int db_fail(struct db *db, int st, struct fail *f);

/* ---- users ---- */

struct db_user {
    int64_t id;
    char username[40];
    char *display_name;
    char password_hash[128];
    unsigned roles; /* bit set of enum role (clinic/role.h) */
    bool disabled;
    int64_t created_ms;
};
void db_user_release(struct db_user *u);

/* Inserts and sets u->id. ST_CONFLICT when the username is taken. */
int db_user_insert(struct db *db, struct db_user *u) WARN_UNUSED;
/* Writes display_name, password_hash, roles and disabled of the user with u->id. */
int db_user_update(struct db *db, const struct db_user *u) WARN_UNUSED;
int db_user_get(struct db *db, int64_t id, struct db_user *out) WARN_UNUSED;
int db_user_by_name(struct db *db, const char *username, struct db_user *out) WARN_UNUSED;
int db_user_count(struct db *db, int64_t *n) WARN_UNUSED;
typedef int (*db_user_cb)(void *ctx, const struct db_user *u);
/* Calls cb for every user ordered by username; a non-zero return from cb stops and is returned. */
int db_user_list(struct db *db, db_user_cb cb, void *ctx) WARN_UNUSED;

/* ---- sessions ---- */

struct db_session {
    char token_hash[65]; /* SHA-256 of the cookie token: the token itself is never stored */
    char csrf_token[65];
    int64_t user_id;
    int64_t created_ms;
    int64_t last_seen_ms;
};
int db_session_insert(struct db *db, const struct db_session *s) WARN_UNUSED;
int db_session_get(struct db *db, const char *token_hash, struct db_session *out) WARN_UNUSED;
/* A session and its user in one lookup (every request makes it); release *user. */
int db_session_with_user(struct db *db, const char *token_hash, struct db_session *session,
                         struct db_user *user) WARN_UNUSED;
int db_session_touch(struct db *db, const char *token_hash, int64_t last_seen_ms) WARN_UNUSED;
int db_session_delete(struct db *db, const char *token_hash) WARN_UNUSED;
int db_session_delete_user(struct db *db, int64_t user_id) WARN_UNUSED;
/* Deletes sessions idle since before `idle_before_ms` or created before `created_before_ms`. */
int db_session_purge(struct db *db, int64_t idle_before_ms, int64_t created_before_ms) WARN_UNUSED;

/* ---- patients ---- */

struct db_patient {
    int64_t id;
    char mrn[24];
    int64_t version;
    char *given_name; /* NULL when absent, like every optional string here */
    char *family_name;
    char *given_name_ar;
    char *family_name_ar;
    char date_of_birth[11];
    char sex[8];
    char *phone;
    char *email;
    char preferred_language[3];
    char *address;
    char *emergency_contact_name;
    char *emergency_contact_phone;
    char *notes;
    int64_t created_ms;
    int64_t updated_ms;
    bool deleted;
};
void db_patient_release(struct db_patient *p);

/* Keys the store derives from a patient, computed by the caller (clinic/patient.c) because
 * folding is a clinic rule: the folded names for search and the folded sort keys. */
struct db_patient_keys {
    const char *search;      /* folded names of both scripts, space-separated */
    const char *sort_family; /* folded family name (Latin, else Arabic) */
    const char *sort_given;
};

/* The next MRN sequence number (a counter kept in the database; call inside a write tx). */
int db_patient_next_seq(struct db *db, int64_t *seq) WARN_UNUSED;
/* Inserts p (p->mrn set by the caller) and sets p->id. */
int db_patient_insert(struct db *db, struct db_patient *p,
                      const struct db_patient_keys *k) WARN_UNUSED;
/* Overwrites the patient p->id with p (version, fields, updated_ms); ST_NOT_FOUND if absent. */
int db_patient_update(struct db *db, const struct db_patient *p,
                      const struct db_patient_keys *k) WARN_UNUSED;
/* Marks deleted (keeps every value), removes it from the search index. */
int db_patient_mark_deleted(struct db *db, int64_t id, int64_t version, int64_t at_ms) WARN_UNUSED;
int db_patient_get(struct db *db, int64_t id, struct db_patient *out) WARN_UNUSED;
int db_patient_count(struct db *db, bool include_deleted, int64_t *n) WARN_UNUSED;

enum db_patient_sort {
    DB_SORT_FAMILY_NAME,
    DB_SORT_GIVEN_NAME,
    DB_SORT_MRN,
    DB_SORT_DATE_OF_BIRTH,
    DB_SORT_CREATED, /* registration order: the id, which grows with creation time */
    DB_SORT_UPDATED,
};
struct db_patient_query {
    enum db_patient_sort sort;
    bool descending;
    bool include_deleted;
    int64_t offset;
    int limit;
    /* At most one of these narrows the list: */
    const char *name_words; /* folded words, each a prefix of some name word (all must match) */
    const char *digits;     /* an MRN (exact) or the start of a phone number, digits only */
};
typedef int (*db_patient_cb)(void *ctx, const struct db_patient *p);
/* Calls cb for each patient of the page; stops early on a non-zero return (which it returns). */
int db_patient_list(struct db *db, const struct db_patient_query *q, db_patient_cb cb,
                    void *ctx) WARN_UNUSED;

struct db_patient_version {
    int64_t patient_id;
    int64_t version;
    const char *action; /* "create", "update", "delete" */
    int64_t user_id;
    int64_t at_ms;
    const char *changes_json;  /* {"field":{"from":..,"to":..}} */
    const char *snapshot_json; /* the whole record after this version */
    const char *reason;        /* NULL unless deleted */
    /* filled when listing: */
    const char *username;
    const char *display_name;
};
int db_patient_version_insert(struct db *db, const struct db_patient_version *v) WARN_UNUSED;
typedef int (*db_patient_version_cb)(void *ctx, const struct db_patient_version *v);
/* Versions of a patient, newest first. */
int db_patient_versions(struct db *db, int64_t patient_id, db_patient_version_cb cb,
                        void *ctx) WARN_UNUSED;

/* ---- audit trail ---- */

struct db_audit {
    int64_t id;
    int64_t at_ms;
    int64_t user_id; /* 0 when no user (a failed login, the command line) */
    char username[40];
    char roles[48];
    char action[40];
    char entity[24];
    char entity_id[40];
    char remote[64];
    char request_id[40];
    char prev_hash[65];
    char hash[65];
};
/* The id and hash of the newest event (0 and "" for an empty trail). */
int db_audit_tail(struct db *db, int64_t *id, char hash[65]) WARN_UNUSED;
/* Appends e with e->id as its id (the caller chains ids and hashes). */
int db_audit_insert(struct db *db, const struct db_audit *e) WARN_UNUSED;

struct db_audit_filter {
    const char *username;
    const char *action;
    const char *entity;
    const char *entity_id;
    int64_t from_ms;   /* 0: no bound */
    int64_t to_ms;     /* 0: no bound */
    int64_t before_id; /* 0: from the newest */
    int limit;
};
typedef int (*db_audit_cb)(void *ctx, const struct db_audit *e);
/* Matching events, newest first. */
int db_audit_list(struct db *db, const struct db_audit_filter *flt, db_audit_cb cb,
                  void *ctx) WARN_UNUSED;
/* Every event, oldest first (for verification). */
int db_audit_scan(struct db *db, db_audit_cb cb, void *ctx) WARN_UNUSED;

/* ---- rooms (the demo clinic's; scheduling grows on them) ---- */
int db_room_insert(struct db *db, const char *name, const char *kind, int64_t *id) WARN_UNUSED;
int db_room_count(struct db *db, int64_t *n) WARN_UNUSED;

#endif
