/* What the SQLite files of the store share: the connection and the statement helpers. Only
 * src/store/sqlite*.c include it; the rest of Autologa sees db.h alone. */
#ifndef AUTOLOGA_STORE_SQLITE_INTERNAL_H
#define AUTOLOGA_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define STMT_CACHE 64

struct stmt_slot {
    unsigned long hash;
    char *sql;
    sqlite3_stmt *stmt;
};

struct db {
    sqlite3 *conn;
    struct stmt_slot cache[STMT_CACHE];
    int ncache;
    int in_tx;
    bool holds_writer; /* this connection holds the process's writer lock */
};

/* The status of an SQLite result code (SQLITE_CONSTRAINT is ST_CONFLICT, BUSY is ST_BUSY). */
int sq_status(int rc);
/* A cached prepared statement for `sql` (a string literal: the cache keys on its text), reset
 * and with bindings cleared; NULL on failure (db_errmsg says why). */
sqlite3_stmt *sq_stmt(struct db *db, const char *sql);
/* Binds a string, or NULL for a NULL pointer. */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A user id, or NULL for "no user" (0: the command line, a failed login). */
void sq_bind_user_id(sqlite3_stmt *st, int i, int64_t id);
/* A copy of a text column (NULL for SQL NULL or out of memory: check with sqlite3_column_type). */
char *sq_col_dup(sqlite3_stmt *st, int i);
/* A text column into a fixed buffer ("" for NULL), truncated to fit. */
void sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap);
/* *out: a copy of a text column, NULL for SQL NULL; ST_NOMEM (and *out NULL) when the copy
 * fails, which sq_col_dup cannot tell apart from NULL. */
int sq_col_dup_checked(sqlite3_stmt *st, int i, char **out);
/* Whether the string in a record's fixed char array of `cap` bytes ends inside it: writers refuse
 * (ST_INVALID) what does not, rather than reading past the array or storing a cut value. */
bool sq_fits(const char *s, size_t cap);
/* Fills a record from the current row of a statement; on failure it releases what it filled. */
typedef int (*sq_read_fn)(sqlite3_stmt *st, void *out);
/* Steps `st` for at most one row and reads it into `out` with `read`; ST_NOT_FOUND when there
 * is no row. Resets the statement. */
int sq_one(sqlite3_stmt *st, sq_read_fn read, void *out);
/* Runs a statement that returns no rows, then resets it. */
int sq_run(sqlite3_stmt *st);

/* Versioned documents (assessments, medical histories; sqlite_assessment.c). Binds `v` as
 * (record id, version, user id, at, changes, snapshot) and runs the insert `st`. */
int sq_doc_version_insert(sqlite3_stmt *st, const struct db_doc_version *v);
/* Calls cb for each row of `st`, whose columns are record id, version, user id (0 for none), at,
 * changes, snapshot, username, display name; a non-zero return stops and is returned. Resets st. */
int sq_doc_version_rows(sqlite3_stmt *st, db_doc_version_cb cb, void *ctx);

#endif
