-- Treatment courses: a protocol of protocols/ prescribed to a patient, kept as the document it
-- was prescribed with (a later edit of the file changes no existing course), and its planned
-- items (loading sessions, maintenance sessions, follow-up visits) with their allowed windows.

CREATE TABLE courses (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients (id),
    protocol        TEXT NOT NULL,            -- the protocol's code, e.g. 'prp-hair'
    protocol_json   TEXT NOT NULL,            -- the protocol document as prescribed
    protocol_sha256 TEXT NOT NULL,
    screening_id    INTEGER NOT NULL REFERENCES screenings (id), -- signed to proceed
    status          TEXT NOT NULL
                    CHECK (status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')),
    status_reason   TEXT,
    start_date      TEXT NOT NULL,            -- YYYY-MM-DD, the clinic's calendar
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    package         INTEGER NOT NULL CHECK (package IN (0, 1)), -- sold as a package
    discount_minor  INTEGER NOT NULL CHECK (discount_minor >= 0),
    notes           TEXT,
    version         INTEGER NOT NULL CHECK (version >= 1),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX courses_by_patient ON courses (patient_id, id);

CREATE TABLE course_items (
    id               INTEGER PRIMARY KEY,
    course_id        INTEGER NOT NULL REFERENCES courses (id),
    seq              INTEGER NOT NULL CHECK (seq >= 1), -- order within the course
    kind             TEXT NOT NULL CHECK (kind IN ('session', 'maintenance', 'follow_up')),
    milestone        TEXT,                               -- follow-ups: the protocol's code
    -- Where the item falls: `offset_months` then `offset_days` after the date of the item
    -- `anchor_seq` (its booked day when booked, else its target), or after the course's
    -- start_date when anchor_seq is NULL; the window is that target minus `window_before_days`
    -- to plus `window_after_days`. The three dates below are the plan as it stands now.
    anchor_seq         INTEGER,
    offset_months      INTEGER NOT NULL DEFAULT 0 CHECK (offset_months >= 0),
    offset_days        INTEGER NOT NULL DEFAULT 0 CHECK (offset_days >= 0),
    window_before_days INTEGER NOT NULL CHECK (window_before_days >= 0),
    window_after_days  INTEGER NOT NULL CHECK (window_after_days >= 0),
    target_date      TEXT NOT NULL,
    earliest_date    TEXT NOT NULL,
    latest_date      TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    prep_minutes     INTEGER NOT NULL CHECK (prep_minutes >= 0), -- centrifuge time
    room_kind        TEXT NOT NULL,
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    status           TEXT NOT NULL
                     CHECK (status IN ('planned', 'booked', 'done', 'cancelled', 'missed')),
    CHECK (earliest_date <= target_date AND target_date <= latest_date),
    UNIQUE (course_id, seq)
);
