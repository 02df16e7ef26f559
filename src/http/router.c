/* The route table and the checks every API request passes: session, CSRF, permission. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clinic/photo.h"
#include "clinic/role.h"
#include "core/crypto.h"

#define SESSION_COOKIE "autologa_session"

enum access {
    ACCESS_PUBLIC = -1,  /* anyone */
    ACCESS_SESSION = -2, /* any logged-in user */
    /* >= 0: an enum permission */
};

struct route {
    const char *method;
    const char *pattern; /* "{id}" matches one path segment */
    int access;
    void (*handler)(struct request *, struct response *);
    size_t body_max; /* 0: HTTP_BODY_MAX */
    bool gateway;    /* a gateway's bearer token may call it too */
};

static const struct route routes[] = {
    {"GET", "/healthz", ACCESS_PUBLIC, api_health},
    {"GET", "/api/v1/openapi.json", ACCESS_PUBLIC, api_openapi},
    {"POST", "/api/v1/session", ACCESS_PUBLIC, api_session_login},
    {"GET", "/api/v1/session", ACCESS_SESSION, api_session_get},
    {"DELETE", "/api/v1/session", ACCESS_SESSION, api_session_logout},
    {"POST", "/api/v1/session/password", ACCESS_SESSION, api_session_password},
    {"GET", "/api/v1/permissions", ACCESS_SESSION, api_permissions},
    {"GET", "/api/v1/catalog", ACCESS_SESSION, api_catalog},
    {"GET", "/api/v1/patients", PERM_PATIENT_READ, api_patients_list},
    {"POST", "/api/v1/patients", PERM_PATIENT_CREATE, api_patients_create},
    {"GET", "/api/v1/patients/{id}", PERM_PATIENT_READ, api_patient_get},
    {"PUT", "/api/v1/patients/{id}", PERM_PATIENT_UPDATE, api_patient_update},
    {"DELETE", "/api/v1/patients/{id}", PERM_PATIENT_DELETE, api_patient_delete},
    {"GET", "/api/v1/patients/{id}/history", PERM_PATIENT_READ, api_patient_history},
    {"GET", "/api/v1/patients/{id}/labs", PERM_CLINICAL_READ, api_labs_list},
    {"POST", "/api/v1/patients/{id}/labs", PERM_CLINICAL_WRITE, api_labs_create},
    {"POST", "/api/v1/patients/{id}/labs/import", PERM_CLINICAL_WRITE, api_labs_import,
     HTTP_UPLOAD_MAX},
    {"DELETE", "/api/v1/labs/{id}", PERM_CLINICAL_WRITE, api_lab_delete},
    {"GET", "/api/v1/users", PERM_USER_MANAGE, api_users_list},
    {"POST", "/api/v1/users", PERM_USER_MANAGE, api_users_create},
    {"PUT", "/api/v1/users/{id}", PERM_USER_MANAGE, api_user_update},
    {"PUT", "/api/v1/users/{id}/password", PERM_USER_MANAGE, api_user_password},
    {"GET", "/api/v1/audit", PERM_AUDIT_READ, api_audit_list},
    {"GET", "/api/v1/audit/verify", PERM_AUDIT_READ, api_audit_verify},
    {"GET", "/api/v1/patients/{id}/assessments", PERM_CLINICAL_READ, api_assessments_list},
    {"POST", "/api/v1/patients/{id}/assessments", PERM_CLINICAL_WRITE, api_assessments_create},
    {"GET", "/api/v1/assessments/{id}", PERM_CLINICAL_READ, api_assessment_get},
    {"PUT", "/api/v1/assessments/{id}", PERM_CLINICAL_WRITE, api_assessment_update},
    {"GET", "/api/v1/assessments/{id}/versions", PERM_CLINICAL_READ, api_assessment_versions},
    {"GET", "/api/v1/patients/{id}/medical-history", PERM_CLINICAL_READ, api_history_get},
    {"PUT", "/api/v1/patients/{id}/medical-history", PERM_CLINICAL_WRITE, api_history_update},
    {"GET", "/api/v1/patients/{id}/medical-history/versions", PERM_CLINICAL_READ,
     api_history_versions},
    {"GET", "/api/v1/drugs", PERM_CLINICAL_READ, api_drugs_search},
    {"GET", "/api/v1/patients/{id}/screening", PERM_CLINICAL_READ, api_screening_preview},
    {"GET", "/api/v1/patients/{id}/screenings", PERM_CLINICAL_READ, api_screenings_list},
    {"POST", "/api/v1/patients/{id}/screenings", PERM_SCREENING_RUN, api_screenings_create},
    {"GET", "/api/v1/screenings/{id}", PERM_CLINICAL_READ, api_screening_get},
    {"POST", "/api/v1/screenings/{id}/signoff", PERM_SCREENING_SIGN, api_screening_signoff},
    {"GET", "/api/v1/outbox", PERM_OUTBOX_READ, api_outbox_list, 0, true},
    {"POST", "/api/v1/outbox/{id}/sent", PERM_OUTBOX_MARK, api_outbox_sent, 0, true},
    {"POST", "/api/v1/outbox/{id}/failed", PERM_OUTBOX_MARK, api_outbox_failed, 0, true},
    {"GET", "/api/v1/appointments/{id}/ics", PERM_SCHEDULE_READ, api_appointment_ics},
    {"GET", "/api/v1/patients/{id}/courses", PERM_COURSE_READ, api_courses_list},
    {"POST", "/api/v1/patients/{id}/courses", PERM_COURSE_PRESCRIBE, api_courses_create},
    {"GET", "/api/v1/courses/{id}", PERM_COURSE_READ, api_course_get},
    {"POST", "/api/v1/courses/{id}/status", PERM_COURSE_PRESCRIBE, api_course_status},
    {"GET", "/api/v1/courses/{id}/quote", PERM_COURSE_READ, api_course_quote},
    {"GET", "/api/v1/courses/{id}/quote.pdf", PERM_COURSE_READ, api_course_quote_pdf},
    {"GET", "/api/v1/clinic", ACCESS_SESSION, api_clinic},
    {"GET", "/api/v1/schedule/hours", PERM_SCHEDULE_READ, api_schedule_hours_get},
    {"PUT", "/api/v1/schedule/hours", PERM_SCHEDULE_MANAGE, api_schedule_hours_put},
    {"POST", "/api/v1/schedule/closures", PERM_SCHEDULE_MANAGE, api_closures_create},
    {"DELETE", "/api/v1/schedule/closures/{id}", PERM_SCHEDULE_MANAGE, api_closure_delete},
    {"GET", "/api/v1/schedule/slots", PERM_SCHEDULE_READ, api_schedule_slots},
    {"GET", "/api/v1/schedule/day", PERM_SCHEDULE_READ, api_schedule_day},
    {"GET", "/api/v1/schedule/week", PERM_SCHEDULE_READ, api_schedule_week},
    {"GET", "/api/v1/rooms", PERM_SCHEDULE_READ, api_rooms_list},
    {"POST", "/api/v1/rooms", PERM_SCHEDULE_MANAGE, api_rooms_create},
    {"PATCH", "/api/v1/rooms/{id}", PERM_SCHEDULE_MANAGE, api_room_update},
    {"GET", "/api/v1/centrifuges", PERM_SCHEDULE_READ, api_centrifuges_list},
    {"POST", "/api/v1/centrifuges", PERM_SCHEDULE_MANAGE, api_centrifuges_create},
    {"PATCH", "/api/v1/centrifuges/{id}", PERM_SCHEDULE_MANAGE, api_centrifuge_update},
    {"GET", "/api/v1/clinicians", PERM_SCHEDULE_READ, api_clinicians_list},
    {"POST", "/api/v1/clinicians", PERM_SCHEDULE_MANAGE, api_clinicians_create},
    {"PATCH", "/api/v1/clinicians/{id}", PERM_SCHEDULE_MANAGE, api_clinician_update},
    {"POST", "/api/v1/appointments", PERM_SCHEDULE_BOOK, api_appointments_create},
    {"GET", "/api/v1/appointments/{id}", PERM_SCHEDULE_READ, api_appointment_get},
    {"POST", "/api/v1/appointments/{id}/move", PERM_SCHEDULE_BOOK, api_appointment_move},
    {"POST", "/api/v1/appointments/{id}/status", PERM_SCHEDULE_BOOK, api_appointment_status},
    {"GET", "/api/v1/patients/{id}/appointments", PERM_SCHEDULE_READ, api_patient_appointments},
    {"POST", "/api/v1/procedures/{id}/specimens", PERM_PROCEDURE_RECORD, api_specimens_create},
    {"GET", "/api/v1/procedures/{id}/specimens", PERM_PROCEDURE_READ, api_specimens_list},
    {"GET", "/api/v1/specimens/{id}", PERM_PROCEDURE_READ, api_specimen_get},
    {"POST", "/api/v1/specimens/{id}/events", PERM_PROCEDURE_RECORD, api_specimen_event},
    {"GET", "/api/v1/specimens/{id}/label.pdf", PERM_PROCEDURE_READ, api_specimen_label_pdf},
    {"GET", "/api/v1/procedures/{id}/labels.pdf", PERM_PROCEDURE_READ, api_procedure_labels_pdf},
    {"GET", "/api/v1/patients/{id}/wristband.pdf", PERM_PROCEDURE_READ, api_patient_wristband_pdf},
    {"POST", "/api/v1/procedures/{id}/identity-checks", PERM_PROCEDURE_RECORD,
     api_identity_checks_create},
    {"GET", "/api/v1/procedures/{id}/identity-checks", PERM_PROCEDURE_READ,
     api_identity_checks_list},
    {"POST", "/api/v1/appointments/{id}/procedure", PERM_PROCEDURE_RECORD, api_procedure_start},
    {"GET", "/api/v1/appointments/{id}/procedure", PERM_PROCEDURE_READ, api_appointment_procedure},
    {"GET", "/api/v1/patients/{id}/procedures", PERM_PROCEDURE_READ, api_patient_procedures},
    {"GET", "/api/v1/procedures/{id}", PERM_PROCEDURE_READ, api_procedure_get},
    {"PUT", "/api/v1/procedures/{id}/preparation", PERM_PROCEDURE_RECORD,
     api_procedure_preparation},
    {"PUT", "/api/v1/procedures/{id}/fat", PERM_PROCEDURE_RECORD, api_procedure_fat},
    {"PUT", "/api/v1/procedures/{id}/injection", PERM_PROCEDURE_RECORD, api_procedure_injection},
    {"POST", "/api/v1/procedures/{id}/aftercare", PERM_PROCEDURE_RECORD, api_procedure_aftercare},
    {"GET", "/api/v1/procedures/{id}/aftercare.pdf", PERM_PROCEDURE_READ,
     api_procedure_aftercare_pdf},
    {"POST", "/api/v1/procedures/{id}/complete", PERM_PROCEDURE_RECORD, api_procedure_complete},
    {"POST", "/api/v1/procedures/{id}/abandon", PERM_PROCEDURE_RECORD, api_procedure_abandon},
    {"GET", "/api/v1/patients/{id}/adverse-events", PERM_ADVERSE_READ, api_adverse_of_patient},
    {"POST", "/api/v1/patients/{id}/adverse-events", PERM_ADVERSE_RECORD, api_adverse_create},
    {"GET", "/api/v1/adverse-events", PERM_ADVERSE_READ, api_adverse_list},
    {"GET", "/api/v1/adverse-events/{id}", PERM_ADVERSE_READ, api_adverse_get},
    {"PUT", "/api/v1/adverse-events/{id}", PERM_ADVERSE_RECORD, api_adverse_update},
    {"GET", "/api/v1/adverse-events/{id}/versions", PERM_ADVERSE_READ, api_adverse_versions},
    {"GET", "/api/v1/reports/outcomes", PERM_REPORT_READ, api_report_outcomes},
    {"GET", "/api/v1/reports/outcomes.csv", PERM_REPORT_READ, api_report_outcomes_csv},
    {"GET", "/api/v1/reports/outcomes/courses.csv", PERM_REPORT_READ,
     api_report_outcome_courses_csv},
    {"GET", "/api/v1/patients/{id}/timeline", PERM_OUTCOME_READ, api_timeline_get},
    {"GET", "/api/v1/patients/{id}/outcome-report.pdf", PERM_OUTCOME_READ, api_outcome_report_pdf},
    {"GET", "/api/v1/patients/{id}/photos", PERM_PHOTO_READ, api_photos_list},
    {"POST", "/api/v1/patients/{id}/photos", PERM_PHOTO_RECORD, api_photos_upload,
     PHOTO_UPLOAD_MAX},
    {"GET", "/api/v1/photos/{id}", PERM_PHOTO_READ, api_photo_get},
    {"GET", "/api/v1/photos/{id}/image", PERM_PHOTO_READ, api_photo_image},
    {"GET", "/api/v1/photos/{id}/thumb", PERM_PHOTO_READ, api_photo_thumb},
    {"POST", "/api/v1/photos/{id}/void", PERM_PHOTO_RECORD, api_photo_void},
    {"GET", "/api/v1/patients/{id}/measurements", PERM_OUTCOME_READ, api_measurements_list},
    {"POST", "/api/v1/patients/{id}/measurements", PERM_OUTCOME_RECORD, api_measurements_create},
    {"POST", "/api/v1/patients/{id}/measurements/import", PERM_OUTCOME_RECORD,
     api_measurements_import, HTTP_UPLOAD_MAX},
    {"PUT", "/api/v1/measurements/{id}", PERM_OUTCOME_RECORD, api_measurement_correct},
    {"POST", "/api/v1/measurements/{id}/void", PERM_OUTCOME_RECORD, api_measurement_void},
    {"GET", "/api/v1/measurements/{id}/versions", PERM_OUTCOME_READ, api_measurement_versions},
    {"POST", "/api/v1/prp/simulate", PERM_PROCEDURE_READ, api_prp_simulate},
    {"POST", "/api/v1/prp/design", PERM_PROCEDURE_READ, api_prp_design},
    {"GET", "/api/v1/procedures/{id}/prp-request", PERM_PROCEDURE_READ, api_procedure_prp_request},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

bool
router_owns(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/healthz") == 0;
}

/* Matches `path` against `pattern`, copying {id} segments into r->params. */
static bool
match(const char *pattern, const char *path, struct request *r)
{
    int np = 0;
    while (*pattern && *path) {
        if (strncmp(pattern, "{id}", 4) == 0) {
            const char *end = strchr(path, '/');
            size_t n = end ? (size_t)(end - path) : strlen(path);
            if (n == 0 || n >= sizeof(r->params[0]) || np >= HTTP_MAX_PARAMS)
                return false;
            memcpy(r->params[np], path, n);
            r->params[np++][n] = '\0';
            pattern += 4;
            path += n;
            continue;
        }
        if (*pattern++ != *path++)
            return false;
    }
    return *pattern == '\0' && *path == '\0';
}

static bool
state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

size_t
router_body_limit(const char *method, const char *path)
{
    struct request scratch;
    for (size_t i = 0; i < NROUTES; i++)
        if (routes[i].body_max && strcmp(routes[i].method, method) == 0 &&
            match(routes[i].pattern, path, &scratch))
            return routes[i].body_max;
    return HTTP_BODY_MAX;
}

/* Resolves the session cookie into r->session. */
static int
authenticate(struct request *r)
{
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (!token)
        return ST_UNAUTHORIZED;
    int st = session_lookup(r->db, token, &r->session);
    if (st != ST_OK)
        return st;
    r->has_session = true;
    r->actor.user_id = r->session.user_id;
    snprintf(r->actor.username, sizeof(r->actor.username), "%s", r->session.username);
    r->actor.roles = r->session.roles;
    return ST_OK;
}

/* The token of an "Authorization: Bearer TOKEN" header, or NULL. */
static const char *
bearer_token(const struct request *r)
{
    const char *h = request_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return h;
}

/* A gateway's request: its token instead of a session, only on the routes that allow one, and
 * no CSRF token (a browser never sends an Authorization header on its own, so a forged request
 * cannot carry it). The gateway acts, and is audited, as "gateway:NAME". False when answered. */
static bool
authenticate_gateway(struct request *r, struct response *res, const struct route *rt,
                     const char *token)
{
    struct session_gateway g;
    int st = session_gateway_lookup(r->db, token, &g);
    if (st == ST_UNAUTHORIZED) {
        respond_error(res, MHD_HTTP_UNAUTHORIZED, "unauthenticated", "",
                      "the gateway token is unknown or revoked");
        return false;
    }
    if (st != ST_OK) {
        respond_error(res, respond_status_of(st), st == ST_BUSY ? "busy" : "internal", "",
                      "the gateway token could not be checked; try again");
        return false;
    }
    if (!rt->gateway) {
        respond_error(res, MHD_HTTP_FORBIDDEN, "forbidden", "",
                      "a gateway token may only read the outbox and mark its messages");
        return false;
    }
    r->actor.user_id = 0;
    snprintf(r->actor.username, sizeof(r->actor.username), "gateway:%s", g.name);
    r->actor.roles = 0;
    return true;
}

void
router_dispatch(struct request *r, struct response *res)
{
    const struct route *rt = NULL;
    bool path_known = false;
    for (size_t i = 0; i < NROUTES; i++) {
        memset(r->params, 0, sizeof(r->params));
        if (!match(routes[i].pattern, r->path, r))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            rt = &routes[i];
            break;
        }
    }
    if (!rt) {
        if (path_known)
            respond_error(res, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", "",
                          "this method is not allowed here");
        else
            respond_error(res, MHD_HTTP_NOT_FOUND, "not_found", "", "no such API endpoint");
        return;
    }
    const char *bearer = rt->access != ACCESS_PUBLIC ? bearer_token(r) : NULL;
    if (bearer) {
        if (!authenticate_gateway(r, res, rt, bearer))
            return;
    } else if (rt->access != ACCESS_PUBLIC) {
        int st = authenticate(r);
        if (st == ST_UNAUTHORIZED) {
            respond_error(res, MHD_HTTP_UNAUTHORIZED, "unauthenticated", "",
                          "log in first: there is no valid session");
            return;
        }
        if (st != ST_OK) {
            respond_error(res, respond_status_of(st), st == ST_BUSY ? "busy" : "internal", "",
                          "the session could not be checked; try again");
            return;
        }
        if (state_changing(r->method)) {
            const char *csrf = request_header(r, "X-CSRF-Token");
            if (!csrf || strlen(csrf) != strlen(r->session.csrf_token) ||
                !crypto_equal(csrf, r->session.csrf_token)) {
                respond_error(res, MHD_HTTP_FORBIDDEN, "csrf", "",
                              "the request lacks this session's X-CSRF-Token header");
                return;
            }
        }
        if (rt->access >= 0 && !permission_allows(r->session.roles, (enum permission)rt->access)) {
            char msg[160];
            snprintf(msg, sizeof(msg), "your roles do not allow '%s'",
                     permission_name((enum permission)rt->access));
            respond_error(res, MHD_HTTP_FORBIDDEN, "forbidden", "", msg);
            return;
        }
    }
    rt->handler(r, res);
}
