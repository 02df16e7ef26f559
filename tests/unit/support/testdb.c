/* Temporary databases for unit tests: real SQLite files, never mocks, removed afterwards. */
#include "testdb.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"

int
testdb_setup(struct testdb *t)
{
    struct fail f;
    int applied = 0, version = 0;

    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/autologa-unit-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/autologa.db", t->dir);
    if (db_open(t->path, true, &t->db, &f) != ST_OK) {
        fprintf(stderr, "testdb: %s\n", f.message);
        return -1;
    }
    if (db_migrate(t->db, &applied, &version, &f) != ST_OK || version != db_schema_latest()) {
        fprintf(stderr, "testdb: %s\n", f.message);
        return -1;
    }
    return 0;
}

static int
remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

void
testdb_teardown(struct testdb *t)
{
    if (!t)
        return;
    db_close(t->db);
    t->db = NULL;
    /* Only ever a directory this file made: refuse anything else. */
    if (strncmp(t->dir, "/tmp/autologa-unit-", 19) == 0)
        nftw(t->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    t->dir[0] = '\0';
}

int
testdb_exec(const struct testdb *t, const char *sql)
{
    sqlite3 *conn = NULL;
    char *err = NULL;
    int ret = -1;

    if (sqlite3_open_v2(t->path, &conn, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(conn, 5000);
    if (sqlite3_exec(conn, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "testdb: '%s' failed: %s\n", sql, err ? err : "?");
        goto out;
    }
    ret = 0;
out:
    sqlite3_free(err);
    sqlite3_close(conn);
    return ret;
}

int64_t
testdb_int(const struct testdb *t, const char *sql)
{
    sqlite3 *conn = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_open_v2(t->path, &conn, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(conn, 5000);
    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "testdb: '%s' failed: %s\n", sql, sqlite3_errmsg(conn));
        goto out;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
out:
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return v;
}

int
testdb_group_setup(void **state)
{
    (void)state;
    return crypto_setup() == ST_OK ? 0 : -1;
}

int
testdb_test_setup(void **state)
{
    struct testdb *t = calloc(1, sizeof(*t));

    if (!t)
        return -1;
    *state = t;
    return testdb_setup(t);
}

int
testdb_test_teardown(void **state)
{
    testdb_teardown(*state);
    free(*state);
    *state = NULL;
    return 0;
}
