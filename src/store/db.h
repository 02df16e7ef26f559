/* The store: every SQL statement of Autologa lives behind this header. It speaks in records, not
 * in HTTP or rules; src/clinic/ decides what to write, the store only how. A PostgreSQL backend
 * implements the same functions (see docs/architecture.md).
 *
 * Ownership: records filled by db_*_get and passed to callbacks own their strings; release them
 * with the matching *_release (callbacks receive borrowed records valid during the call only).
 * A struct db is one connection: use it from one thread at a time. */
#ifndef AUTOLOGA_STORE_DB_H
#define AUTOLOGA_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/status.h"

struct db;

/* ---- connection, transactions, schema ---- */

/* Opens (and, when `create`, creates) the database at `path`: WAL journal, foreign keys on,
 * busy timeout, synchronous=NORMAL. Without `create` a missing file is ST_NOT_FOUND. */
int db_open(const char *path, bool create, struct db **out, struct fail *f) WARN_UNUSED;
/* Closes the connection and its prepared statements. Accepts NULL. */
void db_close(struct db *db);

/* Applies the migrations compiled into the binary that the file has not had yet, each in its
 * own transaction. `*applied` (may be NULL) counts them; `*version` (may be NULL) is the
 * resulting schema version. ST_CONFLICT if the file is newer than this binary. */
int db_migrate(struct db *db, int *applied, int *version, struct fail *f) WARN_UNUSED;
/* The schema version of the file (0 for an empty file). */
int db_schema_version(struct db *db, int *version) WARN_UNUSED;
/* The schema version this binary knows. */
int db_schema_latest(void);

/* A read transaction (a consistent snapshot) or a write transaction (takes the write lock at
 * once, so two writers never deadlock). Every begin is paired with commit or rollback. */
int db_begin_read(struct db *db) WARN_UNUSED;
int db_begin_write(struct db *db) WARN_UNUSED;
int db_commit(struct db *db) WARN_UNUSED;
/* Rolls back if a transaction is open; safe to call when none is. Accepts NULL. */
void db_rollback(struct db *db);

/* Tunes a connection for loading a new database in bulk (the demo generator): a large page
 * cache, no waiting for the disk. Never for a clinic's live database. */
int db_bulk_load(struct db *db) WARN_UNUSED;

/* Copies the database to `dest` with SQLite's online backup: consistent while others write. */
int db_backup(struct db *db, const char *dest, struct fail *f) WARN_UNUSED;

/* The last SQLite error message of this connection, for logs. */
const char *db_errmsg(struct db *db);

/* Fills `f` for a database failure `st` as a person should see it ("busy; try again", or
 * "the database failed: <SQLite's message>") and returns `st`. */
int db_fail(struct db *db, int st, struct fail *f);

/* ---- users ---- */

struct db_user {
    int64_t id;
    char username[40];
    char *display_name;
    char password_hash[128];
    unsigned roles; /* bit set of enum role (clinic/role.h) */
    bool disabled;
    int64_t created_ms;
};
void db_user_release(struct db_user *u);

/* Inserts and sets u->id. ST_CONFLICT when the username is taken. */
int db_user_insert(struct db *db, struct db_user *u) WARN_UNUSED;
/* Writes display_name, password_hash, roles and disabled of the user with u->id. */
int db_user_update(struct db *db, const struct db_user *u) WARN_UNUSED;
int db_user_get(struct db *db, int64_t id, struct db_user *out) WARN_UNUSED;
int db_user_by_name(struct db *db, const char *username, struct db_user *out) WARN_UNUSED;
int db_user_count(struct db *db, int64_t *n) WARN_UNUSED;
typedef int (*db_user_cb)(void *ctx, const struct db_user *u);
/* Calls cb for every user ordered by username; a non-zero return from cb stops and is returned. */
int db_user_list(struct db *db, db_user_cb cb, void *ctx) WARN_UNUSED;

/* ---- sessions ---- */

struct db_session {
    char token_hash[65]; /* SHA-256 of the cookie token: the token itself is never stored */
    char csrf_token[65];
    int64_t user_id;
    int64_t created_ms;
    int64_t last_seen_ms;
};
int db_session_insert(struct db *db, const struct db_session *s) WARN_UNUSED;
int db_session_get(struct db *db, const char *token_hash, struct db_session *out) WARN_UNUSED;
/* A session and its user in one lookup (every request makes it); release *user. */
int db_session_with_user(struct db *db, const char *token_hash, struct db_session *session,
                         struct db_user *user) WARN_UNUSED;
int db_session_touch(struct db *db, const char *token_hash, int64_t last_seen_ms) WARN_UNUSED;
int db_session_delete(struct db *db, const char *token_hash) WARN_UNUSED;
int db_session_delete_user(struct db *db, int64_t user_id) WARN_UNUSED;
/* Deletes sessions idle since before `idle_before_ms` or created before `created_before_ms`. */
int db_session_purge(struct db *db, int64_t idle_before_ms, int64_t created_before_ms) WARN_UNUSED;

/* ---- patients ---- */

struct db_patient {
    int64_t id;
    char mrn[24];
    int64_t version;
    char *given_name; /* NULL when absent, like every optional string here */
    char *family_name;
    char *given_name_ar;
    char *family_name_ar;
    char date_of_birth[11];
    char sex[8];
    char *phone;
    char *email;
    char preferred_language[3];
    char *address;
    char *emergency_contact_name;
    char *emergency_contact_phone;
    char *notes;
    int64_t created_ms;
    int64_t updated_ms;
    bool deleted;
};
void db_patient_release(struct db_patient *p);

/* Keys the store derives from a patient, computed by the caller (clinic/patient.c) because
 * folding is a clinic rule: the folded names for search and the folded sort keys. */
struct db_patient_keys {
    const char *search;      /* folded names of both scripts, space-separated */
    const char *sort_family; /* folded family name (Latin, else Arabic) */
    const char *sort_given;
};

/* The next MRN sequence number (a counter kept in the database; call inside a write tx). */
int db_patient_next_seq(struct db *db, int64_t *seq) WARN_UNUSED;
/* Inserts p (p->mrn set by the caller) and sets p->id. */
int db_patient_insert(struct db *db, struct db_patient *p,
                      const struct db_patient_keys *k) WARN_UNUSED;
/* Overwrites the patient p->id with p (version, fields, updated_ms); ST_NOT_FOUND if absent. */
int db_patient_update(struct db *db, const struct db_patient *p,
                      const struct db_patient_keys *k) WARN_UNUSED;
/* Marks deleted (keeps every value), removes it from the search index. */
int db_patient_mark_deleted(struct db *db, int64_t id, int64_t version, int64_t at_ms) WARN_UNUSED;
int db_patient_get(struct db *db, int64_t id, struct db_patient *out) WARN_UNUSED;
int db_patient_count(struct db *db, bool include_deleted, int64_t *n) WARN_UNUSED;

enum db_patient_sort {
    DB_SORT_FAMILY_NAME,
    DB_SORT_GIVEN_NAME,
    DB_SORT_MRN,
    DB_SORT_DATE_OF_BIRTH,
    DB_SORT_CREATED, /* registration order: the id, which grows with creation time */
    DB_SORT_UPDATED,
};
struct db_patient_query {
    enum db_patient_sort sort;
    bool descending;
    bool include_deleted;
    int64_t offset;
    int limit;
    /* At most one of these narrows the list: */
    const char *name_words; /* folded words, each a prefix of some name word (all must match) */
    const char *digits;     /* an MRN (exact) or the start of a phone number, digits only */
};
typedef int (*db_patient_cb)(void *ctx, const struct db_patient *p);
/* Calls cb for each patient of the page; stops early on a non-zero return (which it returns). */
int db_patient_list(struct db *db, const struct db_patient_query *q, db_patient_cb cb,
                    void *ctx) WARN_UNUSED;

struct db_patient_version {
    int64_t patient_id;
    int64_t version;
    const char *action; /* "create", "update", "delete" */
    int64_t user_id;
    int64_t at_ms;
    const char *changes_json;  /* {"field":{"from":..,"to":..}} */
    const char *snapshot_json; /* the whole record after this version */
    const char *reason;        /* NULL unless deleted */
    /* filled when listing: */
    const char *username;
    const char *display_name;
};
int db_patient_version_insert(struct db *db, const struct db_patient_version *v) WARN_UNUSED;
typedef int (*db_patient_version_cb)(void *ctx, const struct db_patient_version *v);
/* Versions of a patient, newest first. */
int db_patient_versions(struct db *db, int64_t patient_id, db_patient_version_cb cb,
                        void *ctx) WARN_UNUSED;

/* ---- audit trail ---- */

/* Room for an event's detail: a small JSON object, never a record's content. */
#define DB_AUDIT_DETAIL_MAX 512

struct db_audit {
    int64_t id;
    int64_t at_ms;
    int64_t user_id; /* 0 when no user (a failed login, the command line) */
    char username[40];
    char roles[48];
    char action[40];
    char entity[24];
    char entity_id[40];
    char remote[64];
    char request_id[40];
    char prev_hash[65];
    char hash[65];
    char detail[DB_AUDIT_DETAIL_MAX]; /* a JSON object saying more (which photo size was shown),
                                       * "" for none */
};
/* The id and hash of the newest event (0 and "" for an empty trail). */
int db_audit_tail(struct db *db, int64_t *id, char hash[65]) WARN_UNUSED;
/* Appends e with e->id as its id (the caller chains ids and hashes). */
int db_audit_insert(struct db *db, const struct db_audit *e) WARN_UNUSED;

struct db_audit_filter {
    const char *username;
    const char *action;
    const char *entity;
    const char *entity_id;
    int64_t from_ms;   /* 0: no bound */
    int64_t to_ms;     /* 0: no bound */
    int64_t before_id; /* 0: from the newest */
    int limit;
};
typedef int (*db_audit_cb)(void *ctx, const struct db_audit *e);
/* Matching events, newest first. */
int db_audit_list(struct db *db, const struct db_audit_filter *flt, db_audit_cb cb,
                  void *ctx) WARN_UNUSED;
/* Every event, oldest first (for verification). */
int db_audit_scan(struct db *db, db_audit_cb cb, void *ctx) WARN_UNUSED;

/* ---- clinical records: assessments, medical history (JSON documents, versioned) ---- */

/* One version of a versioned document (an assessment, a medical history). */
struct db_doc_version {
    int64_t record_id; /* the assessment id, or the patient id for a medical history */
    int64_t version;
    int64_t user_id;
    int64_t at_ms;
    const char *changes_json;  /* {"field":{"from":..,"to":..}}; for version 1 "{}" */
    const char *snapshot_json; /* the whole document after this version */
    /* filled when listing: */
    const char *username;
    const char *display_name;
};
typedef int (*db_doc_version_cb)(void *ctx, const struct db_doc_version *v);

struct db_assessment {
    int64_t id;
    int64_t patient_id;
    int64_t version;
    char visit_date[11]; /* YYYY-MM-DD */
    char complaint[8];   /* "hair" or "face" */
    char *data;          /* the document as JSON (clinic/assessment.c knows its shape) */
    int64_t created_ms;
    int64_t created_by;
    int64_t updated_ms;
    int64_t updated_by;
};
void db_assessment_release(struct db_assessment *a);
/* Inserts and sets a->id. */
int db_assessment_insert(struct db *db, struct db_assessment *a) WARN_UNUSED;
/* Overwrites version, visit_date, complaint, data, updated_* of a->id; ST_NOT_FOUND if absent. */
int db_assessment_update(struct db *db, const struct db_assessment *a) WARN_UNUSED;
int db_assessment_get(struct db *db, int64_t id, struct db_assessment *out) WARN_UNUSED;
typedef int (*db_assessment_cb)(void *ctx, const struct db_assessment *a);
/* A patient's assessments, newest visit first (then newest id). */
int db_assessment_list(struct db *db, int64_t patient_id, db_assessment_cb cb,
                       void *ctx) WARN_UNUSED;
/* The newest assessment of a patient for `complaint` with visit_date <= `on_or_before`
 * (YYYY-MM-DD); ST_NOT_FOUND when none. */
int db_assessment_latest(struct db *db, int64_t patient_id, const char *complaint,
                         const char *on_or_before, struct db_assessment *out) WARN_UNUSED;
int db_assessment_version_insert(struct db *db, const struct db_doc_version *v) WARN_UNUSED;
/* Versions of an assessment, newest first. */
int db_assessment_versions(struct db *db, int64_t assessment_id, db_doc_version_cb cb,
                           void *ctx) WARN_UNUSED;

struct db_history {
    int64_t patient_id;
    int64_t version;
    char *data; /* the document as JSON (clinic/history.c knows its shape) */
    int64_t updated_ms;
    int64_t updated_by;
};
void db_history_release(struct db_history *h);
/* The medical history of a patient; ST_NOT_FOUND when none was ever saved. */
int db_history_get(struct db *db, int64_t patient_id, struct db_history *out) WARN_UNUSED;
/* Inserts (version 1) or overwrites the patient's medical history. */
int db_history_put(struct db *db, const struct db_history *h) WARN_UNUSED;
int db_history_version_insert(struct db *db, const struct db_doc_version *v) WARN_UNUSED;
/* Versions of a patient's medical history, newest first. */
int db_history_versions(struct db *db, int64_t patient_id, db_doc_version_cb cb,
                        void *ctx) WARN_UNUSED;

/* ---- lab results ---- */

struct db_lab {
    int64_t id;
    int64_t patient_id;
    char analyte[40]; /* a protocols/labs.json code */
    int64_t measured_ms;
    bool date_only; /* only the day is known: measured_ms is 00:00 UTC that day */
    double value;   /* as entered, in `unit` */
    char unit[64];  /* the labs.json symbol of the unit entered */
    double canonical_value;
    char canonical_unit[64];
    bool has_low, has_high;
    double reference_low, reference_high; /* in `unit`, as the laboratory reported them */
    char source[8];                       /* "manual" or "import" */
    int64_t import_id;                    /* 0 unless imported */
    int64_t entered_ms;
    int64_t entered_by;
    bool deleted;
    int64_t deleted_ms;
    int64_t deleted_by;
    char *delete_reason; /* NULL unless deleted */
    /* filled when reading: */
    char entered_by_name[40]; /* username */
};
void db_lab_release(struct db_lab *l);
/* Inserts and sets l->id. */
int db_lab_insert(struct db *db, struct db_lab *l) WARN_UNUSED;
int db_lab_get(struct db *db, int64_t id, struct db_lab *out) WARN_UNUSED;
/* Marks a result deleted with who, when and why; ST_NOT_FOUND if absent, ST_CONFLICT if it
 * already is. */
int db_lab_mark_deleted(struct db *db, int64_t id, int64_t at_ms, int64_t user_id,
                        const char *reason) WARN_UNUSED;
typedef int (*db_lab_cb)(void *ctx, const struct db_lab *l);
/* A patient's results, newest measurement first (then newest id). */
int db_lab_list(struct db *db, int64_t patient_id, bool include_deleted, db_lab_cb cb,
                void *ctx) WARN_UNUSED;

struct db_lab_import {
    int64_t id;
    int64_t patient_id;
    const char *file_name; /* may be NULL */
    char sha256[65];
    int64_t rows;
    int64_t imported_ms;
    int64_t imported_by;
};
/* Inserts and sets li->id; ST_CONFLICT when the patient already has a file with this hash. */
int db_lab_import_insert(struct db *db, struct db_lab_import *li) WARN_UNUSED;

/* ---- screening results ---- */

struct db_screening {
    int64_t id;
    int64_t patient_id;
    char treatment[32];
    int64_t session_ms;
    char outcome[16];
    bool has_until;
    int64_t until_ms;
    char *result_json; /* screening_result_to_json */
    char *inputs_json; /* the data it was computed from */
    char rules_sha256[65];
    int64_t computed_ms;
    int64_t computed_by;
    char computed_by_name[40];
    /* the sign-off, when signed */
    bool is_signed;
    char decision[16]; /* "proceed" or "do_not_proceed" */
    bool override;
    char *reason;
    int64_t signed_ms;
    int64_t signed_by;
    char signed_by_name[40];
};
void db_screening_release(struct db_screening *s);
/* Inserts the result (not the sign-off) and sets s->id. */
int db_screening_insert(struct db *db, struct db_screening *s) WARN_UNUSED;
int db_screening_get(struct db *db, int64_t id, struct db_screening *out) WARN_UNUSED;
typedef int (*db_screening_cb)(void *ctx, const struct db_screening *s);
/* A patient's results, newest first; `treatment` NULL for all; at most `limit`. */
int db_screening_list(struct db *db, int64_t patient_id, const char *treatment, int limit,
                      db_screening_cb cb, void *ctx) WARN_UNUSED;
/* Records the sign-off fields of s (decision, override, reason, signed_*) for s->id;
 * ST_CONFLICT when it is already signed, ST_NOT_FOUND when there is no such result. */
int db_screening_sign(struct db *db, const struct db_screening *s) WARN_UNUSED;

/* The newest signed result of a patient for `treatment` (by signing time, then id): the one a
 * prescription relies on. ST_NOT_FOUND when none is signed. */
int db_screening_latest_signed(struct db *db, int64_t patient_id, const char *treatment,
                               struct db_screening *out) WARN_UNUSED;

/* ---- courses ---- */

/* A protocol prescribed to a patient, with the protocol document as it was prescribed. */
struct db_course {
    int64_t id;
    int64_t patient_id;
    char protocol[32];   /* the protocol's code */
    char *protocol_json; /* the protocol file's bytes */
    char protocol_sha256[65];
    int64_t screening_id; /* the signed screening it was prescribed on */
    char status[16];      /* planned, active, on_hold, completed, cancelled */
    char *status_reason;  /* NULL when none */
    char start_date[11];  /* YYYY-MM-DD, the clinic's calendar */
    char currency[4];
    bool package;
    int64_t discount_minor;
    char *notes;
    int64_t version;
    int64_t created_ms;
    int64_t created_by;
    int64_t updated_ms;
    int64_t updated_by;
    /* filled when reading: */
    char created_by_name[40]; /* username */
};
void db_course_release(struct db_course *c);
/* Inserts and sets c->id. */
int db_course_insert(struct db *db, struct db_course *c) WARN_UNUSED;
int db_course_get(struct db *db, int64_t id, struct db_course *out) WARN_UNUSED;
typedef int (*db_course_cb)(void *ctx, const struct db_course *c);
/* A patient's courses, newest first; a non-zero return from cb stops and is returned. */
int db_course_list(struct db *db, int64_t patient_id, db_course_cb cb, void *ctx) WARN_UNUSED;
/* Writes status, status_reason, version, updated_ms and updated_by of course c->id, if its stored
 * version is still `expected_version`: ST_CONFLICT when it is not, ST_NOT_FOUND when there is no
 * such course. */
int db_course_set_status(struct db *db, const struct db_course *c,
                         int64_t expected_version) WARN_UNUSED;

/* One planned item of a course (003_courses.sql says what each column means). */
struct db_course_item {
    int64_t id;
    int64_t course_id;
    int seq;
    char kind[16];      /* session, maintenance, follow_up */
    char milestone[32]; /* "" unless a follow-up */
    int anchor_seq;     /* 0: counted from the course's start date */
    int offset_months;
    int offset_days;
    int window_before_days;
    int window_after_days;
    char target_date[11];
    char earliest_date[11];
    char latest_date[11];
    int duration_minutes;
    int prep_minutes;
    char room_kind[16];
    int64_t price_minor;
    char status[16]; /* planned, booked, done, cancelled, missed */
    /* filled when reading: the item's live appointment (the newest that is neither cancelled
     * nor a no-show), if any */
    bool has_appointment;
    int64_t appointment_id;
    int64_t appointment_start_ms;
    char appointment_status[16];
};
/* Inserts and sets it->id. */
int db_course_item_insert(struct db *db, struct db_course_item *it) WARN_UNUSED;
typedef int (*db_course_item_cb)(void *ctx, const struct db_course_item *it);
/* The items of a course in seq order, each with its live appointment. */
int db_course_items(struct db *db, int64_t course_id, db_course_item_cb cb, void *ctx) WARN_UNUSED;
/* Stores an item's recomputed dates; ST_NOT_FOUND when there is no such item. */
int db_course_item_set_dates(struct db *db, int64_t id, const char *target, const char *earliest,
                             const char *latest) WARN_UNUSED;
/* Cancels the items of a course that will not happen now that it ends: those still planned or
 * missed. Booked and done items keep their status (a booked one follows its appointment). */
int db_course_items_cancel_open(struct db *db, int64_t course_id) WARN_UNUSED;

/* ---- the timeline's reads (sqlite_timeline.c) ---- */

/* One non-voided measurement as the timeline charts it. */
struct db_timeline_value {
    int64_t id;
    int64_t set_id;
    char date[11];
    char measure[48];
    bool is_code; /* value_code holds it, else value_num */
    double value_num;
    char value_code[40];
};
typedef int (*db_timeline_value_cb)(void *ctx, const struct db_timeline_value *v);
/* A patient's non-voided measurements by measure, then date, then id; a non-zero return from
 * cb stops and is returned. */
int db_timeline_values(struct db *db, int64_t patient_id, db_timeline_value_cb cb,
                       void *ctx) WARN_UNUSED;

/* One non-voided photo of a patient: which view, which day. */
struct db_timeline_photo {
    int64_t id;
    char view[48];
    char date[11];
};
typedef int (*db_timeline_photo_cb)(void *ctx, const struct db_timeline_photo *p);
/* A patient's non-voided photos by view, then date, then id. */
int db_timeline_photos(struct db *db, int64_t patient_id, db_timeline_photo_cb cb,
                       void *ctx) WARN_UNUSED;

/* ---- rooms (the demo clinic's; scheduling grows on them) ---- */
int db_room_insert(struct db *db, const char *name, const char *kind, int64_t *id) WARN_UNUSED;
int db_room_count(struct db *db, int64_t *n) WARN_UNUSED;

/* ---- outbox ---- */
/* Messages for SMS and e-mail gateways, the appointment facts they are composed from, and the
 * gateways' tokens. */

struct db_outbox {
    int64_t id;
    int64_t patient_id;
    int64_t appointment_id; /* 0 when none */
    char kind[16];          /* "reminder", "instructions", "aftercare_day1", "aftercare_day7" */
    char channel[8];        /* "sms" or "email" */
    char *recipient;        /* a phone number (E.164) or an e-mail address */
    char language[3];       /* "en" or "ar" */
    int64_t due_ms;
    char *subject; /* NULL for an SMS */
    char *body;
    char status[12]; /* "pending", "sent", "failed", "cancelled" */
    int64_t attempts;
    int64_t created_ms;
    bool has_sent;
    int64_t sent_ms;
    char *gateway_ref; /* NULL unless the gateway gave one */
    char *error;       /* NULL unless failed */
    /* filled when reading: the patient's MRN and names ("given family"; NULL when none) */
    char patient_mrn[24];
    char *patient_name_en;
    char *patient_name_ar;
};
void db_outbox_release(struct db_outbox *m);

/* Inserts m (its patient_* fields are ignored) and sets m->id. */
int db_outbox_insert(struct db *db, struct db_outbox *m) WARN_UNUSED;
int db_outbox_get(struct db *db, int64_t id, struct db_outbox *out) WARN_UNUSED;
/* Rewrites channel, recipient, language, due time, subject and body of the pending message
 * m->id. ST_NOT_FOUND when there is no such message, ST_CONFLICT when it is not pending. */
int db_outbox_rewrite(struct db *db, const struct db_outbox *m) WARN_UNUSED;
/* Ends the pending message `id` as "sent" (at `at_ms`, with the gateway's reference or NULL),
 * "failed" (with `error`) or "cancelled"; sent and failed count an attempt. ST_NOT_FOUND when
 * there is no such message, ST_CONFLICT when it is not pending. */
int db_outbox_finish(struct db *db, int64_t id, const char *status, int64_t at_ms,
                     const char *gateway_ref, const char *error) WARN_UNUSED;

typedef int (*db_outbox_cb)(void *ctx, const struct db_outbox *m);
/* The messages of an appointment, oldest first; a non-zero return from cb stops and is
 * returned. */
int db_outbox_for_appointment(struct db *db, int64_t appointment_id, db_outbox_cb cb,
                              void *ctx) WARN_UNUSED;

struct db_outbox_query {
    const char *status; /* NULL: every status */
    bool has_due_before;
    int64_t due_before_ms; /* only messages due before this instant */
    bool descending;       /* latest due first (default: earliest first) */
    int limit;
};
/* Matching messages ordered by due time, then id. */
int db_outbox_list(struct db *db, const struct db_outbox_query *q, db_outbox_cb cb,
                   void *ctx) WARN_UNUSED;

/* What the reminders and the .ics file of an appointment are made from, read from the calendar's
 * tables (004) and the course the appointment belongs to (003). */
struct db_outbox_appointment {
    int64_t id;
    int64_t patient_id;
    char kind[16];   /* "session", "follow_up", "consultation" */
    char status[16]; /* "booked", "checked_in", "in_progress", "done", "cancelled", "no_show" */
    int64_t start_ms;
    int64_t end_ms;
    int64_t version;
    char *room_name;     /* NULL when the room is gone */
    char *protocol;      /* the course's protocol code; NULL without a course */
    char *protocol_json; /* the course's protocol document as prescribed; NULL without */
};
void db_outbox_appointment_release(struct db_outbox_appointment *a);
int db_outbox_appointment_get(struct db *db, int64_t id,
                              struct db_outbox_appointment *out) WARN_UNUSED;

/* A gateway's bearer token (only its SHA-256 is stored). */
struct db_gateway {
    int64_t id;
    char name[32];
    char token_hash[65];
    int64_t created_ms;
    bool revoked;
    bool has_last_used;
    int64_t last_used_ms;
};
/* Inserts and sets g->id; ST_CONFLICT when the name (revoked or not) is taken. */
int db_gateway_insert(struct db *db, struct db_gateway *g) WARN_UNUSED;
int db_gateway_by_token(struct db *db, const char *token_hash, struct db_gateway *out) WARN_UNUSED;
int db_gateway_by_name(struct db *db, const char *name, struct db_gateway *out) WARN_UNUSED;
/* Revokes the gateway `name`; ST_NOT_FOUND when there is none, ST_CONFLICT when it already is. */
int db_gateway_revoke(struct db *db, const char *name) WARN_UNUSED;
int db_gateway_touch(struct db *db, int64_t id, int64_t at_ms) WARN_UNUSED;
typedef int (*db_gateway_cb)(void *ctx, const struct db_gateway *g);
/* Every gateway ordered by name. */
int db_gateway_list(struct db *db, db_gateway_cb cb, void *ctx) WARN_UNUSED;
/* ---- calendar ---- */
/* Opening hours, closures, rooms, clinicians and their working hours, centrifuges, appointments
 * and the holds that keep their resources busy (004_calendar.sql). Hours are minutes after
 * local midnight in the clinic's time zone; instants are UTC epoch milliseconds. */

/* A weekly interval: the clinic's opening hours (owner_id 0) or a clinician's working hours. */
struct db_hours {
    int64_t owner_id; /* the clinician; 0 for the clinic */
    int weekday;      /* 1 = Monday ... 7 = Sunday */
    int start_minute; /* 0..1439 */
    int end_minute;   /* 1..1440, after start_minute */
};
typedef int (*db_hours_cb)(void *ctx, const struct db_hours *h);
/* The clinic's opening hours by weekday and opening time. */
int db_opening_hours_list(struct db *db, db_hours_cb cb, void *ctx) WARN_UNUSED;
/* Deletes the whole week (before writing a new one in the same transaction). */
int db_opening_hours_clear(struct db *db) WARN_UNUSED;
/* ST_CONFLICT when the weekday already has an interval opening at that minute. */
int db_opening_hours_insert(struct db *db, const struct db_hours *h) WARN_UNUSED;

struct db_closure {
    int64_t id;
    char first_date[11]; /* YYYY-MM-DD, local */
    char last_date[11];
    char *reason;
    int64_t created_ms;
    int64_t created_by;
};
void db_closure_release(struct db_closure *c);
/* Inserts and sets c->id. */
int db_closure_insert(struct db *db, struct db_closure *c) WARN_UNUSED;
int db_closure_get(struct db *db, int64_t id, struct db_closure *out) WARN_UNUSED;
/* ST_NOT_FOUND when there is no such closure. */
int db_closure_delete(struct db *db, int64_t id) WARN_UNUSED;
typedef int (*db_closure_cb)(void *ctx, const struct db_closure *c);
/* The closures that share a day with [first, last] (both YYYY-MM-DD), earliest first. */
int db_closure_list(struct db *db, const char *first, const char *last, db_closure_cb cb,
                    void *ctx) WARN_UNUSED;

struct db_room {
    int64_t id;
    char *name;
    char kind[16]; /* "treatment", "procedure", "consultation" (older rooms: anything) */
    bool active;
};
void db_room_release(struct db_room *r);
int db_room_get(struct db *db, int64_t id, struct db_room *out) WARN_UNUSED;
/* Writes name, kind and active of r->id; ST_CONFLICT when the name is taken, ST_NOT_FOUND. */
int db_room_update(struct db *db, const struct db_room *r) WARN_UNUSED;
typedef int (*db_room_cb)(void *ctx, const struct db_room *r);
/* Every room by name. */
int db_room_list(struct db *db, db_room_cb cb, void *ctx) WARN_UNUSED;

struct db_clinician {
    int64_t id;
    int64_t user_id;
    bool active;
    /* filled when reading, from the user: */
    char username[40];
    char *display_name;
    unsigned roles;
    bool user_disabled;
};
void db_clinician_release(struct db_clinician *c);
/* Inserts (user_id, active) and sets c->id; ST_CONFLICT when the user is a clinician already. */
int db_clinician_insert(struct db *db, struct db_clinician *c) WARN_UNUSED;
int db_clinician_get(struct db *db, int64_t id, struct db_clinician *out) WARN_UNUSED;
/* Writes `active` of c->id; ST_NOT_FOUND when absent. */
int db_clinician_update(struct db *db, const struct db_clinician *c) WARN_UNUSED;
typedef int (*db_clinician_cb)(void *ctx, const struct db_clinician *c);
/* Every clinician by display name (then id). */
int db_clinician_list(struct db *db, db_clinician_cb cb, void *ctx) WARN_UNUSED;
/* Deletes the working week of one clinician. */
int db_clinician_hours_clear(struct db *db, int64_t clinician_id) WARN_UNUSED;
/* h->owner_id is the clinician. ST_CONFLICT for a second interval starting at the same minute. */
int db_clinician_hours_insert(struct db *db, const struct db_hours *h) WARN_UNUSED;
/* Working hours of one clinician, or of all (clinician_id 0), by clinician, weekday, start. */
int db_clinician_hours_list(struct db *db, int64_t clinician_id, db_hours_cb cb,
                            void *ctx) WARN_UNUSED;

struct db_centrifuge {
    int64_t id;
    char *name;
    char *model;         /* NULL when not recorded */
    int rotor_radius_mm; /* 0 when not recorded */
    char rotor_type[16]; /* "fixed_angle", "swing_out"; "" when not recorded */
    bool active;
};
void db_centrifuge_release(struct db_centrifuge *c);
/* Inserts and sets c->id; ST_CONFLICT when the name is taken. */
int db_centrifuge_insert(struct db *db, struct db_centrifuge *c) WARN_UNUSED;
int db_centrifuge_get(struct db *db, int64_t id, struct db_centrifuge *out) WARN_UNUSED;
/* Writes every field of c->id; ST_CONFLICT when the name is taken, ST_NOT_FOUND. */
int db_centrifuge_update(struct db *db, const struct db_centrifuge *c) WARN_UNUSED;
typedef int (*db_centrifuge_cb)(void *ctx, const struct db_centrifuge *c);
/* Every centrifuge by name. */
int db_centrifuge_list(struct db *db, db_centrifuge_cb cb, void *ctx) WARN_UNUSED;

struct db_appointment {
    int64_t id;
    int64_t patient_id;
    char kind[16];          /* "session", "follow_up", "consultation" */
    int64_t course_item_id; /* 0: not part of a course */
    int64_t start_ms;
    int64_t end_ms;
    int prep_minutes;
    int64_t room_id;
    int64_t clinician_id;
    int64_t centrifuge_id; /* 0: none */
    char status[16];       /* booked, checked_in, in_progress, done, cancelled, no_show */
    char *status_reason;
    char *notes;
    char *override_reason; /* why a course session lies outside its window */
    int64_t version;
    int64_t created_ms;
    int64_t created_by;
    int64_t updated_ms;
    int64_t updated_by;
    /* filled when reading: */
    int64_t course_id; /* 0 unless course_item_id */
    char mrn[24];
    char *given_name;
    char *family_name;
    char *given_name_ar;
    char *family_name_ar;
    char preferred_language[3];
    char *room_name;
    char *clinician_name; /* the clinician's display name */
    char *centrifuge_name;
};
void db_appointment_release(struct db_appointment *a);
/* Inserts and sets a->id. */
int db_appointment_insert(struct db *db, struct db_appointment *a) WARN_UNUSED;
/* Writes the times, resources, status, reasons, notes, version and updated_* of a->id;
 * ST_NOT_FOUND when absent. */
int db_appointment_update(struct db *db, const struct db_appointment *a) WARN_UNUSED;
int db_appointment_get(struct db *db, int64_t id, struct db_appointment *out) WARN_UNUSED;
typedef int (*db_appointment_cb)(void *ctx, const struct db_appointment *a);
/* Appointments starting in [from_ms, to_ms), by start then id; cancelled ones only when
 * `with_cancelled`. */
int db_appointment_range(struct db *db, int64_t from_ms, int64_t to_ms, bool with_cancelled,
                         db_appointment_cb cb, void *ctx) WARN_UNUSED;
/* A patient's appointments, by start then id. */
int db_appointment_of_patient(struct db *db, int64_t patient_id, db_appointment_cb cb,
                              void *ctx) WARN_UNUSED;
/* The appointments of a course's items that still count (booked or checked in) and start at or
 * after from_ms, by start. */
int db_appointment_of_course(struct db *db, int64_t course_id, int64_t from_ms,
                             db_appointment_cb cb, void *ctx) WARN_UNUSED;

/* What an appointment keeps busy: one resource for an interval. */
enum db_resource { DB_RES_ROOM, DB_RES_CLINICIAN, DB_RES_CENTRIFUGE, DB_RES_PATIENT };
/* "room", "clinician", "centrifuge", "patient". */
const char *db_resource_name(enum db_resource r);
struct db_hold {
    enum db_resource resource;
    int64_t resource_id;
    int64_t start_ms;
    int64_t end_ms;
    int64_t appointment_id;
};
/* ST_CONFLICT when the resource is held already for part of the interval: the schema's trigger
 * refuses it whatever the caller checked before. */
int db_hold_insert(struct db *db, const struct db_hold *h) WARN_UNUSED;
/* Frees everything the appointment held. */
int db_hold_delete_appointment(struct db *db, int64_t appointment_id) WARN_UNUSED;
/* The appointment holding `resource` during part of [from_ms, to_ms) in *appointment_id, or
 * ST_NOT_FOUND when it is free then. */
int db_hold_overlap(struct db *db, enum db_resource resource, int64_t resource_id, int64_t from_ms,
                    int64_t to_ms, int64_t *appointment_id) WARN_UNUSED;
typedef int (*db_hold_cb)(void *ctx, const struct db_hold *h);
/* Every hold of any resource that overlaps [from_ms, to_ms): one index range, for the slot
 * finder. */
int db_hold_range(struct db *db, int64_t from_ms, int64_t to_ms, db_hold_cb cb,
                  void *ctx) WARN_UNUSED;

/* A course item as booking needs it, read from the course tables (003_courses.sql). */
struct db_schedule_item {
    int64_t id;
    int64_t course_id;
    int64_t patient_id;
    char kind[16];          /* session, maintenance, follow_up */
    char status[16];        /* the item's */
    char course_status[16]; /* the course's */
    char earliest_date[11];
    char latest_date[11];
    int duration_minutes;
    int prep_minutes;
    char room_kind[16];
};
int db_schedule_item_get(struct db *db, int64_t item_id, struct db_schedule_item *out) WARN_UNUSED;
/* Sets the item's status (planned, booked, done, cancelled, missed). */
int db_schedule_item_set_status(struct db *db, int64_t item_id, const char *status) WARN_UNUSED;

/* ---- specimens ---- */
/* Every tube and syringe of a procedure, its chain of custody and the identity checks at the
 * chair (006_procedures.sql). The procedures themselves are the procedures section's: specimens
 * read one with db_procedure_get. */

struct db_specimen {
    char id[24]; /* "S" + digits + check digit (clinic/specimen_id.h) */
    int64_t procedure_id;
    int64_t patient_id;
    char kind[16]; /* blood_tube, prp, fat_aspirate, fat_graft, cell_suspension */
    char *label;
    bool has_volume;
    double volume_ml;
    char parent_id[24];   /* "" when drawn from the patient */
    int64_t collected_ms; /* when its content left the patient (a derived one: its source's) */
    int64_t expires_ms;
    char status[12]; /* active, injected, discarded */
    int64_t created_ms;
    int64_t created_by;
};
void db_specimen_release(struct db_specimen *s);

/* The next specimen sequence number (the `specimen` counter; call inside a write tx). */
int db_specimen_next_seq(struct db *db, int64_t *seq) WARN_UNUSED;
/* Inserts s; ST_CONFLICT when the id is taken. */
int db_specimen_insert(struct db *db, const struct db_specimen *s) WARN_UNUSED;
int db_specimen_get(struct db *db, const char *id, struct db_specimen *out) WARN_UNUSED;
/* Sets the status of specimen `id`; ST_NOT_FOUND when there is none. */
int db_specimen_set_status(struct db *db, const char *id, const char *status) WARN_UNUSED;
typedef int (*db_specimen_cb)(void *ctx, const struct db_specimen *s);
/* The specimens of a procedure in the order they were made (then by id). */
int db_specimen_list(struct db *db, int64_t procedure_id, db_specimen_cb cb, void *ctx) WARN_UNUSED;
/* How many specimens of `kind` the procedure has. */
int db_specimen_count_kind(struct db *db, int64_t procedure_id, const char *kind,
                           int64_t *n) WARN_UNUSED;

struct db_specimen_event {
    int64_t id;
    char specimen_id[24];
    char event[16]; /* drawn, spun, prepared, label_printed, checked, injected, discarded */
    int64_t at_ms;
    int64_t by;
    char *note; /* NULL when none */
    /* filled when reading, from the user: */
    char by_username[40];
    char *by_display_name;
};
void db_specimen_event_release(struct db_specimen_event *e);
/* Appends e (its by_* names are ignored). */
int db_specimen_event_insert(struct db *db, const struct db_specimen_event *e) WARN_UNUSED;
typedef int (*db_specimen_event_cb)(void *ctx, const struct db_specimen_event *e);
/* The chain of custody of a specimen, oldest first. */
int db_specimen_events(struct db *db, const char *specimen_id, db_specimen_event_cb cb,
                       void *ctx) WARN_UNUSED;
/* Sets the status of specimen `id` and appends its chain-of-custody `event` (`note` may be
 * NULL), the two together as a discard or an injection needs them; ST_NOT_FOUND when there is
 * no such specimen. */
int db_specimen_mark(struct db *db, const char *id, const char *status, const char *event,
                     int64_t at_ms, int64_t by, const char *note) WARN_UNUSED;

struct db_identity_check {
    int64_t id;
    int64_t procedure_id;
    char *patient_scan; /* as scanned, trimmed */
    char *specimen_scan;
    char specimen_id[24]; /* the specimen the scan names when it exists, else "" */
    bool passed;
    char failure[32]; /* "" when passed */
    int64_t at_ms;
    int64_t by;
    /* filled when reading, from the user: */
    char by_username[40];
    char *by_display_name;
};
void db_identity_check_release(struct db_identity_check *c);
/* Inserts c (its by_* names are ignored) and sets c->id. */
int db_identity_check_insert(struct db *db, struct db_identity_check *c) WARN_UNUSED;
int db_identity_check_get(struct db *db, int64_t id, struct db_identity_check *out) WARN_UNUSED;
typedef int (*db_identity_check_cb)(void *ctx, const struct db_identity_check *c);
/* The checks of a procedure, newest first. */
int db_identity_checks(struct db *db, int64_t procedure_id, db_identity_check_cb cb,
                       void *ctx) WARN_UNUSED;

/* The id of the patient with MRN `mrn` (deleted or not); ST_NOT_FOUND when none has it. */
int db_specimen_patient_by_mrn(struct db *db, const char *mrn, int64_t *patient_id) WARN_UNUSED;

/* ---- procedures ---- */
/* The record of a treatment session at the chair (006_procedures.sql): the procedure bound to
 * its appointment, the versions of its documents, and what the injection's identity rule reads
 * of the identity checks. Its specimens are read and marked through the specimens section. */

struct db_procedure {
    int64_t id;
    int64_t patient_id;
    int64_t appointment_id;
    char treatment[32]; /* prp-hair, prp-face, adsc-hair */
    char protocol[32];  /* the course's protocol code; "" outside a course */
    int64_t screening_id;
    char status[12];        /* open, completed, abandoned */
    char *status_reason;    /* NULL when none */
    char aftercare_lang[3]; /* "" until the aftercare sheet is given */
    int64_t aftercare_given_ms;
    int64_t aftercare_given_by;
    int64_t version;
    int64_t started_ms;
    int64_t started_by;
    int64_t completed_ms; /* 0 unless completed */
    int64_t completed_by;
    int64_t updated_ms;
    int64_t updated_by;
};
void db_procedure_release(struct db_procedure *p);
/* Inserts and sets p->id; ST_CONFLICT when the appointment has a procedure already. */
int db_procedure_insert(struct db *db, struct db_procedure *p) WARN_UNUSED;
int db_procedure_get(struct db *db, int64_t id, struct db_procedure *out) WARN_UNUSED;
int db_procedure_by_appointment(struct db *db, int64_t appointment_id,
                                struct db_procedure *out) WARN_UNUSED;
/* Writes status, status_reason, aftercare_*, version, completed_* and updated_* of p->id if its
 * stored version is still `expected_version`: ST_CONFLICT when it is not, ST_NOT_FOUND. */
int db_procedure_update(struct db *db, const struct db_procedure *p,
                        int64_t expected_version) WARN_UNUSED;
typedef int (*db_procedure_cb)(void *ctx, const struct db_procedure *p);
/* A patient's procedures, newest first. */
int db_procedure_list(struct db *db, int64_t patient_id, db_procedure_cb cb, void *ctx) WARN_UNUSED;

/* One saved version of a procedure's document. */
struct db_procedure_record {
    int64_t procedure_id;
    char section[16]; /* preparation, fat, injection */
    int64_t version;
    char *doc;    /* the normalised JSON */
    char *reason; /* NULL unless a correction of a completed procedure */
    int64_t at_ms;
    int64_t by;
};
void db_procedure_record_release(struct db_procedure_record *r);
/* ST_CONFLICT when that version of the section exists already. */
int db_procedure_record_insert(struct db *db, const struct db_procedure_record *r) WARN_UNUSED;
/* The newest version of a section; ST_NOT_FOUND when none was saved. */
int db_procedure_record_latest(struct db *db, int64_t procedure_id, const char *section,
                               struct db_procedure_record *out) WARN_UNUSED;

/* An identity check of a procedure. */
struct db_proc_check {
    int64_t id;
    bool passed;
    char specimen_id[16]; /* "" when the scan named no specimen */
    int64_t at_ms;
    int64_t by;
};
/* The newest check of a procedure, or its newest passed one with `passed_only`;
 * ST_NOT_FOUND when there is none. */
int db_proc_check_latest(struct db *db, int64_t procedure_id, bool passed_only,
                         struct db_proc_check *out) WARN_UNUSED;
/* Whether specimen `specimen_id` has a passed check in the procedure after the procedure's
 * newest failed check. */
int db_proc_check_cleared(struct db *db, int64_t procedure_id, const char *specimen_id,
                          bool *cleared) WARN_UNUSED;
/* ---- adverse events ---- */
/* What happened to a patient after a treatment, linked to the procedure and specimen when known
 * (006_procedures.sql); each change is a new version, the old ones kept as JSON documents. */

struct db_adverse {
    int64_t id;
    int64_t patient_id;
    int64_t procedure_id; /* 0: none */
    char specimen_id[16]; /* "": none */
    char type[24];        /* bruising, bleeding, ..., other */
    char *type_other;     /* NULL unless type is "other" */
    char severity[12];    /* mild, moderate, severe, serious */
    int64_t onset_ms;
    char *description; /* NULL when none */
    char *actions;
    char outcome[32];       /* ongoing, resolved, resolved_with_sequelae, unknown */
    char resolved_date[11]; /* YYYY-MM-DD (the clinic's calendar), "" unless resolved */
    int64_t version;
    int64_t created_ms;
    int64_t created_by;
    int64_t updated_ms;
    int64_t updated_by;
    /* filled when reading, from the patient: */
    char mrn[24];
    char *given_name;
    char *family_name;
    char *given_name_ar;
    char *family_name_ar;
    char date_of_birth[11];
    bool patient_deleted;
};
void db_adverse_release(struct db_adverse *e);
/* Inserts e (its patient fields are ignored) and sets e->id. */
int db_adverse_insert(struct db *db, struct db_adverse *e) WARN_UNUSED;
/* Writes every field of e->id but its creation, if its stored version is still
 * `expected_version`: ST_CONFLICT when it is not, ST_NOT_FOUND when there is no such event. */
int db_adverse_update(struct db *db, const struct db_adverse *e,
                      int64_t expected_version) WARN_UNUSED;
int db_adverse_get(struct db *db, int64_t id, struct db_adverse *out) WARN_UNUSED;
typedef int (*db_adverse_cb)(void *ctx, const struct db_adverse *e);
/* A patient's events, latest onset first (then newest id); a non-zero return from cb stops and
 * is returned. */
int db_adverse_of_patient(struct db *db, int64_t patient_id, db_adverse_cb cb,
                          void *ctx) WARN_UNUSED;

struct db_adverse_query {
    unsigned severities; /* bit set of the severities wanted (bit i: i-th of mild, moderate,
                          * severe, serious); 0: every severity */
    unsigned outcomes;   /* likewise of ongoing, resolved, resolved_with_sequelae, unknown */
    int64_t from_ms;     /* onset at or after; 0: no bound */
    int64_t to_ms;       /* onset before; 0: no bound */
    int limit;
};
/* The clinic's events of patients on the register, latest onset first (then newest id). */
int db_adverse_list(struct db *db, const struct db_adverse_query *q, db_adverse_cb cb,
                    void *ctx) WARN_UNUSED;

/* One kept version of an event: the event as it was then. */
struct db_adverse_version {
    int64_t adverse_event_id;
    int64_t version;
    const char *doc; /* JSON */
    int64_t at_ms;
    int64_t by;
};
int db_adverse_version_insert(struct db *db, const struct db_adverse_version *v) WARN_UNUSED;
typedef int (*db_adverse_version_cb)(void *ctx, const struct db_adverse_version *v);
/* The versions of an event, oldest first. */
int db_adverse_versions(struct db *db, int64_t id, db_adverse_version_cb cb, void *ctx) WARN_UNUSED;

/* What an event's links are checked against, read from the procedure tables: the patient and
 * start of a procedure, and the procedure and patient of a specimen. ST_NOT_FOUND when there is
 * no such procedure or specimen. */
int db_adverse_procedure(struct db *db, int64_t procedure_id, int64_t *patient_id,
                         int64_t *started_ms) WARN_UNUSED;
int db_adverse_specimen(struct db *db, const char *specimen_id, int64_t *procedure_id,
                        int64_t *patient_id) WARN_UNUSED;

/* ---- photos ---- */
/* Standardised photographs (007_outcomes.sql): the cleaned bytes and their thumbnail kept once per
 * content hash in photo_files, each upload a row of photos pointing at them. */

/* The bytes of one cleaned picture: borrowed by db_photo_file_put. */
struct db_photo_file {
    char sha256[65]; /* of data, lower-case hex */
    char mime[16];   /* image/jpeg, image/png */
    int width, height;
    const unsigned char *data;
    size_t data_n;
    const unsigned char *thumb; /* JPEG */
    size_t thumb_n;
    int thumb_width, thumb_height;
};
/* Stores the file unless its hash is already there (then the stored one stays: same bytes). */
int db_photo_file_put(struct db *db, const struct db_photo_file *pf) WARN_UNUSED;

struct db_photo {
    int64_t id;
    int64_t patient_id;
    char view[48];     /* measures.json photo_views code */
    char date[11];     /* YYYY-MM-DD, the clinic's calendar */
    int64_t course_id; /* 0: none */
    char sha256[65];
    char *original_name; /* NULL when none */
    char *notes;
    int64_t uploaded_ms;
    int64_t uploaded_by;
    int64_t voided_ms; /* 0: not voided */
    int64_t voided_by;
    char *void_reason;
    /* filled when reading, from photo_files and the patient: */
    char mime[16];
    int width, height;
    int64_t bytes;
    int thumb_width, thumb_height;
    char mrn[24];
    bool patient_deleted;
};
void db_photo_release(struct db_photo *p);
/* Inserts p (its file must be stored; the fields filled when reading are ignored), sets p->id. */
int db_photo_insert(struct db *db, struct db_photo *p) WARN_UNUSED;
int db_photo_get(struct db *db, int64_t id, struct db_photo *out) WARN_UNUSED;
typedef int (*db_photo_cb)(void *ctx, const struct db_photo *p);
/* A patient's photos of one view (NULL: every view), by view code, date, id; voided ones only
 * with include_voided. A non-zero return from cb stops and is returned. */
int db_photo_of_patient(struct db *db, int64_t patient_id, const char *view, bool include_voided,
                        db_photo_cb cb, void *ctx) WARN_UNUSED;
/* The id of a photo of the patient with these bytes that is not voided, 0 when there is none. */
int db_photo_same_bytes(struct db *db, int64_t patient_id, const char *sha256,
                        int64_t *id) WARN_UNUSED;
/* Voids photo `id` unless it already is: ST_CONFLICT when it is, ST_NOT_FOUND when missing. */
int db_photo_void(struct db *db, int64_t id, int64_t at_ms, int64_t by,
                  const char *reason) WARN_UNUSED;
/* A copy of the picture (or its thumbnail) of photo `id`, the caller's to free(), with its MIME
 * type. ST_NOT_FOUND when there is no such photo. */
int db_photo_bytes(struct db *db, int64_t id, bool thumb, unsigned char **data, size_t *n,
                   char mime[16]) WARN_UNUSED;

/* ---- measurements ---- */
/* What was measured at a visit (007_outcomes.sql): a set per visit and method, a row per value,
 * each value's versions, and the trichoscopy files imported. */

struct db_measurement_set {
    int64_t id;
    int64_t patient_id;
    char date[11];     /* YYYY-MM-DD, the clinic's calendar */
    int64_t course_id; /* 0: none */
    char method[41];   /* a method code of measures.json */
    char *device;      /* NULL when none, like site and notes */
    char *site;
    char *notes;
    bool has_area;
    double area_cm2;
    int64_t measured_by;
    char source[8];    /* manual, import */
    int64_t import_id; /* 0: typed in */
    int64_t created_ms;
    int64_t created_by;
};
void db_measurement_set_release(struct db_measurement_set *s);
/* Inserts s and sets s->id. */
int db_measurement_set_insert(struct db *db, struct db_measurement_set *s) WARN_UNUSED;
int db_measurement_set_get(struct db *db, int64_t id, struct db_measurement_set *out) WARN_UNUSED;

struct db_measurement_query {
    int64_t patient_id;
    const char *measure; /* NULL: every measure */
    const char *from;    /* YYYY-MM-DD, both included; NULL: no bound */
    const char *to;
    bool include_voided;
};
typedef int (*db_measurement_set_cb)(void *ctx, const struct db_measurement_set *s);
/* A patient's sets having at least one value that matches `q` (the measure, and not voided
 * unless include_voided), newest date first, then newest id. */
int db_measurement_sets(struct db *db, const struct db_measurement_query *q,
                        db_measurement_set_cb cb, void *ctx) WARN_UNUSED;

struct db_measurement {
    int64_t id;
    int64_t set_id;
    int64_t patient_id;
    char date[11];
    char measure[41];
    bool is_code; /* value_code holds the value, else value_num */
    double value_num;
    char value_code[33];
    int64_t version;
    int64_t voided_ms; /* 0: not voided */
    int64_t voided_by;
    char *void_reason; /* NULL unless voided */
    int64_t updated_ms;
    int64_t updated_by;
};
void db_measurement_release(struct db_measurement *m);
/* Inserts m (not voided) and sets m->id; ST_CONFLICT when the set has that measure already. */
int db_measurement_insert(struct db *db, struct db_measurement *m) WARN_UNUSED;
int db_measurement_get(struct db *db, int64_t id, struct db_measurement *out) WARN_UNUSED;
/* Writes the value, version, updated_ms and updated_by of m->id if it is not voided and its
 * stored version is still `expected_version`: ST_CONFLICT otherwise, ST_NOT_FOUND when there is
 * no such value. */
int db_measurement_set_value(struct db *db, const struct db_measurement *m,
                             int64_t expected_version) WARN_UNUSED;
/* Voids value `id` (ST_CONFLICT when it already is, ST_NOT_FOUND when there is none). */
int db_measurement_void(struct db *db, int64_t id, int64_t at_ms, int64_t by,
                        const char *reason) WARN_UNUSED;
typedef int (*db_measurement_cb)(void *ctx, const struct db_measurement *m);
/* The values of a set in the order they were entered; voided ones only with include_voided,
 * only `measure`'s when it is not NULL. */
int db_measurements_of_set(struct db *db, int64_t set_id, const char *measure, bool include_voided,
                           db_measurement_cb cb, void *ctx) WARN_UNUSED;

/* One version of a value: what it was, why it was changed (NULL for version 1), when, by whom. */
struct db_measurement_version {
    int64_t measurement_id;
    int64_t version;
    bool is_code;
    double value_num;
    const char *value_code;
    const char *reason;
    int64_t at_ms;
    int64_t by;
};
int db_measurement_version_insert(struct db *db,
                                  const struct db_measurement_version *v) WARN_UNUSED;
typedef int (*db_measurement_version_cb)(void *ctx, const struct db_measurement_version *v);
/* The versions of value `id`, newest first. */
int db_measurement_versions(struct db *db, int64_t id, db_measurement_version_cb cb,
                            void *ctx) WARN_UNUSED;

struct db_measurement_import {
    int64_t id;
    int64_t patient_id;
    const char *file_name; /* NULL when not given */
    char sha256[65];       /* of the file's bytes */
    int64_t rows;
    int64_t imported_ms;
    int64_t imported_by;
};
/* Inserts and sets mi->id; ST_CONFLICT when the patient has a file with these bytes already. */
int db_measurement_import_insert(struct db *db, struct db_measurement_import *mi) WARN_UNUSED;

#endif
