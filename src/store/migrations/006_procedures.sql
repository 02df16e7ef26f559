-- The record of a treatment session at the chair: the procedure and its documents (PRP
-- preparation, fat-derived cells, injections), the specimens made from the patient's blood or
-- fat with their chain of custody, the identity checks before injection, and adverse events.

-- The preparation record names the rotor's type as well as its radius.
ALTER TABLE centrifuges ADD COLUMN rotor_type TEXT
    CHECK (rotor_type IS NULL OR rotor_type IN ('fixed_angle', 'swing_out'));

-- One procedure per appointment: started at the chair after check-in and a re-screening.
CREATE TABLE procedures (
    id                 INTEGER PRIMARY KEY,
    patient_id         INTEGER NOT NULL REFERENCES patients (id),
    appointment_id     INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
    treatment          TEXT NOT NULL,          -- screening treatment: prp-hair, prp-face, adsc-hair
    protocol           TEXT,                   -- the course's protocol code, NULL outside a course
    screening_id       INTEGER NOT NULL REFERENCES screenings (id), -- the re-screening at check-in
    status             TEXT NOT NULL CHECK (status IN ('open', 'completed', 'abandoned')),
    status_reason      TEXT,
    aftercare_lang     TEXT CHECK (aftercare_lang IS NULL OR aftercare_lang IN ('en', 'ar')),
    aftercare_given_at INTEGER,
    aftercare_given_by INTEGER REFERENCES users (id),
    version            INTEGER NOT NULL CHECK (version >= 1),
    started_at         INTEGER NOT NULL,
    started_by         INTEGER NOT NULL REFERENCES users (id),
    completed_at       INTEGER,
    completed_by       INTEGER REFERENCES users (id),
    updated_at         INTEGER NOT NULL,
    updated_by         INTEGER NOT NULL REFERENCES users (id),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CHECK ((aftercare_given_at IS NULL) = (aftercare_lang IS NULL))
);
CREATE INDEX procedures_by_patient ON procedures (patient_id, id);

-- The documents of a procedure, each kept as every version saved: a correction is a new
-- version, never an overwrite. The document is the normalised JSON as validated; what is
-- computed from it (RCF, classifications, totals) is computed again when read.
CREATE TABLE procedure_records (
    procedure_id INTEGER NOT NULL REFERENCES procedures (id),
    section      TEXT NOT NULL CHECK (section IN ('preparation', 'fat', 'injection')),
    version      INTEGER NOT NULL CHECK (version >= 1),
    doc          TEXT NOT NULL,
    reason       TEXT,                 -- why a completed procedure's record was corrected
    at           INTEGER NOT NULL,
    by           INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (procedure_id, section, version)
) WITHOUT ROWID;

-- Every tube and syringe: its printed id (S + digits + a Damm check digit), when its content
-- left the patient (a derived product keeps the time of its source's draw) and until when it
-- may be injected.
CREATE TABLE specimens (
    id           TEXT PRIMARY KEY,
    procedure_id INTEGER NOT NULL REFERENCES procedures (id),
    patient_id   INTEGER NOT NULL REFERENCES patients (id),
    kind         TEXT NOT NULL CHECK (kind IN ('blood_tube', 'prp', 'fat_aspirate', 'fat_graft',
                                               'cell_suspension')),
    label        TEXT NOT NULL,
    volume_ml    REAL CHECK (volume_ml IS NULL OR volume_ml > 0),
    parent_id    TEXT REFERENCES specimens (id),
    collected_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL CHECK (expires_at > collected_at),
    status       TEXT NOT NULL CHECK (status IN ('active', 'injected', 'discarded')),
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id)
) WITHOUT ROWID;
CREATE INDEX specimens_by_procedure ON specimens (procedure_id, created_at);
INSERT INTO counters (name, value) VALUES ('specimen', 100000);

-- The chain of custody: who did what to a specimen, and when.
CREATE TABLE specimen_events (
    id          INTEGER PRIMARY KEY,
    specimen_id TEXT NOT NULL REFERENCES specimens (id),
    event       TEXT NOT NULL CHECK (event IN ('drawn', 'spun', 'prepared', 'label_printed',
                                               'checked', 'injected', 'discarded')),
    at          INTEGER NOT NULL,
    by          INTEGER NOT NULL REFERENCES users (id),
    note        TEXT
);
CREATE INDEX specimen_events_by_specimen ON specimen_events (specimen_id, id);

-- Every scan at the chair, passed or failed: what was scanned, what it named and why it
-- failed. A failure is kept, never rolled back.
CREATE TABLE identity_checks (
    id            INTEGER PRIMARY KEY,
    procedure_id  INTEGER NOT NULL REFERENCES procedures (id),
    patient_scan  TEXT NOT NULL,
    specimen_scan TEXT NOT NULL,
    specimen_id   TEXT REFERENCES specimens (id), -- the specimen scanned, when it exists
    passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
    failure       TEXT CHECK (failure IS NULL OR failure IN (
                      'patient_unknown', 'wrong_patient', 'specimen_unknown',
                      'specimen_other_patient', 'specimen_other_procedure',
                      'specimen_not_injectable', 'specimen_expired', 'specimen_used',
                      'specimen_discarded')),
    at            INTEGER NOT NULL,
    by            INTEGER NOT NULL REFERENCES users (id),
    CHECK ((passed = 1) = (failure IS NULL))
);
CREATE INDEX identity_checks_by_procedure ON identity_checks (procedure_id, id);

-- Adverse events, linked to the procedure and specimen when known; each change a new version.
CREATE TABLE adverse_events (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients (id),
    procedure_id  INTEGER REFERENCES procedures (id),
    specimen_id   TEXT REFERENCES specimens (id),
    type          TEXT NOT NULL CHECK (type IN ('bruising', 'bleeding', 'pain', 'swelling',
                      'redness', 'itching', 'tingling_numbness', 'headache', 'infection',
                      'haematoma', 'shedding', 'vision_change', 'fainting', 'other')),
    type_other    TEXT,
    severity      TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'serious')),
    onset_at      INTEGER NOT NULL,
    description   TEXT,
    actions       TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('ongoing', 'resolved',
                                                   'resolved_with_sequelae', 'unknown')),
    resolved_date TEXT,                 -- YYYY-MM-DD, the clinic's calendar
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER NOT NULL REFERENCES users (id),
    CHECK ((type = 'other') = (type_other IS NOT NULL)),
    CHECK ((outcome IN ('resolved', 'resolved_with_sequelae')) = (resolved_date IS NOT NULL))
);
CREATE INDEX adverse_events_by_patient ON adverse_events (patient_id, onset_at);
CREATE INDEX adverse_events_by_severity ON adverse_events (severity, onset_at);

CREATE TABLE adverse_event_versions (
    adverse_event_id INTEGER NOT NULL REFERENCES adverse_events (id),
    version          INTEGER NOT NULL,
    doc              TEXT NOT NULL,    -- the event as it was in this version (JSON)
    at               INTEGER NOT NULL,
    by               INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (adverse_event_id, version)
) WITHOUT ROWID;
