/* The documents of a procedure at the chair: strict validation of the PRP preparation, the
 * fat-derived cells and the injection records into their stored form, and what is computed from
 * them (RCF and rpm, the PRP classifications, injection totals, deviations, warnings). */
#include "clinic/procdoc.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/docin.h"
#include "clinic/injection_maps.h"
#include "clinic/mrn.h"
#include "core/date.h"
#include "prp/classify.h"
#include "prp/rcf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define TEXT_MAX 200
#define NOTES_MAX 4000
#define LOT_MAX 64
#define RATIO_MAX 20
#define TUBES_MAX 20
#define SPINS_MAX 2
#define SPECIMENS_MAX 20
/* The contract's ranges (docs/procedure-records.md). */
#define VOLUME_MAX_ML 500.0
#define RPM_MIN 50.0
#define RPM_MAX 20000.0
#define RCF_MIN 1.0
#define RCF_MAX 5000.0
#define MINUTES_MIN 0.5
#define MINUTES_MAX 60.0
#define TEMP_MAX_C 40.0
#define ZONE_VOLUME_MAX_ML 20.0
#define GAUGE_MIN 18
#define GAUGE_MAX 34
/* Counts are per µL; ten times the highest platelet count ever reported for a concentrate is
 * still a typing mistake, and keeps every product finite. */
#define COUNT_MAX 1e10
/* A measured zone larger than the whole of a map is a typing mistake. */
#define AREA_MAX_CM2 2000.0
#define FAT_VOLUME_MAX_ML 2000.0
#define CELLS_MAX_MILLION 100000.0
#define DURATION_MAX_MIN 600
/* Two speeds given together must agree within 1 % at the centrifuge's radius, or within the
 * rounding of the stored values (rpm to a whole number, RCF to 0.1 g): a stored document read
 * back and saved again is never refused. */
#define AGREE_SHARE 0.01
#define RPM_ROUNDING (0.5 + 1e-9)
#define RCF_ROUNDING (0.05 + 1e-9)
#define UL_PER_ML 1000.0
#define SPECIMEN_DIGITS_MAX 20

static const char *const anticoagulants[] = {"acd_a", "sodium_citrate", "heparin",
                                             "none",  "other",          NULL};
static const char *const brakes[] = {"on", "low", "off", NULL};
static const char *const layers[] = {"plasma", "plasma_buffy_coat", "buffy_coat", NULL};
static const char *const agents[] = {"none", "calcium_gluconate", "calcium_chloride", "thrombin",
                                     NULL};
static const char *const harvest_sites[] = {"abdomen", "flank", "thigh", "other", NULL};
static const char *const methods[] = {"mechanical", "enzymatic", NULL};
static const char *const map_codes[] = {"scalp", "face", NULL};
static const char *const techniques[] = {"point_by_point", "nappage", "depot", "microneedling",
                                         NULL};
static const char *const depths[] = {"intradermal", "subcutaneous", "supraperiosteal", NULL};
static const char *const anaesthesia_kinds[] = {"none", "ice", "topical", "local_block", NULL};

/* ---- reading members ---- */

/* Sets d[key] to v (taking it); a NULL v or a failed set is out of memory. */
static int
put(json_t *d, const char *key, json_t *v)
{
    if (!v)
        return ST_NOMEM;
    return json_object_set_new(d, key, v) == 0 ? ST_OK : ST_NOMEM;
}

/* Reads one member with a docin reader into d[key]. */
#define READ(call, d, key)                                                                         \
    do {                                                                                           \
        if (st == ST_OK) {                                                                         \
            json_t *v_ = NULL;                                                                     \
            st = (call);                                                                           \
            if (st == ST_OK)                                                                       \
                st = put((d), (key), v_);                                                          \
        }                                                                                          \
    } while (0)

/* A number that must be above 0 (docin_number's range is closed): "out_of_range". */
static int
positive(json_t *in, const char *prefix, const char *key, double max, bool required, json_t **out,
         struct fail *f)
{
    int st = docin_number(in, prefix, key, 0, max, required, out, f);
    if (st == ST_OK && json_is_number(*out) && json_number_value(*out) <= 0) {
        char path[DOCIN_PATH_MAX];
        docin_path(path, prefix, key);
        json_decref(*out);
        *out = NULL;
        st = fail_set(f, ST_INVALID, path, "out_of_range",
                      "field '%s' must be above 0 and at most %g", path, max);
    }
    return st;
}

/* A date "YYYY-MM-DD" that may lie in the future (a tube's expiry): "invalid_date". */
static int
any_date(json_t *in, const char *prefix, const char *key, json_t **out, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    *out = NULL;
    json_t *v = json_object_get(in, key);
    if (!v || json_is_null(v)) {
        *out = json_null();
        return ST_OK;
    }
    struct date d;
    if (!json_is_string(v) || date_parse(json_string_value(v), &d) != ST_OK || d.year < 1900)
        return fail_set(f, ST_INVALID, path, "invalid_date",
                        "field '%s' is not a real date (YYYY-MM-DD)", path);
    *out = json_string(json_string_value(v));
    return *out ? ST_OK : ST_NOMEM;
}

static double
num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A number rounded to `decimals` places for the computed output, or JSON null when unknown. */
static json_t *
rounded(double x, int decimals)
{
    if (!isfinite(x))
        return json_null();
    double k = pow(10, decimals);
    return docin_number_value(round(x * k) / k);
}

/* What one member of an object accepts. */
enum kind { K_TEXT, K_CHOICE, K_INT, K_NUMBER, K_POSITIVE, K_TIME, K_DATE };
struct spec {
    const char *name;
    enum kind kind;
    bool required;
    double min, max; /* K_INT, K_NUMBER; max alone for K_POSITIVE; max characters for K_TEXT */
    const char *const *choices;
};
#define OBJECT_FIELDS_MAX 16

/* Reads the members of `obj` (at `path`) listed in `specs` into a new object *out, in the order
 * of `specs`, every member present (null when not given). Members named in `extra` (NULL or
 * NULL terminated) are allowed and left to the caller. */
static int
read_object(json_t *obj, const char *path, const struct spec *specs, size_t n,
            const char *const *extra, int64_t now_ms, json_t **out, struct fail *f)
{
    const char *allowed[OBJECT_FIELDS_MAX + 1];
    size_t k = 0;
    *out = NULL;
    for (size_t i = 0; i < n && k < OBJECT_FIELDS_MAX; i++)
        allowed[k++] = specs[i].name;
    for (size_t i = 0; extra && extra[i] && k < OBJECT_FIELDS_MAX; i++)
        allowed[k++] = extra[i];
    allowed[k] = NULL;
    int st = docin_only_fields(obj, path, allowed, f);
    if (st != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    for (size_t i = 0; st == ST_OK && i < n; i++) {
        const struct spec *sp = &specs[i];
        switch (sp->kind) {
        case K_TEXT:
            READ(docin_text(obj, path, sp->name, (size_t)sp->max, sp->required, &v_, f), o,
                 sp->name);
            break;
        case K_CHOICE:
            READ(docin_choice(obj, path, sp->name, sp->choices, sp->required, &v_, f), o, sp->name);
            break;
        case K_INT:
            READ(docin_int(obj, path, sp->name, (int64_t)sp->min, (int64_t)sp->max, sp->required,
                           &v_, f),
                 o, sp->name);
            break;
        case K_NUMBER:
            READ(docin_number(obj, path, sp->name, sp->min, sp->max, sp->required, &v_, f), o,
                 sp->name);
            break;
        case K_POSITIVE:
            READ(positive(obj, path, sp->name, sp->max, sp->required, &v_, f), o, sp->name);
            break;
        case K_TIME:
            READ(docin_time(obj, path, sp->name, sp->required, now_ms, &v_, NULL, f), o, sp->name);
            break;
        case K_DATE:
            READ(any_date(obj, path, sp->name, &v_, f), o, sp->name);
            break;
        }
    }
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

/* obj[key] read with read_object into d[key], or null when absent. */
static int
read_member(json_t *obj, const char *prefix, const char *key, bool required,
            const struct spec *specs, size_t n, int64_t now_ms, json_t *d, struct fail *f)
{
    json_t *sub = NULL, *v = NULL;
    char path[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    int st = docin_object(obj, prefix, key, required, &sub, f);
    if (st != ST_OK)
        return st;
    if (!sub)
        return put(d, key, json_null());
    st = read_object(sub, path, specs, n, NULL, now_ms, &v, f);
    return st == ST_OK ? put(d, key, v) : st;
}

/* ---- the centrifuge and the speed of a spin ---- */

static json_t *
centrifuge_json(const struct procdoc_centrifuge *cf)
{
    return json_pack(
        "{s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)cf->id, "name", cf->name, "model", cf->model,
        "rotor_type", cf->rotor_type[0] ? json_string(cf->rotor_type) : json_null(),
        "rotor_radius_mm",
        cf->rotor_radius_mm > 0 ? docin_number_value(cf->rotor_radius_mm) : json_null());
}

/* obj.centrifuge_id into d (with the snapshot as d.centrifuge); *have tells whether one was
 * named. */
static int
read_centrifuge(json_t *obj, const char *prefix, const struct procdoc_context *c, json_t *d,
                struct procdoc_centrifuge *cf, bool *have, struct fail *f)
{
    char path[DOCIN_PATH_MAX];
    json_t *id = NULL;
    docin_path(path, prefix, "centrifuge_id");
    memset(cf, 0, sizeof(*cf));
    *have = false;
    int st = docin_int(obj, prefix, "centrifuge_id", 1, INT64_MAX, false, &id, f);
    if (st != ST_OK)
        return st;
    if (json_is_null(id)) {
        json_decref(id);
        st = put(d, "centrifuge_id", json_null());
        return st == ST_OK ? put(d, "centrifuge", json_null()) : st;
    }
    int64_t n = json_integer_value(id);
    if ((st = put(d, "centrifuge_id", id)) != ST_OK)
        return st;
    st = c->centrifuge ? c->centrifuge(c->centrifuge_ctx, n, cf, f) : ST_NOT_FOUND;
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_INVALID, path, "invalid_value",
                        "field '%s': centrifuge %lld is not an active centrifuge of the clinic",
                        path, (long long)n);
    if (st != ST_OK)
        return st;
    cf->id = n;
    cf->name[sizeof(cf->name) - 1] = '\0';
    cf->model[sizeof(cf->model) - 1] = '\0';
    cf->rotor_type[sizeof(cf->rotor_type) - 1] = '\0';
    if (!(isfinite(cf->rotor_radius_mm) && cf->rotor_radius_mm > 0))
        cf->rotor_radius_mm = 0;
    *have = true;
    return put(d, "centrifuge", centrifuge_json(cf));
}

/* The rpm and RCF of one spin at `path` into d: either given, the other computed at the
 * centrifuge's radius; both only when they agree. */
static int
read_speed(json_t *in, const char *path, const struct procdoc_centrifuge *cf, bool have_cf,
           const char *cf_path, json_t *d, struct fail *f)
{
    json_t *jr = NULL, *jg = NULL;
    char rpm_path[DOCIN_PATH_MAX], rcf_path[DOCIN_PATH_MAX];
    docin_path(rpm_path, path, "rpm");
    docin_path(rcf_path, path, "rcf_g");
    int st = docin_number(in, path, "rpm", RPM_MIN, RPM_MAX, false, &jr, f);
    if (st == ST_OK)
        st = docin_number(in, path, "rcf_g", RCF_MIN, RCF_MAX, false, &jg, f);
    double rpm = json_is_number(jr) ? json_number_value(jr) : NAN;
    double rcf = json_is_number(jg) ? json_number_value(jg) : NAN;
    json_decref(jr);
    json_decref(jg);
    if (st != ST_OK)
        return st;
    if (isnan(rpm) && isnan(rcf))
        return fail_set(f, ST_INVALID, rpm_path, "required",
                        "field '%s' is required: give the spin's rpm or its RCF (rcf_g)", rpm_path);
    if (!have_cf)
        return fail_set(f, ST_INVALID, cf_path, "required",
                        "field '%s' is required: a spin is converted at the centrifuge's radius",
                        cf_path);
    if (cf->rotor_radius_mm <= 0)
        return fail_set(f, ST_CONFLICT, cf_path, "radius_unknown",
                        "centrifuge '%s' has no rotor radius: rpm and RCF cannot be converted; "
                        "enter the radius in the centrifuge's settings",
                        cf->name);
    double r_cm = cf->rotor_radius_mm / 10.0, calc = 0;
    if (isnan(rcf)) {
        if (rcf_from_rpm(r_cm, rpm, &calc) != ST_OK)
            return fail_set(f, ST_INVALID, rpm_path, "out_of_range",
                            "field '%s' cannot be converted", rpm_path);
        rcf = round(calc * 10) / 10;
        if (!(rcf >= RCF_MIN && rcf <= RCF_MAX))
            return fail_set(f, ST_INVALID, rpm_path, "out_of_range",
                            "field '%s': %g rpm gives %g × g at %g mm, outside %g to %g × g",
                            rpm_path, rpm, rcf, cf->rotor_radius_mm, RCF_MIN, RCF_MAX);
    } else if (isnan(rpm)) {
        if (rcf_to_rpm(r_cm, rcf, &calc) != ST_OK)
            return fail_set(f, ST_INVALID, rcf_path, "out_of_range",
                            "field '%s' cannot be converted", rcf_path);
        rpm = round(calc);
        if (!(rpm >= RPM_MIN && rpm <= RPM_MAX))
            return fail_set(f, ST_INVALID, rcf_path, "out_of_range",
                            "field '%s': %g × g needs %g rpm at %g mm, outside %g to %g rpm",
                            rcf_path, rcf, rpm, cf->rotor_radius_mm, RPM_MIN, RPM_MAX);
    } else {
        double want_rpm = 0;
        if (rcf_from_rpm(r_cm, rpm, &calc) != ST_OK || rcf_to_rpm(r_cm, rcf, &want_rpm) != ST_OK)
            return fail_set(f, ST_INVALID, rcf_path, "out_of_range",
                            "field '%s' cannot be converted", rcf_path);
        if (!(fabs(calc - rcf) <= AGREE_SHARE * rcf || fabs(calc - rcf) <= RCF_ROUNDING ||
              fabs(want_rpm - rpm) <= RPM_ROUNDING))
            return fail_set(f, ST_INVALID, rcf_path, "invalid_value",
                            "field '%s': %g × g does not agree with %g rpm, which gives %.1f × g "
                            "at %g mm; give one of them",
                            rcf_path, rcf, rpm, calc, cf->rotor_radius_mm);
    }
    st = put(d, "rpm", docin_number_value(rpm));
    return st == ST_OK ? put(d, "rcf_g", docin_number_value(rcf)) : st;
}

/* ---- the preparation ---- */

static const struct spec draw_specs[] = {
    {"volume_ml", K_POSITIVE, true, 0, VOLUME_MAX_ML, NULL},
    {"at", K_TIME, true, 0, 0, NULL},
    {"by_user_id", K_INT, false, 1, (double)INT32_MAX, NULL},
    {"site", K_TEXT, false, 0, TEXT_MAX, NULL},
};
static const struct spec tube_specs[] = {
    {"product", K_TEXT, false, 0, TEXT_MAX, NULL},
    {"lot", K_TEXT, false, 0, LOT_MAX, NULL},
    {"expiry", K_DATE, false, 0, 0, NULL},
    {"anticoagulant", K_CHOICE, false, 0, 0, anticoagulants},
    {"anticoagulant_ml", K_POSITIVE, false, 0, VOLUME_MAX_ML, NULL},
    {"count", K_INT, false, 1, TUBES_MAX, NULL},
};
static const struct spec spin_specs[] = {
    {"minutes", K_NUMBER, false, MINUTES_MIN, MINUTES_MAX, NULL},
    {"brake", K_CHOICE, false, 0, 0, brakes},
    {"temperature_c", K_NUMBER, false, 0, TEMP_MAX_C, NULL},
};
static const char *const speed_fields[] = {"rpm", "rcf_g", NULL};
static const struct spec collected_specs[] = {
    {"layer", K_CHOICE, false, 0, 0, layers},
    {"volume_ml", K_POSITIVE, false, 0, VOLUME_MAX_ML, NULL},
};
static const struct spec blood_specs[] = {
    {"platelets_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"wbc_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"neutrophils_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"rbc_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"hct_pct", K_NUMBER, false, 0, 100, NULL},
};
static const struct spec prp_specs[] = {
    {"platelets_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"wbc_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"neutrophils_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
    {"rbc_per_ul", K_NUMBER, false, 0, COUNT_MAX, NULL},
};
static const struct spec activation_specs[] = {
    {"agent", K_CHOICE, false, 0, 0, agents},
    {"ratio", K_TEXT, false, 0, RATIO_MAX, NULL},
};

/* The list at in[key] (at most max entries), each item read by `item` into a new list in d. */
typedef int (*item_fn)(json_t *item, const char *path, size_t i, void *arg, json_t **out,
                       struct fail *f);
static int
read_list(json_t *in, const char *prefix, const char *key, size_t max, item_fn item, void *arg,
          json_t *d, struct fail *f)
{
    json_t *arr = NULL;
    char path[DOCIN_PATH_MAX], ipath[DOCIN_PATH_MAX];
    docin_path(path, prefix, key);
    int st = docin_array(in, prefix, key, max, &arr, f);
    if (st != ST_OK)
        return st;
    if (!arr || json_array_size(arr) == 0)
        return put(d, key, json_null());
    json_t *list = json_array();
    if (!list)
        return ST_NOMEM;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *o = NULL;
        docin_item_path(ipath, path, i);
        if ((st = item(v, ipath, i, arg, &o, f)) != ST_OK)
            break;
        if (json_array_append_new(list, o) != 0) {
            st = ST_NOMEM;
            break;
        }
    }
    if (st != ST_OK) {
        json_decref(list);
        return st;
    }
    return put(d, key, list);
}

static int
tube_item(json_t *item, const char *path, size_t i, void *arg, json_t **out, struct fail *f)
{
    (void)i, (void)arg;
    return read_object(item, path, tube_specs, N(tube_specs), NULL, 0, out, f);
}

struct spin_arg {
    const struct procdoc_centrifuge *cf;
    bool have_cf;
    const char *cf_path;
};

static int
spin_item(json_t *item, const char *path, size_t i, void *arg, json_t **out, struct fail *f)
{
    const struct spin_arg *a = arg;
    json_t *o = json_object(), *rest = NULL;
    (void)i;
    *out = NULL;
    if (!o)
        return ST_NOMEM;
    int st = read_object(item, path, spin_specs, N(spin_specs), speed_fields, 0, &rest, f);
    if (st == ST_OK)
        st = read_speed(item, path, a->cf, a->have_cf, a->cf_path, o, f);
    if (st == ST_OK && json_object_update(o, rest) != 0)
        st = ST_NOMEM;
    json_decref(rest);
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

/* "1:10", with spaces around the colon allowed and removed; each side a positive number. */
static bool
ratio_ok(const char *s)
{
    char *end;
    double a = strtod(s, &end);
    if (end == s || !(a > 0) || !isfinite(a) || !isdigit((unsigned char)s[0]))
        return false;
    while (*end == ' ')
        end++;
    if (*end++ != ':')
        return false;
    while (*end == ' ')
        end++;
    const char *b_start = end;
    double b = strtod(b_start, &end);
    return end != b_start && isdigit((unsigned char)b_start[0]) && b > 0 && isfinite(b) &&
           *end == '\0';
}

static int
check_activation(json_t *d, struct fail *f)
{
    const json_t *a = json_object_get(d, "activation");
    if (!json_is_object(a))
        return ST_OK;
    const char *agent = str(a, "agent"), *ratio = str(a, "ratio");
    if (agent && strcmp(agent, "none") != 0 && !ratio)
        return fail_set(f, ST_INVALID, "doc.activation.ratio", "required",
                        "field 'doc.activation.ratio' is required for activation with %s", agent);
    if (ratio && (!agent || strcmp(agent, "none") == 0))
        return fail_set(f, ST_INVALID, "doc.activation.ratio", "invalid_value",
                        "field 'doc.activation.ratio' belongs to an activation agent");
    if (ratio && !ratio_ok(ratio))
        return fail_set(f, ST_INVALID, "doc.activation.ratio", "invalid_value",
                        "field 'doc.activation.ratio' must read like 1:10");
    if (ratio) {
        /* Stored without spaces, as the protocols write it. */
        char buf[RATIO_MAX * 4 + 1];
        size_t k = 0;
        for (const char *p = ratio; *p && k + 1 < sizeof(buf); p++)
            if (*p != ' ')
                buf[k++] = *p;
        buf[k] = '\0';
        return put((json_t *)a, "ratio", json_string(buf));
    }
    return ST_OK;
}

static int
check_counts(json_t *d, struct fail *f)
{
    const json_t *counts = json_object_get(d, "counts");
    static const char *const sides[] = {"blood", "prp"};
    for (size_t i = 0; json_is_object(counts) && i < N(sides); i++) {
        const json_t *s = json_object_get(counts, sides[i]);
        char path[DOCIN_PATH_MAX];
        if (!json_is_object(s))
            continue;
        double neu = num(s, "neutrophils_per_ul"), wbc = num(s, "wbc_per_ul");
        if (!isnan(neu) && !isnan(wbc) && neu > wbc) {
            snprintf(path, sizeof(path), "doc.counts.%s.neutrophils_per_ul", sides[i]);
            return fail_set(f, ST_INVALID, path, "invalid_value",
                            "field '%s' (%g) exceeds the WBC count (%g)", path, neu, wbc);
        }
    }
    const json_t *blood = json_object_get(counts, "blood");
    if (json_is_object(blood) && num(blood, "platelets_per_ul") == 0)
        return fail_set(f, ST_INVALID, "doc.counts.blood.platelets_per_ul", "out_of_range",
                        "field 'doc.counts.blood.platelets_per_ul' must be above 0: it is the "
                        "baseline of every classification");
    return ST_OK;
}

/* The time ready cannot come before the draw. */
static int
check_times(json_t *d, const char *first_obj, const char *first, const char *later,
            const char *later_path, struct fail *f)
{
    const char *a = str(json_object_get(d, first_obj), first), *b = str(d, later);
    int64_t ta = 0, tb = 0;
    if (a && b && time_parse_iso(a, &ta) == ST_OK && time_parse_iso(b, &tb) == ST_OK && tb < ta)
        return fail_set(f, ST_INVALID, later_path, "invalid_value",
                        "field '%s' is before the %s (%s)", later_path, first_obj, a);
    return ST_OK;
}

static int
counts_member(json_t *in, json_t *d, struct fail *f)
{
    static const char *const fields[] = {"blood", "prp", NULL};
    json_t *counts = NULL;
    int st = docin_object(in, "doc", "counts", false, &counts, f);
    if (st != ST_OK)
        return st;
    if (!counts)
        return put(d, "counts", json_null());
    if ((st = docin_only_fields(counts, "doc.counts", fields, f)) != ST_OK)
        return st;
    json_t *o = json_object();
    if (!o)
        return ST_NOMEM;
    st = read_member(counts, "doc.counts", "blood", false, blood_specs, N(blood_specs), 0, o, f);
    if (st == ST_OK)
        st = read_member(counts, "doc.counts", "prp", false, prp_specs, N(prp_specs), 0, o, f);
    if (st != ST_OK) {
        json_decref(o);
        return st;
    }
    return put(d, "counts", o);
}

int
procdoc_preparation_normalise(json_t *in, const struct procdoc_context *c, json_t **doc,
                              struct fail *f)
{
    static const char *const fields[] = {"draw",       "tubes",     "centrifuge_id",   "centrifuge",
                                         "spins",      "collected", "final_volume_ml", "counts",
                                         "activation", "ready_at",  "notes",           NULL};
    int64_t now = time_now_ms();
    struct procdoc_centrifuge cf;
    bool have_cf = false;
    *doc = NULL;
    int st = docin_only_fields(in, "doc", fields, f);
    if (st != ST_OK)
        return st;
    json_t *d = json_object();
    if (!d)
        return ST_NOMEM;
    st = read_member(in, "doc", "draw", true, draw_specs, N(draw_specs), now, d, f);
    if (st == ST_OK)
        st = read_list(in, "doc", "tubes", TUBES_MAX, tube_item, NULL, d, f);
    /* The snapshot sent back with a stored document is replaced by the device's own. */
    if (st == ST_OK)
        st = read_centrifuge(in, "doc", c, d, &cf, &have_cf, f);
    struct spin_arg sa = {&cf, have_cf, "doc.centrifuge_id"};
    if (st == ST_OK)
        st = read_list(in, "doc", "spins", SPINS_MAX, spin_item, &sa, d, f);
    if (st == ST_OK)
        st = read_member(in, "doc", "collected", false, collected_specs, N(collected_specs), 0, d,
                         f);
    READ(positive(in, "doc", "final_volume_ml", VOLUME_MAX_ML, false, &v_, f), d,
         "final_volume_ml");
    if (st == ST_OK)
        st = counts_member(in, d, f);
    if (st == ST_OK)
        st = read_member(in, "doc", "activation", false, activation_specs, N(activation_specs), 0,
                         d, f);
    READ(docin_time(in, "doc", "ready_at", false, now, &v_, NULL, f), d, "ready_at");
    READ(docin_text(in, "doc", "notes", NOTES_MAX, false, &v_, f), d, "notes");
    if (st == ST_OK)
        st = check_counts(d, f);
    if (st == ST_OK)
        st = check_activation(d, f);
    if (st == ST_OK)
        st = check_times(d, "draw", "at", "ready_at", "doc.ready_at", f);
    if (st != ST_OK)
        json_decref(d);
    else
        *doc = d;
    return st;
}

/* ---- what a preparation gives ---- */

static json_t *
flag_json(enum classify_flag flag)
{
    return flag == CLASSIFY_FLAG_YES  ? json_true()
           : flag == CLASSIFY_FLAG_NO ? json_false()
                                      : json_null();
}

static void
counts_in(const json_t *side, bool blood, struct classify_counts *out)
{
    out->platelets_per_ul = num(side, "platelets_per_ul");
    out->wbc_per_ul = num(side, "wbc_per_ul");
    out->neutrophils_per_ul = num(side, "neutrophils_per_ul");
    out->rbc_per_ul = num(side, "rbc_per_ul");
    out->hct = blood ? num(side, "hct_pct") / 100.0 : CLASSIFY_UNKNOWN;
}

/* Exogenous activation: calcium or thrombin yes, "none" no, not recorded unknown. */
static enum classify_flag
activated(const json_t *doc)
{
    const char *agent = str(json_object_get(doc, "activation"), "agent");
    if (!agent)
        return CLASSIFY_FLAG_UNKNOWN;
    return strcmp(agent, "none") == 0 ? CLASSIFY_FLAG_NO : CLASSIFY_FLAG_YES;
}

/* Blood drawn into an anticoagulant stays liquid and is spun into a PRP, whose fibrin network
 * is of low density once it clots (Dohan Ehrenfest's P-PRP and L-PRP). Blood spun without one
 * may make a fibrin clot (PRF), and tubes not recorded say nothing: both stay unknown. */
static enum classify_fibrin
fibrin(const json_t *doc)
{
    const json_t *tubes = json_object_get(doc, "tubes"), *t;
    size_t i;
    json_array_foreach(tubes, i, t)
    {
        const char *a = str(t, "anticoagulant");
        if (a && strcmp(a, "none") != 0)
            return CLASSIFY_FIBRIN_LOW;
    }
    return CLASSIFY_FIBRIN_UNKNOWN;
}

static json_t *
classification_json(const struct classify_result *r)
{
    const struct classify_paw *paw = &r->paw;
    const struct classify_mishra *m = &r->mishra;
    const struct classify_dohan *d = &r->dohan;
    const struct classify_plra *p = &r->plra;
    const struct classify_depa *e = &r->depa;
    char subtype[2] = {m->subtype, '\0'};
    return json_pack("{s:{s:s, s:o, s:o, s:o, s:o}, s:{s:s, s:o, s:o}, s:{s:s, s:o, s:o},"
                     " s:{s:s, s:o, s:o, s:o, s:o, s:o}, s:{s:s, s:o, s:o, s:o, s:o, s:o}}",
                     "paw", "code", paw->code, "platelets",
                     paw->platelets ? json_integer(paw->platelets) : json_null(), "activated",
                     flag_json(paw->activated), "wbc_above", flag_json(paw->wbc_above),
                     "neutrophils_above", flag_json(paw->neutrophils_above), "mishra", "code",
                     m->code, "type", m->type ? json_integer(m->type) : json_null(), "subtype",
                     m->subtype ? json_string(subtype) : json_null(), "dohan", "code", d->code,
                     "leukocytes", flag_json(d->leukocytes), "fibrin",
                     d->fibrin == CLASSIFY_FIBRIN_LOW    ? json_string("low")
                     : d->fibrin == CLASSIFY_FIBRIN_HIGH ? json_string("high")
                                                         : json_null(),
                     "plra", "code", p->code, "platelets_per_ul", rounded(p->platelets_per_ul, 0),
                     "leukocytes", flag_json(p->leukocytes), "red_cells", flag_json(p->red_cells),
                     "activated", flag_json(p->activated), "volume_ml", rounded(p->volume_ml, 2),
                     "depa", "code", e->code, "dose_billion", rounded(e->dose_billion, 2),
                     "efficiency_pct", rounded(e->efficiency_pct, 1), "purity_pct",
                     rounded(e->purity_pct, 1), "purity_grade_a", flag_json(e->grade_a),
                     "activated", flag_json(e->activated));
}

/* A measured value and the protocol's preparation item it is compared with. */
struct measured {
    const char *code;
    double value; /* NAN when not measured */
    int decimals; /* as shown and compared */
};

/* The protocol's "preparation" items with a min or max that a measured value falls outside:
 * [{"code","value","min","max","unit","label"}]. */
static json_t *
deviations_json(const struct procdoc_context *c, const struct measured *m, size_t n)
{
    json_t *list = json_array();
    const json_t *items = c && c->protocol ? json_object_get(c->protocol, "preparation") : NULL;
    const json_t *item;
    size_t i;
    json_array_foreach(items, i, item)
    {
        const char *code = str(item, "code");
        double min = num(item, "min"), max = num(item, "max");
        if (!list || !code || (isnan(min) && isnan(max)))
            continue;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(m[k].code, code) != 0 || isnan(m[k].value))
                continue;
            double p = pow(10, m[k].decimals), v = round(m[k].value * p) / p;
            if (!(v < min || v > max))
                continue;
            const json_t *unit = json_object_get(item, "unit"),
                         *label = json_object_get(item, "label");
            json_t *o =
                json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "code", code, "value",
                          docin_number_value(v), "min", rounded(min, 6), "max", rounded(max, 6),
                          "unit", json_is_string(unit) ? json_deep_copy(unit) : json_null(),
                          "label", label ? json_deep_copy(label) : json_null());
            if (!o || json_array_append_new(list, o) != 0) {
                json_decref(list);
                list = NULL;
            }
        }
    }
    return list;
}

int
procdoc_preparation_compute(const json_t *doc, const struct procdoc_context *c, json_t **computed,
                            struct fail *f)
{
    struct classify_input in;
    struct classify_result made, dosed;
    *computed = NULL;
    const json_t *counts = json_object_get(doc, "counts");
    classify_input_init(&in);
    counts_in(json_object_get(counts, "blood"), true, &in.blood);
    counts_in(json_object_get(counts, "prp"), false, &in.prp);
    in.blood_volume_ml = num(json_object_get(doc, "draw"), "volume_ml");
    in.prp_volume_ml = num(doc, "final_volume_ml");
    in.activated = activated(doc);
    in.fibrin = fibrin(doc);
    /* Recovery and DEPA's efficiency describe the volume made; the dose, PLRA's volume and
     * DEPA's dose the volume injected once the injection is recorded. */
    double injected = c ? c->injected_volume_ml : NAN;
    bool use_injected = isfinite(injected) && injected > 0;
    int st = classify_compute(&in, &made, f);
    if (st != ST_OK)
        return st;
    if (use_injected) {
        in.prp_volume_ml = injected;
        if ((st = classify_compute(&in, &dosed, f)) != ST_OK)
            return st;
        made.plra = dosed.plra;
        made.depa.dose_billion = dosed.depa.dose_billion;
        classify_depa_format(&made.depa);
    }
    double dose_ml = use_injected ? injected : num(doc, "final_volume_ml");
    double plt = in.prp.platelets_per_ul;
    double billion = isnan(plt) || isnan(dose_ml) ? NAN : plt * dose_ml * UL_PER_ML / 1e9;

    json_t *spins = json_array();
    const json_t *list = json_object_get(doc, "spins"), *s;
    size_t i;
    json_array_foreach(list, i, s)
    {
        json_t *o = json_pack("{s:o, s:o}", "rpm", rounded(num(s, "rpm"), 0), "rcf_g",
                              rounded(num(s, "rcf_g"), 1));
        if (!spins || !o || json_array_append_new(spins, o) != 0) {
            json_decref(o);
            json_decref(spins);
            return ST_NOMEM;
        }
    }
    const json_t *s1 = json_array_get(list, 0), *s2 = json_array_get(list, 1);
    const struct measured m[] = {
        {"spin1_force", num(s1, "rcf_g"), 1}, {"spin1_minutes", num(s1, "minutes"), 2},
        {"spin2_force", num(s2, "rcf_g"), 1}, {"spin2_minutes", num(s2, "minutes"), 2},
        {"target_platelets", plt / 1e6, 3},
    };
    *computed =
        json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "spins", spins, "concentration_factor",
                  rounded(made.concentration_factor, 2), "recovery_pct",
                  rounded(made.recovery_pct, 1), "platelets_injected_billion", rounded(billion, 2),
                  "dose_basis", use_injected ? "injected" : "final_volume", "classification",
                  classification_json(&made), "deviations", deviations_json(c, m, N(m)));
    return *computed ? ST_OK : ST_NOMEM;
}

/* ---- the fat-derived cells ---- */

static const struct spec harvest_specs[] = {
    {"site", K_CHOICE, false, 0, 0, harvest_sites},
    {"site_other", K_TEXT, false, 0, TEXT_MAX, NULL},
    {"at", K_TIME, true, 0, 0, NULL},
    {"tumescent_ml", K_POSITIVE, false, 0, FAT_VOLUME_MAX_ML, NULL},
    {"aspirate_ml", K_POSITIVE, false, 0, FAT_VOLUME_MAX_ML, NULL},
    {"anaesthetic", K_TEXT, false, 0, TEXT_MAX, NULL},
};
static const struct spec processing_specs[] = {
    {"method", K_CHOICE, false, 0, 0, methods},
    {"device", K_TEXT, false, 0, TEXT_MAX, NULL},
};
static const struct spec centrifugation_specs[] = {
    {"minutes", K_NUMBER, false, MINUTES_MIN, MINUTES_MAX, NULL},
};
static const char *const centrifugation_extra[] = {"centrifuge_id", "centrifuge", "rpm", "rcf_g",
                                                   NULL};

static int
centrifugation_member(json_t *in, const struct procdoc_context *c, json_t *d, struct fail *f)
{
    static const char *const path = "doc.centrifugation";
    json_t *sub = NULL, *rest = NULL, *o = NULL;
    struct procdoc_centrifuge cf;
    bool have_cf = false;
    int st = docin_object(in, "doc", "centrifugation", false, &sub, f);
    if (st != ST_OK)
        return st;
    if (!sub)
        return put(d, "centrifugation", json_null());
    if ((st = read_object(sub, path, centrifugation_specs, N(centrifugation_specs),
                          centrifugation_extra, 0, &rest, f)) != ST_OK)
        return st;
    if (!(o = json_object())) {
        json_decref(rest);
        return ST_NOMEM;
    }
    st = read_centrifuge(sub, path, c, o, &cf, &have_cf, f);
    if (st == ST_OK && !have_cf)
        st = fail_set(f, ST_INVALID, "doc.centrifugation.centrifuge_id", "required",
                      "field 'doc.centrifugation.centrifuge_id' is required");
    if (st == ST_OK)
        st = read_speed(sub, path, &cf, have_cf, "doc.centrifugation.centrifuge_id", o, f);
    if (st == ST_OK && json_object_update(o, rest) != 0)
        st = ST_NOMEM;
    json_decref(rest);
    if (st != ST_OK) {
        json_decref(o);
        return st;
    }
    return put(d, "centrifugation", o);
}

int
procdoc_fat_normalise(json_t *in, const struct procdoc_context *c, json_t **doc, struct fail *f)
{
    static const char *const fields[] = {"harvest",
                                         "processing",
                                         "centrifugation",
                                         "final_volume_ml",
                                         "cell_count_million",
                                         "viability_pct",
                                         "regulatory_basis",
                                         "notes",
                                         NULL};
    int64_t now = time_now_ms();
    *doc = NULL;
    int st = docin_only_fields(in, "doc", fields, f);
    if (st != ST_OK)
        return st;
    json_t *d = json_object();
    if (!d)
        return ST_NOMEM;
    st = read_member(in, "doc", "harvest", true, harvest_specs, N(harvest_specs), now, d, f);
    if (st == ST_OK) {
        const json_t *h = json_object_get(d, "harvest");
        const char *site = str(h, "site"), *other = str(h, "site_other");
        bool is_other = site && strcmp(site, "other") == 0;
        if (is_other && !other)
            st = fail_set(f, ST_INVALID, "doc.harvest.site_other", "required",
                          "field 'doc.harvest.site_other' is required for another site");
        else if (!is_other && other)
            st = fail_set(f, ST_INVALID, "doc.harvest.site_other", "invalid_value",
                          "field 'doc.harvest.site_other' belongs to the site \"other\"");
    }
    if (st == ST_OK)
        st = read_member(in, "doc", "processing", false, processing_specs, N(processing_specs), 0,
                         d, f);
    if (st == ST_OK)
        st = centrifugation_member(in, c, d, f);
    READ(positive(in, "doc", "final_volume_ml", VOLUME_MAX_ML, false, &v_, f), d,
         "final_volume_ml");
    READ(docin_number(in, "doc", "cell_count_million", 0, CELLS_MAX_MILLION, false, &v_, f), d,
         "cell_count_million");
    READ(docin_number(in, "doc", "viability_pct", 0, 100, false, &v_, f), d, "viability_pct");
    READ(docin_text(in, "doc", "regulatory_basis", NOTES_MAX, false, &v_, f), d,
         "regulatory_basis");
    READ(docin_text(in, "doc", "notes", NOTES_MAX, false, &v_, f), d, "notes");
    if (st != ST_OK)
        json_decref(d);
    else
        *doc = d;
    return st;
}

int
procdoc_fat_check_complete(const json_t *doc, struct fail *f)
{
    static const char *const need[][2] = {
        {"harvest", "site"},     {"harvest", "aspirate_ml"}, {"processing", "method"},
        {"", "final_volume_ml"}, {"", "regulatory_basis"},
    };
    for (size_t i = 0; i < N(need); i++) {
        const json_t *o = need[i][0][0] ? json_object_get(doc, need[i][0]) : doc;
        const json_t *v = json_object_get(o, need[i][1]);
        if (!v || json_is_null(v)) {
            char path[DOCIN_PATH_MAX];
            snprintf(path, sizeof(path), "doc.%s%s%s", need[i][0], need[i][0][0] ? "." : "",
                     need[i][1]);
            return fail_set(f, ST_CONFLICT, path, "incomplete",
                            "field '%s' must be recorded before the procedure is completed", path);
        }
    }
    return ST_OK;
}

/* ---- the injection ---- */

static const struct spec zone_specs[] = {
    {"volume_ml", K_POSITIVE, true, 0, ZONE_VOLUME_MAX_ML, NULL},
    {"technique", K_CHOICE, false, 0, 0, techniques},
    {"depth", K_CHOICE, false, 0, 0, depths},
    {"needle_gauge", K_INT, false, GAUGE_MIN, GAUGE_MAX, NULL},
    {"area_cm2", K_POSITIVE, false, 0, AREA_MAX_CM2, NULL},
};
static const char *const zone_extra[] = {"zone", NULL};
static const struct spec anaesthesia_specs[] = {
    {"kind", K_CHOICE, true, 0, 0, anaesthesia_kinds},
    {"agent", K_TEXT, false, 0, TEXT_MAX, NULL},
    {"dose", K_TEXT, false, 0, TEXT_MAX, NULL},
};

/* The map an injection of this treatment is recorded on. */
static const char *
treatment_map(const char *treatment)
{
    if (!treatment)
        return NULL;
    if (strcmp(treatment, "prp-hair") == 0 || strcmp(treatment, "adsc-hair") == 0)
        return "scalp";
    if (strcmp(treatment, "prp-face") == 0)
        return "face";
    return NULL;
}

static int
zone_item(json_t *item, const char *path, size_t i, void *arg, json_t **out, struct fail *f)
{
    const struct injection_map *map = arg;
    json_t *o = json_object(), *rest = NULL, *z = NULL;
    (void)i;
    char zpath[DOCIN_PATH_MAX];
    docin_path(zpath, path, "zone");
    *out = NULL;
    if (!o)
        return ST_NOMEM;
    int st = read_object(item, path, zone_specs, N(zone_specs), zone_extra, 0, &rest, f);
    if (st == ST_OK)
        st = docin_text(item, path, "zone", 64, true, &z, f);
    if (st == ST_OK && !injection_map_zone(map, json_string_value(z)))
        st = fail_set(f, ST_INVALID, zpath, "invalid_value",
                      "field '%s': '%s' is not a zone of the %s map", zpath, json_string_value(z),
                      map->code);
    if (st == ST_OK)
        st = put(o, "zone", z);
    else
        json_decref(z);
    if (st == ST_OK && json_object_update(o, rest) != 0)
        st = ST_NOMEM;
    json_decref(rest);
    if (st != ST_OK)
        json_decref(o);
    else
        *out = o;
    return st;
}

/* A zone recorded twice would count its area twice in the volume per cm². */
static int
check_zones_once(const json_t *d, struct fail *f)
{
    const json_t *zones = json_object_get(d, "zones");
    for (size_t i = 0; i < json_array_size(zones); i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(str(json_array_get(zones, i), "zone"),
                       str(json_array_get(zones, k), "zone")) == 0) {
                char path[DOCIN_PATH_MAX];
                snprintf(path, sizeof(path), "doc.zones[%zu].zone", i);
                return fail_set(f, ST_INVALID, path, "duplicate",
                                "field '%s': zone '%s' is already recorded in doc.zones[%zu]", path,
                                str(json_array_get(zones, i), "zone"), k);
            }
    return ST_OK;
}

static int
check_anaesthesia(json_t *d, struct fail *f)
{
    const json_t *a = json_object_get(d, "anaesthesia");
    const char *kind = str(a, "kind");
    if (!kind)
        return ST_OK;
    bool block = strcmp(kind, "local_block") == 0;
    bool with_agent = block || strcmp(kind, "topical") == 0;
    static const char *const members[] = {"agent", "dose"};
    for (size_t i = 0; i < N(members); i++) {
        char path[DOCIN_PATH_MAX];
        bool given = str(a, members[i]) != NULL;
        snprintf(path, sizeof(path), "doc.anaesthesia.%s", members[i]);
        if (block && !given)
            return fail_set(f, ST_INVALID, path, "required",
                            "field '%s' is required for a local block", path);
        if (!with_agent && given)
            return fail_set(f, ST_INVALID, path, "invalid_value",
                            "field '%s' belongs to a topical or local anaesthetic", path);
    }
    return ST_OK;
}

/* A specimen id as printed on its label: "S", its digits and their Damm check digit. The
 * scanner's keyboard may send a lower-case "s". */
static int
specimen_item(json_t *item, const char *path, size_t i, void *arg, json_t **out, struct fail *f)
{
    (void)i, (void)arg;
    *out = NULL;
    if (!json_is_string(item))
        return fail_set(f, ST_INVALID, path, "invalid_type", "field '%s' must be a specimen id",
                        path);
    const char *s = json_string_value(item);
    while (*s == ' ' || *s == '\t')
        s++;
    char id[SPECIMEN_DIGITS_MAX + 2];
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    bool ok = n >= 3 && n <= SPECIMEN_DIGITS_MAX + 1 && (s[0] == 'S' || s[0] == 's');
    if (ok) {
        id[0] = 'S';
        memcpy(id + 1, s + 1, n - 1);
        id[n] = '\0';
        ok = mrn_valid(id + 1);
    }
    if (!ok)
        return fail_set(f, ST_INVALID, path, "invalid_value",
                        "field '%s' is not a specimen id (S and digits with a check digit)", path);
    *out = json_string(id);
    return *out ? ST_OK : ST_NOMEM;
}

static int
check_specimens_once(const json_t *d, struct fail *f)
{
    const json_t *list = json_object_get(d, "specimens");
    for (size_t i = 0; i < json_array_size(list); i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(list, i)),
                       json_string_value(json_array_get(list, k))) == 0) {
                char path[DOCIN_PATH_MAX];
                snprintf(path, sizeof(path), "doc.specimens[%zu]", i);
                return fail_set(f, ST_INVALID, path, "duplicate",
                                "field '%s': specimen %s is already listed", path,
                                json_string_value(json_array_get(list, i)));
            }
    return ST_OK;
}

int
procdoc_injection_normalise(json_t *in, const struct procdoc_context *c, const char *treatment,
                            json_t **doc, struct fail *f)
{
    static const char *const fields[] = {
        "map",       "zones", "anaesthesia", "duration_minutes", "operator_user_id",
        "specimens", "notes", NULL};
    *doc = NULL;
    const char *want = treatment_map(treatment);
    if (!want)
        return fail_set(f, ST_INVALID, "treatment", "invalid_value",
                        "treatment '%s' has no injection map", treatment ? treatment : "");
    int st = docin_only_fields(in, "doc", fields, f);
    if (st != ST_OK)
        return st;
    json_t *d = json_object();
    if (!d)
        return ST_NOMEM;
    READ(docin_choice(in, "doc", "map", map_codes, true, &v_, f), d, "map");
    const char *map_code = str(d, "map");
    if (st == ST_OK && strcmp(map_code, want) != 0)
        st = fail_set(f, ST_INVALID, "doc.map", "invalid_value",
                      "field 'doc.map': a %s injection is recorded on the %s map", treatment, want);
    const struct injection_map *map =
        st == ST_OK && c && c->protocols ? injection_maps_find(c->protocols->maps, map_code) : NULL;
    if (st == ST_OK && !map)
        st = fail_set(f, ST_INVALID, "doc.map", "invalid_value",
                      "field 'doc.map': the %s map is not loaded", map_code);
    if (st == ST_OK)
        st = read_list(in, "doc", "zones", map->nzones, zone_item, (void *)map, d, f);
    if (st == ST_OK && json_is_null(json_object_get(d, "zones")))
        st = fail_set(f, ST_INVALID, "doc.zones", "required",
                      "field 'doc.zones' is required: at least one zone injected");
    if (st == ST_OK)
        st = check_zones_once(d, f);
    if (st == ST_OK)
        st = read_member(in, "doc", "anaesthesia", false, anaesthesia_specs, N(anaesthesia_specs),
                         0, d, f);
    if (st == ST_OK)
        st = check_anaesthesia(d, f);
    READ(docin_int(in, "doc", "duration_minutes", 1, DURATION_MAX_MIN, false, &v_, f), d,
         "duration_minutes");
    READ(docin_int(in, "doc", "operator_user_id", 1, INT32_MAX, false, &v_, f), d,
         "operator_user_id");
    if (st == ST_OK)
        st = read_list(in, "doc", "specimens", SPECIMENS_MAX, specimen_item, NULL, d, f);
    if (st == ST_OK)
        st = check_specimens_once(d, f);
    /* PRP is made from a specimen, and it is the specimen the identity check guards. */
    if (st == ST_OK && strncmp(treatment, "prp-", 4) == 0 &&
        json_is_null(json_object_get(d, "specimens")))
        st = fail_set(f, ST_INVALID, "doc.specimens", "required",
                      "field 'doc.specimens' is required: name the PRP specimens injected");
    READ(docin_text(in, "doc", "notes", NOTES_MAX, false, &v_, f), d, "notes");
    if (st != ST_OK)
        json_decref(d);
    else
        *doc = d;
    return st;
}

int
procdoc_injection_compute(const json_t *doc, const struct procdoc_context *c, json_t **computed,
                          struct fail *f)
{
    *computed = NULL;
    const char *map_code = str(doc, "map");
    const struct injection_map *map =
        c && c->protocols ? injection_maps_find(c->protocols->maps, map_code) : NULL;
    if (!map)
        return fail_set(f, ST_INVALID, "doc.map", "invalid_value",
                        "field 'doc.map': the map '%s' is not loaded", map_code ? map_code : "");
    json_t *zones = json_array(), *warnings = json_array();
    double total_ml = 0, total_area = 0;
    int st = zones && warnings ? ST_OK : ST_NOMEM;
    const json_t *list = json_object_get(doc, "zones"), *z;
    size_t i;
    json_array_foreach(list, i, z)
    {
        const struct injection_zone *mz = injection_map_zone(map, str(z, "zone"));
        if (st != ST_OK)
            break;
        if (!mz) {
            st = fail_set(f, ST_INVALID, "doc.zones", "invalid_value",
                          "zone '%s' is not a zone of the %s map", str(z, "zone"), map->code);
            break;
        }
        double measured = num(z, "area_cm2"), area = isnan(measured) ? mz->area_cm2 : measured;
        double ml = num(z, "volume_ml");
        total_ml += ml;
        total_area += area;
        json_t *o =
            json_pack("{s:s, s:o, s:b, s:o}", "zone", mz->code, "area_cm2", rounded(area, 2),
                      "area_measured", !isnan(measured), "ml_per_cm2", rounded(ml / area, 4));
        if (!o || json_array_append_new(zones, o) != 0) {
            st = ST_NOMEM;
            break;
        }
        const struct screening_rule *rule =
            mz->high_risk && c->protocols->screening
                ? screening_rules_rule(c->protocols->screening, mz->rule)
                : NULL;
        if (!rule)
            continue;
        o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "zone", mz->code, "rule", rule->id, "text", "en",
                      rule->clinician.en, "ar", rule->clinician.ar);
        if (!o || json_array_append_new(warnings, o) != 0)
            st = ST_NOMEM;
    }
    bool any = json_array_size(list) > 0;
    double per_area = any && total_area > 0 ? total_ml / total_area : NAN;
    const struct measured m[] = {
        {"dose", any ? total_ml : NAN, 2},
        {"dose_per_area", per_area, 4},
    };
    if (st == ST_OK) {
        *computed = json_pack("{s:o, s:o, s:o, s:O, s:O, s:o}", "total_volume_ml",
                              rounded(any ? total_ml : NAN, 2), "total_area_cm2",
                              rounded(any ? total_area : NAN, 2), "ml_per_cm2",
                              rounded(per_area, 4), "zones", zones, "warnings", warnings,
                              "deviations", deviations_json(c, m, N(m)));
        st = *computed ? ST_OK : ST_NOMEM;
    }
    json_decref(zones);
    json_decref(warnings);
    return st;
}

size_t
procdoc_injection_nspecimens(const json_t *doc)
{
    return json_array_size(json_object_get(doc, "specimens"));
}

const char *
procdoc_injection_specimen(const json_t *doc, size_t i)
{
    return json_string_value(json_array_get(json_object_get(doc, "specimens"), i));
}

double
procdoc_injection_total_ml(const json_t *doc)
{
    const json_t *zones = json_object_get(doc, "zones"), *z;
    double total = 0;
    size_t i;
    json_array_foreach(zones, i, z)
    {
        total += num(z, "volume_ml");
    }
    return json_array_size(zones) > 0 ? total : NAN;
}
