/* Gateways of the outbox: the SMS or e-mail services that poll the outbox with a bearer token.
 * Tokens are made and revoked on the command line (docs/cli.md); only their SHA-256 is stored,
 * and a request with one is resolved by session_gateway_lookup (clinic/session.h). */
#ifndef AUTOLOGA_CLINIC_GATEWAY_H
#define AUTOLOGA_CLINIC_GATEWAY_H

#include <stdbool.h>

#include "clinic/audit.h"
#include "core/crypto.h"
#include "store/db.h"

/* "gateway:" and the name fill the audit trail's username (39 bytes). */
#define GATEWAY_NAME_MAX 31

/* 1 to GATEWAY_NAME_MAX of a-z, 0-9, '.', '_' and '-', starting with a letter or a digit. */
bool gateway_name_valid(const char *name);

/* Makes gateway `name` with a new random token, given once in `token` (only its hash is kept);
 * audited as gateway.add (entity gateway, the name). ST_INVALID ("invalid_value") for a bad
 * name, ST_CONFLICT ("conflict") when the name is taken, revoked or not: a name in the audit
 * trail always means one gateway. */
int gateway_add(struct db *db, const struct actor *a, const char *name,
                char token[CRYPTO_TOKEN_HEX], struct fail *f) WARN_UNUSED;

/* Revokes gateway `name`: its token is refused from then on. Audited as gateway.revoke.
 * ST_NOT_FOUND when there is no such gateway, ST_CONFLICT when it is revoked already. */
int gateway_revoke(struct db *db, const struct actor *a, const char *name,
                   struct fail *f) WARN_UNUSED;

#endif
