/* Calendar dates and UTC timestamps as Autologa stores them (ISO 8601). */
#ifndef AUTOLOGA_CORE_DATE_H
#define AUTOLOGA_CORE_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include "status.h"

struct date {
    int year;  /* 1..9999 */
    int month; /* 1..12 */
    int day;   /* 1..days in month */
};

/* Parses exactly "YYYY-MM-DD" (10 bytes, NUL-terminated) and checks the day exists in that
 * month (2026-02-30 fails, 2024-02-29 passes). ST_OK or ST_INVALID. */
int date_parse(const char *s, struct date *out) WARN_UNUSED;

/* Writes "YYYY-MM-DD" into out (11 bytes). */
void date_format(const struct date *d, char out[11]);

/* -1, 0, 1 like strcmp. */
int date_compare(const struct date *a, const struct date *b);

bool date_is_leap(int year);
int date_days_in_month(int year, int month);

/* Days since 1970-01-01 (negative before), and back. */
int64_t date_to_days(const struct date *d);
void date_from_days(int64_t days, struct date *out);

/* The ISO weekday of a date: 1 = Monday ... 7 = Sunday. */
int date_iso_weekday(const struct date *d);
/* d plus n days (n may be negative). */
void date_add_days(const struct date *d, int64_t n, struct date *out);
/* d plus n calendar months (n may be negative); a day the target month lacks becomes its last
 * day (2026-01-31 + 1 month = 2026-02-28). ST_INVALID outside years 1..9999. */
int date_add_months(const struct date *d, int n, struct date *out) WARN_UNUSED;

/* Today's date in UTC. */
void date_today_utc(struct date *out);

/* Current time: milliseconds since the epoch (CLOCK_REALTIME). */
int64_t time_now_ms(void);
/* Monotonic clock in microseconds, for durations. */
int64_t time_mono_us(void);

/* Formats epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (25 bytes); times outside
 * years 1..9999 are clamped to them. */
void time_format_ms(int64_t ms, char out[25]);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (1 to 3 fraction digits) or a bare "YYYY-MM-DD"
 * (midnight UTC) into epoch ms. ST_OK or ST_INVALID (*out_ms then 0). */
int time_parse_iso(const char *s, int64_t *out_ms) WARN_UNUSED;

#endif
