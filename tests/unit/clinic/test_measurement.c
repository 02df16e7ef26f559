/* Unit tests of src/clinic/measurement.c against a database: a set and its values as stored,
 * corrections as versions with the old value kept, voiding, the list's filters, and a
 * trichoscopy import saved once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/measurement.h"
#include "clinic/patient.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "testdb.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/" MEASURES_FILE

struct fixture {
    struct testdb t;
    struct actor a;
    struct measures *m;
    int64_t patient;
    char mrn[24];
};

static json_t *
body_of(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, err.text);
    return j;
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct db_user u;
    struct fail f;
    json_t *out = NULL;

    if (!fx || crypto_setup() != ST_OK || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
    fail_clear(&f);
    if (measures_load(SHIPPED, &fx->m, &f) != ST_OK)
        return -1;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "nurse1");
    u.display_name = "Ward Nurse";
    snprintf(u.password_hash, sizeof(u.password_hash), "unused");
    u.roles = 4;
    if (db_user_insert(fx->t.db, &u) != ST_OK)
        return -1;
    fx->a.user_id = u.id;
    snprintf(fx->a.username, sizeof(fx->a.username), "nurse1");
    fx->a.roles = 4;
    snprintf(fx->a.request_id, sizeof(fx->a.request_id), "test");
    json_t *body = body_of("{\"given_name\":\"Sample\",\"family_name\":\"Testpatient\","
                           "\"date_of_birth\":\"1985-06-15\",\"sex\":\"male\"}");
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        return -1;
    fx->patient = json_integer_value(json_object_get(out, "id"));
    snprintf(fx->mrn, sizeof(fx->mrn), "%s", json_string_value(json_object_get(out, "mrn")));
    json_decref(out);
    json_decref(body);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    testdb_teardown(&fx->t);
    measures_free(fx->m);
    free(fx);
    return 0;
}

static json_t *
create(struct fixture *fx, const char *text)
{
    json_t *body = body_of(text), *out = NULL;
    struct fail f;
    fail_clear(&f);
    if (measurement_create(fx->t.db, &fx->a, fx->m, fx->patient, body, &out, &f) != ST_OK)
        fail_msg("%s: %s (%s)", text, f.message, f.field);
    json_decref(body);
    return out;
}

static int64_t
value_id(json_t *set, size_t i)
{
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(set, "values"), i), "id"));
}

static void
test_create_correct_void(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;

    json_t *set = create(fx, "{\"date\":\"2026-01-10\",\"method\":\"phototrichogram\","
                             "\"area_cm2\":0.65,\"values\":{\"norwood\":\"III\","
                             "\"hair_density\":140.5}}");
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_sets"), 1);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurements"), 2);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_versions"), 2);
    /* Stored in measures.json order: a number as value_num, a code as value_code. */
    int64_t density = value_id(set, 0), grade = value_id(set, 1);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT value_num * 10 FROM measurements WHERE id = %lld",
             (long long)density);
    assert_int_equal(testdb_int(&fx->t, sql), 1405);
    snprintf(sql, sizeof(sql),
             "SELECT value_code = 'III' AND value_num IS NULL FROM measurements WHERE id = %lld",
             (long long)grade);
    assert_int_equal(testdb_int(&fx->t, sql), 1);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM audit WHERE action = "
                                        "'measurement.create'"),
                     1);

    json_t *body =
        body_of("{\"value\":142.5,\"version\":1,\"reason\":\"Counted the wrong field\"}");
    fail_clear(&f);
    assert_int_equal(measurement_correct(fx->t.db, &fx->a, fx->m, density, body, &out, &f), ST_OK);
    json_decref(out);
    /* The same version again is stale; the old value is kept among the versions. */
    assert_int_equal(measurement_correct(fx->t.db, &fx->a, fx->m, density, body, &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "stale_version");
    assert_null(out);
    json_decref(body);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM measurement_versions WHERE measurement_id = %lld",
             (long long)density);
    assert_int_equal(testdb_int(&fx->t, sql), 2);
    assert_int_equal(measurement_versions(fx->t.db, &fx->a, fx->m, density, &out, &f), ST_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_true(json_real_value(json_object_get(json_array_get(items, 0), "value")) == 142.5);
    assert_true(json_real_value(json_object_get(json_array_get(items, 1), "value")) == 140.5);
    json_decref(out);

    body = body_of("{\"reason\":\"Graded on the wrong photograph\"}");
    assert_int_equal(measurement_void(fx->t.db, &fx->a, fx->m, grade, body, &out, &f), ST_OK);
    json_decref(out);
    assert_int_equal(measurement_void(fx->t.db, &fx->a, fx->m, grade, body, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition");
    json_decref(body);
    body =
        body_of("{\"value\":\"II\",\"version\":1,\"reason\":\"Graded on the wrong photograph\"}");
    assert_int_equal(measurement_correct(fx->t.db, &fx->a, fx->m, grade, body, &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition");
    json_decref(body);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM measurements WHERE void_reason IS NOT NULL");
    assert_int_equal(testdb_int(&fx->t, sql), 1);
    json_decref(set);
}

static void
test_list_filters(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    json_t *out = NULL;

    json_decref(create(fx, "{\"date\":\"2026-01-10\",\"method\":\"manual_count\","
                           "\"values\":{\"hair_count\":80}}"));
    json_t *later = create(fx, "{\"date\":\"2026-02-10\",\"method\":\"questionnaire\","
                               "\"values\":{\"satisfaction\":6}}");
    struct db_measurement_query q = {.patient_id = fx->patient};
    fail_clear(&f);
    assert_int_equal(
        measurement_query_parse(fx->m, "hair_count", "2026-01-01", "2026-01-31", "0", &q, &f),
        ST_OK);
    assert_int_equal(q.patient_id, fx->patient);
    assert_int_equal(measurement_list(fx->t.db, &fx->a, fx->m, &q, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "sets")), 1);
    json_decref(out);

    json_t *body = body_of("{\"reason\":\"Asked the wrong patient\"}");
    assert_int_equal(measurement_void(fx->t.db, &fx->a, fx->m, value_id(later, 0), body, &out, &f),
                     ST_OK);
    json_decref(out);
    json_decref(body);
    assert_int_equal(measurement_query_parse(fx->m, NULL, NULL, NULL, NULL, &q, &f), ST_OK);
    assert_int_equal(measurement_list(fx->t.db, &fx->a, fx->m, &q, &out, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "sets")), 1);
    json_decref(out);
    assert_int_equal(measurement_query_parse(fx->m, "", "", "", "1", &q, &f), ST_OK);
    assert_int_equal(measurement_list(fx->t.db, &fx->a, fx->m, &q, &out, &f), ST_OK);
    json_t *sets = json_object_get(out, "sets");
    assert_int_equal(json_array_size(sets), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sets, 0), "date")),
                        "2026-02-10");
    json_decref(out);
    json_decref(later);

    assert_int_equal(measurement_query_parse(fx->m, "volume", NULL, NULL, NULL, &q, &f),
                     ST_INVALID);
    assert_string_equal(f.field, "measure");
    assert_int_equal(measurement_query_parse(fx->m, NULL, "2026-02-01", "2026-01-01", NULL, &q, &f),
                     ST_INVALID);
    assert_string_equal(f.field, "to");
}

static void
test_import(void **state)
{
    struct fixture *fx = *state;
    struct fail f;
    bool committed = false;
    json_t *out = NULL;
    char csv[256], text[512];

    snprintf(csv, sizeof(csv),
             "Date;MRN;Area [cm²];Count;Density [1/cm²]\\n10.01.2026;%s;0,65;90;138,5\\n"
             "11.01.2026;;0,65;92;141,5\\n",
             fx->mrn);
    snprintf(text, sizeof(text), "{\"csv\":\"%s\",\"commit\":true}", csv);
    json_t *body = body_of(text);
    fail_clear(&f);
    assert_int_equal(
        measurement_import(fx->t.db, &fx->a, fx->m, fx->patient, body, &out, &committed, &f),
        ST_OK);
    assert_true(committed);
    assert_int_equal(json_array_size(json_object_get(out, "sets")), 2);
    json_decref(out);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_sets WHERE source = "
                                        "'import' AND method = 'trichoscopy_software'"),
                     2);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurements"), 4);
    /* The same bytes twice: refused, nothing more saved. */
    assert_int_equal(
        measurement_import(fx->t.db, &fx->a, fx->m, fx->patient, body, &out, &committed, &f),
        ST_CONFLICT);
    assert_string_equal(f.code, "already_imported");
    assert_false(committed);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_sets"), 2);
    json_decref(body);

    /* A row with an error stops the commit unless the valid rows alone are asked for. */
    body = body_of("{\"csv\":\"date,count\\n2026-01-12,93\\n2026-01-13,9.5\\n\",\"commit\":true}");
    assert_int_equal(
        measurement_import(fx->t.db, &fx->a, fx->m, fx->patient, body, &out, &committed, &f),
        ST_INVALID);
    assert_string_equal(f.code, "import_has_errors");
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_sets"), 2);
    json_object_set_new(body, "skip_invalid", json_true());
    assert_int_equal(
        measurement_import(fx->t.db, &fx->a, fx->m, fx->patient, body, &out, &committed, &f),
        ST_OK);
    json_decref(out);
    json_decref(body);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM measurement_sets"), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_correct_void, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
