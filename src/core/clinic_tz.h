/* The clinic's time zone: local calendar days and minutes, and the UTC instants they are.
 * Times are stored in UTC; opening hours, windows and what a day shows are local. */
#ifndef AUTOLOGA_CORE_CLINIC_TZ_H
#define AUTOLOGA_CORE_CLINIC_TZ_H

#include <stdint.h>

#include "date.h"
#include "status.h"

/* Makes `zone` (an IANA name such as "Asia/Dubai" or "Europe/London", or "UTC") the time zone
 * of the whole process. Call once at start-up, before any thread starts: it sets TZ for the C
 * library. ST_INVALID with f->field "time_zone" when the name is malformed or the system's
 * time-zone database (package tzdata) has no such zone. */
int clinic_tz_set(const char *zone, struct fail *f) WARN_UNUSED;
/* The zone set last ("UTC" before any). */
const char *clinic_tz_name(void);

/* The UTC instant of local `minute` (0..1440) after midnight of `d`. A local time that occurs
 * twice (clocks going back) is its first occurrence. ST_INVALID when it does not exist (the
 * hour skipped when clocks go forward) or is out of range; *out_ms is then 0. Minute 1440 is
 * midnight of the next day. */
int clinic_tz_to_utc(const struct date *d, int minute, int64_t *out_ms) WARN_UNUSED;

/* The local day and minute after midnight (0..1439) of a UTC instant. */
void clinic_tz_from_utc(int64_t ms, struct date *d, int *minute);

/* The UTC instant the local day `d` begins (its first existing minute) and the one the next
 * day begins: [*start_ms, *end_ms) is the whole local day, 23, 24 or 25 hours long. */
int clinic_tz_day_bounds(const struct date *d, int64_t *start_ms, int64_t *end_ms) WARN_UNUSED;

/* Formats a UTC instant as local "YYYY-MM-DDTHH:MM" (17 bytes). */
void clinic_tz_format_local(int64_t ms, char out[17]);

/* Today's date in the clinic's time zone. */
void clinic_tz_today(struct date *out);

#endif
