/* Unit tests of src/clinic/role.c: role names, the permission table and its Markdown form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/role.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_names(void **state)
{
    static const struct {
        unsigned bit;
        const char *name;
    } cases[] = {
        {ROLE_ADMIN, "admin"},
        {ROLE_DOCTOR, "doctor"},
        {ROLE_NURSE, "nurse"},
        {ROLE_RECEPTION, "reception"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        assert_string_equal(role_name(cases[i].bit), cases[i].name);
        assert_int_equal(role_from_name(cases[i].name), cases[i].bit);
        /* role_at walks the roles in display order, which is this table's order. */
        assert_int_equal(role_at((int)i), cases[i].bit);
    }
    assert_int_equal(ROLE_COUNT, N(cases));
    assert_null(role_name(0));
    assert_null(role_name(ROLE_ADMIN | ROLE_NURSE));
    assert_null(role_name(1u << 4));
    assert_int_equal(role_from_name("Admin"), 0);
    assert_int_equal(role_from_name("admin "), 0);
    assert_int_equal(role_from_name(""), 0);
    assert_int_equal(role_from_name("superuser"), 0);
    assert_int_equal(role_at(-1), 0);
    assert_int_equal(role_at(ROLE_COUNT), 0);
}

static void
test_format(void **state)
{
    static const struct {
        unsigned set;
        const char *text;
    } cases[] = {
        {0, ""},
        {ROLE_NURSE, "nurse"},
        {ROLE_ADMIN | ROLE_NURSE, "admin,nurse"},
        {ROLE_RECEPTION | ROLE_DOCTOR, "doctor,reception"},
        {ROLE_ALL, "admin,doctor,nurse,reception"},
        {ROLE_DOCTOR | (1u << 7), "doctor"}, /* unknown bits are not roles */
    };
    struct buf b;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        buf_init(&b, 64);
        assert_int_equal(role_format(cases[i].set, &b), ST_OK);
        assert_string_equal(buf_str(&b), cases[i].text);
        buf_release(&b);
    }
    /* The buffer's cap holds. */
    buf_init(&b, 8);
    assert_int_equal(role_format(ROLE_ALL, &b), ST_TOO_BIG);
    buf_release(&b);
}

/* The permission table as docs/permissions.md states it. */
static const struct {
    enum permission p;
    const char *name;
    unsigned roles;
} perms[] = {
    {PERM_PATIENT_READ, "patient.read", ROLE_ADMIN | ROLE_DOCTOR | ROLE_NURSE | ROLE_RECEPTION},
    {PERM_PATIENT_CREATE, "patient.create", ROLE_ADMIN | ROLE_DOCTOR | ROLE_RECEPTION},
    {PERM_PATIENT_UPDATE, "patient.update", ROLE_ADMIN | ROLE_DOCTOR | ROLE_RECEPTION},
    {PERM_PATIENT_DELETE, "patient.delete", ROLE_ADMIN},
    {PERM_USER_MANAGE, "user.manage", ROLE_ADMIN},
    {PERM_AUDIT_READ, "audit.read", ROLE_ADMIN},
    {PERM_CLINICAL_READ, "clinical.read", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_CLINICAL_WRITE, "clinical.write", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_SCREENING_RUN, "screening.run", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_SCREENING_SIGN, "screening.sign", ROLE_DOCTOR},
    {PERM_COURSE_READ, "course.read", ROLE_ALL},
    {PERM_COURSE_PRESCRIBE, "course.prescribe", ROLE_DOCTOR},
    {PERM_SCHEDULE_READ, "schedule.read", ROLE_ALL},
    {PERM_SCHEDULE_BOOK, "schedule.book", ROLE_ALL},
    {PERM_SCHEDULE_MANAGE, "schedule.manage", ROLE_ADMIN},
    {PERM_OUTBOX_READ, "outbox.read", ROLE_ADMIN | ROLE_RECEPTION},
    {PERM_OUTBOX_MARK, "outbox.mark", ROLE_ADMIN},
    {PERM_PROCEDURE_READ, "procedure.read", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_PROCEDURE_RECORD, "procedure.record", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_ADVERSE_READ, "adverse.read", ROLE_ADMIN | ROLE_DOCTOR | ROLE_NURSE},
    {PERM_ADVERSE_RECORD, "adverse.record", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_OUTCOME_READ, "outcome.read", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_OUTCOME_RECORD, "outcome.record", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_PHOTO_READ, "photo.read", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_PHOTO_RECORD, "photo.record", ROLE_DOCTOR | ROLE_NURSE},
    {PERM_REPORT_READ, "report.read", ROLE_ADMIN | ROLE_DOCTOR},
};

static void
test_permissions(void **state)
{
    (void)state;
    assert_int_equal(PERM_COUNT, N(perms));
    for (size_t i = 0; i < N(perms); i++) {
        assert_string_equal(permission_name(perms[i].p), perms[i].name);
        assert_non_null(permission_description(perms[i].p));
        assert_true(strlen(permission_description(perms[i].p)) > 10);
        assert_int_equal(permission_roles(perms[i].p), perms[i].roles);
        for (int r = 0; r < ROLE_COUNT; r++) {
            unsigned bit = role_at(r);
            assert_int_equal(permission_allows(bit, perms[i].p), (perms[i].roles & bit) != 0);
            /* Holding several roles allows what any of them allows. */
            assert_int_equal(permission_allows(bit | ROLE_ADMIN, perms[i].p),
                             (perms[i].roles & (bit | ROLE_ADMIN)) != 0);
        }
        assert_false(permission_allows(0, perms[i].p));
    }
    assert_null(permission_name(PERM_COUNT));
    assert_null(permission_name((enum permission) - 1));
    assert_null(permission_description(PERM_COUNT));
    assert_int_equal(permission_roles(PERM_COUNT), 0);
    assert_false(permission_allows(ROLE_ALL, PERM_COUNT));
}

static void
test_markdown(void **state)
{
    /* The table rows (permission, then one column per role) and each permission explained. */
    static const char *const rows[] = {
        "| permission | admin | doctor | nurse | reception |\n| --- | :---: | :---: | :---: | :---: |\n",
        "| patient.read | yes | yes | yes | yes |\n",
        "| patient.create | yes | yes | no | yes |\n",
        "| patient.update | yes | yes | no | yes |\n",
        "| patient.delete | yes | no | no | no |\n",
        "| user.manage | yes | no | no | no |\n",
        "| audit.read | yes | no | no | no |\n",
        "- patient.delete: soft-delete a patient record, with a reason\n",
        "- audit.read: read and verify the audit trail\n",
    };
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(permission_markdown(&b), ST_OK);
    assert_true(strncmp(buf_str(&b), "# Who may do what\n", 18) == 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (!strstr(buf_str(&b), rows[i]))
            fail_msg("missing from the permission page: %s", rows[i]);
    buf_release(&b);

    buf_init(&b, 100);
    assert_int_equal(permission_markdown(&b), ST_TOO_BIG);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_markdown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
