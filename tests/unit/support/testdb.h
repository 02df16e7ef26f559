/* Test support shared by the store, clinic and http unit tests: a freshly migrated SQLite
 * database in its own temporary directory, and raw SQL on a second connection to tamper with it. */
#ifndef AUTOLOGA_TESTS_TESTDB_H
#define AUTOLOGA_TESTS_TESTDB_H

#include <stdint.h>
#include "store/db.h"

struct testdb {
    char dir[64];   /* mkdtemp under /tmp */
    char path[128]; /* dir/autologa.db */
    struct db *db;  /* open and migrated */
};

/* Creates the directory, opens and migrates the database; 0 or -1 (for cmocka setups). */
int testdb_setup(struct testdb *t);
/* Closes the database and removes the directory with everything in it. Accepts NULL. */
void testdb_teardown(struct testdb *t);

/* Runs `sql` on a second connection to the file (outside the store API); 0 or -1. */
int testdb_exec(const struct testdb *t, const char *sql);
/* The first column of the first row of `sql` as an integer (-1 when there is no row). */
int64_t testdb_int(const struct testdb *t, const char *sql);

/* cmocka group setup/teardown: crypto_setup() once, then a fresh testdb per test as *state. */
int testdb_group_setup(void **state);
int testdb_test_setup(void **state);
int testdb_test_teardown(void **state);

#endif
