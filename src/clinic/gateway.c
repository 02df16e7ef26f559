/* Gateway tokens: making and revoking them. */
#include "clinic/gateway.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"

bool
gateway_name_valid(const char *name)
{
    size_t n = name ? strnlen(name, GATEWAY_NAME_MAX + 1) : 0;
    if (n == 0 || n > GATEWAY_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

int
gateway_add(struct db *db, const struct actor *a, const char *name, char token[CRYPTO_TOKEN_HEX],
            struct fail *f)
{
    struct db_gateway g;
    token[0] = '\0';
    if (!gateway_name_valid(name))
        return fail_set(f, ST_INVALID, "name", "invalid_value",
                        "gateway name '%.40s' must be 1 to %d of a-z, 0-9, '.', '_' and '-', "
                        "starting with a letter or a digit",
                        name ? name : "", GATEWAY_NAME_MAX);
    memset(&g, 0, sizeof(g));
    snprintf(g.name, sizeof(g.name), "%s", name);
    crypto_random_token(token);
    crypto_sha256_hex(token, strlen(token), g.token_hash);
    g.created_ms = time_now_ms();
    int st = db_begin_write(db);
    if (st == ST_OK)
        st = db_gateway_insert(db, &g);
    if (st == ST_CONFLICT) {
        db_rollback(db);
        token[0] = '\0';
        return fail_set(f, ST_CONFLICT, "name", "conflict",
                        "gateway '%s' exists already (a revoked name stays taken); choose "
                        "another name",
                        name);
    }
    if (st == ST_OK)
        st = audit_write(db, a, "gateway.add", "gateway", name);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        token[0] = '\0';
        return db_fail(db, st, f);
    }
    return ST_OK;
}

int
gateway_revoke(struct db *db, const struct actor *a, const char *name, struct fail *f)
{
    int st = db_begin_write(db);
    if (st == ST_OK)
        st = db_gateway_revoke(db, name);
    if (st == ST_NOT_FOUND || st == ST_CONFLICT) {
        db_rollback(db);
        return st == ST_NOT_FOUND
                   ? fail_set(f, ST_NOT_FOUND, "name", "not_found", "no gateway '%.40s'", name)
                   : fail_set(f, ST_CONFLICT, "name", "conflict",
                              "gateway '%.40s' is revoked already", name);
    }
    if (st == ST_OK)
        st = audit_write(db, a, "gateway.revoke", "gateway", name);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        return db_fail(db, st, f);
    }
    return ST_OK;
}
