/* Specimens: every tube and syringe made at the chair from the patient's own blood or fat, with
 * its id and label, how long it may be used, and its chain of custody (docs/api.md,
 * "Specimens"; docs/specimens.md). Every call runs in one transaction with its audit event.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it). */
#ifndef AUTOLOGA_CLINIC_SPECIMEN_H
#define AUTOLOGA_CLINIC_SPECIMEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

/* How many hours after the draw a specimen may be injected: facts.md §3 "use within 3 hours"
 * for PRP; the same setting serves the fat products. */
#define SPECIMEN_HOURS_DEFAULT 3
#define SPECIMEN_HOURS_MIN 1
#define SPECIMEN_HOURS_MAX 24
#define SPECIMEN_LABEL_MAX 60
#define SPECIMEN_NOTE_MAX 500
/* A discarded specimen says why in at least this many characters. */
#define SPECIMEN_DISCARD_NOTE_MIN 3
#define SPECIMEN_VOLUME_MAX_ML 500.0
/* A drawn specimen's collected_at may be at most this long before the procedure started (the
 * draw is often done while the chair is being prepared) and this far ahead of the server's
 * clock (a tablet's clock runs a little ahead). */
#define SPECIMEN_BEFORE_START_MS (60 * 60 * 1000)
#define SPECIMEN_CLOCK_SKEW_MS (60 * 1000)

/* Reads the configuration value of specimen_hours ("1".."24"); ST_INVALID with f->field
 * "specimen_hours" otherwise, *hours untouched. */
int specimen_hours_parse(const char *value, int *hours, struct fail *f) WARN_UNUSED;

/* Whether a specimen of `kind` may be injected (prp, fat_graft, cell_suspension). */
bool specimen_kind_injectable(const char *kind);

/* Makes a specimen of procedure `procedure_id` from body
 * {"kind","label"?,"volume_ml"?,"parent_id"?,"collected_at"?}: blood_tube and fat_aspirate are
 * drawn (no parent; collected_at default now, not in the future, not more than an hour before
 * the procedure started; event "drawn" at collected_at), prp (from a blood_tube) and fat_graft
 * or cell_suspension (from a fat_aspirate) are prepared (parent required, of this procedure and
 * not discarded; they keep its collected_at; event "prepared"). The kind must fit the
 * treatment (409 "wrong_treatment"), the procedure be open (409 "invalid_transition"). Usable
 * for `hours` after collected_at. Audited as specimen.create; *out is the specimen. */
int specimen_create(struct db *db, const struct actor *a, int hours, int64_t procedure_id,
                    json_t *body, json_t **out, struct fail *f) WARN_UNUSED;

/* One specimen with its events (audited as specimen.read); `id` as the path gave it.
 * ST_NOT_FOUND when it names no specimen. */
int specimen_read(struct db *db, const struct actor *a, const char *id, json_t **out,
                  struct fail *f) WARN_UNUSED;

/* {"specimens":[...]} of a procedure in the order they were made (audited as specimen.read of
 * the procedure). ST_NOT_FOUND when there is no such procedure. */
int specimen_list(struct db *db, const struct actor *a, int64_t procedure_id, json_t **out,
                  struct fail *f) WARN_UNUSED;

/* Adds {"event":"spun"|"discarded","note"?} to specimen `id`'s chain: a discarded or injected
 * specimen takes no more (409 "invalid_transition"), spun only while the procedure is open;
 * discarded needs a note of SPECIMEN_DISCARD_NOTE_MIN characters and makes the specimen
 * discarded. Audited as specimen.event; *out is the specimen. */
int specimen_add_event(struct db *db, const struct actor *a, const char *id, json_t *body,
                       json_t **out, struct fail *f) WARN_UNUSED;

/* The specimen `id` in its API form, inside the caller's transaction (the identity check
 * answers with it). */
int specimen_json_tx(struct db *db, const char *id, json_t **out, struct fail *f) WARN_UNUSED;

/* What a specimen label prints (borrowed strings, valid during the render call). A name the
 * patient has no name in is "". */
struct specimen_label {
    const char *specimen_id, *name_en, *name_ar, *mrn, *date_of_birth, *collected_local, *kind_en,
        *expires_local;
};
/* Draws the labels; its failure (f filled) undoes the print. */
typedef int (*specimen_label_render_fn)(void *ctx, const struct specimen_label *items, size_t n,
                                        struct fail *f);
/* Prints the label of specimen `specimen_id`, or (specimen_id NULL) of every active specimen of
 * procedure `procedure_id`, through `render`, and adds a label_printed event to each, audited
 * as specimen.label. Only active specimens are printed: 409 "invalid_transition" for one that
 * is not, "no_specimens" for a procedure without any. */
int specimen_print_labels(struct db *db, const struct actor *a, int64_t procedure_id,
                          const char *specimen_id, specimen_label_render_fn render, void *ctx,
                          struct fail *f) WARN_UNUSED;

/* What a wristband prints (borrowed during the render call). */
struct specimen_wristband {
    const char *mrn, *name_en, *name_ar, *date_of_birth;
};
typedef int (*specimen_wristband_render_fn)(void *ctx, const struct specimen_wristband *w,
                                            struct fail *f);
/* Prints the wristband of patient `patient_id` through `render`, audited as wristband.print.
 * ST_NOT_FOUND for a patient that does not exist or is deleted. */
int specimen_print_wristband(struct db *db, const struct actor *a, int64_t patient_id,
                             specimen_wristband_render_fn render, void *ctx,
                             struct fail *f) WARN_UNUSED;

/* Helpers shared with the identity check (clinic/identity_check.c). */

/* The procedure (release it with db_procedure_release), ST_NOT_FOUND (404 "not_found") when
 * absent. */
int specimen_procedure(struct db *db, int64_t id, struct db_procedure *out,
                       struct fail *f) WARN_UNUSED;
/* {"id","username","display_name"} of a user. */
json_t *specimen_user_json(int64_t id, const char *username, const char *display_name);

#endif
