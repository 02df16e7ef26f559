/* Unit tests of src/clinic/screening_record.c against a migrated test database with rows written
 * through db.h: how each stored value becomes an engine input, the assessment and labs chosen,
 * codes the rules do not know, the canonical NSAID example, and stored results with sign-off. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "clinic/audit.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "clinic/screening_record.h"
#include "core/crypto.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The planned session of the fixed cases: 2026-12-01T09:00:00Z. */
#define S INT64_C(1796115600000)
#define H INT64_C(3600000)
#define D INT64_C(86400000)
#define MAR_10 INT64_C(1773100800000) /* 2026-03-10T00:00:00Z */

static struct protocols *protocols;

static int
group_setup(void **state)
{
    struct fail f;
    if (testdb_group_setup(state) != 0)
        return -1;
    fail_clear(&f);
    if (protocols_load(AUTOLOGA_PROTOCOLS_DIR, &protocols, &f) != ST_OK) {
        fprintf(stderr, "cannot load protocols: %s\n", f.message);
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    protocols_free(protocols);
    return 0;
}

static struct db *
db_of(void **state)
{
    return ((struct testdb *)*state)->db;
}

static json_t *
parse(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (!j)
        fail_msg("bad test JSON %s: %s", s, err.text);
    return j;
}

static int64_t
add_patient(struct db *db, const char *sex)
{
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    p.given_name = strdup("Sample");
    p.family_name = strdup("Testpatient");
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-06-15");
    snprintf(p.sex, sizeof(p.sex), "%s", sex);
    snprintf(p.preferred_language, sizeof(p.preferred_language), "en");
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(patient_insert_tx(db, &a, &p, time_now_ms()), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = p.id;
    db_patient_release(&p);
    return id;
}

static int64_t
add_user(struct db *db, const char *username, unsigned roles)
{
    struct db_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", username);
    u.display_name = strdup("Sample Doctor");
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-hash");
    u.roles = roles;
    u.created_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_user_insert(db, &u), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = u.id;
    db_user_release(&u);
    return id;
}

/* Saves the medical history: every field empty, then `fields` (a JSON object) over it. */
static void
put_history(struct db *db, int64_t patient, const char *fields)
{
    json_t *doc = parse("{\"conditions\":[],\"other_conditions\":null,\"medications\":[],"
                        "\"allergies\":[],\"pregnant\":null,\"breastfeeding\":null,"
                        "\"smoking\":null,\"height_cm\":null,\"weight_kg\":null,\"bmi\":null,"
                        "\"scalp_procedure\":null}");
    json_t *over = parse(fields);
    assert_int_equal(json_object_update(doc, over), 0);
    struct db_history h, cur;
    memset(&h, 0, sizeof(h));
    assert_int_equal(db_begin_write(db), ST_OK);
    int st = db_history_get(db, patient, &cur);
    assert_true(st == ST_OK || st == ST_NOT_FOUND);
    h.patient_id = patient;
    h.version = st == ST_OK ? cur.version + 1 : 1;
    h.data = json_dumps(doc, JSON_COMPACT);
    h.updated_ms = time_now_ms();
    assert_int_equal(db_history_put(db, &h), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    db_history_release(&cur);
    free(h.data);
    json_decref(doc);
    json_decref(over);
}

/* Saves an assessment of `complaint` on `visit_date`; `fields` go over the empty document. */
static int64_t
add_assessment(struct db *db, int64_t patient, const char *visit_date, const char *complaint,
               const char *fields)
{
    json_t *doc = parse("{\"hair\":null,\"face\":null,\"consent_to_risks\":null,"
                        "\"acute_illness\":null,\"notes\":null}");
    json_t *over = parse(fields);
    assert_int_equal(json_object_update(doc, over), 0);
    json_object_set_new(doc, "visit_date", json_string(visit_date));
    json_object_set_new(doc, "complaint", json_string(complaint));
    struct db_assessment a;
    memset(&a, 0, sizeof(a));
    a.patient_id = patient;
    a.version = 1;
    snprintf(a.visit_date, sizeof(a.visit_date), "%s", visit_date);
    snprintf(a.complaint, sizeof(a.complaint), "%s", complaint);
    a.data = json_dumps(doc, JSON_COMPACT);
    a.created_ms = a.updated_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_assessment_insert(db, &a), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = a.id;
    free(a.data);
    json_decref(doc);
    json_decref(over);
    return id;
}

struct lab_in {
    const char *analyte;
    double value;
    const char *unit;
    double canonical;
    const char *canonical_unit;
    int64_t measured_ms;
    bool range;
    double low, high; /* in `unit` */
};

static int64_t
add_lab(struct db *db, int64_t patient, const struct lab_in *in)
{
    struct db_lab l;
    memset(&l, 0, sizeof(l));
    l.patient_id = patient;
    snprintf(l.analyte, sizeof(l.analyte), "%s", in->analyte);
    l.measured_ms = in->measured_ms;
    l.value = in->value;
    snprintf(l.unit, sizeof(l.unit), "%s", in->unit);
    l.canonical_value = in->canonical;
    snprintf(l.canonical_unit, sizeof(l.canonical_unit), "%s", in->canonical_unit);
    l.has_low = l.has_high = in->range;
    l.reference_low = in->low;
    l.reference_high = in->high;
    snprintf(l.source, sizeof(l.source), "manual");
    l.entered_ms = time_now_ms();
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_lab_insert(db, &l), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    return l.id;
}

static void
gather(struct db *db, const struct protocols *p, int64_t patient, const char *treatment,
       int64_t session_ms, struct screening_record_data *d)
{
    struct db_patient pt;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(db_begin_read(db), ST_OK);
    assert_int_equal(db_patient_get(db, patient, &pt), ST_OK);
    int st = screening_record_gather(db, p, &pt, treatment, session_ms, d, &f);
    db_rollback(db);
    db_patient_release(&pt);
    if (st != ST_OK)
        fail_msg("gather failed: %s (%s)", f.message, f.code);
}

static const struct screening_finding *
finding(const struct screening_record_data *d, const char *code)
{
    for (size_t i = 0; i < d->in.nfindings; i++)
        if (strcmp(d->in.findings[i].code, code) == 0)
            return &d->in.findings[i];
    return NULL;
}

static const struct screening_lab *
lab(const struct screening_record_data *d, const char *analyte)
{
    for (size_t i = 0; i < d->in.nlabs; i++)
        if (strcmp(d->in.labs[i].analyte, analyte) == 0)
            return &d->in.labs[i];
    return NULL;
}

/* ---- nothing stored ---- */

static void
test_nothing_stored(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    struct screening_record_data d;
    gather(db, protocols, id, "prp-hair", S, &d);
    assert_string_equal(d.in.treatment, "prp-hair");
    assert_true(d.in.session_ms == S);
    assert_int_equal(d.in.nconditions, 0);
    assert_int_equal(d.in.nmedications, 0);
    assert_int_equal(d.in.nlabs, 0);
    assert_int_equal(d.in.nfindings, 0);
    json_t *want = parse("{\"medical_history_version\":0,\"assessment\":null,\"labs\":[]}");
    assert_true(json_equal(d.sources, want));
    json_decref(want);
    screening_record_data_release(&d);
    screening_record_data_release(&d); /* released twice: zeroed the first time */
    screening_record_data_release(NULL);
}

/* ---- findings from the medical history ---- */

static const struct finding_case {
    const char *sex;
    const char *history; /* fields of the saved history; NULL: none saved */
    const char *code;
    bool known;
    bool yes;
    bool time_known;
    int64_t time_ms;
} finding_cases[] = {
    /* a man is known not pregnant or breastfeeding, with or without a history */
    {"male", NULL, "pregnancy", true, false, false, 0},
    {"male", NULL, "breastfeeding", true, false, false, 0},
    {"male", "{\"pregnant\":null,\"breastfeeding\":null}", "pregnancy", true, false, false, 0},
    {"male", "{\"pregnant\":null,\"breastfeeding\":null}", "breastfeeding", true, false, false, 0},
    {"female", NULL, "pregnancy", false, false, false, 0},
    {"female", "{\"pregnant\":null}", "pregnancy", false, false, false, 0},
    {"other", "{\"pregnant\":null}", "pregnancy", false, false, false, 0},
    {"unknown", NULL, "breastfeeding", false, false, false, 0},
    {"female", "{\"pregnant\":true}", "pregnancy", true, true, false, 0},
    {"female", "{\"pregnant\":false}", "pregnancy", true, false, false, 0},
    {"female", "{\"breastfeeding\":true}", "breastfeeding", true, true, false, 0},
    {"female", "{\"breastfeeding\":false}", "breastfeeding", true, false, false, 0},
    /* smoking: only a current smoker is a yes */
    {"female", "{\"smoking\":\"current\"}", "smoking", true, true, false, 0},
    {"female", "{\"smoking\":\"former\"}", "smoking", true, false, false, 0},
    {"female", "{\"smoking\":\"never\"}", "smoking", true, false, false, 0},
    {"female", "{\"smoking\":null}", "smoking", false, false, false, 0},
    {"male", NULL, "smoking", false, false, false, 0},
    /* the scalp procedure in each of its forms */
    {"female", "{\"scalp_procedure\":{\"had\":false}}", "scalp_procedure", true, false, false, 0},
    {"female",
     "{\"scalp_procedure\":{\"had\":true,\"on\":\"2026-03-10\",\"what\":\"hair transplant "
     "(FUE)\"}}",
     "scalp_procedure", true, true, true, MAR_10},
    {"female", "{\"scalp_procedure\":{\"had\":true,\"on\":null,\"what\":null}}", "scalp_procedure",
     true, true, false, 0},
    {"female", "{\"scalp_procedure\":null}", "scalp_procedure", false, false, false, 0},
    /* the assessment's findings are not the history's */
    {"female", "{\"smoking\":\"never\"}", "consent", false, false, false, 0},
};

static void
test_history_findings(void **state)
{
    struct db *db = db_of(state);
    for (size_t i = 0; i < N(finding_cases); i++) {
        const struct finding_case *c = &finding_cases[i];
        int64_t id = add_patient(db, c->sex);
        if (c->history)
            put_history(db, id, c->history);
        struct screening_record_data d;
        gather(db, protocols, id, "adsc-hair", S, &d);
        const struct screening_finding *sf = finding(&d, c->code);
        if (!c->known) {
            if (sf)
                fail_msg("case %zu: %s should be unknown", i, c->code);
        } else {
            if (!sf)
                fail_msg("case %zu: %s should be known", i, c->code);
            assert_true(sf->known);
            if (sf->yes != c->yes || sf->time_known != c->time_known ||
                (c->time_known && sf->time_ms != c->time_ms))
                fail_msg("case %zu: %s is yes=%d time_known=%d time=%lld", i, c->code, sf->yes,
                         sf->time_known, (long long)sf->time_ms);
        }
        json_t *v = json_object_get(d.sources, "medical_history_version");
        assert_int_equal(json_integer_value(v), c->history ? 1 : 0);
        screening_record_data_release(&d);
    }
}

static void
test_bmi(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    struct screening_record_data d;
    put_history(db, id, "{\"height_cm\":172,\"weight_kg\":80.5,\"bmi\":27.2}");
    gather(db, protocols, id, "adsc-hair", S, &d);
    const struct screening_finding *sf = finding(&d, "bmi");
    assert_non_null(sf);
    assert_true(fabs(sf->number - 27.2) < 1e-9);
    screening_record_data_release(&d);
    put_history(db, id, "{\"bmi\":null}");
    gather(db, protocols, id, "adsc-hair", S, &d);
    assert_null(finding(&d, "bmi"));
    assert_int_equal(json_integer_value(json_object_get(d.sources, "medical_history_version")), 2);
    screening_record_data_release(&d);
}

static void
test_conditions_and_medications(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    put_history(
        db, id,
        "{\"conditions\":[{\"code\":\"diabetes\",\"active\":true,\"note\":null},"
        "{\"code\":\"hypertension\",\"active\":false,\"note\":\"resolved\"},"
        "{\"code\":\"migraine\",\"active\":true,\"note\":\"a code the rules do not know\"},"
        "{\"code\":\"cancer_other\",\"active\":true,\"note\":null},"
        "{\"code\":\"diabetes\",\"active\":true,\"note\":\"entered twice\"}],"
        "\"medications\":[{\"drug\":\"naproxen\",\"name\":\"Naprosyn 500\","
        "\"class\":\"nsaid_nonselective\",\"dose\":\"500 mg\",\"started_on\":\"2026-10-01\","
        "\"ongoing\":false,\"last_dose_at\":\"2026-11-29T03:00:00.000Z\"},"
        "{\"drug\":null,\"name\":\"Vitamin C\",\"class\":\"other\",\"dose\":null,"
        "\"started_on\":null,\"ongoing\":true,\"last_dose_at\":null},"
        "{\"drug\":null,\"name\":\"Prednisolone\",\"class\":\"corticosteroid_systemic\","
        "\"dose\":null,\"started_on\":null,\"ongoing\":false,\"last_dose_at\":null},"
        "{\"drug\":null,\"name\":\"Warfarin\",\"class\":\"anticoagulant\",\"dose\":null,"
        "\"started_on\":null,\"ongoing\":true,\"last_dose_at\":null}]}");
    struct screening_record_data d;
    gather(db, protocols, id, "prp-hair", S, &d);
    assert_int_equal(d.in.nconditions, 2);
    assert_string_equal(d.in.conditions[0], "diabetes");
    assert_string_equal(d.in.conditions[1], "cancer_other");
    assert_int_equal(d.in.nmedications, 3);
    const struct screening_medication *m = d.in.medications;
    assert_string_equal(m[0].class_code, "nsaid_nonselective");
    assert_false(m[0].ongoing);
    assert_true(m[0].last_dose_known);
    assert_true(m[0].last_dose_ms == S - 54 * H);
    assert_string_equal(m[1].class_code, "corticosteroid_systemic");
    assert_false(m[1].last_dose_known);
    assert_string_equal(m[2].class_code, "anticoagulant");
    assert_true(m[2].ongoing);

    json_t *in = screening_record_input_json(protocols->screening, &d.in);
    json_t *want = parse("{\"treatment\":\"prp-hair\",\"session_at\":\"2026-12-01T09:00:00.000Z\","
                         "\"conditions\":[\"diabetes\",\"cancer_other\"],"
                         "\"medications\":[{\"class\":\"nsaid_nonselective\",\"ongoing\":false,"
                         "\"last_dose_at\":\"2026-11-29T03:00:00.000Z\"},"
                         "{\"class\":\"corticosteroid_systemic\",\"ongoing\":false,"
                         "\"last_dose_at\":null},"
                         "{\"class\":\"anticoagulant\",\"ongoing\":true,\"last_dose_at\":null}],"
                         "\"labs\":[],\"findings\":[]}");
    if (!json_equal(in, want)) {
        char *s = json_dumps(in, JSON_COMPACT);
        fail_msg("engine input %s", s);
    }
    json_decref(in);
    json_decref(want);
    screening_record_data_release(&d);
}

/* ---- the assessment ---- */

static void
test_complaint_table(void **state)
{
    (void)state;
    const struct screening_rules *r = protocols->screening;
    assert_string_equal(screening_record_complaint(r, "prp-hair"), "hair");
    assert_string_equal(screening_record_complaint(r, "adsc-hair"), "hair");
    assert_string_equal(screening_record_complaint(r, "prp-face"), "face");
    assert_null(screening_record_complaint(r, "mesotherapy"));
    assert_null(screening_record_complaint(r, NULL));
    /* every treatment of the shipped rules reads an assessment */
    for (size_t i = 0; i < r->treatments.n; i++)
        assert_non_null(screening_record_complaint(r, r->treatments.items[i].code));
}

#define HAIR(present)                                                                              \
    "\"hair\":{\"norwood\":null,\"ludwig\":null,\"sinclair\":null,\"savin\":null,"                 \
    "\"salt\":null,\"duration_months\":null,\"hair_present_in_area\":" present ","                 \
    "\"zones\":[],\"factors\":[]}"
#define FACE(zone)                                                                                 \
    "\"face\":{\"indications\":[],\"fitzpatrick\":null,\"glogau\":null,"                           \
    "\"high_risk_zone_planned\":" zone "}"

static void
test_newest_assessment_before_session(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    add_assessment(db, id, "2026-11-01", "hair",
                   "{" HAIR("true") ",\"consent_to_risks\":true,\"acute_illness\":true}");
    int64_t hair = add_assessment(db, id, "2026-11-20", "hair",
                                  "{" HAIR("false") ",\"consent_to_risks\":false,"
                                                    "\"acute_illness\":false}");
    /* after the session: never the one read */
    add_assessment(db, id, "2026-12-02", "hair",
                   "{" HAIR("true") ",\"consent_to_risks\":true,\"acute_illness\":true}");
    int64_t face = add_assessment(db, id, "2026-11-25", "face",
                                  "{" FACE("true") ",\"consent_to_risks\":true,"
                                                   "\"acute_illness\":null}");

    struct screening_record_data d;
    gather(db, protocols, id, "prp-hair", S, &d);
    const struct screening_finding *sf = finding(&d, "consent");
    assert_non_null(sf);
    assert_false(sf->yes);
    sf = finding(&d, "recent_fever_or_illness");
    assert_non_null(sf);
    assert_false(sf->yes);
    sf = finding(&d, "hair_present_in_area");
    assert_non_null(sf);
    assert_false(sf->yes);
    assert_null(finding(&d, "high_risk_face_zone_planned"));
    json_t *src = json_object_get(d.sources, "assessment");
    assert_int_equal(json_integer_value(json_object_get(src, "id")), hair);
    assert_int_equal(json_integer_value(json_object_get(src, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(src, "visit_date")), "2026-11-20");
    screening_record_data_release(&d);

    /* fat-derived cells read the hair assessment too */
    gather(db, protocols, id, "adsc-hair", S, &d);
    src = json_object_get(d.sources, "assessment");
    assert_int_equal(json_integer_value(json_object_get(src, "id")), hair);
    screening_record_data_release(&d);

    /* the face treatment reads the face assessment */
    gather(db, protocols, id, "prp-face", S, &d);
    sf = finding(&d, "high_risk_face_zone_planned");
    assert_non_null(sf);
    assert_true(sf->yes);
    sf = finding(&d, "consent");
    assert_non_null(sf);
    assert_true(sf->yes);
    assert_null(finding(&d, "recent_fever_or_illness"));
    assert_null(finding(&d, "hair_present_in_area"));
    src = json_object_get(d.sources, "assessment");
    assert_int_equal(json_integer_value(json_object_get(src, "id")), face);
    screening_record_data_release(&d);

    /* a visit on the session's own (UTC) day counts, late in the day as well */
    int64_t same_day = add_assessment(db, id, "2026-12-01", "hair",
                                      "{" HAIR("null") ",\"consent_to_risks\":true}");
    gather(db, protocols, id, "prp-hair", S - 9 * H, &d);
    src = json_object_get(d.sources, "assessment");
    assert_int_equal(json_integer_value(json_object_get(src, "id")), same_day);
    assert_null(finding(&d, "hair_present_in_area"));
    screening_record_data_release(&d);
    /* the day before the session reads the older one */
    gather(db, protocols, id, "prp-hair", S - 9 * H - 1, &d);
    src = json_object_get(d.sources, "assessment");
    assert_int_equal(json_integer_value(json_object_get(src, "id")), hair);
    screening_record_data_release(&d);

    /* before every assessment: none */
    gather(db, protocols, id, "prp-face", S - 30 * D, &d);
    assert_true(json_is_null(json_object_get(d.sources, "assessment")));
    assert_null(finding(&d, "consent"));
    screening_record_data_release(&d);
}

/* ---- lab results ---- */

static void
test_labs(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    /* haemoglobin entered in g/L: the rules compare in g/dL, the range too */
    struct lab_in hb = {"haemoglobin", 95, "g/L", 9.5, "g/dL", S - 10 * D, true, 120, 160};
    struct lab_in plt = {"platelets", 250, "×10⁹/L", 250, "×10⁹/L", S - 10 * D, false, 0, 0};
    struct lab_in wrong = {"platelets", 25, "×10⁹/L", 25, "×10⁹/L", S - 9 * D, false, 0, 0};
    struct lab_in lymph = {"lymphocytes", 2.1, "×10⁹/L", 2.1, "×10⁹/L", S - 10 * D, false, 0, 0};
    struct lab_in alien = {"troponin", 3, "ng/L", 3, "ng/L", S - 10 * D, false, 0, 0};
    struct lab_in vitd = {"vitamin_d", 50,   "nmol/L", 50 / 2.496, "ng/mL",
                          S - 20 * D,  true, 75,       250};
    int64_t hb_id = add_lab(db, id, &hb);
    int64_t plt_id = add_lab(db, id, &plt);
    int64_t wrong_id = add_lab(db, id, &wrong);
    add_lab(db, id, &lymph);
    add_lab(db, id, &alien);
    int64_t vitd_id = add_lab(db, id, &vitd);
    /* stored when labs.json had another canonical unit: the value entered is converted again */
    struct lab_in old = {"ferritin", 20, "µg/L", 7.5, "pmol/L", S - 5 * D, false, 0, 0};
    int64_t old_id = add_lab(db, id, &old);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_lab_mark_deleted(db, wrong_id, time_now_ms(), 0, "typed 25 for 250"),
                     ST_OK);
    assert_int_equal(db_commit(db), ST_OK);

    struct screening_record_data d;
    gather(db, protocols, id, "prp-hair", S, &d);
    assert_int_equal(d.in.nlabs, 4);
    const struct screening_lab *l = lab(&d, "ferritin");
    assert_non_null(l);
    assert_true(fabs(l->value - 20) < 1e-9);
    l = lab(&d, "haemoglobin");
    assert_non_null(l);
    assert_true(fabs(l->value - 9.5) < 1e-9);
    assert_true(l->has_low && l->has_high);
    assert_true(fabs(l->low - 12) < 1e-9);
    assert_true(fabs(l->high - 16) < 1e-9);
    assert_true(l->measured_ms == S - 10 * D);
    l = lab(&d, "platelets");
    assert_non_null(l);
    assert_true(fabs(l->value - 250000) < 1e-6);
    assert_false(l->has_low || l->has_high);
    l = lab(&d, "vitamin_d");
    assert_non_null(l);
    assert_true(fabs(l->value - 50 / 2.496) < 1e-9);
    assert_true(fabs(l->low - 75 / 2.496) < 1e-9);
    assert_true(fabs(l->high - 250 / 2.496) < 1e-9);

    /* the sources name each result used, as entered */
    json_t *labs = json_object_get(d.sources, "labs");
    assert_int_equal(json_array_size(labs), 4);
    int64_t want_ids[] = {hb_id, plt_id, vitd_id, old_id};
    for (size_t i = 0; i < N(want_ids); i++) {
        bool seen = false;
        size_t k;
        json_t *v;
        json_array_foreach(labs, k, v)
        {
            if (json_integer_value(json_object_get(v, "id")) == want_ids[i])
                seen = true;
        }
        assert_true(seen);
    }
    json_t *first = NULL;
    size_t k;
    json_t *v;
    json_array_foreach(labs, k, v)
    {
        if (json_integer_value(json_object_get(v, "id")) == hb_id)
            first = v;
    }
    json_t *want = parse("{\"analyte\":\"haemoglobin\",\"value\":95.0,\"unit\":\"g/L\","
                         "\"measured_at\":\"2026-11-21T09:00:00.000Z\"}");
    json_object_set_new(want, "id", json_integer(hb_id));
    assert_true(json_equal(first, want));
    json_decref(want);

    /* and the engine input holds the values in the rules' units */
    json_t *in = screening_record_input_json(protocols->screening, &d.in);
    json_array_foreach(json_object_get(in, "labs"), k, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "analyte")), "haemoglobin") != 0)
            continue;
        assert_string_equal(json_string_value(json_object_get(v, "unit")), "g/dL");
        assert_true(fabs(json_number_value(json_object_get(v, "value")) - 9.5) < 1e-9);
        assert_true(fabs(json_number_value(json_object_get(v, "reference_low")) - 12) < 1e-9);
    }
    json_decref(in);
    screening_record_data_release(&d);
}

/* A haemoglobin of 95 g/L is 9.5 g/dL: below the ICMS threshold of 10 g/dL. */
static void
test_lab_in_g_per_litre_is_read_as_g_per_decilitre(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "female");
    struct lab_in hb = {"haemoglobin", 95, "g/L", 9.5, "g/dL", S - 10 * D, true, 120, 160};
    add_lab(db, id, &hb);
    json_t *out = NULL;
    struct actor a;
    struct fail f;
    actor_cli(&a);
    fail_clear(&f);
    assert_int_equal(
        screening_record_preview(db, protocols, &a, id, "prp-hair", S, false, &out, &f), ST_OK);
    json_t *r = json_array_get(json_object_get(out, "items"), 0);
    size_t i;
    json_t *v;
    bool rel1 = false, below_range = false;
    json_array_foreach(json_object_get(r, "reasons"), i, v)
    {
        const char *rule = json_string_value(json_object_get(v, "rule"));
        json_t *m = json_object_get(v, "matched");
        if (!strcmp(rule, "PRP-REL-1")) {
            rel1 = true;
            assert_true(fabs(json_number_value(json_object_get(m, "value")) - 9.5) < 1e-9);
            assert_string_equal(json_string_value(json_object_get(m, "unit")), "g/dL");
        }
        if (!strcmp(rule, "HAIR-WU-2"))
            below_range = true;
    }
    assert_true(rel1);
    assert_true(below_range);
    json_decref(out);
}

/* ---- rules that leave codes out ---- */

/* The rules of a clinic that screens for consent and platelets only. */
static const char small_rules[] =
    "{\"schema_version\":1,\"lab_max_age_days\":90,\"lab_max_age_days_source\":\"clinic\","
    "\"treatments\":[{\"code\":\"prp-hair\",\"complaint\":\"hair\",\"label\":{\"en\":\"PRP for the scalp\","
    "\"ar\":\"البلازما لفروة الرأس\"}}],"
    "\"conditions\":[{\"code\":\"critical_thrombocytopenia\",\"label\":{\"en\":\"critical "
    "thrombocytopenia\",\"ar\":\"نقص الصفائح الدموية الحرج\"}}],"
    "\"medication_classes\":[{\"code\":\"aspirin\",\"label\":{\"en\":\"aspirin\","
    "\"ar\":\"الأسبرين\"}}],"
    "\"analytes\":[{\"code\":\"platelets\",\"unit\":\"/µL\",\"label\":{\"en\":\"platelet count\","
    "\"ar\":\"عدد الصفائح الدموية\"}}],"
    "\"findings\":[{\"code\":\"consent\",\"type\":\"boolean\",\"label\":{\"en\":\"consent\","
    "\"ar\":\"الموافقة\"}},{\"code\":\"smoking\",\"type\":\"number\",\"unit\":\"packs/day\","
    "\"label\":{\"en\":\"packs a day\",\"ar\":\"علب في اليوم\"}}],"
    "\"rules\":[{\"id\":\"C-1\",\"treatments\":[\"prp-hair\"],\"condition\":{\"kind\":"
    "\"finding\",\"findings\":[\"consent\"],\"equals\":false,\"required\":true},"
    "\"effect\":\"contraindicated\",\"tier\":\"E\",\"source\":\"clinic protocol, 2026\","
    "\"text\":{\"clinician\":{\"en\":\"No consent.\",\"ar\":\"لا موافقة.\"},"
    "\"patient\":{\"en\":\"No consent.\",\"ar\":\"لا موافقة.\"}}}]}";

static void
test_codes_the_rules_do_not_know_are_left_out(void **state)
{
    struct db *db = db_of(state);
    struct protocols small = *protocols;
    struct fail f;
    fail_clear(&f);
    small.screening = NULL;
    if (screening_rules_parse("small.json", small_rules, sizeof(small_rules) - 1, &small.screening,
                              &f) != ST_OK)
        fail_msg("small rules: %s", f.message);
    int64_t id = add_patient(db, "male");
    put_history(db, id,
                "{\"conditions\":[{\"code\":\"diabetes\",\"active\":true,\"note\":null}],"
                "\"medications\":[{\"drug\":\"naproxen\",\"name\":\"Naprosyn\","
                "\"class\":\"nsaid_nonselective\",\"dose\":null,\"started_on\":null,"
                "\"ongoing\":true,\"last_dose_at\":null}],\"smoking\":\"current\",\"bmi\":31.0,"
                "\"scalp_procedure\":{\"had\":false}}");
    add_assessment(db, id, "2026-11-20", "hair",
                   "{" HAIR("true") ",\"consent_to_risks\":true,\"acute_illness\":true}");
    struct lab_in hb = {"haemoglobin", 14, "g/dL", 14, "g/dL", S - 10 * D, false, 0, 0};
    struct lab_in plt = {"platelets", 250, "×10⁹/L", 250, "×10⁹/L", S - 10 * D, false, 0, 0};
    add_lab(db, id, &hb);
    add_lab(db, id, &plt);

    struct screening_record_data d;
    gather(db, &small, id, "prp-hair", S, &d);
    assert_int_equal(d.in.nconditions, 0);
    assert_int_equal(d.in.nmedications, 0);
    assert_int_equal(d.in.nlabs, 1);
    assert_string_equal(d.in.labs[0].analyte, "platelets");
    /* consent only: pregnancy and the rest are not the rules' findings, and "smoking" is a
     * number there, which the history's yes / no cannot fill */
    assert_int_equal(d.in.nfindings, 1);
    assert_string_equal(d.in.findings[0].code, "consent");
    struct screening_result res;
    assert_int_equal(screening_evaluate(small.screening, &d.in, &res), ST_OK);
    assert_int_equal(res.outcome, SCREENING_ELIGIBLE);
    screening_result_release(&res);
    screening_record_data_release(&d);

    /* a treatment the rules do not have */
    struct db_patient pt;
    assert_int_equal(db_begin_read(db), ST_OK);
    assert_int_equal(db_patient_get(db, id, &pt), ST_OK);
    assert_int_equal(screening_record_gather(db, &small, &pt, "prp-face", S, &d, &f), ST_INVALID);
    assert_string_equal(f.field, "treatment");
    db_rollback(db);
    db_patient_release(&pt);
    assert_null(d.sources);
    screening_rules_free(small.screening);
}

/* ---- the canonical example: naproxen 30 hours before the session ---- */

/* Everything else the rules require for PRP is there and normal, so that the medicine decides. */
static int64_t
prepared_patient(struct db *db, const char *medication_class, int64_t session_ms)
{
    char history[600], last_dose[25], day[11];
    struct date dt;
    int64_t id = add_patient(db, "female");
    time_format_ms(session_ms - 30 * H, last_dose);
    snprintf(history, sizeof(history),
             "{\"medications\":[{\"drug\":null,\"name\":\"painkiller\",\"class\":\"%s\","
             "\"dose\":null,\"started_on\":null,\"ongoing\":false,\"last_dose_at\":\"%s\"}],"
             "\"pregnant\":false,\"breastfeeding\":false,\"smoking\":\"never\"}",
             medication_class, last_dose);
    put_history(db, id, history);
    date_from_days((session_ms - 2 * D) / D, &dt);
    date_format(&dt, day);
    add_assessment(db, id, day, "hair",
                   "{" HAIR("true") ",\"consent_to_risks\":true,\"acute_illness\":false}");
    struct lab_in hb = {"haemoglobin", 14, "g/dL", 14, "g/dL", session_ms - 10 * D, true, 12, 16};
    struct lab_in plt = {"platelets",         250,   "×10⁹/L", 250, "×10⁹/L",
                         session_ms - 10 * D, false, 0,        0};
    add_lab(db, id, &hb);
    add_lab(db, id, &plt);
    return id;
}

static json_t *
preview_one(struct db *db, int64_t patient, const char *treatment, int64_t session_ms)
{
    json_t *out = NULL;
    struct actor a;
    struct fail f;
    actor_cli(&a);
    fail_clear(&f);
    if (screening_record_preview(db, protocols, &a, patient, treatment, session_ms, false, &out,
                                 &f) != ST_OK)
        fail_msg("preview: %s", f.message);
    json_t *r = json_incref(json_array_get(json_object_get(out, "items"), 0));
    json_decref(out);
    return r;
}

static bool
has_reason(json_t *r, const char *rule)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "reasons"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "rule")), rule))
            return true;
    }
    return false;
}

static void
test_naproxen_defers_and_cox2_does_not(void **state)
{
    struct db *db = db_of(state);
    char until[25];
    int64_t naproxen = prepared_patient(db, "nsaid_nonselective", S);
    int64_t celecoxib = prepared_patient(db, "nsaid_cox2", S);

    json_t *r = preview_one(db, naproxen, "prp-hair", S);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "defer");
    time_format_ms(S - 30 * H + 48 * H, until);
    assert_string_equal(json_string_value(json_object_get(r, "until")), until);
    assert_true(has_reason(r, "PRP-REL-3"));
    assert_true(has_reason(r, "PRP-DRUG-2"));
    json_decref(r);
    /* 48 hours after the dose the deferral is over */
    r = preview_one(db, naproxen, "prp-hair", S + 18 * H);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "eligible");
    json_decref(r);

    r = preview_one(db, celecoxib, "prp-hair", S);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "eligible");
    assert_true(json_is_null(json_object_get(r, "until")));
    assert_false(has_reason(r, "PRP-REL-3"));
    assert_false(has_reason(r, "PRP-DRUG-2"));
    json_decref(r);
}

static void
test_preview_every_treatment(void **state)
{
    struct db *db = db_of(state);
    int64_t id = add_patient(db, "male");
    json_t *out = NULL;
    struct actor a;
    struct fail f;
    actor_cli(&a);
    fail_clear(&f);
    assert_int_equal(screening_record_preview(db, protocols, &a, id, NULL, S, false, &out, &f),
                     ST_OK);
    json_t *items = json_object_get(out, "items");
    const struct screening_list *t = &protocols->screening->treatments;
    assert_int_equal(json_array_size(items), t->n);
    for (size_t i = 0; i < t->n; i++) {
        json_t *r = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(r, "treatment")), t->items[i].code);
        assert_string_equal(json_string_value(json_object_get(r, "outcome")), "incomplete");
        assert_null(json_object_get(r, "id"));
        assert_null(json_object_get(r, "inputs"));
        assert_true(json_is_null(json_object_get(r, "signoff")));
        assert_true(json_is_null(json_object_get(r, "computed_by")));
        assert_int_equal(json_integer_value(json_object_get(r, "patient_id")), id);
        assert_string_equal(json_string_value(json_object_get(r, "rules_sha256")),
                            protocols->screening_sha256);
    }
    json_decref(out);
    /* the command line's preview writes its audit event at once */
    assert_int_equal(screening_record_preview(db, protocols, &a, id, "prp-face", S, true, &out, &f),
                     ST_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    struct testdb *tdb = *state;
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE action = 'screening.preview' AND username = 'cli'"
             " AND entity = 'patient' AND entity_id = '%lld'",
             (long long)id);
    assert_int_equal(testdb_int(tdb, sql), 1);

    assert_int_equal(
        screening_record_preview(db, protocols, &a, id, "prp-nose", S, false, &out, &f),
        ST_INVALID);
    assert_string_equal(f.code, "invalid_query");
    assert_null(out);
    assert_int_equal(
        screening_record_preview(db, protocols, &a, id + 100, NULL, S, false, &out, &f),
        ST_NOT_FOUND);
    assert_null(out);
}

/* ---- stored results and sign-off ---- */

static json_t *
create(struct db *db, const struct actor *a, int64_t patient, const char *body, int want,
       const char *code, const char *field)
{
    json_t *b = parse(body), *out = NULL;
    struct fail f;
    fail_clear(&f);
    int st = screening_record_create(db, protocols, a, patient, b, &out, &f);
    json_decref(b);
    if (st != want)
        fail_msg("create %s: status %d, %s", body, st, f.message);
    if (code) {
        assert_string_equal(f.code, code);
        assert_string_equal(f.field, field);
        assert_null(out);
    }
    return out;
}

static void
session_body(char *out, size_t cap, const char *treatment, int64_t session_ms)
{
    char at[25];
    time_format_ms(session_ms, at);
    snprintf(out, cap, "{\"treatment\":\"%s\",\"session_at\":\"%s\"}", treatment, at);
}

static void
test_create_stores_result_with_inputs(void **state)
{
    struct db *db = db_of(state);
    struct testdb *tdb = *state;
    int64_t nurse_id = add_user(db, "nurse1", ROLE_NURSE);
    struct actor nurse = {.user_id = nurse_id, .username = "nurse1", .roles = ROLE_NURSE};
    int64_t session = (time_now_ms() / H + 48) * H;
    int64_t id = prepared_patient(db, "nsaid_cox2", session);
    char body[200];
    session_body(body, sizeof(body), "prp-hair", session);
    json_t *r = create(db, &nurse, id, body, ST_OK, NULL, NULL);
    int64_t sid = json_integer_value(json_object_get(r, "id"));
    assert_true(sid > 0);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "eligible");
    json_t *by = json_object_get(r, "computed_by");
    assert_int_equal(json_integer_value(json_object_get(by, "id")), nurse_id);
    assert_string_equal(json_string_value(json_object_get(by, "username")), "nurse1");
    assert_true(json_is_null(json_object_get(r, "signoff")));
    json_t *inputs = json_object_get(r, "inputs");
    assert_int_equal(json_integer_value(json_object_get(inputs, "medical_history_version")), 1);
    assert_true(json_is_object(json_object_get(inputs, "assessment")));
    assert_int_equal(json_array_size(json_object_get(inputs, "labs")), 2);
    json_t *engine = json_object_get(inputs, "engine_input");
    assert_string_equal(json_string_value(json_object_get(engine, "treatment")), "prp-hair");
    assert_int_equal(json_array_size(json_object_get(engine, "medications")), 1);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE action = 'screening.create' AND entity_id = '%lld'"
             " AND username = 'nurse1'",
             (long long)sid);
    assert_int_equal(testdb_int(tdb, sql), 1);

    /* the stored inputs stay what they were when the history changes later */
    put_history(db, id, "{\"smoking\":\"current\"}");
    json_t *again = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(screening_record_read(db, &nurse, sid, &again, &f), ST_OK);
    assert_true(json_equal(json_object_get(again, "inputs"), inputs));
    assert_true(json_equal(again, r));
    json_decref(again);

    /* a new result sees the new history; the list gives the newest first, without inputs */
    json_t *r2 = create(db, &nurse, id, body, ST_OK, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(r2, "outcome")), "caution");
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(r2, "inputs"), "medical_history_version")),
                     2);
    json_t *list = NULL;
    assert_int_equal(screening_record_list(db, &nurse, id, NULL, 20, &list, &f), ST_OK);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
                     json_integer_value(json_object_get(r2, "id")));
    assert_null(json_object_get(json_array_get(items, 0), "inputs"));
    json_decref(list);
    assert_int_equal(screening_record_list(db, &nurse, id, "prp-face", 20, &list, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);
    assert_int_equal(screening_record_list(db, &nurse, id, NULL, 1, &list, &f), ST_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    json_decref(list);
    assert_int_equal(screening_record_list(db, &nurse, id, NULL, 0, &list, &f), ST_INVALID);
    assert_string_equal(f.field, "limit");
    assert_int_equal(screening_record_list(db, &nurse, id, "PRP hair", 20, &list, &f), ST_INVALID);
    assert_string_equal(f.field, "treatment");
    assert_int_equal(screening_record_list(db, &nurse, id + 100, NULL, 20, &list, &f),
                     ST_NOT_FOUND);
    assert_int_equal(screening_record_read(db, &nurse, sid + 100, &again, &f), ST_NOT_FOUND);
    json_decref(r);
    json_decref(r2);
}

static void
test_create_refuses_bad_input(void **state)
{
    struct db *db = db_of(state);
    struct testdb *tdb = *state;
    struct actor a;
    actor_cli(&a);
    int64_t id = add_patient(db, "female");
    int64_t now = time_now_ms();
    char body[200];
    create(db, &a, id, "{\"session_at\":\"2030-01-01T09:00:00Z\"}", ST_INVALID, "required",
           "treatment");
    create(db, &a, id, "{\"treatment\":\"prp-nose\",\"session_at\":\"2030-01-01T09:00:00Z\"}",
           ST_INVALID, "invalid_value", "treatment");
    create(db, &a, id, "{\"treatment\":7,\"session_at\":\"2030-01-01T09:00:00Z\"}", ST_INVALID,
           "invalid_type", "treatment");
    create(db, &a, id, "{\"treatment\":\"prp-hair\"}", ST_INVALID, "required", "session_at");
    create(db, &a, id, "{\"treatment\":\"prp-hair\",\"session_at\":\"next Tuesday\"}", ST_INVALID,
           "invalid_date", "session_at");
    create(db, &a, id, "{\"treatment\":\"prp-hair\",\"session_at\":\"2030-02-30T09:00:00Z\"}",
           ST_INVALID, "invalid_date", "session_at");
    create(db, &a, id,
           "{\"treatment\":\"prp-hair\",\"session_at\":\"2030-01-01T09:00:00Z\",\"id\":3}",
           ST_INVALID, "unknown_field", "id");
    session_body(body, sizeof(body), "prp-hair", now - 25 * H);
    create(db, &a, id, body, ST_INVALID, "out_of_range", "session_at");
    assert_int_equal(testdb_int(tdb, "SELECT count(*) FROM screenings"), 0);
    session_body(body, sizeof(body), "prp-face", now - 23 * H);
    json_decref(create(db, &a, id, body, ST_OK, NULL, NULL));
    session_body(body, sizeof(body), "prp-hair", now + D);
    create(db, &a, id + 100, body, ST_NOT_FOUND, "not_found", "");
    assert_int_equal(testdb_int(tdb, "SELECT count(*) FROM screenings"), 1);
    assert_int_equal(
        testdb_int(tdb, "SELECT count(*) FROM audit WHERE action = 'screening.create'"), 1);
}

static int
sign(struct db *db, const struct actor *a, int64_t sid, const char *body, json_t **out,
     struct fail *f)
{
    json_t *b = parse(body);
    fail_clear(f);
    int st = screening_record_sign(db, a, sid, b, out, f);
    json_decref(b);
    return st;
}

static void
test_signoff(void **state)
{
    struct db *db = db_of(state);
    struct testdb *tdb = *state;
    int64_t doc_id = add_user(db, "doctor1", ROLE_DOCTOR);
    struct actor doctor = {.user_id = doc_id, .username = "doctor1", .roles = ROLE_DOCTOR};
    int64_t session = (time_now_ms() / H + 48) * H;
    char body[200];
    json_t *out = NULL;
    struct fail f;

    /* nothing recorded: incomplete, so proceeding overrides the rules and needs a reason */
    int64_t bare = add_patient(db, "female");
    session_body(body, sizeof(body), "prp-hair", session);
    json_t *r = create(db, &doctor, bare, body, ST_OK, NULL, NULL);
    int64_t sid = json_integer_value(json_object_get(r, "id"));
    json_decref(r);
    assert_int_equal(sign(db, &doctor, sid, "{\"decision\":\"proceed\"}", &out, &f), ST_INVALID);
    assert_string_equal(f.code, "required");
    assert_string_equal(f.field, "reason");
    assert_int_equal(
        sign(db, &doctor, sid, "{\"decision\":\"proceed\",\"reason\":\"  ok fine \"}", &out, &f),
        ST_INVALID);
    assert_string_equal(f.code, "too_short");
    assert_string_equal(f.field, "reason");
    /* characters, not bytes: nine Arabic letters and a space take 17 bytes */
    assert_int_equal(
        sign(db, &doctor, sid, "{\"decision\":\"proceed\",\"reason\":\"موافق جدا\"}", &out, &f),
        ST_INVALID);
    assert_string_equal(f.code, "too_short");
    assert_int_equal(sign(db, &doctor, sid, "{\"decision\":\"maybe\"}", &out, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_value");
    assert_string_equal(f.field, "decision");
    assert_int_equal(sign(db, &doctor, sid, "{\"reason\":\"because I say so\"}", &out, &f),
                     ST_INVALID);
    assert_string_equal(f.code, "required");
    assert_string_equal(f.field, "decision");
    assert_int_equal(testdb_int(tdb, "SELECT count(*) FROM screening_signoffs"), 0);
    assert_int_equal(sign(db, &doctor, sid,
                          "{\"decision\":\"proceed\",\"reason\":\"تم التحقق هاتفيا\"}", &out, &f),
                     ST_OK);
    json_t *so = json_object_get(out, "signoff");
    assert_string_equal(json_string_value(json_object_get(so, "decision")), "proceed");
    assert_true(json_is_true(json_object_get(so, "override")));
    assert_string_equal(json_string_value(json_object_get(so, "reason")), "تم التحقق هاتفيا");
    json_t *by = json_object_get(so, "signed_by");
    assert_int_equal(json_integer_value(json_object_get(by, "id")), doc_id);
    assert_string_equal(json_string_value(json_object_get(by, "username")), "doctor1");
    assert_string_equal(json_string_value(json_object_get(by, "display_name")), "Sample Doctor");
    assert_non_null(json_object_get(out, "inputs"));
    json_decref(out);
    out = NULL;
    assert_int_equal(sign(db, &doctor, sid, "{\"decision\":\"do_not_proceed\"}", &out, &f),
                     ST_CONFLICT);
    assert_string_equal(f.code, "already_signed");
    assert_null(out);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE action = 'screening.signoff' AND entity_id = '%lld'",
             (long long)sid);
    assert_int_equal(testdb_int(tdb, sql), 1);

    /* not proceeding needs no reason; proceeding on an eligible result is no override */
    r = create(db, &doctor, bare, body, ST_OK, NULL, NULL);
    sid = json_integer_value(json_object_get(r, "id"));
    json_decref(r);
    assert_int_equal(sign(db, &doctor, sid, "{\"decision\":\"do_not_proceed\"}", &out, &f), ST_OK);
    so = json_object_get(out, "signoff");
    assert_false(json_is_true(json_object_get(so, "override")));
    assert_true(json_is_null(json_object_get(so, "reason")));
    json_decref(out);
    int64_t ready = prepared_patient(db, "nsaid_cox2", session);
    r = create(db, &doctor, ready, body, ST_OK, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "eligible");
    sid = json_integer_value(json_object_get(r, "id"));
    json_decref(r);
    assert_int_equal(sign(db, &doctor, sid, "{\"decision\":\"proceed\"}", &out, &f), ST_OK);
    so = json_object_get(out, "signoff");
    assert_false(json_is_true(json_object_get(so, "override")));
    json_decref(out);
    assert_int_equal(sign(db, &doctor, sid + 100, "{\"decision\":\"proceed\"}", &out, &f),
                     ST_NOT_FOUND);
}

/* A deleted patient's results are not found either. */
static void
test_deleted_patient(void **state)
{
    struct db *db = db_of(state);
    struct actor a;
    actor_cli(&a);
    int64_t id = add_patient(db, "female");
    char body[200];
    session_body(body, sizeof(body), "prp-hair", time_now_ms() + D);
    json_t *r = create(db, &a, id, body, ST_OK, NULL, NULL);
    int64_t sid = json_integer_value(json_object_get(r, "id"));
    json_decref(r);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_patient_mark_deleted(db, id, 2, time_now_ms()), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(screening_record_read(db, &a, sid, &out, &f), ST_NOT_FOUND);
    assert_int_equal(screening_record_list(db, &a, id, NULL, 20, &out, &f), ST_NOT_FOUND);
    assert_int_equal(screening_record_preview(db, protocols, &a, id, NULL, S, false, &out, &f),
                     ST_NOT_FOUND);
    create(db, &a, id, body, ST_NOT_FOUND, "not_found", "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_stored, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_history_findings, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_bmi, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_conditions_and_medications, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test(test_complaint_table),
        cmocka_unit_test_setup_teardown(test_newest_assessment_before_session, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_labs, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_lab_in_g_per_litre_is_read_as_g_per_decilitre,
                                        testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_codes_the_rules_do_not_know_are_left_out,
                                        testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_naproxen_defers_and_cox2_does_not, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_preview_every_treatment, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_create_stores_result_with_inputs, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_create_refuses_bad_input, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_signoff, testdb_test_setup, testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_patient, testdb_test_setup,
                                        testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
