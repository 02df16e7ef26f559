/* The clinic's time zone through the C library's own zone handling: TZ is set once at start-up,
 * so localtime_r and mktime speak the clinic's local time, daylight saving included. */
#include "clinic_tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char zone_name[64] = "UTC";

static bool
zone_name_ok(const char *zone)
{
    size_t n = strnlen(zone, sizeof(zone_name));
    if (n == 0 || n >= sizeof(zone_name) || zone[0] == '/' || strstr(zone, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = zone[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+'))
            return false;
    }
    return true;
}

int
clinic_tz_set(const char *zone, struct fail *f)
{
    char path[128];
    struct stat sb;

    if (!zone || !zone_name_ok(zone))
        return fail_set(f, ST_INVALID, "time_zone", "invalid_time_zone",
                        "time_zone must be an IANA zone name such as Asia/Dubai");
    /* glibc quietly falls back to UTC for an unknown zone; a clinic must hear of the typo. */
    const char *dir = getenv("TZDIR");
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    if (strcmp(zone, "UTC") != 0 && (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)))
        return fail_set(f, ST_INVALID, "time_zone", "invalid_time_zone",
                        "time_zone names no zone of the time-zone database (package tzdata)");
    if (setenv("TZ", zone, 1) != 0)
        return fail_set(f, ST_NOMEM, NULL, "internal", "out of memory");
    tzset();
    snprintf(zone_name, sizeof(zone_name), "%s", zone);
    return ST_OK;
}

const char *
clinic_tz_name(void)
{
    return zone_name;
}

/* The instant mktime gives for the local fields with the given DST guess, when the local time
 * it stands for really has those fields; false when the guess does not fit. */
static bool
local_instant(const struct date *d, int minute, int isdst, time_t *out)
{
    struct tm tm = {.tm_year = d->year - 1900,
                    .tm_mon = d->month - 1,
                    .tm_mday = d->day,
                    .tm_hour = minute / 60,
                    .tm_min = minute % 60,
                    .tm_isdst = isdst};
    time_t t = mktime(&tm);
    struct tm back;
    if (t == (time_t)-1 || !localtime_r(&t, &back))
        return false;
    if (back.tm_year != d->year - 1900 || back.tm_mon != d->month - 1 || back.tm_mday != d->day ||
        back.tm_hour != minute / 60 || back.tm_min != minute % 60)
        return false;
    *out = t;
    return true;
}

int
clinic_tz_to_utc(const struct date *d, int minute, int64_t *out_ms)
{
    /* Read only where local_instant set them; zeroed because -O3 cannot see that. */
    time_t a = 0, b = 0;

    *out_ms = 0;
    if (minute < 0 || minute > 1440)
        return ST_INVALID;
    if (minute == 1440) {
        struct date next;
        date_add_days(d, 1, &next);
        return clinic_tz_to_utc(&next, 0, out_ms);
    }
    bool std = local_instant(d, minute, 0, &a), dst = local_instant(d, minute, 1, &b);
    if (!std && !dst)
        return ST_INVALID;
    time_t t = std && dst ? (a < b ? a : b) : std ? a : b;
    *out_ms = (int64_t)t * 1000;
    return ST_OK;
}

void
clinic_tz_from_utc(int64_t ms, struct date *d, int *minute)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;

    memset(d, 0, sizeof(*d));
    *minute = 0;
    if (!localtime_r(&t, &tm))
        return;
    d->year = tm.tm_year + 1900;
    d->month = tm.tm_mon + 1;
    d->day = tm.tm_mday;
    *minute = tm.tm_hour * 60 + tm.tm_min;
}

/* The first minute of a local day that exists (a zone may skip midnight itself). */
static int
day_start(const struct date *d, int64_t *ms)
{
    for (int m = 0; m < 1440; m += 15)
        if (clinic_tz_to_utc(d, m, ms) == ST_OK)
            return ST_OK;
    return ST_INVALID;
}

int
clinic_tz_day_bounds(const struct date *d, int64_t *start_ms, int64_t *end_ms)
{
    struct date next;

    *start_ms = *end_ms = 0;
    date_add_days(d, 1, &next);
    if (day_start(d, start_ms) != ST_OK || day_start(&next, end_ms) != ST_OK)
        return ST_INVALID;
    return ST_OK;
}

void
clinic_tz_format_local(int64_t ms, char out[17])
{
    struct date d;
    int minute;
    char day[11];

    clinic_tz_from_utc(ms, &d, &minute);
    date_format(&d, day);
    unsigned m = (unsigned)minute % 1440;
    snprintf(out, 17, "%.10sT%02u:%02u", day, m / 60, m % 60);
}

void
clinic_tz_today(struct date *out)
{
    int minute;
    clinic_tz_from_utc(time_now_ms(), out, &minute);
}
