-- Messages waiting for an SMS or e-mail gateway (reminders, pre-session instructions, aftercare
-- check-ins), written in the same transaction as the appointment change that causes them, and
-- the tokens with which gateways read the outbox and mark messages sent.

CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients (id),
    appointment_id INTEGER REFERENCES appointments (id),
    kind           TEXT NOT NULL
                   CHECK (kind IN ('reminder', 'instructions', 'aftercare_day1', 'aftercare_day7')),
    channel        TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient      TEXT NOT NULL,
    language       TEXT NOT NULL CHECK (language IN ('en', 'ar')),
    due_at         INTEGER NOT NULL,
    subject        TEXT,                     -- e-mail only
    body           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    gateway_ref    TEXT,
    error          TEXT,
    -- Only a sent message has a sending time, and only a failed one an error.
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK (status = 'failed' OR error IS NULL)
);
-- What a gateway polls (pending, due first) and what the outbox screen lists (by due time).
CREATE INDEX outbox_due ON outbox (status, due_at, id);
CREATE INDEX outbox_by_due ON outbox (due_at, id);
CREATE INDEX outbox_by_appointment ON outbox (appointment_id);

CREATE TABLE gateway_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the token: the token itself is never stored
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    last_used_at INTEGER
);
