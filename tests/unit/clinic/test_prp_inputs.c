/* Unit tests of src/clinic/prp_inputs.c: every mapping rule of the designer's starting request —
 * the record before the labs, the newest lab that is not deleted, unit scaling, the differential
 * that must fit the total, anticoagulant from the tubes or the 1:9 ratio, the rotor from the
 * snapshot, the booked or the first usable centrifuge, the spins from the record or the protocol's
 * midpoints, the target, and what is missing when nothing gives a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/prp_inputs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_MS (24 * 3600 * 1000LL)

static json_t *
load(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

/* `got` at dotted `path` ("request.blood.hct", "sources.rotor") equals `want` JSON; "absent"
 * checks that nothing is there. */
static void
at(const json_t *got, const char *path, const char *want_s)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const json_t *v = got;
    /* the keys of sources hold dots: "sources/blood.hct" names them with a slash */
    char *slash = strchr(buf, '/');
    char *rest = NULL;
    if (slash) {
        *slash = '\0';
        rest = slash + 1;
    }
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    if (rest)
        v = json_object_get(v, rest);
    if (strcmp(want_s, "absent") == 0) {
        if (v)
            fail_msg("%s: present, want absent", path);
        return;
    }
    json_t *want = load(want_s);
    if (!v || !json_equal(v, want)) {
        char *g = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        fail_msg("%s: got %s, want %s", path, g ? g : "nothing", want_s);
    }
    json_decref(want);
}

static struct db_lab
lab(int64_t id, const char *analyte, double value, int64_t day, bool deleted)
{
    struct db_lab l;
    memset(&l, 0, sizeof(l));
    l.id = id;
    snprintf(l.analyte, sizeof(l.analyte), "%s", analyte);
    l.canonical_value = value;
    l.measured_ms = 1790000000000LL + day * DAY_MS;
    l.deleted = deleted;
    return l;
}

static struct db_centrifuge
centrifuge(int64_t id, const char *name, int radius, const char *type, bool active)
{
    struct db_centrifuge c;
    memset(&c, 0, sizeof(c));
    c.id = id;
    c.name = (char *)name;
    c.rotor_radius_mm = radius;
    snprintf(c.rotor_type, sizeof(c.rotor_type), "%s", type);
    c.active = active;
    return c;
}

static const char *const PROTOCOL =
    "{\"preparation\":[{\"code\":\"blood_volume\",\"value\":8,\"unit\":\"mL\"},"
    "{\"code\":\"anticoagulant\",\"value\":\"ACD-A\"},"
    "{\"code\":\"spin1_force\",\"min\":100,\"max\":300},"
    "{\"code\":\"spin1_minutes\",\"min\":5,\"max\":10},"
    "{\"code\":\"spin2_force\",\"min\":400,\"max\":700},"
    "{\"code\":\"spin2_minutes\",\"min\":10,\"max\":17},"
    "{\"code\":\"target_platelets\",\"min\":1.2,\"max\":1.6}]}";

static json_t *
run(const struct prp_inputs *in)
{
    struct fail f;
    fail_clear(&f);
    json_t *out = NULL;
    assert_int_equal(prp_inputs_request(in, &out, &f), ST_OK);
    assert_non_null(out);
    return out;
}

/* Nothing at all: defaults where the model has them, the rest missing. */
static void
test_nothing(void **state)
{
    (void)state;
    struct prp_inputs in = {0};
    json_t *out = run(&in);
    at(out, "missing",
       "[\"blood.volume_ml\",\"blood.hct\",\"blood.platelets_per_ul\",\"blood.wbc_per_ul\","
       "\"rotor\",\"spins\"]");
    at(out, "request.blood", "{\"temperature_c\":22.0}");
    at(out, "request.tube", "{\"shape\":\"conical\",\"capacity_ml\":15.0}");
    at(out, "request.rotor", "absent");
    at(out, "request.spins", "absent");
    at(out, "sources/blood.temperature_c", "{\"from\":\"default\"}");
    at(out, "sources/tube", "{\"from\":\"default\"}");
    at(out, "sources/blood.anticoagulant_ml", "absent");
    at(out, "target",
       "{\"platelets_per_ul_min\":1000000.0,\"platelets_per_ul_max\":1500000.0,\"from\":"
       "\"default\"}");
    json_decref(out);
}

/* The protocol alone: volume, spins at the midpoints, the ratio and the target. */
static void
test_protocol(void **state)
{
    (void)state;
    json_t *protocol = load(PROTOCOL);
    struct prp_inputs in = {.protocol = protocol};
    json_t *out = run(&in);
    at(out, "request.blood.volume_ml", "8.0");
    at(out, "sources/blood.volume_ml", "{\"from\":\"protocol\"}");
    at(out, "request.blood.anticoagulant_ml", "0.889");
    at(out, "sources/blood.anticoagulant_ml",
       "{\"from\":\"ratio\",\"note\":\"1 volume of ACD-A per 9 of blood (facts.md §3)\"}");
    at(out, "request.spins",
       "[{\"g\":200.0,\"minutes\":7.5,\"collect\":{\"rule\":\"above-rbc\",\"margin_mm\":2.0}},"
       "{\"g\":550.0,\"minutes\":13.5,\"collect\":{\"rule\":\"keep-bottom-fraction\","
       "\"fraction\":0.333}}]");
    at(out, "sources/spins", "{\"from\":\"protocol\"}");
    at(out, "target",
       "{\"platelets_per_ul_min\":1200000.0,\"platelets_per_ul_max\":1600000.0,\"from\":"
       "\"protocol\"}");
    at(out, "missing", "[\"blood.hct\",\"blood.platelets_per_ul\",\"blood.wbc_per_ul\",\"rotor\"]");
    json_decref(out);
    json_decref(protocol);
}

/* A protocol with one spin range gives one spin; a value instead of a range is taken as is. */
static void
test_protocol_one_spin(void **state)
{
    (void)state;
    json_t *protocol = load("{\"preparation\":[{\"code\":\"spin1_force\",\"value\":250},"
                            "{\"code\":\"spin1_minutes\",\"min\":8,\"max\":12},"
                            "{\"code\":\"spin2_force\",\"min\":400,\"max\":700},"
                            "{\"code\":\"target_platelets\",\"value\":1.1}]}");
    struct prp_inputs in = {.protocol = protocol};
    json_t *out = run(&in);
    at(out, "request.spins",
       "[{\"g\":250.0,\"minutes\":10.0,\"collect\":{\"rule\":\"above-rbc\",\"margin_mm\":2.0}}]");
    at(out, "target",
       "{\"platelets_per_ul_min\":1100000.0,\"platelets_per_ul_max\":1100000.0,\"from\":"
       "\"protocol\"}");
    json_decref(out);
    json_decref(protocol);
}

/* The newest lab of each analyte that is not deleted, scaled to the request's units. */
static void
test_labs(void **state)
{
    (void)state;
    struct db_lab labs[] = {
        lab(1, "haematocrit", 0.39, -20, false), lab(2, "haematocrit", 0.44, -2, false),
        lab(3, "haematocrit", 0.30, -1, true),   lab(4, "platelets", 260, -3, false),
        lab(5, "wbc", 6.5, -3, false),           lab(6, "neutrophils", 3.9, -3, false),
        lab(7, "lymphocytes", 2.1, -3, false),   lab(8, "monocytes", 0.4, -3, false),
        lab(9, "haemoglobin", 14, 0, false),
    };
    labs[1].date_only = true;
    struct prp_inputs in = {.labs = labs, .n_labs = N(labs)};
    json_t *out = run(&in);
    at(out, "request.blood.hct", "0.44");
    at(out, "sources/blood.hct",
       "{\"from\":\"lab\",\"lab_id\":2,\"measured_at\":\"2026-09-19T14:13:20.000Z\","
       "\"date_only\":true}");
    at(out, "request.blood.platelets_per_ul", "260000.0");
    at(out, "request.blood.wbc_per_ul", "6500.0");
    at(out, "request.blood.neutrophils_per_ul", "3900.0");
    at(out, "request.blood.lymphocytes_per_ul", "2100.0");
    at(out, "request.blood.monocytes_per_ul", "400.0");
    at(out, "sources/blood.platelets_per_ul",
       "{\"from\":\"lab\",\"lab_id\":4,\"measured_at\":\"2026-09-18T14:13:20.000Z\","
       "\"date_only\":false}");
    at(out, "missing", "[\"blood.volume_ml\",\"rotor\",\"spins\"]");
    json_decref(out);
}

/* Two results measured at the same time: the later entry (higher id) counts. */
static void
test_labs_tie(void **state)
{
    (void)state;
    struct db_lab labs[] = {lab(8, "platelets", 300, 0, false), lab(3, "platelets", 200, 0, false)};
    struct prp_inputs in = {.labs = labs, .n_labs = N(labs)};
    json_t *out = run(&in);
    at(out, "request.blood.platelets_per_ul", "300000.0");
    json_decref(out);
}

/* The record's same-day counts come before the labs, value by value. */
static void
test_record_before_labs(void **state)
{
    (void)state;
    struct db_lab labs[] = {lab(1, "haematocrit", 0.44, -2, false),
                            lab(2, "platelets", 260, -2, false), lab(3, "wbc", 6.5, -2, false),
                            lab(4, "neutrophils", 3.9, -2, false)};
    json_t *prep = load("{\"draw\":{\"volume_ml\":18},\"counts\":{\"blood\":{\"hct_pct\":41,"
                        "\"platelets_per_ul\":240000,\"wbc_per_ul\":null,"
                        "\"neutrophils_per_ul\":3000}}}");
    json_t *protocol = load(PROTOCOL);
    struct prp_inputs in = {
        .labs = labs, .n_labs = N(labs), .preparation = prep, .protocol = protocol};
    json_t *out = run(&in);
    at(out, "request.blood.volume_ml", "18.0");
    at(out, "sources/blood.volume_ml", "{\"from\":\"preparation\"}");
    at(out, "request.blood.hct", "0.41");
    at(out, "sources/blood.hct", "{\"from\":\"preparation\"}");
    at(out, "request.blood.platelets_per_ul", "240000.0");
    at(out, "sources/blood.platelets_per_ul", "{\"from\":\"preparation\"}");
    /* null in the record: the lab's */
    at(out, "request.blood.wbc_per_ul", "6500.0");
    at(out, "sources/blood.wbc_per_ul",
       "{\"from\":\"lab\",\"lab_id\":3,\"measured_at\":\"2026-09-19T14:13:20.000Z\","
       "\"date_only\":false}");
    at(out, "request.blood.neutrophils_per_ul", "3000.0");
    at(out, "sources/blood.neutrophils_per_ul", "{\"from\":\"preparation\"}");
    at(out, "request.blood.anticoagulant_ml", "2.0");
    json_decref(out);
    json_decref(prep);
    json_decref(protocol);
}

/* A differential that adds up to more than the total (another day's) loses the types that
 * overflow; the model splits the rest. */
static void
test_differential_fits(void **state)
{
    (void)state;
    struct db_lab labs[] = {lab(1, "wbc", 4.0, 0, false), lab(2, "neutrophils", 3.0, -30, false),
                            lab(3, "lymphocytes", 2.0, -30, false),
                            lab(4, "monocytes", 0.5, -30, false)};
    struct prp_inputs in = {.labs = labs, .n_labs = N(labs)};
    json_t *out = run(&in);
    at(out, "request.blood.neutrophils_per_ul", "3000.0");
    at(out, "request.blood.lymphocytes_per_ul", "absent");
    at(out, "sources/blood.lymphocytes_per_ul", "absent");
    at(out, "request.blood.monocytes_per_ul", "500.0");
    json_decref(out);
}

/* One tube of the draw: the draw and the anticoagulant (Σ ml × count) shared among the tubes
 * (count 1 when not given), else the ratio of the tube's share. */
static void
test_anticoagulant(void **state)
{
    (void)state;
    json_t *prep = load("{\"draw\":{\"volume_ml\":27},\"tubes\":[{\"anticoagulant_ml\":1.5,"
                        "\"count\":2},{\"anticoagulant_ml\":0.5},{\"lot\":\"A1\"}]}");
    struct prp_inputs in = {.preparation = prep};
    json_t *out = run(&in);
    at(out, "request.blood.volume_ml", "6.75");
    at(out, "sources/blood.volume_ml",
       "{\"from\":\"preparation\",\"tubes\":4,\"note\":\"the draw divided among its tubes: "
       "the model spins one tube\"}");
    at(out, "request.blood.anticoagulant_ml", "0.875");
    at(out, "sources/blood.anticoagulant_ml", "{\"from\":\"preparation\"}");
    json_decref(out);
    json_decref(prep);

    prep = load("{\"draw\":{\"volume_ml\":27},\"tubes\":[{\"lot\":\"A1\",\"count\":3}]}");
    in.preparation = prep;
    out = run(&in);
    at(out, "request.blood.volume_ml", "9.0");
    at(out, "request.blood.anticoagulant_ml", "1.0");
    at(out, "sources/blood.anticoagulant_ml",
       "{\"from\":\"ratio\",\"note\":\"1 volume of ACD-A per 9 of blood (facts.md §3)\"}");
    json_decref(out);
    json_decref(prep);
}

/* The rotor: the record's snapshot with a radius first. */
static void
test_rotor_snapshot(void **state)
{
    (void)state;
    struct db_centrifuge cs[] = {centrifuge(1, "Bench A", 150, "swing_out", true)};
    json_t *prep = load("{\"centrifuge\":{\"id\":4,\"name\":\"Old bench\",\"model\":null,"
                        "\"rotor_type\":\"swing_out\",\"rotor_radius_mm\":120}}");
    struct prp_inputs in = {.preparation = prep, .centrifuges = cs, .n_centrifuges = N(cs)};
    json_t *out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"swing-out\",\"radius_mm\":120.0}");
    at(out, "sources/rotor",
       "{\"from\":\"preparation\",\"centrifuge_id\":4,\"name\":\"Old bench\"}");
    json_decref(out);
    json_decref(prep);

    /* a snapshot without a radius: the clinic's centrifuge */
    prep = load("{\"centrifuge\":{\"id\":4,\"name\":\"Old bench\",\"rotor_type\":null,"
                "\"rotor_radius_mm\":null}}");
    in.preparation = prep;
    out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"swing-out\",\"radius_mm\":150.0}");
    at(out, "sources/rotor", "{\"from\":\"centrifuge\",\"centrifuge_id\":1,\"name\":\"Bench A\"}");
    json_decref(out);
    json_decref(prep);
}

/* The clinic's centrifuges: inactive ones and those without a radius are skipped; the booked
 * one comes before the first by name. */
static void
test_rotor_centrifuges(void **state)
{
    (void)state;
    struct db_centrifuge cs[] = {
        centrifuge(1, "A retired", 90, "swing_out", false),
        centrifuge(2, "B no radius", 0, "swing_out", true),
        centrifuge(3, "C bench", 100, "swing_out", true),
        centrifuge(4, "D big", 170, "swing_out", true),
    };
    struct prp_inputs in = {.centrifuges = cs, .n_centrifuges = N(cs)};
    json_t *out = run(&in);
    at(out, "sources/rotor", "{\"from\":\"centrifuge\",\"centrifuge_id\":3,\"name\":\"C bench\"}");
    json_decref(out);

    in.booked_centrifuge_id = 4;
    out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"swing-out\",\"radius_mm\":170.0}");
    at(out, "sources/rotor", "{\"from\":\"centrifuge\",\"centrifuge_id\":4,\"name\":\"D big\"}");
    json_decref(out);

    /* a booked one that cannot be used falls back to the first usable */
    in.booked_centrifuge_id = 1;
    out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"swing-out\",\"radius_mm\":100.0}");
    json_decref(out);

    /* none usable: the rotor is missing */
    in.n_centrifuges = 2;
    out = run(&in);
    at(out, "request.rotor", "absent");
    at(out, "sources/rotor", "absent");
    at(out, "missing",
       "[\"blood.volume_ml\",\"blood.hct\",\"blood.platelets_per_ul\",\"blood.wbc_per_ul\","
       "\"rotor\",\"spins\"]");
    json_decref(out);
}

/* Rotor types: fixed-angle needs the angle the clinic does not record; an unknown type is taken
 * as swing-out and says so. */
static void
test_rotor_types(void **state)
{
    (void)state;
    struct db_centrifuge fixed[] = {centrifuge(5, "Fixed", 95, "fixed_angle", true)};
    struct prp_inputs in = {.centrifuges = fixed, .n_centrifuges = 1};
    json_t *out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"fixed-angle\",\"radius_mm\":95.0}");
    at(out, "missing",
       "[\"blood.volume_ml\",\"blood.hct\",\"blood.platelets_per_ul\",\"blood.wbc_per_ul\","
       "\"rotor.angle_deg\",\"spins\"]");
    json_decref(out);

    struct db_centrifuge unknown[] = {centrifuge(6, "Unknown", 110, "", true)};
    in.centrifuges = unknown;
    out = run(&in);
    at(out, "request.rotor", "{\"kind\":\"swing-out\",\"radius_mm\":110.0}");
    at(out, "sources/rotor",
       "{\"from\":\"centrifuge\",\"centrifuge_id\":6,\"name\":\"Unknown\",\"note\":\"rotor type "
       "not recorded\"}");
    json_decref(out);
}

/* The record's spins: rules from the collected layer, the kept fraction from the volumes, the
 * temperature of the first spin. */
static void
test_spins_recorded(void **state)
{
    (void)state;
    static const struct {
        const char *prep, *spins;
    } cases[] = {
        {"{\"spins\":[{\"rcf_g\":300,\"minutes\":10,\"temperature_c\":24},{\"rcf_g\":700,"
         "\"minutes\":12}],\"collected\":{\"layer\":\"plasma_buffy_coat\",\"volume_ml\":8},"
         "\"final_volume_ml\":2}",
         "[{\"g\":300.0,\"minutes\":10.0,\"collect\":{\"rule\":\"buffy-coat\",\"margin_mm\":1.0}},"
         "{\"g\":700.0,\"minutes\":12.0,\"collect\":{\"rule\":\"keep-bottom-fraction\","
         "\"fraction\":0.25}}]"},
        {"{\"spins\":[{\"rcf_g\":150,\"minutes\":8}],\"collected\":{\"layer\":\"buffy_coat\"}}",
         "[{\"g\":150.0,\"minutes\":8.0,\"collect\":{\"rule\":\"buffy-coat\",\"margin_mm\":1.0}}]"},
        {"{\"spins\":[{\"rcf_g\":150,\"minutes\":8},{\"rcf_g\":600,\"minutes\":10}],"
         "\"collected\":{\"layer\":\"plasma\",\"volume_ml\":4},\"final_volume_ml\":4}",
         "[{\"g\":150.0,\"minutes\":8.0,\"collect\":{\"rule\":\"above-rbc\",\"margin_mm\":2.0}},"
         "{\"g\":600.0,\"minutes\":10.0,\"collect\":{\"rule\":\"keep-bottom-fraction\","
         "\"fraction\":0.333}}]"},
        {"{\"spins\":[{\"rcf_g\":150,\"minutes\":8},{\"rcf_g\":600,\"minutes\":10}],"
         "\"collected\":null,\"final_volume_ml\":4}",
         "[{\"g\":150.0,\"minutes\":8.0,\"collect\":{\"rule\":\"above-rbc\",\"margin_mm\":2.0}},"
         "{\"g\":600.0,\"minutes\":10.0,\"collect\":{\"rule\":\"keep-bottom-fraction\","
         "\"fraction\":0.333}}]"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *prep = load(cases[i].prep);
        json_t *protocol = load(PROTOCOL);
        struct prp_inputs in = {.preparation = prep, .protocol = protocol};
        json_t *out = run(&in);
        at(out, "request.spins", cases[i].spins);
        at(out, "sources/spins", "{\"from\":\"preparation\"}");
        at(out, "request.blood.temperature_c", i == 0 ? "24.0" : "22.0");
        at(out, "sources/blood.temperature_c",
           i == 0 ? "{\"from\":\"preparation\"}" : "{\"from\":\"default\"}");
        json_decref(out);
        json_decref(prep);
        json_decref(protocol);
    }
}

/* A recorded spin without its force or time: the record's spins are not used. */
static void
test_spins_incomplete(void **state)
{
    (void)state;
    json_t *prep = load("{\"spins\":[{\"rcf_g\":150,\"minutes\":8},{\"rcf_g\":null,"
                        "\"minutes\":10}]}");
    json_t *protocol = load(PROTOCOL);
    struct prp_inputs in = {.preparation = prep, .protocol = protocol};
    json_t *out = run(&in);
    at(out, "sources/spins", "{\"from\":\"protocol\"}");
    json_decref(out);
    in.protocol = NULL;
    out = run(&in);
    at(out, "request.spins", "absent");
    at(out, "missing",
       "[\"blood.volume_ml\",\"blood.hct\",\"blood.platelets_per_ul\",\"blood.wbc_per_ul\","
       "\"rotor\",\"spins\"]");
    json_decref(out);
    json_decref(prep);
    json_decref(protocol);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing),           cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_protocol_one_spin), cmocka_unit_test(test_labs),
        cmocka_unit_test(test_labs_tie),          cmocka_unit_test(test_record_before_labs),
        cmocka_unit_test(test_differential_fits), cmocka_unit_test(test_anticoagulant),
        cmocka_unit_test(test_rotor_snapshot),    cmocka_unit_test(test_rotor_centrifuges),
        cmocka_unit_test(test_rotor_types),       cmocka_unit_test(test_spins_recorded),
        cmocka_unit_test(test_spins_incomplete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
