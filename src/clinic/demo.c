/* The demo clinic generator: deterministic, so that every demo database looks the same. */
#include "clinic/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/assessment.h"
#include "clinic/audit.h"
#include "clinic/history.h"
#include "clinic/labresult.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "clinic/user.h"
#include "core/date.h"

#define BATCH 20000

const char *const demo_usernames[] = {"admin", "doctor", "nurse", "reception", NULL};
const char *const demo_user_roles[] = {"admin", "doctor", "nurse", "reception", NULL};
static const char *const demo_display[] = {"Clinic Manager (demo)", "Demo Doctor", "Demo Nurse",
                                           "Demo Receptionist"};

/* Common given names as (Latin, Arabic) pairs; a few Arabic spellings carry diacritics or
 * letter variants so that search folding has something to do in the demo. */
static const char *const female[][2] = {
    {"Layla", "ليلى"},  {"Fatima", "فاطمة"},  {"Mariam", "مريم"},  {"Noor", "نور"},
    {"Huda", "هدى"},    {"Salma", "سلمى"},    {"Aisha", "عائشة"},  {"Rania", "رانيا"},
    {"Dina", "دينا"},   {"Yasmin", "ياسمين"}, {"Hala", "هالة"},    {"Amal", "أمل"},
    {"Reem", "ريم"},    {"Sara", "سارة"},     {"Lina", "لينا"},    {"Nadia", "نادية"},
    {"Zainab", "زينب"}, {"Maha", "مها"},      {"Samira", "سميرة"}, {"Jana", "جنى"},
};
static const char *const male[][2] = {
    {"Mohammad", "مُحَمَّد"}, {"Ahmad", "أحمد"},   {"Omar", "عمر"},      {"Ali", "علي"},
    {"Khaled", "خالد"},   {"Youssef", "يوسف"}, {"Hassan", "حسن"},    {"Ibrahim", "إبراهيم"},
    {"Tariq", "طارق"},    {"Samir", "سمير"},   {"Faisal", "فيصل"},   {"Kareem", "كريم"},
    {"Rami", "رامي"},     {"Nabil", "نبيل"},   {"Mustafa", "مصطفى"}, {"Ziad", "زياد"},
    {"Walid", "وليد"},    {"Hamza", "حمزة"},   {"Adel", "عادل"},     {"Majed", "ماجد"},
};
static const char *const families[][2] = {
    {"Haddad", "حداد"},    {"Khoury", "خوري"},     {"Mansour", "منصور"}, {"Nasser", "ناصر"},
    {"Saleh", "صالح"},     {"Hamdan", "حمدان"},    {"Karam", "كرم"},     {"Aziz", "عزيز"},
    {"Rahman", "رحمن"},    {"Qasim", "قاسم"},      {"Darwish", "درويش"}, {"Farouk", "فاروق"},
    {"Hakim", "حكيم"},     {"Jaber", "جابر"},      {"Nouri", "نوري"},    {"Sabbagh", "صباغ"},
    {"Shami", "شامي"},     {"Tamimi", "تميمي"},    {"Yassin", "ياسين"},  {"Zaher", "زاهر"},
    {"Al-Amin", "الأمين"}, {"Al-Hassan", "الحسن"}, {"Badawi", "بدوي"},   {"Obeid", "عبيد"},
    {"Masri", "مصري"},     {"Halabi", "حلبي"},     {"Bakri", "بكري"},    {"Sultan", "سلطان"},
    {"Rashid", "راشد"},    {"Fakhoury", "فاخوري"},
};
#define N(a) (sizeof(a) / sizeof(a[0]))

static uint64_t
next_rand(uint64_t *s)
{
    /* xorshift64*: deterministic and fast; nothing here needs to be unpredictable. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static char *
dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Fills one invented patient; the caller releases it. */
static void
demo_patient(uint64_t *rng, int64_t i, struct db_patient *p)
{
    memset(p, 0, sizeof(*p));
    bool is_female = next_rand(rng) % 100 < 55; /* hair and skin clinics see more women */
    const char *const *given =
        is_female ? female[next_rand(rng) % N(female)] : male[next_rand(rng) % N(male)];
    const char *const *family = families[next_rand(rng) % N(families)];
    unsigned shape = next_rand(rng) % 10;
    /* Most have both scripts; some only one, as happens at a real front desk. */
    if (shape != 9) {
        p->given_name = dup(given[0]);
        p->family_name = dup(family[0]);
    }
    if (shape != 8) {
        p->given_name_ar = dup(given[1]);
        p->family_name_ar = dup(family[1]);
    }
    struct date today, dob;
    date_today_utc(&today);
    int64_t days = date_to_days(&today) - (18 * 365 + (int64_t)(next_rand(rng) % (52 * 365)));
    date_from_days(days, &dob);
    date_format(&dob, p->date_of_birth);
    snprintf(p->sex, sizeof(p->sex), "%s", is_female ? "female" : "male");
    char buf[64];
    snprintf(buf, sizeof(buf), "+9715%08llu", (unsigned long long)(next_rand(rng) % 100000000));
    p->phone = dup(buf);
    if (p->given_name && shape < 6) {
        snprintf(buf, sizeof(buf), "patient%lld@example.invalid", (long long)i);
        p->email = dup(buf);
    }
    snprintf(p->preferred_language, sizeof(p->preferred_language), "%s",
             next_rand(rng) % 3 == 0 ? "en" : "ar");
    if (shape < 4) {
        snprintf(buf, sizeof(buf), "Villa %u, Example Street %u", (unsigned)(i % 97) + 1,
                 (unsigned)(next_rand(rng) % 40) + 1);
        p->address = dup(buf);
    }
}

int
demo_create(struct db *db, int64_t patients, void (*progress)(int64_t done, int64_t total),
            struct fail *f)
{
    struct actor a;
    actor_cli(&a);
    snprintf(a.username, sizeof(a.username), "demo");
    int st = ST_OK;
    for (int i = 0; demo_usernames[i] && st == ST_OK; i++)
        st = user_add(db, &a, demo_usernames[i], demo_display[i], DEMO_PASSWORD,
                      role_from_name(demo_user_roles[i]), true, NULL, f);
    if (st != ST_OK)
        return st;

    static const char *const rooms[][2] = {{"Treatment room 1", "treatment"},
                                           {"Treatment room 2", "treatment"},
                                           {"Treatment room 3", "treatment"},
                                           {"Preparation lab", "preparation"},
                                           {"Consultation room", "consultation"}};
    st = db_begin_write(db);
    for (size_t i = 0; i < N(rooms) && st == ST_OK; i++) {
        int64_t id;
        st = db_room_insert(db, rooms[i][0], rooms[i][1], &id);
    }
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        return fail_set(f, st, "", "internal", "cannot create the demo rooms: %s", db_errmsg(db));
    }

    if (patients >= BATCH && db_bulk_load(db) != ST_OK)
        return fail_set(f, ST_DB, "", "internal", "cannot tune the bulk load: %s", db_errmsg(db));
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    int64_t now = time_now_ms();
    for (int64_t done = 0; done < patients && st == ST_OK;) {
        int64_t end = done + BATCH < patients ? done + BATCH : patients;
        st = db_begin_write(db);
        for (; done < end && st == ST_OK; done++) {
            struct db_patient p;
            demo_patient(&rng, done + 1, &p);
            /* Spread registrations over the past two years. */
            int64_t at = now - (patients - done) * (2LL * 365 * 86400 * 1000 / (patients + 1));
            st = patient_insert_tx(db, &a, &p, at);
            db_patient_release(&p);
        }
        if (st == ST_OK)
            st = db_commit(db);
        if (st != ST_OK) {
            db_rollback(db);
            return fail_set(f, st, "", "internal", "cannot create demo patients: %s",
                            db_errmsg(db));
        }
        if (progress)
            progress(done, patients);
    }
    return st;
}

/* ---- clinical records of a few demo patients ---- */

#define HOUR_MS INT64_C(3600000)
#define DAY_MS (24 * HOUR_MS)

static void
iso_time(int64_t ms, char out[25])
{
    time_format_ms(ms, out);
}

static void
iso_date(int64_t ms, char out[11])
{
    struct date d;
    date_from_days(ms >= 0 ? ms / DAY_MS : (ms - DAY_MS + 1) / DAY_MS, &d);
    date_format(&d, out);
}

/* Runs one domain call and drops its answer: only the failure matters here. */
static int
keep_status(int st, json_t *answer)
{
    json_decref(answer);
    return st;
}

static int
demo_history(struct db *db, const struct actor *a, const struct protocols *p, int64_t patient,
             bool is_female, json_t *medications, json_t *conditions, struct fail *f)
{
    json_t *out = NULL;
    json_t *body = json_pack(
        "{s:i, s:o, s:n, s:o, s:[], s:O, s:O, s:s, s:f, s:f, s:n}", "version", 0, "conditions",
        conditions, "other_conditions", "medications", medications, "allergies", "pregnant",
        is_female ? json_false() : json_null(), "breastfeeding",
        is_female ? json_false() : json_null(), "smoking", "never", "height_cm",
        is_female ? 164.0 : 178.0, "weight_kg", is_female ? 61.5 : 84.0, "scalp_procedure");
    if (!body)
        return ST_NOMEM;
    int st = history_update(db, a, p, patient, body, &out, f);
    json_decref(body);
    return keep_status(st, out);
}

static int
demo_lab(struct db *db, const struct actor *a, const struct protocols *p, int64_t patient,
         const char *analyte, double value, const char *unit, double low, double high,
         const char *measured, struct fail *f)
{
    json_t *out = NULL;
    json_t *body =
        json_pack("{s:s, s:f, s:s, s:s, s:f, s:f}", "analyte", analyte, "value", value, "unit",
                  unit, "measured_at", measured, "reference_low", low, "reference_high", high);
    if (!body)
        return ST_NOMEM;
    int st = labresult_create(db, a, p->labs, patient, body, &out, f);
    json_decref(body);
    return keep_status(st, out);
}

static int
demo_assessment(struct db *db, const struct actor *a, int64_t patient, json_t *body, struct fail *f)
{
    json_t *out = NULL;
    if (!body)
        return ST_NOMEM;
    int st = assessment_create(db, a, patient, body, &out, f);
    json_decref(body);
    return keep_status(st, out);
}

int
demo_clinical(struct db *db, const struct protocols *p, int64_t now_ms, struct fail *f)
{
    struct db_user doctor = {0};
    struct db_patient pt[DEMO_CLINICAL_PATIENTS] = {0};
    char today[11], week_ago[11], dose[25];
    int st = db_user_by_name(db, "doctor", &doctor);
    if (st != ST_OK) {
        st = fail_set(f, st == ST_NOT_FOUND ? ST_NOT_FOUND : st, "", "not_found",
                      "the demo doctor is missing: run demo_create first");
        goto out;
    }
    for (int i = 0; i < DEMO_CLINICAL_PATIENTS; i++)
        if ((st = db_patient_get(db, i + 1, &pt[i])) != ST_OK) {
            st = fail_set(f, st, "", "not_found", "the demo needs %d patients for clinical records",
                          DEMO_CLINICAL_PATIENTS);
            goto out;
        }
    struct actor a;
    actor_cli(&a);
    a.user_id = doctor.id;
    a.roles = doctor.roles;
    snprintf(a.username, sizeof(a.username), "%s", doctor.username);

    iso_date(now_ms, today);
    iso_date(now_ms - 7 * DAY_MS, week_ago);
    /* Naproxen taken last night: a session tomorrow morning falls inside its 48 hours. */
    iso_time(now_ms - 14 * HOUR_MS, dose);
    bool women[DEMO_CLINICAL_PATIENTS];
    for (int i = 0; i < DEMO_CLINICAL_PATIENTS; i++)
        women[i] = strcmp(pt[i].sex, "female") == 0;

    /* 1: hair loss, a recent NSAID, low ferritin. */
    if ((st = demo_history(db, &a, p, pt[0].id, women[0],
                           json_pack("[{s:s, s:s, s:s, s:s, s:n, s:b, s:s}]", "drug", "naproxen",
                                     "name", "Naprosyn 500", "class", "nsaid_nonselective", "dose",
                                     "500 mg when needed", "started_on", "ongoing", false,
                                     "last_dose_at", dose),
                           json_array(), f)) != ST_OK ||
        (st = demo_assessment(
             db, &a, pt[0].id,
             json_pack("{s:s, s:s, s:{s:s?, s:s?, s:i, s:b, s:[s,s], s:[s,s]}, s:b, s:b}",
                       "visit_date", today, "complaint", "hair", "hair", "norwood",
                       women[0] ? NULL : "III-vertex", "ludwig", women[0] ? "II" : NULL,
                       "duration_months", 30, "hair_present_in_area", true, "zones", "vertex",
                       "frontal", "factors", "genetics", "stress", "consent_to_risks", true,
                       "acute_illness", false),
             f)) != ST_OK ||
        (st = demo_lab(db, &a, p, pt[0].id, "platelets", 245, "×10⁹/L", 150, 400, week_ago, f)) !=
            ST_OK ||
        (st = demo_lab(db, &a, p, pt[0].id, "haemoglobin", 13.9, "g/dL", 12, 16, week_ago, f)) !=
            ST_OK ||
        (st = demo_lab(db, &a, p, pt[0].id, "ferritin", 22, "ng/mL", 15, 150, week_ago, f)) !=
            ST_OK)
        goto out;

    /* 2: the face, nothing against PRP. */
    if ((st = demo_history(db, &a, p, pt[1].id, women[1], json_array(), json_array(), f)) !=
            ST_OK ||
        (st = demo_assessment(db, &a, pt[1].id,
                              json_pack("{s:s, s:s, s:{s:[s,s], s:s, s:s, s:b}, s:b, s:b}",
                                        "visit_date", today, "complaint", "face", "face",
                                        "indications", "fine_lines", "dark_circles", "fitzpatrick",
                                        "III", "glogau", "II", "high_risk_zone_planned", false,
                                        "consent_to_risks", true, "acute_illness", false),
                              f)) != ST_OK ||
        (st = demo_lab(db, &a, p, pt[1].id, "platelets", 260000, "/µL", 150000, 400000, week_ago,
                       f)) != ST_OK ||
        (st = demo_lab(db, &a, p, pt[1].id, "haemoglobin", 128, "g/L", 120, 160, week_ago, f)) !=
            ST_OK)
        goto out;

    /* 3: hair loss with well-controlled hypertension and no lab results yet. */
    st = demo_history(db, &a, p, pt[2].id, women[2], json_array(),
                      json_pack("[{s:s, s:b, s:s}]", "code", "hypertension", "active", true, "note",
                                "treated, stable"),
                      f);
    if (st == ST_OK)
        st = demo_assessment(
            db, &a, pt[2].id,
            json_pack("{s:s, s:s, s:{s:s?, s:o, s:b, s:[s]}, s:b, s:b}", "visit_date", today,
                      "complaint", "hair", "hair", "norwood", women[2] ? NULL : "IV", "sinclair",
                      women[2] ? json_integer(3) : json_null(), "hair_present_in_area", true,
                      "zones", "midscalp", "consent_to_risks", true, "acute_illness", false),
            f);
out:
    db_user_release(&doctor);
    for (int i = 0; i < DEMO_CLINICAL_PATIENTS; i++)
        db_patient_release(&pt[i]);
    return st;
}
