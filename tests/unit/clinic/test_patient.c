/* Unit tests of src/clinic/patient.c: every validation rule of docs/api.md "Patients", versions
 * with their change lists, optimistic locking, soft deletion, search in both scripts, paging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/audit.h"
#include "clinic/mrn.h"
#include "clinic/patient.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/text.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *
body_of(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);

    if (!j)
        fail_msg("bad test body %s: %s", s, err.text);
    return j;
}

/* ---- patient_parse ---- */

#define NAMES "\"given_name\":\"Layla\",\"family_name\":\"Haddad\""
#define DOB "\"date_of_birth\":\"1988-04-12\""
#define SEX "\"sex\":\"female\""
#define BASE NAMES "," DOB "," SEX

static const struct parse_case {
    const char *body;
    bool update;
    const char *code; /* NULL: valid */
    const char *field;
} parse_cases[] = {
    /* valid */
    {"{" BASE "}", false, NULL, NULL},
    {"{\"given_name_ar\":\"ليلى\",\"family_name_ar\":\"حداد\"," DOB "," SEX "}", false, NULL, NULL},
    {"{\"given_name\":\"Mohámmad\",\"family_name\":\"O'Brien-Smith\",\"given_name_ar\":"
     "\"مُحَمَّد\",\"family_name_ar\":\"الأمين\"," DOB ",\"sex\":\"male\",\"phone\":"
     "\"+971501234567\",\"email\":\"m.obrien@example.invalid\",\"preferred_language\":\"ar\","
     "\"address\":\"Villa 3, Example Street\",\"emergency_contact_name\":\"Omar\","
     "\"emergency_contact_phone\":\"+971501234568\",\"notes\":\"line one\\nline two\"}",
     false, NULL, NULL},
    {"{" BASE ",\"version\":3}", true, NULL, NULL},
    {"{" NAMES ",\"date_of_birth\":\"1900-01-01\",\"sex\":\"other\"}", false, NULL, NULL},
    {"{" NAMES ",\"date_of_birth\":\"2024-02-29\",\"sex\":\"unknown\"}", false, NULL, NULL},
    {"{" BASE ",\"phone\":null,\"email\":\"   \",\"notes\":null}", false, NULL, NULL},
    {"{" BASE ",\"given_name_ar\":null,\"family_name_ar\":\"\"}", false, NULL, NULL},
    /* fields that may not be sent */
    {"{" BASE ",\"id\":1}", false, "unknown_field", "id"},
    {"{" BASE ",\"mrn\":\"10000012\"}", false, "unknown_field", "mrn"},
    {"{" BASE ",\"created_at\":\"2024-01-01\"}", false, "unknown_field", "created_at"},
    {"{" BASE ",\"updated_at\":\"2024-01-01\"}", false, "unknown_field", "updated_at"},
    {"{" BASE ",\"deleted\":false}", false, "unknown_field", "deleted"},
    {"{" BASE ",\"nickname\":\"Lulu\"}", false, "unknown_field", "nickname"},
    {"{" BASE ",\"version\":1}", false, "unknown_field", "version"},
    {"{" BASE ",\"Given_name\":\"x\"}", false, "unknown_field", "Given_name"},
    {"[1]", false, "not_object", ""},
    /* version on update */
    {"{" BASE "}", true, "required", "version"},
    {"{" BASE ",\"version\":null}", true, "required", "version"},
    {"{" BASE ",\"version\":0}", true, "out_of_range", "version"},
    {"{" BASE ",\"version\":-2}", true, "out_of_range", "version"},
    {"{" BASE ",\"version\":\"3\"}", true, "invalid_type", "version"},
    {"{" BASE ",\"version\":1.5}", true, "invalid_type", "version"},
    /* a full name in one script */
    {"{" DOB "," SEX "}", false, "name_required", "given_name"},
    {"{\"given_name\":\"  \",\"family_name\":\"\"," DOB "," SEX "}", false, "name_required",
     "given_name"},
    {"{\"family_name\":\"Haddad\"," DOB "," SEX "}", false, "name_required", "given_name"},
    {"{\"given_name\":\"Layla\"," DOB "," SEX "}", false, "name_required", "given_name"},
    {"{\"given_name_ar\":\"ليلى\"," DOB "," SEX "}", false, "name_required", "given_name"},
    {"{\"family_name_ar\":\"حداد\"," DOB "," SEX "}", false, "name_required", "given_name"},
    {"{\"given_name\":\"Layla\",\"family_name_ar\":\"حداد\"," DOB "," SEX "}", false,
     "name_required", "given_name"},
    {"{\"given_name\":\"ليلى\",\"family_name\":\"Haddad\"," DOB "," SEX "}", false, "wrong_script",
     "given_name"},
    {"{\"given_name\":\"Layla\",\"family_name\":\"Haddad2\"," DOB "," SEX "}", false,
     "wrong_script", "family_name"},
    {"{\"given_name\":\"Layla\",\"family_name\":\"Hadدad\"," DOB "," SEX "}", false, "wrong_script",
     "family_name"},
    {"{\"given_name_ar\":\"Layla\",\"family_name_ar\":\"حداد\"," DOB "," SEX "}", false,
     "wrong_script", "given_name_ar"},
    {"{\"given_name_ar\":\"ليلى\",\"family_name_ar\":\"حداد3\"," DOB "," SEX "}", false,
     "wrong_script", "family_name_ar"},
    {"{\"given_name\":\"...\",\"family_name\":\"Haddad\"," DOB "," SEX "}", false, "wrong_script",
     "given_name"},
    {"{\"given_name\":5,\"family_name\":\"Haddad\"," DOB "," SEX "}", false, "invalid_type",
     "given_name"},
    {"{\"given_name\":\"Lay\\u0007la\",\"family_name\":\"Haddad\"," DOB "," SEX "}", false,
     "invalid_utf8", "given_name"},
    /* date of birth */
    {"{" NAMES "," SEX "}", false, "required", "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":null," SEX "}", false, "required", "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"2026-02-30\"," SEX "}", false, "invalid_date",
     "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"2023-02-29\"," SEX "}", false, "invalid_date",
     "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"1899-12-31\"," SEX "}", false, "invalid_date",
     "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"1988-4-12\"," SEX "}", false, "invalid_date", "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"12/04/1988\"," SEX "}", false, "invalid_date",
     "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"1988-04-12T00:00\"," SEX "}", false, "invalid_date",
     "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":19880412," SEX "}", false, "invalid_type", "date_of_birth"},
    {"{" NAMES ",\"date_of_birth\":\"2999-01-01\"," SEX "}", false, "future_date", "date_of_birth"},
    /* sex */
    {"{" NAMES "," DOB "}", false, "required", "sex"},
    {"{" NAMES "," DOB ",\"sex\":\"F\"}", false, "invalid_value", "sex"},
    {"{" NAMES "," DOB ",\"sex\":\"Female\"}", false, "invalid_value", "sex"},
    {"{" NAMES "," DOB ",\"sex\":1}", false, "invalid_type", "sex"},
    /* contact fields */
    {"{" BASE ",\"phone\":\"0501234567\"}", false, "invalid_phone", "phone"},
    {"{" BASE ",\"phone\":\"+0501234567\"}", false, "invalid_phone", "phone"},
    {"{" BASE ",\"phone\":\"+971 50 123 4567\"}", false, "invalid_phone", "phone"},
    {"{" BASE ",\"phone\":\"+123456\"}", false, "invalid_phone", "phone"},
    {"{" BASE ",\"phone\":\"+9715012345678901\"}", false, "invalid_phone", "phone"},
    {"{" BASE ",\"emergency_contact_phone\":\"call Omar\"}", false, "invalid_phone",
     "emergency_contact_phone"},
    {"{" BASE ",\"email\":\"layla@\"}", false, "invalid_email", "email"},
    {"{" BASE ",\"email\":\"layla at example.invalid\"}", false, "invalid_email", "email"},
    {"{" BASE ",\"email\":[\"a@example.invalid\"]}", false, "invalid_type", "email"},
    {"{" BASE ",\"preferred_language\":\"fr\"}", false, "invalid_value", "preferred_language"},
    {"{" BASE ",\"preferred_language\":\"AR\"}", false, "invalid_value", "preferred_language"},
    {"{" BASE ",\"notes\":\"bell\\u0007\"}", false, "invalid_utf8", "notes"},
    {"{" BASE ",\"address\":{}}", false, "invalid_type", "address"},
};

static void
test_parse_table(void **state)
{
    struct db_patient p;
    struct fail f;
    int64_t version;

    (void)state;
    for (size_t i = 0; i < N(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        json_t *body = body_of(c->body);
        fail_clear(&f);
        version = -1;
        int rc = patient_parse(body, c->update, &p, &version, &f);
        json_decref(body);
        if (!c->code) {
            if (rc != ST_OK)
                fail_msg("case %zu should pass: %s (%s, %s)", i, f.message, f.code, f.field);
            assert_int_equal(version, c->update ? 3 : 0);
            db_patient_release(&p);
            continue;
        }
        if (rc != ST_INVALID || strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
            fail_msg("case %zu: got %d %s/%s (%s), expected %s/%s", i, rc, f.code, f.field,
                     f.message, c->code, c->field);
        assert_true(f.message[0] != '\0');
        /* Nothing is left to release after a failure. */
        assert_null(p.given_name);
        assert_null(p.family_name);
        assert_null(p.phone);
        assert_null(p.notes);
    }
}

static void
test_parse_values(void **state)
{
    struct db_patient p;
    struct fail f;
    json_t *body;

    (void)state;
    body = body_of("{\"given_name\":\"  Layla \",\"family_name\":\"Haddad\",\"date_of_birth\":"
                   "\"1988-04-12\",\"sex\":\"female\",\"phone\":\" +971501234567\","
                   "\"email\":\"\"}");
    assert_int_equal(patient_parse(body, false, &p, NULL, &f), ST_OK);
    assert_string_equal(p.given_name, "Layla");
    assert_string_equal(p.family_name, "Haddad");
    assert_null(p.given_name_ar);
    assert_null(p.family_name_ar);
    assert_string_equal(p.date_of_birth, "1988-04-12");
    assert_string_equal(p.sex, "female");
    assert_string_equal(p.phone, "+971501234567");
    assert_null(p.email);
    assert_string_equal(p.preferred_language, "en"); /* the default */
    assert_int_equal(p.id, 0);
    assert_string_equal(p.mrn, "");
    db_patient_release(&p);
    json_decref(body);
}

/* Each length limit: exactly at it passes, one character over fails with too_long. Counted in
 * characters, so the Arabic ones (two bytes each) show it is not bytes. */
static void
test_parse_lengths(void **state)
{
    static const struct {
        const char *field;
        size_t max;
        const char *unit; /* one character */
        const char *rest; /* the other fields of a valid body */
    } cases[] = {
        {"given_name", 100, "a", "\"family_name\":\"Haddad\""},
        {"family_name", 100, "b", "\"given_name\":\"Layla\""},
        {"given_name_ar", 100, "ل", "\"family_name_ar\":\"حداد\""},
        {"family_name_ar", 100, "د", "\"given_name_ar\":\"ليلى\""},
        {"address", 500, "x", NAMES},
        {"emergency_contact_name", 200, "y", NAMES},
        {"notes", 4000, "ن", NAMES},
    };
    struct db_patient p;
    struct fail f;
    struct buf b;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        for (size_t extra = 0; extra <= 1; extra++) {
            buf_init(&b, 0);
            assert_int_equal(buf_printf(&b, "{\"%s\":\"", cases[i].field), ST_OK);
            for (size_t k = 0; k < cases[i].max + extra; k++)
                assert_int_equal(buf_append_str(&b, cases[i].unit), ST_OK);
            assert_int_equal(buf_printf(&b, "\",%s,%s,%s}", cases[i].rest, DOB, SEX), ST_OK);
            json_t *body = body_of(buf_str(&b));
            fail_clear(&f);
            int rc = patient_parse(body, false, &p, NULL, &f);
            json_decref(body);
            buf_release(&b);
            if (extra == 0) {
                if (rc != ST_OK)
                    fail_msg("%s at %zu characters: %s", cases[i].field, cases[i].max, f.message);
                db_patient_release(&p);
            } else {
                assert_int_equal(rc, ST_INVALID);
                assert_string_equal(f.code, "too_long");
                assert_string_equal(f.field, cases[i].field);
            }
        }
    }
}

static void
test_parse_today(void **state)
{
    struct date today, tomorrow;
    char d[11], body_s[256];
    struct db_patient p;
    struct fail f;
    json_t *body;

    (void)state;
    date_today_utc(&today);
    date_from_days(date_to_days(&today) + 1, &tomorrow);
    /* A baby registered on the day of birth. */
    date_format(&today, d);
    snprintf(body_s, sizeof(body_s), "{" NAMES ",\"date_of_birth\":\"%s\"," SEX "}", d);
    body = body_of(body_s);
    assert_int_equal(patient_parse(body, false, &p, NULL, &f), ST_OK);
    assert_string_equal(p.date_of_birth, d);
    db_patient_release(&p);
    json_decref(body);

    date_format(&tomorrow, d);
    snprintf(body_s, sizeof(body_s), "{" NAMES ",\"date_of_birth\":\"%s\"," SEX "}", d);
    body = body_of(body_s);
    assert_int_equal(patient_parse(body, false, &p, NULL, &f), ST_INVALID);
    assert_string_equal(f.code, "future_date");
    json_decref(body);
}

/* ---- the registry against a database ---- */

struct fixture {
    struct testdb t;
    struct actor a;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct db_user u;

    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "reception1");
    u.display_name = "Front Desk";
    snprintf(u.password_hash, sizeof(u.password_hash), "unused");
    u.roles = 8;
    if (db_user_insert(fx->t.db, &u) != ST_OK)
        return -1;
    fx->a.user_id = u.id;
    snprintf(fx->a.username, sizeof(fx->a.username), "reception1");
    fx->a.roles = 8;
    snprintf(fx->a.remote, sizeof(fx->a.remote), "192.0.2.10");
    snprintf(fx->a.request_id, sizeof(fx->a.request_id), "test");
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    audit_queue_stop();
    testdb_teardown(&fx->t);
    free(fx);
    return 0;
}

/* Creates a patient from a JSON text; returns its id. */
static int64_t
create(struct fixture *fx, const char *s)
{
    json_t *body = body_of(s), *out = NULL;
    struct fail f;

    fail_clear(&f);
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        fail_msg("create %s: %s", s, f.message);
    json_decref(body);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static const char *
str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

#define LAYLA                                                                                      \
    "\"given_name\":\"Layla\",\"family_name\":\"Haddad\",\"given_name_ar\":\"ليلى\","          \
    "\"family_name_ar\":\"حداد\",\"date_of_birth\":\"1988-04-12\",\"sex\":\"female\""

static void
test_create_update_history(void **state)
{
    struct fixture *fx = *state;
    json_t *body, *out = NULL, *hist = NULL;
    struct fail f;
    struct audit_check c;
    int64_t id;

    body = body_of("{" LAYLA ",\"phone\":\"+971501234567\",\"notes\":\"prefers mornings\"}");
    assert_int_equal(patient_create(fx->t.db, &fx->a, body, &out, &f), ST_OK);
    json_decref(body);
    id = num(out, "id");
    assert_true(id > 0);
    assert_int_equal(num(out, "version"), 1);
    assert_int_equal(strlen(str(out, "mrn")), 8);
    assert_true(mrn_valid(str(out, "mrn")));
    assert_string_equal(str(out, "mrn"), "10000012"); /* the first of a fresh database */
    assert_string_equal(str(out, "given_name_ar"), "ليلى");
    assert_string_equal(str(out, "phone"), "+971501234567");
    assert_true(json_is_null(json_object_get(out, "email")));
    assert_string_equal(str(out, "preferred_language"), "en");
    assert_string_equal(str(out, "created_at"), str(out, "updated_at"));
    assert_true(json_is_false(json_object_get(out, "deleted")));
    json_decref(out);

    /* A correction is a new version; fields left out become empty. */
    body = body_of("{" LAYLA ",\"version\":1,\"phone\":\"+971509999999\","
                   "\"email\":\"layla@example.invalid\"}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_OK);
    json_decref(body);
    assert_int_equal(num(out, "version"), 2);
    assert_string_equal(str(out, "phone"), "+971509999999");
    assert_string_equal(str(out, "email"), "layla@example.invalid");
    assert_true(json_is_null(json_object_get(out, "notes")));
    assert_string_equal(str(out, "mrn"), "10000012");
    json_decref(out);

    /* Saving the form again unchanged is not a new version. */
    body = body_of("{" LAYLA ",\"version\":2,\"phone\":\"+971509999999\","
                   "\"email\":\" layla@example.invalid \"}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_OK);
    json_decref(body);
    assert_int_equal(num(out, "version"), 2);
    json_decref(out);

    /* Someone editing version 1 after that is refused. */
    body = body_of("{" LAYLA ",\"version\":1,\"phone\":\"+971508888888\"}");
    fail_clear(&f);
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_CONFLICT);
    assert_null(out);
    assert_string_equal(f.code, "stale_version");
    assert_string_equal(f.field, "version");
    json_decref(body);
    /* So is a version from the future. */
    body = body_of("{" LAYLA ",\"version\":3}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_CONFLICT);
    json_decref(body);

    /* An invalid body changes nothing; neither does an unknown id. */
    body = body_of("{" LAYLA ",\"version\":2,\"phone\":\"12\"}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_phone");
    json_decref(body);
    body = body_of("{" LAYLA ",\"version\":1}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id + 100, body, &out, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    json_decref(body);

    assert_int_equal(patient_read(fx->t.db, &fx->a, id, false, &out, &f), ST_OK);
    assert_int_equal(num(out, "version"), 2);
    assert_string_equal(str(out, "phone"), "+971509999999");
    json_decref(out);

    /* History, newest first, with what changed. */
    assert_int_equal(patient_history(fx->t.db, &fx->a, id, false, &hist, &f), ST_OK);
    json_t *items = json_object_get(hist, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *v2 = json_array_get(items, 0), *v1 = json_array_get(items, 1);
    assert_int_equal(num(v2, "version"), 2);
    assert_string_equal(str(v2, "action"), "update");
    assert_true(json_is_null(json_object_get(v2, "reason")));
    json_t *user = json_object_get(v2, "user");
    assert_int_equal(num(user, "id"), fx->a.user_id);
    assert_string_equal(str(user, "username"), "reception1");
    assert_string_equal(str(user, "display_name"), "Front Desk");
    json_t *ch = json_object_get(v2, "changes");
    assert_int_equal(json_object_size(ch), 3);
    assert_string_equal(str(json_object_get(ch, "phone"), "from"), "+971501234567");
    assert_string_equal(str(json_object_get(ch, "phone"), "to"), "+971509999999");
    assert_true(json_is_null(json_object_get(json_object_get(ch, "email"), "from")));
    assert_string_equal(str(json_object_get(ch, "email"), "to"), "layla@example.invalid");
    assert_string_equal(str(json_object_get(ch, "notes"), "from"), "prefers mornings");
    assert_true(json_is_null(json_object_get(json_object_get(ch, "notes"), "to")));
    assert_int_equal(num(v1, "version"), 1);
    assert_string_equal(str(v1, "action"), "create");
    /* A creation lists the values it set, from nothing; unset fields are not listed. */
    json_t *c1 = json_object_get(v1, "changes");
    assert_true(json_is_null(json_object_get(json_object_get(c1, "given_name"), "from")));
    assert_non_null(str(json_object_get(c1, "given_name"), "to"));
    assert_non_null(json_object_get(c1, "date_of_birth"));
    assert_null(json_object_get(c1, "id"));
    assert_null(json_object_get(c1, "deleted"));
    assert_null(json_object_get(c1, "emergency_contact_name"));
    json_decref(hist);
    assert_int_equal(patient_history(fx->t.db, &fx->a, id + 100, false, &hist, &f), ST_NOT_FOUND);
    assert_null(hist);

    /* The snapshot of each version is the whole record. */
    assert_int_equal(testdb_int(&fx->t, "SELECT json_extract(snapshot, '$.version') FROM"
                                        " patient_versions WHERE version = 2"),
                     2);
    /* Writes are audited in their own transaction, and the chain holds. */
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'patient.create'"),
                     1);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'patient.update'"),
                     1);
    assert_int_equal(audit_verify(fx->t.db, &c), ST_OK);
    assert_int_equal(c.first_bad_id, 0);
    assert_int_equal(c.events, 2);
}

static void
test_delete(void **state)
{
    static const struct {
        const char *body;
        const char *code;
        const char *field;
    } bad[] = {
        {"{}", "required", "reason"},
        {"{\"reason\":\"   \"}", "required", "reason"},
        {"{\"reason\":7}", "invalid_type", "reason"},
        {"{\"reason\":\"duplicate\",\"force\":true}", "unknown_field", "force"},
    };
    struct fixture *fx = *state;
    struct patient_list_params lp = {.limit = 50};
    json_t *body, *out = NULL;
    struct fail f;
    char mrn[MRN_MAX], q[64];
    int64_t id, other;

    id = create(fx, "{" LAYLA ",\"phone\":\"+971501234567\"}");
    other = create(fx, "{\"given_name\":\"Omar\",\"family_name\":\"Khoury\",\"date_of_birth\":"
                       "\"1975-01-30\",\"sex\":\"male\"}");
    assert_int_equal(patient_read(fx->t.db, &fx->a, id, false, &out, &f), ST_OK);
    snprintf(mrn, sizeof(mrn), "%s", str(out, "mrn"));
    json_decref(out);

    for (size_t i = 0; i < N(bad); i++) {
        body = body_of(bad[i].body);
        fail_clear(&f);
        assert_int_equal(patient_delete(fx->t.db, &fx->a, id, body, &f), ST_INVALID);
        assert_string_equal(f.code, bad[i].code);
        assert_string_equal(f.field, bad[i].field);
        json_decref(body);
    }

    body = body_of("{\"reason\":\"registered twice\"}");
    assert_int_equal(patient_delete(fx->t.db, &fx->a, id, body, &f), ST_OK);
    /* Gone: deleting again, or an unknown id, is not found. */
    assert_int_equal(patient_delete(fx->t.db, &fx->a, id, body, &f), ST_NOT_FOUND);
    assert_int_equal(patient_delete(fx->t.db, &fx->a, other + 100, body, &f), ST_NOT_FOUND);
    json_decref(body);

    /* Hidden from read and history unless the caller may see deleted records. */
    assert_int_equal(patient_read(fx->t.db, &fx->a, id, false, &out, &f), ST_NOT_FOUND);
    assert_null(out);
    assert_string_equal(f.code, "not_found");
    assert_int_equal(patient_history(fx->t.db, &fx->a, id, false, &out, &f), ST_NOT_FOUND);
    assert_int_equal(patient_read(fx->t.db, &fx->a, id, true, &out, &f), ST_OK);
    assert_true(json_is_true(json_object_get(out, "deleted")));
    assert_int_equal(num(out, "version"), 2);
    assert_string_equal(str(out, "given_name"), "Layla"); /* every value is kept */
    assert_string_equal(str(out, "phone"), "+971501234567");
    json_decref(out);
    assert_int_equal(patient_history(fx->t.db, &fx->a, id, true, &out, &f), ST_OK);
    json_t *v = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(str(v, "action"), "delete");
    assert_string_equal(str(v, "reason"), "registered twice");
    assert_int_equal(num(v, "version"), 2);
    json_t *ch = json_object_get(json_object_get(v, "changes"), "deleted");
    assert_true(json_is_false(json_object_get(ch, "from")));
    assert_true(json_is_true(json_object_get(ch, "to")));
    json_decref(out);

    /* Not editable any more. */
    body = body_of("{" LAYLA ",\"version\":2}");
    assert_int_equal(patient_update(fx->t.db, &fx->a, id, body, &out, &f), ST_NOT_FOUND);
    json_decref(body);

    /* Hidden from the list and from every kind of search. */
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    assert_int_equal(num(json_array_get(json_object_get(out, "items"), 0), "id"), other);
    assert_int_equal(num(out, "total"), 1);
    json_decref(out);
    const char *queries[] = {"layla", "ليلى", mrn, "+97150"};
    for (size_t i = 0; i < N(queries); i++) {
        lp.q = queries[i];
        assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
        if (json_array_size(json_object_get(out, "items")) != 0)
            fail_msg("search \"%s\" finds a deleted patient", queries[i]);
        json_decref(out);
    }
    /* Admins may list them. */
    lp.q = NULL;
    lp.include_deleted = true;
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
    assert_int_equal(num(out, "total"), 2);
    json_decref(out);
    snprintf(q, sizeof(q), "%s", mrn);
    lp.q = q;
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);

    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action ="
                                        " 'patient.delete'"),
                     1);
}

static void
test_reads_audited(void **state)
{
    struct fixture *fx = *state;
    struct patient_list_params lp = {.limit = 10};
    struct fail f;
    json_t *out;
    int64_t id;

    id = create(fx, "{" LAYLA "}");
    assert_int_equal(audit_queue_start(fx->t.path, &f), ST_OK);
    assert_int_equal(patient_read(fx->t.db, &fx->a, id, false, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(patient_history(fx->t.db, &fx->a, id, false, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    json_decref(out);
    lp.q = "layla";
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    json_decref(out);
    /* A read that fails is no read. */
    assert_int_equal(patient_read(fx->t.db, &fx->a, id + 1, false, &out, &f), ST_NOT_FOUND);
    assert_int_equal(audit_queue_flush(), ST_OK);
    audit_queue_stop();
    static const char *const actions[] = {"patient.read", "patient.history", "patient.list",
                                          "patient.search"};
    for (size_t i = 0; i < N(actions); i++) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM audit WHERE action = '%s' AND username = 'reception1'",
                 actions[i]);
        if (testdb_int(&fx->t, sql) != 1)
            fail_msg("no single %s event", actions[i]);
    }
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit"), 5);
}

/* Six invented patients for search and paging, in creation order. */
static const char *const people[] = {
    "{\"given_name\":\"Mohámmad\",\"family_name\":\"Haddad\",\"given_name_ar\":\"مُحَمَّد\","
    "\"family_name_ar\":\"حداد\",\"date_of_birth\":\"1980-01-01\",\"sex\":\"male\","
    "\"phone\":\"+971501234567\"}",
    "{\"given_name\":\"Layla\",\"family_name\":\"Khoury\",\"given_name_ar\":\"ليلى\","
    "\"family_name_ar\":\"خوري\",\"date_of_birth\":\"1992-05-05\",\"sex\":\"female\","
    "\"phone\":\"+971551112222\"}",
    "{\"given_name\":\"Ahmad\",\"family_name\":\"Nasser\",\"given_name_ar\":\"أحمد\","
    "\"family_name_ar\":\"ناصر\",\"date_of_birth\":\"1975-03-03\",\"sex\":\"male\"}",
    "{\"given_name_ar\":\"فاطمة\",\"family_name_ar\":\"صالح\",\"date_of_birth\":\"2000-07-07\","
    "\"sex\":\"female\"}",
    "{\"given_name\":\"Ahmad\",\"family_name\":\"Aziz\",\"date_of_birth\":\"1968-09-09\","
    "\"sex\":\"male\",\"phone\":\"+201001234567\"}",
    "{\"given_name\":\"Chloé\",\"family_name\":\"Dubois\",\"date_of_birth\":\"1999-11-11\","
    "\"sex\":\"female\"}",
};

static int64_t people_ids[N(people)];

static void
create_people(struct fixture *fx)
{
    for (size_t i = 0; i < N(people); i++)
        people_ids[i] = create(fx, people[i]);
}

/* The indexes into people[] of a list's items, e.g. "2,4". */
static void
indexes(json_t *out, char *buf, size_t cap)
{
    json_t *items = json_object_get(out, "items");
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < json_array_size(items); i++) {
        int64_t id = num(json_array_get(items, i), "id");
        int idx = -1;
        for (size_t k = 0; k < N(people); k++)
            if (people_ids[k] == id)
                idx = (int)k;
        len += (size_t)snprintf(buf + len, cap - len, "%s%d", i ? "," : "", idx);
        assert_true(len < cap);
    }
}

static void
test_search(void **state)
{
    static const struct {
        const char *q;
        const char *expect;
    } cases[] = {
        {"mohammad", "0"},
        {"MOHAMMAD", "0"},
        {"Mohámmad", "0"},
        {"moh had", "0"},
        {"محمد", "0"}, /* without the diacritics of the record */
        {"مُحَمَّد", "0"}, /* with them */
        {"محمد حداد", "0"},
        {"ليلي", "1"}, /* ى written as ي */
        {"ليلى", "1"},
        {"layla", "1"},
        {"khoury layla", "1"},
        {"احمد", "2"}, /* أ written as ا */
        {"إحمد", "2"}, /* or as إ */
        {"ahmad", "2,4"},
        {"ahmad nasser", "2"},
        {"ahmad khoury", ""}, /* every word must match */
        {"فاطمه", "3"},       /* ة written as ه */
        {"فاطمة صالح", "3"},
        {"فاطـمة", "3"}, /* with a tatweel */
        {"chloe", "5"},
        {"CHLOÉ dub", "5"},
        {"dubois, chloé", "5"},
        {"zzz", ""},
        {"+97150", "0"}, /* phone prefix */
        {"971 55", "1"}, /* spaces and dashes in a number are ignored */
        {"971-50-123", "0"},
        {"+971", "0,1"},
        {"20", "4"},
        {"10000012", "0"}, /* MRN, exact */
        {"10000020", "1"},
        {"1000001", ""},  /* not by prefix */
        {"10000013", ""}, /* a wrong check digit finds nothing */
    };
    struct fixture *fx = *state;
    struct patient_list_params lp = {.limit = 50};
    struct fail f;
    json_t *out;
    char got[64];

    create_people(fx);
    for (size_t i = 0; i < N(cases); i++) {
        lp.q = cases[i].q;
        fail_clear(&f);
        if (patient_list(fx->t.db, &fx->a, &lp, &out, &f) != ST_OK)
            fail_msg("q \"%s\": %s", cases[i].q, f.message);
        indexes(out, got, sizeof(got));
        if (strcmp(got, cases[i].expect) != 0)
            fail_msg("q \"%s\": got \"%s\", expected \"%s\"", cases[i].q, got, cases[i].expect);
        /* Search results carry no total. */
        assert_null(json_object_get(out, "total"));
        assert_non_null(json_object_get(out, "has_more"));
        json_decref(out);
    }
}

static void
test_list_params(void **state)
{
    static const struct {
        struct patient_list_params p;
        int rc;
        const char *code;
        const char *field;
    } cases[] = {
        {{.limit = 0}, ST_INVALID, "invalid_query", "limit"},
        {{.limit = 201}, ST_INVALID, "invalid_query", "limit"},
        {{.limit = -5}, ST_INVALID, "invalid_query", "limit"},
        {{.limit = 200}, ST_OK, "", ""},
        {{.limit = 1}, ST_OK, "", ""},
        {{.limit = 10, .offset = -1}, ST_INVALID, "invalid_query", "offset"},
        {{.limit = 10, .sort = "age"}, ST_INVALID, "invalid_query", "sort"},
        {{.limit = 10, .sort = "Family_name"}, ST_INVALID, "invalid_query", "sort"},
        {{.limit = 10, .order = "up"}, ST_INVALID, "invalid_query", "order"},
        {{.limit = 10, .order = "DESC"}, ST_INVALID, "invalid_query", "order"},
        {{.limit = 10, .q = "\xff\xfe"}, ST_INVALID, "invalid_query", "q"},
        {{.limit = 10, .q = "a\x01"}, ST_INVALID, "invalid_query", "q"},
    };
    struct fixture *fx = *state;
    struct fail f;
    json_t *out;
    char longq[402];

    for (size_t i = 0; i < N(cases); i++) {
        fail_clear(&f);
        out = (json_t *)&f;
        assert_int_equal(patient_list(fx->t.db, &fx->a, &cases[i].p, &out, &f), cases[i].rc);
        if (strcmp(f.code, cases[i].code) != 0 || strcmp(f.field, cases[i].field) != 0)
            fail_msg("case %zu: got %s/%s, expected %s/%s", i, f.code, f.field, cases[i].code,
                     cases[i].field);
        if (cases[i].rc == ST_OK)
            json_decref(out);
        else
            assert_null(out);
    }
    /* A bad sort value is quoted in the message only when that keeps it valid text: the
     * message goes into a JSON error body. */
    static const char *const bad_sorts[] = {"\xff", "size\xc3",
                                            "aéééééééééééééééééééééééééééééééééééééééééééééééééé"};
    for (size_t i = 0; i < N(bad_sorts); i++) {
        struct patient_list_params sp = {.limit = 10, .sort = bad_sorts[i]};
        fail_clear(&f);
        assert_int_equal(patient_list(fx->t.db, &fx->a, &sp, &out, &f), ST_INVALID);
        assert_string_equal(f.code, "invalid_query");
        if (!text_valid_utf8(f.message, strlen(f.message)))
            fail_msg("sort %zu: the message is not valid UTF-8", i);
    }
    struct patient_list_params sp = {.limit = 10, .sort = "age"};
    assert_int_equal(patient_list(fx->t.db, &fx->a, &sp, &out, &f), ST_INVALID);
    assert_non_null(strstr(f.message, "'age'"));

    /* The search text has a cap. */
    memset(longq, 'a', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    struct patient_list_params lp = {.limit = 10, .q = longq};
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_query");
    assert_string_equal(f.field, "q");
    longq[400] = '\0';
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    json_decref(out);
}

static void
test_sort_and_paging(void **state)
{
    static const struct {
        const char *sort, *order;
        const char *expect;
    } sorts[] = {
        {"family_name", "asc", "4,5,0,1,2,3"},  {"family_name", "desc", "3,2,1,0,5,4"},
        {"given_name", NULL, "4,2,5,1,0,3"},    {"given_name", "desc", "3,0,1,5,2,4"},
        {"mrn", NULL, "0,1,2,3,4,5"},           {"mrn", "desc", "5,4,3,2,1,0"},
        {"date_of_birth", NULL, "4,2,0,1,5,3"}, {"date_of_birth", "desc", "3,5,1,0,2,4"},
        {"created_at", NULL, "0,1,2,3,4,5"},    {"created_at", "desc", "5,4,3,2,1,0"},
    };
    struct fixture *fx = *state;
    struct fail f;
    json_t *out;
    char got[64];

    create_people(fx);
    for (size_t i = 0; i < N(sorts); i++) {
        struct patient_list_params lp = {
            .limit = 50, .sort = sorts[i].sort, .order = sorts[i].order};
        assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
        indexes(out, got, sizeof(got));
        if (strcmp(got, sorts[i].expect) != 0)
            fail_msg("sort %s %s: got %s, expected %s", sorts[i].sort,
                     sorts[i].order ? sorts[i].order : "(default)", got, sorts[i].expect);
        json_decref(out);
    }
    /* The default is family name, ascending. */
    struct patient_list_params lp = {.limit = 50};
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    indexes(out, got, sizeof(got));
    assert_string_equal(got, sorts[0].expect);
    json_decref(out);

    /* Pages: has_more says whether another page exists; total counts them all. */
    static const struct {
        int64_t offset, limit;
        const char *expect;
        bool more;
    } pages[] = {
        {0, 4, "4,5,0,1", true}, {4, 4, "2,3", false}, {4, 2, "2,3", false},
        {3, 2, "1,2", true},     {6, 2, "", false},    {100, 2, "", false},
    };
    for (size_t i = 0; i < N(pages); i++) {
        lp = (struct patient_list_params){.limit = pages[i].limit, .offset = pages[i].offset};
        assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
        indexes(out, got, sizeof(got));
        assert_string_equal(got, pages[i].expect);
        assert_int_equal(json_is_true(json_object_get(out, "has_more")), pages[i].more);
        assert_int_equal(num(out, "total"), 6);
        assert_int_equal(num(out, "offset"), pages[i].offset);
        assert_int_equal(num(out, "limit"), pages[i].limit);
        json_decref(out);
    }
    /* Search results page the same way. */
    lp = (struct patient_list_params){.limit = 1, .q = "ahmad"};
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    indexes(out, got, sizeof(got));
    assert_string_equal(got, "2");
    assert_true(json_is_true(json_object_get(out, "has_more")));
    json_decref(out);
    lp.offset = 1;
    assert_int_equal(patient_list(fx->t.db, &fx->a, &lp, &out, &f), ST_OK);
    indexes(out, got, sizeof(got));
    assert_string_equal(got, "4");
    assert_true(json_is_false(json_object_get(out, "has_more")));
    json_decref(out);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_lengths),
        cmocka_unit_test(test_parse_today),
        T(test_create_update_history),
        T(test_delete),
        T(test_reads_audited),
        T(test_search),
        T(test_list_params),
        T(test_sort_and_paging),
    };
#undef T

    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
