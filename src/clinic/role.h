/* Roles and the one permission table that says which role may do what. docs/permissions.md is
 * generated from this table (`autologa permissions`) and the API tests check every endpoint
 * against it. */
#ifndef AUTOLOGA_CLINIC_ROLE_H
#define AUTOLOGA_CLINIC_ROLE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/buf.h"

enum role {
    ROLE_ADMIN = 1u << 0,
    ROLE_DOCTOR = 1u << 1,
    ROLE_NURSE = 1u << 2,
    ROLE_RECEPTION = 1u << 3,
};
#define ROLE_ALL (ROLE_ADMIN | ROLE_DOCTOR | ROLE_NURSE | ROLE_RECEPTION)
#define ROLE_COUNT 4

enum permission {
    PERM_PATIENT_READ,
    PERM_PATIENT_CREATE,
    PERM_PATIENT_UPDATE,
    PERM_PATIENT_DELETE,
    PERM_USER_MANAGE,
    PERM_AUDIT_READ,
    PERM_CLINICAL_READ,
    PERM_CLINICAL_WRITE,
    PERM_SCREENING_RUN,
    PERM_SCREENING_SIGN,
    PERM_COURSE_READ,
    PERM_COURSE_PRESCRIBE,
    PERM_SCHEDULE_READ,
    PERM_SCHEDULE_BOOK,
    PERM_SCHEDULE_MANAGE,
    PERM_OUTBOX_READ,
    PERM_OUTBOX_MARK,
    PERM_PROCEDURE_READ,
    PERM_PROCEDURE_RECORD,
    PERM_ADVERSE_READ,
    PERM_ADVERSE_RECORD,
    PERM_OUTCOME_READ,
    PERM_OUTCOME_RECORD,
    PERM_PHOTO_READ,
    PERM_PHOTO_RECORD,
    PERM_REPORT_READ,
    PERM_COUNT
};

/* The name of a single role bit ("admin", ...), or NULL for anything else. */
const char *role_name(unsigned role);
/* The role bit of a name, 0 when unknown. */
unsigned role_from_name(const char *name);
/* The i-th role bit (0 <= i < ROLE_COUNT), in display order. */
unsigned role_at(int i);
/* Appends the role names of a bit set, comma-separated ("admin,doctor"). */
int role_format(unsigned roles, struct buf *out) WARN_UNUSED;

/* "patient.read", ...; NULL for an unknown permission. */
const char *permission_name(enum permission p);
/* What the permission covers, for the documentation. */
const char *permission_description(enum permission p);
/* The roles that hold a permission. */
unsigned permission_roles(enum permission p);
/* True when any of `roles` holds `p`. */
bool permission_allows(unsigned roles, enum permission p);
/* Appends the permission table as Markdown. */
int permission_markdown(struct buf *out) WARN_UNUSED;

#endif
