/* Roles and the permission table. */
#include "clinic/role.h"

#include <string.h>

static const struct {
    unsigned bit;
    const char *name;
} roles[ROLE_COUNT] = {
    {ROLE_ADMIN, "admin"},
    {ROLE_DOCTOR, "doctor"},
    {ROLE_NURSE, "nurse"},
    {ROLE_RECEPTION, "reception"},
};

static const struct {
    const char *name;
    unsigned roles;
    const char *what;
} permissions[PERM_COUNT] = {
    [PERM_PATIENT_READ] = {"patient.read", ROLE_ALL,
                           "list, search and open patient records and their history"},
    [PERM_PATIENT_CREATE] = {"patient.create", ROLE_ADMIN | ROLE_DOCTOR | ROLE_RECEPTION,
                             "register a patient"},
    [PERM_PATIENT_UPDATE] = {"patient.update", ROLE_ADMIN | ROLE_DOCTOR | ROLE_RECEPTION,
                             "correct a patient's registration details (a new version)"},
    [PERM_PATIENT_DELETE] = {"patient.delete", ROLE_ADMIN,
                             "soft-delete a patient record, with a reason"},
    [PERM_USER_MANAGE] = {"user.manage", ROLE_ADMIN,
                          "add users, change their roles, disable them, reset passwords"},
    [PERM_AUDIT_READ] = {"audit.read", ROLE_ADMIN, "read and verify the audit trail"},
    [PERM_CLINICAL_READ] = {"clinical.read", ROLE_DOCTOR | ROLE_NURSE,
                            "read assessments, medical history, lab results and screening results"},
    [PERM_CLINICAL_WRITE] = {"clinical.write", ROLE_DOCTOR | ROLE_NURSE,
                             "record assessments, medical history and lab results (manual or "
                             "imported), and delete a wrong lab result with a reason"},
    [PERM_SCREENING_RUN] = {"screening.run", ROLE_DOCTOR | ROLE_NURSE,
                            "compute a screening for a planned session and store the result"},
    [PERM_SCREENING_SIGN] = {"screening.sign", ROLE_DOCTOR,
                             "sign off a screening result; proceeding against a caution, deferral, "
                             "missing data or contraindication needs a written reason"},
    [PERM_COURSE_READ] = {"course.read", ROLE_ALL,
                          "read treatment courses, their planned sessions and quotes"},
    [PERM_COURSE_PRESCRIBE] = {"course.prescribe", ROLE_DOCTOR,
                               "prescribe a course (needs a screening signed to proceed), put it "
                               "on hold, complete or cancel it"},
    [PERM_SCHEDULE_READ] = {"schedule.read", ROLE_ALL,
                            "read the calendar, the clinic's hours, rooms, clinicians and "
                            "centrifuges, and appointments"},
    [PERM_SCHEDULE_BOOK] = {"schedule.book", ROLE_ALL,
                            "find free slots, book, move and cancel appointments and change "
                            "their state"},
    [PERM_SCHEDULE_MANAGE] = {"schedule.manage", ROLE_ADMIN,
                              "set opening hours and closures, and manage rooms, clinicians' "
                              "working hours and centrifuges"},
    [PERM_OUTBOX_READ] = {"outbox.read", ROLE_ADMIN | ROLE_RECEPTION,
                          "read the outbox of reminder messages (a gateway token may too)"},
    [PERM_OUTBOX_MARK] = {"outbox.mark", ROLE_ADMIN,
                          "mark outbox messages sent or failed (a gateway token may too)"},
    [PERM_PROCEDURE_READ] = {"procedure.read", ROLE_DOCTOR | ROLE_NURSE,
                             "read procedure records: preparations, specimens and their chain of "
                             "custody, identity checks and injections"},
    [PERM_PROCEDURE_RECORD] = {"procedure.record", ROLE_DOCTOR | ROLE_NURSE,
                               "start a procedure at the chair, record the draw, preparation, "
                               "specimens, identity checks, injections and aftercare, complete it"},
    [PERM_ADVERSE_READ] = {"adverse.read", ROLE_ADMIN | ROLE_DOCTOR | ROLE_NURSE,
                           "read adverse events, and the clinic's list of serious ones"},
    [PERM_ADVERSE_RECORD] = {"adverse.record", ROLE_DOCTOR | ROLE_NURSE,
                             "record an adverse event and its follow-up (a new version)"},
    [PERM_OUTCOME_READ] = {"outcome.read", ROLE_DOCTOR | ROLE_NURSE,
                           "read a patient's measurements, timeline and outcome report"},
    [PERM_OUTCOME_RECORD] = {"outcome.record", ROLE_DOCTOR | ROLE_NURSE,
                             "record, correct and void measurements; import trichoscopy files"},
    [PERM_PHOTO_READ] = {"photo.read", ROLE_DOCTOR | ROLE_NURSE,
                         "see a patient's photographs (every view is audited)"},
    [PERM_PHOTO_RECORD] = {"photo.record", ROLE_DOCTOR | ROLE_NURSE,
                           "upload a patient's photographs and void one taken in error"},
    [PERM_REPORT_READ] = {"report.read", ROLE_ADMIN | ROLE_DOCTOR,
                          "read the clinic's cohort reports (no patient is named in them)"},
};

const char *
role_name(unsigned role)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (roles[i].bit == role)
            return roles[i].name;
    return NULL;
}

unsigned
role_from_name(const char *name)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (strcmp(roles[i].name, name) == 0)
            return roles[i].bit;
    return 0;
}

unsigned
role_at(int i)
{
    return i >= 0 && i < ROLE_COUNT ? roles[i].bit : 0;
}

int
role_format(unsigned set, struct buf *out)
{
    int st = ST_OK, n = 0;
    for (int i = 0; i < ROLE_COUNT && st == ST_OK; i++)
        if (set & roles[i].bit)
            st = buf_printf(out, "%s%s", n++ ? "," : "", roles[i].name);
    if (st == ST_OK && n == 0)
        st = buf_append_str(out, "");
    return st;
}

const char *
permission_name(enum permission p)
{
    return (unsigned)p < PERM_COUNT ? permissions[p].name : NULL;
}

const char *
permission_description(enum permission p)
{
    return (unsigned)p < PERM_COUNT ? permissions[p].what : NULL;
}

unsigned
permission_roles(enum permission p)
{
    return (unsigned)p < PERM_COUNT ? permissions[p].roles : 0;
}

bool
permission_allows(unsigned set, enum permission p)
{
    return (set & permission_roles(p)) != 0;
}

int
permission_markdown(struct buf *out)
{
    int st = buf_append_str(
        out,
        "# Who may do what\n\n"
        "Autologa has four roles: admin (clinic manager), doctor, nurse and reception. A user\n"
        "may hold several; a permission is granted when any of the user's roles has it. This\n"
        "page is printed by `autologa permissions` from the one table in src/clinic/role.c,\n"
        "and the API tests check every endpoint against it: allowed roles succeed, other\n"
        "roles get 403 `forbidden`, anonymous requests get 401 `unauthenticated`.\n\n"
        "| permission |");
    for (int i = 0; i < ROLE_COUNT && st == ST_OK; i++)
        st = buf_printf(out, " %s |", roles[i].name);
    if (st == ST_OK)
        st = buf_append_str(out, "\n| --- |");
    for (int i = 0; i < ROLE_COUNT && st == ST_OK; i++)
        st = buf_append_str(out, " :---: |");
    for (int p = 0; p < PERM_COUNT && st == ST_OK; p++) {
        st = buf_printf(out, "\n| %s |", permissions[p].name);
        for (int i = 0; i < ROLE_COUNT && st == ST_OK; i++)
            st = buf_append_str(out, permissions[p].roles & roles[i].bit ? " yes |" : " no |");
    }
    if (st == ST_OK)
        st = buf_append_str(out, "\n\nWhat each permission allows:\n");
    for (int p = 0; p < PERM_COUNT && st == ST_OK; p++)
        st = buf_printf(out, "\n- %s: %s", permissions[p].name, permissions[p].what);
    if (st == ST_OK)
        st = buf_append_str(
            out,
            "\n\nAny logged-in user may also read and end their own session, change their own\n"
            "password and read this table (`GET /api/v1/permissions`). The health check and\n"
            "the OpenAPI document are public. Which endpoint needs which permission: the\n"
            "`x-permission` of each operation in docs/openapi.json, summarised in "
            "docs/api.md.\n");
    return st;
}
