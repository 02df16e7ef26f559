/* Test support for the calendar: a clinic's resources and booked appointments written straight
 * through the store (no rules checked), so that a test states the calendar it needs in a few
 * lines. Failures fail the running cmocka test. */
#ifndef AUTOLOGA_TESTS_TESTCAL_H
#define AUTOLOGA_TESTS_TESTCAL_H

#include <stdint.h>

#include "core/date.h"
#include "store/db.h"

/* The UTC instant of local `hour`:`minute` of y-m-d in the clinic's time zone (it must exist). */
int64_t testcal_at(int y, int m, int d, int hour, int minute);

int64_t testcal_patient(struct db *db, const char *given_name);
int64_t testcal_user(struct db *db, const char *username, unsigned roles);
int64_t testcal_room(struct db *db, const char *name, const char *kind);
int64_t testcal_centrifuge(struct db *db, const char *name);
/* A clinician (a new doctor user) working from `start` to `end` (minutes) every day. */
int64_t testcal_clinician(struct db *db, const char *username, int start, int end);
/* Opening hours from `open` to `close` (minutes) every day of the week. */
void testcal_open_daily(struct db *db, int open, int close);
void testcal_closure(struct db *db, const char *first, const char *last);
/* A booked appointment holding room, clinician and patient for [start, end) and the centrifuge
 * (0: none) for its first prep minutes. Returns its id. */
int64_t testcal_book(struct db *db, int64_t patient, int64_t start, int64_t end, int prep,
                     int64_t room, int64_t clinician, int64_t centrifuge);

#endif
