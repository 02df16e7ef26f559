/* Reminders of appointments: the texts in English and Arabic, composed from the appointment, the
 * screening rules' deferrals and the course's protocol, the outbox rows they become, and the
 * appointment's .ics file. */
#include "clinic/reminders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clinic/ics.h"
#include "core/buf.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/text.h"

/* A message is a few lines; a protocol with pages of instructions is a mistake in the file. */
#define TEXT_MAX (32 * 1024)
#define ICS_MAX (64 * 1024)

/* Text the other way round inside a sentence (a Latin clinic name in Arabic, an Arabic name in
 * English) goes between first-strong isolates U+2068 ... U+2069, so that it keeps its own
 * direction and does not pull the punctuation around it. */
#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"

/* The English or the Arabic of a phrase. */
#define W(ar, en_text, ar_text) ((ar) ? (ar_text) : (en_text))

static const char *const kind_names[REMINDERS_NKINDS] = {"reminder", "instructions",
                                                         "aftercare_day1", "aftercare_day7"};

const char *
reminders_kind_name(enum reminders_kind k)
{
    return (unsigned)k < REMINDERS_NKINDS ? kind_names[k] : "unknown";
}

static char clinic_name[REMINDERS_CLINIC_NAME_MAX + 1];

void
reminders_set_clinic_name(const char *name)
{
    size_t n = name ? strnlen(name, REMINDERS_CLINIC_NAME_MAX + 1) : 0;
    if (n > REMINDERS_CLINIC_NAME_MAX) {
        n = REMINDERS_CLINIC_NAME_MAX;
        /* Never half a character: back off to the start of a UTF-8 sequence. */
        while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(clinic_name, name, n);
    clinic_name[n] = '\0';
}

const char *
reminders_clinic_name(void)
{
    return clinic_name[0] ? clinic_name : NULL;
}

/* ---- pieces of text ---- */

static bool
has(const char *s)
{
    return s && *s;
}

static bool
has_latin(const char *s)
{
    for (; *s; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            return true;
    return false;
}

static bool
has_arabic(const char *s)
{
    size_t n = strlen(s), len;
    for (size_t i = 0; i < n; i += len)
        if (text_is_arabic_letter(text_decode(s + i, n - i, &len)))
            return true;
    return false;
}

/* Typed text (a name, a protocol's item) inside a sentence of `ar`'s direction. */
static int
put_text(struct buf *b, const char *s, bool ar)
{
    if (ar ? has_latin(s) : has_arabic(s))
        return buf_printf(b, FSI "%s" PDI, s);
    return buf_append_str(b, s);
}

static int
put_clinic(struct buf *b, const struct reminders_facts *fa, bool ar)
{
    if (has(fa->clinic_name))
        return put_text(b, fa->clinic_name, ar);
    return buf_append_str(b, W(ar, "the clinic", "العيادة"));
}

static int
put_greeting(struct buf *b, const struct reminders_facts *fa, bool ar)
{
    if (!has(fa->given_name))
        return ST_OK;
    int st = buf_append_str(b, W(ar, "Hello ", "مرحبًا "));
    if (st == ST_OK)
        st = put_text(b, fa->given_name, ar);
    return st == ST_OK ? buf_append_str(b, W(ar, ",\n", "،\n")) : st;
}

static const char *const weekdays[2][7] = {
    {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
    {"الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"},
};
/* The Arabic month names of the Gregorian calendar as the Gulf writes them. */
static const char *const months[2][12] = {
    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"},
    {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
     "نوفمبر", "ديسمبر"},
};

/* The clinic's local day of an instant: "Tuesday 1 December 2026" / "الثلاثاء 1 ديسمبر 2026"
 * (Latin digits in both, as the clinic's paper records write dates). */
static int
put_date(struct buf *b, int64_t ms, bool ar)
{
    struct date d;
    int minute;
    clinic_tz_from_utc(ms, &d, &minute);
    unsigned wd = (unsigned)date_iso_weekday(&d) - 1, mo = (unsigned)d.month - 1;
    if (wd >= 7 || mo >= 12)
        return ST_INVALID;
    return buf_printf(b, "%s %d %s %d", weekdays[ar][wd], d.day, months[ar][mo], d.year);
}

/* The local day and time: "Tuesday 1 December 2026 at 09:00". */
static int
put_when(struct buf *b, int64_t ms, bool ar)
{
    struct date d;
    int minute;
    clinic_tz_from_utc(ms, &d, &minute);
    int st = put_date(b, ms, ar);
    if (st == ST_OK)
        st = buf_printf(b, W(ar, " at %02d:%02d", " الساعة %02d:%02d"), minute / 60, minute % 60);
    return st;
}

/* "48 hours", "10 days", "1 month"; in Arabic the counted noun agrees with the number (one and
 * two are words of their own, 3 to 10 take the plural, 11 to 99 the singular accusative). */
static int
put_duration(struct buf *b, enum screening_window_unit unit, int64_t n, bool ar)
{
    static const char *const en[][2] = {{"hour", "hours"}, {"day", "days"}, {"month", "months"}};
    /* one, two, plural (3-10), singular accusative (11-99), singular */
    static const char *const forms[][5] = {
        {"ساعة واحدة", "ساعتين", "ساعات", "ساعة", "ساعة"},
        {"يوم واحد", "يومين", "أيام", "يومًا", "يوم"},
        {"شهر واحد", "شهرين", "أشهر", "شهرًا", "شهر"},
    };
    int u = unit == SCREENING_WINDOW_HOURS ? 0 : unit == SCREENING_WINDOW_DAYS ? 1 : 2;
    if (!ar)
        return buf_printf(b, "%lld %s", (long long)n, en[u][n != 1]);
    if (n == 1 || n == 2)
        return buf_append_str(b, forms[u][n - 1]);
    int64_t tail = n % 100;
    const char *noun = tail >= 3 && tail <= 10    ? forms[u][2]
                       : tail >= 11 && tail <= 99 ? forms[u][3]
                                                  : forms[u][4];
    return buf_printf(b, "%lld %s", (long long)n, noun);
}

/* "a", "a or b", "a, b or c" / "a أو b أو c". */
static int
put_alternatives(struct buf *b, const char *const *items, size_t n, bool ar)
{
    int st = ST_OK;
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        if (i > 0)
            st = buf_append_str(b, ar || i == n - 1 ? W(ar, " or ", " أو ") : ", ");
        if (st == ST_OK)
            st = put_text(b, items[i], ar);
    }
    return st;
}

/* The text of an entry of a protocol's list in `lang`: entry.<field>.<lang> ("text" of
 * instructions and aftercare, "label" of side effects), or entry.<lang>; NULL when there is
 * none. */
static const char *
entry_text(const json_t *entry, const char *field, const char *lang)
{
    const char *s = json_string_value(json_object_get(json_object_get(entry, field), lang));
    if (!s)
        s = json_string_value(json_object_get(entry, lang));
    return has(s) ? s : NULL;
}

/* "- text\n" for each entry of the protocol's list `key` with a text in `lang`; *n counts
 * them. */
static int
protocol_lines(const struct reminders_facts *fa, const char *key, const char *field, bool ar,
               struct buf *b, size_t *n)
{
    const json_t *list = json_object_get(fa->protocol, key);
    int st = ST_OK;
    for (size_t i = 0; i < json_array_size(list) && st == ST_OK; i++) {
        const char *s = entry_text(json_array_get(list, i), field, ar ? "ar" : "en");
        if (!s)
            continue;
        st = buf_append_str(b, "- ");
        if (st == ST_OK)
            st = put_text(b, s, ar);
        if (st == ST_OK)
            st = buf_append_char(b, '\n');
        (*n)++;
    }
    return st;
}

/* One line per medication class whose rules defer the session, with the drugs of the
 * dictionary that belong to it as examples:
 * "- Do not take any non-selective NSAID (such as ibuprofen, naproxen or diclofenac) for 48
 * hours before the session." */
static int
deferral_lines(const struct reminders_facts *fa, bool ar, struct buf *b, size_t *n)
{
    if (!fa->rules)
        return ST_OK;
    size_t count = screening_rules_deferrals(fa->rules, fa->treatment, NULL, 0);
    if (count == 0)
        return ST_OK;
    struct screening_deferral *d = calloc(count, sizeof(*d));
    if (!d)
        return ST_NOMEM;
    count = screening_rules_deferrals(fa->rules, fa->treatment, d, count);
    int st = ST_OK;
    for (size_t i = 0; i < count && st == ST_OK; i++) {
        const struct screening_code *c = &fa->rules->medication_classes.items[d[i].cls];
        const char *examples[REMINDERS_MAX_EXAMPLES];
        size_t nex = 0;
        enum drugs_class cls;
        if (fa->drugs && drugs_class_parse(c->code, &cls) == ST_OK) {
            for (size_t k = 0; k < drugs_count(fa->drugs) && nex < REMINDERS_MAX_EXAMPLES; k++) {
                const struct drugs_drug *dr = drugs_at(fa->drugs, k);
                /* "any aspirin (such as aspirin)" says nothing. */
                if (dr->cls != cls || strcasecmp(dr->name_en, c->label.en) == 0)
                    continue;
                examples[nex++] = ar ? dr->name_ar : dr->name_en;
            }
        }
        st = buf_append_str(b, W(ar, "- Do not take any ", "- يُرجى عدم تناول أي "));
        if (st == ST_OK)
            st = put_text(b, ar ? c->label.ar : c->label.en, ar);
        if (st == ST_OK && nex > 0) {
            st = buf_append_str(b, W(ar, " (such as ", " (مثل "));
            if (st == ST_OK)
                st = put_alternatives(b, examples, nex, ar);
            if (st == ST_OK)
                st = buf_append_char(b, ')');
        }
        if (st == ST_OK)
            st = buf_append_str(b, W(ar, " for ", " خلال "));
        if (st == ST_OK)
            st = put_duration(b, d[i].unit, d[i].window, ar);
        if (st == ST_OK)
            st = buf_append_str(b, W(ar, " before the session.\n", " قبل الجلسة.\n"));
        (*n)++;
    }
    free(d);
    return st;
}

/* What a patient should do and not do before a session: the deferral lines, the protocol's
 * instructions, and, when medicines were named, that prescribed ones are not stopped on one's
 * own. ST_NOT_FOUND when there is nothing to say. */
static int
instruction_lines(const struct reminders_facts *fa, bool ar, struct buf *b)
{
    size_t ndefer = 0, nitems = 0;
    int st = deferral_lines(fa, ar, b, &ndefer);
    if (st == ST_OK)
        st = protocol_lines(fa, "pre_session_instructions", "text", ar, b, &nitems);
    if (st == ST_OK && ndefer > 0)
        st = buf_append_str(b, W(ar,
                                 "Please do not stop a medicine that a doctor prescribed for you "
                                 "without asking that doctor, and tell our team about all the "
                                 "medicines you take.\n",
                                 "يُرجى عدم إيقاف أي دواء وصفه لك طبيب دون استشارته، وإبلاغ "
                                 "فريقنا بجميع أدويتك الحالية.\n"));
    if (st == ST_OK && ndefer + nitems == 0)
        st = ST_NOT_FOUND;
    return st;
}

static bool
is(const char *s, const char *word)
{
    return s && strcmp(s, word) == 0;
}

/* ---- the four messages ---- */

typedef int (*text_fn)(const struct reminders_facts *fa, bool ar, struct buf *subject,
                       struct buf *body);

static int
reminder_text(const struct reminders_facts *fa, bool ar, struct buf *subject, struct buf *body)
{
    const char *what = is(fa->kind, "session") ? W(ar, "a treatment session", "لجلسة العلاج")
                       : is(fa->kind, "follow_up") ? W(ar, "a follow-up visit", "لزيارة المتابعة")
                                                   : W(ar, "a consultation", "للاستشارة");
    int st = buf_append_str(subject, W(ar, "Your appointment on ", "موعدك يوم "));
    if (st == ST_OK)
        st = put_when(subject, fa->start_ms, ar);
    if (st == ST_OK)
        st = put_greeting(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, "Reminder from ", "تذكير من "));
    if (st == ST_OK)
        st = put_clinic(body, fa, ar);
    if (st == ST_OK)
        st = buf_printf(body, W(ar, ": you have %s on ", ": لديك موعد %s يوم "), what);
    if (st == ST_OK)
        st = put_when(body, fa->start_ms, ar);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, ".\nIf you cannot come, please call us to change the time.",
                                    ".\nإذا تعذّر عليك الحضور، فيُرجى الاتصال بنا لتغيير الموعد."));
    return st;
}

static int
instructions_text(const struct reminders_facts *fa, bool ar, struct buf *subject, struct buf *body)
{
    struct buf lines;
    buf_init(&lines, TEXT_MAX);
    int st = instruction_lines(fa, ar, &lines);
    if (st == ST_OK)
        st = buf_append_str(subject, W(ar, "Before your session on ", "قبل جلستك يوم "));
    if (st == ST_OK)
        st = put_date(subject, fa->start_ms, ar);
    if (st == ST_OK)
        st = put_greeting(body, fa, ar);
    if (st == ST_OK)
        st =
            buf_append_str(body, W(ar, "Before your treatment session at ", "قبل جلسة العلاج في "));
    if (st == ST_OK)
        st = put_clinic(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, " on ", " يوم "));
    if (st == ST_OK)
        st = put_when(body, fa->start_ms, ar);
    if (st == ST_OK)
        st = buf_append_str(body, ":\n");
    /* The lines end in a newline; the message does not. */
    if (st == ST_OK)
        st = buf_append(body, buf_str(&lines), lines.len - 1);
    buf_release(&lines);
    return st;
}

static int
day1_text(const struct reminders_facts *fa, bool ar, struct buf *subject, struct buf *body)
{
    struct buf items;
    size_t n = 0;
    buf_init(&items, TEXT_MAX);
    int st = protocol_lines(fa, "aftercare", "text", ar, &items, &n);
    if (st == ST_OK)
        st = buf_append_str(subject,
                            W(ar, "How are you after your session?", "كيف حالك بعد الجلسة؟"));
    if (st == ST_OK)
        st = put_greeting(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, "We hope you are well after your treatment session at ",
                                    "نأمل أن تكون صحتك جيدة بعد جلسة العلاج في "));
    if (st == ST_OK)
        st = put_clinic(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(
            body, W(ar, " yesterday. How are you feeling today?\n", " أمس. كيف حالك اليوم؟\n"));
    if (st == ST_OK && n > 0)
        st = buf_append_str(
            body, W(ar, "A reminder of your aftercare:\n", "تذكير بتعليمات العناية بعد الجلسة:\n"));
    if (st == ST_OK && n > 0)
        st = buf_append(body, buf_str(&items), items.len);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, "If anything worries you, please call us.",
                                    "إذا لاحظت ما يقلقك، فيُرجى الاتصال بنا."));
    buf_release(&items);
    return st;
}

static int
day7_text(const struct reminders_facts *fa, bool ar, struct buf *subject, struct buf *body)
{
    const json_t *list = json_object_get(fa->protocol, "side_effects");
    int st = buf_append_str(subject, W(ar, "One week after your session", "مضى أسبوع على جلستك"));
    if (st == ST_OK)
        st = put_greeting(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, "It is a week since your treatment session at ",
                                    "مضى أسبوع على جلسة العلاج في "));
    if (st == ST_OK)
        st = put_clinic(body, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(body,
                            W(ar, ". How is the treated area?\n", ". كيف حال المنطقة المعالَجة؟\n"));
    /* The side effects the protocol asks about at follow-up, as one list. */
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(list) && st == ST_OK; i++) {
        const char *s = entry_text(json_array_get(list, i), "label", ar ? "ar" : "en");
        if (!s)
            continue;
        st = buf_append_str(body, n == 0 ? W(ar,
                                             "Please tell us if you have noticed any of "
                                             "these: ",
                                             "يُرجى إبلاغنا إذا لاحظت أيًّا مما يلي: ")
                                         : W(ar, ", ", "، "));
        if (st == ST_OK)
            st = put_text(body, s, ar);
        n++;
    }
    if (st == ST_OK && n > 0)
        st = buf_append_str(body, ".\n");
    if (st == ST_OK)
        st = buf_append_str(body, W(ar, "If anything worries you, please call us.",
                                    "إذا لاحظت ما يقلقك، فيُرجى الاتصال بنا."));
    return st;
}

/* Composes message `k` into out->m[k] when `fn` has something to say (ST_NOT_FOUND: nothing). */
static int
compose_one(struct reminders_plan *out, enum reminders_kind k, const struct reminders_facts *fa,
            bool ar, int64_t due_ms, const char *channel, const char *recipient, text_fn fn)
{
    struct reminders_message *m = &out->m[k];
    struct buf subject, body;
    buf_init(&subject, TEXT_MAX);
    buf_init(&body, TEXT_MAX);
    int st = fn(fa, ar, &subject, &body);
    if (st == ST_NOT_FOUND) {
        st = ST_OK;
        goto out;
    }
    if (st != ST_OK)
        goto out;
    m->body = buf_detach(&body);
    if (strcmp(channel, "email") == 0)
        m->subject = buf_detach(&subject);
    if (!m->body || (strcmp(channel, "email") == 0 && !m->subject)) {
        st = ST_NOMEM;
        goto out;
    }
    m->wanted = true;
    m->due_ms = due_ms;
    m->channel = channel;
    m->recipient = recipient;
    m->language = ar ? "ar" : "en";
out:
    buf_release(&subject);
    buf_release(&body);
    return st;
}

int
reminders_compose(const struct reminders_facts *fa, struct reminders_plan *out)
{
    memset(out, 0, sizeof(*out));
    bool ar = is(fa->language, "ar");
    const char *channel = has(fa->phone) ? "sms" : has(fa->email) ? "email" : NULL;
    const char *recipient = has(fa->phone) ? fa->phone : fa->email;
    if (fa->patient_deleted || !channel)
        return ST_OK;
    bool session = is(fa->kind, "session");
    int st = ST_OK;
    if (is(fa->status, "booked") && fa->now_ms < fa->start_ms) {
        int64_t due = fa->start_ms - REMINDERS_BEFORE_MS;
        st = compose_one(out, REMINDERS_REMINDER, fa, ar, due, channel, recipient, reminder_text);
        if (st == ST_OK && session)
            st = compose_one(out, REMINDERS_INSTRUCTIONS, fa, ar, due, channel, recipient,
                             instructions_text);
    }
    if (st == ST_OK && session && is(fa->status, "done")) {
        st = compose_one(out, REMINDERS_AFTERCARE_DAY1, fa, ar, fa->end_ms + REMINDERS_DAY1_MS,
                         channel, recipient, day1_text);
        if (st == ST_OK)
            st = compose_one(out, REMINDERS_AFTERCARE_DAY7, fa, ar, fa->end_ms + REMINDERS_DAY7_MS,
                             channel, recipient, day7_text);
    }
    if (st != ST_OK)
        reminders_plan_release(out);
    return st;
}

void
reminders_plan_release(struct reminders_plan *p)
{
    if (!p)
        return;
    for (int k = 0; k < REMINDERS_NKINDS; k++) {
        free(p->m[k].subject);
        free(p->m[k].body);
    }
    memset(p, 0, sizeof(*p));
}

/* ---- the .ics file ---- */

int
reminders_ics(const struct reminders_facts *fa, const char *lang, int64_t dtstamp_ms, char **out)
{
    bool ar = is(lang, "ar");
    struct buf summary, location, description, ics;
    char uid[64];
    *out = NULL;
    buf_init(&summary, TEXT_MAX);
    buf_init(&location, TEXT_MAX);
    buf_init(&description, TEXT_MAX);
    buf_init(&ics, ICS_MAX);
    bool session = is(fa->kind, "session");
    const char *what = session                     ? W(ar, "Treatment session", "جلسة علاج")
                       : is(fa->kind, "follow_up") ? W(ar, "Follow-up visit", "زيارة متابعة")
                                                   : W(ar, "Consultation", "استشارة");
    const char *label = json_string_value(
        json_object_get(json_object_get(fa->protocol, "label"), ar ? "ar" : "en"));
    int st = buf_append_str(&summary, what);
    if (st == ST_OK && has(label))
        st = buf_printf(&summary, ": %s", label);

    if (st == ST_OK && has(fa->clinic_name))
        st = put_text(&location, fa->clinic_name, ar);
    if (st == ST_OK && has(fa->clinic_name) && has(fa->room_name))
        st = buf_append_str(&location, W(ar, ", ", "، "));
    if (st == ST_OK && has(fa->room_name))
        st = put_text(&location, fa->room_name, ar);

    if (st == ST_OK)
        st = buf_append_str(&description, what);
    if (st == ST_OK)
        st = buf_append_str(&description, W(ar, " at ", " في "));
    if (st == ST_OK)
        st = put_clinic(&description, fa, ar);
    if (st == ST_OK)
        st = buf_append_str(&description, W(ar, " on ", " يوم "));
    if (st == ST_OK)
        st = put_when(&description, fa->start_ms, ar);
    if (st == ST_OK)
        st = buf_append_str(&description, " (");
    if (st == ST_OK)
        st = put_text(&description, clinic_tz_name(), ar);
    if (st == ST_OK)
        st = buf_append_str(&description, ").");
    if (st == ST_OK && session && !is(fa->status, "cancelled")) {
        struct buf lines;
        buf_init(&lines, TEXT_MAX);
        st = instruction_lines(fa, ar, &lines);
        if (st == ST_OK)
            st = buf_printf(&description, "\n\n%s%s",
                            W(ar, "Before the session:\n", "قبل الجلسة:\n"), buf_str(&lines));
        else if (st == ST_NOT_FOUND)
            st = ST_OK;
        buf_release(&lines);
    }

    snprintf(uid, sizeof(uid), "appointment-%lld@autologa", (long long)fa->appointment_id);
    struct ics_event e = {
        .uid = uid,
        .dtstamp_ms = dtstamp_ms,
        .start_ms = fa->start_ms,
        .end_ms = fa->end_ms,
        .sequence = fa->version - 1,
        .status = is(fa->status, "cancelled") ? "CANCELLED" : "CONFIRMED",
        .language = ar ? "ar" : "en",
        .summary = buf_str(&summary),
        .location = location.len ? buf_str(&location) : NULL,
        .description = buf_str(&description),
    };
    if (st == ST_OK)
        st = ics_write(&e, &ics);
    if (st == ST_OK) {
        *out = buf_detach(&ics);
        if (!*out)
            st = ST_NOMEM;
    }
    buf_release(&summary);
    buf_release(&location);
    buf_release(&description);
    buf_release(&ics);
    return st;
}

/* ---- reading the facts ---- */

struct gathered {
    struct db_outbox_appointment appt;
    struct db_patient patient;
    json_t *protocol;
    struct reminders_facts facts;
};

static void
gathered_release(struct gathered *g)
{
    db_outbox_appointment_release(&g->appt);
    db_patient_release(&g->patient);
    json_decref(g->protocol);
    memset(g, 0, sizeof(*g));
}

/* The facts of what `g` holds (its strings borrowed from it). */
static void
fill_facts(struct gathered *g, const struct protocols *p, int64_t now_ms)
{
    const struct screening_rules *rules = p ? p->screening : NULL;
    /* The treatment whose rules apply: the protocol says which; a course from before protocols
     * said it is named like its treatment. */
    const char *treatment = json_string_value(json_object_get(g->protocol, "screening_treatment"));
    if (!treatment)
        treatment = g->appt.protocol;
    if (!rules || screening_list_find(&rules->treatments, treatment) < 0)
        treatment = NULL;
    bool ar = strcmp(g->patient.preferred_language, "ar") == 0;
    const struct db_patient *pt = &g->patient;
    struct reminders_facts *fa = &g->facts;
    fa->appointment_id = g->appt.id;
    fa->kind = g->appt.kind;
    fa->status = g->appt.status;
    fa->start_ms = g->appt.start_ms;
    fa->end_ms = g->appt.end_ms;
    fa->version = g->appt.version;
    fa->now_ms = now_ms;
    fa->language = ar ? "ar" : "en";
    /* The name in the script of the message, else the other one. */
    fa->given_name = ar && has(pt->given_name_ar) ? pt->given_name_ar
                     : has(pt->given_name)        ? pt->given_name
                                                  : pt->given_name_ar;
    fa->phone = pt->phone;
    fa->email = pt->email;
    fa->patient_deleted = pt->deleted;
    fa->clinic_name = reminders_clinic_name();
    fa->room_name = g->appt.room_name;
    fa->treatment = treatment;
    fa->protocol = g->protocol;
    fa->rules = rules;
    fa->drugs = p ? p->drugs : NULL;
}

/* The facts of appointment `id` inside the caller's transaction. */
static int
gather(struct db *db, const struct protocols *p, int64_t id, int64_t now_ms, struct gathered *g,
       struct fail *f)
{
    memset(g, 0, sizeof(*g));
    int st = db_outbox_appointment_get(db, id, &g->appt);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st == ST_OK)
        st = db_patient_get(db, g->appt.patient_id, &g->patient);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (g->appt.protocol_json) {
        g->protocol = json_loads(g->appt.protocol_json, 0, NULL);
        if (!json_is_object(g->protocol)) {
            st = fail_set(f, ST_DB, "", "internal",
                          "the protocol stored with the course of appointment %lld does not parse",
                          (long long)id);
            goto out;
        }
    }
    fill_facts(g, p, now_ms);
out:
    if (st != ST_OK)
        gathered_release(g);
    return st;
}

/* ---- writing the outbox ---- */

struct existing {
    int64_t id;
    int kind; /* enum reminders_kind, -1 for a kind this version does not write */
    bool pending;
    bool done; /* sent or failed: the gateway had it */
    int64_t due_ms;
};

struct existing_list {
    struct existing *items;
    size_t n, cap;
};

static int
collect(void *ctx, const struct db_outbox *m)
{
    struct existing_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct existing *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return ST_NOMEM;
        l->items = items;
        l->cap = cap;
    }
    struct existing *e = &l->items[l->n++];
    e->id = m->id;
    e->kind = -1;
    for (int k = 0; k < REMINDERS_NKINDS; k++)
        if (strcmp(m->kind, kind_names[k]) == 0)
            e->kind = k;
    e->pending = strcmp(m->status, "pending") == 0;
    e->done = strcmp(m->status, "sent") == 0 || strcmp(m->status, "failed") == 0;
    e->due_ms = m->due_ms;
    return ST_OK;
}

/* The outbox row of planned message `m` (pointers borrowed from the plan: not released). */
static void
row_of(struct db_outbox *row, const struct gathered *g, enum reminders_kind k,
       const struct reminders_message *m, int64_t now_ms)
{
    memset(row, 0, sizeof(*row));
    row->patient_id = g->appt.patient_id;
    row->appointment_id = g->appt.id;
    snprintf(row->kind, sizeof(row->kind), "%s", kind_names[k]);
    snprintf(row->channel, sizeof(row->channel), "%s", m->channel);
    snprintf(row->language, sizeof(row->language), "%s", m->language);
    row->recipient = (char *)m->recipient;
    row->subject = m->subject;
    row->body = m->body;
    row->due_ms = m->due_ms;
    snprintf(row->status, sizeof(row->status), "pending");
    row->created_ms = now_ms;
}

/* Brings the messages of kind `k` in line with the plan. */
static int
reconcile(struct db *db, const struct gathered *g, const struct reminders_plan *plan,
          enum reminders_kind k, const struct existing_list *l, int64_t now_ms)
{
    const struct reminders_message *want = &plan->m[k];
    const struct existing *pending = NULL;
    bool handled = false;
    int st = ST_OK;
    for (size_t i = 0; i < l->n && st == ST_OK; i++) {
        const struct existing *e = &l->items[i];
        if (e->kind != (int)k)
            continue;
        if (e->done && want->wanted && e->due_ms == want->due_ms)
            handled = true;
        if (!e->pending)
            continue;
        if (pending) /* one pending message per kind: a second one is a leftover */
            st = db_outbox_finish(db, e->id, "cancelled", now_ms, NULL, NULL);
        else
            pending = e;
    }
    if (st != ST_OK)
        return st;
    /* A message already pending for this time stays even once due (the gateway has not
     * fetched it yet); a new one is only written for the future. */
    bool write = want->wanted && !handled &&
                 (want->due_ms > now_ms || (pending && pending->due_ms == want->due_ms));
    struct db_outbox row;
    if (write) {
        row_of(&row, g, k, want, now_ms);
        if (pending) {
            row.id = pending->id;
            return db_outbox_rewrite(db, &row);
        }
        return db_outbox_insert(db, &row);
    }
    if (pending)
        return db_outbox_finish(db, pending->id, "cancelled", now_ms, NULL, NULL);
    return ST_OK;
}

int
reminders_sync_appointment(struct db *db, const struct protocols *p, int64_t appointment_id,
                           int64_t now_ms, struct fail *f)
{
    struct gathered g;
    struct reminders_plan plan;
    struct existing_list l = {0};
    memset(&plan, 0, sizeof(plan));
    int st = gather(db, p, appointment_id, now_ms, &g, f);
    if (st != ST_OK)
        return st;
    st = reminders_compose(&g.facts, &plan);
    if (st != ST_OK) {
        st = fail_set(f, st, "", "internal", "the reminders of appointment %lld cannot be written",
                      (long long)appointment_id);
        goto out;
    }
    st = db_outbox_for_appointment(db, appointment_id, collect, &l);
    for (int k = 0; k < REMINDERS_NKINDS && st == ST_OK; k++)
        st = reconcile(db, &g, &plan, (enum reminders_kind)k, &l, now_ms);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    free(l.items);
    reminders_plan_release(&plan);
    gathered_release(&g);
    return st;
}

/* ---- the .ics of an appointment ---- */

int
reminders_appointment_ics(struct db *db, const struct protocols *p, const struct actor *a,
                          int64_t id, const char *lang, char **out, struct fail *f)
{
    struct gathered g;
    char ids[24];
    *out = NULL;
    if (has(lang) && !is(lang, "en") && !is(lang, "ar"))
        return fail_set(f, ST_INVALID, "lang", "invalid_query", "lang must be en or ar");
    int64_t now = time_now_ms();
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = gather(db, p, id, now, &g, f);
    db_rollback(db);
    if (st != ST_OK)
        return st;
    if (g.patient.deleted) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "appointment %lld does not exist",
                      (long long)id);
        goto out;
    }
    st = reminders_ics(&g.facts, has(lang) ? lang : g.facts.language, now, out);
    if (st != ST_OK) {
        st = fail_set(f, st, "", "internal", "the calendar file of appointment %lld cannot be made",
                      (long long)id);
        goto out;
    }
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    audit_read(a, "appointment.ics", "appointment", ids);
out:
    gathered_release(&g);
    return st;
}
