/* The clinic's calendar settings: its time zone, the grid appointments start on, and the
 * currency of its prices. Read once at start-up (configuration file or command line), then
 * shared read-only by every request. */
#ifndef AUTOLOGA_CLINIC_CLINIC_SETTINGS_H
#define AUTOLOGA_CLINIC_CLINIC_SETTINGS_H

#include <jansson.h>

#include "core/status.h"

#define CLINIC_SETTINGS_SLOT_DEFAULT 15
#define CLINIC_SETTINGS_SLOT_MIN 5
#define CLINIC_SETTINGS_SLOT_MAX 60

struct clinic_settings {
    char time_zone[64]; /* an IANA zone name, "UTC" by default */
    int slot_minutes;   /* 5..60 and a divisor of 60 */
    char currency[4];   /* ISO 4217, three capital letters */
};

/* UTC, 15-minute slots, AED (the currency of the shipped protocol prices). */
void clinic_settings_default(struct clinic_settings *s);

/* Each setter checks its value and stores it; on a bad value it returns ST_INVALID with f->field
 * the key ("time_zone", "slot_minutes", "currency") and leaves the settings as they were. The
 * time zone is checked against the system's zone database but not applied. */
int clinic_settings_time_zone(struct clinic_settings *s, const char *zone,
                              struct fail *f) WARN_UNUSED;
int clinic_settings_slot_minutes(struct clinic_settings *s, const char *value,
                                 struct fail *f) WARN_UNUSED;
int clinic_settings_currency(struct clinic_settings *s, const char *value,
                             struct fail *f) WARN_UNUSED;

/* Makes the settings' time zone the process's (clinic_tz_set): once, before threads start.
 * ST_INVALID with f->field "time_zone" when the zone database has no such zone. */
int clinic_settings_apply(const struct clinic_settings *s, struct fail *f) WARN_UNUSED;

/* {"time_zone","slot_minutes","currency","today"} with today the clinic's local date; a new
 * reference, NULL when out of memory. */
json_t *clinic_settings_json(const struct clinic_settings *s);

#endif
