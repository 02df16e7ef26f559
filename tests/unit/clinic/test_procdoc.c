/* Unit tests of src/clinic/procdoc.c: the preparation, fat and injection documents validated
 * strictly with their paths, every classification boundary through the document, RCF and rpm
 * round trips, deviations from the protocol, and the injection's totals and warnings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/procdoc.h"
#include "clinic/protocols.h"
#include "prp/rcf.h"

static struct protocols *protos;

/* The clinic's centrifuges of these tests: the radius decides every conversion. */
static int
centrifuge(void *ctx, int64_t id, struct procdoc_centrifuge *out, struct fail *f)
{
    static const struct {
        int64_t id;
        double radius_mm;
    } devices[] = {{1, 100}, {2, 0}, {3, 150}, {4, 400}, {5, 10}, {6, 50}, {7, 87.5}, {8, 200}};
    (void)ctx, (void)f;
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
        if (devices[i].id == id) {
            memset(out, 0, sizeof(*out));
            out->id = id;
            snprintf(out->name, sizeof(out->name), "Bench centrifuge %lld", (long long)id);
            snprintf(out->model, sizeof(out->model), "Example Model 80");
            snprintf(out->rotor_type, sizeof(out->rotor_type), "swing_out");
            out->rotor_radius_mm = devices[i].radius_mm;
            return ST_OK;
        }
    return ST_NOT_FOUND;
}

static struct procdoc_context
context(const char *protocol)
{
    struct procdoc_context c = {
        .protocols = protos, .protocol = NULL, .centrifuge = centrifuge, .injected_volume_ml = NAN};
    if (protocol)
        c.protocol = course_protocols_find(protos->courses, protocol)->document;
    return c;
}

static json_t *
parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad test JSON: %s", err.text);
    return j;
}

static const char prep_text[] =
    "{\"draw\":{\"volume_ml\":18,\"at\":\"2025-03-04T09:00:00.000Z\",\"by_user_id\":3,"
    "\"site\":\"left antecubital vein\"},"
    "\"tubes\":[{\"product\":\"Example PRP tube\",\"lot\":\"L2345\",\"expiry\":\"2027-05-31\","
    "\"anticoagulant\":\"acd_a\",\"anticoagulant_ml\":1.5,\"count\":2}],"
    "\"centrifuge_id\":1,"
    "\"spins\":[{\"rpm\":1500,\"minutes\":10,\"brake\":\"on\",\"temperature_c\":22},"
    "{\"rcf_g\":500,\"minutes\":12,\"brake\":\"low\"}],"
    "\"collected\":{\"layer\":\"plasma_buffy_coat\",\"volume_ml\":8},"
    "\"final_volume_ml\":4,"
    "\"counts\":{\"blood\":{\"platelets_per_ul\":250000,\"wbc_per_ul\":6500,"
    "\"rbc_per_ul\":4700000,\"hct_pct\":42},"
    "\"prp\":{\"platelets_per_ul\":1100000,\"wbc_per_ul\":400,\"rbc_per_ul\":20000}},"
    "\"activation\":{\"agent\":\"none\"},"
    "\"ready_at\":\"2025-03-04T09:40:00.000Z\",\"notes\":\"  routine  \"}";

/* Sets the member at a dotted path ("spins[1].rpm", "draw.volume_ml") of doc to v (taken). */
static void
set_path(json_t *doc, const char *path, json_t *v)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *o = doc;
    char *save = NULL;
    char *part = strtok_r(buf, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        char *br = strchr(part, '[');
        size_t idx = 0;
        if (br) {
            idx = strtoul(br + 1, NULL, 10);
            *br = '\0';
        }
        if (!next && !br) {
            assert_int_equal(json_object_set_new(o, part, v), 0);
            return;
        }
        json_t *child = json_object_get(o, part);
        if (!child) {
            child = json_object();
            json_object_set_new(o, part, child);
        }
        if (br) {
            if (!next) {
                assert_int_equal(json_array_set_new(child, idx, v), 0);
                return;
            }
            child = json_array_get(child, idx);
        }
        assert_non_null(child);
        o = child;
        part = next;
    }
}

static json_t *
at(const json_t *doc, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const json_t *o = doc;
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save)) {
        char *br = strchr(part, '[');
        if (br) {
            size_t idx = strtoul(br + 1, NULL, 10);
            *br = '\0';
            o = json_array_get(json_object_get(o, part), idx);
        } else {
            o = json_object_get(o, part);
        }
    }
    return (json_t *)o;
}

static double
num_at(const json_t *doc, const char *path)
{
    const json_t *v = at(doc, path);
    if (!json_is_number(v))
        fail_msg("%s is not a number", path);
    return json_number_value(v);
}

static const char *
str_at(const json_t *doc, const char *path)
{
    const char *s = json_string_value(at(doc, path));
    if (!s)
        fail_msg("%s is not a string", path);
    return s;
}

static json_t *
prep_ok(json_t *in, const struct procdoc_context *c)
{
    json_t *doc = NULL;
    struct fail f;
    fail_clear(&f);
    if (procdoc_preparation_normalise(in, c, &doc, &f) != ST_OK)
        fail_msg("refused: %s (%s, %s)", f.message, f.code, f.field);
    json_decref(in);
    return doc;
}

static void
prep_fails(json_t *in, const struct procdoc_context *c, int status, const char *code,
           const char *field)
{
    json_t *doc = (json_t *)1;
    struct fail f;
    fail_clear(&f);
    int st = procdoc_preparation_normalise(in, c, &doc, &f);
    json_decref(in);
    assert_null(doc);
    if (st != status || strcmp(f.code, code) != 0 || strcmp(f.field, field) != 0)
        fail_msg("wanted %d %s at %s, got %d %s at %s: %s", status, code, field, st, f.code,
                 f.field, f.message);
}

static json_t *
computed_of(json_t *doc, const struct procdoc_context *c)
{
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    if (procdoc_preparation_compute(doc, c, &out, &f) != ST_OK)
        fail_msg("compute failed: %s", f.message);
    return out;
}

static void
test_prep_normalised(void **state)
{
    (void)state;
    struct procdoc_context c = context("prp-hair");
    json_t *doc = prep_ok(parse(prep_text), &c);

    /* 1500 rpm at 10 cm: 1.118e-5 × 10 × 1500² = 251.55 → 251.6 × g (0.1 g). */
    assert_true(fabs(num_at(doc, "spins[0].rcf_g") - 251.6) < 1e-9);
    assert_int_equal((int)num_at(doc, "spins[0].rpm"), 1500);
    /* 500 × g at 10 cm: sqrt(500 / 1.118e-4) = 2114.8 → 2115 rpm. */
    assert_int_equal((int)num_at(doc, "spins[1].rpm"), 2115);
    assert_true(json_is_null(at(doc, "spins[1].temperature_c")));
    assert_string_equal(str_at(doc, "centrifuge.name"), "Bench centrifuge 1");
    assert_string_equal(str_at(doc, "centrifuge.rotor_type"), "swing_out");
    assert_int_equal((int)num_at(doc, "centrifuge.rotor_radius_mm"), 100);
    assert_string_equal(str_at(doc, "notes"), "routine");
    assert_true(json_is_null(at(doc, "activation.ratio")));
    assert_string_equal(str_at(doc, "tubes[0].expiry"), "2027-05-31");

    /* The stored document, sent back as it is (snapshot and both speeds), is accepted and
     * unchanged. */
    json_t *again = prep_ok(json_deep_copy(doc), &c);
    assert_true(json_equal(doc, again));
    json_decref(again);

    /* Only the draw's volume and time are needed while the record is filled in. */
    json_decref(prep_ok(parse("{\"draw\":{\"volume_ml\":8,\"at\":\"2025-03-04T09:00:00Z\"}}"), &c));
    json_decref(doc);
}

static void
test_prep_required_and_unknown(void **state)
{
    (void)state;
    struct procdoc_context c = context(NULL);
    prep_fails(parse("{}"), &c, ST_INVALID, "required", "doc.draw");
    prep_fails(parse("{\"draw\":{\"at\":\"2025-03-04T09:00:00Z\"}}"), &c, ST_INVALID, "required",
               "doc.draw.volume_ml");
    prep_fails(parse("{\"draw\":{\"volume_ml\":8}}"), &c, ST_INVALID, "required", "doc.draw.at");
    prep_fails(parse("{\"draw\":{\"volume_ml\":8,\"at\":\"2999-01-01T00:00:00Z\"}}"), &c,
               ST_INVALID, "future_date", "doc.draw.at");

    json_t *in = parse(prep_text);
    set_path(in, "draw.colour", json_string("red"));
    prep_fails(in, &c, ST_INVALID, "unknown_field", "doc.draw.colour");
    in = parse(prep_text);
    set_path(in, "spins[1].speed", json_integer(3));
    prep_fails(in, &c, ST_INVALID, "unknown_field", "doc.spins[1].speed");
    in = parse(prep_text);
    set_path(in, "counts.prp.hct_pct", json_integer(1));
    prep_fails(in, &c, ST_INVALID, "unknown_field", "doc.counts.prp.hct_pct");
    in = parse(prep_text);
    set_path(in, "extra", json_true());
    prep_fails(in, &c, ST_INVALID, "unknown_field", "doc.extra");
    in = parse(prep_text);
    set_path(in, "tubes[0].anticoagulant", json_string("edta"));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.tubes[0].anticoagulant");
    in = parse(prep_text);
    set_path(in, "tubes[0].expiry", json_string("2027-02-30"));
    prep_fails(in, &c, ST_INVALID, "invalid_date", "doc.tubes[0].expiry");
    in = parse(prep_text);
    set_path(in, "spins[0].brake", json_string("hard"));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.spins[0].brake");
    in = parse(prep_text);
    set_path(in, "ready_at", json_string("2025-03-04T08:59:00.000Z"));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.ready_at");
    in = parse(prep_text);
    set_path(in, "counts.blood.neutrophils_per_ul", json_integer(7000));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.counts.blood.neutrophils_per_ul");
    in = parse(prep_text);
    set_path(in, "counts.blood.platelets_per_ul", json_integer(0));
    prep_fails(in, &c, ST_INVALID, "out_of_range", "doc.counts.blood.platelets_per_ul");
    in = parse(prep_text);
    json_array_append_new(json_object_get(in, "spins"), parse("{\"rpm\":1000}"));
    prep_fails(in, &c, ST_INVALID, "too_many", "doc.spins");
}

/* One member at its range ends: just inside passes, just outside fails naming the path. */
struct range_case {
    const char *path; /* below doc */
    double value;
    bool ok;
    int64_t centrifuge; /* 0: the document's own */
};

static void
test_prep_ranges(void **state)
{
    (void)state;
    static const struct range_case cases[] = {
        {"draw.volume_ml", 500, true, 0},
        {"draw.volume_ml", 500.01, false, 0},
        {"draw.volume_ml", 0.01, true, 0},
        {"draw.volume_ml", 0, false, 0},
        {"tubes[0].anticoagulant_ml", 500, true, 0},
        {"tubes[0].anticoagulant_ml", 0, false, 0},
        {"collected.volume_ml", 500.5, false, 0},
        {"final_volume_ml", 500, true, 0},
        {"final_volume_ml", 500.1, false, 0},
        {"final_volume_ml", -1, false, 0},
        {"counts.blood.wbc_per_ul", 0, true, 0},
        {"counts.blood.wbc_per_ul", -1, false, 0},
        {"counts.prp.platelets_per_ul", 0, true, 0},
        {"counts.prp.rbc_per_ul", -0.5, false, 0},
        {"counts.blood.hct_pct", 0, true, 0},
        {"counts.blood.hct_pct", 100, true, 0},
        {"counts.blood.hct_pct", 100.1, false, 0},
        {"counts.blood.hct_pct", -0.1, false, 0},
        {"spins[0].minutes", 0.5, true, 0},
        {"spins[0].minutes", 0.49, false, 0},
        {"spins[0].minutes", 60, true, 0},
        {"spins[0].minutes", 60.1, false, 0},
        {"spins[0].temperature_c", 0, true, 0},
        {"spins[0].temperature_c", -0.1, false, 0},
        {"spins[0].temperature_c", 40, true, 0},
        {"spins[0].temperature_c", 40.1, false, 0},
        /* rpm alone at 40 cm (50 rpm is 1.1 × g) and at 1 cm (20000 rpm is 4472 × g) */
        {"spins[0].rpm", 50, true, 4},
        {"spins[0].rpm", 49.9, false, 4},
        {"spins[0].rpm", 20000, true, 5},
        {"spins[0].rpm", 20001, false, 5},
        /* rcf alone at 10 cm */
        {"spins[1].rcf_g", 1, true, 0},
        {"spins[1].rcf_g", 0.99, false, 0},
        {"spins[1].rcf_g", 5000, true, 0},
        {"spins[1].rcf_g", 5000.1, false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct range_case *rc = &cases[i];
        struct procdoc_context c = context(NULL);
        json_t *in = parse(prep_text), *doc = NULL;
        if (rc->centrifuge)
            set_path(in, "centrifuge_id", json_integer(rc->centrifuge));
        set_path(in, rc->path, json_real(rc->value));
        struct fail f;
        fail_clear(&f);
        int st = procdoc_preparation_normalise(in, &c, &doc, &f);
        char want[96];
        snprintf(want, sizeof(want), "doc.%s", rc->path);
        if (rc->ok && st != ST_OK)
            fail_msg("%s = %g refused: %s", rc->path, rc->value, f.message);
        if (!rc->ok &&
            (st != ST_INVALID || strcmp(f.field, want) != 0 || strcmp(f.code, "out_of_range") != 0))
            fail_msg("%s = %g: wanted out_of_range at %s, got %d %s at %s", rc->path, rc->value,
                     want, st, f.code, f.field);
        json_decref(in);
        json_decref(doc);
    }
}

/* A computed speed outside its range is refused on the speed given. */
static void
test_prep_computed_out_of_range(void **state)
{
    (void)state;
    struct procdoc_context c = context(NULL);
    json_t *in = parse(prep_text);
    set_path(in, "centrifuge_id", json_integer(5)); /* 1 cm: 5000 × g needs 21 149 rpm */
    set_path(in, "spins[0].rpm", json_integer(1000));
    set_path(in, "spins[1].rcf_g", json_integer(5000));
    prep_fails(in, &c, ST_INVALID, "out_of_range", "doc.spins[1].rcf_g");
    in = parse(prep_text);
    set_path(in, "spins[0].rpm", json_integer(20000)); /* 44 720 × g at 10 cm */
    prep_fails(in, &c, ST_INVALID, "out_of_range", "doc.spins[0].rpm");
}

static void
test_rcf_round_trips(void **state)
{
    (void)state;
    static const int64_t devices[] = {6, 7, 1, 3, 8}; /* 50, 87.5, 100, 150, 200 mm */
    static const double radii[] = {50, 87.5, 100, 150, 200};
    static const double speeds[] = {500, 1000, 1500, 2500, 3300, 4000};
    struct procdoc_context c = context(NULL);
    for (size_t d = 0; d < 5; d++)
        for (size_t s = 0; s < sizeof(speeds) / sizeof(speeds[0]); s++) {
            json_t *in = parse("{\"draw\":{\"volume_ml\":8,\"at\":\"2025-03-04T09:00:00Z\"},"
                               "\"spins\":[{}]}");
            set_path(in, "centrifuge_id", json_integer(devices[d]));
            set_path(in, "spins[0].rpm", json_real(speeds[s]));
            json_t *doc = prep_ok(in, &c);
            double g = num_at(doc, "spins[0].rcf_g"), exact = 0;
            assert_int_equal(rcf_from_rpm(radii[d] / 10.0, speeds[s], &exact), ST_OK);
            assert_true(fabs(g - exact) <= 0.05 + 1e-9);
            /* Back from the RCF alone: the same rpm within the rounding of 0.1 g. */
            in = parse("{\"draw\":{\"volume_ml\":8,\"at\":\"2025-03-04T09:00:00Z\"},"
                       "\"spins\":[{}]}");
            set_path(in, "centrifuge_id", json_integer(devices[d]));
            set_path(in, "spins[0].rcf_g", json_real(g));
            json_t *back = prep_ok(in, &c);
            double rpm = num_at(back, "spins[0].rpm");
            if (fabs(rpm - speeds[s]) > 1.0)
                fail_msg("%g rpm at %g mm → %g × g → %g rpm", speeds[s], radii[d], g, rpm);
            json_decref(doc);
            json_decref(back);
        }
}

static void
test_prep_speeds_together(void **state)
{
    (void)state;
    struct procdoc_context c = context(NULL);
    /* 1500 rpm at 10 cm is 251.55 × g: 254 is within 1 %, 255 is not. */
    json_t *in = parse(prep_text);
    set_path(in, "spins[0].rcf_g", json_integer(254));
    json_t *doc = prep_ok(in, &c);
    assert_int_equal((int)num_at(doc, "spins[0].rcf_g"), 254);
    assert_int_equal((int)num_at(doc, "spins[0].rpm"), 1500);
    json_decref(doc);
    in = parse(prep_text);
    set_path(in, "spins[0].rcf_g", json_integer(255));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.spins[0].rcf_g");
    in = parse(prep_text);
    set_path(in, "spins[0].rcf_g", json_integer(400));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.spins[0].rcf_g");

    /* Neither speed. */
    in = parse(prep_text);
    json_object_del(at(in, "spins[1]"), "rcf_g");
    prep_fails(in, &c, ST_INVALID, "required", "doc.spins[1].rpm");
    /* No centrifuge named, an unknown one, one without a radius. */
    in = parse(prep_text);
    json_object_del(in, "centrifuge_id");
    prep_fails(in, &c, ST_INVALID, "required", "doc.centrifuge_id");
    in = parse(prep_text);
    set_path(in, "centrifuge_id", json_integer(99));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.centrifuge_id");
    in = parse(prep_text);
    set_path(in, "centrifuge_id", json_integer(2));
    prep_fails(in, &c, ST_CONFLICT, "radius_unknown", "doc.centrifuge_id");
    /* Without spins a centrifuge without a radius is no obstacle. */
    in = parse(prep_text);
    set_path(in, "centrifuge_id", json_integer(2));
    json_object_del(in, "spins");
    doc = prep_ok(in, &c);
    assert_true(json_is_null(at(doc, "centrifuge.rotor_radius_mm")));
    assert_true(json_is_null(at(doc, "spins")));
    json_decref(doc);
}

static void
test_prep_activation(void **state)
{
    (void)state;
    struct procdoc_context c = context(NULL);
    json_t *in = parse(prep_text);
    set_path(in, "activation.agent", json_string("calcium_gluconate"));
    prep_fails(in, &c, ST_INVALID, "required", "doc.activation.ratio");
    in = parse(prep_text);
    set_path(in, "activation.ratio", json_string("1:10"));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.activation.ratio");
    in = parse(prep_text);
    set_path(in, "activation.agent", json_string("thrombin"));
    set_path(in, "activation.ratio", json_string("ten to one"));
    prep_fails(in, &c, ST_INVALID, "invalid_value", "doc.activation.ratio");
    in = parse(prep_text);
    set_path(in, "activation.agent", json_string("calcium_gluconate"));
    set_path(in, "activation.ratio", json_string(" 1 : 10 "));
    json_t *doc = prep_ok(in, &c);
    assert_string_equal(str_at(doc, "activation.ratio"), "1:10");
    json_decref(doc);
}

/* The counts of a classification case, sent through the document. */
struct counts_case {
    double blood_plt, blood_wbc, blood_rbc, blood_hct_pct;
    double prp_plt, prp_wbc, prp_rbc;
    const char *agent; /* NULL: no activation recorded */
    const char *path;  /* the computed member checked */
    const char *want;  /* its code, or for numbers and flags their JSON text */
};

static void
set_count(json_t *in, const char *path, double v)
{
    if (!isnan(v))
        set_path(in, path, json_real(v));
    else
        json_object_del(json_object_get(json_object_get(in, "counts"),
                                        strncmp(path, "counts.blood", 12) == 0 ? "blood" : "prp"),
                        strrchr(path, '.') + 1);
}

static void
test_classification_boundaries(void **state)
{
    (void)state;
    static const struct counts_case cases[] = {
        /* PAW platelets: P1 at baseline, P2 above it up to 750 000, P3 to 1 250 000, P4 above */
        {200000, 6000, NAN, NAN, 200000, 100, NAN, "none", "paw.code", "P1-B?"},
        {200000, 6000, NAN, NAN, 200001, 100, NAN, "none", "paw.code", "P2-B?"},
        {200000, 6000, NAN, NAN, 750000, 100, NAN, "none", "paw.code", "P2-B?"},
        {200000, 6000, NAN, NAN, 750001, 100, NAN, "none", "paw.code", "P3-B?"},
        {200000, 6000, NAN, NAN, 1250000, 100, NAN, "none", "paw.code", "P3-B?"},
        {200000, 6000, NAN, NAN, 1250001, 100, NAN, "none", "paw.code", "P4-B?"},
        /* a baseline above 750 000: P1 still means at or below it */
        {800000, 6000, NAN, NAN, 800000, 100, NAN, "none", "paw.code", "P1-B?"},
        /* W: A above the blood's WBC, B at or below; x when activated */
        {200000, 6000, NAN, NAN, 1000000, 6000, NAN, "none", "paw.code", "P3-B?"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, "calcium_chloride", "paw.code", "P3-x-A?"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, NULL, "paw.code", "P3-?-A?"},
        /* Mishra: A from 5 × baseline; types by WBC and activation */
        {200000, 6000, NAN, NAN, 1000000, 100, NAN, "none", "mishra.code", "3A"},
        {200000, 6000, NAN, NAN, 999999, 100, NAN, "none", "mishra.code", "3B"},
        {200000, 6000, NAN, NAN, 999999, 100, NAN, "thrombin", "mishra.code", "4B"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, "none", "mishra.code", "1A"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, "calcium_gluconate", "mishra.code", "2A"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, NULL, "mishra.code", "?A"},
        /* Dohan Ehrenfest: leukocytes above baseline; ACD-A tubes make a liquid PRP */
        {200000, 6000, NAN, NAN, 1000000, 6000, NAN, "none", "dohan.code", "P-PRP"},
        {200000, 6000, NAN, NAN, 1000000, 6001, NAN, "none", "dohan.code", "L-PRP"},
        {200000, NAN, NAN, NAN, 1000000, 6001, NAN, "none", "dohan.code", "?-PRP"},
        /* PLRA red cells: R+ above a PRP haematocrit of 1 %, through the blood's mean cell
         * volume (40 % / 4 000 000 per µL): 100 000 red cells per µL is exactly 1 % */
        {200000, 6000, 4000000, 40, 1000000, 100, 100000, "none", "plra.red_cells", "false"},
        {200000, 6000, 4000000, 40, 1000000, 100, 100001, "none", "plra.red_cells", "true"},
        {200000, 6000, 4000000, NAN, 1000000, 100, 100001, "none", "plra.red_cells", "null"},
        {200000, 6000, 4000000, 40, 1000000, 100, 100001, "none", "plra.code",
         "P 1000000/µL, L?, R+, A-, 4.0 mL"},
        /* DEPA purity: grade A only above 90 % */
        {200000, 6000, 4000000, 40, 900000, 50000, 50000, "none", "depa.purity_grade_a", "false"},
        {200000, 6000, 4000000, 40, 900000, 50000, 50000, "none", "depa.code",
         "D 3.60×10⁹, E 100.0 %, P 90.0 %, A-"},
        {200000, 6000, 4000000, 40, 900001, 50000, 50000, "none", "depa.purity_grade_a", "true"},
        {200000, 6000, 4000000, 40, 900001, 50000, 50000, "none", "depa.code",
         "D 3.60×10⁹, E 100.0 %, P A, A-"},
    };
    struct procdoc_context c = context(NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct counts_case *k = &cases[i];
        json_t *in = parse(prep_text);
        /* 4 mL from 18 mL at 5 × baseline: 100 % recovery at 4.5 ×, so the numbers are easy */
        set_count(in, "counts.blood.platelets_per_ul", k->blood_plt);
        set_count(in, "counts.blood.wbc_per_ul", k->blood_wbc);
        set_count(in, "counts.blood.rbc_per_ul", k->blood_rbc);
        set_count(in, "counts.blood.hct_pct", k->blood_hct_pct);
        set_count(in, "counts.prp.platelets_per_ul", k->prp_plt);
        set_count(in, "counts.prp.wbc_per_ul", k->prp_wbc);
        set_count(in, "counts.prp.rbc_per_ul", k->prp_rbc);
        if (k->agent) {
            set_path(in, "activation.agent", json_string(k->agent));
            if (strcmp(k->agent, "none") != 0)
                set_path(in, "activation.ratio", json_string("1:10"));
        } else {
            json_object_del(in, "activation");
        }
        /* A recovery of exactly 100 %: 4 mL × 900 000 = 18 mL × 200 000. */
        set_path(in, "final_volume_ml", json_integer(4));
        json_t *doc = prep_ok(in, &c), *comp = computed_of(doc, &c);
        char path[96];
        snprintf(path, sizeof(path), "classification.%s", k->path);
        json_t *v = at(comp, path);
        char *text =
            json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
        if (!text || strcmp(text, k->want) != 0)
            fail_msg("case %zu: %s is %s, wanted %s", i, path, text ? text : "(none)", k->want);
        free(text);
        json_decref(comp);
        json_decref(doc);
    }
}

static void
test_prep_computed(void **state)
{
    (void)state;
    struct procdoc_context c = context("prp-hair");
    json_t *doc = prep_ok(parse(prep_text), &c), *comp = computed_of(doc, &c);

    /* 1 100 000 / 250 000 = 4.4; recovery 1 100 000 × 4 / (250 000 × 18) = 97.8 % */
    assert_true(fabs(num_at(comp, "concentration_factor") - 4.4) < 1e-9);
    assert_true(fabs(num_at(comp, "recovery_pct") - 97.8) < 1e-9);
    /* the dose of the final volume: 1.1 × 10⁶ /µL × 4000 µL = 4.4 × 10⁹ */
    assert_true(fabs(num_at(comp, "platelets_injected_billion") - 4.4) < 1e-9);
    assert_string_equal(str_at(comp, "dose_basis"), "final_volume");
    assert_int_equal((int)num_at(comp, "spins[1].rpm"), 2115);
    assert_true(fabs(num_at(comp, "spins[0].rcf_g") - 251.6) < 1e-9);
    assert_string_equal(str_at(comp, "classification.paw.code"), "P3-B?");
    assert_string_equal(str_at(comp, "classification.depa.code"),
                        "D 4.40×10⁹, E 97.8 %, P A, A-");
    /* Spin 2 at 500 × g for 12 minutes, target 1.1 million: within the protocol; spin 1 at
     * 251.6 × g for 10 minutes too. */
    assert_int_equal(json_array_size(at(comp, "deviations")), 0);
    json_decref(comp);

    /* With the injection recorded the dose is what was injected; the recovery stays that of
     * the volume made. */
    c.injected_volume_ml = 3;
    comp = computed_of(doc, &c);
    assert_string_equal(str_at(comp, "dose_basis"), "injected");
    assert_true(fabs(num_at(comp, "platelets_injected_billion") - 3.3) < 1e-9);
    assert_true(fabs(num_at(comp, "recovery_pct") - 97.8) < 1e-9);
    assert_string_equal(str_at(comp, "classification.depa.code"),
                        "D 3.30×10⁹, E 97.8 %, P A, A-");
    assert_true(fabs(num_at(comp, "classification.plra.volume_ml") - 3) < 1e-9);
    json_decref(comp);
    json_decref(doc);

    /* Nothing counted: every number null, every code unknown. */
    doc = prep_ok(parse("{\"draw\":{\"volume_ml\":8,\"at\":\"2025-03-04T09:00:00Z\"}}"), &c);
    c.injected_volume_ml = NAN;
    comp = computed_of(doc, &c);
    assert_true(json_is_null(at(comp, "concentration_factor")));
    assert_true(json_is_null(at(comp, "recovery_pct")));
    assert_true(json_is_null(at(comp, "platelets_injected_billion")));
    assert_string_equal(str_at(comp, "classification.paw.code"), "P?-?-??");
    assert_string_equal(str_at(comp, "classification.mishra.code"), "??");
    assert_string_equal(str_at(comp, "classification.dohan.code"), "?-?");
    assert_int_equal(json_array_size(at(comp, "spins")), 0);
    json_decref(comp);
    json_decref(doc);
}

static const json_t *
deviation(const json_t *comp, const char *code)
{
    const json_t *list = at(comp, "deviations"), *d;
    size_t i;
    json_array_foreach(list, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "code")), code) == 0)
            return d;
    }
    return NULL;
}

static void
test_prep_deviations(void **state)
{
    (void)state;
    struct procdoc_context c = context("prp-hair");
    json_t *in = parse(prep_text);
    set_path(in, "spins[0]", parse("{\"rcf_g\":300,\"minutes\":10}"));
    set_path(in, "spins[1]", parse("{\"rcf_g\":400,\"minutes\":17}"));
    set_path(in, "counts.prp.platelets_per_ul", json_integer(1500000));
    json_t *doc = prep_ok(in, &c), *comp = computed_of(doc, &c);
    /* every value on its limit: no deviation */
    assert_int_equal(json_array_size(at(comp, "deviations")), 0);
    json_decref(comp);
    json_decref(doc);

    in = parse(prep_text);
    set_path(in, "spins[0]", parse("{\"rcf_g\":350,\"minutes\":4.5}"));
    set_path(in, "spins[1]", parse("{\"rcf_g\":399,\"minutes\":17.5}"));
    set_path(in, "counts.prp.platelets_per_ul", json_integer(1600000));
    doc = prep_ok(in, &c);
    comp = computed_of(doc, &c);
    assert_int_equal(json_array_size(at(comp, "deviations")), 5);
    const json_t *d = deviation(comp, "spin1_force");
    assert_non_null(d);
    assert_int_equal(json_integer_value(json_object_get(d, "value")), 350);
    assert_int_equal(json_integer_value(json_object_get(d, "min")), 100);
    assert_int_equal(json_integer_value(json_object_get(d, "max")), 300);
    assert_string_equal(json_string_value(json_object_get(d, "unit")), "× g");
    assert_string_equal(str_at(d, "label.en"), "First spin");
    assert_non_null(str_at(d, "label.ar"));
    assert_true(fabs(num_at(deviation(comp, "spin1_minutes"), "value") - 4.5) < 1e-9);
    assert_non_null(deviation(comp, "spin2_force"));
    assert_non_null(deviation(comp, "spin2_minutes"));
    assert_true(fabs(num_at(deviation(comp, "target_platelets"), "value") - 1.6) < 1e-9);
    json_decref(comp);

    /* Outside a course there is no protocol to deviate from. */
    struct procdoc_context none = context(NULL);
    comp = computed_of(doc, &none);
    assert_int_equal(json_array_size(at(comp, "deviations")), 0);
    json_decref(comp);
    json_decref(doc);
}

/* ---- injection ---- */

static json_t *
inj_ok(const char *text, const struct procdoc_context *c, const char *treatment)
{
    json_t *in = parse(text), *doc = NULL;
    struct fail f;
    fail_clear(&f);
    if (procdoc_injection_normalise(in, c, treatment, &doc, &f) != ST_OK)
        fail_msg("refused: %s (%s, %s)", f.message, f.code, f.field);
    json_decref(in);
    return doc;
}

static void
inj_fails(const char *text, const char *treatment, const char *code, const char *field)
{
    struct procdoc_context c = context(NULL);
    json_t *in = parse(text), *doc = (json_t *)1;
    struct fail f;
    fail_clear(&f);
    int st = procdoc_injection_normalise(in, &c, treatment, &doc, &f);
    json_decref(in);
    assert_null(doc);
    if (st != ST_INVALID || strcmp(f.code, code) != 0 || strcmp(f.field, field) != 0)
        fail_msg("wanted %s at %s, got %d %s at %s: %s", code, field, st, f.code, f.field,
                 f.message);
}

static json_t *
inj_computed(const json_t *doc, const struct procdoc_context *c)
{
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    if (procdoc_injection_compute(doc, c, &out, &f) != ST_OK)
        fail_msg("compute failed: %s", f.message);
    return out;
}

static void
test_injection_totals(void **state)
{
    (void)state;
    struct procdoc_context c = context("prp-hair");
    json_t *doc =
        inj_ok("{\"map\":\"scalp\",\"zones\":["
               "{\"zone\":\"frontal\",\"volume_ml\":2,\"technique\":\"point_by_point\","
               "\"depth\":\"intradermal\",\"needle_gauge\":30},"
               "{\"zone\":\"crown\",\"volume_ml\":3,\"area_cm2\":50}],"
               "\"anaesthesia\":{\"kind\":\"ice\"},\"duration_minutes\":25,\"operator_user_id\":3,"
               "\"specimens\":[\" s1000002 \"]}",
               &c, "prp-hair");
    assert_string_equal(str_at(doc, "specimens[0]"), "S1000002");
    assert_int_equal(procdoc_injection_nspecimens(doc), 1);
    assert_string_equal(procdoc_injection_specimen(doc, 0), "S1000002");
    assert_null(procdoc_injection_specimen(doc, 1));
    assert_true(fabs(procdoc_injection_total_ml(doc) - 5) < 1e-9);
    assert_true(json_is_null(at(doc, "notes")));
    assert_true(json_is_null(at(doc, "zones[1].technique")));

    json_t *comp = inj_computed(doc, &c);
    /* frontal 60 cm² from the map, crown 50 cm² measured: 5 mL over 110 cm² */
    assert_true(fabs(num_at(comp, "total_volume_ml") - 5) < 1e-9);
    assert_true(fabs(num_at(comp, "total_area_cm2") - 110) < 1e-9);
    assert_true(fabs(num_at(comp, "ml_per_cm2") - 0.0455) < 1e-9);
    assert_string_equal(str_at(comp, "zones[0].zone"), "frontal");
    assert_true(fabs(num_at(comp, "zones[0].area_cm2") - 60) < 1e-9);
    assert_true(json_is_false(at(comp, "zones[0].area_measured")));
    assert_true(fabs(num_at(comp, "zones[0].ml_per_cm2") - 0.0333) < 1e-9);
    assert_true(fabs(num_at(comp, "zones[1].area_cm2") - 50) < 1e-9);
    assert_true(json_is_true(at(comp, "zones[1].area_measured")));
    assert_true(fabs(num_at(comp, "zones[1].ml_per_cm2") - 0.06) < 1e-9);
    assert_int_equal(json_array_size(at(comp, "warnings")), 0);
    /* 5 mL is within 5-7 mL; 0.0455 mL/cm² is below 0.05-0.1 */
    assert_null(deviation(comp, "dose"));
    const json_t *d = deviation(comp, "dose_per_area");
    assert_non_null(d);
    assert_true(fabs(num_at(d, "value") - 0.0455) < 1e-9);
    assert_string_equal(str_at(d, "unit"), "mL/cm²");
    json_decref(comp);
    json_decref(doc);

    /* 8 mL is above the session dose. */
    doc = inj_ok("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":4},"
                 "{\"zone\":\"mid_scalp\",\"volume_ml\":4}],\"specimens\":[\"S1000002\"]}",
                 &c, "prp-hair");
    comp = inj_computed(doc, &c);
    assert_true(fabs(num_at(deviation(comp, "dose"), "value") - 8) < 1e-9);
    assert_true(fabs(num_at(comp, "ml_per_cm2") - 0.0571) < 1e-9);
    assert_null(deviation(comp, "dose_per_area"));
    json_decref(comp);
    json_decref(doc);
}

static void
test_injection_face_warnings(void **state)
{
    (void)state;
    static const char *const zones[] = {
        "forehead",   "glabella",    "periorbital_left", "periorbital_right",
        "cheek_left", "cheek_right", "nasolabial_left",  "nasolabial_right",
        "perioral",   "lips",        "jawline",          "neck"};
    struct procdoc_context c = context("prp-face");
    json_t *in = parse("{\"map\":\"face\",\"zones\":[],\"anaesthesia\":{\"kind\":\"topical\","
                       "\"agent\":\"lidocaine cream\"},\"specimens\":[\"S1000002\"]}");
    for (size_t i = 0; i < 12; i++) {
        json_t *z = json_pack("{s:s, s:f}", "zone", zones[i], "volume_ml", 0.25);
        json_array_append_new(json_object_get(in, "zones"), z);
    }
    char *text = json_dumps(in, 0);
    json_decref(in);
    json_t *doc = inj_ok(text, &c, "prp-face");
    free(text);
    json_t *comp = inj_computed(doc, &c);
    const json_t *w = at(comp, "warnings");
    assert_int_equal(json_array_size(w), 4);
    static const char *const risky[] = {"forehead", "glabella", "nasolabial_left",
                                        "nasolabial_right"};
    for (size_t i = 0; i < 4; i++) {
        const json_t *e = json_array_get(w, i);
        assert_string_equal(str_at(e, "zone"), risky[i]);
        assert_string_equal(str_at(e, "rule"), "PRP-FACE-1");
        assert_non_null(strstr(str_at(e, "text.en"), "vision loss"));
        assert_non_null(strstr(str_at(e, "text.ar"), "فقدان البصر"));
    }
    /* prp-face has no dose items: no deviations */
    assert_int_equal(json_array_size(at(comp, "deviations")), 0);
    json_decref(comp);
    json_decref(doc);
}

static void
test_injection_refusals(void **state)
{
    (void)state;
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1},"
              "{\"zone\":\"frontal\",\"volume_ml\":1}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "duplicate", "doc.zones[1].zone");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}],"
              "\"anaesthesia\":{\"kind\":\"local_block\",\"dose\":\"2 mL\"},"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "required", "doc.anaesthesia.agent");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}],"
              "\"anaesthesia\":{\"kind\":\"local_block\",\"agent\":\"lidocaine 1%\"},"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "required", "doc.anaesthesia.dose");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}],"
              "\"anaesthesia\":{\"kind\":\"ice\",\"agent\":\"lidocaine\"},"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "invalid_value", "doc.anaesthesia.agent");
    inj_fails("{\"map\":\"face\",\"zones\":[{\"zone\":\"lips\",\"volume_ml\":1}],"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "invalid_value", "doc.map");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"lips\",\"volume_ml\":1}],"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "invalid_value", "doc.zones[0].zone");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}]}", "prp-hair",
              "required", "doc.specimens");
    inj_fails("{\"map\":\"scalp\",\"zones\":[]}", "prp-hair", "required", "doc.zones");
    inj_fails("{\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}]}", "adsc-hair", "required",
              "doc.map");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}],"
              "\"specimens\":[\"S1000008\"]}",
              "prp-hair", "invalid_value", "doc.specimens[0]");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1}],"
              "\"specimens\":[\"S1000002\",\"s1000002\"]}",
              "prp-hair", "duplicate", "doc.specimens[1]");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1,"
              "\"angle\":45}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "unknown_field", "doc.zones[0].angle");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\"}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "required", "doc.zones[0].volume_ml");
    /* range ends: volume > 0 and ≤ 20 mL, gauge 18-34 */
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":20.01}],"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "out_of_range", "doc.zones[0].volume_ml");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":0}],"
              "\"specimens\":[\"S1000002\"]}",
              "prp-hair", "out_of_range", "doc.zones[0].volume_ml");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1,"
              "\"needle_gauge\":17}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "out_of_range", "doc.zones[0].needle_gauge");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1,"
              "\"needle_gauge\":35}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "out_of_range", "doc.zones[0].needle_gauge");
    inj_fails("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":1,"
              "\"area_cm2\":0}],\"specimens\":[\"S1000002\"]}",
              "prp-hair", "out_of_range", "doc.zones[0].area_cm2");

    struct procdoc_context c = context(NULL);
    json_t *doc = inj_ok("{\"map\":\"scalp\",\"zones\":[{\"zone\":\"frontal\",\"volume_ml\":20,"
                         "\"needle_gauge\":18},{\"zone\":\"crown\",\"volume_ml\":0.01,"
                         "\"needle_gauge\":34}],\"anaesthesia\":{\"kind\":\"local_block\","
                         "\"agent\":\"lidocaine 1%\",\"dose\":\"2 mL\"}}",
                         &c, "adsc-hair");
    /* fat-derived cells need no PRP specimen */
    assert_true(json_is_null(at(doc, "specimens")));
    assert_int_equal(procdoc_injection_nspecimens(doc), 0);
    json_decref(doc);
}

/* ---- fat-derived cells ---- */

static const char fat_text[] =
    "{\"harvest\":{\"site\":\"abdomen\",\"at\":\"2025-03-04T09:00:00Z\",\"tumescent_ml\":100,"
    "\"aspirate_ml\":60,\"anaesthetic\":\"lidocaine 0.5% with adrenaline\"},"
    "\"processing\":{\"method\":\"mechanical\",\"device\":\"Example fat processor\"},"
    "\"centrifugation\":{\"centrifuge_id\":3,\"rcf_g\":1200,\"minutes\":3},"
    "\"final_volume_ml\":20,\"regulatory_basis\":\"Minimal manipulation, same surgical "
    "procedure\"}";

static void
test_fat(void **state)
{
    (void)state;
    struct procdoc_context c = context(NULL);
    json_t *in = parse(fat_text), *doc = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(procdoc_fat_normalise(in, &c, &doc, &f), ST_OK);
    json_decref(in);
    /* 1200 × g at 15 cm: sqrt(1200 / 1.677e-4) = 2675 rpm */
    assert_int_equal((int)num_at(doc, "centrifugation.rpm"), 2675);
    assert_string_equal(str_at(doc, "centrifugation.centrifuge.name"), "Bench centrifuge 3");
    assert_true(json_is_null(at(doc, "cell_count_million")));
    assert_int_equal(procdoc_fat_check_complete(doc, &f), ST_OK);
    json_object_set_new(doc, "regulatory_basis", json_null());
    assert_int_equal(procdoc_fat_check_complete(doc, &f), ST_CONFLICT);
    assert_string_equal(f.code, "incomplete");
    assert_string_equal(f.field, "doc.regulatory_basis");
    /* read back as stored */
    json_t *again = NULL;
    assert_int_equal(procdoc_fat_normalise(doc, &c, &again, &f), ST_OK);
    assert_true(json_equal(doc, again));
    json_decref(again);
    json_decref(doc);

    static const struct {
        const char *path;
        json_t *(*value)(void);
        const char *code, *field;
    } bad[] = {
        {"harvest.site", NULL, "required", "doc.harvest.site_other"},
        {"harvest.site_other", NULL, "invalid_value", "doc.harvest.site_other"},
        {"centrifugation.centrifuge_id", NULL, "required", "doc.centrifugation.centrifuge_id"},
        {"viability_pct", NULL, "out_of_range", "doc.viability_pct"},
        {"processing.method", NULL, "invalid_value", "doc.processing.method"},
    };
    json_t *values[] = {json_string("other"), json_string("buttock"), json_null(), json_real(100.5),
                        json_string("sonic")};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = parse(fat_text);
        set_path(in, bad[i].path, values[i]);
        doc = (json_t *)1;
        fail_clear(&f);
        int st = procdoc_fat_normalise(in, &c, &doc, &f);
        json_decref(in);
        assert_null(doc);
        if (st != ST_INVALID || strcmp(f.code, bad[i].code) || strcmp(f.field, bad[i].field))
            fail_msg("%s: got %s at %s, wanted %s at %s", bad[i].path, f.code, f.field, bad[i].code,
                     bad[i].field);
    }
    in = parse(fat_text);
    set_path(in, "centrifugation.centrifuge_id", json_integer(2));
    doc = (json_t *)1;
    assert_int_equal(procdoc_fat_normalise(in, &c, &doc, &f), ST_CONFLICT);
    assert_string_equal(f.code, "radius_unknown");
    assert_string_equal(f.field, "doc.centrifugation.centrifuge_id");
    json_decref(in);
    in = parse("{\"harvest\":{\"site\":\"flank\"}}");
    assert_int_equal(procdoc_fat_normalise(in, &c, &doc, &f), ST_INVALID);
    assert_string_equal(f.field, "doc.harvest.at");
    json_decref(in);
}

static int
setup(void **state)
{
    struct fail f;
    (void)state;
    fail_clear(&f);
    if (protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protos, &f) != ST_OK) {
        fprintf(stderr, "protocols: %s\n", f.message);
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    protocols_free(protos);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prep_normalised),
        cmocka_unit_test(test_prep_required_and_unknown),
        cmocka_unit_test(test_prep_ranges),
        cmocka_unit_test(test_prep_computed_out_of_range),
        cmocka_unit_test(test_rcf_round_trips),
        cmocka_unit_test(test_prep_speeds_together),
        cmocka_unit_test(test_prep_activation),
        cmocka_unit_test(test_classification_boundaries),
        cmocka_unit_test(test_prep_computed),
        cmocka_unit_test(test_prep_deviations),
        cmocka_unit_test(test_injection_totals),
        cmocka_unit_test(test_injection_face_warnings),
        cmocka_unit_test(test_injection_refusals),
        cmocka_unit_test(test_fat),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
