/* JSON of the preparation designer (see prp_json.h): strict readers that name each field by its
 * path, and writers of the predicted preparation and of the ranked protocols. */
#include "prp/prp_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "prp/rcf.h"

/* A field error of the request: core/status.h's fail_set with ST_INVALID. */
#define fail_at(f, field, code, ...) fail_set((f), ST_INVALID, (field), (code), __VA_ARGS__)

/* "prefix.key", or "key" without a prefix */
static void
path(char *out, size_t n, const char *prefix, const char *key)
{
    if (prefix == NULL || prefix[0] == '\0')
        snprintf(out, n, "%s", key);
    else
        snprintf(out, n, "%s.%s", prefix, key);
}

static int
object_at(json_t *parent, const char *prefix, const char *key, bool required, json_t **out,
          struct fail *f)
{
    char p[64];
    path(p, sizeof p, prefix, key);
    *out = json_object_get(parent, key);
    if (*out == NULL || json_is_null(*out)) {
        *out = NULL;
        return required ? fail_at(f, p, "required", "%s is required", p) : ST_OK;
    }
    if (!json_is_object(*out))
        return fail_at(f, p, "invalid_type", "%s must be an object", p);
    return ST_OK;
}

static int
only(json_t *obj, const char *prefix, const char *const *allowed, struct fail *f)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        (void)v;
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++)
            ok = ok || strcmp(allowed[i], key) == 0;
        if (!ok) {
            char p[64];
            path(p, sizeof p, prefix, key);
            return fail_at(f, p, "unknown_field", "%s is not a field of this request", p);
        }
    }
    return ST_OK;
}

/* A number field; absent or null leaves *out unchanged (and *present false). */
static int
number(json_t *obj, const char *prefix, const char *key, bool required, double *out, bool *present,
       struct fail *f)
{
    char p[64];
    path(p, sizeof p, prefix, key);
    json_t *v = json_object_get(obj, key);
    if (present != NULL)
        *present = false;
    if (v == NULL || json_is_null(v))
        return required ? fail_at(f, p, "required", "%s is required", p) : ST_OK;
    if (!json_is_number(v))
        return fail_at(f, p, "invalid_type", "%s must be a number", p);
    double x = json_number_value(v);
    if (!isfinite(x))
        return fail_at(f, p, "invalid_value", "%s must be a finite number", p);
    *out = x;
    if (present != NULL)
        *present = true;
    return ST_OK;
}

/* A string field that must be one of `choices`; its index, or -1 when absent and optional. */
static int
choice(json_t *obj, const char *prefix, const char *key, const char *const *choices, bool required,
       int *out, struct fail *f)
{
    char p[64];
    path(p, sizeof p, prefix, key);
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (v == NULL || json_is_null(v))
        return required ? fail_at(f, p, "required", "%s is required", p) : ST_OK;
    if (!json_is_string(v))
        return fail_at(f, p, "invalid_type", "%s must be a string", p);
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(choices[i], json_string_value(v)) == 0) {
            *out = i;
            return ST_OK;
        }
    }
    return fail_at(f, p, "invalid_value", "%s is not one of the accepted values", p);
}

/* ---- requests ------------------------------------------------------------------------------ */

static int
read_blood(json_t *in, struct prp_blood *b, struct fail *f)
{
    static const char *const fields[] = {"volume_ml",          "hct",
                                         "platelets_per_ul",   "wbc_per_ul",
                                         "lymphocytes_per_ul", "monocytes_per_ul",
                                         "neutrophils_per_ul", "anticoagulant_ml",
                                         "temperature_c",      NULL};
    json_t *o;
    int st = object_at(in, NULL, "blood", true, &o, f);
    if (st == ST_OK)
        st = only(o, "blood", fields, f);
    if (st == ST_OK)
        st = number(o, "blood", "volume_ml", true, &b->volume_ml, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "hct", true, &b->hct, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "platelets_per_ul", true, &b->platelets_per_ul, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "wbc_per_ul", true, &b->wbc_per_ul, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "lymphocytes_per_ul", false, &b->lymphocytes_per_ul, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "monocytes_per_ul", false, &b->monocytes_per_ul, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "neutrophils_per_ul", false, &b->neutrophils_per_ul, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "anticoagulant_ml", false, &b->anticoagulant_ml, NULL, f);
    if (st == ST_OK)
        st = number(o, "blood", "temperature_c", false, &b->temperature_c, NULL, f);
    return st;
}

static int
read_tube(json_t *in, struct tube *t, struct fail *f)
{
    static const char *const fields[] = {"shape",     "capacity_ml",    "diameter_mm",
                                         "length_mm", "cone_length_mm", NULL};
    static const char *const shapes[] = {"conical", "round", "flat", NULL};
    static const enum tube_tip tips[] = {TUBE_TIP_CONICAL, TUBE_TIP_ROUND, TUBE_TIP_FLAT};
    json_t *o;
    int shape;
    double cap = 0.0;
    int st = object_at(in, NULL, "tube", true, &o, f);
    if (st == ST_OK)
        st = only(o, "tube", fields, f);
    if (st == ST_OK)
        st = choice(o, "tube", "shape", shapes, true, &shape, f);
    if (st == ST_OK)
        st = number(o, "tube", "capacity_ml", true, &cap, NULL, f);
    if (st != ST_OK)
        return st;
    if (tube_default(t, cap, tips[shape]) != ST_OK)
        return fail_at(f, "tube.capacity_ml", "invalid_value",
                       "tube.capacity_ml must be 10 or 15 (a tube with known dimensions)");
    st = number(o, "tube", "diameter_mm", false, &t->diameter_mm, NULL, f);
    if (st == ST_OK)
        st = number(o, "tube", "length_mm", false, &t->length_mm, NULL, f);
    if (st == ST_OK)
        st = number(o, "tube", "cone_length_mm", false, &t->cone_length_mm, NULL, f);
    if (st == ST_OK && tube_check(t) != ST_OK)
        return fail_at(f, "tube", "invalid_value",
                       "the tube's dimensions do not make a tube that holds its capacity");
    return st;
}

static int
read_rotor(json_t *in, struct tube_rotor *r, struct fail *f)
{
    static const char *const fields[] = {"kind", "radius_cm", "radius_mm", "angle_deg", NULL};
    static const char *const kinds[] = {"swing-out", "fixed-angle", NULL};
    json_t *o;
    int kind;
    bool cm = false, mm = false, angle = false;
    double rcm = 0.0, rmm = 0.0;
    int st = object_at(in, NULL, "rotor", true, &o, f);
    if (st == ST_OK)
        st = only(o, "rotor", fields, f);
    if (st == ST_OK)
        st = choice(o, "rotor", "kind", kinds, true, &kind, f);
    if (st == ST_OK)
        st = number(o, "rotor", "radius_cm", false, &rcm, &cm, f);
    if (st == ST_OK)
        st = number(o, "rotor", "radius_mm", false, &rmm, &mm, f);
    if (st == ST_OK)
        st = number(o, "rotor", "angle_deg", false, &r->angle_deg, &angle, f);
    if (st != ST_OK)
        return st;
    if (cm == mm)
        return fail_at(f, "rotor.radius_cm", cm ? "invalid_value" : "required",
                       "give the rotor's radius once: rotor.radius_cm or rotor.radius_mm");
    r->radius_mm = cm ? rcm * 10.0 : rmm;
    if (!(r->radius_mm > 0.0 && r->radius_mm <= 1000.0))
        return fail_at(f, cm ? "rotor.radius_cm" : "rotor.radius_mm", "out_of_range",
                       "the rotor's radius must be above 0 and at most 1 m");
    r->kind = kind == 0 ? TUBE_ROTOR_SWING_OUT : TUBE_ROTOR_FIXED_ANGLE;
    if (r->kind == TUBE_ROTOR_FIXED_ANGLE && !angle)
        return fail_at(f, "rotor.angle_deg", "required", "a fixed-angle rotor needs angle_deg");
    if (r->kind == TUBE_ROTOR_SWING_OUT && angle)
        return fail_at(f, "rotor.angle_deg", "invalid_value", "a swing-out rotor has no angle_deg");
    return ST_OK;
}

static int
read_spin(json_t *v, int i, const struct tube_rotor *rot, struct prp_spin *s, struct fail *f)
{
    static const char *const fields[] = {"g",       "rpm",     "minutes", "accel_s",
                                         "decel_s", "collect", NULL};
    static const char *const cfields[] = {"rule", "margin_mm", "volume_ml", "fraction", NULL};
    static const char *const rules[] = {"above-rbc", "buffy-coat", "volume", "keep-bottom-fraction",
                                        NULL};
    char p[48], cp[64];
    snprintf(p, sizeof p, "spins[%d]", i);
    if (!json_is_object(v))
        return fail_at(f, p, "invalid_type", "%s must be an object", p);
    bool by_g, by_rpm;
    double rpm = 0.0;
    json_t *c;
    int rule;
    int st = only(v, p, fields, f);
    if (st == ST_OK)
        st = number(v, p, "g", false, &s->g, &by_g, f);
    if (st == ST_OK)
        st = number(v, p, "rpm", false, &rpm, &by_rpm, f);
    if (st == ST_OK)
        st = number(v, p, "minutes", true, &s->minutes, NULL, f);
    if (st == ST_OK)
        st = number(v, p, "accel_s", false, &s->accel_s, NULL, f);
    if (st == ST_OK)
        st = number(v, p, "decel_s", false, &s->decel_s, NULL, f);
    if (st == ST_OK)
        st = object_at(v, p, "collect", true, &c, f);
    if (st != ST_OK)
        return st;
    snprintf(cp, sizeof cp, "%s.collect", p);
    if (!by_g && !by_rpm) {
        char fp[64];
        path(fp, sizeof fp, p, "g");
        return fail_at(f, fp, "required",
                       "give each spin's force: %s.g (x g at the rotor radius) or %s.rpm", p, p);
    }
    double g_of_rpm = 0.0;
    if (by_rpm && rcf_from_rpm(rot->radius_mm / 10.0, rpm, &g_of_rpm) != ST_OK) {
        char fp[64];
        path(fp, sizeof fp, p, "rpm");
        return fail_at(f, fp, "out_of_range", "%s must be a speed above 0", fp);
    }
    /* both may be given when they agree, as the preparation record accepts them (within 1 %,
     * which covers the whole-rpm rounding of an answer sent back): a design's proposal, which
     * carries both, can then be simulated as it is */
    if (by_g && by_rpm && !(fabs(g_of_rpm - s->g) <= 0.01 * s->g)) {
        char fp[64];
        path(fp, sizeof fp, p, "g");
        return fail_at(f, fp, "invalid_value",
                       "%s.g and %s.rpm disagree: %.0f rpm gives %.1f x g at the rotor radius", p,
                       p, rpm, g_of_rpm);
    }
    if (!by_g)
        s->g = g_of_rpm;
    s->collect.margin_mm = 2.0;
    st = only(c, cp, cfields, f);
    if (st == ST_OK)
        st = choice(c, cp, "rule", rules, true, &rule, f);
    if (st == ST_OK)
        st = number(c, cp, "margin_mm", false, &s->collect.margin_mm, NULL, f);
    if (st != ST_OK)
        return st;
    s->collect.rule = (enum prp_rule)rule;
    if (rule == PRP_RULE_VOLUME)
        st = number(c, cp, "volume_ml", true, &s->collect.volume_ml, NULL, f);
    if (rule == PRP_RULE_KEEP_BOTTOM)
        st = number(c, cp, "fraction", true, &s->collect.fraction, NULL, f);
    return st;
}

static int
read_cells(json_t *in, int *cells, struct fail *f)
{
    json_t *v = json_object_get(in, "cells");
    if (v == NULL || json_is_null(v))
        return ST_OK;
    if (!json_is_integer(v))
        return fail_at(f, "cells", "invalid_type", "cells must be a whole number");
    json_int_t n = json_integer_value(v);
    if (n < 20 || n > 5000)
        return fail_at(f, "cells", "out_of_range", "cells must be from 20 to 5000");
    *cells = (int)n;
    return ST_OK;
}

/* blood, tube, rotor (and cells) into `out`, already initialised */
static int
read_common(json_t *in, struct prp_request *out, struct fail *f)
{
    int st = read_blood(in, &out->blood, f);
    if (st == ST_OK)
        st = read_tube(in, &out->tube, f);
    if (st == ST_OK)
        st = read_rotor(in, &out->rotor, f);
    if (st == ST_OK)
        st = read_cells(in, &out->cells, f);
    return st;
}

int
prp_json_request(json_t *in, struct prp_request *out, struct fail *f)
{
    static const char *const fields[] = {"blood", "tube", "rotor", "spins", "cells", NULL};
    prp_request_init(out);
    if (!json_is_object(in))
        return fail_at(f, "", "not_object", "the request must be a JSON object");
    int st = only(in, NULL, fields, f);
    if (st == ST_OK)
        st = read_common(in, out, f);
    if (st != ST_OK)
        return st;
    json_t *spins = json_object_get(in, "spins");
    if (spins == NULL || json_is_null(spins))
        return fail_at(f, "spins", "required", "spins is required");
    if (!json_is_array(spins))
        return fail_at(f, "spins", "invalid_type", "spins must be an array");
    size_t n = json_array_size(spins);
    if (n < 1 || n > PRP_MAX_SPINS)
        return fail_at(f, "spins", "out_of_range", "spins must list 1 to %d spins", PRP_MAX_SPINS);
    out->spins = (int)n;
    for (size_t i = 0; i < n; i++) {
        st = read_spin(json_array_get(spins, i), (int)i, &out->rotor, &out->spin[i], f);
        if (st != ST_OK)
            return st;
    }
    return ST_OK;
}

static int
read_axis(json_t *grid, const char *key, struct prp_axis *a, struct fail *f)
{
    char p[48];
    path(p, sizeof p, "grid", key);
    json_t *v = json_object_get(grid, key);
    if (v == NULL || json_is_null(v))
        return ST_OK;
    if (!json_is_array(v))
        return fail_at(f, p, "invalid_type", "%s must be an array of numbers", p);
    size_t n = json_array_size(v);
    if (n < 1 || n > PRP_DESIGN_AXIS_MAX)
        return fail_at(f, p, "out_of_range", "%s must list 1 to %d values", p, PRP_DESIGN_AXIS_MAX);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return fail_at(f, p, "invalid_type", "%s must be an array of numbers", p);
        a->v[i] = json_number_value(x);
    }
    a->n = (int)n;
    return ST_OK;
}

int
prp_json_design_request(json_t *in, struct prp_design_request *out, struct fail *f)
{
    static const char *const fields[] = {"blood", "tube",    "rotor",  "target", "limits",
                                         "grid",  "results", "verify", "cells",  NULL};
    static const char *const tfields[] = {"platelets_per_ul_min", "platelets_per_ul_max", NULL};
    static const char *const lfields[] = {"wbc_per_ul_max", "rbc_per_ul_max", "max_rpm", "max_g",
                                          NULL};
    static const char *const gfields[] = {"g1",        "minutes1", "g2",        "minutes2",
                                          "fractions", "rules",    "margin_mm", NULL};
    prp_design_init(out);
    if (!json_is_object(in))
        return fail_at(f, "", "not_object", "the request must be a JSON object");
    int st = only(in, NULL, fields, f);
    if (st == ST_OK)
        st = read_common(in, &out->base, f);
    json_t *o = NULL;
    if (st == ST_OK)
        st = object_at(in, NULL, "target", false, &o, f);
    if (st == ST_OK && o != NULL) {
        st = only(o, "target", tfields, f);
        if (st == ST_OK)
            st = number(o, "target", "platelets_per_ul_min", false, &out->target_min, NULL, f);
        if (st == ST_OK)
            st = number(o, "target", "platelets_per_ul_max", false, &out->target_max, NULL, f);
    }
    if (st == ST_OK)
        st = object_at(in, NULL, "limits", false, &o, f);
    if (st == ST_OK && o != NULL) {
        st = only(o, "limits", lfields, f);
        if (st == ST_OK)
            st = number(o, "limits", "wbc_per_ul_max", false, &out->wbc_max_per_ul, NULL, f);
        if (st == ST_OK)
            st = number(o, "limits", "rbc_per_ul_max", false, &out->rbc_max_per_ul, NULL, f);
        if (st == ST_OK)
            st = number(o, "limits", "max_rpm", false, &out->max_rpm, NULL, f);
        if (st == ST_OK)
            st = number(o, "limits", "max_g", false, &out->max_g, NULL, f);
    }
    if (st == ST_OK)
        st = object_at(in, NULL, "grid", false, &o, f);
    if (st == ST_OK && o != NULL) {
        st = only(o, "grid", gfields, f);
        if (st == ST_OK)
            st = read_axis(o, "g1", &out->g1, f);
        if (st == ST_OK)
            st = read_axis(o, "minutes1", &out->min1, f);
        if (st == ST_OK)
            st = read_axis(o, "g2", &out->g2, f);
        if (st == ST_OK)
            st = read_axis(o, "minutes2", &out->min2, f);
        if (st == ST_OK)
            st = read_axis(o, "fractions", &out->fraction, f);
        if (st == ST_OK)
            st = number(o, "grid", "margin_mm", false, &out->margin_mm, NULL, f);
        json_t *rules = json_object_get(o, "rules");
        if (st == ST_OK && rules != NULL && !json_is_null(rules)) {
            if (!json_is_array(rules) || json_array_size(rules) < 1)
                return fail_at(f, "grid.rules", "invalid_type",
                               "grid.rules must list \"above-rbc\" and/or \"buffy-coat\"");
            out->rule_above_rbc = out->rule_buffy_coat = 0;
            size_t i;
            json_t *r;
            json_array_foreach(rules, i, r)
            {
                const char *name = json_is_string(r) ? json_string_value(r) : "";
                if (strcmp(name, "above-rbc") == 0)
                    out->rule_above_rbc = 1;
                else if (strcmp(name, "buffy-coat") == 0)
                    out->rule_buffy_coat = 1;
                else
                    return fail_at(f, "grid.rules", "invalid_value",
                                   "grid.rules must list \"above-rbc\" and/or \"buffy-coat\"");
            }
        }
    }
    json_t *v = json_object_get(in, "results");
    if (st == ST_OK && v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v))
            return fail_at(f, "results", "invalid_type", "results must be a whole number");
        if (json_integer_value(v) < 1 || json_integer_value(v) > PRP_DESIGN_MAX_RESULTS)
            return fail_at(f, "results", "out_of_range", "results must be from 1 to %d",
                           PRP_DESIGN_MAX_RESULTS);
        out->results = (int)json_integer_value(v);
    }
    v = json_object_get(in, "verify");
    if (st == ST_OK && v != NULL && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return fail_at(f, "verify", "invalid_type", "verify must be true or false");
        out->verify = json_is_true(v);
    }
    return st;
}

/* ---- results ------------------------------------------------------------------------------- */

/* Rounds for reading: counts to whole cells, fractions and volumes to 4 significant places. */
static json_t *
real(double x)
{
    if (!isfinite(x))
        return json_null();
    double a = fabs(x);
    double scale = a >= 1000.0 ? 1.0 : a >= 1.0 ? 1e3 : 1e5;
    return json_real(round(x * scale) / scale);
}

static json_t *
band_json(const struct prp_band *b)
{
    return json_pack("{s:o, s:o, s:o}", "value", real(b->value), "low", real(b->low), "high",
                     real(b->high));
}

static const char *
flag(enum classify_flag fl)
{
    return classify_flag_name(fl);
}

json_t *
prp_json_classes(const struct classify_result *c)
{
    return json_pack("{s:{s:s, s:i}, s:{s:s}, s:{s:s}, s:{s:s, s:o, s:s, s:s, s:s, s:o}, "
                     "s:{s:s, s:o, s:o, s:o, s:s}}",
                     "paw", "code", c->paw.code, "platelets", c->paw.platelets, "mishra", "code",
                     c->mishra.code, "dohan_ehrenfest", "code", c->dohan.code, "plra", "code",
                     c->plra.code, "platelets_per_ul", real(c->plra.platelets_per_ul), "leukocytes",
                     flag(c->plra.leukocytes), "red_cells", flag(c->plra.red_cells), "activated",
                     flag(c->plra.activated), "volume_ml", real(c->plra.volume_ml), "depa", "code",
                     c->depa.code, "dose_billion", real(c->depa.dose_billion), "efficiency_pct",
                     real(c->depa.efficiency_pct), "purity_pct", real(c->depa.purity_pct),
                     "purity_grade_a", flag(c->depa.grade_a));
}

static json_t *
counts_json(const struct prp_counts *c)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "platelets_per_ul",
                     real(c->platelets_per_ul), "wbc_per_ul", real(c->wbc_per_ul),
                     "lymphocytes_per_ul", real(c->lymphocytes_per_ul), "monocytes_per_ul",
                     real(c->monocytes_per_ul), "neutrophils_per_ul", real(c->neutrophils_per_ul),
                     "rbc_per_ul", real(c->rbc_per_ul), "hct", real(c->hct));
}

static json_t *
spin_json(const struct prp_spin *s, const struct prp_spin_result *r)
{
    json_t *profile = json_array();
    for (int i = 0; profile != NULL && i < PRP_PROFILE_BANDS; i++) {
        const struct prp_profile_band *b = &r->profile[i];
        json_array_append_new(
            profile, json_pack("{s:o, s:o, s:o, s:o, s:o}", "top_ml", real(b->top_ml), "bottom_ml",
                               real(b->bottom_ml), "hct", real(b->hct), "platelets_per_ul",
                               real(b->platelets_per_ul), "wbc_per_ul", real(b->wbc_per_ul)));
    }
    /* the named layers at rest, top to bottom */
    json_t *layers =
        json_pack("[{s:s, s:o, s:o}, {s:s, s:o, s:o}, {s:s, s:o, s:o}]", "layer", "plasma",
                  "top_ml", real(0.0), "bottom_ml", real(r->interface_ml), "layer", "buffy_coat",
                  "top_ml", real(r->interface_ml), "bottom_ml", real(r->buffy_bottom_ml), "layer",
                  "red_cells", "top_ml", real(r->buffy_bottom_ml), "bottom_ml", real(r->fill_ml));
    json_t *collect = json_pack("{s:s}", "rule", prp_rule_name(s->collect.rule));
    if (collect != NULL &&
        (s->collect.rule == PRP_RULE_ABOVE_RBC || s->collect.rule == PRP_RULE_BUFFY_COAT))
        json_object_set_new(collect, "margin_mm", real(s->collect.margin_mm));
    if (collect != NULL && s->collect.rule == PRP_RULE_VOLUME)
        json_object_set_new(collect, "volume_ml", real(s->collect.volume_ml));
    if (collect != NULL && s->collect.rule == PRP_RULE_KEEP_BOTTOM)
        json_object_set_new(collect, "fraction", real(s->collect.fraction));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, "
                     "s:i, s:o, s:o}",
                     "g", real(s->g), "rpm", real(round(r->rpm)), "g_meniscus", real(r->g_meniscus),
                     "minutes", real(s->minutes), "accel_s", real(s->accel_s), "decel_s",
                     real(s->decel_s), "collect", collect, "fill_ml", real(r->fill_ml),
                     "interface_ml", real(r->interface_ml), "cut_ml", real(r->cut_ml),
                     "collected_ml", real(r->collected_ml), "platelet_share",
                     real(r->platelet_share), "product", counts_json(&r->product), "steps",
                     (json_int_t)r->steps, "cells", r->cells, "layers", layers, "profile", profile);
}

/* How the band is computed, for the person reading it. */
static json_t *
prediction_json(const struct prp_request *req)
{
    char how[320];
    snprintf(how, sizeof how,
             "A model prediction for this blood, tube and centrifuge, not a measurement. The band "
             "is ±%.0f %% of the central value: the calibration's largest error against the "
             "published preparations (docs/prp-model.md), not this patient's own variation.",
             req->params.band_rel * 100.0);
    return json_pack("{s:b, s:s, s:o}", "is_prediction", 1, "note", how, "band_relative",
                     real(req->params.band_rel));
}

json_t *
prp_json_result(const struct prp_request *req, const struct prp_result *r)
{
    json_t *spins = json_array();
    for (int i = 0; spins != NULL && i < r->spins; i++)
        json_array_append_new(spins, spin_json(&req->spin[i], &r->spin[i]));
    json_t *warnings = json_array();
    if (warnings != NULL && r->warn_hct)
        json_array_append_new(warnings, json_string("hct_unusual"));
    if (warnings != NULL && r->warn_activation)
        json_array_append_new(warnings, json_string("first_spin_may_activate_platelets"));
    if (warnings != NULL && r->warn_fixed_angle)
        json_array_append_new(warnings, json_string("fixed_angle_not_calibrated"));
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, "
        "s:o}, s:o, s:o, s:o, s:o}",
        "prediction", prediction_json(req), "recovery", real(r->recovery.value), "prp_volume_ml",
        real(r->prp_volume_ml.value), "platelets_per_ul", real(r->platelets_per_ul.value),
        "concentration_factor", real(r->concentration_factor.value), "wbc_per_ul",
        real(r->prp.wbc_per_ul), "neutrophils_per_ul", real(r->prp.neutrophils_per_ul),
        "rbc_per_ul", real(r->prp.rbc_per_ul), "hct", real(r->prp.hct), "dose_billion",
        real(r->dose_billion.value), "wbc_reduction", real(r->wbc_reduction), "rbc_reduction",
        real(r->rbc_reduction), "bands", "recovery", band_json(&r->recovery), "platelets_per_ul",
        band_json(&r->platelets_per_ul), "concentration_factor",
        band_json(&r->concentration_factor), "dose_billion", band_json(&r->dose_billion),
        "prp_volume_ml", band_json(&r->prp_volume_ml), "blood", counts_json(&r->blood),
        "classifications", prp_json_classes(&r->classes), "warnings", warnings, "spins", spins);
}

static json_t *
protocol_json(const struct prp_design_item *it)
{
    json_t *spins = json_array();
    for (int i = 0; spins != NULL && i < 2; i++) {
        const struct prp_spin *s = &it->spin[i];
        json_t *collect = i == 0 ? json_pack("{s:s, s:o}", "rule", prp_rule_name(s->collect.rule),
                                             "margin_mm", real(s->collect.margin_mm))
                                 : json_pack("{s:s, s:o}", "rule", prp_rule_name(s->collect.rule),
                                             "fraction", real(s->collect.fraction));
        json_array_append_new(spins, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "g", real(s->g),
                                               "rpm", real(round(it->rpm[i])), "minutes",
                                               real(s->minutes), "accel_s", real(s->accel_s),
                                               "decel_s", real(s->decel_s), "collect", collect));
    }
    json_t *o =
        json_pack("{s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "spins", spins, "meets_target",
                  it->meets_target, "recovery", real(it->recovery), "platelets_per_ul",
                  real(it->platelets_per_ul), "prp_volume_ml", real(it->prp_volume_ml),
                  "concentration_factor", real(it->concentration_factor), "wbc_per_ul",
                  real(it->wbc_per_ul), "rbc_per_ul", real(it->rbc_per_ul));
    if (o != NULL && it->verified)
        json_object_set_new(
            o, "full_solver",
            json_pack("{s:o, s:o, s:o, s:o}", "recovery", real(it->full.recovery.value),
                      "platelets_per_ul", real(it->full.platelets_per_ul.value), "wbc_per_ul",
                      real(it->full.prp.wbc_per_ul), "rbc_per_ul", real(it->full.prp.rbc_per_ul)));
    return o;
}

json_t *
prp_json_design_result(const struct prp_design_request *req, const struct prp_design_result *r)
{
    json_t *list = json_array();
    for (int i = 0; list != NULL && i < r->n; i++)
        json_array_append_new(list, protocol_json(&r->item[i]));
    json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:o, s:{s:o, s:o}, s:o}", "prediction",
                          prediction_json(&req->base), "candidates", (json_int_t)r->candidates,
                          "feasible", (json_int_t)r->feasible, "skipped_by_limits",
                          (json_int_t)r->skipped_limits, "seconds", real(r->seconds), "target",
                          "platelets_per_ul_min", real(req->target_min), "platelets_per_ul_max",
                          real(req->target_max), "protocols", list);
    if (o != NULL && req->verify)
        json_object_set_new(o, "fast_path_error_max", real(r->fast_error_max));
    return o;
}
