/* Unit tests of src/http/respond.c: status codes of failures, error bodies, JSON request bodies
 * and route ids. Routing itself is tested through the black-box API tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/http.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_status_of(void **state)
{
    static const struct {
        int st;
        int http;
    } cases[] = {
        {ST_OK, 200},        {ST_INVALID, 400},
        {ST_NOT_FOUND, 404}, {ST_CONFLICT, 409},
        {ST_FORBIDDEN, 403}, {ST_UNAUTHORIZED, 401},
        {ST_TOO_BIG, 413},   {ST_THROTTLED, 429},
        {ST_BUSY, 503},      {ST_NOMEM, 500},
        {ST_DB, 500},        {ST_IO, 500},
        {-99, 500},          {5, 500},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        if (respond_status_of(cases[i].st) != cases[i].http)
            fail_msg("status %d: got %d, expected %d", cases[i].st, respond_status_of(cases[i].st),
                     cases[i].http);
}

/* The parsed body of a response; asserts it is JSON with the right content type. */
static json_t *
parsed(const struct response *res)
{
    json_error_t err;
    json_t *j;

    assert_non_null(res->body);
    assert_string_equal(res->content_type, "application/json; charset=utf-8");
    assert_int_equal(res->len, strlen(res->body));
    j = json_loadb(res->body, res->len, 0, &err);
    if (!j)
        fail_msg("response is not JSON: %s", err.text);
    return j;
}

static const char *
error_str(json_t *body, const char *key)
{
    return json_string_value(json_object_get(json_object_get(body, "error"), key));
}

static void
test_error(void **state)
{
    struct response res = {0};
    json_t *body;

    (void)state;
    respond_error(&res, 400, "invalid_phone", "phone", "field 'phone' is \"odd\" — ليس رقما");
    assert_int_equal(res.status, 400);
    body = parsed(&res);
    assert_int_equal(json_object_size(body), 1);
    assert_int_equal(json_object_size(json_object_get(body, "error")), 3);
    assert_string_equal(error_str(body, "code"), "invalid_phone");
    assert_string_equal(error_str(body, "field"), "phone");
    assert_string_equal(error_str(body, "message"), "field 'phone' is \"odd\" — ليس رقما");
    json_decref(body);

    /* No field: the key is left out rather than empty. A second answer replaces the first. */
    respond_error(&res, 404, "not_found", "", "no such thing");
    assert_int_equal(res.status, 404);
    body = parsed(&res);
    assert_null(json_object_get(json_object_get(body, "error"), "field"));
    assert_string_equal(error_str(body, "code"), "not_found");
    json_decref(body);
    respond_error(&res, 409, "conflict", NULL, "taken");
    body = parsed(&res);
    assert_null(json_object_get(json_object_get(body, "error"), "field"));
    json_decref(body);

    /* A message that is not valid UTF-8 (say, quoting raw query bytes) still gives a complete
     * error body: JSON cannot carry the bytes, so a generic sentence stands in. */
    respond_error(&res, 400, "invalid_value", "sort", "cannot sort by '\xff\xfe'");
    assert_int_equal(res.status, 400);
    body = parsed(&res);
    assert_string_equal(error_str(body, "code"), "invalid_value");
    assert_string_equal(error_str(body, "field"), "sort");
    assert_string_equal(error_str(body, "message"), "the request failed");
    json_decref(body);
    free(res.body);
}

static void
test_fail(void **state)
{
    static const struct {
        int status;
        const char *code, *field, *message;
        int http;
        const char *want_code, *want_message;
    } cases[] = {
        {ST_INVALID, "required", "sex", "field 'sex' is required", 400, "required",
         "field 'sex' is required"},
        {ST_CONFLICT, "stale_version", "version", "changed", 409, "stale_version", "changed"},
        {ST_THROTTLED, "throttled", "", "wait", 429, "throttled", "wait"},
        /* Without a code the status names itself; without a message there is a generic one. */
        {ST_NOT_FOUND, "", "", "", 404, "not_found", "the request failed"},
        /* An empty failure is an internal error, never a 200. */
        {0, "", "", "", 500, "db", "the request failed"},
    };
    struct response res = {0};
    struct fail f;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        fail_clear(&f);
        if (cases[i].status)
            fail_set(&f, cases[i].status, cases[i].field, cases[i].code, "%s", cases[i].message);
        respond_fail(&res, &f);
        assert_int_equal(res.status, cases[i].http);
        json_t *body = parsed(&res);
        assert_string_equal(error_str(body, "code"), cases[i].want_code);
        assert_string_equal(error_str(body, "message"), cases[i].want_message);
        if (cases[i].field[0])
            assert_string_equal(error_str(body, "field"), cases[i].field);
        else
            assert_null(error_str(body, "field"));
        json_decref(body);
    }
    free(res.body);
}

static void
test_json_and_empty(void **state)
{
    struct response res = {0};
    json_t *body;

    (void)state;
    respond_json(&res, 201, json_pack("{s:i, s:s}", "id", 7, "name", "ليلى"));
    assert_int_equal(res.status, 201);
    body = parsed(&res);
    assert_int_equal(json_integer_value(json_object_get(body, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(body, "name")), "ليلى");
    json_decref(body);
    /* Compact: no spaces between tokens. */
    assert_null(strchr(res.body, ' '));

    respond_empty(&res, 204);
    assert_int_equal(res.status, 204);
    assert_null(res.body);
    assert_int_equal(res.len, 0);
    assert_null(res.content_type);
    respond_empty(&res, 204);
    assert_null(res.body);

    /* Nothing to serialise is an internal error, not an empty 200. */
    respond_json(&res, 200, NULL);
    assert_int_equal(res.status, 500);
    assert_null(res.body);
}

static void
test_param_id(void **state)
{
    static const struct {
        const char *param;
        bool ok;
        int64_t id;
    } cases[] = {
        {"1", true, 1},
        {"42", true, 42},
        {"007", true, 7},
        {"9223372036854775807", true, INT64_MAX},
        {"9223372036854775808", false, 0}, /* overflows */
        {"99999999999999999999", false, 0},
        {"0", false, 0},
        {"00", false, 0},
        {"", false, 0},
        {"-1", false, 0},
        {"+1", false, 0},
        {" 1", false, 0},
        {"1 ", false, 0},
        {"12a", false, 0},
        {"0x10", false, 0},
        {"1e3", false, 0},
        {"١٢", false, 0},
    };
    struct request r;
    int64_t id;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        memset(&r, 0, sizeof(r));
        snprintf(r.params[0], sizeof(r.params[0]), "%s", cases[i].param);
        id = -1;
        if (request_param_id(&r, 0, &id) != cases[i].ok || id != cases[i].id)
            fail_msg("\"%s\": got %s %lld", cases[i].param, cases[i].ok ? "false" : "true",
                     (long long)id);
    }
    /* The second parameter, and indexes out of range. */
    memset(&r, 0, sizeof(r));
    snprintf(r.params[0], sizeof(r.params[0]), "3");
    snprintf(r.params[1], sizeof(r.params[1]), "5");
    assert_true(request_param_id(&r, 1, &id));
    assert_int_equal(id, 5);
    id = -1;
    assert_false(request_param_id(&r, 2, &id));
    assert_int_equal(id, 0);
    assert_false(request_param_id(&r, -1, &id));
    assert_false(request_param_id(&r, HTTP_MAX_PARAMS, &id));
}

static void
test_request_json(void **state)
{
    static const struct {
        const char *body;
        int http; /* 0: parses */
        const char *code;
    } cases[] = {
        {"{\"a\":1}", 0, NULL},
        {"", 400, "invalid_json"},
        {"[]", 400, "not_object"},
        {"{\"a\":", 400, "invalid_json"},
        {"{\"a\":\"\xc3\"}", 400, "invalid_utf8"},
    };
    struct request r;
    struct response res = {0};

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        memset(&r, 0, sizeof(r));
        buf_init(&r.body, HTTP_BODY_MAX);
        if (cases[i].body[0])
            assert_int_equal(buf_append_str(&r.body, cases[i].body), ST_OK);
        res.status = 0;
        json_t *obj = request_json(&r, &res);
        if (!cases[i].http) {
            assert_non_null(obj);
            assert_int_equal(res.status, 0);
            json_decref(obj);
        } else {
            assert_null(obj);
            assert_int_equal(res.status, cases[i].http);
            json_t *body = parsed(&res);
            assert_string_equal(error_str(body, "code"), cases[i].code);
            json_decref(body);
        }
        buf_release(&r.body);
    }
    /* A body over the cap is refused before it is parsed. */
    memset(&r, 0, sizeof(r));
    buf_init(&r.body, HTTP_BODY_MAX);
    r.body_too_big = true;
    assert_null(request_json(&r, &res));
    assert_int_equal(res.status, 413);
    json_t *body = parsed(&res);
    assert_string_equal(error_str(body, "code"), "too_big");
    json_decref(body);
    buf_release(&r.body);
    free(res.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_of), cmocka_unit_test(test_error),
        cmocka_unit_test(test_fail),      cmocka_unit_test(test_json_and_empty),
        cmocka_unit_test(test_param_id),  cmocka_unit_test(test_request_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
