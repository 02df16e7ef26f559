/* The demo clinic generator: deterministic, so that every demo database looks the same. */
#include "clinic/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/assessment.h"
#include "clinic/audit.h"
#include "clinic/course.h"
#include "clinic/history.h"
#include "clinic/labresult.h"
#include "clinic/patient.h"
#include "clinic/role.h"
#include "clinic/schedule.h"
#include "clinic/screening_record.h"
#include "clinic/user.h"
#include "core/clinic_tz.h"
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
                                           {"Procedure room", "procedure"},
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
            ST_OK ||
        /* the blood count the preparation designer starts from */
        (st = demo_lab(db, &a, p, pt[0].id, "haematocrit", 0.43, "L/L", 0.40, 0.50, week_ago, f)) !=
            ST_OK ||
        (st = demo_lab(db, &a, p, pt[0].id, "wbc", 6.8, "×10⁹/L", 4, 11, week_ago, f)) != ST_OK)
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
            ST_OK ||
        /* a full blood count, so that the designer of the face course's session has it all */
        (st = demo_lab(db, &a, p, pt[1].id, "haematocrit", 39, "%", 36, 46, week_ago, f)) !=
            ST_OK ||
        (st = demo_lab(db, &a, p, pt[1].id, "wbc", 6.2, "×10⁹/L", 4, 11, week_ago, f)) != ST_OK ||
        (st = demo_lab(db, &a, p, pt[1].id, "neutrophils", 3.6, "×10⁹/L", 2, 7.5, week_ago, f)) !=
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

/* ---- the demo clinic's calendar ---- */

/* An actor for a demo user, as if they were logged in. */
static int
demo_actor(struct db *db, const char *username, struct actor *a, struct fail *f)
{
    struct db_user u;
    actor_cli(a);
    int st = db_user_by_name(db, username, &u);
    if (st != ST_OK)
        return fail_set(f, st == ST_NOT_FOUND ? ST_NOT_FOUND : st, "", "not_found",
                        "the demo user '%s' is missing: run demo_create first", username);
    a->user_id = u.id;
    a->roles = u.roles;
    snprintf(a->username, sizeof(a->username), "%s", u.username);
    db_user_release(&u);
    return ST_OK;
}

/* Runs a domain call that answers with a record and returns the record's id (0 on failure). */
static int64_t
created_id(int st, json_t *answer)
{
    int64_t id = st == ST_OK ? json_integer_value(json_object_get(answer, "id")) : 0;
    json_decref(answer);
    return id;
}

/* The n-th day after `from` (n >= 1 counts open days only) that the demo clinic opens:
 * Saturday to Thursday, and not the holiday. */
static void
open_day(const struct date *from, int n, const struct date *holiday, struct date *out)
{
    *out = *from;
    while (n > 0) {
        date_add_days(out, 1, out);
        if (date_iso_weekday(out) != 5 && date_compare(out, holiday) != 0)
            n--;
    }
}

/* The demo's course: the doctor screens the patient eligible for PRP of the face for a session
 * at `at`, signs the result to proceed and prescribes the course from that day, sold as a
 * package. *first_item is the course's first session. */
static int
demo_course(struct db *db, const struct protocols *p, int64_t patient, const char *at,
            const struct date *start, int64_t *first_item, struct fail *f)
{
    struct actor doctor;
    json_t *out = NULL;
    char day[11];
    *first_item = 0;
    int st = demo_actor(db, "doctor", &doctor, f);
    if (st != ST_OK)
        return st;
    json_t *body = json_pack("{s:s, s:s}", "treatment", "prp-face", "session_at", at);
    st = body ? screening_record_create(db, p, &doctor, patient, body, &out, f) : ST_NOMEM;
    json_decref(body);
    int64_t screening = created_id(st, out);
    if (!screening)
        return st != ST_OK ? st : ST_NOMEM;
    body = json_pack("{s:s}", "decision", "proceed");
    st = body ? screening_record_sign(db, &doctor, screening, body, &out, f) : ST_NOMEM;
    json_decref(body);
    json_decref(out);
    out = NULL;
    if (st != ST_OK)
        return st;
    date_format(start, day);
    body = json_pack("{s:s, s:s, s:b}", "protocol", "prp-face", "start_date", day, "package", 1);
    st = body ? course_prescribe(db, p, &doctor, patient, body, &out, f) : ST_NOMEM;
    json_decref(body);
    if (st == ST_OK)
        *first_item = json_integer_value(
            json_object_get(json_array_get(json_object_get(out, "items"), 0), "id"));
    json_decref(out);
    return st == ST_OK && !*first_item ? ST_NOMEM : st;
}

/* Books one demo appointment at local `minute` of day `d` (for a course session when `item`). */
static int
demo_book(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
          const struct actor *a, int64_t patient, int64_t item, const char *kind,
          const struct date *d, int minute, int duration, int prep, int64_t room, int64_t clinician,
          int64_t centrifuge, const char *notes, struct fail *f)
{
    int64_t start;
    char at[25];
    json_t *out = NULL;
    if (clinic_tz_to_utc(d, minute, &start) != ST_OK)
        return fail_set(f, ST_INVALID, "start", "invalid_date", "the demo time does not exist");
    time_format_ms(start, at);
    json_t *body = json_pack("{s:I, s:s, s:s, s:i, s:i, s:I, s:I, s:o, s:s?}", "patient_id",
                             (json_int_t)patient, "kind", kind, "start", at, "duration_minutes",
                             duration, "prep_minutes", prep, "room_id", (json_int_t)room,
                             "clinician_id", (json_int_t)clinician, "centrifuge_id",
                             centrifuge ? json_integer(centrifuge) : json_null(), "notes", notes);
    if (body && item && json_object_set_new(body, "course_item_id", json_integer(item)) != 0) {
        json_decref(body);
        body = NULL;
    }
    if (!body)
        return ST_NOMEM;
    int st = schedule_book(db, cs, p, a, body, &out, f);
    json_decref(body);
    return keep_status(st, out);
}

/* Books course item `item` of `patient` at the first free slot the calendar offers in the
 * item's window from now on, with the room, clinician and centrifuge offered and the item's
 * length and preparation. */
static int
demo_book_first_slot(struct db *db, const struct clinic_settings *cs, const struct protocols *p,
                     const struct actor *a, int64_t patient, int64_t item, const char *notes,
                     struct fail *f)
{
    struct schedule_slot_params sp = {0};
    char item_s[24];
    json_t *out = NULL, *body = NULL;
    snprintf(item_s, sizeof(item_s), "%lld", (long long)item);
    sp.course_item = item_s;
    sp.limit = "1";
    int st = schedule_slots(db, cs, &sp, &out, f);
    if (st != ST_OK)
        return st;
    json_t *slot = json_array_get(json_object_get(out, "slots"), 0);
    if (!slot) {
        json_decref(out);
        return fail_set(f, ST_NOT_FOUND, "", "not_found",
                        "the demo course session finds no free slot in its window");
    }
    json_t *centrifuge = json_object_get(json_object_get(slot, "centrifuge"), "id");
    body = json_pack("{s:I, s:I, s:s, s:O, s:O, s:O, s:O, s:s}", "patient_id", (json_int_t)patient,
                     "course_item_id", (json_int_t)item, "kind", "session", "start",
                     json_object_get(slot, "start"), "room_id",
                     json_object_get(json_object_get(slot, "room"), "id"), "clinician_id",
                     json_object_get(json_object_get(slot, "clinician"), "id"), "centrifuge_id",
                     centrifuge ? centrifuge : json_null(), "notes", notes);
    json_decref(out);
    out = NULL;
    if (!body)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    st = schedule_book(db, cs, p, a, body, &out, f);
    json_decref(body);
    return keep_status(st, out);
}

int
demo_calendar(struct db *db, const struct protocols *p, int64_t now_ms, struct fail *f)
{
    struct actor admin, reception;
    struct db_user doctor = {0}, nurse = {0};
    struct clinic_settings cs;
    struct date today, holiday, d;
    char first[11];
    int minute;
    json_t *out = NULL;
    int64_t room[4] = {0}, centrifuge[2] = {0}, clinician[2] = {0};

    clinic_settings_default(&cs);
    int st = demo_actor(db, "admin", &admin, f);
    if (st == ST_OK)
        st = demo_actor(db, "reception", &reception, f);
    if (st == ST_OK && ((st = db_user_by_name(db, "doctor", &doctor)) != ST_OK ||
                        (st = db_user_by_name(db, "nurse", &nurse)) != ST_OK))
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "the demo clinicians are missing");
    if (st != ST_OK)
        goto out;
    for (int i = 0; i < DEMO_CALENDAR_PATIENTS; i++) {
        struct db_patient pt;
        if (db_patient_get(db, i + 1, &pt) != ST_OK) {
            st = fail_set(f, ST_NOT_FOUND, "", "not_found", "the demo calendar needs %d patients",
                          DEMO_CALENDAR_PATIENTS);
            goto out;
        }
        db_patient_release(&pt);
    }

    /* A Gulf clinic: Saturday to Thursday, 09:00 to 18:00; Friday closed. */
    json_t *hours = json_pack("{s:[]}", "opening_hours");
    for (int wd = 1; hours && wd <= 7; wd++)
        if (wd != 5)
            json_array_append_new(
                json_object_get(hours, "opening_hours"),
                json_pack("{s:i, s:s, s:s}", "weekday", wd, "open", "09:00", "close", "18:00"));
    st = hours ? schedule_hours_put(db, &admin, hours, &out, f) : ST_NOMEM;
    json_decref(hours);
    if ((st = keep_status(st, out)) != ST_OK)
        goto out;

    /* The rooms demo_create made, by name. */
    static const char *const room_names[] = {"Treatment room 1", "Treatment room 2",
                                             "Procedure room", "Consultation room"};
    st = schedule_rooms_list(db, &out, f);
    if (st != ST_OK)
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(out, "rooms"), i, r)
    {
        for (int k = 0; k < 4; k++)
            if (strcmp(json_string_value(json_object_get(r, "name")), room_names[k]) == 0)
                room[k] = json_integer_value(json_object_get(r, "id"));
    }
    json_decref(out);
    out = NULL;
    for (int k = 0; k < 4; k++)
        if (!room[k]) {
            st = fail_set(f, ST_NOT_FOUND, "", "not_found", "the demo room '%s' is missing",
                          room_names[k]);
            goto out;
        }

    /* The doctor works Saturday to Thursday 09:00-17:00, the nurse 10:00-18:00. */
    const struct db_user *staff[] = {&doctor, &nurse};
    for (int c = 0; c < 2; c++) {
        json_t *body = json_pack("{s:I, s:[]}", "user_id", (json_int_t)staff[c]->id, "hours");
        for (int wd = 1; body && wd <= 7; wd++)
            if (wd != 5)
                json_array_append_new(json_object_get(body, "hours"),
                                      json_pack("{s:i, s:s, s:s}", "weekday", wd, "start",
                                                c == 0 ? "09:00" : "10:00", "end",
                                                c == 0 ? "17:00" : "18:00"));
        st = body ? schedule_clinician_create(db, &admin, body, &out, f) : ST_NOMEM;
        json_decref(body);
        if (!(clinician[c] = created_id(st, out)))
            goto out;
        out = NULL;
    }

    static const struct {
        const char *name, *model, *rotor_type;
        int radius_mm;
    } centrifuges[] = {{"Centrifuge A", "Benchtop PRP centrifuge (demo)", "swing_out", 86},
                       {"Centrifuge B", "Benchtop PRP centrifuge (demo)", "fixed_angle", 100}};
    for (int c = 0; c < 2; c++) {
        json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "name", centrifuges[c].name, "model",
                                 centrifuges[c].model, "rotor_radius_mm", centrifuges[c].radius_mm,
                                 "rotor_type", centrifuges[c].rotor_type);
        st = body ? schedule_centrifuge_create(db, &admin, body, &out, f) : ST_NOMEM;
        json_decref(body);
        if (!(centrifuge[c] = created_id(st, out)))
            goto out;
        out = NULL;
    }

    /* A public holiday three weeks ahead (a Friday's holiday moves to the Saturday). */
    clinic_tz_from_utc(now_ms, &today, &minute);
    date_add_days(&today, 21, &holiday);
    if (date_iso_weekday(&holiday) == 5)
        date_add_days(&holiday, 1, &holiday);
    date_format(&holiday, first);
    json_t *closure = json_pack("{s:s, s:s, s:s}", "first_date", first, "last_date", first,
                                "reason", "Public holiday");
    st = closure ? schedule_closure_create(db, &admin, closure, &out, f) : ST_NOMEM;
    json_decref(closure);
    if ((st = keep_status(st, out)) != ST_OK)
        goto out;

    /* A few appointments in the coming open days, booked by the receptionist. */
    open_day(&today, 1, &holiday, &d);
    st = demo_book(db, &cs, p, &reception, 1, 0, "consultation", &d, 10 * 60, 30, 0, room[3],
                   clinician[0], 0, "Hair loss: first consultation", f);
    /* The second patient's PRP of the face is the first session of a course prescribed today,
     * at the next free slot, so that a session is there to take through the chair flow. */
    int64_t face_item = 0;
    char face_at[25];
    time_format_ms(now_ms + HOUR_MS, face_at);
    if (st == ST_OK)
        st = demo_course(db, p, 2, face_at, &today, &face_item, f);
    if (st == ST_OK)
        st = demo_book_first_slot(db, &cs, p, &reception, 2, face_item, "PRP of the face", f);
    open_day(&today, 2, &holiday, &d);
    if (st == ST_OK)
        st = demo_book(db, &cs, p, &reception, 3, 0, "consultation", &d, 9 * 60 + 30, 30, 0,
                       room[3], clinician[0], 0, NULL, f);
    if (st == ST_OK)
        st = demo_book(db, &cs, p, &reception, 4, 0, "session", &d, 14 * 60, 60, 30, room[1],
                       clinician[1], centrifuge[1], "PRP of the scalp", f);
    open_day(&today, 3, &holiday, &d);
    if (st == ST_OK)
        st = demo_book(db, &cs, p, &reception, 2, 0, "follow_up", &d, 12 * 60, 30, 0, room[3],
                       clinician[1], 0, NULL, f);
out:
    db_user_release(&doctor);
    db_user_release(&nurse);
    return st;
}
