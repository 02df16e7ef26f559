/* Standardised photographs of a patient (docs/photos.md): uploaded as JPEG or PNG, stripped of
 * their metadata, kept once per content hash with a thumbnail, in one of the standard views of
 * protocols/measures.json, voided with a reason rather than deleted. Every view of a picture is
 * audited like any read of the record.
 *
 * Functions returning json_t give a new reference to the caller (json_decref it); bytes are the
 * caller's to free(). Every call runs in one transaction with its audit event, except
 * photo_bytes_in_tx, which runs in the caller's. */
#ifndef AUTOLOGA_CLINIC_PHOTO_H
#define AUTOLOGA_CLINIC_PHOTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic/audit.h"
#include "store/db.h"

struct measures;

/* The largest upload the API accepts (the route's body cap): a phone's full-size JPEG fits. */
#define PHOTO_UPLOAD_MAX (12 * 1024 * 1024)
/* The longest side of a thumbnail, in pixels. */
#define PHOTO_THUMB_SIDE 320
#define PHOTO_NAME_MAX 255   /* code points of the original file name kept */
#define PHOTO_NOTES_MAX 2000 /* code points of the notes */

/* What one upload carries (the query string and the body of the API's POST). Strings may be
 * NULL (or "" for the optional ones) when absent. */
struct photo_upload {
    int64_t patient_id;
    const char *view;  /* a photo_views code of measures.json */
    const char *date;  /* YYYY-MM-DD, the clinic's calendar: not in the future, not before
                        * the date of birth */
    int64_t course_id; /* 0: none; else one of the patient's courses */
    const char *name;  /* the file's name on the uploading device, kept as said */
    const char *notes;
    const unsigned char *bytes;
    size_t n;
    const char *content_type; /* "image/jpeg" or "image/png" (parameters after ';' ignored) */
};

/* Stores one photograph: checks the fields (ST_INVALID "invalid_value" on `view` when it is not
 * a view of `m`; date codes as for measurements: "invalid_date", "future_date"; course_id
 * "invalid_value"), the content type (ST_INVALID "unsupported_media_type" on `content_type` for
 * anything but JPEG and PNG; "invalid_value" on `content` when the bytes are of the other type;
 * "invalid_image" on `content` when they are no whole picture; ST_TOO_BIG "too_big" past
 * IMAGE_MAX_PIXELS), cleans the bytes (core/image.h), keeps them and a thumbnail of at most
 * PHOTO_THUMB_SIDE pixels once per hash, and refuses the same cleaned picture already on this
 * patient and not voided (ST_CONFLICT "duplicate_photo"). Audited as photo.upload; *out is the
 * photo. */
int photo_upload(struct db *db, const struct actor *a, const struct measures *m,
                 const struct photo_upload *u, json_t **out, struct fail *f) WARN_UNUSED;

/* photo_upload without notes and without checking the view against measures.json: for callers
 * that pass a view code of their own (the demo). view must still look like a code (lower-case
 * letters, digits, underscores). */
int photo_create(struct db *db, const struct actor *a, int64_t patient_id, const char *view,
                 const char *date, int64_t course_id /* 0: none */, const char *name,
                 const unsigned char *bytes, size_t n, const char *content_type, json_t **out,
                 struct fail *f) WARN_UNUSED;

/* {"photos":[photo]} of a patient: by view (in the order of `m`, views it does not know last,
 * by code), then date, then id; voided ones only with include_voided. `view` (NULL or "": all)
 * must be a view of `m` (ST_INVALID "invalid_query" on `view`). Audited as photo.list of the
 * patient. */
int photo_list(struct db *db, const struct actor *a, const struct measures *m, int64_t patient_id,
               const char *view, bool include_voided, json_t **out, struct fail *f) WARN_UNUSED;

/* One photo's JSON, voided or not (ST_NOT_FOUND when missing or its patient is deleted).
 * Audited as photo.read. */
int photo_read(struct db *db, const struct actor *a, int64_t id, json_t **out,
               struct fail *f) WARN_UNUSED;

/* The stored bytes of a photo (thumb: its JPEG thumbnail) for showing, with their MIME type and
 * the name to offer for saving ("<mrn>-<view>-<date>.jpg" or ".png"). Audited as photo.view,
 * entity photo, detail {"patient_id","size":"full"|"thumb"}. */
int photo_view(struct db *db, const struct actor *a, int64_t id, bool thumb, unsigned char **data,
               size_t *n, char mime[16], char filename[96], struct fail *f) WARN_UNUSED;

/* Voids photo `id` with body {"reason"} (10 to 1000 characters: "too_short" / "too_long"): it is
 * kept, left out of lists and of reports. A photo already voided is ST_CONFLICT
 * "invalid_transition". Audited as photo.void; *out is the photo. */
int photo_void(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
               struct fail *f) WARN_UNUSED;

/* The bytes of photo `id` (thumb: the thumbnail) inside the caller's open transaction, voided or
 * not, with no audit event: the caller audits what it shows. ST_NOT_FOUND when there is no such
 * photo. */
int photo_bytes_in_tx(struct db *db, int64_t id, bool thumb, unsigned char **data, size_t *n,
                      char mime[16], struct fail *f) WARN_UNUSED;

#endif
