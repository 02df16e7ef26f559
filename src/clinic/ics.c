/* iCalendar text for one appointment (RFC 5545): escaping, folding and the VEVENT itself. */
#include "clinic/ics.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"

int
ics_escape_text(const char *s, struct buf *out)
{
    int st = ST_OK;
    for (const char *p = s; *p && st == ST_OK; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\' || c == ';' || c == ',') {
            char esc[2] = {'\\', (char)c};
            st = buf_append(out, esc, 2);
        } else if (c == '\r' || c == '\n') {
            /* CRLF is one line break, not two. */
            if (c == '\r' && p[1] == '\n')
                p++;
            st = buf_append_str(out, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            /* TEXT may not hold control characters (§3.3.11); a tab reads as a space. */
            if (c == '\t')
                st = buf_append_char(out, ' ');
        } else {
            st = buf_append_char(out, (char)c);
        }
    }
    return st;
}

/* Whether byte c continues a UTF-8 sequence (its top two bits are 10). */
static int
continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

int
ics_fold(const char *line, size_t n, struct buf *out)
{
    int st = ST_OK;
    size_t at = 0;
    /* The first line holds 75 octets; each continuation line begins with the space, so 74. */
    size_t room = ICS_LINE_OCTETS;
    while (st == ST_OK && n - at > room) {
        size_t cut = at + room;
        while (cut > at && continuation((unsigned char)line[cut]))
            cut--;
        /* A line of continuation bytes only is not UTF-8; cut it where it falls. */
        if (cut == at)
            cut = at + room;
        st = buf_append(out, line + at, cut - at);
        if (st == ST_OK)
            st = buf_append(out, "\r\n ", 3);
        at = cut;
        room = ICS_LINE_OCTETS - 1;
    }
    if (st == ST_OK)
        st = buf_append(out, line + at, n - at);
    if (st == ST_OK)
        st = buf_append(out, "\r\n", 2);
    return st;
}

/* One property: NAME[;LANGUAGE=xx]:value, the value escaped as TEXT when `text`. */
static int
property(struct buf *out, const char *name, const char *language, const char *value, int text)
{
    struct buf line;
    buf_init(&line, out->limit);
    int st = buf_append_str(&line, name);
    if (st == ST_OK && language)
        st = buf_printf(&line, ";LANGUAGE=%s", language);
    if (st == ST_OK)
        st = buf_append_char(&line, ':');
    if (st == ST_OK)
        st = text ? ics_escape_text(value, &line) : buf_append_str(&line, value);
    if (st == ST_OK)
        st = ics_fold(buf_str(&line), line.len, out);
    buf_release(&line);
    return st;
}

/* A UTC instant in the form DATE-TIME takes with a "Z": 20261201T050000Z. */
static void
utc_stamp(int64_t ms, char out[17])
{
    char iso[25];
    time_format_ms(ms, iso); /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    memcpy(out, iso, 4);
    memcpy(out + 4, iso + 5, 2);
    memcpy(out + 6, iso + 8, 2);
    out[8] = 'T';
    memcpy(out + 9, iso + 11, 2);
    memcpy(out + 11, iso + 14, 2);
    memcpy(out + 13, iso + 17, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

int
ics_write(const struct ics_event *e, struct buf *out)
{
    if (!e->uid || !*e->uid || !e->summary || !e->status || e->end_ms <= e->start_ms)
        return ST_INVALID;
    char stamp[17], start[17], end[17], seq[24];
    utc_stamp(e->dtstamp_ms, stamp);
    utc_stamp(e->start_ms, start);
    utc_stamp(e->end_ms, end);
    snprintf(seq, sizeof(seq), "%lld", (long long)(e->sequence < 0 ? 0 : e->sequence));

    int st = buf_append_str(out, "BEGIN:VCALENDAR\r\n"
                                 "VERSION:2.0\r\n"
                                 "PRODID:-//Autologa//Autologa clinic calendar//EN\r\n"
                                 "CALSCALE:GREGORIAN\r\n"
                                 "METHOD:PUBLISH\r\n"
                                 "BEGIN:VEVENT\r\n");
    if (st == ST_OK)
        st = property(out, "UID", NULL, e->uid, 1);
    if (st == ST_OK)
        st = property(out, "DTSTAMP", NULL, stamp, 0);
    if (st == ST_OK)
        st = property(out, "DTSTART", NULL, start, 0);
    if (st == ST_OK)
        st = property(out, "DTEND", NULL, end, 0);
    if (st == ST_OK)
        st = property(out, "SEQUENCE", NULL, seq, 0);
    if (st == ST_OK)
        st = property(out, "STATUS", NULL, e->status, 0);
    if (st == ST_OK)
        st = property(out, "SUMMARY", e->language, e->summary, 1);
    if (st == ST_OK && e->location)
        st = property(out, "LOCATION", e->language, e->location, 1);
    if (st == ST_OK && e->description)
        st = property(out, "DESCRIPTION", e->language, e->description, 1);
    if (st == ST_OK)
        st = buf_append_str(out, "END:VEVENT\r\nEND:VCALENDAR\r\n");
    return st;
}
