/* Screening results of one patient: gathering the stored data the engine reads, and storing,
 * listing and signing its results with the data they were computed from. */
#include "clinic/screening_record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/labresult.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"

#define MS_PER_DAY INT64_C(86400000)
#define TREATMENT_MAX_CHARS 31 /* db_screening.treatment holds 31 bytes */

const char *
screening_record_complaint(const struct screening_rules *rules, const char *treatment)
{
    long i = treatment ? screening_list_find(&rules->treatments, treatment) : -1;
    return i >= 0 ? rules->treatments.items[i].complaint : NULL;
}

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

static json_t *
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
    return json_string(s);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Sets o[key] = v (taking the reference); clears *ok when either is missing. */
static void
put(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        *ok = false;
}

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

/* The UTC date of a time as YYYY-MM-DD. */
static void
utc_day(int64_t ms, char out[11])
{
    int64_t days = ms / MS_PER_DAY;
    struct date d;
    if (ms % MS_PER_DAY < 0)
        days--;
    date_from_days(days, &d);
    date_format(&d, out);
}

/* ---- gathering ---- */

struct gather {
    const struct protocols *p;
    const struct screening_rules *rules;
    struct screening_record_data *d;
    struct screening_finding *by_finding; /* one slot per finding of the rules */
    bool *has_condition;                  /* one per condition of the rules */
    size_t lab_cap;
    json_t *lab_sources;
};

/* The slot of a finding the rules know with this type, or NULL: a finding the clinic removed
 * from its rules, or gave another type, must not reach the engine. */
static struct screening_finding *
finding_slot(struct gather *g, const char *code, enum screening_finding_type type)
{
    long k = screening_list_find(&g->rules->findings, code);
    if (k < 0 || g->rules->findings.items[k].type != type)
        return NULL;
    return &g->by_finding[k];
}

/* A boolean finding from a JSON true / false; anything else leaves it unknown. */
static void
set_boolean(struct gather *g, const char *code, json_t *v)
{
    struct screening_finding *s = finding_slot(g, code, SCREENING_FINDING_BOOLEAN);
    if (s && json_is_boolean(v)) {
        s->known = true;
        s->yes = json_is_true(v);
    }
}

static void
history_conditions(struct gather *g, json_t *list)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *code = json_string_value(json_object_get(c, "code"));
        long k = code ? screening_list_find(&g->rules->conditions, code) : -1;
        /* A condition that is not active (a past one) is history, not a contraindication. */
        if (k < 0 || !json_is_true(json_object_get(c, "active")) || g->has_condition[k])
            continue;
        g->has_condition[k] = true;
        g->d->conditions[g->d->in.nconditions++] = g->rules->conditions.items[k].code;
    }
}

static int
history_medications(struct gather *g, json_t *list)
{
    size_t i;
    json_t *m;
    g->d->medications = calloc(json_array_size(list) + 1, sizeof(*g->d->medications));
    if (!g->d->medications)
        return ST_NOMEM;
    json_array_foreach(list, i, m)
    {
        const char *cls = json_string_value(json_object_get(m, "class"));
        long k = cls ? screening_list_find(&g->rules->medication_classes, cls) : -1;
        if (k < 0)
            continue;
        struct screening_medication *sm = &g->d->medications[g->d->in.nmedications++];
        sm->class_code = g->rules->medication_classes.items[k].code;
        sm->ongoing = json_is_true(json_object_get(m, "ongoing"));
        const char *at = json_string_value(json_object_get(m, "last_dose_at"));
        int64_t ms;
        if (at && time_parse_iso(at, &ms) == ST_OK) {
            sm->last_dose_known = true;
            sm->last_dose_ms = ms;
        }
    }
    return ST_OK;
}

/* The findings of the history `h` (NULL when none was saved). */
static void
history_findings(struct gather *g, json_t *h, bool male)
{
    json_t *preg = json_object_get(h, "pregnant"), *feeding = json_object_get(h, "breastfeeding");
    /* A man is known not to be pregnant or breastfeeding: nobody need record it. */
    set_boolean(g, "pregnancy", json_is_boolean(preg) ? preg : male ? json_false() : NULL);
    set_boolean(g, "breastfeeding",
                json_is_boolean(feeding) ? feeding
                : male                   ? json_false()
                                         : NULL);

    const char *smoking = json_string_value(json_object_get(h, "smoking"));
    struct screening_finding *s = finding_slot(g, "smoking", SCREENING_FINDING_BOOLEAN);
    if (s && smoking &&
        (!strcmp(smoking, "current") || !strcmp(smoking, "former") || !strcmp(smoking, "never"))) {
        s->known = true;
        s->yes = strcmp(smoking, "current") == 0;
    }

    json_t *bmi = json_object_get(h, "bmi");
    s = finding_slot(g, "bmi", SCREENING_FINDING_NUMBER);
    if (s && json_is_number(bmi) && isfinite(json_number_value(bmi))) {
        s->known = true;
        s->number = json_number_value(bmi);
    }

    json_t *sp = json_object_get(h, "scalp_procedure"), *had = json_object_get(sp, "had");
    s = finding_slot(g, "scalp_procedure", SCREENING_FINDING_EVENT);
    if (s && json_is_boolean(had)) {
        s->known = true;
        s->yes = json_is_true(had);
        const char *on = json_string_value(json_object_get(sp, "on"));
        struct date d;
        /* Only the day is recorded: the window runs from its start. */
        if (s->yes && on && date_parse(on, &d) == ST_OK) {
            s->time_known = true;
            s->time_ms = date_to_days(&d) * MS_PER_DAY;
        }
    }
}

static int
gather_history(struct db *db, struct gather *g, const struct db_patient *patient, struct fail *f)
{
    struct db_history h;
    json_t *doc = NULL;
    int st = db_history_get(db, patient->id, &h);
    if (st == ST_OK) {
        doc = json_loads(h.data ? h.data : "", 0, NULL);
        if (!json_is_object(doc)) {
            st = fail_set(f, ST_DB, "", "internal",
                          "the stored medical history of patient %lld does not parse",
                          (long long)patient->id);
            goto out;
        }
    } else if (st == ST_NOT_FOUND) {
        st = ST_OK;
    } else {
        st = db_fail(db, st, f);
        goto out;
    }
    history_conditions(g, json_object_get(doc, "conditions"));
    if (history_medications(g, json_object_get(doc, "medications")) != ST_OK) {
        st = nomem(f);
        goto out;
    }
    history_findings(g, doc, strcmp(patient->sex, "male") == 0);
    bool ok = true;
    put(g->d->sources, "medical_history_version", json_integer(doc ? h.version : 0), &ok);
    if (!ok)
        st = nomem(f);
out:
    json_decref(doc);
    db_history_release(&h);
    return st;
}

static int
gather_assessment(struct db *db, struct gather *g, int64_t patient_id, const char *treatment,
                  int64_t session_ms, struct fail *f)
{
    const char *complaint = screening_record_complaint(g->rules, treatment);
    struct db_assessment as;
    json_t *doc = NULL, *src = json_null();
    char day[11];
    int st = ST_OK;

    memset(&as, 0, sizeof(as));
    if (!complaint)
        goto out;
    utc_day(session_ms, day);
    st = db_assessment_latest(db, patient_id, complaint, day, &as);
    if (st == ST_NOT_FOUND) {
        st = ST_OK;
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    doc = json_loads(as.data ? as.data : "", 0, NULL);
    if (!json_is_object(doc)) {
        st = fail_set(f, ST_DB, "", "internal", "the stored assessment %lld does not parse",
                      (long long)as.id);
        goto out;
    }
    set_boolean(g, "consent", json_object_get(doc, "consent_to_risks"));
    set_boolean(g, "recent_fever_or_illness", json_object_get(doc, "acute_illness"));
    set_boolean(g, "hair_present_in_area",
                json_object_get(json_object_get(doc, "hair"), "hair_present_in_area"));
    set_boolean(g, "high_risk_face_zone_planned",
                json_object_get(json_object_get(doc, "face"), "high_risk_zone_planned"));
    src = json_pack("{s:I, s:I, s:s}", "id", (json_int_t)as.id, "version", (json_int_t)as.version,
                    "visit_date", as.visit_date);
out:
    if (st == ST_OK) {
        bool ok = true;
        put(g->d->sources, "assessment", src, &ok);
        if (!ok)
            st = nomem(f);
    } else {
        json_decref(src);
    }
    json_decref(doc);
    db_assessment_release(&as);
    return st;
}

/* A value of the laboratory's reference range (in the unit entered) in the rules' unit. */
static bool
range_value(const struct protocols *p, const struct labs_analyte *a, const struct labs_unit *u,
            double v, double *out)
{
    double canonical;
    *out = 0;
    return u && labs_to_canonical(a, v, u, &canonical) == ST_OK &&
           protocols_lab_for_screening(p, a->code, canonical, out) == ST_OK;
}

/* Adds one stored result to the input, in the rules' unit; ST_NOMEM or 0. */
static int
lab_item(struct gather *g, const struct db_lab *l)
{
    long k = screening_list_find(&g->rules->analytes, l->analyte);
    const struct labs_analyte *a = labs_find(g->p->labs, l->analyte);
    if (k < 0 || !a)
        return 0; /* the rules do not read it */
    const struct labs_unit *u = labs_unit_parse(a, l->unit);
    double canonical, value;
    /* The stored canonical value holds while labs.json keeps its canonical unit; after a change
     * of it the value entered is converted again. */
    if (strcmp(l->canonical_unit, a->canonical->symbol) == 0)
        canonical = l->canonical_value;
    else if (!u || labs_to_canonical(a, l->value, u, &canonical) != ST_OK)
        return 0;
    if (protocols_lab_for_screening(g->p, l->analyte, canonical, &value) != ST_OK)
        return 0;
    struct screening_record_data *d = g->d;
    if (d->in.nlabs == g->lab_cap) {
        size_t cap = g->lab_cap ? g->lab_cap * 2 : 16;
        struct screening_lab *grown = realloc(d->labs, cap * sizeof(*grown));
        if (!grown)
            return ST_NOMEM;
        d->labs = grown;
        g->lab_cap = cap;
    }
    struct screening_lab *sl = &d->labs[d->in.nlabs];
    memset(sl, 0, sizeof(*sl));
    sl->analyte = g->rules->analytes.items[k].code;
    sl->value = value;
    sl->measured_ms = l->measured_ms;
    sl->has_low = l->has_low && range_value(g->p, a, u, l->reference_low, &sl->low);
    sl->has_high = l->has_high && range_value(g->p, a, u, l->reference_high, &sl->high);
    json_t *src =
        json_pack("{s:I, s:s, s:f, s:s, s:o}", "id", (json_int_t)l->id, "analyte", l->analyte,
                  "value", l->value, "unit", l->unit, "measured_at", time_json(l->measured_ms));
    if (!src || json_array_append_new(g->lab_sources, src) != 0)
        return ST_NOMEM;
    d->in.nlabs++;
    return 0;
}

void
screening_record_data_release(struct screening_record_data *d)
{
    if (!d)
        return;
    json_decref(d->sources);
    free(d->conditions);
    free(d->medications);
    free(d->labs);
    free(d->findings);
    memset(d, 0, sizeof(*d));
}

int
screening_record_gather(struct db *db, const struct protocols *p, const struct db_patient *patient,
                        const char *treatment, int64_t session_ms,
                        struct screening_record_data *out, struct fail *f)
{
    const struct screening_rules *rules = p->screening;
    struct gather g = {.p = p, .rules = rules, .d = out};
    struct db_lab *labs = NULL;
    size_t nlabs = 0;
    int st = ST_OK;

    memset(out, 0, sizeof(*out));
    long t = screening_list_find(&rules->treatments, treatment);
    if (t < 0)
        return fail_set(f, ST_INVALID, "treatment", "invalid_value",
                        "the treatment is not one of the screening rules' treatments");
    out->sources = json_object();
    out->conditions = calloc(rules->conditions.n + 1, sizeof(*out->conditions));
    out->findings = calloc(rules->findings.n + 1, sizeof(*out->findings));
    g.by_finding = calloc(rules->findings.n + 1, sizeof(*g.by_finding));
    g.has_condition = calloc(rules->conditions.n + 1, sizeof(*g.has_condition));
    g.lab_sources = json_array();
    if (!out->sources || !out->conditions || !out->findings || !g.by_finding || !g.has_condition ||
        !g.lab_sources) {
        st = nomem(f);
        goto out;
    }
    st = gather_history(db, &g, patient, f);
    if (st == ST_OK)
        st = gather_assessment(db, &g, patient->id, treatment, session_ms, f);
    if (st != ST_OK)
        goto out;
    st = labresult_for_screening(db, patient->id, &labs, &nlabs, f);
    for (size_t i = 0; st == ST_OK && i < nlabs; i++)
        if (lab_item(&g, &labs[i]) != 0)
            st = nomem(f);
    if (st != ST_OK)
        goto out;
    if (json_object_set(out->sources, "labs", g.lab_sources) != 0) {
        st = nomem(f);
        goto out;
    }
    /* Known findings only, in the rules' order: unknown is the same as not sent. */
    for (size_t k = 0; k < rules->findings.n; k++) {
        if (!g.by_finding[k].known)
            continue;
        struct screening_finding *sf = &out->findings[out->in.nfindings++];
        *sf = g.by_finding[k];
        sf->code = rules->findings.items[k].code;
    }
    out->in.treatment = rules->treatments.items[t].code;
    out->in.session_ms = session_ms;
    out->in.conditions = out->conditions;
    out->in.medications = out->medications;
    out->in.labs = out->labs;
    out->in.findings = out->findings;
out:
    labresult_for_screening_release(labs, nlabs);
    free(g.by_finding);
    free(g.has_condition);
    json_decref(g.lab_sources);
    if (st != ST_OK)
        screening_record_data_release(out);
    return st;
}

static json_t *
number_or_null(bool has, double v)
{
    return has ? json_real(v) : json_null();
}

static json_t *
finding_json(const struct screening_rules *rules, const struct screening_finding *sf)
{
    long k = screening_list_find(&rules->findings, sf->code);
    enum screening_finding_type type =
        k >= 0 ? rules->findings.items[k].type : SCREENING_FINDING_BOOLEAN;
    json_t *o =
        json_pack("{s:s, s:s}", "code", sf->code, "type", screening_finding_type_name(type));
    bool ok = o != NULL;
    if (type == SCREENING_FINDING_NUMBER)
        put(o, "value", json_real(sf->number), &ok);
    else
        put(o, "value", json_boolean(sf->yes), &ok);
    if (type == SCREENING_FINDING_EVENT)
        put(o, "at", sf->yes && sf->time_known ? time_json(sf->time_ms) : json_null(), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
screening_record_input_json(const struct screening_rules *rules, const struct screening_input *in)
{
    json_t *o = json_object(), *conds = json_array(), *meds = json_array(), *labs = json_array(),
           *finds = json_array();
    bool ok = o && conds && meds && labs && finds;

    for (size_t i = 0; ok && i < in->nconditions; i++)
        ok = json_array_append_new(conds, json_string(in->conditions[i])) == 0;
    for (size_t i = 0; ok && i < in->nmedications; i++) {
        const struct screening_medication *m = &in->medications[i];
        ok = json_array_append_new(meds, json_pack("{s:s, s:b, s:o}", "class", m->class_code,
                                                   "ongoing", m->ongoing, "last_dose_at",
                                                   m->last_dose_known ? time_json(m->last_dose_ms)
                                                                      : json_null())) == 0;
    }
    for (size_t i = 0; ok && i < in->nlabs; i++) {
        const struct screening_lab *l = &in->labs[i];
        long k = screening_list_find(&rules->analytes, l->analyte);
        const char *unit =
            k >= 0 && rules->analytes.items[k].unit ? rules->analytes.items[k].unit : "";
        ok = json_array_append_new(
                 labs, json_pack("{s:s, s:f, s:s, s:o, s:o, s:o}", "analyte", l->analyte, "value",
                                 l->value, "unit", unit, "measured_at", time_json(l->measured_ms),
                                 "reference_low", number_or_null(l->has_low, l->low),
                                 "reference_high", number_or_null(l->has_high, l->high))) == 0;
    }
    for (size_t i = 0; ok && i < in->nfindings; i++)
        ok = json_array_append_new(finds, finding_json(rules, &in->findings[i])) == 0;
    if (!ok || !in->treatment) {
        json_decref(o);
        json_decref(conds);
        json_decref(meds);
        json_decref(labs);
        json_decref(finds);
        return NULL;
    }
    put(o, "treatment", json_string(in->treatment), &ok);
    put(o, "session_at", time_json(in->session_ms), &ok);
    put(o, "conditions", conds, &ok);
    put(o, "medications", meds, &ok);
    put(o, "labs", labs, &ok);
    put(o, "findings", finds, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- computing ---- */

struct computed {
    json_t *result; /* screening_result_to_json */
    json_t *inputs; /* sources and "engine_input" */
    enum screening_outcome outcome;
    bool has_until;
    int64_t until_ms;
};

static void
computed_release(struct computed *c)
{
    json_decref(c->result);
    json_decref(c->inputs);
    memset(c, 0, sizeof(*c));
}

/* Gathers and evaluates, inside the caller's transaction. */
static int
compute(struct db *db, const struct protocols *p, const struct db_patient *patient,
        const char *treatment, int64_t session_ms, struct computed *c, struct fail *f)
{
    struct screening_record_data d;
    struct screening_result res;

    memset(c, 0, sizeof(*c));
    memset(&res, 0, sizeof(res));
    int st = screening_record_gather(db, p, patient, treatment, session_ms, &d, f);
    if (st != ST_OK)
        return st;
    st = screening_evaluate(p->screening, &d.in, &res);
    if (st != ST_OK) {
        if (res.fail.status)
            st =
                fail_set(f, res.fail.status, res.fail.field, res.fail.code, "%s", res.fail.message);
        else
            st = nomem(f);
        goto out;
    }
    c->outcome = res.outcome;
    c->has_until = res.has_until;
    c->until_ms = res.until_ms;
    c->result = screening_result_to_json(&res);
    c->inputs = d.sources;
    d.sources = NULL;
    bool ok = c->result != NULL;
    put(c->inputs, "engine_input", screening_record_input_json(p->screening, &d.in), &ok);
    if (!ok)
        st = nomem(f);
out:
    if (st != ST_OK)
        computed_release(c);
    screening_result_release(&res);
    screening_record_data_release(&d);
    return st;
}

/* ---- the API form of a result ---- */

static json_t *
user_json(int64_t id, const char *username)
{
    if (id <= 0)
        return json_null();
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "username", username ? username : "");
}

/* The result as the API gives it: `id` (0 for one not stored), the patient, every field of the
 * engine's answer, the rules it used, who computed it when, the sign-off and the inputs (each
 * NULL when not given; signoff and inputs are taken over). */
static json_t *
result_json(int64_t id, int64_t patient_id, json_t *engine, const char *rules_sha256,
            int64_t computed_ms, json_t *computed_by, json_t *signoff, json_t *inputs)
{
    json_t *o = json_object();
    bool ok = o && engine && computed_by && signoff;
    const char *key;
    json_t *v;

    if (ok && id > 0)
        put(o, "id", json_integer(id), &ok);
    put(o, "patient_id", json_integer(patient_id), &ok);
    json_object_foreach(engine, key, v)
    {
        put(o, key, json_incref(v), &ok);
    }
    put(o, "rules_sha256", json_string(rules_sha256), &ok);
    put(o, "computed_at", time_json(computed_ms), &ok);
    if (ok)
        put(o, "computed_by", computed_by, &ok);
    else
        json_decref(computed_by);
    if (ok)
        put(o, "signoff", signoff, &ok);
    else
        json_decref(signoff);
    if (ok && inputs)
        put(o, "inputs", inputs, &ok);
    else
        json_decref(inputs);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int
signoff_json(struct db *db, const struct db_screening *s, json_t **out, struct fail *f)
{
    struct db_user u;
    *out = NULL;
    if (!s->is_signed) {
        *out = json_null();
        return ST_OK;
    }
    int st = db_user_get(db, s->signed_by, &u);
    if (st != ST_OK && st != ST_NOT_FOUND)
        return db_fail(db, st, f);
    char at[25];
    time_format_ms(s->signed_ms, at);
    *out = json_pack("{s:s, s:b, s:o, s:s, s:{s:I, s:s, s:o}}", "decision", s->decision, "override",
                     s->override, "reason", str_or_null(s->reason), "signed_at", at, "signed_by",
                     "id", (json_int_t)s->signed_by, "username", s->signed_by_name, "display_name",
                     str_or_null(st == ST_OK ? u.display_name : NULL));
    db_user_release(&u);
    return *out ? ST_OK : nomem(f);
}

/* A stored result in its API form, inside the caller's transaction. */
static int
stored_json(struct db *db, const struct db_screening *s, bool with_inputs, json_t **out,
            struct fail *f)
{
    json_t *engine = NULL, *signoff = NULL, *inputs = NULL;
    *out = NULL;
    int st = signoff_json(db, s, &signoff, f);
    if (st != ST_OK)
        return st;
    engine = json_loads(s->result_json ? s->result_json : "", 0, NULL);
    if (with_inputs)
        inputs = json_loads(s->inputs_json ? s->inputs_json : "", 0, NULL);
    if (!json_is_object(engine) || (with_inputs && !json_is_object(inputs))) {
        json_decref(signoff);
        json_decref(inputs);
        st = fail_set(f, ST_DB, "", "internal", "stored screening result %lld does not parse",
                      (long long)s->id);
        goto out;
    }
    *out = result_json(s->id, s->patient_id, engine, s->rules_sha256, s->computed_ms,
                       user_json(s->computed_by, s->computed_by_name), signoff, inputs);
    if (!*out)
        st = nomem(f);
out:
    json_decref(engine);
    return st;
}

/* The patient, unless missing or deleted (404 either way). */
static int
live_patient(struct db *db, int64_t id, struct db_patient *p, struct fail *f)
{
    int st = db_patient_get(db, id, p);
    if (st == ST_NOT_FOUND || (st == ST_OK && p->deleted)) {
        db_patient_release(p);
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                        (long long)id);
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

/* A stored result whose patient is not deleted. */
static int
live_screening(struct db *db, int64_t id, struct db_screening *s, struct fail *f)
{
    struct db_patient p;
    memset(&p, 0, sizeof(p));
    int st = db_screening_get(db, id, s);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "screening result %lld does not exist",
                        (long long)id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = live_patient(db, s->patient_id, &p, f);
    db_patient_release(&p);
    if (st != ST_OK)
        db_screening_release(s);
    return st;
}

/* ---- the operations ---- */

int
screening_record_preview(struct db *db, const struct protocols *p, const struct actor *a,
                         int64_t patient_id, const char *treatment, int64_t session_ms,
                         bool audit_now, json_t **out, struct fail *f)
{
    const struct screening_list *tl = &p->screening->treatments;
    struct db_patient pt;
    json_t *items = NULL;
    char ids[24];
    int st;

    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    if (treatment && !*treatment)
        treatment = NULL;
    if (treatment && screening_list_find(tl, treatment) < 0)
        return fail_set(f, ST_INVALID, "treatment", "invalid_query",
                        "the treatment is not one of the catalogue's treatments");
    items = json_array();
    if (!items)
        return nomem(f);
    int64_t now = time_now_ms();
    st = audit_now ? db_begin_write(db) : db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, &pt, f);
    for (size_t i = 0; st == ST_OK && i < tl->n; i++) {
        const char *code = tl->items[i].code;
        if (treatment && strcmp(code, treatment) != 0)
            continue;
        struct computed c;
        st = compute(db, p, &pt, code, session_ms, &c, f);
        if (st != ST_OK)
            break;
        json_t *item = result_json(0, patient_id, c.result, p->screening_sha256, now,
                                   user_json(a->user_id, a->username), json_null(), NULL);
        if (!item || json_array_append_new(items, item) != 0)
            st = nomem(f);
        computed_release(&c);
    }
    id_str(patient_id, ids);
    if (st == ST_OK && audit_now) {
        st = audit_write(db, a, "screening.preview", "patient", ids);
        if (st == ST_OK)
            st = db_commit(db);
        if (st != ST_OK)
            st = db_fail(db, st, f);
    }
out:
    db_rollback(db);
    if (st == ST_OK) {
        if (!audit_now)
            audit_read(a, "screening.preview", "patient", ids);
        *out = json_pack("{s:O}", "items", items);
        if (!*out)
            st = nomem(f);
    }
    json_decref(items);
    db_patient_release(&pt);
    return st;
}

/* Reads the body of a new result: a treatment of the rules and a session time. */
static int
parse_create(const struct protocols *p, json_t *body, char treatment[32], int64_t *session_ms,
             struct fail *f)
{
    static const char *const fields[] = {"treatment", "session_at", NULL};
    char *t = NULL, *at = NULL;
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "treatment", TREATMENT_MAX_CHARS, true, &t, f);
    if (st == ST_OK && screening_list_find(&p->screening->treatments, t) < 0)
        st = fail_set(f, ST_INVALID, "treatment", "invalid_value",
                      "treatment '%s' is not one of the catalogue's treatments", t);
    if (st == ST_OK)
        st = jsonin_string(body, "session_at", 64, true, &at, f);
    if (st == ST_OK && time_parse_iso(at, session_ms) != ST_OK)
        st = fail_set(f, ST_INVALID, "session_at", "invalid_date",
                      "session_at '%s' is not a UTC time such as 2026-12-01T09:00:00Z", at);
    if (st == ST_OK && *session_ms < time_now_ms() - SCREENING_RECORD_PAST_MS)
        st = fail_set(f, ST_INVALID, "session_at", "out_of_range",
                      "the planned session may be at most one day in the past");
    if (st == ST_OK)
        snprintf(treatment, 32, "%s", t);
    free(t);
    free(at);
    return st;
}

int
screening_record_create(struct db *db, const struct protocols *p, const struct actor *a,
                        int64_t patient_id, json_t *body, json_t **out, struct fail *f)
{
    struct db_patient pt;
    struct db_screening s, stored;
    struct computed c;
    char treatment[32], ids[24];
    int64_t session_ms = 0;

    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    memset(&s, 0, sizeof(s));
    memset(&stored, 0, sizeof(stored));
    memset(&c, 0, sizeof(c));
    int st = parse_create(p, body, treatment, &session_ms, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, &pt, f);
    if (st == ST_OK)
        st = compute(db, p, &pt, treatment, session_ms, &c, f);
    if (st != ST_OK)
        goto out;
    s.patient_id = patient_id;
    snprintf(s.treatment, sizeof(s.treatment), "%s", treatment);
    s.session_ms = session_ms;
    snprintf(s.outcome, sizeof(s.outcome), "%s", screening_outcome_name(c.outcome));
    s.has_until = c.has_until;
    s.until_ms = c.until_ms;
    s.result_json = json_dumps(c.result, JSON_COMPACT);
    s.inputs_json = json_dumps(c.inputs, JSON_COMPACT);
    memcpy(s.rules_sha256, p->screening_sha256, sizeof(s.rules_sha256));
    s.computed_ms = time_now_ms();
    s.computed_by = a->user_id;
    if (!s.result_json || !s.inputs_json) {
        st = nomem(f);
        goto out;
    }
    st = db_screening_insert(db, &s);
    id_str(s.id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "screening.create", "screening", ids);
    if (st == ST_OK)
        st = db_screening_get(db, s.id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = stored_json(db, &stored, true, out, f);
    if (st != ST_OK)
        goto out;
    st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    computed_release(&c);
    db_screening_release(&s);
    db_screening_release(&stored);
    db_patient_release(&pt);
    return st;
}

struct list_ctx {
    struct db *db;
    json_t *items;
    struct fail *f;
    int st;
};

static int
list_item(void *ctx, const struct db_screening *s)
{
    struct list_ctx *lc = ctx;
    json_t *item = NULL;
    lc->st = stored_json(lc->db, s, false, &item, lc->f);
    if (lc->st == ST_OK && json_array_append_new(lc->items, item) != 0)
        lc->st = nomem(lc->f);
    return lc->st;
}

/* Stored treatments may be ones the clinic has since removed from its rules, so a filter is
 * any code-shaped word, not only a current treatment. */
static bool
treatment_code_ok(const char *s)
{
    size_t n = strnlen(s, TREATMENT_MAX_CHARS + 1);
    if (n == 0 || n > TREATMENT_MAX_CHARS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
              s[i] == '_'))
            return false;
    return true;
}

int
screening_record_list(struct db *db, const struct actor *a, int64_t patient_id,
                      const char *treatment, int64_t limit, json_t **out, struct fail *f)
{
    struct db_patient pt;
    struct list_ctx lc = {.db = db, .f = f};
    char ids[24];

    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    if (treatment && !*treatment)
        treatment = NULL;
    if (limit < 1 || limit > SCREENING_RECORD_LIST_MAX)
        return fail_set(f, ST_INVALID, "limit", "invalid_query", "limit must be from 1 to %d",
                        SCREENING_RECORD_LIST_MAX);
    if (treatment && !treatment_code_ok(treatment))
        return fail_set(f, ST_INVALID, "treatment", "invalid_query",
                        "treatment must be a treatment code such as prp-hair");
    lc.items = json_array();
    if (!lc.items)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, &pt, f);
    if (st == ST_OK) {
        st = db_screening_list(db, patient_id, treatment, (int)limit, list_item, &lc);
        if (st != ST_OK && lc.st == ST_OK)
            st = db_fail(db, st, f);
    }
out:
    db_rollback(db);
    if (st == ST_OK) {
        id_str(patient_id, ids);
        audit_read(a, "screening.list", "patient", ids);
        *out = json_pack("{s:O}", "items", lc.items);
        if (!*out)
            st = nomem(f);
    }
    json_decref(lc.items);
    db_patient_release(&pt);
    return st;
}

int
screening_record_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
                      struct fail *f)
{
    struct db_screening s;
    char ids[24];

    *out = NULL;
    memset(&s, 0, sizeof(s));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = live_screening(db, id, &s, f);
    if (st == ST_OK)
        st = stored_json(db, &s, true, out, f);
    db_rollback(db);
    if (st == ST_OK) {
        id_str(id, ids);
        audit_read(a, "screening.read", "screening", ids);
    }
    db_screening_release(&s);
    return st;
}

int
screening_record_sign(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
                      struct fail *f)
{
    static const char *const fields[] = {"decision", "reason", NULL};
    static const char *const decisions[] = {"proceed", "do_not_proceed", NULL};
    const char *decision = NULL;
    char *reason = NULL, ids[24];
    struct db_screening s, stored;

    *out = NULL;
    memset(&s, 0, sizeof(s));
    memset(&stored, 0, sizeof(stored));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "decision", decisions, true, &decision, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", SCREENING_RECORD_REASON_MAX, false, &reason, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_screening(db, id, &s, f);
    if (st != ST_OK)
        goto out;
    if (s.is_signed) {
        st = fail_set(f, ST_CONFLICT, "", "already_signed",
                      "screening result %lld was signed already by '%s'", (long long)id,
                      s.signed_by_name);
        goto out;
    }
    /* Going ahead against anything but "eligible" overrides the rules: the reason is the
     * record of why. */
    bool override = strcmp(decision, "proceed") == 0 && strcmp(s.outcome, "eligible") != 0;
    if (override && !reason) {
        st = fail_set(f, ST_INVALID, "reason", "required",
                      "proceeding against a result that is '%s' needs a reason", s.outcome);
        goto out;
    }
    if (override && text_codepoints(reason, strlen(reason)) < SCREENING_RECORD_REASON_MIN) {
        st = fail_set(f, ST_INVALID, "reason", "too_short",
                      "the reason for proceeding must be at least %d characters",
                      SCREENING_RECORD_REASON_MIN);
        goto out;
    }
    s.override = override;
    snprintf(s.decision, sizeof(s.decision), "%s", decision);
    free(s.reason);
    s.reason = reason;
    reason = NULL;
    s.signed_ms = time_now_ms();
    s.signed_by = a->user_id;
    st = db_screening_sign(db, &s);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "", "already_signed",
                      "screening result %lld was signed already", (long long)id);
        goto out;
    }
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "screening.signoff", "screening", ids);
    if (st == ST_OK)
        st = db_screening_get(db, id, &stored);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = stored_json(db, &stored, true, out, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(reason);
    db_screening_release(&s);
    db_screening_release(&stored);
    return st;
}
