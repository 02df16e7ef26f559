/* The SQLite implementation of the store (db.h): one connection per struct db, prepared
 * statements cached per connection, migrations compiled into the binary. */
#include "store/db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "store/migrations.h"
#include "store/sqlite_internal.h"

#define BUSY_TIMEOUT_MS 5000

/* Writers of one process take turns on this lock before asking SQLite for its write lock:
 * SQLite's own waiting is a sleep-and-retry loop, which under many concurrent writers leaves
 * the lock idle while they sleep. Other processes (the command line) still meet SQLite's
 * lock, handled by busy_wait below. */
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

/* Retries a locked database every millisecond for up to BUSY_TIMEOUT_MS: finer-grained than
 * sqlite3_busy_timeout's back-off, which sleeps up to 100 ms at a time. */
static int
busy_wait(void *arg, int tries)
{
    (void)arg;
    if (tries >= BUSY_TIMEOUT_MS)
        return 0;
    sqlite3_sleep(1);
    return 1;
}

static unsigned long
sql_hash(const char *s)
{
    unsigned long h = 1469598103934665603UL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h;
}

int
sq_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return ST_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ST_BUSY;
    case SQLITE_CONSTRAINT:
        return ST_CONFLICT;
    case SQLITE_NOMEM:
        return ST_NOMEM;
    case SQLITE_TOOBIG:
        return ST_TOO_BIG;
    default:
        return ST_DB;
    }
}

/* A cached prepared statement for `sql`, reset and with bindings cleared; NULL on failure. */
sqlite3_stmt *
sq_stmt(struct db *db, const char *sql)
{
    unsigned long h = sql_hash(sql);
    for (int i = 0; i < db->ncache; i++) {
        struct stmt_slot *s = &db->cache[i];
        if (s->hash == h && strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->stmt);
            sqlite3_clear_bindings(s->stmt);
            return s->stmt;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    if (db->ncache == STMT_CACHE) {
        /* Full: the oldest dynamic statement makes room; rare (distinct queries are few). */
        sqlite3_finalize(db->cache[0].stmt);
        free(db->cache[0].sql);
        memmove(&db->cache[0], &db->cache[1], sizeof(db->cache[0]) * (STMT_CACHE - 1));
        db->ncache--;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return NULL;
    }
    db->cache[db->ncache++] = (struct stmt_slot){h, copy, st};
    return st;
}

void
sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* A user id, or NULL for "no user" (0: the command line, a failed login). */
void
sq_bind_user_id(sqlite3_stmt *st, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

char *
sq_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

void
sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

int
sq_col_dup_checked(sqlite3_stmt *st, int i, char **out)
{
    /* The type first: it is only meaningful before sqlite3_column_text converts the value. */
    int type = sqlite3_column_type(st, i);
    *out = sq_col_dup(st, i);
    return !*out && type != SQLITE_NULL ? ST_NOMEM : ST_OK;
}

bool
sq_fits(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* Runs a statement that returns no rows. */
int
sq_one(sqlite3_stmt *st, sq_read_fn read, void *out)
{
    int rc = sqlite3_step(st), ret = ST_NOT_FOUND;
    if (rc == SQLITE_ROW)
        ret = read(st, out);
    else if (rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
sq_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? ST_OK : sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

static int
exec(struct db *db, const char *sql)
{
    return sq_status(sqlite3_exec(db->conn, sql, NULL, NULL, NULL));
}

int
db_open(const char *path, bool create, struct db **out, struct fail *f)
{
    *out = NULL;
    struct stat sb;
    if (!create && stat(path, &sb) != 0)
        return fail_set(f, ST_NOT_FOUND, "db", "not_found", "database '%s' does not exist", path);
    struct db *db = calloc(1, sizeof(*db));
    if (!db)
        return fail_set(f, ST_NOMEM, "", "nomem", "out of memory opening '%s'", path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db->conn, flags, NULL);
    if (rc != SQLITE_OK) {
        fail_set(f, ST_DB, "db", "db", "cannot open database '%s': %s", path,
                 db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        db_close(db);
        return ST_DB;
    }
    sqlite3_busy_handler(db->conn, busy_wait, NULL);
    sqlite3_extended_result_codes(db->conn, 1);
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                        /* 8 MiB a connection holds the upper levels of a million-patient
                         * registry's B-trees; a few connections stay well under 100 MB. */
                        "PRAGMA cache_size=-8192;";
    if (sqlite3_exec(db->conn, setup, NULL, NULL, NULL) != SQLITE_OK) {
        fail_set(f, ST_DB, "db", "db", "cannot set up database '%s': %s", path,
                 sqlite3_errmsg(db->conn));
        db_close(db);
        return ST_DB;
    }
    *out = db;
    return ST_OK;
}

void
db_close(struct db *db)
{
    if (!db)
        return;
    db_rollback(db);
    for (int i = 0; i < db->ncache; i++) {
        sqlite3_finalize(db->cache[i].stmt);
        free(db->cache[i].sql);
    }
    sqlite3_close(db->conn);
    free(db);
}

const char *
db_errmsg(struct db *db)
{
    return db && db->conn ? sqlite3_errmsg(db->conn) : "no connection";
}

int
db_fail(struct db *db, int st, struct fail *f)
{
    if (st == ST_BUSY)
        return fail_set(f, st, "", "busy", "the database is busy; try again");
    return fail_set(f, st, "", "internal", "the database failed: %s", db_errmsg(db));
}

int
db_begin_read(struct db *db)
{
    int st = exec(db, "BEGIN");
    db->in_tx = st == ST_OK;
    return st;
}

static void
writer_release(struct db *db)
{
    if (db->holds_writer) {
        db->holds_writer = false;
        pthread_mutex_unlock(&writer_lock);
    }
}

int
db_begin_write(struct db *db)
{
    if (!db->holds_writer) {
        pthread_mutex_lock(&writer_lock);
        db->holds_writer = true;
    }
    int st = exec(db, "BEGIN IMMEDIATE");
    db->in_tx = st == ST_OK;
    if (st != ST_OK)
        writer_release(db);
    return st;
}

int
db_commit(struct db *db)
{
    int st = exec(db, "COMMIT");
    if (st == ST_OK) {
        db->in_tx = 0;
        writer_release(db);
    }
    return st;
}

void
db_rollback(struct db *db)
{
    if (!db)
        return;
    if (!sqlite3_get_autocommit(db->conn))
        sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
    db->in_tx = 0;
    writer_release(db);
}

int
db_bulk_load(struct db *db)
{
    /* A large page cache keeps the indexes of a million-row load in memory; the file is new
     * and is deleted if the load fails, so it may skip waiting for the disk. */
    return exec(db, "PRAGMA cache_size=-262144; PRAGMA synchronous=OFF");
}

/* ---- schema ---- */

int
db_schema_latest(void)
{
    return (int)store_migrations_count;
}

int
db_schema_version(struct db *db, int *version)
{
    *version = 0;
    sqlite3_stmt *st = sq_stmt(db, "PRAGMA user_version");
    if (!st)
        return ST_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ST_OK : sq_status(rc);
}

int
db_migrate(struct db *db, int *applied, int *version, struct fail *f)
{
    int have = 0, n = 0, st;
    if (applied)
        *applied = 0;
    if (version)
        *version = 0;
    st = db_schema_version(db, &have);
    if (st != ST_OK)
        return fail_set(f, st, "db", "db", "cannot read schema version: %s", db_errmsg(db));
    if (have > db_schema_latest())
        return fail_set(f, ST_CONFLICT, "db", "too_new",
                        "database schema %d is newer than this binary's %d", have,
                        db_schema_latest());
    for (int v = have + 1; v <= db_schema_latest(); v++) {
        const struct store_migration *m = &store_migrations[v - 1];
        char pragma[48];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v);
        st = db_begin_write(db);
        if (st == ST_OK)
            st = sq_status(sqlite3_exec(db->conn, (const char *)m->sql, NULL, NULL, NULL));
        if (st == ST_OK)
            st = exec(db, pragma);
        if (st == ST_OK)
            st = db_commit(db);
        if (st != ST_OK) {
            fail_set(f, st, "db", "migration", "migration %d (%s) failed: %s", v, m->name,
                     db_errmsg(db));
            db_rollback(db);
            return st;
        }
        n++;
    }
    if (applied)
        *applied = n;
    if (version)
        *version = db_schema_latest();
    return ST_OK;
}

int
db_backup(struct db *db, const char *dest, struct fail *f)
{
    sqlite3 *to = NULL;
    int st = ST_OK;
    int rc = sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = fail_set(f, ST_IO, "to", "io", "cannot create backup '%s': %s", dest,
                      to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", db->conn, "main");
    if (!b) {
        st = fail_set(f, ST_IO, "to", "io", "cannot start backup to '%s': %s", dest,
                      sqlite3_errmsg(to));
        goto out;
    }
    /* Copy in steps so that writers are held up for short moments only; a write by another
     * connection restarts the copy, which converges once the pages are copied faster than
     * they change. */
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        st = fail_set(f, ST_IO, "to", "io", "backup to '%s' failed: %s", dest, sqlite3_errstr(rc));
out:
    sqlite3_close(to);
    return st;
}

/* ---- users ---- */

void
db_user_release(struct db_user *u)
{
    if (!u)
        return;
    free(u->display_name);
    u->display_name = NULL;
}

#define USER_COLS "id, username, display_name, password_hash, roles, disabled, created_at"

static int
user_from_row(sqlite3_stmt *st, void *out)
{
    struct db_user *u = out;
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, u->username, sizeof(u->username));
    u->display_name = sq_col_dup(st, 2);
    sq_col_copy(st, 3, u->password_hash, sizeof(u->password_hash));
    u->roles = (unsigned)sqlite3_column_int(st, 4);
    u->disabled = sqlite3_column_int(st, 5) != 0;
    u->created_ms = sqlite3_column_int64(st, 6);
    return ST_OK;
}

int
db_user_insert(struct db *db, struct db_user *u)
{
    sqlite3_stmt *st =
        sq_stmt(db, "INSERT INTO users (username, display_name, password_hash, roles,"
                    " disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, u->username);
    sq_bind_text(st, 2, u->display_name ? u->display_name : u->username);
    sq_bind_text(st, 3, u->password_hash);
    sqlite3_bind_int(st, 4, (int)u->roles);
    sqlite3_bind_int(st, 5, u->disabled);
    sqlite3_bind_int64(st, 6, u->created_ms);
    int ret = sq_run(st);
    if (ret == ST_OK)
        u->id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_user_update(struct db *db, const struct db_user *u)
{
    sqlite3_stmt *st =
        sq_stmt(db, "UPDATE users SET display_name = ?, password_hash = ?, roles = ?,"
                    " disabled = ? WHERE id = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, u->display_name ? u->display_name : u->username);
    sq_bind_text(st, 2, u->password_hash);
    sqlite3_bind_int(st, 3, (int)u->roles);
    sqlite3_bind_int(st, 4, u->disabled);
    sqlite3_bind_int64(st, 5, u->id);
    int ret = sq_run(st);
    if (ret == ST_OK && sqlite3_changes(db->conn) == 0)
        ret = ST_NOT_FOUND;
    return ret;
}

int
db_user_get(struct db *db, int64_t id, struct db_user *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " USER_COLS " FROM users WHERE id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, user_from_row, out);
}

int
db_user_by_name(struct db *db, const char *username, struct db_user *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " USER_COLS " FROM users WHERE username = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, username);
    return sq_one(st, user_from_row, out);
}

static int
count_query(struct db *db, const char *sql, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *st = sq_stmt(db, sql);
    if (!st)
        return ST_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? ST_OK : sq_status(rc);
}

int
db_user_count(struct db *db, int64_t *n)
{
    return count_query(db, "SELECT count(*) FROM users", n);
}

int
db_user_list(struct db *db, db_user_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " USER_COLS " FROM users ORDER BY username");
    if (!st)
        return ST_DB;
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_user u;
        user_from_row(st, &u);
        ret = cb(ctx, &u);
        db_user_release(&u);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- sessions ---- */

int
db_session_insert(struct db *db, const struct db_session *s)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO sessions (token_hash, csrf_token, user_id,"
                                   " created_at, last_seen) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, s->token_hash);
    sq_bind_text(st, 2, s->csrf_token);
    sqlite3_bind_int64(st, 3, s->user_id);
    sqlite3_bind_int64(st, 4, s->created_ms);
    sqlite3_bind_int64(st, 5, s->last_seen_ms);
    return sq_run(st);
}

int
db_session_get(struct db *db, const char *token_hash, struct db_session *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT token_hash, csrf_token, user_id, created_at, last_seen"
                                   " FROM sessions WHERE token_hash = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, token_hash);
    int rc = sqlite3_step(st), ret = ST_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        sq_col_copy(st, 0, out->token_hash, sizeof(out->token_hash));
        sq_col_copy(st, 1, out->csrf_token, sizeof(out->csrf_token));
        out->user_id = sqlite3_column_int64(st, 2);
        out->created_ms = sqlite3_column_int64(st, 3);
        out->last_seen_ms = sqlite3_column_int64(st, 4);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        ret = sq_status(rc);
    }
    sqlite3_reset(st);
    return ret;
}

int
db_session_with_user(struct db *db, const char *token_hash, struct db_session *session,
                     struct db_user *user)
{
    memset(session, 0, sizeof(*session));
    memset(user, 0, sizeof(*user));
    sqlite3_stmt *st =
        sq_stmt(db, "SELECT u.id, u.username, u.display_name, u.password_hash, u.roles,"
                    " u.disabled, u.created_at, s.token_hash, s.csrf_token,"
                    " s.created_at, s.last_seen FROM sessions s JOIN users u"
                    " ON u.id = s.user_id WHERE s.token_hash = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, token_hash);
    int rc = sqlite3_step(st), ret = ST_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        user_from_row(st, user);
        sq_col_copy(st, 7, session->token_hash, sizeof(session->token_hash));
        sq_col_copy(st, 8, session->csrf_token, sizeof(session->csrf_token));
        session->user_id = user->id;
        session->created_ms = sqlite3_column_int64(st, 9);
        session->last_seen_ms = sqlite3_column_int64(st, 10);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        ret = sq_status(rc);
    }
    sqlite3_reset(st);
    return ret;
}

int
db_session_touch(struct db *db, const char *token_hash, int64_t last_seen_ms)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, last_seen_ms);
    sq_bind_text(st, 2, token_hash);
    return sq_run(st);
}

int
db_session_delete(struct db *db, const char *token_hash)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM sessions WHERE token_hash = ?");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, token_hash);
    return sq_run(st);
}

int
db_session_delete_user(struct db *db, int64_t user_id)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM sessions WHERE user_id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, user_id);
    return sq_run(st);
}

int
db_session_purge(struct db *db, int64_t idle_before_ms, int64_t created_before_ms)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, idle_before_ms);
    sqlite3_bind_int64(st, 2, created_before_ms);
    return sq_run(st);
}

/* ---- patients ---- */

void
db_patient_release(struct db_patient *p)
{
    if (!p)
        return;
    char **strs[] = {&p->given_name,
                     &p->family_name,
                     &p->given_name_ar,
                     &p->family_name_ar,
                     &p->phone,
                     &p->email,
                     &p->address,
                     &p->emergency_contact_name,
                     &p->emergency_contact_phone,
                     &p->notes};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

#define PATIENT_COLS                                                                               \
    "p.id, p.mrn, p.version, p.given_name, p.family_name, p.given_name_ar, p.family_name_ar,"      \
    " p.date_of_birth, p.sex, p.phone, p.email, p.preferred_language, p.address,"                  \
    " p.emergency_contact_name, p.emergency_contact_phone, p.notes, p.created_at, p.updated_at,"   \
    " p.deleted"

static int
patient_from_row(sqlite3_stmt *st, void *out)
{
    struct db_patient *p = out;
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, p->mrn, sizeof(p->mrn));
    p->version = sqlite3_column_int64(st, 2);
    p->given_name = sq_col_dup(st, 3);
    p->family_name = sq_col_dup(st, 4);
    p->given_name_ar = sq_col_dup(st, 5);
    p->family_name_ar = sq_col_dup(st, 6);
    sq_col_copy(st, 7, p->date_of_birth, sizeof(p->date_of_birth));
    sq_col_copy(st, 8, p->sex, sizeof(p->sex));
    p->phone = sq_col_dup(st, 9);
    p->email = sq_col_dup(st, 10);
    sq_col_copy(st, 11, p->preferred_language, sizeof(p->preferred_language));
    p->address = sq_col_dup(st, 12);
    p->emergency_contact_name = sq_col_dup(st, 13);
    p->emergency_contact_phone = sq_col_dup(st, 14);
    p->notes = sq_col_dup(st, 15);
    p->created_ms = sqlite3_column_int64(st, 16);
    p->updated_ms = sqlite3_column_int64(st, 17);
    p->deleted = sqlite3_column_int(st, 18) != 0;
    return ST_OK;
}

static int
counter_add(struct db *db, const char *name, int64_t delta)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE counters SET value = value + ? WHERE name = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, delta);
    sq_bind_text(st, 2, name);
    return sq_run(st);
}

int
db_patient_next_seq(struct db *db, int64_t *seq)
{
    *seq = 0;
    sqlite3_stmt *st =
        sq_stmt(db, "UPDATE counters SET value = value + 1 WHERE name = 'mrn' RETURNING value");
    if (!st)
        return ST_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    int ret = rc == SQLITE_ROW ? ST_OK : sq_status(rc);
    /* Step to completion so the UPDATE is finished before the statement is reused. */
    if (rc == SQLITE_ROW)
        sqlite3_step(st);
    sqlite3_reset(st);
    return ret;
}

static int
search_index_put(struct db *db, int64_t id, const char *names)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO patient_search (rowid, names) VALUES (?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_text(st, 2, names);
    return sq_run(st);
}

static int
search_index_drop(struct db *db, int64_t id)
{
    sqlite3_stmt *st = sq_stmt(db, "DELETE FROM patient_search WHERE rowid = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_run(st);
}

static void
bind_patient_fields(sqlite3_stmt *st, const struct db_patient *p, const struct db_patient_keys *k)
{
    sqlite3_bind_int64(st, 1, p->version);
    sq_bind_text(st, 2, p->given_name);
    sq_bind_text(st, 3, p->family_name);
    sq_bind_text(st, 4, p->given_name_ar);
    sq_bind_text(st, 5, p->family_name_ar);
    sq_bind_text(st, 6, k->sort_family);
    sq_bind_text(st, 7, k->sort_given);
    sq_bind_text(st, 8, p->date_of_birth);
    sq_bind_text(st, 9, p->sex);
    sq_bind_text(st, 10, p->phone);
    sq_bind_text(st, 11, p->email);
    sq_bind_text(st, 12, p->preferred_language);
    sq_bind_text(st, 13, p->address);
    sq_bind_text(st, 14, p->emergency_contact_name);
    sq_bind_text(st, 15, p->emergency_contact_phone);
    sq_bind_text(st, 16, p->notes);
    sqlite3_bind_int64(st, 17, p->updated_ms);
}

int
db_patient_insert(struct db *db, struct db_patient *p, const struct db_patient_keys *k)
{
    sqlite3_stmt *st = sq_stmt(
        db, "INSERT INTO patients (version, given_name, family_name, given_name_ar,"
            " family_name_ar, sort_family, sort_given, date_of_birth, sex, phone, email,"
            " preferred_language, address, emergency_contact_name, emergency_contact_phone, notes,"
            " updated_at, mrn, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?)");
    if (!st)
        return ST_DB;
    bind_patient_fields(st, p, k);
    sq_bind_text(st, 18, p->mrn);
    sqlite3_bind_int64(st, 19, p->created_ms);
    int ret = sq_run(st);
    if (ret != ST_OK)
        return ret;
    p->id = sqlite3_last_insert_rowid(db->conn);
    ret = search_index_put(db, p->id, k->search);
    if (ret == ST_OK)
        ret = counter_add(db, "patients_active", 1);
    if (ret == ST_OK)
        ret = counter_add(db, "patients_all", 1);
    return ret;
}

int
db_patient_update(struct db *db, const struct db_patient *p, const struct db_patient_keys *k)
{
    sqlite3_stmt *st = sq_stmt(
        db, "UPDATE patients SET version = ?, given_name = ?, family_name = ?, given_name_ar = ?,"
            " family_name_ar = ?, sort_family = ?, sort_given = ?, date_of_birth = ?, sex = ?,"
            " phone = ?, email = ?, preferred_language = ?, address = ?,"
            " emergency_contact_name = ?, emergency_contact_phone = ?, notes = ?, updated_at = ?"
            " WHERE id = ? AND deleted = 0");
    if (!st)
        return ST_DB;
    bind_patient_fields(st, p, k);
    sqlite3_bind_int64(st, 18, p->id);
    int ret = sq_run(st);
    if (ret != ST_OK)
        return ret;
    if (sqlite3_changes(db->conn) == 0)
        return ST_NOT_FOUND;
    ret = search_index_drop(db, p->id);
    if (ret == ST_OK)
        ret = search_index_put(db, p->id, k->search);
    return ret;
}

int
db_patient_mark_deleted(struct db *db, int64_t id, int64_t version, int64_t at_ms)
{
    sqlite3_stmt *st = sq_stmt(db, "UPDATE patients SET deleted = 1, version = ?, updated_at = ?"
                                   " WHERE id = ? AND deleted = 0");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, version);
    sqlite3_bind_int64(st, 2, at_ms);
    sqlite3_bind_int64(st, 3, id);
    int ret = sq_run(st);
    if (ret != ST_OK)
        return ret;
    if (sqlite3_changes(db->conn) == 0)
        return ST_NOT_FOUND;
    ret = search_index_drop(db, id);
    if (ret == ST_OK)
        ret = counter_add(db, "patients_active", -1);
    return ret;
}

int
db_patient_get(struct db *db, int64_t id, struct db_patient *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(db, "SELECT " PATIENT_COLS " FROM patients p WHERE p.id = ?");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, id);
    return sq_one(st, patient_from_row, out);
}

int
db_patient_count(struct db *db, bool include_deleted, int64_t *n)
{
    return count_query(db,
                       include_deleted
                           ? "SELECT value FROM counters WHERE name = 'patients_all'"
                           : "SELECT value FROM counters WHERE name = 'patients_active'",
                       n);
}

static const char *
sort_clause(enum db_patient_sort sort, bool desc)
{
    static const char *const asc_clauses[] = {
        [DB_SORT_FAMILY_NAME] = "p.sort_family, p.sort_given, p.id",
        [DB_SORT_GIVEN_NAME] = "p.sort_given, p.sort_family, p.id",
        [DB_SORT_MRN] = "p.mrn",
        [DB_SORT_DATE_OF_BIRTH] = "p.date_of_birth, p.id",
        [DB_SORT_CREATED] = "p.id",
        [DB_SORT_UPDATED] = "p.updated_at, p.id",
    };
    static const char *const desc_clauses[] = {
        [DB_SORT_FAMILY_NAME] = "p.sort_family DESC, p.sort_given DESC, p.id DESC",
        [DB_SORT_GIVEN_NAME] = "p.sort_given DESC, p.sort_family DESC, p.id DESC",
        [DB_SORT_MRN] = "p.mrn DESC",
        [DB_SORT_DATE_OF_BIRTH] = "p.date_of_birth DESC, p.id DESC",
        [DB_SORT_CREATED] = "p.id DESC",
        [DB_SORT_UPDATED] = "p.updated_at DESC, p.id DESC",
    };
    if ((unsigned)sort > DB_SORT_UPDATED)
        sort = DB_SORT_FAMILY_NAME;
    return desc ? desc_clauses[sort] : asc_clauses[sort];
}

/* Builds the FTS5 query for folded words: each word quoted as a prefix, all required. */
static int
fts_query(const char *words, struct buf *out)
{
    const char *p = words;
    int st = ST_OK, n = 0;
    while (*p && st == ST_OK) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (p == start)
            break;
        st = buf_printf(out, "%s\"", n++ ? " " : "");
        for (const char *c = start; c < p && st == ST_OK; c++)
            st = *c == '"' ? buf_append_str(out, "\"\"") : buf_append_char(out, *c);
        if (st == ST_OK)
            st = buf_append_str(out, "\"*");
    }
    return st;
}

int
db_patient_list(struct db *db, const struct db_patient_query *q, db_patient_cb cb, void *ctx)
{
    struct buf sql, match;
    buf_init(&sql, 4096);
    buf_init(&match, 4096);
    int ret, rc;
    const char *deleted = q->include_deleted ? "" : " AND p.deleted = 0";

    if (q->name_words) {
        ret = fts_query(q->name_words, &match);
        /* Search results come in index order (registration order): ordering a broad prefix
         * match by name would read every match on a large registry. */
        if (ret == ST_OK)
            ret = buf_printf(&sql,
                             "SELECT " PATIENT_COLS " FROM patient_search s JOIN patients p"
                             " ON p.id = s.rowid WHERE patient_search MATCH ?1%s"
                             " ORDER BY s.rowid LIMIT ?2 OFFSET ?3",
                             deleted);
    } else if (q->digits) {
        ret = buf_printf(&sql,
                         "SELECT " PATIENT_COLS " FROM patients p WHERE (p.mrn = ?1"
                         " OR (p.phone >= '+' || ?1 AND p.phone < '+' || ?1 || ':'))%s"
                         " ORDER BY p.id LIMIT ?2 OFFSET ?3",
                         deleted);
    } else {
        ret = buf_printf(&sql,
                         "SELECT " PATIENT_COLS " FROM patients p WHERE %s ORDER BY %s"
                         " LIMIT ?2 OFFSET ?3",
                         q->include_deleted ? "1" : "p.deleted = 0",
                         sort_clause(q->sort, q->descending));
    }
    if (ret != ST_OK)
        goto out;
    sqlite3_stmt *st = sq_stmt(db, buf_str(&sql));
    if (!st) {
        ret = ST_DB;
        goto out;
    }
    if (q->name_words)
        sq_bind_text(st, 1, buf_str(&match));
    else if (q->digits)
        sq_bind_text(st, 1, q->digits);
    sqlite3_bind_int(st, 2, q->limit);
    sqlite3_bind_int64(st, 3, q->offset);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_patient p;
        patient_from_row(st, &p);
        ret = cb(ctx, &p);
        db_patient_release(&p);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = sq_status(rc);
    sqlite3_reset(st);
out:
    buf_release(&sql);
    buf_release(&match);
    return ret;
}

int
db_patient_version_insert(struct db *db, const struct db_patient_version *v)
{
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO patient_versions (patient_id, version, action,"
                                   " user_id, at, changes, snapshot, reason) VALUES (?, ?, ?, ?, ?,"
                                   " ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, v->patient_id);
    sqlite3_bind_int64(st, 2, v->version);
    sq_bind_text(st, 3, v->action);
    sq_bind_user_id(st, 4, v->user_id);
    sqlite3_bind_int64(st, 5, v->at_ms);
    sq_bind_text(st, 6, v->changes_json);
    sq_bind_text(st, 7, v->snapshot_json);
    sq_bind_text(st, 8, v->reason);
    return sq_run(st);
}

int
db_patient_versions(struct db *db, int64_t patient_id, db_patient_version_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(
        db,
        "SELECT v.patient_id, v.version, v.action, coalesce(v.user_id, 0), v.at, v.changes,"
        " v.snapshot, v.reason, u.username, u.display_name FROM patient_versions v"
        " LEFT JOIN users u ON u.id = v.user_id WHERE v.patient_id = ? ORDER BY v.version DESC");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, patient_id);
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_patient_version v = {
            .patient_id = sqlite3_column_int64(st, 0),
            .version = sqlite3_column_int64(st, 1),
            .action = (const char *)sqlite3_column_text(st, 2),
            .user_id = sqlite3_column_int64(st, 3),
            .at_ms = sqlite3_column_int64(st, 4),
            .changes_json = (const char *)sqlite3_column_text(st, 5),
            .snapshot_json = (const char *)sqlite3_column_text(st, 6),
            .reason = (const char *)sqlite3_column_text(st, 7),
            .username = (const char *)sqlite3_column_text(st, 8),
            .display_name = (const char *)sqlite3_column_text(st, 9),
        };
        ret = cb(ctx, &v);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

/* ---- audit ---- */

#define AUDIT_COLS                                                                                 \
    "id, at, coalesce(user_id, 0), username, roles, action, entity, entity_id, remote,"            \
    " request_id, prev_hash, hash, coalesce(detail, '')"

static void
audit_from_row(sqlite3_stmt *st, struct db_audit *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    e->at_ms = sqlite3_column_int64(st, 1);
    e->user_id = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, e->username, sizeof(e->username));
    sq_col_copy(st, 4, e->roles, sizeof(e->roles));
    sq_col_copy(st, 5, e->action, sizeof(e->action));
    sq_col_copy(st, 6, e->entity, sizeof(e->entity));
    sq_col_copy(st, 7, e->entity_id, sizeof(e->entity_id));
    sq_col_copy(st, 8, e->remote, sizeof(e->remote));
    sq_col_copy(st, 9, e->request_id, sizeof(e->request_id));
    sq_col_copy(st, 10, e->prev_hash, sizeof(e->prev_hash));
    sq_col_copy(st, 11, e->hash, sizeof(e->hash));
    sq_col_copy(st, 12, e->detail, sizeof(e->detail));
}

/* Steps through a statement's audit rows, calling cb for each; resets the statement. */
static int
audit_rows(sqlite3_stmt *st, db_audit_cb cb, void *ctx)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_audit e;
        audit_from_row(st, &e);
        ret = cb(ctx, &e);
        if (ret != 0)
            break;
    }
    if (ret == ST_OK && rc != SQLITE_DONE)
        ret = sq_status(rc);
    sqlite3_reset(st);
    return ret;
}

int
db_audit_tail(struct db *db, int64_t *id, char hash[65])
{
    *id = 0;
    hash[0] = '\0';
    sqlite3_stmt *st = sq_stmt(db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!st)
        return ST_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sq_col_copy(st, 1, hash, 65);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : sq_status(rc);
}

int
db_audit_insert(struct db *db, const struct db_audit *e)
{
    sqlite3_stmt *st =
        sq_stmt(db, "INSERT INTO audit (id, at, user_id, username, roles, action,"
                    " entity, entity_id, remote, request_id, prev_hash, hash, detail)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ST_DB;
    sqlite3_bind_int64(st, 1, e->id);
    sqlite3_bind_int64(st, 2, e->at_ms);
    sq_bind_user_id(st, 3, e->user_id);
    sq_bind_text(st, 4, e->username);
    sq_bind_text(st, 5, e->roles);
    sq_bind_text(st, 6, e->action);
    sq_bind_text(st, 7, e->entity);
    sq_bind_text(st, 8, e->entity_id);
    sq_bind_text(st, 9, e->remote);
    sq_bind_text(st, 10, e->request_id);
    sq_bind_text(st, 11, e->prev_hash);
    sq_bind_text(st, 12, e->hash);
    sq_bind_text(st, 13, e->detail[0] ? e->detail : NULL);
    return sq_run(st);
}

int
db_audit_list(struct db *db, const struct db_audit_filter *flt, db_audit_cb cb, void *ctx)
{
    struct buf sql;
    buf_init(&sql, 2048);
    int ret = buf_append_str(&sql, "SELECT " AUDIT_COLS " FROM audit WHERE 1");
    /* Fixed parameter numbers keep one cached statement per combination of filters. */
    if (ret == ST_OK && flt->username)
        ret = buf_append_str(&sql, " AND username = ?1");
    if (ret == ST_OK && flt->action)
        ret = buf_append_str(&sql, " AND action = ?2");
    if (ret == ST_OK && flt->entity)
        ret = buf_append_str(&sql, " AND entity = ?3");
    if (ret == ST_OK && flt->entity_id)
        ret = buf_append_str(&sql, " AND entity_id = ?4");
    if (ret == ST_OK && flt->from_ms)
        ret = buf_append_str(&sql, " AND at >= ?5");
    if (ret == ST_OK && flt->to_ms)
        ret = buf_append_str(&sql, " AND at <= ?6");
    if (ret == ST_OK && flt->before_id)
        ret = buf_append_str(&sql, " AND id < ?7");
    if (ret == ST_OK)
        ret = buf_append_str(&sql, " ORDER BY id DESC LIMIT ?8");
    if (ret != ST_OK)
        goto out;
    sqlite3_stmt *st = sq_stmt(db, buf_str(&sql));
    if (!st) {
        ret = ST_DB;
        goto out;
    }
    if (flt->username)
        sq_bind_text(st, 1, flt->username);
    if (flt->action)
        sq_bind_text(st, 2, flt->action);
    if (flt->entity)
        sq_bind_text(st, 3, flt->entity);
    if (flt->entity_id)
        sq_bind_text(st, 4, flt->entity_id);
    if (flt->from_ms)
        sqlite3_bind_int64(st, 5, flt->from_ms);
    if (flt->to_ms)
        sqlite3_bind_int64(st, 6, flt->to_ms);
    if (flt->before_id)
        sqlite3_bind_int64(st, 7, flt->before_id);
    sqlite3_bind_int(st, 8, flt->limit);
    ret = audit_rows(st, cb, ctx);
out:
    buf_release(&sql);
    return ret;
}

int
db_audit_scan(struct db *db, db_audit_cb cb, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(db, "SELECT " AUDIT_COLS " FROM audit ORDER BY id");
    return st ? audit_rows(st, cb, ctx) : ST_DB;
}

/* ---- rooms ---- */

int
db_room_insert(struct db *db, const char *name, const char *kind, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *st = sq_stmt(db, "INSERT INTO rooms (name, kind) VALUES (?, ?)");
    if (!st)
        return ST_DB;
    sq_bind_text(st, 1, name);
    sq_bind_text(st, 2, kind);
    int ret = sq_run(st);
    if (ret == ST_OK)
        *id = sqlite3_last_insert_rowid(db->conn);
    return ret;
}

int
db_room_count(struct db *db, int64_t *n)
{
    return count_query(db, "SELECT count(*) FROM rooms", n);
}
