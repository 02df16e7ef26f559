/* The list of migrations; their SQL is embedded from the files in migrations/ at build time. */
#include "store/migrations.h"

extern const unsigned char migration_001_foundation[];
extern const unsigned char migration_002_screening[];
extern const unsigned char migration_003_courses[];
extern const unsigned char migration_004_calendar[];
extern const unsigned char migration_005_outbox[];
extern const unsigned char migration_006_procedures[];
extern const unsigned char migration_007_outcomes[];

const struct store_migration store_migrations[] = {
    {"foundation", migration_001_foundation},
    {"screening", migration_002_screening},
    {"courses", migration_003_courses},
    {"calendar", migration_004_calendar},
    {"outbox", migration_005_outbox},
    {"procedures", migration_006_procedures},
    {"outcomes", migration_007_outcomes},
};
const unsigned long store_migrations_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
