/* libFuzzer target for src/core/jsonin.c: arbitrary bytes as a request body, then every typed
 * reader on every field. Checks what the readers promise, not only that they do not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonin.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, so that libFuzzer keeps the input. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void
check_failure(int st, const struct fail *f)
{
    CHECK(st == ST_INVALID || st == ST_NOMEM);
    if (st == ST_INVALID) {
        CHECK(f->status == ST_INVALID);
        CHECK(f->code[0] != '\0');
        CHECK(f->message[0] != '\0');
    }
}

static void
read_fields(json_t *obj, const char *key)
{
    static const char *const choices[] = {"female", "male", "other", "unknown", NULL};
    struct fail f;
    char *s = NULL;
    int64_t v = 0;
    bool present = false, b = false;
    const char *c = NULL;
    int st;

    fail_clear(&f);
    st = jsonin_string(obj, key, 16, false, &s, &f);
    if (st == ST_OK && s) {
        size_t n = strlen(s);
        /* A copy: valid text, trimmed, not empty, within its length in characters. */
        CHECK(n > 0);
        CHECK(text_valid_utf8(s, n));
        CHECK(text_codepoints(s, n) <= 16);
        CHECK(s[0] != ' ' && s[n - 1] != ' ');
        free(s);
    } else if (st != ST_OK) {
        CHECK(s == NULL);
        check_failure(st, &f);
        /* The failure names the field (cut to fit when the key is very long). */
        CHECK(strncmp(f.field, key, strlen(f.field)) == 0);
    }

    fail_clear(&f);
    st = jsonin_int(obj, key, -1000, 1000, false, &present, &v, &f);
    if (st == ST_OK && present)
        CHECK(v >= -1000 && v <= 1000);
    else
        CHECK(v == 0);
    if (st != ST_OK)
        check_failure(st, &f);

    fail_clear(&f);
    st = jsonin_bool(obj, key, true, &present, &b, &f);
    if (st != ST_OK)
        check_failure(st, &f);

    fail_clear(&f);
    st = jsonin_choice(obj, key, choices, false, &c, &f);
    if (st == ST_OK && c) {
        bool known = false;
        for (size_t i = 0; choices[i]; i++)
            known |= c == choices[i];
        CHECK(known);
    } else if (st != ST_OK) {
        CHECK(c == NULL);
        check_failure(st, &f);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const allowed[] = {"name", "sex", "n", "b", NULL};
    struct fail f;
    json_t *obj = NULL;
    const char *key;
    json_t *value;

    fail_clear(&f);
    int st = jsonin_parse_object((const char *)data, size, &obj, &f);
    if (st != ST_OK) {
        CHECK(obj == NULL);
        check_failure(st, &f);
        return 0;
    }
    CHECK(json_is_object(obj));
    fail_clear(&f);
    st = jsonin_only_fields(obj, allowed, &f);
    if (st != ST_OK)
        check_failure(st, &f);
    /* Known names, and every key the input brought. */
    for (size_t i = 0; allowed[i]; i++)
        read_fields(obj, allowed[i]);
    json_object_foreach(obj, key, value)
    {
        (void)value;
        read_fields(obj, key);
    }
    json_decref(obj);
    return 0;
}
