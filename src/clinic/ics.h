/* iCalendar (RFC 5545) text for one appointment: a VCALENDAR with one VEVENT, CRLF line ends,
 * lines folded at 75 octets without splitting a UTF-8 sequence, TEXT values escaped. Pure:
 * nothing here reads the clock or the database. */
#ifndef AUTOLOGA_CLINIC_ICS_H
#define AUTOLOGA_CLINIC_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/status.h"

/* RFC 5545 §3.1: a content line is at most 75 octets, CRLF excluded. */
#define ICS_LINE_OCTETS 75

struct ics_event {
    const char *uid;    /* stable per appointment: "appointment-501@autologa" */
    int64_t dtstamp_ms; /* when this object was made */
    int64_t start_ms;   /* written in UTC */
    int64_t end_ms;
    int64_t sequence;     /* the revision: grows with each change of the appointment */
    const char *status;   /* "CONFIRMED" or "CANCELLED" */
    const char *language; /* the LANGUAGE of the texts ("en", "ar"); NULL: none */
    const char *summary;
    const char *location;    /* NULL: none */
    const char *description; /* NULL: none; newlines become \n */
};

/* Appends the whole iCalendar object for `e` to `out`. ST_INVALID when uid, summary or status
 * is missing or the end is not after the start; ST_TOO_BIG past the buffer's cap. */
int ics_write(const struct ics_event *e, struct buf *out) WARN_UNUSED;

/* Appends `s` as an RFC 5545 TEXT value: backslash, semicolon and comma escaped with a
 * backslash, a line break (LF, CR or CRLF) as \n, other control characters dropped. */
int ics_escape_text(const char *s, struct buf *out) WARN_UNUSED;

/* Appends the content line line[0..n) (without its line end) folded: after every 75 octets, or
 * fewer where a UTF-8 sequence would be cut, a CRLF and one space; then the closing CRLF. */
int ics_fold(const char *line, size_t n, struct buf *out) WARN_UNUSED;

#endif
