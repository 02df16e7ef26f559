/* libFuzzer target for src/clinic/procdoc.c: the first byte picks a document (preparation, fat,
 * or an injection of one of the three treatments), the rest is its JSON. Whatever is accepted
 * must compute, and must be accepted again unchanged when sent back as stored. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clinic/procdoc.h"
#include "clinic/protocols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, so that libFuzzer keeps the input. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static struct protocols *protos;

/* Centrifuge id modulo 5: a small, a usual, a large rotor, one without a radius, and none. */
static int
centrifuge(void *ctx, int64_t id, struct procdoc_centrifuge *out, struct fail *f)
{
    static const double radii[] = {10, 100, 400, 0};
    (void)ctx, (void)f;
    if (id % 5 == 4)
        return ST_NOT_FOUND;
    memset(out, 0, sizeof(*out));
    out->id = id;
    snprintf(out->name, sizeof(out->name), "Fuzz centrifuge");
    out->rotor_radius_mm = radii[id % 5];
    return ST_OK;
}

static int
normalise(int kind, json_t *in, const struct procdoc_context *c, json_t **doc, struct fail *f)
{
    static const char *const treatments[] = {"prp-hair", "prp-face", "adsc-hair"};
    if (kind == 0)
        return procdoc_preparation_normalise(in, c, doc, f);
    if (kind == 1)
        return procdoc_fat_normalise(in, c, doc, f);
    return procdoc_injection_normalise(in, c, treatments[kind - 2], doc, f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!protos) {
        struct fail f;
        if (protocols_load("protocols", &protos, &f) != ST_OK) {
            fprintf(stderr, "fuzz_procdoc: run from the source tree: %s\n", f.message);
            __builtin_trap();
        }
    }
    if (size < 1)
        return 0;
    int kind = data[0] % 5;
    json_error_t err;
    json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &err);
    if (!in)
        return 0;
    const struct course_protocol *proto =
        course_protocols_find(protos->courses, kind == 3 ? "prp-face" : "prp-hair");
    struct procdoc_context c = {.protocols = protos,
                                .protocol = proto ? proto->document : NULL,
                                .centrifuge = centrifuge,
                                .injected_volume_ml = size % 2 ? 4.5 : NAN};
    json_t *doc = NULL, *again = NULL, *computed = NULL;
    struct fail f;
    fail_clear(&f);
    int st = normalise(kind, in, &c, &doc, &f);
    CHECK((st == ST_OK) == (doc != NULL));
    if (st != ST_OK) {
        /* every refusal names what is wrong, below "doc" or the treatment */
        CHECK(f.code[0] != '\0');
        CHECK(st == ST_NOMEM || strncmp(f.field, "doc", 3) == 0);
        goto out;
    }
    st = normalise(kind, doc, &c, &again, &f);
    CHECK(st == ST_OK && json_equal(doc, again));
    if (kind == 0)
        CHECK(procdoc_preparation_compute(doc, &c, &computed, &f) == ST_OK && computed);
    else if (kind == 1)
        (void)procdoc_fat_check_complete(doc, &f);
    else {
        CHECK(procdoc_injection_compute(doc, &c, &computed, &f) == ST_OK && computed);
        double total = procdoc_injection_total_ml(doc);
        CHECK(isfinite(total) && total > 0);
        for (size_t i = 0; i < procdoc_injection_nspecimens(doc); i++)
            CHECK(procdoc_injection_specimen(doc, i)[0] == 'S');
    }
out:
    json_decref(computed);
    json_decref(again);
    json_decref(doc);
    json_decref(in);
    return 0;
}
