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
/* Runs a statement that returns no rows, then resets it. */
int sq_run(sqlite3_stmt *st);

#endif
