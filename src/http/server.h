/* The HTTP server: libmicrohttpd with its epoll thread pool, one database connection per
 * worker thread, the router for /api and /healthz, static files for everything else. */
#ifndef AUTOLOGA_HTTP_SERVER_H
#define AUTOLOGA_HTTP_SERVER_H

#include "clinic/clinic_settings.h"
#include "clinic/protocols.h"
#include "clinic/session.h"
#include "core/status.h"

struct server_config {
    const char *db_path;
    const char *listen;                   /* "127.0.0.1:8080"; port 0 picks a free one */
    const char *web_root;                 /* the static UI */
    const struct protocols *protocols;    /* loaded and checked by the caller */
    const struct clinic_settings *clinic; /* checked, its time zone applied by the caller */
    int threads;                          /* 0: one per core */
    int specimen_hours; /* how long a specimen may be injected after the draw (1..24) */
    struct session_policy session;
};

/* Serves until SIGINT or SIGTERM. Prints "autologa: listening on http://HOST:PORT" on
 * standard output once ready. */
int server_run(const struct server_config *cfg, struct fail *f) WARN_UNUSED;

#endif
