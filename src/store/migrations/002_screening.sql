-- Clinical records that screening reads, and the screening results themselves: assessments per
-- visit and the medical history per patient (each a JSON document kept in every version), lab
-- results (corrected by deleting with a reason, never overwritten), and stored screening
-- results with the data they were computed from and the doctor's sign-off.

CREATE TABLE assessments (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    visit_date TEXT NOT NULL,
    complaint  TEXT NOT NULL CHECK (complaint IN ('hair', 'face')),
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);
CREATE INDEX assessments_by_patient ON assessments (patient_id, complaint, visit_date, id);

CREATE TABLE assessment_versions (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    version       INTEGER NOT NULL,
    user_id       INTEGER REFERENCES users (id),
    at            INTEGER NOT NULL,
    changes       TEXT NOT NULL,
    snapshot      TEXT NOT NULL,
    PRIMARY KEY (assessment_id, version)
) WITHOUT ROWID;

CREATE TABLE medical_histories (
    patient_id INTEGER PRIMARY KEY REFERENCES patients (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    data       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);

CREATE TABLE medical_history_versions (
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    version    INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    at         INTEGER NOT NULL,
    changes    TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    PRIMARY KEY (patient_id, version)
) WITHOUT ROWID;

-- One CSV file imported for a patient; its hash refuses the same file twice.
CREATE TABLE lab_imports (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients (id),
    file_name   TEXT,
    sha256      TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by INTEGER REFERENCES users (id),
    UNIQUE (patient_id, sha256)
);

CREATE TABLE lab_results (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients (id),
    analyte         TEXT NOT NULL,
    measured_at     INTEGER NOT NULL,
    date_only       INTEGER NOT NULL CHECK (date_only IN (0, 1)),
    value           REAL NOT NULL,
    unit            TEXT NOT NULL,
    canonical_value REAL NOT NULL,
    canonical_unit  TEXT NOT NULL,
    reference_low   REAL,
    reference_high  REAL,
    source          TEXT NOT NULL CHECK (source IN ('manual', 'import')),
    import_id       INTEGER REFERENCES lab_imports (id),
    entered_at      INTEGER NOT NULL,
    entered_by      INTEGER REFERENCES users (id),
    deleted_at      INTEGER,
    deleted_by      INTEGER REFERENCES users (id),
    delete_reason   TEXT,
    CHECK ((deleted_at IS NULL) = (delete_reason IS NULL))
);
CREATE INDEX lab_results_by_patient ON lab_results (patient_id, measured_at, id);

CREATE TABLE screenings (
    id           INTEGER PRIMARY KEY,
    patient_id   INTEGER NOT NULL REFERENCES patients (id),
    treatment    TEXT NOT NULL,
    session_at   INTEGER NOT NULL,
    outcome      TEXT NOT NULL
                 CHECK (outcome IN ('eligible', 'caution', 'defer', 'incomplete', 'contraindicated')),
    until_at     INTEGER,
    result       TEXT NOT NULL,
    inputs       TEXT NOT NULL,
    rules_sha256 TEXT NOT NULL,
    computed_at  INTEGER NOT NULL,
    computed_by  INTEGER REFERENCES users (id)
);
CREATE INDEX screenings_by_patient ON screenings (patient_id, treatment, id);

-- A doctor's decision on one stored result. Proceeding against anything but "eligible" is an
-- override and needs a reason.
CREATE TABLE screening_signoffs (
    screening_id INTEGER PRIMARY KEY REFERENCES screenings (id),
    decision     TEXT NOT NULL CHECK (decision IN ('proceed', 'do_not_proceed')),
    override     INTEGER NOT NULL CHECK (override IN (0, 1)),
    reason       TEXT,
    signed_at    INTEGER NOT NULL,
    signed_by    INTEGER NOT NULL REFERENCES users (id),
    CHECK (override = 0 OR reason IS NOT NULL)
);
