/* Unit tests of src/clinic/reminders.c: the composed texts in English and Arabic (from the
 * shipped screening rules and drug dictionary, and a course's protocol), the counted nouns of
 * the deferral windows, the .ics file, and the sync against a migrated database whose
 * appointments are written with SQL: book, move, cancel, done, no contact, past due. */
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
#include "clinic/reminders.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "testdb.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define H INT64_C(3600000)
#define D (24 * H)
/* "Now" of the fixed cases: Saturday 2026-11-21T09:30:00Z. */
#define NOW INT64_C(1795253400000)
/* The session: Tuesday 2026-12-01T05:00:00Z, 09:00 in Dubai. */
#define S INT64_C(1796101200000)

#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"

static struct protocols *protocols;

/* A course's protocol document as the courses code stores it (only what reminders read). */
static const char protocol_doc[] =
    "{\"code\":\"prp-hair\",\"label\":{\"en\":\"PRP for the scalp\",\"ar\":\"البلازما الغنية "
    "بالصفائح الدموية لفروة الرأس\"},\"screening_treatment\":\"prp-hair\","
    "\"pre_session_instructions\":[{\"code\":\"wash\",\"text\":{\"en\":\"Wash your hair on the "
    "morning of the session.\",\"ar\":\"يُرجى غسل الشعر صباح يوم الجلسة.\"}}],"
    "\"aftercare\":[{\"code\":\"no_wash\",\"text\":{\"en\":\"Do not wash your hair until the "
    "next day.\",\"ar\":\"يُرجى عدم غسل الشعر حتى اليوم التالي.\"}},{\"code\":\"no_sport\","
    "\"text\":{\"en\":\"No hard exercise today.\",\"ar\":\"يُرجى تجنب التمارين الشاقة اليوم.\"}}],"
    "\"side_effects\":[{\"code\":\"pain\",\"label\":{\"en\":\"pain where the injections were\","
    "\"ar\":\"ألم في مواضع الحقن\"}},{\"code\":\"swelling\",\"label\":{\"en\":\"swelling\","
    "\"ar\":\"تورم\"}}]}";

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
    if (clinic_tz_set("Asia/Dubai", &f) != ST_OK) {
        fprintf(stderr, "no time zone Asia/Dubai: %s\n", f.message);
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

static json_t *
parse(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (!j)
        fail_msg("bad test JSON: %s", err.text);
    return j;
}

/* A booked session of an English-speaking patient with a phone number, ten days ahead. */
static struct reminders_facts
booked(void)
{
    return (struct reminders_facts){
        .appointment_id = 501,
        .kind = "session",
        .status = "booked",
        .start_ms = S,
        .end_ms = S + H,
        .version = 1,
        .now_ms = NOW,
        .language = "en",
        .given_name = "Sample",
        .phone = "+971500000001",
        .email = "sample.patient@example.invalid",
        .treatment = "prp-hair",
        .rules = protocols->screening,
        .drugs = protocols->drugs,
    };
}

static void
test_compose_english(void **state)
{
    (void)state;
    struct reminders_facts fa = booked();
    struct reminders_plan p;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    const struct reminders_message *r = &p.m[REMINDERS_REMINDER],
                                   *in = &p.m[REMINDERS_INSTRUCTIONS];
    assert_true(r->wanted);
    assert_int_equal(r->due_ms, S - 2 * D);
    assert_string_equal(r->channel, "sms");
    assert_string_equal(r->recipient, "+971500000001");
    assert_string_equal(r->language, "en");
    assert_null(r->subject); /* an SMS has none */
    assert_string_equal(r->body, "Hello Sample,\n"
                                 "Reminder from the clinic: you have a treatment session on "
                                 "Tuesday 1 December 2026 at 09:00.\n"
                                 "If you cannot come, please call us to change the time.");
    assert_true(in->wanted);
    assert_int_equal(in->due_ms, S - 2 * D); /* with the reminder */
    /* The deferral of screening.json's NSAID rules, with the dictionary's drugs as examples. */
    assert_string_equal(in->body,
                        "Hello Sample,\n"
                        "Before your treatment session at the clinic on Tuesday 1 December 2026 "
                        "at 09:00:\n"
                        "- Do not take any non-selective NSAID (such as ibuprofen, naproxen or "
                        "diclofenac) for 48 hours before the session.\n"
                        "Please do not stop a medicine that a doctor prescribed for you without "
                        "asking that doctor, and tell our team about all the medicines you take.");
    assert_false(p.m[REMINDERS_AFTERCARE_DAY1].wanted);
    assert_false(p.m[REMINDERS_AFTERCARE_DAY7].wanted);
    reminders_plan_release(&p);
    reminders_plan_release(&p);
    reminders_plan_release(NULL);
}

static void
test_compose_arabic(void **state)
{
    (void)state;
    json_t *doc = parse(protocol_doc);
    struct reminders_facts fa = booked();
    struct reminders_plan p;
    fa.language = "ar";
    fa.given_name = "ليلى";
    fa.phone = NULL; /* an e-mail, with a subject */
    fa.clinic_name = "Example Clinic";
    fa.protocol = doc;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    const struct reminders_message *r = &p.m[REMINDERS_REMINDER],
                                   *in = &p.m[REMINDERS_INSTRUCTIONS];
    assert_string_equal(r->channel, "email");
    assert_string_equal(r->recipient, "sample.patient@example.invalid");
    assert_string_equal(r->language, "ar");
    assert_string_equal(r->subject, "موعدك يوم الثلاثاء 1 ديسمبر 2026 الساعة 09:00");
    /* The Latin clinic name keeps its direction inside the Arabic sentence. */
    assert_string_equal(r->body, "مرحبًا ليلى،\n"
                                 "تذكير من " FSI "Example Clinic" PDI
                                 ": لديك موعد لجلسة العلاج يوم الثلاثاء 1 ديسمبر 2026 الساعة "
                                 "09:00.\n"
                                 "إذا تعذّر عليك الحضور، فيُرجى الاتصال بنا لتغيير الموعد.");
    assert_string_equal(in->subject, "قبل جلستك يوم الثلاثاء 1 ديسمبر 2026");
    assert_string_equal(in->body,
                        "مرحبًا ليلى،\n"
                        "قبل جلسة العلاج في " FSI "Example Clinic" PDI
                        " يوم الثلاثاء 1 ديسمبر 2026 الساعة 09:00:\n"
                        "- يُرجى عدم تناول أي مضاد التهاب غير ستيرويدي غير انتقائي (مثل إيبوبروفين "
                        "أو نابروكسين أو ديكلوفيناك) خلال 48 ساعة قبل الجلسة.\n"
                        "- يُرجى غسل الشعر صباح يوم الجلسة.\n"
                        "يُرجى عدم إيقاف أي دواء وصفه لك طبيب دون استشارته، وإبلاغ فريقنا بجميع "
                        "أدويتك الحالية.");
    reminders_plan_release(&p);

    /* A patient with only a Latin name gets it isolated in Arabic; an English text isolates an
     * Arabic name. */
    fa.given_name = "Layla";
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_memory_equal(p.m[REMINDERS_REMINDER].body, "مرحبًا " FSI "Layla" PDI "،\n",
                        strlen("مرحبًا " FSI "Layla" PDI "،\n"));
    reminders_plan_release(&p);
    fa.language = "en";
    fa.given_name = "ليلى";
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_memory_equal(p.m[REMINDERS_REMINDER].body, "Hello " FSI "ليلى" PDI ",\n",
                        strlen("Hello " FSI "ليلى" PDI ",\n"));
    assert_string_equal(p.m[REMINDERS_REMINDER].subject,
                        "Your appointment on Tuesday 1 December 2026 at 09:00");
    assert_string_equal(p.m[REMINDERS_INSTRUCTIONS].subject,
                        "Before your session on Tuesday 1 December 2026");
    reminders_plan_release(&p);
    json_decref(doc);
}

static void
test_compose_aftercare(void **state)
{
    (void)state;
    json_t *doc = parse(protocol_doc);
    struct reminders_facts fa = booked();
    struct reminders_plan p;
    fa.status = "done";
    fa.now_ms = S + 2 * H;
    fa.protocol = doc;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_false(p.m[REMINDERS_REMINDER].wanted);
    assert_false(p.m[REMINDERS_INSTRUCTIONS].wanted);
    const struct reminders_message *d1 = &p.m[REMINDERS_AFTERCARE_DAY1];
    const struct reminders_message *d7 = &p.m[REMINDERS_AFTERCARE_DAY7];
    assert_int_equal(d1->due_ms, S + H + D);     /* 24 hours after the end */
    assert_int_equal(d7->due_ms, S + H + 7 * D); /* a week after the end */
    assert_string_equal(d1->body, "Hello Sample,\n"
                                  "We hope you are well after your treatment session at the "
                                  "clinic yesterday. How are you feeling today?\n"
                                  "A reminder of your aftercare:\n"
                                  "- Do not wash your hair until the next day.\n"
                                  "- No hard exercise today.\n"
                                  "If anything worries you, please call us.");
    assert_string_equal(d7->body, "Hello Sample,\n"
                                  "It is a week since your treatment session at the clinic. How "
                                  "is the treated area?\n"
                                  "Please tell us if you have noticed any of these: pain where "
                                  "the injections were, swelling.\n"
                                  "If anything worries you, please call us.");
    reminders_plan_release(&p);

    fa.language = "ar";
    fa.given_name = NULL;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_string_equal(p.m[REMINDERS_AFTERCARE_DAY1].body,
                        "نأمل أن تكون صحتك جيدة بعد جلسة العلاج في العيادة أمس. كيف حالك اليوم؟\n"
                        "تذكير بتعليمات العناية بعد الجلسة:\n"
                        "- يُرجى عدم غسل الشعر حتى اليوم التالي.\n"
                        "- يُرجى تجنب التمارين الشاقة اليوم.\n"
                        "إذا لاحظت ما يقلقك، فيُرجى الاتصال بنا.");
    assert_string_equal(p.m[REMINDERS_AFTERCARE_DAY7].body,
                        "مضى أسبوع على جلسة العلاج في العيادة. كيف حال المنطقة المعالَجة؟\n"
                        "يُرجى إبلاغنا إذا لاحظت أيًّا مما يلي: ألم في مواضع الحقن، تورم.\n"
                        "إذا لاحظت ما يقلقك، فيُرجى الاتصال بنا.");
    reminders_plan_release(&p);

    /* Without a protocol: the short general check-ins. */
    fa.protocol = NULL;
    fa.language = "en";
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_string_equal(p.m[REMINDERS_AFTERCARE_DAY1].body,
                        "We hope you are well after your treatment session at the clinic "
                        "yesterday. How are you feeling today?\n"
                        "If anything worries you, please call us.");
    assert_string_equal(p.m[REMINDERS_AFTERCARE_DAY7].body,
                        "It is a week since your treatment session at the clinic. How is the "
                        "treated area?\n"
                        "If anything worries you, please call us.");
    reminders_plan_release(&p);
    json_decref(doc);
}

/* Which messages which facts call for. */
static void
test_compose_what_when(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *status;
        int64_t now;
        bool phone, email, deleted;
        bool want[REMINDERS_NKINDS];
    } cases[] = {
        {"session", "booked", NOW, true, true, false, {true, true, false, false}},
        {"follow_up", "booked", NOW, true, false, false, {true, false, false, false}},
        {"consultation", "booked", NOW, false, true, false, {true, false, false, false}},
        /* no phone number, no e-mail address: nothing, and no failure */
        {"session", "booked", NOW, false, false, false, {false, false, false, false}},
        {"session", "booked", NOW, true, true, true, {false, false, false, false}},
        /* begun, or no longer booked: no reminder */
        {"session", "booked", S, true, false, false, {false, false, false, false}},
        {"session", "checked_in", NOW, true, false, false, {false, false, false, false}},
        {"session", "in_progress", NOW, true, false, false, {false, false, false, false}},
        {"session", "cancelled", NOW, true, false, false, {false, false, false, false}},
        {"session", "no_show", NOW, true, false, false, {false, false, false, false}},
        {"session", "done", S + 2 * H, true, false, false, {false, false, true, true}},
        /* a follow-up visit that was done asks nothing afterwards */
        {"follow_up", "done", S + 2 * H, true, false, false, {false, false, false, false}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct reminders_facts fa = booked();
        struct reminders_plan p;
        fa.kind = cases[i].kind;
        fa.status = cases[i].status;
        fa.now_ms = cases[i].now;
        fa.phone = cases[i].phone ? "+971500000001" : "";
        fa.email = cases[i].email ? "sample.patient@example.invalid" : NULL;
        fa.patient_deleted = cases[i].deleted;
        assert_int_equal(reminders_compose(&fa, &p), ST_OK);
        for (int k = 0; k < REMINDERS_NKINDS; k++)
            if (p.m[k].wanted != cases[i].want[k])
                fail_msg("case %zu (%s %s): %s wanted %d", i, cases[i].kind, cases[i].status,
                         reminders_kind_name((enum reminders_kind)k), p.m[k].wanted);
        reminders_plan_release(&p);
    }

    /* A session whose rules and protocol say nothing before it gets no instructions. */
    struct reminders_facts fa = booked();
    struct reminders_plan p;
    fa.rules = NULL;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_true(p.m[REMINDERS_REMINDER].wanted);
    assert_false(p.m[REMINDERS_INSTRUCTIONS].wanted);
    reminders_plan_release(&p);
    /* Without the dictionary the class is named without examples. */
    fa = booked();
    fa.drugs = NULL;
    assert_int_equal(reminders_compose(&fa, &p), ST_OK);
    assert_non_null(strstr(p.m[REMINDERS_INSTRUCTIONS].body,
                           "- Do not take any non-selective NSAID for 48 hours before the "
                           "session.\n"));
    reminders_plan_release(&p);
    assert_string_equal(reminders_kind_name(REMINDERS_AFTERCARE_DAY7), "aftercare_day7");
    assert_string_equal(reminders_kind_name(REMINDERS_NKINDS), "unknown");
}

/* The windows of a rules file with one deferring class, as the instructions say them. */
static void
test_windows_counted(void **state)
{
    (void)state;
    static const struct {
        const char *window; /* the condition's window field */
        const char *en, *ar;
    } cases[] = {
        {"\"window_hours\":1", "for 1 hour before", "خلال ساعة واحدة قبل"},
        {"\"window_hours\":2", "for 2 hours before", "خلال ساعتين قبل"},
        {"\"window_hours\":5", "for 5 hours before", "خلال 5 ساعات قبل"},
        {"\"window_hours\":48", "for 48 hours before", "خلال 48 ساعة قبل"},
        {"\"window_hours\":100", "for 100 hours before", "خلال 100 ساعة قبل"},
        {"\"window_hours\":103", "for 103 hours before", "خلال 103 ساعات قبل"},
        {"\"window_days\":1", "for 1 day before", "خلال يوم واحد قبل"},
        {"\"window_days\":10", "for 10 days before", "خلال 10 أيام قبل"},
        {"\"window_days\":14", "for 14 days before", "خلال 14 يومًا قبل"},
        {"\"window_months\":2", "for 2 months before", "خلال شهرين قبل"},
        {"\"window_months\":6", "for 6 months before", "خلال 6 أشهر قبل"},
        {"\"window_months\":12", "for 12 months before", "خلال 12 شهرًا قبل"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char text[2048];
        snprintf(text, sizeof(text),
                 "{\"schema_version\":1,\"lab_max_age_days\":90,\"lab_max_age_days_source\":\"x\","
                 "\"treatments\":[{\"code\":\"t\",\"complaint\":\"hair\",\"label\":{\"en\":\"t\","
                 "\"ar\":\"ت\"}}],\"conditions\":[{\"code\":\"c\",\"label\":{\"en\":\"c\","
                 "\"ar\":\"ج\"}}],\"medication_classes\":[{\"code\":\"sample\",\"label\":{\"en\":"
                 "\"sample medicine\",\"ar\":\"دواء تجريبي\"}}],\"analytes\":[{\"code\":\"a\","
                 "\"unit\":\"u\",\"label\":{\"en\":\"a\",\"ar\":\"أ\"}}],\"findings\":[{\"code\":"
                 "\"b\",\"type\":\"boolean\",\"label\":{\"en\":\"b\",\"ar\":\"ب\"}}],\"rules\":[{"
                 "\"id\":\"R-1\",\"treatments\":[\"t\"],\"condition\":{\"kind\":\"medication\","
                 "\"classes\":[\"sample\"],%s,\"required\":true},\"effect\":\"defer\",\"tier\":"
                 "\"E\",\"source\":\"s\",\"text\":{\"clinician\":{\"en\":\"x\",\"ar\":\"س\"},"
                 "\"patient\":{\"en\":\"x\",\"ar\":\"س\"}}}]}",
                 cases[i].window);
        struct screening_rules *rules = NULL;
        struct fail f;
        if (screening_rules_parse("windows.json", text, strlen(text), &rules, &f) != ST_OK)
            fail_msg("%s", f.message);
        struct reminders_facts fa = booked();
        struct reminders_plan p;
        fa.rules = rules;
        fa.treatment = "t";
        fa.drugs = NULL;
        assert_int_equal(reminders_compose(&fa, &p), ST_OK);
        if (!strstr(p.m[REMINDERS_INSTRUCTIONS].body, cases[i].en))
            fail_msg("%s: %s", cases[i].window, p.m[REMINDERS_INSTRUCTIONS].body);
        reminders_plan_release(&p);
        fa.language = "ar";
        assert_int_equal(reminders_compose(&fa, &p), ST_OK);
        if (!strstr(p.m[REMINDERS_INSTRUCTIONS].body, cases[i].ar))
            fail_msg("%s: %s", cases[i].window, p.m[REMINDERS_INSTRUCTIONS].body);
        reminders_plan_release(&p);
        screening_rules_free(rules);
    }
}

/* Undoes the folding of an .ics text (CRLF + space), keeping line ends. */
static char *
unfolded(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = calloc(n + 1, 1);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == ' ') {
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    return out;
}

static void
test_ics_texts(void **state)
{
    (void)state;
    json_t *doc = parse(protocol_doc);
    struct reminders_facts fa = booked();
    char *ics = NULL;
    fa.version = 3;
    fa.protocol = doc;
    fa.clinic_name = "Example Clinic";
    fa.room_name = "Room 1";
    assert_int_equal(reminders_ics(&fa, "en", NOW, &ics), ST_OK);
    char *flat = unfolded(ics);
    static const char *const en[] = {
        "\r\nUID:appointment-501@autologa\r\n",
        "\r\nDTSTAMP:20261121T093000Z\r\n",
        "\r\nDTSTART:20261201T050000Z\r\n",
        "\r\nDTEND:20261201T060000Z\r\n",
        "\r\nSEQUENCE:2\r\n",
        "\r\nSTATUS:CONFIRMED\r\n",
        "\r\nSUMMARY;LANGUAGE=en:Treatment session: PRP for the scalp\r\n",
        "\r\nLOCATION;LANGUAGE=en:Example Clinic\\, Room 1\r\n",
        "\r\nDESCRIPTION;LANGUAGE=en:Treatment session at Example Clinic on Tuesday 1 "
        "December 2026 at 09:00 (Asia/Dubai).\\n\\nBefore the session:\\n- Do not take any "
        "non-selective NSAID (such as ibuprofen\\, naproxen or diclofenac) for 48 hours before "
        "the session.\\n- Wash your hair on the morning of the session.\\n",
    };
    for (size_t i = 0; i < N(en); i++)
        if (!strstr(flat, en[i]))
            fail_msg("missing %s in\n%s", en[i], flat);
    free(flat);
    free(ics);

    fa.status = "cancelled";
    fa.kind = "follow_up";
    fa.protocol = NULL;
    fa.clinic_name = NULL;
    assert_int_equal(reminders_ics(&fa, "ar", NOW, &ics), ST_OK);
    flat = unfolded(ics);
    static const char *const ar[] = {
        "\r\nSTATUS:CANCELLED\r\n",
        "\r\nSUMMARY;LANGUAGE=ar:زيارة متابعة\r\n",
        "\r\nLOCATION;LANGUAGE=ar:" FSI "Room 1" PDI "\r\n",
        "\r\nDESCRIPTION;LANGUAGE=ar:زيارة متابعة في العيادة يوم الثلاثاء 1 ديسمبر 2026 الساعة "
        "09:00 (" FSI "Asia/Dubai" PDI ").\r\n",
    };
    for (size_t i = 0; i < N(ar); i++)
        if (!strstr(flat, ar[i]))
            fail_msg("missing %s in\n%s", ar[i], flat);
    free(flat);
    free(ics);
    json_decref(doc);
}

static void
test_clinic_name_setting(void **state)
{
    (void)state;
    char longer[300];
    assert_null(reminders_clinic_name());
    reminders_set_clinic_name("Example Clinic");
    assert_string_equal(reminders_clinic_name(), "Example Clinic");
    /* Cut to the cap without splitting a two-byte letter. */
    longer[0] = 'x';
    for (int i = 0; i < 100; i++)
        memcpy(longer + 1 + 2 * i, "\xd8\xb3", 2);
    longer[201] = '\0';
    reminders_set_clinic_name(longer);
    assert_int_equal(strlen(reminders_clinic_name()), REMINDERS_CLINIC_NAME_MAX - 1);
    reminders_set_clinic_name("");
    assert_null(reminders_clinic_name());
    reminders_set_clinic_name(NULL);
    assert_null(reminders_clinic_name());
}

/* ---- the sync, on appointments written with SQL ---- */

static struct testdb *
tdb(void **state)
{
    return *state;
}

static void
sql(void **state, const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    assert_int_equal(testdb_exec(tdb(state), text), 0);
}

static int64_t
add_patient(void **state, const char *lang, const char *phone, const char *email)
{
    struct db *db = tdb(state)->db;
    struct db_patient p;
    struct actor a;
    memset(&p, 0, sizeof(p));
    actor_cli(&a);
    if (strcmp(lang, "ar") == 0) {
        p.given_name_ar = strdup("ليلى");
        p.family_name_ar = strdup("تجريبي");
    } else {
        p.given_name = strdup("Sample");
        p.family_name = strdup("Testpatient");
    }
    p.phone = phone ? strdup(phone) : NULL;
    p.email = email ? strdup(email) : NULL;
    snprintf(p.date_of_birth, sizeof(p.date_of_birth), "1985-06-15");
    snprintf(p.sex, sizeof(p.sex), "female");
    snprintf(p.preferred_language, sizeof(p.preferred_language), "%s", lang);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(patient_insert_tx(db, &a, &p, NOW), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    int64_t id = p.id;
    db_patient_release(&p);
    return id;
}

/* A clinician, a room, and a course of prp-hair with one session item for `patient`. */
static void
calendar(void **state, int64_t patient)
{
    sql(state,
        "INSERT INTO users (id, username, display_name, password_hash, roles, created_at)"
        " VALUES (1, 'doctor1', 'Sample Doctor', 'not-a-hash', 2, 0);"
        "INSERT INTO clinicians (id, user_id) VALUES (1, 1);"
        "INSERT INTO rooms (id, name, kind) VALUES (1, 'Room 1', 'treatment');"
        "INSERT INTO screenings (id, patient_id, treatment, session_at, outcome, result, inputs,"
        " rules_sha256, computed_at) VALUES (1, %lld, 'prp-hair', 0, 'eligible', '{}', '{}',"
        " 'x', 0);"
        "INSERT INTO courses (id, patient_id, protocol, protocol_json, protocol_sha256,"
        " screening_id, status, start_date, currency, package, discount_minor, version,"
        " created_at, created_by, updated_at, updated_by) VALUES (1, %lld, 'prp-hair', '%s',"
        " 'x', 1, 'active', '2026-12-01', 'AED', 0, 0, 1, 0, 1, 0, 1);"
        "INSERT INTO course_items (id, course_id, seq, kind, window_before_days,"
        " window_after_days, target_date, earliest_date, latest_date, duration_minutes,"
        " prep_minutes, room_kind, price_minor, status) VALUES (1, 1, 1, 'session', 0, 14,"
        " '2026-12-01', '2026-12-01', '2026-12-15', 60, 30, 'treatment', 150000, 'booked');",
        (long long)patient, (long long)patient, protocol_doc);
}

static int64_t next_appointment = 100;

static int64_t
add_appointment(void **state, int64_t patient, const char *kind, bool with_course, int64_t start,
                const char *status)
{
    int64_t id = ++next_appointment;
    sql(state,
        "INSERT INTO appointments (id, patient_id, kind, course_item_id, start_ms, end_ms,"
        " prep_minutes, room_id, clinician_id, status, version, created_at, updated_at)"
        " VALUES (%lld, %lld, '%s', %s, %lld, %lld, 30, 1, 1, '%s', 1, 0, 0)",
        (long long)id, (long long)patient, kind, with_course ? "1" : "NULL", (long long)start,
        (long long)(start + H), status);
    return id;
}

/* What the schedule code does: change the appointment, then sync in the same transaction. */
static void
change(void **state, int64_t id, int64_t start, const char *status, int64_t now)
{
    sql(state,
        "UPDATE appointments SET start_ms = %lld, end_ms = %lld, status = '%s',"
        " version = version + 1 WHERE id = %lld",
        (long long)start, (long long)(start + H), status, (long long)id);
    struct db *db = tdb(state)->db;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(db_begin_write(db), ST_OK);
    if (reminders_sync_appointment(db, protocols, id, now, &f) != ST_OK)
        fail_msg("sync: %s", f.message);
    assert_int_equal(db_commit(db), ST_OK);
}

struct msg {
    int64_t id;
    char kind[16], status[12], channel[8], language[3];
    int64_t due_ms;
    char body[2048];
    char subject[256];
};

struct msgs {
    struct msg m[16];
    size_t n;
};

static int
collect(void *ctx, const struct db_outbox *o)
{
    struct msgs *l = ctx;
    assert_true(l->n < N(l->m));
    struct msg *m = &l->m[l->n++];
    m->id = o->id;
    snprintf(m->kind, sizeof(m->kind), "%s", o->kind);
    snprintf(m->status, sizeof(m->status), "%s", o->status);
    snprintf(m->channel, sizeof(m->channel), "%s", o->channel);
    snprintf(m->language, sizeof(m->language), "%s", o->language);
    snprintf(m->body, sizeof(m->body), "%s", o->body);
    snprintf(m->subject, sizeof(m->subject), "%s", o->subject ? o->subject : "");
    m->due_ms = o->due_ms;
    return 0;
}

static struct msgs
messages(void **state, int64_t appointment)
{
    struct msgs l = {.n = 0};
    assert_int_equal(db_outbox_for_appointment(tdb(state)->db, appointment, collect, &l), ST_OK);
    return l;
}

/* The one message of `kind` with `status`, or NULL. */
static const struct msg *
find(const struct msgs *l, const char *kind, const char *status)
{
    const struct msg *found = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->m[i].kind, kind) == 0 && strcmp(l->m[i].status, status) == 0) {
            assert_null(found);
            found = &l->m[i];
        }
    return found;
}

static void
test_sync_book_move_cancel(void **state)
{
    int64_t pt = add_patient(state, "en", "+971500000001", NULL);
    calendar(state, pt);
    int64_t a = add_appointment(state, pt, "session", true, S, "booked");
    change(state, a, S, "booked", NOW); /* booked */
    struct msgs l = messages(state, a);
    assert_int_equal(l.n, 2);
    const struct msg *r = find(&l, "reminder", "pending"),
                     *in = find(&l, "instructions", "pending");
    assert_non_null(r);
    assert_non_null(in);
    assert_int_equal(r->due_ms, S - 2 * D);
    assert_int_equal(in->due_ms, S - 2 * D);
    assert_string_equal(r->channel, "sms");
    assert_non_null(strstr(r->body, "Tuesday 1 December 2026 at 09:00"));
    /* The course's protocol adds its own instruction to the rules' one. */
    assert_non_null(strstr(in->body, "non-selective NSAID"));
    assert_non_null(strstr(in->body, "- Wash your hair on the morning of the session.\n"));
    int64_t rid = r->id, iid = in->id;

    /* Syncing again changes nothing. */
    change(state, a, S, "booked", NOW + H);
    l = messages(state, a);
    assert_int_equal(l.n, 2);

    /* Moved two days later: the same messages, re-timed and rewritten. */
    change(state, a, S + 2 * D, "booked", NOW + H);
    l = messages(state, a);
    assert_int_equal(l.n, 2);
    r = find(&l, "reminder", "pending");
    assert_int_equal(r->id, rid);
    assert_int_equal(r->due_ms, S);
    assert_non_null(strstr(r->body, "Thursday 3 December 2026 at 09:00"));
    assert_int_equal(find(&l, "instructions", "pending")->id, iid);

    /* Cancelled: nothing is left to send. */
    change(state, a, S + 2 * D, "cancelled", NOW + 2 * H);
    l = messages(state, a);
    assert_int_equal(l.n, 2);
    assert_non_null(find(&l, "reminder", "cancelled"));
    assert_non_null(find(&l, "instructions", "cancelled"));
    assert_null(find(&l, "reminder", "pending"));
}

static void
test_sync_move_close_and_past_due(void **state)
{
    int64_t pt = add_patient(state, "ar", NULL, "sample.patient@example.invalid");
    calendar(state, pt);
    /* Booked for tomorrow: the two-day reminder would be due in the past, so none is written. */
    int64_t tomorrow = add_appointment(state, pt, "session", false, NOW + D, "booked");
    change(state, tomorrow, NOW + D, "booked", NOW);
    assert_int_equal(messages(state, tomorrow).n, 0);

    /* Booked ten days ahead, then moved to the day after tomorrow: what was pending goes. */
    int64_t a = add_appointment(state, pt, "session", false, S, "booked");
    change(state, a, S, "booked", NOW);
    struct msgs l = messages(state, a);
    assert_int_equal(l.n, 2);
    const struct msg *r = find(&l, "reminder", "pending");
    assert_string_equal(r->channel, "email");
    assert_string_equal(r->language, "ar");
    assert_string_equal(r->subject, "موعدك يوم الثلاثاء 1 ديسمبر 2026 الساعة 09:00");
    /* Without a course the rules' instruction alone, for a session of any treatment. */
    assert_non_null(strstr(find(&l, "instructions", "pending")->body, "خلال 48 ساعة قبل الجلسة"));
    assert_null(strstr(find(&l, "instructions", "pending")->body, "غسل الشعر"));
    change(state, a, NOW + D + 12 * H, "booked", NOW);
    l = messages(state, a);
    assert_int_equal(l.n, 2);
    assert_non_null(find(&l, "reminder", "cancelled"));
    assert_non_null(find(&l, "instructions", "cancelled"));
}

static void
test_sync_keeps_due_and_sent(void **state)
{
    struct db *db = tdb(state)->db;
    int64_t pt = add_patient(state, "en", "+971500000001", NULL);
    calendar(state, pt);
    int64_t a = add_appointment(state, pt, "follow_up", true, S, "booked");
    change(state, a, S, "booked", NOW);
    struct msgs l = messages(state, a);
    assert_int_equal(l.n, 1); /* a follow-up visit: the reminder alone */
    int64_t rid = find(&l, "reminder", "pending")->id;

    /* Its time has come but the gateway has not fetched it: another sync (a room change) keeps
     * it. */
    change(state, a, S, "booked", S - D);
    l = messages(state, a);
    assert_int_equal(l.n, 1);
    assert_int_equal(find(&l, "reminder", "pending")->id, rid);

    /* Sent, then synced again: not written twice. */
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_outbox_finish(db, rid, "sent", S - D, "gw-1", NULL), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    change(state, a, S, "booked", S - D);
    l = messages(state, a);
    assert_int_equal(l.n, 1);
    assert_non_null(find(&l, "reminder", "sent"));

    /* A gateway may take a message before it is due (and schedule it itself): once sent, a
     * sync before its time does not write it again. */
    int64_t early = add_appointment(state, pt, "consultation", false, S + 20 * D, "booked");
    change(state, early, S + 20 * D, "booked", NOW);
    l = messages(state, early);
    assert_int_equal(l.n, 1);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(db_outbox_finish(db, l.m[0].id, "sent", NOW + H, NULL, NULL), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    change(state, early, S + 20 * D, "booked", NOW + 2 * H);
    l = messages(state, early);
    assert_int_equal(l.n, 1);
    assert_non_null(find(&l, "reminder", "sent"));

    /* Moved a week later after the reminder went: the patient is reminded of the new time. */
    change(state, a, S + 7 * D, "booked", S - D);
    l = messages(state, a);
    assert_int_equal(l.n, 2);
    assert_non_null(find(&l, "reminder", "sent"));
    const struct msg *again = find(&l, "reminder", "pending");
    assert_int_equal(again->due_ms, S + 5 * D);
    assert_non_null(strstr(again->body, "a follow-up visit on Tuesday 8 December 2026"));
}

static void
test_sync_done_checkins(void **state)
{
    int64_t pt = add_patient(state, "ar", "+971500000002", NULL);
    calendar(state, pt);
    int64_t a = add_appointment(state, pt, "session", true, S, "booked");
    change(state, a, S, "booked", NOW);
    assert_int_equal(messages(state, a).n, 2);
    /* The reminders go out, the patient comes, and the session is done. */
    struct msgs l = messages(state, a);
    struct db *db = tdb(state)->db;
    assert_int_equal(db_begin_write(db), ST_OK);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(db_outbox_finish(db, l.m[i].id, "sent", S - 2 * D, NULL, NULL), ST_OK);
    assert_int_equal(db_commit(db), ST_OK);
    change(state, a, S, "checked_in", S - 10 * 60000);
    change(state, a, S, "in_progress", S);
    assert_int_equal(messages(state, a).n, 2);
    change(state, a, S, "done", S + H);
    l = messages(state, a);
    assert_int_equal(l.n, 4);
    const struct msg *d1 = find(&l, "aftercare_day1", "pending");
    const struct msg *d7 = find(&l, "aftercare_day7", "pending");
    assert_int_equal(d1->due_ms, S + H + D);
    assert_int_equal(d7->due_ms, S + H + 7 * D);
    assert_string_equal(d1->language, "ar");
    /* The protocol's aftercare items, in Arabic. */
    assert_non_null(strstr(d1->body, "- يُرجى عدم غسل الشعر حتى اليوم التالي.\n"));
    assert_non_null(strstr(d7->body, "ألم في مواضع الحقن، تورم"));
    assert_non_null(find(&l, "reminder", "sent"));

    /* Marked done three days late: the day-1 check-in is past and not written. */
    int64_t late = add_appointment(state, pt, "session", false, S + 3 * D, "booked");
    change(state, late, S + 3 * D, "done", S + 6 * D);
    l = messages(state, late);
    assert_int_equal(l.n, 1);
    assert_non_null(find(&l, "aftercare_day7", "pending"));
}

static void
test_sync_no_contact_and_deleted(void **state)
{
    int64_t pt = add_patient(state, "en", NULL, NULL);
    calendar(state, pt);
    int64_t a = add_appointment(state, pt, "session", true, S, "booked");
    change(state, a, S, "booked", NOW);
    assert_int_equal(messages(state, a).n, 0);
    change(state, a, S, "done", S + H);
    assert_int_equal(messages(state, a).n, 0);

    /* A patient whose record is deleted is sent nothing more. */
    int64_t other = add_patient(state, "en", "+971500000003", NULL);
    int64_t b = add_appointment(state, other, "consultation", false, S + D, "booked");
    change(state, b, S + D, "booked", NOW);
    assert_int_equal(messages(state, b).n, 1);
    sql(state, "UPDATE patients SET deleted = 1 WHERE id = %lld", (long long)other);
    change(state, b, S + D, "booked", NOW + H);
    struct msgs l = messages(state, b);
    assert_int_equal(l.n, 1);
    assert_non_null(find(&l, "reminder", "cancelled"));

    /* No such appointment. */
    struct db *db = tdb(state)->db;
    struct fail f;
    fail_clear(&f);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(reminders_sync_appointment(db, protocols, 9999, NOW, &f), ST_NOT_FOUND);
    assert_string_equal(f.code, "not_found");
    /* A course whose stored protocol does not parse is a broken database, not a message. */
    db_rollback(db);
    sql(state, "UPDATE courses SET protocol_json = '{broken' WHERE id = 1");
    int64_t c = add_appointment(state, pt, "session", true, S + 2 * D, "booked");
    fail_clear(&f);
    assert_int_equal(db_begin_write(db), ST_OK);
    assert_int_equal(reminders_sync_appointment(db, protocols, c, NOW, &f), ST_DB);
    assert_non_null(strstr(f.message, "does not parse"));
    db_rollback(db);
    assert_int_equal(messages(state, c).n, 0);
}

static void
test_appointment_ics(void **state)
{
    struct db *db = tdb(state)->db;
    struct actor a;
    struct fail f;
    char *ics = NULL;
    actor_cli(&a);
    int64_t pt = add_patient(state, "ar", "+971500000001", NULL);
    calendar(state, pt);
    int64_t id = add_appointment(state, pt, "session", true, S, "booked");
    reminders_set_clinic_name("Example Clinic");
    fail_clear(&f);
    /* The patient's language by default, or the one asked for. */
    assert_int_equal(reminders_appointment_ics(db, protocols, &a, id, NULL, &ics, &f), ST_OK);
    char *flat = unfolded(ics);
    assert_non_null(strstr(flat,
                           "SUMMARY;LANGUAGE=ar:جلسة علاج: البلازما الغنية بالصفائح الدموية لفروة "
                           "الرأس\r\n"));
    assert_non_null(strstr(flat, "LOCATION;LANGUAGE=ar:" FSI "Example Clinic" PDI "، " FSI
                                 "Room 1" PDI "\r\n"));
    free(flat);
    free(ics);
    assert_int_equal(reminders_appointment_ics(db, protocols, &a, id, "en", &ics, &f), ST_OK);
    assert_non_null(strstr(ics, "SUMMARY;LANGUAGE=en:Treatment session: PRP for the scalp\r\n"));
    assert_non_null(strstr(ics, "UID:appointment-"));
    free(ics);
    reminders_set_clinic_name(NULL);

    assert_int_equal(reminders_appointment_ics(db, protocols, &a, id, "fr", &ics, &f), ST_INVALID);
    assert_string_equal(f.field, "lang");
    assert_null(ics);
    assert_int_equal(reminders_appointment_ics(db, protocols, &a, 9999, "en", &ics, &f),
                     ST_NOT_FOUND);
    sql(state, "UPDATE patients SET deleted = 1 WHERE id = %lld", (long long)pt);
    assert_int_equal(reminders_appointment_ics(db, protocols, &a, id, "en", &ics, &f),
                     ST_NOT_FOUND);
    assert_null(ics);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compose_english),
        cmocka_unit_test(test_compose_arabic),
        cmocka_unit_test(test_compose_aftercare),
        cmocka_unit_test(test_compose_what_when),
        cmocka_unit_test(test_windows_counted),
        cmocka_unit_test(test_ics_texts),
        cmocka_unit_test(test_clinic_name_setting),
        cmocka_unit_test_setup_teardown(test_sync_book_move_cancel, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_sync_move_close_and_past_due, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_sync_keeps_due_and_sent, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_sync_done_checkins, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_sync_no_contact_and_deleted, testdb_test_setup,
                                        testdb_test_teardown),
        cmocka_unit_test_setup_teardown(test_appointment_ics, testdb_test_setup,
                                        testdb_test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
