/* The preparation designer's endpoints: a protocol's predicted outcome and the protocols that
 * reach a target (docs/api.md, "PRP preparation designer"). Both are pure computation on the
 * request: no database, no audit. A procedure's prefill is read with the other procedure reads
 * (api_procedures.c). */
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "prp/prp_json.h"

/* 422: the request is well formed but the model finds nothing to take (a rule that takes
 * nothing) or cannot finish (the solver's step cap). */
#define HTTP_UNPROCESSABLE 422
/* A finer grid costs seconds of one server thread for a gain below the model's band
 * (docs/prp-model.md §6.5 uses 150–400). */
#define API_PRP_CELLS_MAX 400
/* The default search is 10,368 candidates in about 0.07 s; five times more stays well under a
 * second, and a grid of 16 values on every axis (2 million) does not. */
#define API_PRP_CANDIDATES_MAX 50000L

/* The answer to a failed simulate or design. */
static void
respond_prp_fail(struct response *res, int st, const struct fail *f)
{
    if (st == ST_INVALID && strcmp(f->code, "empty") == 0) {
        respond_error(res, HTTP_UNPROCESSABLE, f->code, f->field, f->message);
        return;
    }
    if (st == ST_TOO_BIG && f->code[0] == '\0') {
        respond_error(res, HTTP_UNPROCESSABLE, "solver_limit", "spins",
                      "the model could not finish these spins within its step limit");
        return;
    }
    if (st == ST_NOMEM) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
        return;
    }
    struct fail g = *f;
    g.status = st;
    respond_fail(res, &g);
}

static bool
cells_allowed(struct response *res, int cells)
{
    if (cells <= API_PRP_CELLS_MAX)
        return true;
    respond_error(res, MHD_HTTP_BAD_REQUEST, "out_of_range", "cells",
                  "cells must be from 20 to 400 here: a finer grid costs seconds of the server");
    return false;
}

void
api_prp_simulate(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res);
    if (!body)
        return;
    struct prp_request req;
    struct prp_result *out = malloc(sizeof(*out));
    struct fail f;
    fail_clear(&f);
    if (!out) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
        goto out;
    }
    int st = prp_json_request(body, &req, &f);
    if (st == ST_OK && !cells_allowed(res, req.cells))
        goto out;
    if (st == ST_OK)
        st = prp_simulate(&req, out, &f);
    if (st != ST_OK) {
        respond_prp_fail(res, st, &f);
        goto out;
    }
    json_t *answer = prp_json_result(&req, out);
    if (!answer)
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
    else
        respond_json(res, MHD_HTTP_OK, answer);
out:
    free(out);
    json_decref(body);
}

/* How many protocols the search will weigh (prp_design's grid, both first-spin rules). */
static long
candidates_of(const struct prp_design_request *d)
{
    long rules = (d->rule_above_rbc ? 1 : 0) + (d->rule_buffy_coat ? 1 : 0);
    return (long)d->g1.n * d->min1.n * rules * d->g2.n * d->min2.n * d->fraction.n;
}

void
api_prp_design(struct request *r, struct response *res)
{
    json_t *body = request_json(r, res);
    if (!body)
        return;
    struct prp_design_request *req = malloc(sizeof(*req));
    struct prp_design_result *out = malloc(sizeof(*out));
    struct fail f;
    fail_clear(&f);
    if (!req || !out) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
        goto out;
    }
    int st = prp_json_design_request(body, req, &f);
    if (st == ST_OK && !cells_allowed(res, req->base.cells))
        goto out;
    if (st == ST_OK && candidates_of(req) > API_PRP_CANDIDATES_MAX) {
        char msg[160];
        snprintf(msg, sizeof(msg), "the grid gives %ld protocols; at most %ld are searched here",
                 candidates_of(req), API_PRP_CANDIDATES_MAX);
        respond_error(res, MHD_HTTP_BAD_REQUEST, "out_of_range", "grid", msg);
        goto out;
    }
    if (st == ST_OK)
        st = prp_design(req, out, &f);
    if (st != ST_OK) {
        respond_prp_fail(res, st, &f);
        goto out;
    }
    json_t *answer = prp_json_design_result(req, out);
    if (!answer)
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "", "out of memory");
    else
        respond_json(res, MHD_HTTP_OK, answer);
out:
    free(req);
    free(out);
    json_decref(body);
}
