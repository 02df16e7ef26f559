/* Login, the current session, logout and changing one's own password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/role.h"
#include "core/jsonin.h"
#include "http/router.h"

static json_t *
session_json(const struct session_user *s)
{
    json_t *roles = json_array();
    for (int i = 0; i < ROLE_COUNT; i++)
        if (s->roles & role_at(i))
            json_array_append_new(roles, json_string(role_name(role_at(i))));
    json_t *user = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)s->user_id, "username",
                             s->username, "display_name", s->display_name, "roles", roles);
    return json_pack("{s:o, s:s}", "user", user, "csrf_token", s->csrf_token);
}

void
api_session_login(struct request *r, struct response *res)
{
    static const char *const fields[] = {"username", "password", NULL};
    char *username = NULL, *password = NULL;
    struct fail f;
    fail_clear(&f);
    json_t *body = request_json(r, res);
    if (!body)
        return;
    int st = jsonin_only_fields(body, fields, &f);
    if (st == ST_OK)
        st = jsonin_string(body, "username", 64, true, &username, &f);
    if (st == ST_OK)
        st = jsonin_string(body, "password", 200, true, &password, &f);
    if (st != ST_OK) {
        respond_fail(res, &f);
        goto out;
    }
    char token[CRYPTO_TOKEN_HEX];
    int retry = 0;
    st = session_login(r->db, &r->actor, username, password, &r->session, token, &retry, &f);
    if (st != ST_OK) {
        respond_fail(res, &f);
        res->retry_after_s = retry;
        goto out;
    }
    r->has_session = true;
    snprintf(res->set_cookie, sizeof(res->set_cookie),
             "autologa_session=%s; Path=/; HttpOnly; SameSite=Strict", token);
    respond_json(res, MHD_HTTP_OK, session_json(&r->session));
out:
    json_decref(body);
    free(username);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
}

void
api_session_get(struct request *r, struct response *res)
{
    respond_json(res, MHD_HTTP_OK, session_json(&r->session));
}

void
api_session_logout(struct request *r, struct response *res)
{
    if (session_logout(r->db, &r->actor, &r->session) != ST_OK) {
        respond_error(res, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "",
                      "the session could not be ended; try again");
        return;
    }
    snprintf(res->set_cookie, sizeof(res->set_cookie),
             "autologa_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    respond_empty(res, MHD_HTTP_NO_CONTENT);
}

void
api_session_password(struct request *r, struct response *res)
{
    static const char *const fields[] = {"current_password", "new_password", NULL};
    char *cur = NULL, *next = NULL;
    struct fail f;
    fail_clear(&f);
    json_t *body = request_json(r, res);
    if (!body)
        return;
    int st = jsonin_only_fields(body, fields, &f);
    if (st == ST_OK)
        st = jsonin_string(body, "current_password", 200, true, &cur, &f);
    if (st == ST_OK)
        st = jsonin_string(body, "new_password", 200, true, &next, &f);
    if (st == ST_OK)
        st = session_change_password(r->db, &r->actor, &r->session, cur, next, &f);
    if (st == ST_OK) {
        respond_empty(res, MHD_HTTP_NO_CONTENT);
    } else {
        /* The shared password rules name "password"; here the field is "new_password". */
        if (strcmp(f.field, "password") == 0)
            snprintf(f.field, sizeof(f.field), "new_password");
        respond_fail(res, &f);
    }
    json_decref(body);
    free(cur);
    free(next);
}
