-- The clinic's calendar: opening hours and closures, rooms, clinicians with their working
-- hours, centrifuges, and appointments. An appointment holds each resource it uses for an
-- interval; a trigger refuses overlapping holds, so no room, clinician, centrifuge or patient is
-- ever booked twice, whatever the application does. Times are UTC epoch milliseconds; hours are
-- minutes after local midnight in the clinic's time zone (weekday 1 = Monday ... 7 = Sunday).

CREATE TABLE opening_hours (
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    open_minute  INTEGER NOT NULL CHECK (open_minute BETWEEN 0 AND 1439),
    close_minute INTEGER NOT NULL CHECK (close_minute BETWEEN 1 AND 1440),
    CHECK (open_minute < close_minute),
    PRIMARY KEY (weekday, open_minute)
) WITHOUT ROWID;

CREATE TABLE closures (
    id         INTEGER PRIMARY KEY,
    first_date TEXT NOT NULL,
    last_date  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    CHECK (first_date <= last_date)
);

ALTER TABLE rooms ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
-- The calendar books three kinds of room; a room of another kind (the foundation's demo had a
-- preparation lab) stays on record but out of the calendar until an administrator gives it one.
UPDATE rooms SET active = 0 WHERE kind NOT IN ('treatment', 'procedure', 'consultation');

CREATE TABLE clinicians (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id),
    active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE clinician_hours (
    clinician_id INTEGER NOT NULL REFERENCES clinicians (id),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (start_minute < end_minute),
    PRIMARY KEY (clinician_id, weekday, start_minute)
) WITHOUT ROWID;

CREATE TABLE centrifuges (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    model          TEXT,
    rotor_radius_mm INTEGER CHECK (rotor_radius_mm IS NULL OR rotor_radius_mm > 0),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE appointments (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients (id),
    kind           TEXT NOT NULL CHECK (kind IN ('session', 'follow_up', 'consultation')),
    course_item_id INTEGER REFERENCES course_items (id),
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    prep_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (prep_minutes >= 0),
    room_id        INTEGER NOT NULL REFERENCES rooms (id),
    clinician_id   INTEGER NOT NULL REFERENCES clinicians (id),
    centrifuge_id  INTEGER REFERENCES centrifuges (id),
    status         TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'in_progress', 'done',
                                                   'cancelled', 'no_show')),
    status_reason  TEXT,
    notes          TEXT,
    -- Why a course session was booked outside its item's window (NULL when inside it).
    override_reason TEXT,
    version        INTEGER NOT NULL CHECK (version >= 1),
    created_at     INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users (id),
    updated_at     INTEGER NOT NULL,
    updated_by     INTEGER REFERENCES users (id),
    CHECK (start_ms < end_ms AND end_ms - start_ms <= 86400000)
);
CREATE INDEX appointments_by_start ON appointments (start_ms);
CREATE INDEX appointments_by_patient ON appointments (patient_id, start_ms);
CREATE INDEX appointments_by_item ON appointments (course_item_id) WHERE course_item_id IS NOT NULL;

-- What an appointment keeps busy. Rows exist while the appointment counts (a cancelled or
-- missed appointment's holds are deleted, which frees the slot).
CREATE TABLE appointment_holds (
    resource       TEXT NOT NULL CHECK (resource IN ('room', 'clinician', 'centrifuge', 'patient')),
    resource_id    INTEGER NOT NULL,
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id),
    CHECK (start_ms < end_ms AND end_ms - start_ms <= 86400000),
    PRIMARY KEY (resource, resource_id, start_ms)
) WITHOUT ROWID;
CREATE INDEX appointment_holds_by_appointment ON appointment_holds (appointment_id);
-- The slot finder reads every hold of a day at once; the index carries the whole key (a WITHOUT
-- ROWID table's index holds the primary key), so the read never touches the table.
CREATE INDEX appointment_holds_by_start ON appointment_holds (start_ms, end_ms, appointment_id);

-- Holds last at most a day (the CHECK above), so only holds starting in the day before can
-- reach into the new one: the search stays a short index range.
CREATE TRIGGER appointment_holds_no_overlap BEFORE INSERT ON appointment_holds
WHEN EXISTS (SELECT 1 FROM appointment_holds h
             WHERE h.resource = NEW.resource AND h.resource_id = NEW.resource_id
               AND h.start_ms > NEW.start_ms - 86400000 AND h.start_ms < NEW.end_ms
               AND h.end_ms > NEW.start_ms)
BEGIN
    SELECT RAISE(ABORT, 'double booking');
END;
