/* The routes of the API: method, path pattern, who may call it, and the handler. The router
 * authenticates the session (or a gateway's bearer token, on the outbox routes), checks CSRF on
 * state-changing requests of sessions and the permission of the route before a handler runs. */
#ifndef AUTOLOGA_HTTP_ROUTER_H
#define AUTOLOGA_HTTP_ROUTER_H

#include <stdbool.h>
#include "http/http.h"

/* True when the path belongs to the router (/api/..., /healthz), false for static files. */
bool router_owns(const char *path);
/* Answers a request for a path the router owns. */
void router_dispatch(struct request *r, struct response *res);

/* The most bytes of body the route of `method` and `path` accepts: HTTP_BODY_MAX, or more for
 * the routes that take a file. */
size_t router_body_limit(const char *method, const char *path);

/* The handlers, one family per file (api_*.c). */
void api_health(struct request *r, struct response *res);
void api_catalog(struct request *r, struct response *res);
void api_openapi(struct request *r, struct response *res);
void api_permissions(struct request *r, struct response *res);
void api_session_login(struct request *r, struct response *res);
void api_session_get(struct request *r, struct response *res);
void api_session_logout(struct request *r, struct response *res);
void api_session_password(struct request *r, struct response *res);
void api_patients_list(struct request *r, struct response *res);
void api_patients_create(struct request *r, struct response *res);
void api_patient_get(struct request *r, struct response *res);
void api_patient_update(struct request *r, struct response *res);
void api_patient_delete(struct request *r, struct response *res);
void api_patient_history(struct request *r, struct response *res);
void api_labs_list(struct request *r, struct response *res);
void api_labs_create(struct request *r, struct response *res);
void api_lab_delete(struct request *r, struct response *res);
void api_labs_import(struct request *r, struct response *res);
void api_users_list(struct request *r, struct response *res);
void api_users_create(struct request *r, struct response *res);
void api_user_update(struct request *r, struct response *res);
void api_user_password(struct request *r, struct response *res);
void api_audit_list(struct request *r, struct response *res);
void api_audit_verify(struct request *r, struct response *res);
void api_assessments_list(struct request *r, struct response *res);
void api_assessments_create(struct request *r, struct response *res);
void api_assessment_get(struct request *r, struct response *res);
void api_assessment_update(struct request *r, struct response *res);
void api_assessment_versions(struct request *r, struct response *res);
void api_history_get(struct request *r, struct response *res);
void api_history_update(struct request *r, struct response *res);
void api_history_versions(struct request *r, struct response *res);
void api_drugs_search(struct request *r, struct response *res);
void api_screening_preview(struct request *r, struct response *res);
void api_screenings_create(struct request *r, struct response *res);
void api_screenings_list(struct request *r, struct response *res);
void api_screening_get(struct request *r, struct response *res);
void api_screening_signoff(struct request *r, struct response *res);
void api_outbox_list(struct request *r, struct response *res);
void api_outbox_sent(struct request *r, struct response *res);
void api_outbox_failed(struct request *r, struct response *res);
void api_appointment_ics(struct request *r, struct response *res);
void api_courses_create(struct request *r, struct response *res);
void api_courses_list(struct request *r, struct response *res);
void api_course_get(struct request *r, struct response *res);
void api_course_status(struct request *r, struct response *res);
void api_course_quote(struct request *r, struct response *res);
void api_course_quote_pdf(struct request *r, struct response *res);
void api_clinic(struct request *r, struct response *res);
void api_schedule_hours_get(struct request *r, struct response *res);
void api_schedule_hours_put(struct request *r, struct response *res);
void api_closures_create(struct request *r, struct response *res);
void api_closure_delete(struct request *r, struct response *res);
void api_rooms_list(struct request *r, struct response *res);
void api_rooms_create(struct request *r, struct response *res);
void api_room_update(struct request *r, struct response *res);
void api_centrifuges_list(struct request *r, struct response *res);
void api_centrifuges_create(struct request *r, struct response *res);
void api_centrifuge_update(struct request *r, struct response *res);
void api_clinicians_list(struct request *r, struct response *res);
void api_clinicians_create(struct request *r, struct response *res);
void api_clinician_update(struct request *r, struct response *res);
void api_schedule_slots(struct request *r, struct response *res);
void api_appointments_create(struct request *r, struct response *res);
void api_appointment_get(struct request *r, struct response *res);
void api_patient_appointments(struct request *r, struct response *res);
void api_appointment_move(struct request *r, struct response *res);
void api_appointment_status(struct request *r, struct response *res);
void api_schedule_day(struct request *r, struct response *res);
void api_schedule_week(struct request *r, struct response *res);
void api_specimens_create(struct request *r, struct response *res);
void api_specimens_list(struct request *r, struct response *res);
void api_specimen_get(struct request *r, struct response *res);
void api_specimen_event(struct request *r, struct response *res);
void api_specimen_label_pdf(struct request *r, struct response *res);
void api_procedure_labels_pdf(struct request *r, struct response *res);
void api_patient_wristband_pdf(struct request *r, struct response *res);
void api_identity_checks_create(struct request *r, struct response *res);
void api_identity_checks_list(struct request *r, struct response *res);
void api_procedure_start(struct request *r, struct response *res);
void api_procedure_get(struct request *r, struct response *res);
void api_appointment_procedure(struct request *r, struct response *res);
void api_patient_procedures(struct request *r, struct response *res);
void api_procedure_preparation(struct request *r, struct response *res);
void api_procedure_fat(struct request *r, struct response *res);
void api_procedure_injection(struct request *r, struct response *res);
void api_procedure_aftercare(struct request *r, struct response *res);
void api_procedure_aftercare_pdf(struct request *r, struct response *res);
void api_procedure_complete(struct request *r, struct response *res);
void api_procedure_abandon(struct request *r, struct response *res);
void api_adverse_create(struct request *r, struct response *res);
void api_adverse_of_patient(struct request *r, struct response *res);
void api_adverse_get(struct request *r, struct response *res);
void api_adverse_update(struct request *r, struct response *res);
void api_adverse_versions(struct request *r, struct response *res);
void api_adverse_list(struct request *r, struct response *res);
void api_photos_list(struct request *r, struct response *res);
void api_photos_upload(struct request *r, struct response *res);
void api_photo_get(struct request *r, struct response *res);
void api_photo_image(struct request *r, struct response *res);
void api_photo_thumb(struct request *r, struct response *res);
void api_photo_void(struct request *r, struct response *res);
void api_measurements_list(struct request *r, struct response *res);
void api_measurements_create(struct request *r, struct response *res);
void api_measurements_import(struct request *r, struct response *res);
void api_measurement_correct(struct request *r, struct response *res);
void api_measurement_void(struct request *r, struct response *res);
void api_measurement_versions(struct request *r, struct response *res);
void api_timeline_get(struct request *r, struct response *res);
void api_outcome_report_pdf(struct request *r, struct response *res);

struct timeline_report;
/* The outcome report's PDF from what timeline_report_gather read, dated `date` (YYYY-MM-DD):
 * the API's answer and the command line's file are the same document. */
int api_outcome_report_render(const struct timeline_report *rep, const char *clinic_name,
                              const char *date, struct buf *out, struct fail *f) WARN_UNUSED;

void api_report_outcomes(struct request *r, struct response *res);
void api_prp_simulate(struct request *r, struct response *res);
void api_prp_design(struct request *r, struct response *res);
void api_procedure_prp_request(struct request *r, struct response *res);
void api_report_outcomes_csv(struct request *r, struct response *res);
void api_report_outcome_courses_csv(struct request *r, struct response *res);

#endif
