/* Unit tests of src/clinic/photo.c on a fresh database: the calls other modules make
 * (photo_create for the demo, photo_bytes_in_tx for the outcome report), duplicates and voids,
 * the views of the shipped measures.json and the order of a patient's list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <png.h>

#include "clinic/measures.h"
#include "clinic/patient.h"
#include "clinic/photo.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/image.h"
#include "testdb.h"

struct fixture {
    struct testdb t;
    struct actor a;
    int64_t patient;
    struct measures *m;
};

/* A small RGB PNG; `seed` makes each one different. */
static unsigned char *
png_of(int w, int h, int seed, size_t *n)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = calloc((size_t)w * (size_t)h, 3);
    assert_non_null(px);
    for (int i = 0; i < w * h; i++)
        px[i * 3] = (unsigned char)(i * 5 + seed), px[i * 3 + 2] = (unsigned char)seed;
    png_alloc_size_t size = 0;
    assert_true(png_image_write_to_memory(&img, NULL, &size, 0, px, 0, NULL));
    unsigned char *out = malloc(size);
    assert_non_null(out);
    assert_true(png_image_write_to_memory(&img, out, &size, 0, px, 0, NULL));
    free(px);
    *n = size;
    return out;
}

static void
yesterday(char out[11])
{
    struct date d, y;
    date_today_utc(&d);
    date_add_days(&d, -1, &y);
    date_format(&y, out);
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct db_user u;
    struct fail f;
    json_t *body, *out = NULL;

    if (!fx || testdb_setup(&fx->t) != 0)
        return -1;
    *state = fx;
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
    snprintf(fx->a.remote, sizeof(fx->a.remote), "192.0.2.10");
    snprintf(fx->a.request_id, sizeof(fx->a.request_id), "test");
    body = json_loads("{\"given_name\":\"Sample\",\"family_name\":\"Testpatient\","
                      "\"date_of_birth\":\"1985-06-15\",\"sex\":\"female\"}",
                      0, NULL);
    fail_clear(&f);
    if (patient_create(fx->t.db, &fx->a, body, &out, &f) != ST_OK)
        return -1;
    fx->patient = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(body);
    if (measures_load(AUTOLOGA_PROTOCOLS_DIR "/measures.json", &fx->m, &f) != ST_OK)
        return -1;
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

static void
test_create_and_bytes(void **state)
{
    struct fixture *fx = *state;
    size_t n;
    unsigned char *png = png_of(400, 100, 1, &n);
    char day[11];
    json_t *out = NULL;
    struct fail f;

    yesterday(day);
    fail_clear(&f);
    assert_int_equal(photo_create(fx->t.db, &fx->a, fx->patient, "hair_crown", day, 0, "crown.png",
                                  png, n, "image/png; charset=binary", &out, &f),
                     ST_OK);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    assert_true(id > 0);
    assert_string_equal(json_string_value(json_object_get(out, "view")), "hair_crown");
    assert_string_equal(json_string_value(json_object_get(out, "mime")), "image/png");
    assert_int_equal(json_integer_value(json_object_get(out, "width")), 400);
    assert_int_equal(json_integer_value(json_object_get(out, "thumb_width")), 320);
    assert_int_equal(json_integer_value(json_object_get(out, "thumb_height")), 80);
    assert_true(json_is_null(json_object_get(out, "notes")));
    assert_true(json_is_null(json_object_get(out, "course_id")));
    char sha[65];
    snprintf(sha, sizeof(sha), "%s", json_string_value(json_object_get(out, "sha256")));
    json_decref(out);

    /* The outcome report reads the bytes in its own transaction. */
    unsigned char *data = NULL;
    size_t dn = 0;
    char mime[16], hex[CRYPTO_HEX_SHA256];
    assert_int_equal(db_begin_read(fx->t.db), ST_OK);
    assert_int_equal(photo_bytes_in_tx(fx->t.db, id, false, &data, &dn, mime, &f), ST_OK);
    assert_string_equal(mime, "image/png");
    crypto_sha256_hex(data, dn, hex);
    assert_string_equal(hex, sha);
    free(data);
    assert_int_equal(photo_bytes_in_tx(fx->t.db, id, true, &data, &dn, mime, &f), ST_OK);
    assert_string_equal(mime, "image/jpeg");
    assert_int_equal(image_sniff(data, dn), IMAGE_JPEG);
    free(data);
    assert_int_equal(photo_bytes_in_tx(fx->t.db, id + 100, false, &data, &dn, mime, &f),
                     ST_NOT_FOUND);
    assert_null(data);
    db_rollback(fx->t.db);
    /* The write and its audit event went together. */
    assert_int_equal(testdb_int(&fx->t,
                                "SELECT count(*) FROM audit WHERE action = 'photo.upload'"
                                " AND entity = 'photo' AND detail LIKE '{\"patient_id\":%'"),
                     1);

    /* Twice: refused, and nothing written. */
    assert_int_equal(photo_create(fx->t.db, &fx->a, fx->patient, "hair_top", day, 0, NULL, png, n,
                                  "image/png", &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "duplicate_photo");
    assert_null(out);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM photos"), 1);

    /* Voided, it may come again; its file is stored once. */
    json_t *body = json_loads("{\"reason\":\"Taken of the wrong area\"}", 0, NULL);
    assert_int_equal(photo_void(fx->t.db, &fx->a, id, body, &out, &f), ST_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "voided"), "reason")),
        "Taken of the wrong area");
    json_decref(out);
    assert_int_equal(photo_void(fx->t.db, &fx->a, id, body, &out, &f), ST_CONFLICT);
    assert_string_equal(f.code, "invalid_transition");
    json_decref(body);
    assert_int_equal(photo_create(fx->t.db, &fx->a, fx->patient, "hair_top", day, 0, NULL, png, n,
                                  "image/png", &out, &f),
                     ST_OK);
    json_decref(out);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM photo_files"), 1);
    free(png);
}

static void
test_refused(void **state)
{
    struct fixture *fx = *state;
    size_t n;
    unsigned char *png = png_of(10, 10, 2, &n);
    char day[11];
    json_t *out = NULL;
    struct fail f;
    static const struct {
        const char *view, *date, *type;
        int64_t course;
        int status;
        const char *field, *code;
    } cases[] = {
        {"hair_top", NULL, "image/png", 0, ST_INVALID, "date", "required"},
        {"hair_top", "2999-01-01", "image/png", 0, ST_INVALID, "date", "future_date"},
        {"hair_top", "1985-06-14", "image/png", 0, ST_INVALID, "date", "invalid_date"},
        {"Hair Top", "", "image/png", 0, ST_INVALID, "view", "invalid_value"},
        {NULL, "", "image/png", 0, ST_INVALID, "view", "required"},
        {"hair_top", "", "image/webp", 0, ST_INVALID, "content_type", "unsupported_media_type"},
        {"hair_top", "", NULL, 0, ST_INVALID, "content_type", "unsupported_media_type"},
        {"hair_top", "", "image/jpeg", 0, ST_INVALID, "content", "invalid_value"},
        {"hair_top", "", "image/png", 77, ST_INVALID, "course_id", "invalid_value"},
    };

    yesterday(day);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *date = cases[i].date && !cases[i].date[0] ? day : cases[i].date;
        fail_clear(&f);
        int st = photo_create(fx->t.db, &fx->a, fx->patient, cases[i].view, date, cases[i].course,
                              NULL, png, n, cases[i].type, &out, &f);
        if (st != cases[i].status || strcmp(f.field, cases[i].field) ||
            strcmp(f.code, cases[i].code))
            fail_msg("case %zu: %d %s %s (%s)", i, st, f.field, f.code, f.message);
        assert_null(out);
    }
    /* An unknown patient. */
    assert_int_equal(photo_create(fx->t.db, &fx->a, fx->patient + 50, "hair_top", day, 0, NULL, png,
                                  n, "image/png", &out, &f),
                     ST_NOT_FOUND);
    assert_int_equal(testdb_int(&fx->t, "SELECT count(*) FROM photos"), 0);
    free(png);
}

static void
test_views_and_order(void **state)
{
    struct fixture *fx = *state;
    char day[11];
    struct fail f;
    json_t *out = NULL;
    /* Uploaded out of order: crown, front, top, face front. */
    static const char *const views[] = {"hair_crown", "hair_front", "hair_top", "face_front"};
    int64_t ids[4];

    yesterday(day);
    for (int i = 0; i < 4; i++) {
        size_t n;
        unsigned char *png = png_of(12, 12, 10 + i, &n);
        struct photo_upload u = {.patient_id = fx->patient,
                                 .view = views[i],
                                 .date = day,
                                 .notes = "  marked  ",
                                 .bytes = png,
                                 .n = n,
                                 .content_type = "image/png"};
        assert_int_equal(photo_upload(fx->t.db, &fx->a, fx->m, &u, &out, &f), ST_OK);
        ids[i] = json_integer_value(json_object_get(out, "id"));
        assert_string_equal(json_string_value(json_object_get(out, "notes")), "marked");
        json_decref(out);
        /* A view measures.json does not have is refused, though it looks like a code. */
        u.view = "hair_nape";
        assert_int_equal(photo_upload(fx->t.db, &fx->a, fx->m, &u, &out, &f), ST_INVALID);
        assert_string_equal(f.field, "view");
        free(png);
    }
    assert_int_equal(photo_list(fx->t.db, &fx->a, fx->m, fx->patient, NULL, false, &out, &f),
                     ST_OK);
    json_t *photos = json_object_get(out, "photos");
    assert_int_equal(json_array_size(photos), 4);
    /* measures.json's order: front, top, crown, then the face. */
    const int64_t want[] = {ids[1], ids[2], ids[0], ids[3]};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(photos, i), "id")),
                         want[i]);
    json_decref(out);
    assert_int_equal(photo_list(fx->t.db, &fx->a, fx->m, fx->patient, "hair_nape", false, &out, &f),
                     ST_INVALID);
    assert_string_equal(f.code, "invalid_query");
    assert_null(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_and_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, testdb_group_setup, NULL);
}
