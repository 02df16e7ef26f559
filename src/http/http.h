/* What a handler sees of an HTTP request and fills of its response. The server owns both; a
 * handler reads the request, calls src/clinic/, and sets the response with the respond_*
 * helpers, which take ownership of what they are given. */
#ifndef AUTOLOGA_HTTP_HTTP_H
#define AUTOLOGA_HTTP_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "clinic/clinic_settings.h"
#include "clinic/protocols.h"
#include "clinic/session.h"
#include "core/buf.h"
#include "store/db.h"

#define HTTP_BODY_MAX (64 * 1024)
/* Routes that take a file (a laboratory's CSV export) accept more. */
#define HTTP_UPLOAD_MAX (8 * 1024 * 1024)
#define HTTP_MAX_PARAMS 2

struct request {
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* percent-decoded, without the query */
    char id[40];      /* request id, also sent as X-Request-Id */
    char remote[64];
    struct buf body;
    bool body_too_big;
    int64_t start_us;
    struct db *db;                        /* this worker thread's connection */
    const struct protocols *protocols;    /* the clinic's data files, read-only */
    const struct clinic_settings *clinic; /* time zone, slot grid, currency; read-only */
    int specimen_hours;                   /* [procedures] specimen_hours */
    bool has_session;
    struct session_user session;
    struct actor actor;               /* who acts: the session's user, or anonymous */
    char params[HTTP_MAX_PARAMS][40]; /* {id} parts of the route, in order */
};

struct response {
    int status;
    const char *content_type; /* static string */
    char *body;               /* owned, freed with free() */
    size_t len;
    char set_cookie[256];
    int retry_after_s;
    char disposition[160]; /* Content-Disposition, "" for none (files offered for saving) */
};

/* The value of a query parameter (decoded), or NULL. Borrowed for the request's life. */
const char *request_query(const struct request *r, const char *key);
/* A request header, or NULL. */
const char *request_header(const struct request *r, const char *key);
/* Parses params[i] as a positive id; false when it is not one. */
bool request_param_id(const struct request *r, int i, int64_t *id);

/* The {id} at params[i] as a positive id; otherwise answers 404 "not_found" with `missing` ("no
 * such patient": a path that names no record names no record) and returns false. */
bool request_id_or_404(const struct request *r, struct response *res, int i, const char *missing,
                       int64_t *id);
/* An optional whole-number query value (`dflt` when absent or empty); otherwise answers 400
 * "invalid_query" naming the key and returns false. */
bool request_query_int(const struct request *r, struct response *res, const char *key, int64_t dflt,
                       int64_t *out);

/* A JSON response (takes the reference to `body`). */
void respond_json(struct response *res, int status, json_t *body);
/* A binary answer (a picture, a PDF): takes `body` (malloc()ed, freed with free()) of `len`
 * bytes; `content_type` is a static string; `disposition` (NULL: none) is sent as the
 * Content-Disposition header. Like every API answer it is sent with Cache-Control: no-store. */
void respond_bytes(struct response *res, int status, const char *content_type, unsigned char *body,
                   size_t len, const char *disposition);
/* An empty response with a status (204, ...). */
void respond_empty(struct response *res, int status);
/* The error response of a failure: the status code of f->status and
 * {"error":{"code","message","field"}}. */
void respond_fail(struct response *res, const struct fail *f);
/* The answer of a domain call: `out` with `ok_status` when `st` is ST_OK, else the failure `f`
 * (and `out`, if any, is dropped). Takes the reference to `out`. */
void respond_result(struct response *res, int st, int ok_status, json_t *out, const struct fail *f);
/* An error response built on the spot. */
void respond_error(struct response *res, int http_status, const char *code, const char *field,
                   const char *message);
/* The HTTP status of a failure status. */
int respond_status_of(int st);

/* Parses the request body as a JSON object, answering 400/413 itself on failure (returns
 * NULL then). The caller json_decref()s the result. */
json_t *request_json(struct request *r, struct response *res);

#endif
