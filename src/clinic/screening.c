/* The screening engine (see screening.h): each rule of the treatment against the patient's data at
 * the planned session; no clock, no database, so the same input always gives the same result. */
#include "clinic/screening.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"

#define MS_PER_HOUR INT64_C(3600000)
#define MS_PER_DAY INT64_C(86400000)
#define LABEL_CAP 1024

/* What one evaluation needs besides its input: the input's codes resolved to list indices once. */
struct eval {
    const struct screening_rules *rules;
    const struct screening_input *in;
    struct screening_result *res;
    bool *has_condition; /* by conditions index */
    long *med_class;     /* by medication: medication_classes index */
    long *lab_analyte;   /* by lab: analytes index */
    long *finding_at;    /* by findings index: index in in->findings, or -1 */
    size_t missing_cap;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Years 1..9999 keep every window sum (at most ten years) far inside int64 and inside what
 * time_format_ms can print. */
static bool
time_ok(int64_t ms)
{
    static const struct date lo = {1, 1, 1};
    static const struct date hi = {9999, 12, 31};

    return ms >= date_to_days(&lo) * MS_PER_DAY && ms < (date_to_days(&hi) + 1) * MS_PER_DAY;
}

/* Calendar months keep the time of day; a day past the end of the month is clamped to its last
 * day (31 Oct + 1 month = 30 Nov). */
static int64_t
add_months(int64_t ms, int64_t months)
{
    int64_t days = floor_div(ms, MS_PER_DAY);
    int64_t rest = ms - days * MS_PER_DAY;
    struct date d;

    date_from_days(days, &d);
    int64_t m0 = (int64_t)d.month - 1 + months;
    d.year += (int)(m0 / 12);
    d.month = (int)(m0 % 12) + 1;
    int last = date_days_in_month(d.year, d.month);
    if (d.day > last)
        d.day = last;
    return date_to_days(&d) * MS_PER_DAY + rest;
}

static int64_t
window_end(const struct screening_rule *rule, int64_t from_ms)
{
    switch (rule->window_unit) {
    case SCREENING_WINDOW_HOURS:
        return from_ms + rule->window * MS_PER_HOUR;
    case SCREENING_WINDOW_DAYS:
        return from_ms + rule->window * MS_PER_DAY;
    case SCREENING_WINDOW_MONTHS:
        return add_months(from_ms, rule->window);
    case SCREENING_WINDOW_NONE:
        break;
    }
    return from_ms;
}

static bool
compare(enum screening_cmp cmp, double v, double threshold)
{
    switch (cmp) {
    case SCREENING_CMP_LT:
        return v < threshold;
    case SCREENING_CMP_LE:
        return v <= threshold;
    case SCREENING_CMP_GT:
        return v > threshold;
    case SCREENING_CMP_GE:
        return v >= threshold;
    default:
        return false;
    }
}

static int
invalid(struct eval *e, const char *field, const char *code, const char *what, const char *value)
{
    return fail_set(&e->res->fail, ST_INVALID, field, code, "%s '%s' is not valid for screening",
                    what, value ? value : "(none)");
}

static int
nomem(struct eval *e)
{
    return fail_set(&e->res->fail, ST_NOMEM, "", "no_memory", "out of memory");
}

/* ---- missing items ---- */

/* "platelet count from the last 90 days" and its Arabic, for the list of what is missing. */
static int
make_label(enum screening_missing_kind kind, const struct screening_code *item, int64_t days,
           struct screening_text *out)
{
    const char *en = item->label.en;
    const char *ar = item->label.ar;
    long long n = (long long)days;
    struct buf be;
    struct buf ba;
    int st;

    buf_init(&be, LABEL_CAP);
    buf_init(&ba, LABEL_CAP);
    switch (kind) {
    case SCREENING_MISSING_LAB:
    case SCREENING_MISSING_RANGE: {
        bool range = kind == SCREENING_MISSING_RANGE;
        const char *re = range ? " with the laboratory's reference range," : "";
        const char *ra = range ? " مع المجال المرجعي للمختبر،" : "";
        if (n == 1) {
            st = buf_printf(&be, "%s%s from the last day", en, re);
            if (st == ST_OK)
                st = buf_printf(&ba, "%s%s خلال اليوم الماضي", ar, ra);
        } else {
            st = buf_printf(&be, "%s%s from the last %lld days", en, re, n);
            if (st == ST_OK)
                st = buf_printf(&ba, "%s%s خلال الأيام الـ%lld الماضية", ar, ra, n);
        }
        break;
    }
    case SCREENING_MISSING_EVENT_TIME:
        st = buf_printf(&be, "date of the last %s", en);
        if (st == ST_OK)
            st = buf_printf(&ba, "تاريخ آخر %s", ar);
        break;
    case SCREENING_MISSING_LAST_DOSE:
        st = buf_printf(&be, "time of the last dose of %s", en);
        if (st == ST_OK)
            st = buf_printf(&ba, "وقت آخر جرعة من %s", ar);
        break;
    default:
        st = buf_append_str(&be, en);
        if (st == ST_OK)
            st = buf_append_str(&ba, ar);
        break;
    }
    if (st == ST_OK) {
        out->en = buf_detach(&be);
        out->ar = buf_detach(&ba);
        st = out->en && out->ar ? ST_OK : ST_NOMEM;
    }
    buf_release(&be);
    buf_release(&ba);
    return st;
}

static int
add_missing(struct eval *e, enum screening_missing_kind kind, const struct screening_code *item,
            int64_t max_age_days, const struct screening_rule *rule)
{
    struct screening_result *res = e->res;
    struct screening_missing *m = NULL;

    for (size_t i = 0; i < res->nmissing && !m; i++)
        if (res->missing[i].kind == kind && res->missing[i].item == item &&
            res->missing[i].max_age_days == max_age_days)
            m = &res->missing[i];
    if (!m) {
        if (res->nmissing == e->missing_cap) {
            size_t cap = e->missing_cap ? e->missing_cap * 2 : 8;
            struct screening_missing *p = realloc(res->missing, cap * sizeof(*p));
            if (!p)
                return nomem(e);
            res->missing = p;
            e->missing_cap = cap;
        }
        m = &res->missing[res->nmissing++];
        memset(m, 0, sizeof(*m));
        m->kind = kind;
        m->item = item;
        m->max_age_days = max_age_days;
        /* every rule asks at most once per item, so the rules never outnumber the rules file */
        m->rules = calloc(e->rules->nrules, sizeof(*m->rules));
        if (!m->rules || make_label(kind, item, max_age_days, &m->label) != ST_OK)
            return nomem(e);
    }
    m->required = m->required || rule->required;
    for (size_t i = 0; i < m->nrules; i++)
        if (m->rules[i] == rule)
            return ST_OK;
    m->rules[m->nrules++] = rule;
    return ST_OK;
}

/* ---- rules ---- */

static struct screening_reason *
add_reason(struct eval *e, const struct screening_rule *rule, const struct screening_code *item)
{
    struct screening_reason *r = &e->res->reasons[e->res->nreasons++];

    memset(r, 0, sizeof(*r));
    r->rule = rule;
    r->item = item;
    return r;
}

static int
eval_diagnosis(struct eval *e, const struct screening_rule *rule)
{
    for (size_t i = 0; i < rule->ncodes; i++)
        if (e->has_condition[rule->codes[i]]) {
            add_reason(e, rule, &e->rules->conditions.items[rule->codes[i]]);
            return ST_OK;
        }
    return ST_OK;
}

static bool
rule_names(const struct screening_rule *rule, size_t k)
{
    for (size_t i = 0; i < rule->ncodes; i++)
        if (rule->codes[i] == k)
            return true;
    return false;
}

static int
eval_medication(struct eval *e, const struct screening_rule *rule)
{
    const struct screening_input *in = e->in;
    const struct screening_medication *best = NULL;
    bool windowed = rule->window_unit != SCREENING_WINDOW_NONE;
    bool best_has_at = false;
    int64_t best_at = 0;
    int64_t best_until = 0;
    int st;

    for (size_t i = 0; i < in->nmedications; i++) {
        const struct screening_medication *m = &in->medications[i];
        if (!rule_names(rule, (size_t)e->med_class[i]))
            continue;
        bool has_at = m->ongoing || m->last_dose_known;
        int64_t at = m->last_dose_known ? m->last_dose_ms : in->session_ms;
        if (m->ongoing && at < in->session_ms)
            at = in->session_ms;
        if (!windowed) {
            /* the most recent use speaks best for the rule */
            if (!best || (has_at && (!best_has_at || at > best_at))) {
                best = m;
                best_has_at = has_at;
                best_at = at;
            }
            continue;
        }
        if (!has_at) {
            st = add_missing(e, SCREENING_MISSING_LAST_DOSE,
                             &e->rules->medication_classes.items[e->med_class[i]], 0, rule);
            if (st != ST_OK)
                return st;
            continue;
        }
        int64_t until = window_end(rule, at);
        if (in->session_ms < until && (!best || until > best_until)) {
            best = m;
            best_has_at = true;
            best_at = at;
            best_until = until;
        }
    }
    if (!best)
        return ST_OK;
    struct screening_reason *r = add_reason(
        e, rule, &e->rules->medication_classes.items[e->med_class[best - in->medications]]);
    r->has_at = best_has_at;
    r->at_ms = best_at;
    r->ongoing = best->ongoing;
    r->has_until = windowed;
    r->until_ms = best_until;
    return ST_OK;
}

static int
eval_lab(struct eval *e, const struct screening_rule *rule)
{
    const struct screening_input *in = e->in;
    const struct screening_code *item = &e->rules->analytes.items[rule->codes[0]];
    const struct screening_lab *best = NULL;
    int64_t oldest = in->session_ms - rule->max_age_days * MS_PER_DAY;

    for (size_t i = 0; i < in->nlabs; i++) {
        const struct screening_lab *l = &in->labs[i];
        if ((size_t)e->lab_analyte[i] != rule->codes[0] || l->measured_ms > in->session_ms ||
            l->measured_ms < oldest)
            continue;
        if (!best || l->measured_ms > best->measured_ms)
            best = l;
    }
    if (!best)
        return add_missing(e, SCREENING_MISSING_LAB, item, rule->max_age_days, rule);
    bool hit;
    switch (rule->cmp) {
    case SCREENING_CMP_BELOW_RANGE:
        if (!best->has_low)
            return add_missing(e, SCREENING_MISSING_RANGE, item, rule->max_age_days, rule);
        hit = best->value < best->low;
        break;
    case SCREENING_CMP_ABOVE_RANGE:
        if (!best->has_high)
            return add_missing(e, SCREENING_MISSING_RANGE, item, rule->max_age_days, rule);
        hit = best->value > best->high;
        break;
    case SCREENING_CMP_OUTSIDE_RANGE:
        if (!best->has_low && !best->has_high)
            return add_missing(e, SCREENING_MISSING_RANGE, item, rule->max_age_days, rule);
        hit = (best->has_low && best->value < best->low) ||
              (best->has_high && best->value > best->high);
        break;
    default:
        hit = compare(rule->cmp, best->value, rule->threshold);
        break;
    }
    if (hit) {
        struct screening_reason *r = add_reason(e, rule, item);
        r->has_value = true;
        r->value = best->value;
        r->has_at = true;
        r->at_ms = best->measured_ms;
    }
    return ST_OK;
}

static int
eval_finding(struct eval *e, const struct screening_rule *rule)
{
    const struct screening_input *in = e->in;
    const struct screening_finding *best = NULL;
    size_t best_k = 0;
    int64_t best_until = 0;
    /* what is unknown only matters when nothing else made the rule apply */
    enum screening_missing_kind pending_kind[SCREENING_MAX_CODES_PER_RULE];
    size_t pending_code[SCREENING_MAX_CODES_PER_RULE];
    size_t npending = 0;

    for (size_t i = 0; i < rule->ncodes; i++) {
        size_t k = rule->codes[i];
        const struct screening_code *item = &e->rules->findings.items[k];
        long at = e->finding_at[k];
        const struct screening_finding *f = at >= 0 ? &in->findings[at] : NULL;
        if (!f || !f->known) {
            pending_kind[npending] = SCREENING_MISSING_FINDING;
            pending_code[npending++] = k;
            continue;
        }
        switch (item->type) {
        case SCREENING_FINDING_BOOLEAN:
            if (f->yes == rule->equals && !best) {
                best = f;
                best_k = k;
            }
            break;
        case SCREENING_FINDING_NUMBER:
            if (compare(rule->cmp, f->number, rule->threshold) && !best) {
                best = f;
                best_k = k;
            }
            break;
        case SCREENING_FINDING_EVENT:
            if (!f->yes)
                break;
            if (!f->time_known) {
                pending_kind[npending] = SCREENING_MISSING_EVENT_TIME;
                pending_code[npending++] = k;
                break;
            }
            int64_t until = window_end(rule, f->time_ms);
            if (in->session_ms < until && (!best || until > best_until)) {
                best = f;
                best_k = k;
                best_until = until;
            }
            break;
        }
    }
    if (!best) {
        for (size_t i = 0; i < npending; i++) {
            int st = add_missing(e, pending_kind[i], &e->rules->findings.items[pending_code[i]], 0,
                                 rule);
            if (st != ST_OK)
                return st;
        }
        return ST_OK;
    }
    const struct screening_code *item = &e->rules->findings.items[best_k];
    struct screening_reason *r = add_reason(e, rule, item);
    if (item->type == SCREENING_FINDING_NUMBER) {
        r->has_value = true;
        r->value = best->number;
    } else if (item->type == SCREENING_FINDING_EVENT) {
        r->has_at = true;
        r->at_ms = best->time_ms;
        r->has_until = true;
        r->until_ms = best_until;
    }
    return ST_OK;
}

/* ---- evaluation ---- */

/* Resolves every code of the input once; anything unknown or out of range is the caller's
 * mistake and stops the evaluation rather than silently skipping a rule. */
static int
resolve_input(struct eval *e)
{
    const struct screening_rules *rules = e->rules;
    const struct screening_input *in = e->in;

    if (!time_ok(in->session_ms))
        return fail_set(&e->res->fail, ST_INVALID, "session_at", "out_of_range",
                        "the planned session time is outside years 1 to 9999");
    e->has_condition = calloc(rules->conditions.n, sizeof(*e->has_condition));
    e->med_class = calloc(in->nmedications + 1, sizeof(*e->med_class));
    e->lab_analyte = calloc(in->nlabs + 1, sizeof(*e->lab_analyte));
    e->finding_at = calloc(rules->findings.n, sizeof(*e->finding_at));
    if (!e->has_condition || !e->med_class || !e->lab_analyte || !e->finding_at)
        return nomem(e);
    for (size_t i = 0; i < in->nconditions; i++) {
        long k = screening_list_find(&rules->conditions, in->conditions[i]);
        if (k < 0)
            return invalid(e, "conditions", "unknown_code", "condition", in->conditions[i]);
        e->has_condition[k] = true;
    }
    for (size_t i = 0; i < in->nmedications; i++) {
        const struct screening_medication *m = &in->medications[i];
        e->med_class[i] = screening_list_find(&rules->medication_classes, m->class_code);
        if (e->med_class[i] < 0)
            return invalid(e, "medications", "unknown_code", "medication class", m->class_code);
        if (m->last_dose_known && !time_ok(m->last_dose_ms))
            return invalid(e, "medications", "out_of_range", "last dose time of", m->class_code);
    }
    for (size_t i = 0; i < in->nlabs; i++) {
        const struct screening_lab *l = &in->labs[i];
        e->lab_analyte[i] = screening_list_find(&rules->analytes, l->analyte);
        if (e->lab_analyte[i] < 0)
            return invalid(e, "labs", "unknown_code", "analyte", l->analyte);
        if (!isfinite(l->value) || (l->has_low && !isfinite(l->low)) ||
            (l->has_high && !isfinite(l->high)))
            return invalid(e, "labs", "invalid_number", "value of", l->analyte);
        if (!time_ok(l->measured_ms))
            return invalid(e, "labs", "out_of_range", "time measured of", l->analyte);
    }
    for (size_t k = 0; k < rules->findings.n; k++)
        e->finding_at[k] = -1;
    for (size_t i = 0; i < in->nfindings; i++) {
        const struct screening_finding *f = &in->findings[i];
        long k = screening_list_find(&rules->findings, f->code);
        if (k < 0)
            return invalid(e, "findings", "unknown_code", "finding", f->code);
        if (e->finding_at[k] >= 0)
            return invalid(e, "findings", "duplicate", "repeated finding", f->code);
        e->finding_at[k] = (long)i;
        enum screening_finding_type t = rules->findings.items[k].type;
        if (f->known && t == SCREENING_FINDING_NUMBER && !isfinite(f->number))
            return invalid(e, "findings", "invalid_number", "value of", f->code);
        if (f->known && t == SCREENING_FINDING_EVENT && f->yes && f->time_known &&
            !time_ok(f->time_ms))
            return invalid(e, "findings", "out_of_range", "time of", f->code);
    }
    return ST_OK;
}

/* Strongest effect first, then the order of the file. */
static int
reason_cmp(const void *a, const void *b)
{
    const struct screening_reason *x = a;
    const struct screening_reason *y = b;

    if (x->rule->effect != y->rule->effect)
        return x->rule->effect > y->rule->effect ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static void
decide(struct screening_result *res)
{
    bool contraindicated = false;
    bool incomplete = false;
    bool defer = false;
    bool caution = false;
    bool until_known = true;
    bool seen_until = false;
    int64_t until = 0;

    for (size_t i = 0; i < res->nreasons; i++) {
        const struct screening_reason *r = &res->reasons[i];
        switch (r->rule->effect) {
        case SCREENING_EFFECT_CONTRAINDICATED:
            contraindicated = true;
            break;
        case SCREENING_EFFECT_DEFER:
            defer = true;
            if (!r->has_until) {
                until_known = false;
            } else if (!seen_until || r->until_ms > until) {
                until = r->until_ms;
                seen_until = true;
            }
            break;
        case SCREENING_EFFECT_CAUTION:
            caution = true;
            break;
        case SCREENING_EFFECT_NOTE:
            break;
        }
    }
    for (size_t i = 0; i < res->nmissing; i++)
        incomplete = incomplete || res->missing[i].required;
    res->outcome = contraindicated ? SCREENING_CONTRAINDICATED
                   : incomplete    ? SCREENING_INCOMPLETE
                   : defer         ? SCREENING_DEFER
                   : caution       ? SCREENING_CAUTION
                                   : SCREENING_ELIGIBLE;
    if (res->outcome == SCREENING_DEFER && until_known) {
        res->has_until = true;
        res->until_ms = until;
    }
}

int
screening_evaluate(const struct screening_rules *rules, const struct screening_input *in,
                   struct screening_result *res)
{
    struct eval e = {.rules = rules, .in = in, .res = res};
    int st;

    memset(res, 0, sizeof(*res));
    res->rules = rules;
    res->session_ms = in->session_ms;
    res->schema_version = rules->schema_version;
    long t = screening_list_find(&rules->treatments, in->treatment);
    if (t < 0) {
        st = invalid(&e, "treatment", "unknown_code", "treatment", in->treatment);
        goto out;
    }
    res->treatment = &rules->treatments.items[t];
    if ((st = resolve_input(&e)) != ST_OK)
        goto out;
    /* one reason per rule at most */
    res->reasons = calloc(rules->nrules, sizeof(*res->reasons));
    if (!res->reasons) {
        st = nomem(&e);
        goto out;
    }
    for (size_t i = 0; i < rules->nrules && st == ST_OK; i++) {
        const struct screening_rule *rule = &rules->rules[i];
        if (!(rule->treatments & ((uint32_t)1 << t)))
            continue;
        switch (rule->kind) {
        case SCREENING_KIND_DIAGNOSIS:
            st = eval_diagnosis(&e, rule);
            break;
        case SCREENING_KIND_MEDICATION:
            st = eval_medication(&e, rule);
            break;
        case SCREENING_KIND_LAB:
            st = eval_lab(&e, rule);
            break;
        case SCREENING_KIND_FINDING:
            st = eval_finding(&e, rule);
            break;
        }
    }
    if (st != ST_OK)
        goto out;
    if (res->nreasons > 1)
        qsort(res->reasons, res->nreasons, sizeof(*res->reasons), reason_cmp);
    decide(res);
out:
    free(e.has_condition);
    free(e.med_class);
    free(e.lab_analyte);
    free(e.finding_at);
    if (st != ST_OK) {
        struct fail keep = res->fail;
        screening_result_release(res);
        res->fail = keep;
    }
    return st;
}

void
screening_result_release(struct screening_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nmissing; i++) {
        free(r->missing[i].label.en);
        free(r->missing[i].label.ar);
        free(r->missing[i].rules);
    }
    free(r->missing);
    free(r->reasons);
    memset(r, 0, sizeof(*r));
}

const char *
screening_outcome_name(enum screening_outcome o)
{
    static const char *const names[] = {"eligible", "caution", "defer", "incomplete",
                                        "contraindicated"};

    return (unsigned)o < 5u ? names[o] : "unknown";
}

/* ---- JSON ---- */

/* Sets obj[key] = v (stealing v) and clears *ok on any failure, NULL v included. */
static void
put(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

static json_t *
time_json(bool has, int64_t ms)
{
    char s[25];

    if (!has)
        return json_null();
    time_format_ms(ms, s);
    return json_string(s);
}

static json_t *
text_json(const struct screening_text *t)
{
    return json_pack("{s:s,s:s}", "en", t->en, "ar", t->ar);
}

static json_t *
condition_json(const struct screening_rules *rules, const struct screening_rule *rule)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    const struct screening_code *unit_of = NULL;

    if (!o)
        return NULL;
    put(o, "kind", json_string(screening_kind_name(rule->kind)), &ok);
    if (rule->kind == SCREENING_KIND_LAB) {
        unit_of = &rules->analytes.items[rule->codes[0]];
        put(o, "analyte", json_string(unit_of->code), &ok);
        put(o, "max_age_days", json_integer(rule->max_age_days), &ok);
    } else if (rule->kind == SCREENING_KIND_FINDING) {
        const struct screening_code *f = &rules->findings.items[rule->codes[0]];
        if (f->type == SCREENING_FINDING_BOOLEAN)
            put(o, "equals", json_boolean(rule->equals), &ok);
        else if (f->type == SCREENING_FINDING_NUMBER)
            unit_of = f;
    }
    if (unit_of) {
        put(o, "comparison", json_string(screening_cmp_name(rule->cmp)), &ok);
        if (rule->has_threshold)
            put(o, "threshold", json_real(rule->threshold), &ok);
        put(o, "unit", json_string(unit_of->unit), &ok);
    }
    if (rule->window_unit != SCREENING_WINDOW_NONE)
        put(o, "window",
            json_pack("{s:I,s:s}", "amount", (json_int_t)rule->window, "unit",
                      screening_window_name(rule->window_unit)),
            &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
reason_json(const struct screening_rules *rules, const struct screening_reason *r)
{
    const struct screening_rule *rule = r->rule;
    json_t *o = json_object();
    json_t *matched = json_object();
    bool ok = o && matched;

    if (!ok) {
        json_decref(o);
        json_decref(matched);
        return NULL;
    }
    put(o, "rule", json_string(rule->id), &ok);
    put(o, "effect", json_string(screening_effect_name(rule->effect)), &ok);
    put(o, "tier", json_string(screening_tier_name(rule->tier)), &ok);
    put(o, "source", json_string(rule->source), &ok);
    put(o, "text",
        json_pack("{s:o,s:o}", "clinician", text_json(&rule->clinician), "patient",
                  text_json(&rule->patient)),
        &ok);
    put(o, "until", time_json(r->has_until, r->until_ms), &ok);
    put(o, "condition", condition_json(rules, rule), &ok);
    put(matched, "kind", json_string(screening_kind_name(rule->kind)), &ok);
    put(matched, "code", json_string(r->item->code), &ok);
    put(matched, "label", text_json(&r->item->label), &ok);
    if (r->has_value) {
        put(matched, "value", json_real(r->value), &ok);
        put(matched, "unit", json_string(r->item->unit), &ok);
    }
    if (rule->kind != SCREENING_KIND_DIAGNOSIS &&
        (rule->kind != SCREENING_KIND_FINDING || r->item->type == SCREENING_FINDING_EVENT))
        put(matched, "at", time_json(r->has_at, r->at_ms), &ok);
    if (rule->kind == SCREENING_KIND_MEDICATION)
        put(matched, "ongoing", json_boolean(r->ongoing), &ok);
    put(o, "matched", matched, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
missing_json(const struct screening_missing *m)
{
    static const char *const kinds[] = {"lab", "reference_range", "finding", "event_time",
                                        "last_dose"};
    json_t *o = json_object();
    json_t *ids = json_array();
    bool ok = o && ids;

    if (!ok) {
        json_decref(o);
        json_decref(ids);
        return NULL;
    }
    put(o, "kind", json_string(kinds[m->kind]), &ok);
    put(o, "code", json_string(m->item->code), &ok);
    put(o, "required", json_boolean(m->required), &ok);
    if (m->kind == SCREENING_MISSING_LAB || m->kind == SCREENING_MISSING_RANGE)
        put(o, "max_age_days", json_integer(m->max_age_days), &ok);
    put(o, "label", text_json(&m->label), &ok);
    for (size_t i = 0; i < m->nrules; i++)
        if (json_array_append_new(ids, json_string(m->rules[i]->id)) != 0)
            ok = false;
    put(o, "rules", ids, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
screening_result_to_json(const struct screening_result *r)
{
    json_t *o = json_object();
    json_t *reasons = json_array();
    json_t *missing = json_array();
    bool ok = o && reasons && missing && r->treatment && r->rules;

    if (!ok) {
        json_decref(o);
        json_decref(reasons);
        json_decref(missing);
        return NULL;
    }
    put(o, "treatment", json_string(r->treatment->code), &ok);
    put(o, "session_at", time_json(true, r->session_ms), &ok);
    put(o, "outcome", json_string(screening_outcome_name(r->outcome)), &ok);
    put(o, "until", time_json(r->has_until, r->until_ms), &ok);
    put(o, "schema_version", json_integer(r->schema_version), &ok);
    for (size_t i = 0; i < r->nreasons; i++)
        if (json_array_append_new(reasons, reason_json(r->rules, &r->reasons[i])) != 0)
            ok = false;
    put(o, "reasons", reasons, &ok);
    for (size_t i = 0; i < r->nmissing; i++)
        if (json_array_append_new(missing, missing_json(&r->missing[i])) != 0)
            ok = false;
    put(o, "missing", missing, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}
