/* The list of migrations; their SQL is embedded from the files in migrations/ at build time. */
#include "store/migrations.h"

extern const unsigned char migration_001_foundation[];
extern const unsigned char migration_002_screening[];

const struct store_migration store_migrations[] = {
    {"foundation", migration_001_foundation},
    {"screening", migration_002_screening},
};
const unsigned long store_migrations_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
