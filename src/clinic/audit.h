/* The audit trail: who did what to which record, from where, in which request. Events are
 * hash-chained (each stores the hash of the one before), so a changed or removed event is
 * detectable by audit_verify.
 *
 * Writes are audited inside the writing transaction (audit_write): a write and its event commit
 * together or not at all. Reads are queued (audit_read) and written by a background thread in
 * batches; an event reaches the database within AUDIT_FLUSH_MS of the read unless the process
 * dies first (the durability window documented in docs/audit.md). */
#ifndef AUTOLOGA_CLINIC_AUDIT_H
#define AUTOLOGA_CLINIC_AUDIT_H

#include <stdint.h>
#include "store/db.h"

#define AUDIT_FLUSH_MS 200

/* Who is acting: the person behind a request (or the command line) and where from. */
struct actor {
    int64_t user_id; /* 0 for the command line or an anonymous request */
    char username[40];
    unsigned roles;
    char remote[64];
    char request_id[40];
};

/* Fills an actor for the command line: user "cli", remote "local". */
void actor_cli(struct actor *a);

/* Appends an event inside the caller's open write transaction. */
int audit_write(struct db *db, const struct actor *a, const char *action, const char *entity,
                const char *entity_id) WARN_UNUSED;

/* audit_write with a detail: a JSON object as text (NULL or "": none) saying more than the
 * entity does, such as {"patient_id":9,"size":"thumb"}. It is part of the chained hash. Keep it
 * under DB_AUDIT_DETAIL_MAX bytes: a longer one is stored as {"cut":true}. */
int audit_write_detail(struct db *db, const struct actor *a, const char *action, const char *entity,
                       const char *entity_id, const char *detail) WARN_UNUSED;

/* Starts the background writer of read events on its own connection to `db_path`. */
int audit_queue_start(const char *db_path, struct fail *f) WARN_UNUSED;
/* Queues a read event (copied). Blocks only while the queue is full. Without a running queue
 * (the command line) the event is dropped: command-line reads are not patient reads. */
void audit_read(const struct actor *a, const char *action, const char *entity,
                const char *entity_id);
/* audit_read with a detail, as audit_write_detail. */
void audit_read_detail(const struct actor *a, const char *action, const char *entity,
                       const char *entity_id, const char *detail);
/* Writes every queued event now; returns once they are committed (tests, shutdown). */
int audit_queue_flush(void) WARN_UNUSED;
/* Flushes and stops the writer. Safe to call when it is not running. */
void audit_queue_stop(void);

/* The chained hash of an event (all fields but `hash`, including prev_hash), as hex. */
void audit_hash(const struct db_audit *e, char out[65]);

struct audit_check {
    int64_t events;
    int64_t first_bad_id; /* 0 when the chain is intact */
    char head_hash[65];   /* hash of the newest event: record it to detect a cut-off tail */
};
/* Re-computes the chain from the first event. */
int audit_verify(struct db *db, struct audit_check *out) WARN_UNUSED;

#endif
