/* Calendar dates and UTC timestamps in ISO 8601, with the day arithmetic done on integers so
 * that no time zone or locale can change a result. */
#include "date.h"

#include <string.h>
#include <time.h>

#define MS_PER_DAY INT64_C(86400000)

bool
date_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && date_is_leap(year))
        return 29;
    return days[month - 1];
}

/* Reads `width` ASCII digits; -1 when any byte is not a digit. */
static int
read_digits(const char *s, int width)
{
    int v = 0, i;

    for (i = 0; i < width; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Writes v as exactly `width` digits (v must fit). */
static void
write_digits(char *out, int v, int width)
{
    int i;

    for (i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* The "YYYY-MM-DD" at the start of s (at least 10 readable bytes known not to hold NUL). */
static int
parse_ymd(const char *s, struct date *out)
{
    int y, m, d;

    if (s[4] != '-' || s[7] != '-')
        return ST_INVALID;
    y = read_digits(s, 4);
    m = read_digits(s + 5, 2);
    d = read_digits(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
        return ST_INVALID;
    out->year = y;
    out->month = m;
    out->day = d;
    return ST_OK;
}

int
date_iso_weekday(const struct date *d)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t r = (date_to_days(d) + 3) % 7;
    return (int)(r < 0 ? r + 7 : r) + 1;
}

void
date_add_days(const struct date *d, int64_t n, struct date *out)
{
    date_from_days(date_to_days(d) + n, out);
}

int
date_add_months(const struct date *d, int n, struct date *out)
{
    int64_t m = (int64_t)d->year * 12 + (d->month - 1) + n;
    int64_t year = m >= 0 ? m / 12 : (m - 11) / 12;

    memset(out, 0, sizeof(*out));
    if (year < 1 || year > 9999)
        return ST_INVALID;
    out->year = (int)year;
    out->month = (int)(m - year * 12) + 1;
    int last = date_days_in_month(out->year, out->month);
    out->day = d->day < last ? d->day : last;
    return ST_OK;
}

int
date_parse(const char *s, struct date *out)
{
    memset(out, 0, sizeof(*out));
    if (!s || strnlen(s, 11) != 10)
        return ST_INVALID;
    return parse_ymd(s, out);
}

void
date_format(const struct date *d, char out[11])
{
    int y = d->year < 0 ? 0 : d->year > 9999 ? 9999 : d->year;
    int m = d->month < 0 ? 0 : d->month > 99 ? 99 : d->month;
    int day = d->day < 0 ? 0 : d->day > 99 ? 99 : d->day;

    write_digits(out, y, 4);
    out[4] = '-';
    write_digits(out + 5, m, 2);
    out[7] = '-';
    write_digits(out + 8, day, 2);
    out[10] = '\0';
}

int
date_compare(const struct date *a, const struct date *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return 0;
}

/* Days from civil and back: the proleptic Gregorian calendar counted in 400-year eras of
 * 146097 days, with years starting in March so that the leap day falls at the end. */
int64_t
date_to_days(const struct date *d)
{
    int64_t y = (int64_t)d->year - (d->month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = d->month > 2 ? d->month - 3 : d->month + 9;
    int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void
date_from_days(int64_t days, struct date *out)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    out->year = (int)(yoe + era * 400 + (m <= 2));
    out->month = (int)m;
    out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void
date_today_utc(struct date *out)
{
    date_from_days(floor_div(time_now_ms(), MS_PER_DAY), out);
}

int64_t
time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
time_format_ms(int64_t ms, char out[25])
{
    /* Years 1..9999 are all the format can show; anything outside is clamped to them. */
    static const struct date first = {1, 1, 1}, last = {9999, 12, 31};
    int64_t lo = date_to_days(&first) * MS_PER_DAY;
    int64_t hi = (date_to_days(&last) + 1) * MS_PER_DAY - 1;
    int64_t secs;
    struct tm tm;
    time_t t;

    if (ms < lo)
        ms = lo;
    if (ms > hi)
        ms = hi;
    secs = floor_div(ms, 1000);
    t = (time_t)secs;
    if (!gmtime_r(&t, &tm)) {
        /* Only possible with a narrow time_t: fall back to the integer calendar. */
        struct date d;
        int64_t sod = secs - floor_div(secs, 86400) * 86400;

        date_from_days(floor_div(secs, 86400), &d);
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = d.year - 1900;
        tm.tm_mon = d.month - 1;
        tm.tm_mday = d.day;
        tm.tm_hour = (int)(sod / 3600);
        tm.tm_min = (int)(sod / 60 % 60);
        tm.tm_sec = (int)(sod % 60);
    }
    write_digits(out, tm.tm_year + 1900, 4);
    out[4] = '-';
    write_digits(out + 5, tm.tm_mon + 1, 2);
    out[7] = '-';
    write_digits(out + 8, tm.tm_mday, 2);
    out[10] = 'T';
    write_digits(out + 11, tm.tm_hour, 2);
    out[13] = ':';
    write_digits(out + 14, tm.tm_min, 2);
    out[16] = ':';
    write_digits(out + 17, tm.tm_sec, 2);
    out[19] = '.';
    write_digits(out + 20, (int)(ms - secs * 1000), 3);
    out[23] = 'Z';
    out[24] = '\0';
}

int
time_parse_iso(const char *s, int64_t *out_ms)
{
    struct date d;
    size_t n, i;
    int h, mi, sec, frac = 0, scale = 100;

    *out_ms = 0;
    if (!s)
        return ST_INVALID;
    n = strnlen(s, 25);
    if (n != 10 && (n < 20 || n > 24))
        return ST_INVALID;
    if (parse_ymd(s, &d) != ST_OK)
        return ST_INVALID;
    if (n == 10) {
        *out_ms = date_to_days(&d) * MS_PER_DAY;
        return ST_OK;
    }
    if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
        return ST_INVALID;
    h = read_digits(s + 11, 2);
    mi = read_digits(s + 14, 2);
    sec = read_digits(s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return ST_INVALID;
    if (n > 20) {
        /* ".f", ".ff" or ".fff" before the Z. */
        if (s[19] != '.' || n == 21)
            return ST_INVALID;
        for (i = 20; i < n - 1; i++) {
            if (s[i] < '0' || s[i] > '9')
                return ST_INVALID;
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    *out_ms = date_to_days(&d) * MS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
    return ST_OK;
}
