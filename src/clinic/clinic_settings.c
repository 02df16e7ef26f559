/* The clinic's calendar settings, checked as a person typed them so that a mistake names its
 * key before the server starts. */
#include "clinic/clinic_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinic_tz.h"
#include "core/date.h"

void
clinic_settings_default(struct clinic_settings *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->time_zone, sizeof(s->time_zone), "UTC");
    s->slot_minutes = CLINIC_SETTINGS_SLOT_DEFAULT;
    snprintf(s->currency, sizeof(s->currency), "AED");
}

int
clinic_settings_time_zone(struct clinic_settings *s, const char *zone, struct fail *f)
{
    if (!zone || !*zone || strlen(zone) >= sizeof(s->time_zone))
        return fail_set(f, ST_INVALID, "time_zone", "invalid_time_zone",
                        "time_zone must be an IANA zone name such as Asia/Dubai");
    snprintf(s->time_zone, sizeof(s->time_zone), "%s", zone);
    return ST_OK;
}

int
clinic_settings_slot_minutes(struct clinic_settings *s, const char *value, struct fail *f)
{
    char *end;
    errno = 0;
    long n = value ? strtol(value, &end, 10) : 0;
    if (!value || errno || end == value || *end || n < CLINIC_SETTINGS_SLOT_MIN ||
        n > CLINIC_SETTINGS_SLOT_MAX || 60 % n != 0)
        return fail_set(f, ST_INVALID, "slot_minutes", "invalid_value",
                        "slot_minutes must be 5, 6, 10, 12, 15, 20, 30 or 60 (minutes from %d "
                        "to %d that divide an hour)",
                        CLINIC_SETTINGS_SLOT_MIN, CLINIC_SETTINGS_SLOT_MAX);
    s->slot_minutes = (int)n;
    return ST_OK;
}

int
clinic_settings_currency(struct clinic_settings *s, const char *value, struct fail *f)
{
    if (!value || strlen(value) != 3 || value[0] < 'A' || value[0] > 'Z' || value[1] < 'A' ||
        value[1] > 'Z' || value[2] < 'A' || value[2] > 'Z')
        return fail_set(f, ST_INVALID, "currency", "invalid_value",
                        "currency must be an ISO 4217 code of three capital letters such as AED");
    memcpy(s->currency, value, 4);
    return ST_OK;
}

int
clinic_settings_apply(const struct clinic_settings *s, struct fail *f)
{
    return clinic_tz_set(s->time_zone, f);
}

json_t *
clinic_settings_json(const struct clinic_settings *s)
{
    struct date today;
    char day[11];
    clinic_tz_today(&today);
    date_format(&today, day);
    return json_pack("{s:s, s:i, s:s, s:s}", "time_zone", s->time_zone, "slot_minutes",
                     s->slot_minutes, "currency", s->currency, "today", day);
}
