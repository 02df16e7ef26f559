/* Unit tests of src/clinic/outbox.c and src/clinic/gateway.c with the gateway lookup of
 * src/clinic/session.c, against a migrated database: listing with filters, marking once,
 * gateway tokens made, used and revoked, and the audit events they leave. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/audit.h"
#include "clinic/gateway.h"
#include "clinic/outbox.h"
#include "clinic/patient.h"
#include "clinic/session.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define H INT64_C(3600000)
#define T0 INT64_C(1796101200000) /* 2026-12-01T05:00:00Z, 09:00 in Dubai */

static int
group_setup(void **state)
{
    struct fail f;
    if (testdb_group_setup(state) != 0)
        return -1;
    return clinic_tz_set("Asia/Dubai", &f) == ST_OK ? 0 : -1;
}

static struct db *
db_of(void **state)
{
    return ((struct testdb *)*state)->db;
}

static int64_t
add_patient(struct db *db)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    p.given_name = strdup("Sample");
    p.family_name = strdup("Testpatient");
    p.given_name_ar = strdup("سامي");
    p.family_name_ar = strdup("تجريبي");
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-06-15");
    snprintf(p.sex, sizeof(p.sex), "male");
    snprintf(p.preferred_language, sizeof(p.preferred_language), "en");
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(patient_insert_tx(db, &a, &p, time_now_ms()), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = p.id;
    db_patient_release(&p);
    return id;
}

static int64_t
add_message(struct db *db, int64_t patient, const char *kind, const char *channel, int64_t due_ms,
            const char *status)
{
    struct db_outbox m;
    memset(&m, 0, sizeof(m));
    m.patient_id = patient;
    snprintf(m.kind, sizeof(m.kind), "%s", kind);
    snprintf(m.channel, sizeof(m.channel), "%s", channel);
    snprintf(m.language, sizeof(m.language), "en");
    snprintf(m.status, sizeof(m.status), "%s", status);
    m.recipient = strcmp(channel, "sms") == 0 ? "+971500000001" : "sample@example.invalid";
    m.subject = strcmp(channel, "sms") == 0 ? NULL : "Your appointment";
    m.body = "Reminder from the clinic.";
    m.due_ms = due_ms;
    m.created_ms = T0 - 100 * H;
    m.has_sent = strcmp(status, "sent") == 0;
    m.sent_ms = due_ms;
    m.error = strcmp(status, "failed") == 0 ? "no route" : NULL;
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_outbox_insert(db, &m), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    return m.id;
}

static json_t *
list(struct db *db, const char *status, const char *due_before, const char *order, int64_t limit,
     bool with_patient)
{
    struct actor a;
    struct fail f;
    json_t *out = NULL;
    actor_cli(&a);
    fail_clear(&f);
    struct outbox_query q = {
        .status = status, .due_before = due_before, .order = order, .limit = limit};
    if (outbox_list(db, &a, &q, with_patient, &out, &f) != ST_OK)
        fail_msg("list: %s", f.message);
    assert_non_null(json_object_get(out, "messages"));
    return out;
}

static int64_t
id_at(json_t *out, size_t i)
{
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(out, "messages"), i), "id"));
}

static void
test_list_filters(void **state)
{
    struct db *db = db_of(state);
    int64_t p = add_patient(db);
    int64_t a = add_message(db, p, "reminder", "sms", T0, "pending");
    int64_t b = add_message(db, p, "instructions", "email", T0 + H, "pending");
    int64_t c = add_message(db, p, "aftercare_day1", "sms", T0 - H, "sent");
    int64_t d = add_message(db, p, "aftercare_day7", "sms", T0 + 2 * H, "failed");

    json_t *out = list(db, NULL, NULL, NULL, 100, true);
    json_t *items = json_object_get(out, "messages");
    assert_int_equal(json_array_size(items), 4);
    /* Earliest due first. */
    assert_int_equal(id_at(out, 0), c);
    assert_int_equal(id_at(out, 1), a);
    assert_int_equal(id_at(out, 2), b);
    assert_int_equal(id_at(out, 3), d);
    json_t *m = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(m, "kind")), "reminder");
    assert_string_equal(json_string_value(json_object_get(m, "recipient")), "+971500000001");
    assert_string_equal(json_string_value(json_object_get(m, "due_at")),
                        "2026-12-01T05:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(m, "due_local")), "2026-12-01T09:00");
    assert_true(json_is_null(json_object_get(m, "subject")));
    assert_true(json_is_null(json_object_get(m, "sent_at")));
    assert_true(json_is_null(json_object_get(m, "appointment_id")));
    assert_int_equal(json_integer_value(json_object_get(m, "attempts")), 0);
    json_t *pt = json_object_get(m, "patient");
    assert_string_equal(json_string_value(json_object_get(json_object_get(pt, "name"), "en")),
                        "Sample Testpatient");
    assert_string_equal(json_string_value(json_object_get(json_object_get(pt, "name"), "ar")),
                        "سامي تجريبي");
    assert_int_equal(strlen(json_string_value(json_object_get(pt, "mrn"))), 8);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "sent_local")),
                        "2026-12-01T08:00");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 3), "error")),
                        "no route");
    json_decref(out);

    /* What a gateway polls: pending, due before now; no patient names for it. */
    out = list(db, "pending", "2026-12-01T05:30:00Z", NULL, 100, false);
    assert_int_equal(json_array_size(json_object_get(out, "messages")), 1);
    assert_int_equal(id_at(out, 0), a);
    assert_null(json_object_get(json_array_get(json_object_get(out, "messages"), 0), "patient"));
    json_decref(out);
    /* Latest first, and a limit. */
    out = list(db, NULL, NULL, "desc", 2, true);
    assert_int_equal(json_array_size(json_object_get(out, "messages")), 2);
    assert_int_equal(id_at(out, 0), d);
    assert_int_equal(id_at(out, 1), b);
    json_decref(out);
    out = list(db, "cancelled", "", "asc", 5, true);
    assert_int_equal(json_array_size(json_object_get(out, "messages")), 0);
    json_decref(out);

    static const struct {
        const char *status, *due_before, *order;
        int64_t limit;
        const char *field;
    } bad[] = {
        {"waiting", NULL, NULL, 10, "status"}, {NULL, "tomorrow", NULL, 10, "due_before"},
        {NULL, NULL, "up", 10, "order"},       {NULL, NULL, NULL, 0, "limit"},
        {NULL, NULL, NULL, 501, "limit"},      {"PENDING", NULL, NULL, 10, "status"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct actor act;
        struct fail f;
        json_t *o = NULL;
        actor_cli(&act);
        fail_clear(&f);
        struct outbox_query q = {.status = bad[i].status,
                                 .due_before = bad[i].due_before,
                                 .order = bad[i].order,
                                 .limit = bad[i].limit};
        assert_int_equal(outbox_list(db, &act, &q, true, &o, &f), ST_INVALID);
        assert_null(o);
        assert_string_equal(f.code, "invalid_query");
        assert_string_equal(f.field, bad[i].field);
    }
}

static int
mark(struct db *db, const char *who, int64_t id, bool sent, const char *body, json_t **out,
     struct fail *f)
{
    struct actor a;
    actor_cli(&a);
    snprintf(a.username, sizeof(a.username), "%s", who);
    json_t *b = json_loads(body, 0, NULL);
    assert_non_null(b);
    fail_clear(f);
    int st = outbox_mark(db, &a, id, sent, b, false, out, f);
    json_decref(b);
    return st;
}

static void
test_mark_once(void **state)
{
    struct testdb *t = *state;
    struct db *db = t->db;
    struct fail f;
    json_t *out = NULL;
    int64_t p = add_patient(db);
    int64_t a = add_message(db, p, "reminder", "sms", T0, "pending");
    int64_t b = add_message(db, p, "instructions", "sms", T0, "pending");
    int64_t c = add_message(db, p, "reminder", "sms", T0, "cancelled");

    assert_int_equal(mark(db, "gateway:sms", a, true, "{\"gateway_ref\":\"msg-1\"}", &out, &f),
                     ST_OK);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "sent");
    assert_string_equal(json_string_value(json_object_get(out, "gateway_ref")), "msg-1");
    assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 1);
    assert_true(json_is_string(json_object_get(out, "sent_at")));
    json_decref(out);
    /* Once: a second mark, either way, is a conflict that changes nothing. */
    assert_int_equal(mark(db, "gateway:sms", a, true, "{}", &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "not_pending");
    assert_non_null(strstr(f.message, "is sent"));
    assert_null(out);
    assert_int_equal(mark(db, "gateway:sms", a, false, "{\"error\":\"late\"}", &out, &f),
                     ST_CONFLICT);
    assert_int_equal(mark(db, "gateway:sms", c, true, "{}", &out, &f), ST_CONFLICT);
    assert_non_null(strstr(f.message, "is cancelled"));

    /* Failed needs the gateway's error. */
    assert_int_equal(mark(db, "gateway:sms", b, false, "{}", &out, &f), ST_INVALID);
    assert_string_equal(f.field, "error");
    assert_string_equal(f.code, "required");
    assert_int_equal(mark(db, "gateway:sms", b, false, "{\"error\":\"x\",\"extra\":1}", &out, &f),
                     ST_INVALID);
    assert_string_equal(f.code, "unknown_field");
    assert_int_equal(mark(db, "gateway:sms", b, true, "{\"error\":\"x\"}", &out, &f), ST_INVALID);
    assert_string_equal(f.field, "error"); /* not a field of "sent" */
    assert_int_equal(mark(db, "gateway:sms", b, false,
                          "{\"error\":\"number not reachable\",\"gateway_ref\":\"msg-2\"}", &out,
                          &f),
                     ST_OK);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(out, "error")), "number not reachable");
    assert_true(json_is_null(json_object_get(out, "sent_at")));
    json_decref(out);
    assert_int_equal(mark(db, "gateway:sms", 9999, true, "{}", &out, &f), ST_NOT_FOUND);

    /* One audit event per mark that happened, under the gateway's name. */
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE username = 'gateway:sms'"
                                   " AND entity = 'outbox' AND action IN ('outbox.sent',"
                                   " 'outbox.failed')"),
                     2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM outbox WHERE status = 'pending'"), 0);
}

static void
test_gateway_tokens(void **state)
{
    struct testdb *t = *state;
    struct db *db = t->db;
    struct actor a;
    struct fail f;
    struct session_gateway g;
    char token[CRYPTO_TOKEN_HEX], second[CRYPTO_TOKEN_HEX];
    actor_cli(&a);
    fail_clear(&f);

    assert_int_equal(gateway_add(db, &a, "sms-gw", token, &f), ST_OK);
    assert_int_equal(strlen(token), CRYPTO_TOKEN_HEX - 1);
    /* Only the hash is kept. */
    char sqlbuf[256];
    snprintf(sqlbuf, sizeof(sqlbuf), "SELECT count(*) FROM gateway_tokens WHERE token_hash = '%s'",
             token);
    assert_int_equal(testdb_int(t, sqlbuf), 0);

    assert_int_equal(session_gateway_lookup(db, token, &g), ST_OK);
    assert_string_equal(g.name, "sms-gw");
    assert_true(testdb_int(t, "SELECT last_used_at FROM gateway_tokens WHERE name = 'sms-gw'") > 0);
    /* One wrong character, a short token, nothing. */
    char wrong[CRYPTO_TOKEN_HEX];
    memcpy(wrong, token, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(session_gateway_lookup(db, wrong, &g), ST_UNAUTHORIZED);
    assert_int_equal(session_gateway_lookup(db, "abc", &g), ST_UNAUTHORIZED);
    assert_int_equal(session_gateway_lookup(db, "", &g), ST_UNAUTHORIZED);

    /* A second gateway has a token of its own. */
    assert_int_equal(gateway_add(db, &a, "mail.gw_2", second, &f), ST_OK);
    assert_string_not_equal(token, second);
    assert_int_equal(session_gateway_lookup(db, second, &g), ST_OK);
    assert_string_equal(g.name, "mail.gw_2");

    /* Revoked: refused from then on, and the name stays taken. */
    assert_int_equal(gateway_revoke(db, &a, "sms-gw", &f), ST_OK);
    assert_int_equal(session_gateway_lookup(db, token, &g), ST_UNAUTHORIZED);
    assert_int_equal(session_gateway_lookup(db, second, &g), ST_OK);
    assert_int_equal(gateway_revoke(db, &a, "sms-gw", &f), ST_CONFLICT);
    assert_int_equal(gateway_revoke(db, &a, "nobody", &f), ST_NOT_FOUND);
    assert_int_equal(gateway_add(db, &a, "sms-gw", token, &f), ST_CONFLICT);
    assert_string_equal(f.code, "conflict");
    assert_string_equal(token, "");

    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'gateway.add'"), 2);
    assert_int_equal(testdb_int(t, "SELECT count(*) FROM audit WHERE action = 'gateway.revoke'"
                                   " AND entity = 'gateway' AND entity_id = 'sms-gw'"),
                     1);
}

static void
test_gateway_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {
        {"sms", true},
        {"sms-gateway.main_1", true},
        {"1sms", true},
        {"abcdefghijklmnopqrstuvwxyz01234", true}, /* 31 */
        {"abcdefghijklmnopqrstuvwxyz012345", false},
        {"", false},
        {"-sms", false},
        {".sms", false},
        {"SMS", false},
        {"sms gw", false},
        {"sms:gw", false},
        {"سمس", false},
    };
    for (size_t i = 0; i < N(cases); i++)
        if (gateway_name_valid(cases[i].name) != cases[i].ok)
            fail_msg("%s", cases[i].name);
    assert_false(gateway_name_valid(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_filters, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_mark_once, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_gateway_tokens, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test(test_gateway_names),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
