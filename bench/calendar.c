/* The calendar benchmark of `make bench`: a clinic of 20 rooms, 50 clinicians and 10 centrifuges
 * booked for a year, then the time to find the first slots of a four-session course and to build
 * the day view of a busy day, measured in the server's own functions.
 * Usage: bench_calendar RESULTS_DIR [--iterations N] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clinic/audit.h"
#include "clinic/demo.h"
#include "clinic/role.h"
#include "clinic/schedule.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "store/db.h"

#define MINUTE_MS INT64_C(60000)
#define PATIENTS 20000
#define SEARCH_PATIENTS 2000 /* the last ones: never booked by the generator */
#define TREATMENT_ROOMS 16
#define PROCEDURE_ROOMS 2
#define CONSULTATION_ROOMS 2
#define CLINICIANS 50
#define CENTRIFUGES 10
#define DAYS 365
#define BOOKED_PERCENT 90
#define OPEN_MINUTE (9 * 60)
#define CLOSE_MINUTE (18 * 60)
#define COURSE_SESSIONS 4
#define WINDOW_DAYS 14
#define SESSION_INTERVAL_DAYS 28

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t
next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static int
die(const char *what, const struct fail *f, struct db *db)
{
    fprintf(stderr, "bench_calendar: %s: %s\n", what,
            f && f->message[0] ? f->message
            : db               ? db_errmsg(db)
                               : "failed");
    return 1;
}

struct calendar {
    int64_t rooms[TREATMENT_ROOMS + PROCEDURE_ROOMS + CONSULTATION_ROOMS];
    int64_t clinicians[CLINICIANS];
    int64_t centrifuges[CENTRIFUGES];
    int64_t first_patient;
    int64_t appointments, holds;
};

/* Rooms, clinicians with their weeks, centrifuges and opening hours, written through the store. */
static int
build_resources(struct db *db, struct calendar *cal)
{
    char name[64];
    int st = db_begin_write(db);
    /* The demo made four rooms; these are the calendar's twenty. */
    for (int i = 0; st == ST_OK && i < TREATMENT_ROOMS + PROCEDURE_ROOMS + CONSULTATION_ROOMS;
         i++) {
        const char *kind = i < TREATMENT_ROOMS                     ? "treatment"
                           : i < TREATMENT_ROOMS + PROCEDURE_ROOMS ? "procedure"
                                                                   : "consultation";
        snprintf(name, sizeof(name), "Bench %s room %d", kind, i + 1);
        st = db_room_insert(db, name, kind, &cal->rooms[i]);
    }
    /* Only the twenty are in use. */
    for (int64_t id = 1; st == ST_OK && id <= 4; id++) {
        struct db_room r;
        st = db_room_get(db, id, &r);
        r.active = false;
        if (st == ST_OK)
            st = db_room_update(db, &r);
        db_room_release(&r);
    }
    for (int i = 0; st == ST_OK && i < CLINICIANS; i++) {
        struct db_user u = {.roles = i % 3 == 2 ? ROLE_NURSE : ROLE_DOCTOR, .created_ms = 1};
        snprintf(u.username, sizeof(u.username), "clinician%02d", i + 1);
        snprintf(u.password_hash, sizeof(u.password_hash), "no login in the benchmark");
        snprintf(name, sizeof(name), "Clinician %02d", i + 1);
        u.display_name = name;
        st = db_user_insert(db, &u);
        struct db_clinician c = {.user_id = u.id, .active = true};
        if (st == ST_OK)
            st = db_clinician_insert(db, &c);
        cal->clinicians[i] = c.id;
        /* Each works five of the six open days (Saturday to Thursday), 09:00-18:00. */
        for (int wd = 1; st == ST_OK && wd <= 7; wd++) {
            struct db_hours h = {c.id, wd, OPEN_MINUTE, CLOSE_MINUTE};
            if (wd != 5 && wd != (i % 6 == 4 ? 6 : i % 6 + 1))
                st = db_clinician_hours_insert(db, &h);
        }
    }
    for (int i = 0; st == ST_OK && i < CENTRIFUGES; i++) {
        snprintf(name, sizeof(name), "Centrifuge %d", i + 1);
        struct db_centrifuge c = {.name = name, .rotor_radius_mm = 86 + i, .active = true};
        st = db_centrifuge_insert(db, &c);
        cal->centrifuges[i] = c.id;
    }
    for (int wd = 1; st == ST_OK && wd <= 7; wd++) {
        struct db_hours h = {0, wd, OPEN_MINUTE, CLOSE_MINUTE};
        if (wd != 5)
            st = db_opening_hours_insert(db, &h);
    }
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        db_rollback(db);
    return st;
}

/* Whether clinician i works on ISO weekday wd (as build_resources gave them their weeks). */
static bool
works(int i, int wd)
{
    return wd != 5 && wd != (i % 6 == 4 ? 6 : i % 6 + 1);
}

/* One day's state while it is filled: until when each clinician and centrifuge is busy. */
struct day_fill {
    int64_t clinician_free[CLINICIANS];
    int64_t centrifuge_free[CENTRIFUGES];
    int next_clinician;
};

static int
add_appointment(struct db *db, struct calendar *cal, struct day_fill *df, int64_t patient,
                const char *kind, int64_t start, int minutes, int prep, int64_t room, int wd)
{
    int c = -1, cf = -1;
    for (int k = 0; k < CLINICIANS && c < 0; k++) {
        int i = (df->next_clinician + k) % CLINICIANS;
        if (works(i, wd) && df->clinician_free[i] <= start)
            c = i;
    }
    for (int k = 0; prep && k < CENTRIFUGES && cf < 0; k++)
        if (df->centrifuge_free[k] <= start)
            cf = k;
    if (c < 0 || (prep && cf < 0))
        return ST_OK; /* nobody free: this slot stays empty */
    df->next_clinician = (c + 1) % CLINICIANS;
    int64_t end = start + minutes * MINUTE_MS;
    df->clinician_free[c] = end;
    struct db_appointment a = {.patient_id = patient,
                               .start_ms = start,
                               .end_ms = end,
                               .prep_minutes = prep,
                               .room_id = room,
                               .clinician_id = cal->clinicians[c],
                               .centrifuge_id = prep ? cal->centrifuges[cf] : 0,
                               .version = 1,
                               .created_ms = start,
                               .updated_ms = start};
    snprintf(a.kind, sizeof(a.kind), "%s", kind);
    snprintf(a.status, sizeof(a.status), "booked");
    int st = db_appointment_insert(db, &a);
    struct db_hold holds[4] = {
        {DB_RES_ROOM, room, start, end, a.id},
        {DB_RES_CLINICIAN, a.clinician_id, start, end, a.id},
        {DB_RES_PATIENT, patient, start, end, a.id},
        {DB_RES_CENTRIFUGE, a.centrifuge_id, start, start + prep * MINUTE_MS, a.id}};
    for (int i = 0; st == ST_OK && i < (prep ? 4 : 3); i++)
        st = db_hold_insert(db, &holds[i]);
    if (prep)
        df->centrifuge_free[cf] = start + prep * MINUTE_MS;
    cal->appointments++;
    cal->holds += prep ? 4 : 3;
    return st;
}

/* A year of appointments from `first`: rooms filled back to back with sessions (treatment
 * rooms, half of them on the half hour so that the centrifuges take turns), procedures and
 * consultations; BOOKED_PERCENT of the slots are taken. */
static int
build_year(struct db *db, struct calendar *cal, const struct date *first)
{
    int64_t patient = 0;
    int st = ST_OK;
    for (int n = 0; n < DAYS && st == ST_OK; n++) {
        struct date d;
        date_add_days(first, n, &d);
        int wd = date_iso_weekday(&d);
        if (wd == 5)
            continue;
        struct day_fill df = {.next_clinician = (int)(next_rand() % CLINICIANS)};
        st = db_begin_write(db);
        static const struct {
            const char *kind;
            int first_room, rooms, minutes, prep, stagger;
        } plan[] = {
            {"session", 0, TREATMENT_ROOMS, 60, 30, 30},
            {"session", TREATMENT_ROOMS, PROCEDURE_ROOMS, 120, 0, 0},
            {"consultation", TREATMENT_ROOMS + PROCEDURE_ROOMS, CONSULTATION_ROOMS, 30, 0, 0}};
        /* Slot by slot across the rooms, so that clinicians and centrifuges are shared fairly. */
        for (int m = OPEN_MINUTE; m < CLOSE_MINUTE && st == ST_OK; m += 30) {
            for (size_t k = 0; k < sizeof(plan) / sizeof(plan[0]) && st == ST_OK; k++) {
                for (int r = 0; r < plan[k].rooms && st == ST_OK; r++) {
                    int offset = r % 2 ? plan[k].stagger : 0;
                    if ((m - OPEN_MINUTE - offset) % plan[k].minutes != 0 ||
                        m < OPEN_MINUTE + offset || m + plan[k].minutes > CLOSE_MINUTE)
                        continue;
                    if (next_rand() % 100 >= BOOKED_PERCENT)
                        continue;
                    int64_t start;
                    if (clinic_tz_to_utc(&d, m, &start) != ST_OK)
                        continue;
                    st = add_appointment(db, cal, &df, cal->first_patient + patient, plan[k].kind,
                                         start, plan[k].minutes, plan[k].prep,
                                         cal->rooms[plan[k].first_room + r], wd);
                    patient = (patient + 1) % (PATIENTS - SEARCH_PATIENTS);
                }
            }
        }
        if (st == ST_OK)
            st = db_commit(db);
        if (st != ST_OK)
            db_rollback(db);
    }
    return st;
}

/* This thread's CPU time in microseconds: the work itself, whatever else the machine runs. */
static int64_t
cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of n sorted durations, nearest rank. */
static double
percentile_ms(const int64_t *sorted_us, int n, double p)
{
    int rank = (int)(p / 100.0 * n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted_us[rank - 1] / 1000.0;
}

struct figures {
    double p50, p99, max;
};

static struct figures
summarise(int64_t *us, int n)
{
    qsort(us, (size_t)n, sizeof(us[0]), cmp_i64);
    return (struct figures){percentile_ms(us, n, 50), percentile_ms(us, n, 99), us[n - 1] / 1000.0};
}

int
main(int argc, char **argv)
{
    const char *dir = NULL;
    long iterations = 500;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            iterations = strtol(argv[++i], &end, 10);
            if (errno || *end || iterations < 10 || iterations > 100000) {
                fprintf(stderr, "bench_calendar: --iterations wants 10 to 100000\n");
                return 2;
            }
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_calendar RESULTS_DIR [--iterations N]\n");
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: bench_calendar RESULTS_DIR [--iterations N]\n");
        return 2;
    }

    struct fail f;
    fail_clear(&f);
    struct db *db = NULL;
    struct calendar cal = {0};
    struct clinic_settings cs;
    struct actor actor;
    char path[512], md[600];
    int64_t *course_us = NULL, *search_us = NULL, *day_us = NULL, *course_cpu = NULL,
            *day_cpu = NULL;
    int rc = 1;

    clinic_settings_default(&cs);
    if (crypto_setup() != ST_OK)
        return die("libsodium", NULL, NULL);
    if (clinic_settings_time_zone(&cs, "Asia/Dubai", &f) != ST_OK ||
        clinic_settings_apply(&cs, &f) != ST_OK)
        return die("time zone", &f, NULL);
    if ((size_t)snprintf(path, sizeof(path), "%s/calendar.db", dir) >= sizeof(path))
        return die("the results directory's name is too long", NULL, NULL);
    unlink(path);
    snprintf(md, sizeof(md), "%s-wal", path);
    unlink(md);
    snprintf(md, sizeof(md), "%s-shm", path);
    unlink(md);

    int64_t t0 = time_mono_us();
    if (db_open(path, true, &db, &f) != ST_OK || db_migrate(db, NULL, NULL, &f) != ST_OK ||
        db_bulk_load(db) != ST_OK || demo_create(db, PATIENTS, NULL, &f) != ST_OK) {
        rc = die("building the clinic", &f, db);
        goto out;
    }
    cal.first_patient = 1;
    struct date today;
    clinic_tz_today(&today);
    date_add_days(&today, 1, &today);
    if (build_resources(db, &cal) != ST_OK || build_year(db, &cal, &today) != ST_OK) {
        rc = die("booking a year", NULL, db);
        goto out;
    }
    double build_s = (time_mono_us() - t0) / 1e6;
    /* Searches run on a connection as the server's workers have: the default page cache. */
    db_close(db);
    db = NULL;
    if (db_open(path, false, &db, &f) != ST_OK) {
        rc = die("reopening", &f, NULL);
        goto out;
    }
    actor_cli(&actor);

    course_us = calloc((size_t)iterations, sizeof(int64_t));
    search_us = calloc((size_t)iterations * COURSE_SESSIONS, sizeof(int64_t));
    day_us = calloc((size_t)iterations, sizeof(int64_t));
    course_cpu = calloc((size_t)iterations, sizeof(int64_t));
    day_cpu = calloc((size_t)iterations, sizeof(int64_t));
    if (!course_us || !search_us || !day_us || !course_cpu || !day_cpu) {
        rc = die("memory", NULL, NULL);
        goto out;
    }
    /* A course: four searches, one per monthly window, for a patient with nothing booked. */
    int found_total = 0, searches = 0, warmup = 20;
    for (long it = -warmup; it < iterations; it++) {
        int64_t span = DAYS - (COURSE_SESSIONS - 1) * SESSION_INTERVAL_DAYS - WINDOW_DAYS;
        struct date d0;
        date_add_days(&today, (int64_t)(next_rand() % (uint64_t)span), &d0);
        char patient[24];
        snprintf(patient, sizeof(patient), "%lld",
                 (long long)(PATIENTS - SEARCH_PATIENTS + 1 + (it + warmup) % SEARCH_PATIENTS));
        int64_t c0 = time_mono_us(), cpu0 = cpu_us();
        for (int k = 0; k < COURSE_SESSIONS; k++) {
            struct date a, b;
            char from[11], to[11];
            date_add_days(&d0, k * SESSION_INTERVAL_DAYS, &a);
            date_add_days(&a, WINDOW_DAYS - 1, &b);
            date_format(&a, from);
            date_format(&b, to);
            struct schedule_slot_params p = {.from = from,
                                             .to = to,
                                             .duration = "60",
                                             .prep = "30",
                                             .room_kind = "treatment",
                                             .patient = patient,
                                             .limit = "5"};
            json_t *out = NULL;
            int64_t s0 = time_mono_us();
            if (schedule_slots(db, &cs, &p, &out, &f) != ST_OK) {
                rc = die("slot search", &f, db);
                goto out;
            }
            if (it >= 0) {
                search_us[searches++] = time_mono_us() - s0;
                found_total += (int)json_array_size(json_object_get(out, "slots"));
            }
            json_decref(out);
        }
        if (it >= 0) {
            course_us[it] = time_mono_us() - c0;
            course_cpu[it] = cpu_us() - cpu0;
        }
    }
    /* The day view of a busy day, as the server builds and writes it. */
    int64_t shown = 0;
    for (long it = -warmup; it < iterations; it++) {
        struct date d;
        do
            date_add_days(&today, (int64_t)(next_rand() % DAYS), &d);
        while (date_iso_weekday(&d) == 5);
        char day[11];
        date_format(&d, day);
        struct schedule_view_params p = {day, "room", NULL};
        json_t *out = NULL;
        int64_t s0 = time_mono_us(), cpu0 = cpu_us();
        if (schedule_day(db, &actor, &p, &out, &f) != ST_OK) {
            rc = die("day view", &f, db);
            goto out;
        }
        char *text = json_dumps(out, JSON_COMPACT);
        if (it >= 0) {
            day_us[it] = time_mono_us() - s0;
            day_cpu[it] = cpu_us() - cpu0;
            shown += (int64_t)json_array_size(json_object_get(out, "appointments"));
        }
        free(text);
        json_decref(out);
    }

    struct figures course = summarise(course_us, (int)iterations);
    struct figures one = summarise(search_us, searches);
    struct figures view = summarise(day_us, (int)iterations);
    struct figures course_c = summarise(course_cpu, (int)iterations);
    struct figures view_c = summarise(day_cpu, (int)iterations);
    char load[64] = "unknown";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la && fgets(load, sizeof(load), la)) {
        /* The first three fields: the averages over 1, 5 and 15 minutes. */
        char *end = load;
        for (int sp = 0; sp < 3 && end; sp++)
            end = strchr(end + 1, ' ');
        if (end)
            *end = '\0';
    }
    if (la)
        fclose(la);
    double per_day = (double)shown / (double)iterations;
    char cpu[128] = "";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (ci && fgets(line, sizeof(line), ci))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(cpu, sizeof(cpu), "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (ci)
        fclose(ci);

    snprintf(md, sizeof(md), "%s/calendar.md", dir);
    FILE *out = fopen(md, "w");
    if (!out) {
        rc = die("cannot write the results", NULL, NULL);
        goto out;
    }
    FILE *targets[] = {stdout, out};
    for (int i = 0; i < 2; i++) {
        FILE *o = targets[i];
        fprintf(o, "## Calendar benchmark\n\n");
        fprintf(o,
                "- Calendar: %d rooms (%d treatment), %d clinicians, %d centrifuges, %d patients;"
                " %lld appointments and %lld holds over %d days (about %d%% of the slots"
                " booked); built in %.1f s\n",
                TREATMENT_ROOMS + PROCEDURE_ROOMS + CONSULTATION_ROOMS, TREATMENT_ROOMS, CLINICIANS,
                CENTRIFUGES, PATIENTS, (long long)cal.appointments, (long long)cal.holds, DAYS,
                BOOKED_PERCENT, build_s);
        fprintf(o,
                "- Course: %d sessions, 60 minutes with 30 of centrifuge, a treatment room,"
                " windows of %d days %d days apart, the first 5 slots of each; %ld courses"
                " (%d searches found %d slots)\n",
                COURSE_SESSIONS, WINDOW_DAYS, SESSION_INTERVAL_DAYS, iterations, searches,
                found_total);
        fprintf(o,
                "- Day view: %ld random open days by room, %.0f appointments a day on average,"
                " built and written as JSON\n",
                iterations, per_day);
        fprintf(o,
                "- Machine: %ld CPUs, %s, load average %s after the run. Time is measured inside"
                " the process (the server's own functions, no HTTP): elapsed, and the thread's"
                " CPU time, which other work on the machine does not lengthen\n\n",
                sysconf(_SC_NPROCESSORS_ONLN), cpu[0] ? cpu : "unknown CPU", load);
        fprintf(o, "| measurement | p50 | p99 | max | CPU p50 | CPU p99 | target | met |\n");
        fprintf(o, "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        fprintf(o,
                "| first slots of a 4-session course | %.2f ms | %.2f ms | %.2f ms | %.2f ms |"
                " %.2f ms | p99 < 10 ms | %s |\n",
                course.p50, course.p99, course.max, course_c.p50, course_c.p99,
                course.p99 < 10 ? "yes" : "no");
        fprintf(o, "| one slot search (a monthly window) | %.2f ms | %.2f ms | %.2f ms | | | | |\n",
                one.p50, one.p99, one.max);
        fprintf(o,
                "| day view of a busy day | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |"
                " p99 < 5 ms | %s |\n",
                view.p50, view.p99, view.max, view_c.p50, view_c.p99, view.p99 < 5 ? "yes" : "no");
        fprintf(o, "\nTargets are judged on the elapsed p99.\n");
    }
    fclose(out);
    rc = 0;
out:
    free(course_us);
    free(search_us);
    free(day_us);
    free(course_cpu);
    free(day_cpu);
    db_close(db);
    return rc;
}
