/* The HTTP server: request assembly on libmicrohttpd's epoll thread pool, one database
 * connection per worker thread, request ids, one log line per request, static files. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clinic/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/log.h"
#include "http/http.h"
#include "http/router.h"

static const struct server_config *config;
static pthread_key_t db_key;
static atomic_uint_fast64_t request_counter;
static char request_prefix[9];

static void
close_thread_db(void *p)
{
    db_close(p);
}

/* This worker thread's connection, opened on first use. */
static struct db *
thread_db(void)
{
    struct db *db = pthread_getspecific(db_key);
    if (db)
        return db;
    struct fail f;
    if (db_open(config->db_path, false, &db, &f) != ST_OK) {
        log_line(LOG_ERROR, "event=db_open_failed err=\"%s\"", f.message);
        return NULL;
    }
    pthread_setspecific(db_key, db);
    return db;
}

static void
remote_of(struct MHD_Connection *conn, char out[64])
{
    snprintf(out, 64, "unknown");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 64);
}

static const char *
content_type_of(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static void
add_common_headers(struct MHD_Response *resp, const struct request *r)
{
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* Serves a file under the web root; a path with ".." or a hidden segment is refused. */
static enum MHD_Result
serve_static(struct request *r, int *status)
{
    const char *path = r->path;
    bool head = strcmp(r->method, "HEAD") == 0;
    if (strcmp(r->method, "GET") != 0 && !head) {
        *status = MHD_HTTP_METHOD_NOT_ALLOWED;
        goto plain;
    }
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    if (strstr(path, "/.") || strchr(path, '\\') || strlen(path) > 200) {
        *status = MHD_HTTP_NOT_FOUND;
        goto plain;
    }
    char full[512];
    snprintf(full, sizeof(full), "%s%s", config->web_root, path);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        *status = MHD_HTTP_NOT_FOUND;
        goto plain;
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((size_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    add_common_headers(resp, r);
    MHD_add_response_header(resp, "Content-Type", content_type_of(path));
    /* Revalidate every time so that an upgrade reaches the browser at once. */
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    *status = MHD_HTTP_OK;
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
plain:;
    const char *msg = *status == MHD_HTTP_NOT_FOUND ? "not found\n" : "method not allowed\n";
    struct MHD_Response *pr =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    if (!pr)
        return MHD_NO;
    add_common_headers(pr, r);
    MHD_add_response_header(pr, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result q = MHD_queue_response(r->conn, (unsigned)*status, pr);
    MHD_destroy_response(pr);
    return q;
}

static enum MHD_Result
send_response(struct request *r, struct response *res)
{
    struct MHD_Response *resp;
    if (res->body) {
        resp = MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            res->body = NULL; /* libmicrohttpd frees it now */
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    add_common_headers(resp, r);
    if (res->content_type)
        MHD_add_response_header(resp, "Content-Type", res->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (res->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", res->set_cookie);
    if (res->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", res->disposition);
    if (res->retry_after_s > 0) {
        char ra[24];
        snprintf(ra, sizeof(ra), "%d", res->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)res->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void
request_free(struct request *r)
{
    if (!r)
        return;
    buf_release(&r->body);
    free(r);
}

static enum MHD_Result
handle(struct request *r)
{
    struct response res = {.status = MHD_HTTP_INTERNAL_SERVER_ERROR};
    int status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    enum MHD_Result ret;
    if (!router_owns(r->path)) {
        ret = serve_static(r, &status);
        goto log;
    }
    r->db = thread_db();
    r->protocols = config->protocols;
    r->clinic = config->clinic;
    r->specimen_hours = config->specimen_hours;
    if (!r->db)
        respond_error(&res, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "",
                      "the database cannot be opened");
    else
        router_dispatch(r, &res);
    status = res.status;
    ret = send_response(r, &res);
    free(res.body);
log:
    log_line(LOG_INFO, "req=%s method=%s path=%s status=%d dur_us=%lld user=%s remote=%s", r->id,
             r->method, r->path, status, (long long)(time_mono_us() - r->start_us),
             r->has_session ? r->session.username : r->actor.username, r->remote);
    return ret;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    (void)cls;
    (void)version;
    struct request *r = *con_cls;
    if (!r) {
        /* First call: only the headers are in. Answer on a later call: answering now would
         * make libmicrohttpd 0.9.75 close the connection after every request. */
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->start_us = time_mono_us();
        buf_init(&r->body, router_body_limit(method, url));
        snprintf(r->id, sizeof(r->id), "%s-%llu", request_prefix,
                 (unsigned long long)atomic_fetch_add(&request_counter, 1) + 1);
        remote_of(conn, r->remote);
        snprintf(r->actor.username, sizeof(r->actor.username), "-");
        snprintf(r->actor.remote, sizeof(r->actor.remote), "%s", r->remote);
        snprintf(r->actor.request_id, sizeof(r->actor.request_id), "%s", r->id);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!r->body_too_big && buf_append(&r->body, upload_data, *upload_data_size) != ST_OK) {
            /* Keep reading (and dropping) so that the client gets a clean 413. */
            r->body_too_big = true;
            buf_release(&r->body);
            buf_init(&r->body, router_body_limit(r->method, r->path));
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return handle(r);
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request_free(*con_cls);
    *con_cls = NULL;
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa, struct fail *f)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    char host[64];
    if (!colon || (size_t)(colon - listen) >= sizeof(host))
        return fail_set(f, ST_INVALID, "listen", "invalid_value",
                        "listen address '%s' must look like 127.0.0.1:8080", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return fail_set(f, ST_INVALID, "listen", "invalid_value",
                        "port in listen address '%s' is not a number from 0 to 65535", listen);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return fail_set(f, ST_INVALID, "listen", "invalid_value",
                        "host in listen address '%s' is not an IPv4 address", listen);
    sa->sin_port = htons((uint16_t)port);
    return ST_OK;
}

int
server_run(const struct server_config *cfg, struct fail *f)
{
    config = cfg;
    struct sockaddr_in sa;
    int st = parse_listen(cfg->listen, &sa, f);
    if (st != ST_OK)
        return st;
    struct stat sb;
    char index[512];
    snprintf(index, sizeof(index), "%s/index.html", cfg->web_root);
    if (stat(index, &sb) != 0)
        return fail_set(f, ST_IO, "web_root", "not_found", "web root '%s' has no index.html",
                        cfg->web_root);
    /* Check the database now rather than on the first request. */
    struct db *db = NULL;
    st = db_open(cfg->db_path, false, &db, f);
    if (st != ST_OK)
        return st;
    int version = 0;
    st = db_schema_version(db, &version);
    db_close(db);
    if (st != ST_OK || version != db_schema_latest())
        return fail_set(f, ST_DB, "db", "schema",
                        "database '%s' has schema %d, this binary needs %d: run 'autologa "
                        "migrate'",
                        cfg->db_path, version, db_schema_latest());

    session_configure(&cfg->session);
    char tok[CRYPTO_TOKEN_HEX];
    crypto_random_token(tok);
    memcpy(request_prefix, tok, 8);
    request_prefix[8] = '\0';
    pthread_key_create(&db_key, close_thread_db);
    st = audit_queue_start(cfg->db_path, f);
    if (st != ST_OK)
        return st;

    /* Signals are taken by sigwait below, so every other thread must block them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : cores > 0 ? (unsigned)cores : 2;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, 0, NULL, NULL, access_handler, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_END);
    if (!d) {
        audit_queue_stop();
        return fail_set(f, ST_IO, "listen", "listen",
                        "cannot listen on %s (address in use or not allowed)", cfg->listen);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    printf("autologa: listening on http://%s:%u\n", host, di ? di->port : ntohs(sa.sin_port));
    fflush(stdout);
    log_line(LOG_INFO, "event=started listen=%s:%u threads=%u db=%s", host,
             di ? di->port : ntohs(sa.sin_port), threads, cfg->db_path);

    int sig = 0;
    sigwait(&sigs, &sig);
    log_line(LOG_INFO, "event=stopping signal=%d", sig);
    MHD_stop_daemon(d);
    audit_queue_stop();
    return ST_OK;
}
