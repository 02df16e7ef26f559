/* Health, the OpenAPI description, the permission table and the catalogue of coded lists. */
#include <string.h>

#include "clinic/role.h"
#include "http/router.h"

extern const unsigned char embedded_openapi[];
extern const unsigned long embedded_openapi_len;

void
api_health(struct request *r, struct response *res)
{
    (void)r;
    respond_json(res, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
}

void
api_openapi(struct request *r, struct response *res)
{
    (void)r;
    json_t *doc = json_loadb((const char *)embedded_openapi, embedded_openapi_len, 0, NULL);
    if (!doc) {
        respond_error(res, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "",
                      "the built-in OpenAPI document does not parse");
        return;
    }
    respond_json(res, MHD_HTTP_OK, doc);
}

void
api_permissions(struct request *r, struct response *res)
{
    (void)r;
    json_t *roles = json_array(), *perms = json_object();
    for (int i = 0; i < ROLE_COUNT; i++)
        json_array_append_new(roles, json_string(role_name(role_at(i))));
    for (int p = 0; p < PERM_COUNT; p++) {
        json_t *who = json_array();
        for (int i = 0; i < ROLE_COUNT; i++)
            if (permission_roles((enum permission)p) & role_at(i))
                json_array_append_new(who, json_string(role_name(role_at(i))));
        json_object_set_new(perms, permission_name((enum permission)p), who);
    }
    respond_json(res, MHD_HTTP_OK, json_pack("{s:o, s:o}", "roles", roles, "permissions", perms));
}

void
api_catalog(struct request *r, struct response *res)
{
    respond_json(res, MHD_HTTP_OK, protocols_catalog_json(r->protocols));
}
