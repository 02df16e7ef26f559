/* The schema migrations compiled into the binary, in order: migration N brings the schema from
 * version N-1 to N (PRAGMA user_version). Add a file under migrations/ and a line in
 * migrations.c; never edit a migration that has shipped. */
#ifndef AUTOLOGA_STORE_MIGRATIONS_H
#define AUTOLOGA_STORE_MIGRATIONS_H

struct store_migration {
    const char *name;
    const unsigned char *sql;
};

extern const struct store_migration store_migrations[];
extern const unsigned long store_migrations_count;

#endif
