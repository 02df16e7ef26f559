/* Command-line entry of the autologa binary: serve, init, demo, user, migrate, backup, audit,
 * gateway, screen, course, quote-pdf, label-pdf, aftercare-pdf, rcf, prep-compute,
 * trichoscopy-check, outcome-report, cohort-report, prp, permissions, version. Exit codes are
 * documented in docs/cli.md. */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clinic/audit.h"
#include "clinic/cohort.h"
#include "clinic/course_plan.h"
#include "clinic/clinic_settings.h"
#include "clinic/demo.h"
#include "clinic/gateway.h"
#include "clinic/protocols.h"
#include "clinic/mrn.h"
#include "clinic/procdoc.h"
#include "clinic/protofile.h"
#include "clinic/reminders.h"
#include "clinic/role.h"
#include "clinic/screening_record.h"
#include "clinic/specimen.h"
#include "clinic/timeline.h"
#include "clinic/trichoscopy_csv.h"
#include "clinic/user.h"
#include "core/buf.h"
#include "core/clinic_tz.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/log.h"
#include "core/text.h"
#include "docs/aftercare_pdf.h"
#include "docs/labels.h"
#include "docs/outcome_pdf.h"
#include "docs/quote_pdf.h"
#include "prp/rcf.h"
#include "http/router.h"
#include "prp/prp_json.h"
#include "prp/calibrate.h"
#include "http/server.h"
#include "store/db.h"

#define VERSION "0.1.0"

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_DB = 3, EXIT_AUDIT = 4 };

/* ---- a small option parser: --name value, --name=value, flags ---- */

struct opts {
    int argc;
    char **argv;
    const char *value[16];
    const char *name[16];
    int n;
    bool help;
    const char *bad; /* an unknown option or a missing value */
};

/* `spec` lists accepted options; a trailing '!' marks a flag without value ("force!"). */
static bool
opts_parse(struct opts *o, int argc, char **argv, const char *const *spec)
{
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        /* -o is the one short option: the output file of the document commands. */
        if (strcmp(a, "-o") == 0)
            a = "--out";
        if (strncmp(a, "--", 2) != 0) {
            o->bad = a;
            return false;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const char *match = NULL;
        bool flag = false;
        for (int s = 0; spec[s]; s++) {
            size_t sl = strlen(spec[s]);
            bool f = spec[s][sl - 1] == '!';
            if (f)
                sl--;
            if (sl == len && strncmp(spec[s], a + 2, len) == 0) {
                match = spec[s];
                flag = f;
            }
        }
        if (!match || o->n == 16) {
            o->bad = a;
            return false;
        }
        const char *v = "1";
        if (!flag) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else {
                o->bad = a;
                return false;
            }
        }
        o->name[o->n] = match;
        o->value[o->n++] = v;
    }
    return true;
}

static const char *
opt(const struct opts *o, const char *name)
{
    size_t nl = strlen(name);
    for (int i = o->n - 1; i >= 0; i--)
        if (strncmp(o->name[i], name, nl) == 0 && (o->name[i][nl] == '\0' || o->name[i][nl] == '!'))
            return o->value[i];
    return NULL;
}

static int
usage_error(const char *cmd, const struct opts *o, const char *what)
{
    if (o && o->bad)
        fprintf(stderr, "autologa %s: unknown option or missing value '%s' (see --help)\n", cmd,
                o->bad);
    else
        fprintf(stderr, "autologa %s: %s (see --help)\n", cmd, what);
    return EXIT_USAGE;
}

static int
report(const char *cmd, const struct fail *f)
{
    fprintf(stderr, "autologa %s: %s\n", cmd, f->message[0] ? f->message : status_name(f->status));
    return f->status == ST_DB || f->status == ST_BUSY || f->status == ST_NOT_FOUND ? EXIT_DB
                                                                                   : EXIT_FAIL;
}

/* Reads a password from an environment variable, else a terminal prompt without echo, else
 * one line of standard input. The caller frees the result. */
static char *
read_password(const char *env, const char *prompt)
{
    const char *e = getenv(env);
    if (e && *e)
        return strdup(e);
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char line[256];
    char *got = fgets(line, sizeof(line), stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    char *p = strdup(line);
    memset(line, 0, sizeof(line));
    return p;
}

static int
open_db(const char *cmd, const char *path, bool create, struct db **db)
{
    struct fail f;
    fail_clear(&f);
    if (db_open(path, create, db, &f) != ST_OK)
        return report(cmd, &f);
    return EXIT_OK;
}

/* Opens an existing database whose schema is current. */
static int
open_current_db(const char *cmd, const char *path, struct db **db)
{
    int rc = open_db(cmd, path, false, db);
    if (rc != EXIT_OK)
        return rc;
    int v = 0;
    if (db_schema_version(*db, &v) != ST_OK || v != db_schema_latest()) {
        fprintf(stderr,
                "autologa %s: database '%s' has schema %d, this binary needs %d: run "
                "'autologa migrate --db %s'\n",
                cmd, path, v, db_schema_latest(), path);
        db_close(*db);
        *db = NULL;
        return EXIT_DB;
    }
    return EXIT_OK;
}

/* ---- init ---- */

static int
cmd_init(int argc, char **argv)
{
    static const char *const spec[] = {"db", "admin-user", "admin-name", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("init", &o, "");
    if (o.help) {
        puts("usage: autologa init --db PATH --admin-user NAME [--admin-name \"Display Name\"]\n"
             "Creates a new, empty database with its first administrator. The password comes\n"
             "from AUTOLOGA_ADMIN_PASSWORD or is asked for on the terminal (10 characters or "
             "more).");
        return EXIT_OK;
    }
    const char *path = opt(&o, "db"), *user = opt(&o, "admin-user");
    if (!path || !user)
        return usage_error("init", NULL, "--db and --admin-user are required");
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size > 0) {
        fprintf(stderr, "autologa init: '%s' already exists; choose another path\n", path);
        return EXIT_FAIL;
    }
    char *password = read_password("AUTOLOGA_ADMIN_PASSWORD", "Password for the administrator: ");
    if (!password) {
        fprintf(stderr, "autologa init: no password given\n");
        return EXIT_USAGE;
    }
    struct db *db = NULL;
    struct fail f;
    fail_clear(&f);
    int rc = open_db("init", path, true, &db);
    if (rc == EXIT_OK && db_migrate(db, NULL, NULL, &f) != ST_OK)
        rc = report("init", &f);
    struct actor a;
    actor_cli(&a);
    if (rc == EXIT_OK && user_add(db, &a, user, opt(&o, "admin-name"), password, ROLE_ADMIN, false,
                                  NULL, &f) != ST_OK)
        rc = report("init", &f);
    db_close(db);
    if (rc != EXIT_OK)
        unlink(path);
    else
        printf("autologa: created %s with administrator '%s'\n", path, user);
    memset(password, 0, strlen(password));
    free(password);
    return rc;
}

/* ---- demo ---- */

static void
demo_progress(int64_t done, int64_t total)
{
    if (total >= 100000)
        fprintf(stderr, "\rautologa demo: %lld of %lld patients", (long long)done,
                (long long)total);
    if (total >= 100000 && done == total)
        fputc('\n', stderr);
}

static int
cmd_demo(int argc, char **argv)
{
    static const char *const spec[] = {"db", "patients", "protocols", "time-zone", "force!", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("demo", &o, "");
    if (o.help) {
        printf("usage: autologa demo --db PATH [--patients N] [--protocols protocols]\n"
               "                     [--time-zone UTC] [--force]\n"
               "Creates an invented demo clinic: one user of each role (password '%s'),\n"
               "rooms, and N patients (default %d) with English and Arabic names; the first\n"
               "%d have a medical history, an assessment and lab results (checked against\n"
               "the data files of --protocols) that show what screening says. With %d or more\n"
               "patients the clinic gets its calendar: opening hours (Saturday to Thursday),\n"
               "clinicians, centrifuges, a holiday and a few appointments in the next days,\n"
               "placed in the clinic's --time-zone (give the one `serve` will use). With %d or\n"
               "more the fifth patient has a PRP course for hair begun seven months ago, with\n"
               "measurements and synthetic photographs marked DEMO.\n"
               "--force replaces an existing file.\n",
               DEMO_PASSWORD, DEMO_DEFAULT_PATIENTS, DEMO_CLINICAL_PATIENTS, DEMO_CALENDAR_PATIENTS,
               DEMO_OUTCOMES_PATIENTS);
        return EXIT_OK;
    }
    const char *path = opt(&o, "db"), *np = opt(&o, "patients");
    if (!path)
        return usage_error("demo", NULL, "--db is required");
    int64_t n = DEMO_DEFAULT_PATIENTS;
    if (np) {
        char *end;
        errno = 0;
        n = strtoll(np, &end, 10);
        if (errno || *end || n < 0 || n > 50000000)
            return usage_error("demo", NULL, "--patients must be a number from 0 to 50000000");
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!opt(&o, "force")) {
            fprintf(stderr, "autologa demo: '%s' already exists (use --force to replace it)\n",
                    path);
            return EXIT_FAIL;
        }
        char side[1024];
        unlink(path);
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    struct db *db = NULL;
    struct protocols *protocols = NULL;
    struct clinic_settings clinic;
    struct fail f;
    fail_clear(&f);
    clinic_settings_default(&clinic);
    if (opt(&o, "time-zone") &&
        (clinic_settings_time_zone(&clinic, opt(&o, "time-zone"), &f) != ST_OK ||
         clinic_settings_apply(&clinic, &f) != ST_OK))
        return usage_error("demo", NULL, f.message);
    if (protocols_load(opt(&o, "protocols") ? opt(&o, "protocols") : "protocols", &protocols, &f) !=
        ST_OK)
        return report("demo", &f);
    int rc = open_db("demo", path, true, &db);
    if (rc == EXIT_OK && db_migrate(db, NULL, NULL, &f) != ST_OK)
        rc = report("demo", &f);
    if (rc == EXIT_OK && demo_create(db, n, demo_progress, &f) != ST_OK)
        rc = report("demo", &f);
    if (rc == EXIT_OK && n >= DEMO_CLINICAL_PATIENTS &&
        demo_clinical(db, protocols, time_now_ms(), &f) != ST_OK)
        rc = report("demo", &f);
    if (rc == EXIT_OK && n >= DEMO_CALENDAR_PATIENTS &&
        demo_calendar(db, protocols, time_now_ms(), &f) != ST_OK)
        rc = report("demo", &f);
    if (rc == EXIT_OK && n >= DEMO_OUTCOMES_PATIENTS &&
        demo_outcomes(db, protocols, time_now_ms(), &f) != ST_OK)
        rc = report("demo", &f);
    db_close(db);
    protocols_free(protocols);
    if (rc != EXIT_OK) {
        unlink(path);
        return rc;
    }
    printf("autologa: demo clinic in %s with %lld patients\n", path, (long long)n);
    printf("  logins (password '%s'):", DEMO_PASSWORD);
    for (int i = 0; demo_usernames[i]; i++)
        printf(" %s", demo_usernames[i]);
    printf("\n");
    return EXIT_OK;
}

/* ---- serve ---- */

struct ini_target {
    struct server_config *cfg;
    struct clinic_settings *clinic;
    char *strings[5]; /* owned copies of db, listen, web_root, protocols, the clinic's name */
    const char *file;
    int bad_line;
    char bad[512];
};

static int
ini_number(const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max)
        return 0;
    *out = n;
    return 1;
}

static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_target *t = user;
    long n = 0;
    int ok = 1;
    if (strcmp(section, "server") == 0) {
        int slot = strcmp(name, "db") == 0          ? 0
                   : strcmp(name, "listen") == 0    ? 1
                   : strcmp(name, "web_root") == 0  ? 2
                   : strcmp(name, "protocols") == 0 ? 3
                                                    : -1;
        if (slot >= 0) {
            free(t->strings[slot]);
            t->strings[slot] = strdup(value);
        } else if (strcmp(name, "threads") == 0 && (ok = ini_number(value, 0, 256, &n))) {
            t->cfg->threads = (int)n;
        } else if (strcmp(name, "threads") != 0) {
            ok = 0;
        }
    } else if (strcmp(section, "session") == 0) {
        struct session_policy *p = &t->cfg->session;
        if (strcmp(name, "idle_minutes") == 0 && (ok = ini_number(value, 1, 1440, &n)))
            p->idle_ms = n * 60000;
        else if (strcmp(name, "absolute_hours") == 0 && (ok = ini_number(value, 1, 168, &n)))
            p->absolute_ms = n * 3600000;
        else if (strcmp(name, "max_user_failures") == 0 && (ok = ini_number(value, 1, 1000, &n)))
            p->max_user_failures = (int)n;
        else if (strcmp(name, "max_address_failures") == 0 &&
                 (ok = ini_number(value, 1, 100000, &n)))
            p->max_remote_failures = (int)n;
        else if (strcmp(name, "window_minutes") == 0 && (ok = ini_number(value, 1, 1440, &n)))
            p->window_ms = n * 60000;
        else if (ok)
            ok = 0;
    } else if (strcmp(section, "procedures") == 0 && strcmp(name, "specimen_hours") == 0) {
        struct fail f;
        if (specimen_hours_parse(value, &t->cfg->specimen_hours, &f) != ST_OK && !t->bad[0])
            snprintf(t->bad, sizeof(t->bad), "[procedures] %s = %s: %s", name, value, f.message);
    } else if (strcmp(section, "clinic") == 0 && strcmp(name, "name") == 0) {
        /* The name messages to patients and printed documents carry (clinic/reminders.h). */
        ok = strlen(value) <= REMINDERS_CLINIC_NAME_MAX && text_valid_utf8(value, strlen(value));
        if (ok) {
            free(t->strings[4]);
            t->strings[4] = strdup(value);
        }
    } else if (strcmp(section, "clinic") == 0) {
        struct fail f;
        int st = strcmp(name, "time_zone") == 0 ? clinic_settings_time_zone(t->clinic, value, &f)
                 : strcmp(name, "slot_minutes") == 0
                     ? clinic_settings_slot_minutes(t->clinic, value, &f)
                 : strcmp(name, "currency") == 0 ? clinic_settings_currency(t->clinic, value, &f)
                                                 : ST_NOT_FOUND;
        if (st == ST_INVALID && !t->bad[0])
            snprintf(t->bad, sizeof(t->bad), "[clinic] %s = %s: %s", name, value, f.message);
        ok = st != ST_NOT_FOUND;
    } else {
        ok = 0;
    }
    if (!ok && !t->bad[0])
        snprintf(t->bad, sizeof(t->bad), "[%s] %s = %s is unknown or out of range", section, name,
                 value);
    return 1;
}

static int
cmd_serve(int argc, char **argv)
{
    static const char *const spec[] = {"db",       "listen",      "web-root",       "protocols",
                                       "config",   "threads",     "time-zone",      "slot-minutes",
                                       "currency", "clinic-name", "specimen-hours", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("serve", &o, "");
    if (o.help) {
        puts("usage: autologa serve --db PATH [--listen 127.0.0.1:8080] [--web-root web]\n"
             "                      [--protocols protocols] [--threads N] [--config FILE]\n"
             "                      [--time-zone UTC] [--slot-minutes 15] [--currency AED]\n"
             "                      [--clinic-name NAME] [--specimen-hours 3]\n"
             "Serves the API and the web UI until SIGINT or SIGTERM. The clinic's data files\n"
             "(screening rules, drugs, laboratory analytes) are read from --protocols at start;\n"
             "a mistake in them stops the start with the file, entry and field named.\n"
             "Options on the command line\n"
             "override the configuration file (see docs/configuration.md). --listen with port 0\n"
             "picks a free port; the chosen one is printed. --time-zone is the clinic's IANA\n"
             "time zone (its calendar days and opening hours), --slot-minutes the grid\n"
             "appointments start on (5 to 60, dividing an hour), --currency its ISO 4217 code,\n"
             "--clinic-name (or [clinic] name) the name reminders and printed documents give\n"
             "(without it, \"the clinic\"). --specimen-hours (or [procedures] specimen_hours,\n"
             "1 to 24, default 3) is how long after the draw a specimen may be injected.");
        return EXIT_OK;
    }
    struct server_config cfg = {
        .listen = "127.0.0.1:8080", .web_root = "web", .specimen_hours = SPECIMEN_HOURS_DEFAULT};
    const char *protocols_dir = "protocols";
    struct protocols *protocols = NULL;
    struct clinic_settings clinic;
    session_policy_default(&cfg.session);
    clinic_settings_default(&clinic);
    cfg.clinic = &clinic;
    struct ini_target t = {.cfg = &cfg, .clinic = &clinic};
    /* Where the time zone came from, to name it if the zone database does not know it. */
    const char *zone_origin = "[clinic] time_zone";
    int rc = EXIT_OK;
    const char *cfile = opt(&o, "config");
    if (cfile) {
        int line = ini_parse(cfile, on_ini, &t);
        if (line != 0 || t.bad[0]) {
            if (line < 0)
                fprintf(stderr, "autologa serve: cannot read configuration '%s'\n", cfile);
            else if (line > 0)
                fprintf(stderr, "autologa serve: configuration '%s' line %d does not parse\n",
                        cfile, line);
            else
                fprintf(stderr, "autologa serve: configuration '%s': %s\n", cfile, t.bad);
            rc = EXIT_USAGE;
            goto out;
        }
        if (t.strings[0])
            cfg.db_path = t.strings[0];
        if (t.strings[1])
            cfg.listen = t.strings[1];
        if (t.strings[2])
            cfg.web_root = t.strings[2];
        if (t.strings[3])
            protocols_dir = t.strings[3];
    }
    const char *clinic_name = opt(&o, "clinic-name") ? opt(&o, "clinic-name") : t.strings[4];
    if (clinic_name && (strlen(clinic_name) > REMINDERS_CLINIC_NAME_MAX ||
                        !text_valid_utf8(clinic_name, strlen(clinic_name)))) {
        rc = usage_error("serve", NULL, "--clinic-name must be text of at most 120 bytes");
        goto out;
    }
    reminders_set_clinic_name(clinic_name);
    if (opt(&o, "db"))
        cfg.db_path = opt(&o, "db");
    if (opt(&o, "listen"))
        cfg.listen = opt(&o, "listen");
    if (opt(&o, "web-root"))
        cfg.web_root = opt(&o, "web-root");
    if (opt(&o, "protocols"))
        protocols_dir = opt(&o, "protocols");
    if (opt(&o, "threads")) {
        long n;
        if (!ini_number(opt(&o, "threads"), 0, 256, &n)) {
            rc = usage_error("serve", NULL, "--threads must be a number from 0 to 256");
            goto out;
        }
        cfg.threads = (int)n;
    }
    struct fail f;
    fail_clear(&f);
    if (opt(&o, "time-zone")) {
        zone_origin = "--time-zone";
        if (clinic_settings_time_zone(&clinic, opt(&o, "time-zone"), &f) != ST_OK) {
            rc = usage_error("serve", NULL, f.message);
            goto out;
        }
    }
    if (opt(&o, "slot-minutes") &&
        clinic_settings_slot_minutes(&clinic, opt(&o, "slot-minutes"), &f) != ST_OK) {
        rc = usage_error("serve", NULL, f.message);
        goto out;
    }
    if (opt(&o, "specimen-hours") &&
        specimen_hours_parse(opt(&o, "specimen-hours"), &cfg.specimen_hours, &f) != ST_OK) {
        rc = usage_error("serve", NULL, "--specimen-hours must be a whole number from 1 to 24");
        goto out;
    }
    if (opt(&o, "currency") &&
        clinic_settings_currency(&clinic, opt(&o, "currency"), &f) != ST_OK) {
        rc = usage_error("serve", NULL, f.message);
        goto out;
    }
    if (!cfg.db_path) {
        rc = usage_error("serve", NULL, "--db (or [server] db in the configuration) is required");
        goto out;
    }
    /* Before any thread starts: the zone is the C library's TZ. */
    if (clinic_settings_apply(&clinic, &f) != ST_OK) {
        fprintf(stderr, "autologa serve: %s '%s': %s\n", zone_origin, clinic.time_zone, f.message);
        rc = EXIT_USAGE;
        goto out;
    }
    if (protocols_load(protocols_dir, &protocols, &f) != ST_OK ||
        course_protocols_check_currency(protocols->courses, clinic.currency, &f) != ST_OK) {
        rc = report("serve", &f);
        goto out;
    }
    cfg.protocols = protocols;
    if (server_run(&cfg, &f) != ST_OK)
        rc = report("serve", &f);
out:
    protocols_free(protocols);
    for (int i = 0; i < 5; i++)
        free(t.strings[i]);
    return rc;
}

/* ---- user ---- */

static unsigned
parse_role_list(const char *list)
{
    unsigned roles = 0;
    char copy[128];
    snprintf(copy, sizeof(copy), "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned r = role_from_name(tok);
        if (!r)
            return 0;
        roles |= r;
    }
    return roles;
}

static int
print_user(void *ctx, const struct db_user *u)
{
    (void)ctx;
    struct buf r;
    buf_init(&r, 128);
    int st = role_format(u->roles, &r);
    printf("%-20s %-30s %-28s %s\n", u->username, u->display_name ? u->display_name : "",
           st == ST_OK ? buf_str(&r) : "?", u->disabled ? "disabled" : "active");
    buf_release(&r);
    return 0;
}

static int
cmd_user(int argc, char **argv)
{
    static const char *const spec[] = {"db", "username", "display-name", "roles", NULL};
    const char *sub = argc > 0 ? argv[0] : "";
    struct opts o;
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || !*sub) {
        puts("usage: autologa user add --db PATH --username U --roles r1,r2 [--display-name D]\n"
             "       autologa user list --db PATH\n"
             "       autologa user disable --db PATH --username U\n"
             "       autologa user enable --db PATH --username U\n"
             "       autologa user passwd --db PATH --username U\n"
             "Roles: admin, doctor, nurse, reception. Passwords come from AUTOLOGA_PASSWORD or\n"
             "a prompt (10 characters or more).");
        return *sub ? EXIT_OK : EXIT_USAGE;
    }
    if (!opts_parse(&o, argc - 1, argv + 1, spec))
        return usage_error("user", &o, "");
    if (o.help)
        return cmd_user(1, (char *[]){"--help"});
    const char *path = opt(&o, "db"), *name = opt(&o, "username");
    if (!path)
        return usage_error("user", NULL, "--db is required");
    bool known = !strcmp(sub, "add") || !strcmp(sub, "list") || !strcmp(sub, "disable") ||
                 !strcmp(sub, "enable") || !strcmp(sub, "passwd");
    if (!known)
        return usage_error("user", NULL, "unknown subcommand (add, list, disable, enable, passwd)");
    if (strcmp(sub, "list") != 0 && !name)
        return usage_error("user", NULL, "--username is required");
    unsigned roles = 0;
    if (!strcmp(sub, "add")) {
        roles = opt(&o, "roles") ? parse_role_list(opt(&o, "roles")) : 0;
        if (!roles)
            return usage_error("user", NULL, "--roles must list admin, doctor, nurse or reception");
    }
    struct db *db = NULL;
    int rc = open_current_db("user", path, &db);
    if (rc != EXIT_OK)
        return rc;
    struct actor a;
    actor_cli(&a);
    struct fail f;
    fail_clear(&f);
    char *password = NULL;
    if (!strcmp(sub, "list")) {
        if (db_user_list(db, print_user, NULL) != ST_OK)
            rc = report("user", &(struct fail){.status = ST_DB, .message = "cannot list users"});
        goto out;
    }
    if (!strcmp(sub, "add") || !strcmp(sub, "passwd")) {
        password = read_password("AUTOLOGA_PASSWORD", "Password: ");
        if (!password) {
            rc = usage_error("user", NULL, "no password given");
            goto out;
        }
    }
    if (!strcmp(sub, "add")) {
        if (user_add(db, &a, name, opt(&o, "display-name"), password, roles, false, NULL, &f) !=
            ST_OK)
            rc = report("user", &f);
        else
            printf("autologa: added user '%s'\n", name);
        goto out;
    }
    struct db_user u;
    if (db_user_by_name(db, name, &u) != ST_OK) {
        fprintf(stderr, "autologa user: no user '%s'\n", name);
        rc = EXIT_FAIL;
        goto out;
    }
    int64_t id = u.id;
    db_user_release(&u);
    int st = !strcmp(sub, "passwd") ? user_set_password(db, &a, id, password, &f)
                                    : user_set_disabled(db, &a, id, !strcmp(sub, "disable"), &f);
    if (st != ST_OK)
        rc = report("user", &f);
    else
        printf("autologa: %s '%s' done\n", sub, name);
out:
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    db_close(db);
    return rc;
}

/* ---- gateway ---- */

static int
print_gateway(void *ctx, const struct db_gateway *g)
{
    (void)ctx;
    char created[25], used[25];
    time_format_ms(g->created_ms, created);
    if (g->has_last_used)
        time_format_ms(g->last_used_ms, used);
    else
        snprintf(used, sizeof(used), "never");
    printf("%-32s %-8s %-25s %s\n", g->name, g->revoked ? "revoked" : "active", created, used);
    return 0;
}

static int
cmd_gateway(int argc, char **argv)
{
    static const char *const spec[] = {"db", NULL};
    const char *sub = argc > 0 ? argv[0] : "";
    bool named = !strcmp(sub, "add") || !strcmp(sub, "revoke");
    if (!named && strcmp(sub, "list") != 0) {
        puts("usage: autologa gateway add NAME --db PATH\n"
             "       autologa gateway list --db PATH\n"
             "       autologa gateway revoke NAME --db PATH\n"
             "A gateway (an SMS or e-mail service) reads the outbox and marks its messages with\n"
             "'Authorization: Bearer TOKEN' (docs/reminders.md). 'add' prints the new token on\n"
             "standard output, once: only its hash is kept. 'revoke' refuses the token from then\n"
             "on; a revoked name is not given out again. NAME: 1 to 31 of a-z, 0-9, '.', '_'\n"
             "and '-'.");
        return strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ? EXIT_OK : EXIT_USAGE;
    }
    int first = named ? 2 : 1;
    const char *name = named && argc > 1 ? argv[1] : NULL;
    if (name && (!strcmp(name, "--help") || !strcmp(name, "-h")))
        return cmd_gateway(1, (char *[]){"--help"});
    if (named && (!name || strncmp(name, "--", 2) == 0))
        return usage_error("gateway", NULL, "the gateway's NAME is required");
    struct opts o;
    if (!opts_parse(&o, argc - first, argv + first, spec))
        return usage_error("gateway", &o, "");
    if (o.help)
        return cmd_gateway(1, (char *[]){"--help"});
    if (!opt(&o, "db"))
        return usage_error("gateway", NULL, "--db is required");
    if (name && !gateway_name_valid(name))
        return usage_error("gateway", NULL,
                           "NAME must be 1 to 31 of a-z, 0-9, '.', '_' and '-', starting with a "
                           "letter or a digit");
    struct db *db = NULL;
    int rc = open_current_db("gateway", opt(&o, "db"), &db);
    if (rc != EXIT_OK)
        return rc;
    struct actor a;
    actor_cli(&a);
    struct fail f;
    fail_clear(&f);
    char token[CRYPTO_TOKEN_HEX];
    if (!strcmp(sub, "list")) {
        printf("%-32s %-8s %-25s %s\n", "NAME", "STATUS", "CREATED", "LAST USED");
        if (db_gateway_list(db, print_gateway, NULL) != ST_OK)
            rc = report("gateway",
                        &(struct fail){.status = ST_DB, .message = "cannot list gateways"});
    } else if (!strcmp(sub, "add")) {
        if (gateway_add(db, &a, name, token, &f) != ST_OK) {
            rc = report("gateway", &f);
        } else {
            /* The token alone on standard output, so that a script can take it. */
            printf("%s\n", token);
            fprintf(stderr,
                    "autologa: gateway '%s' added; keep its token now, it is not shown again\n",
                    name);
        }
        memset(token, 0, sizeof(token));
    } else if (gateway_revoke(db, &a, name, &f) != ST_OK) {
        fprintf(stderr, "autologa gateway: %s\n", f.message);
        rc = f.status == ST_NOT_FOUND || f.status == ST_CONFLICT ? EXIT_FAIL : EXIT_DB;
    } else {
        printf("autologa: gateway '%s' revoked\n", name);
    }
    db_close(db);
    return rc;
}

/* ---- migrate, backup, audit, permissions ---- */

static int
cmd_migrate(int argc, char **argv)
{
    static const char *const spec[] = {"db", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("migrate", &o, "");
    if (o.help) {
        puts("usage: autologa migrate --db PATH\n"
             "Brings the database schema up to this binary's version (each step in its own\n"
             "transaction). Take a backup first.");
        return EXIT_OK;
    }
    if (!opt(&o, "db"))
        return usage_error("migrate", NULL, "--db is required");
    struct db *db = NULL;
    int rc = open_db("migrate", opt(&o, "db"), false, &db);
    if (rc != EXIT_OK)
        return rc;
    struct fail f;
    fail_clear(&f);
    int applied = 0, version = 0;
    if (db_migrate(db, &applied, &version, &f) != ST_OK)
        rc = report("migrate", &f);
    else
        printf("autologa: schema version %d (%d migration%s applied)\n", version, applied,
               applied == 1 ? "" : "s");
    db_close(db);
    return rc;
}

static int
cmd_backup(int argc, char **argv)
{
    static const char *const spec[] = {"db", "to", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("backup", &o, "");
    if (o.help) {
        puts("usage: autologa backup --db PATH --to FILE\n"
             "Copies the database with SQLite's online backup: consistent while the server\n"
             "runs and writes. FILE must not exist yet.");
        return EXIT_OK;
    }
    const char *path = opt(&o, "db"), *to = opt(&o, "to");
    if (!path || !to)
        return usage_error("backup", NULL, "--db and --to are required");
    struct stat sb;
    if (stat(to, &sb) == 0) {
        fprintf(stderr, "autologa backup: '%s' already exists\n", to);
        return EXIT_FAIL;
    }
    struct db *db = NULL;
    int rc = open_db("backup", path, false, &db);
    if (rc != EXIT_OK)
        return rc;
    struct fail f;
    fail_clear(&f);
    if (db_backup(db, to, &f) != ST_OK)
        rc = report("backup", &f);
    else
        printf("autologa: backed up %s to %s\n", path, to);
    db_close(db);
    return rc;
}

static int
cmd_audit(int argc, char **argv)
{
    static const char *const spec[] = {"db", NULL};
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "verify") != 0) {
        puts("usage: autologa audit verify --db PATH\n"
             "Re-computes the hash chain of the audit trail. Exit 0 when intact, 4 when an\n"
             "event was changed or removed. Prints the newest event's hash: keep it to detect\n"
             "a cut-off tail later.");
        return strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ? EXIT_OK : EXIT_USAGE;
    }
    struct opts o;
    if (!opts_parse(&o, argc - 1, argv + 1, spec))
        return usage_error("audit", &o, "");
    if (o.help)
        return cmd_audit(1, (char *[]){"--help"});
    if (!opt(&o, "db"))
        return usage_error("audit", NULL, "--db is required");
    struct db *db = NULL;
    int rc = open_current_db("audit", opt(&o, "db"), &db);
    if (rc != EXIT_OK)
        return rc;
    struct audit_check c;
    if (audit_verify(db, &c) != ST_OK) {
        fprintf(stderr, "autologa audit: cannot read the audit trail: %s\n", db_errmsg(db));
        rc = EXIT_DB;
    } else if (c.first_bad_id) {
        printf("audit chain BROKEN at event %lld (%lld events)\n", (long long)c.first_bad_id,
               (long long)c.events);
        rc = EXIT_AUDIT;
    } else {
        printf("audit chain intact: %lld events, head %s\n", (long long)c.events, c.head_hash);
    }
    db_close(db);
    return rc;
}

/* ---- screen ---- */

/* Two decimal digits at s, or -1. */
static int
two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* --date: "YYYY-MM-DD" (00:00) or "YYYY-MM-DDTHH:MM" in the machine's time zone (TZ), or a UTC
 * time ending in Z as the API writes it. */
static bool
parse_session_time(const char *s, int64_t *ms)
{
    size_t n = strnlen(s, 32);
    *ms = 0;
    if (n > 16 && s[n - 1] == 'Z')
        return time_parse_iso(s, ms) == ST_OK;
    if (n != 10 && n != 16)
        return false;
    char day[11];
    struct date d;
    memcpy(day, s, 10);
    day[10] = '\0';
    if (date_parse(day, &d) != ST_OK)
        return false;
    int h = 0, mi = 0;
    if (n == 16) {
        h = two_digits(s + 11);
        mi = two_digits(s + 14);
        if (s[10] != 'T' || s[13] != ':' || h < 0 || h > 23 || mi < 0 || mi > 59)
            return false;
    }
    struct tm tm = {.tm_year = d.year - 1900,
                    .tm_mon = d.month - 1,
                    .tm_mday = d.day,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_isdst = -1};
    errno = 0;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && errno)
        return false;
    *ms = (int64_t)t * 1000;
    return true;
}

/* A UTC time of the API ("2026-12-01T05:00:00.000Z") as local time: "2026-12-01 09:00 +0400". */
static void
local_time(const char *iso, char *out, size_t cap)
{
    int64_t ms;
    struct tm tm;
    snprintf(out, cap, "%s", iso ? iso : "");
    if (!iso || time_parse_iso(iso, &ms) != ST_OK)
        return;
    time_t t = (time_t)(ms / 1000);
    if (localtime_r(&t, &tm) && strftime(out, cap, "%Y-%m-%d %H:%M %z", &tm) == 0)
        snprintf(out, cap, "%s", iso);
}

struct mrn_match {
    const char *mrn;
    int64_t id;
};

static int
mrn_item(void *ctx, const struct db_patient *p)
{
    struct mrn_match *m = ctx;
    /* The same query also finds phone numbers that start with these digits. */
    if (strcmp(p->mrn, m->mrn) != 0)
        return 0;
    m->id = p->id;
    return 1;
}

static const char *
json_text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The result as a person reads it: outcome, each reason with its rule, evidence and source, and
 * what is missing. Clinician texts in English. */
static void
print_screening(json_t *r, const struct protocols *p, const char *mrn)
{
    const char *treatment = json_text(r, "treatment");
    long t = screening_list_find(&p->screening->treatments, treatment);
    char when[64];
    printf("Screening of patient %s for %s (%s)\n", mrn,
           t >= 0 ? p->screening->treatments.items[t].label.en : treatment, treatment);
    local_time(json_text(r, "session_at"), when, sizeof(when));
    printf("Session:  %s\n", when);
    printf("Outcome:  %s", json_text(r, "outcome"));
    json_t *until = json_object_get(r, "until");
    if (json_is_string(until)) {
        local_time(json_string_value(until), when, sizeof(when));
        printf(" until %s", when);
    }
    printf("\n");
    json_t *reasons = json_object_get(r, "reasons"), *missing = json_object_get(r, "missing");
    json_t *v;
    size_t i;
    printf("\nReasons (%zu):\n", json_array_size(reasons));
    json_array_foreach(reasons, i, v)
    {
        json_t *text = json_object_get(json_object_get(v, "text"), "clinician");
        printf("  %s  %s, evidence tier %s\n", json_text(v, "rule"), json_text(v, "effect"),
               json_text(v, "tier"));
        printf("    %s\n", json_text(text, "en"));
        json_t *vuntil = json_object_get(v, "until");
        if (json_is_string(vuntil)) {
            local_time(json_string_value(vuntil), when, sizeof(when));
            printf("    until %s\n", when);
        }
        printf("    source: %s\n", json_text(v, "source"));
    }
    if (json_array_size(reasons) == 0)
        printf("  none\n");
    printf("\nMissing (%zu):\n", json_array_size(missing));
    json_array_foreach(missing, i, v)
    {
        json_t *rules = json_object_get(v, "rules"), *id;
        size_t k;
        printf("  %s (%s; rule", json_text(json_object_get(v, "label"), "en"),
               json_is_true(json_object_get(v, "required")) ? "required" : "optional");
        printf("%s", json_array_size(rules) == 1 ? "" : "s");
        json_array_foreach(rules, k, id)
        {
            printf("%s%s", k ? ", " : " ", json_string_value(id));
        }
        printf(")\n");
    }
    if (json_array_size(missing) == 0)
        printf("  nothing\n");
    printf("\nRules file sha256 %s. Computed now, not stored.\n", json_text(r, "rules_sha256"));
}

static int
cmd_screen(int argc, char **argv)
{
    static const char *const spec[] = {"db",        "patient", "treatment", "date",
                                       "protocols", "json!",   NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("screen", &o, "");
    if (o.help) {
        puts("usage: autologa screen --db PATH --patient MRN --treatment CODE\n"
             "                       --date YYYY-MM-DD[THH:MM] [--protocols DIR] [--json]\n"
             "Screens a patient for a treatment at a planned session from the stored medical\n"
             "history, the newest assessment and the lab results, with the clinic's rules\n"
             "(--protocols, default 'protocols'). The result is computed, not stored; the\n"
             "look-up is written to the audit trail. --date is in this machine's time zone (TZ);\n"
             "a date alone means 00:00; a UTC time ending in Z is taken as it is. Prints the\n"
             "outcome, every reason with its rule, effect, evidence tier and source, and what is\n"
             "missing; --json prints the result as the API gives it.\n"
             "Treatments: prp-hair, prp-face, adsc-hair (those of the rules file).");
        return EXIT_OK;
    }
    const char *path = opt(&o, "db"), *mrn = opt(&o, "patient"), *treatment = opt(&o, "treatment"),
               *date = opt(&o, "date");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    if (!path || !mrn || !treatment || !date)
        return usage_error("screen", NULL, "--db, --patient, --treatment and --date are required");
    int64_t session_ms;
    if (!parse_session_time(date, &session_ms))
        return usage_error("screen", NULL,
                           "--date must be YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time)");
    if (!mrn_valid(mrn))
        return usage_error("screen", NULL,
                           "--patient must be an MRN: digits ending in their check digit");
    struct protocols *p = NULL;
    struct db *db = NULL;
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int rc = EXIT_OK;
    if (protocols_load(dir, &p, &f) != ST_OK) {
        rc = report("screen", &f);
        goto out;
    }
    if (screening_list_find(&p->screening->treatments, treatment) < 0) {
        fprintf(stderr, "autologa screen: unknown treatment '%s'; the rules know:", treatment);
        for (size_t i = 0; i < p->screening->treatments.n; i++)
            fprintf(stderr, "%s%s", i ? ", " : " ", p->screening->treatments.items[i].code);
        fprintf(stderr, "\n");
        rc = EXIT_USAGE;
        goto out;
    }
    rc = open_current_db("screen", path, &db);
    if (rc != EXIT_OK)
        goto out;
    struct mrn_match m = {.mrn = mrn};
    struct db_patient_query q = {.sort = DB_SORT_CREATED, .limit = INT32_MAX, .digits = mrn};
    int st = db_patient_list(db, &q, mrn_item, &m);
    if (st != ST_OK && st != 1) {
        rc = report("screen", &(struct fail){.status = ST_DB, .message = "cannot read patients"});
        goto out;
    }
    if (!m.id) {
        fprintf(stderr, "autologa screen: no patient with MRN %s\n", mrn);
        rc = EXIT_FAIL;
        goto out;
    }
    struct actor a;
    actor_cli(&a);
    if (screening_record_preview(db, p, &a, m.id, treatment, session_ms, true, &out, &f) != ST_OK) {
        rc = report("screen", &f);
        goto out;
    }
    json_t *result = json_array_get(json_object_get(out, "items"), 0);
    if (opt(&o, "json")) {
        char *s = json_dumps(result, JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
        rc = s ? EXIT_OK : EXIT_FAIL;
    } else {
        print_screening(result, p, mrn);
    }
out:
    json_decref(out);
    db_close(db);
    protocols_free(p);
    return rc;
}

/* ---- course plan ---- */

/* Where an item counts from, as a person reads it: "start", "#3 + 30 days", "#1 + 6 months". */
static void
plan_anchor(const struct course_plan_item *it, char *out, size_t cap)
{
    char from[16];
    if (it->anchor_seq)
        snprintf(from, sizeof(from), "#%d", it->anchor_seq);
    else
        snprintf(from, sizeof(from), "start");
    if (it->offset_months)
        snprintf(out, cap, "%s + %d month%s", from, it->offset_months,
                 it->offset_months == 1 ? "" : "s");
    else if (it->offset_days)
        snprintf(out, cap, "%s + %d day%s", from, it->offset_days, it->offset_days == 1 ? "" : "s");
    else
        snprintf(out, cap, "%s", from);
}

static void
print_plan(json_t *plan, const struct course_plan *cp)
{
    json_t *items = json_object_get(plan, "items"), *q = json_object_get(plan, "quote"), *v;
    size_t i;
    printf("%s (%s) from %s\n", json_text(json_object_get(plan, "label"), "en"),
           json_text(plan, "protocol"), json_text(plan, "start_date"));
    printf("\n%3s  %-38s %-18s %-10s %-23s %s\n", "#", "item", "counted from", "target", "window",
           "needs");
    json_array_foreach(items, i, v)
    {
        char anchor[48], window[32], needs[64];
        plan_anchor(&cp->items[i], anchor, sizeof(anchor));
        snprintf(window, sizeof(window), "%s..%s", json_text(v, "earliest_date"),
                 json_text(v, "latest_date"));
        int prep = (int)json_integer_value(json_object_get(v, "prep_minutes"));
        if (prep)
            snprintf(needs, sizeof(needs), "%lld min (%d centrifuge), %s room",
                     (long long)json_integer_value(json_object_get(v, "duration_minutes")), prep,
                     json_text(v, "room_kind"));
        else
            snprintf(needs, sizeof(needs), "%lld min, %s room",
                     (long long)json_integer_value(json_object_get(v, "duration_minutes")),
                     json_text(v, "room_kind"));
        printf("%3lld  %-38s %-18s %-10s %-23s %s\n",
               (long long)json_integer_value(json_object_get(v, "seq")),
               json_text(json_object_get(v, "label"), "en"), anchor, json_text(v, "target_date"),
               window, needs);
    }
    printf("\nQuote (amounts in minor units of %s):\n", json_text(q, "currency"));
    json_array_foreach(json_object_get(q, "lines"), i, v)
    {
        printf("  %-24s %3lld x %10lld = %12lld\n", json_text(json_object_get(v, "label"), "en"),
               (long long)json_integer_value(json_object_get(v, "quantity")),
               (long long)json_integer_value(json_object_get(v, "unit_minor")),
               (long long)json_integer_value(json_object_get(v, "total_minor")));
    }
    char *pct = json_dumps(json_object_get(q, "discount_percent"), JSON_ENCODE_ANY);
    char label[48];
    snprintf(label, sizeof(label), "package discount (%s %%)", pct ? pct : "?");
    long long discount = json_integer_value(json_object_get(q, "discount_minor"));
    printf("  %-43s %12lld\n", "subtotal",
           (long long)json_integer_value(json_object_get(q, "subtotal_minor")));
    printf("  %-43s %12lld\n", label, discount ? -discount : 0);
    printf("  %-43s %12lld\n", "total",
           (long long)json_integer_value(json_object_get(q, "total_minor")));
    free(pct);
}

static int
cmd_course(int argc, char **argv)
{
    static const char *const spec[] = {"protocol", "start", "protocols", "package!", "json!", NULL};
    const char *sub = argc > 0 ? argv[0] : "";
    if (strcmp(sub, "plan") != 0) {
        puts("usage: autologa course plan --protocol CODE --start YYYY-MM-DD [--package]\n"
             "                            [--protocols DIR] [--json]\n"
             "Lays a course protocol of the catalogue (--protocols, default 'protocols') out from\n"
             "a start date, as a prescription would, without a database: every session,\n"
             "maintenance session and follow-up with the item it counts from, its target date\n"
             "and window, what it needs, and the quote (--package: with the package discount).\n"
             "--json prints the plan as JSON.");
        return strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ? EXIT_OK : EXIT_USAGE;
    }
    struct opts o;
    if (!opts_parse(&o, argc - 1, argv + 1, spec))
        return usage_error("course", &o, "");
    if (o.help)
        return cmd_course(1, (char *[]){"--help"});
    const char *code = opt(&o, "protocol"), *start_s = opt(&o, "start");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    struct date start;
    if (!code || !start_s)
        return usage_error("course", NULL, "--protocol and --start are required");
    if (date_parse(start_s, &start) != ST_OK)
        return usage_error("course", NULL, "--start must be a date YYYY-MM-DD");
    struct protocols *p = NULL;
    struct course_plan *plan = NULL;
    json_t *out = NULL;
    struct fail f;
    fail_clear(&f);
    int rc = EXIT_OK;
    if (protocols_load(dir, &p, &f) != ST_OK) {
        rc = report("course", &f);
        goto out;
    }
    const struct course_protocol *proto = course_protocols_find(p->courses, code);
    if (!proto) {
        fprintf(stderr, "autologa course: unknown protocol '%s'; the catalogue has:", code);
        for (size_t i = 0; i < p->courses->nprotocols; i++)
            fprintf(stderr, "%s%s", i ? ", " : " ", p->courses->protocols[i].code);
        fprintf(stderr, "\n");
        rc = EXIT_USAGE;
        goto out;
    }
    plan = malloc(sizeof(*plan));
    if (!plan || course_plan_layout(proto, &start, plan) != ST_OK) {
        fprintf(stderr, "autologa course: the plan from %s runs past the calendar\n", start_s);
        rc = EXIT_FAIL;
        goto out;
    }
    out = course_plan_json(proto, plan, &start, opt(&o, "package") != NULL);
    if (!out) {
        rc = EXIT_FAIL;
        goto out;
    }
    if (opt(&o, "json")) {
        char *s = json_dumps(out, JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
        rc = s ? EXIT_OK : EXIT_FAIL;
    } else {
        print_plan(out, plan);
    }
out:
    json_decref(out);
    free(plan);
    protocols_free(p);
    return rc;
}

/* ---- quote-pdf ---- */

/* Writes all of b to the file at path ("-": standard output). */
static bool
write_whole(const char *path, const struct buf *b)
{
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *fp = to_stdout ? stdout : fopen(path, "wb");
    if (!fp)
        return false;
    bool ok = fwrite(b->data, 1, b->len, fp) == b->len;
    ok = (to_stdout ? fflush(fp) == 0 : fclose(fp) == 0) && ok;
    if (!ok && !to_stdout)
        unlink(path);
    return ok;
}

static int
cmd_quote_pdf(int argc, char **argv)
{
    static const char *const spec[] = {"quote", "lang", "out", "clinic", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("quote-pdf", &o, "");
    if (o.help) {
        puts("usage: autologa quote-pdf --quote FILE.json --out FILE.pdf [--lang en|ar]\n"
             "                          [--clinic \"Clinic name\"]\n"
             "Renders a course's quote (the JSON of GET /api/v1/courses/{id}/quote) as the PDF\n"
             "the server gives, in English (default) or Arabic; --out - writes to standard\n"
             "output. Prints the pages and the font families used: a check that this machine's\n"
             "fonts shape Arabic. Exits 1 when a character has no glyph in any installed font.");
        return EXIT_OK;
    }
    const char *path = opt(&o, "quote"), *out_path = opt(&o, "out");
    const char *lang = opt(&o, "lang") ? opt(&o, "lang") : "en";
    if (!path || !out_path)
        return usage_error("quote-pdf", NULL, "--quote and --out are required");
    if (strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0)
        return usage_error("quote-pdf", NULL, "--lang must be en or ar");
    json_t *quote = NULL;
    struct buf pdf;
    struct quote_pdf_report info;
    struct fail f;
    fail_clear(&f);
    buf_init(&pdf, 0);
    int rc = EXIT_OK;
    /* The file's own messages name it already; those of the quote name a field. */
    if (protofile_load(path, &quote, &f) != ST_OK) {
        rc = report("quote-pdf", &f);
        goto out;
    }
    if (quote_pdf_render_report(quote, lang, opt(&o, "clinic"), &pdf, &info, &f) != ST_OK) {
        fprintf(stderr, "autologa quote-pdf: %s: %s\n", path,
                f.message[0] ? f.message : status_name(f.status));
        rc = EXIT_FAIL;
        goto out;
    }
    if (!write_whole(out_path, &pdf)) {
        fprintf(stderr, "autologa quote-pdf: cannot write '%s': %s\n", out_path, strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }
    fprintf(strcmp(out_path, "-") == 0 ? stderr : stdout,
            "autologa: wrote %s (%d page%s, %zu bytes); fonts: %s\n", out_path, info.pages,
            info.pages == 1 ? "" : "s", pdf.len, info.fonts[0] ? info.fonts : "none");
    if (info.unknown_glyphs > 0) {
        fprintf(stderr,
                "autologa quote-pdf: %d character%s no glyph in the installed fonts (drawn as "
                "boxes): install fonts-noto-core\n",
                info.unknown_glyphs, info.unknown_glyphs == 1 ? " has" : "s have");
        rc = EXIT_FAIL;
    }
out:
    json_decref(quote);
    buf_release(&pdf);
    return rc;
}

/* ---- label-pdf, aftercare-pdf ---- */

/* Adds `hours` to a local time "YYYY-MM-DDTHH:MM"; false when it is not one. */
static bool
local_plus_hours(const char *local, int hours, char out[32])
{
    char day[11];
    struct date d;
    int h, m;
    if (strlen(local) != 16 || local[10] != 'T' || local[13] != ':')
        return false;
    memcpy(day, local, 10);
    day[10] = '\0';
    if (date_parse(day, &d) != ST_OK || sscanf(local + 11, "%2d:%2d", &h, &m) != 2 || h > 23 ||
        m > 59)
        return false;
    /* The clock time on the label: a change of daylight saving time in between is the
     * server's to count, which knows the clinic's zone. */
    int minutes = h * 60 + m + hours * 60;
    date_add_days(&d, minutes / (24 * 60), &d);
    minutes %= 24 * 60;
    date_format(&d, day);
    snprintf(out, 32, "%.10sT%02d:%02d", day, minutes / 60, minutes % 60);
    return true;
}

static int
cmd_label_pdf(int argc, char **argv)
{
    static const char *const spec[] = {"specimen-id", "name-en",    "name-ar", "mrn",   "dob",
                                       "drawn",       "kind",       "use-by",  "hours", "out",
                                       "clinic",      "wristband!", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("label-pdf", &o, "");
    if (o.help) {
        puts("usage: autologa label-pdf --specimen-id S1000007 --name-en NAME --name-ar NAME\n"
             "                          --mrn MRN --dob YYYY-MM-DD --drawn YYYY-MM-DDTHH:MM\n"
             "                          [--kind PRP] [--use-by YYYY-MM-DDTHH:MM | --hours 3]\n"
             "                          -o FILE.pdf\n"
             "       autologa label-pdf --wristband --mrn MRN --name-en NAME --name-ar NAME\n"
             "                          --dob YYYY-MM-DD [--clinic NAME] -o FILE.pdf\n"
             "Renders a specimen label (62 x 29 mm, the specimen id as Code 128) or, with\n"
             "--wristband, the patient's wristband (250 x 25 mm, the MRN as Code 128) as the\n"
             "server prints them, without a database. The use-before time defaults to the time\n"
             "drawn plus --hours (default 3, the clinic's default specimen_hours). One of the\n"
             "names may be left out. -o - writes to standard output.");
        return EXIT_OK;
    }
    const char *out_path = opt(&o, "out");
    if (!out_path)
        return usage_error("label-pdf", NULL, "-o FILE is required");
    struct buf pdf;
    struct fail f;
    fail_clear(&f);
    buf_init(&pdf, 0);
    int st;
    if (opt(&o, "wristband")) {
        struct label_wristband w = {opt(&o, "mrn"), opt(&o, "name-en"), opt(&o, "name-ar"),
                                    opt(&o, "dob"), opt(&o, "clinic")};
        st = labels_wristband_pdf(&w, &pdf, &f);
    } else {
        char use_by[32];
        const char *expires = opt(&o, "use-by"), *drawn = opt(&o, "drawn");
        if (!expires && drawn) {
            const char *h = opt(&o, "hours");
            char *end = NULL;
            long hours = h ? strtol(h, &end, 10) : 3;
            if (h && (*end || hours < 1 || hours > 24)) {
                buf_release(&pdf);
                return usage_error("label-pdf", NULL, "--hours must be 1 to 24");
            }
            /* A malformed --drawn is named by the label's own check. */
            if (local_plus_hours(drawn, (int)hours, use_by))
                expires = use_by;
        }
        struct label_specimen s = {opt(&o, "specimen-id"),
                                   opt(&o, "name-en"),
                                   opt(&o, "name-ar"),
                                   opt(&o, "mrn"),
                                   opt(&o, "dob"),
                                   drawn,
                                   opt(&o, "kind") ? opt(&o, "kind") : "PRP",
                                   expires};
        st = labels_specimens_pdf(&s, 1, &pdf, &f);
    }
    int rc = EXIT_OK;
    if (st != ST_OK) {
        /* The fields are named as the API names them; the options as they are typed. */
        fprintf(stderr, "autologa label-pdf: %s\n", f.message[0] ? f.message : status_name(st));
        rc = st == ST_INVALID ? EXIT_USAGE : EXIT_FAIL;
    } else if (!write_whole(out_path, &pdf)) {
        fprintf(stderr, "autologa label-pdf: cannot write '%s': %s\n", out_path, strerror(errno));
        rc = EXIT_FAIL;
    } else {
        fprintf(strcmp(out_path, "-") == 0 ? stderr : stdout, "autologa: wrote %s (%zu bytes)\n",
                out_path, pdf.len);
    }
    buf_release(&pdf);
    return rc;
}

static int
cmd_aftercare_pdf(int argc, char **argv)
{
    static const char *const spec[] = {"protocol", "lang", "out",  "protocols", "clinic",
                                       "patient",  "mrn",  "date", "contact",   NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("aftercare-pdf", &o, "");
    if (o.help) {
        puts("usage: autologa aftercare-pdf --protocol CODE [--lang en|ar] -o FILE.pdf\n"
             "                              [--protocols DIR] [--clinic NAME] [--patient NAME]\n"
             "                              [--mrn MRN] [--date YYYY-MM-DD] [--contact TEXT]\n"
             "Renders the aftercare sheet of a course protocol of the catalogue (--protocols,\n"
             "default 'protocols') as the one-page PDF the server gives, in English (default) or\n"
             "Arabic: its aftercare items, the side effects to watch for and when to call the\n"
             "clinic. Without --patient, --mrn or --date the sheet has lines to write them on.\n"
             "Exits 1 when a character has no glyph in any installed font.");
        return EXIT_OK;
    }
    const char *code = opt(&o, "protocol"), *out_path = opt(&o, "out");
    const char *lang = opt(&o, "lang") ? opt(&o, "lang") : "en";
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    if (!code || !out_path)
        return usage_error("aftercare-pdf", NULL, "--protocol and -o are required");
    if (strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0)
        return usage_error("aftercare-pdf", NULL, "--lang must be en or ar");
    bool ar = strcmp(lang, "ar") == 0;
    struct course_protocols *cp = NULL;
    const char **items = NULL, **effects = NULL;
    struct buf pdf;
    struct fail f;
    struct aftercare_pdf_report info;
    fail_clear(&f);
    buf_init(&pdf, 0);
    int rc = EXIT_OK;
    if (course_protocols_load(dir, &cp, &f) != ST_OK) {
        rc = report("aftercare-pdf", &f);
        goto out;
    }
    const struct course_protocol *p = course_protocols_find(cp, code);
    if (!p) {
        fprintf(stderr, "autologa aftercare-pdf: unknown protocol '%s'; the catalogue has:", code);
        for (size_t i = 0; i < cp->nprotocols; i++)
            fprintf(stderr, "%s%s", i ? ", " : " ", cp->protocols[i].code);
        fprintf(stderr, "\n");
        rc = EXIT_USAGE;
        goto out;
    }
    items = calloc(p->naftercare + 1, sizeof(*items));
    effects = calloc(p->nside_effects + 1, sizeof(*effects));
    if (!items || !effects) {
        fprintf(stderr, "autologa aftercare-pdf: out of memory\n");
        rc = EXIT_FAIL;
        goto out;
    }
    /* The protocol loader requires both languages of every text. */
    for (size_t i = 0; i < p->naftercare; i++)
        items[i] = ar ? p->aftercare[i].text.ar : p->aftercare[i].text.en;
    for (size_t i = 0; i < p->nside_effects; i++)
        effects[i] = ar ? p->side_effects[i].text.ar : p->side_effects[i].text.en;
    struct aftercare_sheet sheet = {
        .lang = lang,
        .clinic_name = opt(&o, "clinic"),
        .patient_name = opt(&o, "patient"),
        .mrn = opt(&o, "mrn"),
        .treatment_label = ar ? p->label.ar : p->label.en,
        .date = opt(&o, "date"),
        .items = items,
        .n_items = p->naftercare,
        .side_effects = effects,
        .n_side_effects = p->nside_effects,
        .contact_line = opt(&o, "contact"),
    };
    if (aftercare_pdf_report(&sheet, &pdf, &info, &f) != ST_OK) {
        fprintf(stderr, "autologa aftercare-pdf: %s: %s\n", code,
                f.message[0] ? f.message : status_name(f.status));
        rc = EXIT_FAIL;
        goto out;
    }
    if (!write_whole(out_path, &pdf)) {
        fprintf(stderr, "autologa aftercare-pdf: cannot write '%s': %s\n", out_path,
                strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }
    fprintf(strcmp(out_path, "-") == 0 ? stderr : stdout,
            "autologa: wrote %s (%d page%s, %zu bytes); fonts: %s\n", out_path, info.pages,
            info.pages == 1 ? "" : "s", pdf.len, info.fonts[0] ? info.fonts : "none");
    if (info.unknown_glyphs > 0) {
        fprintf(stderr,
                "autologa aftercare-pdf: %d character%s no glyph in the installed fonts (drawn "
                "as boxes): install fonts-noto-core\n",
                info.unknown_glyphs, info.unknown_glyphs == 1 ? " has" : "s have");
        rc = EXIT_FAIL;
    }
out:
    free(items);
    free(effects);
    buf_release(&pdf);
    course_protocols_free(cp);
    return rc;
}

/* ---- outcome-report ---- */

static int
cmd_outcome_report(int argc, char **argv)
{
    static const char *const spec[] = {"db",        "patient",   "course", "lang", "out",
                                       "protocols", "time-zone", "clinic", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("outcome-report", &o, "");
    if (o.help) {
        puts("usage: autologa outcome-report --db PATH --patient N [--course N] [--lang en|ar]\n"
             "                               --out FILE.pdf [--protocols DIR] [--time-zone UTC]\n"
             "                               [--clinic NAME]\n"
             "Prints a patient's outcome report as the server gives it: the course, one chart\n"
             "per measure with the expected range, the values, the notes on evidence and the\n"
             "first and latest photographs of each view. --course defaults to the patient's\n"
             "newest course that is not cancelled, --lang to the patient's language; give the\n"
             "--time-zone the server uses so that session days are the clinic's.");
        return EXIT_OK;
    }
    const char *path = opt(&o, "db"), *out_path = opt(&o, "out"), *pid = opt(&o, "patient");
    const char *cid = opt(&o, "course"), *lang = opt(&o, "lang");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    if (!path || !pid || !out_path)
        return usage_error("outcome-report", NULL, "--db, --patient and --out are required");
    char *end;
    errno = 0;
    long long patient = strtoll(pid, &end, 10), course = 0;
    if (errno || *end || patient <= 0)
        return usage_error("outcome-report", NULL, "--patient must be a patient id");
    if (cid) {
        course = strtoll(cid, &end, 10);
        if (errno || *end || course <= 0)
            return usage_error("outcome-report", NULL, "--course must be a course id");
    }
    if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "ar") != 0)
        return usage_error("outcome-report", NULL, "--lang must be en or ar");
    struct clinic_settings clinic;
    struct protocols *protocols = NULL;
    struct db *db = NULL;
    struct timeline_report rep;
    struct actor a;
    struct buf pdf;
    struct fail f;
    fail_clear(&f);
    memset(&rep, 0, sizeof(rep));
    buf_init(&pdf, OUTCOME_PDF_MAX_BYTES);
    actor_cli(&a);
    clinic_settings_default(&clinic);
    if (opt(&o, "time-zone") &&
        (clinic_settings_time_zone(&clinic, opt(&o, "time-zone"), &f) != ST_OK ||
         clinic_settings_apply(&clinic, &f) != ST_OK))
        return usage_error("outcome-report", NULL, f.message);
    int rc = EXIT_OK;
    if (protocols_load(dir, &protocols, &f) != ST_OK) {
        rc = report("outcome-report", &f);
        goto out;
    }
    if ((rc = open_current_db("outcome-report", path, &db)) != EXIT_OK)
        goto out;
    /* The command line is the clinic's own machine: the photographs are printed. */
    if (timeline_report_gather(db, protocols, &a, patient, course, lang, true, &rep, &f) != ST_OK) {
        rc = report("outcome-report", &f);
        goto out;
    }
    struct date today;
    char date[11];
    clinic_tz_today(&today);
    date_format(&today, date);
    if (api_outcome_report_render(&rep, opt(&o, "clinic"), date, &pdf, &f) != ST_OK) {
        rc = report("outcome-report", &f);
        goto out;
    }
    if (!write_whole(out_path, &pdf)) {
        fprintf(stderr, "autologa outcome-report: cannot write '%s': %s\n", out_path,
                strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }
    fprintf(strcmp(out_path, "-") == 0 ? stderr : stdout,
            "autologa: wrote %s (%s, %zu photo pair%s, %zu bytes)\n", out_path, rep.lang,
            rep.npairs, rep.npairs == 1 ? "" : "s", pdf.len);
out:
    timeline_report_release(&rep);
    buf_release(&pdf);
    db_close(db);
    protocols_free(protocols);
    return rc;
}

static int
cmd_permissions(int argc, char **argv)
{
    (void)argv;
    if (argc > 0) {
        puts("usage: autologa permissions\nPrints the permission table as Markdown.");
        return EXIT_OK;
    }
    struct buf b;
    buf_init(&b, 0);
    int st = permission_markdown(&b);
    if (st == ST_OK)
        fputs(buf_str(&b), stdout);
    buf_release(&b);
    return st == ST_OK ? EXIT_OK : EXIT_FAIL;
}

/* ---- rcf and prep-compute: a clinic checking a preparation by hand ---- */

/* A positive finite number from an option, or false. */
static bool
positive_opt(const char *s, double max, double *out)
{
    char *end;
    *out = 0;
    if (!s || !*s)
        return false;
    double v = strtod(s, &end);
    if (*end != '\0' || !(v > 0 && v <= max))
        return false;
    *out = v;
    return true;
}

static int
cmd_rcf(int argc, char **argv)
{
    static const char *const spec[] = {"radius-mm", "rpm", "rcf", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("rcf", &o, "");
    if (o.help) {
        puts("usage: autologa rcf --radius-mm R (--rpm N | --rcf G)\n"
             "Converts a centrifuge's speed into relative centrifugal force or back at the rotor\n"
             "radius R in millimetres (from the axis to the sample), by RCF = 1.118e-5 x r(cm) x\n"
             "rpm^2, and prints both.");
        return EXIT_OK;
    }
    double r = 0, rpm = 0, g = 0;
    if (!positive_opt(opt(&o, "radius-mm"), 10000, &r))
        return usage_error("rcf", NULL, "--radius-mm must be a number of millimetres above 0");
    bool by_rpm = opt(&o, "rpm") != NULL, by_g = opt(&o, "rcf") != NULL;
    if (by_rpm == by_g)
        return usage_error("rcf", NULL, "give either --rpm or --rcf");
    if (by_rpm && (!positive_opt(opt(&o, "rpm"), 1e6, &rpm) || rcf_from_rpm(r / 10, rpm, &g)))
        return usage_error("rcf", NULL, "--rpm must be a speed above 0");
    if (by_g && (!positive_opt(opt(&o, "rcf"), 1e7, &g) || rcf_to_rpm(r / 10, g, &rpm)))
        return usage_error("rcf", NULL, "--rcf must be a force above 0 (multiples of g)");
    /* rounded as the preparation record rounds them: whole rpm, 0.1 × g */
    printf("radius %g mm: %.0f rpm = %.1f x g\n", r, round(rpm), round(g * 10) / 10);
    return EXIT_OK;
}

/* prep-compute's centrifuge: whichever id the document names has the radius given. */
static int
cli_centrifuge(void *ctx, int64_t id, struct procdoc_centrifuge *out, struct fail *f)
{
    (void)f;
    memset(out, 0, sizeof(*out));
    out->id = id;
    snprintf(out->name, sizeof(out->name), "centrifuge %lld (command line)", (long long)id);
    out->rotor_radius_mm = *(const double *)ctx;
    return ST_OK;
}

static int
cmd_prep_compute(int argc, char **argv)
{
    static const char *const spec[] = {"file",        "protocol",  "radius-mm",
                                       "injected-ml", "protocols", NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("prep-compute", &o, "");
    if (o.help) {
        puts("usage: autologa prep-compute --file doc.json [--protocol prp-hair] [--radius-mm R]\n"
             "                             [--injected-ml V] [--protocols DIR]\n"
             "Checks a PRP preparation record (the \"doc\" of PUT .../preparation) as the server\n"
             "does and prints {\"doc\": the normalised record, \"computed\": what it gives}: rpm "
             "and\n"
             "RCF of each spin at the rotor radius R mm (the centrifuge the record names is taken\n"
             "to have it), concentration factor, recovery, dose, the PAW, Mishra, Dohan\n"
             "Ehrenfest, PLRA and DEPA classifications, and the deviations from --protocol's\n"
             "preparation. --injected-ml gives the dose for the volume injected.");
        return EXIT_OK;
    }
    const char *file = opt(&o, "file"), *code = opt(&o, "protocol");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    double radius = 0, injected = NAN;
    if (!file)
        return usage_error("prep-compute", NULL, "--file is required");
    if (opt(&o, "radius-mm") && !positive_opt(opt(&o, "radius-mm"), 10000, &radius))
        return usage_error("prep-compute", NULL, "--radius-mm must be millimetres above 0");
    if (opt(&o, "injected-ml") && !positive_opt(opt(&o, "injected-ml"), 500, &injected))
        return usage_error("prep-compute", NULL, "--injected-ml must be from 0 to 500 mL");
    struct protocols *p = NULL;
    json_t *in = NULL, *doc = NULL, *computed = NULL, *out = NULL;
    json_error_t err;
    struct fail f;
    fail_clear(&f);
    int rc = EXIT_OK;
    if (protocols_load(dir, &p, &f) != ST_OK) {
        rc = report("prep-compute", &f);
        goto out;
    }
    const struct course_protocol *proto = code ? course_protocols_find(p->courses, code) : NULL;
    if (code && !proto) {
        rc = usage_error("prep-compute", NULL, "--protocol is not a protocol of the catalogue");
        goto out;
    }
    in = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
    if (!in) {
        fprintf(stderr, "autologa prep-compute: %s: %s (line %d)\n", file, err.text, err.line);
        rc = EXIT_FAIL;
        goto out;
    }
    struct procdoc_context c = {.protocols = p,
                                .protocol = proto ? proto->document : NULL,
                                .centrifuge = cli_centrifuge,
                                .centrifuge_ctx = &radius,
                                .injected_volume_ml = injected};
    if (procdoc_preparation_normalise(in, &c, &doc, &f) != ST_OK ||
        procdoc_preparation_compute(doc, &c, &computed, &f) != ST_OK) {
        fprintf(stderr, "autologa prep-compute: %s (%s%s%s)\n", f.message, f.code,
                f.field[0] ? " at " : "", f.field);
        rc = EXIT_FAIL;
        goto out;
    }
    out = json_pack("{s:O, s:O}", "doc", doc, "computed", computed);
    char *text = out ? json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
    if (text)
        printf("%s\n", text);
    else
        rc = EXIT_FAIL;
    free(text);
out:
    json_decref(out);
    json_decref(computed);
    json_decref(doc);
    json_decref(in);
    protocols_free(p);
    return rc;
}

/* ---- cohort report ---- */

static int
cmd_cohort_report(int argc, char **argv)
{
    static const char *const spec[] = {
        "db",    "protocols", "time-zone", "protocol", "age-band",      "sex",
        "grade", "threshold", "from",      "to",       "baseline-days", "window-days",
        "csv!",  "courses!",  NULL};
    struct opts o;
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("cohort-report", &o, "");
    if (o.help) {
        puts("usage: autologa cohort-report --db PATH [--protocols protocols] [--time-zone UTC]\n"
             "         [--protocol CODE] [--age-band under_18|18_29|30_39|40_49|50_59|60_plus]\n"
             "         [--sex female|male|other|unknown] [--grade norwood:III] [--threshold N]\n"
             "         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--baseline-days 90]\n"
             "         [--window-days 30] [--csv | --courses]\n"
             "Prints the cohort report of outcomes per course protocol (docs/cohort-report.md)\n"
             "as the API gives it: JSON, or with --csv one CSV row per protocol, or with\n"
             "--courses one de-identified CSV row per course. --time-zone is the clinic's zone\n"
             "([clinic] time_zone of its configuration): a course's anchor is the local day of\n"
             "its first done session.");
        return EXIT_OK;
    }
    const char *path = opt(&o, "db");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    if (!path)
        return usage_error("cohort-report", NULL, "--db is required");
    if (opt(&o, "csv") && opt(&o, "courses"))
        return usage_error("cohort-report", NULL, "--csv and --courses exclude each other");
    struct clinic_settings clinic;
    struct fail f;
    fail_clear(&f);
    clinic_settings_default(&clinic);
    if (opt(&o, "time-zone") &&
        (clinic_settings_time_zone(&clinic, opt(&o, "time-zone"), &f) != ST_OK ||
         clinic_settings_apply(&clinic, &f) != ST_OK))
        return usage_error("cohort-report", NULL, f.message);
    struct cohort_params q = {
        .protocol = opt(&o, "protocol"),
        .age_band = opt(&o, "age-band"),
        .sex = opt(&o, "sex"),
        .grade = opt(&o, "grade"),
        .threshold = opt(&o, "threshold"),
        .baseline_days = opt(&o, "baseline-days"),
        .window_days = opt(&o, "window-days"),
        .from = opt(&o, "from"),
        .to = opt(&o, "to"),
    };
    struct protocols *p = NULL;
    struct db *db = NULL;
    json_t *out = NULL;
    char *text = NULL;
    size_t len = 0;
    struct actor a;
    actor_cli(&a);
    int rc = EXIT_OK, st;
    if (protocols_load(dir, &p, &f) != ST_OK) {
        rc = report("cohort-report", &f);
        goto out;
    }
    rc = open_current_db("cohort-report", path, &db);
    if (rc != EXIT_OK)
        goto out;
    if (opt(&o, "csv"))
        st = cohort_report_csv(db, p, &a, &q, &text, &len, &f);
    else if (opt(&o, "courses"))
        st = cohort_courses_csv(db, p, &a, &q, &text, &len, &f);
    else if ((st = cohort_report(db, p, &a, &q, &out, &f)) == ST_OK) {
        text = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
        if (!text)
            st = fail_set(&f, ST_NOMEM, "", "nomem", "out of memory writing the report");
        else
            len = strlen(text);
    }
    if (st == ST_INVALID) {
        /* A bad filter is a usage error: name the option as it was typed. */
        for (char *c = strchr(f.field, '_'); c; c = strchr(c, '_'))
            *c = '-';
        fprintf(stderr, "autologa cohort-report: --%s: %s\n", f.field, f.message);
        rc = EXIT_USAGE;
        goto out;
    }
    if (st != ST_OK) {
        rc = report("cohort-report", &f);
        goto out;
    }
    if (fwrite(text, 1, len, stdout) != len ||
        (!opt(&o, "csv") && !opt(&o, "courses") && fputc('\n', stdout) == EOF))
        rc = EXIT_FAIL;
out:
    free(text);
    json_decref(out);
    db_close(db);
    protocols_free(p);
    return rc;
}

/* ---- trichoscopy-check: a trichoscopy export read as the import reads it, without a database */

/* Reads at most `cap` + 1 bytes of `path`, so that a larger file is seen as too big. */
static int
read_capped(const char *path, size_t cap, char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ST_IO;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(fp);
        return ST_NOMEM;
    }
    size_t got = fread(buf, 1, cap + 1, fp);
    bool failed = ferror(fp) != 0;
    fclose(fp);
    if (failed) {
        free(buf);
        return ST_IO;
    }
    *data = buf;
    *n = got;
    return ST_OK;
}

static void
print_tricho_row(const struct trichoscopy_row *row)
{
    printf("row %zu: %s", row->row, row->has_date ? row->date : "-");
    if (row->has_area)
        printf("  area %g cm2", row->area_cm2);
    for (int c = TRICHOSCOPY_FIRST_MEASURE; c < TRICHOSCOPY_NCOLUMNS; c++)
        if (row->has[c])
            printf("  %s %g", trichoscopy_column_name((enum trichoscopy_column)c), row->value[c]);
    printf("%s\n", row->ok ? "" : "  [errors]");
    for (size_t i = 0; i < row->nerrors; i++)
        printf("  %s (%s)\n", row->errors[i].message, row->errors[i].code);
}

static int
cmd_trichoscopy_check(int argc, char **argv)
{
    static const char *const spec[] = {"mrn", "protocols", "json!", NULL};
    struct opts o;
    const char *file = NULL;
    /* The file is the one argument without a name. */
    if (argc > 0 && strncmp(argv[0], "--", 2) != 0 && strcmp(argv[0], "-h") != 0) {
        file = argv[0];
        argc--;
        argv++;
    }
    if (!opts_parse(&o, argc, argv, spec))
        return usage_error("trichoscopy-check", &o, "");
    if (o.help) {
        puts("usage: autologa trichoscopy-check FILE.csv [--mrn MRN] [--json] [--protocols DIR]\n"
             "Reads a trichoscopy program's CSV export as the import of measurements does\n"
             "(docs/measurements.md) and prints what each row would record, or its errors,\n"
             "without a database. --mrn checks the file's mrn column against a patient's; dates\n"
             "after today are refused as the import refuses them. --json prints the preview the\n"
             "API answers. Exit code 0 when every row is valid, 1 otherwise.");
        return EXIT_OK;
    }
    if (!file)
        return usage_error("trichoscopy-check", NULL, "the CSV file is required");
    const char *dir = opt(&o, "protocols") ? opt(&o, "protocols") : "protocols";
    struct protocols *p = NULL;
    struct trichoscopy_preview pv;
    char *data = NULL;
    size_t n = 0;
    struct fail f;
    fail_clear(&f);
    memset(&pv, 0, sizeof(pv));
    int rc = EXIT_OK;
    if (protocols_load(dir, &p, &f) != ST_OK) {
        rc = report("trichoscopy-check", &f);
        goto out;
    }
    int st = read_capped(file, TRICHOSCOPY_CSV_MAX_BYTES + 3, &data, &n);
    if (st != ST_OK) {
        fprintf(stderr, "autologa trichoscopy-check: %s: %s\n", file,
                st == ST_NOMEM ? "out of memory" : strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }
    /* Without the clinic's time zone "today" is this computer's. */
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    if (strftime(today, sizeof(today), "%Y-%m-%d", &tm) != 10)
        today[0] = '\0';
    struct trichoscopy_context ctx = {.mrn = opt(&o, "mrn"), .today = today[0] ? today : NULL};
    if (trichoscopy_csv_parse(p->measures, data, n, &ctx, &pv, &f) != ST_OK) {
        fprintf(stderr, "autologa trichoscopy-check: %s: %s (%s)\n", file,
                f.message[0] ? f.message : "out of memory", f.code);
        rc = EXIT_FAIL;
        goto out;
    }
    if (opt(&o, "json")) {
        json_t *j = trichoscopy_preview_json(&pv);
        char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
        json_decref(j);
        if (!text) {
            rc = EXIT_FAIL;
            goto out;
        }
        printf("%s\n", text);
        free(text);
    } else {
        printf("separator '%c'; columns:", pv.delimiter);
        for (int c = 0; c < TRICHOSCOPY_NCOLUMNS; c++)
            if (pv.present[c])
                printf(" %s", trichoscopy_column_name((enum trichoscopy_column)c));
        printf("\n");
        for (size_t i = 0; i < pv.nignored; i++)
            printf("ignored column: %s\n", pv.ignored[i]);
        for (size_t i = 0; i < pv.nrows; i++)
            print_tricho_row(&pv.rows[i]);
        printf("%zu valid, %zu with errors\n", pv.nok, pv.nfailed);
    }
    if (pv.nfailed > 0)
        rc = EXIT_FAIL;
out:
    trichoscopy_csv_release(&pv);
    free(data);
    protocols_free(p);
    return rc;
}

/* ---- prp: the preparation designer (simulate, design) ---- */

/* Reads the JSON request of FILE, or of standard input for "-" or no file. */
static json_t *
prp_read_request(const char *file)
{
    json_error_t err;
    json_t *in = !file || !strcmp(file, "-") ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &err)
                                             : json_load_file(file, JSON_REJECT_DUPLICATES, &err);
    if (!in)
        fprintf(stderr, "autologa prp: %s: %s (line %d)\n", file ? file : "stdin", err.text,
                err.line);
    return in;
}

static int
prp_fail(const struct fail *f)
{
    fprintf(stderr, "autologa prp: %s (%s%s%s)\n", f->message, f->code, f->field[0] ? " at " : "",
            f->field);
    return EXIT_FAIL;
}

static int
prp_print_json(json_t *out)
{
    char *text = out ? json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
    if (!text)
        return EXIT_FAIL;
    printf("%s\n", text);
    free(text);
    return EXIT_OK;
}

/* A band with `decimals` places. */
static void
prp_print_band(const char *name, const struct prp_band *b, int decimals)
{
    printf("  %-22s %12.*f   (%.*f to %.*f)\n", name, decimals, b->value, decimals, b->low,
           decimals, b->high);
}

static void
prp_print_result(const struct prp_request *req, const struct prp_result *r)
{
    printf("Predicted preparation (a model prediction, not a measurement; band +/-%.0f %%, "
           "docs/prp-model.md)\n",
           req->params.band_rel * 100);
    for (int i = 0; i < r->spins; i++) {
        const struct prp_spin_result *s = &r->spin[i];
        printf("spin %d: %.0f x g (%.0f rpm) %.1f min on %.2f mL: red cells from %.2f mL, "
               "cut at %.2f mL, %s takes %.2f mL with %.1f %% of the platelets\n",
               i + 1, req->spin[i].g, round(s->rpm), req->spin[i].minutes, s->fill_ml,
               s->interface_ml, s->cut_ml, prp_rule_name(req->spin[i].collect.rule),
               s->collected_ml, s->platelet_share * 100);
    }
    prp_print_band("recovery", &r->recovery, 3);
    printf("  %-22s %12.2f mL\n", "PRP volume", r->prp_volume_ml.value);
    prp_print_band("platelets per uL", &r->platelets_per_ul, 0);
    prp_print_band("concentration factor", &r->concentration_factor, 2);
    prp_print_band("dose (x10^9)", &r->dose_billion, 2);
    printf("  %-22s %12.0f\n  %-22s %12.0f\n  %-22s %12.4f\n", "WBC per uL", r->prp.wbc_per_ul,
           "RBC per uL", r->prp.rbc_per_ul, "haematocrit", r->prp.hct);
    printf("  PAW %s · Mishra %s · %s · PLRA %s · DEPA %s\n", r->classes.paw.code,
           r->classes.mishra.code, r->classes.dohan.code, r->classes.plra.code,
           r->classes.depa.code);
    if (r->warn_hct)
        printf("  warning: the haematocrit is outside 0.30-0.55\n");
    if (r->warn_activation)
        printf("  warning: a first spin above 800 x g may activate platelets\n");
    if (r->warn_fixed_angle)
        printf("  warning: fixed-angle rotors are not calibrated; a lower-confidence prediction\n");
}

static void
prp_print_design(const struct prp_design_result *r)
{
    printf("%ld candidates in %.3f s, %ld meet the target (%ld left out by the centrifuge's "
           "limits); model predictions, not measurements\n",
           r->candidates, r->seconds, r->feasible, r->skipped_limits);
    printf("  # spin 1                      spin 2                   keep   recovery  plt/uL    "
           "  CF   WBC/uL   RBC/uL  target\n");
    for (int i = 0; i < r->n; i++) {
        const struct prp_design_item *it = &r->item[i];
        printf("%3d %5.0f g %4.1f min %-10s %5.0f g %4.1f min  %5.3f  %6.3f  %9.0f  %5.2f  %7.0f  "
               "%7.0f  %s\n",
               i + 1, it->spin[0].g, it->spin[0].minutes, prp_rule_name(it->spin[0].collect.rule),
               it->spin[1].g, it->spin[1].minutes, it->spin[1].collect.fraction, it->recovery,
               it->platelets_per_ul, it->concentration_factor, it->wbc_per_ul, it->rbc_per_ul,
               it->meets_target ? "yes" : "no");
    }
}

/* Fits the model to the published rows of `dir` and prints the fit and each row's error. */
static int
prp_calibrate(const char *dir)
{
    struct prp_cal_set *set = malloc(sizeof *set);
    struct fail f;
    fail_clear(&f);
    int rc = EXIT_OK, evals = 0;
    struct prp_params p;
    prp_params_default(&p);
    if (!set)
        return EXIT_FAIL;
    if (prp_cal_load(dir, set, &f) != ST_OK || prp_cal_fit(set, &p, &evals, &f) != ST_OK) {
        rc = prp_fail(&f);
        goto out;
    }
    printf("fit after %d model runs: m_rbc %.4f, m_plt %.4f, resuspension %.4f, band +/-%.4f\n"
           "(fixed: n %.2f, phi_max %.2f, m_wbc %.2f, interface %.2f x Hct)\n",
           evals, p.m_rbc, p.m_plt, p.resuspension, p.band_rel, p.exponent_n, p.phi_max, p.m_wbc,
           p.interface_share);
    for (int i = 0; i < set->n; i++) {
        const struct prp_cal_row *r = &set->row[i];
        printf("%s | %s | %s | recovery %.3f vs %.3f (%+.1f %%)", r->paper, r->label,
               r->kind == PRP_CAL_OVERALL ? "whole"
               : r->kind == PRP_CAL_SPIN1 ? "spin 1"
                                          : "spin 2",
               r->pred_recovery, r->recovery, r->err_recovery * 100);
        if (!isnan(r->cf))
            printf(" | CF %.2f vs %.2f (%+.1f %%)", r->pred_cf, r->cf, r->err_cf * 100);
        printf(" | spread %.1f %%\n", r->spread * 100);
    }
    for (int i = 0; i < set->skipped; i++)
        printf("not usable: %s\n", set->why[i]);
out:
    free(set);
    return rc;
}

static int
cmd_prp(int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "";
    if (!strcmp(sub, "calibrate") && argc == 2)
        return prp_calibrate(argv[1]);
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !*sub ||
        (strcmp(sub, "simulate") && strcmp(sub, "design"))) {
        puts("usage: autologa prp simulate [FILE|-] [--json]\n"
             "       autologa prp design [FILE|-] [--json]\n"
             "       autologa prp calibrate DIR   (DIR: tests/data/prp-prep)\n"
             "Predicts what a PRP preparation protocol gives for this blood, tube and centrifuge\n"
             "(simulate), or searches two-spin protocols for the target concentration (design).\n"
             "Reads a JSON request (docs/prp-model.md) from FILE or standard input; prints a\n"
             "table, or JSON with --json. Every figure is a model prediction with its band.");
        return !strcmp(sub, "--help") || !strcmp(sub, "-h") ? EXIT_OK : EXIT_USAGE;
    }
    const char *file = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if ((argv[i][0] != '-' || !strcmp(argv[i], "-")) && !file)
            file = argv[i];
        else
            return usage_error("prp", NULL, "unknown option or a second file (see --help)");
    }
    json_t *in = prp_read_request(file), *out = NULL;
    if (!in)
        return EXIT_FAIL;
    struct fail f;
    fail_clear(&f);
    int rc = EXIT_OK;
    if (!strcmp(sub, "simulate")) {
        struct prp_request req;
        struct prp_result res;
        if (prp_json_request(in, &req, &f) != ST_OK || prp_simulate(&req, &res, &f) != ST_OK) {
            rc = prp_fail(&f);
        } else if (as_json) {
            out = prp_json_result(&req, &res);
            rc = prp_print_json(out);
        } else {
            prp_print_result(&req, &res);
        }
    } else {
        struct prp_design_request req;
        struct prp_design_result *res = malloc(sizeof *res);
        if (!res) {
            rc = EXIT_FAIL;
        } else if (prp_json_design_request(in, &req, &f) != ST_OK ||
                   prp_design(&req, res, &f) != ST_OK) {
            rc = prp_fail(&f);
        } else if (as_json) {
            out = prp_json_design_result(&req, res);
            rc = prp_print_json(out);
        } else {
            prp_print_design(res);
        }
        free(res);
    }
    json_decref(out);
    json_decref(in);
    return rc;
}

static void
usage(FILE *out)
{
    fputs("usage: autologa COMMAND [OPTIONS]   (autologa COMMAND --help for details)\n"
          "  serve        serve the API and the web UI\n"
          "  init         create a new empty database with its first administrator\n"
          "  demo         create an invented demo clinic\n"
          "  user         add, list, disable, enable users or set a password\n"
          "  migrate      bring a database up to this version's schema\n"
          "  backup       copy a database while it is in use\n"
          "  audit        verify the audit trail's hash chain\n"
          "  gateway      add, list or revoke the tokens of outbox gateways\n"
          "  screen       screen a patient for a treatment at a planned session\n"
          "  course       lay a course protocol out from a start date (course plan)\n"
          "  quote-pdf    render a course's quote as a PDF in English or Arabic\n"
          "  label-pdf    render a specimen label or a wristband as a PDF\n"
          "  aftercare-pdf render a protocol's aftercare sheet as a PDF in English or Arabic\n"
          "  rcf          convert a centrifuge's rpm into RCF (x g) or back at a rotor radius\n"
          "  prep-compute check a PRP preparation record and print what it gives\n"
          "  cohort-report print the outcomes of each course protocol (JSON or CSV)\n"
          "  trichoscopy-check read a trichoscopy CSV export as the import would\n"
          "  outcome-report print a patient's outcome report as a PDF in English or Arabic\n"
          "  permissions  print which role may do what\n"
          "  prp          predict a PRP preparation (simulate) or search protocols (design)\n"
          "  version      print the version\n"
          "Exit codes: 0 success, 1 failure, 2 usage error, 3 database error, 4 audit chain "
          "broken.\n",
          out);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (crypto_setup() != ST_OK) {
        fprintf(stderr, "autologa: cannot initialise libsodium\n");
        return EXIT_FAIL;
    }
    const char *cmd = argv[1];
    int n = argc - 2;
    char **rest = argv + 2;
    if (!strcmp(cmd, "serve"))
        return cmd_serve(n, rest);
    if (!strcmp(cmd, "init"))
        return cmd_init(n, rest);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(n, rest);
    if (!strcmp(cmd, "user"))
        return cmd_user(n, rest);
    if (!strcmp(cmd, "migrate"))
        return cmd_migrate(n, rest);
    if (!strcmp(cmd, "backup"))
        return cmd_backup(n, rest);
    if (!strcmp(cmd, "audit"))
        return cmd_audit(n, rest);
    if (!strcmp(cmd, "gateway"))
        return cmd_gateway(n, rest);
    if (!strcmp(cmd, "screen"))
        return cmd_screen(n, rest);
    if (!strcmp(cmd, "course"))
        return cmd_course(n, rest);
    if (!strcmp(cmd, "quote-pdf"))
        return cmd_quote_pdf(n, rest);
    if (!strcmp(cmd, "label-pdf"))
        return cmd_label_pdf(n, rest);
    if (!strcmp(cmd, "aftercare-pdf"))
        return cmd_aftercare_pdf(n, rest);
    if (!strcmp(cmd, "rcf"))
        return cmd_rcf(n, rest);
    if (!strcmp(cmd, "prep-compute"))
        return cmd_prep_compute(n, rest);
    if (!strcmp(cmd, "trichoscopy-check"))
        return cmd_trichoscopy_check(n, rest);
    if (!strcmp(cmd, "outcome-report"))
        return cmd_outcome_report(n, rest);
    if (!strcmp(cmd, "permissions"))
        return cmd_permissions(n, rest);
    if (!strcmp(cmd, "cohort-report"))
        return cmd_cohort_report(n, rest);
    if (!strcmp(cmd, "prp"))
        return cmd_prp(n, rest);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("autologa %s (schema %d)\n", VERSION, db_schema_latest());
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "autologa: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
