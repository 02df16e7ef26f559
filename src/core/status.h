/* The one status type of Autologa: 0 is success, each failure a distinct negative number,
 * and, where a person caused it, a struct fail that names the field and the problem. */
#ifndef AUTOLOGA_CORE_STATUS_H
#define AUTOLOGA_CORE_STATUS_H

#define WARN_UNUSED __attribute__((warn_unused_result))

enum status {
    ST_OK = 0,
    ST_INVALID = -1,      /* bad input from a person: see struct fail for field and code */
    ST_NOT_FOUND = -2,    /* no such record, or not visible to this caller */
    ST_CONFLICT = -3,     /* unique value taken, stale version, slot already booked */
    ST_FORBIDDEN = -4,    /* authenticated but not allowed */
    ST_UNAUTHORIZED = -5, /* no valid session or bad credentials */
    ST_TOO_BIG = -6,      /* input over its size cap */
    ST_THROTTLED = -7,    /* too many attempts; try later */
    ST_NOMEM = -8,
    ST_DB = -9,   /* the database failed (not the caller's fault) */
    ST_IO = -10,  /* a file or socket failed */
    ST_BUSY = -11 /* the database stayed locked past the busy timeout */
};

/* What went wrong, for a person: `code` is a stable machine word the UI translates
 * ("required", "invalid_date", ...), `field` the input field ("" when none), `message`
 * a readable English sentence (problem first, subject quoted). */
struct fail {
    int status;
    char code[40];
    char field[64];
    char message[256];
};

/* Fills `f` (when not NULL; texts too long are cut at a UTF-8 boundary) and returns `status`,
 * so callers can write
 * `return fail_set(f, ST_INVALID, "phone", "invalid_phone", "phone '%s' is not E.164", p);` */
int fail_set(struct fail *f, int status, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Clears `f` to "no failure". Accepts NULL. */
void fail_clear(struct fail *f);

/* A short lower-case name for a status ("invalid", "not_found", ...); never NULL. */
const char *status_name(int status);

#endif
