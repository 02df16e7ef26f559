/* The designer's starting request for one procedure (prp_inputs.h): each value of the simulate
 * request taken from the most specific record that gives it, with its source. */
#include "clinic/prp_inputs.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"

/* What is being built; `ok` falls to false at the first allocation that fails. */
struct build {
    json_t *blood, *sources, *missing;
    bool ok;
};

static void
set(struct build *b, json_t *obj, const char *key, json_t *v)
{
    if (!obj) {
        json_decref(v);
        b->ok = false;
        return;
    }
    /* json_object_set_new releases v itself when it fails */
    if (!v || json_object_set_new(obj, key, v) != 0)
        b->ok = false;
}

static void
source(struct build *b, const char *path, json_t *src)
{
    set(b, b->sources, path, src);
}

static void
source_from(struct build *b, const char *path, const char *from)
{
    source(b, path, json_pack("{s:s}", "from", from));
}

static void
missing(struct build *b, const char *path)
{
    if (json_array_append_new(b->missing, json_string(path)) != 0)
        b->ok = false;
}

/* A number of `obj` at `key`, or NAN when absent, null or not a number. */
static double
num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double
round_to(double x, double scale)
{
    return round(x * scale) / scale;
}

/* ---- the protocol's preparation items ---- */

static const json_t *
protocol_item(const json_t *protocol, const char *code)
{
    const json_t *items = json_object_get(protocol, "preparation");
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *c = json_string_value(json_object_get(it, "code"));
        if (c && strcmp(c, code) == 0)
            return it;
    }
    return NULL;
}

/* The item's value, else the midpoint of its min–max range; NAN when it gives neither. */
static double
protocol_mid(const json_t *protocol, const char *code)
{
    const json_t *it = protocol_item(protocol, code);
    double v = num(it, "value");
    if (isfinite(v))
        return v;
    double lo = num(it, "min"), hi = num(it, "max");
    return isfinite(lo) && isfinite(hi) ? (lo + hi) / 2.0 : NAN;
}

/* ---- labs ---- */

/* The newest result of `analyte` that is not deleted (the later entry on a tie), or NULL. */
static const struct db_lab *
newest_lab(const struct prp_inputs *in, const char *analyte)
{
    const struct db_lab *best = NULL;
    for (size_t i = 0; i < in->n_labs; i++) {
        const struct db_lab *l = &in->labs[i];
        if (l->deleted || strcmp(l->analyte, analyte) != 0 || !isfinite(l->canonical_value))
            continue;
        if (!best || l->measured_ms > best->measured_ms ||
            (l->measured_ms == best->measured_ms && l->id > best->id))
            best = l;
    }
    return best;
}

static json_t *
lab_source(const struct db_lab *l)
{
    char at[25];
    time_format_ms(l->measured_ms, at);
    return json_pack("{s:s, s:I, s:s, s:b}", "from", "lab", "lab_id", (json_int_t)l->id,
                     "measured_at", at, "date_only", l->date_only);
}

/* One blood count: the preparation's same-day count `prep_key` (× prep_scale) when recorded,
 * else the newest lab of `analyte` (× lab_scale). NAN when neither. */
static double
blood_value(struct build *b, const struct prp_inputs *in, const char *path, const char *prep_key,
            double prep_scale, const char *analyte, double lab_scale, double round_scale)
{
    const json_t *counts = json_object_get(json_object_get(in->preparation, "counts"), "blood");
    double v = prep_key ? num(counts, prep_key) : NAN;
    if (isfinite(v)) {
        source_from(b, path, "preparation");
        return round_to(v * prep_scale, round_scale);
    }
    const struct db_lab *l = newest_lab(in, analyte);
    if (!l)
        return NAN;
    source(b, path, lab_source(l));
    return round_to(l->canonical_value * lab_scale, round_scale);
}

/* ---- blood ---- */

/* The leukocyte types that fit in the total: a differential from another day than the total can
 * add up to more than it, which the model refuses; a type that would overflow is left to the
 * model's default split. */
static void
differential(struct build *b, const struct prp_inputs *in, double wbc)
{
    static const struct {
        const char *path, *key, *prep_key, *analyte;
    } types[] = {
        {"blood.neutrophils_per_ul", "neutrophils_per_ul", "neutrophils_per_ul", "neutrophils"},
        {"blood.lymphocytes_per_ul", "lymphocytes_per_ul", NULL, "lymphocytes"},
        {"blood.monocytes_per_ul", "monocytes_per_ul", NULL, "monocytes"},
    };
    double sum = 0.0;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        double v = blood_value(b, in, types[i].path, types[i].prep_key, 1.0, types[i].analyte,
                               1000.0, 1.0);
        if (!isfinite(v))
            continue;
        if (isfinite(wbc) && sum + v > wbc) {
            json_object_del(b->sources, types[i].path);
            continue;
        }
        sum += v;
        set(b, b->blood, types[i].key, json_real(v));
    }
}

/* The anticoagulant of the recorded tubes (Σ anticoagulant_ml × count), or NAN; blood() shares it
 * among the tubes as it does the draw. */
static double
tubes_anticoagulant(const json_t *prep)
{
    const json_t *tubes = json_object_get(prep, "tubes");
    double sum = 0.0;
    bool any = false;
    size_t i;
    const json_t *t;
    json_array_foreach(tubes, i, t)
    {
        double ml = num(t, "anticoagulant_ml"), count = num(t, "count");
        if (!isfinite(ml))
            continue;
        sum += ml * (isfinite(count) ? count : 1.0);
        any = true;
    }
    return any ? sum : NAN;
}

/* How many tubes the recorded tubes[] hold (Σ count, 1 for a tube without a count), or 0. */
static double
tubes_count(const json_t *prep)
{
    const json_t *tubes = json_object_get(prep, "tubes");
    double n = 0.0;
    size_t i;
    const json_t *t;
    json_array_foreach(tubes, i, t)
    {
        double count = num(t, "count");
        n += isfinite(count) ? count : 1.0;
    }
    return n;
}

static void
blood(struct build *b, const struct prp_inputs *in)
{
    double volume = num(json_object_get(in->preparation, "draw"), "volume_ml");
    /* the model spins one tube: a draw shared among several tubes is predicted for one of them
     * (the tubes of a preparation are filled alike) */
    double tubes = tubes_count(in->preparation);
    if (isfinite(volume) && tubes >= 2.0) {
        volume = round_to(volume / tubes, 1e3);
        source(b, "blood.volume_ml",
               json_pack("{s:s, s:i, s:s}", "from", "preparation", "tubes", (json_int_t)tubes,
                         "note", "the draw divided among its tubes: the model spins one tube"));
    } else if (isfinite(volume)) {
        source_from(b, "blood.volume_ml", "preparation");
    } else {
        volume = protocol_mid(in->protocol, "blood_volume");
        if (isfinite(volume))
            source_from(b, "blood.volume_ml", "protocol");
    }
    if (isfinite(volume))
        set(b, b->blood, "volume_ml", json_real(volume));
    else
        missing(b, "blood.volume_ml");

    /* the lab reports a haematocrit in L/L; the record in % */
    double hct = blood_value(b, in, "blood.hct", "hct_pct", 0.01, "haematocrit", 1.0, 1e4);
    /* ×10⁹/L is 1000 per µL */
    double plt = blood_value(b, in, "blood.platelets_per_ul", "platelets_per_ul", 1.0, "platelets",
                             1000.0, 1.0);
    double wbc = blood_value(b, in, "blood.wbc_per_ul", "wbc_per_ul", 1.0, "wbc", 1000.0, 1.0);
    const struct {
        const char *path, *key;
        double v;
    } counts[] = {{"blood.hct", "hct", hct},
                  {"blood.platelets_per_ul", "platelets_per_ul", plt},
                  {"blood.wbc_per_ul", "wbc_per_ul", wbc}};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        if (isfinite(counts[i].v))
            set(b, b->blood, counts[i].key, json_real(counts[i].v));
        else
            missing(b, counts[i].path);
    }
    differential(b, in, wbc);

    double ac = tubes_anticoagulant(in->preparation);
    if (isfinite(ac) && tubes >= 2.0)
        ac = round_to(ac / tubes, 1e3);
    if (isfinite(ac)) {
        source_from(b, "blood.anticoagulant_ml", "preparation");
    } else if (isfinite(volume)) {
        ac = round_to(volume * PRP_INPUTS_ANTICOAGULANT_RATIO, 1e3);
        source(b, "blood.anticoagulant_ml",
               json_pack("{s:s, s:s}", "from", "ratio", "note",
                         "1 volume of ACD-A per 9 of blood (facts.md §3)"));
    }
    if (isfinite(ac))
        set(b, b->blood, "anticoagulant_ml", json_real(ac));

    const json_t *spin0 = json_array_get(json_object_get(in->preparation, "spins"), 0);
    double temp = num(spin0, "temperature_c");
    if (isfinite(temp)) {
        source_from(b, "blood.temperature_c", "preparation");
    } else {
        temp = PRP_INPUTS_TEMPERATURE_C;
        source_from(b, "blood.temperature_c", "default");
    }
    set(b, b->blood, "temperature_c", json_real(temp));
}

/* ---- rotor ---- */

static const struct db_centrifuge *
usable_centrifuge(const struct prp_inputs *in, int64_t only_id)
{
    for (size_t i = 0; i < in->n_centrifuges; i++) {
        const struct db_centrifuge *c = &in->centrifuges[i];
        if (c->active && c->rotor_radius_mm > 0 && (only_id == 0 || c->id == only_id))
            return c;
    }
    return NULL;
}

static json_t *
rotor(struct build *b, const struct prp_inputs *in)
{
    const json_t *snap = json_object_get(in->preparation, "centrifuge");
    double radius = num(snap, "rotor_radius_mm");
    const char *type = json_string_value(json_object_get(snap, "rotor_type"));
    const char *name = json_string_value(json_object_get(snap, "name"));
    json_int_t id = json_integer_value(json_object_get(snap, "id"));
    const char *from = "preparation";
    if (!(isfinite(radius) && radius > 0)) {
        const struct db_centrifuge *c = NULL;
        if (in->booked_centrifuge_id > 0)
            c = usable_centrifuge(in, in->booked_centrifuge_id);
        if (!c)
            c = usable_centrifuge(in, 0);
        if (!c) {
            missing(b, "rotor");
            return NULL;
        }
        radius = c->rotor_radius_mm;
        type = c->rotor_type;
        name = c->name;
        id = c->id;
        from = "centrifuge";
    }
    const char *kind = "swing-out";
    bool fixed = type && strcmp(type, "fixed_angle") == 0;
    bool known = fixed || (type && strcmp(type, "swing_out") == 0);
    if (fixed)
        kind = "fixed-angle";
    json_t *src =
        json_pack("{s:s, s:I, s:s}", "from", from, "centrifuge_id", id, "name", name ? name : "");
    if (src && !known)
        set(b, src, "note", json_string("rotor type not recorded"));
    source(b, "rotor", src);
    /* the clinic does not record a fixed-angle rotor's angle, which the model needs */
    if (fixed)
        missing(b, "rotor.angle_deg");
    return json_pack("{s:s, s:f}", "kind", kind, "radius_mm", radius);
}

/* ---- spins ---- */

static json_t *
collect_first(const char *layer)
{
    if (layer && (strcmp(layer, "plasma_buffy_coat") == 0 || strcmp(layer, "buffy_coat") == 0))
        return json_pack("{s:s, s:f}", "rule", "buffy-coat", "margin_mm",
                         PRP_INPUTS_MARGIN_BUFFY_MM);
    return json_pack("{s:s, s:f}", "rule", "above-rbc", "margin_mm", PRP_INPUTS_MARGIN_PLASMA_MM);
}

static json_t *
collect_keep(double fraction)
{
    return json_pack("{s:s, s:f}", "rule", "keep-bottom-fraction", "fraction", fraction);
}

static json_t *
spin_json(double g, double minutes, json_t *collect)
{
    return collect ? json_pack("{s:f, s:f, s:o}", "g", g, "minutes", minutes, "collect", collect)
                   : NULL;
}

/* The recorded spins, when every one gives its force and time; NULL otherwise. */
static json_t *
spins_recorded(const json_t *prep)
{
    const json_t *spins = json_object_get(prep, "spins");
    size_t n = json_array_size(spins);
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(spins, i);
        if (!isfinite(num(s, "rcf_g")) || !isfinite(num(s, "minutes")))
            return NULL;
    }
    const json_t *collected = json_object_get(prep, "collected");
    double fraction = PRP_INPUTS_KEEP_FRACTION;
    double got = num(collected, "volume_ml"), final = num(prep, "final_volume_ml");
    if (isfinite(got) && isfinite(final) && got > 0 && final / got > 0 && final / got < 1)
        fraction = round_to(final / got, 1e3);
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++) {
        const json_t *s = json_array_get(spins, i);
        json_t *c = i == 0 ? collect_first(json_string_value(json_object_get(collected, "layer")))
                           : collect_keep(fraction);
        if (json_array_append_new(out, spin_json(num(s, "rcf_g"), num(s, "minutes"), c)) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* The protocol's spins at the midpoints of its ranges; NULL when it gives no first spin. */
static json_t *
spins_protocol(const json_t *protocol)
{
    double g1 = protocol_mid(protocol, "spin1_force"), m1 = protocol_mid(protocol, "spin1_minutes");
    double g2 = protocol_mid(protocol, "spin2_force"), m2 = protocol_mid(protocol, "spin2_minutes");
    if (!isfinite(g1) || !isfinite(m1))
        return NULL;
    json_t *out = json_array();
    if (json_array_append_new(out, spin_json(g1, m1, collect_first("plasma"))) != 0)
        goto fail;
    if (isfinite(g2) && isfinite(m2) &&
        json_array_append_new(out, spin_json(g2, m2, collect_keep(PRP_INPUTS_KEEP_FRACTION))) != 0)
        goto fail;
    return out;
fail:
    json_decref(out);
    return NULL;
}

static json_t *
spins(struct build *b, const struct prp_inputs *in)
{
    json_t *s = spins_recorded(in->preparation);
    if (s) {
        source_from(b, "spins", "preparation");
        return s;
    }
    s = spins_protocol(in->protocol);
    if (s) {
        source_from(b, "spins", "protocol");
        return s;
    }
    missing(b, "spins");
    return NULL;
}

/* ---- target ---- */

static json_t *
target(const struct prp_inputs *in)
{
    const json_t *it = protocol_item(in->protocol, "target_platelets");
    double lo = num(it, "min"), hi = num(it, "max"), v = num(it, "value");
    if (!(isfinite(lo) && isfinite(hi)) && isfinite(v))
        lo = hi = v;
    /* the protocol gives million/µL */
    if (isfinite(lo) && isfinite(hi) && lo > 0 && hi >= lo)
        return json_pack("{s:f, s:f, s:s}", "platelets_per_ul_min", round_to(lo * 1e6, 1.0),
                         "platelets_per_ul_max", round_to(hi * 1e6, 1.0), "from", "protocol");
    return json_pack("{s:f, s:f, s:s}", "platelets_per_ul_min", PRP_INPUTS_TARGET_MIN,
                     "platelets_per_ul_max", PRP_INPUTS_TARGET_MAX, "from", "default");
}

int
prp_inputs_request(const struct prp_inputs *in, json_t **out, struct fail *f)
{
    struct build b = {
        .blood = json_object(), .sources = json_object(), .missing = json_array(), .ok = true};
    json_t *request = json_object();
    *out = NULL;
    blood(&b, in);
    set(&b, request, "blood", json_incref(b.blood));
    set(&b, request, "tube",
        json_pack("{s:s, s:f}", "shape", "conical", "capacity_ml", PRP_INPUTS_TUBE_CAPACITY_ML));
    source_from(&b, "tube", "default");
    json_t *r = rotor(&b, in);
    if (r)
        set(&b, request, "rotor", r);
    json_t *s = spins(&b, in);
    if (s)
        set(&b, request, "spins", s);
    if (b.ok)
        *out = json_pack("{s:O, s:O, s:O, s:o}", "request", request, "sources", b.sources,
                         "missing", b.missing, "target", target(in));
    json_decref(request);
    json_decref(b.blood);
    json_decref(b.sources);
    json_decref(b.missing);
    if (!*out)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    return ST_OK;
}
